/*
 * status.h - where each county of a manifest stands.
 *
 * Read, never written, whoever ran the steps - `tongchou run`, or extract,
 * map, reconcile, load and transfer by hand: the audit trails (the
 * manifest's WORK/audit.trail, and the one the commands run by hand
 * appended to, when named), which say what was extracted and mapped, with
 * how many records and rejects, and which reconciliations and plans were
 * made; those reconciliations (findings per county, blocking and
 * warnings); the database (batches loaded, transfers executed: the one
 * named, or the embedded one under WORK/db, started for the look and
 * stopped again); the plans under WORK/transfer and those the trails name
 * (planned, approved, or held by blocking findings); the archive and purge
 * entries (docs/retention.md); the handover certificates the documents
 * entries recorded, and which of the policy's parties have signed each
 * (pipeline/docsign.h); and a verification of
 * each trail with the policy's keys.  What it cannot see - no trail, a
 * file a trail names and that is not there, no database - it says, in
 * notes, rather than show a blank as if nothing had been done.
 */
#ifndef TC_STATUS_H
#define TC_STATUS_H

#include <stdio.h>

#include "core/err.h"
#include "pipeline/manifest.h"

enum { TC_STATUS_UNKNOWN = -1, TC_STATUS_UNCOUNTED = -2 };

typedef struct tc_status_row {
    char county[7];
    char name[128];
    long long extracted;      /* records; -1: not yet; -2: done, the count not recorded */
    long long rejects;        /* -1: not mapped yet; -2: mapped, the count not recorded */
    int blocking, warnings;   /* -1: not reconciled yet */
    int loaded;               /* complete batches in the database; -1: unknown */
    int missing;              /* sources of the manifest that are not there */
    char transfer[16];        /* "-", "planned", "approved", "executed", "held" (blocking
                                 findings not waived), "left out" (nothing loaded, ...) */
    char seen[2][32];         /* the time of the entry extracted, rejects came from */
    char kept[12];            /* "archived", "purged" (its work files removed), "-" */
    char signatures[16];      /* its last handover certificate: "3/5" of the policy's
                                 parties have signed; "-" none recorded */
    char lacks[512];          /* the parties that have not: "市财政局, 审计局" */
    char certificate[72];     /* that certificate's digest */
} tc_status_row;

typedef struct tc_status {
    tc_status_row *rows;
    int n;
    int db_reachable;
    char db_note[256];        /* why the database could not be asked */
    long long audit_entries;  /* of every trail read */
    int audit_ok;             /* 1 every trail holds, 0 one does not, -1 no trail yet */
    char audit_note[1024];
    char trails[2][1024];     /* the trails read */
    int ntrails;
    char **notes;             /* what status cannot see, for people */
    int nnotes;
    char reports[1024];
} tc_status;

/*
 * Collect where each county stands.  db names the database (NULL: the
 * manifest's, DATABASE_URL, PG*, else the embedded server under WORK/db);
 * trail the trail the steps run by hand appended to (NULL: none besides
 * WORK/audit.trail).
 */
int tc_status_collect(const tc_manifest *m, const char *db, const char *trail, tc_status *st,
                      tc_err *e);
void tc_status_free(tc_status *st);

/* The table, for a terminal; then the database and the audit lines. */
void tc_status_print(const tc_status *st, FILE *f);

/* The same as one self-contained page (inline CSS, no external asset),
 * with the notes. */
int tc_status_html(const tc_manifest *m, const tc_status *st, const char *path, tc_err *e);

#endif
