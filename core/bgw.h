/*
 * bgw.h - hand a byte stream to a worker thread, block by block.
 *
 * The producer (a parser) appends bytes; every full block is passed to
 * fn(ctx, block, n, e) on a worker thread while the producer fills the
 * next block.  Four blocks in all: memory is at most 4 x block size
 * whatever the stream's length.  fn sees the blocks in order, on one thread.  The thread
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
/* The same without a thread: fn runs on the producer's thread whenever a
 * block fills.  For producers that are themselves one of several threads,
 * each with its own stream; one block of memory. */
int tc_bgw_open_sync(tc_bgw **out, size_t block, tc_bgw_fn fn, void *ctx, tc_err *e);
int tc_bgw_write(tc_bgw *b, const void *p, size_t n, tc_err *e);
/* Append n bytes that must reach fn within one block (n <= block size):
 * the current block is handed over first if they would not fit. */
int tc_bgw_write_record(tc_bgw *b, const void *p, size_t n, tc_err *e);
/*
 * Zero-copy producing.  tc_bgw_claim() returns room for n bytes (n <= block
 * size) at the end of the current block, handing the block over first when
 * they would not fit; the producer writes there and then tells how many it
 * used with tc_bgw_claimed() (at most n).  Nothing else may come between.
 */
void *tc_bgw_claim(tc_bgw *b, size_t n, tc_err *e);
void tc_bgw_claimed(tc_bgw *b, size_t used);

/*
 * Whole blocks without a copy: tc_bgw_block() gives an empty block (the
 * block size in *cap) to read data into; tc_bgw_put() hands its first n
 * bytes to fn.  The producer may go on reading the block it put - fn only
 * reads it too - until its next tc_bgw_block() call.  Not to be mixed with
 * the other ways of writing.
 */
void *tc_bgw_block(tc_bgw *b, size_t *cap, tc_err *e);
int tc_bgw_put(tc_bgw *b, size_t n, tc_err *e);

/* Pass on what is left, wait for the worker, free b; fn's first error. */
int tc_bgw_close(tc_bgw *b, tc_err *e);
/* Stop the worker and free b, discarding what is left.  NULL is a no-op. */
void tc_bgw_abort(tc_bgw *b);

#endif
