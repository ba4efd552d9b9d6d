/*
 * test_load.c - loading the example city's city-coded batches into a real
 * private PostgreSQL: db init/upgrade (versioned, idempotent, roles, the
 * append-only audit table); every batch's count and amount totals in the
 * database equal its trailer; a second load is a no-op; two loaders at once
 * load each batch once; --replace; the database side of verification (a
 * trigger that drops a row: exit 5, nothing kept); the failures an admin
 * meets (constraint, statement timeout, connection killed, disk full) each
 * leave nothing, are recorded with the batch's path, and --retry-failed
 * loads exactly those; load --verify catches a record altered afterwards;
 * a member of tongchou_loader can load; a reconciliation report goes in
 * once, and a malformed amount refuses all of it; a password never shows.
 *
 * Each test works in a database of its own on the binary's one server.
 */
#include "tests/support/tctest.h"

#include <pthread.h>
#include <sys/stat.h>

#include "core/batch.h"
#include "db/db.h"
#include "load/load.h"
#include "db/schema.h"
#include "mappings/mapset.h"
#include "tests/support/cityfix.h"
#include "tests/support/pgtest.h"
#include "transform/map.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"
#define RECORDS 300

static char *work, county_dir[1024], city_dir[1100];
static char paths[70][1300];
static const char *all[70];

static int setup(void **state)
{
    work = tctest_tmpdir();
    if (!work || cityfix_build(work, RECORDS, 0, county_dir, sizeof(county_dir)) ||
        cityfix_map(work, county_dir, paths, all))
        return -1;
    snprintf(city_dir, sizeof(city_dir), "%s/city-batches", work);
    return pgtest_setup(state);
}

static int teardown(void **state)
{
    int rc = pgtest_teardown(state);
    tctest_rmtree(work);
    free(work);
    return rc;
}

/* A fresh database with the schema; its conninfo (static). */
static const char *fresh_db(const char *name)
{
    static char ci[1024];
    assert_int_equal(pgtest_createdb(name), 0);
    snprintf(ci, sizeof(ci), "%s", tc_pgserver_conninfo(pgtest_server(), name));
    int from, to;
    tc_err e;
    if (tc_schema_install(ci, 1, &from, &to, &e))
        fail_msg("db init: %s", e.msg);
    assert_int_equal(from, 0);
    assert_int_equal(to, tc_schema_latest());
    return ci;
}

static int run(const char *db, int replace, const char *const *p, int n, tc_load_stats *st,
               tc_err *e)
{
    tc_load_opts o = {.db = db, .replace = replace};
    return tc_load_run(&o, p, n, st, e);
}

/* Every complete batch in db: count and each amount total equal the
 * batch file's trailer; and the register holds exactly n complete. */
static void assert_db_matches(PGconn *c, const char *const *p, int n)
{
    for (int i = 0; i < n; i++) {
        tc_batch_header h;
        tc_batch_summary s;
        tc_err e;
        assert_int_equal(tc_batch_verify(p[i], &h, &s, &e), 0);
        char q[512];
        snprintf(q, sizeof(q), "SELECT count(*) FROM tongchou.%s WHERE county = '%s'", h.type,
                 h.county);
        assert_int_equal(pgtest_value(c, q), (long long)s.count);
        for (int k = 0; k < h.ncols; k++) {
            if (h.cols[k].type != TC_COL_AMOUNT)
                continue;
            snprintf(q, sizeof(q), "SELECT coalesce(sum(\"%s\"), 0) FROM tongchou.%s WHERE "
                                   "county = '%s'", h.cols[k].name, h.type, h.county);
            assert_int_equal(pgtest_value(c, q), (long long)s.totals[k]);
        }
    }
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.batch WHERE state = "
                                     "'complete'"), n);
}

/* ------------------------------------------------------------------ tests */

typedef struct initer {
    char db[1024];
    int rc, from, to;
} initer;

static void *init_thread(void *arg)
{
    initer *i = arg;
    tc_err e;
    i->rc = tc_schema_install(i->db, 1, &i->from, &i->to, &e);
    return NULL;
}

