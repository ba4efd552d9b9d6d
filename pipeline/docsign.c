/*
 * docsign.c - the parties' signatures of the certificates (docsign.h).
 *
 * The trail is read once into two small lists - the certificates the
 * documents entries recorded (county, digest, the digests of the files
 * that carry it) and the party signature entries - which grow with the
 * counties and the parties, never with the records.  Whether a signature
 * counts is decided in one place, tally(), for the sign command, for
 * verify and for status alike.
 */
#include "pipeline/docsign.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/audit.h"

typedef struct rcert {
    char county[7];
    char digest[TC_DIGEST_TEXT_MAX];
    long long seq;                  /* the last documents entry recording it */
    char (*files)[TC_DIGEST_TEXT_MAX];      /* digests of the files carrying it */
    size_t nfiles;
} rcert;

typedef struct rsig {
    long long seq;
    char key[TC_KEYID_MAX];
    char county[7];
    char digest[TC_DIGEST_TEXT_MAX];
    char party[TC_PARTY_NAME_MAX + 1];
    char time[32];
} rsig;

struct tc_docsign_trail {
    rcert *c;
    size_t nc;
    rsig *s;
    size_t ns;
    int nomem;
};

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* ------------------------------------------------------------ reading */

static rcert *cert_of(tc_docsign_trail *t, const char *county, const char *digest)
{
    for (size_t i = 0; i < t->nc; i++)
        if (strcmp(t->c[i].digest, digest) == 0 && strcmp(t->c[i].county, county) == 0)
            return &t->c[i];
    rcert *v = realloc(t->c, (t->nc + 1) * sizeof(*v));
    if (!v)
        return NULL;
    t->c = v;
    rcert *c = &v[t->nc++];
    memset(c, 0, sizeof(*c));
    snprintf(c->county, sizeof(c->county), "%s", county);
    snprintf(c->digest, sizeof(c->digest), "%s", digest);
    return c;
}

static int add_file(rcert *c, const char *digest)
{
    for (size_t i = 0; i < c->nfiles; i++)
        if (strcmp(c->files[i], digest) == 0)
            return 0;
    char (*v)[TC_DIGEST_TEXT_MAX] = realloc(c->files, (c->nfiles + 1) * sizeof(*v));
    if (!v)
        return -1;
    c->files = v;
    snprintf(v[c->nfiles++], TC_DIGEST_TEXT_MAX, "%s", digest);
    return 0;
}

/* A documents entry: each certificate of its totals, with the digests its
 * outputs give the files it names. */
static void read_documents(tc_docsign_trail *t, const json_t *j, long long seq)
{
    const json_t *list = json_object_get(json_object_get(j, "totals"), "certificates");
    const json_t *outs = json_object_get(j, "outputs");
    size_t i, k, m;
    json_t *c, *f, *o;
    json_array_foreach(list, i, c) {
        const char *county = str(c, "county"), *digest = str(c, "digest");
        if (strlen(county) != 6 || strncmp(digest, "sha256:", 7) != 0 ||
            strlen(digest) != 71)
            continue;
        rcert *r = cert_of(t, county, digest);
        if (!r) {
            t->nomem = 1;
            return;
        }
        r->seq = seq;
        json_array_foreach(json_object_get(c, "files"), k, f) {
            json_array_foreach(outs, m, o) {
                const char *d = str(o, "digest");
                if (json_is_string(f) && strcmp(str(o, "file"), json_string_value(f)) == 0 &&
                    d[0] && add_file(r, d))
                    t->nomem = 1;
            }
        }
    }
}

static void read_signature(tc_docsign_trail *t, const json_t *j, long long seq)
{
    const json_t *tot = json_object_get(j, "totals");
    rsig s = {.seq = seq};
    if (snprintf(s.key, sizeof(s.key), "%s", str(j, "key")) >= (int)sizeof(s.key) ||
        snprintf(s.county, sizeof(s.county), "%s", str(tot, "county")) >= (int)sizeof(s.county) ||
        snprintf(s.digest, sizeof(s.digest), "%s", str(tot, "certificate")) >=
            (int)sizeof(s.digest) ||
        snprintf(s.party, sizeof(s.party), "%s", str(tot, "party")) >= (int)sizeof(s.party))
        return;   /* no field of ours is that long: nothing a party signed */
    snprintf(s.time, sizeof(s.time), "%s", str(j, "time"));
    rsig *v = realloc(t->s, (t->ns + 1) * sizeof(*v));
    if (!v) {
        t->nomem = 1;
        return;
    }
    t->s = v;
    v[t->ns++] = s;
}

