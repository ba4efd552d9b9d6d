/*
 * transfer_exec.c - executing an approved plan, exactly once.  See
 * transfer.h and docs/transfer.md.
 *
 * Everything that can be checked without the database is checked first,
 * and any difference refuses the plan before a connection is made: the
 * maker's and the checkers' signatures, by keys the city's policy gives
 * those roles (never keys a command line names), each transfer's id
 * recomputed, the reconciliation file's digest and the mapping set's
 * digest against the plan, each amount against the reconciled cash and
 * each carried-over figure against the reconciled one.
 *
 * Then ONE transaction for the whole plan:
 *
 *   pg_advisory_xact_lock(plan)          a second execution of this plan waits
 *   pg_advisory_xact_lock(county/fund)   ... and of another plan moving the
 *                                        same county and fund (sorted: no
 *                                        deadlock between plans)
 *   the plan's counties' complete batches = the plan's batches
 *   the guard (transfer_int.h, xfer_guard): the plan's reconciliation is
 *     the one a reconcile entry of the trail recorded and the one loaded;
 *     every blocking finding the database holds for a planned county is
 *     named by a waiver valid under the policy
 *   per transfer:
 *     the postings, computed from the loaded balances at cutover (the
 *     fund's own when a part handover gives it one: the plan line's, which
 *     must be the reconciliation's)
 *     row (county, id, fund) there?   same amount and postings: already done
 *                                     otherwise: integrity failure
 *     another transfer executed for this county and fund: integrity failure
 *     INSERT the transfer (executed, maker, checker) and its postings
 *   the after-checks over the database as it now stands
 *   COMMIT                               only when every check holds
 *
 * Postings of one transfer (line numbers in this order, zero lines left
 * out):
 *
 *   county  remit_up account              debit   the cash
 *   county  each cash account             credit  its closing at cutover
 *   city    FISCAL/COUNTY                 debit   the cash
 *   city    received_from_below/COUNTY    credit  the cash
 *   city    each receivable account/COUNTY debit  its closing  (carried over)
 *   city    each payable account/COUNTY   credit  its closing  (carried over)
 *   city    claims/COUNTY                 debit   the claims   (memorandum)
 *   city    debts/COUNTY                  credit  the debts    (memorandum)
 *
 * Accounts come from the mapping set's chart by role, never from codes:
 * FISCAL is the account whose role is city_fiscal, or, when the chart has
 * none (as the example city's, where 1003 is a cash account in the
 * counties), the ledger account of the county's bank accounts whose bank
 * role is fiscal.  A process killed anywhere leaves nothing: its
 * transaction dies with its connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/record.h"
#include "db/db.h"
#include "db/schema.h"
#include "transfer/transfer.h"
#include "transfer/transfer_int.h"
#include "mappings/mapset.h"

#define LOCK_CLASS_PLAN 1952674
#define LOCK_CLASS_FUND 1952675
#define MAXLINES 64

typedef struct line {
    const char *ledger;
    char account[64];
    tc_fen debit, credit;
} line;

typedef struct xt {
    const char *id, *county, *pool, *fund;
    const char *kind, *corrects;        /* a correcting transfer's; NULL for a transfer */
    tc_fen cash_new;                    /* ... the reconciled cash it brings the pool to */
    tc_fen moved;                       /* ... what had moved before it, as planned */
    tc_fen amount, claims, debts, recv, pay;
    line lines[MAXLINES];
    int nlines;
    const char *cutover;                /* the fund's own cutover, NULL: the plan's */
    int cutper;                         /* YYYYMM of the fund's cutover */
    tc_fen cash_closing;                /* Σ cash accounts' closing at cutover */
    char cash_accounts[MAXLINES][32];   /* for the after-checks */
    int ncash;
    char fiscal[64];                    /* FISCAL/COUNTY */
    int already;                        /* found done */
    xfer_share sh[TC_SPLIT_MAX];        /* a split pool's shares, per sub-ledger */
    int nsh;
    char units[8 * (TC_SPLIT_MAX + 1) + 4];   /* "{COUNTY,SUB,...}" */
} xt;

typedef struct chart {
    char (*code)[32];
    const char **role;
    int n;
} chart;

typedef struct ex {
    const tc_transfer_exec_opts *o;
    json_t *plan;
    const char *maker, *checker;
    const tc_mapset *m;
    chart ch;
    xfer_recon r;
    xt *t;
    int nt;
    int cutper;                         /* YYYYMM */
    PGconn *db;
} ex;

/* ================================================================ chart */

/* The codes of the city chart with their roles, in the chart's order. */
static int chart_read(chart *ch, const tc_mapset *m, tc_err *e)
{
    const char *const *codes;
    size_t n = tc_mapset_chart(m, &codes);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(codes[i]);
        const char *role = len < 32 ? tc_mapset_account_role(m, codes[i], len) : NULL;
        if (!role)
            continue;
        void *c = realloc(ch->code, (size_t)(ch->n + 1) * sizeof(*ch->code));
        void *r = c ? realloc(ch->role, (size_t)(ch->n + 1) * sizeof(*ch->role)) : NULL;
        if (c)
            ch->code = c;
        if (!r)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        ch->role = r;
        memcpy(ch->code[ch->n], codes[i], len + 1);
        ch->role[ch->n++] = role;
    }
    return 0;
}

static const char *chart_role(const chart *ch, const char *code)
{
    for (int i = 0; i < ch->n; i++)
        if (strcmp(ch->code[i], code) == 0)
            return ch->role[i];
    return NULL;
}

/* The one account with role, or NULL. */
static const char *chart_account(const chart *ch, const char *role)
{
    for (int i = 0; i < ch->n; i++)
        if (strcmp(ch->role[i], role) == 0)
            return ch->code[i];
    return NULL;
}

/* ========================================================= before the db */

static int integrity(tc_err *e, const char *plan, const char *fmt, const char *a, const char *b,
                     const char *c)
{
    tc_err_at(e, plan, 0, 0);
    return tc_fail(e, TC_EINTEGRITY, fmt, a, b, c);
}

/* A fund handed over at its own cutover (a part handover): the plan line
 * j says the date the reconciliation's fund entry f says, or neither says
 * one; t is taken at it.  A line edited to another date is refused. */
