/*
 * options.c - what every command shares: its help, its usage errors, and
 * the options of map and reconcile.
 *
 * Each helper takes the command's own descriptor (tc_cmd_X, defined beside
 * cmd_X), never a name to look up, so this file depends on no command and
 * not on the table (commands.c) that lists them all.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/perm.h"
#include "core/atomic.h"
#include "core/err.h"
#include "core/log.h"

void tc_cli_help(const tc_command *c)
{
    printf("usage: tongchou %s %s\n\n%s\n", c->name, c->synopsis, c->summary);
    if (c->help && c->help[0])
        printf("\n%s", c->help);
}

int tc_cli_wants_help(const tc_command *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            tc_cli_help(c);
            return 1;
        }
    }
    return 0;
}

int tc_cli_usage_error(const tc_command *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tc_log_error("%s", msg);
    fprintf(stderr, "usage: tongchou %s %s\n", c->name, c->synopsis);
    return TC_EXIT_USAGE;
}

int tc_cli_set_out_inputs(const tc_command *cmd, const char *what, int argc, char **argv,
                          const char **set, const char **outdir, tc_cli_handover *h, int *first)
{
    static const struct option opts[] = {{"mappings", required_argument, NULL, 'm'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"funds", required_argument, NULL, 'F'},
                                         {"cutover", required_argument, NULL, 'C'},
                                         {NULL, 0, NULL, 0}};
    *set = *outdir = NULL;
    if (h)
        h->nfunds = h->ncutovers = 0;
    int c;
    while ((c = getopt_long(argc, argv, "m:o:q", opts, NULL)) != -1) {
        switch (c) {
        case 'm': *set = optarg; break;
        case 'o': tc_path_trim(optarg), *outdir = optarg; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        case 'F':
            if (!h || h->nfunds == TC_CLI_MAX_SPECS)
                return tc_cli_usage_error(cmd, h ? "too many --funds" : "unknown option");
            h->funds[h->nfunds++] = optarg;
            break;
        case 'C':
            if (!h || h->ncutovers == TC_CLI_MAX_SPECS)
                return tc_cli_usage_error(cmd, h ? "too many --cutover" : "unknown option");
            h->cutovers[h->ncutovers++] = optarg;
            break;
        default: return tc_cli_usage_error(cmd, "unknown option");
        }
    }
    if (!*set || !*outdir)
        return tc_cli_usage_error(cmd, "name the mapping set (-m) and the output folder (-o)");
    if (optind == argc)
        return tc_cli_usage_error(cmd, "name at least one %s", what);
    *first = optind;
    return -1;
}

int tc_cli_make_outdir(const char *dir)
{
    tc_err e;
    tc_err_clear(&e);
    if (tc_mkdir_p(dir, tc_perm_dir(), &e) == 0) {
        tc_perm_check(dir, "the output folder");
        return 0;
    }
    tc_err_hint(&e, "name another output folder with -o DIR");
    return tc_log_fail(&e);
}

int tc_cli_jobs(const tc_command *c, const char *arg, int *jobs)
{
    char *end;
    long j = strtol(arg, &end, 10);
    if (*end || end == arg || j < 1 || j > 1024)
        return tc_cli_usage_error(c, "bad --jobs '%s': a whole number from 1 to 1024", arg);
    *jobs = (int)j;
    return 0;
}
