/*
 * transfer.c - the surplus transfer's documents: waivers, the plan and its
 * approval.  See transfer.h and docs/transfer.md; execution is in
 * transfer_exec.c.
 *
 * A document (plan or waiver) is one canonical JSON object: keys sorted,
 * compact, every amount a yuan string, no float.  Its "signatures" array
 * holds {"role", "key", "alg", "sig"}: the signature (base64) is over the
 * canonical JSON of the document without "signatures", so every signer
 * signs the same bytes whatever was signed before, and a changed byte
 * anywhere but in the signatures breaks all of them.  The file is that
 * canonical text and a newline, written whole or not at all; it is read
 * back through jansson, so a reformatted but equal file still verifies.
 *
 * The plan is built from the reconciliation document alone for its
 * figures, and from tongchou.batch for the loaded batches it rests on: the
 * complete batches of every planned county, which must have been mapped
 * with the reconciliation's mapping set and have its cutover.  Counties
 * with blocking findings are left out unless waivers, each signed by a key
 * the planner trusts and made for this very reconciliation, name every
 * one of them; a waiver naming a finding the reconciliation does not hold
 * is refused, so a waiver cannot be made in advance for findings to come.
 */
#include "transfer/transfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/audit.h"
#include "db/db.h"
#include "db/schema.h"
#include "transfer/transfer_int.h"

/* ================================================= canonical documents */

char *xfer_body(const json_t *doc)
{
    json_t *c = json_copy((json_t *)doc);
    if (!c)
        return NULL;
    json_object_del(c, "signatures");
    char *s = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(c);
    return s;
}

int xfer_read(json_t **out, const char *path, const char *format, tc_err *e)
{
    json_error_t je;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot read the file");
    }
    json_t *d = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!d) {
        tc_err_at(e, path, je.line > 0 ? je.line : 0, je.column > 0 ? je.column : 0);
        return tc_fail(e, TC_EINPUT, "not JSON: %s", je.text);
    }
    const char *fm = json_string_value(json_object_get(d, "format"));
    if (!json_is_object(d) || !fm || strcmp(fm, format) != 0) {
        json_decref(d);
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EINPUT, "not a %s document", format);
    }
    *out = d;
    return 0;
}

int xfer_write(const json_t *doc, const char *path, tc_err *e)
{
    return tc_atomic_write_json(path, doc, JSON_SORT_KEYS | JSON_COMPACT, e);
}

int xfer_sign(json_t *doc, const tc_signer *s, const char *role, tc_err *e)
{
    char *body = xfer_body(doc);
    if (!body)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    uint8_t sig[TC_SIGN_MAX];
    size_t n;
    int rc = tc_signer_sign(s, body, strlen(body), sig, &n, e);
    free(body);
    if (rc)
        return rc;
    char b64[4 * ((TC_SIGN_MAX + 2) / 3) + 1];
    tc_b64_encode(sig, n, b64);
    json_t *sigs = json_object_get(doc, "signatures");
    if (!json_is_array(sigs)) {
        sigs = json_array();
        json_object_set_new(doc, "signatures", sigs);
    }
    json_array_append_new(sigs, json_pack("{s:s, s:s, s:s, s:s}", "role", role, "key",
                                          tc_signer_id(s), "alg",
                                          tc_sign_alg_name(tc_signer_alg(s)), "sig", b64));
    return 0;
}

