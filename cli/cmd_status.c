/*
 * cmd_status.c - `tongchou status [--html FILE] [--db DB] [--trail FILE]
 * MANIFEST`: where each county stands (pipeline/status.h), as a table on
 * stdout and, with --html, as one page the handover team can share; what
 * it cannot see, on stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli/cmd.h"
#include "core/log.h"
#include "pipeline/manifest.h"
#include "pipeline/status.h"

/* Whether ./audit.trail, where commands run by hand append by default, is
 * there and not among the trails status read. */
static int unread_here(const tc_status *st)
{
    struct stat a, b;
    if (stat("audit.trail", &a) != 0)
        return 0;
    for (int i = 0; i < st->ntrails; i++)
        if (stat(st->trails[i], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return 0;
    return 1;
}

const tc_command tc_cmd_status = {
    "status", cmd_status, "[--html FILE] [--db DB] [--trail FILE] MANIFEST",
    "where each county of a handover stands",
    "  -H, --html FILE   also write the table as one self-contained page\n"
    "  -d, --db DB       the city database (else the manifest's, DATABASE_URL, PG*,\n"
    "                    or the embedded server under WORK/db)\n"
    "  -t, --trail FILE  the trail steps run by hand appended to (else\n"
    "                    $TONGCHOU_AUDIT), read with WORK/audit.trail\n"
    "\n"
    "Per county, whoever ran the steps (run, or the commands by hand): records\n"
    "extracted (\"missing\" when a source is not there), records rejected by\n"
    "map, findings (blocking, warnings), batches loaded, transfer state\n"
    "(planned, approved, executed, or held by blocking findings); then whether\n"
    "the audit trails verify with the policy's keys (exit 5 when one does\n"
    "not).  What it cannot see - no trail, no database, a file a trail names\n"
    "and that is not there - it says on stderr and on the page.  Reads only.\n",
    NULL};

int cmd_status(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_status, argc, argv))
        return 0;
    static const struct option opts[] = {{"html", required_argument, NULL, 'H'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"trail", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    const char *html = NULL, *db = NULL, *trail = getenv("TONGCHOU_AUDIT");
    int c;
    while ((c = getopt_long(argc, argv, "H:d:t:", opts, NULL)) != -1) {
        switch (c) {
        case 'H': html = optarg; break;
        case 'd': db = optarg; break;
        case 't': trail = optarg; break;
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
    int rc = tc_status_collect(m, db, trail, &st, &e);
    if (!rc) {
        tc_status_print(&st, stdout);
        fflush(stdout);
        for (int i = 0; i < st.nnotes; i++)
            tc_log_warning("%s", st.notes[i]);
        if ((!trail || !trail[0]) && unread_here(&st))
            tc_log_info("./audit.trail is not read: if it records this handover's steps, "
                        "name it with --trail audit.trail");
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
