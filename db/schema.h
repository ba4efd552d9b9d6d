/*
 * schema.h - the city database's schema, created and upgraded by numbered
 * steps (`tongchou db init`, `tongchou db upgrade`).
 *
 * Everything lives in the PostgreSQL schema "tongchou".  Its table
 * schema_version holds one row per step applied.  A step is fixed SQL,
 * applied inside one transaction together with its schema_version row, under
 * a transaction-scoped advisory lock, so two processes running init at once
 * apply each step once and a failed step leaves the database as it was.
 * Steps are never edited once released; a change is a new step.
 * docs/database.md describes the tables and the roles.
 */
#ifndef TC_SCHEMA_H
#define TC_SCHEMA_H

#include <libpq-fe.h>

#include "core/err.h"

/* The number of the last step this build knows. */
int tc_schema_latest(void);

/*
 * The version the database holds: 0 when the schema is not there.
 * TC_EDB on a database failure.
 */
int tc_schema_version(PGconn *c, int *version, tc_err *e);

/*
 * Apply the missing steps.  create: make the schema and its version table
 * when absent (db init); otherwise (db upgrade) an absent schema is
 * TC_EUSAGE with a hint to run db init.  A database newer than this build
 * is TC_EUSAGE.  *from and *to (may be NULL) get the versions before and
 * after.  Idempotent: with nothing missing it changes nothing.
 */
int tc_schema_migrate(PGconn *c, int create, int *from, int *to, tc_err *e);

/* tc_schema_migrate on a connection to db (NULL: DATABASE_URL, PG*). */
int tc_schema_install(const char *db, int create, int *from, int *to, tc_err *e);

/*
 * 0 when the database holds exactly the latest version; otherwise TC_EUSAGE
 * saying to run db init or db upgrade (or to upgrade tongchou).
 */
int tc_schema_check(PGconn *c, tc_err *e);

#endif
