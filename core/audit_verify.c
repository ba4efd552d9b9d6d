/*
 * audit_verify.c - reading and verifying the trail (see audit.h): one
 * streaming pass over the lines keeps a 32-byte leaf hash per entry and
 * checks each entry's form (format, JCS text), number, chain, signature
 * (in context: kind "audit-entry" and the entry's role) and, given a
 * policy, that its key holds its role; then the checkpoints, the proofs,
 * whether all the checkpoints seen are consistent with each other, the
 * files and the re-run.  Every problem is reported; the first is the one
 * the error names.
 */
#include "core/audit.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/atomic.h"
#include "core/digest.h"
#include "core/merkle.h"
#include "core/audit_int.h"
#include "core/proc.h"

/* ================================================= reading the trail */

static void problem(vstate *v, const char *where, long line, long long seq, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void problem(vstate *v, const char *where, long line, long long seq, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tc_mask_ids_inplace(msg);
    if (v->r->problems++ == 0) {
        v->r->first_seq = seq;
        v->r->first_line = line;
        tc_err_at(v->e, where, line, 0);
        tc_fail(v->e, TC_EINTEGRITY, "%s", msg);
    }
    if (v->o && v->o->problem) {
        tc_audit_problem p = {.line = line, .seq = seq, .where = where, .msg = msg};
        v->o->problem(v->o->arg, &p);
    }
}

static const tc_pubkey *find_key(const vstate *v, const char *id)
{
    for (size_t i = 0; i < v->nkeys; i++)
        if (strcmp(tc_pubkey_id(v->keys[i]), id) == 0)
            return v->keys[i];
    return NULL;
}

/* With a policy, the entry's key must be listed, and hold its role (any
 * role, when it records a step as "recorder"); 0 when it does not, the
 * problem reported. */
static int check_role(vstate *v, const char *key, const char *role, long lineno, long long seq)
{
    const tc_policy *p = v->o ? v->o->policy : NULL;
    if (!p)
        return 1;
    tc_role held;
    if (!tc_policy_key(p, key, &held)) {
        problem(v, v->path, lineno, seq, "entry %lld is signed by %s, a key the policy %s does "
                "not list", seq, key, tc_policy_path(p));
        return 0;
    }
    if (strcmp(role, AUDIT_ROLE_DEFAULT) == 0)
        return 1;
    int r = tc_role_parse(role);
    if (r < 0) {
        problem(v, v->path, lineno, seq, "entry %lld claims the role '%s', which the policy "
                "does not know", seq, role);
        return 0;
    }
    char doing[64];
    tc_err pe;
    tc_err_clear(&pe);
    snprintf(doing, sizeof(doing), "entry %lld", seq);
    if (tc_policy_expect(p, key, (tc_role)r, doing, &pe)) {
        problem(v, v->path, lineno, seq, "%s", pe.msg);
        return 0;
    }
    return 1;
}

/* 1 when path a names the same file as b: equal, or one is a whole-component
 * suffix of the other ("out/x.tcb" and "/audit/out/x.tcb"). */
static int same_file(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na < nb) {
        const char *t = a;
        a = b, b = t;
        size_t tn = na;
        na = nb, nb = tn;
    }
    return strcmp(a + na - nb, b) == 0 && (na == nb || a[na - nb - 1] == '/');
}

static void match_files(vstate *v, json_t *arr, long long seq, int purge)
{
    size_t i;
    json_t *f;
    json_array_foreach(arr, i, f) {
        const char *name = json_string_value(json_object_get(f, "file"));
        const char *dg = json_string_value(json_object_get(f, "digest"));
        if (!name || !dg)
            continue;
        for (size_t k = 0; k < v->o->nfiles; k++) {
            fmatch *m = &v->fm[k];
            if (!same_file(m->given, name))
                continue;
            if (m->found && strcmp(m->recorded, name) != 0)
                m->ambiguous = 1;
            m->found = 1;
            snprintf(m->recorded, sizeof(m->recorded), "%s", name);
            snprintf(m->digest, sizeof(m->digest), "%s", dg);
            m->seq = seq;
            m->purged = purge ? seq : 0;
        }
    }
}