static int fund_cutover(ex *x, xt *t, const json_t *j, const json_t *f, tc_err *e)
{
    const char *want = json_string_value(json_object_get(f, "cutover"));
    const json_t *got = json_object_get(j, "cutover");
    const char *line = json_string_value(got);
    int same = got ? line && want && strcmp(line, want) == 0 : !want;
    if (!same) {
        integrity(e, x->o->plan, "transfer %s: the fund's cutover in the plan is %s, the "
                  "reconciliation's is %s", t->id, line ? line : got ? "not a date" : "none",
                  want ? want : "none (the plan's)");
        return tc_err_hint(e, "plan again from the reconciliation: a fund's cutover is the "
                              "reconciliation's, never the plan's own");
    }
    t->cutover = want;
    t->cutper = x->cutper;
    int64_t d;
    if (want && tc_date_parse(want, strlen(want), &d))
        return tc_fail(e, TC_EINPUT, "county %s fund %s: the reconciliation's cutover '%s' is "
                       "not a date", t->county, t->fund, want);
    if (want)
        t->cutper = (int)(d / 100);
    return 0;
}

/* Signatures, ids, digests, amounts. */
static int check_plan(ex *x, tc_err *e)
{
    const tc_transfer_exec_opts *o = x->o;
    xfer_signers who;
    int rc = xfer_read(&x->plan, o->plan, TC_TRANSFER_PLAN_FORMAT, e);
    if (!rc)
        rc = xfer_plan_signers(x->plan, o->plan, o->policy, 1, &who, e);
    if (rc)
        return rc;
    x->maker = who.id[TC_ROLE_MAKER][0];
    x->checker = who.id[TC_ROLE_CHECKER][0];
    const char *pd = json_string_value(json_object_get(x->plan, "policy"));
    if (!pd || strcmp(pd, tc_policy_digest(o->policy)) != 0)
        return integrity(e, o->plan, "the plan was made under key policy %s, not under %s (%s)",
                         pd ? pd : "?", tc_policy_digest(o->policy), tc_policy_path(o->policy));
    const char *rd = json_string_value(json_object_get(x->plan, "reconciliation"));
    const char *md = json_string_value(json_object_get(x->plan, "mappings"));
    const char *cut = json_string_value(json_object_get(x->plan, "cutover"));
    x->m = o->mappings;
    if ((rc = xfer_recon_read(&x->r, o->reconciliation, e)) ||
        (rc = chart_read(&x->ch, x->m, e)))
        return rc;
    if (!rd || strcmp(rd, x->r.digest) != 0)
        return integrity(e, o->plan, "the plan was made from reconciliation %s, not %s (%s)",
                         rd ? rd : "?", x->r.digest, o->reconciliation);
    if (!md || strcmp(md, tc_mapset_digest(x->m)) != 0 || strcmp(md, x->r.mappings) != 0)
        return integrity(e, o->plan, "the plan names mapping set %s, the mapping set given is "
                         "%s%s", md ? md : "?", tc_mapset_digest(x->m), "");
    if (!cut || strcmp(cut, x->r.cutover) != 0)
        return integrity(e, o->plan, "the plan's cutover %s is not the reconciliation's %s%s",
                         cut ? cut : "?", x->r.cutover, "");
    x->cutper = atoi(cut) * 100 + atoi(cut + 5);
    json_t *ts = json_object_get(x->plan, "transfers");
    x->nt = (int)json_array_size(ts);
    x->t = calloc((size_t)x->nt + 1, sizeof(xt));
    if (!x->t)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (int i = 0; i < x->nt; i++) {
        json_t *j = json_array_get(ts, (size_t)i);
        xt *t = &x->t[i];
        t->id = json_string_value(json_object_get(j, "id"));
        t->county = json_string_value(json_object_get(j, "county"));
        t->pool = xfer_pool(j);
        t->fund = json_string_value(json_object_get(j, "fund"));
        t->kind = json_string_value(json_object_get(j, "kind"));
        t->corrects = json_string_value(json_object_get(j, "corrects"));
        if (!t->id || !t->county || !t->pool || !t->fund)
            return integrity(e, o->plan, "transfer %s lacks its id, county or fund%s%s",
                             t->id ? t->id : "?", "", "");
        if (!t->kind != !t->corrects ||
            (t->kind && strcmp(t->kind, "top-up") != 0 && strcmp(t->kind, "refund") != 0 &&
             strcmp(t->kind, "amend") != 0) ||
            (t->corrects && strlen(t->corrects) != 64))
            return integrity(e, o->plan, "transfer %s: a correcting transfer is a top-up, a "
                             "refund or an amend of a transfer it names%s%s", t->id, "", "");
        char where[160], id[65];
        snprintf(where, sizeof(where), "transfer %s", t->id);
        if ((rc = xfer_yuan(j, "amount", where, &t->amount, e)) ||
            (rc = xfer_yuan(j, "claims", where, &t->claims, e)) ||
            (rc = xfer_yuan(j, "debts", where, &t->debts, e)) ||
            (rc = xfer_yuan(j, "receivables", where, &t->recv, e)) ||
            (rc = xfer_yuan(j, "payables", where, &t->pay, e)))
            return rc;
        t->cash_new = t->amount;
        if (t->kind && ((rc = xfer_yuan(j, "cash", where, &t->cash_new, e)) ||
                        (rc = xfer_yuan(j, "moved", where, &t->moved, e))))
            return rc;
        if ((rc = t->kind ? tc_transfer_correction_id(rd, t->county, t->pool, t->fund,
                                                      t->cash_new, t->moved, id, e)
                          : tc_transfer_id(rd, t->county, t->pool, t->fund, t->amount, id, e)))
            return rc;
        if (strcmp(id, t->id) != 0)
            return integrity(e, o->plan, "transfer %s of county %s fund %s: its id is not the "
                             "one its content gives", t->id, t->county, t->fund);
        /* the reconciled figures */
        json_t *c = xfer_recon_county(&x->r, t->county, t->pool), *f, *fund = NULL;
        size_t k;
        json_array_foreach(json_object_get(c, "funds"), k, f) {
            const char *fc = json_string_value(json_object_get(f, "fund"));
            if (fc && strcmp(fc, t->fund) == 0)
                fund = f;
        }
        xfer_fig g;
        if (!fund)
            return integrity(e, o->plan, "county %s fund %s is not in the reconciliation%s",
                             t->county, t->fund, "");
        if (json_is_false(json_object_get(fund, "handed_over")))
            return integrity(e, o->plan, "county %s fund %s is not handed over: the "
                             "reconciliation keeps it (a part handover)%s", t->county, t->fund,
                             "");
        if ((rc = xfer_fund_figures(fund, t->county, &g, e)) ||
            (rc = fund_cutover(x, t, j, fund, e)))
            return rc;
        /* a split pool: the shares are the reconciliation's, to the fen */
        if ((t->nsh = xfer_split_shares(c, t->fund, &g, t->sh, e)) < 0)
            return integrity(e, o->plan, "county %s fund %s: %s", t->county, t->fund, e->msg);
        xfer_unit_counties(c, t->units, sizeof(t->units));
        json_t *want = t->nsh ? xfer_shares_json(t->sh, t->nsh) : NULL;
        int same = want ? json_equal(want, json_object_get(j, "split"))
                        : !json_object_get(j, "split");
        json_decref(want);
        if (!same || (t->nsh && t->kind))
            return integrity(e, o->plan, "county %s fund %s: the plan's split is not the "
                             "reconciliation's (transfer %s)", t->county, t->fund, t->id);
        if (g.cash != t->cash_new || g.transfer != t->cash_new)
            return integrity(e, o->plan, "county %s fund %s: the amount is not the reconciled "
                             "cash (transfer %s)", t->county, t->fund, t->id);
        if (g.claims != t->claims || g.debts != t->debts || g.receivables != t->recv ||
            g.payables != t->pay)
            return integrity(e, o->plan, "county %s fund %s: the claims, debts, receivables or "
                             "payables are not the reconciled ones (transfer %s)", t->county,
                             t->fund, t->id);
    }
    return 0;
}

