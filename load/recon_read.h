/*
 * recon_read.h - reconciliation.json (written by `tongchou reconcile`,
 * shared/spec/interfaces.md) as `load` reads it: parsed and checked whole,
 * without a database, into the rows that go into recon_report, recon_fund
 * and recon_finding.
 *
 * Every check that needs only the file is made here, before a transaction
 * begins; the database part (reconciliation.c) inserts these rows and then
 * checks what the database holds against them.  The reader links no
 * database client, so a fuzz target (tests/fuzz/fuzz_loadrecon.c) reaches
 * all of it.
 *
 * What is accepted (docs/database.md, "For the later issues"):
 *   - at most 64 MiB, nesting to 2048 levels (core/jsonfile.h), no key
 *     twice in an object;
 *   - "format" "tongchou-reconciliation/1", "mappings" a string, "cutover"
 *     a date YYYY-MM-DD, "counties" an array;
 *   - each county: "county" and "pool" (the county when absent) 6-digit
 *     codes, the pair listed once; "funds" and "findings" arrays;
 *   - each fund: "fund" a string, listed once in its county; the fourteen
 *     figures yuan strings in the money module's strict grammar (the aging
 *     inside "arrears_aging"); "handed_over" true or false, "cutover" a
 *     date, when present;
 *   - each finding: code, severity ("blocking" or "warning"), fund, ref and
 *     message strings, "amount" a yuan string;
 *   - the funds' "transfer" summed per county and over the counties without
 *     overflow, and equal to "totals"."transfer" when "totals" is there.
 * Anything else is TC_EINPUT, naming the county, fund or finding; but for
 * a total that the transfers do not add up to, which is a control total
 * wrong (TC_EINTEGRITY, exit 5), as when the database does not hold them.
 *
 * The rows are plain data for the two that walk them (the inserts and the
 * fuzz target); their strings belong to the tc_load_recon, freed with it.
 */
#ifndef TC_LOAD_RECON_READ_H
#define TC_LOAD_RECON_READ_H

#include <stddef.h>

#include <jansson.h>

#include "core/err.h"
#include "core/money.h"

/* The figures of a fund, in recon_fund's column order; their names in the
 * file are tc_load_recon_figure[] ("0-3", "4-12", "13+" inside
 * "arrears_aging"). */
#define TC_LOAD_RECON_FIGURES 14
#define TC_LOAD_RECON_TRANSFER 13   /* the index of "transfer" */
extern const char *const tc_load_recon_figure[TC_LOAD_RECON_FIGURES];

typedef struct tc_load_recon_fund {
    const char *fund;
    tc_fen figure[TC_LOAD_RECON_FIGURES];
    int handed_over;        /* 0: "handed_over": false, the county keeps the fund */
    const char *cutover;    /* the fund's own date, or NULL: the report's */
} tc_load_recon_fund;

typedef struct tc_load_recon_finding {
    const char *code, *severity, *fund, *ref, *message;
    tc_fen amount;
} tc_load_recon_finding;

typedef struct tc_load_recon_county {
    const char *county, *pool;      /* 6 digits each; pool = county in a report without pools */
    const char *status;             /* its own findings decide: blocked, findings or clean */
    tc_load_recon_fund *funds;
    size_t nfunds;
    tc_load_recon_finding *findings;    /* numbered from 1 in this order */
    size_t nfindings;
    tc_fen transfer;                /* the sum of its funds' transfer */
} tc_load_recon_county;

typedef struct tc_load_recon {
    const char *mappings, *cutover;
    tc_load_recon_county *counties;
    size_t ncounties;
    tc_fen transfer;                /* the sum of the counties' transfer */
    int has_total;                  /* "totals" is there: its "transfer" equals that sum */
    json_t *doc;                    /* holds the strings above */
} tc_load_recon;

/* 1 when path holds a reconciliation report (its first non-blank byte is
 * '{'), 0 when not (a batch, or unreadable: the batch reader says why). */
int tc_load_is_report(const char *path);

/*
 * Read and check the reconciliation report at path (see above) into a new
 * *out, for tc_load_recon_free.  On failure *out is NULL and e, located at
 * path, says what is wrong: TC_EINPUT for the file's content, TC_EINTEGRITY
 * for its total, the code of tc_json_read_file when it cannot be read,
 * TC_ENOMEM.
 */
int tc_load_recon_read(tc_load_recon **out, const char *path, tc_err *e);

void tc_load_recon_free(tc_load_recon *r);

#endif
