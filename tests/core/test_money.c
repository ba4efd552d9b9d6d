/*
 * test_money.c - the amount, fen and rate grammars, the int64 boundaries,
 * checked arithmetic and base x rate rounding, with the figures worked out.
 */
#include "tests/support/tctest.h"

#include <limits.h>

#include "core/money.h"
#include "tests/support/money_ref.h"

static tc_fen yuan(const char *s)
{
    tc_fen v = 0x5a5a;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_money_parse_yuan(s, strlen(s), &v, &e);
    if (rc != 0)
        fail_msg("'%s' refused: %s", s, e.msg);
    return v;
}

static void test_yuan_good(void **state)
{
    (void)state;
    assert_int_equal(yuan("0"), 0);
    assert_int_equal(yuan("0.00"), 0);
    assert_int_equal(yuan("-0.00"), 0);
    assert_int_equal(yuan("1"), 100);
    assert_int_equal(yuan("1.5"), 150);
    assert_int_equal(yuan("1.05"), 105);
    assert_int_equal(yuan("-0.01"), -1);
    assert_int_equal(yuan("1234.50"), 123450);
    assert_int_equal(yuan("007.10"), 710);
    assert_int_equal(yuan("999999999999999.99"), 99999999999999999LL);
    assert_int_equal(yuan("-999999999999999.99"), -99999999999999999LL);
    assert_int_equal(yuan("58086.10"), 5808610);
    assert_int_equal(yuan("-7551.19"), -755119);
    assert_int_equal(yuan("0.05"), 5);
}

static void test_yuan_bad(void **state)
{
    (void)state;
    static const struct { const char *s; const char *why; } bad[] = {
        {"1.234", "at most two decimals"},
        {"1e3", "exponent"},
        {"1E3", "exponent"},
        {"1,000.00", "thousands"},
        {"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93", "full-width"},   /* １２３ */
        {"1\xef\xbc\x8e" "00", "non-ASCII"},                       /* 1．00 */
        {" 12", "spaces"},
        {"12 ", "spaces"},
        {"12\t", "spaces"},
        {"+5", "'+'"},
        {".5", "before the decimal point"},
        {"5.", "after the decimal point"},
        {"", "empty"},
        {"-", "after '-'"},
        {"--1", "unexpected"},
        {"1.2.3", "decimal point"},
        {"1.-2", "unexpected"},
        {"0x10", "unexpected"},
        {"1000000000000000.00", "15 digits"},       /* 16 digits of yuan */
        {"NaN", "unexpected"},
        {"12\n", "spaces"},
        {"¥12", "non-ASCII"},
        {"1_000", "unexpected"},
        {"-.5", "before the decimal point"},
        /* the shape of the common case, digits '.' two digits, broken */
        {"-.50", "before the decimal point"},
        {"1a.00", "unexpected"},
        {"12.5x", "unexpected"},
        {"--1.00", "unexpected"},
        {"1 2.00", "spaces"},
        {"-1000000000000000.00", "15 digits"},
        {"12.\xef\xbc\x95", "non-ASCII"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tc_err e;
        tc_err_clear(&e);
        tc_fen v = 4242;
        int rc = tc_money_parse_yuan(bad[i].s, strlen(bad[i].s), &v, &e);
        if (rc != TC_EINPUT)
            fail_msg("'%s' was accepted as %lld", bad[i].s, (long long)v);
        assert_int_equal(v, 4242);                      /* out untouched */
        if (!strstr(e.msg, bad[i].why))
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].s, e.msg, bad[i].why);
        assert_non_null(strstr(e.msg, "bad amount '"));
    }
    /* The length is honoured: a NUL-free slice of a longer buffer. */
    tc_fen v;
    assert_int_equal(tc_money_parse_yuan("12.345", 5, &v, NULL), 0);
    assert_int_equal(v, 1234);
    /* An embedded NUL is not a terminator. */
    assert_int_equal(tc_money_parse_yuan("1\0" "2", 3, &v, NULL), TC_EINPUT);
}

