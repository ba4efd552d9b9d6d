/*
 * dump.h - legacy databases as pg_dump dumps, read as a stream.
 *
 * Plain dumps (.sql, .sql.gz): the COPY ... FROM stdin blocks are parsed
 * line by line with the COPY text escapes, SET client_encoding honoured
 * (UTF8, GBK, GB18030: text converted to UTF-8).  Custom-format dumps are
 * turned into plain SQL by the real pg_restore writing into a pipe.  Rows
 * become canonical records through a profile (profile.h).
 */
#ifndef TC_DUMP_H
#define TC_DUMP_H

#include "core/err.h"
#include "extract/emit.h"
#include "extract/profile.h"

typedef struct tc_dump_stats {
    long long rows;            /* COPY rows read, all tables */
    long long tables;          /* COPY blocks read */
} tc_dump_stats;

int tc_dump_extract(const char *path, const tc_profile *p, tc_emit *em, tc_dump_stats *st,
                    tc_err *e);

#endif
