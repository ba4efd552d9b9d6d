/*
 * test_diff.c - the diff (reconcile/diff.h) on small batches written here,
 * whose differences are known by construction: records added, removed and
 * changed by natural key, a key repeated on both sides, a side written in
 * another order, types on one side only, city batches whose lineage moves,
 * a rejects batch; the exact counts, the fen each control total moves by,
 * the keys listed and their order, identity numbers masked in everything
 * written, the same bytes twice, the limit, the refusals (two counties, a
 * type twice, a flipped byte), and two reconciliation documents compared.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>

#include <jansson.h>

#include "core/batch.h"
#include "reconcile/diff.h"

/* The standard's sample identity number, and others that look like one. */
#define ID1 "11010519491231002X"
#define ID2 "110105195001010017"
#define ID3 "220113198503150014"
#define USCC "91220113MA0Y3K8L2F"

static int ncase;
static char dir_old[1200], dir_new[1200];

/* Fresh old/ and new/ folders for one case. */
static void new_case(void)
{
    ncase++;
    snprintf(dir_old, sizeof(dir_old), "%s/c%d-old", tctest_dir, ncase);
    snprintf(dir_new, sizeof(dir_new), "%s/c%d-new", tctest_dir, ncase);
    assert_int_equal(mkdir(dir_old, 0755), 0);
    assert_int_equal(mkdir(dir_new, 0755), 0);
}

/* ------------------------------------------------------------- batches */

typedef struct bw {
    tc_batch_writer *w;
    tc_batch_header h;
    long long n;
} bw;

/* Start DIR/COUNTY.TYPE.tcb; city batches get map's lineage columns,
 * rejects batches map's reject columns. */
static void bw_open(bw *b, const char *dir, const char *type, const char *county,
                    const char *coding, int rejects)
{
    tc_err e;
    tc_err_clear(&e);
    memset(b, 0, sizeof(*b));
    const tc_rectype *t = tc_rectype_find(type);
    assert_non_null(t);
    assert_int_equal(tc_batch_header_init(&b->h, t, county, coding, &e), 0);
    if (strcmp(coding, "city") == 0 && !rejects) {
        assert_int_equal(tc_batch_header_add_column(&b->h, "src_county", TC_COL_TEXT, &e), 0);
        assert_int_equal(tc_batch_header_add_column(&b->h, "src_record", TC_COL_INT, &e), 0);
    }
    if (rejects) {
        assert_int_equal(tc_batch_header_add_column(&b->h, "src_record", TC_COL_INT, &e), 0);
        assert_int_equal(tc_batch_header_add_column(&b->h, "reject_dimension", TC_COL_TEXT, &e),
                         0);
        assert_int_equal(tc_batch_header_add_column(&b->h, "reject_code", TC_COL_TEXT, &e), 0);
        assert_int_equal(tc_batch_header_add_column(&b->h, "reject_date", TC_COL_DATE, &e), 0);
    }
    char path[1400];
    snprintf(path, sizeof(path), "%s/%s.%s%s.tcb", dir, county, type, rejects ? ".rejects" : "");
    assert_int_equal(tc_batch_create(&b->w, path, &b->h, &e), 0);
}

/* A contribution: payer, kind, fund, period, base, rate 7 %, due, paid
 * (fen); city batches also get src_county and src_record = extra. */
static void contrib(bw *b, const char *payer, const char *kind, int period, int64_t base,
                    int64_t due, int64_t paid, int64_t extra)
{
    tc_err e;
    tc_value v[TC_MAX_COLUMNS] = {
        tc_v_text(payer, strlen(payer)), tc_v_text(kind, strlen(kind)), tc_v_text("310", 3),
        tc_v_int(period), tc_v_int(base), tc_v_int(700), tc_v_int(due), tc_v_int(paid)};
    for (int i = 8; i < b->h.ncols; i++)
        v[i] = b->h.cols[i].type == TC_COL_TEXT ? tc_v_text("220113", 6)
               : b->h.cols[i].type == TC_COL_DATE ? tc_v_int(20210630)
                                                  : tc_v_int(extra);
    assert_int_equal(tc_batch_write(b->w, v, &e), 0);
    b->n++;
}

static void person(bw *b, const char *id, const char *fund, int64_t balance)
{
    tc_err e;
    tc_value v[3] = {tc_v_text(id, strlen(id)), tc_v_text(fund, strlen(fund)), tc_v_int(balance)};
    assert_int_equal(tc_batch_write(b->w, v, &e), 0);
}

static void subsidy(bw *b, const char *level, int year, int64_t due, int64_t received)
{
    tc_err e;
    tc_value v[5] = {tc_v_text(level, strlen(level)), tc_v_text("390", 3), tc_v_int(year),
                     tc_v_int(due), tc_v_int(received)};
    assert_int_equal(tc_batch_write(b->w, v, &e), 0);
}

