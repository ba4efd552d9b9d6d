/*
 * month.c - a county's month per fund from its city-coded voucher lines
 * (month.h).
 *
 * A month has a handful of funds, so the figures sit in a small array kept
 * sorted by fund code.  A batch is folded into a copy and the copy kept
 * only when the batch has ended cleanly: a refused or damaged batch counts
 * for nothing (core/batch.h: what a batch yields is provisional until its
 * end).  The account's role and class come from the mapping set, once per
 * line: the set's lookups are hash lookups.
 */
#include "operations/month.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/batch.h"

struct tc_month {
    const tc_mapset *m;
    char county[7];
    int64_t period;
    tc_month_fund *f;
    size_t n, cap;
};

int tc_month_new(tc_month **out, const tc_mapset *m, const char *county, int64_t period,
                 tc_err *e)
{
    *out = NULL;
    if (strlen(county) != 6 || strspn(county, "0123456789") != 6)
        return tc_fail(e, TC_EUSAGE, "'%s' is not a 6-digit county", county);
    if (period % 100 < 1 || period % 100 > 12 || period < 190001 || period > 999912)
        return tc_fail(e, TC_EUSAGE, "%lld is not a month YYYYMM", (long long)period);
    tc_month *mo = calloc(1, sizeof(*mo));
    if (!mo)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    mo->m = m;
    memcpy(mo->county, county, 7);
    mo->period = period;
    *out = mo;
    return 0;
}

void tc_month_free(tc_month *mo)
{
    if (!mo)
        return;
    free(mo->f);
    free(mo);
}

/* The fund's entry in (*f, *n), inserted in order when new; NULL: no memory. */
static tc_month_fund *fund_get(tc_month_fund **f, size_t *n, size_t *cap, const char *s,
                               size_t len)
{
    size_t i = 0;
    for (; i < *n; i++) {
        int c = strncmp((*f)[i].fund, s, len);
        if (c == 0 && (*f)[i].fund[len] == 0)
            return &(*f)[i];
        if (c > 0 || (c == 0 && (*f)[i].fund[len] != 0))
            break;
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        tc_month_fund *p = realloc(*f, nc * sizeof(*p));
        if (!p)
            return NULL;
        *f = p;
        *cap = nc;
    }
    memmove(&(*f)[i + 1], &(*f)[i], (*n - i) * sizeof(**f));
    memset(&(*f)[i], 0, sizeof(**f));
    memcpy((*f)[i].fund, s, len);
    (*n)++;
    return &(*f)[i];
}

static int check_header(const tc_month *mo, const tc_batch_header *h, int col[5], tc_err *e)
{
    if (strcmp(h->type, "voucher_line") != 0) {
        tc_fail(e, TC_EINPUT, "a batch of %s, not of voucher lines", h->type);
        return tc_err_hint(e, "give the month's voucher_line batches");
    }
    if (strcmp(h->coding, "city") != 0) {
        tc_fail(e, TC_EINPUT, "the batch is in county codes");
        return tc_err_hint(e, "map it first: tongchou map -m MAPPINGS BATCH -o DIR");
    }
    if (strcmp(h->mappings, tc_mapset_digest(mo->m)) != 0) {
        tc_fail(e, TC_EINPUT, "the batch was mapped with another mapping set (%s)", h->mappings);
        return tc_err_hint(e, "map the county batches again with this set");
    }
    if (strcmp(h->county, mo->county) != 0)
        return tc_fail(e, TC_EINPUT, "the batch is of county %s, not %s", h->county, mo->county);
    static const char *const names[5] = {"date", "fund", "account", "debit", "credit"};
    static const tc_coltype types[5] = {TC_COL_DATE, TC_COL_TEXT, TC_COL_TEXT, TC_COL_AMOUNT,
                                        TC_COL_AMOUNT};
    for (int i = 0; i < 5; i++) {
        col[i] = tc_batch_header_col(h, names[i]);
        if (col[i] < 0 || h->cols[col[i]].type != types[i])
            return tc_fail(e, TC_EINPUT, "the batch has no %s column of type %s", names[i],
                           tc_coltype_name(types[i]));
    }
    return 0;
}

