/*
 * test_emit.c - the emitter: ten batches appearing together, headers
 * completed at commit, the source digest, nothing left behind on failure,
 * and natural-key duplicates found in memory and across spilled runs.
 */
#include "tests/support/tctest.h"

#include <dirent.h>
#include <sys/stat.h>

#include "core/batch.h"
#include "core/digest.h"
#include "extract/emit.h"
#include "core/keys.h"

enum { T_CONTRIB = 4 };

static void contribution(tc_value v[8], const char *payer, int period, int64_t due)
{
    v[0] = tc_v_text(payer, strlen(payer));
    v[1] = tc_v_text("employer", 8);
    v[2] = tc_v_text("01", 2);
    v[3] = tc_v_int(period);
    v[4] = tc_v_int(due * 10);
    v[5] = tc_v_int(1000);
    v[6] = tc_v_int(due);
    v[7] = tc_v_int(due - 1);
}

static void test_commit_and_digest(void **state)
{
    (void)state;
    char *dir = tctest_tmpdir();
    char src[600];
    snprintf(src, sizeof(src), "%s/source.xml", dir);
    tctest_spit(src, "<the source bytes/>", 19);
    char out[600];
    snprintf(out, sizeof(out), "%s/out", dir);
    mkdir(out, 0755);
    tc_err e;
    tc_emit *em;
    tc_emit_opts o = {.outdir = out, .source = src, .check_keys = 1, .hash_source = 1};
    assert_int_equal(tc_emit_open(&em, &o, &e), 0);
    tc_value v[8];
    contribution(v, "91220113MA17XXXXX1", 202101, 35000);
    assert_int_equal(tc_emit_record(em, T_CONTRIB, v, 10, &e), 0);
    contribution(v, "91220113MA17XXXXX1", 202102, 35001);
    assert_int_equal(tc_emit_record(em, T_CONTRIB, v, 11, &e), 0);
    assert_int_equal(tc_emit_tally(em, T_CONTRIB)->count, 2);
    assert_int_equal(tc_emit_tally(em, T_CONTRIB)->totals[6], 70001);
    /* staged batches are hidden until commit */
    assert_int_equal(tc_emit_set_county(em, "220113", "2021-06-30", &e), 0);
    assert_int_equal(tc_emit_commit(em, &e), 0);
    assert_int_equal(tctest_count_files(out), 10);
    char path[700];
    tc_emit_batch_path(path, sizeof(path), out, "220113", "contribution");
    tc_batch_header h;
    tc_batch_summary s;
    assert_int_equal(tc_batch_verify(path, &h, &s, &e), 0);
    assert_int_equal(s.count, 2);
    assert_int_equal(s.totals[6], 70001);
    assert_int_equal(s.totals[7], 69999);
    assert_string_equal(h.county, "220113");
    assert_string_equal(h.cutover, "2021-06-30");
    /* sha256 of the 19 source bytes, worked out with sha256sum */
    char want[TC_DIGEST_TEXT_MAX];
    tc_digest *d;
    tc_digest_new(&d, TC_DIGEST_SHA256, &e);
    tc_digest_update(d, "<the source bytes/>", 19);
    tc_digest_final_text(d, want);
    tc_digest_free(d);
    assert_string_equal(h.source, want);
    tc_emit_batch_path(path, sizeof(path), out, "220113", "bank_entry");
    assert_int_equal(tc_batch_verify(path, &h, &s, &e), 0);
    assert_int_equal(s.count, 0);
    tctest_rmtree(dir);
    free(dir);
}

static void test_duplicate_refused_nothing_left(void **state)
{
    (void)state;
    char *dir = tctest_tmpdir();
    tc_err e;
    tc_emit *em;
    tc_emit_opts o = {.outdir = dir, .source = "x.xml", .check_keys = 1};
    assert_int_equal(tc_emit_open(&em, &o, &e), 0);
    assert_int_equal(tc_emit_set_county(em, "220113", "", &e), 0);
    tc_value v[8];
    contribution(v, "91220113MA17XXXXX1", 202101, 100);
    tc_emit_record(em, T_CONTRIB, v, 7, &e);
    contribution(v, "91220113MA17XXXXX2", 202101, 100);
    tc_emit_record(em, T_CONTRIB, v, 8, &e);
    /* same key, different amounts: still a duplicate */
    contribution(v, "91220113MA17XXXXX1", 202101, 999);
    tc_emit_record(em, T_CONTRIB, v, 31, &e);
    assert_int_equal(tc_emit_commit(em, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "Contribution records at lines 7 and 31"));
    assert_non_null(strstr(e.msg, "(payer, kind, fund, period)"));
    assert_int_equal(e.line, 31);
    assert_int_equal(tctest_count_files(dir), 0);
    /* abort also leaves nothing */
    assert_int_equal(tc_emit_open(&em, &o, &e), 0);
    tc_emit_record(em, T_CONTRIB, v, 1, &e);
    tc_emit_abort(em);
    assert_int_equal(tctest_count_files(dir), 0);
    /* a source that never names its county is refused */
    assert_int_equal(tc_emit_open(&em, &o, &e), 0);
    assert_int_equal(tc_emit_commit(em, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "does not say which county"));
    assert_int_equal(tctest_count_files(dir), 0);
    tctest_rmtree(dir);
    free(dir);
}

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
        contribution(v, payer, 202101, 1);
        assert_int_equal(tc_keys_add(k, T_CONTRIB, v, i + 1, &e), 0);
    }
    tc_keys_dup d;
    assert_int_equal(tc_keys_check(k, &d, &e), 1);
    assert_int_equal(d.type, T_CONTRIB);
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
        contribution(v, payer, 202101, 1);
        assert_int_equal(tc_keys_add(k, T_CONTRIB, v, i + 1, &e), 0);
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
        contribution(v, payer, 202101, 1);
        assert_int_equal(tc_keys_add(two[i >= 300000], T_CONTRIB, v, i + 1, &e), 0);
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
    contribution(v, "A", 202101, 1);
    tc_keys_add(k, T_CONTRIB, v, 1, &e);
    contribution(v, "A", 202101, 2);
    v[2] = tc_v_text("02", 2);
    tc_keys_add(k, T_CONTRIB, v, 2, &e);
    assert_int_equal(tc_keys_check(k, &d, &e), 0);
    tc_keys_free(k);
    assert_int_equal(tctest_count_files(dir), 0);   /* spill files are unlinked */
    tctest_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_commit_and_digest),
        cmocka_unit_test(test_duplicate_refused_nothing_left),
        cmocka_unit_test(test_keys_spill),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
