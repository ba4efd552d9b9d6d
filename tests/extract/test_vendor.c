/*
 * test_vendor.c - legacy databases as vendors really build them (issue 25).
 *
 * A tidy YB2008 database is built in the harness's private PostgreSQL and
 * extracted from its plain dump: that is the reference, and its figures
 * are checked against the database's own count() and sum().  Then copies of
 * it are changed the way real vendor schemas are:
 *
 *   wide     xt_dw with 253 columns and zj_jfmx with 128, the profile's
 *            columns past the 64th; the other columns hold NULLs in every
 *            position, text over 1 MB, bytea, arrays, a literal \N, tabs,
 *            newlines and backslashes;
 *   part     zj_jfmx partitioned by period (a partition attached with its
 *            columns in another order, a sub-partitioned one, a partition in
 *            another schema); kj_pz, the joined table, partitioned with a
 *            partition whose data comes after the voucher lines; kj_pzmx
 *            and yh_dzd with inherited children and grandchildren;
 *   upper    every table and column upper case and quoted ("XT_DW"), in
 *            schema "YB", a balance column named in Chinese, read through
 *            tests/extract/vendor/upper.ini;
 *   schema   the tables in schema yb2008, with decoy tables of the same
 *            names in public, read with `schema = yb2008`;
 *   versions the plain dumps of tidy and part as pg_dump 9.6 to 17 write
 *            them (test_versions says how they are made).
 *
 * Each is dumped by the real pg_dump in every format - plain, plain gzip,
 * custom, tar, directory - and read live; every extraction must give the
 * reference's records: per record type the same count, the same control
 * totals and the same multiset of records (an order-free fingerprint of
 * every value), since partitions give the rows in another order.
 */
#include "tests/support/tctest.h"

#include <ctype.h>
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
    "  jfje numeric(16,2), dfje numeric(16,2), yhlsh varchar(30), zy varchar(200));"
    "CREATE TABLE zj_jfmx (jfdx varchar(18), dxlb char(1), xzlx char(2), ssq char(6), jfjs bigint,"
    "  fl numeric(6,4), yjje bigint, sjje bigint);"
    "CREATE TABLE cz_bz (jb char(1), xzlx char(2), nd int, ydje numeric(16,2), sdje numeric(16,2));"
    "CREATE TABLE yy_jsqf (ddbm varchar(20), ddmc varchar(100), xzlx char(2), jsqj char(6),"
    "  jsje numeric(16,2), zfje numeric(16,2));"
    "CREATE TABLE yh_zh (zh varchar(30) PRIMARY KEY, xzlx char(2), yt char(1), kmdm varchar(10),"
    "  khh varchar(60));"
    "CREATE TABLE yh_dzd (zh varchar(30), rq date, lsh varchar(30), je numeric(16,2),"
    "  ye numeric(16,2));"
    "CREATE TABLE gr_zh (sfzh varchar(18), xzlx char(2), ye numeric(16,2));";

/* Memos with COPY escapes in them: tabs, newlines, backslashes, a literal
 * \N (text, not NULL) and NULLs. */
static const char *DATA =
    "INSERT INTO xt_dw VALUES ('220182', '榆树市', '2021-06-30');"
    "INSERT INTO kj_km SELECT (100 + i)::text, '科目' || i, ((i % 5) + 1)::text"
    "  FROM generate_series(1, 40) i;"
    "INSERT INTO kj_kmye SELECT '01', (100 + i)::text, '2021' || lpad(m::text, 2, '0'),"
    "  i * 100.25, m * 10.50, m * 3.25, i * 100.25 + m * 7.25"
    "  FROM generate_series(1, 40) i, generate_series(1, 12) m;"
    "INSERT INTO kj_pz SELECT '2021-' || lpad(v::text, 4, '0'), date '2021-01-01' + (v % 365),"
    "  '0' || (1 + v % 2), CASE v % 4 WHEN 0 THEN E'收\\t缴费\\\\第' || v || E'\\n行'"
    "  WHEN 1 THEN E'\\\\N' WHEN 2 THEN NULL ELSE '摘要' || v END FROM generate_series(1, 300) v;"
    "INSERT INTO kj_pzmx SELECT '2021-' || lpad(v::text, 4, '0'), h, (100 + (v + h) % 40)::text,"
    "  CASE WHEN h = 1 THEN v * 1.01 ELSE 0 END, CASE WHEN h = 2 THEN v * 1.01 ELSE 0 END,"
    "  CASE WHEN h = 1 THEN 'B' || v END, CASE WHEN h = 2 THEN E'贷\\\\N方\\t' || v END"
    "  FROM generate_series(1, 300) v, generate_series(1, 2) h;"
    "INSERT INTO zj_jfmx SELECT lpad(p::text, 18, '0'), (1 + p % 2)::text, '01',"
    "  '2021' || lpad(m::text, 2, '0'), 500000 + p, 0.0700, 35000 + p + m, 35000 + p"
    "  FROM generate_series(1, 100) p, generate_series(1, 12) m;"
    "INSERT INTO cz_bz VALUES ('4', '02', 2021, 1200000.00, 800000.00),"
    "  ('3', '02', 2021, 300000.50, 300000.50);"
    "INSERT INTO yy_jsqf SELECT 'YS' || lpad(i::text, 4, '0'), '医院' || i, '01',"
    "  '2021' || lpad(m::text, 2, '0'), i * 1000.10 + m, i * 900.05"
    "  FROM generate_series(1, 20) i, generate_series(1, 12) m;"
    "INSERT INTO yh_zh VALUES ('22001234567890', '01', '1', '104', '中国银行榆树支行'),"
    "  ('22009876543210', '02', '1', '105', '农业银行');"
    "INSERT INTO yh_dzd SELECT CASE WHEN k % 2 = 0 THEN '22001234567890' ELSE '22009876543210'"
    "  END, date '2021-01-01' + k, 'L' || lpad(k::text, 5, '0'), k * 1.5 - 100, 10000 + k * 0.5"
    "  FROM generate_series(1, 400) k;"
    "INSERT INTO gr_zh SELECT '2201821990' || lpad(i::text, 8, '0'), '01', i * 12.34"
    "  FROM generate_series(1, 500) i;";

