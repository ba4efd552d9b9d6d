/*
 * digest.h - streaming SHA-256 and SM3 through OpenSSL's EVP interface.
 *
 * Digests are written as the algorithm name, a colon and lowercase hex:
 * "sha256:e3b0c442...", "sm3:1ab21d83...".  That text is what batches,
 * reports and the audit trail record, so a reader always knows which
 * algorithm made it.  SM3 (GB/T 32905) is there for the government systems
 * that require the national algorithms.
 */
#ifndef TC_DIGEST_H
#define TC_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef enum { TC_DIGEST_SHA256 = 0, TC_DIGEST_SM3 = 1 } tc_digest_alg;

#define TC_DIGEST_MAX 32                 /* both algorithms give 32 bytes */
#define TC_DIGEST_TEXT_MAX (7 + 64 + 1)  /* "sha256:" + hex + NUL */

typedef struct tc_digest tc_digest;

/* Start a digest.  Returns 0, or TC_EINTERNAL when OpenSSL lacks alg. */
int tc_digest_new(tc_digest **out, tc_digest_alg alg, tc_err *e);
void tc_digest_update(tc_digest *d, const void *data, size_t n);
/* Finish: raw bytes into out (TC_DIGEST_MAX), returns their length.  The
 * digest may be reused after tc_digest_reset(). */
size_t tc_digest_final(tc_digest *d, uint8_t *out);
/* Finish and write the prefixed hex text into text (TC_DIGEST_TEXT_MAX). */
void tc_digest_final_text(tc_digest *d, char *text);
void tc_digest_reset(tc_digest *d);
void tc_digest_free(tc_digest *d);

/* "sha256" or "sm3". */
const char *tc_digest_name(tc_digest_alg alg);
/* Parse "sha256"/"sm3" (case-sensitive); 0 or TC_EUSAGE. */
int tc_digest_alg_parse(const char *name, tc_digest_alg *out, tc_err *e);

/* One-shot helpers. */
int tc_digest_buffer(tc_digest_alg alg, const void *data, size_t n, char *text, tc_err *e);
/* Digest a whole file, streaming; TC_EIO when it cannot be read.  A folder
 * (a directory-format dump, a text unload) is digested as its regular files
 * in byte order of their names, each as its name, a newline and its bytes:
 * the source digest extract writes into its batches. */
int tc_digest_file(tc_digest_alg alg, const char *path, char *text, tc_err *e);
/* 1 when text ("sha256:..." or "sm3:...", as the trail records digests)
 * is the digest of the file at path, in text's own algorithm; else 0 (a
 * file that cannot be read, or a text of no known algorithm, included). */
int tc_digest_file_is(const char *text, const char *path);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void tc_hex(const uint8_t *in, size_t n, char *out);

#endif
