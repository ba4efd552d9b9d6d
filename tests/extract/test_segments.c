/*
 * test_segments.c - a handover XML read in segments on several threads
 * gives the very records the sequential reader gives, in the same order,
 * with the same counts and control totals; the same file always gives the
 * same batch bytes; and what the segments cannot vouch for (a duplicate
 * key across two segments, a Trailer that disagrees) is found by reading
 * the file again as one, with the true line.
 */
#include "tests/support/tctest.h"

#include <dirent.h>
#include <sys/stat.h>

#include "core/batch.h"
#include "core/record.h"
#include "extract/emit.h"
#include "extract/extract.h"
#include "extract/xml.h"
#include "generate/gen.h"

static char *city;   /* the generated city (XML only) */

static int setup(void **state)
{
    (void)state;
    tctest_dir_setup(state);
    static char dir[1024];
    snprintf(dir, sizeof(dir), "%s/city", tctest_dir);
    tc_gen_options o;
    tc_gen_defaults(&o);
    o.dir = dir;
    o.records = 6000;
    o.seed = 5;
    o.xml_only = 1;
    tc_err e;
    if (tc_gen_city(&o, &e)) {
        fprintf(stderr, "generate: %s\n", e.msg);
        return -1;
    }
    city = dir;
    return 0;
}

static int extract(const char *src, const char *out, long seg, tc_extract_result *r, tc_err *e)
{
    mkdir(out, 0755);
    tc_xml_set_segment_size(seg);
    tc_extract_opts o = {.outdir = out};
    int rc = tc_extract_source(src, &o, r, e);
    tc_xml_set_segment_size(0);
    return rc;
}

/* Every record of batch a equals the one of batch b at the same place. */
static uint64_t same_records(const char *a, const char *b)
{
    tc_err e;
    tc_batch_reader *ra, *rb;
    assert_int_equal(tc_batch_open(&ra, a, 0, &e), 0);
    assert_int_equal(tc_batch_open(&rb, b, 0, &e), 0);
    const tc_batch_header *h = tc_batch_header_of(ra);
    const tc_value *va, *vb;
    uint64_t n = 0;
    int ka, kb;
    while ((ka = tc_batch_next(ra, &va, &e)) == 1) {
        kb = tc_batch_next(rb, &vb, &e);
        assert_int_equal(kb, 1);
        n++;
        for (int i = 0; i < h->ncols; i++) {
            if (h->cols[i].type == TC_COL_TEXT) {
                assert_int_equal(va[i].n, vb[i].n);
                assert_memory_equal(va[i].s, vb[i].s, va[i].n);
            } else {
                assert_int_equal(va[i].i, vb[i].i);
            }
        }
    }
    assert_int_equal(ka, 0);
    assert_int_equal(tc_batch_next(rb, &vb, &e), 0);
    const tc_batch_summary *sa = tc_batch_summary_of(ra), *sb = tc_batch_summary_of(rb);
    /* the source's digest (hashed on a thread of its own when segmented) */
    assert_string_equal(h->source, tc_batch_header_of(rb)->source);
    assert_int_equal(strncmp(h->source, "sha256:", 7), 0);
    assert_int_equal(sa->count, sb->count);
    assert_memory_equal(sa->totals, sb->totals, sizeof(sa->totals));
    tc_batch_close(ra);
    tc_batch_close(rb);
    return n;
}

