/*
 * test_legacy.c - the legacy counties in other forms (generate --legacy-as,
 * issue 22): each extracts to what its dump does.
 *
 * A small city (-n 300) is generated with every form.  For 榆树 (220182)
 * and 德惠 (220183) the dump is extracted, and then:
 *
 *   the COPY unload, through the county profile written beside it: every
 *   one of the ten batches holds the dump's records byte for byte, with the
 *   same count and totals - those of the answer key - the header differing
 *   only in the source digest and its controls (counts: the check files
 *   were read; none for a dump);
 *
 *   the 用友 and 金蝶 workbooks, through theirs: the voucher_line and balance
 *   batches, the other eight empty, with the dump's county and cutover and
 *   controls none.  The voucher lines are the dump's records, every column
 *   (the voucher numbers, bank references and memos included), and so are
 *   the balances, every column: a credit-normal account's balance signed
 *   by its normal side as the database signs it (the profiles' credit =
 *   kmbm: 2, 3, 4), the control totals equal.  One thing differs, the
 *   order: a workbook source lists the journal by account set (fund) and
 *   the balance table by period, file by file, where the dump lists the
 *   vouchers by month and the balances by account, so the records are
 *   compared as sorted sets.
 */
#include "tests/support/tctest.h"

#include <jansson.h>
#include <sys/stat.h>

#include "core/batch.h"
#include "core/digest.h"
#include "core/money.h"
#include "core/perm.h"
#include "extract/emit.h"
#include "extract/extract.h"
#include "generate/gen.h"
#include "tests/support/batchcmp.h"

static const char *const TYPES[] = {"account", "bank_account", "balance", "voucher_line",
                                    "contribution", "subsidy", "payable", "bank_statement",
                                    "bank_entry", "personal_account"};
static const char *const COUNTIES[] = {"220182", "220183"};

static char *work;
static char city[1024];
static json_t *key;

static void extract_into(const char *src, const char *profile, const char *out,
                         tc_extract_result *r)
{
    tc_extract_opts o = {.outdir = out, .profile = profile};
    tc_err e;
    tc_err_clear(&e);
    if (tc_extract_source(src, &o, r, &e)) {
        char b[2048];
        fail_msg("%s: %s", src, tc_err_format(&e, b, sizeof(b)));
    }
}

static void out_dir(const char *form, char *buf, size_t n)
{
    snprintf(buf, n, "%s/out-%s", work, form);
    mkdir(buf, 0700);
}

static int setup(void **state)
{
    (void)state;
    tc_perm_init();   /* as main() does: what the generator writes is owner-only */
    work = tctest_tmpdir();
    snprintf(city, sizeof(city), "%s/city", work);
    tc_gen_options o;
    tc_gen_defaults(&o);
    o.dir = city;
    o.records = 300;
    o.seed = 7;
    o.legacy_as = TC_GEN_LEGACY_UNLOAD | TC_GEN_LEGACY_YONYOU | TC_GEN_LEGACY_KINGDEE;
    tc_err e;
    if (tc_gen_city(&o, &e))
        return fprintf(stderr, "generate: %s %s\n", e.msg, e.hint), -1;
    char p[1200];
    snprintf(p, sizeof(p), "%s/answer-key.json", city);
    json_error_t je;
    key = json_load_file(p, 0, &je);
    return key ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(key);
    tctest_rmtree(work);
    free(work);
    return 0;
}

/* The answer key's records of county's source. */
static json_t *key_records(const char *county)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(key, "counties"), i, c)
        if (strcmp(json_string_value(json_object_get(c, "source_county")), county) == 0)
            return json_object_get(json_object_get(c, "source"), "records");
    fail_msg("no county %s in the key", county);
    return NULL;
}

/* Batch county.type in dir: its header and summary. */
static void batch_of(const char *dir, const char *county, const char *type, tc_batch_header *h,
                     tc_batch_summary *s)
{
    char p[1300];
    tc_err e;
    tc_emit_batch_path(p, sizeof(p), dir, county, type);
    if (tc_batch_verify(p, h, s, &e))
        fail_msg("%s: %s", p, e.msg);
}

/* The batch holds the key's count and totals (cols NULL: every amount
 * column the key gives; else only those named). */
