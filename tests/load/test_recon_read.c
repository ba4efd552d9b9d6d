/*
 * test_recon_read.c - reconciliation.json as `load` reads it, without a
 * database (load/recon_read.h): a report read into its rows, with its
 * figures in fen, statuses, pools and sums; then each refusal, by the
 * message that names what is wrong - a malformed amount, a number where a
 * yuan string is due, a county, pool or fund listed twice, a severity the
 * database would not take, a date that is none, transfers that overflow,
 * and what is not a report at all (TC_EINPUT, exit 3); transfers that do
 * not add up to the stated total (a control total: TC_EINTEGRITY, exit 5).
 */
#include "tests/support/tctest.h"

#include <unistd.h>

#include "load/recon_read.h"

/* Two counties of one region (pools 220113 and 220199) and a county
 * without findings; %s is fund 390's transfer, %s the city's total. */
static const char report_fmt[] =
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
    "     \"personal_accounts\": \"0\", \"transfer\": %s, \"handed_over\": false,\n"
    "     \"cutover\": \"2021-03-31\"}],\n"
    "   \"bank\": [], \"findings\": [{\"code\": \"VOUCHER_UNBALANCED\", \"severity\": %s,\n"
    "     \"fund\": \"310\", \"ref\": \"2021-02-0007\", \"amount\": \"0.01\", \"message\": \"m\"}]},\n"
    "  {\"county\": \"220113\", \"pool\": \"%s\", \"funds\": [], \"bank\": [],\n"
    "   \"findings\": [{\"code\": \"VOUCHER_GAP\", \"severity\": \"warning\", \"fund\": \"310\",\n"
    "     \"ref\": \"r\", \"amount\": \"-3\", \"message\": \"m\"}]},\n"
    "  {\"county\": \"220100\", \"funds\": [], \"bank\": [], \"findings\": []}],\n"
    " \"totals\": {\"transfer\": %s, \"claims\": \"12.00\", \"debts\": \"8.00\"}}\n";

static char path[600];

/* The report with fund 390's transfer, the finding's severity, the
 * second pool and the total as given (JSON text); read it. */
static int read_with(const char *t390, const char *sev, const char *pool, const char *total,
                     tc_load_recon **r, tc_err *e)
{
    char text[4096];
    int k = snprintf(text, sizeof(text), report_fmt, t390, sev, pool, total);
    assert_true(k > 0 && (size_t)k < sizeof(text));
    assert_int_equal(tctest_spit(path, text, (size_t)k), 0);
    tc_err_clear(e);
    return tc_load_recon_read(r, path, e);
}

static void test_rows(void **state)
{
    (void)state;
    tc_load_recon *r;
    tc_err e;
    assert_int_equal(read_with("\"0.01\"", "\"blocking\"", "220199", "\"1000.51\"", &r, &e), 0);
    assert_true(tc_load_is_report(path));
    assert_string_equal(r->mappings, "sha256:00");
    assert_string_equal(r->cutover, "2021-06-30");
    assert_int_equal(r->ncounties, 3);
    assert_int_equal(r->transfer, 100051);
    assert_true(r->has_total);
    const tc_load_recon_county *c = &r->counties[0];
    assert_string_equal(c->county, "220113");
    assert_string_equal(c->pool, "220113");   /* no "pool": the county's own */
    assert_string_equal(c->status, "blocked");
    assert_int_equal(c->nfunds, 2);
    assert_int_equal(c->transfer, 100051);
    assert_int_equal(c->funds[0].figure[2], -201);   /* ledger_payables */
    assert_int_equal(c->funds[0].figure[7], 200);    /* 4-12 */
    assert_true(c->funds[0].handed_over);
    assert_null(c->funds[0].cutover);
    assert_false(c->funds[1].handed_over);
    assert_string_equal(c->funds[1].cutover, "2021-03-31");
    assert_int_equal(c->nfindings, 1);
    assert_int_equal(c->findings[0].amount, 1);
    assert_string_equal(r->counties[1].pool, "220199");
    assert_string_equal(r->counties[1].status, "findings");
    assert_int_equal(r->counties[1].findings[0].amount, -300);
    assert_string_equal(r->counties[2].status, "clean");
    tc_load_recon_free(r);
}

/* Each refusal: TC_EINPUT (TC_EINTEGRITY for a wrong total), the file
 * named, and the message. */
