/*
 * test_audit.c - the audit trail end to end, with both algorithms: a trail
 * of five entries (three Ed25519, two SM2) verifies, with passwords gone
 * from its arguments and the right digests of its files; then every kind
 * of tampering - a flipped byte anywhere in any entry, an entry deleted,
 * moved, inserted, the trail truncated, a torn last line, a checkpoint's
 * root swapped, a checkpoint signed by an unknown key, a required signer
 * missing, a proof or a file changed - is refused (TC_EINTEGRITY, and exit
 * 5 from `tongchou audit verify`) naming the first bad entry, while an
 * unknown cosignature is ignored, as c2sp.org/signed-note says.
 *
 * Then the test plays the dishonest party against each rule that guards
 * the trail, and requires the exact refusal: an entry's bytes are its RFC
 * 8785 text and its signature covers "tongchou-signature/1\naudit-entry\n
 * ROLE\n" + that text (built here by hand); an entry edited and re-signed,
 * a role relabelled or swapped, a signature made for a plan, an entry of
 * format /1; a trail rewritten or cut under a checkpoint the store keeps
 * (no new checkpoint, nothing written); a witness asked to cosign a fork
 * of the same size, a fork that grew, an older checkpoint, one the log did
 * not sign; two checkpoints that fork, given to verify (also inside a
 * proof); checkpoints and proofs that break c2sp to the letter (an empty
 * extension line, bad key names, non-canonical base64, an invalid 'extra'
 * line); and the city's policy (a maker signing as checker, an unlisted
 * key, an unknown role, a checkpoint without its witness, a checker's key
 * cosigning).  The command line gives exit 5 for the same.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include "core/audit.h"
#include "core/digest.h"
#include "core/jcs.h"
#include "core/merkle.h"
#include "core/policy.h"

#define TIME "2026-11-24T10:00:00Z"
#define ID "11010519491231002X"

static char dir[1024], trail[1100];
static tc_signer *county, *city, *stranger, *witness;
static tc_pubkey *county_pub, *city_pub, *stranger_pub, *witness_pub;

static void in_dir(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

static void keypair(const char *name, tc_sign_alg alg, tc_signer **s, tc_pubkey **p)
{
    char base[1100], path[1200], id[TC_KEYID_MAX];
    tc_err e;
    in_dir(base, sizeof(base), name);
    assert_int_equal(tc_sign_keygen(alg, base, id, &e), 0);
    snprintf(path, sizeof(path), "%s.key", base);
    assert_int_equal(tc_signer_load(s, path, &e), 0);
    snprintf(path, sizeof(path), "%s.pub", base);
    assert_int_equal(tc_pubkey_load(p, path, &e), 0);
}

static int setup(void **state)
{
    (void)state;
    char *t = tctest_tmpdir();
    snprintf(dir, sizeof(dir), "%s", t);
    free(t);
    setenv("TONGCHOU_TIME", TIME, 1);
    keypair("county", TC_SIGN_ED25519, &county, &county_pub);
    keypair("city", TC_SIGN_SM2, &city, &city_pub);
    keypair("stranger", TC_SIGN_ED25519, &stranger, &stranger_pub);
    keypair("witness", TC_SIGN_ED25519, &witness, &witness_pub);
    for (int i = 1; i <= 9; i++) {
        char p[1200], body[64];
        snprintf(p, sizeof(p), "%s/file%d.txt", dir, i);
        int n = snprintf(body, sizeof(body), "file %d of the handover\n", i);
        tctest_spit(p, body, (size_t)n);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tc_signer_free(county), tc_signer_free(city), tc_signer_free(stranger);
    tc_signer_free(witness);
    tc_pubkey_free(county_pub), tc_pubkey_free(city_pub), tc_pubkey_free(stranger_pub);
    tc_pubkey_free(witness_pub);
    tctest_rmtree(dir);
    return 0;
}

/* Append entry i (1-based) of the standard trail to path, signed by s as role. */
static void record_as(const char *path, int i, const tc_signer *s, const char *role)
{
    char in[1200], out[1200], cmd[16];
    snprintf(in, sizeof(in), "%s/file%d.txt", dir, i);
    snprintf(out, sizeof(out), "%s/file%d.txt", dir, i % 5 + 1);
    snprintf(cmd, sizeof(cmd), "step%d", i);
    char *argv[] = {cmd, "--db", "postgresql://loader:secret@db.example/city", "--password",
                    "hunter2", "--payer", ID, in, NULL};
    const char *ins[] = {in, "dbname=legacy password=secret2"}, *outs[] = {out};
    char totals[64];
    snprintf(totals, sizeof(totals), "{\"paid\":\"%d.50\",\"fen\":%d}", i * 100, i * 10050);
    tc_audit_command c = {.trail = path, .signer = s, .role = role, .argc = 8, .argv = argv,
                          .inputs = ins, .ninputs = 2, .outputs = outs, .noutputs = 1,
                          .mappings = "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                          .records = "{\"contribution\":2000}", .totals = totals};
    tc_err e;
    tc_err_clear(&e);
    long long seq = 0;
    if (tc_audit_record_command(&c, &seq, &e))
        fail_msg("record: %s (%s)", e.msg, e.hint);
}

static void record(const char *path, int i, const tc_signer *s) { record_as(path, i, s, NULL); }

/* The standard trail: entries 1-3 by the county (Ed25519), 4-5 by the city (SM2). */
static void make_trail(const char *name, char *path, size_t n)
{
    in_dir(path, n, name);
    unlink(path);
    for (int i = 1; i <= 5; i++)
        record(path, i, i <= 3 ? county : city);
}

static tc_audit_report check(const char *path, const char *cp, const char *const *proofs,
                             size_t nproofs, const char *const *files, size_t nfiles,
                             int want)
{
    const tc_pubkey *keys[] = {county_pub, city_pub};
    tc_audit_verify_opts o = {.keys = keys, .nkeys = 2, .checkpoints = &cp,
                              .ncheckpoints = cp ? 1 : 0, .proofs = proofs,
                              .nproofs = nproofs, .files = files, .nfiles = nfiles};
    tc_audit_report r;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_audit_verify(path, &o, &r, &e);
    if (rc != want)
        fail_msg("verify %s: %d, wanted %d: %s", path, rc, want, e.msg);
    return r;
}

/* Lines of a file, for cutting and splicing. */
typedef struct lines {
    char *buf;
    char *l[16];
    size_t n[16];
    int count;
} lines;

static void split(const char *path, lines *L)
{
    size_t sz = 0;
    L->buf = (char *)tctest_slurp(path, &sz);
    assert_non_null(L->buf);
    L->count = 0;
    for (char *p = L->buf; p < L->buf + sz;) {
        char *nl = memchr(p, '\n', (size_t)(L->buf + sz - p));
        assert_non_null(nl);
        L->l[L->count] = p;
        L->n[L->count++] = (size_t)(nl - p) + 1;
        p = nl + 1;
    }
}

/* Write the lines named by idx (0-based, -1 ends) to path. */
static void splice(const char *path, const lines *L, const int *idx)
{
    FILE *f = fopen(path, "wb");
    for (; *idx >= 0; idx++)
        fwrite(L->l[*idx], 1, L->n[*idx], f);
    fclose(f);
}

static void test_good_trail(void **state)
{
    (void)state;
    make_trail("good.trail", trail, sizeof(trail));
    tc_audit_report r = check(trail, NULL, NULL, 0, NULL, 0, 0);
    assert_int_equal(r.entries, 5);
    assert_int_equal(r.problems, 0);
    size_t n = 0;
    char *t = (char *)tctest_slurp(trail, &n);
    /* identity numbers masked, as in every report */
    assert_null(strstr(t, ID));
    assert_non_null(strstr(t, "\"--payer\",\"110105********002X\""));
    /* no password, in any of its three forms */
    assert_null(strstr(t, "hunter2"));
    assert_null(strstr(t, "secret"));
    assert_non_null(strstr(t, "\"--password\",\"[redacted]\""));
    assert_non_null(strstr(t, "\"--db\",\"postgresql://loader@db.example/city\""));
    /* the first entry chains to the empty tree, and is canonical */
    assert_int_equal(strncmp(t, "{\"args\":[", 9), 0);
    assert_non_null(strstr(t, "\"prev\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495"
                              "991b7852b855\",\"records\":{\"contribution\":2000},"
                              "\"role\":\"recorder\",\"seq\":1,"));
    assert_int_equal(strncmp(strstr(t, "\"format\":"), "\"format\":\"tongchou-audit/2\",", 28), 0);
    assert_non_null(strstr(t, "\"time\":\"" TIME "\""));
    assert_non_null(strstr(t, "\"totals\":{\"fen\":10050,\"paid\":\"100.50\"}"));
    /* the digests are those of the files: SHA-256 for Ed25519, SM3 for SM2 */
    char p[1200], d1[TC_DIGEST_TEXT_MAX], d5[TC_DIGEST_TEXT_MAX];
    tc_err e;
    snprintf(p, sizeof(p), "%s/file1.txt", dir);
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, p, d1, &e), 0);
    snprintf(p, sizeof(p), "%s/file5.txt", dir);
    assert_int_equal(tc_digest_file(TC_DIGEST_SM3, p, d5, &e), 0);
    assert_non_null(strstr(t, d1));
    assert_non_null(strstr(t, d5));
    /* a live source is recorded without a digest */
    assert_non_null(strstr(t, "\"digest\":null,\"file\":\"dbname=legacy password=***\""));
    /* keys */
    assert_non_null(strstr(t, tc_signer_id(county)));
    assert_non_null(strstr(t, tc_signer_id(city)));
    free(t);
    /* Ed25519 is deterministic: the same entries give the same bytes */
    char a[1100], b[1100];
    in_dir(a, sizeof(a), "det-a.trail");
    in_dir(b, sizeof(b), "det-b.trail");
    unlink(a), unlink(b);
    for (int i = 1; i <= 3; i++) {
        record(a, i, county);
        record(b, i, county);
    }
    size_t na = 0, nb = 0;
    char *ta = (char *)tctest_slurp(a, &na), *tb = (char *)tctest_slurp(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(ta, tb, na);
    free(ta), free(tb);
    /* records and totals with a float are refused */
    char *argv[] = {"x", NULL};
    tc_audit_command c = {.trail = a, .signer = county, .argc = 1, .argv = argv,
                          .totals = "{\"paid\":1.5}"};
    assert_int_equal(tc_audit_record_command(&c, NULL, &e), TC_EUSAGE);
    /* a clock override that is not RFC 3339 UTC is refused, nothing written */
    c.totals = NULL;
    setenv("TONGCHOU_TIME", "24/11/2026 10:00", 1);
    assert_int_equal(tc_audit_record_command(&c, NULL, &e), TC_EUSAGE);
    assert_non_null(strstr(e.msg, "RFC 3339"));
    setenv("TONGCHOU_TIME", TIME, 1);
    na = 0;
    ta = (char *)tctest_slurp(a, &na);
    assert_int_equal(na, nb);
    free(ta);
    /* an argument that is not UTF-8 (GB18030 here) is refused, not dropped */
    char *gb[] = {"x", "\xbe\xc5\xcc\xa8.xml", NULL};
    c.argv = gb;
    c.argc = 2;
    assert_int_equal(tc_audit_record_command(&c, NULL, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "argument 1 is not valid UTF-8"));
    c.signer = NULL;
    assert_int_equal(tc_audit_record_command(&c, NULL, &e), TC_EUSAGE);
}

