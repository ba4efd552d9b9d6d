/*
 * dump_int.h - rows of COPY text into canonical records, through a profile.
 * Shared by the dump reader (dump.c) and the live reader (live.c), which
 * get COPY text format lines, one per row, and the unload reader (unload.c),
 * which splits rows itself (rows_fields).
 *
 *   rows_open        once per source
 *   rows_set_encoding  the source's client_encoding (text becomes UTF-8)
 *   rows_needs       does the profile read this table? (a dump reader maps a
 *                    partition or child to the parent the profile names)
 *   rows_begin       a table's COPY block starts, with its column names
 *   rows_line        one row (the line without its newline; modified in place)
 *   rows_end         the block ends
 *   rows_finish      the source ends: every profile table seen? derived
 *                    records (bank statements) emitted
 */
#ifndef TC_DUMP_INT_H
#define TC_DUMP_INT_H

#include "extract/dump.h"
#include "extract/profile_int.h"

typedef struct rows rows;

int rows_open(rows **out, const tc_profile *p, tc_emit *em, tc_dump_stats *st, const char *where,
              tc_err *e);
int rows_set_encoding(rows *R, const char *pg_name, long line);
/* PostgreSQL's limit on a table's columns. */
#define ROWS_MAXCOLS 1600

/* A block of COPY rows, for rows_begin. */
typedef struct rows_block {
    const char *schema;   /* the table's schema; "" when the source does not say */
    const char *table;    /* the table the rows belong to (a partition's root) */
    const char *part;     /* "schema.name" of the partition or child the block is
                           * from, or NULL when it is the table itself */
    int more;             /* the table has partitions or children: more blocks may
                           * follow, and it is whole only at the end of the source */
    char (*cols)[PNAME];  /* the block's columns, in COPY order */
    int ncols;            /* at most ROWS_MAXCOLS */
    long line;            /* of the COPY statement in the source, or 0 */
} rows_block;

int rows_needs(rows *R, const char *schema, const char *table);
int rows_begin(rows *R, const rows_block *b);
int rows_line(rows *R, char *line, size_t n, long lineno);
int rows_end(rows *R);
/* One row already split into nf fields (== the block's columns), text in
 * UTF-8 (the unload reader decodes whole records before it splits them):
 * f[i] of fl[i] bytes, modifiable, or NULL when fnull[i].  Rows of a table
 * that waits for its joined table are refused (TC_EINTERNAL): the caller
 * reads joined tables first. */
int rows_fields(rows *R, char *const *f, const size_t *fl, const int *fnull, int nf, long lineno);
/* The file that messages name from now on (an unload reads one per table). */
void rows_set_where(rows *R, const char *where);
int rows_finish(rows *R);
void rows_free(rows *R);

/* Undo COPY's text escapes (\b \f \n \r \t \v, \xHH, \OOO, \\ and any
 * other escaped character) of one field in place; returns its length.
 * The dump reader's, and the unload reader's for files in COPY's text
 * format. */
size_t copy_unescape(char *s, size_t n);

/* gzread of the gzFile ctx with its errors told apart: bytes, 0 at the
 * end, -1 damaged, -2 cut short (core/readahead.h's reader). */
int gz_block(void *ctx, char *buf, int cap);

#endif
