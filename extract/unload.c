/*
 * unload.c - see unload.h.
 *
 * One file at a time, in an order that lets every row be taken as it comes:
 * the tables other tables join to first (kj_pz before kj_pzmx), then the
 * rest in the profile's order.  A file goes through three steps:
 *
 *   bytes    gzread on a read-ahead thread (core/readahead.h), counted and
 *            MD5-hashed for the check file when it asks for them;
 *   text     decoded to UTF-8: ASCII runs copied, multibyte runs of GB18030
 *            given to iconv, UTF-8 validated.  Only decoded text is split,
 *            since a GB18030 trail byte can be any of 0x40-0x7E;
 *   records  split at the delimiter - a plain line with memchr, a line with
 *            backslashes or quotes by a small state machine that also
 *            finds records whose quoted fields hold newlines - then fed to
 *            rows_fields() (dump.c), which converts values and emits.
 *
 * Memory: a 256 KiB read block, the decoded text of the records not yet
 * taken (one record may grow it up to the record limit), nothing per row.
 */
#include "extract/unload.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "core/jcs.h"
#include "core/readahead.h"
#include "extract/dump_int.h"

#define BLOCK (1 << 18)
#define DEFAULT_MAX_RECORD (64L << 20)

static long max_record = DEFAULT_MAX_RECORD;

void tc_unload_set_max_record(long bytes) { max_record = bytes > 0 ? bytes : DEFAULT_MAX_RECORD; }

int tc_unload_profile(const tc_profile *p) { return p->unload.on; }

int tc_unload_has_checks(const tc_profile *p) { return p->unload.on && !p->unload.check_none; }

/* ------------------------------------------------------------ one file */

typedef struct ufile {
    const punload *u;
    const punload_table *t;
    const char *path;          /* the data file */
    rows *R;
    tc_err *e;
    gzFile gz;
    tc_readahead *bg;
    iconv_t cd;                /* GB18030 to UTF-8, or (iconv_t)-1 */
    EVP_MD_CTX *md5;           /* when the check file gives an MD5 */
    /* bytes as read, before decoding */
    unsigned char raw[BLOCK + 8];
    size_t tail;               /* an incomplete character kept from the block before */
    long long off;             /* file offset of raw[0] */
    long long bytes;           /* bytes read so far */
    int eof;
    /* decoded text: [pos, len) not taken yet */
    char *text;
    size_t cap, len, pos;
    long lineno;               /* lines taken */
    long long records;         /* data records (not the header) */
    /* the record being split */
    char **f;
    size_t *fl;
    int *fnull;
} ufile;

/* Refusal at the file's line (and field, when known). */
static int at(ufile *F, long line, long field, int code)
{
    tc_err_at(F->e, F->path, line, field);
    return code;
}

/* The line and field position of the text at p (not yet taken): for a
 * decoding failure, which is found before its record is split. */
static void where_in_text(ufile *F, size_t p, long *line, long *field)
{
    *line = F->lineno + 1;
    *field = 1;
    size_t start = F->pos;
    for (size_t i = F->pos; i < p; i++)
        if (F->text[i] == '\n')
            (*line)++, start = i + 1;
    const punload *u = F->u;
    for (size_t i = start; i + (size_t)u->ndelim <= p; i++)
        if (memcmp(F->text + i, u->delim, (size_t)u->ndelim) == 0)
            (*field)++, i += (size_t)u->ndelim - 1;
}

static int bad_bytes(ufile *F, const unsigned char *b, size_t avail, long long off)
{
    long line, field;
    where_in_text(F, F->len, &line, &field);
    char hex[16] = "";
    size_t k = avail < 4 ? avail : 4;
    for (size_t i = 0, o = 0; i < k; i++)
        o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%s%02X", i ? " " : "", b[i]);
    tc_fail(F->e, TC_EINPUT, "byte offset %lld (%s): not valid %s", off, hex,
            F->u->gb18030 ? "GB18030" : "UTF-8");
    tc_err_hint(F->e, "the profile says the unload is %s; if the file is in another encoding "
                "say so (encoding = ...), else unload it again",
                F->u->gb18030 ? "GB18030" : "UTF-8");
    return at(F, line, field, TC_EINPUT);
}

