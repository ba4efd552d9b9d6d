/*
 * reconcile.c - the reconciliation's state, and batches streamed into it.
 *
 * Each record type has one reader below that folds its records into the
 * county's group tables (rec_int.h) and makes the findings that need
 * nothing but the record itself (a due that is not base x rate, a rate not
 * in the city table, a bad check digit).  Everything that compares one
 * group with another - vouchers, roll-forward, continuity, turnover, the
 * equation, contributions against the ledger, banks, personal accounts -
 * runs once every batch is in (checks.c), because batches come in any
 * order.
 *
 * Contribution and personal-account records are the millions; for them the
 * reader keeps no per-record state: sums per fund and period, and a group
 * only for a payer whose record is not paid exactly (arrears or an
 * overpayment).  Natural keys, taken in the source's own codes from the
 * lineage columns, go to core/keys.h, which spills 128-bit hashes to an
 * unlinked file; when it reports repeated keys, the batch is read a second
 * time to fetch those records for the DUPLICATE_RECORD findings.
 */
#include "reconcile/rec_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/batch.h"
#include "core/hash.h"
#include "core/ident.h"
#include "core/keys.h"

/* Copy a text value into a fixed field; TC_EINPUT when it does not fit. */
static int put(char *dst, size_t cap, const tc_value *v, const char *what, tc_err *e)
{
    if (v->n >= cap)
        return tc_fail(e, TC_EINPUT, "%s '%.*s' is longer than %zu bytes", what,
                       (int)(v->n > 40 ? 40 : v->n), v->s, cap - 1);
    memcpy(dst, v->s, v->n);
    dst[v->n] = 0;
    return 0;
}

/* ============================================================== the result */

static void county_init(county *c, const char *code, const char *pool)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->code, sizeof(c->code), "%s", code);
    snprintf(c->pool, sizeof(c->pool), "%s", pool);
    gtab_init(&c->bal, sizeof(bal_g));
    gtab_init(&c->turn, sizeof(turn_g));
    gtab_init(&c->vou, sizeof(vou_g));
    gtab_init(&c->srcbal, sizeof(srcbal_g));
    gtab_init(&c->paid, sizeof(paid_g));
    gtab_init(&c->arr, sizeof(arr_g));
    gtab_init(&c->sub, sizeof(sub_g));
    gtab_init(&c->pay, sizeof(pay_g));
    gtab_init(&c->pers, sizeof(pers_g));
    gtab_init(&c->bacct, sizeof(bacct_g));
    gtab_init(&c->bstmt, sizeof(bstmt_g));
    gtab_init(&c->more, sizeof(more_g));
    c->booked.size = c->entries.size = sizeof(bitem);
    c->findings.size = sizeof(finding);
}

static void county_free(county *c)
{
    gtab *t[] = {&c->bal, &c->turn, &c->vou,  &c->srcbal, &c->paid, &c->arr,
                 &c->sub, &c->pay,  &c->pers, &c->bacct,  &c->bstmt, &c->more};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        gtab_free(t[i]);
    free(c->booked.v);
    free(c->entries.v);
    free(c->findings.v);
    if (c->arr_spill)
        fclose(c->arr_spill);
    if (c->arr_sorted)
        fclose(c->arr_sorted);
    free(c->funds);
    for (int i = 0; i < c->nbanks; i++)
        free(c->banks[i].items);
    free(c->banks);
    free(c);
}

int tc_reconcile_new(tc_reconcile **out, const tc_mapset *m, const char *tmpdir, tc_err *e)
{
    tc_reconcile *r = calloc(1, sizeof(*r));
    if (!r)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    r->m = m;
    const char *t = tmpdir && tmpdir[0] ? tmpdir : getenv("TMPDIR");
    snprintf(r->tmpdir, sizeof(r->tmpdir), "%s", t && t[0] ? t : "/tmp");
    r->nrates = tc_mapset_rates(m, &r->rates);
    r->arr_cap = 16384;
    r->find_cap = 10000;
    for (int i = 0; i < NCODES; i++)
        r->blocking[i] = 1;
    r->blocking[rec_code_index("DUE_MISMATCH")] = 0;
    r->blocking[rec_code_index("RATE_MISMATCH")] = 0;
    r->blocking[rec_code_index("BAD_CHECK_DIGIT")] = 0;
    r->blocking[rec_code_index("VOUCHER_GAP")] = 0;   /* a voided number is no loss */
    *out = r;
    return 0;
}

void tc_reconcile_free(tc_reconcile *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nc; i++)
        county_free(r->c[i]);
    free(r->c);
    free(r->inputs);
    for (int i = 0; i < r->nregions; i++)
        free(r->regions[i].funds);
    free(r->regions);
    free(r->scope);
    free(r->fundcut);
    free(r);
}

void tc_reconcile_set_finding_cap(tc_reconcile *r, long long per_code)
{
    r->find_cap = per_code;
}

void tc_reconcile_set_arrears_cap(tc_reconcile *r, size_t groups)
{
    r->arr_cap = groups;
}

int tc_reconcile_set_severity(tc_reconcile *r, const char *code, int blocking, tc_err *e)
{
    int i = rec_code_index(code);
    if (i < 0)
        return tc_fail(e, TC_EINPUT, "unknown finding code '%s'", code);
    r->blocking[i] = !!blocking;
    return 0;
}

int tc_reconcile_load_severities(tc_reconcile *r, const char *path, tc_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tc_fail(e, TC_EIO, "cannot read severity table %s", path);
    char line[256];
    int ln = 0, rc = 0;
    while (!rc && fgets(line, sizeof(line), f)) {
        ln++;
        char *s = line;
        if (ln == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
            (unsigned char)s[2] == 0xBF)
            s += 3;
        s[strcspn(s, "\r\n")] = 0;
        if (ln == 1) {
            if (strcmp(s, "code,severity") != 0) {
                rc = tc_fail(e, TC_EINPUT, "the header row is '%s'; expected 'code,severity'", s);
                tc_err_at(e, path, ln, 0);
            }
            continue;
        }
        if (!s[0])
            continue;
        char *comma = strchr(s, ',');
        int blk = -1;
        if (comma) {
            *comma = 0;
            blk = strcmp(comma + 1, "blocking") == 0 ? 1 : strcmp(comma + 1, "warning") == 0 ? 0 : -1;
        }
        if (blk < 0) {
            rc = tc_fail(e, TC_EINPUT, "expected CODE,blocking or CODE,warning");
            tc_err_at(e, path, ln, 0);
        } else if ((rc = tc_reconcile_set_severity(r, s, blk, e))) {
            tc_err_at(e, path, ln, 0);
        }
    }
    fclose(f);
    return rc;
}

/*
 * The unit a batch of region `code` and `pool` belongs to.  A pool that
 * split.csv splits is one unit, whatever sub-ledger its batches went to:
 * its books are checked whole, under the sub-ledger region.csv names.
 */