/* Check one complete line (n bytes, no newline) at lineno against v->prev. */
static void check_line(vstate *v, const char *line, size_t n, long lineno)
{
    json_error_t je;
    json_t *o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        problem(v, v->path, lineno, lineno, "line %ld is not an entry: %s", lineno,
                o ? "not a JSON object" : je.text);
        json_decref(o);
        return;
    }
    json_t *js = json_object_get(o, "seq");
    long long seq = json_is_integer(js) ? (long long)json_integer_value(js) : lineno;
    const char *fmt = audit_str(o, "format");
    if (fmt && strcmp(fmt, AUDIT_FORMAT_OLD) == 0) {
        problem(v, v->path, lineno, seq, "entry %lld is in format " AUDIT_FORMAT_OLD ", written "
                "by an older tongchou; the project is unreleased, so there is no conversion "
                "(start a new trail)", seq);
        json_decref(o);
        return;
    }
    char *c = NULL;
    size_t cn = 0;
    tc_err ce;
    tc_err_clear(&ce);
    if (audit_canon(o, &c, &cn, &ce))
        problem(v, v->path, lineno, seq, "entry %lld cannot be in canonical form: %s", seq,
                ce.msg);
    else if (cn != n || memcmp(c, line, n) != 0)
        problem(v, v->path, lineno, seq, "entry %lld is not in canonical form (RFC 8785; "
                "changed by hand?)", seq);
    free(c);
    const char *prev = audit_str(o, "prev"), *key = audit_str(o, "key"),
               *sig = audit_str(o, "sig"), *role = audit_str(o, "role");
    if (!fmt || strcmp(fmt, AUDIT_FORMAT) != 0 || !json_is_integer(js) || !prev || !key || !sig ||
        !role || !audit_str(o, "time") || !audit_str(o, "command")) {
        problem(v, v->path, lineno, seq, "entry %lld lacks a field of " AUDIT_FORMAT, seq);
        json_decref(o);
        return;
    }
    if (seq != lineno)
        problem(v, v->path, lineno, seq, "entry %lld stands where entry %ld belongs (an entry "
                "was deleted, inserted or moved)", seq, lineno);
    char want[2 * TC_MERKLE_HASH + 1];
    audit_hex32(v->prev, want);
    if (strcmp(prev, want) != 0)
        problem(v, v->path, lineno, seq, "entry %lld does not chain to the line before it "
                "(prev %.16s..., the line before hashes to %.16s...)", seq, prev, want);
    if (v->check_sigs) {
        const tc_pubkey *k = find_key(v, key);
        uint8_t raw[TC_SIGN_MAX];
        long nraw = tc_b64_decode(sig, strlen(sig), raw, sizeof(raw));
        json_t *body = json_deep_copy(o);
        json_object_del(body, "sig");
        char *b = NULL;
        size_t bn = 0;
        tc_err be;
        int bad = audit_canon(body, &b, &bn, &be);
        json_decref(body);
        if (!check_role(v, key, role, lineno, seq))
            ;   /* the policy's verdict is the problem */
        else if (!k)
            problem(v, v->path, lineno, seq, "entry %lld is signed by %s, not a trusted key "
                    "(give its public key with --pub, if it is one)", seq, key);
        else if (nraw <= 0 || bad ||
                 !tc_pubkey_verify_as(k, AUDIT_KIND, role, b, bn, raw, (size_t)nraw))
            problem(v, v->path, lineno, seq, "entry %lld: the signature by %s does not verify "
                    "as made by a %s (the entry was changed after signing, or its role "
                    "relabelled)", seq, key, role);
        free(b);
    }
    /* a purge entry's inputs are the files it removed (docs/retention.md) */
    int purge = strcmp(audit_str(o, "command"), "purge") == 0;
    if (v->o && v->o->nfiles) {
        match_files(v, json_object_get(o, "inputs"), seq, purge);
        match_files(v, json_object_get(o, "outputs"), seq, 0);
    }
    if (purge && v->purged) {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(o, "inputs"), i, f)
            if (audit_str(f, "file"))
                json_object_set_new(v->purged, audit_str(f, "file"), json_integer(seq));
    }
    if (v->o && v->o->rerun && strcmp(audit_str(o, "command"), "reconcile") == 0) {
        json_decref(v->reconcile);
        v->reconcile = json_incref(o);
        v->reconcile_line = lineno;
    }
    json_decref(o);
}

