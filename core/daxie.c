/*
 * daxie.c - amounts in Chinese capitals (see daxie.h for the writing).
 *
 * The writer walks the yuan's digits from the highest, four to a group:
 * a zero only marks that a 零 is owed, paid before the next non-zero digit
 * (so runs of zeros, inside a group or across groups, give one 零 and
 * trailing zeros none).  A group that holds a digit forgives the zeros it
 * ends with (壹拾万柒仟, not 壹拾万零柒仟) and ends with its unit,
 * 万 for the first and third, 亿 for the second (also when only the third
 * holds digits: 壹万亿).
 *
 * The reader computes a value from the characters alone - a digit waits
 * for its unit, 万 and 亿 scale what came before them - and then accepts
 * the text only if the writer gives it back byte for byte: the one
 * writing per amount is the writer's, and the value is the reader's own,
 * which is what lets the tests check one against the other.
 */
#include "core/daxie.h"

#include <stdint.h>
#include <string.h>

static const char *const DIGIT[10] = {"零", "壹", "贰", "叁", "肆",
                                      "伍", "陆", "柒", "捌", "玖"};
static const char *const PLACE[4] = {"", "拾", "佰", "仟"};

typedef struct out {
    char *buf;
    size_t cap, n;
    int full;
} out;

static void put(out *o, const char *s)
{
    size_t k = strlen(s);
    if (o->n + k + 1 > o->cap) {
        o->full = 1;
        return;
    }
    memcpy(o->buf + o->n, s, k);
    o->n += k;
    o->buf[o->n] = '\0';
}

int tc_daxie(tc_fen fen, char *buf, size_t cap)
{
    out o = {buf, cap, 0, 0};
    if (cap)
        buf[0] = '\0';
    uint64_t m = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    uint64_t yuan = m / 100;
    unsigned jiao = (unsigned)(m / 10 % 10), f = (unsigned)(m % 10);
    put(&o, "人民币");
    if (fen < 0)
        put(&o, "负");
    if (m == 0)
        put(&o, "零元整");
    if (yuan) {
        unsigned d[20];
        int nd = 0;
        for (uint64_t y = yuan; y; y /= 10)
            d[nd++] = (unsigned)(y % 10);
        int group_has[5] = {0};
        for (int p = 0; p < nd; p++)
            group_has[p / 4] |= d[p] != 0;
        int owed = 0, any = 0;
        for (int p = nd - 1; p >= 0; p--) {
            if (d[p] == 0) {
                owed = any;
            } else {
                if (owed)
                    put(&o, "零");
                owed = 0;
                put(&o, DIGIT[d[p]]);
                put(&o, PLACE[p % 4]);
                any = 1;
            }
            if (p % 4 == 0 && p > 0) {
                int g = p / 4;
                if ((g == 1 || g == 3) && group_has[g])
                    put(&o, "万");
                else if (g == 2 && (group_has[2] || group_has[3] || group_has[4]))
                    put(&o, "亿");
                else if (g == 4 && group_has[4])
                    put(&o, "亿");   /* 10^16 and up: not reached by int64 fen */
                /* a group's own trailing zeros are not read (壹拾万柒仟);
                 * an empty group's are (壹亿零壹仟) */
                if (group_has[g])
                    owed = 0;
            }
        }
        put(&o, "元");
        if (jiao || f) {
            if (jiao == 0 || yuan % 10 == 0)
                put(&o, "零");
        } else {
            put(&o, "整");
        }
    }
    if (jiao) {
        put(&o, DIGIT[jiao]);
        put(&o, "角");
    }
    if (f) {
        put(&o, DIGIT[f]);
        put(&o, "分");
    } else if (jiao) {
        put(&o, "整");
    }
    if (o.full) {
        if (cap)
            buf[0] = '\0';
        return -1;
    }
    return (int)o.n;
}

/* ----------------------------------------------------------------- reader */

enum { K_DIGIT, K_PLACE, K_WAN, K_YI, K_YUAN, K_JIAO, K_FEN, K_ZHENG, K_FU, K_NONE };

