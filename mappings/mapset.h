/*
 * mapset.h - a mapping set: county codes to the unified city coding.
 *
 * shared/spec/mappings.md is the contract.  A set is a folder of CSV files
 * (UTF-8, byte-order mark allowed, RFC 4180, a header row): the city lists
 * under city/ and one rules file per dimension.  A file that is not valid
 * UTF-8 but decodes whole as GB18030 (what Excel on Chinese Windows saves
 * by default) is converted and read as that; tc_mapset_gb18030() names
 * such files.  tc_mapset_load() reads and checks the whole set and
 * refuses it, naming the file and line, when:
 *
 *   - a file is neither UTF-8 nor GB18030, or holds a NUL byte (line and
 *     column of the first bad byte);
 *   - a row is malformed (column count, a field over 511 bytes, empty
 *     source or target, a county that is neither '*' nor 6 digits, a bad
 *     date, valid_from > valid_to);
 *   - two rules for the same county and source overlap in validity (the
 *     same target or not: a duplicate is an overlap);
 *   - a target is not in its city list (kind, level and bank role have no
 *     list file: their targets are the closed lists of the format);
 *   - a '*' rule is shadowed entirely: every county the set knows (the
 *     sources of region.csv) has its own rules for that source, covering
 *     all of the '*' rule's validity, so the '*' rule can never apply.
 *
 * The digest is the SHA-256 over the bytes of every .csv file of the set
 * as they are on disk (a GB18030 file's GB18030 bytes, not their UTF-8),
 * in the bytewise order of their paths relative to the folder
 * ("account.csv" < "bank_role.csv" < "city/accounts.csv" < ...), each file
 * preceded by its path and a NUL, so a renamed file changes it too.
 *
 * Lookups pick the county's rule before a '*' rule, and a rule only when
 * the record's date lies in its validity.
 */
#ifndef TC_MAPSET_H
#define TC_MAPSET_H

#include <stddef.h>
#include <stdint.h>

#include "core/batch.h"
#include "core/digest.h"
#include "core/err.h"

typedef enum {
    TC_DIM_REGION, TC_DIM_FUND, TC_DIM_ACCOUNT, TC_DIM_INSTITUTION, TC_DIM_KIND, TC_DIM_LEVEL,
    TC_DIM_BANK_ROLE, TC_NDIM
} tc_dim;

typedef struct tc_mapset tc_mapset;

int tc_mapset_load(tc_mapset **out, const char *dir, tc_err *e);
void tc_mapset_free(tc_mapset *m);

/* "sha256:..." of the set (see above). */
const char *tc_mapset_digest(const tc_mapset *m);

/* "region", "fund", ... (also the rules file's name without .csv). */
const char *tc_dim_name(tc_dim d);

/*
 * The city code for county-local code (s, n) of dimension d in county
 * (6 digits, as exported) for a record dated date (YYYYMMDD), or NULL
 * when no rule covers it.  *tn gets the target's length.
 */
const char *tc_mapset_lookup(const tc_mapset *m, tc_dim d, const char *county, const char *s,
                             size_t n, int64_t date, size_t *tn);

/* The same, and [*from, *to]: the dates for which this answer holds for
 * this county and code (callers may cache it for records in that range). */
const char *tc_mapset_lookup_range(const tc_mapset *m, tc_dim d, const char *county,
                                   const char *s, size_t n, int64_t date, size_t *tn,
                                   int64_t *from, int64_t *to);

/* Number of rules of dimension d (for reports and tests). */
int tc_mapset_rules(const tc_mapset *m, tc_dim d);

/* The account's role in the city chart ("cash", "receivable", ... or ""),
 * NULL when the code is not in city/accounts.csv. */
const char *tc_mapset_account_role(const tc_mapset *m, const char *code, size_t n);

/* The codes of the city chart (city/accounts.csv) in the file's order;
 * *codes is owned by m.  Returns their number. */
size_t tc_mapset_chart(const tc_mapset *m, const char *const **codes);

/* The files of the set read as GB18030 rather than UTF-8 (paths relative
 * to the set's folder, in the order they were read; *files owned by m).
 * Returns their number. */
int tc_mapset_gb18030(const tc_mapset *m, const char *const **files);

/* The folder the set was loaded from, for the files of the set that a
 * stage reads itself (reconcile: city/severity.csv, which the digest
 * covers like every .csv of the set). */
const char *tc_mapset_dir(const tc_mapset *m);

/*
 * The source pools region.csv sends to city region `region` (at any date),
 * in ascending order, with the split pools split.csv sends records of into
 * it: up to max of them into pools (each 7 bytes), and how many there are.  More than one is a merge (shared/spec/mappings.md,
 * "Pools that merge"): each pool keeps batches, checks and transfer lines
 * of its own under the one sub-ledger.
 */
