/*
 * test_batch.c - batch files: round trip, determinism, the promise that
 * a truncated or altered batch is never accepted as whole, and the bytes of
 * format version 2's record stream (each column relative to the previous
 * record, resets, one way to write a record; version 1 refused).
 */
#include "tests/support/tctest.h"

#include <inttypes.h>
#include <unistd.h>

#include <zlib.h>

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

/* ------------------------------------------------ the bytes of member 1 */

/* Member 1 of the batch at path, decompressed (the caller frees it). */
static unsigned char *member1(const char *path, size_t *n)
{
    size_t fn = 0;
    unsigned char *f = tctest_slurp(path, &fn);
    assert_non_null(f);
    size_t cap = 1 << 20;
    unsigned char *out = malloc(cap);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit2(&zs, 16 + 15), Z_OK); /* one gzip member */
    zs.next_in = f;
    zs.avail_in = (uInt)fn;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    *n = cap - zs.avail_out;
    inflateEnd(&zs);
    free(f);
    return out;
}

/* The record stream of the batch at path (after the header's blank line,
 * with its end byte), copied to rec; returns its length. */
static size_t record_stream(const char *path, unsigned char *rec, size_t cap)
{
    size_t n = 0;
    unsigned char *m = member1(path, &n);
    unsigned char *blank = memmem(m, n, "\n\n", 2);
    assert_non_null(blank);
    size_t off = (size_t)(blank + 2 - m);
    assert_true(n - off <= cap);
    memcpy(rec, m + off, n - off);
    free(m);
    return n - off;
}

static void assert_stream(const char *path, const unsigned char *want, size_t wn)
{
    unsigned char got[4096];
    size_t gn = record_stream(path, got, sizeof(got));
    if (gn != wn || memcmp(got, want, wn) != 0) {
        for (size_t i = 0; i < gn; i++)
            fprintf(stderr, "%02x%s", got[i], i + 1 == gn ? "\n" : " ");
        fail_msg("%s: record stream of %zu bytes differs from the %zu expected", path, gn, wn);
    }
}

/*
 * Make a batch by hand: the header text of a real batch of header h with its
 * first line replaced by version_line, then the records as given (with their
 * end byte), and a correct member 2 for trailer_head ("count ...\ntotal ...\n")
 * plus the body digest.  Only what the caller put in rec can be wrong.
 */
static void craft(const char *path, const tc_batch_header *h, const char *version_line,
                  const unsigned char *rec, size_t rn, const char *trailer_head)
{
    char real[600];
    snprintf(real, sizeof(real), "%s/craft-header.tcb", tctest_dir);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, real, h, &e), 0);
    assert_int_equal(tc_batch_commit(w, NULL, &e), 0);
    size_t mn = 0;
    unsigned char *m = member1(real, &mn);
    unsigned char *blank = memmem(m, mn, "\n\n", 2);
    unsigned char *nl = memchr(m, '\n', mn);
    size_t rest = (size_t)(blank + 2 - (nl + 1));
    size_t vn = strlen(version_line);
    unsigned char *text = malloc(vn + 1 + rest + rn);
    memcpy(text, version_line, vn);
    text[vn] = '\n';
    memcpy(text + vn + 1, nl + 1, rest);
    memcpy(text + vn + 1 + rest, rec, rn);
    size_t tn = vn + 1 + rest + rn;
    free(m);

    static const unsigned char gzh[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    size_t cap = tn + 1024, o = 0;
    unsigned char *out = malloc(cap + 8192);
    memcpy(out, gzh, 10);
    o = 10;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = text;
    zs.avail_in = (uInt)tn;
    zs.next_out = out + o;
    zs.avail_out = (uInt)(cap - o);
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    o = cap - zs.avail_out;
    deflateEnd(&zs);
    uint32_t crc = (uint32_t)crc32(0L, text, (uInt)tn);
    for (int i = 0; i < 4; i++)
        out[o++] = (unsigned char)(crc >> (8 * i));
    for (int i = 0; i < 4; i++)
        out[o++] = (unsigned char)((uint32_t)tn >> (8 * i));
    char body[TC_DIGEST_TEXT_MAX], trailer[1024];
    assert_int_equal(tc_digest_buffer(TC_DIGEST_SHA256, out, o, body, &e), 0);
    int t = snprintf(trailer, sizeof(trailer), "%sbody %s\n", trailer_head, body);
    memcpy(out + o, gzh, 10);
    o += 10;
    out[o++] = 0x01;
    out[o++] = (unsigned char)(t & 0xff);
    out[o++] = (unsigned char)(t >> 8);
    out[o++] = (unsigned char)(~t & 0xff);
    out[o++] = (unsigned char)((~t >> 8) & 0xff);
    memcpy(out + o, trailer, (size_t)t);
    o += (size_t)t;
    crc = (uint32_t)crc32(0L, (const Bytef *)trailer, (uInt)t);
    for (int i = 0; i < 4; i++)
        out[o++] = (unsigned char)(crc >> (8 * i));
    for (int i = 0; i < 4; i++)
        out[o++] = (unsigned char)((uint32_t)t >> (8 * i));
    assert_int_equal(tctest_spit(path, out, o), 0);
    free(out);
    free(text);
}

