/*
 * load_int.h - what load.c and reconciliation.c share; not part of the interface.
 */
#ifndef TC_LOAD_INT_H
#define TC_LOAD_INT_H

#include <libpq-fe.h>

#include "load/load.h"

/* 1 when path holds a reconciliation report (its first non-blank byte is
 * '{'), 0 when not (a batch, or unreadable: the batch reader says why). */
int tc_load_is_report(const char *path);

/*
 * Load the reconciliation report at path (reconciliation.json) into
 * recon_report, recon_fund and recon_finding, in one transaction, once:
 * a report already loaded (same file digest) is skipped.  where is the
 * absolute path.  res gets the outcome (type "reconciliation", county
 * "" , records = funds + findings).
 */
int tc_load_report(PGconn *c, const char *path, const char *where, tc_load_result *res,
                   tc_err *e);

#endif
