/*
 * workbook.c - see workbook.h.
 *
 * For each table the mapping reads, in the profile's order, each file its
 * pattern matches (in byte order of their names) is opened (xlsx.c: the
 * zip container, the shared strings spilled to disk) and its sheet read
 * row by row:
 *
 *   rows above the header    titles, the unit's name, the period: skipped;
 *   the header rows          each column's header text is composed (see
 *                            header_text) and the profile's columns found
 *                            in it, each exactly once, or the source is
 *                            refused naming the header row;
 *   rows below               blank (no mapped cell holds a value): skipped;
 *                            a subtotal marker in the subtotal column:
 *                            skipped; any other: each mapped cell read as
 *                            the mapping reads it (amounts exactly, dates
 *                            from serial numbers or text), every field
 *                            converted here so that a refusal names the
 *                            cell, then the row handed to rows_fields().
 *
 * The cross-check keeps one entry per (fund, account, period) of either
 * side: memory grows with groups, never with rows.  Amounts never pass
 * through a float: a number cell's digits are read as a decimal string.
 */
#include "extract/workbook.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/money.h"
#include "extract/dump_int.h"
#include "extract/xlsx.h"

int tc_workbook_profile(const tc_profile *p) { return p->workbook.on; }

/* ------------------------------------------------------------- amounts */

int tc_workbook_yuan(const char *v, size_t n, char out[40], tc_err *e)
{
    /* -?digits[.digits][e[+-]digits] into the digits D and the exponent
     * ex: the value is D x 10^ex */
    char d[64];
    int nd = 0, ex = 0, neg = 0, seen = 0;
    size_t i = 0;
    if (i < n && v[i] == '-')
        neg = 1, i++;
    for (; i < n && v[i] >= '0' && v[i] <= '9'; i++, seen = 1)
        if (nd < 60 && (nd || v[i] != '0'))
            d[nd++] = v[i];
        else if (nd >= 60)
            ex++;
    if (i < n && v[i] == '.') {
        for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++, seen = 1)
            if (nd < 60) {
                if (nd || v[i] != '0')
                    d[nd++] = v[i];
                ex--;
            }
    }
    if (seen && i < n && (v[i] == 'e' || v[i] == 'E')) {
        int s = 1, x = 0, any = 0;
        i++;
        if (i < n && (v[i] == '+' || v[i] == '-'))
            s = v[i++] == '-' ? -1 : 1;
        for (; i < n && v[i] >= '0' && v[i] <= '9'; i++, any = 1)
            if (x < 1000)
                x = x * 10 + (v[i] - '0');
        if (!any)
            seen = 0;
        ex += s * x;
    }
    if (!seen || i != n)
        return tc_fail(e, TC_EINPUT, "'%.*s' is not a number", (int)(n < 40 ? n : 40), v);
    /* more than 15 significant digits: round to 15, Excel's own precision
     * (what it shows and computes with); the digits beyond are the binary
     * artefacts of arithmetic, as 1234.5600000000001 or 0.30000000000000004 */
    if (nd > 15) {
        int up = d[15] >= '5';
        ex += nd - 15;
        nd = 15;
        for (int k = nd - 1; up && k >= 0; k--) {
            if (d[k] == '9') {
                d[k] = '0';
            } else {
                d[k]++;
                up = 0;
            }
        }
        if (up) {   /* 999... became 1000... */
            memmove(d + 1, d, (size_t)nd);
            d[0] = '1';
            nd++;
        }
    }
    while (nd && d[nd - 1] == '0')
        nd--, ex++;
    if (!nd) {
        snprintf(out, 40, "0");
        return 0;
    }
    if (ex < -2) {
        static const char *const words[] = {"three", "four", "five", "six", "seven", "eight",
                                            "nine"};
        char num[48];
        snprintf(num, sizeof(num), "%.*s", (int)(n < 40 ? n : 40), v);
        if (-ex <= 9)
            return tc_fail(e, TC_EINPUT, "amount %s has %s decimals", num, words[-ex - 3]);
        return tc_fail(e, TC_EINPUT, "amount %s has %d decimals", num, -ex);
    }
    /* integer digits and two decimals */
    char ip[64], fp[3] = "00";
    int ni;
    if (ex >= 0) {
        if (nd + ex > 15)
            return tc_fail(e, TC_EINPUT, "amount %.*s is larger than 15 digits of yuan",
                           (int)(n < 40 ? n : 40), v);
        memcpy(ip, d, (size_t)nd);
        memset(ip + nd, '0', (size_t)ex);
        ni = nd + ex;
    } else {
        int nf = -ex;   /* 1 or 2 */
        ni = nd - nf;
        if (ni > 15)
            return tc_fail(e, TC_EINPUT, "amount %.*s is larger than 15 digits of yuan",
                           (int)(n < 40 ? n : 40), v);
        if (ni > 0) {
            memcpy(ip, d, (size_t)ni);
            memcpy(fp, d + ni, (size_t)nf);
        } else {
            ip[0] = '0';
            memcpy(fp + (nf - nd), d, (size_t)nd);   /* 0.05: d "5", nf 2 */
            ni = 1;
        }
    }
    /* -ip.fp, by hand: snprintf cost more than the rest of the parse */
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    memcpy(out + k, ip, (size_t)ni);
    k += (size_t)ni;
    out[k++] = '.';
    out[k++] = fp[0];
    out[k++] = fp[1];
    out[k] = '\0';
    return 0;
}

/* ---------------------------------------------------------------- dates */

/* Days since 1970-01-01 into YYYY-MM-DD (Howard Hinnant's civil_from_days). */
static void civil(long long z, char out[11])
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    long long m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    if (y < 0 || y > 9999) {
        snprintf(out, 11, "%04lld-%02lld-%02lld", y, m, d);
        return;
    }
    out[0] = (char)('0' + y / 1000), out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10), out[3] = (char)('0' + y % 10);
    out[4] = '-', out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10);
    out[7] = '-', out[8] = (char)('0' + d / 10), out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

/* An Excel serial date: its whole days (a time of day is dropped, as
 * unloads drop it).  1900 system: serial 61 is 1900-03-01 (Excel counts
 * a 1900-02-29 that never was, so earlier serials are refused); 1904
 * system: serial 0 is 1904-01-01. */
