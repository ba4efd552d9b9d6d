/*
 * test_unload.c - text unloads (卸数文件) with check files (issue 22).
 *
 * The example city's 榆树 (220182) is generated as its YB2008 database,
 * restored into the harness's PostgreSQL, and given text that trips naive
 * readers: GB18030 characters whose second byte is '|' or '\' (億, 乗), a
 * '|', a comma and a quote in a memo.  Its plain pg_dump is the reference.
 * Then it is unloaded by real tools:
 *
 *   PostgreSQL  COPY ... TO (ENCODING 'GB18030', DELIMITER '|') and
 *               COPY ... TO (FORMAT csv), each read through the shipped
 *               yb2008-copy-* profiles;
 *   sqlite3     the CSV files imported into sqlite and exported in its csv
 *               and list (0x1F separator) modes, when sqlite3 is there;
 *
 * and a small database is written by hand in sqluldr2's and bcp's default
 * formats (comma, GB18030, Oracle's .5 and dates with a time; tab, CR LF,
 * NUL for an empty text, datetime with milliseconds).  Each extraction must
 * give batches whose records are byte for byte the dump's (member 1 after
 * the header), with the same counts and totals, the header differing only
 * in its source digest and its controls: counts (check files) for an
 * unload, none for a dump.  Check files that disagree, a missing check
 * file, and each bad value are refused with the file, line and column;
 * the profile's limits are tried at their boundaries.
 */
#include "tests/support/tctest.h"

#include <iconv.h>
#include <sys/stat.h>
#include <zlib.h>

#include "core/batch.h"
#include "core/digest.h"
#include "extract/emit.h"
#include "extract/extract.h"
#include "extract/profile.h"
#include "extract/unload.h"
#include "generate/gen.h"
#include "tests/support/batchcmp.h"
#include "tests/support/pgtest.h"

static const char *const TABLES[] = {"xt_dw", "kj_km", "kj_kmye", "kj_pz", "kj_pzmx", "zj_jfmx",
                                     "cz_bz", "yy_jsqf", "yh_zh", "yh_dzd", "gr_zh"};
#define NTABLES 11
static const char *const TYPES[] = {"account", "bank_account", "balance", "voucher_line",
                                    "contribution", "subsidy", "payable", "bank_statement",
                                    "bank_entry", "personal_account"};

static char *work;
static char refdir[1024];   /* batches of the pg_dump of the county */
static int has_sqlite;

/* ---------------------------------------------------------------- helpers */

static PGconn *conn;

/* COPY (the statement, TO STDOUT) into path; the server's own bytes. */
static void copy_out(const char *sql, const char *path)
{
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_OUT)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    PQclear(r);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    char *buf;
    int n;
    while ((n = PQgetCopyData(conn, &buf, 0)) > 0) {
        assert_int_equal(fwrite(buf, 1, (size_t)n, f), (size_t)n);
        PQfreemem(buf);
    }
    assert_int_equal(n, -1);
    PQclear(PQgetResult(conn));
    fclose(f);
}

static void write_text(const char *path, const char *text)
{
    assert_int_equal(tctest_spit(path, text, strlen(text)), 0);
}

static char *profile_path(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/extract/profiles/%s.ini", TC_TEST_SOURCE_DIR, name);
    return buf;
}

/* Extract src (through profile, NULL: yb2008) into a new folder: 0, or the
 * refusal's code with its message in e. */
static int extract(const char *src, const char *profile, char *out, size_t n, tc_err *e)
{
    char *d = tctest_tmpdir();
    snprintf(out, n, "%s", d);
    free(d);
    tc_extract_opts o = {.outdir = out, .profile = profile};
    tc_extract_result r;
    tc_err_clear(e);
    return tc_extract_source(src, &o, &r, e);
}

static void extract_ok(const char *src, const char *profile, char *out, size_t n)
{
    tc_err e;
    if (extract(src, profile, out, n, &e)) {
        char b[2048];
        fail_msg("%s: %s", src, tc_err_format(&e, b, sizeof(b)));
    }
}

/* dir's batches hold the reference's records, byte for byte, with the same
 * counts and totals; the header's source differs, its controls are want. */
static void same_as_dump(const char *ref, const char *dir, const char *county, tc_controls want)
{
    for (int t = 0; t < 10; t++) {
        tc_controls ca, cb;
        tctest_same_batch(ref, dir, county, TYPES[t], &ca, &cb);
        assert_int_equal(ca, TC_CONTROLS_NONE);
        assert_int_equal(cb, want);
    }
}

/* A check file per data file: its row count (and more, per fmt). */
static void write_check(const char *dir, const char *file, const char *check, long long rows)
{
    char p[1200], t[64];
    snprintf(p, sizeof(p), "%s/%s", dir, check);
    snprintf(t, sizeof(t), "%lld\n", rows);
    write_text(p, t);
    (void)file;
}

static long long count_rows(const char *table)
{
    char q[128];
    snprintf(q, sizeof(q), "SELECT count(*) FROM %s", table);
    return pgtest_value(conn, q);
}

/* ------------------------------------------------------------ fixtures */