static void bw_commit(bw *b)
{
    tc_err e;
    assert_int_equal(tc_batch_commit(b->w, NULL, &e), 0);
}

/* ------------------------------------------------------------- helpers */

static tc_diff *diff_dirs(const char *old, const char *new_, long limit, tc_err *e)
{
    tc_diff_opts o;
    tc_diff_opts_init(&o);
    if (limit >= 0)
        o.limit = limit;
    o.tmpdir = tctest_dir;
    tc_diff *d = NULL;
    const char *a[1] = {old}, *b[1] = {new_};
    tc_err_clear(e);
    int rc = tc_diff_batches(&d, a, 1, b, 1, &o, e);
    if (rc)
        return NULL;
    return d;
}

/* What a writer makes of d, in memory; the caller frees it. */
static char *render(const tc_diff *d, int page)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    tc_err e;
    if (page == 2)
        tc_diff_summary(d, f);
    else
        assert_int_equal(page ? tc_diff_write_page(d, f, &e) : tc_diff_write_json(d, f, &e), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static json_t *as_json(const tc_diff *d)
{
    char *s = render(d, 0);
    json_error_t je;
    json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fail_msg("diff.json is not JSON: %s at %d:%d", je.text, je.line, je.column);
    free(s);
    return j;
}

/* The type object named name in a batch diff's JSON. */
static json_t *jtype(json_t *doc, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(doc, "types"), i, t)
        if (strcmp(json_string_value(json_object_get(t, "type")), name) == 0)
            return t;
    fail_msg("no type %s in diff.json", name);
    return NULL;
}

static const char *jget(json_t *o, const char *path)
{
    /* "a.b.c" through objects; a string at the end */
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *k = strtok(buf, "."); k; k = strtok(NULL, "."))
        o = json_object_get(o, k);
    assert_non_null(o);
    return json_string_value(o);
}

/* A yuan string of diff.json as fen. */
static int64_t jfen(json_t *o, const char *key)
{
    tc_fen v;
    tc_err e;
    const char *s = json_string_value(json_object_get(o, key));
    assert_non_null(s);
    assert_int_equal(tc_money_parse_yuan(s, strlen(s), &v, &e), 0);
    return v;
}

static void assert_no_id(const char *text, const char *what)
{
    const char *ids[] = {ID1, ID2, ID3};
    for (int i = 0; i < 3; i++)
        if (strstr(text, ids[i]))
            fail_msg("%s shows the identity number %s unmasked", what, ids[i]);
}

/* ------------------------------------------------------ the main case */

/*
 * Contributions, old and new, the new written in another order:
 *   ID1 202101   the same on both sides                       unchanged
 *   ID1 202102   paid 1000.00 -> 1200.00                       changed
 *   ID2 202101   old only (due 500.00, paid 500.00)            removed
 *   ID2 202103   new only (due 700.00, paid 650.00)            added
 *   USCC 202101  twice on both sides: (a) on both, (b) old    the repeated key:
 *                only, (c) new only                            (b) removed, (c) added
 * plus personal accounts on the old side only (removed), subsidies on the
 * new side only (added).
 */
static void write_main_case(void)
{
    new_case();
    bw o, n;
    bw_open(&o, dir_old, "contribution", "220113", "county", 0);
    contrib(&o, ID1, "employee", 202101, 1000000, 70000, 70000, 0);
    contrib(&o, ID1, "employee", 202102, 1000000, 70000, 100000, 0);
    contrib(&o, ID2, "employee", 202101, 714300, 50000, 50000, 0);
    contrib(&o, USCC, "employer", 202101, 2000000, 140000, 140000, 0);   /* (a) */
    contrib(&o, USCC, "employer", 202101, 2000000, 140000, 130000, 0);   /* (b) */
    bw_commit(&o);
    bw_open(&n, dir_new, "contribution", "220113", "county", 0);
    contrib(&n, USCC, "employer", 202101, 2000000, 140000, 120000, 0);   /* (c) */
    contrib(&n, ID2, "employee", 202103, 1000000, 70000, 65000, 0);
    contrib(&n, ID1, "employee", 202102, 1000000, 70000, 120000, 0);
    contrib(&n, USCC, "employer", 202101, 2000000, 140000, 140000, 0);   /* (a) */
    contrib(&n, ID1, "employee", 202101, 1000000, 70000, 70000, 0);
    bw_commit(&n);
    bw_open(&o, dir_old, "personal_account", "220113", "county", 0);
    person(&o, ID3, "310", 123456);
    person(&o, ID1, "310", 1);
    bw_commit(&o);
    bw_open(&n, dir_new, "subsidy", "220113", "county", 0);
    subsidy(&n, "city", 2020, 5000000, 4000000);
    bw_commit(&n);
}

