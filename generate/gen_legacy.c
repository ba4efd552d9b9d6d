/*
 * gen_legacy.c - the legacy YB2008 counties in the other forms a county
 * hands over (tc_gen_options.legacy_as; docs/example-city.md, "The legacy
 * counties in other forms"), written from the throwaway database the
 * dump was made from, before it goes:
 *
 *   legacy/unload/CODE/       each table as the real server's COPY writes it,
 *                             TO STDOUT (FORMAT text, ENCODING 'GB18030',
 *                             DELIMITER '|'), TABLE.txt, and TABLE.txt.chk
 *                             holding its row count, as an unloading script
 *                             writes it beside;
 *   legacy/unload/CODE.ini    the county's profile: the shipped
 *                             yb2008-copy-text with the encoding and the
 *                             delimiter COPY was given (and the shipped
 *                             profiles it includes, copied beside it, so the
 *                             folder stands alone).
 *
 * The bytes of the unload are the server's: PQgetCopyData's buffers go to
 * the file as they come, so memory holds one row whatever the table's size.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/atomic.h"
#include "core/perm.h"
#include "generate/gen_legacy.h"

static const char *const TABLES[] = {"xt_dw", "kj_km",  "kj_kmye", "kj_pz", "kj_pzmx", "zj_jfmx",
                                     "cz_bz", "yy_jsqf", "yh_zh",  "yh_dzd", "gr_zh"};
#define NTABLES (sizeof(TABLES) / sizeof(TABLES[0]))

static int pg_fail(PGconn *conn, tc_err *e, const char *what, const char *table)
{
    return tc_fail(e, TC_EDB, "%s %s: %s", what, table, PQerrorMessage(conn));
}

/* COPY table TO STDOUT (options) into path; *rows gets the rows copied. */
static int copy_table(PGconn *conn, const char *table, const char *path, long long *rows,
                      tc_err *e)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "COPY %s TO STDOUT (FORMAT text, ENCODING 'GB18030', DELIMITER '|')", table);
    PGresult *r = PQexec(conn, sql);
    int ok = PQresultStatus(r) == PGRES_COPY_OUT;
    PQclear(r);
    if (!ok)
        return pg_fail(conn, e, "cannot unload", table);
    tc_atomic *a = NULL;
    int rc = tc_atomic_open(&a, path, e);
    char *buf;
    int n;
    *rows = 0;
    while ((n = PQgetCopyData(conn, &buf, 0)) > 0) {
        if (!rc && fwrite(buf, 1, (size_t)n, tc_atomic_file(a)) != (size_t)n)
            rc = tc_fail(e, TC_EIO, "cannot write %s: %s", path, strerror(errno));
        (*rows)++;   /* PQgetCopyData gives one row at a time */
        PQfreemem(buf);
    }
    if (n == -2 && !rc)
        rc = pg_fail(conn, e, "cannot read the unload of", table);
    while ((r = PQgetResult(conn))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc)
            rc = pg_fail(conn, e, "cannot unload", table);
        PQclear(r);
    }
    if (rc) {
        if (a)
            tc_atomic_abort(a);
        return rc;
    }
    return tc_atomic_commit_nodir(a, e);
}