static int setup(void **state)
{
    if (pgtest_setup(state))
        return -1;
    work = tctest_tmpdir();
    char city[1024], gz[1200], plain[1200], out[1200];
    snprintf(city, sizeof(city), "%s/city", work);
    tc_gen_options o;
    tc_gen_defaults(&o);
    o.dir = city;
    o.records = 400;
    o.only = "220182";
    tc_err e;
    if (tc_gen_city(&o, &e))
        return fprintf(stderr, "generate: %s %s\n", e.msg, e.hint), -1;
    /* the generated dump, restored: the county's legacy database */
    snprintf(gz, sizeof(gz), "%s/sources/220182.sql.gz", city);
    snprintf(plain, sizeof(plain), "%s/restore.sql", work);
    gzFile g = gzopen(gz, "rb");
    FILE *f = fopen(plain, "wb");
    char buf[65536];
    int n;
    while (g && f && (n = gzread(g, buf, sizeof(buf))) > 0)
        fwrite(buf, 1, (size_t)n, f);
    gzclose(g);
    fclose(f);
    chmod(work, 0755);
    chmod(plain, 0644);
    if (pgtest_createdb("yb"))
        return -1;
    tc_pgserver *s = pgtest_server();
    const char *restore[] = {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "yb", "-f", plain,
                             NULL};
    if (tc_pgserver_run(s, restore, NULL, &e))
        return fprintf(stderr, "restore: %s %s\n", e.msg, e.hint), -1;
    conn = pgtest_connect("yb");
    /* text that a reader splitting bytes before decoding them would cut */
    pgtest_exec(conn, "UPDATE kj_km SET kmmc = kmmc || '億乗'");
    pgtest_exec(conn, "UPDATE kj_pz SET zy = zy || E' a|b,c\"d\\\\e 億' "
                      "WHERE pzh = (SELECT min(pzh) FROM kj_pz)");
    /* the reference: the real pg_dump of that database */
    snprintf(out, sizeof(out), "%s/yb.sql", work);
    const char *dump[] = {"pg_dump", "--no-owner", "--encoding=GBK", "--format=plain", "yb", NULL};
    if (tc_pgserver_run(s, dump, out, &e))
        return fprintf(stderr, "pg_dump: %s %s\n", e.msg, e.hint), -1;
    char *d = tctest_tmpdir();
    snprintf(refdir, sizeof(refdir), "%s", d);
    free(d);
    tc_extract_opts eo = {.outdir = refdir};
    tc_extract_result r;
    if (tc_extract_source(out, &eo, &r, &e))
        return fprintf(stderr, "extract the dump: %s\n", e.msg), -1;
    has_sqlite = system("sqlite3 -version >/dev/null 2>&1") == 0;
    return 0;
}

static int teardown(void **state)
{
    PQfinish(conn);
    tctest_rmtree(work);
    tctest_rmtree(refdir);
    free(work);
    return pgtest_teardown(state);
}

/* COPY of every table into dir (ext, options), with check files. */
static void unload_copy(const char *dir, const char *ext, const char *options)
{
    mkdir(dir, 0700);
    for (int i = 0; i < NTABLES; i++) {
        char sql[256], path[1200], name[64], chk[80];
        snprintf(name, sizeof(name), "%s.%s", TABLES[i], ext);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        snprintf(sql, sizeof(sql), "COPY %s TO STDOUT %s", TABLES[i], options);
        copy_out(sql, path);
        snprintf(chk, sizeof(chk), "%s.chk", name);
        write_check(dir, name, chk, count_rows(TABLES[i]));
    }
}

/* ------------------------------------------------------------- the tests */

static void test_copy_gb18030_pipe(void **state)
{
    (void)state;
    char dir[1100], prof[1100], base[1100], out[1100];
    snprintf(dir, sizeof(dir), "%s/copy-gb", work);
    unload_copy(dir, "txt", "(ENCODING 'GB18030', DELIMITER '|')");
    /* the bytes really are GB18030 with 億 (0x83 0x7C) next to '|' */
    char p[1200];
    size_t n;
    snprintf(p, sizeof(p), "%s/kj_km.txt", dir);
    unsigned char *b = tctest_slurp(p, &n);
    assert_non_null(memmem(b, n, "\x83\x7c\x81\x5c", 4));
    free(b);
    snprintf(prof, sizeof(prof), "%s/copy-gb.ini", work);
    char text[1400];
    snprintf(text, sizeof(text), "[profile]\nname = COPY GB18030 |\ninclude = %s\n[unload]\n"
             "encoding = GB18030\ndelimiter = |\n", profile_path("yb2008-copy-text", base,
                                                                 sizeof(base)));
    write_text(prof, text);
    extract_ok(dir, prof, out, sizeof(out));
    same_as_dump(refdir, out, "220182", TC_CONTROLS_COUNTS);
    tctest_rmtree(out);
}

