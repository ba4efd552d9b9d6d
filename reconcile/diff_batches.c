/*
 * diff_batches.c - two sets of batches of one county compared by natural
 * key, in memory that does not grow with the number of records.
 *
 * The batches of the two sides are paired by type (a rejects batch is a
 * type of its own) after their headers are checked: one county, one
 * coding, the same columns, one batch per type and side.  Then each type
 * in turn goes through three passes, each side on a thread of its own:
 *
 *   1. Read.  Every record of each side is encoded (diff_int.h, dd_put:
 *      natural key first, then the other compared columns) and becomes a
 *      40-byte entry: a 128-bit hash of its key, a 128-bit hash of the rest
 *      of its content, and its ordinal, the side in the top bit.  The entry
 *      goes to one of 512 partitions by the key hash's first 9 bits; each
 *      partition's entries are buffered (4 KiB) and appended to an unlinked
 *      spill file (core/spill.h), which is gone when the comparison ends,
 *      however it ends.  The batch is read to its end, so it is verified
 *      whole (core/batch.h): a truncated or altered batch fails here.
 *   2. Match.  Each partition in turn is loaded, both sides together, and
 *      sorted by (key hash, content hash, side, ordinal): a counting sort
 *      on the next bits of the hash, then each bucket (about one entry)
 *      sorted.  A run of one key hash is one natural key.  One record a
 *      side with different contents: changed.  Anything else (a key on one
 *      side only, or repeated, as legacy sources repeat keys): the records
 *      are matched as a multiset of contents, and what is left over is
 *      removed (old) or added (new).  These counts are exact.  Each
 *      differing record's ordinal goes to the spill again, with its
 *      category, by windows of 2^20 ordinals.  A partition of more than
 *      2^18 entries (partition_max) is first split 256 ways by the next
 *      8 bits of the hashes, as often as it takes - down to a run of one
 *      key and one content, which needs no memory to match.
 *   3. List.  Each side with differing records is read again; the ordinals
 *      of one window at a time are marked in a map of 2 bits an ordinal
 *      (256 KiB), and each marked record is offered to its category's
 *      listing: a max-heap holding the `limit` first in natural-key order.
 *      The batch must read the same as in pass 1 (its body digest).
 *
 * A type on one side only needs neither spill nor pass 3: pass 1 lists
 * its records as added or removed as it reads them.  Memory: per side the
 * partition buffers (2 MiB), a reader, and where the chunks are (8 bytes
 * for 102 entries); in pass 2 one partition, 1/512 of both sides (at most
 * 10 MiB), and as much to sort it into; in pass 3 the map and the
 * listings.  What a pass frees is given back before the next one starts.
 *
 * Hashes.  SipHash-2-4 with 128-bit output, keyed with 128 bits from
 * getrandom() for each comparison.  SipHash is a pseudo-random function:
 * for inputs fixed before the key is drawn, two different ones collide
 * with probability about 2^-128, whoever chose them.  Two 10-million-record
 * exports make fewer than 2 x 10^14 pairs of keys (and as many of
 * contents), so the chance of any collision is below 10^-24.  A collision
 * of key hashes would make one changed record of a removed and an added
 * one, a collision of content hashes would hide a change; as a check, the
 * changed records listed are matched by their real keys, and a mismatch
 * fails the comparison.  The key changes from run to run but nothing
 * written depends on it: the categories are facts about the records, and
 * every order written is that of the records' own bytes.
 */
#include "reconcile/diff_int.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "core/spill.h"
#include "core/thread_job.h"
#include "core/vec.h"

#define PART_BITS 9             /* pass 1's partitions: 512, by the key hash's first bits */
#define SPLIT_BITS 8            /* a partition too big is split 256 ways */
#define PART_BUF 4080           /* bytes buffered per partition: 102 entries */
#define PASS_MAX (1L << 18)     /* entries matched in memory at once (10 MiB) */
#define WIN_BITS 20             /* ordinals per window of the listing map */
#define WIN (1u << WIN_BITS)
#define ENC_MAX (2 * TC_BATCH_MAX_RECORD + 16 * TC_MAX_COLUMNS)
#define SIDE_BIT (1ull << 63)
#define HASH_BITS 256           /* key hash and content hash, as one sequence */

enum { CAT_NONE = 0, CAT_ONE_SIDE = 1, CAT_CHANGED = 2 };

/* ================================================================ hashing */

static inline uint64_t le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                   \
    do {                                                                           \
        v0 += v1, v1 = ROTL(v1, 13), v1 ^= v0, v0 = ROTL(v0, 32);                  \
        v2 += v3, v3 = ROTL(v3, 16), v3 ^= v2;                                     \
        v0 += v3, v3 = ROTL(v3, 21), v3 ^= v0;                                     \
        v2 += v1, v1 = ROTL(v1, 17), v1 ^= v2, v2 = ROTL(v2, 32);                  \
    } while (0)

