/*
 * test_proc.c - tc_proc_fanout(): every item done once, by the process its
 * index names; the lowest failure reported whole; a killed child is an
 * error, not a success.
 */
#include "tests/support/tctest.h"

#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/proc.h"

typedef struct job {
    int fail_at;        /* the item that fails, or -1 */
    int kill_at;        /* the item whose process kills itself, or -1 */
} job;

/* Item i: the file DIR/i holding the pid that made it. */
static int item(size_t i, void *arg, tc_err *e)
{
    job *j = arg;
    if ((int)i == j->kill_at)
        raise(SIGKILL);
    if ((int)i == j->fail_at || (j->fail_at >= 0 && (int)i == j->fail_at + 2)) {
        tc_err_at(e, "item.txt", (long)i, 3);
        return tc_fail(e, TC_EINPUT, "item %zu refused", i);
    }
    char p[512];
    snprintf(p, sizeof(p), "%s/%zu", tctest_dir, i);
    FILE *f = fopen(p, "w");
    if (!f)
        return tc_fail(e, TC_EIO, "cannot write %s", p);
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    return 0;
}

static long pid_of(size_t i)
{
    char p[512];
    long pid = -1;
    snprintf(p, sizeof(p), "%s/%zu", tctest_dir, i);
    FILE *f = fopen(p, "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = -1;
    fclose(f);
    unlink(p);
    return pid;
}

/* 9 items in 3 processes: each done once, by i % 3's process, none here. */
static void test_all_done(void **state)
{
    (void)state;
    job j = {-1, -1};
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_proc_fanout(9, 3, item, &j, &e), 0);
    long pid[9];
    for (size_t i = 0; i < 9; i++) {
        pid[i] = pid_of(i);
        assert_true(pid[i] > 0);
        assert_true(pid[i] != (long)getpid());
    }
    for (size_t i = 0; i < 9; i++)
        for (size_t k = 0; k < 9; k++)
            assert_true((pid[i] == pid[k]) == (i % 3 == k % 3));
}

/* One job, or one item: here, in order. */
static void test_serial(void **state)
{
    (void)state;
    job j = {-1, -1};
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_proc_fanout(4, 1, item, &j, &e), 0);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pid_of(i), (long)getpid());
    assert_int_equal(tc_proc_fanout(1, 8, item, &j, &e), 0);
    assert_int_equal(pid_of(0), (long)getpid());
    /* serial stops at the failure */
    j.fail_at = 2;
    assert_int_equal(tc_proc_fanout(4, 1, item, &j, &e), TC_EINPUT);
    assert_int_equal(pid_of(3), -1);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(pid_of(i), (long)getpid());
}

/* Items 5 and 7 fail, in two processes: item 5's error comes back whole. */
static void test_lowest_failure(void **state)
{
    (void)state;
    job j = {5, -1};
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_proc_fanout(12, 4, item, &j, &e), TC_EINPUT);
    assert_string_equal(e.msg, "item 5 refused");
    assert_string_equal(e.file, "item.txt");
    assert_int_equal(e.line, 5);
    assert_int_equal(e.column, 3);
    /* the items of the processes that did not fail were done */
    assert_true(pid_of(0) > 0);
    assert_true(pid_of(10) > 0);
    assert_int_equal(pid_of(11), -1);   /* after 7, in its process */
    for (size_t i = 0; i < 12; i++)
        pid_of(i);
}

/* A process killed by a signal fails the whole. */
static void test_killed(void **state)
{
    (void)state;
    job j = {-1, 4};
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_proc_fanout(6, 2, item, &j, &e), TC_EIO);
    assert_non_null(strstr(e.msg, "killed by signal 9"));
    for (size_t i = 0; i < 6; i++)
        pid_of(i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_done),
        cmocka_unit_test(test_serial),
        cmocka_unit_test(test_lowest_failure),
        cmocka_unit_test(test_killed),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