static void as_key(const char *dir, const char *county, const char *type,
                   const char *const *cols)
{
    tc_batch_header h;
    tc_batch_summary s;
    batch_of(dir, county, type, &h, &s);
    json_t *rec = json_object_get(key_records(county), type);
    assert_non_null(rec);
    long long want = json_integer_value(json_object_get(rec, "count"));
    assert_true(want > 0);
    if ((long long)s.count != want)
        fail_msg("%s %s %s: %llu records, the key says %lld", dir, county, type,
                 (unsigned long long)s.count, want);
    const char *col;
    json_t *amt;
    int n = 0;
    json_object_foreach(json_object_get(rec, "totals"), col, amt) {
        int named = !cols;
        for (const char *const *c = cols; c && *c; c++)
            named |= strcmp(*c, col) == 0;
        if (!named)
            continue;
        const char *y = json_string_value(amt);
        tc_fen f;
        tc_err e;
        assert_int_equal(tc_money_parse_yuan(y, strlen(y), &f, &e), 0);
        int ci = tc_batch_header_col(&h, col);
        assert_true(ci >= 0);
        if (s.totals[ci] != f) {
            char b[TC_MONEY_BUFSZ];
            fail_msg("%s %s %s %s: %s, the key says %s", dir, county, type, col,
                     tc_money_format(s.totals[ci], b), y);
        }
        n++;
    }
    if (cols)
        for (const char *const *c = cols; *c; c++)
            n--;
    assert_true(cols ? n == 0 : 1);
}

/* ---------------------------------------------------------------- unloads */

