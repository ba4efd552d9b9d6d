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
#include "core/jcs.h"
#include "core/jsonfile.h"
#include "core/record.h"
#include "db/db.h"
#include "db/schema.h"
#include "core/policy.h"
#include "transfer/transfer_int.h"

/* ================================================= canonical documents */

char *xfer_body(const json_t *doc)
{
    json_t *c = json_copy((json_t *)doc);
    if (!c)
        return NULL;
    json_object_del(c, "signatures");
    char *s = NULL;
    size_t n;
    tc_err e;
    if (tc_jcs_dump(c, &s, &n, &e))
        s = NULL;   /* a document holds no float and no integer past 2^53 */
    json_decref(c);
    return s;
}

int xfer_read(json_t **out, const char *path, const char *format, tc_err *e)
{
    json_t *d;
    int rc = tc_json_read_file(&d, path, TC_JSON_FILE_MAX, JSON_REJECT_DUPLICATES, e);
    *out = NULL;
    if (rc)
        return rc;
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
    char *text;
    size_t n;
    int rc = tc_jcs_dump(doc, &text, &n, e);
    if (rc)
        return rc;
    tc_atomic *a;
    if (!(rc = tc_atomic_open(&a, path, e))) {
        FILE *f = tc_atomic_file(a);
        fwrite(text, 1, n, f);
        fputc('\n', f);
        rc = tc_atomic_commit(a, e);
    }
    free(text);
    return rc;
}

int xfer_sign(json_t *doc, const tc_signer *s, const char *kind, const char *role, tc_err *e)
{
    char *body = xfer_body(doc);
    if (!body)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    uint8_t sig[TC_SIGN_MAX];
    size_t n;
    int rc = tc_signer_sign_as(s, kind, role, body, strlen(body), sig, &n, e);
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

int xfer_verify_all(const json_t *doc, const char *path, const char *kind, const tc_policy *p,
                    xfer_signers *who, tc_err *e)
{
    memset(who, 0, sizeof(*who));
    json_t *sigs = json_object_get(doc, "signatures");
    if (!json_is_array(sigs) || json_array_size(sigs) == 0) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EINTEGRITY, "the document carries no signature");
    }
    char *body = xfer_body(doc);
    if (!body) {
        /* not out of memory, most likely: a real number or an integer past
         * 2^53 someone put in the file, which has no canonical text */
        char *t = NULL;
        tc_err je;
        tc_err_clear(&je);
        int jr = tc_jcs_dump(doc, &t, NULL, &je);
        free(t);
        if (jr != TC_EUSAGE)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EINPUT, "not a document tongchou writes: %s", je.msg);
    }
    int rc = 0;
    size_t i;
    json_t *sg;
    json_array_foreach(sigs, i, sg) {
        const char *kid = json_string_value(json_object_get(sg, "key"));
        const char *role = json_string_value(json_object_get(sg, "role"));
        const char *b64 = json_string_value(json_object_get(sg, "sig"));
        int r = role ? tc_role_parse(role) : -1;
        if (!kid || !b64 || r < 0) {
            tc_err_at(e, path, 0, 0);
            rc = tc_fail(e, TC_EINTEGRITY, "signature %zu lacks its key, role or signature", i + 1);
            break;
        }
        char doing[96];
        snprintf(doing, sizeof(doing), "%s: signature %zu (as %s)", path, i + 1, role);
        if ((rc = tc_policy_expect(p, kid, (tc_role)r, doing, e)))
            break;
        uint8_t sig[TC_SIGN_MAX + 4];
        long sn = tc_b64_decode(b64, strlen(b64), sig, sizeof(sig));
        if (sn <= 0 || !tc_pubkey_verify_as(tc_policy_key(p, kid, NULL), kind, role, body,
                                            strlen(body), sig, (size_t)sn)) {
            tc_err_at(e, path, 0, 0);
            rc = tc_fail(e, TC_EINTEGRITY, "the %s's signature (key %s) does not verify: the "
                         "document was changed after it was signed, or the signature was made "
                         "for something else", role, kid);
            break;
        }
        for (int k = 0; k < who->n[r]; k++)
            if (strcmp(who->id[r][k], kid) == 0) {
                tc_err_at(e, path, 0, 0);
                rc = tc_fail(e, TC_EINTEGRITY, "key %s signs twice: each signature must be by "
                             "a different person", kid);
                break;
            }
        if (rc)
            break;
        if (who->n[r] < XFER_MAXSIG)
            who->id[r][who->n[r]++] = kid;
    }
    free(body);
    return rc;
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

const char *xfer_pool(const json_t *o)
{
    const char *p = json_string_value(json_object_get(o, "pool"));
    return p ? p : json_string_value(json_object_get(o, "county"));
}

int xfer_is(const json_t *o, const char *county, const char *pool)
{
    const char *c = json_string_value(json_object_get(o, "county")), *p = xfer_pool(o);
    return c && p && county && pool && strcmp(c, county) == 0 && strcmp(p, pool) == 0;
}

json_t *xfer_recon_county(const xfer_recon *r, const char *county, const char *pool)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r->doc, "counties"), i, c)
        if (xfer_is(c, county, pool))
            return c;
    return NULL;
}

int xfer_recon_unit(const xfer_recon *r, const char *county, const char *pool, json_t **out,
                    tc_err *e)
{
    size_t i;
    json_t *c;
    char pools[256] = "";
    int n = 0;
    *out = NULL;
    json_array_foreach(json_object_get(r->doc, "counties"), i, c) {
        const char *k = json_string_value(json_object_get(c, "county"));
        if (!k || strcmp(k, county) != 0 || (pool && strcmp(xfer_pool(c), pool) != 0))
            continue;
        *out = c;
        if (strlen(pools) + 8 < sizeof(pools))
            snprintf(pools + strlen(pools), sizeof(pools) - strlen(pools), "%s%s",
                     n ? ", " : "", xfer_pool(c));
        n++;
    }
    if (n == 1)
        return 0;
    *out = NULL;
    if (n == 0 && pool)
        return tc_fail(e, TC_EINPUT, "pool %s of county %s is not in the reconciliation", pool,
                       county);
    if (n == 0)
        return tc_fail(e, TC_EINPUT, "county %s is not in the reconciliation", county);
    tc_fail(e, TC_EUSAGE, "county %s merges the pools %s: say which", county, pools);
    return tc_err_hint(e, "give --pool POOL");
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

json_t *xfer_shares_json(const xfer_share *s, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "county",
                                           s[i].county, "amount", xfer_amount(s[i].cash),
                                           "receivables", xfer_amount(s[i].receivables),
                                           "payables", xfer_amount(s[i].payables), "claims",
                                           xfer_amount(s[i].claims), "debts",
                                           xfer_amount(s[i].debts)));
    return a;
}

