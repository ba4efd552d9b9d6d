/*
 * fuzz_recon.c - reconciliation.json (the result document reconcile
 * writes, reconcile/report_doc.c checks, and `diff`, `status`, the reports
 * and - through the same shape - `load` and `transfer plan` read) on
 * arbitrary bytes.  Properties:
 *
 *   - no crash, no leak, no hang; a refusal is TC_EINPUT with a message;
 *   - a document compared with itself (tc_diff_reconciliations, which
 *     parses it and checks its shape and that no county, fund or bank
 *     account is listed twice) shows no change;
 *   - a document whose shape tc_rdoc_check accepts renders as the HTML
 *     report without failing: the accessors "cannot fail" on it
 *     (report_doc.h);
 *   - round trip: its canonical text (core/jcs.h), when it has one, parses
 *     to an equal document that the shape check accepts again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/jcs.h"
#include "reconcile/diff.h"
#include "reconcile/report.h"
#include "reconcile/report_doc.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input(data, size, "reconciliation.json");
    tc_err e;
    tc_err_clear(&e);
    tc_diff *d = NULL;
    int rc = tc_diff_reconciliations(&d, path, path, NULL, &e);
    if (rc && ((rc != TC_EINPUT && rc != TC_ENOMEM) || !e.msg[0])) {
        fprintf(stderr, "diff: rc %d: %s\n", rc, e.msg);
        abort();
    }
    if (!rc && tc_diff_changed(d))
        abort();   /* a document differs from itself */
    tc_diff_free(d);
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    tc_err_clear(&e);
    if (doc && tc_rdoc_check(doc, &e) == 0) {
        char html[300];
        snprintf(html, sizeof(html), "%s.html", path);
        tc_err_clear(&e);
        if (tc_report_html(doc, html, &e) != 0) {
            fprintf(stderr, "a checked document does not render: %s\n", e.msg);
            abort();
        }
        unlink(html);
        char *t = NULL;
        size_t n = 0;
        tc_err_clear(&e);
        if (tc_jcs_dump(doc, &t, &n, &e) == 0) {
            json_t *again = json_loadb(t, n, JSON_REJECT_DUPLICATES, NULL);
            tc_err_clear(&e);
            if (!again || !json_equal(doc, again) || tc_rdoc_check(again, &e) != 0)
                abort();
            json_decref(again);
        }
        free(t);
    } else if (doc && !e.msg[0]) {
        abort();
    }
    json_decref(doc);
    unlink(path);
    return 0;
}
