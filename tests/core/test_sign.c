/*
 * test_sign.c - signing keys: both algorithms make, load, sign and verify;
 * the RFC 8032 Ed25519 test vector 1 signs to its published signature; an
 * SM2 signature is checked by the openssl command line with the GM/T 0009
 * ID (and refused with another ID), and one made by the command line is
 * checked here; a private key open to group or others is refused; key ids
 * and signed-note key ids have their documented form; base64 is strict.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/sign.h"

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tctest_dir, name);
}

static tc_signer *make(tc_sign_alg alg, const char *name, char *id)
{
    char base[1024];
    tc_err e;
    tc_err_clear(&e);
    path_in(base, sizeof(base), name);
    assert_int_equal(tc_sign_keygen(alg, base, id, &e), 0);
    char kp[1100];
    snprintf(kp, sizeof(kp), "%s.key", base);
    tc_signer *s;
    assert_int_equal(tc_signer_load(&s, kp, &e), 0);
    assert_string_equal(tc_signer_id(s), id);
    return s;
}

static void test_keygen_both(void **state)
{
    (void)state;
    const tc_sign_alg algs[] = {TC_SIGN_ED25519, TC_SIGN_SM2};
    const char *names[] = {"ed", "sm"}, *prefix[] = {"ed25519:", "sm2:"};
    for (int i = 0; i < 2; i++) {
        char id[TC_KEYID_MAX], p[1100];
        tc_signer *s = make(algs[i], names[i], id);
        assert_int_equal(strncmp(id, prefix[i], strlen(prefix[i])), 0);
        assert_int_equal(strlen(id), strlen(prefix[i]) + 16);
        assert_int_equal((int)tc_signer_alg(s), (int)algs[i]);
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s.key", tctest_dir, names[i]);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        snprintf(p, sizeof(p), "%s/%s.pub", tctest_dir, names[i]);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);   /* every file the toolkit writes is owner-only */
        tc_pubkey *k;
        tc_err e;
        assert_int_equal(tc_pubkey_load(&k, p, &e), 0);
        assert_string_equal(tc_pubkey_id(k), id);

        const char msg[] = "220113 310 transfer 1234567.89";
        uint8_t sig[TC_SIGN_MAX];
        size_t n = 0;
        assert_int_equal(tc_signer_sign(s, msg, strlen(msg), sig, &n, &e), 0);
        if (algs[i] == TC_SIGN_ED25519) {
            assert_int_equal(n, 64);
        } else {
            assert_true(n >= 8 && n <= 72);
            assert_int_equal(sig[0], 0x30);     /* DER SEQUENCE */
            assert_int_equal(sig[1], n - 2);
        }
        assert_int_equal(tc_pubkey_verify(k, msg, strlen(msg), sig, n), 1);
        assert_int_equal(tc_pubkey_verify(tc_signer_pubkey(s), msg, strlen(msg), sig, n), 1);
        /* one byte of the message, or of the signature, changed: refused */
        char bad[sizeof(msg)];
        memcpy(bad, msg, sizeof(msg));
        bad[7] ^= 1;
        assert_int_equal(tc_pubkey_verify(k, bad, strlen(bad), sig, n), 0);
        sig[n / 2] ^= 0x10;
        assert_int_equal(tc_pubkey_verify(k, msg, strlen(msg), sig, n), 0);
        assert_int_equal(tc_pubkey_verify(k, msg, strlen(msg), sig, 3), 0);
        tc_pubkey_free(k);
        /* keygen does not overwrite a key */
        char base[1024];
        path_in(base, sizeof(base), names[i]);
        char id2[TC_KEYID_MAX];
        assert_int_equal(tc_sign_keygen(algs[i], base, id2, &e), TC_EINPUT);
        tc_signer_free(s);
    }
    /* a key of one algorithm does not verify the other's signature */
    tc_signer *a, *b;
    char ia[TC_KEYID_MAX], ib[TC_KEYID_MAX];
    tc_err e;
    char p[1100];
    path_in(p, sizeof(p), "ed.key");
    assert_int_equal(tc_signer_load(&a, p, &e), 0);
    path_in(p, sizeof(p), "sm.key");
    assert_int_equal(tc_signer_load(&b, p, &e), 0);
    snprintf(ia, sizeof(ia), "%s", tc_signer_id(a));
    snprintf(ib, sizeof(ib), "%s", tc_signer_id(b));
    assert_string_not_equal(ia, ib);
    uint8_t sig[TC_SIGN_MAX];
    size_t n;
    assert_int_equal(tc_signer_sign(a, "x", 1, sig, &n, &e), 0);
    assert_int_equal(tc_pubkey_verify(tc_signer_pubkey(b), "x", 1, sig, n), 0);
    tc_signer_free(a);
    tc_signer_free(b);
}

