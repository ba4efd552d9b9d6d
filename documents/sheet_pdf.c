/*
 * sheet_pdf.c - a document as a PDF for print (see sheet.h).
 *
 * The form: A4 portrait (595.28 x 841.89 pt), margins of 20 mm at the top
 * and sides and 25 mm at the foot, where each page carries the sheet's
 * footer text and "第 N 页 共 M 页" (N and M counted within the part, where a
 * document bundles several: tc_doc_add_part).  Every text is set by pango in Noto
 * Serif CJK SC (fonts-noto-cjk), regular and bold, which cairo subsets and
 * embeds; figures use the font's tabular digits so that amounts line up.
 * The font comes cut to GB 2312 and the punctuation, as Tongchou Serif SC,
 * made by the build (fontcut.c: cairo copies the whole font for every PDF,
 * and the cut is a quarter of it); pango is asked for "Tongchou Serif SC,
 * Noto Serif CJK SC", so a character outside the cut comes from the full
 * font.  fonts_register() gives the cut to fontconfig, once per process.
 *
 * Two passes over the same code.  The footer needs M, the number of pages,
 * before the first page is drawn, so the first pass lays everything out
 * and only counts pages; the second draws, laying out again what it draws
 * but taking each table row's height from the first.  Both measure with
 * the same pango context (resolution 72, so a point of font size is a
 * point on the page; no hinting, no rounding of glyph positions) on the
 * same cairo context, which is what makes the page breaks of the two
 * passes the same - the second checks that it ended on the page count the
 * first found.  The first pass also refuses a character no installed font
 * has a glyph for, so nothing is printed as an empty box.
 *
 * Tables break between rows and repeat their column headings on the next
 * page; a paragraph breaks between lines; a signature block and a QR code
 * never break.  A single row taller than a page is refused.
 *
 * Deterministic bytes: cairo would write the clock into CreationDate; the
 * document's date is set as both creation and modification date instead
 * (cairo_pdf_surface_set_metadata, cairo 1.16 and later).  Nothing else in
 * cairo's output varies between runs: the font subsets' tags are made from
 * the glyphs they hold, and cairo 1.16 writes no /ID.  (Cairo 1.16 writes
 * the dates without the "D:" prefix, which the PDF reference calls
 * optional; poppler and the usual readers take them.)
 *
 * The file is written through core/atomic.h: cairo's output stream goes
 * to the temporary file, which is synced and renamed into place when
 * everything went right, and removed otherwise.
 */
#include "documents/sheet_int.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/version.h"

/* ------------------------------------------------------------------ */
/* The form                                                           */
/* ------------------------------------------------------------------ */

#define MM (72.0 / 25.4)
#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN_X (20 * MM)
#define MARGIN_TOP (20 * MM)
#define MARGIN_FOOT (25 * MM)
#define CONTENT_W (PAGE_W - 2 * MARGIN_X)
#define PAGENO_BASE (PAGE_H - 12 * MM)   /* the page number's bottom */

#define FONT_FAMILY "Noto Serif CJK SC"
#define FONT_PACKAGE "fonts-noto-cjk"
#define FONT_CUT "Tongchou Serif SC"                /* fontcut.c */
#define FONT_ASKED FONT_CUT "," FONT_FAMILY
static const char *const font_cut_file[2] = {"TongchouSerifSC-Regular.otf",
                                             "TongchouSerifSC-Bold.otf"};

#define GAP 8.0           /* between blocks */
#define PAD_X 3.0         /* inside a table cell */
#define PAD_Y 2.5
#define RULE 0.4          /* a table's inner rules */
#define FRAME 0.9         /* its frame, and the rule above a total */
#define SEAL_H (20 * MM)  /* the seal's space in a signature box */
#define QR_MODULE 2.0     /* a QR module's side, at most */
#define QR_QUIET 4        /* modules of white around a QR code */

enum { F_BODY, F_BOLD, F_TITLE, F_CELL, F_CELL_BOLD, F_SMALL, F_N };

static const struct {
    double size;
    int bold;
} fonts[F_N] = {
    [F_BODY] = {10.5, 0}, [F_BOLD] = {10.5, 1}, [F_TITLE] = {18, 1},
    [F_CELL] = {9, 0},    [F_CELL_BOLD] = {9, 1}, [F_SMALL] = {8, 0},
};