/* Make room for n more bytes of text. */
static int text_room(ufile *F, size_t n)
{
    if (F->pos && F->len + n > F->cap) {
        memmove(F->text, F->text + F->pos, F->len - F->pos);
        F->len -= F->pos;
        F->pos = 0;
    }
    if (F->len + n <= F->cap)
        return 0;
    size_t cap = F->cap ? F->cap : BLOCK * 4;
    while (cap < F->len + n)
        cap *= 2;
    char *t = realloc(F->text, cap + 1);
    if (!t)
        return tc_fail(F->e, TC_ENOMEM, "out of memory");
    F->text = t;
    F->cap = cap;
    return 0;
}

/* The length of the GB18030 character at b (avail bytes): 1, 2 or 4; 0
 * when it is cut by the block's end; -1 when its first bytes are invalid. */
static int gb_len(const unsigned char *b, size_t avail)
{
    if (b[0] < 0x80)
        return 1;
    if (b[0] == 0x80 || b[0] == 0xFF)
        return -1;
    if (avail < 2)
        return 0;
    if (b[1] >= 0x30 && b[1] <= 0x39)
        return avail < 4 ? 0 : 4;
    return 2;
}

/* Decode raw[0..n) (n including the kept tail) onto the text. */
static int decode(ufile *F, size_t n)
{
    int rc = text_room(F, n * 2 + 8);
    if (rc)
        return rc;
    const unsigned char *b = F->raw;
    size_t i = 0;
    while (i < n) {
        /* ASCII run, a word at a time */
        size_t j = i;
        for (uint64_t w; j + 8 <= n; j += 8) {
            memcpy(&w, b + j, 8);
            if (w & 0x8080808080808080ull)
                break;
        }
        while (j < n && b[j] < 0x80)
            j++;
        memcpy(F->text + F->len, b + i, j - i);
        F->len += j - i;
        i = j;
        if (i == n)
            break;
        if (!F->u->gb18030) {
            uint32_t cp;
            size_t k = 0;
            while (i < n && b[i] >= 0x80 && (k = tc_utf8_decode(b + i, n - i, &cp)) > 0) {
                memcpy(F->text + F->len, b + i, k);
                F->len += k;
                i += k;
            }
            if (i < n && b[i] >= 0x80) {
                if (!F->eof && n - i < 4)
                    break;   /* cut by the block: wait for the rest */
                return bad_bytes(F, b + i, n - i, F->off + (long long)i);
            }
            continue;
        }
        /* a run of GB18030 multibyte characters, whole, to iconv */
        size_t s = i;
        int k = 0;
        while (i < n && b[i] >= 0x80 && (k = gb_len(b + i, n - i)) > 1)
            i += (size_t)k;
        if (i > s) {
            char *in = (char *)b + s, *out = F->text + F->len;
            size_t inleft = i - s, outleft = F->cap - F->len;
            iconv(F->cd, NULL, NULL, NULL, NULL);
            if (iconv(F->cd, &in, &inleft, &out, &outleft) == (size_t)-1) {
                size_t at_ = (size_t)(in - (char *)b);
                F->len = (size_t)(out - F->text);
                return bad_bytes(F, b + at_, n - at_, F->off + (long long)at_);
            }
            F->len = (size_t)(out - F->text);
        }
        if (i < n && b[i] >= 0x80) {
            if (k == 0 && !F->eof)
                break;
            return bad_bytes(F, b + i, n - i, F->off + (long long)i);
        }
    }
    /* keep what the block cut, for the next one */
    F->tail = n - i;
    memmove(F->raw, b + i, F->tail);
    F->off += (long long)i;
    return 0;
}