/* Read every line of the trail: leaf hashes, chain, signatures. */
static int scan(vstate *v)
{
    FILE *f = fopen(v->path, "rb");
    if (!f) {
        tc_err_at(v->e, v->path, 0, 0);
        return tc_fail(v->e, tc_errno_code(errno), "cannot open the audit trail: %s",
                       strerror(errno));
    }
    tc_merkle_root(NULL, 0, v->prev);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    while ((n = audit_read_line(f, &line, &cap)) != 0) {
        lineno++;
        if (n == AUDIT_LINE_OOM) {
            free(line);
            fclose(f);
            return audit_oom(v->e);
        }
        if (n == AUDIT_LINE_LONG) {
            problem(v, v->path, lineno, lineno, "line %ld is longer than %d bytes, the limit of "
                    "a trail line: not an entry tongchou writes; verification stops there",
                    lineno, AUDIT_LINE_MAX);
            break;
        }
        if (line[n - 1] != '\n') {
            problem(v, v->path, lineno, lineno, "line %ld is torn: it has no newline (a crash "
                    "mid-append?); tongchou audit repair cuts it off", lineno);
            break;
        }
        n--;
        if (v->nleaves == v->cap) {
            size_t nc = v->cap ? 2 * v->cap : 256;
            tc_mhash *nl = realloc(v->leaves, nc * sizeof(tc_mhash));
            if (!nl) {
                free(line);
                fclose(f);
                return audit_oom(v->e);
            }
            v->leaves = nl;
            v->cap = nc;
        }
        check_line(v, line, (size_t)n, lineno);
        tc_merkle_leaf(line, (size_t)n, v->leaves[v->nleaves]);
        memcpy(v->prev, v->leaves[v->nleaves], TC_MERKLE_HASH);
        v->nleaves++;
        v->r->entries++;
    }
    int bad = ferror(f);
    free(line);
    fclose(f);
    if (bad) {
        tc_err_at(v->e, v->path, 0, 0);
        return tc_fail(v->e, TC_EIO, "cannot read the audit trail");
    }
    return 0;
}


/* Read the trail's chain (no signatures) into v; TC_EINTEGRITY if broken. */
int audit_read_chain(vstate *v, tc_audit_report *r, const char *path, tc_err *e)
{
    static const tc_audit_verify_opts none;
    memset(r, 0, sizeof(*r));
    memset(v, 0, sizeof(*v));
    v->path = path, v->o = &none, v->r = r, v->e = e;
    int rc = scan(v);
    if (!rc && r->problems) {
        tc_err_hint(e, "run tongchou audit verify to see every problem");
        rc = TC_EINTEGRITY;
    }
    if (rc)
        free(v->leaves);
    return rc;
}

/* ======================================================= verification */

/* Remember checkpoint c, seen at where, for check_forks. */
static void seen(vstate *v, const checkpoint *c, const char *where)
{
    cpseen *n = realloc(v->cps, (v->ncps + 1) * sizeof(*n));
    if (!n) {
        problem(v, where, 0, 0, "checkpoint: out of memory");
        return;
    }
    v->cps = n;
    n[v->ncps].where = where;
    n[v->ncps].size = c->size;
    memcpy(n[v->ncps].root, c->root, TC_MERKLE_HASH);
    v->ncps++;
    if ((long long)c->size > v->r->checkpoint_size)
        v->r->checkpoint_size = (long long)c->size;
}