static void test_flip_any_byte(void **state)
{
    (void)state;
    lines L;
    split(trail, &L);
    assert_int_equal(L.count, 5);
    char bad[1100];
    in_dir(bad, sizeof(bad), "flip.trail");
    long flips = 0;
    for (int k = 0; k < 5; k++) {
        size_t off = (size_t)(L.l[k] - L.buf);
        /* every byte of the entry, its newline included */
        for (size_t j = 0; j < L.n[k]; j++) {
            size_t sz = 0;
            char *t = (char *)tctest_slurp(trail, &sz);
            t[off + j] ^= 0x01;
            tctest_spit(bad, t, sz);
            free(t);
            tc_audit_report r = check(bad, NULL, NULL, 0, NULL, 0, TC_EINTEGRITY);
            if (r.first_line != k + 1)
                fail_msg("flip of byte %zu of entry %d: first bad line %ld", j, k + 1,
                         r.first_line);
            flips++;
        }
    }
    size_t total = 0;
    free(tctest_slurp(trail, &total));
    assert_int_equal(flips, (long)total);   /* every byte of the trail, one at a time */
    assert_true(total > 2500);
    free(L.buf);
}

static void test_delete_reorder_insert(void **state)
{
    (void)state;
    lines L;
    split(trail, &L);
    char bad[1100];
    in_dir(bad, sizeof(bad), "cut.trail");
    tc_audit_report r;
    /* entry 3 deleted: entry 4 stands on line 3 */
    splice(bad, &L, (const int[]){0, 1, 3, 4, -1});
    r = check(bad, NULL, NULL, 0, NULL, 0, TC_EINTEGRITY);
    assert_int_equal(r.first_line, 3);
    assert_int_equal(r.first_seq, 4);
    /* entry 1 deleted */
    splice(bad, &L, (const int[]){1, 2, 3, 4, -1});
    r = check(bad, NULL, NULL, 0, NULL, 0, TC_EINTEGRITY);
    assert_int_equal(r.first_line, 1);
    assert_int_equal(r.first_seq, 2);
    /* entries 2 and 3 swapped */
    splice(bad, &L, (const int[]){0, 2, 1, 3, 4, -1});
    r = check(bad, NULL, NULL, 0, NULL, 0, TC_EINTEGRITY);
    assert_int_equal(r.first_line, 2);
    assert_int_equal(r.first_seq, 3);
    /* entry 2 inserted twice */
    splice(bad, &L, (const int[]){0, 1, 1, 2, 3, 4, -1});
    r = check(bad, NULL, NULL, 0, NULL, 0, TC_EINTEGRITY);
    assert_int_equal(r.first_line, 3);
    assert_int_equal(r.first_seq, 2);
    /* a well-formed entry 3 by an unknown key inserted: refused at line 3 */
    splice(bad, &L, (const int[]){0, 1, -1});
    record(bad, 3, stranger);
    FILE *f = fopen(bad, "ab");
    for (int k = 2; k < 5; k++)
        fwrite(L.l[k], 1, L.n[k], f);
    fclose(f);
    r = check(bad, NULL, NULL, 0, NULL, 0, TC_EINTEGRITY);
    assert_int_equal(r.first_line, 3);
    assert_int_equal(r.first_seq, 3);
    assert_int_equal(r.entries, 6);
    free(L.buf);
}

static void test_checkpoint_truncate_root(void **state)
{
    (void)state;
    char cp[1100], bad[1100], cbad[1100];
    in_dir(cp, sizeof(cp), "good.checkpoint");
    in_dir(bad, sizeof(bad), "short.trail");
    in_dir(cbad, sizeof(cbad), "bad.checkpoint");
    const tc_signer *both[] = {county, city};
    tc_err e;
    assert_int_equal(tc_audit_checkpoint(trail, "tongchou.example/changchun", both, 2, cp, &e), 0);
    size_t n = 0;
    char *t = (char *)tctest_slurp(cp, &n);
    /* origin, size, base64 of the root, blank line, one line per key */
    lines L;
    split(trail, &L);
    tc_mhash lv[5];
    for (int k = 0; k < 5; k++)
        tc_merkle_leaf(L.l[k], L.n[k] - 1, lv[k]);
    uint8_t root[32];
    char b64[64], want[256];
    tc_merkle_root(lv, 5, root);
    tc_b64_encode(root, 32, b64);
    snprintf(want, sizeof(want), "tongchou.example/changchun\n5\n%s\n\n\xe2\x80\x94 %s ", b64,
             tc_signer_id(county));
    assert_int_equal(strncmp(t, want, strlen(want)), 0);
    assert_non_null(strstr(t, "\n\xe2\x80\x94 sm2:"));
    tc_audit_report r = check(trail, cp, NULL, 0, NULL, 0, 0);
    assert_int_equal(r.checkpoint_size, 5);

    /* truncated to 3 entries: only the checkpoint sees it; entry 4 is missing */
    splice(bad, &L, (const int[]){0, 1, 2, -1});
    check(bad, NULL, NULL, 0, NULL, 0, 0);
    r = check(bad, cp, NULL, 0, NULL, 0, TC_EINTEGRITY);
    assert_int_equal(r.first_seq, 4);
    assert_int_equal(r.first_line, 4);

    /* the root swapped for the 4-entry root: the signatures no longer hold */
    char b64b[64];
    tc_merkle_root(lv, 4, root);
    tc_b64_encode(root, 32, b64b);
    char *s = strdup(t), *at = strstr(s, b64);
    memcpy(at, b64b, strlen(b64b));
    tctest_spit(cbad, s, n);
    r = check(trail, cbad, NULL, 0, NULL, 0, TC_EINTEGRITY);
    assert_int_equal(r.problems, 3);   /* two signatures fail, the root is not the trail's */
    free(s);
    free(t);
    free(L.buf);
}

static void test_checkpoint_keys(void **state)
{
    (void)state;
    char cp[1100];
    in_dir(cp, sizeof(cp), "keys.checkpoint");
    tc_err e;
    const tc_signer *one[] = {county}, *strange[] = {stranger};
    const tc_pubkey *keys[] = {county_pub, city_pub};
    const char *req[] = {tc_signer_id(city)};
    const char *cps[] = {cp};
    tc_audit_verify_opts o = {.keys = keys, .nkeys = 2, .checkpoints = cps, .ncheckpoints = 1};
    char wstate[1100];
    in_dir(wstate, sizeof(wstate), "keys.witness");
    tc_audit_cosign_opts co = {.state = wstate};
    tc_audit_report r;
    /* a cosignature by an unknown key is ignored */
    assert_int_equal(tc_audit_checkpoint(trail, "o", one, 1, cp, &e), 0);
    assert_int_equal(tc_audit_cosign(trail, cp, stranger, &co, &e), 0);
    assert_int_equal(tc_audit_verify(trail, &o, &r, &e), 0);
    /* ... but the city's signature, when required, must be there */
    o.required = req;
    o.nrequired = 1;
    assert_int_equal(tc_audit_verify(trail, &o, &r, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "required"));
    assert_int_equal(tc_audit_cosign(trail, cp, city, &co, &e), 0);
    assert_int_equal(tc_audit_verify(trail, &o, &r, &e), 0);
    /* the origin, when named, must be the checkpoint's */
    o.origin = "another/log";
    assert_int_equal(tc_audit_verify(trail, &o, &r, &e), TC_EINTEGRITY);
    o.origin = "o";
    assert_int_equal(tc_audit_verify(trail, &o, &r, &e), 0);
    /* signed by an unknown key only: no trusted signature, refused */
    assert_int_equal(tc_audit_checkpoint(trail, "o", strange, 1, cp, &e), 0);
    o.required = NULL;
    o.nrequired = 0;
    assert_int_equal(tc_audit_verify(trail, &o, &r, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "no trusted key"));
    assert_int_equal(r.first_seq, 0);
}

static void test_proofs(void **state)
{
    (void)state;
    char cp[1100], pf[1100], pbad[1100];
    in_dir(cp, sizeof(cp), "proof.checkpoint");
    in_dir(pf, sizeof(pf), "entry3.tlog-proof");
    in_dir(pbad, sizeof(pbad), "bad.tlog-proof");
    tc_err e;
    const tc_signer *one[] = {county};
    assert_int_equal(tc_audit_checkpoint(trail, "o", one, 1, cp, &e), 0);
    for (long long seq = 1; seq <= 5; seq++) {
        assert_int_equal(tc_audit_prove(trail, cp, seq, pf, &e), 0);
        const char *pp[] = {pf};
        check(trail, cp, pp, 1, NULL, 0, 0);
    }
    assert_int_equal(tc_audit_prove(trail, cp, 6, pf, &e), TC_EUSAGE);
    assert_int_equal(tc_audit_prove(trail, cp, 3, pf, &e), 0);
    size_t n = 0;
    char *t = (char *)tctest_slurp(pf, &n);
    /* entry 3 of 5: index 2, three hashes (leaf 4, node 1-2, leaf 5) */
    assert_int_equal(strncmp(t, "c2sp.org/tlog-proof@v1\nindex 2\n", 31), 0);
    size_t cn = 0;
    char *c = (char *)tctest_slurp(cp, &cn);
    assert_int_equal(n, 31 + 3 * 45 + 1 + cn);
    assert_memory_equal(t + n - cn, c, cn);
    /* one proof hash changed: refused, naming entry 3 */
    char *h = t + 31;
    h[3] = h[3] == 'A' ? 'B' : 'A';
    tctest_spit(pbad, t, n);
    const char *pp[] = {pbad};
    tc_audit_report r = check(trail, cp, pp, 1, NULL, 0, TC_EINTEGRITY);
    assert_int_equal(r.first_seq, 3);
    free(t), free(c);
}

static void test_files(void **state)
{
    (void)state;
    char f1[1200], f5[1200], other[1200];
    snprintf(f1, sizeof(f1), "%s/file1.txt", dir);
    snprintf(f5, sizeof(f5), "%s/file5.txt", dir);
    snprintf(other, sizeof(other), "%s/county.pub", dir);
    const char *ok[] = {f1, f5};
    check(trail, NULL, NULL, 0, ok, 2, 0);
    /* file5 was last recorded by entry 5 (SM3); changed, it is refused */
    tctest_spit(f5, "changed\n", 8);
    tc_audit_report r = check(trail, NULL, NULL, 0, ok, 2, TC_EINTEGRITY);
    assert_int_equal(r.first_seq, 5);
    tctest_spit(f5, "file 5 of the handover\n", 23);
    const char *unknown[] = {other};
    check(trail, NULL, NULL, 0, unknown, 1, TC_EINTEGRITY);
}

