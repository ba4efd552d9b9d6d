/*
 * run.c - the result as documents: reconciliation.json (built with
 * jansson, amounts as yuan strings, keys in a fixed order, lists sorted,
 * so the same inputs give the same bytes), findings.csv (UTF-8 with a
 * byte-order mark so spreadsheets read the Chinese, RFC 4180 quoting; the
 * columns county, pool, fund, code, severity, ref, amount, message and
 * message_zh, the message in Chinese), and
 * tc_reconcile_run(), the whole command.
 *
 * The HTML page and the workbook are rendered from the same document by
 * reconcile/report.h (the tc_report library) after the JSON and CSV.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic.h"
#include "core/ident.h"
#include "reconcile/rec_int.h"
#include "reconcile/report.h"


/* ================================================================== JSON */

static json_t *yuan(tc_fen v)
{
    char b[TC_MONEY_BUFSZ];
    return json_string(tc_money_format(v, b));
}

static void set(json_t *o, const char *k, json_t *v)
{
    json_object_set_new(o, k, v);
}

static json_t *str(const char *s)
{
    return json_string(s);
}

static json_t *masked_str(const char *s)
{
    char b[RT + 8];
    if (tc_ident_looks_like_id(s, strlen(s)))
        return json_string(tc_ident_mask(s, strlen(s), b, sizeof(b)));
    return json_string(s);
}

/* A fund's figures; handed_over 0 when a part handover keeps it, cutover
 * its own cutover date (NULL: the document's). */
static json_t *fund_json(const fundfig *f, int handed_over, const char *cutover)
{
    json_t *o = json_object();
    set(o, "fund", str(f->fund));
    if (!handed_over)
        set(o, "handed_over", json_false());   /* a part handover keeps it */
    if (cutover)
        set(o, "cutover", str(cutover));       /* ... or hands it over earlier */
    set(o, "cash", yuan(f->cash));
    set(o, "ledger_receivables", yuan(f->recv));
    set(o, "ledger_payables", yuan(f->pay));
    set(o, "net_assets", yuan(f->net));
    set(o, "fund_balance", yuan(f->fund_balance));
    set(o, "employer_arrears", yuan(f->arrears));
    json_t *ag = json_object();
    set(ag, "0-3", yuan(f->aging[0]));
    set(ag, "4-12", yuan(f->aging[1]));
    set(ag, "13+", yuan(f->aging[2]));
    set(o, "arrears_aging", ag);
    set(o, "overpaid", yuan(f->overpaid));
    set(o, "subsidy_shortfall", yuan(f->shortfall));
    set(o, "institution_payables", yuan(f->inst));
    set(o, "personal_accounts", yuan(f->personal));
    set(o, "transfer", yuan(f->cash));
    return o;
}

/*
 * The fund's ledger at its cutover, for the statements people sign
 * (资产负债表, 收支表; docs/documents.md): every account of the city chart,
 * in the chart's order, with its name, class, role and closing balance in
 * the latest period up to the cutover - the balance check_equation sums.
 * An account the fund's balance table has no row for is 0.00: the turnover
 * check has proved that no voucher line touched it either.  b is the
 * county's balance groups in key order (fund, account, period).
 */
static json_t *ledger_json(const tc_reconcile *r, const county *c, void **b, const fundfig *f)
{
    const char *const *chart;
    size_t n = tc_mapset_chart(r->m, &chart);
    int64_t cut = rec_cutper(r, c, f->fund);
    json_t *a = json_array();
    for (size_t k = 0; k < n; k++) {
        size_t al = strlen(chart[k]);
        tc_fen close = 0;
        int64_t at = 0;
        for (size_t i = 0; b && i < c->bal.n; i++) {
            const bal_g *x = b[i];
            if (x->period <= cut && x->period >= at && strcmp(x->fund, f->fund) == 0 &&
                strcmp(x->acc, chart[k]) == 0)
                close = x->close, at = x->period;
        }
        const char *name = tc_mapset_account_name(r->m, chart[k], al);
        const char *cls = tc_mapset_account_class(r->m, chart[k], al);
        const char *role = tc_mapset_account_role(r->m, chart[k], al);
        json_t *o = json_object();
        set(o, "account", str(chart[k]));
        set(o, "name", str(name ? name : ""));
        set(o, "class", str(cls ? cls : ""));
        set(o, "role", str(role ? role : ""));
        set(o, "balance", yuan(close));
        json_array_append_new(a, o);
    }
    return a;
}

