/*
 * test_map.c - map on the example city: zero rejects with the full set,
 * 220381 coming out as 220184, the maternity fund 05 of 220113 as 310, the
 * three-digit account 104 as 1002, the county codes kept as lineage;
 * removing one rule rejects exactly the records that use it (counted and
 * summed here from the county batches), and restoring it and re-feeding the
 * rejects gives the bytes of a clean run; the same inputs give the same
 * bytes; records and amounts are conserved.  Two pools merged into one
 * sub-ledger keep a batch each, and no pool's batch is written over.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>

#include "core/batch.h"
#include "core/digest.h"
#include "mappings/mapset.h"
#include "transform/map.h"
#include "tests/support/cityfix.h"

#define SET TC_TEST_SOURCE_DIR "/mappings/changchun"

static char *work, county_dir[1024];

static int setup(void **state)
{
    (void)state;
    work = tctest_tmpdir();
    return cityfix_build(work, 300, 0, county_dir, sizeof(county_dir));
}

static int teardown(void **state)
{
    (void)state;
    tctest_rmtree(work);
    free(work);
    return 0;
}

/* All county batches (70), in a static array. */
static int county_batches(const char **out)
{
    static char paths[70][1200];
    const char *c[] = {"220100", "220112", "220113", "220381", "220182", "220183", "220122"};
    int n = 0;
    for (int i = 0; i < 7; i++)
        for (int t = 0; t < tc_nrectypes; t++) {
            snprintf(paths[n], sizeof(paths[n]), "%s/%s.%s.tcb", county_dir, c[i],
                     tc_rectypes[t].name);
            out[n] = paths[n];
            n++;
        }
    return n;
}

static long long map_into(const char *set, const char *dir, const char **in, int n)
{
    tc_mapset *m;
    tc_err e;
    if (tc_mapset_load(&m, set, &e))
        fail_msg("%s", e.msg);
    mkdir(dir, 0755);
    long long rej = -1;
    if (tc_map_run(m, in, n, dir, NULL, NULL, &rej, &e)) {
        char b[2048];
        fail_msg("map: %s", tc_err_format(&e, b, sizeof(b)));
    }
    tc_mapset_free(m);
    return rej;
}

static void digest_of(const char *path, char *out)
{
    tc_err e;
    if (tc_digest_file(TC_DIGEST_SHA256, path, out, &e))
        fail_msg("%s: %s", path, e.msg);
}

