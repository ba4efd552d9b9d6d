/*
 * test_months.c - the example city's months after the cutover
 * (tongchou generate --months; docs/example-city.md, "After the cutover").
 *
 * Two small cities (100 records a county, XML only, seed 5):
 *
 *   A  cutover 2021-12-31, 12 months: the budget year 2022 whole;
 *   S  cutover 2021-06-30, 12 months: a stub of 2021 (Jul-Dec, settled)
 *      and the first half of 2022 (not settled);
 *
 * and A again (the same bytes) and A without --months (the handover files
 * unchanged).  The key's figures are checked against what operations/
 * computes from the files: the months through the real extract and map
 * and tc_month; budget.csv and requests.csv through tc_ops_year_settle;
 * city.csv and the funding through tc_subledger and tc_ops_overdue.
 */
#include "tests/support/tctest.h"

#include <jansson.h>
#include <sys/stat.h>

#include "core/batch.h"
#include "core/digest.h"
#include "core/money.h"
#include "generate/gen.h"
#include "mappings/mapset.h"
#include "operations/budget.h"
#include "operations/cycle.h"
#include "operations/month.h"
#include "operations/subledger.h"
#include "operations/year.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"

static char *tmp;
static char dir_a[600], dir_a2[600], dir_b[600], dir_s[600];
static tc_mapset *set;
static json_t *key_a, *key_s;

static int gen(const char *dir, const char *cutover, int months)
{
    tc_gen_options o;
    tc_gen_defaults(&o);
    o.dir = dir;
    o.records = 100;
    o.seed = 5;
    o.xml_only = 1;
    o.months = months;
    snprintf(o.cutover, sizeof(o.cutover), "%s", cutover);
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_gen_city(&o, &e);
    if (rc)
        fprintf(stderr, "generate %s: %s (%s)\n", dir, e.msg, e.hint);
    return rc;
}

static json_t *load(const char *dir)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/operations/answer-key.json", dir);
    json_error_t je;
    json_t *k = json_load_file(path, 0, &je);
    if (!k)
        fprintf(stderr, "%s: %s\n", path, je.text);
    return k;
}

static int setup(void **state)
{
    (void)state;
    tmp = tctest_tmpdir();
    snprintf(dir_a, sizeof(dir_a), "%s/a", tmp);
    snprintf(dir_a2, sizeof(dir_a2), "%s/a2", tmp);
    snprintf(dir_b, sizeof(dir_b), "%s/b", tmp);
    snprintf(dir_s, sizeof(dir_s), "%s/s", tmp);
    if (gen(dir_a, "2021-12-31", 12) || gen(dir_a2, "2021-12-31", 12) ||
        gen(dir_b, "2021-12-31", 0) || gen(dir_s, "2021-06-30", 12))
        return -1;
    tc_err e;
    if (tc_mapset_load(&set, SET, &e))
        return -1;
    key_a = load(dir_a);
    key_s = load(dir_s);
    return key_a && key_s ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(key_a);
    json_decref(key_s);
    tc_mapset_free(set);
    tctest_rmtree(tmp);
    free(tmp);
    return 0;
}

/* ------------------------------------------------------------- helpers */

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int64_t fen(json_t *o, const char *k)
{
    const char *s = str(o, k);
    if (!s)
        fail_msg("no amount '%s' in the key", k);
    int64_t v;
    tc_err e;
    if (tc_money_parse_yuan(s, strlen(s), &v, &e))
        fail_msg("bad amount '%s': %s", s, e.msg);
    return v;
}

static int64_t yuan_fen(const char *s)
{
    int64_t v;
    tc_err e;
    assert_int_equal(tc_money_parse_yuan(s, strlen(s), &v, &e), 0);
    return v;
}

static json_t *county_of(json_t *k, const char *code)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(k, "counties"), i, c) if (strcmp(str(c, "county"), code) == 0) return c;
    fail_msg("no county %s in the key", code);
    return NULL;
}

static json_t *fund_of(json_t *c, const char *fund)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(c, "funds"), i, f) if (strcmp(str(f, "fund"), fund) == 0) return f;
    fail_msg("no fund %s in the key", fund);
    return NULL;
}

static json_t *case_of(json_t *k, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(k, "cases"), i, c) if (strcmp(str(c, "case"), name) == 0) return c;
    fail_msg("no case %s in the key", name);
    return NULL;
}

static int exists(const char *dir, const char *name)
{
    char path[900];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &st) == 0 && st.st_size > 0;
}