/* personal_account (person:text fund:text balance:amount), plus n:int when
 * with_int. */
static void pa_header(tc_batch_header *h, int with_int)
{
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_batch_header_init(h, tc_rectype_find("personal_account"), "220100",
                                          "county", &e), 0);
    if (with_int)
        assert_int_equal(tc_batch_header_add_column(h, "n", TC_COL_INT, &e), 0);
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

/* A text column repeats as one byte and changes as a literal; the empty
 * text first is a repeat of the initial "", and the writer compares with
 * its own copy, not with the caller's bytes. */
static void test_text_repeats(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/text.tcb", tctest_dir);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_header h;
    pa_header(&h, 0);
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    char buf[2] = "B";
    static const struct { const char *person, *fund; int64_t bal; } in[] = {
        {"", "01", 100}, {"", "01", 100}, {"A", "01", 90}, {"", "02", 90}, {"", "02", 90},
        {NULL, "02", 90}, {NULL, "02", 90},
    };
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        /* the last two: the same caller buffer, "B" then changed to "C" */
        if (i == 6)
            buf[0] = 'C';
        const char *person = in[i].person ? in[i].person : buf;
        tc_value v[3] = {tc_v_text(person, strlen(person)), tc_v_text(in[i].fund, 2),
                         tc_v_int(in[i].bal)};
        assert_int_equal(tc_batch_write(w, v, &e), 0);
    }
    tc_batch_summary ws;
    assert_int_equal(tc_batch_commit(w, &ws, &e), 0);
    assert_int_equal(ws.count, 7);
    assert_int_equal(ws.totals[2], 100 + 100 + 90 * 5);

    static const unsigned char want[] = {
        0x07, 0x00, 0x03, '0', '1', 0xc8, 0x01, /* "" repeated, literal "01", +100 */
        0x04, 0x00, 0x00, 0x00,                 /* all three repeat */
        0x05, 0x02, 'A', 0x00, 0x13,            /* "A", "01" again, -10 */
        0x06, 0x01, 0x03, '0', '2', 0x00,       /* literal "", "02", +0 */
        0x04, 0x00, 0x00, 0x00,
        0x05, 0x02, 'B', 0x00, 0x00,
        0x05, 0x02, 'C', 0x00, 0x00,            /* the caller's buffer changed */
        0x00,
    };
    assert_stream(path, want, sizeof(want));

    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    const tc_value *v;
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        assert_int_equal(tc_batch_next(r, &v, &e), 1);
        const char *person = in[i].person ? in[i].person : i == 5 ? "B" : "C";
        assert_int_equal(v[0].n, strlen(person));
        assert_non_null(v[0].s);
        assert_memory_equal(v[0].s, person, v[0].n);
        assert_int_equal(v[1].n, 2);
        assert_memory_equal(v[1].s, in[i].fund, 2);
        assert_int_equal(v[2].i, in[i].bal);
    }
    assert_int_equal(tc_batch_next(r, &v, &e), 0);
    assert_int_equal(tc_batch_summary_of(r)->count, 7);
    assert_int_equal(tc_batch_summary_of(r)->totals[2], 650);
    assert_string_equal(tc_batch_summary_of(r)->body, ws.body);
    tc_batch_close(r);
}