/* Check c's signatures and body against the trail read into v. */
static void check_checkpoint(vstate *v, const checkpoint *c, const char *where)
{
    size_t known = 0;
    const tc_audit_verify_opts *o = v->o;
    int *signed_by = calloc(v->nkeys + 1, sizeof(int));
    if (!signed_by) {
        problem(v, where, 0, 0, "checkpoint: out of memory");
        return;
    }
    seen(v, c, where);
    for (size_t i = 0; i < c->nsigs; i++) {
        const note_sig *s = &c->sigs[i];
        for (size_t k = 0; k < v->nkeys; k++) {
            const tc_pubkey *pk = v->keys[k];
            if (strcmp(s->name, tc_pubkey_id(pk)) != 0 || tc_pubkey_note_id(pk, s->name) != s->id)
                continue;   /* unknown keys are ignored (signed-note) */
            known++;
            if (tc_pubkey_verify(pk, c->buf, c->ntext, s->sig, s->nsig))
                signed_by[k] = 1;
            else
                problem(v, where, 0, 0, "checkpoint: the signature by %s does not verify (the "
                        "checkpoint was changed after signing)", s->name);
            break;
        }
    }
    if (known == 0)
        problem(v, where, 0, 0, "checkpoint: no trusted key signed it (give the signers' "
                "public keys with --pub, or the policy)");
    for (size_t q = 0; q < o->nrequired; q++) {
        int ok = 0;
        for (size_t k = 0; k < v->nkeys; k++)
            if (signed_by[k] && strcmp(tc_pubkey_id(v->keys[k]), o->required[q]) == 0)
                ok = 1;
        if (!ok)
            problem(v, where, 0, 0, "checkpoint: no valid signature by %s, whose signature is "
                    "required", o->required[q]);
    }
    if (o->policy) {
        const tc_pubkey *const *wk;
        size_t nw = tc_policy_keys(o->policy, TC_ROLE_WITNESS, &wk), have = 0;
        int need = tc_policy_required(o->policy, TC_ACT_CHECKPOINT);
        for (size_t j = 0; j < nw; j++)
            for (size_t k = 0; k < v->nkeys; k++)
                if (signed_by[k] && strcmp(tc_pubkey_id(v->keys[k]), tc_pubkey_id(wk[j])) == 0) {
                    have++;
                    break;
                }
        if ((long)have < need)
            problem(v, where, 0, 0, "checkpoint: %zu valid witness signature%s where the policy "
                    "requires %d (have it cosigned: tongchou audit cosign)", have,
                    have == 1 ? "" : "s", need);
    }
    free(signed_by);
    if (o->origin && strcmp(o->origin, c->origin) != 0)
        problem(v, where, 0, 0, "checkpoint: origin '%s' where '%s' was expected", c->origin,
                o->origin);
    if (c->size > v->nleaves) {
        problem(v, where, (long)v->nleaves + 1, (long long)v->nleaves + 1,
                "checkpoint covers %" PRIu64 " entries but the trail holds %zu: entries %zu to "
                "%" PRIu64 " are missing (the trail was truncated)", c->size, v->nleaves,
                v->nleaves + 1, c->size);
        return;
    }
    uint8_t root[TC_MERKLE_HASH];
    char want[64], got[64];
    tc_merkle_root(v->leaves, c->size, root);
    if (memcmp(root, c->root, TC_MERKLE_HASH) != 0) {
        audit_b64_32(c->root, want);
        audit_b64_32(root, got);
        problem(v, where, 0, 0, "checkpoint: its root %s is not %s, the root of the trail's "
                "first %" PRIu64 " entries", want, got, c->size);
    }
}