typedef struct pdf {
    cairo_t *cr;
    PangoContext *ctx;
    PangoLayout *lay;      /* for the blocks */
    PangoLayout *flay;     /* for the page foot, drawn in the middle of a block */
    PangoFontDescription *font[F_N];
    PangoAttrList *tnum;   /* tabular figures, for amounts */
    double line_h[F_N];    /* the height of one line in each font */
    int draw;              /* 0 in the first pass, which only measures */
    int page;              /* pages finished so far, in this pass */
    int pages;             /* the document's, from the first pass */
    int *part_pages;       /* each part's pages, from the first pass (tc_doc_add_part) */
    size_t part;           /* the part being laid out */
    int part_first;        /* pages finished before it began */
    double y;              /* where the next thing goes */
    double bottom;         /* the lowest y the sheet's content may reach */
    const tc_sheet *sheet;
    int table_no;          /* of the sheet, for messages */
    double *heights;       /* every table row's, in order, from the first pass */
    size_t nheights, cap, next_height;
    double *rules;         /* the page's rules not yet stroked: x0 y0 x1 y1 width */
    size_t nrules, rules_cap;
    int rc;                /* the first failure, TC_OK while none */
    tc_err *e;
} pdf;

/* ------------------------------------------------------------------ */
/* Text                                                               */
/* ------------------------------------------------------------------ */

static double units(int v)
{
    return (double)v / PANGO_SCALE;
}

/* Set text in font f on layout l, wrapped at width w (one line when w is
 * 0), aligned; tabular figures when tnum.  In the first pass, a character
 * that no installed font has is refused. */
static PangoLayout *set(pdf *p, PangoLayout *l, const char *text, int f, double w, int align,
                        int tnum)
{
    pango_layout_set_font_description(l, p->font[f]);
    pango_layout_set_width(l, w > 0 ? pango_units_from_double(w) : -1);
    pango_layout_set_alignment(l, align == TC_ALIGN_CENTER  ? PANGO_ALIGN_CENTER
                                  : align == TC_ALIGN_RIGHT ? PANGO_ALIGN_RIGHT
                                                            : PANGO_ALIGN_LEFT);
    pango_layout_set_attributes(l, tnum ? p->tnum : NULL);
    pango_layout_set_text(l, text, -1);
    if (!p->draw && !p->rc && pango_layout_get_unknown_glyphs_count(l) > 0) {
        p->rc = tc_fail(p->e, TC_EINPUT, "sheet '%s': '%.60s' holds a character that no "
                        "installed font has", p->sheet->title, text);
        tc_err_hint(p->e, "the documents print Chinese with %s (package %s); replace the "
                    "character", FONT_FAMILY, FONT_PACKAGE);
    }
    return l;
}

static double height(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return units(h);
}

static double width(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return units(w);
}

/* Draw l with its top left corner at (x, y), in the second pass. */
static void show(pdf *p, PangoLayout *l, double x, double y)
{
    if (!p->draw)
        return;
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, l);
}

/* Text in one block of the given width at (x, y); returns its height. */
static double text_at(pdf *p, const char *text, int f, double x, double y, double w, int align)
{
    PangoLayout *l = set(p, p->lay, text, f, w, align, 0);
    show(p, l, x, y);
    return height(l);
}

/* A rule, in the second pass.  The page's rules are stroked together,
 * one path per width, when the page ends: a stroke per rule made cairo
 * record, analyse and write hundreds of paths a page. */
static void line(pdf *p, double x0, double y0, double x1, double y1, double lw)
{
    if (!p->draw || p->rc)
        return;
    if (p->nrules + 5 > p->rules_cap) {
        size_t cap = p->rules_cap ? 2 * p->rules_cap : 1024;
        double *r = realloc(p->rules, cap * sizeof(*r));
        if (!r) {
            p->rc = tc_fail(p->e, TC_ENOMEM, "out of memory");
            return;
        }
        p->rules = r;
        p->rules_cap = cap;
    }
    double *r = p->rules + p->nrules;
    r[0] = x0, r[1] = y0, r[2] = x1, r[3] = y1, r[4] = lw;
    p->nrules += 5;
}

