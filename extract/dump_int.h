/*
 * dump_int.h - rows of COPY text into canonical records, through a profile.
 * Shared by the dump reader (dump.c) and the live reader (live.c): both get
 * COPY text format lines, one per row.
 *
 *   rows_open        once per source
 *   rows_set_encoding  the source's client_encoding (text becomes UTF-8)
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
int rows_begin(rows *R, const char *table, char cols[][PNAME], int ncols, long line);
int rows_line(rows *R, char *line, size_t n, long lineno);
int rows_end(rows *R);
int rows_finish(rows *R);
void rows_free(rows *R);

#endif
