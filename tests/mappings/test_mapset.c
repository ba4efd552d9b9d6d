/*
 * test_mapset.c - the mapping-set loader: the example set loads with its
 * rule counts and the lookups the example city needs (220381 -> 220184,
 * maternity 05 -> 310, three-digit 104 -> 1002, county rules before '*',
 * validity boundaries); every kind of bad set is refused with its file and
 * line; a GB18030 file (Excel's default on Chinese Windows) reads as its
 * UTF-8 self does, and a file in neither encoding is refused at its first
 * bad byte; and the codes an example city with one unmapped code uses are
 * reported exactly as the answer key says.
 */
#include "tests/support/tctest.h"

#include <iconv.h>
#include <sys/stat.h>

#include "tests/support/cityfix.h"
#include "mappings/mapset.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"

static tc_mapset *load_ok(const char *dir)
{
    tc_mapset *m;
    tc_err e;
    if (tc_mapset_load(&m, dir, &e)) {
        char b[2048];
        fail_msg("%s", tc_err_format(&e, b, sizeof(b)));
    }
    return m;
}

static const char *look(tc_mapset *m, tc_dim d, const char *county, const char *code, int64_t date)
{
    static char out[64];
    size_t n = 0;
    const char *t = tc_mapset_lookup(m, d, county, code, strlen(code), date, &n);
    if (!t)
        return "(none)";
    snprintf(out, sizeof(out), "%.*s", (int)n, t);
    return out;
}

static void test_example_set(void **state)
{
    (void)state;
    tc_mapset *m = load_ok(SET);
    assert_int_equal(tc_mapset_rules(m, TC_DIM_REGION), 7);
    assert_int_equal(tc_mapset_rules(m, TC_DIM_FUND), 16);
    assert_int_equal(tc_mapset_rules(m, TC_DIM_INSTITUTION), 70);
    assert_string_equal(look(m, TC_DIM_REGION, "220381", "220381", 20210630), "220184");
    assert_string_equal(look(m, TC_DIM_FUND, "220113", "05", 20210115), "310");   /* maternity */
    assert_string_equal(look(m, TC_DIM_FUND, "220113", "02", 20210115), "390");
    assert_string_equal(look(m, TC_DIM_ACCOUNT, "220112", "104", 20210115), "1002");
    assert_string_equal(look(m, TC_DIM_KIND, "220182", "1", 20210115), "employer");
    assert_string_equal(look(m, TC_DIM_KIND, "220100", "employer", 20210115), "employer");
    assert_string_equal(look(m, TC_DIM_KIND, "220100", "1", 20210115), "(none)");
    assert_string_equal(look(m, TC_DIM_FUND, "220113", "07", 20210115), "(none)");
    assert_string_equal(tc_mapset_account_role(m, "1003", 4), "cash");
    assert_null(tc_mapset_account_role(m, "104", 3));
    /* what reconcile reads: classes, the rate table in file order, names */
    assert_string_equal(tc_mapset_account_class(m, "1101", 4), "asset");
    assert_string_equal(tc_mapset_account_class(m, "2001", 4), "liability");
    assert_string_equal(tc_mapset_account_class(m, "5401", 4), "expense");
    assert_null(tc_mapset_account_class(m, "104", 3));
    const tc_rate_rule *rates;
    assert_int_equal(tc_mapset_rates(m, &rates), 6);
    assert_string_equal(rates[0].fund, "310");
    assert_string_equal(rates[0].kind, "employer");
    assert_int_equal(rates[0].rate, 700);
    assert_int_equal(rates[1].rate, 70);
    assert_int_equal(rates[0].from, 20190101);
    assert_int_equal(rates[0].to, 99991231);
    assert_string_equal(tc_mapset_region_name(m, "220113"), "九台区");
    assert_null(tc_mapset_region_name(m, "220381"));
    char d1[TC_DIGEST_TEXT_MAX];
    snprintf(d1, sizeof(d1), "%s", tc_mapset_digest(m));
    assert_int_equal(strncmp(d1, "sha256:", 7), 0);
    tc_mapset_free(m);
    m = load_ok(SET);
    assert_string_equal(tc_mapset_digest(m), d1);   /* the same bytes, the same digest */
    tc_mapset_free(m);
}

