/*
 * mapset.c - see mapset.h.
 *
 * Files are small (a city's rules are thousands of rows, not millions): each
 * is read whole, parsed with libcsv, and checked row by row.  Rules go into
 * one array per dimension with a hash index on (county, source); a key's
 * rules are chained, so a lookup is one hash probe and a short walk over
 * validity periods, county key first, then '*'.
 */
#include "mappings/mapset.h"

#include <dirent.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "core/hash.h"
#include "core/jcs.h"
#include "core/money.h"
#include "core/record.h"

#define MAXF 8
#define NEVER_END 99991231

static const char *const DIMS[TC_NDIM] = {"region", "fund", "account", "institution",
                                          "kind", "level", "bank_role"};
static const char *const KINDS[] = {"employer", "employee", "flexible", "resident", NULL};
static const char *const LEVELS[] = {"central", "province", "city", "county", NULL};
static const char *const ROLES[] = {"income", "expense", "fiscal", "cash", NULL};
static const char *const CLASSES[] = {"asset", "liability", "fund", "income", "expense", NULL};
static const char *const ACCOUNT_ROLES[] = {
    "", "cash", "contribution_income", "subsidy_income", "receivable", "payable", "fund_balance",
    "personal_account_balance", "remit_up", "received_from_below", "city_fiscal", NULL};

const char *tc_dim_name(tc_dim d) { return d < TC_NDIM ? DIMS[d] : "?"; }

/* ------------------------------------------------------------ string sets */

typedef struct sset {
    char **key;
    char **val;
    size_t cap, n;
} sset;

static size_t sset_slot(const sset *t, const char *k, size_t n)
{
    size_t i = (size_t)tc_fnv1a(k, n) & (t->cap - 1);
    while (t->key[i] && !(strlen(t->key[i]) == n && memcmp(t->key[i], k, n) == 0))
        i = (i + 1) & (t->cap - 1);
    return i;
}

static const char *sset_get(const sset *t, const char *k, size_t n)
{
    if (!t->cap)
        return NULL;
    size_t i = sset_slot(t, k, n);
    return t->key[i] ? (t->val[i] ? t->val[i] : "") : NULL;
}

/* 0 added, 1 already there, -1 out of memory */
static int sset_put(sset *t, const char *k, const char *v)
{
    if ((t->n + 1) * 2 > t->cap) {
        sset old = *t;
        t->cap = old.cap ? old.cap * 2 : 64;
        t->key = calloc(t->cap, sizeof(char *));
        t->val = calloc(t->cap, sizeof(char *));
        if (!t->key || !t->val)
            return -1;
        for (size_t i = 0; i < old.cap; i++)
            if (old.key[i]) {
                size_t j = sset_slot(t, old.key[i], strlen(old.key[i]));
                t->key[j] = old.key[i];
                t->val[j] = old.val[i];
            }
        free(old.key);
        free(old.val);
    }
    size_t i = sset_slot(t, k, strlen(k));
    if (t->key[i])
        return 1;
    t->key[i] = strdup(k);
    t->val[i] = v ? strdup(v) : NULL;
    t->n++;
    return t->key[i] ? 0 : -1;
}

static void sset_free(sset *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        free(t->key[i]);
        free(t->val[i]);
    }
    free(t->key);
    free(t->val);
}

/* ------------------------------------------------------------------ rules */

typedef struct rule {
    char county[7];          /* 6 digits, or "*" */
    char *source, *target;
    size_t tlen;
    int64_t from, to;        /* YYYYMMDD, inclusive */
    int line;
    int next;                /* next rule of the same (county, source), or -1 */
} rule;

typedef struct dimset {
    rule *r;
    int n, cap;
    sset index;              /* "county\tsource" -> first rule's index, as text */
} dimset;

struct tc_mapset {
    char dir[512];
    char digest[TC_DIGEST_TEXT_MAX];
    dimset d[TC_NDIM];
    sset regions, funds, accounts, institutions;
    sset account_class;      /* city account code -> class */
    sset account_name;       /* city account code -> name (the statements print it) */
    sset counties;           /* the sources of region.csv */
    tc_rate_rule *rates;     /* city/rates.csv, in file order */
    int nrates, caprates;
    char **chart;            /* city/accounts.csv's codes, in file order */
    size_t nchart;
    /* split.csv: "pool\x1fcolumn\x1fsource" -> target; the split pools
     * with their targets; allocation.csv's rows, in file order */
    sset split;
    struct splitpool {
        char pool[7];
        char targets[TC_SPLIT_MAX][7];
        int ntargets;
        unsigned columns;    /* bit i: SPLIT_COLS[i] has rules */
    } *spools;
    int nspools;
    tc_alloc *alloc;
    int nalloc;
    char **gb18030;          /* files read as GB18030, relative to dir */
    int ngb18030;
};

/* The record columns a split rule may follow (each names the record type
 * that carries it: contribution, payable, personal_account). */
static const char *const SPLIT_COLS[] = {"payer", "institution", "person", NULL};

/* --------------------------------------------------------------- the CSVs */

typedef struct csvrow {
    char *f[MAXF];
    int nf;
    int overflow;
    int toolong;             /* a field of the row past sizeof(buf[0]) - 1 bytes */
    int line;
    const char *path;
    const char *header;      /* what the first row must be, comma-joined */
    int (*fn)(struct csvrow *row, void *ctx);
    void *ctx;
    tc_err *e;
    int rc;
    char buf[MAXF][512];
} csvrow;

