/*
 * test_atomic.c - outputs appear whole or not at all; output folders made
 * as `mkdir -p` would, and their names without trailing slashes.
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
    assert_int_equal(st.st_mode & 0777, 0600);   /* owner-only (core/perm.h), whatever the umask */
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

static void test_mkdir_p(void **state)
{
    (void)state;
    char path[700], file[700];
    tc_err e;
    tc_err_clear(&e);
    /* every missing folder made, each with the mode asked for */
    snprintf(path, sizeof(path), "%s/mk/a/b", tctest_dir);
    assert_int_equal(tc_mkdir_p(path, 0700, &e), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(file, sizeof(file), "%s/mk", tctest_dir);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    /* again: there already, left as it is; a trailing slash is fine */
    assert_int_equal(chmod(path, 0750), 0);
    snprintf(path, sizeof(path), "%s/mk/a/b/", tctest_dir);
    assert_int_equal(tc_mkdir_p(path, 0700, &e), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0750);
    /* a file in the way */
    snprintf(file, sizeof(file), "%s/mk/f", tctest_dir);
    assert_int_equal(tctest_spit(file, "x", 1), 0);
    snprintf(path, sizeof(path), "%s/mk/f/g", tctest_dir);
    assert_int_equal(tc_mkdir_p(path, 0700, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "/mk/f: a file of that name is in the way"));
    assert_int_equal(tc_mkdir_p("", 0700, &e), TC_EUSAGE);
    tctest_rmtree(file);
    snprintf(path, sizeof(path), "%s/mk", tctest_dir);
    tctest_rmtree(path);
}

static void test_path_trim(void **state)
{
    (void)state;
    char a[] = "out/", b[] = "out///", c[] = "/", d[] = "//", f[] = "a/b";
    tc_path_trim(a);
    tc_path_trim(b);
    tc_path_trim(c);
    tc_path_trim(d);
    tc_path_trim(f);
    assert_string_equal(a, "out");
    assert_string_equal(b, "out");
    assert_string_equal(c, "/");
    assert_string_equal(d, "/");
    assert_string_equal(f, "a/b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_replaces_whole),
        cmocka_unit_test(test_abort_leaves_nothing),
        cmocka_unit_test(test_mode_and_failure),
        cmocka_unit_test(test_mkdir_p),
        cmocka_unit_test(test_path_trim),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