/* More text: 1, 0 at the end of the file, or an error. */
static int more(ufile *F)
{
    if (F->eof)
        return 0;
    int r = tc_readahead_read(F->bg, (char *)F->raw + F->tail, BLOCK);
    if (r < 0) {
        tc_fail(F->e, TC_EINPUT, "the gzip data is %s", r == -2 ? "cut short" : "damaged");
        tc_err_hint(F->e, "the file is truncated or corrupt; copy it again");
        return at(F, F->lineno + 1, 0, TC_EINPUT);
    }
    if (r == 0)
        F->eof = 1;
    F->bytes += r;
    if (F->md5 && r > 0)
        EVP_DigestUpdate(F->md5, F->raw + F->tail, (size_t)r);
    int rc = decode(F, F->tail + (size_t)r);
    if (rc)
        return rc;
    if (F->eof && F->tail)
        return bad_bytes(F, F->raw, F->tail, F->off);
    return 1;
}

/* ------------------------------------------------------------- records */

/*
 * The end of the record starting at F->pos: *end is its last byte + 1
 * (before the newline), *next where the next one starts, *lines how many
 * newlines it holds (quoted ones included).  1 found, 0 need more text.
 */
static int record_end(ufile *F, size_t *end, size_t *next, long *lines)
{
    const punload *u = F->u;
    *lines = 0;
    if (F->pos >= F->len)
        return 0;   /* no text yet (F->text may be NULL), or all of it taken */
    char *s = F->text + F->pos, *lim = F->text + F->len;
    if (!u->quote) {
        char *nl = memchr(s, '\n', (size_t)(lim - s));
        if (!nl) {
            if (!F->eof)
                return 0;
            *end = *next = F->len;   /* a last line without its newline */
            return F->len > F->pos;
        }
        *end = (size_t)(nl - F->text);
        *next = *end + 1;
        *lines = 1;
        return 1;
    }
    /* most lines hold no quote at all: the newline ends them */
    char *nl = memchr(s, '\n', (size_t)(lim - s));
    if (nl && !memchr(s, u->quote, (size_t)(nl - s))) {
        *end = (size_t)(nl - F->text);
        *next = *end + 1;
        *lines = 1;
        return 1;
    }
    /* quoted fields may hold newlines: a quote opens only at a field's start */
    int inq = 0, start = 1;
    long nls = 0;
    for (char *p = s; p < lim; p++) {
        char c = *p;
        if (inq) {
            if (c == u->quote) {
                if (u->escape == UE_DOUBLE && p + 1 < lim && p[1] == u->quote)
                    p++;
                else if (u->escape == UE_DOUBLE && p + 1 == lim && !F->eof)
                    return 0;   /* a doubled quote may be cut by the text's end */
                else
                    inq = 0;
            } else if (c == '\n') {
                nls++;
            }
            continue;
        }
        if (c == '\n') {
            *end = (size_t)(p - F->text);
            *next = *end + 1;
            *lines = nls + 1;
            return 1;
        }
        if (start && c == u->quote) {
            inq = 1;
            start = 0;
            continue;
        }
        size_t nd = (size_t)u->ndelim;
        if ((size_t)(lim - p) < nd && !F->eof)
            return 0;   /* a delimiter may be cut by the text's end */
        start = (size_t)(lim - p) >= nd && memcmp(p, u->delim, nd) == 0;
        if (start)
            p += nd - 1;
    }
    if (!F->eof)
        return 0;
    *end = *next = F->len;
    *lines = nls;
    return F->len > F->pos;
}

/* Split the record [s, s+n) into F->f...; the field count, or -1 with a
 * refusal (a stray quote); more fields than the table's are counted but
 * not kept. */
