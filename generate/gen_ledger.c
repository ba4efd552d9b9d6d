/*
 * gen_ledger.c - a county's ledger, bank accounts, payables and subsidies,
 * built from pass 1's totals, and the feed of every record to a sink.
 *
 * The ledger of each fund starts from year-opening balances that satisfy
 * the accounting equation (the fund balance is what the assets leave after
 * the liabilities and the personal accounts), and every later figure is
 * posted from a voucher:
 *
 *   each month   contributions received (收入户), swept to the fiscal
 *                account (财政专户), money moved to the expense account
 *                (支出户) and paid to the designated institutions
 *   month 2      an advance to a hospital (暂付款)
 *   month 3      interest; fiscal subsidies received
 *   month 4      part of the advance cleared against settled claims
 *   month 5      an unidentified receipt held as 暂收款
 *   cutover day  interest booked but not yet credited by the bank, and the
 *                last payment of the month not yet debited by the bank;
 *                the bank for its part credits interest and charges a fee
 *                the county has not booked: the four kinds of outstanding
 *                item of a bank reconciliation statement
 *
 * Bank statements hold every posting to a bank account that carries a bank
 * reference, except the two uncleared ones, plus the bank's own two items.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident.h"
#include "core/money.h"
#include "generate/gen_model.h"

/* =============================================================== helpers */

const gen_account *gen_chart(const gen_county *c)
{
    return c->chart3 ? gen_chart3 : gen_chart4;
}

int gen_canon_acc(const gen_county *c, int a)
{
    return (!c->chart3 && a == A_BENEFIT_PA) ? A_BENEFIT : a;
}

static void *grow(void *p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return p;
    int nc = *cap ? *cap * 2 : 256;
    while (nc < need)
        nc *= 2;
    void *q = realloc(p, (size_t)nc * size);
    if (q)
        *cap = nc;
    return q;
}

int gen_add_finding(county_state *s, const char *code, const char *fund, int64_t amount,
                    const char *reffmt, ...)
{
    finding *f = grow(s->findings, &s->capfindings, s->nfindings + 1, sizeof(*f));
    if (!f)
        return TC_ENOMEM;
    s->findings = f;
    finding *x = &f[s->nfindings++];
    memset(x, 0, sizeof(*x));
    x->code = code;
    snprintf(x->fund, sizeof(x->fund), "%s", fund);
    x->amount = amount;
    va_list ap;
    va_start(ap, reffmt);
    vsnprintf(x->ref, sizeof(x->ref), reffmt, ap);
    va_end(ap);
    return 0;
}

static const char *city_fund(const county_state *s, int f)
{
    return s->c->funds[f].city;
}

static void period_text(int p, char *out)
{
    snprintf(out, 16, "%04d-%02d", p / 100, p % 100);
}

/* ================================================================ pass 1 */

typedef struct pass1 {
    gen_city *g;
    county_state *s;
} pass1;

static int pass1_contrib(void *ctx, const gen_contrib *r, tc_err *e)
{
    (void)e;
    gen_city *g = ((pass1 *)ctx)->g;
    county_state *s = ((pass1 *)ctx)->s;
    int f = r->fund;
    if (r->period / 100 == g->year)
        s->paid[f][r->period % 100] += r->paid;
    if (r->kind == KIND_EMPLOYER) {
        int months = (g->year * 12 + g->np) - ((r->period / 100) * 12 + r->period % 100);
        int bucket = months <= 3 ? 0 : months <= 12 ? 1 : 2;
        if (r->due > r->paid) {
            s->arrears[f] += r->due - r->paid;
            s->aging[f][bucket] += r->due - r->paid;
        } else {
            s->overpaid[f] += r->paid - r->due;
        }
    }
    char masked[24], per[8];
    const char *who = r->payer;
    if (r->kind != KIND_EMPLOYER)
        who = tc_ident_mask(r->payer, 18, masked, sizeof(masked));
    period_text(r->period, per);
    const char *kind = gen_kind_names[r->kind];
    if (r->flags & GC_DUPLICATE)
        return gen_add_finding(s, "DUPLICATE_RECORD", city_fund(s, f), r->due,
                               "contribution %s/%s/%s/%s", who, s->c->kinds[r->kind],
                               s->c->funds[f].code, per);
    if (r->flags & GC_DUE) {
        int64_t want;
        tc_money_apply_rate(r->base, r->rate, &want);
        return gen_add_finding(s, "DUE_MISMATCH", city_fund(s, f), r->due - want, "%s/%s/%s",
                               who, kind, per);
    }
    if (r->flags & GC_RATE) {
        int64_t want;
        tc_money_apply_rate(r->base, 700, &want);
        return gen_add_finding(s, "RATE_MISMATCH", city_fund(s, f), r->due - want, "%s/%s/%s",
                               who, kind, per);
    }
    if (r->flags & GC_CHECK_DIGIT)
        return gen_add_finding(s, "BAD_CHECK_DIGIT", city_fund(s, f), 0, "%s/%s/%s", who, kind,
                               per);
    return 0;
}