static void digest_of(const char *dir, const char *name, char *out)
{
    char path[900];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    tc_err e;
    if (tc_digest_file(TC_DIGEST_SHA256, path, out, &e))
        fail_msg("%s: %s", path, e.msg);
}

static int period_num(const char *p) { return atoi(p) * 100 + atoi(p + 5); }

static const char *const ledgers[7] = {"220100.xml", "220112.xml", "220113.xml.gz",
                                       "220381.xml.gz", "220182.xml", "220183.xml", "220122.xml"};

/* ------------------------------------------------------------- files */

static void test_files(void **state)
{
    (void)state;
    char name[128];
    for (int m = 1; m <= 12; m++) {
        for (int i = 0; i < 7; i++) {
            snprintf(name, sizeof(name), "months/2022-%02d/%s", m, ledgers[i]);
            if (!exists(dir_a, name))
                fail_msg("%s is missing", name);
        }
        snprintf(name, sizeof(name), "months/2022-%02d/city.csv", m);
        assert_true(exists(dir_a, name));
    }
    assert_false(exists(dir_a, "months/2023-01/city.csv"));
    assert_true(exists(dir_a, "operations/budget.csv"));
    assert_true(exists(dir_a, "operations/requests.csv"));
    assert_true(exists(dir_a, "operations/exceptions.csv"));
    assert_true(exists(dir_a, "operations/answer-key.json"));
    /* the stub city: July 2021 to June 2022 */
    assert_true(exists(dir_s, "months/2021-07/220100.xml"));
    assert_true(exists(dir_s, "months/2022-06/220100.xml"));
    assert_false(exists(dir_s, "months/2022-07/220100.xml"));
    /* without --months, nothing after the cutover */
    assert_false(exists(dir_b, "months/2022-01/city.csv"));
    assert_false(exists(dir_b, "operations/answer-key.json"));
}

static void test_same_bytes(void **state)
{
    (void)state;
    char a[TC_DIGEST_TEXT_MAX], b[TC_DIGEST_TEXT_MAX], name[128];
    for (int m = 1; m <= 12; m++)
        for (int i = 0; i < 8; i++) {
            if (i < 7)
                snprintf(name, sizeof(name), "months/2022-%02d/%s", m, ledgers[i]);
            else
                snprintf(name, sizeof(name), "months/2022-%02d/city.csv", m);
            digest_of(dir_a, name, a);
            digest_of(dir_a2, name, b);
            if (strcmp(a, b) != 0)
                fail_msg("%s differs between two runs", name);
        }
    static const char *const ops[4] = {"budget.csv", "requests.csv", "exceptions.csv",
                                       "answer-key.json"};
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "operations/%s", ops[i]);
        digest_of(dir_a, name, a);
        digest_of(dir_a2, name, b);
        assert_string_equal(a, b);
    }
    /* --months leaves the handover's files as they were */
    static const char *const handover[8] = {
        "sources/220100.xml", "sources/220112.xml", "sources/220113.xml.gz",
        "sources/220381.xml.gz", "sources/220182.xml", "sources/220183.xml",
        "sources/220122.xml", "answer-key.json"};
    for (int i = 0; i < 8; i++) {
        digest_of(dir_a, handover[i], a);
        digest_of(dir_b, handover[i], b);
        if (strcmp(a, b) != 0)
            fail_msg("%s differs with --months", handover[i]);
    }
}

/* Too few months for the cases, or one county alone: refused, nothing written. */
static void test_refusals(void **state)
{
    (void)state;
    char dir[700];
    snprintf(dir, sizeof(dir), "%s/refused", tmp);
    tc_gen_options o;
    tc_gen_defaults(&o);
    o.dir = dir;
    o.xml_only = 1;
    o.months = 6;
    tc_err e;
    assert_int_equal(tc_gen_city(&o, &e), TC_EUSAGE);
    assert_non_null(strstr(e.msg, "12 to 120"));
    o.months = 121;
    assert_int_equal(tc_gen_city(&o, &e), TC_EUSAGE);
    o.months = 12;
    o.only = "220100";
    assert_int_equal(tc_gen_city(&o, &e), TC_EUSAGE);
    struct stat st;
    assert_int_not_equal(stat(dir, &st), 0);
}

/* ------------------------------------------------------ injected cases */

