/*
 * cmd_run.c - `tongchou run [OPTIONS] MANIFEST`: the whole handover of a
 * city (pipeline/run.h).  Progress, one line per county and stage, goes to
 * stderr; the report folder and how to reach the database go to stdout.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/log.h"
#include "pipeline/manifest.h"
#include "pipeline/run.h"

/* Progress to stderr; with --dry-run the plan, as data, to stdout.  A
 * county that failed is an error, said even with --quiet: the run's own
 * error only points at it. */
static void progress(void *arg, const char *county, const char *stage, const char *what)
{
    if (arg)
        fprintf(arg, "%-8s %-10s %s\n", county, stage, what);
    else if (strcmp(stage, "failed") == 0)
        tc_log_error("%-8s %-10s %s", county, stage, what);
    else
        tc_log_info("%-8s %-10s %s", county, stage, what);
}

const tc_command tc_cmd_run = {
    "run", cmd_run,
    "[--dry-run] [--county C] [--jobs N] [--keep-db] [--db DB]\n"
    "           [--accept C --reason TEXT] MANIFEST",
    "the whole handover of a city from its manifest, resumable",
    "  -n, --dry-run      print what would run (and what is up to date), do nothing\n"
    "  -c, --county C     only county C (its report goes to WORK/reports/C)\n"
    "  -j, --jobs N       counties at once (default: the number of cores)\n"
    "  -k, --keep-db      leave the embedded database server running\n"
    "  -d, --db DB        the city database (else the manifest's, DATABASE_URL, PG*)\n"
    "  -q, --quiet        say nothing but errors\n"
    "  -a, --accept C     accept county C's corrected export, whose difference an\n"
    "                     earlier run showed (WORK/corrections/C/diff.html), with\n"
    "      --reason TEXT  why; a signed entry, then the county is redone\n"
    "\n"
    "Per county, in parallel: extract its sources, map them to the city coding;\n"
    "then for the city: reconcile, load.  Every step appends a signed entry to\n"
    "WORK/audit.trail; a step whose outputs exist and match the trail is skipped,\n"
    "so a run that failed or was killed is resumed by running it again.  With no\n"
    "database named anywhere, a private PostgreSQL server is started in WORK/db\n"
    "(Unix socket only) and stopped at the end.  The manifest format is in\n"
    "docs/manifest.md.  A county whose export changed since it was extracted\n"
    "stops the run (exit 3) until its difference is accepted with --accept.\n"
    "Exit 1 when the reconciliation found something.\n",
    NULL};

int cmd_run(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_run, argc, argv))
        return 0;
    static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
                                         {"county", required_argument, NULL, 'c'},
                                         {"jobs", required_argument, NULL, 'j'},
                                         {"keep-db", no_argument, NULL, 'k'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"accept", required_argument, NULL, 'a'},
                                         {"reason", required_argument, NULL, 'R'},
                                         {NULL, 0, NULL, 0}};
    tc_run_opts o = {.plan_out = stdout};
    int c;
    while ((c = getopt_long(argc, argv, "nc:j:kd:qa:", opts, NULL)) != -1) {
        switch (c) {
        case 'n': o.dry_run = 1; break;
        case 'c': o.county = optarg; break;
        case 'j':
            if (tc_cli_jobs(&tc_cmd_run, optarg, &o.jobs))
                return TC_EXIT_USAGE;
            break;
        case 'k': o.keep_db = 1; break;
        case 'd': o.db = optarg; break;
        case 'q': tc_log_set_level(TC_LOG_QUIET); break;
        case 'a': o.accept = optarg; break;
        case 'R': o.reason = optarg; break;
        default: return tc_cli_usage_error(&tc_cmd_run, "unknown option");
        }
    }
    if (optind != argc - 1)
        return tc_cli_usage_error(&tc_cmd_run, "name one manifest");
    if (!o.accept != !o.reason)
        return tc_cli_usage_error(&tc_cmd_run, "--accept C and --reason TEXT go together");
    if (o.jobs < 0)
        return tc_cli_usage_error(&tc_cmd_run, "--jobs takes a positive number");
    tc_err e;
    tc_err_clear(&e);
    tc_manifest *m;
    if (tc_manifest_load(&m, argv[optind], &e))
        return tc_log_fail(&e);
    tc_run_result r;
    int rc = tc_run(m, &o, progress, o.dry_run ? stdout : NULL, &r, &e);
    tc_manifest_free(m);
    if (rc)
        return tc_log_fail(&e);
    if (o.dry_run)
        return 0;
    printf("reports %s\n", r.reports);
    printf("database %s\n", r.db);
    if (r.embedded && o.keep_db)
        tc_log_info("the embedded database runs on: psql -h %s -p %d -U postgres tongchou",
                    r.socket_dir, r.port);
    else if (r.embedded)
        tc_log_info("the embedded database was stopped; 'tongchou db start %s' starts it again "
                    "(or run with --keep-db)", r.db_dir);
    tc_log_info("done%s", r.findings ? "; findings or rejects need attention (see the report)"
                                     : ", everything holds");
    return r.findings ? TC_EXIT_FINDINGS : 0;
}
