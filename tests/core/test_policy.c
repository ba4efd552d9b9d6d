/*
 * test_policy.c - the key policy's limits, each at its boundary
 * (docs/policy.md): 64 keys in a role (1024 for the parties), 16 parties,
 * 16 [data] holders, a [require]
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

/* [party NAME]: a key per county or for every county; who signs what; and
 * the refusals: a key under a bare [party], a name the syntax cannot hold,
 * a party named twice, a county code that is not one, 17 parties, and 1025
 * party keys. */
static void test_parties(void **state)
{
    (void)state;
    const char **k = keys("party", 3, 0), **m = keys("maker", 1, 0), **c = keys("checker", 1, 0);
    tc_policy_party_spec ps[] = {{"县财政局", "220122", k[0]},
                                 {"审计局", NULL, k[1]},
                                 {"县财政局", "220100", k[2]}};
    tc_policy_spec spec = {.city = "220100", .parties = ps, .nparties = 3};
    spec.pubs[TC_ROLE_MAKER] = m;
    spec.pubs[TC_ROLE_CHECKER] = c;
    char base[700];
    snprintf(base, sizeof(base), "%s/parties.ini", tctest_dir);
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_policy_make(&spec, base, &e), 0);
    tc_policy *p;
    assert_int_equal(tc_policy_load(&p, base, &e), 0);
    assert_int_equal(tc_policy_parties(p), 2);
    assert_string_equal(tc_policy_party(p, 0), "县财政局");
    assert_string_equal(tc_policy_party(p, 1), "审计局");
    assert_null(tc_policy_party(p, 2));
    const tc_pubkey *const *pk;
    assert_int_equal(tc_policy_keys(p, TC_ROLE_PARTY, &pk), 3);
    const char *county;
    for (int i = 0; i < 3; i++) {
        const char *party = tc_policy_key_party(p, tc_pubkey_id(pk[i]), &county);
        assert_non_null(party);
        tc_role r;
        assert_non_null(tc_policy_key(p, tc_pubkey_id(pk[i]), &r));
        assert_int_equal(r, TC_ROLE_PARTY);
    }
    assert_int_equal(tc_policy_party_keys(p, "县财政局", "220122", NULL, 0), 1);
    assert_int_equal(tc_policy_party_keys(p, "县财政局", "220113", NULL, 0), 0);
    assert_int_equal(tc_policy_party_keys(p, "审计局", "220113", NULL, 0), 1);
    tc_policy_free(p);
    /* a key without its party's name: refused by make and by load */
    spec.pubs[TC_ROLE_PARTY] = k;
    assert_int_equal(tc_policy_make(&spec, base, &e), TC_EUSAGE);
    spec.pubs[TC_ROLE_PARTY] = NULL;
    assert_int_equal(load_variant(base, "[party 审计局]", "[party]", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "a party's keys go under its name"));
    assert_int_equal(load_variant(base, "[party 审计局]", "[party 审 计局]", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "is not a party's name"));
    assert_int_equal(load_variant(base, "[party 审计局]", "[party 县财政局]", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "the party 县财政局 is named twice"));
    assert_int_equal(load_variant(base, "220122 =", "22012 =", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "a party's lines are 'key = ...' or 'COUNTY = ...'"));
    /* an empty bare [party], as older files have it, loads */
    assert_int_equal(load_variant(base, "[witness]", "[party]\n[witness]", &e), 0);
    /* 16 parties load (the file names 2), the 17th is refused */
    char many[2000] = "", one[80];
    for (int i = 0; i < 14; i++) {
        snprintf(one, sizeof(one), "[party 第%d方]\n", i);
        strcat(many, one);
    }
    strcat(many, "[witness]");
    assert_int_equal(load_variant(base, "[witness]", many, &e), 0);
    char *at = strstr(many, "[witness]");
    strcpy(at, "[party 第十七方]\n[witness]");
    assert_int_equal(load_variant(base, "[witness]", many, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "more than 16 parties"));
    free_keys(k);
    free_keys(m);
    free_keys(c);
}

/* 1024 keys of the parties load (two bureaus of 512 counties), 1025 do
 * not.  The keys are written as text - the Ed25519 SubjectPublicKeyInfo
 * prefix and 32 distinct bytes - rather than made one by one. */
static int party_keys_policy(int n, tc_err *e)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/pmany.ini", tctest_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "[policy]\nformat = tongchou-policy/1\n");
    for (int r = 0; r < 2; r++) {
        uint8_t der[44] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        der[12] = 0xee;
        der[13] = (uint8_t)r;
        char b64[80];
        b64[tc_b64_encode(der, sizeof(der), b64)] = '\0';
        fprintf(f, "[%s]\nkey = %s\n", r ? "checker" : "maker", b64);
    }
    for (int i = 0; i < n; i++) {
        if (i == 0 || i == n / 2)
            fprintf(f, "[party %s]\n", i ? "县财政局" : "县医疗保障局");
        uint8_t der[44] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        der[12] = (uint8_t)(i >> 8);
        der[13] = (uint8_t)i;
        der[14] = 0x5a;
        char b64[80];
        b64[tc_b64_encode(der, sizeof(der), b64)] = '\0';
        fprintf(f, "%06d = %s\n", 100000 + i % (n / 2), b64);
    }
    fclose(f);
    tc_policy *p = NULL;
    tc_err_clear(e);
    int rc = tc_policy_load(&p, path, e);
    const tc_pubkey *const *pk;
    if (!rc)
        assert_int_equal(tc_policy_keys(p, TC_ROLE_PARTY, &pk), (size_t)n);
    tc_policy_free(p);
    return rc;
}

static void test_party_keys_limit(void **state)
{
    (void)state;
    tc_err e;
    assert_int_equal(party_keys_policy(1024, &e), 0);
    assert_int_equal(party_keys_policy(1025, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "more than 1024 keys in role party"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_per_role),
        cmocka_unit_test(test_data_holders),
        cmocka_unit_test(test_counts_and_lines),
        cmocka_unit_test(test_parties),
        cmocka_unit_test(test_party_keys_limit),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
