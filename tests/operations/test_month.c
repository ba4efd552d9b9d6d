/*
 * test_month.c - a county's month per fund from city-coded voucher lines
 * written here (codes of mappings/changchun, lineage columns as map writes
 * them): income by kind, remitted up, expenditure, and the refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/batch.h"
#include "mappings/mapset.h"
#include "operations/month.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"

static tc_mapset *set;
static char work[] = "/tmp/tc_month_XXXXXX";

static int setup(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    if (!mkdtemp(work))
        return -1;
    return tc_mapset_load(&set, SET, &e);
}

static int teardown(void **state)
{
    (void)state;
    tc_mapset_free(set);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
    return system(cmd) == 0 ? 0 : -1;
}

/*
 * Write a voucher_line batch for county, coded `coding`, at path, from
 * lines "date|fund|account|debit|credit" (yuan); the other columns are
 * filled in.  NULL-terminated.
 */
static void write_lines(const char *path, const char *county, const char *coding, ...)
{
    tc_err e;
    tc_err_clear(&e);
    tc_batch_header h;
    const tc_rectype *t = tc_rectype_find("voucher_line");
    assert_int_equal(tc_batch_header_init(&h, t, county, coding, &e), 0);
    snprintf(h.cutover, sizeof(h.cutover), "2024-12-31");
    if (strcmp(coding, "city") == 0) {
        snprintf(h.mappings, sizeof(h.mappings), "%s", tc_mapset_digest(set));
        assert_int_equal(tc_batch_header_add_column(&h, "src_county", TC_COL_TEXT, &e), 0);
        assert_int_equal(tc_batch_header_add_column(&h, "src_record", TC_COL_INT, &e), 0);
        assert_int_equal(tc_batch_header_add_column(&h, "src_fund", TC_COL_TEXT, &e), 0);
        assert_int_equal(tc_batch_header_add_column(&h, "src_account", TC_COL_TEXT, &e), 0);
    }
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    va_list ap;
    va_start(ap, coding);
    long long n = 0;
    for (const char *spec; (spec = va_arg(ap, const char *));) {
        char buf[256], vno[32];
        snprintf(buf, sizeof(buf), "%s", spec);
        char *f[5], *p = buf;
        for (int i = 0; i < 5; i++) {
            f[i] = p;
            p = strchr(p, '|');
            if (p)
                *p++ = 0;
            else
                p = f[i] + strlen(f[i]);
        }
        tc_fen dr, cr;
        assert_int_equal(tc_money_parse_yuan(f[3], strlen(f[3]), &dr, &e), 0);
        assert_int_equal(tc_money_parse_yuan(f[4], strlen(f[4]), &cr, &e), 0);
        n++;
        snprintf(vno, sizeof(vno), "V%lld", (n + 1) / 2);
        tc_value v[TC_MAX_COLUMNS];
        v[0] = tc_v_text(vno, strlen(vno));
        v[1] = tc_v_int(atoll(f[0]));
        v[2] = tc_v_text(f[1], strlen(f[1]));
        v[3] = tc_v_text("", 0);
        v[4] = tc_v_int(n);
        v[5] = tc_v_text(f[2], strlen(f[2]));
        v[6] = tc_v_int(dr);
        v[7] = tc_v_int(cr);
        v[8] = tc_v_text("", 0);
        v[9] = tc_v_text("", 0);
        v[10] = tc_v_text(county, 6);
        v[11] = tc_v_int(n);
        v[12] = v[2];
        v[13] = v[5];
        assert_int_equal(tc_batch_write(w, v, &e), 0);
    }
    va_end(ap);
    assert_int_equal(tc_batch_commit(w, NULL, &e), 0);
}