static int split(ufile *F, char *s, size_t n, long line)
{
    const punload *u = F->u;
    const int cols = F->t->ncols;
    char *p = s, *lim = s + n;
    int nf = 0;
    const size_t nd = (size_t)u->ndelim;
    const int bs = u->escape == UE_BACKSLASH && memchr(s, '\\', n);
    for (;;) {
        char *fs = p, *fe;
        int quoted = 0;
        size_t flen;
        if (u->quote && p < lim && *p == u->quote) {
            /* quoted: up to the closing quote, doubled quotes made one */
            quoted = 1;
            char *o = p;
            for (p++;; p++) {
                if (p >= lim) {
                    tc_fail(F->e, TC_EINPUT, "field %d opens a quote that the record never "
                            "closes", nf + 1);
                    return at(F, line, nf + 1, TC_EINPUT), -1;
                }
                if (*p == u->quote) {
                    if (u->escape == UE_DOUBLE && p + 1 < lim && p[1] == u->quote) {
                        *o++ = *p++;
                        continue;
                    }
                    break;
                }
                *o++ = *p;
            }
            flen = (size_t)(o - fs);
            p++;
            if (p < lim && !((size_t)(lim - p) >= nd && memcmp(p, u->delim, nd) == 0)) {
                tc_fail(F->e, TC_EINPUT, "field %d: text after its closing quote", nf + 1);
                tc_err_hint(F->e, "a quoted field ends at its closing quote; a quote inside is "
                            "written doubled (\"\")");
                return at(F, line, nf + 1, TC_EINPUT), -1;
            }
            fe = p;
        } else if (bs) {
            /* a delimiter after a backslash is data (COPY writes a '|' in data as \|) */
            for (fe = p; fe < lim; fe++) {
                if (*fe == '\\' && fe + 1 < lim) {
                    fe++;
                    continue;
                }
                if ((size_t)(lim - fe) >= nd && memcmp(fe, u->delim, nd) == 0)
                    break;
            }
            flen = (size_t)(fe - fs);
            p = fe;
        } else {
            fe = nd == 1 ? memchr(p, u->delim[0], (size_t)(lim - p)) : NULL;
            if (nd > 1)
                for (char *q = p; q + nd <= lim && (q = memchr(q, u->delim[0], (size_t)(lim - q)));
                     q++)
                    if ((size_t)(lim - q) >= nd && memcmp(q, u->delim, nd) == 0) {
                        fe = q;
                        break;
                    }
            if (!fe)
                fe = lim;
            flen = (size_t)(fe - fs);
            if (u->quote && memchr(fs, u->quote, flen)) {
                tc_fail(F->e, TC_EINPUT, "field %d: a quote inside a field that does not "
                        "start with one", nf + 1);
                tc_err_hint(F->e, "a field holding the quote character is written quoted, "
                            "the quote doubled");
                return at(F, line, nf + 1, TC_EINPUT), -1;
            }
            p = fe;
        }
        if (nf < cols) {
            int isnull = !quoted && flen == (size_t)u->nnull &&
                         memcmp(fs, u->null, (size_t)u->nnull) == 0;
            F->fnull[nf] = isnull;
            F->f[nf] = fs;
            F->fl[nf] = isnull ? 0 : flen;
            if (!isnull && !quoted && bs && memchr(fs, '\\', flen))
                F->fl[nf] = copy_unescape(fs, flen);
            if (!isnull && memchr(fs, '\0', F->fl[nf])) {
                if (u->empty_nul && F->fl[nf] == 1) {
                    F->fl[nf] = 0;   /* bcp's empty text */
                } else {
                    tc_fail(F->e, TC_EINPUT, "field %d holds a NUL byte", nf + 1);
                    tc_err_hint(F->e, "an unload is text; bcp writes an empty text as one NUL "
                                "byte, which the profile reads with empty = nul");
                    return at(F, line, nf + 1, TC_EINPUT), -1;
                }
            }
        }
        nf++;
        if (p >= lim)
            break;
        p += nd;   /* past the delimiter: a field follows, perhaps empty */
        if (p == lim) {
            if (nf < cols) {
                F->fnull[nf] = u->nnull == 0;
                F->f[nf] = p;
                F->fl[nf] = 0;
            }
            nf++;
            break;
        }
    }
    return nf;
}

/* Header names: each the profile's column, as written or folded. */
static int check_header(ufile *F, int nf, long line, const char *prof_path)
{
    const punload_table *t = F->t;
    for (int i = 0; i < nf && i < t->ncols; i++) {
        char name[PNAME] = "";
        const char *s = F->f[i];
        size_t n = F->fl[i];
        int same = n == strlen(t->cols[i]) && memcmp(s, t->cols[i], n) == 0;
        if (!same && n < PNAME) {
            char raw[PNAME];
            memcpy(raw, s, n);
            raw[n] = '\0';
            const char *q = raw;
            same = pident_parse(&q, name) == 0 && !*q && strcmp(name, t->cols[i]) == 0;
        }
        if (!same) {
            tc_fail(F->e, TC_EINPUT, "the header names column %d '%.*s', the profile %s",
                    i + 1, (int)(n < 64 ? n : 64), s, t->cols[i]);
            tc_err_hint(F->e, "the columns of [unload %s] (%s line %d) must be the file's, in "
                        "its order", t->table, prof_path, t->line);
            return at(F, line, i + 1, TC_EINPUT);
        }
    }
    return 0;
}

