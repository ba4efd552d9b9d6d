/*
 * xlsx.h - the rows of one sheet of an .xlsx workbook, as a stream.
 *
 * An .xlsx file is a zip container of XML parts.  This reader reads the
 * container itself (end of central directory, central directory, local
 * headers; stored and deflate entries, through zlib's raw inflate; zip64
 * sizes and offsets), checks every entry it reads against its CRC-32 and
 * size, and streams a sheet's XML through libxml2's SAX2 push parser fed
 * from the inflate stream.  It hands its caller one row at a time: the
 * row's number and its non-empty cells in column order, numbers as Excel
 * wrote them in <v>, text with shared strings resolved (xlsx.c explains
 * how they are kept off the heap).  Cell references must ascend (a row
 * after the one before, a cell right of the one before): a sheet whose
 * references go back is refused, naming the cell.
 *
 * Errors name the file and the cell (journal.xlsx: 序时账!F203) or the
 * zip entry; a damaged container is TC_EINPUT.
 */
#ifndef TC_XLSX_H
#define TC_XLSX_H

#include <stddef.h>

#include "core/err.h"

typedef struct tc_xlsx tc_xlsx;

enum { TC_XC_NUM = 1, TC_XC_TEXT, TC_XC_BOOL, TC_XC_ERROR };

typedef struct tc_xlsx_cell {
    int col;             /* 0-based: A is 0 */
    int kind;            /* TC_XC_* */
    const char *s;       /* the value as written (NUL-terminated), for a cell the
                          * caller does not want: "" */
    size_t n;
} tc_xlsx_cell;

/* Open the workbook at path; label names it in messages (its file name). */
int tc_xlsx_open(tc_xlsx **out, const char *path, const char *label, tc_err *e);
void tc_xlsx_close(tc_xlsx *x);

/* Whether the workbook counts dates from 1904 (a Mac workbook) rather than 1900. */
int tc_xlsx_date1904(const tc_xlsx *x);

/* The cells the caller wants resolved from now on: want[col] != 0 (16384
 * entries), or NULL for all.  Others come with s = "" (shared strings are
 * looked up only for wanted cells).  May change between rows. */
void tc_xlsx_want(tc_xlsx *x, const unsigned char *want);

/* Called for each row that has cells, in order.  Non-zero stops the read
 * and is returned (with e set by the callback). */
typedef int (*tc_xlsx_row_fn)(void *arg, long row, const tc_xlsx_cell *c, int n, tc_err *e);

/* Read the sheet named sheet ("" or NULL: the first) row by row.  The
 * sheet's name as the workbook spells it is put into name (for messages). */
int tc_xlsx_read(tc_xlsx *x, const char *sheet, char *name, size_t nn, tc_xlsx_row_fn fn,
                 void *arg, tc_err *e);

/* "F203" for col 5, row 203. */
void tc_xlsx_ref(char *buf, size_t n, int col, long row);

#endif
