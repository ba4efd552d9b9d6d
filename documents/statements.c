/*
 * statements.c - the statements, letters and lists of each county the
 * executed plan moves (statements.h).
 *
 * Like the certificate, in two steps per document: its statement, a JSON
 * object of exactly what it prints, built from the reconciliation and
 * checked; then its sheets, laid out from the statement alone.  The
 * statement's canonical JSON is what its digest covers.
 *
 * A county's documents come from its "units": the reconciliation's county
 * entries (one per source pool; several where pools merge) that a plan
 * line moves, each with the funds moved out of it.  Only those funds are
 * stated - a part handover's kept funds are not the city's.
 *
 * Memory: the inputs, and one county's statements and documents at a
 * time.  tc_stmt_check() builds and lays out every document and drops it;
 * tc_stmt_write() does that first, so that a refusal writes nothing, then
 * builds each again, writes it and drops it.
 */
#include "documents/statements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/daxie.h"
#include "core/proc.h"
#include "documents/inputs.h"
#include "documents/sheet.h"

#define MAXU 16     /* source pools of one county */
#define MAXF 32     /* funds of one unit */

static const char *str(const json_t *o, const char *k)
{
    return tc_docin_str(o, k);
}

/* ------------------------------------------------------------------ */
/* The counties, their units and funds                                */
/* ------------------------------------------------------------------ */

typedef struct unit {
    const char *pool;
    const json_t *c;                /* the reconciliation's county entry */
    const char *funds[MAXF];
    int nfunds;
} unit;

typedef struct cty {
    const char *county, *name;
    unit u[MAXU];
    int nu;
    const char *funds[MAXF];        /* every fund moved, in the plan's order */
    int nfunds;
} cty;

static int has(const char *const *v, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

static int unit_moves(const unit *u, const char *fund)
{
    return has(u->funds, u->nfunds, fund);
}

/* The units and funds of county from the plan's lines. */
static int county_of(const tc_docin *in, const char *county, const char *plan_path, cty *c,
                     tc_err *e)
{
    memset(c, 0, sizeof(*c));
    c->county = county;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(in->plan, "transfers"), i, t) {
        const char *k = str(t, "county"), *pool = tc_docin_pool(t), *fund = str(t, "fund");
        if (!k || strcmp(k, county) != 0)
            continue;
        tc_err_at(e, plan_path, 0, 0);
        if (!pool || !fund)
            return tc_fail(e, TC_EINPUT, "transfer %zu: no fund or pool", i + 1);
        int ui = 0;
        while (ui < c->nu && strcmp(c->u[ui].pool, pool) != 0)
            ui++;
        if (ui == c->nu) {
            if (c->nu == MAXU)
                return tc_fail(e, TC_EINPUT, "county %s: more than %d source pools", county,
                               MAXU);
            const json_t *rc = tc_docin_county(in->rec, county, pool);
            if (!rc)
                return tc_fail(e, TC_EINTEGRITY, "transfer %zu: county %s pool %s is not in the "
                               "reconciliation", i + 1, county, pool);
            c->u[c->nu].pool = pool;
            c->u[c->nu].c = rc;
            c->nu++;
            if (!c->name)
                c->name = str(rc, "name");
        }
        unit *u = &c->u[ui];
        if (!tc_docin_fund(u->c, fund))
            return tc_fail(e, TC_EINTEGRITY, "transfer %zu: county %s pool %s fund %s is not in "
                           "the reconciliation", i + 1, county, pool, fund);
        if (!unit_moves(u, fund)) {
            if (u->nfunds == MAXF)
                return tc_fail(e, TC_EINPUT, "county %s: more than %d funds", county, MAXF);
            u->funds[u->nfunds++] = fund;
        }
        if (!has(c->funds, c->nfunds, fund) && c->nfunds < MAXF)
            c->funds[c->nfunds++] = fund;
    }
    if (!c->nu)
        return tc_fail(e, TC_EINPUT, "the plan moves nothing of county %s", county);
    if (!c->name)
        c->name = county;
    return 0;
}

/* A fund's cutover: its own (a part handover's earlier one), else the
 * reconciliation's. */
static const char *cutover_of(const tc_docin *in, const unit *u, const char *fund)
{
    const json_t *f = tc_docin_fund(u->c, fund);
    const char *own = f ? str(f, "cutover") : NULL;
    return own ? own : str(in->rec, "cutover");
}

/* ------------------------------------------------------------------ */
/* Checked sums                                                       */
/* ------------------------------------------------------------------ */

static int add(tc_fen *acc, tc_fen v, const char *where, tc_err *e)
{
    if (tc_money_add(*acc, v, acc))
        return tc_fail(e, TC_EINPUT, "%s: the sum overflows", where);
    return 0;
}

/* TC_EINTEGRITY unless a == b: "what" of where is not the reconciliation's. */
static int same(tc_fen a, tc_fen b, const char *where, const char *what, tc_err *e)
{
    if (a == b)
        return 0;
    char b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
    tc_fail(e, TC_EINTEGRITY, "%s: %s is %s, the reconciliation says %s: the statement would "
            "not state the reconciled figures", where, what, tc_money_format(a, b1),
            tc_money_format(b, b2));
    return tc_err_hint(e, "make the documents from the reconciliation the trail recorded, "
                          "unchanged");
}

static json_t *yuan_str(tc_fen v)
{
    char b[TC_MONEY_BUFSZ];
    return json_string(tc_money_format(v, b));
}

/* ------------------------------------------------------------------ */
/* The statements                                                     */
/* ------------------------------------------------------------------ */

/* The part every statement shares. */
static json_t *base(const tc_docin *in, const cty *c, const char *kind, const char *fund)
{
    json_t *s = json_object();
    json_object_set_new(s, "format", json_string(TC_STMT_FORMAT));
    json_object_set_new(s, "kind", json_string(kind));
    json_object_set_new(s, "county", json_string(c->county));
    json_object_set_new(s, "name", json_string(c->name));
    const char *cut = str(in->rec, "cutover");
    json_object_set_new(s, "cutover", json_string(cut ? cut : ""));
    if (fund)
        json_object_set_new(s, "fund", json_string(fund));
    json_object_set_new(s, "reconciliation", json_string(in->rec_digest));
    json_object_set_new(s, "plan", json_string(in->plan_digest));
    json_object_set_new(s, "sheets", json_array());
    return s;
}

static json_t *sheet_of(json_t *st, const unit *u, const char *cutover)
{
    json_t *sh = json_object();
    json_object_set_new(sh, "pool", json_string(u->pool));
    json_object_set_new(sh, "cutover", json_string(cutover ? cutover : ""));
    json_array_append_new(json_object_get(st, "sheets"), sh);
    return sh;
}

static json_t *line(const json_t *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "account", json_string(str(l, "account")));
    json_object_set_new(o, "name", json_string(str(l, "name")));
    json_object_set_new(o, "amount", json_string(str(l, "balance")));
    return o;
}

/* The fund's ledger, summed by class and role; the lines of each class. */
typedef struct ledger {
    tc_fen asset, liab, fund, income, expense, cash, recv, pay;
    json_t *assets, *liabs, *funds, *incomes, *expenses;
} ledger;

static void ledger_free(ledger *g)
{
    json_decref(g->assets);
    json_decref(g->liabs);
    json_decref(g->funds);
    json_decref(g->incomes);
    json_decref(g->expenses);
}

