/*
 * certificate.c - the handover certificate (基金移交交接书), certificate.h.
 *
 * Two passes.  The first reads the plan and the reconciliation and builds,
 * per county the plan moves money out of, its statement: a JSON object of
 * exactly the figures the certificate prints, each plan line's checked
 * against the reconciliation (the cash, the receivables and payables, the
 * claims as employer arrears plus subsidy shortfall, the debts as
 * institution payables).  The statement's canonical JSON is what the
 * digest covers.  The second lays each statement out on a sheet
 * (sheet.h) and writes the PDF and the workbook - only once every
 * statement holds and every sheet has been laid out once without error, so
 * that a refusal leaves nothing behind.  Only the statements (a few
 * hundred bytes a fund) are kept for all counties; a document is built,
 * written and freed one county at a time, so memory stays flat.
 *
 * The sheet reads only the statement, never the input files: what the
 * digest covers and what is printed cannot drift apart.
 */
#include "documents/certificate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/proc.h"
#include "documents/inputs.h"
#include "documents/sheet.h"

/* ------------------------------------------------------------------ */
/* Reading the inputs (inputs.h, shared with the statements)           */
/* ------------------------------------------------------------------ */

typedef tc_docin inputs;

static int read_inputs(inputs *in, const tc_cert_opts *o, tc_err *e)
{
    return tc_docin_read(in, o->reconciliation, o->plan, e);
}

/* ------------------------------------------------------------------ */
/* The statement                                                      */
/* ------------------------------------------------------------------ */