static void test_copy_csv(void **state)
{
    (void)state;
    char dir[1100], out[1100];
    snprintf(dir, sizeof(dir), "%s/copy-csv", work);
    unload_copy(dir, "csv", "(FORMAT csv)");
    extract_ok(dir, "yb2008-copy-csv", out, sizeof(out));
    same_as_dump(refdir, out, "220182", TC_CONTROLS_COUNTS);
    /* the batches' source is the folder's digest, as the audit trail takes
     * it (tc_digest_file): its files in name order, each name, \n, bytes */
    char batch[1300], digest[TC_DIGEST_TEXT_MAX];
    tc_batch_header h;
    tc_batch_summary sum;
    tc_err e;
    tc_emit_batch_path(batch, sizeof(batch), out, "220182", "balance");
    assert_int_equal(tc_batch_verify(batch, &h, &sum, &e), 0);
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, dir, digest, &e), 0);
    assert_string_equal(h.source, digest);
    tctest_rmtree(out);
    /* with a header row, as COPY (FORMAT csv, HEADER) writes it */
    char hdir[1100], prof[1100], base[1100], text[1400];
    snprintf(hdir, sizeof(hdir), "%s/copy-csv-header", work);
    unload_copy(hdir, "csv", "(FORMAT csv, HEADER)");
    snprintf(prof, sizeof(prof), "%s/csv-header.ini", work);
    snprintf(text, sizeof(text), "[profile]\ninclude = %s\n[unload]\nheader = yes\n",
             profile_path("yb2008-copy-csv", base, sizeof(base)));
    write_text(prof, text);
    extract_ok(hdir, prof, out, sizeof(out));
    same_as_dump(refdir, out, "220182", TC_CONTROLS_COUNTS);
    tctest_rmtree(out);
}

/* The CSV unload imported into sqlite (columns as text, so that values stay
 * as written) and exported by sqlite3 in its csv and list modes. */
static void test_sqlite_modes(void **state)
{
    (void)state;
    if (!has_sqlite) {
        fprintf(stderr, "sqlite3 is not installed: its export modes are not tried\n");
        return;
    }
    char script[1200], db[1200], csvdir[1200], listdir[1200], cmd[4000];
    snprintf(script, sizeof(script), "%s/sqlite.sql", work);
    snprintf(db, sizeof(db), "%s/yb.sqlite", work);
    snprintf(csvdir, sizeof(csvdir), "%s/sqlite-csv", work);
    snprintf(listdir, sizeof(listdir), "%s/sqlite-list", work);
    mkdir(csvdir, 0700);
    mkdir(listdir, 0700);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, ".mode csv\n");
    for (int i = 0; i < NTABLES; i++) {
        /* the columns of the CSV file, all of text affinity */
        char sql[256];
        snprintf(sql, sizeof(sql), "SELECT string_agg(column_name || ' TEXT', ', ' ORDER BY "
                 "ordinal_position) FROM information_schema.columns WHERE table_name = '%s'",
                 TABLES[i]);
        PGresult *r = PQexec(conn, sql);
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        fprintf(f, "CREATE TABLE %s (%s);\n.import %s/copy-csv/%s.csv %s\n", TABLES[i],
                PQgetvalue(r, 0, 0), work, TABLES[i], TABLES[i]);
        PQclear(r);
        fprintf(f, ".mode csv\n.output %s/%s.csv\nSELECT * FROM %s;\n", csvdir, TABLES[i],
                TABLES[i]);
        fprintf(f, ".mode list\n.separator \"\\037\" \"\\n\"\n.output %s/%s.txt\n"
                "SELECT * FROM %s;\n.output stdout\n.mode csv\n", listdir, TABLES[i], TABLES[i]);
    }
    fclose(f);
    snprintf(cmd, sizeof(cmd), "sqlite3 -batch %s <%s", db, script);
    assert_int_equal(system(cmd), 0);
    for (int i = 0; i < NTABLES; i++) {
        char n1[80], n2[80];
        snprintf(n1, sizeof(n1), "%s.csv.chk", TABLES[i]);
        snprintf(n2, sizeof(n2), "%s.txt.chk", TABLES[i]);
        write_check(csvdir, "", n1, count_rows(TABLES[i]));
        write_check(listdir, "", n2, count_rows(TABLES[i]));
    }
    char out[1100], prof[1100], base[1100], text[1400];
    /* sqlite's csv mode ends its lines in CR LF, as RFC 4180 has it */
    snprintf(prof, sizeof(prof), "%s/sqlite-csv.ini", work);
    snprintf(text, sizeof(text), "[profile]\ninclude = %s\n[unload]\nnewline = crlf\n",
             profile_path("yb2008-copy-csv", base, sizeof(base)));
    write_text(prof, text);
    extract_ok(csvdir, prof, out, sizeof(out));
    same_as_dump(refdir, out, "220182", TC_CONTROLS_COUNTS);
    tctest_rmtree(out);
    /* list mode: 0x1F between fields, no quoting, NULL as an empty field */
    snprintf(prof, sizeof(prof), "%s/sqlite-list.ini", work);
    snprintf(text, sizeof(text), "[profile]\ninclude = %s\n[unload]\nfile = {table}.txt\n"
             "delimiter = 0x1F\nquote = none\nescape = none\n",
             profile_path("yb2008-copy-csv", base, sizeof(base)));
    write_text(prof, text);
    extract_ok(listdir, prof, out, sizeof(out));
    same_as_dump(refdir, out, "220182", TC_CONTROLS_COUNTS);
    tctest_rmtree(out);
}

/* ------------------------------------------------- sqluldr2 and bcp by hand */

/* One small county: the same rows as SQL, as sqluldr2 writes them and as
 * bcp -c writes them. */