/* Two db init at once on one database apply each step once. */
static void test_schema_concurrent(void **state)
{
    (void)state;
    assert_int_equal(pgtest_createdb("initrace"), 0);
    initer a, b;
    snprintf(a.db, sizeof(a.db), "%s", tc_pgserver_conninfo(pgtest_server(), "initrace"));
    b = a;
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, init_thread, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, init_thread, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(b.rc, 0);
    assert_int_equal(a.to, 4);
    assert_int_equal(b.to, 4);
    PGconn *c = pgtest_connect("initrace");
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.schema_version"), 4);
    PQfinish(c);
}

static void test_schema(void **state)
{
    (void)state;
    const char *db = fresh_db("schema");
    int from, to;
    tc_err e;
    /* init again and upgrade: nothing to do, same version */
    assert_int_equal(tc_schema_install(db, 1, &from, &to, &e), 0);
    assert_int_equal(from, 4);
    assert_int_equal(to, 4);
    assert_int_equal(tc_schema_install(db, 0, &from, &to, &e), 0);
    assert_int_equal(to, 4);
    PGconn *c = pgtest_connect("schema");
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.schema_version"), 4);
    /* 10 record tables + batch, batch_total, replaced, load_failure,
     * 3 recon, transfer, posting, audit_entry, schema_version */
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM pg_tables WHERE schemaname = "
                                     "'tongchou'"), 21);
    /* every table but schema_version leads its primary key with county */
    assert_int_equal(pgtest_value(c,
        "SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
        " JOIN pg_namespace n ON n.oid = t.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]"
        " WHERE n.nspname = 'tongchou' AND i.indisprimary AND a.attname = 'county'"), 20);
    /* least privilege */
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM pg_roles WHERE rolname LIKE "
                                     "'tongchou\\_%' AND NOT rolcanlogin"), 3);
    assert_int_equal(pgtest_value(c, "SELECT has_table_privilege('tongchou_loader', "
        "'tongchou.contribution', 'INSERT')::int + has_table_privilege('tongchou_loader', "
        "'tongchou.contribution', 'UPDATE')::int * 10 + has_table_privilege('tongchou_loader', "
        "'tongchou.transfer', 'INSERT')::int * 100"), 1);
    assert_int_equal(pgtest_value(c, "SELECT has_table_privilege('tongchou_auditor', "
        "'tongchou.batch', 'SELECT')::int + has_table_privilege('tongchou_auditor', "
        "'tongchou.batch', 'INSERT')::int * 10 + has_table_privilege('tongchou_auditor', "
        "'tongchou.audit_entry', 'DELETE')::int * 100"), 1);
    assert_int_equal(pgtest_value(c, "SELECT has_table_privilege('tongchou_transfer', "
        "'tongchou.posting', 'INSERT')::int + has_table_privilege('tongchou_transfer', "
        "'tongchou.contribution', 'DELETE')::int * 10"), 1);
    /* audit_entry is append-only, even for the owner */
    pgtest_exec(c, "INSERT INTO tongchou.audit_entry (county, seq, command, key_id, prev, entry,"
                   " hash, signature) VALUES ('220100', 1, 'load', 'k', '-', '{}', 'h', 's')");
    const char *refused[] = {"UPDATE tongchou.audit_entry SET command = 'x'",
                             "DELETE FROM tongchou.audit_entry",
                             "TRUNCATE tongchou.audit_entry"};
    for (int i = 0; i < 3; i++) {
        PGresult *r = PQexec(c, refused[i]);
        assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
        assert_non_null(strstr(PQresultErrorMessage(r), "append-only"));
        PQclear(r);
    }
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.audit_entry"), 1);
    PQfinish(c);
    /* upgrade of a database without the schema: refused, says init */
    assert_int_equal(pgtest_createdb("bare"), 0);
    assert_int_equal(tc_schema_install(tc_pgserver_conninfo(pgtest_server(), "bare"), 0, &from,
                                       &to, &e), TC_EINPUT);
    assert_non_null(strstr(e.hint, "db init"));
    /* loading into it: refused before anything */
    tc_load_stats st;
    assert_int_equal(run(tc_pgserver_conninfo(pgtest_server(), "bare"), 0, all, 1, &st, &e),
                     TC_EINPUT);
}