static void test_counts_totals_listing(void **state)
{
    (void)state;
    write_main_case();
    tc_err e;
    tc_diff *d = diff_dirs(dir_old, dir_new, -1, &e);
    if (!d)
        fail_msg("diff failed: %s", e.msg);
    assert_int_equal(tc_diff_changed(d), 1);

    tc_diff_counts c;
    assert_int_equal(tc_diff_type_counts(d, "contribution", &c), 0);
    assert_int_equal(c.old, 5);
    assert_int_equal(c.new_, 5);
    assert_int_equal(c.added, 2);
    assert_int_equal(c.removed, 2);
    assert_int_equal(c.changed, 1);
    assert_int_equal(c.listed_added, 2);
    assert_int_equal(c.listed_removed, 2);
    assert_int_equal(c.listed_changed, 1);

    /* totals, fen: paid old 70000+100000+50000+140000+130000 = 490000,
     * new 120000+65000+120000+140000+70000 = 515000 */
    tc_fen a, b, dl;
    assert_int_equal(tc_diff_type_total(d, "contribution", "paid", &a, &b, &dl), 0);
    assert_int_equal(a, 490000);
    assert_int_equal(b, 515000);
    assert_int_equal(dl, 25000);
    /* due: old 70000*2+50000+140000*2 = 470000, new 140000+70000+70000+140000+70000 = 490000 */
    assert_int_equal(tc_diff_type_total(d, "contribution", "due", &a, &b, &dl), 0);
    assert_int_equal(dl, 20000);
    /* base: old 6714300, new 7000000 */
    assert_int_equal(tc_diff_type_total(d, "contribution", "base", &a, &b, &dl), 0);
    assert_int_equal(dl, 285700);
    assert_int_equal(tc_diff_type_total(d, "contribution", "rate", &a, &b, &dl), -1);

    /* one side only */
    assert_int_equal(tc_diff_type_counts(d, "personal_account", &c), 0);
    assert_int_equal(c.present_old, 1);
    assert_int_equal(c.present_new, 0);
    assert_int_equal(c.removed, 2);
    assert_int_equal(c.added, 0);
    assert_int_equal(tc_diff_type_total(d, "personal_account", "balance", &a, &b, &dl), 0);
    assert_int_equal(dl, -123457);
    assert_int_equal(tc_diff_type_counts(d, "subsidy", &c), 0);
    assert_int_equal(c.added, 1);
    assert_int_equal(c.present_old, 0);
    assert_int_equal(tc_diff_type_total(d, "subsidy", "received", &a, &b, &dl), 0);
    assert_int_equal(dl, 4000000);
    assert_int_equal(tc_diff_type_counts(d, "balance", &c), -1);

    /* the JSON: the same figures, the listed records in natural-key order */
    json_t *j = as_json(d);
    json_t *t = jtype(j, "contribution");
    assert_int_equal(json_integer_value(json_object_get(t, "added")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(t, "repeated_keys"),
                                                        "old")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(t, "repeated_keys"),
                                                        "new")), 1);
    json_t *tot = json_array_get(json_object_get(t, "totals"), 2);
    assert_string_equal(json_string_value(json_object_get(tot, "column")), "paid");
    assert_int_equal(jfen(tot, "old"), 490000);
    assert_int_equal(jfen(tot, "new"), 515000);
    assert_int_equal(jfen(tot, "delta"), 25000);
    json_t *listed = json_object_get(t, "listed");
    json_t *added = json_object_get(listed, "added"), *removed = json_object_get(listed, "removed");
    assert_int_equal(json_array_size(added), 2);
    /* by key: "110105..." sorts before "91220113..." */
    assert_string_equal(jget(json_array_get(added, 0), "payer"), "110105********0017");
    assert_string_equal(jget(json_array_get(added, 0), "period"), "2021-03");
    assert_string_equal(jget(json_array_get(added, 0), "paid"), "650.00");
    assert_string_equal(jget(json_array_get(added, 1), "payer"), "912201********8L2F");
    assert_string_equal(jget(json_array_get(added, 1), "paid"), "1200.00");
    assert_string_equal(jget(json_array_get(removed, 0), "payer"), "110105********0017");
    assert_string_equal(jget(json_array_get(removed, 0), "period"), "2021-01");
    assert_string_equal(jget(json_array_get(removed, 1), "paid"), "1300.00");
    json_t *ch = json_array_get(json_object_get(listed, "changed"), 0);
    assert_string_equal(jget(ch, "key.payer"), "110105********002X");
    assert_string_equal(jget(ch, "key.period"), "2021-02");
    json_t *cols = json_object_get(ch, "columns");
    assert_int_equal(json_array_size(cols), 1);
    assert_string_equal(jget(json_array_get(cols, 0), "column"), "paid");
    assert_string_equal(jget(json_array_get(cols, 0), "old"), "1000.00");
    assert_string_equal(jget(json_array_get(cols, 0), "new"), "1200.00");
    json_t *pa = json_object_get(json_object_get(jtype(j, "personal_account"), "listed"),
                                 "removed");
    assert_string_equal(jget(json_array_get(pa, 0), "person"), "110105********002X");
    assert_string_equal(jget(json_array_get(pa, 1), "person"), "220113********0014");
    assert_true(json_is_null(json_object_get(jtype(j, "subsidy"), "old")));
    json_decref(j);

    /* identity numbers masked in all three renderings */
    for (int k = 0; k < 3; k++) {
        char *s = render(d, k);
        assert_no_id(s, k == 0 ? "diff.json" : k == 1 ? "the page" : "the summary");
        if (k == 1)
            assert_non_null(strstr(s, "110105********002X"));
        if (k == 2)
            assert_non_null(strstr(s, "  total paid             4900.00 -> 5150.00 (+250.00)"));
        free(s);
    }
    tc_diff_free(d);
}