/* Numbers are written as the zigzag of the wrapped difference: from
 * INT64_MIN to INT64_MAX is -1, one byte, and back is +1. */
static void test_numeric_deltas(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/delta.tcb", tctest_dir);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_header h;
    pa_header(&h, 1);
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    /* balance keeps its running total inside int64; n roams freely */
    static const int64_t bal[] = {INT64_MAX, INT64_MIN, 1, -1, INT64_MIN + 1, INT64_MAX, 0};
    static const int64_t n[] = {INT64_MIN, INT64_MAX, INT64_MIN, 0, -1, INT64_MAX - 1, INT64_MAX};
    for (int i = 0; i < 7; i++) {
        tc_value v[4] = {tc_v_text("p", 1), tc_v_text("01", 2), tc_v_int(bal[i]), tc_v_int(n[i])};
        assert_int_equal(tc_batch_write(w, v, &e), 0);
    }
    /* A refused record leaves the previous values alone: the next one is
     * still encoded against record 7. */
    tc_value big[4] = {tc_v_text("q", 1), tc_v_text("01", 2), tc_v_int(INT64_MIN),
                       tc_v_int(5)};
    assert_int_equal(tc_batch_write(w, big, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "control total of column balance overflows"));
    tc_value last[4] = {tc_v_text("p", 1), tc_v_text("01", 2), tc_v_int(0), tc_v_int(INT64_MAX)};
    assert_int_equal(tc_batch_write(w, last, &e), 0);
    tc_batch_summary ws;
    assert_int_equal(tc_batch_commit(w, &ws, &e), 0);
    assert_int_equal(ws.count, 8);
    assert_int_equal(ws.totals[2], -1);

    unsigned char got[512];
    size_t gn = record_stream(path, got, sizeof(got));
    static const unsigned char first2[] = {
        0x1a, 0x02, 'p', 0x03, '0', '1',
        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, /* +INT64_MAX */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, /* INT64_MIN - 0 */
        0x05, 0x00, 0x00, 0x02, 0x01, /* MAX -> MIN is +1, MIN -> MAX is -1 */
    };
    assert_true(gn > sizeof(first2));
    assert_memory_equal(got, first2, sizeof(first2));
    /* and the last record (n equal, balance equal): 05 00 00 00 00, then end */
    static const unsigned char tail[] = {0x05, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_memory_equal(got + gn - sizeof(tail), tail, sizeof(tail));

    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, TC_BATCH_VERIFY_FIRST, &e), 0);
    const tc_value *v;
    for (int i = 0; i < 8; i++) {
        assert_int_equal(tc_batch_next(r, &v, &e), 1);
        assert_int_equal(v[2].i, i < 7 ? bal[i] : 0);
        assert_int_equal(v[3].i, i < 7 ? n[i] : INT64_MAX);
    }
    assert_int_equal(tc_batch_next(r, &v, &e), 0);
    assert_int_equal(tc_batch_summary_of(r)->count, 8);
    assert_int_equal(tc_batch_summary_of(r)->totals[2], -1);
    tc_batch_close(r);
}

/* Write n contribution records (payers in threes), with a reset before
 * record i for every i listed in resets (at the end when i == n). */