static void test_cases(void **state)
{
    (void)state;
    json_t *k = key_a;
    tc_err e;

    /* 1. 双阳 310: the income of 2022-02 and 2022-03 is remitted only in
     * April, so at the end of March February's income is overdue (one
     * month past due); March's is not due yet; April clears both. */
    json_t *c = case_of(k, "REMITTANCE_OVERDUE");
    assert_string_equal(str(c, "county"), "220112");
    assert_string_equal(str(c, "income_period"), "2022-02");
    assert_string_equal(str(c, "as_of"), "2022-03");
    json_t *f = fund_of(county_of(k, "220112"), "310");
    json_t *months = json_object_get(f, "months");
    int64_t inc[12], rem[12];
    for (int m = 0; m < 12; m++) {
        inc[m] = fen(json_array_get(months, (size_t)m), "income");
        rem[m] = fen(json_array_get(months, (size_t)m), "remitted_up");
    }
    assert_int_equal(rem[1], 0);
    assert_int_equal(rem[2], 0);
    assert_int_equal(rem[3], inc[1] + inc[2] + inc[3]);
    assert_int_equal(fen(c, "amount"), inc[1]);
    /* seed 5: February's income 1 589 304.41 is overdue at the end of
     * March; April remits 1 634 796.62 + 1 589 304.41 + 1 847 147.52
     * = 5 071 248.55 */
    assert_int_equal(fen(c, "amount"), 158930441);
    assert_int_equal(rem[3], 507124855);
    json_t *od = json_object_get(json_array_get(months, 2), "overdue");
    assert_int_equal(json_array_size(od), 1);
    assert_int_equal(fen(json_array_get(od, 0), "amount"), inc[1]);
    assert_int_equal(json_array_size(json_object_get(json_array_get(months, 3), "overdue")), 0);

    /* 2. 德惠 310: the fourth quarter asks more than its headroom; the
     * city approves the headroom, the rest is REQUEST_OVER_BUDGET. */
    c = case_of(k, "REQUEST_OVER_BUDGET");
    assert_string_equal(str(c, "county"), "220183");
    assert_int_equal(json_integer_value(json_object_get(c, "quarter")), 4);
    assert_int_equal(fen(c, "approved"), fen(c, "headroom"));
    assert_int_equal(fen(c, "excess"), fen(c, "requested") - fen(c, "headroom"));
    assert_true(fen(c, "excess") > 0);
    /* seed 5: basis 19 320 078.71; Q1-Q3 approved 4 636 819.16 +
     * 4 491 919.14 + 4 540 219.43 = 13 668 957.73; Q4 headroom
     * 19 320 078.71 x 4/4 - 13 668 957.73 = 5 651 120.98; requested
     * 5 667 643.83, so approved 5 651 120.98 and the excess 16 522.85 */
    assert_int_equal(fen(c, "headroom"), 565112098);
    assert_int_equal(fen(c, "requested"), 566764383);
    assert_int_equal(fen(c, "excess"), 1652285);

    /* 2b. 市本级 330: the first request over its headroom, named by a
     * signed exception (exceptions.csv), so approved whole; the finding
     * stays, with its excess. */
    c = case_of(k, "REQUEST_EXCEPTED");
    assert_string_equal(str(c, "county"), "220100");
    assert_string_equal(str(c, "fund"), "330");
    assert_int_equal(json_integer_value(json_object_get(c, "quarter")), 1);
    assert_int_equal(fen(c, "approved"), fen(c, "requested"));
    assert_int_equal(fen(c, "excess"), fen(c, "requested") - fen(c, "headroom"));
    assert_true(fen(c, "excess") > 0);
    /* seed 5: basis 93 393.62 (大额 is small); Q1 headroom 93 393.62 x 1/4
     * = 23 348.405, rounded to 23 348.41; requested 28 018.72, approved
     * whole, excess 4 670.31.  Q2's headroom 46 696.81 - 28 018.72 =
     * 18 678.09, and the county asks no more. */
    assert_int_equal(fen(c, "headroom"), 2334841);
    assert_int_equal(fen(c, "requested"), 2801872);
    assert_int_equal(fen(c, "excess"), 467031);
    json_t *y330 = json_array_get(json_object_get(fund_of(county_of(k, "220100"), "330"), "years"), 0);
    json_t *q2 = json_array_get(json_object_get(y330, "requests"), 1);
    assert_int_equal(fen(q2, "headroom"), 1867809);
    assert_int_equal(fen(q2, "approved"), 1867809);

    /* 3. 九台 310: a gap covered whole by its surplus. */
    c = case_of(k, "DEFICIT_COVERED");
    assert_string_equal(str(c, "county"), "220113");
    assert_true(fen(c, "gap") > 0);
    assert_int_equal(fen(c, "cover"), fen(c, "gap"));
    assert_int_equal(fen(c, "government"), 0);
    assert_int_equal(fen(c, "closing_surplus"), fen(c, "opening_surplus") - fen(c, "gap"));
    /* seed 5: S 133 052 036.05 (the handover's 01 and 05 together);
     * income 22 171 557.47, expenditure 104 663 819.88: G = 82 492 262.41,
     * all covered; closing 133 052 036.05 - 82 492 262.41 = 50 559 773.64 */
    assert_int_equal(fen(c, "opening_surplus"), 13305203605);
    assert_int_equal(fen(c, "gap"), 8249226241);
    assert_int_equal(fen(c, "closing_surplus"), 5055977364);

    /* 4. 公主岭 310: a gap beyond its surplus; the government bears the rest. */
    c = case_of(k, "DEFICIT_GOVERNMENT");
    assert_string_equal(str(c, "county"), "220184");
    assert_int_equal(fen(c, "cover"), fen(c, "opening_surplus"));
    assert_int_equal(fen(c, "government"), fen(c, "gap") - fen(c, "opening_surplus"));
    assert_true(fen(c, "government") > 0);
    assert_int_equal(fen(c, "closing_surplus"), 0);
    /* seed 5: S 53 778 880.72; income 21 509 908.22, expenditure
     * 81 204 466.08: G = 59 694 557.86, cover 53 778 880.72, the
     * government's share 5 915 677.14 */
    assert_int_equal(fen(c, "opening_surplus"), 5377888072);
    assert_int_equal(fen(c, "gap"), 5969455786);
    assert_int_equal(fen(c, "government"), 591567714);

    /* 5. 农安 390: no budget row for 2022, so the float rests on 2021's
     * actual expenditure, which is the handover ledger's year. */
    c = case_of(k, "NO_BUDGET_ROW");
    assert_string_equal(str(c, "county"), "220122");
    assert_string_equal(str(c, "fund"), "390");
    tc_budget *b;
    char path[700];
    snprintf(path, sizeof(path), "%s/operations/budget.csv", dir_a);
    assert_int_equal(tc_budget_read(&b, path, set, &e), 0);
    assert_null(tc_budget_find(b, "220122", "390", 2022));
    assert_non_null(tc_budget_find(b, "220122", "310", 2022));
    tc_budget_free(b);
    int64_t pre;
    assert_int_equal(tc_ops_muldiv(fen(c, "basis_amount"), 3, 12, &pre, &e), 0);
    assert_int_equal(fen(c, "preallocation"), pre);
    /* seed 5: 2021's 5001 debits 30 845 250.66 x 3/12 = 7 711 312.665,
     * which rounds half away from zero to 7 711 312.67 */
    assert_int_equal(fen(c, "basis_amount"), 3084525066);
    assert_int_equal(fen(c, "preallocation"), 771131267);
}

