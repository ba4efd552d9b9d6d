/*
 * test_checks.c - each check of the reconciliation on a small hand-written
 * case: tiny city-coded batches written here with tc_batch_create (city
 * codes of mappings/changchun, lineage columns as map writes them), the
 * figures worked out in the comments, and the finding (code, fund, ref,
 * amount, severity) or figure asserted exactly.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>

#include <jansson.h>

#include "core/batch.h"
#include "core/ident.h"
#include "core/money.h"
#include "mappings/mapset.h"
#include "reconcile/reconcile.h"
#include "reconcile/report_doc.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"

static tc_mapset *set;
static char *work;
static int ncase;

/* ------------------------------------------------------------- batches */

typedef struct bt {
    tc_batch_writer *w;
    tc_batch_header h;
    const tc_rectype *t;
    int nsrc, srccol[4];
    long long n;
} bt;

static char casedir[1100];
static char paths[16][1300];
static int npaths;

/* A fresh folder for one case. */
static void new_case(void)
{
    npaths = 0;
    snprintf(casedir, sizeof(casedir), "%s/case%d", work, ++ncase);
    mkdir(casedir, 0755);
}


/* Start a city-coded batch of type in the case folder (region 220100). */
static void bt_open(bt *b, const char *type)
{
    tc_err e;
    memset(b, 0, sizeof(*b));
    b->t = tc_rectype_find(type);
    assert_non_null(b->t);
    assert_int_equal(tc_batch_header_init(&b->h, b->t, "220100", "city", &e), 0);
    snprintf(b->h.cutover, sizeof(b->h.cutover), "2021-06-30");
    snprintf(b->h.mappings, sizeof(b->h.mappings), "%s", tc_mapset_digest(set));
    tc_mapcol mc[4];
    b->nsrc = tc_mapset_columns(&b->h, mc);
    assert_int_equal(tc_batch_header_add_column(&b->h, "src_county", TC_COL_TEXT, &e), 0);
    assert_int_equal(tc_batch_header_add_column(&b->h, "src_record", TC_COL_INT, &e), 0);
    for (int i = 0; i < b->nsrc; i++) {
        char name[48];
        b->srccol[i] = mc[i].col;
        snprintf(name, sizeof(name), "src_%s", b->t->cols[mc[i].col].name);
        assert_int_equal(tc_batch_header_add_column(&b->h, name, TC_COL_TEXT, &e), 0);
    }
    snprintf(paths[npaths], sizeof(paths[npaths]), "%s/220100.%s.tcb", casedir, type);
    assert_int_equal(tc_batch_create(&b->w, paths[npaths], &b->h, &e), 0);
    npaths++;
}

/* One record: the canonical columns as '|'-separated text (amounts in
 * yuan, rates as decimals, periods YYYYMM, dates YYYYMMDD); the source
 * codes are the city codes. */
static void bt_row(bt *b, const char *spec)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", spec);
    tc_value v[TC_MAX_COLUMNS];
    char *f = buf;
    tc_err e;
    for (int i = 0; i < b->t->ncols; i++) {
        char *end = strchr(f, '|');
        if (end)
            *end = 0;
        switch (b->t->cols[i].type) {
        case TC_COL_TEXT: v[i] = tc_v_text(f, strlen(f)); break;
        case TC_COL_AMOUNT: {
            tc_fen x;
            assert_int_equal(tc_money_parse_yuan(f, strlen(f), &x, &e), 0);
            v[i] = tc_v_int(x);
            break;
        }
        case TC_COL_RATE: {
            int32_t r;
            assert_int_equal(tc_rate_parse(f, strlen(f), &r, &e), 0);
            v[i] = tc_v_int(r);
            break;
        }
        default: v[i] = tc_v_int(atoll(f)); break;
        }
        f = end ? end + 1 : f + strlen(f);
    }
    int k = b->t->ncols;
    v[k++] = tc_v_text("220100", 6);
    v[k++] = tc_v_int(++b->n);
    for (int i = 0; i < b->nsrc; i++)
        v[k++] = v[b->srccol[i]];
    assert_int_equal(tc_batch_write(b->w, v, &e), 0);
}

static void bt_close(bt *b)
{
    tc_err e;
    assert_int_equal(tc_batch_commit(b->w, NULL, &e), 0);
}

/* Write a batch of type with the given rows (NULL-terminated). */
static void batch(const char *type, ...)
{
    bt b;
    bt_open(&b, type);
    va_list ap;
    va_start(ap, type);
    for (const char *r; (r = va_arg(ap, const char *));)
        bt_row(&b, r);
    va_end(ap);
    bt_close(&b);
}

static size_t arrears_cap; /* 0: the default */
static long long finding_cap; /* 0: the default */
static char arrears_csv[1200]; /* when set, write arrears.csv there */
static const char *const *fund_cutovers; /* NULL-terminated specs, or NULL */

/* Whether s holds a CJK unified ideograph (U+4E00..U+9FFF). */
static int has_cjk(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    for (; *u; u++)
        if (u[0] >= 0xE4 && u[0] <= 0xE9 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80)
            return 1;
    return 0;
}

/* The codes every case so far made a finding of, each with its message
 * in Chinese (test_every_code_in_chinese, last, asks). */
#define MAXCODES 64
static int zh_seen[MAXCODES];

/* Every finding of doc has a Chinese message, and no identity number in
 * clear in it (17 digits and a check character: the masked keep 6 + 4). */
static void assert_chinese(json_t *doc)
{
    size_t i, j;
    json_t *c, *f;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(json_object_get(c, "findings"), j, f) {
            const char *code = json_string_value(json_object_get(f, "code"));
            const char *zh = json_string_value(json_object_get(f, "message_zh"));
            if (!zh || !has_cjk(zh))
                fail_msg("%s %s: no Chinese message", code,
                         json_string_value(json_object_get(f, "ref")));
            int run = 0;
            for (const char *p = zh; *p; p++) {
                run = *p >= '0' && *p <= '9' ? run + 1 : 0;
                if (run >= 17)
                    fail_msg("%s: an identity number in clear in '%s'", code, zh);
            }
            int ci = 0;
            while (tc_reconcile_code(ci) && strcmp(tc_reconcile_code(ci), code) != 0)
                ci++;
            assert_non_null(tc_reconcile_code(ci));
            zh_seen[ci] = 1;
        }
    }
}

