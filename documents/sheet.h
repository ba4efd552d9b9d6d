/*
 * sheet.h - printed sheets: the form of the documents people sign
 * (shared/spec/documents.md, "Form"), as PDF and as a workbook.
 *
 * A sheet is what one printed statement or certificate holds, in the order
 * the caller adds it:
 *
 *   - a title, centred (基金移交交接书, 资产负债表);
 *   - header lines, each with a left, centre and right part
 *     (编制单位：… | 2021年6月30日 | 单位：元);
 *   - tables: column headings, then rows of cells - text, an amount in fen
 *     (printed 1,234,567.89, right-aligned), an amount in capitals
 *     (人民币壹仟…, core/daxie.h) or nothing; a total row is bold;
 *   - paragraphs of text that wrap;
 *   - signature blocks: a row of parties (单位负责人, 会计主管, 复核, 制表;
 *     or the five parties of a handover certificate), each with space for
 *     a name, a signature, a date and a seal;
 *   - a QR code of a string (the document's digest), with a caption;
 *   - and a footer text (the digest again) printed at the foot of each of
 *     its pages.
 *
 * A document (tc_doc) is one or more sheets - a county's certificate and
 * its statements - rendered as one PDF, each sheet starting on a new page,
 * the pages numbered "第 N 页 共 M 页" over the whole document; or as one
 * workbook with a worksheet per sheet.  Both renderings are deterministic:
 * the same document gives the same bytes, its creation time being the date
 * the caller names (the cutover date), never the clock.
 *
 * Text is UTF-8 and copied: the caller's strings may go once a call returns.
 * The builders fail with TC_EINPUT on text a page cannot show (malformed
 * UTF-8, control characters) and with TC_EINTERNAL on a call out of order
 * (a row before any table, a row with the wrong number of cells): that is
 * a bug in the caller.  A sheet that failed a call stays as it was before.
 */
#ifndef TC_SHEET_H
#define TC_SHEET_H

#include <stddef.h>

#include "core/err.h"
#include "core/money.h"

typedef struct tc_sheet tc_sheet;
typedef struct tc_doc tc_doc;

/* ------------------------------------------------------------------ */
/* Building a sheet                                                   */
/* ------------------------------------------------------------------ */

enum { TC_ALIGN_LEFT, TC_ALIGN_CENTER, TC_ALIGN_RIGHT };

/* A table's column.  width counts characters as a spreadsheet does, a CJK
 * character counting two: it is the workbook's column width, and on paper
 * the columns share the width of the page in these proportions.  align is
 * that of the column's text cells; amounts are always right-aligned. */
typedef struct tc_column {
    const char *heading;
    double width;
    int align;
} tc_column;

enum { TC_CELL_BLANK, TC_CELL_TEXT, TC_CELL_AMOUNT, TC_CELL_DAXIE };

/* A cell, made with the constructors below. */
typedef struct tc_cell {
    int kind;
    const char *text;   /* TC_CELL_TEXT */
    tc_fen fen;         /* TC_CELL_AMOUNT, TC_CELL_DAXIE */
} tc_cell;

static inline tc_cell tc_cell_blank(void) { return (tc_cell){TC_CELL_BLANK, NULL, 0}; }
static inline tc_cell tc_cell_text(const char *s) { return (tc_cell){TC_CELL_TEXT, s, 0}; }
/* fen printed as 1,234,567.89 (a number in the workbook). */
static inline tc_cell tc_cell_amount(tc_fen f) { return (tc_cell){TC_CELL_AMOUNT, NULL, f}; }
/* fen in capitals: 人民币壹佰贰拾叁元肆角伍分 (text in the workbook too). */
static inline tc_cell tc_cell_daxie(tc_fen f) { return (tc_cell){TC_CELL_DAXIE, NULL, f}; }

/* Row flags. */
#define TC_ROW_TOTAL 1u   /* a total: bold, with a heavier rule above */

/* A party of a signature block: its role, printed bold (单位负责人,
 * 移交方 县医疗保障局), and its name when known in advance, or NULL for a
 * blank line to write it on. */
typedef struct tc_party {
    const char *role;
    const char *name;
} tc_party;