static const char *const HAND_SQL =
    "CREATE TABLE xt_dw (dwbm char(6), dwmc varchar(60), jzrq date);"
    "CREATE TABLE kj_km (kmdm varchar(10), kmmc varchar(60), kmlb char(1));"
    "CREATE TABLE kj_kmye (xzlx char(2), kmdm varchar(10), kjqj char(6), qcye numeric(16,2),"
    "  jffs numeric(16,2), dffs numeric(16,2), qmye numeric(16,2));"
    "CREATE TABLE kj_pz (pzh varchar(20), rq date, xzlx char(2), zy varchar(200));"
    "CREATE TABLE kj_pzmx (pzh varchar(20), hh int, kmdm varchar(10), jfje numeric(16,2),"
    "  dfje numeric(16,2), yhlsh varchar(30), zy varchar(200));"
    "CREATE TABLE zj_jfmx (jfdx varchar(18), dxlb char(1), xzlx char(2), ssq char(6), jfjs bigint,"
    "  fl numeric(6,4), yjje bigint, sjje bigint);"
    "CREATE TABLE cz_bz (jb char(1), xzlx char(2), nd int, ydje numeric(16,2), sdje numeric(16,2));"
    "CREATE TABLE yy_jsqf (ddbm varchar(20), ddmc varchar(100), xzlx char(2), jsqj char(6),"
    "  jsje numeric(16,2), zfje numeric(16,2));"
    "CREATE TABLE yh_zh (zh varchar(30), xzlx char(2), yt char(1), kmdm varchar(10), khh varchar(60));"
    "CREATE TABLE yh_dzd (zh varchar(30), rq date, lsh varchar(30), je numeric(16,2), ye numeric(16,2));"
    "CREATE TABLE gr_zh (sfzh varchar(18), xzlx char(2), ye numeric(16,2));"
    "INSERT INTO xt_dw VALUES ('220182', '榆树市', '2021-06-30');"
    "INSERT INTO kj_km VALUES ('104', '收入户存款億', '1'), ('401', '社会保险费收入', '4');"
    "INSERT INTO kj_kmye VALUES ('01', '104', '202101', 100.00, 350.50, 0, 450.50);"
    "INSERT INTO kj_pz VALUES ('2021-01-0007', '2021-01-15', '01', '收1月缴费乗');"
    "INSERT INTO kj_pzmx VALUES ('2021-01-0007', 1, '104', 350.50, 0, 'B001', NULL),"
    "  ('2021-01-0007', 2, '401', 0, 350.50, '', '贷方');"
    "INSERT INTO zj_jfmx VALUES ('91350100M000100Y43', '1', '01', '202101', 500000, 0.0700, 35000, 35000),"
    "  ('11010519491231002X', '2', '01', '202101', 500000, 0.0200, 10000, 9999);"
    "INSERT INTO cz_bz VALUES ('4', '02', 2021, 1200000.00, 0.50);"
    "INSERT INTO yy_jsqf VALUES ('YS0012', '榆树市人民医院', '01', '202101', 560000.00, -0.50);"
    "INSERT INTO yh_zh VALUES ('22001234567890', '01', '1', '104', '中国银行榆树支行');"
    "INSERT INTO yh_dzd VALUES ('22001234567890', '2021-02-03', 'B003', -20.00, 430.50),"
    "  ('22001234567890', '2021-01-15', 'B001', 350.50, 450.50);"
    "INSERT INTO gr_zh VALUES ('11010519491231002X', '01', 1234.56);";

/* sqluldr2: comma, no quotes, NULL empty, Oracle's numbers (.5, 350.5,
 * 100) and DATE with its time.  (In UTF-8 here; written as GB18030.) */
static const char *const ULDR[NTABLES] = {
    "220182,榆树市,2021-06-30 00:00:00\n",
    "104,收入户存款億,1\n401,社会保险费收入,4\n",
    "01,104,202101,100,350.5,0,450.5\n",
    "2021-01-0007,2021-01-15 00:00:00,01,收1月缴费乗\n",
    "2021-01-0007,1,104,350.5,0,B001,\n2021-01-0007,2,401,0,350.5,,贷方\n",
    "91350100M000100Y43,1,01,202101,500000,.07,35000,35000\n"
    "11010519491231002X,2,01,202101,500000,.02,10000,9999\n",
    "4,02,2021,1200000,.5\n",
    "YS0012,榆树市人民医院,01,202101,560000,-.5\n",
    "22001234567890,01,1,104,中国银行榆树支行\n",
    "22001234567890,2021-02-03 00:00:00,B003,-20,430.5\n"
    "22001234567890,2021-01-15 08:30:00,B001,350.5,450.5\n",
    "11010519491231002X,01,1234.56\n",
};

/* bcp -c: tab, CR LF, NULL empty, an empty text one NUL byte, datetime
 * with milliseconds, decimal(16,2) with both decimals. */