/* Reconcile the case's batches; the document. */
static json_t *reconcile_case(const char *severity_csv)
{
    tc_reconcile *r;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_reconcile_new(&r, set, casedir, &e), 0);
    if (arrears_cap)
        tc_reconcile_set_arrears_cap(r, arrears_cap);
    if (finding_cap)
        tc_reconcile_set_finding_cap(r, finding_cap);
    if (severity_csv) {
        char p[1200];
        snprintf(p, sizeof(p), "%s/severity.csv", casedir);
        assert_int_equal(tctest_spit(p, severity_csv, strlen(severity_csv)), 0);
        assert_int_equal(tc_reconcile_load_severities(r, p, &e), 0);
    }
    for (int i = 0; fund_cutovers && fund_cutovers[i]; i++)
        if (tc_reconcile_set_fund_cutover(r, fund_cutovers[i], &e))
            fail_msg("%s: %s", fund_cutovers[i], e.msg);
    for (int i = 0; i < npaths; i++)
        if (tc_reconcile_add_batch(r, paths[i], &e))
            fail_msg("%s: %s", paths[i], e.msg);
    assert_int_equal(tc_reconcile_finish(r, &e), 0);
    json_t *doc = tc_reconcile_json(r);
    assert_chinese(doc);
    if (arrears_csv[0])
        assert_int_equal(tc_reconcile_write_arrears(r, arrears_csv, &e), 0);
    tc_reconcile_free(r);
    return doc;
}

static json_t *county0(json_t *doc)
{
    return json_array_get(json_object_get(doc, "counties"), 0);
}

/* The findings of code (count), and the amount and severity of the one
 * with ref (NULL when none). */
static int count(json_t *doc, const char *code)
{
    size_t i;
    json_t *f;
    int n = 0;
    json_array_foreach(json_object_get(county0(doc), "findings"), i, f)
        n += strcmp(json_string_value(json_object_get(f, "code")), code) == 0;
    return n;
}

static json_t *finding(json_t *doc, const char *code, const char *ref)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(county0(doc), "findings"), i, f)
        if (strcmp(json_string_value(json_object_get(f, "code")), code) == 0 &&
            strcmp(json_string_value(json_object_get(f, "ref")), ref) == 0)
            return f;
    return NULL;
}

static void assert_finding(json_t *doc, const char *code, const char *fund, const char *ref,
                           const char *amount, const char *severity)
{
    json_t *f = finding(doc, code, ref);
    if (!f)
        fail_msg("no %s %s", code, ref);
    assert_string_equal(json_string_value(json_object_get(f, "fund")), fund);
    assert_string_equal(json_string_value(json_object_get(f, "amount")), amount);
    assert_string_equal(json_string_value(json_object_get(f, "severity")), severity);
    assert_string_equal(json_string_value(json_object_get(f, "county")), "220100");
}

static const char *fund_fig(json_t *doc, const char *fund, const char *key)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(county0(doc), "funds"), i, f)
        if (strcmp(json_string_value(json_object_get(f, "fund")), fund) == 0) {
            json_t *v = json_object_get(f, key);
            return json_is_string(v) ? json_string_value(v) : "(object)";
        }
    return "(no fund)";
}

/* A valid unified social credit code and identity number. */
static void uscc(const char *first17, char out[19])
{
    memcpy(out, first17, 17);
    out[17] = tc_ident_uscc_check_char(first17);
    out[18] = 0;
}

static void person(const char *first17, char out[19])
{
    memcpy(out, first17, 17);
    out[17] = tc_ident_id_check_char(first17);
    out[18] = 0;
}

/* --------------------------------------------------------------- cases */

/* A voucher keyed 0.01 too high on the debit side. */
static void test_voucher_off_by_a_fen(void **state)
{
    (void)state;
    new_case();
    batch("voucher_line",
          "2021-02-0001|20210220|310|支付结算款|1|5001|100.01|0.00||",
          "2021-02-0001|20210220|310|支付结算款|2|1004|0.00|100.00|B1|",
          "2021-02-0002|20210221|310|balanced|1|5001|50.00|0.00||",
          "2021-02-0002|20210221|310|balanced|2|1004|0.00|20.00|B2|",
          "2021-02-0002|20210221|310|balanced|3|1004|0.00|30.00|B3|", NULL);
    json_t *doc = reconcile_case(NULL);
    assert_int_equal(count(doc, "VOUCHER_UNBALANCED"), 1);
    assert_finding(doc, "VOUCHER_UNBALANCED", "310", "2021-02-0001", "0.01", "blocking");
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "blocked");
    json_decref(doc);
}

/* 1101 (asset): 1000.00 + 200.00 - 50.00 = 1150.00, stated 1250.00: the
 * row breaks by +100.00, and April opens at 1150.00: the gap is -100.00.
 * 2001 (liability): 500.00 - 100.00 + 300.00 = 700.00, stated so: clean.
 * A July row (after the cutover) that does not roll forward is ignored. */
static void test_rollforward_and_gap(void **state)
{
    (void)state;
    new_case();
    batch("balance", "310|1101|202103|1000.00|200.00|50.00|1250.00",
          "310|1101|202104|1150.00|0.00|0.00|1150.00",
          /* after the cutover: not this reconciliation's business */
          "310|1101|202107|1150.00|0.00|0.00|999.00",
          "310|2001|202103|500.00|100.00|300.00|700.00",
          "310|2001|202104|700.00|0.00|0.00|700.00", NULL);
    json_t *doc = reconcile_case(NULL);
    assert_int_equal(count(doc, "ROLLFORWARD_BREAK"), 1);
    assert_int_equal(count(doc, "PERIOD_GAP"), 1);
    assert_finding(doc, "ROLLFORWARD_BREAK", "310", "1101/2021-03", "100.00", "blocking");
    assert_finding(doc, "PERIOD_GAP", "310", "1101/2021-03", "-100.00", "blocking");
    /* the table's own turnover has no voucher lines behind it */
    assert_finding(doc, "TURNOVER_MISMATCH", "310", "1101/2021-03/debit", "200.00", "blocking");
    assert_finding(doc, "TURNOVER_MISMATCH", "310", "2001/2021-03/credit", "300.00", "blocking");
    json_decref(doc);
}

