/*
 * demo.h - the whole handover of the example city, in one call.
 *
 * tc_demo() generates the example city (generate/gen.h) into DIR/city,
 * makes the keys (DIR/keys: the maker, the checker, the audit office that
 * waives, a witness, and under DIR/keys/parties/ one for each party of the
 * handover certificates: each county's 医疗保障局 and 财政局, the city's,
 * and the 审计局) and the policy naming them, writes the city's manifest
 * DIR/city.ini, runs the pipeline on the embedded database under
 * DIR/work/db, plans the transfer with the maker's key, approves it with
 * the checker's and executes it, makes the handover certificates and has
 * every party sign each one, verifies the audit trail, writes the
 * status page DIR/status.html, and prints what a person wants to see: the
 * transfer per county and in total, the findings per county, where the
 * reports are, and the audit verification.
 *
 * DIR/city, DIR/keys and DIR/work are made anew on every call; nothing else
 * in DIR is touched.
 */
#ifndef TC_DEMO_H
#define TC_DEMO_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

typedef struct tc_demo_opts {
    const char *dir;       /* the demo's folder (created) */
    uint64_t records;      /* contribution records per county */
    int keep_db;           /* leave the embedded server running */
    int jobs;              /* counties at once (0: cores) */
    int seal;              /* seal every batch for a data holder (keys/data.key) */
} tc_demo_opts;

/* Run the demo; the summary goes to out.  0 when everything holds and the
 * audit trail verifies. */
int tc_demo(const tc_demo_opts *o, FILE *out, tc_err *e);

#endif
