/*
 * test_city.c - the example city reconciled equals the generator's answer
 * key: generated with its defaults (the two YB2008 counties as pg_dump
 * files, from a private PostgreSQL server the generator starts), every
 * county extracted and mapped with mappings/changchun, then reconciled.
 * Every figure of every county and fund, every bank statement, every
 * finding (none missing, none extra, severities included), the totals and
 * the status must be the key's, to the fen; a second run gives the same
 * bytes of reconciliation.json and findings.csv.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>

#include <jansson.h>

#include "core/batch.h"
#include "reconcile/reconcile.h"
#include "tests/support/cityfix.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"

static char *dir;
static char city[1024], county_dir[1024];
static char paths[70][1300];
static const char *all[70];
static int npaths;

static int setup(void **state)
{
    (void)state;
    dir = tctest_tmpdir();
    snprintf(city, sizeof(city), "%s/city", dir);
    if (!dir || cityfix_build_full(dir, 400, county_dir, sizeof(county_dir)) ||
        cityfix_map(dir, county_dir, paths, all))
        return -1;
    npaths = 70;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tctest_rmtree(dir);
    free(dir);
    return 0;
}

static void run(const char *out, int *status)
{
    tc_err e;
    tc_err_clear(&e);
    mkdir(out, 0755);
    tc_mapset *m = NULL;
    if (tc_mapset_load(&m, SET, &e) ||
        tc_reconcile_run(m, all, npaths, NULL, 0, out, NULL, NULL, status, &e)) {
        char b[2048];
        fail_msg("reconcile: %s", tc_err_format(&e, b, sizeof(b)));
    }
    tc_mapset_free(m);
}

static json_t *by(json_t *arr, const char *key, const char *val)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        const char *v = json_string_value(json_object_get(x, key));
        if (v && strcmp(v, val) == 0)
            return x;
    }
    return NULL;
}

/* Every string member of want equals got's (objects compared recursively). */
static int same_members(const char *where, json_t *want, json_t *got)
{
    const char *k;
    json_t *v;
    int bad = 0;
    json_object_foreach(want, k, v) {
        json_t *g = json_object_get(got, k);
        if (json_is_object(v)) {
            char w[512];
            snprintf(w, sizeof(w), "%s %s", where, k);
            bad += g ? same_members(w, v, g) : 1;
        } else if (json_is_string(v) && (!json_is_string(g) ||
                                         strcmp(json_string_value(v), json_string_value(g)) != 0)) {
            fprintf(stderr, "%s %s: key %s, reconcile %s\n", where, k, json_string_value(v),
                    g ? json_string_value(g) : "(none)");
            bad++;
        }
    }
    return bad;
}

