/*
 * gen_months.c - the example city's months after the cutover (--months N):
 * each county's month ledgers, what reached the 市财政专户, budget.csv, the
 * quarterly requests, and an answer key of every figure the city's cycles
 * (shared/spec/operations.md; operations/) must compute from them.
 *
 * Written after the handover, from the handover's closing figures, so the
 * handover files are untouched by the option.  The whole plan is small (7
 * counties x 3 funds x N months of a few figures), built first, then
 * written:
 *
 *   months/YYYY-MM/FILE     each county's ledger of the month, handover XML in
 *                           the county's own encoding, chart and codes (the
 *                           legacy-database counties as CODE.xml)
 *   months/YYYY-MM/city.csv county,fund,received_from_below: what reached the
 *                           市财政专户 per county and city fund (4701)
 *   operations/budget.csv   county,fund,year,income,expenditure (yuan)
 *   operations/requests.csv county,fund,year,quarter,amount (yuan)
 *   operations/exceptions.csv county,fund,year,quarter,reason: the requests a
 *                           signed exception names (the signatures come later)
 *   operations/answer-key.json
 *
 * The model of a county's month, per city fund (one county fund each: 九台
 * books maternity under 01 once the city chart has merged it):
 *
 *   contributions into the 收入户 (4001; the sum of the month's
 *   contribution records, written in the ledger too), subsidies for the
 *   resident fund in March and September (4101), interest at each quarter's end (4301); the
 *   month's income remitted up on the 28th (5401 Dr, 收入户 Cr); benefits
 *   paid from the 支出户 (5001 Dr); the city's pre-allocation and approved
 *   requests arriving in the 支出户 (Dr 1004, Cr the fund balance: the
 *   county holds the city's money for spending, it earns nothing).
 *
 * The county's books after the cutover open at zero: the handover moved its
 * cash to the city, where the county's sub-ledger opens at that transfer.
 * Income and expense accounts are carried into the fund balance at each
 * year's start.
 *
 * The key is the bookkeeping of this construction, computed here by the
 * spec's formulas; tests/generate/test_months.c checks it against what
 * operations/ computes from the files.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/atomic.h"
#include "core/money.h"
#include "core/perm.h"
#include "generate/gen_model.h"

#define MAXF 3   /* city funds of a county */

/* The injected cases (docs/example-city.md, "After the cutover"). */
#define CASE_OVERDUE_COUNTY "220112"    /* 双阳: income of month 2 remitted in month 4 */
#define CASE_OVER_COUNTY "220183"       /* 德惠: the first year's last request over headroom */
#define CASE_COVER_COUNTY "220113"      /* 九台: each year's gap covered by its surplus */
#define CASE_GOV_COUNTY "220184"        /* 公主岭: each year's gap beyond its surplus */
#define CASE_NOBUDGET_COUNTY "220122"   /* 农安: no budget row for fund 390 */
#define CASE_NOBUDGET_FUND "390"
#define CASE_FUND "310"
#define CASE_EXCEPT_COUNTY "220100"     /* 市本级 330: the first request over, named by an exception */
#define CASE_EXCEPT_FUND "330"
#define OVERDUE_K 1                     /* month index (0-based) left unremitted, with the next */

typedef struct mfig {          /* one county fund, one month */
    int64_t contrib, subsidy, interest, remit, benefit, pre, req;
} mfig;

typedef struct yreq {
    int quarter, k;            /* k: the month index it is paid in */
    int64_t requested, headroom, approved, excess;
    int over, excepted;
} yreq;

typedef struct yplan {
    int year, k0, n;           /* months k0 .. k0+n-1 */
    int complete;              /* its December is generated: settled */
    int has_budget;
    int64_t b_income, b_expenditure;
    int basis_actual;
    int64_t basis, basis_handover, basis_months;   /* actual: the parts */
    int64_t pre;
    yreq req[4];
    int nreq;
    int64_t approved;
    int64_t S;
    int64_t income, contrib, subsidy, interest, remitted, expenditure;
    int64_t result, gap, cover, government, closing;
    int64_t sp_open, sp_close;
} yplan;

typedef struct fplan {
    int lf;                    /* the county fund (index into c->funds) */
    const char *city;
    int64_t transfer;          /* what the handover moved: the sub-ledger's opening */
    int64_t level;             /* monthly contributions, about */
    mfig *m;                   /* N months */
    yplan y[12];
    int ny;
} fplan;

typedef struct ops {
    gen_city *g;
    int n;
    int nf[GEN_NCOUNTIES];
    fplan f[GEN_NCOUNTIES][MAXF];
    int64_t run[GEN_NCOUNTIES][MAXF][A_N];   /* closing of the month before */
} ops;

/* =========================================================== calendar */

static int period_of(const gen_city *g, int k)
{
    int mi = g->np + 1 + k;                     /* months after January of g->year, 1-based */
    return (g->year + (mi - 1) / 12) * 100 + (mi - 1) % 12 + 1;
}

static int days_in(int period)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = period / 100, m = period % 100;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d[m - 1] + (m == 2 && leap);
}

static int64_t muldiv(int64_t a, int64_t num, int64_t den)
{
    /* half away from zero, a >= 0 here */
    __int128 p = (__int128)a * num;
    return (int64_t)((p + den / 2) / den);
}

static uint64_t rnd(const ops *o, int ci, int cf, uint64_t what, uint64_t k)
{
    return gen_rnd(o->g, ci, 7000000000ULL + what * 16 + (uint64_t)cf, k);
}

/* ================================================ the month's contributions */

/*
 * The month's contribution records of a county: as many as the handover
 * had (-n), payer j of month k a pure function of (seed, county, k, j), so
 * the plan walks them once for the sums and the ledger once more to write
 * them; memory does not grow with them.  Payer j pays into city fund
 * j mod (funds); into the employee fund, an employer (7 %) or an employee
 * (2 %) in turn; into the others, a resident or a 大额 member at rate 1.
 * Each pays what is due, so Σ paid is the month's 4001 credit and the
 * handover's reconcile finds the month clean.
 */