static int serial_date(const char *v, size_t n, int d1904, char out[11])
{
    long long s = 0;
    size_t i = 0;
    for (; i < n && v[i] >= '0' && v[i] <= '9' && s < 10000000; i++)
        s = s * 10 + (v[i] - '0');
    if (!i)
        return -1;
    if (i < n && v[i] == '.') {
        for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++)
            ;
    }
    if (i != n || s > 2958465)   /* 9999-12-31 */
        return -1;
    if (d1904)
        civil(s - 24107, out);   /* 1904-01-01 is day -24107 of 1970 */
    else if (s < 61)
        return -1;
    else
        civil(s - 25569, out);   /* 1899-12-30 + s */
    return 0;
}

/* Text in one of the profile's formats (YYYY, MM or M, DD or D, literals). */
static int text_date(const char *fmt, const char *v, size_t n, char out[11])
{
    int y = 0, m = 0, d = 0;
    size_t i = 0;
    for (const char *f = fmt; *f;) {
        int *dst = NULL, min = 0, max = 0;
        if (strncmp(f, "YYYY", 4) == 0)
            dst = &y, min = max = 4, f += 4;
        else if (f[0] == 'M')
            dst = &m, max = 2, min = f[1] == 'M' ? 2 : 1, f += min;
        else if (f[0] == 'D')
            dst = &d, max = 2, min = f[1] == 'D' ? 2 : 1, f += min;
        if (dst) {
            int k = 0;
            *dst = 0;
            while (k < max && i < n && v[i] >= '0' && v[i] <= '9')
                *dst = *dst * 10 + (v[i++] - '0'), k++;
            if (k < min)
                return -1;
        } else {
            if (i >= n || v[i] != *f)
                return -1;
            i++, f++;
        }
    }
    if (i != n)
        return -1;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    int64_t chk;
    return tc_date_parse(out, 10, &chk) == 0 ? 0 : -1;
}

/* --------------------------------------------------------- cross-check */

typedef struct group {
    char *fund, *account;
    int64_t period;
    tc_fen jd, jc;           /* the journal's turnover */
    tc_fen bd, bc;           /* the balance table's */
    int jn, bn;              /* rows of each */
    int covered;
    char bcell[160];         /* the balance row, for messages */
} group;

typedef struct gmap {
    group *g;
    size_t cap, n;
} gmap;

static uint64_t ghash(const char *f, const char *a, int64_t p)
{
    uint64_t h = 1469598103934665603ull;
    for (; *f; f++)
        h = (h ^ (unsigned char)*f) * 1099511628211ull;
    h = (h ^ 0x1f) * 1099511628211ull;
    for (; *a; a++)
        h = (h ^ (unsigned char)*a) * 1099511628211ull;
    return (h ^ (uint64_t)p) * 1099511628211ull;
}

static group *gmap_get(gmap *m, const tc_value *fund, const tc_value *acct, int64_t period)
{
    char f[128], a[128];
    size_t fn = fund->s ? (fund->n < 127 ? fund->n : 127) : 0;
    size_t an = acct->s ? (acct->n < 127 ? acct->n : 127) : 0;
    memcpy(f, fund->s ? fund->s : "", fn);
    f[fn] = '\0';
    memcpy(a, acct->s ? acct->s : "", an);
    a[an] = '\0';
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        group *g = calloc(cap, sizeof(*g));
        if (!g)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->g[i].fund) {
                size_t j = ghash(m->g[i].fund, m->g[i].account, m->g[i].period) & (cap - 1);
                while (g[j].fund)
                    j = (j + 1) & (cap - 1);
                g[j] = m->g[i];
            }
        free(m->g);
        m->g = g;
        m->cap = cap;
    }
    size_t j = ghash(f, a, period) & (m->cap - 1);
    while (m->g[j].fund) {
        group *g = &m->g[j];
        if (g->period == period && strcmp(g->fund, f) == 0 && strcmp(g->account, a) == 0)
            return g;
        j = (j + 1) & (m->cap - 1);
    }
    group *g = &m->g[j];
    g->fund = strdup(f);
    g->account = strdup(a);
    g->period = period;
    if (!g->fund || !g->account)
        return NULL;
    m->n++;
    return g;
}

static int gcmp(const void *a, const void *b)
{
    const group *x = a, *y = b;
    int c = strcmp(x->fund, y->fund);
    if (c)
        return c;
    if (x->period != y->period)
        return x->period < y->period ? -1 : 1;
    return strcmp(x->account, y->account);
}

/* ------------------------------------------------------------- reading */

enum { U_TEXT = 0, U_AMOUNT, U_DATE, U_OTHER };

#define WMAXTOK 16

typedef struct wtok {
    int kind, a, b;            /* TK_*; a, b: columns */
    const char *s;             /* a literal, or a capture's name */
    size_t n;
} wtok;

typedef struct wsheet {
    const tc_profile *p;
    const pwb_table *t;
    const char *path;          /* the file */
    char sheet[256];
    char caps[4][2][64];       /* the file name's captures: name, value */
    int ncaps;
    rows *R;
    tc_err *e;
    tc_xlsx *x;
    tc_dump_stats *st;
    gmap *gm;
    int jrec, brec;            /* the voucher_line and balance sections reading this
                                * table, or -1 */
    int use[WMAXCOLS];         /* U_*: what the mapping reads each column as */
    int need[WMAXCOLS];        /* read by a field or a template: must not be empty */
    int letter[WMAXCOLS];      /* sheet column of each header or letter column */
    unsigned char *want;
    int resolved;
    /* the header rows' cells: col and text */
    struct hcell { int col; char *s; } *h[4];
    int nh[4];
    /* the row being read */
    char *val[WMAXCOLS];
    size_t vlen[WMAXCOLS];
    int vnull[WMAXCOLS];
    int vcell[WMAXCOLS];       /* the sheet column the value came from, or -1 */
    char *buf;
    size_t bcap;
    wtok tk[WMAXCOLS][WMAXTOK];  /* template columns, parsed */
    int ntk[WMAXCOLS];
    int credit_j;              /* the account column of [workbook TABLE] credit, or -1 */
    int fcol[16][TC_MAX_COLUMNS];
    int xj[5], xb[5];          /* the cross-check's columns of voucher_line and balance */  /* each record section's fields: their column, or -1 */
    char seqkey[WMAXCOLS][128];
    long seq[WMAXCOLS];
    long long skipped_blank, skipped_sub;
} wsheet;

/* Refusal at a cell (col >= 0) or a row of the sheet. */
static int cell_fail(wsheet *W, int col, long row)
{
    char ref[24];
    if (col >= 0)
        tc_xlsx_ref(ref, sizeof(ref), col, row);
    else
        snprintf(ref, sizeof(ref), "row %ld", row);
    snprintf(W->e->file, sizeof(W->e->file), "%s: %s!%s", W->path, W->sheet, ref);
    W->e->line = W->e->column = 0;
    W->e->record = 0;
    return W->e->code ? W->e->code : TC_EINPUT;
}