static const char *const BCP[NTABLES] = {
    "220182\t榆树市\t2021-06-30 00:00:00.000\r\n",
    "104\t收入户存款億\t1\r\n401\t社会保险费收入\t4\r\n",
    "01\t104\t202101\t100.00\t350.50\t0.00\t450.50\r\n",
    "2021-01-0007\t2021-01-15 00:00:00.000\t01\t收1月缴费乗\r\n",
    "2021-01-0007\t1\t104\t350.50\t0.00\tB001\t\r\n2021-01-0007\t2\t401\t0.00\t350.50\t@\t贷方\r\n",
    "91350100M000100Y43\t1\t01\t202101\t500000\t0.0700\t35000\t35000\r\n"
    "11010519491231002X\t2\t01\t202101\t500000\t0.0200\t10000\t9999\r\n",
    "4\t02\t2021\t1200000.00\t0.50\r\n",
    "YS0012\t榆树市人民医院\t01\t202101\t560000.00\t-0.50\r\n",
    "22001234567890\t01\t1\t104\t中国银行榆树支行\r\n",
    "22001234567890\t2021-02-03 00:00:00.000\tB003\t-20.00\t430.50\r\n"
    "22001234567890\t2021-01-15 08:30:00.000\tB001\t350.50\t450.50\r\n",
    "11010519491231002X\t01\t1234.56\r\n",
};

/* Write the rows in GB18030 as file name(table) with its check file. */
static void write_gb(const char *dir, const char *name, const char *utf8, const char *chk)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    size_t n = strlen(utf8), cap = n * 2 + 8, left = cap;
    char *out = malloc(cap), *o = out, *in = (char *)utf8;
    assert_int_not_equal(iconv(cd, &in, &n, &o, &left), (size_t)-1);
    iconv_close(cd);
    /* '@' stands for the NUL byte bcp writes for an empty text */
    size_t len = (size_t)(o - out), rows = 0;
    for (size_t i = 0; i < len; i++) {
        if (out[i] == '@')
            out[i] = '\0';
        rows += out[i] == '\n';
    }
    assert_int_equal(tctest_spit(path, out, len), 0);
    free(out);
    char c[64];
    snprintf(c, sizeof(c), "%zu\n", rows);
    snprintf(path, sizeof(path), "%s/%s", dir, chk);
    write_text(path, c);
}

static void test_sqluldr2_and_bcp(void **state)
{
    (void)state;
    assert_int_equal(pgtest_createdb("hand"), 0);
    PGconn *c = pgtest_connect("hand");
    pgtest_exec(c, HAND_SQL);
    PQfinish(c);
    char dump[1200], ref[1100], out[1100];
    tc_err e;
    snprintf(dump, sizeof(dump), "%s/hand.sql", work);
    const char *argv[] = {"pg_dump", "--no-owner", "--format=plain", "hand", NULL};
    if (tc_pgserver_run(pgtest_server(), argv, dump, &e))
        fail_msg("pg_dump: %s", e.hint);
    extract_ok(dump, NULL, ref, sizeof(ref));
    char uldr[1100], bcp[1100];
    snprintf(uldr, sizeof(uldr), "%s/sqluldr2", work);
    snprintf(bcp, sizeof(bcp), "%s/bcp", work);
    mkdir(uldr, 0700);
    mkdir(bcp, 0700);
    for (int i = 0; i < NTABLES; i++) {
        char n[80], k[80];
        snprintf(n, sizeof(n), "%s.txt", TABLES[i]);
        snprintf(k, sizeof(k), "%s.txt.chk", TABLES[i]);
        write_gb(uldr, n, ULDR[i], k);
        snprintf(n, sizeof(n), "%s.dat", TABLES[i]);
        snprintf(k, sizeof(k), "%s.chk", TABLES[i]);
        write_gb(bcp, n, BCP[i], k);
    }
    extract_ok(uldr, "yb2008-sqluldr2", out, sizeof(out));
    same_as_dump(ref, out, "220182", TC_CONTROLS_COUNTS);
    tctest_rmtree(out);
    extract_ok(bcp, "yb2008-bcp", out, sizeof(out));
    same_as_dump(ref, out, "220182", TC_CONTROLS_COUNTS);
    tctest_rmtree(out);
    /* DataX txtfilewriter: UTF-8, comma, \N for NULL, datetimes without
     * milliseconds, files named TABLE__<suffix> with TABLE__<suffix>.ok
     * giving rows and bytes - made from the bcp rows */
    char datax[1100];
    snprintf(datax, sizeof(datax), "%s/datax", work);
    mkdir(datax, 0700);
    for (int i = 0; i < NTABLES; i++) {
        char text[1024], *o = text;
        int rows = 0;
        for (const char *q = BCP[i], *field = BCP[i]; *q; q++) {
            if (*q == '\t' || *q == '\r') {
                if (q == field)
                    o += sprintf(o, "\\N");   /* bcp's NULL: an empty field */
                if (*q == '\t')
                    *o++ = ',', field = q + 1;
                else
                    *o++ = '\n', q++, field = q + 1, rows++;
            } else if (*q == '@') {
                /* bcp's empty text: nothing */
            } else if (strncmp(q, ".000", 4) == 0 && (q[4] == '\t' || q[4] == '\r')) {
                q += 3;
            } else {
                *o++ = *q;
            }
        }
        *o = '\0';
        char path[1200], ok[1200], c[64];
        snprintf(path, sizeof(path), "%s/%s__a1b2c3", datax, TABLES[i]);
        write_text(path, text);
        snprintf(ok, sizeof(ok), "%s.ok", path);
        snprintf(c, sizeof(c), "%d %zu\n", rows, strlen(text));
        write_text(ok, c);
    }
    extract_ok(datax, "yb2008-datax", out, sizeof(out));
    same_as_dump(ref, out, "220182", TC_CONTROLS_COUNTS);
    tctest_rmtree(out);
    tctest_rmtree(ref);
}

