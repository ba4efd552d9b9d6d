/*
 * map.h - county codes to the city coding (shared/spec/mappings.md).
 *
 * Input: county-coded batches from extract (one record type of one county
 * each), and reject batches from an earlier map.  Output, per county and
 * record type:
 *
 *   DIR/<region>.<type>.tcb           city-coded (DIR/<region>.<county>.<type>.tcb
 *                                     when region.csv merges several pools
 *                                     into the region; the header's pool
 *                                     names the county): every mapped column holds
 *                                     the city code; the lineage follows the
 *                                     record's own columns: src_county, the
 *                                     county as exported; src_record, the
 *                                     record's number in its county batch;
 *                                     src_<column> for each mapped column,
 *                                     the county's code
 *   DIR/<county>.<type>.rejects.tcb   county-coded: the records no rule
 *                                     covers, with src_record and why
 *                                     (reject_dimension, reject_code,
 *                                     reject_date); absent when none
 *
 * Re-feeding rejects.  After the mapping set is fixed, `map` is given the
 * reject batch alone: it reads the city batch of that county and type in
 * DIR (an earlier output), takes every record back to its county codes
 * from the lineage, merges the rejects in by src_record, and maps all of
 * them with the fixed set.  The result is byte for byte what mapping the
 * original batch with the fixed set gives.  Given the original batch too,
 * `map` maps the original and checks that the rejects are its records.
 *
 * Conservation is checked on every group: records in = out + rejected, and
 * for every amount column amount in = out + rejected, to the fen; anything
 * else is TC_EINTEGRITY.
 */
#ifndef TC_MAP_H
#define TC_MAP_H

#include "core/err.h"
#include "mappings/mapset.h"

typedef struct tc_map_group {
    char county[7], region[7];
    char type[32];
    long long in, out, rejected;
    char out_path[1024];      /* "" when the region itself is unmapped */
    char reject_path[1024];   /* "" when nothing was rejected */
} tc_map_group;

typedef void (*tc_map_report)(void *arg, const tc_map_group *g);

/* Map inputs[0..n) into outdir.  on_group (may be NULL) is told each group
 * once it is committed.  Returns 0, or the first error (nothing of the
 * failing group is left; groups committed before it stay). */
int tc_map_run(const tc_mapset *m, const char *const *inputs, int n, const char *outdir,
               tc_map_report on_group, void *arg, long long *rejected, tc_err *e);

#endif
