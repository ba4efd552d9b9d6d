/*
 * seal.c - see seal.h for the format.  Everything goes through OpenSSL 3's
 * EVP interfaces: one EVP_CIPHER_CTX ("SM4-CTR" or "AES-256-GCM") and one
 * EVP_MAC_CTX (HMAC with SM3 or SHA-256) per stream, data in 64 KiB chunks;
 * SM2 wrapping by EVP_PKEY_encrypt, X25519 by EVP_PKEY_derive and the HKDF
 * EVP_KDF.  Secrets (data keys, shared secrets, wrapping keys) are wiped
 * with OPENSSL_cleanse as soon as they are no longer needed.
 */
#include "core/seal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/atomic.h"
#include "core/digest.h"
#include "core/keyfile.h"
#include "core/sign.h"

#define CHUNK 65536
#define KDF_INFO "tongchou-seal/1"
#define LEN_DIGITS 20
#define MAX_DK 64
#define MAX_WRAP 256    /* an SM2-wrapped 64-byte key is about 170 bytes */

typedef struct {
    const char *name;
    const char *evp;        /* the EVP cipher */
    const char *mac_digest; /* the HMAC's digest */
    size_t keylen;          /* data key: cipher key || MAC key */
    size_t enclen;          /* the cipher key's part */
    size_t ivlen;
    size_t taglen;
} cipher_info;

static const cipher_info CIPHERS[] = {
    {"sm4-ctr-hmac-sm3", "SM4-CTR", "SM3", 48, 16, 16, 32},
    {"aes-256-gcm", "AES-256-GCM", "SHA256", 64, 32, 12, 48},
};

enum { KIND_SM2, KIND_X25519 };

struct tc_seal_holder {
    EVP_PKEY *pkey;
    int kind;
    char id[TC_SEAL_KEYID_MAX];
    uint8_t raw[32];    /* X25519 public key */
};

struct tc_seal_key {
    EVP_PKEY *pkey;
    int kind;
    char id[TC_SEAL_KEYID_MAX];
    uint8_t raw[32];    /* X25519 public key */
};

const char *tc_seal_cipher_name(tc_seal_cipher c)
{
    return CIPHERS[c == TC_SEAL_AES_256_GCM].name;
}

int tc_seal_cipher_parse(const char *s, tc_seal_cipher *out, tc_err *e)
{
    for (int i = 0; i < 2; i++)
        if (strcmp(s, CIPHERS[i].name) == 0) {
            *out = (tc_seal_cipher)i;
            return 0;
        }
    tc_fail(e, TC_EUSAGE, "unknown sealing cipher '%s'", s);
    return tc_err_hint(e, "use sm4-ctr-hmac-sm3 or aes-256-gcm");
}

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

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* ---------------------------------------------------------------- keys */

/* Kind, key id and (X25519) raw public key of pk; where names it. */
static int key_fill(EVP_PKEY *pk, int *kind, char *id, uint8_t *raw, const char *where,
                    tc_err *e)
{
    if (EVP_PKEY_is_a(pk, "SM2"))
        *kind = KIND_SM2;
    else if (EVP_PKEY_is_a(pk, "X25519"))
        *kind = KIND_X25519;
    else {
        const char *t = EVP_PKEY_get0_type_name(pk);
        tc_err_at(e, where, 0, 0);
        tc_fail(e, TC_EINPUT, "key is %s, neither sm2 nor x25519", t ? t : "unknown");
        return tc_err_hint(e, "sealing needs an sm2 or x25519 key; make one with tongchou keygen");
    }
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pk, &der);
    if (n <= 0)
        return tc_fail(e, TC_EINTERNAL, "cannot encode a public key: %s", ossl_reason());
    uint8_t h[32];
    unsigned int hl = 0;
    int ok = EVP_Digest(der, (size_t)n, h, &hl, EVP_sha256(), NULL) == 1;
    OPENSSL_free(der);
    if (!ok)
        return tc_fail(e, TC_EINTERNAL, "sha-256 unavailable");
    char hex[17];
    tc_hex(h, 8, hex);
    snprintf(id, TC_SEAL_KEYID_MAX, "%s:%s", *kind == KIND_SM2 ? "sm2" : "x25519", hex);
    if (*kind == KIND_X25519) {
        size_t rl = 32;
        if (EVP_PKEY_get_raw_public_key(pk, raw, &rl) != 1 || rl != 32)
            return tc_fail(e, TC_EINTERNAL, "cannot read an x25519 public key: %s",
                           ossl_reason());
    }
    return 0;
}

static int holder_new(tc_seal_holder **out, EVP_PKEY *pk, const char *where, tc_err *e)
{
    tc_seal_holder *h = calloc(1, sizeof(*h));
    if (!h) {
        EVP_PKEY_free(pk);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    h->pkey = pk;
    int rc = key_fill(pk, &h->kind, h->id, h->raw, where, e);
    if (rc) {
        tc_seal_holder_free(h);
        return rc;
    }
    *out = h;
    return 0;
}

int tc_seal_holder_from_text(tc_seal_holder **out, const char *b64_spki, const char *where,
                             tc_err *e)
{
    EVP_PKEY *pk;
    int rc = tc_keyfile_from_text(&pk, b64_spki, where, e);
    if (rc)
        return rc;
    return holder_new(out, pk, where, e);
}

int tc_seal_holder_load(tc_seal_holder **out, const char *pem_path, tc_err *e)
{
    EVP_PKEY *pk;
    int rc = tc_keyfile_read(&pk, pem_path, 0, "sealing", e);
    if (rc)
        return rc;
    return holder_new(out, pk, pem_path, e);
}

size_t tc_seal_holder_text(const tc_seal_holder *h, char *out, size_t cap)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(h->pkey, &der);
    size_t k = 0;
    if (n > 0 && cap >= 4 * (((size_t)n + 2) / 3) + 1)
        k = tc_b64_encode(der, (size_t)n, out);
    else if (cap)
        out[0] = '\0';
    OPENSSL_free(der);
    return k;
}

