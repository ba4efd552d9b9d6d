/*
 * merkle.c - see merkle.h.  The tree functions are the RFC's recursive
 * definitions written out (depth is log2 of the size); the verifiers are
 * RFC 9162's iterative algorithms, which need nothing but the proof.
 */
#include "core/merkle.h"

#include <string.h>

#include <openssl/evp.h>

static void sha256_parts(const void *a, size_t na, const void *b, size_t nb, const void *c,
                         size_t nc, uint8_t *out)
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    unsigned int n = 0;
    EVP_DigestInit_ex(x, EVP_sha256(), NULL);
    EVP_DigestUpdate(x, a, na);
    if (nb)
        EVP_DigestUpdate(x, b, nb);
    if (nc)
        EVP_DigestUpdate(x, c, nc);
    EVP_DigestFinal_ex(x, out, &n);
    EVP_MD_CTX_free(x);
}

void tc_merkle_leaf(const void *data, size_t n, uint8_t *out)
{
    static const uint8_t zero = 0x00;
    sha256_parts(&zero, 1, data, n, NULL, 0, out);
}

void tc_merkle_node(const uint8_t *left, const uint8_t *right, uint8_t *out)
{
    static const uint8_t one = 0x01;
    sha256_parts(&one, 1, left, TC_MERKLE_HASH, right, TC_MERKLE_HASH, out);
}

/* The largest power of two smaller than n (n >= 2). */
static uint64_t split(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static void mth(const tc_mhash *d, uint64_t n, uint8_t *out)
{
    if (n == 1) {
        memcpy(out, d[0], TC_MERKLE_HASH);
        return;
    }
    uint64_t k = split(n);
    tc_mhash l, r;
    mth(d, k, l);
    mth(d + k, n - k, r);
    tc_merkle_node(l, r, out);
}

void tc_merkle_root(const tc_mhash *leaves, uint64_t n, uint8_t *out)
{
    if (n == 0) {
        sha256_parts("", 0, NULL, 0, NULL, 0, out);
        return;
    }
    mth(leaves, n, out);
}

/* ------------------------------------------------------------- proofs */

static int path(const tc_mhash *d, uint64_t n, uint64_t m, tc_mhash *out, int k0)
{
    if (n == 1)
        return k0;
    uint64_t k = split(n);
    int c;
    if (m < k) {
        c = path(d, k, m, out, k0);
        mth(d + k, n - k, out[c]);
    } else {
        c = path(d + k, n - k, m - k, out, k0);
        mth(d, k, out[c]);
    }
    return c + 1;
}

int tc_merkle_inclusion_proof(const tc_mhash *leaves, uint64_t n, uint64_t index,
                              tc_mhash *proof)
{
    if (index >= n)
        return -1;
    return path(leaves, n, index, proof, 0);
}

static int subproof(const tc_mhash *d, uint64_t n, uint64_t m, int b, tc_mhash *out, int c)
{
    if (m == n) {
        if (b)
            return c;
        mth(d, n, out[c]);
        return c + 1;
    }
    uint64_t k = split(n);
    if (m <= k) {
        c = subproof(d, k, m, b, out, c);
        mth(d + k, n - k, out[c]);
    } else {
        c = subproof(d + k, n - k, m - k, 0, out, c);
        mth(d, k, out[c]);
    }
    return c + 1;
}

int tc_merkle_consistency_proof(const tc_mhash *leaves, uint64_t m, uint64_t n,
                                tc_mhash *proof)
{
    if (m == 0 || m > n)
        return -1;
    return subproof(leaves, n, m, 1, proof, 0);
}

/* ----------------------------------------------------------- verifiers */

int tc_merkle_inclusion_verify(const uint8_t *leaf, uint64_t index, uint64_t n,
                               const tc_mhash *proof, int nproof, const uint8_t *root)
{
    if (index >= n || nproof < 0)
        return 0;
    uint64_t fn = index, sn = n - 1;
    tc_mhash r;
    memcpy(r, leaf, TC_MERKLE_HASH);
    for (int i = 0; i < nproof; i++) {
        if (sn == 0)
            return 0;
        if ((fn & 1) || fn == sn) {
            tc_merkle_node(proof[i], r, r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            tc_merkle_node(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, TC_MERKLE_HASH) == 0;
}

int tc_merkle_consistency_verify(uint64_t m, uint64_t n, const uint8_t *root1,
                                 const uint8_t *root2, const tc_mhash *proof, int nproof)
{
    if (m == 0 || m > n || nproof < 0)
        return 0;
    if (m == n)
        return nproof == 0 && memcmp(root1, root2, TC_MERKLE_HASH) == 0;
    if (nproof == 0)
        return 0;
    /* when m is a power of two, root1 is the first hash of the path */
    int pow2 = (m & (m - 1)) == 0, i = 0;
    const uint8_t *first = pow2 ? root1 : proof[i++];
    uint64_t fn = m - 1, sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    tc_mhash fr, sr;
    memcpy(fr, first, TC_MERKLE_HASH);
    memcpy(sr, first, TC_MERKLE_HASH);
    for (; i < nproof; i++) {
        if (sn == 0)
            return 0;
        if ((fn & 1) || fn == sn) {
            tc_merkle_node(proof[i], fr, fr);
            tc_merkle_node(proof[i], sr, sr);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            tc_merkle_node(sr, proof[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(fr, root1, TC_MERKLE_HASH) == 0 &&
           memcmp(sr, root2, TC_MERKLE_HASH) == 0;
}