static int rowfail(csvrow *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rowfail(csvrow *r, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tc_fail(r->e, TC_EINPUT, "%s", msg);
    tc_err_at(r->e, r->path, r->line, 0);
    tc_err_hint(r->e, "fix the mapping set (shared/spec/mappings.md) and run tongchou mappings "
                "check again");
    return TC_EINPUT;
}

static void on_field(void *s, size_t n, void *data)
{
    csvrow *r = data;
    if (r->nf == MAXF) {
        r->overflow = 1;
        return;
    }
    size_t k = n < sizeof(r->buf[0]) - 1 ? n : sizeof(r->buf[0]) - 1;
    if (k < n && !r->toolong)
        r->toolong = r->nf + 1;
    if (s)
        memcpy(r->buf[r->nf], s, k);
    r->buf[r->nf][s ? k : 0] = '\0';
    r->f[r->nf] = r->buf[r->nf];
    r->nf++;
}

static void on_row(int c, void *data)
{
    (void)c;
    csvrow *r = data;
    r->line++;
    if (!r->rc) {
        if (r->line == 1) {
            char got[600] = "";
            for (int i = 0; i < r->nf; i++)
                snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "," : "",
                         r->f[i]);
            if (strcmp(got, r->header) != 0)
                r->rc = rowfail(r, "the header row is '%s'; expected '%s'", got, r->header);
        } else if (r->overflow) {
            r->rc = rowfail(r, "more than %d columns", MAXF);
        } else if (r->toolong) {
            /* cut, it would be another code or name: refused instead */
            r->rc = rowfail(r, "column %d is longer than %zu bytes", r->toolong,
                            sizeof(r->buf[0]) - 1);
        } else {
            r->rc = r->fn(r, r->ctx);
        }
    }
    r->nf = 0;
    r->overflow = 0;
    r->toolong = 0;
}

/* --------------------------------------------------------- the text
 *
 * A mapping set is edited in spreadsheets, and Excel on Chinese Windows
 * saves CSV as GB18030 (its "ANSI" code page 936) unless told to save
 * "CSV UTF-8".  Parsed as UTF-8, such a file would lose its names without
 * a word: libcsv passes the bytes through, and a name that is not UTF-8
 * vanishes from the JSON and the pages downstream.  So every file is
 * decided whole before a row is read: valid UTF-8 (a BOM allowed) is read
 * as it is; a file that is not, but decodes as GB18030 from its first
 * byte to its last, is converted to UTF-8 (iconv) and read; anything else
 * is refused at its first bad byte.  Mostly UTF-8 with a stray byte is
 * refused too, though it might decode as GB18030: read so, its names
 * would be nonsense.  A NUL byte is bad in both (a UTF-16 file, or a
 * binary one).  The set's digest stays over the bytes as they are on
 * disk: the conversion changes what is read, not what was signed.
 */

/*
 * s[0..n) read as UTF-8: *first the offset of the first byte that is not
 * UTF-8 text (n when there is none), *good how many multi-byte characters
 * are valid, *bad how many bytes are not (reading on a byte after each).
 * GB18030 text read so has far more bad bytes than good characters (the
 * example set's files re-encoded: three times as many or more); a UTF-8
 * file with a stray byte, far more good ones.
 */
static void utf8_scan(const char *s, size_t n, size_t *first, size_t *good, size_t *bad)
{
    uint32_t cp;
    *first = n;
    *good = *bad = 0;
    for (size_t i = 0; i < n;) {
        size_t k = tc_utf8_decode(s + i, n - i, &cp);
        if (k && cp) {
            *good += k > 1;
            i += k;
            continue;
        }
        if (*first == n)
            *first = i;
        *bad += 1;
        i++;
    }
}

/* The length of the GB18030 character at s (1, 2 or 4 bytes); only asked
 * of bytes iconv has already decoded. */
static size_t gb18030_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    return n >= 4 && s[1] >= 0x30 && s[1] <= 0x39 ? 4 : 2;
}

/*
 * s[0..n) as GB18030, converted to UTF-8 into a malloc'd *out (*on bytes,
 * NUL-terminated).  0 when it all decodes; else -1 with *bad the offset of
 * the first byte that does not (*out NULL); -2 when this system cannot
 * convert GB18030; TC_ENOMEM when out of memory.
 */
static int gb18030_to_utf8(const char *s, size_t n, char **out, size_t *on, size_t *bad)
{
    *out = NULL;
    *bad = 0;
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return -2;          /* no converter here (glibc's gconv modules missing) */
    size_t cap = 2 * n + 16;   /* 2 bytes become at most 3, 4 at most 4 */
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return TC_ENOMEM;
    }
    char *in = (char *)s, *o = buf;
    size_t inleft = n, oleft = cap - 1;
    int rc = 0;
    if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1 ||
        iconv(cd, NULL, NULL, &o, &oleft) == (size_t)-1) {
        rc = -1;            /* EILSEQ, or EINVAL: cut short at the end */
        *bad = (size_t)(in - s);
    }
    iconv_close(cd);
    if (!rc && memchr(buf, 0, (size_t)(o - buf))) {
        rc = -1;
        *bad = (size_t)((const char *)memchr(s, 0, n) - s);
    }
    if (rc) {
        free(buf);
        return rc;
    }
    *o = '\0';
    *out = buf;
    *on = (size_t)(o - buf);
    return 0;
}

/* The line and column (1-based, in characters) of byte `at` of s, whose
 * bytes before it are valid UTF-8 (utf8) or GB18030. */
static void text_pos(const char *s, size_t at, int utf8, long *line, long *col)
{
    *line = 1;
    *col = 1;
    uint32_t cp;
    for (size_t i = 0; i < at;) {
        size_t k = utf8 ? tc_utf8_decode(s + i, at - i, &cp)
                        : gb18030_len((const unsigned char *)s + i, at - i);
        if (!k || i + k > at)
            break;
        if (s[i] == '\n')
            *line += 1, *col = 1;
        else
            *col += 1;
        i += k;
    }
}

/*
 * The text of the file path (n bytes at data) to parse: data itself when
 * it is UTF-8, a converted copy in *conv (the caller frees it) when it is
 * GB18030 (*gb set), or a refusal naming the first bad byte.
 */
