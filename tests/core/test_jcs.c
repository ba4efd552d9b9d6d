/*
 * test_jcs.c - RFC 8785 (JCS) canonical JSON, the bytes every tongchou
 * signature over JSON covers.
 *
 * (a) The test vectors of an independent implementation
 *     (cyberphone/json-canonicalization, tests/core/jcs/README.md): each
 *     input parsed by jansson must dump to the published output, byte for
 *     byte.  jansson's own sorted compact output differs on some of them,
 *     which shows the comparison can fail.
 * (b) Hard cases written out here, each expected text typed by hand, not
 *     computed: every control character, U+007F, U+2028/2029, non-BMP
 *     characters, names whose UTF-16 order is not their UTF-8 order, a
 *     name holding U+0000, the integer limits +-(2^53 - 1) and what lies
 *     beyond, reals anywhere, invalid UTF-8, deep nesting.
 */
#include "tests/support/tctest.h"

#include "core/jcs.h"

#define JCS_DIR TC_TEST_SOURCE_DIR "/tests/core/jcs"

/* The JCS text of v, which must be accepted. */
static char *dump_ok(const json_t *v, size_t *n)
{
    char *out = NULL;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_jcs_dump(v, &out, n, &e);
    if (rc)
        fail_msg("tc_jcs_dump: %d: %s", rc, e.msg);
    assert_non_null(out);
    assert_int_equal(strlen(out), *n);
    return out;
}

static void expect(const json_t *v, const char *want, size_t wn)
{
    size_t n = 0;
    char *got = dump_ok(v, &n);
    if (n != wn || memcmp(got, want, wn) != 0)
        fail_msg("JCS gave '%s' (%zu bytes), wanted '%.*s' (%zu bytes)", got, n, (int)wn, want,
                 wn);
    free(got);
}

#define EXPECT(v, lit) expect((v), (lit), sizeof(lit) - 1)

/* The value must be refused as TC_EUSAGE with a message holding each of
 * the words given. */
static void refused(const json_t *v, const char *w1, const char *w2)
{
    char *out = (char *)"untouched";
    size_t n = 99;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_jcs_dump(v, &out, &n, &e), TC_EUSAGE);
    assert_null(out);
    assert_int_equal(n, 0);
    if (w1 && !strstr(e.msg, w1))
        fail_msg("message '%s' lacks '%s'", e.msg, w1);
    if (w2 && !strstr(e.msg, w2))
        fail_msg("message '%s' lacks '%s'", e.msg, w2);
}

/* ------------------------------------------------ independent vectors */

