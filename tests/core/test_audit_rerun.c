/*
 * test_audit_rerun.c - `tongchou audit verify --rerun` with the real
 * reconciliation, recorded by the reconcile command itself.
 *
 * The example city (200 contribution records a county, handover XML only)
 * is extracted and mapped; then, exactly as a user would, `tongchou
 * reconcile` runs with TONGCHOU_KEY naming a key made by `tongchou keygen`
 * and TONGCHOU_AUDIT naming the trail, and writes its own entry.  The test
 * checks:
 *
 *  - reconcile exits 1 (the example city has injected findings), and the
 *    trail then holds exactly one entry, a "reconcile" signed by that key,
 *    with the arguments as given, every input batch with its digest and the
 *    five reports with theirs;
 *  - `audit verify --rerun` exits 0 on the recorded inputs (and so does a
 *    verify naming the report and a batch);
 *  - one input batch changed: exit 5, nothing re-run, entry 1 named; the
 *    batch restored: exit 0 again;
 *  - the mapping set changed after the run (its rates): the batches were
 *    mapped with another set, the re-run reconcile refuses them and writes
 *    no report, exit 5; restored: exit 0;
 *  - a second reconcile gives the same reconciliation.json, findings.csv
 *    and arrears.csv byte for byte (entry 2, two reconcile entries);
 *  - a report that the recorded inputs do not give, recorded by a forger
 *    holding the key (entry 3, the arguments and inputs of entry 2): the
 *    signatures and chain still hold (plain verify exits 0) but the re-run
 *    gives another reconciliation.json (exit 5, entry 3 named).
 */
#include "tests/support/tctest.h"

#include <glob.h>
#include <jansson.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/audit.h"
#include "core/digest.h"
#include "core/record.h"
#include "core/sign.h"
#include "mappings/mapset.h"
#include "tests/support/cityfix.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"

static char *work, batches[1024], city[1100], rep[1100], trail[1100], keybase[1100],
    keyfile[1100], pubfile[1100], set[1100], rates[1200], errf[1100], keyid[TC_KEYID_MAX];
static glob_t gl;

/* The reports reconcile writes, in the order it writes (and records) them. */
static const char *const reports[5] = {"reconciliation.json", "findings.csv", "arrears.csv",
                                       "reconciliation.html", "reconciliation.xlsx"};

