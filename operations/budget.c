/*
 * budget.c - budget.csv read whole and checked, then looked up.
 *
 * The file is small (a row per county, fund and year) and its fields are
 * digits, so it is read into memory and walked byte by byte with the line
 * and column of every field at hand: a refusal names the exact place.  No
 * CSV library: the format admits no quoting, and a quote, a stray byte or
 * a field too many is refused at its column rather than interpreted.
 *
 * Duplicates are found after the walk, on an index sorted by (county,
 * fund, year, line); the same index answers tc_budget_find by binary
 * search, so a file of any length costs n log n, never n squared.
 */
#include "operations/budget.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tc_budget {
    tc_budget_row *rows;     /* file order */
    size_t n, cap;
    const tc_budget_row **ix;   /* the rows sorted by key, then line */
};

static int key_cmp(const tc_budget_row *a, const tc_budget_row *b)
{
    int c = strcmp(a->county, b->county);
    if (!c)
        c = strcmp(a->fund, b->fund);
    if (!c)
        c = (a->year > b->year) - (a->year < b->year);
    return c;
}

static int ix_cmp(const void *pa, const void *pb)
{
    const tc_budget_row *a = *(const tc_budget_row *const *)pa;
    const tc_budget_row *b = *(const tc_budget_row *const *)pb;
    int c = key_cmp(a, b);
    return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* ------------------------------------------------------------ the walk */

typedef struct field {
    const char *s;
    size_t n;
    long col;                /* 1-based */
} field;

static int refuse(tc_err *e, const char *name, long line, long col, const char *hint,
                  const char *fmt, const char *a, size_t an)
{
    char what[64];
    snprintf(what, sizeof(what), "%.*s", (int)(an > 40 ? 40 : an), a ? a : "");
    tc_fail(e, TC_EINPUT, fmt, what);
    tc_err_at(e, name, line, col);
    return tc_err_hint(e, "%s", hint);
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

/* One amount field into fen; which is "income" or "expenditure". */
static int amount(const field *f, const char *which, const char *name, long line, tc_fen *out,
                  tc_err *e)
{
    const char *hint = "write yuan with at most two decimals, as 1234567.89";
    tc_err pe;
    tc_err_clear(&pe);
    if (f->n == 0) {
        tc_fail(e, TC_EINPUT, "blank %s", which);
        hint = "write the amount in yuan, 0.00 for none";
    } else if (f->s[0] == '-') {
        tc_fail(e, TC_EINPUT, "negative %s '%.*s'", which, (int)(f->n > 40 ? 40 : f->n), f->s);
        hint = "a budgeted amount is zero or more";
    } else if (tc_money_parse_yuan(f->s, f->n, out, &pe)) {
        tc_fail(e, TC_EINPUT, "bad %s: %s", which, pe.msg);
    } else {
        return 0;
    }
    tc_err_at(e, name, line, f->col);
    return tc_err_hint(e, "%s", hint);
}

static int row_of(tc_budget *b, const field f[5], const char *name, long line,
                  const tc_mapset *m, tc_err *e)
{
    tc_budget_row r;
    memset(&r, 0, sizeof(r));
    r.line = line;
    if (f[0].n != 6 || !all_digits(f[0].s, f[0].n))
        return refuse(e, name, line, f[0].col, "write the city's 6-digit region code, as 220113",
                      f[0].n ? "bad county '%s'" : "blank county%s", f[0].s, f[0].n);
    memcpy(r.county, f[0].s, 6);
    if (m && !tc_mapset_region_name(m, r.county))
        return refuse(e, name, line, f[0].col, "use a region of city/regions.csv",
                      "county %s is not a city region", f[0].s, f[0].n);
    if (f[1].n == 0 || f[1].n >= sizeof(r.fund))
        return refuse(e, name, line, f[1].col, "write a city fund code, as 310",
                      f[1].n ? "bad fund '%s'" : "blank fund%s", f[1].s, f[1].n);
    memcpy(r.fund, f[1].s, f[1].n);
    if (m && !tc_mapset_fund_name(m, r.fund, f[1].n))
        return refuse(e, name, line, f[1].col,
                      "use a fund of city/funds.csv: the city's codes, not the county's",
                      "unknown fund code '%s'", f[1].s, f[1].n);
    if (f[2].n != 4 || !all_digits(f[2].s, 4) || f[2].s[0] == '0')
        return refuse(e, name, line, f[2].col, "write the budget year as four digits, as 2024",
                      f[2].n ? "bad year '%s'" : "blank year%s", f[2].s, f[2].n);
    r.year = (f[2].s[0] - '0') * 1000 + (f[2].s[1] - '0') * 100 +
             (f[2].s[2] - '0') * 10 + (f[2].s[3] - '0');
    if (r.year < 1900)
        return refuse(e, name, line, f[2].col, "write the budget year as four digits, as 2024",
                      "year '%s' before 1900", f[2].s, f[2].n);
    int rc = amount(&f[3], "income", name, line, &r.income, e);
    if (!rc)
        rc = amount(&f[4], "expenditure", name, line, &r.expenditure, e);
    if (rc)
        return rc;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        tc_budget_row *p = realloc(b->rows, cap * sizeof(*p));
        if (!p)
            return tc_fail(e, TC_ENOMEM, "out of memory reading the budget");
        b->rows = p;
        b->cap = cap;
    }
    b->rows[b->n++] = r;
    return 0;
}

/* Split the line [s, end) into fields; refuse bytes the format has no use for. */
static int split(const char *s, const char *end, const char *lstart, field f[5], int *nf,
                 const char *name, long line, tc_err *e)
{
    *nf = 0;
    const char *p = s;
    for (;;) {
        const char *q = p;
        while (q < end && *q != ',') {
            unsigned char c = (unsigned char)*q;
            long col = (long)(q - lstart) + 1;
            if (c == '"')
                return refuse(e, name, line, col,
                              "save the file without quotes: its fields are codes and numbers",
                              "a quoted field%s", "", 0);
            if (c < 0x20 || c > 0x7e)
                return refuse(e, name, line, col,
                              "the fields are digits and codes: remove the byte (a space, a "
                              "tab or a thousands separator?)",
                              "unexpected byte%s", "", 0);
            if (c == ' ')
                return refuse(e, name, line, col, "remove the space", "a space%s", "", 0);
            q++;
        }
        if (*nf == 5)
            return refuse(e, name, line, (long)(p - lstart) + 1,
                          "a row has five fields: " TC_BUDGET_HEADER,
                          "a sixth field%s", "", 0);
        f[*nf].s = p;
        f[*nf].n = (size_t)(q - p);
        f[*nf].col = (long)(p - lstart) + 1;
        (*nf)++;
        if (q == end)
            return 0;
        p = q + 1;
    }
}

int tc_budget_parse(tc_budget **out, const char *name, const char *text, size_t n,
                    const tc_mapset *m, tc_err *e)
{
    *out = NULL;
    tc_budget *b = calloc(1, sizeof(*b));
    if (!b)
        return tc_fail(e, TC_ENOMEM, "out of memory reading the budget");
    const char *s = text, *end = text + n;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    long line = 0;
    int rc = 0;
    while (!rc && s < end) {
        line++;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        if (le > s && le[-1] == '\r')
            le--;
        field f[5];
        int nf = 0;
        if (le == s)
            rc = refuse(e, name, line, 1, "remove the blank line", "a blank line%s", "", 0);
        else if (line == 1) {
            if ((size_t)(le - s) != strlen(TC_BUDGET_HEADER) ||
                memcmp(s, TC_BUDGET_HEADER, (size_t)(le - s)) != 0)
                rc = refuse(e, name, 1, 1, "the first row is " TC_BUDGET_HEADER,
                            "the header is not " TC_BUDGET_HEADER "%s", "", 0);
        } else if (!(rc = split(s, le, s, f, &nf, name, line, e))) {
            if (nf < 5)
                rc = refuse(e, name, line, (long)(le - s) + 1,
                            "a row has five fields: " TC_BUDGET_HEADER,
                            "the row ends after %s of five fields", nf == 1 ? "one"
                            : nf == 2 ? "two" : nf == 3 ? "three" : "four", 5);
            else
                rc = row_of(b, f, name, line, m, e);
        }
        s = nl ? nl + 1 : end;
    }
    if (!rc && line == 0)
        rc = refuse(e, name, 1, 1, "the first row is " TC_BUDGET_HEADER, "the file is empty%s",
                    "", 0);
    if (!rc && b->n) {
        b->ix = malloc(b->n * sizeof(*b->ix));
        if (!b->ix)
            rc = tc_fail(e, TC_ENOMEM, "out of memory reading the budget");
    }
    if (!rc && b->n) {
        for (size_t i = 0; i < b->n; i++)
            b->ix[i] = &b->rows[i];
        qsort(b->ix, b->n, sizeof(*b->ix), ix_cmp);
        /* a repeat is any row after the first of its key in the sorted
         * index; the one to name is the earliest in the file */
        const tc_budget_row *dup = NULL, *first = NULL;
        size_t head = 0;
        for (size_t i = 1; i < b->n; i++) {
            if (key_cmp(b->ix[head], b->ix[i]) != 0) {
                head = i;
                continue;
            }
            if (!dup || b->ix[i]->line < dup->line) {
                dup = b->ix[i];
                first = b->ix[head];
            }
        }
        if (dup) {
            tc_fail(e, TC_EINPUT, "county %s fund %s year %d is budgeted twice (first on line %ld)",
                    dup->county, dup->fund, dup->year, first->line);
            tc_err_at(e, name, dup->line, 1);
            rc = tc_err_hint(e, "keep one row per county, fund and year");
        }
    }
    if (rc) {
        tc_budget_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

int tc_budget_read(tc_budget **out, const char *path, const tc_mapset *m, tc_err *e)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int err = errno;
        tc_fail(e, tc_errno_code(err), "cannot open the budget: %s", strerror(err));
        tc_err_at(e, path, 0, 0);
        return e->code;
    }
    char *buf = malloc(TC_BUDGET_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return tc_fail(e, TC_ENOMEM, "out of memory reading the budget");
    }
    size_t n = fread(buf, 1, TC_BUDGET_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc;
    if (bad) {
        rc = tc_fail(e, TC_EIO, "cannot read the budget");
        tc_err_at(e, path, 0, 0);
    } else if (n > TC_BUDGET_MAX_BYTES) {
        rc = tc_fail(e, TC_EINPUT, "the file is more than the %d bytes a budget may hold",
                     TC_BUDGET_MAX_BYTES);
        tc_err_at(e, path, 0, 0);
        tc_err_hint(e, "a budget has one row per county, fund and year: is this the right file?");
    } else {
        rc = tc_budget_parse(out, path, buf, n, m, e);
    }
    free(buf);
    return rc;
}

void tc_budget_free(tc_budget *b)
{
    if (!b)
        return;
    free(b->rows);
    free(b->ix);
    free(b);
}

size_t tc_budget_rows(const tc_budget *b, const tc_budget_row **rows)
{
    *rows = b ? b->rows : NULL;
    return b ? b->n : 0;
}

const tc_budget_row *tc_budget_find(const tc_budget *b, const char *county, const char *fund,
                                    int year)
{
    if (!b)
        return NULL;
    tc_budget_row k;
    memset(&k, 0, sizeof(k));
    snprintf(k.county, sizeof(k.county), "%s", county);
    snprintf(k.fund, sizeof(k.fund), "%s", fund);
    k.year = year;
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(b->ix[mid], &k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < b->n && !key_cmp(b->ix[lo], &k))
        return b->ix[lo];
    return NULL;
}
