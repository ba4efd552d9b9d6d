/*
 * gen_model.c - the construction of the example city.
 *
 * For each county the model does, in this order:
 *
 *  1. Walk the payers once (pass 1), adding up what the ledger must show:
 *     contributions paid per fund and period, personal account balances,
 *     and the claims of the answer key (arrears by age, overpayments).
 *  2. Build the ledger in memory - it is small, tens of vouchers a month:
 *     year-opening balances that satisfy the accounting equation, vouchers
 *     that post every receipt and payment, balances rolled forward from
 *     them, bank statements that mirror the postings except for the timing
 *     items placed on purpose, payables and subsidies.
 *  3. Feed every record to the sink in section order, walking the payers a
 *     second time for the contributions and personal accounts.
 *
 * Each injected finding is a small, local change to that construction,
 * made in one place below and recorded as an expected finding as it is
 * made (search for INJ_).  The answer key is therefore the construction's
 * own bookkeeping.
 *
 * Randomness is a hash of (seed, county, payer, purpose) - splitmix64 -
 * so any record can be made again without state: that is what keeps the
 * generator's memory flat.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident.h"
#include "core/money.h"
#include "generate/gen_model.h"

/* ============================================================ randomness */

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t gen_rnd(const gen_city *g, int ci, uint64_t j, uint64_t k)
{
    return mix(mix(mix(g->seed * 31 + (uint64_t)ci) ^ j) ^ (k * 0x632be59bd9b4e019ULL));
}

/* lo + (h mod (hi-lo+1)) */
static int64_t in_range(uint64_t h, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(h % (uint64_t)(hi - lo + 1));
}

/* ================================================================= dates */

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* Civil date from days since 1970-01-01 (H. Hinnant's algorithm). */
static void civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* Date (YYYYMMDD) of day `day` of period m of the open year, never past
 * the cutover. */
int gen_date(const gen_city *g, int m, int day)
{
    int last = days_in_month(g->year, m);
    if (day > last)
        day = last;
    if (m == g->np && day > g->cut_day)
        day = g->cut_day;
    return g->year * 10000 + m * 100 + day;
}

/* ============================================================ identities */

/* A resident identity number for payer j, born in region (6 digits). */
void gen_person_id(const char *region, uint64_t j, int break_check, char out[19])
{
    int y, m, d;
    /* 1950-01-01 is day -7305; 20000 birthdays, 1000 sequence numbers each. */
    civil(-7305 + (int64_t)(j % 20000), &y, &m, &d);
    snprintf(out, 19, "%.6s%04u%02u%02u%03u", region, (unsigned)y % 10000, (unsigned)m % 100,
             (unsigned)d % 100, (unsigned)((j / 20000) % 1000));
    char c = tc_ident_id_check_char(out);
    if (break_check)
        c = c == '0' ? '1' : c == 'X' ? '0' : c == '9' ? 'X' : (char)(c + 1);
    out[17] = c;
    out[18] = '\0';
}

/* A unified social credit code for employer j registered in region. */
void gen_uscc(const char *region, uint64_t j, char out[19])
{
    static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    char body[9] = "MA";
    uint64_t v = j;
    for (int i = 7; i >= 2; i--) {
        body[i] = cs[v % 31];
        v /= 31;
    }
    body[8] = '\0';
    /* GB 11714 organization code check: weights 3 7 9 10 5 8 4 2, MOD 11. */
    static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        char ch = body[i];
        int val = ch >= '0' && ch <= '9' ? ch - '0' : ch - 'A' + 10;
        sum += val * w[i];
    }
    int c9 = 11 - sum % 11;
    char oc = c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
    snprintf(out, 19, "91%.6s%s%c", region, body, oc);
    out[17] = tc_ident_uscc_check_char(out);
    out[18] = '\0';
}

/* ============================================================== payers */

static int kind_of(uint64_t j)
{
    static const int pattern[10] = {KIND_EMPLOYER, KIND_EMPLOYER, KIND_EMPLOYER, KIND_EMPLOYEE,
                                    KIND_EMPLOYEE, KIND_EMPLOYEE, KIND_EMPLOYEE, KIND_FLEXIBLE,
                                    KIND_RESIDENT, KIND_RESIDENT};
    return pattern[j % 10];
}

int gen_fund_of_kind(const gen_county *c, int fk)
{
    for (int f = 0; f < c->nfunds; f++)
        if (c->funds[f].kind == fk)
            return f;
    return -1;
}

typedef struct walk {
    gen_city *g;
    county_state *s;
    uint64_t limit, count;
    gen_contrib_cb cb;
    void *ctx;
    int stop;
} walk;