typedef struct mcontrib {
    int cf, kind;
    char payer[19];
    int64_t base, due;
    int32_t rate;
} mcontrib;

static void month_contrib(const ops *o, int ci, int k, uint64_t j, mcontrib *r)
{
    const county_state *s = &o->g->counties[ci];
    const gen_county *c = s->c;
    const fplan *fp;
    uint64_t h = gen_rnd(o->g, ci, 7100000000ULL + (uint64_t)k, j);
    r->cf = (int)(j % (uint64_t)o->nf[ci]);
    fp = &o->f[ci][r->cf];
    int fk = c->funds[fp->lf].kind;
    uint64_t payer = 800000 + j / (uint64_t)o->nf[ci];   /* apart from the handover's payers */
    if (fk == FK_EMPLOYEE && j / (uint64_t)o->nf[ci] % 2 == 0) {
        r->kind = KIND_EMPLOYER;
        gen_uscc(c->code, payer, r->payer);
        r->base = 5000000 + (int64_t)(h % 195000001);
        r->rate = 700;
    } else if (fk == FK_EMPLOYEE) {
        r->kind = KIND_EMPLOYEE;
        gen_person_id(c->code, payer, 0, r->payer);
        r->base = 300000 + (int64_t)(h % 1700001);
        r->rate = 200;
    } else {
        r->kind = fk == FK_RESIDENT ? KIND_RESIDENT : KIND_EMPLOYEE;
        gen_person_id(c->code, payer, 0, r->payer);
        r->base = (fk == FK_RESIDENT ? 2000 : 1000) + (int64_t)(h % 4001);
        r->rate = 10000;
    }
    tc_money_apply_rate(r->base, r->rate, &r->due);
}

/* ============================================================== the plan */

static int is(const gen_county *c, const char *code) { return strcmp(c->city, code) == 0; }

static void month_normal(ops *o, int ci, int cf, int k)
{
    fplan *fp = &o->f[ci][cf];
    const gen_county *c = o->g->counties[ci].c;
    mfig *m = &fp->m[k];
    int p = period_of(o->g, k), mon = p % 100;
    uint64_t h = rnd(o, ci, cf, 1, (uint64_t)k);
    /* m->contrib: the records' sum, added up before (plan) */
    if (c->funds[fp->lf].kind == FK_RESIDENT && (mon == 3 || mon == 9))
        m->subsidy = fp->level * (40 + (int64_t)((h >> 16) % 20)) / 100 + 37;
    if (mon % 3 == 0)
        m->interest = 100000 + (int64_t)((h >> 24) % 5000000);
    int64_t inc = m->contrib + m->subsidy + m->interest;
    m->benefit = inc * (85 + (int64_t)((h >> 32) % 12)) / 100;
    m->remit = inc;
}

/* The actual expenditure of year y: the handover ledger's months of it
 * and the month ledgers' (either may be none). */
static int actual_of(ops *o, int ci, int cf, int y, int64_t *handover, int64_t *months)
{
    gen_city *g = o->g;
    fplan *fp = &o->f[ci][cf];
    county_state *s = &g->counties[ci];
    int known = 0;
    *handover = *months = 0;
    if (y == g->year) {
        for (int lf = 0; lf < s->c->nfunds; lf++) {
            if (strcmp(s->c->funds[lf].city, fp->city) != 0)
                continue;
            for (int m = 1; m <= g->np; m++)
                *handover += s->bal[lf][A_BENEFIT][m][1] + s->bal[lf][A_BENEFIT_PA][m][1];
        }
        known = g->np == 12 || period_of(g, 0) / 100 == y;
    }
    for (int k = 0; k < o->n; k++)
        if (period_of(g, k) / 100 == y) {
            *months += fp->m[k].benefit;
            known = known || y != g->year;
        }
    /* a year is known whole only from January: the handover's year, or one
     * whose January is generated */
    if (y != g->year && period_of(g, 0) > y * 100 + 1)
        known = 0;
    return known;
}