static county *county_of(tc_reconcile *r, const char *code, const char *pool, tc_err *e)
{
    char home[7] = "";
    if (tc_mapset_split_targets(r->m, pool, NULL, 0) > 0) {
        size_t n;
        const char *t = tc_mapset_lookup(r->m, TC_DIM_REGION, pool, pool, 6,
                                         r->cutdate ? r->cutdate : 99991231, &n);
        if (!t || n != 6) {
            tc_fail(e, TC_EINPUT, "pool %s is split, and region.csv names no sub-ledger for "
                    "its ledger", pool);
            return NULL;
        }
        snprintf(home, sizeof(home), "%.6s", t);
        code = home;
    }
    for (int i = 0; i < r->nc; i++)
        if (strcmp(r->c[i]->code, code) == 0 && strcmp(r->c[i]->pool, pool) == 0)
            return r->c[i];
    if (r->nc == r->capc) {
        int cap = r->capc ? r->capc * 2 : 8;
        county **q = realloc(r->c, (size_t)cap * sizeof(*q));
        if (!q) {
            tc_fail(e, TC_ENOMEM, "out of memory");
            return NULL;
        }
        r->c = q;
        r->capc = cap;
    }
    county *c = malloc(sizeof(*c));
    if (!c) {
        tc_fail(e, TC_ENOMEM, "out of memory");
        return NULL;
    }
    county_init(c, code, pool);
    r->c[r->nc++] = c;
    return c;
}

/* ================================================================ readers */

/* What a reader needs of a batch: its columns by name. */
typedef struct rd {
    tc_reconcile *r;
    county *c;
    const tc_batch_header *h;
    const char *path;
    int col[TC_MAX_COLUMNS];    /* canonical column i -> header column */
    int src[TC_MAX_COLUMNS];    /* canonical column i -> src_<name>, or -1 */
    int type;                   /* index into tc_rectypes */
    /* contribution fast path */
    char last_payer[RT];
    int last_payer_ok;
    int last_payer_kind_employer;
    size_t last_payer_n;
    struct cslot *cache;        /* CSLOTS, by (fund, kind, period) */
} rd;

/* What the contribution reader knows of a (fund, kind, period): its group
 * in the paid table (an index: table pointers move as it grows) and the
 * city rates in force.  Direct-mapped; a miss costs a table lookup. */
#define CSLOTS 256
#define CRATES 8
typedef struct cslot {
    int used;
    int64_t period;
    char fund[RF], kind[RF];
    uint8_t fn, kn;
    size_t paid_ix;
    int nrates;                 /* rates in force, -1 when more than CRATES */
    int32_t rates[CRATES];
} cslot;

#define V(i) (&vals[x->col[i]])
#define SRC(i) (x->src[i] >= 0 ? &vals[x->src[i]] : &vals[x->col[i]])

static int oom(tc_err *e)
{
    return tc_fail(e, TC_ENOMEM, "out of memory");
}

static int eq(const tc_value *v, const char *s)
{
    size_t n = strlen(s);
    return v->n == n && memcmp(v->s, s, n) == 0;
}

/* balance: fund account period opening debit credit closing */
static int read_balance(rd *x, const tc_value *vals, tc_err *e)
{
    keybuf k = {.n = 0};
    kb_fund_acc_period(&k, V(0)->s, V(0)->n, V(1)->s, V(1)->n, V(2)->i);
    int created;
    bal_g *g = gtab_get(&x->c->bal, k.b, k.n, &created);
    if (!g)
        return oom(e);
    if (created) {
        int rc = put(g->fund, RF, V(0), "fund", e);
        if (!rc)
            rc = put(g->acc, RA, V(1), "account", e);
        if (rc)
            return rc;
        g->period = V(2)->i;
    }
    if (tc_money_add(g->open, V(3)->i, &g->open) || tc_money_add(g->debit, V(4)->i, &g->debit) ||
        tc_money_add(g->credit, V(5)->i, &g->credit) || tc_money_add(g->close, V(6)->i, &g->close))
        return tc_fail(e, TC_EINPUT, "balance sums overflow");
    /* a bank account's ledger figure is its source account's closing at
     * the cutover of its fund */
    const char *role = tc_mapset_account_role(x->r->m, V(1)->s, V(1)->n);
    const fundcut_g *own = rec_fund_cutover(x->r, x->c, V(0)->s, V(0)->n);
    if (role && strcmp(role, "cash") == 0 && V(2)->i <= (own ? own->cutper : x->r->cutper)) {
        keybuf s = {.n = 0};
        kb_text(&s, SRC(0)->s, SRC(0)->n);
        kb_text(&s, SRC(1)->s, SRC(1)->n);
        srcbal_g *b = gtab_get(&x->c->srcbal, s.b, s.n, &created);
        if (!b)
            return oom(e);
        if (created || V(2)->i > b->period) {
            int rc = put(b->sfund, RF, SRC(0), "fund", e);
            if (!rc)
                rc = put(b->sacc, RA, SRC(1), "account", e);
            if (rc)
                return rc;
            b->period = V(2)->i;
            b->close = V(6)->i;
        } else if (V(2)->i == b->period && tc_money_add(b->close, V(6)->i, &b->close)) {
            return tc_fail(e, TC_EINPUT, "balance sums overflow");
        }
    }
    return 0;
}

/* voucher_line: voucher date fund voucher_memo line account debit credit bank_ref memo */
static int read_voucher_line(rd *x, const tc_value *vals, tc_err *e)
{
    int created, rc;
    keybuf k = {.n = 0};
    kb_text(&k, V(0)->s, V(0)->n);
    vou_g *v = gtab_get(&x->c->vou, k.b, k.n, &created);
    if (!v)
        return oom(e);
    if (created && ((rc = put(v->no, RT, V(0), "voucher", e)) || (rc = put(v->fund, RF, V(2), "fund", e))))
        return rc;
    if (created)
        v->month = V(1)->i / 100;
    if (tc_money_add(v->debit, V(6)->i, &v->debit) || tc_money_add(v->credit, V(7)->i, &v->credit))
        return tc_fail(e, TC_EINPUT, "voucher sums overflow");

    int64_t period = V(1)->i / 100;
    kb_fund_acc_period(&k, V(2)->s, V(2)->n, V(5)->s, V(5)->n, period);
    turn_g *t = gtab_get(&x->c->turn, k.b, k.n, &created);
    if (!t)
        return oom(e);
    if (created) {
        if ((rc = put(t->fund, RF, V(2), "fund", e)) || (rc = put(t->acc, RA, V(5), "account", e)))
            return rc;
        t->period = period;
    }
    if (tc_money_add(t->debit, V(6)->i, &t->debit) || tc_money_add(t->credit, V(7)->i, &t->credit))
        return tc_fail(e, TC_EINPUT, "turnover sums overflow");

    const char *role = tc_mapset_account_role(x->r->m, V(5)->s, V(5)->n);
    if (role && strcmp(role, "cash") == 0) {
        bitem *b = vec_push(&x->c->booked);
        if (!b)
            return oom(e);
        keybuf s = {.n = 0};
        kb_text(&s, SRC(2)->s, SRC(2)->n);
        kb_text(&s, SRC(5)->s, SRC(5)->n);
        if (s.over || s.n >= RT)
            return tc_fail(e, TC_EINPUT, "fund and account codes too long");
        memcpy(b->key, s.b, s.n);
        if ((rc = put(b->ref, RT, V(8), "bank reference", e)))
            return rc;
        b->date = V(1)->i;
        if (tc_money_sub(V(6)->i, V(7)->i, &b->amount))
            return tc_fail(e, TC_EINPUT, "voucher line amount overflows");
    }
    return 0;
}

