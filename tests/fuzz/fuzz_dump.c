/*
 * fuzz_dump.c - the plain-dump reader with the shipped YB2008 profile on
 * arbitrary bytes.  Properties as for fuzz_xml.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/batch.h"
#include "extract/dump.h"
#include "extract/emit.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tc_profile *prof;
    tc_err e;
    tc_err_clear(&e);
    if (!prof && tc_profile_load(&prof, TC_SOURCE_DIR "/extract/profiles/yb2008.ini", &e))
        abort();
    /* never a custom or tar dump here: that would run pg_restore */
    if ((size >= 5 && memcmp(data, "PGDMP", 5) == 0) ||
        (size >= 262 && memcmp(data + 257, "ustar", 5) == 0))
        return 0;
    const char *dir = fuzz_dir(), *path = fuzz_input(data, size, "in.sql");
    tc_emit *em;
    tc_emit_opts o = {.outdir = dir, .source = path};
    if (tc_emit_open(&em, &o, &e))
        abort();
    tc_dump_stats st;
    int rc = tc_dump_extract(path, prof, em, &st, &e);
    fuzz_finish(rc, em, &e, TC_EINPUT, TC_EUSAGE);
    return 0;
}
