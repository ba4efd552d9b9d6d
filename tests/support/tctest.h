/*
 * tctest.h - small helpers shared by the cmocka tests: a scratch folder per
 * test binary, reading files whole (tests only: fixtures are small), and
 * running the tongchou binary.
 */
#ifndef TC_TCTEST_H
#define TC_TCTEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* A new empty folder under $TMPDIR, removed by tctest_rmtree(). */
static inline char *tctest_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    char *p = malloc(512);
    snprintf(p, 512, "%s/tongchou-test-XXXXXX", t && t[0] ? t : "/tmp");
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

static inline void tctest_rmtree(const char *dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

/* Read a whole file; *n gets its size.  NULL when it cannot be read. */
static inline unsigned char *tctest_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)sz + 1);
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[sz] = 0;
        *n = (size_t)sz;
    }
    return b;
}

static inline int tctest_spit(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(p, 1, n, f) == n;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* One scratch folder for a whole test binary, as cmocka group setup and
 * teardown: cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown). */
static char *tctest_dir;

static inline int tctest_dir_setup(void **state)
{
    (void)state;
    tctest_dir = tctest_tmpdir();
    return tctest_dir ? 0 : -1;
}

static inline int tctest_dir_teardown(void **state)
{
    (void)state;
    tctest_rmtree(tctest_dir);
    free(tctest_dir);
    return 0;
}

/* Entries of a folder, hidden ones included, "." and ".." not. */
static inline int tctest_count_files(const char *dir)
{
    char cmd[1100];
    snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

/* Run a shell command made with printf-style arguments; its exit status,
 * or -1 when it did not exit. */
static inline int tctest_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int tctest_run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Path of the tongchou binary under test ($TONGCHOU, set by CTest). */
static inline const char *tctest_tongchou(void)
{
    const char *t = getenv("TONGCHOU");
    return t && t[0] ? t : "tongchou";
}

#endif
