/*
 * pgtest.c - the test harness's private PostgreSQL server.
 */
#include "tests/support/pgtest.h"

#include "tests/support/tctest.h"

static tc_pgserver *server;

int pgtest_setup(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    if (tc_pgserver_start(&server, NULL, TC_PGSERVER_EPHEMERAL | TC_PGSERVER_FAST, &e)) {
        char buf[2048];
        fprintf(stderr, "pgtest: %s\n", tc_err_format(&e, buf, sizeof(buf)));
        return -1;
    }
    return 0;
}

int pgtest_teardown(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_pgserver_stop(server, &e);
    server = NULL;
    if (rc) {
        char buf[2048];
        fprintf(stderr, "pgtest: %s\n", tc_err_format(&e, buf, sizeof(buf)));
        return -1;
    }
    return 0;
}

tc_pgserver *pgtest_server(void)
{
    assert_non_null(server);
    return server;
}

int pgtest_createdb(const char *name)
{
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_pgserver_createdb(pgtest_server(), name, "UTF8", &e);
    if (rc)
        fprintf(stderr, "pgtest: %s\n", e.msg);
    return rc;
}

PGconn *pgtest_connect(const char *name)
{
    PGconn *c = PQconnectdb(tc_pgserver_conninfo(pgtest_server(), name));
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot connect to %s: %s", name, PQerrorMessage(c));
    return c;
}

void pgtest_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

long long pgtest_value(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 || PQnfields(r) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}
