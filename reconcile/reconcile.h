/*
 * reconcile.h - the reconciliation: every check of shared/spec/domain.md
 * over city-coded batches, the arrears schedules, the bank reconciliation
 * statements and the transfer basis, and the reports of
 * shared/spec/interfaces.md.
 *
 * The result is an opaque tc_reconcile built in three steps:
 *
 *   tc_reconcile_new()        an empty result for a mapping set
 *   tc_reconcile_add_batch()  stream one city-coded batch into it (any
 *                             order, any number of counties)
 *   tc_reconcile_finish()     run the checks, build the schedules, bank
 *                             statements and figures, sort the findings
 *
 * after which tc_reconcile_json() gives the document that is
 * reconciliation.json (the shape of interfaces.md plus the agreed
 * extensions: per county "name", "schedules" and "sources" (each source
 * its batches came from, by digest, with what its own control totals
 * vouched for: "counts,sums", "counts", "none" or "unknown"), per bank
 * statement "fund", "role" and "items", per finding "county", "severity" and
 * "message_zh", the message in Chinese for auditors, with the same figures
 * and identity numbers masked the same way; in the totals, beside
 * "transfer" (every fund's cash), its parts "transfer_ready" (the funds
 * handed over by pools without a blocking finding: what a plan can move),
 * "transfer_held" (those of pools with one: they move only once fixed or
 * waived) and "transfer_kept" (funds a part handover keeps)), from which
 * the HTML page and the workbook are rendered (reconcile/report.h).
 *
 * State grows with the groups (county x fund x account x period, vouchers,
 * bank items, payers in arrears), never with the contribution or personal
 * account records; natural-key duplicates are found with spilled hashes
 * (core/keys.h).  What is computed from a batch is provisional until the
 * batch ended cleanly: tc_reconcile_add_batch() fails, and the caller
 * writes nothing, when any batch does not verify to its end.
 */
#ifndef TC_RECONCILE_H
#define TC_RECONCILE_H

#include <jansson.h>

#include "core/err.h"
#include "core/money.h"
#include "mappings/mapset.h"

typedef struct tc_reconcile tc_reconcile;

/* An empty result reconciling batches coded with m (which must outlive it).
 * tmpdir holds the unlinked key spill files (NULL: $TMPDIR or /tmp). */
int tc_reconcile_new(tc_reconcile **out, const tc_mapset *m, const char *tmpdir, tc_err *e);
void tc_reconcile_free(tc_reconcile *r);

/*
 * Override a finding code's severity (blocking 1, warning 0).  The default
 * table: DUE_MISMATCH, RATE_MISMATCH and BAD_CHECK_DIGIT warn, every other
 * code blocks.  TC_EINPUT for a code the reconciliation does not make.
 */
int tc_reconcile_set_severity(tc_reconcile *r, const char *code, int blocking, tc_err *e);

/* The finding codes the reconciliation makes, i from 0: the i-th, NULL
 * past the last (a severity table's and a report's whole list). */
const char *tc_reconcile_code(int i);

/*
 * Read a severity table, a CSV file with the header "code,severity" and
 * rows like "RATE_MISMATCH,blocking" (UTF-8, BOM allowed).  A city's table
 * lives at MAPPINGS/city/severity.csv (tc_reconcile_run reads it there).
 */
int tc_reconcile_load_severities(tc_reconcile *r, const char *path, tc_err *e);

/* How many findings of each per-record code (DUPLICATE_RECORD,
 * DUE_MISMATCH, RATE_MISMATCH, BAD_CHECK_DIGIT) a county lists (default
 * 10000); past it they are counted and summed per code and fund into one
 * finding with the ref "+N more", so memory stays bounded when a whole
 * ledger repeats one mistake. */
void tc_reconcile_set_finding_cap(tc_reconcile *r, long long per_code);

/* How many employers with arrears or overpayments a county holds in
 * memory (default 16384) before the schedule spills to a file and is
 * sorted on disk (for tests; the results are the same either way). */
void tc_reconcile_set_arrears_cap(tc_reconcile *r, size_t groups);

/*
 * Stream one city-coded batch (written by `tongchou map`) into r.  Refused
 * with TC_EINPUT: a county-coded batch, one coded with another mapping
 * set, a cutover that differs from the other batches', a record type
 * reconcile does not know.  TC_EINTEGRITY when the batch does not verify.
 */
