/*
 * test_budget.c - budget.csv: a good file read and looked up (absence is a
 * normal answer), and every refusal at its line and column with a hint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mappings/mapset.h"
#include "operations/budget.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"

static tc_mapset *set;

static int setup(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    return tc_mapset_load(&set, SET, &e);
}

static int teardown(void **state)
{
    (void)state;
    tc_mapset_free(set);
    return 0;
}

static int parse(tc_budget **b, const char *text, tc_err *e)
{
    tc_err_clear(e);
    return tc_budget_parse(b, "budget.csv", text, strlen(text), set, e);
}

/* A file with a byte-order mark and CRLF line ends; amounts in yuan. */
static void test_read_and_find(void **state)
{
    (void)state;
    tc_budget *b;
    tc_err e;
    tc_err_clear(&e);
    const char *text = "\xEF\xBB\xBF" "county,fund,year,income,expenditure\r\n"
                       "220113,310,2025,12000000.00,1000000.02\r\n"
                       "220113,390,2025,500,400.5\r\n"
                       "220182,310,2025,0.00,0\r\n";
    assert_int_equal(parse(&b, text, &e), 0);
    const tc_budget_row *rows;
    assert_int_equal(tc_budget_rows(b, &rows), 3);
    const tc_budget_row *r = tc_budget_find(b, "220113", "310", 2025);
    assert_non_null(r);
    assert_int_equal(r->income, 1200000000);      /* 12,000,000.00 yuan */
    assert_int_equal(r->expenditure, 100000002);  /* 1,000,000.02 yuan */
    assert_int_equal(r->line, 2);
    r = tc_budget_find(b, "220113", "390", 2025);
    assert_non_null(r);
    assert_int_equal(r->income, 50000);           /* "500" yuan */
    assert_int_equal(r->expenditure, 40050);      /* "400.5" yuan */
    /* absence is an answer, not an error */
    assert_null(tc_budget_find(b, "220113", "310", 2024));
    assert_null(tc_budget_find(b, "220122", "310", 2025));
    tc_budget_free(b);
    /* a city without budget.csv: nothing found, no rows */
    assert_null(tc_budget_find(NULL, "220113", "310", 2025));
    assert_int_equal(tc_budget_rows(NULL, &rows), 0);

    /* without a mapping set only the codes' shape is checked: 311 passes */
    const char *shape = "county,fund,year,income,expenditure\n220199,311,2025,1.00,1.00\n";
    assert_int_equal(tc_budget_parse(&b, "budget.csv", shape, strlen(shape), NULL, &e), 0);
    assert_non_null(tc_budget_find(b, "220199", "311", 2025));
    tc_budget_free(b);

    /* through a file, without a final newline */
    char path[] = "/tmp/tc_budget_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *t2 = "county,fund,year,income,expenditure\n220183,510,2026,1.00,2.00";
    assert_int_equal(write(fd, t2, strlen(t2)), (ssize_t)strlen(t2));
    close(fd);
    assert_int_equal(tc_budget_read(&b, path, set, &e), 0);
    assert_non_null(tc_budget_find(b, "220183", "510", 2026));
    tc_budget_free(b);
    unlink(path);
    assert_int_equal(tc_budget_read(&b, path, set, &e), TC_EINPUT);   /* gone */
}

/* One refusal: the row after the header, its line and column, a hint, and
 * a word the message must hold. */
static void refused(const char *rows, long line, long col, const char *word)
{
    char text[512];
    snprintf(text, sizeof(text), "county,fund,year,income,expenditure\n%s", rows);
    tc_budget *b = (tc_budget *)1;
    tc_err e;
    tc_err_clear(&e);
    int rc = parse(&b, text, &e);
    char buf[2048];
    tc_err_format(&e, buf, sizeof(buf));
    if (rc != TC_EINPUT || e.line != line || e.column != col || !strstr(e.msg, word) ||
        !e.hint[0])
        fail_msg("%s -> rc %d: %s (wanted line %ld column %ld '%s')", rows, rc, buf, line,
                 col, word);
    assert_null(b);
    assert_string_equal(e.file, "budget.csv");
}

static void test_refusals(void **state)
{
    (void)state;
    /* income starts at column 17: "220113," 7 + "310," 4 + "2025," 5 = 16 bytes before it */
    refused("220113,310,2025,1234567.891,1.00\n", 2, 17, "at most two decimals");
    refused("220113,310,2025,-1.00,1.00\n", 2, 17, "negative income");
    refused("220113,310,2025,+1.00,1.00\n", 2, 17, "bad income");
    refused("220113,310,2025,1e6,1.00\n", 2, 17, "bad income");
    refused("220113,310,2025,1.00,\n", 2, 22, "blank expenditure");
    refused("220113,310,2025,,1.00\n", 2, 17, "blank income");
    refused("220113,311,2025,1.00,1.00\n", 2, 8, "unknown fund code '311'");
    refused("220113,,2025,1.00,1.00\n", 2, 8, "blank fund");
    refused("220199,310,2025,1.00,1.00\n", 2, 1, "not a city region");
    refused("22011,310,2025,1.00,1.00\n", 2, 1, "bad county");
    refused("220113,310,25,1.00,1.00\n", 2, 12, "bad year");
    refused("220113,310,1899,1.00,1.00\n", 2, 12, "before 1900");
    refused("220113,310,2025,1.00,2.00,3\n", 2, 27, "sixth field");
    refused("220113,310,2025,1.00\n", 2, 21, "four of five");
    refused("220113, 310,2025,1.00,1.00\n", 2, 8, "space");
    refused("\"220113\",310,2025,1.00,1.00\n", 2, 1, "quoted");
    refused("220113,310,2025,1\xef\xbc\x8c" "000.00,1.00\n", 2, 18, "unexpected byte");
    refused("220113,310,2025,1,234.00,1.00\n", 2, 26, "sixth field");
    /* a blank line, and the same key twice (the later line is named) */
    refused("220113,310,2025,1.00,1.00\n\n220113,310,2026,1.00,1.00\n", 3, 1, "blank line");
    refused("220113,310,2025,1.00,1.00\n220113,390,2025,1.00,1.00\n"
            "220113,310,2025,2.00,2.00\n220113,390,2025,1.00,1.00\n",
            4, 1, "budgeted twice (first on line 2)");

    tc_budget *b;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(parse(&b, "county,fund,year,expenditure,income\n", &e), TC_EINPUT);
    assert_int_equal(e.line, 1);
    assert_int_equal(parse(&b, "", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "empty"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_and_find),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
