/*
 * spill.h - an unlinked temp file that several threads append blocks to.
 *
 * A reader that runs on every core writes what it cannot keep in memory
 * (natural keys, compressed records of batch parts) to disk; one file per
 * writer and thread cost an inode allocation each, and on ext4 making and
 * deleting hundreds of files a second showed up as 5 % of the extraction.
 * So the writers of one extraction share a file: tc_spill_append() reserves
 * the next n bytes with an atomic add and writes there with pwrite(), and
 * tells where; tc_spill_read() reads any range back.  The file is made in
 * dir with the first append and is gone when the last reference is
 * dropped (it is unlinked from the start).
 */
#ifndef TC_SPILL_H
#define TC_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct tc_spill tc_spill;

/* A new spill in dir (nothing is created yet); one reference. */
int tc_spill_new(tc_spill **out, const char *dir, const char *what, tc_err *e);
/* Another reference to sp; returns sp. */
tc_spill *tc_spill_ref(tc_spill *sp);
/* Drop a reference; the last one closes the file.  NULL is a no-op. */
void tc_spill_unref(tc_spill *sp);
/* Append n bytes; *off gets where they are.  Safe from any thread. */
int tc_spill_append(tc_spill *sp, const void *p, size_t n, uint64_t *off, tc_err *e);
/* Read n bytes at off (written before) into p. */
int tc_spill_read(tc_spill *sp, uint64_t off, void *p, size_t n, tc_err *e);

#endif