static int pass1_personal(void *ctx, const gen_personal *p, tc_err *e)
{
    (void)e;
    county_state *s = ctx;
    s->personal_ledger[p->fund] += p->ledger_balance;
    s->personal_detail[p->fund] += p->balance;
    return 0;
}

/* ================================================================ ledger */

typedef struct builder {
    gen_city *g;
    county_state *s;
    int refseq;
    int vseq[MAXP + 1];
    int cur;          /* voucher being built, -1 when none */
} builder;

static int new_ref(builder *b, int date, char *out)
{
    snprintf(out, 24, "B%08d%05d", date, ++b->refseq);
    return 0;
}

static int begin_voucher(builder *b, int fund, int m, int day, const char *memo)
{
    county_state *s = b->s;
    voucher *v = grow(s->v, &s->capv, s->nv + 1, sizeof(*v));
    if (!v)
        return TC_ENOMEM;
    s->v = v;
    voucher *x = &v[s->nv];
    memset(x, 0, sizeof(*x));
    x->date = gen_date(b->g, m, day);
    x->fund = fund;
    x->m = m;
    snprintf(x->no, sizeof(x->no), "%04d-%02d-%04d", b->g->year, m, ++b->vseq[m]);
    snprintf(x->memo, sizeof(x->memo), "%s", memo);
    x->first = s->nlines;
    b->cur = s->nv++;
    return 0;
}

static int line(builder *b, int acc, int64_t debit, int64_t credit, int bankref)
{
    county_state *s = b->s;
    vline *l = grow(s->lines, &s->caplines, s->nlines + 1, sizeof(*l));
    if (!l)
        return TC_ENOMEM;
    s->lines = l;
    vline *x = &l[s->nlines++];
    memset(x, 0, sizeof(*x));
    x->acc = gen_canon_acc(s->c, acc);
    x->debit = debit;
    x->credit = credit;
    if (bankref)
        new_ref(b, s->v[b->cur].date, x->ref);
    s->v[b->cur].nlines++;
    return 0;
}

/* A two-line voucher: debit `dr`, credit `cr`, amount a; bank refs on the
 * lines whose account is a bank account. */
static int simple(builder *b, int fund, int m, int day, const char *memo, int dr, int cr,
                  int64_t a)
{
    if (a <= 0)
        return 0;
    int rc = begin_voucher(b, fund, m, day, memo);
    if (!rc)
        rc = line(b, dr, a, 0, dr <= A_EXPENSE_BANK);
    if (!rc)
        rc = line(b, cr, 0, a, cr <= A_EXPENSE_BANK);
    return rc;
}

