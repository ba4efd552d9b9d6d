/*
 * test_dump.c - legacy YB2008 databases through the yb2008 profile.
 *
 * A small database is built in the harness's private PostgreSQL and dumped
 * with the real pg_dump: plain GBK, plain UTF-8 gzipped, custom format.  All
 * three extract to the same records (compared by the body digests of the
 * batches); the figures are worked out here; the derived bank statement
 * follows legacy-db.md; COPY escapes survive; and damaged dumps and wrong
 * profiles are refused with their file, line and reason, leaving nothing.
 */
#include "tests/support/tctest.h"

#include <dirent.h>
#include <sys/stat.h>

#include "core/batch.h"
#include "extract/emit.h"
#include "extract/extract.h"
#include "tests/support/pgtest.h"

static const char *SCHEMA =
    "CREATE TABLE xt_dw (dwbm char(6) PRIMARY KEY, dwmc varchar(60), jzrq date);"
    "CREATE TABLE kj_km (kmdm varchar(10) PRIMARY KEY, kmmc varchar(60), kmlb char(1));"
    "CREATE TABLE kj_kmye (xzlx char(2), kmdm varchar(10), kjqj char(6), qcye numeric(16,2),"
    "  jffs numeric(16,2), dffs numeric(16,2), qmye numeric(16,2), PRIMARY KEY (xzlx, kmdm, kjqj));"
    "CREATE TABLE kj_pz (pzh varchar(20) PRIMARY KEY, rq date, xzlx char(2), zy varchar(200));"
    "CREATE TABLE kj_pzmx (pzh varchar(20) REFERENCES kj_pz, hh int, kmdm varchar(10),"
    "  jfje numeric(16,2), dfje numeric(16,2), yhlsh varchar(30), zy varchar(200),"
    "  PRIMARY KEY (pzh, hh));"
    "CREATE TABLE zj_jfmx (jfdx varchar(18), dxlb char(1), xzlx char(2), ssq char(6), jfjs bigint,"
    "  fl numeric(6,4), yjje bigint, sjje bigint, PRIMARY KEY (jfdx, dxlb, xzlx, ssq));"
    "CREATE TABLE cz_bz (jb char(1), xzlx char(2), nd int, ydje numeric(16,2), sdje numeric(16,2),"
    "  PRIMARY KEY (jb, xzlx, nd));"
    "CREATE TABLE yy_jsqf (ddbm varchar(20), ddmc varchar(100), xzlx char(2), jsqj char(6),"
    "  jsje numeric(16,2), zfje numeric(16,2), PRIMARY KEY (ddbm, xzlx, jsqj));"
    "CREATE TABLE yh_zh (zh varchar(30) PRIMARY KEY, xzlx char(2), yt char(1), kmdm varchar(10),"
    "  khh varchar(60));"
    "CREATE TABLE yh_dzd (zh varchar(30) REFERENCES yh_zh, rq date, lsh varchar(30),"
    "  je numeric(16,2), ye numeric(16,2), PRIMARY KEY (zh, lsh));"
    "CREATE TABLE gr_zh (sfzh varchar(18), xzlx char(2), ye numeric(16,2), PRIMARY KEY (sfzh, xzlx));";

static const char *DATA =
    "INSERT INTO xt_dw VALUES ('220182', '榆树市', '2021-06-30');"
    "INSERT INTO kj_km VALUES ('104', '收入户存款', '1'), ('401', '社会保险费收入', '4');"
    "INSERT INTO kj_kmye VALUES ('01', '104', '202101', 100.00, 350.00, 0, 450.00);"
    "INSERT INTO kj_pz VALUES ('2021-01-0007', '2021-01-15', '01', E'收\\t1月\\\\缴费\\n第二行');"
    "INSERT INTO kj_pzmx VALUES ('2021-01-0007', 1, '104', 350.00, 0, 'B001', NULL),"
    "  ('2021-01-0007', 2, '401', 0, 350.00, NULL, '贷方');"
    "INSERT INTO zj_jfmx VALUES ('91350100M000100Y43', '1', '01', '202101', 500000, 0.0700, 35000, 35000),"
    "  ('11010519491231002X', '2', '01', '202101', 500000, 0.0200, 10000, 9999);"
    "INSERT INTO cz_bz VALUES ('4', '02', 2021, 1200000.00, 800000.00);"
    "INSERT INTO yy_jsqf VALUES ('YS0012', '榆树市人民医院', '01', '202101', 560000.00, 500000.00);"
    "INSERT INTO yh_zh VALUES ('22001234567890', '01', '1', '104', '中国银行榆树支行');"
    /* rows out of order on purpose: the statement is derived by (rq, lsh) */
    "INSERT INTO yh_dzd VALUES ('22001234567890', '2021-02-03', 'B003', -20.00, 430.00),"
    "  ('22001234567890', '2021-01-15', 'B001', 350.00, 450.00),"
    "  ('22001234567890', '2021-01-20', 'B002', 0.00, 450.00);"
    "INSERT INTO gr_zh VALUES ('11010519491231002X', '01', 1234.56);";

