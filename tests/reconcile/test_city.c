/*
 * test_city.c - the example city reconciled equals the generator's answer
 * key: generated with its defaults (the two YB2008 counties as pg_dump
 * files, from a private PostgreSQL server the generator starts), every
 * county extracted and mapped with mappings/changchun, then reconciled.
 * Every figure of every county and fund, every bank statement, every
 * finding (none missing, none extra, severities included), the totals and
 * the status must be the key's, to the fen; a second run gives the same
 * bytes of reconciliation.json and findings.csv.
 *
 * A part handover that gives a fund its own, earlier cutover: the fund's
 * figures are those of its date, computed here again straight from the
 * city batches (balances, contributions, payables), every other fund's are
 * the plain run's to the fen, and a date after the batches' is refused.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/batch.h"
#include "core/money.h"
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

/* Reconcile every city batch into out with the given funds' own cutovers
 * ("COUNTY:FUND=DATE"); the result code, e filled on failure. */
static int run_with(const char *out, const char *const *cutovers, int n, int *status, tc_err *e)
{
    tc_err_clear(e);
    mkdir(out, 0755);
    tc_mapset *m = NULL;
    tc_reconcile_opts o = {.cutovers = cutovers, .ncutovers = n};
    int rc = tc_mapset_load(&m, SET, e);
    if (!rc)
        rc = tc_reconcile_run(m, all, npaths, n ? &o : NULL, out, NULL, NULL, status, e);
    tc_mapset_free(m);
    return rc;
}

