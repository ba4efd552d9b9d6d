/*
 * jcs.h - RFC 8785 JSON Canonicalization Scheme (JCS) for jansson values.
 *
 * Everything tongchou signs as JSON is signed as its JCS text, so that any
 * independent JCS implementation (Go, Java, JavaScript, Python ...) given
 * the parsed value rebuilds the very bytes that were signed:
 *
 *   - no whitespace;
 *   - object members sorted by their names compared as arrays of UTF-16
 *     code units (RFC 8785 section 3.2.3), not as UTF-8 bytes: the two
 *     differ for names holding U+E000..U+FFFF and non-BMP characters
 *     (U+1F602 sorts before U+FB33 in UTF-16, after it in UTF-8);
 *   - strings as ECMAScript's JSON.stringify writes them: \b \t \n \f \r
 *     \" \\, every other character below U+0020 as \u00xx with lowercase
 *     hex, and everything else - U+007F, U+2028, non-BMP characters - as
 *     its raw UTF-8 bytes;
 *   - numbers as ECMAScript writes doubles.  tongchou never signs a float
 *     (amounts are strings or integer fen), so only integers are accepted,
 *     and only those an IEEE double holds exactly, |n| <= 2^53 - 1: a
 *     larger integer would be changed by any JCS verifier that reads
 *     numbers as doubles, and the signature with it.
 *
 * tests/core/test_jcs.c checks the output against the test vectors of an
 * independent implementation (cyberphone/json-canonicalization, fixtures
 * in tests/core/jcs/) and against hard strings written out by hand.
 */
#ifndef TC_JCS_H
#define TC_JCS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"

/* The largest integer JCS carries exactly: 2^53 - 1. */
#define TC_JCS_INT_MAX 9007199254740991LL

/*
 * Write the JCS text of v into a malloc'd, NUL-terminated *out; *n (may be
 * NULL) receives its length without the NUL.  TC_EUSAGE, naming the place
 * as a JSON pointer ("/totals/paid"), for a real number, an integer beyond
 * +-(2^53 - 1), a string or name that is not valid UTF-8, or nesting
 * deeper than 512; TC_ENOMEM when out of memory.  On failure *out is NULL.
 */
int tc_jcs_dump(const json_t *v, char **out, size_t *n, tc_err *e);

/* The strict UTF-8 decoder JCS uses (signed notes use it too): the length
 * of the sequence at s (n > 0 bytes available), its code point in *cp; 0
 * when it is not valid UTF-8 (overlong, a surrogate, above U+10FFFF, cut
 * short). */
size_t tc_utf8_decode(const void *s, size_t n, uint32_t *cp);

#endif
