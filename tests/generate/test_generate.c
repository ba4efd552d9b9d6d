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
 *    the records the key counts, the duplicate included;
 *  - the record orders (--order period, mixed) write the same records and
 *    the same answer key as payer order, in the order they promise.
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

static int gen_ordered(const char *dir, uint64_t seed, int xml_only, int order)
{
    tc_gen_options o;
    tc_gen_defaults(&o);
    o.dir = dir;
    o.records = 300;
    o.seed = seed;
    o.xml_only = xml_only;
    o.order = order;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_gen_city(&o, &e);
    if (rc)
        fprintf(stderr, "generate %s: %s (%s)\n", dir, e.msg, e.hint);
    return rc;
}

static int gen(const char *dir, uint64_t seed, int xml_only)
{
    return gen_ordered(dir, seed, xml_only, TC_GEN_ORDER_PAYER);
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

/*
 * Every finding the key must hold for seed 11 and 300 contribution records
 * a county, county by county in the key's order (code, fund, ref).  Each
 * comes from one injection (search INJ_ in generate/); where the figure
 * depends on the seed, the comment gives the generated figures it is
 * worked out from (they are in the sources: the same seed, the same bytes).
 */
static const struct {
    const char *county, *code, *fund, *ref, *amount, *severity;
} expected_findings[] = {
    /* payer 3, an employee (born 1950-01-04, sequence 000, check digit X),
     * January: due one fen above round(base x 2 %) (gen_model.c, INJ_DUE) */
    {"220112", "DUE_MISMATCH", "310", "220112********000X/employee/2021-01", "0.01", "warning"},
    /* March closing of 暂付款 (1101) typed 100.00 too high; April opens from
     * the right figure (gen_ledger.c balances(), INJ_ROLLFORWARD) */
    {"220112", "PERIOD_GAP", "310", "1101/2021-03", "-100.00", "blocking"},
    {"220112", "ROLLFORWARD_BREAK", "310", "1101/2021-03", "100.00", "blocking"},
    /* the February institution payment of fund 01 (the month's 4th voucher:
     * receipt, sweep, top-up, payment) debited 0.01 too much: unbalanced,
     * and posted faithfully it breaks the equation (INJ_UNBALANCED) */
    {"220113", "EQUATION_BREAK", "310", "2021-06", "0.01", "blocking"},
    /* employer 0, February, charged at 6 % (INJ_RATE): base 1816966.68 (seed
     * 11), due round(6 %) = 109018.00, round(7 %) = 127187.67 */
    {"220113", "RATE_MISMATCH", "310", "91220113MA00000072/employer/2021-02", "-18169.67",
     "warning"},
    {"220113", "VOUCHER_UNBALANCED", "310", "2021-02-0004", "0.01", "blocking"},
    /* resident 8's identity number with a broken check digit (INJ_CHECK_DIGIT) */
    {"220184", "BAD_CHECK_DIGIT", "390", "220381********0001/resident/2021-01", "0.00", "warning"},
    /* the income account of fund 11 (its number from seed 11): the statement
     * opens 50.00 higher than the ledger (INJ_BANK) */
    {"220184", "BANK_UNRECONCILED", "310", "2203810089212946", "-50.00", "blocking"},
    /* the April voucher clearing 60 % of February's advance to a hospital is
     * lost from the export (INJ_TURNOVER): the advance is 319972.51 (seed 11,
     * 300000.00 + h mod 100000.00), 31997251 fen x 6 / 10 = 19198350 fen */
    {"220184", "TURNOVER_MISMATCH", "310", "1101/2021-04/credit", "191983.50", "blocking"},
    {"220184", "TURNOVER_MISMATCH", "310", "5001/2021-04/debit", "191983.50", "blocking"},
    /* ... and leaves a hole in April's voucher numbers (a dump would carry
     * no control total to tell) */
    {"220184", "VOUCHER_GAP", "", "2021-04-0005", "0.00", "warning"},
    /* May: half the contributions received, at most 3500.00, booked to 暂收款
     * (INJ_CONTRIB); May's receipts are far above 7000.00, so the cap */
    {"220182", "CONTRIB_LEDGER_MISMATCH", "310", "2021-01..2021-06", "3500.00", "blocking"},
    /* employer 0's 2019-07 arrears row imported twice (INJ_DUPLICATE): its due,
     * base 1689512.91 (seed 11) x 7 % = 118265.90; the source's own codes */
    {"220182", "DUPLICATE_RECORD", "310", "contribution 91220182MA00000070/1/01/2019-07",
     "118265.90", "blocking"},
    /* the resident fund's 暂付款 opens 1000.00 too high (INJ_EQUATION) */
    {"220183", "EQUATION_BREAK", "390", "2021-06", "1000.00", "blocking"},
    /* payer 3's personal account +12.34 in the detail (INJ_PERSONAL) */
    {"220183", "PERSONAL_ACCOUNT_MISMATCH", "310", "300102", "12.34", "blocking"},
};

static void test_key_findings(void **state)
{
    (void)state;
    json_t *k = load_key(dir_a);
    assert_string_equal(str(k, "format"), "tongchou-answer-key/1");
    assert_string_equal(str(k, "status"), "blocked");
    assert_int_equal(json_array_size(json_object_get(k, "counties")), 7);
    assert_string_equal(str(county(k, "220184"), "source_county"), "220381");

    /* Each county holds exactly its expected findings, in order; 220100 and
     * 220122 are clean. */
    size_t nexp = sizeof(expected_findings) / sizeof(expected_findings[0]), seen = 0;
    static const char *const counties[7] = {"220100", "220112", "220113", "220184",
                                            "220182", "220183", "220122"};
    for (int i = 0; i < 7; i++) {
        json_t *fs = json_object_get(county(k, counties[i]), "findings");
        size_t n = 0;
        for (size_t x = 0; x < nexp; x++) {
            if (strcmp(expected_findings[x].county, counties[i]) != 0)
                continue;
            json_t *f = json_array_get(fs, n++);
            if (!f)
                fail_msg("county %s: no finding %s %s", counties[i], expected_findings[x].code,
                         expected_findings[x].ref);
            assert_string_equal(str(f, "code"), expected_findings[x].code);
            assert_string_equal(str(f, "fund"), expected_findings[x].fund);
            assert_string_equal(str(f, "ref"), expected_findings[x].ref);
            assert_string_equal(str(f, "amount"), expected_findings[x].amount);
            assert_string_equal(str(f, "severity"), expected_findings[x].severity);
        }
        assert_int_equal(json_array_size(fs), n);
        seen += n;
    }
    assert_int_equal(seen, nexp);
    assert_int_equal(nexp, 15);
    json_decref(k);
}

/*
 * The figures of seed 11 with 300 contribution records a county, in fen,
 * as the generator's own bookkeeping gives them (computed once from
 * answer-key.json; the same seed gives the same bytes, so a change here is
 * a change to the story the generator tells):
 *
 *  - fund 310: employer arrears, by age 0-3 / 4-12 / 13+ months (pass 1 of
 *    gen_ledger.c): every 40th employer (0, and 40 where the 300 records
 *    reach it) left 2019-07 and 2020-03 (13+) and 2020-11 (4-12) partly
 *    unpaid - 220182's duplicated 2019-07 row counts twice; the employers
 *    whose hash is 1 mod 20 paid half of February (4-12) and nothing of May
 *    and June (0-3) - none among the payers of 220113 and 220122; and the
 *    personal accounts (gen_walk_personal);
 *  - fund 390: the subsidy shortfall (claims_and_debts: last year the
 *    county level paid 80 %, this year central and province half, city a
 *    quarter, county nothing);
 *  - the outstanding bank items summed over the county's accounts
 *    (banks()): received not booked (the bank's interest, fiscal accounts),
 *    paid not booked (the bank's fee, expense accounts), booked not received
 *    (the cutover interest, income accounts), booked not paid (the last
 *    institution payment, expense accounts);
 *  - how many city funds (220100 has 330 too; 九台's 05 is inside its 310)
 *    and bank accounts (three per county fund: 220100 and 220113 have
 *    three funds, the others two).
 */
static const struct {
    const char *county;
    size_t nfunds, nbank;
    int64_t arrears, aging[3], personal; /* fund 310 */
    int64_t shortfall;                   /* fund 390 */
    int64_t rnb, pnb, bnr, bnp;          /* summed over the bank accounts */
} expected_figures[7] = {
    {"220100", 3, 9, 42446813, {10167399, 12200865, 20078549}, 33718077, 382183212,
     127596, 12593, 182569, 16027877},
    {"220112", 2, 6, 27714250, {16392870, 6231027, 5090353}, 44205861, 355019399,
     121016, 12304, 57266, 35490368},
    {"220113", 2, 9, 46002242, {0, 16242819, 29759423}, 30346386, 410872371,
     246759, 16573, 182568, 33279899},
    {"220184", 2, 6, 37964661, {24443936, 8909000, 4611725}, 40449224, 381680994,
     124712, 12388, 74697, 30219921},
    {"220182", 2, 6, 80210802, {17563022, 22868602, 39779178}, 43436166, 400040790,
     152475, 6506, 122683, 16986767},
    {"220183", 2, 6, 56713140, {25608527, 14888498, 16216115}, 42638183, 498947234,
     89391, 11277, 147928, 30718342},
    {"220122", 2, 6, 27564642, {0, 10469376, 17095266}, 44091108, 404952496,
     147471, 11373, 57964, 25168682},
};

/* Figures hang together: net = cash + receivables - payables, transfer =
 * cash, and the totals are the sums over counties; and each is the one the
 * construction gives (expected_figures). */
static void test_key_figures(void **state)
{
    (void)state;
    json_t *k = load_key(dir_a);
    int64_t transfer = 0, claims = 0, debts = 0;
    size_t i, j;
    json_t *c, *f;
    json_array_foreach(json_object_get(k, "counties"), i, c)
    {
        assert_true(i < 7);
        assert_string_equal(str(c, "county"), expected_figures[i].county);
        json_t *recs = json_object_get(json_object_get(c, "source"), "records");
        assert_int_equal(json_integer_value(json_object_get(json_object_get(recs, "contribution"), "count")), 300);
        int has_equation_break = 0;
        json_array_foreach(json_object_get(c, "findings"), j, f) has_equation_break |=
            strcmp(str(f, "code"), "EQUATION_BREAK") == 0;
        assert_int_equal(json_array_size(json_object_get(c, "funds")), expected_figures[i].nfunds);
        int saw310 = 0, saw390 = 0;
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
            int is310 = strcmp(str(f, "fund"), "310") == 0;
            int is390 = strcmp(str(f, "fund"), "390") == 0;
            saw310 += is310;
            saw390 += is390;
            /* Employers pay into 310 only, personal accounts are 310's, and
             * only the resident fund 390 is subsidised. */
            assert_int_equal(fen(f, "employer_arrears"), is310 ? expected_figures[i].arrears : 0);
            assert_int_equal(fen(ag, "0-3"), is310 ? expected_figures[i].aging[0] : 0);
            assert_int_equal(fen(ag, "4-12"), is310 ? expected_figures[i].aging[1] : 0);
            assert_int_equal(fen(ag, "13+"), is310 ? expected_figures[i].aging[2] : 0);
            assert_int_equal(fen(f, "personal_accounts"), is310 ? expected_figures[i].personal : 0);
            assert_int_equal(fen(f, "subsidy_shortfall"),
                             is390 ? expected_figures[i].shortfall : 0);
        }
        assert_int_equal(saw310, 1);
        assert_int_equal(saw390, 1);
        /* Every county shows the four kinds of outstanding bank item. */
        assert_int_equal(json_array_size(json_object_get(c, "bank")), expected_figures[i].nbank);
        int64_t rnb = 0, pnb = 0, bnr = 0, bnp = 0;
        json_array_foreach(json_object_get(c, "bank"), j, f)
        {
            rnb += fen(f, "received_not_booked");
            pnb += fen(f, "paid_not_booked");
            bnr += fen(f, "booked_not_received");
            bnp += fen(f, "booked_not_paid");
        }
        assert_int_equal(rnb, expected_figures[i].rnb);
        assert_int_equal(pnb, expected_figures[i].pnb);
        assert_int_equal(bnr, expected_figures[i].bnr);
        assert_int_equal(bnp, expected_figures[i].bnp);
    }
    assert_int_equal(i, 7);
    json_t *t = json_object_get(k, "totals");
    assert_int_equal(fen(t, "transfer"), transfer);
    assert_int_equal(fen(t, "claims"), claims);
    assert_int_equal(fen(t, "debts"), debts);
    /* The same, as the construction gives them (seed 11, 300 records): the
     * claims are the arrears and shortfalls above, 3186165.50 + 28336964.96. */
    assert_int_equal(transfer, 117882606540);
    assert_int_equal(claims, 3152313046);
    assert_int_equal(debts, 2723116622);
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

/* -------------------------------------------------------------- orders */

/* The contribution lines of dir's 220100.xml, in file order: payer and
 * period of each into pp (n of them), the lines' SHA-256 sorted into
 * sorted (the same records in any order). */
typedef struct { char payer[19]; char period[8]; } pp_t;

static size_t contributions(const char *dir, pp_t *pp, size_t cap, char *sorted)
{
    char cmd[1000];
    snprintf(cmd, sizeof(cmd), "grep -h '<Contribution ' '%s/sources/220100.xml' | sort | "
             "sha256sum | cut -c1-64", dir);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(sorted, 80, f));
    assert_int_equal(pclose(f), 0);
    snprintf(cmd, sizeof(cmd), "%s/sources/220100.xml", dir);
    f = fopen(cmd, "r");
    assert_non_null(f);
    char line[1024];
    size_t n = 0;
    while (fgets(line, sizeof(line), f)) {
        const char *p = strstr(line, "<Contribution payer=\""), *q = strstr(line, " period=\"");
        if (!p || !q)
            continue;
        assert_true(n < cap);
        memcpy(pp[n].payer, p + 21, 18);
        pp[n].payer[18] = 0;
        memcpy(pp[n].period, q + 9, 7);
        pp[n].period[7] = 0;
        n++;
    }
    fclose(f);
    return n;
}

