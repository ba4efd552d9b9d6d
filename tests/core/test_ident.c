/*
 * test_ident.c - GB 11643 and GB 32100 check characters on the standards'
 * sample numbers, and masking.
 */
#include "tests/support/tctest.h"

#include "core/ident.h"

static void test_id(void **state)
{
    (void)state;
    /* GB 11643-1999's sample */
    assert_int_equal(tc_ident_id_check_char("11010519491231002"), 'X');
    assert_true(tc_ident_id_valid("11010519491231002X", 18));
    assert_true(tc_ident_id_valid("11010519491231002x", 18));
    /* one digit changed: the check fails */
    assert_false(tc_ident_id_valid("11010519491231003X", 18));
    assert_false(tc_ident_id_valid("110105194912310020", 18));
    /* a second example worked by hand:
     * 4*7+4*9+0*10+5*5+2*8+4*4+1*2+8*1+8*6+0*3+0*7+1*9+0*10+1*5+0*8+0*4+1*2 = 195,
     * 195 mod 11 = 8 -> '4' */
    assert_int_equal(tc_ident_id_check_char("44052418800101001"), '4');
    assert_true(tc_ident_id_valid("440524188001010014", 18));
    /* shapes */
    assert_int_equal(tc_ident_id_check_char("1101051949123100A"), 0);
    assert_false(tc_ident_id_valid("11010519491231002", 17));
    assert_false(tc_ident_id_valid("11010519491231002XX", 19));
    assert_true(tc_ident_looks_like_id("110105194912310021", 18));
    assert_false(tc_ident_looks_like_id("11010519491231002Y", 18));
    assert_false(tc_ident_looks_like_id("91350100M000100Y43", 18));
}

static void test_uscc(void **state)
{
    (void)state;
    /* GB 32100-2015's sample code */
    assert_int_equal(tc_ident_uscc_check_char("91350100M000100Y4"), '3');
    assert_true(tc_ident_uscc_valid("91350100M000100Y43", 18));
    assert_true(tc_ident_uscc_valid("9144030071526726XG", 18));
    assert_false(tc_ident_uscc_valid("91350100M000100Y44", 18));
    assert_false(tc_ident_uscc_valid("91350100M000100Y4", 17));
    /* I, O, S, V, Z are not in the character set */
    assert_int_equal(tc_ident_uscc_check_char("91350100I000100Y4"), 0);
    assert_int_equal(tc_ident_uscc_check_char("91350100O000100Y4"), 0);
    assert_int_equal(tc_ident_uscc_check_char("91350100S000100Y4"), 0);
    assert_int_equal(tc_ident_uscc_check_char("91350100m000100Y4"), 0);
    assert_false(tc_ident_uscc_valid("91350100M000100Y4Z", 18));
}

static void test_mask(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(tc_ident_mask("11010519491231002X", 18, b, sizeof(b)),
                        "110105********002X");
    assert_string_equal(tc_ident_mask("12345678901", 11, b, sizeof(b)), "123456*8901");
    assert_string_equal(tc_ident_mask("1234567890", 10, b, sizeof(b)), "**********");
    assert_string_equal(tc_ident_mask("", 0, b, sizeof(b)), "");
    /* too small a buffer is cut, never overrun, and never shows hidden digits */
    assert_string_equal(tc_ident_mask("11010519491231002X", 18, b, 9), "110105**");
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_id), cmocka_unit_test(test_uscc), cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
