/*
 * keys.h - natural-key duplicates found in bounded memory.
 *
 * Each record's key is reduced to a 128-bit hash, of which 92 bits are
 * kept with where it was (a line number), 16 bytes in all, partitioned by
 * hash and spilled to an unlinked temp file; at the end each partition is
 * checked with a hash set (keys.c tells the sizes).  With 92 bits the odds
 * of a false duplicate among a billion keys are 1 in 10^10.
 */
#ifndef TC_KEYS_H
#define TC_KEYS_H

#include "core/err.h"
#include "core/record.h"

typedef struct tc_keys tc_keys;

typedef struct tc_keys_dup {
    int type;              /* index into tc_rectypes */
    long long first, second;   /* the two `where`s, first < second */
} tc_keys_dup;

int tc_keys_open(tc_keys **out, const char *tmpdir, tc_err *e);
/* A store of its own (for another thread) that spills into the same file
 * as `with` (core/spill.h); check them together with tc_keys_check_all. */
int tc_keys_open_shared(tc_keys **out, tc_keys *with, tc_err *e);
/* Add the key of a record of type t (index into tc_rectypes). */
int tc_keys_add(tc_keys *k, int t, const tc_value *vals, long long where, tc_err *e);
/* For tests: the most keys checked in one pass over a partition (0: the
 * default); more are checked in several passes. */
void tc_keys_set_pass_max(long n);
/* Lines are counted from a segment's start: add lines when checking. */
void tc_keys_set_line_offset(tc_keys *k, long lines);
/* No more keys will come: the buffered ones go to the spill file and the
 * buffers are freed (a store kept for a later check costs no memory). */
int tc_keys_seal(tc_keys *k, tc_err *e);
/* Look for duplicates: 0 none, 1 found (*dup filled, the earliest pair by
 * second occurrence), negative on error. */
int tc_keys_check(tc_keys *k, tc_keys_dup *dup, tc_err *e);
/* The same over the keys of n stores together (one per thread that added
 * keys); the `where`s are each store's own. */
int tc_keys_check_all(tc_keys *const *ks, int n, tc_keys_dup *dup, tc_err *e);
/* Every repeated key: fn is called once per occurrence after the first,
 * with first = the key's first `where` and second = this one (partitions
 * in turn, each in the order its keys came).  Returns how many, or a
 * negative error. */
long long tc_keys_each(tc_keys *k, void (*fn)(void *arg, const tc_keys_dup *d), void *arg,
                       tc_err *e);
void tc_keys_free(tc_keys *k);

#endif