/* ============================================================ the postings */

static int add_line(xt *t, const char *ledger, const char *acc, const char *county, tc_fen dr,
                    tc_fen cr, tc_err *e)
{
    if (dr < 0 || cr < 0) { /* a negative debit is a credit */
        tc_fen d = dr < 0 ? -dr : 0, c = cr < 0 ? -cr : 0;
        dr = dr < 0 ? 0 : dr;
        cr = cr < 0 ? 0 : cr;
        dr += c;
        cr += d;
    }
    if (dr == 0 && cr == 0)
        return 0;
    if (t->nlines == MAXLINES)
        return tc_fail(e, TC_EINPUT, "county %s fund %s: more than %d posting lines", t->county,
                       t->fund, MAXLINES);
    line *l = &t->lines[t->nlines++];
    l->ledger = ledger;
    snprintf(l->account, sizeof(l->account), county ? "%s/%s" : "%s", acc, county ? county : "");
    l->debit = dr;
    l->credit = cr;
    return 0;
}

/* The ledger account of the pool's fiscal bank account for t's fund (its
 * 财政专户) into acc (32 bytes); TC_EINPUT unless there is exactly one. */
static int fiscal_cash(ex *x, const xt *t, char *acc, tc_err *e)
{
    PGresult *b;
    const char *q[] = {t->county, t->fund, t->pool};
    int rc = tc_db_query(x->db, "SELECT DISTINCT account FROM tongchou.bank_account WHERE "
                                "county = $1 AND fund = $2 AND src_county = $3 AND"
                                " role = 'fiscal'", 3, q, &b,
                         "reading the fiscal bank account", e);
    if (!rc && PQntuples(b) != 1)
        rc = tc_fail(e, TC_EINPUT, "county %s pool %s fund %s: %d ledger accounts of fiscal "
                     "bank accounts, the city sub-account needs exactly one", t->county,
                     t->pool, t->fund, PQntuples(b));
    if (!rc)
        snprintf(acc, 32, "%s", PQgetvalue(b, 0, 0));
    PQclear(b);
    return rc;
}

/*
 * A correcting transfer's postings: exactly the difference between the
 * reconciled cash and what the pool's executed transfers moved (d), from
 * or back to the pool's fiscal account (财政专户), and the change of the
 * claims and debts carried over:
 *
 *   county  remit_up account             debit  d     (credit when d < 0)
 *   county  the fiscal cash account      credit d
 *   city    FISCAL/COUNTY                debit  d
 *   city    received_from_below/COUNTY   credit d
 *   city    claims/COUNTY                debit  the claims' change
 *   city    debts/COUNTY                 credit the debts' change
 *
 * The loaded balances stay as they were (a transferred county's data is not
 * replaced), so the receivables and payables carried over must not change.
 */
