/*
 * bgw.c - see bgw.h.  One mutex, one condition variable, two buffers: the
 * producer's and the one the worker is working on.
 */
#include "core/bgw.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct tc_bgw {
    tc_bgw_fn fn;
    void *ctx;
    size_t cap;
    unsigned char *fill;    /* the producer's block */
    size_t fill_len;
    unsigned char *work;    /* the worker's block */
    size_t work_len;
    int have_work;          /* work holds a block not yet passed to fn */
    int quit;
    int started;
    int rc;                 /* fn's first error */
    tc_err err;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void *worker(void *arg)
{
    tc_bgw *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->have_work && !b->quit)
            pthread_cond_wait(&b->cv, &b->mu);
        if (!b->have_work)
            break;
        pthread_mutex_unlock(&b->mu);
        tc_err e;
        tc_err_clear(&e);
        int rc = b->rc ? 0 : b->fn(b->ctx, b->work, b->work_len, &e);
        pthread_mutex_lock(&b->mu);
        if (rc && !b->rc) {
            b->rc = rc;
            b->err = e;
        }
        b->have_work = 0;
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

int tc_bgw_open(tc_bgw **out, size_t block, tc_bgw_fn fn, void *ctx, tc_err *e)
{
    /* the blocks are allocated when the first bytes come: a stream that
     * stays empty (a record type a source does not have) costs nothing */
    tc_bgw *b = calloc(1, sizeof(*b));
    if (!b)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    b->fn = fn;
    b->ctx = ctx;
    b->cap = block;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    *out = b;
    return 0;
}

/* Give the full block to the worker (starting it if need be). */
static int hand_over(tc_bgw *b, tc_err *e)
{
    if (!b->work && !(b->work = malloc(b->cap)))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (!b->started) {
        if (pthread_create(&b->th, NULL, worker, b) != 0)
            return tc_fail(e, TC_EINTERNAL, "cannot start a worker thread");
        b->started = 1;
    }
    pthread_mutex_lock(&b->mu);
    while (b->have_work)
        pthread_cond_wait(&b->cv, &b->mu);
    int rc = b->rc;
    if (!rc) {
        unsigned char *t = b->work;
        b->work = b->fill;
        b->work_len = b->fill_len;
        b->fill = t;
        b->fill_len = 0;
        b->have_work = 1;
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    if (rc && e)
        *e = b->err;
    return rc;
}

int tc_bgw_write(tc_bgw *b, const void *p, size_t n, tc_err *e)
{
    const unsigned char *s = p;
    if (!b->fill && !(b->fill = malloc(b->cap)))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    while (n) {
        size_t k = b->cap - b->fill_len;
        if (k > n)
            k = n;
        memcpy(b->fill + b->fill_len, s, k);
        b->fill_len += k;
        s += k;
        n -= k;
        if (b->fill_len == b->cap) {
            int rc = hand_over(b, e);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int tc_bgw_write_record(tc_bgw *b, const void *p, size_t n, tc_err *e)
{
    if (n > b->cap)
        return tc_fail(e, TC_EINTERNAL, "a record of %zu bytes does not fit a block", n);
    if (!b->fill && !(b->fill = malloc(b->cap)))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (b->fill_len + n > b->cap) {
        int rc = hand_over(b, e);
        if (rc)
            return rc;
    }
    memcpy(b->fill + b->fill_len, p, n);
    b->fill_len += n;
    return 0;
}

static void stop(tc_bgw *b)
{
    if (b->started) {
        pthread_mutex_lock(&b->mu);
        b->quit = 1;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
        pthread_join(b->th, NULL);
        b->started = 0;
    }
}

static void destroy(tc_bgw *b)
{
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b->fill);
    free(b->work);
    free(b);
}

int tc_bgw_close(tc_bgw *b, tc_err *e)
{
    stop(b);   /* the worker finishes the block it has, then ends */
    int rc = b->rc;
    if (rc && e)
        *e = b->err;
    if (!rc && b->fill_len)
        rc = b->fn(b->ctx, b->fill, b->fill_len, e);
    destroy(b);
    return rc;
}

void tc_bgw_abort(tc_bgw *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->rc = b->rc ? b->rc : TC_EINTERNAL;   /* the worker skips what is left */
    pthread_mutex_unlock(&b->mu);
    stop(b);
    destroy(b);
}