static void test_unload(void **state)
{
    (void)state;
    char dump[1100], unl[1100];
    out_dir("dump", dump, sizeof(dump));
    out_dir("unload", unl, sizeof(unl));
    for (int k = 0; k < 2; k++) {
        const char *c = COUNTIES[k];
        char src[1300], folder[1300], prof[1300];
        snprintf(src, sizeof(src), "%s/sources/%s", city, k == 0 ? "220182.sql.gz" : "220183.dump");
        snprintf(folder, sizeof(folder), "%s/legacy/unload/%s", city, c);
        snprintf(prof, sizeof(prof), "%s/legacy/unload/%s.ini", city, c);
        tc_extract_result rd, ru;
        extract_into(src, NULL, dump, &rd);
        extract_into(folder, prof, unl, &ru);
        assert_string_equal(rd.county, c);
        assert_string_equal(ru.county, c);
        assert_false(rd.counted);
        assert_true(ru.counted);   /* every file's row count was checked */
        assert_memory_equal(rd.records, ru.records, sizeof(rd.records));
        for (int t = 0; t < 10; t++) {
            tc_controls ca, cb;
            tctest_same_batch(dump, unl, c, TYPES[t], &ca, &cb);
            assert_int_equal(ca, TC_CONTROLS_NONE);
            assert_int_equal(cb, TC_CONTROLS_COUNTS);
            tc_batch_header hd, hu;
            tc_batch_summary sd, su;
            batch_of(dump, c, TYPES[t], &hd, &sd);
            batch_of(unl, c, TYPES[t], &hu, &su);
            /* the header differs in the source and its controls, nothing else */
            assert_string_equal(hd.county, hu.county);
            assert_string_equal(hd.cutover, hu.cutover);
            assert_string_equal(hd.coding, hu.coding);
            char want[TC_DIGEST_TEXT_MAX];
            tc_err e;
            assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, folder, want, &e), 0);
            assert_string_equal(hu.source, want);
            as_key(unl, c, TYPES[t], NULL);   /* the figures the generator wrote */
        }
        /* the files: GB18030 with '|', the server's COPY, a check file each */
        char p[1400];
        size_t n;
        snprintf(p, sizeof(p), "%s/kj_km.txt", folder);
        unsigned char *b = tctest_slurp(p, &n);
        assert_non_null(b);
        assert_non_null(memchr(b, '|', n));
        assert_null(memchr(b, '\t', n));
        free(b);
        snprintf(p, sizeof(p), "%s/zj_jfmx.txt.chk", folder);
        char *chk = (char *)tctest_slurp(p, &n);
        assert_non_null(chk);
        json_t *rec = json_object_get(key_records(c), "contribution");
        char want[32];
        snprintf(want, sizeof(want), "%lld\n", (long long)json_integer_value(json_object_get(rec, "count")));
        /* 榆树's zj_jfmx holds one row twice (no primary key): the dump and
         * the unload both have it; the key counts it as the records stand */
        assert_string_equal(chk, want);
        free(chk);
        struct stat st;
        assert_int_equal(stat(folder, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        snprintf(p, sizeof(p), "%s/gr_zh.txt", folder);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
}

/* -------------------------------------------------------------- workbooks */

typedef struct lines {
    char **s;
    size_t n, cap;
} lines;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Credit-normal accounts of county, from the dump's account batch. */
static int credit_normal(const char *dump, const char *county, const char *acc, size_t n)
{
    char p[1300];
    tc_emit_batch_path(p, sizeof(p), dump, county, "account");
    tc_batch_reader *r;
    tc_err e;
    assert_int_equal(tc_batch_open(&r, p, 0, &e), 0);
    const tc_value *v;
    int found = -1, rc;
    while ((rc = tc_batch_next(r, &v, &e)) == 1)
        if (v[0].n == n && memcmp(v[0].s, acc, n) == 0)
            found = !((v[2].n == 5 && memcmp(v[2].s, "asset", 5) == 0) ||
                      (v[2].n == 7 && memcmp(v[2].s, "expense", 7) == 0));
    assert_int_equal(rc, 0);
    tc_batch_close(r);
    if (found < 0)
        fail_msg("account %.*s of %s is not in its chart", (int)n, acc, county);
    return found;
}

/* The batch's records as text lines, sorted; with flip (a balance batch of
 * the dump), the opening and closing of credit-normal accounts negated: what
 * reading the balances debit-positive would give. */
static void records(const char *dir, const char *county, const char *type, const char *flip,
                    lines *out)
{
    char p[1300];
    tc_emit_batch_path(p, sizeof(p), dir, county, type);
    tc_batch_reader *r;
    tc_err e;
    if (tc_batch_open(&r, p, 0, &e))
        fail_msg("%s: %s", p, e.msg);
    const tc_batch_header *h = tc_batch_header_of(r);
    const tc_value *v;
    int rc;
    memset(out, 0, sizeof(*out));
    int open = tc_batch_header_col(h, "opening"), close = tc_batch_header_col(h, "closing"),
        acc = tc_batch_header_col(h, "account");
    while ((rc = tc_batch_next(r, &v, &e)) == 1) {
        char line[4096];
        size_t k = 0;
        int neg = flip && credit_normal(flip, county, v[acc].s, v[acc].n);
        for (int c = 0; c < h->ncols; c++) {
            if (h->cols[c].type == TC_COL_TEXT)
                k += (size_t)snprintf(line + k, sizeof(line) - k, "%.*s|", (int)v[c].n, v[c].s);
            else
                k += (size_t)snprintf(line + k, sizeof(line) - k, "%lld|",
                                      (long long)((neg && (c == open || c == close)) ? -v[c].i
                                                                                      : v[c].i));
        }
        if (out->n == out->cap)
            out->s = realloc(out->s, (out->cap = out->cap ? 2 * out->cap : 256) * sizeof(char *));
        out->s[out->n++] = strdup(line);
    }
    assert_int_equal(rc, 0);
    tc_batch_close(r);
    qsort(out->s, out->n, sizeof(char *), cmp_str);
}

static void lines_free(lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
}

static void same_set(const lines *a, const lines *b, const char *what)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->s[i], b->s[i]) != 0)
            fail_msg("%s: %s in one, %s in the other", what, a->s[i], b->s[i]);
}

