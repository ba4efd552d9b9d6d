/*
 * test_report.c - the reconciliation page and workbook, rendered from the
 * hand-written fixture tests/reconcile/fixtures/report.json (two counties,
 * two funds each, four findings of which one blocks, every schedule, a bank
 * statement with one outstanding item of each kind, an employer-arrears
 * payer that is an identity number):
 *
 *   - the page's headline and cards say what moves (counties without a
 *     blocking finding) and what is held, apart, adding up to the total,
 *     and what a part handover keeps;
 *   - the page holds the totals and per-county figures as exact strings,
 *     negative amounts marked, the payer masked and never in clear, every
 *     section, three charts, the bank statement adjusted to the same figure
 *     on both sides, escaped names, and no reference to anything outside;
 *   - the same document gives the same bytes (page and workbook);
 *   - a document missing a required key, with a malformed amount or of
 *     another format is refused naming the key, and nothing is written;
 *     missing optional keys are fine;
 *   - which county came without control totals from the county (a dump)
 *     is said under the headline, in the summary and per source; a
 *     document from before "sources" shows none of it;
 *   - the workbook (unzipped) has the nine sheets, the amounts as numbers
 *     with their two decimals, the total rows as SUM formulas, the frozen
 *     header, the #,##0.00 format and the masked payer; an amount a
 *     spreadsheet cannot show exactly is refused;
 *   - headless Chromium loads the page without a console error, and its DOM
 *     and its PDF print show the totals; the print's Chinese labels are set
 *     in a font that has their glyphs (the PDF names it, fontconfig says it
 *     covers 中), not as the empty boxes of a machine without a CJK font.
 */
#include "tests/support/tctest.h"

#include <jansson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reconcile/report.h"

#define FIXTURE TC_TEST_SOURCE_DIR "/tests/reconcile/fixtures/report.json"
#define ID_CLEAR "220113198503150014"
#define ID_MASKED "220113********0014"

static json_t *load_fixture(void)
{
    json_error_t je;
    json_t *doc = json_load_file(FIXTURE, 0, &je);
    if (!doc)
        fail_msg("%s:%d: %s", FIXTURE, je.line, je.text);
    return doc;
}

static char *path_in(const char *name)
{
    char *p = malloc(1024);
    snprintf(p, 1024, "%s/%s", tctest_dir, name);
    return p;
}