static void plan_year(ops *o, int ci, int cf, yplan *yp, int64_t S, int64_t sp_open)
{
    gen_city *g = o->g;
    fplan *fp = &o->f[ci][cf];
    const gen_county *c = g->counties[ci].c;
    yp->S = S;
    yp->sp_open = sp_open;
    for (int k = yp->k0; k < yp->k0 + yp->n; k++) {
        int64_t contrib = fp->m[k].contrib;
        memset(&fp->m[k], 0, sizeof(fp->m[k]));
        fp->m[k].contrib = contrib;
        month_normal(o, ci, cf, k);
    }
    /* a gap of the year, on purpose, in a settled year */
    int cover = is(c, CASE_COVER_COUNTY), gov = is(c, CASE_GOV_COUNTY);
    if (yp->complete && (cover || gov) && strcmp(fp->city, CASE_FUND) == 0) {
        uint64_t h = rnd(o, ci, cf, 2, (uint64_t)yp->year);
        int64_t G;
        if (cover)
            G = S > 0 ? S * (30 + (int64_t)(h % 40)) / 100 + (int64_t)((h >> 8) % 100)
                      : fp->level;
        else
            G = S > 0 ? S * (110 + (int64_t)(h % 30)) / 100 + (int64_t)((h >> 8) % 100)
                      : fp->level * 3;
        int64_t inc = 0, exp = 0;
        for (int k = yp->k0; k < yp->k0 + yp->n; k++) {
            inc += fp->m[k].contrib + fp->m[k].subsidy + fp->m[k].interest;
            exp += fp->m[k].benefit;
        }
        int64_t bump = inc + G - exp, each = bump / yp->n;
        for (int k = yp->k0; k < yp->k0 + yp->n; k++)
            fp->m[k].benefit += each;
        fp->m[yp->k0 + yp->n - 1].benefit += bump - each * yp->n;
    }
    /* the year's figures */
    for (int k = yp->k0; k < yp->k0 + yp->n; k++) {
        mfig *m = &fp->m[k];
        yp->contrib += m->contrib;
        yp->subsidy += m->subsidy;
        yp->interest += m->interest;
        yp->remitted += m->remit;
        yp->expenditure += m->benefit;
    }
    yp->income = yp->contrib + yp->subsidy + yp->interest;
    /* the budget: what the year is planned to bring and cost, for twelve months */
    uint64_t h = rnd(o, ci, cf, 3, (uint64_t)yp->year);
    yp->b_expenditure = yp->expenditure * 12 / yp->n * (98 + (int64_t)(h % 6)) / 100 +
                        (int64_t)((h >> 8) % 100);
    yp->b_income = yp->income * 12 / yp->n * (97 + (int64_t)((h >> 16) % 6)) / 100 +
                   (int64_t)((h >> 24) % 100);
    int64_t a_ho, a_mo;
    yp->has_budget = 1;
    if (is(c, CASE_NOBUDGET_COUNTY) && strcmp(fp->city, CASE_NOBUDGET_FUND) == 0 &&
        actual_of(o, ci, cf, yp->year - 1, &a_ho, &a_mo)) {
        yp->has_budget = 0;
        yp->basis_actual = 1;
        yp->basis_handover = a_ho;
        yp->basis_months = a_mo;
        yp->basis = a_ho + a_mo;
    } else {
        yp->basis = yp->b_expenditure;
    }
    yp->pre = muldiv(yp->basis, 3, 12);
    fp->m[yp->k0].pre = yp->pre;
    /* a request in each quarter whose first month is generated */
    int over = is(c, CASE_OVER_COUNTY) && strcmp(fp->city, CASE_FUND) == 0 && yp->k0 == 0;
    int excepted = is(c, CASE_EXCEPT_COUNTY) && strcmp(fp->city, CASE_EXCEPT_FUND) == 0 &&
                   yp->k0 == 0;
    for (int k = yp->k0; k < yp->k0 + yp->n; k++) {
        int mon = period_of(g, k) % 100;
        if (mon % 3 != 1)
            continue;
        yreq *r = &yp->req[yp->nreq++];
        r->quarter = (mon - 1) / 3 + 1;
        r->k = k;
        uint64_t hq = rnd(o, ci, cf, 4, (uint64_t)k);
        r->requested = yp->basis * (90 + (int64_t)(hq % 10)) / 400 + (int64_t)((hq >> 8) % 100);
    }
    for (int i = 0; i < yp->nreq; i++) {
        yreq *r = &yp->req[i];
        r->headroom = muldiv(yp->basis, r->quarter, 4) - yp->approved;
        int64_t room = r->headroom > 0 ? r->headroom : 0;
        if (over && i == yp->nreq - 1) {
            uint64_t hq = rnd(o, ci, cf, 5, (uint64_t)r->k);
            r->requested = room + 1000000 + (int64_t)(hq % 9000000);
        }
        if (excepted && i == 0) {
            /* an urgent need the city signs an exception for */
            uint64_t hq = rnd(o, ci, cf, 6, (uint64_t)r->k);
            r->requested = room + yp->basis * (5 + (int64_t)(hq % 8)) / 100 +
                           (int64_t)((hq >> 8) % 100);
            r->excepted = 1;
        } else if (excepted && r->requested > room) {
            r->requested = room;   /* the county asks no more than is left */
        }
        r->over = r->requested > room;
        r->approved = r->requested < room || r->excepted ? r->requested : room;
        r->excess = r->over ? r->requested - room : 0;
        yp->approved += r->approved;
        fp->m[r->k].req += r->approved;
    }
    /* the settlement and the 支出户 */
    yp->result = yp->income - yp->expenditure;
    yp->gap = yp->result < 0 ? -yp->result : 0;
    int64_t s = S > 0 ? S : 0;
    yp->cover = yp->gap < s ? yp->gap : s;
    yp->government = yp->gap - yp->cover;
    yp->closing = S + yp->result + yp->government;
    yp->sp_close = sp_open + yp->pre + yp->approved - yp->expenditure;
}

static int plan(ops *o, tc_err *e)
{
    gen_city *g = o->g;
    for (int ci = 0; ci < GEN_NCOUNTIES; ci++) {
        county_state *s = &g->counties[ci];
        const gen_county *c = s->c;
        for (int lf = 0; lf < c->nfunds; lf++) {
            int seen = 0;
            for (int k = 0; k < o->nf[ci]; k++)
                seen |= strcmp(o->f[ci][k].city, c->funds[lf].city) == 0;
            if (seen)
                continue;
            fplan *fp = &o->f[ci][o->nf[ci]++];
            fp->lf = lf;
            fp->city = c->funds[lf].city;
            fp->m = calloc((size_t)o->n, sizeof(*fp->m));
            if (!fp->m)
                return tc_fail(e, TC_ENOMEM, "out of memory");
        }
        for (int k = 0; k < o->n; k++)
            for (uint64_t j = 0; j < g->records; j++) {
                mcontrib r;
                month_contrib(o, ci, k, j, &r);
                o->f[ci][r.cf].m[k].contrib += r.due;
            }
        for (int cf = 0; cf < o->nf[ci]; cf++) {
            fplan *fp = &o->f[ci][cf];
            for (int lf = 0; lf < c->nfunds; lf++)
                if (strcmp(c->funds[lf].city, fp->city) == 0)
                    fp->transfer += s->bal[lf][A_INCOME_BANK][g->np][3] +
                                    s->bal[lf][A_FISCAL][g->np][3] +
                                    s->bal[lf][A_EXPENSE_BANK][g->np][3];
            uint64_t h = rnd(o, ci, cf, 0, 0);
            int64_t t = fp->transfer > 4000000 ? fp->transfer : 4000000;
            fp->level = t / 40 * (80 + (int64_t)(h % 41)) / 100;
            /* the years the months touch */
            int64_t S = fp->transfer, sp = 0;
            for (int k = 0; k < o->n;) {
                int y = period_of(g, k) / 100, n = 0;
                while (k + n < o->n && period_of(g, k + n) / 100 == y)
                    n++;
                yplan *yp = &fp->y[fp->ny++];
                memset(yp, 0, sizeof(*yp));
                yp->year = y;
                yp->k0 = k;
                yp->n = n;
                yp->complete = period_of(g, k + n - 1) % 100 == 12;
                plan_year(o, ci, cf, yp, S, sp);
                S = yp->closing;
                sp = yp->sp_close;
                k += n;
            }
            /* overdue: the income of month OVERDUE_K and of the next is not
             * remitted until the month after them (remittances pay the
             * oldest income first, so a single late month would not be) */
            if (is(c, CASE_OVERDUE_COUNTY) && strcmp(fp->city, CASE_FUND) == 0) {
                mfig *m = fp->m;
                m[OVERDUE_K + 2].remit += m[OVERDUE_K].remit + m[OVERDUE_K + 1].remit;
                m[OVERDUE_K].remit = m[OVERDUE_K + 1].remit = 0;
                for (int i = 0; i < fp->ny; i++) {
                    yplan *yp = &fp->y[i];
                    yp->remitted = 0;
                    for (int k = yp->k0; k < yp->k0 + yp->n; k++)
                        yp->remitted += m[k].remit;
                }
            }
        }
    }
    return 0;
}