static void openings(builder *b, int f)
{
    county_state *s = b->s;
    gen_city *g = b->g;
    int64_t *o = s->open[f];
    uint64_t h = gen_rnd(g, s->ci, 1000000000ULL + (uint64_t)f, 1);
    memset(o, 0, sizeof(s->open[f]));
    o[A_INCOME_BANK] = 50000000 + (int64_t)(h % 10000000);
    o[A_FISCAL] = s->personal_ledger[f] + 8000000000LL + (int64_t)((h >> 20) % 100000000);
    o[A_EXPENSE_BANK] = 100000000 + (int64_t)((h >> 30) % 10000000);
    o[A_RECEIVABLE] = 200000000 + (int64_t)((h >> 10) % 50000000);
    o[A_PAYABLE] = 30000000 + (int64_t)((h >> 40) % 5000000);
    o[A_PERSONAL] = s->personal_ledger[f];
    o[A_FUND] = o[A_INCOME_BANK] + o[A_FISCAL] + o[A_EXPENSE_BANK] + o[A_RECEIVABLE] -
                o[A_PAYABLE] - o[A_PERSONAL];
    if ((s->c->inject & INJ_EQUATION) && s->c->funds[f].kind == FK_RESIDENT) {
        /* Last year's closing carried an advance twice: the receivable is
         * 1000.00 too high from the first day, and nothing else knows. */
        o[A_RECEIVABLE] += 100000;
        gen_add_finding(s, "EQUATION_BREAK", city_fund(s, f), 100000, "%04d-%02d", g->year,
                        g->np);
    }
}

/* Payables and subsidies of fund f (pass-1 independent, small). */
static void claims_and_debts(builder *b, int f)
{
    county_state *s = b->s;
    gen_city *g = b->g;
    int fk = s->c->funds[f].kind;
    if (fk == FK_EMPLOYEE || fk == FK_RESIDENT) {
        for (int i = 0; i < GEN_NINST; i++)
            for (int m = 1; m <= g->np; m++) {
                uint64_t h = gen_rnd(g, s->ci, 2000000000ULL + (uint64_t)(f * 100 + i), (uint64_t)m);
                int64_t st = 5000000 + (int64_t)(h % 45000000);
                int64_t pd = m < g->np - 1 ? st : m == g->np - 1 ? st * 8 / 10 : st / 2;
                s->pay_settled[f][i][m] = st;
                s->pay_paid[f][i][m] = pd;
                s->inst_payables[f] += st - pd;
            }
    }
    if (fk == FK_RESIDENT) {
        static const int64_t lo[4] = {300000000, 100000000, 50000000, 30000000};
        for (int l = 0; l < 4; l++)
            for (int y = 0; y < 2; y++) {
                uint64_t h = gen_rnd(g, s->ci, 3000000000ULL + (uint64_t)(f * 10 + l), (uint64_t)y);
                int64_t due = lo[l] + (int64_t)(h % (uint64_t)lo[l]);
                int64_t rec;
                if (y == 0) /* last year */
                    rec = l == 3 ? due * 8 / 10 : due;
                else
                    rec = l <= 1 ? due / 2 : l == 2 ? due / 4 : 0;
                s->sub_due[f][l][y] = due;
                s->sub_rec[f][l][y] = rec;
                s->subsidy_shortfall[f] += due - rec;
            }
    }
}

