/*
 * test_audit_rerun.c - `tongchou audit verify --rerun` with the real
 * reconciliation: the example city is extracted, mapped and reconciled by
 * the tongchou binary, the reconcile run recorded in a trail as the
 * command would record it; re-running it on the recorded inputs gives the
 * recorded reconciliation.json and findings.csv byte for byte (exit 0); a
 * changed input batch, or a report that is not the one the inputs give,
 * is an integrity failure (exit 5).
 */
#include "tests/support/tctest.h"

#include <glob.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/audit.h"
#include "core/sign.h"
#include "mappings/mapset.h"
#include "tests/support/cityfix.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"

static char *work, batches[1024], city[1100], rep[1100], trail[1100], keybase[1100];
static glob_t gl;


static int setup(void **state)
{
    (void)state;
    work = tctest_tmpdir();
    if (cityfix_build(work, 200, 0, batches, sizeof(batches)))
        return -1;
    snprintf(city, sizeof(city), "%s/city", work);
    snprintf(rep, sizeof(rep), "%s/rep", work);
    snprintf(trail, sizeof(trail), "%s/audit.trail", work);
    snprintf(keybase, sizeof(keybase), "%s/county", work);
    mkdir(city, 0755);
    mkdir(rep, 0755);
    const char *tc = tctest_tongchou();
    if (tctest_run("'%s' map -q -m '%s' -o '%s' '%s'/*.tcb >/dev/null", tc, SET, city, batches) != 0)
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

/* Reconcile into rep/ with the binary, and record the run as reconcile would. */
static void reconcile_and_record(const tc_signer *s)
{
    const char *tc = tctest_tongchou();
    char cmd[65536];
    size_t k = (size_t)snprintf(cmd, sizeof(cmd), "'%s' reconcile -q -m '%s' -o '%s'", tc, SET,
                                rep);
    for (size_t i = 0; i < gl.gl_pathc; i++)
        k += (size_t)snprintf(cmd + k, sizeof(cmd) - k, " '%s'", gl.gl_pathv[i]);
    snprintf(cmd + k, sizeof(cmd) - k, " >/dev/null");
    int rc = tctest_run("%s", cmd);
    assert_true(rc == 0 || rc == 1);
    char **argv = calloc(gl.gl_pathc + 6, sizeof(char *));
    argv[0] = "reconcile", argv[1] = "-m", argv[2] = SET, argv[3] = "-o", argv[4] = rep;
    for (size_t i = 0; i < gl.gl_pathc; i++)
        argv[5 + i] = gl.gl_pathv[i];
    char o[4][1200];
    const char *outs[4], *names[] = {"reconciliation.json", "findings.csv",
                                     "reconciliation.html", "reconciliation.xlsx"};
    for (int i = 0; i < 4; i++) {
        snprintf(o[i], sizeof(o[i]), "%s/%s", rep, names[i]);
        outs[i] = o[i];
    }
    tc_mapset *m;
    tc_err e;
    assert_int_equal(tc_mapset_load(&m, SET, &e), 0);
    tc_audit_command c = {.trail = trail, .signer = s, .argc = (int)gl.gl_pathc + 5,
                          .argv = argv, .inputs = (const char *const *)gl.gl_pathv,
                          .ninputs = gl.gl_pathc, .outputs = outs, .noutputs = 4,
                          .mappings = tc_mapset_digest(m)};
    if (tc_audit_record_command(&c, NULL, &e))
        fail_msg("record: %s", e.msg);
    tc_mapset_free(m);
    free(argv);
}

static void test_rerun_real_reconcile(void **state)
{
    (void)state;
    const char *tc = tctest_tongchou();
    char id[TC_KEYID_MAX], kp[1200];
    tc_err e;
    assert_int_equal(tc_sign_keygen(TC_SIGN_ED25519, keybase, id, &e), 0);
    snprintf(kp, sizeof(kp), "%s.key", keybase);
    tc_signer *s;
    assert_int_equal(tc_signer_load(&s, kp, &e), 0);
    assert_true(gl.gl_pathc >= 10);
    reconcile_and_record(s);
    assert_int_equal(tctest_run("'%s' audit verify --rerun --trail '%s' --pub '%s.pub' 2>/dev/null", tc,
                         trail, keybase), 0);

    /* one city batch changed after the run: refused before re-running */
    const char *b = gl.gl_pathv[0];
    char saved[1200];
    snprintf(saved, sizeof(saved), "%s.saved", b);
    assert_int_equal(tctest_run("cp '%s' '%s' && printf x >> '%s'", b, saved, b), 0);
    assert_int_equal(tctest_run("'%s' audit verify --rerun --trail '%s' --pub '%s.pub' 2>/dev/null", tc,
                         trail, keybase), 5);
    assert_int_equal(tctest_run("mv '%s' '%s'", saved, b), 0);

    /* a report that the recorded inputs do not give: the re-run differs */
    char rj[1200];
    snprintf(rj, sizeof(rj), "%s/reconciliation.json", rep);
    reconcile_and_record(s);
    assert_int_equal(tctest_run("printf ' ' >> '%s'", rj), 0);
    /* re-record the run with the altered report (as a forger would) */
    char **argv = calloc(gl.gl_pathc + 6, sizeof(char *));
    argv[0] = "reconcile", argv[1] = "-m", argv[2] = SET, argv[3] = "-o", argv[4] = rep;
    for (size_t i = 0; i < gl.gl_pathc; i++)
        argv[5 + i] = gl.gl_pathv[i];
    const char *outs[] = {rj};
    tc_audit_command c = {.trail = trail, .signer = s, .argc = (int)gl.gl_pathc + 5,
                          .argv = argv, .inputs = (const char *const *)gl.gl_pathv,
                          .ninputs = gl.gl_pathc, .outputs = outs, .noutputs = 1};
    assert_int_equal(tc_audit_record_command(&c, NULL, &e), 0);
    free(argv);
    char err[1200];
    snprintf(err, sizeof(err), "%s/verify.err", work);
    assert_int_equal(tctest_run("'%s' audit verify --rerun --trail '%s' --pub '%s.pub' 2>'%s'", tc,
                         trail, keybase, err), 5);
    size_t n;
    char *t = (char *)tctest_slurp(err, &n);
    assert_non_null(strstr(t, "re-running entry 3 gives another reconciliation.json"));
    free(t);
    tc_signer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rerun_real_reconcile),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