/* ------------------------------------------------------- vendor changes */

/* Partitions and inherited children, as in the module comment. */
static const char *PART =
    "ALTER TABLE kj_pzmx DROP CONSTRAINT kj_pzmx_pzh_fkey;"
    "ALTER TABLE zj_jfmx RENAME TO zj_old;"
    "CREATE TABLE zj_jfmx (LIKE zj_old) PARTITION BY RANGE (ssq);"
    "CREATE TABLE zj_q1 (sjje bigint, yjje bigint, fl numeric(6,4), jfjs bigint, ssq char(6),"
    "  xzlx char(2), dxlb char(1), jfdx varchar(18));"
    "ALTER TABLE zj_jfmx ATTACH PARTITION zj_q1 FOR VALUES FROM ('202101') TO ('202104');"
    "CREATE TABLE zj_jfmx_q2 PARTITION OF zj_jfmx FOR VALUES FROM ('202104') TO ('202107');"
    "CREATE TABLE zj_jfmx_h2 PARTITION OF zj_jfmx FOR VALUES FROM ('202107') TO ('202201')"
    "  PARTITION BY LIST (dxlb);"
    "CREATE TABLE zj_jfmx_h2_1 PARTITION OF zj_jfmx_h2 FOR VALUES IN ('1');"
    "CREATE SCHEMA arch;"
    "CREATE TABLE arch.zj_jfmx_h2_rest PARTITION OF zj_jfmx_h2 DEFAULT;"
    "INSERT INTO zj_jfmx SELECT * FROM zj_old; DROP TABLE zj_old;"
    "ALTER TABLE kj_pz RENAME TO kj_pz_old;"
    "CREATE TABLE kj_pz (LIKE kj_pz_old) PARTITION BY RANGE (rq);"
    "CREATE TABLE kj_pz_h1 PARTITION OF kj_pz FOR VALUES FROM ('2021-01-01') TO ('2021-07-01');"
    /* its data comes after kj_pzmx's in the dump: voucher lines wait to the end */
    "CREATE TABLE zz_kj_pz_h2 PARTITION OF kj_pz FOR VALUES FROM ('2021-07-01') TO ('2022-01-01');"
    "INSERT INTO kj_pz SELECT * FROM kj_pz_old; DROP TABLE kj_pz_old;"
    "CREATE TABLE kj_pzmx_2 (bz text) INHERITS (kj_pzmx);"
    "WITH m AS (DELETE FROM ONLY kj_pzmx WHERE hh = 2 RETURNING *)"
    "  INSERT INTO kj_pzmx_2 SELECT *, '附' FROM m;"
    "CREATE TABLE yh_dzd_a (bz text) INHERITS (yh_dzd);"
    "CREATE TABLE yh_dzd_b (fh int) INHERITS (yh_dzd_a);"
    "WITH m AS (DELETE FROM ONLY yh_dzd WHERE rq > '2021-06-01' AND rq <= '2021-09-01'"
    "  RETURNING *) INSERT INTO yh_dzd_a SELECT *, 'a' FROM m;"
    "WITH m AS (DELETE FROM ONLY yh_dzd WHERE rq > '2021-09-01' RETURNING *)"
    "  INSERT INTO yh_dzd_b SELECT *, 'b', 7 FROM m;";

