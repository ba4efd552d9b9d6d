/*
 * certify.c - the trail's check, then the certificates (certify.h).
 *
 * The check is transfer's own offline verification, not a copy of it: the
 * rule "the reconciliation is the recorded one" lives in one place.
 */
#include "pipeline/certify.h"

#include "core/atomic.h"
#include "core/audit.h"
#include "core/perm.h"
#include "transfer/transfer.h"

int tc_certify(const tc_certify_opts *o, int *n, tc_err *e)
{
    tc_err_clear(e);
    if (n)
        *n = 0;
    tc_transfer_verify_result v;
    int rc = tc_transfer_verify(o->plan, o->reconciliation, o->policy, o->trail, &v, e);
    if (rc)
        return rc;
    if (v.executions == 0) {
        tc_err_at(e, o->plan, 0, 0);
        tc_fail(e, TC_EINTEGRITY, "the plan is not one an execute entry of the audit trail %s "
                "recorded: a certificate states executed transfers only",
                o->trail ? o->trail : tc_audit_default_path());
        return tc_err_hint(e, "execute the plan (tongchou transfer execute), or name the trail "
                              "that recorded its execution with --trail");
    }
    if ((rc = tc_mkdir_p(o->outdir, tc_perm_dir(), e)))
        return rc;
    tc_cert_opts c = {o->reconciliation, o->plan, v.executed, o->outdir, o->on_made, o->arg};
    return tc_cert_write(&c, n, e);
}