static const char *const kind_names[4] = {"received_not_booked", "paid_not_booked",
                                          "booked_not_received", "booked_not_paid"};

static json_t *bank_json(const bankstmt *s)
{
    json_t *o = json_object();
    set(o, "account", str(s->a.no));
    set(o, "fund", str(s->a.fund));
    set(o, "role", str(s->a.role));
    if (s->a.bank[0])
        set(o, "bank", str(s->a.bank));      /* its name, for the confirmation letter */
    set(o, "ledger_account", str(s->a.acc)); /* the city account its ledger balance is */
    set(o, "ledger", yuan(s->ledger));
    set(o, "statement", yuan(s->statement));
    set(o, "adjusted", yuan(s->adjusted));
    for (int k = 0; k < 4; k++)
        set(o, kind_names[k], yuan(s->sums[k]));
    json_t *items = json_array();
    for (size_t i = 0; i < s->nitems; i++) {
        const bank_item *it = &s->items[i];
        char d[16];
        json_t *x = json_object();
        set(x, "kind", str(kind_names[it->kind]));
        set(x, "date", str(rec_date_text(it->date, d)));
        set(x, "ref", str(it->ref));
        set(x, "amount", yuan(it->amount));
        json_array_append_new(items, x);
    }
    set(o, "items", items);
    return o;
}

/*
 * A split pool's sub-ledgers: for each, the records it got and, per fund
 * handed over, what allocation.csv gives it (the amounts of its lines,
 * and their sums by the account's role, with claims and debts).  The
 * transfer moves and posts exactly these.
 */
static json_t *split_json(const tc_reconcile *r, const county *c)
{
    char t[TC_SPLIT_MAX][7];
    int nt = tc_mapset_split_targets(r->m, c->pool, t, TC_SPLIT_MAX);
    const tc_alloc *a;
    int na = tc_mapset_allocation(r->m, &a);
    json_t *out = json_array();
    for (int i = 0; i < nt && i < TC_SPLIT_MAX; i++) {
        json_t *so = json_object(), *funds = json_array();
        long long recs = 0;
        for (int k = 0; k < c->nsplit; k++)
            if (strcmp(c->split[k].code, t[i]) == 0)
                recs = c->split[k].records;
        set(so, "county", str(t[i]));
        const char *name = tc_mapset_region_name(r->m, t[i]);
        if (name)
            set(so, "name", str(name));
        set(so, "records", json_integer(recs));
        for (int k = 0; k < c->nfunds; k++) {
            const char *fund = c->funds[k].fund;
            if (!rec_handed_over(r, c, fund))
                continue;
            tc_fen sum[5];   /* cash, receivables, payables, claims, debts */
            rec_split_share(r, c, fund, t[i], sum);   /* check_allocation summed them */
            json_t *accs = json_array();
            for (int j = 0; j < na; j++) {
                if (strcmp(a[j].county, c->pool) || strcmp(a[j].fund, fund) ||
                    strcmp(a[j].target, t[i]))
                    continue;
                json_t *lo = json_object();
                set(lo, "account", str(a[j].account));
                set(lo, "amount", yuan(a[j].amount));
                json_array_append_new(accs, lo);
            }
            json_t *fo = json_object();
            set(fo, "fund", str(fund));
            set(fo, "cash", yuan(sum[0]));
            set(fo, "receivables", yuan(sum[1]));
            set(fo, "payables", yuan(sum[2]));
            set(fo, "claims", yuan(sum[3]));
            set(fo, "debts", yuan(sum[4]));
            set(fo, "lines", accs);
            json_array_append_new(funds, fo);
        }
        set(so, "funds", funds);
        json_array_append_new(out, so);
    }
    return out;
}

static json_t *finding_json(const county *c, const finding *f)
{
    json_t *o = json_object();
    set(o, "code", str(f->code));
    set(o, "severity", str(f->blocking ? "blocking" : "warning"));
    set(o, "county", str(c->code));
    set(o, "pool", str(c->pool));
    set(o, "fund", str(f->fund));
    set(o, "ref", str(f->ref));
    set(o, "amount", yuan(f->amount));
    set(o, "message", str(f->msg));
    set(o, "message_zh", str(f->msg_zh));
    return o;
}

#define ARR_JSON_MAX 10000 /* rows of a county's arrears schedule in the JSON */

typedef struct arr_json {
    json_t *list;
    long long n;
} arr_json;