static void test_full_set(void **state)
{
    (void)state;
    const char *in[70];
    int n = county_batches(in);
    char out[1200], out2[1200];
    snprintf(out, sizeof(out), "%s/city1", work);
    snprintf(out2, sizeof(out2), "%s/city2", work);
    assert_int_equal(map_into(SET, out, in, n), 0);
    assert_int_equal(map_into(SET, out2, in, n), 0);
    /* 70 city batches, byte-identical across runs */
    assert_int_equal(tctest_count_files(out), 70);
    const char *types[] = {"contribution", "balance", "voucher_line", "payable"};
    const char *regions[] = {"220100", "220112", "220113", "220184", "220182", "220183", "220122"};
    for (int r = 0; r < 7; r++)
        for (int t = 0; t < 4; t++) {
            char a[1400], b[1400], da[TC_DIGEST_TEXT_MAX], db[TC_DIGEST_TEXT_MAX];
            snprintf(a, sizeof(a), "%s/%s.%s.tcb", out, regions[r], types[t]);
            snprintf(b, sizeof(b), "%s/%s.%s.tcb", out2, regions[r], types[t]);
            digest_of(a, da);
            digest_of(b, db);
            assert_string_equal(da, db);
        }
    /* 220381 came out as 220184, its lineage says 220381 */
    char p[1400];
    snprintf(p, sizeof(p), "%s/220184.contribution.tcb", out);
    tc_batch_reader *br;
    tc_err e;
    assert_int_equal(tc_batch_open(&br, p, 0, &e), 0);
    const tc_batch_header *h = tc_batch_header_of(br);
    assert_string_equal(h->county, "220184");
    assert_string_equal(h->coding, "city");
    int sc = tc_batch_header_col(h, "src_county");
    assert_true(sc >= 0);
    const tc_value *v;
    assert_int_equal(tc_batch_next(br, &v, &e), 1);
    assert_memory_equal(v[sc].s, "220381", 6);
    tc_batch_close(br);
    /* 220113's maternity fund 05 became 310, lineage 05 */
    snprintf(p, sizeof(p), "%s/220113.contribution.tcb", out);
    assert_int_equal(tc_batch_open(&br, p, 0, &e), 0);
    h = tc_batch_header_of(br);
    int fc = tc_batch_header_col(h, "fund"), sf = tc_batch_header_col(h, "src_fund");
    int maternity = 0, k;
    while ((k = tc_batch_next(br, &v, &e)) == 1)
        if (v[sf].n == 2 && memcmp(v[sf].s, "05", 2) == 0) {
            assert_int_equal(v[fc].n, 3);
            assert_memory_equal(v[fc].s, "310", 3);
            maternity++;
        }
    assert_int_equal(k, 0);
    tc_batch_close(br);
    assert_true(maternity > 0);
    /* 220112's three-digit 104 became 1002 */
    snprintf(p, sizeof(p), "%s/220112.balance.tcb", out);
    assert_int_equal(tc_batch_open(&br, p, 0, &e), 0);
    h = tc_batch_header_of(br);
    int ac = tc_batch_header_col(h, "account"), sa = tc_batch_header_col(h, "src_account");
    int seen104 = 0;
    while ((k = tc_batch_next(br, &v, &e)) == 1) {
        assert_true(v[ac].n >= 4);   /* the city chart: four digits or more */
        if (v[sa].n == 3 && memcmp(v[sa].s, "104", 3) == 0) {
            assert_memory_equal(v[ac].s, "1002", 4);
            seen104++;
        }
    }
    tc_batch_close(br);
    assert_true(seen104 > 0);
}

/* Records of a county batch whose column col equals code, and their total. */
static long long count_code(const char *path, const char *col, const char *code,
                            const char *amount, int64_t *total)
{
    tc_batch_reader *br;
    tc_err e;
    assert_int_equal(tc_batch_open(&br, path, 0, &e), 0);
    const tc_batch_header *h = tc_batch_header_of(br);
    int c = tc_batch_header_col(h, col), a = amount ? tc_batch_header_col(h, amount) : -1;
    const tc_value *v;
    long long n = 0;
    *total = 0;
    while (tc_batch_next(br, &v, &e) == 1)
        if (v[c].n == strlen(code) && memcmp(v[c].s, code, v[c].n) == 0) {
            n++;
            *total += a >= 0 ? v[a].i : 0;
        }
    tc_batch_close(br);
    return n;
}

static void test_remove_restore_rule(void **state)
{
    (void)state;
    /* a set without 220113's 05 -> 310 */
    char set[1200], cmd[2600];
    snprintf(set, sizeof(set), "%s/set-less", work);
    snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && sed -i '/^220113,05,310/d' '%s/fund.csv'", SET,
             set, set);
    assert_int_equal(system(cmd), 0);
    const char *in[70];
    int n = county_batches(in);
    char out[1200], clean[1200];
    snprintf(out, sizeof(out), "%s/city-less", work);
    snprintf(clean, sizeof(clean), "%s/city-clean", work);
    long long rej = map_into(set, out, in, n);
    /* exactly the records that use fund 05, per type, with their amounts */
    const char *types[] = {"contribution", "balance", "voucher_line", "personal_account",
                           "subsidy", "payable", "bank_account"};
    const char *amount[] = {"due", "closing", "debit", "balance", "due", "settled", NULL};
    long long want = 0;
    for (int t = 0; t < 7; t++) {
        char cp[1400], rp[1400];
        snprintf(cp, sizeof(cp), "%s/220113.%s.tcb", county_dir, types[t]);
        snprintf(rp, sizeof(rp), "%s/220113.%s.rejects.tcb", out, types[t]);
        int64_t total;
        long long k = count_code(cp, "fund", "05", amount[t], &total);
        want += k;
        if (!k)
            continue;
        tc_batch_header h;
        tc_batch_summary s;
        tc_err e;
        assert_int_equal(tc_batch_verify(rp, &h, &s, &e), 0);
        assert_int_equal(s.count, k);
        if (amount[t])
            assert_int_equal(s.totals[tc_batch_header_col(&h, amount[t])], total);
    }
    assert_true(want > 0);
    assert_int_equal(rej, want);
    /* restore the rule, re-feed each reject batch: the bytes of a clean run */
    map_into(SET, clean, in, n);
    for (int t = 0; t < 7; t++) {
        char rp[1400];
        snprintf(rp, sizeof(rp), "%s/220113.%s.rejects.tcb", out, types[t]);
        struct stat st;
        if (stat(rp, &st) != 0)
            continue;
        const char *one[1] = {rp};
        assert_int_equal(map_into(SET, out, one, 1), 0);
        assert_int_not_equal(stat(rp, &st), 0);   /* the rejects are gone */
        char a[1400], b[1400], da[TC_DIGEST_TEXT_MAX], db[TC_DIGEST_TEXT_MAX];
        snprintf(a, sizeof(a), "%s/220113.%s.tcb", out, types[t]);
        snprintf(b, sizeof(b), "%s/220113.%s.tcb", clean, types[t]);
        digest_of(a, da);
        digest_of(b, db);
        assert_string_equal(da, db);
    }
}