static void write_contrib_resets(const char *path, int n, const int *resets, int nr,
                                 tc_batch_summary *sum)
{
    tc_err e;
    tc_err_clear(&e);
    tc_batch_header h;
    assert_int_equal(tc_batch_header_init(&h, contrib(), "220113", "county", &e), 0);
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    for (int i = 0; i <= n; i++) {
        for (int k = 0; k < nr; k++)
            if (resets[k] == i)
                assert_int_equal(tc_batch_write_reset(w, &e), 0);
        if (i == n)
            break;
        char payer[32];
        snprintf(payer, sizeof(payer), "91220113MA17%06d", i / 3);
        tc_value v[8] = {tc_v_text(payer, strlen(payer)), tc_v_text("employer", 8),
                         tc_v_text("01", 2),              tc_v_int(202101 + i % 6),
                         tc_v_int(500000 + i),            tc_v_int(700),
                         tc_v_int(35000 + i),             tc_v_int(i % 7 == 0 ? -12 : 35000 + i)};
        assert_int_equal(tc_batch_write(w, v, &e), 0);
    }
    assert_int_equal(tc_batch_commit(w, sum, &e), 0);
}

/* Resets anywhere: the records after one are encoded as from the start,
 * and the reader decodes them so. */
static void test_resets(void **state)
{
    (void)state;
    char plain[600], reset[600];
    snprintf(plain, sizeof(plain), "%s/plain.tcb", tctest_dir);
    snprintf(reset, sizeof(reset), "%s/reset.tcb", tctest_dir);
    tc_batch_summary ps, rs;
    write_contrib_resets(plain, 20, NULL, 0, &ps);
    static const int at[] = {0, 7, 12, 12, 20};
    write_contrib_resets(reset, 20, at, 5, &rs);
    assert_int_equal(rs.count, 20);
    assert_int_equal(ps.totals[4], rs.totals[4]);
    assert_int_equal(ps.totals[7], rs.totals[7]);
    assert_string_not_equal(ps.body, rs.body);

    /* Byte for byte: a reset, records 0..6 as in the plain stream; a reset,
     * record 7 as if it were first, ... */
    unsigned char p[4096], q[4096], one[4096];
    size_t pn = record_stream(plain, p, sizeof(p));
    size_t qn = record_stream(reset, q, sizeof(q));
    assert_int_equal(q[0], 0x01);
    /* records 0..6 of the plain stream (each shorter than 127 bytes, so
     * its length + 1 is one byte: the record's size with that byte) */
    size_t off = 0;
    for (int i = 0; i < 7; i++) {
        assert_true(p[off] >= 2 && p[off] < 0x80);
        off += p[off];
    }
    assert_true(off < pn);
    assert_memory_equal(q + 1, p, off);
    assert_int_equal(q[1 + off], 0x01);
    /* record 7 after the reset is encoded as a first record: whole literals */
    char payer[32];
    snprintf(payer, sizeof(payer), "91220113MA17%06d", 7 / 3);
    assert_int_equal(q[2 + off + 1], 18 + 1);
    assert_memory_equal(q + 2 + off + 2, payer, 18);
    assert_int_equal(q[qn - 2], 0x01); /* the reset before the end */
    assert_int_equal(q[qn - 1], 0x00);
    /* a stream of only resets and the end is fine too */
    static const int only[] = {0, 0};
    write_contrib_resets(reset, 0, only, 2, NULL);
    size_t on = record_stream(reset, one, sizeof(one));
    assert_int_equal(on, 3);
    assert_memory_equal(one, "\x01\x01\x00", 3);

    write_contrib_resets(reset, 20, at, 5, NULL);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, reset, 0, &e), 0);
    const tc_value *v;
    int i = 0, rc;
    int64_t base = 0;
    while ((rc = tc_batch_next(r, &v, &e)) == 1) {
        snprintf(payer, sizeof(payer), "91220113MA17%06d", i / 3);
        assert_int_equal(tc_batch_record_no(r), i + 1);
        assert_int_equal(v[0].n, 18);
        assert_memory_equal(v[0].s, payer, 18);
        assert_memory_equal(v[1].s, "employer", 8);
        assert_int_equal(v[3].i, 202101 + i % 6);
        assert_int_equal(v[4].i, 500000 + i);
        assert_int_equal(v[5].i, 700);
        assert_int_equal(v[7].i, i % 7 == 0 ? -12 : 35000 + i);
        base += v[4].i;
        i++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(i, 20);
    assert_int_equal(base, 500000 * 20 + 190);
    assert_int_equal(tc_batch_summary_of(r)->totals[4], base);
    tc_batch_close(r);
}