static int arrears_row(void *arg, const arr_g *x)
{
    arr_json *aj = arg;
    if (aj->n++ >= ARR_JSON_MAX)
        return 1; /* the rest is in arrears.csv */
    json_t *r = json_object();
    set(r, "payer", masked_str(x->payer));
    set(r, "fund", str(x->fund));
    set(r, "arrears", yuan(x->arrears));
    set(r, "0-3", yuan(x->aging[0]));
    set(r, "4-12", yuan(x->aging[1]));
    set(r, "13+", yuan(x->aging[2]));
    set(r, "overpaid", yuan(x->overpaid));
    json_array_append_new(aj->list, r);
    return 0;
}

static json_t *schedules_json(const county *c)
{
    json_t *o = json_object(), *a = json_array(), *s = json_array(), *p = json_array();
    arr_json aj = {a, 0};
    rec_arrears_each(c, arrears_row, &aj, NULL);
    if (rec_arrears_count(c) > ARR_JSON_MAX)
        set(o, "employer_arrears_rows", json_integer((json_int_t)rec_arrears_count(c)));
    void **v = NULL;
    v = gtab_sorted(&c->sub);
    for (size_t i = 0; v && i < c->sub.n; i++) {
        const sub_g *x = v[i];
        json_t *r = json_object();
        char y[24];
        snprintf(y, sizeof(y), "%lld", (long long)x->year);
        set(r, "level", str(x->level));
        set(r, "fund", str(x->fund));
        set(r, "year", str(y));
        set(r, "due", yuan(x->due));
        set(r, "received", yuan(x->received));
        set(r, "shortfall", yuan(x->due - x->received));
        json_array_append_new(s, r);
    }
    free(v);
    v = gtab_sorted(&c->pay);
    for (size_t i = 0; v && i < c->pay.n; i++) {
        const pay_g *x = v[i];
        json_t *r = json_object();
        set(r, "institution", str(x->inst));
        set(r, "name", str(x->name));
        set(r, "fund", str(x->fund));
        set(r, "settled", yuan(x->settled));
        set(r, "paid", yuan(x->paid));
        set(r, "payable", yuan(x->settled - x->paid));
        json_array_append_new(p, r);
    }
    free(v);
    set(o, "employer_arrears", a);
    set(o, "subsidy_shortfall", s);
    set(o, "institution_payables", p);
    return o;
}

/*
 * The sources a county's batches came from, each with what its own control
 * totals vouched for: "counts,sums" (a handover XML's Trailer, checked when
 * it was extracted), "none" (a dump or a live database: rows lost from it
 * show only in the cross-checks of the ledger), "unknown" (batches written
 * before the batch header recorded it).  Sorted by the source's digest.
 * One source's batches agree but for types without amounts ("counts"), so
 * the most a batch says is the source's word, unless one says "none".
 */
static int cmp_source(const void *a, const void *b)
{
    const input *x = *(const input *const *)a, *y = *(const input *const *)b;
    return strcmp(x->source, y->source);
}

static json_t *sources_json(const tc_reconcile *r, const county *c)
{
    json_t *out = json_array();
    const input **v = malloc(((size_t)r->ninputs + 1) * sizeof(*v));
    if (!v || !out) {   /* out of memory: as with the inputs below */
        free(v);
        return out;
    }
    size_t n = 0;
    for (int i = 0; i < r->ninputs; i++)
        if (strcmp(r->inputs[i].county, c->code) == 0 && strcmp(r->inputs[i].pool, c->pool) == 0)
            v[n++] = &r->inputs[i];
    if (n)
        qsort(v, n, sizeof(*v), cmp_source);
    for (size_t i = 0, j; i < n; i = j) {
        tc_controls w = v[i]->controls;
        for (j = i + 1; j < n && strcmp(v[j]->source, v[i]->source) == 0; j++)
            if (w != TC_CONTROLS_NONE && (v[j]->controls == TC_CONTROLS_NONE || v[j]->controls > w))
                w = v[j]->controls;
        json_t *o = json_object();
        set(o, "source", str(v[i]->source));
        set(o, "controls", str(w == TC_CONTROLS_UNKNOWN ? "unknown" : tc_controls_name(w)));
        json_array_append_new(out, o);
    }
    free(v);
    return out;
}

static int cmp_input(const void *a, const void *b)
{
    const input *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    return c ? c : strcmp(x->digest, y->digest);
}

