/*
 * diff_recon.c - two reconciliation documents compared: every figure that
 * moves, counties and findings that come or go, statuses that change.
 *
 * Both documents are checked against the reconciliation's shape first
 * (report_doc.h, the check the reports use), so a file that is not a
 * reconciliation is refused with the key that is wrong.  Then the two are
 * walked side by side, everything in code order:
 *
 *   the document   cutover, mapping set and overall status
 *   per county     its status (clean, findings, blocked: what the report
 *                  shows); per fund the fourteen figures of the transfer
 *                  basis, arrears aging included; per bank account the
 *                  seven figures of its reconciliation statement
 *   the city       the totals: transfer, claims, debts
 *   findings       identified by county, code, fund and ref; one a side
 *                  with a different severity, amount or message is
 *                  changed, otherwise they are matched as a multiset and
 *                  the rest are added or removed
 *
 * A county, fund or account on one side only moves every figure it has
 * that is not zero.  The documents are small (reconcile keeps at most
 * 10,000 rows of a schedule in them), so they are read whole.
 */
#include "reconcile/diff_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/jsonfile.h"
#include "core/vec.h"
#include "reconcile/report_doc.h"

static const char *const FUND_FIGURES[] = {
    "cash", "ledger_receivables", "ledger_payables", "net_assets", "fund_balance",
    "employer_arrears", "arrears_aging.0-3", "arrears_aging.4-12", "arrears_aging.13+",
    "overpaid", "subsidy_shortfall", "institution_payables", "personal_accounts", "transfer"};
static const char *const BANK_FIGURES[] = {
    "ledger", "statement", "adjusted", "received_not_booked", "paid_not_booked",
    "booked_not_received", "booked_not_paid"};
static const char *const TOTAL_FIGURES[] = {"transfer", "claims", "debts"};

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------- reading */

/* Objects of an array sorted by the string at key; *n of them. */
typedef struct objs {
    json_t **v;
    size_t n;
} objs;

static const char *g_sort_key;   /* qsort has no argument; set just before */

static int obj_cmp(const void *a, const void *b)
{
    return strcmp(tc_rdoc_str(*(json_t *const *)a, g_sort_key),
                  tc_rdoc_str(*(json_t *const *)b, g_sort_key));
}

/* The objects of o[arr] sorted by key; a key twice is refused. */
static int sorted(const json_t *o, const char *arr, const char *key, objs *out,
                  const char *path, const char *where, tc_err *e)
{
    json_t *a = tc_rdoc_arr(o, arr);
    out->n = json_array_size(a);
    out->v = malloc((out->n + 1) * sizeof(json_t *));
    if (!out->v)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (size_t i = 0; i < out->n; i++)
        out->v[i] = json_array_get(a, i);
    g_sort_key = key;
    qsort(out->v, out->n, sizeof(json_t *), obj_cmp);
    for (size_t i = 1; i < out->n; i++)
        if (strcmp(tc_rdoc_str(out->v[i - 1], key), tc_rdoc_str(out->v[i], key)) == 0) {
            tc_err_at(e, path, 0, 0);
            char what[64];
            snprintf(what, sizeof(what), "%s", tc_rdoc_str(out->v[i], key));
            tc_mask_ids_inplace(what);
            tc_fail(e, TC_EINPUT, "%sthe %s '%s' is listed twice in %s", where, key, what, arr);
            return tc_err_hint(e, "give the reconciliation.json that reconcile wrote");
        }
    return 0;
}

static int load(const char *path, json_t **out, tc_err *e)
{
    *out = NULL;
    if (access(path, R_OK) != 0) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot read: %s", strerror(errno));
    }
    json_t *doc;
    int rc = tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, JSON_REJECT_DUPLICATES, e);
    if (rc) {
        if (!tc_json_not_json(e))
            return rc;
        tc_err_prefix(e, "not a reconciliation: ");
        return tc_err_hint(e, "give the reconciliation.json that reconcile wrote");
    }
    if (tc_rdoc_check(doc, e)) {
        tc_err_at(e, path, 0, 0);
        json_decref(doc);
        return TC_EINPUT;
    }
    /* a county, a county's fund or bank account twice would be compared
     * with one of its copies only */
    objs cs = {0}, x = {0};
    rc = sorted(doc, "counties", "county", &cs, path, "", e);
    for (size_t i = 0; i < cs.n && !rc; i++) {
        char where[64];
        snprintf(where, sizeof(where), "county %s: ", tc_rdoc_str(cs.v[i], "county"));
        if (!(rc = sorted(cs.v[i], "funds", "fund", &x, path, where, e))) {
            free(x.v);
            x.v = NULL;
            rc = sorted(cs.v[i], "bank", "account", &x, path, where, e);
        }
        free(x.v);
        x.v = NULL;
    }
    free(cs.v);
    if (rc) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