int xfer_verify(const json_t *doc, const char *path, size_t i, const char *role,
                tc_pubkey *const *keys, int n, const char **keyid, tc_err *e)
{
    json_t *s = json_array_get(json_object_get(doc, "signatures"), i);
    const char *kid = json_string_value(json_object_get(s, "key"));
    const char *r = json_string_value(json_object_get(s, "role"));
    const char *b64 = json_string_value(json_object_get(s, "sig"));
    if (!s || !kid || !b64 || !r || strcmp(r, role) != 0) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EINTEGRITY, "the %s's signature is missing", role);
    }
    *keyid = kid;
    const tc_pubkey *k = NULL;
    for (int j = 0; j < n && !k; j++)
        if (strcmp(tc_pubkey_id(keys[j]), kid) == 0)
            k = keys[j];
    if (!k) {
        tc_err_at(e, path, 0, 0);
        tc_fail(e, TC_EINTEGRITY, "the %s's signature is by key %s, whose public key was not "
                                  "given", role, kid);
        return tc_err_hint(e, "give the %s's public key with --pub", role);
    }
    uint8_t sig[TC_SIGN_MAX + 4];
    long sn = tc_b64_decode(b64, strlen(b64), sig, sizeof(sig));
    char *body = xfer_body(doc);
    if (!body)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int ok = sn > 0 && tc_pubkey_verify(k, body, strlen(body), sig, (size_t)sn);
    free(body);
    if (!ok)
        tc_err_at(e, path, 0, 0);
    if (!ok)
        return tc_fail(e, TC_EINTEGRITY, "the %s's signature (key %s) does not verify: the "
                                         "document was changed after it was signed", role, kid);
    return 0;
}

int xfer_load_keys(tc_pubkey ***keys, const char *const *paths, int n, tc_err *e)
{
    *keys = calloc((size_t)n + 1, sizeof(tc_pubkey *));
    if (!*keys)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        int rc = tc_pubkey_load(&(*keys)[i], paths[i], e);
        if (rc) {
            xfer_free_keys(*keys, i);
            *keys = NULL;
            return rc;
        }
    }
    return 0;
}

void xfer_free_keys(tc_pubkey **keys, int n)
{
    for (int i = 0; keys && i < n; i++)
        tc_pubkey_free(keys[i]);
    free(keys);
}

/* ==================================================== the reconciliation */

int xfer_recon_read(xfer_recon *r, const char *path, tc_err *e)
{
    memset(r, 0, sizeof(*r));
    int rc = xfer_read(&r->doc, path, "tongchou-reconciliation/1", e);
    if (rc)
        return rc;
    r->cutover = json_string_value(json_object_get(r->doc, "cutover"));
    r->mappings = json_string_value(json_object_get(r->doc, "mappings"));
    if (!r->cutover || strlen(r->cutover) != 10 || !r->mappings ||
        !json_is_array(json_object_get(r->doc, "counties"))) {
        xfer_recon_free(r);
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EINPUT, "the reconciliation lacks its cutover, mappings or counties");
    }
    if ((rc = tc_digest_file(TC_DIGEST_SHA256, path, r->digest, e)))
        xfer_recon_free(r);
    return rc;
}

void xfer_recon_free(xfer_recon *r)
{
    json_decref(r->doc);
    r->doc = NULL;
}

json_t *xfer_recon_county(const xfer_recon *r, const char *county)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r->doc, "counties"), i, c) {
        const char *k = json_string_value(json_object_get(c, "county"));
        if (k && strcmp(k, county) == 0)
            return c;
    }
    return NULL;
}

int xfer_yuan(const json_t *o, const char *k, const char *where, tc_fen *out, tc_err *e)
{
    const char *s = json_string_value(json_object_get(o, k));
    if (!s)
        return tc_fail(e, TC_EINPUT, "%s: no amount '%s'", where, k);
    if (tc_money_parse_yuan(s, strlen(s), out, e)) {
        tc_err_prefix(e, "%s: %s: ", where, k);
        return TC_EINPUT;
    }
    return 0;
}