/* A copy of the example set in a temp folder, one file changed. */
static char *variant(const char *file, const char *from, const char *to)
{
    char *dir = tctest_tmpdir();
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "cp -r '%s/.' '%s/'", SET, dir);
    assert_int_equal(system(cmd), 0);
    char path[1100];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    size_t n = 0;
    char *d = (char *)tctest_slurp(path, &n);
    assert_non_null(d);
    FILE *f = fopen(path, "wb");
    if (from) {
        char *at = strstr(d, from);
        if (!at)
            fail_msg("'%s' not in %s", from, file);
        fwrite(d, 1, (size_t)(at - d), f);
        fputs(to, f);
        fputs(at + strlen(from), f);
    } else {
        fputs(to, f);   /* prepend */
        fwrite(d, 1, n, f);
    }
    fclose(f);
    free(d);
    return dir;
}

/* The set in dir (removed after) is refused, naming file, want and line. */
static void refused_dir(char *dir, const char *file, const char *want, long line)
{
    tc_mapset *m = NULL;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_mapset_load(&m, dir, &e);
    char b[2048];
    tc_err_format(&e, b, sizeof(b));
    if (rc != TC_EINPUT || !strstr(b, want) || !strstr(e.file, file))
        fail_msg("%s: rc %d, '%s' lacks '%s'", file, rc, b, want);
    if (line && e.line != line)
        fail_msg("%s: line %ld, wanted %ld (%s)", file, e.line, line, b);
    tc_mapset_free(m);
    tctest_rmtree(dir);
    free(dir);
}

static void refused(const char *file, const char *from, const char *to, const char *want,
                    long line)
{
    refused_dir(variant(file, from, to), file, want, line);
}

static void test_refusals(void **state)
{
    (void)state;
    /* fund.csv line 2 is "220100,310,310,,,"; line 9 is 220113's 05 -> 310 */
    refused("fund.csv", "220100,390,390,,,\r\n", "220100,390,390,,,\r\n220100,310,310,,,\r\n",
            "overlaps the one at line 2 (a duplicate)", 4);
    refused("fund.csv", "220100,390,390,,,\r\n",
            "220100,390,390,,,\r\n220100,310,390,2021-01-01,,\r\n",
            "overlaps the one at line 2 with another target", 4);
    refused("fund.csv", "220113,05,310,,,", "220113,05,777,,,", "target 777 of source 05 is not "
            "in city/funds.csv", 9);
    refused("account.csv", "*,104,1002,,,", "*,104,1002,,", "5 columns; expected 6", 2);
    refused("fund.csv", "220100,310,310,,,", "22010,310,310,,,",
            "county '22010' is neither '*' nor a 6-digit region code", 2);
    refused("fund.csv", "220100,310,310,,,", "220100,310,310,2021-02-30,,", "bad validity", 2);
    refused("fund.csv", "220100,310,310,,,", "220100,310,310,2021-06-01,2021-01-01,",
            "bad validity", 2);
    refused("kind.csv", "*,employer,employer,,,", "*,employer,boss,,,",
            "target boss of source employer is not in the kinds", 2);
    refused("fund.csv", "county,source", "county,src", "the header row is", 1);
    refused("city/accounts.csv", "1001,库存现金,asset,cash", "1001,库存现金,assets,cash",
            "class 'assets'", 2);
    refused("fund.csv", "220100,310,310,,,", "220100,\"310,310,,,", "malformed CSV", 0);
    /* a '*' rule every county overrides: all seven counties get their own 999 */
    refused("fund.csv", "220100,310,310,,,",
            "*,999,310,,,\r\n220100,999,310,,,\r\n220112,999,310,,,\r\n220113,999,310,,,\r\n"
            "220381,999,310,,,\r\n220182,999,310,,,\r\n220183,999,310,,,\r\n220122,999,310,,,\r\n"
            "220100,310,310,,,",
            "the '*' rule for source 999 can never apply", 2);
    /* ...but one county without its own rule keeps the '*' rule alive */
    char *dir = variant("fund.csv", "220100,310,310,,,",
                        "*,999,310,,,\r\n220100,999,310,,,\r\n220100,310,310,,,");
    tc_mapset *m = load_ok(dir);
    assert_string_equal(look(m, TC_DIM_FUND, "220112", "999", 20210101), "310");
    tc_mapset_free(m);
    tctest_rmtree(dir);
    free(dir);
    /* a byte-order mark is fine, and changes the digest */
    dir = variant("fund.csv", NULL, "\xEF\xBB\xBF");
    m = load_ok(dir);
    tc_mapset *ref = load_ok(SET);
    assert_string_not_equal(tc_mapset_digest(m), tc_mapset_digest(ref));
    assert_string_equal(look(m, TC_DIM_FUND, "220113", "05", 20210101), "310");
    tc_mapset_free(m);
    tc_mapset_free(ref);
    tctest_rmtree(dir);
    free(dir);
}

