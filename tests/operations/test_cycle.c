/*
 * test_cycle.c - the formulas of operations/cycle.h on worked figures.
 * Amounts are fen; the comments give them in yuan and show the arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "operations/cycle.h"

/* ------------------------------------------------------------- muldiv */

static int64_t md(int64_t a, int64_t num, int64_t den)
{
    int64_t r = 0x5a5a;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_ops_muldiv(a, num, den, &r, &e), 0);
    return r;
}

static void test_muldiv(void **state)
{
    (void)state;
    /* halves round away from zero, on both sides */
    assert_int_equal(md(1, 1, 2), 1);                 /*  0.5  ->  1 */
    assert_int_equal(md(-1, 1, 2), -1);               /* -0.5  -> -1 */
    assert_int_equal(md(1, 1, 3), 0);                 /*  0.33 ->  0 */
    assert_int_equal(md(2, 1, 3), 1);                 /*  0.67 ->  1 */
    assert_int_equal(md(-2, 1, 3), -1);
    assert_int_equal(md(100000001, 3, 12), 25000000); /* 25,000,000.25 -> down */
    assert_int_equal(md(100000002, 3, 12), 25000001); /* 25,000,000.5  -> up   */
    assert_int_equal(md(100000003, 3, 12), 25000001); /* 25,000,000.75 -> up   */
    assert_int_equal(md(-100000002, 3, 12), -25000001);
    assert_int_equal(md(0, 3, 12), 0);
    /* the edges: INT64_MAX = 4 x 2305843009213693951 + 3, so / 4 is
     * ...951.75 -> ...952; INT64_MIN = -4 x 2305843009213693952 exactly;
     * the 128-bit product of INT64_MAX x INT64_MAX divides back exactly */
    assert_int_equal(md(INT64_MAX, 3, 12), INT64_C(2305843009213693952));
    assert_int_equal(md(INT64_MIN, 3, 12), -INT64_C(2305843009213693952));
    assert_int_equal(md(INT64_MAX, INT64_MAX, INT64_MAX), INT64_MAX);
    assert_int_equal(md(INT64_MIN, 1, 1), INT64_MIN);
    assert_int_equal(md(INT64_MAX, 4, 4), INT64_MAX);
    /* INT64_MAX x 3 / 4 = 6917529027641081855.25 -> ...855 */
    assert_int_equal(md(INT64_MAX, 3, 4), INT64_C(6917529027641081855));

    int64_t r = 7;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_ops_muldiv(INT64_MAX, 2, 1, &r, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "overflows"));
    assert_int_equal(tc_ops_muldiv(INT64_MIN, -1, 1, &r, &e), TC_EINPUT);
    assert_int_equal(r, 7);                           /* untouched */
    assert_int_equal(tc_ops_muldiv(1, 1, 0, &r, &e), TC_EINTERNAL);
}

/* ----------------------------------------------------- pre-allocation */