/* ------------------------------------------------------------- figures */

/* A figure of o: "arrears_aging.0-3" is 0-3 of arrears_aging. */
static int figure(const json_t *o, const char *name, tc_fen *v)
{
    const char *dot = strchr(name, '.');
    if (dot) {
        char sub[32];
        snprintf(sub, sizeof(sub), "%.*s", (int)(dot - name), name);
        o = json_object_get(o, sub);
        name = dot + 1;
    }
    *v = 0;
    if (!o || !tc_rdoc_has(o, name))
        return 0;
    *v = tc_rdoc_fen(o, name);
    return 1;
}

/* The figures of o[0] and o[1] (either NULL when absent) that differ. */
static int figures(tc_diff *d, const char *county, const char *fund, const char *account,
                   const json_t *o[2], const char *const *names, int nnames, tc_err *e)
{
    for (int k = 0; k < nnames; k++) {
        dd_figure f = {0};
        f.figure = names[k];
        for (int s = 0; s < 2; s++)
            f.has[s] = o[s] && figure(o[s], names[k], &f.v[s]);
        if (f.has[0] == f.has[1] && f.v[0] == f.v[1])
            continue;
        if (f.has[0] != f.has[1] && f.v[0] == 0 && f.v[1] == 0)
            continue;   /* a zero that comes or goes moves nothing */
        int rc = tc_vec_room(&d->figures, d->nfigures, &d->capfigures, 32, sizeof(dd_figure), e);
        if (rc || (rc = dd_strdup(&f.county, county, e)) || (rc = dd_strdup(&f.fund, fund, e)) ||
            (rc = dd_strdup(&f.account, account, e))) {
            free(f.county);
            free(f.fund);
            return rc;
        }
        d->figures[d->nfigures++] = f;
    }
    return 0;
}

/* Walk the objects of two sorted arrays by key, side by side: fn gets the
 * pair (one NULL when a side lacks it). */
static int walk(tc_diff *d, const objs *a, const objs *b, const char *key,
                int (*fn)(tc_diff *, const json_t *[2], void *, tc_err *), void *arg, tc_err *e)
{
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        const json_t *o[2] = {i < a->n ? a->v[i] : NULL, j < b->n ? b->v[j] : NULL};
        if (o[0] && o[1]) {
            int c = strcmp(tc_rdoc_str(o[0], key), tc_rdoc_str(o[1], key));
            if (c < 0)
                o[1] = NULL;
            else if (c > 0)
                o[0] = NULL;
        }
        int rc = fn(d, o, arg, e);
        if (rc)
            return rc;
        i += o[0] != NULL;
        j += o[1] != NULL;
    }
    return 0;
}

static int fund_pair(tc_diff *d, const json_t *o[2], void *county, tc_err *e)
{
    const char *fund = tc_rdoc_str(o[0] ? o[0] : o[1], "fund");
    return figures(d, county, fund, NULL, o, FUND_FIGURES, NELEM(FUND_FIGURES), e);
}

static int bank_pair(tc_diff *d, const json_t *o[2], void *county, tc_err *e)
{
    const char *acct = tc_rdoc_str(o[0] ? o[0] : o[1], "account");
    return figures(d, county, NULL, acct, o, BANK_FIGURES, NELEM(BANK_FIGURES), e);
}

/* ------------------------------------------------------------- findings */

static int str_cmp(const json_t *a, const json_t *b, const char *key)
{
    return strcmp(tc_rdoc_str(a, key), tc_rdoc_str(b, key));
}

/* Identity: code, fund, ref. */
static int finding_id_cmp(const json_t *a, const json_t *b)
{
    int c = str_cmp(a, b, "code");
    if (!c)
        c = str_cmp(a, b, "fund");
    return c ? c : str_cmp(a, b, "ref");
}

