/*
 * test_seal.c - sealed files (core/seal.h).
 *
 * The primitives are the standard ones: SM4 gives the GB/T 32907-2016
 * example, and a sealed file is taken apart here by hand and opened with
 * the openssl command line alone - the SM2-wrapped data key by `pkeyutl
 * -decrypt`, the content by `enc -sm4-ctr`, the tag by `mac HMAC` with SM3
 * (SHA-256 and GCM for aes-256-gcm), the X25519 wrapping by `pkeyutl
 * -derive` and `kdf HKDF` - so the format is the one seal.h describes.
 * Round trips for both ciphers and both kinds of holder, 0, 1 and 1 MiB of
 * content in odd-sized pieces; two holders each open, a third key does
 * not.  Every bit flipped in the header, and bits all over the rest, a cut
 * or an added byte, wrapped keys swapped between holders: each refused,
 * and the read never ends successfully.  Without a key the tail and the
 * length are there; a private key open to its group is refused.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/seal.h"
#include "core/sign.h"

typedef struct {
    tc_seal_holder *h;
    tc_seal_key *k;
    char id[TC_SEAL_KEYID_MAX];
    char key_path[1100], pub_path[1100];
} party;

static void mkparty(party *p, const char *alg, const char *name)
{
    char base[1024];
    tc_err e;
    tc_err_clear(&e);
    snprintf(base, sizeof(base), "%s/%s", tctest_dir, name);
    assert_int_equal(tc_seal_keygen(alg, base, p->id, &e), 0);
    snprintf(p->key_path, sizeof(p->key_path), "%s.key", base);
    snprintf(p->pub_path, sizeof(p->pub_path), "%s.pub", base);
    assert_int_equal(tc_seal_holder_load(&p->h, p->pub_path, &e), 0);
    assert_int_equal(tc_seal_key_load(&p->k, p->key_path, &e), 0);
    assert_string_equal(tc_seal_holder_id(p->h), p->id);
    assert_string_equal(tc_seal_key_id(p->k), p->id);
    assert_int_equal(strncmp(p->id, alg, strlen(alg)), 0);
    assert_int_equal(p->id[strlen(alg)], ':');
    assert_int_equal(strlen(p->id), strlen(alg) + 17);
}

static void rmparty(party *p)
{
    tc_seal_holder_free(p->h);
    tc_seal_key_free(p->k);
}

static unsigned char *pattern(size_t n, uint32_t seed)
{
    unsigned char *b = malloc(n + 1);
    uint32_t x = seed | 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (unsigned char)x;
    }
    return b;
}

/* Seal n bytes of pt into path, in pieces of odd sizes. */
static void seal_to(const char *path, tc_seal_cipher c, party **ps, size_t np,
                    const unsigned char *pt, size_t n, const char *tail)
{
    const tc_seal_holder *hs[TC_SEAL_MAX_HOLDERS];
    for (size_t i = 0; i < np; i++)
        hs[i] = ps[i]->h;
    FILE *f = fopen(path, "w+b");
    assert_non_null(f);
    tc_sealer *s;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_sealer_begin(&s, f, c, hs, np, &e), 0);
    static const size_t piece[] = {1, 7, 4093, 65537, 13, 200003, 0, 65536};
    size_t off = 0;
    for (int i = 0; off < n; i = (i + 1) % 8) {
        size_t k = piece[i] < n - off ? piece[i] : n - off;
        assert_int_equal(tc_sealer_write(s, pt + off, k, &e), 0);
        off += k;
    }
    assert_int_equal(tc_sealer_end(s, tail, tail ? strlen(tail) : 0, &e), 0);
    assert_int_equal(fclose(f), 0);
}

/* Open path with key and read it all in pieces of odd sizes.  Returns the
 * first failure, or 0 when the end was reached (and verified); *out gets
 * what was read.  A read that gives 0 bytes with success must be the end. */
