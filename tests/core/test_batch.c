/*
 * test_batch.c - batch files: round trip, determinism, the promise that
 * a truncated or altered batch is never accepted as whole, and the bytes of
 * format version 4's record stream (unchanged since version 3: (each column relative to its two
 * previous values, a number to its sibling and an amount to the product
 * of its sibling and a rate, resets, one way to write a record); versions
 * 1 to 3 refused).
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
 * first line replaced by version_line (and, for any version but the current
 * one, without the 'controls' line version 5 added), then the records as
 * given (with their end byte), and a correct member 2 for trailer_head
 * ("count ...\ntotal ...\n") plus the body digest.  Only what the caller put
 * in rec can be wrong.
 */
#define CUR "tongchou-batch 5"   /* the version this tongchou writes */

/* When set, craft() puts this in place of the header's 'controls' line
 * ("" drops it; the text holds its own newline). */
static const char *craft_controls;

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
    if (strcmp(version_line, CUR) != 0 || craft_controls) {
        /* the 'controls' line dropped, or replaced by craft_controls */
        const char *with = craft_controls ? craft_controls : "";
        size_t wn = strlen(with);
        text = realloc(text, vn + 1 + rest + wn + rn);
        unsigned char *c = (unsigned char *)memmem(text + vn + 1, rest, "\ncontrols ", 10) + 1;
        unsigned char *ce = (unsigned char *)memchr(c, '\n', rest) + 1;
        size_t cn = (size_t)(ce - c);
        memmove(c + wn, ce, (size_t)(text + vn + 1 + rest - ce));
        memcpy(c, with, wn);
        rest = rest - cn + wn;
    }
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
    assert_int_equal(tc_batch_verify(bad, NULL, NULL, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "gzip header"));
    tc_err_clear(&e);
    snprintf(bad, sizeof(bad), "%s/nonexistent.tcb", tctest_dir);
    assert_int_equal(tc_batch_verify(bad, NULL, NULL, &e), TC_EINPUT);
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

/* A text column repeats its prev1 or its prev2 as one byte and changes as
 * a literal; the empty text first is a repeat of the initial "", later the
 * prev2 it became, and once forgotten a literal of no bytes; the writer
 * compares with its own copies, not with the caller's bytes. */
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
        {NULL, "02", 90}, {NULL, "02", 90}, {"", "02", 90},
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
    assert_int_equal(ws.count, 8);
    assert_int_equal(ws.totals[2], 100 + 100 + 90 * 6);

    static const unsigned char want[] = {
        0x07, 0x00, 0x04, '0', '1', 0xc9, 0x01, /* "" repeated, literal "01", +100 */
        0x04, 0x00, 0x00, 0x01,                 /* all three repeat */
        0x05, 0x03, 'A', 0x00, 0x14,            /* "A", "01" again, -10 */
        0x06, 0x01, 0x04, '0', '2', 0x01,       /* "" is prev2, "02", +0 */
        0x04, 0x00, 0x00, 0x01,
        0x05, 0x03, 'B', 0x00, 0x01,            /* prev1 "B", prev2 "" */
        0x05, 0x03, 'C', 0x00, 0x01,            /* the caller's buffer changed */
        0x04, 0x02, 0x00, 0x01,                 /* "" forgotten: a literal of 0 bytes */
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
    assert_int_equal(tc_batch_summary_of(r)->count, 8);
    assert_int_equal(tc_batch_summary_of(r)->totals[2], 740);
    assert_string_equal(tc_batch_summary_of(r)->body, ws.body);
    tc_batch_close(r);
}