/* Every table and column upper case, in schema "YB", gr_zh.ye in Chinese. */
static const char *UPPER =
    "CREATE SCHEMA \"YB\";"
    "DO $$ DECLARE r record; BEGIN"
    "  FOR r IN SELECT table_name, column_name FROM information_schema.columns"
    "    WHERE table_schema = 'public' LOOP"
    "    EXECUTE format('ALTER TABLE public.%I RENAME COLUMN %I TO %I', r.table_name,"
    "      r.column_name, upper(r.column_name));"
    "  END LOOP;"
    "  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP"
    "    EXECUTE format('ALTER TABLE public.%I RENAME TO %I', r.tablename, upper(r.tablename));"
    "    EXECUTE format('ALTER TABLE public.%I SET SCHEMA \"YB\"', upper(r.tablename));"
    "  END LOOP; END $$;"
    "ALTER TABLE \"YB\".\"GR_ZH\" RENAME COLUMN \"YE\" TO \"余额\";"
    "ALTER TABLE \"YB\".\"XT_DW\" ADD COLUMN \"说明, 备注 (\"\"旧\"\")\" text DEFAULT 'x';";

/* The tables in schema yb2008; decoys of the same names in public. */
static const char *SCHEMAS =
    "CREATE SCHEMA yb2008;"
    "DO $$ DECLARE r record; BEGIN"
    "  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP"
    "    EXECUTE format('ALTER TABLE public.%I SET SCHEMA yb2008', r.tablename);"
    "  END LOOP; END $$;"
    "CREATE TABLE public.xt_dw (dwbm char(6), dwmc varchar(60), jzrq date);"
    "INSERT INTO public.xt_dw VALUES ('229999', '诱饵', '2020-01-01');"
    "CREATE TABLE public.zj_jfmx (LIKE yb2008.zj_jfmx);"
    "INSERT INTO public.zj_jfmx VALUES ('X', '1', '01', '202001', 1, 0.1, 1, 1);";

/* The odd values the wide tables' other columns hold, by column number i
 * of nf; with a row key (zj_jfmx's jfjs) NULLs move from row to row, and
 * one row holds text over 1 MB. */
static void filler(char *buf, size_t cap, int i, int nf, const char *key)
{
    static const char *kinds[] = {
        "NULL::text", "E'a\\tb\\\\c\\nd'::text", "'\\x00ff415c'::bytea",
        "ARRAY[1, NULL, 3]", "E'\\\\N'::text", "12345.67::numeric", "'{\"x\\ty\", NULL}'::text[]",
    };
    if (i == 7 && !key)   /* 1.2 MB: 3 bytes a character */
        snprintf(buf, cap, "repeat('大', 400000) AS f%03d", i);
    else if (i == 7)
        snprintf(buf, cap, "CASE WHEN %s = 500001 AND ssq = '202101' THEN repeat('大', 400000) "
                 "END AS f%03d", key, i);
    else if (key && (i % 3 == 0 || i == 1 || i == nf))
        snprintf(buf, cap, "CASE WHEN (%s + %d) %% 4 <> 0 THEN %s END AS f%03d", key, i,
                 kinds[i % 7], i);
    else
        snprintf(buf, cap, "%s AS f%03d", kinds[i % 7], i);
}

/* CREATE TABLE name AS SELECT with `cols` (a NULL-terminated list of the
 * old table's columns, each placed after the given number of fillers). */
static void widen(PGconn *c, const char *table, const char *const *cols, const int *at, int nf,
                  const char *key)
{
    size_t cap = 1 << 16, k = 0;
    char *sql = malloc(cap), f[400];
    k += (size_t)snprintf(sql + k, cap - k, "ALTER TABLE %s RENAME TO %s_old;"
                          "CREATE TABLE %s AS SELECT ", table, table, table);
    int j = 0;
    for (int i = 1; i <= nf; i++) {
        while (cols[j] && at[j] < i)
            k += (size_t)snprintf(sql + k, cap - k, "%s, ", cols[j++]);
        filler(f, sizeof(f), i, nf, key);
        k += (size_t)snprintf(sql + k, cap - k, "%s%s", f, i < nf || cols[j] ? ", " : "");
    }
    while (cols[j]) {
        k += (size_t)snprintf(sql + k, cap - k, "%s%s", cols[j], cols[j + 1] ? ", " : "");
        j++;
    }
    snprintf(sql + k, cap - k, " FROM %s_old; DROP TABLE %s_old", table, table);
    pgtest_exec(c, sql);
    free(sql);
}

/* ----------------------------------------------------------- extraction */

static char *work;
static const char *TYPES[] = {"account", "bank_account", "balance", "voucher_line",
                              "contribution", "subsidy", "payable", "bank_statement",
                              "bank_entry", "personal_account"};

typedef struct figures {
    uint64_t count[10];
    int64_t totals[10][TC_MAX_COLUMNS];
    uint64_t print[10];   /* sum of a hash of each record: order-free */
    int literal_n;        /* text values that are a backslash and N, not NULL */
    int tabbed;           /* text values holding a tab */
} figures;

static figures tidy;