static void run(const char *out, int *status)
{
    tc_err e;
    if (run_with(out, NULL, 0, status, &e)) {
        char b[2048];
        fail_msg("reconcile: %s", tc_err_format(&e, b, sizeof(b)));
    }
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
    assert_int_equal(nfind, 15);
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
            /* BOM, header, one row per finding (15), no identity number in clear */
            static const char head[] = "\xEF\xBB\xBF" "county,pool,fund,code,severity,ref,amount,"
                                       "message,message_zh\r\n";
            assert_memory_equal(x, head, sizeof(head) - 1);
            int rows = 0;
            for (size_t k = 0; k < na; k++)
                rows += x[k] == '\n';
            assert_int_equal(rows, 16);
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

/* Whether s holds a CJK unified ideograph (U+4E00..U+9FFF). */
static int has_cjk(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    for (; *u; u++)
        if (u[0] >= 0xE4 && u[0] <= 0xE9 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80)
            return 1;
    return 0;
}

/* The longest run of digits in s. */
static int longest_digits(const char *s)
{
    int run = 0, longest = 0;
    for (; *s; s++) {
        run = *s >= '0' && *s <= '9' ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    return longest;
}

/*
 * Every finding of the example city (the key's 14, of nine codes) has
 * a Chinese message beside the English one, with its figures and no
 * identity number in clear; the page shows it, the English under it.
 */
static void test_city_messages_zh(void **state)
{
    (void)state;
    char p[1200];
    snprintf(p, sizeof(p), "%s/out1/reconciliation.json", dir);
    json_error_t je;
    json_t *doc = json_load_file(p, 0, &je);
    assert_non_null(doc);
    snprintf(p, sizeof(p), "%s/out1/reconciliation.html", dir);
    size_t n;
    char *html = (char *)tctest_slurp(p, &n);
    assert_non_null(html);
    size_t i, j;
    json_t *c, *f;
    int nf = 0;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(json_object_get(c, "findings"), j, f) {
            const char *code = json_string_value(json_object_get(f, "code"));
            const char *zh = json_string_value(json_object_get(f, "message_zh"));
            const char *en = json_string_value(json_object_get(f, "message"));
            if (!zh || !has_cjk(zh))
                fail_msg("%s %s: no Chinese message ('%s')", code,
                         json_string_value(json_object_get(f, "ref")), zh ? zh : "(none)");
            assert_true(longest_digits(zh) < 17);
            /* both name what they are about */
            const char *ref = json_string_value(json_object_get(f, "ref"));
            assert_non_null(strstr(zh, ref));
            assert_non_null(strstr(en, ref));
            if (!strstr(html, zh))
                fail_msg("the page lacks '%s'", zh);
            nf++;
        }
    }
    assert_int_equal(nf, 15);   /* as findings.csv has them */
    /* one worked out: 220113's voucher 2021-02-0004, a fen out */
    json_t *c3 = json_array_get(json_object_get(doc, "counties"), 2);
    assert_string_equal(json_string_value(json_object_get(c3, "county")), "220113");
    int seen = 0;
    json_array_foreach(json_object_get(c3, "findings"), j, f)
        if (strcmp(json_string_value(json_object_get(f, "code")), "VOUCHER_UNBALANCED") == 0) {
            seen++;
            assert_non_null(strstr(json_string_value(json_object_get(f, "message_zh")),
                                   "凭证 2021-02-0004 借贷不平衡：借方合计"));
        }
    assert_int_equal(seen, 1);
    free(html);
    json_decref(doc);
}

/* fen as the page shows it: "1,234,567.89". */
static char *grouped(tc_fen v, char *out)
{
    char raw[TC_MONEY_BUFSZ];
    tc_money_format(v, raw);
    const char *s = raw;
    char *o = out;
    if (*s == '-')
        *o++ = *s++;
    size_t intlen = strcspn(s, ".");
    for (size_t i = 0; s[i]; i++) {
        if (i > 0 && i < intlen && (intlen - i) % 3 == 0)
            *o++ = ',';
        *o++ = s[i];
    }
    *o = 0;
    return out;
}

static tc_fen fen_of(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    tc_fen f = 0;
    tc_err e;
    if (!v || tc_money_parse_yuan(v, strlen(v), &f, &e))
        fail_msg("'%s' is not an amount", key);
    return f;
}

/*
 * The headline says what moves and what is held, worked out here from the
 * answer key alone (not from the engine): the cash of the counties the key
 * gives no blocking finding moves, the rest is held.  In the example city
 * five of seven counties are blocked (220112, 220113, 220184, 220182,
 * 220183), so what moves is 220100's and 220122's cash only: the JSON's
 * transfer_ready and the page's ready card are that sum to the fen, and
 * ready + held is the whole transfer total the page used to headline.
 */
static void test_city_ready_and_held(void **state)
{
    (void)state;
    char p[1200];
    snprintf(p, sizeof(p), "%s/answer-key.json", city);
    json_error_t je;
    json_t *key = json_load_file(p, 0, &je);
    snprintf(p, sizeof(p), "%s/out1/reconciliation.json", dir);
    json_t *got = json_load_file(p, 0, &je);
    assert_non_null(key);
    assert_non_null(got);
    tc_fen ready = 0, held = 0;
    int nready = 0, nheld = 0;
    size_t i, j;
    json_t *kc, *x;
    char moving[64] = "";
    json_array_foreach(json_object_get(key, "counties"), i, kc) {
        int blocked = 0;
        json_array_foreach(json_object_get(kc, "findings"), j, x)
            blocked |= strcmp(json_string_value(json_object_get(x, "severity")), "blocking") == 0;
        tc_fen cash = 0;
        json_array_foreach(json_object_get(kc, "funds"), j, x)
            assert_int_equal(tc_money_add(cash, fen_of(x, "cash"), &cash), 0);
        assert_int_equal(tc_money_add(blocked ? held : ready, cash, blocked ? &held : &ready), 0);
        if (blocked) {
            nheld++;
        } else {
            nready++;
            snprintf(moving + strlen(moving), sizeof(moving) - strlen(moving), "%s ",
                     json_string_value(json_object_get(kc, "county")));
        }
    }
    assert_string_equal(moving, "220100 220122 ");
    assert_int_equal(nheld, 5);
    json_t *t = json_object_get(got, "totals");
    assert_int_equal(fen_of(t, "transfer_ready"), ready);
    assert_int_equal(fen_of(t, "transfer_held"), held);
    assert_int_equal(fen_of(t, "transfer_kept"), 0);
    tc_fen sum;
    assert_int_equal(tc_money_add(ready, held, &sum), 0);
    assert_int_equal(fen_of(t, "transfer"), sum);
    assert_true(ready > 0 && held > ready);   /* most of the money is held */
    /* the page: the headline and the cards */
    snprintf(p, sizeof(p), "%s/out1/reconciliation.html", dir);
    size_t n;
    char *html = (char *)tctest_slurp(p, &n);
    assert_non_null(html);
    char b1[64], b2[64], want[512];
    snprintf(want, sizeof(want), "7 个统筹区中 5 个有阻断问题，其资金 %s 元暂缓移交",
             grouped(held, b1));
    assert_non_null(strstr(html, want));
    snprintf(want, sizeof(want), "其余 2 个可移交 %s 元", grouped(ready, b2));
    assert_non_null(strstr(html, want));
    snprintf(want, sizeof(want), "id=\"total-ready\">%s</div>", b2);
    assert_non_null(strstr(html, want));
    snprintf(want, sizeof(want), "id=\"total-held\">%s</div>", b1);
    assert_non_null(strstr(html, want));
    free(html);
    json_decref(key);
    json_decref(got);
}

/*
 * Which sources came without control totals from the county.  The example
 * city's two YB2008 counties, 榆树 (220182, a plain pg_dump) and 德惠
 * (220183, a custom-format one), carry none; the five handover XML
 * exports carry their Trailer, checked at extraction.  Every city batch's
 * header says so (map kept what extract wrote: counts and sums, or counts
 * alone for a type without amounts), reconciliation.json lists each
 * county's one source by the digest of its file, and the page names the
 * two counties under the headline and tags each in the summary.
 */
static const char *batch_of(const char *county, const char *type);

static void test_city_sources_controls(void **state)
{
    (void)state;
    static const char *const file[7] = {"220100.xml", "220112.xml", "220113.xml.gz",
                                        "220381.xml.gz", "220182.sql.gz", "220183.dump",
                                        "220122.xml"};
    char p[1300];
    snprintf(p, sizeof(p), "%s/out1/reconciliation.json", dir);
    json_error_t je;
    json_t *got = json_load_file(p, 0, &je);
    assert_non_null(got);
    for (int i = 0; i < 7; i++) {
        int dump = i == 4 || i == 5;
        /* the batches, as map wrote them */
        for (int t = 0; t < tc_nrectypes; t++) {
            tc_batch_header h;
            tc_err e;
            const char *b = batch_of(cityfix_regions[i], tc_rectypes[t].name);
            if (tc_batch_verify(b, &h, NULL, &e))
                fail_msg("%s: %s", b, e.msg);
            int amounts = 0;
            for (int k = 0; k < h.ncols; k++)
                amounts |= h.cols[k].type == TC_COL_AMOUNT;
            tc_controls want = dump ? TC_CONTROLS_NONE
                               : amounts ? TC_CONTROLS_COUNTS_SUMS : TC_CONTROLS_COUNTS;
            if (h.controls != want)
                fail_msg("%s: controls %s, wanted %s", b, tc_controls_name(h.controls),
                         tc_controls_name(want));
        }
        /* the document: one source, its file's digest, its word */
        json_t *c = by(json_object_get(got, "counties"), "county", cityfix_regions[i]);
        assert_non_null(c);
        json_t *srcs = json_object_get(c, "sources");
        assert_int_equal(json_array_size(srcs), 1);
        json_t *x = json_array_get(srcs, 0);
        char digest[TC_DIGEST_TEXT_MAX];
        tc_err e;
        snprintf(p, sizeof(p), "%s/sources/%s", city, file[i]);
        assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, p, digest, &e), 0);
        assert_string_equal(json_string_value(json_object_get(x, "source")), digest);
        assert_string_equal(json_string_value(json_object_get(x, "controls")),
                            dump ? "none" : "counts,sums");
    }
    json_decref(got);
    /* the page */
    snprintf(p, sizeof(p), "%s/out1/reconciliation.html", dir);
    size_t n;
    char *html = (char *)tctest_slurp(p, &n);
    assert_non_null(html);
    char *note = strstr(html, "<div class=\"banner note\" id=\"controls\">");
    assert_non_null(note);
    *strstr(note, "</div>") = '\0';
    assert_non_null(strstr(note, "<span class=\"mono\">220182</span> 榆树市</span>、"
                                 "<span class=\"k\"><span class=\"mono\">220183</span> 德惠市"
                                 "</span> 的数据来自数据库转储或在线数据库"));
    assert_non_null(strstr(note, "<span class=\"mono\">220182</span>, <span class=\"mono\">220183"
                                 "</span> came without control totals from the county"));
    for (int i = 0; i < 7; i++)
        if (i != 4 && i != 5 && strstr(note, cityfix_regions[i]))
            fail_msg("the note names %s, whose source is a handover XML", cityfix_regions[i]);
    char *rest = note + strlen(note) + 1;
    int none = 0, sums = 0;
    for (char *q = rest; (q = strstr(q, "<td><span class=\"tag warning\">无 none</span></td></tr>"));
         q++)
        none++;
    for (char *q = rest;
         (q = strstr(q, "<td><span class=\"tag clean\">有 counts, sums</span></td></tr>")); q++)
        sums++;
    assert_int_equal(none, 2);
    assert_int_equal(sums, 5);
    free(html);
}