/* Numbers are written as the zigzag of the wrapped difference, plus 1:
 * from INT64_MIN to INT64_MAX is -1, one byte, and back is +1; a value
 * equal to prev2 is u = 0; a difference of -2^63 is u = 2^64, the one
 * varint above 64 bits. */
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

    static const unsigned char want[] = {
        0x1a, 0x03, 'p', 0x04, '0', '1',
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, /* +INT64_MAX */
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, /* INT64_MIN - 0: u = 2^64 */
        0x05, 0x00, 0x00, 0x03, 0x02, /* MAX -> MIN is +1, MIN -> MAX is -1 */
        0x0e, 0x00, 0x00,             /* MIN -> 1 is -(2^63 - 1); n back to prev2 MIN */
        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00,
        0x0e, 0x00, 0x00, 0x04,       /* 1 -> -1; MIN -> 0 is -2^63 again */
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02,
        0x0e, 0x00, 0x00,             /* -1 -> MIN + 1; 0 -> -1 */
        0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02,
        0x0e, 0x00, 0x00, 0x04,       /* MIN + 1 -> MAX is -2; -1 -> MAX - 1 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        0x0e, 0x00, 0x00,             /* MAX -> 0; MAX - 1 -> MAX */
        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x03,
        0x05, 0x00, 0x00, 0x01, 0x01, /* the last: balance and n repeat */
        0x00,
    };
    assert_stream(path, want, sizeof(want));

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
    assert_int_equal(q[2 + off + 1], 18 + 2);
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
    static const unsigned char ok[] = {0x01, 0x07, 0x03, 'p', 0x04, '0', '1', 0x0b,
                                       0x01, 0x01, 0x07, 0x03, 'p', 0x04, '0', '1', 0x0b,
                                       0x04, 0x00, 0x00, 0x01, 0x00};
    craft(path, &h, CUR, ok, sizeof(ok), "count 3\ntotal balance 15\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, &s, &e), 0);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.totals[2], 15);

    /* The second record writes "p" as a literal where it repeats. */
    static const unsigned char lit[] = {0x07, 0x03, 'p', 0x04, '0', '1', 0x0b,
                                        0x05, 0x03, 'p', 0x00, 0x01, 0x00};
    craft(path, &h, CUR, lit, sizeof(lit), "count 2\ntotal balance 10\n");
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
    static const unsigned char empty[] = {0x06, 0x02, 0x04, '0', '1', 0x0b, 0x00};
    craft(path, &h, CUR, empty, sizeof(empty), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "not in canonical form"));
    /* ... and written as a repeat it is fine */
    static const unsigned char empty_ok[] = {0x06, 0x00, 0x04, '0', '1', 0x0b, 0x00};
    craft(path, &h, CUR, empty_ok, sizeof(empty_ok), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, &s, &e), 0);
    assert_int_equal(s.count, 1);

    /* A length of zero after the +1 (varint 1) is a reset, so no record
     * is empty; a record longer than the limit is refused. */
    static const unsigned char huge[] = {0x82, 0x80, 0x04, 0x00};
    craft(path, &h, CUR, huge, sizeof(huge), "count 0\ntotal balance 0\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "length is impossible"));
}

/* A crafted batch that the reader refuses at record `at` with `what`, with
 * or without VERIFY_FIRST. */
static void refused_at(const char *path, const tc_batch_header *h, const unsigned char *rec,
                       size_t rn, const char *trailer_head, uint64_t at, const char *what)
{
    craft(path, h, CUR, rec, rn, trailer_head);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    const tc_value *v;
    int rc;
    while ((rc = tc_batch_next(r, &v, &e)) == 1)
        ;
    assert_int_equal(rc, TC_EINTEGRITY);
    if (!strstr(e.msg, what))
        fail_msg("'%s' does not say '%s'", e.msg, what);
    assert_int_equal(tc_batch_record_no(r), at);
    tc_batch_close(r);
    tc_err_clear(&e);
    assert_int_equal(tc_batch_open(&r, path, TC_BATCH_VERIFY_FIRST, &e), TC_EINTEGRITY);
}

/* A crafted batch that the reader accepts, with its count and total. */
static void accepted(const char *path, const tc_batch_header *h, const unsigned char *rec,
                     size_t rn, const char *trailer_head, uint64_t count, int64_t total)
{
    craft(path, h, CUR, rec, rn, trailer_head);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_summary s;
    if (tc_batch_verify(path, NULL, &s, &e) != 0)
        fail_msg("refused: %s", e.msg);
    assert_int_equal(s.count, count);
    assert_int_equal(s.totals[2], total);
}

/* Categories that interleave - a fund, and the amount that goes with it,
 * alternating from one record to the next - are one byte a column once
 * both values have been seen: tag 1 for text, u = 0 for numbers. */
