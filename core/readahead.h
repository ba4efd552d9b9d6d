/*
 * readahead.h - read ahead on a worker thread.
 *
 * The mirror of writebehind.h: a worker calls fn(ctx, buf, cap) to fill one of two
 * blocks while the consumer takes bytes from the other, so decompressing a
 * gzip source (zlib's gzread) runs on the second core while the first one
 * parses.  fn returns bytes read, 0 at the end, or a negative code, which
 * tc_readahead_read hands to the consumer once the bytes before it are taken.
 */
#ifndef TC_READAHEAD_H
#define TC_READAHEAD_H

#include <stddef.h>

typedef int (*tc_readahead_fn)(void *ctx, char *buf, int cap);

typedef struct tc_readahead tc_readahead;

/* Start the worker; NULL when out of memory or threads. */
tc_readahead *tc_readahead_open(int block, tc_readahead_fn fn, void *ctx);
/* Up to cap bytes into dst: bytes, 0 at the end, or fn's negative code. */
int tc_readahead_read(tc_readahead *b, char *dst, int cap);
/* Stop the worker (it may be blocked in fn until fn returns) and free. */
void tc_readahead_close(tc_readahead *b);

#endif
