/*
 * sheet_xlsx.c - a document as a workbook, for those who check the figures
 * in a spreadsheet (see sheet.h).
 *
 * A worksheet per sheet, top to bottom in the order of its blocks: the
 * title, merged over the table's width; each header line, its left part in
 * the first column, its centre part in the middle and its right part in
 * the last; a blank row before each further block; a table with its
 * headings and ruled cells; a paragraph merged over the width and wrapped;
 * a line per signing party; the QR code's data as text; the footer text.
 * The page number goes into the printed footer ("第 &P 页 共 &N 页").
 *
 * Amounts are numbers, not text, formatted #,##0.00, so that a reader can
 * add them up: the reason to have a workbook at all.  libxlsxwriter takes
 * a double, so this is where an amount becomes floating point, for display
 * only: fen / 100.0 is a correctly rounded division of two exact doubles
 * and gives the double nearest the exact yuan, which prints back as the
 * exact two-decimal figure while it has at most 15 significant digits - so
 * amounts of 10^13 yuan or more (10^15 fen) are refused rather than shown
 * wrong (reconcile/report_xlsx.c does the same).  The record is the PDF
 * and the figures the trail holds, never the spreadsheet's arithmetic.
 * An amount in capitals is text.
 *
 * Deterministic bytes: libxlsxwriter takes the creation time of the
 * document properties and of every zip entry from the clock unless one is
 * given; the document's date is given.  libxlsxwriter writes to a path,
 * so it gets the temporary file of core/atomic.h, synced and renamed into
 * place like every other output.
 */
#include "documents/sheet_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "core/atomic.h"
#include "core/version.h"

/* The largest amount a spreadsheet shows exactly to the fen (see above). */
#define XLSX_FEN_LIMIT INT64_C(1000000000000000)
#define TAB_MAX 31

typedef struct book {
    lxw_workbook *wb;
    lxw_format *title, *part[3], *head, *text[2][3], *amt[2], *para, *bold, *small;
    lxw_error lerr;       /* the first libxlsxwriter error */
    const char *where;    /* the sheet it happened on */
    tc_fen too_big;       /* an amount refused, when not 0 */
    int nomem;
} book;

typedef struct ws {
    lxw_worksheet *w;
    const tc_sheet *s;
    int ncols;            /* the widest table's, at least 1 */
    double width;         /* the sum of the column widths, in characters */
    lxw_row_t row;        /* the next row */
} ws;

static void check(book *b, const ws *w, lxw_error rc)
{
    if (rc != LXW_NO_ERROR && b->lerr == LXW_NO_ERROR) {
        b->lerr = rc;
        b->where = w ? w->s->title : "workbook";
    }
}

/* ------------------------------------------------------------------ */
/* Formats                                                            */
/* ------------------------------------------------------------------ */

static lxw_format *fmt(book *b)
{
    lxw_format *f = workbook_add_format(b->wb);
    if (!f)
        b->nomem = 1;
    else
        format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    return f;
}

static void formats(book *b)
{
    static const uint8_t al[3] = {LXW_ALIGN_LEFT, LXW_ALIGN_CENTER, LXW_ALIGN_RIGHT};
    if ((b->title = fmt(b))) {
        format_set_bold(b->title);
        format_set_font_size(b->title, 16);
        format_set_align(b->title, LXW_ALIGN_CENTER);
    }
    for (int i = 0; i < 3; i++)
        if ((b->part[i] = fmt(b)))
            format_set_align(b->part[i], al[i]);
    if ((b->head = fmt(b))) {
        format_set_bold(b->head);
        format_set_align(b->head, LXW_ALIGN_CENTER);
        format_set_text_wrap(b->head);
        format_set_border(b->head, LXW_BORDER_THIN);
    }
    for (int bold = 0; bold < 2; bold++) {
        for (int i = 0; i < 3; i++)
            if ((b->text[bold][i] = fmt(b))) {
                format_set_align(b->text[bold][i], al[i]);
                format_set_text_wrap(b->text[bold][i]);
                format_set_border(b->text[bold][i], LXW_BORDER_THIN);
                if (bold) {
                    format_set_bold(b->text[bold][i]);
                    format_set_top(b->text[bold][i], LXW_BORDER_MEDIUM);
                }
            }
        if ((b->amt[bold] = fmt(b))) {
            format_set_num_format(b->amt[bold], "#,##0.00");
            format_set_border(b->amt[bold], LXW_BORDER_THIN);
            if (bold) {
                format_set_bold(b->amt[bold]);
                format_set_top(b->amt[bold], LXW_BORDER_MEDIUM);
            }
        }
    }
    if ((b->para = fmt(b))) {
        format_set_text_wrap(b->para);
        format_set_align(b->para, LXW_ALIGN_VERTICAL_TOP);
    }
    if ((b->bold = fmt(b)))
        format_set_bold(b->bold);
    if ((b->small = fmt(b)))
        format_set_font_size(b->small, 9);
}

