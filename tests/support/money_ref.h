/*
 * money_ref.h - a rate applied to an amount the long way, in 128 bits,
 * rounded half away from zero: what tc_money_apply_rate must agree with.
 * For the tests and the fuzz targets (no cmocka here).
 */
#ifndef TC_MONEY_REF_H
#define TC_MONEY_REF_H

#include <stdint.h>

static inline int64_t tctest_rate_ref(int64_t base, int32_t rate)
{
    __int128 p = (__int128)base * rate, q = p / 10000, r = p % 10000;
    if (2 * r >= 10000)
        q++;
    else if (2 * r <= -10000)
        q--;
    return (int64_t)q;
}

#endif
