/*
 * audit_note.c - signed notes (c2sp.org/signed-note): signing checkpoints
 * (c2sp.org/tlog-checkpoint), cosigning them, and writing inclusion proofs
 * (c2sp.org/tlog-proof@v1).  Parsing them is in audit_read.c.  See audit.h.
 *
 * Neither the log nor a witness may sign two views of one trail.  So:
 *
 *   - tc_audit_checkpoint keeps every checkpoint it signs in the trail's
 *     store, PATH.checkpoints/SIZE-ORIGINID.checkpoint (SIZE in 20 digits,
 *     so the names sort by size), and signs a new one only when the last
 *     one kept for the origin is a prefix of the trail (RFC 6962 section
 *     2.1.2: the consistency proof is computed from the trail and verified
 *     against both roots, the code a remote verifier would run);
 *   - tc_audit_cosign keeps, in the witness's own folder, the last
 *     checkpoint it cosigned per origin, and cosigns only a consistent
 *     extension of it (c2sp.org/tlog-witness).
 *
 * Each keeps its folder locked (flock on the folder) from reading its last
 * checkpoint to writing the new one, so two runs cannot both extend the
 * same old checkpoint differently; and each writes its own record before
 * it hands out the signature (the output file), so no signature is ever
 * out that its record does not hold.  Files are written whole or not at
 * all (atomic.h).
 */
#include "core/perm.h"
#include "core/audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/atomic.h"
#include "core/digest.h"
#include "core/jcs.h"
#include "core/merkle.h"
#include "core/audit_int.h"

/* ========================================================= signed notes */

/* One signature line for text by s, appended to the malloc'd *out. */
static int audit_note_sign(const tc_signer *s, const char *text, size_t n, char *line, size_t cap,
                     tc_err *e)
{
    uint8_t raw[4 + TC_SIGN_MAX];
    size_t siglen;
    const char *name = tc_signer_id(s);
    uint32_t id = tc_pubkey_note_id(tc_signer_pubkey(s), name);
    raw[0] = (uint8_t)(id >> 24), raw[1] = (uint8_t)(id >> 16), raw[2] = (uint8_t)(id >> 8);
    raw[3] = (uint8_t)id;
    int rc = tc_signer_sign(s, text, n, raw + 4, &siglen, e);
    if (rc)
        return rc;
    char b64[2 * (4 + TC_SIGN_MAX)];
    tc_b64_encode(raw, 4 + siglen, b64);
    snprintf(line, cap, AUDIT_EMDASH " %s %s\n", name, b64);
    return 0;
}

/* ============================================== folders kept locked */

/* Create dir (mode) when missing (*made says so), open it and lock it;
 * *fd receives the descriptor, whose closing unlocks. */
static int lock_folder(const char *dir, mode_t mode, int *fd, int *made, tc_err *e)
{
    *made = mkdir(dir, mode) == 0;
    if (*made && tc_perm_path(dir, mode, e))
        return e->code;
    if (!*made && errno != EEXIST) {
        int err = errno;
        tc_err_at(e, dir, 0, 0);
        tc_fail(e, TC_EIO, "cannot make the folder: %s", strerror(err));
        return tc_err_hint(e, "its parent folder must exist and be writable");
    }
    *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0 || flock(*fd, LOCK_EX) != 0) {
        int err = errno;
        if (*fd >= 0)
            close(*fd);
        if (*made)
            rmdir(dir);
        tc_err_at(e, dir, 0, 0);
        return tc_fail(e, TC_EIO, "cannot open and lock the folder: %s", strerror(err));
    }
    return 0;
}

/* Unlock dir; when this run made it and failed, remove it again (it is
 * empty then): a refusal leaves nothing behind. */
static void unlock_folder(const char *dir, int fd, int made, int rc)
{
    if (rc && made)
        rmdir(dir);
    close(fd);
}

/* Write the bytes of a note to path, whole or not at all. */
static int write_note(const char *path, const char *a, const char *b, mode_t mode, tc_err *e)
{
    tc_atomic *t;
    int rc = tc_atomic_open_mode(&t, path, mode, e);
    if (rc)
        return rc;
    fputs(a, tc_atomic_file(t));
    if (b)
        fputs(b, tc_atomic_file(t));
    return tc_atomic_commit(t, e);
}

/* The checkpoint kept at path for origin, when there is one: *have is set
 * and c filled.  A file whose origin is not the origin (its name says it
 * is) is refused: someone put it there. */