static void trim(const char **s, size_t *n)
{
    /* spaces, tabs, newlines and the ideographic space U+3000 */
    for (;;) {
        if (*n && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n'))
            (*s)++, (*n)--;
        else if (*n >= 3 && memcmp(*s, "\xE3\x80\x80", 3) == 0)
            *s += 3, *n -= 3;
        else
            break;
    }
    for (;;) {
        const char *e = *s + *n;
        if (*n && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
            (*n)--;
        else if (*n >= 3 && memcmp(e - 3, "\xE3\x80\x80", 3) == 0)
            *n -= 3;
        else
            break;
    }
}

/*
 * A column's header text: the texts of its cells in the header rows,
 * trimmed, joined by '/'.  A merged cell holds its text in its first cell
 * only (and the sheet lists its merges after the rows), so by rule: in a
 * header row above the last, an empty cell takes the text of the nearest
 * non-empty cell to its left in that row when the cell below it holds
 * text - a merge across, as 期初余额 over 借方 and 贷方.
 */
static void header_text(wsheet *W, int col, char *out, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    int rows = W->t->head_last - W->t->head_first + 1;
    for (int r = 0; r < rows; r++) {
        const char *s = NULL;
        int left = -1;
        for (int i = 0; i < W->nh[r]; i++) {
            if (W->h[r][i].col == col)
                s = W->h[r][i].s;
            if (W->h[r][i].col < col)
                left = i;
        }
        if (!s && r + 1 < rows && left >= 0) {
            int below = 0;
            for (int i = 0; i < W->nh[r + 1]; i++)
                below |= W->h[r + 1][i].col == col;
            if (below)
                s = W->h[r][left].s;
        }
        if (s && *s)
            k += (size_t)snprintf(out + k, n > k ? n - k : 0, "%s%s", k ? "/" : "", s);
        if (k >= n)
            k = n - 1;
    }
}

static int resolve(wsheet *W, long row)
{
    const pwb_table *t = W->t;
    int maxcol = -1;
    for (int r = 0; r < t->head_last - t->head_first + 1; r++)
        for (int i = 0; i < W->nh[r]; i++)
            if (W->h[r][i].col > maxcol)
                maxcol = W->h[r][i].col;
    for (int j = 0; j < t->ncols; j++) {
        const pwb_col *c = &t->cols[j];
        W->letter[j] = c->kind == WC_LETTER ? c->letter : -1;
        if (c->kind != WC_HEADER)
            continue;
        int found = -1, twice = -1;
        char h[512];
        for (int col = 0; col <= maxcol; col++) {
            header_text(W, col, h, sizeof(h));
            if (strcmp(h, c->spec) == 0) {
                if (found >= 0)
                    twice = col;
                else
                    found = col;
            }
        }
        if (found < 0 || twice >= 0) {
            char list[700] = "";
            size_t k = 0;
            for (int col = 0; col <= maxcol && k + 80 < sizeof(list); col++) {
                header_text(W, col, h, sizeof(h));
                if (h[0])
                    k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%.60s", k ? ", " : "",
                                          h);
            }
            if (found < 0)
                tc_fail(W->e, TC_EINPUT, "no column is headed '%s' (column %s of the profile)",
                        c->spec, c->name);
            else
                tc_fail(W->e, TC_EINPUT, "two columns are headed '%s' (column %s of the profile)",
                        c->spec, c->name);
            tc_err_hint(W->e, "the header (rows %d-%d) reads: %s; name the column as the "
                        "header spells it, or by its letter ($F), in the profile (%s line %d)",
                        t->head_first, t->head_last, list[0] ? list : "nothing",
                        W->p->workbook.path, c->line);
            return cell_fail(W, -1, row);
        }
        W->letter[j] = found;
    }
    memset(W->want, 0, 16384);
    for (int j = 0; j < t->ncols; j++)
        if (W->letter[j] >= 0)
            W->want[W->letter[j]] = 1;
    tc_xlsx_want(W->x, W->want);
    W->resolved = 1;
    return 0;
}

/* Is this row's account credit-normal ([workbook TABLE] credit: its code
 * begins with one of the prefixes)?  Its balance is then 贷方 less 借方. */
static int credit_row(const wsheet *W)
{
    int j = W->credit_j;
    if (j < 0 || W->vnull[j] || !W->val[j])
        return 0;
    const char *s = W->val[j];
    size_t n = W->vlen[j];
    trim(&s, &n);
    for (int i = 0; i < W->t->ncredit; i++) {
        size_t k = strlen(W->t->credit[i]);
        if (k <= n && memcmp(W->t->credit[i], s, k) == 0)
            return 1;
    }
    return 0;
}

static int is_subtotal(const wsheet *W, int j)
{
    const char *s = W->val[j];
    size_t n = W->vlen[j];
    if (W->vnull[j])
        return 0;
    trim(&s, &n);
    for (int i = 0; i < W->t->nmark; i++)
        if (strlen(W->t->mark[i]) == n && memcmp(W->t->mark[i], s, n) == 0)
            return 1;
    return 0;
}

/* Room for n more bytes of this row's values. */
static char *room(wsheet *W, size_t *used, size_t n)
{
    if (*used + n + 1 > W->bcap) {
        /* values point into buf: fix them up after the move */
        size_t cap = W->bcap ? W->bcap : 4096;
        while (cap < *used + n + 1)
            cap *= 2;
        char *b = realloc(W->buf, cap);
        if (!b)
            return NULL;
        for (int j = 0; j < WMAXCOLS; j++)
            if (W->val[j] && W->val[j] >= W->buf && W->val[j] < W->buf + W->bcap)
                W->val[j] = b + (W->val[j] - W->buf);
        W->buf = b;
        W->bcap = cap;
    }
    return W->buf + *used;
}

/* Template tokens, parsed once per table (the profile checked them). */
enum { TK_LIT, TK_COL, TK_YM, TK_SEQ, TK_ROW, TK_FILE, TK_DIFF, TK_DIR };

static int col_index(const pwb_table *t, const char *name, size_t n)
{
    for (int i = 0; i < t->ncols; i++)
        if (strlen(t->cols[i].name) == n && memcmp(t->cols[i].name, name, n) == 0)
            return i;
    return -1;
}

static int tokenize(wsheet *W, int j)
{
    const char *s = W->t->cols[j].spec;
    int n = 0;
    while (*s) {
        if (n == WMAXTOK) {
            tc_fail(W->e, TC_EINPUT, "column %s: a template of more than %d parts",
                    W->t->cols[j].name, WMAXTOK);
            return tc_err_hint(W->e, "simplify it (%s line %d)", W->p->workbook.path,
                               W->t->cols[j].line);
        }
        wtok *k = &W->tk[j][n++];
        memset(k, 0, sizeof(*k));
        if (*s != '{') {
            k->kind = TK_LIT;
            k->s = s;
            k->n = strcspn(s, "{");
            s += k->n;
            continue;
        }
        const char *in = s + 1, *e = strchr(s, '}');
        size_t len = (size_t)(e - in);
        const char *minus = memchr(in, '-', len), *colon = memchr(in, ':', len);
        s = e + 1;
        if (len == 3 && memcmp(in, "row", 3) == 0) {
            k->kind = TK_ROW;
        } else if (len > 5 && memcmp(in, "file:", 5) == 0) {
            k->kind = TK_FILE;
            k->s = in + 5;
            k->n = len - 5;
            char cap[80];
            snprintf(cap, sizeof(cap), "{%.*s}", (int)k->n, k->s);
            if (!strstr(W->t->file, cap)) {
                tc_fail(W->e, TC_EINPUT, "column %s: {file:%.*s}: the file pattern %s has no %s",
                        W->t->cols[j].name, (int)k->n, k->s, W->t->file, cap);
                return tc_err_hint(W->e, "name the capture in [workbook %s] file (%s)",
                                   W->t->table, W->p->workbook.path);
            }
        } else if (len > 4 && memcmp(in, "dir ", 4) == 0) {   /* {dir D A} */
            const char *sp = memchr(in + 4, ' ', len - 4);
            k->kind = TK_DIR;
            k->a = sp ? col_index(W->t, in + 4, (size_t)(sp - in - 4)) : -1;
            k->b = sp ? col_index(W->t, sp + 1, (size_t)(e - sp - 1)) : -1;
        } else if (minus) {
            k->kind = TK_DIFF;
            k->a = col_index(W->t, in, (size_t)(minus - in));
            k->b = col_index(W->t, minus + 1, (size_t)(e - minus - 1));
        } else if (len > 4 && memcmp(in, "seq ", 4) == 0) {
            k->kind = TK_SEQ;
            k->a = col_index(W->t, in + 4, len - 4);
        } else if (colon) {
            k->kind = TK_YM;
            k->a = col_index(W->t, in, (size_t)(colon - in));
        } else {
            k->kind = TK_COL;
            k->a = col_index(W->t, in, len);
        }
        if (k->a < 0 || k->b < 0)
            return tc_fail(W->e, TC_EINTERNAL, "template %s: a column the profile did not check",
                           W->t->cols[j].spec);
    }
    W->ntk[j] = n;
    return 0;
}

static size_t utoa(unsigned long v, char *out)
{
    char t[24];
    size_t k = 0, n = 0;
    do
        t[k++] = (char)('0' + v % 10);
    while ((v /= 10));
    while (k)
        out[n++] = t[--k];
    return n;
}

/* Expand a template column from the columns before it. */
static int expand(wsheet *W, int j, long row, size_t *used)
{
    size_t start = *used;
    for (int i = 0; i < W->ntk[j]; i++) {
        const wtok *t = &W->tk[j][i];
        char piece[TC_MONEY_BUFSZ + 24];
        const char *src = piece;
        size_t k = 0;
        switch (t->kind) {
        case TK_LIT: src = t->s, k = t->n; break;
        case TK_ROW: k = utoa((unsigned long)row, piece); break;
        case TK_FILE:
            for (int c = 0; c < W->ncaps; c++)
                if (strlen(W->caps[c][0]) == t->n && memcmp(W->caps[c][0], t->s, t->n) == 0)
                    src = W->caps[c][1], k = strlen(W->caps[c][1]);
            break;
        case TK_COL:
            src = W->vnull[t->a] ? "" : W->val[t->a];
            k = W->vnull[t->a] ? 0 : W->vlen[t->a];
            break;
        case TK_YM:   /* a date's YYYYMM */
            if (W->vnull[t->a] || W->vlen[t->a] != 10) {
                tc_fail(W->e, TC_EINPUT, "column %s: {%s:ym} needs a date", W->t->cols[j].name,
                        W->t->cols[t->a].name);
                return cell_fail(W, W->vcell[t->a], row);
            }
            memcpy(piece, W->val[t->a], 4);
            memcpy(piece + 4, W->val[t->a] + 5, 2);
            k = 6;
            break;
        case TK_SEQ: {   /* the row's place among the rows before it with the same value */
            const char *v = W->vnull[t->a] ? "" : W->val[t->a];
            size_t vn = W->vnull[t->a] ? 0 : W->vlen[t->a];
            if (vn > 127)
                vn = 127;
            if (vn != strlen(W->seqkey[j]) || memcmp(v, W->seqkey[j], vn) != 0) {
                memcpy(W->seqkey[j], v, vn);
                W->seqkey[j][vn] = '\0';
                W->seq[j] = 0;
            }
            k = utoa((unsigned long)++W->seq[j], piece);
            break;
        }
        case TK_DIFF: {   /* A less B, both amounts read above */
            tc_fen a = 0, b = 0, dif;
            if (!W->vnull[t->a] && tc_money_parse_yuan(W->val[t->a], W->vlen[t->a], &a, W->e))
                return cell_fail(W, W->vcell[t->a], row);
            if (!W->vnull[t->b] && tc_money_parse_yuan(W->val[t->b], W->vlen[t->b], &b, W->e))
                return cell_fail(W, W->vcell[t->b], row);
            if (credit_row(W) ? tc_money_sub(b, a, &dif) : tc_money_sub(a, b, &dif)) {
                tc_fail(W->e, TC_EINPUT, "column %s: %s less %s overflows", W->t->cols[j].name,
                        W->t->cols[t->a].name, W->t->cols[t->b].name);
                return cell_fail(W, -1, row);
            }
            tc_money_format(dif, piece);
            k = strlen(piece);
            break;
        }
        case TK_DIR: {   /* B signed by A: 借 +, 贷 -, 平 0 (and B must be 0) */
            tc_fen b = 0, v = 0;
            if (!W->vnull[t->b] && tc_money_parse_yuan(W->val[t->b], W->vlen[t->b], &b, W->e))
                return cell_fail(W, W->vcell[t->b], row);
            const char *d = W->vnull[t->a] ? "" : W->val[t->a];
            size_t dn = W->vnull[t->a] ? 0 : W->vlen[t->a];
            int debit = dn == 3 && memcmp(d, "借", 3) == 0,
                credit = dn == 3 && memcmp(d, "贷", 3) == 0;
            if (credit_row(W)) {   /* a credit-normal account: 贷 +, 借 - */
                int x = debit;
                debit = credit;
                credit = x;
            }
            if (debit) {
                v = b;
            } else if (credit) {
                if (tc_money_sub(0, b, &v)) {
                    tc_fail(W->e, TC_EINPUT, "column %s: less %s overflows", W->t->cols[j].name,
                            W->t->cols[t->b].name);
                    return cell_fail(W, W->vcell[t->b], row);
                }
            } else if (dn == 3 && memcmp(d, "平", 3) == 0) {
                if (b) {
                    tc_fail(W->e, TC_EINPUT, "column %s: the direction is 平 (balanced), and "
                            "column %s holds %s yuan, not 0", W->t->cols[j].name,
                            W->t->cols[t->b].name, tc_money_format(b, piece));
                    tc_err_hint(W->e, "a balanced account's amount is 0: correct the ledger in "
                                "the finance software and export again");
                    return cell_fail(W, W->vcell[t->b], row);
                }
            } else {
                tc_fail(W->e, TC_EINPUT, "column %s: the direction '%.*s' (column %s) is none "
                        "of 借, 贷, 平", W->t->cols[j].name, (int)(dn < 40 ? dn : 40), d,
                        W->t->cols[t->a].name);
                tc_err_hint(W->e, "a direction column holds 借 (debit), 贷 (credit) or 平 "
                            "(balanced): export the balance table again from the finance "
                            "software, with its 方向 column as it shows it");
                return cell_fail(W, W->vcell[t->a], row);
            }
            tc_money_format(v, piece);
            k = strlen(piece);
            break;
        }
        }
        /* src may be a value in buf, which room() may move */
        size_t in_buf = W->buf && src >= W->buf && src < W->buf + W->bcap
                            ? (size_t)(src - W->buf) + 1 : 0;
        char *d = room(W, used, k);
        if (!d)
            return tc_fail(W->e, TC_ENOMEM, "out of memory");
        if (in_buf)
            src = W->buf + in_buf - 1;
        memmove(d, src, k);
        *used += k;
    }
    char *d = room(W, used, 0);
    if (!d)
        return tc_fail(W->e, TC_ENOMEM, "out of memory");
    *d = '\0';
    W->val[j] = W->buf + start;
    W->vlen[j] = *used - start;
    W->vnull[j] = 0;
    W->vcell[j] = -1;
    (*used)++;
    return 0;
}

/* One cell's value, as the mapping reads its column. */
static int cell_value(wsheet *W, int j, const tc_xlsx_cell *c, long row, size_t *used)
{
    const pwb_col *pc = &W->t->cols[j];
    W->vcell[j] = W->letter[j];
    const char *s = c ? c->s : "";
    size_t n = c ? c->n : 0;
    if (c && c->kind == TC_XC_TEXT)
        trim(&s, &n);
    if (c && (c->kind == TC_XC_ERROR || c->kind == TC_XC_BOOL)) {
        tc_fail(W->e, TC_EINPUT, "column %s: the cell holds %s %.*s", pc->name,
                c->kind == TC_XC_ERROR ? "the error" : "the logical value", (int)(n < 20 ? n : 20),
                s);
        tc_err_hint(W->e, "put the value in the cell (a formula that failed shows its error) "
                    "and export again");
        return cell_fail(W, W->letter[j], row);
    }
    char tmp[40];
    if (!n) {
        if (W->use[j] == U_AMOUNT) {   /* the other side of a line is left blank */
            s = "0", n = 1;
        } else if (W->use[j] == U_TEXT && (pc->blank || !W->need[j])) {
            W->vnull[j] = 1;
            W->val[j] = NULL;
            W->vlen[j] = 0;
            return 0;
        } else {
            tc_fail(W->e, TC_EINPUT, "column %s is empty", pc->name);
            tc_err_hint(W->e, "every row below the header must give it (or say blank = %s in "
                        "[workbook %s] when a text column may be empty)", pc->name, W->t->table);
            return cell_fail(W, W->letter[j], row);
        }
    } else if (W->use[j] == U_AMOUNT && c->kind == TC_XC_NUM) {
        if (tc_workbook_yuan(s, n, tmp, W->e)) {
            tc_err_hint(W->e, "amounts are yuan with at most two decimals, never rounded: "
                        "correct the ledger in the finance software and export again");
            return cell_fail(W, W->letter[j], row);
        }
        s = tmp, n = strlen(tmp);
    } else if (W->use[j] == U_DATE) {
        int ok = -1;
        if (c->kind == TC_XC_NUM)
            ok = serial_date(s, n, tc_xlsx_date1904(W->x), tmp);
        for (int i = 0; i < W->p->workbook.ndates && ok && c->kind == TC_XC_TEXT; i++)
            ok = text_date(W->p->workbook.dates[i], s, n, tmp);
        if (ok) {
            char list[120] = "";
            size_t k = 0;
            for (int i = 0; i < W->p->workbook.ndates; i++)
                k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s", i ? ", " : "",
                                      W->p->workbook.dates[i]);
            tc_fail(W->e, TC_EINPUT, "column %s: '%.*s' is not a date", pc->name,
                    (int)(n < 40 ? n : 40), s);
            tc_err_hint(W->e, "a date cell (a serial number, from 1900-03-01) or text in one "
                        "of the profile's formats (%s; dates = ... in [workbook])", list);
            return cell_fail(W, W->letter[j], row);
        }
        s = tmp, n = 10;
    }
    char *d = room(W, used, n);
    if (!d)
        return tc_fail(W->e, TC_ENOMEM, "out of memory");
    memcpy(d, s, n);
    d[n] = '\0';
    W->val[j] = d;
    W->vlen[j] = n;
    W->vnull[j] = 0;
    *used += n + 1;
    return 0;
}