/* The figures of one plan line t, checked against the reconciliation. */
static int line_statement(const inputs *in, const json_t *t, size_t no, const char *plan_path,
                          json_t *lines, const char **name, tc_err *e)
{
    const char *county = tc_docin_str(t, "county"), *pool = tc_docin_pool(t), *fund = tc_docin_str(t, "fund");
    const char *id = tc_docin_str(t, "id"), *kind = tc_docin_str(t, "kind");
    char where[96];
    snprintf(where, sizeof(where), "transfer %zu", no + 1);
    tc_err_at(e, plan_path, 0, 0);
    if (!fund || !id)
        return tc_fail(e, TC_EINPUT, "%s: no fund or id", where);
    const json_t *c = tc_docin_county(in->rec, county, pool);
    const json_t *f = c ? tc_docin_fund(c, fund) : NULL;
    if (!f)
        return tc_fail(e, TC_EINTEGRITY, "%s: county %s pool %s fund %s is not in the "
                       "reconciliation", where, county, pool, fund);
    if (!*name)
        *name = tc_docin_str(c, "name");
    tc_fen amount, claims, debts, recv, pay, cash, lrecv, lpay, arr, sub, ipay, pers, net;
    tc_fen a03, a412, a13, sum;
    int rc = 0;
    if ((rc = tc_docin_yuan(t, "amount", 0, where, &amount, e)) ||
        (rc = tc_docin_yuan(t, "claims", 0, where, &claims, e)) ||
        (rc = tc_docin_yuan(t, "debts", 0, where, &debts, e)) ||
        (rc = tc_docin_yuan(t, "receivables", 0, where, &recv, e)) ||
        (rc = tc_docin_yuan(t, "payables", 0, where, &pay, e)))
        return rc;
    snprintf(where, sizeof(where), "reconciliation county %s fund %s", county, fund);
    const json_t *aging = json_object_get(f, "arrears_aging");
    if ((rc = tc_docin_yuan(f, "cash", 0, where, &cash, e)) ||
        (rc = tc_docin_yuan(f, "ledger_receivables", 0, where, &lrecv, e)) ||
        (rc = tc_docin_yuan(f, "ledger_payables", 0, where, &lpay, e)) ||
        (rc = tc_docin_yuan(f, "employer_arrears", 0, where, &arr, e)) ||
        (rc = tc_docin_yuan(f, "subsidy_shortfall", 0, where, &sub, e)) ||
        (rc = tc_docin_yuan(f, "institution_payables", 0, where, &ipay, e)) ||
        (rc = tc_docin_yuan(f, "personal_accounts", 0, where, &pers, e)) ||
        (rc = tc_docin_yuan(f, "net_assets", 0, where, &net, e)) ||
        (rc = tc_docin_yuan(aging, "0-3", 1, where, &a03, e)) ||
        (rc = tc_docin_yuan(aging, "4-12", 1, where, &a412, e)) ||
        (rc = tc_docin_yuan(aging, "13+", 1, where, &a13, e)))
        return rc;
    if (tc_money_add(arr, sub, &sum))
        return tc_fail(e, TC_EINPUT, "%s: claims overflow", where);
    /* A correcting transfer moves a difference, not the cash: its amount
     * is checked by execute against what had moved, which only the city
     * database knows; its other figures are the reconciliation's. */
    int correction = kind && strcmp(kind, "transfer") != 0;
    const char *bad = (!correction && amount != cash) ? "amount (the reconciled cash)"
                      : recv != lrecv                 ? "receivables"
                      : pay != lpay                   ? "payables"
                      : claims != sum                 ? "claims (employer arrears + subsidy "
                                                        "shortfall)"
                      : debts != ipay                 ? "debts (institution payables)"
                                                      : NULL;
    if (bad) {
        tc_err_at(e, plan_path, 0, 0);
        tc_fail(e, TC_EINTEGRITY, "transfer %zu (county %s fund %s): its %s differs from the "
                "reconciliation: the certificate would not state the executed transfer",
                no + 1, county, fund, bad);
        return tc_err_hint(e, "make the documents from the executed plan and the "
                              "reconciliation it names, unchanged");
    }
    json_t *l = json_object();
    json_object_set_new(l, "fund", json_string(fund));
    json_object_set_new(l, "pool", json_string(pool));
    json_object_set_new(l, "id", json_string(id));
    json_object_set_new(l, "kind", json_string(kind ? kind : "transfer"));
    tc_docin_put_yuan(l, "amount", amount);
    tc_docin_put_yuan(l, "employer_arrears", arr);
    tc_docin_put_yuan(l, "arrears_0_3", a03);
    tc_docin_put_yuan(l, "arrears_4_12", a412);
    tc_docin_put_yuan(l, "arrears_13", a13);
    tc_docin_put_yuan(l, "subsidy_shortfall", sub);
    tc_docin_put_yuan(l, "claims", claims);
    tc_docin_put_yuan(l, "debts", debts);
    tc_docin_put_yuan(l, "receivables", recv);
    tc_docin_put_yuan(l, "payables", pay);
    tc_docin_put_yuan(l, "personal_accounts", pers);
    tc_docin_put_yuan(l, "net_assets", net);
    json_array_append_new(lines, l);
    return 0;
}

/* Who hands over plan line t: its county; or its source pool, when that
 * pool is merged with others into the county's sub-ledger (a county whose
 * one pool has a code of its own - 220184's 220381 - is still the
 * county). */
static const char *unit_of(const inputs *in, const json_t *t)
{
    const char *county = tc_docin_str(t, "county"), *pool = tc_docin_pool(t);
    if (!county || !pool || strcmp(county, pool) == 0)
        return county;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(in->rec, "counties"), i, c) {
        const char *k = tc_docin_str(c, "county"), *p = tc_docin_pool(c);
        if (k && p && strcmp(k, county) == 0 && strcmp(p, pool) != 0)
            return pool;
    }
    return county;
}

/* The plan's waivers of unit (unit_of): findings, reason, the keys that
 * signed. */
