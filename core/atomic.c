/*
 * atomic.c - temp file, fsync, rename.  See atomic.h.
 */
#include "core/atomic.h"
#include "core/perm.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

struct tc_atomic {
    FILE *f;
    char *path;
    char *tmp;
};

int tc_atomic_open(tc_atomic **out, const char *path, tc_err *e)
{
    return tc_atomic_open_mode(out, path, tc_perm_file(), e);
}

int tc_atomic_open_mode(tc_atomic **out, const char *path, mode_t mode, tc_err *e)
{
    tc_atomic *a = calloc(1, sizeof(*a));
    char *d1 = strdup(path), *d2 = strdup(path);
    if (!a || !d1 || !d2) {
        free(a), free(d1), free(d2);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    const char *dir = dirname(d1), *base = basename(d2);
    size_t n = strlen(dir) + strlen(base) + 32;
    a->tmp = malloc(n);
    a->path = strdup(path);
    if (!a->tmp || !a->path) {
        free(d1), free(d2), free(a->tmp), free(a->path), free(a);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    snprintf(a->tmp, n, "%s/.%s.tmp.XXXXXX", dir, base);
    free(d1);
    free(d2);
    int fd = mkostemp(a->tmp, O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        free(a->tmp), free(a->path), free(a);
        return tc_fail(e, TC_EIO, "cannot create a file beside %s: %s", path, strerror(err));
    }
    /* mkostemp made it 0600; give it the asked-for mode.  (Not the umask:
     * reading it means setting it, which is not thread-safe, and outputs
     * are meant to have the same mode wherever they are made.) */
    int rc = tc_perm_fd(fd, mode, path, e);
    if (rc) {
        close(fd);
        unlink(a->tmp);
        free(a->tmp), free(a->path), free(a);
        return rc;
    }
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int err = errno;
        close(fd);
        unlink(a->tmp);
        free(a->tmp), free(a->path), free(a);
        return tc_fail(e, TC_EIO, "cannot open %s: %s", path, strerror(err));
    }
    setvbuf(a->f, NULL, _IOFBF, 1 << 16);
    *out = a;
    return 0;
}

FILE *tc_atomic_file(tc_atomic *a) { return a->f; }
const char *tc_atomic_temp_path(const tc_atomic *a) { return a->tmp; }

static void destroy(tc_atomic *a)
{
    free(a->tmp);
    free(a->path);
    free(a);
}

void tc_atomic_abort(tc_atomic *a)
{
    if (!a)
        return;
    if (a->f)
        fclose(a->f);
    unlink(a->tmp);
    destroy(a);
}

int tc_fsync_parent(const char *path, tc_err *e)
{
    char *d = strdup(path);
    if (!d)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    if (fd < 0 || fsync(fd) != 0)
        rc = tc_fail(e, TC_EIO, "cannot sync the folder of %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(d);
    return rc;
}

int tc_mkdir_p(const char *path, mode_t mode, tc_err *e)
{
    if (!path[0])
        return tc_fail(e, TC_EUSAGE, "an empty folder name");
    char *buf = strdup(path);
    if (!buf)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = 0;
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p)
            continue;
        char c = *p;
        *p = '\0';
        struct stat st;
        if (mkdir(buf, mode) == 0) {
            rc = tc_perm_path(buf, mode, e);   /* mkdir applied the umask */
        } else if (errno != EEXIST) {
            rc = tc_fail(e, TC_EIO, "cannot create folder %s: %s", buf, strerror(errno));
        } else if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = tc_fail(e, TC_EINPUT, "cannot create folder %s: a file of that name is in the "
                         "way", buf);
        }
        *p = c;
        if (rc || !c)
            break;
    }
    free(buf);
    return rc;
}

void tc_path_trim(char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
}

static int commit(tc_atomic *a, int sync_dir, tc_err *e)
{
    int rc = 0;
    if (fflush(a->f) != 0 || ferror(a->f))
        rc = tc_fail(e, TC_EIO, "cannot write %s: %s", a->path, strerror(errno));
    else if (fsync(fileno(a->f)) != 0)
        rc = tc_fail(e, TC_EIO, "cannot sync %s: %s", a->path, strerror(errno));
    if (fclose(a->f) != 0 && rc == 0)
        rc = tc_fail(e, TC_EIO, "cannot close %s: %s", a->path, strerror(errno));
    a->f = NULL;
    if (rc == 0 && rename(a->tmp, a->path) != 0)
        rc = tc_fail(e, TC_EIO, "cannot rename %s into place: %s", a->path, strerror(errno));
    if (rc != 0) {
        unlink(a->tmp);
        destroy(a);
        return rc;
    }
    rc = sync_dir ? tc_fsync_parent(a->path, e) : 0;
    destroy(a);
    return rc;
}

int tc_atomic_commit(tc_atomic *a, tc_err *e) { return commit(a, 1, e); }
int tc_atomic_commit_nodir(tc_atomic *a, tc_err *e) { return commit(a, 0, e); }

int tc_atomic_write_json(const char *path, const json_t *doc, size_t flags, tc_err *e)
{
    char *text = json_dumps(doc, flags);
    if (!text)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    tc_atomic *a;
    int rc = tc_atomic_open(&a, path, e);
    if (!rc) {
        fputs(text, tc_atomic_file(a));
        fputc('\n', tc_atomic_file(a));
        rc = tc_atomic_commit(a, e);
    }
    free(text);
    return rc;
}