int xfer_fund_figures(const json_t *f, const char *county, xfer_fig *x, tc_err *e)
{
    char where[64];
    const char *fund = json_string_value(json_object_get(f, "fund"));
    snprintf(where, sizeof(where), "county %s fund %s", county, fund ? fund : "?");
    tc_fen arr, sub;
    int rc;
    if ((rc = xfer_yuan(f, "cash", where, &x->cash, e)) ||
        (rc = xfer_yuan(f, "transfer", where, &x->transfer, e)) ||
        (rc = xfer_yuan(f, "ledger_receivables", where, &x->receivables, e)) ||
        (rc = xfer_yuan(f, "ledger_payables", where, &x->payables, e)) ||
        (rc = xfer_yuan(f, "employer_arrears", where, &arr, e)) ||
        (rc = xfer_yuan(f, "subsidy_shortfall", where, &sub, e)) ||
        (rc = xfer_yuan(f, "institution_payables", where, &x->debts, e)))
        return rc;
    if (tc_money_add(arr, sub, &x->claims))
        return tc_fail(e, TC_EINPUT, "%s: claims overflow", where);
    return 0;
}

json_t *xfer_amount(tc_fen v)
{
    char b[TC_MONEY_BUFSZ];
    return json_string(tc_money_format(v, b));
}

int xfer_audit(const tc_transfer_audit *a, const tc_signer *s, const char *const *in, size_t nin,
               const char *const *outp, size_t nout, const char *mappings, const char *totals,
               tc_err *e)
{
    if (!a || a->argc <= 0)
        return 0;
    tc_audit_command c = {.trail = a->trail, .signer = s, .argc = a->argc, .argv = a->argv,
                          .inputs = in, .ninputs = nin, .outputs = outp, .noutputs = nout,
                          .mappings = mappings, .totals = totals};
    int rc = tc_audit_record_command(&c, NULL, e);
    if (rc)
        tc_err_prefix(e, "recording the audit entry: ");
    return rc;
}

int tc_transfer_id(const char *recon_digest, const char *county, const char *fund,
                   tc_fen amount, char out[65], tc_err *e)
{
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "tongchou-transfer/1\n%s\n%s\n%s\n%lld\n", recon_digest,
                     county, fund, (long long)amount);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return tc_fail(e, TC_EINPUT, "transfer id: county or fund code too long");
    char text[TC_DIGEST_TEXT_MAX];
    int rc = tc_digest_buffer(TC_DIGEST_SHA256, buf, (size_t)n, text, e);
    if (!rc)
        snprintf(out, 65, "%s", text + 7); /* after "sha256:" */
    return rc;
}

/* ============================================================== findings */

/* "CODE/FUND/REF" of a finding object into buf. */
static const char *finding_key(const json_t *f, char *buf, size_t n)
{
    const char *c = json_string_value(json_object_get(f, "code"));
    const char *fu = json_string_value(json_object_get(f, "fund"));
    const char *r = json_string_value(json_object_get(f, "ref"));
    snprintf(buf, n, "%s/%s/%s", c ? c : "", fu ? fu : "", r ? r : "");
    return buf;
}

static int is_blocking(const json_t *f)
{
    const char *s = json_string_value(json_object_get(f, "severity"));
    return s && strcmp(s, "blocking") == 0;
}

/* 1 when county c of the reconciliation has a blocking finding keyed k. */
static int has_blocking(const json_t *c, const char *k)
{
    size_t i;
    json_t *f;
    char b[512];
    json_array_foreach(json_object_get(c, "findings"), i, f)
        if (is_blocking(f) && strcmp(finding_key(f, b, sizeof(b)), k) == 0)
            return 1;
    return 0;
}

/* ================================================================= waive */