/* The check digit of a payer or person: a unified social credit code for
 * employers, an identity number for everyone else. */
static int ident_ok(const tc_value *v, int employer)
{
    return employer ? tc_ident_uscc_valid(v->s, v->n) : tc_ident_id_valid(v->s, v->n);
}

static const char *masked(const tc_value *v, char *out, size_t n)
{
    if (tc_ident_looks_like_id(v->s, v->n))
        return tc_ident_mask(v->s, v->n, out, n);
    snprintf(out, n, "%.*s", (int)v->n, v->s);
    return out;
}

/* ------------------------------------------- the per-record checks */

/* A contribution record as the checks below see it; its ref
 * (PAYER/KIND/YYYY-MM, the payer masked) is built on first need. */
typedef struct crec {
    const tc_value *payer, *kind, *fund;
    int64_t period;
    tc_fen base, due;
    int32_t rate;
    int employer;
    char fund_s[RF], ref[192];
} crec;

static const char *crec_ref(crec *k)
{
    if (!k->ref[0]) {
        char who[RT + 8], per[16];
        snprintf(k->ref, sizeof(k->ref), "%s/%.*s/%s", masked(k->payer, who, sizeof(who)),
                 (int)k->kind->n, k->kind->s, rec_period_text(k->period, per));
    }
    return k->ref;
}

/* Contribution rule, first half: due = base x rate rounded half-up to the
 * fen.  DUE_MISMATCH, amount due - round(base x rate). */
static int check_due(rd *x, crec *k, tc_err *e)
{
    tc_fen want;
    if (tc_money_apply_rate(k->base, k->rate, &want))
        return tc_fail(e, TC_EINPUT, "base x rate overflows");
    if (k->due == want)
        return 0;
    char b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ];
    const char *ref = crec_ref(k);
    if (rec_finding(x->r, x->c, "DUE_MISMATCH", k->fund_s, k->due - want, ref,
                    "contribution %s: due %s is not base x rate %s",
                    "缴费记录 %s 应缴额不符：应缴额 %s 元，按缴费基数乘费率计算应为 %s 元", ref,
                    tc_money_format(k->due, b1), tc_money_format(want, b2)))
        return oom(e);
    return 0;
}

/* Contribution rule, second half: when the city table has rates in force
 * for the record's fund, kind and period, its rate is one of them.
 * RATE_MISMATCH, amount due - round(base x the first rate in force). */
static int check_rate(rd *x, crec *k, const cslot *sl, tc_err *e)
{
    const tc_reconcile *r = x->r;
    int any = 0, match = 0;
    int32_t first = 0;
    if (sl->nrates >= 0) {
        any = sl->nrates > 0;
        first = any ? sl->rates[0] : 0;
        for (int i = 0; i < sl->nrates; i++)
            match |= sl->rates[i] == k->rate;
    } else { /* more rates in force than a slot holds */
        int64_t day = k->period * 100 + 1;
        for (int i = 0; i < r->nrates; i++) {
            const tc_rate_rule *q = &r->rates[i];
            if (q->from <= day && day <= q->to && eq(k->fund, q->fund) && eq(k->kind, q->kind)) {
                if (!any)
                    first = q->rate;
                any = 1;
                match |= q->rate == k->rate;
            }
        }
    }
    if (!any || match)
        return 0;
    tc_fen at;
    char rt1[8], rt2[8];
    if (tc_money_apply_rate(k->base, first, &at))
        return tc_fail(e, TC_EINPUT, "base x rate overflows");
    const char *ref = crec_ref(k);
    if (rec_finding(x->r, x->c, "RATE_MISMATCH", k->fund_s, k->due - at, ref,
                    "contribution %s: rate %s is not in force (city rate %s)",
                    "缴费记录 %s 费率不符：所用费率 %s 不是该期间执行的费率（市定费率 %s）", ref,
                    tc_rate_format(k->rate, rt1), tc_rate_format(first, rt2)))
        return oom(e);
    return 0;
}

/* The payer's check digit: a unified social credit code for employers,
 * an identity number for everyone else; decided once per run of a
 * payer's records.  BAD_CHECK_DIGIT, amount 0.00, on each record. */
static int check_payer_digit(rd *x, crec *k, tc_err *e)
{
    const tc_value *payer = k->payer;
    if (payer->n >= RT)
        return tc_fail(e, TC_EINPUT, "payer '%.*s' is longer than %d bytes", 20, payer->s, RT - 1);
    if (!(payer->n == x->last_payer_n && memcmp(payer->s, x->last_payer, payer->n) == 0 &&
          x->last_payer_kind_employer == k->employer)) {
        memcpy(x->last_payer, payer->s, payer->n);
        x->last_payer[payer->n] = 0;
        x->last_payer_n = payer->n;
        x->last_payer_kind_employer = k->employer;
        x->last_payer_ok = ident_ok(payer, k->employer);
    }
    if (x->last_payer_ok)
        return 0;
    const char *ref = crec_ref(k);
    int rc = k->employer
                 ? rec_finding(x->r, x->c, "BAD_CHECK_DIGIT", k->fund_s, 0, ref,
                               "contribution %s: the payer's unified social credit code has a "
                               "wrong check digit",
                               "缴费记录 %s 校验位错误：缴费单位的统一社会信用代码校验位不正确", ref)
                 : rec_finding(x->r, x->c, "BAD_CHECK_DIGIT", k->fund_s, 0, ref,
                               "contribution %s: the payer's identity number has a wrong check "
                               "digit",
                               "缴费记录 %s 校验位错误：缴费人的公民身份号码校验位不正确", ref);
    if (rc)
        return oom(e);
    return 0;
}

/*
 * Negative amounts (docs/example-city.md, "Negative amounts"): a record of
 * what is owed, paid, settled or held never carries one, except a
 * contribution refund or reversal (退费, 冲正), which is marked by base and
 * due 0.00 and carries the money returned as a negative paid.  Any other
 * negative amount would move the claims or debts carried over the wrong
 * way: NEGATIVE_AMOUNT (blocking), on each record, amount the negative one.
 */