static void test_torn_and_repair(void **state)
{
    (void)state;
    char t2[1100], torn[1200];
    in_dir(t2, sizeof(t2), "torn.trail");
    snprintf(torn, sizeof(torn), "%s.torn", t2);
    size_t n = 0;
    char *t = (char *)tctest_slurp(trail, &n);
    lines L;
    split(trail, &L);
    /* a crash halfway through writing entry 5 */
    size_t keep = n - L.n[4] / 2;
    tctest_spit(t2, t, keep);
    tc_audit_report r = check(t2, NULL, NULL, 0, NULL, 0, TC_EINTEGRITY);
    assert_int_equal(r.first_line, 5);
    assert_int_equal(r.entries, 4);
    /* appending refuses; repair keeps the torn bytes aside and cuts them */
    tc_err e;
    tc_audit *a;
    tc_audit_entry en = {.command = "x"};
    assert_int_equal(tc_audit_open(&a, t2, &e), 0);
    assert_int_equal(tc_audit_append(a, &en, county, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.hint, "repair"));
    long long cut = 0;
    assert_int_equal(tc_audit_repair(t2, &cut, &e), 0);
    assert_int_equal(cut, (long long)(keep - (n - L.n[4])));
    size_t tn = 0;
    char *tb = (char *)tctest_slurp(torn, &tn);
    assert_int_equal(tn, (size_t)cut);
    assert_memory_equal(tb, L.l[4], tn);
    free(tb);
    r = check(t2, NULL, NULL, 0, NULL, 0, 0);
    assert_int_equal(r.entries, 4);
    long long seq = 0, lseq = -1;
    assert_null(tc_audit_last(a, &lseq));
    assert_int_equal(lseq, 0);
    assert_int_equal(tc_audit_append(a, &en, county, &seq, &e), 0);
    assert_int_equal(seq, 5);
    /* the line appended, for the database mirror: the trail's last line */
    const char *last = tc_audit_last(a, &lseq);
    assert_int_equal(lseq, 5);
    size_t tl = 0;
    char *tt = (char *)tctest_slurp(t2, &tl);
    assert_int_equal(tt[tl - strlen(last) - 2], '\n');
    assert_int_equal(tt[tl - 1], '\n');
    assert_memory_equal(tt + tl - strlen(last) - 1, last, strlen(last));
    assert_non_null(strstr(last, "\"seq\":5,"));
    free(tt);
    tc_audit_close(a);
    check(t2, NULL, NULL, 0, NULL, 0, 0);
    /* nothing torn: nothing cut */
    unlink(torn);
    assert_int_equal(tc_audit_repair(t2, &cut, &e), 0);
    assert_int_equal(cut, 0);
    free(t);
    free(L.buf);
}

/* Four processes appending ten entries each at once: the lock keeps the
 * chain whole, 40 entries numbered 1 to 40. */
static void test_concurrent_appends(void **state)
{
    (void)state;
    char t[1100];
    in_dir(t, sizeof(t), "busy.trail");
    unlink(t);
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            tc_audit *a;
            tc_err e;
            tc_audit_entry en = {.command = "busy"};
            int bad = tc_audit_open(&a, t, &e) != 0;
            for (int i = 0; !bad && i < 10; i++)
                bad = tc_audit_append(a, &en, county, NULL, &e) != 0;
            if (!bad)
                tc_audit_close(a);
            _exit(bad);
        }
    }
    for (int k = 0; k < 4; k++) {
        int st;
        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    tc_audit_report r = check(t, NULL, NULL, 0, NULL, 0, 0);
    assert_int_equal(r.entries, 40);
}

static void test_show_masks(void **state)
{
    (void)state;
    char out[1100];
    in_dir(out, sizeof(out), "show.txt");
    FILE *f = fopen(out, "w");
    tc_err e;
    assert_int_equal(tc_audit_show(trail, f, &e), 0);
    fclose(f);
    size_t n = 0;
    char *t = (char *)tctest_slurp(out, &n);
    assert_null(strstr(t, ID));
    assert_non_null(strstr(t, "110105********002X"));
    assert_non_null(strstr(t, "#1  " TIME "  ed25519:"));
    assert_non_null(strstr(t, "#5  " TIME "  sm2:"));
    assert_non_null(strstr(t, "totals   {\"fen\":50250,\"paid\":\"500.50\"}"));
    free(t);
}

/* A stand-in for `tongchou reconcile`: its report is its inputs, one after
 * the other, and it exits 1 (findings), which is a result like 0. */
static const char fake_reconcile[] =
    "#!/bin/sh\n"
    "[ \"$1\" = reconcile ] || exit 2\n"
    "shift\n"
    "out=; files=\n"
    "while [ $# -gt 0 ]; do\n"
    "  case \"$1\" in\n"
    "    -o) out=$2; shift 2;;\n"
    "    -m) shift 2;;\n"
    "    -q) shift;;\n"
    "    *) files=\"$files $1\"; shift;;\n"
    "  esac\n"
    "done\n"
    "cat $files > \"$out/reconciliation.json\" && echo code,severity > \"$out/findings.csv\"\n"
    "exit 1\n";

static void record_reconcile(const char *path, const char *prog, const char *rep)
{
    char in1[1200], in2[1200], o1[1200], o2[1200], cmd[4000];
    snprintf(in1, sizeof(in1), "%s/file1.txt", dir);
    snprintf(in2, sizeof(in2), "%s/file2.txt", dir);
    snprintf(o1, sizeof(o1), "%s/reconciliation.json", rep);
    snprintf(o2, sizeof(o2), "%s/findings.csv", rep);
    snprintf(cmd, sizeof(cmd), "'%s' reconcile -m set -o '%s' '%s' '%s'", prog, rep, in1, in2);
    assert_int_equal(WEXITSTATUS(system(cmd)), 1);
    char *argv[] = {"reconcile", "-m", "set", "-o", (char *)rep, in1, in2, NULL};
    const char *ins[] = {in1, in2}, *outs[] = {o1, o2};
    tc_audit_command c = {.trail = path, .signer = county, .argc = 7, .argv = argv,
                          .inputs = ins, .ninputs = 2, .outputs = outs, .noutputs = 2};
    tc_err e;
    assert_int_equal(tc_audit_record_command(&c, NULL, &e), 0);
}

static tc_audit_report rerun(const char *path, const char *prog, int want)
{
    const tc_pubkey *keys[] = {county_pub};
    tc_audit_verify_opts o = {.keys = keys, .nkeys = 1, .rerun = prog};
    tc_audit_report r;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_audit_verify(path, &o, &r, &e);
    if (rc != want)
        fail_msg("rerun %s: %d, wanted %d: %s", path, rc, want, e.msg);
    return r;
}

/* verify --rerun: the recorded reconcile run again gives the recorded reports */
static void test_rerun(void **state)
{
    (void)state;
    char prog[1100], rep[1100], t[1100], f2[1200], o1[1200];
    in_dir(prog, sizeof(prog), "fake-tongchou");
    in_dir(rep, sizeof(rep), "rep");
    in_dir(t, sizeof(t), "rerun.trail");
    snprintf(f2, sizeof(f2), "%s/file2.txt", dir);
    snprintf(o1, sizeof(o1), "%s/reconciliation.json", rep);
    /* the re-run's temporary folders go here, to be counted at the end */
    const char *old_tmp = getenv("TMPDIR");
    char *saved_tmp = old_tmp ? strdup(old_tmp) : NULL;
    setenv("TMPDIR", dir, 1);
    tctest_spit(prog, fake_reconcile, strlen(fake_reconcile));
    chmod(prog, 0755);
    mkdir(rep, 0755);
    unlink(t);
    record(t, 1, county);
    rerun(t, prog, TC_EINTEGRITY);          /* no reconcile recorded yet */
    record_reconcile(t, prog, rep);
    record(t, 2, county);
    tc_audit_report r = rerun(t, prog, 0);
    assert_int_equal(r.entries, 3);
    /* an input changed since: refused before running */
    tctest_spit(f2, "file 2, changed\n", 16);
    r = rerun(t, prog, TC_EINTEGRITY);
    assert_int_equal(r.first_seq, 2);
    assert_int_equal(r.first_line, 2);
    tctest_spit(f2, "file 2 of the handover\n", 23);
    rerun(t, prog, 0);
    /* a report that was edited, then recorded: the re-run differs */
    FILE *f = fopen(o1, "a");
    fputs("edited\n", f);
    fclose(f);
    char *argv[] = {"reconcile", "-m", "set", "-o", rep, f2, NULL};
    char fc[1200];
    snprintf(fc, sizeof(fc), "%s/findings.csv", rep);
    const char *ins[] = {f2}, *outs[] = {o1, fc};
    tc_audit_command c = {.trail = t, .signer = county, .argc = 6, .argv = argv,
                          .inputs = ins, .ninputs = 1, .outputs = outs, .noutputs = 2};
    tc_err e;
    assert_int_equal(tc_audit_record_command(&c, NULL, &e), 0);
    r = rerun(t, prog, TC_EINTEGRITY);
    assert_int_equal(r.first_seq, 4);
    assert_int_equal(r.problems, 1);        /* findings.csv agrees, the report does not */
    /* no temporary folder is left behind */
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "ls -d '%s'/tongchou-rerun-* 2>/dev/null | grep -q .", dir);
    assert_int_equal(WEXITSTATUS(system(cmd)), 1);
    if (saved_tmp)
        setenv("TMPDIR", saved_tmp, 1);
    else
        unsetenv("TMPDIR");
    free(saved_tmp);
}


/* The command line: exit 0 on a good trail, 5 naming the first bad entry. */
static void test_cli(void **state)
{
    (void)state;
    const char *tc = tctest_tongchou();
    char bad[1100], err[1100], cp[1100], pf[1100];
    in_dir(bad, sizeof(bad), "cli.trail");
    in_dir(err, sizeof(err), "cli.err");
    in_dir(cp, sizeof(cp), "cli.checkpoint");
    in_dir(pf, sizeof(pf), "cli.tlog-proof");
    assert_int_equal(tctest_run("'%s' audit verify --trail '%s' --pub '%s/county.pub' --pub "
                         "'%s/city.pub' 2>/dev/null", tc, trail, dir, dir), 0);
    assert_int_equal(tctest_run("'%s' audit checkpoint --trail '%s' --key '%s/county.key' --key "
                         "'%s/city.key' --origin tongchou.example/cc -o '%s'", tc, trail, dir,
                         dir, cp), 0);
    assert_int_equal(tctest_run("'%s' audit prove 4 --trail '%s' --checkpoint '%s' -o '%s'", tc, trail,
                         cp, pf), 0);
    assert_int_equal(tctest_run("'%s' audit verify --trail '%s' --pub '%s/county.pub' --require "
                         "'%s/city.pub' --checkpoint '%s' --proof '%s' --origin "
                         "tongchou.example/cc 2>/dev/null", tc, trail, dir, dir, cp, pf), 0);
    /* entry 2 deleted */
    lines L;
    split(trail, &L);
    splice(bad, &L, (const int[]){0, 2, 3, 4, -1});
    free(L.buf);
    assert_int_equal(tctest_run("'%s' audit verify --trail '%s' --pub '%s/county.pub' --pub "
                         "'%s/city.pub' 2>'%s'", tc, bad, dir, dir, err), 5);
    size_t n = 0;
    char *t = (char *)tctest_slurp(err, &n);
    assert_non_null(strstr(t, "the first bad entry is entry 3, line 2"));
    free(t);
    /* an unknown signer of entries: 5 */
    assert_int_equal(tctest_run("'%s' audit verify --trail '%s' --pub '%s/county.pub' 2>/dev/null", tc,
                         trail, dir), 5);
    /* keygen, and its refusal of a key open to others */
    char kb[1100];
    in_dir(kb, sizeof(kb), "cli-key");
    assert_int_equal(tctest_run("'%s' keygen --alg sm2 -o '%s' >'%s'", tc, kb, err), 0);
    t = (char *)tctest_slurp(err, &n);
    assert_int_equal(strncmp(t, "sm2:", 4), 0);
    free(t);
    assert_int_equal(tctest_run("chmod 644 '%s.key' && '%s' audit checkpoint --trail '%s' --key "
                         "'%s.key' -o '%s' 2>'%s'", kb, tc, trail, kb, cp, err), 3);
    t = (char *)tctest_slurp(err, &n);
    assert_non_null(strstr(t, "chmod 600"));
    free(t);
    /* verify without a single trusted key is a usage error */
    assert_int_equal(tctest_run("'%s' audit verify --trail '%s' 2>/dev/null", tc, trail), 2);
    /* --rerun on a trail that records no reconcile: 5 */
    assert_int_equal(tctest_run("'%s' audit verify --rerun --trail '%s' --pub '%s/county.pub' --pub "
                         "'%s/city.pub' 2>/dev/null", tc, trail, dir, dir), 5);
}