/* ------------------------------------------------ a fund's own cutover */

/* The city batch of county and record type. */
static const char *batch_of(const char *county, const char *type)
{
    char tail[64];
    snprintf(tail, sizeof(tail), "/%s.%s.tcb", county, type);
    for (int i = 0; i < npaths; i++) {
        size_t n = strlen(paths[i]), k = strlen(tail);
        if (n > k && strcmp(paths[i] + n - k, tail) == 0)
            return paths[i];
    }
    fail_msg("no %s batch of %s", type, county);
    return NULL;
}

/* Call fn on every record of a batch, with the columns named in cols. */
static void each_record(const char *path, const char *const *cols, int ncols,
                        void (*fn)(void *arg, const tc_value *const *v), void *arg)
{
    tc_batch_reader *br;
    tc_err e;
    assert_int_equal(tc_batch_open(&br, path, 0, &e), 0);
    int at[8];
    for (int i = 0; i < ncols; i++) {
        at[i] = tc_batch_header_col(tc_batch_header_of(br), cols[i]);
        assert_true(at[i] >= 0);
    }
    const tc_value *vals;
    int rc;
    while ((rc = tc_batch_next(br, &vals, &e)) == 1) {
        const tc_value *v[8];
        for (int i = 0; i < ncols; i++)
            v[i] = &vals[at[i]];
        fn(arg, v);
    }
    assert_int_equal(rc, 0);
    tc_batch_close(br);
}

