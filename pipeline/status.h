/*
 * status.h - where each county of a manifest stands.
 *
 * Read, never written: the audit trail (what was extracted and mapped, with
 * how many records and rejects), the reconciliation report (findings per
 * county, blocking and warnings), the database (batches loaded per county:
 * the manifest's database, or the embedded one under WORK/db, started for
 * the look and stopped again), the transfer plans under WORK/transfer, and
 * a verification of the trail with the maker's public key.
 */
#ifndef TC_STATUS_H
#define TC_STATUS_H

#include <stdio.h>

#include "core/err.h"
#include "pipeline/manifest.h"

typedef struct tc_status_row {
    char county[7];
    char name[128];
    long long extracted;      /* records; -1: not yet */
    long long rejects;        /* -1: not mapped yet */
    int blocking, warnings;   /* -1: not reconciled yet */
    int loaded;               /* complete batches in the database; -1: unknown */
    char transfer[16];        /* "-", "planned", "approved", "executed" */
} tc_status_row;

typedef struct tc_status {
    tc_status_row *rows;
    int n;
    int db_reachable;
    char db_note[256];        /* why the database could not be asked */
    long long audit_entries;
    int audit_ok;             /* 1 holds, 0 does not, -1 no trail yet */
    char audit_note[512];
    char reports[1024];
} tc_status;

int tc_status_collect(const tc_manifest *m, const char *db, tc_status *st, tc_err *e);
void tc_status_free(tc_status *st);

/* The table, for a terminal. */
void tc_status_print(const tc_status *st, FILE *f);

/* The same as one self-contained page (inline CSS, no external asset). */
int tc_status_html(const tc_manifest *m, const tc_status *st, const char *path, tc_err *e);

#endif