static char *work;

static int setup(void **state)
{
    if (pgtest_setup(state))
        return -1;
    work = tctest_tmpdir();
    chmod(work, 0755);
    if (pgtest_createdb("yb"))
        return -1;
    PGconn *c = pgtest_connect("yb");
    pgtest_exec(c, SCHEMA);
    pgtest_exec(c, DATA);
    PQfinish(c);
    tc_pgserver *s = pgtest_server();
    tc_err e;
    char out[1024];
    const char *plain[] = {"pg_dump", "--no-owner", "--encoding=GBK", "--format=plain", "yb", NULL};
    snprintf(out, sizeof(out), "%s/gbk.sql", work);
    if (tc_pgserver_run(s, plain, out, &e))
        return fprintf(stderr, "%s %s\n", e.msg, e.hint), -1;
    snprintf(out, sizeof(out), "%s/utf8.sql.gz", work);
    const char *gz[] = {"pg_dump", "--encoding=UTF8", "--compress=6", "--file", out, "yb", NULL};
    if (tc_pgserver_run(s, gz, NULL, &e))
        return fprintf(stderr, "%s %s\n", e.msg, e.hint), -1;
    snprintf(out, sizeof(out), "%s/custom.dump", work);
    const char *cu[] = {"pg_dump", "--format=custom", "--file", out, "yb", NULL};
    if (tc_pgserver_run(s, cu, NULL, &e))
        return fprintf(stderr, "%s %s\n", e.msg, e.hint), -1;
    return 0;
}

static int teardown(void **state)
{
    tctest_rmtree(work);
    free(work);
    return pgtest_teardown(state);
}

/* Extract src into a new folder; returns it. */
static char *extract_ok(const char *src)
{
    char *out = tctest_tmpdir();
    tc_extract_opts o = {.outdir = out};
    tc_extract_result r;
    tc_err e;
    if (tc_extract_source(src, &o, &r, &e)) {
        char b[2048];
        fail_msg("%s: %s", src, tc_err_format(&e, b, sizeof(b)));
    }
    assert_int_equal(r.kind, TC_SRC_DUMP);
    assert_string_equal(r.county, "220182");
    return out;
}

static tc_batch_summary summary(const char *dir, const char *type, tc_batch_header *h)
{
    char path[1024];
    tc_emit_batch_path(path, sizeof(path), dir, "220182", type);
    tc_batch_summary s;
    tc_err e;
    if (tc_batch_verify(path, h, &s, &e))
        fail_msg("%s: %s", path, e.msg);
    return s;
}

static int64_t total(const char *dir, const char *type, const char *col, uint64_t *count)
{
    tc_batch_header h;
    tc_batch_summary s = summary(dir, type, &h);
    *count = s.count;
    return col ? s.totals[tc_batch_header_col(&h, col)] : 0;
}

