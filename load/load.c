/*
 * load.c - batches into the city database, exactly once.  See load.h for
 * the transaction of one batch; docs/database.md for the tables.
 *
 * The records go in with COPY ... FROM STDIN (FORMAT binary): nothing to
 * escape in the text, no number to print and parse again (bench/load.sh
 * measures it against psql \copy of the same records as text).  They are
 * encoded into a 64 KiB buffer handed to PQputCopyData whole: the server
 * reads a CopyData message whole before it parses any of it, so smaller
 * messages keep it busy while the next is sent (256 KiB cost 9 % in COPY
 * time on 2 million records, 16 KiB a little more than 64).  The table's
 * columns are read from the catalogue, and a batch loads only when its
 * columns are exactly those (besides county) with the matching types, so
 * the schema steps (schema.c) are the one definition of a table.
 *
 * The batch's id and record count are read from the plain-text trailer at
 * the end of the file before the transaction starts (to skip a loaded batch
 * without reading it, and for progress); the reader later verifies the
 * trailer, and the id read is compared with the digest it computed.
 */
#include "load/load.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/batch.h"
#include "core/seal.h"
#include "core/gzip.h"
#include "core/log.h"
#include "core/record.h"
#include "db/db.h"
#include "load/load_int.h"
#include "db/schema.h"

/* Advisory lock class of (county, type); the object is hashtext(county/type). */
#define LOCK_CLASS "1952673"
/* Messages of about COPY_MSG bytes; room for one record of any size more. */
#define COPY_MSG (64 * 1024)
#define COPY_BUF (COPY_MSG + TC_BATCH_MAX_RECORD + TC_MAX_COLUMNS * 12 + 64)

typedef struct ctx {
    const tc_load_opts *o;
    PGconn *c;
    int gone;             /* lost, and a reconnect failed: try no more */
    char *buf;
    size_t len;
} ctx;

/* ------------------------------------------------------------ the trailer */

static const char *memrfind(const char *h, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = n >= k ? n - k + 1 : 0; i-- > 0;)
        if (memcmp(h + i, needle, k) == 0)
            return h + i;
    return NULL;
}

/* The id ("body ...") and count of path's trailer, unverified. */
static int read_trailer(const char *path, char *id, uint64_t *count, tc_err *e)
{
    char tail[8192];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tc_fail(e, tc_errno_code(errno), "cannot open the batch: %s", strerror(errno));
    struct stat st;
    off_t from = 0;
    if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(tail))
        from = st.st_size - (off_t)sizeof(tail);
    unsigned char head[sizeof(TC_SEAL_MAGIC) - 1];   /* a batch's gzip header, or a seal's */
    ssize_t h = pread(fd, head, sizeof(head), 0);
    ssize_t n = pread(fd, tail, sizeof(tail), from);
    close(fd);
    /* a file that never was a batch is bad input; a batch cut short or
     * altered an integrity failure */
    if (h > 0 && memcmp(head, tc_gzip_header, h < 10 ? (size_t)h : 10) != 0 &&
        !tc_seal_is_sealed(head, (size_t)h))
        return tc_fail(e, TC_EINPUT, "not a tongchou batch (nor a reconciliation): it does not "
                       "start with a batch's gzip header");
    if (n < 0)
        return tc_fail(e, TC_EIO, "cannot read the batch: %s", strerror(errno));
    const char *b = memrfind(tail, (size_t)n, "\nbody ");
    const char *c = memrfind(tail, (size_t)n, "count ");
    if (!b || !c || c > b)
        return tc_fail(e, TC_EINTEGRITY, "the batch has no trailer: truncated, or not a batch");
    b += 6;
    size_t k = 0;
    while (b + k < tail + n && b[k] != '\n' && k + 1 < TC_DIGEST_TEXT_MAX)
        k++;
    memcpy(id, b, k);
    id[k] = '\0';
    *count = strtoull(c + 6, NULL, 10);
    return 0;
}

/* ------------------------------------------------------------ the table */

typedef struct table {
    char name[32];
    int ncols;                      /* the batch's columns, in batch order */
    char sqlname[TC_MAX_COLUMNS][80];  /* quoted */
    tc_coltype type[TC_MAX_COLUMNS];
} table;

static const char *pg_type_of(tc_coltype t)
{
    switch (t) {
    case TC_COL_TEXT: return "text";
    case TC_COL_AMOUNT: return "bigint";
    case TC_COL_RATE: return "integer";
    case TC_COL_DATE: return "date";
    case TC_COL_PERIOD: return "integer";
    case TC_COL_INT: return "bigint";
    }
    return "?";
}

