/*
 * test_generate.c - the example city generator.
 *
 *  - the checked-in mapping set is exactly what the generator writes;
 *  - the same seed gives byte-identical sources and key (XML and the real
 *    pg_dump outputs alike), another seed does not;
 *  - the answer key holds the injected findings with their worked-out
 *    figures, and its totals add up;
 *  - every XML export passes xmllint against the shipped schema;
 *  - the dumps restore into a fresh database (psql, pg_restore) and hold
 *    the records the key counts, the duplicate included.
 */
#include "tests/support/tctest.h"

#include <jansson.h>
#include <libpq-fe.h>

#include "core/digest.h"
#include "core/money.h"
#include "generate/gen.h"
#include "db/pgserver.h"
#include "tests/support/pgtest.h"

static char *tmp;
static char dir_a[600], dir_b[600], dir_c[600];

static const char *const sources[7] = {
    "220100.xml", "220112.xml", "220113.xml.gz", "220381.xml.gz",
    "220182.sql.gz", "220183.dump", "220122.xml"};

static int gen(const char *dir, uint64_t seed, int xml_only)
{
    tc_gen_options o;
    tc_gen_defaults(&o);
    o.dir = dir;
    o.records = 300;
    o.seed = seed;
    o.xml_only = xml_only;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_gen_city(&o, &e);
    if (rc)
        fprintf(stderr, "generate %s: %s (%s)\n", dir, e.msg, e.hint);
    return rc;
}

static int setup(void **state)
{
    if (pgtest_setup(state))
        return -1;
    tmp = tctest_tmpdir();
    snprintf(dir_a, sizeof(dir_a), "%s/a", tmp);
    snprintf(dir_b, sizeof(dir_b), "%s/b", tmp);
    snprintf(dir_c, sizeof(dir_c), "%s/c", tmp);
    /* Two full runs with the same seed (each with its own throwaway
     * PostgreSQL for the dumps) and one with another seed, XML only. */
    if (gen(dir_a, 11, 0) || gen(dir_b, 11, 0) || gen(dir_c, 12, 1))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    tctest_rmtree(tmp);
    free(tmp);
    return pgtest_teardown(state);
}

static void digest_of(const char *dir, const char *name, char *out)
{
    char path[800];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    tc_err e;
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, path, out, &e), 0);
}

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    char a[TC_DIGEST_TEXT_MAX], b[TC_DIGEST_TEXT_MAX], name[64];
    for (int i = 0; i < 7; i++) {
        snprintf(name, sizeof(name), "sources/%s", sources[i]);
        digest_of(dir_a, name, a);
        digest_of(dir_b, name, b);
        if (strcmp(a, b) != 0)
            fail_msg("%s differs between two runs with the same seed", name);
    }
    digest_of(dir_a, "answer-key.json", a);
    digest_of(dir_b, "answer-key.json", b);
    assert_string_equal(a, b);
    /* Another seed gives other data. */
    digest_of(dir_a, "sources/220100.xml", a);
    digest_of(dir_c, "sources/220100.xml", b);
    assert_string_not_equal(a, b);
}

static void test_mapping_set_is_current(void **state)
{
    (void)state;
    char out[700], cmd[2000];
    snprintf(out, sizeof(out), "%s/mappings", tmp);
    tc_err e;
    assert_int_equal(tc_gen_write_mappings(out, &e), 0);
    snprintf(cmd, sizeof(cmd), "diff -r '%s' '%s/mappings/changchun' >&2", out, TC_TEST_SOURCE_DIR);
    if (system(cmd) != 0)
        fail_msg("mappings/changchun is not what the generator writes: run "
                 "'tongchou generate --write-mappings mappings/changchun'");
}

/* ------------------------------------------------------------ the key */

static json_t *load_key(const char *dir)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/answer-key.json", dir);
    json_error_t je;
    json_t *k = json_load_file(path, 0, &je);
    if (!k)
        fail_msg("cannot read %s: %s", path, je.text);
    return k;
}

static json_t *county(json_t *k, const char *code)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(k, "counties"), i, c) if (
        strcmp(json_string_value(json_object_get(c, "county")), code) == 0) return c;
    fail_msg("no county %s in the key", code);
    return NULL;
}