static int setup(void **state)
{
    (void)state;
    /* Whatever the caller's environment: only the runs below sign. */
    unsetenv("TONGCHOU_KEY");
    unsetenv("TONGCHOU_AUDIT");
    work = tctest_tmpdir();
    if (!work || cityfix_build(work, 200, 0, batches, sizeof(batches)))
        return -1;
    snprintf(city, sizeof(city), "%s/city", work);
    snprintf(rep, sizeof(rep), "%s/rep", work);
    snprintf(trail, sizeof(trail), "%s/audit.trail", work);
    snprintf(keybase, sizeof(keybase), "%s/county", work);
    snprintf(keyfile, sizeof(keyfile), "%s.key", keybase);
    snprintf(pubfile, sizeof(pubfile), "%s.pub", keybase);
    snprintf(set, sizeof(set), "%s/mappings", work);
    snprintf(rates, sizeof(rates), "%s/city/rates.csv", set);
    snprintf(errf, sizeof(errf), "%s/stderr", work);
    mkdir(city, 0755);
    mkdir(rep, 0755);
    const char *tc = tctest_tongchou();
    if (tctest_run("'%s' map -q -m '%s' -o '%s' '%s'/*.tcb >/dev/null", tc, SET, city,
                   batches) != 0)
        return -1;
    /* The reconciliation reads a copy of the mapping set, one the test may change. */
    if (tctest_run("cp -r '%s' '%s'", SET, set) != 0)
        return -1;
    char pat[1200];
    snprintf(pat, sizeof(pat), "%s/*.tcb", city);
    if (glob(pat, 0, NULL, &gl) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    globfree(&gl);
    tctest_rmtree(work);
    free(work);
    return 0;
}

/* `tongchou reconcile` as a user runs it, signing with TONGCHOU_KEY into
 * TONGCHOU_AUDIT; its exit status. */
static int reconcile_as_user(void)
{
    return tctest_run("TONGCHOU_KEY='%s' TONGCHOU_AUDIT='%s' '%s' reconcile -m '%s' -o '%s' "
                      "'%s'/*.tcb >/dev/null 2>'%s'",
                      keyfile, trail, tctest_tongchou(), set, rep, city, errf);
}

/* `tongchou audit verify [--rerun] --trail TRAIL --pub KEY [FILES]`, its
 * stderr in errf; its exit status. */
static int verify(const char *opts, const char *files)
{
    return tctest_run("'%s' audit verify %s --trail '%s' --pub '%s' %s 2>'%s'", tctest_tongchou(),
                      opts, trail, pubfile, files, errf);
}

/* stderr of the last command holds s. */
static void assert_stderr_has(const char *s)
{
    size_t n;
    char *t = (char *)tctest_slurp(errf, &n);
    assert_non_null(t);
    int found = strstr(t, s) != NULL;
    if (!found)
        fprintf(stderr, "stderr does not say \"%s\":\n%s", s, t);
    free(t);
    assert_true(found);
}

static void assert_stderr_lacks(const char *s)
{
    size_t n;
    char *t = (char *)tctest_slurp(errf, &n);
    assert_non_null(t);
    int found = strstr(t, s) != NULL;
    if (found)
        fprintf(stderr, "stderr says \"%s\":\n%s", s, t);
    free(t);
    assert_false(found);
}

/* The entries of the trail, one JSON object per line (at most max). */
static size_t load_trail(json_t **en, size_t max)
{
    FILE *f = fopen(trail, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        assert_true(n < max);
        assert_int_equal(line[len - 1], '\n');
        json_error_t je;
        en[n] = json_loads(line, 0, &je);
        if (!en[n])
            fail_msg("trail line %zu is not JSON: %s", n + 1, je.text);
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

static void free_trail(json_t **en, size_t n)
{
    while (n--)
        json_decref(en[n]);
}

static size_t count_command(json_t **en, size_t n, const char *command)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += strcmp(json_string_value(json_object_get(en[i], "command")), command) == 0;
    return k;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    if (!s)
        fail_msg("no string \"%s\" in the entry", k);
    return s;
}

static void digest_of(const char *path, char *out)
{
    tc_err e;
    tc_err_clear(&e);
    if (tc_digest_file(TC_DIGEST_SHA256, path, out, &e))
        fail_msg("%s: %s", path, e.msg);
}

/* Entry en is reconcile's own record of the run just made: entry seq,
 * signed by the key, the arguments as given, each batch (and only those)
 * with the digest it has now, the five reports with theirs. */
static void check_reconcile_entry(json_t *en, long long seq)
{
    char dg[TC_DIGEST_TEXT_MAX], path[1300];
    assert_int_equal(json_integer_value(json_object_get(en, "seq")), seq);
    assert_string_equal(jstr(en, "command"), "reconcile");
    assert_string_equal(jstr(en, "format"), "tongchou-audit/2");
    assert_string_equal(jstr(en, "key"), keyid);
    /* the mapping set, by the digest of the set the run used */
    tc_mapset *m;
    tc_err me;
    assert_int_equal(tc_mapset_load(&m, set, &me), 0);
    assert_string_equal(jstr(en, "mappings"), tc_mapset_digest(m));
    tc_mapset_free(m);

    json_t *args = json_object_get(en, "args"), *in = json_object_get(en, "inputs");
    assert_int_equal(json_array_size(args), 4 + gl.gl_pathc);
    assert_string_equal(json_string_value(json_array_get(args, 0)), "-m");
    assert_string_equal(json_string_value(json_array_get(args, 1)), set);
    assert_string_equal(json_string_value(json_array_get(args, 2)), "-o");
    assert_string_equal(json_string_value(json_array_get(args, 3)), rep);

    /* Inputs: exactly the city batches, each once, in argument order. */
    assert_int_equal(json_array_size(in), gl.gl_pathc);
    char *seen = calloc(gl.gl_pathc, 1);
    for (size_t i = 0; i < gl.gl_pathc; i++) {
        json_t *x = json_array_get(in, i);
        const char *file = jstr(x, "file");
        assert_string_equal(file, json_string_value(json_array_get(args, 4 + i)));
        size_t k = 0;
        while (k < gl.gl_pathc && strcmp(gl.gl_pathv[k], file) != 0)
            k++;
        if (k == gl.gl_pathc)
            fail_msg("recorded input %s is not a city batch", file);
        assert_false(seen[k]);
        seen[k] = 1;
        digest_of(file, dg);
        assert_string_equal(jstr(x, "digest"), dg);
    }
    free(seen);

    /* Outputs: the five reports, each with the digest of the file written. */
    json_t *out = json_object_get(en, "outputs");
    assert_int_equal(json_array_size(out), 5);
    for (size_t i = 0; i < 5; i++) {
        json_t *x = json_array_get(out, i);
        snprintf(path, sizeof(path), "%s/%s", rep, reports[i]);
        assert_string_equal(jstr(x, "file"), path);
        digest_of(path, dg);
        assert_string_equal(jstr(x, "digest"), dg);
    }
}

static void test_rerun_real_reconcile(void **state)
{
    (void)state;
    const char *tc = tctest_tongchou();
    char kidf[1200];
    size_t n;

    /* The key, made as a user makes it: NAME.key (0600), NAME.pub, id on stdout. */
    snprintf(kidf, sizeof(kidf), "%s/keyid", work);
    assert_int_equal(tctest_run("'%s' keygen -o '%s' >'%s' 2>/dev/null", tc, keybase, kidf), 0);
    char *t = (char *)tctest_slurp(kidf, &n);
    assert_non_null(t);
    assert_int_equal(n, strlen("ed25519:") + 16 + 1); /* ed25519: + 8 bytes hex + newline */
    assert_int_equal(strncmp(t, "ed25519:", 8), 0);
    t[n - 1] = '\0';
    snprintf(keyid, sizeof(keyid), "%s", t);
    free(t);
    struct stat st;
    assert_int_equal(stat(keyfile, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* 7 counties, every record type: 7 x 10 city batches. */
    assert_int_equal(tc_nrectypes, 10);
    assert_int_equal(gl.gl_pathc, 7 * 10);

    /* The example city has injected findings: exit 1, and reconcile itself
     * appends the trail's first entry. */
    assert_int_equal(reconcile_as_user(), 1);
    assert_stderr_has("findings need attention");
    json_t *en[8];
    n = load_trail(en, 8);
    assert_int_equal(n, 1);
    assert_int_equal(count_command(en, n, "reconcile"), 1);
    check_reconcile_entry(en[0], 1);
    char json1[TC_DIGEST_TEXT_MAX], csv1[TC_DIGEST_TEXT_MAX], arr1[TC_DIGEST_TEXT_MAX];
    json_t *o1 = json_object_get(en[0], "outputs");
    snprintf(json1, sizeof(json1), "%s", jstr(json_array_get(o1, 0), "digest"));
    snprintf(csv1, sizeof(csv1), "%s", jstr(json_array_get(o1, 1), "digest"));
    snprintf(arr1, sizeof(arr1), "%s", jstr(json_array_get(o1, 2), "digest"));
    free_trail(en, n);

    /* The recorded inputs give the recorded reports; the files named are
     * the ones recorded. */
    assert_int_equal(verify("--rerun", ""), 0);
    /* An auditor whose environment names a signing key and this trail:
     * re-running the reconcile appends nothing, to this trail or another. */
    assert_int_equal(tctest_run("cd '%s' && TONGCHOU_KEY='%s' TONGCHOU_AUDIT='%s' '%s' audit verify "
                                "--rerun --trail '%s' --pub '%s' 2>'%s'", work, keyfile, trail,
                                tctest_tongchou(), trail, pubfile, errf), 0);
    n = load_trail(en, 8);
    assert_int_equal(n, 1);
    free_trail(en, n);
    char files[3000];
    snprintf(files, sizeof(files), "'%s/reconciliation.json' '%s'", rep, gl.gl_pathv[0]);
    assert_int_equal(verify("", files), 0);

    /* One city batch changed after the run: refused before re-running. */
    const char *b = gl.gl_pathv[0];
    char saved[1200];
    snprintf(saved, sizeof(saved), "%s.saved", b);
    assert_int_equal(tctest_run("cp '%s' '%s' && printf x >> '%s'", b, saved, b), 0);
    assert_int_equal(verify("--rerun", ""), 5);
    assert_stderr_has("cannot re-run entry 1: the input is not the one recorded");
    assert_stderr_has("the first bad entry is entry 1, line 1");
    assert_stderr_lacks("gives another");
    assert_int_equal(tctest_run("mv '%s' '%s'", saved, b), 0);
    assert_int_equal(verify("--rerun", ""), 0);

    /* The mapping set changed after the run (employers at 6 % instead of
     * 7 %; the rows end in CRLF).  The entry names it only by path, but each
     * city batch carries the digest of the set it was mapped with, so the
     * re-run reconcile refuses the batches (exit 3, bad input) and writes no
     * report: an integrity failure all the same. */
    snprintf(saved, sizeof(saved), "%s.saved", rates);
    assert_int_equal(tctest_run("cp '%s' '%s' && sed -i 's/^310,employer,2019-01-01,,0\\.0700\\r/"
                                "310,employer,2019-01-01,,0.0600\\r/' '%s' && ! cmp -s '%s' '%s'",
                                rates, saved, rates, rates, saved), 0);
    assert_int_equal(verify("--rerun", ""), 5);
    assert_stderr_has("re-running entry 1 wrote no reconciliation.json");
    assert_stderr_has("(exit status 3)");
    assert_stderr_has("the first bad entry is entry 1, line 1");
    assert_int_equal(tctest_run("mv '%s' '%s'", saved, rates), 0);
    assert_int_equal(verify("--rerun", ""), 0);

    /* A second run: entry 2, the same reports byte for byte. */
    assert_int_equal(reconcile_as_user(), 1);
    n = load_trail(en, 8);
    assert_int_equal(n, 2);
    assert_int_equal(count_command(en, n, "reconcile"), 2);
    check_reconcile_entry(en[1], 2);
    json_t *o2 = json_object_get(en[1], "outputs");
    assert_string_equal(jstr(json_array_get(o2, 0), "digest"), json1);
    assert_string_equal(jstr(json_array_get(o2, 1), "digest"), csv1);
    assert_string_equal(jstr(json_array_get(o2, 2), "digest"), arr1);
    assert_int_equal(verify("--rerun", ""), 0);

    /* A report the recorded inputs do not give: a forger holding the key
     * alters reconciliation.json and records entry 3 with entry 2's
     * arguments and inputs and the altered report. */
    char rj[1200], fc[1200];
    snprintf(rj, sizeof(rj), "%s/reconciliation.json", rep);
    snprintf(fc, sizeof(fc), "%s/findings.csv", rep);
    assert_int_equal(tctest_run("printf ' ' >> '%s'", rj), 0);
    json_t *args = json_object_get(en[1], "args"), *in = json_object_get(en[1], "inputs");
    size_t na = json_array_size(args), ni = json_array_size(in);
    char **argv = calloc(na + 2, sizeof(char *));
    const char **inputs = calloc(ni + 1, sizeof(char *));
    argv[0] = "reconcile";
    for (size_t i = 0; i < na; i++)
        argv[1 + i] = (char *)json_string_value(json_array_get(args, i));
    for (size_t i = 0; i < ni; i++)
        inputs[i] = jstr(json_array_get(in, i), "file");
    const char *outs[] = {rj, fc};
    tc_signer *s;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_signer_load(&s, keyfile, &e), 0);
    tc_audit_command c = {.trail = trail, .signer = s, .argc = (int)na + 1, .argv = argv,
                          .inputs = inputs, .ninputs = ni, .outputs = outs, .noutputs = 2};
    long long seq = 0;
    if (tc_audit_record_command(&c, &seq, &e))
        fail_msg("record: %s", e.msg);
    assert_int_equal(seq, 3);
    tc_signer_free(s);
    free(inputs);
    free(argv);
    free_trail(en, n);
    n = load_trail(en, 8);
    assert_int_equal(n, 3);
    assert_int_equal(count_command(en, n, "reconcile"), 3);
    free_trail(en, n);

    /* Signed with the trusted key and chained: only the re-run sees it. */
    assert_int_equal(verify("", ""), 0);
    assert_int_equal(verify("--rerun", ""), 5);
    assert_stderr_has("re-running entry 3 gives another reconciliation.json");
    assert_stderr_has("the first bad entry is entry 3, line 3");
    assert_stderr_lacks("gives another findings.csv");
    assert_stderr_lacks("cannot re-run");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rerun_real_reconcile),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