/* ---------------------- a month through extract, map and operations/month */

static void month_through_pipeline(json_t *k, const char *dir, const char *period)
{
    char out[800], cmap[800], src[2000] = "", path[900];
    snprintf(out, sizeof(out), "%s/x-%s", dir, period);
    snprintf(cmap, sizeof(cmap), "%s/m-%s", dir, period);
    for (int i = 0; i < 7; i++) {
        size_t n = strlen(src);
        snprintf(src + n, sizeof(src) - n, " '%s/months/%s/%s'", dir, period, ledgers[i]);
    }
    if (tctest_run("'%s' extract -q -o '%s' %s", tctest_tongchou(), out, src))
        fail_msg("extract refused the ledgers of %s", period);
    if (tctest_run("'%s' map -q -m '%s' -o '%s' '%s'/*.tcb", tctest_tongchou(), SET, cmap, out))
        fail_msg("map refused the ledgers of %s", period);
    /* the handover's reconcile finds the month clean: balanced vouchers,
     * balances that roll forward, banks that agree, contributions that
     * are the 4001 credits (exit 0: no finding at all) */
    if (tctest_run("'%s' reconcile -q -m '%s' -o '%s/r-%s' '%s'/*.tcb >/dev/null", tctest_tongchou(),
                   SET, dir, period, cmap))
        fail_msg("reconcile found something in the ledgers of %s", period);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(k, "counties"), i, c)
    {
        const char *county = str(c, "county");
        tc_month *mo;
        tc_err e;
        assert_int_equal(tc_month_new(&mo, set, county, period_num(period), &e), 0);
        snprintf(path, sizeof(path), "%s/%s.voucher_line.tcb", cmap, county);
        if (tc_month_add_batch(mo, path, &e))
            fail_msg("%s: %s", path, e.msg);
        size_t j;
        json_t *f;
        json_array_foreach(json_object_get(c, "funds"), j, f)
        {
            json_t *m = NULL, *x;
            size_t q;
            json_array_foreach(json_object_get(f, "months"), q, x) if (strcmp(str(x, "period"), period) == 0) m = x;
            assert_non_null(m);
            const tc_month_fund *mf = tc_month_fund_of(mo, str(f, "fund"));
            assert_non_null(mf);
            assert_int_equal(mf->contribution, fen(m, "contribution"));
            assert_int_equal(mf->subsidy, fen(m, "subsidy"));
            assert_int_equal(mf->interest, fen(m, "interest"));
            assert_int_equal(mf->income, fen(m, "income"));
            assert_int_equal(mf->remitted_up, fen(m, "remitted_up"));
            assert_int_equal(mf->expenditure, fen(m, "expenditure"));
        }
        tc_month_free(mo);
        /* the 支出户 (city 1004) closes where the key says */
        snprintf(path, sizeof(path), "%s/%s.balance.tcb", cmap, county);
        tc_batch_reader *r;
        assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
        const tc_value *v;
        int rc, seen = 0;
        while ((rc = tc_batch_next(r, &v, &e)) == 1) {
            if (v[1].n != 4 || memcmp(v[1].s, "1004", 4) != 0)
                continue;
            char fund[16];
            snprintf(fund, sizeof(fund), "%.*s", (int)v[0].n, v[0].s);
            json_t *f = NULL, *x, *m = NULL;
            json_array_foreach(json_object_get(c, "funds"), j, x) if (strcmp(str(x, "fund"), fund) == 0) f = x;
            assert_non_null(f);
            size_t q;
            json_array_foreach(json_object_get(f, "months"), q, x) if (strcmp(str(x, "period"), period) == 0) m = x;
            assert_int_equal(v[6].i, fen(m, "spend_account"));
            seen++;
        }
        assert_int_equal(rc, 0);
        assert_int_equal((size_t)seen, json_array_size(json_object_get(c, "funds")));
        tc_batch_close(r);
    }
}

