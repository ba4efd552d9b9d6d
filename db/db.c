/*
 * db.c - connecting, and turning libpq failures into messages.  See db.h.
 *
 * The SQLSTATE classes used (PostgreSQL, Appendix A):
 *   08xxx   connection exception          57P01  admin_shutdown (restart)
 *   57P02   crash_shutdown                57P03  cannot_connect_now
 *   57014   query_canceled (statement_timeout, or a cancel)
 *   53xxx   insufficient resources (53100 disk_full)
 *   23xxx   integrity constraint violation
 *   40xxx   transaction rollback (deadlock, serialization)
 * A result without SQLSTATE is libpq's own: the connection broke.
 */
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tc_db_connect(PGconn **out, const char *db, tc_err *e)
{
    *out = NULL;
    if (!db || !db[0])
        db = getenv("DATABASE_URL");
    const char *keys[] = {"dbname", "client_encoding", "fallback_application_name", NULL};
    const char *vals[] = {db && db[0] ? db : NULL, "UTF8", "tongchou", NULL};
    /* expand_dbname = 1: a conninfo or URI in dbname is expanded, and an
     * unset dbname leaves libpq to its PG* defaults. */
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c)
        return tc_fail(e, TC_ENOMEM, "cannot connect to the database: out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[700];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
        msg[strcspn(msg, "\n")] = '\0';
        PQfinish(c);
        tc_fail(e, TC_EDB, "cannot connect to the database: %s", msg);
        return tc_err_hint(e, "name it with --db, DATABASE_URL or the PG* variables");
    }
    *out = c;
    return 0;
}

char *tc_db_describe(PGconn *c, char *buf, size_t n)
{
    const char *h = PQhost(c);
    snprintf(buf, n, "%s as %s on %s:%s", PQdb(c), PQuser(c), h && h[0] ? h : "localhost",
             PQport(c));
    return buf;
}

int tc_db_fail(tc_err *e, PGconn *c, const PGresult *r, const char *doing, char sqlstate[6])
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *prim = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char why[600];
    snprintf(why, sizeof(why), "%s", prim ? prim : PQerrorMessage(c));
    why[strcspn(why, "\n")] = '\0';
    if (sqlstate)
        snprintf(sqlstate, 6, "%s", st ? st : "");
    const char *retry = "nothing of it was committed; it is safe to run again";

    if (!st || PQstatus(c) == CONNECTION_BAD || strncmp(st, "08", 2) == 0) {
        tc_fail(e, TC_EDB, "%s: lost the connection to the database: %s", doing,
                why[0] ? why : "server closed the connection");
        return tc_err_hint(e, "%s once the server is reachable", retry);
    }
    if (strcmp(st, "57P01") == 0 || strcmp(st, "57P02") == 0 || strcmp(st, "57P03") == 0) {
        tc_fail(e, TC_EDB, "%s: the database server shut down or restarted: %s", doing, why);
        return tc_err_hint(e, "%s once the server is back", retry);
    }
    if (strcmp(st, "57014") == 0) {
        tc_fail(e, TC_EDB, "%s: statement timeout or cancel: %s", doing, why);
        return tc_err_hint(e, "%s; allow more time, e.g. PGOPTIONS='-c statement_timeout=0'",
                           retry);
    }
    if (strncmp(st, "53", 2) == 0) {
        tc_fail(e, TC_EDB, "%s: the database server ran out of %s: %s", doing,
                strcmp(st, "53100") == 0 ? "disk space" : "resources", why);
        return tc_err_hint(e, "%s once space is freed on the server", retry);
    }
    if (strncmp(st, "23", 2) == 0) {
        const char *con = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
        tc_fail(e, TC_EDB, "%s: the database refused a record (constraint %s): %s", doing,
                con ? con : "?", why);
        return tc_err_hint(e, "nothing of it was committed; the records and the table "
                              "definition disagree - look at them with 'tongchou batch show'");
    }
    if (strncmp(st, "40", 2) == 0) {
        tc_fail(e, TC_EDB, "%s: transaction rolled back by the server: %s", doing, why);
        return tc_err_hint(e, "%s", retry);
    }
    if (strcmp(st, "42501") == 0) {
        tc_fail(e, TC_EDB, "%s: permission denied: %s", doing, why);
        return tc_err_hint(e, "connect as a member of tongchou_loader, or run 'tongchou db "
                              "upgrade' as the schema owner");
    }
    tc_fail(e, TC_EDB, "%s: %s (SQLSTATE %s)", doing, why, st);
    return tc_err_hint(e, "%s", retry);
}

int tc_db_query(PGconn *c, const char *sql, int n, const char *const *params, PGresult **out,
                const char *doing, tc_err *e)
{
    if (out)
        *out = NULL;
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        int rc = tc_db_fail(e, c, r, doing, NULL);
        PQclear(r);
        return rc;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return 0;
}

int tc_db_exec(PGconn *c, const char *sql, const char *doing, tc_err *e)
{
    /* PQexec: several statements in one string (the schema steps) */
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        rc = tc_db_fail(e, c, r, doing, NULL);
    PQclear(r);
    return rc;
}