static int read_entry(void *arg, const json_t *j)
{
    tc_docsign_trail *t = arg;
    if (strcmp(str(j, "command"), "documents") != 0)
        return 0;
    long long seq = json_integer_value(json_object_get(j, "seq"));
    const json_t *tot = json_object_get(j, "totals");
    if (strcmp(str(j, "role"), "party") == 0 && json_is_string(json_object_get(tot, "certificate")))
        read_signature(t, j, seq);
    else if (json_is_array(json_object_get(tot, "certificates")))
        read_documents(t, j, seq);
    return t->nomem ? -1 : 0;
}

int tc_docsign_read(tc_docsign_trail **out, const char *path, tc_err *e)
{
    *out = NULL;
    tc_docsign_trail *t = calloc(1, sizeof(*t));
    if (!t)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = tc_audit_each(path ? path : tc_audit_default_path(), read_entry, t, e);
    if (t->nomem)
        rc = tc_fail(e, TC_ENOMEM, "out of memory reading the certificates of the trail");
    if (rc) {
        tc_docsign_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void tc_docsign_free(tc_docsign_trail *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nc; i++)
        free(t->c[i].files);
    free(t->c);
    free(t->s);
    free(t);
}

size_t tc_docsign_count(const tc_docsign_trail *t) { return t ? t->nc : 0; }

/* ---------------------------------------------------------- counting */

static void say(tc_docsign_problem_fn problem, void *arg, int *bad, long long seq,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void say(tc_docsign_problem_fn problem, void *arg, int *bad, long long seq,
                const char *fmt, ...)
{
    char b[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    if (bad)
        (*bad)++;
    if (problem)
        problem(arg, seq, b);
}

/* The signatures of r under p into c: the one rule of what counts. */
static void tally(const tc_docsign_trail *t, const tc_policy *p, const rcert *r,
                  tc_docsign_cert *c, tc_docsign_problem_fn problem, void *arg, int *bad)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->county, sizeof(c->county), "%s", r->county);
    snprintf(c->digest, sizeof(c->digest), "%s", r->digest);
    c->seq = r->seq;
    int need = tc_policy_required(p, TC_ACT_DOCUMENT);
    for (size_t i = 0; i < tc_policy_parties(p) && i < TC_POLICY_MAX_PARTIES; i++) {
        tc_docsign_party *q = &c->parties[c->nparties++];
        q->name = tc_policy_party(p, i);
        q->need = need;
        q->keys = (int)tc_policy_party_keys(p, q->name, r->county, NULL, 0);
    }
    for (size_t i = 0; i < t->ns; i++) {
        const rsig *s = &t->s[i];
        if (strcmp(s->digest, r->digest) != 0)
            continue;
        const char *kc = NULL, *kp = tc_policy_key_party(p, s->key, &kc);
        if (strcmp(s->county, r->county) != 0) {
            say(problem, arg, bad, s->seq, "entry %lld signs certificate %s as county %s's, but "
                "it is county %s's: not counted", s->seq, r->digest, s->county, r->county);
            continue;
        }
        if (!kp) {
            say(problem, arg, bad, s->seq, "entry %lld signs certificate %s as %s with key %s, "
                "which the policy lists for no party: not counted", s->seq, r->digest,
                s->party, s->key);
            continue;
        }
        if (strcmp(kp, s->party) != 0) {
            say(problem, arg, bad, s->seq, "entry %lld signs certificate %s as %s with key %s, "
                "which is %s's: not counted", s->seq, r->digest, s->party, s->key, kp);
            continue;
        }
        if (kc[0] && strcmp(kc, r->county) != 0) {
            say(problem, arg, bad, s->seq, "entry %lld signs county %s's certificate %s as %s "
                "with the key of county %s's %s: not counted", s->seq, r->county, r->digest,
                s->party, kc, kp);
            continue;
        }
        tc_docsign_party *q = NULL;
        for (int k = 0; k < c->nparties; k++)
            if (strcmp(c->parties[k].name, kp) == 0)
                q = &c->parties[k];
        int again = 0;
        for (int k = 0; q && k < q->have; k++)
            again |= strcmp(q->key[k], s->key) == 0;
        if (!q || again || q->have >= q->need || q->have >= TC_DOCSIGN_MAX_SIGS)
            continue;   /* the same key twice, or more than needed: counted once */
        q->seq[q->have] = s->seq;
        snprintf(q->key[q->have], TC_KEYID_MAX, "%s", s->key);
        snprintf(q->time[q->have], sizeof(q->time[0]), "%s", s->time);
        q->have++;
    }
    for (int k = 0; k < c->nparties; k++)
        c->signed_parties += c->parties[k].have >= c->parties[k].need;
    c->complete = c->nparties > 0 && c->signed_parties == c->nparties;
}

const char *tc_docsign_missing(const tc_docsign_cert *c, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->nparties && k < n; i++)
        if (c->parties[i].have < c->parties[i].need)
            k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? ", " : "", c->parties[i].name);
    if (c->nparties == 0)
        snprintf(buf, n, "the policy names no party");
    return buf;
}