const char *tc_seal_holder_id(const tc_seal_holder *h) { return h->id; }

void tc_seal_holder_free(tc_seal_holder *h)
{
    if (!h)
        return;
    EVP_PKEY_free(h->pkey);
    free(h);
}

int tc_seal_key_load(tc_seal_key **out, const char *path, tc_err *e)
{
    EVP_PKEY *pk;
    int rc = tc_keyfile_read(&pk, path, 1, "unsealing", e);
    if (rc)
        return rc;
    tc_seal_key *k = calloc(1, sizeof(*k));
    if (!k) {
        EVP_PKEY_free(pk);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    k->pkey = pk;
    if ((rc = key_fill(pk, &k->kind, k->id, k->raw, path, e))) {
        tc_seal_key_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

const char *tc_seal_key_id(const tc_seal_key *k) { return k->id; }

void tc_seal_key_free(tc_seal_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

int tc_seal_keygen(const char *alg, const char *name, char *keyid, tc_err *e)
{
    const char *type = strcmp(alg, "sm2") == 0 ? "SM2" : strcmp(alg, "x25519") == 0 ? "X25519"
                                                                                   : NULL;
    if (!type) {
        tc_fail(e, TC_EUSAGE, "unknown sealing key algorithm '%s'", alg);
        return tc_err_hint(e, "use sm2 or x25519");
    }
    char kpath[4096], ppath[4096];
    snprintf(kpath, sizeof(kpath), "%s.key", name);
    snprintf(ppath, sizeof(ppath), "%s.pub", name);
    if (access(kpath, F_OK) == 0) {
        tc_err_at(e, kpath, 0, 0);
        tc_fail(e, TC_EINPUT, "a private key is already there");
        return tc_err_hint(e, "choose another name, or move the old key away first");
    }
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, type);
    if (!pk)
        return tc_fail(e, TC_EINTERNAL, "cannot make a %s key: %s", alg, ossl_reason());
    int kind;
    char id[TC_SEAL_KEYID_MAX];
    uint8_t raw[32];
    int rc = key_fill(pk, &kind, id, raw, kpath, e);
    if (!rc)
        rc = tc_keyfile_write(kpath, pk, 1, e);
    if (!rc)
        rc = tc_keyfile_write(ppath, pk, 0, e);
    if (!rc)
        snprintf(keyid, TC_SEAL_KEYID_MAX, "%s", id);
    EVP_PKEY_free(pk);
    return rc;
}

int tc_seal_is_sealed(const void *first_bytes, size_t n)
{
    size_t m = strlen(TC_SEAL_MAGIC);
    return n >= m && memcmp(first_bytes, TC_SEAL_MAGIC, m) == 0;
}

/* ------------------------------------------------------------ wrapping */

/* One-shot AES-256-GCM with a 12-byte zero IV (each wrapping key is used
 * once); enc: in -> out and tag; else in -> out checked against tag. */
static int wrap_gcm(int enc, const uint8_t *key, const char *aad, const uint8_t *in, size_t n,
                    uint8_t *out, uint8_t *tag)
{
    static const uint8_t iv[12];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0, ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv, enc) == 1 &&
                      EVP_CipherUpdate(c, NULL, &len, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
                      EVP_CipherUpdate(c, out, &len, in, (int)n) == 1;
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag) == 1;
    if (ok)
        ok = EVP_CipherFinal_ex(c, out + len, &len) == 1;
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

/* The X25519 wrapping key: HKDF-SHA256(Z, eph_pub || holder_pub, info). */
static int x25519_kek(EVP_PKEY *priv, EVP_PKEY *peer, const uint8_t *eph_pub,
                      const uint8_t *holder_pub, uint8_t *kek)
{
    uint8_t z[32], salt[64];
    size_t zl = sizeof(z);
    EVP_PKEY_CTX *d = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
    int ok = d && EVP_PKEY_derive_init(d) == 1 && EVP_PKEY_derive_set_peer(d, peer) == 1 &&
             EVP_PKEY_derive(d, z, &zl) == 1 && zl == 32;
    EVP_PKEY_CTX_free(d);
    EVP_KDF *kdf = ok ? EVP_KDF_fetch(NULL, "HKDF", NULL) : NULL;
    EVP_KDF_CTX *k = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (k) {
        memcpy(salt, eph_pub, 32);
        memcpy(salt + 32, holder_pub, 32);
        OSSL_PARAM p[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z, 32),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, 64),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (char *)KDF_INFO,
                                              strlen(KDF_INFO)),
            OSSL_PARAM_construct_end()};
        ok = EVP_KDF_derive(k, kek, 32, p) == 1;
    } else {
        ok = 0;
    }
    EVP_KDF_CTX_free(k);
    OPENSSL_cleanse(z, sizeof(z));
    return ok;
}