/*
 * Every two checkpoints seen must be consistent: of one size, one root; of
 * sizes m < n, the tree of m a prefix of the tree of n, shown by an RFC
 * 6962 consistency proof computed from the trail, which must hold the
 * larger tree.  A pair that is not is a fork: two views of one trail.
 */
static void check_forks(vstate *v)
{
    for (size_t i = 0; i < v->ncps; i++)
        for (size_t j = i + 1; j < v->ncps; j++) {
            const cpseen *a = &v->cps[i], *b = &v->cps[j];
            if (a->size > b->size) {
                const cpseen *t = a;
                a = b, b = t;
            }
            char ra[64], rb[64], rh[64];
            audit_b64_32(a->root, ra);
            audit_b64_32(b->root, rb);
            if (a->size == b->size) {
                if (memcmp(a->root, b->root, TC_MERKLE_HASH) == 0)
                    continue;
                v->r->forks++;
                problem(v, b->where, 0, 0, "fork: %s and %s both sign the tree of %" PRIu64
                        " entries, with two roots: %s and %s", a->where, b->where, a->size, ra,
                        rb);
                continue;
            }
            uint8_t have[TC_MERKLE_HASH], nroot[TC_MERKLE_HASH];
            if (b->size <= v->nleaves)
                tc_merkle_root(v->leaves, b->size, nroot);
            if (b->size > v->nleaves || memcmp(nroot, b->root, TC_MERKLE_HASH) != 0) {
                problem(v, b->where, 0, 0, "%s (%" PRIu64 " entries) and %s (%" PRIu64
                        " entries) cannot be proved consistent: the trail does not hold the "
                        "larger tree, root %s", a->where, a->size, b->where, b->size, rb);
                continue;
            }
            if (audit_extends(v->leaves, b->size, a->size, a->root, have))
                continue;
            audit_b64_32(have, rh);
            v->r->forks++;
            problem(v, a->where, 0, 0, "fork: %s (%" PRIu64 " entries, root %s) is not a prefix "
                    "of %s (%" PRIu64 " entries, root %s), whose first %" PRIu64 " entries have "
                    "root %s", a->where, a->size, ra, b->where, b->size, rb, a->size, rh);
        }
}

/* Why line p[0..n) is not "extra BASE64" with canonical, non-empty base64
 * (c2sp.org/tlog-proof: the extra data is opaque, but well formed), or
 * NULL. */
static const char *extra_line(const char *p, size_t n)
{
    size_t bn = n - 6;
    uint8_t *x = malloc(bn / 4 * 3 + 4);
    long k = x ? tc_b64_decode(p + 6, bn, x, bn / 4 * 3 + 4) : -1;
    free(x);
    return k > 0 ? NULL : "has an 'extra' line that is not canonical base64 of some bytes";
}