int tc_mapset_region_pools(const tc_mapset *m, const char *region, char (*pools)[7], int max);

/* ------------------------------------------------------------- splits
 *
 * A split (shared/spec/mappings.md, "Pools that merge, split"): one
 * source pool becomes several city sub-ledgers.  split.csv (optional,
 * header county,column,source,target) sends each detail record by a rule
 * on the record: column payer (contributions), institution (payables) or
 * person (personal accounts); source the county's code, or '*' for every
 * code the pool's other rules of that column do not name.  Records of a
 * type whose column has no rule, and the pool's ledger (accounts,
 * balances, vouchers, bank accounts and statements, subsidies), stay in
 * the sub-ledger region.csv names for the pool.  What no record can
 * divide follows allocation.csv (optional, header
 * county,fund,account,target,amount): per pool, city fund and account
 * (of role cash, receivable or payable, or the words claims and debts)
 * the yuan each target gets.  Reconcile checks that the lines of every
 * account add up to the pool's whole, to the fen.
 */
#define TC_SPLIT_MAX 8

typedef struct tc_alloc {
    char county[7], fund[16], account[32], target[7];
    int64_t amount;          /* fen */
} tc_alloc;

/* The sub-ledgers pool is split into, ascending, up to max into out;
 * returns how many (0: the pool is not split). */
int tc_mapset_split_targets(const tc_mapset *m, const char *pool, char (*out)[7], int max);

/* The column of records of header h that pool's split follows, or -1
 * when records of this type stay in the pool's own sub-ledger. */
int tc_mapset_split_column(const tc_mapset *m, const char *pool, const tc_batch_header *h);

/* The sub-ledger of a record of pool whose `column` holds (v, n), or NULL
 * when no rule (nor '*') covers it. */
const char *tc_mapset_split_target(const tc_mapset *m, const char *pool, const char *column,
                                   const char *v, size_t n);

/* allocation.csv's rows in file order (owned by m); returns how many. */
int tc_mapset_allocation(const tc_mapset *m, const tc_alloc **rows);

/* The name of a city region (city/regions.csv), NULL when unknown. */
const char *tc_mapset_region_name(const tc_mapset *m, const char *code);

/* The fund's name in the city's list (city/funds.csv: 职工基本医疗保险),
 * NULL when the code is not a city fund. */
const char *tc_mapset_fund_name(const tc_mapset *m, const char *code, size_t n);

/* The account's class in the city chart ("asset", "liability", "fund",
 * "income", "expense"), NULL when the code is not in city/accounts.csv. */
const char *tc_mapset_account_class(const tc_mapset *m, const char *code, size_t n);

/* The account's name in the city chart (社会保险费收入), NULL when the code
 * is not in city/accounts.csv. */
const char *tc_mapset_account_name(const tc_mapset *m, const char *code, size_t n);

/* One row of city/rates.csv: a rate in force for a fund and payer kind
 * from `from` to `to` (YYYYMMDD, inclusive; open ends 0 and 99991231). */
typedef struct tc_rate_rule {
    char fund[16];
    char kind[16];
    int64_t from, to;
    int32_t rate;            /* 1/10000 */
} tc_rate_rule;

/* The rate table in file order: *out points at the rows (owned by m);
 * returns how many.  "The first rate in force" means the first in this
 * order whose fund, kind and validity fit. */
int tc_mapset_rates(const tc_mapset *m, const tc_rate_rule **out);

/* ------------------------------------------------- records and batches */


/* A county-coded column of a record type, and the dimension it maps in. */
typedef struct tc_mapcol {
    int col;
    tc_dim dim;
} tc_mapcol;

/* The mapped columns of the record type named by h (the region is the
 * batch's county, for every record, and is not listed).  Returns how many. */
int tc_mapset_columns(const tc_batch_header *h, tc_mapcol out[4]);

/* The date a record is mapped at: its period's first day, else its date,
 * else 1 January of its year, else dflt (the batch's cutover). */
int64_t tc_record_map_date(const tc_batch_header *h, const tc_value *vals, int64_t dflt);

/* A code in use that no rule covers, with what it carries. */
typedef struct tc_uncovered {
    char county[7];
    tc_dim dim;
    char code[64];
    char type[32];           /* record type */
    long long records;
    int64_t amount;          /* of the type's principal amount column, fen */
    char amount_col[32];     /* its name, or "" */
} tc_uncovered;

/*
 * Read a county-coded batch and add to *list (*n entries, grown with
 * realloc) every code no rule covers.  The batch is verified to its end.
 */
int tc_mapset_uncovered(const tc_mapset *m, const char *batch, tc_uncovered **list, int *n,
                        tc_err *e);

#endif