static int decide_text(const char *path, const char *data, size_t n, char **conv, size_t *cn,
                       int *gb, tc_err *e)
{
    *conv = NULL;
    *gb = 0;
    size_t ubad, good, bad, gbad = 0;
    utf8_scan(data, n, &ubad, &good, &bad);
    if (ubad == n)
        return 0;
    /* a UTF-8 file with a stray byte may well decode as GB18030 too, into
     * nonsense names: it is refused, not read so */
    int rc = good > bad ? -1 : gb18030_to_utf8(data, n, conv, cn, &gbad);
    if (rc == TC_ENOMEM)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (rc == -2) {
        long line, col;
        text_pos(data, ubad, 1, &line, &col);
        tc_fail(e, TC_EINPUT, "byte 0x%02X is not UTF-8, and this system cannot read GB18030 "
                "to try that (iconv_open: %s)", (unsigned char)data[ubad], strerror(errno));
        tc_err_at(e, path, line, col);
        tc_err_hint(e, "save the file as UTF-8, which Excel calls \"CSV UTF-8\"");
        return TC_EINPUT;
    }
    if (rc == 0) {
        *gb = 1;
        return 0;
    }
    /* neither: the byte where the encoding that reads further stops */
    int utf8 = ubad >= gbad;
    size_t at = utf8 ? ubad : gbad;
    long line, col;
    text_pos(data, at, utf8, &line, &col);
    if ((unsigned char)data[at] == 0)
        tc_fail(e, TC_EINPUT, "a NUL byte: this is not a text file (UTF-16 or binary?)");
    else if (good > bad)
        tc_fail(e, TC_EINPUT, "byte 0x%02X is not UTF-8, though the rest of the file mostly is",
                (unsigned char)data[at]);
    else if (utf8)
        tc_fail(e, TC_EINPUT, "byte 0x%02X is not UTF-8, and the file is not GB18030 either",
                (unsigned char)data[at]);
    else
        tc_fail(e, TC_EINPUT, "byte 0x%02X is not GB18030, which the file is up to here (it is "
                "not UTF-8 either)", (unsigned char)data[at]);
    tc_err_at(e, path, line, col);
    tc_err_hint(e, "save it as UTF-8, which Excel calls \"CSV UTF-8\", or as GB18030 without "
                "stray bytes, and run tongchou mappings check again");
    return TC_EINPUT;
}

/* Read path and call fn for each row after the header, which must be
 * `header`; a GB18030 file is named in m's list. */
