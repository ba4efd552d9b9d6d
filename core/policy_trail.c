/*
 * policy_trail.c - which key policy is in force: the one the audit trail
 * last adopted.  See policy.h.
 *
 * A policy enters the trail when it is first used: the command that uses
 * it appends a "policy" entry naming the file with its digest, signed by
 * the acting key (which the policy must list).  From then on the commands
 * that act refuse any other policy: swapping the file for one that lists
 * the operator's own keys changes its digest, and the trail says which
 * digest is in force.  A new policy is adopted only by an entry signed by
 * a checker of the policy in force (`tongchou policy adopt`), so a change
 * is itself under the old policy's control, and the trail keeps every
 * policy that was ever in force, in order.
 *
 * The entry of an adoption lists the policy files as its inputs; the last
 * input is the policy adopted.  A copy of every policy adopted is kept
 * beside the trail, TRAIL.policies/HEX.ini (HEX: its SHA-256), so that the
 * keys of a policy no longer in force still verify the entries they
 * signed while it was (tc_policy_history).
 */
#include "core/perm.h"
#include "core/policy.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic.h"
#include "core/audit.h"

/* The last "policy" entry's adopted digest (its last input), and seq. */
typedef struct adopted {
    char digest[TC_DIGEST_TEXT_MAX];
    long long seq;
} adopted;

static int on_adoption(void *arg, const json_t *en)
{
    adopted *a = arg;
    const char *cmd = json_string_value(json_object_get(en, "command"));
    json_t *in = json_object_get(en, "inputs");
    const char *d = json_string_value(
        json_object_get(json_array_get(in, json_array_size(in) - 1), "digest"));
    if (cmd && strcmp(cmd, "policy") == 0 && d && strlen(d) < TC_DIGEST_TEXT_MAX) {
        snprintf(a->digest, sizeof(a->digest), "%s", d);
        a->seq = json_integer_value(json_object_get(en, "seq"));
    }
    return 0;
}

/* The digest the trail last adopted ("" when none) and its entry's seq. */
static int last_adopted(const char *trail, adopted *a, tc_err *e)
{
    memset(a, 0, sizeof(*a));
    return tc_audit_each(trail, on_adoption, a, e);
}

/* TRAIL.policies/HEX.ini for digest text d ("sha256:HEX" or "sm3:HEX": the
 * trail's algorithm, the signer's) into buf. */
static void copy_path(const char *trail, const char *d, char *buf, size_t n)
{
    const char *hex = strchr(d, ':');
    snprintf(buf, n, "%s.policies/%s.ini", trail, hex ? hex + 1 : d);
}

/* Keep a copy of p beside the trail, whole or not at all, named by its
 * digest in the algorithm s's entries record. */
