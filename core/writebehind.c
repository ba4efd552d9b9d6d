/*
 * writebehind.c - see writebehind.h.  One mutex, one condition variable, and a ring of
 * NBLK blocks: the producer fills one while the worker works through the
 * ones handed over before it, in order.  Several blocks in flight let the
 * two sides drift apart for a moment - a worker thread that the scheduler
 * put aside, a producer between two bursts - without either waiting.
 */
#include "core/writebehind.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NBLK 4

struct tc_writebehind {
    tc_writebehind_fn fn;
    void *ctx;
    size_t cap;
    unsigned char *blk[NBLK];
    size_t len[NBLK];
    int w;                  /* the producer's block */
    int r;                  /* the oldest block handed over */
    int n;                  /* blocks handed over and not yet done */
    unsigned char *fill;    /* = blk[w], or NULL before the first bytes */
    size_t fill_len;
    int quit;
    int started;
    int sync;               /* fn runs on the producer's thread */
    int rc;                 /* fn's first error */
    tc_err err;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void *worker(void *arg)
{
    tc_writebehind *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->n && !b->quit)
            pthread_cond_wait(&b->cv, &b->mu);
        if (!b->n)
            break;
        int i = b->r, skip = b->rc != 0;
        pthread_mutex_unlock(&b->mu);
        tc_err e;
        tc_err_clear(&e);
        int rc = skip ? 0 : b->fn(b->ctx, b->blk[i], b->len[i], &e);
        pthread_mutex_lock(&b->mu);
        if (rc && !b->rc) {
            b->rc = rc;
            b->err = e;
        }
        b->r = (b->r + 1) % NBLK;
        b->n--;
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

int tc_writebehind_open(tc_writebehind **out, size_t block, tc_writebehind_fn fn, void *ctx,
                        tc_err *e)
{
    /* the blocks are allocated when the first bytes come: a stream that
     * stays empty (a record type a source does not have) costs nothing */
    tc_writebehind *b = calloc(1, sizeof(*b));
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

int tc_writebehind_open_sync(tc_writebehind **out, size_t block, tc_writebehind_fn fn,
                             void *ctx, tc_err *e)
{
    int rc = tc_writebehind_open(out, block, fn, ctx, e);
    if (!rc)
        (*out)->sync = 1;
    return rc;
}

/* The producer's block, allocated on first use. */
static int need_fill(tc_writebehind *b, tc_err *e)
{
    if (!b->blk[b->w] && !(b->blk[b->w] = malloc(b->cap)))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    b->fill = b->blk[b->w];
    return 0;
}

/* Give the full block to the worker (starting it if need be) and move on
 * to the next block of the ring once the worker is done with it. */
static int hand_over(tc_writebehind *b, tc_err *e)
{
    if (b->sync) {
        int rc = b->fn(b->ctx, b->fill, b->fill_len, e);
        b->fill_len = 0;
        return rc;
    }
    if (!b->started) {
        if (pthread_create(&b->th, NULL, worker, b) != 0)
            return tc_fail(e, TC_EINTERNAL, "cannot start a worker thread");
        b->started = 1;
    }
    pthread_mutex_lock(&b->mu);
    while (b->n == NBLK - 1 && !b->rc)
        pthread_cond_wait(&b->cv, &b->mu);
    int rc = b->rc;
    if (!rc) {
        b->len[b->w] = b->fill_len;
        b->w = (b->w + 1) % NBLK;
        b->n++;
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    if (rc) {
        if (e)
            *e = b->err;
        return rc;
    }
    b->fill_len = 0;
    b->fill = NULL;
    return need_fill(b, e);
}

int tc_writebehind_write(tc_writebehind *b, const void *p, size_t n, tc_err *e)
{
    const unsigned char *s = p;
    if (!b->fill && need_fill(b, e))
        return e ? e->code : TC_ENOMEM;
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

int tc_writebehind_write_record(tc_writebehind *b, const void *p, size_t n, tc_err *e)
{
    if (n > b->cap)
        return tc_fail(e, TC_EINTERNAL, "a record of %zu bytes does not fit a block", n);
    if (!b->fill && need_fill(b, e))
        return e ? e->code : TC_ENOMEM;
    if (b->fill_len + n > b->cap) {
        int rc = hand_over(b, e);
        if (rc)
            return rc;
    }
    memcpy(b->fill + b->fill_len, p, n);
    b->fill_len += n;
    return 0;
}

void *tc_writebehind_claim(tc_writebehind *b, size_t n, tc_err *e)
{
    if (n > b->cap) {
        tc_fail(e, TC_EINTERNAL, "%zu bytes do not fit a block", n);
        return NULL;
    }
    if (!b->fill && need_fill(b, e))
        return NULL;
    if (b->fill_len + n > b->cap && hand_over(b, e))
        return NULL;
    return b->fill + b->fill_len;
}

void tc_writebehind_claimed(tc_writebehind *b, size_t used) { b->fill_len += used; }

void *tc_writebehind_block(tc_writebehind *b, size_t *cap, tc_err *e)
{
    if (!b->fill && need_fill(b, e))
        return NULL;
    *cap = b->cap;
    return b->fill;
}

int tc_writebehind_put(tc_writebehind *b, size_t n, tc_err *e)
{
    b->fill_len = n;
    return n ? hand_over(b, e) : 0;
}

static void stop(tc_writebehind *b)
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

static void destroy(tc_writebehind *b)
{
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    for (int i = 0; i < NBLK; i++)
        free(b->blk[i]);
    free(b);
}

int tc_writebehind_close(tc_writebehind *b, tc_err *e)
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

void tc_writebehind_abort(tc_writebehind *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->rc = b->rc ? b->rc : TC_EINTERNAL;   /* the worker skips what is left */
    pthread_mutex_unlock(&b->mu);
    stop(b);
    destroy(b);
}
