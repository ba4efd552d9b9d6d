/*
 * spill.c - see spill.h.
 */
#include "core/spill.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tc_spill {
    int fd;                   /* -1 until the first append */
    atomic_ullong end;        /* bytes reserved */
    atomic_int refs;
    pthread_mutex_t mu;       /* making the file */
    char dir[512];
    char what[64];            /* for messages: "key spill", "batch spool" */
};

int tc_spill_new(tc_spill **out, const char *dir, const char *what, tc_err *e)
{
    tc_spill *sp = calloc(1, sizeof(*sp));
    if (!sp)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    sp->fd = -1;
    atomic_init(&sp->end, 0);
    atomic_init(&sp->refs, 1);
    pthread_mutex_init(&sp->mu, NULL);
    snprintf(sp->dir, sizeof(sp->dir), "%s", dir && dir[0] ? dir : "/tmp");
    snprintf(sp->what, sizeof(sp->what), "%s", what);
    *out = sp;
    return 0;
}

tc_spill *tc_spill_ref(tc_spill *sp)
{
    atomic_fetch_add(&sp->refs, 1);
    return sp;
}

void tc_spill_unref(tc_spill *sp)
{
    if (!sp || atomic_fetch_sub(&sp->refs, 1) != 1)
        return;
    if (sp->fd >= 0)
        close(sp->fd);
    pthread_mutex_destroy(&sp->mu);
    free(sp);
}

/* The file, made by the first append on any thread. */
static int open_file(tc_spill *sp, tc_err *e)
{
    int rc = 0;
    pthread_mutex_lock(&sp->mu);
    if (sp->fd < 0) {
        char tmpl[600];
        snprintf(tmpl, sizeof(tmpl), "%s/.tc-spill.XXXXXX", sp->dir);
        int fd = mkostemp(tmpl, O_CLOEXEC);
        if (fd < 0)
            rc = tc_fail(e, TC_EIO, "cannot create a %s file in %s: %s", sp->what, sp->dir,
                         strerror(errno));
        else {
            unlink(tmpl);
            sp->fd = fd;
        }
    }
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

int tc_spill_append(tc_spill *sp, const void *p, size_t n, uint64_t *off, tc_err *e)
{
    int rc = open_file(sp, e);
    if (rc)
        return rc;
    int fd = sp->fd;   /* set once, under the lock open_file took */
    uint64_t at = atomic_fetch_add(&sp->end, (unsigned long long)n);
    *off = at;
    for (size_t done = 0; done < n;) {
        ssize_t w = pwrite(fd, (const char *)p + done, n - done, (off_t)(at + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return tc_fail(e, TC_EIO, "cannot write the %s file in %s (disk full?): %s",
                           sp->what, sp->dir, w < 0 ? strerror(errno) : "nothing written");
        done += (size_t)w;
    }
    return 0;
}

int tc_spill_read(tc_spill *sp, uint64_t off, void *p, size_t n, tc_err *e)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(sp->fd, (char *)p + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return tc_fail(e, TC_EIO, "cannot read the %s file: %s", sp->what,
                           r < 0 ? strerror(errno) : "it is shorter than written");
        got += (size_t)r;
    }
    return 0;
}
