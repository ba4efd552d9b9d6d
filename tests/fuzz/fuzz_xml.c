/*
 * fuzz_xml.c - the handover XML reader on arbitrary bytes, read twice: as
 * one, and cut into segments of a few hundred bytes parsed on threads.
 * Properties: no crash, no leak, no sanitizer report; a refusal is
 * TC_EINPUT with a message; an accepted file commits ten batches that
 * verify; and the two readings agree - the same refusal (message and
 * line) or the same records (count and control totals per record type).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/batch.h"
#include "extract/emit.h"
#include "extract/xml.h"
#include "fuzz_util.h"

typedef struct verdict {
    int rc;
    long line;
    char msg[sizeof(((tc_err *)0)->msg)];
    tc_batch_summary sum[10];
} verdict;

static void extract(const char *path, long segment, verdict *v)
{
    tc_err e;
    tc_err_clear(&e);
    tc_emit *em;
    tc_emit_opts o = {.outdir = fuzz_dir(), .source = path, .check_keys = 1, .hash_source = 2};
    if (tc_emit_open(&em, &o, &e))
        abort();
    tc_xml_set_segment_size(segment);
    tc_xml_stats st;
    memset(v, 0, sizeof(*v));
    v->rc = tc_xml_extract(path, em, &st, &e);
    tc_xml_set_segment_size(0);
    if (!v->rc)
        for (int t = 0; t < 10; t++)
            v->sum[t] = *tc_emit_tally(em, t);
    if (v->rc) {
        tc_emit_abort(em);
        if (v->rc != TC_EINPUT || !e.msg[0])
            abort();
    } else if ((v->rc = tc_emit_commit(em, &e)) == 0) {
        fuzz_verify_and_clean(fuzz_dir());
    } else if (e.code != TC_EINPUT) {
        abort();
    }
    v->line = e.line;
    snprintf(v->msg, sizeof(v->msg), "%s", v->rc ? e.msg : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input(data, size, "in.xml");
    verdict one, cut;
    extract(path, 1L << 40, &one);
    extract(path, 64 + (long)(size % 256), &cut);
    if (one.rc != cut.rc || one.line != cut.line || strcmp(one.msg, cut.msg) != 0) {
        fprintf(stderr, "as one: %d line %ld: %s\nin segments: %d line %ld: %s\n", one.rc,
                one.line, one.msg, cut.rc, cut.line, cut.msg);
        abort();
    }
    for (int t = 0; t < 10 && !one.rc; t++)
        if (one.sum[t].count != cut.sum[t].count ||
            memcmp(one.sum[t].totals, cut.sum[t].totals, sizeof(one.sum[t].totals)) != 0)
            abort();
    return 0;
}
