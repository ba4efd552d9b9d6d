/*
 * report.h - the reconciliation as people read it: one self-contained HTML
 * page and one XLSX workbook, both rendered from the result document.
 *
 * The reconciliation engine decides everything; these functions only lay
 * its result out.  Their input is exactly the content of reconciliation.json
 * (shared/spec/interfaces.md, "The reconciliation report", plus the agreed
 * extensions: a county's "name", "schedules" and "sources", a bank
 * statement's "fund", "role" and "items", a finding's "county",
 * "severity" and "message_zh", the totals' "transfer_ready",
 * "transfer_held" and "transfer_kept").  Counties whose sources came
 * without control totals from the county (a dump, a live database) are
 * named under the headline, and each county's sources are listed with
 * what their control totals vouched for.
 * The page's headline and the workbook's summary split the transfer into
 * what moves (counties without a blocking finding) and what blocking
 * findings hold, worked out from the counties, so older documents show it
 * too.  Keys outside
 * the base shape are optional; a document missing a key of the base shape,
 * or holding an amount that is not a yuan string, is refused (TC_EINPUT)
 * with a message naming the key, and nothing is written.
 *
 * Both outputs are deterministic (no generation time: the same document
 * gives the same bytes), appear whole or not at all, and show every
 * 18-character identity number masked.
 */
#ifndef TC_REPORT_H
#define TC_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "core/err.h"

/*
 * Write reconciliation.html for doc to path, atomically: inline CSS (with a
 * print layout), inline SVG charts, no script and no external reference,
 * Chinese labels with English beside them.  Returns 0, TC_EINPUT for a
 * document of the wrong shape, TC_EIO when the file cannot be written.
 */
int tc_report_html(const json_t *doc, const char *path, tc_err *e);

/*
 * Write reconciliation.xlsx for doc to path, atomically: one sheet per
 * table, header rows bold and frozen, amounts as numbers formatted
 * #,##0.00.  Returns 0, TC_EINPUT for a document of the wrong shape or an
 * amount too large to show exactly in a spreadsheet (10^13 yuan or more),
 * TC_EIO when the file cannot be written.
 */
int tc_report_xlsx(const json_t *doc, const char *path, tc_err *e);

/* Write s to f as HTML text: identity numbers masked, markup escaped.  For
 * other pages of the toolkit (`tongchou status --html`).  -1 when out of
 * memory. */
int tc_report_html_text(FILE *f, const char *s);

/* The page's stylesheet (for a <style> element), so that other pages of
 * the toolkit (`tongchou diff`) look like the report. */
const char *tc_report_css(void);

#endif
