/*
 * cmd_archive.c - `tongchou archive --county C [-o FILE] MANIFEST`: every
 * file of a county's completed handover in one ustar file
 * (pipeline/retention.h, docs/retention.md).  The archive's path and
 * digest go to stdout; what is not archived (a live source), to stderr.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cmd.h"
#include "core/atomic.h"
#include "core/log.h"
#include "pipeline/manifest.h"
#include "pipeline/retention.h"

static void say(void *arg, const char *what)
{
    (void)arg;
    tc_log_warning("%s", what);
}

const tc_command tc_cmd_archive = {
    "archive", cmd_archive, "--county C [-o FILE] MANIFEST",
    "keep every file of a county's completed handover in one archive",
    "  -c, --county C    the county (its section in the manifest)\n"
    "  -o, --output FILE the archive (default WORK/archive/C.tar)\n"
    "  -q, --quiet       say nothing but errors\n"
    "\n"
    "Once the trail shows the county's transfer executed (and none of its pools\n"
    "held by blocking findings), writes one POSIX ustar file, mode 0600, whole or\n"
    "not at all: its sources (a live database is named, not archived), its\n"
    "county and city batches and rejects (WORK/batches/C, WORK/city/C), its\n"
    "corrections and own reports (WORK/corrections/C, WORK/reports/C), the\n"
    "reports of the reconciliation the transfer executed from and the executed\n"
    "plan.  Members are named from the manifest's folder, sorted, dated the\n"
    "cutover, owner 0: the same files give the same bytes, and `tar -xf` in the\n"
    "manifest's folder puts them back.  Appends one signed \"archive\" entry naming\n"
    "every file with its digest, and the archive.  Refused (exit 3, nothing\n"
    "written) before the handover is complete; exit 5 when the trail does not\n"
    "verify under the policy.  Prints the archive's path and digest.\n"
    "docs/retention.md tells more.\n",
    NULL};

int cmd_archive(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_archive, argc, argv))
        return 0;
    static const struct option opts[] = {{"county", required_argument, NULL, 'c'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    tc_archive_opts o = {.say = say};
    int c;
    while ((c = getopt_long(argc, argv, "c:o:q", opts, NULL)) != -1) {
        switch (c) {
        case 'c': o.county = optarg; break;
        case 'o': tc_path_trim(optarg), o.out = optarg; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        default: return tc_cli_usage_error(&tc_cmd_archive, "unknown option");
        }
    }
    if (optind != argc - 1)
        return tc_cli_usage_error(&tc_cmd_archive, "name one manifest");
    if (!o.county)
        return tc_cli_usage_error(&tc_cmd_archive, "name the county with --county C");
    tc_err e;
    tc_err_clear(&e);
    tc_manifest *m;
    if (tc_manifest_load(&m, argv[optind], &e))
        return tc_log_fail(&e);
    tc_archive_result r;
    int rc = tc_archive(m, &o, &r, &e);
    tc_manifest_free(m);
    if (rc)
        return tc_log_fail(&e);
    printf("%s %s\n", r.path, r.digest);
    tc_log_info("county %s: %d files archived in %s (%lld bytes)%s", o.county, r.files, r.path,
                r.bytes, r.live ? "; its live database source is recorded, not archived" : "");
    return 0;
}