static int load_kept(const char *path, const char *origin, checkpoint *c, int *have, tc_err *e)
{
    *have = 0;
    if (access(path, F_OK) != 0)
        return 0;
    int rc = audit_cp_load(c, path, e);
    if (rc)
        return rc;
    if (strcmp(c->origin, origin) != 0) {
        tc_err_at(e, path, 0, 0);
        tc_fail(e, TC_EINTEGRITY, "kept as a checkpoint of origin '%s', this is one of '%s'",
                origin, c->origin);
        audit_cp_free(c);
        return tc_err_hint(e, "the folder was changed by hand; find out why before signing");
    }
    *have = 1;
    return 0;
}

/* ================================================ checkpoints, proofs */

void tc_audit_store_path(const char *path, char *buf, size_t n)
{
    snprintf(buf, n, "%s" AUDIT_STORE_SUFFIX, path);
}

/* The name of the store's last checkpoint for origin (the largest size),
 * into name ("" when none); its size from the name in *size. */
static int store_last(const char *store, const char *origin, char *name, size_t cap,
                      uint64_t *size, tc_err *e)
{
    char id[17], want[64];
    audit_origin_id(origin, id);
    snprintf(want, sizeof(want), "-%s.checkpoint", id);
    name[0] = '\0';
    *size = 0;
    DIR *d = opendir(store);
    if (!d) {
        tc_err_at(e, store, 0, 0);
        return tc_fail(e, TC_EIO, "cannot read the checkpoint store: %s", strerror(errno));
    }
    struct dirent *de;
    int found = 0;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        /* 20 digits, leading zeros and all, then the origin's id */
        if (strlen(nm) != 20 + strlen(want) || strcmp(nm + 20, want) != 0 ||
            strspn(nm, "0123456789") != 20)
            continue;
        uint64_t sz = 0;
        for (int i = 0; i < 20; i++)
            sz = sz * 10 + (uint64_t)(nm[i] - '0');
        if (!found || sz > *size) {
            found = 1;
            *size = sz;
            snprintf(name, cap, "%s/%s", store, nm);
        }
    }
    closedir(d);
    return 0;
}

/* Signature lines by each signer over text, into a malloc'd *lines. */
static int sign_lines(const tc_signer *const *signers, size_t n, const char *text, size_t tn,
                      char **lines, tc_err *e)
{
    *lines = calloc(n + 1, 512);
    if (!*lines)
        return audit_oom(e);
    for (size_t i = 0; i < n; i++) {
        char line[512];
        int rc = audit_note_sign(signers[i], text, tn, line, sizeof(line), e);
        if (rc) {
            free(*lines);
            *lines = NULL;
            return rc;
        }
        strcat(*lines, line);
    }
    return 0;
}

/* old's signature lines, then those of lines by keys old lacks. */
static char *merge_sigs(const checkpoint *old, const char *lines)
{
    size_t on = strlen(old->buf), ln = strlen(lines);
    char *m = malloc(on + ln + 1);
    if (!m)
        return NULL;
    memcpy(m, old->buf, on + 1);
    for (const char *p = lines; *p;) {
        const char *eol = strchr(p, '\n'), *name = p + strlen(AUDIT_EMDASH " ");
        const char *sp = strchr(name, ' ');
        int have = 0;
        for (size_t i = 0; i < old->nsigs; i++)
            if (strlen(old->sigs[i].name) == (size_t)(sp - name) &&
                memcmp(old->sigs[i].name, name, (size_t)(sp - name)) == 0)
                have = 1;
        if (!have)
            strncat(m, p, (size_t)(eol - p + 1));
        p = eol + 1;
    }
    return m;
}

/* Refuse an origin a note cannot carry: empty, not UTF-8, or holding a
 * control character (a newline would make it two lines). */
static int check_origin(const char *origin, size_t n, tc_err *e)
{
    size_t len = origin ? strlen(origin) : 0;
    int ok = len > 0 && len < sizeof(((checkpoint *)0)->origin) && n > 0;
    for (size_t i = 0; ok && i < len;) {
        uint32_t cp;
        size_t k = tc_utf8_decode(origin + i, len - i, &cp);
        ok = k && cp >= 0x20;
        i += k;
    }
    if (ok)
        return 0;
    tc_fail(e, TC_EUSAGE, "a checkpoint needs a one-line origin of valid UTF-8 without control "
            "characters, and a signing key");
    return tc_err_hint(e, "name the log, e.g. --origin tongchou.example/changchun");
}