static void test_load_twice(void **state)
{
    (void)state;
    const char *db = fresh_db("twice");
    tc_load_stats st;
    tc_err e;
    assert_int_equal(run(db, 0, all, 70, &st, &e), 0);
    assert_int_equal(st.loaded, 70);
    assert_int_equal(st.skipped, 0);
    PGconn *c = pgtest_connect("twice");
    assert_db_matches(c, all, 70);
    /* 7 regions x RECORDS contribution records */
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.contribution"), 7 * RECORDS);
    long long due = pgtest_value(c, "SELECT sum(due) FROM tongchou.contribution");
    long long rows = pgtest_value(c, "SELECT sum(records) FROM tongchou.batch");
    /* the second run is a no-op */
    assert_int_equal(run(db, 0, all, 70, &st, &e), 0);
    assert_int_equal(st.loaded, 0);
    assert_int_equal(st.skipped, 70);
    assert_int_equal(pgtest_value(c, "SELECT sum(due) FROM tongchou.contribution"), due);
    assert_int_equal(pgtest_value(c, "SELECT sum(records) FROM tongchou.batch"), rows);
    assert_db_matches(c, all, 70);
    /* the lineage: 220381's records are 220184's now, 220381 as src_county */
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.contribution WHERE county ="
                                     " '220184' AND src_county = '220381'"), RECORDS);
    int checked;
    assert_int_equal(tc_load_verify(db, NULL, NULL, &checked, &e), 0);
    assert_int_equal(checked, 70);
    PQfinish(c);
}

typedef struct loader {
    const char *db;
    tc_load_stats st;
    int rc;
} loader;

static void *load_thread(void *arg)
{
    loader *l = arg;
    tc_err e;
    l->rc = run(l->db, 0, all, 70, &l->st, &e);
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    const char *db = fresh_db("concurrent");
    loader a = {db, {0}, -1}, b = {db, {0}, -1};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, load_thread, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, load_thread, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(b.rc, 0);
    /* each batch loaded by exactly one of them, skipped by the other */
    assert_int_equal(a.st.loaded + b.st.loaded, 70);
    assert_int_equal(a.st.skipped + b.st.skipped, 70);
    PGconn *c = pgtest_connect("concurrent");
    assert_db_matches(c, all, 70);
    PQfinish(c);
}

/* Write path as batch src without its last record: same county and type,
 * another digest. */
static void shorter_batch(const char *src, const char *path, int64_t *dropped_due)
{
    tc_batch_reader *r;
    tc_batch_writer *w;
    tc_err e;
    assert_int_equal(tc_batch_open(&r, src, 0, &e), 0);
    tc_batch_header h = *tc_batch_header_of(r);
    for (int i = 0; i < h.ncols; i++)
        h.cols[i].name = h.colname[i];
    int due = tc_batch_header_col(&h, "due");
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    const tc_value *v;
    tc_value prev[TC_MAX_COLUMNS];
    static char text[TC_MAX_COLUMNS][1024];
    int have = 0, k;
    while ((k = tc_batch_next(r, &v, &e)) == 1) {
        if (have)
            assert_int_equal(tc_batch_write(w, prev, &e), 0);
        for (int i = 0; i < h.ncols; i++) {
            prev[i] = v[i];
            if (v[i].s) {
                memcpy(text[i], v[i].s, v[i].n);
                prev[i].s = text[i];
            }
        }
        have = 1;
    }
    assert_int_equal(k, 0);
    *dropped_due = prev[due].i;
    assert_int_equal(tc_batch_commit(w, NULL, &e), 0);
    tc_batch_close(r);
}

