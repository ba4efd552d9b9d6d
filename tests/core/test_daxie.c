/*
 * test_daxie.c - amounts in Chinese capitals (core/daxie.h).
 *
 *   - the examples of shared/spec/documents.md, and the boundaries the
 *     issue names (0.01 to 1,000,000,000,000.00) with zeros in every place;
 *   - the reader refuses every other writing of an amount (拾 without 壹,
 *     a missing or extra 零, no 整, ...) and says where;
 *   - property: the reader, which computes the value from the characters on
 *     its own, turns the writing back into the same fen, for every amount
 *     from 0 to 10,000.00 and a million random ones of every length, most
 *     of their digits zeros so that every place is tried empty.
 */
#include "tests/support/tctest.h"

#include <inttypes.h>

#include "core/daxie.h"

static void is(tc_fen fen, const char *want)
{
    char b[TC_DAXIE_BUFSZ];
    int n = tc_daxie(fen, b, sizeof(b));
    if (n < 0 || strcmp(b, want) != 0)
        fail_msg("%" PRId64 " fen: '%s', want '%s'", fen, b, want);
    assert_int_equal((size_t)n, strlen(want));
    tc_fen back = 0;
    tc_err e;
    tc_err_clear(&e);
    if (tc_daxie_parse(b, (size_t)n, &back, &e))
        fail_msg("'%s' not read back: %s", b, e.msg);
    assert_true(back == fen);
}

static void test_spec_examples(void **state)
{
    (void)state;
    is(140950, "人民币壹仟肆佰零玖元伍角整");
    is(600714, "人民币陆仟零柒元壹角肆分");
    is(10700053, "人民币壹拾万柒仟元零伍角叁分");
    is(8, "人民币捌分");
}

static void test_boundaries(void **state)
{
    (void)state;
    is(0, "人民币零元整");
    is(1, "人民币壹分");
    is(10, "人民币壹角整");
    is(100, "人民币壹元整");
    is(1000, "人民币壹拾元整");
    is(10000000, "人民币壹拾万元整");
    is(10000000000, "人民币壹亿元整");
    is(100000000000000, "人民币壹万亿元整");
    /* zeros in every place */
    is(11, "人民币壹角壹分");
    is(101, "人民币壹元零壹分");
    is(110, "人民币壹元壹角整");
    is(1001, "人民币壹拾元零壹分");
    is(1010, "人民币壹拾元零壹角整");
    is(100100, "人民币壹仟零壹元整");
    is(1000100, "人民币壹万零壹元整");
    is(2050000, "人民币贰万零伍佰元整");
    is(1001000, "人民币壹万零壹拾元整");
    is(10000100, "人民币壹拾万零壹元整");
    is(1000000000, "人民币壹仟万元整");
    is(1000000100, "人民币壹仟万零壹元整");
    is(10000100000, "人民币壹亿零壹仟元整");
    is(10005000000, "人民币壹亿零伍万元整");
    is(101000000000, "人民币壹拾亿壹仟万元整");
    is(101010101010, "人民币壹拾亿壹仟零壹拾万壹仟零壹拾元零壹角整");
    is(100000000000001, "人民币壹万亿元零壹分");
    is(100000000000500, "人民币壹万亿零伍元整");
    is(105000000000000, "人民币壹万零伍佰亿元整");
    is(100000000000010, "人民币壹万亿元零壹角整");
    is(999999999999999999, "人民币玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾"
                           "玖元玖角玖分");
    is(-150, "人民币负壹元伍角整");
    /* 92,233,720,368,547,758.07 yuan: 亿 twice, as 亿亿 is 10^16 */
    is(INT64_MAX, "人民币玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零柒分");
    is(INT64_MIN, "人民币负玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零"
                  "捌分");
    is(1000000000000000000, "人民币壹亿亿元整");
    /* a buffer too small gets nothing, not a cut character */
    char b[16];
    assert_int_equal(tc_daxie(140950, b, sizeof(b)), -1);
    assert_string_equal(b, "");
}

static void test_refused(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t at;
    } bad[] = {
        {"壹元整", 0},                              /* no 人民币 */
        {"人民币拾元整", 9},                        /* 拾 alone */
        {"人民币壹拾万零柒仟元零伍角叁分", 18},     /* 零 a group forgives */
        {"人民币壹拾万柒仟元伍角叁分", 27},         /* 元零伍角 */
        {"人民币壹元", 15},                         /* no 整 */
        {"人民币壹元整整", 18},
        {"人民币壹元壹分", 15},                     /* 元零壹分 */
        {"人民币零元壹角整", 9},                    /* no 零元 before 角 */
        {"人民币壹佰元零零伍分", 21},
        {"人民币壹元伍角整叁分", 24},
        {"人民币壹元ABC", 15},
        {"人民币壹", 12},
        {"", 0},
        {"人民币壹万万元整", 12},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tc_fen v = 77;
        tc_err e;
        tc_err_clear(&e);
        if (tc_daxie_parse(bad[i].s, strlen(bad[i].s), &v, &e) != TC_EINPUT)
            fail_msg("'%s' read as %" PRId64, bad[i].s, v);
        assert_true(v == 77);
        char want[40];
        snprintf(want, sizeof(want), "at byte %zu:", bad[i].at);
        if (!strstr(e.msg, want))
            fail_msg("'%s': %s (want %s)", bad[i].s, e.msg, want);
    }
}

static uint64_t next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void round_trip(tc_fen v)
{
    char b[TC_DAXIE_BUFSZ];
    int n = tc_daxie(v, b, sizeof(b));
    assert_true(n > 0);
    tc_fen back;
    tc_err e;
    tc_err_clear(&e);
    if (tc_daxie_parse(b, (size_t)n, &back, &e) || back != v)
        fail_msg("%" PRId64 " fen: '%s' reads back as %" PRId64 " (%s)", v, b, back, e.msg);
}

static void test_round_trip(void **state)
{
    (void)state;
    for (tc_fen v = 0; v <= 1000000; v++)
        round_trip(v);
    uint64_t x = 20261207;
    for (int i = 0; i < 1000000; i++) {
        /* 1 to 19 digits, each zero with probability 1/2 */
        int nd = 1 + (int)(next(&x) % 19);
        uint64_t r = next(&x), v = 0;
        for (int k = 0; k < nd; k++) {
            unsigned d = (r >> k) & 1 ? 0 : 1 + (unsigned)(next(&x) % 9);
            v = v * 10 + d;
        }
        if (v > (uint64_t)INT64_MAX)
            v %= (uint64_t)INT64_MAX;
        round_trip(next(&x) & 1 ? -(tc_fen)v : (tc_fen)v);
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