static void test_figures_and_formats(void **state)
{
    (void)state;
    char src[1024];
    snprintf(src, sizeof(src), "%s/gbk.sql", work);
    char *a = extract_ok(src);
    uint64_t n;
    assert_int_equal(total(a, "contribution", "due", &n), 45000);
    assert_int_equal(n, 2);
    assert_int_equal(total(a, "contribution", "paid", &n), 44999);
    assert_int_equal(total(a, "balance", "closing", &n), 45000);
    assert_int_equal(total(a, "voucher_line", "credit", &n), 35000);
    assert_int_equal(n, 2);
    assert_int_equal(total(a, "subsidy", "received", &n), 80000000);
    assert_int_equal(total(a, "payable", "settled", &n), 56000000);
    assert_int_equal(total(a, "bank_entry", "amount", &n), 33000);
    assert_int_equal(n, 3);
    /* first row by (rq, lsh) is B001: opening 450.00 - 350.00; last is B003: 430.00 */
    assert_int_equal(total(a, "bank_statement", "opening", &n), 10000);
    assert_int_equal(n, 1);
    assert_int_equal(total(a, "bank_statement", "closing", &n), 43000);
    assert_int_equal(total(a, "personal_account", "balance", &n), 123456);
    assert_int_equal(total(a, "account", NULL, &n), 0);
    assert_int_equal(n, 2);

    /* text: GBK became UTF-8, COPY escapes undone, codes through the maps */
    char path[1024];
    tc_emit_batch_path(path, sizeof(path), a, "220182", "voucher_line");
    tc_batch_reader *r;
    tc_err e;
    const tc_value *v;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    assert_int_equal(tc_batch_next(r, &v, &e), 1);
    const char *memo = "收\t1月\\缴费\n第二行";
    assert_int_equal(v[3].n, strlen(memo));
    assert_memory_equal(v[3].s, memo, v[3].n);
    assert_int_equal(v[1].i, 20210115);
    assert_int_equal(v[9].n, 0);   /* NULL memo: empty text */
    tc_batch_close(r);
    tc_emit_batch_path(path, sizeof(path), a, "220182", "contribution");
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    /* kind is a county code: copied as it is, for the mapping set */
    int ones = 0;
    while (tc_batch_next(r, &v, &e) == 1)
        ones += v[1].n == 1 && v[1].s[0] == '1';
    tc_batch_close(r);
    assert_int_equal(ones, 1);
    tc_emit_batch_path(path, sizeof(path), a, "220182", "bank_account");
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    assert_int_equal(tc_batch_next(r, &v, &e), 1);
    assert_memory_equal(v[4].s, "中国银行榆树支行", v[4].n);
    assert_memory_equal(v[2].s, "1", v[2].n);
    tc_batch_close(r);

    /* the same database dumped two other ways gives the same records */
    const char *others[] = {"utf8.sql.gz", "custom.dump"};
    const char *types[] = {"account", "bank_account", "balance", "voucher_line", "contribution",
                           "subsidy", "payable", "bank_statement", "bank_entry",
                           "personal_account"};
    for (int i = 0; i < 2; i++) {
        snprintf(src, sizeof(src), "%s/%s", work, others[i]);
        char *b = extract_ok(src);
        for (int t = 0; t < 10; t++) {
            tc_batch_header ha, hb;
            tc_batch_summary sa = summary(a, types[t], &ha), sb = summary(b, types[t], &hb);
            assert_int_equal(sa.count, sb.count);
            assert_memory_equal(sa.totals, sb.totals, sizeof(sa.totals));
            /* headers differ only in the source digest, so compare record bytes */
            assert_string_not_equal(ha.source, hb.source);
            /* no dump carries control totals: only the ledger's cross-checks */
            assert_int_equal(ha.controls, TC_CONTROLS_NONE);
            assert_int_equal(hb.controls, TC_CONTROLS_NONE);
        }
        tctest_rmtree(b);
        free(b);
    }
    tctest_rmtree(a);
    free(a);
}

/*
 * Copy file src to work/name with the first `from` replaced by `to`; a `to`
 * of "\x01" alone cuts the copy there instead.
 */
static void copy_replacing(const char *src, const char *name, const char *from, const char *to,
                           char *out, size_t cap)
{
    size_t n = 0;
    char *d = (char *)tctest_slurp(src, &n);
    assert_non_null(d);
    char *at = strstr(d, from);
    if (!at)
        fail_msg("'%s' is not in %s", from, src);
    snprintf(out, cap, "%s/%s", work, name);
    FILE *f = fopen(out, "wb");
    fwrite(d, 1, (size_t)(at - d), f);
    if (to[0] != '\x01') {
        fwrite(to, 1, strlen(to), f);
        fwrite(at + strlen(from), 1, n - (size_t)(at - d) - strlen(from), f);
    }
    fclose(f);
    free(d);
}