/* The total of record type t's column name in fg. */
static int64_t tot(const figures *fg, int t, const char *name)
{
    int c = tc_rectype_col(tc_rectype_find(TYPES[t]), name);
    assert_true(c >= 0);
    return fg->totals[t][c];
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

/* Extract src (with profile, or the shipped one) into a new folder and
 * read back its figures; a failure names the source. */
static void extract_figures(const char *src, const char *profile, figures *fg)
{
    char *out = tctest_tmpdir();
    tc_extract_opts o = {.outdir = out, .profile = profile};
    tc_extract_result r;
    tc_err e;
    tc_err_clear(&e);
    if (tc_extract_source(src, &o, &r, &e)) {
        char b[4096];
        fail_msg("%s: %s", src, tc_err_format(&e, b, sizeof(b)));
    }
    assert_string_equal(r.county, "220182");
    memset(fg, 0, sizeof(*fg));
    for (int t = 0; t < 10; t++) {
        char path[1024];
        tc_emit_batch_path(path, sizeof(path), out, "220182", TYPES[t]);
        tc_batch_header h;
        tc_batch_summary s;
        if (tc_batch_verify(path, &h, &s, &e))
            fail_msg("%s: %s", path, e.msg);
        assert_string_equal(h.cutover, "2021-06-30");
        fg->count[t] = s.count;
        memcpy(fg->totals[t], s.totals, sizeof(s.totals));
        tc_batch_reader *br;
        const tc_value *v;
        assert_int_equal(tc_batch_open(&br, path, 0, &e), 0);
        int k;
        while ((k = tc_batch_next(br, &v, &e)) == 1) {
            uint64_t x = 1469598103934665603ULL;
            for (int c = 0; c < h.ncols; c++) {
                x = fnv(x, &v[c].i, sizeof(v[c].i));
                x = fnv(x, &v[c].n, sizeof(v[c].n));
                if (v[c].n)
                    x = fnv(x, v[c].s, v[c].n);
                fg->literal_n += v[c].n == 2 && memcmp(v[c].s, "\\N", 2) == 0;
                fg->tabbed += v[c].n && memchr(v[c].s, '\t', v[c].n) != NULL;
            }
            fg->print[t] += x;
        }
        assert_int_equal(k, 0);
        tc_batch_close(br);
    }
    tctest_rmtree(out);
    free(out);
}

static void same_as_tidy(const char *what, const figures *fg)
{
    for (int t = 0; t < 10; t++) {
        if (fg->count[t] != tidy.count[t])
            fail_msg("%s: %s: %llu records, the tidy database %llu", what, TYPES[t],
                     (unsigned long long)fg->count[t], (unsigned long long)tidy.count[t]);
        for (int c = 0; c < TC_MAX_COLUMNS; c++)
            if (fg->totals[t][c] != tidy.totals[t][c])
                fail_msg("%s: %s column %d totals %lld, the tidy database %lld", what, TYPES[t],
                         c, (long long)fg->totals[t][c], (long long)tidy.totals[t][c]);
        if (fg->print[t] != tidy.print[t])
            fail_msg("%s: %s: the same count and totals but other records", what, TYPES[t]);
    }
}

static const char *FORMATS[] = {"plain", "plain-gzip", "custom", "tar", "directory"};

/* Dump db in format f into work/db.f; the path into out. */
static void dump(const char *db, int f, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s.%s", work, db, FORMATS[f]);
    const char *fmt[] = {"--format=plain", "--format=plain", "--format=custom", "--format=tar",
                         "--format=directory"};
    const char *argv[8] = {"pg_dump", fmt[f], "--file", out, db, NULL, NULL, NULL};
    if (f == 1) {
        argv[4] = "--compress=6";
        argv[5] = db;
    }
    tc_err e;
    if (tc_pgserver_run(pgtest_server(), argv, NULL, &e))
        fail_msg("pg_dump %s: %s %s", db, e.msg, e.hint);
}

/* db in every format and live, each the tidy database's records. */
static void every_format(const char *db, const char *profile)
{
    char path[1024], what[200];
    figures fg;
    for (int f = 0; f < 5; f++) {
        dump(db, f, path, sizeof(path));
        extract_figures(path, profile, &fg);
        snprintf(what, sizeof(what), "%s, %s format", db, FORMATS[f]);
        same_as_tidy(what, &fg);
    }
    extract_figures(tc_pgserver_conninfo(pgtest_server(), db), profile, &fg);
    snprintf(what, sizeof(what), "%s, live", db);
    same_as_tidy(what, &fg);
}

static void fixture_db(const char *name, const char *change)
{
    char sql[200];
    PGconn *c = pgtest_connect("postgres");
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE tidy", name);
    pgtest_exec(c, sql);
    PQfinish(c);
    if (change) {
        c = pgtest_connect(name);
        pgtest_exec(c, change);
        PQfinish(c);
    }
}

static int setup(void **state)
{
    if (pgtest_setup(state))
        return -1;
    work = tctest_tmpdir();
    chmod(work, 0755);   /* pg_dump runs as the server's account */
    if (pgtest_createdb("tidy"))
        return -1;
    PGconn *c = pgtest_connect("tidy");
    pgtest_exec(c, SCHEMA);
    pgtest_exec(c, DATA);
    PQfinish(c);
    return 0;
}

static int teardown(void **state)
{
    tctest_rmtree(work);
    free(work);
    return pgtest_teardown(state);
}

/* The reference: the tidy database's plain dump, its figures checked
 * against the database's own arithmetic. */
static void test_tidy(void **state)
{
    (void)state;
    char path[1024];
    dump("tidy", 0, path, sizeof(path));
    extract_figures(path, NULL, &tidy);
    PGconn *c = pgtest_connect("tidy");
    /* COPY escapes: a literal \N is text (75 vouchers, two lines each),
     * tabs are tabs (75 vouchers' memos on two lines, 300 lines' own) */
    assert_int_equal(tidy.literal_n, 150);
    assert_int_equal(tidy.tabbed, 450);
    assert_int_equal(tidy.count[4], 1200);
    assert_int_equal(tidy.count[4], pgtest_value(c, "SELECT count(*) FROM zj_jfmx"));
    /* due: 1200 x 35000 + 12 x (1 + ... + 100) + 100 x (1 + ... + 12) */
    assert_int_equal(tot(&tidy, 4, "due"), 42068400);
    assert_int_equal(tot(&tidy, 4, "due"), pgtest_value(c, "SELECT sum(yjje) FROM zj_jfmx"));
    assert_int_equal(tot(&tidy, 4, "paid"), 42060600);
    assert_int_equal(tot(&tidy, 4, "paid"), pgtest_value(c, "SELECT sum(sjje) FROM zj_jfmx"));
    assert_int_equal(tidy.count[3], 600);
    /* 1.01 x (1 + ... + 300) yuan on each side */
    assert_int_equal(tot(&tidy, 3, "debit"), 4560150);
    assert_int_equal(tot(&tidy, 3, "credit"), 4560150);
    assert_int_equal(tot(&tidy, 3, "debit"),
                     pgtest_value(c, "SELECT sum(jfje) * 100 FROM kj_pzmx"));
    assert_int_equal(tidy.count[8], 400);
    assert_int_equal(tot(&tidy, 8, "amount"), pgtest_value(c, "SELECT sum(je) * 100 FROM yh_dzd"));
    assert_int_equal(tidy.count[7], 2);   /* one derived statement per bank account */
    assert_int_equal(tidy.count[9], 500);
    assert_int_equal(tot(&tidy, 9, "balance"),
                     pgtest_value(c, "SELECT sum(ye) * 100 FROM gr_zh"));
    assert_int_equal(tidy.count[0], 40);
    assert_int_equal(tidy.count[2], 480);
    assert_int_equal(tidy.count[6], 240);
    assert_int_equal(tot(&tidy, 6, "settled"),
                     pgtest_value(c, "SELECT sum(jsje) * 100 FROM yy_jsqf"));
    PQfinish(c);
    every_format("tidy", NULL);
}

static void test_wide(void **state)
{
    (void)state;
    fixture_db("wide", NULL);
    PGconn *c = pgtest_connect("wide");
    /* xt_dw: 250 other columns, jzrq the 184th */
    const char *xt[] = {"dwbm", "dwmc", "jzrq", NULL};
    const int xat[] = {101, 101, 181};
    widen(c, "xt_dw", xt, xat, 250, NULL);
    /* zj_jfmx: 120 others, NULLs wherever a row's jfjs says, the period the
     * 95th column; one row with text over 1 MB */
    const char *zj[] = {"jfdx", "dxlb", "xzlx", "ssq", "jfjs", "fl", "yjje", "sjje", NULL};
    const int zat[] = {71, 71, 71, 91, 91, 91, 91, 91};
    widen(c, "zj_jfmx", zj, zat, 120, "jfjs");
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM pg_attribute WHERE attrelid = "
                                     "'xt_dw'::regclass AND attnum > 0"), 253);
    assert_int_equal(pgtest_value(c, "SELECT attnum FROM pg_attribute WHERE attrelid = "
                                     "'xt_dw'::regclass AND attname = 'jzrq'"), 184);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM pg_attribute WHERE attrelid = "
                                     "'zj_jfmx'::regclass AND attnum > 0"), 128);
    assert_true(pgtest_value(c, "SELECT max(length(f007)) FROM zj_jfmx") > 1000000 / 3);
    PQfinish(c);
    every_format("wide", NULL);
}