static int take(ufile *F)
{
    const punload *u = F->u;
    int rc;
    int header = u->header;
    for (;;) {
        size_t end, next;
        long lines;
        int r;
        while ((r = record_end(F, &end, &next, &lines)) == 0) {
            if (F->len - F->pos > (size_t)max_record) {
                tc_fail(F->e, TC_EINPUT, "a record longer than %ld bytes, the most an unload "
                        "record may hold", max_record);
                tc_err_hint(F->e, "is the delimiter or the quote right? a quote never closed "
                            "makes the rest of the file one field");
                return at(F, F->lineno + 1, 0, TC_EINPUT);
            }
            if (F->eof)
                break;
            if ((rc = more(F)) < 0)
                return rc;
        }
        if (r == 0)
            return 0;   /* the end */
        long line = F->lineno + 1;
        char *s = F->text + F->pos;
        size_t n = end - F->pos;
        if (n > (size_t)max_record) {
            tc_fail(F->e, TC_EINPUT, "a record of %zu bytes, longer than the %ld an unload "
                    "record may hold", n, max_record);
            return at(F, line, 0, TC_EINPUT);
        }
        if (u->crlf) {
            if ((!n || s[n - 1] != '\r') && next > end) {
                tc_fail(F->e, TC_EINPUT, "the line ends without CR LF, which the profile says "
                        "every line ends with (newline = crlf)");
                return at(F, line, 0, TC_EINPUT);
            }
            if (n && s[n - 1] == '\r')
                n--;
        } else if (n && s[n - 1] == '\r') {
            tc_fail(F->e, TC_EINPUT, "the line ends in CR LF, the profile says LF");
            tc_err_hint(F->e, "a file written on Windows (bcp) ends its lines in CR LF: say "
                        "newline = crlf in [unload]");
            return at(F, line, 0, TC_EINPUT);
        }
        F->pos = next;
        F->lineno += lines ? lines : 1;
        int nf = split(F, s, n, line);
        if (nf < 0)
            return F->e->code;
        if (nf != F->t->ncols) {
            tc_fail(F->e, TC_EINPUT, "%d fields where the profile names %d columns for table %s",
                    nf, F->t->ncols, F->t->table);
            tc_err_hint(F->e, "the delimiter, quote or column list of the profile (%s line %d) "
                        "does not fit this file, or the line is damaged", u->path, F->t->line);
            return at(F, line, nf > F->t->ncols ? F->t->ncols + 1 : nf, TC_EINPUT);
        }
        if (header) {
            header = 0;
            if ((rc = check_header(F, nf, line, u->path)))
                return rc;
            continue;
        }
        F->records++;
        if ((rc = rows_fields(F->R, F->f, F->fl, F->fnull, nf, line)))
            return rc;
    }
}

/* ------------------------------------------------------------ check files */

typedef struct check {
    char path[4200];
    long long rows, bytes;     /* -1 when not given */
    char md5[33];              /* "" when not given */
    char name[256];
} check;

static int check_bad(const char *path, int line, tc_err *e, const char *fmt, const char *v)
{
    tc_fail(e, TC_EINPUT, fmt, v);
    tc_err_hint(e, "the profile's check_fields say what the check file holds, in order "
                "(docs/profiles.md, \"Check files\")");
    tc_err_at(e, path, line, 0);
    return TC_EINPUT;
}