static void ops_free(ops *o)
{
    for (int ci = 0; ci < GEN_NCOUNTIES; ci++)
        for (int cf = 0; cf < o->nf[ci]; cf++)
            free(o->f[ci][cf].m);
}

/* ========================================================= the files */

static const char *ledger_file(const gen_city *g, int ci, char *buf, size_t n)
{
    const gen_county *c = g->counties[ci].c;
    if (c->format == FMT_XML)
        snprintf(buf, n, "%s", c->file);
    else
        snprintf(buf, n, "%s.xml", c->code);
    return buf;
}

static char *yuan(int64_t fen, char *buf) { return tc_money_format(fen, buf); }

typedef struct csvout {
    tc_atomic *a;
    FILE *f;
} csvout;

static int csv_open(csvout *x, const char *path, const char *header, tc_err *e)
{
    int rc = tc_atomic_open(&x->a, path, e);
    if (rc)
        return rc;
    x->f = tc_atomic_file(x->a);
    fprintf(x->f, "%s\n", header);
    return 0;
}

static int csv_close(csvout *x, tc_err *e)
{
    if (ferror(x->f)) {
        tc_atomic_abort(x->a);
        return tc_fail(e, TC_EIO, "cannot write %s", tc_atomic_temp_path(x->a));
    }
    return tc_atomic_commit(x->a, e);
}

static int write_inputs(ops *o, const char *dir, tc_err *e)
{
    gen_city *g = o->g;
    char path[1200], a[TC_MONEY_BUFSZ], b[TC_MONEY_BUFSZ];
    csvout bud, req, exc;
    snprintf(path, sizeof(path), "%s/budget.csv", dir);
    int rc = csv_open(&bud, path, "county,fund,year,income,expenditure", e);
    if (rc)
        return rc;
    snprintf(path, sizeof(path), "%s/requests.csv", dir);
    if ((rc = csv_open(&req, path, "county,fund,year,quarter,amount", e))) {
        tc_atomic_abort(bud.a);
        return rc;
    }
    snprintf(path, sizeof(path), "%s/exceptions.csv", dir);
    if ((rc = csv_open(&exc, path, "county,fund,year,quarter,reason", e))) {
        tc_atomic_abort(bud.a);
        tc_atomic_abort(req.a);
        return rc;
    }
    for (int ci = 0; ci < GEN_NCOUNTIES; ci++)
        for (int cf = 0; cf < o->nf[ci]; cf++) {
            fplan *fp = &o->f[ci][cf];
            for (int i = 0; i < fp->ny; i++) {
                yplan *yp = &fp->y[i];
                if (yp->has_budget)
                    fprintf(bud.f, "%s,%s,%d,%s,%s\n", g->counties[ci].c->city, fp->city,
                            yp->year, yuan(yp->b_income, a), yuan(yp->b_expenditure, b));
                for (int r = 0; r < yp->nreq; r++) {
                    fprintf(req.f, "%s,%s,%d,%d,%s\n", g->counties[ci].c->city, fp->city,
                            yp->year, yp->req[r].quarter, yuan(yp->req[r].requested, a));
                    if (yp->req[r].excepted)
                        fprintf(exc.f, "%s,%s,%d,%d,%s\n", g->counties[ci].c->city, fp->city,
                                yp->year, yp->req[r].quarter,
                                "重点医院年初集中结算(市医保局签批)");
                }
            }
        }
    rc = csv_close(&bud, e);
    if (rc) {
        tc_atomic_abort(req.a);
        tc_atomic_abort(exc.a);
        return rc;
    }
    rc = csv_close(&req, e);
    if (rc) {
        tc_atomic_abort(exc.a);
        return rc;
    }
    return csv_close(&exc, e);
}

/* ------------------------------------------------ a county's month ledger */

#define TXT(s) tc_v_text((s), strlen(s))

typedef struct mvoucher {
    int cf, day, dr, cr;
    int64_t amount;
    char memo[48];
} mvoucher;

#define MAXV (MAXF * 8)

static void add_v(mvoucher *v, int *nv, int cf, int day, int dr, int cr, int64_t a,
                  const char *memo)
{
    if (a <= 0 || *nv >= MAXV)
        return;
    mvoucher *x = &v[(*nv)++];
    x->cf = cf;
    x->day = day;
    x->dr = dr;
    x->cr = cr;
    x->amount = a;
    snprintf(x->memo, sizeof(x->memo), "%s", memo);
}

