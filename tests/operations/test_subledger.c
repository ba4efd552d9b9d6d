/*
 * test_subledger.c - the sub-ledger of a county and fund (postings once
 * under their keys, month-end balances), the overdue rule, and the
 * invariant Σ sub-ledgers = the 市财政专户, on worked figures in fen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "operations/subledger.h"

static tc_fen bal(const tc_subledger *s, int64_t period)
{
    tc_fen b;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_subledger_balance(s, period, &b, &e), 0);
    return b;
}

static int post(tc_subledger *s, int64_t period, tc_post_kind k, int seq, tc_fen amount,
                int *posted, tc_err *e)
{
    char key[TC_SUBLEDGER_KEY_MAX];
    tc_subledger_key(key, tc_subledger_county(s), tc_subledger_fund(s), period, k, seq);
    return tc_subledger_post(s, key, period, k, amount, posted, e);
}

static void test_postings_once(void **state)
{
    (void)state;
    tc_subledger *s;
    tc_err e;
    tc_err_clear(&e);
    int posted;
    char key[TC_SUBLEDGER_KEY_MAX];
    /* opened at the handover (December 2024) with 10,000,000.00 of net assets */
    assert_int_equal(tc_subledger_new(&s, "220113", "310", 202412, 1000000000, &e), 0);
    assert_string_equal(tc_subledger_key(key, "220113", "310", 202501, TC_POST_FUNDING, 1),
                        "220113/310/2025-01/funding/1");
    /* January: pre-allocation 3,000,000.00 out, income 1,234,567.89 in
     * 1,000,000,000 - 300,000,000 + 123,456,789 = 823,456,789 */
    assert_int_equal(post(s, 202501, TC_POST_FUNDING, 1, 300000000, &posted, &e), 0);
    assert_int_equal(posted, 1);
    assert_int_equal(post(s, 202501, TC_POST_INCOME, 1, 123456789, &posted, &e), 0);
    assert_int_equal(posted, 1);
    assert_int_equal(bal(s, 202501), 823456789);
    assert_int_equal(bal(s, 202412), 1000000000);
    /* the same key twice is one posting */
    assert_int_equal(post(s, 202501, TC_POST_INCOME, 1, 123456789, &posted, &e), 0);
    assert_int_equal(posted, 0);
    assert_int_equal(bal(s, 202501), 823456789);
    const tc_posting *p;
    assert_int_equal(tc_subledger_postings(s, &p), 2);
    assert_int_equal(p[0].effect, -300000000);
    assert_int_equal(p[1].effect, 123456789);
    /* the same key with another amount (or kind, or month) is refused */
    assert_int_equal(post(s, 202501, TC_POST_INCOME, 1, 123456790, &posted, &e), TC_EINPUT);
    assert_int_equal(posted, 0);
    assert_non_null(strstr(e.msg, "220113/310/2025-01/income/1"));
    assert_non_null(strstr(e.msg, "1234567.89"));
    assert_non_null(strstr(e.msg, "1234567.90"));
    assert_true(e.hint[0] != 0);
    assert_int_equal(tc_subledger_post(s, "220113/310/2025-01/income/1", 202502, TC_POST_INCOME,
                                       123456789, NULL, &e), TC_EINPUT);
    assert_int_equal(tc_subledger_postings(s, &p), 2);
    assert_int_equal(bal(s, 202501), 823456789);

    /* February: income 50,000.00 and a correction of -0.01
     * 823,456,789 + 5,000,000 - 1 = 828,456,788 */
    assert_int_equal(post(s, 202502, TC_POST_INCOME, 1, 5000000, NULL, &e), 0);
    assert_int_equal(post(s, 202502, TC_POST_CORRECTION, 1, -1, NULL, &e), 0);
    tc_subledger_month m;
    assert_int_equal(tc_subledger_month_of(s, 202502, &m, &e), 0);
    assert_int_equal(m.opening, 823456789);
    assert_int_equal(m.income, 5000000);
    assert_int_equal(m.funding, 0);
    assert_int_equal(m.correction, -1);
    assert_int_equal(m.closing, 828456788);
    assert_int_equal(tc_subledger_month_of(s, 202501, &m, &e), 0);
    assert_int_equal(m.opening, 1000000000);
    assert_int_equal(m.funding, 300000000);
    assert_int_equal(m.income, 123456789);
    assert_int_equal(m.closing, 823456789);
    assert_int_equal(tc_subledger_month_of(s, 202412, &m, &e), 0);
    assert_int_equal(m.opening, 1000000000);
    assert_int_equal(m.closing, 1000000000);

    /* a late posting into January moves every month after it:
     * gap cover 234,567.89 -> January 823,456,789 - 23,456,789 = 800,000,000,
     * February 828,456,788 - 23,456,789 = 804,999,999; then the government's
     * share paid in, 100,000.00, in March: 814,999,999, and a month without
     * postings keeps the balance */
    assert_int_equal(post(s, 202501, TC_POST_GAP_COVER, 1, 23456789, NULL, &e), 0);
    assert_int_equal(bal(s, 202501), 800000000);
    assert_int_equal(bal(s, 202502), 804999999);
    assert_int_equal(post(s, 202503, TC_POST_GOVERNMENT, 1, 10000000, NULL, &e), 0);
    assert_int_equal(bal(s, 202503), 814999999);
    assert_int_equal(bal(s, 202512), 814999999);
    assert_int_equal(tc_subledger_month_of(s, 202503, &m, &e), 0);
    assert_int_equal(m.government, 10000000);

    /* refused: before the handover, a zero or negative amount, an empty key */
    assert_int_equal(post(s, 202411, TC_POST_INCOME, 1, 1, NULL, &e), TC_EINPUT);
    assert_int_equal(post(s, 202504, TC_POST_INCOME, 1, 0, NULL, &e), TC_EINPUT);
    assert_int_equal(post(s, 202504, TC_POST_FUNDING, 1, -5, NULL, &e), TC_EINPUT);
    assert_int_equal(post(s, 202504, TC_POST_CORRECTION, 1, 0, NULL, &e), TC_EINPUT);
    assert_int_equal(tc_subledger_post(s, "", 202504, TC_POST_INCOME, 1, NULL, &e), TC_EINPUT);
    assert_int_equal(tc_subledger_balance(s, 202411, &m.closing, &e), TC_EINPUT);
    assert_int_equal(tc_subledger_postings(s, &p), 6);
    tc_subledger_free(s);

    /* overflow is refused and leaves nothing behind */
    assert_int_equal(tc_subledger_new(&s, "220113", "310", 202412, INT64_MAX - 10, &e), 0);
    assert_int_equal(post(s, 202501, TC_POST_INCOME, 1, 11, NULL, &e), TC_EINPUT);
    assert_int_equal(tc_subledger_postings(s, &p), 0);
    assert_int_equal(post(s, 202501, TC_POST_INCOME, 1, 10, NULL, &e), 0);
    assert_int_equal(bal(s, 202501), INT64_MAX);
    tc_subledger_free(s);
}