/* ------------------------------------------------------------ check files */

/* A copy of the CSV unload in dir, ready to be damaged. */
static void csv_copy(const char *dir)
{
    char cmd[3000];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -r '%s/copy-csv' '%s'", dir, work, dir);
    assert_int_equal(system(cmd), 0);
}

/* src through profile is refused (exit 3) with every word of want, and
 * nothing is written. */
static void refused(const char *src, const char *profile, const char *const *want)
{
    char out[1100], msg[2048];
    tc_err e;
    int rc = extract(src, profile, out, sizeof(out), &e);
    tc_err_format(&e, msg, sizeof(msg));
    if (rc != TC_EINPUT)
        fail_msg("%s: rc %d, wanted a refusal: %s", src, rc, msg);
    for (int i = 0; want[i]; i++)
        if (!strstr(msg, want[i]))
            fail_msg("%s: the refusal lacks '%s': %s", src, want[i], msg);
    assert_int_equal(tctest_count_files(out), 0);
    tctest_rmtree(out);
}

static void test_check_files(void **state)
{
    (void)state;
    char dir[1100], p[1200], prof[1100], base[1100], text[1600], out[1100];
    snprintf(dir, sizeof(dir), "%s/chk", work);
    long long n = count_rows("zj_jfmx");
    char nn[32], n1[32];
    snprintf(nn, sizeof(nn), "%lld", n);
    snprintf(n1, sizeof(n1), "%lld", n + 1);

    /* the county's side says one row more than the file holds */
    csv_copy(dir);
    snprintf(p, sizeof(p), "%s/zj_jfmx.csv.chk", dir);
    snprintf(text, sizeof(text), "%lld\n", n + 1);
    write_text(p, text);
    refused(dir, "yb2008-copy-csv",
            (const char *[]){"zj_jfmx.csv.chk gives", n1, "rows, the file holds", nn, NULL});

    /* a row deleted from the file, the check file as it came */
    csv_copy(dir);
    snprintf(text, sizeof(text), "sed -i 5d '%s/zj_jfmx.csv'", dir);
    assert_int_equal(system(text), 0);
    char nm1[32];
    snprintf(nm1, sizeof(nm1), "the file holds %lld", n - 1);
    refused(dir, "yb2008-copy-csv", (const char *[]){"zj_jfmx.csv", nm1, NULL});

    /* a missing check file */
    csv_copy(dir);
    snprintf(p, sizeof(p), "%s/kj_pz.csv.chk", dir);
    unlink(p);
    refused(dir, "yb2008-copy-csv",
            (const char *[]){"kj_pz.csv.chk is missing", "check = none", NULL});

    /* ... is fine when the profile says there are none, and the batches say
     * the source came without control totals */
    snprintf(prof, sizeof(prof), "%s/nochk.ini", work);
    snprintf(text, sizeof(text), "[profile]\ninclude = %s\n[unload]\ncheck = none\n",
             profile_path("yb2008-copy-csv", base, sizeof(base)));
    write_text(prof, text);
    extract_ok(dir, prof, out, sizeof(out));
    same_as_dump(refdir, out, "220182", TC_CONTROLS_NONE);
    tctest_rmtree(out);

    /* rows, size and MD5: the real figures pass, each one changed is refused */
    csv_copy(dir);
    snprintf(prof, sizeof(prof), "%s/md5.ini", work);
    snprintf(text, sizeof(text), "[profile]\ninclude = %s\n[unload]\ncheck = {stem}.ok\n"
             "check_fields = name rows bytes md5 skip\ncheck_delimiter = |\n",
             profile_path("yb2008-copy-csv", base, sizeof(base)));
    write_text(prof, text);
    char bytes[32] = "", md5[40] = "";
    for (int i = 0; i < NTABLES; i++) {
        char cmd[1500];
        snprintf(cmd, sizeof(cmd), "cd '%s' && rm %s.csv.chk && printf '%%s|%%s|%%s|%%s|"
                 "2021-07-01 02:00:00\\n' %s.csv %lld $(stat -c %%s %s.csv) "
                 "$(md5sum %s.csv | cut -c1-32) >%s.ok", dir, TABLES[i], TABLES[i],
                 count_rows(TABLES[i]), TABLES[i], TABLES[i], TABLES[i]);
        assert_int_equal(system(cmd), 0);
    }
    extract_ok(dir, prof, out, sizeof(out));
    same_as_dump(refdir, out, "220182", TC_CONTROLS_COUNTS);
    tctest_rmtree(out);
    snprintf(p, sizeof(p), "%s/gr_zh.ok", dir);
    size_t len;
    char *ok = (char *)tctest_slurp(p, &len);
    /* name|rows|bytes|md5|time */
    char *f2 = strchr(strchr(ok, '|') + 1, '|') + 1, *f3 = strchr(f2, '|') + 1;
    snprintf(bytes, sizeof(bytes), "%.*s", (int)(f3 - f2 - 1), f2);
    snprintf(md5, sizeof(md5), "%.32s", f3);
    char edited[600];
    long long b = atoll(bytes);
    snprintf(edited, sizeof(edited), "%.*s%lld%s", (int)(f2 - ok), ok, b - 1, f3 - 1);
    write_text(p, edited);
    char want1[64], want2[64];
    snprintf(want1, sizeof(want1), "gives %lld bytes", b - 1);
    snprintf(want2, sizeof(want2), "the file holds %lld", b);
    refused(dir, prof, (const char *[]){"gr_zh.ok", want1, want2, NULL});
    /* an MD5 that differs in its last digit */
    snprintf(edited, sizeof(edited), "%s", ok);
    char *m = strstr(edited, md5);
    m[31] = m[31] == '0' ? '1' : '0';
    write_text(p, edited);
    refused(dir, prof, (const char *[]){"gr_zh.ok gives MD5", "the file's is", md5, NULL});
    /* a check file naming another file */
    snprintf(edited, sizeof(edited), "gr_zh2.csv%s", strchr(ok, '|'));
    write_text(p, edited);
    refused(dir, prof, (const char *[]){"names the file gr_zh2.csv, not gr_zh.csv", NULL});
    free(ok);
}

