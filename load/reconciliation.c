/*
 * reconciliation.c - the reconciliation results (reconciliation.json, written by
 * `tongchou reconcile`, shared/spec/interfaces.md) into recon_report,
 * recon_fund and recon_finding.
 *
 * A report is small (a row per county and fund, a row per finding), so it
 * is read whole with jansson.  Its id is the SHA-256 of the file; like a
 * batch it goes in once, in one transaction under an advisory lock on that
 * id, and is checked inside the transaction before the commit: the number
 * of fund rows and findings and the sum of `transfer` in the database must
 * equal what the file says, per county and for the city (`totals`).  Amounts are yuan strings in the file and are
 * parsed with the money module's strict grammar into fen; a number where a
 * string is due, or a malformed amount, refuses the whole report.
 */
#include "load/load_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/money.h"
#include "db/db.h"

#define LOCK_CLASS "1952674"

int tc_load_is_report(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int ch;
    while ((ch = fgetc(f)) == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
        ;
    fclose(f);
    return ch == '{';
}

static const char *sget(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A yuan string field into fen text for SQL; TC_EINPUT naming it. */
static int amount(json_t *o, const char *k, const char *where, char *out, tc_fen *fen, tc_err *e)
{
    const char *s = sget(o, k);
    if (!s)
        return tc_fail(e, TC_EINPUT, "%s: '%s' is missing or not a string", where, k);
    tc_fen v;
    if (tc_money_parse_yuan(s, strlen(s), &v, e)) {
        tc_err_prefix(e, "%s: %s: ", where, k);
        return TC_EINPUT;
    }
    snprintf(out, 24, "%" PRId64, v);
    if (fen)
        *fen = v;
    return 0;
}

static const char *const fund_cols[] = {
    "cash", "ledger_receivables", "ledger_payables", "net_assets", "fund_balance",
    "employer_arrears", "0-3", "4-12", "13+", "overpaid", "subsidy_shortfall",
    "institution_payables", "personal_accounts", "transfer"};
#define NFUND (int)(sizeof(fund_cols) / sizeof(fund_cols[0]))

static int put_fund(PGconn *c, const char *county, const char *pool, const char *id, json_t *f,
                    tc_fen *transfer, tc_err *e)
{
    char v[NFUND][24], where[64];
    const char *fund = sget(f, "fund");
    if (!fund)
        return tc_fail(e, TC_EINPUT, "county %s: a fund without 'fund'", county);
    snprintf(where, sizeof(where), "county %s fund %s", county, fund);
    json_t *aging = json_object_get(f, "arrears_aging");
    int rc = 0;
    for (int i = 0; i < NFUND && !rc; i++) {
        int aged = i >= 6 && i <= 8;
        if (aged && !json_is_object(aging))
            return tc_fail(e, TC_EINPUT, "%s: 'arrears_aging' is missing", where);
        rc = amount(aged ? aging : f, fund_cols[i], where, v[i], i == NFUND - 1 ? transfer : NULL,
                    e);
    }
    if (rc)
        return rc;
    /* a part handover: kept, or handed over at its own date */
    json_t *ho = json_object_get(f, "handed_over"), *cut = json_object_get(f, "cutover");
    if ((ho && !json_is_boolean(ho)) || (cut && !json_is_string(cut)))
        return tc_fail(e, TC_EINPUT, "%s: 'handed_over' is not true or false, or 'cutover' "
                       "not a date", where);
    const char *p[6 + NFUND] = {county, id, fund};
    for (int i = 0; i < NFUND; i++)
        p[3 + i] = v[i];
    p[3 + NFUND] = pool;
    p[4 + NFUND] = json_is_false(ho) ? "false" : "true";
    p[5 + NFUND] = cut ? json_string_value(cut) : NULL;
    return tc_db_query(c,
                       "INSERT INTO tongchou.recon_fund (county, report, fund, cash,"
                       " ledger_receivables, ledger_payables, net_assets, fund_balance,"
                       " employer_arrears, arrears_0_3, arrears_4_12, arrears_13, overpaid,"
                       " subsidy_shortfall, institution_payables, personal_accounts, transfer,"
                       " pool, handed_over, cutover) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
                       " $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::boolean, $20::date)",
                       6 + NFUND, p, NULL, "loading the fund figures", e);
}

static int put_finding(PGconn *c, const char *county, const char *pool, const char *id, int no,
                       json_t *f, int *blocking, tc_err *e)
{
    char where[64], amt[24], n[16];
    snprintf(where, sizeof(where), "county %s finding %d", county, no);
    const char *code = sget(f, "code"), *sev = sget(f, "severity"), *fund = sget(f, "fund"),
               *ref = sget(f, "ref"), *msg = sget(f, "message");
    if (!code || !sev || !fund || !ref || !msg)
        return tc_fail(e, TC_EINPUT, "%s: code, severity, fund, ref and message must be strings",
                       where);
    int rc = amount(f, "amount", where, amt, NULL, e);
    if (rc)
        return rc;
    *blocking |= strcmp(sev, "blocking") == 0;
    snprintf(n, sizeof(n), "%d", no);
    const char *p[10] = {county, id, n, code, sev, fund, ref, amt, msg, pool};
    return tc_db_query(c,
                       "INSERT INTO tongchou.recon_finding (county, report, no, code, severity,"
                       " fund, ref, amount, message, pool) VALUES ($1, $2, $3::int, $4, $5, $6,"
                       " $7, $8::bigint, $9, $10)",
                       10, p, NULL, "loading the findings", e);
}

/* One county (one pool of a region) of the report: its row, funds and
 * findings, then the check.  A document without "pool" (made before pools)
 * has the region as its pool. */
static int put_county(PGconn *c, json_t *doc, json_t *co, const char *id, unsigned long long *rows,
                      tc_err *e)
{
    const char *county = sget(co, "county");
    json_t *funds = json_object_get(co, "funds"), *fs = json_object_get(co, "findings");
    const char *pool = json_object_get(co, "pool") ? sget(co, "pool") : county;
    if (!county || strlen(county) != 6 || !json_is_array(funds) || !json_is_array(fs))
        return tc_fail(e, TC_EINPUT, "a county without a 6-digit 'county', 'funds' or 'findings'");
    if (!pool || strlen(pool) != 6)
        return tc_fail(e, TC_EINPUT, "county %s: 'pool' is not a 6-digit code", county);
    int blocking = 0, rc = 0;
    const char *p[6] = {county, id, sget(doc, "mappings"), sget(doc, "cutover"), "clean", pool};
    if (!p[2] || !p[3])
        return tc_fail(e, TC_EINPUT, "'mappings' or 'cutover' is missing");
    /* the county's own status: its findings decide */
    size_t k;
    json_t *x;
    json_array_foreach(fs, k, x) blocking |= json_is_string(json_object_get(x, "severity")) &&
                                             strcmp(sget(x, "severity"), "blocking") == 0;
    p[4] = blocking ? "blocked" : json_array_size(fs) ? "findings" : "clean";
    rc = tc_db_query(c,
                     "INSERT INTO tongchou.recon_report (county, report, mappings, cutover,"
                     " status, pool) VALUES ($1, $2, $3, $4::date, $5, $6)",
                     6, p, NULL, "registering the report", e);
    tc_fen transfer = 0, t;
    json_array_foreach(funds, k, x)
    {
        if (rc || (rc = put_fund(c, county, pool, id, x, &t, e)))
            break;
        if (tc_money_add(transfer, t, &transfer))
            return tc_fail(e, TC_EINPUT, "county %s: the transfers overflow", county);
    }
    int no = 0;
    json_array_foreach(fs, k, x)
    {
        if (rc || (rc = put_finding(c, county, pool, id, ++no, x, &blocking, e)))
            break;
    }
    if (rc)
        return rc;
    PGresult *r;
    const char *q[3] = {county, id, pool};
    if ((rc = tc_db_query(c,
                          "SELECT (SELECT count(*) FROM tongchou.recon_fund WHERE county = $1"
                          " AND report = $2 AND pool = $3), (SELECT coalesce(sum(transfer),"
                          " 0)::text FROM tongchou.recon_fund WHERE county = $1 AND report = $2"
                          " AND pool = $3), (SELECT count(*) FROM tongchou.recon_finding WHERE"
                          " county = $1 AND report = $2 AND pool = $3)",
                          3, q, &r, "checking the report", e)))
        return rc;
    char want[24];
    snprintf(want, sizeof(want), "%" PRId64, transfer);
    if ((size_t)atoll(PQgetvalue(r, 0, 0)) != json_array_size(funds) ||
        strcmp(PQgetvalue(r, 0, 1), want) != 0 ||
        (size_t)atoll(PQgetvalue(r, 0, 2)) != json_array_size(fs))
        rc = tc_fail(e, TC_EINTEGRITY, "county %s: the database holds %s funds, %s findings and "
                                       "transfers of %s fen, the report %zu, %zu and %s",
                     county, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 1),
                     json_array_size(funds), json_array_size(fs), want);
    PQclear(r);
    *rows += json_array_size(funds) + json_array_size(fs);
    return rc;
}

int tc_load_report(PGconn *c, const char *path, const char *where, tc_load_result *res,
                   tc_err *e)
{
    (void)where;
    snprintf(res->type, sizeof(res->type), "reconciliation");
    int rc = tc_digest_file(TC_DIGEST_SHA256, path, res->id, e);
    if (rc)
        return rc;
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        tc_fail(e, TC_EINPUT, "not a reconciliation report: %s", je.text);
        tc_err_at(e, path, je.line, je.column);
        return TC_EINPUT;
    }
    json_t *counties = json_object_get(doc, "counties");
    const char *fmt = sget(doc, "format");
    if (!fmt || strcmp(fmt, "tongchou-reconciliation/1") != 0 || !json_is_array(counties)) {
        json_decref(doc);
        return tc_fail(e, TC_EINPUT, "not a tongchou-reconciliation/1 report");
    }
    const char *p[1] = {res->id};
    PGresult *r = NULL;
    if ((rc = tc_db_exec(c, "BEGIN", "starting the transaction", e)) ||
        (rc = tc_db_query(c, "SELECT pg_advisory_xact_lock(" LOCK_CLASS ", hashtext($1))", 1, p,
                          NULL, "waiting for the report's lock", e)) ||
        (rc = tc_db_query(c, "SELECT count(*) FROM tongchou.recon_report WHERE report = $1", 1,
                          p, &r, "looking the report up", e)))
        goto out;
    if (atoi(PQgetvalue(r, 0, 0)) > 0) {
        res->outcome = TC_LOAD_SKIPPED;
        rc = tc_db_exec(c, "COMMIT", "committing", e);
        goto out;
    }
    size_t k;
    json_t *co;
    unsigned long long rows = 0;
    json_array_foreach(counties, k, co)
    {
        if ((rc = put_county(c, doc, co, res->id, &rows, e)))
            goto out;
    }
    /* the city's total transfer, when the report states it */
    json_t *tot = json_object_get(doc, "totals");
    char want[24];
    if (json_is_object(tot) && (rc = amount(tot, "transfer", "totals", want, NULL, e)))
        goto out;
    if (json_is_object(tot)) {
        PQclear(r);
        if ((rc = tc_db_query(c,
                              "SELECT coalesce(sum(transfer), 0)::text FROM tongchou.recon_fund"
                              " WHERE report = $1",
                              1, p, &r, "checking the report's total", e)))
            goto out;
        if (strcmp(PQgetvalue(r, 0, 0), want) != 0) {
            rc = tc_fail(e, TC_EINTEGRITY, "the counties' transfers add up to %s fen, the "
                                           "report's total says %s", PQgetvalue(r, 0, 0), want);
            goto out;
        }
    }
    if ((rc = tc_db_exec(c, "COMMIT", "committing", e)))
        goto out;
    res->outcome = TC_LOAD_LOADED;
    res->records = rows;
out:
    PQclear(r);
    json_decref(doc);
    if (rc && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
        PQclear(PQexec(c, "ROLLBACK"));
    return rc;
}