static int negative(rd *x, const char *fund, const char *ref, const char *what, const char *col,
                    tc_fen v, tc_err *e)
{
    /* the record and the amount as the Chinese message names them */
    static const struct { const char *what, *col, *what_zh, *col_zh; } zh[] = {
        {"contribution", "base", "缴费记录", "缴费基数"},
        {"contribution", "due", "缴费记录", "应缴额"},
        {"contribution", "paid", "缴费记录", "实缴额"},
        {"subsidy", "due", "财政补助记录", "应拨额"},
        {"subsidy", "received", "财政补助记录", "已拨额"},
        {"payable", "settled", "应付医药机构记录", "已结算额"},
        {"payable", "paid", "应付医药机构记录", "已支付额"},
        {"personal account", "balance", "个人账户", "余额"}};
    if (v >= 0)
        return 0;
    const char *what_zh = what, *col_zh = col;
    for (size_t i = 0; i < sizeof(zh) / sizeof(zh[0]); i++)
        if (strcmp(zh[i].what, what) == 0 && strcmp(zh[i].col, col) == 0)
            what_zh = zh[i].what_zh, col_zh = zh[i].col_zh;
    char b[TC_MONEY_BUFSZ];
    /* each message takes its own words; "%.0s" passes over the other's */
    if (rec_finding(x->r, x->c, "NEGATIVE_AMOUNT", fund, v, ref,
                    "%s%.0s %s: %s%.0s %s is negative",
                    "%.0s%s %s 金额为负数：%.0s%s为 %s 元，此项不应为负数",
                    what, what_zh, ref, col, col_zh, tc_money_format(v, b)))
        return oom(e);
    return 0;
}

/* The first negative of n amounts of a record (names cols), or -1. */
static int first_negative(const tc_fen *v, int n)
{
    for (int i = 0; i < n; i++)
        if (v[i] < 0)
            return i;
    return -1;
}

/* contribution: payer kind fund period base rate due paid */
static int read_contribution(rd *x, const tc_value *vals, tc_err *e)
{
    tc_reconcile *r = x->r;
    county *c = x->c;
    const tc_value *payer = V(0), *kind = V(1), *fund = V(2);
    int64_t period = V(3)->i;
    tc_fen base = V(4)->i, due = V(6)->i, paid = V(7)->i;
    int32_t rate = (int32_t)V(5)->i;
    int rc, employer = eq(kind, "employer");

    /* the (fund, kind, period) slot: paid group and rates in force */
    if (fund->n >= RF || kind->n >= RF)
        return tc_fail(e, TC_EINPUT, "fund or kind code '%.*s' too long", 20,
                       fund->n >= RF ? fund->s : kind->s);
    uint64_t hs = (uint64_t)period * 0x9E3779B97F4A7C15ull;
    for (uint32_t i = 0; i < fund->n; i++)
        hs = (hs ^ (unsigned char)fund->s[i]) * 0x100000001b3ull;
    for (uint32_t i = 0; i < kind->n; i++)
        hs = (hs ^ (unsigned char)kind->s[i]) * 0x100000001b3ull;
    cslot *sl = &x->cache[(hs >> 32) & (CSLOTS - 1)];
    if (!(sl->used && sl->period == period && sl->fn == fund->n && sl->kn == kind->n &&
          memcmp(sl->fund, fund->s, fund->n) == 0 && memcmp(sl->kind, kind->s, kind->n) == 0)) {
        keybuf k = {.n = 0};
        kb_text(&k, fund->s, fund->n);
        kb_int(&k, period);
        int created;
        paid_g *p = gtab_get(&c->paid, k.b, k.n, &created);
        if (!p)
            return oom(e);
        if (created) {
            if ((rc = put(p->fund, RF, fund, "fund", e)))
                return rc;
            p->period = period;
        }
        memset(sl, 0, sizeof(*sl));
        sl->used = 1;
        sl->period = period;
        memcpy(sl->fund, fund->s, fund->n);
        memcpy(sl->kind, kind->s, kind->n);
        sl->fn = (uint8_t)fund->n;
        sl->kn = (uint8_t)kind->n;
        sl->paid_ix = (size_t)(((char *)p - c->paid.vals) / (ptrdiff_t)c->paid.vsize);
        int64_t day = period * 100 + 1;
        for (int i = 0; i < r->nrates; i++) {
            const tc_rate_rule *q = &r->rates[i];
            if (q->from <= day && day <= q->to && eq(fund, q->fund) && eq(kind, q->kind)) {
                if (sl->nrates >= 0 && sl->nrates < CRATES)
                    sl->rates[sl->nrates++] = q->rate;
                else
                    sl->nrates = -1;
            }
        }
    }
    paid_g *pg = gtab_at(&c->paid, sl->paid_ix);
    if (tc_money_add(pg->paid, paid, &pg->paid))
        return tc_fail(e, TC_EINPUT, "contributions paid overflow");

    crec k = {payer, kind, fund, period, base, due, rate, employer, "", ""};
    memcpy(k.fund_s, fund->s, fund->n);
    k.fund_s[fund->n] = 0;
    if ((rc = check_due(x, &k, e)) || (rc = check_rate(x, &k, sl, e)) ||
        (rc = check_payer_digit(x, &k, e)))
        return rc;
    /* a refund or reversal: base and due 0.00, the money returned as paid */
    const tc_fen am[] = {base, due, base == 0 && due == 0 ? 0 : paid};
    static const char *const an[] = {"base", "due", "paid"};
    int neg = first_negative(am, 3);
    if (neg >= 0 && (rc = negative(x, k.fund_s, crec_ref(&k), "contribution", an[neg], am[neg], e)))
        return rc;

    /* employer arrears and overpayments, aged to the cutover */
    if (employer && due != paid)
        return rec_arrears_add(r, c, payer, fund, period, due, paid, e);
    return 0;
}

/* subsidy: level fund year due received.  A fund handed over at its own
 * cutover owes and is owed nothing of a later year. */
