/*
 * keys.c - see keys.h.  Partition, spill, hash.
 *
 * A record's key becomes a 128-bit hash; 92 bits of it go, with where it
 * was (16 bytes in all, see entry), into one of 256 partitions by the
 * hash's top bits.  A partition's entries are buffered (8 KiB) and its
 * full buffers appended, as chunks, to the spill file the stores of one
 * extraction share (core/spill.h), 32 of them to a write.  At the end each
 * partition in turn is read back, from every store, and put into an
 * open-addressing hash set: an entry that finds its hash already there is
 * a duplicate.  Adding a key
 * costs a hash and a copy; checking costs one pass, on two threads.
 * Memory: the buffers (2.25 MiB a store when all are in use, none once
 * sealed), the chunk index (32 bytes per chunk) and, while checking, per
 * thread one partition - 1/256 of the keys - and its hash set, or, for a
 * partition of more than PASS_MAX keys, as many passes over it as keep
 * each under PASS_MAX (by 8 more bits of the hash): flat memory whatever
 * the number of keys.
 */
#include "core/keys.h"

#include "core/thread_job.h"
#include "core/spill.h"
#include "core/vec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 16 bytes: 92 bits of hash (h1, and h2 but for its low 4 bits, which
 * hold the record type), and the line (beyond 2^32 lines it wraps, as the
 * line numbers of the XML reader's messages do). */
typedef struct entry {
    uint64_t h1;
    uint32_t h2;       /* hash bits | type */
    uint32_t line;
} entry;

#define PBITS 8
#define NPART (1 << PBITS)
#define PBUF 512       /* entries per partition buffer (8 KiB) */
#define PASS_MAX (1L << 18) /* entries checked at once (4 MiB, and 4 MiB of hash set) */
#define WBUF (32 * PBUF) /* full partition buffers gathered into one write (256 KiB) */

static long pass_max = PASS_MAX;

void tc_keys_set_pass_max(long n) { pass_max = n > 0 ? n : PASS_MAX; }

typedef struct chunk {
    uint64_t off;      /* byte offset in the spill file */
    int part, n;
    long next;         /* the partition's next chunk, or -1 */
} chunk;

typedef struct lanes {
    uint64_t a, b;
} lanes;

struct tc_keys {
    entry *buf[NPART];
    int len[NPART];
    long total[NPART];
    tc_spill *sp;      /* shared by the stores of one extraction */
    chunk *chunks;
    long nchunks, capchunks;
    long first[NPART], last[NPART];   /* each partition's first and last chunk, as
                                       * index + 1 (0: none); chunk.next links them */
    /* the lanes after the first key column of the last key: records come
     * in runs (an insured person's months), so the next key often starts
     * the same and its hash starts there */
    uint32_t line_offset;   /* added to every line when checked */
    /* full partition buffers on their way to the spill file, WBUF entries
     * a write: ext4 takes 32 MiB in 8 KiB writes at 14 ms, in 256 KiB ones
     * at 5 ms, and then reads and frees it at half the cost too.  Their
     * chunks, from index wfirst on, hold offsets into wbuf until written. */
    entry *wbuf;
    int wlen;
    long wfirst;
    int last_t;
    uint32_t last_n;
    char last_s[64];
    lanes last_l;
};

/* ---- hashing: two 64-bit lanes over the key fields --------------------- */

/*
 * Each lane folds 16 bytes a step with one 64 x 64 -> 128-bit multiply
 * (the wyhash mixer); the lanes differ in their constants, so together
 * they make a 128-bit hash.  Every field is framed by its length, so
 * ("ab", "c") and ("a", "bc") differ.
 */
static inline uint64_t wymix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

#define K0 0xa0761d6478bd642full
#define K1 0xe7037ed1a0b428dbull
#define K2 0x8ebc6af09c88c6e3ull
#define K3 0x589965cc75374cc3ull

static inline void step(lanes *l, uint64_t w0, uint64_t w1)
{
    l->a = wymix(w0 ^ K0 ^ l->a, w1 ^ K1);
    l->b = wymix(w0 ^ K2 ^ l->b, w1 ^ K3 ^ (l->b >> 29));
}

/* One column into the lanes. */
static inline void hash_col(lanes *l, const tc_rectype *rt, int c, const tc_value *v)
{
    if (rt->cols[c].type != TC_COL_TEXT) {
        step(l, (uint64_t)v->i, 0xA5A5A5A5A5A5A5A5ull);
        return;
    }
    const unsigned char *s = (const unsigned char *)v->s;
    size_t n = v->n, j = 0;
    for (; j + 16 <= n; j += 16) {
        uint64_t w0, w1;
        memcpy(&w0, s + j, 8);
        memcpy(&w1, s + j + 8, 8);
        step(l, w0, w1);
    }
    unsigned char tail[16] = {0};
    memcpy(tail, s + j, n - j);
    uint64_t w0, w1;
    memcpy(&w0, tail, 8);
    memcpy(&w1, tail + 8, 8);
    step(l, w0, w1 ^ ((uint64_t)n << 40));
}

static void hash_key(tc_keys *k, int t, const tc_value *vals, uint64_t *o1, uint64_t *o2)
{
    const tc_rectype *rt = &tc_rectypes[t];
    int cols[5];
    int nk = tc_rectype_key(rt, cols);
    lanes l = {0x243F6A8885A308D3ull ^ (uint64_t)t, 0x13198A2E03707344ull + (uint64_t)t};
    int i = 0;
    if (nk > 1 && rt->cols[cols[0]].type == TC_COL_TEXT) {
        const tc_value *v = &vals[cols[0]];
        if (k->last_t == t + 1 && v->n == k->last_n && memcmp(v->s, k->last_s, v->n) == 0) {
            l = k->last_l;   /* the same first column as the last key */
        } else {
            hash_col(&l, rt, cols[0], v);
            if (v->n <= sizeof(k->last_s)) {
                k->last_t = t + 1;
                k->last_n = v->n;
                memcpy(k->last_s, v->s, v->n);
                k->last_l = l;
            } else
                k->last_t = 0;
        }
        i = 1;
    }
    for (; i < nk; i++)
        hash_col(&l, rt, cols[i], &vals[cols[i]]);
    *o1 = wymix(l.a ^ K2, l.b ^ K1);
    *o2 = wymix(l.b ^ K0, l.a ^ K3);
}

/* ---- adding -------------------------------------------------------------- */

int tc_keys_open(tc_keys **out, const char *tmpdir, tc_err *e)
{
    tc_keys *k = calloc(1, sizeof(*k));
    if (!k)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = tc_spill_new(&k->sp, tmpdir, "key spill", e);
    if (rc) {
        free(k);
        return rc;
    }
    *out = k;
    return 0;
}

int tc_keys_open_shared(tc_keys **out, tc_keys *with, tc_err *e)
{
    tc_keys *k = calloc(1, sizeof(*k));
    if (!k)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    k->sp = tc_spill_ref(with->sp);
    *out = k;
    return 0;
}

/* The gathered buffers to the spill file, their chunks' offsets made real. */
static int flush_writes(tc_keys *k, tc_err *e)
{
    if (!k->wlen)
        return 0;
    uint64_t off;
    int rc = tc_spill_append(k->sp, k->wbuf, (size_t)k->wlen * sizeof(entry), &off, e);
    if (rc)
        return rc;
    for (long c = k->wfirst; c < k->nchunks; c++)
        k->chunks[c].off += off;
    k->wfirst = k->nchunks;
    k->wlen = 0;
    return 0;
}

/* Partition p's buffer, as a chunk, to the gathered writes. */
static int flush_part(tc_keys *k, int p, tc_err *e)
{
    int rc = tc_vec_room(&k->chunks, k->nchunks, &k->capchunks, 256, sizeof(chunk), e);
    if (rc)
        return rc;
    if (!k->wbuf && !(k->wbuf = malloc(WBUF * sizeof(entry))))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (k->wlen + k->len[p] > WBUF && (rc = flush_writes(k, e)))
        return rc;
    memcpy(k->wbuf + k->wlen, k->buf[p], (size_t)k->len[p] * sizeof(entry));
    long c = k->nchunks++;
    k->chunks[c] = (chunk){(uint64_t)k->wlen * sizeof(entry), p, k->len[p], -1};
    k->wlen += k->len[p];
    if (k->last[p])
        k->chunks[k->last[p] - 1].next = c;
    else
        k->first[p] = c + 1;
    k->last[p] = c + 1;
    k->len[p] = 0;
    return 0;
}

int tc_keys_add(tc_keys *k, int t, const tc_value *vals, long long where, tc_err *e)
{
    uint64_t h1, h2;
    hash_key(k, t, vals, &h1, &h2);
    int p = (int)(h1 >> (64 - PBITS));
    if (!k->buf[p] && !(k->buf[p] = malloc(PBUF * sizeof(entry))))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (k->len[p] == PBUF) {
        int rc = flush_part(k, p, e);
        if (rc)
            return rc;
    }
    k->buf[p][k->len[p]++] = (entry){h1, ((uint32_t)h2 & ~0xFu) | (uint32_t)t, (uint32_t)where};
    k->total[p]++;
    return 0;
}

void tc_keys_set_line_offset(tc_keys *k, long lines) { k->line_offset = (uint32_t)lines; }

int tc_keys_seal(tc_keys *k, tc_err *e)
{
    for (int p = 0; p < NPART; p++) {
        if (k->len[p]) {
            int rc = flush_part(k, p, e);
            if (rc)
                return rc;
        }
        free(k->buf[p]);
        k->buf[p] = NULL;
    }
    int rc = flush_writes(k, e);
    free(k->wbuf);
    k->wbuf = NULL;
    return rc;
}

/* ---- checking ------------------------------------------------------------ */

static void note(tc_keys_dup *best, int *found, const entry *p, const entry *q)
{
    long long first = p->line, second = q->line;
    if (first > second) {
        long long t = first;
        first = second;
        second = t;
    }
    if (!*found || second < best->second) {
        best->type = (int)(q->h2 & 0xF);
        best->first = first;
        best->second = second;
        *found = 1;
    }
}

typedef void (*dup_visit)(void *arg, const entry *first, const entry *again);

/* Read n entries at byte offset off of k's spill into dst. */
static int read_chunk(tc_keys *k, uint64_t off, int n, entry *dst, tc_err *e)
{
    return tc_spill_read(k->sp, off, dst, (size_t)n * sizeof(entry), e);
}

/* Walk every partition of the n stores (their keys together) through a
 * hash set; visit() is told each entry that finds its hash already there,
 * with the entry it found. */
/* Room for n + 1 entries in *part. */
static int part_room(entry **part, long n, long *cap, tc_err *e)
{
    return tc_vec_room(part, n, cap, pass_max / 4 + 16, sizeof(entry), e);
}

/* Which pass of `sub` an entry belongs to: 8 hash bits below the partition's. */
static inline int pass_of(const entry *x, int sub)
{
    return (int)(x->h1 >> (64 - PBITS - 8)) & (sub - 1);
}

static int scan(tc_keys *const *ks, int nk, int p0, int p1, dup_visit visit, void *arg,
                tc_err *e)
{
    int rc = 0;
    entry *part = NULL, **set = NULL;
    long partcap = 0;
    size_t setcap = 0;
    entry stage[PBUF];
    for (int p = p0; p < p1 && !rc; p++) {
        long t = 0;
        for (int j = 0; j < nk; j++)
            t += ks[j]->total[p];
        if (!t)
            continue;
        int sub = 1;
        while (t / sub > pass_max && sub < 256)
            sub <<= 1;
        for (int q = 0; q < sub && !rc; q++) {
            /* the partition (this pass of it) in the order its keys came:
             * per store, spilled chunks, then the buffer */
            long n = 0;
            for (int j = 0; j < nk && !rc; j++) {
                tc_keys *k = ks[j];
                long n0 = n;
                for (long c = k->first[p] - 1; c >= 0 && !rc; c = k->chunks[c].next) {
                    int cn = k->chunks[c].n;
                    if (sub == 1) {
                        while (!rc && n + cn > partcap)
                            rc = part_room(&part, partcap, &partcap, e);
                        if (!rc)
                            rc = read_chunk(k, k->chunks[c].off, cn, part + n, e);
                        n += cn;
                        continue;
                    }
                    rc = read_chunk(k, k->chunks[c].off, cn, stage, e);
                    for (int i = 0; i < cn && !rc; i++)
                        if (pass_of(&stage[i], sub) == q && !(rc = part_room(&part, n, &partcap, e)))
                            part[n++] = stage[i];
                }
                for (int i = 0; i < k->len[p] && !rc; i++)
                    if ((sub == 1 || pass_of(&k->buf[p][i], sub) == q) &&
                        !(rc = part_room(&part, n, &partcap, e)))
                        part[n++] = k->buf[p][i];
                if (k->line_offset)
                    for (long i = n0; i < n; i++)
                        part[i].line += k->line_offset;
            }
            if (rc || !n)
                continue;
            size_t cap = 16;
            while (cap < (size_t)n * 2)
                cap <<= 1;
            if (cap > setcap) {
                entry **ns = realloc(set, cap * sizeof(*ns));
                if (!ns) {
                    rc = tc_fail(e, TC_ENOMEM, "out of memory checking natural keys");
                    break;
                }
                set = ns;
                setcap = cap;
            }
            size_t mask = cap - 1;
            memset(set, 0, cap * sizeof(entry *));
            for (long i = 0; i < n; i++) {
                const entry *x = &part[i];
                for (size_t s = (size_t)x->h1 & mask;; s = (s + 1) & mask) {
                    if (!set[s]) {
                        set[s] = &part[i];
                        break;
                    }
                    if (set[s]->h1 == x->h1 && set[s]->h2 == x->h2) {
                        visit(arg, set[s], x);
                        break;
                    }
                }
            }
        }
    }
    free(part);
    free(set);
    return rc;
}

typedef struct best {
    tc_keys_dup *dup;
    int found;
} best;

static void visit_best(void *arg, const entry *p, const entry *q)
{
    best *b = arg;
    note(b->dup, &b->found, p, q);
}

int tc_keys_check(tc_keys *k, tc_keys_dup *dup, tc_err *e)
{
    return tc_keys_check_all(&k, 1, dup, e);
}

/* The upper half of the partitions, as a job beside the lower half. */
typedef struct half {
    tc_keys *const *ks;
    int nk;
    tc_keys_dup dup;
    best b;
} half;

static int scan_upper(void *arg, tc_err *e)
{
    half *h = arg;
    return scan(h->ks, h->nk, NPART / 2, NPART, visit_best, &h->b, e);
}

int tc_keys_check_all(tc_keys *const *ks, int n, tc_keys_dup *dup, tc_err *e)
{
    best b = {dup, 0};
    long total = 0;
    for (int j = 0; j < n; j++) {
        int rc = flush_writes(ks[j], e);   /* a store not sealed */
        if (rc)
            return rc;
        for (int p = 0; p < NPART; p++)
            total += ks[j]->total[p];
    }
    /* a large check (it is the last thing an extraction does before it
     * writes its batches) takes two cores when there are two */
    half h = {ks, n, {0}, {NULL, 0}};
    h.b.dup = &h.dup;
    tc_thread_job upper;
    int two = total >= (1L << 18) && sysconf(_SC_NPROCESSORS_ONLN) > 1;
    if (two)
        tc_thread_job_start(&upper, scan_upper, &h);
    int rc = scan(ks, n, 0, two ? NPART / 2 : NPART, visit_best, &b, e);
    if (two) {
        tc_err ue;
        int urc = tc_thread_job_join(&upper, &ue);
        if (!rc && urc) {
            *e = ue;
            rc = urc;
        }
        if (!rc && h.b.found)
            note(dup, &b.found, &(entry){0, (uint32_t)h.dup.type, (uint32_t)h.dup.first},
                 &(entry){0, (uint32_t)h.dup.type, (uint32_t)h.dup.second});
    }
    return rc ? rc : b.found;
}

typedef struct each {
    void (*fn)(void *arg, const tc_keys_dup *d);
    void *arg;
    long long n;
} each;

static void visit_each(void *arg, const entry *p, const entry *q)
{
    each *x = arg;
    tc_keys_dup d = {(int)(q->h2 & 0xF), p->line, q->line};
    x->n++;
    x->fn(x->arg, &d);
}

long long tc_keys_each(tc_keys *k, void (*fn)(void *arg, const tc_keys_dup *d), void *arg,
                       tc_err *e)
{
    each x = {fn, arg, 0};
    int rc = flush_writes(k, e);
    if (!rc)
        rc = scan(&k, 1, 0, NPART, visit_each, &x, e);
    return rc ? rc : x.n;
}

void tc_keys_free(tc_keys *k)
{
    if (!k)
        return;
    tc_spill_unref(k->sp);
    for (int p = 0; p < NPART; p++)
        free(k->buf[p]);
    free(k->wbuf);
    free(k->chunks);
    free(k);
}
