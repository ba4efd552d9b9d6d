/*
 * pgtest.h - one private PostgreSQL server per test binary.
 *
 * pgtest_setup() starts a real server (initdb in a temp folder, Unix socket
 * in that folder, a free port, fsync off) and pgtest_teardown() stops it
 * and removes the folder.  The server is ephemeral: should the test binary
 * die - a failed assertion, a sanitizer abort, a timeout's kill - its
 * guardian stops the server and removes the folder all the same.
 *
 * Use as cmocka group setup/teardown:
 *
 *     return cmocka_run_group_tests(tests, pgtest_setup, pgtest_teardown);
 */
#ifndef TC_PGTEST_H
#define TC_PGTEST_H

#include <libpq-fe.h>

#include "db/pgserver.h"

int pgtest_setup(void **state);
int pgtest_teardown(void **state);

/* The running server (after pgtest_setup). */
tc_pgserver *pgtest_server(void);

/* Create database name (UTF8); 0 on success. */
int pgtest_createdb(const char *name);

/* A connection to database name; fails the test when it cannot connect. */
PGconn *pgtest_connect(const char *name);

/* Run one SQL command on c; fails the test unless it succeeds. */
void pgtest_exec(PGconn *c, const char *sql);

/* The single value of a one-row, one-column query, as a long long. */
long long pgtest_value(PGconn *c, const char *sql);

#endif