static int correction_lines(ex *x, xt *t, const char *remit, const char *rfb, tc_fen recv,
                            tc_fen pay, tc_err *e)
{
    /* posted before: what moved since (a later correction) changes what it
     * would compute now, so its lines are the ones that stand, and post()
     * holds its row to the plan's amount, kind and what it corrects */
    PGresult *r;
    const char *k[] = {t->county, t->id, t->fund, t->pool};
    int rc = tc_db_query(x->db, "SELECT ledger, account, debit, credit FROM tongchou.posting "
                                "WHERE county = $1 AND plan = $2 AND fund = $3 AND pool = $4 "
                                "ORDER BY line", 4, k, &r, "reading the correction's postings",
                         e);
    if (rc)
        return rc;
    int n = PQntuples(r);
    t->nlines = 0;
    for (int i = 0; i < n && !rc; i++) {
        const char *ledger = strcmp(PQgetvalue(r, i, 0), "city") == 0 ? "city" : "county";
        char acc[64];
        snprintf(acc, sizeof(acc), "%s", PQgetvalue(r, i, 1));
        rc = add_line(t, ledger, acc, NULL, strtoll(PQgetvalue(r, i, 2), NULL, 10),
                      strtoll(PQgetvalue(r, i, 3), NULL, 10), e);
    }
    PQclear(r);
    if (rc || n > 0)
        return rc;
    xfer_moved m;
    if ((rc = xfer_moved_so_far(x->db, t->county, t->pool, t->fund, t->id, &m, e)))
        return rc;
    if (strcmp(m.original, t->corrects) != 0)
        return integrity(e, x->o->plan, "transfer %s corrects transfer %s, which is not the "
                         "executed transfer of its pool and fund (%s)", t->id, t->corrects,
                         m.original[0] ? m.original : "none");
    if (m.cash != t->moved) {
        char a[TC_MONEY_BUFSZ], b[TC_MONEY_BUFSZ];
        tc_fail(e, TC_EINTEGRITY, "transfer %s was planned when the pool had moved %s; it has "
                "moved %s since: a correction moves exactly the difference", t->id,
                tc_money_format(t->moved, a), tc_money_format(m.cash, b));
        tc_err_at(e, x->o->plan, 0, 0);
        return tc_err_hint(e, "plan again from the reconciliation: what moved has changed");
    }
    tc_fen d, dc, dd;
    if (tc_money_sub(t->cash_new, m.cash, &d) || tc_money_sub(t->claims, m.claims, &dc) ||
        tc_money_sub(t->debts, m.debts, &dd))
        return tc_fail(e, TC_EINPUT, "transfer %s: the correction overflows", t->id);
    const char *kind = xfer_correction_kind(d);
    if (strcmp(kind, t->kind) != 0 || t->amount != (d < 0 ? -d : d)) {
        char a[TC_MONEY_BUFSZ], b[TC_MONEY_BUFSZ], c[TC_MONEY_BUFSZ];
        tc_fail(e, TC_EINTEGRITY, "transfer %s (%s of %s): the pool moved %s so far and is "
                "reconciled at %s: a correction moves exactly the difference", t->id, t->kind,
                tc_money_format(t->amount, a), tc_money_format(m.cash, b),
                tc_money_format(t->cash_new, c));
        tc_err_at(e, x->o->plan, 0, 0);
        return tc_err_hint(e, "plan again from the reconciliation: what moved has changed");
    }
    if (recv != t->recv || pay != t->pay)
        return integrity(e, x->o->plan, "transfer %s: the reconciled receivables or payables "
                         "are not the loaded ones the transfer carried over; a correcting "
                         "transfer carries cash, claims and debts%s%s", t->id, "", "");
    char fcash[32], acc[64];
    if ((rc = fiscal_cash(x, t, fcash, e)))
        return rc;
    snprintf(acc, sizeof(acc), "%.*s", (int)strcspn(t->fiscal, "/"), t->fiscal);
    t->nlines = 0;
    if (!(rc = add_line(t, "county", remit, NULL, d, 0, e)) &&
        !(rc = add_line(t, "county", fcash, NULL, 0, d, e)) &&
        !(rc = add_line(t, "city", acc, t->county, d, 0, e)) &&
        !(rc = add_line(t, "city", rfb, t->county, 0, d, e)) &&
        !(rc = add_line(t, "city", "claims", t->county, dc, 0, e)))
        rc = add_line(t, "city", "debts", t->county, 0, dd, e);
    return rc;
}

/* Compute t's postings from the loaded balances; the loaded cash,
 * receivables and payables must be the plan's. */
/* The loaded balances must be what the plan moves: else the data changed. */
static int loaded_as_planned(const xt *t, tc_fen cash, tc_fen recv, tc_fen pay, tc_err *e)
{
    if (cash == t->amount && recv == t->recv && pay == t->pay)
        return 0;
    char a[TC_MONEY_BUFSZ], b[TC_MONEY_BUFSZ];
    tc_fail(e, TC_EINTEGRITY, "county %s fund %s: the loaded balances give cash %s, the "
            "plan moves %s (or the receivables or payables differ)", t->county, t->fund,
            tc_money_format(cash, a), tc_money_format(t->amount, b));
    return tc_err_hint(e, "the loaded data changed since the reconciliation: reconcile "
                          "and plan again");
}

/*
 * A split pool's city side: the pool's cash leaves its county ledger once
 * (the lines before these), and each sub-ledger SUB gets its share, as the
 * reconciliation's allocation gives it:
 *
 *   city  FISCAL/SUB                 debit  the share's cash
 *   city  received_from_below/SUB    credit the share's cash
 *   city  ACCOUNT/SUB                each receivable (debit) and payable
 *                                    (credit) line of the share
 *   city  claims/SUB, debts/SUB      the share's claims and debts
 */
static int split_lines(ex *x, xt *t, const char *facc, const char *rfb, tc_fen cash, tc_fen recv,
                       tc_fen pay, tc_err *e)
{
    int rc = 0;
    for (int i = 0; i < t->nsh && !rc; i++) {
        const xfer_share *h = &t->sh[i];
        rc = add_line(t, "city", facc, h->county, h->cash, 0, e);
        if (!rc)
            rc = add_line(t, "city", rfb, h->county, 0, h->cash, e);
        for (int pass = 0; pass < 2 && !rc; pass++) {
            const json_t *l;
            size_t k;
            json_array_foreach(h->lines, k, l) {
                const char *acc = json_string_value(json_object_get(l, "account"));
                const char *role = acc ? chart_role(&x->ch, acc) : NULL;
                tc_fen v;
                if (!role || strcmp(role, pass ? "payable" : "receivable") != 0)
                    continue;
                if ((rc = xfer_yuan(l, "amount", "a line of the split", &v, e)) ||
                    (rc = add_line(t, "city", acc, h->county, pass ? 0 : v, pass ? v : 0, e)))
                    break;
            }
        }
        if (!rc)
            rc = add_line(t, "city", "claims", h->county, h->claims, 0, e);
        if (!rc)
            rc = add_line(t, "city", "debts", h->county, 0, h->debts, e);
    }
    t->cash_closing = cash;
    return rc ? rc : loaded_as_planned(t, cash, recv, pay, e);
}

