/*
 * statements.h - the statements, letters and lists of a handover, beside
 * its certificates (shared/spec/documents.md; docs/documents.md "The
 * statements, letters and lists"): for every county whose money the
 * executed plan moves,
 *
 *   per fund moved:   资产负债表 (balance)  and  收支表 (income),
 *                     a sheet per source pool where pools merge;
 *   per county:       银行存款余额调节表 (bank), a sheet per bank account;
 *                     询证函 to the banks (confirm-bank), the designated
 *                     institutions (confirm-institution) and the employers
 *                     in arrears (confirm-employer), a letter with its reply
 *                     slip per addressee;
 *                     欠费单位清单 for the tax bureau (arrears) and
 *                     财政补助欠拨清单 for the finance bureau (subsidy).
 *
 * A county's documents are written together, as DIR/COUNTY.statements.pdf
 * and .xlsx with the same tables, each document a part of its own (its
 * pages numbered within it, a workbook sheet per sheet); or, with each,
 * one file per document, DIR/COUNTY.KIND[.FUND].pdf and .xlsx.  (One PDF
 * costs cairo a fixed ~25 ms to subset and embed the CJK font, whatever
 * its pages: eleven files per county cost three times the one.)  As with
 * the certificate, a document is laid out from its
 * statement alone - a JSON object of exactly what it prints, the figures
 * as yuan strings, taken from the reconciliation (its funds' ledger at the
 * cutover, bank statements and schedules) for the counties, pools and
 * funds of the plan's lines - and its digest is "sha256:" and the hex
 * SHA-256 of that statement's RFC 8785 canonical JSON, printed at the foot
 * of every page.  Every statement names the reconciliation's and the plan
 * file's digests.
 *
 * Before a statement is made its figures are checked (TC_EINTEGRITY,
 * nothing written): a balance sheet must balance, 资产合计 = 负债和基金合计
 * to the fen, its cash, receivables and payables must be the fund's
 * reconciled ones and its 基金结余合计 the net assets; the 收支表's
 * 期末滚存结余 must be the net assets; a bank statement's adjusted ledger
 * balance must be the reconciled one and its items must add up to their
 * kinds' sums; each schedule's rows must add up to the fund's arrears,
 * aging, subsidy shortfall and institution payables.
 *
 * Like certificate.h this trusts its caller for the trail
 * (pipeline/certify.h); it rests on core and the sheet alone.  Memory
 * holds one county's documents at a time.
 */
#ifndef TC_STATEMENTS_H
#define TC_STATEMENTS_H

#include <jansson.h>

#include "core/err.h"

#define TC_STMT_FORMAT "tongchou-statement/1"

/* One document written. */
typedef struct tc_stmt_made {
    const char *county, *name;
    const char *kind;               /* "balance", "income", "bank", "confirm-bank", ... */
    const char *fund;               /* balance and income: the fund; else NULL */
    const char *pdf, *xlsx;         /* the files it is in (the county's, unless each) */
    const char *digest;             /* the statement's digest, "sha256:<hex>" */
    int sheets;                     /* sheets (letters, accounts, pools) it holds */
} tc_stmt_made;

typedef struct tc_stmt_opts {
    const char *reconciliation;     /* reconciliation.json, the recorded one */
    const char *plan;               /* the executed plan */
    const char *outdir;             /* DIR/COUNTY.statements.pdf and .xlsx */
    void (*on_made)(void *arg, const tc_stmt_made *m);   /* each one written; may be NULL */
    void *arg;
    int each;                       /* DIR/COUNTY.KIND[.FUND].pdf and .xlsx instead */
    int jobs;                       /* processes writing the files (tc_proc_fanout) */
} tc_stmt_opts;

/*
 * Build and check every statement and lay out its document, writing
 * nothing: what tc_stmt_write() would refuse, refused here.  *n (may be
 * NULL) counts the documents.  TC_EINPUT when a file is not a plan or a
 * reconciliation or the reconciliation carries no ledger for a fund moved
 * (one made before the statements existed: reconcile again);
 * TC_EINTEGRITY when the plan names another reconciliation or a check
 * above fails.
 */
int tc_stmt_check(const tc_stmt_opts *o, int *n, tc_err *e);

/* tc_stmt_check(), then the files, one county at a time, each whole or not
 * at all (documents/sheet.h); TC_EIO when writing fails. */
int tc_stmt_write(const tc_stmt_opts *o, int *n, tc_err *e);

/*
 * The statement of one document (a new JSON object, *out) and its digest
 * (at least 72 bytes): county's document of kind, fund for balance and
 * income (else NULL), with the same checks.  *out is NULL, and 0 returned,
 * for letters of a kind no one is to get (no employer in arrears, say).
 */
int tc_stmt_statement(const tc_stmt_opts *o, const char *county, const char *kind,
                      const char *fund, json_t **out, char *digest, tc_err *e);

#endif