static void rules_flush(pdf *p)
{
    static const double widths[] = {RULE, FRAME};
    for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
        int any = 0;
        for (size_t i = 0; i < p->nrules; i += 5)
            if (p->rules[i + 4] == widths[w]) {
                cairo_move_to(p->cr, p->rules[i], p->rules[i + 1]);
                cairo_line_to(p->cr, p->rules[i + 2], p->rules[i + 3]);
                any = 1;
            }
        if (any) {
            cairo_set_line_width(p->cr, widths[w]);
            cairo_stroke(p->cr);
        }
    }
    p->nrules = 0;
}

/* ------------------------------------------------------------------ */
/* Pages                                                              */
/* ------------------------------------------------------------------ */

/* The height of a sheet's footer text, 0 when it has none. */
static double footer_h(pdf *p)
{
    if (!p->sheet->footer)
        return 0;
    return height(set(p, p->flay, p->sheet->footer, F_SMALL, CONTENT_W, TC_ALIGN_LEFT, 0));
}

/* Where the content of the current sheet must end: above its footer text
 * and the page number, and never lower than the margin. */
static void sheet_bottom(pdf *p)
{
    double fh = footer_h(p), foot = PAGENO_BASE - p->line_h[F_CELL];
    if (fh > 0)
        foot -= 4 + fh;
    foot -= 6;
    p->bottom = foot < PAGE_H - MARGIN_FOOT ? foot : PAGE_H - MARGIN_FOOT;
}

/* Finish the page: its foot, in the second pass; then a new one begins. */
static void page_end(pdf *p)
{
    p->page++;
    if (!p->draw)
        p->part_pages[p->part]++;
    if (p->draw) {
        char no[64];
        snprintf(no, sizeof(no), "第 %d 页 共 %d 页", p->page - p->part_first,
                 p->part_pages[p->part]);
        PangoLayout *l = set(p, p->flay, no, F_CELL, CONTENT_W, TC_ALIGN_CENTER, 0);
        double top = PAGENO_BASE - height(l);
        show(p, l, MARGIN_X, top);
        if (p->sheet->footer) {
            l = set(p, p->flay, p->sheet->footer, F_SMALL, CONTENT_W, TC_ALIGN_LEFT, 0);
            show(p, l, MARGIN_X, top - 4 - height(l));
        }
        rules_flush(p);
        cairo_show_page(p->cr);
    }
    p->y = MARGIN_TOP;
}

/* Room for h more points on this page, or a new page (unless this one is
 * still empty: what does not fit an empty page is the caller's to refuse). */
static void need(pdf *p, double h)
{
    if (p->y + h > p->bottom && p->y > MARGIN_TOP)
        page_end(p);
}

/* Space before a block, except at the top of a page. */
static void space(pdf *p, double g)
{
    if (p->y > MARGIN_TOP)
        p->y += g;
}

/* ------------------------------------------------------------------ */
/* Title, header lines, paragraphs                                    */
/* ------------------------------------------------------------------ */

static void title(pdf *p, const char *t)
{
    p->y += text_at(p, t, F_TITLE, MARGIN_X, p->y, CONTENT_W, TC_ALIGN_CENTER) + 6;
}

/* Left, centre and right parts on one line when they fit without meeting,
 * else one line each. */
static void header(pdf *p, const sh_block *b)
{
    double w[3] = {0, 0, 0}, h = 0;
    for (int i = 0; i < 3; i++)
        if (b->part[i]) {
            PangoLayout *l = set(p, p->lay, b->part[i], F_BODY, 0, TC_ALIGN_LEFT, 1);
            w[i] = width(l);
            if (height(l) > h)
                h = height(l);
        }
    double cl = (CONTENT_W - w[1]) / 2, cr = cl + w[1];   /* the centre part's extent */
    int one = h > 0 && w[0] + w[2] + 24 <= CONTENT_W &&
              (!b->part[1] || (w[0] + 12 <= cl && cr + 12 <= CONTENT_W - w[2]));
    if (one) {
        need(p, h);
        static const int al[3] = {TC_ALIGN_LEFT, TC_ALIGN_CENTER, TC_ALIGN_RIGHT};
        for (int i = 0; i < 3; i++)
            if (b->part[i]) {
                PangoLayout *l = set(p, p->lay, b->part[i], F_BODY, CONTENT_W, al[i], 1);
                show(p, l, MARGIN_X, p->y);
            }
        p->y += h + 2;
        return;
    }
    static const int al[3] = {TC_ALIGN_LEFT, TC_ALIGN_CENTER, TC_ALIGN_RIGHT};
    for (int i = 0; i < 3; i++)
        if (b->part[i]) {
            PangoLayout *l = set(p, p->lay, b->part[i], F_BODY, CONTENT_W, al[i], 1);
            need(p, height(l));
            show(p, l, MARGIN_X, p->y);
            p->y += height(l) + 2;
        }
}