static int compute_lines(ex *x, xt *t, tc_err *e)
{
    char per[16];
    snprintf(per, sizeof(per), "%d", t->cutper);
    const char *p[] = {t->county, t->fund, per, t->pool};
    PGresult *r;
    int rc = tc_db_query(x->db,
                         "SELECT account, sum(closing)::text FROM tongchou.balance b"
                         " WHERE county = $1 AND src_county = $4 AND fund = $2 AND period ="
                         "  (SELECT max(period) FROM tongchou.balance c WHERE c.county = b.county"
                         "  AND c.src_county = b.src_county AND c.fund = b.fund"
                         "  AND c.account = b.account AND c.period <= $3::int)"
                         " GROUP BY account ORDER BY account", 4, p, &r,
                         "reading the balances at cutover", e);
    if (rc)
        return rc;
    tc_fen cash = 0, recv = 0, pay = 0;
    int n = PQntuples(r);
    const char *remit = chart_account(&x->ch, "remit_up");
    const char *rfb = chart_account(&x->ch, "received_from_below");
    const char *fiscal = chart_account(&x->ch, "city_fiscal");
    if (!remit || !rfb) {
        PQclear(r);
        return tc_fail(e, TC_EINPUT, "the city chart has no account with role remit_up or "
                                     "received_from_below");
    }
    t->nlines = t->ncash = 0;
    rc = add_line(t, "county", remit, NULL, t->amount, 0, e);
    for (int pass = 0; pass < 3 && !rc; pass++)
        for (int i = 0; i < n && !rc; i++) {
            const char *acc = PQgetvalue(r, i, 0), *role = chart_role(&x->ch, acc);
            tc_fen v = strtoll(PQgetvalue(r, i, 1), NULL, 10);
            if (!role)
                continue;
            if (pass == 0 && strcmp(role, "cash") == 0) {
                if (tc_money_add(cash, v, &cash))
                    rc = tc_fail(e, TC_EINPUT, "cash overflows");
                else if (t->ncash < MAXLINES)
                    snprintf(t->cash_accounts[t->ncash++], 32, "%s", acc);
                if (!rc)
                    rc = add_line(t, "county", acc, NULL, 0, v, e);
            } else if (pass == 1 && strcmp(role, "receivable") == 0) {
                if (tc_money_add(recv, v, &recv))
                    rc = tc_fail(e, TC_EINPUT, "receivables overflow");
            } else if (pass == 2 && strcmp(role, "payable") == 0) {
                if (tc_money_add(pay, v, &pay))
                    rc = tc_fail(e, TC_EINPUT, "payables overflow");
            }
        }
    char facc[32] = "";
    if (!rc && !fiscal)   /* the chart has no city_fiscal account: the county's fiscal bank account's */
        rc = fiscal_cash(x, t, facc, e);
    else if (!rc)
        snprintf(facc, sizeof(facc), "%s", fiscal);
    if (!rc)
        snprintf(t->fiscal, sizeof(t->fiscal), "%s/%s", facc, t->county);
    if (!rc && t->nsh) {
        PQclear(r);
        return split_lines(x, t, facc, rfb, cash, recv, pay, e);
    }
    if (!rc)
        rc = add_line(t, "city", facc, t->county, t->amount, 0, e);
    if (!rc)
        rc = add_line(t, "city", rfb, t->county, 0, t->amount, e);
    for (int i = 0; i < n && !rc; i++) {
        const char *acc = PQgetvalue(r, i, 0), *role = chart_role(&x->ch, acc);
        tc_fen v = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        if (role && strcmp(role, "receivable") == 0)
            rc = add_line(t, "city", acc, t->county, v, 0, e);
    }
    for (int i = 0; i < n && !rc; i++) {
        const char *acc = PQgetvalue(r, i, 0), *role = chart_role(&x->ch, acc);
        tc_fen v = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        if (role && strcmp(role, "payable") == 0)
            rc = add_line(t, "city", acc, t->county, 0, v, e);
    }
    PQclear(r);
    if (!rc)
        rc = add_line(t, "city", "claims", t->county, t->claims, 0, e);
    if (!rc)
        rc = add_line(t, "city", "debts", t->county, 0, t->debts, e);
    if (rc)
        return rc;
    t->cash_closing = cash;
    if (t->kind)
        return correction_lines(x, t, remit, rfb, recv, pay, e);
    return loaded_as_planned(t, cash, recv, pay, e);
}

/* ============================================================ one transfer */

static const char *fen(tc_fen v, char *b)
{
    snprintf(b, 24, "%lld", (long long)v);
    return b;
}

/* Post t, or find it done (*already).  TC_EINTEGRITY when found different. */
static int post(ex *x, xt *t, int *already, tc_err *e)
{
    PGresult *r;
    char a[24], b[24], ln[16];
    const char *k[] = {t->county, t->id, t->fund, t->pool};
    int rc = tc_db_query(x->db, "SELECT amount, state, kind, coalesce(corrects, '') FROM "
                                "tongchou.transfer WHERE county = $1 AND plan = $2 AND fund = $3"
                                " AND pool = $4", 4, k, &r, "looking the transfer up", e);
    if (rc)
        return rc;
    *already = PQntuples(r) > 0;
    if (*already) {
        int same = strcmp(PQgetvalue(r, 0, 0), fen(t->amount, a)) == 0 &&
                   strcmp(PQgetvalue(r, 0, 1), "executed") == 0 &&
                   strcmp(PQgetvalue(r, 0, 2), t->kind ? t->kind : "transfer") == 0 &&
                   strcmp(PQgetvalue(r, 0, 3), t->corrects ? t->corrects : "") == 0;
        PQclear(r);
        if (same && !(rc = tc_db_query(x->db, "SELECT ledger, account, debit, credit FROM "
                                              "tongchou.posting WHERE county = $1 AND plan = $2"
                                              " AND fund = $3 ORDER BY line", 3, k, &r,
                                       "reading the transfer's postings", e))) {
            same = PQntuples(r) == t->nlines;
            for (int i = 0; same && i < t->nlines; i++) {
                const line *l = &t->lines[i];
                same = strcmp(PQgetvalue(r, i, 0), l->ledger) == 0 &&
                       strcmp(PQgetvalue(r, i, 1), l->account) == 0 &&
                       strcmp(PQgetvalue(r, i, 2), fen(l->debit, a)) == 0 &&
                       strcmp(PQgetvalue(r, i, 3), fen(l->credit, b)) == 0;
            }
            PQclear(r);
        }
        if (rc)
            return rc;
        if (!same)
            return integrity(e, x->o->plan, "transfer %s (county %s fund %s) is in the database "
                             "with other content: amount, state or postings differ", t->id,
                             t->county, t->fund);
        return 0;
    }
    PQclear(r);
    const char *cf[] = {t->fund, t->id, t->pool};
    /* a correcting transfer follows the one it corrects (correction_lines
     * checked it moves exactly the difference); a transfer is the first of
     * its pool and fund, into whatever sub-ledger */
    if (!t->kind &&
        (rc = tc_db_query(x->db, "SELECT plan FROM tongchou.transfer WHERE fund = $1 AND "
                                 "plan <> $2 AND pool = $3 AND state = 'executed'",
                          3, cf, &r, "looking for earlier transfers", e)))
        return rc;
    if (!t->kind && PQntuples(r) > 0) {
        rc = integrity(e, x->o->plan, "pool %s fund %s was already transferred by transfer %s",
                       t->pool, t->fund, PQgetvalue(r, 0, 0));
        tc_err_hint(e, "a county's surplus moves once; see tongchou.transfer");
        PQclear(r);
        return rc;
    }
    if (!t->kind)
        PQclear(r);
    const char *ins[] = {t->county, t->id, t->fund, fen(t->amount, a), x->maker, x->checker,
                         t->pool, t->kind ? t->kind : "transfer", t->corrects};
    if ((rc = tc_db_query(x->db, "INSERT INTO tongchou.transfer (county, plan, fund, amount, "
                                 "state, prepared_by, approved_by, executed_at, pool, kind,"
                                 " corrects) VALUES ($1, $2, $3, $4::bigint, 'executed', $5, $6,"
                                 " now(), $7, $8, $9)", 9, ins, NULL,
                          "recording the transfer", e)))
        return rc;
    for (int i = 0; i < t->nlines && !rc; i++) {
        const line *l = &t->lines[i];
        snprintf(ln, sizeof(ln), "%d", i + 1);
        const char *pl[] = {t->county, t->id, t->fund, ln, l->ledger, l->account,
                            fen(l->debit, a), fen(l->credit, b), t->pool};
        rc = tc_db_query(x->db, "INSERT INTO tongchou.posting (county, plan, fund, line, ledger, "
                                "account, debit, credit, pool) VALUES ($1, $2, $3, $4::int, $5,"
                                " $6, $7::bigint, $8::bigint, $9)", 9, pl, NULL,
                         "posting the transfer", e);
    }
    return rc;
}