static int put(walk *w, const gen_contrib *r, tc_err *e)
{
    if (w->count >= w->limit) {
        w->stop = 1;
        return 0;
    }
    w->count++;
    return w->cb(w->ctx, r, e);
}

/* All records of payer j, in a fixed order. */
static int payer_records(walk *w, uint64_t j, tc_err *e)
{
    gen_city *g = w->g;
    county_state *s = w->s;
    const gen_county *c = s->c;
    int ci = s->ci;
    uint64_t h = gen_rnd(g, ci, j, 0);
    int kind = kind_of(j);
    gen_contrib r;
    memset(&r, 0, sizeof(r));
    r.kind = kind;
    r.j = j;
    int rc;

    if (kind == KIND_EMPLOYER) {
        gen_uscc(c->code, j, r.payer);
        r.fund = gen_fund_of_kind(c, FK_EMPLOYEE);
        int64_t base = in_range(h >> 8, 5000000, 200000000);
        /* Older-period arrears: partly paid contributions from last years. */
        if (j % 40 == 0) {
            static const int old[3][2] = {{-2, 7}, {-1, 3}, {-1, 11}};
            for (int k = 0; k < 3; k++) {
                uint64_t hk = gen_rnd(g, ci, j, 100 + (uint64_t)k);
                r.period = (g->year + old[k][0]) * 100 + old[k][1];
                r.base = base - in_range(hk, 0, base / 10);
                r.rate = 700;
                tc_money_apply_rate(r.base, r.rate, &r.due);
                r.paid = r.due * (int64_t)(hk % 50) / 100;
                r.flags = 0;
                if ((rc = put(w, &r, e)) || w->stop)
                    return rc;
                if (k == 0 && (c->inject & INJ_DUPLICATE) && j == 0) {
                    r.flags = GC_DUPLICATE; /* imported twice */
                    if ((rc = put(w, &r, e)) || w->stop)
                        return rc;
                }
            }
        }
        int mat = gen_fund_of_kind(c, FK_MATERNITY);
        for (int m = 1; m <= g->np; m++) {
            uint64_t hm = gen_rnd(g, ci, j, (uint64_t)m);
            r.period = g->year * 100 + m;
            r.fund = gen_fund_of_kind(c, FK_EMPLOYEE);
            r.base = base + in_range(hm, 0, 99999);
            r.rate = 700;
            r.flags = 0;
            if ((c->inject & INJ_RATE) && j == 0 && m == 2) {
                r.rate = 600; /* charged at last year's rate */
                r.flags = GC_RATE;
            }
            tc_money_apply_rate(r.base, r.rate, &r.due);
            int64_t ratio = 100; /* percent paid */
            if (h % 20 == 1 && r.flags == 0) {
                if (m >= g->np - 1)
                    ratio = 0;
                else if (m == 2)
                    ratio = 50;
            }
            r.paid = r.due * ratio / 100;
            if (h % 50 == 7 && m == 1)
                r.paid = r.due + 10000; /* overpaid by 100.00 */
            if ((rc = put(w, &r, e)) || w->stop)
                return rc;
            if (mat >= 0) {
                gen_contrib t = r;
                t.fund = mat;
                t.rate = 70;
                t.flags = 0;
                tc_money_apply_rate(t.base, t.rate, &t.due);
                t.paid = t.due * ratio / 100;
                if ((rc = put(w, &t, e)) || w->stop)
                    return rc;
            }
        }
        return 0;
    }

    gen_person_id(c->code, j, (c->inject & INJ_CHECK_DIGIT) && j == 8, r.payer);
    if (kind == KIND_RESIDENT) {
        r.fund = gen_fund_of_kind(c, FK_RESIDENT);
        r.period = g->year * 100 + 1;
        r.base = 34000;
        r.rate = 10000;
        r.due = r.paid = 34000;
        r.flags = (c->inject & INJ_CHECK_DIGIT) && j == 8 ? GC_CHECK_DIGIT : 0;
        return put(w, &r, e);
    }
    int large = gen_fund_of_kind(c, FK_LARGE);
    int64_t base = kind == KIND_EMPLOYEE ? in_range(h >> 8, 300000, 2500000)
                                         : 360000 + (int64_t)(h % 3) * 60000;
    for (int m = 1; m <= g->np; m++) {
        r.fund = gen_fund_of_kind(c, FK_EMPLOYEE);
        r.period = g->year * 100 + m;
        r.base = base;
        r.rate = kind == KIND_EMPLOYEE ? 200 : 900;
        tc_money_apply_rate(r.base, r.rate, &r.due);
        r.flags = 0;
        if ((c->inject & INJ_DUE) && j == 3 && m == 1) {
            r.due += 1; /* the exporting system rounded the wrong way */
            r.flags = GC_DUE;
        }
        r.paid = r.due;
        if ((rc = put(w, &r, e)) || w->stop)
            return rc;
        if (large >= 0 && kind == KIND_EMPLOYEE) {
            gen_contrib t = r;
            t.fund = large;
            t.base = t.due = t.paid = 1000;
            t.rate = 10000;
            t.flags = 0;
            if ((rc = put(w, &t, e)) || w->stop)
                return rc;
        }
    }
    return 0;
}

