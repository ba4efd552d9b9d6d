/*
 * bgw.h - hand a byte stream to a worker thread, block by block.
 *
 * The producer (a parser) appends bytes; every full block is passed to
 * fn(ctx, block, n, e) on a worker thread while the producer fills the
 * next block.  Two blocks in all: memory is 2 x block size whatever the
 * stream's length.  fn sees the blocks in order, on one thread.  The thread
 * starts at the first full block, so short streams never start one: their
 * bytes go to fn on the caller's thread at close.
 *
 * Errors: the first error fn returns is kept and given back by the next
 * tc_bgw_write or by tc_bgw_close.
 */
#ifndef TC_BGW_H
#define TC_BGW_H

#include <stddef.h>

#include "core/err.h"

typedef int (*tc_bgw_fn)(void *ctx, const void *p, size_t n, tc_err *e);

typedef struct tc_bgw tc_bgw;

int tc_bgw_open(tc_bgw **out, size_t block, tc_bgw_fn fn, void *ctx, tc_err *e);
int tc_bgw_write(tc_bgw *b, const void *p, size_t n, tc_err *e);
/* Append n bytes that must reach fn within one block (n <= block size):
 * the current block is handed over first if they would not fit. */
int tc_bgw_write_record(tc_bgw *b, const void *p, size_t n, tc_err *e);
/* Pass on what is left, wait for the worker, free b; fn's first error. */
int tc_bgw_close(tc_bgw *b, tc_err *e);
/* Stop the worker and free b, discarding what is left.  NULL is a no-op. */
void tc_bgw_abort(tc_bgw *b);

#endif