int tc_reconcile_add_batch(tc_reconcile *r, const char *path, tc_err *e);

/* Run the checks over everything added; once. */
int tc_reconcile_finish(tc_reconcile *r, tc_err *e);

/* After finish: the document (a new reference; json_decref it). */
json_t *tc_reconcile_json(const tc_reconcile *r);

/* After finish: "clean", "findings" or "blocked"; and the counts. */
const char *tc_reconcile_status(const tc_reconcile *r);
int tc_reconcile_count(const tc_reconcile *r, int *blocking);

/* Write the JSON document (2-space indent, a final newline) and
 * findings.csv (UTF-8 with BOM, RFC 4180, a header row, the columns
 * county,pool,fund,code,severity,ref,amount,message,message_zh),
 * atomically. */
int tc_reconcile_write_json(const tc_reconcile *r, const char *path, tc_err *e);
int tc_reconcile_write_csv(const tc_reconcile *r, const char *path, tc_err *e);

/* Write arrears.csv, the whole employer arrears schedule (UTF-8 with BOM,
 * a header row, one row per county, payer and fund in that order, payers
 * masked when they are identity numbers).  reconciliation.json lists at
 * most the first 10000 rows of each county (then its schedules say
 * "employer_arrears_rows": the full count). */
int tc_reconcile_write_arrears(const tc_reconcile *r, const char *path, tc_err *e);

/* Told each output path once it is written. */
typedef void (*tc_reconcile_wrote)(void *arg, const char *path);

/*
 * What a handover says besides its batches, for tc_reconcile_run: its part
 * handovers (tc_reconcile_set_scope's specs) and the funds that hand over
 * at their own cutover (tc_reconcile_set_fund_cutover's).  Every list may
 * be empty; NULL options are none.
 */
typedef struct tc_reconcile_opts {
    const char *const *scope;       /* "COUNTY=FUND,FUND..." */
    int nscope;
    const char *const *cutovers;    /* "COUNTY:FUND=YYYY-MM-DD" */
    int ncutovers;
} tc_reconcile_opts;

/*
 * The whole command: with the mapping set m (and its city/severity.csv
 * when present) and the options o (may be NULL), reconcile inputs[0..n),
 * write reconciliation.json, findings.csv, arrears.csv,
 * reconciliation.html and reconciliation.xlsx into outdir.  *status gets 0
 * clean, 1 findings (blocking or not).  Nothing is written when a batch
 * fails.
 */
int tc_reconcile_run(const tc_mapset *m, const char *const *inputs, int n,
                     const tc_reconcile_opts *o, const char *outdir,
                     tc_reconcile_wrote wrote, void *arg, int *status, tc_err *e);

/*
 * A part handover (shared/spec/mappings.md): "COUNTY=FUND,FUND..." names
 * the city funds a county hands over, COUNTY a region or a pool code (the
 * manifest's [county] code).  Its other funds are reconciled and reported
 * as ever, marked "handed_over": false in the document, and never
 * transferred.  TC_EUSAGE for a malformed spec or a county named twice.
 * Call before the first batch; tc_reconcile_run takes the specs too.
 */
int tc_reconcile_set_scope(tc_reconcile *r, const char *spec, tc_err *e);

/*
 * A fund's own cutover (a part handover, shared/spec/mappings.md):
 * "COUNTY:FUND=YYYY-MM-DD" says county COUNTY (a region or a pool code; a
 * pool's entry wins over its region's) hands city fund FUND over at that
 * date, earlier than the batches' cutover.  Everything of that fund is
 * then taken at its date instead: its balances (the latest row whose
 * period is not after the date's month), the checks over periods up to it
 * (roll-forward, continuity, turnover, contributions against the ledger),
 * the equation and the transfer basis, the bank reconciliation of its bank
 * accounts (ledger postings and the statement up to the date), and its
 * claims and debts (contribution and payable periods after the month, and
 * subsidy years after the year, are not owed at its handover; arrears are
 * aged to its month).  The fund's entry in the document says "cutover".
 *
 * TC_EUSAGE for a malformed spec or a county and fund named twice; with the
 * first batch, TC_EINPUT when a date is after the batches' cutover (the
 * data cannot cover it).  A date equal to the batches' is no exception.
 * Call before the first batch; tc_reconcile_run takes the specs too.
 */
int tc_reconcile_set_fund_cutover(tc_reconcile *r, const char *spec, tc_err *e);

#endif