static void test_preallocation(void **state)
{
    (void)state;
    tc_ops_prealloc p;
    tc_err e;
    tc_err_clear(&e);
    tc_budget_row row;
    memset(&row, 0, sizeof(row));
    row.expenditure = 100000002;   /* 1,000,000.02 yuan budgeted for 2025 */

    /* from the budget: 100,000,002 x 3 / 12 = 25,000,000.5 -> 25,000,001 fen
     * = 250,000.01 yuan; a year's actuals given as well are not used */
    tc_fen actual = 999;
    assert_int_equal(tc_ops_preallocation(&p, "220113", "310", 2025, &row, &actual, &e), 0);
    assert_int_equal(p.basis, TC_OPS_BASIS_BUDGET);
    assert_string_equal(tc_ops_basis_name(p.basis), "budget");
    assert_int_equal(p.basis_year, 2025);
    assert_int_equal(p.basis_amount, 100000002);
    assert_int_equal(p.amount, 25000001);

    /* no budget row: last year's actual 8,400,000.06 yuan = 840,000,006 fen;
     * x 3 / 12 = 210,000,001.5 -> 210,000,002 fen = 2,100,000.02 yuan */
    actual = 840000006;
    assert_int_equal(tc_ops_preallocation(&p, "220182", "310", 2025, NULL, &actual, &e), 0);
    assert_int_equal(p.basis, TC_OPS_BASIS_ACTUAL);
    assert_string_equal(tc_ops_basis_name(p.basis), "actual");
    assert_int_equal(p.basis_year, 2024);
    assert_int_equal(p.amount, 210000002);

    /* neither: nothing to pre-allocate from */
    assert_int_equal(tc_ops_preallocation(&p, "220122", "390", 2025, NULL, NULL, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, TC_OPS_NO_BUDGET_BASIS));
    assert_non_null(strstr(e.msg, "220122"));
    assert_non_null(strstr(e.hint, "220122,390,2025"));
    actual = -1;
    assert_int_equal(tc_ops_preallocation(&p, "220122", "390", 2025, NULL, &actual, &e), TC_EINPUT);
}

/* --------------------------------------------------------- requests */

/* basis B = 12,000,000.00 yuan = 1,200,000,000 fen, so B x q / 4 is
 * 300,000,000 / 600,000,000 / 900,000,000 / 1,200,000,000 fen for q = 1..4 */
#define B INT64_C(1200000000)

static void test_headroom_each_quarter(void **state)
{
    (void)state;
    tc_ops_request r[4] = {
        {1, 200000000, 0},   /* 2,000,000.00 */
        {2, 500000000, 0},   /* 5,000,000.00 */
        {3, 300000000, 0},   /* 3,000,000.00 */
        {4, 350000000, 0},   /* 3,500,000.00 */
    };
    tc_ops_approval a[4];
    tc_fen total;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_ops_requests_approve(a, &total, B, r, 4, &e), 0);
    /* Q1: headroom 300,000,000 - 0 = 300,000,000 >= R: A = R */
    assert_int_equal(a[0].headroom, 300000000);
    assert_int_equal(a[0].approved, 200000000);
    assert_false(a[0].over_budget);
    assert_int_equal(a[0].excess, 0);
    /* Q2: 600,000,000 - 200,000,000 = 400,000,000 < R 500,000,000: A = 400,000,000,
     * REQUEST_OVER_BUDGET with the excess 100,000,000 (1,000,000.00 yuan) */
    assert_int_equal(a[1].headroom, 400000000);
    assert_int_equal(a[1].approved, 400000000);
    assert_true(a[1].over_budget);
    assert_false(a[1].excepted);
    assert_int_equal(a[1].excess, 100000000);
    /* Q3: 900,000,000 - 600,000,000 = 300,000,000 = R: exactly at the headroom */
    assert_int_equal(a[2].headroom, 300000000);
    assert_int_equal(a[2].approved, 300000000);
    assert_false(a[2].over_budget);
    /* Q4: 1,200,000,000 - 900,000,000 = 300,000,000 < 350,000,000: excess 50,000,000 */
    assert_int_equal(a[3].headroom, 300000000);
    assert_int_equal(a[3].approved, 300000000);
    assert_true(a[3].over_budget);
    assert_int_equal(a[3].excess, 50000000);
    /* funding over the year = the budget: 200 + 400 + 300 + 300 million */
    assert_int_equal(total, B);
}