static int is(const tc_value *v, const char *s)
{
    return v->n == strlen(s) && memcmp(v->s, s, v->n) == 0;
}

/* A fund's balances at a month, straight from the balance batch: per
 * account the closing of its latest row not after the month (rows of one
 * account and period summed, as merged source accounts are), then cash
 * (role cash) and fund balance (fund and income less expense). */
#define NACC 64
typedef struct at_month {
    const char *fund;
    int64_t month;
    const tc_mapset *m;
    char acc[NACC][16];
    int64_t period[NACC];
    tc_fen close[NACC];
    int n;
} at_month;

static void balance_row(void *arg, const tc_value *const *v)
{
    at_month *x = arg;
    if (!is(v[0], x->fund) || v[2]->i > x->month)
        return;
    int k = 0;
    while (k < x->n && !is(v[1], x->acc[k]))
        k++;
    if (k == x->n) {
        assert_true(x->n < NACC && v[1]->n < 16);
        snprintf(x->acc[x->n++], 16, "%.*s", (int)v[1]->n, v[1]->s);
        x->period[k] = 0;
    }
    if (v[2]->i > x->period[k]) {
        x->period[k] = v[2]->i;
        x->close[k] = 0;
    }
    if (v[2]->i == x->period[k])
        x->close[k] += v[3]->i;
}

static void balances_at(const char *county, const char *fund, int64_t month, tc_fen *cash,
                        tc_fen *fund_balance)
{
    tc_mapset *m = NULL;
    tc_err e;
    assert_int_equal(tc_mapset_load(&m, SET, &e), 0);
    at_month x = {.fund = fund, .month = month, .m = m};
    static const char *const cols[] = {"fund", "account", "period", "closing"};
    each_record(batch_of(county, "balance"), cols, 4, balance_row, &x);
    *cash = *fund_balance = 0;
    assert_true(x.n > 0);
    for (int k = 0; k < x.n; k++) {
        const char *role = tc_mapset_account_role(m, x.acc[k], strlen(x.acc[k]));
        const char *cls = tc_mapset_account_class(m, x.acc[k], strlen(x.acc[k]));
        assert_non_null(cls);
        if (role && strcmp(role, "cash") == 0)
            *cash += x.close[k];
        if (strcmp(cls, "fund") == 0 || strcmp(cls, "income") == 0)
            *fund_balance += x.close[k];
        else if (strcmp(cls, "expense") == 0)
            *fund_balance -= x.close[k];
    }
    tc_mapset_free(m);
}