static void test_partitioned(void **state)
{
    (void)state;
    fixture_db("part", PART);
    PGconn *c = pgtest_connect("part");
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM ONLY kj_pzmx"), 300);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM zz_kj_pz_h2"), 120);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM arch.zj_jfmx_h2_rest"), 300);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM yh_dzd_b"), 157);
    PQfinish(c);
    every_format("part", NULL);
    /* the same data loaded through the partition root (pg_dump's
     * --load-via-partition-root): COPY blocks of the parent, one per partition */
    char out[1024];
    snprintf(out, sizeof(out), "%s/part.root.sql", work);
    const char *argv[] = {"pg_dump", "--load-via-partition-root", "--file", out, "part", NULL};
    tc_err e;
    if (tc_pgserver_run(pgtest_server(), argv, NULL, &e))
        fail_msg("pg_dump: %s %s", e.msg, e.hint);
    figures fg;
    extract_figures(out, NULL, &fg);
    same_as_tidy("part, --load-via-partition-root", &fg);
}

static void test_upper(void **state)
{
    (void)state;
    fixture_db("upper", UPPER);
    every_format("upper", TC_TEST_SOURCE_DIR "/tests/extract/vendor/upper.ini");
}

/* A changed copy of the shipped profile in work/name. */
static void profile_with(const char *name, const char *from, const char *to, char *out,
                         size_t cap)
{
    size_t n = 0;
    char *d = (char *)tctest_slurp(TC_TEST_SOURCE_DIR "/extract/profiles/yb2008.ini", &n);
    char *at = strstr(d, from);
    assert_non_null(at);
    snprintf(out, cap, "%s/%s", work, name);
    FILE *f = fopen(out, "wb");
    fwrite(d, 1, (size_t)(at - d), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
    free(d);
}

static void refused(const char *src, const char *profile, const char *want)
{
    char *out = tctest_tmpdir();
    tc_extract_opts o = {.outdir = out, .profile = profile};
    tc_extract_result r;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_extract_source(src, &o, &r, &e);
    char b[4096];
    tc_err_format(&e, b, sizeof(b));
    if (rc != TC_EINPUT || !strstr(b, want))
        fail_msg("%s: rc %d, message '%s' lacks '%s'", src, rc, b, want);
    assert_int_equal(tctest_count_files(out), 0);
    tctest_rmtree(out);
    free(out);
}

static void test_schema(void **state)
{
    (void)state;
    fixture_db("sch", SCHEMAS);
    char prof[1024];
    profile_with("schema.ini", "name = YB2008\n", "name = YB2008\nschema = yb2008\n", prof,
                 sizeof(prof));
    every_format("sch", prof);
    /* without the schema the decoys make the dump ambiguous, and live
     * reads the search_path's (public) tables: the decoy's county */
    char path[1024];
    snprintf(path, sizeof(path), "%s/sch.plain", work);
    refused(path, NULL, "table xt_dw is in two schemas, public and yb2008");
    refused(path, NULL, "schema = NAME in its [profile]");
}

static void test_messages(void **state)
{
    (void)state;
    char path[1024], prof[1024], p[1024];
    snprintf(path, sizeof(path), "%s/part.custom", work);
    /* a table the dump lacks: the message names the tables it holds */
    profile_with("missing.ini", "table = zj_jfmx", "table = zj_jiaofei", prof, sizeof(prof));
    refused(path, prof, "table zj_jiaofei, which profile");
    refused(path, prof, "it holds the tables arch.zj_jfmx_h2_rest, public.cz_bz, public.gr_zh");
    refused(path, prof, "public.zj_q1, public.zz_kj_pz_h2; is this a dump");
    /* live: the same, from the catalogue */
    refused(tc_pgserver_conninfo(pgtest_server(), "part"), prof,
            "has no table zj_jiaofei, which the profile names");
    refused(tc_pgserver_conninfo(pgtest_server(), "part"), prof, "public.zj_jfmx");
    /* a column past the 64th the profile misnames */
    snprintf(path, sizeof(path), "%s/wide.tar", work);
    profile_with("col.ini", "cutover = jzrq date", "cutover = jzrq2 date", prof, sizeof(prof));
    refused(path, prof, "table xt_dw has no column jzrq2");
    /* a quoted name must match exactly: "xt_dw" is not "XT_DW" */
    snprintf(path, sizeof(path), "%s/upper.directory", work);
    refused(path, NULL, "table xt_dw, which profile");
    /* formats this toolkit does not read */
    snprintf(p, sizeof(p), "%s/x.sql.zst", work);
    tctest_spit(p, "\x28\xb5\x2f\xfd\x00\x00\x00\x00", 8);
    refused(p, NULL, "is zstd-compressed (decompress it with zstd -d first), not a pg_dump dump");
    refused(p, NULL, "custom (-Fc), tar (-Ft) and directory (-Fd");
    snprintf(p, sizeof(p), "%s/x.bin", work);
    tctest_spit(p, "--\n\0\0\0binary", 12);
    refused(p, NULL, "is binary data, not a pg_dump dump");
    snprintf(p, sizeof(p), "%s/notadump", work);
    mkdir(p, 0700);
    refused(p, NULL, "is a folder without toc.dat");
    /* a tar that is not pg_dump's */
    char tar[1024];
    snprintf(tar, sizeof(tar), "%s/other.tar", work);
    assert_int_equal(tctest_run("cd '%s' && tar cf other.tar x.bin", work), 0);
    refused(tar, NULL, "a tar archive whose first member is not toc.dat");
    /* a damaged directory dump: pg_restore's own words */
    snprintf(p, sizeof(p), "%s/part.directory/toc.dat", work);
    size_t n = 0;
    unsigned char *d = tctest_slurp(p, &n);
    tctest_spit(p, d, n / 3);
    free(d);
    snprintf(p, sizeof(p), "%s/part.directory", work);
    refused(p, NULL, "pg_restore cannot read");
}

/* A partitioned contribution table with no partition (a county that never
 * made one): no COPY block names it, and it reads as empty - with a
 * warning - in every format, as it does live; every other table as tidy. */
static void test_empty_parent(void **state)
{
    (void)state;
    fixture_db("noparts", "ALTER TABLE zj_jfmx RENAME TO zj_old;"
                          "CREATE TABLE zj_jfmx (LIKE zj_old) PARTITION BY RANGE (ssq);"
                          "DROP TABLE zj_old;");
    char path[1024], what[200];
    figures fg;
    for (int f = 0; f <= 5; f++) {
        if (f < 5)
            dump("noparts", f, path, sizeof(path));
        else
            snprintf(path, sizeof(path), "%s", tc_pgserver_conninfo(pgtest_server(), "noparts"));
        extract_figures(path, NULL, &fg);
        snprintf(what, sizeof(what), "noparts, %s", f < 5 ? FORMATS[f] : "live");
        assert_int_equal(fg.count[4], 0);
        assert_int_equal(tot(&fg, 4, "paid"), 0);
        fg.count[4] = tidy.count[4];
        memcpy(fg.totals[4], tidy.totals[4], sizeof(fg.totals[4]));
        fg.print[4] = tidy.print[4];
        same_as_tidy(what, &fg);
    }
}

/* ------------------------------------------------- pg_dump's versions */

/*
 * Debian ships one pg_dump (15), so the plain dumps of other versions are
 * made from its real output by the differences their pg_dump source shows
 * (PostgreSQL's src/bin/pg_dump, release notes):
 *
 *   9.6 before 9.6.8   `SET search_path = public, pg_catalog;` and table
 *                      names without their schema (CVE-2018-1058 changed
 *                      that to set_config('search_path', '', false) and
 *                      qualified names); `SET default_with_oids = false;`;
 *                      no partitions (tidy only)
 *   10, 11             `SET default_with_oids = false;`; a partition is
 *                      `CREATE TABLE c PARTITION OF p FOR VALUES ...;`
 *                      with no column list and no ATTACH
 *   12 to 16           `SET default_table_access_method = heap;` (15 is
 *                      the real one)
 *   17                 `SET transaction_timeout = 0;`; from 17.6 the
 *                      script opens with `\restrict KEY` and ends with
 *                      `\unrestrict KEY`
 *
 * The header's version lines say which.  Every shape must give the tidy
 * database's records.
 */
typedef struct shape {
    const char *version;
    int major;
} shape;

static void put(FILE *f, const char *s, size_t n) { assert_int_equal(fwrite(s, 1, n, f), n); }

/* The child's "FOR VALUES ..." (or "DEFAULT") from the ATTACH line naming
 * it, with the parent into parent; NULL when child is no partition. */
static const char *attach_of(const char *dump, const char *child, char *parent, size_t cap)
{
    const char *p = dump;
    size_t cl = strlen(child);
    while ((p = strstr(p, "ALTER TABLE ONLY "))) {
        const char *par = p + 17, *sp = strchr(par, ' ');
        p = par;
        if (!sp || strncmp(sp, " ATTACH PARTITION ", 18) != 0)
            continue;
        const char *c = sp + 18;
        if (strncmp(c, child, cl) != 0 || c[cl] != ' ')
            continue;
        snprintf(parent, cap, "%.*s", (int)(sp - par), par);
        return c + cl + 1;
    }
    return NULL;
}

/* The real plain dump in into out, shaped as pg_dump sh writes it. */
static void shape_dump(const char *in, const char *out, const shape *sh)
{
    size_t n;
    char *d = (char *)tctest_slurp(in, &n);
    assert_non_null(d);
    d = realloc(d, n + 1);
    d[n] = '\0';
    FILE *f = fopen(out, "wb");
    assert_non_null(f);
    if (sh->major == 17)
        fprintf(f, "\\restrict Xq3vQk9Yc1fE7hT2mB8nW5pL4sJ6dR0gA\n\n");
    int in_copy = 0, said_oids = 0;
    for (char *l = d; *l;) {
        char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) + 1 : strlen(l);
        char *next = l + len;
        if (in_copy) {
            put(f, l, len);
            in_copy = strncmp(l, "\\.\n", 3) != 0;
        } else if (strncmp(l, "-- Dumped from database version ", 32) == 0) {
            fprintf(f, "-- Dumped from database version %s\n", sh->version);
        } else if (strncmp(l, "-- Dumped by pg_dump version ", 29) == 0) {
            fprintf(f, "-- Dumped by pg_dump version %s\n", sh->version);
        } else if (strncmp(l, "\\restrict ", 10) == 0 || strncmp(l, "\\unrestrict ", 12) == 0) {
            /* a newer 15.x writes them too; the shape says */
        } else if (strncmp(l, "SET lock_timeout = 0;", 21) == 0 && sh->major == 17) {
            put(f, l, len);
            fprintf(f, "SET transaction_timeout = 0;\n");
        } else if (strncmp(l, "SET default_table_access_method", 31) == 0 && sh->major < 12) {
            if (!said_oids++)
                fprintf(f, "SET default_with_oids = false;\n");
        } else if (strncmp(l, "SELECT pg_catalog.set_config('search_path', '', false);", 55) == 0 &&
                   sh->major == 9) {
            fprintf(f, "SET search_path = public, pg_catalog;\n");
        } else if (strncmp(l, "ALTER TABLE ONLY ", 17) == 0 && strstr(l, " ATTACH PARTITION ") &&
                   sh->major < 12) {
            /* said in the partition's CREATE TABLE */
        } else {
            char name[256], parent[256];
            const char *bound = NULL;
            if (sh->major < 12 && sscanf(l, "CREATE TABLE %255s (", name) == 1)
                bound = attach_of(d, name, parent, sizeof(parent));
            if (bound) {
                /* CREATE TABLE c PARTITION OF p FOR VALUES ...[ PARTITION BY ...]; */
                const char *be = strchr(bound, ';');
                fprintf(f, "CREATE TABLE %s PARTITION OF %s\n%.*s", name, parent,
                        (int)(be - bound), bound);
                while (*next && *next != ')')
                    next = strchr(next, '\n') + 1;
                char *close = next;
                next = strchr(close, '\n') + 1;
                if (strncmp(close, ");", 2) != 0) {   /* ")\nPARTITION BY ...;" */
                    char *pe = strchr(next, '\n');
                    fprintf(f, "\n%.*s", (int)(pe - next - 1), next);
                    next = pe + 1;
                }
                fprintf(f, ";\n");
            } else if (sh->major == 9) {
                /* names without the public schema, as before 9.6.8 */
                for (char *q = l; q < next;) {
                    char *pub = memmem(q, (size_t)(next - q), "public.", 7);
                    if (!pub || (pub > l && (isalnum((unsigned char)pub[-1]) || pub[-1] == '_'))) {
                        char *stop = pub ? pub + 7 : next;
                        put(f, q, (size_t)(stop - q));
                        q = stop;
                        continue;
                    }
                    put(f, q, (size_t)(pub - q));
                    q = pub + 7;
                }
            } else {
                put(f, l, len);
            }
            in_copy = strncmp(l, "COPY ", 5) == 0 && strstr(l, "FROM stdin;");
        }
        l = next;
    }
    if (sh->major == 17)
        fprintf(f, "\n\\unrestrict Xq3vQk9Yc1fE7hT2mB8nW5pL4sJ6dR0gA\n\n");
    assert_int_equal(fclose(f), 0);
    free(d);
}

