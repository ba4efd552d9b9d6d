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
#include "core/policy.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/audit.h"

#include <errno.h>
#include <sys/stat.h>

/* The digest the last "policy" entry of the trail adopted into out ("" when
 * none) and its seq; TC_EIO when the trail exists but cannot be read. */
static int last_adopted(const char *trail, char *out, long long *seq, tc_err *e)
{
    out[0] = '\0';
    *seq = 0;
    FILE *f = fopen(trail, "r");
    if (!f)
        return 0; /* no trail yet: nothing adopted */
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *en = json_loads(line, 0, NULL);
        const char *cmd = json_string_value(json_object_get(en, "command"));
        json_t *in = json_object_get(en, "inputs");
        const char *d = json_string_value(
            json_object_get(json_array_get(in, json_array_size(in) - 1), "digest"));
        if (cmd && strcmp(cmd, "policy") == 0 && d && strlen(d) < TC_DIGEST_TEXT_MAX) {
            snprintf(out, TC_DIGEST_TEXT_MAX, "%s", d);
            *seq = json_integer_value(json_object_get(en, "seq"));
        }
        json_decref(en);
    }
    int bad = ferror(f);
    free(line);
    fclose(f);
    if (bad) {
        tc_err_at(e, trail, 0, 0);
        return tc_fail(e, TC_EIO, "cannot read the audit trail");
    }
    return 0;
}

/* 1 when digest text d (sha256: or sm3:) is that of the file at path. */
static int same_file(const char *d, const char *path, tc_err *e)
{
    char mine[TC_DIGEST_TEXT_MAX];
    tc_digest_alg alg = strncmp(d, "sm3:", 4) == 0 ? TC_DIGEST_SM3 : TC_DIGEST_SHA256;
    return tc_digest_file(alg, path, mine, e) == 0 && strcmp(mine, d) == 0;
}

/* TRAIL.policies/HEX.ini for digest d ("sha256:HEX") into buf. */
static void copy_path(const char *trail, const char *d, char *buf, size_t n)
{
    const char *hex = strchr(d, ':');
    snprintf(buf, n, "%s.policies/%s.ini", trail, hex ? hex + 1 : d);
}

/* Keep a copy of p beside the trail, whole or not at all. */
static int keep_copy(const char *trail, const tc_policy *p, tc_err *e)
{
    char dir[1100], path[1300];
    snprintf(dir, sizeof(dir), "%s.policies", trail);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        tc_err_at(e, dir, 0, 0);
        return tc_fail(e, TC_EIO, "cannot create the policies' folder: %s", strerror(errno));
    }
    copy_path(trail, tc_policy_digest(p), path, sizeof(path));
    FILE *in = fopen(tc_policy_path(p), "rb");
    if (!in) {
        tc_err_at(e, tc_policy_path(p), 0, 0);
        return tc_fail(e, TC_EIO, "cannot read the policy: %s", strerror(errno));
    }
    tc_atomic *a;
    int rc = tc_atomic_open(&a, path, e);
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
    char d[TC_DIGEST_TEXT_MAX];
    long long seq;
    int rc = last_adopted(trail, d, &seq, e);
    if (rc)
        return rc;
    if (d[0]) {
        if (same_file(d, tc_policy_path(p), e))
            return 0;
        tc_fail(e, TC_EINTEGRITY, "the key policy %s (%s) is not the one in force: entry %lld "
                "of %s adopted %s", tc_policy_path(p), tc_policy_digest(p), seq, trail, d);
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
    int rc2 = keep_copy(trail, p, e);
    return rc2 ? rc2 : record(trail, s, tc_role_name(role), argv, 3, in, 1, e);
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
    char d[TC_DIGEST_TEXT_MAX];
    long long seq;
    if ((rc = last_adopted(trail, d, &seq, e)))
        return rc;
    if (!d[0] || !same_file(d, tc_policy_path(current), e)) {
        tc_fail(e, TC_EINTEGRITY, "the key policy %s is not the one in force in %s%s%s",
                tc_policy_path(current), trail, d[0] ? ", which adopted " : " (none is)",
                d[0] ? d : "");
        return tc_err_hint(e, "a new policy is adopted under the policy in force");
    }
    if (strcmp(tc_policy_digest(current), tc_policy_digest(next)) == 0)
        return tc_fail(e, TC_EUSAGE, "the new key policy is the one in force");
    char *argv[] = {"policy", "adopt", (char *)tc_policy_path(next), "--policy",
                    (char *)tc_policy_path(current)};
    const char *in[] = {tc_policy_path(current), tc_policy_path(next)};
    if ((rc = keep_copy(trail, current, e)) || (rc = keep_copy(trail, next, e)))
        return rc;
    return record(trail, s, "checker", argv, 5, in, 2, e);
}

int tc_policy_history(const char *trail, const tc_policy *have, tc_policy ***out, size_t *n,
                      tc_err *e)
{
    *out = NULL;
    *n = 0;
    if (!trail)
        trail = tc_audit_default_path();
    FILE *f = fopen(trail, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (!rc && getline(&line, &cap, f) > 0) {
        json_t *en = json_loads(line, 0, NULL);
        const char *cmd = json_string_value(json_object_get(en, "command"));
        json_t *in = json_object_get(en, "inputs");
        size_t i;
        json_t *x;
        if (cmd && strcmp(cmd, "policy") == 0)
            json_array_foreach(in, i, x) {
                const char *d = json_string_value(json_object_get(x, "digest"));
                char path[1300];
                if (!d || rc)
                    continue;
                int seen = 0;
                for (size_t k = 0; k < *n; k++)
                    seen |= strcmp(tc_policy_digest((*out)[k]) + 7, strchr(d, ':') + 1) == 0;
                if (have && strcmp(tc_policy_digest(have) + 7, strchr(d, ':') + 1) == 0)
                    seen = 1;   /* the caller holds it */
                if (seen || strncmp(d, "sha256:", 7) != 0)
                    continue;   /* an SM3 digest names the same file as its SHA-256 copy */
                copy_path(trail, d, path, sizeof(path));
                tc_policy *p;
                if ((rc = tc_policy_load(&p, path, e))) {
                    tc_fail(e, TC_EINTEGRITY, "the trail adopted key policy %s, whose copy %s "
                            "cannot be read", d, path);
                    break;
                }
                if (strcmp(tc_policy_digest(p), d) != 0) {
                    tc_policy_free(p);
                    rc = tc_fail(e, TC_EINTEGRITY, "%s is not the policy %s the trail adopted",
                                 path, d);
                    break;
                }
                tc_policy **v = realloc(*out, (*n + 1) * sizeof(*v));
                if (!v) {
                    tc_policy_free(p);
                    rc = tc_fail(e, TC_ENOMEM, "out of memory");
                    break;
                }
                *out = v;
                v[(*n)++] = p;
            }
        json_decref(en);
    }
    free(line);
    fclose(f);
    if (rc) {
        for (size_t k = 0; k < *n; k++)
            tc_policy_free((*out)[k]);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