/* A damaged copy of the GBK dump. */
static void damaged(const char *name, const char *from, const char *to, char *out, size_t cap)
{
    char src[1024];
    snprintf(src, sizeof(src), "%s/gbk.sql", work);
    copy_replacing(src, name, from, to, out, cap);
}

static void refused(const char *src, const char *profile, const char *want)
{
    char *out = tctest_tmpdir();
    tc_extract_opts o = {.outdir = out, .profile = profile};
    tc_extract_result r;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_extract_source(src, &o, &r, &e);
    char b[2048];
    tc_err_format(&e, b, sizeof(b));
    if (rc != TC_EINPUT || !strstr(b, want))
        fail_msg("%s: rc %d, message '%s' lacks '%s'", src, rc, b, want);
    assert_int_equal(tctest_count_files(out), 0);
    tctest_rmtree(out);
    free(out);
}

static void test_damaged_dumps(void **state)
{
    (void)state;
    char p[1024];
    damaged("cut.sql", "91350100M000100Y43\t1", "\x01", p, sizeof(p));
    refused(p, NULL, "the dump ends inside the COPY block of table zj_jfmx");
    damaged("cut2.sql", "0.0700\t35000\t35000", "0.07", p, sizeof(p));
    refused(p, NULL, "table zj_jfmx row 1 has fewer fields than its 8 columns");
    damaged("fields.sql", "\t0.0700\t35000", "\t0.0700\t35000\textra", p, sizeof(p));
    refused(p, NULL, "table zj_jfmx row 1 has more fields than its 8 columns");
    damaged("yuan.sql", "560000.00", "560000.001", p, sizeof(p));
    refused(p, NULL, "table yy_jsqf row 1 column jsje: bad amount '560000.001': at most two decimals");
    damaged("fen.sql", "\t35000\t35000", "\t350.00\t35000", p, sizeof(p));
    refused(p, NULL, "column yjje: bad fen amount '350.00'");
    damaged("period.sql", "202101\t500000", "2021-1\t500000", p, sizeof(p));
    refused(p, NULL, "column ssq: bad period '2021-1'");
    damaged("gbk.sql.bad", "B001\t\\N", "B001\t\x81\x20", p, sizeof(p));
    refused(p, NULL, "table kj_pzmx column zy: bytes that are not valid GBK");
    damaged("enc.sql", "SET client_encoding = 'GBK';", "SET client_encoding = 'KOI8R';", p,
            sizeof(p));
    refused(p, NULL, "client_encoding 'KOI8R' is not one this toolkit reads");
    damaged("map.sql", "\t4\n\\.\n", "\t9\n\\.\n", p, sizeof(p));
    refused(p, NULL, "value '9' is not in map 'class'");
    damaged("nogr.sql", "COPY public.gr_zh", "COPY public.gr_zh_old", p, sizeof(p));
    refused(p, NULL, "table gr_zh, which profile");
    /* a custom dump pg_restore cannot read */
    char src[1024];
    snprintf(src, sizeof(src), "%s/custom.dump", work);
    size_t n = 0;
    unsigned char *d = tctest_slurp(src, &n);
    snprintf(p, sizeof(p), "%s/broken.dump", work);
    tctest_spit(p, d, n / 2);
    free(d);
    refused(p, NULL, "pg_restore cannot read");
}

