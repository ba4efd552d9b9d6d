/*
 * sign.c - see sign.h.  A thin layer over OpenSSL 3's EVP_PKEY: keys are
 * generated with EVP_PKEY_Q_keygen, written and read as PEM, and used with
 * EVP_DigestSign / EVP_DigestVerify - Ed25519 with no digest (it hashes
 * internally), SM2 with SM3 and the distinguishing ID set on a PKEY_CTX that
 * is handed to the MD_CTX (EVP_MD_CTX_set_pkey_ctx), the way the EVP_PKEY-SM2
 * manual page shows.
 */
#include "core/perm.h"
#include "core/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/atomic.h"
#include "core/digest.h"
#include "core/keyfile.h"

struct tc_pubkey {
    EVP_PKEY *pkey;
    tc_sign_alg alg;
    char id[TC_KEYID_MAX];
    uint8_t *spki;      /* DER SubjectPublicKeyInfo */
    size_t nspki;
    uint8_t raw[32];    /* Ed25519 raw public key */
};

struct tc_signer {
    EVP_PKEY *pkey;
    tc_pubkey pub;      /* pub.pkey is pkey, not owned twice */
};

const char *tc_sign_alg_name(tc_sign_alg alg)
{
    return alg == TC_SIGN_SM2 ? "sm2" : "ed25519";
}

int tc_sign_alg_parse(const char *name, tc_sign_alg *out, tc_err *e)
{
    if (strcmp(name, "ed25519") == 0)
        *out = TC_SIGN_ED25519;
    else if (strcmp(name, "sm2") == 0)
        *out = TC_SIGN_SM2;
    else {
        tc_fail(e, TC_EUSAGE, "unknown signature algorithm '%s'", name);
        return tc_err_hint(e, "use ed25519 or sm2");
    }
    return 0;
}

/* The last OpenSSL error as text, for messages. */
static const char *ossl_reason(void)
{
    static _Thread_local char buf[256];
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (!code)
        return "unknown OpenSSL error";
    ERR_error_string_n(code, buf, sizeof(buf));
    return buf;
}

/* Fill the derived fields of k from k->pkey: algorithm, SPKI, key id. */
static int pub_fill(tc_pubkey *k, const char *path, tc_err *e)
{
    if (EVP_PKEY_is_a(k->pkey, "ED25519"))
        k->alg = TC_SIGN_ED25519;
    else if (EVP_PKEY_is_a(k->pkey, "SM2"))
        k->alg = TC_SIGN_SM2;
    else {
        tc_err_at(e, path, 0, 0);
        tc_fail(e, TC_EINPUT, "key is %s, neither ed25519 nor sm2",
                EVP_PKEY_get0_type_name(k->pkey) ? EVP_PKEY_get0_type_name(k->pkey) : "unknown");
        return tc_err_hint(e, "make one with tongchou keygen");
    }
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k->pkey, &der);
    if (n <= 0)
        return tc_fail(e, TC_EINTERNAL, "cannot encode a public key: %s", ossl_reason());
    k->spki = der;
    k->nspki = (size_t)n;
    if (k->alg == TC_SIGN_ED25519) {
        size_t rl = sizeof(k->raw);
        if (EVP_PKEY_get_raw_public_key(k->pkey, k->raw, &rl) != 1 || rl != 32)
            return tc_fail(e, TC_EINTERNAL, "cannot read an ed25519 public key: %s",
                           ossl_reason());
    }
    uint8_t h[32];
    unsigned int hl = 0;
    if (EVP_Digest(k->spki, k->nspki, h, &hl, EVP_sha256(), NULL) != 1)
        return tc_fail(e, TC_EINTERNAL, "sha-256 unavailable");
    char hex[17];
    tc_hex(h, 8, hex);
    snprintf(k->id, sizeof(k->id), "%s:%s", tc_sign_alg_name(k->alg), hex);
    return 0;
}

/* ------------------------------------------------------------- keygen */

