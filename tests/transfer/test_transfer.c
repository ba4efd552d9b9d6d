/*
 * test_transfer.c - the surplus transfer against a real private PostgreSQL:
 * the example city generated, mapped, reconciled and loaded; keys made with
 * tc_sign_keygen; then plan, approve and execute through the library.
 *
 * The city's key policy (core/policy.h) names maker, checker, waiver
 * authority and a second checker (the operations desk, who executes); a
 * stranger's key is in no role.  The reconciliation is recorded in the
 * trail by a reconcile entry, as the command records it.
 *
 * What is proved, with figures read from reconciliation.json itself:
 *   - the plan leaves out exactly the counties with blocking findings and
 *     plans every fund of the clean ones (220100, 220122), amount = cash;
 *   - after execute, per county and fund: the county cash accounts were
 *     credited by exactly the reconciled cash, the city sub-account debited
 *     by it, Σ out = Σ in, claims and debts carried over as reconciled;
 *   - executing again posts nothing; a plan made again from the same
 *     reconciliation holds the same ids and posts nothing;
 *   - refusals: no approval, same key approving, wrong maker key, checker's
 *     public key missing, one altered byte, an altered amount re-signed,
 *     the reconciliation changed, a loaded batch replaced after planning,
 *     a transfer row found with other content (exit 5 each, nothing posted);
 *   - waivers: a valid one lets 220113 through; one naming a finding the
 *     reconciliation lacks, an unsigned one, one by an untrusted key, one
 *     naming only some of the findings;
 *   - two executions at once post once;
 *   - corrections after the money moved: a top-up and a refund of exactly
 *     the difference, each once, the city sub-account then the corrected
 *     cash; a correction with the maker's own amount, or a stale one, refused;
 *   - a fund handed over at its own cutover: its plan line carries the date,
 *     execute posts its cash accounts' closing at that date and the claims
 *     and debts owed then; a line whose date was edited and re-signed is
 *     refused;
 *   - a split pool: reconcile names what is unallocated, the plan's line
 *     carries the allocation's shares, each sub-ledger gets exactly its
 *     share; shares moved or dropped and re-signed are refused.
 *
 * Each test works in a database of its own on the binary's one server.
 */
#include "tests/support/tctest.h"

#include <jansson.h>
#include <pthread.h>
#include <sys/stat.h>

#include "core/audit.h"
#include "core/batch.h"
#include "core/sign.h"
#include "db/db.h"
#include "load/load.h"
#include "db/schema.h"
#include "transfer/transfer.h"
#include "transfer/transfer_int.h"
#include "mappings/mapset.h"
#include "reconcile/reconcile.h"
#include "tests/support/cityfix.h"
#include "tests/support/pgtest.h"
#include "transform/map.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"
#define RECORDS 300

static char *work, recon[1200], trail[1200], policyfile[1200];
static char key[6][1200], pub[6][1200];    /* maker, checker, waiver, ops, stranger, sm2 */
enum { MAKER, CHECKER, WAIVER, OPS, STRANGER, SM2 };
static const char *kname[] = {"maker", "checker", "waiver", "ops", "stranger", "sm2checker"};
static tc_policy *pol;
static char paths[70][1300];
static const char *all[70];
static json_t *rdoc;
static tc_mapset *set;   /* the mapping set, loaded once */

/* Append the entry `tongchou reconcile` appends for the reconciliation at
 * path, signed by the maker. */
static int record_reconcile(const char *path, tc_err *e)
{
    tc_signer *s;
    int rc = tc_signer_load(&s, key[MAKER], e);
    if (rc)
        return rc;
    char *argv[] = {"reconcile", "-m", SET, "-o", "recon"};
    const char *outs[] = {path};
    tc_audit_command c = {.trail = trail, .signer = s, .argc = 5, .argv = argv,
                          .inputs = all, .ninputs = 70, .outputs = outs, .noutputs = 1};
    rc = tc_audit_record_command(&c, NULL, e);
    tc_signer_free(s);
    return rc;
}

static int setup(void **state)
{
    char county_dir[1024], rdir[1100];
    work = tctest_tmpdir();
    if (!work || cityfix_build(work, RECORDS, 0, county_dir, sizeof(county_dir)) ||
        cityfix_map(work, county_dir, paths, all))
        return -1;
    int n = 70;
    tc_err e;
    int status;
    snprintf(rdir, sizeof(rdir), "%s/recon", work);
    mkdir(rdir, 0755);
    int rc = tc_mapset_load(&set, SET, &e);
    if (!rc)
        rc = tc_reconcile_run(set, all, n, NULL, rdir, NULL, NULL, &status, &e);
    if (rc) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return -1;
    }
    snprintf(recon, sizeof(recon), "%s/reconciliation.json", rdir);
    snprintf(trail, sizeof(trail), "%s/audit.trail", work);
    for (int i = 0; i < 6; i++) {
        char base[1100], id[TC_KEYID_MAX];
        snprintf(base, sizeof(base), "%s/%s", work, kname[i]);
        if (tc_sign_keygen(i == SM2 ? TC_SIGN_SM2 : TC_SIGN_ED25519, base, id, &e)) {
            fprintf(stderr, "setup: %s\n", e.msg);
            return -1;
        }
        snprintf(key[i], sizeof(key[i]), "%s.key", base);
        snprintf(pub[i], sizeof(pub[i]), "%s.pub", base);
    }
    /* the policy: the stranger's key is in no role */
    const char *mk[] = {pub[MAKER], NULL}, *ck[] = {pub[CHECKER], pub[OPS], pub[SM2], NULL};
    const char *wk[] = {pub[WAIVER], NULL};
    tc_policy_spec spec = {.city = "220100", .origin = "test"};
    spec.pubs[TC_ROLE_MAKER] = mk;
    spec.pubs[TC_ROLE_CHECKER] = ck;
    spec.pubs[TC_ROLE_WAIVER] = wk;
    snprintf(policyfile, sizeof(policyfile), "%s/policy.ini", work);
    if (tc_policy_make(&spec, policyfile, &e) || tc_policy_load(&pol, policyfile, &e)) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return -1;
    }
    /* the reconcile entry, as `tongchou reconcile` writes it */
    if (record_reconcile(recon, &e)) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return -1;
    }
    json_error_t je;
    if (!(rdoc = json_load_file(recon, 0, &je)))
        return -1;
    return pgtest_setup(state);
}

static int teardown(void **state)
{
    int rc = pgtest_teardown(state);
    tc_mapset_free(set);
    tc_policy_free(pol);
    json_decref(rdoc);
    tctest_rmtree(work);
    free(work);
    return rc;
}

/* A fresh database with the schema, every batch and the reconciliation
 * rec loaded; its conninfo. */
static const char *fresh_db_with(const char *name, const char *rec)
{
    static char ci[8][1024];
    static int k;
    char *c = ci[k++ % 8];
    assert_int_equal(pgtest_createdb(name), 0);
    snprintf(c, 1024, "%s", tc_pgserver_conninfo(pgtest_server(), name));
    int from, to;
    tc_err e;
    if (tc_schema_install(c, 1, &from, &to, &e))
        fail_msg("db init: %s", e.msg);
    tc_load_opts o = {.db = c};
    tc_load_stats st;
    if (tc_load_run(&o, all, 70, &st, &e))
        fail_msg("load: %s", e.msg);
    assert_int_equal(st.loaded, 70);
    /* and the reconciliation, which the transfer checks against */
    const char *rep[] = {rec};
    if (tc_load_run(&o, rep, 1, &st, &e))
        fail_msg("load the reconciliation: %s", e.msg);
    return c;
}

static const char *fresh_db(const char *name)
{
    return fresh_db_with(name, recon);
}

static char *argv_plan[] = {"transfer", "plan"};

/* What the last plan told of the pools and funds it left out, one
 * "pool[/fund]: reason (findings)" per line, and what the last approval
 * said it approved. */
static char left_out[8192];
static tc_transfer_approve_summary approved;

static void on_left_out(void *arg, const tc_transfer_left_out *x)
{
    char *b = arg;
    size_t n = strlen(b);
    snprintf(b + n, sizeof(left_out) - n, "%s%s%s: %s (%d)\n", x->pool, x->fund ? "/" : "",
             x->fund ? x->fund : "", x->reason, x->nfindings);
}

static int plan_as(const char *db, const char *out, const char *rec, int who,
                   const char *const *waivers, int nw, tc_transfer_plan_summary *s, tc_err *e)
{
    tc_transfer_plan_opts o = {.db = db, .reconciliation = rec, .key = key[who],
                               .waivers = waivers, .nwaivers = nw, .policy = pol, .out = out,
                               .audit = {trail, 2, argv_plan}, .on_left_out = on_left_out,
                               .arg = left_out};
    left_out[0] = '\0';
    return tc_transfer_plan(&o, s, e);
}

static int plan(const char *db, const char *out, const char *const *waivers, int nw,
                tc_transfer_plan_summary *s, tc_err *e)
{
    return plan_as(db, out, recon, MAKER, waivers, nw, s, e);
}

static int approve_with(const char *db, const char *p, const char *rec, int who, tc_err *e)
{
    static char *argv[] = {"transfer", "approve"};
    tc_transfer_approve_opts o = {.db = db, .plan = p, .reconciliation = rec, .key = key[who],
                                  .policy = pol, .audit = {trail, 2, argv}};
    return tc_transfer_approve(&o, &approved, e);
}

static int approve(const char *db, const char *p, int who, tc_err *e)
{
    return approve_with(db, p, recon, who, e);
}

static int execute(const char *db, const char *p, const char *rec, tc_transfer_exec_summary *s,
                   tc_err *e)
{
    static char *argv[] = {"transfer", "execute"};
    tc_transfer_exec_opts o = {.db = db, .plan = p, .reconciliation = rec, .mappings = set,
                               .policy = pol, .key = key[OPS], .audit = {trail, 2, argv}};
    return tc_transfer_execute(&o, s, e);
}

