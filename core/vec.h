/*
 * vec.h - growing an array by doubling, the one way this codebase does it.
 */
#ifndef TC_VEC_H
#define TC_VEC_H

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/*
 * Room for one more element in the array *arrp points to (n used, *cap
 * allocated, elements of elem bytes): when full it doubles, starting at
 * first.  0, or TC_ENOMEM with the array unchanged.
 */
static inline int tc_vec_room(void *arrp, long n, long *cap, long first, size_t elem, tc_err *e)
{
    if (n < *cap)
        return 0;
    long c = *cap ? 2 * *cap : first;
    void *old;
    memcpy(&old, arrp, sizeof(old));
    void *p = realloc(old, (size_t)c * elem);
    if (!p)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    memcpy(arrp, &p, sizeof(p));
    *cap = c;
    return 0;
}

#endif
