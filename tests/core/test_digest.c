/*
 * test_digest.c - SHA-256 (FIPS 180-2) and SM3 (GB/T 32905-2016, appendix
 * A) standard test vectors, streaming in odd pieces, and whole files.
 */
#include "tests/support/tctest.h"

#include "core/digest.h"

static void check(tc_digest_alg alg, const char *msg, size_t repeat, const char *want)
{
    tc_err e;
    tc_digest *d;
    assert_int_equal(tc_digest_new(&d, alg, &e), 0);
    size_t n = strlen(msg);
    for (size_t r = 0; r < repeat; r++) {
        /* Feed in pieces of 1, 2, 3... bytes to exercise the streaming. */
        size_t off = 0, k = 1;
        while (off < n) {
            size_t take = n - off < k ? n - off : k;
            tc_digest_update(d, msg + off, take);
            off += take;
            k = k % 7 + 1;
        }
    }
    char text[TC_DIGEST_TEXT_MAX];
    tc_digest_final_text(d, text);
    assert_string_equal(text, want);
    /* Reset gives a fresh digest. */
    tc_digest_reset(d);
    tc_digest_update(d, msg, n);
    tc_digest_final_text(d, text);
    if (repeat == 1)
        assert_string_equal(text, want);
    tc_digest_free(d);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    check(TC_DIGEST_SHA256, "", 1,
          "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check(TC_DIGEST_SHA256, "abc", 1,
          "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check(TC_DIGEST_SHA256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
          "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check(TC_DIGEST_SHA256, "aaaaaaaaaa", 100000,
          "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sm3_vectors(void **state)
{
    (void)state;
    check(TC_DIGEST_SM3, "abc", 1,
          "sm3:66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    check(TC_DIGEST_SM3, "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd", 1,
          "sm3:debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
    check(TC_DIGEST_SM3, "", 1,
          "sm3:1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
}

static void test_file_and_names(void **state)
{
    (void)state;
    char *dir = tctest_tmpdir();
    char path[600], text[TC_DIGEST_TEXT_MAX];
    snprintf(path, sizeof(path), "%s/abc", dir);
    assert_int_equal(tctest_spit(path, "abc", 3), 0);
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_digest_file(TC_DIGEST_SM3, path, text, &e), 0);
    assert_string_equal(text, "sm3:66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    assert_int_equal(tc_digest_buffer(TC_DIGEST_SHA256, "abc", 3, text, &e), 0);
    assert_string_equal(text, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    snprintf(path, sizeof(path), "%s/missing", dir);
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, path, text, &e), TC_EIO);
    assert_non_null(strstr(e.msg, "cannot open"));
    tc_digest_alg a;
    assert_int_equal(tc_digest_alg_parse("sm3", &a, &e), 0);
    assert_int_equal(a, TC_DIGEST_SM3);
    assert_int_equal(tc_digest_alg_parse("md5", &a, &e), TC_EUSAGE);
    assert_string_equal(tc_digest_name(TC_DIGEST_SHA256), "sha256");
    tctest_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_sm3_vectors),
        cmocka_unit_test(test_file_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