/* ---------------------------------------------------------- bad values */

/* The CSV unload with the first `from` of table's file replaced by `to`. */
static void damaged(const char *dir, const char *table, const char *from, const char *to)
{
    csv_copy(dir);
    char p[1200];
    snprintf(p, sizeof(p), "%s/%s.csv", dir, table);
    size_t n;
    char *d = (char *)tctest_slurp(p, &n);
    char *at = strstr(d, from);
    if (!at)
        fail_msg("'%s' is not in %s", from, p);
    FILE *f = fopen(p, "wb");
    fwrite(d, 1, (size_t)(at - d), f);
    fwrite(to, 1, strlen(to), f);
    fwrite(at + strlen(from), 1, n - (size_t)(at - d) - strlen(from), f);
    fclose(f);
    free(d);
}

static void test_bad_values(void **state)
{
    (void)state;
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/bad", work);
    /* the first row of gr_zh is line 1: damage it */
    PGresult *r = PQexec(conn, "COPY (SELECT sfzh, xzlx, ye FROM gr_zh LIMIT 1) TO STDOUT "
                               "(FORMAT csv)");
    assert_int_equal(PQresultStatus(r), PGRES_COPY_OUT);
    PQclear(r);
    char *row;
    int n = PQgetCopyData(conn, &row, 0);
    assert_true(n > 0);
    char first[256];
    snprintf(first, sizeof(first), "%.*s", n - 1, row);
    PQfreemem(row);
    PQgetCopyData(conn, &row, 0);
    PQclear(PQgetResult(conn));
    char *comma = strrchr(first, ',');
    char three[300], extra[300];
    snprintf(three, sizeof(three), "%.*s,12.345", (int)(comma - first), first);
    snprintf(extra, sizeof(extra), "%s,x", first);
    damaged(dir, "gr_zh", first, three);
    refused(dir, "yb2008-copy-csv",
            (const char *[]){"gr_zh.csv:1:", "column ye", "12.345", "at most two decimals",
                             NULL});
    damaged(dir, "gr_zh", first, extra);
    refused(dir, "yb2008-copy-csv",
            (const char *[]){"gr_zh.csv:1:4:", "4 fields where the profile names 3 columns",
                             NULL});
    /* a date that is not one: the 31st of February */
    damaged(dir, "yh_dzd", ",2021-", ",2021-02-31x");
    refused(dir, "yb2008-copy-csv", (const char *[]){"yh_dzd.csv:1:", "bad date", NULL});
    /* a stray quote; a quote never closed */
    damaged(dir, "kj_km", ",", ",a\"b");
    refused(dir, "yb2008-copy-csv",
            (const char *[]){"kj_km.csv:1:2:", "a quote inside a field", NULL});
    damaged(dir, "kj_km", ",", ",\"");
    refused(dir, "yb2008-copy-csv", (const char *[]){"kj_km.csv:", "never closes", NULL});
    /* a CR LF file under a profile saying LF */
    damaged(dir, "kj_km", "\n", "\r\n");
    refused(dir, "yb2008-copy-csv", (const char *[]){"kj_km.csv:1:", "CR LF", NULL});

    /* invalid GB18030 at a known byte offset: 0x80 is no lead byte, 0x81
     * 0x20 no character; UTF-8 refuses a lone continuation byte */
    char gb[1100], prof[1100], base[1100], text[1400];
    snprintf(gb, sizeof(gb), "%s/badgb", work);
    snprintf(text, sizeof(text), "rm -rf '%s' && cp -r '%s/copy-gb' '%s'", gb, work, gb);
    assert_int_equal(system(text), 0);
    snprintf(prof, sizeof(prof), "%s/copy-gb.ini", work);
    char p[1200];
    snprintf(p, sizeof(p), "%s/kj_km.txt", gb);
    size_t len;
    unsigned char *d = tctest_slurp(p, &len);
    unsigned char *nl = memchr(d, '\n', len);
    unsigned char *bar = memchr(nl, '|', len - (size_t)(nl - d));
    size_t off = (size_t)(bar - d) + 1;   /* the second line's second field */
    d[off] = 0x81;
    d[off + 1] = 0x20;
    tctest_spit(p, d, len);
    free(d);
    char wantoff[64];
    snprintf(wantoff, sizeof(wantoff), "byte offset %zu (81 20", off);
    refused(gb, prof, (const char *[]){"kj_km.txt:2:2:", wantoff, "not valid GB18030", NULL});
    damaged(dir, "kj_km", ",", ",\x80");
    refused(dir, "yb2008-copy-csv",
            (const char *[]){"kj_km.csv:1:2:", "not valid UTF-8", NULL});
    (void)prof;
    (void)base;
}

