/*
 * unload.h - text unloads (卸数文件): one delimited text file per table, as
 * Oracle's sqluldr2 and SQL*Plus spools, DataX's txtfilewriter, DM's
 * dmfldr, SQL Server's bcp and PostgreSQL's COPY write them, each with its
 * check file (.chk, .ok, .flg) giving the row count and perhaps the byte
 * size and MD5.
 *
 * A source is a folder of such files read through a profile with an
 * [unload] section (docs/profiles.md, "Unloads"): it says how the files are
 * named and written (encoding, delimiter, quote and escape, NULL token,
 * header, line ends, date and amount formats), each table's columns in the
 * file's order, and the check files' format.  The mapping to canonical
 * records is the profile's as for a dump, so an unload of a database
 * extracts to the same records, in the same order, as its dump.
 *
 * Each file is read as a stream (gzip or not, told by content; decompressed
 * on a second thread), decoded to UTF-8 before it is split - a GB18030
 * character's second byte may be '|' or '\' - and its rows handed to the
 * dump reader's row consumer (dump_int.h).  Its check file is read first
 * and compared once the file is read: a row count, size or MD5 that
 * differs refuses the source.  Bad input is refused with the file, line,
 * column (the field's position) or byte offset.
 */
#ifndef TC_UNLOAD_H
#define TC_UNLOAD_H

#include "core/err.h"
#include "extract/dump.h"
#include "extract/emit.h"
#include "extract/profile.h"

/* Does profile p describe unload files (has it an [unload] section)? */
int tc_unload_profile(const tc_profile *p);

/* Whether p's check files vouch for row counts (else check = none). */
int tc_unload_has_checks(const tc_profile *p);

/* Read the unload folder dir into em through p (tc_unload_profile(p)). */
int tc_unload_extract(const char *dir, const tc_profile *p, tc_emit *em, tc_dump_stats *st,
                      tc_err *e);

/* For tests: the longest record, in bytes after decoding (default 64 MiB;
 * 0 restores it).  Process-wide. */
void tc_unload_set_max_record(long bytes);

#endif
