/*
 * test_manifest.c - the manifest: a good one read whole, paths taken from
 * its folder; each kind of bad one refused with its file and line.
 */
#include "tests/support/tctest.h"

#include "pipeline/manifest.h"

static const char GOOD[] =
    "; a comment\n"
    "[city]\n"
    "code = 220100\n"
    "name = 长春市\n"
    "cutover = 2021-06-30\n"
    "mappings = maps\n"
    "work = /srv/work\n"
    "\n"
    "[keys]\n"
    "maker = keys/maker.key\n"
    "\n"
    "[county 220113]\n"
    "name = 九台区\n"
    "source = sources/220113.xml.gz\n"
    "source = postgresql://u:secret@db/jt\n"
    "[county 220182]\n"
    "source = sources/220182.sql.gz\n"
    "profile = yb2008\n"
    "funds = 310, 330 390\n"
    "cutover.330 = 2021-03-31\n"
    "cutover.310 = 2021-06-30\n";

static tc_manifest *load_text(const char *text, tc_err *e, int *rc)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/m.ini", tctest_dir);
    assert_int_equal(tctest_spit(path, text, strlen(text)), 0);
    tc_manifest *m = NULL;
    tc_err_clear(e);
    *rc = tc_manifest_load(&m, path, e);
    return m;
}

