/*
 * money.h - exact money: int64 fen, exact rates, no floating point.
 *
 * An amount is a signed 64-bit count of fen (0.01 yuan).  Text comes in two
 * strict grammars and nothing else is accepted, ever (no rounding, no
 * leniency): a refused string is bad input for the caller to report.
 *
 *   yuan   -?[0-9]{1,15}(\.[0-9]{1,2})?     handover-xml.md "amount"
 *   fen    -?[0-9]{1,19}                    integer fen, within int64
 *
 * A rate is an exact decimal fraction with up to four places, held as an
 * integer count of 1/10000 (0.07 -> 700):
 *
 *   rate   0(\.[0-9]{1,4})? | 1(\.0{1,4})?  handover-xml.md "rate"
 *
 * base x rate is computed exactly (128-bit intermediate) and rounded half
 * away from zero to the fen ("half-up" in the usual accounting sense:
 * 0.005 -> 0.01, -0.005 -> -0.01).
 *
 * Every arithmetic helper checks for overflow and says so instead of
 * wrapping.
 */
#ifndef TC_MONEY_H
#define TC_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef int64_t tc_fen;

#define TC_RATE_SCALE 10000   /* a rate of 1 is 10000 */
/* Longest text money_format() writes, with sign and NUL. */
#define TC_MONEY_BUFSZ 24

/*
 * Parse yuan text s of length n (not necessarily NUL-terminated) into *out.
 * Returns 0, or TC_EINPUT with e->msg saying what is wrong, e.g.
 * "bad amount '1.234': at most two decimals" (the caller adds the location).
 */
int tc_money_parse_yuan(const char *s, size_t n, tc_fen *out, tc_err *e);

/* Parse integer-fen text (legacy databases keep fen as bigint). */
int tc_money_parse_fen(const char *s, size_t n, tc_fen *out, tc_err *e);

/* Parse a rate into 1/10000 units (0..10000). */
int tc_rate_parse(const char *s, size_t n, int32_t *out, tc_err *e);

/*
 * Format fen as yuan with exactly two decimals: 123450 -> "1234.50",
 * -1 -> "-0.01", INT64_MIN -> "-92233720368547758.08".  buf must hold
 * TC_MONEY_BUFSZ bytes.  Returns buf.
 */
char *tc_money_format(tc_fen v, char *buf);

/* Longest text tc_money_format_grouped() writes: six separators more. */
#define TC_MONEY_GROUPED_BUFSZ (TC_MONEY_BUFSZ + 6)

/*
 * Format fen as yuan with thousands separators, as reports and printed
 * documents show it: -123456780 -> "-1,234,567.80".  buf must hold
 * TC_MONEY_GROUPED_BUFSZ bytes.  Returns buf.
 */
char *tc_money_format_grouped(tc_fen v, char *buf);

/* Format a rate with four decimals: 700 -> "0.0700".  buf >= 8 bytes. */
char *tc_rate_format(int32_t rate, char *buf);

/* *out = a + b, a - b, a * k; return 0, or TC_EINPUT on overflow (out untouched). */
int tc_money_add(tc_fen a, tc_fen b, tc_fen *out);
int tc_money_sub(tc_fen a, tc_fen b, tc_fen *out);
int tc_money_mul(tc_fen a, int64_t k, tc_fen *out);

/* *out = base x rate/10000 rounded half away from zero; 0 or TC_EINPUT on overflow. */
int tc_money_apply_rate(tc_fen base, int32_t rate, tc_fen *out);

#endif