void xfer_unit_counties(const json_t *c, char *out, size_t cap)
{
    const json_t *t;
    size_t i;
    snprintf(out, cap, "{%s", json_string_value(json_object_get(c, "county")));
    json_array_foreach(json_object_get(c, "split"), i, t) {
        const char *to = json_string_value(json_object_get(t, "county"));
        if (to && strlen(to) == 6 && strlen(out) + 8 < cap)
            snprintf(out + strlen(out), cap - strlen(out), ",%s", to);
    }
    snprintf(out + strlen(out), cap - strlen(out), "}");
}

int xfer_split_shares(const json_t *c, const char *fund, const xfer_fig *x, xfer_share *s,
                      tc_err *e)
{
    const json_t *split = json_object_get(c, "split"), *t;
    const char *county = json_string_value(json_object_get(c, "county"));
    size_t i;
    int n = 0;
    if (!split)
        return 0;
    if (!json_is_array(split) || json_array_size(split) < 2 ||
        json_array_size(split) > TC_SPLIT_MAX) {
        tc_fail(e, TC_EINPUT, "county %s: its split names not 2 to %d sub-ledgers", county,
                TC_SPLIT_MAX);
        return -1;
    }
    xfer_fig sum = {0};
    json_array_foreach(split, i, t) {
        const char *to = json_string_value(json_object_get(t, "county"));
        const json_t *f, *fo = NULL;
        size_t k;
        json_array_foreach(json_object_get(t, "funds"), k, f) {
            const char *fc = json_string_value(json_object_get(f, "fund"));
            if (fc && strcmp(fc, fund) == 0)
                fo = f;
        }
        char where[96];
        snprintf(where, sizeof(where), "county %s fund %s, sub-ledger %s", county, fund,
                 to ? to : "?");
        xfer_share *h = &s[n++];
        memset(h, 0, sizeof(*h));
        if (!to || strlen(to) != 6 || !fo) {
            tc_fail(e, TC_EINPUT, "%s: the split has no share of this fund", where);
            return -1;
        }
        snprintf(h->county, sizeof(h->county), "%s", to);
        h->lines = json_object_get(fo, "lines");
        if (xfer_yuan(fo, "cash", where, &h->cash, e) ||
            xfer_yuan(fo, "receivables", where, &h->receivables, e) ||
            xfer_yuan(fo, "payables", where, &h->payables, e) ||
            xfer_yuan(fo, "claims", where, &h->claims, e) ||
            xfer_yuan(fo, "debts", where, &h->debts, e))
            return -1;
        if (tc_money_add(sum.cash, h->cash, &sum.cash) ||
            tc_money_add(sum.receivables, h->receivables, &sum.receivables) ||
            tc_money_add(sum.payables, h->payables, &sum.payables) ||
            tc_money_add(sum.claims, h->claims, &sum.claims) ||
            tc_money_add(sum.debts, h->debts, &sum.debts)) {
            tc_fail(e, TC_EINPUT, "%s: the shares overflow", where);
            return -1;
        }
    }
    if (sum.cash != x->cash || sum.receivables != x->receivables ||
        sum.payables != x->payables || sum.claims != x->claims || sum.debts != x->debts) {
        tc_fail(e, TC_EINPUT, "county %s fund %s: the shares of its split do not add up to the "
                "pool's cash, receivables, payables, claims and debts", county, fund);
        tc_err_hint(e, "fix allocation.csv until reconcile finds no SPLIT_UNALLOCATED");
        return -1;
    }
    return n;
}

json_t *xfer_amount(tc_fen v)
{
    char b[TC_MONEY_BUFSZ];
    return json_string(tc_money_format(v, b));
}

int xfer_audit(const tc_transfer_audit *a, const tc_signer *s, const char *role,
               const char *const *in, size_t nin, const char *const *outp, size_t nout,
               const char *mappings, const char *totals, tc_err *e)
{
    if (!a || a->argc <= 0)
        return 0;
    tc_audit_command c = {.trail = a->trail, .signer = s, .role = role, .argc = a->argc,
                          .argv = a->argv,
                          .inputs = in, .ninputs = nin, .outputs = outp, .noutputs = nout,
                          .mappings = mappings, .totals = totals};
    int rc = tc_audit_record_command(&c, NULL, e);
    if (rc)
        tc_err_prefix(e, "recording the audit entry: ");
    return rc;
}

static int id_of(const char *buf, int n, char out[65], tc_err *e)
{
    if (n < 0 || n >= 512)
        return tc_fail(e, TC_EINPUT, "transfer id: county or fund code too long");
    char text[TC_DIGEST_TEXT_MAX];
    int rc = tc_digest_buffer(TC_DIGEST_SHA256, buf, (size_t)n, text, e);
    if (!rc)
        snprintf(out, 65, "%s", text + 7); /* after "sha256:" */
    return rc;
}

int tc_transfer_correction_id(const char *recon_digest, const char *county, const char *pool,
                              const char *fund, tc_fen cash, tc_fen moved, char out[65],
                              tc_err *e)
{
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "tongchou-correction/1\n%s\n%s\n%s\n%s\n%lld\n%lld\n",
                     recon_digest, county, pool, fund, (long long)cash, (long long)moved);
    return id_of(buf, n, out, e);
}

int tc_transfer_id(const char *recon_digest, const char *county, const char *pool,
                   const char *fund, tc_fen amount, char out[65], tc_err *e)
{
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "tongchou-transfer/2\n%s\n%s\n%s\n%s\n%lld\n",
                     recon_digest, county, pool, fund, (long long)amount);
    return id_of(buf, n, out, e);
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

/* The blocking finding of county object c keyed k, NULL when none. */
static const json_t *blocking_finding(const json_t *c, const char *k)
{
    size_t i;
    json_t *f;
    char b[512];
    json_array_foreach(json_object_get(c, "findings"), i, f)
        if (is_blocking(f) && strcmp(finding_key(f, b, sizeof(b)), k) == 0)
            return f;
    return NULL;
}

/* ================================================================= waive */