int tc_audit_checkpoint(const char *path, const char *origin, const tc_signer *const *signers,
                        size_t n, const char *out, tc_err *e)
{
    int rc = check_origin(origin, n, e);
    if (rc)
        return rc;
    if (n > AUDIT_NOTE_MAX_SIGS)
        return tc_fail(e, TC_EUSAGE, "%zu keys: a checkpoint carries %d signatures at most "
                       "(docs/audit.md, Limits)", n, AUDIT_NOTE_MAX_SIGS);
    char store[4200], last[4400], kept[4400], id[17];
    tc_audit_store_path(path, store, sizeof(store));
    int lock, made;
    if ((rc = lock_folder(store, tc_perm_dir(), &lock, &made, e)))
        return rc;
    vstate v;
    tc_audit_report r;
    checkpoint old;
    int have = 0;
    uint64_t lsize;
    char *lines = NULL, *merged = NULL;
    memset(&old, 0, sizeof(old));
    if ((rc = audit_read_chain(&v, &r, path, e))) {
        unlock_folder(store, lock, made, rc);
        return rc;
    }
    if ((rc = store_last(store, origin, last, sizeof(last), &lsize, e)) ||
        (last[0] && (rc = load_kept(last, origin, &old, &have, e))))
        goto done;
    uint8_t root[TC_MERKLE_HASH], prefix[TC_MERKLE_HASH];
    char b64[64], ob64[64], pb64[64], text[1200];
    tc_merkle_root(v.leaves, v.nleaves, root);
    tc_b64_encode(root, sizeof(root), b64);
    if (have && old.size != lsize) {
        tc_err_at(e, last, 0, 0);
        rc = tc_fail(e, TC_EINTEGRITY, "kept as the checkpoint of %" PRIu64 " entries, this one "
                     "covers %" PRIu64 "; nothing signed", lsize, old.size);
        tc_err_hint(e, "the store was changed by hand; find out why before signing");
        goto done;
    }
    if (have && old.size > v.nleaves) {
        tc_err_at(e, path, 0, 0);
        rc = tc_fail(e, TC_EINTEGRITY, "the trail holds %zu entries, but the checkpoint %s "
                     "already covers %" PRIu64 ": entries were removed; nothing signed",
                     v.nleaves, last, old.size);
        tc_err_hint(e, "a checkpoint never goes back: restore the trail's missing entries");
        goto done;
    }
    if (have && !audit_extends(v.leaves, v.nleaves, old.size, old.root, prefix)) {
        audit_b64_32(old.root, ob64);
        audit_b64_32(prefix, pb64);
        tc_err_at(e, path, 0, 0);
        rc = tc_fail(e, TC_EINTEGRITY, "the trail was rewritten: the checkpoint %s signed %"
                     PRIu64 " entries with root %s, but the trail's first %" PRIu64 " entries "
                     "now have root %s; refusing to sign %zu entries with root %s", last,
                     old.size, ob64, old.size, pb64, v.nleaves, b64);
        tc_err_hint(e, "find the changed entries with tongchou audit verify --checkpoint %s",
                    last);
        goto done;
    }
    int tn = snprintf(text, sizeof(text), "%s\n%zu\n%s\n", origin, v.nleaves, b64);
    if ((rc = sign_lines(signers, n, text, (size_t)tn, &lines, e)))
        goto done;
    /* the store first: no checkpoint is out that the store does not hold */
    audit_origin_id(origin, id);
    snprintf(kept, sizeof(kept), "%s/%020zu-%s.checkpoint", store, v.nleaves, id);
    if (have && old.size == v.nleaves) {
        if (!(merged = merge_sigs(&old, lines))) {
            rc = audit_oom(e);
            goto done;
        }
        rc = write_note(kept, merged, NULL, tc_perm_file(), e);
    } else {
        char note[1300];
        snprintf(note, sizeof(note), "%s\n", text);
        rc = write_note(kept, note, lines, tc_perm_file(), e);
    }
    if (!rc) {
        char note[1300];
        snprintf(note, sizeof(note), "%s\n", text);
        rc = write_note(out, note, lines, tc_perm_file(), e);
    }
done:
    free(lines);
    free(merged);
    audit_cp_free(&old);
    free(v.leaves);
    unlock_folder(store, lock, made, rc);
    return rc;
}