static int vouchers(builder *b)
{
    county_state *s = b->s;
    gen_city *g = b->g;
    const gen_county *c = s->c;
    int rc = 0;
    int64_t advance[3] = {0, 0, 0};
    int contrib_m = g->np < 5 ? g->np : 5;
    for (int m = 1; m <= g->np && !rc; m++) {
        for (int f = 0; f < c->nfunds && !rc; f++) {
            int fk = c->funds[f].kind;
            int64_t paid = s->paid[f][m];
            uint64_t h = gen_rnd(g, s->ci, 4000000000ULL + (uint64_t)f, (uint64_t)m);
            char memo[64];

            /* Contributions received. */
            snprintf(memo, sizeof(memo), "收%d月社会保险费", m);
            if (paid > 0 && fk == FK_EMPLOYEE && (c->inject & INJ_CONTRIB) && m == contrib_m) {
                /* Part of the receipt was booked to 暂收款 instead of income. */
                int64_t x = paid / 2 < 350000 ? paid / 2 : 350000;
                rc = begin_voucher(b, f, m, 10, memo);
                if (!rc) rc = line(b, A_INCOME_BANK, paid, 0, 1);
                if (!rc) rc = line(b, A_CONTRIB, 0, paid - x, 0);
                if (!rc) rc = line(b, A_PAYABLE, 0, x, 0);
                if (!rc)
                    rc = gen_add_finding(s, "CONTRIB_LEDGER_MISMATCH", city_fund(s, f), x,
                                         "%04d-01..%04d-%02d", g->year, g->year, g->np);
            } else {
                rc = simple(b, f, m, 10, memo, A_INCOME_BANK, A_CONTRIB, paid);
            }
            /* Swept to the fiscal account. */
            if (!rc)
                rc = simple(b, f, m, 12, "收入户资金缴存财政专户", A_FISCAL, A_INCOME_BANK,
                            paid * 9 / 10 / 10000 * 10000);
            /* Fiscal subsidies of this year, received in month 3. */
            if (!rc && fk == FK_RESIDENT && m == 3)
                for (int l = 0; l < 4 && !rc; l++) {
                    snprintf(memo, sizeof(memo), "收到%s财政补助", gen_level_names[l]);
                    rc = simple(b, f, m, 15, memo, A_FISCAL, A_SUBSIDY, s->sub_rec[f][l][1]);
                }
            /* Payments to institutions (or maternity and large-amount benefits). */
            int64_t pay = 0;
            if (fk == FK_EMPLOYEE || fk == FK_RESIDENT)
                for (int i = 0; i < GEN_NINST; i++)
                    pay += s->pay_paid[f][i][m];
            else
                pay = paid * 6 / 10;
            int64_t topup = (pay + 999999) / 1000000 * 1000000;
            if (!rc)
                rc = simple(b, f, m, 18, "财政专户拨入支出户", A_EXPENSE_BANK, A_FISCAL, topup);
            if (!rc && pay > 0) {
                int day = m == g->np ? 31 : 20;
                snprintf(memo, sizeof(memo), "支付%d月待遇结算款", m);
                rc = begin_voucher(b, f, m, day, memo);
                if (fk == FK_EMPLOYEE || fk == FK_RESIDENT) {
                    int last = -1;
                    for (int i = 0; i < GEN_NINST; i++)
                        if (s->pay_paid[f][i][m] > 0)
                            last = i;
                    for (int i = 0; i < GEN_NINST && !rc; i++) {
                        int64_t a = s->pay_paid[f][i][m];
                        if (a <= 0)
                            continue;
                        int64_t dr = a;
                        if ((c->inject & INJ_UNBALANCED) && fk == FK_EMPLOYEE && m == 2 && i == 0) {
                            dr += 1; /* keyed 0.01 too much on the debit side */
                            rc = gen_add_finding(s, "VOUCHER_UNBALANCED", city_fund(s, f), 1, "%s",
                                                 s->v[b->cur].no);
                            if (!rc)
                                rc = gen_add_finding(s, "EQUATION_BREAK", city_fund(s, f), 1,
                                                     "%04d-%02d", g->year, g->np);
                        }
                        if (!rc)
                            rc = line(b, i >= 7 ? A_BENEFIT_PA : A_BENEFIT, dr, 0, 0);
                        if (!rc)
                            rc = line(b, A_EXPENSE_BANK, 0, a, 1);
                        if (!rc && m == g->np && i == last)
                            s->lines[s->nlines - 1].uncleared = 1; /* cheque in transit */
                    }
                } else {
                    if (!rc) rc = line(b, A_BENEFIT, pay, 0, 0);
                    if (!rc) rc = line(b, A_EXPENSE_BANK, 0, pay, 1);
                }
            }
            /* Interest, quarterly. */
            if (!rc && m == 3)
                rc = simple(b, f, m, 21, "收到存款利息", A_INCOME_BANK, A_INTEREST,
                            10000 + (int64_t)(h % 500000));
            if (fk != FK_EMPLOYEE && fk != FK_RESIDENT)
                continue;
            /* Advance to a hospital, cleared in part later. */
            if (!rc && m == 2) {
                advance[f] = 30000000 + (int64_t)((h >> 16) % 10000000);
                rc = simple(b, f, m, 22, "预付医院周转金", A_RECEIVABLE, A_EXPENSE_BANK, advance[f]);
            }
            if (!rc && m == 4) {
                int64_t clr = advance[f] * 6 / 10;
                rc = simple(b, f, m, 23, "预付周转金冲抵结算款", A_BENEFIT, A_RECEIVABLE, clr);
                if (!rc && (c->inject & INJ_TURNOVER) && fk == FK_EMPLOYEE) {
                    /* The export lost this voucher; the balances kept it. */
                    s->v[s->nv - 1].omit = 1;
                    char per[16];
                    period_text(g->year * 100 + m, per);
                    rc = gen_add_finding(s, "TURNOVER_MISMATCH", city_fund(s, f), clr,
                                         "%s/%s/debit", gen_chart4[A_BENEFIT].code, per);
                    if (!rc)
                        rc = gen_add_finding(s, "TURNOVER_MISMATCH", city_fund(s, f), clr,
                                             "%s/%s/credit", gen_chart4[A_RECEIVABLE].code, per);
                }
            }
            if (!rc && m == contrib_m && fk == FK_EMPLOYEE)
                rc = simple(b, f, m, 24, "收到不明款项", A_INCOME_BANK, A_PAYABLE,
                            1234567 + (int64_t)((h >> 24) % 100000));
        }
    }
    /* Cutover day: interest booked, not yet credited by the bank. */
    for (int f = 0; f < c->nfunds && !rc; f++) {
        uint64_t h = gen_rnd(g, s->ci, 4100000000ULL + (uint64_t)f, 0);
        /* a corrected export (--correct) books another amount here */
        int64_t fix = f == 0 && g->o.correct && strcmp(g->o.correct, s->c->code) == 0
                          ? g->o.correct_fen : 0;
        rc = simple(b, f, g->np, 31, "计提存款利息(银行次日入账)", A_INCOME_BANK, A_INTEREST,
                    5000 + (int64_t)(h % 90000) + fix);
        if (!rc)
            s->lines[s->nlines - 2].uncleared = 1;
    }
    /* A voucher the export lost leaves a hole in its month's numbering,
     * unless it was the month's last: VOUCHER_GAP, at its number */
    for (int i = 0; i < s->nv && !rc; i++)
        if (s->v[i].omit && atoi(s->v[i].no + 8) < b->vseq[s->v[i].m]) {
            int prior = 0;
            for (int k = 0; k < i; k++)
                prior |= s->v[k].omit && s->v[k].m == s->v[i].m;
            if (!prior)
                rc = gen_add_finding(s, "VOUCHER_GAP", "", 0, "%s", s->v[i].no);
        }
    return rc;
}

