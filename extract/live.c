/*
 * live.c - see live.h.
 *
 * One connection, one REPEATABLE READ READ ONLY transaction: every table the
 * profile names is read with COPY (SELECT columns FROM table) TO STDOUT in
 * the same snapshot - the county table and the joined tables first, so no
 * row waits - and fed, row by row, to the same COPY-text reader the dumps
 * use (dump_int.h), with client_encoding UTF8.  Then, still in that
 * snapshot, an independent count(*) and sum() per table and amount column
 * must equal what was streamed and converted; any difference is an
 * integrity failure.  The source digest is the SHA-256 of the COPY data as
 * received (each table's name and a newline, then its rows).
 *
 * Identifiers are quoted by libpq (PQescapeIdentifier); the one value a
 * query takes, a table name, goes as a parameter.  Messages name the host
 * and database, never the connection string (it may hold a password).
 */
#include "extract/live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/digest.h"
#include "core/money.h"
#include "db/db.h"
#include "extract/dump_int.h"

#define MAXT 32

typedef struct live {
    PGconn *c;
    char where[300];      /* "database yb on /tmp/..." */
    tc_err *e;
} live;

static int dbfail(live *L, const char *what)
{
    tc_fail(L->e, TC_EDB, "%s: %s: %s", L->where, what, PQerrorMessage(L->c));
    char *nl = strrchr(L->e->msg, '\n');
    if (nl && nl[1] == '\0')
        *nl = '\0';
    return TC_EDB;
}

