/*
 * writebehind.h - hand a byte stream to a worker thread, block by block.
 *
 * The producer (a parser) appends bytes; every full block is passed to
 * fn(ctx, block, n, e) on a worker thread while the producer fills the
 * next block.  Four blocks in all: memory is at most 4 x block size
 * whatever the stream's length.  fn sees the blocks in order, on one thread.  The thread
 * starts at the first full block, so short streams never start one: their
 * bytes go to fn on the caller's thread at close.
 *
 * Errors: the first error fn returns is kept and given back by the next
 * tc_writebehind_write or by tc_writebehind_close.
 */
#ifndef TC_WRITEBEHIND_H
#define TC_WRITEBEHIND_H

#include <stddef.h>

#include "core/err.h"

typedef int (*tc_writebehind_fn)(void *ctx, const void *p, size_t n, tc_err *e);

typedef struct tc_writebehind tc_writebehind;

int tc_writebehind_open(tc_writebehind **out, size_t block, tc_writebehind_fn fn, void *ctx,
                        tc_err *e);
/* The same without a thread: fn runs on the producer's thread whenever a
 * block fills.  For producers that are themselves one of several threads,
 * each with its own stream; one block of memory. */
int tc_writebehind_open_sync(tc_writebehind **out, size_t block, tc_writebehind_fn fn,
                             void *ctx, tc_err *e);
int tc_writebehind_write(tc_writebehind *b, const void *p, size_t n, tc_err *e);
/* Append n bytes that must reach fn within one block (n <= block size):
 * the current block is handed over first if they would not fit. */
int tc_writebehind_write_record(tc_writebehind *b, const void *p, size_t n, tc_err *e);
/*
 * Zero-copy producing.  tc_writebehind_claim() returns room for n bytes (n <= block
 * size) at the end of the current block, handing the block over first when
 * they would not fit; the producer writes there and then tells how many it
 * used with tc_writebehind_claimed() (at most n).  Nothing else may come between.
 */
void *tc_writebehind_claim(tc_writebehind *b, size_t n, tc_err *e);
void tc_writebehind_claimed(tc_writebehind *b, size_t used);

/*
 * Whole blocks without a copy: tc_writebehind_block() gives an empty block (the
 * block size in *cap) to read data into; tc_writebehind_put() hands its first n
 * bytes to fn.  The producer may go on reading the block it put - fn only
 * reads it too - until its next tc_writebehind_block() call.  Not to be mixed with
 * the other ways of writing.
 */
void *tc_writebehind_block(tc_writebehind *b, size_t *cap, tc_err *e);
int tc_writebehind_put(tc_writebehind *b, size_t n, tc_err *e);

/* Pass on what is left, wait for the worker, free b; fn's first error. */
int tc_writebehind_close(tc_writebehind *b, tc_err *e);
/* Stop the worker and free b, discarding what is left.  NULL is a no-op. */
void tc_writebehind_abort(tc_writebehind *b);

#endif