/* Two runs (each with its own hash key) give the same bytes; the folder
 * gets both files, mode 0600, and no spill file is left behind. */
static void test_deterministic_files(void **state)
{
    (void)state;
    write_main_case();
    char out[2][1300];
    unsigned char *bytes[2][2];
    size_t len[2][2];
    static const char *const names[2] = {"diff.json", "diff.html"};
    for (int r = 0; r < 2; r++) {
        tc_err e;
        tc_diff *d = diff_dirs(dir_old, dir_new, -1, &e);
        assert_non_null(d);
        snprintf(out[r], sizeof(out[r]), "%s/out%d-%d", tctest_dir, ncase, r);
        assert_int_equal(mkdir(out[r], 0755), 0);
        assert_int_equal(tc_diff_write(d, out[r], &e), 0);
        tc_diff_free(d);
        assert_int_equal(tctest_count_files(out[r]), 2);
        for (int k = 0; k < 2; k++) {
            char p[1400];
            struct stat st;
            snprintf(p, sizeof(p), "%s/%s", out[r], names[k]);
            assert_int_equal(stat(p, &st), 0);
            assert_int_equal(st.st_mode & 0777, 0600);
            bytes[r][k] = tctest_slurp(p, &len[r][k]);
            assert_non_null(bytes[r][k]);
        }
    }
    for (int k = 0; k < 2; k++) {
        assert_int_equal(len[0][k], len[1][k]);
        assert_memory_equal(bytes[0][k], bytes[1][k], len[0][k]);
        free(bytes[0][k]);
        free(bytes[1][k]);
    }
    /* the spill went to tctest_dir: nothing of it remains */
    char cmd[1400];
    snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -q tc-spill", tctest_dir);
    assert_int_not_equal(tctest_run("%s", cmd), 0);
}

/* The same records in another order, in a city batch whose src_record
 * (where each record was in its source) moves with them: no difference. */
static void test_order_and_lineage(void **state)
{
    (void)state;
    new_case();
    bw o, n;
    bw_open(&o, dir_old, "contribution", "220113", "city", 0);
    bw_open(&n, dir_new, "contribution", "220113", "city", 0);
    for (int i = 0; i < 300; i++) {
        char payer[32];
        snprintf(payer, sizeof(payer), "91220113MA%08d", i);
        contrib(&o, payer, "employer", 202101 + i % 6, 100000 + i, 7000 + i, 7000 + i, i + 1);
    }
    /* new: one record more at the start, then the old ones backwards */
    contrib(&n, "91220113MA99999999", "employer", 202106, 1, 2, 3, 1);
    for (int i = 299; i >= 0; i--) {
        char payer[32];
        snprintf(payer, sizeof(payer), "91220113MA%08d", i);
        contrib(&n, payer, "employer", 202101 + i % 6, 100000 + i, 7000 + i, 7000 + i, 301 - i);
    }
    bw_commit(&o);
    bw_commit(&n);
    /* a rejects batch, its own type, the same on both sides */
    for (int s = 0; s < 2; s++) {
        bw r;
        bw_open(&r, s ? dir_new : dir_old, "contribution", "220113", "county", 1);
        contrib(&r, USCC, "employer", 202101, 5, 6, 7, 9);
        bw_commit(&r);
    }
    tc_err e;
    tc_diff *d = diff_dirs(dir_old, dir_new, -1, &e);
    if (!d)
        fail_msg("diff failed: %s", e.msg);
    tc_diff_counts c;
    assert_int_equal(tc_diff_type_counts(d, "contribution", &c), 0);
    assert_int_equal(c.added, 1);
    assert_int_equal(c.removed, 0);
    assert_int_equal(c.changed, 0);
    assert_int_equal(tc_diff_type_counts(d, "contribution.rejects", &c), 0);
    assert_int_equal(c.old, 1);
    assert_int_equal(c.added + c.removed + c.changed, 0);
    tc_fen a, b, dl;
    assert_int_equal(tc_diff_type_total(d, "contribution", "paid", &a, &b, &dl), 0);
    assert_int_equal(dl, 3);
    json_t *j = as_json(d);
    assert_string_equal(jget(j, "coding"), "city");
    json_t *ad = json_array_get(json_object_get(json_object_get(jtype(j, "contribution"),
                                                                "listed"), "added"), 0);
    assert_string_equal(jget(ad, "payer"), "912201********9999");
    assert_string_equal(jget(ad, "src_record"), "1");
    json_decref(j);
    tc_diff_free(d);

    /* the old side against itself: identical */
    d = diff_dirs(dir_old, dir_old, -1, &e);
    assert_non_null(d);
    assert_int_equal(tc_diff_changed(d), 0);
    char *s = render(d, 2);
    assert_non_null(strstr(s, "identical"));
    free(s);
    tc_diff_free(d);
}

