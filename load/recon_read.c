/*
 * recon_read.c - reconciliation.json into rows for the database, checked
 * whole first.  See recon_read.h.
 *
 * A report is small (a row per county and fund, a row per finding), so it
 * is read whole with jansson, within the bound of core/jsonfile.h.  Amounts
 * are yuan strings in the file and are parsed with the money module's
 * strict grammar into fen; a number where a string is due, or a malformed
 * amount, refuses the whole report.  Whatever the database would refuse -
 * a county, pool or fund listed twice (its primary keys), a severity its
 * CHECK does not allow, a date it cannot cast - is refused here as bad
 * input, so that an error of the database part means the database.
 *
 * Duplicates are found by sorting, not by comparing every pair: a 64 MiB
 * file holds a million short county entries.
 */
#include "load/recon_read.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonfile.h"
#include "core/record.h"

#define FORMAT "tongchou-reconciliation/1"

const char *const tc_load_recon_figure[TC_LOAD_RECON_FIGURES] = {
    "cash", "ledger_receivables", "ledger_payables", "net_assets", "fund_balance",
    "employer_arrears", "0-3", "4-12", "13+", "overpaid", "subsidy_shortfall",
    "institution_payables", "personal_accounts", "transfer"};

int tc_load_is_report(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int ch;
    while ((ch = fgetc(f)) == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
        ;
    fclose(f);
    return ch == '{';
}

/* ============================================================ the fields */

static const char *sget(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int six_digits(const char *s)
{
    if (!s || strlen(s) != 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int is_date(const char *s)
{
    int64_t d;
    return s && tc_date_parse(s, strlen(s), &d) == 0;
}

/* A yuan string field into fen; TC_EINPUT naming it. */
static int amount(json_t *o, const char *k, const char *where, tc_fen *fen, tc_err *e)
{
    const char *s = sget(o, k);
    if (!s)
        return tc_fail(e, TC_EINPUT, "%s: '%s' is missing or not a string", where, k);
    if (tc_money_parse_yuan(s, strlen(s), fen, e)) {
        tc_err_prefix(e, "%s: %s: ", where, k);
        return TC_EINPUT;
    }
    return 0;
}

static int oom(tc_err *e) { return tc_fail(e, TC_ENOMEM, "out of memory reading the report"); }

/* ============================================================== the rows */

static int read_fund(json_t *f, const char *county, tc_load_recon_fund *out, tc_err *e)
{
    char where[64];
    if (!(out->fund = sget(f, "fund")))
        return tc_fail(e, TC_EINPUT, "county %s: a fund without 'fund'", county);
    snprintf(where, sizeof(where), "county %s fund %s", county, out->fund);
    json_t *aging = json_object_get(f, "arrears_aging");
    for (int i = 0; i < TC_LOAD_RECON_FIGURES; i++) {
        int aged = i >= 6 && i <= 8;
        if (aged && !json_is_object(aging))
            return tc_fail(e, TC_EINPUT, "%s: 'arrears_aging' is missing", where);
        int rc = amount(aged ? aging : f, tc_load_recon_figure[i], where, &out->figure[i], e);
        if (rc)
            return rc;
    }
    /* a part handover: kept, or handed over at its own date */
    json_t *ho = json_object_get(f, "handed_over"), *cut = json_object_get(f, "cutover");
    if ((ho && !json_is_boolean(ho)) || (cut && !is_date(json_string_value(cut))))
        return tc_fail(e, TC_EINPUT, "%s: 'handed_over' is not true or false, or 'cutover' "
                       "not a date", where);
    out->handed_over = !json_is_false(ho);
    out->cutover = cut ? json_string_value(cut) : NULL;
    return 0;
}

static int read_finding(json_t *f, const char *county, size_t no, tc_load_recon_finding *out,
                        tc_err *e)
{
    char where[64];
    snprintf(where, sizeof(where), "county %s finding %zu", county, no);
    out->code = sget(f, "code");
    out->severity = sget(f, "severity");
    out->fund = sget(f, "fund");
    out->ref = sget(f, "ref");
    out->message = sget(f, "message");
    if (!out->code || !out->severity || !out->fund || !out->ref || !out->message)
        return tc_fail(e, TC_EINPUT, "%s: code, severity, fund, ref and message must be strings",
                       where);
    int rc = amount(f, "amount", where, &out->amount, e);
    if (rc)
        return rc;
    if (strcmp(out->severity, "blocking") != 0 && strcmp(out->severity, "warning") != 0)
        return tc_fail(e, TC_EINPUT, "%s: severity '%s' is neither blocking nor warning", where,
                       out->severity);
    return 0;
}

static int by_fund(const void *a, const void *b)
{
    return strcmp((*(tc_load_recon_fund *const *)a)->fund,
                  (*(tc_load_recon_fund *const *)b)->fund);
}

static int by_unit(const void *a, const void *b)
{
    const tc_load_recon_county *x = *(tc_load_recon_county *const *)a,
                               *y = *(tc_load_recon_county *const *)b;
    int c = strcmp(x->county, y->county);
    return c ? c : strcmp(x->pool, y->pool);
}

/* The first of two equal elements of v[0..n) after sorting by cmp, or
 * NULL; *fail set when out of memory. */
typedef int (*cmp_fn)(const void *, const void *);

static const void *twice(const void *v, size_t n, size_t size, cmp_fn cmp, int *fail)
{
    *fail = 0;
    if (n < 2)
        return NULL;
    const void **p = malloc(n * sizeof(*p));
    if (!p) {
        *fail = 1;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (const char *)v + i * size;
    qsort(p, n, sizeof(*p), cmp);
    const void *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++)
        if (cmp(&p[i - 1], &p[i]) == 0)
            dup = p[i];
    free(p);
    return dup;
}

/* One county (one pool of a region): its funds and findings, its status
 * and its transfer.  A document without "pool" (made before pools) has
 * the region as its pool. */
static int read_county(json_t *co, tc_load_recon_county *out, tc_err *e)
{
    const char *county = sget(co, "county");
    json_t *funds = json_object_get(co, "funds"), *fs = json_object_get(co, "findings");
    const char *pool = json_object_get(co, "pool") ? sget(co, "pool") : county;
    if (!six_digits(county) || !json_is_array(funds) || !json_is_array(fs))
        return tc_fail(e, TC_EINPUT, "a county without a 6-digit 'county', 'funds' or 'findings'");
    if (!six_digits(pool))
        return tc_fail(e, TC_EINPUT, "county %s: 'pool' is not a 6-digit code", county);
    out->county = county;
    out->pool = pool;
    size_t nf = json_array_size(funds), nx = json_array_size(fs);
    if (!(out->funds = calloc(nf ? nf : 1, sizeof(*out->funds))) ||
        !(out->findings = calloc(nx ? nx : 1, sizeof(*out->findings))))
        return oom(e);
    int rc = 0;
    for (size_t k = 0; k < nf && !rc; k++) {
        tc_load_recon_fund *f = &out->funds[k];
        if (!(rc = read_fund(json_array_get(funds, k), county, f, e)) &&
            tc_money_add(out->transfer, f->figure[TC_LOAD_RECON_TRANSFER], &out->transfer))
            rc = tc_fail(e, TC_EINPUT, "county %s: the transfers overflow", county);
        out->nfunds = k + 1;
    }
    int blocking = 0;
    for (size_t k = 0; k < nx && !rc; k++) {
        tc_load_recon_finding *f = &out->findings[k];
        if (!(rc = read_finding(json_array_get(fs, k), county, k + 1, f, e)))
            blocking |= strcmp(f->severity, "blocking") == 0;
        out->nfindings = k + 1;
    }
    if (rc)
        return rc;
    out->status = blocking ? "blocked" : nx ? "findings" : "clean";
    int fail;
    const tc_load_recon_fund *d = twice(out->funds, nf, sizeof(*out->funds), by_fund, &fail);
    if (fail)
        return oom(e);
    if (d)
        return tc_fail(e, TC_EINPUT, "county %s pool %s: fund %s is listed twice", county, pool,
                       d->fund);
    return 0;
}

static int read_report(tc_load_recon *r, tc_err *e)
{
    json_t *doc = r->doc, *counties = json_object_get(doc, "counties");
    const char *fmt = sget(doc, "format");
    if (!fmt || strcmp(fmt, FORMAT) != 0 || !json_is_array(counties))
        return tc_fail(e, TC_EINPUT, "not a " FORMAT " report");
    r->mappings = sget(doc, "mappings");
    r->cutover = sget(doc, "cutover");
    if (!r->mappings || !r->cutover)
        return tc_fail(e, TC_EINPUT, "'mappings' or 'cutover' is missing");
    if (!is_date(r->cutover))
        return tc_fail(e, TC_EINPUT, "'cutover' is not a date YYYY-MM-DD: '%s'", r->cutover);
    size_t n = json_array_size(counties);
    if (!(r->counties = calloc(n ? n : 1, sizeof(*r->counties))))
        return oom(e);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        tc_load_recon_county *c = &r->counties[i];
        if (!(rc = read_county(json_array_get(counties, i), c, e)) &&
            tc_money_add(r->transfer, c->transfer, &r->transfer))
            rc = tc_fail(e, TC_EINPUT, "the counties' transfers overflow");
        r->ncounties = i + 1;
    }
    if (rc)
        return rc;
    int fail;
    const tc_load_recon_county *d = twice(r->counties, n, sizeof(*r->counties), by_unit, &fail);
    if (fail)
        return oom(e);
    if (d)
        return tc_fail(e, TC_EINPUT, "county %s pool %s is listed twice", d->county, d->pool);
    /* the city's total transfer, when the report states it */
    json_t *tot = json_object_get(doc, "totals");
    if (!json_is_object(tot))
        return 0;
    tc_fen want;
    if ((rc = amount(tot, "transfer", "totals", &want, e)))
        return rc;
    r->has_total = 1;
    /* a control total, like a batch's trailer: wrong, it is an integrity
     * failure (exit 5), not a malformed file */
    if (want != r->transfer)
        return tc_fail(e, TC_EINTEGRITY, "the counties' transfers add up to %" PRId64 " fen, "
                       "the report's total says %" PRId64, r->transfer, want);
    return 0;
}

/* ============================================================ interface */

int tc_load_recon_read(tc_load_recon **out, const char *path, tc_err *e)
{
    *out = NULL;
    json_t *doc;
    int rc = tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, JSON_REJECT_DUPLICATES, e);
    if (rc) {
        if (tc_json_not_json(e))
            tc_err_prefix(e, "not a reconciliation report: ");
        return rc;
    }
    tc_load_recon *r = calloc(1, sizeof(*r));
    if (!r) {
        json_decref(doc);
        return oom(e);
    }
    r->doc = doc;
    if ((rc = read_report(r, e))) {
        tc_load_recon_free(r);
        tc_err_at(e, path, 0, 0);
        return rc;
    }
    *out = r;
    return 0;
}

void tc_load_recon_free(tc_load_recon *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ncounties; i++) {
        free(r->counties[i].funds);
        free(r->counties[i].findings);
    }
    free(r->counties);
    json_decref(r->doc);
    free(r);
}
