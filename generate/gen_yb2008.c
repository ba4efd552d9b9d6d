/*
 * gen_yb2008.c - a sink that fills a legacy YB2008 county database
 * (shared/spec/legacy-db.md) in a throwaway PostgreSQL, then dumps it with
 * the real pg_dump: plain SQL gzipped with a GBK client encoding, or the
 * custom format.
 *
 * Records arrive in canonical form and leave as the vendor stored them:
 * pinyin-initial tables, periods as YYYYMM, codes 1-4 for kinds, levels and
 * bank roles, contribution amounts in fen, everything else in yuan, bank
 * statements as rows with a running balance.  The large tables stream
 * through COPY; vouchers (small) are held until their section ends, because
 * the lines reference the voucher table.
 *
 * A custom-format dump carries the time it was made (pg_dump's crtm); the
 * sink sets it to the cutover date so that the same seed gives the same
 * bytes.  The header layout is checked before it is touched.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/money.h"
#include "generate/gen_int.h"
#include "generate/gen_legacy.h"
#include "db/pgserver.h"

static const char *const ddl_common =
    "CREATE TABLE xt_dw (dwbm char(6) PRIMARY KEY, dwmc varchar(60), jzrq date);\n"
    "CREATE TABLE kj_km (kmdm varchar(10) PRIMARY KEY, kmmc varchar(60), kmlb char(1));\n"
    "CREATE TABLE kj_kmye (xzlx char(2), kmdm varchar(10), kjqj char(6),\n"
    "  qcye numeric(16,2), jffs numeric(16,2), dffs numeric(16,2), qmye numeric(16,2),\n"
    "  PRIMARY KEY (xzlx, kmdm, kjqj));\n"
    "CREATE TABLE kj_pz (pzh varchar(20) PRIMARY KEY, rq date, xzlx char(2), zy varchar(200));\n"
    "CREATE TABLE kj_pzmx (pzh varchar(20) REFERENCES kj_pz, hh int, kmdm varchar(10),\n"
    "  jfje numeric(16,2), dfje numeric(16,2), yhlsh varchar(30), zy varchar(200),\n"
    "  PRIMARY KEY (pzh, hh));\n"
    "CREATE TABLE cz_bz (jb char(1), xzlx char(2), nd int, ydje numeric(16,2), sdje numeric(16,2),\n"
    "  PRIMARY KEY (jb, xzlx, nd));\n"
    "CREATE TABLE yy_jsqf (ddbm varchar(20), ddmc varchar(100), xzlx char(2), jsqj char(6),\n"
    "  jsje numeric(16,2), zfje numeric(16,2), PRIMARY KEY (ddbm, xzlx, jsqj));\n"
    "CREATE TABLE yh_zh (zh varchar(30) PRIMARY KEY, xzlx char(2), yt char(1), kmdm varchar(10),\n"
    "  khh varchar(60));\n"
    "CREATE TABLE yh_dzd (zh varchar(30) REFERENCES yh_zh, rq date, lsh varchar(30),\n"
    "  je numeric(16,2), ye numeric(16,2), PRIMARY KEY (zh, lsh));\n"
    "CREATE TABLE gr_zh (sfzh varchar(18), xzlx char(2), ye numeric(16,2),\n"
    "  PRIMARY KEY (sfzh, xzlx));\n";

/* zj_jfmx as the spec has it, and as one county's copy really is: the
 * vendor dropped the primary key for a bulk import and never put it back,
 * so a double-imported row could get in. */
static const char *const ddl_jfmx_pk =
    "CREATE TABLE zj_jfmx (jfdx varchar(18), dxlb char(1), xzlx char(2), ssq char(6),\n"
    "  jfjs bigint, fl numeric(6,4), yjje bigint, sjje bigint,\n"
    "  PRIMARY KEY (jfdx, dxlb, xzlx, ssq));\n";
static const char *const ddl_jfmx_nopk =
    "CREATE TABLE zj_jfmx (jfdx varchar(18), dxlb char(1), xzlx char(2), ssq char(6),\n"
    "  jfjs bigint, fl numeric(6,4), yjje bigint, sjje bigint);\n"
    "CREATE INDEX zj_jfmx_jfdx ON zj_jfmx (jfdx);\n";