static int read_subsidy(rd *x, const tc_value *vals, tc_err *e)
{
    const fundcut_g *own = rec_fund_cutover(x->r, x->c, V(1)->s, V(1)->n);
    if (own && V(2)->i > own->cutdate / 10000)
        return 0;
    keybuf k = {.n = 0};
    kb_text(&k, V(0)->s, V(0)->n);
    kb_text(&k, V(1)->s, V(1)->n);
    kb_int(&k, V(2)->i);
    int created, rc;
    sub_g *s = gtab_get(&x->c->sub, k.b, k.n, &created);
    if (!s)
        return oom(e);
    if (created) {
        if ((rc = put(s->level, RF, V(0), "level", e)) || (rc = put(s->fund, RF, V(1), "fund", e)))
            return rc;
        s->year = V(2)->i;
    }
    if (tc_money_add(s->due, V(3)->i, &s->due) || tc_money_add(s->received, V(4)->i, &s->received))
        return tc_fail(e, TC_EINPUT, "subsidy sums overflow");
    const tc_fen am[] = {V(3)->i, V(4)->i};
    static const char *const an[] = {"due", "received"};
    int neg = first_negative(am, 2);
    if (neg >= 0) {
        char ref[96];
        snprintf(ref, sizeof(ref), "%s/%s/%lld", s->level, s->fund, (long long)s->year);
        return negative(x, s->fund, ref, "subsidy", an[neg], am[neg], e);
    }
    return 0;
}

/* payable: institution name fund period settled paid.  What a fund handed
 * over at its own cutover owes is what was settled up to then: later
 * periods are the city's. */
static int read_payable(rd *x, const tc_value *vals, tc_err *e)
{
    const fundcut_g *own = rec_fund_cutover(x->r, x->c, V(2)->s, V(2)->n);
    if (own && V(3)->i > own->cutper)
        return 0;
    keybuf k = {.n = 0};
    kb_text(&k, V(0)->s, V(0)->n);
    kb_text(&k, V(2)->s, V(2)->n);
    int created, rc;
    pay_g *p = gtab_get(&x->c->pay, k.b, k.n, &created);
    if (!p)
        return oom(e);
    if (created) {
        if ((rc = put(p->inst, RT, V(0), "institution", e)) || (rc = put(p->fund, RF, V(2), "fund", e)))
            return rc;
        snprintf(p->name, sizeof(p->name), "%.*s", (int)(V(1)->n < RN ? V(1)->n : 0), V(1)->s);
    }
    if (tc_money_add(p->settled, V(4)->i, &p->settled) || tc_money_add(p->paid, V(5)->i, &p->paid))
        return tc_fail(e, TC_EINPUT, "payable sums overflow");
    const tc_fen am[] = {V(4)->i, V(5)->i};
    static const char *const an[] = {"settled", "paid"};
    int neg = first_negative(am, 2);
    if (neg >= 0) {
        char ref[RT + RF + 24], per[16];
        snprintf(ref, sizeof(ref), "%s/%s/%s", p->inst, p->fund, rec_period_text(V(3)->i, per));
        return negative(x, p->fund, ref, "payable", an[neg], am[neg], e);
    }
    return 0;
}

/* personal_account: person fund balance */
static int read_personal(rd *x, const tc_value *vals, tc_err *e)
{
    const tc_value *fund = V(1);
    int created, rc;
    pers_g *p = gtab_get(&x->c->pers, fund->s, fund->n, &created);
    if (!p)
        return oom(e);
    if (created && (rc = put(p->fund, RF, fund, "fund", e)))
        return rc;
    if (tc_money_add(p->sum, V(2)->i, &p->sum))
        return tc_fail(e, TC_EINPUT, "personal account sums overflow");
    if (V(2)->i < 0) {
        char who[RT + 8], ref[192];
        snprintf(ref, sizeof(ref), "%s/%s", masked(V(0), who, sizeof(who)), p->fund);
        if ((rc = negative(x, p->fund, ref, "personal account", "balance", V(2)->i, e)))
            return rc;
    }
    if (!tc_ident_id_valid(V(0)->s, V(0)->n)) {
        char who[RT + 8], ref[192];
        snprintf(ref, sizeof(ref), "%s/%s", masked(V(0), who, sizeof(who)), p->fund);
        if (rec_finding(x->r, x->c, "BAD_CHECK_DIGIT", p->fund, 0, ref,
                        "personal account %s: the identity number has a wrong check digit",
                        "个人账户 %s 校验位错误：公民身份号码校验位不正确", ref))
            return oom(e);
    }
    return 0;
}

/* bank_account: no fund role account bank */
static int read_bank_account(rd *x, const tc_value *vals, tc_err *e)
{
    int created, rc;
    bacct_g *b = gtab_get(&x->c->bacct, V(0)->s, V(0)->n, &created);
    if (!b)
        return oom(e);
    if ((rc = put(b->no, RT, V(0), "bank account", e)) || (rc = put(b->fund, RF, V(1), "fund", e)) ||
        (rc = put(b->role, RF, V(2), "bank role", e)) || (rc = put(b->acc, RA, V(3), "account", e)) ||
        (rc = put(b->sfund, RF, SRC(1), "fund", e)) || (rc = put(b->sacc, RA, SRC(3), "account", e)) ||
        (rc = put(b->bank, RN, V(4), "bank", e)))
        return rc;
    return 0;
}

/* bank_statement: account from to opening closing */
static int read_bank_statement(rd *x, const tc_value *vals, tc_err *e)
{
    int created, rc;
    bstmt_g *b = gtab_get(&x->c->bstmt, V(0)->s, V(0)->n, &created);
    if (!b)
        return oom(e);
    if ((rc = put(b->no, RT, V(0), "bank account", e)))
        return rc;
    b->from = V(1)->i;
    b->to = V(2)->i;
    b->open = V(3)->i;
    b->close = V(4)->i;
    return 0;
}

/* bank_entry: account date ref amount */
static int read_bank_entry(rd *x, const tc_value *vals, tc_err *e)
{
    bitem *b = vec_push(&x->c->entries);
    int rc;
    if (!b)
        return oom(e);
    if ((rc = put(b->key, RT, V(0), "bank account", e)) ||
        (rc = put(b->ref, RT, V(2), "bank reference", e)))
        return rc;
    b->date = V(1)->i;
    b->amount = V(3)->i;
    return 0;
}

static int read_nothing(rd *x, const tc_value *vals, tc_err *e)
{
    (void)x;
    (void)vals;
    (void)e;
    return 0;
}

typedef int (*reader_fn)(rd *x, const tc_value *vals, tc_err *e);

static const struct {
    const char *type;
    reader_fn fn;
} readers[] = {
    {"account", read_nothing},          {"bank_account", read_bank_account},
    {"balance", read_balance},          {"voucher_line", read_voucher_line},
    {"contribution", read_contribution}, {"subsidy", read_subsidy},
    {"payable", read_payable},          {"bank_statement", read_bank_statement},
    {"bank_entry", read_bank_entry},    {"personal_account", read_personal},
};

/* ============================================================= duplicates */

typedef struct dups {
    long long *rec;     /* record numbers of second occurrences */
    size_t n, cap;
    int oom;
} dups;

static void on_dup(void *arg, const tc_keys_dup *d)
{
    dups *x = arg;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        long long *q = realloc(x->rec, cap * sizeof(*q));
        if (!q) {
            x->oom = 1;
            return;
        }
        x->rec = q;
        x->cap = cap;
    }
    x->rec[x->n++] = d->second;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* The amount of a repeated record: its first money column that is a claim. */