/* The records a row makes: convert every field here (naming the cell when
 * one is refused), feed the cross-check, then hand the row on. */
static int take(wsheet *W, long row)
{
    const tc_profile *p = W->p;
    for (int i = 0; i < p->nrec; i++) {
        const prec *r = &p->recs[i];
        if (strcmp(r->table, W->t->table) != 0)
            continue;
        const tc_rectype *rt = &tc_rectypes[r->rectype];
        tc_value vals[TC_MAX_COLUMNS];
        memset(vals, 0, sizeof(vals));
        for (int k = 0; k < r->nf; k++) {
            const pfield *f = &r->f[k];
            int j = W->fcol[i][k];
            const char *s = j >= 0 && !W->vnull[j] ? W->val[j] : "";
            size_t n = j >= 0 && !W->vnull[j] ? W->vlen[j] : 0;
            if (tc_profile_convert(p, f, rt->cols[f->col].type, s, n, &vals[f->col], W->e)) {
                tc_err_prefix(W->e, "column %s: ", f->column);
                tc_err_hint(W->e, "the profile (%s line %d) reads this column as it says; a "
                            "value that does not fit is refused, never rounded", p->path,
                            f->line);
                return cell_fail(W, j >= 0 ? W->vcell[j] : -1, row);
            }
        }
        int is_j = (int)(rt - tc_rectypes) == W->jrec, is_b = (int)(rt - tc_rectypes) == W->brec;
        if (W->gm && (is_j || is_b)) {
            const int *x = is_j ? W->xj : W->xb;   /* fund account date|period debit credit */
            int fund = x[0], acct = x[1];
            int64_t period = is_j ? vals[x[2]].i / 100 : vals[x[2]].i;
            group *g = gmap_get(W->gm, &vals[fund], &vals[acct], period);
            if (!g)
                return tc_fail(W->e, TC_ENOMEM, "out of memory");
            tc_fen d = vals[x[3]].i, c = vals[x[4]].i;
            tc_fen *pd = is_j ? &g->jd : &g->bd, *pc = is_j ? &g->jc : &g->bc;
            if (tc_money_add(*pd, d, pd) || tc_money_add(*pc, c, pc)) {
                tc_fail(W->e, TC_EINPUT, "the turnover of account %s overflows", g->account);
                return cell_fail(W, -1, row);
            }
            if (is_j) {
                g->jn++;
            } else {
                if (g->bn++ == 0)
                    snprintf(g->bcell, sizeof(g->bcell), "%s: %s!row %ld", W->path, W->sheet,
                             row);
            }
        }
    }
    int rc = rows_fields(W->R, W->val, W->vlen, W->vnull, W->t->ncols, row);
    if (rc)
        return cell_fail(W, -1, row);
    return 0;
}

