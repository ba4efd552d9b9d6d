/*
 * money.c - exact money: strict parsing, formatting and checked arithmetic
 * over int64 fen.  See money.h for the grammars.
 *
 * Parsing walks the bytes once and refuses at the first byte that breaks
 * the grammar; the message quotes the text (cut to a readable length) and
 * says what was expected.  Nothing here touches a floating-point type.
 */
#include "core/money.h"

#include <limits.h>
#include <string.h>

/* Quote at most this many bytes of a refused string in a message. */
#define QUOTE_MAX 40

static int refuse(tc_err *e, const char *what, const char *s, size_t n, const char *why)
{
    int q = (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
    return tc_fail(e, TC_EINPUT, "bad %s '%.*s%s': %s", what, q, s,
                   n > QUOTE_MAX ? "..." : "", why);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Why a byte that is not an ASCII digit was refused, for the message. */
static const char *why_not_digit(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80)
        return "only ASCII digits 0-9 are allowed (full-width or other non-ASCII characters found)";
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
        return "spaces are not allowed";
    if (c == ',')
        return "no thousands separators";
    if (c == '+')
        return "no '+' sign";
    if (c == 'e' || c == 'E')
        return "no exponent notation";
    (void)n;
    return "unexpected character";
}

int tc_money_parse_yuan(const char *s, size_t n, tc_fen *out, tc_err *e)
{
    static const char W[] = "amount";
    size_t i = 0;
    int neg = 0;

    /* The shape of nearly every amount, 1 to 15 digits, '.', 2 digits, in
     * one pass without a branch per byte; anything else (and any bad byte
     * here) takes the walk below, which says what is wrong. */
    neg = n > 0 && s[0] == '-';
    if (n >= 4 + (size_t)neg && n <= 18 + (size_t)neg && s[n - 3] == '.') {
        uint64_t v = 0;
        unsigned bad = 0;
        for (i = (size_t)neg; i < n - 3; i++) {
            unsigned d = (unsigned)(unsigned char)s[i] - '0';
            bad |= d > 9;
            v = v * 10 + d;
        }
        unsigned d1 = (unsigned)(unsigned char)s[n - 2] - '0', d2 = (unsigned)(unsigned char)s[n - 1] - '0';
        bad |= (d1 > 9) | (d2 > 9);
        if (!bad) {
            /* 15 digits of yuan * 100 + 99 < 2^63 */
            uint64_t fen = v * 100 + d1 * 10 + d2;
            if (out)
                *out = neg ? -(int64_t)fen : (int64_t)fen;
            return 0;
        }
    }
    i = 0;
    neg = 0;
    if (n == 0)
        return refuse(e, W, s, n, "empty (write 0.00 for zero)");
    if (s[0] == '-') {
        neg = 1;
        i = 1;
    }
    size_t int_start = i;
    uint64_t yuan = 0;
    while (i < n && is_digit(s[i])) {
        yuan = yuan * 10 + (uint64_t)(s[i] - '0');
        i++;
        if (i - int_start > 15)
            return refuse(e, W, s, n, "at most 15 digits before the decimal point");
    }
    size_t int_len = i - int_start;
    if (int_len == 0) {
        if (i < n && s[i] == '.')
            return refuse(e, W, s, n, "a digit is required before the decimal point");
        if (i >= n)
            return refuse(e, W, s, n, "digits are required after '-'");
        return refuse(e, W, s, n, why_not_digit(s, n, i));
    }
    uint64_t frac = 0;
    if (i < n && s[i] == '.') {
        i++;
        size_t fs = i;
        while (i < n && is_digit(s[i])) {
            i++;
            if (i - fs > 2)
                return refuse(e, W, s, n, "at most two decimals");
        }
        size_t fl = i - fs;
        if (fl == 0)
            return refuse(e, W, s, n, i < n ? why_not_digit(s, n, i)
                                             : "a digit is required after the decimal point");
        frac = (uint64_t)(s[fs] - '0') * 10 + (fl == 2 ? (uint64_t)(s[fs + 1] - '0') : 0);
    }
    if (i < n)
        return refuse(e, W, s, n, s[i] == '.' ? "more than one decimal point"
                                              : why_not_digit(s, n, i));
    /* 15 digits of yuan * 100 + 99 < 2^63: cannot overflow */
    uint64_t fen = yuan * 100 + frac;
    if (out)
        *out = neg ? -(int64_t)fen : (int64_t)fen;
    return 0;
}

int tc_money_parse_fen(const char *s, size_t n, tc_fen *out, tc_err *e)
{
    static const char W[] = "fen amount";
    size_t i = 0;
    int neg = 0;

    /* Fast path: 1 to 18 digits, optionally signed, cannot overflow
     * (10^18 - 1 < 2^63); anything else takes the checked path below,
     * which names the fault. */
    {
        int sg = n && s[0] == '-';
        if (n > (size_t)sg && n - (size_t)sg <= 18) {
            uint64_t v = 0;
            unsigned bad = 0;
            for (size_t k = (size_t)sg; k < n; k++) {
                unsigned d = (unsigned)(unsigned char)s[k] - '0';
                bad |= d > 9;
                v = v * 10 + d;
            }
            if (!bad) {
                if (out)
                    *out = sg ? -(int64_t)v : (int64_t)v;
                return 0;
            }
        }
    }
    if (n == 0)
        return refuse(e, W, s, n, "empty");
    if (s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i >= n)
        return refuse(e, W, s, n, "digits are required after '-'");
    size_t start = i;
    uint64_t v = 0;
    /* the magnitude may reach 2^63 for a negative number */
    const uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (!is_digit(s[i]))
            return refuse(e, W, s, n, s[i] == '.' ? "integer fen expected, no decimal point"
                                                  : why_not_digit(s, n, i));
        if (i - start >= 19)
            return refuse(e, W, s, n, "more than 19 digits: outside the 64-bit range");
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (lim - d) / 10)
            return refuse(e, W, s, n, "outside the 64-bit range (|v| <= 9223372036854775807)");
        v = v * 10 + d;
    }
    if (out) {
        if (neg)
            *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
        else
            *out = (int64_t)v;
    }
    return 0;
}

