/*
 * test_emit.c - the emitter: ten batches appearing together, headers
 * completed at commit, the source digest, nothing left behind on failure.
 * The key store it checks duplicates with is tested in tests/core/test_keys.c.
 */
#include "tests/support/tctest.h"

#include <dirent.h>
#include <sys/stat.h>

#include "core/batch.h"
#include "core/digest.h"
#include "extract/emit.h"
#include "tests/support/records.h"

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
    tctest_contribution(v, "91220113MA17XXXXX1", 202101, 35000);
    assert_int_equal(tc_emit_record(em, TCTEST_CONTRIBUTION, v, 10, &e), 0);
    tctest_contribution(v, "91220113MA17XXXXX1", 202102, 35001);
    assert_int_equal(tc_emit_record(em, TCTEST_CONTRIBUTION, v, 11, &e), 0);
    assert_int_equal(tc_emit_tally(em, TCTEST_CONTRIBUTION)->count, 2);
    assert_int_equal(tc_emit_tally(em, TCTEST_CONTRIBUTION)->totals[6], 70001);
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
    tctest_contribution(v, "91220113MA17XXXXX1", 202101, 100);
    tc_emit_record(em, TCTEST_CONTRIBUTION, v, 7, &e);
    tctest_contribution(v, "91220113MA17XXXXX2", 202101, 100);
    tc_emit_record(em, TCTEST_CONTRIBUTION, v, 8, &e);
    /* same key, different amounts: still a duplicate */
    tctest_contribution(v, "91220113MA17XXXXX1", 202101, 999);
    tc_emit_record(em, TCTEST_CONTRIBUTION, v, 31, &e);
    assert_int_equal(tc_emit_commit(em, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "Contribution records at lines 7 and 31"));
    assert_non_null(strstr(e.msg, "(payer, kind, fund, period)"));
    assert_int_equal(e.line, 31);
    assert_int_equal(tctest_count_files(dir), 0);
    /* abort also leaves nothing */
    assert_int_equal(tc_emit_open(&em, &o, &e), 0);
    tc_emit_record(em, TCTEST_CONTRIBUTION, v, 1, &e);
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

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_commit_and_digest),
        cmocka_unit_test(test_duplicate_refused_nothing_left),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