/* SipHash-2-4 of in[0..n) under key k, the 128-bit variant. */
static void sip128(const uint64_t k[2], const unsigned char *in, size_t n, uint64_t out[2])
{
    uint64_t v0 = 0x736f6d6570736575ull ^ k[0], v1 = 0x646f72616e646f6dull ^ k[1] ^ 0xee,
             v2 = 0x6c7967656e657261ull ^ k[0], v3 = 0x7465646279746573ull ^ k[1];
    const unsigned char *end = in + (n & ~(size_t)7);
    for (; in != end; in += 8) {
        uint64_t m = le64(in);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    unsigned char tail[8] = {0};
    memcpy(tail, in, n & 7);
    uint64_t b = (uint64_t)n << 56 | le64(tail);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xee;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    out[0] = v0 ^ v1 ^ v2 ^ v3;
    v1 ^= 0xdd;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    out[1] = v0 ^ v1 ^ v2 ^ v3;
}

/* ======================================================== partitioned spill */

/*
 * k partitions of fixed-size entries in one spill file: each partition's
 * entries are buffered and appended as a chunk of bufsz bytes when its
 * buffer is full, the rest as a last, shorter chunk when the spill is
 * sealed.  A partition's chunks are listed in the order written, so its
 * entries read back in the order added; the list costs 8 bytes a chunk.
 */
typedef struct pspill {
    tc_spill *sp;
    int k;
    size_t esz, bufsz;
    unsigned char **buf;
    size_t *len;
    uint64_t *count;    /* entries per partition */
    uint64_t **off;     /* each partition's chunks: where they are in the file */
    long *noff, *capoff;
} pspill;

static int ps_init(pspill *ps, tc_spill *sp, int k, size_t esz, size_t bufsz, tc_err *e)
{
    memset(ps, 0, sizeof(*ps));
    ps->sp = tc_spill_ref(sp);
    ps->k = k;
    ps->esz = esz;
    ps->bufsz = bufsz / esz * esz;
    ps->buf = calloc((size_t)k, sizeof(*ps->buf));
    ps->len = calloc((size_t)k, sizeof(*ps->len));
    ps->count = calloc((size_t)k, sizeof(*ps->count));
    ps->off = calloc((size_t)k, sizeof(*ps->off));
    ps->noff = calloc((size_t)k, sizeof(*ps->noff));
    ps->capoff = calloc((size_t)k, sizeof(*ps->capoff));
    if (!ps->buf || !ps->len || !ps->count || !ps->off || !ps->noff || !ps->capoff)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    return 0;
}

static void ps_free(pspill *ps)
{
    for (int p = 0; p < ps->k; p++) {
        if (ps->buf)
            free(ps->buf[p]);
        if (ps->off)
            free(ps->off[p]);
    }
    free(ps->buf);
    free(ps->len);
    free(ps->count);
    free(ps->off);
    free(ps->noff);
    free(ps->capoff);
    tc_spill_unref(ps->sp);
    memset(ps, 0, sizeof(*ps));
}

static int ps_flush(pspill *ps, int p, tc_err *e)
{
    if (!ps->len[p])
        return 0;
    int rc = tc_vec_room(&ps->off[p], ps->noff[p], &ps->capoff[p], 16, sizeof(uint64_t), e);
    if (!rc)
        rc = tc_spill_append(ps->sp, ps->buf[p], ps->len[p], &ps->off[p][ps->noff[p]], e);
    if (rc)
        return rc;
    ps->noff[p]++;
    ps->len[p] = 0;
    return 0;
}

/* Add an entry to partition p (never after ps_seal). */
static inline int ps_add(pspill *ps, int p, const void *ent, tc_err *e)
{
    if (!ps->buf[p] && !(ps->buf[p] = malloc(ps->bufsz)))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    memcpy(ps->buf[p] + ps->len[p], ent, ps->esz);
    ps->count[p]++;
    if ((ps->len[p] += ps->esz) == ps->bufsz)
        return ps_flush(ps, p, e);
    return 0;
}

/* Everything added goes to the file; the buffers are freed. */
static int ps_seal(pspill *ps, tc_err *e)
{
    for (int p = 0; p < ps->k; p++) {
        int rc = ps_flush(ps, p, e);
        if (rc)
            return rc;
        free(ps->buf[p]);
        ps->buf[p] = NULL;
    }
    return 0;
}

/* The bytes of partition p's chunk c: all full but the last. */
static size_t ps_chunk(const pspill *ps, int p, long c)
{
    return c + 1 < ps->noff[p] ? ps->bufsz
                               : ps->count[p] * ps->esz - (size_t)c * ps->bufsz;
}

/* Partition p's entries, in the order added, into dst (count[p] entries). */
static int ps_read_all(const pspill *ps, int p, void *dst, tc_err *e)
{
    unsigned char *o = dst;
    for (long c = 0; c < ps->noff[p]; c++) {
        size_t n = ps_chunk(ps, p, c);
        int rc = tc_spill_read(ps->sp, ps->off[p][c], o, n, e);
        if (rc)
            return rc;
        o += n;
    }
    return 0;
}

/* Partition p's entries, in the order added, a chunk at a time through
 * scratch (bufsz bytes): fn(arg, entries, how many). */
static int ps_each(const pspill *ps, int p, void *scratch,
                   int (*fn)(void *arg, const void *ents, size_t n, tc_err *e), void *arg,
                   tc_err *e)
{
    for (long c = 0; c < ps->noff[p]; c++) {
        size_t n = ps_chunk(ps, p, c);
        int rc = tc_spill_read(ps->sp, ps->off[p][c], scratch, n, e);
        if (!rc)
            rc = fn(arg, scratch, n / ps->esz, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* ================================================================ listing */

/* memcmp order, a prefix first. */
static int bytes_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int rec_cmp(const void *x, const void *y)
{
    const dd_rec *a = *(const dd_rec *const *)x, *b = *(const dd_rec *const *)y;
    return bytes_cmp(a->b, a->n, b->b, b->n);
}

/* The `cap` first records in memcmp order of those offered: a max-heap. */
typedef struct topk {
    dd_rec **v;
    long n, cap;
} topk;

static void sift_down(topk *h, long i)
{
    for (;;) {
        long l = 2 * i + 1, m = i;
        if (l < h->n && rec_cmp(&h->v[l], &h->v[m]) > 0)
            m = l;
        if (l + 1 < h->n && rec_cmp(&h->v[l + 1], &h->v[m]) > 0)
            m = l + 1;
        if (m == i)
            return;
        dd_rec *t = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = t;
        i = m;
    }
}

static int topk_offer(topk *h, const unsigned char *b, size_t nkey, size_t n, tc_err *e)
{
    if (h->cap == 0)
        return 0;
    if (h->n == h->cap && bytes_cmp(b, n, h->v[0]->b, h->v[0]->n) >= 0)
        return 0;   /* the common case once full: not among the first */
    dd_rec *r = dd_rec_new(b, (uint32_t)nkey, (uint32_t)n);
    if (!r)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (h->n == h->cap) {
        free(h->v[0]);
        h->v[0] = r;
        sift_down(h, 0);
        return 0;
    }
    if (!h->v && !(h->v = malloc((size_t)h->cap * sizeof(*h->v)))) {
        free(r);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    long i = h->n++;
    h->v[i] = r;
    while (i > 0 && rec_cmp(&h->v[(i - 1) / 2], &h->v[i]) < 0) {
        dd_rec *t = h->v[i];
        h->v[i] = h->v[(i - 1) / 2];
        h->v[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return 0;
}

/* The heap, sorted, becomes the listing l. */
static void topk_to_list(topk *h, dd_list *l)
{
    if (h->n)
        qsort(h->v, (size_t)h->n, sizeof(*h->v), rec_cmp);
    l->v = h->v;
    l->n = h->n;
    h->v = NULL;
    h->n = 0;
}

static void topk_free(topk *h)
{
    for (long i = 0; i < h->n; i++)
        free(h->v[i]);
    free(h->v);
    h->v = NULL;
    h->n = 0;
}

/* ========================================================== the comparison */

typedef struct entry {
    uint64_t h[4];      /* key hash (h[0], h[1]), content hash (h[2], h[3]) */
    uint64_t ord;       /* ordinal from 0; SIDE_BIT for the new side */
} entry;

/* What one comparison of one type needs. */
typedef struct run {
    dd_type *t;
    uint64_t key[2];    /* SipHash key */
    tc_spill *sp;
    long pass_max;
    pspill part[2];     /* pass 1: each side's entries by key hash */
    pspill win[2];      /* pass 2: each side's differing ordinals by window */
    entry *a, *b;       /* pass 2: a partition and its sorting room */
    size_t cap;
    uint32_t *count;    /* pass 2: the counting sort's buckets */
    topk list[DL_N];
} run;

/* A record's encoding: every column, key first, then the other compared
 * columns, then the rest; *nkey and *ncmp get where the first two end. */
static size_t encode(const dd_type *t, const tc_value *v, int upto, unsigned char *buf,
                     size_t *nkey, size_t *ncmp)
{
    size_t k = 0;
    for (int j = 0; j < upto; j++) {
        if (j == t->nkey)
            *nkey = k;
        if (j == t->ncmp)
            *ncmp = k;
        int c = t->order[j];
        k += dd_put(buf + k, t->h.cols[c].type, &v[c]);
    }
    if (upto == t->nkey)
        *nkey = k;
    if (upto <= t->ncmp)
        *ncmp = k;
    return k;
}

/* --------------------------------------------------------------- pass 1 */

/* One side's reading, in pass 1 or pass 3. */
typedef struct side_job {
    run *r;
    int side;
    int alone;          /* pass 1: the other side has no batch of the type */
    int listing;        /* pass 3 */
    unsigned char *buf; /* a record's encoding (ENC_MAX) */
    unsigned char *map; /* pass 3: the window's categories, 2 bits an ordinal */
} side_job;

/* Read the side's batch to its end; fn(job, values, ordinal) per record.
 * The count, totals and body digest go into the type (pass 1), or must be
 * those pass 1 saw (pass 3). */
static int read_side(side_job *j, int (*fn)(side_job *, const tc_value *, uint64_t, tc_err *),
                     tc_err *e)
{
    dd_type *t = j->r->t;
    tc_batch_reader *rd;
    int rc = tc_batch_open(&rd, t->file[j->side], 0, e);
    if (rc)
        return rc;
    const tc_value *v;
    uint64_t ord = 0;
    while ((rc = tc_batch_next(rd, &v, e)) == 1)
        if ((rc = fn(j, v, ord++, e)))
            break;
    if (rc == 0) {
        const tc_batch_summary *s = tc_batch_summary_of(rd);
        if (!j->listing) {
            t->count[j->side] = s->count;
            memcpy(t->total[j->side], s->totals, sizeof(s->totals));
            snprintf(t->body[j->side], sizeof(t->body[0]), "%s", s->body);
        } else if (strcmp(s->body, t->body[j->side]) != 0) {
            tc_err_at(e, t->file[j->side], 0, 0);
            rc = tc_fail(e, TC_EINTEGRITY, "the batch changed while it was being compared");
            tc_err_hint(e, "compare again once nothing writes to it");
        }
    } else if (rc != TC_ENOMEM && !e->file[0]) {
        tc_err_at(e, t->file[j->side], 0, 0);
    }
    tc_batch_close(rd);
    return rc;
}

static int pass1_record(side_job *j, const tc_value *v, uint64_t ord, tc_err *e)
{
    run *r = j->r;
    const dd_type *t = r->t;
    unsigned char *buf = j->buf;
    size_t nkey = 0, ncmp = 0;
    if (j->alone) {
        size_t n = encode(t, v, t->h.ncols, buf, &nkey, &ncmp);
        return topk_offer(&r->list[j->side ? DL_ADDED : DL_REMOVED], buf, nkey, n, e);
    }
    encode(t, v, t->ncmp, buf, &nkey, &ncmp);
    entry en;
    sip128(r->key, buf, nkey, en.h);
    sip128(r->key, buf + nkey, ncmp - nkey, en.h + 2);
    en.ord = ord | (j->side ? SIDE_BIT : 0);
    return ps_add(&r->part[j->side], (int)(en.h[0] >> (64 - PART_BITS)), &en, e);
}

static int pass1_job(void *arg, tc_err *e)
{
    side_job *j = arg;
    int rc = read_side(j, pass1_record, e);
    if (!rc && !j->alone)
        rc = ps_seal(&j->r->part[j->side], e);
    return rc;
}

/* --------------------------------------------------------------- pass 2 */

/* b bits (1..24) of the hashes from bit `at` on (0 is h[0]'s top bit);
 * 0 past their end. */
static inline uint32_t hash_bits(const entry *x, int at, int b)
{
    if (at >= HASH_BITS)
        return 0;
    int w = at / 64, s = at % 64;
    uint64_t v = x->h[w] << s;
    if (s && w + 1 < 4)
        v |= x->h[w + 1] >> (64 - s);
    return (uint32_t)(v >> (64 - b));
}

static inline int entry_cmp(const entry *x, const entry *y)
{
    for (int i = 0; i < 4; i++)
        if (x->h[i] != y->h[i])
            return x->h[i] < y->h[i] ? -1 : 1;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

static int entry_qcmp(const void *x, const void *y) { return entry_cmp(x, y); }

/* Sort a[0..n) into order, using b; the hashes' first `known` bits are
 * the same in every entry.  A counting sort on the next bits spreads
 * random hashes about one to a bucket; each bucket is then sorted. */
static void sort_entries(entry *a, entry *b, size_t n, int known, uint32_t *count)
{
    int bits = 1;
    while (bits < 16 && ((size_t)1 << bits) < n)
        bits++;
    size_t nb = (size_t)1 << bits;
    memset(count, 0, (nb + 1) * sizeof(*count));
    for (size_t i = 0; i < n; i++)
        count[hash_bits(&a[i], known, bits) + 1]++;
    for (size_t i = 0; i < nb; i++)
        count[i + 1] += count[i];
    for (size_t i = 0; i < n; i++)
        b[count[hash_bits(&a[i], known, bits)]++] = a[i];
    /* count[i] is now where bucket i ends */
    for (size_t i = 0, lo = 0; i < nb; lo = count[i++]) {
        size_t hi = count[i];
        if (hi - lo > 16) {
            qsort(b + lo, hi - lo, sizeof(entry), entry_qcmp);
            continue;
        }
        for (size_t x = lo + 1; x < hi; x++) {
            entry t = b[x];
            size_t y = x;
            for (; y > lo && entry_cmp(&b[y - 1], &t) > 0; y--)
                b[y] = b[y - 1];
            b[y] = t;
        }
    }
    memcpy(a, b, n * sizeof(entry));
}

/* A differing record's ordinal, with its category, for pass 3. */
static inline int mark(run *r, uint64_t ord, int cat, tc_err *e)
{
    int side = (ord & SIDE_BIT) != 0;
    ord &= ~SIDE_BIT;
    uint32_t v = (uint32_t)(ord & (WIN - 1)) | (uint32_t)cat << WIN_BITS;
    return ps_add(&r->win[side], (int)(ord >> WIN_BITS), &v, e);
}

/* One record left over on its side: removed or added. */
static inline int one_side(run *r, const entry *x, tc_err *e)
{
    if (x->ord & SIDE_BIT)
        r->t->added++;
    else
        r->t->removed++;
    return mark(r, x->ord, CAT_ONE_SIDE, e);
}

static inline int same_key(const entry *x, const entry *y)
{
    return x->h[0] == y->h[0] && x->h[1] == y->h[1];
}

static inline int same_content(const entry *x, const entry *y)
{
    return same_key(x, y) && x->h[2] == y->h[2] && x->h[3] == y->h[3];
}

/* Match sorted entries a[0..n).  whole: every key's entries are here (not
 * a part of a key split by its content hashes), so a key held once a side
 * can be a change and repeated keys are counted here. */
static int match(run *r, const entry *a, size_t n, int whole, tc_err *e)
{
    dd_type *t = r->t;
    int rc = 0;
    for (size_t i = 0, j; i < n && !rc; i = j) {
        size_t n0 = 0;
        for (j = i; j < n && same_key(&a[i], &a[j]); j++)
            n0 += !(a[j].ord & SIDE_BIT);
        size_t n1 = (j - i) - n0;
        if (whole) {
            t->repeated[0] += n0 > 1;
            t->repeated[1] += n1 > 1;
            if (n0 == 1 && n1 == 1) {
                /* sorted by content: the old one comes first only if it sorts first */
                if (same_content(&a[i], &a[i + 1]))
                    continue;
                t->changed++;
                if (!(rc = mark(r, a[i].ord, CAT_CHANGED, e)))
                    rc = mark(r, a[i + 1].ord, CAT_CHANGED, e);
                continue;
            }
        }
        /* a multiset of contents: per run of one content, what one side
         * has more of (the last by ordinal) is left over */
        for (size_t x = i, y; x < j && !rc; x = y) {
            size_t c0 = 0;
            for (y = x; y < j && same_content(&a[x], &a[y]); y++)
                c0 += !(a[y].ord & SIDE_BIT);
            size_t c1 = (y - x) - c0, m = c0 < c1 ? c0 : c1;
            for (size_t k = x + m; k < x + c0 && !rc; k++)
                rc = one_side(r, &a[k], e);
            for (size_t k = x + c0 + m; k < y && !rc; k++)
                rc = one_side(r, &a[k], e);
        }
    }
    return rc;
}

/* The entries of one partition of in[0] and in[1], split by `bits` more
 * bits of the hashes into the partitions of out[0] and out[1]. */
typedef struct splitter {
    pspill *out;
    int at, bits;       /* the bits split by */
} splitter;

static int split_chunk(void *arg, const void *ents, size_t n, tc_err *e)
{
    splitter *s = arg;
    const entry *x = ents;
    for (size_t i = 0; i < n; i++) {
        int rc = ps_add(s->out, (int)hash_bits(&x[i], s->at, s->bits), &x[i], e);
        if (rc)
            return rc;
    }
    return 0;
}

/* Entries of one content all: the last by ordinal of the side that has
 * more are left over. */
typedef struct leftover {
    run *r;
    uint64_t skip;
} leftover;

static int leftover_chunk(void *arg, const void *ents, size_t n, tc_err *e)
{
    leftover *l = arg;
    const entry *x = ents;
    for (size_t i = 0; i < n; i++) {
        if (l->skip) {
            l->skip--;
            continue;
        }
        int rc = one_side(l->r, &x[i], e);
        if (rc)
            return rc;
    }
    return 0;
}

/*
 * Match partition p of in[0] and in[1], whose entries share the hashes'
 * first `known` bits.  Too many for memory: split by the next bits (never
 * across the end of the key hash), and match each part.  Once the key
 * hash is all known the part holds one key, and splitting on by the
 * content hash keeps its contents whole.
 */
static int match_part(run *r, pspill *in, int p, int known, tc_err *e)
{
    uint64_t n0 = in[0].count[p], n1 = in[1].count[p], n = n0 + n1;
    if (n == 0)
        return 0;
    if (n > (uint64_t)r->pass_max && known < HASH_BITS) {
        if (known == 128) {
            /* one key, split by content from here on: its repetition is counted now */
            r->t->repeated[0] += n0 > 1;
            r->t->repeated[1] += n1 > 1;
        }
        int bits = known < 128 && 128 - known < SPLIT_BITS ? 128 - known : SPLIT_BITS;
        pspill out[2];
        memset(out, 0, sizeof(out));
        int rc = 0;
        void *scratch = malloc(PART_BUF);
        for (int s = 0; s < 2 && !rc; s++) {
            rc = ps_init(&out[s], r->sp, 1 << bits, sizeof(entry), PART_BUF, e);
            splitter sp = {&out[s], known, bits};
            if (!rc)
                rc = scratch ? ps_each(&in[s], p, scratch, split_chunk, &sp, e)
                             : tc_fail(e, TC_ENOMEM, "out of memory");
            if (!rc)
                rc = ps_seal(&out[s], e);
        }
        free(scratch);
        for (int q = 0; q < (1 << bits) && !rc; q++)
            rc = match_part(r, out, q, known + bits, e);
        ps_free(&out[0]);
        ps_free(&out[1]);
        return rc;
    }
    if (n > (uint64_t)r->pass_max) {
        /* every hash bit the same: one key, one content, n0 + n1 times */
        uint64_t m = n0 < n1 ? n0 : n1;
        int side = n0 > n1 ? 0 : 1;
        void *scratch = malloc(PART_BUF);
        if (!scratch)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        leftover l = {r, m};
        int rc = ps_each(&in[side], p, scratch, leftover_chunk, &l, e);
        free(scratch);
        return rc;
    }
    if (n > r->cap) {
        free(r->a);
        free(r->b);
        r->cap = n < 1024 ? 1024 : n;
        r->a = malloc(r->cap * sizeof(entry));
        r->b = malloc(r->cap * sizeof(entry));
        if (!r->a || !r->b) {
            r->cap = 0;
            return tc_fail(e, TC_ENOMEM, "out of memory");
        }
    }
    int rc = ps_read_all(&in[0], p, r->a, e);
    if (!rc)
        rc = ps_read_all(&in[1], p, r->a + n0, e);
    if (rc)
        return rc;
    if (!r->count && !(r->count = malloc(((1 << 16) + 1) * sizeof(uint32_t))))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    sort_entries(r->a, r->b, n, known, r->count);
    return match(r, r->a, n, known <= 128, e);
}

/* Pass 2 over every partition; the differing ordinals go to r->win. */
static int pass2(run *r, tc_err *e)
{
    int rc = 0;
    for (int s = 0; s < 2 && !rc; s++) {
        uint64_t nwin = (r->t->count[s] >> WIN_BITS) + 1;
        if (nwin > 1 << 20)
            return tc_fail(e, TC_EINPUT, "%s: more records than a comparison can list",
                           r->t->file[s]);
        size_t buf = (1u << 20) / nwin;
        buf = buf < 4096 ? 4096 : buf > 16384 ? 16384 : buf;
        rc = ps_init(&r->win[s], r->sp, (int)nwin, sizeof(uint32_t), buf, e);
    }
    for (int p = 0; p < (1 << PART_BITS) && !rc; p++)
        rc = match_part(r, r->part, p, PART_BITS, e);
    free(r->a);
    free(r->b);
    r->a = r->b = NULL;
    r->cap = 0;
    ps_free(&r->part[0]);
    ps_free(&r->part[1]);
    for (int s = 0; s < 2 && !rc; s++)
        rc = ps_seal(&r->win[s], e);
    return rc;
}

/* --------------------------------------------------------------- pass 3 */

static int map_chunk(void *arg, const void *ents, size_t n, tc_err *e)
{
    (void)e;
    unsigned char *map = arg;
    const uint32_t *x = ents;
    for (size_t i = 0; i < n; i++) {
        uint32_t o = x[i] & (WIN - 1), cat = x[i] >> WIN_BITS;
        map[o >> 2] |= (unsigned char)(cat << (2 * (o & 3)));
    }
    return 0;
}

static int pass3_record(side_job *j, const tc_value *v, uint64_t ord, tc_err *e)
{
    run *r = j->r;
    uint32_t o = (uint32_t)(ord & (WIN - 1));
    if (o == 0) {
        /* a new window: its marks from pass 2 */
        int w = (int)(ord >> WIN_BITS);
        memset(j->map, 0, WIN / 4);
        void *scratch = malloc(r->win[j->side].bufsz);
        if (!scratch)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        int rc = ps_each(&r->win[j->side], w, scratch, map_chunk, j->map, e);
        free(scratch);
        if (rc)
            return rc;
    }
    int cat = j->map[o >> 2] >> (2 * (o & 3)) & 3;
    if (cat == CAT_NONE)
        return 0;
    int l = cat == CAT_CHANGED ? (j->side ? DL_CHANGED_NEW : DL_CHANGED_OLD)
                               : (j->side ? DL_ADDED : DL_REMOVED);
    topk *h = &r->list[l];
    size_t nkey = 0, ncmp = 0;
    if (h->cap == 0)
        return 0;
    if (h->n == h->cap) {
        /* a full listing takes only what sorts before its last; a key
         * after the last's key (key encodings delimit themselves, so
         * comparing them orders the records) cannot */
        encode(r->t, v, r->t->nkey, j->buf, &nkey, &ncmp);
        const dd_rec *last = h->v[0];
        if (bytes_cmp(j->buf, nkey, last->b, last->nkey) > 0)
            return 0;
    }
    size_t n = encode(r->t, v, r->t->h.ncols, j->buf, &nkey, &ncmp);
    return topk_offer(h, j->buf, nkey, n, e);
}

static int pass3_job(void *arg, tc_err *e)
{
    side_job *j = arg;
    if (!(j->map = malloc(WIN / 4)))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = read_side(j, pass3_record, e);
    free(j->map);
    j->map = NULL;
    return rc;
}

/* ------------------------------------------------------- one type, whole */

/* Between passes: what the pass before freed goes back to the system, so
 * that the next pass's memory does not come on top of it (the peak is
 * what the budget counts).  glibc keeps freed blocks, per thread arena,
 * for reuse; the passes allocate in other sizes and on other threads. */
static void give_back(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* Run fn for both sides that want it, old on a thread of its own; the
 * old side's error is the one reported when both fail. */
static int both_sides(int (*fn)(void *, tc_err *), side_job *jobs, const int want[2], tc_err *e)
{
    tc_thread_job th;
    if (want[0] && want[1]) {
        tc_thread_job_start(&th, fn, &jobs[0]);
        tc_err e1;
        tc_err_clear(&e1);
        int rc1 = fn(&jobs[1], &e1);
        int rc0 = tc_thread_job_join(&th, e);
        if (rc0)
            return rc0;
        if (rc1)
            *e = e1;
        return rc1;
    }
    for (int s = 0; s < 2; s++)
        if (want[s]) {
            int rc = fn(&jobs[s], e);
            if (rc)
                return rc;
        }
    return 0;
}

static int compare_type(dd_type *t, const uint64_t key[2], const char *tmpdir, long limit,
                        long pass_max, tc_err *e)
{
    run r;
    memset(&r, 0, sizeof(r));
    r.t = t;
    memcpy(r.key, key, sizeof(r.key));
    r.pass_max = pass_max;
    for (int l = 0; l < DL_N; l++)
        r.list[l].cap = limit;
    int both = t->present[0] && t->present[1];
    int rc = tc_spill_new(&r.sp, tmpdir, "diff spill", e);
    for (int s = 0; s < 2 && both && !rc; s++)
        rc = ps_init(&r.part[s], r.sp, 1 << PART_BITS, sizeof(entry), PART_BUF, e);
    side_job jobs[2] = {{&r, 0, !both, 0, NULL, NULL}, {&r, 1, !both, 0, NULL, NULL}};
    for (int s = 0; s < 2 && !rc; s++)
        if (!(jobs[s].buf = malloc(ENC_MAX)))
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
    if (!rc)
        rc = both_sides(pass1_job, jobs, t->present, e);
    if (!rc && !both) {
        if (t->present[0])
            t->removed = t->count[0];
        else
            t->added = t->count[1];
    }
    give_back();
    if (!rc && both)
        rc = pass2(&r, e);
    give_back();
    if (!rc && both && limit > 0) {
        int want[2] = {t->removed + t->changed > 0, t->added + t->changed > 0};
        jobs[0].listing = jobs[1].listing = 1;
        rc = both_sides(pass3_job, jobs, want, e);
    }
    for (int l = 0; l < DL_N; l++) {
        if (!rc)
            topk_to_list(&r.list[l], &t->list[l]);
        topk_free(&r.list[l]);
    }
    /* the changed records of the two sides hold the same keys, in order */
    const dd_list *co = &t->list[DL_CHANGED_OLD], *cn = &t->list[DL_CHANGED_NEW];
    for (long i = 0; !rc && i < (co->n > cn->n ? co->n : cn->n); i++)
        if (i >= co->n || i >= cn->n ||
            bytes_cmp(co->v[i]->b, co->v[i]->nkey, cn->v[i]->b, cn->v[i]->nkey) != 0)
            rc = tc_fail(e, TC_EINTERNAL, "%s: the changed records of the two sides do not "
                         "pair up by natural key (a hash collision)", t->name);
    for (int s = 0; s < 2; s++) {
        ps_free(&r.part[s]);
        ps_free(&r.win[s]);
        free(jobs[s].buf);
    }
    free(r.a);
    free(r.b);
    free(r.count);
    tc_spill_unref(r.sp);
    return rc;
}

/* ============================================================ the inputs */

/* One batch of a side, as its header describes it. */
typedef struct input {
    char path[1024];
    tc_batch_header h;
    int rejects;
    int rank;
} input;

typedef struct inputs {
    input *v;
    long n, cap;
} inputs;

static int add_input(inputs *in, const char *path, tc_err *e)
{
    int rc = tc_vec_room(&in->v, in->n, &in->cap, 16, sizeof(input), e);
    if (rc)
        return rc;
    input *x = &in->v[in->n];
    memset(x, 0, sizeof(*x));
    snprintf(x->path, sizeof(x->path), "%s", path);
    tc_batch_reader *rd;
    if ((rc = tc_batch_open(&rd, path, 0, e))) {
        if (!e->file[0])
            tc_err_at(e, path, 0, 0);
        return rc;
    }
    x->h = *tc_batch_header_of(rd);
    tc_batch_close(rd);
    for (int i = 0; i < x->h.ncols; i++)
        x->h.cols[i].name = x->h.colname[i];
    const tc_rectype *rt = tc_rectype_find(x->h.type);
    if (!rt) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EINPUT, "a batch of record type '%s', which this tongchou does "
                       "not know", x->h.type);
    }
    x->rejects = tc_batch_header_col(&x->h, "reject_code") >= 0 &&
                 tc_batch_header_col(&x->h, "reject_dimension") >= 0;
    x->rank = (int)(rt - tc_rectypes) * 2 + x->rejects;
    in->n++;
    return 0;
}

static int tcb_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".tcb") == 0;
}

/* A folder's *.tcb files, in name order, or one file. */
static int add_path(inputs *in, const char *path, tc_err *e)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot read: %s", strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return add_input(in, path, e);
    struct dirent **names;
    int n = scandir(path, &names, tcb_name, alphasort);
    if (n < 0) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot list the folder: %s", strerror(errno));
    }
    int rc = 0;
    if (n == 0) {
        tc_err_at(e, path, 0, 0);
        rc = tc_fail(e, TC_EINPUT, "no batches (*.tcb) in this folder");
        tc_err_hint(e, "give the folder extract or map wrote the county's batches to");
    }
    for (int i = 0; i < n; i++) {
        char p[1100];
        size_t l = strlen(path);
        snprintf(p, sizeof(p), "%s%s%s", path, l && path[l - 1] == '/' ? "" : "/",
                 names[i]->d_name);
        if (!rc)
            rc = add_input(in, p, e);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int rank_cmp(const void *x, const void *y)
{
    const input *a = x, *b = y;
    return a->rank != b->rank ? (a->rank > b->rank) - (a->rank < b->rank)
                              : strcmp(a->path, b->path);
}

static const char *const SIDE[2] = {"old", "new"};

static void type_name(const input *x, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", x->h.type, x->rejects ? ".rejects" : "");
}

/* One side's batches: one per type, of one county and coding (its
 * rejects batches may keep their source county: map writes them so). */
static int check_side(inputs *in, int side, const input **main_batch, tc_err *e)
{
    qsort(in->v, (size_t)in->n, sizeof(input), rank_cmp);
    *main_batch = NULL;
    const input *rej = NULL;
    for (long i = 0; i < in->n; i++) {
        const input *x = &in->v[i];
        char name[48];
        type_name(x, name, sizeof(name));
        if (i > 0 && in->v[i - 1].rank == x->rank &&
            strcmp(tc_batch_pool(&in->v[i - 1].h), tc_batch_pool(&x->h)) != 0) {
            /* a merged sub-ledger's folder: a batch per pool */
            tc_err_at(e, x->path, 0, 0);
            tc_fail(e, TC_EINPUT, "the %s side holds pools %s and %s of region %s (%s beside "
                    "%s)", SIDE[side], tc_batch_pool(&in->v[i - 1].h), tc_batch_pool(&x->h),
                    x->h.county, x->path, in->v[i - 1].path);
            return tc_err_hint(e, "compare one pool at a time: its REGION.POOL.TYPE.tcb batches");
        }
        if (i > 0 && in->v[i - 1].rank == x->rank) {
            tc_err_at(e, x->path, 0, 0);
            tc_fail(e, TC_EINPUT, "a second %s batch on the %s side, beside %s", name,
                    SIDE[side], in->v[i - 1].path);
            return tc_err_hint(e, "give each side one batch per record type");
        }
        const input **first = x->rejects ? &rej : main_batch;
        if (!*first) {
            *first = x;
        } else if (strcmp((*first)->h.county, x->h.county) != 0 ||
                   strcmp((*first)->h.coding, x->h.coding) != 0) {
            tc_err_at(e, x->path, 0, 0);
            tc_fail(e, TC_EINPUT, "the %s batch is of county %s (%s coding), but %s on the "
                    "same side is of county %s (%s coding)", name, x->h.county, x->h.coding,
                    (*first)->path, (*first)->h.county, (*first)->h.coding);
            return tc_err_hint(e, "each side holds the batches of one county");
        }
    }
    return 0;
}

/* A batch n of the new side against o of the old: one county, pool and
 * coding. */
static int same_county(const input *o, const input *n, tc_err *e)
{
    if (strcmp(o->h.county, n->h.county) == 0 && strcmp(o->h.coding, n->h.coding) == 0 &&
        strcmp(tc_batch_pool(&o->h), tc_batch_pool(&n->h)) != 0 && !o->rejects && !n->rejects) {
        tc_err_at(e, n->path, 0, 0);
        tc_fail(e, TC_EINPUT, "the new side is pool %s of region %s, the old side pool %s (%s)",
                tc_batch_pool(&n->h), n->h.county, tc_batch_pool(&o->h), o->path);
        return tc_err_hint(e, "compare two versions of one pool's batches");
    }
    if (strcmp(o->h.county, n->h.county) == 0 && strcmp(o->h.coding, n->h.coding) == 0)
        return 0;
    char name[48];
    type_name(n, name, sizeof(name));
    tc_err_at(e, n->path, 0, 0);
    tc_fail(e, TC_EINPUT, "the %s batch is of county %s (%s coding), but the old side's %s is "
            "of county %s (%s coding)", name, n->h.county, n->h.coding, o->path, o->h.county,
            o->h.coding);
    return tc_err_hint(e, "compare two versions of one county's batches, both from extract "
                       "or both from map");
}

/* The old and new batch of one type: one county and coding, the same columns. */
static int check_pair(const input *o, const input *n, tc_err *e)
{
    int rc = same_county(o, n, e);
    if (rc)
        return rc;
    int same = o->h.ncols == n->h.ncols;
    for (int i = 0; same && i < o->h.ncols; i++)
        same = strcmp(o->h.colname[i], n->h.colname[i]) == 0 &&
               o->h.cols[i].type == n->h.cols[i].type;
    if (same)
        return 0;
    char name[48];
    type_name(o, name, sizeof(name));
    tc_err_at(e, n->path, 0, 0);
    tc_fail(e, TC_EINPUT, "its columns are not those of the old side's %s batch, %s", name,
            o->path);
    return tc_err_hint(e, "map both sides with the same mapping set");
}

/* The type's encoding order: the natural key (its columns looked up by
 * name, so city batches with lineage columns work too), the other
 * compared columns, then src_record, which says where the record was in
 * its source and so moves whenever a record before it comes or goes. */
static int type_init(dd_type *t, const input *x, tc_err *e)
{
    type_name(x, t->name, sizeof(t->name));
    t->rank = x->rank;
    t->h = x->h;
    for (int i = 0; i < t->h.ncols; i++)
        t->h.cols[i].name = t->h.colname[i];
    const tc_rectype *rt = tc_rectype_find(x->h.type);
    int kc[5], nk = tc_rectype_key(rt, kc), used[TC_MAX_COLUMNS] = {0}, n = 0;
    for (int i = 0; i < nk; i++) {
        int c = tc_batch_header_col(&t->h, rt->cols[kc[i]].name);
        if (c < 0) {
            tc_err_at(e, x->path, 0, 0);
            return tc_fail(e, TC_EINPUT, "the batch lacks the column '%s' of its natural key",
                           rt->cols[kc[i]].name);
        }
        t->order[n++] = c;
        used[c] = 1;
    }
    t->nkey = n;
    int src = tc_batch_header_col(&t->h, "src_record");
    for (int c = 0; c < t->h.ncols; c++)
        if (!used[c] && c != src)
            t->order[n++] = c;
    t->ncmp = n;
    if (src >= 0 && !used[src])
        t->order[n++] = src;
    return 0;
}

/* Pair the sides' batches into the result's types, in rank order. */
static int pair_up(tc_diff *d, inputs in[2], tc_err *e)
{
    const input *main_batch[2];
    int rc = 0;
    for (int s = 0; s < 2 && !rc; s++)
        rc = check_side(&in[s], s, &main_batch[s], e);
    if (rc)
        return rc;
    /* the sides' counties, even when they share no type */
    if (main_batch[0] && main_batch[1] && (rc = same_county(main_batch[0], main_batch[1], e)))
        return rc;
    d->types = calloc((size_t)(in[0].n + in[1].n) + 1, sizeof(dd_type));
    if (!d->types)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    long i = 0, j = 0;
    while (i < in[0].n || j < in[1].n) {
        const input *o = i < in[0].n ? &in[0].v[i] : NULL;
        const input *n = j < in[1].n ? &in[1].v[j] : NULL;
        if (o && n && o->rank != n->rank) {
            if (o->rank < n->rank)
                n = NULL;
            else
                o = NULL;
        }
        if (o && n && (rc = check_pair(o, n, e)))
            return rc;
        dd_type *t = &d->types[d->ntypes++];
        if ((rc = type_init(t, o ? o : n, e)))
            return rc;
        const input *side[2] = {o, n};
        for (int s = 0; s < 2; s++)
            if (side[s]) {
                t->present[s] = 1;
                snprintf(t->file[s], sizeof(t->file[s]), "%s", side[s]->path);
                memcpy(t->county[s], side[s]->h.county, sizeof(t->county[s]));
                memcpy(t->coding[s], side[s]->h.coding, sizeof(t->coding[s]));
            }
        i += o != NULL;
        j += n != NULL;
    }
    const input *m = main_batch[0] ? main_batch[0] : main_batch[1];
    if (!m)
        m = in[0].n ? &in[0].v[0] : &in[1].v[0];
    memcpy(d->county, m->h.county, sizeof(d->county));
    memcpy(d->coding, m->h.coding, sizeof(d->coding));
    return 0;
}

/* ================================================================= entry */

int tc_diff_batches(tc_diff **out, const char *const *old, int nold, const char *const *new_,
                    int nnew, const tc_diff_opts *o, tc_err *e)
{
    *out = NULL;
    if (nold < 1 || nnew < 1)
        return tc_fail(e, TC_EUSAGE, "name the batches of both sides");
    tc_diff *d;
    int rc = dd_new(&d, DD_BATCHES, o, e);
    if (rc)
        return rc;
    snprintf(d->path[0], sizeof(d->path[0]), "%s", old[0]);
    snprintf(d->path[1], sizeof(d->path[1]), "%s", new_[0]);
    inputs in[2];
    memset(in, 0, sizeof(in));
    for (int i = 0; i < nold && !rc; i++)
        rc = add_path(&in[0], old[i], e);
    for (int i = 0; i < nnew && !rc; i++)
        rc = add_path(&in[1], new_[i], e);
    if (!rc)
        rc = pair_up(d, in, e);
    free(in[0].v);
    free(in[1].v);
    uint64_t key[2];
    if (!rc && getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
        rc = tc_fail(e, TC_EIO, "cannot draw a hash key: %s", strerror(errno));
    const char *tmp = o && o->tmpdir && o->tmpdir[0] ? o->tmpdir : getenv("TMPDIR");
    /* at least 3: a key held once a side (2 entries) is never split */
    long pass_max = o && o->partition_max > 0 ? o->partition_max : PASS_MAX;
    if (pass_max < 3)
        pass_max = 3;
    for (int i = 0; i < d->ntypes && !rc; i++) {
        dd_type *t = &d->types[i];
        rc = compare_type(t, key, tmp && tmp[0] ? tmp : "/tmp", d->limit, pass_max, e);
        for (int c = 0; c < t->h.ncols && !rc; c++) {
            tc_fen delta;
            if (t->h.cols[c].type == TC_COL_AMOUNT &&
                tc_money_sub(t->total[1][c], t->total[0][c], &delta)) {
                tc_err_at(e, t->file[1], 0, 0);
                rc = tc_fail(e, TC_EINPUT, "the change in the control total of %s does not "
                             "fit in 64 bits", t->h.colname[c]);
            }
        }
    }
    if (rc) {
        tc_diff_free(d);
        return rc;
    }
    *out = d;
    return 0;
}