/* The file at path, whole (the caller frees it). */
static char *slurp(const char *path, size_t *n)
{
    size_t m;
    char *b = (char *)tctest_slurp(path, n ? n : &m);
    if (!b)
        fail_msg("cannot read %s", path);
    return b;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* count() over bytes that may hold NULs (a PDF). */
static int count_mem(const char *b, size_t n, const char *needle)
{
    int k = 0;
    size_t m = strlen(needle);
    for (const char *p = b; (p = memmem(p, n - (size_t)(p - b), needle, m)); p++)
        k++;
    return k;
}

#define assert_has(hay, needle)                                            \
    do {                                                                   \
        if (!strstr((hay), (needle)))                                      \
            fail_msg("'%s' not found", (needle));                          \
    } while (0)
#define assert_lacks(hay, needle)                                          \
    do {                                                                   \
        if (strstr((hay), (needle)))                                       \
            fail_msg("'%s' found but must not be there", (needle));        \
    } while (0)

static char *write_html(const json_t *doc, const char *name)
{
    char *p = path_in(name);
    tc_err e;
    tc_err_clear(&e);
    if (tc_report_html(doc, p, &e))
        fail_msg("html: %s", e.msg);
    return p;
}

static char *write_xlsx(const json_t *doc, const char *name)
{
    char *p = path_in(name);
    tc_err e;
    tc_err_clear(&e);
    if (tc_report_xlsx(doc, p, &e))
        fail_msg("xlsx: %s", e.msg);
    return p;
}

/* The output of a shell command (the caller frees it); its exit status in
 * *status. */
static char *run(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        fail_msg("cannot run %s", cmd);
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    size_t k;
    while ((k = fread(b + n, 1, cap - n - 1, p)) > 0) {
        n += k;
        if (cap - n < 4096)
            b = realloc(b, cap *= 2);
    }
    b[n] = 0;
    int st = pclose(p);
    if (status)
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return b;
}

/* ------------------------------------------------------------------ */
/* The page                                                           */
/* ------------------------------------------------------------------ */

static void test_html_figures(void **state)
{
    (void)state;
    json_t *doc = load_fixture();
    char *p = write_html(doc, "reconciliation.html");
    char *h = slurp(p, NULL);

    /* The document's totals, in the cards and the summary's total row; the
     * transfer also as the sum of the cash and transfer columns of the
     * summary and of the basis (transfer = cash). */
    assert_int_equal(count(h, ">27,543,220.87<"), 5);
    assert_has(h, "id=\"total-transfer\">27,543,220.87</div>");
    /* Claims also as the total of the claims-and-debts table's claims. */
    assert_int_equal(count(h, ">1,140,245.90<"), 3);
    /* Debts also as the total of the claims-and-debts table's payables and
     * of the institution-payables schedule. */
    assert_int_equal(count(h, ">489,443.43<"), 4);
    /* Per county: transfer 12,345,678.90 + 8,765,432.10 and 5,432,109.87 +
     * 1,000,000.00; claims 56,789.12 + 640,000.00. */
    assert_has(h, "<td class=\"n\">21,111,111.00</td>");
    assert_has(h, "<td class=\"n\">6,432,109.87</td>");
    assert_has(h, "<td class=\"n\">696,789.12</td>");
    /* The basis total of every fund's cash is the total transfer. */
    assert_has(h, "<td class=\"n\">27,543,220.87</td></tr></tfoot>");
    /* Negative amounts are marked; the net assets that differ from the fund
     * balance (EQUATION_BREAK) are flagged. */
    assert_has(h, "<td class=\"n neg\">-200,000.00</td>");
    assert_has(h, "<td class=\"n neg\">-0.01</td>");
    assert_has(h, "<td class=\"n flag\">5,452,109.87</td>");
    /* Claims and debts carried over, totalled over the four funds: claims
     * = 180,245.90 + 960,000.00 is the document's claims. */
    assert_has(h, "<td colspan=\"2\">合计 Total</td><td class=\"n\">180,245.90</td>"
                  "<td class=\"n\">33,456.78</td><td class=\"n\">20,000.00</td>"
                  "<td class=\"n\">126,789.12</td><td class=\"n\">1,200.00</td>"
                  "<td class=\"n\">960,000.00</td><td class=\"n\">1,140,245.90</td>"
                  "<td class=\"n\">489,443.43</td></tr></tfoot>");
    /* Employer arrears total and aging buckets over both counties. */
    assert_has(h, "<td class=\"n\">180,245.90</td><td class=\"n\">33,456.78</td>"
                  "<td class=\"n\">20,000.00</td><td class=\"n\">126,789.12</td>"
                  "<td class=\"n\">1,200.00</td></tr></tfoot>");

    /* The payer, the finding's reference and its two messages: masked,
     * four times. */
    assert_int_equal(count(h, ID_MASKED), 4);
    assert_lacks(h, ID_CLEAR);
    assert_lacks(h, "19850315");
    /* A finding's Chinese message first, the English under it; one without
     * a Chinese message shows its English alone. */
    assert_has(h, "<td class=\"msg\">缴费记录 " ID_MASKED "/2020-11 应缴额不符：应缴额 1234.58 "
                  "元，按缴费基数乘费率计算应为 1234.57 元<br><span class=\"en\">due 1234.58 is "
                  "not base");
    assert_has(h, "<td class=\"msg\">the same natural key twice in 220113.contribution.tcb"
                  "</td>");

    /* Strings from the document are escaped. */
    assert_has(h, "九台&lt;大药房&gt; &amp; Co");
    assert_lacks(h, "<大药房>");

    /* Status, sections, charts, the print layout. */
    assert_has(h, "<div class=\"banner blocked\"><strong>阻断 Blocked</strong>");
    assert_has(h, "阻断问题 1 项 blocking, 警告 3 项 warnings");
    /* What moves and what is held, apart, never one "transfer" figure for
     * both: 220113 (warnings only) moves 12,345,678.90 + 8,765,432.10;
     * 220182 (an EQUATION_BREAK) holds 5,432,109.87 + 1,000,000.00; the
     * two add up to the document's transfer total, 27,543,220.87. */
    assert_has(h, "2 个统筹区中 1 个有阻断问题，其资金 6,432,109.87 元暂缓移交");
    assert_has(h, "其余 1 个可移交 21,111,111.00 元");
    assert_has(h, "1 of 2 counties are held by blocking findings with 6,432,109.87 yuan");
    assert_has(h, "id=\"total-ready\">21,111,111.00</div>");
    assert_has(h, "id=\"total-held\">6,432,109.87</div>");
    assert_has(h, "<span class=\"en\">Transfer basis, all counties</span> · 元 yuan</div>"
                  "<div class=\"v\" id=\"total-transfer\">27,543,220.87</div>");
    assert_lacks(h, "id=\"total-kept\"");   /* no part handover */
    assert_lacks(h, "Transfer</span> · 元 yuan");   /* the old headline */
    /* ...and in the chart, the held county's bar is grey */
    assert_has(h, "fill=\"#98a2b3\"><title>220182: 6,432,109.87 暂缓移交 held</title>");
    assert_has(h, "fill=\"#1f3a5f\"><title>220113: 21,111,111.00</title>");
    const char *titles[] = {
        "合计 <span class=\"en\">Totals</span>",
        "汇总 <span class=\"en\">Summary per county</span>",
        "移交基数 <span class=\"en\">Transfer basis per county and fund</span>",
        "债权债务 <span class=\"en\">Claims and debts carried over</span>",
        "问题清单 <span class=\"en\">Findings</span>",
        "单位欠费及账龄 <span class=\"en\">Employer arrears with aging</span>",
        "财政补助欠拨 <span class=\"en\">Subsidy shortfall</span>",
        "应付医药机构 <span class=\"en\">Institution payables</span>",
        "银行余额调节表 <span class=\"en\">Bank reconciliation statements</span>",
        "输入文件 <span class=\"en\">Inputs</span>"};
    for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
        assert_has(h, titles[i]);
    assert_int_equal(count(h, "<svg "), 3);
    assert_has(h, "Transfer per county");
    assert_has(h, "Employer arrears aging");
    assert_has(h, "Findings per check");
    assert_has(h, "@media print");
    /* The blocking finding is listed first. */
    char *eq = strstr(h, "EQUATION_BREAK</span>"), *due = strstr(h, "DUE_MISMATCH</span>");
    assert_non_null(eq);
    assert_non_null(due);
    assert_true(eq < due);

    /* The bank statement: 3,000,000.00 + 5,000.00 - 1,200.50 = 3,003,799.50
     * = 3,010,000.00 + 800.00 - 7,000.50, its four items listed. */
    assert_int_equal(count(h, "<td class=\"n\">3,003,799.50</td>"), 2);
    assert_int_equal(count(h, "已调平 Reconciled"), 2);
    assert_has(h, "BK20210227001");
    assert_has(h, "<td class=\"n\">7,000.50</td></tr>");
    assert_int_equal(count(h, "<td>银行已收、账上未收 <span class=\"en\">Received by bank, "
                              "not booked</span></td>"), 1);
    assert_has(h, "无未达账项 No outstanding items.");

    /* Which county came without control totals from the county: 220182
     * (its source "none", a dump) named under the headline, in Chinese
     * and in English; 220113 (a handover XML, "counts,sums") not; the
     * summary's column and the sources table say it per county and per
     * source. */
    const char *note = strstr(h, "<div class=\"banner note\" id=\"controls\">");
    assert_non_null(note);
    const char *note_end = strstr(note, "</div>");
    assert_non_null(note_end);
    char *nt = strndup(note, (size_t)(note_end - note));
    assert_has(nt, "<strong>无县级控制合计 No control totals</strong>");
    assert_has(nt, "<span class=\"mono\">220182</span> 榆树市</span> 的数据来自数据库转储或在线数据库");
    assert_has(nt, "· <span class=\"mono\">220182</span> came without control totals from the "
                   "county (a database dump or a live database): only cross-checks of the legacy "
                   "schema");
    assert_lacks(nt, "220113");
    assert_lacks(nt, "older than batch format 5");
    free(nt);
    assert_true(note < strstr(h, "id=\"totals\""));   /* at the top, before the cards */
    assert_int_equal(count(h, "<td><span class=\"tag warning\">无 none</span></td></tr>"), 1);
    assert_int_equal(count(h, "<td><span class=\"tag clean\">有 counts, sums</span></td></tr>"), 1);
    assert_has(h, "<th>县级控制合计<br><span class=\"en\">Control totals from the county</span>"
                  "</th></tr></thead>");
    assert_has(h, "数据来源 <span class=\"en\">Sources</span>");
    assert_has(h, "<td class=\"mono\">sha256:4b7a0e3d6c9f2158a4b7e0d3c6f92158a4b7e0d3c6f92158a4b7"
                  "e0d3c6f92158</td><td><span class=\"tag warning\">无 none</span> 无县级控制合计："
                  "仅有旧系统账务的交叉核对<br><span class=\"en\">no control totals from the county: "
                  "only cross-checks of the legacy schema</span></td></tr>");
    assert_has(h, "</td><td><span class=\"tag clean\">有 counts, sums</span> 有县级控制合计（条数、"
                  "金额合计），提取时已核对<br><span class=\"en\">control totals from the county "
                  "(counts and sums), checked at extraction</span></td></tr>");

    /* Self-contained: nothing outside the file is referred to. */
    const char *outside[] = {"http", "src=", "href=", "url(", "@import", "<script", "<link",
                             "<img", "<iframe", "//"};
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
        assert_lacks(h, outside[i]);

    free(h);
    free(p);
    json_decref(doc);
}

static void test_same_bytes(void **state)
{
    (void)state;
    json_t *doc = load_fixture();
    const char *names[2][2] = {{"a.html", "b.html"}, {"a.xlsx", "b.xlsx"}};
    for (int k = 0; k < 2; k++) {
        char *p1 = k ? write_xlsx(doc, names[k][0]) : write_html(doc, names[k][0]);
        char *p2 = k ? write_xlsx(doc, names[k][1]) : write_html(doc, names[k][1]);
        size_t n1, n2;
        char *b1 = slurp(p1, &n1), *b2 = slurp(p2, &n2);
        assert_true(n1 > 1000);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        free(b1), free(b2), free(p1), free(p2);
    }
    json_decref(doc);
}

/* ------------------------------------------------------------------ */
/* Refusals and optional keys                                         */
/* ------------------------------------------------------------------ */

static json_t *fund_of(json_t *doc, size_t county, size_t fund)
{
    return json_array_get(json_object_get(json_array_get(json_object_get(doc, "counties"),
                                                         county), "funds"), fund);
}

/* Both renderers refuse doc with TC_EINPUT, a message holding want, and
 * leave the folder as it was. */
static void assert_refused(json_t *doc, const char *want)
{
    char *dir = tctest_tmpdir(), p[1100];
    for (int k = 0; k < 2; k++) {
        snprintf(p, sizeof(p), "%s/reconciliation.%s", dir, k ? "xlsx" : "html");
        tc_err e;
        tc_err_clear(&e);
        int rc = k ? tc_report_xlsx(doc, p, &e) : tc_report_html(doc, p, &e);
        assert_int_equal(rc, TC_EINPUT);
        if (!strstr(e.msg, want))
            fail_msg("message '%s' lacks '%s'", e.msg, want);
        assert_int_equal(tctest_count_files(dir), 0);
    }
    tctest_rmtree(dir);
    free(dir);
}

static void test_refused(void **state)
{
    (void)state;
    json_t *doc = load_fixture();
    json_object_del(fund_of(doc, 1, 0), "transfer");
    assert_refused(doc, "reconciliation document: counties[1].funds[0]: missing key 'transfer'");
    json_decref(doc);

    doc = load_fixture();
    json_object_set_new(fund_of(doc, 0, 1), "cash", json_string("8,765,432.10"));
    assert_refused(doc, "counties[0].funds[1].cash: bad amount '8,765,432.10': no thousands "
                        "separators");
    json_decref(doc);

    doc = load_fixture();
    json_object_set_new(fund_of(doc, 0, 0), "transfer", json_real(12345678.9));
    assert_refused(doc, "counties[0].funds[0].transfer: not an amount string in yuan");
    json_decref(doc);

    doc = load_fixture();
    json_object_set_new(json_object_get(doc, "totals"), "debts", json_string("1.234"));
    assert_refused(doc, "totals.debts: bad amount '1.234'");
    json_decref(doc);

    doc = load_fixture();
    json_object_set_new(doc, "format", json_string("tongchou-reconciliation/2"));
    assert_refused(doc, "format: 'tongchou-reconciliation/2' is not 'tongchou-reconciliation/1'");
    json_decref(doc);

    doc = load_fixture();
    json_t *item = json_array_get(json_object_get(json_array_get(json_object_get(
        json_array_get(json_object_get(doc, "counties"), 0), "bank"), 0), "items"), 2);
    json_object_set_new(item, "kind", json_string("lost"));
    assert_refused(doc, "counties[0].bank[0].items[2].kind: 'lost' is none of");
    json_decref(doc);

    /* a fund's own cutover is a date */
    doc = load_fixture();
    json_object_set_new(fund_of(doc, 0, 1), "cutover", json_string("2021-13-01x"));
    assert_refused(doc, "counties[0].funds[1].cutover: '2021-13-01x' is not a date YYYY-MM-DD");
    json_decref(doc);
    doc = load_fixture();
    json_object_set_new(fund_of(doc, 0, 1), "cutover", json_integer(20210331));
    assert_refused(doc, "counties[0].funds[1].cutover: not a string");
    json_decref(doc);

    /* the transfer's parts are amounts */
    doc = load_fixture();
    json_object_set_new(json_object_get(doc, "totals"), "transfer_held", json_string("1,000.00"));
    assert_refused(doc, "totals.transfer_held: bad amount '1,000.00'");
    json_decref(doc);

    /* a finding's Chinese message is text */
    doc = load_fixture();
    json_object_set_new(json_array_get(json_object_get(json_array_get(
        json_object_get(doc, "counties"), 0), "findings"), 0), "message_zh", json_integer(1));
    assert_refused(doc, "counties[0].findings[0].message_zh: not a string");
    json_decref(doc);

    /* a source's control totals are one of the four words */
    doc = load_fixture();
    json_object_set_new(json_array_get(json_object_get(json_array_get(
        json_object_get(doc, "counties"), 1), "sources"), 0), "controls", json_string("sums"));
    assert_refused(doc, "counties[1].sources[0].controls: 'sums' is none of counts,sums, counts, "
                        "none, unknown");
    json_decref(doc);
    doc = load_fixture();
    json_object_del(json_array_get(json_object_get(json_array_get(
        json_object_get(doc, "counties"), 0), "sources"), 0), "source");
    assert_refused(doc, "counties[0].sources[0]: missing key 'source'");
    json_decref(doc);

    /* An identity number in a refused value is masked in the message too. */
    doc = load_fixture();
    json_object_set_new(json_object_get(doc, "totals"), "claims", json_string(ID_CLEAR));
    assert_refused(doc, "totals.claims: bad amount '" ID_MASKED "'");
    json_decref(doc);
}

/* A folder that is not there: an I/O failure, said with the path. */
static void test_unwritable(void **state)
{
    (void)state;
    json_t *doc = load_fixture();
    char p[1100];
    snprintf(p, sizeof(p), "%s/no-such-folder/r.html", tctest_dir);
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_report_html(doc, p, &e), TC_EIO);
    assert_has(e.msg, "no-such-folder/r.html");
    snprintf(p, sizeof(p), "%s/no-such-folder/r.xlsx", tctest_dir);
    tc_err_clear(&e);
    assert_int_equal(tc_report_xlsx(doc, p, &e), TC_EIO);
    assert_has(e.msg, "no-such-folder/r.xlsx");
    json_decref(doc);
}

