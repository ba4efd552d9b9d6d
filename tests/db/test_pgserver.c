/*
 * test_pgserver.c - the private server: start, connect, reuse, attach,
 * stop; the guardian cleaning up after a process that dies; a folder whose
 * path is too long for a socket; conninfo quoting of an awkward path.
 */
#include "tests/support/tctest.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "db/pgserver.h"

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static long long one_value(tc_pgserver *s, const char *db, const char *sql)
{
    PGconn *c = PQconnectdb(tc_pgserver_conninfo(s, db));
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(c);
    return v;
}

/* A folder the server account may enter even when we are root. */
static char *open_tmpdir(void)
{
    char *d = tctest_tmpdir();
    assert_non_null(d);
    assert_int_equal(chmod(d, 0755), 0);
    return d;
}

static void test_ephemeral_roundtrip(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    tc_pgserver *s;
    if (tc_pgserver_start(&s, NULL, TC_PGSERVER_EPHEMERAL | TC_PGSERVER_FAST, &e))
        fail_msg("start: %s / %s", e.msg, e.hint);
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", tc_pgserver_dir(s));
    assert_true(exists(dir));
    assert_true(tc_pgserver_port(s) >= 20000 && tc_pgserver_port(s) < 60000);
    /* it is a real server: version 15 or later, fsync off as asked */
    assert_true(one_value(s, NULL, "SELECT current_setting('server_version_num')::int") >= 150000);
    PGconn *c = PQconnectdb(tc_pgserver_conninfo(s, NULL));
    PGresult *r = PQexec(c, "SHOW fsync");
    assert_string_equal(PQgetvalue(r, 0, 0), "off");
    PQclear(r);
    r = PQexec(c, "SHOW listen_addresses");
    assert_string_equal(PQgetvalue(r, 0, 0), "");
    PQclear(r);
    PQfinish(c);
    /* createdb quotes the name: a name that needs quoting works */
    assert_int_equal(tc_pgserver_createdb(s, "county \"220184\"", "UTF8", &e), 0);
    assert_int_equal(one_value(s, "county \"220184\"",
                               "SELECT count(*) FROM pg_database WHERE datname = current_database()"),
                     1);
    assert_int_equal(tc_pgserver_createdb(s, "county \"220184\"", "UTF8", &e), TC_EDB);
    assert_non_null(strstr(e.msg, "already exists"));
    /* client programs run against it */
    const char *argv[] = {"psql", "-X", "-A", "-t", "-c", "SELECT 6*7", NULL};
    char out[1200];
    snprintf(out, sizeof(out), "%s/psql.out", dir);
    assert_int_equal(tc_pgserver_run(s, argv, out, &e), 0);
    size_t n;
    char *txt = (char *)tctest_slurp(out, &n);
    assert_string_equal(txt, "42\n");
    free(txt);
    /* a failing client reports its stderr */
    const char *bad[] = {"psql", "-X", "-c", "SELEC 1", NULL};
    assert_int_equal(tc_pgserver_run(s, bad, NULL, &e), TC_EIO);
    assert_non_null(strstr(e.hint, "syntax error"));
    assert_int_equal(tc_pgserver_stop(s, &e), 0);
    assert_false(exists(dir));
}

static void test_persistent_reuse_attach(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    char *root = open_tmpdir();
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/db with space's", root);
    tc_pgserver *s, *t;
    if (tc_pgserver_start(&s, dir, 0, &e))
        fail_msg("start: %s / %s", e.msg, e.hint);
    int port = tc_pgserver_port(s);
    assert_non_null(strstr(tc_pgserver_conninfo(s, NULL), "space\\'s"));
    assert_int_equal(one_value(s, NULL, "SELECT 1"), 1);
    assert_int_equal(one_value(s, NULL, "SELECT (current_setting('fsync') = 'on')::int"), 1);
    tc_pgserver_detach(s);
    /* starting again reuses the running server */
    assert_int_equal(tc_pgserver_start(&t, dir, 0, &e), 0);
    assert_int_equal(tc_pgserver_port(t), port);
    tc_pgserver_detach(t);
    assert_int_equal(tc_pgserver_attach(&t, dir, &e), 0);
    assert_int_equal(one_value(t, NULL, "SELECT 2"), 2);
    assert_int_equal(tc_pgserver_stop(t, &e), 0);
    /* a persistent server's folder stays, and attach now says none runs */
    assert_true(exists(dir));
    assert_int_equal(tc_pgserver_attach(&t, dir, &e), TC_EIO);
    assert_non_null(strstr(e.msg, "no PostgreSQL server"));
    /* and it restarts with its data */
    assert_int_equal(tc_pgserver_start(&s, dir, 0, &e), 0);
    assert_int_equal(tc_pgserver_port(s), port);
    assert_int_equal(tc_pgserver_stop(s, &e), 0);
    tctest_rmtree(root);
    free(root);
}

static void test_long_path(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    char *root = open_tmpdir();
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/%s", root,
             "a-folder-name-long-enough-that-a-unix-socket-path-inside-it-would-not-fit");
    tc_pgserver *s;
    if (tc_pgserver_start(&s, dir, TC_PGSERVER_EPHEMERAL | TC_PGSERVER_FAST, &e))
        fail_msg("start: %s / %s", e.msg, e.hint);
    char sock[1024];
    snprintf(sock, sizeof(sock), "%s", tc_pgserver_socket_dir(s));
    assert_int_equal(strncmp(sock, "/tmp/tcpg-", 10), 0);
    assert_int_equal(one_value(s, NULL, "SELECT 3"), 3);
    assert_int_equal(tc_pgserver_stop(s, &e), 0);
    assert_false(exists(dir));
    assert_false(exists(sock));
    tctest_rmtree(root);
    free(root);
}

/* The starting process dies without stopping: the guardian cleans up. */
static void test_guardian(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        tc_err e;
        tc_pgserver *s;
        if (tc_pgserver_start(&s, NULL, TC_PGSERVER_EPHEMERAL | TC_PGSERVER_FAST, &e))
            _exit(1);
        char line[1100];
        int n = snprintf(line, sizeof(line), "%s\n", tc_pgserver_dir(s));
        if (write(p[1], line, (size_t)n) != n)
            _exit(1);
        raise(SIGKILL);   /* no atexit, no stop: as hard a death as there is */
    }
    close(p[1]);
    char dir[1100] = "";
    ssize_t n = read(p[0], dir, sizeof(dir) - 1);
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    assert_true(n > 1);
    dir[n - 1] = '\0';
    assert_true(WIFSIGNALED(st));
    /* the folder goes within a minute (pg_ctl stop -m immediate + rm) */
    int waited = 0;
    while (exists(dir) && waited < 600) {
        usleep(100000);
        waited++;
    }
    assert_false(exists(dir));
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_ephemeral_roundtrip),
        cmocka_unit_test(test_persistent_reuse_attach),
        cmocka_unit_test(test_long_path),
        cmocka_unit_test(test_guardian),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
