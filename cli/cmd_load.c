/*
 * cmd_load.c - `tongchou load [--db DB] [--replace] BATCH...`, and
 * `load --retry-failed`, `load --status`, `load --verify` (load/load.h).
 * stdout: one tab-separated line per batch (outcome, county, type, records,
 * path) or per failure or check; stderr: progress and messages.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/trail.h"
#include "core/log.h"
#include "load/load.h"

static tc_progress prog;
static const char *prog_path;
static int failures_logged;

static void on_progress(void *arg, const char *path, uint64_t done, uint64_t total)
{
    (void)arg;
    if (path != prog_path)
        tc_progress_init(&prog, (prog_path = path), total);
    tc_progress_update(&prog, done);
}

/* arg: the batches now in the database, the audit entry's inputs */
static void on_result(void *arg, const tc_load_result *r)
{
    static const char *word[] = {"", "loaded", "replaced", "skipped", "failed"};
    if (r->outcome != TC_LOAD_FAILED)
        tc_cli_files_add(arg, r->path);
    tc_progress_done(&prog);
    prog_path = NULL;
    printf("%s\t%s\t%s\t%llu\t%s\n", word[r->outcome], r->county, r->type, r->records, r->path);
    if (r->outcome == TC_LOAD_FAILED) {
        tc_log_fail(&r->err);
        failures_logged++;
        if (!r->recorded)
            tc_log_warning("%s: the failure could not be recorded in the database", r->path);
    } else if (r->outcome == TC_LOAD_SKIPPED)
        tc_log_info("%s: already loaded (%s), skipped", r->path, r->id);
    else
        tc_log_info("%s: %s %s %s, %llu records in %.1f s%s%s", r->path, word[r->outcome],
                    r->county, r->type, r->records, (double)r->ns / 1e9,
                    r->replaced[0] ? ", replacing " : "", r->replaced);
}

static void on_failure(void *arg, const tc_load_failure *f)
{
    (void)arg;
    printf("%s\t%s\t%s\t%d\t%s\t%s\n", f->path, f->county, f->type, f->attempts, f->failed_at,
           f->error);
}

static void on_check(void *arg, const tc_load_check *k)
{
    (void)arg;
    printf("%s\t%s\t%s\t%llu\t%s\n", k->ok ? "ok" : "DIFFERS", k->county, k->type, k->records,
           k->ok ? k->id : k->problem);
}

const tc_command tc_cmd_load = {
    "load", cmd_load, "[--db DB] [--replace] BATCH... | --retry-failed | --status | --verify",
    "load city-coded batches into the city database, exactly once each",
    "Each batch is loaded by COPY in one transaction that checks count(*) and\n"
    "the sum of every amount column against the batch's trailer (a difference\n"
    "rolls back, exit 5) and registers the batch complete.  A batch already\n"
    "loaded is skipped; a different batch of the same county and record type is\n"
    "refused unless --replace.  A failed batch leaves nothing behind and is\n"
    "recorded with its error; the next batch is tried.  stdout: one line per\n"
    "batch: outcome, county, type, records, path.  A reconciliation.json (from\n"
    "reconcile) given as a BATCH goes into the reconciliation tables, once.\n"
    "\n"
    "      --db DB          libpq conninfo or URI (else DATABASE_URL, else PG*)\n"
    "      --replace        replace a loaded batch of the same county and type\n"
    "      --retry-failed   load again every batch with an open failure\n"
    "      --status         list the batches with an open failure (exit 1 if any)\n"
    "      --verify         re-check every loaded batch against its trailer\n"
    "  -q, --quiet          say nothing but errors\n"
    "\n"
    "The schema must be there first: tongchou db init (docs/database.md).\n",
    NULL};

int cmd_load(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_load, argc, argv))
        return 0;
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"replace", no_argument, NULL, 'r'},
        {"retry-failed", no_argument, NULL, 'R'}, {"status", no_argument, NULL, 's'},
        {"verify", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'}, {0, 0, 0, 0}};
    tc_load_opts o = {.on_result = on_result, .on_progress = on_progress};
    int c, mode = 0, n = 0, rc;
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (c == 'd') o.db = optarg;
        else if (c == 'r') o.replace = 1;
        else if (c == 'R' || c == 's' || c == 'v') mode = c;
        else if (c == 'q') tc_log_set_level(TC_LOG_QUIET);
        else return tc_cli_usage_error(&tc_cmd_load, "unknown option");
    }
    if ((mode != 0) != (optind == argc))
        return tc_cli_usage_error(&tc_cmd_load, "name batches, or give --retry-failed, "
                                                "--status or --verify");
    if (mode != 's' && mode != 'v' && (rc = tc_cli_trail_check()))   /* the key before any work */
        return rc;
    tc_err e;
    tc_err_clear(&e);
    tc_load_stats st = {0};
    tc_cli_files in = {0};
    o.arg = &in;
    if (mode == 's')
        rc = tc_load_failures(o.db, on_failure, NULL, &n, &e);
    else if (mode == 'v')
        rc = tc_load_verify(o.db, on_check, NULL, &n, &e);
    else if (mode == 'R')
        rc = tc_load_retry(&o, &st, &e);
    else
        rc = tc_load_run(&o, (const char *const *)argv + optind, argc - optind, &st, &e);
    fflush(stdout);
    char rec[96];   /* what committed is recorded, even when a batch failed */
    snprintf(rec, sizeof(rec), "{\"loaded\":%d,\"replaced\":%d,\"skipped\":%d,\"failed\":%d}",
             st.loaded, st.replaced, st.skipped, st.failed);
    int code = st.loaded + st.replaced ? tc_cli_trail_append(argc, argv, (const char *const *)in.v,
                                                       in.n, NULL, NULL, rec) : 0;
    tc_cli_files_free(&in);
    if (code && !rc)
        return code;
    if (rc) /* one batch failed: its message is out already */
        return failures_logged == 1 ? tc_exit_code(rc) : tc_log_fail(&e);
    if (mode == 's')
        tc_log_info("%d batches with an open failure", n);
    else if (mode == 'v')
        tc_log_info("%d loaded batches checked, all agree with their trailers", n);
    else
        tc_log_info("%d loaded, %d replaced, %d already loaded", st.loaded, st.replaced, st.skipped);
    return mode == 's' && n ? TC_EXIT_FINDINGS : 0;
}
