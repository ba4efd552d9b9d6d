/*
 * checks.c - the checks of shared/spec/domain.md ("The reconciliation,
 * precisely"), each a named function over one county's groups, then the
 * schedules, the bank reconciliation statements and the transfer basis.
 *
 * The finding conventions (ref and amount of each code) are the contract
 * of docs/example-city.md: refs in city codes except DUPLICATE_RECORD's,
 * which names the key in the source's own codes (reconcile.c makes those,
 * and the per-record ones, as the records stream by).
 *
 * "At cutover" means the latest balance row of an account whose period is
 * not after the cutover's month; the checks over periods (roll-forward,
 * continuity, turnover, contributions against the ledger) look at the
 * periods up to the cutover's month, as domain.md says.  The cutover is
 * the fund's: its own when a part handover gives it one (rec_cutper), else
 * the batches'; so is the date up to which a bank account of the fund is
 * reconciled.
 */
#include <stdlib.h>
#include <string.h>

#include "reconcile/rec_int.h"
#include "reconcile/report_doc.h"

#define OVERFLOW(e) tc_fail(e, TC_EINPUT, "sums overflow")

/* ================================================================ helpers */

static fundfig *fund_of(county *c, const char *fund, tc_err *e)
{
    for (int i = 0; i < c->nfunds; i++)
        if (strcmp(c->funds[i].fund, fund) == 0)
            return &c->funds[i];
    fundfig *q = realloc(c->funds, (size_t)(c->nfunds + 1) * sizeof(*q));
    if (!q) {
        tc_fail(e, TC_ENOMEM, "out of memory");
        return NULL;
    }
    c->funds = q;
    fundfig *f = &q[c->nfunds++];
    memset(f, 0, sizeof(*f));
    snprintf(f->fund, sizeof(f->fund), "%s", fund);
    return f;
}

static int cmp_fundfig(const void *a, const void *b)
{
    return strcmp(((const fundfig *)a)->fund, ((const fundfig *)b)->fund);
}

static int cmp_bal(const void *a, const void *b)
{
    const bal_g *x = *(const bal_g *const *)a, *y = *(const bal_g *const *)b;
    int c = strcmp(x->fund, y->fund);
    if (!c)
        c = strcmp(x->acc, y->acc);
    if (!c)
        c = (x->period > y->period) - (x->period < y->period);
    return c;
}

static int cmp_turn(const void *a, const void *b)
{
    return cmp_bal(a, b); /* turn_g starts like bal_g: fund, acc, period */
}

static int debit_normal(const tc_reconcile *r, const char *acc, tc_err *e, int *dn)
{
    const char *cls = tc_mapset_account_class(r->m, acc, strlen(acc));
    if (!cls)
        return tc_fail(e, TC_EINPUT, "account %s is not in the city chart (city/accounts.csv)", acc);
    *dn = strcmp(cls, "asset") == 0 || strcmp(cls, "expense") == 0;
    return 0;
}

static const char *role_of(const tc_reconcile *r, const char *acc)
{
    const char *role = tc_mapset_account_role(r->m, acc, strlen(acc));
    return role ? role : "";
}

#define YUAN(v, b) tc_money_format((v), (b))

/* ================================================================ checks */

/* Σ debit = Σ credit in every voucher. */
static int check_voucher_balance(tc_reconcile *r, county *c, tc_err *e)
{
    void **v = gtab_sorted(&c->vou);
    if (c->vou.n && !v)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < c->vou.n && !rc; i++) {
        vou_g *x = v[i];
        tc_fen d;
        if (tc_money_sub(x->debit, x->credit, &d))
            rc = OVERFLOW(e);
        else if (d) {
            char b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
            if (rec_finding(r, c, "VOUCHER_UNBALANCED", x->fund, d, x->no,
                            "voucher %s: debits %s, credits %s",
                            "凭证 %s 借贷不平衡：借方合计 %s 元，贷方合计 %s 元", x->no,
                            YUAN(x->debit, b1), YUAN(x->credit, b2)))
                rc = tc_fail(e, TC_ENOMEM, "out of memory");
        }
    }
    free(v);
    return rc;
}

/*
 * A dump has no control totals: rows deleted from it extract cleanly.
 * What the ledger itself allows is cross-checked: vouchers are numbered
 * from 1 each month (the number is the digits that end the voucher's
 * code, the rest its prefix), so a month's numbers of one prefix must run
 * 1..N without a hole.  VOUCHER_GAP (a warning: a voided number, 作废凭证,
 * is no loss; severity.csv may make it blocking), one per month and
 * prefix, amount 0.00, ref PREFIX + the first number missing.
 */
typedef struct vnum {
    int64_t month;
    const char *no;
    size_t plen;                /* the prefix's length */
    long long n;
} vnum;