/* ======================================================= the after-checks */

static long long value(ex *x, const char *sql, int n, const char *const *p, int *rc, tc_err *e)
{
    PGresult *r;
    if (*rc || (*rc = tc_db_query(x->db, sql, n, p, &r, "running the after-checks", e)))
        return 0;
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

/* "{ACC/COUNTY}" of t's county, or "{ACC/SUB,...}" of each sub-ledger of
 * its split, as a text[] literal (acc: "ACC/" or "ACC/COUNTY"). */
static void sub_accounts(const xt *t, const char *acc, char *out, size_t cap)
{
    int an = (int)strcspn(acc, "/");
    if (!t->nsh) {
        snprintf(out, cap, "{%.*s/%s}", an, acc, t->county);
        return;
    }
    snprintf(out, cap, "{");
    for (int k = 0; k < t->nsh; k++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%.*s/%s", k ? "," : "", an, acc,
                 t->sh[k].county);
    snprintf(out + strlen(out), cap - strlen(out), "}");
}

/* The checks of domain.md over what the database now holds; the first
 * failing one is TC_EINTEGRITY.  *out and *in get Σ out and Σ in. */
static int after_checks(ex *x, tc_fen *out, tc_fen *in, tc_err *e)
{
    int rc = 0;
    *out = *in = 0;
    for (int i = 0; i < x->nt && !rc; i++) {
        xt *t = &x->t[i];
        if (t->already)
            continue;   /* checked when it was posted; post() found it as it was */
        char accs[MAXLINES * 34] = "{";
        for (int k = 0; k < t->ncash; k++)
            snprintf(accs + strlen(accs), sizeof(accs) - strlen(accs), "%s%s", k ? "," : "",
                     t->cash_accounts[k]);
        strcat(accs, "}");
        const char *p[] = {t->county, t->fund, accs, t->pool};
        /* county cash zero: what was posted out of the cash accounts, by
         * every transfer of this pool and fund, is their closing */
        long long left = value(x, "SELECT coalesce(sum(credit - debit), 0) FROM tongchou.posting"
                                  " WHERE county = $1 AND pool = $4 AND fund = $2 AND"
                                  " ledger = 'county' AND account = ANY($3::text[])", 4, p, &rc,
                               e);
        /* the city's sub-accounts: the county's, or each sub-ledger's of a split */
        char fis[MAXLINES * 34], cla[MAXLINES * 34], deb[MAXLINES * 34];
        sub_accounts(t, t->fiscal, fis, sizeof(fis));
        sub_accounts(t, "claims/", cla, sizeof(cla));
        sub_accounts(t, "debts/", deb, sizeof(deb));
        const char *q[] = {t->county, t->fund, fis, t->pool};
        long long rose = value(x, "SELECT coalesce(sum(debit - credit), 0) FROM tongchou.posting"
                                  " WHERE county = $1 AND pool = $4 AND fund = $2 AND"
                                  " ledger = 'city' AND account = ANY($3::text[])", 4, q, &rc, e);
        const char *c[] = {t->county, t->fund, cla, t->pool};
        const char *d[] = {t->county, t->fund, deb, t->pool};
        long long cl = value(x, "SELECT coalesce(sum(debit - credit), 0) FROM tongchou.posting"
                                " WHERE county = $1 AND pool = $4 AND fund = $2 AND"
                                " ledger = 'city' AND account = ANY($3::text[])", 4, c, &rc, e);
        long long db = value(x, "SELECT coalesce(sum(credit - debit), 0) FROM tongchou.posting"
                                " WHERE county = $1 AND pool = $4 AND fund = $2 AND"
                                " ledger = 'city' AND account = ANY($3::text[])", 4, d, &rc, e);
        /* and the claims and debts again from the loaded detail records
         * (a fund with its own cutover: of the periods and years up to it;
         * a split pool's: in every sub-ledger they went to) */
        char per[16];
        snprintf(per, sizeof(per), "%d", t->cutper);
        const char *cf[] = {t->units, t->fund, t->pool, t->cutover ? per : NULL};
        long long lc = value(x, "SELECT (SELECT coalesce(sum(greatest(due - paid, 0)), 0) FROM "
                                "tongchou.contribution WHERE county = ANY($1::text[]) AND "
                                "fund = $2 AND src_county = $3 AND kind = 'employer' AND "
                                "($4::int IS NULL OR period <= $4::int)) + (SELECT "
                                "coalesce(sum(due - received), 0) FROM tongchou.subsidy WHERE "
                                "county = ANY($1::text[]) AND fund = $2 AND src_county = $3 AND "
                                "($4::int IS NULL OR year <= $4::int / 100))",
                             4, cf, &rc, e);
        long long ld = value(x, "SELECT coalesce(sum(settled - paid), 0) FROM tongchou.payable "
                                "WHERE county = ANY($1::text[]) AND fund = $2 AND src_county = $3"
                                " AND ($4::int IS NULL OR period <= $4::int)", 4, cf, &rc, e);
        for (int k = 0; k < t->nsh && !rc; k++) {   /* each share where it belongs */
            char a1[80], a2[80];
            snprintf(a1, sizeof(a1), "{%.*s/%s}", (int)strcspn(t->fiscal, "/"), t->fiscal,
                     t->sh[k].county);
            snprintf(a2, sizeof(a2), "{claims/%s}", t->sh[k].county);
            const char *qs[] = {t->county, t->fund, a1, t->pool};
            const char *qc[] = {t->county, t->fund, a2, t->pool};
            long long got = value(x, "SELECT coalesce(sum(debit - credit), 0) FROM "
                                     "tongchou.posting WHERE county = $1 AND pool = $4 AND "
                                     "fund = $2 AND ledger = 'city' AND account = "
                                     "ANY($3::text[])", 4, qs, &rc, e);
            long long gc = value(x, "SELECT coalesce(sum(debit - credit), 0) FROM "
                                    "tongchou.posting WHERE county = $1 AND pool = $4 AND "
                                    "fund = $2 AND ledger = 'city' AND account = "
                                    "ANY($3::text[])", 4, qc, &rc, e);
            char who[96];
            snprintf(who, sizeof(who), "%s (transfer %s)", t->sh[k].county, t->id);
            if (!rc && (got != t->sh[k].cash || gc != t->sh[k].claims))
                rc = integrity(e, x->o->plan, "after-check failed: county %s fund %s: "
                               "sub-ledger %s did not get exactly its share", t->county,
                               t->fund, who);
        }
        if (rc)
            break;
        if (t->kind) {
            /* a correction: the pool now stands where the reconciliation says,
             * in the county's cash and the city's sub-account alike (its
             * loaded records are the old ones, and are not checked again) */
            if (left != t->cash_new || rose != t->cash_new)
                rc = integrity(e, x->o->plan, "after-check failed: county %s fund %s: after "
                               "correcting transfer %s the pool's cash moved is not the "
                               "reconciled cash", t->county, t->fund, t->id);
            else if (cl != t->claims || db != t->debts)
                rc = integrity(e, x->o->plan, "after-check failed: county %s fund %s: the "
                               "claims or debts carried over are not the reconciled ones "
                               "(transfer %s)", t->county, t->fund, t->id);
            else if (tc_money_add(*out, left, out) || tc_money_add(*in, rose, in))
                rc = tc_fail(e, TC_EINPUT, "the plan's total overflows");
            continue;
        }
        if (lc != t->claims || ld != t->debts) {
            char a[TC_MONEY_BUFSZ], b[TC_MONEY_BUFSZ];
            rc = tc_fail(e, TC_EINTEGRITY, "after-check failed: county %s fund %s: the loaded "
                         "records give claims %s and debts %s, not the reconciled ones",
                         t->county, t->fund, tc_money_format(lc, a), tc_money_format(ld, b));
            break;
        }
        if (t->cash_closing - left != 0)
            rc = integrity(e, x->o->plan, "after-check failed: county %s fund %s: the fund's "
                           "cash is not zero after transfer %s", t->county, t->fund, t->id);
        else if (rose != t->amount)
            rc = integrity(e, x->o->plan, "after-check failed: county %s fund %s: the city "
                           "sub-account did not rise by exactly the cash (transfer %s)",
                           t->county, t->fund, t->id);
        else if (cl != t->claims || db != t->debts)
            rc = integrity(e, x->o->plan, "after-check failed: county %s fund %s: the claims or "
                           "debts carried over are not the reconciled ones (transfer %s)",
                           t->county, t->fund, t->id);
        else if (tc_money_add(*out, left, out) || tc_money_add(*in, rose, in))
            rc = tc_fail(e, TC_EINPUT, "the plan's total overflows");
    }
    if (!rc && *out != *in)
        rc = integrity(e, x->o->plan, "after-check failed: what left the counties is not what "
                       "arrived at the city%s%s%s", "", "", "");
    return rc;
}

/* ======================================================== the transaction */

/* "county|pool|type|id" strings, sorted, for comparing batch sets. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int check_batches(ex *x, tc_err *e)
{
    /* the plan's pools: those of its batches, as "county/pool" */
    json_t *pb = json_object_get(x->plan, "batches"), *b;
    size_t n = json_array_size(pb), i;
    char **want = calloc(n + 1, sizeof(char *));
    char units[16384] = "{";
    int rc = 0;
    if (!want)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    json_array_foreach(pb, i, b) {
        const char *c = json_string_value(json_object_get(b, "county"));
        const char *pool = xfer_pool(b);
        const char *t = json_string_value(json_object_get(b, "type"));
        const char *id = json_string_value(json_object_get(b, "id"));
        if (!c || !pool || !t || !id || strlen(c) != 6 || strlen(pool) != 6) {
            rc = integrity(e, x->o->plan, "a batch of the plan lacks its county, pool, type or "
                           "id%s%s%s", "", "", "");
            break;
        }
        size_t len = strlen(c) + strlen(pool) + strlen(t) + strlen(id) + 4;
        if (!(want[i] = malloc(len))) {
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
            break;
        }
        snprintf(want[i], len, "%s|%s|%s|%s", c, pool, t, id);
        char u[16];
        snprintf(u, sizeof(u), "%s/%s", c, pool);
        if (!strstr(units, u) && strlen(units) + 16 < sizeof(units))
            snprintf(units + strlen(units), sizeof(units) - strlen(units), "%s%s",
                     units[1] ? "," : "", u);
    }
    strcat(units, "}");
    for (int k = 0; !rc && k < x->nt; k++) {
        char u[16];
        snprintf(u, sizeof(u), "%s/%s", x->t[k].county, x->t[k].pool);
        if (!strstr(units, u))
            rc = integrity(e, x->o->plan, "transfer %s of county %s pool %s names no loaded "
                           "batch of its pool", x->t[k].id, x->t[k].county, x->t[k].pool);
    }
    PGresult *r = NULL;
    const char *p[] = {units};
    if (!rc)
        rc = tc_db_query(x->db, "SELECT county || '|' || pool || '|' || type || '|' || id FROM "
                                "tongchou.batch WHERE state = 'complete' AND"
                                " county || '/' || pool = ANY($1::text[]) ORDER BY 1", 1, p, &r,
                         "reading the loaded batches", e);
    if (!rc) {
        qsort(want, n, sizeof(char *), cmp_str);
        int same = (size_t)PQntuples(r) == n;
        for (i = 0; same && i < n; i++)
            same = strcmp(PQgetvalue(r, (int)i, 0), want[i]) == 0;
        if (!same) {
            tc_err_at(e, x->o->plan, 0, 0);
            rc = tc_fail(e, TC_EINTEGRITY, "the loaded batches of the plan's counties are no "
                         "longer the ones it was made from (%d loaded now, %zu in the plan)",
                         PQntuples(r), n);
            tc_err_hint(e, "reconcile what is loaded and plan again");
        }
    }
    PQclear(r);
    for (i = 0; i < n; i++)
        free(want[i]);
    free(want);
    return rc;
}