static void test_replace(void **state)
{
    (void)state;
    const char *db = fresh_db("replace");
    char orig[1300], other[1300];
    snprintf(orig, sizeof(orig), "%s/220113.contribution.tcb", city_dir);
    snprintf(other, sizeof(other), "%s/other", work);
    mkdir(other, 0755);
    snprintf(other, sizeof(other), "%s/other/220113.contribution.tcb", work);
    int64_t dropped;
    shorter_batch(orig, other, &dropped);
    const char *o1[] = {orig}, *o2[] = {other};
    tc_load_stats st;
    tc_err e;
    assert_int_equal(run(db, 0, o1, 1, &st, &e), 0);
    PGconn *c = pgtest_connect("replace");
    long long due = pgtest_value(c, "SELECT sum(due) FROM tongchou.contribution");
    /* another batch of the same county and type: refused, nothing changes */
    assert_int_equal(run(db, 0, o2, 1, &st, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "already has a different contribution batch"));
    assert_non_null(strstr(e.hint, "--replace"));
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.contribution"), RECORDS);
    /* --replace: the shorter one in its place, the old one kept as replaced;
     * counted through the planner's own choice of scan (the table now has
     * statistics and holds more rows than the batch) */
    pgtest_exec(c, "ANALYZE tongchou.contribution");
    assert_int_equal(run(db, 1, o2, 1, &st, &e), 0);
    assert_int_equal(st.replaced, 1);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.contribution"), RECORDS - 1);
    assert_int_equal(pgtest_value(c, "SELECT sum(due) FROM tongchou.contribution"),
                     due - dropped);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.replaced WHERE old_records ="
                                     " 300 AND new_records = 299"), 1);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.batch WHERE state = "
                                     "'replaced'"), 1);
    assert_db_matches(c, o2, 1);
    /* and back again: the first batch returns from 'replaced' */
    assert_int_equal(run(db, 1, o1, 1, &st, &e), 0);
    assert_int_equal(st.replaced, 1);
    assert_int_equal(pgtest_value(c, "SELECT sum(due) FROM tongchou.contribution"), due);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.replaced"), 2);
    assert_db_matches(c, o1, 1);
    PQfinish(c);
}

static long long open_failures(const char *db)
{
    int n;
    tc_err e;
    assert_int_equal(tc_load_failures(db, NULL, NULL, &n, &e), 0);
    return n;
}

static void test_verify_in_db(void **state)
{
    (void)state;
    const char *db = fresh_db("verify");
    PGconn *c = pgtest_connect("verify");
    /* a trigger that drops record 7 of every contribution batch */
    pgtest_exec(c, "CREATE FUNCTION public.drop7() RETURNS trigger LANGUAGE plpgsql AS $$"
                   " BEGIN IF NEW.src_record = 7 THEN RETURN NULL; END IF; RETURN NEW; END $$");
    pgtest_exec(c, "CREATE TRIGGER drop7 BEFORE INSERT ON tongchou.contribution"
                   " FOR EACH ROW EXECUTE FUNCTION public.drop7()");
    char p[1300];
    snprintf(p, sizeof(p), "%s/220182.contribution.tcb", city_dir);
    const char *one[] = {p};
    tc_load_stats st;
    tc_err e;
    assert_int_equal(run(db, 0, one, 1, &st, &e), TC_EINTEGRITY);
    assert_int_equal(tc_exit_code(e.code), 5);
    assert_non_null(strstr(e.msg, "299 records"));
    assert_string_equal(e.file, p);
    /* nothing kept; the failure recorded with the path */
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.contribution"), 0);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.batch"), 0);
    assert_int_equal(open_failures(db), 1);
    /* the trigger gone, the retry loads exactly that batch */
    pgtest_exec(c, "DROP TRIGGER drop7 ON tongchou.contribution");
    tc_load_opts o = {.db = db};
    assert_int_equal(tc_load_retry(&o, &st, &e), 0);
    assert_int_equal(st.loaded, 1);
    assert_int_equal(open_failures(db), 0);
    assert_db_matches(c, one, 1);
    /* a record altered after the load: --verify says which batch */
    int checked;
    assert_int_equal(tc_load_verify(db, NULL, NULL, &checked, &e), 0);
    pgtest_exec(c, "UPDATE tongchou.contribution SET paid = paid + 1 WHERE src_record = 3");
    assert_int_equal(tc_load_verify(db, NULL, NULL, &checked, &e), TC_EINTEGRITY);
    assert_int_equal(checked, 1);
    assert_non_null(strstr(e.msg, "1 of 1"));
    PQfinish(c);
}

