/*
 * test_atomic.c - outputs appear whole or not at all.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic.h"


static void test_commit_replaces_whole(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/out.txt", tctest_dir);
    assert_int_equal(tctest_spit(path, "old\n", 4), 0);
    tc_err e;
    tc_err_clear(&e);
    tc_atomic *a;
    assert_int_equal(tc_atomic_open(&a, path, &e), 0);
    /* The temporary file sits beside the final one, hidden. */
    assert_non_null(strstr(tc_atomic_temp_path(a), "/.out.txt.tmp."));
    fputs("new contents\n", tc_atomic_file(a));
    /* Until commit, readers see the old file. */
    size_t n;
    unsigned char *b = tctest_slurp(path, &n);
    assert_string_equal((char *)b, "old\n");
    free(b);
    assert_int_equal(tctest_count_files(tctest_dir), 2);
    assert_int_equal(tc_atomic_commit(a, &e), 0);
    b = tctest_slurp(path, &n);
    assert_string_equal((char *)b, "new contents\n");
    free(b);
    assert_int_equal(tctest_count_files(tctest_dir), 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
}

static void test_abort_leaves_nothing(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/never.txt", tctest_dir);
    tc_err e;
    tc_atomic *a;
    assert_int_equal(tc_atomic_open_mode(&a, path, 0600, &e), 0);
    fputs("half", tc_atomic_file(a));
    tc_atomic_abort(a);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(tctest_count_files(tctest_dir), 1); /* only out.txt from before */
}

static void test_mode_and_failure(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/key.pem", tctest_dir);
    tc_err e;
    tc_atomic *a;
    assert_int_equal(tc_atomic_open_mode(&a, path, 0600, &e), 0);
    fputs("secret", tc_atomic_file(a));
    assert_int_equal(tc_atomic_commit(a, &e), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    unlink(path);
    /* A folder that does not exist: a clear I/O error. */
    snprintf(path, sizeof(path), "%s/no/such/folder/x", tctest_dir);
    tc_err_clear(&e);
    assert_int_equal(tc_atomic_open(&a, path, &e), TC_EIO);
    assert_non_null(strstr(e.msg, "cannot create a file beside"));
    /* Rename onto a folder fails at commit and leaves no temporary file. */
    snprintf(path, sizeof(path), "%s/adir", tctest_dir);
    assert_int_equal(mkdir(path, 0755), 0);
    char inner[700];
    snprintf(inner, sizeof(inner), "%s/x", path);
    assert_int_equal(tctest_spit(inner, "x", 1), 0);
    assert_int_equal(tc_atomic_open(&a, path, &e), 0);
    fputs("data", tc_atomic_file(a));
    tc_err_clear(&e);
    assert_int_equal(tc_atomic_commit(a, &e), TC_EIO);
    assert_non_null(strstr(e.msg, "cannot rename"));
    assert_int_equal(tctest_count_files(tctest_dir), 2); /* out.txt and adir */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_replaces_whole),
        cmocka_unit_test(test_abort_leaves_nothing),
        cmocka_unit_test(test_mode_and_failure),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