/* Batches made by hand: resets are read; a literal repeating the previous
 * value, the empty one at the start included, is refused. */
static void test_crafted_streams(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/crafted.tcb", tctest_dir);
    tc_batch_header h;
    pa_header(&h, 0);
    tc_err e;
    tc_batch_summary s;

    /* The control: p, 01, 5 twice, resets around the second. */
    static const unsigned char ok[] = {0x01, 0x07, 0x02, 'p', 0x03, '0', '1', 0x0a,
                                       0x01, 0x01, 0x07, 0x02, 'p', 0x03, '0', '1', 0x0a,
                                       0x04, 0x00, 0x00, 0x00, 0x00};
    craft(path, &h, "tongchou-batch 2", ok, sizeof(ok), "count 3\ntotal balance 15\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, &s, &e), 0);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.totals[2], 15);

    /* The second record writes "p" as a literal where it repeats. */
    static const unsigned char lit[] = {0x07, 0x02, 'p', 0x03, '0', '1', 0x0a,
                                        0x05, 0x02, 'p', 0x00, 0x00, 0x00};
    craft(path, &h, "tongchou-batch 2", lit, sizeof(lit), "count 2\ntotal balance 10\n");
    tc_err_clear(&e);
    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    const tc_value *v;
    assert_int_equal(tc_batch_next(r, &v, &e), 1);
    assert_memory_equal(v[0].s, "p", 1);
    assert_int_equal(tc_batch_next(r, &v, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "not in canonical form"));
    assert_int_equal(tc_batch_record_no(r), 2);
    tc_batch_close(r);
    tc_err_clear(&e);
    assert_int_equal(tc_batch_open(&r, path, TC_BATCH_VERIFY_FIRST, &e), TC_EINTEGRITY);

    /* The first record writes its empty text as a literal: "" is where
     * every text column starts. */
    static const unsigned char empty[] = {0x06, 0x01, 0x03, '0', '1', 0x0a, 0x00};
    craft(path, &h, "tongchou-batch 2", empty, sizeof(empty), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "not in canonical form"));
    /* ... and written as a repeat it is fine */
    static const unsigned char empty_ok[] = {0x06, 0x00, 0x03, '0', '1', 0x0a, 0x00};
    craft(path, &h, "tongchou-batch 2", empty_ok, sizeof(empty_ok), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, &s, &e), 0);
    assert_int_equal(s.count, 1);

    /* A length of zero after the +1 (varint 1) is a reset, so no record
     * is empty; a record longer than the limit is refused. */
    static const unsigned char huge[] = {0x82, 0x80, 0x04, 0x00};
    craft(path, &h, "tongchou-batch 2", huge, sizeof(huge), "count 0\ntotal balance 0\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "length is impossible"));
}

/* A version 1 batch is refused as made by an older tongchou. */
static void test_version_1_refused(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/v1.tcb", tctest_dir);
    tc_batch_header h;
    pa_header(&h, 0);
    /* one record as version 1 wrote it: length, texts, zigzag balance */
    static const unsigned char v1[] = {0x07, 0x01, 'p', 0x02, '0', '1', 0x0a, 0x00};
    craft(path, &h, "tongchou-batch 1", v1, sizeof(v1), "count 1\ntotal balance 5\n");
    tc_err e;
    tc_err_clear(&e);
    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "format version 1"));
    assert_non_null(strstr(e.msg, "written by an older tongchou"));
    assert_non_null(strstr(e.hint, "make the batch again"));
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINTEGRITY);
    /* A version from the future is not ours to read either. */
    craft(path, &h, "tongchou-batch 3", v1, sizeof(v1), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "reads version 2"));
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
        cmocka_unit_test(test_text_repeats),
        cmocka_unit_test(test_numeric_deltas),
        cmocka_unit_test(test_resets),
        cmocka_unit_test(test_crafted_streams),
        cmocka_unit_test(test_version_1_refused),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