/* ------------------------------------------------------------------ */
/* Cells                                                              */
/* ------------------------------------------------------------------ */

static void str(book *b, ws *w, int col, const char *s, lxw_format *f)
{
    check(b, w, worksheet_write_string(w->w, w->row, (lxw_col_t)col, s, f));
}

/* s over the whole width of the sheet, in one merged cell. */
static void wide(book *b, ws *w, const char *s, lxw_format *f)
{
    if (w->ncols == 1)
        str(b, w, 0, s, f);
    else
        check(b, w, worksheet_merge_range(w->w, w->row, 0, w->row, (lxw_col_t)(w->ncols - 1), s,
                                          f));
}

/* A row high enough for s wrapped in a merged cell of the sheet's width,
 * counting characters as a spreadsheet does: two for a character beyond
 * Latin, one for any other. */
static void tall_row(book *b, ws *w, const char *s)
{
    double lines = 0, cur = 0;
    for (const unsigned char *p = (const unsigned char *)s;; p++) {
        if (*p == '\n' || !*p) {
            lines += cur > w->width ? (double)(int)(cur / w->width + 0.999) : 1;
            cur = 0;
            if (!*p)
                break;
            continue;
        }
        if ((*p & 0xc0) != 0x80)
            cur += *p >= 0xe0 ? 2 : 1;
    }
    if (lines > 1)
        check(b, w, worksheet_set_row(w->w, w->row, 15 * lines, NULL));
}

/* The double shown for an amount: exact to the fen below XLSX_FEN_LIMIT. */
static double yuan(book *b, tc_fen v)
{
    if (v >= XLSX_FEN_LIMIT || v <= -XLSX_FEN_LIMIT) {
        if (!b->too_big)
            b->too_big = v;
        return 0;
    }
    return (double)v / 100.0;
}

/* ------------------------------------------------------------------ */
/* Blocks                                                             */
/* ------------------------------------------------------------------ */

static void header(book *b, ws *w, const sh_block *k)
{
    if (w->ncols < 3) {   /* too narrow for three places: the parts joined */
        char line[4096] = "";
        for (int i = 0; i < 3; i++)
            if (k->part[i]) {
                if (line[0])
                    strncat(line, "    ", sizeof(line) - strlen(line) - 1);
                strncat(line, k->part[i], sizeof(line) - strlen(line) - 1);
            }
        str(b, w, 0, line, b->part[0]);
    } else {
        if (k->part[0])
            str(b, w, 0, k->part[0], b->part[0]);
        if (k->part[1]) {
            if (w->ncols == 3)
                str(b, w, 1, k->part[1], b->part[1]);
            else
                check(b, w, worksheet_merge_range(w->w, w->row, 1, w->row,
                                                  (lxw_col_t)(w->ncols - 2), k->part[1],
                                                  b->part[1]));
        }
        if (k->part[2])
            str(b, w, w->ncols - 1, k->part[2], b->part[2]);
    }
    w->row++;
}

static void table(book *b, ws *w, const sh_table *t)
{
    for (int c = 0; c < t->ncols; c++)
        str(b, w, c, t->cols[c].heading, b->head);
    w->row++;
    for (size_t r = 0; r < t->nrows; r++) {
        int bold = (t->rows[r].flags & TC_ROW_TOTAL) != 0;
        for (int c = 0; c < t->ncols; c++) {
            const sh_cell *v = &t->rows[r].cells[c];
            lxw_format *tf = b->text[bold][t->cols[c].align];
            switch (v->kind) {
            case TC_CELL_AMOUNT:
                check(b, w, worksheet_write_number(w->w, w->row, (lxw_col_t)c,
                                                   yuan(b, v->fen), b->amt[bold]));
                break;
            case TC_CELL_DAXIE:
                str(b, w, c, v->text, b->text[bold][TC_ALIGN_LEFT]);
                break;
            case TC_CELL_TEXT:
                str(b, w, c, v->text, tf);
                break;
            default:
                check(b, w, worksheet_write_blank(w->w, w->row, (lxw_col_t)c, tf));
            }
        }
        w->row++;
    }
}