static void test_months_through_pipeline(void **state)
{
    (void)state;
    /* every month of 2022: February and March are 双阳's unremitted ones,
     * January the pre-allocation's, the quarters' first the requests' */
    char period[16];
    for (int m = 1; m <= 12; m++) {
        snprintf(period, sizeof(period), "2022-%02d", m);
        month_through_pipeline(key_a, dir_a, period);
    }
    /* the stub city: its first month, and its first January (the carry) */
    month_through_pipeline(key_s, dir_s, "2021-07");
    month_through_pipeline(key_s, dir_s, "2022-01");
}

/* ------------------------------------- the years through operations/year */

typedef struct reqrow {
    char county[8], fund[8];
    int year, quarter;
    int64_t amount;
    int exception;
} reqrow;

/* Mark the requests exceptions.csv names. */
static int read_exceptions(const char *dir, reqrow *rows, size_t n)
{
    char path[700], line[512];
    snprintf(path, sizeof(path), "%s/operations/exceptions.csv", dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof(line), fp));
    assert_string_equal(line, "county,fund,year,quarter,reason\n");
    int named = 0;
    while (fgets(line, sizeof(line), fp)) {
        reqrow x;
        char reason[256];
        assert_int_equal(sscanf(line, "%7[^,],%7[^,],%d,%d,%255[^\n]", x.county, x.fund, &x.year,
                                &x.quarter, reason), 5);
        int found = 0;
        for (size_t r = 0; r < n; r++)
            if (strcmp(rows[r].county, x.county) == 0 && strcmp(rows[r].fund, x.fund) == 0 &&
                rows[r].year == x.year && rows[r].quarter == x.quarter)
                rows[r].exception = found = 1;
        assert_true(found);
        named++;
    }
    fclose(fp);
    return named;
}

static size_t read_requests(const char *dir, reqrow *rows, size_t cap)
{
    char path[700], line[256];
    snprintf(path, sizeof(path), "%s/operations/requests.csv", dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof(line), fp));
    assert_string_equal(line, "county,fund,year,quarter,amount\n");
    size_t n = 0;
    while (fgets(line, sizeof(line), fp) && n < cap) {
        char amount[64];
        reqrow *r = &rows[n++];
        assert_int_equal(sscanf(line, "%7[^,],%7[^,],%d,%d,%63[^\n]", r->county, r->fund,
                                &r->year, &r->quarter, amount), 5);
        r->amount = yuan_fen(amount);
        r->exception = 0;
    }
    fclose(fp);
    return n;
}