typedef struct strbuf {
    char *p;
    size_t n, cap;
} strbuf;

typedef struct yb_sink {
    gen_sink base;
    const gen_county *c;
    tc_pgserver *srv;
    PGconn *conn;
    char dbname[64];
    char path[1024];
    char cutover[11];
    unsigned legacy_as;     /* TC_GEN_LEGACY_* */
    const char *legacy_dir;
    int copying;            /* record type being copied, -1 none */
    strbuf row;             /* COPY row being built, or held rows */
    strbuf pz, pzmx;        /* vouchers held until their section ends */
    char last_pz[40];
    int64_t running;        /* bank statement running balance */
    tc_err *e;
} yb_sink;

static int sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1 << 16;
        while (nc < b->n + n + 1)
            nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q)
            return TC_ENOMEM;
        b->p = q;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    return 0;
}

/* A COPY text field: escape backslash, tab, newline, carriage return. */
static void field(strbuf *b, const char *s, size_t n, int last)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = s[i] == '\\' ? "\\\\" : s[i] == '\t' ? "\\t" : s[i] == '\n' ? "\\n"
                          : s[i] == '\r' ? "\\r" : NULL;
        if (rep) {
            sb_put(b, s + start, i - start);
            sb_put(b, rep, 2);
            start = i + 1;
        }
    }
    sb_put(b, s + start, n - start);
    sb_put(b, last ? "\n" : "\t", 1);
}

static void fs(strbuf *b, const char *s, int last) { field(b, s, strlen(s), last); }
static void fv(strbuf *b, const tc_value *v, int last) { field(b, v->s, v->n, last); }

static void fyuan(strbuf *b, int64_t fen, int last)
{
    char t[TC_MONEY_BUFSZ];
    fs(b, tc_money_format(fen, t), last);
}

static void fint(strbuf *b, int64_t i, int last)
{
    char t[24];
    snprintf(t, sizeof(t), "%" PRId64, i);
    fs(b, t, last);
}

static void fdate(strbuf *b, int64_t d, int last)
{
    char t[16];
    snprintf(t, sizeof(t), "%04d-%02d-%02d", (int)(d / 10000), (int)(d / 100 % 100), (int)(d % 100));
    fs(b, t, last);
}

static int db_fail(yb_sink *y, const char *what)
{
    return tc_fail(y->e, TC_EDB, "%s in %s: %s", what, y->dbname, PQerrorMessage(y->conn));
}

static int exec(yb_sink *y, const char *sql)
{
    PGresult *r = PQexec(y->conn, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : db_fail(y, "cannot run SQL");
}

static int copy_begin(yb_sink *y, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "COPY %s FROM STDIN", table);
    PGresult *r = PQexec(y->conn, sql);
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    return ok ? 0 : db_fail(y, "cannot start COPY");
}

static int copy_data(yb_sink *y, strbuf *b)
{
    if (b->n && PQputCopyData(y->conn, b->p, (int)b->n) != 1)
        return db_fail(y, "cannot send COPY data");
    b->n = 0;
    return 0;
}

static int copy_end(yb_sink *y)
{
    if (PQputCopyEnd(y->conn, NULL) != 1)
        return db_fail(y, "cannot end COPY");
    PGresult *r = PQgetResult(y->conn);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    while ((r = PQgetResult(y->conn)))
        PQclear(r);
    return ok ? 0 : db_fail(y, "COPY failed");
}

static const char *table_of(int rt)
{
    static const char *const t[RT_N] = {"kj_km", "yh_zh", "kj_kmye", "kj_pzmx", "zj_jfmx",
                                        "cz_bz", "yy_jsqf", "yh_dzd",  "yh_dzd", "gr_zh"};
    return t[rt];
}