static int cmp_v(const void *a, const void *b)
{
    const mvoucher *x = a, *y = b;
    if (x->day != y->day)
        return x->day - y->day;
    if (x->cf != y->cf)
        return x->cf - y->cf;
    return x->dr - y->dr;
}

static int is_bank(int acc) { return acc == A_INCOME_BANK || acc == A_EXPENSE_BANK; }

static int write_ledger(ops *o, int ci, int k, const char *path, tc_err *e)
{
    gen_city *g = o->g;
    county_state *s = &g->counties[ci];
    const gen_county *c = s->c;
    const gen_account *chart = gen_chart(c);
    int period = period_of(g, k), mon = period % 100;
    mvoucher v[MAXV];
    int nv = 0;
    char memo[48];
    for (int cf = 0; cf < o->nf[ci]; cf++) {
        mfig *m = &o->f[ci][cf].m[k];
        add_v(v, &nv, cf, 1, A_EXPENSE_BANK, A_FUND, m->pre, "收到市级年初预拨资金");
        add_v(v, &nv, cf, 5, A_EXPENSE_BANK, A_FUND, m->req, "收到市级季度用款拨付");
        snprintf(memo, sizeof(memo), "收%d月社会保险费", mon);
        add_v(v, &nv, cf, 10, A_INCOME_BANK, A_CONTRIB, m->contrib, memo);
        add_v(v, &nv, cf, 15, A_INCOME_BANK, A_SUBSIDY, m->subsidy, "收到财政补助资金");
        snprintf(memo, sizeof(memo), "支付%d月待遇结算款", mon);
        add_v(v, &nv, cf, 20, A_BENEFIT, A_EXPENSE_BANK, m->benefit, memo);
        add_v(v, &nv, cf, 21, A_INCOME_BANK, A_INTEREST, m->interest, "收到存款利息");
        add_v(v, &nv, cf, 28, A_REMIT, A_INCOME_BANK, m->remit, "收入上解市财政专户");
    }
    qsort(v, (size_t)nv, sizeof(*v), cmp_v);

    /* the month's balances: January carries income and expense into the fund */
    int64_t (*run)[A_N] = o->run[ci];
    if (mon == 1 && k > 0)
        for (int cf = 0; cf < o->nf[ci]; cf++) {
            for (int a = 0; a < A_N; a++) {
                if (strcmp(gen_chart4[a].cls, "income") == 0)
                    run[cf][A_FUND] += run[cf][a], run[cf][a] = 0;
                else if (strcmp(gen_chart4[a].cls, "expense") == 0)
                    run[cf][A_FUND] -= run[cf][a], run[cf][a] = 0;
            }
        }
    int64_t dr[MAXF][A_N], cr[MAXF][A_N];
    memset(dr, 0, sizeof(dr));
    memset(cr, 0, sizeof(cr));
    for (int i = 0; i < nv; i++) {
        dr[v[i].cf][gen_canon_acc(c, v[i].dr)] += v[i].amount;
        cr[v[i].cf][gen_canon_acc(c, v[i].cr)] += v[i].amount;
    }

    char cut[16];
    snprintf(cut, sizeof(cut), "%04d-%02d-%02d", period / 100, mon, days_in(period));
    gen_sink *sink;
    int rc = gen_xml_sink(&sink, c, path, cut, e);
    if (rc)
        return rc;
    for (int a = 0; a < A_N && !rc; a++) {
        if (gen_canon_acc(c, a) != a)
            continue;
        tc_value x[3] = {TXT(chart[a].code), TXT(chart[a].name), TXT(chart[a].cls)};
        rc = sink->record(sink, RT_ACCOUNT, x, e);
    }
    /* the income and expense accounts the county keeps (the fiscal account
     * closed at the handover) */
    for (int cf = 0; cf < o->nf[ci] && !rc; cf++)
        for (int b = 0; b < s->nbanks && !rc; b++) {
            bank *bk = &s->banks[b];
            if (bk->fund != o->f[ci][cf].lf || bk->role > 1)
                continue;
            tc_value x[5] = {TXT(bk->no), TXT(c->funds[bk->fund].code), TXT(c->roles[bk->role]),
                             TXT(chart[bk->acc].code), TXT(c->bank)};
            rc = sink->record(sink, RT_BANK_ACCOUNT, x, e);
        }
    for (int cf = 0; cf < o->nf[ci] && !rc; cf++)
        for (int a = 0; a < A_N && !rc; a++) {
            if (gen_canon_acc(c, a) != a)
                continue;
            int64_t open = run[cf][a];
            int64_t close = gen_debit_normal(chart[a].cls) ? open + dr[cf][a] - cr[cf][a]
                                                           : open - dr[cf][a] + cr[cf][a];
            tc_value x[7] = {TXT(c->funds[o->f[ci][cf].lf].code), TXT(chart[a].code),
                             tc_v_int(period), tc_v_int(open), tc_v_int(dr[cf][a]),
                             tc_v_int(cr[cf][a]), tc_v_int(close)};
            rc = sink->record(sink, RT_BALANCE, x, e);
        }
    int refseq = 0;
    for (int i = 0; i < nv && !rc; i++) {
        char no[24], ref[2][24];
        int date = period * 100 + v[i].day;
        snprintf(no, sizeof(no), "%04d-%02d-%04d", period / 100, mon, i + 1);
        int acc[2] = {gen_canon_acc(c, v[i].dr), gen_canon_acc(c, v[i].cr)};
        for (int n = 0; n < 2 && !rc; n++) {
            ref[n][0] = '\0';
            if (is_bank(acc[n]))
                snprintf(ref[n], sizeof(ref[n]), "B%08d%05d", date, ++refseq);
            tc_value x[10] = {TXT(no),
                              tc_v_int(date),
                              TXT(c->funds[o->f[ci][v[i].cf].lf].code),
                              TXT(v[i].memo),
                              tc_v_int(n + 1),
                              TXT(chart[acc[n]].code),
                              tc_v_int(n == 0 ? v[i].amount : 0),
                              tc_v_int(n == 1 ? v[i].amount : 0),
                              TXT(ref[n]),
                              tc_v_text("", 0)};
            rc = sink->record(sink, RT_VOUCHER_LINE, x, e);
        }
    }
    for (uint64_t j = 0; j < g->records && !rc; j++) {
        mcontrib r;
        month_contrib(o, ci, k, j, &r);
        tc_value x[8] = {TXT(r.payer),          TXT(c->kinds[r.kind]),
                         TXT(c->funds[o->f[ci][r.cf].lf].code), tc_v_int(period),
                         tc_v_int(r.base),      tc_v_int(r.rate),
                         tc_v_int(r.due),       tc_v_int(r.due)};
        rc = sink->record(sink, RT_CONTRIBUTION, x, e);
    }
    /* bank statements: every posting with a reference, nothing outstanding */
    int from = period * 100 + 1, to = period * 100 + days_in(period);
    for (int cf = 0; cf < o->nf[ci] && !rc; cf++)
        for (int b = 0; b < s->nbanks && !rc; b++) {
            bank *bk = &s->banks[b];
            if (bk->fund != o->f[ci][cf].lf || bk->role > 1)
                continue;
            int a = bk->acc;
            int64_t open = run[cf][a], close = open + dr[cf][a] - cr[cf][a];
            tc_value x[5] = {TXT(bk->no), tc_v_int(from), tc_v_int(to), tc_v_int(open),
                             tc_v_int(close)};
            rc = sink->record(sink, RT_BANK_STATEMENT, x, e);
            int seq = 0;
            for (int i = 0; i < nv && !rc; i++) {
                int date = period * 100 + v[i].day;
                int acc[2] = {gen_canon_acc(c, v[i].dr), gen_canon_acc(c, v[i].cr)};
                for (int n = 0; n < 2 && !rc; n++) {
                    if (is_bank(acc[n]))
                        seq++;
                    if (!is_bank(acc[n]) || v[i].cf != cf || acc[n] != a)
                        continue;
                    char ref[24];
                    snprintf(ref, sizeof(ref), "B%08d%05d", date, seq);
                    tc_value w[4] = {TXT(bk->no), tc_v_int(date), TXT(ref),
                                     tc_v_int(n == 0 ? v[i].amount : -v[i].amount)};
                    rc = sink->record(sink, RT_BANK_ENTRY, w, e);
                }
            }
        }
    if (rc) {
        sink->abort(sink);
        return rc;
    }
    for (int cf = 0; cf < o->nf[ci]; cf++)
        for (int a = 0; a < A_N; a++)
            run[cf][a] = gen_debit_normal(chart[a].cls) ? run[cf][a] + dr[cf][a] - cr[cf][a]
                                                        : run[cf][a] - dr[cf][a] + cr[cf][a];
    return sink->commit(sink, e);
}

