/*
 * profile.h - how a legacy database maps onto the canonical records.
 *
 * A profile is an INI file (docs/profiles.md), not code: for each canonical
 * record type, which table holds it, which column feeds which field and how
 * the value converts (yuan, fen, date, period, rate, code lists, constants);
 * and where the county code and cutover date are.  extract/profiles/
 * ships yb2008.ini for the YB2008 schema of shared/spec/legacy-db.md.
 */
#ifndef TC_PROFILE_H
#define TC_PROFILE_H

#include "core/err.h"

typedef struct tc_profile tc_profile;

int tc_profile_load(tc_profile **out, const char *path, tc_err *e);
void tc_profile_free(tc_profile *p);

#endif
