/*
 * subledger.c - the sub-ledger of a county and fund, the overdue rule and
 * the invariant against the 市财政专户 (subledger.h).
 *
 * A sub-ledger holds a few postings a month (the month's remittance, a
 * quarter's funding), so they sit in an array in posting order and a key
 * is found by a scan; balances are summed on demand, month by month, so
 * a posting that arrives late for an earlier month (a re-run) lands where
 * its month says and every balance after it follows.
 */
#include "operations/subledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tc_subledger {
    char county[7], fund[16];
    int64_t opened;
    tc_fen opening;
    tc_posting *p;
    size_t n, cap;
};

static int valid_period(int64_t p)
{
    return p >= 190001 && p <= 999912 && p % 100 >= 1 && p % 100 <= 12;
}

/* Months from a to b (YYYYMM each): 0 when equal, 1 for the next month. */
static int64_t months_between(int64_t a, int64_t b)
{
    return (b / 100 - a / 100) * 12 + (b % 100 - a % 100);
}

static int64_t next_month(int64_t p)
{
    return p % 100 == 12 ? (p / 100 + 1) * 100 + 1 : p + 1;
}

const char *tc_post_kind_name(tc_post_kind k)
{
    switch (k) {
    case TC_POST_INCOME: return "income";
    case TC_POST_FUNDING: return "funding";
    case TC_POST_GAP_COVER: return "gap_cover";
    case TC_POST_CORRECTION: return "correction";
    case TC_POST_GOVERNMENT: return "government";
    }
    return "unknown";
}

int tc_subledger_new(tc_subledger **out, const char *county, const char *fund,
                     int64_t opened, tc_fen opening, tc_err *e)
{
    *out = NULL;
    if (strlen(county) != 6 || strspn(county, "0123456789") != 6)
        return tc_fail(e, TC_EUSAGE, "'%s' is not a 6-digit county", county);
    if (!fund[0] || strlen(fund) >= 16)
        return tc_fail(e, TC_EUSAGE, "'%s' is not a fund code", fund);
    if (!valid_period(opened))
        return tc_fail(e, TC_EUSAGE, "%lld is not a month YYYYMM", (long long)opened);
    tc_subledger *s = calloc(1, sizeof(*s));
    if (!s)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    memcpy(s->county, county, 7);
    snprintf(s->fund, sizeof(s->fund), "%s", fund);
    s->opened = opened;
    s->opening = opening;
    *out = s;
    return 0;
}

void tc_subledger_free(tc_subledger *s)
{
    if (!s)
        return;
    free(s->p);
    free(s);
}

const char *tc_subledger_county(const tc_subledger *s) { return s->county; }
const char *tc_subledger_fund(const tc_subledger *s) { return s->fund; }

char *tc_subledger_key(char *buf, const char *county, const char *fund, int64_t period,
                       tc_post_kind kind, int seq)
{
    snprintf(buf, TC_SUBLEDGER_KEY_MAX, "%s/%s/%04lld-%02lld/%s/%d", county, fund,
             (long long)(period / 100), (long long)(period % 100), tc_post_kind_name(kind), seq);
    return buf;
}

/* The balance at the end of period; the caller checked period >= opened. */
static int balance_at(const tc_subledger *s, int64_t period, tc_fen *out)
{
    tc_fen b = s->opening;
    for (size_t i = 0; i < s->n; i++)
        if (s->p[i].period <= period && tc_money_add(b, s->p[i].effect, &b))
            return -1;
    *out = b;
    return 0;
}