static int run_tx(ex *x, tc_transfer_exec_summary *s, tc_fen *out, tc_fen *in, tc_err *e)
{
    const char *doing = "executing the plan";
    char *body = xfer_body(x->plan);
    if (!body)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    char keys[16384] = "{";
    for (int i = 0; i < x->nt; i++)
        snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s\"%s/%s\"", i ? "," : "",
                 x->t[i].pool, x->t[i].fund);
    strcat(keys, "}");
    char digest[TC_DIGEST_TEXT_MAX];
    int rc = tc_digest_buffer(TC_DIGEST_SHA256, body, strlen(body), digest, e);
    free(body);
    const char *pl[] = {digest}, *pk[] = {keys};
    if (!rc)
        rc = tc_db_exec(x->db, "BEGIN", doing, e);
    if (!rc)
        rc = tc_db_query(x->db, "SELECT pg_advisory_xact_lock(1952674, hashtext($1))", 1, pl,
                         NULL, doing, e);
    if (!rc)
        rc = tc_db_query(x->db, "SELECT pg_advisory_xact_lock(1952675, hashtext(k)) FROM "
                                "unnest($1::text[]) k ORDER BY k", 1, pk, NULL, doing, e);
    /* inside the transaction: the reconciliation recorded and loaded, and
     * every blocking finding of every planned county waived */
    if (!rc)
        rc = xfer_guard(x->db, x->plan, x->o->plan, &x->r, x->o->reconciliation, x->o->policy,
                        x->o->audit.trail, e);
    if (!rc)
        rc = check_batches(x, e);
    for (int i = 0; i < x->nt && !rc; i++) {
        int already;
        if (!(rc = compute_lines(x, &x->t[i], e)) && !(rc = post(x, &x->t[i], &already, e))) {
            x->t[i].already = already;
            if (already)
                s->already++;
            else {
                s->posted++;
                if (tc_money_add(s->posted_total, x->t[i].amount, &s->posted_total))
                    rc = tc_fail(e, TC_EINPUT, "the total posted overflows");
            }
        }
    }
    if (!rc)
        rc = after_checks(x, out, in, e);
    if (!rc)
        rc = tc_db_exec(x->db, "COMMIT", "committing the transfers", e);
    if (rc)
        PQclear(PQexec(x->db, "ROLLBACK"));
    return rc;
}