static int dup_amount_col(const tc_rectype *t)
{
    const char *name = strcmp(t->name, "contribution") == 0 || strcmp(t->name, "subsidy") == 0 ? "due"
                       : strcmp(t->name, "payable") == 0 ? "settled"
                                                          : NULL;
    if (name)
        return tc_rectype_col(t, name);
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].type == TC_COL_AMOUNT)
            return i;
    return -1;
}

/* Duplicates: the same natural key twice in one source (keys in the
 * source's own codes).  tc_keys found the repeats; read the batch again and
 * make a DUPLICATE_RECORD for each, amount its first claim column. */
static int check_duplicates(rd *x, dups *d, tc_err *e)
{
    const tc_rectype *t = &tc_rectypes[x->type];
    qsort(d->rec, d->n, sizeof(*d->rec), cmp_ll);
    tc_batch_reader *br;
    int rc = tc_batch_open(&br, x->path, 0, e);
    if (rc)
        return rc;
    int kc[5], nk = tc_rectype_key(t, kc);
    int ac = dup_amount_col(t), fc = tc_rectype_col(t, "fund");
    size_t next = 0;
    const tc_value *vals;
    while (next < d->n && (rc = tc_batch_next(br, &vals, e)) == 1) {
        long long no = (long long)tc_batch_record_no(br);
        if (no != d->rec[next])
            continue;
        while (next < d->n && d->rec[next] == no)
            next++;
        char ref[192], part[96];
        size_t len = (size_t)snprintf(ref, sizeof(ref), "%s ", t->name);
        for (int i = 0; i < nk; i++) {
            const tc_value *v = SRC(kc[i]);
            switch (t->cols[kc[i]].type) {
            case TC_COL_TEXT: masked(v, part, sizeof(part)); break;
            case TC_COL_PERIOD: rec_period_text(v->i, part); break;
            case TC_COL_DATE: rec_date_text(v->i, part); break;
            default: snprintf(part, sizeof(part), "%lld", (long long)v->i); break;
            }
            if (len < sizeof(ref))
                len += (size_t)snprintf(ref + len, sizeof(ref) - len, "%s%s", i ? "/" : "", part);
        }
        char fund[RF] = "";
        if (fc >= 0 && (rc = put(fund, RF, V(fc), "fund", e)))
            break;
        tc_fen amount = ac >= 0 ? V(ac)->i : 0;
        if (rec_finding(x->r, x->c, "DUPLICATE_RECORD", fund, amount, ref,
                        "%s: record %lld repeats the natural key of an earlier record",
                        "重复记录：%s 第 %lld 条记录与此前一条记录的业务主键相同", ref, no)) {
            rc = oom(e);
            break;
        }
        rc = 0;
    }
    tc_batch_close(br);
    return rc < 0 ? rc : 0;
}

/* ================================================================ batches */

/* A batch of this region, pool and record type given already: the same
 * batch twice, or two extractions of one pool.  Either would count its
 * records twice, so it is refused, naming both.  (Pools merged into one
 * region are told apart by their pool.) */
static int given_twice(const tc_reconcile *r, const char *path, const tc_batch_header *h,
                       tc_err *e)
{
    const char *pool = tc_batch_pool(h);
    for (int i = 0; i < r->ninputs; i++) {
        const input *in = &r->inputs[i];
        if (strcmp(in->county, h->county) != 0 || strcmp(in->pool, pool) != 0 ||
            strcmp(in->type, h->type) != 0)
            continue;
        if (strcmp(pool, h->county) != 0)
            tc_fail(e, TC_EINPUT, "%s and %s are both the %s batch of pool %s in region %s: its "
                    "records would be counted twice", in->path, path, h->type, pool, h->county);
        else
            tc_fail(e, TC_EINPUT, "%s and %s are both the %s batch of region %s: its records "
                    "would be counted twice", in->path, path, h->type, h->county);
        return tc_err_hint(e, "give each batch once");
    }
    return 0;
}

static int add_input(tc_reconcile *r, const char *path, const char *county, const char *pool,
                     const char *type, const char *source, tc_controls controls, tc_err *e)
{
    if (r->ninputs == r->capinputs) {
        int cap = r->capinputs ? r->capinputs * 2 : 16;
        input *q = realloc(r->inputs, (size_t)cap * sizeof(*q));
        if (!q)
            return oom(e);
        r->inputs = q;
        r->capinputs = cap;
    }
    input *in = &r->inputs[r->ninputs];
    const char *base = strrchr(path, '/');
    snprintf(in->file, sizeof(in->file), "%s", base ? base + 1 : path);
    snprintf(in->path, sizeof(in->path), "%s", path);
    snprintf(in->county, sizeof(in->county), "%s", county);
    snprintf(in->pool, sizeof(in->pool), "%s", pool);
    snprintf(in->type, sizeof(in->type), "%s", type);
    snprintf(in->source, sizeof(in->source), "%s", source);
    in->controls = controls;
    int rc = tc_batch_digest(path, in->digest, e);
    if (rc)
        return rc;
    r->ninputs++;
    return 0;
}

/* The funds' own cutovers against the batches' (known from the first
 * batch): none may be after it, since the data ends there; one on it is
 * no exception and is dropped, so that such a fund is reconciled, and
 * reported, exactly as the others. */
static int check_fund_cutovers(tc_reconcile *r, tc_err *e)
{
    int n = 0;
    for (int i = 0; i < r->nfundcut; i++) {
        const fundcut_g *f = &r->fundcut[i];
        if (f->cutdate > r->cutdate) {
            tc_fail(e, TC_EINPUT, "county %s fund %s: its own cutover %s is after the batches' "
                    "cutover %s: the data cannot cover it", f->county, f->fund, f->date,
                    r->cutover);
            return tc_err_hint(e, "give a date on or before %s, or extract the county again "
                               "with a later cutover", r->cutover);
        }
        if (f->cutdate == r->cutdate)
            continue; /* no exception: dropped */
        if (n != i)
            r->fundcut[n] = *f;
        n++;
    }
    r->nfundcut = n;
    return 0;
}