/* ------------------------------------------------------ overdue */

static void test_overdue_march_remitted_in_may(void **state)
{
    (void)state;
    /* income of 300,000.00 in March, nothing remitted until May */
    tc_remit_month m[3] = {
        {202503, 30000000, 0},
        {202504, 0, 0},
        {202505, 0, 30000000},
    };
    tc_overdue o[4];
    size_t n;
    tc_remit_status st;
    tc_err e;
    tc_err_clear(&e);
    /* end of March: due by the end of April, not yet overdue */
    assert_int_equal(tc_ops_overdue(m, 3, 202503, o, 4, &n, &st, &e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(st.unremitted, 30000000);
    assert_int_equal(st.overdue, 0);
    /* end of April: REMITTANCE_OVERDUE, March's 300,000.00, due April, 1 month */
    assert_int_equal(tc_ops_overdue(m, 3, 202504, o, 4, &n, &st, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].income_period, 202503);
    assert_int_equal(o[0].due_period, 202504);
    assert_int_equal(o[0].amount, 30000000);
    assert_int_equal(o[0].months, 1);
    assert_int_equal(st.overdue, 30000000);
    /* end of May: remitted, nothing overdue */
    assert_int_equal(tc_ops_overdue(m, 3, 202505, o, 4, &n, &st, &e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(st.unremitted, 0);
    assert_int_equal(st.credit, 0);
}

static void test_overdue_fifo(void **state)
{
    (void)state;
    /* March 300,000.00 unremitted; April 400,000.00 income and 400,000.00
     * remitted: FIFO pays March's 300,000.00 first and 100,000.00 of April,
     * so 300,000.00 of April's income is open at the end of April (due May) */
    tc_remit_month m[3] = {
        {202503, 30000000, 0},
        {202504, 40000000, 40000000},
        {202505, 0, 0},
    };
    tc_overdue o[4];
    size_t n;
    tc_remit_status st;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_ops_overdue(m, 3, 202504, o, 4, &n, &st, &e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(st.unremitted, 30000000);
    assert_int_equal(tc_ops_overdue(m, 3, 202505, o, 4, &n, &st, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].income_period, 202504);
    assert_int_equal(o[0].amount, 30000000);
    assert_int_equal(o[0].months, 1);
    /* end of July, months without figures: still open, 3 month-ends past due */
    assert_int_equal(tc_ops_overdue(m, 3, 202507, o, 4, &n, &st, &e), 0);
    assert_int_equal(o[0].months, 3);

    /* remitted beyond income: a credit that pays later income
     * Jan 100.00 in, 150.00 up -> credit 50.00; Feb 80.00 in -> 30.00 open;
     * at the end of March Feb's 30.00 is overdue, 1 month */
    tc_remit_month c[3] = {{202501, 10000, 15000}, {202502, 8000, 0}, {202503, 0, 0}};
    assert_int_equal(tc_ops_overdue(c, 3, 202501, o, 4, &n, &st, &e), 0);
    assert_int_equal(st.credit, 5000);
    assert_int_equal(tc_ops_overdue(c, 3, 202503, o, 4, &n, &st, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].income_period, 202502);
    assert_int_equal(o[0].amount, 3000);
    assert_int_equal(st.credit, 0);

    /* two overdue months, but room for one: n says two */
    tc_remit_month t[3] = {{202501, 100, 0}, {202502, 200, 0}, {202503, 0, 0}};
    assert_int_equal(tc_ops_overdue(t, 3, 202503, o, 1, &n, &st, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].income_period, 202501);
    assert_int_equal(o[0].months, 2);   /* due Feb: end of Feb and of March */
    assert_int_equal(st.overdue, 300);

    /* refused: months out of order, a negative figure */
    tc_remit_month bad[2] = {{202502, 1, 0}, {202501, 1, 0}};
    assert_int_equal(tc_ops_overdue(bad, 2, 202512, o, 4, &n, &st, &e), TC_EINPUT);
    tc_remit_month neg[1] = {{202502, -1, 0}};
    assert_int_equal(tc_ops_overdue(neg, 1, 202512, o, 4, &n, &st, &e), TC_EINPUT);
}

/* ------------------------------------------------------ the invariant */

static void test_invariant(void **state)
{
    (void)state;
    tc_subledger *s[3];
    tc_err e;
    tc_err_clear(&e);
    /* 九台区 10,000,000.00, 榆树市 5,000,000.00 for 310; a 390 sub-ledger beside */
    assert_int_equal(tc_subledger_new(&s[0], "220113", "310", 202412, 1000000000, &e), 0);
    assert_int_equal(tc_subledger_new(&s[1], "220182", "310", 202412, 500000000, &e), 0);
    assert_int_equal(tc_subledger_new(&s[2], "220113", "390", 202412, 7, &e), 0);
    assert_int_equal(post(s[0], 202501, TC_POST_FUNDING, 1, 300000000, NULL, &e), 0);
    assert_int_equal(post(s[0], 202501, TC_POST_INCOME, 1, 123456789, NULL, &e), 0);
    assert_int_equal(post(s[1], 202501, TC_POST_INCOME, 1, 20000000, NULL, &e), 0);
    /* January: 823,456,789 + 520,000,000 = 1,343,456,789 */
    const tc_subledger *const *subs = (const tc_subledger *const *)s;
    tc_fen sum, diff;
    assert_int_equal(tc_subledger_check_city(subs, 3, "310", 202501, 1343456789, &sum, &diff,
                                             &e), 0);
    assert_int_equal(sum, 1343456789);
    assert_int_equal(diff, 0);
    /* the city's ledger one fen short: SUBLEDGER_MISMATCH of -0.01 */
    assert_int_equal(tc_subledger_check_city(subs, 3, "310", 202501, 1343456788, &sum, &diff,
                                             &e), 0);
    assert_int_equal(diff, -1);
    /* at the handover: 1,000,000,000 + 500,000,000 */
    assert_int_equal(tc_subledger_check_city(subs, 3, "310", 202412, 1500000000, &sum, &diff,
                                             &e), 0);
    assert_int_equal(diff, 0);
    assert_int_equal(tc_subledger_check_city(subs, 3, "390", 202501, 7, &sum, &diff, &e), 0);
    assert_int_equal(diff, 0);
    /* a month before the sub-ledgers opened is refused */
    assert_int_equal(tc_subledger_check_city(subs, 3, "310", 202411, 0, &sum, &diff, &e),
                     TC_EINPUT);
    for (int i = 0; i < 3; i++)
        tc_subledger_free(s[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_postings_once),
        cmocka_unit_test(test_overdue_march_remitted_in_may),
        cmocka_unit_test(test_overdue_fifo),
        cmocka_unit_test(test_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