/* Payers and records in payer order: *payers have records, the last of
 * them *last_kept of its own (the limit may cut it short). */
static int count_cb(void *ctx, const gen_contrib *r, tc_err *e)
{
    (void)ctx, (void)r, (void)e;
    return 0;
}

/* A walk that passes on, of each payer, the records of one period. */
typedef struct period_filter {
    int period;
    uint64_t k, keep;          /* the payer's records seen, and kept at most */
    gen_contrib_cb cb;
    void *ctx;
} period_filter;

static int period_cb(void *ctx, const gen_contrib *r, tc_err *e)
{
    period_filter *f = ctx;
    if (f->k++ >= f->keep || r->period != f->period)
        return 0;
    return f->cb(f->ctx, r, e);
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/*
 * The same records by period (PERIOD, MIXED): one walk over the payers per
 * period a record can have, oldest first, each passing on that period's
 * records.  Memory stays flat; time is that of a walk per period.  MIXED
 * visits the payers in the order i -> (a i + b) mod n, a bijection.
 */
static int walk_by_period(walk *w, uint64_t payers, uint64_t last_kept, int mixed, tc_err *e)
{
    gen_city *g = w->g;
    int periods[3 + MAXP], np = 0;
    periods[np++] = (g->year - 2) * 100 + 7;
    periods[np++] = (g->year - 1) * 100 + 3;
    periods[np++] = (g->year - 1) * 100 + 11;
    for (int m = 1; m <= g->np; m++)
        periods[np++] = g->year * 100 + m;
    uint64_t a = 1, b = 0;
    if (mixed && payers > 1) {
        a = 2654435761u % payers;
        while (a < 2 || gcd(a, payers) != 1)
            a = (a + 1) % payers;
        b = payers / 3;
    }
    period_filter f = {0, 0, 0, w->cb, w->ctx};
    walk pw = *w;
    pw.limit = UINT64_MAX;
    pw.count = 0;
    pw.stop = 0;
    pw.cb = period_cb;
    pw.ctx = &f;
    for (int p = 0; p < np; p++) {
        f.period = periods[p];
        for (uint64_t i = 0; i < payers; i++) {
            uint64_t j = (uint64_t)(((unsigned __int128)a * i + b) % payers);
            f.k = 0;
            f.keep = j == payers - 1 ? last_kept : UINT64_MAX;
            int rc = payer_records(&pw, j, e);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int gen_walk_contributions(gen_city *g, county_state *s, gen_contrib_cb cb, void *ctx, tc_err *e)
{
    int ordered = g->o.order != TC_GEN_ORDER_PAYER;
    walk w = {g, s, g->records, 0, ordered ? count_cb : cb, ctx, 0};
    uint64_t j = 0, before = 0;
    while (!w.stop && w.count < w.limit) {
        before = w.count;
        int rc = payer_records(&w, j, e);
        if (rc)
            return rc;
        j++;
    }
    /* Payers 0..j-1 have records (the last perhaps not all of them). */
    s->payers = j;
    if (!ordered)
        return 0;
    w.cb = cb;
    return walk_by_period(&w, j, w.count - before, g->o.order == TC_GEN_ORDER_MIXED, e);
}

int gen_walk_personal(gen_city *g, county_state *s, gen_personal_cb cb, void *ctx, tc_err *e)
{
    int f = gen_fund_of_kind(s->c, FK_EMPLOYEE);
    for (uint64_t j = 0; j < s->payers; j++) {
        int k = kind_of(j);
        if (k != KIND_EMPLOYEE && k != KIND_FLEXIBLE)
            continue;
        gen_personal p;
        gen_person_id(s->c->code, j, 0, p.person);
        p.fund = f;
        p.balance = in_range(gen_rnd(g, s->ci, j, 500), 0, 3000000);
        p.ledger_balance = p.balance;
        if ((s->c->inject & INJ_PERSONAL) && j == 3)
            p.balance += 1234; /* changed in the detail after the ledger closed */
        int rc = cb(ctx, &p, e);
        if (rc)
            return rc;
    }
    return 0;
}