static int check_header(tc_reconcile *r, const tc_batch_header *h, tc_err *e)
{
    if (tc_batch_header_col(h, "reject_dimension") >= 0) {
        tc_fail(e, TC_EINPUT, "this is a reject batch of map, not part of the reconciliation");
        return tc_err_hint(e, "fix the mapping set and map the rejects again into the city "
                              "batches' folder; reconcile the city batches");
    }
    if (strcmp(h->coding, "city") != 0) {
        tc_fail(e, TC_EINPUT, "the batch is in county codes");
        return tc_err_hint(e, "map it first: tongchou map -m MAPPINGS BATCH -o DIR");
    }
    if (strcmp(h->mappings, tc_mapset_digest(r->m)) != 0) {
        tc_fail(e, TC_EINPUT, "the batch was mapped with another mapping set (%s)", h->mappings);
        return tc_err_hint(e, "map the county batches again with this set, or reconcile with the "
                              "set they were mapped with");
    }
    if (!h->cutover[0]) {
        tc_fail(e, TC_EINPUT, "the batch names no cutover date");
        return tc_err_hint(e, "extract the county again: the cutover comes from its export");
    }
    if (!r->cutover[0]) {
        int64_t d;
        if (tc_date_parse(h->cutover, strlen(h->cutover), &d))
            return tc_fail(e, TC_EINPUT, "bad cutover date '%s'", h->cutover);
        snprintf(r->cutover, sizeof(r->cutover), "%s", h->cutover);
        r->cutdate = d;
        r->cutper = d / 100;
        int rc = check_fund_cutovers(r, e);
        if (rc)
            return rc;
    } else if (strcmp(r->cutover, h->cutover) != 0) {
        tc_fail(e, TC_EINPUT, "cutover %s differs from the other batches' %s", h->cutover, r->cutover);
        return tc_err_hint(e, "reconcile batches of one handover together");
    }
    return 0;
}

int tc_reconcile_add_batch(tc_reconcile *r, const char *path, tc_err *e)
{
    if (r->finished)
        return tc_fail(e, TC_EINTERNAL, "reconciliation already finished");
    tc_batch_reader *br = NULL;
    tc_keys *keys = NULL;
    dups d = {0};
    rd xs, *x = &xs;
    memset(x, 0, sizeof(xs));
    x->r = r;
    x->path = path;
    x->last_payer_ok = 1;
    x->last_payer_n = (size_t)-1;
    x->cache = calloc(CSLOTS, sizeof(cslot));
    if (!x->cache)
        return oom(e);
    int rc = tc_batch_open(&br, path, 0, e);
    const tc_batch_header *h = NULL;
    reader_fn fn = NULL;
    char region[7] = "", pool[7] = "", type[32] = "", source[TC_DIGEST_TEXT_MAX] = "";
    tc_controls controls = TC_CONTROLS_UNKNOWN;
    if (!rc) {
        h = tc_batch_header_of(br);
        x->h = h;
        rc = check_header(r, h, e);
        if (!rc)
            rc = given_twice(r, path, h, e);
        snprintf(region, sizeof(region), "%s", h->county);
        snprintf(pool, sizeof(pool), "%s", tc_batch_pool(h));
        snprintf(type, sizeof(type), "%s", h->type);
        snprintf(source, sizeof(source), "%s", h->source);
        controls = h->controls;
    }
    if (!rc) {
        const tc_rectype *t = tc_rectype_find(h->type);
        for (size_t i = 0; t && i < sizeof(readers) / sizeof(readers[0]); i++)
            if (strcmp(readers[i].type, h->type) == 0)
                fn = readers[i].fn;
        if (!fn)
            rc = tc_fail(e, TC_EINPUT, "record type '%s' is not one reconcile reads", h->type);
        for (int i = 0; !rc && i < t->ncols; i++) {
            char name[48];
            x->col[i] = tc_batch_header_col(h, t->cols[i].name);
            snprintf(name, sizeof(name), "src_%s", t->cols[i].name);
            x->src[i] = tc_batch_header_col(h, name);
            if (x->col[i] < 0 || h->cols[x->col[i]].type != t->cols[i].type)
                rc = tc_fail(e, TC_EINPUT, "the batch has no %s column of type %s",
                             t->cols[i].name, tc_coltype_name(t->cols[i].type));
        }
        x->type = t ? (int)(t - tc_rectypes) : 0;
    }
    if (!rc && !(x->c = county_of(r, h->county, tc_batch_pool(h), e)))
        rc = e->code;
    if (!rc) /* the cap counts per record type: the same listed whatever the batch order */
        x->c->cur_type = x->type;
    if (!rc)
        rc = tc_keys_open(&keys, r->tmpdir, e);
    const tc_rectype *t = h && !rc ? &tc_rectypes[x->type] : NULL;
    int kc[5], nk = t ? tc_rectype_key(t, kc) : 0;
    tc_value kv[TC_MAX_COLUMNS];
    const tc_value *vals;
    while (!rc && (rc = tc_batch_next(br, &vals, e)) == 1) {
        rc = fn(x, vals, e);
        if (rc)
            break;
        for (int i = 0; i < nk; i++)
            kv[kc[i]] = *SRC(kc[i]);
        rc = tc_keys_add(keys, x->type, kv, (long long)tc_batch_record_no(br), e);
    }
    if (rc > 0)
        rc = 0;
    if (!rc && tc_mapset_split_targets(r->m, x->c->pool, NULL, 0) > 0) {
        /* a split pool: how many records went to each sub-ledger */
        county *c = x->c;
        int k = 0;
        while (k < c->nsplit && strcmp(c->split[k].code, h->county) != 0)
            k++;
        if (k == c->nsplit && k < TC_SPLIT_MAX)
            snprintf(c->split[c->nsplit++].code, 7, "%s", h->county);
        if (k < TC_SPLIT_MAX)
            c->split[k].records += (long long)tc_batch_record_no(br);
    }
    if (rc && br && tc_batch_record_no(br))
        tc_err_record(e, NULL, (long long)tc_batch_record_no(br));
    if (br)
        tc_batch_close(br);
    if (!rc) {
        long long n = tc_keys_each(keys, on_dup, &d, e);
        if (n < 0)
            rc = (int)n;
        else if (d.oom)
            rc = oom(e);
        else if (n > 0)
            rc = check_duplicates(x, &d, e);
    }
    tc_keys_free(keys);
    free(d.rec);
    free(x->cache);
    if (!rc)
        rc = add_input(r, path, region, pool, type, source, controls, e);
    if (rc && !e->file[0])
        tc_err_at(e, path, 0, 0);
    return rc;
}

int tc_reconcile_set_scope(tc_reconcile *r, const char *spec, tc_err *e)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq - spec != 6 || strspn(spec, "0123456789") != 6 || !eq[1]) {
        tc_fail(e, TC_EUSAGE, "'%s' is not COUNTY=FUND,FUND...", spec);
        return tc_err_hint(e, "name a 6-digit county and the city funds it hands over, as "
                              "220113=310,330");
    }
    for (int i = 0; i < r->nscope; i++)
        if (strncmp(r->scope[i].county, spec, 6) == 0)
            return tc_fail(e, TC_EUSAGE, "the funds of county %.6s are named twice", spec);
    scope_g *q = realloc(r->scope, (size_t)(r->nscope + 1) * sizeof(*q));
    if (!q)
        return oom(e);
    r->scope = q;
    scope_g *s = &q[r->nscope];
    memset(s, 0, sizeof(*s));
    memcpy(s->county, spec, 6);
    for (const char *p = eq + 1; *p;) {
        size_t n = strcspn(p, ", ");
        if (n == 0 || n >= RF || s->nfunds == 32)
            return tc_fail(e, TC_EUSAGE, "'%s': a fund code is empty, too long, or one of more "
                           "than 32", spec);
        memcpy(s->funds[s->nfunds++], p, n);
        p += n;
        p += strspn(p, ", ");
    }
    r->nscope++;
    return 0;
}

