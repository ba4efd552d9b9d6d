/*
 * audit_read.c - reading what the trail's keepers hand out: a checkpoint
 * (a signed note, c2sp.org/signed-note and tlog-checkpoint) parsed into
 * its body and signature lines, strictly (a note two parsers would read
 * differently is a note two parties could disagree on), and the small
 * files it comes in; its signatures checked against keys; and whether one
 * tree extends another (RFC 6962 consistency).  Both the making of notes
 * (audit_note.c) and verification (audit_verify.c) need these; this file
 * serves both and depends on neither.  See audit.h.
 */
#include "core/audit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/audit_int.h"
#include "core/jcs.h"

void audit_cp_free(checkpoint *c)
{
    free(c->buf);
    free(c->sigs);
    memset(c, 0, sizeof(*c));
}

int audit_read_small(const char *path, char **out, size_t *n, tc_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot open: %s", strerror(errno));
    }
    char *b = malloc(AUDIT_NOTE_MAX + 1);
    size_t k = b ? fread(b, 1, AUDIT_NOTE_MAX + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!b)
        return audit_oom(e);
    if (bad || k > AUDIT_NOTE_MAX) {
        free(b);
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, bad ? TC_EIO : TC_EINPUT, bad ? "cannot read" : "larger than 1 MiB");
    }
    b[k] = '\0';
    *out = b;
    *n = k;
    return 0;
}

int audit_parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

void audit_b64_32(const uint8_t *h, char *out) { tc_b64_encode(h, TC_MERKLE_HASH, out); }

void audit_origin_id(const char *origin, char *out)
{
    uint8_t h[EVP_MAX_MD_SIZE];
    unsigned int hn = 0;
    EVP_Digest(origin, strlen(origin), h, &hn, EVP_sha256(), NULL);
    tc_hex(h, 8, out);
}

/* Unicode spaces (White_Space), which a signed note's key name must not
 * hold; the ASCII ones below U+0020 are control characters, refused
 * before. */
static int unicode_space(uint32_t c)
{
    return c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
           c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Why the signed note buf[0..n) is not valid UTF-8 free of control
 * characters other than newline (c2sp.org/signed-note), or NULL. */
static const char *note_chars(const char *buf, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = tc_utf8_decode(buf + i, n - i, &cp);
        if (!k)
            return "is not valid UTF-8";
        if (cp < 0x20 && cp != '\n')
            return "holds a control character";
        i += k;
    }
    return NULL;
}

/* Why name[0..n) is not a signed-note key name, or NULL. */
static const char *key_name(const char *name, size_t n)
{
    if (n == 0)
        return "has a signature line with an empty key name";
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t k = tc_utf8_decode(name + i, n - i, &cp);
        if (!k || cp == '+' || unicode_space(cp))
            return "has a key name holding a space or '+' (c2sp.org/signed-note)";
        i += k;
    }
    return NULL;
}

/*
 * Parse a checkpoint note held in buf[0..n) (buf is taken over), to the
 * letter of c2sp.org/signed-note and tlog-checkpoint: valid UTF-8 without
 * control characters but newline; the text, up to the last blank line, of
 * at least three non-empty lines (origin; tree size in decimal without
 * leading zeros; canonical base64 of a 32-byte root) and non-empty
 * extension lines; then one or more lines "— NAME BASE64" with a key name
 * free of spaces and '+', and canonical base64 of a 4-byte key id and a
 * signature.  Anything else is TC_EINPUT saying what.
 */