static int on_row(void *arg, long row, const tc_xlsx_cell *c, int n, tc_err *e)
{
    wsheet *W = arg;
    const pwb_table *t = W->t;
    (void)e;
    if (row < t->head_first)
        return 0;
    if (row <= t->head_last) {
        int r = (int)(row - t->head_first);
        W->h[r] = calloc((size_t)n, sizeof(*W->h[r]));
        if (!W->h[r])
            return tc_fail(W->e, TC_ENOMEM, "out of memory");
        for (int i = 0; i < n; i++) {
            const char *s = c[i].s;
            size_t k = c[i].n;
            trim(&s, &k);
            W->h[r][W->nh[r]].col = c[i].col;
            if (!(W->h[r][W->nh[r]].s = strndup(s, k)))
                return tc_fail(W->e, TC_ENOMEM, "out of memory");
            W->nh[r]++;
        }
        return 0;
    }
    int rc;
    if (!W->resolved && (rc = resolve(W, t->head_last)))
        return rc;
    /* the mapped cells */
    const tc_xlsx_cell *by[WMAXCOLS] = {0};
    int any = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < t->ncols; j++)
            if (W->letter[j] == c[i].col && c[i].n) {
                by[j] = &c[i];
                any = 1;
            }
    if (!any) {   /* a blank separator row */
        W->skipped_blank++;
        return 0;
    }
    for (int j = 0; j < t->ncols && t->subtotal_col[0]; j++)
        if (strcmp(t->cols[j].name, t->subtotal_col) == 0 && by[j]) {
            W->val[j] = (char *)by[j]->s;
            W->vlen[j] = by[j]->n;
            W->vnull[j] = 0;
            if (is_subtotal(W, j)) {
                W->skipped_sub++;
                return 0;
            }
        }
    size_t used = 0;
    memset(W->val, 0, sizeof(W->val));
    for (int j = 0; j < t->ncols; j++) {
        size_t before = used;
        if (t->cols[j].kind == WC_TEMPLATE)
            rc = expand(W, j, row, &used);
        else
            rc = cell_value(W, j, by[j], row, &used);
        if (rc)
            return rc;
        (void)before;
    }
    return take(W, row);
}