static int keep_copy(const char *trail, const tc_policy *p, const tc_signer *s, tc_err *e)
{
    char dir[1100], path[1300], d[TC_DIGEST_TEXT_MAX];
    tc_digest_alg alg = tc_signer_alg(s) == TC_SIGN_SM2 ? TC_DIGEST_SM3 : TC_DIGEST_SHA256;
    int rc = tc_digest_file(alg, tc_policy_path(p), d, e);
    if (rc)
        return rc;
    snprintf(dir, sizeof(dir), "%s.policies", trail);
    if (mkdir(dir, tc_perm_dir()) == 0) {
        if ((rc = tc_perm_path(dir, tc_perm_dir(), e)))
            return rc;
    } else if (errno != EEXIST) {
        tc_err_at(e, dir, 0, 0);
        return tc_fail(e, TC_EIO, "cannot create the policies' folder: %s", strerror(errno));
    }
    copy_path(trail, d, path, sizeof(path));
    FILE *in = fopen(tc_policy_path(p), "rb");
    if (!in) {
        tc_err_at(e, tc_policy_path(p), 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot read the policy: %s", strerror(errno));
    }
    tc_atomic *a;
    rc = tc_atomic_open(&a, path, e);
    if (!rc) {
        char buf[8192];
        size_t k;
        while ((k = fread(buf, 1, sizeof(buf), in)) > 0)
            fwrite(buf, 1, k, tc_atomic_file(a));
        rc = tc_atomic_commit(a, e);
    }
    fclose(in);
    return rc;
}

static int record(const char *trail, const tc_signer *s, const char *role, char **argv,
                  int argc, const char *const *in, size_t nin, tc_err *e)
{
    tc_audit_command c = {.trail = trail, .signer = s, .role = role, .argc = argc,
                          .argv = argv, .inputs = in, .ninputs = nin};
    int rc = tc_audit_record_command(&c, NULL, e);
    if (rc)
        tc_err_prefix(e, "recording the key policy in the audit trail: ");
    return rc;
}

int tc_policy_in_force(const tc_policy *p, const char *trail, const tc_signer *s, tc_err *e)
{
    if (!trail)
        trail = tc_audit_default_path();
    adopted a;
    int rc = last_adopted(trail, &a, e);
    if (rc)
        return rc;
    if (a.digest[0]) {
        if (tc_digest_file_is(a.digest, tc_policy_path(p)))
            return 0;
        tc_fail(e, TC_EINTEGRITY, "the key policy %s (%s) is not the one in force: entry %lld "
                "of %s adopted %s", tc_policy_path(p), tc_policy_digest(p), a.seq, trail,
                a.digest);
        return tc_err_hint(e, "use the policy in force, or adopt this one with 'tongchou policy "
                              "adopt NEW --policy CURRENT -k CHECKER.key'");
    }
    /* first use: the acting key, which the policy lists, adopts it */
    tc_role role;
    if (!tc_policy_key(p, tc_signer_id(s), &role)) {
        tc_fail(e, TC_EINTEGRITY, "key %s is not in the key policy %s, which it would adopt",
                tc_signer_id(s), tc_policy_path(p));
        return tc_err_hint(e, "a policy enters the trail with the key of one of its people");
    }
    char *argv[] = {"policy", "adopt", (char *)tc_policy_path(p)};
    const char *in[] = {tc_policy_path(p)};
    if ((rc = keep_copy(trail, p, s, e)))
        return rc;
    return record(trail, s, tc_role_name(role), argv, 3, in, 1, e);
}

int tc_policy_adopt(const tc_policy *current, const tc_policy *next, const char *trail,
                    const tc_signer *s, tc_err *e)
{
    if (!trail)
        trail = tc_audit_default_path();
    int rc = tc_policy_expect(current, tc_signer_id(s), TC_ROLE_CHECKER,
                              "adopting a new key policy", e);
    if (rc)
        return rc;
    adopted a;
    if ((rc = last_adopted(trail, &a, e)))
        return rc;
    if (!a.digest[0] || !tc_digest_file_is(a.digest, tc_policy_path(current))) {
        tc_fail(e, TC_EINTEGRITY, "the key policy %s is not the one in force in %s%s%s",
                tc_policy_path(current), trail, a.digest[0] ? ", which adopted " : " (none is)",
                a.digest);
        return tc_err_hint(e, "a new policy is adopted under the policy in force");
    }
    if (strcmp(tc_policy_digest(current), tc_policy_digest(next)) == 0)
        return tc_fail(e, TC_EUSAGE, "the new key policy is the one in force");
    char *argv[] = {"policy", "adopt", (char *)tc_policy_path(next), "--policy",
                    (char *)tc_policy_path(current)};
    const char *in[] = {tc_policy_path(current), tc_policy_path(next)};
    if ((rc = keep_copy(trail, current, s, e)) || (rc = keep_copy(trail, next, s, e)))
        return rc;
    return record(trail, s, "checker", argv, 5, in, 2, e);
}


/* tc_policy_history's state: the policies loaded so far, and their
 * digests as the trail recorded them. */
typedef struct history {
    const char *trail;
    const tc_policy *have;
    tc_policy **v;
    char (*d)[TC_DIGEST_TEXT_MAX];
    size_t n;
    tc_err *e;
} history;

static int on_policy(void *arg, const json_t *en)
{
    history *h = arg;
    const char *cmd = json_string_value(json_object_get(en, "command"));
    size_t i;
    json_t *x;
    if (!cmd || strcmp(cmd, "policy") != 0)
        return 0;
    json_array_foreach(json_object_get(en, "inputs"), i, x) {
        const char *d = json_string_value(json_object_get(x, "digest"));
        int seen = !d || strlen(d) >= TC_DIGEST_TEXT_MAX ||
                   (h->have && tc_digest_file_is(d, tc_policy_path(h->have)));
        for (size_t k = 0; k < h->n && !seen; k++)
            seen = strcmp(h->d[k], d) == 0;
        if (seen)
            continue;
        char path[1300];
        copy_path(h->trail, d, path, sizeof(path));
        tc_policy *p = NULL;
        if (tc_policy_load(&p, path, h->e) || !tc_digest_file_is(d, path)) {
            tc_policy_free(p);
            return tc_fail(h->e, TC_EINTEGRITY, "the trail adopted key policy %s, whose copy "
                           "%s is missing or not that policy", d, path);
        }
        tc_policy **v = realloc(h->v, (h->n + 1) * sizeof(*v));
        char (*dv)[TC_DIGEST_TEXT_MAX] = v ? realloc(h->d, (h->n + 1) * sizeof(*dv)) : NULL;
        if (v)
            h->v = v;
        if (!dv) {
            tc_policy_free(p);
            return tc_fail(h->e, TC_ENOMEM, "out of memory");
        }
        h->d = dv;
        snprintf(h->d[h->n], TC_DIGEST_TEXT_MAX, "%s", d);
        h->v[h->n++] = p;
    }
    return 0;
}

int tc_policy_history(const char *trail, const tc_policy *have, tc_policy ***out, size_t *n,
                      tc_err *e)
{
    history h = {.trail = trail ? trail : tc_audit_default_path(), .have = have, .e = e};
    int rc = tc_audit_each(h.trail, on_policy, &h, e);
    free(h.d);
    if (rc) {
        for (size_t k = 0; k < h.n; k++)
            tc_policy_free(h.v[k]);
        free(h.v);
        h.v = NULL;
        h.n = 0;
    }
    *out = h.v;
    *n = h.n;
    return rc;
}

int tc_policy_verify_trail(const char *trail, const tc_policy *p, tc_err *e)
{
    /* the keys of every policy the trail adopted: an entry signed while its
     * key was in force stays valid after the key left the policy */
    tc_policy **hist = NULL;
    size_t nh = 0;
    int rc = tc_policy_history(trail, p, &hist, &nh, e);
    if (rc)
        return rc;
    size_t kcap = TC_POLICY_MAX_KEYS * (nh + 1);
    const tc_pubkey **keys = malloc(kcap * sizeof(*keys));
    if (!keys) {
        for (size_t i = 0; i < nh; i++)
            tc_policy_free(hist[i]);
        free(hist);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    size_t nk = tc_policy_all_keys(p, keys, kcap);
    for (size_t i = 0; i < nh; i++)
        nk += tc_policy_all_keys(hist[i], keys + nk, kcap - nk);
    /* with no other policy in the trail's history, each key must also hold
     * the role its entry names; across several, the signatures and chain */
    tc_audit_verify_opts vo = {.keys = keys, .nkeys = nk, .policy = nh == 0 ? p : NULL};
    tc_audit_report rep;
    rc = tc_audit_verify(trail, &vo, &rep, e);
    free(keys);
    for (size_t i = 0; i < nh; i++)
        tc_policy_free(hist[i]);
    free(hist);
    if (rc) {
        tc_err_prefix(e, "the audit trail does not verify under the policy: ");
        return rc == TC_EIO ? rc : TC_EINTEGRITY;
    }
    return 0;
}
