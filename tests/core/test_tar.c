/*
 * test_tar.c - the ustar writer gives what GNU tar reads back byte for
 * byte (a long name split into prefix and name included), the same bytes
 * for the same files, and the reader finds a damaged or cut archive.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>

#include "core/atomic.h"
#include "core/tar.h"

/* Write members (name, file) pairs into dir/out.tar; 0 or the error code. */
static int write_tar(const char *out, const char *const *names, const char *const *paths, int n,
                     tc_err *e)
{
    FILE *f = fopen(out, "wb");
    tc_tar *t;
    int rc = tc_tar_new(&t, f, 1625011200, e);   /* 2021-06-30 */
    for (int i = 0; !rc && i < n; i++)
        rc = paths[i] ? tc_tar_add_file(t, names[i], paths[i], TC_DIGEST_SHA256, NULL, e)
                      : tc_tar_add_dir(t, names[i], e);
    if (!rc)
        rc = tc_tar_finish(t, e);
    else
        tc_tar_free(t);
    fclose(f);
    return rc;
}

typedef struct seen {
    int n;
    char names[8][300];
    char digests[8][TC_DIGEST_TEXT_MAX];
} seen;

static int on_member(void *arg, const char *name, char type, long long size, const char *d)
{
    (void)type, (void)size;
    seen *s = arg;
    snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
    snprintf(s->digests[s->n++], TC_DIGEST_TEXT_MAX, "%s", d);
    return 0;
}

static void test_tar_reads_it_back(void **state)
{
    (void)state;
    char a[600], b[600], out[600], again[600], x[600];
    snprintf(a, sizeof(a), "%s/a.txt", tctest_dir);
    snprintf(b, sizeof(b), "%s/b.bin", tctest_dir);
    snprintf(out, sizeof(out), "%s/out.tar", tctest_dir);
    snprintf(again, sizeof(again), "%s/again.tar", tctest_dir);
    assert_int_equal(tctest_spit(a, "hello\n", 6), 0);
    unsigned char big[1536 + 7];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (unsigned char)(i * 31);
    assert_int_equal(tctest_spit(b, big, sizeof(big)), 0);
    /* a name of 180 bytes: only a prefix/name split holds it */
    char longname[200];
    snprintf(longname, sizeof(longname), "%0120d/%s", 0, "deep/folder/for/a/name/that/is/long/b.bin");
    const char *names[] = {"work", "work/a.txt", longname};
    const char *paths[] = {NULL, a, b};
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(write_tar(out, names, paths, 3, &e), 0);
    assert_int_equal(write_tar(again, names, paths, 3, &e), 0);
    assert_int_equal(tctest_run("cmp -s '%s' '%s'", out, again), 0);   /* deterministic */
    assert_int_equal(tctest_run("tar -tf '%s' | grep -qx 'work/'", out), 0);
    assert_int_equal(tctest_run("tar -xOf '%s' work/a.txt | cmp -s - '%s'", out, a), 0);
    assert_int_equal(tctest_run("tar -xOf '%s' '%s' | cmp -s - '%s'", out, longname, b), 0);
    assert_int_equal(tctest_run("tar -tvf '%s' | grep -q '^-rw------- 0/0 .* 2021-06-30'", out), 0);
    snprintf(x, sizeof(x), "%s/x", tctest_dir);
    mkdir(x, 0700);
    assert_int_equal(tctest_run("tar -xf '%s' -C '%s' && cmp -s '%s/%s' '%s'", out, x, x,
                                longname, b), 0);
    /* our reader: every member, its digest */
    seen s = {0};
    assert_int_equal(tc_tar_each(out, NULL, TC_DIGEST_SHA256, on_member, &s, &e), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.names[0], "work/");
    assert_string_equal(s.names[2], longname);
    char want[TC_DIGEST_TEXT_MAX];
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, b, want, &e), 0);
    assert_string_equal(s.digests[2], want);
}

static void test_damage_and_limits(void **state)
{
    (void)state;
    char a[600], out[600];
    snprintf(a, sizeof(a), "%s/a.txt", tctest_dir);
    snprintf(out, sizeof(out), "%s/d.tar", tctest_dir);
    assert_int_equal(tctest_spit(a, "hello\n", 6), 0);
    const char *names[] = {"a.txt"};
    const char *paths[] = {a};
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(write_tar(out, names, paths, 1, &e), 0);
    seen s = {0};
    /* a flipped byte in the header: its checksum fails */
    assert_int_equal(tctest_run("printf 'Z' | dd of='%s' bs=1 seek=3 conv=notrunc 2>/dev/null",
                                out), 0);
    assert_int_equal(tc_tar_each(out, NULL, TC_DIGEST_SHA256, on_member, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "damaged"));
    /* cut short in the member */
    assert_int_equal(write_tar(out, names, paths, 1, &e), 0);
    assert_int_equal(truncate(out, 515), 0);
    assert_int_equal(tc_tar_each(out, NULL, TC_DIGEST_SHA256, on_member, &s, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "cut short"));
    /* a name no split can hold: refused */
    char name[300];
    memset(name, 'n', 200);
    name[200] = '\0';
    const char *bad[] = {name};
    assert_int_equal(write_tar(out, bad, paths, 1, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "too long for a ustar archive"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tar_reads_it_back),
        cmocka_unit_test(test_damage_and_limits),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