/* ------------------------------------------------------------- files */

/* Does name match pattern pat (literal bytes, one '*', {NAME} captures: a
 * non-empty run of bytes other than _ - . and space)?  Captures into W. */
static int match(const char *pat, const char *name, wsheet *W)
{
    if (!*pat)
        return !*name;
    if (*pat == '*') {
        for (const char *s = name;; s++) {
            if (match(pat + 1, s, W))
                return 1;
            if (!*s)
                return 0;
        }
    }
    if (*pat == '{') {
        const char *e = strchr(pat, '}');
        if (!e)
            return 0;
        size_t k = 0;
        while (name[k] && !strchr("_-. ", name[k]))
            k++;
        for (; k > 0; k--) {
            int save = W->ncaps;
            if (W->ncaps < 4) {
                snprintf(W->caps[W->ncaps][0], 64, "%.*s", (int)(e - pat - 1), pat + 1);
                snprintf(W->caps[W->ncaps][1], 64, "%.*s", (int)k, name);
                W->ncaps++;
            }
            if (match(e + 1, name + k, W))
                return 1;
            W->ncaps = save;
        }
        return 0;
    }
    return *pat == *name && match(pat + 1, name + 1, W);
}

static int namecmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(wsheet *W, const char *dir, const char *name, tc_err *e)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    W->path = path;
    W->ncaps = 0;
    match(W->t->file, name, W);
    int rc = tc_xlsx_open(&W->x, path, path, e);
    if (rc)
        return rc;
    W->resolved = 0;
    memset(W->nh, 0, sizeof(W->nh));
    memset(W->seqkey, 0, sizeof(W->seqkey));
    tc_xlsx_want(W->x, NULL);
    rows_set_where(W->R, path);
    rc = tc_xlsx_read(W->x, W->t->sheet, W->sheet, sizeof(W->sheet), on_row, W, e);
    if (!rc && !W->resolved) {
        if (!W->nh[W->t->head_last - W->t->head_first]) {
            tc_fail(e, TC_EINPUT, "the sheet has no header in row %d", W->t->head_last);
            tc_err_hint(e, "the profile (%s) says the header is in rows %d-%d: is this the "
                        "export it describes?", W->p->workbook.path, W->t->head_first,
                        W->t->head_last);
            rc = cell_fail(W, -1, W->t->head_last);
        } else {
            rc = resolve(W, W->t->head_last);
        }
    }
    for (int r = 0; r < 4; r++) {
        for (int i = 0; i < W->nh[r]; i++)
            free(W->h[r][i].s);
        free(W->h[r]);
        W->h[r] = NULL;
        W->nh[r] = 0;
    }
    tc_xlsx_close(W->x);
    W->x = NULL;
    W->path = NULL;
    return rc;
}

