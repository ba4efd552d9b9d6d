/*
 * run.h - the whole handover of a city, from its manifest, resumable.
 *
 *   per county, in parallel (up to jobs processes):
 *     extract   sources            -> WORK/batches/<county>/<county>.<type>.tcb
 *     map       county batches     -> WORK/city/<county>/<region>.<type>.tcb
 *   for the city:
 *     reconcile every city batch   -> WORK/reports/reconciliation.{json,csv,html,xlsx}
 *     load      every city batch   -> the database, exactly once each, and
 *                                     the reconciliation's results
 *     plan      the transfer       -> WORK/transfer/plan.json, signed by the maker
 *
 * A county whose sources changed since they were extracted sent a corrected
 * export: it is extracted and mapped aside, its difference written to
 * WORK/corrections/<county>/diff.{json,html}, and the run stops there (exit
 * 3) until opts->accept names it with a reason (pipeline/correct.h); then
 * it is redone and its loaded batches replaced.
 *
 * Every step appends a signed entry to WORK/audit.trail naming the digests
 * of its inputs and outputs.  A step is skipped when the trail already
 * records it with the same input digests and every output it recorded is on
 * disk with its recorded digest; otherwise it runs again.  So re-running
 * after a failure or a kill redoes exactly what is missing or stale, and
 * a resumed run ends with the same files as an uninterrupted one.  Loading
 * is exactly-once by itself (load/load.h) and always runs.
 *
 * The database: opts->db, else the manifest's, else DATABASE_URL or PGHOST /
 * PGDATABASE; with none named anywhere, a private PostgreSQL server under
 * WORK/db (initdb + pg_ctl, Unix socket only) - the embedded default - is
 * started, and stopped at the end unless keep_db.
 */
#ifndef TC_RUN_H
#define TC_RUN_H

#include <stdio.h>

#include "core/err.h"
#include "mappings/mapset.h"
#include "pipeline/manifest.h"

typedef struct tc_run_opts {
    const char *county;   /* only this county (its own report folder), or NULL */
    int jobs;             /* counties at once; <= 0: the number of cores */
    int dry_run;          /* print the plan to plan_out, change nothing */
    int keep_db;          /* leave the embedded server running */
    const char *db;       /* overrides the manifest's database */
    FILE *plan_out;       /* --dry-run's plan (stdout) */
    const tc_mapset *maps;  /* the manifest's mapping set, already loaded by a caller
                               that uses it after the run too; NULL: loaded here */
    const char *accept;   /* accept this county's corrected export (pipeline/correct.h) */
    const char *reason;   /* ... for this reason */
} tc_run_opts;

typedef struct tc_run_result {
    int steps_done, steps_skipped;   /* of this process: the city's steps */
    int findings;             /* reconcile reported findings or rejects */
    char reports[1024];       /* the report folder */
    char db[1024];            /* the conninfo used (no password) */
    char db_conninfo[1024];   /* the same with it, for the caller's next steps */
    char plan[1024];          /* the transfer plan, "" when none was made */
    int embedded;             /* an embedded server was used */
    char db_dir[1024];        /* ... in this folder */
    char socket_dir[1024];    /* ... listening here */
    int port;
} tc_run_result;

/* Called with one line per county step for people (stderr). */
typedef void (*tc_run_progress)(void *arg, const char *county, const char *stage,
                                const char *what);

/*
 * Run the manifest's pipeline.  Returns 0 when every step holds, with
 * r->findings set when the reconciliation found something; otherwise the
 * gravest step's code (each failed step was told to progress with why).
 */
int tc_run(const tc_manifest *m, const tc_run_opts *o, tc_run_progress progress, void *arg,
           tc_run_result *r, tc_err *e);

/*
 * Sealing for a command run from the manifest m under policy p: when p has
 * [data] holders, every batch written from now on is sealed for them, and
 * sealed batches open with the manifest's [keys] data (or the key
 * $TONGCHOU_DATA_KEY gave already).  TC_EUSAGE when p seals and there is
 * no key, or the key is no holder of p: the command could not read what
 * it writes.  p's holders must outlive the sealing (tc_batch_seal_for with
 * none ends it).
 */
struct tc_policy;
int tc_run_seal_setup(const tc_manifest *m, const struct tc_policy *p, tc_err *e);

#endif