int audit_cp_parse(checkpoint *c, char *buf, size_t n, const char *path, tc_err *e)
{
    memset(c, 0, sizeof(*c));
    c->buf = buf;
    const char *why = note_chars(buf, n);
    char *sep = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if (buf[i] == '\n' && buf[i + 1] == '\n')
            sep = buf + i;   /* the last blank line separates the signatures */
    if (!why && !sep)
        why = "has no blank line before its signatures";
    if (!why && (n == 0 || buf[n - 1] != '\n'))
        why = "does not end in a newline";
    if (why)
        goto bad;
    c->ntext = (size_t)(sep - buf) + 1;
    /* the text: origin, size, root, then extension lines; none empty */
    char *line[3];
    size_t len[3];
    int nl = 0;
    for (char *p = buf; p < buf + c->ntext;) {
        char *eol = memchr(p, '\n', (size_t)(buf + c->ntext - p));
        if (eol == p) {
            why = nl == 0   ? "has an empty origin line"
                  : nl < 3  ? "has an empty line among its origin, size and root"
                            : "has an empty extension line (c2sp.org/tlog-checkpoint: "
                              "extension lines must not be empty)";
            goto bad;
        }
        if (nl < 3)
            line[nl] = p, len[nl] = (size_t)(eol - p);
        nl++;
        p = eol + 1;
    }
    if (nl < 3) {
        why = "does not have the three lines of a checkpoint (origin, size, root)";
        goto bad;
    }
    if (len[0] >= sizeof(c->origin)) {
        why = "has an overlong origin";
        goto bad;
    }
    memcpy(c->origin, line[0], len[0]);
    if (audit_parse_u64(line[1], len[1], &c->size)) {
        why = "has a tree size that is not a decimal number without leading zeros";
        goto bad;
    }
    if (tc_b64_decode(line[2], len[2], c->root, sizeof(c->root)) != TC_MERKLE_HASH) {
        why = "has a root hash that is not canonical base64 of 32 bytes";
        goto bad;
    }
    /* signature lines */
    size_t dl = strlen(AUDIT_EMDASH " ");
    for (char *p = sep + 2; p < buf + n;) {
        char *eol = memchr(p, '\n', (size_t)(buf + n - p));
        char *sp = (size_t)(eol - p) > dl ? memchr(p + dl, ' ', (size_t)(eol - p - dl)) : NULL;
        if (!sp || strncmp(p, AUDIT_EMDASH " ", dl) != 0) {
            why = "has a signature line not of the form '" AUDIT_EMDASH " NAME BASE64'";
            goto bad;
        }
        size_t nn = (size_t)(sp - p - dl);
        if ((why = key_name(p + dl, nn)))
            goto bad;
        if (nn >= sizeof(c->sigs[0].name)) {
            why = "has an overlong key name";
            goto bad;
        }
        /* a foreign signature may be long (post-quantum ones: kilobytes) */
        size_t bn = (size_t)(eol - sp - 1);
        uint8_t *raw = malloc(bn / 4 * 3 + 4);
        if (!raw)
            return audit_oom(e);
        long k = tc_b64_decode(sp + 1, bn, raw, bn / 4 * 3 + 4);
        if (k < 5) {
            free(raw);
            why = k < 0 ? "has a signature that is not canonical base64"
                        : "has a signature shorter than a key id and one byte";
            goto bad;
        }
        if (c->nsigs == AUDIT_NOTE_MAX_SIGS) {
            free(raw);
            why = "carries more than 100 signatures (the most a checkpoint may)";
            goto bad;
        }
        note_sig *ns = realloc(c->sigs, (c->nsigs + 1) * sizeof(*ns));
        if (!ns) {
            free(raw);
            return audit_oom(e);
        }
        c->sigs = ns;
        ns = &c->sigs[c->nsigs++];
        memset(ns, 0, sizeof(*ns));
        memcpy(ns->name, p + dl, nn);
        ns->id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
        /* longer than any signature of ours: kept empty, it verifies under no key */
        ns->nsig = (size_t)k - 4 <= TC_SIGN_MAX ? (size_t)k - 4 : 0;
        memcpy(ns->sig, raw + 4, ns->nsig);
        free(raw);
        p = eol + 1;
    }
    if (c->nsigs == 0) {
        why = "carries no signature";
        goto bad;
    }
    return 0;
bad:
    tc_err_at(e, path, 0, 0);
    tc_fail(e, TC_EINPUT, "not a signed checkpoint: it %s", why);
    return tc_err_hint(e, "give a file written by tongchou audit checkpoint");
}

size_t audit_cp_good_sigs(const checkpoint *c, const tc_pubkey *const *keys, size_t n,
                          const char **failed)
{
    size_t good = 0;
    if (failed)
        *failed = NULL;
    for (size_t i = 0; i < c->nsigs; i++) {
        const note_sig *s = &c->sigs[i];
        for (size_t k = 0; k < n; k++) {
            if (strcmp(s->name, tc_pubkey_id(keys[k])) != 0 ||
                tc_pubkey_note_id(keys[k], s->name) != s->id)
                continue;   /* unknown keys are ignored (signed-note) */
            if (tc_pubkey_verify(keys[k], c->buf, c->ntext, s->sig, s->nsig))
                good++;
            else if (failed && !*failed)
                *failed = s->name;
            break;
        }
    }
    return good;
}

int audit_extends(const tc_mhash *leaves, uint64_t n, uint64_t m, const uint8_t *old,
                  uint8_t *have)
{
    tc_merkle_root(leaves, m <= n ? m : 0, have);
    if (m > n)
        return 0;
    if (m == 0)
        return memcmp(old, have, TC_MERKLE_HASH) == 0;    /* the empty tree's root */
    uint8_t now[TC_MERKLE_HASH];
    tc_mhash proof[TC_MERKLE_MAXPROOF];
    tc_merkle_root(leaves, n, now);
    int np = tc_merkle_consistency_proof(leaves, m, n, proof);
    return np >= 0 && tc_merkle_consistency_verify(m, n, old, now, proof, np);
}

int audit_cp_load(checkpoint *c, const char *path, tc_err *e)
{
    char *b;
    size_t n;
    int rc = audit_read_small(path, &b, &n, e);
    if (rc)
        return rc;
    if ((rc = audit_cp_parse(c, b, n, path, e)))
        audit_cp_free(c);
    return rc;
}