/* A new sheet titled title (not empty).  0, or TC_EINPUT / TC_ENOMEM. */
int tc_sheet_new(tc_sheet **out, const char *title, tc_err *e);
/* Free s; NULL is a no-op.  A sheet added to a document is the document's. */
void tc_sheet_free(tc_sheet *s);

/* The worksheet's tab name in the workbook (at most 31 characters, none of
 * []:*?/\).  Without one, the tab is the title, cut to 31 characters and
 * numbered when two sheets of a document would share it. */
int tc_sheet_set_tab(tc_sheet *s, const char *tab, tc_err *e);

/* A header line: left, centre and right parts, each NULL or text; at
 * least one is given. */
int tc_sheet_header(tc_sheet *s, const char *left, const char *center, const char *right,
                    tc_err *e);

/* Start a table of ncols columns (1 to 32), each with a positive width. */
int tc_sheet_table(tc_sheet *s, const tc_column *cols, int ncols, tc_err *e);

/* A row of the last table: ncells must be its number of columns.  flags is
 * 0 or TC_ROW_TOTAL. */
int tc_sheet_row(tc_sheet *s, unsigned flags, const tc_cell *cells, int ncells, tc_err *e);

/* A paragraph: text that wraps at the page's width (a newline in it breaks
 * the line) and may continue on the next page. */
int tc_sheet_paragraph(tc_sheet *s, const char *text, tc_err *e);

/* A signature block of n parties (1 to 8), side by side, at most four to a
 * row; a block is never split across pages. */
int tc_sheet_signatures(tc_sheet *s, const tc_party *parties, int n, tc_err *e);

/* A QR code of data (1 to 1024 bytes, error correction level M), at the
 * right, with caption (NULL for none) beside it.  Never split across pages. */
int tc_sheet_qr(tc_sheet *s, const char *data, const char *caption, tc_err *e);

/* The text at the foot of every page of the sheet, above the page number
 * (the document's digest); NULL or "" for none.  Replaces an earlier one. */
int tc_sheet_footer(tc_sheet *s, const char *text, tc_err *e);

/* ------------------------------------------------------------------ */
/* Documents                                                          */
/* ------------------------------------------------------------------ */

/*
 * A new, empty document.  title is the PDF's and the workbook's title
 * property; date, YYYY-MM-DD, their creation and modification date
 * (midnight UTC): the date of what the document states, so that the bytes
 * do not depend on when they were made.  TC_EINPUT for a date that is not
 * a real day of the years 1970 to 9999.
 */
int tc_doc_new(tc_doc **out, const char *title, const char *date, tc_err *e);
/* Free d and every sheet in it; NULL is a no-op. */
void tc_doc_free(tc_doc *d);

/* Append sheet s to d, which owns it from then on - also when this fails
 * (TC_ENOMEM): s is then freed. */
int tc_doc_add(tc_doc *d, tc_sheet *s, tc_err *e);

/* The same, s beginning a new part of d: a document that bundles several
 * (a county's statements and letters in one file) numbers the pages of
 * each part on its own, "第 N 页 共 M 页" counting that part's pages, so
 * that a letter taken out of the bundle reads 第 1 页 共 2 页.  The first
 * sheet always begins a part. */
int tc_doc_add_part(tc_doc *d, tc_sheet *s, tc_err *e);

/*
 * Write d as a PDF at path, whole or not at all (core/atomic.h), mode
 * tc_perm_file(): A4 portrait, every text in Noto Serif CJK SC (embedded,
 * subset), "第 N 页 共 M 页" at the foot of every page.  TC_EINPUT for an
 * empty document or a row too tall for a page; TC_EIO when the font is not
 * installed (the hint names the Debian package) or when writing fails.
 */
int tc_doc_write_pdf(const tc_doc *d, const char *path, tc_err *e);

/*
 * Write d as a workbook (xlsx) at path, whole or not at all, mode
 * tc_perm_file(): a worksheet per sheet with its title, header lines,
 * tables (amounts as numbers in yuan, #,##0.00), paragraphs, signature
 * lines and footer; printed A4 portrait, one page wide.  TC_EINPUT for an
 * amount of 10^13 yuan or more, which a spreadsheet cannot show to the fen.
 */
int tc_doc_write_xlsx(const tc_doc *d, const char *path, tc_err *e);

#endif