/* Content: severity, amount, message. */
static int finding_content_cmp(const json_t *a, const json_t *b)
{
    int c = str_cmp(a, b, "severity");
    if (c)
        return c;
    int ha = tc_rdoc_has(a, "amount"), hb = tc_rdoc_has(b, "amount");
    if (ha != hb)
        return ha - hb;
    tc_fen x = tc_rdoc_fen(a, "amount"), y = tc_rdoc_fen(b, "amount");
    if (x != y)
        return x < y ? -1 : 1;
    return str_cmp(a, b, "message");
}

static int finding_cmp(const void *x, const void *y)
{
    const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    int c = finding_id_cmp(a, b);
    return c ? c : finding_content_cmp(a, b);
}

static int fill_finding(dd_finding *x, const char *county, const json_t *f, tc_err *e)
{
    int rc;
    if ((rc = dd_strdup(&x->county, county, e)) ||
        (rc = dd_strdup(&x->code, tc_rdoc_str(f, "code"), e)) ||
        (rc = dd_strdup(&x->fund, tc_rdoc_str(f, "fund"), e)) ||
        (rc = dd_strdup(&x->ref, tc_rdoc_str(f, "ref"), e)) ||
        (rc = dd_strdup(&x->severity, tc_rdoc_str(f, "severity"), e)) ||
        (rc = dd_strdup(&x->message, tc_rdoc_str(f, "message"), e)))
        return rc;
    x->has_amount = tc_rdoc_has(f, "amount");
    x->amount = tc_rdoc_fen(f, "amount");
    return 0;
}

/* A finding added or removed (f), or changed (f, then f2): changed ones
 * are kept in pairs, old then new. */
static int add_finding(tc_diff *d, int k, const char *county, const json_t *f,
                       const json_t *f2, tc_err *e)
{
    int n = k == DF_CHANGED ? 2 : 1;
    long used = n * d->nfnd[k];
    int rc = tc_vec_room(&d->fnd[k], used + n - 1, &d->capfnd[k], 16, sizeof(dd_finding), e);
    if (rc)
        return rc;
    dd_finding *x = &d->fnd[k][used];
    memset(x, 0, (size_t)n * sizeof(*x));
    d->nfnd[k]++;   /* counted at once, so that freeing the result frees a half-made one */
    rc = fill_finding(x, county, f, e);
    return rc || n == 1 ? rc : fill_finding(x + 1, county, f2, e);
}

static int findings(tc_diff *d, const char *county, const json_t *c[2], tc_err *e)
{
    objs f[2] = {{0}, {0}};
    int rc = 0;
    for (int s = 0; s < 2 && !rc; s++) {
        json_t *a = c[s] ? tc_rdoc_arr(c[s], "findings") : NULL;
        f[s].n = json_array_size(a);
        if (!(f[s].v = malloc((f[s].n + 1) * sizeof(json_t *)))) {
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
            break;
        }
        for (size_t i = 0; i < f[s].n; i++)
            f[s].v[i] = json_array_get(a, i);
        qsort(f[s].v, f[s].n, sizeof(json_t *), finding_cmp);
    }
    size_t i = 0, j = 0;
    while (!rc && (i < f[0].n || j < f[1].n)) {
        /* one identity: [i, i2) old, [j, j2) new */
        const json_t *id = i < f[0].n ? f[0].v[i] : f[1].v[j];
        if (i < f[0].n && j < f[1].n && finding_id_cmp(f[1].v[j], id) < 0)
            id = f[1].v[j];
        size_t i2 = i, j2 = j;
        while (i2 < f[0].n && finding_id_cmp(f[0].v[i2], id) == 0)
            i2++;
        while (j2 < f[1].n && finding_id_cmp(f[1].v[j2], id) == 0)
            j2++;
        if (i2 - i == 1 && j2 - j == 1) {
            if (finding_content_cmp(f[0].v[i], f[1].v[j]) != 0)
                rc = add_finding(d, DF_CHANGED, county, f[0].v[i], f[1].v[j], e);
            i = i2, j = j2;
            continue;
        }
        while (!rc && (i < i2 || j < j2)) {
            int c2 = i == i2 ? 1 : j == j2 ? -1 : finding_content_cmp(f[0].v[i], f[1].v[j]);
            if (c2 == 0)
                i++, j++;
            else if (c2 < 0)
                rc = add_finding(d, DF_REMOVED, county, f[0].v[i++], NULL, e);
            else
                rc = add_finding(d, DF_ADDED, county, f[1].v[j++], NULL, e);
        }
    }
    free(f[0].v);
    free(f[1].v);
    return rc;
}

/* ------------------------------------------------------------- counties */