static void check_proof(vstate *v, const char *path)
{
    char *b;
    size_t n;
    tc_err pe;
    tc_err_clear(&pe);
    if (audit_read_small(path, &b, &n, &pe)) {
        problem(v, path, 0, 0, "proof: %s", pe.msg);
        return;
    }
    const char *why = NULL;
    uint64_t index = 0;
    tc_mhash hashes[TC_MERKLE_MAXPROOF];
    int nh = 0;
    char *p = b, *end = b + n;
    char *eol = memchr(p, '\n', n);
    if (!eol || (size_t)(eol - p) != strlen(AUDIT_PROOF_HEADER) ||
        memcmp(p, AUDIT_PROOF_HEADER, (size_t)(eol - p))) {
        why = "does not start with " AUDIT_PROOF_HEADER;
        goto bad;
    }
    p = eol + 1;
    if (p < end && strncmp(p, "extra ", 6) == 0) {
        eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol || (why = extra_line(p, (size_t)(eol - p))))
            goto bad;
        p = eol + 1;
    }
    eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    if (!eol || (size_t)(eol - p) < 6 || strncmp(p, "index ", 6) ||
        audit_parse_u64(p + 6, (size_t)(eol - p - 6), &index)) {
        why = "has no 'index N' line (a decimal without leading zeros)";
        goto bad;
    }
    for (p = eol + 1; p < end && *p != '\n'; p = eol + 1) {
        eol = memchr(p, '\n', (size_t)(end - p));
        if (eol && nh == TC_MERKLE_MAXPROOF) {
            why = "has more than 64 proof hashes (the most a tree of under 2^63 entries needs)";
            goto bad;
        }
        if (!eol || tc_b64_decode(p, (size_t)(eol - p), hashes[nh++], TC_MERKLE_HASH) != TC_MERKLE_HASH) {
            why = "has a proof line that is not canonical base64 of a SHA-256 hash";
            goto bad;
        }
    }
    if (p >= end) {
        why = "has no checkpoint after its proof";
        goto bad;
    }
    p++;
    checkpoint c;
    size_t cn = (size_t)(end - p);
    char *cb = malloc(cn + 1);
    if (!cb) {
        why = "cannot be held in memory";
        goto bad;
    }
    memcpy(cb, p, cn);
    cb[cn] = '\0';
    if (audit_cp_parse(&c, cb, cn, path, &pe)) {
        free(b);
        audit_cp_free(&c);
        problem(v, path, 0, 0, "proof: %s", pe.msg);
        return;
    }
    check_checkpoint(v, &c, path);
    long long seq = (long long)index + 1;
    if (index >= c.size || index >= v->nleaves)
        problem(v, path, 0, seq, "proof: entry %lld is not in the tree of %" PRIu64
                " entries", seq, c.size);
    else if (!tc_merkle_inclusion_verify(v->leaves[index], index, c.size,
                                         (const tc_mhash *)hashes, nh, c.root))
        problem(v, path, (long)seq, seq, "proof: entry %lld is not included in the checkpointed "
                "tree (the entry or the proof was changed)", seq);
    audit_cp_free(&c);
    free(b);
    return;
bad:
    free(b);
    problem(v, path, 0, 0, "proof: not a " AUDIT_PROOF_HEADER " file: it %s", why);
}

/* Digest path with the algorithm `digest` names; 1 when equal, 0 when not,
 * -1 (why in fe) when it cannot be read or the algorithm is unknown. */
static int same_digest(const char *path, const char *digest, char *got, tc_err *fe)
{
    const char *colon = strchr(digest, ':');
    char name[16];
    tc_digest_alg alg;
    snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - digest) : 0, digest);
    if (!colon || tc_digest_alg_parse(name, &alg, fe) || tc_digest_file(alg, path, got, fe))
        return -1;
    return strcmp(got, digest) == 0;
}

static void check_files(vstate *v)
{
    for (size_t k = 0; k < v->o->nfiles; k++) {
        fmatch *m = &v->fm[k];
        if (!m->found) {
            problem(v, m->given, 0, 0, "file is not recorded in the trail");
            continue;
        }
        if (m->ambiguous) {
            problem(v, m->given, 0, 0, "file matches more than one recorded path (give it as "
                    "recorded, e.g. %s)", m->recorded);
            continue;
        }
        char got[TC_DIGEST_TEXT_MAX];
        tc_err fe;
        tc_err_clear(&fe);
        if (m->purged && access(m->given, F_OK) != 0 && errno == ENOENT) {
            v->r->purged++;   /* gone, as the purge entry says; it recorded what it was */
            continue;
        }
        int same = same_digest(m->given, m->digest, got, &fe);
        if (same < 0)
            problem(v, m->given, 0, m->seq, "cannot check the file against entry %lld: %s",
                    m->seq, fe.msg);
        else if (!same)
            problem(v, m->given, 0, m->seq, "file is not the one entry %lld recorded as %s "
                    "(digest %s, recorded %s)", m->seq, m->recorded, got, m->digest);
    }
}

/* ============================================== re-run a reconciliation */

