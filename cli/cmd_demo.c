/*
 * cmd_demo.c - `tongchou demo [-n RECORDS] [--keep-db] [DIR]`: the example
 * city's whole handover (pipeline/demo.h); what to look at goes to stdout.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "core/atomic.h"
#include "core/log.h"
#include "pipeline/demo.h"

const tc_command tc_cmd_demo = {
    "demo", cmd_demo, "[-n RECORDS] [--keep-db] [--seal] [DIR]",
    "the example city's whole handover, start to finish",
    "  -n, --records N   contribution records per county (default 20000)\n"
    "  -k, --keep-db     leave the embedded database running, and say how to reach it\n"
    "  -j, --jobs N      counties at once (default: the number of cores)\n"
    "  -s, --seal        seal every batch (SM4-CTR, HMAC-SM3) for a data holder,\n"
    "                    keys/data.key (docs/personal-data.md)\n"
    "\n"
    "In DIR (default demo/): generates the example city (city/, with its answer\n"
    "key), makes two key pairs (keys/maker, keys/checker), writes the manifest\n"
    "city.ini, runs the whole pipeline on an embedded PostgreSQL server (work/),\n"
    "plans, approves and executes the transfer, verifies the audit trail, and\n"
    "prints the transfer and findings per county and where the reports are.\n",
    NULL};

int cmd_demo(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_demo, argc, argv))
        return 0;
    static const struct option opts[] = {{"records", required_argument, NULL, 'n'},
                                         {"keep-db", no_argument, NULL, 'k'},
                                         {"jobs", required_argument, NULL, 'j'},
                                         {"seal", no_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    tc_demo_opts o = {.dir = "demo", .records = 20000};
    int c;
    while ((c = getopt_long(argc, argv, "n:kj:s", opts, NULL)) != -1) {
        switch (c) {
        case 'n': o.records = strtoull(optarg, NULL, 10); break;
        case 'k': o.keep_db = 1; break;
        case 'j': o.jobs = atoi(optarg); break;
        case 's': o.seal = 1; break;
        default: return tc_cli_usage_error(&tc_cmd_demo, "unknown option");
        }
    }
    if (optind < argc - 1)
        return tc_cli_usage_error(&tc_cmd_demo, "name at most one folder");
    if (optind == argc - 1)
        tc_path_trim(argv[optind]), o.dir = argv[optind];
    if (o.records < 100)
        return tc_cli_usage_error(&tc_cmd_demo, "-n takes 100 records or more");
    tc_err e;
    tc_err_clear(&e);
    if (tc_demo(&o, stdout, &e))
        return tc_log_fail(&e);
    return 0;
}
