/*
 * sheet.c - building sheets and documents (see sheet.h).
 *
 * The builders check everything a rendering would otherwise trip on, so
 * that the renderings need not: text is well-formed UTF-8 without control
 * characters other than a newline or a tab (pango would warn on stderr,
 * and XML cannot hold them), a row has its table's number of cells, a
 * column has a width.  The capitals of a TC_CELL_DAXIE cell are written
 * here, once, so that both renderings print the same words.
 *
 * Nothing here knows about pages: a sheet is a list of blocks in the order
 * they were added, and the renderings lay them out.
 */
#include "documents/sheet_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/daxie.h"

/* ------------------------------------------------------------------ */
/* The arena                                                          */
/* ------------------------------------------------------------------ */

struct sh_chunk {
    sh_chunk *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
};

#define CHUNK_MIN 65536

static void *arena_alloc(tc_sheet *s, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    sh_chunk *c = s->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = s->arena;
        s->arena = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static const char *arena_str(tc_sheet *s, const char *str)
{
    size_t n = strlen(str) + 1;
    char *p = arena_alloc(s, n);
    if (p)
        memcpy(p, str, n);
    return p;
}

/* ------------------------------------------------------------------ */
/* Checks                                                             */
/* ------------------------------------------------------------------ */

/* The byte offset of the first thing in s a page cannot show - malformed
 * or overlong UTF-8, a surrogate, a control character other than newline
 * and tab - or -1 when there is none. */
static long bad_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *start = p;
    while (*p) {
        unsigned c = *p;
        int len;
        uint32_t cp;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                return (long)(p - start);
            p++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return (long)(p - start);
        }
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return (long)(p - start);
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
            return (long)(p - start);
        p += len;
    }
    return -1;
}

/* 0 when text (what names it, for the message) can be printed. */
static int check_text(const tc_sheet *s, const char *what, const char *text, tc_err *e)
{
    if (!text)
        return tc_fail(e, TC_EINTERNAL, "sheet '%s': %s: no text", s ? s->title : "", what);
    long at = bad_text(text);
    if (at < 0)
        return 0;
    return tc_fail(e, TC_EINPUT, "sheet '%s': %s: byte %ld is not printable text "
                   "(malformed UTF-8 or a control character)", s ? s->title : "", what, at + 1);
}

/* ------------------------------------------------------------------ */
/* Sheets                                                             */
/* ------------------------------------------------------------------ */

int tc_sheet_new(tc_sheet **out, const char *title, tc_err *e)
{
    *out = NULL;
    int rc = check_text(NULL, "title", title, e);
    if (rc)
        return rc;
    if (!title[0])
        return tc_fail(e, TC_EINPUT, "cannot make a sheet without a title");
    tc_sheet *s = calloc(1, sizeof(*s));
    if (!s || !(s->title = arena_str(s, title))) {
        tc_sheet_free(s);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    *out = s;
    return 0;
}

void tc_sheet_free(tc_sheet *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nblocks; i++)
        free(s->blocks[i].table.rows);
    free(s->blocks);
    for (sh_chunk *c = s->arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(s);
}

int tc_sheet_set_tab(tc_sheet *s, const char *tab, tc_err *e)
{
    int rc = check_text(s, "tab name", tab, e);
    if (rc)
        return rc;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)tab; *p; p++)
        chars += (*p & 0xc0) != 0x80;
    if (chars == 0 || chars > 31 || strpbrk(tab, "[]:*?/\\\n\t") || tab[0] == '\'')
        return tc_fail(e, TC_EINPUT, "sheet '%s': tab name '%s' is not one a workbook takes "
                       "(1 to 31 characters, none of []:*?/\\)", s->title, tab);
    const char *t = arena_str(s, tab);
    if (!t)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    s->tab = t;
    return 0;
}

/* A new block of kind at the end of s, zeroed, or NULL (out of memory). */
static sh_block *add_block(tc_sheet *s, int kind)
{
    if (s->nblocks == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        sh_block *b = realloc(s->blocks, cap * sizeof(*b));
        if (!b)
            return NULL;
        s->blocks = b;
        s->cap = cap;
    }
    sh_block *b = &s->blocks[s->nblocks++];
    memset(b, 0, sizeof(*b));
    b->kind = kind;
    return b;
}

/* arena_str for text that may be NULL (kept NULL). */
static int copy_opt(tc_sheet *s, const char *in, const char **out)
{
    *out = NULL;
    if (!in)
        return 0;
    return (*out = arena_str(s, in)) ? 0 : -1;
}