/* ===================================== playing the dishonest party */

/* Every problem verify reports, one per line, for asserting their text. */
static char problems[32768];

static void collect(void *arg, const tc_audit_problem *p)
{
    (void)arg;
    size_t k = strlen(problems);
    snprintf(problems + k, sizeof(problems) - k, "%s\n", p->msg);
}

/* Verify path with the county's and the city's keys (or only the policy),
 * the checkpoints and proofs given; the return code must be want. */
static tc_audit_report verify_all(const char *path, const char *const *cps, size_t ncps,
                                  const char *const *proofs, size_t nproofs, const tc_policy *pol,
                                  int want)
{
    const tc_pubkey *keys[] = {county_pub, city_pub};
    tc_audit_verify_opts o = {.keys = pol ? NULL : keys, .nkeys = pol ? 0 : 2, .policy = pol,
                              .checkpoints = cps, .ncheckpoints = ncps, .proofs = proofs,
                              .nproofs = nproofs, .problem = collect};
    tc_audit_report r;
    tc_err e;
    tc_err_clear(&e);
    problems[0] = '\0';
    int rc = tc_audit_verify(path, &o, &r, &e);
    if (rc != want)
        fail_msg("verify %s: %d, wanted %d: %s\n%s", path, rc, want, e.msg, problems);
    return r;
}

static void has(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("'%s' lacks '%s'", text, want);
}

/* The line of entry o signed by s, as kind and role, its key set to s's:
 * what the holder of a trusted key can always make. */
static char *sign_entry(json_t *o, const tc_signer *s, const char *kind, const char *role)
{
    json_object_del(o, "sig");
    json_object_set_new(o, "key", json_string(tc_signer_id(s)));
    char *body, *line;
    size_t n;
    tc_err e;
    assert_int_equal(tc_jcs_dump(o, &body, &n, &e), 0);
    uint8_t sig[TC_SIGN_MAX];
    size_t sl = 0;
    assert_int_equal(tc_signer_sign_as(s, kind, role, body, n, sig, &sl, &e), 0);
    free(body);
    char b64[2 * TC_SIGN_MAX];
    tc_b64_encode(sig, sl, b64);
    json_object_set_new(o, "sig", json_string(b64));
    assert_int_equal(tc_jcs_dump(o, &line, &n, &e), 0);
    return line;
}

static void raise_total(json_t *o)
{
    json_object_set_new(json_object_get(o, "totals"), "paid", json_string("999999.99"));
}

/*
 * Copy the trail src to dst with entry `from` (1-based) changed by edit
 * and it and every later entry re-chained and re-signed by s, each in its
 * role: the history a holder of s alone can forge.  It verifies on its
 * own; only checkpoints and witnesses show it.
 */
static void forge(const char *src, const char *dst, int from, void (*edit)(json_t *),
                  const tc_signer *s)
{
    lines L;
    split(src, &L);
    size_t total = 0;
    for (int k = 0; k < L.count; k++)
        total += L.n[k];
    char *out = malloc(2 * total + 4096), *w = out;
    uint8_t prev[TC_MERKLE_HASH];
    tc_merkle_root(NULL, 0, prev);
    for (int k = 0; k < L.count; k++) {
        if (k + 1 < from) {
            memcpy(w, L.l[k], L.n[k]);
            w += L.n[k];
            tc_merkle_leaf(L.l[k], L.n[k] - 1, prev);
            continue;
        }
        json_t *o = json_loadb(L.l[k], L.n[k] - 1, 0, NULL);
        assert_non_null(o);
        if (k + 1 == from)
            edit(o);
        char hex[2 * TC_MERKLE_HASH + 1];
        tc_hex(prev, TC_MERKLE_HASH, hex);
        json_object_set_new(o, "prev", json_string(hex));
        char *line = sign_entry(o, s, "audit-entry", json_string_value(json_object_get(o, "role")));
        w += sprintf(w, "%s\n", line);
        tc_merkle_leaf(line, strlen(line), prev);
        free(line);
        json_decref(o);
    }
    tctest_spit(dst, out, (size_t)(w - out));
    free(out);
    free(L.buf);
}

/* Base64 of the root of the first n entries of the trail at path. */
static void root_b64(const char *path, size_t n, char *out)
{
    lines L;
    split(path, &L);
    assert_true((size_t)L.count >= n);
    tc_mhash lv[16];
    for (size_t k = 0; k < n; k++)
        tc_merkle_leaf(L.l[k], L.n[k] - 1, lv[k]);
    uint8_t r[TC_MERKLE_HASH];
    tc_merkle_root(lv, n, r);
    tc_b64_encode(r, TC_MERKLE_HASH, out);
    free(L.buf);
}

static char *slurp_text(const char *path)
{
    size_t n = 0;
    char *t = (char *)tctest_slurp(path, &n);
    if (!t)
        fail_msg("cannot read %s", path);
    return t;
}

static int count_lines_starting(const char *text, const char *prefix)
{
    int n = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += strncmp(p, prefix, strlen(prefix)) == 0;
    return n;
}

/* The entry's bytes are its JCS text; it says its role; its signature is
 * over "tongchou-signature/1\naudit-entry\nROLE\n" + JCS, built here by
 * hand, and over nothing else. */
static void test_entry_bytes(void **state)
{
    (void)state;
    char t[1100];
    in_dir(t, sizeof(t), "bytes.trail");
    unlink(t);
    char *argv[] = {"approve", "a\x1f" "b", "\xf0\x9f\x98\x82", NULL};
    tc_audit_command c = {.trail = t, .signer = county, .role = "maker", .argc = 3, .argv = argv,
                          .records = "{\"\\ufb33\":1,\"\\ud83d\\ude02\":2}"};
    long long seq = 0;
    tc_err e;
    assert_int_equal(tc_audit_record_command(&c, &seq, &e), 0);
    assert_int_equal(seq, 1);
    c.role = NULL;
    assert_int_equal(tc_audit_record_command(&c, &seq, &e), 0);
    assert_int_equal(seq, 2);
    lines L;
    split(t, &L);
    assert_int_equal(L.count, 2);
    char *l1 = strndup(L.l[0], L.n[0] - 1);
    /* JCS, not jansson: a lowercase escape, names in UTF-16 order */
    has(l1, "\"args\":[\"a\\u001fb\",\"\xf0\x9f\x98\x82\"]");
    has(l1, "\"format\":\"tongchou-audit/2\"");
    has(l1, "\"records\":{\"\xf0\x9f\x98\x82\":2,\"\xef\xac\xb3\":1},"
            "\"role\":\"maker\",\"seq\":1,");
    has(L.l[1], "\"role\":\"recorder\",\"seq\":2,");
    json_t *o = json_loads(l1, 0, NULL);
    char *j, *body;
    size_t jn, bn;
    assert_int_equal(tc_jcs_dump(o, &j, &jn, &e), 0);
    assert_string_equal(j, l1);
    const char *sig = json_string_value(json_object_get(o, "sig"));
    uint8_t raw[TC_SIGN_MAX];
    long nr = tc_b64_decode(sig, strlen(sig), raw, sizeof(raw));
    assert_int_equal(nr, 64);
    json_object_del(o, "sig");
    assert_int_equal(tc_jcs_dump(o, &body, &bn, &e), 0);
    char *msg = malloc(bn + 64);
    int h = sprintf(msg, "tongchou-signature/1\naudit-entry\nmaker\n");
    memcpy(msg + h, body, bn);
    assert_true(tc_pubkey_verify(county_pub, msg, (size_t)h + bn, raw, (size_t)nr));
    assert_false(tc_pubkey_verify(county_pub, body, bn, raw, (size_t)nr));
    assert_false(tc_pubkey_verify_as(county_pub, "audit-entry", "checker", body, bn, raw,
                                     (size_t)nr));
    assert_false(tc_pubkey_verify_as(county_pub, "transfer-plan", "maker", body, bn, raw,
                                     (size_t)nr));
    free(msg), free(body), free(j), free(l1);
    json_decref(o);
    free(L.buf);
    tc_audit_report r = verify_all(t, NULL, 0, NULL, 0, NULL, 0);
    assert_int_equal(r.entries, 2);
    /* refused, nothing written: a role that is not a word, an integer a
     * JCS verifier cannot hold, a real */
    size_t before = 0, after = 0;
    free(tctest_slurp(t, &before));
    c.role = "Maker";
    assert_int_equal(tc_audit_record_command(&c, NULL, &e), TC_EUSAGE);
    has(e.msg, "role 'Maker' is not a role word");
    c.role = "maker";
    c.totals = "{\"fen\":9007199254740992}";
    assert_int_equal(tc_audit_record_command(&c, NULL, &e), TC_EUSAGE);
    has(e.msg, "/totals/fen");
    has(e.msg, "2^53");
    c.totals = "{\"fen\":1.0}";
    assert_int_equal(tc_audit_record_command(&c, NULL, &e), TC_EUSAGE);
    free(tctest_slurp(t, &after));
    assert_int_equal(after, before);
    c.totals = "{\"fen\":9007199254740991}";
    assert_int_equal(tc_audit_record_command(&c, &seq, &e), 0);
    assert_int_equal(seq, 3);
    verify_all(t, NULL, 0, NULL, 0, NULL, 0);
}

/* The maker edits an entry and signs it again with his own key: the next
 * entry no longer chains to it.  Or he relabels a role: the signature,
 * made in the old role, does not verify in the new one. */
