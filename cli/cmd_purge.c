/*
 * cmd_purge.c - `tongchou purge --county C [--dry-run] MANIFEST`: remove a
 * county's work files once the trail proves each one archived or
 * superseded (pipeline/retention.h, docs/retention.md).  stdout: each file
 * removed (or, dry, to remove) with its digest; stderr: why a file may
 * not go, and what was done.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cmd.h"
#include "core/log.h"
#include "pipeline/manifest.h"
#include "pipeline/retention.h"

static void each(void *arg, const char *path, const char *digest, const char *why)
{
    (void)arg;
    (void)why;
    printf("%s %s\n", path, digest);
}

static void refused(void *arg, const char *path, const char *why)
{
    (void)arg;
    tc_log_error("%s: %s", path, why);
}

const tc_command tc_cmd_purge = {
    "purge", cmd_purge, "--county C [--dry-run] MANIFEST",
    "remove a county's work files once the trail proves them archived",
    "  -c, --county C    the county (its section in the manifest)\n"
    "  -n, --dry-run     list what would be removed, with digests; write nothing\n"
    "  -q, --quiet       say nothing but errors\n"
    "\n"
    "Removes WORK/batches/C, WORK/city/C, WORK/corrections/C and WORK/reports/C,\n"
    "never the sources (they are the county's) nor the city's reports, plan,\n"
    "archives or trail.  First, with the trail verified under the policy, the\n"
    "county's transfer must be executed and every file proven: archived (an\n"
    "\"archive\" entry lists it with the digest it has now, and the archive is\n"
    "there, as recorded, holding those bytes) or superseded (a step wrote these\n"
    "bytes there and a later one other bytes).  One file that is neither\n"
    "refuses the whole purge (exit 3, every such file named, nothing removed).\n"
    "Then one signed \"purge\" entry lists every file with its digest, and the\n"
    "files and the folders left empty go.  stdout: one line per file, PATH\n"
    "DIGEST.  Purging again has nothing to do (exit 0).  docs/retention.md.\n",
    NULL};

int cmd_purge(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_purge, argc, argv))
        return 0;
    static const struct option opts[] = {{"county", required_argument, NULL, 'c'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    tc_purge_opts o = {.each = each, .refused = refused};
    int c;
    while ((c = getopt_long(argc, argv, "c:nq", opts, NULL)) != -1) {
        switch (c) {
        case 'c': o.county = optarg; break;
        case 'n': o.dry_run = 1; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        default: return tc_cli_usage_error(&tc_cmd_purge, "unknown option");
        }
    }
    if (optind != argc - 1)
        return tc_cli_usage_error(&tc_cmd_purge, "name one manifest");
    if (!o.county)
        return tc_cli_usage_error(&tc_cmd_purge, "name the county with --county C");
    tc_err e;
    tc_err_clear(&e);
    tc_manifest *m;
    if (tc_manifest_load(&m, argv[optind], &e))
        return tc_log_fail(&e);
    tc_purge_result r;
    int rc = tc_purge(m, &o, &r, &e);
    tc_manifest_free(m);
    fflush(stdout);
    if (rc)
        return tc_log_fail(&e);
    if (!r.files && r.already)
        tc_log_info("county %s: nothing to purge: its work files went with entry %lld", o.county,
                    r.already);
    else if (!r.files)
        tc_log_info("county %s: nothing to purge: it has no work files", o.county);
    else
        tc_log_info("county %s: %d files %s (%d archived, %d superseded)%s", o.county, r.files,
                    o.dry_run ? "would be removed" : "removed", r.archived, r.superseded,
                    o.dry_run ? "; nothing written" : ", recorded in the trail first");
    return 0;
}
