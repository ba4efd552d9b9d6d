/*
 * fuzz_util.h - a scratch folder per fuzzing process, the input written
 * to a file in it, and the check that committed batches verify.
 */
#ifndef TC_FUZZ_UTIL_H
#define TC_FUZZ_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/batch.h"
#include "extract/emit.h"

static char fuzz_dir_path[128], fuzz_in_path[256];

static inline void fuzz_cleanup(void)
{
    unlink(fuzz_in_path);
    rmdir(fuzz_dir_path);
}

static inline const char *fuzz_dir(void)
{
    char *dir = fuzz_dir_path;
    if (!dir[0]) {
        snprintf(dir, sizeof(fuzz_dir_path), "/tmp/tc-fuzz-%ld", (long)getpid());
        mkdir(dir, 0700);
        atexit(fuzz_cleanup);
    }
    return dir;
}

static inline const char *fuzz_input(const uint8_t *data, size_t size, const char *name)
{
    char *path = fuzz_in_path;
    snprintf(path, sizeof(fuzz_in_path), "/tmp/tc-fuzz-in-%ld-%s", (long)getpid(), name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    return path;
}

/* Every batch in dir must verify; then remove them all. */
static inline void fuzz_verify_and_clean(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        tc_err e;
        if (tc_batch_verify(p, NULL, NULL, &e) != 0)
            abort();
        unlink(p);
        n++;
    }
    closedir(d);
    if (n != 10)
        abort();
}

/* After a reader ran: a refusal must be a message of kind `ok1`/`ok2`;
 * an acceptance must commit ten batches that verify. */
static inline void fuzz_finish(int rc, tc_emit *em, tc_err *e, int ok1, int ok2)
{
    if (rc) {
        tc_emit_abort(em);
        if ((rc != ok1 && rc != ok2) || !e->msg[0])
            abort();
    } else if (tc_emit_commit(em, e) == 0) {
        fuzz_verify_and_clean(fuzz_dir());
    } else if (e->code != TC_EINPUT) {
        abort();
    }
}

#endif