/* March 2025 of 九台区 (220113), two funds. */
static void test_month_figures(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/220113.voucher_line.tcb", work);
    write_lines(path, "220113", "city",
                /* contributions 1,000,000.00 */
                "20250305|310|1002|1000000.00|0.00", "20250305|310|4001|0.00|1000000.00",
                /* subsidy 200,000.00 */
                "20250310|310|1002|200000.00|0.00", "20250310|310|4101|0.00|200000.00",
                /* interest 1,234.56 (4301 has no role: an income account) */
                "20250320|310|1002|1234.56|0.00", "20250320|310|4301|0.00|1234.56",
                /* remitted up 1,100,000.00 */
                "20250325|310|5401|1100000.00|0.00", "20250325|310|1002|0.00|1100000.00",
                /* benefits paid 876,543.21 from the 支出户 */
                "20250328|310|5001|876543.21|0.00", "20250328|310|1004|0.00|876543.21",
                /* the month's close: a debit on 4001 is not negative income */
                "20250331|310|4001|1000000.00|0.00", "20250331|310|300101|0.00|1000000.00",
                /* 下级上解收入 in a county's ledger is not its income */
                "20250331|310|1003|10.00|0.00", "20250331|310|4701|0.00|10.00",
                /* fund 390: 50,000.00, less a red-ink correction of 100.00 */
                "20250315|390|1002|50000.00|0.00", "20250315|390|4001|0.00|50000.00",
                "20250316|390|1002|-100.00|0.00", "20250316|390|4001|0.00|-100.00",
                NULL);
    tc_month *mo;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_month_new(&mo, set, "220113", 202503, &e), 0);
    assert_int_equal(tc_month_add_batch(mo, path, &e), 0);
    const tc_month_fund *f;
    assert_int_equal(tc_month_funds(mo, &f), 2);
    assert_string_equal(f[0].fund, "310");
    assert_string_equal(f[1].fund, "390");
    /* 310: income = 100,000,000 + 20,000,000 + 123,456 = 120,123,456 fen */
    assert_int_equal(f[0].contribution, 100000000);
    assert_int_equal(f[0].subsidy, 20000000);
    assert_int_equal(f[0].interest, 123456);
    assert_int_equal(f[0].income, 120123456);
    assert_int_equal(f[0].remitted_up, 110000000);
    assert_int_equal(f[0].expenditure, 87654321);
    assert_int_equal(f[0].lines, 14);
    /* 390: 5,000,000 - 10,000 = 4,990,000 */
    const tc_month_fund *g = tc_month_fund_of(mo, "390");
    assert_non_null(g);
    assert_int_equal(g->contribution, 4990000);
    assert_int_equal(g->income, 4990000);
    assert_int_equal(g->expenditure, 0);
    assert_null(tc_month_fund_of(mo, "510"));

    /* a batch with a line of April is refused whole: nothing of it counted */
    char bad[256];
    snprintf(bad, sizeof(bad), "%s/220113.april.voucher_line.tcb", work);
    write_lines(bad, "220113", "city", "20250331|310|1002|5.00|0.00",
                "20250401|310|4001|0.00|5.00", NULL);
    assert_int_equal(tc_month_add_batch(mo, bad, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "outside the month"));
    assert_int_equal(e.record, 2);
    assert_string_equal(e.file, bad);
    assert_int_equal(tc_month_fund_of(mo, "310")->income, 120123456);
    assert_int_equal(tc_month_fund_of(mo, "310")->lines, 14);

    /* a second batch of the month adds up: 310 gets 0.01 more contribution */
    char more[256];
    snprintf(more, sizeof(more), "%s/220113.more.voucher_line.tcb", work);
    write_lines(more, "220113", "city", "20250331|310|1002|0.01|0.00",
                "20250331|310|4001|0.00|0.01", NULL);
    assert_int_equal(tc_month_add_batch(mo, more, &e), 0);
    assert_int_equal(tc_month_fund_of(mo, "310")->income, 120123457);
    tc_month_free(mo);
}

static void test_month_refusals(void **state)
{
    (void)state;
    char path[256];
    tc_month *mo;
    tc_err e;
    tc_err_clear(&e);
    snprintf(path, sizeof(path), "%s/220182.voucher_line.tcb", work);
    write_lines(path, "220182", "city", "20250301|310|1002|1.00|0.00", NULL);
    /* another county's batch */
    assert_int_equal(tc_month_new(&mo, set, "220113", 202503, &e), 0);
    assert_int_equal(tc_month_add_batch(mo, path, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "county 220182"));
    tc_month_free(mo);
    /* in county codes */
    snprintf(path, sizeof(path), "%s/220113.county.voucher_line.tcb", work);
    write_lines(path, "220113", "county", "20250301|310|1002|1.00|0.00", NULL);
    assert_int_equal(tc_month_new(&mo, set, "220113", 202503, &e), 0);
    assert_int_equal(tc_month_add_batch(mo, path, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "county codes"));
    /* an account the city chart does not have */
    snprintf(path, sizeof(path), "%s/220113.chart.voucher_line.tcb", work);
    write_lines(path, "220113", "city", "20250301|310|9999|1.00|0.00", NULL);
    assert_int_equal(tc_month_add_batch(mo, path, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "not in the city chart"));
    assert_int_equal(e.record, 1);
    /* not a batch at all */
    assert_int_equal(tc_month_add_batch(mo, SET "/fund.csv", &e) < 0, 1);
    tc_month_free(mo);
    /* the month itself */
    assert_int_equal(tc_month_new(&mo, set, "220113", 202513, &e), TC_EUSAGE);
    assert_int_equal(tc_month_new(&mo, set, "22011", 202503, &e), TC_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_figures),
        cmocka_unit_test(test_month_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
