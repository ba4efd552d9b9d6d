/*
 * workbook.h - finance-software workbooks: the journal (序时账) and the
 * account balance table (科目余额表) that 用友 (Yonyou) and 金蝶 (Kingdee)
 * export as .xlsx.
 *
 * A source is a folder of such workbooks read through a profile with a
 * [workbook] section (docs/profiles.md, "Workbooks"): for each table the
 * mapping reads, which files hold it (a name pattern), which sheet, which
 * rows are the header, which column holds each field (by its header text,
 * its letter, or a template over other columns), and which rows are
 * subtotals (合计, 本月合计, 本年累计, 本期合计: by a marker in a named
 * column).  Blank rows are skipped; every other row is a record, or is
 * refused naming its cell (journal.xlsx: 序时账!F203).
 *
 * The mapping to canonical records is the profile's, as for a dump: rows
 * go to the dump reader's row consumer (dump_int.h), so a workbook and a
 * dump of the same ledger give the same records.
 *
 * A workbook carries no control totals.  When the profile reads both a
 * journal (voucher_line) and a balance table (balance), every balance
 * row's 本期借方 and 本期贷方 must equal the journal's debit and credit
 * turnover of the same fund, period and account (its sub-accounts
 * included: the balance table lists parents, the journal posts to
 * leaves), and every journal line must fall under a balance row; a
 * difference refuses the source naming the account, the period and both
 * figures.
 */
#ifndef TC_WORKBOOK_H
#define TC_WORKBOOK_H

#include "core/err.h"
#include "extract/dump.h"
#include "extract/emit.h"
#include "extract/profile.h"

/* Does profile p describe workbooks (has it a [workbook] section)? */
int tc_workbook_profile(const tc_profile *p);

/* Read the workbook folder dir into em through p (tc_workbook_profile(p)). */
int tc_workbook_extract(const char *dir, const tc_profile *p, tc_emit *em, tc_dump_stats *st,
                        tc_err *e);

/*
 * A numeric cell's text (<v>, as Excel wrote it) as yuan with at most two
 * decimals into out (NUL-terminated, at most 40 bytes): 0, or TC_EINPUT
 * with the reason in e.  Exponents are shifted exactly; more than two
 * decimals are refused unless the text is a binary64 artefact of a
 * two-decimal number (docs/profiles.md, "Amounts").  Exposed for tests.
 */
int tc_workbook_yuan(const char *v, size_t n, char out[40], tc_err *e);

#endif