static void test_headroom_exception(void **state)
{
    (void)state;
    tc_ops_request r[4] = {
        {1, 200000000, 0},
        {2, 500000000, 1},   /* a signed exception names it */
        {3, 300000000, 0},
        {4, 350000000, 0},
    };
    tc_ops_approval a[4];
    tc_fen total;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_ops_requests_approve(a, &total, B, r, 4, &e), 0);
    /* Q2 over by 100,000,000 but excepted: A = R = 500,000,000, the
     * finding still listed with its excess */
    assert_int_equal(a[1].headroom, 400000000);
    assert_int_equal(a[1].approved, 500000000);
    assert_true(a[1].over_budget);
    assert_true(a[1].excepted);
    assert_int_equal(a[1].excess, 100000000);
    /* Q3 pays for it: 900,000,000 - 700,000,000 = 200,000,000, excess 100,000,000 */
    assert_int_equal(a[2].headroom, 200000000);
    assert_int_equal(a[2].approved, 200000000);
    assert_int_equal(a[2].excess, 100000000);
    /* Q4: 1,200,000,000 - 900,000,000 = 300,000,000 */
    assert_int_equal(a[3].headroom, 300000000);
    assert_int_equal(a[3].approved, 300000000);
    assert_int_equal(total, B);
}

static void test_headroom_negative_and_rounding(void **state)
{
    (void)state;
    tc_ops_approval a[2];
    tc_err e;
    tc_err_clear(&e);
    /* Q1 excepted far over: 700,000,000 approved against 300,000,000;
     * Q2's headroom 600,000,000 - 700,000,000 = -100,000,000 allows nothing:
     * A = 0 and the whole request of 50,000,000 is the excess */
    tc_ops_request r[2] = {{1, 700000000, 1}, {2, 50000000, 0}};
    assert_int_equal(tc_ops_requests_approve(a, NULL, B, r, 2, &e), 0);
    assert_int_equal(a[0].approved, 700000000);
    assert_int_equal(a[1].headroom, -100000000);
    assert_int_equal(a[1].approved, 0);
    assert_true(a[1].over_budget);
    assert_int_equal(a[1].excess, 50000000);

    /* a basis not divisible by 4: 1,000,000.02 yuan = 100,000,002 fen
     * Q1 100,000,002 / 4 = 25,000,000.5 -> 25,000,001; Q3 x 3/4 =
     * 75,000,001.5 -> 75,000,002; nothing approved before */
    tc_ops_request q1 = {1, 30000000, 0}, q3 = {3, 0, 0};
    assert_int_equal(tc_ops_request_approve(&a[0], 100000002, 0, &q1, &e), 0);
    assert_int_equal(a[0].headroom, 25000001);
    assert_int_equal(a[0].approved, 25000001);
    assert_int_equal(a[0].excess, 4999999);
    assert_int_equal(tc_ops_request_approve(&a[0], 100000002, 0, &q3, &e), 0);
    assert_int_equal(a[0].headroom, 75000002);
    assert_int_equal(a[0].approved, 0);
    assert_false(a[0].over_budget);

    /* refused: a fifth quarter, a negative request, quarters out of order */
    tc_ops_request q5 = {5, 1, 0}, neg = {1, -1, 0};
    assert_int_equal(tc_ops_request_approve(&a[0], B, 0, &q5, &e), TC_EINPUT);
    assert_int_equal(tc_ops_request_approve(&a[0], B, 0, &neg, &e), TC_EINPUT);
    tc_ops_request back[2] = {{2, 1, 0}, {2, 1, 0}};
    assert_int_equal(tc_ops_requests_approve(a, NULL, B, back, 2, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "request 2"));
}

/* --------------------------------------------------------- year end */

static void test_deficit_covered_by_surplus(void **state)
{
    (void)state;
    tc_ops_settlement s;
    tc_err e;
    tc_err_clear(&e);
    /* S = 5,000,000.00; income 30,000,000.00; expenditure 32,345,678.91
     * result = 3,000,000,000 - 3,234,567,891 = -234,567,891 (-2,345,678.91)
     * G = 234,567,891 <= S: cover = G, government 0,
     * closing = 500,000,000 - 234,567,891 = 265,432,109 (2,654,321.09) */
    assert_int_equal(tc_ops_settle(&s, 500000000, 3000000000, 3234567891, &e), 0);
    assert_int_equal(s.result, -234567891);
    assert_int_equal(s.gap, 234567891);
    assert_int_equal(s.cover, 234567891);
    assert_int_equal(s.government, 0);
    assert_int_equal(s.closing_surplus, 265432109);
}

