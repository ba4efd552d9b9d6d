/*
 * fuzz_xml.c - the handover XML reader on arbitrary bytes.  Properties: no
 * crash, no leak, no sanitizer report; a refusal is TC_EINPUT with a
 * message; an accepted file commits ten batches that verify.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_dir(), *path = fuzz_input(data, size, "in.xml");
    tc_err e;
    tc_err_clear(&e);
    tc_emit *em;
    tc_emit_opts o = {.outdir = dir, .source = path, .check_keys = 1, .hash_source = 1};
    if (tc_emit_open(&em, &o, &e))
        abort();
    tc_xml_stats st;
    int rc = tc_xml_extract(path, em, &st, &e);
    fuzz_finish(rc, em, &e, TC_EINPUT, TC_EINPUT);
    return 0;
}
