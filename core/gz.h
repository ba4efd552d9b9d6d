/*
 * gz.h - a gzip writer with fixed bytes, for deterministic outputs.
 *
 * zlib's gzopen() stamps nothing variable either, but we want the header
 * bytes spelled out, because the batch reader (batch.c) refuses any header
 * other than this one: a reader that accepted any MTIME or OS byte would
 * accept a file altered in those bytes.  The header is always
 *
 *   1f 8b 08 00  00 00 00 00  00 ff      (deflate, no flags, MTIME 0, OS unknown)
 *
 * followed by one raw deflate stream and the CRC-32 and ISIZE trailer.
 * Compressed bytes go to a sink callback, so the caller can digest them on
 * their way to the file.
 */
#ifndef TC_GZ_H
#define TC_GZ_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* The 10 header bytes every gzip member we write starts with. */
extern const unsigned char tc_gz_header[10];

/* Receives compressed bytes; returns 0 or a negative TC_E* code. */
typedef int (*tc_gz_sink)(void *ctx, const void *p, size_t n, tc_err *e);

typedef struct tc_gzw tc_gzw;

/* Start a member at compression level (1..9); writes the header. */
int tc_gzw_open(tc_gzw **out, int level, tc_gz_sink sink, void *ctx, tc_err *e);
/* Compress n bytes (buffered internally). */
int tc_gzw_write(tc_gzw *z, const void *p, size_t n, tc_err *e);
/* Finish the member (deflate end, CRC-32, ISIZE) and free z, even on error. */
int tc_gzw_close(tc_gzw *z, tc_err *e);
/* Free z without finishing (after an error elsewhere).  NULL is a no-op. */
void tc_gzw_free(tc_gzw *z);

/* A sink writing to a stdio FILE (ctx is the FILE *). */
int tc_gz_sink_file(void *ctx, const void *p, size_t n, tc_err *e);

#endif