/* End whatever COPY is open (flushing held vouchers first). */
static int section_end(yb_sink *y)
{
    int rc = 0;
    if (y->copying == RT_VOUCHER_LINE) {
        rc = copy_begin(y, "kj_pz");
        if (!rc)
            rc = copy_data(y, &y->pz);
        if (!rc)
            rc = copy_end(y);
        if (!rc)
            rc = copy_begin(y, "kj_pzmx");
        if (!rc)
            rc = copy_data(y, &y->pzmx);
        if (!rc)
            rc = copy_end(y);
    } else if (y->copying >= 0) {
        rc = copy_data(y, &y->row);
        if (!rc)
            rc = copy_end(y);
    }
    y->copying = -1;
    return rc;
}

static int yb_record(gen_sink *s, int rt, const tc_value *v, tc_err *e)
{
    yb_sink *y = (yb_sink *)s;
    y->e = e;
    int rc = 0;
    int same = rt == y->copying || (rt == RT_BANK_ENTRY && y->copying == RT_BANK_STATEMENT);
    if (!same) {
        rc = section_end(y);
        if (!rc && rt != RT_VOUCHER_LINE)
            rc = copy_begin(y, table_of(rt));
        if (rc)
            return rc;
        y->copying = rt;
        y->last_pz[0] = '\0';
    }
    strbuf *b = &y->row;
    char per[8];
    switch (rt) {
    case RT_ACCOUNT: {
        static const char *const cls[5] = {"asset", "liability", "fund", "income", "expense"};
        int k = 0;
        for (int i = 0; i < 5; i++)
            if (v[2].n == strlen(cls[i]) && memcmp(v[2].s, cls[i], v[2].n) == 0)
                k = i;
        char kmlb[2] = {(char)('1' + k), 0};
        fv(b, &v[0], 0), fv(b, &v[1], 0), fs(b, kmlb, 1);
        break;
    }
    case RT_BANK_ACCOUNT:
        fv(b, &v[0], 0), fv(b, &v[1], 0), fv(b, &v[2], 0), fv(b, &v[3], 0), fv(b, &v[4], 1);
        break;
    case RT_BALANCE:
        snprintf(per, sizeof(per), "%06" PRId64, v[2].i);
        fv(b, &v[0], 0), fv(b, &v[1], 0), fs(b, per, 0);
        fyuan(b, v[3].i, 0), fyuan(b, v[4].i, 0), fyuan(b, v[5].i, 0), fyuan(b, v[6].i, 1);
        break;
    case RT_VOUCHER_LINE:
        if (strncmp(y->last_pz, v[0].s, v[0].n) != 0 || y->last_pz[v[0].n] != '\0') {
            snprintf(y->last_pz, sizeof(y->last_pz), "%.*s", (int)v[0].n, v[0].s);
            fv(&y->pz, &v[0], 0), fdate(&y->pz, v[1].i, 0), fv(&y->pz, &v[2], 0),
                fv(&y->pz, &v[3], 1);
        }
        fv(&y->pzmx, &v[0], 0), fint(&y->pzmx, v[4].i, 0), fv(&y->pzmx, &v[5], 0);
        fyuan(&y->pzmx, v[6].i, 0), fyuan(&y->pzmx, v[7].i, 0);
        if (v[8].n)
            fv(&y->pzmx, &v[8], 0);
        else
            sb_put(&y->pzmx, "\\N\t", 3);
        if (v[9].n)
            fv(&y->pzmx, &v[9], 1);
        else
            sb_put(&y->pzmx, "\\N\n", 3);
        return 0;
    case RT_CONTRIBUTION: {
        char fl[16];
        snprintf(per, sizeof(per), "%06" PRId64, v[3].i);
        snprintf(fl, sizeof(fl), "%d.%04d", (int)(v[5].i / 10000), (int)(v[5].i % 10000));
        fv(b, &v[0], 0), fv(b, &v[1], 0), fv(b, &v[2], 0), fs(b, per, 0);
        fint(b, v[4].i, 0), fs(b, fl, 0), fint(b, v[6].i, 0), fint(b, v[7].i, 1);
        break;
    }
    case RT_SUBSIDY:
        fv(b, &v[0], 0), fv(b, &v[1], 0), fint(b, v[2].i, 0), fyuan(b, v[3].i, 0),
            fyuan(b, v[4].i, 1);
        break;
    case RT_PAYABLE:
        snprintf(per, sizeof(per), "%06" PRId64, v[3].i);
        fv(b, &v[0], 0), fv(b, &v[1], 0), fv(b, &v[2], 0), fs(b, per, 0);
        fyuan(b, v[4].i, 0), fyuan(b, v[5].i, 1);
        break;
    case RT_BANK_STATEMENT:
        /* No table: YB2008 keeps only the rows, with a running balance. */
        y->running = v[3].i;
        return 0;
    case RT_BANK_ENTRY:
        y->running += v[3].i;
        fv(b, &v[0], 0), fdate(b, v[1].i, 0), fv(b, &v[2], 0), fyuan(b, v[3].i, 0),
            fyuan(b, y->running, 1);
        break;
    case RT_PERSONAL_ACCOUNT:
        fv(b, &v[0], 0), fv(b, &v[1], 0), fyuan(b, v[2].i, 1);
        break;
    }
    if (b->n >= (1 << 16))
        rc = copy_data(y, b);
    return rc;
}

