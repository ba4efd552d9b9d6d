/*
 * db.h - connecting to the city database, and saying what went wrong there.
 *
 * The database is named the libpq way (interfaces.md): --db (a conninfo
 * string or a postgresql:// URI), else $DATABASE_URL, else libpq's own
 * defaults, which read PGHOST, PGPORT, PGUSER, PGSSLMODE and the other PG*
 * variables.  Whatever is given goes to libpq untouched, so every TLS
 * option (sslmode=verify-full, sslrootcert=...) works as libpq documents it.
 *
 * Passwords.  The string given is never shown.  What a message shows is
 * what the open connection says it is - database, user, host and port, from
 * PQdb()/PQuser()/PQhost()/PQport() - which cannot hold a password; when
 * the connection could not be made, the message is libpq's, which names
 * the host and port but never the password.
 *
 * Errors.  tc_db_fail() turns a failed libpq call into a tc_err that says
 * which of the failures an admin meets happened - the connection was lost,
 * the server shut down or restarted, a statement timed out, the server's
 * disk is full, a constraint refused a record - with a hint saying what to
 * do.  Every one is TC_EDB (exit 4): nothing of the failed step committed.
 * The server's DETAIL (which may quote a whole record) is never copied.
 */
#ifndef TC_DB_H
#define TC_DB_H

#include <libpq-fe.h>
#include <stddef.h>

#include "core/err.h"

/* The schema every table lives in. */
#define TC_DB_SCHEMA "tongchou"

/*
 * Connect to db (NULL: $DATABASE_URL, else the PG* defaults), client
 * encoding UTF8, application_name "tongchou".  Returns 0 with *out open,
 * or TC_EDB with libpq's reason (no password in it).
 */
int tc_db_connect(PGconn **out, const char *db, tc_err *e);

/* "DB as USER on HOST:PORT" for an open connection, into buf. */
char *tc_db_describe(PGconn *c, char *buf, size_t n);

/*
 * Fill e from a failed call on c (r is its result, may be NULL) and return
 * TC_EDB.  doing says what was being done ("loading the records"); the
 * message reads "DOING: WHY" with a hint.  *sqlstate (may be NULL) gets the
 * SQLSTATE, "" when the connection itself failed.
 */
int tc_db_fail(tc_err *e, PGconn *c, const PGresult *r, const char *doing, char sqlstate[6]);

/* Run sql (no parameters) and expect COMMAND_OK or TUPLES_OK; 0 or TC_EDB. */
int tc_db_exec(PGconn *c, const char *sql, const char *doing, tc_err *e);

/* Run sql with text parameters; *out (may be NULL: cleared) gets the result
 * when it succeeded.  0 or TC_EDB. */
int tc_db_query(PGconn *c, const char *sql, int n, const char *const *params, PGresult **out,
                const char *doing, tc_err *e);

#endif
