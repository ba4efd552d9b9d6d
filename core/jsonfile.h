/*
 * jsonfile.h - a JSON document read from a file someone may have handed
 * over (reconciliation.json, a transfer plan, a waiver), with a bound on
 * its size.
 *
 * jansson reads a file of any size whole into a tree several times its
 * size; a document made to exhaust memory would deny `load`, `diff`,
 * `transfer verify` or `status` to whoever runs them.  Every reader of
 * those documents goes through tc_json_read_file, with one limit,
 * TC_JSON_FILE_MAX, documented in docs/architecture.md ("Limits"), far
 * above what tongchou writes for a real city.  Nesting is bounded by
 * jansson itself: 2048 levels (JSON_PARSER_MAX_DEPTH, fixed when jansson
 * is built), one more is a syntax error ("maximum parsing depth reached").
 */
#ifndef TC_JSONFILE_H
#define TC_JSONFILE_H

#include <stddef.h>

#include <jansson.h>

#include "core/err.h"

/* The most bytes a JSON document read from a file may hold: 64 MiB.  A
 * reconciliation holds a row per county and fund, per bank account and
 * per finding; the example city's is 8 KiB, a province's would be a few
 * MiB. */
#define TC_JSON_FILE_MAX ((size_t)64 << 20)

/*
 * Parse the JSON document in the file at path into *out (to json_decref),
 * with jansson's flags (JSON_REJECT_DUPLICATES, ...).  A file of more than
 * max bytes is refused before any of it is parsed; and whatever its size
 * said, no more than max bytes are read (a pipe, a file still growing).
 *
 * On failure *out is NULL and e, located at path, says why:
 *   the code of tc_errno_code   "cannot read the file: REASON";
 *   TC_EINPUT                   "the file is N bytes, more than the M
 *                               bytes (64 MiB) a JSON document may hold",
 *                               with a hint; or "not JSON: TEXT" at the
 *                               line and column of the syntax error
 *                               (nesting deeper than 2048 is one);
 *   TC_EIO                      the file could not be read to its end;
 *   TC_ENOMEM                   out of memory.
 */
int tc_json_read_file(json_t **out, const char *path, size_t max, size_t flags, tc_err *e);

/* 1 when e holds tc_json_read_file's refusal of bytes that are not JSON
 * (a syntax error, nesting too deep), for a caller that words it in its
 * own terms ("not a reconciliation: ..."); 0 for any other error. */
int tc_json_not_json(const tc_err *e);

#endif