static int read_csv(tc_mapset *m, const char *path, const char *header,
                    int (*fn)(csvrow *, void *), void *ctx, tc_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tc_fail(e, TC_EINPUT, "cannot read %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return tc_fail(e, TC_EIO, "cannot read %s: %s", path, strerror(errno));
    }
    char *data = malloc((size_t)st.st_size + 1);
    size_t n = data ? fread(data, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!data)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    char *conv;
    size_t cn = 0;
    int gb;
    int rc = decide_text(path, data, n, &conv, &cn, &gb, e);
    if (rc) {
        free(data);
        return rc;
    }
    if (gb) {
        free(data);
        data = conv;
        n = cn;
        const char *rel = strncmp(path, m->dir, strlen(m->dir)) == 0 && path[strlen(m->dir)] == '/'
                              ? path + strlen(m->dir) + 1 : path;
        char **g = realloc(m->gb18030, (size_t)(m->ngb18030 + 1) * sizeof(*g));
        if (g)
            m->gb18030 = g;
        if (!g || !(g[m->ngb18030] = strdup(rel))) {
            free(data);
            return tc_fail(e, TC_ENOMEM, "out of memory");
        }
        m->ngb18030++;
    }
    csvrow *r = calloc(1, sizeof(*r));
    struct csv_parser p;
    if (!r || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(data);
        free(r);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    size_t off = n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;   /* BOM */
    r->path = path;
    r->header = header;
    r->fn = fn;
    r->ctx = ctx;
    r->e = e;
    if (csv_parse(&p, data + off, n - off, on_field, on_row, r) != n - off ||
        csv_fini(&p, on_field, on_row, r) != 0) {
        if (!r->rc) {
            r->line++;
            r->rc = rowfail(r, "malformed CSV: %s", csv_strerror(csv_error(&p)));
        }
    }
    if (!r->rc && r->line == 0)
        r->rc = rowfail(r, "the file is empty; expected the header '%s'", header);
    rc = r->rc;
    csv_free(&p);
    free(data);
    free(r);
    return rc;
}

/* ----------------------------------------------------------- city lists */

static int in_list(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

static int put_code(csvrow *r, sset *t, const char *code, const char *val)
{
    if (!code[0])
        return rowfail(r, "empty code");
    int k = sset_put(t, code, val);
    if (k < 0)
        return tc_fail(r->e, TC_ENOMEM, "out of memory");
    if (k == 1)
        return rowfail(r, "code %s appears twice", code);
    return 0;
}

static int city_code_name(csvrow *r, void *ctx)
{
    if (r->nf != 2)
        return rowfail(r, "%d columns; expected 2 (code,name)", r->nf);
    return put_code(r, ctx, r->f[0], r->f[1]);
}

static int city_account(csvrow *r, void *ctx)
{
    if (r->nf != 4)
        return rowfail(r, "%d columns; expected 4 (code,name,class,role)", r->nf);
    if (!in_list(CLASSES, r->f[2]))
        return rowfail(r, "class '%s' is not one of asset, liability, fund, income, expense",
                       r->f[2]);
    if (!in_list(ACCOUNT_ROLES, r->f[3]))
        return rowfail(r, "role '%s' is not a role mappings.md knows", r->f[3]);
    tc_mapset *m = ctx;
    int rc = put_code(r, &m->accounts, r->f[0], r->f[3]);
    if (!rc && (sset_put(&m->account_class, r->f[0], r->f[2]) < 0 ||
                sset_put(&m->account_name, r->f[0], r->f[1]) < 0))
        rc = tc_fail(r->e, TC_ENOMEM, "out of memory");
    if (!rc) {
        char **v = realloc(m->chart, (m->nchart + 1) * sizeof(*v));
        if (v)
            m->chart = v;
        if (!v || !(v[m->nchart] = strdup(r->f[0])))
            return tc_fail(r->e, TC_ENOMEM, "out of memory");
        m->nchart++;
    }
    return rc;
}

static int parse_date_opt(const char *s, int64_t dflt, int64_t *out)
{
    if (!s[0]) {
        *out = dflt;
        return 0;
    }
    return tc_date_parse(s, strlen(s), out);
}

static int city_rate(csvrow *r, void *ctx)
{
    tc_mapset *m = ctx;
    if (r->nf != 5)
        return rowfail(r, "%d columns; expected 5 (fund,kind,valid_from,valid_to,rate)", r->nf);
    if (!sset_get(&m->funds, r->f[0], strlen(r->f[0])))
        return rowfail(r, "fund %s is not in city/funds.csv", r->f[0]);
    if (!in_list(KINDS, r->f[1]))
        return rowfail(r, "kind '%s' is not employer, employee, flexible or resident", r->f[1]);
    int64_t from, to;
    if (parse_date_opt(r->f[2], 0, &from) || parse_date_opt(r->f[3], NEVER_END, &to) || from > to)
        return rowfail(r, "bad validity '%s' to '%s' (YYYY-MM-DD, from <= to)", r->f[2], r->f[3]);
    int32_t rate;
    if (tc_rate_parse(r->f[4], strlen(r->f[4]), &rate, r->e)) {
        tc_err_at(r->e, r->path, r->line, 0);
        return TC_EINPUT;
    }
    if (strlen(r->f[0]) >= sizeof(m->rates->fund))
        return rowfail(r, "fund code '%s' is too long", r->f[0]);
    if (m->nrates == m->caprates) {
        int cap = m->caprates ? m->caprates * 2 : 16;
        tc_rate_rule *q = realloc(m->rates, (size_t)cap * sizeof(*q));
        if (!q)
            return tc_fail(r->e, TC_ENOMEM, "out of memory");
        m->rates = q;
        m->caprates = cap;
    }
    tc_rate_rule *x = &m->rates[m->nrates++];
    memset(x, 0, sizeof(*x));
    snprintf(x->fund, sizeof(x->fund), "%s", r->f[0]);
    snprintf(x->kind, sizeof(x->kind), "%s", r->f[1]);
    x->from = from;
    x->to = to;
    x->rate = rate;
    return 0;
}

/* ------------------------------------------------------------ rule files */

typedef struct rulectx {
    tc_mapset *m;
    tc_dim d;
} rulectx;

/* The city list a dimension's targets must be in: a set, or a closed list. */
static int target_known(const tc_mapset *m, tc_dim d, const char *t, const char **where)
{
    switch (d) {
    case TC_DIM_REGION: *where = "city/regions.csv"; return !!sset_get(&m->regions, t, strlen(t));
    case TC_DIM_FUND: *where = "city/funds.csv"; return !!sset_get(&m->funds, t, strlen(t));
    case TC_DIM_ACCOUNT:
        *where = "city/accounts.csv";
        return !!sset_get(&m->accounts, t, strlen(t));
    case TC_DIM_INSTITUTION:
        *where = "city/institutions.csv";
        return !!sset_get(&m->institutions, t, strlen(t));
    case TC_DIM_KIND: *where = "the kinds employer, employee, flexible, resident"; return in_list(KINDS, t);
    case TC_DIM_LEVEL: *where = "the levels central, province, city, county"; return in_list(LEVELS, t);
    case TC_DIM_BANK_ROLE: *where = "the bank roles income, expense, fiscal, cash"; return in_list(ROLES, t);
    default: *where = "?"; return 0;
    }
}

static int add_rule(csvrow *r, void *ctx)
{
    rulectx *c = ctx;
    tc_mapset *m = c->m;
    dimset *ds = &m->d[c->d];
    if (r->nf != 6)
        return rowfail(r, "%d columns; expected 6 (county,source,target,valid_from,valid_to,note)",
                       r->nf);
    const char *county = r->f[0], *src = r->f[1], *dst = r->f[2];
    int star = strcmp(county, "*") == 0;
    int ok = star || strlen(county) == 6;
    for (int i = 0; ok && !star && i < 6; i++)
        ok = county[i] >= '0' && county[i] <= '9';
    if (!ok)
        return rowfail(r, "county '%s' is neither '*' nor a 6-digit region code", county);
    if (!src[0] || strpbrk(src, " \t"))
        return rowfail(r, "source '%s' is empty or holds a space", src);
    if (!dst[0])
        return rowfail(r, "no target for source %s", src);
    int64_t from, to;
    if (parse_date_opt(r->f[3], 0, &from) || parse_date_opt(r->f[4], NEVER_END, &to) || from > to)
        return rowfail(r, "bad validity '%s' to '%s' (YYYY-MM-DD, empty for open; from <= to)",
                       r->f[3], r->f[4]);
    const char *list;
    if (!target_known(m, c->d, dst, &list))
        return rowfail(r, "target %s of source %s is not in %s", dst, src, list);
    /* overlap with an earlier rule of the same county and source */
    char key[600];
    snprintf(key, sizeof(key), "%s\t%s", county, src);
    const char *first = sset_get(&ds->index, key, strlen(key));
    int prev = -1;
    for (int i = first ? atoi(first) : -1; i >= 0; i = ds->r[i].next) {
        const rule *o = &ds->r[i];
        if (o->from <= to && from <= o->to)
            return rowfail(r, "the rule for county %s, source %s overlaps the one at line %d%s",
                           county, src, o->line,
                           strcmp(o->target, dst) == 0 ? " (a duplicate)"
                                                       : " with another target");
        prev = i;
    }
    if (ds->n == ds->cap) {
        int cap = ds->cap ? ds->cap * 2 : 64;
        rule *nr = realloc(ds->r, (size_t)cap * sizeof(rule));
        if (!nr)
            return tc_fail(r->e, TC_ENOMEM, "out of memory");
        ds->r = nr;
        ds->cap = cap;
    }
    rule *x = &ds->r[ds->n];
    memset(x, 0, sizeof(*x));
    snprintf(x->county, sizeof(x->county), "%s", county);
    x->source = strdup(src);
    x->target = strdup(dst);
    x->tlen = strlen(dst);
    x->from = from;
    x->to = to;
    x->line = r->line;
    x->next = -1;
    if (!x->source || !x->target)
        return tc_fail(r->e, TC_ENOMEM, "out of memory");
    if (prev >= 0) {
        ds->r[prev].next = ds->n;
    } else {
        char idx[16];
        snprintf(idx, sizeof(idx), "%d", ds->n);
        if (sset_put(&ds->index, key, idx) < 0)
            return tc_fail(r->e, TC_ENOMEM, "out of memory");
    }
    ds->n++;
    if (c->d == TC_DIM_REGION && sset_put(&m->counties, src, NULL) < 0)
        return tc_fail(r->e, TC_ENOMEM, "out of memory");
    return 0;
}

/* ------------------------------------------------------ splits (split.csv) */

static struct splitpool *split_pool(const tc_mapset *m, const char *pool)
{
    for (int i = 0; i < m->nspools; i++)
        if (strcmp(m->spools[i].pool, pool) == 0)
            return &m->spools[i];
    return NULL;
}

static int split_rule(csvrow *r, void *ctx)
{
    tc_mapset *m = ctx;
    if (r->nf != 4)
        return rowfail(r, "%d columns; expected 4 (county,column,source,target)", r->nf);
    const char *pool = r->f[0], *col = r->f[1], *src = r->f[2], *dst = r->f[3];
    if (strlen(pool) != 6 || strspn(pool, "0123456789") != 6)
        return rowfail(r, "county '%s' is not a 6-digit pool code ('*' has no place in a split)",
                       pool);
    if (!sset_get(&m->counties, pool, 6))
        return rowfail(r, "pool %s has no rule in region.csv: the ledger of a split pool stays "
                       "in the sub-ledger region.csv names", pool);
    int ci = -1;
    for (int i = 0; SPLIT_COLS[i]; i++)
        if (strcmp(SPLIT_COLS[i], col) == 0)
            ci = i;
    if (ci < 0)
        return rowfail(r, "column '%s' is not one a split follows: payer (contributions), "
                       "institution (payables) or person (personal accounts)", col);
    if (!src[0])
        return rowfail(r, "empty source: name the county's code, or '*' for every other one");
    if (!sset_get(&m->regions, dst, strlen(dst)))
        return rowfail(r, "target %s is not in city/regions.csv", dst);
    char key[600];
    snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", pool, col, src);
    int k = sset_put(&m->split, key, dst);
    if (k < 0)
        return tc_fail(r->e, TC_ENOMEM, "out of memory");
    if (k == 1)
        return rowfail(r, "pool %s, column %s, source %s has a rule already", pool, col, src);
    struct splitpool *sp = split_pool(m, pool);
    if (!sp) {
        struct splitpool *q = realloc(m->spools, (size_t)(m->nspools + 1) * sizeof(*q));
        if (!q)
            return tc_fail(r->e, TC_ENOMEM, "out of memory");
        m->spools = q;
        sp = &q[m->nspools++];
        memset(sp, 0, sizeof(*sp));
        memcpy(sp->pool, pool, 7);
    }
    sp->columns |= 1u << ci;
    int have = 0;
    for (int i = 0; i < sp->ntargets && !have; i++)
        have = strcmp(sp->targets[i], dst) == 0;
    if (!have && sp->ntargets == TC_SPLIT_MAX)
        return rowfail(r, "pool %s is split into more than %d sub-ledgers", pool, TC_SPLIT_MAX);
    if (!have) {
        int at = sp->ntargets++;
        while (at > 0 && strcmp(sp->targets[at - 1], dst) > 0) {
            memcpy(sp->targets[at], sp->targets[at - 1], 7);
            at--;
        }
        snprintf(sp->targets[at], 7, "%s", dst);
    }
    return 0;
}

static int alloc_row(csvrow *r, void *ctx)
{
    tc_mapset *m = ctx;
    if (r->nf != 5)
        return rowfail(r, "%d columns; expected 5 (county,fund,account,target,amount)", r->nf);
    const char *pool = r->f[0], *fund = r->f[1], *acc = r->f[2], *dst = r->f[3];
    const struct splitpool *sp = split_pool(m, pool);
    if (!sp)
        return rowfail(r, "pool %s is not split in split.csv: only a split pool's money is "
                       "allocated", pool);
    if (!sset_get(&m->funds, fund, strlen(fund)) || strlen(fund) >= sizeof(m->alloc->fund))
        return rowfail(r, "fund %s is not in city/funds.csv", fund);
    const char *role = sset_get(&m->accounts, acc, strlen(acc));
    if (strcmp(acc, "claims") != 0 && strcmp(acc, "debts") != 0 &&
        (!role || (strcmp(role, "cash") != 0 && strcmp(role, "receivable") != 0 &&
                   strcmp(role, "payable") != 0)))
        return rowfail(r, "account %s is neither an account of city/accounts.csv with role "
                       "cash, receivable or payable, nor claims or debts", acc);
    if (strlen(acc) >= sizeof(m->alloc->account))
        return rowfail(r, "account code '%s' is too long", acc);
    int known = 0;
    for (int i = 0; i < sp->ntargets && !known; i++)
        known = strcmp(sp->targets[i], dst) == 0;
    if (!known)
        return rowfail(r, "target %s is not one of the sub-ledgers split.csv splits pool %s into",
                       dst, pool);
    tc_fen v;
    if (tc_money_parse_yuan(r->f[4], strlen(r->f[4]), &v, r->e)) {
        tc_err_at(r->e, r->path, r->line, 0);
        return TC_EINPUT;
    }
    for (int i = 0; i < m->nalloc; i++) {
        const tc_alloc *o = &m->alloc[i];
        if (strcmp(o->county, pool) == 0 && strcmp(o->fund, fund) == 0 &&
            strcmp(o->account, acc) == 0 && strcmp(o->target, dst) == 0)
            return rowfail(r, "pool %s fund %s account %s target %s has a line already", pool,
                           fund, acc, dst);
    }
    tc_alloc *q = realloc(m->alloc, (size_t)(m->nalloc + 1) * sizeof(*q));
    if (!q)
        return tc_fail(r->e, TC_ENOMEM, "out of memory");
    m->alloc = q;
    tc_alloc *x = &q[m->nalloc++];
    memset(x, 0, sizeof(*x));
    snprintf(x->county, sizeof(x->county), "%s", pool);
    snprintf(x->fund, sizeof(x->fund), "%s", fund);
    snprintf(x->account, sizeof(x->account), "%s", acc);
    snprintf(x->target, sizeof(x->target), "%s", dst);
    x->amount = v;
    return 0;
}

int tc_mapset_split_targets(const tc_mapset *m, const char *pool, char (*out)[7], int max)
{
    const struct splitpool *sp = split_pool(m, pool);
    if (!sp)
        return 0;
    for (int i = 0; i < sp->ntargets && i < max; i++)
        memcpy(out[i], sp->targets[i], 7);
    return sp->ntargets;
}

int tc_mapset_split_column(const tc_mapset *m, const char *pool, const tc_batch_header *h)
{
    const struct splitpool *sp = split_pool(m, pool);
    for (int i = 0; sp && SPLIT_COLS[i]; i++)
        if (sp->columns & (1u << i)) {
            int c = tc_batch_header_col(h, SPLIT_COLS[i]);
            if (c >= 0)
                return c;
        }
    return -1;
}

const char *tc_mapset_split_target(const tc_mapset *m, const char *pool, const char *column,
                                   const char *v, size_t n)
{
    char key[600];
    int k = snprintf(key, sizeof(key), "%s\x1f%s\x1f", pool, column);
    if (k < 0 || (size_t)k + n + 2 > sizeof(key))
        return NULL;
    memcpy(key + k, v, n);
    const char *t = sset_get(&m->split, key, (size_t)k + n);
    if (t)
        return t;
    snprintf(key + k, sizeof(key) - (size_t)k, "*");
    return sset_get(&m->split, key, (size_t)k + 1);
}

int tc_mapset_allocation(const tc_mapset *m, const tc_alloc **rows)
{
    *rows = m->alloc;
    return m->nalloc;
}

/* Does the county have rules for source covering [from, to] without a gap? */
static int covered(const dimset *ds, const char *county, const char *src, int64_t from, int64_t to)
{
    char key[600];
    snprintf(key, sizeof(key), "%s\t%s", county, src);
    const char *first = sset_get(&ds->index, key, strlen(key));
    int64_t at = from;
    for (int progress = 1; progress;) {
        progress = 0;
        for (int i = first ? atoi(first) : -1; i >= 0; i = ds->r[i].next)
            if (ds->r[i].from <= at && ds->r[i].to >= at) {
                if (ds->r[i].to >= to)
                    return 1;
                /* the day after, as a number: 20210131 + 1 is not a date, but
                 * no rule starts there either, so the chain breaks only where
                 * a real gap is - unless rules meet at a month's end, which the
                 * next line allows for */
                at = ds->r[i].to + 1;
                if (at % 100 > 28)
                    at = (at / 100 + 1) * 100 + 1;
                if (at % 10000 > 1231)
                    at = (at / 10000 + 1) * 10000 + 101;
                progress = 1;
            }
    }
    return 0;
}

static int check_shadowed(tc_mapset *m, tc_dim d, const char *path, tc_err *e)
{
    if (d == TC_DIM_REGION || !m->counties.n)
        return 0;
    const dimset *ds = &m->d[d];
    for (int i = 0; i < ds->n; i++) {
        const rule *x = &ds->r[i];
        if (strcmp(x->county, "*") != 0)
            continue;
        int all = 1;
        for (size_t k = 0; all && k < m->counties.cap; k++)
            if (m->counties.key[k])
                all = covered(ds, m->counties.key[k], x->source, x->from, x->to);
        if (all) {
            tc_fail(e, TC_EINPUT, "the '*' rule for source %s can never apply: every county "
                    "of region.csv has its own rule for %s over its whole validity", x->source,
                    x->source);
            tc_err_at(e, path, x->line, 0);
            tc_err_hint(e, "delete the '*' rule, or the county rules it duplicates");
            return TC_EINPUT;
        }
    }
    return 0;
}

/* ------------------------------------------------------------- the digest */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_csv(const char *dir, const char *rel, char ***names, int *n, int *cap)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s%s%s", dir, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char sub[1024];
        snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        char full[2100];
        snprintf(full, sizeof(full), "%s/%s", dir, sub);
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            rc = list_csv(dir, sub, names, n, cap);
        } else if (strlen(sub) > 4 && strcmp(sub + strlen(sub) - 4, ".csv") == 0) {
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 32;
                char **nn = realloc(*names, (size_t)*cap * sizeof(char *));
                if (!nn) {
                    rc = -1;
                    break;
                }
                *names = nn;
            }
            (*names)[(*n)++] = strdup(sub);
        }
    }
    closedir(d);
    return rc;
}