int tc_rate_parse(const char *s, size_t n, int32_t *out, tc_err *e)
{
    static const char W[] = "rate";
    if (n == 0)
        return refuse(e, W, s, n, "empty");
    if (s[0] != '0' && s[0] != '1')
        return refuse(e, W, s, n, "a rate is 0, 1 or a decimal between, like 0.0800");
    int32_t units = (s[0] - '0') * TC_RATE_SCALE;
    size_t i = 1;
    if (i < n) {
        if (s[i] != '.')
            return refuse(e, W, s, n, is_digit(s[i]) ? "a rate is at most 1"
                                                     : why_not_digit(s, n, i));
        i++;
        size_t fs = i;
        int32_t scale = TC_RATE_SCALE / 10;
        for (; i < n; i++) {
            if (!is_digit(s[i]))
                return refuse(e, W, s, n, why_not_digit(s, n, i));
            if (i - fs >= 4)
                return refuse(e, W, s, n, "at most four decimals");
            units += (s[i] - '0') * scale;
            scale /= 10;
        }
        if (i == fs)
            return refuse(e, W, s, n, "a digit is required after the decimal point");
    }
    if (units > TC_RATE_SCALE)
        return refuse(e, W, s, n, "a rate is at most 1");
    if (out)
        *out = units;
    return 0;
}

char *tc_money_format(tc_fen v, char *buf)
{
    /* Work on the unsigned magnitude so INT64_MIN needs no special case. */
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char tmp[TC_MONEY_BUFSZ];
    int k = 0;
    tmp[k++] = (char)('0' + m % 10);
    m /= 10;
    tmp[k++] = (char)('0' + m % 10);
    m /= 10;
    tmp[k++] = '.';
    do {
        tmp[k++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        tmp[k++] = '-';
    for (int j = 0; j < k; j++)
        buf[j] = tmp[k - 1 - j];
    buf[k] = '\0';
    return buf;
}

char *tc_money_format_grouped(tc_fen v, char *buf)
{
    char raw[TC_MONEY_BUFSZ];
    const char *s = tc_money_format(v, raw);
    char *o = buf;
    if (*s == '-')
        *o++ = *s++;
    size_t intlen = strcspn(s, ".");
    for (size_t i = 0; s[i]; i++) {
        if (i > 0 && i < intlen && (intlen - i) % 3 == 0)
            *o++ = ',';
        *o++ = s[i];
    }
    *o = '\0';
    return buf;
}

char *tc_rate_format(int32_t rate, char *buf)
{
    if (rate < 0 || rate > TC_RATE_SCALE) {
        memcpy(buf, "?", 2);
        return buf;
    }
    buf[0] = (char)('0' + rate / TC_RATE_SCALE);
    buf[1] = '.';
    int32_t f = rate % TC_RATE_SCALE;
    for (int j = 5; j >= 2; j--) {
        buf[j] = (char)('0' + f % 10);
        f /= 10;
    }
    buf[6] = '\0';
    return buf;
}

int tc_money_add(tc_fen a, tc_fen b, tc_fen *out)
{
    tc_fen r;
    if (__builtin_add_overflow(a, b, &r))
        return TC_EINPUT;
    *out = r;
    return 0;
}

int tc_money_sub(tc_fen a, tc_fen b, tc_fen *out)
{
    tc_fen r;
    if (__builtin_sub_overflow(a, b, &r))
        return TC_EINPUT;
    *out = r;
    return 0;
}

int tc_money_mul(tc_fen a, int64_t k, tc_fen *out)
{
    tc_fen r;
    if (__builtin_mul_overflow(a, k, &r))
        return TC_EINPUT;
    *out = r;
    return 0;
}

int tc_money_apply_rate(tc_fen base, int32_t rate, tc_fen *out)
{
    int64_t p64;
    if (!__builtin_mul_overflow(base, (int64_t)rate, &p64)) {
        /* the usual case, in 64 bits: a division by a constant is a multiply */
        int64_t q = p64 / TC_RATE_SCALE, r = p64 % TC_RATE_SCALE;
        q += (r >= TC_RATE_SCALE / 2) - (r <= -(TC_RATE_SCALE / 2));
        *out = q;
        return 0;
    }
    __int128 p = (__int128)base * rate;
    __int128 q = p / TC_RATE_SCALE;
    __int128 r = p % TC_RATE_SCALE;           /* same sign as p */
    if (r >= TC_RATE_SCALE / 2)
        q++;
    else if (r <= -(TC_RATE_SCALE / 2))
        q--;
    if (q > INT64_MAX || q < INT64_MIN)
        return TC_EINPUT;
    *out = (tc_fen)q;
    return 0;
}