/* The header, records and amount totals of batch path (all zero, a
 * header without columns, when there is none). */
static void summary_of(const char *path, tc_batch_header *h, tc_batch_summary *sum)
{
    tc_err e;
    memset(h, 0, sizeof(*h));
    memset(sum, 0, sizeof(*sum));
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    if (tc_batch_verify(path, h, sum, &e))
        fail_msg("%s: %s", path, e.msg);
}

/* Two pools into one city sub-ledger, as region.csv declares (220122 folds
 * into 220100): each pool keeps batches of its own, REGION.POOL.TYPE.tcb
 * with the pool in the header, and every record and every fen of both is
 * there (issue 17: 346 of 1,233 records used to vanish, one pool written
 * over the other).  A city batch already in the folder from another pool
 * is never written over. */
static void test_merge(void **state)
{
    (void)state;
    char set[1200], cmd[2600];
    snprintf(set, sizeof(set), "%s/set-merge", work);
    snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && sed -i 's/^\\*,220122,220122,,,/*,220122,"
             "220100,,,/' '%s/region.csv'", SET, set, set);
    assert_int_equal(system(cmd), 0);
    const char *in[70];
    int n = county_batches(in);
    tc_mapset *m;
    tc_err e;
    assert_int_equal(tc_mapset_load(&m, set, &e), 0);
    char pools[4][7];
    assert_int_equal(tc_mapset_region_pools(m, "220100", pools, 4), 2);
    assert_string_equal(pools[0], "220100");
    assert_string_equal(pools[1], "220122");
    assert_int_equal(tc_mapset_region_pools(m, "220112", pools, 4), 1);
    tc_mapset_free(m);

    char out[1200];
    snprintf(out, sizeof(out), "%s/city-merge", work);
    assert_int_equal(map_into(set, out, in, n), 0);
    long long checked = 0;
    for (int k = 0; k < 2; k++) {
        const char *pool = k ? "220122" : "220100";
        for (int t = 0; t < tc_nrectypes; t++) {
            const char *type = tc_rectypes[t].name;
            char src[1300], city[1300], rej[1300], merged_away[1300];
            snprintf(src, sizeof(src), "%s/%s.%s.tcb", county_dir, pool, type);
            snprintf(city, sizeof(city), "%s/220100.%s.%s.tcb", out, pool, type);
            snprintf(rej, sizeof(rej), "%s/%s.%s.rejects.tcb", out, pool, type);
            snprintf(merged_away, sizeof(merged_away), "%s/220100.%s.tcb", out, type);
            struct stat st;
            assert_int_not_equal(stat(merged_away, &st), 0);
            tc_batch_header hs, hc, hr;
            tc_batch_summary ss, sc, sr;
            summary_of(src, &hs, &ss);
            summary_of(city, &hc, &sc);
            summary_of(rej, &hr, &sr);
            assert_int_equal(stat(city, &st), 0);
            assert_string_equal(hc.county, "220100");
            assert_string_equal(hc.pool, pool);
            assert_string_equal(tc_batch_pool(&hc), pool);
            assert_int_equal(ss.count, sc.count + sr.count);
            for (int c = 0; c < hs.ncols; c++)
                if (hs.cols[c].type == TC_COL_AMOUNT) {
                    int cc = tc_batch_header_col(&hc, hs.colname[c]);
                    int rc = sr.count ? tc_batch_header_col(&hr, hs.colname[c]) : -1;
                    assert_true(cc >= 0);
                    assert_int_equal(ss.totals[c], sc.totals[cc] + (rc >= 0 ? sr.totals[rc] : 0));
                }
            checked += (long long)ss.count;
        }
    }
    assert_true(checked > 1000);

    /* A folder whose 220100.contribution.tcb is pool 220100's (mapped with
     * the set where 220100 stands alone), then a set where 220122 alone
     * goes to region 220100: its batch would have that name, and is refused. */
    char set2[1200], out2[1200];
    snprintf(set2, sizeof(set2), "%s/set-takeover", work);
    snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && sed -i -e 's/^\\*,220122,220122,,,/*,220122,"
             "220100,,,/' -e '/^\\*,220100,220100,/d' '%s/region.csv'", SET, set2, set2);
    assert_int_equal(system(cmd), 0);
    snprintf(out2, sizeof(out2), "%s/city-takeover", work);
    const char *first[10], *second[10];
    for (int t = 0; t < 10; t++) {
        first[t] = in[t];         /* 220100 */
        second[t] = in[60 + t];   /* 220122 */
    }
    assert_int_equal(map_into(SET, out2, first, 10), 0);
    assert_int_equal(tctest_count_files(out2), 10);
    char before[TC_DIGEST_TEXT_MAX], after[TC_DIGEST_TEXT_MAX], p[1300];
    snprintf(p, sizeof(p), "%s/220100.contribution.tcb", out2);
    digest_of(p, before);
    assert_int_equal(tc_mapset_load(&m, set2, &e), 0);
    long long rej;
    assert_int_equal(tc_map_run(m, second, 10, out2, NULL, NULL, &rej, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "holds pool 220100's"));
    assert_non_null(strstr(e.msg, "county 220122's"));
    digest_of(p, after);
    assert_string_equal(before, after);
    assert_int_equal(tctest_count_files(out2), 10);
    tc_mapset_free(m);
    /* the same pool again (a re-run) is no collision */
    assert_int_equal(map_into(SET, out2, first, 10), 0);
    digest_of(p, after);
    assert_string_equal(before, after);
}