/* The finding of code (and ref prefix) in county, or fail. */
static json_t *finding(json_t *c, const char *code, const char *ref_prefix)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(c, "findings"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "code")), code) == 0 &&
            strncmp(json_string_value(json_object_get(f, "ref")), ref_prefix, strlen(ref_prefix)) == 0)
            return f;
    }
    fail_msg("no %s %s in county %s", code, ref_prefix,
             json_string_value(json_object_get(c, "county")));
    return NULL;
}

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int64_t fen(json_t *o, const char *k)
{
    int64_t v;
    const char *s = str(o, k);
    assert_non_null(s);
    tc_err e;
    assert_int_equal(tc_money_parse_yuan(s, strlen(s), &v, &e), 0);
    return v;
}

static void test_key_findings(void **state)
{
    (void)state;
    json_t *k = load_key(dir_a);
    assert_string_equal(str(k, "format"), "tongchou-answer-key/1");
    assert_string_equal(str(k, "status"), "blocked");
    assert_int_equal(json_array_size(json_object_get(k, "counties")), 7);

    /* Clean counties. */
    assert_int_equal(json_array_size(json_object_get(county(k, "220100"), "findings")), 0);
    assert_int_equal(json_array_size(json_object_get(county(k, "220122"), "findings")), 0);

    json_t *c = county(k, "220112");
    assert_int_equal(json_array_size(json_object_get(c, "findings")), 3);
    json_t *f = finding(c, "ROLLFORWARD_BREAK", "1101/2021-03");
    assert_string_equal(str(f, "amount"), "100.00");
    assert_string_equal(str(f, "fund"), "310");
    assert_string_equal(str(f, "severity"), "blocking");
    assert_string_equal(str(finding(c, "PERIOD_GAP", "1101/2021-03"), "amount"), "-100.00");
    f = finding(c, "DUE_MISMATCH", "220112********");
    assert_string_equal(str(f, "amount"), "0.01");
    assert_string_equal(str(f, "severity"), "warning");

    c = county(k, "220113");
    assert_int_equal(json_array_size(json_object_get(c, "findings")), 3);
    assert_string_equal(str(finding(c, "VOUCHER_UNBALANCED", "2021-02-"), "amount"), "0.01");
    assert_string_equal(str(finding(c, "EQUATION_BREAK", "2021-06"), "amount"), "0.01");
    f = finding(c, "RATE_MISMATCH", "91220113");
    assert_true(fen(f, "amount") < 0); /* 6 % instead of 7 % */

    c = county(k, "220184");
    assert_string_equal(str(c, "source_county"), "220381");
    assert_int_equal(json_array_size(json_object_get(c, "findings")), 4);
    json_t *t1 = finding(c, "TURNOVER_MISMATCH", "5001/2021-04/debit");
    json_t *t2 = finding(c, "TURNOVER_MISMATCH", "1101/2021-04/credit");
    assert_int_equal(fen(t1, "amount"), fen(t2, "amount"));
    assert_true(fen(t1, "amount") > 0);
    assert_string_equal(str(finding(c, "BANK_UNRECONCILED", "220381"), "amount"), "-50.00");
    assert_string_equal(str(finding(c, "BAD_CHECK_DIGIT", "220381********"), "fund"), "390");

    c = county(k, "220182");
    assert_int_equal(json_array_size(json_object_get(c, "findings")), 2);
    assert_true(fen(finding(c, "CONTRIB_LEDGER_MISMATCH", "2021-01..2021-06"), "amount") > 0);
    f = finding(c, "DUPLICATE_RECORD", "contribution 91220182");
    assert_non_null(strstr(str(f, "ref"), "/1/01/2019-07"));

    c = county(k, "220183");
    assert_int_equal(json_array_size(json_object_get(c, "findings")), 2);
    assert_string_equal(str(finding(c, "PERSONAL_ACCOUNT_MISMATCH", "300102"), "amount"), "12.34");
    f = finding(c, "EQUATION_BREAK", "2021-06");
    assert_string_equal(str(f, "amount"), "1000.00");
    assert_string_equal(str(f, "fund"), "390");
    json_decref(k);
}

