/*
 * mirror.h - the audit trail's copy in the city database.
 *
 * The signed trail file is the authority (core/audit.h); tongchou.audit_entry
 * holds a copy of every entry for queries, append-only (a trigger refuses
 * UPDATE, DELETE and TRUNCATE; the roles may only INSERT and SELECT).
 * tc_audit_mirror() copies the entries the table lacks, in one transaction,
 * and checks that the entries it already holds are the trail's, byte for
 * byte: a table that disagrees with the trail is an integrity failure.
 */
#ifndef TC_MIRROR_H
#define TC_MIRROR_H

#include "core/err.h"

/*
 * Mirror the trail at path into db under scope (the 6-digit code the trail
 * belongs to: the city's, for `tongchou run`).  *added (may be NULL) gets
 * the entries inserted.  TC_EINTEGRITY when a mirrored entry differs from
 * the trail's or the table holds entries the trail does not.
 */
int tc_audit_mirror(const char *db, const char *path, const char *scope, int *added, tc_err *e);

#endif