static void yb_free(yb_sink *y)
{
    if (y->conn)
        PQfinish(y->conn);
    free(y->row.p);
    free(y->pz.p);
    free(y->pzmx.p);
    free(y);
}

/*
 * Set a custom-format archive's creation time (pg_dump's crtm: seven
 * integers after the header) to the cutover date, 18:00.  Integers are a
 * sign byte and intSize little-endian bytes.
 */
static int fix_dump_time(const char *path, const char *cutover, tc_err *e)
{
    FILE *f = fopen(path, "r+b");
    if (!f)
        return tc_fail(e, TC_EIO, "cannot open %s: %s", path, strerror(errno));
    unsigned char h[64];
    size_t n = fread(h, 1, sizeof(h), f);
    int rc = 0;
    if (n < 16 || memcmp(h, "PGDMP", 5) != 0 || h[8] < 1 || h[8] > 8 || h[10] != 1) {
        rc = tc_fail(e, TC_EINTERNAL, "%s is not a pg_dump custom-format archive", path);
        goto out;
    }
    int vmaj = h[5], vmin = h[6], isz = h[8];
    size_t off = 11;
    if (vmaj > 1 || vmin >= 15)
        off += 1;               /* compression algorithm byte (1.15+) */
    else
        off += (size_t)(1 + isz); /* compression level as an integer (<= 1.14) */
    if (off + 7 * (size_t)(1 + isz) > n) {
        rc = tc_fail(e, TC_EINTERNAL, "%s: unexpected archive header layout", path);
        goto out;
    }
    int y, mo, d;
    sscanf(cutover, "%d-%d-%d", &y, &mo, &d);
    int vals[7] = {0, 0, 18, d, mo - 1, y - 1900, 0};
    for (int i = 0; i < 7; i++) {
        unsigned char *p = h + off + (size_t)i * (size_t)(1 + isz);
        p[0] = 0;
        for (int k = 0; k < isz; k++)
            p[1 + k] = (unsigned char)(k < 4 ? (unsigned)vals[i] >> (8 * k) : 0);
    }
    if (fseek(f, 0, SEEK_SET) != 0 || fwrite(h, 1, n, f) != n || fflush(f) != 0 ||
        fsync(fileno(f)) != 0)
        rc = tc_fail(e, TC_EIO, "cannot rewrite %s: %s", path, strerror(errno));
out:
    fclose(f);
    return rc;
}

/*
 * pg_dump 15.14 and later open a plain dump with "\restrict KEY", KEY random
 * unless given: give a fixed one, when this pg_dump knows the option, so
 * that the same seed gives the same bytes.
 */
static const char *restrict_key_opt(tc_pgserver *srv)
{
    static int known = -1;
    if (known < 0) {
        char cmd[1200];
        snprintf(cmd, sizeof(cmd), "'%s/pg_dump' --help 2>/dev/null", tc_pgserver_bindir(srv));
        known = 0;
        FILE *f = popen(cmd, "r");
        if (f) {
            char line[256];
            while (fgets(line, sizeof(line), f))
                if (strstr(line, "--restrict-key"))
                    known = 1;
            pclose(f);
        }
    }
    return known ? "--restrict-key=tongchouexamplecity" : NULL;
}