int tc_transfer_waive(const tc_transfer_waive_opts *o, tc_err *e)
{
    tc_err_clear(e);
    if (!o->reason || !o->reason[0])
        return tc_fail(e, TC_EUSAGE, "a waiver needs a reason");
    if (o->nfindings <= 0)
        return tc_fail(e, TC_EUSAGE, "a waiver names at least one finding");
    /* the key first: a refused key leaves nothing written */
    tc_signer *s = NULL;
    int rc = tc_signer_load(&s, o->key, e);
    if (!rc)
        rc = tc_policy_expect(o->policy, tc_signer_id(s), TC_ROLE_WAIVER, "signing a waiver", e);
    if (!rc)
        rc = tc_policy_in_force(o->policy, o->audit.trail, s, e);
    if (rc) {
        tc_signer_free(s);
        return rc;
    }
    xfer_recon r;
    if ((rc = xfer_recon_read(&r, o->reconciliation, e))) {
        tc_signer_free(s);
        return rc;
    }
    json_t *doc = NULL, *c = NULL;
    if ((rc = xfer_recon_unit(&r, o->county, o->pool, &c, e)))
        goto out;
    const char *pool = xfer_pool(c);
    json_t *fs = json_array();
    doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "format", TC_TRANSFER_WAIVER_FORMAT,
                    "reconciliation", r.digest, "county", o->county, "pool", pool, "reason",
                    o->reason, "findings", fs);
    for (int i = 0; i < o->nfindings; i++) {
        const json_t *f = blocking_finding(c, o->findings[i]);
        if (!f) {
            rc = tc_fail(e, TC_EINPUT, "county %s has no blocking finding %s", o->county,
                         o->findings[i]);
            tc_err_hint(e, "name findings as CODE/FUND/REF, as findings.csv lists them");
            goto out;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(o->findings[j], o->findings[i]) == 0) {
                rc = tc_fail(e, TC_EUSAGE, "finding %s is named twice", o->findings[i]);
                goto out;
            }
        json_array_append_new(fs, json_pack("{s:s, s:s, s:O, s:O, s:O}", "county", o->county,
                                            "pool", pool, "code", json_object_get(f, "code"),
                                            "fund",
                                            json_object_get(f, "fund"), "ref",
                                            json_object_get(f, "ref")));
    }
    if ((rc = xfer_sign(doc, s, "waiver", "waiver", e)) || (rc = xfer_write(doc, o->out, e)))
        goto out;
    const char *in[] = {o->reconciliation}, *outp[] = {o->out};
    rc = xfer_audit(&o->audit, s, "waiver", in, 1, outp, 1, r.mappings, NULL, e);
out:
    json_decref(doc);
    tc_signer_free(s);
    xfer_recon_free(&r);
    return rc;
}

int tc_transfer_waive_sign(const char *path, const char *key, const tc_policy *p,
                           const tc_transfer_audit *audit, tc_err *e)
{
    tc_err_clear(e);
    tc_signer *s = NULL;
    json_t *w = NULL;
    xfer_signers who;
    int rc = tc_signer_load(&s, key, e);
    if (!rc)
        rc = tc_policy_expect(p, tc_signer_id(s), TC_ROLE_WAIVER, "signing a waiver", e);
    if (!rc)
        rc = tc_policy_in_force(p, audit ? audit->trail : NULL, s, e);
    if (!rc)
        rc = xfer_read(&w, path, TC_TRANSFER_WAIVER_FORMAT, e);
    if (!rc)
        rc = xfer_verify_all(w, path, "waiver", p, &who, e);
    for (int k = 0; !rc && k < who.n[TC_ROLE_WAIVER]; k++)
        if (strcmp(who.id[TC_ROLE_WAIVER][k], tc_signer_id(s)) == 0) {
            tc_err_at(e, path, 0, 0);
            rc = tc_fail(e, TC_EINPUT, "key %s has signed this waiver already", tc_signer_id(s));
        }
    if (!rc && (rc = xfer_sign(w, s, "waiver", "waiver", e)) == 0 &&
        (rc = xfer_write(w, path, e)) == 0) {
        const char *in[] = {path};
        rc = xfer_audit(audit, s, "waiver", in, 1, in, 1, NULL, NULL, e);
    }
    json_decref(w);
    tc_signer_free(s);
    return rc;
}

/* ================================================================ guards */

/*
 * A waiver of the plan, valid under the policy for reconciliation digest:
 * enough distinct waiver authorities' signatures, this reconciliation, a
 * county, and findings that are objects naming that county.  TC_EINTEGRITY
 * saying what is wrong.
 */
static int waiver_valid(const json_t *w, size_t no, const char *plan, const char *digest,
                        const tc_policy *p, tc_err *e)
{
    char where[1200];
    snprintf(where, sizeof(where), "%s: waiver %zu", plan, no + 1);
    const char *fm = json_string_value(json_object_get(w, "format"));
    const char *wr = json_string_value(json_object_get(w, "reconciliation"));
    const char *wc = json_string_value(json_object_get(w, "county"));
    if (!fm || strcmp(fm, TC_TRANSFER_WAIVER_FORMAT) != 0 || !wc)
        return tc_fail(e, TC_EINTEGRITY, "%s is not a %s document", where,
                       TC_TRANSFER_WAIVER_FORMAT);
    if (!wr || strcmp(wr, digest) != 0)
        return tc_fail(e, TC_EINTEGRITY, "%s is for another reconciliation (%s)", where,
                       wr ? wr : "none");
    xfer_signers who;
    int rc = xfer_verify_all(w, where, "waiver", p, &who, e);
    if (rc)
        return rc;
    for (int r = 0; r < TC_NROLES; r++)
        if (r != TC_ROLE_WAIVER && who.n[r])
            return tc_fail(e, TC_EINTEGRITY, "%s is signed by a %s: only waiver authorities "
                           "sign waivers", where, tc_role_name((tc_role)r));
    int need = tc_policy_required(p, TC_ACT_WAIVE);
    if (who.n[TC_ROLE_WAIVER] < need)
        return tc_fail(e, TC_EINTEGRITY, "%s carries %d waiver authorities' signatures; the "
                       "policy needs %d", where, who.n[TC_ROLE_WAIVER], need);
    size_t j;
    json_t *f;
    json_array_foreach(json_object_get(w, "findings"), j, f) {
        if (!json_is_object(f) || !xfer_is(f, wc, xfer_pool(w)) ||
            !json_is_string(json_object_get(f, "code")) ||
            !json_is_string(json_object_get(f, "fund")) ||
            !json_is_string(json_object_get(f, "ref")))
            return tc_fail(e, TC_EINTEGRITY, "%s: finding %zu does not name its county, code, "
                           "fund and ref", where, j + 1);
    }
    return 0;
}