static int unseal_from(const char *path, const tc_seal_key *key, unsigned char **out,
                       size_t *n, tc_err *e)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    tc_unsealer *u = NULL;
    tc_err_clear(e);
    *out = NULL;
    *n = 0;
    int rc = tc_unsealer_begin(&u, f, path, key, e);
    if (rc) {
        assert_null(u);
        fclose(f);
        return rc;
    }
    size_t cap = (size_t)tc_unsealer_length(u) + 1;
    unsigned char *b = malloc(cap + 70000);
    static const size_t piece[] = {3, 65536, 1, 99999, 17};
    size_t got;
    for (int i = 0;; i = (i + 1) % 5) {
        rc = tc_unsealer_read(u, b + *n, piece[i], &got, e);
        if (rc || got == 0)
            break;
        *n += got;
        assert_true(*n <= cap);
    }
    if (rc == 0) {
        /* the end stays the end */
        assert_int_equal(tc_unsealer_read(u, b, 10, &got, e), 0);
        assert_int_equal(got, 0);
    } else {
        /* a refusal stays a refusal */
        tc_err e2;
        tc_err_clear(&e2);
        assert_int_not_equal(tc_unsealer_read(u, b, 10, &got, &e2), 0);
        assert_int_equal(got, 0);
    }
    tc_unsealer_free(u);
    fclose(f);
    *out = b;
    return rc;
}

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tctest_dir, name);
}