/* 2,500 changed records, 1,200 added: the counts exact, the listing the
 * first `limit` by natural key; limit 0 lists none. */
static void test_limit(void **state)
{
    (void)state;
    new_case();
    bw o, n;
    bw_open(&o, dir_old, "contribution", "220113", "county", 0);
    bw_open(&n, dir_new, "contribution", "220113", "county", 0);
    int64_t want = 0;
    for (int i = 0; i < 3700; i++) {
        char payer[32];
        int k = (i * 7919) % 3700;   /* a permutation of 0..3699: unordered */
        snprintf(payer, sizeof(payer), "91220113MA%08d", k);
        if (k < 3700 - 1200)
            contrib(&o, payer, "employer", 202101, 100000, 7000, 7000, 0);
        contrib(&n, payer, "employer", 202101, 100000, 7000, k < 2500 ? 7001 : 7000, 0);
        want += k < 2500 ? 1 : 0;
    }
    bw_commit(&o);
    bw_commit(&n);
    for (long limit = 0; limit <= 10; limit += 10) {
        tc_err e;
        tc_diff *d = diff_dirs(dir_old, dir_new, limit, &e);
        assert_non_null(d);
        tc_diff_counts c;
        assert_int_equal(tc_diff_type_counts(d, "contribution", &c), 0);
        assert_int_equal(c.changed, 2500);
        assert_int_equal(c.added, 1200);
        assert_int_equal(c.removed, 0);
        assert_int_equal(c.listed_changed, (uint64_t)limit);
        assert_int_equal(c.listed_added, (uint64_t)limit);
        tc_fen a, b, dl;
        assert_int_equal(tc_diff_type_total(d, "contribution", "paid", &a, &b, &dl), 0);
        assert_int_equal(dl, want + 1200 * 7000);
        json_t *j = as_json(d);
        json_t *l = json_object_get(jtype(j, "contribution"), "listed");
        assert_int_equal(json_array_size(json_object_get(l, "changed")), (size_t)limit);
        for (long i = 0; i < limit; i++) {
            /* changed: keys 0..2499, the first ten 0..9; added: 2500.. */
            char want_payer[32], want_added[32];
            snprintf(want_payer, sizeof(want_payer), "912201********%04ld", i);
            snprintf(want_added, sizeof(want_added), "912201********%04ld", 2500 + i);
            json_t *ch = json_array_get(json_object_get(l, "changed"), (size_t)i);
            assert_string_equal(jget(ch, "key.payer"), want_payer);
            assert_string_equal(jget(json_array_get(json_object_get(l, "added"), (size_t)i),
                                     "payer"), want_added);
        }
        json_decref(j);
        tc_diff_free(d);
    }
}

/* Partitions too big for memory are split, down to a key repeated more
 * often than fits (identical records, legacy style): the same answer. */
