/*
 * records.h - canonical records built in a test, for the tests that feed
 * records to a store or an emitter without a source file.
 */
#ifndef TC_TEST_RECORDS_H
#define TC_TEST_RECORDS_H

#include <stdint.h>
#include <string.h>

#include "core/record.h"

/* tc_rectypes[] index of contribution (core/record.c). */
enum { TCTEST_CONTRIBUTION = 4 };

/* A contribution's eight values: payer, employer, fund 01, period, base
 * = due x 10, rate 10 %, due, paid = due - 1 fen.  payer must outlive v. */
static inline void tctest_contribution(tc_value v[8], const char *payer, int period, int64_t due)
{
    v[0] = tc_v_text(payer, strlen(payer));
    v[1] = tc_v_text("employer", 8);
    v[2] = tc_v_text("01", 2);
    v[3] = tc_v_int(period);
    v[4] = tc_v_int(due * 10);
    v[5] = tc_v_int(1000);
    v[6] = tc_v_int(due);
    v[7] = tc_v_int(due - 1);
}

#endif
