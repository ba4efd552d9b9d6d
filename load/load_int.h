/*
 * load_int.h - what load.c and reconciliation.c share; not part of the interface.
 */
#ifndef TC_LOAD_INT_H
#define TC_LOAD_INT_H

#include <libpq-fe.h>

#include "load/load.h"
#include "load/recon_read.h"   /* tc_load_is_report */

/*
 * Load the reconciliation report at path (reconciliation.json) into
 * recon_report, recon_fund and recon_finding, in one transaction, once:
 * a report already loaded (same file digest) is skipped.  The file is
 * read and checked whole first (tc_load_recon_read): TC_EINPUT says what
 * is wrong with it, before the database is touched; TC_EINTEGRITY that the
 * database does not hold what it says.  where is the absolute path.  res
 * gets the outcome (type "reconciliation", county "", records = funds +
 * findings).
 */
int tc_load_report(PGconn *c, const char *path, const char *where, tc_load_result *res,
                   tc_err *e);

#endif
