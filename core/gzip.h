/*
 * gzip.h - a gzip writer with fixed bytes, for deterministic outputs.
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
#ifndef TC_GZIP_H
#define TC_GZIP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* The 10 header bytes every gzip member we write starts with. */
extern const unsigned char tc_gzip_header[10];

/* Receives compressed bytes; returns 0 or a negative TC_E* code. */
typedef int (*tc_gzip_sink)(void *ctx, const void *p, size_t n, tc_err *e);

typedef struct tc_gzip tc_gzip;

/* Start a member at compression level (1..9); writes the header. */
int tc_gzip_open(tc_gzip **out, int level, tc_gzip_sink sink, void *ctx, tc_err *e);
/* Compress n bytes (buffered internally). */
int tc_gzip_write(tc_gzip *z, const void *p, size_t n, tc_err *e);
/* Finish the member (deflate end, CRC-32, ISIZE) and free z, even on error. */
int tc_gzip_close(tc_gzip *z, tc_err *e);
/* Free z without finishing (after an error elsewhere).  NULL is a no-op. */
void tc_gzip_free(tc_gzip *z);

/*
 * Parts of a member.  A gzip member's deflate data may be made of several
 * independently compressed raw deflate streams laid end to end, when every
 * part but the last ends on a byte boundary with a non-final block (zlib's
 * Z_SYNC_FLUSH) - the same trick pigz uses to compress in parallel.  The
 * batch writer uses it to compress records while the header text is not
 * yet known, and to do so on another thread.
 *
 * tc_gzip_open_part() starts a raw part (no gzip header);
 * tc_gzip_close_part() ends it (final: the last part of the member) and
 * gives its CRC-32 and length; tc_gzip_member_trailer() writes the 8-byte
 * CRC/ISIZE trailer for parts combined with crc32_combine().
 */
int tc_gzip_open_part(tc_gzip **out, int level, tc_gzip_sink sink, void *ctx, tc_err *e);
int tc_gzip_close_part(tc_gzip *z, int final, uint32_t *crc, uint64_t *len, tc_err *e);
void tc_gzip_member_trailer(uint32_t crc, uint64_t len, unsigned char out[8]);

/* A sink writing to a stdio FILE (ctx is the FILE *). */
int tc_gzip_sink_file(void *ctx, const void *p, size_t n, tc_err *e);

#endif
