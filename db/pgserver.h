/*
 * pgserver.h - a private PostgreSQL server in a folder of our own.
 *
 * Three users need one: the test harness (a server per test binary, always
 * stopped and removed), the example-city generator (a throwaway server to
 * fill legacy YB2008 databases and pg_dump them), and `tongchou run`/`demo`
 * (the embedded default database under the work folder).  It is a real
 * PostgreSQL, started with initdb + pg_ctl, never a test double.
 *
 * The server listens only on a Unix socket in its own folder
 * (listen_addresses = ''), on a port chosen free, with trust authentication
 * for the local socket only.  When the process runs as root - as CI does -
 * initdb refuses to run, so the server runs as an unprivileged account
 * (`postgres` by default, TONGCHOU_PG_USER overrides) and the folder is
 * handed to it.
 *
 * Binaries: where tc_proc_pg_bindir() (core/proc.h) finds them.
 *
 * An ephemeral server (TC_PGSERVER_EPHEMERAL) is watched by a small guardian
 * process: when the process that started it exits for any reason - a failed
 * assertion, a sanitizer abort, a kill - the guardian stops the server and
 * removes its folder, so no test run leaves a postmaster behind.
 */
#ifndef TC_PGSERVER_H
#define TC_PGSERVER_H

#include "core/err.h"

typedef struct tc_pgserver tc_pgserver;

enum {
    /* Remove the folder on stop and when the starting process dies. */
    TC_PGSERVER_EPHEMERAL = 1 << 0,
    /* fsync=off, synchronous_commit=off, full_page_writes=off: tests and
     * throwaway databases only, never the embedded database of a real run. */
    TC_PGSERVER_FAST = 1 << 1
};

/*
 * Create (initdb, when dir holds no cluster yet) and start a server in dir.
 * dir NULL: a new folder under $TMPDIR (or /tmp), named tongchou-pg-XXXXXX.
 * A dir that already holds a running server of ours is reused (its port is
 * read back), so `tongchou db start` can be run twice.
 * On success *out is the handle; on failure e says what failed, with the
 * server log's last lines in e->hint when the server would not start.
 */
int tc_pgserver_start(tc_pgserver **out, const char *dir, unsigned flags, tc_err *e);

/*
 * The same on a port of the caller's choosing (0: one chosen free): a new
 * cluster is made on it, a stopped one moved to it; one already running
 * on another port is refused (TC_EUSAGE: stop it first).
 */
int tc_pgserver_start_on(tc_pgserver **out, const char *dir, unsigned flags, int port,
                         tc_err *e);

/*
 * Attach to the server already running in dir (started earlier by
 * tc_pgserver_start, perhaps by another process).  TC_EIO when none runs.
 */
int tc_pgserver_attach(tc_pgserver **out, const char *dir, tc_err *e);

/* Stop the server (pg_ctl stop -m fast); EPHEMERAL: remove its folder too.
 * Frees the handle.  NULL is a no-op. */
int tc_pgserver_stop(tc_pgserver *s, tc_err *e);

/* Forget the handle without stopping the server (it keeps running). */
void tc_pgserver_detach(tc_pgserver *s);

/* libpq conninfo for database dbname ("postgres" when NULL), e.g.
 * "host=/tmp/tongchou-pg-AbC123/sock port=54321 user=postgres dbname=x".
 * Returned string is owned by s and valid until the next call. */
const char *tc_pgserver_conninfo(tc_pgserver *s, const char *dbname);

/* Pieces of the conninfo, for PGHOST/PGPORT/PGUSER-style environments. */
const char *tc_pgserver_socket_dir(const tc_pgserver *s);
int tc_pgserver_port(const tc_pgserver *s);
const char *tc_pgserver_user(const tc_pgserver *s);   /* database superuser */
const char *tc_pgserver_dir(const tc_pgserver *s);
/* Folder holding initdb, pg_ctl, pg_dump, pg_restore, psql. */
const char *tc_pgserver_bindir(const tc_pgserver *s);

/* Create database name (quoted identifier) with the given server encoding
 * (e.g. "UTF8"; NULL for the cluster default). */
int tc_pgserver_createdb(tc_pgserver *s, const char *name, const char *encoding, tc_err *e);

/*
 * Run one of the server's client programs (pg_dump, pg_restore, psql, ...)
 * from its bindir with argv (argv[0] is the program name, NULL-terminated),
 * PGHOST/PGPORT/PGUSER set for this server, stdout to out_path when not NULL
 * (created 0644, truncated), stderr captured into e->hint on failure.
 * Returns 0 when it exited 0.
 */
int tc_pgserver_run(tc_pgserver *s, const char *const *argv, const char *out_path, tc_err *e);


#endif