static void test_split_partitions(void **state)
{
    (void)state;
    new_case();
    bw o, n;
    bw_open(&o, dir_old, "contribution", "220113", "county", 0);
    bw_open(&n, dir_new, "contribution", "220113", "county", 0);
    for (int i = 0; i < 400; i++) {
        char payer[32];
        snprintf(payer, sizeof(payer), "91220113MA%08d", i);
        contrib(&o, payer, "employer", 202101, 100000, 7000, 7000, 0);
        contrib(&n, payer, "employer", 202101, 100000, 7000, i % 4 ? 7000 : 7100, 0);
    }
    /* one key 300 times old, 350 new: 250 + 300 identical, 50 differing */
    for (int i = 0; i < 350; i++) {
        if (i < 300)
            contrib(&o, ID1, "employee", 202101, 1, 2, i < 250 ? 2 : 3, 0);
        contrib(&n, ID1, "employee", 202101, 1, 2, 2, 0);
    }
    bw_commit(&o);
    bw_commit(&n);
    tc_diff_counts want = {0};
    for (int pass = 0; pass < 3; pass++) {
        tc_diff_opts opt;
        tc_diff_opts_init(&opt);
        opt.tmpdir = tctest_dir;
        opt.partition_max = pass == 0 ? 0 : pass == 1 ? 40 : 3;
        tc_diff *d;
        tc_err e;
        const char *a[1] = {dir_old}, *b[1] = {dir_new};
        assert_int_equal(tc_diff_batches(&d, a, 1, b, 1, &opt, &e), 0);
        tc_diff_counts c;
        assert_int_equal(tc_diff_type_counts(d, "contribution", &c), 0);
        assert_int_equal(c.changed, 100);
        assert_int_equal(c.added, 100);    /* 350 - 250 of the repeated key */
        assert_int_equal(c.removed, 50);
        if (pass == 0)
            want = c;
        assert_memory_equal(&c, &want, sizeof(c));
        char *s = render(d, 0);
        assert_non_null(strstr(s, "\"repeated_keys\": {\"old\": 1, \"new\": 1}"));
        free(s);
        tc_diff_free(d);
    }
}

/* ------------------------------------------------------------ refusals */

static void test_refusals(void **state)
{
    (void)state;
    tc_err e;
    /* two counties */
    new_case();
    bw o, n;
    bw_open(&o, dir_old, "subsidy", "220113", "county", 0);
    subsidy(&o, "city", 2020, 1, 1);
    bw_commit(&o);
    bw_open(&n, dir_new, "subsidy", "220182", "county", 0);
    subsidy(&n, "city", 2020, 1, 1);
    bw_commit(&n);
    assert_null(diff_dirs(dir_old, dir_new, -1, &e));
    assert_int_equal(e.code, TC_EINPUT);
    assert_non_null(strstr(e.file, "220182.subsidy.tcb"));
    assert_non_null(strstr(e.msg, "220113.subsidy.tcb"));
    assert_non_null(strstr(e.msg, "county 220182"));

    /* county and city coding */
    new_case();
    bw_open(&o, dir_old, "subsidy", "220113", "county", 0);
    subsidy(&o, "city", 2020, 1, 1);
    bw_commit(&o);
    bw_open(&n, dir_new, "contribution", "220113", "city", 0);
    bw_commit(&n);
    assert_null(diff_dirs(dir_old, dir_new, -1, &e));
    assert_int_equal(e.code, TC_EINPUT);
    assert_non_null(strstr(e.msg, "city coding"));

    /* a type twice on one side: both files named */
    new_case();
    bw_open(&o, dir_old, "subsidy", "220113", "county", 0);
    bw_commit(&o);
    bw_open(&n, dir_new, "subsidy", "220113", "county", 0);
    bw_commit(&n);
    char cmd[3000];
    snprintf(cmd, sizeof(cmd), "cp '%s/220113.subsidy.tcb' '%s/copy.tcb'", dir_old, dir_old);
    assert_int_equal(tctest_run("%s", cmd), 0);
    assert_null(diff_dirs(dir_old, dir_new, -1, &e));
    assert_int_equal(e.code, TC_EINPUT);
    assert_non_null(strstr(e.msg, "a second subsidy batch on the old side"));
    assert_non_null(strstr(e.file, ".tcb"));
    assert_non_null(strstr(e.msg, ".tcb"));
    assert_string_not_equal(strrchr(e.file, '/'), strrchr(e.msg, '/'));

    /* a folder without batches */
    new_case();
    bw_open(&n, dir_new, "subsidy", "220113", "county", 0);
    bw_commit(&n);
    assert_null(diff_dirs(dir_old, dir_new, -1, &e));
    assert_int_equal(e.code, TC_EINPUT);
    assert_non_null(strstr(e.msg, "no batches"));
}

/* One flipped byte in a batch: an integrity error, no result, and no
 * spill left; the other side's batches intact. */