int gen_write_text(const char *path, const char *text, size_t n, tc_err *e)
{
    tc_atomic *a;
    int rc = tc_atomic_open(&a, path, e);
    if (rc)
        return rc;
    if (fwrite(text, 1, n, tc_atomic_file(a)) != n) {
        tc_atomic_abort(a);
        return tc_fail(e, TC_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    return tc_atomic_commit_nodir(a, e);
}

/* The shipped profile NAME.ini, found as `extract` finds it. */
static int shipped_profile(const char *name, char **text, size_t *n, tc_err *e)
{
    const char *dirs[3] = {getenv("TONGCHOU_PROFILES"), TC_PROFILE_DIR, TC_PROFILE_INSTALL_DIR};
    for (int i = 0; i < 3; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        char p[1200];
        snprintf(p, sizeof(p), "%s/%s.ini", dirs[i], name);
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        size_t cap = 1 << 14, got = 0;
        char *b = malloc(cap);
        size_t k;
        while (b && (k = fread(b + got, 1, cap - got, f)) > 0) {
            got += k;
            if (got == cap) {
                char *q = realloc(b, cap *= 2);
                if (!q) {
                    free(b);
                    b = NULL;
                }
                b = q;
            }
        }
        fclose(f);
        if (!b)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        *text = b;
        *n = got;
        return 0;
    }
    return tc_fail(e, TC_EIO, "cannot find the shipped profile %s.ini (in %s)", name,
                   TC_PROFILE_DIR);
}

int gen_copy_shipped(const char *dir, const char *name, tc_err *e)
{
    char *t;
    size_t n;
    int rc = shipped_profile(name, &t, &n, e);
    if (rc)
        return rc;
    char p[1200];
    snprintf(p, sizeof(p), "%s/%s.ini", dir, name);
    rc = gen_write_text(p, t, n, e);
    free(t);
    return rc;
}

int gen_legacy_folder(const char *folder, tc_err *e)
{
    int rc = tc_mkdir_p(folder, tc_perm_dir(), e);
    DIR *d = rc ? NULL : opendir(folder);
    if (!rc && !d)
        return tc_fail(e, TC_EIO, "cannot read %s: %s", folder, strerror(errno));
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        int ours = (n > 4 && strcmp(de->d_name + n - 4, ".txt") == 0) ||
                   (n > 8 && strcmp(de->d_name + n - 8, ".txt.chk") == 0) ||
                   (n > 5 && strcmp(de->d_name + n - 5, ".xlsx") == 0);
        char p[1400];
        snprintf(p, sizeof(p), "%s/%s", folder, de->d_name);
        if (ours && unlink(p) != 0 && !rc)
            rc = tc_fail(e, TC_EIO, "cannot remove %s: %s", p, strerror(errno));
    }
    if (d)
        closedir(d);
    return rc;
}

int gen_legacy_unload(PGconn *conn, const gen_county *c, const char *dir, tc_err *e)
{
    char base[1100], folder[1200], path[1300], chk[1400];
    snprintf(base, sizeof(base), "%s/legacy/unload", dir);
    snprintf(folder, sizeof(folder), "%s/%s", base, c->code);
    int rc = gen_legacy_folder(folder, e);
    for (size_t i = 0; i < NTABLES && !rc; i++) {
        long long rows;
        snprintf(path, sizeof(path), "%s/%s.txt", folder, TABLES[i]);
        rc = copy_table(conn, TABLES[i], path, &rows, e);
        if (!rc) {
            char t[32];
            int n = snprintf(t, sizeof(t), "%lld\n", rows);
            snprintf(chk, sizeof(chk), "%s.chk", path);
            rc = gen_write_text(chk, t, (size_t)n, e);
        }
    }
    if (!rc)
        rc = tc_fsync_parent(path, e);
    /* the profile: the shipped one, with what COPY was told */
    static const char *const chain[] = {"yb2008-copy-text", "yb2008-tables", "yb2008"};
    for (size_t i = 0; i < 3 && !rc; i++)
        rc = gen_copy_shipped(base, chain[i], e);
    if (!rc) {
        char text[1024];
        int n = snprintf(text, sizeof(text),
                         "; %s.ini - %s %s unloaded by PostgreSQL's COPY %s TO STDOUT\n"
                         "; (FORMAT text, ENCODING 'GB18030', DELIMITER '|'), one file a table\n"
                         "; in %s/, each with its row count in TABLE.txt.chk.  The shipped\n"
                         "; profile, with the encoding and the delimiter COPY was given:\n"
                         ";   tongchou extract --profile %s.ini -o out/ %s/\n"
                         "[profile]\n"
                         "name = %s YB2008 (PostgreSQL COPY, GB18030, |)\n"
                         "include = yb2008-copy-text.ini\n"
                         "\n"
                         "[unload]\n"
                         "encoding = GB18030\n"
                         "delimiter = |\n",
                         c->code, c->code, c->name, "TABLE", c->code, c->code, c->code, c->name);
        snprintf(path, sizeof(path), "%s/%s.ini", base, c->code);
        rc = gen_write_text(path, text, (size_t)n, e);
    }
    if (!rc)
        rc = tc_fsync_parent(path, e);
    return rc;
}
