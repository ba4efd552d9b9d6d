/*
 * batch.c - batch writer and streaming reader.  See batch.h for the
 * guarantees and docs/batch-format.md for the bytes.
 *
 * Record encoding, format versions 3 and 4 (inside member 1, after the header's
 * blank line).  Each column is written relative to its own two previous
 * values: prev1, the value in the record before, and prev2, the value
 * before that which differed from prev1.  Most columns repeat or barely
 * move from one record to the next, and ledgers interleave categories (a
 * person's contributions alternate between funds month by month, so fund,
 * rate, base and amounts alternate between two values).  A number may
 * also be named by its sibling, the nearest column before it of the same
 * type, in the same record (paid equal to due), and an amount whose
 * sibling comes before a rate column that comes before it by the product
 * of the two (due = base x rate, rounded half away from zero to the fen):
 *
 *   stream  = { item } end
 *   item    = record | reset
 *   record  = varint(length + 1) payload   length 1..TC_BATCH_MAX_RECORD
 *   reset   = 0x01                         every column back to its initial state
 *   end     = 0x00
 *   payload = one field per header column, in order:
 *     text            varint(0)                  prev1 again
 *                     varint(1)                  prev2 again (prev1 and prev2 swap)
 *                     varint(n + 2), n bytes     a literal, differing from both
 *                                                (prev1 becomes prev2)
 *     amount, int,    varint(0)                  prev2 again (prev1 and prev2 swap)
 *     rate, date,     varint(1)                  the sibling's value (with a sibling)
 *     period          varint(2)                  the product (with a rate between)
 *                     varint(zigzag(value - prev1) + base)   any other value, base
 *                                                1 + the codes above the column has;
 *                                                the difference in wrapping 64-bit
 *                                                unsigned arithmetic
 *
 * prev1 and prev2 start as "" for text and 0 for numbers, at the start of
 * the stream and after every reset, and prev2 moves only when the value
 * differs from prev1.  Varints are LEB128 and must be minimal (no trailing
 * 0x80 0x00 padding); a number's code can exceed 2^64 - 1 by up to 2 (a
 * difference near 2^63 plus a base of 2 or 3), and those are the only
 * varints of 65 bits: 80|81|82 80 80 80 80 80 80 80 80 02.  The writer
 * tries prev1, prev2, the sibling, the product, then a literal or a
 * difference, and the reader refuses anything else (a code naming a value
 * an earlier candidate holds, a literal equal to prev1 or prev2, a
 * difference landing on any candidate), so every record has exactly one
 * encoding in its place in the stream.
 */
#include "core/batch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "core/atomic.h"
#include "core/writebehind.h"
#include "core/gzip.h"
#include "core/money.h"
#include "core/seal.h"
#include "core/spill.h"
#include "core/vec.h"

#define MAGIC "tongchou-batch"
#define GZ_LEVEL 1 /* batches are written on the hot path: speed over size */

/* Sealing, for the whole process (tc_batch_seal_for, tc_batch_open_with):
 * set before any batch is written or read, read only after. */
static struct {
    tc_seal_cipher cipher;
    const tc_seal_holder *holders[TC_SEAL_MAX_HOLDERS];
    size_t n;
    const tc_seal_key *key;
} sealing;

int tc_batch_seal_for(tc_seal_cipher c, const tc_seal_holder *const *holders, size_t n,
                      tc_err *e)
{
    if (n > TC_SEAL_MAX_HOLDERS)
        return tc_fail(e, TC_EUSAGE, "at most %d holders", TC_SEAL_MAX_HOLDERS);
    sealing.cipher = c;
    for (size_t i = 0; i < n; i++)
        sealing.holders[i] = holders[i];
    sealing.n = n;
    return 0;
}

int tc_batch_sealing(void) { return sealing.n > 0; }

void tc_batch_open_with(const tc_seal_key *k) { sealing.key = k; }
const tc_seal_key *tc_batch_data_key(void) { return sealing.key; }