int tc_transfer_waive(const tc_transfer_waive_opts *o, tc_err *e)
{
    tc_err_clear(e);
    if (!o->reason || !o->reason[0])
        return tc_fail(e, TC_EUSAGE, "a waiver needs a reason");
    if (o->nfindings <= 0)
        return tc_fail(e, TC_EUSAGE, "a waiver names at least one finding");
    xfer_recon r;
    int rc = xfer_recon_read(&r, o->reconciliation, e);
    if (rc)
        return rc;
    tc_signer *s = NULL;
    json_t *doc = NULL;
    const json_t *c = xfer_recon_county(&r, o->county);
    if (!c) {
        rc = tc_fail(e, TC_EINPUT, "county %s is not in the reconciliation", o->county);
        goto out;
    }
    json_t *fs = json_array();
    doc = json_pack("{s:s, s:s, s:s, s:s, s:o}", "format", TC_TRANSFER_WAIVER_FORMAT,
                    "reconciliation", r.digest, "county", o->county, "reason", o->reason,
                    "findings", fs);
    for (int i = 0; i < o->nfindings; i++) {
        if (!has_blocking(c, o->findings[i])) {
            rc = tc_fail(e, TC_EINPUT, "county %s has no blocking finding %s", o->county,
                         o->findings[i]);
            tc_err_hint(e, "name findings as CODE/FUND/REF, as findings.csv lists them");
            goto out;
        }
        json_array_append_new(fs, json_string(o->findings[i]));
    }
    if ((rc = tc_signer_load(&s, o->key, e)) || (rc = xfer_sign(doc, s, "waiver", e)) ||
        (rc = xfer_write(doc, o->out, e)))
        goto out;
    const char *in[] = {o->reconciliation}, *outp[] = {o->out};
    rc = xfer_audit(&o->audit, s, in, 1, outp, 1, r.mappings, NULL, e);
out:
    json_decref(doc);
    tc_signer_free(s);
    xfer_recon_free(&r);
    return rc;
}

/* ================================================================== plan */

/* The waivers, verified, for this reconciliation: an array of documents. */
static int read_waivers(const tc_transfer_plan_opts *o, const xfer_recon *r, json_t *out,
                        tc_err *e)
{
    tc_pubkey **keys = NULL;
    int rc = xfer_load_keys(&keys, o->pubs, o->npubs, e);
    for (int i = 0; !rc && i < o->nwaivers; i++) {
        json_t *w;
        const char *kid;
        if ((rc = xfer_read(&w, o->waivers[i], TC_TRANSFER_WAIVER_FORMAT, e)))
            break;
        const char *wr = json_string_value(json_object_get(w, "reconciliation"));
        const char *wc = json_string_value(json_object_get(w, "county"));
        json_t *c = wc ? xfer_recon_county(r, wc) : NULL;
        if ((rc = xfer_verify(w, o->waivers[i], 0, "waiver", keys, o->npubs, &kid, e)))
            ;
        else if (!wr || strcmp(wr, r->digest) != 0) {
            tc_err_at(e, o->waivers[i], 0, 0);
            rc = tc_fail(e, TC_EINPUT, "the waiver is for another reconciliation (%s)",
                         wr ? wr : "none");
        } else if (!c) {
            tc_err_at(e, o->waivers[i], 0, 0);
            rc = tc_fail(e, TC_EINPUT, "the waiver's county is not in the reconciliation");
        } else {
            size_t j;
            json_t *k;
            json_array_foreach(json_object_get(w, "findings"), j, k) {
                if (!json_is_string(k) || !has_blocking(c, json_string_value(k))) {
                    tc_err_at(e, o->waivers[i], 0, 0);
                    rc = tc_fail(e, TC_EINPUT, "the waiver names %s, which is not a blocking "
                                 "finding of county %s", json_is_string(k) ?
                                 json_string_value(k) : "a non-string", wc);
                    break;
                }
            }
        }
        if (rc)
            json_decref(w);
        else
            json_array_append_new(out, w);
    }
    xfer_free_keys(keys, o->npubs);
    return rc;
}

/* 1 when some waiver for county names finding key k. */
static int waived(const json_t *waivers, const char *county, const char *k)
{
    size_t i, j;
    json_t *w, *f;
    json_array_foreach(waivers, i, w) {
        const char *wc = json_string_value(json_object_get(w, "county"));
        if (!wc || strcmp(wc, county) != 0)
            continue;
        json_array_foreach(json_object_get(w, "findings"), j, f)
            if (strcmp(json_string_value(f), k) == 0)
                return 1;
    }
    return 0;
}

/* The complete batches of county into arr; *n how many.  Each must carry
 * the reconciliation's mapping set and cutover. */