/* Load one batch with a fault installed by sql; expect TC_EDB whose
 * message holds want; nothing of it stays; then undo and retry. */
static void fault(const char *dbname, PGconn *c, const char *path, const char *sql,
                  const char *undo, const char *want)
{
    const char *db = tc_pgserver_conninfo(pgtest_server(), dbname);
    char ci[1024];
    snprintf(ci, sizeof(ci), "%s", db);
    pgtest_exec(c, sql);
    const char *one[] = {path};
    tc_load_stats st;
    tc_err e;
    assert_int_equal(run(ci, 0, one, 1, &st, &e), TC_EDB);
    assert_int_equal(tc_exit_code(e.code), 4);
    /* want: alternatives separated by '|' */
    char alt[256], *tok, *save = NULL;
    int found = 0;
    snprintf(alt, sizeof(alt), "%s", want);
    for (tok = strtok_r(alt, "|", &save); tok; tok = strtok_r(NULL, "|", &save))
        found |= strstr(e.msg, tok) != NULL;
    if (!found)
        fail_msg("'%s' not in '%s'", want, e.msg);
    assert_string_equal(e.file, path);
    assert_int_equal(st.failed, 1);
    pgtest_exec(c, undo);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.batch"), 0);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.payable"), 0);
}

static void test_failures(void **state)
{
    (void)state;
    const char *db0 = fresh_db("faults");
    char db[1024];
    snprintf(db, sizeof(db), "%s", db0);
    PGconn *c = pgtest_connect("faults");
    char p[1300];
    snprintf(p, sizeof(p), "%s/220183.payable.tcb", city_dir);
    fault("faults", c, p, "ALTER TABLE tongchou.payable ADD CONSTRAINT no_big CHECK (settled < 100)",
          "ALTER TABLE tongchou.payable DROP CONSTRAINT no_big",
          "refused a record (constraint no_big)");
    fault("faults", c, p,
          "CREATE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql AS $$"
          " BEGIN PERFORM pg_sleep(5); RETURN NEW; END $$;"
          "CREATE TRIGGER slow BEFORE INSERT ON tongchou.payable FOR EACH ROW"
          " EXECUTE FUNCTION public.slow();"
          "ALTER DATABASE faults SET statement_timeout = '200ms'",
          "DROP TRIGGER slow ON tongchou.payable; ALTER DATABASE faults RESET statement_timeout",
          "statement timeout");
    fault("faults", c, p,
          "CREATE FUNCTION public.kill() RETURNS trigger LANGUAGE plpgsql AS $$"
          " BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$;"
          "CREATE TRIGGER kill BEFORE INSERT ON tongchou.payable FOR EACH ROW"
          " EXECUTE FUNCTION public.kill()",
          "DROP TRIGGER kill ON tongchou.payable", "shut down or restarted|lost the connection");
    fault("faults", c, p,
          "CREATE FUNCTION public.nospace() RETURNS trigger LANGUAGE plpgsql AS $$"
          " BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'"
          " USING ERRCODE = 'disk_full'; END $$;"
          "CREATE TRIGGER nospace BEFORE INSERT ON tongchou.payable FOR EACH ROW"
          " EXECUTE FUNCTION public.nospace()",
          "DROP TRIGGER nospace ON tongchou.payable", "ran out of disk space");
    /* four failures of one path: listed once, with the attempts */
    assert_int_equal(open_failures(db), 1);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.load_failure WHERE"
                                     " resolved_at IS NULL AND batch IS NOT NULL"), 4);
    /* a county-coded batch and a damaged one are refused and recorded too */
    char county[1300], bad[1300];
    snprintf(county, sizeof(county), "%s/220100.subsidy.tcb", county_dir);
    snprintf(bad, sizeof(bad), "%s/bad.220100.voucher_line.tcb", work);
    size_t n = 0;
    char src[1300];
    snprintf(src, sizeof(src), "%s/220100.voucher_line.tcb", city_dir);
    unsigned char *b = tctest_slurp(src, &n);
    assert_non_null(b);
    b[n / 2] ^= 0x10;
    assert_int_equal(tctest_spit(bad, b, n), 0);
    free(b);
    const char *two[] = {county, bad};
    tc_load_stats st;
    tc_err e;
    assert_int_equal(run(db, 0, two, 2, &st, &e), TC_EINTEGRITY);
    assert_int_equal(st.failed, 2);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.voucher_line"), 0);
    assert_int_equal(open_failures(db), 3);
    /* fixed: the good one loads on retry, the two bad ones fail again */
    tc_load_opts o = {.db = db};
    assert_int_equal(tc_load_retry(&o, &st, &e), TC_EINTEGRITY);
    assert_int_equal(st.loaded, 1);
    assert_int_equal(st.failed, 2);
    assert_int_equal(open_failures(db), 2);
    const char *one[] = {p};
    assert_db_matches(c, one, 1);
    PQfinish(c);
}