/* ================================================================ header */

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n >= 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || (i > 0 && s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

static int valid_digits(const char *s, size_t n, size_t want)
{
    if (n != want)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int valid_date_text(const char *s, size_t n)
{
    return n == 10 && valid_digits(s, 4, 4) && s[4] == '-' && valid_digits(s + 5, 2, 2) &&
           s[7] == '-' && valid_digits(s + 8, 2, 2);
}

static int valid_digest_text(const char *s, size_t n)
{
    const char *c = memchr(s, ':', n);
    if (!c)
        return 0;
    size_t k = (size_t)(c - s), hex = n - k - 1;
    if (!((k == 6 && memcmp(s, "sha256", 6) == 0) || (k == 3 && memcmp(s, "sm3", 3) == 0)))
        return 0;
    if (hex != 64)
        return 0;
    for (size_t i = k + 1; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int tc_batch_header_init(tc_batch_header *h, const tc_rectype *t, const char *county,
                         const char *coding, tc_err *e)
{
    memset(h, 0, sizeof(*h));
    if (!valid_name(t->name, strlen(t->name)))
        return tc_fail(e, TC_EINTERNAL, "bad record type name '%s'", t->name);
    if (!valid_digits(county, strlen(county), 6))
        return tc_fail(e, TC_EINPUT, "bad county code '%s': expected 6 digits", county);
    if (strcmp(coding, "county") != 0 && strcmp(coding, "city") != 0)
        return tc_fail(e, TC_EINTERNAL, "bad coding '%s'", coding);
    snprintf(h->type, sizeof(h->type), "%s", t->name);
    memcpy(h->county, county, 7);
    snprintf(h->coding, sizeof(h->coding), "%s", coding);
    for (int i = 0; i < t->ncols; i++) {
        int rc = tc_batch_header_add_column(h, t->cols[i].name, t->cols[i].type, e);
        if (rc)
            return rc;
    }
    return 0;
}

const char *tc_batch_pool(const tc_batch_header *h)
{
    return h->pool[0] ? h->pool : h->county;
}

int tc_batch_header_add_column(tc_batch_header *h, const char *name, tc_coltype type, tc_err *e)
{
    if (h->ncols >= TC_MAX_COLUMNS)
        return tc_fail(e, TC_EINTERNAL, "too many columns in a %s batch", h->type);
    if (!valid_name(name, strlen(name)))
        return tc_fail(e, TC_EINTERNAL, "bad column name '%s'", name);
    snprintf(h->colname[h->ncols], sizeof(h->colname[0]), "%s", name);
    h->cols[h->ncols].name = h->colname[h->ncols];
    h->cols[h->ncols].type = type;
    h->ncols++;
    return 0;
}

int tc_batch_header_col(const tc_batch_header *h, const char *name)
{
    for (int i = 0; i < h->ncols; i++)
        if (strcmp(h->colname[i], name) == 0)
            return i;
    return -1;
}

static const char *const CONTROLS[] = {"-", "none", "counts", "counts,sums"};

const char *tc_controls_name(tc_controls c)
{
    return (unsigned)c < sizeof(CONTROLS) / sizeof(CONTROLS[0]) ? CONTROLS[c] : "?";
}

int tc_controls_parse(const char *s, size_t n, tc_controls *out)
{
    for (size_t i = 0; i < sizeof(CONTROLS) / sizeof(CONTROLS[0]); i++)
        if (strlen(CONTROLS[i]) == n && memcmp(CONTROLS[i], s, n) == 0) {
            *out = (tc_controls)i;
            return 0;
        }
    return -1;
}

static int valid_controls(tc_controls c)
{
    return c >= TC_CONTROLS_UNKNOWN && c <= TC_CONTROLS_COUNTS_SUMS;
}

/* The header as text in format version (a writer's TC_BATCH_VERSION, or
 * the version a reader found); the writer writes it and the reader
 * compares with it.  Version 4 had no 'controls' line. */
static size_t header_text(const tc_batch_header *h, int version, char *buf, size_t cap)
{
    size_t off = 0;
#define PUT(...) off += (size_t)snprintf(off < cap ? buf + off : NULL, off < cap ? cap - off : 0, __VA_ARGS__)
    PUT("%s %d\n", MAGIC, version);
    PUT("type %s\n", h->type);
    PUT("county %s\n", h->county);
    PUT("pool %s\n", h->pool[0] ? h->pool : "-");
    PUT("coding %s\n", h->coding);
    PUT("cutover %s\n", h->cutover[0] ? h->cutover : "-");
    PUT("source %s\n", h->source[0] ? h->source : "-");
    if (version >= 5)
        PUT("controls %s\n", tc_controls_name(h->controls));
    PUT("mappings %s\n", h->mappings[0] ? h->mappings : "-");
    PUT("columns");
    for (int i = 0; i < h->ncols; i++)
        PUT(" %s:%s", h->colname[i], tc_coltype_name(h->cols[i].type));
    PUT("\n\n");
#undef PUT
    return off;
}

static size_t trailer_text(const tc_batch_header *h, const tc_batch_summary *s, char *buf,
                           size_t cap)
{
    size_t off = 0;
#define PUT(...) off += (size_t)snprintf(off < cap ? buf + off : NULL, off < cap ? cap - off : 0, __VA_ARGS__)
    PUT("count %" PRIu64 "\n", s->count);
    for (int i = 0; i < h->ncols; i++)
        if (h->cols[i].type == TC_COL_AMOUNT)
            PUT("total %s %" PRId64 "\n", h->colname[i], s->totals[i]);
    PUT("body %s\n", s->body);
#undef PUT
    return off;
}

/* ================================================================ varints */

static inline size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Zigzag on the two's complement bits of a difference d: 0, -1, 1, -2, ...
 * become 0, 1, 2, 3, ...  Unsigned throughout, so defined for every d. */
static inline uint64_t zigzag(uint64_t d)
{
    return (d << 1) ^ (0 - (d >> 63));
}

static inline uint64_t unzigzag(uint64_t u)
{
    return (u >> 1) ^ (0 - (u & 1));
}

/*
 * A number's code u is 65 bits wide: a difference z is written as
 * u = z + base (base 1, 2 with a sibling, 3 with a product too), so up to
 * 2^64 + 2.  The u beyond 2^64 - 1 are 2^64 + k, k < base, LEB128 of 10
 * bytes: 80|81|82 80 80 80 80 80 80 80 80 02.
 */
static inline size_t put_code(unsigned char *p, uint64_t z, unsigned base)
{
    if (z <= UINT64_MAX - base)
        return put_varint(p, z + base);
    p[0] = (unsigned char)(0x80 | (z + base)); /* z + base wraps to 0 or 1 */
    memset(p + 1, 0x80, 8);
    p[9] = 0x02;
    return 10;
}

/* Decode a minimal varint from [*p, end); 0 or -1 when malformed. */
static inline int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
    uint64_t v = 0;
    const unsigned char *q = *p;
    for (int shift = 0; shift < 64; shift += 7) {
        if (q >= end)
            return -1;
        unsigned char b = *q++;
        if (shift == 63 && b > 1)
            return -1;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (b == 0 && shift > 0)
                return -1; /* not minimal */
            *p = q;
            *out = v;
            return 0;
        }
    }
    return -1;
}

/*
 * Each number column's sibling: the nearest column before it of the same
 * type, or -1; and for an amount whose sibling is followed by a rate
 * column before it, that rate column (the nearest), or -1.  A value equal
 * to its sibling in the same record (paid equal to due, as in nearly every
 * contribution) or to the sibling times the rate (due = base x rate) is
 * written as one byte.
 */
static void find_predictors(const tc_batch_header *h, signed char *sib, signed char *rcol)
{
    for (int i = 0; i < h->ncols; i++) {
        sib[i] = rcol[i] = -1;
        for (int j = i - 1; j >= 0 && h->cols[i].type != TC_COL_TEXT; j--)
            if (h->cols[j].type == h->cols[i].type) {
                sib[i] = (signed char)j;
                break;
            }
        for (int j = i - 1; j > sib[i] && sib[i] >= 0 && h->cols[i].type == TC_COL_AMOUNT; j--)
            if (h->cols[j].type == TC_COL_RATE) {
                rcol[i] = (signed char)j;
                break;
            }
    }
}

/* Column i's product in the record vals: its sibling times the rate
 * between (find_predictors); 0, or -1 when the column has none.  The rate
 * is checked (0 to 1) before, so the product cannot overflow. */
static inline int product_of(const tc_value *vals, int s, int rt, tc_fen *out)
{
    return rt < 0 ? -1 : tc_money_apply_rate(vals[s].i, (int32_t)vals[rt].i, out);
}

static int valid_date(int64_t d)
{
    int64_t m = d / 100 % 100, day = d % 100;
    return d >= 10000101 && d <= 99991231 && m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

static int valid_period(int64_t p)
{
    int64_t m = p % 100;
    return p >= 100001 && p <= 999912 && m >= 1 && m <= 12;
}

/* Is value v acceptable for a column of type t?  Returns a reason or NULL. */
static const char *check_value(tc_coltype t, const tc_value *v)
{
    switch (t) {
    case TC_COL_RATE:
        return v->i >= 0 && v->i <= 10000 ? NULL : "rate outside 0..1";
    case TC_COL_DATE:
        return valid_date(v->i) ? NULL : "not a date";
    case TC_COL_PERIOD:
        return valid_period(v->i) ? NULL : "not a period";
    default:
        return NULL;
    }
}

/* ================================================================ writer */

/*
 * The records are compressed as they come - on a worker thread once there
 * is more than a block of them (core/writebehind.h) - as the last part of member
 * 1's deflate data (core/gzip.h, "parts").  Compressed bytes are kept in a
 * buffer and, past OBUF, appended to a spill file beside the batch
 * (core/spill.h) that the writer shares with its parts; a small batch never
 * makes the file.  The header text is compressed at commit, when every
 * header field is known (a dump names its county in its last table), as
 * the first part; then the file is written: gzip header, header part, the
 * writer's own records, its parts', CRC/ISIZE, member 2.
 */
#define SPOOL_BLOCK (1u << 20)
#define PART_BLOCK (1u << 18)   /* a part compresses on its writer's thread */
#define OBUF (1u << 18)         /* compressed bytes buffered before the spill file */

/* Where compressed bytes are in the spill file of a writer and its parts. */
typedef struct extent {
    uint64_t off;
    size_t n;
} extent;

/* A part's compressed records, waiting to be spliced in at commit. */
typedef struct spliced {
    extent *ext;
    long next;
    uint32_t crc;
    uint64_t len;            /* uncompressed bytes */
} spliced;

struct tc_batch_writer {
    tc_gzip *part;            /* deflate of the records part, from the first bytes on */
    tc_writebehind *bg;              /* encoded records on their way to `part` */
    tc_atomic *out;          /* the batch, at commit */
    tc_sealer *seal;         /* sealing it: member 1 through here */
    tc_digest *plain;        /* sealing: SHA-256 of the batch as unsealed */
    tc_digest *body;
    tc_batch_header h;
    tc_batch_summary sum;
    char path[512];
    /* a part (tc_batch_create_part): its records start with a reset, so
     * they read the same after whatever precedes them; once finished, its
     * stream's CRC and length */
    int is_part, need_reset, finished;
    int defer_dir_sync;      /* commit leaves the folder's fsync to the caller */
    uint32_t pcrc;
    uint64_t plen;
    /* the compressed records: the last of them buffered (grown up to
     * OBUF), those before in the spill file at the extents listed */
    unsigned char *obuf;
    size_t olen, ocap;
    extent *ext;
    long next, capext;
    tc_spill *pspill;        /* a writer: its parts' file; a part: its writer's */
    /* the parts appended to this writer, in order */
    spliced *parts;
    long nparts, capparts;
    /* Each column's two previous values, what the next record is encoded
     * against: prev1, the last value, and prev2, the one before it that
     * differed from it.  Numbers in p1_i/p2_i; text in two copies of the
     * column's own (p1_s and p2_s, p1_cap/p2_cap bytes, grown as needed, at
     * most TC_BATCH_MAX_RECORD), which trade places rather than bytes. */
    uint64_t p1_i[TC_MAX_COLUMNS], p2_i[TC_MAX_COLUMNS];
    char *p1_s[TC_MAX_COLUMNS], *p2_s[TC_MAX_COLUMNS];
    uint32_t p1_n[TC_MAX_COLUMNS], p2_n[TC_MAX_COLUMNS];
    uint32_t p1_cap[TC_MAX_COLUMNS], p2_cap[TC_MAX_COLUMNS];
    signed char sib[TC_MAX_COLUMNS], rcol[TC_MAX_COLUMNS];   /* see find_predictors */
};

/* The buffered compressed bytes to the spill file. */
static int obuf_flush(tc_batch_writer *w, tc_err *e)
{
    if (!w->olen)
        return 0;
    int rc = tc_vec_room(&w->ext, w->next, &w->capext, 8, sizeof(*w->ext), e);
    if (rc)
        return rc;
    uint64_t off;
    rc = tc_spill_append(w->pspill, w->obuf, w->olen, &off, e);
    if (rc)
        return rc;
    w->ext[w->next++] = (extent){off, w->olen};
    w->olen = 0;
    return 0;
}

static int obuf_sink(void *ctx, const void *p, size_t n, tc_err *e)
{
    tc_batch_writer *w = ctx;
    const unsigned char *c = p;
    while (n) {
        if (w->olen == w->ocap) {
            size_t cap = w->ocap ? 2 * w->ocap : (64u << 10);
            unsigned char *b = realloc(w->obuf, cap);
            if (!b)
                return tc_fail(e, TC_ENOMEM, "out of memory");
            w->obuf = b;
            w->ocap = cap;
        }
        size_t k = w->ocap - w->olen < n ? w->ocap - w->olen : n;
        memcpy(w->obuf + w->olen, c, k);
        w->olen += k;
        c += k;
        n -= k;
        if (w->olen == OBUF) {
            int rc = obuf_flush(w, e);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int compress_block(void *ctx, const void *p, size_t n, tc_err *e)
{
    tc_batch_writer *w = ctx;
    if (!w->part) {
        /* the zlib stream is made with the first bytes: a writer that
         * stays empty (a record type a segment does not hold) costs none */
        int rc = tc_gzip_open_part(&w->part, GZ_LEVEL, obuf_sink, w, e);
        if (rc)
            return rc;
    }
    return tc_gzip_write(w->part, p, n, e);
}

/* Member 1's bytes go to the file (sealed, when sealing) and into the body
 * digest. */
static int body_sink(void *ctx, const void *p, size_t n, tc_err *e)
{
    tc_batch_writer *w = ctx;
    tc_digest_update(w->body, p, n);
    if (w->seal) {
        tc_digest_update(w->plain, p, n);
        return tc_sealer_write(w->seal, p, n, e);
    }
    return tc_gzip_sink_file(tc_atomic_file(w->out), p, n, e);
}

/*
 * A sealed batch's clear tail: "plain DIGEST", the SHA-256 of the batch as
 * it reads unsealed, then the header text and member 2 as they stand in
 * it.  Neither holds personal data; both are authenticated by the seal.
 */
static size_t sealed_tail(tc_batch_writer *w, const char *htext, size_t hn,
                          const unsigned char *member, size_t m, unsigned char *out, size_t cap)
{
    char d[TC_DIGEST_TEXT_MAX];
    tc_digest_update(w->plain, member, m);
    tc_digest_final_text(w->plain, d);
    size_t o = (size_t)snprintf((char *)out, cap, "plain %s\n", d);
    if (o + hn + m > cap)
        return 0;
    memcpy(out + o, htext, hn);
    memcpy(out + o + hn, member, m);
    return o + hn + m;
}

/* A writer of header h for path; the caller opens its hand-off. */
static tc_batch_writer *writer_new(const tc_batch_header *h, const char *path)
{
    tc_batch_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->h = *h;
    for (int i = 0; i < w->h.ncols; i++)
        w->h.cols[i].name = w->h.colname[i];
    find_predictors(&w->h, w->sib, w->rcol);
    snprintf(w->path, sizeof(w->path), "%s", path);
    return w;
}

int tc_batch_create(tc_batch_writer **out, const char *path, const tc_batch_header *h, tc_err *e)
{
    if (!valid_controls(h->controls))
        return tc_fail(e, TC_EINTERNAL, "%s: bad controls %d", path, (int)h->controls);
    tc_batch_writer *w = writer_new(h, path);
    if (!w)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = tc_writebehind_open(&w->bg, SPOOL_BLOCK, compress_block, w, e);
    if (!rc) {
        /* its spill file, shared with its parts (made here, not with the
         * first part: parts may be made on any thread; the file itself
         * is made with the first bytes past OBUF) */
        char dir[512];
        const char *slash = strrchr(w->path, '/');
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - w->path) : 1,
                 slash ? w->path : ".");
        rc = tc_spill_new(&w->pspill, dir, "batch spool", e);
    }
    if (rc) {
        tc_batch_abort(w);
        return rc;
    }
    *out = w;
    return 0;
}

int tc_batch_create_part(tc_batch_writer **out, tc_batch_writer *of, tc_err *e)
{
    tc_batch_writer *w = writer_new(&of->h, of->path);
    if (!w)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    w->pspill = tc_spill_ref(of->pspill);
    w->is_part = w->need_reset = 1;
    int rc = tc_writebehind_open_sync(&w->bg, PART_BLOCK, compress_block, w, e);
    if (rc) {
        tc_batch_abort(w);
        return rc;
    }
    *out = w;
    return 0;
}

int tc_batch_part_finish(tc_batch_writer *p, tc_err *e)
{
    if (!p->is_part || p->finished)
        return tc_fail(e, TC_EINTERNAL, "%s: not an open part", p->path);
    int rc = tc_writebehind_close(p->bg, e);
    p->bg = NULL;
    if (!rc && p->part) {
        /* ended on a byte boundary, not final: what follows continues it */
        rc = tc_gzip_close_part(p->part, 0, &p->pcrc, &p->plen, e);
        p->part = NULL;
    }
    if (!rc)
        rc = obuf_flush(p, e);
    free(p->obuf);
    p->obuf = NULL;
    p->ocap = 0;
    p->finished = !rc;
    return rc;
}

int tc_batch_append_part(tc_batch_writer *w, tc_batch_writer *p, tc_err *e)
{
    if (w->is_part || !p->finished)
        return tc_fail(e, TC_EINTERNAL, "%s: a part is appended to its batch once finished",
                       w->path);
    for (int i = 0; i < w->h.ncols; i++)
        if (w->h.cols[i].type == TC_COL_AMOUNT &&
            __builtin_add_overflow(w->sum.totals[i], p->sum.totals[i], &w->sum.totals[i]))
            return tc_fail(e, TC_EINPUT, "%s: the control total of column %s overflows",
                           w->path, w->h.colname[i]);
    w->sum.count += p->sum.count;
    if (p->plen) {
        int rc = tc_vec_room(&w->parts, w->nparts, &w->capparts, 8, sizeof(*w->parts), e);
        if (rc)
            return rc;
        w->parts[w->nparts++] = (spliced){p->ext, p->next, p->pcrc, p->plen};
        p->ext = NULL;
    }
    tc_batch_abort(p);
    return 0;
}

void tc_batch_defer_dir_sync(tc_batch_writer *w) { w->defer_dir_sync = 1; }

int tc_batch_set_header(tc_batch_writer *w, const tc_batch_header *h, tc_err *e)
{
    if (strcmp(h->type, w->h.type) != 0 || h->ncols != w->h.ncols)
        return tc_fail(e, TC_EINTERNAL, "%s: a header's type and columns cannot change", w->path);
    for (int i = 0; i < h->ncols; i++)
        if (strcmp(h->colname[i], w->h.colname[i]) != 0 || h->cols[i].type != w->h.cols[i].type)
            return tc_fail(e, TC_EINTERNAL, "%s: a header's columns cannot change", w->path);
    if (!valid_digits(h->county, strlen(h->county), 6))
        return tc_fail(e, TC_EINPUT, "bad county code '%s': expected 6 digits", h->county);
    if (h->pool[0] && !valid_digits(h->pool, strlen(h->pool), 6))
        return tc_fail(e, TC_EINPUT, "bad pool code '%s': expected 6 digits", h->pool);
    if (!valid_controls(h->controls))
        return tc_fail(e, TC_EINTERNAL, "%s: bad controls %d", w->path, (int)h->controls);
    w->h.controls = h->controls;
    memcpy(w->h.county, h->county, sizeof(h->county));
    memcpy(w->h.pool, h->pool, sizeof(h->pool));
    memcpy(w->h.coding, h->coding, sizeof(h->coding));
    memcpy(w->h.cutover, h->cutover, sizeof(h->cutover));
    memcpy(w->h.source, h->source, sizeof(h->source));
    memcpy(w->h.mappings, h->mappings, sizeof(h->mappings));
    return 0;
}

const tc_batch_header *tc_batch_writer_header(const tc_batch_writer *w) { return &w->h; }
const tc_batch_summary *tc_batch_writer_summary(const tc_batch_writer *w) { return &w->sum; }

/* Room for n bytes (n <= TC_BATCH_MAX_RECORD) in a text column's prev2
 * copy, where a literal goes before that copy becomes prev1.  realloc
 * keeps the bytes, so a record refused after this leaves prev2 as it was. */
static int p2_room(tc_batch_writer *w, int i, uint32_t n, tc_err *e)
{
    uint32_t cap = w->p2_cap[i] ? w->p2_cap[i] : 32;
    while (cap < n)
        cap *= 2;
    char *s = realloc(w->p2_s[i], cap);
    if (!s)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    w->p2_s[i] = s;
    w->p2_cap[i] = cap;
    return 0;
}

/* n bytes equal?  Inline, a word at a time: the values compared are codes
 * of a few bytes, three or more a record, where a call to memcmp costs
 * more than the comparing. */
static inline int bytes_equal(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    if (n < 8) {
        unsigned d = 0;
        for (size_t i = 0; i < n; i++)
            d |= x[i] ^ y[i];
        return d == 0;
    }
    uint64_t p, q;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&p, x + i, 8);
        memcpy(&q, y + i, 8);
        if (p != q)
            return 0;
    }
    memcpy(&p, x + n - 8, 8);
    memcpy(&q, y + n - 8, 8);
    return p == q;
}

/* Are v's bytes the n bytes at s? */
static inline int same_text(const tc_value *v, const char *s, uint32_t n)
{
    return v->n == n && bytes_equal(v->s, s, n);
}

/* A text column's prev1 and prev2 trade places: pointers, not bytes. */
static inline void swap_text(tc_batch_writer *w, int i)
{
    char *s = w->p1_s[i];
    uint32_t n = w->p1_n[i], cap = w->p1_cap[i];
    w->p1_s[i] = w->p2_s[i];
    w->p1_n[i] = w->p2_n[i];
    w->p1_cap[i] = w->p2_cap[i];
    w->p2_s[i] = s;
    w->p2_n[i] = n;
    w->p2_cap[i] = cap;
}

int tc_batch_write(tc_batch_writer *w, const tc_value *vals, tc_err *e)
{
    /* First every check that can fail, so that a refused record leaves the
     * writer as it was (the per-column previous values above all: the next
     * record is encoded against them).  Then the record is encoded straight
     * into the hand-off block: room for the worst case (10 bytes a number,
     * 1 a text equal to prev1 or prev2, 10 + its bytes a literal, 3 the
     * length + 1 of at most TC_BATCH_MAX_RECORD), the payload written after
     * a one-byte length, moved up in the rare record of 127 bytes or more
     * whose length takes more.  Only then do the previous values and totals
     * move on.  Each value is tried against prev1, then prev2, then (a
     * number) its sibling and its product, then written as a literal or a
     * difference: that order makes the encoding unique. */
    uint32_t rep1 = 0, rep2 = 0; /* text columns whose value is their prev1, prev2 */
    size_t need = 3;
    for (int i = 0; i < w->h.ncols; i++) {
        const tc_value *v = &vals[i];
        tc_coltype t = w->h.cols[i].type;
        if (t == TC_COL_TEXT) {
            if (same_text(v, w->p1_s[i], w->p1_n[i])) {
                rep1 |= 1u << i;
                need += 1;
                continue;
            }
            if (same_text(v, w->p2_s[i], w->p2_n[i])) {
                rep2 |= 1u << i;
                need += 1;
                continue;
            }
            if (v->n > TC_BATCH_MAX_RECORD)
                return tc_fail(e, TC_EINTERNAL, "%s: record %" PRIu64 " is longer than %d bytes",
                               w->path, w->sum.count + 1, TC_BATCH_MAX_RECORD);
            if (v->n > w->p2_cap[i] && p2_room(w, i, v->n, e))
                return e && e->code ? e->code : TC_ENOMEM;
            need += 10 + v->n;
            continue;
        }
        const char *why = check_value(t, v);
        if (why)
            return tc_fail(e, TC_EINTERNAL, "%s: record %" PRIu64 ": column %s: %s (%" PRId64 ")",
                           w->path, w->sum.count + 1, w->h.colname[i], why, v->i);
        int64_t total;
        if (t == TC_COL_AMOUNT && __builtin_add_overflow(w->sum.totals[i], v->i, &total))
            return tc_fail(e, TC_EINPUT,
                           "%s: the control total of column %s overflows at record %" PRIu64,
                           w->path, w->h.colname[i], w->sum.count + 1);
        need += 10;
    }
    if (need > 2 * TC_BATCH_MAX_RECORD)
        return tc_fail(e, TC_EINTERNAL, "%s: record %" PRIu64 " is longer than %d bytes", w->path,
                       w->sum.count + 1, TC_BATCH_MAX_RECORD);
    if (w->need_reset) {
        int rc = tc_batch_write_reset(w, e);
        if (rc)
            return rc;
        w->need_reset = 0;
    }
    unsigned char *m = tc_writebehind_claim(w->bg, need, e);
    if (!m)
        return e && e->code ? e->code : TC_ENOMEM;
    unsigned char *p = m + 1;
    for (int i = 0; i < w->h.ncols; i++) {
        const tc_value *v = &vals[i];
        if (w->h.cols[i].type == TC_COL_TEXT) {
            if (rep1 & (1u << i)) {
                *p++ = 0;
            } else if (rep2 & (1u << i)) {
                *p++ = 1;
            } else {
                p += put_varint(p, (uint64_t)v->n + 2);
                if (v->n)
                    memcpy(p, v->s, v->n);
                p += v->n;
            }
        } else {
            uint64_t x = (uint64_t)v->i;
            int s = w->sib[i], r = w->rcol[i];
            unsigned base = 1 + (s >= 0) + (r >= 0);
            tc_fen prod;
            if (x == w->p1_i[i])
                *p++ = (unsigned char)base; /* a difference of 0 */
            else if (x == w->p2_i[i])
                *p++ = 0;
            else if (s >= 0 && v->i == vals[s].i)
                *p++ = 1;
            else if (product_of(vals, s, r, &prod) == 0 && prod == v->i)
                *p++ = 2;
            else
                p += put_code(p, zigzag(x - w->p1_i[i]), base);
        }
    }
    size_t len = (size_t)(p - (m + 1));
    if (len > TC_BATCH_MAX_RECORD)
        return tc_fail(e, TC_EINTERNAL, "%s: record %" PRIu64 " is longer than %d bytes", w->path,
                       w->sum.count + 1, TC_BATCH_MAX_RECORD);
    unsigned char pre[4];
    size_t k = put_varint(pre, len + 1);
    if (k > 1)
        memmove(m + k, m + 1, len);
    memcpy(m, pre, k);
    tc_writebehind_claimed(w->bg, len + k);
    for (int i = 0; i < w->h.ncols; i++) {
        const tc_value *v = &vals[i];
        tc_coltype t = w->h.cols[i].type;
        if (t == TC_COL_TEXT) {
            if (rep1 & (1u << i))
                continue;
            if (!(rep2 & (1u << i))) {
                /* the literal into prev2's copy (room made above), which
                 * then becomes prev1 */
                if (v->n)
                    memcpy(w->p2_s[i], v->s, v->n);
                w->p2_n[i] = v->n;
            }
            swap_text(w, i);
        } else {
            uint64_t x = (uint64_t)v->i;
            if (x != w->p1_i[i]) {
                w->p2_i[i] = w->p1_i[i];
                w->p1_i[i] = x;
            }
            if (t == TC_COL_AMOUNT)
                w->sum.totals[i] += v->i; /* checked above */
        }
    }
    w->sum.count++;
    return 0;
}

int tc_batch_write_reset(tc_batch_writer *w, tc_err *e)
{
    static const unsigned char reset = 0x01;
    int rc = tc_writebehind_write(w->bg, &reset, 1, e);
    if (rc)
        return rc;
    for (int i = 0; i < w->h.ncols; i++) {
        w->p1_i[i] = w->p2_i[i] = 0;
        w->p1_n[i] = w->p2_n[i] = 0;
    }
    return 0;
}

uint64_t tc_batch_written(const tc_batch_writer *w) { return w->sum.count; }

/* Member 2: a fixed gzip header and one stored deflate block. */
static size_t stored_member(const char *text, size_t n, unsigned char *out)
{
    size_t o = 0;
    memcpy(out, tc_gzip_header, sizeof(tc_gzip_header));
    o += sizeof(tc_gzip_header);
    out[o++] = 0x01; /* BFINAL=1, BTYPE=00 (stored), padding bits zero */
    out[o++] = (unsigned char)(n & 0xff);
    out[o++] = (unsigned char)(n >> 8);
    out[o++] = (unsigned char)(~n & 0xff);
    out[o++] = (unsigned char)((~n >> 8) & 0xff);
    memcpy(out + o, text, n);
    o += n;
    uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)text, (uInt)n);
    for (int i = 0; i < 4; i++)
        out[o++] = (unsigned char)(crc >> (8 * i));
    for (int i = 0; i < 4; i++)
        out[o++] = (unsigned char)((uint32_t)n >> (8 * i));
    return o;
}