/* 1 when a waiver of waivers for (county, pool) names finding
 * "CODE/FUND/REF" k. */
static int waived(const json_t *waivers, const char *county, const char *pool, const char *k)
{
    size_t i, j;
    json_t *w, *f;
    char b[512];
    json_array_foreach(waivers, i, w) {
        if (!xfer_is(w, county, pool))
            continue;
        json_array_foreach(json_object_get(w, "findings"), j, f)
            if (strcmp(finding_key(f, b, sizeof(b)), k) == 0)
                return 1;
    }
    return 0;
}

/* Looking for the reconcile entry that recorded a reconciliation: its
 * SHA-256 text, and its SM3 text, computed once when an SM2 trail needs it. */
typedef struct recon_search {
    const char *path, *digest;
    char sm3[TC_DIGEST_TEXT_MAX];
} recon_search;

static int on_reconcile(void *arg, const json_t *en)
{
    recon_search *rs = arg;
    const char *cmd = json_string_value(json_object_get(en, "command"));
    size_t i;
    json_t *o;
    if (!cmd || strcmp(cmd, "reconcile") != 0)
        return 0;
    json_array_foreach(json_object_get(en, "outputs"), i, o) {
        const char *d = json_string_value(json_object_get(o, "digest"));
        tc_err ignored;
        if (d && strncmp(d, "sm3:", 4) == 0 && !rs->sm3[0] &&
            tc_digest_file(TC_DIGEST_SM3, rs->path, rs->sm3, &ignored))
            rs->sm3[0] = '\0';
        if (d && (strcmp(d, rs->digest) == 0 || (rs->sm3[0] && strcmp(d, rs->sm3) == 0)))
            return 1;   /* found: stop */
    }
    return 0;
}

/* The trail verifies under the policy and records the reconciliation at
 * recon_path (digest, SHA-256 text) as an output of a reconcile entry. */
static int recorded_reconciliation(const char *trail, const char *recon_path,
                                   const char *digest, const tc_policy *p, tc_err *e)
{
    if (!trail)
        trail = tc_audit_default_path();
    int rc = tc_policy_verify_trail(trail, p, e);
    if (rc)
        return rc;
    recon_search rs = {.path = recon_path, .digest = digest};
    int found = tc_audit_each(trail, on_reconcile, &rs, e);
    if (found < 0)
        return found;
    if (!found) {
        tc_fail(e, TC_EINTEGRITY, "the reconciliation %s (%s) is not one a reconcile entry of "
                "the audit trail %s recorded", recon_path, digest, trail);
        return tc_err_hint(e, "transfer only what `tongchou reconcile` or `tongchou run` "
                              "produced and recorded; an edited reconciliation moves nothing");
    }
    return 0;
}

/* The blocking findings of county, as "CODE/FUND/REF" strings appended to
 * out: from the city database when db (which must hold the reconciliation
 * for the county), else from the reconciliation document r itself. */
static int blocking_keys(PGconn *db, const xfer_recon *r, const char *county, const char *pool,
                         json_t *out, tc_err *e)
{
    if (!db) {
        const json_t *c = xfer_recon_county(r, county, pool);
        if (!c)
            return tc_fail(e, TC_EINTEGRITY, "county %s (pool %s) is not in the reconciliation",
                           county, pool);
        size_t i;
        json_t *f;
        char k[512];
        json_array_foreach(json_object_get(c, "findings"), i, f)
            if (is_blocking(f))
                json_array_append_new(out, json_string(finding_key(f, k, sizeof(k))));
        return 0;
    }
    PGresult *res;
    const char *q[] = {county, r->digest, pool};
    int rc = tc_db_query(db, "SELECT count(*) FROM tongchou.recon_report WHERE county = $1 AND "
                         "report = $2 AND pool = $3", 3, q, &res,
                         "reading the loaded reconciliation", e);
    if (rc)
        return rc;
    int loaded = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!loaded) {
        tc_fail(e, TC_EINTEGRITY, "county %s: the reconciliation the plan names (%s) is not the "
                "one loaded in the city database", county, r->digest);
        return tc_err_hint(e, "load the reconciliation with tongchou load, then plan again");
    }
    if ((rc = tc_db_query(db, "SELECT code || '/' || fund || '/' || ref FROM "
                          "tongchou.recon_finding WHERE county = $1 AND report = $2 AND "
                          "pool = $3 AND severity = 'blocking' ORDER BY no", 3, q, &res,
                          "reading the blocking findings", e)))
        return rc;
    for (int k = 0; k < PQntuples(res); k++)
        json_array_append_new(out, json_string(PQgetvalue(res, k, 0)));
    PQclear(res);
    return 0;
}

static int in_list(const json_t *list, const char *k)
{
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
        if (strcmp(json_string_value(x), k) == 0)
            return 1;
    return 0;
}