/* GB/T 32907-2016, appendix A.1: one block. */
static void test_sm4_standard(void **state)
{
    (void)state;
    static const uint8_t kp[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                   0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
    static const uint8_t want[16] = {0x68, 0x1e, 0xdf, 0x34, 0xd2, 0x06, 0x96, 0x5e,
                                     0x86, 0xb3, 0xe9, 0x4f, 0x53, 0x6e, 0x42, 0x46};
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
    assert_non_null(c);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    uint8_t out[32];
    int n = 0, m = 0;
    assert_int_equal(EVP_EncryptInit_ex2(x, c, kp, NULL, NULL), 1);
    EVP_CIPHER_CTX_set_padding(x, 0);
    assert_int_equal(EVP_EncryptUpdate(x, out, &n, kp, 16), 1);
    assert_int_equal(EVP_EncryptFinal_ex(x, out + n, &m), 1);
    assert_int_equal(n + m, 16);
    assert_memory_equal(out, want, 16);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
}

static void test_round_trips(void **state)
{
    (void)state;
    party sm, xx;
    mkparty(&sm, "sm2", "rt-sm2");
    mkparty(&xx, "x25519", "rt-x");
    party *who[] = {&sm, &xx};
    const size_t sizes[] = {0, 1, 1 << 20};
    const char *tails[] = {NULL, "t", "trailer 1893 records 1234567.89\n"};
    unsigned char *pt = pattern(1 << 20, 7);
    char path[1100];
    path_in(path, sizeof(path), "rt.sealed");
    for (int c = 0; c < 2; c++)
        for (int w = 0; w < 2; w++)
            for (int s = 0; s < 3; s++) {
                const char *tail = tails[(c + w + s) % 3];
                seal_to(path, (tc_seal_cipher)c, &who[w], 1, pt, sizes[s], tail);
                size_t fsz;
                unsigned char *raw = tctest_slurp(path, &fsz);
                assert_true(tc_seal_is_sealed(raw, fsz));
                /* the content is not there in clear */
                if (sizes[s] >= 64)
                    assert_null(memmem(raw, fsz, pt + 1000, 32));
                free(raw);
                unsigned char *back;
                size_t n;
                tc_err e;
                assert_int_equal(unseal_from(path, who[w]->k, &back, &n, &e), 0);
                assert_int_equal(n, sizes[s]);
                assert_memory_equal(back, pt, n);
                free(back);
                /* without a key: the clear parts */
                FILE *f = fopen(path, "rb");
                tc_unsealer *u;
                assert_int_equal(tc_unsealer_begin(&u, f, path, NULL, &e), 0);
                assert_int_equal(tc_unsealer_length(u), sizes[s]);
                assert_int_equal((int)tc_unsealer_cipher(u), c);
                const unsigned char *t;
                size_t tn;
                assert_int_equal(tc_unsealer_tail(u, &t, &tn, &e), 0);
                assert_int_equal(tn, tail ? strlen(tail) : 0);
                assert_memory_equal(t, tail ? tail : "", tn);
                const char *const *ids;
                assert_int_equal(tc_unsealer_holders(u, &ids), 1);
                assert_string_equal(ids[0], who[w]->id);
                char buf[8];
                size_t got = 99;
                tc_err_clear(&e);
                assert_int_equal(tc_unsealer_read(u, buf, sizeof(buf), &got, &e), TC_EUSAGE);
                assert_int_equal(got, 0);
                tc_unsealer_free(u);
                fclose(f);
            }
    free(pt);
    rmparty(&sm);
    rmparty(&xx);
}

static void test_holders(void **state)
{
    (void)state;
    party a, b, c;
    mkparty(&a, "sm2", "h-a");
    mkparty(&b, "x25519", "h-b");
    mkparty(&c, "sm2", "h-c");
    party *two[] = {&a, &b};
    unsigned char *pt = pattern(100000, 3);
    char path[1100];
    path_in(path, sizeof(path), "h.sealed");
    for (int ci = 0; ci < 2; ci++) {
        seal_to(path, (tc_seal_cipher)ci, two, 2, pt, 100000, "tail");
        unsigned char *back;
        size_t n;
        tc_err e;
        for (int i = 0; i < 2; i++) {
            assert_int_equal(unseal_from(path, two[i]->k, &back, &n, &e), 0);
            assert_int_equal(n, 100000);
            assert_memory_equal(back, pt, n);
            free(back);
        }
        assert_int_equal(unseal_from(path, c.k, &back, &n, &e), TC_EINPUT);
        assert_non_null(strstr(e.msg, "sealed for"));
        assert_non_null(strstr(e.msg, a.id));
        assert_non_null(strstr(e.msg, b.id));
        assert_non_null(strstr(e.msg, c.id));
        assert_string_equal(e.file, path);
    }
    /* the header is readable with head: magic, cipher, iv, the holders */
    size_t fsz;
    char *raw = (char *)tctest_slurp(path, &fsz);
    char want[200];
    snprintf(want, sizeof(want), "tongchou-sealed/1\ncipher: aes-256-gcm\niv: ");
    assert_int_equal(strncmp(raw, want, strlen(want)), 0);
    snprintf(want, sizeof(want), "\nholder: %s ", a.id);
    assert_non_null(strstr(raw, want));
    snprintf(want, sizeof(want), "\nholder: %s ", b.id);
    assert_non_null(strstr(raw, want));
    snprintf(want, sizeof(want), "\nlength: %020d\ntail: %020d\n\n", 100000, 4);
    assert_non_null(strstr(raw, want));
    free(raw);

    /* usage: no holder, too many, one twice, a tail too long */
    FILE *f = fopen(path, "w+b");
    tc_sealer *s;
    tc_err e;
    const tc_seal_holder *hs[17];
    for (int i = 0; i < 17; i++)
        hs[i] = a.h;
    assert_int_equal(tc_sealer_begin(&s, f, TC_SEAL_SM4_CTR_HMAC_SM3, hs, 0, &e), TC_EUSAGE);
    assert_int_equal(tc_sealer_begin(&s, f, TC_SEAL_SM4_CTR_HMAC_SM3, hs, 17, &e), TC_EUSAGE);
    assert_int_equal(tc_sealer_begin(&s, f, TC_SEAL_SM4_CTR_HMAC_SM3, hs, 2, &e), TC_EUSAGE);
    assert_non_null(strstr(e.msg, "twice"));
    assert_int_equal(tc_sealer_begin(&s, f, TC_SEAL_SM4_CTR_HMAC_SM3, hs, 1, &e), 0);
    char *big = calloc(1, TC_SEAL_MAX_TAIL + 1);
    assert_int_equal(tc_sealer_end(s, big, TC_SEAL_MAX_TAIL + 1, &e), TC_EUSAGE);
    free(big);
    fclose(f);
    /* 16 different holders fit in the header */
    party many[16];
    const tc_seal_holder *mh[16];
    for (int i = 0; i < 16; i++) {
        char nm[16];
        snprintf(nm, sizeof(nm), "m%d", i);
        mkparty(&many[i], i % 2 ? "x25519" : "sm2", nm);
        mh[i] = many[i].h;
    }
    f = fopen(path, "w+b");
    assert_int_equal(tc_sealer_begin(&s, f, TC_SEAL_AES_256_GCM, mh, 16, &e), 0);
    assert_int_equal(tc_sealer_write(s, "x", 1, &e), 0);
    assert_int_equal(tc_sealer_end(s, NULL, 0, &e), 0);
    fclose(f);
    unsigned char *back;
    size_t n;
    assert_int_equal(unseal_from(path, many[15].k, &back, &n, &e), 0);
    assert_int_equal(n, 1);
    free(back);
    for (int i = 0; i < 16; i++)
        rmparty(&many[i]);
    free(pt);
    rmparty(&a);
    rmparty(&b);
    rmparty(&c);
}

/* Where the parts of a sealed file are: header length, ciphertext length,
 * tag length, tail length. */
static void parts(const unsigned char *raw, size_t fsz, size_t *hl, size_t *cl, size_t *tl,
                  size_t *tn)
{
    const char *end = memmem(raw, fsz, "\n\n", 2);
    assert_non_null(end);
    *hl = (size_t)(end - (const char *)raw) + 2;
    const char *l = memmem(raw, *hl, "\nlength: ", 9);
    const char *t = memmem(raw, *hl, "\ntail: ", 7);
    *cl = strtoull(l + 9, NULL, 10);
    *tn = strtoull(t + 7, NULL, 10);
    *tl = memmem(raw, *hl, "cipher: aes-256-gcm", 19) ? 48 : 32;
    assert_int_equal(*hl + *cl + *tl + *tn, fsz);
}

/* A changed copy of the sealed file src is refused with one of the codes
 * allowed (want2 may be 0 for "only want"). */
static void refused(const char *name, const unsigned char *raw, size_t n, const tc_seal_key *k,
                    int want, int want2, const char *what)
{
    char p[1100];
    path_in(p, sizeof(p), name);
    assert_int_equal(tctest_spit(p, raw, n), 0);
    unsigned char *back;
    size_t got;
    tc_err e;
    int rc = unseal_from(p, k, &back, &got, &e);
    free(back);
    if (rc != want && (!want2 || rc != want2)) {
        fprintf(stderr, "%s: got %d (%s)\n", what, rc, e.msg);
        fail();
    }
}

static void test_adversary(void **state)
{
    (void)state;
    party a, b;
    mkparty(&a, "sm2", "adv-a");
    mkparty(&b, "x25519", "adv-b");
    party *two[] = {&a, &b};
    unsigned char *pt = pattern(150001, 11);
    char path[1100];
    path_in(path, sizeof(path), "adv.sealed");
    for (int ci = 0; ci < 2; ci++) {
        seal_to(path, (tc_seal_cipher)ci, two, 2, pt, 150001, "totals 42 1234567.89");
        size_t fsz, hl, cl, tl, tn;
        unsigned char *raw = tctest_slurp(path, &fsz);
        parts(raw, fsz, &hl, &cl, &tl, &tn);
        char what[128];
        for (int w = 0; w < 2; w++) {
            const tc_seal_key *k = two[w]->k;
            /* every bit of the header: the magic is no longer a sealed
             * file (bad input); anything else is damage, or (the key's
             * own label changed) the key is no longer a holder's */
            for (size_t i = 0; i < hl; i++)
                for (int bit = 0; bit < 8; bit += (i < 18 ? 1 : 3)) {
                    raw[i] ^= (unsigned char)(1u << bit);
                    snprintf(what, sizeof(what), "cipher %d key %d header byte %zu bit %d", ci,
                             w, i, bit);
                    refused("x.sealed", raw, fsz, k, i < 18 ? TC_EINPUT : TC_EINTEGRITY,
                            TC_EINPUT, what);
                    raw[i] ^= (unsigned char)(1u << bit);
                }
            /* ciphertext (first, last, and spread over it), tag, tail */
            size_t at[] = {hl, hl + 1, hl + cl / 2, hl + cl - 1, hl + cl, hl + cl + tl - 1,
                           hl + cl + tl, fsz - 1};
            for (size_t j = 0; j < sizeof(at) / sizeof(at[0]); j++) {
                raw[at[j]] ^= 0x20;
                snprintf(what, sizeof(what), "cipher %d key %d byte %zu", ci, w, at[j]);
                refused("x.sealed", raw, fsz, k, TC_EINTEGRITY, 0, what);
                raw[at[j]] ^= 0x20;
            }
            for (size_t i = hl; i < fsz; i += 4999) {
                raw[i] ^= 1;
                snprintf(what, sizeof(what), "cipher %d key %d byte %zu", ci, w, i);
                refused("x.sealed", raw, fsz, k, TC_EINTEGRITY, 0, what);
                raw[i] ^= 1;
            }
            /* cut short anywhere, or a byte added */
            const size_t cut[] = {0, 10, hl - 1, hl, hl + cl / 3, hl + cl, fsz - tn, fsz - 1};
            for (size_t j = 0; j < sizeof(cut) / sizeof(cut[0]); j++) {
                snprintf(what, sizeof(what), "cipher %d key %d cut at %zu", ci, w, cut[j]);
                refused("x.sealed", raw, cut[j], k, TC_EINTEGRITY, TC_EINPUT, what);
            }
            unsigned char *more = malloc(fsz + 1);
            memcpy(more, raw, fsz);
            more[fsz] = '\n';
            refused("x.sealed", more, fsz + 1, k, TC_EINTEGRITY, 0, "a byte added");
            free(more);
        }
        /* the tag's message names the file */
        raw[hl + 5] ^= 1;
        char p[1100];
        path_in(p, sizeof(p), "msg.sealed");
        tctest_spit(p, raw, fsz);
        raw[hl + 5] ^= 1;
        unsigned char *back;
        size_t got;
        tc_err e;
        assert_int_equal(unseal_from(p, a.k, &back, &got, &e), TC_EINTEGRITY);
        free(back);
        assert_non_null(strstr(e.msg, "has been altered: its authentication tag does not match"));
        assert_string_equal(e.file, p);   /* named once, as the file the error is about */
        /* nothing but the verified whole: the last piece is never handed out */
        assert_true(got < cl);
        free(raw);
    }

    /* a wrapped key moved to another holder's label does not open */
    party c, d;
    mkparty(&c, "sm2", "adv-c");
    mkparty(&d, "x25519", "adv-d");
    party *sm2s[] = {&a, &c}, *xs[] = {&b, &d};
    party **pairs[] = {sm2s, xs};
    for (int pi = 0; pi < 2; pi++) {
        seal_to(path, TC_SEAL_SM4_CTR_HMAC_SM3, pairs[pi], 2, pt, 1000, NULL);
        size_t fsz;
        char *raw = (char *)tctest_slurp(path, &fsz);
        char l1[64], l2[64];
        snprintf(l1, sizeof(l1), "holder: %s ", pairs[pi][0]->id);
        snprintf(l2, sizeof(l2), "holder: %s ", pairs[pi][1]->id);
        char *p1 = strstr(raw, l1) + strlen(l1), *p2 = strstr(raw, l2) + strlen(l2);
        size_t n1 = strcspn(p1, "\n"), n2 = strcspn(p2, "\n");
        assert_true(p1 < p2);
        /* the two blobs trade places (SM2's DER may differ in length by a
         * byte or two; the header keeps its length) */
        char *sw = malloc(fsz);
        size_t o = 0;
        memcpy(sw, raw, (size_t)(p1 - raw)), o = (size_t)(p1 - raw);
        memcpy(sw + o, p2, n2), o += n2;
        memcpy(sw + o, p1 + n1, (size_t)(p2 - (p1 + n1))), o += (size_t)(p2 - (p1 + n1));
        memcpy(sw + o, p1, n1), o += n1;
        memcpy(sw + o, p2 + n2, fsz - (size_t)(p2 + n2 - raw));
        memcpy(raw, sw, fsz);
        free(sw);
        refused("swap.sealed", (unsigned char *)raw, fsz, pairs[pi][0]->k, TC_EINTEGRITY, 0,
                "swapped 0");
        refused("swap.sealed", (unsigned char *)raw, fsz, pairs[pi][1]->k, TC_EINTEGRITY, 0,
                "swapped 1");
        free(raw);
    }
    rmparty(&c);
    rmparty(&d);
    free(pt);
    rmparty(&a);
    rmparty(&b);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

/* The value after "NAME: " on a header line, up to the line's end. */
static char *field(char *raw, const char *name, size_t *n)
{
    char key[64];
    snprintf(key, sizeof(key), "\n%s: ", name);
    char *p = strstr(raw, key);
    assert_non_null(p);
    p += strlen(key);
    *n = strcspn(p, "\n");
    return p;
}

/* Run cmd and return its standard output's first line (hex, trimmed). */
static void run_line(char *out, size_t cap, const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    out[0] = '\0';
    assert_non_null(fgets(out, (int)cap, p));
    out[strcspn(out, "\r\n")] = '\0';
    assert_int_equal(pclose(p), 0);
}

/* The data key of the holder line `blob`, opened by the openssl command
 * line alone: SM2 by pkeyutl -decrypt; X25519 by pkeyutl -derive, kdf
 * HKDF and AES-256-GCM (EVP here: `openssl enc` takes no AEAD cipher). */
static size_t cli_data_key(party *p, const char *blob, size_t bn, uint8_t *dk)
{
    char wp[1100], dp[1100], ep[1100];
    path_in(wp, sizeof(wp), "cli.wrapped");
    path_in(dp, sizeof(dp), "cli.dk");
    path_in(ep, sizeof(ep), "cli.eph.pem");
    uint8_t w[512];
    if (strncmp(p->id, "sm2:", 4) == 0) {
        long wl = tc_b64_decode(blob, bn, w, sizeof(w));
        assert_true(wl > 0);
        assert_int_equal(tctest_spit(wp, w, (size_t)wl), 0);
        assert_int_equal(tctest_run("openssl pkeyutl -decrypt -inkey '%s' -in '%s' -out '%s'",
                                    p->key_path, wp, dp), 0);
        size_t n;
        unsigned char *k = tctest_slurp(dp, &n);
        memcpy(dk, k, n);
        free(k);
        return n;
    }
    const char *dot = memchr(blob, '.', bn);
    uint8_t eph[32], hpub[32];
    assert_int_equal(tc_b64_decode(blob, (size_t)(dot - blob), eph, 32), 32);
    long wl = tc_b64_decode(dot + 1, bn - (size_t)(dot + 1 - blob), w, sizeof(w));
    assert_true(wl > 16);
    EVP_PKEY *ek = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, eph, 32);
    FILE *f = fopen(ep, "w");
    assert_int_equal(PEM_write_PUBKEY(f, ek), 1);
    fclose(f);
    EVP_PKEY_free(ek);
    char z[200], cmd[4000], salt[140], kek[200];
    snprintf(cmd, sizeof(cmd), "openssl pkeyutl -derive -inkey '%s' -peerkey '%s' | xxd -p -c 64",
             p->key_path, ep);
    run_line(z, sizeof(z), cmd);
    assert_int_equal(strlen(z), 64);
    size_t pl;
    FILE *pf = fopen(p->pub_path, "r");
    EVP_PKEY *hk = PEM_read_PUBKEY(pf, NULL, NULL, NULL);
    fclose(pf);
    pl = 32;
    assert_int_equal(EVP_PKEY_get_raw_public_key(hk, hpub, &pl), 1);
    EVP_PKEY_free(hk);
    hex(eph, 32, salt);
    hex(hpub, 32, salt + 64);
    snprintf(cmd, sizeof(cmd),
             "openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:%s "
             "-kdfopt hexsalt:%s -kdfopt info:tongchou-seal/1 HKDF | tr -d ':'",
             z, salt);
    run_line(kek, sizeof(kek), cmd);
    assert_int_equal(strlen(kek), 64);
    uint8_t kk[32], iv[12] = {0};
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(kek + 2 * i, "%2x", &v);
        kk[i] = (uint8_t)v;
    }
    size_t n = (size_t)wl - 16;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0;
    assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, kk, iv), 1);
    assert_int_equal(EVP_DecryptUpdate(c, NULL, &len, (const uint8_t *)p->id,
                                       (int)strlen(p->id)), 1);
    assert_int_equal(EVP_DecryptUpdate(c, dk, &len, w, (int)n), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, w + n), 1);
    assert_int_equal(EVP_DecryptFinal_ex(c, dk + len, &len), 1);
    EVP_CIPHER_CTX_free(c);
    return n;
}