static void test_alternation(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/alt.tcb", tctest_dir);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_header h;
    pa_header(&h, 1);
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    for (int i = 0; i < 4; i++) {
        tc_value v[4] = {tc_v_text("P", 1), tc_v_text(i % 2 ? "330" : "310", 3),
                         tc_v_int(i % 2 ? 500 : 1000), tc_v_int(7)};
        assert_int_equal(tc_batch_write(w, v, &e), 0);
    }
    tc_batch_summary ws;
    assert_int_equal(tc_batch_commit(w, &ws, &e), 0);
    static const unsigned char want[] = {
        0x0a, 0x03, 'P', 0x05, '3', '1', '0', 0xd1, 0x0f, 0x0f, /* +1000, +7 */
        0x09, 0x00, 0x05, '3', '3', '0', 0xe8, 0x07, 0x01,      /* "330", -500, 7 again */
        0x05, 0x00, 0x01, 0x00, 0x01,                           /* "310" and 1000: prev2 */
        0x05, 0x00, 0x01, 0x00, 0x01,                           /* "330" and 500: prev2 */
        0x00,
    };
    assert_stream(path, want, sizeof(want));

    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    const tc_value *v;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(tc_batch_next(r, &v, &e), 1);
        assert_int_equal(v[0].n, 1);
        assert_memory_equal(v[0].s, "P", 1);
        assert_int_equal(v[1].n, 3);
        assert_memory_equal(v[1].s, i % 2 ? "330" : "310", 3);
        assert_int_equal(v[2].i, i % 2 ? 500 : 1000);
        assert_int_equal(v[3].i, 7);
    }
    assert_int_equal(tc_batch_next(r, &v, &e), 0);
    assert_int_equal(tc_batch_summary_of(r)->totals[2], 3000);
    assert_string_equal(tc_batch_summary_of(r)->body, ws.body);
    tc_batch_close(r);
}

/* personal_account records (person, fund "01", balance), a reset before
 * record i for every i in resets[]; the reader must give them back. */
static void write_pa(const char *path, const char *const *person, const int64_t *bal, int n,
                     const int *resets, int nr)
{
    tc_err e;
    tc_err_clear(&e);
    tc_batch_header h;
    pa_header(&h, 0);
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < nr; k++)
            if (resets[k] == i)
                assert_int_equal(tc_batch_write_reset(w, &e), 0);
        tc_value v[3] = {tc_v_text(person[i], strlen(person[i])), tc_v_text("01", 2),
                         tc_v_int(bal[i])};
        assert_int_equal(tc_batch_write(w, v, &e), 0);
    }
    assert_int_equal(tc_batch_commit(w, NULL, &e), 0);
    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    const tc_value *v;
    for (int i = 0; i < n; i++) {
        assert_int_equal(tc_batch_next(r, &v, &e), 1);
        assert_int_equal(v[0].n, strlen(person[i]));
        assert_memory_equal(v[0].s, person[i], v[0].n);
        assert_int_equal(v[2].i, bal[i]);
    }
    assert_int_equal(tc_batch_next(r, &v, &e), 0);
    tc_batch_close(r);
}

/* A B A B C A C "": prev1 and prev2 after every record, for text and for
 * numbers, seen in the bytes of two probes written after it (prev1 again
 * must be 00 / u = 1, prev2 again 01 / u = 0) and in what the reader gives
 * back for them. */
