/*
 * report_doc.h - private to the reconcile folder: the result document's
 * shape, checked once before a byte is written, and what the renderers
 * (report_html.c, report_xlsx.c) read from it the same way - amounts in
 * fen, strings with identity numbers masked, per-county sums, and the
 * Chinese names of the codes.  diff_recon.c reads the two documents it
 * compares through it too, so that "a reconciliation" means one thing.
 *
 * After tc_rdoc_check() has accepted a document, the accessors below cannot
 * fail on it: a required key is there, an amount parses, an optional key
 * that is absent reads as "" or 0 or an empty array.
 */
#ifndef TC_REPORT_DOC_H
#define TC_REPORT_DOC_H

#include <jansson.h>

#include "core/err.h"
#include "core/money.h"

#define TC_RDOC_FORMAT "tongchou-reconciliation/1"

/* Check doc against the shape (report.h).  0, or TC_EINPUT naming the key. */
int tc_rdoc_check(const json_t *doc, tc_err *e);

/* The string at key, or "" when absent. */
const char *tc_rdoc_str(const json_t *o, const char *key);
/* 1 when key is present (and not null). */
int tc_rdoc_has(const json_t *o, const char *key);
/* The amount at key in fen, 0 when absent (checked documents only). */
tc_fen tc_rdoc_fen(const json_t *o, const char *key);
/* The array at key, or NULL (which jansson reads as empty) when absent. */
json_t *tc_rdoc_arr(const json_t *o, const char *key);

/* A copy of s with every identity number masked (tc_mask_ids_inplace);
 * the caller frees it.  NULL when out of memory. */
char *tc_rdoc_mask(const char *s);

/* What a county adds up to, over its funds and findings. */
typedef struct tc_rdoc_sums {
    tc_fen transfer, cash, net_assets;
    tc_fen kept;         /* the transfer of funds a part handover keeps */
    tc_fen claims;       /* employer arrears + subsidy shortfall */
    tc_fen debts;        /* institution payables */
    tc_fen personal;     /* personal accounts */
    tc_fen aging[3];     /* employer arrears aged 0-3, 4-12, 13+ months */
    int blocking, warnings, nfindings;
} tc_rdoc_sums;

/* Sum a checked county; TC_EINPUT when a sum overflows. */
int tc_rdoc_county_sums(const json_t *county, tc_rdoc_sums *out, tc_err *e);

/* "blocked", "findings" or "clean" for a county's sums. */
const char *tc_rdoc_county_status(const tc_rdoc_sums *s);

/*
 * What becomes of the transfer of the n counties (pools) summed in cs:
 * ready, what the funds handed over by counties without a blocking finding
 * add up to (what a plan moves); held, the same of counties with one (they
 * move only once fixed or waived); kept, the funds a part handover keeps.
 * ready + held + kept is the sum of the counties' transfers.  TC_EINPUT
 * when a sum overflows.
 */
typedef struct tc_rdoc_moves {
    tc_fen ready, held, kept;
    int nready, nheld;   /* counties without, with a blocking finding */
} tc_rdoc_moves;
int tc_rdoc_moves_of(const tc_rdoc_sums *cs, size_t n, tc_rdoc_moves *out, tc_err *e);

/* The keys of arrears_aging and of an employer-arrears row, in order. */
extern const char *const tc_rdoc_aging_keys[3];

/* Chinese names of codes, or NULL for a code not known here (the caller
 * shows the code alone).  Funds get the short name used in tables. */
const char *tc_rdoc_fund_zh(const char *fund);
const char *tc_rdoc_check_zh(const char *code);
const char *tc_rdoc_severity_zh(const char *severity);
const char *tc_rdoc_status_zh(const char *status);
const char *tc_rdoc_level_zh(const char *level);
const char *tc_rdoc_role_zh(const char *role);
/* What a source's control totals vouched for ("counts,sums", "counts",
 * "none", "unknown"), as a sentence in Chinese and in English; NULL for
 * another word. */
const char *tc_rdoc_controls_zh(const char *controls);
const char *tc_rdoc_controls_en(const char *controls);
/* The least any source of a checked county vouches for, one of the words
 * above ("unknown" for a county without sources); "" when the document
 * does not say (one written before "sources"). */
const char *tc_rdoc_county_controls(const json_t *county);
/* A bank item kind: Chinese and English names, NULL for an unknown kind. */
const char *tc_rdoc_kind_zh(const char *kind);
const char *tc_rdoc_kind_en(const char *kind);

#endif