int tc_transfer_execute(const tc_transfer_exec_opts *o, tc_transfer_exec_summary *s, tc_err *e)
{
    tc_err_clear(e);
    memset(s, 0, sizeof(*s));
    ex x = {.o = o};
    tc_signer *exe = NULL;
    tc_fen out = 0, in = 0;
    /* the executor's key first: a refused key leaves nothing done */
    int rc = 0;
    if (o->key) {
        tc_role role;
        rc = tc_signer_load(&exe, o->key, e);
        if (!rc && (!tc_policy_key(o->policy, tc_signer_id(exe), &role) ||
                    (role != TC_ROLE_MAKER && role != TC_ROLE_CHECKER)))
            rc = tc_policy_expect(o->policy, tc_signer_id(exe), TC_ROLE_CHECKER,
                                  "executing the plan (a maker or a checker of the city)", e);
        if (!rc)
            rc = tc_policy_in_force(o->policy, o->audit.trail, exe, e);
    }
    if (!rc)
        rc = check_plan(&x, e);
    if (!rc && (rc = tc_db_connect(&x.db, o->db, e)) == 0)
        rc = tc_schema_check(x.db, e);
    if (!rc)
        rc = run_tx(&x, s, &out, &in, e);
    if (!rc && o->on_result)
        for (int i = 0; i < x.nt; i++) {
            tc_transfer_result r = {x.t[i].id, x.t[i].county, x.t[i].pool, x.t[i].fund,
                                    x.t[i].kind ? x.t[i].kind : "transfer", x.t[i].amount,
                                    x.t[i].already ? TC_TRANSFER_ALREADY : TC_TRANSFER_POSTED};
            o->on_result(o->arg, &r);
        }
    if (!rc && exe) {
        char tot[512], a[TC_MONEY_BUFSZ], b[TC_MONEY_BUFSZ], c[TC_MONEY_BUFSZ];
        snprintf(tot, sizeof(tot),
                 "{\"after_checks\":\"county cash zero, city sub-accounts up by the cash, "
                 "out = in, claims and debts as reconciled: all hold\",\"in\":\"%s\","
                 "\"out\":\"%s\",\"posted\":\"%s\",\"transfers_already_done\":%d,"
                 "\"transfers_posted\":%d}",
                 tc_money_format(in, a), tc_money_format(out, b),
                 tc_money_format(s->posted_total, c), s->already, s->posted);
        const char *inp[] = {o->plan, o->reconciliation};
        tc_role role = TC_ROLE_MAKER;
        tc_policy_key(o->policy, tc_signer_id(exe), &role);
        rc = xfer_audit(&o->audit, exe, tc_role_name(role), inp, 2, NULL, 0,
                        tc_mapset_digest(x.m), tot, e);
    }
    if (x.db)
        PQfinish(x.db);
    tc_signer_free(exe);
    free(x.t);
    free(x.ch.code);
    free(x.ch.role);
    xfer_recon_free(&x.r);
    json_decref(x.plan);
    return rc;
}