int tc_keyfile_write(const char *path, EVP_PKEY *pk, int private, tc_err *e)
{
    tc_atomic *a;
    int rc = tc_atomic_open_mode(&a, path, private ? 0600 : tc_perm_file(), e);
    if (rc)
        return rc;
    int ok = private ? PEM_write_PrivateKey(tc_atomic_file(a), pk, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_PUBKEY(tc_atomic_file(a), pk);
    if (!ok) {
        tc_atomic_abort(a);
        return tc_fail(e, TC_EINTERNAL, "cannot write %s: %s", path, ossl_reason());
    }
    return tc_atomic_commit(a, e);
}

int tc_sign_keygen(tc_sign_alg alg, const char *name, char *keyid, tc_err *e)
{
    char kpath[4096], ppath[4096];
    snprintf(kpath, sizeof(kpath), "%s.key", name);
    snprintf(ppath, sizeof(ppath), "%s.pub", name);
    if (access(kpath, F_OK) == 0) {
        tc_err_at(e, kpath, 0, 0);
        tc_fail(e, TC_EINPUT, "a private key is already there");
        return tc_err_hint(e, "choose another name, or move the old key away first");
    }
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, alg == TC_SIGN_SM2 ? "SM2" : "ED25519");
    if (!pk)
        return tc_fail(e, TC_EINTERNAL, "cannot make a %s key: %s", tc_sign_alg_name(alg),
                       ossl_reason());
    tc_pubkey k;
    memset(&k, 0, sizeof(k));
    k.pkey = pk;
    int rc = pub_fill(&k, kpath, e);
    if (!rc)
        rc = tc_keyfile_write(kpath, pk, 1, e);
    if (!rc)
        rc = tc_keyfile_write(ppath, pk, 0, e);
    if (!rc)
        snprintf(keyid, TC_KEYID_MAX, "%s", k.id);
    OPENSSL_free(k.spki);
    EVP_PKEY_free(pk);
    return rc;
}

/* ------------------------------------------------------------- loading */

static int keyfile_open(FILE **out, const char *path, int private, const char *use, tc_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot open key: %s", strerror(err));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot stat key: %s", strerror(err));
    }
    /* Which half the file holds, told from its PEM label before anything
     * else: a slip of NAME.pub for NAME.key (or the reverse) gets the
     * right advice, not "chmod 600". */
    char head[256];
    ssize_t got = pread(fd, head, sizeof(head) - 1, 0);
    head[got > 0 ? got : 0] = '\0';
    int holds_private = strstr(head, "PRIVATE KEY-----") != NULL;
    int holds_public = strstr(head, "-----BEGIN PUBLIC KEY-----") != NULL;
    if (private && holds_public) {
        close(fd);
        tc_err_at(e, path, 0, 0);
        tc_fail(e, TC_EINPUT, "this is a public key; %s needs the private key", use);
        return tc_err_hint(e, "give the NAME.key file tongchou keygen wrote beside this .pub");
    }
    if (!private && holds_private) {
        close(fd);
        tc_err_at(e, path, 0, 0);
        tc_fail(e, TC_EINPUT, "this is a private key; only the public key is needed here");
        return tc_err_hint(e, "give the NAME.pub file, and keep the private key where only its "
                              "owner reads it");
    }
    if (private && (st.st_mode & 077)) {
        close(fd);
        tc_err_at(e, path, 0, 0);
        tc_fail(e, TC_EINPUT, "private key is open to group or others (mode %04o), refused",
                (unsigned)(st.st_mode & 07777));
        return tc_err_hint(e, "chmod 600 %s, if the key is still private; else make a new one",
                           path);
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    *out = f;
    return 0;
}

int tc_keyfile_from_text(EVP_PKEY **out, const char *b64, const char *where, tc_err *e)
{
    size_t n = strlen(b64);
    uint8_t der[512];
    long len = n < 680 ? tc_b64_decode(b64, n, der, sizeof(der)) : -1;
    const unsigned char *p = der;
    EVP_PKEY *pk = len > 0 ? d2i_PUBKEY(NULL, &p, len) : NULL;
    if (!pk || p != der + len) {
        EVP_PKEY_free(pk);
        ERR_clear_error();
        tc_fail(e, TC_EINPUT, "%s: not a public key (base64 of its DER SubjectPublicKeyInfo)",
                where);
        return tc_err_hint(e, "copy the lines between BEGIN and END PUBLIC KEY of the NAME.pub "
                              "file, joined into one");
    }
    *out = pk;
    return 0;
}

int tc_keyfile_read(EVP_PKEY **out, const char *path, int private, const char *use, tc_err *e)
{
    FILE *f;
    int rc = keyfile_open(&f, path, private, use, e);
    if (rc)
        return rc;
    EVP_PKEY *pk = private ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                           : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (!pk) {
        ERR_clear_error();
        tc_err_at(e, path, 0, 0);
        tc_fail(e, TC_EINPUT, private ? "not a PEM private key" : "not a PEM public key");
        return tc_err_hint(e, "give the NAME.%s file tongchou keygen wrote",
                           private ? "key" : "pub");
    }
    *out = pk;
    return 0;
}

