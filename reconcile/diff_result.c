/*
 * diff_result.c - the result of a comparison (diff_int.h): making it,
 * reading it through the accessors of diff.h, and freeing it; and reading
 * a listed record's values back out of their order-preserving encoding.
 *
 * The comparisons (diff_batches.c, diff_recon.c) fill the result; the
 * writers (diff_write.c) only read it.
 */
#include "reconcile/diff_int.h"

#include <stdlib.h>
#include <string.h>

void tc_diff_opts_init(tc_diff_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->limit = TC_DIFF_LIMIT;
}

int dd_new(tc_diff **out, int kind, const tc_diff_opts *o, tc_err *e)
{
    tc_diff *d = calloc(1, sizeof(*d));
    if (!d)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    d->kind = kind;
    d->limit = o ? o->limit : TC_DIFF_LIMIT;
    if (d->limit < 0)
        d->limit = 0;
    *out = d;
    return 0;
}

int dd_strdup(char **out, const char *s, tc_err *e)
{
    *out = NULL;
    if (!s)
        return 0;
    if (!(*out = strdup(s)))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    return 0;
}

dd_rec *dd_rec_new(const unsigned char *b, uint32_t nkey, uint32_t n)
{
    dd_rec *r = malloc(sizeof(*r) + n);
    if (!r)
        return NULL;
    r->nkey = nkey;
    r->n = n;
    memcpy(r->b, b, n);
    return r;
}

void dd_decode(const dd_type *t, const dd_rec *r, tc_value *vals, char *scratch)
{
    const unsigned char *p = r->b;
    size_t k = 0;
    for (int j = 0; j < t->h.ncols; j++) {
        int c = t->order[j];
        if (t->h.cols[c].type != TC_COL_TEXT) {
            uint64_t u = 0;
            for (int i = 0; i < 8; i++)
                u = u << 8 | p[i];
            vals[c] = tc_v_int((int64_t)(u ^ 0x8000000000000000ull));
            p += 8;
            continue;
        }
        size_t start = k;
        while (!(p[0] == 0 && p[1] == 1)) {
            scratch[k++] = (char)p[0];
            p += p[0] == 0 ? 2 : 1;
        }
        p += 2;
        vals[c] = tc_v_text(scratch + start, k - start);
    }
}

int dd_ident_col(const dd_type *t, int c)
{
    const char *n = t->h.colname[c];
    return strcmp(n, "payer") == 0 || strcmp(n, "person") == 0;
}

/* ------------------------------------------------------------ accessors */

int tc_diff_changed(const tc_diff *d)
{
    if (d->kind == DD_BATCHES) {
        for (int i = 0; i < d->ntypes; i++) {
            const dd_type *t = &d->types[i];
            if (t->added || t->removed || t->changed || t->present[0] != t->present[1])
                return 1;
            for (int c = 0; c < t->h.ncols; c++)
                if (t->total[0][c] != t->total[1][c])
                    return 1;   /* cannot be without a record changing; said anyway */
        }
        return 0;
    }
    return d->nfields || d->ncounties || d->nfigures || d->nfnd[DF_ADDED] ||
           d->nfnd[DF_REMOVED] || d->nfnd[DF_CHANGED];
}

static const dd_type *find_type(const tc_diff *d, const char *type)
{
    if (d->kind != DD_BATCHES)
        return NULL;
    for (int i = 0; i < d->ntypes; i++)
        if (strcmp(d->types[i].name, type) == 0)
            return &d->types[i];
    return NULL;
}

int tc_diff_type_counts(const tc_diff *d, const char *type, tc_diff_counts *out)
{
    const dd_type *t = find_type(d, type);
    memset(out, 0, sizeof(*out));
    if (!t)
        return -1;
    out->present_old = t->present[0];
    out->present_new = t->present[1];
    out->old = t->count[0];
    out->new_ = t->count[1];
    out->added = t->added;
    out->removed = t->removed;
    out->changed = t->changed;
    out->listed_added = (uint64_t)t->list[DL_ADDED].n;
    out->listed_removed = (uint64_t)t->list[DL_REMOVED].n;
    out->listed_changed = (uint64_t)t->list[DL_CHANGED_OLD].n;
    return 0;
}

int tc_diff_type_total(const tc_diff *d, const char *type, const char *column, tc_fen *old,
                       tc_fen *new_, tc_fen *delta)
{
    const dd_type *t = find_type(d, type);
    int c = t ? tc_batch_header_col(&t->h, column) : -1;
    if (c < 0 || t->h.cols[c].type != TC_COL_AMOUNT)
        return -1;
    *old = t->total[0][c];
    *new_ = t->total[1][c];
    /* the comparison refused totals whose difference does not fit */
    return tc_money_sub(*new_, *old, delta) ? -1 : 0;
}

/* ------------------------------------------------------------- freeing */

static void free_finding(dd_finding *f)
{
    free(f->county);
    free(f->code);
    free(f->fund);
    free(f->ref);
    free(f->severity);
    free(f->message);
}

void tc_diff_free(tc_diff *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->ntypes; i++)
        for (int l = 0; l < DL_N; l++) {
            for (long k = 0; k < d->types[i].list[l].n; k++)
                free(d->types[i].list[l].v[k]);
            free(d->types[i].list[l].v);
        }
    free(d->types);
    for (int i = 0; i < d->nfields; i++) {
        free(d->fields[i].v[0]);
        free(d->fields[i].v[1]);
    }
    free(d->fields);
    for (long i = 0; i < d->ncounties; i++) {
        free(d->counties[i].county);
        free(d->counties[i].name);
    }
    free(d->counties);
    for (long i = 0; i < d->nfigures; i++) {
        free(d->figures[i].county);
        free(d->figures[i].fund);
        free(d->figures[i].account);
    }
    free(d->figures);
    for (int k = 0; k < 3; k++) {
        long n = k == DF_CHANGED ? 2 * d->nfnd[k] : d->nfnd[k];
        for (long i = 0; i < n; i++)
            free_finding(&d->fnd[k][i]);
        free(d->fnd[k]);
    }
    free(d);
}