int tc_reconcile_set_fund_cutover(tc_reconcile *r, const char *spec, tc_err *e)
{
    if (r->ninputs)
        return tc_fail(e, TC_EINTERNAL, "a fund's own cutover must be set before the first "
                       "batch is added");
    const char *colon = strchr(spec, ':'), *eq = colon ? strchr(colon, '=') : NULL;
    int64_t d;
    if (!eq || colon - spec != 6 || strspn(spec, "0123456789") != 6 || eq - colon < 2 ||
        eq - colon - 1 >= RF || tc_date_parse(eq + 1, strlen(eq + 1), &d)) {
        tc_fail(e, TC_EUSAGE, "'%s' is not COUNTY:FUND=YYYY-MM-DD", spec);
        return tc_err_hint(e, "name a 6-digit county, a city fund and the date it hands the "
                              "fund over, as 220100:330=2021-03-31");
    }
    fundcut_g f;
    memset(&f, 0, sizeof(f));
    memcpy(f.county, spec, 6);
    memcpy(f.fund, colon + 1, (size_t)(eq - colon - 1));
    memcpy(f.date, eq + 1, 10);
    f.cutdate = d;
    f.cutper = d / 100;
    for (int i = 0; i < r->nfundcut; i++)
        if (strcmp(r->fundcut[i].county, f.county) == 0 && strcmp(r->fundcut[i].fund, f.fund) == 0)
            return tc_fail(e, TC_EUSAGE, "the cutover of county %s fund %s is named twice",
                           f.county, f.fund);
    fundcut_g *q = realloc(r->fundcut, (size_t)(r->nfundcut + 1) * sizeof(*q));
    if (!q)
        return oom(e);
    r->fundcut = q;
    q[r->nfundcut++] = f;
    return 0;
}

/*
 * The sub-ledgers that merge several pools: per fund, the sum of each
 * figure over the pools (r->c sorted by region, then pool).  Each pool's
 * own figures stay as they are; these are the second level of the report.
 */
static int sum_fund(fundfig *to, const fundfig *f)
{
    tc_fen *a[] = {&to->cash, &to->recv, &to->pay, &to->net, &to->fund_balance, &to->arrears,
                   &to->aging[0], &to->aging[1], &to->aging[2], &to->overpaid, &to->shortfall,
                   &to->inst, &to->personal};
    const tc_fen b[] = {f->cash, f->recv, f->pay, f->net, f->fund_balance, f->arrears,
                        f->aging[0], f->aging[1], f->aging[2], f->overpaid, f->shortfall,
                        f->inst, f->personal};
    for (size_t k = 0; k < sizeof(b) / sizeof(b[0]); k++)
        if (tc_money_add(*a[k], b[k], a[k]))
            return -1;
    return 0;
}

static int sum_regions(tc_reconcile *r, tc_err *e)
{
    qsort(r->c, (size_t)r->nc, sizeof(county *), rec_cmp_county);
    for (int i = 0, j; i < r->nc; i = j) {
        for (j = i + 1; j < r->nc && strcmp(r->c[j]->code, r->c[i]->code) == 0;)
            j++;
        if (j - i < 2)
            continue;
        region_sum *q = realloc(r->regions, (size_t)(r->nregions + 1) * sizeof(*q));
        if (!q)
            return oom(e);
        r->regions = q;
        region_sum *g = &r->regions[r->nregions++];
        memset(g, 0, sizeof(*g));
        snprintf(g->code, sizeof(g->code), "%s", r->c[i]->code);
        g->npools = j - i;
        for (int k = i; k < j; k++)
            for (int f = 0; f < r->c[k]->nfunds; f++) {
                const fundfig *x = &r->c[k]->funds[f];
                int at = 0;
                while (at < g->nfunds && strcmp(g->funds[at].fund, x->fund) < 0)
                    at++;
                if (at == g->nfunds || strcmp(g->funds[at].fund, x->fund) != 0) {
                    fundfig *nf = realloc(g->funds, (size_t)(g->nfunds + 1) * sizeof(*nf));
                    if (!nf)
                        return oom(e);
                    g->funds = nf;
                    memmove(&nf[at + 1], &nf[at], (size_t)(g->nfunds - at) * sizeof(*nf));
                    memset(&nf[at], 0, sizeof(*nf));
                    snprintf(nf[at].fund, sizeof(nf[at].fund), "%s", x->fund);
                    g->nfunds++;
                }
                if (sum_fund(&g->funds[at], x))
                    return tc_fail(e, TC_EINPUT, "region %s fund %s: the sum of its pools' "
                                   "figures overflows", g->code, x->fund);
            }
    }
    return 0;
}

int tc_reconcile_finish(tc_reconcile *r, tc_err *e)
{
    if (r->finished)
        return tc_fail(e, TC_EINTERNAL, "reconciliation already finished");
    r->finished = 1;
    for (int i = 0; i < r->nc; i++) {
        int rc = rec_finish_county(r, r->c[i], e);
        if (rc)
            return rc;
        finding *f = (finding *)r->c[i]->findings.v;
        int blocked = 0;
        for (size_t k = 0; k < r->c[i]->findings.n; k++) {
            r->nfindings++;
            r->nblocking += f[k].blocking;
            blocked |= f[k].blocking;
        }
        for (int k = 0; k < r->c[i]->nfunds; k++) {
            fundfig *g = &r->c[i]->funds[k];
            tc_fen *part = !rec_handed_over(r, r->c[i], g->fund) ? &r->t_kept
                           : blocked                              ? &r->t_held
                                                                  : &r->t_ready;
            if (tc_money_add(r->t_transfer, g->cash, &r->t_transfer) ||
                tc_money_add(*part, g->cash, part) ||
                tc_money_add(r->t_claims, g->arrears, &r->t_claims) ||
                tc_money_add(r->t_claims, g->shortfall, &r->t_claims) ||
                tc_money_add(r->t_debts, g->inst, &r->t_debts))
                return tc_fail(e, TC_EINPUT, "totals overflow");
        }
    }
    return sum_regions(r, e);
}

const char *tc_reconcile_status(const tc_reconcile *r)
{
    return r->nblocking ? "blocked" : r->nfindings ? "findings" : "clean";
}

int tc_reconcile_count(const tc_reconcile *r, int *blocking)
{
    if (blocking)
        *blocking = r->nblocking;
    return r->nfindings;
}
