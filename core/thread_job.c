/*
 * thread_job.c - see thread_job.h.
 */
#include "core/thread_job.h"

static void *job_main(void *arg)
{
    tc_thread_job *j = arg;
    j->rc = j->fn(j->arg, &j->e);
    return NULL;
}

void tc_thread_job_start(tc_thread_job *j, int (*fn)(void *arg, tc_err *e), void *arg)
{
    j->fn = fn;
    j->arg = arg;
    j->rc = 0;
    tc_err_clear(&j->e);
    j->threaded = pthread_create(&j->th, NULL, job_main, j) == 0;
    if (!j->threaded)
        job_main(j);
}

int tc_thread_job_join(tc_thread_job *j, tc_err *e)
{
    if (j->threaded)
        pthread_join(j->th, NULL);
    j->threaded = 0;
    if (j->rc < 0 && e)
        *e = j->e;
    return j->rc;
}