/* Voucher lines before their headers: they wait in a spill file. */
static void test_join_order(void **state)
{
    (void)state;
    char src[1024];
    snprintf(src, sizeof(src), "%s/gbk.sql", work);
    size_t n = 0;
    char *d = (char *)tctest_slurp(src, &n);
    char *hdr = strstr(d, "COPY public.kj_pz ");
    char *lines = strstr(d, "COPY public.kj_pzmx ");
    assert_non_null(hdr);
    assert_non_null(lines);
    assert_true(hdr < lines);
    char *lines_end = strstr(lines, "\\.\n") + 3;
    char out[1024];
    snprintf(out, sizeof(out), "%s/reordered.sql", work);
    FILE *f = fopen(out, "wb");
    fwrite(d, 1, (size_t)(hdr - d), f);                  /* up to kj_pz */
    fwrite(lines, 1, (size_t)(lines_end - lines), f);    /* kj_pzmx first */
    fwrite(hdr, 1, (size_t)(lines - hdr), f);            /* then kj_pz */
    fwrite(lines_end, 1, n - (size_t)(lines_end - d), f);
    fclose(f);
    free(d);
    char *a = extract_ok(src), *b = extract_ok(out);
    tc_batch_header ha, hb;
    tc_batch_summary sa = summary(a, "voucher_line", &ha), sb = summary(b, "voucher_line", &hb);
    assert_int_equal(sb.count, 2);
    assert_memory_equal(sa.totals, sb.totals, sizeof(sa.totals));
    /* same records in the same order, value by value */
    char pa[1024], pb[1024];
    tc_emit_batch_path(pa, sizeof(pa), a, "220182", "voucher_line");
    tc_emit_batch_path(pb, sizeof(pb), b, "220182", "voucher_line");
    tc_batch_reader *ra, *rb;
    tc_err e;
    assert_int_equal(tc_batch_open(&ra, pa, 0, &e), 0);
    assert_int_equal(tc_batch_open(&rb, pb, 0, &e), 0);
    const tc_value *va, *vb;
    int k;
    while ((k = tc_batch_next(ra, &va, &e)) == 1) {
        assert_int_equal(tc_batch_next(rb, &vb, &e), 1);
        for (int c = 0; c < ha.ncols; c++) {
            assert_int_equal(va[c].i, vb[c].i);
            assert_int_equal(va[c].n, vb[c].n);
            if (va[c].n)
                assert_memory_equal(va[c].s, vb[c].s, va[c].n);
        }
    }
    assert_int_equal(k, 0);
    assert_int_equal(tc_batch_next(rb, &vb, &e), 0);
    tc_batch_close(ra);
    tc_batch_close(rb);
    tctest_rmtree(a);
    tctest_rmtree(b);
    free(a);
    free(b);
}

/* The live database: the same records as its dumps, one snapshot. */
static void test_live(void **state)
{
    (void)state;
    char src[1024];
    snprintf(src, sizeof(src), "%s/gbk.sql", work);
    char *a = extract_ok(src);
    char *b = tctest_tmpdir();
    char conninfo[2048];
    snprintf(conninfo, sizeof(conninfo), "%s password='not used'",
             tc_pgserver_conninfo(pgtest_server(), "yb"));
    tc_extract_opts o = {.outdir = b};
    tc_extract_result r;
    tc_err e;
    if (tc_extract_source(conninfo, &o, &r, &e))
        fail_msg("live: %s", e.msg);
    assert_int_equal(r.kind, TC_SRC_LIVE);
    assert_string_equal(r.county, "220182");
    const char *types[] = {"account", "bank_account", "balance", "voucher_line", "contribution",
                           "subsidy", "payable", "bank_statement", "bank_entry",
                           "personal_account"};
    for (int t = 0; t < 10; t++) {
        tc_batch_header ha, hb;
        tc_batch_summary sa = summary(a, types[t], &ha), sb = summary(b, types[t], &hb);
        assert_int_equal(sa.count, sb.count);
        assert_memory_equal(sa.totals, sb.totals, sizeof(sa.totals));
        assert_string_equal(ha.cutover, hb.cutover);
        assert_int_equal(strncmp(hb.source, "sha256:", 7), 0);
        /* the re-count by count(*) and sum() is the extractor's own check,
         * not a control total from the county */
        assert_int_equal(hb.controls, TC_CONTROLS_NONE);
    }
    /* the password never shows */
    char shown[2048];
    tc_redact_secrets(conninfo, shown, sizeof(shown));
    assert_null(strstr(shown, "not used"));
    assert_non_null(strstr(shown, "password=***"));
    tc_redact_secrets("postgresql://u:s3cret@db.example/yb?sslmode=verify-full", shown,
                            sizeof(shown));
    assert_string_equal(shown, "postgresql://u@db.example/yb?sslmode=verify-full");
    /* a database without the profile's tables */
    snprintf(conninfo, sizeof(conninfo), "%s", tc_pgserver_conninfo(pgtest_server(), "postgres"));
    tctest_rmtree(b);
    free(b);
    b = tctest_tmpdir();
    o.outdir = b;
    assert_int_equal(tc_extract_source(conninfo, &o, &r, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "has no table xt_dw"));
    assert_int_equal(tctest_count_files(b), 0);
    tctest_rmtree(a);
    tctest_rmtree(b);
    free(a);
    free(b);
}

