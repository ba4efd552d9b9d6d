/*
 * groups.c - the group tables the reconciliation folds records into, and
 * the keys they are looked up by.  See rec_int.h.
 *
 * A group table (gtab) is an open-addressing hash table of fixed-size
 * payloads keyed by the bytes of their key fields (0x1f between fields,
 * keybuf); its memory grows with the number of groups - counties x funds
 * x accounts x periods, payers in arrears - never with the records.  The
 * lists a report shows come out sorted by key, so the same batches give
 * the same bytes in any order.
 *
 * At the end, what every other file asks of a part handover: whether a
 * county hands a fund over (its scope), and at which date (a fund's own
 * cutover, else the batches').
 */
#include "reconcile/rec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

/* ============================================================ group tables */

void gtab_init(gtab *t, size_t vsize)
{
    memset(t, 0, sizeof(*t));
    t->vsize = vsize;
}

void gtab_free(gtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->klen);
    free(t->hash);
    free(t->vals);
    free(t->slot);
    memset(t, 0, sizeof(*t));
}

static int gtab_rehash(gtab *t, size_t scap)
{
    uint32_t *s = calloc(scap, sizeof(uint32_t));
    if (!s)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = (size_t)t->hash[i] & (scap - 1);
        while (s[j])
            j = (j + 1) & (scap - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(t->slot);
    t->slot = s;
    t->scap = scap;
    return 0;
}

void *gtab_get(gtab *t, const char *key, size_t klen, int *created)
{
    uint64_t h = tc_fnv1a(key, klen);
    if (created)
        *created = 0;
    if (t->scap) {
        for (size_t j = (size_t)h & (t->scap - 1); t->slot[j]; j = (j + 1) & (t->scap - 1)) {
            size_t i = t->slot[j] - 1;
            if (t->hash[i] == h && t->klen[i] == klen && memcmp(t->keys[i], key, klen) == 0)
                return gtab_at(t, i);
        }
    }
    if ((t->n + 1) * 2 > t->scap && gtab_rehash(t, t->scap ? t->scap * 2 : 64))
        return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        char *v = realloc(t->vals, cap * t->vsize);
        if (!v)
            return NULL;
        t->vals = v;
        char **k = realloc(t->keys, cap * sizeof(char *));
        if (!k)
            return NULL;
        t->keys = k;
        uint32_t *l = realloc(t->klen, cap * sizeof(uint32_t));
        if (!l)
            return NULL;
        t->klen = l;
        uint64_t *hh = realloc(t->hash, cap * sizeof(uint64_t));
        if (!hh)
            return NULL;
        t->hash = hh;
        t->cap = cap;
    }
    char *kc = malloc(klen ? klen : 1);
    if (!kc)
        return NULL;
    memcpy(kc, key, klen);
    size_t i = t->n++;
    t->keys[i] = kc;
    t->klen[i] = (uint32_t)klen;
    t->hash[i] = h;
    memset(gtab_at(t, i), 0, t->vsize);
    size_t j = (size_t)h & (t->scap - 1);
    while (t->slot[j])
        j = (j + 1) & (t->scap - 1);
    t->slot[j] = (uint32_t)i + 1;
    if (created)
        *created = 1;
    return gtab_at(t, i);
}

void *gtab_find(const gtab *t, const char *key, size_t klen)
{
    if (!t->scap)
        return NULL;
    uint64_t h = tc_fnv1a(key, klen);
    for (size_t j = (size_t)h & (t->scap - 1); t->slot[j]; j = (j + 1) & (t->scap - 1)) {
        size_t i = t->slot[j] - 1;
        if (t->hash[i] == h && t->klen[i] == klen && memcmp(t->keys[i], key, klen) == 0)
            return gtab_at(t, i);
    }
    return NULL;
}

void **gtab_sorted_by(const gtab *t, int (*cmp)(const void *, const void *))
{
    if (!t->n)
        return NULL;
    void **out = malloc(t->n * sizeof(void *));
    if (!out)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        out[i] = gtab_at(t, i);
    qsort(out, t->n, sizeof(void *), cmp);
    return out;
}

static const gtab *sort_tab;

static int cmp_key(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    size_t lx = sort_tab->klen[x], ly = sort_tab->klen[y];
    int c = memcmp(sort_tab->keys[x], sort_tab->keys[y], lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

void **gtab_sorted(const gtab *t)
{
    if (!t->n)
        return NULL;
    size_t *ix = malloc(t->n * sizeof(size_t));
    void **out = malloc(t->n * sizeof(void *));
    if (!ix || !out) {
        free(ix);
        free(out);
        return NULL;
    }
    for (size_t i = 0; i < t->n; i++)
        ix[i] = i;
    sort_tab = t; /* single-threaded: the reconciliation runs on one thread */
    qsort(ix, t->n, sizeof(size_t), cmp_key);
    for (size_t i = 0; i < t->n; i++)
        out[i] = gtab_at(t, ix[i]);
    free(ix);
    return out;
}

void *vec_push(vec *a)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        char *v = realloc(a->v, cap * a->size);
        if (!v)
            return NULL;
        a->v = v;
        a->cap = cap;
    }
    void *p = a->v + a->n++ * a->size;
    memset(p, 0, a->size);
    return p;
}

void kb_text(keybuf *k, const char *s, size_t n)
{
    if (k->n + n + 1 > sizeof(k->b)) {
        k->over = 1;
        return;
    }
    memcpy(k->b + k->n, s, n);
    k->n += n;
    k->b[k->n++] = 0x1f;
}

void kb_int(keybuf *k, int64_t v)
{
    kb_text(k, (const char *)&v, sizeof(v));
}

void kb_fund_acc_period(keybuf *k, const char *fund, size_t fn, const char *acc, size_t an,
                        int64_t period)
{
    k->n = 0;
    kb_text(k, fund, fn);
    kb_text(k, acc, an);
    kb_int(k, period);
}

int rec_handed_over(const tc_reconcile *r, const county *c, const char *fund)
{
    for (int i = 0; i < r->nscope; i++) {
        const scope_g *s = &r->scope[i];
        if (strcmp(s->county, c->pool) != 0 && strcmp(s->county, c->code) != 0)
            continue;
        for (int k = 0; k < s->nfunds; k++)
            if (strcmp(s->funds[k], fund) == 0)
                return 1;
        return 0;
    }
    return 1;
}

const fundcut_g *rec_fund_cutover(const tc_reconcile *r, const county *c, const char *fund,
                                  size_t n)
{
    const fundcut_g *region = NULL;
    for (int i = 0; i < r->nfundcut; i++) {
        const fundcut_g *f = &r->fundcut[i];
        if (strlen(f->fund) != n || memcmp(f->fund, fund, n) != 0)
            continue;
        if (strcmp(f->county, c->pool) == 0)
            return f;
        if (!region && strcmp(f->county, c->code) == 0)
            region = f;
    }
    return region;
}

int64_t rec_cutper(const tc_reconcile *r, const county *c, const char *fund)
{
    const fundcut_g *f = rec_fund_cutover(r, c, fund, strlen(fund));
    return f ? f->cutper : r->cutper;
}

int rec_cmp_county(const void *a, const void *b)
{
    const county *x = *(const county *const *)a, *y = *(const county *const *)b;
    int c = strcmp(x->code, y->code);
    return c ? c : strcmp(x->pool, y->pool);
}
