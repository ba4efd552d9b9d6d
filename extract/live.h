/*
 * live.h - a live legacy database: one REPEATABLE READ snapshot, COPY out,
 * control totals re-checked by independent count(*)/sum() queries.
 */
#ifndef TC_LIVE_H
#define TC_LIVE_H

#include "core/err.h"
#include "extract/dump.h"

int tc_live_extract(const char *conninfo, const tc_profile *p, tc_emit *em, tc_dump_stats *st,
                    tc_err *e);

#endif
