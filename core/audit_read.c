/*
 * audit_read.c - reading what the trail's keepers hand out: a checkpoint
 * (a signed note, c2sp.org/signed-note and tlog-checkpoint) parsed into
 * its body and signature lines, and the small files it comes in.  Both the
 * making of notes (audit_note.c) and verification (audit_verify.c) read
 * checkpoints; this file serves both and depends on neither.  See audit.h.
 */
#include "core/audit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_int.h"

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
        return tc_fail(e, TC_EIO, "cannot open: %s", strerror(errno));
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

/* Parse a checkpoint note held in buf[0..n) (buf is taken over). */
int audit_cp_parse(checkpoint *c, char *buf, size_t n, const char *path, tc_err *e)
{
    memset(c, 0, sizeof(*c));
    c->buf = buf;
    const char *why = NULL;
    char *sep = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if (buf[i] == '\n' && buf[i + 1] == '\n')
            sep = buf + i;   /* the last blank line separates the signatures */
    for (size_t i = 0; i < n && !why; i++)
        if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
            why = "holds a control character";
    if (!why && !sep)
        why = "has no blank line before its signatures";
    if (!why && (n == 0 || buf[n - 1] != '\n'))
        why = "does not end in a newline";
    if (why)
        goto bad;
    c->ntext = (size_t)(sep - buf) + 1;
    /* body: origin, size, root */
    char *l1 = buf, *e1 = memchr(l1, '\n', c->ntext);
    char *l2 = e1 + 1, *e2 = l2 < buf + c->ntext ? memchr(l2, '\n', c->ntext - (size_t)(l2 - buf)) : NULL;
    char *l3 = e2 ? e2 + 1 : NULL;
    char *e3 = l3 && l3 < buf + c->ntext ? memchr(l3, '\n', c->ntext - (size_t)(l3 - buf)) : NULL;
    if (!e3) {
        why = "does not have the three lines of a checkpoint (origin, size, root)";
        goto bad;
    }
    if (e1 == l1 || (size_t)(e1 - l1) >= sizeof(c->origin)) {
        why = "has an empty or overlong origin";
        goto bad;
    }
    memcpy(c->origin, l1, (size_t)(e1 - l1));
    if (audit_parse_u64(l2, (size_t)(e2 - l2), &c->size)) {
        why = "has a tree size that is not a decimal number";
        goto bad;
    }
    if (tc_b64_decode(l3, (size_t)(e3 - l3), c->root, sizeof(c->root)) != TC_MERKLE_HASH) {
        why = "has a root hash that is not 32 bytes of base64";
        goto bad;
    }
    /* signature lines */
    for (char *p = sep + 2; p < buf + n;) {
        char *eol = memchr(p, '\n', (size_t)(buf + n - p));
        size_t dl = strlen(AUDIT_EMDASH " ");
        char *sp = eol && (size_t)(eol - p) > dl ? memchr(p + dl, ' ', (size_t)(eol - p - dl))
                                                 : NULL;
        if (!sp || strncmp(p, AUDIT_EMDASH " ", dl) != 0 || sp == p + dl ||
            (size_t)(sp - p - dl) >= sizeof(c->sigs[0].name)) {
            why = "has a signature line not of the form '\xe2\x80\x94 NAME BASE64'";
            goto bad;
        }
        note_sig *ns = realloc(c->sigs, (c->nsigs + 1) * sizeof(*ns));
        if (!ns)
            return audit_oom(e);
        c->sigs = ns;
        ns = &c->sigs[c->nsigs];
        memset(ns, 0, sizeof(*ns));
        memcpy(ns->name, p + dl, (size_t)(sp - p - dl));
        uint8_t raw[4 + TC_SIGN_MAX];
        long k = tc_b64_decode(sp + 1, (size_t)(eol - sp - 1), raw, sizeof(raw));
        if (k < 5) {
            /* a signature we cannot even decode is one we cannot know:
             * kept with no bytes, so it matches no key */
            k = 4;
            memset(raw, 0, 4);
        }
        ns->id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
        ns->nsig = (size_t)k - 4;
        memcpy(ns->sig, raw + 4, ns->nsig);
        c->nsigs++;
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