static void rmtree_flat(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char p[4400];
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void rerun(vstate *v)
{
    json_t *o = v->reconcile;
    long line = v->reconcile_line;
    if (!o) {
        problem(v, v->path, 0, 0, "the trail records no reconcile to re-run");
        return;
    }
    long long seq = (long long)json_integer_value(json_object_get(o, "seq"));
    size_t i;
    json_t *x;
    int bad = 0;
    json_array_foreach(json_object_get(o, "inputs"), i, x) {
        const char *f = audit_str(x, "file"), *dg = audit_str(x, "digest");
        char got[TC_DIGEST_TEXT_MAX];
        tc_err fe;
        tc_err_clear(&fe);
        int same = f && dg ? same_digest(f, dg, got, &fe) : 1;
        json_t *gone = NULL;
        const char *pf;
        json_t *ps;
        json_object_foreach(v->purged, pf, ps)
            if (f && same < 0 && same_file(pf, f))
                gone = ps;
        if (gone) {
            bad = 1;
            problem(v, f, line, seq, "cannot re-run entry %lld: the input was purged by entry "
                    "%lld (put it back from the county's archive to re-run: "
                    "docs/retention.md)", seq, (long long)json_integer_value(gone));
        } else if (same != 1) {
            bad = 1;
            problem(v, f, line, seq, same < 0 ? "cannot re-run entry %lld: %s"
                    : "cannot re-run entry %lld: the input is not the one recorded%s",
                    seq, same < 0 ? fe.msg : "");
        }
    }
    if (bad)
        return;
    const char *t = getenv("TMPDIR");
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s/tongchou-rerun-XXXXXX", t && t[0] ? t : "/tmp");
    if (!mkdtemp(tmp)) {
        problem(v, tmp, 0, seq, "cannot re-run entry %lld: no temporary folder: %s", seq,
                strerror(errno));
        return;
    }
    json_t *args = json_object_get(o, "args");
    size_t na = json_array_size(args);
    const char **argv = calloc(na + 4, sizeof(char *));
    char **owned = calloc(na + 1, sizeof(char *));
    size_t k = 0;
    if (!argv || !owned) {
        free(argv), free(owned);
        rmtree_flat(tmp);
        problem(v, v->path, line, seq, "cannot re-run entry %lld: out of memory", seq);
        return;
    }
    argv[k++] = v->o->rerun;
    argv[k++] = "reconcile";
    argv[k++] = "-q";
    for (i = 0; i < na; i++) {
        const char *a = json_string_value(json_array_get(args, i));
        if (!a)
            a = "";
        if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < na) {
            argv[k++] = a;
            argv[k++] = tmp;
            i++;
        } else if (strncmp(a, "--output=", 9) == 0 || (strncmp(a, "-o", 2) == 0 && a[2])) {
            if (asprintf(&owned[i], "%s%s", a[1] == 'o' ? "-o" : "--output=", tmp) < 0)
                owned[i] = NULL;
            argv[k++] = owned[i] ? owned[i] : "";
        } else {
            argv[k++] = a;
        }
    }
    argv[k] = NULL;
    tc_err pe;
    tc_err_clear(&pe);
    /* The re-run only recomputes: it must not append to this trail or any
     * other, whatever key the auditor's environment names. */
    static const char *const quiet_trail[] = {"TONGCHOU_KEY", "TONGCHOU_AUDIT", NULL};
    tc_proc_opts po = {.stdout_devnull = 1, .unset = quiet_trail};
    /* exit 1 (findings) is a result like any other: judged by the reports */
    tc_proc_run(v->o->rerun, argv, &po, &pe);
    int compared = 0;
    json_array_foreach(json_object_get(o, "outputs"), i, x) {
        const char *f = audit_str(x, "file"), *dg = audit_str(x, "digest");
        const char *base = f ? strrchr(f, '/') : NULL;
        base = base ? base + 1 : f;
        if (!dg || !base || (strcmp(base, "reconciliation.json") && strcmp(base, "findings.csv")))
            continue;
        char p[4400], got[TC_DIGEST_TEXT_MAX];
        snprintf(p, sizeof(p), "%s/%s", tmp, base);
        tc_err fe;
        tc_err_clear(&fe);
        int same = same_digest(p, dg, got, &fe);
        compared++;
        if (same < 0)
            problem(v, f, line, seq, "re-running entry %lld wrote no %s: %s", seq, base,
                    pe.code ? pe.msg : fe.msg);
        else if (!same)
            problem(v, f, line, seq, "re-running entry %lld gives another %s (digest %s, "
                    "recorded %s)", seq, base, got, dg);
    }
    if (!compared)
        problem(v, v->path, line, seq, "entry %lld records no reconciliation.json or "
                "findings.csv to compare", seq);
    for (i = 0; i < na; i++)
        free(owned[i]);
    free(owned);
    free(argv);
    rmtree_flat(tmp);
}