static int exec_ok(live *L, const char *sql)
{
    PGresult *r = PQexec(L->c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : dbfail(L, sql);
}

/* The tables to read, joined and county tables first. */
static int table_order(const tc_profile *p, char t[][PNAME])
{
    int n = 0;
#define ADD(name)                                                        \
    do {                                                                 \
        int dup_ = 0;                                                    \
        for (int k_ = 0; k_ < n; k_++)                                   \
            dup_ |= strcmp(t[k_], (name)) == 0;                          \
        if (!dup_ && (name)[0] && n < MAXT)                              \
            snprintf(t[n++], PNAME, "%s", (name));                       \
    } while (0)
    ADD(p->county_table);
    for (int i = 0; i < p->nrec; i++)
        ADD(p->recs[i].join_table);
    for (int i = 0; i < p->nrec; i++)
        ADD(p->recs[i].table);
#undef ADD
    return n;
}

/* The table as SQL: "schema"."table" when the profile names the schema,
 * else "table" (found on the search_path).  malloc'd; NULL when out of
 * memory. */
static char *qualified(live *L, const tc_profile *p, const char *table)
{
    char *t = PQescapeIdentifier(L->c, table, strlen(table));
    char *sch = p->schema[0] ? PQescapeIdentifier(L->c, p->schema, strlen(p->schema)) : NULL;
    size_t n = (t ? strlen(t) : 0) + (sch ? strlen(sch) : 0) + 2;
    char *q = t && (sch || !p->schema[0]) ? malloc(n) : NULL;
    if (q)
        snprintf(q, n, "%s%s%s", sch ? sch : "", sch ? "." : "", t);
    PQfreemem(t);
    PQfreemem(sch);
    return q;
}

/* Up to 40 of the database's tables, "schema.table, ...", for messages. */
static void tables_held(live *L, char *buf, size_t n)
{
    buf[0] = '\0';
    PGresult *r = PQexec(L->c,
                         "SELECT coalesce(string_agg(t, ', '), '') FROM (SELECT "
                         "quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS t "
                         "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                         "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition "
                         "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                         "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1 LIMIT 40) x");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        snprintf(buf, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

static int columns_of(live *L, const tc_profile *p, const char *table, char (*cols)[PNAME],
                      int *ncols)
{
    char *q = qualified(L, p, table);
    const char *params[1] = {q};
    PGresult *r = PQexecParams(L->c,
                               "SELECT attname FROM pg_attribute WHERE attrelid = "
                               "to_regclass($1) AND attnum > 0 AND NOT attisdropped "
                               "ORDER BY attnum",
                               1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) == 0) {
        int db = PQresultStatus(r) != PGRES_TUPLES_OK;
        PQclear(r);
        free(q);
        if (db)
            return dbfail(L, "cannot read the catalogue");
        char held[3000];
        tables_held(L, held, sizeof(held));
        tc_fail(L->e, TC_EINPUT, "%s has no table %s%s%s, which the profile names", L->where,
                p->schema[0] ? p->schema : "", p->schema[0] ? "." : "", table);
        if (held[0])
            tc_err_hint(L->e, "it holds %s; is this the database the profile describes, and "
                        "does the profile name its schema?", held);
        else
            tc_err_hint(L->e, "it holds no tables: is this the database the profile describes?");
        return TC_EINPUT;
    }
    free(q);
    *ncols = 0;
    for (int i = 0; i < PQntuples(r) && i < ROWS_MAXCOLS; i++)
        snprintf(cols[(*ncols)++], PNAME, "%s", PQgetvalue(r, i, 0));
    PQclear(r);
    return 0;
}

static int copy_table(live *L, const tc_profile *p, rows *R, tc_digest *d, const char *table,
                      char (*cols)[PNAME], int ncols, long long *count)
{
    rows_block b = {.schema = p->schema, .table = table, .cols = cols, .ncols = ncols};
    int rc = rows_begin(R, &b);
    if (rc)
        return rc;
    /* every column, each quoted: up to 1,600 of 63 bytes, doubled quotes */
    size_t cap = 64 + (size_t)ncols * (2 * PNAME + 4) + 4 * PNAME + 16;
    char *sql = malloc(cap);
    char *qt = qualified(L, p, table);
    if (!sql || !qt) {
        free(sql);
        free(qt);
        return tc_fail(L->e, TC_ENOMEM, "out of memory");
    }
    size_t k = (size_t)snprintf(sql, cap, "COPY (SELECT ");
    for (int i = 0; i < ncols; i++) {
        char *q = PQescapeIdentifier(L->c, cols[i], strlen(cols[i]));
        k += (size_t)snprintf(sql + k, cap - k, "%s%s", i ? ", " : "", q);
        PQfreemem(q);
    }
    snprintf(sql + k, cap - k, " FROM %s) TO STDOUT", qt);
    free(qt);
    tc_digest_update(d, table, strlen(table));
    tc_digest_update(d, "\n", 1);
    PGresult *r = PQexec(L->c, sql);
    free(sql);
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        PQclear(r);
        return dbfail(L, "cannot COPY out");
    }
    PQclear(r);
    char *buf;
    int n;
    *count = 0;
    while ((n = PQgetCopyData(L->c, &buf, 0)) > 0) {
        tc_digest_update(d, buf, (size_t)n);
        if (!rc) {
            size_t len = (size_t)n;
            if (len && buf[len - 1] == '\n')
                buf[--len] = '\0';
            ++*count;
            rc = rows_line(R, buf, len, (long)*count);
        }
        PQfreemem(buf);
    }
    if (n == -2)
        return dbfail(L, "COPY failed");
    r = PQgetResult(L->c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc)
        rc = dbfail(L, "COPY failed");
    PQclear(r);
    while ((r = PQgetResult(L->c)))
        PQclear(r);
    if (!rc)
        rc = rows_end(R);
    return rc;
}

/*
 * The independent check: count(*) of the table against the rows streamed,
 * and for each amount field read from it, sum(column) against the total
 * the emitter holds for that record column.
 */
