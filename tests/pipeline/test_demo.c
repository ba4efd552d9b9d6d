/*
 * test_demo.c - `tongchou demo` end to end on a small example city: the
 * database it leaves holds, per county and record type, exactly the counts
 * and control totals of the generator's answer key (which come from how
 * the data was built), and the reconciliation's totals are the key's.
 */
#include "tests/support/tctest.h"

#include <jansson.h>
#include <sys/stat.h>
#include <libpq-fe.h>

#include "core/money.h"
#include "db/pgserver.h"
#include "pipeline/demo.h"

static long long fen_of(const char *yuan)
{
    tc_fen f;
    tc_err e;
    assert_int_equal(tc_money_parse_yuan(yuan, strlen(yuan), &f, &e), 0);
    return f;
}

static void test_demo_matches_key(void **state)
{
    (void)state;
    char dir[600], path[700];
    /* the embedded server runs as 'postgres' when we are root: it must be
     * able to enter the folder */
    chmod(tctest_dir, 0755);
    snprintf(dir, sizeof(dir), "%s/demo", tctest_dir);
    tc_demo_opts o = {.dir = dir, .records = 300, .keep_db = 1, .jobs = 2};
    char *out = NULL;
    size_t outn = 0;
    FILE *f = open_memstream(&out, &outn);
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_demo(&o, f, &e);
    fclose(f);
    if (rc)
        fail_msg("demo: %s (%s)", e.msg, e.hint);
    assert_non_null(strstr(out, "audit verify:   OK"));
    assert_non_null(strstr(out, "reconciliation.html"));

    snprintf(path, sizeof(path), "%s/city/answer-key.json", dir);
    json_t *key = json_load_file(path, 0, NULL);
    assert_non_null(key);
    /* the summary's total is the key's */
    const char *ktransfer = json_string_value(json_object_get(json_object_get(key, "totals"),
                                                              "transfer"));
    assert_non_null(strstr(out, ktransfer));

    snprintf(path, sizeof(path), "%s/work/db", dir);
    tc_pgserver *srv;
    assert_int_equal(tc_pgserver_attach(&srv, path, &e), 0);
    PGconn *c = PQconnectdb(tc_pgserver_conninfo(srv, "tongchou"));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    int checked = 0;
    size_t i;
    json_t *county;
    json_array_foreach(json_object_get(key, "counties"), i, county) {
        const char *code = json_string_value(json_object_get(county, "county"));
        const char *type;
        json_t *rec;
        json_object_foreach(json_object_get(json_object_get(county, "source"), "records"), type,
                            rec) {
            char sql[1024];
            int n = snprintf(sql, sizeof(sql), "SELECT count(*)");
            const char *col;
            json_t *amt;
            json_object_foreach(json_object_get(rec, "totals"), col, amt)
                n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", sum(%s)", col);
            snprintf(sql + n, sizeof(sql) - (size_t)n, " FROM tongchou.%s WHERE county = $1",
                     type);
            const char *params[1] = {code};
            PGresult *r = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, 0);
            if (PQresultStatus(r) != PGRES_TUPLES_OK)
                fail_msg("%s: %s", sql, PQerrorMessage(c));
            long long want = json_integer_value(json_object_get(rec, "count"));
            if (atoll(PQgetvalue(r, 0, 0)) != want)
                fail_msg("%s %s: %s rows in the database, the key says %lld", code, type,
                         PQgetvalue(r, 0, 0), want);
            int k = 1;
            json_object_foreach(json_object_get(rec, "totals"), col, amt) {
                long long kf = fen_of(json_string_value(amt));
                long long db = PQgetisnull(r, 0, k) ? 0 : atoll(PQgetvalue(r, 0, k));
                if (db != kf)
                    fail_msg("%s %s %s: %lld fen in the database, the key says %lld", code, type,
                             col, db, kf);
                k++;
            }
            PQclear(r);
            checked++;
        }
    }
    assert_int_equal(checked, 70);
    /* the transfer: moved for the clean counties, each fund exactly the
     * key's transfer figure; held for the five with blocking findings */
    int moved = 0;
    PGresult *r;
    json_array_foreach(json_object_get(key, "counties"), i, county) {
        const char *code = json_string_value(json_object_get(county, "county"));
        int blocked = 0;
        size_t k;
        json_t *fnd;
        json_array_foreach(json_object_get(county, "findings"), k, fnd) {
            const char *sev = json_string_value(json_object_get(fnd, "severity"));
            const char *fc = json_string_value(json_object_get(fnd, "code"));
            blocked |= sev ? strcmp(sev, "blocking") == 0
                           : strcmp(fc, "DUE_MISMATCH") != 0 && strcmp(fc, "RATE_MISMATCH") != 0 &&
                                 strcmp(fc, "BAD_CHECK_DIGIT") != 0;
        }
        json_t *fund;
        json_array_foreach(json_object_get(county, "funds"), k, fund) {
            const char *params[2] = {code, json_string_value(json_object_get(fund, "fund"))};
            r = PQexecParams(c, "SELECT coalesce(sum(amount), -1) FROM tongchou.transfer "
                                          "WHERE county = $1 AND fund = $2 AND state = 'executed'",
                                       2, NULL, params, NULL, NULL, 0);
            long long db = atoll(PQgetvalue(r, 0, 0));
            long long want = blocked ? -1
                                     : fen_of(json_string_value(json_object_get(fund, "transfer")));
            if (db != want)
                fail_msg("%s fund %s: %lld fen transferred, the key says %lld%s", code, params[1],
                         db, want, blocked ? " (held: blocking findings)" : "");
            PQclear(r);
            moved += !blocked;
        }
    }
    assert_true(moved >= 4);   /* 220100 and 220122, each with its funds */

    /* the database's copy of the trail: every entry, and it cannot change */
    r = PQexec(c, "SELECT count(*) FROM tongchou.audit_entry WHERE county = '220100'");
    /* 19 steps, the key policy adopted at its first use (the plan), the
     * handover certificates made after the transfer, and the five
     * parties' signatures of each of the two */
    assert_string_equal(PQgetvalue(r, 0, 0), "31");
    PQclear(r);
    r = PQexec(c, "DELETE FROM tongchou.audit_entry WHERE seq = 3");
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    assert_non_null(strstr(PQerrorMessage(c), "append-only"));
    PQclear(r);
    r = PQexec(c, "UPDATE tongchou.audit_entry SET command = 'x' WHERE seq = 3");
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    PQclear(r);

    /* every batch loaded exactly once */
    r = PQexec(c, "SELECT count(*), count(DISTINCT (county, type)) FROM tongchou.batch "
                            "WHERE state = 'complete'");
    assert_string_equal(PQgetvalue(r, 0, 0), "70");
    assert_string_equal(PQgetvalue(r, 0, 1), "70");
    PQclear(r);
    PQfinish(c);
    assert_int_equal(tc_pgserver_stop(srv, &e), 0);
    json_decref(key);
    free(out);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_demo_matches_key)};
    return cmocka_run_group_tests(t, tctest_dir_setup, tctest_dir_teardown);
}
