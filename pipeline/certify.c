/*
 * certify.c - the trail's check, then the certificates (certify.h).
 *
 * The check is transfer's own offline verification, not a copy of it: the
 * rule "the reconciliation is the recorded one" lives in one place.
 */
#include "pipeline/certify.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/audit.h"
#include "core/perm.h"
#include "transfer/transfer.h"

/* The files written, for the audit entry. */
typedef struct made {
    const tc_certify_opts *o;
    char **paths;
    size_t n;
    int nomem;
    /* per certificate {county, digest, files}: what the parties sign
     * (pipeline/docsign.h reads it back) */
    json_t *certificates;
} made;

static void remember(made *x, const char *pdf, const char *xlsx)
{
    char **v = realloc(x->paths, (x->n + 2) * sizeof(*v));
    char *a = strdup(pdf), *b = strdup(xlsx);
    if (!v || !a || !b) {
        x->nomem = 1;
        free(a);
        free(b);
        if (v)
            x->paths = v;
    } else {
        x->paths = v;
        v[x->n++] = a;
        v[x->n++] = b;
    }
}

static void on_made(void *arg, const tc_cert_made *m)
{
    made *x = arg;
    remember(x, m->pdf, m->xlsx);
    if (json_array_append_new(x->certificates,
                              json_pack("{s:s, s:s, s:[s, s]}", "county", m->county, "digest",
                                        m->digest, "files", m->pdf, m->xlsx)))
        x->nomem = 1;
    if (x->o->on_made)
        x->o->on_made(x->o->arg, m);
}

/* A statement, letter or list written: recorded like a certificate. */
static void on_stmt(void *arg, const tc_stmt_made *m)
{
    made *x = arg;
    if (x->n < 2 || strcmp(x->paths[x->n - 2], m->pdf) != 0)   /* a county's are in one */
        remember(x, m->pdf, m->xlsx);
    if (x->o->on_stmt)
        x->o->on_stmt(x->o->arg, m);
}

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
    made x = {o, NULL, 0, 0, json_array()};
    if (!x.certificates)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    tc_cert_opts c = {o->reconciliation, o->plan, v.executed, o->outdir, on_made, &x, o->jobs};
    tc_stmt_opts so = {o->reconciliation, o->plan, o->outdir, on_stmt, &x, o->each, o->jobs};
    int k = 0, m = 0;
    /* the statements are checked before the certificates are written, so
     * that a refusal of either writes nothing */
    rc = tc_stmt_check(&so, NULL, e);
    if (!rc)
        rc = tc_cert_write(&c, &k, e);
    if (!rc)
        rc = tc_stmt_write(&so, &m, e);
    if (n)
        *n = k;
    if (!rc && o->signer && o->argc > 0) {
        if (x.nomem) {
            rc = tc_fail(e, TC_ENOMEM, "out of memory recording the documents written");
        } else {
            const char *in[] = {o->plan, o->reconciliation};
            json_t *tj = json_pack("{s:O, s:i}", "certificates", x.certificates, "statements", m);
            char *totals = tj ? json_dumps(tj, JSON_COMPACT) : NULL;
            json_decref(tj);
            tc_audit_command ac = {.trail = o->trail, .signer = o->signer, .argc = o->argc,
                                   .argv = o->argv, .inputs = in, .ninputs = 2,
                                   .outputs = (const char *const *)x.paths, .noutputs = x.n,
                                   .totals = totals};
            if (!totals)
                rc = tc_fail(e, TC_ENOMEM, "out of memory recording the documents written");
            else if ((rc = tc_audit_record_command(&ac, NULL, e)))
                tc_err_prefix(e, "the documents are written but not recorded: ");
            free(totals);
        }
    }
    json_decref(x.certificates);
    for (size_t i = 0; i < x.n; i++)
        free(x.paths[i]);
    free(x.paths);
    return rc;
}