static int cmp_vnum(const void *a, const void *b)
{
    const vnum *x = a, *y = b;
    if (x->month != y->month)
        return x->month < y->month ? -1 : 1;
    size_t m = x->plen < y->plen ? x->plen : y->plen;
    int c = memcmp(x->no, y->no, m);
    if (c || x->plen != y->plen)
        return c ? c : x->plen < y->plen ? -1 : 1;
    return x->n < y->n ? -1 : x->n > y->n;
}

static int gap_finding(tc_reconcile *r, county *c, const vnum *first, const vnum *last,
                       long long missing, long long at)
{
    char ref[RT + 24], per[16];
    int w = (int)(strlen(first->no) - first->plen);
    snprintf(ref, sizeof(ref), "%.*s%0*lld", (int)first->plen, first->no, w, at);
    return rec_finding(r, c, "VOUCHER_GAP", "", 0, ref,
                       "vouchers of %s up to %s: %lld numbers missing, the first %s (a voided "
                       "voucher, or rows the export lost)",
                       "%s 的凭证号至 %s 不连续：缺 %lld 个号，首个缺号 %s（作废凭证，或导出时丢失的记录）",
                       rec_period_text(first->month, per), last->no, missing, ref);
}

static int check_voucher_numbers(tc_reconcile *r, county *c, tc_err *e)
{
    vnum *v = c->vou.n ? malloc(c->vou.n * sizeof(vnum)) : NULL;
    size_t n = 0;
    if (c->vou.n && !v)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->vou.n; i++) {
        const vou_g *x = gtab_at(&c->vou, i);
        size_t len = strlen(x->no), d = len;
        while (d > 0 && x->no[d - 1] >= '0' && x->no[d - 1] <= '9')
            d--;
        if (d == len || len - d > 9)
            continue;   /* no number to check */
        v[n++] = (vnum){x->month, x->no, d, atoll(x->no + d)};
    }
    if (n)   /* qsort's array may not be NULL, even when empty */
        qsort(v, n, sizeof(vnum), cmp_vnum);
    int rc = 0;
    for (size_t i = 0, j; i < n && !rc; i = j) {
        long long missing = 0, first = 0, expect = 1;
        for (j = i; j < n && v[j].month == v[i].month && v[j].plen == v[i].plen &&
                    memcmp(v[j].no, v[i].no, v[i].plen) == 0;
             j++) {
            if (v[j].n > expect) {
                missing += v[j].n - expect;
                if (!first)
                    first = expect;
            }
            if (v[j].n >= expect)
                expect = v[j].n + 1;
        }
        if (missing && gap_finding(r, c, &v[i], &v[j - 1], missing, first))
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
    }
    free(v);
    return rc;
}