static void test_swap_sequence(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/swap.tcb", tctest_dir);
    static const char *const seq[] = {"A", "B", "A", "B", "C", "A", "C", ""};
    static const int64_t num[] = {10, 20, 10, 20, 30, 10, 30, 0};
    /* prev1 and prev2 after each record */
    static const char *const s1[] = {"A", "B", "A", "B", "C", "A", "C", ""};
    static const char *const s2[] = {"", "A", "B", "A", "B", "C", "A", "C"};
    static const int64_t n1[] = {10, 20, 10, 20, 30, 10, 30, 0};
    static const int64_t n2[] = {0, 10, 20, 10, 20, 30, 10, 30};
    static const unsigned char rec[8][8] = {
        {0x07, 0x03, 'A', 0x04, '0', '1', 0x15}, /* literals, +10 */
        {0x05, 0x03, 'B', 0x00, 0x15},           /* literal, +10 */
        {0x04, 0x01, 0x00, 0x00},                /* A and 10 are prev2 */
        {0x04, 0x01, 0x00, 0x00},                /* B and 20 likewise */
        {0x05, 0x03, 'C', 0x00, 0x15},           /* new: literal, +10 */
        {0x05, 0x03, 'A', 0x00, 0x28},           /* A forgotten: literal; -20 */
        {0x04, 0x01, 0x00, 0x00},                /* C and 30 are prev2 */
        {0x04, 0x02, 0x00, 0x3c},                /* "" forgotten: literal of 0 bytes; -30 */
    };
    const char *person[10];
    int64_t bal[10];
    for (int k = 1; k <= 8; k++) {
        for (int i = 0; i < k; i++) {
            person[i] = seq[i];
            bal[i] = num[i];
        }
        person[k] = s1[k - 1];
        bal[k] = n1[k - 1];
        person[k + 1] = s2[k - 1];
        bal[k + 1] = n2[k - 1];
        write_pa(path, person, bal, k + 2, NULL, 0);
        unsigned char want[128];
        size_t wn = 0;
        for (int i = 0; i < k; i++) {
            /* the length byte is the payload's length + 1: the record's size */
            memcpy(want + wn, rec[i], rec[i][0]);
            wn += rec[i][0];
        }
        static const unsigned char probes[] = {0x04, 0x00, 0x00, 0x01, /* prev1 */
                                               0x04, 0x01, 0x00, 0x00, /* prev2 */
                                               0x00};
        memcpy(want + wn, probes, sizeof(probes));
        wn += sizeof(probes);
        assert_stream(path, want, wn);
    }
}

/* A reset mid-stream forgets prev2 as well as prev1: after it A, last
 * seen as prev2, is a literal again, and a prev2 tag or u = 0 right after
 * one is refused (prev2 is prev1 again). */
static void test_resets_forget_prev2(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/reset2.tcb", tctest_dir);
    static const char *const person[] = {"A", "B", "A", "B", "A", "B"};
    static const int64_t bal[] = {10, 20, 10, 20, 10, 20};
    static const int at[] = {2, 5};
    write_pa(path, person, bal, 6, at, 2);
    static const unsigned char want[] = {
        0x07, 0x03, 'A', 0x04, '0', '1', 0x15,
        0x05, 0x03, 'B', 0x00, 0x15,
        0x01,                                   /* reset */
        0x07, 0x03, 'A', 0x04, '0', '1', 0x15,  /* as a first record */
        0x05, 0x03, 'B', 0x00, 0x15,
        0x04, 0x01, 0x00, 0x00,                 /* A and 10: prev2 */
        0x01,                                   /* reset */
        0x07, 0x03, 'B', 0x04, '0', '1', 0x29,  /* B a literal, 20 from 0 */
        0x00,
    };
    assert_stream(path, want, sizeof(want));

    tc_batch_header h;
    pa_header(&h, 0);
    /* without the reset, A and 10 are prev2 again */
    static const unsigned char ok[] = {0x07, 0x03, 'A', 0x04, '0', '1', 0x15,
                                       0x05, 0x03, 'B', 0x00, 0x15,
                                       0x04, 0x01, 0x00, 0x00, 0x00};
    accepted(path, &h, ok, sizeof(ok), "count 3\ntotal balance 40\n", 3, 40);
    /* after it, neither is */
    static const unsigned char tag1[] = {0x07, 0x03, 'A', 0x04, '0', '1', 0x15,
                                         0x05, 0x03, 'B', 0x00, 0x15, 0x01,
                                         0x06, 0x01, 0x04, '0', '1', 0x15, 0x00};
    refused_at(path, &h, tag1, sizeof(tag1), "count 3\ntotal balance 40\n", 3,
               "not in canonical form");
    static const unsigned char u0[] = {0x07, 0x03, 'A', 0x04, '0', '1', 0x15,
                                       0x05, 0x03, 'B', 0x00, 0x15, 0x01,
                                       0x07, 0x03, 'A', 0x04, '0', '1', 0x00, 0x00};
    refused_at(path, &h, u0, sizeof(u0), "count 3\ntotal balance 40\n", 3,
               "not in canonical form");
}

/* One way to write a record: a prev2 tag (text 1, number u = 0) while
 * prev2 is prev1, a literal equal to prev2, and a difference that lands on
 * prev2 are refused; u = 2^64 is read, anything above it is not. */
