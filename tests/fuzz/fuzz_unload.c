/*
 * fuzz_unload.c - the text-unload reader on arbitrary bytes.
 *
 * The input's first byte picks one of four unload formats (PostgreSQL COPY
 * text in GB18030 with '|', COPY csv, sqluldr2, bcp) and whether check
 * files are written; its second byte picks the table whose file is the
 * rest of the input.  The other tables' files are empty but for xt_dw's
 * one valid row, so that a file the reader accepts runs on to commit.  The
 * check file of the fuzzed table gives its count of newlines.  Properties
 * as for fuzz_xml.c: a refusal is TC_EINPUT or TC_EUSAGE with a message,
 * never a crash; an acceptance commits ten batches that verify.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/batch.h"
#include "extract/emit.h"
#include "extract/profile.h"
#include "extract/unload.h"
#include "fuzz_util.h"

static const char *const TABLES[] = {"xt_dw", "kj_km", "kj_kmye", "kj_pz", "kj_pzmx", "zj_jfmx",
                                     "cz_bz", "yy_jsqf", "yh_zh", "yh_dzd", "gr_zh"};

static const struct fmt {
    const char *base, *extra, *ext, *chk, *county;
} FMTS[4] = {
    {"yb2008-copy-text", "encoding = GB18030\ndelimiter = |\n", ".txt", ".txt.chk",
     "220182|x|2021-06-30\n"},
    {"yb2008-copy-csv", "", ".csv", ".csv.chk", "220182,x,2021-06-30\n"},
    {"yb2008-sqluldr2", "", ".txt", ".txt.chk", "220182,x,2021-06-30 00:00:00\n"},
    {"yb2008-bcp", "", ".dat", ".chk", "220182\tx\t2021-06-30 00:00:00.000\r\n"},
};

static char unl[128];

static void rm_unl(void)
{
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", unl);
    if (system(cmd) != 0)
        return;
}

static void put(const char *name, const void *p, size_t n)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/%s", unl, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(p, 1, n, f);
    fclose(f);
}

/* The profiles, once: each shipped one with and without check files. */
static tc_profile *profile(int k)
{
    static tc_profile *prof[8];
    if (prof[k])
        return prof[k];
    char path[300], text[600];
    snprintf(path, sizeof(path), "%s.p%d.ini", unl, k);
    snprintf(text, sizeof(text), "[profile]\ninclude = %s/extract/profiles/%s.ini\n[unload]\n%s%s",
             TC_SOURCE_DIR, FMTS[k % 4].base, FMTS[k % 4].extra, k >= 4 ? "check = none\n" : "");
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    tc_err e;
    if (tc_profile_load(&prof[k], path, &e))
        abort();
    unlink(path);
    return prof[k];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    if (!unl[0]) {
        snprintf(unl, sizeof(unl), "/tmp/tc-fuzz-unl-%ld", (long)getpid());
        mkdir(unl, 0700);
        atexit(rm_unl);
    }
    int k = data[0] % 8, t = data[1] % 11;
    const struct fmt *F = &FMTS[k % 4];
    tc_profile *p = profile(k);
    const uint8_t *body = data + 2;
    size_t n = size - 2, lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += body[i] == '\n';
    for (int i = 0; i < 11; i++) {
        char name[64], chk[64], count[32];
        snprintf(name, sizeof(name), "%s%s", TABLES[i], F->ext);
        snprintf(chk, sizeof(chk), "%s%s", TABLES[i], F->chk);
        size_t rows = 0;
        if (i == t) {
            put(name, body, n);
            rows = lines;
        } else if (i == 0) {
            put(name, F->county, strlen(F->county));
            rows = 1;
        } else {
            put(name, "", 0);
        }
        snprintf(count, sizeof(count), "%zu\n", rows);
        put(chk, count, strlen(count));
    }
    const char *dir = fuzz_dir();
    tc_err e;
    tc_err_clear(&e);
    tc_emit *em;
    tc_emit_opts o = {.outdir = dir, .source = unl, .hash_source = TC_EMIT_HASH_READ};
    if (tc_emit_open(&em, &o, &e))
        abort();
    tc_dump_stats st;
    int rc = tc_unload_extract(unl, p, em, &st, &e);
    fuzz_finish(rc, em, &e, TC_EINPUT, TC_EUSAGE);
    return 0;
}