/* A path in the work folder. */
static const char *wpath(const char *name)
{
    static char p[64][1300];
    static int k;
    char *s = p[k++ % 64];
    snprintf(s, 1300, "%s/%s", work, name);
    return s;
}

/* The reconciled figure k of county and fund, in fen. */
static long long fig(const char *county, const char *fund, const char *k)
{
    size_t i, j;
    json_t *c, *f;
    json_array_foreach(json_object_get(rdoc, "counties"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "county")), county) != 0)
            continue;
        json_array_foreach(json_object_get(c, "funds"), j, f) {
            if (strcmp(json_string_value(json_object_get(f, "fund")), fund) != 0)
                continue;
            tc_fen v;
            tc_err e;
            const char *s = json_string_value(json_object_get(f, k));
            assert_non_null(s);
            assert_int_equal(tc_money_parse_yuan(s, strlen(s), &v, &e), 0);
            return v;
        }
    }
    fail_msg("no %s/%s in the reconciliation", county, fund);
    return 0;
}

/* The counties with a blocking finding, and the findings of one. */
static int blocking(const char *county, char keys[][256], int max)
{
    size_t i, j;
    json_t *c, *f;
    int n = 0;
    json_array_foreach(json_object_get(rdoc, "counties"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "county")), county) != 0)
            continue;
        json_array_foreach(json_object_get(c, "findings"), j, f) {
            if (strcmp(json_string_value(json_object_get(f, "severity")), "blocking") != 0)
                continue;
            if (n < max)
                snprintf(keys[n], 256, "%s/%s/%s",
                         json_string_value(json_object_get(f, "code")),
                         json_string_value(json_object_get(f, "fund")),
                         json_string_value(json_object_get(f, "ref")));
            n++;
        }
    }
    return n;
}

static long long q(PGconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static long long q(PGconn *c, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    return pgtest_value(c, sql);
}

/* Every transfer of plan file p is posted as domain.md says, with the
 * reconciled figures; returns how many transfers it holds. */
static int assert_posted(PGconn *c, const char *p)
{
    json_error_t je;
    json_t *d = json_load_file(p, 0, &je), *t;
    assert_non_null(d);
    size_t i;
    long long out = 0, in = 0;
    json_array_foreach(json_object_get(d, "transfers"), i, t) {
        const char *id = json_string_value(json_object_get(t, "id"));
        const char *county = json_string_value(json_object_get(t, "county"));
        const char *fund = json_string_value(json_object_get(t, "fund"));
        long long cash = fig(county, fund, "cash");
        assert_true(cash > 0);
        assert_int_equal(q(c, "SELECT amount FROM tongchou.transfer WHERE plan = '%s' AND "
                              "state = 'executed' AND prepared_by <> approved_by", id), cash);
        /* county: 5401 debited by the cash, the cash accounts credited by it */
        assert_int_equal(q(c, "SELECT sum(debit) FROM tongchou.posting WHERE plan = '%s' AND "
                              "ledger = 'county' AND account = '5401'", id), cash);
        long long cr = q(c, "SELECT sum(credit - debit) FROM tongchou.posting WHERE plan = '%s' "
                            "AND ledger = 'county' AND account IN ('1001','1002','1003','1004')",
                         id);
        assert_int_equal(cr, cash);
        /* county cash zero: closing at cutover less what was credited */
        assert_int_equal(q(c, "SELECT sum(closing) FROM tongchou.balance b WHERE county = '%s' "
                              "AND fund = '%s' AND account IN ('1001','1002','1003','1004') AND "
                              "period = (SELECT max(period) FROM tongchou.balance x WHERE "
                              "x.county = b.county AND x.fund = b.fund AND x.account = "
                              "b.account)", county, fund) - cr, 0);
        /* city: the county's sub-account of 1003 debited, 4701 credited */
        long long dr = q(c, "SELECT sum(debit - credit) FROM tongchou.posting WHERE plan = '%s' "
                            "AND ledger = 'city' AND account = '1003/%s'", id, county);
        assert_int_equal(dr, cash);
        assert_int_equal(q(c, "SELECT sum(credit) FROM tongchou.posting WHERE plan = '%s' AND "
                              "ledger = 'city' AND account = '4701/%s'", id, county), cash);
        /* claims and debts carried over as reconciled */
        assert_int_equal(q(c, "SELECT coalesce(sum(debit), 0) FROM tongchou.posting WHERE plan ="
                              " '%s' AND account = 'claims/%s'", id, county),
                         fig(county, fund, "employer_arrears") +
                             fig(county, fund, "subsidy_shortfall"));
        assert_int_equal(q(c, "SELECT coalesce(sum(credit), 0) FROM tongchou.posting WHERE plan"
                              " = '%s' AND account = 'debts/%s'", id, county),
                         fig(county, fund, "institution_payables"));
        out += cr;
        in += dr;
    }
    assert_int_equal(out, in);
    int n = (int)json_array_size(json_object_get(d, "transfers"));
    json_decref(d);
    return n;
}

/* The plan's transfers and excluded counties, as "county/fund" and "county". */
static void plan_lists(const char *p, char *tr, char *ex, size_t n)
{
    json_error_t je;
    json_t *d = json_load_file(p, 0, &je), *t;
    assert_non_null(d);
    size_t i;
    tr[0] = ex[0] = 0;
    json_array_foreach(json_object_get(d, "transfers"), i, t)
        snprintf(tr + strlen(tr), n - strlen(tr), "%s/%s ",
                 json_string_value(json_object_get(t, "county")),
                 json_string_value(json_object_get(t, "fund")));
    json_array_foreach(json_object_get(d, "excluded"), i, t)
        snprintf(ex + strlen(ex), n - strlen(ex), "%s ",
                 json_string_value(json_object_get(t, "county")));
    json_decref(d);
}

/* A valid batch at to holding every record of the batch at from but the
 * last: another batch of the same county and type. */
static void shorter_copy(const char *from, const char *to)
{
    tc_batch_reader *r;
    tc_batch_writer *w;
    tc_err e;
    assert_int_equal(tc_batch_open(&r, from, 0, &e), 0);
    assert_int_equal(tc_batch_create(&w, to, tc_batch_header_of(r), &e), 0);
    const tc_value *v;
    long long n = 0, total = 0;
    while (tc_batch_next(r, &v, &e) == 1)
        total++;
    tc_batch_close(r);
    assert_int_equal(tc_batch_open(&r, from, 0, &e), 0);
    while (tc_batch_next(r, &v, &e) == 1 && ++n < total)
        assert_int_equal(tc_batch_write(w, v, &e), 0);
    tc_batch_close(r);
    tc_batch_summary sum;
    assert_int_equal(tc_batch_commit(w, &sum, &e), 0);
    assert_int_equal((long long)sum.count, total - 1);
}

/* ------------------------------------------------------------------ tests */

static void test_left_out_text(void **state)
{
    (void)state;
    const char *f[] = {"A/310/1", "B/310/2", "C/310/3", "D/310/4", "E/310/5", "F/310/6",
                       "G/310/7"};
    tc_transfer_left_out x = {"220184", "220381", NULL, "blocking findings not waived", f, 7};
    char b[1024];
    assert_string_equal(tc_transfer_left_out_text(&x, b, sizeof(b)),
                        "every fund: blocking findings not waived: A/310/1, B/310/2, C/310/3, "
                        "D/310/4, E/310/5, and 2 more");
    tc_transfer_left_out y = {"220112", "220112", "310", "nothing loaded", NULL, 0};
    assert_string_equal(tc_transfer_left_out_text(&y, b, sizeof(b)), "fund 310: nothing loaded");
    char small[16];
    assert_string_equal(tc_transfer_left_out_text(&x, small, sizeof(small)), "every fund: blo");
}

static void test_plan_execute(void **state)
{
    (void)state;
    const char *db = fresh_db("run");
    const char *p = wpath("run.plan");
    tc_transfer_plan_summary ps;
    tc_err e;
    if (plan(db, p, NULL, 0, &ps, &e))
        fail_msg("plan: %s", e.msg);
    char tr[2048], ex[2048];
    plan_lists(p, tr, ex, sizeof(tr));
    assert_string_equal(tr, "220100/310 220100/330 220100/390 220122/310 220122/390 ");
    assert_string_equal(ex, "220112 220113 220182 220183 220184 ");
    assert_int_equal(ps.transfers, 5);
    assert_int_equal(ps.excluded, 5);
    assert_int_equal(ps.total, fig("220100", "310", "cash") + fig("220100", "330", "cash") +
                                   fig("220100", "390", "cash") + fig("220122", "310", "cash") +
                                   fig("220122", "390", "cash"));
    /* each pool left out told, with its reason and the findings holding it */
    assert_string_equal(left_out, "220112: blocking findings not waived (2)\n"
                                  "220113: blocking findings not waived (2)\n"
                                  "220182: blocking findings not waived (1)\n"
                                  "220183: blocking findings not waived (2)\n"
                                  "220381: blocking findings not waived (3)\n");
    if (approve(db, p, CHECKER, &e))
        fail_msg("approve: %s", e.msg);
    /* what was approved, as the plan's summary said it */
    assert_int_equal(approved.transfers, 5);
    assert_int_equal(approved.corrections, 0);
    assert_int_equal(approved.total, ps.total);
    assert_int_equal(approved.approvals, 1);
    assert_int_equal(approved.needed, 1);
    tc_signer *ck;
    assert_int_equal(tc_signer_load(&ck, key[CHECKER], &e), 0);
    assert_string_equal(approved.checker, tc_signer_id(ck));
    tc_signer_free(ck);
    tc_transfer_exec_summary s;
    if (execute(db, p, recon, &s, &e))
        fail_msg("execute: %s", e.msg);
    assert_int_equal(s.posted, 5);
    assert_int_equal(s.already, 0);
    assert_int_equal(s.posted_total, ps.total);
    PGconn *c = pgtest_connect("run");
    assert_int_equal(assert_posted(c, p), 5);
    long long lines = q(c, "SELECT count(*) FROM tongchou.posting");
    assert_true(lines >= 5 * 5);
    /* again: nothing posted, each transfer already done */
    assert_int_equal(execute(db, p, recon, &s, &e), 0);
    assert_int_equal(s.posted, 0);
    assert_int_equal(s.already, 5);
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.posting"), lines);
    /* a plan made again from the same reconciliation has nothing left to
     * move: every fund moved already */
    const char *p2 = wpath("run2.plan");
    assert_int_equal(plan(db, p2, NULL, 0, &ps, &e), 0);
    assert_int_equal(ps.transfers, 0);
    assert_int_equal(ps.already, 5);
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer"), 5);
    /* a transfer found with other content: integrity failure, nothing changes */
    pgtest_exec(c, "UPDATE tongchou.posting SET debit = debit + 1 WHERE line = 1 AND county = "
                   "'220122' AND fund = '390'");
    assert_int_equal(execute(db, p, recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "other content"));
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.posting"), lines);
    /* the trail: plan, approve, execute x2, plan, approve, execute (the
     * failed execute records nothing) */
    size_t n = 0;
    unsigned char *t = tctest_slurp(trail, &n);
    assert_non_null(t);
    int entries = 0;
    for (size_t i = 0; i < n; i++)
        entries += t[i] == '\n';
    assert_true(entries >= 7);
    assert_non_null(strstr((char *)t, "\"after_checks\""));
    free(t);
    /* after the money moved, a county's loaded data is not replaced: the
     * transfer rests on it (issue 17) */
    char from[1300];
    const char *copy = wpath("220100.payable.tcb");
    snprintf(from, sizeof(from), "%s", all[0]);
    for (int k = 0; k < 70; k++)
        if (strstr(all[k], "/220100.payable.tcb"))
            snprintf(from, sizeof(from), "%s", all[k]);
    shorter_copy(from, copy);
    tc_load_opts lo = {.db = db, .replace = 1};
    tc_load_stats lst;
    const char *one[] = {copy};
    assert_int_not_equal(tc_load_run(&lo, one, 1, &lst, &e), 0);
    assert_int_equal(lst.failed, 1);
    assert_int_equal(lst.replaced, 0);
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.batch WHERE county = '220100' AND "
                          "type = 'payable' AND state = 'complete'"), 1);
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.replaced"), 0);
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.load_failure WHERE error LIKE "
                          "'%%cannot be replaced%%'"), 1);
    PQfinish(c);
}