int xfer_guard(PGconn *db, const json_t *plan, const char *plan_path, const xfer_recon *r,
               const char *recon_path, const tc_policy *p, const char *trail, tc_err *e)
{
    /* the reconciliation is the one reconcile recorded */
    int rc = recorded_reconciliation(trail, recon_path, r->digest, p, e);
    if (rc)
        return rc;
    /* every waiver in the plan valid under the policy */
    json_t *waivers = json_object_get(plan, "waivers");
    size_t i;
    json_t *w;
    json_array_foreach(waivers, i, w)
        if ((rc = waiver_valid(w, i, plan_path, r->digest, p, e)))
            return rc;
    /* per planned county: its blocking findings (as the database holds
     * them, when there is one) each waived */
    json_t *t;
    const char *last = "", *lastp = "";
    json_array_foreach(json_object_get(plan, "transfers"), i, t) {
        const char *county = json_string_value(json_object_get(t, "county"));
        const char *pool = xfer_pool(t);
        if (!county || !pool || (strcmp(county, last) == 0 && strcmp(pool, lastp) == 0))
            continue;
        last = county;
        lastp = pool;
        json_t *keys = json_array();
        rc = blocking_keys(db, r, county, pool, keys, e);
        size_t k;
        json_t *x;
        json_array_foreach(keys, k, x) {
            if (rc || waived(waivers, county, pool, json_string_value(x)))
                continue;
            tc_err_at(e, plan_path, 0, 0);
            rc = tc_fail(e, TC_EINTEGRITY, "county %s pool %s: blocking finding %s has no valid "
                         "waiver: the pool's money may not move", county, pool,
                         json_string_value(x));
            tc_err_hint(e, "a waiver authority of the policy signs a waiver (tongchou transfer "
                           "waive), and the plan is made again with it");
        }
        json_decref(keys);
        if (rc)
            return rc;
    }
    /* and no waiver names a finding that is not a blocking one */
    json_array_foreach(waivers, i, w) {
        const char *wc = json_string_value(json_object_get(w, "county"));
        json_t *keys = json_array();
        if ((rc = blocking_keys(db, r, wc, xfer_pool(w), keys, e))) {
            json_decref(keys);
            return rc;
        }
        size_t j;
        json_t *f;
        json_array_foreach(json_object_get(w, "findings"), j, f) {
            char k[512];
            if (!rc && !in_list(keys, finding_key(f, k, sizeof(k)))) {
                tc_err_at(e, plan_path, 0, 0);
                rc = tc_fail(e, TC_EINTEGRITY, "waiver %zu names %s, which is not a blocking "
                             "finding of county %s pool %s in the reconciliation", i + 1, k, wc,
                             xfer_pool(w));
            }
        }
        json_decref(keys);
        if (rc)
            return rc;
    }
    return 0;
}

/* ================================================================ verify */

/* Counting the execute entries whose first input is the plan's bytes. */
typedef struct executions {
    const char *plan;
    int n;
    char *first;                    /* the first one's time, 40 bytes */
} executions;

static int on_execute(void *arg, const json_t *en)
{
    executions *x = arg;
    const char *cmd = json_string_value(json_object_get(en, "command"));
    const char *a0 = json_string_value(json_array_get(json_object_get(en, "args"), 0));
    const char *pd = json_string_value(
        json_object_get(json_array_get(json_object_get(en, "inputs"), 0), "digest"));
    if (cmd && strcmp(cmd, "transfer") == 0 && a0 && strcmp(a0, "execute") == 0 && pd &&
        tc_digest_file_is(pd, x->plan)) {
        const char *t = json_string_value(json_object_get(en, "time"));
        if (!x->n++ && t)
            snprintf(x->first, 40, "%s", t);
    }
    return 0;
}

int tc_transfer_verify(const char *plan_path, const char *recon_path, const tc_policy *p,
                       const char *trail, tc_transfer_verify_result *res, tc_err *e)
{
    tc_err_clear(e);
    memset(res, 0, sizeof(*res));
    if (!trail)
        trail = tc_audit_default_path();
    json_t *plan = NULL;
    xfer_recon r = {0};
    xfer_signers who;
    int rc = xfer_read(&plan, plan_path, TC_TRANSFER_PLAN_FORMAT, e);
    if (!rc)
        rc = xfer_plan_signers(plan, plan_path, p, 1, &who, e);
    if (!rc)
        rc = xfer_recon_read(&r, recon_path, e);
    const char *rd = plan ? json_string_value(json_object_get(plan, "reconciliation")) : NULL;
    if (!rc && (!rd || strcmp(rd, r.digest) != 0)) {
        tc_err_at(e, plan_path, 0, 0);
        rc = tc_fail(e, TC_EINTEGRITY, "the plan was made from reconciliation %s, not %s (%s)",
                     rd ? rd : "?", r.digest, recon_path);
    }
    if (!rc)
        rc = xfer_guard(NULL, plan, plan_path, &r, recon_path, p, trail, e);
    /* was it executed?  An execute entry of the trail names this plan */
    if (!rc) {
        executions ex = {.plan = plan_path, .first = res->executed};
        rc = tc_audit_each(trail, on_execute, &ex, e);
        res->executions = ex.n;
    }
    if (!rc) {
        res->transfers = (int)json_array_size(json_object_get(plan, "transfers"));
        res->waivers = (int)json_array_size(json_object_get(plan, "waivers"));
        res->checkers = who.n[TC_ROLE_CHECKER];
    }
    xfer_recon_free(&r);
    json_decref(plan);
    return rc;
}

/* ================================================================== plan */

/* The waivers given, read and checked against the reconciliation file:
 * each for this reconciliation, its county there, every finding a
 * blocking one, none twice.  Signatures are checked by xfer_guard. */
static int read_waivers(const tc_transfer_plan_opts *o, const xfer_recon *r, json_t *out,
                        tc_err *e)
{
    int rc = 0;
    for (int i = 0; !rc && i < o->nwaivers; i++) {
        json_t *w;
        if ((rc = xfer_read(&w, o->waivers[i], TC_TRANSFER_WAIVER_FORMAT, e)))
            break;
        const char *wr = json_string_value(json_object_get(w, "reconciliation"));
        const char *wc = json_string_value(json_object_get(w, "county"));
        const char *wp = xfer_pool(w);
        json_t *c = wc && wp ? xfer_recon_county(r, wc, wp) : NULL;
        if (!wr || strcmp(wr, r->digest) != 0)
            rc = tc_fail(e, TC_EINPUT, "the waiver is for another reconciliation (%s)",
                         wr ? wr : "none");
        else if (!c)
            rc = tc_fail(e, TC_EINPUT, "the waiver's county is not in the reconciliation");
        size_t j;
        json_t *f;
        char k[512], prev[512] = "";
        json_array_foreach(json_object_get(w, "findings"), j, f) {
            if (rc)
                break;
            finding_key(f, k, sizeof(k));
            if (!json_is_object(f) || !blocking_finding(c, k))
                rc = tc_fail(e, TC_EINPUT, "the waiver names %s, which is not a blocking finding "
                             "of county %s", k, wc);
            else if (waived(out, wc, wp, k) || strcmp(prev, k) == 0)
                rc = tc_fail(e, TC_EINPUT, "finding %s of county %s is waived twice", k, wc);
            snprintf(prev, sizeof(prev), "%s", k);
        }
        if (rc) {
            tc_err_at(e, o->waivers[i], 0, 0);
            json_decref(w);
        } else
            json_array_append_new(out, w);
    }
    return rc;
}

/* The complete batches of (county, pool) into arr; *n how many.  Each must
 * carry the reconciliation's mapping set and cutover. */