static void test_corrupt_batch(void **state)
{
    (void)state;
    write_main_case();
    char p[1400];
    snprintf(p, sizeof(p), "%s/220113.contribution.tcb", dir_new);
    size_t n;
    unsigned char *b = tctest_slurp(p, &n);
    assert_non_null(b);
    for (size_t at = 20; at < n; at += n / 7) {
        unsigned char *c = malloc(n);
        memcpy(c, b, n);
        c[at] ^= 0x01;
        assert_int_equal(tctest_spit(p, c, n), 0);
        free(c);
        char spill[1300];
        snprintf(spill, sizeof(spill), "%s/spill-%zu", tctest_dir, at);
        assert_int_equal(mkdir(spill, 0755), 0);
        tc_diff_opts o;
        tc_diff_opts_init(&o);
        o.tmpdir = spill;
        tc_diff *d = NULL;
        tc_err e;
        tc_err_clear(&e);
        const char *x[1] = {dir_old}, *y[1] = {dir_new};
        int rc = tc_diff_batches(&d, x, 1, y, 1, &o, &e);
        if (rc != TC_EINTEGRITY)
            fail_msg("byte %zu flipped: %s, wanted an integrity error (%s)", at,
                     tc_code_name(rc), e.msg);
        assert_null(d);
        assert_non_null(strstr(e.file, "220113.contribution.tcb"));
        assert_int_equal(tctest_count_files(spill), 0);
    }
    assert_int_equal(tctest_spit(p, b, n), 0);
    free(b);
}

/* ------------------------------------------------------ reconciliations */

static json_t *fixture(void)
{
    json_error_t je;
    json_t *j = json_load_file(TC_TEST_SOURCE_DIR "/tests/reconcile/fixtures/report.json", 0, &je);
    assert_non_null(j);
    return j;
}

static void save(json_t *j, const char *path)
{
    assert_int_equal(json_dump_file(j, path, JSON_INDENT(1)), 0);
}

static json_t *county_of(json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "counties"), i);
}

static json_t *fund_of(json_t *county, size_t i)
{
    return json_array_get(json_object_get(county, "funds"), i);
}