/* Write doc re-signed by the maker (and the checker when approve). */
static void resign(json_t *d, const char *path, int approved)
{
    tc_signer *s;
    tc_err e;
    json_object_del(d, "signatures");
    assert_int_equal(tc_signer_load(&s, key[MAKER], &e), 0);
    assert_int_equal(xfer_sign(d, s, "transfer-plan", "maker", &e), 0);
    tc_signer_free(s);
    if (approved) {
        assert_int_equal(tc_signer_load(&s, key[CHECKER], &e), 0);
        assert_int_equal(xfer_sign(d, s, "transfer-plan", "checker", &e), 0);
        tc_signer_free(s);
    }
    assert_int_equal(xfer_write(d, path, &e), 0);
}

static void test_refusals(void **state)
{
    (void)state;
    const char *db = fresh_db("refuse");
    const char *p = wpath("refuse.plan");
    tc_transfer_plan_summary ps;
    tc_transfer_exec_summary s;
    tc_err e;
    assert_int_equal(plan(db, p, NULL, 0, &ps, &e), 0);
    PGconn *c = pgtest_connect("refuse");
    /* no approval */
    assert_int_equal(execute(db, p, recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "not approved"));
    /* the maker's own key cannot approve: the policy gives it another role */
    assert_int_equal(approve(db, p, MAKER, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is a maker's key in the policy, not a checker's"));
    /* nor can a key the policy does not list */
    assert_int_equal(approve(db, p, STRANGER, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is not in the policy"));
    /* a checker key others may read signs nothing, and the plan is as it was */
    size_t n0 = 0;
    char *before = (char *)tctest_slurp(p, &n0);
    chmod(key[CHECKER], 0644);
    assert_int_equal(approve(db, p, CHECKER, &e), TC_EINPUT);
    chmod(key[CHECKER], 0600);
    size_t n1 = 0;
    char *after = (char *)tctest_slurp(p, &n1);
    assert_true(n0 == n1 && memcmp(before, after, n0) == 0);
    free(before);
    free(after);
    assert_int_equal(approve(db, p, CHECKER, &e), 0);
    /* approving again, by another checker: the policy's one approval is there */
    assert_int_equal(approve(db, p, OPS, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "already"));
    char cmd[4096];
    /* one byte altered: the first digit of the first amount */
    size_t n = 0;
    char *b = (char *)tctest_slurp(p, &n);
    assert_non_null(b);
    char *a = strstr(b, "\"amount\":\"");
    assert_non_null(a);
    a += 10;
    *a = *a == '9' ? '8' : (char)(*a + 1);
    assert_int_equal(tctest_spit(wpath("byte.plan"), b, n), 0);
    free(b);
    assert_int_equal(execute(db, wpath("byte.plan"), recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "does not verify"));
    /* an altered amount with its id recomputed and both signatures redone:
     * the amount is not the reconciled cash */
    json_error_t je;
    json_t *d = json_load_file(p, 0, &je);
    json_t *t0 = json_array_get(json_object_get(d, "transfers"), 0);
    tc_fen amt;
    const char *as = json_string_value(json_object_get(t0, "amount"));
    assert_int_equal(tc_money_parse_yuan(as, strlen(as), &amt, &e), 0);
    char id[65], yb[TC_MONEY_BUFSZ];
    assert_int_equal(tc_transfer_id(json_string_value(json_object_get(d, "reconciliation")),
                                    json_string_value(json_object_get(t0, "county")),
                                    json_string_value(json_object_get(t0, "pool")),
                                    json_string_value(json_object_get(t0, "fund")), amt + 100,
                                    id, &e), 0);
    json_object_set_new(t0, "amount", json_string(tc_money_format(amt + 100, yb)));
    json_object_set_new(t0, "id", json_string(id));
    resign(d, wpath("amount.plan"), 1);
    json_decref(d);
    assert_int_equal(execute(db, wpath("amount.plan"), recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "not the reconciled cash"));
    /* the reconciliation given is not the one planned from */
    b = (char *)tctest_slurp(recon, &n);
    assert_int_equal(tctest_spit(wpath("other.json"), b, n - 1), 0); /* no final newline */
    free(b);
    if (execute(db, p, wpath("other.json"), &s, &e) != TC_EINTEGRITY)
        fail_msg("other reconciliation: %s", e.msg);
    assert_non_null(strstr(e.msg, "made from reconciliation"));
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer"), 0);
    /* another mapping set (one note changed) than the plan names */
    snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && sed -i 's/^\\*,employer,employer,,,/&changed/' "
             "'%s/kind.csv'", SET, wpath("map2"),
             wpath("map2"));
    assert_int_equal(system(cmd), 0);
    static char *xargv[] = {"transfer", "execute"};
    tc_mapset *map2 = NULL;
    assert_int_equal(tc_mapset_load(&map2, wpath("map2"), &e), 0);
    tc_transfer_exec_opts mo = {.db = db, .plan = p, .reconciliation = recon, .mappings = map2,
                                .policy = pol, .key = key[OPS], .audit = {trail, 2, xargv}};
    assert_int_equal(tc_transfer_execute(&mo, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "mapping set"));
    tc_mapset_free(map2);
    /* a loaded batch of a planned county replaced after planning */
    pgtest_exec(c, "UPDATE tongchou.batch SET state = 'replaced' WHERE county = '220122' AND "
                   "type = 'payable'");
    assert_int_equal(execute(db, p, recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "loaded batches"));
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer"), 0);
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.posting"), 0);
    pgtest_exec(c, "UPDATE tongchou.batch SET state = 'complete' WHERE county = '220122' AND "
                   "type = 'payable'");
    /* a loaded payable altered behind the register's back: the after-check
     * finds the debts differ, and the whole plan rolls back */
    pgtest_exec(c, "UPDATE tongchou.payable SET paid = paid - 1 WHERE county = '220122' AND "
                   "(src_county, src_record) = (SELECT src_county, min(src_record) FROM "
                   "tongchou.payable WHERE county = '220122' AND fund = '310' GROUP BY 1 "
                   "LIMIT 1)");
    assert_int_equal(execute(db, p, recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "after-check failed"));
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer"), 0);
    pgtest_exec(c, "UPDATE tongchou.payable SET paid = paid + 1 WHERE county = '220122' AND "
                   "(src_county, src_record) = (SELECT src_county, min(src_record) FROM "
                   "tongchou.payable WHERE county = '220122' AND fund = '310' GROUP BY 1 "
                   "LIMIT 1)");
    /* and with everything right it goes through */
    assert_int_equal(execute(db, p, recon, &s, &e), 0);
    assert_int_equal(s.posted, 5);
    PQfinish(c);
}

static void test_waivers(void **state)
{
    (void)state;
    const char *db = fresh_db("waive");
    char f[16][256];
    int nf = blocking("220113", f, 16);
    assert_int_equal(nf, 2); /* VOUCHER_UNBALANCED, EQUATION_BREAK */
    const char *names[16];
    for (int i = 0; i < nf; i++)
        names[i] = f[i];
    static char *argv[] = {"transfer", "waive"};
    tc_transfer_waive_opts w = {.reconciliation = recon, .county = "220113", .findings = names,
                                .nfindings = nf, .reason = "the 0.01 was corrected by the bank",
                                .key = key[WAIVER], .policy = pol,
                                .out = wpath("220113.waiver"),
                                .audit = {trail, 2, argv}};
    tc_err e;
    assert_int_equal(tc_transfer_waive(&w, &e), 0);
    /* a finding the county does not have: refused */
    const char *wrong[] = {"VOUCHER_UNBALANCED/310/2099-01-0001"};
    tc_transfer_waive_opts w2 = w;
    w2.findings = wrong;
    w2.nfindings = 1;
    w2.out = wpath("wrong.waiver");
    assert_int_equal(tc_transfer_waive(&w2, &e), TC_EINPUT);
    /* a waiver naming half the findings */
    w2.findings = names;
    w2.out = wpath("half.waiver");
    assert_int_equal(tc_transfer_waive(&w2, &e), 0);

    /* the same finding twice in one waiver: refused */
    const char *twice[] = {names[0], names[0]};
    w2.findings = twice;
    w2.nfindings = 2;
    w2.out = wpath("twice.waiver");
    assert_int_equal(tc_transfer_waive(&w2, &e), TC_EUSAGE);
    assert_non_null(strstr(e.msg, "named twice"));
    /* a key that is not a waiver authority's signs no waiver */
    w2.findings = names;
    w2.nfindings = nf;
    w2.key = key[CHECKER];
    w2.out = wpath("checker.waiver");
    assert_int_equal(tc_transfer_waive(&w2, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "not a waiver's"));
    struct stat st;
    assert_int_not_equal(stat(wpath("checker.waiver"), &st), 0);

    const char *p = wpath("waived.plan");
    const char *ws[] = {wpath("220113.waiver")};
    tc_transfer_plan_summary ps;
    char tr[2048], ex[2048];
    if (plan(db, p, ws, 1, &ps, &e))
        fail_msg("plan: %s", e.msg);
    plan_lists(p, tr, ex, sizeof(tr));
    assert_string_equal(tr, "220100/310 220100/330 220100/390 220113/310 220113/390 220122/310 "
                            "220122/390 ");
    assert_string_equal(ex, "220112 220182 220183 220184 ");
    assert_int_equal(ps.waived, 1);
    /* half a waiver: 220113 stays out */
    const char *hs[] = {wpath("half.waiver")};
    assert_int_equal(plan(db, wpath("half.plan"), hs, 1, &ps, &e), 0);
    plan_lists(wpath("half.plan"), tr, ex, sizeof(tr));
    assert_string_equal(ex, "220112 220113 220182 220183 220184 ");
    /* signed by a key the policy does not give the waiver role */
    json_error_t je;
    json_t *d = json_load_file(ws[0], 0, &je);
    json_object_del(d, "signatures");
    tc_signer *s;
    assert_int_equal(tc_signer_load(&s, key[STRANGER], &e), 0);
    assert_int_equal(xfer_sign(d, s, "waiver", "waiver", &e), 0);
    tc_signer_free(s);
    assert_int_equal(xfer_write(d, wpath("stranger.waiver"), &e), 0);
    const char *sw[] = {wpath("stranger.waiver")};
    assert_int_equal(plan(db, wpath("x.plan"), sw, 1, &ps, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is not in the policy"));
    /* unsigned */
    json_object_del(d, "signatures");
    assert_int_equal(xfer_write(d, wpath("unsigned.waiver"), &e), 0);
    const char *us[] = {wpath("unsigned.waiver")};
    assert_int_equal(plan(db, wpath("x.plan"), us, 1, &ps, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "carries no signature"));
    /* naming a wrong finding, validly signed: refused */
    json_array_append_new(json_object_get(d, "findings"),
                          json_pack("{s:s, s:s, s:s, s:s}", "county", "220113", "code",
                                    "EQUATION_BREAK", "fund", "390", "ref", "2021-06"));
    assert_int_equal(tc_signer_load(&s, key[WAIVER], &e), 0);
    assert_int_equal(xfer_sign(d, s, "waiver", "waiver", &e), 0);
    tc_signer_free(s);
    assert_int_equal(xfer_write(d, wpath("wrongf.waiver"), &e), 0);
    json_decref(d);
    const char *wf[] = {wpath("wrongf.waiver")};
    assert_int_equal(plan(db, wpath("x.plan"), wf, 1, &ps, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "not a blocking finding"));
    assert_int_not_equal(stat(wpath("x.plan"), &st), 0); /* nothing written */
    /* the waived plan executes, 220113 included */
    assert_int_equal(approve(db, p, CHECKER, &e), 0);
    tc_transfer_exec_summary es;
    if (execute(db, p, recon, &es, &e))
        fail_msg("execute: %s", e.msg);
    assert_int_equal(es.posted, 7);
    PGconn *c = pgtest_connect("waive");
    assert_int_equal(assert_posted(c, p), 7);
    PQfinish(c);
}

typedef struct job {
    const char *db, *plan;
    tc_transfer_exec_summary s;
    int rc;
    tc_err e;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->rc = execute(j->db, j->plan, recon, &j->s, &j->e);
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    const char *db = fresh_db("conc");
    const char *p = wpath("conc.plan"), *p2 = wpath("conc2.plan");
    tc_transfer_plan_summary ps;
    tc_err e;
    assert_int_equal(plan(db, p, NULL, 0, &ps, &e), 0);
    assert_int_equal(approve(db, p, CHECKER, &e), 0);
    assert_int_equal(plan(db, p2, NULL, 0, &ps, &e), 0);
    assert_int_equal(approve(db, p2, CHECKER, &e), 0);
    /* four at once: the same plan twice and its twin twice */
    job j[4];
    const char *which[] = {p, p, p2, p2};
    memset(j, 0, sizeof(j));
    for (int i = 0; i < 4; i++) {
        j[i].db = db;
        j[i].plan = which[i];
    }
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, run_job, &j[i]), 0);
    int posted = 0, already = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        if (j[i].rc)
            fail_msg("execute %d: %s", i, j[i].e.msg);
        posted += j[i].s.posted;
        already += j[i].s.already;
    }
    assert_int_equal(posted, 5);
    assert_int_equal(already, 15);
    PGconn *c = pgtest_connect("conc");
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer"), 5);
    assert_int_equal(assert_posted(c, p), 5);
    PQfinish(c);
    /* every entry the tests appended verifies with the public keys alone */
    tc_pubkey *k[6];
    for (int i = 0; i < 6; i++)
        assert_int_equal(tc_pubkey_load(&k[i], pub[i], &e), 0);
    tc_audit_verify_opts vo = {.keys = (const tc_pubkey *const *)k, .nkeys = 6};
    tc_audit_report rep;
    if (tc_audit_verify(trail, &vo, &rep, &e))
        fail_msg("audit verify: %s", e.msg);
    assert_true(rep.entries >= 20);
    assert_int_equal(rep.problems, 0);
    for (int i = 0; i < 6; i++)
        tc_pubkey_free(k[i]);
}

/* An SM2 checker (SM3 signatures) approves an Ed25519 maker's plan. */
static void test_sm2(void **state)
{
    (void)state;
    const char *db = fresh_db("sm2");
    tc_err e;
    const char *p = wpath("sm2.plan");
    tc_transfer_plan_summary ps;
    assert_int_equal(plan(db, p, NULL, 0, &ps, &e), 0);
    assert_int_equal(approve(db, p, SM2, &e), 0);
    tc_transfer_exec_summary s;
    if (execute(db, p, recon, &s, &e))
        fail_msg("execute: %s", e.msg);
    tc_pubkey *k;
    assert_int_equal(tc_pubkey_load(&k, pub[SM2], &e), 0);
    char id[TC_KEYID_MAX];
    snprintf(id, sizeof(id), "%s", tc_pubkey_id(k));
    tc_pubkey_free(k);
    assert_int_equal(s.posted, 5);
    PGconn *c = pgtest_connect("sm2");
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer WHERE approved_by = '%s'", id),
                     5);
    PQfinish(c);
}

/* ------------------------------------------------- the dishonest parties */

/* The plan at path with 220113's transfers added (the county has two
 * blocking findings), re-signed by the maker alone: what a dishonest maker
 * hands the checker.  extra_waiver: a forged waiver of both findings put
 * in as well (a zero signature by an invented key id). */
static void plan_with_blocked(const char *from, const char *path, int extra_waiver)
{
    json_error_t je;
    json_t *d = json_load_file(from, 0, &je);
    assert_non_null(d);
    const char *rd = json_string_value(json_object_get(d, "reconciliation"));
    const char *funds[] = {"310", "390"};
    tc_err e;
    for (int i = 0; i < 2; i++) {
        char id[65];
        tc_fen cash = fig("220113", funds[i], "cash");
        assert_int_equal(tc_transfer_id(rd, "220113", "220113", funds[i], cash, id, &e), 0);
        json_array_append_new(json_object_get(d, "transfers"),
                              json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id", id,
                                        "county", "220113", "fund", funds[i], "amount",
                                        xfer_amount(cash), "claims",
                                        xfer_amount(fig("220113", funds[i], "employer_arrears") +
                                                    fig("220113", funds[i], "subsidy_shortfall")),
                                        "debts", xfer_amount(fig("220113", funds[i],
                                                                 "institution_payables")),
                                        "receivables", xfer_amount(fig("220113", funds[i],
                                                                       "ledger_receivables")),
                                        "payables", xfer_amount(fig("220113", funds[i],
                                                                    "ledger_payables"))));
    }
    if (extra_waiver) {
        char f[4][256];
        assert_int_equal(blocking("220113", f, 4), 2);
        json_t *fs = json_array();
        for (int i = 0; i < 2; i++) {
            char code[64], fund[16], ref[160];
            assert_int_equal(sscanf(f[i], "%63[^/]/%15[^/]/%159s", code, fund, ref), 3);
            json_array_append_new(fs, json_pack("{s:s, s:s, s:s, s:s}", "county", "220113",
                                                "code", code, "fund", fund, "ref", ref));
        }
        json_array_append_new(json_object_get(d, "waivers"),
                              json_pack("{s:s, s:s, s:s, s:s, s:o, s:[{s:s, s:s, s:s, s:s}]}",
                                        "format", TC_TRANSFER_WAIVER_FORMAT, "reconciliation",
                                        rd, "county", "220113", "reason", "trust me",
                                        "findings", fs, "signatures", "role", "waiver", "key",
                                        "ed25519:0000000000000000", "alg", "ed25519", "sig",
                                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="));
    }
    json_object_del(d, "signatures");
    tc_signer *s;
    assert_int_equal(tc_signer_load(&s, key[MAKER], &e), 0);
    assert_int_equal(xfer_sign(d, s, "transfer-plan", "maker", &e), 0);
    tc_signer_free(s);
    assert_int_equal(xfer_write(d, path, &e), 0);
    json_decref(d);
}

/* Append signer who's signature to the plan at path as role (no policy
 * check: what a forger with the file and any key can do). */
static void add_signature(const char *path, int who, const char *role)
{
    json_error_t je;
    json_t *d = json_load_file(path, 0, &je);
    tc_signer *s;
    tc_err e;
    assert_int_equal(tc_signer_load(&s, key[who], &e), 0);
    assert_int_equal(xfer_sign(d, s, "transfer-plan", role, &e), 0);
    tc_signer_free(s);
    assert_int_equal(xfer_write(d, path, &e), 0);
    json_decref(d);
}

static void test_attacks(void **state)
{
    (void)state;
    const char *db = fresh_db("attack");
    PGconn *c = pgtest_connect("attack");
    tc_transfer_plan_summary ps;
    tc_transfer_exec_summary s;
    tc_err e;
    const char *honest = wpath("honest.plan");
    assert_int_equal(plan(db, honest, NULL, 0, &ps, &e), 0);
    tc_load_opts lo = {.db = db};
    tc_load_stats lst;

    /* 1. an edited reconciliation: 220113's blocking findings made warnings */
    json_error_t je;
    json_t *r = json_load_file(recon, 0, &je);
    size_t i, j;
    json_t *cty, *f;
    json_array_foreach(json_object_get(r, "counties"), i, cty)
        if (strcmp(json_string_value(json_object_get(cty, "county")), "220113") == 0)
            json_array_foreach(json_object_get(cty, "findings"), j, f)
                json_object_set_new(f, "severity", json_string("warning"));
    assert_int_equal(json_dump_file(r, wpath("edited.json"), JSON_SORT_KEYS | JSON_COMPACT), 0);
    json_decref(r);
    assert_int_equal(plan_as(db, wpath("edited.plan"), wpath("edited.json"), MAKER, NULL, 0, &ps,
                             &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is not one a reconcile entry of the audit trail"));
    struct stat st;
    assert_int_not_equal(stat(wpath("edited.plan"), &st), 0);
    /* ... even once loaded into the city database beside the true one */
    const char *rep2[] = {wpath("edited.json")};
    if (tc_load_run(&lo, rep2, 1, &lst, &e))
        fail_msg("load the edited reconciliation: %s", e.msg);
    assert_int_equal(plan_as(db, wpath("edited.plan"), wpath("edited.json"), MAKER, NULL, 0, &ps,
                             &e), TC_EINTEGRITY);
    assert_int_not_equal(stat(wpath("edited.plan"), &st), 0);

    /* 3. no waiver at all: the maker adds 220113's transfers and re-signs */
    plan_with_blocked(honest, wpath("nowaiver.plan"), 0);
    assert_int_equal(approve(db, wpath("nowaiver.plan"), CHECKER, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "county 220113 pool 220113: blocking finding"));
    assert_non_null(strstr(e.msg, "has no valid waiver"));
    /* ... and a colluding checker's approval changes nothing at execute */
    add_signature(wpath("nowaiver.plan"), CHECKER, "checker");
    assert_int_equal(execute(db, wpath("nowaiver.plan"), recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "county 220113 pool 220113: blocking finding"));
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer"), 0);

    /* 2. a forged waiver: zero signature, invented key id */
    plan_with_blocked(honest, wpath("forged.plan"), 1);
    assert_int_equal(approve(db, wpath("forged.plan"), CHECKER, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "waiver 1"));
    assert_non_null(strstr(e.msg, "ed25519:0000000000000000 is not in the policy"));
    add_signature(wpath("forged.plan"), CHECKER, "checker");
    assert_int_equal(execute(db, wpath("forged.plan"), recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is not in the policy"));
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer"), 0);

    /* 4. the maker's own second key as checker, a third as waiver authority:
     * the policy knows neither */
    plan_with_blocked(honest, wpath("self.plan"), 0);
    add_signature(wpath("self.plan"), STRANGER, "checker");
    assert_int_equal(execute(db, wpath("self.plan"), recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is not in the policy"));
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer"), 0);

    /* ... nor does a policy of his own making, once the trail has adopted
     * the city's (the first plan adopted it) */
    const char *mk2[] = {pub[MAKER], NULL}, *ck2[] = {pub[STRANGER], NULL};
    tc_policy_spec spec2 = {.city = "220100", .origin = "mine"};
    spec2.pubs[TC_ROLE_MAKER] = mk2;
    spec2.pubs[TC_ROLE_CHECKER] = ck2;
    tc_policy *mine;
    assert_int_equal(tc_policy_make(&spec2, wpath("mine.ini"), &e), 0);
    assert_int_equal(tc_policy_load(&mine, wpath("mine.ini"), &e), 0);
    static char *aargv[] = {"transfer", "approve"};
    tc_transfer_approve_opts ao = {.db = db, .plan = honest, .reconciliation = recon,
                                   .key = key[STRANGER], .policy = mine,
                                   .audit = {trail, 2, aargv}};
    assert_int_equal(tc_transfer_approve(&ao, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is not the one in force"));
    /* ... and only a checker of the policy in force adopts another */
    tc_signer *sg;
    assert_int_equal(tc_signer_load(&sg, key[MAKER], &e), 0);
    assert_int_equal(tc_policy_adopt(pol, mine, trail, sg, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "not a checker's"));
    tc_signer_free(sg);
    assert_int_equal(tc_signer_load(&sg, key[STRANGER], &e), 0);
    assert_int_equal(tc_policy_adopt(pol, mine, trail, sg, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is not in the policy"));
    tc_signer_free(sg);
    tc_policy_free(mine);

    /* 5. roles: the maker's signature copied and relabelled "checker" */
    json_t *d = json_load_file(honest, 0, &je);
    json_t *sig = json_deep_copy(json_array_get(json_object_get(d, "signatures"), 0));
    json_object_set_new(sig, "role", json_string("checker"));
    json_array_append_new(json_object_get(d, "signatures"), sig);
    assert_int_equal(xfer_write(d, wpath("relabel.plan"), &e), 0);
    assert_int_equal(execute(db, wpath("relabel.plan"), recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is a maker's key in the policy, not a checker's"));
    /* ... and the two roles swapped on a properly approved plan */
    assert_int_equal(xfer_write(d, wpath("swap.plan"), &e), 0);
    json_decref(d);
    assert_int_equal(approve(db, honest, CHECKER, &e), 0);
    d = json_load_file(honest, 0, &je);
    json_t *sigs = json_object_get(d, "signatures");
    json_object_set_new(json_array_get(sigs, 0), "role", json_string("checker"));
    json_object_set_new(json_array_get(sigs, 1), "role", json_string("maker"));
    assert_int_equal(xfer_write(d, wpath("swap.plan"), &e), 0);
    json_decref(d);
    assert_int_equal(execute(db, wpath("swap.plan"), recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "not a checker's"));
    /* the same bytes signed as another kind of document do not pass */
    d = json_load_file(honest, 0, &je);
    json_object_del(d, "signatures");
    tc_signer *ms;
    assert_int_equal(tc_signer_load(&ms, key[MAKER], &e), 0);
    assert_int_equal(xfer_sign(d, ms, "waiver", "maker", &e), 0);
    tc_signer_free(ms);
    assert_int_equal(xfer_write(d, wpath("kind.plan"), &e), 0);
    json_decref(d);
    add_signature(wpath("kind.plan"), CHECKER, "checker");
    assert_int_equal(execute(db, wpath("kind.plan"), recon, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "made for something else"));
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer"), 0);

    /* the honest, approved plan moves the clean counties; the auditor,
     * offline (no database), finds it holds, and one more execute entry
     * naming its bytes (the other tests executed byte-identical plans: the
     * same maker, checker and reconciliation make the same plan) */
    tc_transfer_verify_result v;
    assert_int_equal(tc_transfer_verify(honest, recon, pol, trail, &v, &e), 0);
    int before = v.executions;
    assert_int_equal(execute(db, honest, recon, &s, &e), 0);
    assert_int_equal(s.posted, 5);
    assert_int_equal(tc_transfer_verify(honest, recon, pol, trail, &v, &e), 0);
    assert_int_equal(v.transfers, 5);
    assert_int_equal(v.waivers, 0);
    assert_int_equal(v.checkers, 1);
    assert_int_equal(v.executions, before + 1);
    /* the first execute entry's time, which a certificate prints */
    assert_int_equal(strlen(v.executed), 20);
    assert_int_equal(v.executed[19], 'Z');
    /* the forged ones do not hold */
    assert_int_equal(tc_transfer_verify(wpath("nowaiver.plan"), recon, pol, trail, &v, &e),
                     TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "county 220113 pool 220113: blocking finding"));
    assert_int_equal(tc_transfer_verify(wpath("forged.plan"), recon, pol, trail, &v, &e),
                     TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is not in the policy"));
    assert_int_equal(tc_transfer_verify(honest, wpath("edited.json"), pol, trail, &v, &e),
                     TC_EINTEGRITY);

    /* a key leaves the city's policy (the checker's, replaced by the
     * operations desk): the entries it signed while in force still verify,
     * and from the adoption on the new policy alone governs */
    const char *mk3[] = {pub[MAKER], NULL}, *ck3[] = {pub[OPS], NULL}, *wk3[] = {pub[WAIVER], NULL};
    tc_policy_spec spec3 = {.city = "220100", .origin = "test"};
    spec3.pubs[TC_ROLE_MAKER] = mk3;
    spec3.pubs[TC_ROLE_CHECKER] = ck3;
    spec3.pubs[TC_ROLE_WAIVER] = wk3;
    tc_policy *rot;
    assert_int_equal(tc_policy_make(&spec3, wpath("rotated.ini"), &e), 0);
    assert_int_equal(tc_policy_load(&rot, wpath("rotated.ini"), &e), 0);
    tc_signer *ck;
    assert_int_equal(tc_signer_load(&ck, key[CHECKER], &e), 0);
    assert_int_equal(tc_policy_adopt(pol, rot, trail, ck, &e), 0);
    tc_signer_free(ck);
    tc_transfer_plan_opts po = {.db = db, .reconciliation = recon, .key = key[MAKER],
                                .policy = rot, .out = wpath("rotated.plan"),
                                .audit = {trail, 2, argv_plan}};
    if (tc_transfer_plan(&po, &ps, &e))
        fail_msg("plan under the new policy: %s", e.msg);
    tc_transfer_approve_opts ro = {.db = db, .plan = wpath("rotated.plan"),
                                   .reconciliation = recon, .key = key[CHECKER], .policy = rot,
                                   .audit = {trail, 2, aargv}};
    assert_int_equal(tc_transfer_approve(&ro, NULL, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is not in the policy"));
    ro.key = key[OPS];
    if (tc_transfer_approve(&ro, NULL, &e))
        fail_msg("approve under the new policy: %s", e.msg);
    /* the old policy is no longer in force */
    assert_int_equal(approve(db, wpath("rotated.plan"), CHECKER, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "is not the one in force"));
    tc_policy_free(rot);
    PQfinish(c);
}

/* A copy of the reconciliation with pool 220100's fund 310 cash (and the
 * transfer basis with it) moved by delta fen, written to path, recorded by
 * a reconcile entry and loaded into db: what reconciling a corrected export
 * of 长春市本级 gives, after its money moved. */
static void corrected_recon(const char *db, const char *path, long long delta)
{
    json_t *d = json_deep_copy(rdoc), *c, *f;
    size_t i, j;
    tc_err e;
    char b[TC_MONEY_BUFSZ];
    json_array_foreach(json_object_get(d, "counties"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "county")), "220100") != 0)
            continue;
        json_array_foreach(json_object_get(c, "funds"), j, f) {
            if (strcmp(json_string_value(json_object_get(f, "fund")), "310") != 0)
                continue;
            tc_fen cash = fig("220100", "310", "cash") + delta;
            json_object_set_new(f, "cash", json_string(tc_money_format(cash, b)));
            json_object_set_new(f, "transfer", json_string(tc_money_format(cash, b)));
        }
    }
    json_t *tot = json_object_get(d, "totals");
    const char *ts = json_string_value(json_object_get(tot, "transfer"));
    tc_fen t;
    assert_int_equal(tc_money_parse_yuan(ts, strlen(ts), &t, &e), 0);
    json_object_set_new(tot, "transfer", json_string(tc_money_format(t + delta, b)));
    assert_int_equal(json_dump_file(d, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER), 0);
    json_decref(d);
    assert_int_equal(record_reconcile(path, &e), 0);
    tc_load_opts o = {.db = db};
    tc_load_stats st;
    const char *rep[] = {path};
    if (tc_load_run(&o, rep, 1, &st, &e))
        fail_msg("load the corrected reconciliation: %s", e.msg);
}

/* The one transfer of plan file p: its kind, amount (fen) and what it corrects. */
static void only_line(const char *p, char *kind, long long *amount, char *corrects)
{
    json_error_t je;
    json_t *d = json_load_file(p, 0, &je);
    assert_non_null(d);
    assert_int_equal(json_array_size(json_object_get(d, "transfers")), 1);
    json_t *t = json_array_get(json_object_get(d, "transfers"), 0);
    const char *k = json_string_value(json_object_get(t, "kind"));
    const char *c = json_string_value(json_object_get(t, "corrects"));
    const char *a = json_string_value(json_object_get(t, "amount"));
    tc_fen v;
    tc_err e;
    assert_int_equal(tc_money_parse_yuan(a, strlen(a), &v, &e), 0);
    *amount = v;
    strcpy(kind, k ? k : "");
    strcpy(corrects, c ? c : "");
    json_decref(d);
}

/*
 * Corrections after the money moved (补划 / 退回): the reconciliation of 长春市
 * 本级's corrected export says its fund 310 holds 123.45 yuan more.  The plan
 * moves exactly that, as a top-up referring to the transfer it corrects;
 * the other funds moved already and are not planned again.  Executed, the
 * city sub-account equals the corrected cash; again, nothing.  A later
 * reconciliation 50.00 yuan below the first gives a refund of 173.45.  The
 * dishonest maker who sets his own amount on a correction, and a stale
 * correction, are refused; postings are never updated, only added.
 */
static void test_corrections(void **state)
{
    (void)state;
    const char *db = fresh_db("corrections");
    PGconn *c = pgtest_connect("corrections");
    tc_transfer_plan_summary ps;
    tc_transfer_exec_summary s;
    tc_err e;
    /* a trail of its own: test_attacks adopted another policy in the shared one */
    snprintf(trail, sizeof(trail), "%s/corrections.trail", work);
    assert_int_equal(record_reconcile(recon, &e), 0);
    if (plan(db, wpath("first.plan"), NULL, 0, &ps, &e))
        fail_msg("plan: %s", e.msg);
    if (approve(db, wpath("first.plan"), CHECKER, &e))
        fail_msg("approve: %s", e.msg);
    assert_int_equal(execute(db, wpath("first.plan"), recon, &s, &e), 0);
    assert_int_equal(s.posted, 5);
    long long cash = fig("220100", "310", "cash");
    char orig[65];
    json_error_t je;
    json_t *fp = json_load_file(wpath("first.plan"), 0, &je), *t;
    size_t i;
    json_array_foreach(json_object_get(fp, "transfers"), i, t)
        if (strcmp(json_string_value(json_object_get(t, "county")), "220100") == 0 &&
            strcmp(json_string_value(json_object_get(t, "fund")), "310") == 0)
            snprintf(orig, sizeof(orig), "%s", json_string_value(json_object_get(t, "id")));
    json_decref(fp);
    const char *fiscal = "SELECT coalesce(sum(debit - credit), 0) FROM tongchou.posting WHERE "
                         "county = '220100' AND pool = '220100' AND fund = '310' AND ledger = "
                         "'city' AND account = '1003/220100'";
    assert_int_equal(q(c, "%s", fiscal), cash);
    long long nposting = q(c, "SELECT count(*) FROM tongchou.posting");

    /* a top-up of exactly the difference */
    char r2[1300], kind[16], corr[65];
    long long amount;
    snprintf(r2, sizeof(r2), "%s", wpath("recon-plus.json"));
    corrected_recon(db, r2, 12345);
    assert_int_equal(plan_as(db, wpath("topup.plan"), r2, MAKER, NULL, 0, &ps, &e), 0);
    assert_int_equal(ps.transfers, 1);
    assert_int_equal(ps.corrections, 1);
    assert_int_equal(ps.already, 4);
    only_line(wpath("topup.plan"), kind, &amount, corr);
    assert_string_equal(kind, "top-up");
    assert_int_equal(amount, 12345);
    assert_string_equal(corr, orig);
    /* made now too, against what has moved now: a refund of 50.00 from a
     * reconciliation 50.00 below the first */
    char r3[1300];
    snprintf(r3, sizeof(r3), "%s", wpath("recon-minus.json"));
    corrected_recon(db, r3, -5000);
    assert_int_equal(plan_as(db, wpath("early.plan"), r3, MAKER, NULL, 0, &ps, &e), 0);
    only_line(wpath("early.plan"), kind, &amount, corr);
    assert_string_equal(kind, "refund");
    assert_int_equal(amount, 5000);
    assert_int_equal(approve_with(db, wpath("early.plan"), r3, CHECKER, &e), 0);

    assert_int_equal(approve_with(db, wpath("topup.plan"), r2, CHECKER, &e), 0);
    assert_int_equal(execute(db, wpath("topup.plan"), r2, &s, &e), 0);
    assert_int_equal(s.posted, 1);
    assert_int_equal(s.posted_total, 12345);
    assert_int_equal(q(c, "%s", fiscal), cash + 12345);
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.transfer WHERE kind = 'top-up' AND "
                          "corrects = '%s' AND amount = 12345", orig), 1);
    /* the earlier postings untouched: only added to */
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.posting WHERE plan = '%s'", orig) > 0,
                     1);
    assert_int_equal(q(c, "SELECT count(*) FROM tongchou.posting") - nposting, 4);
    /* again: nothing */
    assert_int_equal(execute(db, wpath("topup.plan"), r2, &s, &e), 0);
    assert_int_equal(s.posted, 0);
    assert_int_equal(s.already, 1);
    assert_int_equal(q(c, "%s", fiscal), cash + 12345);
    /* planned again from the same reconciliation: nothing left to move */
    assert_int_equal(plan_as(db, wpath("topup2.plan"), r2, MAKER, NULL, 0, &ps, &e), 0);
    assert_int_equal(ps.transfers, 0);
    assert_int_equal(ps.already, 5);

    /* the refund planned before the top-up moved: stale, refused */
    assert_int_equal(execute(db, wpath("early.plan"), r3, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "a correction moves exactly the difference"));
    assert_int_equal(q(c, "%s", fiscal), cash + 12345);

    /* planned again: a refund of 173.45 */
    assert_int_equal(plan_as(db, wpath("refund.plan"), r3, MAKER, NULL, 0, &ps, &e), 0);
    only_line(wpath("refund.plan"), kind, &amount, corr);
    assert_string_equal(kind, "refund");
    assert_int_equal(amount, 17345);
    assert_string_equal(corr, orig);
    /* the maker who refunds only 100.00, re-signed, approved: refused */
    json_t *d = json_load_file(wpath("refund.plan"), 0, &je);
    t = json_array_get(json_object_get(d, "transfers"), 0);
    json_object_set_new(t, "amount", json_string("100.00"));
    resign(d, wpath("refund-own.plan"), 1);
    json_decref(d);
    assert_int_equal(execute(db, wpath("refund-own.plan"), r3, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "a correction moves exactly the difference"));
    assert_int_equal(q(c, "%s", fiscal), cash + 12345);
    /* ... or who claims less had moved, so that his id holds: refused too */
    d = json_load_file(wpath("refund.plan"), 0, &je);
    t = json_array_get(json_object_get(d, "transfers"), 0);
    char b[TC_MONEY_BUFSZ], fid[65];
    json_object_set_new(t, "amount", json_string("50.00"));
    json_object_set_new(t, "moved", json_string(tc_money_format(cash, b)));
    assert_int_equal(tc_transfer_correction_id(json_string_value(json_object_get(d,
                                                   "reconciliation")), "220100", "220100", "310",
                                               cash - 5000, cash, fid, &e), 0);
    json_object_set_new(t, "id", json_string(fid));
    resign(d, wpath("refund-moved.plan"), 1);
    json_decref(d);
    assert_int_equal(execute(db, wpath("refund-moved.plan"), r3, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "it has moved"));
    assert_int_equal(q(c, "%s", fiscal), cash + 12345);
    /* the honest refund */
    assert_int_equal(approve_with(db, wpath("refund.plan"), r3, CHECKER, &e), 0);
    assert_int_equal(execute(db, wpath("refund.plan"), r3, &s, &e), 0);
    assert_int_equal(s.posted, 1);
    assert_int_equal(q(c, "%s", fiscal), cash - 5000);
    assert_int_equal(q(c, "SELECT sum(CASE kind WHEN 'refund' THEN -amount ELSE amount END) "
                          "FROM tongchou.transfer WHERE county = '220100' AND fund = '310'"),
                     cash - 5000);
    /* the county's cash accounts: credited by exactly the corrected cash */
    assert_int_equal(q(c, "SELECT sum(credit - debit) FROM tongchou.posting WHERE county = "
                          "'220100' AND pool = '220100' AND fund = '310' AND ledger = 'county' "
                          "AND account IN ('1001','1002','1003','1004')"), cash - 5000);
    /* every plan again: nothing moves */
    assert_int_equal(execute(db, wpath("topup.plan"), r2, &s, &e), 0);
    assert_int_equal(s.posted, 0);
    assert_int_equal(execute(db, wpath("refund.plan"), r3, &s, &e), 0);
    assert_int_equal(s.posted, 0);
    assert_int_equal(execute(db, wpath("first.plan"), recon, &s, &e), 0);
    assert_int_equal(s.posted, 0);
    assert_int_equal(q(c, "%s", fiscal), cash - 5000);
    PQfinish(c);
}

/* The transfer line of county and fund in plan document d. */
static json_t *line_of(json_t *d, const char *county, const char *fund)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(d, "transfers"), i, t)
        if (strcmp(json_string_value(json_object_get(t, "county")), county) == 0 &&
            strcmp(json_string_value(json_object_get(t, "fund")), fund) == 0)
            return t;
    fail_msg("no transfer of %s/%s in the plan", county, fund);
    return NULL;
}

static long long yuan_of(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    tc_fen v;
    tc_err e;
    assert_non_null(s);
    assert_int_equal(tc_money_parse_yuan(s, strlen(s), &v, &e), 0);
    return v;
}

/*
 * A part handover: 农安县 (220122) hands its fund 390 over at the end of
 * March, the export being cut at the end of June.  Reconciled so, the plan
 * line of 220122/390 carries the date and moves the fund's cash of March;
 * execute credits its cash accounts with exactly their closing of March,
 * carries over the debts owed then (June's settlements are the city's), and
 * its after-checks, recomputed from the loaded records up to March, hold.
 * A maker who edits a line's date (changed, removed, or added to another
 * fund's line) and has it re-signed is refused before anything is posted.
 */
static void test_fund_cutover(void **state)
{
    (void)state;
    char rdir[1300], r2[1300];
    int status;
    tc_err e;
    snprintf(rdir, sizeof(rdir), "%s", wpath("recon390"));
    mkdir(rdir, 0755);
    const char *specs[] = {"220122:390=2021-03-31"};
    tc_reconcile_opts ro = {.cutovers = specs, .ncutovers = 1};
    if (tc_reconcile_run(set, all, 70, &ro, rdir, NULL, NULL, &status, &e))
        fail_msg("reconcile: %s", e.msg);
    snprintf(r2, sizeof(r2), "%s/reconciliation.json", rdir);
    snprintf(trail, sizeof(trail), "%s/cutover.trail", work);
    assert_int_equal(record_reconcile(r2, &e), 0);
    json_error_t je;
    json_t *rd = json_load_file(r2, 0, &je);
    assert_non_null(rd);
    json_t *c = NULL, *x, *f = NULL;
    size_t i;
    json_array_foreach(json_object_get(rd, "counties"), i, x)
        if (strcmp(json_string_value(json_object_get(x, "county")), "220122") == 0)
            c = x;
    assert_non_null(c);
    json_array_foreach(json_object_get(c, "funds"), i, x)
        if (strcmp(json_string_value(json_object_get(x, "fund")), "390") == 0)
            f = x;
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "cutover")), "2021-03-31");
    long long cash = yuan_of(f, "cash"), debts = yuan_of(f, "institution_payables");
    long long claims = yuan_of(f, "employer_arrears") + yuan_of(f, "subsidy_shortfall");
    assert_true(cash != fig("220122", "390", "cash"));
    assert_true(debts < fig("220122", "390", "institution_payables"));

    const char *db = fresh_db_with("cutover", r2);
    PGconn *pc = pgtest_connect("cutover");
    const char *p = wpath("cutover.plan");
    tc_transfer_plan_summary ps;
    tc_transfer_exec_summary s;
    if (plan_as(db, p, r2, MAKER, NULL, 0, &ps, &e))
        fail_msg("plan: %s", e.msg);
    assert_int_equal(ps.transfers, 5);
    json_t *d = json_load_file(p, 0, &je);
    assert_non_null(d);
    json_t *t = line_of(d, "220122", "390");
    assert_string_equal(json_string_value(json_object_get(t, "cutover")), "2021-03-31");
    assert_int_equal(yuan_of(t, "amount"), cash);
    json_array_foreach(json_object_get(d, "transfers"), i, x)
        assert_true(x == t || !json_object_get(x, "cutover"));
    char id[65];
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(t, "id")));

    /* the maker's edits, re-signed by maker and checker: refused at execute */
    static const char *const edits[] = {"another date", "no date", "a date on 310"};
    for (int k = 0; k < 3; k++) {
        json_t *ed = json_deep_copy(d);
        json_t *l = line_of(ed, "220122", k == 2 ? "310" : "390");
        if (k == 1)
            json_object_del(l, "cutover");
        else
            json_object_set_new(l, "cutover", json_string(k == 0 ? "2021-04-30" : "2021-03-31"));
        resign(ed, wpath("cutover-edited.plan"), 1);
        json_decref(ed);
        if (execute(db, wpath("cutover-edited.plan"), r2, &s, &e) != TC_EINTEGRITY)
            fail_msg("%s: not refused: %s", edits[k], e.msg);
        assert_non_null(strstr(e.msg, "cutover"));
    }
    assert_int_equal(q(pc, "SELECT count(*) FROM tongchou.transfer"), 0);

    if (approve_with(db, p, r2, CHECKER, &e))
        fail_msg("approve: %s", e.msg);
    if (execute(db, p, r2, &s, &e))
        fail_msg("execute: %s", e.msg);
    assert_int_equal(s.posted, 5);
    /* the county's cash accounts credited by their closing of March */
    static const char closing_at[] =
        "SELECT sum(closing) FROM tongchou.balance b WHERE county = '220122' AND fund = '390' "
        "AND account IN ('1001','1002','1003','1004') AND period = (SELECT max(period) FROM "
        "tongchou.balance x WHERE x.county = b.county AND x.fund = b.fund AND x.account = "
        "b.account AND x.period <= %d)";
    long long march = q(pc, closing_at, 202103), june = q(pc, closing_at, 202106);
    assert_true(march != june);
    assert_int_equal(march, cash);
    assert_int_equal(q(pc, "SELECT sum(credit - debit) FROM tongchou.posting WHERE plan = '%s' "
                           "AND ledger = 'county' AND account IN ('1001','1002','1003','1004')",
                       id), march);
    assert_int_equal(q(pc, "SELECT amount FROM tongchou.transfer WHERE plan = '%s'", id), cash);
    assert_int_equal(q(pc, "SELECT sum(debit - credit) FROM tongchou.posting WHERE plan = '%s' "
                           "AND ledger = 'city' AND account = '1003/220122'", id), cash);
    assert_int_equal(q(pc, "SELECT coalesce(sum(debit), 0) FROM tongchou.posting WHERE plan = "
                           "'%s' AND account = 'claims/220122'", id), claims);
    assert_int_equal(q(pc, "SELECT coalesce(sum(credit), 0) FROM tongchou.posting WHERE plan = "
                           "'%s' AND account = 'debts/220122'", id), debts);
    json_decref(d);
    json_decref(rd);
    PQfinish(pc);
}

/* ------------------------------------------------------------- a split */

/* Map the 70 county batches with the set at dir into out; the city
 * batches written into paths (static), their number. */
static int map_all(const char *dir, const char *out, tc_mapset **m, const char ***paths)
{
    static char in[70][1300], got[80][1300];
    static const char *inp[70], *gotp[80];
    int n = 0;
    for (int i = 0; i < 7; i++)
        for (int t = 0; t < tc_nrectypes; t++) {
            snprintf(in[n], sizeof(in[n]), "%s/batches/%s.%s.tcb", work, cityfix_exported[i],
                     tc_rectypes[t].name);
            inp[n] = in[n];
            n++;
        }
    tc_err e;
    long long rej = -1;
    mkdir(out, 0755);
    if (tc_mapset_load(m, dir, &e) || tc_map_run(*m, inp, 70, out, NULL, NULL, &rej, &e))
        fail_msg("split map: %s", e.msg);
    assert_int_equal(rej, 0);
    char cmd[1400];
    snprintf(cmd, sizeof(cmd), "ls '%s'", out);
    FILE *ls = popen(cmd, "r");
    int k = 0;
    char name[256];
    while (ls && k < 80 && fgets(name, sizeof(name), ls)) {
        name[strcspn(name, "\n")] = 0;
        snprintf(got[k], sizeof(got[k]), "%s/%s", out, name);
        gotp[k] = got[k];
        k++;
    }
    if (ls)
        pclose(ls);
    *paths = gotp;
    return k;
}

/* The share of sub-ledger `sub` in fund's line of pool in plan d. */
static json_t *share_of(json_t *d, const char *pool, const char *fund, const char *sub)
{
    size_t i, k;
    json_t *t, *s;
    json_array_foreach(json_object_get(d, "transfers"), i, t) {
        if (strcmp(xfer_pool(t), pool) || strcmp(json_string_value(json_object_get(t, "fund")),
                                                  fund))
            continue;
        json_array_foreach(json_object_get(t, "split"), k, s)
            if (!strcmp(json_string_value(json_object_get(s, "county")), sub))
                return s;
    }
    return NULL;
}

/*
 * A split (docs/pools.md): 220100 into itself and 220190, institution
 * CC0007's payables and every personal account to 220190.  Without an
 * allocation reconcile names every account, and the claims and debts, the
 * pool holds (SPLIT_UNALLOCATED, the whole amount); with one that gives
 * 220190 a third of each, the plan's line carries the shares, and execute
 * posts each sub-ledger exactly its share.  A maker who moves money between
 * the shares, or drops them, and re-signs is refused; nothing is posted.
 */
static void test_split(void **state)
{
    (void)state;
    char a[1300], b[1300], cmd[4000], rdir[1300], rec2[1400];
    snprintf(a, sizeof(a), "%s/split-set", work);
    snprintf(b, sizeof(b), "%s/split-set-alloc", work);
    snprintf(cmd, sizeof(cmd),
             "cp -r '%s' '%s' && printf '220190,新区\\r\\n' >>'%s/city/regions.csv' && "
             "printf 'county,column,source,target\\r\\n220100,institution,CC0007,220190\\r\\n"
             "220100,institution,*,220100\\r\\n220100,person,*,220190\\r\\n' >'%s/split.csv'",
             SET, a, a, a);
    assert_int_equal(system(cmd), 0);
    tc_mapset *ma, *mb;
    const char **pa, **pb;
    int na = map_all(a, wpath("split-city-a"), &ma, &pa);
    assert_int_equal(na, 72);   /* 70, and 220190's payables and personal accounts */
    snprintf(rdir, sizeof(rdir), "%s/split-rec-a", work);
    mkdir(rdir, 0755);
    int status;
    tc_err e;
    assert_int_equal(tc_reconcile_run(ma, pa, na, NULL, rdir, NULL, NULL, &status, &e), 0);
    /* every account, and the claims and debts, unallocated: the allocation
     * gives 220190 a third of each, 220100 the rest */
    snprintf(rec2, sizeof(rec2), "%s/reconciliation.json", rdir);
    json_error_t je;
    json_t *r = json_load_file(rec2, 0, &je), *c, *f;
    size_t i, k;
    FILE *al = fopen(wpath("allocation.csv"), "w");
    fputs("county,fund,account,target,amount\n", al);
    int nf = 0;
    json_array_foreach(json_object_get(r, "counties"), i, c) {
        if (strcmp(xfer_pool(c), "220100") != 0)
            continue;
        assert_int_equal(json_array_size(json_object_get(c, "split")), 2);
        json_array_foreach(json_object_get(c, "findings"), k, f) {
            if (strcmp(json_string_value(json_object_get(f, "code")), "SPLIT_UNALLOCATED"))
                continue;
            const char *ref = json_string_value(json_object_get(f, "ref"));
            tc_fen v = yuan_of(f, "amount"), third = v / 3;
            char y1[TC_MONEY_BUFSZ], y2[TC_MONEY_BUFSZ];
            fprintf(al, "220100,%s,%s,220100,%s\n220100,%s,%s,220190,%s\n",
                    json_string_value(json_object_get(f, "fund")), strchr(ref, '/') + 1,
                    tc_money_format(v - third, y1), json_string_value(json_object_get(f, "fund")),
                    strchr(ref, '/') + 1, tc_money_format(third, y2));
            nf++;
        }
    }
    fclose(al);
    json_decref(r);
    /* funds 310, 330 and 390: three cash accounts at least, a receivable,
     * a payable, the claims and the debts of each */
    assert_true(nf >= 15);
    snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && cp '%s' '%s/'", a, b, wpath("allocation.csv"),
             b);
    assert_int_equal(system(cmd), 0);
    int nb = map_all(b, wpath("split-city-b"), &mb, &pb);
    assert_int_equal(nb, 72);
    snprintf(rdir, sizeof(rdir), "%s/split-rec-b", work);
    mkdir(rdir, 0755);
    assert_int_equal(tc_reconcile_run(mb, pb, nb, NULL, rdir, NULL, NULL, &status, &e), 0);
    snprintf(rec2, sizeof(rec2), "%s/reconciliation.json", rdir);
    r = json_load_file(rec2, 0, &je);
    int unallocated = 0;
    json_array_foreach(json_object_get(r, "counties"), i, c)
        json_array_foreach(json_object_get(c, "findings"), k, f)
            unallocated += !strcmp(json_string_value(json_object_get(f, "code")),
                                   "SPLIT_UNALLOCATED");
    assert_int_equal(unallocated, 0);
    json_decref(r);
    assert_int_equal(record_reconcile(rec2, &e), 0);

    /* the database: these batches and this reconciliation */
    assert_int_equal(pgtest_createdb("split"), 0);
    char db[1024];
    snprintf(db, sizeof(db), "%s", tc_pgserver_conninfo(pgtest_server(), "split"));
    int from, to;
    tc_load_opts lo = {.db = db};
    tc_load_stats st;
    const char *rep[] = {rec2};
    if (tc_schema_install(db, 1, &from, &to, &e) || tc_load_run(&lo, pb, nb, &st, &e) ||
        tc_load_run(&lo, rep, 1, &st, &e))
        fail_msg("split db: %s", e.msg);
    tc_transfer_plan_summary ps;
    const char *p = wpath("split.plan");
    assert_int_equal(plan_as(db, p, rec2, MAKER, NULL, 0, &ps, &e), 0);
    json_t *d = json_load_file(p, 0, &je);
    json_t *s0 = share_of(d, "220100", "310", "220100"), *s1 = share_of(d, "220100", "310", "220190");
    assert_non_null(s0);
    assert_non_null(s1);
    tc_fen cash0 = yuan_of(s0, "amount"), cash1 = yuan_of(s1, "amount");
    tc_fen claims1 = yuan_of(s1, "claims");
    assert_true(cash1 > 0 && cash0 > cash1);

    static char *argv[] = {"transfer", "execute"};
    tc_transfer_exec_opts xo = {.db = db, .plan = NULL, .reconciliation = rec2, .mappings = mb,
                                .policy = pol, .key = key[OPS], .audit = {trail, 2, argv}};
    tc_transfer_exec_summary xs;
    PGconn *pc = pgtest_connect("split");
    /* a maker moves 10.00 yuan from 220100's share to 220190's, re-signs */
    char y[TC_MONEY_BUFSZ];
    json_object_set_new(s0, "amount", json_string(tc_money_format(cash0 - 1000, y)));
    json_object_set_new(s1, "amount", json_string(tc_money_format(cash1 + 1000, y)));
    resign(d, wpath("split-moved.plan"), 1);
    xo.plan = wpath("split-moved.plan");
    assert_int_equal(tc_transfer_execute(&xo, &xs, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "split is not the reconciliation's"));
    /* ... or drops the shares: all of it into 220100 */
    json_decref(d);
    d = json_load_file(p, 0, &je);
    json_array_foreach(json_object_get(d, "transfers"), i, c)
        json_object_del(c, "split");
    resign(d, wpath("split-dropped.plan"), 1);
    json_decref(d);
    xo.plan = wpath("split-dropped.plan");
    assert_int_equal(tc_transfer_execute(&xo, &xs, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "split is not the reconciliation's"));
    assert_int_equal(q(pc, "SELECT count(*) FROM tongchou.transfer"), 0);
    assert_int_equal(q(pc, "SELECT count(*) FROM tongchou.posting"), 0);

    /* the plan as made: each sub-ledger gets exactly its share */
    assert_int_equal(approve_with(db, p, rec2, CHECKER, &e), 0);
    xo.plan = p;
    if (tc_transfer_execute(&xo, &xs, &e))
        fail_msg("execute the split: %s", e.msg);
    assert_int_equal(q(pc, "SELECT sum(debit - credit) FROM tongchou.posting WHERE pool = "
                           "'220100' AND fund = '310' AND account = '1003/220190'"), cash1);
    assert_int_equal(q(pc, "SELECT sum(debit - credit) FROM tongchou.posting WHERE pool = "
                           "'220100' AND fund = '310' AND account = '1003/220100'"), cash0);
    assert_int_equal(q(pc, "SELECT sum(debit - credit) FROM tongchou.posting WHERE pool = "
                           "'220100' AND fund = '310' AND account = 'claims/220190'"), claims1);
    assert_int_equal(q(pc, "SELECT amount FROM tongchou.transfer WHERE pool = '220100' AND "
                           "fund = '310'"), cash0 + cash1);
    assert_int_equal(q(pc, "SELECT count(*) FROM tongchou.personal_account WHERE county = "
                           "'220100' AND src_county = '220100'"), 0);
    assert_true(q(pc, "SELECT count(*) FROM tongchou.personal_account WHERE county = "
                      "'220190' AND src_county = '220100'") > 0);
    PQfinish(pc);
    tc_mapset_free(ma);
    tc_mapset_free(mb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_left_out_text),
        cmocka_unit_test(test_plan_execute),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_waivers),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_sm2),
        cmocka_unit_test(test_attacks),
        cmocka_unit_test(test_corrections),
        cmocka_unit_test(test_fund_cutover),
        cmocka_unit_test(test_split),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