/* "sha256:" and 64 lowercase hex digits. */
static int is_digest(const char *s)
{
    if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
        return 0;
    return strspn(s + 7, "0123456789abcdef") == 64;
}

int tc_docsign_find(const tc_docsign_trail *t, const tc_policy *p, const char *what,
                    tc_docsign_cert *c, tc_docsign_problem_fn problem, void *arg, int *bad,
                    tc_err *e)
{
    const rcert *r = NULL;
    if (is_digest(what)) {
        for (size_t i = 0; i < t->nc; i++)
            if (strcmp(t->c[i].digest, what) == 0)
                r = &t->c[i];
        if (!r) {
            tc_fail(e, TC_EINTEGRITY, "certificate %s: no documents entry of the audit trail "
                    "recorded it", what);
            return tc_err_hint(e, "check the digest printed on the certificate, and name the "
                                  "trail `tongchou documents` recorded it in (--trail)");
        }
    } else {
        char d[2][TC_DIGEST_TEXT_MAX];
        struct stat sb;
        int gone = stat(what, &sb) != 0, err = errno;
        if (gone || !S_ISREG(sb.st_mode)) {
            /* a certificate named wrongly is bad input, as any input not there */
            tc_err_at(e, what, 0, 0);
            tc_fail(e, TC_EINPUT, "cannot read the certificate: %s",
                    gone ? strerror(err) : "not a file");
            return tc_err_hint(e, "name the certificate's PDF or workbook, or the digest "
                                  "printed on it (sha256:...)");
        }
        int rc = tc_digest_file(TC_DIGEST_SHA256, what, d[0], e);
        if (!rc)
            rc = tc_digest_file(TC_DIGEST_SM3, what, d[1], e);
        if (rc)
            return rc;
        for (size_t i = 0; i < t->nc; i++)
            for (size_t k = 0; k < t->c[i].nfiles; k++)
                if (strcmp(t->c[i].files[k], d[0]) == 0 || strcmp(t->c[i].files[k], d[1]) == 0)
                    r = &t->c[i];   /* the last: a certificate made again */
        if (!r) {
            tc_err_at(e, what, 0, 0);
            tc_fail(e, TC_EINTEGRITY, "not a certificate a documents entry of the audit trail "
                    "recorded: no PDF or workbook it wrote has these bytes (%s)", d[0]);
            return tc_err_hint(e, "the file was changed after it was made, or made by no "
                                  "recorded run; check it against the printed digest");
        }
    }
    tally(t, p, r, c, problem, arg, bad);
    if (!is_digest(what))
        snprintf(c->file, sizeof(c->file), "%s", what);
    return 0;
}

int tc_docsign_latest(const tc_docsign_trail *t, const tc_policy *p, tc_docsign_cert **out,
                      size_t *n, tc_err *e)
{
    *out = NULL;
    *n = 0;
    tc_docsign_cert *v = calloc(t->nc ? t->nc : 1, sizeof(*v));
    if (!v)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < t->nc; i++) {
        size_t at = 0;
        while (at < k && strcmp(v[at].county, t->c[i].county) != 0)
            at++;
        if (at < k && v[at].seq > t->c[i].seq)
            continue;   /* a later certificate of the county is recorded already */
        tally(t, p, &t->c[i], &v[at], NULL, NULL, NULL);
        if (at == k)
            k++;
    }
    *out = v;
    *n = k;
    return 0;
}

/* ------------------------------------------------------------ signing */