static int read_table(const char *dir, const tc_profile *p, const pwb_table *t, rows *R,
                      gmap *gm, tc_dump_stats *st, tc_err *e)
{
    wsheet *W = calloc(1, sizeof(*W));
    if (!W)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    W->p = p, W->t = t, W->R = R, W->e = e, W->st = st, W->gm = gm;
    W->jrec = W->brec = -1;
    for (int i = 0; i < p->nrec; i++) {
        const prec *r = &p->recs[i];
        if (strcmp(r->table, t->table) != 0)
            continue;
        const char *tn = tc_rectypes[r->rectype].name;
        if (strcmp(tn, "voucher_line") == 0)
            W->jrec = r->rectype;
        if (strcmp(tn, "balance") == 0)
            W->brec = r->rectype;
        for (int k = 0; k < r->nf; k++)
            for (int j = 0; j < t->ncols; j++)
                if (strcmp(t->cols[j].name, r->f[k].column) == 0 && r->f[k].conv != CV_CONST &&
                    (W->need[j] = 1))
                    W->use[j] = r->f[k].conv == CV_YUAN || r->f[k].conv == CV_FEN ? U_AMOUNT
                                : r->f[k].conv == CV_DATE ? U_DATE
                                : r->f[k].conv == CV_TEXT || r->f[k].conv == CV_MAP ? W->use[j]
                                                                                    : U_OTHER;
    }
    static const char *const xn[5] = {"fund", "account", "date", "debit", "credit"};
    for (int k = 0; k < 5; k++) {
        W->xj[k] = tc_rectype_col(tc_rectype_find("voucher_line"), xn[k]);
        W->xb[k] = tc_rectype_col(tc_rectype_find("balance"), k == 2 ? "period" : xn[k]);
    }
    for (int i = 0; i < p->nrec; i++)
        for (int k = 0; k < p->recs[i].nf; k++)
            W->fcol[i][k] = p->recs[i].f[k].conv == CV_CONST
                                ? -1 : col_index(t, p->recs[i].f[k].column,
                                                 strlen(p->recs[i].f[k].column));
    W->credit_j = t->credit_col[0] ? col_index(t, t->credit_col, strlen(t->credit_col)) : -1;
    int rc = 0;
    for (int j = 0; j < t->ncols && !rc; j++)
        if (t->cols[j].kind == WC_TEMPLATE)
            rc = tokenize(W, j);
    if (rc) {
        free(W);
        return rc;
    }
    /* the columns a template subtracts ({A-B}) are amounts too */
    for (int j = 0; j < t->ncols; j++) {
        const char *q = t->cols[j].kind == WC_TEMPLATE ? t->cols[j].spec : "";
        for (q = strchr(q, '{'); q; q = strchr(q + 1, '{')) {
            const char *end = strchr(q, '}'), *minus = memchr(q, '-', (size_t)(end - q));
            for (int i = 0; minus && i < j; i++) {
                size_t k = strlen(t->cols[i].name);
                if ((k == (size_t)(minus - q - 1) && memcmp(q + 1, t->cols[i].name, k) == 0) ||
                    (k == (size_t)(end - minus - 1) && memcmp(minus + 1, t->cols[i].name, k) == 0))
                    W->use[i] = U_AMOUNT;
            }
        }
        /* and every column a template reads must be there */
        for (q = t->cols[j].kind == WC_TEMPLATE ? t->cols[j].spec + 1 : ""; *q; q++)
            for (int i = 0; i < j; i++) {
                size_t k = strlen(t->cols[i].name);
                if ((q[-1] == '{' || q[-1] == ' ' || q[-1] == '-') && strncmp(q, t->cols[i].name, k) == 0 &&
                    strchr("}:-", q[k]))
                    W->need[i] = 1;
            }
    }
    /* {dir D A}: A is an amount, D must give a direction */
    for (int j = 0; j < t->ncols; j++)
        for (int i = 0; i < W->ntk[j]; i++)
            if (W->tk[j][i].kind == TK_DIR) {
                W->use[W->tk[j][i].b] = U_AMOUNT;
                W->need[W->tk[j][i].a] = 1;
            }
    /* the files, in byte order of their names */
    char **names = NULL;
    int nn = 0, capn = 0;
    DIR *D = opendir(dir);
    if (!D) {
        free(W);
        return tc_fail(e, tc_errno_code(errno), "cannot read folder %s: %s", dir, strerror(errno));
    }
    for (struct dirent *de; (de = readdir(D));) {
        if (de->d_name[0] == '.' || strncmp(de->d_name, "~$", 2) == 0)
            continue;   /* dot files, Excel's lock files */
        W->ncaps = 0;
        if (!match(t->file, de->d_name, W))
            continue;
        if (nn == capn) {
            capn = capn ? capn * 2 : 8;
            char **q = realloc(names, (size_t)capn * sizeof(*q));
            if (!q) {
                rc = tc_fail(e, TC_ENOMEM, "out of memory");
                break;
            }
            names = q;
        }
        if (!(names[nn] = strdup(de->d_name))) {
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
            break;
        }
        nn++;
    }
    closedir(D);
    if (!rc && !nn) {
        tc_fail(e, TC_EINPUT, "no file in %s matches %s for table %s", dir, t->file, t->table);
        tc_err_hint(e, "put the workbook exported from the finance software in the folder, "
                    "named as the profile's pattern says (%s)", p->workbook.path);
        rc = TC_EINPUT;
    }
    qsort(names, (size_t)nn, sizeof(*names), namecmp);
    if (!rc && !(W->want = malloc(16384)))
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    if (!rc) {
        rows_block b = {.schema = "", .table = t->table, .part = NULL, .more = 0,
                        .cols = NULL, .ncols = t->ncols, .line = 0};
        char(*cols)[PNAME] = malloc((size_t)t->ncols * PNAME);
        if (!cols)
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
        for (int j = 0; !rc && j < t->ncols; j++)
            memcpy(cols[j], t->cols[j].name, PNAME);
        b.cols = cols;
        if (!rc)
            rc = rows_begin(R, &b);
        for (int i = 0; i < nn && !rc; i++)
            rc = read_file(W, dir, names[i], e);
        if (!rc)
            rc = rows_end(R);
        free(cols);
    }
    for (int i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    free(W->want);
    free(W->buf);
    free(W);
    return rc;
}

/* The journal against the balance table, per fund, account and period. */
static int cross_check(gmap *m, const char *dir, tc_err *e)
{
    group *g = malloc((m->n ? m->n : 1) * sizeof(*g));
    if (!g)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->g[i].fund)
            g[n++] = m->g[i];
    qsort(g, n, sizeof(*g), gcmp);
    int rc = 0;
    char a[TC_MONEY_BUFSZ], b[TC_MONEY_BUFSZ];
    for (size_t i = 0; i < n && !rc; i++) {
        if (!g[i].bn)
            continue;
        /* the journal groups under this account: same fund and period, the
         * account code or one it prefixes (sorted, so they follow it) */
        tc_fen d = 0, c = 0;
        size_t k = strlen(g[i].account);
        for (size_t j = i; j < n && strcmp(g[j].fund, g[i].fund) == 0 &&
                           g[j].period == g[i].period && strncmp(g[j].account, g[i].account, k) == 0;
             j++) {
            if (tc_money_add(d, g[j].jd, &d) || tc_money_add(c, g[j].jc, &c)) {
                rc = tc_fail(e, TC_EINPUT, "the turnover of account %s overflows", g[i].account);
                free(g);   /* after the message, which names one of its accounts */
                return rc;
            }
            g[j].covered = 1;
        }
        const char *side = d != g[i].bd ? "debit" : c != g[i].bc ? "credit" : NULL;
        if (side) {
            int deb = side[0] == 'd';
            tc_fail(e, TC_EINPUT, "cross-check: fund %s account %s period %lld: the journal's "
                    "%s turnover is %s yuan, the balance table's %s %s", g[i].fund, g[i].account,
                    (long long)g[i].period, side, tc_money_format(deb ? d : c, a),
                    deb ? "本期借方" : "本期贷方", tc_money_format(deb ? g[i].bd : g[i].bc, b));
            snprintf(e->file, sizeof(e->file), "%s", g[i].bcell);
            tc_err_hint(e, "the journal and the balance table must be exported from the same "
                        "ledger over the same periods, after the same postings: export both "
                        "again");
            rc = TC_EINPUT;
        }
    }
    for (size_t i = 0; i < n && !rc; i++)
        if (g[i].jn && !g[i].covered) {
            tc_fail(e, TC_EINPUT, "cross-check: fund %s account %s period %lld: the journal "
                    "has %d lines (debit %s, credit %s yuan) and the balance table no row for "
                    "the account or an account above it", g[i].fund, g[i].account,
                    (long long)g[i].period, g[i].jn, tc_money_format(g[i].jd, a),
                    tc_money_format(g[i].jc, b));
            snprintf(e->file, sizeof(e->file), "%s", dir);
            tc_err_hint(e, "export the balance table over every period the journal covers, "
                        "with every account (levels down to the journal's, or their parents)");
            rc = TC_EINPUT;
        }
    free(g);
    return rc;
}