static void test_city_equals_answer_key(void **state)
{
    (void)state;
    assert_int_equal(npaths, 70);
    char out[1200], kp[1200];
    snprintf(out, sizeof(out), "%s/out1", dir);
    int status;
    run(out, &status);
    assert_int_equal(status, 1);
    snprintf(kp, sizeof(kp), "%s/answer-key.json", city);
    snprintf(out, sizeof(out), "%s/out1/reconciliation.json", dir);
    json_error_t je;
    json_t *key = json_load_file(kp, 0, &je), *got = json_load_file(out, 0, &je);
    assert_non_null(key);
    assert_non_null(got);
    assert_string_equal(json_string_value(json_object_get(got, "format")), "tongchou-reconciliation/1");
    assert_string_equal(json_string_value(json_object_get(got, "cutover")),
                        json_string_value(json_object_get(key, "cutover")));
    assert_string_equal(json_string_value(json_object_get(got, "status")), "blocked");
    assert_string_equal(json_string_value(json_object_get(key, "status")), "blocked");
    assert_int_equal(json_array_size(json_object_get(got, "inputs")), 70);

    int bad = 0, nfind = 0, nfig = 0, nbank = 0;
    json_t *kc, *gcs = json_object_get(got, "counties");
    size_t i;
    assert_int_equal(json_array_size(gcs), 7);
    json_array_foreach(json_object_get(key, "counties"), i, kc) {
        const char *code = json_string_value(json_object_get(kc, "county"));
        json_t *gc = by(gcs, "county", code);
        if (!gc)
            fail_msg("county %s missing", code);
        /* the funds, figure by figure */
        json_t *kf, *gf = json_object_get(gc, "funds");
        size_t j;
        if (json_array_size(gf) != json_array_size(json_object_get(kc, "funds")))
            fail_msg("%s: %zu funds, the key has %zu", code, json_array_size(gf),
                     json_array_size(json_object_get(kc, "funds")));
        json_array_foreach(json_object_get(kc, "funds"), j, kf) {
            const char *fund = json_string_value(json_object_get(kf, "fund"));
            json_t *f = by(gf, "fund", fund);
            char w[64];
            snprintf(w, sizeof(w), "%s fund %s", code, fund);
            if (!f)
                fail_msg("%s missing", w);
            bad += same_members(w, kf, f);
            nfig += (int)json_object_size(kf);
        }
        /* the bank statements */
        json_t *kb, *gb = json_object_get(gc, "bank");
        assert_int_equal(json_array_size(gb), json_array_size(json_object_get(kc, "bank")));
        json_array_foreach(json_object_get(kc, "bank"), j, kb) {
            const char *acct = json_string_value(json_object_get(kb, "account"));
            json_t *b = by(gb, "account", acct);
            char w[64];
            snprintf(w, sizeof(w), "%s bank %s", code, acct);
            if (!b)
                fail_msg("%s missing", w);
            bad += same_members(w, kb, b);
            nbank++;
        }
        /* the findings, in the key's order: code, fund, ref */
        json_t *kfs = json_object_get(kc, "findings"), *gfs = json_object_get(gc, "findings");
        if (json_array_size(kfs) != json_array_size(gfs)) {
            fprintf(stderr, "%s: %zu findings, the key has %zu\n", code, json_array_size(gfs),
                    json_array_size(kfs));
            bad++;
        }
        json_array_foreach(kfs, j, kf) {
            json_t *g = json_array_get(gfs, j);
            char w[64];
            snprintf(w, sizeof(w), "%s finding %zu", code, j);
            bad += g ? same_members(w, kf, g) : 1;
            nfind++;
        }
    }
    bad += same_members("totals", json_object_get(key, "totals"), json_object_get(got, "totals"));
    assert_int_equal(bad, 0);
    /* the injected findings of docs/example-city.md, every one */
    assert_int_equal(nfind, 14);
    assert_true(nfig > 7 * 14);
    assert_int_equal(nbank, 48);
    json_decref(key);
    json_decref(got);
}

static void test_city_rerun_same_bytes(void **state)
{
    (void)state;
    char a[1200], b[1200], o2[1200];
    snprintf(o2, sizeof(o2), "%s/out2", dir);
    int status;
    run(o2, &status);
    const char *files[] = {"reconciliation.json", "findings.csv"};
    for (int i = 0; i < 2; i++) {
        size_t na = 0, nb = 0;
        snprintf(a, sizeof(a), "%s/out1/%s", dir, files[i]);
        snprintf(b, sizeof(b), "%s/out2/%s", dir, files[i]);
        unsigned char *x = tctest_slurp(a, &na), *y = tctest_slurp(b, &nb);
        assert_non_null(x);
        assert_non_null(y);
        assert_int_equal(na, nb);
        assert_memory_equal(x, y, na);
        if (i == 1) {
            /* BOM, header, one row per finding (14), no identity number in clear */
            assert_memory_equal(x, "\xEF\xBB\xBF" "county,pool,fund,code,severity,ref,amount,message\r\n", 53);
            int rows = 0;
            for (size_t k = 0; k < na; k++)
                rows += x[k] == '\n';
            assert_int_equal(rows, 15);
            int run = 0, longest = 0;
            for (size_t k = 0; k < na; k++) {
                run = x[k] >= '0' && x[k] <= '9' ? run + 1 : 0;
                longest = run > longest ? run : longest;
            }
            assert_true(longest < 17);
        }
        free(x);
        free(y);
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_city_equals_answer_key),
                                   cmocka_unit_test(test_city_rerun_same_bytes)};
    return cmocka_run_group_tests(t, setup, teardown);
}