static int county_batches(PGconn *c, const xfer_recon *r, const json_t *co, const char *county,
                          const char *pool, json_t *arr, int *n, tc_err *e)
{
    PGresult *res;
    char subs[8 * (TC_SPLIT_MAX + 1) + 4];
    xfer_unit_counties(co, subs, sizeof(subs));
    const char *p[] = {subs, pool};
    int rc = tc_db_query(c, "SELECT type, id, coalesce(mappings, ''), coalesce(cutover::text, ''),"
                            " county FROM tongchou.batch WHERE county = ANY($1::text[]) AND"
                            " pool = $2 AND state = 'complete' ORDER BY county, type, id", 2, p,
                         &res, "reading the loaded batches", e);
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
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "county",
                                                 PQgetvalue(res, i, 4), "pool", pool, "type",
                                                 type, "id", id));
    }
    PQclear(res);
    return rc;
}

int xfer_moved_so_far(PGconn *db, const char *county, const char *pool, const char *fund,
                      const char *except, xfer_moved *m, tc_err *e)
{
    /* by pool, whatever sub-ledger it moved into: a pool's money moves once
     * (a region.csv that sends it elsewhere afterwards moves nothing again) */
    (void)county;
    const char *p[] = {pool, fund, except ? except : ""};
    PGresult *r;
    memset(m, 0, sizeof(*m));
    int rc = tc_db_query(
        db,
        "SELECT coalesce(sum(CASE kind WHEN 'refund' THEN -amount ELSE amount END), 0)::text,"
        " coalesce(max(plan) FILTER (WHERE kind = 'transfer'), ''),"
        " (SELECT coalesce(sum(debit - credit), 0)::text FROM tongchou.posting p"
        "   JOIN tongchou.transfer t USING (county, plan, fund)"
        "   WHERE p.pool = $1 AND p.fund = $2 AND p.plan <> $3"
        "   AND t.state = 'executed' AND ledger = 'city' AND account LIKE 'claims/%'),"
        " (SELECT coalesce(sum(credit - debit), 0)::text FROM tongchou.posting p"
        "   JOIN tongchou.transfer t USING (county, plan, fund)"
        "   WHERE p.pool = $1 AND p.fund = $2 AND p.plan <> $3"
        "   AND t.state = 'executed' AND ledger = 'city' AND account LIKE 'debts/%')"
        " FROM tongchou.transfer WHERE pool = $1 AND fund = $2 AND plan <> $3"
        " AND state = 'executed'",
        3, p, &r, "reading what was transferred", e);
    if (rc)
        return rc;
    m->cash = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(m->original, sizeof(m->original), "%s", PQgetvalue(r, 0, 1));
    m->claims = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
    m->debts = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
    PQclear(r);
    return 0;
}

const char *xfer_correction_kind(tc_fen d)
{
    return d > 0 ? "top-up" : d < 0 ? "refund" : "amend";
}

/*
 * The line of a fund whose money moved already: a correcting transfer of
 * the difference between the reconciled cash and what moved (top-up when
 * the pool owes more, refund when it moved too much, amend when only the
 * claims or debts carried over changed), or nothing when nothing differs
 * (*line NULL).
 */
static int correction_line(const xfer_moved *m, const xfer_fig *x, const char *recon,
                           const char *county, const char *pool, const char *fund,
                           json_t **line, tc_err *e)
{
    tc_fen d;
    char id[65];
    *line = NULL;
    if (tc_money_sub(x->cash, m->cash, &d))
        return tc_fail(e, TC_EINPUT, "county %s fund %s: the correction overflows", county, fund);
    if (d == 0 && x->claims == m->claims && x->debts == m->debts)
        return 0;
    const char *kind = xfer_correction_kind(d);
    int rc = tc_transfer_correction_id(recon, county, pool, fund, x->cash, m->cash, id, e);
    if (rc)
        return rc;
    *line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                      "id", id, "county", county, "pool", pool, "fund", fund, "kind", kind,
                      "corrects", m->original, "amount", xfer_amount(d < 0 ? -d : d), "cash",
                      xfer_amount(x->cash), "moved", xfer_amount(m->cash), "claims",
                      xfer_amount(x->claims), "debts", xfer_amount(x->debts), "receivables",
                      xfer_amount(x->receivables), "payables", xfer_amount(x->payables));
    return *line ? 0 : tc_fail(e, TC_ENOMEM, "out of memory");
}