static void test_versions(void **state)
{
    (void)state;
    static const shape shapes[] = {{"9.6.5", 9},   {"10.23", 10}, {"11.22", 11},
                                   {"12.22", 12},  {"13.20", 13}, {"14.17", 14},
                                   {"16.8", 16},   {"17.6", 17}};
    fixture_db("partv", PART);
    char real[1024], out[1100], what[200];
    figures fg;
    for (int db = 0; db < 2; db++) {
        const char *name = db ? "partv" : "tidy";
        dump(name, 0, real, sizeof(real));
        for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
            if (db && shapes[i].major < 10)
                continue;   /* 9.6 has no partitions */
            snprintf(out, sizeof(out), "%s.%s.sql", real, shapes[i].version);
            shape_dump(real, out, &shapes[i]);
            /* the shape is what it says: the test cannot pass on 15's text */
            size_t n;
            char *t = (char *)tctest_slurp(out, &n);
            t = realloc(t, n + 1);
            t[n] = '\0';
            assert_non_null(strstr(t, shapes[i].version));
            if (shapes[i].major == 9) {
                assert_null(strstr(t, "public.zj_jfmx"));
                assert_non_null(strstr(t, "\nCOPY zj_jfmx ("));
            }
            if (db && shapes[i].major < 12) {
                assert_null(strstr(t, "ATTACH PARTITION"));
                assert_non_null(strstr(t, "PARTITION OF public.zj_jfmx_h2\nDEFAULT;"));
                assert_non_null(strstr(t, "PARTITION OF public.zj_jfmx\nFOR VALUES FROM ('202107') "
                                          "TO ('202201')\nPARTITION BY LIST (dxlb);"));
            }
            if (shapes[i].major == 17)
                assert_true(strncmp(t, "\\restrict ", 10) == 0 && strstr(t, "\n\\unrestrict "));
            free(t);
            extract_figures(out, NULL, &fg);
            snprintf(what, sizeof(what), "%s as pg_dump %s writes it", name, shapes[i].version);
            same_as_tidy(what, &fg);
        }
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_tidy),
        cmocka_unit_test(test_wide),
        cmocka_unit_test(test_partitioned),
        cmocka_unit_test(test_upper),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_empty_parent),
        cmocka_unit_test(test_versions),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