static void unhex(const char *s, uint8_t *out)
{
    for (size_t i = 0; s[2 * i]; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* RFC 8032 section 7.1, TEST 1: the empty message. */
static void test_ed25519_rfc8032(void **state)
{
    (void)state;
    uint8_t sk[32], want[64];
    unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", sk);
    unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
          "39701cf9b46bd25bf5f0595bbe24655141438e7a100b", want);
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
    assert_non_null(pk);
    char p[1100];
    path_in(p, sizeof(p), "rfc8032.key");
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    EVP_PKEY_free(pk);
    chmod(p, 0400);
    tc_signer *s;
    tc_err e;
    assert_int_equal(tc_signer_load(&s, p, &e), 0);
    uint8_t sig[TC_SIGN_MAX];
    size_t n;
    assert_int_equal(tc_signer_sign(s, "", 0, sig, &n, &e), 0);
    assert_int_equal(n, 64);
    assert_memory_equal(sig, want, 64);
    /* the signed-note key id: SHA-256(name || 0x0A || 0x01 || pub)[:4],
     * computed here independently */
    uint8_t pub[32], buf[64], h[32];
    unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pub);
    const char *name = "example.com/log";
    size_t k = strlen(name);
    memcpy(buf, name, k);
    buf[k] = 0x0a;
    buf[k + 1] = 0x01;
    memcpy(buf + k + 2, pub, 32);
    unsigned hl;
    EVP_Digest(buf, k + 34, h, &hl, EVP_sha256(), NULL);
    uint32_t want_id = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    assert_int_equal(tc_pubkey_note_id(tc_signer_pubkey(s), name), want_id);
    tc_signer_free(s);
}

static void test_private_key_mode(void **state)
{
    (void)state;
    char id[TC_KEYID_MAX], base[1024], p[1100];
    tc_err e;
    path_in(base, sizeof(base), "loose");
    assert_int_equal(tc_sign_keygen(TC_SIGN_SM2, base, id, &e), 0);
    snprintf(p, sizeof(p), "%s.key", base);
    const mode_t bad[] = {0640, 0604, 0660, 0644, 0602};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tc_signer *s = NULL;
        chmod(p, bad[i]);
        tc_err_clear(&e);
        assert_int_equal(tc_signer_load(&s, p, &e), TC_EINPUT);
        assert_null(s);
        assert_non_null(strstr(e.msg, "group or others"));
        assert_non_null(strstr(e.hint, "chmod 600"));
    }
    /* the public key may be read by anyone; 0400 and 0600 keys sign */
    tc_signer *s;
    chmod(p, 0400);
    assert_int_equal(tc_signer_load(&s, p, &e), 0);
    tc_signer_free(s);
    chmod(p, 0600);
    assert_int_equal(tc_signer_load(&s, p, &e), 0);
    tc_signer_free(s);
    /* a public key file is not a private key */
    snprintf(p, sizeof(p), "%s.pub", base);
    chmod(p, 0600);
    assert_int_equal(tc_signer_load(&s, p, &e), TC_EINPUT);
    tc_sign_alg alg;
    assert_int_equal(tc_sign_alg_parse("rsa", &alg, &e), TC_EUSAGE);
    assert_int_equal(tc_sign_alg_parse("sm2", &alg, &e), 0);
    assert_int_equal((int)alg, (int)TC_SIGN_SM2);
}