static void test_dishonest_entries(void **state)
{
    (void)state;
    char t[1100], bad[1100];
    in_dir(t, sizeof(t), "roles.trail");
    in_dir(bad, sizeof(bad), "roles-bad.trail");
    unlink(t);
    record_as(t, 1, county, "maker");
    record_as(t, 2, city, "checker");
    record_as(t, 3, county, NULL);
    verify_all(t, NULL, 0, NULL, 0, NULL, 0);
    lines L;
    split(t, &L);
    /* entry 2 edited and signed again by the city's own key: entry 3 breaks */
    json_t *o = json_loadb(L.l[1], L.n[1] - 1, 0, NULL);
    raise_total(o);
    char *l2 = sign_entry(o, city, "audit-entry", "checker");
    json_decref(o);
    FILE *f = fopen(bad, "wb");
    fwrite(L.l[0], 1, L.n[0], f);
    fprintf(f, "%s\n", l2);
    fwrite(L.l[2], 1, L.n[2], f);
    fclose(f);
    free(l2);
    tc_audit_report r = verify_all(bad, NULL, 0, NULL, 0, NULL, TC_EINTEGRITY);
    assert_int_equal(r.problems, 1);
    assert_int_equal(r.first_seq, 3);
    has(problems, "entry 3 does not chain to the line before it");
    /* entry 2's role relabelled "maker": its signature was made as a checker */
    char *s2 = strndup(L.l[1], L.n[1]);
    char *at = strstr(s2, "\"role\":\"checker\"");
    assert_non_null(at);
    f = fopen(bad, "wb");
    fwrite(L.l[0], 1, L.n[0], f);
    fwrite(s2, 1, (size_t)(at - s2), f);
    fputs("\"role\":\"maker\"", f);
    fputs(at + strlen("\"role\":\"checker\""), f);
    fclose(f);
    r = verify_all(bad, NULL, 0, NULL, 0, NULL, TC_EINTEGRITY);
    assert_int_equal(r.problems, 1);
    assert_int_equal(r.first_seq, 2);
    char want[256];
    snprintf(want, sizeof(want), "entry 2: the signature by %s does not verify as made by a maker",
             tc_signer_id(city));
    has(problems, want);
    /* both roles swapped: entry 1 fails, entry 2 no longer chains and fails */
    char *s1 = strndup(L.l[0], L.n[0]);
    char *at1 = strstr(s1, "\"role\":\"maker\"");
    f = fopen(bad, "wb");
    fwrite(s1, 1, (size_t)(at1 - s1), f);
    fputs("\"role\":\"checker\"", f);
    fputs(at1 + strlen("\"role\":\"maker\""), f);
    fwrite(s2, 1, (size_t)(at - s2), f);
    fputs("\"role\":\"maker\"", f);
    fputs(at + strlen("\"role\":\"checker\""), f);
    fclose(f);
    r = verify_all(bad, NULL, 0, NULL, 0, NULL, TC_EINTEGRITY);
    assert_int_equal(r.problems, 3);
    assert_int_equal(r.first_seq, 1);
    has(problems, "entry 1: the signature by");
    has(problems, "does not verify as made by a checker");
    /* the checker's signature made for another kind of thing (a plan) is
     * no signature of an entry */
    o = json_loadb(L.l[1], L.n[1] - 1, 0, NULL);
    l2 = sign_entry(o, city, "transfer-plan", "checker");
    json_decref(o);
    f = fopen(bad, "wb");
    fwrite(L.l[0], 1, L.n[0], f);
    fprintf(f, "%s\n", l2);
    fclose(f);
    free(l2);
    r = verify_all(bad, NULL, 0, NULL, 0, NULL, TC_EINTEGRITY);
    assert_int_equal(r.problems, 1);
    has(problems, "entry 2: the signature by");
    free(s1), free(s2);
    free(L.buf);
}

/* An entry of format /1 (jansson's sorted output, no role, signed
 * without context) is refused by verify, append and checkpoint alike. */
static void test_old_format(void **state)
{
    (void)state;
    char t[1100], cp[1100];
    in_dir(t, sizeof(t), "old.trail");
    in_dir(cp, sizeof(cp), "old.checkpoint");
    unlink(t);
    record(t, 1, county);
    lines L;
    split(t, &L);
    json_t *o = json_loadb(L.l[0], L.n[0] - 1, 0, NULL);
    free(L.buf);
    json_object_set_new(o, "format", json_string("tongchou-audit/1"));
    json_object_del(o, "role");
    json_object_del(o, "sig");
    char *body = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    uint8_t sig[TC_SIGN_MAX];
    size_t sl;
    tc_err e;
    assert_int_equal(tc_signer_sign(county, body, strlen(body), sig, &sl, &e), 0);
    free(body);
    char b64[2 * TC_SIGN_MAX];
    tc_b64_encode(sig, sl, b64);
    json_object_set_new(o, "sig", json_string(b64));
    char *line = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    FILE *f = fopen(t, "wb");
    fprintf(f, "%s\n", line);
    fclose(f);
    free(line);
    tc_audit_report r = verify_all(t, NULL, 0, NULL, 0, NULL, TC_EINTEGRITY);
    assert_int_equal(r.problems, 1);
    assert_int_equal(r.first_seq, 1);
    has(problems, "entry 1 is in format tongchou-audit/1, written by an older tongchou; the "
                  "project is unreleased, so there is no conversion");
    size_t before = 0, after = 0;
    free(tctest_slurp(t, &before));
    tc_audit *a;
    tc_audit_entry en = {.command = "x"};
    assert_int_equal(tc_audit_open(&a, t, &e), 0);
    assert_int_equal(tc_audit_append(a, &en, county, NULL, &e), TC_EINPUT);
    has(e.msg, "format tongchou-audit/1, written by an older tongchou; the project is "
               "unreleased, so there is no conversion");
    tc_audit_close(a);
    free(tctest_slurp(t, &after));
    assert_int_equal(after, before);
    const tc_signer *one[] = {county};
    assert_int_equal(tc_audit_checkpoint(t, "o", one, 1, cp, &e), TC_EINTEGRITY);
    assert_int_equal(access(cp, F_OK), -1);
    char store[1200];
    snprintf(store, sizeof(store), "%s.checkpoints", t);
    assert_int_equal(access(store, F_OK), -1);      /* not even the store's folder */
}

/* The store's name of the checkpoint of size for origin. */
static void kept_name(const char *trail_path, const char *origin, int size, char *out, size_t n)
{
    char dg[TC_DIGEST_TEXT_MAX];
    tc_err e;
    assert_int_equal(tc_digest_buffer(TC_DIGEST_SHA256, origin, strlen(origin), dg, &e), 0);
    snprintf(out, n, "%s.checkpoints/%020d-%.16s.checkpoint", trail_path, size, dg + 7);
}

#define SOLO "tongchou.example/solo"

/* Every checkpoint is kept; a trail rewritten or cut under one gets no new
 * one, and nothing is written. */
static void test_checkpoint_store(void **state)
{
    (void)state;
    char t[1100], honest[1100], cp1[1100], cp2[1100], k5[1300], k7[1300], k9[1300], store[1200];
    in_dir(t, sizeof(t), "solo.trail");
    in_dir(honest, sizeof(honest), "solo-honest.trail");
    in_dir(cp1, sizeof(cp1), "solo-1.checkpoint");
    in_dir(cp2, sizeof(cp2), "solo-2.checkpoint");
    snprintf(store, sizeof(store), "%s.checkpoints", t);
    kept_name(t, SOLO, 5, k5, sizeof(k5));
    kept_name(t, SOLO, 7, k7, sizeof(k7));
    kept_name(t, SOLO, 9, k9, sizeof(k9));
    unlink(t);
    for (int i = 1; i <= 5; i++)
        record(t, i, county);
    const tc_signer *one[] = {county}, *other[] = {city};
    tc_err e;
    assert_int_equal(tc_audit_checkpoint(t, SOLO, one, 1, cp1, &e), 0);
    char *c1 = slurp_text(cp1), *kept = slurp_text(k5);
    assert_string_equal(kept, c1);
    free(kept);
    assert_int_equal(tctest_count_files(store), 1);
    char r5[64], f5[64];
    root_b64(t, 5, r5);

    /* the maker rewrites entry 3 and signs 3 to 5 again: the trail holds on
     * its own, but no new checkpoint is signed, and nothing is written */
    tctest_run("cp '%s' '%s'", t, honest);
    forge(honest, t, 3, raise_total, county);
    verify_all(t, NULL, 0, NULL, 0, NULL, 0);
    root_b64(t, 5, f5);
    assert_string_not_equal(r5, f5);
    assert_int_equal(tc_audit_checkpoint(t, SOLO, one, 1, cp2, &e), TC_EINTEGRITY);
    char want[1024];
    snprintf(want, sizeof(want), "the trail was rewritten: the checkpoint %s signed 5 entries "
             "with root %s, but the trail's first 5 entries now have root %s; refusing to sign "
             "5 entries with root %s", k5, r5, f5, f5);
    assert_string_equal(e.msg, want);
    assert_int_equal(tc_exit_code(e.code), 5);
    assert_int_equal(access(cp2, F_OK), -1);
    assert_int_equal(tctest_count_files(store), 1);
    kept = slurp_text(k5);
    assert_string_equal(kept, c1);
    free(kept);

    /* cut back to 3 entries: refused too */
    lines L;
    split(honest, &L);
    splice(t, &L, (const int[]){0, 1, 2, -1});
    free(L.buf);
    assert_int_equal(tc_audit_checkpoint(t, SOLO, one, 1, cp2, &e), TC_EINTEGRITY);
    has(e.msg, "the trail holds 3 entries, but the checkpoint");
    has(e.msg, "already covers 5: entries were removed");
    assert_int_equal(access(cp2, F_OK), -1);

    /* the honest trail, grown to 7: a consistent extension, kept beside */
    tctest_run("cp '%s' '%s'", honest, t);
    record(t, 6, county);
    record(t, 7, county);
    assert_int_equal(tc_audit_checkpoint(t, SOLO, one, 1, cp2, &e), 0);
    assert_int_equal(tctest_count_files(store), 2);
    char *c2 = slurp_text(cp2);
    kept = slurp_text(k7);
    assert_string_equal(kept, c2);
    free(kept);
    /* the same tree signed again by another key: the kept one gains it */
    assert_int_equal(tc_audit_checkpoint(t, SOLO, other, 1, cp2, &e), 0);
    kept = slurp_text(k7);
    char *c3 = slurp_text(cp2);
    assert_int_equal(count_lines_starting(kept, "\xe2\x80\x94 "), 2);
    assert_int_equal(count_lines_starting(c3, "\xe2\x80\x94 "), 1);
    assert_int_equal(strncmp(kept, c2, strlen(c2)), 0);
    free(kept), free(c3);
    /* a kept file whose name is not its size: someone changed the store */
    assert_int_equal(rename(k7, k9), 0);
    assert_int_equal(tc_audit_checkpoint(t, SOLO, one, 1, cp2, &e), TC_EINTEGRITY);
    has(e.msg, "kept as the checkpoint of 9 entries, this one covers 7");
    assert_int_equal(rename(k9, k7), 0);
    assert_int_equal(tc_audit_checkpoint(t, SOLO, one, 1, cp2, &e), 0);
    free(c1), free(c2);
}

