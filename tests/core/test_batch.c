/*
 * test_batch.c - batch files: round trip, determinism, and the promise that
 * a truncated or altered batch is never accepted as whole.
 */
#include "tests/support/tctest.h"

#include <inttypes.h>
#include <unistd.h>

#include "core/batch.h"
#include "core/digest.h"


static const tc_rectype *contrib(void) { return tc_rectype_find("contribution"); }

/* Write n contribution records with known values; returns the path. */
static void write_contrib(const char *path, int n, tc_batch_summary *sum)
{
    tc_err e;
    tc_err_clear(&e);
    tc_batch_header h;
    assert_int_equal(tc_batch_header_init(&h, contrib(), "220113", "county", &e), 0);
    strcpy(h.cutover, "2021-06-30");
    strcpy(h.source, "sha256:0000000000000000000000000000000000000000000000000000000000000001");
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    for (int i = 0; i < n; i++) {
        char payer[32];
        snprintf(payer, sizeof(payer), "91220113MA17%06d", i);
        tc_value v[8] = {
            tc_v_text(payer, strlen(payer)),
            tc_v_text("employer", 8),
            tc_v_text("01", 2),
            tc_v_int(202101 + i % 6),
            tc_v_int(500000 + i),          /* base, fen */
            tc_v_int(700),                 /* 0.07 */
            tc_v_int(35000 + i),           /* due */
            tc_v_int(i % 7 == 0 ? -12 : 35000 + i), /* paid, some negative */
        };
        assert_int_equal(tc_batch_write(w, v, &e), 0);
    }
    assert_int_equal(tc_batch_commit(w, sum, &e), 0);
}

static void test_round_trip(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/rt.tcb", tctest_dir);
    tc_batch_summary ws;
    write_contrib(path, 1000, &ws);
    assert_int_equal(ws.count, 1000);
    /* due = sum(35000+i) = 35000*1000 + 999*1000/2 */
    assert_int_equal(ws.totals[6], 35000LL * 1000 + 499500);
    assert_int_equal(ws.totals[4], 500000LL * 1000 + 499500);

    tc_err e;
    tc_err_clear(&e);
    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    const tc_batch_header *h = tc_batch_header_of(r);
    assert_string_equal(h->type, "contribution");
    assert_string_equal(h->county, "220113");
    assert_string_equal(h->coding, "county");
    assert_string_equal(h->cutover, "2021-06-30");
    assert_string_equal(h->mappings, "");
    assert_int_equal(h->ncols, 8);
    assert_string_equal(h->cols[5].name, "rate");
    assert_int_equal(h->cols[5].type, TC_COL_RATE);
    const tc_value *v;
    int i = 0, rc;
    int64_t paid = 0;
    while ((rc = tc_batch_next(r, &v, &e)) == 1) {
        char payer[32];
        snprintf(payer, sizeof(payer), "91220113MA17%06d", i);
        assert_int_equal(v[0].n, 18);
        assert_memory_equal(v[0].s, payer, 18);
        assert_int_equal(v[3].i, 202101 + i % 6);
        assert_int_equal(v[5].i, 700);
        paid += v[7].i;
        i++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(i, 1000);
    const tc_batch_summary *s = tc_batch_summary_of(r);
    assert_int_equal(s->count, 1000);
    assert_int_equal(s->totals[7], paid);
    assert_int_equal(s->totals[7], ws.totals[7]);
    assert_string_equal(s->body, ws.body);
    tc_batch_close(r);
}

static void test_empty_batch(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/empty.tcb", tctest_dir);
    tc_batch_summary ws;
    write_contrib(path, 0, &ws);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_summary rs;
    assert_int_equal(tc_batch_verify(path, NULL, &rs, &e), 0);
    assert_int_equal(rs.count, 0);
    assert_int_equal(rs.totals[6], 0);
}

static void test_deterministic(void **state)
{
    (void)state;
    char a[600], b[600], da[80], db[80];
    snprintf(a, sizeof(a), "%s/a.tcb", tctest_dir);
    snprintf(b, sizeof(b), "%s/b.tcb", tctest_dir);
    write_contrib(a, 5000, NULL);
    write_contrib(b, 5000, NULL);
    tc_err e;
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, a, da, &e), 0);
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, b, db, &e), 0);
    assert_string_equal(da, db);
    /* The gzip header bytes are fixed: no time stamp, OS byte 0xff. */
    size_t n = 0;
    unsigned char *buf = tctest_slurp(a, &n);
    static const unsigned char gz[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    assert_memory_equal(buf, gz, 10);
    free(buf);
}