/* The SM2 signature agrees with OpenSSL's command line, in both directions. */
static void test_sm2_openssl_cli(void **state)
{
    (void)state;
    char id[TC_KEYID_MAX];
    tc_signer *s = make(TC_SIGN_SM2, "cli", id);
    const char msg[] = "九台区 220113 上解 1234567.89\n";
    char mp[1100], sp[1100], pub[1100], key[1100];
    path_in(mp, sizeof(mp), "cli.msg");
    path_in(sp, sizeof(sp), "cli.sig");
    path_in(pub, sizeof(pub), "cli.pub");
    path_in(key, sizeof(key), "cli.key");
    assert_int_equal(tctest_spit(mp, msg, strlen(msg)), 0);
    uint8_t sig[TC_SIGN_MAX];
    size_t n;
    tc_err e;
    assert_int_equal(tc_signer_sign(s, msg, strlen(msg), sig, &n, &e), 0);
    assert_int_equal(tctest_spit(sp, sig, n), 0);
    assert_int_equal(tctest_run("openssl pkeyutl -verify -pubin -inkey '%s' -rawin -in '%s' -sigfile '%s' "
                        "-digest sm3 -pkeyopt distid:1234567812345678 >/dev/null 2>&1",
                        pub, mp, sp), 0);
    assert_int_equal(tctest_run("openssl dgst -sm3 -verify '%s' -sigopt distid:1234567812345678 "
                        "-signature '%s' '%s' >/dev/null 2>&1", pub, sp, mp), 0);
    /* another ID (or OpenSSL's default, the empty one) refuses it: the ID is really used */
    assert_int_not_equal(tctest_run("openssl pkeyutl -verify -pubin -inkey '%s' -rawin -in '%s' "
                            "-sigfile '%s' -digest sm3 -pkeyopt distid:1234567812345679 "
                            ">/dev/null 2>&1", pub, mp, sp), 0);
    /* and the command line's own signature verifies here */
    assert_int_equal(tctest_run("openssl pkeyutl -sign -inkey '%s' -rawin -in '%s' -out '%s' -digest sm3 "
                        "-pkeyopt distid:1234567812345678 2>/dev/null", key, mp, sp), 0);
    size_t sn = 0;
    unsigned char *cs = tctest_slurp(sp, &sn);
    assert_non_null(cs);
    assert_int_equal(tc_pubkey_verify(tc_signer_pubkey(s), msg, strlen(msg), cs, sn), 1);
    free(cs);
    tc_signer_free(s);
}

static void test_base64(void **state)
{
    (void)state;
    const char *txt[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg=="};
    const char *raw[] = {"", "f", "fo", "foo", "foob"};
    for (int i = 0; i < 5; i++) {
        char out[16];
        uint8_t back[16];
        assert_int_equal(tc_b64_encode((const uint8_t *)raw[i], strlen(raw[i]), out),
                         strlen(txt[i]));
        assert_string_equal(out, txt[i]);
        assert_int_equal(tc_b64_decode(txt[i], strlen(txt[i]), back, sizeof(back)),
                         (long)strlen(raw[i]));
        assert_memory_equal(back, raw[i], strlen(raw[i]));
    }
    uint8_t b[16];
    assert_int_equal(tc_b64_decode("Zg=", 3, b, sizeof(b)), -1);     /* length */
    assert_int_equal(tc_b64_decode("Zh==", 4, b, sizeof(b)), -1);    /* stray bits */
    assert_int_equal(tc_b64_decode("Z g=", 4, b, sizeof(b)), -1);    /* blank */
    assert_int_equal(tc_b64_decode("Zm=v", 4, b, sizeof(b)), -1);    /* inner pad */
    assert_int_equal(tc_b64_decode("Zm9v", 4, b, 2), -1);            /* no room */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen_both),
        cmocka_unit_test(test_ed25519_rfc8032),
        cmocka_unit_test(test_private_key_mode),
        cmocka_unit_test(test_sm2_openssl_cli),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