static void refused(const char *t390, const char *sev, const char *pool, const char *total,
                    const char *want)
{
    tc_load_recon *r = (tc_load_recon *)1;
    tc_err e;
    int code = strstr(want, "the report's total says") ? TC_EINTEGRITY : TC_EINPUT;
    assert_int_equal(read_with(t390, sev, pool, total, &r, &e), code);
    assert_null(r);
    assert_string_equal(e.file, path);
    if (!strstr(e.msg, want))
        fail_msg("'%s' does not say '%s'", e.msg, want);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("\"0.011\"", "\"blocking\"", "220199", "\"1000.51\"",
            "county 220113 fund 390: transfer: bad amount '0.011'");
    refused("0.01", "\"blocking\"", "220199", "\"1000.51\"",
            "county 220113 fund 390: 'transfer' is missing or not a string");
    refused("\"0.01\"", "\"fatal\"", "220199", "\"1000.51\"",
            "county 220113 finding 1: severity 'fatal' is neither blocking nor warning");
    refused("\"0.01\"", "null", "220199", "\"1000.51\"",
            "county 220113 finding 1: code, severity, fund, ref and message must be strings");
    refused("\"0.01\"", "\"blocking\"", "220113", "\"1000.51\"",
            "county 220113 pool 220113 is listed twice");
    refused("\"0.01\"", "\"blocking\"", "22019x", "\"1000.51\"",
            "county 220113: 'pool' is not a 6-digit code");
    refused("\"0.01\"", "\"blocking\"", "220199", "\"1000.52\"",
            "the counties' transfers add up to 100051 fen, the report's total says 100052");
    refused("\"0.01\"", "\"blocking\"", "220199", "1000.51",
            "totals: 'transfer' is missing or not a string");
    refused("\"999999999999999.99\"", "\"blocking\"", "220199", "\"1000.51\"",
            "the counties' transfers add up to 100000000000100049 fen, the report's total says "
            "100051");
}

/* What only a hand-made file holds: each alone in a small report. */
static void refused_text(const char *text, const char *want)
{
    assert_int_equal(tctest_spit(path, text, strlen(text)), 0);
    tc_load_recon *r;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_load_recon_read(&r, path, &e), TC_EINPUT);
    assert_null(r);
    if (!strstr(e.msg, want))
        fail_msg("'%s' does not say '%s'", e.msg, want);
}

#define HEAD "{\"format\": \"tongchou-reconciliation/1\", \"mappings\": \"m\", "
#define FUND(f, t)                                                                              \
    "{\"fund\": \"" f "\", \"cash\": \"0\", \"ledger_receivables\": \"0\", "                   \
    "\"ledger_payables\": \"0\", \"net_assets\": \"0\", \"fund_balance\": \"0\", "              \
    "\"employer_arrears\": \"0\", \"arrears_aging\": {\"0-3\": \"0\", \"4-12\": \"0\", "       \
    "\"13+\": \"0\"}, \"overpaid\": \"0\", \"subsidy_shortfall\": \"0\", "                      \
    "\"institution_payables\": \"0\", \"personal_accounts\": \"0\", \"transfer\": \"" t "\"}"

static void test_files(void **state)
{
    (void)state;
    refused_text("[1, 2]", "not a tongchou-reconciliation/1 report");
    refused_text("{\"format\": \"tongchou-reconciliation/1\",", "not a reconciliation report: "
                 "not JSON: ");
    refused_text(HEAD "\"cutover\": \"2021-06-30\", \"cutover\": \"2021-06-30\", \"counties\": []}",
                 "duplicate object key");
    refused_text(HEAD "\"counties\": []}", "'mappings' or 'cutover' is missing");
    refused_text(HEAD "\"cutover\": \"2021-02-30\", \"counties\": []}",
                 "'cutover' is not a date YYYY-MM-DD: '2021-02-30'");
    refused_text(HEAD "\"cutover\": \"2021-06-30\", \"counties\": [{\"county\": \"22011\", "
                 "\"funds\": [], \"findings\": []}]}",
                 "a county without a 6-digit 'county', 'funds' or 'findings'");
    refused_text(HEAD "\"cutover\": \"2021-06-30\", \"counties\": [{\"county\": \"220113\", "
                 "\"funds\": [" FUND("310", "1") ", " FUND("390", "1") ", " FUND("310", "1")
                 "], \"findings\": []}]}",
                 "county 220113 pool 220113: fund 310 is listed twice");
    /* the most a yuan string holds is 999999999999999.99: 93 of them pass
     * the most fen an int64 holds, in one county or over two */
    char *big = malloc(93 * 600);
    int k = snprintf(big, 600, HEAD "\"cutover\": \"2021-06-30\", \"counties\": "
                     "[{\"county\": \"220113\", \"funds\": [");
    for (int i = 0; i < 93; i++)
        k += snprintf(big + k, 600, "%s" FUND("%d", "999999999999999.99"), i ? ", " : "", i);
    snprintf(big + k, 600, "], \"findings\": []}]}");
    refused_text(big, "county 220113: the transfers overflow");
    snprintf(strstr(big, ", " FUND("92", "999999999999999.99")), 600,
             "], \"findings\": []}, {\"county\": \"220182\", \"funds\": ["
             FUND("310", "999999999999999.99") "], \"findings\": []}]}");
    refused_text(big, "the counties' transfers overflow");
    free(big);
    /* the least report: no county, no totals */
    const char *least = HEAD "\"cutover\": \"2021-06-30\", \"counties\": []}";
    assert_int_equal(tctest_spit(path, least, strlen(least)), 0);
    tc_load_recon *r;
    tc_err e;
    assert_int_equal(tc_load_recon_read(&r, path, &e), 0);
    assert_int_equal(r->ncounties, 0);
    assert_false(r->has_total);
    tc_load_recon_free(r);
    unlink(path);
    assert_int_equal(tc_load_recon_read(&r, path, &e), TC_EINPUT);
    assert_string_equal(e.msg, "cannot read the file: No such file or directory");
}

static int setup(void **state)
{
    int rc = tctest_dir_setup(state);
    snprintf(path, sizeof(path), "%s/reconciliation.json", tctest_dir);
    return rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, setup, tctest_dir_teardown);
}