/* opening ± debit ∓ credit = closing, by the account's class. */
static int check_rollforward(tc_reconcile *r, county *c, void **b, tc_err *e)
{
    for (size_t i = 0; i < c->bal.n; i++) {
        bal_g *x = b[i];
        if (x->period > rec_cutper(r, c, x->fund))
            continue;
        int dn, rc = debit_normal(r, x->acc, e, &dn);
        if (rc)
            return rc;
        tc_fen rolled;
        if (dn ? tc_money_add(x->open, x->debit, &rolled) || tc_money_sub(rolled, x->credit, &rolled)
               : tc_money_sub(x->open, x->debit, &rolled) || tc_money_add(rolled, x->credit, &rolled))
            return OVERFLOW(e);
        if (rolled == x->close)
            continue;
        char ref[96], per[16], b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
        snprintf(ref, sizeof(ref), "%s/%s", x->acc, rec_period_text(x->period, per));
        if (rec_finding(r, c, "ROLLFORWARD_BREAK", x->fund, x->close - rolled, ref,
                        "fund %s account %s: closing %s, but opening, debits and credits give %s",
                        "基金 %s 科目 %s 期末余额与滚存不符：期末余额 %s 元，由期初余额和本期借、"
                        "贷方发生额滚存应为 %s 元",
                        x->fund, ref, YUAN(x->close, b1), YUAN(rolled, b2)))
            return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    return 0;
}

/* The closing of a period is the opening of the next. */
static int check_continuity(tc_reconcile *r, county *c, void **b, tc_err *e)
{
    for (size_t i = 0; i + 1 < c->bal.n; i++) {
        bal_g *x = b[i], *y = b[i + 1];
        if (strcmp(x->fund, y->fund) != 0 || strcmp(x->acc, y->acc) != 0 ||
            y->period > rec_cutper(r, c, y->fund) || x->close == y->open)
            continue;
        char ref[96], per[16], per2[16], b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
        snprintf(ref, sizeof(ref), "%s/%s", x->acc, rec_period_text(x->period, per));
        if (rec_finding(r, c, "PERIOD_GAP", x->fund, y->open - x->close, ref,
                        "fund %s account %s: closes at %s, %s opens at %s",
                        "基金 %s 科目 %s 期间不连续：期末余额 %s 元，而下期 %s 的期初余额为 %s 元",
                        x->fund, ref, YUAN(x->close, b1), rec_period_text(y->period, per2),
                        YUAN(y->open, b2)))
            return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    return 0;
}

static int turnover_side(tc_reconcile *r, county *c, const char *fund, const char *acc,
                         int64_t period, const char *side, tc_fen table, tc_fen lines, tc_err *e)
{
    if (table == lines)
        return 0;
    char ref[96], per[16], b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
    snprintf(ref, sizeof(ref), "%s/%s/%s", acc, rec_period_text(period, per), side);
    /* the English has the side in the ref; "%.0s" takes the Chinese one */
    const char *side_zh = strcmp(side, "debit") == 0 ? "借方" : "贷方";
    if (rec_finding(r, c, "TURNOVER_MISMATCH", fund, table - lines, ref,
                    "fund %s account %s: the balance table says %.0s%s, the voucher lines add up "
                    "to %s",
                    "基金 %s 科目 %s 发生额与凭证不符：科目余额表%s发生额 %s 元，凭证分录合计 %s 元",
                    fund, ref, side_zh, YUAN(table, b1), YUAN(lines, b2)))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    return 0;
}

/* Σ voucher lines per account and period = the balance table's turnover. */
static int check_turnover(tc_reconcile *r, county *c, void **b, tc_err *e)
{
    int rc = 0;
    for (size_t i = 0; i < c->bal.n && !rc; i++) {
        bal_g *x = b[i];
        if (x->period > rec_cutper(r, c, x->fund))
            continue;
        keybuf k = {.n = 0};
        kb_fund_acc_period(&k, x->fund, strlen(x->fund), x->acc, strlen(x->acc), x->period);
        turn_g *t = gtab_find(&c->turn, k.b, k.n);
        tc_fen d = t ? t->debit : 0, cr = t ? t->credit : 0;
        rc = turnover_side(r, c, x->fund, x->acc, x->period, "debit", x->debit, d, e);
        if (!rc)
            rc = turnover_side(r, c, x->fund, x->acc, x->period, "credit", x->credit, cr, e);
    }
    /* voucher lines in an account and period the balance table lacks */
    void **t = gtab_sorted_by(&c->turn, cmp_turn);
    if (c->turn.n && !t)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->turn.n && !rc; i++) {
        turn_g *x = t[i];
        if (x->period > rec_cutper(r, c, x->fund))
            continue;
        keybuf k = {.n = 0};
        kb_fund_acc_period(&k, x->fund, strlen(x->fund), x->acc, strlen(x->acc), x->period);
        if (gtab_find(&c->bal, k.b, k.n))
            continue;
        rc = turnover_side(r, c, x->fund, x->acc, x->period, "debit", 0, x->debit, e);
        if (!rc)
            rc = turnover_side(r, c, x->fund, x->acc, x->period, "credit", 0, x->credit, e);
    }
    free(t);
    return rc;
}

/* The closing balances at cutover, into the fund figures (by class and
 * role), then assets - liabilities = fund balance + income - expense. */
static int check_equation(tc_reconcile *r, county *c, void **b, tc_err *e)
{
    for (size_t i = 0; i < c->bal.n; i++) {
        bal_g *x = b[i];
        int64_t cut = rec_cutper(r, c, x->fund);
        if (x->period > cut)
            continue;
        bal_g *y = i + 1 < c->bal.n ? b[i + 1] : NULL;
        if (y && y->period <= cut && strcmp(x->fund, y->fund) == 0 && strcmp(x->acc, y->acc) == 0)
            continue; /* not the latest at cutover */
        fundfig *f = fund_of(c, x->fund, e);
        if (!f)
            return e->code;
        f->have_balances = 1;
        const char *cls = tc_mapset_account_class(r->m, x->acc, strlen(x->acc));
        const char *role = role_of(r, x->acc);
        if (!cls)
            return tc_fail(e, TC_EINPUT, "account %s is not in the city chart", x->acc);
        tc_fen v = x->close;
        int bad = 0;
        if (strcmp(cls, "asset") == 0)
            bad |= tc_money_add(f->assets, v, &f->assets);
        else if (strcmp(cls, "liability") == 0)
            bad |= tc_money_add(f->liabilities, v, &f->liabilities);
        else if (strcmp(cls, "fund") == 0 || strcmp(cls, "income") == 0)
            bad |= tc_money_add(f->fund_balance, v, &f->fund_balance);
        else if (strcmp(cls, "expense") == 0)
            bad |= tc_money_sub(f->fund_balance, v, &f->fund_balance);
        if (strcmp(role, "cash") == 0)
            bad |= tc_money_add(f->cash, v, &f->cash);
        else if (strcmp(role, "receivable") == 0)
            bad |= tc_money_add(f->recv, v, &f->recv);
        else if (strcmp(role, "payable") == 0)
            bad |= tc_money_add(f->pay, v, &f->pay);
        else if (strcmp(role, "personal_account_balance") == 0) {
            bad |= tc_money_add(f->personal_ledger, v, &f->personal_ledger);
            if (!f->personal_acc[0])
                snprintf(f->personal_acc, sizeof(f->personal_acc), "%s", x->acc);
        }
        if (bad)
            return OVERFLOW(e);
    }
    for (int i = 0; i < c->nfunds; i++) {
        fundfig *f = &c->funds[i];
        if (!f->have_balances)
            continue;
        tc_fen net, d;
        if (tc_money_add(f->cash, f->recv, &net) || tc_money_sub(net, f->pay, &f->net) ||
            tc_money_sub(f->assets, f->liabilities, &net) || tc_money_sub(net, f->fund_balance, &d))
            return OVERFLOW(e);
        if (!d)
            continue;
        char per[16], b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
        rec_period_text(rec_cutper(r, c, f->fund), per);
        if (rec_finding(r, c, "EQUATION_BREAK", f->fund, d, per,
                        "fund %s at %s: assets less liabilities are %s, fund balance plus income "
                        "less expense is %s",
                        "基金 %s 于 %s 期末会计等式不平衡：资产减负债为 %s 元，基金余额加收入减支出"
                        "为 %s 元",
                        f->fund, per, YUAN(net, b1), YUAN(f->fund_balance, b2)))
            return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    return 0;
}

static int has_period(const int64_t *p, size_t n, int64_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == v)
            return 1;
    return 0;
}

/* Σ paid of the contributions in the balance table's periods = the credit
 * turnover of the contribution_income accounts over those periods. */
static int check_contrib_ledger(tc_reconcile *r, county *c, void **b, tc_err *e)
{
    int rc = 0;
    for (int fi = 0; fi < c->nfunds && !rc; fi++) {
        fundfig *f = &c->funds[fi];
        int64_t *per = NULL, cut = rec_cutper(r, c, f->fund);
        size_t np = 0, cap = 0;
        tc_fen income = 0, paid = 0;
        for (size_t i = 0; i < c->bal.n; i++) {
            bal_g *x = b[i];
            if (strcmp(x->fund, f->fund) != 0 || x->period > cut)
                continue;
            if (!has_period(per, np, x->period)) {
                if (np == cap) {
                    cap = cap ? cap * 2 : 16;
                    int64_t *q = realloc(per, cap * sizeof(*q));
                    if (!q) {
                        free(per);
                        return tc_fail(e, TC_ENOMEM, "out of memory");
                    }
                    per = q;
                }
                per[np++] = x->period;
            }
            if (strcmp(role_of(r, x->acc), "contribution_income") == 0) {
                if (tc_money_add(income, x->credit, &income))
                    rc = OVERFLOW(e);
            }
        }
        int64_t lo = 0, hi = 0;
        for (size_t i = 0; i < np; i++) {
            if (!i || per[i] < lo)
                lo = per[i];
            if (!i || per[i] > hi)
                hi = per[i];
        }
        for (size_t i = 0; i < c->paid.n && !rc; i++) {
            paid_g *p = gtab_at(&c->paid, i);
            if (strcmp(p->fund, f->fund) == 0 && has_period(per, np, p->period) &&
                tc_money_add(paid, p->paid, &paid))
                rc = OVERFLOW(e);
        }
        free(per);
        if (rc || !np || paid == income)
            continue;
        char ref[40], p1[16], p2[16], b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
        snprintf(ref, sizeof(ref), "%s..%s", rec_period_text(lo, p1), rec_period_text(hi, p2));
        if (rec_finding(r, c, "CONTRIB_LEDGER_MISMATCH", f->fund, paid - income, ref,
                        "fund %s, %s: contributions paid %s, contribution income credited %s",
                        "基金 %s 在 %s 期间征缴收入与账务不符：缴费明细实缴合计 %s 元，征缴收入科目"
                        "贷方发生额 %s 元",
                        f->fund, ref, YUAN(paid, b1), YUAN(income, b2)))
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
    }
    return rc;
}

/* Σ personal account balances = the ledger's personal-account fund. */
static int check_personal_accounts(tc_reconcile *r, county *c, tc_err *e)
{
    for (size_t i = 0; i < c->pers.n; i++) {
        pers_g *p = gtab_at(&c->pers, i);
        fundfig *f = fund_of(c, p->fund, e);
        if (!f)
            return e->code;
        f->personal = p->sum;
    }
    for (int i = 0; i < c->nfunds; i++) {
        fundfig *f = &c->funds[i];
        if (f->personal == f->personal_ledger)
            continue;
        char b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
        const char *ref = f->personal_acc[0] ? f->personal_acc : "-";
        if (rec_finding(r, c, "PERSONAL_ACCOUNT_MISMATCH", f->fund, f->personal - f->personal_ledger,
                        ref, "fund %s: personal accounts add up to %s, the ledger's %s holds %s",
                        "基金 %s 个人账户不符：个人账户余额合计 %s 元，账上 %s 科目余额 %s 元",
                        f->fund, YUAN(f->personal, b1), ref, YUAN(f->personal_ledger, b2)))
            return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    return 0;
}

/* ============================================================ schedules */

static int add_arrears(void *arg, const arr_g *a)
{
    county *c = arg;
    tc_err e;
    fundfig *f = fund_of(c, a->fund, &e);
    if (!f)
        return e.code;
    if (tc_money_add(f->arrears, a->arrears, &f->arrears) ||
        tc_money_add(f->aging[0], a->aging[0], &f->aging[0]) ||
        tc_money_add(f->aging[1], a->aging[1], &f->aging[1]) ||
        tc_money_add(f->aging[2], a->aging[2], &f->aging[2]) ||
        tc_money_add(f->overpaid, a->overpaid, &f->overpaid))
        return TC_EINPUT;
    return 0;
}

static int schedules(tc_reconcile *r, county *c, tc_err *e)
{
    for (size_t i = 0; i < c->paid.n; i++)
        if (!fund_of(c, ((paid_g *)gtab_at(&c->paid, i))->fund, e))
            return e->code;
    int rc = rec_arrears_finish(r, c, e);
    if (!rc)
        rc = rec_arrears_each(c, add_arrears, c, e);
    if (rc)
        return rc;
    for (size_t i = 0; i < c->sub.n; i++) {
        sub_g *s = gtab_at(&c->sub, i);
        fundfig *f = fund_of(c, s->fund, e);
        tc_fen d;
        if (!f)
            return e->code;
        if (tc_money_sub(s->due, s->received, &d) || tc_money_add(f->shortfall, d, &f->shortfall))
            return OVERFLOW(e);
    }
    for (size_t i = 0; i < c->pay.n; i++) {
        pay_g *p = gtab_at(&c->pay, i);
        fundfig *f = fund_of(c, p->fund, e);
        tc_fen d;
        if (!f)
            return e->code;
        if (tc_money_sub(p->settled, p->paid, &d) || tc_money_add(f->inst, d, &f->inst))
            return OVERFLOW(e);
    }
    return 0;
}

/* ================================================================= banks */

static int cmp_item(const void *a, const void *b)
{
    const bitem *x = a, *y = b;
    int c = strcmp(x->ref, y->ref);
    if (!c)
        c = (x->amount > y->amount) - (x->amount < y->amount);
    if (!c)
        c = (x->date > y->date) - (x->date < y->date);
    return c;
}

static int cmp_bank_item(const void *a, const void *b)
{
    const bank_item *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind - y->kind;
    int c = strcmp(x->ref, y->ref);
    return c ? c : (x->amount > y->amount) - (x->amount < y->amount);
}

/* The items of v whose key is key and date lies in [from, to], sorted. */
static bitem *select_items(const vec *v, const char *key, int64_t from, int64_t to, size_t *n)
{
    bitem *out = malloc((v->n ? v->n : 1) * sizeof(bitem));
    *n = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < v->n; i++) {
        const bitem *x = vec_at(v, i);
        if (strcmp(x->key, key) == 0 && x->date >= from && x->date <= to)
            out[(*n)++] = *x;
    }
    qsort(out, *n, sizeof(bitem), cmp_item);
    return out;
}

static int add_item(bankstmt *s, int kind, const bitem *x, tc_fen amount)
{
    bank_item *it = &s->items[s->nitems++];
    it->kind = kind;
    it->date = x->date;
    snprintf(it->ref, sizeof(it->ref), "%s", x->ref);
    it->amount = amount;
    return tc_money_add(s->sums[kind], amount, &s->sums[kind]);
}

/* The bank's balance of account no at date at: the statement's closing
 * (which covers the entries up to `to`) less what the bank recorded after
 * at.  -1 when that overflows. */
static int statement_at(const vec *entries, const char *no, int64_t at, int64_t to, tc_fen *bal)
{
    for (size_t i = 0; i < entries->n; i++) {
        const bitem *x = vec_at(entries, i);
        if (x->date > at && x->date <= to && strcmp(x->key, no) == 0 &&
            tc_money_sub(*bal, x->amount, bal))
            return -1;
    }
    return 0;
}

/* One bank reconciliation statement (余额调节表): the ledger's postings to
 * the account and the bank's entries matched on (account, reference,
 * amount); what is left over are the four kinds of outstanding item, and
 * ledger + rnb - pnb must equal statement + bnr - bnp.  An account of a
 * fund with its own cutover is reconciled at that date: the ledger's
 * closing of its month, the postings and the bank's entries up to it, and
 * the statement's balance then. */
static int bank_statement(tc_reconcile *r, county *c, const bacct_g *a, bankstmt *s, tc_err *e)
{
    memset(s, 0, sizeof(*s));
    s->a = *a;
    keybuf k = {.n = 0};
    kb_text(&k, a->sfund, strlen(a->sfund));
    kb_text(&k, a->sacc, strlen(a->sacc));
    srcbal_g *lb = gtab_find(&c->srcbal, k.b, k.n);
    s->ledger = lb ? lb->close : 0;
    bstmt_g *st = gtab_find(&c->bstmt, a->no, strlen(a->no));
    s->statement = st ? st->close : 0;
    /* The ledger side is every posting up to the cutover (the balance is
     * taken there); the bank side every entry of the statement, whose
     * from/to some exports set to its first and last entry. */
    int64_t to = st && st->to > r->cutdate ? st->to : r->cutdate;
    const fundcut_g *own = rec_fund_cutover(r, c, a->fund, strlen(a->fund));
    int64_t at = own ? own->cutdate : r->cutdate;
    if (own) {
        if (st && statement_at(&c->entries, a->no, at, to, &s->statement))
            return OVERFLOW(e);
        to = at;
    }
    char bkey[RT];
    if (k.n >= RT)
        return tc_fail(e, TC_EINPUT, "fund and account codes too long");
    memcpy(bkey, k.b, k.n);
    bkey[k.n] = 0;
    size_t nb, ne;
    bitem *bk = select_items(&c->booked, bkey, 0, at, &nb);
    bitem *en = select_items(&c->entries, a->no, 0, to, &ne);
    s->items = malloc((nb + ne + 1) * sizeof(bank_item));
    if (!bk || !en || !s->items) {
        free(bk);
        free(en);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    int bad = 0;
    size_t i = 0, j = 0;
    while (i < nb || j < ne) {
        int cmp;
        if (i == nb)
            cmp = 1;
        else if (j == ne)
            cmp = -1;
        else {
            cmp = strcmp(bk[i].ref, en[j].ref);
            if (!cmp)
                cmp = (bk[i].amount > en[j].amount) - (bk[i].amount < en[j].amount);
        }
        if (!cmp) {
            i++, j++;
        } else if (cmp < 0) { /* booked, not on the statement */
            const bitem *x = &bk[i++];
            if (x->amount > 0)
                bad |= add_item(s, K_BNR, x, x->amount);
            else if (x->amount < 0)
                bad |= add_item(s, K_BNP, x, -x->amount);
        } else { /* on the statement, not booked */
            const bitem *x = &en[j++];
            if (x->amount > 0)
                bad |= add_item(s, K_RNB, x, x->amount);
            else if (x->amount < 0)
                bad |= add_item(s, K_PNB, x, -x->amount);
        }
    }
    free(bk);
    free(en);
    qsort(s->items, s->nitems, sizeof(bank_item), cmp_bank_item);
    tc_fen rhs;
    if (bad || tc_money_add(s->ledger, s->sums[K_RNB], &s->adjusted) ||
        tc_money_sub(s->adjusted, s->sums[K_PNB], &s->adjusted) ||
        tc_money_add(s->statement, s->sums[K_BNR], &rhs) || tc_money_sub(rhs, s->sums[K_BNP], &rhs))
        return OVERFLOW(e);
    if (s->adjusted == rhs)
        return 0;
    char b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
    int rc = st ? rec_finding(r, c, "BANK_UNRECONCILED", a->fund, s->adjusted - rhs, a->no,
                              "bank account %s: the adjusted ledger balance is %s, the adjusted "
                              "statement balance %s",
                              "银行账户 %s 调整银行未达账项后余额仍不符：单位账面调节后余额 %s 元，"
                              "银行对账单调节后余额 %s 元",
                              a->no, YUAN(s->adjusted, b1), YUAN(rhs, b2))
                : rec_finding(r, c, "BANK_UNRECONCILED", a->fund, s->adjusted - rhs, a->no,
                              "bank account %s: the adjusted ledger balance is %s, the adjusted "
                              "statement balance %s (no statement)",
                              "银行账户 %s 无法调节：单位账面调节后余额 %s 元，银行对账单调节后余额 "
                              "%s 元（未提供银行对账单）",
                              a->no, YUAN(s->adjusted, b1), YUAN(rhs, b2));
    if (rc)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    return 0;
}

static int check_bank(tc_reconcile *r, county *c, tc_err *e)
{
    void **a = gtab_sorted(&c->bacct);
    if (c->bacct.n && !a)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    c->banks = calloc(c->bacct.n ? c->bacct.n : 1, sizeof(bankstmt));
    if (!c->banks) {
        free(a);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (size_t i = 0; i < c->bacct.n && !rc; i++) {
        rc = bank_statement(r, c, a[i], &c->banks[i], e);
        c->nbanks = (int)i + 1;
    }
    free(a);
    return rc;
}

/* ================================================================ county */

static int cmp_finding(const void *a, const void *b)
{
    const finding *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (!c)
        c = strcmp(x->fund, y->fund);
    if (!c)
        c = strcmp(x->ref, y->ref);
    if (!c)
        c = (x->amount > y->amount) - (x->amount < y->amount);
    if (!c)
        c = strcmp(x->msg, y->msg);
    return c;
}

/* One finding per code and fund for the per-record findings past the cap. */
static int more_findings(tc_reconcile *r, county *c, tc_err *e)
{
    if (c->overflow)
        return tc_fail(e, TC_EINPUT, "finding amounts overflow");
    void **v = gtab_sorted(&c->more);
    if (c->more.n && !v)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < c->more.n && !rc; i++) {
        more_g *m = v[i];
        char ref[64], b[TC_MONEY_BUFSZ];
        snprintf(ref, sizeof(ref), "+%lld more", m->n);
        /* the English names the code, the Chinese its name; "%.0s" takes
         * the argument the English does not show */
        const char *zh = tc_rdoc_check_zh(rec_codes[m->ci]);
        if (rec_finding_listed(r, c, rec_codes[m->ci], m->fund, m->amount, ref,
                               "%lld more records of fund %s with %s%.0s past the first %lld "
                               "listed; their amounts sum to %s",
                               "基金 %2$s 另有 %1$lld 条记录存在%4$s（%3$s）问题，超出逐条列示的前 "
                               "%5$lld 条，未逐条列示，其金额合计 %6$s 元",
                               m->n, m->fund, rec_codes[m->ci], zh ? zh : rec_codes[m->ci],
                               r->find_cap, YUAN(m->amount, b)))
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
    }
    free(v);
    return rc;
}

/* ------------------------------------------------------------ a split */

int rec_allocated(const tc_reconcile *r, const county *c, const char *fund, const char *acc,
                  const char *target, tc_fen *sum)
{
    const tc_alloc *a;
    int n = tc_mapset_allocation(r->m, &a);
    *sum = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(a[i].county, c->pool) == 0 && strcmp(a[i].fund, fund) == 0 &&
            strcmp(a[i].account, acc) == 0 && (!target || strcmp(a[i].target, target) == 0) &&
            tc_money_add(*sum, a[i].amount, sum))
            return -1;
    return 0;
}

int rec_split_share(const tc_reconcile *r, const county *c, const char *fund,
                    const char *target, tc_fen sum[5])
{
    const tc_alloc *a;
    int n = tc_mapset_allocation(r->m, &a);
    memset(sum, 0, 5 * sizeof(tc_fen));
    for (int j = 0; j < n; j++) {
        if (strcmp(a[j].county, c->pool) || strcmp(a[j].fund, fund) ||
            strcmp(a[j].target, target))
            continue;
        const char *role = tc_mapset_account_role(r->m, a[j].account, strlen(a[j].account));
        int at = !strcmp(a[j].account, "claims") ? 3
                 : !strcmp(a[j].account, "debts") ? 4
                 : role && !strcmp(role, "cash") ? 0
                 : role && !strcmp(role, "receivable") ? 1 : 2;
        if (tc_money_add(sum[at], a[j].amount, &sum[at]))
            return -1;
    }
    return 0;
}

static int unallocated(tc_reconcile *r, county *c, const char *fund, const char *acc,
                       tc_fen whole, tc_err *e)
{
    tc_fen got, d;
    if (rec_allocated(r, c, fund, acc, NULL, &got) || tc_money_sub(whole, got, &d))
        return OVERFLOW(e);
    if (!d)
        return 0;
    char ref[64], b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
    snprintf(ref, sizeof(ref), "%s/%s", fund, acc);
    if (rec_finding(r, c, "SPLIT_UNALLOCATED", fund, d, ref,
                    "pool %s fund %s %s: allocation.csv gives its sub-ledgers %s, the pool "
                    "holds %s",
                    "原统筹区 %s 基金 %s %s 分立资金未分配完：分配表（allocation.csv）分给各子账"
                    "合计 %s 元，原统筹区实有 %s 元",
                    c->pool, fund, acc, YUAN(got, b1), YUAN(whole, b2)))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    return 0;
}

/*
 * A pool split.csv splits: what no record can divide follows
 * allocation.csv, whose lines for each account of role cash, receivable
 * or payable must add up to the account's closing at the fund's cutover,
 * and those for claims and debts to the pool's claims (arrears and
 * subsidy shortfall) and debts (institution payables), to the fen.  Every
 * account and fund a line names is checked too, so a line for money the
 * pool does not hold is found.  Funds a part handover keeps move nowhere.
 */
static int check_allocation(tc_reconcile *r, county *c, void **b, tc_err *e)
{
    char t[TC_SPLIT_MAX][7];
    int nt = tc_mapset_split_targets(r->m, c->pool, t, TC_SPLIT_MAX);
    if (nt == 0)
        return 0;
    const tc_alloc *a;
    int na = tc_mapset_allocation(r->m, &a);
    for (int i = 0; i < c->nfunds; i++) {
        const fundfig *f = &c->funds[i];
        if (!rec_handed_over(r, c, f->fund))
            continue;
        tc_fen share[5];
        for (int k = 0; k < nt; k++)   /* the report's shares, summed once here */
            if (rec_split_share(r, c, f->fund, t[k], share))
                return OVERFLOW(e);
        tc_fen claims;
        if (tc_money_add(f->arrears, f->shortfall, &claims))
            return OVERFLOW(e);
        int rc = unallocated(r, c, f->fund, "claims", claims, e);
        if (!rc)
            rc = unallocated(r, c, f->fund, "debts", f->inst, e);
        if (rc)
            return rc;
    }
    /* the accounts at cutover (b: by fund, account, period) */
    for (size_t i = 0; i < c->bal.n; i++) {
        bal_g *x = b[i];
        int64_t cut = rec_cutper(r, c, x->fund);
        bal_g *y = i + 1 < c->bal.n ? b[i + 1] : NULL;
        if (x->period > cut || !rec_handed_over(r, c, x->fund) ||
            (y && y->period <= cut && strcmp(x->fund, y->fund) == 0 &&
             strcmp(x->acc, y->acc) == 0))
            continue;
        const char *role = role_of(r, x->acc);
        if (strcmp(role, "cash") != 0 && strcmp(role, "receivable") != 0 &&
            strcmp(role, "payable") != 0)
            continue;
        int rc = unallocated(r, c, x->fund, x->acc, x->close, e);
        if (rc)
            return rc;
    }
    /* lines for an account or fund the pool holds nothing in */
    for (int k = 0; k < na; k++) {
        if (strcmp(a[k].county, c->pool) != 0 || !strcmp(a[k].account, "claims") ||
            !strcmp(a[k].account, "debts"))
            continue;
        int held = 0, seen = 0;
        for (int j = 0; j < k && !seen; j++)
            seen = !strcmp(a[j].county, c->pool) && !strcmp(a[j].fund, a[k].fund) &&
                   !strcmp(a[j].account, a[k].account);
        for (size_t i = 0; i < c->bal.n && !held; i++) {
            bal_g *x = b[i];
            held = !strcmp(x->fund, a[k].fund) && !strcmp(x->acc, a[k].account) &&
                   x->period <= rec_cutper(r, c, x->fund);
        }
        if (!held && !seen) {
            int rc = unallocated(r, c, a[k].fund, a[k].account, 0, e);
            if (rc)
                return rc;
        }
    }
    for (int k = 0; k < na; k++) {   /* claims or debts of a fund the pool has not */
        int known = strcmp(a[k].county, c->pool) != 0;
        for (int i = 0; i < c->nfunds && !known; i++)
            known = !strcmp(c->funds[i].fund, a[k].fund);
        int seen = 0;
        for (int j = 0; j < k && !seen; j++)
            seen = !strcmp(a[j].county, a[k].county) && !strcmp(a[j].fund, a[k].fund) &&
                   !strcmp(a[j].account, a[k].account);
        if (!known && !seen && (!strcmp(a[k].account, "claims") || !strcmp(a[k].account, "debts"))) {
            int rc = unallocated(r, c, a[k].fund, a[k].account, 0, e);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int rec_finish_county(tc_reconcile *r, county *c, tc_err *e)
{
    void **b = gtab_sorted_by(&c->bal, cmp_bal);
    if (c->bal.n && !b)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = check_voucher_balance(r, c, e);
    if (!rc)
        rc = check_voucher_numbers(r, c, e);
    if (!rc)
        rc = check_rollforward(r, c, b, e);
    if (!rc)
        rc = check_continuity(r, c, b, e);
    if (!rc)
        rc = check_turnover(r, c, b, e);
    if (!rc)
        rc = check_equation(r, c, b, e);
    if (!rc)
        rc = schedules(r, c, e);
    if (!rc)
        rc = check_contrib_ledger(r, c, b, e);
    if (!rc)
        rc = check_personal_accounts(r, c, e);
    if (!rc)
        rc = check_allocation(r, c, b, e);
    if (!rc)
        rc = check_bank(r, c, e);
    free(b);
    if (!rc)
        rc = more_findings(r, c, e);
    if (rc)
        return rc;
    if (c->nfunds)
        qsort(c->funds, (size_t)c->nfunds, sizeof(fundfig), cmp_fundfig);
    if (c->findings.n)
        qsort(c->findings.v, c->findings.n, sizeof(finding), cmp_finding);
    return 0;
}