static void test_good(void **state)
{
    (void)state;
    tc_err e;
    int rc;
    tc_manifest *m = load_text(GOOD, &e, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(m->city, "220100");
    assert_string_equal(m->name, "长春市");
    assert_string_equal(m->cutover, "2021-06-30");
    char want[700];
    snprintf(want, sizeof(want), "%s/maps", tctest_dir);
    assert_string_equal(m->mappings, want);
    assert_string_equal(m->work, "/srv/work");   /* absolute: as given */
    snprintf(want, sizeof(want), "%s/keys/maker.key", tctest_dir);
    assert_string_equal(m->maker_key, want);
    assert_int_equal(m->ncounties, 2);
    const tc_manifest_county *c = tc_manifest_county_find(m, "220113");
    assert_non_null(c);
    assert_string_equal(c->name, "九台区");
    assert_int_equal(c->nsources, 2);
    snprintf(want, sizeof(want), "%s/sources/220113.xml.gz", tctest_dir);
    assert_string_equal(c->sources[0], want);
    assert_string_equal(c->sources[1], "postgresql://u:secret@db/jt");   /* not a path */
    assert_int_equal(c->line, 12);
    assert_string_equal(c->funds, "");
    assert_int_equal(c->ncutovers, 0);
    c = tc_manifest_county_find(m, "220182");
    assert_string_equal(c->profile, "yb2008");
    /* a part handover: the funds, and two funds' own cutovers in order */
    assert_string_equal(c->funds, "310,330,390");
    assert_int_equal(c->ncutovers, 2);
    assert_string_equal(c->cutovers[0].fund, "330");
    assert_string_equal(c->cutovers[0].date, "2021-03-31");
    assert_int_equal(c->cutovers[0].line, 20);
    assert_string_equal(c->cutovers[1].fund, "310");
    assert_string_equal(c->cutovers[1].date, "2021-06-30");
    assert_null(tc_manifest_county_find(m, "220122"));
    tc_manifest_free(m);
}

/* One bad manifest: refused with TC_EINPUT at line, the message holding want. */
static void refused(const char *text, long line, const char *want)
{
    tc_err e;
    int rc;
    tc_manifest *m = load_text(text, &e, &rc);
    assert_null(m);
    if (rc != TC_EINPUT || e.line != line || !strstr(e.msg, want))
        fail_msg("wanted line %ld '%s'; got %d at line %ld: %s", line, want, rc, e.line, e.msg);
    assert_true(strstr(e.file, "m.ini") != NULL);
}

static void test_refusals(void **state)
{
    (void)state;
    static const char HEAD[] = "[city]\ncode = 220100\ncutover = 2021-06-30\nmappings = m\n"
                               "work = w\n[keys]\nmaker = k\n";
    char t[2048];
    snprintf(t, sizeof(t), "%s[county 220113]\nsource = a.xml\nsourse = b.xml\n", HEAD);
    refused(t, 10, "unknown key 'sourse' in [county 220113]");
    snprintf(t, sizeof(t), "%s[county 22011]\nsource = a.xml\n", HEAD);
    refused(t, 9, "'22011' is not a 6-digit region code");
    snprintf(t, sizeof(t), "%s[county 220113]\nsource = a\n[county 220112]\nsource = b\n"
                           "[county 220113]\nsource = c\n", HEAD);
    refused(t, 13, "county 220113 appears twice");
    snprintf(t, sizeof(t), "%s[county 220113]\nprofile = yb2008\n", HEAD);
    refused(t, 8, "county 220113 has no source");
    snprintf(t, sizeof(t), "%s[countys]\nx = 1\n", HEAD);
    refused(t, 9, "unknown section [countys]");
    snprintf(t, sizeof(t), "%sthis is not ini\n", HEAD);
    refused(t, 8, "malformed line");
    refused("[city]\ncode = 220100\nmappings = m\nwork = w\n[keys]\nmaker = k\n"
            "[county 220113]\nsource = a\n", 1, "[city] lacks 'cutover'");
    refused("[city]\ncode = 220100\ncutover = 2021-02-30\n", 3, "cutover '2021-02-30' is not a date");
    refused("[city]\ncode = 2201000\n", 2, "city code '2201000' is not a 6-digit region code");
    refused("[city]\ncode = 220100\ncutover = 2021-06-30\nmappings = m\nwork = w\n"
            "[county 220113]\nsource = a\n", 1, "[keys] lacks 'maker'");
    snprintf(t, sizeof(t), "%s", HEAD);
    refused(t, 1, "the manifest names no county");
    /* a fund's own cutover */
    snprintf(t, sizeof(t), "%s[county 220113]\nsource = a\ncutover.330 = 2021-07-31\n", HEAD);
    refused(t, 10, "county 220113 fund 330: cutover 2021-07-31 is after the city's cutover "
                   "2021-06-30");
    refused("[county 220113]\nsource = a\ncutover.330 = 2021-07-01\n[keys]\nmaker = k\n"
            "[city]\ncode = 220100\ncutover = 2021-06-30\nmappings = m\nwork = w\n", 3,
            "is after the city's cutover");   /* [city] read after the county */
    snprintf(t, sizeof(t), "%s[county 220113]\nsource = a\ncutover.330 = 2021-02-30\n", HEAD);
    refused(t, 10, "cutover of fund 330 '2021-02-30' is not a date");
    snprintf(t, sizeof(t), "%s[county 220113]\nsource = a\ncutover.3,30 = 2021-03-31\n", HEAD);
    refused(t, 10, "'3,30' is not a fund code");
    snprintf(t, sizeof(t), "%s[county 220113]\nsource = a\ncutover. = 2021-03-31\n", HEAD);
    refused(t, 10, "'' is not a fund code");
    snprintf(t, sizeof(t), "%s[county 220113]\nsource = a\ncutover.330 = 2021-03-31\n"
                           "cutover.330 = 2021-04-30\n", HEAD);
    refused(t, 11, "the cutover of fund 330 of county 220113 is named twice (line 10)");
    snprintf(t, sizeof(t), "%s[county 220113]\nsource = a\ncutover.330 = 2021-03-31\n"
                           "funds = 310, 390\n", HEAD);
    refused(t, 10, "county 220113 fund 330 has a cutover but is not among the funds it hands "
                   "over (310,390)");
}

/* A line holds at most 199 bytes (inih's INI_MAX_LINE of 200, less one):
 * a path of that length is read whole, a byte more is refused - not cut,
 * with its tail read as a line of its own. */
static void test_line_limit(void **state)
{
    (void)state;
    char text[2048], line[256];
    tc_err e;
    int rc;
    for (int extra = 0; extra < 2; extra++) {
        /* "work = " and 192 + extra bytes of path: 199, then 200 bytes */
        int n = snprintf(line, sizeof(line), "work = /");
        memset(line + n, 'w', (size_t)(191 + extra));
        line[n + 191 + extra] = '\0';
        snprintf(text, sizeof(text), "[city]\ncode = 220100\ncutover = 2021-06-30\n"
                 "mappings = m\n%s\n[keys]\nmaker = k\n[county 220113]\nsource = s.xml\n", line);
        assert_int_equal(strlen(line), 199 + extra);
        if (!extra) {
            tc_manifest *m = load_text(text, &e, &rc);
            if (rc)
                fail_msg("a line of 199 bytes: %s", e.msg);
            assert_int_equal(strlen(m->work), 192);
            tc_manifest_free(m);
        } else {
            refused(text, 5, "the line is longer than 199 bytes");
        }
    }
}

static void test_missing_file(void **state)
{
    (void)state;
    tc_manifest *m;
    tc_err e;
    assert_int_equal(tc_manifest_load(&m, "/nonexistent/city.ini", &e), TC_EUSAGE);
    assert_true(strstr(e.msg, "cannot read manifest /nonexistent/city.ini") != NULL);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_good), cmocka_unit_test(test_refusals),
                                   cmocka_unit_test(test_missing_file),
                                   cmocka_unit_test(test_line_limit)};
    return cmocka_run_group_tests(t, tctest_dir_setup, tctest_dir_teardown);
}
