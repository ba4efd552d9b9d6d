/*
 * readahead.c - see readahead.h.  Two blocks; the worker fills, the consumer drains.
 */
#include "core/readahead.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct tc_readahead {
    tc_readahead_fn fn;
    void *ctx;
    int cap;
    char *buf[2];
    int len[2];       /* bytes in a full block; <= 0: the end or an error */
    int full[2];
    int pos;          /* consumer's offset in its block */
    int cur;          /* the block the consumer reads */
    int quit;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void *worker(void *arg)
{
    tc_readahead *b = arg;
    for (int i = 0;; i ^= 1) {
        pthread_mutex_lock(&b->mu);
        while (b->full[i] && !b->quit)
            pthread_cond_wait(&b->cv, &b->mu);
        int quit = b->quit;
        pthread_mutex_unlock(&b->mu);
        if (quit)
            return NULL;
        int n = b->fn(b->ctx, b->buf[i], b->cap);
        pthread_mutex_lock(&b->mu);
        b->len[i] = n;
        b->full[i] = 1;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
        if (n <= 0)
            return NULL;   /* the end, or an error: nothing more to read */
    }
}

tc_readahead *tc_readahead_open(int block, tc_readahead_fn fn, void *ctx)
{
    tc_readahead *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->fn = fn;
    b->ctx = ctx;
    b->cap = block;
    b->buf[0] = malloc((size_t)block);
    b->buf[1] = malloc((size_t)block);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    if (!b->buf[0] || !b->buf[1] || pthread_create(&b->th, NULL, worker, b) != 0) {
        free(b->buf[0]);
        free(b->buf[1]);
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->cv);
        free(b);
        return NULL;
    }
    return b;
}

int tc_readahead_read(tc_readahead *b, char *dst, int cap)
{
    int i = b->cur;
    pthread_mutex_lock(&b->mu);
    while (!b->full[i])
        pthread_cond_wait(&b->cv, &b->mu);
    int len = b->len[i];
    pthread_mutex_unlock(&b->mu);
    if (len <= 0)
        return len;   /* stays full: every later call says the same */
    int k = len - b->pos < cap ? len - b->pos : cap;
    memcpy(dst, b->buf[i] + b->pos, (size_t)k);
    b->pos += k;
    if (b->pos == len) {
        pthread_mutex_lock(&b->mu);
        b->full[i] = 0;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
        b->pos = 0;
        b->cur ^= 1;
    }
    return k;
}

void tc_readahead_close(tc_readahead *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->quit = 1;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->th, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b->buf[0]);
    free(b->buf[1]);
    free(b);
}
