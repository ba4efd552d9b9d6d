/*
 * hash.h - FNV-1a, for the toolkit's small in-memory hash tables (rule
 * indexes, join tables).  Not for anything an adversary chooses keys of at
 * scale, and never for integrity: that is core/digest.h.
 */
#ifndef TC_HASH_H
#define TC_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t tc_fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

#endif
