/*
 * thread_job.h - one function run on a thread of its own, its error kept.
 *
 * The stages overlap independent work at their ends (the key check beside
 * the batch commits, the biggest batch beside the others, half the key
 * partitions beside the other half); each is a tc_thread_job: started, then
 * joined for its return value and error.  If no thread can be made the
 * function runs at once on the caller's thread, so a job is always done
 * once joined.
 */
#ifndef TC_THREAD_JOB_H
#define TC_THREAD_JOB_H

#include <pthread.h>

#include "core/err.h"

typedef struct tc_thread_job {
    int (*fn)(void *arg, tc_err *e);
    void *arg;
    int rc;
    tc_err e;
    pthread_t th;
    int threaded;
} tc_thread_job;

void tc_thread_job_start(tc_thread_job *j, int (*fn)(void *arg, tc_err *e), void *arg);
/* Wait for j; fn's return value.  When it is negative, its error goes to
 * *e (if e is not NULL). */
int tc_thread_job_join(tc_thread_job *j, tc_err *e);

#endif