static void test_optional_keys(void **state)
{
    (void)state;
    json_t *doc = load_fixture();
    json_object_del(doc, "inputs");
    json_object_del(doc, "mappings");
    size_t i, j;
    json_t *c, *x;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_object_del(c, "name");
        json_object_del(c, "schedules");
        json_object_del(c, "sources");   /* a document from before it */
        json_array_foreach(json_object_get(c, "bank"), j, x) {
            json_object_del(x, "items");
            json_object_del(x, "fund");
            json_object_del(x, "role");
        }
        json_array_foreach(json_object_get(c, "findings"), j, x) {
            json_object_del(x, "severity");
            json_object_del(x, "county");
            json_object_del(x, "amount");
            json_object_del(x, "ref");
        }
    }
    char *p = write_html(doc, "bare.html"), *px = write_xlsx(doc, "bare.xlsx");
    char *h = slurp(p, NULL);
    assert_int_equal(count(h, "<p class=\"none\">无 None.</p>"), 3);
    assert_int_equal(count(h, "无未达账项 No outstanding items."), 2);
    assert_lacks(h, "九台区");
    assert_lacks(h, "Inputs</span>");
    assert_has(h, ">27,543,220.87<");
    /* Findings without a severity count as warnings, none blocks. */
    assert_has(h, "阻断问题 0 项 blocking, 警告 4 项 warnings");
    /* Without sources: no note, no section, a dash in the column. */
    assert_lacks(h, "banner note");
    assert_lacks(h, "Sources</span>");
    assert_int_equal(count(h, "</td><td>—</td></tr>"), 2);
    free(h);
    free(p);
    free(px);
    json_decref(doc);
}