static int same_bytes(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    unsigned char *x = tctest_slurp(a, &na), *y = tctest_slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static void test_same_records(void **state)
{
    (void)state;
    char sources[1100];
    snprintf(sources, sizeof(sources), "%s/sources", city);
    DIR *d = opendir(sources);
    assert_non_null(d);
    struct dirent *de;
    int files = 0, segmented = 0;
    uint64_t records = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char src[1400], one[1400], seg[1400], again[1400];
        snprintf(src, sizeof(src), "%s/%s", sources, de->d_name);
        snprintf(one, sizeof(one), "%s/one-%s", tctest_dir, de->d_name);
        snprintf(seg, sizeof(seg), "%s/seg-%s", tctest_dir, de->d_name);
        snprintf(again, sizeof(again), "%s/again-%s", tctest_dir, de->d_name);
        tc_extract_result r1, r2, r3;
        tc_err e;
        if (extract(src, one, 0, &r1, &e) || extract(src, seg, 64 << 10, &r2, &e) ||
            extract(src, again, 64 << 10, &r3, &e))
            fail_msg("%s: %s", de->d_name, e.msg);
        assert_int_equal(r1.segments, 0);
        int gz = strstr(de->d_name, ".gz") != NULL;
        if (!gz) {
            assert_true(r2.segments >= 2);
            segmented++;
        }
        assert_int_equal(r2.segments, r3.segments);
        assert_string_equal(r1.county, r2.county);
        assert_int_equal(r1.bad_check_digits, r2.bad_check_digits);
        for (int t = 0; t < tc_nrectypes; t++) {
            assert_int_equal(r1.records[t], r2.records[t]);
            char a[1600], b[1600], c[1600];
            tc_emit_batch_path(a, sizeof(a), one, r1.county, tc_rectypes[t].name);
            tc_emit_batch_path(b, sizeof(b), seg, r2.county, tc_rectypes[t].name);
            tc_emit_batch_path(c, sizeof(c), again, r3.county, tc_rectypes[t].name);
            assert_int_equal(same_records(a, b), (uint64_t)r1.records[t]);
            records += (uint64_t)r1.records[t];
            /* deterministic: the same segments, the same bytes */
            assert_true(same_bytes(b, c));
        }
        files++;
    }
    closedir(d);
    assert_int_equal(files, 7);
    assert_true(segmented >= 4);
    assert_true(records > 7 * 6000);
}