json_t *tc_reconcile_json(const tc_reconcile *r)
{
    json_t *root = json_object();
    set(root, "format", str("tongchou-reconciliation/1"));
    set(root, "cutover", str(r->cutover));
    set(root, "mappings", str(tc_mapset_digest(r->m)));
    input *in = malloc(((size_t)r->ninputs + 1) * sizeof(input));
    json_t *inputs = json_array();
    if (in) {
        memcpy(in, r->inputs, (size_t)r->ninputs * sizeof(input));
        qsort(in, (size_t)r->ninputs, sizeof(input), cmp_input);
        for (int i = 0; i < r->ninputs; i++) {
            json_t *x = json_object();
            set(x, "file", str(in[i].file));
            set(x, "digest", str(in[i].digest));
            json_array_append_new(inputs, x);
        }
        free(in);
    }
    set(root, "inputs", inputs);
    set(root, "status", str(tc_reconcile_status(r)));
    county **cs = malloc(((size_t)r->nc + 1) * sizeof(county *));
    json_t *counties = json_array();
    if (cs) {
        memcpy(cs, r->c, (size_t)r->nc * sizeof(county *));
        qsort(cs, (size_t)r->nc, sizeof(county *), rec_cmp_county);
        for (int i = 0; i < r->nc; i++) {
            const county *c = cs[i];
            json_t *co = json_object();
            set(co, "county", str(c->code));
            set(co, "pool", str(c->pool));
            const char *name = tc_mapset_region_name(r->m, c->code);
            if (name)
                set(co, "name", str(name));
            set(co, "sources", sources_json(r, c));
            json_t *funds = json_array(), *banks = json_array(), *fs = json_array();
            void **bal = gtab_sorted(&c->bal);
            for (int k = 0; k < c->nfunds; k++) {
                const fundfig *f = &c->funds[k];
                const fundcut_g *own = rec_fund_cutover(r, c, f->fund, strlen(f->fund));
                json_t *fo = fund_json(f, rec_handed_over(r, c, f->fund), own ? own->date : NULL);
                if (f->have_balances)
                    set(fo, "ledger", ledger_json(r, c, bal, f));
                json_array_append_new(funds, fo);
            }
            free(bal);
            for (int k = 0; k < c->nbanks; k++)
                json_array_append_new(banks, bank_json(&c->banks[k]));
            for (size_t k = 0; k < c->findings.n; k++)
                json_array_append_new(fs, finding_json(c, vec_at(&c->findings, k)));
            set(co, "funds", funds);
            set(co, "bank", banks);
            set(co, "findings", fs);
            if (tc_mapset_split_targets(r->m, c->pool, NULL, 0) > 0)
                set(co, "split", split_json(r, c));
            set(co, "schedules", schedules_json(c));
            json_array_append_new(counties, co);
        }
        free(cs);
    }
    set(root, "counties", counties);
    if (r->nregions) {
        /* the sub-ledgers that merge pools: the second level, sums */
        json_t *regions = json_array();
        for (int i = 0; i < r->nregions; i++) {
            const region_sum *g = &r->regions[i];
            json_t *ro = json_object(), *pools = json_array(), *funds = json_array();
            set(ro, "county", str(g->code));
            const char *name = tc_mapset_region_name(r->m, g->code);
            if (name)
                set(ro, "name", str(name));
            for (int k = 0; k < r->nc; k++)
                if (strcmp(r->c[k]->code, g->code) == 0)
                    json_array_append_new(pools, str(r->c[k]->pool));
            for (int k = 0; k < g->nfunds; k++)
                json_array_append_new(funds, fund_json(&g->funds[k], 1, NULL));
            set(ro, "pools", pools);
            set(ro, "funds", funds);
            json_array_append_new(regions, ro);
        }
        set(root, "regions", regions);
    }
    json_t *t = json_object();
    set(t, "transfer", yuan(r->t_transfer));
    set(t, "claims", yuan(r->t_claims));
    set(t, "debts", yuan(r->t_debts));
    /* what of the transfer moves: transfer = ready + held + kept */
    set(t, "transfer_ready", yuan(r->t_ready));
    set(t, "transfer_held", yuan(r->t_held));
    set(t, "transfer_kept", yuan(r->t_kept));
    set(root, "totals", t);
    return root;
}

static int write_doc(const json_t *doc, const char *path, tc_err *e)
{
    return tc_atomic_write_json(path, doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER, e);
}