/* April: the table says 5001 was debited 300.00, the lines add to 200.00. */
static void test_turnover(void **state)
{
    (void)state;
    new_case();
    batch("balance", "310|5001|202104|0.00|300.00|0.00|300.00",
          "310|1004|202104|1000.00|0.00|200.00|800.00", NULL);
    batch("voucher_line", "2021-04-0001|20210420|310|m|1|5001|200.00|0.00||",
          "2021-04-0001|20210420|310|m|2|1004|0.00|200.00|B1|", NULL);
    json_t *doc = reconcile_case(NULL);
    assert_int_equal(count(doc, "TURNOVER_MISMATCH"), 1);
    assert_finding(doc, "TURNOVER_MISMATCH", "310", "5001/2021-04/debit", "100.00", "blocking");
    json_decref(doc);
}

/* At cutover: cash 1002 1000.00, 暂付款 1101 300.00, 暂收款 2001 200.00,
 * fund 300101 900.00, income 4001 250.00, expense 5001 50.00.
 * assets - liabilities = 1300 - 200 = 1100; fund + income - expense =
 * 900 + 250 - 50 = 1100: no break.  With 300101 at 800.00: +100.00. */
static void test_equation_and_transfer_basis(void **state)
{
    (void)state;
    const char *fundrow[2] = {"310|300101|202106|900.00|0.00|0.00|900.00",
                              "310|300101|202106|800.00|0.00|0.00|800.00"};
    for (int k = 0; k < 2; k++) {
        new_case();
        batch("balance", "310|1002|202106|1000.00|0.00|0.00|1000.00",
              "310|1101|202106|300.00|0.00|0.00|300.00",
              "310|2001|202106|200.00|0.00|0.00|200.00", fundrow[k],
              "310|4001|202106|250.00|0.00|0.00|250.00",
              "310|5001|202106|50.00|0.00|0.00|50.00", NULL);
        json_t *doc = reconcile_case(NULL);
        assert_string_equal(fund_fig(doc, "310", "cash"), "1000.00");
        assert_string_equal(fund_fig(doc, "310", "transfer"), "1000.00");
        assert_string_equal(fund_fig(doc, "310", "ledger_receivables"), "300.00");
        assert_string_equal(fund_fig(doc, "310", "ledger_payables"), "200.00");
        assert_string_equal(fund_fig(doc, "310", "net_assets"), "1100.00");
        assert_string_equal(fund_fig(doc, "310", "fund_balance"), k ? "1000.00" : "1100.00");
        assert_int_equal(count(doc, "EQUATION_BREAK"), k);
        if (k)
            assert_finding(doc, "EQUATION_BREAK", "310", "2021-06", "100.00", "blocking");
        json_t *t = json_object_get(doc, "totals");
        assert_string_equal(json_string_value(json_object_get(t, "transfer")), "1000.00");
        /* the break blocks: then the 1000.00 is held, not ready to move */
        assert_string_equal(json_string_value(json_object_get(t, "transfer_ready")),
                            k ? "0.00" : "1000.00");
        assert_string_equal(json_string_value(json_object_get(t, "transfer_held")),
                            k ? "1000.00" : "0.00");
        assert_string_equal(json_string_value(json_object_get(t, "transfer_kept")), "0.00");
        json_decref(doc);
    }
}

/* Employer arrears aged to the cutover 2021-06: 2021-03 is exactly 3
 * months old (0-3), 2021-02 exactly 4 (4-12), 2020-06 12 (4-12), 2020-05
 * 13 (13+); 2021-01 overpaid by 100.00.  Plus a due one fen above base x
 * rate, a rate not in the city table, and contributions vs ledger. */
static void test_contributions(void **state)
{
    (void)state;
    new_case();
    char er[19], ee[19], rows[8][256];
    uscc("91220100MA0000007", er);
    person("22010019800101001", ee);
    /* base 10000.00 x 0.07 = 700.00 */
    snprintf(rows[0], 256, "%s|employer|310|202103|10000.00|0.07|700.00|600.00", er); /* 100 0-3 */
    snprintf(rows[1], 256, "%s|employer|310|202102|10000.00|0.07|700.00|500.00", er); /* 200 4-12 */
    snprintf(rows[2], 256, "%s|employer|310|202006|10000.00|0.07|700.00|400.00", er); /* 300 4-12 */
    snprintf(rows[3], 256, "%s|employer|310|202005|10000.00|0.07|700.00|0.00", er);   /* 700 13+ */
    snprintf(rows[4], 256, "%s|employer|310|202101|10000.00|0.07|700.00|800.00", er); /* over 100 */
    /* 10000.00 x 0.02 = 200.00, stated 200.01 */
    snprintf(rows[5], 256, "%s|employee|310|202101|10000.00|0.02|200.01|200.01", ee);
    /* charged at 6 %: 600.00; at the city's 7 % 700.00: -100.00 */
    snprintf(rows[6], 256, "%s|employer|310|202104|10000.00|0.06|600.00|600.00", er);
    batch("contribution", rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], NULL);
    /* paid in 2021-01..2021-04: 600 + 500 + 800 + 200.01 + 600 = 2700.01;
     * the ledger credits contribution income 2700.00 */
    batch("balance", "310|4001|202101|0.00|0.00|1000.00|1000.00",
          "310|4001|202102|1000.00|0.00|500.00|1500.00",
          "310|4001|202103|1500.00|0.00|600.00|2100.00",
          "310|4001|202104|2100.00|0.00|600.00|2700.00", NULL);
    json_t *doc = reconcile_case(NULL);
    char ref[96], masked[24];
    snprintf(ref, sizeof(ref), "%s/employee/2021-01", tc_ident_mask(ee, 18, masked, sizeof(masked)));
    assert_finding(doc, "DUE_MISMATCH", "310", ref, "0.01", "warning");
    snprintf(ref, sizeof(ref), "%s/employer/2021-04", er);
    assert_finding(doc, "RATE_MISMATCH", "310", ref, "-100.00", "warning");
    assert_int_equal(count(doc, "DUE_MISMATCH"), 1);
    assert_int_equal(count(doc, "RATE_MISMATCH"), 1);
    assert_int_equal(count(doc, "BAD_CHECK_DIGIT"), 0);
    assert_finding(doc, "CONTRIB_LEDGER_MISMATCH", "310", "2021-01..2021-04", "0.01", "blocking");
    assert_string_equal(fund_fig(doc, "310", "employer_arrears"), "1300.00");
    assert_string_equal(fund_fig(doc, "310", "overpaid"), "100.00");
    json_t *ag = json_object_get(json_array_get(json_object_get(county0(doc), "funds"), 0),
                                 "arrears_aging");
    assert_string_equal(json_string_value(json_object_get(ag, "0-3")), "100.00");
    assert_string_equal(json_string_value(json_object_get(ag, "4-12")), "500.00");
    assert_string_equal(json_string_value(json_object_get(ag, "13+")), "700.00");
    json_t *sched = json_object_get(json_object_get(county0(doc), "schedules"), "employer_arrears");
    assert_int_equal(json_array_size(sched), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sched, 0), "payer")), er);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sched, 0), "13+")), "700.00");
    json_decref(doc);
}