/* A clean document, and one with a negative transfer and a check the page
 * does not know. */
static void test_html_variants(void **state)
{
    (void)state;
    json_t *doc = load_fixture();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "counties"), i, c)
        json_array_clear(json_object_get(c, "findings"));
    json_object_set_new(doc, "status", json_string("clean"));
    char *p = write_html(doc, "clean.html");
    char *h = slurp(p, NULL);
    assert_has(h, "<div class=\"banner clean\"><strong>通过 Clean</strong>");
    assert_has(h, "<p class=\"none\">无问题 No findings.</p>");
    assert_has(h, ">无问题 No findings</text>");
    assert_int_equal(count(h, "<span class=\"tag clean\">通过 Clean</span>"), 3);
    /* nothing held: all of it can move */
    assert_has(h, "2 个统筹区均无阻断问题，可移交 27,543,220.87 元");
    assert_has(h, "id=\"total-ready\">27,543,220.87</div>");
    assert_has(h, "id=\"total-held\">0.00</div>");
    assert_lacks(h, "暂缓移交 held</text>");   /* no grey bar to explain */
    free(h);
    free(p);
    json_decref(doc);

    /* A part handover keeps 220113's fund 390 (8,765,432.10): it neither
     * moves nor is held; ready is 220113's 310 alone, 12,345,678.90, and
     * ready + held + kept is still the transfer total. */
    doc = load_fixture();
    json_object_set_new(fund_of(doc, 0, 1), "handed_over", json_false());
    p = write_html(doc, "part.html");
    h = slurp(p, NULL);
    assert_has(h, "id=\"total-ready\">12,345,678.90</div>");
    assert_has(h, "id=\"total-held\">6,432,109.87</div>");
    assert_has(h, "id=\"total-kept\">8,765,432.10</div>");
    assert_has(h, "id=\"total-transfer\">27,543,220.87</div>");
    assert_has(h, "= 可移交 + 暂缓移交 + 部分移交保留 · ready + held + kept");
    assert_has(h, "部分移交保留在原统筹区的基金 8,765,432.10 元不移交");
    free(h);
    free(p);
    json_decref(doc);

    doc = load_fixture();
    json_t *f = fund_of(doc, 1, 1);
    json_object_set_new(f, "cash", json_string("-7000000.00"));
    json_object_set_new(f, "transfer", json_string("-7000000.00"));
    json_t *fs = json_object_get(json_array_get(json_object_get(doc, "counties"), 1), "findings");
    json_array_append_new(fs, json_pack("{s:s, s:s, s:s}", "code", "NEW_CHECK", "severity",
                                        "blocking", "message", "a check of tomorrow"));
    p = write_html(doc, "negative.html");
    h = slurp(p, NULL);
    /* 220182: 5,432,109.87 - 7,000,000.00; its bar red, left of the axis. */
    assert_has(h, "<td class=\"n neg\">-1,567,890.13</td>");
    assert_has(h, "fill=\"#b42318\"><title>220182: -1,567,890.13 暂缓移交 held</title>");
    assert_has(h, "style=\"fill:#b42318\">-1,567,890.13</text>");
    /* The unknown check: shown by its code, counted, blocking. */
    assert_has(h, "<title>NEW_CHECK</title>NEW_CHECK</text>");
    assert_has(h, "阻断问题 2 项 blocking, 警告 3 项 warnings");
    free(h);
    free(p);
    json_decref(doc);
}

