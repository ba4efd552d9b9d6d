/*
 * diff.c - which comparison two paths call for, and the output folder.
 * See diff.h.
 *
 * The paths say what they are by what they hold, not by their names: a
 * folder with batches in it, or a file that starts as a gzip member does
 * (a batch), is compared as batches; a folder with no batch but a
 * reconciliation.json (reconcile's output folder), or any other file, as
 * a reconciliation - which its loader refuses, with the reason, if it is
 * none.  Two of different kinds are a usage error: there is nothing to
 * compare between them.
 */
#include "reconcile/diff_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic.h"

enum { K_BATCHES = 1, K_RECON = 2 };

/* A folder holds a *.tcb file. */
static int has_batches(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *x;
    int found = 0;
    while (!found && (x = readdir(d))) {
        size_t n = strlen(x->d_name);
        found = x->d_name[0] != '.' && n > 4 && strcmp(x->d_name + n - 4, ".tcb") == 0;
    }
    closedir(d);
    return found;
}

/* What path is; for a reconcile output folder, recon gets its document. */
static int kind_of(const char *path, char *recon, size_t n, int *kind, tc_err *e)
{
    struct stat st;
    snprintf(recon, n, "%s", path);
    if (stat(path, &st) != 0) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot read: %s", strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        size_t l = strlen(path);
        snprintf(recon, n, "%s%sreconciliation.json", path, l && path[l - 1] == '/' ? "" : "/");
        *kind = !has_batches(path) && access(recon, F_OK) == 0 ? K_RECON : K_BATCHES;
        if (*kind == K_BATCHES)
            snprintf(recon, n, "%s", path);
        return 0;
    }
    unsigned char magic[2] = {0, 0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot read: %s", strerror(errno));
    }
    size_t got = fread(magic, 1, 2, f);
    fclose(f);
    *kind = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? K_BATCHES : K_RECON;
    return 0;
}

int tc_diff_open(tc_diff **out, const char *old, const char *new_, const tc_diff_opts *o,
                 tc_err *e)
{
    *out = NULL;
    char p[2][1100];
    int k[2];
    const char *path[2] = {old, new_};
    for (int s = 0; s < 2; s++) {
        int rc = kind_of(path[s], p[s], sizeof(p[s]), &k[s], e);
        if (rc)
            return rc;
    }
    if (k[0] != k[1]) {
        static const char *const what[3] = {"", "batches", "a reconciliation"};
        tc_fail(e, TC_EUSAGE, "%s is %s, %s is %s: there is nothing to compare between them",
                old, what[k[0]], new_, what[k[1]]);
        return tc_err_hint(e, "give two folders of batches, or two reconciliation.json files");
    }
    if (k[0] == K_RECON)
        return tc_diff_reconciliations(out, p[0], p[1], o, e);
    const char *ol[1] = {p[0]}, *nl[1] = {p[1]};
    return tc_diff_batches(out, ol, 1, nl, 1, o, e);
}

int tc_diff_write(const tc_diff *d, const char *outdir, tc_err *e)
{
    char path[2][1100];
    static const char *const names[2] = {"diff.json", "diff.html"};
    tc_atomic *a[2] = {NULL, NULL};
    int rc = 0;
    for (int i = 0; i < 2 && !rc; i++) {
        size_t l = strlen(outdir);
        snprintf(path[i], sizeof(path[i]), "%s%s%s", outdir, l && outdir[l - 1] == '/' ? "" : "/",
                 names[i]);
        rc = tc_atomic_open_mode(&a[i], path[i], 0600, e);
    }
    if (!rc)
        rc = tc_diff_write_json(d, tc_atomic_file(a[0]), e);
    if (!rc)
        rc = tc_diff_write_page(d, tc_atomic_file(a[1]), e);
    if (rc) {
        tc_atomic_abort(a[0]);
        tc_atomic_abort(a[1]);
        if (!e->file[0])
            tc_err_at(e, outdir, 0, 0);
        return rc;
    }
    /* both are whole in their temporary files; the page is put in place
     * second, and should that fail the new diff.json goes again */
    rc = tc_atomic_commit_nodir(a[0], e);
    if (rc) {
        tc_atomic_abort(a[1]);
        return rc;
    }
    if ((rc = tc_atomic_commit_nodir(a[1], e))) {
        unlink(path[0]);
        return rc;
    }
    return tc_fsync_parent(path[0], e);
}
