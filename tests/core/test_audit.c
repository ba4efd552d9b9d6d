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
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include "core/audit.h"
#include "core/digest.h"
#include "core/merkle.h"

#define TIME "2026-11-24T10:00:00Z"
#define ID "11010519491231002X"

static char dir[1024], trail[1100];
static tc_signer *county, *city, *stranger;
static tc_pubkey *county_pub, *city_pub, *stranger_pub;

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
    for (int i = 1; i <= 5; i++) {
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
    tc_pubkey_free(county_pub), tc_pubkey_free(city_pub), tc_pubkey_free(stranger_pub);
    tctest_rmtree(dir);
    return 0;
}

/* Append entry i (1-based) of the standard trail to path, signed by s. */
static void record(const char *path, int i, const tc_signer *s)
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
    tc_audit_command c = {.trail = path, .signer = s, .argc = 8, .argv = argv,
                          .inputs = ins, .ninputs = 2, .outputs = outs, .noutputs = 1,
                          .mappings = "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                          .records = "{\"contribution\":2000}", .totals = totals};
    tc_err e;
    tc_err_clear(&e);
    long long seq = 0;
    if (tc_audit_record_command(&c, &seq, &e))
        fail_msg("record: %s (%s)", e.msg, e.hint);
}

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
    tc_audit_verify_opts o = {.keys = keys, .nkeys = 2, .checkpoint = cp, .proofs = proofs,
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
                              "991b7852b855\",\"records\":{\"contribution\":2000},\"seq\":1,"));
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
    tc_audit_verify_opts o = {.keys = keys, .nkeys = 2, .checkpoint = cp};
    tc_audit_report r;
    /* a cosignature by an unknown key is ignored */
    assert_int_equal(tc_audit_checkpoint(trail, "o", one, 1, cp, &e), 0);
    assert_int_equal(tc_audit_cosign(trail, cp, stranger, &e), 0);
    assert_int_equal(tc_audit_verify(trail, &o, &r, &e), 0);
    /* ... but the city's signature, when required, must be there */
    o.required = req;
    o.nrequired = 1;
    assert_int_equal(tc_audit_verify(trail, &o, &r, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "required"));
    assert_int_equal(tc_audit_cosign(trail, cp, city, &e), 0);
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