/* ------------------------------------------------------------------ */
/* The workbook                                                       */
/* ------------------------------------------------------------------ */

static char *unzip_member(const char *zip, const char *member)
{
    char cmd[2200];
    snprintf(cmd, sizeof(cmd), "unzip -p '%s' '%s'", zip, member);
    int st;
    char *out = run(cmd, &st);
    if (st != 0)
        fail_msg("unzip -p %s %s: exit %d", zip, member, st);
    return out;
}

static void test_xlsx(void **state)
{
    (void)state;
    json_t *doc = load_fixture();
    char *p = write_xlsx(doc, "reconciliation.xlsx");

    char *wb = unzip_member(p, "xl/workbook.xml");
    const char *sheets[] = {"汇总 Summary", "问题清单 Findings", "单位欠费 Employer arrears",
                            "财政补助欠拨 Subsidy shortfall", "应付医药机构 Institution payables",
                            "银行余额调节表 Bank statements", "未达账项 Outstanding items",
                            "移交基数 Transfer basis", "数据来源 Sources"};
    const char *at = wb;
    for (int i = 0; i < 9; i++) {
        char want[200];
        snprintf(want, sizeof(want), "<sheet name=\"%s\" sheetId=\"%d\"", sheets[i], i + 1);
        const char *s = strstr(at, want);
        if (!s)
            fail_msg("sheet %d '%s' not found in order", i + 1, sheets[i]);
        at = s;
    }
    assert_int_equal(count(wb, "<sheet "), 9);
    free(wb);

    char *ss = unzip_member(p, "xl/sharedStrings.xml");
    assert_has(ss, ID_MASKED);
    assert_lacks(ss, ID_CLEAR);
    assert_lacks(ss, "19850315");
    assert_has(ss, "九台&lt;大药房&gt; &amp; Co");
    assert_has(ss, "移交金额 Transfer");
    assert_has(ss, "EQUATION_BREAK");
    assert_has(ss, "会计等式不平");
    assert_has(ss, "应缴额不符：应缴额 1234.58 元");   /* the Chinese message's column */
    assert_has(ss, "310 职工医保");
    /* the summary's column and the sources sheet, in words */
    assert_has(ss, "<t>县级控制合计 Control totals from the county</t>");
    assert_has(ss, "<t>无县级控制合计：仅有旧系统账务的交叉核对 · no control totals from the county: "
                   "only cross-checks of the legacy schema</t>");
    assert_has(ss, "<t>有县级控制合计（条数、金额合计），提取时已核对 · control totals from the "
                   "county (counts and sums), checked at extraction</t>");
    assert_has(ss, "sha256:4b7a0e3d6c9f2158a4b7e0d3c6f92158a4b7e0d3c6f92158a4b7e0d3c6f92158");
    free(ss);
    char *s9 = unzip_member(p, "xl/worksheets/sheet9.xml");
    assert_has(s9, "<autoFilter ref=\"A1:E3\"/>");   /* a row per source */
    free(s9);

    char *st = unzip_member(p, "xl/styles.xml");
    assert_has(st, "formatCode=\"#,##0.00;[Red]-#,##0.00\"");
    free(st);

    /* Summary: the document's totals as numbers, the per-county sums. */
    char *s1 = unzip_member(p, "xl/worksheets/sheet1.xml");
    assert_has(s1, "<v>27543220.87</v>");
    assert_has(s1, "<v>1140245.9</v>");
    assert_has(s1, "<v>489443.43</v>");
    assert_has(s1, "<v>21111111</v>");
    assert_has(s1, "<v>6432109.87</v>");
    assert_has(s1, "state=\"frozen\"");
    /* ...and under the total, what of it moves and what is held: 220113's
     * 21,111,111.00 and 220182's 6,432,109.87 (cash, transfer, and once
     * more in the transfer column below the total) */
    assert_int_equal(count(s1, "<v>21111111</v>"), 3);
    assert_int_equal(count(s1, "<v>6432109.87</v>"), 3);
    free(s1);
    ss = unzip_member(p, "xl/sharedStrings.xml");
    assert_has(ss, "其中：可移交（无阻断问题的统筹区） Of which ready to move");
    assert_has(ss, "其中：暂缓移交（有阻断问题，整改或豁免后移交） Of which held");
    assert_lacks(ss, "Of which kept");
    free(ss);

    /* Findings: the blocking one's amount, negative. */
    char *s2 = unzip_member(p, "xl/worksheets/sheet2.xml");
    assert_has(s2, "<v>-0.01</v>");
    assert_has(s2, "<v>-150</v>");
    free(s2);

    /* Employer arrears: a SUM total row carrying 180,245.90. */
    char *s3 = unzip_member(p, "xl/worksheets/sheet3.xml");
    assert_has(s3, "<f>SUM(D2:D5)</f><v>180245.9</v>");
    assert_has(s3, "<f>SUM(G2:G5)</f><v>126789.12</v>");
    assert_has(s3, "<autoFilter ref=\"A1:H5\"/>");
    free(s3);

    /* Bank statements: adjusted 3,003,799.50, difference 0. */
    char *s6 = unzip_member(p, "xl/worksheets/sheet6.xml");
    assert_has(s6, "<v>3003799.5</v>");
    const char *l2 = strstr(s6, "<c r=\"L2\"");
    assert_non_null(l2);
    assert_non_null(strstr(l2, "<v>"));
    assert_memory_equal(strstr(l2, "<v>"), "<v>0</v>", 8);
    free(s6);

    /* Outstanding items: four, one of each kind. */
    char *s7 = unzip_member(p, "xl/worksheets/sheet7.xml");
    assert_has(s7, "<v>5000</v>");
    assert_has(s7, "<v>1200.5</v>");
    assert_has(s7, "<v>800</v>");
    assert_has(s7, "<v>7000.5</v>");
    assert_has(s7, "<autoFilter ref=\"A1:G5\"/>");
    free(s7);

    /* Transfer basis: negative net assets, the transfer column's total. */
    char *s8 = unzip_member(p, "xl/worksheets/sheet8.xml");
    assert_has(s8, "<v>-200000</v>");
    assert_has(s8, "<f>SUM(P2:P5)</f><v>27543220.87</v>");
    assert_has(s8, "<f>SUM(C2:C5)</f><v>27543220.87</v>");
    free(s8);
    free(p);

    /* a fund handed over at its own cutover: its cell of the transfer
     * basis says the date; without one no cell does */
    ss = unzip_member(p = write_xlsx(doc, "plain.xlsx"), "xl/sharedStrings.xml");
    assert_lacks(ss, "截至");
    free(ss);
    free(p);
    assert_string_equal(json_string_value(json_object_get(fund_of(doc, 0, 0), "fund")), "310");
    json_object_set_new(fund_of(doc, 0, 0), "cutover", json_string("2021-03-31"));
    ss = unzip_member(p = write_xlsx(doc, "cutover.xlsx"), "xl/sharedStrings.xml");
    assert_has(ss, "<t>310 职工医保 截至 2021-03-31</t>");
    free(ss);
    free(p);
    json_decref(doc);
}