int tc_sheet_header(tc_sheet *s, const char *left, const char *center, const char *right,
                    tc_err *e)
{
    const char *part[3] = {left, center, right};
    static const char *const names[3] = {"header (left)", "header (centre)", "header (right)"};
    int rc;
    for (int i = 0; i < 3; i++)
        if (part[i] && (rc = check_text(s, names[i], part[i], e)))
            return rc;
    if (!left && !center && !right)
        return tc_fail(e, TC_EINTERNAL, "sheet '%s': a header line with no part", s->title);
    const char *copy[3];
    for (int i = 0; i < 3; i++)
        if (copy_opt(s, part[i], &copy[i]))
            return tc_fail(e, TC_ENOMEM, "out of memory");
    sh_block *b = add_block(s, SH_HEADER);
    if (!b)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    memcpy(b->part, copy, sizeof(copy));
    return 0;
}

int tc_sheet_table(tc_sheet *s, const tc_column *cols, int ncols, tc_err *e)
{
    if (ncols < 1 || ncols > 32)
        return tc_fail(e, TC_EINTERNAL, "sheet '%s': a table of %d columns (1 to 32)", s->title,
                       ncols);
    int rc;
    for (int c = 0; c < ncols; c++) {
        if ((rc = check_text(s, "column heading", cols[c].heading, e)))
            return rc;
        if (!(cols[c].width > 0 && cols[c].width <= 255))
            return tc_fail(e, TC_EINTERNAL, "sheet '%s': column '%s' has width %g (more than 0, "
                           "at most 255)", s->title, cols[c].heading, cols[c].width);
        if (cols[c].align < TC_ALIGN_LEFT || cols[c].align > TC_ALIGN_RIGHT)
            return tc_fail(e, TC_EINTERNAL, "sheet '%s': column '%s' has no alignment %d",
                           s->title, cols[c].heading, cols[c].align);
    }
    tc_column *copy = arena_alloc(s, (size_t)ncols * sizeof(*copy));
    if (!copy)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (int c = 0; c < ncols; c++) {
        copy[c] = cols[c];
        if (!(copy[c].heading = arena_str(s, cols[c].heading)))
            return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    sh_block *b = add_block(s, SH_TABLE);
    if (!b)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    b->table.ncols = ncols;
    b->table.cols = copy;
    return 0;
}

int tc_sheet_row(tc_sheet *s, unsigned flags, const tc_cell *cells, int ncells, tc_err *e)
{
    if (!s->nblocks || s->blocks[s->nblocks - 1].kind != SH_TABLE)
        return tc_fail(e, TC_EINTERNAL, "sheet '%s': a row where no table was started last",
                       s->title);
    sh_table *t = &s->blocks[s->nblocks - 1].table;
    if (ncells != t->ncols)
        return tc_fail(e, TC_EINTERNAL, "sheet '%s': row %zu has %d cells for %d columns",
                       s->title, t->nrows + 1, ncells, t->ncols);
    if (flags & ~TC_ROW_TOTAL)
        return tc_fail(e, TC_EINTERNAL, "sheet '%s': row %zu: unknown flags %#x", s->title,
                       t->nrows + 1, flags);
    int rc;
    for (int c = 0; c < ncells; c++) {
        int k = cells[c].kind;
        char what[160];
        snprintf(what, sizeof(what), "row %zu, %s", t->nrows + 1, t->cols[c].heading);
        if (k == TC_CELL_TEXT && (rc = check_text(s, what, cells[c].text, e)))
            return rc;
        if (k < TC_CELL_BLANK || k > TC_CELL_DAXIE)
            return tc_fail(e, TC_EINTERNAL, "sheet '%s': row %zu: cell %d of unknown kind %d",
                           s->title, t->nrows + 1, c + 1, k);
    }
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        sh_row *r = realloc(t->rows, cap * sizeof(*r));
        if (!r)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        t->rows = r;
        t->cap = cap;
    }
    sh_cell *out = arena_alloc(s, (size_t)ncells * sizeof(*out));
    if (!out)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (int c = 0; c < ncells; c++) {
        out[c].kind = cells[c].kind;
        out[c].fen = cells[c].fen;
        out[c].text = NULL;
        if (cells[c].kind == TC_CELL_TEXT) {
            out[c].text = arena_str(s, cells[c].text);
        } else if (cells[c].kind == TC_CELL_DAXIE) {
            char w[TC_DAXIE_BUFSZ];
            if (tc_daxie(cells[c].fen, w, sizeof(w)) < 0)
                return tc_fail(e, TC_EINTERNAL, "cannot write %lld fen in capitals",
                               (long long)cells[c].fen);
            out[c].text = arena_str(s, w);
        }
        if (cells[c].kind >= TC_CELL_TEXT && cells[c].kind != TC_CELL_AMOUNT && !out[c].text)
            return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    t->rows[t->nrows].flags = flags;
    t->rows[t->nrows].cells = out;
    t->nrows++;
    return 0;
}

int tc_sheet_paragraph(tc_sheet *s, const char *text, tc_err *e)
{
    int rc = check_text(s, "paragraph", text, e);
    if (rc)
        return rc;
    const char *t = arena_str(s, text);
    sh_block *b = t ? add_block(s, SH_PARA) : NULL;
    if (!b)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    b->text = t;
    return 0;
}

int tc_sheet_signatures(tc_sheet *s, const tc_party *parties, int n, tc_err *e)
{
    if (n < 1 || n > 8)
        return tc_fail(e, TC_EINTERNAL, "sheet '%s': a signature block of %d parties (1 to 8)",
                       s->title, n);
    int rc;
    for (int i = 0; i < n; i++) {
        if ((rc = check_text(s, "party", parties[i].role, e)) ||
            (parties[i].name && (rc = check_text(s, parties[i].role, parties[i].name, e))))
            return rc;
        if (!parties[i].role[0])
            return tc_fail(e, TC_EINTERNAL, "sheet '%s': party %d has no role", s->title, i + 1);
    }
    tc_party *copy = arena_alloc(s, (size_t)n * sizeof(*copy));
    if (!copy)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        if (copy_opt(s, parties[i].role, &copy[i].role) ||
            copy_opt(s, parties[i].name, &copy[i].name))
            return tc_fail(e, TC_ENOMEM, "out of memory");
    sh_block *b = add_block(s, SH_SIGN);
    if (!b)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    b->parties = copy;
    b->nparties = n;
    return 0;
}

int tc_sheet_qr(tc_sheet *s, const char *data, const char *caption, tc_err *e)
{
    int rc;
    if ((rc = check_text(s, "QR code", data, e)) ||
        (caption && (rc = check_text(s, "QR caption", caption, e))))
        return rc;
    size_t n = strlen(data);
    if (n < 1 || n > 1024)
        return tc_fail(e, TC_EINPUT, "sheet '%s': a QR code of %zu bytes (1 to 1024)", s->title,
                       n);
    const char *d = arena_str(s, data), *c;
    if (!d || copy_opt(s, caption, &c))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    sh_block *b = add_block(s, SH_QR);
    if (!b)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    b->text = d;
    b->caption = c;
    return 0;
}

int tc_sheet_footer(tc_sheet *s, const char *text, tc_err *e)
{
    if (!text || !text[0]) {
        s->footer = NULL;
        return 0;
    }
    int rc = check_text(s, "footer", text, e);
    if (rc)
        return rc;
    const char *f = arena_str(s, text);
    if (!f)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    s->footer = f;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Documents                                                          */
/* ------------------------------------------------------------------ */

/* Whether date is YYYY-MM-DD, a real day of 1970 to 9999. */
static int good_date(const char *d)
{
    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
            return 0;
    int y = atoi(d), m = atoi(d + 5), day = atoi(d + 8);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || m < 1 || m > 12 || day < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return day <= mdays[m - 1] + (m == 2 && leap);
}

int tc_doc_new(tc_doc **out, const char *title, const char *date, tc_err *e)
{
    *out = NULL;
    int rc = check_text(NULL, "document title", title, e);
    if (rc)
        return rc;
    if (!date || !good_date(date))
        return tc_fail(e, TC_EINPUT, "document '%s': bad date '%s' (YYYY-MM-DD, from 1970)",
                       title, date ? date : "");
    tc_doc *d = calloc(1, sizeof(*d));
    if (!d || !(d->title = strdup(title))) {
        free(d);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    memcpy(d->date, date, 11);
    *out = d;
    return 0;
}

void tc_doc_free(tc_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nsheets; i++)
        tc_sheet_free(d->sheets[i]);
    free(d->sheets);
    free(d->title);
    free(d);
}

int tc_doc_add(tc_doc *d, tc_sheet *s, tc_err *e)
{
    if (d->nsheets == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 4;
        tc_sheet **n = realloc(d->sheets, cap * sizeof(*n));
        if (!n) {
            tc_sheet_free(s);
            return tc_fail(e, TC_ENOMEM, "out of memory");
        }
        d->sheets = n;
        d->cap = cap;
    }
    d->sheets[d->nsheets++] = s;
    return 0;
}

int tc_doc_add_part(tc_doc *d, tc_sheet *s, tc_err *e)
{
    s->part = 1;
    return tc_doc_add(d, s, e);
}
