/*
 * test_jsonfile.c - the size bound on a JSON document read from a file
 * (core/jsonfile.h, docs/architecture.md "Limits"), at its boundaries: a
 * file of exactly TC_JSON_FILE_MAX bytes is read, one byte more is refused
 * naming the file, its size and the limit; a FIFO, whose size fstat cannot
 * tell, is cut one byte past the limit; a document whole within the limit
 * but followed by more bytes is refused all the same.  jansson's nesting
 * limit, which the documentation states, holds: 2048 levels read, 2049 a
 * syntax error at its line and column.
 */
#include "tests/support/tctest.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/jsonfile.h"

/* A file of n bytes: "{}" and then spaces (n >= 2). */
static void object_of(const char *path, size_t n)
{
    char *b = malloc(n);
    assert_non_null(b);
    memset(b, ' ', n);
    b[0] = '{';
    b[1] = '}';
    assert_int_equal(tctest_spit(path, b, n), 0);
    free(b);
}

static void test_limit_boundary(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/big.json", tctest_dir);
    json_t *doc = NULL;
    tc_err e;
    tc_err_clear(&e);
    object_of(path, TC_JSON_FILE_MAX);
    assert_int_equal(tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, 0, &e), 0);
    assert_true(json_is_object(doc));
    json_decref(doc);

    object_of(path, TC_JSON_FILE_MAX + 1);
    assert_int_equal(tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, 0, &e), TC_EINPUT);
    assert_null(doc);
    assert_string_equal(e.file, path);
    assert_string_equal(e.msg, "the file is 67108865 bytes, more than the 67108864 bytes "
                               "(64 MiB) a JSON document may hold (docs/architecture.md, Limits)");
    assert_non_null(strstr(e.hint, "check that this is the file tongchou wrote"));
    unlink(path);
}

/* Write n bytes of "{}" and spaces into the FIFO at path from a child. */
static pid_t fifo_writer(const char *path, size_t n)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *f = fopen(path, "wb");
        if (!f)
            _exit(1);
        fputs("{}", f);
        for (size_t i = 2; i < n; i++)
            fputc(' ', f);
        _exit(fclose(f) == 0 ? 0 : 1);
    }
    return pid;
}

static void test_limit_fifo(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/pipe.json", tctest_dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    json_t *doc = NULL;
    tc_err e;
    tc_err_clear(&e);
    pid_t w = fifo_writer(path, 100);
    assert_int_equal(tc_json_read_file(&doc, path, 100, 0, &e), 0);
    assert_true(json_is_object(doc));
    json_decref(doc);
    waitpid(w, NULL, 0);

    /* the document "{}" is whole in the first 100 bytes: the count refuses */
    w = fifo_writer(path, 101);
    assert_int_equal(tc_json_read_file(&doc, path, 100, 0, &e), TC_EINPUT);
    assert_null(doc);
    assert_string_equal(e.msg, "the file holds more than the 100 bytes a JSON document may "
                               "hold (docs/architecture.md, Limits)");
    kill(w, SIGTERM);   /* it may be blocked on the bytes never read */
    waitpid(w, NULL, 0);
    unlink(path);
}

/* n arrays nested in each other, on the second line of the file */
static void nested(const char *path, size_t n)
{
    char *b = malloc(2 * n + 2);
    b[0] = '\n';
    memset(b + 1, '[', n);
    memset(b + 1 + n, ']', n);
    b[2 * n + 1] = '\n';
    assert_int_equal(tctest_spit(path, b, 2 * n + 2), 0);
    free(b);
}

static void test_depth(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/deep.json", tctest_dir);
    json_t *doc = NULL;
    tc_err e;
    tc_err_clear(&e);
    nested(path, 2048);
    assert_int_equal(tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, 0, &e), 0);
    assert_true(json_is_array(doc));
    json_decref(doc);
    nested(path, 2049);
    assert_int_equal(tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, 0, &e), TC_EINPUT);
    assert_null(doc);
    assert_string_equal(e.msg, "not JSON: maximum parsing depth reached near '['");
    assert_int_equal(e.line, 2);
    assert_int_equal(e.column, 2049);
    unlink(path);
}

/* The flags reach jansson; what cannot be opened says why. */
static void test_errors(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/twice.json", tctest_dir);
    assert_int_equal(tctest_spit(path, "{\"a\": 1, \"a\": 2}", 16), 0);
    json_t *doc = NULL;
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, 0, &e), 0);
    json_decref(doc);
    assert_int_equal(tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, JSON_REJECT_DUPLICATES, &e),
                     TC_EINPUT);
    assert_non_null(strstr(e.msg, "not JSON: duplicate object key"));
    assert_int_equal(e.line, 1);
    unlink(path);
    assert_int_equal(tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, 0, &e), TC_EINPUT);
    assert_string_equal(e.msg, "cannot read the file: No such file or directory");
    assert_string_equal(e.file, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_boundary),
        cmocka_unit_test(test_limit_fifo),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