/* A bank statement with one item in transit each way and the bank's own
 * two items.  Ledger 1002 at cutover 10000.00; booked and on the
 * statement: B1 +500.00; booked on the cutover day, not yet on it: B2
 * +300.00 (booked not received) and B3 -200.00 (booked not paid); on the
 * statement, not booked: B9 +50.00 interest, B8 -20.00 fee.
 * adjusted ledger = 10000 + 50 - 20 = 10030.00 = statement 9930.00 + 300
 * - 200.  A second account whose statement closes 50.00 higher: -50.00. */
static void test_bank_reconciliation(void **state)
{
    (void)state;
    new_case();
    batch("bank_account", "2201000000000001|310|income|1002|bank",
          "2201000000000002|390|income|1002|bank", NULL);
    batch("balance", "310|1002|202106|9400.00|800.00|200.00|10000.00",
          "390|1002|202106|9400.00|800.00|200.00|10000.00", NULL);
    batch("voucher_line", "2021-06-0001|20210610|310|m|1|1002|500.00|0.00|B1|",
          "2021-06-0001|20210610|310|m|2|4001|0.00|500.00||",
          "2021-06-0002|20210630|310|m|1|1002|300.00|0.00|B2|",
          "2021-06-0002|20210630|310|m|2|4301|0.00|300.00||",
          "2021-06-0003|20210630|310|m|1|5001|200.00|0.00||",
          "2021-06-0003|20210630|310|m|2|1002|0.00|200.00|B3|",
          "2021-06-0004|20210610|390|m|1|1002|500.00|0.00|C1|",
          "2021-06-0004|20210610|390|m|2|4001|0.00|500.00||",
          "2021-06-0005|20210630|390|m|1|1002|300.00|0.00|C2|",
          "2021-06-0005|20210630|390|m|2|4301|0.00|300.00||",
          "2021-06-0006|20210630|390|m|1|5001|200.00|0.00||",
          "2021-06-0006|20210630|390|m|2|1002|0.00|200.00|C3|", NULL);
    batch("bank_statement", "2201000000000001|20210101|20210630|9400.00|9930.00",
          "2201000000000002|20210101|20210630|9450.00|9980.00", NULL);
    batch("bank_entry", "2201000000000001|20210610|B1|500.00",
          "2201000000000001|20210630|B9|50.00", "2201000000000001|20210630|B8|-20.00",
          "2201000000000002|20210610|C1|500.00", "2201000000000002|20210630|C9|50.00",
          "2201000000000002|20210630|C8|-20.00", NULL);
    json_t *doc = reconcile_case(NULL);
    json_t *b = json_array_get(json_object_get(county0(doc), "bank"), 0);
    assert_string_equal(json_string_value(json_object_get(b, "account")), "2201000000000001");
    assert_string_equal(json_string_value(json_object_get(b, "fund")), "310");
    assert_string_equal(json_string_value(json_object_get(b, "role")), "income");
    assert_string_equal(json_string_value(json_object_get(b, "ledger")), "10000.00");
    assert_string_equal(json_string_value(json_object_get(b, "statement")), "9930.00");
    assert_string_equal(json_string_value(json_object_get(b, "adjusted")), "10030.00");
    assert_string_equal(json_string_value(json_object_get(b, "received_not_booked")), "50.00");
    assert_string_equal(json_string_value(json_object_get(b, "paid_not_booked")), "20.00");
    assert_string_equal(json_string_value(json_object_get(b, "booked_not_received")), "300.00");
    assert_string_equal(json_string_value(json_object_get(b, "booked_not_paid")), "200.00");
    json_t *items = json_object_get(b, "items");
    assert_int_equal(json_array_size(items), 4);
    json_t *it = json_array_get(items, 0); /* 2021-06-30, sorted by kind */
    assert_string_equal(json_string_value(json_object_get(it, "kind")), "received_not_booked");
    assert_string_equal(json_string_value(json_object_get(it, "ref")), "B9");
    assert_string_equal(json_string_value(json_object_get(it, "date")), "2021-06-30");
    assert_int_equal(count(doc, "BANK_UNRECONCILED"), 1);
    assert_finding(doc, "BANK_UNRECONCILED", "390", "2201000000000002", "-50.00", "blocking");
    json_decref(doc);
}

/* Personal accounts 300.00 + 200.00 against a ledger 300102 of 450.00:
 * +50.00; one identity number with a wrong check digit. */
static void test_personal_accounts(void **state)
{
    (void)state;
    new_case();
    char a[19], b[19], rows[3][128];
    person("22010019800101001", a);
    person("22010019800101002", b);
    b[17] = b[17] == '0' ? '1' : '0';
    snprintf(rows[0], 128, "%s|310|300.00", a);
    snprintf(rows[1], 128, "%s|310|200.00", b);
    batch("personal_account", rows[0], rows[1], NULL);
    batch("balance", "310|300102|202106|450.00|0.00|0.00|450.00", NULL);
    json_t *doc = reconcile_case(NULL);
    assert_string_equal(fund_fig(doc, "310", "personal_accounts"), "500.00");
    assert_finding(doc, "PERSONAL_ACCOUNT_MISMATCH", "310", "300102", "50.00", "blocking");
    char ref[64], m[24];
    snprintf(ref, sizeof(ref), "%s/310", tc_ident_mask(b, 18, m, sizeof(m)));
    assert_finding(doc, "BAD_CHECK_DIGIT", "310", ref, "0.00", "warning");
    /* no identity number in clear anywhere in the document */
    char *text = json_dumps(doc, 0);
    assert_null(strstr(text, a));
    assert_null(strstr(text, b));
    free(text);
    json_decref(doc);
}