static int read_ledger(const cty *c, const unit *u, const char *fund, ledger *g, tc_err *e)
{
    memset(g, 0, sizeof(*g));
    char where[128];
    snprintf(where, sizeof(where), "reconciliation county %s pool %s fund %s", c->county,
             u->pool, fund);
    const json_t *f = tc_docin_fund(u->c, fund), *ls = json_object_get(f, "ledger");
    if (!json_is_array(ls)) {
        tc_fail(e, TC_EINPUT, "%s: no ledger (the balances the statements print)", where);
        return tc_err_hint(e, "reconcile again with this version of tongchou, which records "
                              "each fund's ledger in reconciliation.json");
    }
    g->assets = json_array();
    g->liabs = json_array();
    g->funds = json_array();
    g->incomes = json_array();
    g->expenses = json_array();
    size_t i;
    json_t *l;
    int rc = 0;
    json_array_foreach(ls, i, l) {
        const char *cls = str(l, "class"), *role = str(l, "role");
        tc_fen v;
        if (!cls || !role || !str(l, "account") || !str(l, "name"))
            return tc_fail(e, TC_EINPUT, "%s: ledger line %zu: no account, name, class or role",
                           where, i + 1);
        if ((rc = tc_docin_yuan(l, "balance", 0, where, &v, e)))
            return rc;
        tc_fen *sum = NULL;
        json_t *to = NULL;
        if (strcmp(cls, "asset") == 0)
            sum = &g->asset, to = g->assets;
        else if (strcmp(cls, "liability") == 0)
            sum = &g->liab, to = g->liabs;
        else if (strcmp(cls, "fund") == 0)
            sum = &g->fund, to = g->funds;
        else if (strcmp(cls, "income") == 0)
            sum = &g->income, to = g->incomes;
        else if (strcmp(cls, "expense") == 0)
            sum = &g->expense, to = g->expenses;
        else
            return tc_fail(e, TC_EINPUT, "%s: ledger line %zu: class '%s'", where, i + 1, cls);
        if ((rc = add(sum, v, where, e)))
            return rc;
        json_array_append_new(to, line(l));
        if (strcmp(role, "cash") == 0)
            rc = add(&g->cash, v, where, e);
        else if (strcmp(role, "receivable") == 0)
            rc = add(&g->recv, v, where, e);
        else if (strcmp(role, "payable") == 0)
            rc = add(&g->pay, v, where, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* 资产负债表 of fund in each unit that moves it. */
static int balance_statement(const tc_docin *in, const cty *c, const char *fund, json_t *st,
                             tc_err *e)
{
    for (int k = 0; k < c->nu; k++) {
        const unit *u = &c->u[k];
        if (!unit_moves(u, fund))
            continue;
        ledger g;
        int rc = read_ledger(c, u, fund, &g, e);
        const json_t *f = tc_docin_fund(u->c, fund);
        char where[128];
        snprintf(where, sizeof(where), "county %s pool %s fund %s: the balance sheet", c->county,
                 u->pool, fund);
        tc_fen cash = 0, recv = 0, pay = 0, net = 0, surplus = 0, tfund = g.fund, total = g.liab;
        if (!rc && (tc_money_sub(g.income, g.expense, &surplus) ||
                    tc_money_add(tfund, surplus, &tfund) || tc_money_add(total, tfund, &total)))
            rc = tc_fail(e, TC_EINPUT, "%s: the sum overflows", where);
        if (!rc && g.asset != total) {
            char b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
            tc_fail(e, TC_EINTEGRITY, "%s does not balance: 资产合计 %s, 负债和基金合计 %s",
                    where, tc_money_format(g.asset, b1), tc_money_format(total, b2));
            rc = tc_err_hint(e, "a ledger whose assets are not its liabilities and fund is not "
                                "one to hand over: see the reconciliation's EQUATION_BREAK");
        }
        if (!rc)
            rc = tc_docin_yuan(f, "cash", 0, where, &cash, e);
        if (!rc)
            rc = tc_docin_yuan(f, "ledger_receivables", 0, where, &recv, e);
        if (!rc)
            rc = tc_docin_yuan(f, "ledger_payables", 0, where, &pay, e);
        if (!rc)
            rc = tc_docin_yuan(f, "net_assets", 0, where, &net, e);
        if (!rc && !(rc = same(g.cash, cash, where, "the cash", e)) &&
            !(rc = same(g.recv, recv, where, "the receivables", e)) &&
            !(rc = same(g.pay, pay, where, "the payables", e)))
            rc = same(tfund, net, where, "基金结余合计 (the net assets)", e);
        if (rc) {
            ledger_free(&g);
            return rc;
        }
        json_t *sh = sheet_of(st, u, cutover_of(in, u, fund));
        json_object_set(sh, "assets", g.assets);
        json_object_set(sh, "liabilities", g.liabs);
        json_object_set(sh, "fund", g.funds);
        json_object_set_new(sh, "surplus", yuan_str(surplus));
        json_object_set_new(sh, "total_assets", yuan_str(g.asset));
        json_object_set_new(sh, "total_liabilities", yuan_str(g.liab));
        json_object_set_new(sh, "total_fund", yuan_str(tfund));
        json_object_set_new(sh, "total", yuan_str(total));
        ledger_free(&g);
    }
    return 0;
}

/* 收支表 of fund in each unit that moves it. */
static int income_statement(const tc_docin *in, const cty *c, const char *fund, json_t *st,
                            tc_err *e)
{
    for (int k = 0; k < c->nu; k++) {
        const unit *u = &c->u[k];
        if (!unit_moves(u, fund))
            continue;
        ledger g;
        int rc = read_ledger(c, u, fund, &g, e);
        char where[128];
        snprintf(where, sizeof(where), "county %s pool %s fund %s: the income statement",
                 c->county, u->pool, fund);
        tc_fen surplus = 0, closing = 0, net = 0;
        if (!rc && (tc_money_sub(g.income, g.expense, &surplus) ||
                    tc_money_add(g.fund, surplus, &closing)))
            rc = tc_fail(e, TC_EINPUT, "%s: the sum overflows", where);
        if (!rc)
            rc = tc_docin_yuan(tc_docin_fund(u->c, fund), "net_assets", 0, where, &net, e);
        if (!rc)
            rc = same(closing, net, where, "期末滚存结余 (the net assets)", e);
        if (rc) {
            ledger_free(&g);
            return rc;
        }
        json_t *sh = sheet_of(st, u, cutover_of(in, u, fund));
        json_object_set(sh, "income", g.incomes);
        json_object_set(sh, "expense", g.expenses);
        json_object_set_new(sh, "total_income", yuan_str(g.income));
        json_object_set_new(sh, "total_expense", yuan_str(g.expense));
        json_object_set_new(sh, "surplus", yuan_str(surplus));
        json_object_set_new(sh, "opening", yuan_str(g.fund));
        json_object_set_new(sh, "closing", yuan_str(closing));
        ledger_free(&g);
    }
    return 0;
}

static const char *const KINDS4[4] = {"received_not_booked", "paid_not_booked",
                                      "booked_not_received", "booked_not_paid"};

/* The bank statements of the funds moved: 余额调节表 (letters 0) or the
 * banks' 询证函 (letters 1), a sheet each. */
static int bank_statement(const tc_docin *in, const cty *c, int letters, json_t *st, tc_err *e)
{
    for (int k = 0; k < c->nu; k++) {
        const unit *u = &c->u[k];
        size_t i;
        json_t *b;
        json_array_foreach(json_object_get(u->c, "bank"), i, b) {
            const char *fund = str(b, "fund"), *acct = str(b, "account");
            if (!fund || !acct || !unit_moves(u, fund))
                continue;
            char where[160];
            snprintf(where, sizeof(where), "county %s pool %s bank account %s", c->county,
                     u->pool, acct);
            tc_fen ledger, stmt, adj, s[4], items[4] = {0, 0, 0, 0};
            int rc = tc_docin_yuan(b, "ledger", 0, where, &ledger, e);
            if (!rc)
                rc = tc_docin_yuan(b, "statement", 0, where, &stmt, e);
            if (!rc)
                rc = tc_docin_yuan(b, "adjusted", 0, where, &adj, e);
            for (int q = 0; q < 4 && !rc; q++)
                rc = tc_docin_yuan(b, KINDS4[q], 0, where, &s[q], e);
            if (rc)
                return rc;
            json_t *sh = sheet_of(st, u, cutover_of(in, u, fund));
            json_object_set_new(sh, "account", json_string(acct));
            json_object_set_new(sh, "bank", json_string(str(b, "bank") ? str(b, "bank") : ""));
            json_object_set_new(sh, "fund", json_string(fund));
            json_object_set_new(sh, "role", json_string(str(b, "role") ? str(b, "role") : ""));
            if (letters) {
                json_object_set_new(sh, "balance", yuan_str(stmt));
                continue;
            }
            /* ledger + received - paid = adjusted = statement + booked
             * received - booked paid (domain.md, the bank reconciliation
             * statement) */
            tc_fen al, ab, diff;
            if (tc_money_add(ledger, s[0], &al) || tc_money_sub(al, s[1], &al) ||
                tc_money_add(stmt, s[2], &ab) || tc_money_sub(ab, s[3], &ab) ||
                tc_money_sub(al, ab, &diff))
                return tc_fail(e, TC_EINPUT, "%s: the sum overflows", where);
            if ((rc = same(al, adj, where, "the adjusted ledger balance", e)))
                return rc;
            json_t *its = json_array(), *x;
            size_t j;
            json_object_set_new(sh, "items", its);
            json_array_foreach(json_object_get(b, "items"), j, x) {
                const char *kind = str(x, "kind");
                int q = 0;
                while (q < 4 && (!kind || strcmp(kind, KINDS4[q]) != 0))
                    q++;
                tc_fen v;
                if (q == 4)
                    return tc_fail(e, TC_EINPUT, "%s: item %zu: kind '%s'", where, j + 1,
                                   kind ? kind : "?");
                if ((rc = tc_docin_yuan(x, "amount", 0, where, &v, e)) ||
                    (rc = add(&items[q], v, where, e)))
                    return rc;
                json_t *o = json_object();
                json_object_set_new(o, "kind", json_string(kind));
                json_object_set_new(o, "date", json_string(str(x, "date") ? str(x, "date") : ""));
                json_object_set_new(o, "ref", json_string(str(x, "ref") ? str(x, "ref") : ""));
                json_object_set_new(o, "amount", yuan_str(v));
                json_array_append_new(its, o);
            }
            for (int q = 0; q < 4 && !rc; q++)
                rc = same(items[q], s[q], where, KINDS4[q], e);
            if (rc)
                return rc;
            json_object_set_new(sh, "account_code", json_string(str(b, "ledger_account")
                                                                ? str(b, "ledger_account") : ""));
            json_object_set_new(sh, "ledger", yuan_str(ledger));
            json_object_set_new(sh, "statement", yuan_str(stmt));
            for (int q = 0; q < 4; q++)
                json_object_set_new(sh, KINDS4[q], yuan_str(s[q]));
            json_object_set_new(sh, "adjusted_ledger", yuan_str(al));
            json_object_set_new(sh, "adjusted_bank", yuan_str(ab));
            json_object_set_new(sh, "difference", yuan_str(diff));
        }
    }
    return 0;
}

/* A schedule's rows of the funds moved, checked against the funds'
 * figures: sum[k] of column cols[k] per fund must be the fund's figure
 * figs[k] (when the schedule lists every row). */
typedef struct sched {
    const char *name;               /* employer_arrears, subsidy_shortfall, ... */
    const char *const *cols;        /* the row's amounts */
    const char *const *figs;        /* the fund's figures they add up to (NULL: none) */
    int ncols;
} sched;

static const char *const ARR_COLS[] = {"arrears", "0-3", "4-12", "13+"};
static const char *const ARR_FIGS[] = {"employer_arrears", "arrears_aging.0-3",
                                       "arrears_aging.4-12", "arrears_aging.13+"};
static const char *const SUB_COLS[] = {"due", "received", "shortfall"};
static const char *const SUB_FIGS[] = {NULL, NULL, "subsidy_shortfall"};
static const char *const INST_COLS[] = {"settled", "paid", "payable"};
static const char *const INST_FIGS[] = {NULL, NULL, "institution_payables"};
static const sched ARREARS = {"employer_arrears", ARR_COLS, ARR_FIGS, 4};
static const sched SUBSIDY = {"subsidy_shortfall", SUB_COLS, SUB_FIGS, 3};
static const sched INST = {"institution_payables", INST_COLS, INST_FIGS, 3};

static int fund_figure(const json_t *f, const char *path, const char *where, tc_fen *v,
                       tc_err *e)
{
    const char *dot = strchr(path, '.');
    if (!dot)
        return tc_docin_yuan(f, path, 0, where, v, e);
    char k[64];
    snprintf(k, sizeof(k), "%.*s", (int)(dot - path), path);
    return tc_docin_yuan(json_object_get(f, k), dot + 1, 0, where, v, e);
}

/* The rows of unit u's schedule s for the funds moved into *rows (a new
 * array, each row's text keys and amounts copied), checked.  *complete is
 * 0 when the reconciliation lists fewer rows than there are (the employer
 * arrears past its first 10,000), *count the rows there are. */
static int schedule_rows(const cty *c, const unit *u, const sched *s, json_t **rows,
                         int *complete, long long *count, tc_err *e)
{
    *rows = json_array();
    const json_t *sc = json_object_get(u->c, "schedules");
    char where[160];
    snprintf(where, sizeof(where), "county %s pool %s schedule %s", c->county, u->pool, s->name);
    tc_fen sums[MAXF][4];
    memset(sums, 0, sizeof(sums));
    size_t i;
    json_t *r;
    long long n = 0;
    json_array_foreach(json_object_get(sc, s->name), i, r) {
        const char *fund = str(r, "fund");
        int fi = 0;
        while (fi < u->nfunds && (!fund || strcmp(u->funds[fi], fund) != 0))
            fi++;
        n++;
        if (fi == u->nfunds)
            continue;
        json_t *o = json_object();
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)r, key, v)
            if (json_is_string(v))
                json_object_set_new(o, key, json_string(json_string_value(v)));
        int rc = 0;
        for (int k = 0; k < s->ncols && !rc; k++) {
            tc_fen x;
            if (!(rc = tc_docin_yuan(r, s->cols[k], 0, where, &x, e))) {
                rc = add(&sums[fi][k], x, where, e);
                tc_docin_put_yuan(o, s->cols[k], x);
            }
        }
        json_array_append_new(*rows, o);
        if (rc)
            return rc;
    }
    json_t *total = json_object_get(sc, "employer_arrears_rows");
    *count = n;
    *complete = 1;
    if (s == &ARREARS && json_is_integer(total) && json_integer_value(total) > n) {
        *count = json_integer_value(total);
        *complete = 0;
        return 0;   /* the sums cover rows the document does not have */
    }
    for (int fi = 0; fi < u->nfunds; fi++) {
        const json_t *f = tc_docin_fund(u->c, u->funds[fi]);
        char w2[200];
        snprintf(w2, sizeof(w2), "county %s pool %s fund %s: the schedule %s", c->county, u->pool,
                 u->funds[fi], s->name);
        for (int k = 0; k < s->ncols; k++) {
            if (!s->figs[k])
                continue;
            tc_fen want;
            int rc = fund_figure(f, s->figs[k], w2, &want, e);
            if (!rc)
                rc = same(sums[fi][k], want, w2, s->figs[k], e);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* The lists (arrears, subsidy): a sheet per unit with its rows and
 * totals.  Letters (confirm-institution, confirm-employer): a sheet per
 * addressee, its rows grouped by the addressee's key. */
static int schedule_statement(const tc_docin *in, const cty *c, const sched *s, const char *key,
                              int positive, json_t *st, tc_err *e)
{
    for (int k = 0; k < c->nu; k++) {
        const unit *u = &c->u[k];
        json_t *rows;
        int complete;
        long long count;
        int rc = schedule_rows(c, u, s, &rows, &complete, &count, e);
        if (rc) {
            json_decref(rows);
            return rc;
        }
        const char *cut = cutover_of(in, u, u->funds[0]);
        const char *amt = s->cols[s->ncols == 4 ? 0 : 2];   /* arrears, shortfall, payable */
        if (!key) {   /* a list */
            json_t *sh = sheet_of(st, u, cut), *kept = json_array();
            tc_fen tot[4] = {0, 0, 0, 0};
            size_t i;
            json_t *r;
            json_array_foreach(rows, i, r) {
                if (positive && tc_docin_fen(r, amt) == 0)
                    continue;
                for (int q = 0; q < s->ncols && !rc; q++)
                    rc = add(&tot[q], tc_docin_fen(r, s->cols[q]), "the list's total", e);
                json_array_append(kept, r);
            }
            json_object_set_new(sh, "rows", kept);
            json_t *t = json_object();
            for (int q = 0; q < s->ncols; q++)
                tc_docin_put_yuan(t, s->cols[q], tot[q]);
            json_object_set_new(sh, "total", t);
            json_object_set_new(sh, "listed", json_integer((json_int_t)json_array_size(kept)));
            if (!complete)
                json_object_set_new(sh, "schedule_rows", json_integer(count));
            json_decref(rows);
            if (rc)
                return rc;
            continue;
        }
        /* letters: rows are in (key, fund) order; one sheet per key */
        json_t *sh = NULL;
        tc_fen tot[4] = {0, 0, 0, 0};
        size_t i;
        json_t *r;
        const char *cur = NULL;
        json_array_foreach(rows, i, r) {
            if (positive && tc_docin_fen(r, amt) <= 0)
                continue;
            const char *who = str(r, key);
            if (!who)
                continue;
            if (!cur || strcmp(cur, who) != 0) {
                if (sh) {
                    json_t *t = json_object();
                    for (int q = 0; q < s->ncols; q++)
                        tc_docin_put_yuan(t, s->cols[q], tot[q]);
                    json_object_set_new(sh, "total", t);
                }
                memset(tot, 0, sizeof(tot));
                sh = sheet_of(st, u, cut);
                json_object_set_new(sh, "to", json_string(who));
                if (str(r, "name"))
                    json_object_set_new(sh, "to_name", json_string(str(r, "name")));
                json_object_set_new(sh, "rows", json_array());
                cur = who;
            }
            for (int q = 0; q < s->ncols && !rc; q++)
                rc = add(&tot[q], tc_docin_fen(r, s->cols[q]), "the letter's total", e);
            json_array_append(json_object_get(sh, "rows"), r);
        }
        if (sh) {
            json_t *t = json_object();
            for (int q = 0; q < s->ncols; q++)
                tc_docin_put_yuan(t, s->cols[q], tot[q]);
            json_object_set_new(sh, "total", t);
        }
        json_decref(rows);
        if (rc)
            return rc;
    }
    return 0;
}

/* The kinds, in the order a county's documents are written. */
enum { K_BALANCE, K_INCOME, K_BANK, K_CONF_BANK, K_CONF_INST, K_CONF_EMP, K_ARREARS, K_SUBSIDY,
       NKINDS };
static const char *const KIND[NKINDS] = {"balance", "income", "bank", "confirm-bank",
                                         "confirm-institution", "confirm-employer", "arrears",
                                         "subsidy"};

static int kind_index(const char *k)
{
    for (int i = 0; i < NKINDS; i++)
        if (k && strcmp(k, KIND[i]) == 0)
            return i;
    return -1;
}

/* The statement of kind (and fund) of county c; *out NULL when the
 * document has no sheet (letters no one is to get). */
static int statement(const tc_docin *in, const cty *c, int kind, const char *fund, json_t **out,
                     char *digest, tc_err *e)
{
    *out = NULL;
    json_t *st = base(in, c, KIND[kind], fund);
    int rc;
    switch (kind) {
    case K_BALANCE: rc = balance_statement(in, c, fund, st, e); break;
    case K_INCOME: rc = income_statement(in, c, fund, st, e); break;
    case K_BANK: rc = bank_statement(in, c, 0, st, e); break;
    case K_CONF_BANK: rc = bank_statement(in, c, 1, st, e); break;
    case K_CONF_INST: rc = schedule_statement(in, c, &INST, "institution", 1, st, e); break;
    case K_CONF_EMP: rc = schedule_statement(in, c, &ARREARS, "payer", 1, st, e); break;
    case K_ARREARS: rc = schedule_statement(in, c, &ARREARS, NULL, 1, st, e); break;
    default: rc = schedule_statement(in, c, &SUBSIDY, NULL, 1, st, e); break;
    }
    if (!rc && json_array_size(json_object_get(st, "sheets")) == 0) {
        json_decref(st);
        return 0;
    }
    if (!rc)
        rc = tc_docin_digest(st, digest, e);
    if (rc) {
        json_decref(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The sheets                                                         */
/* ------------------------------------------------------------------ */

static const char *const TITLE[NKINDS] = {"资产负债表", "收支表", "银行存款余额调节表",
                                          "银行询证函", "定点医药机构询证函", "欠费单位询证函",
                                          "用人单位欠缴基金明细表", "财政补助欠拨明细表"};

static const char *level_zh(const char *l)
{
    static const char *const m[][2] = {{"central", "中央"}, {"province", "省级"},
                                       {"city", "市级"}, {"county", "县级"}};
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (l && strcmp(l, m[i][0]) == 0)
            return m[i][1];
    return l ? l : "";
}

static const char *role_zh(const char *r)
{
    static const char *const m[][2] = {{"income", "收入户"}, {"expense", "支出户"},
                                       {"fiscal", "财政专户"}, {"cash", "现金"}};
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (r && strcmp(r, m[i][0]) == 0)
            return m[i][1];
    return r ? r : "";
}

typedef struct lay {
    tc_doc *doc;
    const json_t *st;
    const char *digest;
    tc_err *e;
    int part;              /* the statement's first sheet begins a part of doc */
} lay;

/* A new sheet of the document: title, 编制单位 | date | 单位：元, and a
 * second header line (left, right: the fund, the pool, the addressee). */
static int begin(lay *L, tc_sheet **out, const json_t *sh, const char *tab, const char *left2,
                 const char *right2)
{
    char b[512], date[64];
    const char *name = str(L->st, "name"), *county = str(L->st, "county");
    int kind = kind_index(str(L->st, "kind"));
    tc_sheet *s = NULL;
    int rc = tc_sheet_new(&s, TITLE[kind], L->e);
    if (!rc && (rc = (L->part ? tc_doc_add_part : tc_doc_add)(L->doc, s, L->e)))
        return rc;
    L->part = 0;
    if (rc)
        return rc;
    snprintf(b, sizeof(b), "编制单位：%s（%s）", name, county);
    if ((tab && (rc = tc_sheet_set_tab(s, tab, L->e))) ||
        (rc = tc_sheet_header(s, b, tc_docin_cn_date(str(sh, "cutover"), date, sizeof(date)),
                              "单位：元", L->e)))
        return rc;
    if ((left2 || right2) && (rc = tc_sheet_header(s, left2, NULL, right2, L->e)))
        return rc;
    *out = s;
    return 0;
}

/* The foot of every sheet: the inputs, the four signatures, the digest. */
static int end(lay *L, tc_sheet *s)
{
    static const tc_party four[] = {{"单位负责人", NULL}, {"会计主管", NULL}, {"复核", NULL},
                                    {"制表", NULL}};
    char b[512], foot[200];
    int kind = kind_index(str(L->st, "kind"));
    snprintf(b, sizeof(b), "本表数字取自审计轨迹记录的对账报告和已执行的转移计划。\n对账报告："
             "%s\n转移计划：%s", str(L->st, "reconciliation"), str(L->st, "plan"));
    snprintf(foot, sizeof(foot), "%s摘要 %s", TITLE[kind], L->digest);
    int rc;
    if ((rc = tc_sheet_paragraph(s, b, L->e)) || (rc = tc_sheet_signatures(s, four, 4, L->e)) ||
        (rc = tc_sheet_footer(s, foot, L->e)))
        return rc;
    return 0;
}

static tc_cell T(const char *s) { return tc_cell_text(s ? s : ""); }
static tc_cell A(const json_t *o, const char *k) { return tc_cell_amount(tc_docin_fen(o, k)); }

static void pool_note(const json_t *st, const json_t *sh, char *b, size_t n)
{
    if (strcmp(str(sh, "pool"), str(st, "county")) == 0)
        b[0] = 0;
    else
        snprintf(b, n, "来源统筹区 %s", str(sh, "pool"));
}

/* 资产负债表: assets on the left, liabilities and the fund on the right,
 * 资产合计 beside 负债和基金合计 on the last row. */
static int lay_balance(lay *L, const json_t *sh)
{
    static const tc_column cols[] = {{"资产", 24, TC_ALIGN_LEFT}, {"行次", 5, TC_ALIGN_CENTER},
                                     {"期末数", 17, TC_ALIGN_RIGHT},
                                     {"负债和基金", 28, TC_ALIGN_LEFT},
                                     {"行次", 5, TC_ALIGN_CENTER},
                                     {"期末数", 17, TC_ALIGN_RIGHT}};
    char fund[64], pn[64];
    snprintf(fund, sizeof(fund), "基金 %s", str(L->st, "fund"));
    pool_note(L->st, sh, pn, sizeof(pn));
    tc_sheet *s;
    int rc = begin(L, &s, sh, pn[0] ? str(sh, "pool") : NULL, fund, pn[0] ? pn : NULL);
    if (rc || (rc = tc_sheet_table(s, cols, 6, L->e)))
        return rc;
    /* the right side: liabilities, 负债合计, the fund's lines, 本期收支结余,
     * 基金结余合计, and 负债和基金合计 on the last row beside 资产合计 */
    const json_t *as = json_object_get(sh, "assets"), *ls = json_object_get(sh, "liabilities"),
                 *fs = json_object_get(sh, "fund");
    size_t na = json_array_size(as), nl = json_array_size(ls), nf = json_array_size(fs);
    size_t nright = nl + nf + 4;
    size_t nrows = nright > na + 1 ? nright : na + 1;
    for (size_t r = 0; r < nrows && !rc; r++) {
        tc_cell c[6];
        char ln[16], rn[16];
        int last = r == nrows - 1;
        c[0] = c[1] = c[2] = c[3] = c[4] = c[5] = tc_cell_blank();
        if (last || r < na) {
            const json_t *x = last ? NULL : json_array_get(as, r);
            snprintf(ln, sizeof(ln), "%zu", last ? na + 1 : r + 1);
            c[0] = T(last ? "资产合计" : str(x, "name"));
            c[1] = T(ln);
            c[2] = last ? A(sh, "total_assets") : A(x, "amount");
        }
        size_t k = last ? nright - 1 : r;   /* the right side's entry on this row */
        if (last || k < nright - 1) {
            snprintf(rn, sizeof(rn), "%zu", na + 2 + k);
            c[4] = T(rn);
            if (k < nl) {
                const json_t *x = json_array_get(ls, k);
                c[3] = T(str(x, "name")), c[5] = A(x, "amount");
            } else if (k == nl) {
                c[3] = T("负债合计"), c[5] = A(sh, "total_liabilities");
            } else if (k <= nl + nf) {
                const json_t *x = json_array_get(fs, k - nl - 1);
                c[3] = T(str(x, "name")), c[5] = A(x, "amount");
            } else if (k == nl + nf + 1) {
                c[3] = T("本期收支结余"), c[5] = A(sh, "surplus");
            } else if (k == nl + nf + 2) {
                c[3] = T("基金结余合计"), c[5] = A(sh, "total_fund");
            } else {
                c[3] = T("负债和基金合计"), c[5] = A(sh, "total");
            }
        }
        rc = tc_sheet_row(s, last ? TC_ROW_TOTAL : 0, c, 6, L->e);
    }
    if (!rc)
        rc = tc_sheet_paragraph(s, "基金结余：一般基金结余科目（统筹基金、个人账户）于移交基准日的余额；"
                                "本期收支结余：本年收入类科目减支出类科目的累计数，年终结账前尚未"
                                "转入基金结余。", L->e);
    return rc ? rc : end(L, s);
}

static int lay_income(lay *L, const json_t *sh)
{
    static const tc_column cols[] = {{"项目", 40, TC_ALIGN_LEFT}, {"行次", 6, TC_ALIGN_CENTER},
                                     {"本年累计数", 20, TC_ALIGN_RIGHT}};
    char fund[64], pn[64], no[16], lab[256];
    snprintf(fund, sizeof(fund), "基金 %s", str(L->st, "fund"));
    pool_note(L->st, sh, pn, sizeof(pn));
    tc_sheet *s;
    int rc = begin(L, &s, sh, pn[0] ? str(sh, "pool") : NULL, fund, pn[0] ? pn : NULL);
    if (rc || (rc = tc_sheet_table(s, cols, 3, L->e)))
        return rc;
    int n = 0;
#define ROW(flags, label, amount)                                                    \
    do {                                                                             \
        snprintf(no, sizeof(no), "%d", ++n);                                         \
        tc_cell c_[3] = {T(label), T(no), amount};                                   \
        if ((rc = tc_sheet_row(s, flags, c_, 3, L->e)))                              \
            return rc;                                                               \
    } while (0)
    const char *parts[2] = {"income", "expense"};
    const char *heads[2] = {"一、收入", "二、支出"};
    const char *totals[2][2] = {{"收入合计", "total_income"}, {"支出合计", "total_expense"}};
    for (int p = 0; p < 2; p++) {
        tc_cell h[3] = {T(heads[p]), tc_cell_blank(), tc_cell_blank()};
        if ((rc = tc_sheet_row(s, 0, h, 3, L->e)))
            return rc;
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(sh, parts[p]), i, x) {
            snprintf(lab, sizeof(lab), "　%s", str(x, "name"));
            ROW(0, lab, A(x, "amount"));
        }
        ROW(TC_ROW_TOTAL, totals[p][0], A(sh, totals[p][1]));
    }
    ROW(0, "三、本期收支结余", A(sh, "surplus"));
    ROW(0, "四、期初滚存结余", A(sh, "opening"));
    ROW(TC_ROW_TOTAL, "五、期末滚存结余", A(sh, "closing"));
#undef ROW
    rc = tc_sheet_paragraph(s, "本年累计数：收入类、支出类科目自本年初至移交基准日的累计发生数。"
                               "期初滚存结余：一般基金结余科目于移交基准日的余额（本年收支年终结账"
                               "前尚未转入）。期末滚存结余等于对账报告的基金净资产。", L->e);
    return rc ? rc : end(L, s);
}

static int lay_bank(lay *L, const json_t *sh)
{
    static const tc_column cols[] = {{"项目", 26, TC_ALIGN_LEFT}, {"金额", 17, TC_ALIGN_RIGHT},
                                     {"项目", 26, TC_ALIGN_LEFT}, {"金额", 17, TC_ALIGN_RIGHT}};
    char l2[256], r2[256], tab[64];
    snprintf(l2, sizeof(l2), "开户银行：%s　账号：%s", str(sh, "bank"), str(sh, "account"));
    snprintf(r2, sizeof(r2), "基金 %s %s（科目 %s）", str(sh, "fund"), role_zh(str(sh, "role")),
             str(sh, "account_code"));
    snprintf(tab, sizeof(tab), "%.31s", str(sh, "account"));
    tc_sheet *s;
    int rc = begin(L, &s, sh, tab, l2, r2);
    if (rc || (rc = tc_sheet_table(s, cols, 4, L->e)))
        return rc;
    tc_cell r[4][4] = {
        {T("单位银行存款日记账余额"), A(sh, "ledger"), T("银行对账单余额"), A(sh, "statement")},
        {T("加：银行已收、单位未收"), A(sh, "received_not_booked"), T("加：单位已收、银行未收"),
         A(sh, "booked_not_received")},
        {T("减：银行已付、单位未付"), A(sh, "paid_not_booked"), T("减：单位已付、银行未付"),
         A(sh, "booked_not_paid")},
        {T("调节后的存款余额"), A(sh, "adjusted_ledger"), T("调节后的存款余额"),
         A(sh, "adjusted_bank")}};
    for (int i = 0; i < 4 && !rc; i++)
        rc = tc_sheet_row(s, i == 3 ? TC_ROW_TOTAL : 0, r[i], 4, L->e);
    if (rc)
        return rc;
    tc_fen diff = tc_docin_fen(sh, "difference");
    if (diff) {
        char b[256], m[TC_MONEY_BUFSZ];
        snprintf(b, sizeof(b), "调节后余额不符，差额 %s 元：见对账报告的 BANK_UNRECONCILED 发现。",
                 tc_money_format(diff, m));
        rc = tc_sheet_paragraph(s, b, L->e);
    } else {
        rc = tc_sheet_paragraph(s, "调节后余额相符。", L->e);
    }
    const json_t *its = json_object_get(sh, "items");
    if (!rc && json_array_size(its)) {
        static const tc_column ic[] = {{"未达账项", 24, TC_ALIGN_LEFT},
                                       {"日期", 12, TC_ALIGN_LEFT},
                                       {"凭证号或银行流水号", 28, TC_ALIGN_LEFT},
                                       {"金额", 17, TC_ALIGN_RIGHT}};
        static const char *const zh[4] = {"银行已收、单位未收", "银行已付、单位未付",
                                          "单位已收、银行未收", "单位已付、银行未付"};
        rc = tc_sheet_table(s, ic, 4, L->e);
        size_t i;
        json_t *x;
        json_array_foreach(its, i, x) {
            if (rc)
                break;
            int q = 0;
            while (q < 4 && strcmp(str(x, "kind"), KINDS4[q]) != 0)
                q++;
            tc_cell c[4] = {T(q < 4 ? zh[q] : str(x, "kind")), T(str(x, "date")),
                            T(str(x, "ref")), A(x, "amount")};
            rc = tc_sheet_row(s, 0, c, 4, L->e);
        }
    }
    return rc ? rc : end(L, s);
}

/* The reply slip under a letter. */
static int reply_slip(lay *L, tc_sheet *s, const char *who)
{
    static const tc_party reply[] = {{"被询证单位（盖章）", NULL}, {"经办人", NULL}};
    char b[512];
    snprintf(b, sizeof(b), "—————————— 回　执 ——————————\n致 %s（%s）：\n"
             "1. 信息证明无误。\n2. 信息不符，请列明不符项目及具体内容：", str(L->st, "name"),
             str(L->st, "county"));
    (void)who;
    int rc = tc_sheet_paragraph(s, b, L->e);
    return rc ? rc : tc_sheet_signatures(s, reply, 2, L->e);
}

static int letter_text(lay *L, tc_sheet *s, const json_t *sh, const char *to, const char *what)
{
    char b[1536], date[64];
    snprintf(b, sizeof(b), "%s：\n本单位基本医疗保险基金于%s移交市级统筹管理。按照基金移交的要求，"
             "现函证截至该日%s。下列数据出自审计轨迹记录的对账报告，如与贵单位记录相符，请在本函"
             "回执“信息证明无误”处签章证明；如有不符，请在“信息不符”处列明不符项目及金额。回函"
             "请直接寄至市医疗保障局基金移交工作组。本函仅为核对账目之用，并非催款结算。",
             to, tc_docin_cn_date(str(sh, "cutover"), date, sizeof(date)), what);
    return tc_sheet_paragraph(s, b, L->e);
}

static int lay_conf_bank(lay *L, const json_t *sh)
{
    static const tc_column cols[] = {{"银行账号", 22, TC_ALIGN_LEFT}, {"账户用途", 16, TC_ALIGN_LEFT},
                                     {"余额", 17, TC_ALIGN_RIGHT},
                                     {"大写金额", 36, TC_ALIGN_LEFT}};
    char to[256], use[96], tab[64];
    snprintf(to, sizeof(to), "致 %s", str(sh, "bank")[0] ? str(sh, "bank") : "开户银行");
    snprintf(use, sizeof(use), "基金 %s %s", str(sh, "fund"), role_zh(str(sh, "role")));
    snprintf(tab, sizeof(tab), "%.31s", str(sh, "account"));
    tc_sheet *s;
    int rc = begin(L, &s, sh, tab, to, NULL);
    if (rc || (rc = letter_text(L, s, sh, to + 4, "本单位在贵行开立账户的余额")) ||
        (rc = tc_sheet_table(s, cols, 4, L->e)))
        return rc;
    tc_cell c[4] = {T(str(sh, "account")), T(use), A(sh, "balance"),
                    tc_cell_daxie(tc_docin_fen(sh, "balance"))};
    if ((rc = tc_sheet_row(s, 0, c, 4, L->e)) || (rc = end(L, s)))
        return rc;
    return reply_slip(L, s, to);
}

static int lay_conf_inst(lay *L, const json_t *sh)
{
    static const tc_column cols[] = {{"基金", 10, TC_ALIGN_LEFT}, {"已结算", 17, TC_ALIGN_RIGHT},
                                     {"已支付", 17, TC_ALIGN_RIGHT},
                                     {"应付未付", 17, TC_ALIGN_RIGHT}};
    char to[320], tab[64];
    snprintf(to, sizeof(to), "致 %s（%s）", str(sh, "to_name") ? str(sh, "to_name") : "",
             str(sh, "to"));
    snprintf(tab, sizeof(tab), "%.31s", str(sh, "to"));
    tc_sheet *s;
    int rc = begin(L, &s, sh, tab, to, NULL);
    if (rc || (rc = letter_text(L, s, sh, to + 4, "本单位应付贵单位的医疗费用（已结算未支付）")) ||
        (rc = tc_sheet_table(s, cols, 4, L->e)))
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(sh, "rows"), i, r) {
        tc_cell c[4] = {T(str(r, "fund")), A(r, "settled"), A(r, "paid"), A(r, "payable")};
        if ((rc = tc_sheet_row(s, 0, c, 4, L->e)))
            return rc;
    }
    const json_t *t = json_object_get(sh, "total");
    tc_cell c[4] = {T("合计"), A(t, "settled"), A(t, "paid"), A(t, "payable")};
    char b[320], dx[TC_DAXIE_BUFSZ];
    tc_daxie(tc_docin_fen(t, "payable"), dx, sizeof(dx));
    snprintf(b, sizeof(b), "应付未付合计（大写）：%s", dx);
    if ((rc = tc_sheet_row(s, TC_ROW_TOTAL, c, 4, L->e)) || (rc = tc_sheet_paragraph(s, b, L->e)) ||
        (rc = end(L, s)))
        return rc;
    return reply_slip(L, s, to);
}

static int lay_conf_emp(lay *L, const json_t *sh)
{
    static const tc_column cols[] = {{"基金", 10, TC_ALIGN_LEFT}, {"欠缴金额", 17, TC_ALIGN_RIGHT},
                                     {"3个月以内", 16, TC_ALIGN_RIGHT},
                                     {"4至12个月", 16, TC_ALIGN_RIGHT},
                                     {"13个月以上", 16, TC_ALIGN_RIGHT}};
    char to[320], tab[64];
    snprintf(to, sizeof(to), "致 用人单位（统一社会信用代码 %s）", str(sh, "to"));
    snprintf(tab, sizeof(tab), "%.31s", str(sh, "to"));
    tc_sheet *s;
    int rc = begin(L, &s, sh, tab, to, NULL);
    if (rc || (rc = letter_text(L, s, sh, to + 4, "贵单位欠缴的基本医疗保险费")) ||
        (rc = tc_sheet_table(s, cols, 5, L->e)))
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(sh, "rows"), i, r) {
        tc_cell c[5] = {T(str(r, "fund")), A(r, "arrears"), A(r, "0-3"), A(r, "4-12"),
                        A(r, "13+")};
        if ((rc = tc_sheet_row(s, 0, c, 5, L->e)))
            return rc;
    }
    const json_t *t = json_object_get(sh, "total");
    tc_cell c[5] = {T("合计"), A(t, "arrears"), A(t, "0-3"), A(t, "4-12"), A(t, "13+")};
    char b[320], dx[TC_DAXIE_BUFSZ];
    tc_daxie(tc_docin_fen(t, "arrears"), dx, sizeof(dx));
    snprintf(b, sizeof(b), "欠缴合计（大写）：%s", dx);
    if ((rc = tc_sheet_row(s, TC_ROW_TOTAL, c, 5, L->e)) || (rc = tc_sheet_paragraph(s, b, L->e)) ||
        (rc = end(L, s)))
        return rc;
    return reply_slip(L, s, to);
}

static int list_note(lay *L, tc_sheet *s, const json_t *sh, const char *rest)
{
    char b[512];
    const json_t *all = json_object_get(sh, "schedule_rows");
    if (json_array_size(json_object_get(sh, "rows")) == 0)
        return tc_sheet_paragraph(s, "无。", L->e);
    if (!json_is_integer(all))
        return 0;
    snprintf(b, sizeof(b), "对账报告列出前 %lld 户，共 %lld 户；%s", (long long)json_integer_value(
             json_object_get(sh, "listed")), (long long)json_integer_value(all), rest);
    return tc_sheet_paragraph(s, b, L->e);
}

static int lay_arrears(lay *L, const json_t *sh)
{
    static const tc_column cols[] = {{"序号", 6, TC_ALIGN_RIGHT},
                                     {"统一社会信用代码", 22, TC_ALIGN_LEFT},
                                     {"基金", 6, TC_ALIGN_LEFT}, {"欠缴金额", 16, TC_ALIGN_RIGHT},
                                     {"3个月以内", 15, TC_ALIGN_RIGHT},
                                     {"4至12个月", 15, TC_ALIGN_RIGHT},
                                     {"13个月以上", 15, TC_ALIGN_RIGHT}};
    char pn[64];
    pool_note(L->st, sh, pn, sizeof(pn));
    tc_sheet *s;
    int rc = begin(L, &s, sh, pn[0] ? str(sh, "pool") : NULL, "送：税务局（征缴）",
                   pn[0] ? pn : NULL);
    if (rc || (rc = tc_sheet_table(s, cols, 7, L->e)))
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(sh, "rows"), i, r) {
        char no[16];
        snprintf(no, sizeof(no), "%zu", i + 1);
        tc_cell c[7] = {T(no), T(str(r, "payer")), T(str(r, "fund")), A(r, "arrears"),
                        A(r, "0-3"), A(r, "4-12"), A(r, "13+")};
        if ((rc = tc_sheet_row(s, 0, c, 7, L->e)))
            return rc;
    }
    const json_t *t = json_object_get(sh, "total");
    tc_cell c[7] = {T(""), T("合计"), T(""), A(t, "arrears"), A(t, "0-3"), A(t, "4-12"),
                    A(t, "13+")};
    if ((rc = tc_sheet_row(s, TC_ROW_TOTAL, c, 7, L->e)) ||
        (rc = list_note(L, s, sh, "其余见对账报告的 arrears.csv，本表合计仅为所列各户之和。")))
        return rc;
    rc = tc_sheet_paragraph(s, "账龄按所欠费款所属期至移交基准日的整月数计算。", L->e);
    return rc ? rc : end(L, s);
}

static int lay_subsidy(lay *L, const json_t *sh)
{
    static const tc_column cols[] = {{"政府层级", 10, TC_ALIGN_LEFT}, {"基金", 6, TC_ALIGN_LEFT},
                                     {"年度", 6, TC_ALIGN_LEFT}, {"应拨", 17, TC_ALIGN_RIGHT},
                                     {"实拨", 17, TC_ALIGN_RIGHT},
                                     {"欠拨", 17, TC_ALIGN_RIGHT}};
    char pn[64];
    pool_note(L->st, sh, pn, sizeof(pn));
    tc_sheet *s;
    int rc = begin(L, &s, sh, pn[0] ? str(sh, "pool") : NULL, "送：财政局", pn[0] ? pn : NULL);
    if (rc || (rc = tc_sheet_table(s, cols, 6, L->e)))
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(sh, "rows"), i, r) {
        tc_cell c[6] = {T(level_zh(str(r, "level"))), T(str(r, "fund")), T(str(r, "year")),
                        A(r, "due"), A(r, "received"), A(r, "shortfall")};
        if ((rc = tc_sheet_row(s, 0, c, 6, L->e)))
            return rc;
    }
    const json_t *t = json_object_get(sh, "total");
    tc_cell c[6] = {T("合计"), T(""), T(""), A(t, "due"), A(t, "received"), A(t, "shortfall")};
    if ((rc = tc_sheet_row(s, TC_ROW_TOTAL, c, 6, L->e)) || (rc = list_note(L, s, sh, "")))
        return rc;
    return end(L, s);
}

/* The sheets of statement st (digest d), added to doc as a part of it. */
static int layout(tc_doc *doc, const json_t *st, const char *d, tc_err *e)
{
    int kind = kind_index(str(st, "kind"));
    lay L = {doc, st, d, e, 1};
    int rc = 0;
    size_t i;
    json_t *sh;
    json_array_foreach(json_object_get(st, "sheets"), i, sh) {
        if (rc)
            break;
        switch (kind) {
        case K_BALANCE: rc = lay_balance(&L, sh); break;
        case K_INCOME: rc = lay_income(&L, sh); break;
        case K_BANK: rc = lay_bank(&L, sh); break;
        case K_CONF_BANK: rc = lay_conf_bank(&L, sh); break;
        case K_CONF_INST: rc = lay_conf_inst(&L, sh); break;
        case K_CONF_EMP: rc = lay_conf_emp(&L, sh); break;
        case K_ARREARS: rc = lay_arrears(&L, sh); break;
        default: rc = lay_subsidy(&L, sh); break;
        }
    }
    return rc;
}

/* A new document titled for statement st (each) or for the bundle of its
 * county's statements. */
static int doc_for(tc_doc **out, const json_t *st, int each, tc_err *e)
{
    char title[512];
    const char *fund = str(st, "fund");
    if (each)
        snprintf(title, sizeof(title), "%s %s（%s）%s%s", TITLE[kind_index(str(st, "kind"))],
                 str(st, "name"), str(st, "county"), fund ? " 基金 " : "", fund ? fund : "");
    else
        snprintf(title, sizeof(title), "移交报表、询证函和清单 %s（%s）", str(st, "name"),
                 str(st, "county"));
    return tc_doc_new(out, title, str(st, "cutover"), e);
}

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

/* What county_docs() does beyond building and checking the statements. */
enum { W_FILES = 1,   /* lay out the documents and write them */
       W_TELL = 2 };  /* count them and tell o->on_made */

/* A document made, until its file is written. */
typedef struct made {
    int kind;
    const char *fund;
    char digest[TC_DIGEST_TEXT_MAX];
    int sheets;
} made;

/* Write doc as DIR/COUNTY.NAME.pdf and .xlsx, and tell on_made of the n
 * documents it holds - as write says (W_*). */
static int write_doc(const tc_stmt_opts *o, const cty *c, const char *county, const tc_doc *doc,
                     const char *name, const made *m, int n, int write, tc_err *e)
{
    size_t pl = strlen(o->outdir) + strlen(county) + strlen(name) + 16;
    char *pdf = malloc(pl), *xlsx = malloc(pl);
    int rc = 0;
    if (!pdf || !xlsx) {
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    } else {
        snprintf(pdf, pl, "%s/%s.%s.pdf", o->outdir, county, name);
        snprintf(xlsx, pl, "%s/%s.%s.xlsx", o->outdir, county, name);
        if (write & W_FILES)
            rc = tc_doc_write_pdf(doc, pdf, e);
        if (!rc && (write & W_FILES))
            rc = tc_doc_write_xlsx(doc, xlsx, e);
        for (int i = 0; !rc && (write & W_TELL) && o->on_made && i < n; i++) {
            tc_stmt_made x = {county, c->name, KIND[m[i].kind], m[i].fund, pdf, xlsx,
                              m[i].digest, m[i].sheets};
            o->on_made(o->arg, &x);
        }
    }
    free(pdf);
    free(xlsx);
    return rc;
}

/* Every document of county: built, checked, and as write says written and
 * told - each in its own files (o->each), or all of them in one. */
static int county_docs(const tc_docin *in, const tc_stmt_opts *o, const char *county, int write,
                       int *n, tc_err *e)
{
    cty c;
    made m[NKINDS * MAXF];
    int nm = 0;
    tc_doc *bundle = NULL;
    int rc = county_of(in, county, o->plan, &c, e);
    for (int k = 0; !rc && k < NKINDS; k++) {
        int per_fund = k == K_BALANCE || k == K_INCOME;
        for (int fi = 0; !rc && fi < (per_fund ? c.nfunds : 1); fi++) {
            const char *fund = per_fund ? c.funds[fi] : NULL;
            json_t *st = NULL;
            made *x = &m[nm];
            tc_doc *doc = bundle;
            if ((rc = statement(in, &c, k, fund, &st, x->digest, e)) || !st)
                continue;
            x->kind = k;
            x->fund = fund;
            x->sheets = (int)json_array_size(json_object_get(st, "sheets"));
            int pages = write != W_TELL;   /* telling alone needs no pages */
            if (pages && !doc && !(rc = doc_for(&doc, st, o->each, e)) && !o->each)
                bundle = doc;
            if (!rc && pages)
                rc = layout(doc, st, x->digest, e);
            if (!rc && write && o->each) {
                char name[64];
                snprintf(name, sizeof(name), "%s%s%s", KIND[k], fund ? "." : "", fund ? fund : "");
                rc = write_doc(o, &c, county, doc, name, x, 1, write, e);
            }
            if (!rc)
                nm++;
            if (!rc && n)
                (*n)++;
            if (doc != bundle)
                tc_doc_free(doc);
            json_decref(st);
        }
    }
    if (!rc && write && !o->each && nm)
        rc = write_doc(o, &c, county, bundle, "statements", m, nm, write, e);
    tc_doc_free(bundle);
    return rc;
}

/* The counties the plan moves, once each, in the order of their first
 * lines: *out (the plan's strings), their number returned, -1 out of
 * memory. */
static long counties(const tc_docin *in, const char ***out)
{
    const json_t *t = json_object_get(in->plan, "transfers");
    size_t nt = json_array_size(t);
    long k = 0;
    const char **v = *out = malloc((nt ? nt : 1) * sizeof(*v));
    if (!v)
        return -1;
    for (size_t i = 0; i < nt; i++) {
        const char *c = str(json_array_get(t, i), "county");
        int seen = !c;
        for (long j = 0; !seen && j < k; j++)
            seen = strcmp(v[j], c) == 0;
        if (!seen)
            v[k++] = c;
    }
    return k;
}

typedef struct each_ctx {
    const tc_docin *in;
    const tc_stmt_opts *o;
    const char **county;
} each_ctx;

/* The files of county i (tc_proc_fanout). */
static int files_of(size_t i, void *arg, tc_err *e)
{
    each_ctx *x = arg;
    return county_docs(x->in, x->o, x->county[i], W_FILES, NULL, e);
}

/* Each county the plan moves, as write says: checked only (0); or its files
 * written by o->jobs processes, then every document told. */
static int each_county(const tc_docin *in, const tc_stmt_opts *o, int write, int *n, tc_err *e)
{
    const char **v;
    long k = counties(in, &v);
    if (k < 0)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    each_ctx x = {in, o, v};
    int rc = 0;
    if (write)
        rc = tc_proc_fanout((size_t)k, o->jobs, files_of, &x, e);
    for (long i = 0; !rc && i < k; i++)
        rc = county_docs(in, o, v[i], write ? W_TELL : 0, n, e);
    free(v);
    return rc;
}

int tc_stmt_check(const tc_stmt_opts *o, int *n, tc_err *e)
{
    tc_err_clear(e);
    if (n)
        *n = 0;
    tc_docin in;
    int rc = tc_docin_read(&in, o->reconciliation, o->plan, e);
    if (!rc)
        rc = each_county(&in, o, 0, n, e);
    tc_docin_free(&in);
    return rc;
}

int tc_stmt_write(const tc_stmt_opts *o, int *n, tc_err *e)
{
    tc_err_clear(e);
    if (n)
        *n = 0;
    tc_docin in;
    int rc = tc_docin_read(&in, o->reconciliation, o->plan, e);
    if (!rc)
        rc = each_county(&in, o, 0, NULL, e);   /* a refusal writes nothing */
    if (!rc)
        rc = each_county(&in, o, 1, n, e);
    tc_docin_free(&in);
    return rc;
}

int tc_stmt_statement(const tc_stmt_opts *o, const char *county, const char *kind,
                      const char *fund, json_t **out, char *digest, tc_err *e)
{
    tc_err_clear(e);
    *out = NULL;
    int k = kind_index(kind);
    if (k < 0)
        return tc_fail(e, TC_EUSAGE, "no document of kind '%s'", kind ? kind : "");
    if ((k == K_BALANCE || k == K_INCOME) != (fund != NULL))
        return tc_fail(e, TC_EUSAGE, "a fund is named for balance and income, and only them");
    tc_docin in;
    cty c;
    int rc = tc_docin_read(&in, o->reconciliation, o->plan, e);
    if (!rc)
        rc = county_of(&in, county, o->plan, &c, e);
    if (!rc && fund && !has(c.funds, c.nfunds, fund))
        rc = tc_fail(e, TC_EINPUT, "the plan moves no fund %s of county %s", fund, county);
    if (!rc)
        rc = statement(&in, &c, k, fund, out, digest, e);
    tc_docin_free(&in);
    return rc;
}