static void test_xlsx_bound(void **state)
{
    (void)state;
    json_t *doc = load_fixture();
    /* 10^13 yuan has 16 significant digits with its fen: refused.  One fen
     * less is the largest figure shown exactly.  (A finding's amount: the
     * findings sheet has no total row to push past the bound.) */
    json_t *f = json_array_get(json_object_get(json_array_get(json_object_get(doc, "counties"),
                                                              0), "findings"), 0);
    json_object_set_new(f, "amount", json_string("-9999999999999.99"));
    char *p = write_xlsx(doc, "big.xlsx");
    char *s2 = unzip_member(p, "xl/worksheets/sheet2.xml");
    assert_has(s2, "<v>-9999999999999.99</v>");
    free(s2);
    free(p);
    json_object_set_new(f, "amount", json_string("10000000000000.00"));
    char *dir = tctest_tmpdir(), path[1100];
    snprintf(path, sizeof(path), "%s/x.xlsx", dir);
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_report_xlsx(doc, path, &e), TC_EINPUT);
    assert_has(e.msg, "amount 10000000000000.00 is too large for a spreadsheet");
    assert_int_equal(tctest_count_files(dir), 0);
    tctest_rmtree(dir);
    free(dir);
    json_decref(doc);
}

/* ------------------------------------------------------------------ */
/* Headless Chromium                                                  */
/* ------------------------------------------------------------------ */