/* Employer arrears of a fund owed at a month, aged to it, and what the
 * fund owes the institutions for the periods up to it. */
typedef struct owed {
    const char *fund;
    int64_t month;
    tc_fen arrears, aging[3], payables;
} owed;

static void contribution_row(void *arg, const tc_value *const *v)
{
    owed *x = arg; /* kind fund period due paid */
    if (!is(v[0], "employer") || !is(v[1], x->fund) || v[2]->i > x->month || v[3]->i <= v[4]->i)
        return;
    int64_t months = (x->month / 100 * 12 + x->month % 100) - (v[2]->i / 100 * 12 + v[2]->i % 100);
    x->arrears += v[3]->i - v[4]->i;
    x->aging[months <= 3 ? 0 : months <= 12 ? 1 : 2] += v[3]->i - v[4]->i;
}

static void payable_row(void *arg, const tc_value *const *v)
{
    owed *x = arg; /* fund period settled paid */
    if (is(v[0], x->fund) && v[1]->i <= x->month)
        x->payables += v[2]->i - v[3]->i;
}

static tc_fen yuan_at(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    tc_fen v;
    tc_err e;
    assert_non_null(s);
    assert_int_equal(tc_money_parse_yuan(s, strlen(s), &v, &e), 0);
    return v;
}

static json_t *fund_in(json_t *doc, const char *county, const char *fund)
{
    json_t *c = by(json_object_get(doc, "counties"), "county", county);
    assert_non_null(c);
    json_t *f = by(json_object_get(c, "funds"), "fund", fund);
    assert_non_null(f);
    return f;
}

/* Every fund and bank statement of b is a's, to the fen, except those of
 * county's fund; returns how many were compared. */
static int same_elsewhere(json_t *a, json_t *b, const char *county, const char *fund)
{
    size_t i, j;
    json_t *ca, *x;
    int n = 0;
    json_array_foreach(json_object_get(a, "counties"), i, ca) {
        const char *code = json_string_value(json_object_get(ca, "county"));
        json_t *cb = by(json_object_get(b, "counties"), "county", code);
        assert_non_null(cb);
        int here = strcmp(code, county) == 0;
        json_array_foreach(json_object_get(ca, "funds"), j, x) {
            const char *f = json_string_value(json_object_get(x, "fund"));
            if (here && strcmp(f, fund) == 0)
                continue;
            json_t *y = by(json_object_get(cb, "funds"), "fund", f);
            if (!y || !json_equal(x, y))
                fail_msg("%s fund %s: changed by another fund's cutover", code, f);
            n++;
        }
        json_array_foreach(json_object_get(ca, "bank"), j, x) {
            const char *f = json_string_value(json_object_get(x, "fund"));
            if (here && strcmp(f, fund) == 0)
                continue;
            json_t *y = by(json_object_get(cb, "bank"), "account",
                           json_string_value(json_object_get(x, "account")));
            if (!y || !json_equal(x, y))
                fail_msg("%s bank %s: changed by another fund's cutover", code,
                         json_string_value(json_object_get(x, "account")));
            n++;
        }
    }
    return n;
}

static json_t *load(const char *dir)
{
    char p[1300];
    json_error_t je;
    snprintf(p, sizeof(p), "%s/reconciliation.json", dir);
    json_t *d = json_load_file(p, 0, &je);
    if (!d)
        fail_msg("%s: %s", p, je.text);
    return d;
}

/* 长春市本级's fund 330 handed over at the end of March instead of June:
 * its cash and fund balance are March's closing, its bank accounts are
 * reconciled at March 31, the other funds are as they were. */