/* Roll the balances forward from the openings and the postings. */
static void balances(builder *b)
{
    county_state *s = b->s;
    gen_city *g = b->g;
    const gen_account *chart = gen_chart(s->c);
    memset(s->bal, 0, sizeof(s->bal));
    for (int i = 0; i < s->nv; i++) {
        voucher *v = &s->v[i];
        for (int k = 0; k < v->nlines; k++) {
            vline *l = &s->lines[v->first + k];
            s->bal[v->fund][l->acc][v->m][1] += l->debit;
            s->bal[v->fund][l->acc][v->m][2] += l->credit;
        }
    }
    for (int f = 0; f < s->c->nfunds; f++)
        for (int a = 0; a < A_N; a++) {
            if (gen_canon_acc(s->c, a) != a)
                continue;
            int dn = gen_debit_normal(chart[a].cls);
            int64_t run = s->open[f][a];
            for (int m = 1; m <= g->np; m++) {
                int64_t *r = s->bal[f][a][m];
                r[0] = run;
                r[3] = dn ? run + r[1] - r[2] : run - r[1] + r[2];
                run = r[3];
            }
        }
    for (int f = 0; f < s->c->nfunds; f++)
        if ((s->c->inject & INJ_ROLLFORWARD) && s->c->funds[f].kind == FK_EMPLOYEE) {
            /* March's closing of 暂付款 mistyped by 100.00: the row does not
             * roll forward, and April opens from the right figure. */
            s->bal[f][A_RECEIVABLE][3][3] += 10000;
            char per[16];
            period_text(g->year * 100 + 3, per);
            gen_add_finding(s, "ROLLFORWARD_BREAK", city_fund(s, f), 10000, "%s/%s",
                            gen_chart4[A_RECEIVABLE].code, per);
            gen_add_finding(s, "PERIOD_GAP", city_fund(s, f), -10000, "%s/%s",
                            gen_chart4[A_RECEIVABLE].code, per);
        }
}