/* A split (220112 into itself and 220190): payables follow their
 * institution, SY0007's to 220190, SY0018's to 220112; every personal
 * account goes to 220190;
 * the ledger stays in 220112.  With no rule for the other institutions
 * their payables are rejected (dimension "split"), every record and fen
 * accounted for; once the set gives them one ('*'), re-feeding the rejects
 * gives the bytes of mapping the originals with the fixed set. */
static void test_split(void **state)
{
    (void)state;
    char set[1200], fixed[1200], cmd[4000];
    snprintf(set, sizeof(set), "%s/set-split", work);
    snprintf(fixed, sizeof(fixed), "%s/set-split-fixed", work);
    snprintf(cmd, sizeof(cmd),
             "cp -r '%s' '%s' && printf '220190,双阳新区\\r\\n' >>'%s/city/regions.csv' && "
             "printf 'county,column,source,target\\r\\n220112,institution,SY0007,220190\\r\\n"
             "220112,institution,SY0018,220112\\r\\n220112,person,*,220190\\r\\n' >'%s/split.csv' && cp -r '%s' '%s' && "
             "printf '220112,institution,*,220112\\r\\n' >>'%s/split.csv'",
             SET, set, set, set, set, fixed, fixed);
    assert_int_equal(system(cmd), 0);
    const char *in[70];
    county_batches(in);
    const char **mine = &in[10];   /* 220112's ten */
    char out[1200], clean[1200];
    snprintf(out, sizeof(out), "%s/city-split", work);
    snprintf(clean, sizeof(clean), "%s/city-split-clean", work);
    char src[1300], p[1300], q[1300], rj[1300];
    snprintf(src, sizeof(src), "%s/220112.payable.tcb", county_dir);
    int64_t k7sum, allsum;
    long long k7 = count_code(src, "name", "", NULL, &allsum);   /* no empty names: 0 */
    assert_int_equal(k7, 0);
    k7 = count_code(src, "institution", "SY0007", "settled", &k7sum);
    tc_batch_header hs, h1, h2, hr;
    tc_batch_summary ss, s1, s2, sr;
    summary_of(src, &hs, &ss);
    assert_true(k7 > 0 && (long long)ss.count > k7);
    int64_t k18sum;
    long long k18 = count_code(src, "institution", "SY0018", "settled", &k18sum);
    assert_true(k18 > 0);
    long long rej = map_into(set, out, mine, 10);
    assert_int_equal(rej, (long long)ss.count - k7 - k18);
    snprintf(p, sizeof(p), "%s/220112.220112.payable.tcb", out);
    snprintf(q, sizeof(q), "%s/220190.220112.payable.tcb", out);
    snprintf(rj, sizeof(rj), "%s/220112.payable.rejects.tcb", out);
    summary_of(p, &h1, &s1);
    summary_of(q, &h2, &s2);
    summary_of(rj, &hr, &sr);
    assert_string_equal(h1.county, "220112");
    assert_string_equal(h2.county, "220190");
    assert_string_equal(h2.pool, "220112");
    assert_int_equal(s1.count, k18);
    assert_int_equal(s1.totals[tc_batch_header_col(&h1, "settled")], k18sum);
    assert_int_equal(s2.count, k7);
    assert_int_equal(s2.totals[tc_batch_header_col(&h2, "settled")], k7sum);
    assert_int_equal(sr.count, ss.count - (uint64_t)(k7 + k18));
    int sc = tc_batch_header_col(&hs, "settled");
    assert_int_equal(ss.totals[sc], k18sum + s2.totals[tc_batch_header_col(&h2, "settled")] +
                                        sr.totals[tc_batch_header_col(&hr, "settled")]);
    long long split_rejects = count_code(rj, "reject_dimension", "split", NULL, &allsum);
    assert_int_equal(split_rejects, (long long)sr.count);
    /* the ledger stays, under the pool's name; personal accounts all move */
    snprintf(p, sizeof(p), "%s/220112.220112.balance.tcb", out);
    summary_of(p, &h1, &s1);
    snprintf(q, sizeof(q), "%s/220112.balance.tcb", county_dir);
    summary_of(q, &hs, &ss);
    assert_int_equal(s1.count, ss.count);
    snprintf(p, sizeof(p), "%s/220190.220112.personal_account.tcb", out);
    summary_of(p, &h1, &s1);
    snprintf(q, sizeof(q), "%s/220112.personal_account.tcb", county_dir);
    summary_of(q, &hs, &ss);
    assert_true(ss.count > 0);
    assert_int_equal(s1.count, ss.count);
    struct stat st;
    snprintf(p, sizeof(p), "%s/220190.220112.balance.tcb", out);
    assert_int_not_equal(stat(p, &st), 0);
    /* fixed: re-feed the rejects, the bytes of a clean map */
    assert_int_equal(map_into(fixed, clean, mine, 10), 0);
    const char *one[1] = {rj};
    assert_int_equal(map_into(fixed, out, one, 1), 0);
    assert_int_not_equal(stat(rj, &st), 0);
    for (int k = 0; k < 2; k++) {
        char a[1400], b[1400], da[TC_DIGEST_TEXT_MAX], db[TC_DIGEST_TEXT_MAX];
        const char *sub = k ? "220190" : "220112";
        snprintf(a, sizeof(a), "%s/%s.220112.payable.tcb", out, sub);
        snprintf(b, sizeof(b), "%s/%s.220112.payable.tcb", clean, sub);
        digest_of(a, da);
        digest_of(b, db);
        assert_string_equal(da, db);
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_full_set),
        cmocka_unit_test(test_remove_restore_rule),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_split),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
