/*
 * fuzz_sealed.c - sealed batches (core/seal.h, docs/batch-format.md) on
 * arbitrary bytes, read as an auditor without a key and as a holder with
 * one.  Properties: no crash, no leak, no hang; and the round trip - a
 * sealed batch the holder's reader accepts as whole unseals
 * (tc_batch_unseal) to a batch that verifies in clear, whose digest is the
 * one the sealed batch's clear tail names, and whose count and totals are
 * the ones the auditor's clear check reads.
 *
 * The holder is a fixed X25519 key, written to a 0600 file at start (the
 * seed corpus, tests/fuzz/corpus/sealed, is sealed for it: one batch per
 * cipher, and a reject batch).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/batch.h"
#include "core/seal.h"

static const char KEY[] = "-----BEGIN PRIVATE KEY-----\n"
                          "MC4CAQAwBQYDK2VuBCIEIGgd6wfm5rF9E70g8NqUYYBjlf9GK5DDFxpFGgePjxRv\n"
                          "-----END PRIVATE KEY-----\n";

static char in_path[64], out_path[64], key_path[64];
static tc_seal_key *key;

static void cleanup(void)
{
    unlink(in_path);
    unlink(out_path);
    unlink(key_path);
    tc_seal_key_free(key);
}

static void setup(void)
{
    long pid = (long)getpid();
    snprintf(in_path, sizeof(in_path), "/tmp/fuzz-sealed-%ld.tcb", pid);
    snprintf(out_path, sizeof(out_path), "/tmp/fuzz-sealed-%ld.out.tcb", pid);
    snprintf(key_path, sizeof(key_path), "/tmp/fuzz-sealed-%ld.key", pid);
    FILE *f = fopen(key_path, "wb");
    if (!f || fputs(KEY, f) < 0 || fclose(f) != 0 || chmod(key_path, 0600) != 0)
        abort();
    tc_err e;
    tc_err_clear(&e);
    if (tc_seal_key_load(&key, key_path, &e) != 0)
        abort();
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!key)
        setup();
    FILE *f = fopen(in_path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    tc_err e;
    /* the auditor, without a key */
    tc_batch_open_with(NULL);
    tc_batch_header hc;
    tc_batch_summary sc;
    tc_err_clear(&e);
    int clear_ok = tc_batch_verify_clear(in_path, &hc, &sc, &e) == 0;
    /* the holder */
    tc_batch_open_with(key);
    tc_batch_reader *r;
    tc_err_clear(&e);
    int whole = 0;
    if (tc_batch_open(&r, in_path, 0, &e) == 0) {
        const tc_value *v;
        int rc;
        while ((rc = tc_batch_next(r, &v, &e)) == 1)
            ;
        whole = rc == 0;
        tc_batch_close(r);
    }
    if (whole) {
        /* what the holder accepted, the auditor accepts, with the same figures */
        if (!clear_ok || !tc_batch_is_sealed(in_path))
            abort();
        char claim[TC_DIGEST_TEXT_MAX], got[TC_DIGEST_TEXT_MAX];
        tc_batch_header hp;
        tc_batch_summary sp;
        tc_err_clear(&e);
        unlink(out_path);
        if (tc_batch_digest(in_path, claim, &e) || tc_batch_unseal(in_path, out_path, &e) ||
            tc_batch_verify(out_path, &hp, &sp, &e) || tc_batch_digest(out_path, got, &e))
            abort();
        if (strcmp(claim, got) != 0 || sp.count != sc.count || strcmp(sp.body, sc.body) != 0 ||
            memcmp(sp.totals, sc.totals, sizeof(sp.totals)) != 0 ||
            strcmp(hp.type, hc.type) != 0 || hp.ncols != hc.ncols)
            abort();
    }
    unlink(in_path);
    return 0;
}