static void test_loader_role(void **state)
{
    (void)state;
    fresh_db("role");
    PGconn *c = pgtest_connect("role");
    pgtest_exec(c, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ldr')"
                   " THEN CREATE ROLE ldr LOGIN IN ROLE tongchou_loader; END IF; END $$");
    char db[1200];
    snprintf(db, sizeof(db), "%s user=ldr", tc_pgserver_conninfo(pgtest_server(), "role"));
    tc_load_stats st;
    tc_err e;
    assert_int_equal(run(db, 0, all, 70, &st, &e), 0);
    assert_int_equal(st.loaded, 70);
    assert_db_matches(c, all, 70);
    /* but it cannot change a loaded record */
    snprintf(db, sizeof(db), "%s", tc_pgserver_conninfo(pgtest_server(), "role"));
    PGconn *l = PQconnectdb(strcat(db, " user=ldr"));
    PGresult *r = PQexec(l, "UPDATE tongchou.contribution SET paid = 0");
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    PQclear(r);
    PQfinish(l);
    PQfinish(c);
}

/* A reconciliation report (the shape of interfaces.md) goes into the
 * recon tables once; a malformed amount refuses all of it. */
static const char report_json[] =
    "{\"format\": \"tongchou-reconciliation/1\", \"cutover\": \"2021-06-30\",\n"
    " \"mappings\": \"sha256:00\", \"inputs\": [], \"status\": \"blocked\",\n"
    " \"counties\": [\n"
    "  {\"county\": \"220113\", \"funds\": [\n"
    "    {\"fund\": \"310\", \"cash\": \"1000.50\", \"ledger_receivables\": \"10.00\",\n"
    "     \"ledger_payables\": \"-2.01\", \"net_assets\": \"1012.51\", \"fund_balance\": \"1012.51\",\n"
    "     \"employer_arrears\": \"5.00\", \"arrears_aging\": {\"0-3\": \"1.00\", \"4-12\": \"2.00\",\n"
    "     \"13+\": \"2.00\"}, \"overpaid\": \"0.00\", \"subsidy_shortfall\": \"7.00\",\n"
    "     \"institution_payables\": \"8.00\", \"personal_accounts\": \"9.00\", \"transfer\": \"1000.50\"},\n"
    "    {\"fund\": \"390\", \"cash\": \"0.01\", \"ledger_receivables\": \"0\",\n"
    "     \"ledger_payables\": \"0\", \"net_assets\": \"0.01\", \"fund_balance\": \"0.01\",\n"
    "     \"employer_arrears\": \"0\", \"arrears_aging\": {\"0-3\": \"0\", \"4-12\": \"0\", \"13+\": \"0\"},\n"
    "     \"overpaid\": \"0\", \"subsidy_shortfall\": \"0\", \"institution_payables\": \"0\",\n"
    "     \"personal_accounts\": \"0\", \"transfer\": \"%s\"}],\n"
    "   \"bank\": [], \"findings\": [{\"code\": \"VOUCHER_UNBALANCED\", \"severity\": \"blocking\",\n"
    "     \"fund\": \"310\", \"ref\": \"2021-02-0007\", \"amount\": \"0.01\", \"message\": \"m\"}]},\n"
    "  {\"county\": \"220100\", \"funds\": [], \"bank\": [], \"findings\": []}],\n"
    " \"totals\": {\"transfer\": \"1000.51\", \"claims\": \"12.00\", \"debts\": \"8.00\"}}\n";