static char *chromium_path(void)
{
    int st;
    char *which = run("command -v chromium", &st);
    if (st != 0 || !which[0])
        fail_msg("chromium not found: install Debian's chromium (scripts/lib/deps.sh)");
    which[strcspn(which, "\n")] = 0;
    return which;
}

/* Run headless Chromium with args on the page at html (a private profile,
 * verbose logging to stderr); its stdout is returned, its stderr in *err. */
static char *chromium(const char *args, const char *html, char **err)
{
    static int runs;
    char *exe = chromium_path(), cmd[4096], errpath[1100];
    snprintf(errpath, sizeof(errpath), "%s/chromium-%d.err", tctest_dir, ++runs);
    snprintf(cmd, sizeof(cmd),
             "HOME='%s' timeout 300 '%s' --headless --no-sandbox --disable-gpu "
             "--disable-dev-shm-usage --no-first-run --no-default-browser-check "
             "--disable-background-networking --disable-component-update --disable-sync "
             "--disable-extensions --disable-features=Translate,MediaRouter "
             "--enable-logging=stderr --v=1 --user-data-dir='%s/profile' %s 'file://%s' "
             "2>'%s'", tctest_dir, exe, tctest_dir, args, html, errpath);
    int st;
    char *o = run(cmd, &st);
    *err = slurp(errpath, NULL);
    if (st != 0)
        fail_msg("chromium %s: exit %d: %s", args, st, *err);
    free(exe);
    return o;
}

/* Requests to the network the page made: those to hosts other than the
 * ones Chromium itself calls in the background (updates, time, accounts). */
static int page_requests(const char *err)
{
    static const char *const own[] = {"google.com/", "googleapis.com/", "gvt1.com/"};
    static const char MARK[] = "NotifyBeforeURLRequest: ";
    int n = 0;
    for (const char *p = strstr(err, MARK); p; p = strstr(p + 1, MARK)) {
        const char *url = p + strlen(MARK), *end = url + strcspn(url, "?\n");
        int browser = 0;
        for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
            const char *h = strstr(url, own[i]);
            if (h && h < end)
                browser = 1;
        }
        n += !browser;
    }
    return n;
}

/* What went wrong loading a page, from Chromium's log: console messages
 * (script errors, refused loads), every file fetched besides the page, and
 * every request it made to the network. */
static int page_problems(const char *err)
{
    return count(err, ":CONSOLE") + count(err, "FileURLLoader::Start") - 1 + page_requests(err);
}

/*
 * Whether a PDF (Chromium's print, pdf[0..n)) sets its text in a font that
 * has Chinese glyphs: the fonts it names ("/FontName /XXXXXX+Name" or
 * "/BaseFont /...", a subset's tag before the '+') against those fontconfig,
 * where Chromium finds its fonts, says cover U+4E2D (中).  A machine
 * without a CJK font prints Chinese as a Latin font's empty boxes, and
 * only that font is named.  (Not pdffonts: Chromium embeds a CFF font such
 * as Noto Sans CJK as Type 3, which pdffonts lists nameless; its
 * descriptor still names it.)  Fails, naming what is missing, when no
 * font of the PDF is one of them.
 */
