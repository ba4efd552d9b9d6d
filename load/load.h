/*
 * load.h - city-coded batches into the city database, exactly once each,
 * verified against their trailers, re-runnable after any failure.
 *
 * One batch, one transaction:
 *
 *   BEGIN
 *   pg_advisory_xact_lock(county/type)    two loaders of the same batch
 *                                         queue here; the second then finds
 *                                         it complete and skips it
 *   look the (county, type) up in tongchou.batch:
 *     complete with this id               skip ("already loaded")
 *     complete with another id            refuse, unless replace: delete its
 *                                         records, mark it replaced, note it
 *                                         in tongchou.replaced
 *   COPY records FROM STDIN (binary)      streamed as the batch is read
 *   the reader reaches its verified end   (tc_batch_next returned 0)
 *   count(*) and sum() of every amount    compared with the trailer in this
 *   column in the database                transaction: any difference rolls
 *                                         back, TC_EINTEGRITY (exit 5)
 *   register the batch complete, its totals, resolve its open failures
 *   COMMIT
 *
 * A batch's id is the body digest of its trailer ("sha256:..." over every
 * byte of member 1: header and records), which `tongchou batch show`
 * prints.  Failures roll back (nothing of the batch stays) and are then
 * recorded in tongchou.load_failure, in a transaction of their own, with
 * the path, the error and the time; tc_load_retry() loads exactly the
 * paths with open failures again.  A process killed outright records
 * nothing, but its transaction dies with its connection, and re-running the
 * same command loads what is missing and skips the rest.
 *
 * A path holding a reconciliation report (reconciliation.json, from
 * `tongchou reconcile`) is loaded into recon_report, recon_fund and
 * recon_finding instead, once per file digest (load/reconciliation.c).
 *
 * Memory: one COPY buffer and one record; nothing grows with the records.
 */
#ifndef TC_LOAD_H
#define TC_LOAD_H

#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"

typedef enum {
    TC_LOAD_LOADED = 1,   /* loaded, verified, committed */
    TC_LOAD_REPLACED,     /* loaded in place of another batch (replaced) */
    TC_LOAD_SKIPPED,      /* this batch was already complete */
    TC_LOAD_FAILED,       /* rolled back; err says why */
    TC_LOAD_KEPT          /* TC_LOAD_REPLACE_UNMOVED: the pool's money has moved, the
                           * batch loaded before stays (err says why) */
} tc_load_outcome;

/* tc_load_opts.replace: 0 refuses a different batch of the same county,
 * pool and type; 1 replaces it, refused (TC_EINPUT) once the pool's money
 * has moved; TC_LOAD_REPLACE_UNMOVED replaces it unless the money has
 * moved, and then keeps it, an outcome and not an error (tongchou run,
 * whose correcting transfer then moves the difference). */
#define TC_LOAD_REPLACE_UNMOVED 2

typedef struct tc_load_result {
    const char *path;
    tc_load_outcome outcome;
    char county[7];
    char type[32];
    char id[TC_DIGEST_TEXT_MAX];        /* the batch's id, "" when unreadable */
    char replaced[TC_DIGEST_TEXT_MAX];  /* REPLACED: the id it replaced */
    unsigned long long records;
    int64_t ns;                         /* time taken */
    int recorded;                       /* FAILED: written to load_failure */
    tc_err err;                         /* FAILED: why */
} tc_load_result;

typedef struct tc_load_opts {
    const char *db;       /* conninfo or URI; NULL: DATABASE_URL, PG* */
    int replace;          /* replace a different batch of the same county and type */
    /* told each batch's outcome (may be NULL) */
    void (*on_result)(void *arg, const tc_load_result *r);
    /* told every 65536 records of a batch (may be NULL) */
    void (*on_progress)(void *arg, const char *path, uint64_t done, uint64_t total);
    void *arg;
} tc_load_opts;

typedef struct tc_load_stats {
    int loaded, replaced, skipped, failed, kept;
} tc_load_stats;

/*
 * Load paths[0..n) in order.  A batch that fails is rolled back and
 * recorded, and the next one is tried; when the server cannot be reached
 * again (one reconnect is tried) the rest are not tried, and counted as
 * failed.  Returns 0 when every
 * batch is complete now; otherwise the gravest code met - TC_EINTEGRITY
 * over TC_EDB/TC_EIO over TC_EINPUT - with e summing up (each batch's own
 * error went to on_result).  Connection or schema failures before the
 * first batch return at once.
 */
int tc_load_run(const tc_load_opts *o, const char *const *paths, int n, tc_load_stats *st,
                tc_err *e);

/* Load again every path with an open failure (tc_load_run on them); none
 * is 0 with st all zero. */
int tc_load_retry(const tc_load_opts *o, tc_load_stats *st, tc_err *e);

typedef struct tc_load_failure {
    const char *path, *county, *type, *batch, *error, *failed_at;
    int attempts;
} tc_load_failure;

/* Tell on_row each path with an open failure: its latest error and how
 * often it failed; *n gets how many. */
int tc_load_failures(const char *db, void (*on_row)(void *arg, const tc_load_failure *f),
                     void *arg, int *n, tc_err *e);

typedef struct tc_load_check {
    const char *county, *pool, *type, *id;
    unsigned long long records;   /* what the register says */
    int ok;
    char problem[512];            /* when !ok: what differs */
} tc_load_check;

/*
 * Re-check every complete batch in one snapshot: count(*) and the sum of
 * each amount column of its county's and pool's records against the register.  Every
 * batch is checked and told to on_check (may be NULL); TC_EINTEGRITY when
 * any differs, e saying how many.  *checked (may be NULL) gets the count.
 */
int tc_load_verify(const char *db, void (*on_check)(void *arg, const tc_load_check *c), void *arg,
                   int *checked, tc_err *e);

#endif