static void vector(const char *name, int jansson_differs)
{
    char in[1024], out[1024];
    snprintf(in, sizeof(in), "%s/input/%s.json", JCS_DIR, name);
    snprintf(out, sizeof(out), "%s/output/%s.json", JCS_DIR, name);
    json_error_t je;
    json_t *v = json_load_file(in, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        fail_msg("%s: %s", in, je.text);
    size_t wn = 0;
    char *want = (char *)tctest_slurp(out, &wn);
    assert_non_null(want);
    assert_true(wn > 0);
    expect(v, want, wn);
    /* jansson's own "canonical" form: different where JCS matters */
    char *js = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
    assert_non_null(js);
    assert_int_equal(strlen(js) != wn || memcmp(js, want, wn) != 0, jansson_differs);
    free(js);
    free(want);
    json_decref(v);
}

static void test_vectors(void **state)
{
    (void)state;
    vector("arrays", 0);
    vector("french", 0);
    vector("unicode", 0);
    vector("weird", 1);     /* U+1F602 before U+FB33 (UTF-16) */
}

/* ------------------------------------------------------- hard strings */

static void test_control_characters(void **state)
{
    (void)state;
    char all[32];
    for (int i = 0; i < 32; i++)
        all[i] = (char)i;
    json_t *s = json_stringn(all, sizeof(all));
    assert_non_null(s);
    EXPECT(s, "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
              "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
              "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
              "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"");
    json_decref(s);
    /* the two characters JSON must escape, and the solidus it need not */
    s = json_string("q\"b\\s/e");
    EXPECT(s, "\"q\\\"b\\\\s/e\"");
    json_decref(s);
    /* U+007F (DEL) and U+0080 are not control characters to JSON: raw */
    s = json_string("del\x7f" "c1\xc2\x80");
    EXPECT(s, "\"del\x7f" "c1\xc2\x80\"");
    json_decref(s);
    /* U+2028 and U+2029: raw (JSON.stringify does not escape them) */
    s = json_string("ls\xe2\x80\xa8ps\xe2\x80\xa9");
    EXPECT(s, "\"ls\xe2\x80\xa8ps\xe2\x80\xa9\"");
    json_decref(s);
    /* a name holding a control character and U+0000 */
    json_t *o = json_object();
    json_object_setn_new(o, "a\0b", 3, json_integer(1));
    json_object_set_new(o, "\x1f", json_integer(2));
    EXPECT(o, "{\"\\u001f\":2,\"a\\u0000b\":1}");
    json_decref(o);
}

static void test_non_bmp(void **state)
{
    (void)state;
    /* emoji U+1F602, CJK Extension B U+20000 and U+2A6D6, all raw UTF-8 */
    json_t *s = json_string("\xf0\x9f\x98\x82 \xf0\xa0\x80\x80\xf0\xaa\x9b\x96");
    EXPECT(s, "\"\xf0\x9f\x98\x82 \xf0\xa0\x80\x80\xf0\xaa\x9b\x96\"");
    json_decref(s);
    /* parsed from \u escapes with surrogate pairs: the same raw bytes */
    json_t *p = json_loads("[\"\\ud83d\\ude02\\ud840\\udc00\\u00e9\"]", 0, NULL);
    assert_non_null(p);
    EXPECT(p, "[\"\xf0\x9f\x98\x82\xf0\xa0\x80\x80\xc3\xa9\"]");
    json_decref(p);
}

static void test_utf16_order(void **state)
{
    (void)state;
    /* UTF-8 byte order: "" a ab U+E000 U+FB33 U+FFFD U+1F602 U+20000;
     * UTF-16 unit order: "" a ab U+1F602 (D83D) U+20000 (D840) U+E000
     * U+FB33 U+FFFD - the supplementary characters move before the top of
     * the BMP. */
    json_t *o = json_object();
    json_object_set_new(o, "\xef\xac\xb3", json_integer(6));      /* U+FB33 */
    json_object_set_new(o, "\xf0\xa0\x80\x80", json_integer(4));  /* U+20000 */
    json_object_set_new(o, "ab", json_integer(2));
    json_object_set_new(o, "\xee\x80\x80", json_integer(5));      /* U+E000 */
    json_object_set_new(o, "\xf0\x9f\x98\x82", json_integer(3));  /* U+1F602 */
    json_object_set_new(o, "a", json_integer(1));
    json_object_set_new(o, "", json_integer(0));
    json_object_set_new(o, "\xef\xbf\xbd", json_integer(7));      /* U+FFFD */
    EXPECT(o, "{\"\":0,\"a\":1,\"ab\":2,\"\xf0\x9f\x98\x82\":3,\"\xf0\xa0\x80\x80\":4,"
              "\"\xee\x80\x80\":5,\"\xef\xac\xb3\":6,\"\xef\xbf\xbd\":7}");
    /* jansson's byte order is not this one */
    char *js = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    assert_non_null(strstr(js, "\"\xef\xbf\xbd\":7,\"\xf0\x9f\x98\x82\":3"));
    free(js);
    /* the order holds inside nested objects and arrays too, and there is
     * no whitespace anywhere */
    json_t *outer = json_pack("{s:[o,b,n],s:b}", "z", o, 1, "Z", 0);
    EXPECT(outer, "{\"Z\":false,\"z\":[{\"\":0,\"a\":1,\"ab\":2,\"\xf0\x9f\x98\x82\":3,"
                  "\"\xf0\xa0\x80\x80\":4,\"\xee\x80\x80\":5,\"\xef\xac\xb3\":6,"
                  "\"\xef\xbf\xbd\":7},true,null]}");
    json_decref(outer);
    /* "\u00e9" (U+00E9) against "e\u0301" (e + combining acute): no
     * normalisation, "e" (0x65) sorts before U+00E9 */
    o = json_pack("{s:i,s:i}", "\xc3\xa9", 1, "e\xcc\x81", 2);
    EXPECT(o, "{\"e\xcc\x81\":2,\"\xc3\xa9\":1}");
    json_decref(o);
}

static void test_numbers(void **state)
{
    (void)state;
    json_t *v = json_pack("[I,I,i,i,I]", (json_int_t)9007199254740991LL,
                          (json_int_t)-9007199254740991LL, 0, -1, (json_int_t)1000000000000LL);
    EXPECT(v, "[9007199254740991,-9007199254740991,0,-1,1000000000000]");
    json_decref(v);
    /* 2^53 is a double, but 2^53 + 1 is not: neither is signed */
    v = json_integer(9007199254740992LL);
    refused(v, "9007199254740992", "2^53");
    json_decref(v);
    v = json_integer(-9007199254740992LL);
    refused(v, "-9007199254740992", "2^53");
    json_decref(v);
    v = json_pack("{s:{s:I}}", "records", "rows", (json_int_t)9223372036854775807LL);
    refused(v, "/records/rows", "9223372036854775807");
    json_decref(v);
    /* reals: refused wherever they are, even integral ones, naming the place */
    v = json_real(1.5);
    refused(v, "real number", "the top");
    json_decref(v);
    v = json_pack("{s:s,s:{s:[i,f]}}", "a", "x", "totals", "paid", 1, 56.0);
    refused(v, "real number", "/totals/paid/1");
    json_decref(v);
    /* a name with '/' and '~' is escaped in the place (RFC 6901) */
    v = json_pack("{s:f}", "a/b~c", 0.5);
    refused(v, "/a~1b~0c", NULL);
    json_decref(v);
}

static void test_refusals(void **state)
{
    (void)state;
    /* invalid UTF-8 slipped past jansson's checks */
    json_t *v = json_stringn_nocheck("ok\xc0\xaf", 4);     /* overlong '/' */
    refused(v, "not valid UTF-8", NULL);
    json_decref(v);
    v = json_string_nocheck("\xed\xa0\x80");                /* a surrogate, U+D800 */
    refused(v, "not valid UTF-8", NULL);
    json_decref(v);
    v = json_object();
    json_object_set_new_nocheck(v, "k\xff", json_null());
    refused(v, "member name", "not valid UTF-8");
    json_decref(v);
    /* 512 levels are written, 513 are refused */
    json_t *deep = json_integer(7);
    for (int i = 0; i < 512; i++) {
        json_t *a = json_array();
        json_array_append_new(a, deep);
        deep = a;
    }
    size_t n = 0;
    char *t = dump_ok(deep, &n);
    assert_int_equal(n, 512 * 2 + 1);
    assert_int_equal(t[511], '[');
    assert_int_equal(t[512], '7');
    free(t);
    json_t *a = json_array();
    json_array_append_new(a, deep);
    refused(a, "deeper than 512", NULL);
    json_decref(a);
    /* no value at all */
    char *out;
    tc_err e;
    assert_int_equal(tc_jcs_dump(NULL, &out, NULL, &e), TC_EUSAGE);
}

/* The strict UTF-8 decoder signed notes use as well. */
static void test_utf8_decode(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(tc_utf8_decode("\xf0\x9f\x98\x82", 4, &cp), 4);
    assert_int_equal(cp, 0x1f602);
    assert_int_equal(tc_utf8_decode("\xe2\x80\x94", 3, &cp), 3);     /* the em dash */
    assert_int_equal(cp, 0x2014);
    assert_int_equal(tc_utf8_decode("\xf0\x9f\x98", 3, &cp), 0);      /* cut short */
    assert_int_equal(tc_utf8_decode("\xe0\x80\xaf", 3, &cp), 0);      /* overlong */
    assert_int_equal(tc_utf8_decode("\xed\xbf\xbf", 3, &cp), 0);      /* U+DFFF */
    assert_int_equal(tc_utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);  /* U+110000 */
    assert_int_equal(tc_utf8_decode("\x80", 1, &cp), 0);
}

/* What JCS writes, parsed again and written again, is the same text:
 * the form is a fixed point. */
static void test_fixed_point(void **state)
{
    (void)state;
    const char *names[] = {"arrays", "french", "unicode", "weird"};
    for (size_t i = 0; i < 4; i++) {
        char in[1024];
        snprintf(in, sizeof(in), "%s/output/%s.json", JCS_DIR, names[i]);
        json_t *v = json_load_file(in, 0, NULL);
        assert_non_null(v);
        size_t n = 0, wn = 0;
        char *t = dump_ok(v, &n), *want = (char *)tctest_slurp(in, &wn);
        assert_int_equal(n, wn);
        assert_memory_equal(t, want, n);
        free(t), free(want);
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_non_bmp),
        cmocka_unit_test(test_utf16_order),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_utf8_decode),
        cmocka_unit_test(test_fixed_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
