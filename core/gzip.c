/*
 * gzip.c - see gzip.h.
 */
#include "core/gzip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

const unsigned char tc_gzip_header[10] = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff};

enum { IN_CAP = 1 << 16, OUT_CAP = 1 << 16 };

struct tc_gzip {
    z_stream zs;
    uLong crc;
    uint64_t isize;           /* bytes in; gzip keeps them mod 2^32 */
    tc_gzip_sink sink;
    void *ctx;
    size_t in_len;
    unsigned char in[IN_CAP];
    unsigned char out[OUT_CAP];
};

int tc_gzip_sink_file(void *ctx, const void *p, size_t n, tc_err *e)
{
    if (fwrite(p, 1, n, (FILE *)ctx) != n)
        return tc_fail(e, TC_EIO, "cannot write: %s", strerror(errno));
    return 0;
}

static int gzw_new(tc_gzip **out, int level, tc_gzip_sink sink, void *ctx, tc_err *e)
{
    tc_gzip *z = calloc(1, sizeof(*z));
    if (!z)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    /* Raw deflate (-15): we write the gzip framing ourselves. */
    if (deflateInit2(&z->zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(z);
        return tc_fail(e, TC_EINTERNAL, "cannot start zlib deflate");
    }
    z->crc = crc32(0L, Z_NULL, 0);
    z->sink = sink;
    z->ctx = ctx;
    *out = z;
    return 0;
}

int tc_gzip_open_part(tc_gzip **out, int level, tc_gzip_sink sink, void *ctx, tc_err *e)
{
    return gzw_new(out, level, sink, ctx, e);
}

int tc_gzip_open(tc_gzip **out, int level, tc_gzip_sink sink, void *ctx, tc_err *e)
{
    tc_gzip *z;
    int rc = gzw_new(&z, level, sink, ctx, e);
    if (rc)
        return rc;
    rc = sink(ctx, tc_gzip_header, sizeof(tc_gzip_header), e);
    if (rc) {
        tc_gzip_free(z);
        return rc;
    }
    *out = z;
    return 0;
}

static int pump(tc_gzip *z, int flush, tc_err *e)
{
    z->zs.next_in = z->in;
    z->zs.avail_in = (uInt)z->in_len;
    int zr;
    do {
        z->zs.next_out = z->out;
        z->zs.avail_out = OUT_CAP;
        zr = deflate(&z->zs, flush);
        if (zr == Z_STREAM_ERROR)
            return tc_fail(e, TC_EINTERNAL, "zlib deflate failed");
        size_t have = OUT_CAP - z->zs.avail_out;
        if (have) {
            int rc = z->sink(z->ctx, z->out, have, e);
            if (rc)
                return rc;
        }
    } while (z->zs.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
    z->in_len = 0;
    return 0;
}

int tc_gzip_write(tc_gzip *z, const void *p, size_t n, tc_err *e)
{
    const unsigned char *s = p;
    z->crc = crc32_z(z->crc, s, n);
    z->isize += (uint64_t)n;
    while (n) {
        size_t k = IN_CAP - z->in_len;
        if (k > n)
            k = n;
        memcpy(z->in + z->in_len, s, k);
        z->in_len += k;
        s += k;
        n -= k;
        if (z->in_len == IN_CAP) {
            int rc = pump(z, Z_NO_FLUSH, e);
            if (rc)
                return rc;
        }
    }
    return 0;
}

void tc_gzip_member_trailer(uint32_t crc, uint64_t len, unsigned char t[8])
{
    for (int i = 0; i < 4; i++) {
        t[i] = (unsigned char)(crc >> (8 * i));
        t[4 + i] = (unsigned char)((uint32_t)len >> (8 * i));
    }
}

int tc_gzip_close(tc_gzip *z, tc_err *e)
{
    int rc = pump(z, Z_FINISH, e);
    if (rc == 0) {
        unsigned char t[8];
        tc_gzip_member_trailer((uint32_t)z->crc, z->isize, t);
        rc = z->sink(z->ctx, t, sizeof(t), e);
    }
    tc_gzip_free(z);
    return rc;
}

int tc_gzip_close_part(tc_gzip *z, int final, uint32_t *crc, uint64_t *len, tc_err *e)
{
    int rc = pump(z, final ? Z_FINISH : Z_SYNC_FLUSH, e);
    *crc = (uint32_t)z->crc;
    *len = z->isize;
    tc_gzip_free(z);
    return rc;
}

void tc_gzip_free(tc_gzip *z)
{
    if (!z)
        return;
    deflateEnd(&z->zs);
    free(z);
}