/* Plan one county: its transfers, or why it is left out. */
static int plan_county(PGconn *db, const xfer_recon *r, const json_t *c, const json_t *waivers,
                       json_t *plan, tc_transfer_plan_summary *s, tc_err *e)
{
    const char *county = json_string_value(json_object_get(c, "county"));
    const char *pool = xfer_pool(c);
    if (!county || strlen(county) != 6 || strlen(pool) != 6)
        return tc_fail(e, TC_EINPUT, "a county of the reconciliation has no 6-digit code or pool");
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
        if (!waived(waivers, county, pool, k))
            json_array_append_new(open, json_string(k));
    }
    if (json_array_size(open) > 0) {
        json_array_append_new(json_object_get(plan, "excluded"),
                              json_pack("{s:s, s:s, s:s, s:o}", "county", county, "pool", pool,
                                        "reason", "blocking findings not waived", "findings",
                                        open));
        s->excluded++;
        return 0;
    }
    json_decref(open);
    json_t *batches = json_array();
    int nb, rc = county_batches(db, r, c, county, pool, batches, &nb, e);
    if (!rc && nb == 0) {
        json_array_append_new(json_object_get(plan, "excluded"),
                              json_pack("{s:s, s:s, s:s, s:[]}", "county", county, "pool", pool,
                                        "reason", "nothing loaded", "findings"));
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
        if (json_is_false(json_object_get(f, "handed_over"))) {
            /* a part handover: reconciled, reported, never transferred */
            json_array_append_new(json_object_get(plan, "excluded"),
                                  json_pack("{s:s, s:s, s:s, s:s, s:[]}", "county", county,
                                            "pool", pool, "fund", fund, "reason",
                                            "not handed over (a part handover keeps it)",
                                            "findings"));
            s->kept++;
            continue;
        }
        if (x.cash != x.transfer)
            return tc_fail(e, TC_EINPUT, "county %s fund %s: the transfer figure differs from "
                                         "the cash", county, fund);
        if (x.cash < 0)
            return tc_fail(e, TC_EINPUT, "county %s fund %s: the cash is negative", county, fund);
        char id[65];
        if ((rc = tc_transfer_id(r->digest, county, pool, fund, x.cash, id, e)))
            return rc;
        /* moved already: nothing, or a correcting transfer of the difference */
        xfer_moved m;
        if ((rc = xfer_moved_so_far(db, county, pool, fund, NULL, &m, e)))
            return rc;
        /* a fund handed over at its own cutover: its line says so, and
         * execute takes the balances there */
        json_t *cut = json_object_get(f, "cutover");
        int64_t d;
        if (cut && (!json_is_string(cut) ||
                    tc_date_parse(json_string_value(cut), json_string_length(cut), &d)))
            return tc_fail(e, TC_EINPUT, "county %s fund %s: its cutover is not a date "
                           "YYYY-MM-DD", county, fund);
        xfer_share sh[TC_SPLIT_MAX];
        tc_err se;
        int nsh = xfer_split_shares(c, fund, &x, sh, &se);
        if (nsh < 0 || (nsh > 0 && m.original[0])) {
            /* a split whose allocation does not add up moves nothing, waived
             * or not; nor is a split pool's correction planned here */
            json_array_append_new(json_object_get(plan, "excluded"),
                                  json_pack("{s:s, s:s, s:s, s:s, s:[]}", "county", county,
                                            "pool", pool, "fund", fund, "reason",
                                            nsh < 0 ? se.msg
                                                    : "a split pool moved already: its "
                                                      "correction is not planned by tongchou",
                                            "findings"));
            s->excluded++;
            continue;
        }
        if (m.original[0]) {
            json_t *line;
            if ((rc = correction_line(&m, &x, r->digest, county, pool, fund, &line, e)))
                return rc;
            if (!line) {
                s->already++;
                continue;
            }
            if (cut)
                json_object_set(line, "cutover", cut);
            json_array_append_new(json_object_get(plan, "transfers"), line);
            s->transfers++;
            s->corrections++;
            continue;
        }
        json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id", id,
                                 "county", county, "pool", pool, "fund", fund, "amount",
                                 xfer_amount(x.cash), "claims", xfer_amount(x.claims), "debts",
                                 xfer_amount(x.debts), "receivables", xfer_amount(x.receivables),
                                 "payables", xfer_amount(x.payables));
        if (!line)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        if (cut)
            json_object_set(line, "cutover", cut);
        if (nsh > 0)
            json_object_set_new(line, "split", xfer_shares_json(sh, nsh));
        json_array_append_new(json_object_get(plan, "transfers"), line);
        s->transfers++;
        if (tc_money_add(s->total, x.cash, &s->total))
            return tc_fail(e, TC_EINPUT, "the total transferred overflows");
    }
    return 0;
}

const char *tc_transfer_left_out_text(const tc_transfer_left_out *x, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "%s%s: %s", x->fund ? "fund " : "every fund",
                                x->fund ? x->fund : "", x->reason);
    for (int i = 0; i < x->nfindings && i < 5 && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : ": ", x->findings[i]);
    if (x->nfindings > 5 && k < n)
        snprintf(buf + k, n - k, ", and %d more", x->nfindings - 5);
    return buf;
}

/* Tell o->on_left_out of every pool and fund the plan leaves out. */
static void tell_left_out(const tc_transfer_plan_opts *o, const json_t *plan)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(plan, "excluded"), i, x) {
        json_t *fs = json_object_get(x, "findings");
        const char *f[64];
        int nf = 0;
        for (size_t k = 0; k < json_array_size(fs) && nf < 64; k++)
            if (json_is_string(json_array_get(fs, k)))
                f[nf++] = json_string_value(json_array_get(fs, k));
        tc_transfer_left_out lo = {json_string_value(json_object_get(x, "county")),
                                   json_string_value(json_object_get(x, "pool")),
                                   json_string_value(json_object_get(x, "fund")),
                                   json_string_value(json_object_get(x, "reason")), f, nf};
        if (lo.county && lo.pool && lo.reason)
            o->on_left_out(o->arg, &lo);
    }
}

int tc_transfer_plan(const tc_transfer_plan_opts *o, tc_transfer_plan_summary *s, tc_err *e)
{
    tc_err_clear(e);
    memset(s, 0, sizeof(*s));
    /* the maker's key first: a refused key leaves nothing written */
    tc_signer *maker = NULL;
    int rc = tc_signer_load(&maker, o->key, e);
    if (!rc)
        rc = tc_policy_expect(o->policy, tc_signer_id(maker), TC_ROLE_MAKER, "making the plan",
                              e);
    if (!rc)
        rc = tc_policy_in_force(o->policy, o->audit.trail, maker, e);
    if (rc) {
        tc_signer_free(maker);
        return rc;
    }
    xfer_recon r;
    if ((rc = xfer_recon_read(&r, o->reconciliation, e))) {
        tc_signer_free(maker);
        return rc;
    }
    PGconn *db = NULL;
    json_t *waivers = json_array();
    json_t *plan = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[], s:[], s:[], s:O}", "format",
                             TC_TRANSFER_PLAN_FORMAT, "reconciliation", r.digest, "mappings",
                             r.mappings, "cutover", r.cutover, "policy",
                             tc_policy_digest(o->policy), "batches", "transfers", "excluded",
                             "waivers", waivers);
    if ((rc = read_waivers(o, &r, waivers, e)) || (rc = tc_db_connect(&db, o->db, e)) ||
        (rc = tc_schema_check(db, e)))
        goto out;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r.doc, "counties"), i, c)
        if ((rc = plan_county(db, &r, c, waivers, plan, s, e)))
            goto out;
    /* what execute will check, checked now: nothing rests on a
     * reconciliation other than the recorded and loaded one */
    if ((rc = xfer_guard(db, plan, o->out, &r, o->reconciliation, o->policy, o->audit.trail, e)))
        goto out;
    if ((rc = xfer_sign(plan, maker, "transfer-plan", "maker", e)) ||
        (rc = xfer_write(plan, o->out, e)))
        goto out;
    char tot[96], sum[TC_MONEY_BUFSZ];
    snprintf(tot, sizeof(tot), "{\"transfer\":\"%s\"}", tc_money_format(s->total, sum));
    const char *in[] = {o->reconciliation}, *outp[] = {o->out};
    rc = xfer_audit(&o->audit, maker, "maker", in, 1, outp, 1, r.mappings, tot, e);
    if (!rc && o->on_left_out)
        tell_left_out(o, plan);
