/*
 * test_policy.c - the key policy's limits, each at its boundary
 * (docs/policy.md): 64 keys in a role, 16 [data] holders, a [require]
 * count of 1 to 9, a line of 2047 bytes.  At the limit the policy loads;
 * one over, it is refused naming the line.
 */
#include "tests/support/tctest.h"

#include "core/policy.h"
#include "core/seal.h"
#include "core/sign.h"

/* n key pairs NAME0.. in the scratch folder; their .pub paths, NULL-ended. */
static const char **keys(const char *name, int n, int data)
{
    const char **v = calloc((size_t)n + 1, sizeof(char *));
    assert_non_null(v);
    for (int i = 0; i < n; i++) {
        char base[700], id[TC_SEAL_KEYID_MAX];
        snprintf(base, sizeof(base), "%s/%s%d", tctest_dir, name, i);
        tc_err e;
        tc_err_clear(&e);
        char pub[720];
        snprintf(pub, sizeof(pub), "%s.pub", base);
        if (access(pub, F_OK) != 0)
            assert_int_equal(data ? tc_seal_keygen("x25519", base, id, &e)
                                  : tc_sign_keygen(TC_SIGN_ED25519, base, id, &e),
                             0);
        v[i] = strdup(pub);
    }
    return v;
}

static void free_keys(const char **v)
{
    for (int i = 0; v[i]; i++)
        free((char *)v[i]);
    free(v);
}

/* Make a policy of nmakers makers and ndata holders; its tc_policy_make code. */
static int make(int nmakers, int ndata, const char *out, tc_err *e)
{
    const char **m = keys("maker", nmakers, 0), **c = keys("checker", 1, 0);
    const char **d = ndata ? keys("data", ndata, 1) : NULL;
    tc_policy_spec spec = {.city = "220100", .origin = "limits", .data = d};
    spec.pubs[TC_ROLE_MAKER] = m;
    spec.pubs[TC_ROLE_CHECKER] = c;
    tc_err_clear(e);
    int rc = tc_policy_make(&spec, out, e);
    free_keys(m);
    free_keys(c);
    if (d)
        free_keys(d);
    return rc;
}

static void test_keys_per_role(void **state)
{
    (void)state;
    char out[700];
    snprintf(out, sizeof(out), "%s/p64.ini", tctest_dir);
    tc_err e;
    assert_int_equal(make(64, 0, out, &e), 0);
    tc_policy *p;
    assert_int_equal(tc_policy_load(&p, out, &e), 0);
    const tc_pubkey *const *k;
    assert_int_equal(tc_policy_keys(p, TC_ROLE_MAKER, &k), 64);
    tc_policy_free(p);
    snprintf(out, sizeof(out), "%s/p65.ini", tctest_dir);
    assert_int_equal(make(65, 0, out, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "more than 64 keys in role maker"));
}

static void test_data_holders(void **state)
{
    (void)state;
    char out[700];
    snprintf(out, sizeof(out), "%s/d16.ini", tctest_dir);
    tc_err e;
    assert_int_equal(make(1, 16, out, &e), 0);
    tc_policy *p;
    assert_int_equal(tc_policy_load(&p, out, &e), 0);
    const tc_seal_holder *const *h;
    assert_int_equal(tc_policy_holders(p, &h), 16);
    assert_int_equal(tc_policy_cipher(p), TC_SEAL_SM4_CTR_HMAC_SM3);
    tc_policy_free(p);
    snprintf(out, sizeof(out), "%s/d17.ini", tctest_dir);
    assert_int_equal(make(1, 17, out, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "more than 16 keys in [data]"));
}

/* The policy at base with from replaced by to, loaded: its code and e. */
static int load_variant(const char *base, const char *from, const char *to, tc_err *e)
{
    size_t n;
    char *d = (char *)tctest_slurp(base, &n);
    assert_non_null(d);
    char *at = strstr(d, from);
    assert_non_null(at);
    char path[700];
    snprintf(path, sizeof(path), "%s/variant.ini", tctest_dir);
    FILE *f = fopen(path, "wb");
    fwrite(d, 1, (size_t)(at - d), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
    free(d);
    tc_policy *p = NULL;
    tc_err_clear(e);
    int rc = tc_policy_load(&p, path, e);
    tc_policy_free(p);
    return rc;
}

static void test_counts_and_lines(void **state)
{
    (void)state;
    char base[700];
    snprintf(base, sizeof(base), "%s/base.ini", tctest_dir);
    tc_err e;
    assert_int_equal(make(1, 0, base, &e), 0);
    assert_int_equal(load_variant(base, "approve    = 1", "approve    = 9", &e), 0);
    assert_int_equal(load_variant(base, "approve    = 1", "approve    = 10", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "'10' must be a count from 1 to 9"));
    assert_int_equal(load_variant(base, "approve    = 1", "approve    = 0", &e), TC_EINPUT);
    /* a comment line of 2047 bytes before its newline, and of 2048 */
    char line[2100];
    memset(line, 'x', sizeof(line));
    line[0] = ';';
    snprintf(line + 2047, sizeof(line) - 2047, "\n[require]");
    assert_int_equal(load_variant(base, "[require]", line, &e), 0);
    line[2047] = 'x';
    snprintf(line + 2048, sizeof(line) - 2048, "\n[require]");
    assert_int_equal(load_variant(base, "[require]", line, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "line longer than 2047 bytes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_per_role),
        cmocka_unit_test(test_data_holders),
        cmocka_unit_test(test_counts_and_lines),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