static void assert_cjk_font(const char *pdf, size_t n)
{
    int st;
    /* "\nName\nName\n...": each name found as "\nName\n" */
    char *cjk = run("echo; fc-list -f '%{postscriptname}\\n' ':charset=4e2d'", &st);
    if (st != 0)
        fail_msg("fc-list not found: install Debian's fontconfig (scripts/lib/deps.sh)");
    if (!cjk[1])
        fail_msg("no installed font has Chinese glyphs: the pages show Chinese as empty boxes "
                 "(install Debian's fonts-noto-cjk, scripts/lib/deps.sh)");
    char names[4096] = "";
    int found = 0, named = 0;
    static const char *const keys[] = {"/FontName /", "/BaseFont /"};
    for (int k = 0; k < 2; k++) {
        size_t kl = strlen(keys[k]);
        for (size_t i = 0; i + kl < n; i++) {
            if (memcmp(pdf + i, keys[k], kl) != 0)
                continue;
            const char *p = pdf + i + kl, *end = pdf + n;
            size_t len = 0;
            while (p + len < end && len < 200 && !strchr(" /\n\r\t<>[]()", p[len]))
                len++;
            const char *plus = memchr(p, '+', len);
            if (plus)
                len -= (size_t)(plus + 1 - p), p = plus + 1;
            char want[210];
            snprintf(want, sizeof(want), "\n%.*s\n", (int)len, p);
            named++;
            found |= len > 0 && strstr(cjk, want) != NULL;
            if (strlen(names) + len + 2 < sizeof(names))
                snprintf(names + strlen(names), sizeof(names) - strlen(names), " %.*s",
                         (int)len, p);
        }
    }
    if (!named)
        fail_msg("the printed page names no font (/FontName, /BaseFont): has Chromium's PDF "
                 "changed form?");
    if (!found)
        fail_msg("the printed page sets its Chinese in no font that has Chinese glyphs, so "
                 "they show as empty boxes.  Its fonts:%s; fonts with Chinese glyphs:%s", names,
                 cjk);
    free(cjk);
}

static void test_chromium_detects(void **state)
{
    (void)state;
    /* The detector itself: a page with a script error, an image beside it
     * and one on the network is caught, so a clean result below means
     * something.  (Nothing listens on port 9, the discard port.) */
    char bad[1100], *err;
    snprintf(bad, sizeof(bad), "%s/bad.html", tctest_dir);
    const char *page = "<!DOCTYPE html><html><body><p>x</p><img src=\"beside.png\">"
                       "<img src=\"http://127.0.0.1:9/x.png\">"
                       "<script>no_such_function();</script></body></html>";
    assert_int_equal(tctest_spit(bad, page, strlen(page)), 0);
    char *dom = chromium("--dump-dom", bad, &err);
    assert_has(dom, "<p>x</p>");
    assert_int_equal(count(err, ":CONSOLE"), 1);
    assert_int_equal(count(err, "FileURLLoader::Start"), 2);
    assert_int_equal(page_requests(err), 1);
    assert_int_equal(page_problems(err), 3);
    free(dom);
    free(err);
}

static void test_chromium(void **state)
{
    (void)state;
    json_t *doc = load_fixture();
    char *p = write_html(doc, "page.html"), *err;
    char *dom = chromium("--dump-dom", p, &err);
    /* The DOM as Chromium built it: the totals, the sections, the charts. */
    assert_has(dom, "<div class=\"v\" id=\"total-transfer\">27,543,220.87</div>");
    assert_has(dom, "<div class=\"v\" id=\"total-claims\">1,140,245.90</div>");
    assert_has(dom, "<div class=\"v\" id=\"total-debts\">489,443.43</div>");
    assert_has(dom, "银行余额调节表");
    assert_has(dom, ID_MASKED);
    assert_lacks(dom, ID_CLEAR);
    assert_int_equal(count(dom, "<svg "), 3);
    assert_int_equal(count(dom, "<section "), 11);   /* sources included */
    assert_has(dom, "id=\"controls\"");
    assert_has(dom, "</html>");
    /* Nothing went wrong in the console, nothing but the page was fetched. */
    assert_int_equal(count(err, "FileURLLoader::Start"), 1);
    if (page_problems(err))
        fail_msg("the page did not load cleanly: %s", err);
    free(dom);
    free(err);

    /* Printed: a PDF of several A4 landscape pages. */
    char pdfpath[1100], args[1200];
    snprintf(pdfpath, sizeof(pdfpath), "%s/page.pdf", tctest_dir);
    snprintf(args, sizeof(args), "--no-pdf-header-footer --print-to-pdf='%s'", pdfpath);
    free(chromium(args, p, &err));
    if (page_problems(err))
        fail_msg("the page did not print cleanly: %s", err);
    size_t n;
    char *pdf = slurp(pdfpath, &n);
    assert_true(n > 10000);
    assert_memory_equal(pdf, "%PDF-", 5);
    /* Pages of A4 landscape (841.92 x 594.96 points): the fixture's page
     * takes more than two of them. */
    int pages = count_mem(pdf, n, "/Type /Page") - count_mem(pdf, n, "/Type /Pages");
    assert_true(pages >= 3);
    assert_int_equal(count_mem(pdf, n, "/MediaBox [0 0 841.9"), pages);
    /* its Chinese labels (银行余额调节表 ...) have their glyphs */
    assert_cjk_font(pdf, n);
    free(pdf);
    free(err);
    free(p);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_figures),
        cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_unwritable),
        cmocka_unit_test(test_optional_keys),
        cmocka_unit_test(test_html_variants),
        cmocka_unit_test(test_xlsx),
        cmocka_unit_test(test_xlsx_bound),
        cmocka_unit_test(test_chromium_detects),
        cmocka_unit_test(test_chromium),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