static void signatures(book *b, ws *w, const sh_block *k)
{
    for (int i = 0; i < k->nparties; i++) {
        const tc_party *pt = &k->parties[i];
        size_t n = strlen(pt->role) + (pt->name ? strlen(pt->name) : 0) + 128;
        char *line = malloc(n);
        if (!line) {
            b->nomem = 1;
            return;
        }
        snprintf(line, n, "%s    名称：%s    签字：________    日期：________    （盖章）",
                 pt->role, pt->name ? pt->name : "________");
        wide(b, w, line, b->para);
        free(line);
        w->row++;
    }
}

static void text_row(book *b, ws *w, const char *s, lxw_format *f)
{
    tall_row(b, w, s);
    wide(b, w, s, f);
    w->row++;
}

static void qr(book *b, ws *w, const sh_block *k)
{
    size_t n = strlen(k->text) + (k->caption ? strlen(k->caption) : 0) + 8;
    char *line = malloc(n);
    if (!line) {
        b->nomem = 1;
        return;
    }
    snprintf(line, n, "%s%s%s", k->caption ? k->caption : "", k->caption ? "  " : "", k->text);
    text_row(b, w, line, b->small);
    free(line);
}

/* ------------------------------------------------------------------ */
/* Worksheets                                                         */
/* ------------------------------------------------------------------ */

typedef char tab_t[TAB_MAX * 4 + 1];

/* The tab of sheet i of d into tabs[i], the tabs of the sheets before it
 * being made: its own name or its title, cut to TAB_MAX characters, the
 * characters a workbook refuses replaced, and numbered "(2)", "(3)" when
 * an earlier sheet has the name (the number replacing the end of a long
 * one). */
static void tab_name(const tc_doc *d, size_t i, tab_t *tabs)
{
    const tc_sheet *s = d->sheets[i];
    const char *src = s->tab ? s->tab : s->title;
    tab_t base;
    size_t o = 0, nchars = 0;
    for (const char *p = src; *p && nchars < TAB_MAX;) {
        size_t len = 1;
        while ((p[len] & 0xc0) == 0x80)
            len++;
        if (len == 1 && strchr("[]:*?/\\'\n\t", *p)) {
            base[o++] = '_';
        } else {
            memcpy(base + o, p, len);
            o += len;
        }
        p += len;
        nchars++;
    }
    base[o] = 0;
    snprintf(tabs[i], sizeof(tabs[i]), "%s", base);
    for (int k = 2;; k++) {
        int taken = 0;
        for (size_t j = 0; j < i && !taken; j++)
            taken = strcasecmp(tabs[j], tabs[i]) == 0;
        if (!taken)
            return;
        char suffix[16];
        size_t sl = (size_t)snprintf(suffix, sizeof(suffix), "(%d)", k), keep = o,
               kept = nchars;
        while (kept + sl > TAB_MAX) {
            do
                keep--;
            while (keep > 0 && (base[keep] & 0xc0) == 0x80);
            kept--;
        }
        snprintf(tabs[i], sizeof(tabs[i]), "%.*s%s", (int)keep, base, suffix);
    }
}