/* Figures hang together: net = cash + receivables - payables, transfer =
 * cash, and the totals are the sums over counties. */
static void test_key_figures(void **state)
{
    (void)state;
    json_t *k = load_key(dir_a);
    int64_t transfer = 0, claims = 0, debts = 0;
    size_t i, j;
    json_t *c, *f;
    json_array_foreach(json_object_get(k, "counties"), i, c)
    {
        json_t *recs = json_object_get(json_object_get(c, "source"), "records");
        assert_int_equal(json_integer_value(json_object_get(json_object_get(recs, "contribution"), "count")), 300);
        int has_equation_break = 0;
        json_array_foreach(json_object_get(c, "findings"), j, f) has_equation_break |=
            strcmp(str(f, "code"), "EQUATION_BREAK") == 0;
        json_array_foreach(json_object_get(c, "funds"), j, f)
        {
            int64_t cash = fen(f, "cash");
            assert_int_equal(fen(f, "net_assets"),
                             cash + fen(f, "ledger_receivables") - fen(f, "ledger_payables"));
            assert_int_equal(fen(f, "transfer"), cash);
            if (!has_equation_break)
                assert_int_equal(fen(f, "net_assets"), fen(f, "fund_balance"));
            json_t *ag = json_object_get(f, "arrears_aging");
            assert_int_equal(fen(f, "employer_arrears"),
                             fen(ag, "0-3") + fen(ag, "4-12") + fen(ag, "13+"));
            transfer += cash;
            claims += fen(f, "employer_arrears") + fen(f, "subsidy_shortfall");
            debts += fen(f, "institution_payables");
            if (strcmp(str(f, "fund"), "310") == 0) {
                assert_true(fen(f, "employer_arrears") > 0);
                assert_true(fen(f, "personal_accounts") > 0);
                assert_true(fen(ag, "13+") > 0); /* the older-period arrears */
            }
            if (strcmp(str(f, "fund"), "390") == 0)
                assert_true(fen(f, "subsidy_shortfall") > 0);
        }
        /* Every county shows the four kinds of outstanding bank item. */
        int64_t rnb = 0, pnb = 0, bnr = 0, bnp = 0;
        json_array_foreach(json_object_get(c, "bank"), j, f)
        {
            rnb += fen(f, "received_not_booked");
            pnb += fen(f, "paid_not_booked");
            bnr += fen(f, "booked_not_received");
            bnp += fen(f, "booked_not_paid");
        }
        assert_true(rnb > 0 && pnb > 0 && bnr > 0 && bnp > 0);
    }
    json_t *t = json_object_get(k, "totals");
    assert_int_equal(fen(t, "transfer"), transfer);
    assert_int_equal(fen(t, "claims"), claims);
    assert_int_equal(fen(t, "debts"), debts);
    /* 九台's maternity fund 05 is inside its 310: two city funds, not three. */
    assert_int_equal(json_array_size(json_object_get(county(k, "220113"), "funds")), 2);
    json_decref(k);
}

static void test_xml_passes_schema(void **state)
{
    (void)state;
    char cmd[3000];
    const char *xsd = TC_TEST_SOURCE_DIR "/extract/schema/handover-1.xsd";
    for (int i = 0; i < 7; i++) {
        const char *s = sources[i];
        if (strstr(s, ".xml.gz"))
            snprintf(cmd, sizeof(cmd),
                     "gzip -dc '%s/sources/%s' | xmllint --noout --stream --schema '%s' - 2>&1",
                     dir_a, s, xsd);
        else if (strstr(s, ".xml"))
            snprintf(cmd, sizeof(cmd), "xmllint --noout --stream --schema '%s' '%s/sources/%s' 2>&1",
                     xsd, dir_a, s);
        else
            continue;
        if (system(cmd) != 0)
            fail_msg("%s does not pass xmllint --schema", s);
    }
    /* The XML-only run writes the legacy counties as XML; they pass too. */
    snprintf(cmd, sizeof(cmd), "xmllint --noout --stream --schema '%s' '%s/sources/220183.xml' 2>&1",
             xsd, dir_c);
    assert_int_equal(system(cmd), 0);
}

/* --------------------------------------------------------------- dumps */