static void test_fund_cutover_balances(void **state)
{
    (void)state;
    char plain[1200], cut[1200];
    snprintf(plain, sizeof(plain), "%s/plain", dir);
    snprintf(cut, sizeof(cut), "%s/cut330", dir);
    int status;
    tc_err e;
    run(plain, &status);
    const char *spec[] = {"220100:330=2021-03-31"};
    if (run_with(cut, spec, 1, &status, &e))
        fail_msg("reconcile: %s", e.msg);
    json_t *a = load(plain), *b = load(cut);
    json_t *f = fund_in(b, "220100", "330"), *f0 = fund_in(a, "220100", "330");
    assert_string_equal(json_string_value(json_object_get(f, "cutover")), "2021-03-31");
    assert_null(json_object_get(f0, "cutover"));
    assert_string_equal(json_string_value(json_object_get(b, "cutover")), "2021-06-30");

    tc_fen cash, fb, cash6, fb6;
    balances_at("220100", "330", 202103, &cash, &fb);
    balances_at("220100", "330", 202106, &cash6, &fb6);
    assert_true(cash != cash6); /* March is not June: the test can tell them apart */
    assert_int_equal(yuan_at(f, "cash"), cash);
    assert_int_equal(yuan_at(f, "transfer"), cash);
    assert_int_equal(yuan_at(f, "fund_balance"), fb);
    assert_int_equal(yuan_at(f0, "cash"), cash6);
    assert_int_equal(yuan_at(f0, "fund_balance"), fb6);

    /* its bank accounts: reconciled at March 31, from other figures */
    json_t *c = by(json_object_get(b, "counties"), "county", "220100");
    json_t *c0 = by(json_object_get(a, "counties"), "county", "220100");
    size_t i;
    json_t *x;
    int nb = 0;
    json_array_foreach(json_object_get(c, "bank"), i, x) {
        if (strcmp(json_string_value(json_object_get(x, "fund")), "330") != 0)
            continue;
        json_t *y = by(json_object_get(c0, "bank"), "account",
                       json_string_value(json_object_get(x, "account")));
        assert_non_null(y);
        assert_true(yuan_at(x, "ledger") != yuan_at(y, "ledger"));
        tc_fen l = yuan_at(x, "ledger") + yuan_at(x, "received_not_booked") -
                   yuan_at(x, "paid_not_booked");
        tc_fen r = yuan_at(x, "statement") + yuan_at(x, "booked_not_received") -
                   yuan_at(x, "booked_not_paid");
        assert_int_equal(l, r);
        assert_int_equal(yuan_at(x, "adjusted"), l);
        nb++;
    }
    assert_true(nb > 0);
    json_array_foreach(json_object_get(c, "findings"), i, x)
        assert_string_not_equal(json_string_value(json_object_get(x, "code")),
                                "BANK_UNRECONCILED");

    /* every other fund and bank statement of the city to the fen */
    assert_true(same_elsewhere(a, b, "220100", "330") > 40);
    /* the page marks the fund with its date; the plain page has no mark */
    char p[1300];
    size_t n;
    snprintf(p, sizeof(p), "%s/reconciliation.html", cut);
    char *html = (char *)tctest_slurp(p, &n);
    assert_non_null(html);
    assert_non_null(strstr(html, "<span class=\"tag\">截至 2021-03-31</span>"));
    free(html);
    snprintf(p, sizeof(p), "%s/reconciliation.html", plain);
    html = (char *)tctest_slurp(p, &n);
    assert_non_null(html);
    assert_null(strstr(html, "截至"));
    free(html);
    json_decref(a);
    json_decref(b);
}

/* 长春市本级's fund 310 handed over at the end of April: its employer
 * arrears are those of the periods up to April, aged to April, and its
 * institution payables those settled up to April. */
