/*
 * cert_bench.c - cert_bench REC PLAN OUTDIR: tc_cert_write() alone, for
 * bench/certificates.sh (the trail's check is left out: it reads the trail
 * once and does not grow with the counties' documents).
 */
#include <stdio.h>

#include "documents/certificate.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: cert_bench REC PLAN OUTDIR\n");
        return 2;
    }
    tc_cert_opts o = {.reconciliation = argv[1], .plan = argv[2],
                      .executed = "2026-12-07T00:00:00Z", .outdir = argv[3]};
    tc_err e;
    int n = 0;
    if (tc_cert_write(&o, &n, &e)) {
        fprintf(stderr, "cert_bench: %s\n", e.msg);
        return 1;
    }
    printf("%d certificates\n", n);
    return 0;
}
