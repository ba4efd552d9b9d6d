/*
 * fuzz_policy.c - the city's key policy (core/policy.c, docs/policy.md) on
 * arbitrary bytes.  Properties: no crash, no leak, no hang; a refusal is
 * TC_EINPUT (or TC_EIO) with a message; an accepted policy's digest is the
 * SHA-256 of the bytes read, each of its keys is found by its id in the
 * role it was listed in, and every act needs 1 to 9 signatures.
 *
 * No round trip: the policy's writer, tc_policy_make, writes from .pub
 * files, not from a loaded policy, which does not give its keys' text back
 * (the file is kept as the city made it: its digest pins the keys).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/policy.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input(data, size, "policy.ini");
    tc_policy *p = NULL;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_policy_load(&p, path, &e);
    if (rc) {
        if ((rc != TC_EINPUT && rc != TC_EIO) || !e.msg[0] || p) {
            fprintf(stderr, "rc %d: %s\n", rc, e.msg);
            abort();
        }
        unlink(path);
        return 0;
    }
    char want[TC_DIGEST_TEXT_MAX];
    tc_err_clear(&e);
    if (tc_digest_file(TC_DIGEST_SHA256, path, want, &e) || strcmp(want, tc_policy_digest(p)))
        abort();
    size_t total = 0;
    for (int r = 0; r < TC_NROLES; r++) {
        const tc_pubkey *const *keys;
        size_t n = tc_policy_keys(p, (tc_role)r, &keys);
        total += n;
        for (size_t i = 0; i < n; i++) {
            tc_role held;
            if (tc_policy_key(p, tc_pubkey_id(keys[i]), &held) != keys[i] || held != (tc_role)r)
                abort();
        }
    }
    static const tc_pubkey *all[TC_POLICY_MAX_KEYS];
    if (tc_policy_all_keys(p, all, sizeof(all) / sizeof(all[0])) != total)
        abort();
    for (int a = 0; a < TC_NACTS; a++)
        if (tc_policy_required(p, (tc_act)a) < 1 || tc_policy_required(p, (tc_act)a) > 9)
            abort();
    const tc_seal_holder *const *h;
    size_t nh = tc_policy_holders(p, &h);
    for (size_t i = 0; i < nh; i++)
        if (tc_policy_holder(p, tc_seal_holder_id(h[i])) != h[i])
            abort();
    tc_policy_free(p);
    unlink(path);
    return 0;
}