static void sheet(book *b, const tc_doc *d, size_t i, const char *tab)
{
    const tc_sheet *s = d->sheets[i];
    ws w = {.s = s, .ncols = 1};
    if (!(w.w = workbook_add_worksheet(b->wb, tab))) {
        check(b, &w, LXW_ERROR_PARAMETER_VALIDATION);
        return;
    }
    double widths[32] = {0};
    for (size_t k = 0; k < s->nblocks; k++)
        if (s->blocks[k].kind == SH_TABLE) {
            const sh_table *t = &s->blocks[k].table;
            if (t->ncols > w.ncols)
                w.ncols = t->ncols;
            for (int c = 0; c < t->ncols; c++)
                if (t->cols[c].width > widths[c])
                    widths[c] = t->cols[c].width;
        }
    if (widths[0] == 0)
        widths[0] = 90;
    for (int c = 0; c < w.ncols; c++) {
        check(b, &w, worksheet_set_column(w.w, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL));
        w.width += widths[c];
    }
    worksheet_set_portrait(w.w);
    worksheet_set_paper(w.w, 9);   /* A4 */
    worksheet_fit_to_pages(w.w, 1, 0);
    check(b, &w, worksheet_set_footer(w.w, "&C第 &P 页 共 &N 页"));

    check(b, &w, worksheet_set_row(w.w, 0, 28, NULL));
    wide(b, &w, s->title, b->title);
    w.row++;
    for (size_t k = 0; k < s->nblocks; k++) {
        const sh_block *blk = &s->blocks[k];
        if (blk->kind != SH_HEADER)
            w.row++;
        switch (blk->kind) {
        case SH_HEADER:
            header(b, &w, blk);
            break;
        case SH_TABLE:
            table(b, &w, &blk->table);
            break;
        case SH_PARA:
            text_row(b, &w, blk->text, b->para);
            break;
        case SH_SIGN:
            signatures(b, &w, blk);
            break;
        case SH_QR:
            qr(b, &w, blk);
            break;
        }
    }
    if (s->footer) {
        w.row++;
        text_row(b, &w, s->footer, b->small);
    }
}

/* The document's date at midnight UTC. */
static time_t doc_time(const tc_doc *d)
{
    struct tm tm = {0};
    tm.tm_year = atoi(d->date) - 1900;
    tm.tm_mon = atoi(d->date + 5) - 1;
    tm.tm_mday = atoi(d->date + 8);
    time_t t = timegm(&tm);
    return t > 0 ? t : 1;   /* 0 would mean "now" to libxlsxwriter */
}

static int build(book *b, const tc_doc *d, tc_err *e)
{
    lxw_doc_properties props = {
        .title = d->title,
        .author = "tongchou " TC_VERSION,
        .comments = "The PDF and the figures of the audit trail are the record",
        .created = doc_time(d)};
    check(b, NULL, workbook_set_properties(b->wb, &props));
    formats(b);
    tab_t *tabs = calloc(d->nsheets, sizeof(*tabs));
    if (!tabs)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (size_t i = 0; i < d->nsheets && !b->nomem; i++) {
        tab_name(d, i, tabs);
        sheet(b, d, i, tabs[i]);
    }
    free(tabs);
    if (b->too_big) {
        char m[TC_MONEY_GROUPED_BUFSZ];
        tc_fail(e, TC_EINPUT, "document '%s': amount %s is too large for a spreadsheet to "
                "show to the fen", d->title, tc_money_format_grouped(b->too_big, m));
        return tc_err_hint(e, "a workbook shows amounts below 10,000,000,000,000.00 yuan "
                           "exactly");
    }
    if (b->nomem)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (b->lerr != LXW_NO_ERROR)
        return tc_fail(e, TC_EIO, "cannot build the workbook: sheet '%s': %s", b->where,
                       lxw_strerror(b->lerr));
    return 0;
}

int tc_doc_write_xlsx(const tc_doc *d, const char *path, tc_err *e)
{
    if (!d->nsheets)
        return tc_fail(e, TC_EINPUT, "document '%s': no sheet to write", d->title);
    tc_atomic *a;
    int rc = tc_atomic_open(&a, path, e);
    if (rc)
        return rc;
    book b = {0};
    b.lerr = LXW_NO_ERROR;
    b.wb = workbook_new(tc_atomic_temp_path(a));
    if (!b.wb) {
        tc_atomic_abort(a);
        return tc_fail(e, TC_EIO, "cannot start the workbook %s", path);
    }
    rc = build(&b, d, e);
    /* workbook_close() writes the file, and frees the workbook either way. */
    lxw_error lrc = workbook_close(b.wb);
    if (rc == 0 && lrc != LXW_NO_ERROR)
        rc = tc_fail(e, TC_EIO, "cannot write %s: %s", path, lxw_strerror(lrc));
    if (rc) {
        tc_atomic_abort(a);
        return rc;
    }
    return tc_atomic_commit(a, e);
}
