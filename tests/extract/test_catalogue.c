/*
 * test_catalogue.c - the bad-input catalogue: every file under
 * tests/extract/bad/ must be refused with exit code 3 (TC_EINPUT), a
 * message holding the text its NAME.expect file gives (and the line, when
 * the .expect names one), and nothing left in the output folder.  And the
 * valid fixtures of tests/extract/xsd/valid/ extract with the right counts
 * and fen totals.
 */
#include "tests/support/tctest.h"

#include <dirent.h>
#include <sys/stat.h>

#include "core/batch.h"
#include "extract/emit.h"
#include "extract/extract.h"
#include "extract/xml.h"

/* Set by the segmented runs: valid fixtures must then be read in segments. */
static int want_segments;

#define BAD TC_TEST_SOURCE_DIR "/tests/extract/bad"
#define VALID TC_TEST_SOURCE_DIR "/tests/extract/xsd/valid"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_catalogue(void **state)
{
    (void)state;
    DIR *d = opendir(BAD);
    assert_non_null(d);
    char *names[256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256)
        if (de->d_name[0] != '.' && !strstr(de->d_name, ".expect"))
            names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof(char *), cmp_str);
    assert_true(n >= 30);
    int failures = 0;
    for (int i = 0; i < n; i++) {
        char src[1024], exp[1024];
        snprintf(src, sizeof(src), "%s/%s", BAD, names[i]);
        snprintf(exp, sizeof(exp), "%s/%.*s.expect", BAD, (int)strcspn(names[i], "."), names[i]);
        size_t len;
        char *want = (char *)tctest_slurp(exp, &len);
        if (!want)
            fail_msg("%s has no .expect file", names[i]);
        char *nl = strchr(want, '\n');
        long want_line = 0;
        if (nl) {
            *nl = '\0';
            if (strncmp(nl + 1, "line ", 5) == 0)
                want_line = atol(nl + 6);
        }
        char *out = tctest_tmpdir();
        tc_extract_opts o = {.outdir = out, .profile = NULL};
        tc_extract_result r;
        tc_err e;
        tc_err_clear(&e);
        int rc = tc_extract_source(src, &o, &r, &e);
        char msg[4096];
        tc_err_format(&e, msg, sizeof(msg));
        if (rc != TC_EINPUT) {
            printf("FAIL %s: returned %d, wanted TC_EINPUT: %s\n", names[i], rc, msg);
            failures++;
        } else if (!strstr(msg, want)) {
            printf("FAIL %s: message\n  %s\nlacks\n  %s\n", names[i], msg, want);
            failures++;
        } else if (want_line && e.line != want_line) {
            printf("FAIL %s: line %ld, wanted %ld (%s)\n", names[i], e.line, want_line, msg);
            failures++;
        } else if (!strstr(msg, names[i])) {
            printf("FAIL %s: the message does not name the file: %s\n", names[i], msg);
            failures++;
        } else if (tctest_count_files(out) != 0) {
            printf("FAIL %s: %d files left in the output folder\n", names[i], tctest_count_files(out));
            failures++;
        } else {
            printf("ok   %s: %s\n", names[i], msg);
        }
        tctest_rmtree(out);
        free(out);
        free(want);
        free(names[i]);
    }
    assert_int_equal(failures, 0);
}

static void expect_batch(const char *dir, const char *county, const char *type, uint64_t count,
                         const char *col, int64_t total)
{
    char path[1024];
    tc_emit_batch_path(path, sizeof(path), dir, county, type);
    tc_batch_header h;
    tc_batch_summary s;
    tc_err e;
    if (tc_batch_verify(path, &h, &s, &e))
        fail_msg("%s: %s", path, e.msg);
    assert_int_equal(s.count, count);
    if (col)
        assert_int_equal(s.totals[tc_batch_header_col(&h, col)], total);
    /* the Trailer was checked: its counts, and its sums where there are
     * amounts (account and bank_account have none) */
    assert_int_equal(h.controls, col ? TC_CONTROLS_COUNTS_SUMS : TC_CONTROLS_COUNTS);
}

