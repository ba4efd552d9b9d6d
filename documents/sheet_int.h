/*
 * sheet_int.h - the insides of a sheet and a document, shared by the
 * builders (sheet.c) and the two renderings (sheet_pdf.c, sheet_xlsx.c),
 * which read them and change nothing.  The files use each other in this
 * order only: sheet.c, then either rendering.
 *
 * Every string and cell of a sheet lives in the sheet's arena, a list of
 * chunks freed at once with the sheet; the arrays that grow (the blocks,
 * a table's rows) are realloc'd on their own.
 */
#ifndef TC_SHEET_INT_H
#define TC_SHEET_INT_H

#include <stddef.h>

#include "documents/sheet.h"

enum { SH_HEADER, SH_TABLE, SH_PARA, SH_SIGN, SH_QR };

typedef struct sh_cell {
    int kind;           /* TC_CELL_* */
    const char *text;   /* TC_CELL_TEXT: the text; TC_CELL_DAXIE: the capitals */
    tc_fen fen;
} sh_cell;

typedef struct sh_row {
    unsigned flags;     /* TC_ROW_* */
    sh_cell *cells;     /* the table's ncols */
} sh_row;

typedef struct sh_table {
    int ncols;
    tc_column *cols;    /* headings in the arena */
    sh_row *rows;
    size_t nrows, cap;
} sh_table;

typedef struct sh_block {
    int kind;                 /* SH_* */
    const char *part[3];      /* SH_HEADER: left, centre, right, NULL when absent */
    const char *text;         /* SH_PARA: the text; SH_QR: the data */
    const char *caption;      /* SH_QR, or NULL */
    tc_party *parties;        /* SH_SIGN; names NULL when blank */
    int nparties;
    sh_table table;           /* SH_TABLE */
} sh_block;

typedef struct sh_chunk sh_chunk;

struct tc_sheet {
    const char *title;
    const char *tab;          /* or NULL: the title */
    const char *footer;       /* or NULL */
    int part;                 /* begins a part of its document (tc_doc_add_part) */
    sh_block *blocks;
    size_t nblocks, cap;
    sh_chunk *arena;
};

struct tc_doc {
    char *title;
    char date[11];            /* YYYY-MM-DD, checked */
    tc_sheet **sheets;
    size_t nsheets, cap;
};

#endif