int tc_reconcile_write_json(const tc_reconcile *r, const char *path, tc_err *e)
{
    json_t *doc = tc_reconcile_json(r);
    if (!doc)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = write_doc(doc, path, e);
    json_decref(doc);
    return rc;
}

/* =================================================================== CSV */

/* One RFC 4180 field: quoted when it holds a comma, quote, CR or LF. */
static void csv_field(FILE *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputs(last ? "\r\n" : ",", f);
}

int tc_reconcile_write_csv(const tc_reconcile *r, const char *path, tc_err *e)
{
    tc_atomic *a;
    int rc = tc_atomic_open(&a, path, e);
    if (rc)
        return rc;
    FILE *f = tc_atomic_file(a);
    fputs("\xEF\xBB\xBF", f);
    fputs("county,pool,fund,code,severity,ref,amount,message,message_zh\r\n", f);
    county **cs = malloc(((size_t)r->nc + 1) * sizeof(county *));
    if (!cs) {
        tc_atomic_abort(a);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    memcpy(cs, r->c, (size_t)r->nc * sizeof(county *));
    qsort(cs, (size_t)r->nc, sizeof(county *), rec_cmp_county);
    for (int i = 0; i < r->nc; i++)
        for (size_t k = 0; k < cs[i]->findings.n; k++) {
            const finding *x = vec_at(&cs[i]->findings, k);
            char b[TC_MONEY_BUFSZ];
            csv_field(f, cs[i]->code, 0);
            csv_field(f, cs[i]->pool, 0);
            csv_field(f, x->fund, 0);
            csv_field(f, x->code, 0);
            csv_field(f, x->blocking ? "blocking" : "warning", 0);
            csv_field(f, x->ref, 0);
            csv_field(f, tc_money_format(x->amount, b), 0);
            csv_field(f, x->msg, 0);
            csv_field(f, x->msg_zh, 1);
        }
    free(cs);
    return tc_atomic_commit(a, e);
}

/* =================================================================== run */

int tc_reconcile_run(const tc_mapset *m, const char *const *inputs, int n,
                     const tc_reconcile_opts *o, const char *outdir,
                     tc_reconcile_wrote wrote, void *arg, int *status, tc_err *e)
{
    tc_reconcile *r = NULL;
    json_t *doc = NULL;
    *status = 0;
    int rc = tc_reconcile_new(&r, m, outdir, e);
    char path[1200];
    struct stat st;
    snprintf(path, sizeof(path), "%s/city/severity.csv", tc_mapset_dir(m));
    if (!rc && stat(path, &st) == 0)
        rc = tc_reconcile_load_severities(r, path, e);
    const tc_reconcile_opts none = {0};
    if (!o)
        o = &none;
    for (int i = 0; i < o->nscope && !rc; i++)
        rc = tc_reconcile_set_scope(r, o->scope[i], e);
    for (int i = 0; i < o->ncutovers && !rc; i++)
        rc = tc_reconcile_set_fund_cutover(r, o->cutovers[i], e);
    for (int i = 0; i < n && !rc; i++)
        rc = tc_reconcile_add_batch(r, inputs[i], e);
    if (!rc && !n)
        rc = tc_fail(e, TC_EUSAGE, "no batches to reconcile");
    if (!rc)
        rc = tc_reconcile_finish(r, e);
    if (!rc && !(doc = tc_reconcile_json(r)))
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
#define OUT(name) (snprintf(path, sizeof(path), "%s/%s", outdir, name), path)
    if (!rc && !(rc = write_doc(doc, OUT("reconciliation.json"), e)) && wrote)
        wrote(arg, path);
    if (!rc && !(rc = tc_reconcile_write_csv(r, OUT("findings.csv"), e)) && wrote)
        wrote(arg, path);
    if (!rc && !(rc = tc_reconcile_write_arrears(r, OUT("arrears.csv"), e)) && wrote)
        wrote(arg, path);
    if (!rc && !(rc = tc_report_html(doc, OUT("reconciliation.html"), e)) && wrote)
        wrote(arg, path);
    if (!rc && !(rc = tc_report_xlsx(doc, OUT("reconciliation.xlsx"), e)) && wrote)
        wrote(arg, path);
#undef OUT
    if (!rc)
        *status = tc_reconcile_count(r, NULL) ? 1 : 0;
    json_decref(doc);
    tc_reconcile_free(r);
    return rc;
}