static int write_city(ops *o, int k, const char *path, tc_err *e)
{
    csvout x;
    char a[TC_MONEY_BUFSZ];
    int rc = csv_open(&x, path, "county,fund,received_from_below", e);
    if (rc)
        return rc;
    for (int ci = 0; ci < GEN_NCOUNTIES; ci++)
        for (int cf = 0; cf < o->nf[ci]; cf++)
            fprintf(x.f, "%s,%s,%s\n", o->g->counties[ci].c->city, o->f[ci][cf].city,
                    yuan(o->f[ci][cf].m[k].remit, a));
    return csv_close(&x, e);
}

/* ============================================================== the key */

static json_t *jy(int64_t fen)
{
    char b[TC_MONEY_BUFSZ];
    return json_string(tc_money_format(fen, b));
}

static json_t *jperiod(int p)
{
    char b[16];
    snprintf(b, sizeof(b), "%04d-%02d", p / 100, p % 100);
    return json_string(b);
}

#define SET(o, k, v) json_object_set_new((o), (k), (v))

/* The overdue rule at the end of month k (FIFO, shared/spec/operations.md). */
static json_t *overdue_at(const ops *o, const fplan *fp, int k)
{
    int64_t open[k + 1];
    int64_t credit = 0;
    for (int i = 0; i <= k; i++) {
        const mfig *m = &fp->m[i];
        open[i] = m->contrib + m->subsidy + m->interest;
        int64_t pay = m->remit + credit;
        credit = 0;
        for (int j = 0; j <= i && pay > 0; j++) {
            int64_t t = open[j] < pay ? open[j] : pay;
            open[j] -= t;
            pay -= t;
        }
        credit = pay;
    }
    json_t *arr = json_array();
    for (int i = 0; i < k; i++)
        if (open[i] > 0) {
            json_t *x = json_object();
            SET(x, "income_period", jperiod(period_of(o->g, i)));
            SET(x, "due_period", jperiod(period_of(o->g, i + 1)));
            SET(x, "amount", jy(open[i]));
            SET(x, "months", json_integer(k - i));
            json_array_append_new(arr, x);
        }
    return arr;
}