int tc_workbook_extract(const char *dir, const tc_profile *p, tc_emit *em, tc_dump_stats *st,
                        tc_err *e)
{
    tc_dump_stats dummy;
    if (!st)
        st = &dummy;
    memset(st, 0, sizeof(*st));
    const pworkbook *w = &p->workbook;
    if (!w->on)
        return tc_fail(e, TC_EUSAGE, "profile %s does not describe workbooks (no [workbook])",
                       p->path);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        tc_fail(e, TC_EINPUT, "%s is not a folder: a workbook source is the folder of its "
                "workbooks", dir);
        return tc_err_hint(e, "name the folder holding the journal and the balance table");
    }
    /* the county: the profile's, or the folder's name */
    char county[8];
    if (w->county[0]) {
        snprintf(county, sizeof(county), "%s", w->county);
    } else {
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/')
            n--;
        size_t s = n;
        while (s && dir[s - 1] != '/')
            s--;
        if (n - s != 6 || strspn(dir + s, "0123456789") < 6) {
            tc_fail(e, TC_EINPUT, "the folder %.*s is not named by a county code, and the "
                    "profile gives none", (int)(n - s), dir + s);
            return tc_err_hint(e, "name the folder by the county's six-digit code (220182/), "
                                  "or say county = 220182 in [workbook]");
        }
        memcpy(county, dir + s, 6);
        county[6] = '\0';
    }
    rows *R = NULL;
    int rc = rows_open(&R, p, em, st, dir, e);
    if (!rc) {   /* the county, as a one-row table */
        char cols[2][PNAME];
        memcpy(cols[0], p->county.column, PNAME);
        memcpy(cols[1], p->cutover.column[0] ? p->cutover.column : "-", PNAME);
        rows_block b = {.schema = "", .table = p->county_table, .cols = cols,
                        .ncols = p->cutover.column[0] ? 2 : 1};
        char cut[11];
        snprintf(cut, sizeof(cut), "%s", w->cutover);
        char *f[2] = {county, cut};
        size_t fl[2] = {6, strlen(cut)};
        int fn[2] = {0, !cut[0]};
        rows_set_where(R, w->path);
        if (!(rc = rows_begin(R, &b)) && !(rc = rows_fields(R, f, fl, fn, b.ncols, 0)))
            rc = rows_end(R);
    }
    gmap gm = {0};
    int jt = 0, bt = 0;
    for (int i = 0; i < p->nrec; i++) {
        jt |= strcmp(tc_rectypes[p->recs[i].rectype].name, "voucher_line") == 0;
        bt |= strcmp(tc_rectypes[p->recs[i].rectype].name, "balance") == 0;
    }
    for (int i = 0; i < p->nrec && !rc; i++) {
        int dup = 0;
        for (int j = 0; j < i; j++)
            dup |= strcmp(p->recs[i].table, p->recs[j].table) == 0;
        if (!dup)
            rc = read_table(dir, p, tc_profile_workbook_table(p, p->recs[i].table), R,
                            jt && bt ? &gm : NULL, st, e);
    }
    if (!rc && jt && bt)
        rc = cross_check(&gm, dir, e);
    if (!rc) {
        rows_set_where(R, dir);
        rc = rows_finish(R);
    }
    for (size_t i = 0; i < gm.cap; i++)
        free(gm.g[i].fund), free(gm.g[i].account);
    free(gm.g);
    rows_free(R);
    return rc;
}
