/*
 * fuzz_batch.c - the batch reader on arbitrary bytes.  Properties: no
 * crash, no leak, and a batch the reader accepts as whole (next() returned
 * 0) re-verifies with tc_batch_verify.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/fuzz-batch-%ld.tcb", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    tc_err e;
    tc_batch_reader *r;
    if (tc_batch_open(&r, path, 0, &e) == 0) {
        const tc_value *v;
        int rc;
        while ((rc = tc_batch_next(r, &v, &e)) == 1)
            ;
        tc_batch_close(r);
        if (rc == 0 && tc_batch_verify(path, NULL, NULL, &e) != 0)
            abort();
    }
    unlink(path);
    return 0;
}