/* Match the batch header h with its table in the catalogue. */
static int table_for(ctx *x, const tc_batch_header *h, table *t, tc_err *e)
{
    if (!tc_rectype_find(h->type))
        return tc_fail(e, TC_EINPUT, "unknown record type '%s'", h->type);
    if (strcmp(h->coding, "city") != 0) {
        tc_fail(e, TC_EINPUT, "the batch is %s-coded; only city-coded batches are loaded",
                h->coding);
        return tc_err_hint(e, "map it first: tongchou map -m MAPPINGS -o DIR BATCH");
    }
    PGresult *r;
    const char *p[1] = {h->type};
    int rc = tc_db_query(x->c,
                         "SELECT a.attname, format_type(a.atttypid, a.atttypmod)"
                         "  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                         "  JOIN pg_namespace n ON n.oid = c.relnamespace"
                         " WHERE n.nspname = 'tongchou' AND c.relname = $1"
                         "   AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'county'",
                         1, p, &r, "reading the table definition", e);
    if (rc)
        return rc;
    int nt = PQntuples(r);
    snprintf(t->name, sizeof(t->name), "%s", h->type);
    t->ncols = h->ncols;
    for (int i = 0; i < h->ncols && !rc; i++) {
        int found = -1;
        for (int j = 0; j < nt; j++)
            if (strcmp(PQgetvalue(r, j, 0), h->cols[i].name) == 0)
                found = j;
        if (found < 0 || strcmp(PQgetvalue(r, found, 1), pg_type_of(h->cols[i].type)) != 0) {
            rc = tc_fail(e, TC_EINPUT, "column %s (%s) of the batch is not a %s column of "
                                       "table tongchou.%s",
                         h->cols[i].name, tc_coltype_name(h->cols[i].type),
                         pg_type_of(h->cols[i].type), h->type);
            break;
        }
        char *q = PQescapeIdentifier(x->c, h->cols[i].name, strlen(h->cols[i].name));
        snprintf(t->sqlname[i], sizeof(t->sqlname[i]), "%s", q ? q : "?");
        PQfreemem(q);
        t->type[i] = h->cols[i].type;
    }
    if (!rc && nt != h->ncols)
        rc = tc_fail(e, TC_EINPUT, "table tongchou.%s has %d columns besides county, the batch %d",
                     h->type, nt, h->ncols);
    PQclear(r);
    if (rc)
        tc_err_hint(e, "the batch's columns (tongchou batch show) and the schema "
                       "(docs/database.md) must agree");
    return rc;
}

/* ------------------------------------------------------------ binary COPY */