out:
    PQfinish(db);
    json_decref(plan);
    json_decref(waivers);
    tc_signer_free(maker);
    xfer_recon_free(&r);
    return rc;
}

/* =============================================================== approve */

int xfer_plan_signers(const json_t *plan, const char *path, const tc_policy *p, int approved,
                      xfer_signers *who, tc_err *e)
{
    int rc = xfer_verify_all(plan, path, "transfer-plan", p, who, e);
    if (rc)
        return rc;
    json_t *first = json_array_get(json_object_get(plan, "signatures"), 0);
    const char *r0 = json_string_value(json_object_get(first, "role"));
    if (!r0 || strcmp(r0, "maker") != 0 || who->n[TC_ROLE_MAKER] != 1)
        rc = tc_fail(e, TC_EINTEGRITY, "a plan carries its maker's signature first and one "
                     "maker's only");
    for (int r = TC_ROLE_WAIVER; r < TC_NROLES && !rc; r++)
        if (who->n[r])
            rc = tc_fail(e, TC_EINTEGRITY, "the plan is signed by a %s: plans are signed by a "
                         "maker and checkers only", tc_role_name((tc_role)r));
    int need = tc_policy_required(p, TC_ACT_APPROVE);
    if (!rc && approved && who->n[TC_ROLE_CHECKER] < need) {
        rc = tc_fail(e, TC_EINTEGRITY, "the plan is not approved: %d checker's signatures of "
                     "the %d the policy needs", who->n[TC_ROLE_CHECKER], need);
        tc_err_hint(e, "tongchou transfer approve PLAN -r REC -k CHECKER.key");
    }
    if (rc)
        tc_err_at(e, path, 0, 0);
    return rc;
}

/* What the plan moves: its transfers, its corrections, the others' total. */
static int plan_counts(const json_t *plan, const char *path, tc_transfer_approve_summary *s,
                       tc_err *e)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(plan, "transfers"), i, t) {
        s->transfers++;
        if (json_object_get(t, "corrects")) {
            s->corrections++;
            continue;
        }
        tc_fen a;
        int rc = xfer_yuan(t, "amount", path, &a, e);
        if (rc)
            return rc;
        if (tc_money_add(s->total, a, &s->total))
            return tc_fail(e, TC_EINPUT, "%s: the total transferred overflows", path);
    }
    return 0;
}

int tc_transfer_approve(const tc_transfer_approve_opts *o, tc_transfer_approve_summary *s,
                        tc_err *e)
{
    tc_err_clear(e);
    tc_transfer_approve_summary none;
    if (!s)
        s = &none;
    memset(s, 0, sizeof(*s));
    tc_signer *checker = NULL;
    json_t *plan = NULL;
    PGconn *db = NULL;
    xfer_recon r = {0};
    xfer_signers who;
    /* the checker's key first: a refused key leaves nothing written */
    int rc = tc_signer_load(&checker, o->key, e);
    if (!rc)
        rc = tc_policy_expect(o->policy, tc_signer_id(checker), TC_ROLE_CHECKER,
                              "approving the plan", e);
    if (!rc)
        rc = tc_policy_in_force(o->policy, o->audit.trail, checker, e);
    if (!rc)
        rc = xfer_read(&plan, o->plan, TC_TRANSFER_PLAN_FORMAT, e);
    if (!rc)
        rc = xfer_plan_signers(plan, o->plan, o->policy, 0, &who, e);
    if (rc)
        goto out;
    for (int k = 0; k < who.n[TC_ROLE_CHECKER]; k++)
        if (strcmp(who.id[TC_ROLE_CHECKER][k], tc_signer_id(checker)) == 0) {
            tc_err_at(e, o->plan, 0, 0);
            rc = tc_fail(e, TC_EINTEGRITY, "key %s has approved this plan already",
                         tc_signer_id(checker));
            goto out;
        }
    if (who.n[TC_ROLE_CHECKER] >= tc_policy_required(o->policy, TC_ACT_APPROVE)) {
        tc_err_at(e, o->plan, 0, 0);
        rc = tc_fail(e, TC_EINTEGRITY, "the plan holds the %d approvals the policy needs already",
                     who.n[TC_ROLE_CHECKER]);
        goto out;
    }
    const char *rd = json_string_value(json_object_get(plan, "reconciliation"));
    const char *pd = json_string_value(json_object_get(plan, "policy"));
    if (!pd || strcmp(pd, tc_policy_digest(o->policy)) != 0) {
        tc_err_at(e, o->plan, 0, 0);
        rc = tc_fail(e, TC_EINTEGRITY, "the plan was made under key policy %s, not under %s",
                     pd ? pd : "?", tc_policy_digest(o->policy));
        goto out;
    }
    if ((rc = xfer_recon_read(&r, o->reconciliation, e)))
        goto out;
    if (!rd || strcmp(rd, r.digest) != 0) {
        tc_err_at(e, o->plan, 0, 0);
        rc = tc_fail(e, TC_EINTEGRITY, "the plan was made from reconciliation %s, not %s (%s)",
                     rd ? rd : "?", r.digest, o->reconciliation);
        goto out;
    }
    if ((rc = tc_db_connect(&db, o->db, e)) || (rc = tc_schema_check(db, e)) ||
        (rc = xfer_guard(db, plan, o->plan, &r, o->reconciliation, o->policy, o->audit.trail,
                         e)))
        goto out;
    if ((rc = plan_counts(plan, o->plan, s, e)) ||
        (rc = xfer_sign(plan, checker, "transfer-plan", "checker", e)) ||
        (rc = xfer_write(plan, o->plan, e)))
        goto out;
    const char *in[] = {o->plan};
    rc = xfer_audit(&o->audit, checker, "checker", in, 1, in, 1,
                    json_string_value(json_object_get(plan, "mappings")), NULL, e);
    if (!rc) {
        s->approvals = who.n[TC_ROLE_CHECKER] + 1;
        s->needed = tc_policy_required(o->policy, TC_ACT_APPROVE);
        snprintf(s->checker, sizeof(s->checker), "%s", tc_signer_id(checker));
    }
out:
    PQfinish(db);
    xfer_recon_free(&r);
    tc_signer_free(checker);
    json_decref(plan);
    return rc;
}