/* The text of holder h's line after "holder: ID ", for data key dk. */
static int wrap_for(const tc_seal_holder *h, const uint8_t *dk, size_t n, char *text,
                    size_t cap, tc_err *e)
{
    uint8_t w[MAX_WRAP];
    size_t wl = sizeof(w);
    if (h->kind == KIND_SM2) {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, h->pkey, NULL);
        int ok = c && EVP_PKEY_encrypt_init(c) == 1 && EVP_PKEY_encrypt(c, NULL, &wl, dk, n) == 1 &&
                 wl <= sizeof(w) && EVP_PKEY_encrypt(c, w, &wl, dk, n) == 1;
        EVP_PKEY_CTX_free(c);
        if (!ok)
            return tc_fail(e, TC_EINTERNAL, "cannot seal the data key for %s: %s", h->id,
                           ossl_reason());
        if (cap < 4 * ((wl + 2) / 3) + 1)
            return tc_fail(e, TC_EINTERNAL, "a wrapped key does not fit the header");
        tc_b64_encode(w, wl, text);
        return 0;
    }
    EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    uint8_t ephpub[32], kek[32];
    size_t pl = sizeof(ephpub);
    int ok = eph && EVP_PKEY_get_raw_public_key(eph, ephpub, &pl) == 1 && pl == 32 &&
             x25519_kek(eph, h->pkey, ephpub, h->raw, kek) &&
             wrap_gcm(1, kek, h->id, dk, n, w, w + n);
    EVP_PKEY_free(eph);
    OPENSSL_cleanse(kek, sizeof(kek));
    if (!ok)
        return tc_fail(e, TC_EINTERNAL, "cannot seal the data key for %s: %s", h->id,
                       ossl_reason());
    wl = n + 16;
    if (cap < 44 + 1 + 4 * ((wl + 2) / 3) + 1)
        return tc_fail(e, TC_EINTERNAL, "a wrapped key does not fit the header");
    size_t k = tc_b64_encode(ephpub, 32, text);
    text[k++] = '.';
    tc_b64_encode(w, wl, text + k);
    return 0;
}

/* Open the data key (n bytes expected) in text, a holder line's blob, with
 * key.  0, or -1 when it does not open (or is malformed). */
static int unwrap_with(const tc_seal_key *key, const char *text, size_t tl, uint8_t *dk,
                       size_t n)
{
    uint8_t w[MAX_WRAP + 16];
    if (key->kind == KIND_SM2) {
        long wl = tc_b64_decode(text, tl, w, sizeof(w));
        if (wl <= 0)
            return -1;
        uint8_t out[MAX_WRAP];
        size_t ol = sizeof(out);
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
        int ok = c && EVP_PKEY_decrypt_init(c) == 1 &&
                 EVP_PKEY_decrypt(c, out, &ol, w, (size_t)wl) == 1 && ol == n;
        EVP_PKEY_CTX_free(c);
        if (ok)
            memcpy(dk, out, n);
        OPENSSL_cleanse(out, sizeof(out));
        ERR_clear_error();
        return ok ? 0 : -1;
    }
    const char *dot = memchr(text, '.', tl);
    uint8_t ephpub[33], kek[32];
    if (!dot || tc_b64_decode(text, (size_t)(dot - text), ephpub, sizeof(ephpub)) != 32)
        return -1;
    long wl = tc_b64_decode(dot + 1, tl - (size_t)(dot + 1 - text), w, sizeof(w));
    if (wl != (long)n + 16)
        return -1;
    EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, ephpub, 32);
    int ok = peer && x25519_kek(key->pkey, peer, ephpub, key->raw, kek) &&
             wrap_gcm(0, kek, key->id, w, n, dk, w + n);
    EVP_PKEY_free(peer);
    OPENSSL_cleanse(kek, sizeof(kek));
    ERR_clear_error();
    if (!ok)
        OPENSSL_cleanse(dk, n);
    return ok ? 0 : -1;
}

/* The stream's cipher and MAC contexts, keyed with dk, header0 fed in. */
static int stream_init(const cipher_info *ci, int enc, const uint8_t *dk, const uint8_t *iv,
                       const char *hdr0, size_t hlen, EVP_CIPHER_CTX **cx, EVP_MAC_CTX **mx)
{
    EVP_CIPHER *ciph = EVP_CIPHER_fetch(NULL, ci->evp, NULL);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    *cx = EVP_CIPHER_CTX_new();
    *mx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)ci->mac_digest, 0),
        OSSL_PARAM_construct_end()};
    int len = 0;
    int ok = ciph && *cx && *mx && EVP_CipherInit_ex2(*cx, ciph, dk, iv, enc, NULL) == 1 &&
             EVP_MAC_init(*mx, dk + ci->enclen, ci->keylen - ci->enclen, p) == 1 &&
             EVP_MAC_update(*mx, (const uint8_t *)hdr0, hlen) == 1;
    if (ok && ci == &CIPHERS[TC_SEAL_AES_256_GCM])
        ok = EVP_CipherUpdate(*cx, NULL, &len, (const uint8_t *)hdr0, (int)hlen) == 1;
    EVP_CIPHER_free(ciph);
    EVP_MAC_free(mac);
    return ok;
}

/* -------------------------------------------------------------- writing */

struct tc_sealer {
    FILE *f;
    const cipher_info *ci;
    off_t at;           /* where the header starts in f */
    size_t len_off;     /* the length digits, from the header's start */
    size_t tail_off;    /* the tail length digits */
    uint64_t n;         /* ciphertext bytes so far */
    EVP_CIPHER_CTX *cx;
    EVP_MAC_CTX *mx;
    uint8_t buf[CHUNK];
};

void tc_sealer_abort(tc_sealer *s)
{
    if (!s)
        return;
    EVP_CIPHER_CTX_free(s->cx);
    EVP_MAC_CTX_free(s->mx);
    OPENSSL_cleanse(s, sizeof(*s));
    free(s);
}