/*
 * The re-count catches a source that does not hold still: zj_jfmx becomes
 * a view whose rows pass a filter only the first two times it is asked (a
 * session setting counts the calls), so COPY sees both rows and count(*),
 * in the same snapshot, none.
 */
static void test_live_recount(void **state)
{
    (void)state;
    PGconn *c = pgtest_connect("postgres");
    pgtest_exec(c, "CREATE DATABASE yb_shifty TEMPLATE yb");
    PQfinish(c);
    c = pgtest_connect("yb_shifty");
    pgtest_exec(c, "ALTER TABLE zj_jfmx RENAME TO zj_jfmx_base");
    pgtest_exec(c, "CREATE FUNCTION first_two() RETURNS boolean VOLATILE LANGUAGE sql AS $$ "
                   "SELECT set_config('tc.calls', (coalesce(nullif(current_setting('tc.calls', "
                   "true), ''), '0')::int + 1)::text, false)::int <= 2 $$");
    pgtest_exec(c, "CREATE VIEW zj_jfmx AS SELECT * FROM zj_jfmx_base WHERE first_two()");
    PQfinish(c);
    char *b = tctest_tmpdir();
    tc_extract_opts o = {.outdir = b};
    tc_extract_result r;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_extract_source(tc_pgserver_conninfo(pgtest_server(), "yb_shifty"), &o, &r, &e);
    if (rc != TC_EINTEGRITY)
        fail_msg("rc %d: %s", rc, e.msg);
    assert_non_null(strstr(e.msg, "table zj_jfmx has 0 rows by count(*), but 2 were streamed"));
    assert_int_equal(tctest_count_files(b), 0);
    tctest_rmtree(b);
    free(b);
}

/* A changed copy of the shipped YB2008 profile. */
static void write_profile(const char *name, const char *from, const char *to, char *out, size_t cap)
{
    copy_replacing(TC_TEST_SOURCE_DIR "/extract/profiles/yb2008.ini", name, from, to, out, cap);
}

static void test_bad_profiles(void **state)
{
    (void)state;
    char src[1024], prof[1024];
    snprintf(src, sizeof(src), "%s/gbk.sql", work);
    write_profile("p1.ini", "table = kj_km", "table = kj_kemu", prof, sizeof(prof));
    refused(src, prof, "table kj_kemu, which profile");
    write_profile("p2.ini", "name = kmmc", "name = mc", prof, sizeof(prof));
    refused(src, prof, "table kj_km has no column mc, which profile");
    write_profile("p3.ini", "paid = sjje fen", "paid = sjje", prof, sizeof(prof));
    refused(src, prof, "field 'paid' is of type amount: its conversion must be yuan or fen");
    write_profile("p4.ini", "[payable]", "[payables]", prof, sizeof(prof));
    refused(src, prof, "unknown section [payables]");
    write_profile("p5.ini", "bank = khh", "bank = khh\ncolour = red", prof, sizeof(prof));
    refused(src, prof, "record type bank_account has no field 'colour'");
    write_profile("p6.ini", "class = kmlb map:class", "class = kmlb map:klass", prof, sizeof(prof));
    refused(src, prof, "map 'klass' is not defined");
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_figures_and_formats),
        cmocka_unit_test(test_damaged_dumps),
        cmocka_unit_test(test_join_order),
        cmocka_unit_test(test_live),
        cmocka_unit_test(test_live_recount),
        cmocka_unit_test(test_bad_profiles),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