/* A sealed file taken apart and opened with the openssl command line. */
static void test_openssl_cli(void **state)
{
    (void)state;
    party a, b;
    mkparty(&a, "sm2", "cli-a");
    mkparty(&b, "x25519", "cli-b");
    party *two[] = {&a, &b};
    const char pt[] = "220113198001011234,张三,九台区,1234567.89\n"
                      "220113198001012345,李四,九台区,7551.19\n";
    const char tail[] = "records 2 total 1242119.08\n";
    char path[1100], ctp[1100], ptp[1100], mp[1100];
    path_in(path, sizeof(path), "cli.sealed");
    path_in(ctp, sizeof(ctp), "cli.ct");
    path_in(ptp, sizeof(ptp), "cli.pt");
    path_in(mp, sizeof(mp), "cli.macin");
    for (int ci = 0; ci < 2; ci++) {
        seal_to(path, (tc_seal_cipher)ci, two, 2, (const unsigned char *)pt, strlen(pt), tail);
        size_t fsz, hl, cl, tl, tn;
        char *raw = (char *)tctest_slurp(path, &fsz);
        parts((unsigned char *)raw, fsz, &hl, &cl, &tl, &tn);
        assert_int_equal(cl, strlen(pt));
        assert_int_equal(tn, strlen(tail));
        assert_memory_equal(raw + hl + cl + tl, tail, tn);
        size_t ivn, bn;
        char ivhex[40];
        char *ivp = field(raw, "iv", &ivn);
        assert_int_equal(ivn, ci ? 24 : 32);
        memcpy(ivhex, ivp, ivn);
        ivhex[ivn] = '\0';
        /* header0: the lengths as zeros; lengths: 8-byte big-endian each */
        size_t mn = hl + cl + tn + 16;
        unsigned char *macin = malloc(mn + 48);
        memcpy(macin, raw, hl);
        char *l = memmem(macin, hl, "\nlength: ", 9), *t = memmem(macin, hl, "\ntail: ", 7);
        memset(l + 9, '0', 20);
        memset(t + 7, '0', 20);
        uint8_t hdr0[4096];
        memcpy(hdr0, macin, hl);
        for (int h = 0; h < 2; h++) {
            party *p = two[h];
            char key[64];
            snprintf(key, sizeof(key), "holder: %s", p->id);
            char *line = strstr(raw, key) + strlen(key) + 1;
            bn = strcspn(line, "\n");
            uint8_t dk[128];
            size_t dn = cli_data_key(p, line, bn, dk);
            assert_int_equal(dn, ci ? 64 : 48);
            char khex[200];
            if (ci == 0) {
                /* SM4-CTR by `openssl enc`, exact bytes back */
                hex(dk, 16, khex);
                assert_int_equal(tctest_spit(ctp, raw + hl, cl), 0);
                assert_int_equal(tctest_run("openssl enc -d -sm4-ctr -K %s -iv %s -in '%s' "
                                            "-out '%s'", khex, ivhex, ctp, ptp), 0);
                size_t n;
                unsigned char *back = tctest_slurp(ptp, &n);
                assert_int_equal(n, strlen(pt));
                assert_memory_equal(back, pt, n);
                free(back);
                memcpy(macin + hl, raw + hl, cl);
            } else {
                /* AES-256-GCM, AAD header0: the content and G */
                uint8_t iv[12], out[512];
                for (int i = 0; i < 12; i++) {
                    unsigned v;
                    sscanf(ivhex + 2 * i, "%2x", &v);
                    iv[i] = (uint8_t)v;
                }
                EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
                int len = 0, fl = 0;
                assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, dk, iv), 1);
                assert_int_equal(EVP_DecryptUpdate(c, NULL, &len, hdr0, (int)hl), 1);
                assert_int_equal(EVP_DecryptUpdate(c, out, &len, (uint8_t *)raw + hl, (int)cl),
                                 1);
                assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16,
                                                     raw + hl + cl), 1);
                assert_int_equal(EVP_DecryptFinal_ex(c, out + len, &fl), 1);
                EVP_CIPHER_CTX_free(c);
                assert_int_equal(len, cl);
                assert_memory_equal(out, pt, cl);
                memcpy(macin + hl, raw + hl + cl, 16);
            }
            /* the MAC by `openssl mac HMAC`, exact bytes */
            size_t mid = ci ? 16 : cl;
            memcpy(macin + hl + mid, tail, tn);
            uint8_t *lens = macin + hl + mid + tn;
            for (int i = 0; i < 8; i++) {
                lens[i] = (uint8_t)((uint64_t)cl >> (56 - 8 * i));
                lens[8 + i] = (uint8_t)((uint64_t)tn >> (56 - 8 * i));
            }
            assert_int_equal(tctest_spit(mp, macin, hl + mid + tn + 16), 0);
            hex(dk + (ci ? 32 : 16), 32, khex);
            char cmd[4000], got[200], want[200];
            snprintf(cmd, sizeof(cmd), "openssl mac -digest %s -macopt hexkey:%s -in '%s' HMAC",
                     ci ? "SHA256" : "SM3", khex, mp);
            run_line(got, sizeof(got), cmd);
            hex((uint8_t *)raw + hl + cl + (ci ? 16 : 0), 32, want);
            for (char *q = got; *q; q++)
                *q = (char)(*q >= 'A' && *q <= 'F' ? *q - 'A' + 'a' : *q);
            assert_string_equal(got, want);
        }
        free(macin);
        free(raw);
    }
    rmparty(&a);
    rmparty(&b);
}