#define WORIGIN "tongchou.example/w"
static char wtrail[1100], ftrail[1100], cpA[1100], cpB[1100], cpF[1100], cpF7[1100];

/* A witness cosigns only what extends what it cosigned before. */
static void test_witness(void **state)
{
    (void)state;
    char st[1100], kept[1300], id[TC_DIGEST_TEXT_MAX];
    in_dir(wtrail, sizeof(wtrail), "w.trail");
    in_dir(ftrail, sizeof(ftrail), "w-forged.trail");
    in_dir(cpA, sizeof(cpA), "w-5.checkpoint");
    in_dir(cpB, sizeof(cpB), "w-7.checkpoint");
    in_dir(cpF, sizeof(cpF), "w-forged-5.checkpoint");
    in_dir(cpF7, sizeof(cpF7), "w-forged-7.checkpoint");
    in_dir(st, sizeof(st), "w.state");
    tc_err e;
    assert_int_equal(tc_digest_buffer(TC_DIGEST_SHA256, WORIGIN, strlen(WORIGIN), id, &e), 0);
    snprintf(kept, sizeof(kept), "%s/%.16s.checkpoint", st, id + 7);
    unlink(wtrail);
    for (int i = 1; i <= 5; i++)
        record(wtrail, i, county);
    const tc_signer *one[] = {county}, *strange[] = {stranger};
    const tc_pubkey *logkeys[] = {county_pub};
    tc_audit_cosign_opts co = {.state = st, .keys = logkeys, .nkeys = 1};
    assert_int_equal(tc_audit_checkpoint(wtrail, WORIGIN, one, 1, cpA, &e), 0);
    assert_int_equal(tc_audit_cosign(wtrail, cpA, witness, &co, &e), 0);
    char *a = slurp_text(cpA), *k = slurp_text(kept);
    assert_int_equal(count_lines_starting(a, "\xe2\x80\x94 "), 2);
    assert_string_equal(k, a);
    free(k);
    /* again: nothing changes */
    assert_int_equal(tc_audit_cosign(wtrail, cpA, witness, &co, &e), 0);
    char *a2 = slurp_text(cpA);
    assert_string_equal(a2, a);
    free(a2);
    char rA[64], rF[64], rF7[64], rB[64];
    root_b64(wtrail, 5, rA);

    /* a fork of the same size: the maker's rewritten trail, checkpointed
     * where its store knows nothing (another file) */
    forge(wtrail, ftrail, 3, raise_total, county);
    root_b64(ftrail, 5, rF);
    assert_int_equal(tc_audit_checkpoint(ftrail, WORIGIN, one, 1, cpF, &e), 0);
    char *f = slurp_text(cpF);
    assert_int_equal(tc_audit_cosign(ftrail, cpF, witness, &co, &e), TC_EINTEGRITY);
    char want[1024];
    snprintf(want, sizeof(want), "fork: this witness cosigned 5 entries of '" WORIGIN "' with "
             "root %s; this checkpoint signs 5 entries with root %s; not cosigned", rA, rF);
    assert_string_equal(e.msg, want);
    char *f2 = slurp_text(cpF);
    assert_string_equal(f2, f);     /* no cosignature added */
    free(f2);
    k = slurp_text(kept);
    assert_string_equal(k, a);      /* the state holds the honest one */
    free(k);

    /* a fork that grew: the first 5 entries of its tree are not the ones
     * cosigned */
    record(ftrail, 6, county);
    record(ftrail, 7, county);
    root_b64(ftrail, 7, rF7);
    assert_int_equal(tc_audit_checkpoint(ftrail, WORIGIN, one, 1, cpF7, &e), 0);
    assert_int_equal(tc_audit_cosign(ftrail, cpF7, witness, &co, &e), TC_EINTEGRITY);
    snprintf(want, sizeof(want), "fork: not a consistent extension: this witness cosigned 5 "
             "entries of '" WORIGIN "' with root %s, but the first 5 entries of this "
             "checkpoint's tree (7 entries, root %s) have root %s; not cosigned", rA, rF7, rF);
    assert_string_equal(e.msg, want);
    f2 = slurp_text(cpF7);
    assert_int_equal(count_lines_starting(f2, "\xe2\x80\x94 "), 1);
    free(f2);

    /* the honest trail grows: cosigned */
    record(wtrail, 6, county);
    record(wtrail, 7, county);
    root_b64(wtrail, 7, rB);
    assert_int_equal(tc_audit_checkpoint(wtrail, WORIGIN, one, 1, cpB, &e), 0);
    assert_int_equal(tc_audit_cosign(wtrail, cpB, witness, &co, &e), 0);
    char *b = slurp_text(cpB);
    k = slurp_text(kept);
    assert_string_equal(k, b);
    free(k);
    /* and it never goes back */
    assert_int_equal(tc_audit_cosign(wtrail, cpA, witness, &co, &e), TC_EINTEGRITY);
    has(e.msg, "this witness already cosigned 7 entries of '" WORIGIN "'; a checkpoint of 5 "
               "goes back, not cosigned");
    /* a checkpoint the log did not sign (a stranger did): not cosigned */
    char cpS[1100];
    in_dir(cpS, sizeof(cpS), "w-stranger.checkpoint");
    assert_int_equal(tc_audit_checkpoint(wtrail, WORIGIN, strange, 1, cpS, &e), 0);
    assert_int_equal(tc_audit_cosign(wtrail, cpS, witness, &co, &e), TC_EINTEGRITY);
    assert_string_equal(e.msg, "no trusted key signed the checkpoint; not cosigned");
    /* the log's signature changed: not cosigned */
    char *bad = strdup(b), *line = strstr(bad, "\n\xe2\x80\x94 ");
    char *sp = strchr(line + 5, ' ');
    sp[10] = sp[10] == 'A' ? 'B' : 'A';
    tctest_spit(cpS, bad, strlen(bad));
    free(bad);
    assert_int_equal(tc_audit_cosign(wtrail, cpS, witness, &co, &e), TC_EINTEGRITY);
    snprintf(want, sizeof(want), "the checkpoint's signature by %s does not verify; not "
             "cosigned", tc_signer_id(county));
    assert_string_equal(e.msg, want);
    /* a checkpoint that is not the trail's */
    assert_int_equal(tc_audit_cosign(wtrail, cpF, witness, &co, &e), TC_EINTEGRITY);
    snprintf(want, sizeof(want), "the checkpoint's root %s is not %s, the root of the first 5 "
             "entries of the trail %s", rF, rA, wtrail);
    assert_string_equal(e.msg, want);
    /* no state folder: no witness */
    co.state = NULL;
    assert_int_equal(tc_audit_cosign(wtrail, cpB, witness, &co, &e), TC_EUSAGE);
    k = slurp_text(kept);
    assert_string_equal(k, b);
    free(k);
    free(a), free(b), free(f);
}

/* verify given several checkpoints proves them consistent */
static void test_verify_forks(void **state)
{
    (void)state;
    char rA[64], rF[64], rF7[64];
    root_b64(wtrail, 5, rA);
    root_b64(ftrail, 5, rF);
    root_b64(ftrail, 7, rF7);
    const char *good[] = {cpA, cpB};
    tc_audit_report r = verify_all(wtrail, good, 2, NULL, 0, NULL, 0);
    assert_int_equal(r.forks, 0);
    assert_int_equal(r.checkpoint_size, 7);
    /* one size, two roots */
    const char *same[] = {cpA, cpF};
    r = verify_all(wtrail, same, 2, NULL, 0, NULL, TC_EINTEGRITY);
    assert_int_equal(r.problems, 2);
    assert_int_equal(r.forks, 1);
    char want[1024];
    snprintf(want, sizeof(want), "fork: %s and %s both sign the tree of 5 entries, with two "
             "roots: %s and %s", cpA, cpF, rA, rF);
    has(problems, want);
    snprintf(want, sizeof(want), "checkpoint: its root %s is not %s, the root of the trail's "
             "first 5 entries", rF, rA);
    has(problems, want);
    /* the forged trail's larger checkpoint does not extend the honest one */
    const char *grown[] = {cpA, cpF7};
    r = verify_all(ftrail, grown, 2, NULL, 0, NULL, TC_EINTEGRITY);
    assert_int_equal(r.problems, 2);
    assert_int_equal(r.forks, 1);
    snprintf(want, sizeof(want), "fork: %s (5 entries, root %s) is not a prefix of %s (7 "
             "entries, root %s), whose first 5 entries have root %s", cpA, rA, cpF7, rF7, rF);
    has(problems, want);
    /* against the honest trail, the forged 7 cannot be proved consistent */
    r = verify_all(wtrail, grown, 2, NULL, 0, NULL, TC_EINTEGRITY);
    assert_int_equal(r.problems, 2);
    assert_int_equal(r.forks, 0);
    has(problems, "cannot be proved consistent: the trail does not hold the larger tree");
    /* a proof's checkpoint takes part */
    char pf[1100];
    in_dir(pf, sizeof(pf), "w-forged.tlog-proof");
    tc_err e;
    assert_int_equal(tc_audit_prove(ftrail, cpF, 3, pf, &e), 0);
    const char *pp[] = {pf}, *onlyA[] = {cpA};
    r = verify_all(wtrail, onlyA, 1, pp, 1, NULL, TC_EINTEGRITY);
    assert_int_equal(r.forks, 1);
    assert_int_equal(r.problems, 3);   /* its root, entry 3's inclusion, the fork */
    has(problems, "proof: entry 3 is not included in the checkpointed tree");
}

/* Write text to path and verify wtrail with it as a checkpoint (or a
 * proof); the problems, exactly `nprob`, must hold `why`. */
static void strict(const char *path, const char *text, int proof, int nprob, const char *why)
{
    tctest_spit(path, text, strlen(text));
    const char *one[] = {path};
    tc_audit_report r = proof ? verify_all(wtrail, NULL, 0, one, 1, NULL,
                                           nprob ? TC_EINTEGRITY : 0)
                              : verify_all(wtrail, one, 1, NULL, 0, NULL,
                                           nprob ? TC_EINTEGRITY : 0);
    assert_int_equal(r.problems, nprob);
    if (why)
        has(problems, why);
}

/* A signature line "— NAME BASE64" by s over text. */
static void note_line(const tc_signer *s, const char *text, char *out, size_t n)
{
    uint8_t raw[4 + TC_SIGN_MAX];
    size_t sl;
    tc_err e;
    uint32_t id = tc_pubkey_note_id(tc_signer_pubkey(s), tc_signer_id(s));
    raw[0] = (uint8_t)(id >> 24), raw[1] = (uint8_t)(id >> 16), raw[2] = (uint8_t)(id >> 8);
    raw[3] = (uint8_t)id;
    assert_int_equal(tc_signer_sign(s, text, strlen(text), raw + 4, &sl, &e), 0);
    char b64[2 * (4 + TC_SIGN_MAX)];
    tc_b64_encode(raw, 4 + sl, b64);
    snprintf(out, n, "\xe2\x80\x94 %s %s\n", tc_signer_id(s), b64);
}

