/*
 * subledger.h - the city's sub-ledger of one county and fund (分账核算),
 * the overdue rule on the county's remittances, and the invariant that ties
 * the sub-ledgers to the 市财政专户.
 *
 * A sub-ledger opens at the net assets moved at the handover and changes
 * only by postings (shared/spec/operations.md, "The sub-ledger"):
 *
 *   kind         effect   what it is
 *   income       +        income the county remitted, as it reached the city
 *   funding      -        pre-allocation or approved request sent to the 支出户
 *   gap_cover    -        a year's gap covered from the county's own surplus: the
 *                        money sent to its 支出户 for the spending funding did not pay
 *   correction   +/-      a correcting transfer (the only signed kind)
 *   government   +        the county government's share of a gap, paid in
 *
 * Every posting carries a key naming it for good, by convention
 * COUNTY/FUND/YYYY-MM/KIND/SEQ (tc_subledger_key).  Posting a key already
 * there with the same period, kind and amount is a no-op (re-running a
 * month changes nothing); with anything different it is refused, since
 * the key names a movement that already happened otherwise.
 *
 * Balances are by month: balance(end of m) = opening + the effects of the
 * postings of months <= m, whatever order they were posted in.
 */
#ifndef TC_OPS_SUBLEDGER_H
#define TC_OPS_SUBLEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/money.h"

#define TC_OPS_REMITTANCE_OVERDUE "REMITTANCE_OVERDUE"
#define TC_OPS_SUBLEDGER_MISMATCH "SUBLEDGER_MISMATCH"
#define TC_SUBLEDGER_KEY_MAX 64      /* bytes of a key, with its NUL */

typedef enum tc_post_kind {
    TC_POST_INCOME = 1,
    TC_POST_FUNDING,
    TC_POST_GAP_COVER,
    TC_POST_CORRECTION,
    TC_POST_GOVERNMENT
} tc_post_kind;

/* "income", "funding", "gap_cover", "correction", "government". */
const char *tc_post_kind_name(tc_post_kind k);

typedef struct tc_posting {
    char key[TC_SUBLEDGER_KEY_MAX];
    int64_t period;            /* YYYYMM */
    tc_post_kind kind;
    tc_fen amount;             /* as given: > 0, or != 0 for a correction */
    tc_fen effect;             /* signed change of the balance */
} tc_posting;

typedef struct tc_subledger tc_subledger;

/*
 * Open the sub-ledger of county and fund at `opening` fen (the net assets
 * moved at the handover), as at the end of month `opened` (YYYYMM, the
 * handover's month): postings are of later months or the same.
 */
int tc_subledger_new(tc_subledger **out, const char *county, const char *fund,
                     int64_t opened, tc_fen opening, tc_err *e);
void tc_subledger_free(tc_subledger *s);

const char *tc_subledger_county(const tc_subledger *s);
const char *tc_subledger_fund(const tc_subledger *s);

/*
 * Write the conventional key COUNTY/FUND/YYYY-MM/KIND/SEQ into buf
 * (TC_SUBLEDGER_KEY_MAX bytes), e.g. "220113/310/2025-03/funding/1".
 * Returns buf.
 */
char *tc_subledger_key(char *buf, const char *county, const char *fund, int64_t period,
                       tc_post_kind kind, int seq);

/*
 * Post amount of kind in month period under key.  *posted (may be NULL)
 * is 1 when the posting was added, 0 when the same posting was there
 * already.  TC_EINPUT, naming the key: a key posted before with another
 * period, kind or amount; an amount <= 0 (or 0 for a correction); a month
 * before the sub-ledger opened; an empty or overlong key; overflow of the
 * balance.
 */
int tc_subledger_post(tc_subledger *s, const char *key, int64_t period, tc_post_kind kind,
                      tc_fen amount, int *posted, tc_err *e);

/* The postings, in the order they were first posted (owned by s). */
size_t tc_subledger_postings(const tc_subledger *s, const tc_posting **out);

/* One month of the sub-ledger, as its statement shows it. */
typedef struct tc_subledger_month {
    int64_t period;
    tc_fen opening;            /* balance at the end of the month before */
    tc_fen income;             /* income postings */
    tc_fen funding;            /* funding postings (positive: money out) */
    tc_fen gap_cover;          /* positive: money out */
    tc_fen correction;         /* signed */
    tc_fen government;         /* claims paid in */
    tc_fen closing;            /* opening + income - funding - gap_cover + correction + government */
} tc_subledger_month;

/* The month `period` (>= the month opened) of s.  TC_EINPUT for an
 * earlier month. */
int tc_subledger_month_of(const tc_subledger *s, int64_t period, tc_subledger_month *out,
                          tc_err *e);

/* The balance at the end of month period (the opening for the month opened). */
int tc_subledger_balance(const tc_subledger *s, int64_t period, tc_fen *out, tc_err *e);

/* ------------------------------------------------------ the overdue rule */

/* A county's month as the overdue rule sees it. */
typedef struct tc_remit_month {
    int64_t period;            /* YYYYMM */
    tc_fen income;             /* the month's income (tc_month_fund.income) */
    tc_fen remitted;           /* what reached the 市财政专户 in the month */
} tc_remit_month;

typedef struct tc_overdue {
    int64_t income_period;     /* the month m whose income is unremitted */
    int64_t due_period;        /* m + 1: by its end the income was due */
    tc_fen amount;             /* what of m's income is still unremitted */
    int months;                /* month-ends past due, at as_of: 1 at the end of m+1 */
} tc_overdue;

typedef struct tc_remit_status {
    tc_fen unremitted;         /* income not yet matched by a remittance, at as_of */
    tc_fen overdue;            /* the part of it that is overdue */
    tc_fen credit;             /* remitted beyond all income so far: it pays later income */
} tc_remit_status;

/*
 * The overdue rule at the end of month as_of: months[0..n) in ascending
 * months, consecutive or not, each listed once; those after as_of are not
 * looked at.  Remittances pay income oldest first (FIFO): a month's
 * remittance settles the oldest income still unremitted, its own month's
 * last.  Income of month m still unremitted at the end of as_of >= m+1 is
 * REMITTANCE_OVERDUE: one entry per such month, oldest first, up to max
 * into out; *nout gets how many there are (may exceed max).  status may be
 * NULL.  TC_EINPUT for months out of order, a negative figure, overflow.
 */
int tc_ops_overdue(const tc_remit_month *months, size_t n, int64_t as_of, tc_overdue *out,
                   size_t max, size_t *nout, tc_remit_status *status, tc_err *e);

/* ---------------------------------------------------------- the invariant */

/*
 * Σ over the sub-ledgers of fund of their balances at the end of month
 * period, against the 市财政专户's ledger balance for the fund then.
 * *sum gets the sum, *difference city_balance - sum (0: the invariant
 * holds; else a SUBLEDGER_MISMATCH finding).  Sub-ledgers of other funds
 * are skipped.  TC_EINPUT on overflow, or a sub-ledger that opened after
 * period.
 */
int tc_subledger_check_city(const tc_subledger *const *subs, size_t n, const char *fund,
                            int64_t period, tc_fen city_balance, tc_fen *sum,
                            tc_fen *difference, tc_err *e);

#endif