/* Rows lost from a dump (no control totals): February's vouchers run 1,
 * 2, 5 - numbers 3 and 4 are missing, a warning naming the first; March's
 * run 1..2 whole; a code with no number is left alone. */
static void test_voucher_gap(void **state)
{
    (void)state;
    new_case();
    batch("voucher_line", "2021-02-0001|20210201|310|a|1|5001|1.00|0.00||",
          "2021-02-0001|20210201|310|a|2|1004|0.00|1.00||",
          "2021-02-0002|20210202|310|b|1|5001|1.00|0.00||",
          "2021-02-0002|20210202|310|b|2|1004|0.00|1.00||",
          "2021-02-0005|20210205|310|c|1|5001|1.00|0.00||",
          "2021-02-0005|20210205|310|c|2|1004|0.00|1.00||",
          "2021-03-0001|20210301|310|d|1|5001|1.00|0.00||",
          "2021-03-0001|20210301|310|d|2|1004|0.00|1.00||",
          "2021-03-0002|20210302|310|e|1|5001|1.00|0.00||",
          "2021-03-0002|20210302|310|e|2|1004|0.00|1.00||",
          "ADJ|20210303|310|f|1|5001|1.00|0.00||", "ADJ|20210303|310|f|2|1004|0.00|1.00||", NULL);
    json_t *doc = reconcile_case(NULL);
    assert_int_equal(count(doc, "VOUCHER_GAP"), 1);
    assert_finding(doc, "VOUCHER_GAP", "", "2021-02-0003", "0.00", "warning");
    assert_non_null(strstr(json_string_value(json_object_get(finding(doc, "VOUCHER_GAP",
                                                                     "2021-02-0003"), "message")),
                           "2 numbers missing"));
    json_decref(doc);
}

/* Negative amounts (docs/example-city.md): the slip, one payment
 * of -7551.19 on an employer's record, is blocking and named, as are a
 * negative base, a negative subsidy, payable and personal account; a
 * refund (base and due 0.00, the money returned as paid) is no finding. */
static void test_negative_amounts(void **state)
{
    (void)state;
    new_case();
    char er[19], ee[19], rows[4][256];
    uscc("91220100MA0000007", er);
    person("22010019800101001", ee);
    snprintf(rows[0], 256, "%s|employer|310|202103|107874.14|0.07|7551.19|-7551.19", er);
    snprintf(rows[1], 256, "%s|employer|310|202104|-10000.00|0.07|-700.00|0.00", er);
    snprintf(rows[2], 256, "%s|employer|310|202105|0.00|0.07|0.00|-120.00", er);   /* a refund */
    snprintf(rows[3], 256, "%s|-5.00", ee);
    batch("contribution", rows[0], rows[1], rows[2], NULL);
    batch("subsidy", "city|310|2021|1000.00|-1.00", NULL);
    batch("payable", "H22010000001|市医院|310|202103|-20.00|0.00", NULL);
    snprintf(rows[3], 256, "%s|310|-5.00", ee);
    batch("personal_account", rows[3], NULL);
    json_t *doc = reconcile_case(NULL);
    char ref[96], masked[24];
    snprintf(ref, sizeof(ref), "%s/employer/2021-03", er);
    assert_finding(doc, "NEGATIVE_AMOUNT", "310", ref, "-7551.19", "blocking");
    snprintf(ref, sizeof(ref), "%s/employer/2021-04", er);
    assert_finding(doc, "NEGATIVE_AMOUNT", "310", ref, "-10000.00", "blocking");
    assert_finding(doc, "NEGATIVE_AMOUNT", "310", "city/310/2021", "-1.00", "blocking");
    assert_finding(doc, "NEGATIVE_AMOUNT", "310", "H22010000001/310/2021-03", "-20.00",
                   "blocking");
    snprintf(ref, sizeof(ref), "%s/310", tc_ident_mask(ee, 18, masked, sizeof(masked)));
    assert_finding(doc, "NEGATIVE_AMOUNT", "310", ref, "-5.00", "blocking");
    assert_int_equal(count(doc, "NEGATIVE_AMOUNT"), 5);   /* the refund is none */
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "blocked");
    json_decref(doc);
}

/* The same natural key twice: the second is a finding, with the due. */
static void test_duplicate_record(void **state)
{
    (void)state;
    new_case();
    char er[19], rows[3][256];
    uscc("91220100MA0000007", er);
    snprintf(rows[0], 256, "%s|employer|310|201907|10000.00|0.07|700.00|300.00", er);
    snprintf(rows[1], 256, "%s|employer|310|201908|10000.00|0.07|700.00|700.00", er);
    snprintf(rows[2], 256, "%s|employer|310|201907|10000.00|0.07|700.00|300.00", er);
    batch("contribution", rows[0], rows[1], rows[2], NULL);
    json_t *doc = reconcile_case(NULL);
    char ref[96];
    snprintf(ref, sizeof(ref), "contribution %s/employer/310/2019-07", er);
    assert_int_equal(count(doc, "DUPLICATE_RECORD"), 1);
    assert_finding(doc, "DUPLICATE_RECORD", "310", ref, "700.00", "blocking");
    /* the arrears count twice, as the records stand: 2 x 400.00, 13+ */
    assert_string_equal(fund_fig(doc, "310", "employer_arrears"), "800.00");
    json_decref(doc);
}

/* More employers in arrears than the memory cap: the schedule spills,
 * is sorted on disk, and the document is the same as with it in memory.
 * Three employers, keys ...71 < ...72 < ...73 whatever order they come in;
 * 72 twice in 2021-05 (100.00 + 50.00, 1 month: 0-3), 71 in 2020-01 (17
 * months: 13+), 73 overpaid 30.00. */