static void test_fund_cutover_claims(void **state)
{
    (void)state;
    char plain[1200], cut[1200];
    snprintf(plain, sizeof(plain), "%s/plain", dir);
    snprintf(cut, sizeof(cut), "%s/cut310", dir);
    int status;
    tc_err e;
    const char *spec[] = {"220100:310=2021-04-30"};
    if (run_with(cut, spec, 1, &status, &e))
        fail_msg("reconcile: %s", e.msg);
    json_t *a = load(plain), *b = load(cut);
    json_t *f = fund_in(b, "220100", "310"), *f0 = fund_in(a, "220100", "310");
    assert_string_equal(json_string_value(json_object_get(f, "cutover")), "2021-04-30");

    owed x = {.fund = "310", .month = 202104}, y = {.fund = "310", .month = 202106};
    static const char *const cc[] = {"kind", "fund", "period", "due", "paid"};
    static const char *const pc[] = {"fund", "period", "settled", "paid"};
    each_record(batch_of("220100", "contribution"), cc, 5, contribution_row, &x);
    each_record(batch_of("220100", "payable"), pc, 4, payable_row, &x);
    each_record(batch_of("220100", "contribution"), cc, 5, contribution_row, &y);
    each_record(batch_of("220100", "payable"), pc, 4, payable_row, &y);
    /* May and June were left unpaid by some employers, and settled claims
     * of those months are still owed: April is not June */
    assert_true(x.arrears < y.arrears);
    assert_true(x.payables < y.payables);
    assert_int_equal(yuan_at(f, "employer_arrears"), x.arrears);
    json_t *ag = json_object_get(f, "arrears_aging");
    assert_int_equal(yuan_at(ag, "0-3"), x.aging[0]);
    assert_int_equal(yuan_at(ag, "4-12"), x.aging[1]);
    assert_int_equal(yuan_at(ag, "13+"), x.aging[2]);
    assert_int_equal(yuan_at(f, "institution_payables"), x.payables);
    assert_int_equal(yuan_at(f0, "employer_arrears"), y.arrears);
    assert_int_equal(yuan_at(f0, "institution_payables"), y.payables);
    tc_fen cash, fb;
    balances_at("220100", "310", 202104, &cash, &fb);
    assert_int_equal(yuan_at(f, "cash"), cash);
    assert_int_equal(yuan_at(f, "fund_balance"), fb);
    assert_true(same_elsewhere(a, b, "220100", "310") > 40);
    json_decref(a);
    json_decref(b);
}

/* A date the batches cannot cover is refused and nothing is written; the
 * batches' own date is no exception at all: the same bytes as no option. */
static void test_fund_cutover_limits(void **state)
{
    (void)state;
    char out[1200], p[1300];
    int status;
    tc_err e;
    snprintf(out, sizeof(out), "%s/late", dir);
    const char *late[] = {"220100:330=2021-07-31"};
    assert_int_equal(run_with(out, late, 1, &status, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "after the batches' cutover 2021-06-30"));
    snprintf(p, sizeof(p), "%s/reconciliation.json", out);
    assert_int_equal(access(p, F_OK), -1);

    const char *bad[] = {"220100:330=2021-02-30"};
    assert_int_equal(run_with(out, bad, 1, &status, &e), TC_EUSAGE);
    const char *twice[] = {"220100:330=2021-03-31", "220100:330=2021-04-30"};
    assert_int_equal(run_with(out, twice, 2, &status, &e), TC_EUSAGE);
    assert_non_null(strstr(e.msg, "named twice"));

    snprintf(out, sizeof(out), "%s/same", dir);
    const char *same[] = {"220100:330=2021-06-30"};
    assert_int_equal(run_with(out, same, 1, &status, &e), 0);
    const char *files[] = {"reconciliation.json", "findings.csv", "arrears.csv"};
    for (int i = 0; i < 3; i++) {
        char a[1300];
        size_t na = 0, nb = 0;
        snprintf(a, sizeof(a), "%s/plain/%s", dir, files[i]);
        snprintf(p, sizeof(p), "%s/%s", out, files[i]);
        unsigned char *x = tctest_slurp(a, &na), *y = tctest_slurp(p, &nb);
        assert_non_null(x);
        assert_non_null(y);
        assert_int_equal(na, nb);
        assert_memory_equal(x, y, na);
        free(x);
        free(y);
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_city_equals_answer_key),
                                   cmocka_unit_test(test_city_rerun_same_bytes),
                                   cmocka_unit_test(test_city_messages_zh),
                                   cmocka_unit_test(test_city_ready_and_held),
                                   cmocka_unit_test(test_city_sources_controls),
                                   cmocka_unit_test(test_fund_cutover_balances),
                                   cmocka_unit_test(test_fund_cutover_claims),
                                   cmocka_unit_test(test_fund_cutover_limits)};
    return cmocka_run_group_tests(t, setup, teardown);
}