static int county_batches(PGconn *c, const xfer_recon *r, const char *county, json_t *arr,
                          int *n, tc_err *e)
{
    PGresult *res;
    const char *p[] = {county};
    int rc = tc_db_query(c, "SELECT type, id, coalesce(mappings, ''), coalesce(cutover::text, '')"
                            " FROM tongchou.batch WHERE county = $1 AND state = 'complete'"
                            " ORDER BY type, id", 1, p, &res, "reading the loaded batches", e);
    if (rc)
        return rc;
    *n = PQntuples(res);
    for (int i = 0; i < *n && !rc; i++) {
        const char *type = PQgetvalue(res, i, 0), *id = PQgetvalue(res, i, 1);
        if (strcmp(PQgetvalue(res, i, 2), r->mappings) != 0 ||
            strcmp(PQgetvalue(res, i, 3), r->cutover) != 0) {
            rc = tc_fail(e, TC_EINPUT, "the loaded %s batch of county %s (%s) was mapped with "
                         "another mapping set or cutover than the reconciliation", type, county,
                         id);
            tc_err_hint(e, "reconcile the batches that are loaded, or load the reconciled ones");
        } else
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "county", county, "type",
                                                 type, "id", id));
    }
    PQclear(res);
    return rc;
}

/* Plan one county: its transfers, or why it is left out. */
static int plan_county(PGconn *db, const xfer_recon *r, const json_t *c, const json_t *waivers,
                       json_t *plan, tc_transfer_plan_summary *s, tc_err *e)
{
    const char *county = json_string_value(json_object_get(c, "county"));
    if (!county || strlen(county) != 6)
        return tc_fail(e, TC_EINPUT, "a county of the reconciliation has no 6-digit code");
    /* blocking findings not waived */
    json_t *open = json_array();
    int nblock = 0;
    size_t i;
    json_t *f;
    char k[512];
    json_array_foreach(json_object_get(c, "findings"), i, f) {
        if (!is_blocking(f))
            continue;
        nblock++;
        finding_key(f, k, sizeof(k));
        if (!waived(waivers, county, k))
            json_array_append_new(open, json_string(k));
    }
    if (json_array_size(open) > 0) {
        json_array_append_new(json_object_get(plan, "excluded"),
                              json_pack("{s:s, s:s, s:o}", "county", county, "reason",
                                        "blocking findings not waived", "findings", open));
        s->excluded++;
        return 0;
    }
    json_decref(open);
    json_t *batches = json_array();
    int nb, rc = county_batches(db, r, county, batches, &nb, e);
    if (!rc && nb == 0) {
        json_array_append_new(json_object_get(plan, "excluded"),
                              json_pack("{s:s, s:s, s:[]}", "county", county, "reason",
                                        "nothing loaded", "findings"));
        s->excluded++;
        json_decref(batches);
        return 0;
    }
    json_array_extend(json_object_get(plan, "batches"), batches);
    json_decref(batches);
    if (rc)
        return rc;
    if (nblock)
        s->waived++;
    json_array_foreach(json_object_get(c, "funds"), i, f) {
        const char *fund = json_string_value(json_object_get(f, "fund"));
        xfer_fig x;
        if (!fund)
            return tc_fail(e, TC_EINPUT, "county %s: a fund without its code", county);
        if ((rc = xfer_fund_figures(f, county, &x, e)))
            return rc;
        if (x.cash != x.transfer)
            return tc_fail(e, TC_EINPUT, "county %s fund %s: the transfer figure differs from "
                                         "the cash", county, fund);
        if (x.cash < 0)
            return tc_fail(e, TC_EINPUT, "county %s fund %s: the cash is negative", county, fund);
        char id[65];
        if ((rc = tc_transfer_id(r->digest, county, fund, x.cash, id, e)))
            return rc;
        json_array_append_new(json_object_get(plan, "transfers"),
                              json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id", id,
                                        "county", county, "fund", fund, "amount",
                                        xfer_amount(x.cash), "claims", xfer_amount(x.claims),
                                        "debts", xfer_amount(x.debts), "receivables",
                                        xfer_amount(x.receivables), "payables",
                                        xfer_amount(x.payables)));
        s->transfers++;
        if (tc_money_add(s->total, x.cash, &s->total))
            return tc_fail(e, TC_EINPUT, "the total transferred overflows");
    }
    return 0;
}

