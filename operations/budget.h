/*
 * budget.h - the annual fund budget (统一编制基金预算): budget.csv, one row
 * per county, fund and year, read whole and checked before anything uses it.
 *
 * The file (shared/spec/operations.md, "Year start"; docs/operations.md):
 *
 *   county,fund,year,income,expenditure
 *   220113,310,2024,1234567.89,1000000.02
 *
 *   - UTF-8 (the fields are ASCII; a byte-order mark is allowed), lines end
 *     in LF or CRLF, the header row exactly as above, no quoted fields;
 *   - county: a city region of the mapping set (city/regions.csv);
 *   - fund: a city fund (city/funds.csv);
 *   - year: four digits, 1900-9999;
 *   - income, expenditure: yuan in the money module's strict grammar
 *     (core/money.h: at most two decimals, no '+', no exponent, no
 *     separators), never negative, never blank;
 *   - (county, fund, year) at most once.
 *
 * Anything else refuses the whole file with TC_EINPUT at the file, line
 * and column of the first fault, and a hint saying what to write instead.
 * The file may hold at most TC_BUDGET_MAX_BYTES bytes.
 *
 * A county with no row for a year is a normal answer (tc_budget_find gives
 * NULL): the pre-allocation then rests on last year's actual spending
 * (operations/cycle.h).
 */
#ifndef TC_OPS_BUDGET_H
#define TC_OPS_BUDGET_H

#include <stddef.h>

#include "core/err.h"
#include "core/money.h"
#include "mappings/mapset.h"

#define TC_BUDGET_MAX_BYTES (16 * 1024 * 1024)   /* 7 counties x 7 funds x years: ample */
#define TC_BUDGET_HEADER "county,fund,year,income,expenditure"

typedef struct tc_budget_row {
    char county[7];          /* 6-digit city region */
    char fund[16];           /* city fund code */
    int year;
    tc_fen income;           /* budgeted income, fen */
    tc_fen expenditure;      /* budgeted expenditure, fen */
    long line;               /* the row's line in the file, for messages */
} tc_budget_row;

typedef struct tc_budget tc_budget;

/*
 * Read and check budget.csv at path against the mapping set m (its regions
 * and funds) into *out; a NULL m checks the codes' shape only (six digits,
 * a fund code of at most 15 bytes), for a tool that holds no set.  Returns 0, or TC_EINPUT (file, line, column, hint
 * in e) when the file breaks a rule above, TC_EIO when it cannot be read,
 * TC_ENOMEM.  Nothing is kept on failure.
 */
int tc_budget_read(tc_budget **out, const char *path, const tc_mapset *m, tc_err *e);

/* The same over the n bytes at text, with name standing for the file in
 * messages (for callers that hold the bytes: tests, a database column). */
int tc_budget_parse(tc_budget **out, const char *name, const char *text, size_t n,
                    const tc_mapset *m, tc_err *e);

void tc_budget_free(tc_budget *b);

/* The rows in file order (owned by b); returns how many.  A NULL b (a
 * city without budget.csv) has none. */
size_t tc_budget_rows(const tc_budget *b, const tc_budget_row **rows);

/* The row of county, fund and year, or NULL when the budget has none (a
 * normal answer: see tc_ops_preallocation), or b is NULL. */
const tc_budget_row *tc_budget_find(const tc_budget *b, const char *county, const char *fund,
                                    int year);

#endif
