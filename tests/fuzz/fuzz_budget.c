/*
 * fuzz_budget.c - budget.csv as operations reads it (operations/budget.h),
 * on arbitrary bytes, against the example mapping set.  The target links
 * tc_operations, tc_mappings and core, no libpq.  Properties:
 *
 *   - no crash, no leak, no hang; a refusal is TC_EINPUT (or TC_ENOMEM)
 *     with a message and a hint, at the file, a line >= 1 and a column
 *     >= 1 on that line;
 *   - what is accepted holds what the cycles rely on: every county six
 *     digits and a city region, every fund a city fund, every year
 *     1900-9999, every amount >= 0 and formatting back to the same fen,
 *     each (county, fund, year) once, and tc_budget_find giving each row
 *     back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "mappings/mapset.h"
#include "operations/budget.h"

static tc_mapset *set;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "budget: %s\n", what);
        abort();
    }
}

static void same_fen(tc_fen v)
{
    char b[TC_MONEY_BUFSZ];
    tc_fen back;
    tc_err e;
    tc_money_format(v, b);
    check(tc_money_parse_yuan(b, strlen(b), &back, &e) == 0 && back == v,
          "an amount does not format back");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!set) {
        tc_err e;
        tc_err_clear(&e);
        if (tc_mapset_load(&set, TC_SOURCE_DIR "/mappings/changchun", &e) != 0)
            abort();
    }
    tc_budget *b = NULL;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_budget_parse(&b, "budget.csv", (const char *)data, size, set, &e);
    if (rc) {
        check(rc == TC_EINPUT || rc == TC_ENOMEM, "refused with another code");
        check(b == NULL, "refused, but a budget is kept");
        check(e.msg[0] != 0, "refused without a message");
        if (rc == TC_EINPUT) {
            check(e.hint[0] != 0, "refused without a hint");
            check(strcmp(e.file, "budget.csv") == 0, "refused without the file");
            check(e.line >= 1 && e.column >= 1, "refused without a line and column");
        }
        return 0;
    }
    const tc_budget_row *rows;
    size_t n = tc_budget_rows(b, &rows);
    for (size_t i = 0; i < n; i++) {
        const tc_budget_row *r = &rows[i];
        check(strlen(r->county) == 6 && strspn(r->county, "0123456789") == 6 &&
                  tc_mapset_region_name(set, r->county) != NULL,
              "a county that is not a city region");
        check(tc_mapset_fund_name(set, r->fund, strlen(r->fund)) != NULL, "an unknown fund");
        check(r->year >= 1900 && r->year <= 9999, "a year out of range");
        check(r->income >= 0 && r->expenditure >= 0, "a negative amount");
        same_fen(r->income);
        same_fen(r->expenditure);
        check(tc_budget_find(b, r->county, r->fund, r->year) == r,
              "a row twice, or not found again");
    }
    tc_budget_free(b);
    return 0;
}
