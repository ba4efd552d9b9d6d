/*
 * fuzz_mapset.c - a mapping set (mappings/mapset.c, shared/spec/mappings.md:
 * a folder of CSV files) with one of its files replaced by arbitrary bytes,
 * the others those of the example city's set (mappings/changchun), copied
 * to a scratch folder per process.  The input's first byte chooses the
 * file (its value modulo the count of files, in the order of FILES); the
 * rest is its content.  Properties: no crash, no leak, no hang; a refusal
 * is TC_EINPUT with a message; an accepted set's digest is a sha256 text,
 * and loading it again gives the same digest.  No round trip: a mapping
 * set has no writer (people write it, in a spreadsheet).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mappings/mapset.h"

static const char *const FILES[] = {
    "region.csv", "fund.csv", "account.csv", "institution.csv", "kind.csv", "level.csv",
    "bank_role.csv", "city/regions.csv", "city/funds.csv", "city/accounts.csv",
    "city/institutions.csv", "city/rates.csv",
};
#define NFILES (sizeof(FILES) / sizeof(FILES[0]))

static char dir[128];
static char *orig[NFILES];
static size_t norig[NFILES];

static void put(const char *name, const void *b, size_t n)
{
    char p[300];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f)
        abort();
    fwrite(b, 1, n, f);
    fclose(f);
}

static void cleanup(void)
{
    char p[300];
    for (size_t i = 0; i < NFILES; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, FILES[i]);
        unlink(p);
        free(orig[i]);
    }
    snprintf(p, sizeof(p), "%s/city", dir);
    rmdir(p);
    rmdir(dir);
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/tc-fuzz-mapset-%ld", (long)getpid());
    char p[300];
    mkdir(dir, 0700);
    snprintf(p, sizeof(p), "%s/city", dir);
    mkdir(p, 0700);
    for (size_t i = 0; i < NFILES; i++) {
        snprintf(p, sizeof(p), "%s/mappings/changchun/%s", TC_SOURCE_DIR, FILES[i]);
        FILE *f = fopen(p, "rb");
        if (!f)
            abort();
        orig[i] = malloc(1 << 16);
        norig[i] = fread(orig[i], 1, 1 << 16, f);
        fclose(f);
        put(FILES[i], orig[i], norig[i]);
    }
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        setup();
    if (size == 0)
        return 0;
    size_t k = data[0] % NFILES;
    put(FILES[k], data + 1, size - 1);
    tc_mapset *m = NULL;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_mapset_load(&m, dir, &e);
    if (rc) {
        if (rc != TC_EINPUT || !e.msg[0] || m) {
            fprintf(stderr, "%s: rc %d: %s\n", FILES[k], rc, e.msg);
            abort();
        }
    } else {
        char digest[TC_DIGEST_TEXT_MAX];
        snprintf(digest, sizeof(digest), "%s", tc_mapset_digest(m));
        tc_mapset_free(m);
        m = NULL;
        if (strncmp(digest, "sha256:", 7) != 0 || tc_mapset_load(&m, dir, &e) != 0 ||
            strcmp(digest, tc_mapset_digest(m)) != 0)
            abort();
        tc_mapset_free(m);
    }
    put(FILES[k], orig[k], norig[k]);
    return 0;
}