static void years_check(json_t *k, const char *dir)
{
    tc_err e;
    tc_budget *b;
    char path[700];
    snprintf(path, sizeof(path), "%s/operations/budget.csv", dir);
    if (tc_budget_read(&b, path, set, &e))
        fail_msg("%s: %s", path, e.msg);
    static reqrow rows[1024];
    size_t nrows = read_requests(dir, rows, 1024);
    assert_int_equal(read_exceptions(dir, rows, nrows), 1);
    int settled = 0;
    size_t i, j, y;
    json_t *c, *f, *yr;
    json_array_foreach(json_object_get(k, "counties"), i, c)
    json_array_foreach(json_object_get(c, "funds"), j, f)
    {
        const char *county = str(c, "county"), *fund = str(f, "fund");
        json_t *months = json_object_get(f, "months");
        json_array_foreach(json_object_get(f, "years"), y, yr)
        {
            int year = (int)json_integer_value(json_object_get(yr, "year"));
            tc_month_fund mf[12];
            size_t nm = 0, q;
            json_t *m;
            json_array_foreach(months, q, m)
            {
                if (atoi(str(m, "period")) != year)
                    continue;
                memset(&mf[nm], 0, sizeof(mf[nm]));
                snprintf(mf[nm].fund, sizeof(mf[nm].fund), "%s", fund);
                mf[nm].contribution = fen(m, "contribution");
                mf[nm].subsidy = fen(m, "subsidy");
                mf[nm].interest = fen(m, "interest");
                mf[nm].income = fen(m, "income");
                mf[nm].remitted_up = fen(m, "remitted_up");
                mf[nm].expenditure = fen(m, "expenditure");
                nm++;
            }
            tc_ops_request req[4];
            size_t nr = 0;
            for (size_t r = 0; r < nrows; r++)
                if (strcmp(rows[r].county, county) == 0 && strcmp(rows[r].fund, fund) == 0 &&
                    rows[r].year == year) {
                    assert_true(nr < 4);
                    req[nr].quarter = rows[r].quarter;
                    req[nr].requested = rows[r].amount;
                    req[nr].exception = rows[r].exception;
                    nr++;
                }
            json_t *pre = json_object_get(yr, "preallocation");
            json_t *sp = json_object_get(yr, "spend_account");
            json_t *st = json_object_get(yr, "settlement");
            tc_fen actual = 0;
            int use_actual = strcmp(str(pre, "basis"), "actual") == 0;
            if (use_actual)
                actual = fen(pre, "basis_amount");
            tc_ops_year_in in = {
                .county = county,
                .fund = fund,
                .year = year,
                .budget = tc_budget_find(b, county, fund, year),
                .actual_prev = use_actual ? &actual : NULL,
                .opening_surplus = json_is_object(st) ? fen(st, "opening_surplus") : 0,
                .months = mf,
                .nmonths = nm,
                .requests = req,
                .nrequests = nr,
                .spend_opening = fen(sp, "opening"),
                .spend_bank = fen(sp, "bank"),
            };
            assert_int_equal(use_actual, in.budget == NULL);
            tc_ops_year out;
            if (tc_ops_year_settle(&out, &in, &e))
                fail_msg("%s %s %d: %s", county, fund, year, e.msg);
            assert_string_equal(tc_ops_basis_name(out.prealloc.basis), str(pre, "basis"));
            assert_int_equal(out.prealloc.basis_year,
                             json_integer_value(json_object_get(pre, "basis_year")));
            assert_int_equal(out.prealloc.basis_amount, fen(pre, "basis_amount"));
            assert_int_equal(out.prealloc.amount, fen(pre, "amount"));
            json_t *ra = json_object_get(yr, "requests");
            assert_int_equal(out.napprovals, json_array_size(ra));
            for (size_t r = 0; r < out.napprovals; r++) {
                json_t *x = json_array_get(ra, r);
                assert_int_equal(out.approvals[r].quarter,
                                 json_integer_value(json_object_get(x, "quarter")));
                assert_int_equal(out.approvals[r].requested, fen(x, "requested"));
                assert_int_equal(out.approvals[r].headroom, fen(x, "headroom"));
                assert_int_equal(out.approvals[r].approved, fen(x, "approved"));
                assert_int_equal(out.approvals[r].excess, fen(x, "excess"));
                assert_int_equal(out.approvals[r].over_budget,
                                 json_is_true(json_object_get(x, "over_budget")));
                assert_int_equal(out.approvals[r].excepted,
                                 json_is_true(json_object_get(x, "excepted")));
            }
            assert_int_equal(out.approved, fen(yr, "approved"));
            assert_int_equal(out.income, fen(yr, "income"));
            assert_int_equal(out.contribution, fen(yr, "contribution"));
            assert_int_equal(out.subsidy, fen(yr, "subsidy"));
            assert_int_equal(out.interest, fen(yr, "interest"));
            assert_int_equal(out.remitted_up, fen(yr, "remitted_up"));
            assert_int_equal(out.expenditure, fen(yr, "expenditure"));
            assert_int_equal(out.spend.expected, fen(sp, "expected"));
            assert_int_equal(out.spend.difference, fen(sp, "difference"));
            if (json_is_object(st)) {
                settled++;
                assert_int_equal(out.settlement.result, fen(st, "result"));
                assert_int_equal(out.settlement.gap, fen(st, "gap"));
                assert_int_equal(out.settlement.cover, fen(st, "cover"));
                assert_int_equal(out.settlement.government, fen(st, "government"));
                assert_int_equal(out.settlement.closing_surplus, fen(st, "closing_surplus"));
            }
            /* next year's S and 支出户 follow on */
            json_t *next = json_array_get(json_object_get(f, "years"), y + 1);
            if (next && json_is_object(st)) {
                json_t *ns = json_object_get(next, "settlement");
                if (json_is_object(ns))
                    assert_int_equal(fen(ns, "opening_surplus"), out.settlement.closing_surplus);
            }
            if (next)
                assert_int_equal(fen(json_object_get(next, "spend_account"), "opening"),
                                 out.spend.expected);
        }
    }
    assert_true(settled >= 15);   /* every county fund of one year at least */
    tc_budget_free(b);
}