/* Append to a header being built; -1 when it would pass the limit. */
static int hdr_add(char *h, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int hdr_add(char *h, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(h + *len, TC_SEAL_MAX_HEADER + 1 - *len, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k > TC_SEAL_MAX_HEADER - *len)
        return -1;
    *len += (size_t)k;
    return 0;
}

static int write_failed(tc_err *e)
{
    int err = errno;
    tc_fail(e, TC_EIO, "cannot write the sealed file: %s", err ? strerror(err) : "write error");
    tc_err_hint(e, "check the free space and the folder's permissions");
    return TC_EIO;
}

int tc_sealer_begin(tc_sealer **out, FILE *f, tc_seal_cipher c,
                    const tc_seal_holder *const *holders, size_t nholders, tc_err *e)
{
    *out = NULL;
    if (c != TC_SEAL_SM4_CTR_HMAC_SM3 && c != TC_SEAL_AES_256_GCM)
        return tc_fail(e, TC_EUSAGE, "unknown sealing cipher %d", (int)c);
    if (nholders < 1 || nholders > TC_SEAL_MAX_HOLDERS) {
        tc_fail(e, TC_EUSAGE, "a sealed file has 1 to %d holders, not %zu", TC_SEAL_MAX_HOLDERS,
                nholders);
        return tc_err_hint(e, "name the public keys of the people who may open it");
    }
    for (size_t i = 0; i < nholders; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(holders[i]->id, holders[j]->id) == 0) {
                tc_fail(e, TC_EUSAGE, "holder %s is named twice", holders[i]->id);
                return tc_err_hint(e, "name each holder's key once");
            }
    const cipher_info *ci = &CIPHERS[c];
    tc_sealer *s = calloc(1, sizeof(*s));
    char *hdr = malloc(TC_SEAL_MAX_HEADER + 1);
    if (!s || !hdr) {
        free(s);
        free(hdr);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    s->f = f;
    s->ci = ci;
    uint8_t dk[MAX_DK], iv[16];
    char ivhex[33], blob[1024];
    int rc = 0;
    if (RAND_priv_bytes(dk, (int)ci->keylen) != 1 || RAND_bytes(iv, (int)ci->ivlen) != 1)
        rc = tc_fail(e, TC_EINTERNAL, "no random numbers: %s", ossl_reason());
    size_t hl = 0;
    tc_hex(iv, ci->ivlen, ivhex);
    if (!rc && hdr_add(hdr, &hl, "%scipher: %s\niv: %s\n", TC_SEAL_MAGIC, ci->name, ivhex))
        rc = tc_fail(e, TC_EINTERNAL, "the sealed header is too long");
    for (size_t i = 0; !rc && i < nholders; i++) {
        rc = wrap_for(holders[i], dk, ci->keylen, blob, sizeof(blob), e);
        if (!rc && hdr_add(hdr, &hl, "holder: %s %s\n", holders[i]->id, blob))
            rc = tc_fail(e, TC_EINTERNAL, "the sealed header is too long");
    }
    if (!rc) {
        s->len_off = hl + strlen("length: ");
        s->tail_off = s->len_off + LEN_DIGITS + 1 + strlen("tail: ");
        if (hdr_add(hdr, &hl, "length: %0*d\ntail: %0*d\n\n", LEN_DIGITS, 0, LEN_DIGITS, 0))
            rc = tc_fail(e, TC_EINTERNAL, "the sealed header is too long");
    }
    if (!rc && !stream_init(ci, 1, dk, iv, hdr, hl, &s->cx, &s->mx))
        rc = tc_fail(e, TC_EINTERNAL, "cannot start %s: %s", ci->name, ossl_reason());
    OPENSSL_cleanse(dk, sizeof(dk));
    if (!rc) {
        errno = 0;
        s->at = ftello(f);
        if (s->at < 0) {
            int err = errno;
            tc_fail(e, TC_EUSAGE, "cannot seal into a stream that cannot seek: %s",
                    strerror(err));
            rc = tc_err_hint(e, "write the sealed file to a regular file");
        } else if (fwrite(hdr, 1, hl, f) != hl) {
            rc = write_failed(e);
        }
    }
    free(hdr);
    if (rc) {
        tc_sealer_abort(s);
        return rc;
    }
    *out = s;
    return 0;
}

int tc_sealer_write(tc_sealer *s, const void *p, size_t n, tc_err *e)
{
    const uint8_t *in = p;
    int gcm = s->ci == &CIPHERS[TC_SEAL_AES_256_GCM];
    while (n) {
        size_t k = n < CHUNK ? n : CHUNK;
        int ol = 0;
        if (EVP_EncryptUpdate(s->cx, s->buf, &ol, in, (int)k) != 1 || (size_t)ol != k ||
            (!gcm && EVP_MAC_update(s->mx, s->buf, k) != 1))
            return tc_fail(e, TC_EINTERNAL, "cannot encrypt: %s", ossl_reason());
        if (fwrite(s->buf, 1, k, s->f) != k)
            return write_failed(e);
        s->n += k;
        in += k;
        n -= k;
    }
    return 0;
}

int tc_sealer_end(tc_sealer *s, const void *tail, size_t ntail, tc_err *e)
{
    if (ntail > TC_SEAL_MAX_TAIL) {
        tc_sealer_abort(s);
        tc_fail(e, TC_EUSAGE, "a sealed file's clear tail is at most %d bytes, not %zu",
                TC_SEAL_MAX_TAIL, ntail);
        return tc_err_hint(e, "put the rest in the sealed content");
    }
    uint8_t tag[48], lens[16], dummy[16];
    size_t tl = 0;
    int ol = 0, gcm = s->ci == &CIPHERS[TC_SEAL_AES_256_GCM];
    put_be64(lens, s->n);
    put_be64(lens + 8, ntail);
    int ok = EVP_EncryptFinal_ex(s->cx, dummy, &ol) == 1 && ol == 0;
    if (ok && gcm)
        ok = EVP_CIPHER_CTX_ctrl(s->cx, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1 &&
             EVP_MAC_update(s->mx, tag, 16) == 1;
    size_t off = gcm ? 16 : 0;
    ok = ok && (ntail == 0 || EVP_MAC_update(s->mx, tail, ntail) == 1) &&
         EVP_MAC_update(s->mx, lens, 16) == 1 &&
         EVP_MAC_final(s->mx, tag + off, &tl, sizeof(tag) - off) == 1 && tl == 32;
    if (!ok) {
        const char *name = s->ci->name;
        tc_sealer_abort(s);
        return tc_fail(e, TC_EINTERNAL, "cannot finish %s: %s", name, ossl_reason());
    }
    FILE *f = s->f;
    char d[2][LEN_DIGITS + 1];
    snprintf(d[0], sizeof(d[0]), "%0*" PRIu64, LEN_DIGITS, s->n);
    snprintf(d[1], sizeof(d[1]), "%0*" PRIu64, LEN_DIGITS, (uint64_t)ntail);
    errno = 0;
    off_t end = -1;
    ok = fwrite(tag, 1, s->ci->taglen, f) == s->ci->taglen &&
         (ntail == 0 || fwrite(tail, 1, ntail, f) == ntail) && (end = ftello(f)) >= 0 &&
         fseeko(f, s->at + (off_t)s->len_off, SEEK_SET) == 0 &&
         fwrite(d[0], 1, LEN_DIGITS, f) == LEN_DIGITS &&
         fseeko(f, s->at + (off_t)s->tail_off, SEEK_SET) == 0 &&
         fwrite(d[1], 1, LEN_DIGITS, f) == LEN_DIGITS && fseeko(f, end, SEEK_SET) == 0 &&
         fflush(f) == 0 && !ferror(f);
    tc_sealer_abort(s);
    return ok ? 0 : write_failed(e);
}

/* -------------------------------------------------------------- reading */

struct tc_unsealer {
    FILE *f;
    char what[512];
    const cipher_info *ci;
    size_t nholders;
    char ids[TC_SEAL_MAX_HOLDERS][TC_SEAL_KEYID_MAX];
    const char *idp[TC_SEAL_MAX_HOLDERS];
    uint64_t len, left;
    uint8_t tag[48];
    unsigned char *tail;
    size_t ntail;
    int keyed;
    int state;          /* 0 reading, 1 ended and verified, -1 refused */
    EVP_CIPHER_CTX *cx;
    EVP_MAC_CTX *mx;
};

void tc_unsealer_free(tc_unsealer *u)
{
    if (!u)
        return;
    EVP_CIPHER_CTX_free(u->cx);
    EVP_MAC_CTX_free(u->mx);
    free(u->tail);
    OPENSSL_cleanse(u, sizeof(*u));
    free(u);
}

static int damaged(tc_err *e, const char *what, long line, const char *why)
{
    tc_err_at(e, what, line, 0);
    tc_fail(e, TC_EINTEGRITY, "damaged sealed file: %s", why);
    tc_err_hint(e, "get a good copy from where it was made; its SHA-256 is in the audit trail");
    return TC_EINTEGRITY;
}

static int altered(tc_err *e, const char *what)
{
    tc_err_at(e, what, 0, 0);
    tc_fail(e, TC_EINTEGRITY, "the file has been altered: its authentication tag does not "
            "match");
    tc_err_hint(e, "use nothing read from it; get a good copy from where it was made");
    return TC_EINTEGRITY;
}

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* "PREFIX" + 20 digits as a number; -1 when the line is not that. */
static int digits_field(const char *line, size_t n, const char *prefix, uint64_t *v)
{
    size_t pl = strlen(prefix);
    if (n != pl + LEN_DIGITS || memcmp(line, prefix, pl) != 0)
        return -1;
    uint64_t x = 0;
    for (size_t i = pl; i < n; i++) {
        if (line[i] < '0' || line[i] > '9' || x > (UINT64_MAX - 9) / 10)
            return -1;
        x = x * 10 + (uint64_t)(line[i] - '0');
    }
    *v = x;
    return 0;
}

/* Parse the header hdr[0..hl) (it ends in "\n\n").  Fills u's cipher,
 * holders and lengths, iv, and for each holder where its blob is. */
static int parse_header(tc_unsealer *u, char *hdr, size_t hl, uint8_t *iv,
                        const char **blob, size_t *bloblen, size_t *len_off, size_t *tail_off,
                        tc_err *e)
{
    for (size_t i = 0; i < hl; i++)
        if ((hdr[i] < 0x20 || hdr[i] > 0x7e) && hdr[i] != '\n')
            return damaged(e, u->what, 0, "its header holds a byte that is not text");
    size_t pos = strlen(TC_SEAL_MAGIC);
    long lineno = 1;
    int stage = 0;  /* 0 cipher, 1 iv, 2 holders then length, 4 tail, 5 blank, 6 done */
    while (pos < hl) {
        char *line = hdr + pos;
        char *nl = memchr(line, '\n', hl - pos);
        size_t n = (size_t)(nl - line);
        lineno++;
        pos += n + 1;
        if (stage == 0) {
            if (n < 8 || memcmp(line, "cipher: ", 8) != 0)
                return damaged(e, u->what, lineno, "its header has no cipher line");
            size_t i;
            for (i = 0; i < 2; i++)
                if (n - 8 == strlen(CIPHERS[i].name) && memcmp(line + 8, CIPHERS[i].name, n - 8) == 0)
                    break;
            if (i == 2)
                return damaged(e, u->what, lineno, "its header names an unknown cipher");
            u->ci = &CIPHERS[i];
            stage = 1;
        } else if (stage == 1) {
            size_t hx = 2 * u->ci->ivlen;
            if (n != 4 + hx || memcmp(line, "iv: ", 4) != 0 || !is_hex(line + 4, hx))
                return damaged(e, u->what, lineno, "its header's iv line is wrong");
            for (size_t i = 0; i < u->ci->ivlen; i++) {
                unsigned v;
                char two[3] = {line[4 + 2 * i], line[5 + 2 * i], 0};
                sscanf(two, "%2x", &v);
                iv[i] = (uint8_t)v;
            }
            stage = 2;
        } else if (stage == 2 && n >= 8 && memcmp(line, "holder: ", 8) == 0) {
            if (u->nholders == TC_SEAL_MAX_HOLDERS)
                return damaged(e, u->what, lineno, "its header has more than 16 holders");
            char *id = line + 8, *sp = memchr(id, ' ', n - 8);
            size_t il = sp ? (size_t)(sp - id) : 0;
            int sm2 = il == 4 + 16 && memcmp(id, "sm2:", 4) == 0;
            int x = il == 7 + 16 && memcmp(id, "x25519:", 7) == 0;
            if (!(sm2 || x) || !is_hex(id + il - 16, 16) || sp + 1 >= line + n)
                return damaged(e, u->what, lineno, "its header has a malformed holder line");
            memcpy(u->ids[u->nholders], id, il);
            u->ids[u->nholders][il] = '\0';
            for (size_t j = 0; j < u->nholders; j++)
                if (strcmp(u->ids[j], u->ids[u->nholders]) == 0)
                    return damaged(e, u->what, lineno, "its header names a holder twice");
            blob[u->nholders] = sp + 1;
            bloblen[u->nholders] = (size_t)(line + n - (sp + 1));
            u->idp[u->nholders] = u->ids[u->nholders];
            u->nholders++;
        } else if (stage == 2) {
            if (u->nholders == 0)
                return damaged(e, u->what, lineno, "its header names no holder");
            if (digits_field(line, n, "length: ", &u->len))
                return damaged(e, u->what, lineno, "its header's length line is wrong");
            *len_off = (size_t)(line - hdr) + 8;
            stage = 4;
        } else if (stage == 4) {
            uint64_t t;
            if (digits_field(line, n, "tail: ", &t))
                return damaged(e, u->what, lineno, "its header's tail line is wrong");
            if (t > TC_SEAL_MAX_TAIL)
                return damaged(e, u->what, lineno, "its tail is longer than 64 KiB");
            u->ntail = (size_t)t;
            *tail_off = (size_t)(line - hdr) + 6;
            stage = 5;
        } else if (n != 0 || pos != hl) {
            return damaged(e, u->what, lineno, "its header has a line it should not");
        } else {
            stage = 6;
        }
    }
    if (stage != 6)
        return damaged(e, u->what, lineno, "its header ends early");
    return 0;
}

int tc_unsealer_begin(tc_unsealer **out, FILE *f, const char *what, const tc_seal_key *key,
                      tc_err *e)
{
    *out = NULL;
    tc_unsealer *u = calloc(1, sizeof(*u));
    char *hdr = malloc(TC_SEAL_MAX_HEADER);
    if (!u || !hdr) {
        free(u);
        free(hdr);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    u->f = f;
    snprintf(u->what, sizeof(u->what), "%s", what ? what : "sealed file");
    what = u->what;
    const char *blob[TC_SEAL_MAX_HOLDERS];
    size_t bloblen[TC_SEAL_MAX_HOLDERS], len_off = 0, tail_off = 0, hl = 0;
    uint8_t iv[16], dk[MAX_DK];
    int rc = 0;

    off_t at = ftello(f);
    size_t got = at < 0 ? 0 : fread(hdr, 1, TC_SEAL_MAX_HEADER, f);
    if (at < 0 || ferror(f)) {
        int err = errno;
        tc_err_at(e, what, 0, 0);
        rc = tc_fail(e, TC_EIO, "cannot read: %s", strerror(err));
        goto out;
    }
    if (!tc_seal_is_sealed(hdr, got)) {
        tc_err_at(e, what, 0, 0);
        tc_fail(e, TC_EINPUT, "not a sealed file (it does not begin with %.*s)",
                (int)strlen(TC_SEAL_MAGIC) - 1, TC_SEAL_MAGIC);
        tc_err_hint(e, "give the file tongchou sealed");
        rc = TC_EINPUT;
        goto out;
    }
    for (size_t i = strlen(TC_SEAL_MAGIC) - 1; !hl && i + 1 < got; i++)
        if (hdr[i] == '\n' && hdr[i + 1] == '\n')
            hl = i + 2;
    if (!hl) {
        rc = damaged(e, what, 0, "its header does not end within 16 KiB");
        goto out;
    }
    if ((rc = parse_header(u, hdr, hl, iv, blob, bloblen, &len_off, &tail_off, e)))
        goto out;

    /* The lengths must add up to the file's size exactly. */
    off_t size = -1;
    if (fseeko(f, 0, SEEK_END) != 0 || (size = ftello(f)) < 0) {
        int err = errno;
        tc_err_at(e, what, 0, 0);
        rc = tc_fail(e, TC_EIO, "cannot seek: %s", strerror(err));
        goto out;
    }
    uint64_t have = (uint64_t)(size - at), fixed = hl + u->ci->taglen + u->ntail;
    if (have < fixed || have - fixed != u->len) {
        char why[160];
        snprintf(why, sizeof(why), "it is %" PRIu64 " bytes long, its header says %" PRIu64
                 " (cut short, or bytes added)", have,
                 u->len <= UINT64_MAX - fixed ? u->len + fixed : UINT64_MAX);
        rc = damaged(e, what, 0, why);
        goto out;
    }
    u->tail = malloc(u->ntail + 1);
    if (!u->tail) {
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
        goto out;
    }
    off_t ct = at + (off_t)hl;
    if (fseeko(f, ct + (off_t)u->len, SEEK_SET) != 0 ||
        fread(u->tag, 1, u->ci->taglen, f) != u->ci->taglen ||
        fread(u->tail, 1, u->ntail, f) != u->ntail || fseeko(f, ct, SEEK_SET) != 0) {
        int err = errno;
        tc_err_at(e, what, 0, 0);
        rc = tc_fail(e, TC_EIO, "cannot read: %s", err ? strerror(err) : "it changed while read");
        goto out;
    }
    u->left = u->len;
    if (!key)
        goto out;

    size_t h;
    for (h = 0; h < u->nholders; h++)
        if (strcmp(u->ids[h], key->id) == 0)
            break;
    if (h == u->nholders) {
        char list[TC_SEAL_MAX_HOLDERS * (TC_SEAL_KEYID_MAX + 2)] = "";
        for (size_t i = 0; i < u->nholders; i++) {
            if (i)
                strcat(list, ", ");
            strcat(list, u->ids[i]);
        }
        tc_err_at(e, what, 0, 0);
        tc_fail(e, TC_EINPUT, "this file is sealed for %s; the key %s is not one of them", list,
                key->id);
        tc_err_hint(e, "open it with the private key of one of its holders");
        rc = TC_EINPUT;
        goto out;
    }
    if (unwrap_with(key, blob[h], bloblen[h], dk, u->ci->keylen)) {
        tc_err_at(e, what, 0, 0);
        tc_fail(e, TC_EINTEGRITY,
                "%s has been altered: the data key sealed for %s does not open with that key",
                what, key->id);
        tc_err_hint(e, "use nothing read from it; get a good copy from where it was made");
        rc = TC_EINTEGRITY;
        goto out;
    }
    /* header0: the header with its lengths as first written, all zeros */
    memset(hdr + len_off, '0', LEN_DIGITS);
    memset(hdr + tail_off, '0', LEN_DIGITS);
    int ok = stream_init(u->ci, 0, dk, iv, hdr, hl, &u->cx, &u->mx);
    OPENSSL_cleanse(dk, sizeof(dk));
    if (!ok) {
        rc = tc_fail(e, TC_EINTERNAL, "cannot start %s: %s", u->ci->name, ossl_reason());
        goto out;
    }
    u->keyed = 1;
out:
    free(hdr);
    if (rc) {
        tc_unsealer_free(u);
        return rc;
    }
    *out = u;
    return 0;
}

/* The end of the ciphertext: check the tag (and the GCM tag). */
static int verify_end(tc_unsealer *u, tc_err *e)
{
    uint8_t lens[16], mac[32], dummy[16];
    size_t ml = 0;
    int ol = 0, gcm = u->ci == &CIPHERS[TC_SEAL_AES_256_GCM];
    put_be64(lens, u->len);
    put_be64(lens + 8, u->ntail);
    int ok = 1;
    if (gcm)
        ok = EVP_CIPHER_CTX_ctrl(u->cx, EVP_CTRL_AEAD_SET_TAG, 16, u->tag) == 1 &&
             EVP_DecryptFinal_ex(u->cx, dummy, &ol) == 1 && ol == 0 &&
             EVP_MAC_update(u->mx, u->tag, 16) == 1;
    size_t off = gcm ? 16 : 0;
    ok = ok && (u->ntail == 0 || EVP_MAC_update(u->mx, u->tail, u->ntail) == 1) &&
         EVP_MAC_update(u->mx, lens, 16) == 1 && EVP_MAC_final(u->mx, mac, &ml, 32) == 1 &&
         ml == 32 && CRYPTO_memcmp(mac, u->tag + off, 32) == 0;
    ERR_clear_error();
    u->state = ok ? 1 : -1;
    return ok ? 0 : altered(e, u->what);
}

int tc_unsealer_read(tc_unsealer *u, void *buf, size_t cap, size_t *got, tc_err *e)
{
    *got = 0;
    if (!u->keyed) {
        tc_err_at(e, u->what, 0, 0);
        tc_fail(e, TC_EUSAGE, "reading sealed content needs a holder's private key");
        return tc_err_hint(e, "give the private key of one of its holders");
    }
    if (u->state < 0)
        return altered(e, u->what);
    if (u->left == 0)
        return u->state == 1 ? 0 : verify_end(u, e);
    if (cap == 0)
        return tc_fail(e, TC_EUSAGE, "reading sealed content into no room");
    size_t k = cap < u->left ? cap : (size_t)u->left;
    if (k > INT32_MAX)
        k = 1u << 30;
    if (fread(buf, 1, k, u->f) != k) {
        int err = errno;
        u->state = -1;
        if (ferror(u->f)) {
            tc_err_at(e, u->what, 0, 0);
            return tc_fail(e, TC_EIO, "cannot read: %s", strerror(err));
        }
        return damaged(e, u->what, 0, "it ends inside its ciphertext");
    }
    int ol = 0, gcm = u->ci == &CIPHERS[TC_SEAL_AES_256_GCM];
    if ((!gcm && EVP_MAC_update(u->mx, buf, k) != 1) ||
        EVP_DecryptUpdate(u->cx, buf, &ol, buf, (int)k) != 1 || (size_t)ol != k) {
        u->state = -1;
        return tc_fail(e, TC_EINTERNAL, "cannot decrypt: %s", ossl_reason());
    }
    u->left -= k;
    /* The last piece is handed out only once the whole checks out. */
    int rc;
    if (u->left == 0 && (rc = verify_end(u, e))) {
        OPENSSL_cleanse(buf, k);
        return rc;
    }
    *got = k;
    return 0;
}

int tc_unsealer_tail(tc_unsealer *u, const unsigned char **tail, size_t *n, tc_err *e)
{
    (void)e;
    *tail = u->tail;
    *n = u->ntail;
    return 0;
}

uint64_t tc_unsealer_length(const tc_unsealer *u) { return u->len; }
tc_seal_cipher tc_unsealer_cipher(const tc_unsealer *u)
{
    return (tc_seal_cipher)(u->ci - CIPHERS);
}

size_t tc_unsealer_holders(const tc_unsealer *u, const char *const **ids)
{
    *ids = u->idp;
    return u->nholders;
}

/* ------------------------------------------------------------- streams */

struct tc_seal_stream {
    FILE *f;                /* the stdio stream handed out */
    tc_sealer *sealer;      /* writing */
    tc_unsealer *unsealer;  /* reading */
    tc_err err;             /* the first failure, reported at close */
};

static ssize_t stream_write(void *c, const char *buf, size_t n)
{
    tc_seal_stream *s = c;
    if (s->err.code || tc_sealer_write(s->sealer, buf, n, &s->err))
        return -1;
    return (ssize_t)n;
}

static ssize_t stream_read(void *c, char *buf, size_t n)
{
    tc_seal_stream *s = c;
    size_t got = 0;
    if (s->err.code || tc_unsealer_read(s->unsealer, buf, n, &got, &s->err))
        return -1;
    return (ssize_t)got;
}

static int stream_new(tc_seal_stream **out, int writing, tc_err *e)
{
    tc_seal_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    tc_err_clear(&s->err);
    cookie_io_functions_t io = {0};
    if (writing)
        io.write = stream_write;
    else
        io.read = stream_read;
    if (!(s->f = fopencookie(s, writing ? "wb" : "rb", io))) {
        free(s);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    setvbuf(s->f, NULL, _IOFBF, 1 << 16);
    *out = s;
    return 0;
}

int tc_seal_stream_write(tc_seal_stream **out, FILE *f, tc_seal_cipher c,
                         const tc_seal_holder *const *holders, size_t nholders, tc_err *e)
{
    tc_seal_stream *s;
    int rc = stream_new(&s, 1, e);
    if (rc)
        return rc;
    if ((rc = tc_sealer_begin(&s->sealer, f, c, holders, nholders, e))) {
        fclose(s->f);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int tc_seal_stream_read(tc_seal_stream **out, FILE *f, const char *what, const tc_seal_key *key,
                        tc_err *e)
{
    tc_seal_stream *s;
    int rc = stream_new(&s, 0, e);
    if (rc)
        return rc;
    if ((rc = tc_unsealer_begin(&s->unsealer, f, what, key, e))) {
        fclose(s->f);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

FILE *tc_seal_stream_file(tc_seal_stream *s) { return s->f; }

int tc_seal_stream_close(tc_seal_stream *s, tc_err *e)
{
    if (!s)
        return 0;
    int closed = fclose(s->f);   /* a writer's last bytes go to the sealer here */
    int rc = s->err.code;
    if (rc)
        *e = s->err;
    else if (closed != 0)
        rc = tc_fail(e, TC_EIO, "cannot finish the sealed stream");
    if (s->sealer) {
        if (rc)
            tc_sealer_abort(s->sealer);
        else
            rc = tc_sealer_end(s->sealer, NULL, 0, e);
    }
    tc_unsealer_free(s->unsealer);
    free(s);
    return rc;
}

int tc_seal_unseal_file(const char *path, const char *out, const tc_seal_key *key, tc_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot open: %s", strerror(errno));
    }
    tc_seal_stream *s = NULL;
    tc_atomic *a = NULL;
    int rc = tc_seal_stream_read(&s, f, path, key, e);
    if (!rc)
        rc = tc_atomic_open(&a, out, e);
    unsigned char buf[1 << 16];
    size_t n;
    while (!rc && (n = fread(buf, 1, sizeof(buf), tc_seal_stream_file(s))) > 0)
        if (fwrite(buf, 1, n, tc_atomic_file(a)) != n)
            rc = tc_fail(e, TC_EIO, "cannot write %s: %s", out, strerror(errno));
    if (s) {
        tc_err se;
        tc_err_clear(&se);
        int src = tc_seal_stream_close(s, &se);
        if (!rc && src) {
            *e = se;
            rc = src;
        }
    }
    if (!rc) {
        rc = tc_atomic_commit(a, e);
        a = NULL;
    }
    tc_atomic_abort(a);
    fclose(f);
    return rc;
}