static void test_crafted_canonical(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/canon.tcb", tctest_dir);
    tc_batch_header h;
    pa_header(&h, 0);

    /* prev2 is prev1 ("" and 0) at the start: no prev2 tag */
    static const unsigned char t1[] = {0x06, 0x01, 0x04, '0', '1', 0x0b, 0x00};
    refused_at(path, &h, t1, sizeof(t1), "count 1\ntotal balance 5\n", 1,
               "not in canonical form");
    static const unsigned char u0[] = {0x07, 0x03, 'p', 0x04, '0', '1', 0x00, 0x00};
    refused_at(path, &h, u0, sizeof(u0), "count 1\ntotal balance 0\n", 1,
               "not in canonical form");
    static const unsigned char u1[] = {0x07, 0x03, 'p', 0x04, '0', '1', 0x01, 0x00};
    accepted(path, &h, u1, sizeof(u1), "count 1\ntotal balance 0\n", 1, 0);

    /* p, q, then p as a literal where it is prev2 */
    static const unsigned char lit2[] = {0x07, 0x03, 'p', 0x04, '0', '1', 0x0b,
                                         0x05, 0x03, 'q', 0x00, 0x01,
                                         0x05, 0x03, 'p', 0x00, 0x01, 0x00};
    refused_at(path, &h, lit2, sizeof(lit2), "count 3\ntotal balance 15\n", 3,
               "not in canonical form");
    static const unsigned char tag2[] = {0x07, 0x03, 'p', 0x04, '0', '1', 0x0b,
                                         0x05, 0x03, 'q', 0x00, 0x01,
                                         0x04, 0x01, 0x00, 0x01, 0x00};
    accepted(path, &h, tag2, sizeof(tag2), "count 3\ntotal balance 15\n", 3, 15);
    /* ... and the literal "" once "" is prev2 */
    static const unsigned char lit0[] = {0x07, 0x03, 'p', 0x04, '0', '1', 0x0b,
                                         0x04, 0x02, 0x00, 0x01, 0x00};
    refused_at(path, &h, lit0, sizeof(lit0), "count 2\ntotal balance 10\n", 2,
               "not in canonical form");

    /* 5, 7, then 5 as a difference (-2) where it is prev2 */
    static const unsigned char d2[] = {0x07, 0x03, 'p', 0x04, '0', '1', 0x0b,
                                       0x04, 0x00, 0x00, 0x05,
                                       0x04, 0x00, 0x00, 0x04, 0x00};
    refused_at(path, &h, d2, sizeof(d2), "count 3\ntotal balance 17\n", 3,
               "not in canonical form");
    static const unsigned char d0[] = {0x07, 0x03, 'p', 0x04, '0', '1', 0x0b,
                                       0x04, 0x00, 0x00, 0x05,
                                       0x04, 0x00, 0x00, 0x00, 0x00};
    accepted(path, &h, d0, sizeof(d0), "count 3\ntotal balance 17\n", 3, 17);

    /* u = 2^64 (n: 0 -> INT64_MIN), and back to 0 by it where 0 is prev2 */
    pa_header(&h, 1);
    static const unsigned char top[] = {
        0x11, 0x03, 'p', 0x04, '0', '1', 0x01,
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02,
        0x05, 0x00, 0x00, 0x01, 0x00, /* n: prev2, 0 */
        0x00};
    accepted(path, &h, top, sizeof(top), "count 2\ntotal balance 0\n", 2, 0);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    const tc_value *v;
    assert_int_equal(tc_batch_next(r, &v, &e), 1);
    assert_int_equal(v[3].i, INT64_MIN);
    assert_int_equal(tc_batch_next(r, &v, &e), 1);
    assert_int_equal(v[3].i, 0);
    assert_int_equal(tc_batch_next(r, &v, &e), 0);
    tc_batch_close(r);
    static const unsigned char top2[] = {
        0x11, 0x03, 'p', 0x04, '0', '1', 0x01,
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02,
        0x0e, 0x00, 0x00, 0x01,
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02,
        0x00};
    refused_at(path, &h, top2, sizeof(top2), "count 2\ntotal balance 0\n", 2,
               "not in canonical form");
    static const unsigned char over[] = {
        0x11, 0x03, 'p', 0x04, '0', '1', 0x01,
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x03,
        0x00};
    refused_at(path, &h, over, sizeof(over), "count 1\ntotal balance 0\n", 1, "malformed");
    static const unsigned char over2[] = {
        0x11, 0x03, 'p', 0x04, '0', '1', 0x01,
        0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02,
        0x00};
    refused_at(path, &h, over2, sizeof(over2), "count 1\ntotal balance 0\n", 1, "malformed");
}

