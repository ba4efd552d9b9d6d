/*
 * cmd_map.c - `tongchou map -m MAPPINGS BATCH... -o DIR`.
 *
 * Prints the paths of the city batches (and reject batches) written, one
 * per line; a line per county and record type on stderr; exit 1 when any
 * record was rejected, 5 when a group does not conserve its records.
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cli/cmd.h"
#include "cli/record.h"
#include "core/log.h"
#include "transform/map.h"

static void report(void *arg, const tc_map_group *g)
{
    tc_cli_files *out = arg;
    if (g->out_path[0]) {
        printf("%s\n", g->out_path);
        tc_cli_files_add(out, g->out_path);
    }
    if (g->reject_path[0]) {
        printf("%s\n", g->reject_path);
        tc_cli_files_add(out, g->reject_path);
    }
    tc_log_info("%s %s -> %s: %lld in, %lld mapped, %lld rejected", g->county, g->type,
                g->region[0] ? g->region : "(no region)", g->in, g->out, g->rejected);
}

int cmd_map(int argc, char **argv)
{
    if (tc_cli_wants_help("map", argc, argv))
        return 0;
    static const struct option opts[] = {{"mappings", required_argument, NULL, 'm'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    const char *set = NULL, *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "m:o:q", opts, NULL)) != -1) {
        switch (c) {
        case 'm': set = optarg; break;
        case 'o': out = optarg; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        default: return tc_cli_usage_error("map", "unknown option");
        }
    }
    if (!set || !out)
        return tc_cli_usage_error("map", "name the mapping set (-m) and the output folder (-o)");
    if (optind == argc)
        return tc_cli_usage_error("map", "name at least one batch");
    struct stat st;
    if (stat(out, &st) != 0 || !S_ISDIR(st.st_mode))
        return tc_cli_usage_error("map", "output folder %s does not exist", out);
    tc_err e;
    tc_err_clear(&e);
    tc_mapset *m;
    if (tc_mapset_load(&m, set, &e))
        return tc_log_fail(&e);
    long long rejected = 0;
    tc_cli_files wrote = {0};
    int rc = tc_map_run(m, (const char *const *)argv + optind, argc - optind, out, report,
                        &wrote, &rejected, &e);
    fflush(stdout);
    if (!rc) {
        char rec[64];
        snprintf(rec, sizeof(rec), "{\"rejected\":%lld}", rejected);
        int code = tc_cli_record(argc, argv, (const char *const *)argv + optind,
                                 (size_t)(argc - optind), &wrote, tc_mapset_digest(m), rec);
        if (code) {
            tc_cli_files_free(&wrote);
            tc_mapset_free(m);
            return code;
        }
    }
    tc_cli_files_free(&wrote);
    tc_mapset_free(m);
    if (rc)
        return tc_log_fail(&e);
    if (rejected) {
        tc_log_warning("%lld records rejected: fix the mapping set, then map the .rejects.tcb "
                       "batches again into the same folder", rejected);
        return TC_EXIT_FINDINGS;
    }
    return 0;
}