static void test_valid_fixtures(void **state)
{
    (void)state;
    const char *files[] = {"full.xml", "gb18030.xml"};
    for (int i = 0; i < 2; i++) {
        char src[1024];
        snprintf(src, sizeof(src), "%s/%s", VALID, files[i]);
        char *out = tctest_tmpdir();
        tc_extract_opts o = {.outdir = out};
        tc_extract_result r;
        tc_err e;
        if (tc_extract_source(src, &o, &r, &e))
            fail_msg("%s: %s", files[i], e.msg);
        assert_string_equal(r.county, "220113");
        assert_int_equal(r.kind, TC_SRC_XML);
        if (want_segments)
            assert_true(r.segments >= 4);
        else
            assert_int_equal(r.segments, 0);
        assert_int_equal(tctest_count_files(out), 10);
        expect_batch(out, "220113", "account", 2, NULL, 0);
        expect_batch(out, "220113", "balance", 1, "closing", 45000);
        expect_batch(out, "220113", "voucher_line", 2, "debit", 35000);
        expect_batch(out, "220113", "contribution", 2, "due", 45000);
        expect_batch(out, "220113", "subsidy", 1, "received", 80000000);
        expect_batch(out, "220113", "payable", 1, "settled", 56000000);
        expect_batch(out, "220113", "bank_statement", 1, "closing", 45000);
        expect_batch(out, "220113", "bank_entry", 1, "amount", 35000);
        expect_batch(out, "220113", "personal_account", 1, "balance", 123456);
        /* GB18030 text arrives as UTF-8: the bank's name */
        char path[1024];
        tc_emit_batch_path(path, sizeof(path), out, "220113", "bank_account");
        tc_batch_reader *br;
        assert_int_equal(tc_batch_open(&br, path, 0, &e), 0);
        const tc_value *v;
        assert_int_equal(tc_batch_next(br, &v, &e), 1);
        assert_int_equal(v[4].n, strlen("某银行九台支行"));
        assert_memory_equal(v[4].s, "某银行九台支行", v[4].n);
        assert_int_equal(tc_batch_next(br, &v, &e), 0);
        tc_batch_close(br);
        /* the voucher's fields are on each line; lines are numbered */
        tc_emit_batch_path(path, sizeof(path), out, "220113", "voucher_line");
        assert_int_equal(tc_batch_open(&br, path, 0, &e), 0);
        assert_int_equal(tc_batch_next(br, &v, &e), 1);
        assert_int_equal(tc_batch_next(br, &v, &e), 1);
        assert_memory_equal(v[0].s, "2021-01-0007", 12);
        assert_int_equal(v[1].i, 20210115);
        assert_int_equal(v[4].i, 2);
        assert_int_equal(v[7].i, 35000);
        assert_memory_equal(v[3].s, "收1月单位缴费", v[3].n);
        tc_batch_close(br);
        tctest_rmtree(out);
        free(out);
    }
    /* a bad check digit is counted, not refused */
}

/* Bad check digits are counted, per record, not refused - also when the
 * same payer comes again and again (the reader remembers its verdict). */
static void test_check_digits_counted(void **state)
{
    (void)state;
    size_t n;
    char *x = (char *)tctest_slurp(VALID "/full.xml", &n);
    assert_non_null(x);
    const char *from = strstr(x, "    <Contribution "), *to = strstr(x, "  </Contributions>");
    const char *t1 = strstr(x, "    <Count section=\"Contributions\""),
               *t2 = strstr(t1, "    <Sum section=\"Contributions\" attribute=\"paid\"");
    t2 = strchr(t2, '\n') + 1;
    char *dir = tctest_tmpdir(), src[1024];
    snprintf(src, sizeof(src), "%s/digits.xml", dir);
    FILE *f = fopen(src, "wb");
    assert_non_null(f);
    fwrite(x, 1, (size_t)(from - x), f);
    /* an identity number whose check digit should be X (twice), a good
     * credit code, a credit code whose check character is wrong (twice) */
    const char *payers[5] = {"110105194912310023", "110105194912310023",
                             "91350100M000100Y43", "91350100M000100Y44", "91350100M000100Y44"};
    for (int i = 0; i < 5; i++)
        fprintf(f, "    <Contribution payer=\"%s\" kind=\"employee\" fund=\"01\" period=\"2021-0%d\" "
                   "base=\"100.00\" rate=\"0.02\" due=\"2.00\" paid=\"2.00\"/>\n", payers[i], i + 1);
    fwrite(to, 1, (size_t)(t1 - to), f);
    fputs("    <Count section=\"Contributions\" records=\"5\"/>\n"
          "    <Sum section=\"Contributions\" attribute=\"base\" value=\"500.00\"/>\n"
          "    <Sum section=\"Contributions\" attribute=\"due\" value=\"10.00\"/>\n"
          "    <Sum section=\"Contributions\" attribute=\"paid\" value=\"10.00\"/>\n", f);
    fputs(t2, f);
    fclose(f);
    free(x);
    char out[1100];
    snprintf(out, sizeof(out), "%s/out", dir);
    mkdir(out, 0755);
    tc_extract_opts o = {.outdir = out};
    tc_extract_result r;
    tc_err e;
    if (tc_extract_source(src, &o, &r, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(r.records[4], 5);
    assert_int_equal(r.bad_check_digits, 4);
    tctest_rmtree(dir);
    free(dir);
}

/*
 * The same with every file cut into segments of a few hundred bytes: a
 * refusal is the same refusal (same message, same line: the file is read
 * again as one), and the valid fixtures give the same counts and totals
 * read in segments.
 */
static void test_segmented(void **state)
{
    tc_xml_set_segment_size(200);
    want_segments = 1;
    test_catalogue(state);
    test_valid_fixtures(state);
    want_segments = 0;
    tc_xml_set_segment_size(0);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_valid_fixtures),
        cmocka_unit_test(test_check_digits_counted),
        cmocka_unit_test(test_segmented),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
