/*
 * test_err.c - the error value, its one format, the exit codes, and the
 * masking of identity numbers in every message.
 */
#include "tests/support/tctest.h"

#include "core/err.h"

static void test_format_locations(void **state)
{
    (void)state;
    tc_err e;
    char buf[2048];
    tc_err_clear(&e);
    assert_int_equal(tc_fail(&e, TC_EINPUT, "bad amount '%s': at most two decimals", "1.234"),
                     TC_EINPUT);
    tc_err_at(&e, "jiutai.xml", 12, 40);
    tc_err_hint(&e, "fix the export");
    assert_string_equal(tc_err_format(&e, buf, sizeof(buf)),
                        "jiutai.xml:12:40: bad amount '1.234': at most two decimals (fix the export)");
    tc_err_clear(&e);
    tc_fail(&e, TC_EINPUT, "unknown fund code '07' for county 220113");
    tc_err_record(&e, "jiutai.tcb", 1893);
    tc_err_hint(&e, "add a row to fund.csv");
    assert_string_equal(tc_err_format(&e, buf, sizeof(buf)),
                        "jiutai.tcb: record 1893: unknown fund code '07' for county 220113 "
                        "(add a row to fund.csv)");
    tc_err_clear(&e);
    tc_fail(&e, TC_EIO, "cannot write");
    tc_err_prefix(&e, "saving %s: ", "report");
    assert_string_equal(tc_err_format(&e, buf, sizeof(buf)), "saving report: cannot write");
    /* A tiny buffer is cut, never overrun. */
    char small[8];
    tc_err_format(&e, small, sizeof(small));
    assert_string_equal(small, "saving ");
}

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(tc_exit_code(TC_OK), 0);
    assert_int_equal(tc_exit_code(TC_EUSAGE), 2);
    assert_int_equal(tc_exit_code(TC_EINPUT), 3);
    assert_int_equal(tc_exit_code(TC_EIO), 4);
    assert_int_equal(tc_exit_code(TC_EDB), 4);
    assert_int_equal(tc_exit_code(TC_ENOMEM), 4);
    assert_int_equal(tc_exit_code(TC_EINTEGRITY), 5);
    assert_string_equal(tc_code_name(TC_EINTEGRITY), "integrity failure");
}

static void test_ids_masked(void **state)
{
    (void)state;
    tc_err e;
    char buf[2048];
    tc_err_clear(&e);
    tc_fail(&e, TC_EINPUT, "person 11010519491231002X and 220181199001011234 twice");
    assert_string_equal(tc_err_format(&e, buf, sizeof(buf)),
                        "person 110105********002X and 220181********1234 twice");
    /* Not identity numbers: longer digit runs, hex digests, short codes. */
    char s[] = "1234567890123456789 sha256:a12345678901234567890b 91220113MA17XXXXXX 220113";
    tc_mask_ids_inplace(s);
    assert_string_equal(s, "1234567890123456789 sha256:a12345678901234567890b 91220113MA17XXXXXX 220113");
    char t[] = "id=11010519491231002x.";
    tc_mask_ids_inplace(t);
    assert_string_equal(t, "id=110105********002x.");
}

/* A long path never hides the reason: the message keeps its end (the
 * system's reason) and the path its head and tail; the file field keeps
 * the file's name. */
static void test_long_paths(void **state)
{
    (void)state;
    char path[3000];
    memset(path, 'd', sizeof(path));
    for (size_t i = 0; i < sizeof(path) - 1; i += 50)
        path[i] = '/';
    snprintf(path + sizeof(path) - 20, 20, "/220112.account.tcb");
    tc_err e;
    tc_err_clear(&e);
    tc_fail(&e, TC_EIO, "cannot write %s: No such file or directory", path);
    size_t n = strlen(e.msg);
    assert_true(n < sizeof(e.msg));
    assert_string_equal(e.msg + n - strlen("220112.account.tcb: No such file or directory"),
                        "220112.account.tcb: No such file or directory");
    assert_non_null(strstr(e.msg, "cannot write /dd"));
    assert_non_null(strstr(e.msg, "..."));
    /* a prefix added later keeps the reason too */
    tc_err_prefix(&e, "loading %s: ", path);
    n = strlen(e.msg);
    assert_string_equal(e.msg + n - strlen("No such file or directory"),
                        "No such file or directory");
    assert_non_null(strstr(e.msg, "loading /dd"));
    tc_err_at(&e, path, 3, 0);
    assert_true(strlen(e.file) < sizeof(e.file));
    n = strlen(e.file);
    assert_string_equal(e.file + n - strlen("220112.account.tcb"), "220112.account.tcb");
    /* no path at all: the head and the tail stay */
    char words[3000];
    memset(words, 'x', sizeof(words));
    words[sizeof(words) - 1] = '\0';
    tc_fail(&e, TC_EINPUT, "%s the reason", words);
    n = strlen(e.msg);
    assert_string_equal(e.msg + n - 10, "the reason");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_locations),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_ids_masked),
        cmocka_unit_test(test_long_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
