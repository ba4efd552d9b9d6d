/*
 * live.c - see live.h.  Not built yet: a live source is refused with a
 * clear message until this reader lands.
 */
#include "extract/live.h"

int tc_live_extract(const char *conninfo, const tc_profile *p, tc_emit *em, tc_dump_stats *st,
                    tc_err *e)
{
    (void)conninfo, (void)p, (void)em, (void)st;
    return tc_fail(e, TC_EUSAGE, "reading a live database is not built yet; dump it with "
                   "pg_dump and extract the dump");
}