/* Load a checkpoint and check its root against the trail's chain. */
static int cp_against_trail(const char *path, const char *cpath, checkpoint *c, vstate *v,
                            tc_err *e)
{
    tc_audit_report r;
    int rc = audit_cp_load(c, cpath, e);
    if (rc)
        return rc;
    if ((rc = audit_read_chain(v, &r, path, e))) {
        audit_cp_free(c);
        return rc;
    }
    uint8_t root[TC_MERKLE_HASH];
    char want[64], got[64];
    audit_b64_32(c->root, want);
    if (c->size <= v->nleaves)
        tc_merkle_root(v->leaves, c->size, root);
    if (c->size > v->nleaves || memcmp(root, c->root, TC_MERKLE_HASH) != 0) {
        tc_err_at(e, cpath, 0, 0);
        if (c->size > v->nleaves)
            tc_fail(e, TC_EINTEGRITY, "the checkpoint covers %" PRIu64 " entries, the trail %s "
                    "holds %zu", c->size, path, v->nleaves);
        else {
            audit_b64_32(root, got);
            tc_fail(e, TC_EINTEGRITY, "the checkpoint's root %s is not %s, the root of the "
                    "first %" PRIu64 " entries of the trail %s", want, got, c->size, path);
        }
        free(v->leaves);
        audit_cp_free(c);
        return tc_err_hint(e, "run tongchou audit verify --checkpoint %s", cpath);
    }
    return 0;
}

/* As a witness: the trusted keys' signatures on c (o->keys, and the
 * policy's but its witnesses'): one must verify, none may fail. */
static int witness_trusts(const checkpoint *c, const char *cpath, const tc_audit_cosign_opts *o,
                          tc_err *e)
{
    const tc_pubkey *keys[256];
    size_t n = 0;
    for (size_t i = 0; i < o->nkeys && n < 256; i++)
        keys[n++] = o->keys[i];
    for (int r = 0; o->policy && r < TC_NROLES; r++) {
        const tc_pubkey *const *rk;
        size_t nr = tc_policy_keys(o->policy, (tc_role)r, &rk);
        for (size_t i = 0; r != TC_ROLE_WITNESS && i < nr && n < 256; i++)
            keys[n++] = rk[i];
    }
    if (n == 0)
        return 0;   /* no keys named: the trail is the witness's only check */
    const char *failed;
    size_t good = audit_cp_good_sigs(c, keys, n, &failed);
    tc_err_at(e, cpath, 0, 0);
    if (failed) {
        tc_fail(e, TC_EINTEGRITY, "the checkpoint's signature by %s does not verify; not "
                "cosigned", failed);
        return tc_err_hint(e, "the checkpoint was changed after signing");
    }
    if (good == 0) {
        tc_fail(e, TC_EINTEGRITY, "no trusted key signed the checkpoint; not cosigned");
        return tc_err_hint(e, o->policy ? "the log's key must be in the policy"
                                        : "give the log's public key with --pub");
    }
    return 0;
}