int tc_subledger_post(tc_subledger *s, const char *key, int64_t period, tc_post_kind kind,
                      tc_fen amount, int *posted, tc_err *e)
{
    if (posted)
        *posted = 0;
    size_t kn = strlen(key);
    if (kn == 0 || kn >= TC_SUBLEDGER_KEY_MAX)
        return tc_fail(e, TC_EINPUT, "a posting key is empty or over %d bytes",
                       TC_SUBLEDGER_KEY_MAX - 1);
    for (size_t i = 0; i < s->n; i++) {
        const tc_posting *q = &s->p[i];
        if (strcmp(q->key, key) != 0)
            continue;
        if (q->period == period && q->kind == kind && q->amount == amount)
            return 0;   /* posted before: a re-run */
        char was[TC_MONEY_BUFSZ], now[TC_MONEY_BUFSZ];
        tc_fail(e, TC_EINPUT, "posting %s is already there as %s %s in %lld; refusing %s %s in "
                "%lld", key, tc_post_kind_name(q->kind), tc_money_format(q->amount, was),
                (long long)q->period, tc_post_kind_name(kind), tc_money_format(amount, now),
                (long long)period);
        return tc_err_hint(e, "a key names one movement for good: post a correction under a "
                              "key of its own");
    }
    if (kind < TC_POST_INCOME || kind > TC_POST_GOVERNMENT)
        return tc_fail(e, TC_EINTERNAL, "posting %s: kind %d", key, (int)kind);
    if (!valid_period(period) || period < s->opened) {
        tc_fail(e, TC_EINPUT, "posting %s: month %lld is not one of the sub-ledger's (opened "
                "%lld)", key, (long long)period, (long long)s->opened);
        return tc_err_hint(e, "post into a month from the handover's on");
    }
    if (kind == TC_POST_CORRECTION ? amount == 0 : amount <= 0)
        return tc_fail(e, TC_EINPUT, "posting %s: %s of %lld fen", key, tc_post_kind_name(kind),
                       (long long)amount);
    tc_fen effect = amount;
    if (kind == TC_POST_FUNDING || kind == TC_POST_GAP_COVER)
        effect = -amount;    /* amount > 0: no overflow */
    /* the balance must stay in range at every month from this one on:
     * the balance at the latest month holds every posting, so checking
     * each month end is checking the partial sums */
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        tc_posting *p = realloc(s->p, nc * sizeof(*p));
        if (!p)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        s->p = p;
        s->cap = nc;
    }
    tc_posting *q = &s->p[s->n];
    memset(q, 0, sizeof(*q));
    memcpy(q->key, key, kn + 1);
    q->period = period;
    q->kind = kind;
    q->amount = amount;
    q->effect = effect;
    s->n++;
    tc_fen b;
    int64_t last = period;
    for (size_t i = 0; i < s->n; i++)
        if (s->p[i].period > last)
            last = s->p[i].period;
    for (int64_t m = period; m <= last; m = next_month(m))
        if (balance_at(s, m, &b)) {
            s->n--;
            return tc_fail(e, TC_EINPUT, "posting %s: the balance overflows", key);
        }
    if (posted)
        *posted = 1;
    return 0;
}

size_t tc_subledger_postings(const tc_subledger *s, const tc_posting **out)
{
    *out = s->p;
    return s->n;
}

int tc_subledger_balance(const tc_subledger *s, int64_t period, tc_fen *out, tc_err *e)
{
    if (!valid_period(period) || period < s->opened)
        return tc_fail(e, TC_EINPUT, "county %s fund %s: month %lld is before the sub-ledger "
                       "opened (%lld)", s->county, s->fund, (long long)period,
                       (long long)s->opened);
    if (balance_at(s, period, out))
        return tc_fail(e, TC_EINPUT, "county %s fund %s: the balance overflows", s->county,
                       s->fund);
    return 0;
}

int tc_subledger_month_of(const tc_subledger *s, int64_t period, tc_subledger_month *out,
                          tc_err *e)
{
    tc_subledger_month m;
    memset(&m, 0, sizeof(m));
    m.period = period;
    int rc = tc_subledger_balance(s, period, &m.closing, e);
    if (rc)
        return rc;
    m.opening = s->opening;
    if (period > s->opened) {
        int64_t prev = period % 100 == 1 ? (period / 100 - 1) * 100 + 12 : period - 1;
        if ((rc = tc_subledger_balance(s, prev, &m.opening, e)))
            return rc;
    }
    for (size_t i = 0; i < s->n; i++) {
        const tc_posting *q = &s->p[i];
        if (q->period != period)
            continue;
        tc_fen *to = q->kind == TC_POST_INCOME      ? &m.income
                     : q->kind == TC_POST_FUNDING   ? &m.funding
                     : q->kind == TC_POST_GAP_COVER ? &m.gap_cover
                     : q->kind == TC_POST_CORRECTION ? &m.correction
                                                     : &m.government;
        /* each is a part of the closing balance, which did not overflow;
         * a sum of one kind's parts can, in principle, in either sign */
        if (tc_money_add(*to, q->amount, to))
            return tc_fail(e, TC_EINPUT, "county %s fund %s: the month's %s overflows",
                           s->county, s->fund, tc_post_kind_name(q->kind));
    }
    *out = m;
    return 0;
}