static int read_check(const punload *u, check *c, tc_err *e)
{
    c->rows = c->bytes = -1;
    c->md5[0] = c->name[0] = '\0';
    FILE *f = fopen(c->path, "rb");
    if (!f) {
        tc_fail(e, TC_EINPUT, "the check file %s is missing: %s", c->path, strerror(errno));
        tc_err_hint(e, "every unload file comes with a check file giving its row count (check "
                    "= %s in %s); ask the county for it, or if their tool writes none say "
                    "check = none, and the reports will say the source came without control "
                    "totals", u->check, u->path);
        return TC_EINPUT;
    }
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (n == sizeof(buf) - 1 || memchr(buf, '\0', n))
        return check_bad(c->path, 1, e, "%s is not a check file (binary, or over 1 KiB)", c->path);
    char *nl = strpbrk(buf, "\r\n");   /* its first line */
    if (nl)
        *nl = '\0';
    char *s = buf;
    for (int i = 0; i < u->ncheck_f; i++) {
        size_t k;
        if (u->check_delim) {
            k = strcspn(s, (char[]){u->check_delim, 0});
        } else {
            s += strspn(s, " \t|,");
            k = strcspn(s, " \t|,");
        }
        if (!k && u->check_f[i] != UC_SKIP)
            return check_bad(c->path, 1, e, "the check line has fewer fields than check_fields "
                             "names (%s)", "docs/profiles.md");
        char v[256];
        snprintf(v, sizeof(v), "%.*s", (int)(k < 255 ? k : 255), s);
        switch (u->check_f[i]) {
        case UC_ROWS:
        case UC_BYTES: {
            long long x = 0;
            if (!k || k > 18 || strspn(v, "0123456789") != k)
                return check_bad(c->path, 1, e, "'%s' is not a count (digits)", v);
            for (size_t j = 0; j < k; j++)
                x = x * 10 + (v[j] - '0');
            if (u->check_f[i] == UC_ROWS)
                c->rows = x;
            else
                c->bytes = x;
            break;
        }
        case UC_MD5:
            if (k != 32 || strspn(v, "0123456789abcdefABCDEF") != 32)
                return check_bad(c->path, 1, e, "'%s' is not an MD5 (32 hex digits)", v);
            for (int j = 0; j < 32; j++)
                c->md5[j] = (char)(v[j] | (v[j] >= 'A' ? 0x20 : 0));
            c->md5[32] = '\0';
            break;
        case UC_NAME:
            snprintf(c->name, sizeof(c->name), "%s", v);
            break;
        }
        s += k;
        if (u->check_delim && *s == u->check_delim)
            s++;
    }
    return 0;
}

/* ---------------------------------------------------------------- files */