/* The few bytes of the stream that ends a batch with parts. */
typedef struct mem_sink {
    unsigned char b[64];
    size_t n;
} mem_sink;

static int mem_put(void *ctx, const void *p, size_t n, tc_err *e)
{
    mem_sink *m = ctx;
    if (n > sizeof(m->b) - m->n)
        return tc_fail(e, TC_EINTERNAL, "the end of a batch takes more than %zu bytes",
                       sizeof(m->b));
    memcpy(m->b + m->n, p, n);
    m->n += n;
    return 0;
}

/* Compressed bytes at the extents of the spill file into the batch. */
static int copy_extents(tc_batch_writer *w, const extent *ext, long next, tc_err *e)
{
    unsigned char buf[1 << 16];
    for (long i = 0; i < next; i++)
        for (size_t done = 0; done < ext[i].n;) {
            size_t k = ext[i].n - done < sizeof(buf) ? ext[i].n - done : sizeof(buf);
            int rc = tc_spill_read(w->pspill, ext[i].off + done, buf, k, e);
            if (!rc)
                rc = body_sink(w, buf, k, e);
            if (rc)
                return rc;
            done += k;
        }
    return 0;
}


#define TRAILER_CAP 8192 /* count + 32 totals + body line fit easily */

int tc_batch_commit(tc_batch_writer *w, tc_batch_summary *sum, tc_err *e)
{
    char text[4096];
    size_t tn = header_text(&w->h, TC_BATCH_VERSION, text, sizeof(text));
    if (tn >= sizeof(text)) {
        tc_batch_abort(w);
        return tc_fail(e, TC_EINTERNAL, "batch header too long");
    }
    if (w->is_part) {
        tc_batch_abort(w);
        return tc_fail(e, TC_EINTERNAL, "a part is appended, not committed");
    }
    /* the records part: end byte, then finish it on this thread.  With
     * parts appended, the end byte comes after the last of them, in a
     * stream of its own, and the writer's own records (if any) end on a
     * byte boundary for the first part to follow. */
    unsigned char zero = 0;
    int rc = w->nparts ? 0 : tc_writebehind_write(w->bg, &zero, 1, e);
    if (!rc) {
        rc = tc_writebehind_close(w->bg, e);
        w->bg = NULL;
    }
    uint32_t crc1 = 0, crc2 = 0;
    uint64_t len1 = 0, len2 = 0;
    if (!rc && w->part) {
        rc = tc_gzip_close_part(w->part, !w->nparts, &crc2, &len2, e);
        w->part = NULL;
    }
    mem_sink tail = {{0}, 0};
    for (int i = 0; !rc && i < w->nparts; i++) {
        crc2 = (uint32_t)crc32_combine(crc2, w->parts[i].crc, (z_off_t)w->parts[i].len);
        len2 += w->parts[i].len;
    }
    if (!rc && w->nparts) {
        tc_gzip *z = NULL;
        uint32_t c3;
        uint64_t l3;
        rc = tc_gzip_open_part(&z, GZ_LEVEL, mem_put, &tail, e);
        if (!rc)
            rc = tc_gzip_write(z, &zero, 1, e);
        if (!rc)
            rc = tc_gzip_close_part(z, 1, &c3, &l3, e);
        else
            tc_gzip_free(z);
        if (!rc) {
            crc2 = (uint32_t)crc32_combine(crc2, c3, (z_off_t)l3);
            len2 += l3;
        }
    }
    if (!rc)
        rc = tc_digest_new(&w->body, TC_DIGEST_SHA256, e);
    if (!rc)
        rc = tc_atomic_open(&w->out, w->path, e);
    if (!rc && sealing.n && !(rc = tc_digest_new(&w->plain, TC_DIGEST_SHA256, e)))
        rc = tc_sealer_begin(&w->seal, tc_atomic_file(w->out), sealing.cipher, sealing.holders,
                             sealing.n, e);
    if (!rc)
        rc = body_sink(w, tc_gzip_header, sizeof(tc_gzip_header), e);
    tc_gzip *hz = NULL;
    if (!rc)
        rc = tc_gzip_open_part(&hz, GZ_LEVEL, body_sink, w, e);
    if (!rc)
        rc = tc_gzip_write(hz, text, tn, e);
    if (!rc)
        rc = tc_gzip_close_part(hz, 0, &crc1, &len1, e);
    else
        tc_gzip_free(hz);
    if (!rc)
        rc = copy_extents(w, w->ext, w->next, e);
    if (!rc && w->olen)
        rc = body_sink(w, w->obuf, w->olen, e);
    for (int i = 0; !rc && i < w->nparts; i++)
        rc = copy_extents(w, w->parts[i].ext, w->parts[i].next, e);
    if (!rc && tail.n)
        rc = body_sink(w, tail.b, tail.n, e);
    if (!rc) {
        unsigned char t[8];
        uLong crc = crc32_combine(crc1, crc2, (z_off_t)len2);
        tc_gzip_member_trailer((uint32_t)crc, len1 + len2, t);
        rc = body_sink(w, t, sizeof(t), e);
    }
    if (!rc) {
        tc_digest_final_text(w->body, w->sum.body);
        char ttext[TRAILER_CAP];
        unsigned char member[TRAILER_CAP + 32];
        size_t n = trailer_text(&w->h, &w->sum, ttext, sizeof(ttext));
        size_t m = stored_member(ttext, n, member);
        if (w->seal) {
            unsigned char *tail = malloc(TC_SEAL_MAX_TAIL);
            size_t k = tail ? sealed_tail(w, text, tn, member, m, tail, TC_SEAL_MAX_TAIL) : 0;
            tc_sealer *sl = w->seal;
            w->seal = NULL;
            if (k)
                rc = tc_sealer_end(sl, tail, k, e);
            else {
                tc_sealer_abort(sl);
                rc = tc_fail(e, TC_ENOMEM, "out of memory");
            }
            free(tail);
        } else if (fwrite(member, 1, m, tc_atomic_file(w->out)) != m)
            rc = tc_fail(e, TC_EIO, "cannot write %s: %s", w->path, strerror(errno));
    }
    if (!rc) {
        rc = w->defer_dir_sync ? tc_atomic_commit_nodir(w->out, e) : tc_atomic_commit(w->out, e);
        w->out = NULL;
    }
    if (!rc && sum)
        *sum = w->sum;
    tc_batch_abort(w);
    return rc;
}