static int recheck(live *L, const tc_profile *p, tc_emit *em, const char *table, long long streamed)
{
    char sql[4096];
    size_t k = (size_t)snprintf(sql, sizeof(sql), "SELECT count(*)");
    const pfield *f[64];
    const prec *fr[64];
    int nf = 0;
    for (int i = 0; i < p->nrec; i++) {
        const prec *r = &p->recs[i];
        if (strcmp(r->table, table) != 0 || r->derive)
            continue;
        for (int j = 0; j < r->nf && nf < 64; j++) {
            if (r->f[j].table[0] || (r->f[j].conv != CV_YUAN && r->f[j].conv != CV_FEN))
                continue;
            char *q = PQescapeIdentifier(L->c, r->f[j].column, strlen(r->f[j].column));
            k += (size_t)snprintf(sql + k, sizeof(sql) - k, ", coalesce(sum(%s), 0)", q);
            PQfreemem(q);
            f[nf] = &r->f[j];
            fr[nf++] = r;
        }
    }
    char *qt = qualified(L, p, table);
    if (!qt)
        return tc_fail(L->e, TC_ENOMEM, "out of memory");
    snprintf(sql + k, sizeof(sql) - k, " FROM %s", qt);
    free(qt);
    PGresult *res = PQexec(L->c, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        return dbfail(L, "cannot re-count");
    }
    int rc = 0;
    long long cnt = atoll(PQgetvalue(res, 0, 0));
    if (cnt != streamed)
        rc = tc_fail(L->e, TC_EINTEGRITY, "%s: table %s has %lld rows by count(*), but %lld "
                     "were streamed in the same snapshot", L->where, table, cnt, streamed);
    for (int i = 0; i < nf && !rc; i++) {
        const char *v = PQgetvalue(res, 0, i + 1);
        tc_fen want;
        int bad = f[i]->conv == CV_YUAN ? tc_money_parse_yuan(v, strlen(v), &want, NULL)
                                        : tc_money_parse_fen(v, strlen(v), &want, NULL);
        int64_t got = tc_emit_tally(em, fr[i]->rectype)->totals[f[i]->col];
        if (bad || got != want) {
            char a[TC_MONEY_BUFSZ];
            rc = tc_fail(L->e, TC_EINTEGRITY, "%s: sum(%s.%s) is %s by the database, but the "
                         "streamed rows add up to %s fen", L->where, table, f[i]->column, v,
                         tc_money_format(got, a));
        }
    }
    PQclear(res);
    return rc;
}

int tc_live_extract(const char *conninfo, const tc_profile *p, tc_emit *em, tc_dump_stats *st,
                    tc_err *e)
{
    tc_dump_stats dummy;
    if (!st)
        st = &dummy;
    memset(st, 0, sizeof(*st));
    live L = {NULL, "", e};
    if (!conninfo || !conninfo[0])
        return tc_fail(e, TC_EUSAGE, "a live source needs a connection string");
    if (tc_db_connect(&L.c, conninfo, e)) {
        /* libpq's reason names the host and port, never the password. */
        return tc_err_hint(e, "check the source's connection string and that the legacy "
                              "database accepts this account");
    }
    const char *host = PQhost(L.c);
    snprintf(L.where, sizeof(L.where), "database %s on %s", PQdb(L.c) ? PQdb(L.c) : "?",
             host && host[0] ? host : "the default host");
    rows *R = NULL;
    tc_digest *d = NULL;
    int rc = rows_open(&R, p, em, st, L.where, e);
    if (!rc)
        rc = tc_digest_new(&d, TC_DIGEST_SHA256, e);
    if (!rc)
        rc = exec_ok(&L, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (!rc)
        rc = exec_ok(&L, "SET client_encoding = 'UTF8'");
    if (!rc)
        rc = exec_ok(&L, "SET DateStyle = 'ISO, YMD'");
    if (!rc)
        rc = rows_set_encoding(R, "UTF8", 0);
    char tables[MAXT][PNAME];
    long long counts[MAXT];
    int nt = table_order(p, tables);
    char (*cols)[PNAME] = malloc(ROWS_MAXCOLS * sizeof(*cols));
    if (!cols && !rc)
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    for (int i = 0; i < nt && !rc; i++) {
        int ncols;
        rc = columns_of(&L, p, tables[i], cols, &ncols);
        if (!rc)
            rc = copy_table(&L, p, R, d, tables[i], cols, ncols, &counts[i]);
    }
    free(cols);
    if (!rc)
        rc = rows_finish(R);
    for (int i = 0; i < nt && !rc; i++)
        rc = recheck(&L, p, em, tables[i], counts[i]);
    if (!rc)
        rc = exec_ok(&L, "COMMIT");
    if (!rc) {
        char text[TC_DIGEST_TEXT_MAX];
        tc_digest_final_text(d, text);
        tc_emit_set_source_digest(em, text);
    }
    tc_digest_free(d);
    rows_free(R);
    PQfinish(L.c);
    return rc;
}