/* pattern with {table}, {TABLE}, {file}, {stem} filled in. */
static void expand(const char *pat, const char *table, const char *file, char *out, size_t n)
{
    size_t o = 0;
    for (const char *s = pat; *s && o + 1 < n;) {
        const char *v = NULL;
        char up[PNAME];
        size_t skip = 0, vn = 0;
        if (strncmp(s, "{table}", 7) == 0)
            v = table, skip = 7;
        else if (strncmp(s, "{TABLE}", 7) == 0) {
            for (vn = 0; table[vn] && vn + 1 < sizeof(up); vn++)
                up[vn] = (char)(table[vn] >= 'a' && table[vn] <= 'z' ? table[vn] - 32 : table[vn]);
            up[vn] = '\0';
            v = up, skip = 7;
        } else if (strncmp(s, "{file}", 6) == 0)
            v = file, skip = 6;
        else if (strncmp(s, "{stem}", 6) == 0) {
            const char *dot = strrchr(file, '.');
            vn = dot ? (size_t)(dot - file) : strlen(file);
            snprintf(up, sizeof(up), "%.*s", (int)(vn < sizeof(up) - 1 ? vn : sizeof(up) - 1), file);
            v = up, skip = 6;
        }
        if (v) {
            o += (size_t)snprintf(out + o, n - o, "%s", v);
            if (o >= n)
                o = n - 1;
            s += skip;
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
}

/* The data file of table t in dir: its name (without a .gz the pattern
 * does not give) into name, its path into path. */
static int find_file(const char *dir, const punload *u, const punload_table *t, char *name,
                     size_t nn, char *path, size_t pn, tc_err *e)
{
    char pat[UPATTERN + 4 * PNAME];
    expand(t->file[0] ? t->file : u->file, t->table, "", pat, sizeof(pat));
    struct stat st;
    if (!strchr(pat, '*')) {
        snprintf(name, nn, "%s", pat);
        snprintf(path, pn, "%s/%s", dir, pat);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            return 0;
        snprintf(path, pn, "%s/%s.gz", dir, pat);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            return 0;
        tc_fail(e, TC_EINPUT, "no unload file %s (or %s.gz) for table %s in %s", pat, pat,
                t->table, dir);
        tc_err_hint(e, "the profile (%s) names each table's file with file = ...; is this the "
                    "folder of the county's unload, and the profile the one for their tool?",
                    u->path);
        return TC_EINPUT;
    }
    DIR *D = opendir(dir);
    if (!D)
        return tc_fail(e, TC_EIO, "cannot read %s: %s", dir, strerror(errno));
    char gzpat[sizeof(pat) + 3];
    snprintf(gzpat, sizeof(gzpat), "%s.gz", pat);
    int found = 0;
    char other[256] = "";
    for (struct dirent *de; (de = readdir(D));) {
        if (de->d_name[0] == '.' ||
            (fnmatch(pat, de->d_name, 0) != 0 && fnmatch(gzpat, de->d_name, 0) != 0))
            continue;
        const char *ext = strrchr(de->d_name, '.');   /* a check file is not data */
        if (ext && (strcmp(ext, ".chk") == 0 || strcmp(ext, ".ok") == 0 ||
                    strcmp(ext, ".flg") == 0 || strcmp(ext, ".md5") == 0))
            continue;
        if (found++) {
            snprintf(other, sizeof(other), "%s", de->d_name);
            continue;
        }
        snprintf(name, nn, "%s", de->d_name);
    }
    closedir(D);
    if (found != 1) {
        if (found)
            tc_fail(e, TC_EINPUT, "%d files in %s match %s for table %s (%s and %s)", found, dir,
                    pat, t->table, name, other);
        else
            tc_fail(e, TC_EINPUT, "no file in %s matches %s for table %s", dir, pat, t->table);
        tc_err_hint(e, "one file per table: the profile's file pattern (%s) must match exactly "
                    "one", u->path);
        return TC_EINPUT;
    }
    snprintf(path, pn, "%s/%s", dir, name);
    size_t k = strlen(name);
    if (k > 3 && strcmp(name + k - 3, ".gz") == 0 && fnmatch(pat, name, 0) != 0)
        name[k - 3] = '\0';
    return 0;
}

static int read_table(const char *dir, const tc_profile *p, const punload_table *t, rows *R,
                      tc_err *e)
{
    const punload *u = &p->unload;
    char name[256], path[4200];
    int rc = find_file(dir, u, t, name, sizeof(name), path, sizeof(path), e);
    if (rc)
        return rc;
    check c = {.rows = -1};
    int want_md5 = 0;
    if (!u->check_none) {
        char cn[UPATTERN + 512];
        expand(u->check, t->table, name, cn, sizeof(cn));
        snprintf(c.path, sizeof(c.path), "%s/%s", dir, cn);
        if ((rc = read_check(u, &c, e)))
            return rc;
        if (c.name[0] && strcmp(c.name, name) != 0) {
            tc_fail(e, TC_EINPUT, "the check file names the file %s, not %s", c.name, name);
            tc_err_at(e, c.path, 1, 0);
            return TC_EINPUT;
        }
        want_md5 = c.md5[0] != 0;
    }
    ufile *F = calloc(1, sizeof(*F));
    if (!F)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    F->u = u;
    F->t = t;
    F->path = path;
    F->R = R;
    F->e = e;
    F->cd = (iconv_t)-1;
    F->f = malloc((size_t)t->ncols * sizeof(*F->f));
    F->fl = malloc((size_t)t->ncols * sizeof(*F->fl));
    F->fnull = malloc((size_t)t->ncols * sizeof(*F->fnull));
    if (!F->f || !F->fl || !F->fnull)
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    if (!rc && u->gb18030 && (F->cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1)
        rc = tc_fail(e, TC_EINTERNAL, "iconv cannot convert from GB18030");
    if (!rc && want_md5 && (!(F->md5 = EVP_MD_CTX_new()) ||
                            !EVP_DigestInit_ex(F->md5, EVP_md5(), NULL)))
        rc = tc_fail(e, TC_EINTERNAL, "MD5 is not available");
    if (!rc && !(F->gz = gzopen(path, "rb")))
        rc = tc_fail(e, TC_EIO, "cannot open %s: %s", path, strerror(errno));
    if (!rc) {
        gzbuffer(F->gz, BLOCK);
        if (!(F->bg = tc_readahead_open(BLOCK, gz_block, F->gz)))
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
    }
    if (!rc) {
        rows_set_where(R, path);
        rows_block b = {.schema = "", .table = t->table, .part = NULL, .more = 0,
                        .cols = t->cols, .ncols = t->ncols, .line = 0};
        rc = rows_begin(R, &b);
    }
    if (!rc)
        rc = take(F);
    if (!rc)
        rc = rows_end(R);
    if (!rc && !u->check_none) {
        if (c.rows != F->records) {
            rc = tc_fail(e, TC_EINPUT, "the check file %s gives %lld rows, the file holds %lld",
                         c.path, c.rows, F->records);
        } else if (c.bytes >= 0 && c.bytes != F->bytes) {
            rc = tc_fail(e, TC_EINPUT, "the check file %s gives %lld bytes, the file holds %lld",
                         c.path, c.bytes, F->bytes);
        } else if (want_md5) {
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned int mn = 0;
            char hex[33];
            EVP_DigestFinal_ex(F->md5, md, &mn);
            for (unsigned i = 0; i < 16; i++)
                snprintf(hex + 2 * i, 3, "%02x", md[i]);
            if (strcmp(hex, c.md5) != 0)
                rc = tc_fail(e, TC_EINPUT, "the check file %s gives MD5 %s, the file's is %s",
                             c.path, c.md5, hex);
        }
        if (rc) {
            tc_err_at(e, path, 0, 0);
            tc_err_hint(e, "the file is not the one the county's tool wrote (rows lost or "
                        "added, or a copy cut short): ask for the unload and its check file "
                        "again");
        }
    }
    tc_readahead_close(F->bg);
    if (F->gz)
        gzclose(F->gz);
    if (F->cd != (iconv_t)-1)
        iconv_close(F->cd);
    EVP_MD_CTX_free(F->md5);
    free(F->f);
    free(F->fl);
    free(F->fnull);
    free(F->text);
    free(F);
    return rc;
}

int tc_unload_extract(const char *dir, const tc_profile *p, tc_emit *em, tc_dump_stats *st,
                      tc_err *e)
{
    tc_dump_stats dummy;
    if (!st)
        st = &dummy;
    memset(st, 0, sizeof(*st));
    if (!p->unload.on)
        return tc_fail(e, TC_EUSAGE, "profile %s does not describe unload files (no [unload])",
                       p->path);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        tc_fail(e, TC_EINPUT, "%s is not a folder: an unload is the folder of its files", dir);
        return tc_err_hint(e, "name the folder holding the unload files and their check files");
    }
    /* the tables to read: joined ones first, then the rest in the profile's order */
    const char *order[2 + 2 * 16];
    int n = 0;
    for (int i = 0; i < p->nrec; i++)
        if (p->recs[i].join_table[0])
            order[n++] = p->recs[i].join_table;
    order[n++] = p->county_table;
    for (int i = 0; i < p->nrec; i++)
        order[n++] = p->recs[i].table;
    rows *R = NULL;
    int rc = rows_open(&R, p, em, st, dir, e);
    for (int i = 0; i < n && !rc; i++) {
        int dup = 0;
        for (int j = 0; j < i; j++)
            dup |= strcmp(order[i], order[j]) == 0;
        if (!dup)
            rc = read_table(dir, p, tc_profile_unload_table(p, order[i]), R, e);
    }
    if (!rc) {
        rows_set_where(R, dir);
        rc = rows_finish(R);
    }
    rows_free(R);
    return rc;
}