/* -------------------------------------------------------- profile limits */

static int load(const char *text, tc_err *e)
{
    char p[1100], base[1100], all[200000];
    snprintf(p, sizeof(p), "%s/limits.ini", work);
    snprintf(all, sizeof(all), "[profile]\ninclude = %s\n%s",
             profile_path("yb2008-copy-csv", base, sizeof(base)), text);
    write_text(p, all);
    tc_profile *prof = NULL;
    tc_err_clear(e);
    int rc = tc_profile_load(&prof, p, e);
    tc_profile_free(prof);
    return rc;
}

static void test_profile_limits(void **state)
{
    (void)state;
    tc_err e;
    /* delimiters of 1 to 8 characters; 0x1F; not 9, not non-ASCII */
    assert_int_equal(load("[unload]\ndelimiter = |+|+|+|+\n", &e), 0);
    assert_int_equal(load("[unload]\ndelimiter = 0x1F\n", &e), 0);
    assert_int_equal(load("[unload]\ndelimiter = |+|+|+|+|\n", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "1 to 8 ASCII characters"));
    assert_int_equal(load("[unload]\ndelimiter = 丨\n", &e), TC_EINPUT);
    /* a NULL token of 16 characters, not 17 */
    assert_int_equal(load("[unload]\nnull = 0123456789abcdef\n", &e), 0);
    assert_int_equal(load("[unload]\nnull = 0123456789abcdefg\n", &e), TC_EINPUT);
    /* 1600 columns, PostgreSQL's limit, over several lines; not 1601 */
    static char cols[120000];
    size_t k = (size_t)snprintf(cols, sizeof(cols), "[unload wide]\n");
    for (int i = 0; i < 1600; i++)
        k += (size_t)snprintf(cols + k, sizeof(cols) - k, "%scolumns = c%04d\n", "", i);
    assert_int_equal(load(cols, &e), 0);
    snprintf(cols + k, sizeof(cols) - k, "columns = c1600\n");
    assert_int_equal(load(cols, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "more than 1600 columns"));
    /* wrong combinations, unknown keys, a table the mapping reads without columns */
    assert_int_equal(load("[unload]\nescape = backslash\n", &e), TC_EINPUT);   /* quote " */
    assert_int_equal(load("[unload]\ndate = DD-MON-RR\n", &e), TC_EINPUT);
    assert_int_equal(load("[unload]\ncheck_fields = bytes md5\n", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "must name rows"));
    assert_int_equal(load("[unload]\ncolour = blue\n", &e), TC_EINPUT);
    assert_int_equal(load("[unload kj_km]\ncolumns = a\n", &e), TC_EINPUT);   /* twice */
    assert_int_equal(load("[account]\ntable = x\n", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "adds [unload] sections only"));
    /* every shipped unload profile loads */
    static const char *const shipped[] = {"yb2008-sqluldr2", "yb2008-sqlplus", "yb2008-datax",
                                          "yb2008-dmfldr",   "yb2008-bcp",     "yb2008-copy-text",
                                          "yb2008-copy-csv"};
    for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
        char path[1100];
        tc_profile *prof = NULL;
        if (tc_profile_load(&prof, profile_path(shipped[i], path, sizeof(path)), &e))
            fail_msg("%s: %s", shipped[i], e.msg);
        assert_true(tc_unload_profile(prof) && tc_unload_has_checks(prof));
        tc_profile_free(prof);
    }

    /* the longest record: at the limit it is read, one byte over refused */
    char dir[1100], out[1100];
    snprintf(dir, sizeof(dir), "%s/long", work);
    csv_copy(dir);
    /* the longest line of any file */
    size_t first = 0;
    for (int i = 0; i < NTABLES; i++) {
        char p[1200];
        snprintf(p, sizeof(p), "%s/%s.csv", dir, TABLES[i]);
        size_t len;
        char *d = (char *)tctest_slurp(p, &len);
        for (char *s = d, *nl; (nl = memchr(s, '\n', len - (size_t)(s - d))); s = nl + 1)
            if ((size_t)(nl - s) > first)
                first = (size_t)(nl - s);
        free(d);
    }
    tc_unload_set_max_record((long)first);
    extract_ok(dir, "yb2008-copy-csv", out, sizeof(out));
    tctest_rmtree(out);
    tc_unload_set_max_record((long)first - 1);
    char want[80];
    snprintf(want, sizeof(want), "longer than the %zu", first - 1);
    refused(dir, "yb2008-copy-csv", (const char *[]){".csv:", want, NULL});
    tc_unload_set_max_record(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_gb18030_pipe), cmocka_unit_test(test_copy_csv),
        cmocka_unit_test(test_sqlite_modes),      cmocka_unit_test(test_sqluldr2_and_bcp),
        cmocka_unit_test(test_check_files),       cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_profile_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
