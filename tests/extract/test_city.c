/*
 * test_city.c - the example city extracts whole: every county, handover
 * XML and legacy dumps alike, gives per record type the counts and control
 * totals the generator wrote into answer-key.json (source.records), which
 * come from how the data was built, not from reading it back.
 */
#include "tests/support/tctest.h"

#include <dirent.h>
#include <sys/stat.h>

#include <jansson.h>

#include "core/batch.h"
#include "core/money.h"
#include "extract/emit.h"
#include "extract/extract.h"
#include "generate/gen.h"

static void test_city_matches_key(void **state)
{
    (void)state;
    char *dir = tctest_tmpdir();
    char city[1024], out[1024], src[1200], key[1024];
    snprintf(city, sizeof(city), "%s/city", dir);
    snprintf(out, sizeof(out), "%s/batches", dir);
    mkdir(out, 0755);
    tc_gen_options o;
    tc_gen_defaults(&o);
    o.dir = city;
    o.records = 400;
    o.seed = 11;
    tc_err e;
    if (tc_gen_city(&o, &e))
        fail_msg("generate: %s %s", e.msg, e.hint);
    snprintf(key, sizeof(key), "%s/answer-key.json", city);
    json_error_t je;
    json_t *k = json_load_file(key, 0, &je);
    assert_non_null(k);
    json_t *counties = json_object_get(k, "counties");
    size_t i;
    json_t *c;
    int checked = 0;
    json_array_foreach(counties, i, c) {
        json_t *source = json_object_get(c, "source");
        const char *file = json_string_value(json_object_get(source, "file"));
        const char *county = json_string_value(json_object_get(c, "source_county"));
        snprintf(src, sizeof(src), "%s/%s", city, file);
        tc_extract_opts eo = {.outdir = out};
        tc_extract_result r;
        if (tc_extract_source(src, &eo, &r, &e)) {
            char b[2048];
            fail_msg("%s: %s", file, tc_err_format(&e, b, sizeof(b)));
        }
        assert_string_equal(r.county, county);
        const char *type;
        json_t *rec;
        json_object_foreach(json_object_get(source, "records"), type, rec) {
            char path[1400];
            tc_emit_batch_path(path, sizeof(path), out, county, type);
            tc_batch_header h;
            tc_batch_summary s;
            if (tc_batch_verify(path, &h, &s, &e))
                fail_msg("%s: %s", path, e.msg);
            long long want = json_integer_value(json_object_get(rec, "count"));
            if ((long long)s.count != want)
                fail_msg("%s %s: %llu records, the key says %lld", county, type,
                         (unsigned long long)s.count, want);
            const char *col;
            json_t *amt;
            json_object_foreach(json_object_get(rec, "totals"), col, amt) {
                const char *y = json_string_value(amt);
                tc_fen f;
                assert_int_equal(tc_money_parse_yuan(y, strlen(y), &f, &e), 0);
                int ci = tc_batch_header_col(&h, col);
                assert_true(ci >= 0);
                if (s.totals[ci] != f) {
                    char b[TC_MONEY_BUFSZ];
                    fail_msg("%s %s %s: %s, the key says %s", county, type, col,
                             tc_money_format(s.totals[ci], b), y);
                }
            }
            checked++;
        }
    }
    assert_int_equal(checked, 70);
    json_decref(k);
    tctest_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_city_matches_key)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