static json_t *year_json(const yplan *yp)
{
    json_t *y = json_object();
    SET(y, "year", json_integer(yp->year));
    SET(y, "months", json_integer(yp->n));
    SET(y, "complete", json_boolean(yp->complete));
    if (yp->has_budget) {
        json_t *b = json_object();
        SET(b, "income", jy(yp->b_income));
        SET(b, "expenditure", jy(yp->b_expenditure));
        SET(y, "budget", b);
    } else {
        SET(y, "budget", json_null());
    }
    json_t *p = json_object();
    SET(p, "basis", json_string(yp->basis_actual ? "actual" : "budget"));
    SET(p, "basis_year", json_integer(yp->basis_actual ? yp->year - 1 : yp->year));
    SET(p, "basis_amount", jy(yp->basis));
    if (yp->basis_actual) {
        SET(p, "from_handover_ledger", jy(yp->basis_handover));
        SET(p, "from_month_ledgers", jy(yp->basis_months));
    }
    SET(p, "amount", jy(yp->pre));
    SET(y, "preallocation", p);
    json_t *rs = json_array();
    for (int i = 0; i < yp->nreq; i++) {
        const yreq *r = &yp->req[i];
        json_t *x = json_object();
        SET(x, "quarter", json_integer(r->quarter));
        SET(x, "requested", jy(r->requested));
        SET(x, "headroom", jy(r->headroom));
        SET(x, "approved", jy(r->approved));
        SET(x, "over_budget", json_boolean(r->over));
        SET(x, "excess", jy(r->excess));
        SET(x, "excepted", json_boolean(r->excepted));
        json_array_append_new(rs, x);
    }
    SET(y, "requests", rs);
    SET(y, "approved", jy(yp->approved));
    SET(y, "contribution", jy(yp->contrib));
    SET(y, "subsidy", jy(yp->subsidy));
    SET(y, "interest", jy(yp->interest));
    SET(y, "income", jy(yp->income));
    SET(y, "remitted_up", jy(yp->remitted));
    SET(y, "expenditure", jy(yp->expenditure));
    if (yp->complete) {
        json_t *s = json_object();
        SET(s, "opening_surplus", jy(yp->S));
        SET(s, "result", jy(yp->result));
        SET(s, "gap", jy(yp->gap));
        SET(s, "cover", jy(yp->cover));
        SET(s, "government", jy(yp->government));
        SET(s, "closing_surplus", jy(yp->closing));
        SET(y, "settlement", s);
    } else {
        SET(y, "settlement", json_null());
    }
    json_t *sp = json_object();
    SET(sp, "opening", jy(yp->sp_open));
    SET(sp, "preallocation", jy(yp->pre));
    SET(sp, "funding", jy(yp->approved));
    SET(sp, "paid", jy(yp->expenditure));
    SET(sp, "expected", jy(yp->sp_close));
    SET(sp, "bank", jy(yp->sp_close));
    SET(sp, "difference", jy(0));
    SET(y, "spend_account", sp);
    return y;
}

static json_t *case_json(const char *name, const gen_county *c, const char *fund)
{
    json_t *x = json_object();
    SET(x, "case", json_string(name));
    SET(x, "county", json_string(c->city));
    SET(x, "fund", json_string(fund));
    return x;
}

/* A case of a quarter's request r of year yp: asked, headroom, approved,
 * excess. */
static json_t *request_case(const char *name, const gen_county *c, const char *fund,
                            const yplan *yp, const yreq *r)
{
    json_t *x = case_json(name, c, fund);
    SET(x, "year", json_integer(yp->year));
    SET(x, "quarter", json_integer(r->quarter));
    SET(x, "requested", jy(r->requested));
    SET(x, "headroom", jy(r->headroom));
    SET(x, "approved", jy(r->approved));
    SET(x, "excess", jy(r->excess));
    return x;
}