static void put16(char *p, uint16_t v)
{
    p[0] = (char)(v >> 8);
    p[1] = (char)v;
}
static void put32(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24);
    p[1] = (char)(v >> 16);
    p[2] = (char)(v >> 8);
    p[3] = (char)v;
}
static void put64(char *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

/* Days from 2000-01-01 (PostgreSQL's date epoch) to y-m-d. */
static int64_t pg_days(int64_t y, int64_t m, int64_t d)
{
    /* days_from_civil, Howard Hinnant */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 - 10957;
}

static int flush(ctx *x, tc_err *e)
{
    if (x->len && PQputCopyData(x->c, x->buf, (int)x->len) != 1)
        return tc_db_fail(e, x->c, NULL, "sending the records", NULL);
    x->len = 0;
    return 0;
}

/* Append one record as a binary COPY tuple: county, then the columns. */
static int put_record(ctx *x, const table *t, const char *county, const tc_value *v, tc_err *e)
{
    /* a message goes once it reaches COPY_MSG; the buffer holds that and
     * the largest record (its text is at most TC_BATCH_MAX_RECORD bytes) */
    if (x->len >= COPY_MSG) {
        int rc = flush(x, e);
        if (rc)
            return rc;
    }
    char *p = x->buf + x->len;
    put16(p, (uint16_t)(t->ncols + 1));
    put32(p + 2, 6);
    memcpy(p + 6, county, 6);
    p += 12;
    for (int i = 0; i < t->ncols; i++) {
        int64_t iv = v[i].i;
        switch (t->type[i]) {
        case TC_COL_TEXT:
            put32(p, v[i].n);
            memcpy(p + 4, v[i].s, v[i].n);
            p += 4 + v[i].n;
            break;
        case TC_COL_AMOUNT:
        case TC_COL_INT:
            put32(p, 8);
            put64(p + 4, (uint64_t)iv);
            p += 12;
            break;
        case TC_COL_RATE:
        case TC_COL_PERIOD:
            if (iv < INT32_MIN || iv > INT32_MAX)
                return tc_fail(e, TC_EINPUT, "column %s: %" PRId64 " out of range", t->sqlname[i],
                               iv);
            put32(p, 4);
            put32(p + 4, (uint32_t)(int32_t)iv);
            p += 8;
            break;
        case TC_COL_DATE:
            if (iv == 0) {   /* absent */
                put32(p, 0xFFFFFFFFu);
                p += 4;
            } else {
                put32(p, 4);
                put32(p + 4, (uint32_t)(int32_t)pg_days(iv / 10000, iv / 100 % 100, iv % 100));
                p += 8;
            }
            break;
        }
    }
    x->len = (size_t)(p - x->buf);
    return 0;
}

/* COPY every record of br into t, then the trailer as the last word. */
static int copy_records(ctx *x, tc_batch_reader *br, const table *t, const char *path,
                        uint64_t expect, tc_err *e)
{
    const tc_batch_header *h = tc_batch_header_of(br);
    char sql[4096];
    size_t k = (size_t)snprintf(sql, sizeof(sql), "COPY tongchou.%s (county", t->name);
    for (int i = 0; i < t->ncols; i++)
        k += (size_t)snprintf(sql + k, sizeof(sql) - k, ", %s", t->sqlname[i]);
    snprintf(sql + k, sizeof(sql) - k, ") FROM STDIN (FORMAT binary)");
    PGresult *r = PQexec(x->c, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        int rc = tc_db_fail(e, x->c, r, "starting COPY", NULL);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    static const char sig[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
    memcpy(x->buf, sig, 19);
    x->len = 19;
    const tc_value *v;
    int rc = 0, got;
    uint64_t done = 0;
    while ((got = tc_batch_next(br, &v, e)) == 1) {
        if ((rc = put_record(x, t, h->county, v, e)))
            break;
        if ((++done & 0xFFFF) == 0 && x->o->on_progress)
            x->o->on_progress(x->o->arg, path, done, expect);
    }
    if (!rc && got < 0)
        rc = got;
    if (!rc) {
        x->buf[x->len++] = (char)0xFF;   /* the file trailer: -1 as int16 */
        x->buf[x->len++] = (char)0xFF;
        rc = flush(x, e);
    }
    if (rc) {
        /* abandon the COPY; the transaction is rolled back by the caller */
        if (PQstatus(x->c) == CONNECTION_OK && PQputCopyEnd(x->c, "batch refused") == 1)
            while ((r = PQgetResult(x->c)))
                PQclear(r);
        return rc;
    }
    if (PQputCopyEnd(x->c, NULL) != 1)
        return tc_db_fail(e, x->c, NULL, "ending COPY", NULL);
    r = PQgetResult(x->c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = tc_db_fail(e, x->c, r, "loading the records", NULL);
    PQclear(r);
    while ((r = PQgetResult(x->c)))
        PQclear(r);
    return rc;
}

/* ------------------------------------------------------------ verification */

/* count(*) and each amount column's sum of the rows of the county's pool
 * (src_county: a pool's records are all the county as it exported), as
 * text, in one row: column 0 the count, column 1+j the j-th amount
 * column's sum. */
static int db_figures(PGconn *c, const char *tablename, const char *county, const char *pool,
                      const char *const *cols, int ncols, PGresult **out, tc_err *e)
{
    char sql[4096];
    char *tq = PQescapeIdentifier(c, tablename, strlen(tablename));
    size_t k = (size_t)snprintf(sql, sizeof(sql), "SELECT count(*)");
    for (int j = 0; j < ncols; j++)
        k += (size_t)snprintf(sql + k, sizeof(sql) - k, ", coalesce(sum(%s), 0)::text", cols[j]);
    snprintf(sql + k, sizeof(sql) - k, " FROM tongchou.%s WHERE county = $1 AND src_county = $2",
             tq ? tq : "?");
    PQfreemem(tq);
    const char *p[2] = {county, pool};
    return tc_db_query(c, sql, 2, p, out, "counting what the database holds", e);
}

/* Compare the database with the trailer; TC_EINTEGRITY naming what differs. */
static int verify_in_db(ctx *x, const table *t, const char *county, const char *pool,
                        const tc_batch_summary *s, tc_err *e)
{
    const char *cols[TC_MAX_COLUMNS];
    int idx[TC_MAX_COLUMNS], na = 0;
    for (int i = 0; i < t->ncols; i++)
        if (t->type[i] == TC_COL_AMOUNT) {
            idx[na] = i;
            cols[na++] = t->sqlname[i];
        }
    /* A table that held fewer rows than the batch before (reltuples, the
     * planner's own estimate, -1 when never counted) is now mostly this
     * batch: scan it whole, in parallel, rather than through the index,
     * which the planner, without statistics for the new rows, would pick
     * (a bitmap scan of 2 million rows costs 2.5 x the parallel scan). */
    PGresult *r;
    char cnt[24];
    snprintf(cnt, sizeof(cnt), "%llu", (unsigned long long)s->count);
    const char *p[2] = {t->name, cnt};
    int rc = tc_db_query(x->c,
                         "SELECT c.reltuples < $2::float8 FROM pg_class c JOIN pg_namespace n"
                         " ON n.oid = c.relnamespace WHERE n.nspname = 'tongchou'"
                         " AND c.relname = $1",
                         2, p, &r, "reading the table's size", e);
    if (rc)
        return rc;
    int whole = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (whole && (rc = tc_db_exec(x->c, "SET LOCAL enable_bitmapscan = off;"
                                        " SET LOCAL enable_indexscan = off",
                                  "choosing a scan", e)))
        return rc;
    rc = db_figures(x->c, t->name, county, pool, cols, na, &r, e);
    if (!rc && whole)
        rc = tc_db_exec(x->c, "RESET enable_bitmapscan; RESET enable_indexscan",
                        "choosing a scan", e);
    if (rc) {
        PQclear(r);
        return rc;
    }
    unsigned long long n = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    if (n != s->count)
        rc = tc_fail(e, TC_EINTEGRITY, "the database holds %llu records of the batch, its "
                                       "trailer says %llu",
                     n, (unsigned long long)s->count);
    for (int j = 0; j < na && !rc; j++) {
        char want[32];
        snprintf(want, sizeof(want), "%" PRId64, s->totals[idx[j]]);
        if (strcmp(PQgetvalue(r, 0, 1 + j), want) != 0)
            rc = tc_fail(e, TC_EINTEGRITY, "the database's total of %s is %s fen, the batch's "
                                           "trailer says %s",
                         cols[j], PQgetvalue(r, 0, 1 + j), want);
    }
    PQclear(r);
    if (rc)
        tc_err_hint(e, "nothing was committed; something between the batch and the table "
                       "(a trigger, a rule) changed the records - find it before loading again");
    return rc;
}

/* ------------------------------------------------------------ one batch */

static int register_batch(ctx *x, const tc_batch_header *h, const table *t,
                          const tc_batch_summary *s, const char *id, const char *path, tc_err *e)
{
    char count[24];
    snprintf(count, sizeof(count), "%llu", (unsigned long long)s->count);
    const char *p[10] = {h->county, id, h->type, count, h->coding,
                         h->mappings[0] ? h->mappings : NULL, h->source[0] ? h->source : NULL,
                         h->cutover[0] ? h->cutover : NULL, path, tc_batch_pool(h)};
    int rc = tc_db_query(
        x->c,
        "INSERT INTO tongchou.batch (county, id, type, records, coding, mappings, source,"
        " cutover, path, state, pool) VALUES ($1, $2, $3, $4::bigint, $5, $6, $7, $8::date, $9,"
        " 'complete', $10) ON CONFLICT (county, id) DO UPDATE SET state = 'complete',"
        " path = EXCLUDED.path, loaded_at = now(), loaded_by = current_user,"
        " replaced_by = NULL, replaced_at = NULL",
        10, p, NULL, "registering the batch", e);
    for (int i = 0; i < t->ncols && !rc; i++) {
        if (t->type[i] != TC_COL_AMOUNT)
            continue;
        char tot[24];
        snprintf(tot, sizeof(tot), "%" PRId64, s->totals[i]);
        const char *q[4] = {h->county, id, h->cols[i].name, tot};
        rc = tc_db_query(x->c,
                         "INSERT INTO tongchou.batch_total (county, id, col, total)"
                         " VALUES ($1, $2, $3, $4::bigint) ON CONFLICT DO NOTHING",
                         4, q, NULL, "registering the batch's totals", e);
    }
    const char *f[2] = {path, id};
    if (!rc)
        rc = tc_db_query(x->c,
                         "UPDATE tongchou.load_failure SET resolved_at = now()"
                         " WHERE resolved_at IS NULL AND (path = $1 OR batch = $2)",
                         2, f, NULL, "resolving earlier failures", e);
    return rc;
}

/* The complete batch of (county, pool, type), if any: its id and record count. */
static int current_batch(ctx *x, const tc_batch_header *h, char *id, char *records, tc_err *e)
{
    PGresult *r;
    const char *p[3] = {h->county, h->type, tc_batch_pool(h)};
    int rc = tc_db_query(x->c,
                         "SELECT id, records FROM tongchou.batch"
                         " WHERE county = $1 AND type = $2 AND pool = $3 AND state = 'complete'",
                         3, p, &r, "looking the batch up", e);
    if (rc)
        return rc;
    id[0] = records[0] = '\0';
    if (PQntuples(r) == 1) {
        snprintf(id, TC_DIGEST_TEXT_MAX, "%s", PQgetvalue(r, 0, 0));
        snprintf(records, 24, "%s", PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return 0;
}

static int replace_batch(ctx *x, const tc_batch_header *h, const char *old, const char *oldn,
                         const char *id, uint64_t count, tc_err *e)
{
    char *tq = PQescapeIdentifier(x->c, h->type, strlen(h->type));
    char sql[256], newn[24];
    snprintf(sql, sizeof(sql), "DELETE FROM tongchou.%s WHERE county = $1 AND src_county = $2",
             tq ? tq : "?");
    PQfreemem(tq);
    snprintf(newn, sizeof(newn), "%llu", (unsigned long long)count);
    const char *p[7] = {h->county, h->type, old, id, oldn, newn, tc_batch_pool(h)};
    const char *dp[2] = {h->county, tc_batch_pool(h)};
    int rc = tc_db_query(x->c, sql, 2, dp, NULL, "deleting the replaced batch's records", e);
    if (!rc)
        rc = tc_db_query(x->c,
                         "UPDATE tongchou.batch SET state = 'replaced', replaced_by = $4,"
                         " replaced_at = now() WHERE county = $1 AND type = $2 AND id = $3",
                         4, p, NULL, "marking the replaced batch", e);
    if (!rc)
        rc = tc_db_query(x->c,
                         "INSERT INTO tongchou.replaced (county, type, old_id, new_id,"
                         " old_records, new_records, pool) VALUES ($1, $2, $3, $4, $5::bigint,"
                         " $6::bigint, $7)",
                         7, p, NULL, "recording the replacement", e);
    return rc;
}

static void rollback(PGconn *c)
{
    if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
        PQclear(PQexec(c, "ROLLBACK"));
}

/* The transaction of one batch (load.h).  res gets the outcome. */
static int load_one(ctx *x, const char *path, const char *where, tc_load_result *res,
                    tc_err *e)
{
    tc_batch_reader *br = NULL;
    uint64_t expect = 0;
    int rc = read_trailer(path, res->id, &expect, e);
    if (!rc)
        rc = tc_batch_open(&br, path, 0, e);
    if (rc)
        return rc;
    const tc_batch_header *h = tc_batch_header_of(br);
    snprintf(res->county, sizeof(res->county), "%s", h->county);
    snprintf(res->type, sizeof(res->type), "%s", h->type);
    table t;
    char lockkey[48], cur[TC_DIGEST_TEXT_MAX], curn[24];
    snprintf(lockkey, sizeof(lockkey), "%s/%s/%s", h->county, tc_batch_pool(h), h->type);
    const char *lp[1] = {lockkey};
    if ((rc = table_for(x, h, &t, e)))
        goto out;
    if ((rc = tc_db_exec(x->c, "BEGIN", "starting the transaction", e)) ||
        (rc = tc_db_query(x->c, "SELECT pg_advisory_xact_lock(" LOCK_CLASS ", hashtext($1))", 1,
                          lp, NULL, "waiting for the batch's lock", e)) ||
        (rc = current_batch(x, h, cur, curn, e)))
        goto out;
    if (strcmp(cur, res->id) == 0) {
        const char *f[2] = {where, res->id};
        rc = tc_db_query(x->c,
                         "UPDATE tongchou.load_failure SET resolved_at = now()"
                         " WHERE resolved_at IS NULL AND (path = $1 OR batch = $2)",
                         2, f, NULL, "resolving earlier failures", e);
        if (!rc)
            rc = tc_db_exec(x->c, "COMMIT", "committing", e);
        res->outcome = TC_LOAD_SKIPPED;
        res->records = expect;
        goto out;
    }
    if (cur[0] && !x->o->replace) {
        if (strcmp(tc_batch_pool(h), h->county) != 0)
            rc = tc_fail(e, TC_EINPUT, "pool %s of county %s already has a different %s batch "
                         "loaded (%s, %s records)", tc_batch_pool(h), h->county, h->type, cur,
                         curn);
        else
            rc = tc_fail(e, TC_EINPUT, "county %s already has a different %s batch loaded (%s, "
                         "%s records)", h->county, h->type, cur, curn);
        tc_err_hint(e, "give --replace to replace it, in one transaction, keeping a record of "
                       "what was replaced");
        goto out;
    }
    if (cur[0]) {
        /* the county's money has moved: the transfer rests on what is
         * loaded, and a ledger's history is not rewritten */
        PGresult *mv = NULL;
        const char *cp[1] = {tc_batch_pool(h)};
        if ((rc = tc_db_query(x->c, "SELECT count(*) FROM tongchou.transfer WHERE pool = $1 "
                              "AND state = 'executed'", 1, cp, &mv,
                              "reading the county's transfers", e)))
            goto out;
        long moved = atol(PQgetvalue(mv, 0, 0));
        PQclear(mv);
        if (moved) {
            rc = tc_fail(e, TC_EINPUT, "county %s's %s batch cannot be replaced: %ld transfer%s "
                         "of the county executed on the data loaded (%s)", h->county, h->type,
                         moved, moved == 1 ? "" : "s", cur);
            tc_err_hint(e, "after the money moved, a correction is a correcting transfer, not "
                           "a replacement; the loaded batch stays");
            if (x->o->replace == TC_LOAD_REPLACE_UNMOVED) {
                res->outcome = TC_LOAD_KEPT;   /* e (res->err) says why */
                rc = 0;
                rollback(x->c);
            }
            goto out;
        }
        if ((rc = replace_batch(x, h, cur, curn, res->id, expect, e)))
            goto out;
        snprintf(res->replaced, sizeof(res->replaced), "%s", cur);
    }
    if ((rc = copy_records(x, br, &t, path, expect, e)))
        goto out;
    const tc_batch_summary *s = tc_batch_summary_of(br);
    if (strcmp(s->body, res->id) != 0) {
        rc = tc_fail(e, TC_EINTEGRITY, "the batch's trailer names body %s, its body is %s",
                     res->id, s->body);
        goto out;
    }
    if ((rc = verify_in_db(x, &t, h->county, tc_batch_pool(h), s, e)) ||
        (rc = register_batch(x, h, &t, s, res->id, where, e)))
        goto out;
    if ((rc = tc_db_exec(x->c, "COMMIT", "committing", e))) {
        tc_err_hint(e, "the commit may or may not have happened: run the same load again; a "
                       "committed batch is skipped");
        goto out;
    }
    res->outcome = cur[0] ? TC_LOAD_REPLACED : TC_LOAD_LOADED;
    res->records = s->count;
out:
    if (rc)
        rollback(x->c);
    tc_batch_close(br);
    return rc;
}

/* Record a failure in a transaction of its own; 0 when recorded. */
static int record_failure(ctx *x, const char *path, const tc_load_result *res)
{
    if (PQstatus(x->c) != CONNECTION_OK) {
        if (!x->gone)
            PQreset(x->c);
        if (PQstatus(x->c) != CONNECTION_OK) {
            x->gone = 1;
            return -1;
        }
    }
    rollback(x->c);
    char county[7] = "000000", msg[2048];
    if (res->county[0])
        snprintf(county, sizeof(county), "%s", res->county);
    else {
        /* the batch's name: <county>.<type>.tcb */
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        if (strspn(b, "0123456789") == 6 && b[6] == '.')
            memcpy(county, b, 6);
    }
    tc_err_format(&res->err, msg, sizeof(msg));
    const char *p[5] = {county, path, res->id[0] ? res->id : NULL,
                        res->type[0] ? res->type : NULL, msg};
    PGresult *r = PQexecParams(x->c,
                               "INSERT INTO tongchou.load_failure (county, path, batch, type,"
                               " error) VALUES ($1, $2, $3, $4, $5)",
                               5, NULL, p, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

static int gravity(int code)
{
    switch (code) {
    case TC_EINTEGRITY: return 4;
    case TC_EDB: case TC_EIO: case TC_ENOMEM: case TC_EINTERNAL: return 3;
    case TC_EINPUT: return 2;
    case 0: return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ the runs */

static int open_ctx(ctx *x, const tc_load_opts *o, tc_err *e)
{
    memset(x, 0, sizeof(*x));
    x->o = o;
    int rc = tc_db_connect(&x->c, o->db, e);
    if (!rc)
        rc = tc_schema_check(x->c, e);
    if (!rc && !(x->buf = malloc(COPY_BUF)))
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    return rc;
}

static void close_ctx(ctx *x)
{
    if (x->c)
        PQfinish(x->c);
    free(x->buf);
}

static int run_paths(ctx *x, const char *const *paths, int n, tc_load_stats *st, tc_err *e)
{
    int worst = 0, nfail = 0;
    tc_err first;
    tc_err_clear(&first);
    for (int i = 0; i < n; i++) {
        tc_load_result res;
        memset(&res, 0, sizeof(res));
        res.path = paths[i];
        tc_err_clear(&res.err);
        /* the register and the failures keep the absolute path, so
         * --retry-failed works from any folder */
        char abs[PATH_MAX];
        const char *where = realpath(paths[i], abs) ? abs : paths[i];
        int64_t t0 = tc_now_ns();
        if (PQstatus(x->c) != CONNECTION_OK && !x->gone)
            PQreset(x->c);
        int rc;
        if (PQstatus(x->c) != CONNECTION_OK) {
            /* one failed reconnect is enough: a server that is down would
             * make every remaining batch wait out its own connect */
            if (!x->gone)
                rc = tc_db_fail(&res.err, x->c, NULL, "connecting again", NULL);
            else
                rc = tc_fail(&res.err, TC_EDB, "not tried: the database could not be reached "
                                               "again after a failure");
            x->gone = 1;
            tc_err_hint(&res.err, "nothing of it was committed; run the same load again once "
                                  "the server is back");
        }
        else if (tc_load_is_report(paths[i]))
            rc = tc_load_report(x->c, paths[i], where, &res, &res.err);
        else
            rc = load_one(x, paths[i], where, &res, &res.err);
        res.ns = tc_now_ns() - t0;
        if (rc) {
            res.outcome = TC_LOAD_FAILED;
            tc_err_at(&res.err, paths[i], 0, 0);
            res.err.record = 0;
            res.recorded = record_failure(x, where, &res) == 0;
            nfail++;
            if (gravity(rc) > gravity(worst)) {
                worst = rc;
                first = res.err;
            }
        } else if (res.outcome == TC_LOAD_SKIPPED)
            st->skipped++;
        else if (res.outcome == TC_LOAD_KEPT)
            st->kept++;
        else if (res.outcome == TC_LOAD_REPLACED)
            st->replaced++;
        else
            st->loaded++;
        if (x->o->on_result)
            x->o->on_result(x->o->arg, &res);
    }
    st->failed = nfail;
    if (!nfail)
        return 0;
    if (n == 1) {
        *e = first;
        return worst;
    }
    /* the gravest failure's own words: a caller that shows no per-batch
     * lines (tongchou run) must still say why */
    char hint[sizeof(first.hint)], why[1024];
    snprintf(hint, sizeof(hint), "%s", first.hint);
    first.hint[0] = '\0';
    tc_err_format(&first, why, sizeof(why));
    tc_fail(e, worst, "%d of %d batches failed; %s", nfail, n, why);
    if (hint[0])
        tc_err_hint(e, "%s; nothing of a failed batch was committed", hint);
    else
        tc_err_hint(e, "nothing of a failed batch was committed; fix the cause and run "
                       "'tongchou load --retry-failed' (or the same load again)");
    return worst;
}

int tc_load_run(const tc_load_opts *o, const char *const *paths, int n, tc_load_stats *st,
                tc_err *e)
{
    memset(st, 0, sizeof(*st));
    ctx x;
    int rc = open_ctx(&x, o, e);
    if (!rc)
        rc = run_paths(&x, paths, n, st, e);
    close_ctx(&x);
    return rc;
}

int tc_load_retry(const tc_load_opts *o, tc_load_stats *st, tc_err *e)
{
    memset(st, 0, sizeof(*st));
    ctx x;
    PGresult *r = NULL;
    int rc = open_ctx(&x, o, e);
    if (!rc)
        rc = tc_db_query(x.c,
                         "SELECT path FROM tongchou.load_failure WHERE resolved_at IS NULL"
                         " GROUP BY path ORDER BY min(no)",
                         0, NULL, &r, "listing the failed loads", e);
    if (!rc && PQntuples(r) > 0) {
        int n = PQntuples(r);
        const char **paths = malloc(sizeof(*paths) * (size_t)n);
        if (!paths)
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
        for (int i = 0; paths && i < n; i++)
            paths[i] = PQgetvalue(r, i, 0);
        if (paths)
            rc = run_paths(&x, paths, n, st, e);
        free(paths);
    }
    PQclear(r);
    close_ctx(&x);
    return rc;
}

int tc_load_failures(const char *db, void (*on_row)(void *arg, const tc_load_failure *f),
                     void *arg, int *n, tc_err *e)
{
    *n = 0;
    PGconn *c;
    PGresult *r = NULL;
    int rc = tc_db_connect(&c, db, e);
    if (rc)
        return rc;
    if (!(rc = tc_schema_check(c, e)))
        rc = tc_db_query(c,
                         "SELECT DISTINCT ON (path) path, county, coalesce(type, ''),"
                         " coalesce(batch, ''), error,"
                         " to_char(failed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                         " count(*) OVER (PARTITION BY path)"
                         " FROM tongchou.load_failure WHERE resolved_at IS NULL"
                         " ORDER BY path, failed_at DESC, no DESC",
                         0, NULL, &r, "listing the failed loads", e);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        tc_load_failure f = {PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                             PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
                             atoi(PQgetvalue(r, i, 6))};
        if (on_row)
            on_row(arg, &f);
        (*n)++;
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}

/* Check one registered batch (row i of the register query r). */
static int verify_batch(PGconn *c, PGresult *r, int i, tc_load_check *k, tc_err *e)
{
    k->county = PQgetvalue(r, i, 0);
    k->type = PQgetvalue(r, i, 1);
    k->id = PQgetvalue(r, i, 2);
    k->records = strtoull(PQgetvalue(r, i, 3), NULL, 10);
    k->pool = PQgetvalue(r, i, 4);
    k->ok = 1;
    k->problem[0] = '\0';
    PGresult *tot;
    const char *p[2] = {k->county, k->id};
    int rc = tc_db_query(c,
                         "SELECT col, total::text FROM tongchou.batch_total"
                         " WHERE county = $1 AND id = $2 ORDER BY col",
                         2, p, &tot, "reading the batch's totals", e);
    if (rc)
        return rc;
    int na = PQntuples(tot);
    char qcols[TC_MAX_COLUMNS][80];
    const char *cols[TC_MAX_COLUMNS];
    for (int j = 0; j < na && j < TC_MAX_COLUMNS; j++) {
        char *q = PQescapeIdentifier(c, PQgetvalue(tot, j, 0), strlen(PQgetvalue(tot, j, 0)));
        snprintf(qcols[j], sizeof(qcols[j]), "%s", q ? q : "?");
        PQfreemem(q);
        cols[j] = qcols[j];
    }
    PGresult *fig;
    char county[7], pool[7];
    snprintf(county, sizeof(county), "%s", k->county);
    snprintf(pool, sizeof(pool), "%s", k->pool);
    if ((rc = db_figures(c, k->type, county, pool, cols, na, &fig, e))) {
        PQclear(tot);
        return rc;
    }
    unsigned long long n = strtoull(PQgetvalue(fig, 0, 0), NULL, 10);
    if (n != k->records) {
        k->ok = 0;
        snprintf(k->problem, sizeof(k->problem), "the database holds %llu records, the batch %llu",
                 n, k->records);
    }
    for (int j = 0; j < na && k->ok; j++)
        if (strcmp(PQgetvalue(fig, 0, 1 + j), PQgetvalue(tot, j, 1)) != 0) {
            k->ok = 0;
            snprintf(k->problem, sizeof(k->problem),
                     "the database's total of %s is %s fen, the batch's %s", PQgetvalue(tot, j, 0),
                     PQgetvalue(fig, 0, 1 + j), PQgetvalue(tot, j, 1));
        }
    PQclear(fig);
    PQclear(tot);
    return 0;
}

int tc_load_verify(const char *db, void (*on_check)(void *arg, const tc_load_check *c), void *arg,
                   int *checked, tc_err *e)
{
    if (checked)
        *checked = 0;
    PGconn *c;
    PGresult *r = NULL;
    int rc = tc_db_connect(&c, db, e), bad = 0, n = 0;
    if (rc)
        return rc;
    if (!(rc = tc_schema_check(c, e)))
        rc = tc_db_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "verifying", e);
    if (!rc)
        rc = tc_db_query(c,
                         "SELECT county, type, id, records, pool FROM tongchou.batch"
                         " WHERE state = 'complete' ORDER BY county, pool, type",
                         0, NULL, &r, "reading the batch register", e);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        tc_load_check k;
        if ((rc = verify_batch(c, r, i, &k, e)))
            break;
        n++;
        bad += !k.ok;
        if (on_check)
            on_check(arg, &k);
    }
    PQclear(r);
    if (PQstatus(c) == CONNECTION_OK)
        PQclear(PQexec(c, "ROLLBACK"));
    PQfinish(c);
    if (checked)
        *checked = n;
    if (!rc && bad) {
        rc = tc_fail(e, TC_EINTEGRITY, "%d of %d loaded batches differ from their registered "
                                       "count or totals", bad, n);
        tc_err_hint(e, "the records were changed after the load; reload the batches named "
                       "above with --replace after finding out why");
    }
    return rc;
}