static void test_arrears_spill(void **state)
{
    (void)state;
    new_case();
    char a[19], b[19], c[19], rows[5][256];
    uscc("91220100MA0000071", a);
    uscc("91220100MA0000072", b);
    uscc("91220100MA0000073", c);
    snprintf(rows[0], 256, "%s|employer|310|202105|10000.00|0.07|700.00|600.00", b);
    snprintf(rows[1], 256, "%s|employer|310|202001|10000.00|0.07|700.00|0.00", a);
    snprintf(rows[2], 256, "%s|employer|310|202105|10000.00|0.07|700.00|730.00", c);
    snprintf(rows[3], 256, "%s|employer|310|202105|10000.00|0.07|700.00|650.00", b);
    snprintf(rows[4], 256, "%s|employer|310|202104|10000.00|0.07|700.00|700.00", a);
    batch("contribution", rows[0], rows[1], rows[2], rows[3], rows[4], NULL);
    json_t *mem = reconcile_case(NULL);
    arrears_cap = 1;
    snprintf(arrears_csv, sizeof(arrears_csv), "%s/arrears.csv", casedir);
    json_t *disk = reconcile_case(NULL);
    arrears_cap = 0;
    char *x = json_dumps(mem, JSON_PRESERVE_ORDER), *y = json_dumps(disk, JSON_PRESERVE_ORDER);
    assert_string_equal(x, y);
    free(x);
    free(y);
    assert_string_equal(fund_fig(disk, "310", "employer_arrears"), "850.00");
    assert_string_equal(fund_fig(disk, "310", "overpaid"), "30.00");
    json_t *sched = json_object_get(json_object_get(county0(disk), "schedules"), "employer_arrears");
    assert_int_equal(json_array_size(sched), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sched, 1), "arrears")),
                        "150.00");
    size_t n = 0;
    char *csv = (char *)tctest_slurp(arrears_csv, &n);
    arrears_csv[0] = 0;
    assert_non_null(csv);
    char want[1024];
    snprintf(want, sizeof(want),
             "\xEF\xBB\xBF" "county,pool,payer,fund,arrears,0-3,4-12,13+,overpaid\r\n"
             "220100,220100,%s,310,700.00,0.00,0.00,700.00,0.00\r\n"
             "220100,220100,%s,310,150.00,150.00,0.00,0.00,0.00\r\n"
             "220100,220100,%s,310,0.00,0.00,0.00,0.00,30.00\r\n",
             a, b, c);
    assert_string_equal(csv, want);
    free(csv);
    json_decref(mem);
    json_decref(disk);
}

/* Per-record findings past the cap (here 1): the first is listed, the
 * other two counted and summed: 0.01 + 0.02 = 0.03 in "+2 more". */
static void test_finding_cap(void **state)
{
    (void)state;
    new_case();
    char p[3][19], rows[3][256];
    person("22010019800101001", p[0]);
    person("22010019800101002", p[1]);
    person("22010019800101003", p[2]);
    snprintf(rows[0], 256, "%s|employee|310|202101|10000.00|0.02|200.01|200.01", p[0]);
    snprintf(rows[1], 256, "%s|employee|310|202101|10000.00|0.02|200.01|200.01", p[1]);
    snprintf(rows[2], 256, "%s|employee|310|202101|10000.00|0.02|200.02|200.02", p[2]);
    batch("contribution", rows[0], rows[1], rows[2], NULL);
    finding_cap = 1;
    json_t *doc = reconcile_case(NULL);
    finding_cap = 0;
    assert_int_equal(count(doc, "DUE_MISMATCH"), 2);
    assert_finding(doc, "DUE_MISMATCH", "310", "+2 more", "0.03", "warning");
    char ref[96], m[24];
    snprintf(ref, sizeof(ref), "%s/employee/2021-01", tc_ident_mask(p[0], 18, m, sizeof(m)));
    assert_finding(doc, "DUE_MISMATCH", "310", ref, "0.01", "warning");
    json_decref(doc);
}

/* Subsidy shortfall per level and year; institution payables. */
static void test_schedules(void **state)
{
    (void)state;
    new_case();
    batch("subsidy", "county|390|2020|1000.00|800.00", "county|390|2021|500.00|0.00",
          "central|390|2021|300.00|300.00", NULL);
    batch("payable", "H0001|医院|310|202105|100.00|80.00", "H0001|医院|310|202106|100.00|50.00",
          "H0002|药房|310|202106|40.00|40.00", NULL);
    json_t *doc = reconcile_case(NULL);
    /* 200.00 + 500.00 + 0.00 */
    assert_string_equal(fund_fig(doc, "390", "subsidy_shortfall"), "700.00");
    /* 20.00 + 50.00 + 0.00 */
    assert_string_equal(fund_fig(doc, "310", "institution_payables"), "70.00");
    json_t *t = json_object_get(doc, "totals");
    assert_string_equal(json_string_value(json_object_get(t, "claims")), "700.00");
    assert_string_equal(json_string_value(json_object_get(t, "debts")), "70.00");
    json_t *s = json_object_get(county0(doc), "schedules");
    json_t *sub = json_object_get(s, "subsidy_shortfall");
    assert_int_equal(json_array_size(sub), 3);
    json_t *x = json_array_get(sub, 1); /* county 390 2020 after central */
    assert_string_equal(json_string_value(json_object_get(x, "level")), "county");
    assert_string_equal(json_string_value(json_object_get(x, "year")), "2020");
    assert_string_equal(json_string_value(json_object_get(x, "shortfall")), "200.00");
    json_t *p = json_array_get(json_object_get(s, "institution_payables"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "institution")), "H0001");
    assert_string_equal(json_string_value(json_object_get(p, "payable")), "70.00");
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "clean");
    json_decref(doc);
}

/* The same schedules with 390 handed over at the end of 2020 and 310 at
 * the end of May: 390 is owed only 2020's 200.00, and 310 owes only May's
 * 20.00 (June's settlements are the city's). */