static void test_keys(void **state)
{
    (void)state;
    party a;
    mkparty(&a, "sm2", "k-a");
    tc_err e;
    char id[TC_SEAL_KEYID_MAX];
    char base[1100];
    path_in(base, sizeof(base), "k-a");
    /* keygen: the modes, no overwrite, known algorithms only */
    struct stat st;
    assert_int_equal(stat(a.key_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(tc_seal_keygen("sm2", base, id, &e), TC_EINPUT);
    assert_int_equal(tc_seal_keygen("rsa", base, id, &e), TC_EUSAGE);
    /* a private key its group may read is refused, like a signing key */
    const mode_t bad[] = {0640, 0604, 0660, 0602};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tc_seal_key *k = NULL;
        chmod(a.key_path, bad[i]);
        tc_err_clear(&e);
        assert_int_equal(tc_seal_key_load(&k, a.key_path, &e), TC_EINPUT);
        assert_null(k);
        char m[32];
        snprintf(m, sizeof(m), "mode %04o", (unsigned)bad[i]);
        assert_non_null(strstr(e.msg, m));
        assert_non_null(strstr(e.msg, "group or others"));
        assert_non_null(strstr(e.hint, "chmod 600"));
        assert_string_equal(e.file, a.key_path);
    }
    chmod(a.key_path, 0400);
    tc_seal_key *k;
    assert_int_equal(tc_seal_key_load(&k, a.key_path, &e), 0);
    tc_seal_key_free(k);
    chmod(a.key_path, 0600);
    /* the wrong half of the pair, either way */
    assert_int_equal(tc_seal_key_load(&k, a.pub_path, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "public key"));
    tc_seal_holder *h;
    assert_int_equal(tc_seal_holder_load(&h, a.key_path, &e), TC_EINPUT);
    /* an ed25519 signing key seals nothing */
    char sid[TC_KEYID_MAX];
    path_in(base, sizeof(base), "k-ed");
    assert_int_equal(tc_sign_keygen(TC_SIGN_ED25519, base, sid, &e), 0);
    char p[1100];
    snprintf(p, sizeof(p), "%s.pub", base);
    tc_err_clear(&e);
    assert_int_equal(tc_seal_holder_load(&h, p, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "neither sm2 nor x25519"));
    snprintf(p, sizeof(p), "%s.key", base);
    assert_int_equal(tc_seal_key_load(&k, p, &e), TC_EINPUT);
    /* a holder from one line of base64: the same key id */
    size_t n;
    char *pem = (char *)tctest_slurp(a.pub_path, &n);
    char line[400] = "";
    for (char *s = strtok(pem, "\n"); s; s = strtok(NULL, "\n"))
        if (strncmp(s, "-----", 5) != 0)
            strcat(line, s);
    free(pem);
    assert_int_equal(tc_seal_holder_from_text(&h, line, "policy.ini:7", &e), 0);
    assert_string_equal(tc_seal_holder_id(h), a.id);
    tc_seal_holder_free(h);
    line[10] ^= 1;
    tc_err_clear(&e);
    assert_int_equal(tc_seal_holder_from_text(&h, line, "policy.ini:7", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "policy.ini:7"));
    /* ciphers by name; the magic */
    tc_seal_cipher c;
    assert_int_equal(tc_seal_cipher_parse("aes-256-gcm", &c, &e), 0);
    assert_int_equal((int)c, TC_SEAL_AES_256_GCM);
    assert_int_equal(tc_seal_cipher_parse("sm4-ctr-hmac-sm3", &c, &e), 0);
    assert_int_equal((int)c, TC_SEAL_SM4_CTR_HMAC_SM3);
    assert_string_equal(tc_seal_cipher_name(c), "sm4-ctr-hmac-sm3");
    assert_int_equal(tc_seal_cipher_parse("sm4-gcm", &c, &e), TC_EUSAGE);
    assert_true(tc_seal_is_sealed("tongchou-sealed/1\ncipher", 24));
    assert_false(tc_seal_is_sealed("tongchou-sealed/1", 17));
    assert_false(tc_seal_is_sealed("TCB1 batch", 10));
    /* a file that is not sealed: bad input, not damage */
    path_in(p, sizeof(p), "plain.csv");
    tctest_spit(p, "a,b\n1,2\n", 8);
    unsigned char *back;
    size_t got;
    assert_int_equal(unseal_from(p, a.k, &back, &got, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "not a sealed file"));
    rmparty(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm4_standard),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_holders),
        cmocka_unit_test(test_openssl_cli),
        cmocka_unit_test(test_adversary),
        cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