static void test_report(void **state)
{
    (void)state;
    const char *db0 = fresh_db("report");
    char db[1024], good[1300], bad[1300], text[4096];
    snprintf(db, sizeof(db), "%s", db0);
    snprintf(good, sizeof(good), "%s/reconciliation.json", work);
    snprintf(bad, sizeof(bad), "%s/bad-reconciliation.json", work);
    int k = snprintf(text, sizeof(text), report_json, "0.01");
    assert_int_equal(tctest_spit(good, text, (size_t)k), 0);
    k = snprintf(text, sizeof(text), report_json, "0.011");
    assert_int_equal(tctest_spit(bad, text, (size_t)k), 0);
    const char *one[] = {bad};
    tc_load_stats st;
    tc_err e;
    assert_int_equal(run(db, 0, one, 1, &st, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "county 220113 fund 390: transfer"));
    PGconn *c = pgtest_connect("report");
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.recon_report"), 0);
    one[0] = good;
    assert_int_equal(run(db, 0, one, 1, &st, &e), 0);
    assert_int_equal(st.loaded, 1);
    assert_int_equal(run(db, 0, one, 1, &st, &e), 0);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.recon_report"), 2);
    assert_int_equal(pgtest_value(c, "SELECT sum(transfer) FROM tongchou.recon_fund"), 100051);
    assert_int_equal(pgtest_value(c, "SELECT ledger_payables + arrears_4_12 FROM"
                                     " tongchou.recon_fund WHERE fund = '310'"), -201 + 200);
    assert_int_equal(pgtest_value(c, "SELECT count(*) FROM tongchou.recon_report WHERE county ="
                                     " '220113' AND status = 'blocked' AND cutover ="
                                     " '2021-06-30'"), 1);
    assert_int_equal(pgtest_value(c, "SELECT amount FROM tongchou.recon_finding"), 1);
    PQfinish(c);
}

/* The password given never shows: not when the connection fails, not in
 * the description of an open one, not in a load's error. */
static void test_password(void **state)
{
    (void)state;
    PGconn *c;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_db_connect(&c, "host=/nonexistent port=1 password=s3kr1t dbname=x", &e),
                     TC_EDB);
    assert_null(c);
    assert_non_null(strstr(e.msg, "cannot connect"));
    assert_null(strstr(e.msg, "s3kr1t"));
    assert_null(strstr(e.hint, "s3kr1t"));
    char db[1200], d[512];
    snprintf(db, sizeof(db), "%s password=s3kr1t", tc_pgserver_conninfo(pgtest_server(), "nodb"));
    assert_int_equal(tc_db_connect(&c, db, &e), TC_EDB);
    assert_null(strstr(e.msg, "s3kr1t"));
    snprintf(db, sizeof(db), "%s password=s3kr1t",
             tc_pgserver_conninfo(pgtest_server(), "postgres"));
    assert_int_equal(tc_db_connect(&c, db, &e), 0);
    tc_db_describe(c, d, sizeof(d));
    assert_non_null(strstr(d, "postgres as "));
    assert_null(strstr(d, "s3kr1t"));
    PQfinish(c);
    /* DATABASE_URL is read when --db is not given */
    setenv("DATABASE_URL", db, 1);
    assert_int_equal(tc_db_connect(&c, NULL, &e), 0);
    assert_string_equal(PQdb(c), "postgres");
    PQfinish(c);
    unsetenv("DATABASE_URL");
    /* a load into a database without the schema */
    tc_load_stats st;
    assert_int_equal(run(db, 0, all, 1, &st, &e), TC_EINPUT);
    assert_null(strstr(e.msg, "s3kr1t"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema),       cmocka_unit_test(test_schema_concurrent),
        cmocka_unit_test(test_load_twice),
        cmocka_unit_test(test_concurrent),   cmocka_unit_test(test_replace),
        cmocka_unit_test(test_verify_in_db), cmocka_unit_test(test_failures),
        cmocka_unit_test(test_loader_role),  cmocka_unit_test(test_report),
        cmocka_unit_test(test_password),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
