/*
 * keys.c - see keys.h.  Sort, spill, merge.
 */
#include "extract/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct entry {
    uint64_t h1, h2;
    int64_t where;     /* where << 8 | type: one sort key, type kept */
} entry;

#define BUF_ENTRIES ((12u << 20) / sizeof(entry))
#define RUN_READ 2048  /* entries read at a time per run (48 KiB) */

typedef struct run {
    long off, n;       /* first entry in the spill file, entry count */
} run;

struct tc_keys {
    entry *buf;
    size_t len, cap;        /* cap grows to BUF_ENTRIES, then runs spill */
    FILE *spill;
    run *runs;
    int nruns, caprun;
    char tmpdir[512];
};

/* ---- hashing: two 64-bit lanes over the key fields --------------------- */

static inline uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v * 0x9E3779B97F4A7C15ull;
    h = (h << 31) | (h >> 33);
    return h * 0xC2B2AE3D27D4EB4Full;
}

static inline uint64_t fmix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

static void hash_key(int t, const tc_value *vals, uint64_t *o1, uint64_t *o2)
{
    const tc_rectype *rt = &tc_rectypes[t];
    int cols[5];
    int nk = tc_rectype_key(rt, cols);
    uint64_t a = 0x243F6A8885A308D3ull ^ (uint64_t)t, b = 0x13198A2E03707344ull + (uint64_t)t;
    for (int i = 0; i < nk; i++) {
        const tc_value *v = &vals[cols[i]];
        if (rt->cols[cols[i]].type != TC_COL_TEXT) {
            a = mix(a, (uint64_t)v->i);
            b = mix(b ^ 0xA5, (uint64_t)v->i + 1);
            continue;
        }
        a = mix(a, v->n);
        b = mix(b, (uint64_t)v->n << 1);
        size_t j = 0;
        for (; j + 8 <= v->n; j += 8) {
            uint64_t w;
            memcpy(&w, v->s + j, 8);
            a = mix(a, w);
            b = mix(b, w ^ 0x5bd1e995ull);
        }
        uint64_t w = 0;
        memcpy(&w, v->s + j, v->n - j);
        a = mix(a, w);
        b = mix(b, w + 0x165667b19e3779f9ull);
    }
    *o1 = fmix(a);
    *o2 = fmix(b ^ a);
}

/* ---- runs --------------------------------------------------------------- */

static int cmp_entry(const void *x, const void *y)
{
    const entry *p = x, *q = y;
    if (p->h1 != q->h1)
        return p->h1 < q->h1 ? -1 : 1;
    if (p->h2 != q->h2)
        return p->h2 < q->h2 ? -1 : 1;
    return p->where < q->where ? -1 : p->where > q->where;
}

