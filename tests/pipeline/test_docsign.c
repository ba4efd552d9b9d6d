/*
 * test_docsign.c - the parties' signatures of the handover certificates
 * (pipeline/docsign.h), on the trail, keys and certificates `tongchou
 * demo` makes (a real embedded PostgreSQL, real Ed25519 keys): every
 * party of the policy signs each certificate, and `audit verify
 * --certificate` says so (exit 0); then the adversaries, each on a copy of
 * the trail: a signature cut off (incomplete, exit 1, the party named), a
 * PDF changed by one byte (exit 5), a party label edited in an entry (the
 * trail fails, exit 5), a key of another role or another party signing
 * (refused, exit 5, nothing appended), and a county's party signing, or a
 * signature entry replayed for, another county's certificate (refused by
 * the command; written past it, not counted and reported, exit 5).
 */
#include "tests/support/tctest.h"

#include <jansson.h>
#include <sys/stat.h>

#include "core/audit.h"
#include "core/sign.h"
#include "pipeline/demo.h"

static char demo[600], trail[700], policy[700], docs[700], keys[700];

static int demo_setup(void **state)
{
    if (tctest_dir_setup(state))
        return -1;
    chmod(tctest_dir, 0755);   /* the embedded server runs as 'postgres' when we are root */
    snprintf(demo, sizeof(demo), "%s/demo", tctest_dir);
    snprintf(trail, sizeof(trail), "%s/work/audit.trail", demo);
    snprintf(policy, sizeof(policy), "%s/keys/policy.ini", demo);
    snprintf(docs, sizeof(docs), "%s/work/documents", demo);
    snprintf(keys, sizeof(keys), "%s/keys", demo);
    tc_demo_opts o = {.dir = demo, .records = 300, .jobs = 2};
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_demo(&o, f, &e);
    fclose(f);
    if (rc)
        fprintf(stderr, "demo: %s (%s)\n", e.msg, e.hint);
    else if (!strstr(out, "signed:         2 of 2 certificates complete, signed by all 5 "
                          "parties (10 entries"))
        rc = -1, fprintf(stderr, "the demo does not say its certificates are signed:\n%s", out);
    free(out);
    return rc ? -1 : 0;
}