static int yb_commit(gen_sink *s, tc_err *e)
{
    yb_sink *y = (yb_sink *)s;
    y->e = e;
    int rc = section_end(y);
    if (!rc)
        rc = exec(y, "COMMIT");
    /* the other forms, from the database as committed */
    if (!rc && (y->legacy_as & TC_GEN_LEGACY_UNLOAD))
        rc = gen_legacy_unload(y->conn, y->c, y->legacy_dir, e);
    if (!rc && (y->legacy_as & TC_GEN_LEGACY_YONYOU))
        rc = gen_legacy_workbooks(y->conn, y->c, y->legacy_dir, TC_GEN_LEGACY_YONYOU, e);
    if (!rc && (y->legacy_as & TC_GEN_LEGACY_KINGDEE))
        rc = gen_legacy_workbooks(y->conn, y->c, y->legacy_dir, TC_GEN_LEGACY_KINGDEE, e);
    if (!rc) {
        PQfinish(y->conn);
        y->conn = NULL;
    }
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.tmp", y->path);
    if (!rc) {
        int plain = y->c->format == FMT_YB_PLAIN;
        const char *argv[] = {"pg_dump", "--no-owner", "--no-privileges",
                              plain ? "--format=plain" : "--format=custom",
                              plain ? "--encoding=GBK" : "--encoding=UTF8",
                              plain ? "--compress=6" : "--compress=6",
                              "--file", tmp, "--dbname", y->dbname,
                              plain ? restrict_key_opt(y->srv) : NULL, NULL};
        rc = tc_pgserver_run(y->srv, argv, NULL, e);
        if (!rc && !plain)
            rc = fix_dump_time(tmp, y->cutover, e);
        if (!rc && rename(tmp, y->path) != 0)
            rc = tc_fail(e, TC_EIO, "cannot rename %s into place: %s", y->path, strerror(errno));
        if (rc)
            unlink(tmp);
    }
    yb_free(y);
    return rc;
}

static void yb_abort(gen_sink *s)
{
    yb_free((yb_sink *)s);
}

int gen_yb2008_sink(gen_sink **out, const gen_county *c, tc_pgserver *srv, const char *path,
                    const char *cutover, unsigned legacy_as, const char *legacy_dir, tc_err *e)
{
    yb_sink *y = calloc(1, sizeof(*y));
    if (!y)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    y->base.record = yb_record;
    y->base.commit = yb_commit;
    y->base.abort = yb_abort;
    y->c = c;
    y->srv = srv;
    y->copying = -1;
    y->legacy_as = legacy_as;
    y->legacy_dir = legacy_dir;
    y->e = e;
    snprintf(y->dbname, sizeof(y->dbname), "yb2008_%s", c->code);
    snprintf(y->path, sizeof(y->path), "%s", path);
    snprintf(y->cutover, sizeof(y->cutover), "%s", cutover);
    int rc = tc_pgserver_createdb(srv, y->dbname, "UTF8", e);
    if (!rc) {
        y->conn = PQconnectdb(tc_pgserver_conninfo(srv, y->dbname));
        if (PQstatus(y->conn) != CONNECTION_OK)
            rc = db_fail(y, "cannot connect");
    }
    if (!rc)
        rc = exec(y, "SET client_min_messages = warning; BEGIN");
    if (!rc)
        rc = exec(y, ddl_common);
    if (!rc)
        rc = exec(y, (c->inject & INJ_DUPLICATE) ? ddl_jfmx_nopk : ddl_jfmx_pk);
    if (!rc) {
        /* The unit table: who this database belongs to and its cutover. */
        const char *params[3] = {c->code, c->name, cutover};
        PGresult *r = PQexecParams(y->conn, "INSERT INTO xt_dw VALUES ($1, $2, $3)", 3, NULL,
                                   params, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = db_fail(y, "cannot fill xt_dw");
        PQclear(r);
    }
    if (rc) {
        yb_free(y);
        return rc;
    }
    *out = &y->base;
    return 0;
}