static void test_years(void **state)
{
    (void)state;
    years_check(key_a, dir_a);
    years_check(key_s, dir_s);
}

/* The 2021 expenditure 农安's 390 float of 2022 rests on: the handover
 * ledger's balance table (its 5001 debit turnover over its months of
 * 2021) plus the month ledgers' 2021 expenditure after the cutover. */
static void actual_basis(json_t *k, const char *dir)
{
    char out[800], cmap[800], path[900];
    snprintf(out, sizeof(out), "%s/hx", dir);
    snprintf(cmap, sizeof(cmap), "%s/hm", dir);
    assert_int_equal(tctest_run("'%s' extract -q -o '%s' '%s/sources/220122.xml'",
                                tctest_tongchou(), out, dir), 0);
    assert_int_equal(tctest_run("'%s' map -q -m '%s' -o '%s' '%s'/220122.*.tcb",
                                tctest_tongchou(), SET, cmap, out), 0);
    snprintf(path, sizeof(path), "%s/220122.balance.tcb", cmap);
    tc_batch_reader *r;
    tc_err e;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    const tc_value *v;
    int64_t handover = 0, months = 0;
    int rc;
    while ((rc = tc_batch_next(r, &v, &e)) == 1)
        if (v[0].n == 3 && memcmp(v[0].s, "390", 3) == 0 && v[1].n == 4 &&
            memcmp(v[1].s, "5001", 4) == 0 && v[2].i / 100 == 2021)
            handover += v[4].i;
    assert_int_equal(rc, 0);
    tc_batch_close(r);
    size_t i;
    json_t *m;
    json_t *f = fund_of(county_of(k, "220122"), "390");
    json_array_foreach(json_object_get(f, "months"), i, m) if (atoi(str(m, "period")) == 2021) months += fen(m, "expenditure");
    json_t *c = case_of(k, "NO_BUDGET_ROW");
    assert_int_equal(json_integer_value(json_object_get(c, "year")), 2022);
    assert_int_equal(json_integer_value(json_object_get(c, "basis_year")), 2021);
    assert_int_equal(fen(c, "basis_amount"), handover + months);
    json_t *pre = NULL, *y;
    json_array_foreach(json_object_get(f, "years"), i, y) if (json_integer_value(json_object_get(y, "year")) == 2022) pre = json_object_get(y, "preallocation");
    assert_non_null(pre);
    assert_int_equal(fen(pre, "from_handover_ledger"), handover);
    assert_int_equal(fen(pre, "from_month_ledgers"), months);
}

static void test_actual_basis(void **state)
{
    (void)state;
    actual_basis(key_a, dir_a);   /* 2021 whole in the handover ledger */
    actual_basis(key_s, dir_s);   /* January-June there, July-December after */
}

/* --------------------------- the sub-ledgers and the 市财政专户, monthly */

