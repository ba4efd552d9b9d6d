/*
 * cert_bench.c - cert_bench REC PLAN OUTDIR [JOBS]: tc_cert_write() and
 * tc_stmt_write() alone - every county's certificate, statements, letters
 * and lists - for bench/certificates.sh (the trail's check is left out: it
 * reads the trail once and does not grow with the counties' documents).
 * JOBS processes write the files (default 1).  stderr: the seconds each took.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "documents/certificate.h"
#include "documents/statements.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: cert_bench REC PLAN OUTDIR [JOBS]\n");
        return 2;
    }
    int jobs = argc == 5 ? atoi(argv[4]) : 1;
    tc_cert_opts o = {.reconciliation = argv[1], .plan = argv[2],
                      .executed = "2026-12-07T00:00:00Z", .outdir = argv[3], .jobs = jobs};
    tc_stmt_opts so = {.reconciliation = argv[1], .plan = argv[2], .outdir = argv[3],
                       .jobs = jobs};
    tc_err e;
    int n = 0, m = 0;
    double t0 = now();
    if (tc_cert_write(&o, &n, &e)) {
        fprintf(stderr, "cert_bench: %s\n", e.msg);
        return 1;
    }
    double t1 = now();
    if (tc_stmt_write(&so, &m, &e)) {
        fprintf(stderr, "cert_bench: %s\n", e.msg);
        return 1;
    }
    double t2 = now();
    printf("%d certificates, %d statements, letters and lists\n", n, m);
    fprintf(stderr, "certificates %.2f s, statements %.2f s\n", t1 - t0, t2 - t1);
    /* what this process holds at the end: its own (anonymous) memory and
     * the pages of files it maps (the fonts), which the page cache shares */
    FILE *f = fopen("/proc/self/status", "r");
    char l[256];
    while (f && fgets(l, sizeof(l), f))
        if (!strncmp(l, "VmHWM:", 6) || !strncmp(l, "RssAnon:", 8) || !strncmp(l, "RssFile:", 8))
            fprintf(stderr, "%s", l);
    if (f)
        fclose(f);
    return 0;
}
