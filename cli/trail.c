/*
 * trail.c - see trail.h.
 */
#include "cli/trail.h"

#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/log.h"
#include "core/sign.h"

void tc_cli_files_add(tc_cli_files *f, const char *path)
{
    char **v = realloc(f->v, (f->n + 1) * sizeof(char *));
    if (!v)
        return;
    f->v = v;
    if ((f->v[f->n] = strdup(path)))
        f->n++;
}

void tc_cli_files_free(tc_cli_files *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i]);
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

void tc_cli_counts_add(tc_cli_counts *c, const char *county, long long n)
{
    c->total += n;
    for (int i = 0; i < c->k; i++)
        if (strcmp(c->code[i], county) == 0) {
            c->n[i] += n;
            return;
        }
    if (c->k < 64 && strlen(county) == 6) {
        memcpy(c->code[c->k], county, 7);
        c->n[c->k++] = n;
    }
}

const char *tc_cli_counts_json(const tc_cli_counts *c, const char *key, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "{\"%s\":%lld", key, c->total);
    for (int i = 0; i < c->k && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, ",\"%s\":%lld", c->code[i], c->n[i]);
    if (k < n)
        snprintf(buf + k, n - k, "}");
    return buf;
}

int tc_cli_trail_check(void)
{
    const char *key = getenv("TONGCHOU_KEY");
    if (!key || !key[0])
        return 0;
    tc_err e;
    tc_err_clear(&e);
    tc_signer *s;
    if (tc_signer_load(&s, key, &e)) {
        tc_err_prefix(&e, "TONGCHOU_KEY: ");
        return tc_log_fail(&e);
    }
    tc_signer_free(s);
    return 0;
}

int tc_cli_trail_append(int argc, char **argv, const char *const *inputs, size_t nin,
                  const tc_cli_files *outputs, const char *mappings, const char *records)
{
    const char *key = getenv("TONGCHOU_KEY");
    if (!key || !key[0]) {
        tc_log_info("not recorded in an audit trail (set TONGCHOU_KEY to a signing key, "
                    "see 'tongchou keygen')");
        return 0;
    }
    tc_err e;
    tc_err_clear(&e);
    tc_signer *s;
    if (tc_signer_load(&s, key, &e))
        return tc_log_fail(&e);
    tc_audit_command c = {.trail = NULL,   /* $TONGCHOU_AUDIT, else ./audit.trail */
                          .signer = s,
                          .argc = argc,
                          .argv = argv,
                          .inputs = inputs,
                          .ninputs = nin,
                          .outputs = outputs ? (const char *const *)outputs->v : NULL,
                          .noutputs = outputs ? outputs->n : 0,
                          .mappings = mappings,
                          .records = records};
    long long seq = 0;
    int rc = tc_audit_record_command(&c, &seq, &e);
    tc_signer_free(s);
    if (rc)
        return tc_log_fail(&e);
    tc_log_info("recorded as entry %lld of %s", seq, tc_audit_default_path());
    return 0;
}