static void test_schedules_own_cutover(void **state)
{
    (void)state;
    new_case();
    batch("subsidy", "county|390|2020|1000.00|800.00", "county|390|2021|500.00|0.00",
          "central|390|2021|300.00|300.00", NULL);
    batch("payable", "H0001|医院|310|202105|100.00|80.00", "H0001|医院|310|202106|100.00|50.00",
          "H0002|药房|310|202106|40.00|40.00", NULL);
    static const char *const cuts[] = {"220100:390=2020-12-31", "220100:310=2021-05-31", NULL};
    fund_cutovers = cuts;
    json_t *doc = reconcile_case(NULL);
    fund_cutovers = NULL;
    assert_string_equal(fund_fig(doc, "390", "subsidy_shortfall"), "200.00");
    assert_string_equal(fund_fig(doc, "310", "institution_payables"), "20.00");
    assert_string_equal(fund_fig(doc, "390", "cutover"), "2020-12-31");
    assert_string_equal(fund_fig(doc, "310", "cutover"), "2021-05-31");
    json_t *t = json_object_get(doc, "totals");
    assert_string_equal(json_string_value(json_object_get(t, "claims")), "200.00");
    assert_string_equal(json_string_value(json_object_get(t, "debts")), "20.00");
    json_t *s = json_object_get(county0(doc), "schedules");
    assert_int_equal(json_array_size(json_object_get(s, "subsidy_shortfall")), 1);
    json_t *p = json_array_get(json_object_get(s, "institution_payables"), 0);
    assert_int_equal(json_array_size(json_object_get(s, "institution_payables")), 1);
    assert_string_equal(json_string_value(json_object_get(p, "settled")), "100.00");
    assert_string_equal(json_string_value(json_object_get(p, "payable")), "20.00");
    json_decref(doc);
}

/* An income account of fund 310 in May and June.  Handed over on May 31:
 * ledger 9400.00 (May's closing); the bank's balance then is its closing
 * 9940.00 less June's 500.00 + 50.00 - 20.00 = 9410.00; of the postings
 * and entries up to May 31 only A9 10.00 is the bank's alone: 9400.00 +
 * 10.00 = 9410.00, reconciled.  At June 30 (no own cutover) the same
 * account gives 10000.00 + 60.00 - 20.00 = 9940.00 + 300.00 - 200.00. */
static void test_bank_own_cutover(void **state)
{
    (void)state;
    for (int own = 1; own >= 0; own--) {
        new_case();
        batch("bank_account", "2201000000000001|310|income|1002|bank", NULL);
        batch("balance", "310|1002|202105|9000.00|400.00|0.00|9400.00",
              "310|1002|202106|9400.00|800.00|200.00|10000.00", NULL);
        batch("voucher_line", "2021-05-0001|20210520|310|m|1|1002|400.00|0.00|A1|",
              "2021-05-0001|20210520|310|m|2|4001|0.00|400.00||",
              "2021-06-0001|20210610|310|m|1|1002|500.00|0.00|B1|",
              "2021-06-0001|20210610|310|m|2|4001|0.00|500.00||",
              "2021-06-0002|20210630|310|m|1|1002|300.00|0.00|B2|",
              "2021-06-0002|20210630|310|m|2|4301|0.00|300.00||",
              "2021-06-0003|20210630|310|m|1|5001|200.00|0.00||",
              "2021-06-0003|20210630|310|m|2|1002|0.00|200.00|B3|", NULL);
        batch("bank_statement", "2201000000000001|20210101|20210630|9000.00|9940.00", NULL);
        batch("bank_entry", "2201000000000001|20210520|A1|400.00",
              "2201000000000001|20210531|A9|10.00", "2201000000000001|20210610|B1|500.00",
              "2201000000000001|20210630|B9|50.00", "2201000000000001|20210630|B8|-20.00", NULL);
        static const char *const cuts[] = {"220100:310=2021-05-31", NULL};
        fund_cutovers = own ? cuts : NULL;
        json_t *doc = reconcile_case(NULL);
        fund_cutovers = NULL;
        json_t *b = json_array_get(json_object_get(county0(doc), "bank"), 0);
#define B(k) json_string_value(json_object_get(b, k))
        assert_string_equal(B("ledger"), own ? "9400.00" : "10000.00");
        assert_string_equal(B("statement"), own ? "9410.00" : "9940.00");
        assert_string_equal(B("adjusted"), own ? "9410.00" : "10040.00");
        assert_string_equal(B("received_not_booked"), own ? "10.00" : "60.00");
        assert_string_equal(B("paid_not_booked"), own ? "0.00" : "20.00");
        assert_string_equal(B("booked_not_received"), own ? "0.00" : "300.00");
        assert_string_equal(B("booked_not_paid"), own ? "0.00" : "200.00");
#undef B
        json_t *items = json_object_get(b, "items");
        assert_int_equal(json_array_size(items), own ? 1 : 5);
        assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "ref")),
                            "A9");
        assert_int_equal(count(doc, "BANK_UNRECONCILED"), 0);
        assert_string_equal(fund_fig(doc, "310", "cash"), own ? "9400.00" : "10000.00");
        json_decref(doc);
    }
}

/* The severity table is data: RATE_MISMATCH made blocking. */
static void test_severity_override(void **state)
{
    (void)state;
    new_case();
    char er[19], row[256];
    uscc("91220100MA0000007", er);
    snprintf(row, sizeof(row), "%s|employer|310|202104|10000.00|0.06|600.00|600.00", er);
    batch("contribution", row, NULL);
    json_t *doc = reconcile_case(NULL);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "findings");
    json_decref(doc);
    new_case();
    batch("contribution", row, NULL);
    doc = reconcile_case("\xEF\xBB\xBF" "code,severity\nRATE_MISMATCH,blocking\n");
    snprintf(row, sizeof(row), "%s/employer/2021-04", er);
    assert_finding(doc, "RATE_MISMATCH", "310", row, "-100.00", "blocking");
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "blocked");
    json_decref(doc);
}

/* Refused: a county-coded batch, one of another mapping set, a batch cut
 * short - and then nothing is written. */