static int64_t city_received(const char *dir, const char *period, const char *county,
                             const char *fund)
{
    char path[800], line[256], want[32];
    snprintf(path, sizeof(path), "%s/months/%s/city.csv", dir, period);
    snprintf(want, sizeof(want), "%s,%s,", county, fund);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof(line), fp));
    assert_string_equal(line, "county,fund,received_from_below\n");
    int64_t v = -1;
    while (fgets(line, sizeof(line), fp))
        if (strncmp(line, want, strlen(want)) == 0) {
            line[strcspn(line, "\n")] = '\0';
            v = yuan_fen(line + strlen(want));
        }
    fclose(fp);
    if (v < 0)
        fail_msg("%s has no row for %s", path, want);
    return v;
}

static void subledgers_check(json_t *k, const char *dir)
{
    tc_err e;
    tc_subledger *subs[32];
    size_t n = 0, i, j, q;
    json_t *c, *f, *m;
    int overdue_seen = 0;
    json_array_foreach(json_object_get(k, "counties"), i, c)
    json_array_foreach(json_object_get(c, "funds"), j, f)
    {
        const char *county = str(c, "county"), *fund = str(f, "fund");
        json_t *months = json_object_get(f, "months");
        int first = period_num(str(json_array_get(months, 0), "period"));
        int opened = first % 100 == 1 ? (first / 100 - 1) * 100 + 12 : first - 1;
        tc_subledger *s;
        assert_int_equal(tc_subledger_new(&s, county, fund, opened, fen(f, "opening"), &e), 0);
        subs[n++] = s;
        tc_remit_month rm[12];
        json_array_foreach(months, q, m)
        {
            const char *period = str(m, "period");
            int p = period_num(period);
            char key[TC_SUBLEDGER_KEY_MAX];
            /* what reached the city, from city.csv; what it sent, from the key */
            int64_t rec = city_received(dir, period, county, fund);
            assert_int_equal(rec, fen(m, "remitted_up"));
            if (rec)
                assert_int_equal(tc_subledger_post(s, tc_subledger_key(key, county, fund, p, TC_POST_INCOME, 1),
                                                   p, TC_POST_INCOME, rec, NULL, &e), 0);
            if (fen(m, "funding"))
                assert_int_equal(tc_subledger_post(s, tc_subledger_key(key, county, fund, p, TC_POST_FUNDING, 1),
                                                   p, TC_POST_FUNDING, fen(m, "funding"), NULL, &e), 0);
            tc_fen bal;
            assert_int_equal(tc_subledger_balance(s, p, &bal, &e), 0);
            assert_int_equal(bal, fen(json_object_get(m, "subledger"), "closing"));
            /* the overdue rule at the end of the month */
            rm[q].period = p;
            rm[q].income = fen(m, "income");
            rm[q].remitted = rec;
            tc_overdue od[12];
            size_t nod;
            assert_int_equal(tc_ops_overdue(rm, q + 1, p, od, 12, &nod, NULL, &e), 0);
            json_t *ko = json_object_get(m, "overdue");
            assert_int_equal(nod, json_array_size(ko));
            for (size_t x = 0; x < nod; x++) {
                json_t *o = json_array_get(ko, x);
                assert_int_equal(od[x].income_period, period_num(str(o, "income_period")));
                assert_int_equal(od[x].due_period, period_num(str(o, "due_period")));
                assert_int_equal(od[x].amount, fen(o, "amount"));
                assert_int_equal(od[x].months, json_integer_value(json_object_get(o, "months")));
                overdue_seen++;
            }
        }
    }
    assert_int_equal(overdue_seen, 1);   /* only the injected one */
    /* Σ sub-ledgers = the 市财政专户, fund by fund, every month */
    json_array_foreach(json_object_get(k, "city_account"), i, m)
    {
        int p = period_num(str(m, "period"));
        json_array_foreach(json_object_get(m, "funds"), j, f)
        {
            tc_fen sum, diff;
            assert_int_equal(tc_subledger_check_city((const tc_subledger *const *)subs, n,
                                                     str(f, "fund"), p, fen(f, "balance"), &sum,
                                                     &diff, &e), 0);
            assert_int_equal(diff, 0);
        }
    }
    for (size_t x = 0; x < n; x++)
        tc_subledger_free(subs[x]);
}

static void test_subledgers(void **state)
{
    (void)state;
    subledgers_check(key_a, dir_a);
    subledgers_check(key_s, dir_s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_months_through_pipeline),
        cmocka_unit_test(test_years),
        cmocka_unit_test(test_actual_basis),
        cmocka_unit_test(test_subledgers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