/* ------------------------------------------------------ the overdue rule */

typedef struct open_item {
    int64_t period;
    tc_fen unpaid;
} open_item;

int tc_ops_overdue(const tc_remit_month *months, size_t n, int64_t as_of, tc_overdue *out,
                   size_t max, size_t *nout, tc_remit_status *status, tc_err *e)
{
    *nout = 0;
    open_item *q = n ? malloc(n * sizeof(*q)) : NULL;
    if (n && !q)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    size_t head = 0, tail = 0;
    tc_fen credit = 0;
    int rc = 0;
    for (size_t i = 0; !rc && i < n && months[i].period <= as_of; i++) {
        const tc_remit_month *m = &months[i];
        if (!valid_period(m->period) || (i > 0 && m->period <= months[i - 1].period)) {
            rc = tc_fail(e, TC_EINPUT, "month %lld: not a month after the one before",
                         (long long)m->period);
            break;
        }
        if (m->income < 0 || m->remitted < 0) {
            rc = tc_fail(e, TC_EINPUT, "month %lld: a negative income or remittance",
                         (long long)m->period);
            tc_err_hint(e, "a month that returns money is a correcting transfer, not a "
                           "remittance");
            break;
        }
        /* this month's income joins the queue, paid at once from any credit */
        tc_fen inc = m->income;
        tc_fen use = inc < credit ? inc : credit;
        credit -= use;
        inc -= use;
        if (inc > 0)
            q[tail++] = (open_item){m->period, inc};
        /* this month's remittance pays the oldest first */
        tc_fen pay = m->remitted;
        while (pay > 0 && head < tail) {
            tc_fen p = pay < q[head].unpaid ? pay : q[head].unpaid;
            q[head].unpaid -= p;
            pay -= p;
            if (q[head].unpaid == 0)
                head++;
        }
        if (tc_money_add(credit, pay, &credit))
            rc = tc_fail(e, TC_EINPUT, "the remittances overflow");
    }
    tc_remit_status st = {0, 0, credit};
    for (size_t i = head; !rc && i < tail; i++) {
        if (tc_money_add(st.unremitted, q[i].unpaid, &st.unremitted)) {
            rc = tc_fail(e, TC_EINPUT, "the unremitted income overflows");
            break;
        }
        int64_t due = next_month(q[i].period);
        if (as_of < due)
            continue;
        st.overdue += q[i].unpaid;   /* a part of unremitted: no overflow */
        if (*nout < max)
            out[*nout] = (tc_overdue){q[i].period, due, q[i].unpaid,
                                      (int)months_between(due, as_of) + 1};
        (*nout)++;
    }
    free(q);
    if (!rc && status)
        *status = st;
    return rc;
}

/* ---------------------------------------------------------- the invariant */

int tc_subledger_check_city(const tc_subledger *const *subs, size_t n, const char *fund,
                            int64_t period, tc_fen city_balance, tc_fen *sum,
                            tc_fen *difference, tc_err *e)
{
    tc_fen total = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(subs[i]->fund, fund) != 0)
            continue;
        tc_fen b;
        int rc = tc_subledger_balance(subs[i], period, &b, e);
        if (rc)
            return rc;
        if (tc_money_add(total, b, &total))
            return tc_fail(e, TC_EINPUT, "fund %s: the sum of the sub-ledgers overflows", fund);
    }
    tc_fen d;
    if (tc_money_sub(city_balance, total, &d))
        return tc_fail(e, TC_EINPUT, "fund %s: the difference overflows", fund);
    *sum = total;
    *difference = d;
    return 0;
}