static void test_refusals(void **state)
{
    (void)state;
    new_case();
    tc_err e;
    tc_batch_header h;
    tc_batch_writer *w;
    char p[1200];
    snprintf(p, sizeof(p), "%s/220100.subsidy.tcb", casedir);
    assert_int_equal(tc_batch_header_init(&h, tc_rectype_find("subsidy"), "220100", "county", &e), 0);
    snprintf(h.cutover, sizeof(h.cutover), "2021-06-30");
    assert_int_equal(tc_batch_create(&w, p, &h, &e), 0);
    assert_int_equal(tc_batch_commit(w, NULL, &e), 0);
    tc_reconcile *r;
    assert_int_equal(tc_reconcile_new(&r, set, casedir, &e), 0);
    assert_int_equal(tc_reconcile_add_batch(r, p, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "county codes"));
    tc_reconcile_free(r);

    /* truncated: the run fails and writes nothing */
    new_case();
    batch("subsidy", "county|390|2020|1000.00|800.00", NULL);
    size_t n = 0;
    unsigned char *bytes = tctest_slurp(paths[0], &n);
    assert_non_null(bytes);
    assert_int_equal(tctest_spit(paths[0], bytes, n - 9), 0);
    free(bytes);
    char out[1200];
    snprintf(out, sizeof(out), "%s/out", casedir);
    mkdir(out, 0755);
    int status;
    const char *in[1] = {paths[0]};
    int rc = tc_reconcile_run(set, in, 1, NULL, out, NULL, NULL, &status, &e);
    assert_int_equal(rc, TC_EINTEGRITY);
    assert_int_equal(tctest_count_files(out), 0);
    npaths = 0;
}

/* The same batch given twice (or two batches of one region and type) would
 * count its records twice: refused, naming both, nothing written. */
static void test_given_twice(void **state)
{
    (void)state;
    new_case();
    batch("voucher_line", "2021-02-0001|20210220|310|m|1|5001|100.00|0.00||",
          "2021-02-0001|20210220|310|m|2|1004|0.00|100.00|B1|", NULL);
    char out[1200], copy[1300], cmd[3000];
    snprintf(out, sizeof(out), "%s/twice", casedir);
    mkdir(out, 0755);
    snprintf(copy, sizeof(copy), "%s/copy.tcb", casedir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", paths[0], copy);
    assert_int_equal(system(cmd), 0);
    tc_err e;
    int status;
    const char *same[2] = {paths[0], paths[0]};
    assert_int_equal(tc_reconcile_run(set, same, 2, NULL, out, NULL, NULL, &status, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "are both the voucher_line batch of region 220100"));
    assert_int_equal(tctest_count_files(out), 0);
    const char *two[2] = {paths[0], copy};
    assert_int_equal(tc_reconcile_run(set, two, 2, NULL, out, NULL, NULL, &status, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "copy.tcb"));
    assert_int_equal(tctest_count_files(out), 0);
    npaths = 0;
}

/* The whole run: four reports, status 1, JSON and CSV the same bytes twice. */
static void test_run_outputs(void **state)
{
    (void)state;
    new_case();
    batch("voucher_line", "2021-02-0001|20210220|310|m|1|5001|100.01|0.00||",
          "2021-02-0001|20210220|310|m|2|1004|0.00|100.00|B1|", NULL);
    const char *in[1] = {paths[0]};
    char o1[1200], o2[1200], a[1300], b[1300];
    snprintf(o1, sizeof(o1), "%s/o1", casedir);
    snprintf(o2, sizeof(o2), "%s/o2", casedir);
    mkdir(o1, 0755);
    mkdir(o2, 0755);
    tc_err e;
    int status = -1;
    assert_int_equal(tc_reconcile_run(set, in, 1, NULL, o1, NULL, NULL, &status, &e), 0);
    assert_int_equal(status, 1);
    assert_int_equal(tc_reconcile_run(set, in, 1, NULL, o2, NULL, NULL, &status, &e), 0);
    assert_int_equal(tctest_count_files(o1), 5);
    const char *files[] = {"reconciliation.json", "findings.csv"};
    for (int i = 0; i < 2; i++) {
        size_t na = 0, nb = 0;
        snprintf(a, sizeof(a), "%s/%s", o1, files[i]);
        snprintf(b, sizeof(b), "%s/%s", o2, files[i]);
        unsigned char *x = tctest_slurp(a, &na), *y = tctest_slurp(b, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(x, y, na);
        free(x);
        free(y);
    }
    npaths = 0;
}

/*
 * Every finding code has a Chinese name (the page's, and the "+N more"
 * message's), and every code the cases above made came with a Chinese
 * message (assert_chinese).  SPLIT_UNALLOCATED needs a split mapping set:
 * tests/pipeline/pools_test.sh makes it and reads its Chinese message.
 */
static void test_every_code_in_chinese(void **state)
{
    (void)state;
    int n = 0;
    for (const char *code; (code = tc_reconcile_code(n)); n++) {
        assert_true(n < MAXCODES);
        const char *zh = tc_rdoc_check_zh(code);
        if (!zh || !has_cjk(zh))
            fail_msg("%s has no Chinese name (report_doc.c, tc_rdoc_check_zh)", code);
        if (!zh_seen[n] && strcmp(code, "SPLIT_UNALLOCATED") != 0)
            fail_msg("no case made a %s finding to read its Chinese message", code);
    }
    assert_int_equal(n, 15);
}

static int setup(void **state)
{
    tc_err e;
    if (tctest_dir_setup(state))
        return -1;
    work = tctest_dir;
    return tc_mapset_load(&set, SET, &e);
}

static int teardown(void **state)
{
    tc_mapset_free(set);
    return tctest_dir_teardown(state);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_voucher_off_by_a_fen), cmocka_unit_test(test_rollforward_and_gap),
        cmocka_unit_test(test_turnover),             cmocka_unit_test(test_equation_and_transfer_basis),
        cmocka_unit_test(test_contributions),        cmocka_unit_test(test_bank_reconciliation),
        cmocka_unit_test(test_personal_accounts),    cmocka_unit_test(test_duplicate_record),
        cmocka_unit_test(test_schedules),            cmocka_unit_test(test_severity_override),
        cmocka_unit_test(test_schedules_own_cutover), cmocka_unit_test(test_bank_own_cutover),
        cmocka_unit_test(test_refusals),             cmocka_unit_test(test_run_outputs),
        cmocka_unit_test(test_given_twice),
        cmocka_unit_test(test_negative_amounts),
        cmocka_unit_test(test_voucher_gap),
        cmocka_unit_test(test_arrears_spill),        cmocka_unit_test(test_finding_cap),
        cmocka_unit_test(test_every_code_in_chinese), /* last: it reads what the others made */
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