static int cmp_entry(const void *a, const void *b)
{
    const bentry *x = a, *y = b;
    if (x->bank != y->bank)
        return x->bank - y->bank;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    return strcmp(x->ref, y->ref);
}

static int add_entry(county_state *s, int bank, int date, const char *ref, int64_t amount)
{
    bentry *e = grow(s->entries, &s->capentries, s->nentries + 1, sizeof(*e));
    if (!e)
        return TC_ENOMEM;
    s->entries = e;
    bentry *x = &e[s->nentries++];
    x->bank = bank;
    x->date = date;
    snprintf(x->ref, sizeof(x->ref), "%s", ref);
    x->amount = amount;
    return 0;
}

static int banks(builder *b)
{
    county_state *s = b->s;
    gen_city *g = b->g;
    static const int acc_of_role[3] = {A_INCOME_BANK, A_EXPENSE_BANK, A_FISCAL};
    s->nbanks = 0;
    for (int f = 0; f < s->c->nfunds; f++)
        for (int r = 0; r < 3; r++) {
            bank *k = &s->banks[s->nbanks++];
            memset(k, 0, sizeof(*k));
            uint64_t h = gen_rnd(g, s->ci, 5000000000ULL + (uint64_t)(f * 3 + r), 0);
            snprintf(k->no, sizeof(k->no), "%s%d%d%08" PRIu64, s->c->code, f, r, h % 100000000);
            k->fund = f;
            k->role = r;
            k->acc = acc_of_role[r];
            k->open = s->open[f][k->acc];
            if ((s->c->inject & INJ_BANK) && s->c->funds[f].kind == FK_EMPLOYEE && r == 0) {
                /* The bank credited 50.00 on last year's last day that the
                 * county never booked: the statement opens higher. */
                k->open += 5000;
            }
        }
    int rc = 0;
    for (int i = 0; i < s->nv && !rc; i++) {
        voucher *v = &s->v[i];
        for (int n = 0; n < v->nlines && !rc; n++) {
            vline *l = &s->lines[v->first + n];
            if (!l->ref[0])
                continue;
            int kb = -1;
            for (int x = 0; x < s->nbanks; x++)
                if (s->banks[x].fund == v->fund && s->banks[x].acc == l->acc)
                    kb = x;
            if (kb < 0)
                continue;
            if (l->uncleared) {
                s->banks[kb].bnr += l->debit;
                s->banks[kb].bnp += l->credit;
                continue;
            }
            rc = add_entry(s, kb, v->date, l->ref, l->debit - l->credit);
        }
    }
    /* The bank's own items at the cutover, not booked by the county. */
    int cut = g->cutover;
    for (int x = 0; x < s->nbanks && !rc; x++) {
        bank *k = &s->banks[x];
        uint64_t h = gen_rnd(g, s->ci, 6000000000ULL + (uint64_t)x, 0);
        char ref[24];
        if (k->role == 2) {
            k->rnb = 10000 + (int64_t)(h % 90000);
            new_ref(b, cut, ref);
            rc = add_entry(s, x, cut, ref, k->rnb);
        } else if (k->role == 1) {
            k->pnb = 2000 + (int64_t)(h % 6000);
            new_ref(b, cut, ref);
            rc = add_entry(s, x, cut, ref, -k->pnb);
        }
    }
    if (rc)
        return rc;
    qsort(s->entries, (size_t)s->nentries, sizeof(*s->entries), cmp_entry);
    for (int x = 0; x < s->nbanks; x++)
        s->banks[x].close = s->banks[x].open;
    for (int i = 0; i < s->nentries; i++)
        s->banks[s->entries[i].bank].close += s->entries[i].amount;
    for (int x = 0; x < s->nbanks; x++) {
        bank *k = &s->banks[x];
        int64_t ledger = s->bal[k->fund][k->acc][g->np][3];
        int64_t lhs = ledger + k->rnb - k->pnb, rhs = k->close + k->bnr - k->bnp;
        if (lhs != rhs)
            gen_add_finding(s, "BANK_UNRECONCILED", city_fund(s, k->fund), lhs - rhs, "%s",
                            k->no);
    }
    return 0;
}