/* Line by line, so that a long paragraph continues on the next page. */
static void paragraph(pdf *p, const char *text)
{
    PangoLayout *l = set(p, p->lay, text, F_BODY, CONTENT_W, TC_ALIGN_LEFT, 0);
    pango_layout_set_justify(l, TRUE);
    PangoLayoutIter *it = pango_layout_get_iter(l);
    do {
        PangoRectangle r;
        pango_layout_iter_get_line_extents(it, NULL, &r);
        double lh = units(r.height), base = units(pango_layout_iter_get_baseline(it) - r.y);
        need(p, lh);
        if (p->draw) {
            cairo_move_to(p->cr, MARGIN_X + units(r.x), p->y + base);
            pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
        }
        p->y += lh;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    pango_layout_set_justify(l, FALSE);
}

/* ------------------------------------------------------------------ */
/* Tables                                                             */
/* ------------------------------------------------------------------ */

typedef struct cols {
    double x[33];   /* left edges, and the right edge of the last */
} cols;

static void col_edges(const sh_table *t, cols *c)
{
    double total = 0;
    for (int i = 0; i < t->ncols; i++)
        total += t->cols[i].width;
    double x = MARGIN_X;
    for (int i = 0; i < t->ncols; i++) {
        c->x[i] = x;
        x += CONTENT_W * t->cols[i].width / total;
    }
    c->x[t->ncols] = MARGIN_X + CONTENT_W;
}

/* Lay out (and, when at is not NULL, draw at the row's top *at with height
 * rh) the cell; returns its height without padding. */
static double cell(pdf *p, const sh_table *t, const cols *c, int i, const sh_cell *v, int bold,
                   const double *at, double rh)
{
    double x0 = c->x[i] + PAD_X, w = c->x[i + 1] - c->x[i] - 2 * PAD_X;
    int f = bold ? F_CELL_BOLD : F_CELL;
    if (v->kind == TC_CELL_BLANK)
        return 0;
    if (v->kind == TC_CELL_AMOUNT) {
        if (!at)   /* one line of digits: the font's line, no layout needed */
            return p->line_h[f];
        char a[TC_MONEY_GROUPED_BUFSZ];
        PangoLayout *l = set(p, p->lay, tc_money_format_grouped(v->fen, a), f, 0, TC_ALIGN_RIGHT, 1);
        double aw = width(l), ah = height(l);
        if (at && p->draw) {
            double y = *at + (rh - ah) / 2;
            if (aw <= w) {
                show(p, l, x0 + w - aw, y);
            } else {   /* condensed to fit, rather than spilling into the next column */
                cairo_save(p->cr);
                cairo_translate(p->cr, x0, y);
                cairo_scale(p->cr, w / aw, 1);
                show(p, l, 0, 0);
                cairo_restore(p->cr);
            }
        }
        return ah;
    }
    int align = v->kind == TC_CELL_DAXIE ? TC_ALIGN_LEFT : t->cols[i].align;
    PangoLayout *l = set(p, p->lay, v->text, f, w, align, 1);
    double h = height(l);
    if (at)
        show(p, l, x0, *at + (rh - h) / 2);
    return h;
}

static double row_height(pdf *p, const sh_table *t, const cols *c, const sh_row *r)
{
    double h = p->line_h[F_CELL];
    for (int i = 0; i < t->ncols; i++) {
        double ch = cell(p, t, c, i, &r->cells[i], r->flags & TC_ROW_TOTAL, NULL, 0);
        if (ch > h)
            h = ch;
    }
    return h + 2 * PAD_Y;
}

static double heading_height(pdf *p, const sh_table *t, const cols *c)
{
    double h = p->line_h[F_CELL_BOLD];
    for (int i = 0; i < t->ncols; i++) {
        double ch = height(set(p, p->lay, t->cols[i].heading, F_CELL_BOLD,
                               c->x[i + 1] - c->x[i] - 2 * PAD_X, TC_ALIGN_CENTER, 0));
        if (ch > h)
            h = ch;
    }
    return h + 2 * PAD_Y;
}

/* The rules of a row: the one above it, and the column rules beside it. */
static void row_rules(pdf *p, const sh_table *t, const cols *c, double y, double h, double top)
{
    line(p, c->x[0], y, c->x[t->ncols], y, top);
    for (int i = 1; i < t->ncols; i++)
        line(p, c->x[i], y, c->x[i], y + h, RULE);
}

static void heading_row(pdf *p, const sh_table *t, const cols *c, double hh)
{
    if (p->draw) {
        for (int i = 0; i < t->ncols; i++) {
            PangoLayout *l = set(p, p->lay, t->cols[i].heading, F_CELL_BOLD,
                                 c->x[i + 1] - c->x[i] - 2 * PAD_X, TC_ALIGN_CENTER, 0);
            show(p, l, c->x[i] + PAD_X, p->y + (hh - height(l)) / 2);
        }
        row_rules(p, t, c, p->y, hh, FRAME);
    }
    p->y += hh;
}

/* The frame of the part of the table on this page. */
static void frame(pdf *p, const sh_table *t, const cols *c, double top)
{
    double x0 = c->x[0], x1 = c->x[t->ncols];
    line(p, x0, top, x1, top, FRAME);
    line(p, x1, top, x1, p->y, FRAME);
    line(p, x1, p->y, x0, p->y, FRAME);
    line(p, x0, p->y, x0, top, FRAME);
}

/* A row's height: measured in the first pass, and remembered for the
 * second, which must break the pages where the first did. */
static double row_h(pdf *p, const sh_table *t, const cols *c, const sh_row *r)
{
    if (p->draw)
        return p->next_height < p->nheights ? p->heights[p->next_height++] : 0;
    if (p->nheights == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        double *h = realloc(p->heights, cap * sizeof(*h));
        if (!h) {
            p->rc = tc_fail(p->e, TC_ENOMEM, "out of memory");
            return 0;
        }
        p->heights = h;
        p->cap = cap;
    }
    return p->heights[p->nheights++] = row_height(p, t, c, r);
}

static void table(pdf *p, const sh_table *t)
{
    cols c;
    col_edges(t, &c);
    p->table_no++;
    double hh = heading_height(p, t, &c);
    double first = t->nrows ? row_h(p, t, &c, &t->rows[0]) : 0;
    need(p, hh + first);
    double top = p->y;
    heading_row(p, t, &c, hh);
    for (size_t r = 0; r < t->nrows && !p->rc; r++) {
        const sh_row *row = &t->rows[r];
        double h = r ? row_h(p, t, &c, row) : first;
        if (p->y + h > p->bottom) {
            if (MARGIN_TOP + hh + h > p->bottom) {
                p->rc = tc_fail(p->e, TC_EINPUT, "sheet '%s': table %d, row %zu is %.0f pt "
                                "high, more than a page holds", p->sheet->title, p->table_no,
                                r + 1, h);
                return;
            }
            frame(p, t, &c, top);
            page_end(p);
            top = p->y;
            heading_row(p, t, &c, hh);
        }
        if (p->draw) {
            int total = row->flags & TC_ROW_TOTAL;
            for (int i = 0; i < t->ncols; i++)
                cell(p, t, &c, i, &row->cells[i], total, &p->y, h);
            row_rules(p, t, &c, p->y, h, total ? FRAME : RULE);
        }
        p->y += h;
    }
    frame(p, t, &c, top);
}

/* ------------------------------------------------------------------ */
/* Signature blocks                                                   */
/* ------------------------------------------------------------------ */

/* One label line of a party's box: "签字：" and a rule to write on, or
 * "名称：" and the name when it is known.  Returns its height. */
static double sign_line(pdf *p, const char *label, const char *value, double x, double y,
                        double w)
{
    PangoLayout *l = set(p, p->lay, label, F_BODY, 0, TC_ALIGN_LEFT, 0);
    double lw = width(l), h = height(l);
    show(p, l, x, y);
    if (value) {
        double vh = text_at(p, value, F_BODY, x + lw, y, w - lw, TC_ALIGN_LEFT);
        return vh > h ? vh : h;
    }
    line(p, x + lw, y + h - 2, x + w, y + h - 2, RULE);
    return h;
}

/* A party's box at (x, y), width w; returns the height of its content. */
static double party(pdf *p, const tc_party *pt, double x, double y, double w)
{
    double x0 = x + 6, iw = w - 12, h = 6;
    h += text_at(p, pt->role, F_BOLD, x0, y + h, iw, TC_ALIGN_LEFT) + 4;
    h += sign_line(p, "名称：", pt->name, x0, y + h, iw) + 6;
    h += sign_line(p, "签字：", NULL, x0, y + h, iw) + 6;
    h += sign_line(p, "日期：", NULL, x0, y + h, iw) + 4;
    PangoLayout *l = set(p, p->lay, "（盖章）", F_SMALL, iw, TC_ALIGN_RIGHT, 0);
    show(p, l, x0, y + h);
    return h + SEAL_H + 6;
}

static void signatures(pdf *p, const sh_block *b)
{
    int n = b->nparties, rows = (n + 3) / 4, per = (n + rows - 1) / rows;
    double w = CONTENT_W / per, hs[2] = {0, 0}, total = 0;
    int draw = p->draw;
    p->draw = 0;   /* measure first: the block is kept on one page */
    for (int i = 0; i < n; i++) {
        double h = party(p, &b->parties[i], 0, 0, w);
        if (h > hs[i / per])
            hs[i / per] = h;
    }
    p->draw = draw;
    for (int r = 0; r < rows; r++)
        total += hs[r];
    need(p, total);
    for (int i = 0; i < n; i++) {
        int r = i / per;
        double x = MARGIN_X + (i % per) * w, y = p->y + (r ? hs[0] : 0);
        party(p, &b->parties[i], x, y, w);
        line(p, x, y, x + w, y, RULE);
        line(p, x + w, y, x + w, y + hs[r], RULE);
        line(p, x + w, y + hs[r], x, y + hs[r], RULE);
        line(p, x, y + hs[r], x, y, RULE);
    }
    p->y += total;
}

/* ------------------------------------------------------------------ */
/* QR codes                                                           */
/* ------------------------------------------------------------------ */

static void qr(pdf *p, const sh_block *b)
{
    QRcode *q = QRcode_encodeString(b->text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) {
        p->rc = tc_fail(p->e, errno == ENOMEM ? TC_ENOMEM : TC_EINPUT,
                        "sheet '%s': cannot make a QR code of '%.40s': %s", p->sheet->title,
                        b->text, strerror(errno));
        return;
    }
    int side = q->width + 2 * QR_QUIET;
    double m = QR_MODULE;
    if (side * m > CONTENT_W / 2)
        m = CONTENT_W / 2 / side;
    double size = side * m, x0 = MARGIN_X + CONTENT_W - size, cw = CONTENT_W - size - 8;
    double ch = b->caption ? height(set(p, p->lay, b->caption, F_SMALL, cw, TC_ALIGN_LEFT, 0)) : 0;
    need(p, size > ch ? size : ch);
    if (b->caption)
        text_at(p, b->caption, F_SMALL, MARGIN_X, p->y + (size > ch ? (size - ch) / 2 : 0), cw,
                TC_ALIGN_LEFT);
    if (p->draw) {
        /* Dark modules as one path of horizontal runs. */
        for (int y = 0; y < q->width; y++)
            for (int x = 0; x < q->width;) {
                if (!(q->data[y * q->width + x] & 1)) {
                    x++;
                    continue;
                }
                int run = 1;
                while (x + run < q->width && (q->data[y * q->width + x + run] & 1))
                    run++;
                cairo_rectangle(p->cr, x0 + (QR_QUIET + x) * m, p->y + (QR_QUIET + y) * m,
                                run * m, m);
                x += run;
            }
        cairo_fill(p->cr);
    }
    p->y += size > ch ? size : ch;
    QRcode_free(q);
}

/* ------------------------------------------------------------------ */
/* The document                                                       */
/* ------------------------------------------------------------------ */

/* One pass over the document. */
static void pass(pdf *p, const tc_doc *d, int draw)
{
    p->draw = draw;
    p->page = 0;
    p->next_height = 0;
    size_t part = 0;
    for (size_t i = 0; i < d->nsheets && !p->rc; i++) {
        const tc_sheet *s = d->sheets[i];
        if (i == 0 || s->part) {
            if (!draw) {
                int *n = realloc(p->part_pages, (part + 1) * sizeof(*n));
                if (!n) {
                    p->rc = tc_fail(p->e, TC_ENOMEM, "out of memory");
                    break;
                }
                p->part_pages = n;
                n[part] = 0;
            }
            p->part = part++;
            p->part_first = p->page;
        }
        p->sheet = s;
        p->table_no = 0;
        p->y = MARGIN_TOP;
        sheet_bottom(p);
        title(p, s->title);
        for (size_t k = 0; k < s->nblocks && !p->rc; k++) {
            const sh_block *b = &s->blocks[k];
            if (k > 0 && !(b->kind == SH_HEADER && s->blocks[k - 1].kind == SH_HEADER))
                space(p, GAP);
            switch (b->kind) {
            case SH_HEADER:
                header(p, b);
                break;
            case SH_TABLE:
                table(p, &b->table);
                break;
            case SH_PARA:
                paragraph(p, b->text);
                break;
            case SH_SIGN:
                signatures(p, b);
                break;
            case SH_QR:
                qr(p, b);
                break;
            }
        }
        page_end(p);
    }
}

/* Give fontconfig the cut of the font (fontcut.c), once per process: from
 * $TONGCHOU_FONTS, the build's folder or the installed one, the first that
 * holds both weights. */
static int fonts_register(tc_err *e)
{
    static int done;
    if (done)
        return 0;
    const char *dirs[3] = {getenv("TONGCHOU_FONTS"), TC_FONT_DIR, TC_FONT_INSTALL_DIR};
    for (int k = 0; k < 3; k++) {
        char path[2][1024];
        int found = dirs[k] && *dirs[k];
        for (int w = 0; w < 2 && found; w++)
            found = snprintf(path[w], sizeof(path[w]), "%s/%s", dirs[k], font_cut_file[w]) <
                        (int)sizeof(path[w]) &&
                    access(path[w], R_OK) == 0;
        if (!found)
            continue;
        for (int w = 0; w < 2; w++)
            if (!FcConfigAppFontAddFile(NULL, (const FcChar8 *)path[w]))
                return tc_fail(e, TC_EIO, "fontconfig cannot read the font %s", path[w]);
        done = 1;
        return 0;
    }
    tc_fail(e, TC_EIO, "cannot find the font %s (%s) in %s or %s", FONT_CUT, font_cut_file[0],
            TC_FONT_DIR, TC_FONT_INSTALL_DIR);
    return tc_err_hint(e, "the build makes it (cmake --build BUILD --target tc_fonts); "
                          "TONGCHOU_FONTS names another folder");
}

/* The fonts, and the check that fontconfig gives the family asked for
 * rather than a stand-in: the cut first, the full font behind it. */
static int fonts_load(pdf *p)
{
    PangoFontMap *fm = pango_context_get_font_map(p->ctx);
    for (int f = 0; f < F_N; f++) {
        PangoFontDescription *d = pango_font_description_new();
        if (!d)
            return tc_fail(p->e, TC_ENOMEM, "out of memory");
        pango_font_description_set_family(d, FONT_ASKED);
        pango_font_description_set_size(d, (int)(fonts[f].size * PANGO_SCALE));
        pango_font_description_set_weight(d, fonts[f].bold ? PANGO_WEIGHT_BOLD
                                                           : PANGO_WEIGHT_NORMAL);
        p->font[f] = d;
    }
    for (int c = 0; c < 4; c++) {   /* the full font, then the cut; regular and bold */
        int f = c % 2 ? F_BOLD : F_BODY;
        const char *want = c < 2 ? FONT_FAMILY : FONT_CUT;
        PangoFontDescription *d = pango_font_description_copy(p->font[f]);
        pango_font_description_set_family(d, want);
        PangoFont *font = pango_font_map_load_font(fm, p->ctx, d);
        pango_font_description_free(d);
        PangoFontDescription *got = font ? pango_font_describe(font) : NULL;
        const char *fam = got ? pango_font_description_get_family(got) : NULL;
        int ok = fam && g_ascii_strcasecmp(fam, want) == 0 &&
                 (!fonts[f].bold || pango_font_description_get_weight(got) >= PANGO_WEIGHT_BOLD);
        if (!ok)
            tc_fail(p->e, TC_EIO, "cannot find the font %s%s (fontconfig offers %s)",
                    want, fonts[f].bold ? " Bold" : "", fam ? fam : "no font at all");
        if (got)
            pango_font_description_free(got);
        if (font)
            g_object_unref(font);
        if (!ok && c < 2)
            return tc_err_hint(p->e, "install the Debian package %s (scripts/lib/deps.sh)",
                               FONT_PACKAGE);
        if (!ok)
            return tc_err_hint(p->e, "the build makes it (cmake --build BUILD --target tc_fonts)");
    }
    for (int f = 0; f < F_N; f++)
        p->line_h[f] = height(set(p, p->lay, "国", f, 0, TC_ALIGN_LEFT, 0));
    p->tnum = pango_attr_list_new();
    pango_attr_list_insert(p->tnum, pango_attr_font_features_new("tnum"));
    return 0;
}

typedef struct sink {
    FILE *f;
    int failed;
} sink;

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int n)
{
    sink *k = closure;
    if (fwrite(data, 1, n, k->f) != n) {
        k->failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* Lay out and draw d on surface sf; 0 or the failure. */
static int render(const tc_doc *d, cairo_surface_t *sf, tc_err *e)
{
    pdf p = {.e = e};
    char date[32];
    snprintf(date, sizeof(date), "%sT00:00:00Z", d->date);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, d->title);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "tongchou " TC_VERSION);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_MOD_DATE, date);
    int rc = fonts_register(e);
    if (rc)
        return rc;
    p.cr = cairo_create(sf);
    p.ctx = pango_font_map_create_context(pango_cairo_font_map_get_default());
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(p.ctx, fo);
    cairo_font_options_destroy(fo);
    pango_cairo_context_set_resolution(p.ctx, 72);
    pango_context_set_round_glyph_positions(p.ctx, FALSE);
    pango_context_set_language(p.ctx, pango_language_from_string("zh-cn"));
    pango_cairo_update_context(p.cr, p.ctx);
    p.lay = pango_layout_new(p.ctx);
    p.flay = pango_layout_new(p.ctx);
    pango_layout_set_wrap(p.lay, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_wrap(p.flay, PANGO_WRAP_WORD_CHAR);
    cairo_set_source_rgb(p.cr, 0, 0, 0);
    cairo_set_line_cap(p.cr, CAIRO_LINE_CAP_SQUARE);   /* closed corners where rules meet */

    rc = fonts_load(&p);
    if (!rc) {
        pass(&p, d, 0);
        p.pages = p.page;
        if (!p.rc)
            pass(&p, d, 1);
        rc = p.rc;
        if (!rc && p.page != p.pages)
            rc = tc_fail(e, TC_EINTERNAL, "the PDF's second pass made %d pages, the first %d",
                         p.page, p.pages);
    }
    if (!rc && cairo_status(p.cr) != CAIRO_STATUS_SUCCESS)
        rc = tc_fail(e, TC_EIO, "cannot draw the PDF: %s",
                     cairo_status_to_string(cairo_status(p.cr)));
    free(p.heights);
    free(p.part_pages);
    free(p.rules);
    if (p.tnum)
        pango_attr_list_unref(p.tnum);
    for (int f = 0; f < F_N; f++)
        if (p.font[f])
            pango_font_description_free(p.font[f]);
    g_object_unref(p.flay);
    g_object_unref(p.lay);
    g_object_unref(p.ctx);
    cairo_destroy(p.cr);
    return rc;
}

int tc_doc_write_pdf(const tc_doc *d, const char *path, tc_err *e)
{
    if (!d->nsheets)
        return tc_fail(e, TC_EINPUT, "document '%s': no sheet to print", d->title);
    tc_atomic *a;
    int rc = tc_atomic_open(&a, path, e);
    if (rc)
        return rc;
    sink k = {tc_atomic_file(a), 0};
    cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(sink_write, &k, PAGE_W, PAGE_H);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        rc = tc_fail(e, TC_ENOMEM, "cannot start the PDF %s: %s", path,
                     cairo_status_to_string(cairo_surface_status(sf)));
    } else {
        rc = render(d, sf, e);
        cairo_surface_finish(sf);   /* writes the fonts, the xref and the trailer */
        if (!rc && (k.failed || cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS))
            rc = tc_fail(e, TC_EIO, "cannot write %s: %s", path,
                         k.failed ? strerror(errno)
                                  : cairo_status_to_string(cairo_surface_status(sf)));
    }
    cairo_surface_destroy(sf);
    if (rc) {
        tc_atomic_abort(a);
        return rc;
    }
    return tc_atomic_commit(a, e);
}