static void test_validity(void **state)
{
    (void)state;
    /* 220100's fund 330 maps to 330 until 2020-12-31, then to 310 */
    char *dir = variant("fund.csv", "220100,330,330,,,",
                        "220100,330,330,,2020-12-31,\r\n220100,330,310,2021-01-01,,");
    tc_mapset *m = load_ok(dir);
    assert_string_equal(look(m, TC_DIM_FUND, "220100", "330", 20201231), "330");
    assert_string_equal(look(m, TC_DIM_FUND, "220100", "330", 20210101), "310");
    tc_mapset_free(m);
    tctest_rmtree(dir);
    free(dir);
    /* a gap in validity leaves records of that time uncovered */
    dir = variant("fund.csv", "220100,330,330,,,", "220100,330,330,,2020-06-30,");
    m = load_ok(dir);
    assert_string_equal(look(m, TC_DIM_FUND, "220100", "330", 20200630), "330");
    assert_string_equal(look(m, TC_DIM_FUND, "220100", "330", 20200701), "(none)");
    tc_mapset_free(m);
    tctest_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------ encodings */

/* s (n bytes) converted from one encoding to another with iconv(3);
 * NULL when it does not convert whole.  The caller frees it. */
static char *convert(const char *to, const char *from, const char *s, size_t n, size_t *on)
{
    iconv_t cd = iconv_open(to, from);
    assert_true(cd != (iconv_t)-1);
    size_t cap = 2 * n + 16, left = cap;
    char *buf = malloc(cap), *in = (char *)s, *o = buf;
    size_t inleft = n;
    if (iconv(cd, &in, &inleft, &o, &left) == (size_t)-1 ||
        iconv(cd, NULL, NULL, &o, &left) == (size_t)-1) {
        free(buf);
        buf = NULL;
    }
    iconv_close(cd);
    *on = (size_t)(o - buf);
    return buf;
}

/* A copy of the example set with file re-encoded from UTF-8 to GB18030
 * (after the bytes of prefix, when given: a GB18030 byte-order mark). */
static char *gb_variant(const char *file, const char *prefix, size_t np)
{
    char *dir = variant(file, NULL, "");
    char path[1100];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    size_t n, gn;
    char *u = (char *)tctest_slurp(path, &n);
    char *g = convert("GB18030", "UTF-8", u, n, &gn);
    assert_non_null(g);
    assert_true(gn < n);   /* two bytes a character, not three: it changed */
    FILE *f = fopen(path, "wb");
    fwrite(prefix, 1, np, f);
    fwrite(g, 1, gn, f);
    fclose(f);
    free(u);
    free(g);
    return dir;
}

/* Load dir, which must be refused naming file, line and column, with
 * want in the message. */
static void refused_at(const char *dir, const char *file, long line, long column,
                       const char *want)
{
    tc_mapset *m = NULL;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_mapset_load(&m, dir, &e);
    char b[2048];
    tc_err_format(&e, b, sizeof(b));
    if (rc != TC_EINPUT || !strstr(b, want) || !strstr(e.file, file) || e.line != line ||
        e.column != column)
        fail_msg("%s: rc %d, '%s' lacks %s:%ld:%ld '%s'", file, rc, b, file, line, column, want);
    assert_non_null(strstr(b, "save it as UTF-8"));
    assert_null(m);
}

/* city/regions.csv saved by Excel as GB18030: the same seven names as the
 * UTF-8 file gives, the file named as GB18030, and the digest over the
 * bytes on disk (so not the UTF-8 set's).  The whole set in GB18030, with
 * its byte-order mark, reads the same too. */
static void test_gb18030(void **state)
{
    (void)state;
    static const char *const codes[] = {"220100", "220112", "220113", "220184",
                                        "220182", "220183", "220122"};
    tc_mapset *ref = load_ok(SET);
    const char *const *gb;
    assert_int_equal(tc_mapset_gb18030(ref, &gb), 0);
    char *dir = gb_variant("city/regions.csv", "", 0);
    tc_mapset *m = load_ok(dir);
    for (int i = 0; i < 7; i++) {
        assert_non_null(tc_mapset_region_name(ref, codes[i]));
        assert_string_equal(tc_mapset_region_name(m, codes[i]),
                            tc_mapset_region_name(ref, codes[i]));
    }
    assert_string_equal(tc_mapset_region_name(m, "220113"), "九台区");
    assert_int_equal(tc_mapset_gb18030(m, &gb), 1);
    assert_string_equal(gb[0], "city/regions.csv");
    assert_string_not_equal(tc_mapset_digest(m), tc_mapset_digest(ref));
    char d1[TC_DIGEST_TEXT_MAX];
    snprintf(d1, sizeof(d1), "%s", tc_mapset_digest(m));
    tc_mapset_free(m);
    m = load_ok(dir);
    assert_string_equal(tc_mapset_digest(m), d1);
    tc_mapset_free(m);
    tctest_rmtree(dir);
    free(dir);
    /* every file GB18030, regions.csv with the GB18030 byte-order mark */
    dir = gb_variant("city/regions.csv", "\x84\x31\x95\x33", 4);
    static const char *const files[] = {"city/funds.csv", "city/accounts.csv",
                                        "city/institutions.csv", "fund.csv", "account.csv",
                                        "region.csv", "kind.csv"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[1100], cmd[2400];
        char *one = gb_variant(files[i], "", 0);
        snprintf(path, sizeof(path), "%s/%s", one, files[i]);
        snprintf(cmd, sizeof(cmd), "cp '%s' '%s/%s'", path, dir, files[i]);
        assert_int_equal(system(cmd), 0);
        tctest_rmtree(one);
        free(one);
    }
    m = load_ok(dir);
    assert_int_equal(tc_mapset_gb18030(m, &gb), 8);
    for (int d = 0; d < TC_NDIM; d++)
        assert_int_equal(tc_mapset_rules(m, (tc_dim)d), tc_mapset_rules(ref, (tc_dim)d));
    for (int i = 0; i < 7; i++)
        assert_string_equal(tc_mapset_region_name(m, codes[i]),
                            tc_mapset_region_name(ref, codes[i]));
    assert_string_equal(tc_mapset_account_role(m, "1003", 4), "cash");
    assert_string_equal(look(m, TC_DIM_FUND, "220113", "05", 20210115), "310");
    tc_mapset_free(m);
    tctest_rmtree(dir);
    free(dir);
    tc_mapset_free(ref);
}

/* Files neither UTF-8 nor GB18030 are refused at their first bad byte,
 * never read with text dropped or garbled. */
static void test_bad_text(void **state)
{
    (void)state;
    /* Latin-1 (0xE9 é, then a line end: no GB18030 character either) */
    char path[1100];
    static const char latin1[] = "code,name\r\n220100,Changchun\r\n220112,Shuangyang\r\n"
                                 "220113,Jiutai caf\xE9\r\n220184,Gongzhuling\r\n"
                                 "220182,Yushu\r\n220183,Dehui\r\n220122,Nong'an\r\n";
    char *dir = variant("city/regions.csv", NULL, "");
    snprintf(path, sizeof(path), "%s/city/regions.csv", dir);
    assert_int_equal(tctest_spit(path, latin1, sizeof(latin1) - 1), 0);
    refused_at(dir, "city/regions.csv", 4, 18, "byte 0xE9 is not UTF-8, and the file is not "
               "GB18030 either");
    tctest_rmtree(dir);
    free(dir);
    /* UTF-8 with 0xFF, in no encoding, after 九 of line 4, "220113,九台区" */
    dir = variant("city/regions.csv", "220113,九台区", "220113,九\xFF台区");
    refused_at(dir, "city/regions.csv", 4, 9, "byte 0xFF is not UTF-8, though the rest of the "
               "file mostly is");
    tctest_rmtree(dir);
    free(dir);
    /* a GB18030 file with a stray byte in line 6 ("220182,榆树市"): GB18030
     * up to there, so that is where it is wrong */
    dir = gb_variant("city/regions.csv", "", 0);
    snprintf(path, sizeof(path), "%s/city/regions.csv", dir);
    size_t n;
    char *g = (char *)tctest_slurp(path, &n);
    char *at = strstr(g, "220182,");
    assert_non_null(at);
    FILE *f = fopen(path, "wb");
    fwrite(g, 1, (size_t)(at - g) + 9, f);   /* "220182," and 榆 */
    fputc(0x80, f);
    fwrite(at + 9, 1, n - (size_t)(at - g) - 9, f);
    fclose(f);
    free(g);
    refused_at(dir, "city/regions.csv", 6, 9, "byte 0x80 is not GB18030, which the file is up "
               "to here");
    tctest_rmtree(dir);
    free(dir);
    /* UTF-8 with one stray pair of bytes, which decodes whole as GB18030
     * (every name an even number of characters): read so, every name would
     * be nonsense, so it is refused at the stray byte */
    static const char funds[] = "code,name\r\n310,职工\xB0\xA1医保\r\n320,公务员补\r\n"
                                "330,大额补助\r\n340,离休医疗\r\n390,居民医保\r\n"
                                "392,居民大病\r\n510,生育保险\r\n";
    size_t gn;
    char *as_gb = convert("UTF-8", "GB18030", funds, sizeof(funds) - 1, &gn);
    assert_non_null(as_gb);   /* it does decode as GB18030 */
    free(as_gb);
    dir = variant("city/funds.csv", NULL, "");
    snprintf(path, sizeof(path), "%s/city/funds.csv", dir);
    assert_int_equal(tctest_spit(path, funds, sizeof(funds) - 1), 0);
    refused_at(dir, "city/funds.csv", 2, 7, "byte 0xB0 is not UTF-8, though the rest of the "
               "file mostly is");
    tctest_rmtree(dir);
    free(dir);
    /* a NUL byte (a file saved as UTF-16, say) */
    dir = variant("fund.csv", "220100,310,310,,,", "220100,310,3\0010,,,");
    snprintf(path, sizeof(path), "%s/fund.csv", dir);
    g = (char *)tctest_slurp(path, &n);
    *strchr(g, '\001') = '\0';
    assert_int_equal(tctest_spit(path, g, n), 0);
    free(g);
    refused_at(dir, "fund.csv", 2, 13, "a NUL byte");
    tctest_rmtree(dir);
    free(dir);
    /* a name longer than a field holds is refused, not cut */
    char longname[700];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    char row[800];
    snprintf(row, sizeof(row), "220113,%s", longname);
    refused("city/regions.csv", "220113,九台区", row, "column 2 is longer than 511 bytes", 4);
    /* the boundary: 511 bytes are a field, 512 are not */
    longname[511] = 0;
    snprintf(row, sizeof(row), "220113,%s", longname);
    char *dir511 = variant("city/regions.csv", "220113,九台区", row);
    tc_mapset_free(load_ok(dir511));
    tctest_rmtree(dir511);
    free(dir511);
    longname[511] = 'x';
    longname[512] = 0;
    snprintf(row, sizeof(row), "220113,%s", longname);
    refused("city/regions.csv", "220113,九台区", row, "column 2 is longer than 511 bytes", 4);
}

/* The example set with split.csv and allocation.csv (either may be NULL)
 * and a new region 220190 in city/regions.csv. */
static char *split_set(const char *split, const char *alloc)
{
    char *dir = variant("city/regions.csv", "220122,农安县", "220122,农安县\r\n220190,双阳新区");
    char path[1100];
    const char *files[] = {"split.csv", "allocation.csv"}, *text[] = {split, alloc};
    for (int i = 0; i < 2; i++) {
        if (!text[i])
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(text[i], f);
        fclose(f);
    }
    return dir;
}

static void split_refused(const char *split, const char *alloc, const char *file,
                          const char *want, long line)
{
    refused_dir(split_set(split, alloc), file, want, line);
}

#define SPLIT_OK "county,column,source,target\r\n220112,institution,SY0007,220190\r\n" \
                 "220112,institution,*,220112\r\n220112,person,*,220190\r\n"
#define ALLOC_OK "county,fund,account,target,amount\r\n220112,310,1003,220112,100.00\r\n" \
                 "220112,310,1003,220190,50.5\r\n220112,310,claims,220190,7\r\n"

/* A split (mappings.md, "Pools that merge, split"): the rule on the record,
 * '*' for the rest, the allocation's lines, and the pools each sub-ledger
 * receives; the digest covers both files. */
static void test_split(void **state)
{
    (void)state;
    char *dir = split_set(SPLIT_OK, ALLOC_OK);
    tc_mapset *m = load_ok(dir), *ref = load_ok(SET);
    char t[TC_SPLIT_MAX][7], pools[8][7];
    assert_int_equal(tc_mapset_split_targets(m, "220112", t, TC_SPLIT_MAX), 2);
    assert_string_equal(t[0], "220112");
    assert_string_equal(t[1], "220190");
    assert_int_equal(tc_mapset_split_targets(m, "220113", t, TC_SPLIT_MAX), 0);
    assert_string_equal(tc_mapset_split_target(m, "220112", "institution", "SY0007", 6), "220190");
    assert_string_equal(tc_mapset_split_target(m, "220112", "institution", "SY0018", 6), "220112");
    assert_string_equal(tc_mapset_split_target(m, "220112", "person", "x", 1), "220190");
    assert_null(tc_mapset_split_target(m, "220112", "payer", "x", 1));   /* no payer rule */
    /* contributions have no rule of their column: they stay, payables follow theirs */
    tc_batch_header h;
    tc_err e;
    assert_int_equal(tc_batch_header_init(&h, tc_rectype_find("contribution"), "220112",
                                          "county", &e), 0);
    assert_int_equal(tc_mapset_split_column(m, "220112", &h), -1);
    assert_int_equal(tc_batch_header_init(&h, tc_rectype_find("payable"), "220112", "county", &e),
                     0);
    assert_int_equal(tc_mapset_split_column(m, "220112", &h), tc_batch_header_col(&h, "institution"));
    assert_int_equal(tc_mapset_split_column(m, "220113", &h), -1);
    /* the new sub-ledger receives the split pool */
    assert_int_equal(tc_mapset_region_pools(m, "220190", pools, 8), 1);
    assert_string_equal(pools[0], "220112");
    assert_int_equal(tc_mapset_region_pools(m, "220112", pools, 8), 1);
    const tc_alloc *a;
    assert_int_equal(tc_mapset_allocation(m, &a), 3);
    assert_string_equal(a[1].target, "220190");
    assert_int_equal(a[1].amount, 5050);
    assert_string_equal(a[2].account, "claims");
    assert_int_equal(a[2].amount, 700);
    assert_string_not_equal(tc_mapset_digest(m), tc_mapset_digest(ref));
    tc_mapset_free(m);
    tc_mapset_free(ref);
    tctest_rmtree(dir);
    free(dir);

    split_refused("county,column,source,target\r\n220112,region,x,220190\r\n", NULL, "split.csv",
                  "column 'region' is not one a split follows", 2);
    split_refused("county,column,source,target\r\n220199,payer,*,220190\r\n", NULL, "split.csv",
                  "pool 220199 has no rule in region.csv", 2);
    split_refused("county,column,source,target\r\n*,payer,*,220190\r\n", NULL, "split.csv",
                  "is not a 6-digit pool code", 2);
    split_refused("county,column,source,target\r\n220112,payer,*,220199\r\n", NULL, "split.csv",
                  "target 220199 is not in city/regions.csv", 2);
    split_refused(SPLIT_OK "220112,person,*,220112\r\n", NULL, "split.csv",
                  "pool 220112, column person, source * has a rule already", 5);
    split_refused("county,column,source,target\r\n220112,payer,*,220190\r\n", NULL, "split.csv",
                  "a split names at least two sub-ledgers", 0);
    split_refused(SPLIT_OK, "county,fund,account,target,amount\r\n220113,310,1003,220113,1.00\r\n",
                  "allocation.csv", "pool 220113 is not split", 2);
    split_refused(SPLIT_OK, "county,fund,account,target,amount\r\n220112,310,1003,220100,1.00\r\n",
                  "allocation.csv", "target 220100 is not one of the sub-ledgers", 2);
    split_refused(SPLIT_OK, "county,fund,account,target,amount\r\n220112,310,5001,220190,1.00\r\n",
                  "allocation.csv", "account 5001 is neither", 2);
    split_refused(SPLIT_OK, "county,fund,account,target,amount\r\n220112,310,1003,220190,1.005\r\n",
                  "allocation.csv", "", 2);
    split_refused(SPLIT_OK, ALLOC_OK "220112,310,1003,220190,1.00\r\n", "allocation.csv",
                  "has a line already", 5);
    split_refused(NULL, "county,fund,account,target,amount\r\n220112,310,1003,220112,1.00\r\n",
                  "allocation.csv", "pool 220112 is not split", 2);
}

/* The example city with --unmapped: exactly the key's one reject. */
static void test_uncovered_city(void **state)
{
    (void)state;
    char *dir = tctest_tmpdir();
    char out[1024];
    assert_int_equal(cityfix_build(dir, 200, 1, out, sizeof(out)), 0);
    tc_mapset *m = load_ok(SET);
    tc_uncovered *list = NULL;
    int n = 0;
    const char *counties[] = {"220100", "220112", "220113", "220381", "220182", "220183",
                              "220122"};
    tc_err e;
    for (int i = 0; i < 7; i++)
        for (int t = 0; t < tc_nrectypes; t++) {
            char b[1400];
            snprintf(b, sizeof(b), "%s/%s.%s.tcb", out, counties[i], tc_rectypes[t].name);
            assert_int_equal(tc_mapset_uncovered(m, b, &list, &n, &e), 0);
        }
    assert_int_equal(n, 1);
    assert_string_equal(list[0].county, "220122");
    assert_int_equal(list[0].dim, TC_DIM_INSTITUTION);
    assert_string_equal(list[0].code, "NA9999");
    assert_string_equal(list[0].type, "payable");
    assert_int_equal(list[0].records, 1);
    assert_int_equal(list[0].amount, 100000);   /* settled 1000.00, as the key says */
    free(list);
    tc_mapset_free(m);
    tctest_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_example_set),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_gb18030),
        cmocka_unit_test(test_bad_text),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_uncovered_city),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
