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
 *                                     A pool split.csv splits writes
 *                                     DIR/<region>.<county>.<type>.tcb for
 *                                     each of its sub-ledgers, a record
 *                                     going where its rule says (rejected
 *                                     with reject_dimension "split" when
 *                                     none does)
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
    int nout;                 /* city batches written: 0 when the region itself is
                                 unmapped; each sub-ledger of a split */
    char out_path[TC_SPLIT_MAX][1024];
    char out_region[TC_SPLIT_MAX][7];
    long long outs[TC_SPLIT_MAX];   /* records in each */
    char reject_path[1024];   /* "" when nothing was rejected */
} tc_map_group;

typedef void (*tc_map_report)(void *arg, const tc_map_group *g);

/* Map inputs[0..n) into outdir.  on_group (may be NULL) is told each group
 * once it is committed.  Returns 0, or the first error (nothing of the
 * failing group is left; groups committed before it stay). */
int tc_map_run(const tc_mapset *m, const char *const *inputs, int n, const char *outdir,
               tc_map_report on_group, void *arg, long long *rejected, tc_err *e);

#endif