void tc_batch_abort(tc_batch_writer *w)
{
    if (!w)
        return;
    tc_writebehind_abort(w->bg);
    tc_gzip_free(w->part);
    for (int i = 0; i < w->nparts; i++)
        free(w->parts[i].ext);
    free(w->parts);
    free(w->ext);
    free(w->obuf);
    tc_spill_unref(w->pspill);
    tc_sealer_abort(w->seal);
    tc_atomic_abort(w->out);
    tc_digest_free(w->plain);
    tc_digest_free(w->body);
    for (int i = 0; i < TC_MAX_COLUMNS; i++) {
        free(w->p1_s[i]);
        free(w->p2_s[i]);
    }
    free(w);
}

/* ================================================================ reader */

enum { IN_CAP = 1 << 17, OUT_CAP = 1 << 18 };

struct tc_batch_reader {
    int fd;
    unsigned flags;
    char path[512];
    z_stream zs;
    int zinit;
    int zend;                  /* inflate reached the end of member 1 */
    int done;                  /* verified end returned */
    int failed;
    uLong crc;
    uint64_t isize;
    tc_digest *body;
    tc_batch_header h;
    int version;               /* the format version its header names */
    tc_batch_summary sum;      /* as counted while reading */
    uint64_t recno;
    /* compressed input */
    unsigned char *in;
    size_t in_pos, in_len;
    int in_eof;
    /* decompressed output */
    unsigned char *out;
    size_t out_pos, out_len;
    /* The record last decoded, which is also each column's prev1, and each
     * column's prev2 (the value before it that differed from it): what the
     * next record is decoded against.  A text column has two buffers of its
     * own, t1[i] behind vals[i] and t2[i] behind prev2[i] (t1_cap/t2_cap
     * bytes, grown as needed, at most TC_BATCH_MAX_RECORD), which trade
     * places with the values; a text value points at "" before its column's
     * buffer is first needed. */
    tc_value vals[TC_MAX_COLUMNS], prev2[TC_MAX_COLUMNS];
    char *t1[TC_MAX_COLUMNS], *t2[TC_MAX_COLUMNS];
    uint32_t t1_cap[TC_MAX_COLUMNS], t2_cap[TC_MAX_COLUMNS];
    signed char sib[TC_MAX_COLUMNS], rcol[TC_MAX_COLUMNS];   /* see find_predictors */
    /* A sealed batch: member 1 comes out of the unsealer, then member 2
     * from the clear tail, which also holds the header text and the
     * digest of the whole as unsealed ("plain"), checked at the end. */
    FILE *uf;
    tc_unsealer *un;
    int un_done;               /* the unsealer gave its verified end */
    const unsigned char *m2;   /* member 2, in the tail */
    size_t m2n, m2pos;
    const char *thdr;          /* the header text, in the tail */
    size_t thdrn;
    char plain_claim[TC_DIGEST_TEXT_MAX];
    tc_digest *plain;
};