int tc_docsign_sign(const tc_docsign_opts *o, tc_docsign_cert *after, long long *seq,
                    tc_err *e)
{
    tc_err_clear(e);
    const tc_policy *p = o->policy;
    const char *id = tc_signer_id(o->signer), *trail = o->trail ? o->trail
                                                                : tc_audit_default_path();
    char doing[200];
    snprintf(doing, sizeof(doing), "signing the certificate as %s", o->party);
    /* the key first: whose is it, and does it sign as itself */
    int known = 0;
    for (size_t i = 0; i < tc_policy_parties(p); i++)
        known |= strcmp(tc_policy_party(p, i), o->party) == 0;
    if (!known) {
        char list[TC_POLICY_MAX_PARTIES * (TC_PARTY_NAME_MAX + 2)] = "";
        for (size_t i = 0, k = 0; i < tc_policy_parties(p); i++)
            k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s", i ? ", " : "",
                                  tc_policy_party(p, i));
        tc_fail(e, TC_EINTEGRITY, "%s: the policy %s names no party %s", doing,
                tc_policy_path(p), o->party);
        return tc_err_hint(e, "its parties are: %s", list[0] ? list : "none ([party NAME] "
                           "sections, docs/policy.md)");
    }
    int rc = tc_policy_expect(p, id, TC_ROLE_PARTY, doing, e);
    if (rc)
        return rc;
    const char *kc = NULL, *kp = tc_policy_key_party(p, id, &kc);
    if (!kp || strcmp(kp, o->party) != 0) {
        tc_fail(e, TC_EINTEGRITY, "%s: key %s is %s's key in the policy, not %s's", doing, id,
                kp ? kp : "no party", o->party);
        return tc_err_hint(e, "a party signs as itself, with its own key");
    }
    /* the policy in force, the trail whole under it */
    if ((rc = tc_policy_in_force(p, trail, o->signer, e)) ||
        (rc = tc_policy_verify_trail(trail, p, e)))
        return rc;
    tc_docsign_trail *t;
    if ((rc = tc_docsign_read(&t, trail, e)))
        return rc;
    tc_docsign_cert c;
    rc = tc_docsign_find(t, p, o->what, &c, NULL, NULL, NULL, e);
    tc_docsign_free(t);
    if (rc)
        return rc;
    if (kc[0] && strcmp(kc, c.county) != 0) {
        tc_fail(e, TC_EINTEGRITY, "%s: key %s signs for county %s's %s, and certificate %s is "
                "county %s's", doing, id, kc, kp, c.digest, c.county);
        return tc_err_hint(e, "each county's %s signs its own county's certificate", kp);
    }
    for (int i = 0; i < c.nparties; i++) {
        const tc_docsign_party *q = &c.parties[i];
        if (strcmp(q->name, o->party) != 0)
            continue;
        for (int k = 0; k < q->have; k++)
            if (strcmp(q->key[k], id) == 0) {
                tc_fail(e, TC_EINTEGRITY, "%s: key %s has signed certificate %s already "
                        "(entry %lld)", doing, id, c.digest, q->seq[k]);
                return tc_err_hint(e, "a key signs a certificate once");
            }
        if (q->have >= q->need) {
            tc_fail(e, TC_EINTEGRITY, "%s: %s has signed certificate %s already (entry %lld)",
                    doing, q->name, c.digest, q->seq[0]);
            return tc_err_hint(e, "each party signs a certificate once%s",
                               q->need > 1 ? ", with as many keys as [require] document says"
                                           : "");
        }
    }
    /* the entry: what was signed, by whom, for which county */
    json_t *tot = json_pack("{s:s, s:s, s:s}", "certificate", c.digest, "county", c.county,
                            "party", o->party);
    char *totals = tot ? json_dumps(tot, JSON_COMPACT) : NULL;
    json_decref(tot);
    if (!totals)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    const char *in[] = {o->what};
    tc_audit_command ac = {.trail = trail, .signer = o->signer, .role = "party",
                           .argc = o->argc, .argv = o->argv, .inputs = in,
                           .ninputs = c.file[0] ? 1 : 0, .totals = totals};
    rc = tc_audit_record_command(&ac, seq, e);
    free(totals);
    if (rc || !after)
        return rc;
    if ((rc = tc_docsign_read(&t, trail, e)))
        return rc;
    rc = tc_docsign_find(t, p, c.digest, after, NULL, NULL, NULL, e);
    if (!rc)
        snprintf(after->file, sizeof(after->file), "%s", c.file);
    tc_docsign_free(t);
    return rc;
}
