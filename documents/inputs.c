/*
 * inputs.c - the plan and the reconciliation every document is made from,
 * and the readings the documents share (inputs.h).
 */
#include "documents/inputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jcs.h"

static int load(json_t **out, const char *path, const char *what, tc_err *e)
{
    json_error_t je;
    *out = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!*out || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        tc_err_at(e, path, je.line > 0 ? je.line : 0, je.column > 0 ? je.column : 0);
        return tc_fail(e, TC_EINPUT, "cannot read the %s: %s", what,
                       je.text[0] ? je.text : "not a JSON object");
    }
    return 0;
}

const char *tc_docin_str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int tc_docin_read(tc_docin *in, const char *reconciliation, const char *plan, tc_err *e)
{
    memset(in, 0, sizeof(*in));
    int rc = load(&in->plan, plan, "transfer plan", e);
    if (!rc)
        rc = load(&in->rec, reconciliation, "reconciliation", e);
    if (rc)
        return rc;
    const char *f = tc_docin_str(in->plan, "format");
    if (!f || strcmp(f, TC_PLAN_FORMAT) != 0 ||
        !json_is_array(json_object_get(in->plan, "transfers"))) {
        tc_err_at(e, plan, 0, 0);
        return tc_fail(e, TC_EINPUT, "not a transfer plan of format %s", TC_PLAN_FORMAT);
    }
    if (!json_is_array(json_object_get(in->rec, "counties"))) {
        tc_err_at(e, reconciliation, 0, 0);
        return tc_fail(e, TC_EINPUT, "not a reconciliation: no counties");
    }
    char rd[TC_DIGEST_TEXT_MAX];
    if ((rc = tc_digest_file(TC_DIGEST_SHA256, reconciliation, rd, e)) ||
        (rc = tc_digest_file(TC_DIGEST_SHA256, plan, in->plan_digest, e)))
        return rc;
    in->rec_digest = tc_docin_str(in->plan, "reconciliation");
    if (!in->rec_digest || strcmp(in->rec_digest, rd) != 0) {
        tc_err_at(e, plan, 0, 0);
        return tc_fail(e, TC_EINTEGRITY, "the plan was made from reconciliation %s, not from %s "
                       "(%s)", in->rec_digest ? in->rec_digest : "?", reconciliation, rd);
    }
    return 0;
}

void tc_docin_free(tc_docin *in)
{
    json_decref(in->plan);
    json_decref(in->rec);
    in->plan = in->rec = NULL;
}

const char *tc_docin_pool(const json_t *o)
{
    const char *p = tc_docin_str(o, "pool");
    return p ? p : tc_docin_str(o, "county");
}

const json_t *tc_docin_county(const json_t *rec, const char *county, const char *pool)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(rec, "counties"), i, c) {
        const char *k = tc_docin_str(c, "county"), *p = tc_docin_pool(c);
        if (k && p && strcmp(k, county) == 0 && strcmp(p, pool) == 0)
            return c;
    }
    return NULL;
}

const json_t *tc_docin_fund(const json_t *c, const char *fund)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(c, "funds"), i, f)
        if (tc_docin_str(f, "fund") && strcmp(tc_docin_str(f, "fund"), fund) == 0)
            return f;
    return NULL;
}

int tc_docin_yuan(const json_t *o, const char *k, int optional, const char *where, tc_fen *out,
                  tc_err *e)
{
    const char *s = tc_docin_str(o, k);
    *out = 0;
    if (!s && optional && !json_object_get(o, k))
        return 0;
    if (!s)
        return tc_fail(e, TC_EINPUT, "%s: no amount '%s'", where, k);
    if (tc_money_parse_yuan(s, strlen(s), out, e)) {
        tc_err_prefix(e, "%s: %s: ", where, k);
        return TC_EINPUT;
    }
    return 0;
}

void tc_docin_put_yuan(json_t *o, const char *k, tc_fen v)
{
    char b[TC_MONEY_BUFSZ];
    json_object_set_new(o, k, json_string(tc_money_format(v, b)));
}

tc_fen tc_docin_fen(const json_t *o, const char *k)
{
    const char *s = tc_docin_str(o, k);
    tc_fen v = 0;
    tc_err ignored;
    if (s)
        tc_money_parse_yuan(s, strlen(s), &v, &ignored);   /* written by tc_docin_put_yuan */
    return v;
}

const char *tc_docin_cn_date(const char *d, char *b, size_t n)
{
    int y, m, dd;
    if (d && sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) == 3)
        snprintf(b, n, "%d年%d月%d日", y, m, dd);
    else
        snprintf(b, n, "%s", d ? d : "");
    return b;
}

int tc_docin_digest(const json_t *st, char *digest, tc_err *e)
{
    char *text = NULL;
    size_t n = 0;
    int rc = tc_jcs_dump(st, &text, &n, e);
    if (!rc)
        rc = tc_digest_buffer(TC_DIGEST_SHA256, text, n, digest, e);
    free(text);
    return rc;
}