static int rfail(tc_batch_reader *r, tc_err *e, int code, const char *fmt, const char *detail)
{
    r->failed = 1;
    if (r->un && code == TC_EINPUT)   /* what the key opened is no batch: altered */
        code = TC_EINTEGRITY;
    tc_err_at(e, r->path, 0, 0);
    if (r->recno && !r->zend)
        tc_err_record(e, r->path, (long long)r->recno);
    tc_fail(e, code, fmt, detail);
    if (code == TC_EINTEGRITY && !e->hint[0])
        tc_err_hint(e, "the batch is truncated or altered: make it again from its source");
    return code;
}

#define CORRUPT(r, e, what) rfail(r, e, TC_EINTEGRITY, "not a whole batch: %s", what)

/* A sealed batch's bytes as unsealed: member 1 from the unsealer (whose end
 * means its tag matched), then member 2 from the tail; *k = 0 at the end. */
static int sealed_read(tc_batch_reader *r, unsigned char *dst, size_t cap, ssize_t *k,
                       tc_err *e)
{
    size_t got = 0;
    if (!r->un_done) {
        int rc = tc_unsealer_read(r->un, dst, cap, &got, e);
        if (rc) {
            r->failed = 1;
            if (rc == TC_EINTEGRITY && !e->hint[0])
                tc_err_hint(e, "the sealed batch is altered: make it again from its source");
            return rc;
        }
        r->un_done = got == 0;
    }
    if (r->un_done) {
        got = r->m2n - r->m2pos < cap ? r->m2n - r->m2pos : cap;
        memcpy(dst, r->m2 + r->m2pos, got);
        r->m2pos += got;
    }
    tc_digest_update(r->plain, dst, got);
    *k = (ssize_t)got;
    return 0;
}

