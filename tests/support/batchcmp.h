/*
 * batchcmp.h - two extractions of the same data compared batch by batch:
 * the same records byte for byte, the same counts and totals, from
 * another source.  For the tests that read one ledger two ways (a dump and
 * an unload, an unload and a workbook).
 */
#ifndef TC_TEST_BATCHCMP_H
#define TC_TEST_BATCHCMP_H

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/batch.h"
#include "extract/emit.h"
#include "tests/support/tctest.h"

/* The records of a batch: member 1 decompressed, after its header (later
 * members hold the trailer, whose digest covers the header). */
static inline unsigned char *tctest_batch_records(const char *path, size_t *len)
{
    size_t n;
    unsigned char *z = tctest_slurp(path, &n);
    assert_non_null(z);
    z_stream s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(inflateInit2(&s, 31), Z_OK);
    size_t cap = 1 << 16, got = 0;
    unsigned char *out = malloc(cap);
    s.next_in = z;
    s.avail_in = (uInt)n;
    int r;
    do {
        if (cap - got < 4096)
            out = realloc(out, cap *= 2);
        s.next_out = out + got;
        s.avail_out = (uInt)(cap - got);
        r = inflate(&s, Z_NO_FLUSH);
        got = cap - s.avail_out;
        assert_true(r == Z_OK || r == Z_STREAM_END);
    } while (r != Z_STREAM_END);
    inflateEnd(&s);
    free(z);
    unsigned char *h = memmem(out, got, "\n\n", 2);
    assert_non_null(h);
    size_t skip = (size_t)(h - out) + 2;
    memmove(out, out + skip, got - skip);
    *len = got - skip;
    return out;
}

/* County's batch of type in folder b holds the records of folder a's, byte
 * for byte, with the same count and totals and another source; *ca and
 * *cb get the two headers' controls. */
static inline void tctest_same_batch(const char *a, const char *b, const char *county,
                                     const char *type, tc_controls *ca, tc_controls *cb)
{
    char pa[1300], pb[1300];
    tc_emit_batch_path(pa, sizeof(pa), a, county, type);
    tc_emit_batch_path(pb, sizeof(pb), b, county, type);
    tc_batch_header ha, hb;
    tc_batch_summary sa, sb;
    tc_err e;
    if (tc_batch_verify(pa, &ha, &sa, &e) || tc_batch_verify(pb, &hb, &sb, &e))
        fail_msg("%s: %s", type, e.msg);
    assert_int_equal(sa.count, sb.count);
    assert_memory_equal(sa.totals, sb.totals, sizeof(sa.totals));
    assert_string_not_equal(ha.source, hb.source);
    *ca = ha.controls;
    *cb = hb.controls;
    size_t na, nb;
    unsigned char *ra = tctest_batch_records(pa, &na), *rb = tctest_batch_records(pb, &nb);
    if (na != nb || memcmp(ra, rb, na) != 0)
        fail_msg("%s: the records of %s differ from those of %s", type, b, a);
    free(ra);
    free(rb);
}

#endif