/* stdout of a shell command (malloc'd); its exit code into *code. */
static char *run(const char *cmd, int *code)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *out = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&out, &n);
    char b[4096];
    size_t k;
    while ((k = fread(b, 1, sizeof(b), p)) > 0)
        fwrite(b, 1, k, m);
    fclose(m);
    int st = pclose(p);
    *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* `audit verify --certificate CERT` on trail t: stdout and stderr together
 * into *out (malloc'd), the exit code returned. */
static int verify_cert(const char *t, const char *cert, char **out)
{
    char cmd[3000];
    snprintf(cmd, sizeof(cmd), "%s audit verify --trail %s --policy %s --certificate %s 2>&1",
             getenv("TONGCHOU"), t, policy, cert);
    int code;
    *out = run(cmd, &code);
    return code;
}

/* `documents sign` on trail t; the exit code, and stderr into *out. */
static int sign(const char *t, const char *cert, const char *party, const char *key, char **out)
{
    char cmd[3000];
    snprintf(cmd, sizeof(cmd), "%s documents sign %s --as %s -k %s/%s -t %s --policy %s 2>&1",
             getenv("TONGCHOU"), cert, party, keys, key, t, policy);
    int code;
    *out = run(cmd, &code);
    return code;
}

/* A copy of the trail: its first n lines (all when n < 0). */
static void trail_copy(const char *to, int n)
{
    char cmd[2000];
    int code;
    if (n < 0)
        snprintf(cmd, sizeof(cmd), "cp %s %s", trail, to);
    else
        snprintf(cmd, sizeof(cmd), "head -n %d %s > %s", n, trail, to);
    free(run(cmd, &code));
    assert_int_equal(code, 0);
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static int lines(const char *path)
{
    size_t n;
    char *b = (char *)tctest_slurp(path, &n);
    assert_non_null(b);
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += b[i] == '\n';
    free(b);
    return k;
}

/* The digest the trail's documents entry records for county's certificate. */
static void cert_digest(const char *county, char *out)
{
    char cmd[2000];
    int code;
    snprintf(cmd, sizeof(cmd), "grep -o '\"county\":\"%s\",\"digest\":\"sha256:[0-9a-f]*\"' %s | "
             "head -1 | cut -d'\"' -f8 | tr -d '\\n'", county, trail);
    char *d = run(cmd, &code);
    assert_int_equal(strlen(d), 71);
    strcpy(out, d);
    free(d);
}

/* ---------------------------------------------------------------- */

static void test_all_parties_signed(void **state)
{
    (void)state;
    static const char *const counties[] = {"220100", "220122"};
    static const char *const parties[] = {"县医疗保障局", "县财政局", "市医疗保障局", "市财政局",
                                          "审计局"};
    for (int i = 0; i < 2; i++) {
        char cert[800], d[80], *out;
        cert_digest(counties[i], d);
        for (int x = 0; x < 2; x++) {   /* the PDF and the workbook alike */
            snprintf(cert, sizeof(cert), "%s/%s.certificate.%s", docs, counties[i],
                     x ? "xlsx" : "pdf");
            int code = verify_cert(trail, cert, &out);
            if (code != 0)
                fail_msg("%s: exit %d: %s", cert, code, out);
            assert_int_equal(count(out, "\tsigned\ted25519:"), 5);
            assert_int_equal(count(out, "\tmissing"), 0);
            for (int k = 0; k < 5; k++) {
                char want[300];
                snprintf(want, sizeof(want), "%s\t%s\t%s\tsigned\t", counties[i], d, parties[k]);
                if (!strstr(out, want))
                    fail_msg("%s: no signature of %s: %s", cert, parties[k], out);
            }
            assert_non_null(strstr(out, "complete, every one of the policy's 5 parties"));
            free(out);
        }
        /* and by the digest printed on it */
        int code = verify_cert(trail, d, &out);
        assert_int_equal(code, 0);
        free(out);
    }
    /* ten signature entries, each by its own key: 2 counties' 2 bureaus, 3 city keys */
    char cmd[1000];
    int code;
    snprintf(cmd, sizeof(cmd), "grep '\"role\":\"party\"' %s | grep -o '\"key\":\"[^\"]*\"' | "
             "sort -u | wc -l", trail);
    char *n = run(cmd, &code);
    assert_int_equal(atoi(n), 7);
    free(n);
    /* status: every certificate 5/5, nothing lacking */
    snprintf(cmd, sizeof(cmd), "cd %s && %s status city.ini 2>/dev/null", demo,
             getenv("TONGCHOU"));
    char *st = run(cmd, &code);
    assert_int_equal(code, 0);
    assert_int_equal(count(st, " 5/5\n"), 2);
    assert_null(strstr(st, "lacks"));
    free(st);
}

/* The last signature cut off: incomplete (exit 1) naming the party; the
 * party signs, and it is complete again. */
static void test_one_missing(void **state)
{
    (void)state;
    char t[700], cert[800], *out;
    snprintf(t, sizeof(t), "%s/missing.trail", tctest_dir);
    trail_copy(t, lines(trail) - 1);
    /* the last entry the demo wrote: 220122's 审计局 */
    snprintf(cert, sizeof(cert), "%s/220122.certificate.pdf", docs);
    int code = verify_cert(t, cert, &out);
    if (code != 1)
        fail_msg("exit %d, wanted 1: %s", code, out);
    assert_int_equal(count(out, "\tsigned\t"), 4);
    assert_non_null(strstr(out, "\t审计局\tmissing\n"));
    assert_non_null(strstr(out, "incomplete, 4 of 5 parties have signed; missing: 审计局"));
    free(out);
    /* the other county's certificate is complete on the same trail */
    snprintf(cert, sizeof(cert), "%s/220100.certificate.pdf", docs);
    assert_int_equal(verify_cert(t, cert, &out), 0);
    free(out);
    snprintf(cert, sizeof(cert), "%s/220122.certificate.pdf", docs);
    code = sign(t, cert, "审计局", "parties/audit-office.key", &out);
    if (code != 0)
        fail_msg("sign: exit %d: %s", code, out);
    free(out);
    assert_int_equal(verify_cert(t, cert, &out), 0);
    free(out);
}

/* One byte of the PDF changed: not a recorded certificate, exit 5. */
static void test_changed_pdf(void **state)
{
    (void)state;
    char cert[800], cmd[2000], *out;
    int code;
    snprintf(cert, sizeof(cert), "%s/changed.pdf", tctest_dir);
    snprintf(cmd, sizeof(cmd), "cp %s/220122.certificate.pdf %s && printf 'Q' | dd of=%s bs=1 "
             "seek=4000 conv=notrunc 2>/dev/null", docs, cert, cert);
    free(run(cmd, &code));
    assert_int_equal(code, 0);
    code = verify_cert(trail, cert, &out);
    if (code != 5)
        fail_msg("a changed PDF: exit %d, wanted 5: %s", code, out);
    assert_non_null(strstr(out, "not a certificate a documents entry of the audit trail "
                                "recorded"));
    assert_null(strstr(out, "\tsigned\t"));
    free(out);
    /* and no party can sign it */
    char t[700];
    snprintf(t, sizeof(t), "%s/changed.trail", tctest_dir);
    trail_copy(t, -1);
    long before = file_size(t);
    code = sign(t, cert, "审计局", "parties/audit-office.key", &out);
    assert_int_equal(code, 5);
    free(out);
    assert_int_equal(file_size(t), before);
}

/* A signature entry's party label edited: its signature fails, the trail
 * does not verify. */
static void test_relabelled_entry(void **state)
{
    (void)state;
    char t[700], cmd[2000], cert[800], *out;
    int code;
    snprintf(t, sizeof(t), "%s/relabelled.trail", tctest_dir);
    /* the last entry (220122's 审计局) says 市财政局 instead */
    snprintf(cmd, sizeof(cmd), "sed '$s/\"party\":\"审计局\"/\"party\":\"市财政局\"/' %s > %s && "
             "tail -1 %s | grep -c '\"party\":\"市财政局\"'", trail, t, t);
    char *n = run(cmd, &code);
    assert_string_equal(n, "1\n");
    free(n);
    snprintf(cert, sizeof(cert), "%s/220122.certificate.pdf", docs);
    code = verify_cert(t, cert, &out);
    if (code != 5)
        fail_msg("a relabelled party: exit %d, wanted 5: %s", code, out);
    assert_non_null(strstr(out, "1 problem; the first bad entry is entry"));
    free(out);
    snprintf(cmd, sizeof(cmd), "%s audit verify --trail %s --policy %s 2>&1", getenv("TONGCHOU"),
             t, policy);
    free(run(cmd, &code));
    assert_int_equal(code, 5);
}

/* A key of another role, or of another party, signing as a party: refused,
 * exit 5, nothing appended. */
static void test_other_keys_refused(void **state)
{
    (void)state;
    char t[700], cert[800], *out;
    snprintf(t, sizeof(t), "%s/others.trail", tctest_dir);
    trail_copy(t, lines(trail) - 1);   /* 220122's 审计局 has not signed */
    long before = file_size(t);
    snprintf(cert, sizeof(cert), "%s/220122.certificate.pdf", docs);
    static const struct {
        const char *key, *says;
    } who[] = {
        {"checker.key", "is a checker's key in the policy, not a party's"},
        {"maker.key", "is a maker's key in the policy, not a party's"},
        /* the audit office's own waiver key is not its signing key as a party */
        {"auditor.key", "is a waiver's key in the policy, not a party's"},
        {"witness.key", "is a witness's key in the policy, not a party's"},
        {"parties/city-finance.key", "is 市财政局's key in the policy, not 审计局's"},
        {"parties/220122-finance.key", "is 县财政局's key in the policy, not 审计局's"},
    };
    for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
        int code = sign(t, cert, "审计局", who[i].key, &out);
        if (code != 5 || !strstr(out, who[i].says))
            fail_msg("%s as 审计局: exit %d: %s", who[i].key, code, out);
        free(out);
        assert_int_equal(file_size(t), before);
    }
    /* a party that signed already, a digest nobody recorded, a party the
     * policy does not name */
    int code = sign(t, cert, "市财政局", "parties/city-finance.key", &out);
    assert_int_equal(code, 5);
    assert_non_null(strstr(out, "has signed certificate sha256:"));
    free(out);
    code = sign(t, "sha256:00000000000000000000000000000000000000000000000000000000000000ff",
                "审计局", "parties/audit-office.key", &out);
    assert_int_equal(code, 5);
    assert_non_null(strstr(out, "no documents entry of the audit trail recorded it"));
    free(out);
    code = sign(t, cert, "省医保局", "parties/audit-office.key", &out);
    assert_int_equal(code, 5);
    assert_non_null(strstr(out, "names no party 省医保局"));
    free(out);
    assert_int_equal(file_size(t), before);
    /* and the certificate is still one signature short */
    assert_int_equal(verify_cert(t, cert, &out), 1);
    free(out);
}

/* County 220100's 县财政局 for county 220122's certificate: the command
 * refuses it; an entry written past the command (the key holder appending
 * it himself) verifies as an entry but does not count, and verify says so;
 * 220100's own signature entry edited to name 220122's certificate breaks. */
static void test_other_county(void **state)
{
    (void)state;
    char t[700], cert[800], d[80], *out;
    cert_digest("220122", d);
    snprintf(cert, sizeof(cert), "%s/220122.certificate.pdf", docs);
    /* a trail on which 220122's 县财政局 has not signed: the demo's entries
     * up to 220122's 县医疗保障局 (the 7th signature, 3 before the last) */
    snprintf(t, sizeof(t), "%s/county.trail", tctest_dir);
    trail_copy(t, lines(trail) - 4);
    long before = file_size(t);
    int code = sign(t, cert, "县财政局", "parties/220100-finance.key", &out);
    if (code != 5 || !strstr(out, "signs for county 220100's 县财政局"))
        fail_msg("another county's key: exit %d: %s", code, out);
    free(out);
    assert_int_equal(file_size(t), before);

    /* past the command */
    char key[800];
    snprintf(key, sizeof(key), "%s/parties/220100-finance.key", keys);
    tc_signer *s;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_signer_load(&s, key, &e), 0);
    char totals[300];
    snprintf(totals, sizeof(totals), "{\"certificate\":\"%s\",\"county\":\"220122\","
             "\"party\":\"县财政局\"}", d);
    char *argv[] = {"documents", "sign", cert, "--as", "县财政局"};
    tc_audit_command ac = {.trail = t, .signer = s, .role = "party", .argc = 5, .argv = argv,
                           .totals = totals};
    assert_int_equal(tc_audit_record_command(&ac, NULL, &e), 0);
    tc_signer_free(s);
    code = verify_cert(t, cert, &out);
    if (code != 5)
        fail_msg("a forged signature for another county: exit %d, wanted 5: %s", code, out);
    assert_non_null(strstr(out, "with the key of county 220100's 县财政局: not counted"));
    assert_non_null(strstr(out, "\t县财政局\tmissing\n"));
    /* the trail itself holds: the entry is a party key's, in its role */
    assert_non_null(strstr(out, "every key holds its role in the policy"));
    free(out);

    /* replay: 220100's 县财政局 entry, its certificate and county edited
     * to 220122's, appended at the end with the chain mended */
    char cmd[3000], t2[700];
    snprintf(t2, sizeof(t2), "%s/replay.trail", tctest_dir);
    trail_copy(t2, lines(trail) - 4);
    char d100[80];
    cert_digest("220100", d100);
    snprintf(cmd, sizeof(cmd),
             "python3 - %s %s %s <<'EOF'\n"
             "import hashlib, json, sys\n"
             "path, old, new = sys.argv[1:]\n"
             "lines = open(path, 'rb').read().split(b'\\n')[:-1]\n"
             "e = next(json.loads(l) for l in lines\n"
             "         if b'\"party\":\"\\xe5\\x8e\\xbf\\xe8\\xb4\\xa2\\xe6\\x94\\xbf\\xe5\\xb1\\x80\"' in l\n"
             "         and old.encode() in l)\n"
             "e['totals']['certificate'] = new\n"
             "e['totals']['county'] = '220122'\n"
             "e['seq'] = len(lines) + 1\n"
             "e['prev'] = hashlib.sha256(b'\\x00' + lines[-1]).hexdigest()\n"
             "line = json.dumps(e, ensure_ascii=False, separators=(',', ':'), sort_keys=True)\n"
             "open(path, 'ab').write(line.encode() + b'\\n')\n"
             "EOF",
             t2, d100, d);
    free(run(cmd, &code));
    assert_int_equal(code, 0);
    code = verify_cert(t2, cert, &out);
    if (code != 5)
        fail_msg("a replayed signature entry: exit %d, wanted 5: %s", code, out);
    assert_non_null(strstr(out, "\t县财政局\tmissing\n"));
    assert_non_null(strstr(out, "signature"));
    free(out);
}