/* Make more compressed input available; returns bytes now available. */
static int fill_in(tc_batch_reader *r, tc_err *e)
{
    if (r->in_pos > 0) {
        memmove(r->in, r->in + r->in_pos, r->in_len - r->in_pos);
        r->in_len -= r->in_pos;
        r->in_pos = 0;
    }
    while (!r->in_eof && r->in_len < IN_CAP) {
        ssize_t k;
        if (r->un) {
            int rc = sealed_read(r, r->in + r->in_len, IN_CAP - r->in_len, &k, e);
            if (rc)
                return rc;
        } else
            k = read(r->fd, r->in + r->in_len, IN_CAP - r->in_len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return rfail(r, e, TC_EIO, "cannot read: %s", strerror(errno));
        if (k == 0)
            r->in_eof = 1;
        r->in_len += (size_t)k;
        if (k > 0)
            break;
    }
    return 0;
}

/* Take exactly n raw bytes (n <= IN_CAP) from the input; -1 at EOF. */
static int take_raw(tc_batch_reader *r, unsigned char *dst, size_t n, tc_err *e)
{
    while (r->in_len - r->in_pos < n) {
        if (r->in_eof)
            return -1;
        int rc = fill_in(r, e);
        if (rc)
            return rc;
    }
    memcpy(dst, r->in + r->in_pos, n);
    r->in_pos += n;
    return 0;
}

/* Inflate more output into out[out_len..]; sets zend at the end of member 1. */
static int inflate_more(tc_batch_reader *r, tc_err *e)
{
    if (r->zend)
        return 0;
    if (r->out_pos > 0) {
        memmove(r->out, r->out + r->out_pos, r->out_len - r->out_pos);
        r->out_len -= r->out_pos;
        r->out_pos = 0;
    }
    if (r->out_len == OUT_CAP)
        return CORRUPT(r, e, "a record runs past the reader's buffer");
    for (;;) {
        if (r->in_pos == r->in_len) {
            if (r->in_eof)
                return CORRUPT(r, e, "the file ends inside its compressed records");
            int rc = fill_in(r, e);
            if (rc)
                return rc;
            if (r->in_pos == r->in_len && r->in_eof)
                return CORRUPT(r, e, "the file ends inside its compressed records");
        }
        r->zs.next_in = r->in + r->in_pos;
        r->zs.avail_in = (uInt)(r->in_len - r->in_pos);
        r->zs.next_out = r->out + r->out_len;
        r->zs.avail_out = (uInt)(OUT_CAP - r->out_len);
        int zr = inflate(&r->zs, Z_NO_FLUSH);
        size_t used = (r->in_len - r->in_pos) - r->zs.avail_in;
        size_t made = (OUT_CAP - r->out_len) - r->zs.avail_out;
        tc_digest_update(r->body, r->in + r->in_pos, used);
        r->crc = crc32_z(r->crc, r->out + r->out_len, made);
        r->isize += made;
        r->in_pos += used;
        r->out_len += made;
        if (zr == Z_STREAM_END) {
            r->zend = 1;
            return 0;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR)
            return CORRUPT(r, e, "its compressed records are damaged");
        if (made > 0)
            return 0;
    }
}

/* Ensure at least n output bytes are available (or the stream ended). */
static int need_out(tc_batch_reader *r, size_t n, tc_err *e)
{
    while (r->out_len - r->out_pos < n && !r->zend) {
        int rc = inflate_more(r, e);
        if (rc)
            return rc;
    }
    return 0;
}

/*
 * Member 2 differs from the one the records call for: say how, as precisely
 * as the damage allows - the first trailer line that disagrees, quoted both
 * ways, when the framing is intact enough to read the stored text.
 */
static int trailer_mismatch(tc_batch_reader *r, const unsigned char *got, size_t have,
                            const char *text, size_t n, tc_err *e)
{
    char why[512];
    size_t len = have >= 15 ? (size_t)got[11] | (size_t)got[12] << 8 : 0;
    size_t nlen = have >= 15 ? (size_t)got[13] | (size_t)got[14] << 8 : 0;
    if (have < 15 || memcmp(got, tc_gzip_header, 10) != 0 || got[10] != 0x01 ||
        (len ^ 0xffff) != nlen)
        snprintf(why, sizeof(why), "%s",
                 have == 0 ? "the trailer is missing" : "the trailer's framing is damaged");
    else if (15 + len + 8 > have)
        snprintf(why, sizeof(why), "the trailer is cut short");
    else {
        const char *st = (const char *)got + 15;
        size_t i = 0;
        while (i < len && i < n && st[i] == text[i])
            i++;
        if (i == len && i == n)
            snprintf(why, sizeof(why), "%s",
                     15 + len + 8 < have ? "bytes follow the trailer"
                                         : "the trailer's gzip checksum is damaged");
        else {
            size_t a = i, b;
            while (a > 0 && text[a - 1] != '\n')
                a--;
            const char *se = memchr(st + a, '\n', len - a);
            const char *te = memchr(text + a, '\n', n - a);
            int sl = (int)((se ? se : st + len) - (st + a));
            int tl = (int)((te ? te : text + n) - (text + a));
            b = a;
            snprintf(why, sizeof(why), "the trailer says '%.*s' where the records give '%.*s'",
                     sl > 120 ? 120 : sl, st + b, tl > 120 ? 120 : tl, text + b);
            for (char *c = why; *c; c++)
                if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
                    *c = '?';
        }
    }
    return rfail(r, e, TC_EINTEGRITY, "not a whole batch: %s", why);
}

/* After member 1's deflate stream: its CRC-32/ISIZE, then member 2. */
static int finish(tc_batch_reader *r, tc_err *e)
{
    unsigned char t8[8];
    if (take_raw(r, t8, 8, e))
        return CORRUPT(r, e, "the file ends before the records' gzip trailer");
    tc_digest_update(r->body, t8, 8);
    uint32_t crc = 0, isz = 0;
    for (int i = 0; i < 4; i++) {
        crc |= (uint32_t)t8[i] << (8 * i);
        isz |= (uint32_t)t8[4 + i] << (8 * i);
    }
    if (crc != (uint32_t)r->crc || isz != (uint32_t)r->isize)
        return CORRUPT(r, e, "the records' gzip checksum does not match");
    tc_digest_final_text(r->body, r->sum.body);

    /* Member 2 must be exactly the member we would write for this trailer. */
    char text[TRAILER_CAP];
    unsigned char want[TRAILER_CAP + 32], got[TRAILER_CAP + 33];
    size_t n = trailer_text(&r->h, &r->sum, text, sizeof(text));
    size_t m = stored_member(text, n, want);
    size_t have = 0;
    for (;;) {
        size_t avail = r->in_len - r->in_pos;
        size_t k = avail < sizeof(got) - have ? avail : sizeof(got) - have;
        memcpy(got + have, r->in + r->in_pos, k);
        have += k;
        r->in_pos += k;
        if (have == sizeof(got) || r->in_eof)
            break;
        int rc = fill_in(r, e);
        if (rc)
            return rc;
    }
    if (have == m && memcmp(got, want, m) == 0) {
        if (!r->un)
            return 0;
        char d[TC_DIGEST_TEXT_MAX];
        tc_digest_final_text(r->plain, d);
        if (strcmp(d, r->plain_claim) == 0)
            return 0;
        return CORRUPT(r, e, "its sealed records are not the batch its clear tail names");
    }
    return trailer_mismatch(r, got, have, text, n, e);
}

/* Every column back to its initial previous values: "" and 0, both. */
static void reset_values(tc_batch_reader *r)
{
    for (int i = 0; i < r->h.ncols; i++)
        r->vals[i] = r->prev2[i] =
            r->h.cols[i].type == TC_COL_TEXT ? tc_v_text("", 0) : tc_v_int(0);
}

/* Parse "key value\n" at *p; value must be non-empty, no spaces. */
static int header_line(const char **p, const char *end, const char *key, const char **val,
                       size_t *vn)
{
    size_t k = strlen(key);
    const char *q = *p;
    if ((size_t)(end - q) < k + 2 || memcmp(q, key, k) != 0 || q[k] != ' ')
        return -1;
    q += k + 1;
    const char *nl = memchr(q, '\n', (size_t)(end - q));
    if (!nl || nl == q)
        return -1;
    *val = q;
    *vn = (size_t)(nl - q);
    *p = nl + 1;
    return 0;
}

static int parse_header(tc_batch_reader *r, const char *blank, tc_err *e);

static int read_header(tc_batch_reader *r, tc_err *e)
{
    unsigned char g[10];
    /* a file that never was a batch is bad input (exit 3); one that was
     * and is damaged is an integrity failure (CORRUPT, exit 5) */
    if (take_raw(r, g, 10, e) || memcmp(g, tc_gzip_header, 10) != 0) {
        if (r->un)   /* opened with the key, and yet no batch: altered */
            return r->failed ? e->code
                             : CORRUPT(r, e, "its sealed records do not start as a batch's do");
        unsigned char head[10];
        size_t k = 0;
        FILE *f = r->path[0] ? fopen(r->path, "rb") : NULL;
        if (f) {
            k = fread(head, 1, sizeof(head), f);
            fclose(f);
        }
        if (k == 0)
            return CORRUPT(r, e, "the file is empty");
        if (memcmp(head, tc_gzip_header, k) == 0)   /* a batch's first bytes, cut */
            return CORRUPT(r, e, "it stops inside its gzip header");
        return rfail(r, e, TC_EINPUT, "not a tongchou batch: %s",
                     "it does not start with a batch's gzip header");
    }
    tc_digest_update(r->body, g, 10);
    /* The header text is short; pull output until its blank line shows. */
    const char *blank = NULL;
    while (!blank) {
        size_t have = r->out_len;
        blank = have >= 2 ? memmem(r->out, have, "\n\n", 2) : NULL;
        if (blank)
            break;
        if (have > 8192 || r->zend)
            return CORRUPT(r, e, "its header is damaged");
        int rc = inflate_more(r, e);
        if (rc)
            return rc;
    }
    return parse_header(r, blank, e);
}

/* The header text at r->out, up to the blank line at blank, into r->h. */
static int parse_header(tc_batch_reader *r, const char *blank, tc_err *e)
{
    const char *p = (const char *)r->out, *end = blank + 1, *v;
    size_t vn;
    tc_batch_header *h = &r->h;
    char magic[32];
    if (strncmp(p, MAGIC " ", strlen(MAGIC) + 1) != 0)
        return rfail(r, e, TC_EINPUT, "not a tongchou batch: %s",
                     "a gzip file, but not a batch");
    if (p[strlen(MAGIC) + 1] >= '1' && p[strlen(MAGIC) + 1] < '0' + TC_BATCH_VERSION_MIN &&
        p[strlen(MAGIC) + 2] == '\n') {
        /* Older versions encoded records differently; there is no converting. */
        char why[96];
        snprintf(why, sizeof(why), "cannot read a batch of format version %c: it was written by "
                 "an older tongchou", p[strlen(MAGIC) + 1]);
        rfail(r, e, TC_EINPUT, "%s", why);
        tc_err_hint(e, "make the batch again from its source with this tongchou");
        return TC_EINPUT;
    }
    /* Version 4 differs only by the 'controls' line it lacks: read as
     * TC_CONTROLS_UNKNOWN, records and trailer the same. */
    for (r->version = TC_BATCH_VERSION; r->version >= TC_BATCH_VERSION_MIN; r->version--) {
        snprintf(magic, sizeof(magic), "%s %d\n", MAGIC, r->version);
        if (strncmp(p, magic, strlen(magic)) == 0)
            break;
    }
    if (r->version < TC_BATCH_VERSION_MIN) {
        char why[64];
        snprintf(why, sizeof(why), "this tongchou reads versions %d to %d", TC_BATCH_VERSION_MIN,
                 TC_BATCH_VERSION);
        return rfail(r, e, TC_EINPUT, "unsupported batch format version (%s)", why);
    }
    p += strlen(magic);
    if (header_line(&p, end, "type", &v, &vn) || !valid_name(v, vn))
        return CORRUPT(r, e, "bad 'type' line in its header");
    memcpy(h->type, v, vn);
    if (header_line(&p, end, "county", &v, &vn) || !valid_digits(v, vn, 6))
        return CORRUPT(r, e, "bad 'county' line in its header");
    memcpy(h->county, v, vn);
    if (header_line(&p, end, "pool", &v, &vn) ||
        !((vn == 1 && v[0] == '-') || valid_digits(v, vn, 6)))
        return CORRUPT(r, e, "bad 'pool' line in its header");
    if (v[0] != '-')
        memcpy(h->pool, v, vn);
    if (header_line(&p, end, "coding", &v, &vn) ||
        !((vn == 6 && memcmp(v, "county", 6) == 0) || (vn == 4 && memcmp(v, "city", 4) == 0)))
        return CORRUPT(r, e, "bad 'coding' line in its header");
    memcpy(h->coding, v, vn);
    if (header_line(&p, end, "cutover", &v, &vn) ||
        !((vn == 1 && v[0] == '-') || valid_date_text(v, vn)))
        return CORRUPT(r, e, "bad 'cutover' line in its header");
    if (v[0] != '-')
        memcpy(h->cutover, v, vn);
    if (header_line(&p, end, "source", &v, &vn) ||
        !((vn == 1 && v[0] == '-') || valid_digest_text(v, vn)))
        return CORRUPT(r, e, "bad 'source' line in its header");
    if (v[0] != '-')
        memcpy(h->source, v, vn);
    if (r->version >= 5 && (header_line(&p, end, "controls", &v, &vn) ||
                            tc_controls_parse(v, vn, &h->controls)))
        return CORRUPT(r, e, "bad 'controls' line in its header");
    if (header_line(&p, end, "mappings", &v, &vn) ||
        !((vn == 1 && v[0] == '-') || valid_digest_text(v, vn)))
        return CORRUPT(r, e, "bad 'mappings' line in its header");
    if (v[0] != '-')
        memcpy(h->mappings, v, vn);
    if (header_line(&p, end, "columns", &v, &vn))
        return CORRUPT(r, e, "bad 'columns' line in its header");
    for (const char *c = v, *ce = v + vn; c < ce;) {
        const char *sp = memchr(c, ' ', (size_t)(ce - c));
        const char *fe = sp ? sp : ce;
        const char *colon = memchr(c, ':', (size_t)(fe - c));
        if (!colon || h->ncols >= TC_MAX_COLUMNS || !valid_name(c, (size_t)(colon - c)))
            return CORRUPT(r, e, "bad 'columns' line in its header");
        tc_coltype t = tc_coltype_parse(colon + 1, (size_t)(fe - colon - 1));
        if (!t)
            return CORRUPT(r, e, "unknown column type in its header");
        memcpy(h->colname[h->ncols], c, (size_t)(colon - c));
        h->cols[h->ncols].name = h->colname[h->ncols];
        h->cols[h->ncols].type = t;
        h->ncols++;
        c = sp ? sp + 1 : ce;
        if (sp && c == ce)
            return CORRUPT(r, e, "bad 'columns' line in its header");
    }
    if (h->ncols == 0 || p != end)
        return CORRUPT(r, e, "bad 'columns' line in its header");
    find_predictors(h, r->sib, r->rcol);
    reset_values(r);
    /* Canonical form: what we would write must be exactly what is there. */
    char text[4096];
    size_t n = header_text(h, r->version, text, sizeof(text));
    if (n != (size_t)(blank + 2 - (const char *)r->out) || memcmp(text, r->out, n) != 0)
        return CORRUPT(r, e, "its header is not in canonical form");
    if (r->un && (n != r->thdrn || memcmp(text, r->thdr, n) != 0))
        return CORRUPT(r, e, "its clear header is not the sealed one");
    r->out_pos = n;
    return 0;
}

/* 1 when the file at fd starts as a sealed file does. */
static int fd_is_sealed(int fd)
{
    char head[sizeof(TC_SEAL_MAGIC)];
    ssize_t k = pread(fd, head, sizeof(head) - 1, 0);
    return k > 0 && tc_seal_is_sealed(head, (size_t)k);
}

/* The clear tail: "plain DIGEST\n", the header text (to its blank line),
 * member 2.  NULL when it is well formed, else what is wrong. */
static const char *split_tail(const unsigned char *t, size_t n, char *claim,
                              const char **hdr, size_t *hn, const unsigned char **m2,
                              size_t *m2n)
{
    const unsigned char *nl = memchr(t, '\n', n);
    if (n < 6 || memcmp(t, "plain ", 6) != 0 || !nl ||
        !valid_digest_text((const char *)t + 6, (size_t)(nl - t - 6)))
        return "its clear tail does not name the batch's digest";
    snprintf(claim, TC_DIGEST_TEXT_MAX, "%.*s", (int)(nl - t - 6), (const char *)t + 6);
    const unsigned char *h = nl + 1, *end = t + n;
    const unsigned char *blank = memmem(h, (size_t)(end - h), "\n\n", 2);
    if (!blank)
        return "its clear tail holds no header";
    *hdr = (const char *)h;
    *hn = (size_t)(blank + 2 - h);
    *m2 = blank + 2;
    *m2n = (size_t)(end - *m2);
    return NULL;
}

/* The holders a sealed file names, for messages: "sm2:..., x25519:...". */
static void holder_list(tc_unsealer *u, char *buf, size_t cap)
{
    const char *const *ids;
    size_t n = tc_unsealer_holders(u, &ids), o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", ids[i]);
}

/* Open r's file as a sealed batch, with the process's data key. */
static int open_sealed(tc_batch_reader *r, tc_err *e)
{
    int fd = dup(r->fd);
    if (fd < 0 || !(r->uf = fdopen(fd, "rb"))) {
        if (fd >= 0)
            close(fd);
        return rfail(r, e, TC_EIO, "cannot read: %s", strerror(errno));
    }
    int rc = tc_unsealer_begin(&r->un, r->uf, r->path, sealing.key, e);
    if (rc)
        return rc;
    if (!sealing.key) {
        char who[600];
        holder_list(r->un, who, sizeof(who));
        tc_err_at(e, r->path, 0, 0);
        tc_fail(e, TC_EINPUT, "the batch is sealed (encrypted at rest) for %s, and no data key "
                "was given to open it", who);
        return tc_err_hint(e, "name a holder's private key with TONGCHOU_DATA_KEY (or the "
                              "manifest's [keys] data); 'tongchou batch verify' checks its "
                              "control totals without one");
    }
    const unsigned char *t;
    size_t tn;
    if ((rc = tc_unsealer_tail(r->un, &t, &tn, e)))
        return rc;
    const char *why = split_tail(t, tn, r->plain_claim, &r->thdr, &r->thdrn, &r->m2, &r->m2n);
    if (why)
        return CORRUPT(r, e, why);
    return tc_digest_new(&r->plain, TC_DIGEST_SHA256, e);
}

static int reader_open(tc_batch_reader **out, const char *path, unsigned flags, tc_err *e)
{
    tc_batch_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    r->fd = -1;
    r->flags = flags;
    snprintf(r->path, sizeof(r->path), "%s", path);
    r->in = malloc(IN_CAP);
    r->out = malloc(OUT_CAP);
    int rc = (!r->in || !r->out) ? tc_fail(e, TC_ENOMEM, "out of memory") : 0;
    if (!rc)
        rc = tc_digest_new(&r->body, TC_DIGEST_SHA256, e);
    if (!rc) {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            tc_err_at(e, path, 0, 0);
            rc = tc_fail(e, tc_errno_code(errno), "cannot open batch: %s", strerror(errno));
        }
    }
    if (!rc && fd_is_sealed(r->fd))
        rc = open_sealed(r, e);
    if (!rc) {
        if (inflateInit2(&r->zs, -15) != Z_OK)
            rc = tc_fail(e, TC_EINTERNAL, "cannot start zlib inflate");
        else
            r->zinit = 1;
        r->crc = crc32(0L, Z_NULL, 0);
    }
    if (!rc)
        rc = read_header(r, e);
    if (rc) {
        tc_batch_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

int tc_batch_open(tc_batch_reader **out, const char *path, unsigned flags, tc_err *e)
{
    if (flags & TC_BATCH_VERIFY_FIRST) {
        int rc = tc_batch_verify(path, NULL, NULL, e);
        if (rc)
            return rc;
    }
    return reader_open(out, path, flags, e);
}

const tc_batch_header *tc_batch_header_of(const tc_batch_reader *r) { return &r->h; }
uint64_t tc_batch_record_no(const tc_batch_reader *r) { return r->recno; }
const tc_batch_summary *tc_batch_summary_of(const tc_batch_reader *r) { return &r->sum; }

/* A text column's prev1 and prev2 trade places, buffers with them. */
static inline void swap_text_r(tc_batch_reader *r, int i)
{
    tc_value v = r->vals[i];
    r->vals[i] = r->prev2[i];
    r->prev2[i] = v;
    char *s = r->t1[i];
    uint32_t cap = r->t1_cap[i];
    r->t1[i] = r->t2[i];
    r->t1_cap[i] = r->t2_cap[i];
    r->t2[i] = s;
    r->t2_cap[i] = cap;
}

static int decode(tc_batch_reader *r, const unsigned char *p, const unsigned char *end,
                  tc_err *e)
{
    for (int i = 0; i < r->h.ncols; i++) {
        tc_value *v = &r->vals[i], *v2 = &r->prev2[i];
        tc_coltype t = r->h.cols[i].type;
        uint64_t u;
        if (t == TC_COL_TEXT) {
            if (get_varint(&p, end, &u))
                return CORRUPT(r, e, "a record is malformed");
            if (u == 0)
                continue; /* prev1 again */
            if (u == 1) {
                /* prev2 again, which must differ from prev1 */
                if (v2->n == v->n && bytes_equal(v2->s, v->s, v->n))
                    return CORRUPT(r, e, "a record is not in canonical form");
                swap_text_r(r, i);
                continue;
            }
            uint64_t n = u - 2;
            if (n > (uint64_t)(end - p))
                return CORRUPT(r, e, "a record is malformed");
            if ((n == v->n && bytes_equal(p, v->s, n)) ||
                (n == v2->n && bytes_equal(p, v2->s, n)))
                return CORRUPT(r, e, "a record is not in canonical form");
            /* the literal into prev2's buffer, which becomes prev1's */
            if (n > r->t2_cap[i]) {
                uint32_t cap = r->t2_cap[i] ? r->t2_cap[i] : 32;
                while (cap < n)
                    cap *= 2;
                char *b = realloc(r->t2[i], cap);
                if (!b)
                    return rfail(r, e, TC_ENOMEM, "%s", "out of memory");
                r->t2[i] = b;
                r->t2_cap[i] = cap;
            }
            if (n)
                memcpy(r->t2[i], p, n);
            v2->s = r->t2[i] ? r->t2[i] : "";
            v2->n = (uint32_t)n;
            p += n;
            swap_text_r(r, i);
            continue;
        }
        uint64_t x, p1 = (uint64_t)v->i, p2 = (uint64_t)v2->i;
        int s = r->sib[i], rt = r->rcol[i];
        unsigned base = 1 + (s >= 0) + (rt >= 0);
        int wide = 0;
        if (get_varint(&p, end, &u)) {
            /* u of 65 bits: 2^64 + (0..base - 1), for the largest differences */
            if ((size_t)(end - p) < 10 || p[0] < 0x80 || (unsigned)(p[0] & 0x7f) >= base ||
                memcmp(p + 1, "\x80\x80\x80\x80\x80\x80\x80\x80\x02", 9) != 0)
                return CORRUPT(r, e, "a record is malformed");
            u = p[0] & 0x7f;
            p += 10;
            wide = 1;
        }
        /* the candidates besides prev1 and prev2: the sibling's value, and
         * the product of the sibling and the rate between (see
         * find_predictors); a value is named by the first of prev1, prev2,
         * sibling, product that holds it, and a difference lands on none */
        uint64_t sv = s >= 0 ? (uint64_t)r->vals[s].i : 0;
        tc_fen pv = 0;
        if (!wide && u == 0) {
            /* prev2 again, which must differ from prev1 */
            if (p2 == p1)
                return CORRUPT(r, e, "a record is not in canonical form");
            x = p2;
        } else if (!wide && u == 1 && s >= 0) {
            x = sv;
            if (x == p1 || x == p2)
                return CORRUPT(r, e, "a record is not in canonical form");
        } else if (!wide && u == 2 && product_of(r->vals, s, rt, &pv) == 0) {
            x = (uint64_t)pv;
            if (x == p1 || x == p2 || x == sv)
                return CORRUPT(r, e, "a record is not in canonical form");
        } else {
            /* wrapping: for a wide u, 2^64 + u - base */
            x = p1 + unzigzag(u - base);
            if (x != p1 && (x == p2 || (s >= 0 && x == sv) ||
                            (product_of(r->vals, s, rt, &pv) == 0 && x == (uint64_t)pv)))
                return CORRUPT(r, e, "a record is not in canonical form");
        }
        if (x != p1) {
            v2->i = (int64_t)p1;
            v->i = (int64_t)x;
        }
        if (check_value(t, v))
            return CORRUPT(r, e, "a record holds an impossible value");
        if (t == TC_COL_AMOUNT &&
            __builtin_add_overflow(r->sum.totals[i], v->i, &r->sum.totals[i]))
            return CORRUPT(r, e, "a control total overflows");
    }
    if (p != end)
        return CORRUPT(r, e, "a record is malformed");
    return 0;
}

int tc_batch_next(tc_batch_reader *r, const tc_value **vals, tc_err *e)
{
    if (r->failed)
        return tc_fail(e, TC_EINTERNAL, "reading a batch after it failed");
    if (r->done)
        return 0;
    int rc = need_out(r, 10, e);
    if (rc)
        return rc;
    const unsigned char *p = r->out + r->out_pos, *lim = r->out + r->out_len;
    uint64_t len;
    if (get_varint(&p, lim, &len))
        return CORRUPT(r, e, r->zend ? "the records end without their end marker"
                                     : "a record's length is malformed");
    while (len == 1) {
        /* Reset: the records after it are decoded afresh. */
        reset_values(r);
        r->out_pos = (size_t)(p - r->out);
        rc = need_out(r, 10, e);
        if (rc)
            return rc;
        p = r->out + r->out_pos;
        lim = r->out + r->out_len;
        if (get_varint(&p, lim, &len))
            return CORRUPT(r, e, r->zend ? "the records end without their end marker"
                                         : "a record's length is malformed");
    }
    if (len == 0) {
        /* End marker: it must be the last byte of member 1. */
        r->out_pos = (size_t)(p - r->out);
        if (r->out_pos != r->out_len)
            return CORRUPT(r, e, "bytes follow the records' end marker");
        if (!r->zend) {
            rc = inflate_more(r, e);
            if (rc)
                return rc;
            if (r->out_len != r->out_pos || !r->zend)
                return CORRUPT(r, e, "bytes follow the records' end marker");
        }
        rc = finish(r, e);
        if (rc)
            return rc;
        r->done = 1;
        return 0;
    }
    len--; /* written as length + 1, after the end (0) and reset (1) */
    if (len > TC_BATCH_MAX_RECORD)
        return CORRUPT(r, e, "a record's length is impossible");
    size_t hdr = (size_t)(p - (r->out + r->out_pos));
    rc = need_out(r, hdr + (size_t)len, e);
    if (rc)
        return rc;
    if (r->out_len - r->out_pos < hdr + len)
        return CORRUPT(r, e, "the records end in the middle of a record");
    p = r->out + r->out_pos + hdr;
    r->recno++;
    r->sum.count++;
    rc = decode(r, p, p + len, e);
    if (rc)
        return rc;
    r->out_pos += hdr + (size_t)len;
    *vals = r->vals;
    return 1;
}

void tc_batch_close(tc_batch_reader *r)
{
    if (!r)
        return;
    if (r->zinit)
        inflateEnd(&r->zs);
    if (r->fd >= 0)
        close(r->fd);
    tc_unsealer_free(r->un);
    if (r->uf)
        fclose(r->uf);
    tc_digest_free(r->plain);
    tc_digest_free(r->body);
    free(r->in);
    free(r->out);
    for (int i = 0; i < TC_MAX_COLUMNS; i++) {
        free(r->t1[i]);
        free(r->t2[i]);
    }
    free(r);
}

/* "NAME VALUE\n" at *p with VALUE a signed decimal: its value. */
static int trailer_number(const char **p, const char *end, const char *name, int64_t *out)
{
    const char *v;
    size_t vn;
    if (header_line(p, end, name, &v, &vn))
        return -1;
    tc_fen x;
    tc_err ignored;
    tc_err_clear(&ignored);
    return tc_money_parse_fen(v, vn, &x, &ignored) ? -1 : (*out = x, 0);
}

int tc_batch_verify_clear(const char *path, tc_batch_header *h, tc_batch_summary *sum,
                          tc_err *e)
{
    tc_batch_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    r->fd = -1;
    snprintf(r->path, sizeof(r->path), "%s", path);
    int rc = 0;
    if (!(r->uf = fopen(path, "rb"))) {
        tc_err_at(e, path, 0, 0);
        rc = tc_fail(e, tc_errno_code(errno), "cannot open batch: %s", strerror(errno));
    }
    if (!rc)
        rc = tc_unsealer_begin(&r->un, r->uf, path, NULL, e);
    const unsigned char *t, *m2 = NULL;
    size_t tn, m2n = 0;
    if (!rc)
        rc = tc_unsealer_tail(r->un, &t, &tn, e);
    if (!rc) {
        const char *why = split_tail(t, tn, r->plain_claim, &r->thdr, &r->thdrn, &m2, &m2n);
        if (why)
            rc = CORRUPT(r, e, why);
    }
    if (!rc && !(r->out = malloc(r->thdrn + 1)))
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    if (!rc) {
        memcpy(r->out, r->thdr, r->thdrn);
        r->out_len = r->thdrn;
        rc = parse_header(r, (const char *)r->out + r->thdrn - 2, e);
    }
    /* member 2: the stored member that the trailer text gives, exactly */
    size_t n = m2n > 23 ? (size_t)m2[11] | (size_t)m2[12] << 8 : 0;
    if (!rc && (m2n < 23 || n + 23 != m2n))
        rc = CORRUPT(r, e, "its clear trailer is damaged");
    if (!rc) {
        const char *p = (const char *)m2 + 15, *end = p + n, *v;
        size_t vn;
        tc_batch_summary s = {0};
        int64_t count;
        int bad = trailer_number(&p, end, "count", &count) || count < 0;
        s.count = (uint64_t)count;
        for (int i = 0; i < r->h.ncols && !bad; i++)
            if (r->h.cols[i].type == TC_COL_AMOUNT) {
                char key[48];
                snprintf(key, sizeof(key), "total %s", r->h.colname[i]);
                bad = trailer_number(&p, end, key, &s.totals[i]);
            }
        if (!bad && !header_line(&p, end, "body", &v, &vn) && valid_digest_text(v, vn) &&
            p == end)
            snprintf(s.body, sizeof(s.body), "%.*s", (int)vn, v);
        else
            bad = 1;
        char text[TRAILER_CAP];
        unsigned char want[TRAILER_CAP + 32];
        size_t tn2 = bad ? 0 : trailer_text(&r->h, &s, text, sizeof(text));
        if (bad || stored_member(text, tn2, want) != m2n || memcmp(want, m2, m2n) != 0)
            rc = CORRUPT(r, e, "its clear trailer is damaged");
        else
            r->sum = s;
    }
    if (!rc && h) {
        *h = r->h;
        for (int i = 0; i < h->ncols; i++)
            h->cols[i].name = h->colname[i];
    }
    if (!rc && sum)
        *sum = r->sum;
    tc_batch_close(r);
    return rc;
}

int tc_batch_digest(const char *path, char *text, tc_err *e)
{
    if (!tc_batch_is_sealed(path))
        return tc_digest_file(TC_DIGEST_SHA256, path, text, e);
    FILE *f = fopen(path, "rb");
    if (!f) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot open batch: %s", strerror(errno));
    }
    tc_unsealer *u = NULL;
    const unsigned char *t, *m2;
    const char *hdr;
    size_t tn, hn, m2n;
    int rc = tc_unsealer_begin(&u, f, path, NULL, e);
    if (!rc)
        rc = tc_unsealer_tail(u, &t, &tn, e);
    if (!rc && split_tail(t, tn, text, &hdr, &hn, &m2, &m2n)) {
        tc_err_at(e, path, 0, 0);
        rc = tc_fail(e, TC_EINTEGRITY, "not a whole batch: its clear tail is damaged");
    }
    tc_unsealer_free(u);
    fclose(f);
    return rc;
}

int tc_batch_unseal(const char *path, const char *out, tc_err *e)
{
    tc_batch_reader *r = NULL;
    tc_atomic *a = NULL;
    unsigned char *buf = NULL;
    int rc = 0;
    if (!tc_batch_is_sealed(path)) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EINPUT, "the batch is not sealed: there is nothing to unseal");
    }
    if (!(r = calloc(1, sizeof(*r))) || !(buf = malloc(IN_CAP)))
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    if (!rc) {
        snprintf(r->path, sizeof(r->path), "%s", path);
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            tc_err_at(e, path, 0, 0);
            rc = tc_fail(e, tc_errno_code(errno), "cannot open batch: %s", strerror(errno));
        }
    }
    if (!rc)
        rc = open_sealed(r, e);
    if (!rc)
        rc = tc_atomic_open(&a, out, e);
    /* the bytes as unsealed, whose digest the clear tail names */
    for (ssize_t k = 1; !rc && k > 0;) {
        rc = sealed_read(r, buf, IN_CAP, &k, e);
        if (!rc && k > 0 && fwrite(buf, 1, (size_t)k, tc_atomic_file(a)) != (size_t)k)
            rc = tc_fail(e, TC_EIO, "cannot write %s: %s", out, strerror(errno));
    }
    if (!rc) {
        char d[TC_DIGEST_TEXT_MAX];
        tc_digest_final_text(r->plain, d);
        if (strcmp(d, r->plain_claim) != 0)
            rc = CORRUPT(r, e, "its sealed records are not the batch its clear tail names");
    }
    if (!rc) {
        rc = tc_atomic_commit(a, e);
        a = NULL;
    }
    tc_atomic_abort(a);
    free(buf);
    if (r)
        tc_batch_close(r);
    return rc;
}

int tc_batch_is_sealed(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int sealed = fd >= 0 && fd_is_sealed(fd);
    if (fd >= 0)
        close(fd);
    return sealed;
}

int tc_batch_verify(const char *path, tc_batch_header *h, tc_batch_summary *sum, tc_err *e)
{
    tc_batch_reader *r;
    int rc = reader_open(&r, path, 0, e);
    if (rc)
        return rc;
    const tc_value *v;
    while ((rc = tc_batch_next(r, &v, e)) == 1)
        ;
    if (rc == 0) {
        if (h)
            *h = r->h;
        if (h)
            for (int i = 0; i < h->ncols; i++)
                h->cols[i].name = h->colname[i];
        if (sum)
            *sum = r->sum;
    }
    tc_batch_close(r);
    return rc;
}
