/*
 * cmd_map.c - `tongchou map -m MAPPINGS BATCH... -o DIR`.
 *
 * Prints the paths of the city batches (and reject batches) written, one
 * per line; a line per county and record type on stderr; exit 1 when any
 * record was rejected, 5 when a group does not conserve its records.
 */
#include <stdio.h>

#include "cli/cmd.h"
#include "cli/trail.h"
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
    const char *set, *out;
    int first, code = tc_cli_set_out_inputs("map", "batch", argc, argv, &set, &out, &first);
    if (code >= 0)
        return code;
    tc_err e;
    tc_err_clear(&e);
    tc_mapset *m;
    if (tc_mapset_load(&m, set, &e))
        return tc_log_fail(&e);
    long long rejected = 0;
    tc_cli_files wrote = {0};
    int rc = tc_map_run(m, (const char *const *)argv + first, argc - first, out, report,
                        &wrote, &rejected, &e);
    fflush(stdout);
    if (!rc) {
        char rec[64];
        snprintf(rec, sizeof(rec), "{\"rejected\":%lld}", rejected);
        code = tc_cli_trail_append(argc, argv, (const char *const *)argv + first, (size_t)(argc - first),
                             &wrote, tc_mapset_digest(m), rec);
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