static void test_fen_bounds(void **state)
{
    (void)state;
    tc_fen v;
    tc_err e;
    assert_int_equal(tc_money_parse_fen("9223372036854775807", 19, &v, &e), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(tc_money_parse_fen("-9223372036854775807", 20, &v, &e), 0);
    assert_true(v == -INT64_MAX);
    assert_int_equal(tc_money_parse_fen("-9223372036854775808", 20, &v, &e), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(tc_money_parse_fen("0", 1, &v, &e), 0);
    assert_int_equal(v, 0);
    assert_int_equal(tc_money_parse_fen("-12", 3, &v, &e), 0);
    assert_int_equal(v, -12);
    /* the unchecked fast path ends at 18 digits; 19 take the checked one */
    assert_int_equal(tc_money_parse_fen("999999999999999999", 18, &v, &e), 0);
    assert_true(v == 999999999999999999LL);
    assert_int_equal(tc_money_parse_fen("-999999999999999999", 19, &v, &e), 0);
    assert_true(v == -999999999999999999LL);
    assert_int_equal(tc_money_parse_fen("1000000000000000000", 19, &v, &e), 0);
    assert_true(v == 1000000000000000000LL);
    assert_int_equal(tc_money_parse_fen("-0", 2, &v, &e), 0);
    assert_int_equal(v, 0);

    static const char *bad[] = {
        "9223372036854775808", "-9223372036854775809", "99999999999999999999",
        "12.00", "", "-", "+1", " 1", "1 ", "1e2", "00000000000000000001", "12a", "-1/",
        "--1", "1-",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 77;
        if (tc_money_parse_fen(bad[i], strlen(bad[i]), &v, &e) != TC_EINPUT)
            fail_msg("fen '%s' accepted", bad[i]);
        assert_int_equal(v, 77);
    }
}

static void test_format(void **state)
{
    (void)state;
    char b[TC_MONEY_BUFSZ];
    assert_string_equal(tc_money_format(0, b), "0.00");
    assert_string_equal(tc_money_format(1, b), "0.01");
    assert_string_equal(tc_money_format(-1, b), "-0.01");
    assert_string_equal(tc_money_format(-100, b), "-1.00");
    assert_string_equal(tc_money_format(123450, b), "1234.50");
    assert_string_equal(tc_money_format(INT64_MAX, b), "92233720368547758.07");
    assert_string_equal(tc_money_format(INT64_MIN, b), "-92233720368547758.08");
    assert_int_equal(strlen(tc_money_format(INT64_MIN, b)) + 1, 22);
    /* format then parse is the identity within the yuan grammar */
    static const tc_fen vals[] = {0, 5, -5, 99, 100, 101, -123456789, 99999999999999999LL};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        tc_money_format(vals[i], b);
        assert_int_equal(yuan(b), vals[i]);
    }
}

/* Thousands separators, as reports and documents print amounts. */
static void test_format_grouped(void **state)
{
    (void)state;
    char b[TC_MONEY_GROUPED_BUFSZ];
    assert_string_equal(tc_money_format_grouped(0, b), "0.00");
    assert_string_equal(tc_money_format_grouped(-1, b), "-0.01");
    assert_string_equal(tc_money_format_grouped(99999, b), "999.99");
    assert_string_equal(tc_money_format_grouped(100000, b), "1,000.00");
    assert_string_equal(tc_money_format_grouped(-12345678, b), "-123,456.78");
    assert_string_equal(tc_money_format_grouped(123456780, b), "1,234,567.80");
    assert_string_equal(tc_money_format_grouped(INT64_MAX, b), "92,233,720,368,547,758.07");
    assert_string_equal(tc_money_format_grouped(INT64_MIN, b), "-92,233,720,368,547,758.08");
    assert_int_equal(strlen(b) + 1, 27);
    assert_true(strlen(b) + 1 <= TC_MONEY_GROUPED_BUFSZ);
}

static void test_arith(void **state)
{
    (void)state;
    tc_fen r = 99;
    assert_int_equal(tc_money_add(INT64_MAX - 1, 1, &r), 0);
    assert_true(r == INT64_MAX);
    r = 99;
    assert_int_equal(tc_money_add(INT64_MAX, 1, &r), TC_EINPUT);
    assert_int_equal(r, 99);
    assert_int_equal(tc_money_add(INT64_MIN, -1, &r), TC_EINPUT);
    assert_int_equal(tc_money_add(-INT64_MAX, -1, &r), 0);
    assert_true(r == INT64_MIN);
    assert_int_equal(tc_money_sub(INT64_MIN, 1, &r), TC_EINPUT);
    assert_int_equal(tc_money_sub(0, INT64_MIN, &r), TC_EINPUT);
    assert_int_equal(tc_money_sub(-1, INT64_MAX, &r), 0);
    assert_true(r == INT64_MIN);
    assert_int_equal(tc_money_mul(INT64_MAX / 2, 2, &r), 0);
    assert_true(r == INT64_MAX - 1);
    assert_int_equal(tc_money_mul(INT64_MAX / 2 + 1, 2, &r), TC_EINPUT);
    assert_int_equal(tc_money_mul(INT64_MIN, -1, &r), TC_EINPUT);
    assert_int_equal(tc_money_mul(-3, 7, &r), 0);
    assert_int_equal(r, -21);
}

static void test_rates(void **state)
{
    (void)state;
    int32_t q;
    char b[8];
    static const struct { const char *s; int32_t v; } good[] = {
        {"0", 0}, {"1", 10000}, {"0.07", 700}, {"0.0700", 700}, {"0.08", 800},
        {"0.0085", 85}, {"0.5", 5000}, {"1.0000", 10000}, {"0.0001", 1},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        q = -1;
        assert_int_equal(tc_rate_parse(good[i].s, strlen(good[i].s), &q, NULL), 0);
        assert_int_equal(q, good[i].v);
    }
    static const char *bad[] = {"", "0.", ".07", "0.00001", "1.0001", "2", "10",
                                "-0.07", "+0.07", "0,07", "0.07 ", "7%", "1.5", "00.07"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (tc_rate_parse(bad[i], strlen(bad[i]), &q, NULL) != TC_EINPUT)
            fail_msg("rate '%s' accepted", bad[i]);
    assert_string_equal(tc_rate_format(700, b), "0.0700");
    assert_string_equal(tc_rate_format(10000, b), "1.0000");
    assert_string_equal(tc_rate_format(1, b), "0.0001");
}

static void test_apply_rate(void **state)
{
    (void)state;
    tc_fen r;
    /* 5000.00 x 0.08 = 400.00 */
    assert_int_equal(tc_money_apply_rate(500000, 800, &r), 0);
    assert_int_equal(r, 40000);
    /* 0.07 x 0.0700 = 0.0049 -> 0.00; 0.08 x 0.0700 = 0.0056 -> 0.01 */
    assert_int_equal(tc_money_apply_rate(7, 700, &r), 0);
    assert_int_equal(r, 0);
    assert_int_equal(tc_money_apply_rate(8, 700, &r), 0);
    assert_int_equal(r, 1);
    /* exactly half: 0.50 x 0.01 = 0.005 -> 0.01, and -0.005 -> -0.01 */
    assert_int_equal(tc_money_apply_rate(50, 100, &r), 0);
    assert_int_equal(r, 1);
    assert_int_equal(tc_money_apply_rate(-50, 100, &r), 0);
    assert_int_equal(r, -1);
    /* just below half: 0.49 x 0.01 = 0.0049 -> 0.00 */
    assert_int_equal(tc_money_apply_rate(49, 100, &r), 0);
    assert_int_equal(r, 0);
    /* 4567.89 x 0.0085 = 38.827065 -> 38.83 */
    assert_int_equal(tc_money_apply_rate(456789, 85, &r), 0);
    assert_int_equal(r, 3883);
    /* rate 1 is the identity even at the edge; no 64-bit overflow inside */
    assert_int_equal(tc_money_apply_rate(INT64_MAX, 10000, &r), 0);
    assert_true(r == INT64_MAX);
    assert_int_equal(tc_money_apply_rate(INT64_MIN, 10000, &r), 0);
    assert_true(r == INT64_MIN);
    assert_int_equal(tc_money_apply_rate(INT64_MAX, 5000, &r), 0);
    assert_true(r == INT64_MAX / 2 + 1);      /* ...03.5 rounds up */
    /* -4567.89 x 0.0085 = -38.827065 -> -38.83; -0.49 x 0.01 -> 0 */
    assert_int_equal(tc_money_apply_rate(-456789, 85, &r), 0);
    assert_int_equal(r, -3883);
    assert_int_equal(tc_money_apply_rate(-49, 100, &r), 0);
    assert_int_equal(r, 0);
}

/* The product is worked out in 64 bits while it fits and in 128 beyond:
 * both agree with the reference on every side of where the one hands
 * over to the other, for every rate from 0 to 1 in steps of 0.0001. */
static void test_apply_rate_both_ways(void **state)
{
    (void)state;
    long checked = 0;
    for (int32_t rate = 0; rate <= 10000; rate++) {
        int64_t edge = rate ? INT64_MAX / rate : INT64_MAX;
        const int64_t bases[] = {0, 1, -1, 4999, -4999, 5000, -5000, 123456789, -987654321,
                                 edge, edge - 1, edge + (edge < INT64_MAX), -edge,
                                 -edge - 1, INT64_MAX, INT64_MIN, INT64_MIN + 1};
        for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
            tc_fen r;
            assert_int_equal(tc_money_apply_rate(bases[i], rate, &r), 0);
            if (r != tctest_rate_ref(bases[i], rate))
                fail_msg("%lld x %d: %lld", (long long)bases[i], rate, (long long)r);
            checked++;
        }
    }
    assert_int_equal(checked, 10001 * 17);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_yuan_good), cmocka_unit_test(test_yuan_bad),
        cmocka_unit_test(test_fen_bounds), cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_grouped),
        cmocka_unit_test(test_arith),      cmocka_unit_test(test_rates),
        cmocka_unit_test(test_apply_rate),
        cmocka_unit_test(test_apply_rate_both_ways),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