/* c2sp.org/signed-note, tlog-checkpoint and tlog-proof to the letter. */
static void test_strict_notes(void **state)
{
    (void)state;
    char p[1100], text[256], sig[512], note[8192], rB[64];
    in_dir(p, sizeof(p), "strict.checkpoint");
    root_b64(wtrail, 7, rB);
    snprintf(text, sizeof(text), WORIGIN "\n7\n%s\n", rB);
    note_line(county, text, sig, sizeof(sig));
    snprintf(note, sizeof(note), "%s\n%s", text, sig);
    strict(p, note, 0, 0, NULL);
    /* an empty extension line, right after the root or after another */
    snprintf(note, sizeof(note), "%s\n\n%s", text, sig);
    strict(p, note, 0, 1, "not a signed checkpoint: it has an empty extension line");
    snprintf(note, sizeof(note), "%sext\n\n\n%s", text, sig);
    strict(p, note, 0, 1, "not a signed checkpoint: it has an empty extension line");
    /* a non-empty extension line, signed, is a checkpoint */
    char text2[300], sig2[512];
    snprintf(text2, sizeof(text2), "%sext/1 hello\n", text);
    note_line(county, text2, sig2, sizeof(sig2));
    snprintf(note, sizeof(note), "%s\n%s", text2, sig2);
    strict(p, note, 0, 0, NULL);
    /* the origin, the size, the root */
    snprintf(note, sizeof(note), "\n7\n%s\n\n%s", rB, sig);
    strict(p, note, 0, 1, "it has an empty origin line");
    snprintf(note, sizeof(note), WORIGIN "\n07\n%s\n\n%s", rB, sig);
    strict(p, note, 0, 1, "has a tree size that is not a decimal number without leading zeros");
    snprintf(note, sizeof(note), WORIGIN "\t\n7\n%s\n\n%s", rB, sig);
    strict(p, note, 0, 1, "it holds a control character");
    snprintf(note, sizeof(note), WORIGIN "\xff\n7\n%s\n\n%s", rB, sig);
    strict(p, note, 0, 1, "it is not valid UTF-8");
    /* key names and signatures */
    snprintf(note, sizeof(note), "%s\n%s\xe2\x80\x94 a+b AAAAAAE=\n", text, sig);
    strict(p, note, 0, 1, "has a key name holding a space or '+'");
    snprintf(note, sizeof(note), "%s\n%s\xe2\x80\x94 a\xc2\xa0" "b AAAAAAE=\n", text, sig);
    strict(p, note, 0, 1, "has a key name holding a space or '+'");
    snprintf(note, sizeof(note), "%s\n%s\xe2\x80\x94 example.com/w !!!!\n", text, sig);
    strict(p, note, 0, 1, "has a signature that is not canonical base64");
    snprintf(note, sizeof(note), "%s\n%s\xe2\x80\x94 example.com/w AAAAAAF=\n", text, sig);
    strict(p, note, 0, 1, "has a signature that is not canonical base64");
    snprintf(note, sizeof(note), "%s\n%s\xe2\x80\x94 example.com/w AAAA\n", text, sig);
    strict(p, note, 0, 1, "has a signature shorter than a key id and one byte");
    snprintf(note, sizeof(note), "%s\n%s\xe2\x80\x94  AAAAAAE=\n", text, sig);
    strict(p, note, 0, 1, "has a signature line with an empty key name");
    /* an unknown key's long (post-quantum sized) signature is ignored */
    uint8_t big[2000];
    memset(big, 7, sizeof(big));
    char bigb64[2800];
    tc_b64_encode(big, sizeof(big), bigb64);
    snprintf(note, sizeof(note), "%s\n%s\xe2\x80\x94 example.com/pq %s\n", text, sig, bigb64);
    strict(p, note, 0, 0, NULL);

    /* proofs: the extra line must be canonical base64 of some bytes */
    char pf[1100], proof[8192];
    in_dir(pf, sizeof(pf), "strict.tlog-proof");
    snprintf(note, sizeof(note), "%s\n%s", text, sig);
    tctest_spit(p, note, strlen(note));
    tc_err e;
    assert_int_equal(tc_audit_prove(wtrail, p, 3, pf, &e), 0);
    char *good = slurp_text(pf), *rest = strchr(good, '\n') + 1;
    const char *hdr = "c2sp.org/tlog-proof@v1\n";
    strict(pf, good, 1, 0, NULL);
    snprintf(proof, sizeof(proof), "%sextra aGVsbG8=\n%s", hdr, rest);
    strict(pf, proof, 1, 0, NULL);
    snprintf(proof, sizeof(proof), "%sextra !!!!\n%s", hdr, rest);
    strict(pf, proof, 1, 1, "has an 'extra' line that is not canonical base64 of some bytes");
    snprintf(proof, sizeof(proof), "%sextra aGVsbG9=\n%s", hdr, rest);
    strict(pf, proof, 1, 1, "has an 'extra' line that is not canonical base64 of some bytes");
    snprintf(proof, sizeof(proof), "%sextra \n%s", hdr, rest);
    strict(pf, proof, 1, 1, "has an 'extra' line that is not canonical base64 of some bytes");
    snprintf(proof, sizeof(proof), "%sindex 02\n%s", hdr, strchr(rest, '\n') + 1);
    strict(pf, proof, 1, 1, "has no 'index N' line");
    /* a hash line with a blank after it */
    snprintf(proof, sizeof(proof), "%s", good);
    char *h = strstr(proof, "index 2\n") + 8, *eol = strchr(h, '\n');
    memmove(eol + 1, eol, strlen(eol) + 1);
    *eol = ' ';
    strict(pf, proof, 1, 1, "has a proof line that is not canonical base64 of a SHA-256 hash");
    /* an empty extension line in the proof's checkpoint */
    snprintf(proof, sizeof(proof), "%s", good);
    char *cpat = strstr(proof, "\n\n") + 2, *txt_end = strstr(cpat, "\n\n");
    memmove(txt_end + 1, txt_end, strlen(txt_end) + 1);
    strict(pf, proof, 1, 1, "has an empty extension line");
    free(good);
}

static int count_entries(void *arg, const json_t *en)
{
    (void)en;
    ++*(int *)arg;
    return 0;
}

/* each and show read the trail's lines as verify does: a line of exactly
 * max bytes (a JSON object, so each passes it on and show shows it) is
 * read, the next of max + 1 is refused at its line, naming the limit. */
static void each_and_show_limit(const char *t, size_t max)
{
    char *text = malloc(2 * max + 4);
    const char *head = "{\"command\":\"pad\",\"seq\":1,\"pad\":\"";
    size_t h = strlen(head);
    memcpy(text, head, h);
    memset(text + h, 'x', max - h - 2);
    memcpy(text + max - 2, "\"}\n", 3);
    memcpy(text + max + 1, text, max - 2);
    memcpy(text + 2 * max - 1, "x\"}\n", 4);
    tc_err e;
    int n = 0;
    tctest_spit(t, text, max + 1);
    tc_err_clear(&e);
    assert_int_equal(tc_audit_each(t, count_entries, &n, &e), 0);
    assert_int_equal(n, 1);
    char shown[1100];
    in_dir(shown, sizeof(shown), "limits.shown");
    FILE *f = fopen(shown, "w");
    assert_int_equal(tc_audit_show(t, f, &e), 0);
    fclose(f);
    size_t k;
    char *out = (char *)tctest_slurp(shown, &k);
    assert_non_null(strstr(out, "#1  ?  ? as ?  pad"));
    free(out);

    tctest_spit(t, text, 2 * max + 3);
    n = 0;
    tc_err_clear(&e);
    assert_int_equal(tc_audit_each(t, count_entries, &n, &e), TC_EINPUT);
    assert_int_equal(n, 1);
    assert_int_equal(e.line, 2);
    has(e.msg, "line 2 is longer than 1048576 bytes, the limit of a trail line");
    f = fopen(shown, "w");
    tc_err_clear(&e);
    assert_int_equal(tc_audit_show(t, f, &e), TC_EINPUT);
    fclose(f);
    has(e.msg, "line 2 is longer than 1048576 bytes, the limit of a trail line");
    out = (char *)tctest_slurp(shown, &k);
    assert_non_null(strstr(out, "#1  ?  ? as ?  pad"));
    assert_non_null(strstr(out, "line 2: longer than 1048576 bytes, not shown"));
    free(out);
    free(text);
}

/* The limits on what the trail's files hold (docs/audit.md, "Limits"),
 * each at its boundary: exactly at the limit read, one over refused with
 * a message naming the limit. */
static void test_limits(void **state)
{
    (void)state;
    char p[1100], text[256], sig[512], rB[64];
    /* signature lines on a checkpoint: 100, then 101 (unknown keys' lines
     * are ignored, but counted) */
    in_dir(p, sizeof(p), "limits.checkpoint");
    root_b64(wtrail, 7, rB);
    snprintf(text, sizeof(text), WORIGIN "\n7\n%s\n", rB);
    note_line(county, text, sig, sizeof(sig));
    size_t cap = 100000;
    char *note = malloc(cap);
    int k = snprintf(note, cap, "%s\n%s", text, sig);
    for (int i = 2; i <= 100; i++)
        k += snprintf(note + k, cap - (size_t)k, "\xe2\x80\x94 example.com/w%d AAAAAAE=\n", i);
    strict(p, note, 0, 0, NULL);
    snprintf(note + k, cap - (size_t)k, "\xe2\x80\x94 example.com/w101 AAAAAAE=\n");
    strict(p, note, 0, 1, "carries more than 100 signatures");

    /* hashes of a proof's path: 64 are read (and do not prove entry 3),
     * 65 are refused as such */
    char pf[1100];
    in_dir(pf, sizeof(pf), "limits.tlog-proof");
    snprintf(note, cap, "%s\n%s", text, sig);
    tctest_spit(p, note, strlen(note));
    k = snprintf(note, cap, "c2sp.org/tlog-proof@v1\nindex 2\n");
    for (int i = 0; i < 64; i++)
        k += snprintf(note + k, cap - (size_t)k, "%s\n", rB);
    snprintf(note + k, cap - (size_t)k, "\n%s\n%s", text, sig);
    strict(pf, note, 1, 1, "proof: entry 3 is not included");
    k += snprintf(note + k, cap - (size_t)k, "%s\n", rB);
    snprintf(note + k, cap - (size_t)k, "\n%s\n%s", text, sig);
    strict(pf, note, 1, 1, "has more than 64 proof hashes");
    free(note);

    /* a trail line: 1 MiB is read (and is no entry), a byte more is not */
    char t[1100];
    in_dir(t, sizeof(t), "limits.trail");
    size_t max = 1 << 20;
    char *line = malloc(max + 3);
    memset(line, 'x', max + 1);
    line[max] = '\n';
    tctest_spit(t, line, max + 1);
    verify_all(t, NULL, 0, NULL, 0, NULL, TC_EINTEGRITY);
    has(problems, "line 1 is not an entry");
    assert_null(strstr(problems, "longer than"));
    line[max] = 'x';
    line[max + 1] = '\n';
    tctest_spit(t, line, max + 2);
    verify_all(t, NULL, 0, NULL, 0, NULL, TC_EINTEGRITY);
    has(problems, "line 1 is longer than 1048576 bytes, the limit of a trail line");
    /* torn, a byte past the limit: too long, not merely torn */
    tctest_spit(t, line, max + 1);
    verify_all(t, NULL, 0, NULL, 0, NULL, TC_EINTEGRITY);
    has(problems, "line 1 is longer than 1048576 bytes, the limit of a trail line");
    /* nothing is appended after a last line past the limit, which is not
     * read; one at the limit is read, and is no entry */
    tc_audit_entry en = {.command = "x"};
    tc_audit *a;
    tc_err e;
    line[max] = '\n';
    tctest_spit(t, line, max + 1);
    assert_int_equal(tc_audit_open(&a, t, &e), 0);
    assert_int_equal(tc_audit_append(a, &en, county, NULL, &e), TC_EINTEGRITY);
    has(e.msg, "the audit trail's last line is not an entry");
    tc_audit_close(a);
    line[max] = 'x';
    line[max + 1] = '\n';
    tctest_spit(t, line, max + 2);
    assert_int_equal(tc_audit_open(&a, t, &e), 0);
    assert_int_equal(tc_audit_append(a, &en, county, NULL, &e), TC_EINTEGRITY);
    has(e.msg, "the audit trail's last line is longer than 1048576 bytes, the limit");
    tc_audit_close(a);
    free(line);
    each_and_show_limit(t, max);
}