int tc_keys_open(tc_keys **out, const char *tmpdir, tc_err *e)
{
    tc_keys *k = calloc(1, sizeof(*k));
    if (!k)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    snprintf(k->tmpdir, sizeof(k->tmpdir), "%s", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    *out = k;
    return 0;
}

static int spill(tc_keys *k, tc_err *e)
{
    if (k->len)
        qsort(k->buf, k->len, sizeof(entry), cmp_entry);
    if (!k->spill) {
        char tmpl[600];
        snprintf(tmpl, sizeof(tmpl), "%s/.tc-keys.XXXXXX", k->tmpdir);
        int fd = mkostemp(tmpl, O_CLOEXEC);
        if (fd < 0)
            return tc_fail(e, TC_EIO, "cannot create a key spill file in %s: %s", k->tmpdir,
                           strerror(errno));
        unlink(tmpl);
        if (!(k->spill = fdopen(fd, "w+b"))) {
            close(fd);
            return tc_fail(e, TC_EIO, "cannot open the key spill file: %s", strerror(errno));
        }
    }
    if (k->nruns == k->caprun) {
        int cap = k->caprun ? k->caprun * 2 : 16;
        run *r = realloc(k->runs, (size_t)cap * sizeof(run));
        if (!r)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        k->runs = r;
        k->caprun = cap;
    }
    long off = ftell(k->spill) / (long)sizeof(entry);
    if (fwrite(k->buf, sizeof(entry), k->len, k->spill) != k->len)
        return tc_fail(e, TC_EIO, "cannot write the key spill file (disk full?): %s",
                       strerror(errno));
    k->runs[k->nruns++] = (run){off, (long)k->len};
    k->len = 0;
    return 0;
}

int tc_keys_add(tc_keys *k, int t, const tc_value *vals, long long where, tc_err *e)
{
    if (k->len == k->cap) {
        if (k->cap < BUF_ENTRIES) {
            size_t cap = k->cap ? k->cap * 4 : 4096;
            if (cap > BUF_ENTRIES)
                cap = BUF_ENTRIES;
            entry *b = realloc(k->buf, cap * sizeof(entry));
            if (!b)
                return tc_fail(e, TC_ENOMEM, "out of memory");
            k->buf = b;
            k->cap = cap;
        } else {
            int rc = spill(k, e);
            if (rc)
                return rc;
        }
    }
    entry *x = &k->buf[k->len++];
    hash_key(t, vals, &x->h1, &x->h2);
    x->where = (int64_t)where << 8 | t;
    return 0;
}

/* ---- merge -------------------------------------------------------------- */

typedef struct cursor {
    entry *b;
    long pos, left;    /* next entry in file, entries not yet read */
    int i, n;          /* position in b, entries in b */
} cursor;

static int cur_fill(tc_keys *k, cursor *c, tc_err *e)
{
    long take = c->left < RUN_READ ? c->left : RUN_READ;
    if (fseek(k->spill, c->pos * (long)sizeof(entry), SEEK_SET) != 0 ||
        fread(c->b, sizeof(entry), (size_t)take, k->spill) != (size_t)take)
        return tc_fail(e, TC_EIO, "cannot read the key spill file: %s", strerror(errno));
    c->pos += take;
    c->left -= take;
    c->i = 0;
    c->n = (int)take;
    return 0;
}

static void note(tc_keys_dup *best, int *found, const entry *p, const entry *q)
{
    if (p->h1 != q->h1 || p->h2 != q->h2)
        return;
    long long first = p->where >> 8, second = q->where >> 8;
    if (!*found || second < best->second) {
        best->type = (int)(q->where & 0xff);
        best->first = first;
        best->second = second;
        *found = 1;
    }
}

/* Restore the min-heap of run cursors (by their current entry) below p. */
static void sift_down(const cursor *c, int *heap, int hn, int p)
{
#define AT(x) (&c[heap[x]].b[c[heap[x]].i])
    for (;;) {
        int l = 2 * p + 1, m = p;
        if (l < hn && cmp_entry(AT(l), AT(m)) < 0)
            m = l;
        if (l + 1 < hn && cmp_entry(AT(l + 1), AT(m)) < 0)
            m = l + 1;
        if (m == p)
            return;
        int t = heap[p];
        heap[p] = heap[m];
        heap[m] = t;
        p = m;
    }
#undef AT
}

int tc_keys_check(tc_keys *k, tc_keys_dup *dup, tc_err *e)
{
    int found = 0;
    if (!k->nruns) {   /* everything fit in memory */
        if (k->len)
            qsort(k->buf, k->len, sizeof(entry), cmp_entry);
        for (size_t i = 1; i < k->len; i++)
            note(dup, &found, &k->buf[i - 1], &k->buf[i]);
        return found;
    }
    int rc = k->len ? spill(k, e) : 0;
    if (rc)
        return rc;
    int n = k->nruns;
    cursor *c = calloc((size_t)n, sizeof(cursor));
    int *heap = calloc((size_t)n, sizeof(int));
    entry *mem = malloc((size_t)n * RUN_READ * sizeof(entry));
    if (!c || !heap || !mem) {
        free(c);
        free(heap);
        free(mem);
        return tc_fail(e, TC_ENOMEM, "out of memory merging %d key runs", n);
    }
    int hn = 0;
    for (int r = 0; r < n && !rc; r++) {
        c[r].b = mem + (size_t)r * RUN_READ;
        c[r].pos = k->runs[r].off;
        c[r].left = k->runs[r].n;
        rc = cur_fill(k, &c[r], e);
        if (!rc && c[r].n)
            heap[hn++] = r;
    }
#define TOP(r) (&c[r].b[c[r].i])
    /* heapify */
    for (int s = hn / 2 - 1; s >= 0 && !rc; s--)
        sift_down(c, heap, hn, s);
    entry prev;
    int have_prev = 0;
    while (hn && !rc) {
        int r = heap[0];
        entry cur = *TOP(r);
        if (have_prev)
            note(dup, &found, &prev, &cur);
        prev = cur;
        have_prev = 1;
        if (++c[r].i == c[r].n) {
            if (c[r].left)
                rc = cur_fill(k, &c[r], e);
            else
                c[r].n = 0;
        }
        if (!c[r].n || c[r].i == c[r].n)
            heap[0] = heap[--hn];
        sift_down(c, heap, hn, 0);
    }
#undef TOP
    free(c);
    free(heap);
    free(mem);
    return rc ? rc : found;
}

void tc_keys_free(tc_keys *k)
{
    if (!k)
        return;
    if (k->spill)
        fclose(k->spill);
    free(k->runs);
    free(k->buf);
    free(k);
}