/* status names what each certificate lacks. */
static void test_status_lacks(void **state)
{
    (void)state;
    char cmd[3000], t[700];
    int code;
    snprintf(t, sizeof(t), "%s/status.trail", tctest_dir);
    trail_copy(t, lines(trail) - 3);   /* 220122: its city bureaus and 审计局 not yet */
    snprintf(cmd, sizeof(cmd), "cd %s && cp work/audit.trail full.trail && cp %s work/audit.trail "
             "&& %s status city.ini 2>/dev/null; cp full.trail work/audit.trail", demo, t,
             getenv("TONGCHOU"));
    char *out = run(cmd, &code);
    char want[300], d[80];
    cert_digest("220122", d);
    snprintf(want, sizeof(want), "certificate 220122 %s: lacks 市医疗保障局, 市财政局, 审计局\n", d);
    if (!strstr(out, want) || !strstr(out, " 2/5\n") || !strstr(out, " 5/5\n"))
        fail_msg("status: %s", out);
    free(out);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_all_parties_signed),
                                   cmocka_unit_test(test_one_missing),
                                   cmocka_unit_test(test_changed_pdf),
                                   cmocka_unit_test(test_relabelled_entry),
                                   cmocka_unit_test(test_other_keys_refused),
                                   cmocka_unit_test(test_other_county),
                                   cmocka_unit_test(test_status_lacks)};
    return cmocka_run_group_tests(t, demo_setup, tctest_dir_teardown);
}