static json_t *waivers_of(const inputs *in, const char *unit)
{
    json_t *out = json_array();
    size_t i, j;
    json_t *w, *x;
    json_array_foreach(json_object_get(in->plan, "waivers"), i, w) {
        const char *u = unit_of(in, w);
        if (!u || strcmp(u, unit) != 0)
            continue;
        json_t *o = json_object(), *f = json_array(), *k = json_array();
        json_array_foreach(json_object_get(w, "findings"), j, x) {
            char b[512];
            snprintf(b, sizeof(b), "%s/%s/%s", tc_docin_str(x, "code") ? tc_docin_str(x, "code") : "?",
                     tc_docin_str(x, "fund") ? tc_docin_str(x, "fund") : "?", tc_docin_str(x, "ref") ? tc_docin_str(x, "ref") : "?");
            json_array_append_new(f, json_string(b));
        }
        json_array_foreach(json_object_get(w, "signatures"), j, x)
            if (tc_docin_str(x, "key"))
                json_array_append_new(k, json_string(tc_docin_str(x, "key")));
        json_object_set_new(o, "findings", f);
        json_object_set_new(o, "signers", k);
        json_object_set_new(o, "reason", json_string(tc_docin_str(w, "reason") ? tc_docin_str(w, "reason") : ""));
        json_array_append_new(out, o);
    }
    return out;
}

/* The certificate of the county (the source pool, where pools merge) that
 * hands over: the plan's lines whose unit_of() it is. */
static int statement(const inputs *in, const tc_cert_opts *o, const char *county, json_t **out,
                     char *digest, tc_err *e)
{
    *out = NULL;
    json_t *lines = json_array();
    const char *name = NULL, *sub = NULL;
    size_t i;
    json_t *t;
    int rc = 0;
    json_array_foreach(json_object_get(in->plan, "transfers"), i, t) {
        const char *c = unit_of(in, t);
        if (!c || strcmp(c, county) != 0)
            continue;
        if (!sub)
            sub = tc_docin_str(t, "county");
        if ((rc = line_statement(in, t, i, o->plan, lines, &name, e)))
            break;
    }
    if (!rc && json_array_size(lines) == 0)
        rc = tc_fail(e, TC_EINPUT, "the plan moves nothing of county %s", county);
    if (rc) {
        json_decref(lines);
        return rc;
    }
    const char *cut = tc_docin_str(in->plan, "cutover");
    json_t *s = json_object();
    json_object_set_new(s, "format", json_string(TC_CERT_FORMAT));
    json_object_set_new(s, "county", json_string(county));
    if (sub && strcmp(sub, county) != 0)   /* a pool merged into another's sub-ledger */
        json_object_set_new(s, "subledger", json_string(sub));
    json_object_set_new(s, "name", json_string(name ? name : county));
    json_object_set_new(s, "cutover", json_string(cut ? cut : ""));
    json_object_set_new(s, "reconciliation", json_string(in->rec_digest));
    json_object_set_new(s, "plan", json_string(in->plan_digest));
    json_object_set_new(s, "executed", o->executed && o->executed[0] ? json_string(o->executed)
                                                                     : json_null());
    json_object_set_new(s, "lines", lines);
    json_object_set_new(s, "waivers", waivers_of(in, county));
    if ((rc = tc_docin_digest(s, digest, e))) {
        json_decref(s);
        return rc;
    }
    *out = s;
    return 0;
}