static int write_key(ops *o, const char *path, tc_err *e)
{
    gen_city *g = o->g;
    json_t *root = json_object(), *counties = json_array(), *cases = json_array();
    SET(root, "format", json_string("tongchou-operations-key/1"));
    SET(root, "seed", json_integer((json_int_t)g->seed));
    SET(root, "cutover", json_string(g->o.cutover));
    SET(root, "months", json_integer(o->n));
    SET(root, "first_period", jperiod(period_of(g, 0)));
    SET(root, "last_period", jperiod(period_of(g, o->n - 1)));
    for (int ci = 0; ci < GEN_NCOUNTIES; ci++) {
        const gen_county *c = g->counties[ci].c;
        json_t *co = json_object(), *funds = json_array();
        char file[64];
        SET(co, "county", json_string(c->city));
        SET(co, "source_county", json_string(c->code));
        SET(co, "name", json_string(c->name));
        SET(co, "ledger", json_string(ledger_file(g, ci, file, sizeof(file))));
        for (int cf = 0; cf < o->nf[ci]; cf++) {
            fplan *fp = &o->f[ci][cf];
            json_t *fo = json_object(), *months = json_array(), *years = json_array();
            SET(fo, "fund", json_string(fp->city));
            SET(fo, "source_fund", json_string(c->funds[fp->lf].code));
            SET(fo, "opening", jy(fp->transfer));
            int64_t bal = fp->transfer, sp = 0;
            for (int k = 0; k < o->n; k++) {
                mfig *m = &fp->m[k];
                json_t *mo = json_object(), *sl = json_object();
                SET(mo, "period", jperiod(period_of(g, k)));
                SET(mo, "contribution", jy(m->contrib));
                SET(mo, "subsidy", jy(m->subsidy));
                SET(mo, "interest", jy(m->interest));
                SET(mo, "income", jy(m->contrib + m->subsidy + m->interest));
                SET(mo, "remitted_up", jy(m->remit));
                SET(mo, "received_by_city", jy(m->remit));
                SET(mo, "expenditure", jy(m->benefit));
                SET(mo, "funding", jy(m->pre + m->req));
                SET(sl, "opening", jy(bal));
                SET(sl, "income", jy(m->remit));
                SET(sl, "funding", jy(m->pre + m->req));
                bal += m->remit - m->pre - m->req;
                SET(sl, "closing", jy(bal));
                SET(mo, "subledger", sl);
                sp += m->pre + m->req - m->benefit;
                SET(mo, "spend_account", jy(sp));
                SET(mo, "overdue", overdue_at(o, fp, k));
                json_array_append_new(months, mo);
            }
            for (int i = 0; i < fp->ny; i++)
                json_array_append_new(years, year_json(&fp->y[i]));
            SET(fo, "months", months);
            SET(fo, "years", years);
            json_array_append_new(funds, fo);

            /* the injected cases, by name */
            int main_fund = strcmp(fp->city, CASE_FUND) == 0;
            if (is(c, CASE_OVERDUE_COUNTY) && main_fund) {
                json_t *x = case_json("REMITTANCE_OVERDUE", c, fp->city);
                mfig *m = &fp->m[OVERDUE_K];
                SET(x, "income_period", jperiod(period_of(g, OVERDUE_K)));
                SET(x, "due_period", jperiod(period_of(g, OVERDUE_K + 1)));
                SET(x, "as_of", jperiod(period_of(g, OVERDUE_K + 1)));
                SET(x, "amount", jy(m->contrib + m->subsidy + m->interest));
                SET(x, "remitted_in", jperiod(period_of(g, OVERDUE_K + 2)));
                json_array_append_new(cases, x);
            }
            if (is(c, CASE_EXCEPT_COUNTY) && strcmp(fp->city, CASE_EXCEPT_FUND) == 0)
                json_array_append_new(cases, request_case("REQUEST_EXCEPTED", c, fp->city,
                                                          &fp->y[0], &fp->y[0].req[0]));
            if (is(c, CASE_OVER_COUNTY) && main_fund)
                json_array_append_new(cases, request_case("REQUEST_OVER_BUDGET", c, fp->city,
                                                          &fp->y[0],
                                                          &fp->y[0].req[fp->y[0].nreq - 1]));
            for (int i = 0; i < fp->ny; i++) {
                const yplan *yp = &fp->y[i];
                int cv = is(c, CASE_COVER_COUNTY), gv = is(c, CASE_GOV_COUNTY);
                if (main_fund && yp->complete && (cv || gv)) {
                    json_t *x = case_json(cv ? "DEFICIT_COVERED" : "DEFICIT_GOVERNMENT", c,
                                          fp->city);
                    SET(x, "year", json_integer(yp->year));
                    SET(x, "opening_surplus", jy(yp->S));
                    SET(x, "gap", jy(yp->gap));
                    SET(x, "cover", jy(yp->cover));
                    SET(x, "government", jy(yp->government));
                    SET(x, "closing_surplus", jy(yp->closing));
                    json_array_append_new(cases, x);
                }
                if (is(c, CASE_NOBUDGET_COUNTY) && yp->basis_actual) {
                    json_t *x = case_json("NO_BUDGET_ROW", c, fp->city);
                    SET(x, "year", json_integer(yp->year));
                    SET(x, "basis_year", json_integer(yp->year - 1));
                    SET(x, "basis_amount", jy(yp->basis));
                    SET(x, "preallocation", jy(yp->pre));
                    json_array_append_new(cases, x);
                }
            }
        }
        SET(co, "funds", funds);
        json_array_append_new(counties, co);
    }
    SET(root, "counties", counties);

    /* the 市财政专户, fund by fund: opened at the transfers, then receipts
     * in and funding out; Σ sub-ledgers must equal it every month */
    json_t *city = json_array();
    static const char *const funds[3] = {"310", "330", "390"};
    int64_t cbal[3] = {0, 0, 0};
    for (int ci = 0; ci < GEN_NCOUNTIES; ci++)
        for (int cf = 0; cf < o->nf[ci]; cf++)
            for (int x = 0; x < 3; x++)
                if (strcmp(o->f[ci][cf].city, funds[x]) == 0)
                    cbal[x] += o->f[ci][cf].transfer;
    for (int k = 0; k < o->n; k++) {
        json_t *mo = json_object(), *fs = json_array();
        SET(mo, "period", jperiod(period_of(g, k)));
        for (int x = 0; x < 3; x++) {
            int64_t rec = 0, fund = 0;
            for (int ci = 0; ci < GEN_NCOUNTIES; ci++)
                for (int cf = 0; cf < o->nf[ci]; cf++)
                    if (strcmp(o->f[ci][cf].city, funds[x]) == 0) {
                        rec += o->f[ci][cf].m[k].remit;
                        fund += o->f[ci][cf].m[k].pre + o->f[ci][cf].m[k].req;
                    }
            json_t *f = json_object();
            SET(f, "fund", json_string(funds[x]));
            SET(f, "opening", jy(cbal[x]));
            SET(f, "received_from_below", jy(rec));
            SET(f, "funding", jy(fund));
            cbal[x] += rec - fund;
            SET(f, "balance", jy(cbal[x]));
            json_array_append_new(fs, f);
        }
        SET(mo, "funds", fs);
        json_array_append_new(city, mo);
    }
    SET(root, "city_account", city);
    SET(root, "cases", cases);
    int rc = tc_atomic_write_json(path, root, JSON_INDENT(2) | JSON_PRESERVE_ORDER, e);
    json_decref(root);
    return rc;
}

/* ========================================================= entry point */

int gen_months_write(gen_city *g, tc_err *e)
{
    ops *o = calloc(1, sizeof(*o));
    if (!o)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    o->g = g;
    o->n = g->o.months;
    char dir[1100], path[1300], name[64];
    int rc = plan(o, e);
    snprintf(dir, sizeof(dir), "%s/operations", g->o.dir);
    if (!rc)
        rc = tc_mkdir_p(dir, tc_perm_dir(), e);
    if (!rc)
        rc = write_inputs(o, dir, e);
    for (int k = 0; k < o->n && !rc; k++) {
        int p = period_of(g, k);
        snprintf(dir, sizeof(dir), "%s/months/%04d-%02d", g->o.dir, p / 100, p % 100);
        rc = tc_mkdir_p(dir, tc_perm_dir(), e);
        for (int ci = 0; ci < GEN_NCOUNTIES && !rc; ci++) {
            snprintf(path, sizeof(path), "%s/%s", dir, ledger_file(g, ci, name, sizeof(name)));
            rc = write_ledger(o, ci, k, path, e);
        }
        if (!rc) {
            snprintf(path, sizeof(path), "%s/city.csv", dir);
            rc = write_city(o, k, path, e);
        }
    }
    if (!rc) {
        snprintf(path, sizeof(path), "%s/operations/answer-key.json", g->o.dir);
        rc = write_key(o, path, e);
    }
    ops_free(o);
    free(o);
    return rc;
}
