/*
 * cmd_diff.c - `tongchou diff [-o DIR] [--limit N] [--json] OLD NEW`: what
 * changed between two versions of a county's data (reconcile/diff.h).
 *
 * stdout gets the result: a short summary, or with --json the whole of it
 * as JSON.  With -o, DIR/diff.json and DIR/diff.html are written too,
 * whole or not at all, and stderr says where.  Exit 0 when the two are
 * the same, 1 when they differ.  Reads only: no trail entry.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "core/atomic.h"
#include "core/log.h"
#include "reconcile/diff.h"

const tc_command tc_cmd_diff = {
    "diff", cmd_diff, "[-o DIR] [--limit N] [--json] OLD NEW",
    "show what changed between two versions of a county's data",
    "  -o, --output DIR   also write DIR/diff.json and DIR/diff.html (DIR is made\n"
    "                     when missing)\n"
    "  -l, --limit N      records listed per type and per category (default 1000;\n"
    "                     the counts and totals are exact whatever it is)\n"
    "  -j, --json         print the JSON instead of the summary\n"
    "  -q, --quiet        say nothing but errors\n"
    "\n"
    "OLD and NEW are two folders of batches of one county (as extract or map\n"
    "wrote them) or two batch files, compared by natural key: records added,\n"
    "removed and changed per record type, with the columns that changed, and\n"
    "every control total that moves.  Or two reconciliation.json files (or\n"
    "reconcile's output folders): every figure per county and fund that moves,\n"
    "counties and findings added or removed, statuses that change.  Identity\n"
    "numbers are masked; the files are mode 0600.  Exit 0 identical, 1 they\n"
    "differ, 3 bad input, 5 a batch that does not verify (see docs/diff.md).\n",
    NULL};

int cmd_diff(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_diff, argc, argv))
        return 0;
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    tc_diff_opts o;
    tc_diff_opts_init(&o);
    const char *outdir = NULL;
    int json = 0, c;
    while ((c = getopt_long(argc, argv, "o:l:jq", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'o': tc_path_trim(optarg), outdir = optarg; break;
        case 'j': json = 1; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        case 'l':
            o.limit = strtol(optarg, &end, 10);
            if (!*optarg || *end || o.limit < 0)
                return tc_cli_usage_error(&tc_cmd_diff, "bad --limit '%s': give a count, 0 or "
                                          "more", optarg);
            break;
        default: return tc_cli_usage_error(&tc_cmd_diff, "unknown option");
        }
    }
    if (argc - optind != 2)
        return tc_cli_usage_error(&tc_cmd_diff, "name the old and the new version, OLD NEW");
    int code = outdir ? tc_cli_make_outdir(outdir) : 0;
    if (code)
        return code;
    o.tmpdir = outdir;   /* the spill beside the output, as reconcile's */
    tc_err e;
    tc_err_clear(&e);
    tc_diff *d;
    int rc = tc_diff_open(&d, argv[optind], argv[optind + 1], &o, &e);
    if (rc)
        return tc_log_fail(&e);
    if (outdir && !(rc = tc_diff_write(d, outdir, &e)))
        tc_log_info("wrote %s/diff.json and %s/diff.html", outdir, outdir);
    if (!rc && json)
        rc = tc_diff_write_json(d, stdout, &e);
    else if (!rc)
        tc_diff_summary(d, stdout);
    int changed = tc_diff_changed(d);
    tc_diff_free(d);
    if (rc)
        return tc_log_fail(&e);
    if (fflush(stdout) != 0)
        return TC_EXIT_IO;
    return changed ? TC_EXIT_FINDINGS : TC_EXIT_OK;
}