static void test_deficit_beyond_surplus(void **state)
{
    (void)state;
    tc_ops_settlement s;
    tc_err e;
    tc_err_clear(&e);
    /* S = 1,000,000.00; the same year: G = 234,567,891
     * cover = min(234,567,891, 100,000,000) = 100,000,000
     * government = 234,567,891 - 100,000,000 = 134,567,891 (1,345,678.91)
     * closing = 100,000,000 - 234,567,891 + 134,567,891 = 0 */
    assert_int_equal(tc_ops_settle(&s, 100000000, 3000000000, 3234567891, &e), 0);
    assert_int_equal(s.gap, 234567891);
    assert_int_equal(s.cover, 100000000);
    assert_int_equal(s.government, 134567891);
    assert_int_equal(s.closing_surplus, 0);
    /* the gap exactly the surplus: all covered, nothing left */
    assert_int_equal(tc_ops_settle(&s, 234567891, 3000000000, 3234567891, &e), 0);
    assert_int_equal(s.cover, 234567891);
    assert_int_equal(s.government, 0);
    assert_int_equal(s.closing_surplus, 0);
    /* a negative S covers nothing: -50,000.00 and a gap of 100.00 */
    assert_int_equal(tc_ops_settle(&s, -5000000, 0, 10000, &e), 0);
    assert_int_equal(s.cover, 0);
    assert_int_equal(s.government, 10000);
    assert_int_equal(s.closing_surplus, -5000000);
    /* a surplus year stays: 1,000,000.00 + (3,000,000,000 - 2,899,999,999) */
    assert_int_equal(tc_ops_settle(&s, 100000000, 3000000000, 2899999999, &e), 0);
    assert_int_equal(s.result, 100000001);
    assert_int_equal(s.gap, 0);
    assert_int_equal(s.cover, 0);
    assert_int_equal(s.government, 0);
    assert_int_equal(s.closing_surplus, 200000001);
    /* overflow is refused, not wrapped */
    assert_int_equal(tc_ops_settle(&s, 0, INT64_MIN, 1, &e), TC_EINPUT);
    assert_int_equal(tc_ops_settle(&s, INT64_MAX, 1, 0, &e), TC_EINPUT);
}

static void test_spend_account(void **state)
{
    (void)state;
    tc_ops_spend_recon r;
    tc_err e;
    tc_err_clear(&e);
    /* 50,000.00 + 3,000,000.00 + 8,500,000.00 - 11,234,567.89 = 315,432.11:
     * 5,000,000 + 300,000,000 + 850,000,000 - 1,123,456,789 = 31,543,211 */
    assert_int_equal(tc_ops_spend_reconcile(&r, 5000000, 300000000, 850000000, 1123456789,
                                            31543211, &e), 0);
    assert_int_equal(r.expected, 31543211);
    assert_int_equal(r.difference, 0);
    /* the bank shows 100.00 less: a SPEND_ACCOUNT_UNRECONCILED of -100.00 */
    assert_int_equal(tc_ops_spend_reconcile(&r, 5000000, 300000000, 850000000, 1123456789,
                                            31533211, &e), 0);
    assert_int_equal(r.difference, -10000);
    assert_int_equal(tc_ops_spend_reconcile(&r, INT64_MAX, 1, 0, 0, 0, &e), TC_EINPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_muldiv),
        cmocka_unit_test(test_preallocation),
        cmocka_unit_test(test_headroom_each_quarter),
        cmocka_unit_test(test_headroom_exception),
        cmocka_unit_test(test_headroom_negative_and_rounding),
        cmocka_unit_test(test_deficit_covered_by_surplus),
        cmocka_unit_test(test_deficit_beyond_surplus),
        cmocka_unit_test(test_spend_account),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
