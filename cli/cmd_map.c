/*
 * cmd_map.c - `tongchou map -m MAPPINGS BATCH... -o DIR`.
 *
 * Prints the paths of the city batches (and reject batches) written, one
 * per line; a line per county and record type on stderr; exit 1 when any
 * record was rejected, 5 when a group does not conserve its records.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/trail.h"
#include "core/log.h"
#include "transform/map.h"

typedef struct mapped {
    tc_cli_files files;   /* written */
    tc_cli_counts rejected;   /* per county, for the trail */
} mapped;

static void report(void *arg, const tc_map_group *g)
{
    tc_cli_files *out = &((mapped *)arg)->files;
    tc_cli_counts_add(&((mapped *)arg)->rejected, g->county, g->rejected);
    for (int i = 0; i < g->nout; i++) {
        printf("%s\n", g->out_path[i]);
        tc_cli_files_add(out, g->out_path[i]);
    }
    if (g->reject_path[0]) {
        printf("%s\n", g->reject_path);
        tc_cli_files_add(out, g->reject_path);
    }
    if (g->nout > 1) {   /* a split: where the records went */
        char to[TC_SPLIT_MAX * 32] = "";
        for (int i = 0; i < g->nout; i++)
            snprintf(to + strlen(to), sizeof(to) - strlen(to), "%s%s %lld", i ? ", " : "",
                     g->out_region[i], g->outs[i]);
        tc_log_info("%s %s -> split: %lld in, %lld mapped (%s), %lld rejected", g->county,
                    g->type, g->in, g->out, to, g->rejected);
        return;
    }
    tc_log_info("%s %s -> %s: %lld in, %lld mapped, %lld rejected", g->county, g->type,
                g->region[0] ? g->region : "(no region)", g->in, g->out, g->rejected);
}

const tc_command tc_cmd_map = {
    "map", cmd_map, "-m MAPPINGS -o DIR BATCH...",
    "turn county codes into the city coding; unmapped records go to rejects",
    "  -m, --mappings DIR  the mapping set (shared/spec/mappings.md)\n"
    "  -o, --output DIR    folder for the city batches (made when missing)\n"
    "  -q, --quiet         say nothing but errors\n"
    "\n"
    "Each county-coded batch (from extract) becomes DIR/<region>.<type>.tcb,\n"
    "with the county's codes kept beside the city's (src_* columns), and the\n"
    "records no rule covers DIR/<county>.<type>.rejects.tcb, with the dimension,\n"
    "code and date that failed (exit 1).  Once the set is fixed, map the\n"
    "rejects batch into the same folder: its records rejoin the city batch in\n"
    "their original order, byte for byte as a clean run.  Records and amounts\n"
    "in must equal out plus rejected, or nothing is written (exit 5).\n",
    NULL};

int cmd_map(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_map, argc, argv))
        return 0;
    const char *set, *out;
    int first, code = tc_cli_set_out_inputs(&tc_cmd_map, "batch", argc, argv, &set, &out, NULL,
                                            &first);
    if (code >= 0)
        return code;
    if ((code = tc_cli_trail_check()) || (code = tc_cli_make_outdir(out)))
        return code;   /* the signing key before any work */
    tc_err e;
    tc_err_clear(&e);
    tc_mapset *m;
    if (tc_mapset_load(&m, set, &e))
        return tc_log_fail(&e);
    long long rejected = 0;
    mapped done = {0};
    tc_cli_files *wrote = &done.files;
    int rc = tc_map_run(m, (const char *const *)argv + first, argc - first, out, report,
                        &done, &rejected, &e);
    fflush(stdout);
    if (!rc) {
        char rec[64 * 32 + 64];
        tc_cli_counts_json(&done.rejected, "rejected", rec, sizeof(rec));
        code = tc_cli_trail_append(argc, argv, (const char *const *)argv + first, (size_t)(argc - first),
                             wrote, tc_mapset_digest(m), rec);
        if (code) {
            tc_cli_files_free(wrote);
            tc_mapset_free(m);
            return code;
        }
    }
    tc_cli_files_free(wrote);
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
