/*
 * test_keys.c - natural-key duplicates found in bounded memory
 * (core/keys.h): in memory and across spilled runs, in several passes a
 * partition, across two stores, and none where keys differ.
 */
#include "tests/support/tctest.h"

#include "core/keys.h"
#include "core/record.h"
#include "tests/support/records.h"

/* 1.5 million keys: three spilled runs; one duplicate across runs. */
static void test_keys_spill(void **state)
{
    (void)state;
    char *dir = tctest_tmpdir();
    tc_err e;
    tc_keys *k;
    assert_int_equal(tc_keys_open(&k, dir, &e), 0);
    char payer[19];
    tc_value v[8];
    for (long i = 0; i < 1500000; i++) {
        snprintf(payer, sizeof(payer), "P%017ld", i == 1400000 ? 123456L : i);
        tctest_contribution(v, payer, 202101, 1);
        assert_int_equal(tc_keys_add(k, TCTEST_CONTRIBUTION, v, i + 1, &e), 0);
    }
    tc_keys_dup d;
    assert_int_equal(tc_keys_check(k, &d, &e), 1);
    assert_int_equal(d.type, TCTEST_CONTRIBUTION);
    assert_int_equal(d.first, 123457);
    assert_int_equal(d.second, 1400001);
    /* the same in several passes a partition (as for a billion keys) */
    tc_keys_set_pass_max(700);
    memset(&d, 0, sizeof(d));
    assert_int_equal(tc_keys_check(k, &d, &e), 1);
    assert_int_equal(d.first, 123457);
    assert_int_equal(d.second, 1400001);
    tc_keys_set_pass_max(0);
    tc_keys_free(k);
    /* many duplicates, in both halves of the partitions (checked on two
     * threads): the earliest second occurrence is the one reported */
    assert_int_equal(tc_keys_open(&k, dir, &e), 0);
    for (long i = 0; i < 600000; i++) {
        long j = (i - 400000) / 1000;
        int again = i >= 400000 && (i - 400000) % 1000 == 0 && j < 40;
        snprintf(payer, sizeof(payer), "P%017ld", again ? 7 * j + 5 : i);
        tctest_contribution(v, payer, 202101, 1);
        assert_int_equal(tc_keys_add(k, TCTEST_CONTRIBUTION, v, i + 1, &e), 0);
    }
    assert_int_equal(tc_keys_check(k, &d, &e), 1);
    assert_int_equal(d.first, 6);
    assert_int_equal(d.second, 400001);
    tc_keys_free(k);
    /* keys of two stores checked together */
    tc_keys *two[2];
    assert_int_equal(tc_keys_open(&two[0], dir, &e), 0);
    assert_int_equal(tc_keys_open(&two[1], dir, &e), 0);
    for (long i = 0; i < 600000; i++) {
        snprintf(payer, sizeof(payer), "P%017ld", i == 599999 ? 42L : i);
        tctest_contribution(v, payer, 202101, 1);
        assert_int_equal(tc_keys_add(two[i >= 300000], TCTEST_CONTRIBUTION, v, i + 1, &e), 0);
    }
    assert_int_equal(tc_keys_seal(two[0], &e), 0);
    assert_int_equal(tc_keys_check_all(two, 2, &d, &e), 1);
    assert_int_equal(d.first, 43);
    assert_int_equal(d.second, 600000);
    assert_int_equal(tc_keys_check_all(two, 1, &d, &e), 0);
    tc_keys_free(two[0]);
    tc_keys_free(two[1]);
    /* and none when the keys differ only in a non-key column or the type */
    assert_int_equal(tc_keys_open(&k, dir, &e), 0);
    tctest_contribution(v, "A", 202101, 1);
    tc_keys_add(k, TCTEST_CONTRIBUTION, v, 1, &e);
    tctest_contribution(v, "A", 202101, 2);
    v[2] = tc_v_text("02", 2);
    tc_keys_add(k, TCTEST_CONTRIBUTION, v, 2, &e);
    assert_int_equal(tc_keys_check(k, &d, &e), 0);
    tc_keys_free(k);
    assert_int_equal(tctest_count_files(dir), 0);   /* spill files are unlinked */
    tctest_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_keys_spill),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