/* person, fund, balance, and then rate, due, paid: due's sibling is
 * balance with the rate between (its product is a candidate), paid's is due. */
static void pr_header(tc_batch_header *h)
{
    tc_err e;
    tc_err_clear(&e);
    pa_header(h, 0);
    assert_int_equal(tc_batch_header_add_column(h, "rate", TC_COL_RATE, &e), 0);
    assert_int_equal(tc_batch_header_add_column(h, "due", TC_COL_AMOUNT, &e), 0);
    assert_int_equal(tc_batch_header_add_column(h, "paid", TC_COL_AMOUNT, &e), 0);
}

/* A number equal to its sibling in the record is one byte (code 1), an
 * amount equal to its sibling times the rate between them is one byte
 * (code 2), and the differences start after those codes; the first of
 * prev1, prev2, sibling and product that holds the value names it. */
static void test_predictors(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/pred.tcb", tctest_dir);
    tc_err e;
    tc_err_clear(&e);
    tc_batch_header h;
    pr_header(&h);
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    static const int64_t rows[][4] = {
        {10000, 700, 700, 700},     /* due = balance x 0.07, paid = due */
        {10000, 700, 700, 0},       /* all prev1; paid is prev2 (0) */
        {20000, 700, 1400, 1400},   /* due the product again, paid its sibling */
        {20000, 700, 1401, 1401},   /* due 1 fen off: a difference of +1 */
        {5000, 10000, 5000, 5000},  /* rate 1: the product is the sibling, code 1 */
    };
    for (int i = 0; i < 5; i++) {
        tc_value v[6] = {tc_v_text("P", 1), tc_v_text("01", 2), tc_v_int(rows[i][0]),
                         tc_v_int(rows[i][1]), tc_v_int(rows[i][2]), tc_v_int(rows[i][3])};
        assert_int_equal(tc_batch_write(w, v, &e), 0);
    }
    tc_batch_summary ws;
    assert_int_equal(tc_batch_commit(w, &ws, &e), 0);
    static const unsigned char want[] = {
        0x0d, 0x03, 'P', 0x04, '0', '1', 0xa1, 0x9c, 0x01, /* +10000 (u = 20001) */
        0xf9, 0x0a, 0x02, 0x01,                           /* rate +700; product; sibling */
        0x07, 0x00, 0x00, 0x01, 0x01, 0x03, 0x00,         /* prev1 (due: u = 3); paid prev2 */
        0x09, 0x00, 0x00, 0xa1, 0x9c, 0x01, 0x01, 0x02, 0x01,
        0x07, 0x00, 0x00, 0x01, 0x01, 0x05, 0x01,         /* due +1: zigzag 2 + 3 */
        0x0b, 0x00, 0x00, 0xb0, 0xea, 0x01, 0xa9, 0x91, 0x01, 0x01, 0x01,
        0x00,
    };
    assert_stream(path, want, sizeof(want));
    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    const tc_value *v;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(tc_batch_next(r, &v, &e), 1);
        for (int c = 0; c < 4; c++)
            assert_int_equal(v[2 + c].i, rows[i][c]);
    }
    assert_int_equal(tc_batch_next(r, &v, &e), 0);
    assert_int_equal(tc_batch_summary_of(r)->totals[4], 700 + 700 + 1400 + 1401 + 5000);
    assert_int_equal(tc_batch_summary_of(r)->totals[5], 700 + 0 + 1400 + 1401 + 5000);
    tc_batch_close(r);

    /* The largest differences of a column with both candidates: u of
     * 2^64 + 1 and 2^64 + 2, ten bytes. */
    static const int64_t far[] = {INT64_MAX, INT64_MIN};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
        tc_value fv[6] = {tc_v_text("P", 1), tc_v_text("01", 2), tc_v_int(1), tc_v_int(0),
                          tc_v_int(far[k]), tc_v_int(0)};
        assert_int_equal(tc_batch_write(w, fv, &e), 0);
        assert_int_equal(tc_batch_commit(w, NULL, &e), 0);
        const unsigned char wide[] = {
            0x13, 0x03, 'P', 0x04, '0', '1', 0x03, 0x01,
            (unsigned char)(k ? 0x82 : 0x81), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
            0x02, 0x02, 0x00,
        };
        assert_stream(path, wide, sizeof(wide));
        assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
        assert_int_equal(tc_batch_next(r, &v, &e), 1);
        assert_int_equal(v[4].i, far[k]);
        assert_int_equal(v[5].i, 0);
        assert_int_equal(tc_batch_next(r, &v, &e), 0);
        tc_batch_close(r);
    }

    /* Refused: every other way to name a value (record 2, after a first
     * record of balance 10000, rate 0.07, due 700, paid 700). */
    static const unsigned char first[] = {0x0d, 0x03, 'P', 0x04, '0', '1', 0xa1, 0x9c, 0x01,
                                          0xf9, 0x0a, 0x02, 0x01};
    static const struct {
        unsigned char rec[12];
        size_t n;
        const char *trailer, *what;
    } bad[] = {
        /* due 700 by its product, which is prev1 */
        {{0x07, 0x00, 0x00, 0x01, 0x01, 0x02, 0x02}, 7,
         "count 2\ntotal balance 20000\ntotal due 1400\ntotal paid 1400\n", "canonical"},
        /* rate 0 (prev2), due 0 (prev2), paid 0 by its sibling: prev2 */
        {{0x07, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01}, 7,
         "count 2\ntotal balance 20000\ntotal due 700\ntotal paid 700\n", "canonical"},
        /* balance 20000; due 1400, the product, as a difference from 700 */
        {{0x0a, 0x00, 0x00, 0xa1, 0x9c, 0x01, 0x01, 0xfb, 0x0a, 0x01}, 10,
         "count 2\ntotal balance 30000\ntotal due 2100\ntotal paid 2100\n", "canonical"},
        /* the same with paid 1400, the sibling, as a difference from 700 */
        {{0x0a, 0x00, 0x00, 0xa1, 0x9c, 0x01, 0x01, 0x02, 0xfa, 0x0a}, 10,
         "count 2\ntotal balance 30000\ntotal due 2100\ntotal paid 2100\n", "canonical"},
        /* a ten-byte code beyond 2^64 + 2 */
        {{0x10, 0x00, 0x00, 0x01, 0x01, 0x83, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}, 12,
         "count 2\ntotal balance 20000\ntotal due 700\ntotal paid 700\n", "malformed"},
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        unsigned char rec[64];
        memcpy(rec, first, sizeof(first));
        memcpy(rec + sizeof(first), bad[k].rec, bad[k].n);
        size_t rn = sizeof(first) + bad[k].n;
        if (k == 4) {   /* the rest of the ten bytes, paid, the end */
            static const unsigned char tail[] = {0x80, 0x80, 0x02, 0x02, 0x00};
            memcpy(rec + rn, tail, sizeof(tail));
            rn += sizeof(tail);
        } else
            rec[rn++] = 0x00;
        refused_at(path, &h, rec, rn, bad[k].trailer, 2, bad[k].what);
    }
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
    assert_int_equal(tc_batch_open(&r, path, 0, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "format version 1"));
    assert_non_null(strstr(e.msg, "written by an older tongchou"));
    assert_non_null(strstr(e.hint, "make the batch again"));
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINPUT);
    /* A version from the future is not ours to read either. */
    /* Nor one of version 2, whose numbers had no sibling or product. */
    craft(path, &h, "tongchou-batch 2", v1, sizeof(v1), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "format version 2: it was written by an older tongchou"));
    /* Nor one of version 3, which named no pool. */
    craft(path, &h, "tongchou-batch 3", v1, sizeof(v1), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "format version 3: it was written by an older tongchou"));
    craft(path, &h, "tongchou-batch 6", v1, sizeof(v1), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "reads versions 4 to 5"));
}