/* Build everything of county ci except the large sections. */
static int build(gen_city *g, county_state *s, tc_err *e)
{
    builder b;
    memset(&b, 0, sizeof(b));
    b.g = g;
    b.s = s;
    b.cur = -1;
    pass1 p1 = {g, s};
    int rc = gen_walk_contributions(g, s, pass1_contrib, &p1, e);
    if (!rc)
        rc = gen_walk_personal(g, s, pass1_personal, s, e);
    if (rc)
        return rc;
    for (int f = 0; f < s->c->nfunds; f++) {
        if (s->c->funds[f].kind == FK_EMPLOYEE && s->personal_detail[f] != s->personal_ledger[f])
            gen_add_finding(s, "PERSONAL_ACCOUNT_MISMATCH", city_fund(s, f),
                            s->personal_detail[f] - s->personal_ledger[f], "%s",
                            gen_chart4[A_PERSONAL].code);
        openings(&b, f);
        claims_and_debts(&b, f);
    }
    rc = vouchers(&b);
    if (rc)
        return tc_fail(e, rc, "out of memory");
    balances(&b);
    rc = banks(&b);
    if (rc)
        return tc_fail(e, rc, "out of memory");
    return 0;
}

/* ================================================================ emission */

typedef struct emitter {
    gen_city *g;
    county_state *s;
    gen_sink *sink;
} emitter;

/* Count and total what goes out, for the answer key. */
static int out(emitter *x, int rt, const tc_value *v, tc_err *e)
{
    tally *t = &x->s->tally;
    const tc_rectype *type = &tc_rectypes[rt];
    t->count[rt]++;
    for (int i = 0; i < type->ncols; i++)
        if (type->cols[i].type == TC_COL_AMOUNT)
            t->totals[rt][i] += v[i].i;
    return x->sink->record(x->sink, rt, v, e);
}

#define TXT(s) tc_v_text((s), strlen(s))

static int emit_contrib(void *ctx, const gen_contrib *r, tc_err *e)
{
    emitter *x = ctx;
    const gen_county *c = x->s->c;
    tc_value v[8] = {TXT(r->payer),         TXT(c->kinds[r->kind]), TXT(c->funds[r->fund].code),
                     tc_v_int(r->period),   tc_v_int(r->base),      tc_v_int(r->rate),
                     tc_v_int(r->due),      tc_v_int(r->paid)};
    return out(x, RT_CONTRIBUTION, v, e);
}

static int emit_personal(void *ctx, const gen_personal *p, tc_err *e)
{
    emitter *x = ctx;
    tc_value v[3] = {TXT(p->person), TXT(x->s->c->funds[p->fund].code), tc_v_int(p->balance)};
    return out(x, RT_PERSONAL_ACCOUNT, v, e);
}

static int emit_small(emitter *x, tc_err *e)
{
    gen_city *g = x->g;
    county_state *s = x->s;
    const gen_county *c = s->c;
    const gen_account *chart = gen_chart(c);
    int rc = 0;
    for (int a = 0; a < A_N && !rc; a++) {
        if (gen_canon_acc(c, a) != a)
            continue;
        tc_value v[3] = {TXT(chart[a].code), TXT(chart[a].name), TXT(chart[a].cls)};
        rc = out(x, RT_ACCOUNT, v, e);
    }
    for (int k = 0; k < s->nbanks && !rc; k++) {
        bank *bk = &s->banks[k];
        tc_value v[5] = {TXT(bk->no), TXT(c->funds[bk->fund].code), TXT(c->roles[bk->role]),
                         TXT(chart[bk->acc].code), TXT(c->bank)};
        rc = out(x, RT_BANK_ACCOUNT, v, e);
    }
    for (int f = 0; f < c->nfunds && !rc; f++)
        for (int a = 0; a < A_N && !rc; a++) {
            if (gen_canon_acc(c, a) != a)
                continue;
            for (int m = 1; m <= g->np && !rc; m++) {
                int64_t *r = s->bal[f][a][m];
                tc_value v[7] = {TXT(c->funds[f].code), TXT(chart[a].code),
                                 tc_v_int(g->year * 100 + m), tc_v_int(r[0]), tc_v_int(r[1]),
                                 tc_v_int(r[2]), tc_v_int(r[3])};
                rc = out(x, RT_BALANCE, v, e);
            }
        }
    for (int i = 0; i < s->nv && !rc; i++) {
        voucher *vo = &s->v[i];
        if (vo->omit)
            continue;
        for (int k = 0; k < vo->nlines && !rc; k++) {
            vline *l = &s->lines[vo->first + k];
            tc_value v[10] = {TXT(vo->no),         tc_v_int(vo->date), TXT(c->funds[vo->fund].code),
                              TXT(vo->memo),       tc_v_int(k + 1),    TXT(chart[l->acc].code),
                              tc_v_int(l->debit),  tc_v_int(l->credit), TXT(l->ref),
                              tc_v_text("", 0)};
            rc = out(x, RT_VOUCHER_LINE, v, e);
        }
    }
    return rc;
}

