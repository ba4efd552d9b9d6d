/*
 * tar.h - a plain POSIX ustar archive (IEEE Std 1003.1, "pax" format's
 * ustar header), written and read here, for the retention archive
 * (docs/retention.md): every tar reads it, no library is needed.
 *
 * Deterministic by construction: the caller gives the members in the order
 * they are to appear (pipeline/retention.c sorts them by name); each header
 * carries the one mtime given (the cutover date), uid and gid 0, no user
 * or group name, mode 0600 for a file and 0700 for a folder, whatever the
 * file on disk says.  So the same files give the same bytes.
 *
 * Limits of ustar, refused rather than bent (TC_EINPUT): a name longer
 * than 255 bytes, or that cannot be split at a '/' into a prefix of at most
 * 155 and a name of at most 100 bytes; a member of 8 GiB or more (the size
 * field holds 11 octal digits).  Only regular files and folders.
 */
#ifndef TC_TAR_H
#define TC_TAR_H

#include <stdio.h>

#include "core/digest.h"
#include "core/err.h"
#include "core/seal.h"

typedef struct tc_tar tc_tar;

/* A writer onto f (not closed here), every header dated mtime (seconds
 * since 1970, UTC). */
int tc_tar_new(tc_tar **out, FILE *f, long long mtime, tc_err *e);

/*
 * Append the regular file at path as member name; its digest with alg, of
 * the bytes written, into digest (TC_DIGEST_TEXT_MAX) when not NULL.
 * TC_EINPUT for a name ustar cannot hold, a file too large, or not a
 * regular file; TC_EIO when it cannot be read, or changed size while it
 * was read.
 */
int tc_tar_add_file(tc_tar *t, const char *name, const char *path, tc_digest_alg alg,
                    char *digest, tc_err *e);

/* Append a folder member: name without its trailing '/', stored with it. */
int tc_tar_add_dir(tc_tar *t, const char *name, tc_err *e);

/* Write the end of the archive (two zero blocks) and free t.  The caller
 * then commits or aborts f (core/atomic.h).  TC_EIO when f failed. */
int tc_tar_finish(tc_tar *t, tc_err *e);

/* Free t without finishing (after an error). */
void tc_tar_free(tc_tar *t);

/*
 * Call fn with each member of the ustar archive at path, in order: its
 * name (prefix and name joined), its type ('0' a file, '5' a folder, ...),
 * its size and the digest of its bytes with alg.  fn returns 0 to go on,
 * anything else to stop, and that is returned.  TC_EINTEGRITY when a
 * header's checksum, magic or size field is wrong, or the archive is cut
 * short; TC_EIO when it cannot be read.  A sealed archive (core/seal.h)
 * is read through its seal with key (NULL: TC_EINPUT), to its end, where a
 * tag that does not match is TC_EINTEGRITY.
 */
int tc_tar_each(const char *path, const tc_seal_key *key, tc_digest_alg alg,
                int (*fn)(void *arg, const char *name, char type, long long size,
                          const char *digest),
                void *arg, tc_err *e);

#endif