int tc_signer_load(tc_signer **out, const char *path, tc_err *e)
{
    EVP_PKEY *pk;
    int rc = tc_keyfile_read(&pk, path, 1, "signing", e);
    if (rc)
        return rc;
    tc_signer *s = calloc(1, sizeof(*s));
    if (!s) {
        EVP_PKEY_free(pk);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    s->pkey = pk;
    s->pub.pkey = pk;
    if ((rc = pub_fill(&s->pub, path, e))) {
        tc_signer_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void tc_signer_free(tc_signer *s)
{
    if (!s)
        return;
    OPENSSL_free(s->pub.spki);
    EVP_PKEY_free(s->pkey);
    free(s);
}

const char *tc_signer_id(const tc_signer *s) { return s->pub.id; }
tc_sign_alg tc_signer_alg(const tc_signer *s) { return s->pub.alg; }
const tc_pubkey *tc_signer_pubkey(const tc_signer *s) { return &s->pub; }

int tc_pubkey_load(tc_pubkey **out, const char *path, tc_err *e)
{
    EVP_PKEY *pk;
    int rc = tc_keyfile_read(&pk, path, 0, "verifying", e);
    if (rc)
        return rc;
    tc_pubkey *k = calloc(1, sizeof(*k));
    if (!k) {
        EVP_PKEY_free(pk);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    k->pkey = pk;
    if ((rc = pub_fill(k, path, e))) {
        tc_pubkey_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

int tc_pubkey_from_text(tc_pubkey **out, const char *b64, const char *where, tc_err *e)
{
    EVP_PKEY *pk;
    int rc = tc_keyfile_from_text(&pk, b64, where, e);
    if (rc)
        return rc;
    tc_pubkey *k = calloc(1, sizeof(*k));
    if (!k) {
        EVP_PKEY_free(pk);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    k->pkey = pk;
    rc = pub_fill(k, where, e);
    if (rc) {
        tc_pubkey_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

size_t tc_pubkey_text(const tc_pubkey *k, char *out, size_t cap)
{
    if (cap < 4 * ((k->nspki + 2) / 3) + 1) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    return tc_b64_encode(k->spki, k->nspki, out);
}

void tc_pubkey_free(tc_pubkey *k)
{
    if (!k)
        return;
    OPENSSL_free(k->spki);
    EVP_PKEY_free(k->pkey);
    free(k);
}

const char *tc_pubkey_id(const tc_pubkey *k) { return k->id; }
tc_sign_alg tc_pubkey_alg(const tc_pubkey *k) { return k->alg; }

/* ------------------------------------------------------ sign and verify */

/*
 * Prepare mctx for signing or verifying with pk.  For SM2 the PKEY_CTX
 * carrying the distinguishing ID must outlive mctx (set_pkey_ctx does not
 * hand it over), so it is returned in *pctx for the caller to free.
 */
static int init_ctx(EVP_MD_CTX *mctx, EVP_PKEY_CTX **pctx, EVP_PKEY *pk, tc_sign_alg alg,
                    int sign)
{
    *pctx = NULL;
    if (alg == TC_SIGN_ED25519)
        return sign ? EVP_DigestSignInit_ex(mctx, NULL, NULL, NULL, NULL, pk, NULL)
                    : EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, pk, NULL);
    *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    if (!*pctx)
        return 0;
    if (EVP_PKEY_CTX_set1_id(*pctx, TC_SM2_ID, strlen(TC_SM2_ID)) != 1)
        return 0;
    EVP_MD_CTX_set_pkey_ctx(mctx, *pctx);
    return sign ? EVP_DigestSignInit(mctx, NULL, EVP_sm3(), NULL, pk)
                : EVP_DigestVerifyInit(mctx, NULL, EVP_sm3(), NULL, pk);
}

int tc_signer_sign(const tc_signer *s, const void *msg, size_t n, uint8_t *sig,
                   size_t *siglen, tc_err *e)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int rc = 0;
    size_t len = TC_SIGN_MAX;
    if (!mctx || init_ctx(mctx, &pctx, s->pkey, s->pub.alg, 1) != 1 ||
        EVP_DigestSign(mctx, sig, &len, msg, n) != 1)
        rc = tc_fail(e, TC_EINTERNAL, "cannot sign with %s: %s", s->pub.id, ossl_reason());
    else
        *siglen = len;
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_CTX_free(pctx);
    return rc;
}

int tc_pubkey_verify(const tc_pubkey *k, const void *msg, size_t n, const uint8_t *sig,
                     size_t siglen)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = mctx && init_ctx(mctx, &pctx, k->pkey, k->alg, 0) == 1 &&
             EVP_DigestVerify(mctx, sig, siglen, msg, n) == 1;
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
    return ok;
}

/* ------------------------------------------------- signatures in context */

/* A context word: [a-z-], 1 to 32 bytes. */
static int context_word(const char *w)
{
    size_t n = w ? strlen(w) : 0;
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((w[i] >= 'a' && w[i] <= 'z') || w[i] == '-'))
            return 0;
    return 1;
}

/* "tongchou-signature/1\nKIND\nROLE\n" BODY, malloc'd; NULL on a bad word
 * or out of memory (*bad says which). */
static uint8_t *in_context(const char *kind, const char *role, const void *body, size_t n,
                           size_t *len, int *bad)
{
    *bad = !context_word(kind) || !context_word(role);
    if (*bad)
        return NULL;
    size_t h = strlen(TC_SIGN_CONTEXT) + strlen(kind) + strlen(role) + 3;
    uint8_t *m = malloc(h + n + 1);
    if (!m)
        return NULL;
    snprintf((char *)m, h + 1, "%s\n%s\n%s\n", TC_SIGN_CONTEXT, kind, role);
    if (n)
        memcpy(m + h, body, n);
    *len = h + n;
    return m;
}

int tc_signer_sign_as(const tc_signer *s, const char *kind, const char *role, const void *body,
                      size_t n, uint8_t *sig, size_t *siglen, tc_err *e)
{
    size_t len;
    int bad;
    uint8_t *m = in_context(kind, role, body, n, &len, &bad);
    if (!m)
        return bad ? tc_fail(e, TC_EUSAGE, "signature context '%s'/'%s' is not two words",
                             kind ? kind : "", role ? role : "")
                   : tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = tc_signer_sign(s, m, len, sig, siglen, e);
    free(m);
    return rc;
}

int tc_pubkey_verify_as(const tc_pubkey *k, const char *kind, const char *role,
                        const void *body, size_t n, const uint8_t *sig, size_t siglen)
{
    size_t len;
    int bad;
    uint8_t *m = in_context(kind, role, body, n, &len, &bad);
    if (!m)
        return 0;
    int ok = tc_pubkey_verify(k, m, len, sig, siglen);
    free(m);
    return ok;
}

uint32_t tc_pubkey_note_id(const tc_pubkey *k, const char *name)
{
    static const char sm2tag[] = "tongchou/sm2-sm3";
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint8_t h[32], type = k->alg == TC_SIGN_ED25519 ? 0x01 : 0xff;
    unsigned int hl = 0;
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    EVP_DigestUpdate(c, name, strlen(name));
    EVP_DigestUpdate(c, "\n", 1);
    EVP_DigestUpdate(c, &type, 1);
    if (k->alg == TC_SIGN_ED25519) {
        EVP_DigestUpdate(c, k->raw, 32);
    } else {
        EVP_DigestUpdate(c, sm2tag, strlen(sm2tag));
        EVP_DigestUpdate(c, k->spki, k->nspki);
    }
    EVP_DigestFinal_ex(c, h, &hl);
    EVP_MD_CTX_free(c);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* ------------------------------------------------------------- base64 */

size_t tc_b64_encode(const uint8_t *in, size_t n, char *out)
{
    if (n == 0) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static int b64_val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long tc_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    /* Strict by hand: EVP_DecodeBlock accepts blanks and does not report
     * padding, and a signature's encoding must be exactly one text. */
    if (n % 4)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4], pad = 0;
        for (int j = 0; j < 4; j++) {
            char c = in[i + j];
            if (c == '=' && i + 4 == n && j >= 2) {
                v[j] = 0;
                pad++;
            } else if (pad || (v[j] = b64_val((unsigned char)c)) < 0) {
                return -1;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        /* canonical: the bits padding drops must be zero */
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
            return -1;
        size_t take = 3 - (size_t)pad;
        if (k + take > cap)
            return -1;
        uint8_t b[3] = {(uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w};
        memcpy(out + k, b, take);
        k += take;
    }
    return (long)k;
}