int tc_cert_statement(const tc_cert_opts *o, const char *county, json_t **out, char *digest,
                      tc_err *e)
{
    tc_err_clear(e);
    inputs in;
    int rc = read_inputs(&in, o, e);
    if (!rc)
        rc = statement(&in, o, county, out, digest, e);
    tc_docin_free(&in);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The sheet                                                          */
/* ------------------------------------------------------------------ */

static int amount_row(tc_sheet *s, const char *label, tc_fen v, unsigned flags, tc_err *e)
{
    tc_cell c[3] = {tc_cell_text(label), tc_cell_amount(v), tc_cell_daxie(v)};
    return tc_sheet_row(s, flags, c, 3, e);
}

static int text_row(tc_sheet *s, const char *label, const char *text, tc_err *e)
{
    tc_cell c[3] = {tc_cell_text(label), tc_cell_blank(), tc_cell_text(text)};
    return tc_sheet_row(s, 0, c, 3, e);
}

static int fund_table(tc_sheet *s, const json_t *st, const json_t *l, tc_err *e)
{
    static const tc_column cols[] = {{"项目", 30, TC_ALIGN_LEFT},
                                     {"金额", 18, TC_ALIGN_RIGHT},
                                     {"大写金额", 46, TC_ALIGN_LEFT}};
    char b[256];   /* a certificate's lines are all of its own pool */
    snprintf(b, sizeof(b), "基金 %s", tc_docin_str(l, "fund"));
    int rc;
    if ((rc = tc_sheet_paragraph(s, b, e)) || (rc = tc_sheet_table(s, cols, 3, e)))
        return rc;
    const json_t *x = json_object_get(st, "executed");
    char when[64] = "（审计轨迹未记录）";
    if (json_is_string(x))
        snprintf(when, sizeof(when), "%s", json_string_value(x));
    const char *kind = tc_docin_str(l, "kind");
    if ((rc = amount_row(s, strcmp(kind, "transfer") == 0 ? "移交现金（划入市财政专户）"
                                                           : "移交现金（更正划转）",
                         tc_docin_fen(l, "amount"), TC_ROW_TOTAL, e)) ||
        (rc = text_row(s, "转移编号", tc_docin_str(l, "id"), e)) ||
        (rc = text_row(s, "执行时间", when, e)) ||
        (rc = amount_row(s, "结转债权：单位欠缴", tc_docin_fen(l, "employer_arrears"), 0, e)) ||
        (rc = amount_row(s, "　其中：欠缴3个月以内", tc_docin_fen(l, "arrears_0_3"), 0, e)) ||
        (rc = amount_row(s, "　　　　欠缴4至12个月", tc_docin_fen(l, "arrears_4_12"), 0, e)) ||
        (rc = amount_row(s, "　　　　欠缴13个月以上", tc_docin_fen(l, "arrears_13"), 0, e)) ||
        (rc = amount_row(s, "结转债权：财政补助欠拨", tc_docin_fen(l, "subsidy_shortfall"), 0, e)) ||
        (rc = amount_row(s, "结转债权合计", tc_docin_fen(l, "claims"), TC_ROW_TOTAL, e)) ||
        (rc = amount_row(s, "结转债务：应付定点医药机构", tc_docin_fen(l, "debts"), TC_ROW_TOTAL, e)) ||
        (rc = amount_row(s, "账面应收款", tc_docin_fen(l, "receivables"), 0, e)) ||
        (rc = amount_row(s, "账面应付款", tc_docin_fen(l, "payables"), 0, e)) ||
        (rc = amount_row(s, "个人账户余额", tc_docin_fen(l, "personal_accounts"), 0, e)) ||
        (rc = amount_row(s, "基金净资产", tc_docin_fen(l, "net_assets"), TC_ROW_TOTAL, e)))
        return rc;
    return 0;
}

static int waiver_paragraphs(tc_sheet *s, const json_t *st, tc_err *e)
{
    const json_t *ws = json_object_get(st, "waivers");
    if (json_array_size(ws) == 0)
        return tc_sheet_paragraph(s, "豁免事项：无。", e);
    size_t i, j;
    json_t *w, *x;
    int rc = 0;
    json_array_foreach(ws, i, w) {
        char b[4096];
        int n = snprintf(b, sizeof(b), "豁免事项 %zu：", i + 1);
        json_array_foreach(json_object_get(w, "findings"), j, x)
            if (n < (int)sizeof(b))
                n += snprintf(b + n, sizeof(b) - (size_t)n, "%s%s", j ? "、" : "",
                              json_string_value(x));
        if (n < (int)sizeof(b))
            n += snprintf(b + n, sizeof(b) - (size_t)n, "\n豁免签署人：");
        json_array_foreach(json_object_get(w, "signers"), j, x)
            if (n < (int)sizeof(b))
                n += snprintf(b + n, sizeof(b) - (size_t)n, "%s%s", j ? "、" : "",
                              json_string_value(x));
        if (n < (int)sizeof(b))
            snprintf(b + n, sizeof(b) - (size_t)n, "\n豁免理由：%s", tc_docin_str(w, "reason"));
        if ((rc = tc_sheet_paragraph(s, b, e)))
            return rc;
    }
    return 0;
}

/* Who hands over: "NAME（COUNTY）"; or, for a pool merged into another's
 * sub-ledger, whose name alone the reconciliation carries, "统筹区 POOL
 * （并入NAME）". */
static const char *who(const json_t *st, char *b, size_t n)
{
    const char *name = tc_docin_str(st, "name"), *county = tc_docin_str(st, "county");
    if (tc_docin_str(st, "subledger"))
        snprintf(b, n, "统筹区 %s（并入%s）", county, name);
    else
        snprintf(b, n, "%s（%s）", name, county);
    return b;
}

/* The certificate of statement st (digest d) as a one-sheet document. */
static int certificate_doc(tc_doc **out, const json_t *st, const char *d, tc_err *e)
{
    char b[1024], date[64];
    const char *cut = tc_docin_str(st, "cutover");
    *out = NULL;
    char w[256];
    who(st, w, sizeof(w));
    snprintf(b, sizeof(b), "基金移交交接书 %s", w);
    tc_doc *doc = NULL;
    tc_sheet *s = NULL;
    int rc = tc_doc_new(&doc, b, cut, e);
    if (!rc)
        rc = tc_sheet_new(&s, "基金移交交接书", e);
    if (!rc)
        rc = tc_doc_add(doc, s, e);
    if (rc) {
        tc_doc_free(doc);
        return rc;
    }
    snprintf(b, sizeof(b), "编制单位：%s", w);
    if ((rc = tc_sheet_set_tab(s, "交接书", e)) ||
        (rc = tc_sheet_header(s, b, tc_docin_cn_date(cut, date, sizeof(date)), "单位：元", e)) ||
        (rc = tc_sheet_header(s, "移交方：县医疗保障局、县财政局", NULL,
                              "接收方：市医疗保障局、市财政局", e)))
        goto out;
    const char *sub = tc_docin_str(st, "subledger");
    char into[96] = "";
    if (sub)
        snprintf(into, sizeof(into), "，记入市级统筹分账 %s", sub);
    snprintf(b, sizeof(b),
             "根据基本医疗保险基金市级统筹的安排，%s将截至%s的基本医疗保险基金移交市级"
             "统筹管理，现金划入市财政专户%s。下列金额取自审计轨迹记录的对账报告和已执行的转移"
             "计划，大写与小写金额一致。\n对账报告：%s\n转移计划：%s",
             w, date, into, tc_docin_str(st, "reconciliation"),
             tc_docin_str(st, "plan"));
    if ((rc = tc_sheet_paragraph(s, b, e)))
        goto out;
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(st, "lines"), i, l)
        if ((rc = fund_table(s, st, l, e)))
            goto out;
    static const tc_party parties[] = {
        {"移交方 县医疗保障局", NULL}, {"移交方 县财政局", NULL},
        {"接收方 市医疗保障局", NULL}, {"接收方 市财政局", NULL},
        {"监交方 审计局", NULL}};
    snprintf(b, sizeof(b), "交接书摘要：%s", d);
    char foot[160];
    snprintf(foot, sizeof(foot), "交接书摘要 %s", d);
    if ((rc = waiver_paragraphs(s, st, e)) || (rc = tc_sheet_signatures(s, parties, 5, e)) ||
        (rc = tc_sheet_paragraph(s, b, e)) ||
        (rc = tc_sheet_qr(s, d, "扫码核对交接书摘要", e)) || (rc = tc_sheet_footer(s, foot, e)))
        goto out;
out:
    if (rc) {
        tc_doc_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

typedef struct cert {
    json_t *st;
    char digest[TC_DIGEST_TEXT_MAX];
    char *pdf, *xlsx;       /* the files */
} cert;

typedef struct certs {
    const tc_cert_opts *o;
    cert *v;
} certs;

/* Certificate j laid out again and written (tc_proc_fanout: in a process
 * of its own, when there are jobs). */
static int write_one(size_t j, void *arg, tc_err *e)
{
    const cert *c = &((certs *)arg)->v[j];
    tc_doc *d = NULL;
    int rc = certificate_doc(&d, c->st, c->digest, e);
    if (!rc)
        rc = tc_doc_write_pdf(d, c->pdf, e);
    if (!rc)
        rc = tc_doc_write_xlsx(d, c->xlsx, e);
    tc_doc_free(d);
    return rc;
}

int tc_cert_write(const tc_cert_opts *o, int *n, tc_err *e)
{
    tc_err_clear(e);
    if (n)
        *n = 0;
    inputs in;
    int rc = read_inputs(&in, o, e);
    json_t *plan_lines = json_object_get(in.plan, "transfers");
    size_t nl = rc ? 0 : json_array_size(plan_lines), k = 0;
    cert *v = calloc(nl ? nl : 1, sizeof(*v));
    if (!v && !rc)
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    /* pass 1: every statement and its sheet, before any file */
    for (size_t i = 0; !rc && i < nl; i++) {
        const char *c = unit_of(&in, json_array_get(plan_lines, i));
        int seen = !c;
        for (size_t j = 0; !seen && j < k; j++)
            seen = strcmp(tc_docin_str(v[j].st, "county"), c) == 0;
        if (seen)
            continue;
        if (!(rc = statement(&in, o, c, &v[k].st, v[k].digest, e))) {
            k++;
            /* laid out once to refuse here what a page cannot show; laid
             * out again when written, so that memory holds one document */
            tc_doc *d = NULL;
            rc = certificate_doc(&d, v[k - 1].st, v[k - 1].digest, e);
            tc_doc_free(d);
        }
    }
    /* pass 2: the files, by o->jobs processes; then what was made */
    for (size_t j = 0; !rc && j < k; j++) {
        const char *c = tc_docin_str(v[j].st, "county");
        size_t pl = strlen(o->outdir) + strlen(c) + 24;
        if (!(v[j].pdf = malloc(pl)) || !(v[j].xlsx = malloc(pl))) {
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
        } else {
            snprintf(v[j].pdf, pl, "%s/%s.certificate.pdf", o->outdir, c);
            snprintf(v[j].xlsx, pl, "%s/%s.certificate.xlsx", o->outdir, c);
        }
    }
    certs w = {o, v};
    if (!rc)
        rc = tc_proc_fanout(k, o->jobs, write_one, &w, e);
    for (size_t j = 0; !rc && j < k; j++) {
        tc_cert_made m = {tc_docin_str(v[j].st, "county"), tc_docin_str(v[j].st, "name"),
                          v[j].pdf, v[j].xlsx, v[j].digest, 0, 0};
        size_t i;
        json_t *l;
        json_array_foreach(json_object_get(v[j].st, "lines"), i, l) {
            m.lines++;
            tc_money_add(m.amount, tc_docin_fen(l, "amount"), &m.amount);
        }
        if (n)
            (*n)++;
        if (o->on_made)
            o->on_made(o->arg, &m);
    }
    for (size_t j = 0; j < k; j++) {
        json_decref(v[j].st);
        free(v[j].pdf);
        free(v[j].xlsx);
    }
    free(v);
    tc_docin_free(&in);
    return rc;
}