/* The city's policy: each entry's key must hold its role; a checkpoint
 * needs the policy's witnesses; only a witness cosigns. */
static void test_policy(void **state)
{
    (void)state;
    char pol[1100], t[1100], tc[1100], cp[1100], st[1100];
    in_dir(pol, sizeof(pol), "policy.ini");
    in_dir(t, sizeof(t), "pol.trail");
    in_dir(tc, sizeof(tc), "polcp.trail");
    in_dir(cp, sizeof(cp), "pol.checkpoint");
    in_dir(st, sizeof(st), "pol.witness");
    char km[200], kc[200], kw[200], text[1200];
    assert_true(tc_pubkey_text(county_pub, km, sizeof(km)) > 0);
    assert_true(tc_pubkey_text(city_pub, kc, sizeof(kc)) > 0);
    assert_true(tc_pubkey_text(witness_pub, kw, sizeof(kw)) > 0);
    snprintf(text, sizeof(text), "[policy]\nformat = tongchou-policy/1\ncity = 220100\n"
             "origin = tongchou.example/pol\n[maker]\nkey = %s\n[checker]\nkey = %s\n"
             "[witness]\nkey = %s\n", km, kc, kw);
    tctest_spit(pol, text, strlen(text));
    tc_policy *p;
    tc_err e;
    if (tc_policy_load(&p, pol, &e))
        fail_msg("policy: %s", e.msg);
    unlink(t);
    record_as(t, 1, county, NULL);
    record_as(t, 2, county, "maker");
    record_as(t, 3, city, "checker");
    tc_audit_report r = verify_all(t, NULL, 0, NULL, 0, p, 0);
    assert_int_equal(r.entries, 3);
    record_as(t, 4, county, "checker");     /* the maker claims to be the checker */
    record_as(t, 5, stranger, NULL);        /* a key the city never listed */
    record_as(t, 6, county, "auditor");     /* a role the city does not have */
    r = verify_all(t, NULL, 0, NULL, 0, p, TC_EINTEGRITY);
    assert_int_equal(r.problems, 3);
    assert_int_equal(r.first_seq, 4);
    char want[512];
    snprintf(want, sizeof(want), "entry 4: key %s is a maker's key in the policy, not a "
             "checker's", tc_signer_id(county));
    has(problems, want);
    snprintf(want, sizeof(want), "entry 5 is signed by %s, a key the policy %s does not list",
             tc_signer_id(stranger), pol);
    has(problems, want);
    has(problems, "entry 6 claims the role 'auditor', which the policy does not know");
    /* --pub does not widen the policy: the stranger's key given, entry 5 still fails */
    const tc_pubkey *sk[] = {stranger_pub};
    tc_audit_verify_opts o = {.keys = sk, .nkeys = 1, .policy = p};
    assert_int_equal(tc_audit_verify(t, &o, &r, &e), TC_EINTEGRITY);
    assert_int_equal(r.problems, 3);

    /* checkpoints need a witness; only a witness cosigns */
    unlink(tc);
    record_as(tc, 1, county, "maker");
    record_as(tc, 2, city, "checker");
    const tc_signer *one[] = {county}, *strange[] = {stranger};
    assert_int_equal(tc_audit_checkpoint(tc, "tongchou.example/pol", one, 1, cp, &e), 0);
    const char *cps[] = {cp};
    r = verify_all(tc, cps, 1, NULL, 0, p, TC_EINTEGRITY);
    assert_int_equal(r.problems, 1);
    has(problems, "checkpoint: 0 valid witness signatures where the policy requires 1");
    tc_audit_cosign_opts co = {.state = st, .policy = p};
    char *before = slurp_text(cp);
    assert_int_equal(tc_audit_cosign(tc, cp, city, &co, &e), TC_EINTEGRITY);
    snprintf(want, sizeof(want), "cosigning a checkpoint: key %s is a checker's key in the "
             "policy, not a witness's", tc_signer_id(city));
    assert_string_equal(e.msg, want);
    assert_int_equal(tc_audit_cosign(tc, cp, stranger, &co, &e), TC_EINTEGRITY);
    has(e.msg, "is not in the policy");
    char *after = slurp_text(cp);
    assert_string_equal(after, before);
    free(after);
    assert_int_equal(tc_audit_cosign(tc, cp, witness, &co, &e), 0);
    verify_all(tc, cps, 1, NULL, 0, p, 0);
    /* the origin must be the policy's, and the log's key in it */
    char cpo[1100];
    in_dir(cpo, sizeof(cpo), "pol-other.checkpoint");
    assert_int_equal(tc_audit_checkpoint(tc, "elsewhere", one, 1, cpo, &e), 0);
    assert_int_equal(tc_audit_cosign(tc, cpo, witness, &co, &e), TC_EINTEGRITY);
    assert_string_equal(e.msg, "the checkpoint's origin is 'elsewhere', the policy's "
                               "'tongchou.example/pol'; not cosigned");
    assert_int_equal(tc_audit_checkpoint(tc, "tongchou.example/pol", strange, 1, cpo, &e), 0);
    assert_int_equal(tc_audit_cosign(tc, cpo, witness, &co, &e), TC_EINTEGRITY);
    assert_string_equal(e.msg, "no trusted key signed the checkpoint; not cosigned");
    free(before);
    tc_policy_free(p);
}

/* The same refusals from the command line: exit 5, the roots named. */
static void test_cli_forks(void **state)
{
    (void)state;
    const char *tc = tctest_tongchou();
    char err[1100], t[1100], honest[1100], cp[1100], pol[1100], polcp[1100], rF[64], rA[64];
    in_dir(err, sizeof(err), "cli-fork.err");
    in_dir(t, sizeof(t), "solo.trail");
    in_dir(honest, sizeof(honest), "solo-honest.trail");
    in_dir(cp, sizeof(cp), "cli-fork.checkpoint");
    in_dir(pol, sizeof(pol), "policy.ini");
    in_dir(polcp, sizeof(polcp), "polcp.trail");
    /* the solo trail (7 entries, checkpointed) rewritten from entry 6 */
    tctest_run("cp '%s' '%s'", t, honest);
    forge(honest, t, 6, raise_total, county);
    assert_int_equal(tctest_run("'%s' audit checkpoint --trail '%s' --key '%s/county.key' "
                                "--origin " SOLO " -o '%s' 2>'%s'", tc, t, dir, cp, err), 5);
    char *m = slurp_text(err);
    has(m, "the trail was rewritten");
    has(m, "refusing to sign 7 entries");
    free(m);
    assert_int_equal(access(cp, F_OK), -1);
    tctest_run("cp '%s' '%s'", honest, t);
    /* a witness with the default state folder, beside its key */
    char defstate[1100];
    in_dir(defstate, sizeof(defstate), "witness.witness");
    assert_int_equal(tctest_run("'%s' audit cosign --trail '%s' --key '%s/witness.key' --pub "
                                "'%s/county.pub' --checkpoint '%s' 2>'%s'", tc, wtrail, dir, dir,
                                cpB, err), 0);
    assert_int_equal(tctest_count_files(defstate), 1);
    root_b64(wtrail, 7, rA);
    root_b64(ftrail, 7, rF);
    assert_int_equal(tctest_run("'%s' audit cosign --trail '%s' --key '%s/witness.key' "
                                "--checkpoint '%s' 2>'%s'", tc, ftrail, dir, cpF7, err), 5);
    m = slurp_text(err);
    has(m, "fork: this witness cosigned 7 entries");
    has(m, rA);
    has(m, rF);
    free(m);
    /* verify with two checkpoints that fork */
    assert_int_equal(tctest_run("'%s' audit verify --trail '%s' --pub '%s/county.pub' "
                                "--checkpoint '%s' --checkpoint '%s' 2>'%s'", tc, wtrail, dir,
                                cpA, cpF, err), 5);
    m = slurp_text(err);
    has(m, "fork: ");
    has(m, "2 problems (the checkpoints fork)");
    free(m);
    assert_int_equal(tctest_run("'%s' audit verify --trail '%s' --pub '%s/county.pub' "
                                "--checkpoint '%s' --checkpoint '%s' 2>'%s'", tc, wtrail, dir,
                                cpA, cpB, err), 0);
    /* the policy: verify with it alone; a checker's key is no witness */
    char pcp[1100];
    in_dir(pcp, sizeof(pcp), "pol.checkpoint");
    assert_int_equal(tctest_run("'%s' audit verify --trail '%s' --policy '%s' --checkpoint '%s' "
                                "2>'%s'", tc, polcp, pol, pcp, err), 0);
    assert_int_equal(tctest_run("'%s' audit cosign --trail '%s' --policy '%s' --key "
                                "'%s/city.key' --state '%s/cli.state' --checkpoint '%s' 2>'%s'",
                                tc, polcp, pol, dir, dir, pcp, err), 5);
    m = slurp_text(err);
    has(m, "is a checker's key in the policy, not a witness's");
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_trail),
        cmocka_unit_test(test_flip_any_byte),
        cmocka_unit_test(test_delete_reorder_insert),
        cmocka_unit_test(test_checkpoint_truncate_root),
        cmocka_unit_test(test_checkpoint_keys),
        cmocka_unit_test(test_proofs),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_torn_and_repair),
        cmocka_unit_test(test_concurrent_appends),
        cmocka_unit_test(test_show_masks),
        cmocka_unit_test(test_rerun),
        cmocka_unit_test(test_cli),
        cmocka_unit_test(test_entry_bytes),
        cmocka_unit_test(test_dishonest_entries),
        cmocka_unit_test(test_old_format),
        cmocka_unit_test(test_checkpoint_store),
        cmocka_unit_test(test_witness),
        cmocka_unit_test(test_verify_forks),
        cmocka_unit_test(test_strict_notes),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_cli_forks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