/* Every prefix of a small batch, and every byte changed, must fail. */
static void test_truncated_or_flipped_never_whole(void **state)
{
    (void)state;
    char path[600], bad[600];
    snprintf(path, sizeof(path), "%s/small.tcb", tctest_dir);
    snprintf(bad, sizeof(bad), "%s/bad.tcb", tctest_dir);
    write_contrib(path, 40, NULL);
    size_t n = 0;
    unsigned char *buf = tctest_slurp(path, &n);
    assert_non_null(buf);
    assert_true(n > 200);
    tc_err e;
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(tctest_spit(bad, buf, k), 0);
        tc_err_clear(&e);
        int rc = tc_batch_verify(bad, NULL, NULL, &e);
        if (rc == 0)
            fail_msg("a batch cut to %zu of %zu bytes was accepted", k, n);
        assert_true(rc == TC_EINTEGRITY);
    }
    static const unsigned char masks[] = {0xff, 0x01, 0x80, 0x10};
    for (size_t m = 0; m < sizeof(masks); m++) {
        for (size_t k = 0; k < n; k++) {
            buf[k] ^= masks[m];
            assert_int_equal(tctest_spit(bad, buf, n), 0);
            tc_err_clear(&e);
            int rc = tc_batch_verify(bad, NULL, NULL, &e);
            buf[k] ^= masks[m];
            if (rc == 0)
                fail_msg("a batch with byte %zu xor 0x%02x was accepted", k, masks[m]);
            assert_true(rc == TC_EINTEGRITY || rc == TC_EINPUT);
        }
    }
    /* One byte appended is caught too. */
    unsigned char *longer = malloc(n + 1);
    memcpy(longer, buf, n);
    longer[n] = 0;
    assert_int_equal(tctest_spit(bad, longer, n + 1), 0);
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(bad, NULL, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "bytes follow the trailer"));
    free(longer);
    free(buf);
}

/* The messages say what is wrong, and records are never "verified" early. */
static void test_messages(void **state)
{
    (void)state;
    char path[600], bad[600];
    snprintf(path, sizeof(path), "%s/msg.tcb", tctest_dir);
    snprintf(bad, sizeof(bad), "%s/msgbad.tcb", tctest_dir);
    write_contrib(path, 100, NULL);
    size_t n = 0;
    unsigned char *buf = tctest_slurp(path, &n);
    tc_err e;

    /* Cut in the middle: records may come out, but the end never comes. */
    assert_int_equal(tctest_spit(bad, buf, n / 2), 0);
    tc_err_clear(&e);
    tc_batch_reader *r;
    int rc = tc_batch_open(&r, bad, 0, &e);
    if (rc == 0) {
        const tc_value *v;
        while ((rc = tc_batch_next(r, &v, &e)) == 1)
            ;
        tc_batch_close(r);
    }
    assert_int_equal(rc, TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "not a whole batch"));
    assert_non_null(strstr(e.hint, "truncated or altered"));

    /* With VERIFY_FIRST not a single record is handed out. */
    tc_err_clear(&e);
    assert_int_equal(tc_batch_open(&r, bad, TC_BATCH_VERIFY_FIRST, &e), TC_EINTEGRITY);

    /* The trailer's count changed (same length): named precisely. */
    unsigned char *t = (unsigned char *)memmem(buf, n, "count 100\n", 10);
    assert_non_null(t);
    t[7] = '1'; /* count 110 */
    assert_int_equal(tctest_spit(bad, buf, n), 0);
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(bad, NULL, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "the trailer says 'count 110' where the records give 'count 100'"));
    t[7] = '0';

    /* A control total changed. */
    t = (unsigned char *)memmem(buf, n, "total due ", 10);
    assert_non_null(t);
    t[10] = t[10] == '9' ? '8' : (unsigned char)(t[10] + 1);
    assert_int_equal(tctest_spit(bad, buf, n), 0);
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(bad, NULL, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "the trailer says 'total due "));
    free(buf);

    /* Not a batch at all, and a missing file. */
    assert_int_equal(tctest_spit(bad, "hello\n", 6), 0);
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(bad, NULL, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "gzip header"));
    tc_err_clear(&e);
    snprintf(bad, sizeof(bad), "%s/nonexistent.tcb", tctest_dir);
    assert_int_equal(tc_batch_verify(bad, NULL, NULL, &e), TC_EIO);
    assert_non_null(strstr(e.msg, "cannot open batch"));
}

