/*
 * gen_legacy.h - the legacy YB2008 counties written in other forms beside
 * their dumps (gen_legacy.c, gen_workbook.c; tc_gen_options.legacy_as).
 */
#ifndef TC_GEN_LEGACY_H
#define TC_GEN_LEGACY_H

#include <stddef.h>

#include <libpq-fe.h>

#include "generate/gen_int.h"

/* Unload every table of the county's database (conn) into
 * DIR/legacy/unload/CODE/ with check files, and its profile beside. */
int gen_legacy_unload(PGconn *conn, const gen_county *c, const char *dir, tc_err *e);

/* Write the ledger of the county's database as TC_GEN_LEGACY_YONYOU or
 * _KINGDEE workbooks into DIR/legacy/VENDOR/CODE/, and its profile beside. */
int gen_legacy_workbooks(PGconn *conn, const gen_county *c, const char *dir, int vendor,
                         tc_err *e);

/* Make folder, or empty it of what an earlier run wrote there (.txt,
 * .txt.chk, .xlsx), so that no file of another cutover or seed stays. */
int gen_legacy_folder(const char *folder, tc_err *e);

/* text into path, atomically; the shipped profile NAME.ini copied into dir. */
int gen_write_text(const char *path, const char *text, size_t n, tc_err *e);
int gen_copy_shipped(const char *dir, const char *name, tc_err *e);

#endif