static void test_reconciliations(void **state)
{
    (void)state;
    char a[1300], b[1300];
    snprintf(a, sizeof(a), "%s/rec-old.json", tctest_dir);
    snprintf(b, sizeof(b), "%s/rec-new.json", tctest_dir);
    json_t *o = fixture(), *n = fixture();
    /* 220113: fund 310 cash -78.90 and transfer with it; a warning's amount
     * changes; a blocking finding is added, so the county is blocked now */
    json_t *c = county_of(n, 0), *f = fund_of(c, 0);
    json_object_set_new(f, "cash", json_string("12345600.00"));
    json_object_set_new(f, "transfer", json_string("12345600.00"));
    json_object_set_new(json_object_get(f, "arrears_aging"), "13+", json_string("26789.13"));
    json_t *fs = json_object_get(c, "findings");
    json_object_set_new(json_array_get(fs, 0), "amount", json_string("0.02"));
    json_array_append_new(fs, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "county", "220113",
                                        "code", "VOUCHER_UNBALANCED", "severity", "blocking",
                                        "fund", "310", "ref", "2021-02-0009", "amount", "0.05",
                                        "message", "payer " ID1 " voucher"));
    /* 220182: its blocking finding resolved (it becomes "findings"), its
     * second finding gone too; the old side's 220182 loses... nothing else */
    json_array_clear(json_object_get(county_of(n, 1), "findings"));
    /* the old side lacks 220184: the new side adds it */
    json_t *nc = json_deep_copy(county_of(o, 1));
    json_object_set_new(nc, "county", json_string("220184"));
    json_object_set_new(nc, "name", json_string("公主岭市"));
    json_array_append_new(json_object_get(n, "counties"), nc);
    json_object_set_new(json_object_get(n, "totals"), "transfer", json_string("33975252.84"));
    save(o, a);
    save(n, b);

    tc_diff_opts opt;
    tc_diff_opts_init(&opt);
    tc_diff *d;
    tc_err e;
    assert_int_equal(tc_diff_open(&d, a, b, &opt, &e), 0);
    assert_int_equal(tc_diff_changed(d), 1);
    json_t *j = as_json(d);
    assert_string_equal(jget(j, "kind"), "reconciliations");
    /* statuses: 220113 findings -> blocked, 220182 blocked -> clean, 220184 added */
    json_t *cs = json_object_get(j, "counties");
    assert_int_equal(json_array_size(cs), 3);
    assert_string_equal(jget(json_array_get(cs, 0), "county"), "220113");
    assert_string_equal(jget(json_array_get(cs, 0), "old"), "findings");
    assert_string_equal(jget(json_array_get(cs, 0), "new"), "blocked");
    assert_true(json_is_false(json_object_get(json_object_get(json_array_get(cs, 0), "blocked"),
                                              "old")));
    assert_true(json_is_true(json_object_get(json_object_get(json_array_get(cs, 0), "blocked"),
                                             "new")));
    assert_string_equal(jget(json_array_get(cs, 1), "new"), "clean");
    assert_true(json_is_false(json_object_get(json_object_get(json_array_get(cs, 1), "blocked"),
                                              "new")));
    assert_string_equal(jget(json_array_get(cs, 2), "county"), "220184");
    assert_true(json_is_null(json_object_get(json_array_get(cs, 2), "old")));
    /* figures: 220113/310 cash, arrears_aging.13+, transfer; 220184's
     * non-zero figures; the city's transfer */
    json_t *fg = json_object_get(j, "figures");
    json_t *x = json_array_get(fg, 0);
    assert_string_equal(jget(x, "county"), "220113");
    assert_string_equal(jget(x, "fund"), "310");
    assert_string_equal(jget(x, "figure"), "cash");
    assert_int_equal(jfen(x, "old"), 1234567890);
    assert_int_equal(jfen(x, "new"), 1234560000);
    assert_int_equal(jfen(x, "delta"), -7890);
    x = json_array_get(fg, 1);
    assert_string_equal(jget(x, "figure"), "arrears_aging.13+");
    assert_int_equal(jfen(x, "delta"), 1);
    x = json_array_get(fg, 2);
    assert_string_equal(jget(x, "figure"), "transfer");
    assert_int_equal(jfen(x, "delta"), -7890);
    x = json_array_get(fg, 3);
    assert_string_equal(jget(x, "county"), "220184");
    assert_string_equal(jget(x, "figure"), "cash");
    assert_true(json_is_null(json_object_get(x, "old")));
    assert_int_equal(jfen(x, "delta"), 543210987);
    x = json_array_get(fg, json_array_size(fg) - 1);
    assert_null(json_object_get(x, "county"));
    assert_string_equal(jget(x, "figure"), "transfer");
    assert_int_equal(jfen(x, "delta"), 643203197);
    /* findings: added: 220113's new one, and 220184's two; removed:
     * 220182's two; changed: 220113's DUE_MISMATCH */
    json_t *fd = json_object_get(j, "findings");
    assert_int_equal(json_integer_value(json_object_get(fd, "added")), 3);
    assert_int_equal(json_integer_value(json_object_get(fd, "removed")), 2);
    assert_int_equal(json_integer_value(json_object_get(fd, "changed")), 1);
    json_t *l = json_object_get(fd, "listed");
    x = json_array_get(json_object_get(l, "added"), 0);
    assert_string_equal(jget(x, "code"), "VOUCHER_UNBALANCED");
    assert_string_equal(jget(x, "message"), "payer 110105********002X voucher");
    x = json_array_get(json_object_get(l, "removed"), 0);
    assert_string_equal(jget(x, "county"), "220182");
    assert_string_equal(jget(x, "code"), "EQUATION_BREAK");
    x = json_array_get(json_object_get(l, "changed"), 0);
    assert_string_equal(jget(x, "old.ref"), "220113********0014/2020-11");
    assert_int_equal(jfen(json_object_get(x, "old"), "amount"), 1);
    assert_int_equal(jfen(json_object_get(x, "new"), "amount"), 2);
    json_decref(j);
    for (int k = 0; k < 3; k++) {
        char *s = render(d, k);
        assert_no_id(s, "a reconciliation diff");
        free(s);
    }
    tc_diff_free(d);

    /* a document against itself: identical */
    assert_int_equal(tc_diff_reconciliations(&d, a, a, &opt, &e), 0);
    assert_int_equal(tc_diff_changed(d), 0);
    tc_diff_free(d);

    /* not a reconciliation: refused, naming the file and the reason */
    json_object_del(county_of(n, 0), "funds");
    save(n, b);
    assert_int_equal(tc_diff_reconciliations(&d, a, b, &opt, &e), TC_EINPUT);
    assert_non_null(strstr(e.file, "rec-new.json"));
    assert_non_null(strstr(e.msg, "missing key 'funds'"));
    assert_int_equal(tctest_spit(b, "[1, 2", 5), 0);
    assert_int_equal(tc_diff_reconciliations(&d, a, b, &opt, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "not JSON"));
    /* a county twice */
    json_array_append(json_object_get(o, "counties"), county_of(o, 0));
    save(o, b);
    assert_int_equal(tc_diff_reconciliations(&d, a, b, &opt, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "the county '220113' is listed twice in counties"));
    /* a batch folder against a reconciliation: a usage error */
    write_main_case();
    assert_int_equal(tc_diff_open(&d, dir_old, a, &opt, &e), TC_EUSAGE);
    json_decref(o);
    json_decref(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_totals_listing),
        cmocka_unit_test(test_deterministic_files),
        cmocka_unit_test(test_order_and_lineage),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_split_partitions),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_corrupt_batch),
        cmocka_unit_test(test_reconciliations),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