/* A failed write leaves nothing behind; an overflowing total is refused. */
static void test_abort_and_overflow(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/ovf.tcb", tctest_dir);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_header h;
    assert_int_equal(tc_batch_header_init(&h, tc_rectype_find("personal_account"), "220100",
                                          "county", &e), 0);
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    tc_value v[3] = {tc_v_text("11010519491231002X", 18), tc_v_text("01", 2),
                     tc_v_int(INT64_MAX)};
    assert_int_equal(tc_batch_write(w, v, &e), 0);
    v[2] = tc_v_int(1);
    assert_int_equal(tc_batch_write(w, v, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "control total of column balance overflows"));
    tc_batch_abort(w);
    assert_int_equal(access(path, F_OK), -1);
    /* No temporary file is left in the folder either. */
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -q tmp", tctest_dir);
    assert_int_not_equal(system(cmd), 0);

    /* Bad header values are refused. */
    assert_int_equal(tc_batch_header_init(&h, contrib(), "22011", "county", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "bad county code '22011'"));
}

/* Every value type survives, including the extremes. */
static void test_extremes(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/ext.tcb", tctest_dir);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_header h;
    assert_int_equal(tc_batch_header_init(&h, tc_rectype_find("voucher_line"), "220100",
                                          "county", &e), 0);
    assert_int_equal(tc_batch_header_add_column(&h, "fund_source", TC_COL_TEXT, &e), 0);
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    const char *memo = "收1月单位缴费";
    tc_value v[11] = {tc_v_text("2021-01-0007", 12), tc_v_int(20210115), tc_v_text("01", 2),
                      tc_v_text(memo, strlen(memo)), tc_v_int(1), tc_v_text("104", 3),
                      tc_v_int(INT64_MIN), tc_v_int(0), tc_v_text("", 0), tc_v_text("", 0),
                      tc_v_text("310", 3)};
    assert_int_equal(tc_batch_write(w, v, &e), 0);
    v[6] = tc_v_int(0);
    v[7] = tc_v_int(INT64_MAX);
    assert_int_equal(tc_batch_write(w, v, &e), 0);
    tc_value bad[11];
    memcpy(bad, v, sizeof(bad));
    bad[1] = tc_v_int(20211301);
    assert_int_equal(tc_batch_write(w, bad, &e), TC_EINTERNAL);
    assert_non_null(strstr(e.msg, "column date: not a date"));
    assert_int_equal(tc_batch_commit(w, NULL, &e), 0);

    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, TC_BATCH_VERIFY_FIRST, &e), 0);
    assert_int_equal(tc_batch_header_of(r)->ncols, 11);
    assert_int_equal(tc_batch_header_col(tc_batch_header_of(r), "fund_source"), 10);
    const tc_value *o;
    assert_int_equal(tc_batch_next(r, &o, &e), 1);
    assert_int_equal(o[6].i, INT64_MIN);
    assert_int_equal(o[3].n, strlen(memo));
    assert_memory_equal(o[3].s, memo, strlen(memo));
    assert_int_equal(o[8].n, 0);
    assert_int_equal(tc_batch_next(r, &o, &e), 1);
    assert_int_equal(o[7].i, INT64_MAX);
    assert_int_equal(tc_batch_next(r, &o, &e), 0);
    const tc_batch_summary *s = tc_batch_summary_of(r);
    assert_int_equal(s->count, 2);
    assert_int_equal(s->totals[6], INT64_MIN);
    assert_int_equal(s->totals[7], INT64_MAX);
    tc_batch_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_batch),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_truncated_or_flipped_never_whole),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_abort_and_overflow),
        cmocka_unit_test(test_extremes),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