static int emit_after_contrib(emitter *x, tc_err *e)
{
    gen_city *g = x->g;
    county_state *s = x->s;
    const gen_county *c = s->c;
    int rc = 0;
    for (int f = 0; f < c->nfunds && !rc; f++)
        for (int l = 0; l < 4 && !rc; l++)
            for (int y = 0; y < 2 && !rc; y++) {
                if (!s->sub_due[f][l][y])
                    continue;
                tc_value v[5] = {TXT(c->levels[l]), TXT(c->funds[f].code),
                                 tc_v_int(g->year - 1 + y), tc_v_int(s->sub_due[f][l][y]),
                                 tc_v_int(s->sub_rec[f][l][y])};
                rc = out(x, RT_SUBSIDY, v, e);
            }
    for (int i = 0; i < GEN_NINST && !rc; i++) {
        char code[24], name[64];
        gen_inst_local(c, i, code, sizeof(code));
        gen_inst_name(c, i, name, sizeof(name));
        for (int f = 0; f < c->nfunds && !rc; f++)
            for (int m = 1; m <= g->np && !rc; m++) {
                if (!s->pay_settled[f][i][m])
                    continue;
                tc_value v[6] = {TXT(code), TXT(name), TXT(c->funds[f].code),
                                 tc_v_int(g->year * 100 + m), tc_v_int(s->pay_settled[f][i][m]),
                                 tc_v_int(s->pay_paid[f][i][m])};
                rc = out(x, RT_PAYABLE, v, e);
            }
    }
    if (!rc && (c->inject & INJ_UNMAPPED)) {
        /* A pharmacy designated after the mapping set was drawn up. */
        char code[24];
        snprintf(code, sizeof(code), "%s9999", c->inst_prefix);
        s->unmapped_settled = 100000;
        tc_value v[6] = {TXT(code), TXT("新开业药房"), TXT(c->funds[0].code),
                         tc_v_int(g->year * 100 + g->np), tc_v_int(100000), tc_v_int(0)};
        rc = out(x, RT_PAYABLE, v, e);
    }
    int from = g->year * 10000 + 101;
    for (int k = 0, i = 0; k < s->nbanks && !rc; k++) {
        bank *bk = &s->banks[k];
        tc_value v[5] = {TXT(bk->no), tc_v_int(from), tc_v_int(g->cutover), tc_v_int(bk->open),
                         tc_v_int(bk->close)};
        rc = out(x, RT_BANK_STATEMENT, v, e);
        for (; i < s->nentries && s->entries[i].bank == k && !rc; i++) {
            bentry *en = &s->entries[i];
            tc_value w[4] = {TXT(bk->no), tc_v_int(en->date), TXT(en->ref), tc_v_int(en->amount)};
            rc = out(x, RT_BANK_ENTRY, w, e);
        }
    }
    return rc;
}

int gen_county_emit(gen_city *g, int ci, gen_sink *sink, tc_err *e)
{
    county_state *s = &g->counties[ci];
    int rc = build(g, s, e);
    if (rc)
        return rc;
    emitter x = {g, s, sink};
    rc = emit_small(&x, e);
    if (!rc)
        rc = gen_walk_contributions(g, s, emit_contrib, &x, e);
    if (!rc)
        rc = emit_after_contrib(&x, e);
    if (!rc)
        rc = gen_walk_personal(g, s, emit_personal, &x, e);
    if (!rc)
        s->emitted = 1;
    return rc;
}
