/*
 * test_perm.c - what the toolkit writes is its owner's alone, or shared
 * with one named group and never wider; sources and folders others can
 * read are named in a warning.
 */
#include "tests/support/tctest.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/perm.h"

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void write_one(const char *path)
{
    tc_err e;
    tc_err_clear(&e);
    tc_atomic *a;
    assert_int_equal(tc_atomic_open(&a, path, &e), 0);
    fputs("x\n", tc_atomic_file(a));
    assert_int_equal(tc_atomic_commit(a, &e), 0);
}

/* Owner-only by default, whatever the umask the caller left. */
static void test_owner_only(void **state)
{
    (void)state;
    umask(0);
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_perm_share(NULL, &e), 0);
    assert_int_equal(tc_perm_file(), 0600);
    assert_int_equal(tc_perm_dir(), 0700);
    assert_string_equal(tc_perm_group(), "");
    char dir[600], path[700];
    snprintf(dir, sizeof(dir), "%s/a/b", tctest_dir);
    assert_int_equal(tc_mkdir_p(dir, tc_perm_dir(), &e), 0);
    assert_int_equal(mode_of(dir), 0700);
    snprintf(path, sizeof(path), "%s/a", tctest_dir);
    assert_int_equal(mode_of(path), 0700);
    snprintf(path, sizeof(path), "%s/f.txt", dir);
    write_one(path);
    assert_int_equal(mode_of(path), 0600);
    /* the process umask now matches, for what others create for us */
    mode_t old = umask(022);
    assert_int_equal(old, 077);
}

/* Shared with our own group: 0640 / 0750, given to it. */
static void test_shared_group(void **state)
{
    (void)state;
    struct group *g = getgrgid(getegid());
    assert_non_null(g);
    char name[64];
    snprintf(name, sizeof(name), "%s", g->gr_name);
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_perm_share(name, &e), 0);
    assert_string_equal(tc_perm_group(), name);
    assert_int_equal(tc_perm_file(), 0640);
    assert_int_equal(tc_perm_dir(), 0750);
    char dir[600], path[700];
    snprintf(dir, sizeof(dir), "%s/shared", tctest_dir);
    assert_int_equal(tc_mkdir_p(dir, tc_perm_dir(), &e), 0);
    assert_int_equal(mode_of(dir), 0750);
    snprintf(path, sizeof(path), "%s/f.txt", dir);
    write_one(path);
    assert_int_equal(mode_of(path), 0640);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_gid, getegid());
    /* a group-readable file of the shared group is no cause for a warning;
     * others' reading is */
    assert_int_equal(tc_perm_check(path, "the source"), 0);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(tc_perm_check(path, "the source"), 1);
    assert_int_equal(tc_perm_share("", &e), 0);
    assert_int_equal(tc_perm_file(), 0600);
}

/* No such group: refused, and the setting stays as it was. */
static void test_unknown_group(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_perm_share("no-such-group-tc", &e), TC_EUSAGE);
    assert_non_null(strstr(e.msg, "there is no group 'no-such-group-tc'"));
    assert_string_equal(tc_perm_group(), "");
    assert_int_equal(tc_perm_file(), 0600);
}

/* The warning's rule: others, or a group not shared with, may read. */
static void test_check(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/src.xml", tctest_dir);
    assert_int_equal(tctest_spit(path, "<x/>", 4), 0);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(tc_perm_check(path, "the source"), 0);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(tc_perm_check(path, "the source"), 1);
    assert_int_equal(chmod(path, 0604), 0);
    assert_int_equal(tc_perm_check(path, "the source"), 1);
    assert_int_equal(chmod(path, 0620), 0);   /* writable, not readable: not personal data leaking */
    assert_int_equal(tc_perm_check(path, "the source"), 0);
    snprintf(path, sizeof(path), "%s/missing", tctest_dir);
    assert_int_equal(tc_perm_check(path, "the source"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_only),
        cmocka_unit_test(test_shared_group),
        cmocka_unit_test(test_unknown_group),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