int tc_transfer_plan(const tc_transfer_plan_opts *o, tc_transfer_plan_summary *s, tc_err *e)
{
    tc_err_clear(e);
    memset(s, 0, sizeof(*s));
    xfer_recon r;
    int rc = xfer_recon_read(&r, o->reconciliation, e);
    if (rc)
        return rc;
    tc_signer *maker = NULL;
    PGconn *db = NULL;
    json_t *waivers = json_array();
    json_t *plan = json_pack("{s:s, s:s, s:s, s:s, s:[], s:[], s:[], s:O}", "format",
                             TC_TRANSFER_PLAN_FORMAT, "reconciliation", r.digest, "mappings",
                             r.mappings, "cutover", r.cutover, "batches", "transfers",
                             "excluded", "waivers", waivers);
    if ((rc = tc_signer_load(&maker, o->key, e)) || (rc = read_waivers(o, &r, waivers, e)) ||
        (rc = tc_db_connect(&db, o->db, e)) || (rc = tc_schema_check(db, e)))
        goto out;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r.doc, "counties"), i, c)
        if ((rc = plan_county(db, &r, c, waivers, plan, s, e)))
            goto out;
    if ((rc = xfer_sign(plan, maker, "maker", e)) || (rc = xfer_write(plan, o->out, e)))
        goto out;
    char tot[96], sum[TC_MONEY_BUFSZ];
    snprintf(tot, sizeof(tot), "{\"transfer\":\"%s\"}", tc_money_format(s->total, sum));
    const char *in[] = {o->reconciliation}, *outp[] = {o->out};
    rc = xfer_audit(&o->audit, maker, in, 1, outp, 1, r.mappings, tot, e);
out:
    PQfinish(db);
    json_decref(plan);
    json_decref(waivers);
    tc_signer_free(maker);
    xfer_recon_free(&r);
    return rc;
}

/* =============================================================== approve */

int tc_transfer_approve(const char *path, const char *key, const char *maker_pub,
                        const tc_transfer_audit *audit, tc_err *e)
{
    tc_err_clear(e);
    json_t *plan;
    int rc = xfer_read(&plan, path, TC_TRANSFER_PLAN_FORMAT, e);
    if (rc)
        return rc;
    tc_signer *checker = NULL;
    tc_pubkey **keys = NULL;
    const char *kid;
    if ((rc = xfer_load_keys(&keys, &maker_pub, 1, e)) ||
        (rc = xfer_verify(plan, path, 0, "maker", keys, 1, &kid, e)) ||
        (rc = tc_signer_load(&checker, key, e)))
        goto out;
    if (json_array_size(json_object_get(plan, "signatures")) != 1) {
        tc_err_at(e, path, 0, 0);
        rc = tc_fail(e, TC_EINTEGRITY, "the plan holds %zu signatures, a plan to approve holds "
                     "the maker's only", json_array_size(json_object_get(plan, "signatures")));
        goto out;
    }
    if (strcmp(tc_signer_id(checker), kid) == 0) {
        tc_err_at(e, path, 0, 0);
        rc = tc_fail(e, TC_EINPUT, "the checker's key %s is the maker's: a plan is approved by "
                     "another person", kid);
        tc_err_hint(e, "approve with the checker's own key");
        goto out;
    }
    if ((rc = xfer_sign(plan, checker, "checker", e)) || (rc = xfer_write(plan, path, e)))
        goto out;
    const char *in[] = {path};
    rc = xfer_audit(audit, checker, in, 1, in, 1,
                    json_string_value(json_object_get(plan, "mappings")), NULL, e);
out:
    xfer_free_keys(keys, 1);
    tc_signer_free(checker);
    json_decref(plan);
    return rc;
}