/* Copy src to dst with the first occurrence of `from` replaced by `to`. */
static void edit_copy(const char *src, const char *dst, const char *from, const char *to)
{
    size_t n = 0;
    char *x = (char *)tctest_slurp(src, &n);
    assert_non_null(x);
    char *at = strstr(x, from);
    assert_non_null(at);
    FILE *f = fopen(dst, "wb");
    assert_non_null(f);
    fwrite(x, 1, (size_t)(at - x), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
    free(x);
}

/* The generated UTF-8 XML of county 220100 (the city's own district). */
static void county_xml(char *buf, size_t n)
{
    snprintf(buf, n, "%s/sources/220100.xml", city);
    assert_int_equal(access(buf, R_OK), 0);
}

static void test_refusals_have_true_lines(void **state)
{
    (void)state;
    char src[1100], bad[1100], out[1100];
    county_xml(src, sizeof(src));
    /* the last Contribution repeats the first: the two are in different
     * segments; the duplicate is reported at the lines of the file */
    size_t n = 0;
    char *x = (char *)tctest_slurp(src, &n);
    assert_non_null(x);
    char *first = strstr(x, "<Contribution ");
    char *end1 = strstr(first, "/>");
    char *lastc = NULL;
    for (char *p = first; (p = strstr(p + 1, "<Contribution ")) != NULL;)
        lastc = p;
    char *endl = strstr(lastc, "/>");
    long line1 = 1, line2 = 1;
    for (char *p = x; p < first; p++)
        line1 += *p == '\n';
    for (char *p = x; p < lastc; p++)
        line2 += *p == '\n';
    snprintf(bad, sizeof(bad), "%s/dup.xml", tctest_dir);
    FILE *f = fopen(bad, "wb");
    /* the first one's key (payer, kind, fund, period), the last one's
     * amounts, so the Trailer still agrees */
    char *fb = strstr(first, " base="), *lb = strstr(lastc, " base=");
    assert_true(fb && fb < end1 && lb && lb < endl);
    fwrite(x, 1, (size_t)(lastc - x), f);
    fwrite(first, 1, (size_t)(fb - first), f);
    fputs(lb, f);
    fclose(f);
    free(x);
    snprintf(out, sizeof(out), "%s/dup-out", tctest_dir);
    tc_extract_result r;
    tc_err e;
    assert_int_equal(extract(bad, out, 64 << 10, &r, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "duplicate natural key"));
    char want[200];
    snprintf(want, sizeof(want), "lines %ld and %ld", line1, line2);
    if (!strstr(e.msg, want))
        fail_msg("%s lacks '%s'", e.msg, want);
    assert_int_equal(e.line, line2);
    assert_int_equal(tctest_count_files(out), 0);

    /* a bad value deep in the file: its own line, not a segment's */
    snprintf(bad, sizeof(bad), "%s/value.xml", tctest_dir);
    x = (char *)tctest_slurp(src, &n);
    char *mid = strstr(x + n / 2, "<Contribution ");
    long line = 1;
    for (char *p = x; p < mid; p++)
        line += *p == '\n';
    char *due = strstr(mid, "due=\"");
    f = fopen(bad, "wb");
    fwrite(x, 1, (size_t)(due - x) + 5, f);
    fputs("1.234", f);
    fputs(strchr(due + 5, '"'), f);
    fclose(f);
    free(x);
    snprintf(out, sizeof(out), "%s/value-out", tctest_dir);
    assert_int_equal(extract(bad, out, 64 << 10, &r, &e), TC_EINPUT);
    assert_int_equal(e.line, line);
    assert_non_null(strstr(e.msg, "Contribution attribute 'due'"));
    assert_int_equal(tctest_count_files(out), 0);

    /* a Trailer that disagrees with the segments' records together */
    snprintf(bad, sizeof(bad), "%s/trailer.xml", tctest_dir);
    edit_copy(src, bad, "<Count section=\"Contributions\" records=\"",
              "<Count section=\"Contributions\" records=\"1");
    snprintf(out, sizeof(out), "%s/trailer-out", tctest_dir);
    assert_int_equal(extract(bad, out, 64 << 10, &r, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "Trailer Count of Contributions"));
    assert_int_equal(tctest_count_files(out), 0);
}

/* Comments that hold record lines, where cuts fall: a segment cannot end
 * where it was cut (inside a comment), and the file is read as one, with
 * the same records. */
static void test_cut_inside_a_comment(void **state)
{
    (void)state;
    char src[1100], odd[1100], one[1100], seg[1100];
    county_xml(src, sizeof(src));
    size_t n = 0;
    char *x = (char *)tctest_slurp(src, &n);
    snprintf(odd, sizeof(odd), "%s/comment.xml", tctest_dir);
    FILE *f = fopen(odd, "wb");
    long lines = 0, comments = 0;
    for (char *p = x; p < x + n;) {
        char *nl = memchr(p, '\n', (size_t)(x + n - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(x + n - p);
        if (strncmp(p, "    <Contribution ", 18) == 0 && ++lines % 10 == 0) {
            fputs("<!-- withdrawn: <Contribution/>\n", f);
            fwrite(p, 1, len, f);
            fputs("-->\n", f);
            comments++;
        }
        fwrite(p, 1, len, f);
        p += len;
    }
    fclose(f);
    free(x);
    assert_true(comments > 100);
    snprintf(one, sizeof(one), "%s/comment-one", tctest_dir);
    snprintf(seg, sizeof(seg), "%s/comment-seg", tctest_dir);
    tc_extract_result r1, r2;
    tc_err e;
    if (extract(odd, one, 0, &r1, &e) || extract(odd, seg, 8 << 10, &r2, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(r2.segments, 0);
    for (int t = 0; t < tc_nrectypes; t++) {
        char a[1600], b[1600];
        tc_emit_batch_path(a, sizeof(a), one, r1.county, tc_rectypes[t].name);
        tc_emit_batch_path(b, sizeof(b), seg, r2.county, tc_rectypes[t].name);
        assert_int_equal(same_records(a, b), (uint64_t)r1.records[t]);
        assert_true(same_bytes(a, b));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_records),
        cmocka_unit_test(test_refusals_have_true_lines),
        cmocka_unit_test(test_cut_inside_a_comment),
    };
    return cmocka_run_group_tests(tests, setup, tctest_dir_teardown);
}