static int add(tc_fen *to, tc_fen v, tc_err *e)
{
    if (tc_money_add(*to, v, to))
        return tc_fail(e, TC_EINPUT, "the month's turnover overflows");
    return 0;
}

/* Fold one line into its fund. */
static int fold(const tc_month *mo, tc_month_fund *f, const tc_value *acc, tc_fen debit,
                tc_fen credit, tc_err *e)
{
    const char *cls = tc_mapset_account_class(mo->m, acc->s, acc->n);
    const char *role = tc_mapset_account_role(mo->m, acc->s, acc->n);
    if (!cls || !role) {
        tc_fail(e, TC_EINPUT, "account '%.*s' is not in the city chart", (int)acc->n, acc->s);
        return tc_err_hint(e, "map the batch with the set whose city/accounts.csv has it");
    }
    f->lines++;
    if (strcmp(role, "remit_up") == 0)
        return add(&f->remitted_up, debit, e);
    if (strcmp(cls, "expense") == 0)
        return add(&f->expenditure, debit, e);
    if (strcmp(cls, "income") != 0 || strcmp(role, "received_from_below") == 0)
        return 0;
    tc_fen *to = strcmp(role, "contribution_income") == 0 ? &f->contribution
                 : strcmp(role, "subsidy_income") == 0    ? &f->subsidy
                                                          : &f->interest;
    int rc = add(to, credit, e);
    return rc ? rc : add(&f->income, credit, e);
}

int tc_month_add_batch(tc_month *mo, const char *path, tc_err *e)
{
    tc_batch_reader *br = NULL;
    int rc = tc_batch_open(&br, path, 0, e);
    if (rc) {
        tc_err_record(e, path, 0);
        return rc;
    }
    int col[5];
    rc = check_header(mo, tc_batch_header_of(br), col, e);
    size_t n = mo->n, cap = mo->n ? mo->n : 1;
    tc_month_fund *f = rc ? NULL : malloc(cap * sizeof(*f));
    if (!rc && !f)
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    if (!rc && n)
        memcpy(f, mo->f, n * sizeof(*f));
    const tc_value *v;
    while (!rc && (rc = tc_batch_next(br, &v, e)) == 1) {
        int64_t date = v[col[0]].i;
        if (date / 100 != mo->period) {
            rc = tc_fail(e, TC_EINPUT, "a line dated %lld, outside the month %lld",
                         (long long)date, (long long)mo->period);
            tc_err_hint(e, "give each month's ledger on its own: its lines are dated in it");
            break;
        }
        if (v[col[1]].n == 0 || v[col[1]].n >= sizeof(f->fund)) {
            rc = tc_fail(e, TC_EINPUT, "a line whose fund code is empty or over 15 bytes");
            break;
        }
        tc_month_fund *g = fund_get(&f, &n, &cap, v[col[1]].s, v[col[1]].n);
        if (!g) {
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
            break;
        }
        rc = fold(mo, g, &v[col[2]], v[col[3]].i, v[col[4]].i, e);
    }
    if (rc > 0)
        rc = 0;
    if (rc) /* the batch, and the record when one was read: always this batch's */
        tc_err_record(e, path, (long long)tc_batch_record_no(br));
    tc_batch_close(br);
    if (rc) {
        free(f);
        return rc;
    }
    free(mo->f);
    mo->f = f;
    mo->n = n;
    mo->cap = cap;
    return 0;
}

size_t tc_month_funds(const tc_month *mo, const tc_month_fund **out)
{
    *out = mo->f;
    return mo->n;
}

const tc_month_fund *tc_month_fund_of(const tc_month *mo, const char *fund)
{
    for (size_t i = 0; i < mo->n; i++)
        if (strcmp(mo->f[i].fund, fund) == 0)
            return &mo->f[i];
    return NULL;
}
