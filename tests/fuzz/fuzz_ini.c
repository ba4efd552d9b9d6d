/*
 * fuzz_ini.c - the INI files a city hands over: the same arbitrary bytes
 * read as a manifest (pipeline/manifest.c, docs/manifest.md) and as an
 * extraction profile (extract/profile.c, docs/profiles.md).  Properties:
 * no crash, no leak, no hang; a refusal is TC_EINPUT with a message (the
 * line it names within the file); an accepted manifest has its counties
 * within their limits.  No round trip: neither format has a writer (people
 * write them).  The key policy, INI too, has its own target (fuzz_policy).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract/profile.h"
#include "pipeline/manifest.h"
#include "fuzz_util.h"

static long lines_of(const uint8_t *data, size_t size)
{
    long n = 1;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n;
}

static void verdict(const char *what, int rc, const tc_err *e, long lines)
{
    if (rc == 0)
        return;
    if (rc == TC_EINPUT && e->msg[0] && e->line >= 0 && e->line <= lines)
        return;
    fprintf(stderr, "%s: rc %d line %ld: %s\n", what, rc, (long)e->line, e->msg);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input(data, size, "in.ini");
    long lines = lines_of(data, size);
    tc_err e;
    tc_err_clear(&e);
    tc_manifest *m = NULL;
    int rc = tc_manifest_load(&m, path, &e);
    verdict("manifest", rc, &e, lines);
    if (!rc) {
        for (int i = 0; i < m->ncounties; i++)
            if (m->counties[i].nsources < 0 ||
                m->counties[i].nsources > TC_MANIFEST_MAX_SOURCES ||
                m->counties[i].ncutovers > TC_MANIFEST_MAX_CUTOVERS)
                abort();
        tc_manifest_free(m);
    }
    tc_profile *p = NULL;
    tc_err_clear(&e);
    rc = tc_profile_load(&p, path, &e);
    verdict("profile", rc, &e, lines);
    tc_profile_free(p);
    unlink(path);
    return 0;
}