int tc_audit_cosign(const char *path, const char *cpath, const tc_signer *s,
                    const tc_audit_cosign_opts *o, tc_err *e)
{
    if (!o || !o->state || !o->state[0]) {
        tc_fail(e, TC_EUSAGE, "a witness needs its state folder, where it keeps the last "
                "checkpoint it cosigned");
        return tc_err_hint(e, "give --state DIR");
    }
    int rc;
    if (o->policy && (rc = tc_policy_expect(o->policy, tc_signer_id(s), TC_ROLE_WITNESS,
                                            "cosigning a checkpoint", e)))
        return rc;
    checkpoint c, old;
    vstate v;
    memset(&old, 0, sizeof(old));
    if ((rc = cp_against_trail(path, cpath, &c, &v, e)))
        return rc;
    const char *porigin = o->policy ? tc_policy_origin(o->policy) : "";
    if (porigin[0] && strcmp(porigin, c.origin) != 0) {
        tc_err_at(e, cpath, 0, 0);
        rc = tc_fail(e, TC_EINTEGRITY, "the checkpoint's origin is '%s', the policy's '%s'; not "
                     "cosigned", c.origin, porigin);
        goto out;
    }
    if ((rc = witness_trusts(&c, cpath, o, e)))
        goto out;
    char id[17], kept[4300], had[64], now[64], pre[64];
    int lock, made, have = 0;
    audit_origin_id(c.origin, id);
    snprintf(kept, sizeof(kept), "%s/%s.checkpoint", o->state, id);
    if ((rc = lock_folder(o->state, tc_perm_dir() & 0700, &lock, &made, e)))
        goto out;
    if ((rc = load_kept(kept, c.origin, &old, &have, e)))
        goto unlock;
    audit_b64_32(c.root, now);
    if (have) {
        uint8_t prefix[TC_MERKLE_HASH];
        audit_b64_32(old.root, had);
        tc_err_at(e, cpath, 0, 0);
        if (c.size < old.size) {
            rc = tc_fail(e, TC_EINTEGRITY, "this witness already cosigned %" PRIu64 " entries "
                         "of '%s'; a checkpoint of %" PRIu64 " goes back, not cosigned",
                         old.size, c.origin, c.size);
            tc_err_hint(e, "its last cosigned checkpoint is %s", kept);
            goto unlock;
        }
        if (c.size == old.size && memcmp(c.root, old.root, TC_MERKLE_HASH) != 0) {
            rc = tc_fail(e, TC_EINTEGRITY, "fork: this witness cosigned %" PRIu64 " entries of "
                         "'%s' with root %s; this checkpoint signs %" PRIu64 " entries with root "
                         "%s; not cosigned", old.size, c.origin, had, c.size, now);
            tc_err_hint(e, "the trail was rewritten; its last cosigned checkpoint is %s", kept);
            goto unlock;
        }
        if (!audit_extends(v.leaves, c.size, old.size, old.root, prefix)) {
            audit_b64_32(prefix, pre);
            rc = tc_fail(e, TC_EINTEGRITY, "fork: not a consistent extension: this witness "
                         "cosigned %" PRIu64 " entries of '%s' with root %s, but the first %"
                         PRIu64 " entries of this checkpoint's tree (%" PRIu64 " entries, root "
                         "%s) have root %s; not cosigned", old.size, c.origin, had, old.size,
                         c.size, now, pre);
            tc_err_hint(e, "the trail was rewritten; its last cosigned checkpoint is %s", kept);
            goto unlock;
        }
    }
    int signed_already = 0;
    for (size_t i = 0; i < c.nsigs; i++)
        signed_already |= strcmp(c.sigs[i].name, tc_signer_id(s)) == 0;
    char line[512] = "";
    if (!signed_already && c.nsigs >= AUDIT_NOTE_MAX_SIGS) {
        tc_err_at(e, cpath, 0, 0);
        rc = tc_fail(e, TC_EINPUT, "the checkpoint carries %d signatures already, the most a "
                     "checkpoint may (docs/audit.md, Limits); not cosigned", AUDIT_NOTE_MAX_SIGS);
        goto unlock;
    }
    if (!signed_already &&
        (rc = audit_note_sign(s, c.buf, c.ntext, line, sizeof(line), e)))
        goto unlock;
    /* the state first: no cosignature is out that the state does not hold */
    if (!(rc = write_note(kept, c.buf, line, 0600, e)) && !signed_already)
        rc = write_note(cpath, c.buf, line, tc_perm_file(), e);
unlock:
    unlock_folder(o->state, lock, made, rc);
out:
    free(v.leaves);
    audit_cp_free(&c);
    audit_cp_free(&old);
    return rc;
}

int tc_audit_prove(const char *path, const char *cpath, long long seq, const char *out,
                   tc_err *e)
{
    checkpoint c;
    vstate v;
    int rc = cp_against_trail(path, cpath, &c, &v, e);
    if (rc)
        return rc;
    if (seq < 1 || (uint64_t)seq > c.size) {
        free(v.leaves);
        audit_cp_free(&c);
        tc_fail(e, TC_EUSAGE, "entry %lld is not in the checkpoint, which covers entries 1 to %"
                PRIu64, seq, c.size);
        return tc_err_hint(e, "make a newer checkpoint with tongchou audit checkpoint");
    }
    tc_mhash proof[TC_MERKLE_MAXPROOF];
    int np = tc_merkle_inclusion_proof(v.leaves, c.size, (uint64_t)seq - 1, proof);
    free(v.leaves);
    tc_atomic *a;
    if ((rc = tc_atomic_open(&a, out, e))) {
        audit_cp_free(&c);
        return rc;
    }
    FILE *f = tc_atomic_file(a);
    fprintf(f, AUDIT_PROOF_HEADER "\nindex %lld\n", seq - 1);
    for (int i = 0; i < np; i++) {
        char b64[64];
        tc_b64_encode(proof[i], TC_MERKLE_HASH, b64);
        fprintf(f, "%s\n", b64);
    }
    fputc('\n', f);
    fputs(c.buf, f);
    audit_cp_free(&c);
    return tc_atomic_commit(a, e);
}

