/*
 * fuzz_amount.c - the money parsers.  Properties checked on every input:
 * no crash, an accepted yuan string formats back to an equivalent value,
 * whatever is accepted matches the grammar -?[0-9]{1,15}(\.[0-9]{1,2})?
 * checked independently here, with the value worked out here too, and a
 * rate applied to an amount rounds as a 128-bit reference does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "tests/support/money_ref.h"

/* Whether s matches the grammar, and then its value in fen (*fen). */
static int grammar(const uint8_t *s, size_t n, int64_t *fen)
{
    size_t i = 0, d = 0, f = 0;
    int neg = 0;
    int64_t y = 0, c = 0;
    if (i < n && s[i] == '-')
        i++, neg = 1;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (d < 15)   /* past 15 digits it is refused: no overflow here */
            y = y * 10 + (s[i] - '0');
        i++, d++;
    }
    if (d < 1 || d > 15)
        return 0;
    if (i < n) {
        if (s[i++] != '.')
            return 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (f < 2)    /* past 2 decimals it is refused */
                c = c * 10 + (s[i] - '0');
            i++, f++;
        }
        if (i != n || f < 1 || f > 2)
            return 0;
        if (f == 1)
            c *= 10;
    }
    *fen = neg ? -(y * 100 + c) : y * 100 + c;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tc_fen v;
    tc_err e;
    int64_t want = 0;
    int ok = tc_money_parse_yuan((const char *)data, size, &v, &e) == 0;
    if (ok != grammar(data, size, &want) || (ok && v != want))
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
    /* the first 12 bytes as a base and a rate: 64-bit and 128-bit paths */
    if (size >= 12) {
        int64_t base;
        uint32_t rr;
        memcpy(&base, data, 8);
        memcpy(&rr, data + 8, 4);
        int32_t rate = (int32_t)(rr % (TC_RATE_SCALE + 1));
        tc_fen q;
        if (tc_money_apply_rate(base, rate, &q) != 0 || q != tctest_rate_ref(base, rate))
            abort();
    }
    return 0;
}