static int set_digest(tc_mapset *m, tc_err *e)
{
    char **names = NULL;
    int n = 0, cap = 0;
    if (list_csv(m->dir, "", &names, &n, &cap) != 0) {
        free(names);
        return tc_fail(e, TC_EIO, "cannot list %s", m->dir);
    }
    if (n)
        qsort(names, (size_t)n, sizeof(char *), cmp_str);
    tc_digest *d = NULL;
    int rc = tc_digest_new(&d, TC_DIGEST_SHA256, e);
    for (int i = 0; i < n && !rc; i++) {
        char full[2100];
        snprintf(full, sizeof(full), "%s/%s", m->dir, names[i]);
        tc_digest_update(d, names[i], strlen(names[i]) + 1);
        FILE *f = fopen(full, "rb");
        if (!f) {
            rc = tc_fail(e, TC_EIO, "cannot read %s", full);
            break;
        }
        char buf[8192];
        size_t k;
        while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
            tc_digest_update(d, buf, k);
        fclose(f);
    }
    if (!rc)
        tc_digest_final_text(d, m->digest);
    tc_digest_free(d);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* ------------------------------------------------------------------- API */

int tc_mapset_load(tc_mapset **out, const char *dir, tc_err *e)
{
    *out = NULL;
    tc_mapset *m = calloc(1, sizeof(*m));
    if (!m)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    snprintf(m->dir, sizeof(m->dir), "%s", dir);
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        rc = tc_fail(e, TC_EINPUT, "%s is not a mapping-set folder", dir);
    char path[1100];
#define PATH(name) (snprintf(path, sizeof(path), "%s/%s", dir, name), path)
    if (!rc)
        rc = read_csv(m, PATH("city/regions.csv"), "code,name", city_code_name, &m->regions, e);
    if (!rc)
        rc = read_csv(m, PATH("city/funds.csv"), "code,name", city_code_name, &m->funds, e);
    if (!rc)
        rc = read_csv(m, PATH("city/accounts.csv"), "code,name,class,role", city_account, m, e);
    if (!rc)
        rc = read_csv(m, PATH("city/institutions.csv"), "code,name", city_code_name,
                      &m->institutions, e);
    if (!rc)
        rc = read_csv(m, PATH("city/rates.csv"), "fund,kind,valid_from,valid_to,rate", city_rate, m,
                      e);
    for (int d = 0; d < TC_NDIM && !rc; d++) {
        char name[64];
        snprintf(name, sizeof(name), "%s.csv", DIMS[d]);
        rulectx c = {m, (tc_dim)d};
        rc = read_csv(m, PATH(name), "county,source,target,valid_from,valid_to,note", add_rule, &c,
                      e);
    }
    for (int d = 0; d < TC_NDIM && !rc; d++) {
        char name[64];
        snprintf(name, sizeof(name), "%s.csv", DIMS[d]);
        rc = check_shadowed(m, (tc_dim)d, PATH(name), e);
    }
    if (!rc && access(PATH("split.csv"), F_OK) == 0)
        rc = read_csv(m, path, "county,column,source,target", split_rule, m, e);
    if (!rc && access(PATH("allocation.csv"), F_OK) == 0)
        rc = read_csv(m, path, "county,fund,account,target,amount", alloc_row, m, e);
    for (int i = 0; !rc && i < m->nspools; i++)
        if (m->spools[i].ntargets < 2) {
            rc = tc_fail(e, TC_EINPUT, "split.csv sends every record of pool %s to region %s: "
                         "a split names at least two sub-ledgers", m->spools[i].pool,
                         m->spools[i].targets[0]);
            tc_err_at(e, PATH("split.csv"), 0, 0);
            tc_err_hint(e, "give the pool's records rules for each of its new sub-ledgers, or "
                           "drop its rules (region.csv alone maps a pool that is not split)");
        }
#undef PATH
    if (!rc)
        rc = set_digest(m, e);
    if (rc) {
        tc_mapset_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void tc_mapset_free(tc_mapset *m)
{
    if (!m)
        return;
    for (int d = 0; d < TC_NDIM; d++) {
        for (int i = 0; i < m->d[d].n; i++) {
            free(m->d[d].r[i].source);
            free(m->d[d].r[i].target);
        }
        free(m->d[d].r);
        sset_free(&m->d[d].index);
    }
    sset_free(&m->regions);
    sset_free(&m->funds);
    sset_free(&m->accounts);
    sset_free(&m->account_class);
    sset_free(&m->account_name);
    free(m->rates);
    sset_free(&m->institutions);
    sset_free(&m->counties);
    sset_free(&m->split);
    free(m->spools);
    free(m->alloc);
    for (size_t i = 0; i < m->nchart; i++)
        free(m->chart[i]);
    free(m->chart);
    for (int i = 0; i < m->ngb18030; i++)
        free(m->gb18030[i]);
    free(m->gb18030);
    free(m);
}

const char *tc_mapset_dir(const tc_mapset *m) { return m->dir; }

int tc_mapset_gb18030(const tc_mapset *m, const char *const **files)
{
    *files = (const char *const *)m->gb18030;
    return m->ngb18030;
}

size_t tc_mapset_chart(const tc_mapset *m, const char *const **codes)
{
    *codes = (const char *const *)m->chart;
    return m->nchart;
}

const char *tc_mapset_digest(const tc_mapset *m) { return m->digest; }

int tc_mapset_rules(const tc_mapset *m, tc_dim d) { return d < TC_NDIM ? m->d[d].n : 0; }

const char *tc_mapset_account_role(const tc_mapset *m, const char *code, size_t n)
{
    return sset_get(&m->accounts, code, n);
}

static int cmp_code(const void *a, const void *b) { return memcmp(a, b, 7); }

int tc_mapset_region_pools(const tc_mapset *m, const char *region, char (*pools)[7], int max)
{
    const dimset *ds = &m->d[TC_DIM_REGION];
    char seen[64][7];
    int n = 0, more = 0;
    for (int i = 0; i < ds->n; i++) {
        const rule *x = &ds->r[i];
        if (x->tlen != 6 || memcmp(x->target, region, 6) != 0 || strlen(x->source) != 6)
            continue;
        int dup = 0;
        for (int k = 0; k < n && !dup; k++)
            dup = memcmp(seen[k], x->source, 6) == 0;
        if (dup)
            continue;
        if (n < 64)
            snprintf(seen[n++], 7, "%s", x->source);
        else
            more++;
    }
    for (int i = 0; i < m->nspools; i++)   /* and the split pools that send records here */
        for (int t = 0; t < m->spools[i].ntargets; t++) {
            int dup = strcmp(m->spools[i].targets[t], region) != 0;
            for (int k = 0; k < n && !dup; k++)
                dup = strcmp(seen[k], m->spools[i].pool) == 0;
            if (!dup && n < 64)
                snprintf(seen[n++], 7, "%s", m->spools[i].pool);
            else if (!dup)
                more++;
        }
    qsort(seen, (size_t)n, sizeof(seen[0]), cmp_code);
    for (int k = 0; k < n && k < max; k++)
        memcpy(pools[k], seen[k], 7);
    return n + more;
}

const char *tc_mapset_region_name(const tc_mapset *m, const char *code)
{
    const char *n = sset_get(&m->regions, code, strlen(code));
    return n && n[0] ? n : NULL;
}

const char *tc_mapset_fund_name(const tc_mapset *m, const char *code, size_t n)
{
    return sset_get(&m->funds, code, n);
}

const char *tc_mapset_account_class(const tc_mapset *m, const char *code, size_t n)
{
    return sset_get(&m->account_class, code, n);
}

const char *tc_mapset_account_name(const tc_mapset *m, const char *code, size_t n)
{
    return sset_get(&m->account_name, code, n);
}

int tc_mapset_rates(const tc_mapset *m, const tc_rate_rule **out)
{
    *out = m->rates;
    return m->nrates;
}

static const rule *find(const dimset *ds, const char *county, const char *s, size_t n,
                        int64_t date)
{
    char key[600];
    size_t cl = strlen(county);
    if (cl + 1 + n >= sizeof(key))
        return NULL;
    memcpy(key, county, cl);
    key[cl] = '\t';
    memcpy(key + cl + 1, s, n);
    const char *first = sset_get(&ds->index, key, cl + 1 + n);
    for (int i = first ? atoi(first) : -1; i >= 0; i = ds->r[i].next)
        if (ds->r[i].from <= date && date <= ds->r[i].to)
            return &ds->r[i];
    return NULL;
}

/* Does the county have any rule at all for this code? */
static int county_has(const dimset *ds, const char *county, const char *s, size_t n)
{
    char key[600];
    size_t cl = strlen(county);
    if (cl + 1 + n >= sizeof(key))
        return 0;
    memcpy(key, county, cl);
    key[cl] = '\t';
    memcpy(key + cl + 1, s, n);
    return sset_get(&ds->index, key, cl + 1 + n) != NULL;
}

const char *tc_mapset_lookup_range(const tc_mapset *m, tc_dim d, const char *county,
                                   const char *s, size_t n, int64_t date, size_t *tn,
                                   int64_t *from, int64_t *to)
{
    *from = 1, *to = 0;   /* an empty range: nothing to cache */
    if (d >= TC_NDIM)
        return NULL;
    const rule *r = find(&m->d[d], county, s, n, date);
    if (r) {
        *from = r->from, *to = r->to;
    } else {
        r = find(&m->d[d], "*", s, n, date);
        /* a '*' answer holds over its range only where the county has no
         * rules of its own for the code; keep it simple: only then */
        if (r && !county_has(&m->d[d], county, s, n))
            *from = r->from, *to = r->to;
    }
    if (!r)
        return NULL;
    if (tn)
        *tn = r->tlen;
    return r->target;
}

const char *tc_mapset_lookup(const tc_mapset *m, tc_dim d, const char *county, const char *s,
                             size_t n, int64_t date, size_t *tn)
{
    int64_t from, to;
    return tc_mapset_lookup_range(m, d, county, s, n, date, tn, &from, &to);
}

/* ------------------------------------------------- records and batches */

int tc_mapset_columns(const tc_batch_header *h, tc_mapcol out[4])
{
    static const struct { const char *type, *col; tc_dim dim; } cols[] = {
        {"account", "code", TC_DIM_ACCOUNT},
        {"bank_account", "fund", TC_DIM_FUND},      {"bank_account", "role", TC_DIM_BANK_ROLE},
        {"bank_account", "account", TC_DIM_ACCOUNT},
        {"balance", "fund", TC_DIM_FUND},           {"balance", "account", TC_DIM_ACCOUNT},
        {"voucher_line", "fund", TC_DIM_FUND},      {"voucher_line", "account", TC_DIM_ACCOUNT},
        {"contribution", "kind", TC_DIM_KIND},      {"contribution", "fund", TC_DIM_FUND},
        {"subsidy", "level", TC_DIM_LEVEL},         {"subsidy", "fund", TC_DIM_FUND},
        {"payable", "institution", TC_DIM_INSTITUTION}, {"payable", "fund", TC_DIM_FUND},
        {"personal_account", "fund", TC_DIM_FUND},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]) && n < 4; i++)
        if (strcmp(cols[i].type, h->type) == 0) {
            int c = tc_batch_header_col(h, cols[i].col);
            if (c >= 0)
                out[n++] = (tc_mapcol){c, cols[i].dim};
        }
    return n;
}

int64_t tc_record_map_date(const tc_batch_header *h, const tc_value *vals, int64_t dflt)
{
    for (int i = 0; i < h->ncols; i++)
        if (h->cols[i].type == TC_COL_PERIOD)
            return vals[i].i * 100 + 1;
    for (int i = 0; i < h->ncols; i++)
        if (h->cols[i].type == TC_COL_DATE)
            return vals[i].i;
    int y = tc_batch_header_col(h, "year");
    if (y >= 0)
        return vals[y].i * 10000 + 101;
    return dflt;
}

/* The amount a report shows for a record of each type. */
static const char *principal_amount(const char *type)
{
    static const char *const p[][2] = {
        {"balance", "closing"}, {"voucher_line", "debit"}, {"contribution", "due"},
        {"subsidy", "due"},     {"payable", "settled"},    {"personal_account", "balance"},
    };
    for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
        if (strcmp(p[i][0], type) == 0)
            return p[i][1];
    return "";
}

static int note_uncovered(tc_uncovered **list, int *n, const char *county, tc_dim dim,
                          const tc_value *code, const char *type, const char *acol, int64_t amount,
                          tc_err *e)
{
    size_t cl = code->n < 63 ? code->n : 63;
    for (int i = 0; i < *n; i++) {
        tc_uncovered *u = &(*list)[i];
        if (u->dim == dim && strcmp(u->county, county) == 0 && strcmp(u->type, type) == 0 &&
            strlen(u->code) == cl && memcmp(u->code, code->s, cl) == 0) {
            u->records++;
            if (__builtin_add_overflow(u->amount, amount, &u->amount))
                return tc_fail(e, TC_EINPUT, "amount total overflows");
            return 0;
        }
    }
    tc_uncovered *l = realloc(*list, (size_t)(*n + 1) * sizeof(tc_uncovered));
    if (!l)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    *list = l;
    tc_uncovered *u = &l[(*n)++];
    memset(u, 0, sizeof(*u));
    memcpy(u->county, county, 7);
    u->dim = dim;
    memcpy(u->code, code->s, cl);
    snprintf(u->type, sizeof(u->type), "%s", type);
    snprintf(u->amount_col, sizeof(u->amount_col), "%s", acol);
    u->records = 1;
    u->amount = amount;
    return 0;
}

int tc_mapset_uncovered(const tc_mapset *m, const char *batch, tc_uncovered **list, int *n,
                        tc_err *e)
{
    tc_batch_reader *r;
    int rc = tc_batch_open(&r, batch, 0, e);
    if (rc)
        return rc;
    const tc_batch_header *h = tc_batch_header_of(r);
    if (strcmp(h->coding, "county") != 0) {
        tc_batch_close(r);
        return tc_fail(e, TC_EUSAGE, "%s is coded for the city already; mappings check reads "
                       "county-coded batches (from extract)", batch);
    }
    int64_t cutover = 0;
    if (h->cutover[0])
        tc_date_parse(h->cutover, strlen(h->cutover), &cutover);
    tc_mapcol cols[4];
    int nc = tc_mapset_columns(h, cols);
    const char *acol = principal_amount(h->type);
    int ai = acol[0] ? tc_batch_header_col(h, acol) : -1;
    tc_value county = tc_v_text(h->county, 6);
    /* the region: one lookup for the whole batch */
    if (!tc_mapset_lookup(m, TC_DIM_REGION, h->county, h->county, 6, cutover ? cutover : 99991231,
                          NULL))
        rc = note_uncovered(list, n, h->county, TC_DIM_REGION, &county, h->type, "", 0, e);
    const tc_value *v;
    int k;
    while (!rc && (k = tc_batch_next(r, &v, e)) == 1) {
        int64_t date = tc_record_map_date(h, v, cutover);
        for (int i = 0; i < nc && !rc; i++) {
            const tc_value *c = &v[cols[i].col];
            if (!tc_mapset_lookup(m, cols[i].dim, h->county, c->s, c->n, date, NULL))
                rc = note_uncovered(list, n, h->county, cols[i].dim, c, h->type, acol,
                                    ai >= 0 ? v[ai].i : 0, e);
        }
    }
    if (!rc && k < 0)
        rc = k;
    tc_batch_close(r);
    return rc;
}
