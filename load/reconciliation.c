/*
 * reconciliation.c - the reconciliation results (reconciliation.json, written by
 * `tongchou reconcile`, shared/spec/interfaces.md) into recon_report,
 * recon_fund and recon_finding.
 *
 * The file is read and checked whole first, without the database
 * (recon_read.c: every field, every amount in the money module's strict
 * grammar, the transfers against `totals`); bad input is refused before a
 * transaction begins.  Its id is the SHA-256 of the file; like a batch it
 * goes in once, in one transaction under an advisory lock on that id, and
 * is checked inside the transaction before the commit: the number of fund
 * rows and findings and the sum of `transfer` in the database must equal
 * what the file says, per county and for the city (`totals`).
 */
#include "load/load_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "db/db.h"
#include "load/recon_read.h"

#define LOCK_CLASS "1952674"

static int put_fund(PGconn *c, const tc_load_recon_county *co, const char *id,
                    const tc_load_recon_fund *f, tc_err *e)
{
    char v[TC_LOAD_RECON_FIGURES][24];
    const char *p[6 + TC_LOAD_RECON_FIGURES] = {co->county, id, f->fund};
    for (int i = 0; i < TC_LOAD_RECON_FIGURES; i++) {
        snprintf(v[i], sizeof(v[i]), "%" PRId64, f->figure[i]);
        p[3 + i] = v[i];
    }
    p[3 + TC_LOAD_RECON_FIGURES] = co->pool;
    p[4 + TC_LOAD_RECON_FIGURES] = f->handed_over ? "true" : "false";
    p[5 + TC_LOAD_RECON_FIGURES] = f->cutover;
    return tc_db_query(c,
                       "INSERT INTO tongchou.recon_fund (county, report, fund, cash,"
                       " ledger_receivables, ledger_payables, net_assets, fund_balance,"
                       " employer_arrears, arrears_0_3, arrears_4_12, arrears_13, overpaid,"
                       " subsidy_shortfall, institution_payables, personal_accounts, transfer,"
                       " pool, handed_over, cutover) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
                       " $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::boolean, $20::date)",
                       6 + TC_LOAD_RECON_FIGURES, p, NULL, "loading the fund figures", e);
}

static int put_finding(PGconn *c, const tc_load_recon_county *co, const char *id, size_t no,
                       const tc_load_recon_finding *f, tc_err *e)
{
    char amt[24], n[24];
    snprintf(amt, sizeof(amt), "%" PRId64, f->amount);
    snprintf(n, sizeof(n), "%zu", no);
    const char *p[10] = {co->county, id, n, f->code, f->severity, f->fund, f->ref, amt,
                         f->message, co->pool};
    return tc_db_query(c,
                       "INSERT INTO tongchou.recon_finding (county, report, no, code, severity,"
                       " fund, ref, amount, message, pool) VALUES ($1, $2, $3::int, $4, $5, $6,"
                       " $7, $8::bigint, $9, $10)",
                       10, p, NULL, "loading the findings", e);
}

/* One county (one pool of a region) of the report: its row, funds and
 * findings, then the check of what the database holds. */
static int put_county(PGconn *c, const tc_load_recon *rep, const tc_load_recon_county *co,
                      const char *id, tc_err *e)
{
    const char *p[6] = {co->county, id, rep->mappings, rep->cutover, co->status, co->pool};
    int rc = tc_db_query(c,
                         "INSERT INTO tongchou.recon_report (county, report, mappings, cutover,"
                         " status, pool) VALUES ($1, $2, $3, $4::date, $5, $6)",
                         6, p, NULL, "registering the report", e);
    for (size_t k = 0; k < co->nfunds && !rc; k++)
        rc = put_fund(c, co, id, &co->funds[k], e);
    for (size_t k = 0; k < co->nfindings && !rc; k++)
        rc = put_finding(c, co, id, k + 1, &co->findings[k], e);
    if (rc)
        return rc;
    PGresult *r;
    const char *q[3] = {co->county, id, co->pool};
    if ((rc = tc_db_query(c,
                          "SELECT (SELECT count(*) FROM tongchou.recon_fund WHERE county = $1"
                          " AND report = $2 AND pool = $3), (SELECT coalesce(sum(transfer),"
                          " 0)::text FROM tongchou.recon_fund WHERE county = $1 AND report = $2"
                          " AND pool = $3), (SELECT count(*) FROM tongchou.recon_finding WHERE"
                          " county = $1 AND report = $2 AND pool = $3)",
                          3, q, &r, "checking the report", e)))
        return rc;
    char want[24];
    snprintf(want, sizeof(want), "%" PRId64, co->transfer);
    if ((size_t)atoll(PQgetvalue(r, 0, 0)) != co->nfunds ||
        strcmp(PQgetvalue(r, 0, 1), want) != 0 ||
        (size_t)atoll(PQgetvalue(r, 0, 2)) != co->nfindings)
        rc = tc_fail(e, TC_EINTEGRITY, "county %s: the database holds %s funds, %s findings and "
                                       "transfers of %s fen, the report %zu, %zu and %s",
                     co->county, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 1),
                     co->nfunds, co->nfindings, want);
    PQclear(r);
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
    tc_load_recon *rep;
    if ((rc = tc_load_recon_read(&rep, path, e)))
        return rc;
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
    unsigned long long rows = 0;
    for (size_t i = 0; i < rep->ncounties; i++) {
        if ((rc = put_county(c, rep, &rep->counties[i], res->id, e)))
            goto out;
        rows += rep->counties[i].nfunds + rep->counties[i].nfindings;
    }
    /* the city's total transfer, when the report states it (recon_read.c
     * found it equal to the counties' sum) */
    if (rep->has_total) {
        PQclear(r);
        if ((rc = tc_db_query(c,
                              "SELECT coalesce(sum(transfer), 0)::text FROM tongchou.recon_fund"
                              " WHERE report = $1",
                              1, p, &r, "checking the report's total", e)))
            goto out;
        char want[24];
        snprintf(want, sizeof(want), "%" PRId64, rep->transfer);
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
    tc_load_recon_free(rep);
    if (rc && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
        PQclear(PQexec(c, "ROLLBACK"));
    return rc;
}
