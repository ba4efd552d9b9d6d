/*
 * perm.h - who may read what the toolkit writes.
 *
 * Batches, rejects, reports, plans and the trail hold (or lead to) the
 * identity numbers of a county's insured people.  Every file the toolkit
 * writes is therefore its owner's alone, mode 0600, and every folder it
 * makes 0700.  A team that shares a server may widen that to one named
 * group (the manifest's [security] group, `tongchou --group NAME`, or
 * $TONGCHOU_GROUP): files 0640 and folders 0750, given to that group.  It
 * is never wider: no mode the toolkit sets lets others read.
 *
 * The process umask is set to match (077, or 027 with a group), so what
 * other code creates on the toolkit's behalf - libxlsxwriter's workbook,
 * initdb's folder, pg_ctl's log - is no wider either.
 *
 * tc_perm_check() is the other half: a source file or an output folder
 * that others (or a group other than the shared one) can read is named in
 * a warning, since the toolkit cannot undo what was given away before it
 * ran.
 */
#ifndef TC_PERM_H
#define TC_PERM_H

#include <sys/types.h>

#include "core/err.h"

/* Owner-only: umask 077.  main() calls it first. */
void tc_perm_init(void);

/*
 * Share with group name: files 0640 and folders 0750 from now on, each
 * given to the group.  TC_EUSAGE when there is no such group or the
 * caller is not in it (a file cannot be given to it then).  NULL or ""
 * goes back to owner-only.
 */
int tc_perm_share(const char *name, tc_err *e);
/* The group shared with, or "" when owner-only. */
const char *tc_perm_group(void);

/* The mode of a new file (0600 or 0640) and of a new folder (0700 or 0750). */
mode_t tc_perm_file(void);
mode_t tc_perm_dir(void);

/* Give the open file fd mode (and, when mode lets the group read, the
 * shared group).  TC_EIO naming what when that fails. */
int tc_perm_fd(int fd, mode_t mode, const char *what, tc_err *e);
/* The same for the file or folder at path. */
int tc_perm_path(const char *path, mode_t mode, tc_err *e);

/*
 * Warn when path (a source file or an output folder; what says which, as
 * "source" or "output folder") can be read by others, or by a group other
 * than the shared one.  Returns 1 when it warned, 0 when not (or when path
 * cannot be examined: the command's own open says why).
 */
int tc_perm_check(const char *path, const char *what);

#endif
