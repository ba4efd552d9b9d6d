/*
 * proc.h - run a program and wait for it, without a shell.
 *
 * argv is passed to execv as it is: no word splitting, no quoting to get
 * wrong.  The child can run as another account (the PostgreSQL server
 * must not run as root), with extra environment variables, stdout sent to
 * a file, and stderr captured so the caller can put it into an error.
 */
#ifndef TC_PROC_H
#define TC_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"

typedef struct tc_proc_opts {
    uid_t uid;                /* run as this uid/gid when as_user is set */
    gid_t gid;
    int as_user;
    const char *const *env;   /* "NAME=value" to add, NULL-terminated, or NULL */
    const char *const *unset; /* names to remove from the environment, or NULL */
    const char *stdout_path;  /* stdout to this file (tc_perm_file(), truncated); NULL: inherit */
    int stdout_devnull;       /* stdout to /dev/null (when stdout_path is NULL) */
    const char *cwd;          /* working folder of the child, or NULL */
} tc_proc_opts;

/*
 * Run path (absolute) with argv and wait.  Returns 0 when it exited 0;
 * otherwise TC_EIO with e->msg naming the program and its exit status and
 * the last lines it wrote on stderr in e->hint.  stderr is captured (not
 * shown) in every case.
 */
int tc_proc_run(const char *path, const char *const *argv, const tc_proc_opts *o, tc_err *e);

/*
 * The folder of PostgreSQL's programs (initdb, pg_ctl, pg_dump, pg_restore,
 * psql) into buf: $TONGCHOU_PG_BINDIR, else the newest Debian
 * /usr/lib/postgresql/N/bin holding initdb, else `pg_config --bindir`.
 * The private server (db/pgserver.h) and the reader of custom-format dumps
 * (extract/dump.c, which runs pg_restore) both need it, and neither needs
 * libpq for it, so it lives here.  TC_EIO with a hint when none is found.
 */
int tc_proc_pg_bindir(char *buf, size_t n, tc_err *e);

/*
 * fn(i, arg, e) for every i in [0, n), shared among jobs processes forked
 * from this one - process w taking the i with i % jobs == w, in order -
 * for work whose result is files and whose libraries keep state a thread
 * could not share (cairo, pango and fontconfig, which make the printed
 * documents).  Nothing the children change in memory comes back: the
 * caller learns only that every call returned 0, or the failure (code,
 * message, file, hint) of the lowest i that failed in each child, the
 * lowest of them returned in e.  A child killed by a signal is TC_EIO.
 * jobs <= 1, or n <= 1: the calls are made here, in order, stopping at the
 * first failure.  Fork before the libraries are first used, so that no
 * child inherits their locks or threads.
 */
int tc_proc_fanout(size_t n, int jobs, int (*fn)(size_t i, void *arg, tc_err *e), void *arg,
                   tc_err *e);

#endif