/* The trusted keys: those given, and the policy's. */
static int gather_keys(vstate *v, tc_err *e)
{
    const tc_audit_verify_opts *o = v->o;
    size_t n = o->nkeys;
    const tc_pubkey *const *rk[TC_NROLES];
    size_t nr[TC_NROLES] = {0};
    for (int r = 0; o->policy && r < TC_NROLES; r++)
        n += nr[r] = tc_policy_keys(o->policy, (tc_role)r, &rk[r]);
    v->keys = calloc(n + 1, sizeof(*v->keys));
    if (!v->keys)
        return audit_oom(e);
    for (size_t i = 0; i < o->nkeys; i++)
        v->keys[v->nkeys++] = o->keys[i];
    for (int r = 0; o->policy && r < TC_NROLES; r++)
        for (size_t i = 0; i < nr[r]; i++)
            v->keys[v->nkeys++] = rk[r][i];
    return 0;
}

int tc_audit_verify(const char *path, const tc_audit_verify_opts *o, tc_audit_report *r,
                    tc_err *e)
{
    static const tc_audit_verify_opts none;
    if (!o)
        o = &none;
    memset(r, 0, sizeof(*r));
    vstate v = {.path = path, .o = o, .r = r, .check_sigs = 1, .e = e};
    v.fm = calloc(o->nfiles + 1, sizeof(fmatch));
    v.purged = o->rerun ? json_object() : NULL;
    if (!v.fm || (o->rerun && !v.purged)) {
        free(v.fm);
        json_decref(v.purged);
        return audit_oom(e);
    }
    for (size_t k = 0; k < o->nfiles; k++)
        v.fm[k].given = o->files[k];
    int rc = gather_keys(&v, e);
    if (!rc)
        rc = scan(&v);
    for (size_t i = 0; !rc && i < o->ncheckpoints; i++) {
        checkpoint c;
        tc_err ce;
        tc_err_clear(&ce);
        if (audit_cp_load(&c, o->checkpoints[i], &ce)) {
            problem(&v, o->checkpoints[i], 0, 0, "%s", ce.msg);
        } else {
            check_checkpoint(&v, &c, o->checkpoints[i]);
            audit_cp_free(&c);
        }
    }
    for (size_t i = 0; !rc && i < o->nproofs; i++)
        check_proof(&v, o->proofs[i]);
    if (!rc)
        check_forks(&v);

    if (!rc)
        check_files(&v);
    if (!rc && o->rerun)
        rerun(&v);
    json_decref(v.reconcile);
    json_decref(v.purged);
    free(v.leaves);
    free(v.fm);
    free(v.keys);
    free(v.cps);
    if (rc)
        return rc;
    if (r->problems) {
        if (r->problems > 1)
            snprintf(e->msg + strlen(e->msg), sizeof(e->msg) - strlen(e->msg),
                     " (and %lld more problems)", r->problems - 1);
        if (r->first_seq)
            tc_err_hint(e, "the first bad entry is entry %lld, line %ld of %s", r->first_seq,
                        r->first_line, path);
        return TC_EINTEGRITY;
    }
    return 0;
}
