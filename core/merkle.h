/*
 * merkle.h - RFC 6962 Merkle tree hashes, inclusion and consistency proofs.
 *
 * The audit trail's entries are the leaves of a Merkle tree hashed as
 * Certificate Transparency does (RFC 6962 section 2.1, SHA-256):
 *
 *   empty tree   MTH({})      = SHA-256("")
 *   leaf         MTH({d})     = SHA-256(0x00 || d)
 *   node         MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
 *                               k the largest power of two smaller than n
 *
 * so a checkpoint's root can be checked, and an inclusion proof verified, by
 * any implementation of the RFC (tests/core/test_merkle.c checks the
 * published test vectors).  Functions work on arrays of leaf hashes; the
 * audit trail holds one 32-byte hash per entry (per command run, not per
 * record), which is small.  Verification follows RFC 9162 sections
 * 2.1.3.2 (inclusion) and 2.1.4.2 (consistency).
 */
#ifndef TC_MERKLE_H
#define TC_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define TC_MERKLE_HASH 32
#define TC_MERKLE_MAXPROOF 64    /* proof length bound: tree sizes < 2^63 */

typedef uint8_t tc_mhash[TC_MERKLE_HASH];

/* Leaf hash of n bytes of data: SHA-256(0x00 || data). */
void tc_merkle_leaf(const void *data, size_t n, uint8_t *out);
/* Interior node: SHA-256(0x01 || left || right). */
void tc_merkle_node(const uint8_t *left, const uint8_t *right, uint8_t *out);

/* Root of the tree over leaves[0..n) (leaf hashes); n = 0 gives SHA-256(""). */
void tc_merkle_root(const tc_mhash *leaves, uint64_t n, uint8_t *out);

/*
 * The inclusion proof (audit path, RFC 6962 section 2.1.1) of leaf index in
 * the tree of size n: proof receives up to TC_MERKLE_MAXPROOF hashes, from
 * the leaf's sibling up; returns their count, or -1 when index >= n.
 */
int tc_merkle_inclusion_proof(const tc_mhash *leaves, uint64_t n, uint64_t index,
                              tc_mhash *proof);

/* 1 when proof shows leaf (a leaf hash) at index in the tree of size n with
 * root `root`, 0 otherwise. */
int tc_merkle_inclusion_verify(const uint8_t *leaf, uint64_t index, uint64_t n,
                               const tc_mhash *proof, int nproof, const uint8_t *root);

/* The consistency proof between sizes m and n (0 < m <= n), RFC 6962
 * section 2.1.2; returns the count of hashes, or -1 when m or n is wrong. */
int tc_merkle_consistency_proof(const tc_mhash *leaves, uint64_t m, uint64_t n,
                                tc_mhash *proof);

/* 1 when proof shows the tree of size m with root1 is a prefix of the tree
 * of size n with root2, 0 otherwise. */
int tc_merkle_consistency_verify(uint64_t m, uint64_t n, const uint8_t *root1,
                                 const uint8_t *root2, const tc_mhash *proof, int nproof);

#endif