static void workbooks(const char *vendor)
{
    char dump[1100], wb[1100];
    out_dir("dump", dump, sizeof(dump));
    out_dir(vendor, wb, sizeof(wb));
    for (int k = 0; k < 2; k++) {
        const char *c = COUNTIES[k];
        char src[1300], folder[1300], prof[1300];
        snprintf(src, sizeof(src), "%s/sources/%s", city, k == 0 ? "220182.sql.gz" : "220183.dump");
        snprintf(folder, sizeof(folder), "%s/legacy/%s/%s", city, vendor, c);
        snprintf(prof, sizeof(prof), "%s/legacy/%s/%s.ini", city, vendor, c);
        tc_extract_result rd, rw;
        extract_into(src, NULL, dump, &rd);
        extract_into(folder, prof, wb, &rw);
        assert_string_equal(rw.county, c);
        assert_false(rw.counted);
        for (int t = 0; t < 10; t++) {
            tc_batch_header hd, hw;
            tc_batch_summary sd, sw;
            batch_of(dump, c, TYPES[t], &hd, &sd);
            batch_of(wb, c, TYPES[t], &hw, &sw);
            assert_string_equal(hd.county, hw.county);
            assert_string_equal(hd.cutover, hw.cutover);
            assert_int_equal(hw.controls, TC_CONTROLS_NONE);
            assert_string_not_equal(hd.source, hw.source);
            char want[TC_DIGEST_TEXT_MAX];
            tc_err e;
            assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, folder, want, &e), 0);
            assert_string_equal(hw.source, want);
            int ledger = strcmp(TYPES[t], "voucher_line") == 0 || strcmp(TYPES[t], "balance") == 0;
            if (!ledger) {
                assert_int_equal(sw.count, 0);   /* a workbook gives the ledger only */
                continue;
            }
            assert_int_equal(sw.count, sd.count);
            assert_int_equal(rw.records[t], rd.records[t]);
        }
        /* the voucher lines: the key's count and totals, the dump's records */
        as_key(wb, c, "voucher_line", NULL);
        lines a, b;
        records(dump, c, "voucher_line", NULL, &a);
        records(wb, c, "voucher_line", NULL, &b);
        same_set(&a, &b, "voucher_line");
        lines_free(&a), lines_free(&b);
        /* the balances: the key's count and turnover, the dump's records, and
         * so its control totals, opening and closing too */
        as_key(wb, c, "balance", (const char *const[]){"debit", "credit", NULL});
        records(dump, c, "balance", NULL, &a);
        records(wb, c, "balance", NULL, &b);
        same_set(&a, &b, "balance");
        lines_free(&a), lines_free(&b);
        tc_batch_header hd, hw;
        tc_batch_summary sd, sw;
        batch_of(dump, c, "balance", &hd, &sd);
        batch_of(wb, c, "balance", &hw, &sw);
        assert_int_equal(hd.ncols, hw.ncols);
        for (int k = 0; k < hd.ncols; k++)
            assert_int_equal(sd.totals[k], sw.totals[k]);
        /* and the sign mattered: the dump's records with the credit-normal
         * balances negated (as a debit-positive reading gives) are others */
        lines f;
        records(dump, c, "balance", dump, &f);
        records(wb, c, "balance", NULL, &b);
        size_t differ = 0;
        for (size_t i = 0; i < f.n; i++)
            differ += strcmp(f.s[i], b.s[i]) != 0;
        assert_true(differ > 0);
        lines_free(&f), lines_free(&b);
    }
}

static void test_yonyou(void **state)
{
    (void)state;
    workbooks("yonyou");
}

static void test_kingdee(void **state)
{
    (void)state;
    workbooks("kingdee");
}

/* The folders and profiles are where docs/example-city.md says. */
static void test_layout(void **state)
{
    (void)state;
    static const char *const files[] = {
        "legacy/unload/220182.ini", "legacy/unload/220183.ini", "legacy/unload/yb2008-copy-text.ini",
        "legacy/unload/220182/kj_pzmx.txt", "legacy/unload/220182/kj_pzmx.txt.chk",
        "legacy/yonyou/220182.ini", "legacy/yonyou/220182/序时账_01.xlsx",
        "legacy/yonyou/220182/科目余额表_01_202101.xlsx", "legacy/kingdee/220183.ini",
        "legacy/kingdee/220183/序时账_02.xlsx", "legacy/kingdee/220183/科目余额表_02_202106.xlsx"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char p[1400];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", city, files[i]);
        if (stat(p, &st) != 0)
            fail_msg("%s is missing", files[i]);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
}

/* The same options give the same bytes: the unloads, the workbooks (their
 * made time is the cutover day's) and the profiles. */
static void test_same_bytes(void **state)
{
    (void)state;
    char again[1100];
    snprintf(again, sizeof(again), "%s/again", work);
    tc_gen_options o;
    tc_gen_defaults(&o);
    o.dir = again;
    o.records = 300;
    o.seed = 7;
    o.legacy_as = TC_GEN_LEGACY_UNLOAD | TC_GEN_LEGACY_YONYOU | TC_GEN_LEGACY_KINGDEE;
    tc_err e;
    if (tc_gen_city(&o, &e))
        fail_msg("generate: %s %s", e.msg, e.hint);
    assert_int_equal(tctest_run("diff -r '%s' '%s' >&2", city, again), 0);
    tctest_rmtree(again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_unload),
        cmocka_unit_test(test_yonyou),
        cmocka_unit_test(test_kingdee),
        cmocka_unit_test(test_same_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