static long long scalar(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static long long key_count(json_t *c, const char *type)
{
    json_t *r = json_object_get(json_object_get(json_object_get(c, "source"), "records"), type);
    return (long long)json_integer_value(json_object_get(r, "count"));
}

static void test_dumps_restore(void **state)
{
    (void)state;
    tc_pgserver *srv = pgtest_server();
    tc_err e;
    json_t *k = load_key(dir_a);

    /* Plain, gzipped, GBK: psql restores it. */
    char sql[700], cmd[1600];
    snprintf(sql, sizeof(sql), "%s/220182.sql", tmp);
    snprintf(cmd, sizeof(cmd), "gzip -dc '%s/sources/220182.sql.gz' > '%s'", dir_a, sql);
    assert_int_equal(system(cmd), 0);
    size_t n;
    char *text = (char *)tctest_slurp(sql, &n);
    assert_non_null(strstr(text, "SET client_encoding = 'GBK';"));
    free(text);
    assert_int_equal(pgtest_createdb("r182"), 0);
    const char *psql[] = {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "r182", "-f", sql, NULL};
    if (tc_pgserver_run(srv, psql, "/dev/null", &e))
        fail_msg("psql: %s (%s)", e.msg, e.hint);
    PGconn *c = pgtest_connect("r182");
    json_t *kc = county(k, "220182");
    assert_int_equal(scalar(c, "SELECT count(*) FROM zj_jfmx"), key_count(kc, "contribution"));
    assert_int_equal(scalar(c, "SELECT count(*) - count(DISTINCT (jfdx, dxlb, xzlx, ssq)) FROM zj_jfmx"), 1);
    assert_int_equal(scalar(c, "SELECT count(*) FROM kj_pzmx"), key_count(kc, "voucher_line"));
    assert_int_equal(scalar(c, "SELECT count(*) FROM gr_zh"), key_count(kc, "personal_account"));
    assert_int_equal(scalar(c, "SELECT count(*) FROM yh_dzd"), key_count(kc, "bank_entry"));
    /* Contribution amounts are kept in fen. */
    json_t *tot = json_object_get(json_object_get(json_object_get(json_object_get(kc, "source"),
                                                                  "records"), "contribution"), "totals");
    assert_int_equal(scalar(c, "SELECT sum(sjje) FROM zj_jfmx"), fen(tot, "paid"));
    assert_int_equal(scalar(c, "SELECT count(*) FROM kj_km WHERE kmmc = '暂付款'"), 1);
    PQfinish(c);

    /* Custom format: pg_restore restores it. */
    char dump[700];
    snprintf(dump, sizeof(dump), "%s/sources/220183.dump", dir_a);
    assert_int_equal(pgtest_createdb("r183"), 0);
    const char *restore[] = {"pg_restore", "--no-owner", "-d", "r183", dump, NULL};
    if (tc_pgserver_run(srv, restore, NULL, &e))
        fail_msg("pg_restore: %s (%s)", e.msg, e.hint);
    c = pgtest_connect("r183");
    kc = county(k, "220183");
    assert_int_equal(scalar(c, "SELECT count(*) FROM zj_jfmx"), key_count(kc, "contribution"));
    assert_int_equal(scalar(c, "SELECT count(*) FROM kj_kmye"), key_count(kc, "balance"));
    assert_int_equal(scalar(c, "SELECT count(*) FROM yy_jsqf"), key_count(kc, "payable"));
    tot = json_object_get(json_object_get(json_object_get(json_object_get(kc, "source"), "records"),
                                          "personal_account"), "totals");
    assert_int_equal(scalar(c, "SELECT (sum(ye) * 100)::bigint FROM gr_zh"), fen(tot, "balance"));
    /* The archive says it was made on the cutover day, whatever the clock. */
    snprintf(cmd, sizeof(cmd), "pg_restore --list '%s' | grep -q 'Archive created at 2021-06-30 18:00:00'",
             dump);
    assert_int_equal(system(cmd), 0);
    PQfinish(c);
    json_decref(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_mapping_set_is_current),
        cmocka_unit_test(test_key_findings),
        cmocka_unit_test(test_key_figures),
        cmocka_unit_test(test_xml_passes_schema),
        cmocka_unit_test(test_dumps_restore),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
