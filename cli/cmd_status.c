/*
 * cmd_status.c - `tongchou status [--html FILE] [--db DB] MANIFEST`: where
 * each county stands (pipeline/status.h), as a table on stdout and, with
 * --html, as one page the handover team can share.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cmd.h"
#include "core/log.h"
#include "pipeline/manifest.h"
#include "pipeline/status.h"

const tc_command tc_cmd_status = {
    "status", cmd_status, "[--html FILE] [--db DB] MANIFEST",
    "where each county of a handover stands",
    "  -H, --html FILE   also write the table as one self-contained page\n"
    "  -d, --db DB       the city database (else the manifest's, DATABASE_URL, or\n"
    "                    the embedded server under WORK/db)\n"
    "\n"
    "Per county: records extracted, records rejected by map, findings (blocking,\n"
    "warnings), batches loaded, transfer state; then whether the audit trail\n"
    "verifies with the maker's key (exit 5 when it does not).  Reads only.\n"};

int cmd_status(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_status, argc, argv))
        return 0;
    static const struct option opts[] = {{"html", required_argument, NULL, 'H'},
                                         {"db", required_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    const char *html = NULL, *db = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "H:d:", opts, NULL)) != -1) {
        switch (c) {
        case 'H': html = optarg; break;
        case 'd': db = optarg; break;
        default: return tc_cli_usage_error(&tc_cmd_status, "unknown option");
        }
    }
    if (optind != argc - 1)
        return tc_cli_usage_error(&tc_cmd_status, "name one manifest");
    tc_err e;
    tc_err_clear(&e);
    tc_manifest *m;
    if (tc_manifest_load(&m, argv[optind], &e))
        return tc_log_fail(&e);
    tc_status st;
    int rc = tc_status_collect(m, db, &st, &e);
    if (!rc) {
        tc_status_print(&st, stdout);
        if (html && !(rc = tc_status_html(m, &st, html, &e)))
            tc_log_info("wrote %s", html);
    }
    int audit_bad = st.audit_ok == 0;
    tc_status_free(&st);
    tc_manifest_free(m);
    if (rc)
        return tc_log_fail(&e);
    return audit_bad ? TC_EXIT_INTEGRITY : 0;
}