static void test_orders(void **state)
{
    (void)state;
    char dp[700], dm[700], ka[TC_DIGEST_TEXT_MAX], kb[TC_DIGEST_TEXT_MAX];
    snprintf(dp, sizeof(dp), "%s/period", tmp);
    snprintf(dm, sizeof(dm), "%s/mixed", tmp);
    assert_int_equal(gen_ordered(dp, 12, 1, TC_GEN_ORDER_PERIOD), 0);
    assert_int_equal(gen_ordered(dm, 12, 1, TC_GEN_ORDER_MIXED), 0);
    /* The same answer key as payer order (dir_c: seed 12, XML only). */
    digest_of(dir_c, "answer-key.json", ka);
    digest_of(dp, "answer-key.json", kb);
    assert_string_equal(ka, kb);
    digest_of(dm, "answer-key.json", kb);
    assert_string_equal(ka, kb);
    static pp_t a[300], b[300], c[300];
    char sa[80], sb[80], sc[80];
    size_t na = contributions(dir_c, a, 300, sa), nb = contributions(dp, b, 300, sb),
           nc = contributions(dm, c, 300, sc);
    /* the same 300 records, every one, the last payer's cut alike */
    assert_int_equal(na, 300);
    assert_int_equal(nb, 300);
    assert_int_equal(nc, 300);
    assert_string_equal(sa, sb);
    assert_string_equal(sa, sc);
    /* payer order: runs; period order: periods never go back, and a
     * payer's records of a period come together (one run per payer and
     * period, its two funds); mixed: the same, payers not ascending */
    int runs_a = 0, back_b = 0, repeat_b = 0, back_c = 0, descents_c = 0;
    for (size_t i = 1; i < 300; i++) {
        runs_a += strcmp(a[i].payer, a[i - 1].payer) != 0;
        back_b += strcmp(b[i].period, b[i - 1].period) < 0;
        back_c += strcmp(c[i].period, c[i - 1].period) < 0;
        descents_c += strcmp(c[i].period, c[i - 1].period) == 0 &&
                      strcmp(c[i].payer, c[i - 1].payer) < 0;
        for (size_t k = 0; k + 1 < i; k++)
            if (strcmp(b[k].period, b[i].period) == 0 && strcmp(b[k].payer, b[i].payer) == 0 &&
                strcmp(b[i - 1].payer, b[i].payer) != 0)
                repeat_b++;
    }
    assert_true(runs_a < 60);      /* about 20 payers' runs */
    assert_int_equal(back_b, 0);
    assert_int_equal(back_c, 0);
    assert_int_equal(repeat_b, 0);
    assert_true(descents_c > 10);  /* scrambled */
    /* and not the same file */
    digest_of(dir_c, "sources/220100.xml", ka);
    digest_of(dp, "sources/220100.xml", kb);
    assert_string_not_equal(ka, kb);
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
        cmocka_unit_test(test_orders),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