/* The character at s (3 bytes of UTF-8): its kind and value. */
static int kind_of(const char *s, size_t left, unsigned *val)
{
    if (left < 3)
        return K_NONE;
    for (unsigned i = 0; i < 10; i++)
        if (memcmp(s, DIGIT[i], 3) == 0)
            return *val = i, K_DIGIT;
    for (unsigned i = 1; i < 4; i++)
        if (memcmp(s, PLACE[i], 3) == 0)
            return *val = i == 1 ? 10 : i == 2 ? 100 : 1000, K_PLACE;
    static const struct {
        const char *c;
        int k;
    } other[] = {{"万", K_WAN}, {"亿", K_YI},    {"元", K_YUAN}, {"角", K_JIAO},
                 {"分", K_FEN}, {"整", K_ZHENG}, {"负", K_FU}};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        if (memcmp(s, other[i].c, 3) == 0)
            return *val = 0, other[i].k;
    return K_NONE;
}

static int refuse(tc_err *e, size_t at, const char *why)
{
    return tc_fail(e, TC_EINPUT, "not an amount in capitals at byte %zu: %s", at, why);
}

int tc_daxie_parse(const char *s, size_t n, tc_fen *fen, tc_err *e)
{
    static const char PREFIX[] = "人民币";
    if (n < sizeof(PREFIX) - 1 || memcmp(s, PREFIX, sizeof(PREFIX) - 1) != 0)
        return refuse(e, 0, "it must begin with 人民币");
    size_t i = sizeof(PREFIX) - 1;
    int neg = 0;
    unsigned v;
    if (kind_of(s + i, n - i, &v) == K_FU) {
        neg = 1;
        i += 3;
    }
    /* total: what 亿 closed; section: what 万 and the places gathered;
     * digit: the last digit, waiting for its place */
    uint64_t total = 0, section = 0, digit = 0, yuan = 0, jiao = 0, f = 0;
    int stage = 0;   /* 0 yuan, 1 after 元, 2 after 角, 3 after 分 or 整 */
    while (i < n) {
        int k = kind_of(s + i, n - i, &v);
        uint64_t t;
        switch (k) {
        case K_DIGIT:
            if (stage == 3)
                return refuse(e, i, "a digit after the end");
            digit = v;
            break;
        case K_PLACE:
            if (stage || digit == 0)
                return refuse(e, i, "a place (拾佰仟) without a digit before it");
            section += digit * v;
            digit = 0;
            break;
        case K_WAN:
        case K_YI:
            if (stage)
                return refuse(e, i, "万 or 亿 after 元");
            t = section + digit;
            if (k == K_WAN) {
                if (__builtin_mul_overflow(t, 10000, &section))
                    return refuse(e, i, "too large");
            } else {
                if (__builtin_add_overflow(total, t, &t) ||
                    __builtin_mul_overflow(t, 100000000, &total))
                    return refuse(e, i, "too large");
                section = 0;
            }
            digit = 0;
            break;
        case K_YUAN:
            if (stage)
                return refuse(e, i, "a second 元");
            if (__builtin_add_overflow(total, section + digit, &yuan))
                return refuse(e, i, "too large");
            total = section = digit = 0;
            stage = 1;
            break;
        case K_JIAO:
        case K_FEN:
            if (stage >= (k == K_JIAO ? 2 : 3) || section || total)
                return refuse(e, i, "角 or 分 out of place");
            if (k == K_JIAO)
                jiao = digit;
            else
                f = digit;
            digit = 0;
            stage = k == K_JIAO ? 2 : 3;
            break;
        case K_ZHENG:
            if (stage == 0 || stage == 3)
                return refuse(e, i, "整 out of place");
            stage = 3;
            break;
        default:
            return refuse(e, i, "a character that is not part of an amount in capitals");
        }
        i += 3;
    }
    if (stage < 3)
        return refuse(e, n, "it must end with 整 or 分");
    uint64_t m;
    if (__builtin_mul_overflow(yuan, 100, &m) || __builtin_add_overflow(m, jiao * 10 + f, &m) ||
        m > (uint64_t)INT64_MAX + (uint64_t)neg)
        return refuse(e, 0, "outside the 64-bit range of fen");
    tc_fen value = neg ? (tc_fen)((uint64_t)0 - m) : (tc_fen)m;
    /* the one writing of that value, byte for byte */
    char w[TC_DAXIE_BUFSZ];
    int wn = tc_daxie(value, w, sizeof(w));
    if (wn < 0 || (size_t)wn != n || memcmp(w, s, n) != 0) {
        size_t at = 0;
        while (wn >= 0 && at < n && at < (size_t)wn && w[at] == s[at])
            at++;
        return refuse(e, at - at % 3, "it is not written the way a voucher writes it");
    }
    if (fen)
        *fen = value;
    return 0;
}