static int county_status(const json_t *c, const char **out, tc_err *e)
{
    *out = NULL;
    if (!c)
        return 0;
    tc_rdoc_sums s;
    int rc = tc_rdoc_county_sums(c, &s, e);
    if (!rc)
        *out = tc_rdoc_county_status(&s);
    return rc;
}

static int county_pair(tc_diff *d, const json_t *c[2], void *arg, tc_err *e)
{
    const char **path = arg;
    const json_t *any = c[0] ? c[0] : c[1];
    const char *code = tc_rdoc_str(any, "county");
    dd_county x = {0};
    int rc = 0;
    for (int s = 0; s < 2 && !rc; s++)
        if ((rc = county_status(c[s], &x.status[s], e)))
            tc_err_at(e, path[s], 0, 0);
    if (rc)
        return rc;
    if (!x.status[0] || !x.status[1] || strcmp(x.status[0], x.status[1]) != 0) {
        const char *name = tc_rdoc_str(c[1] ? c[1] : c[0], "name");
        if ((rc = tc_vec_room(&d->counties, d->ncounties, &d->capcounties, 8, sizeof(x), e)) ||
            (rc = dd_strdup(&x.county, code, e)) || (rc = dd_strdup(&x.name, name, e))) {
            free(x.county);
            return rc;
        }
        d->counties[d->ncounties++] = x;
    }
    objs a[2] = {{0}, {0}};
    const char *arrs[2] = {"funds", "bank"}, *keys[2] = {"fund", "account"};
    int (*pair[2])(tc_diff *, const json_t *[2], void *, tc_err *) = {fund_pair, bank_pair};
    for (int k = 0; k < 2 && !rc; k++) {
        for (int s = 0; s < 2 && !rc; s++)
            rc = sorted(c[s], arrs[k], keys[k], &a[s], path[s], "", e);
        if (!rc)
            rc = walk(d, &a[0], &a[1], keys[k], pair[k], (void *)code, e);
        free(a[0].v);
        free(a[1].v);
        a[0].v = a[1].v = NULL;
    }
    return rc ? rc : findings(d, code, c, e);
}

/* ------------------------------------------------------------- the whole */

static int field(tc_diff *d, const char *name, json_t *doc[2], tc_err *e)
{
    const char *v[2] = {tc_rdoc_str(doc[0], name), tc_rdoc_str(doc[1], name)};
    if (strcmp(v[0], v[1]) == 0)
        return 0;
    if (!d->fields && !(d->fields = calloc(4, sizeof(dd_field))))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    dd_field *f = &d->fields[d->nfields++];
    f->field = name;
    int rc = dd_strdup(&f->v[0], v[0], e);
    return rc ? rc : dd_strdup(&f->v[1], v[1], e);
}

int tc_diff_reconciliations(tc_diff **out, const char *old, const char *new_,
                            const tc_diff_opts *o, tc_err *e)
{
    *out = NULL;
    json_t *doc[2] = {NULL, NULL};
    tc_diff *d = NULL;
    const char *path[2] = {old, new_};
    int rc = load(old, &doc[0], e);
    if (!rc)
        rc = load(new_, &doc[1], e);
    if (!rc)
        rc = dd_new(&d, DD_RECON, o, e);
    if (!rc) {
        snprintf(d->path[0], sizeof(d->path[0]), "%s", old);
        snprintf(d->path[1], sizeof(d->path[1]), "%s", new_);
    }
    static const char *const FIELDS[] = {"cutover", "mappings", "status"};
    for (int i = 0; i < NELEM(FIELDS) && !rc; i++)
        rc = field(d, FIELDS[i], doc, e);
    objs cs[2] = {{0}, {0}};
    for (int s = 0; s < 2 && !rc; s++)
        rc = sorted(doc[s], "counties", "county", &cs[s], path[s], "", e);
    if (!rc)
        rc = walk(d, &cs[0], &cs[1], "county", county_pair, path, e);
    free(cs[0].v);
    free(cs[1].v);
    if (!rc) {
        const json_t *t[2] = {json_object_get(doc[0], "totals"), json_object_get(doc[1], "totals")};
        rc = figures(d, NULL, NULL, NULL, t, TOTAL_FIGURES, NELEM(TOTAL_FIGURES), e);
    }
    json_decref(doc[0]);
    json_decref(doc[1]);
    if (rc) {
        tc_diff_free(d);
        return rc;
    }
    *out = d;
    return 0;
}