/*
 * The 'controls' line (version 5): each value round-trips, a map-like
 * copy of the header keeps it, a version 4 batch (which has no such line)
 * still reads, with its records, as TC_CONTROLS_UNKNOWN; a version 5
 * header without the line, or with a word not in the list, is not whole,
 * nor a version 4 header with one.
 */
static void test_controls(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/controls.tcb", tctest_dir);
    tc_batch_header h, got;
    tc_batch_summary s;
    tc_err e;
    static const char *const words[] = {"-", "none", "counts", "counts,sums"};
    for (int c = TC_CONTROLS_UNKNOWN; c <= TC_CONTROLS_COUNTS_SUMS; c++) {
        pa_header(&h, 0);
        h.controls = (tc_controls)c;
        tc_batch_writer *w;
        tc_err_clear(&e);
        assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
        assert_int_equal(tc_batch_commit(w, NULL, &e), 0);
        assert_int_equal(tc_batch_verify(path, &got, NULL, &e), 0);
        assert_int_equal(got.controls, c);
        assert_string_equal(tc_controls_name(got.controls), words[c]);
        tc_controls back;
        assert_int_equal(tc_controls_parse(words[c], strlen(words[c]), &back), 0);
        assert_int_equal(back, c);
        /* the line itself, after 'source' */
        size_t mn;
        unsigned char *m = member1(path, &mn);
        char line[64];
        snprintf(line, sizeof(line), "\nsource -\ncontrols %s\nmappings -\n", words[c]);
        assert_non_null(memmem(m, mn, line, strlen(line)));
        assert_memory_equal(m, CUR "\n", strlen(CUR) + 1);
        free(m);
    }
    tc_controls x;
    assert_int_equal(tc_controls_parse("sums", 4, &x), -1);
    assert_int_equal(tc_controls_parse("", 0, &x), -1);
    /* a writer refuses a value not in the list */
    pa_header(&h, 0);
    h.controls = (tc_controls)7;
    tc_batch_writer *w;
    tc_err_clear(&e);
    assert_int_equal(tc_batch_create(&w, path, &h, &e), TC_EINTERNAL);
    /* and set_header carries it (emit learns it at commit) */
    pa_header(&h, 0);
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    h.controls = TC_CONTROLS_NONE;
    assert_int_equal(tc_batch_set_header(w, &h, &e), 0);
    assert_int_equal(tc_batch_writer_header(w)->controls, TC_CONTROLS_NONE);
    assert_int_equal(tc_batch_commit(w, NULL, &e), 0);
    assert_int_equal(tc_batch_verify(path, &got, NULL, &e), 0);
    assert_int_equal(got.controls, TC_CONTROLS_NONE);

    /* version 4: the same records, read, controls not recorded */
    static const unsigned char ok[] = {0x07, 0x03, 'p', 0x04, '0', '1', 0x0b, 0x00};
    pa_header(&h, 0);
    h.controls = TC_CONTROLS_COUNTS_SUMS;   /* dropped with the line */
    craft(path, &h, "tongchou-batch 4", ok, sizeof(ok), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, &got, &s, &e), 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.totals[2], 5);
    assert_int_equal(got.controls, TC_CONTROLS_UNKNOWN);
    assert_string_equal(got.county, "220100");
    /* the control: version 5 crafted with its own line reads */
    craft_controls = "controls none\n";
    craft(path, &h, CUR, ok, sizeof(ok), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, &got, NULL, &e), 0);
    assert_int_equal(got.controls, TC_CONTROLS_NONE);
    /* version 5 without the line, or with a word not in the list: not whole */
    static const char *const bad[] = {"", "controls sums\n", "controls \n",
                                      "controls counts, sums\n", "controls unknown\n",
                                      "controls none\ncontrols none\n"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        craft_controls = bad[k];
        craft(path, &h, CUR, ok, sizeof(ok), "count 1\ntotal balance 5\n");
        tc_err_clear(&e);
        assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINTEGRITY);
        if (!strstr(e.msg, "its header"))
            fail_msg("'%s': %s", bad[k], e.msg);
    }
    /* nor a version 4 header that has one */
    craft_controls = "controls none\n";
    craft(path, &h, "tongchou-batch 4", ok, sizeof(ok), "count 1\ntotal balance 5\n");
    tc_err_clear(&e);
    assert_int_equal(tc_batch_verify(path, NULL, NULL, &e), TC_EINTEGRITY);
    craft_controls = NULL;
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
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_alternation),
        cmocka_unit_test(test_swap_sequence),
        cmocka_unit_test(test_resets_forget_prev2),
        cmocka_unit_test(test_crafted_canonical),
        cmocka_unit_test(test_predictors),
        cmocka_unit_test(test_version_1_refused),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
