/*
 * atomic.h - outputs that appear whole or not at all.
 *
 * tc_atomic_open() creates ".NAME.tmp.XXXXXX" in the folder of the final
 * path; the caller writes through the FILE it returns; tc_atomic_commit()
 * flushes, fsyncs, closes, renames over the final name and fsyncs the
 * folder, so after a crash there is either the old file or the whole new
 * one.  On any failure - and on tc_atomic_abort() - the temporary file is
 * removed.  A reader never sees a half-written output.
 */
#ifndef TC_ATOMIC_H
#define TC_ATOMIC_H

#include <stdio.h>
#include <sys/types.h>

#include "core/err.h"

typedef struct tc_atomic tc_atomic;

/* Create the temporary file for path, mode tc_perm_file(): 0600, or 0640
 * for a shared group (core/perm.h; the umask is not applied). */
int tc_atomic_open(tc_atomic **out, const char *path, tc_err *e);
/* The same with an explicit mode (0600 for private keys, whatever is shared). */
int tc_atomic_open_mode(tc_atomic **out, const char *path, mode_t mode, tc_err *e);

/* The stream to write to (buffered; errors are caught at commit). */
FILE *tc_atomic_file(tc_atomic *a);
/* The temporary file's path, for messages and tests. */
const char *tc_atomic_temp_path(const tc_atomic *a);

/* Make the file appear under its final name.  Frees a, success or not;
 * on failure the temporary file is gone and e says why (TC_EIO). */
int tc_atomic_commit(tc_atomic *a, tc_err *e);
/* The same without the folder's fsync, for a caller that puts several
 * files in place and syncs their folder once (tc_fsync_parent). */
int tc_atomic_commit_nodir(tc_atomic *a, tc_err *e);

/* Give up: close and remove the temporary file, free a.  NULL is a no-op. */
void tc_atomic_abort(tc_atomic *a);

/* fsync the folder holding path, so a rename or unlink in it is durable. */
int tc_fsync_parent(const char *path, tc_err *e);

/* Create the folder path and every missing folder above it, as `mkdir -p`
 * does, each new one with mode (the umask is not applied); folders already
 * there are left as they are.  TC_EIO naming the one that cannot be made,
 * or a file in the way. */
int tc_mkdir_p(const char *path, mode_t mode, tc_err *e);

/* Strip a path's trailing slashes in place ("out/" -> "out", "/" stays),
 * so that paths joined to it read out/x.tcb rather than out//x.tcb. */
void tc_path_trim(char *path);

struct json_t;

/* A JSON document as one file: json_dumps(doc, flags), then a newline,
 * written whole or not at all (reports, plans, the answer key). */
int tc_atomic_write_json(const char *path, const struct json_t *doc, size_t flags, tc_err *e);

#endif
