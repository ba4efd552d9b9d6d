/*
 * keys.c - see keys.h.  Partition, spill, hash.
 *
 * A record's key becomes a 128-bit hash and goes, with where it was, into
 * one of 256 partitions by the hash's top byte.  A partition's entries are
 * buffered (8 KiB) and its full buffers appended, as chunks, to one
 * unlinked spill file.  At the end each partition in turn is read back and
 * put into an open-addressing hash set: an entry that finds its hash
 * already there is a duplicate.  Adding a key costs a hash and a copy;
 * checking costs one pass.  Memory: the buffers (2 MiB when all are in
 * use), the chunk index (16 bytes per 8 KiB spilled) and, while checking,
 * one partition - 1/256 of the keys - and its hash set.
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
    int64_t where;     /* where << 8 | type */
} entry;

#define NPART 256
#define PBUF 340       /* entries per partition buffer (~8 KiB) */

typedef struct chunk {
    long off;          /* entry offset in the spill file */
    int part, n;
} chunk;

struct tc_keys {
    entry *buf[NPART];
    int len[NPART];
    long total[NPART];
    FILE *spill;
    long spilled;      /* entries in the spill file */
    chunk *chunks;
    long nchunks, capchunks;
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

/* ---- adding -------------------------------------------------------------- */

int tc_keys_open(tc_keys **out, const char *tmpdir, tc_err *e)
{
    tc_keys *k = calloc(1, sizeof(*k));
    if (!k)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    snprintf(k->tmpdir, sizeof(k->tmpdir), "%s", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    *out = k;
    return 0;
}

static int flush_part(tc_keys *k, int p, tc_err *e)
{
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
    if (k->nchunks == k->capchunks) {
        long cap = k->capchunks ? k->capchunks * 2 : 256;
        chunk *c = realloc(k->chunks, (size_t)cap * sizeof(chunk));
        if (!c)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        k->chunks = c;
        k->capchunks = cap;
    }
    if (fwrite(k->buf[p], sizeof(entry), (size_t)k->len[p], k->spill) != (size_t)k->len[p])
        return tc_fail(e, TC_EIO, "cannot write the key spill file (disk full?): %s",
                       strerror(errno));
    k->chunks[k->nchunks++] = (chunk){k->spilled, p, k->len[p]};
    k->spilled += k->len[p];
    k->len[p] = 0;
    return 0;
}

int tc_keys_add(tc_keys *k, int t, const tc_value *vals, long long where, tc_err *e)
{
    uint64_t h1, h2;
    hash_key(t, vals, &h1, &h2);
    int p = (int)(h1 >> 56);
    if (!k->buf[p] && !(k->buf[p] = malloc(PBUF * sizeof(entry))))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (k->len[p] == PBUF) {
        int rc = flush_part(k, p, e);
        if (rc)
            return rc;
    }
    k->buf[p][k->len[p]++] = (entry){h1, h2, (int64_t)where << 8 | t};
    k->total[p]++;
    return 0;
}

/* ---- checking ------------------------------------------------------------ */

static void note(tc_keys_dup *best, int *found, const entry *p, const entry *q)
{
    long long first = p->where >> 8, second = q->where >> 8;
    if (first > second) {
        long long t = first;
        first = second;
        second = t;
    }
    if (!*found || second < best->second) {
        best->type = (int)(q->where & 0xff);
        best->first = first;
        best->second = second;
        *found = 1;
    }
}

int tc_keys_check(tc_keys *k, tc_keys_dup *dup, tc_err *e)
{
    int found = 0, rc = 0;
    long most = 0;
    for (int p = 0; p < NPART; p++)
        if (k->total[p] > most)
            most = k->total[p];
    if (!most)
        return 0;
    size_t cap = 16;
    while (cap < (size_t)most * 2)
        cap <<= 1;
    entry *part = malloc((size_t)most * sizeof(entry));
    entry **set = malloc(cap * sizeof(entry *));
    if (!part || !set) {
        free(part);
        free(set);
        return tc_fail(e, TC_ENOMEM, "out of memory checking natural keys");
    }
    if (k->spill && fflush(k->spill) != 0)
        rc = tc_fail(e, TC_EIO, "cannot write the key spill file: %s", strerror(errno));
    for (int p = 0; p < NPART && !rc; p++) {
        if (!k->total[p])
            continue;
        /* the partition in the order its keys came: spilled chunks, then the buffer */
        long n = 0;
        for (long c = 0; c < k->nchunks && !rc; c++) {
            if (k->chunks[c].part != p)
                continue;
            if (fseek(k->spill, k->chunks[c].off * (long)sizeof(entry), SEEK_SET) != 0 ||
                fread(part + n, sizeof(entry), (size_t)k->chunks[c].n, k->spill) !=
                    (size_t)k->chunks[c].n)
                rc = tc_fail(e, TC_EIO, "cannot read the key spill file: %s", strerror(errno));
            n += k->chunks[c].n;
        }
        memcpy(part + n, k->buf[p], (size_t)k->len[p] * sizeof(entry));
        n += k->len[p];
        size_t mask = cap - 1;
        memset(set, 0, cap * sizeof(entry *));
        for (long i = 0; i < n && !rc; i++) {
            const entry *x = &part[i];
            for (size_t s = (size_t)x->h2 & mask;; s = (s + 1) & mask) {
                if (!set[s]) {
                    set[s] = &part[i];
                    break;
                }
                if (set[s]->h1 == x->h1 && set[s]->h2 == x->h2) {
                    note(dup, &found, set[s], x);
                    break;
                }
            }
        }
    }
    free(part);
    free(set);
    return rc ? rc : found;
}

void tc_keys_free(tc_keys *k)
{
    if (!k)
        return;
    if (k->spill)
        fclose(k->spill);
    for (int p = 0; p < NPART; p++)
        free(k->buf[p]);
    free(k->chunks);
    free(k);
}
