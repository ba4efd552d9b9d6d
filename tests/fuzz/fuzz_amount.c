/*
 * fuzz_amount.c - the money parsers.  Properties checked on every input:
 * no crash, an accepted yuan string formats back to an equivalent value,
 * and whatever is accepted matches the grammar -?[0-9]{1,15}(\.[0-9]{1,2})?
 * checked independently here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"

static int grammar(const uint8_t *s, size_t n)
{
    size_t i = 0, d = 0, f = 0;
    if (i < n && s[i] == '-')
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, d++;
    if (d < 1 || d > 15)
        return 0;
    if (i == n)
        return 1;
    if (s[i++] != '.')
        return 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, f++;
    return i == n && f >= 1 && f <= 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tc_fen v;
    tc_err e;
    int ok = tc_money_parse_yuan((const char *)data, size, &v, &e) == 0;
    if (ok != grammar(data, size))
        abort();
    if (ok) {
        char b[TC_MONEY_BUFSZ];
        tc_fen w;
        tc_money_format(v, b);
        if (tc_money_parse_yuan(b, strlen(b), &w, &e) != 0 || w != v)
            abort();
    }
    if (tc_money_parse_fen((const char *)data, size, &v, &e) == 0) {
        char b[TC_MONEY_BUFSZ];
        tc_money_format(v, b);   /* any int64 formats */
    }
    int32_t r;
    if (tc_rate_parse((const char *)data, size, &r, &e) == 0 && (r < 0 || r > TC_RATE_SCALE))
        abort();
    return 0;
}
