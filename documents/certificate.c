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

#include "core/digest.h"
#include "core/jcs.h"
#include "documents/sheet.h"

#define PLAN_FORMAT "tongchou-transfer-plan/2"

/* ------------------------------------------------------------------ */
/* Reading the inputs                                                 */
/* ------------------------------------------------------------------ */

typedef struct inputs {
    json_t *plan, *rec;
    char plan_digest[TC_DIGEST_TEXT_MAX];
    const char *rec_digest;         /* the plan's, checked to be the file's */
} inputs;

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

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int read_inputs(inputs *in, const tc_cert_opts *o, tc_err *e)
{
    memset(in, 0, sizeof(*in));
    int rc = load(&in->plan, o->plan, "transfer plan", e);
    if (!rc)
        rc = load(&in->rec, o->reconciliation, "reconciliation", e);
    if (rc)
        return rc;
    const char *f = str(in->plan, "format");
    if (!f || strcmp(f, PLAN_FORMAT) != 0 || !json_is_array(json_object_get(in->plan, "transfers"))) {
        tc_err_at(e, o->plan, 0, 0);
        return tc_fail(e, TC_EINPUT, "not a transfer plan of format %s", PLAN_FORMAT);
    }
    if (!json_is_array(json_object_get(in->rec, "counties"))) {
        tc_err_at(e, o->reconciliation, 0, 0);
        return tc_fail(e, TC_EINPUT, "not a reconciliation: no counties");
    }
    char rd[TC_DIGEST_TEXT_MAX];
    if ((rc = tc_digest_file(TC_DIGEST_SHA256, o->reconciliation, rd, e)) ||
        (rc = tc_digest_file(TC_DIGEST_SHA256, o->plan, in->plan_digest, e)))
        return rc;
    in->rec_digest = str(in->plan, "reconciliation");
    if (!in->rec_digest || strcmp(in->rec_digest, rd) != 0) {
        tc_err_at(e, o->plan, 0, 0);
        return tc_fail(e, TC_EINTEGRITY, "the plan was made from reconciliation %s, not from %s "
                       "(%s)", in->rec_digest ? in->rec_digest : "?", o->reconciliation, rd);
    }
    return 0;
}

static void free_inputs(inputs *in)
{
    json_decref(in->plan);
    json_decref(in->rec);
}

/* ------------------------------------------------------------------ */
/* The statement                                                      */
/* ------------------------------------------------------------------ */

static const char *pool_of(const json_t *o)
{
    const char *p = str(o, "pool");
    return p ? p : str(o, "county");
}

/* The reconciliation's county entry for (county, pool). */
static const json_t *rec_county(const json_t *rec, const char *county, const char *pool)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(rec, "counties"), i, c) {
        const char *k = str(c, "county"), *p = pool_of(c);
        if (k && p && strcmp(k, county) == 0 && strcmp(p, pool) == 0)
            return c;
    }
    return NULL;
}

static const json_t *rec_fund(const json_t *c, const char *fund)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(c, "funds"), i, f)
        if (str(f, "fund") && strcmp(str(f, "fund"), fund) == 0)
            return f;
    return NULL;
}

/* The yuan string o[k] as fen; a missing key is zero when optional. */
static int yuan(const json_t *o, const char *k, int optional, const char *where, tc_fen *out,
                tc_err *e)
{
    const char *s = str(o, k);
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

static void put_yuan(json_t *o, const char *k, tc_fen v)
{
    char b[TC_MONEY_BUFSZ];
    json_object_set_new(o, k, json_string(tc_money_format(v, b)));
}

/* The figures of one plan line t, checked against the reconciliation. */
static int line_statement(const inputs *in, const json_t *t, size_t no, const char *plan_path,
                          json_t *lines, const char **name, tc_err *e)
{
    const char *county = str(t, "county"), *pool = pool_of(t), *fund = str(t, "fund");
    const char *id = str(t, "id"), *kind = str(t, "kind");
    char where[96];
    snprintf(where, sizeof(where), "transfer %zu", no + 1);
    tc_err_at(e, plan_path, 0, 0);
    if (!fund || !id)
        return tc_fail(e, TC_EINPUT, "%s: no fund or id", where);
    const json_t *c = rec_county(in->rec, county, pool);
    const json_t *f = c ? rec_fund(c, fund) : NULL;
    if (!f)
        return tc_fail(e, TC_EINTEGRITY, "%s: county %s pool %s fund %s is not in the "
                       "reconciliation", where, county, pool, fund);
    if (!*name)
        *name = str(c, "name");
    tc_fen amount, claims, debts, recv, pay, cash, lrecv, lpay, arr, sub, ipay, pers, net;
    tc_fen a03, a412, a13, sum;
    int rc = 0;
    if ((rc = yuan(t, "amount", 0, where, &amount, e)) ||
        (rc = yuan(t, "claims", 0, where, &claims, e)) ||
        (rc = yuan(t, "debts", 0, where, &debts, e)) ||
        (rc = yuan(t, "receivables", 0, where, &recv, e)) ||
        (rc = yuan(t, "payables", 0, where, &pay, e)))
        return rc;
    snprintf(where, sizeof(where), "reconciliation county %s fund %s", county, fund);
    const json_t *aging = json_object_get(f, "arrears_aging");
    if ((rc = yuan(f, "cash", 0, where, &cash, e)) ||
        (rc = yuan(f, "ledger_receivables", 0, where, &lrecv, e)) ||
        (rc = yuan(f, "ledger_payables", 0, where, &lpay, e)) ||
        (rc = yuan(f, "employer_arrears", 0, where, &arr, e)) ||
        (rc = yuan(f, "subsidy_shortfall", 0, where, &sub, e)) ||
        (rc = yuan(f, "institution_payables", 0, where, &ipay, e)) ||
        (rc = yuan(f, "personal_accounts", 0, where, &pers, e)) ||
        (rc = yuan(f, "net_assets", 0, where, &net, e)) ||
        (rc = yuan(aging, "0-3", 1, where, &a03, e)) ||
        (rc = yuan(aging, "4-12", 1, where, &a412, e)) ||
        (rc = yuan(aging, "13+", 1, where, &a13, e)))
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
    put_yuan(l, "amount", amount);
    put_yuan(l, "employer_arrears", arr);
    put_yuan(l, "arrears_0_3", a03);
    put_yuan(l, "arrears_4_12", a412);
    put_yuan(l, "arrears_13", a13);
    put_yuan(l, "subsidy_shortfall", sub);
    put_yuan(l, "claims", claims);
    put_yuan(l, "debts", debts);
    put_yuan(l, "receivables", recv);
    put_yuan(l, "payables", pay);
    put_yuan(l, "personal_accounts", pers);
    put_yuan(l, "net_assets", net);
    json_array_append_new(lines, l);
    return 0;
}

/* The plan's waivers of county: findings, reason, the keys that signed. */
static json_t *waivers_of(const json_t *plan, const char *county)
{
    json_t *out = json_array();
    size_t i, j;
    json_t *w, *x;
    json_array_foreach(json_object_get(plan, "waivers"), i, w) {
        if (!str(w, "county") || strcmp(str(w, "county"), county) != 0)
            continue;
        json_t *o = json_object(), *f = json_array(), *k = json_array();
        json_array_foreach(json_object_get(w, "findings"), j, x) {
            char b[512];
            snprintf(b, sizeof(b), "%s/%s/%s", str(x, "code") ? str(x, "code") : "?",
                     str(x, "fund") ? str(x, "fund") : "?", str(x, "ref") ? str(x, "ref") : "?");
            json_array_append_new(f, json_string(b));
        }
        json_array_foreach(json_object_get(w, "signatures"), j, x)
            if (str(x, "key"))
                json_array_append_new(k, json_string(str(x, "key")));
        json_object_set_new(o, "findings", f);
        json_object_set_new(o, "signers", k);
        json_object_set_new(o, "reason", json_string(str(w, "reason") ? str(w, "reason") : ""));
        json_array_append_new(out, o);
    }
    return out;
}

static int statement(const inputs *in, const tc_cert_opts *o, const char *county, json_t **out,
                     char *digest, tc_err *e)
{
    *out = NULL;
    json_t *lines = json_array();
    const char *name = NULL;
    size_t i;
    json_t *t;
    int rc = 0;
    json_array_foreach(json_object_get(in->plan, "transfers"), i, t) {
        const char *c = str(t, "county");
        if (c && strcmp(c, county) == 0 &&
            (rc = line_statement(in, t, i, o->plan, lines, &name, e)))
            break;
    }
    if (!rc && json_array_size(lines) == 0)
        rc = tc_fail(e, TC_EINPUT, "the plan moves nothing of county %s", county);
    if (rc) {
        json_decref(lines);
        return rc;
    }
    const char *cut = str(in->plan, "cutover");
    json_t *s = json_object();
    json_object_set_new(s, "format", json_string(TC_CERT_FORMAT));
    json_object_set_new(s, "county", json_string(county));
    json_object_set_new(s, "name", json_string(name ? name : county));
    json_object_set_new(s, "cutover", json_string(cut ? cut : ""));
    json_object_set_new(s, "reconciliation", json_string(in->rec_digest));
    json_object_set_new(s, "plan", json_string(in->plan_digest));
    json_object_set_new(s, "executed", o->executed && o->executed[0] ? json_string(o->executed)
                                                                     : json_null());
    json_object_set_new(s, "lines", lines);
    json_object_set_new(s, "waivers", waivers_of(in->plan, county));
    char *text = NULL;
    size_t n = 0;
    if ((rc = tc_jcs_dump(s, &text, &n, e)) ||
        (rc = tc_digest_buffer(TC_DIGEST_SHA256, text, n, digest, e))) {
        free(text);
        json_decref(s);
        return rc;
    }
    free(text);
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
    free_inputs(&in);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The sheet                                                          */
/* ------------------------------------------------------------------ */

static tc_fen fen_of(const json_t *l, const char *k)
{
    const char *s = str(l, k);
    tc_fen v = 0;
    tc_err ignored;
    if (s)
        tc_money_parse_yuan(s, strlen(s), &v, &ignored);   /* written by put_yuan */
    return v;
}

/* 2021-06-30 as 2021年6月30日. */
static const char *cn_date(const char *d, char *b, size_t n)
{
    int y, m, dd;
    if (sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) == 3)
        snprintf(b, n, "%d年%d月%d日", y, m, dd);
    else
        snprintf(b, n, "%s", d);
    return b;
}

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
    char b[256];
    const char *fund = str(l, "fund"), *pool = str(l, "pool"), *county = str(st, "county");
    if (strcmp(pool, county) == 0)
        snprintf(b, sizeof(b), "基金 %s", fund);
    else
        snprintf(b, sizeof(b), "基金 %s（来源统筹区 %s）", fund, pool);
    int rc;
    if ((rc = tc_sheet_paragraph(s, b, e)) || (rc = tc_sheet_table(s, cols, 3, e)))
        return rc;
    const json_t *x = json_object_get(st, "executed");
    char when[64] = "（审计轨迹未记录）";
    if (json_is_string(x))
        snprintf(when, sizeof(when), "%s", json_string_value(x));
    const char *kind = str(l, "kind");
    if ((rc = amount_row(s, strcmp(kind, "transfer") == 0 ? "移交现金（划入市财政专户）"
                                                           : "移交现金（更正划转）",
                         fen_of(l, "amount"), TC_ROW_TOTAL, e)) ||
        (rc = text_row(s, "转移编号", str(l, "id"), e)) ||
        (rc = text_row(s, "执行时间", when, e)) ||
        (rc = amount_row(s, "结转债权：单位欠缴", fen_of(l, "employer_arrears"), 0, e)) ||
        (rc = amount_row(s, "　其中：欠缴3个月以内", fen_of(l, "arrears_0_3"), 0, e)) ||
        (rc = amount_row(s, "　　　　欠缴4至12个月", fen_of(l, "arrears_4_12"), 0, e)) ||
        (rc = amount_row(s, "　　　　欠缴13个月以上", fen_of(l, "arrears_13"), 0, e)) ||
        (rc = amount_row(s, "结转债权：财政补助欠拨", fen_of(l, "subsidy_shortfall"), 0, e)) ||
        (rc = amount_row(s, "结转债权合计", fen_of(l, "claims"), TC_ROW_TOTAL, e)) ||
        (rc = amount_row(s, "结转债务：应付定点医药机构", fen_of(l, "debts"), TC_ROW_TOTAL, e)) ||
        (rc = amount_row(s, "账面应收款", fen_of(l, "receivables"), 0, e)) ||
        (rc = amount_row(s, "账面应付款", fen_of(l, "payables"), 0, e)) ||
        (rc = amount_row(s, "个人账户余额", fen_of(l, "personal_accounts"), 0, e)) ||
        (rc = amount_row(s, "基金净资产", fen_of(l, "net_assets"), TC_ROW_TOTAL, e)))
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
            snprintf(b + n, sizeof(b) - (size_t)n, "\n豁免理由：%s", str(w, "reason"));
        if ((rc = tc_sheet_paragraph(s, b, e)))
            return rc;
    }
    return 0;
}

/* The certificate of statement st (digest d) as a one-sheet document. */
static int certificate_doc(tc_doc **out, const json_t *st, const char *d, tc_err *e)
{
    char b[1024], date[64];
    const char *name = str(st, "name"), *county = str(st, "county"), *cut = str(st, "cutover");
    *out = NULL;
    snprintf(b, sizeof(b), "基金移交交接书 %s（%s）", name, county);
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
    snprintf(b, sizeof(b), "编制单位：%s（%s）", name, county);
    if ((rc = tc_sheet_set_tab(s, "交接书", e)) ||
        (rc = tc_sheet_header(s, b, cn_date(cut, date, sizeof(date)), "单位：元", e)) ||
        (rc = tc_sheet_header(s, "移交方：县医疗保障局、县财政局", NULL,
                              "接收方：市医疗保障局、市财政局", e)))
        goto out;
    snprintf(b, sizeof(b),
             "根据基本医疗保险基金市级统筹的安排，%s（%s）将截至%s的基本医疗保险基金移交市级"
             "统筹管理，现金划入市财政专户。下列金额取自审计轨迹记录的对账报告和已执行的转移"
             "计划，大写与小写金额一致。\n对账报告：%s\n转移计划：%s",
             name, county, date, str(st, "reconciliation"), str(st, "plan"));
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
    tc_doc *doc;
} cert;

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
        const char *c = str(json_array_get(plan_lines, i), "county");
        int seen = !c;
        for (size_t j = 0; !seen && j < k; j++)
            seen = strcmp(str(v[j].st, "county"), c) == 0;
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
    /* pass 2: the files */
    for (size_t j = 0; !rc && j < k; j++) {
        const char *c = str(v[j].st, "county");
        size_t pl = strlen(o->outdir) + strlen(c) + 24;
        char *pdf = malloc(pl), *xlsx = malloc(pl);
        if (!pdf || !xlsx) {
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
        } else {
            snprintf(pdf, pl, "%s/%s.certificate.pdf", o->outdir, c);
            snprintf(xlsx, pl, "%s/%s.certificate.xlsx", o->outdir, c);
            if (!(rc = certificate_doc(&v[j].doc, v[j].st, v[j].digest, e)) &&
                !(rc = tc_doc_write_pdf(v[j].doc, pdf, e)) &&
                !(rc = tc_doc_write_xlsx(v[j].doc, xlsx, e))) {
                tc_cert_made m = {c, str(v[j].st, "name"), pdf, xlsx, v[j].digest, 0, 0};
                size_t i;
                json_t *l;
                json_array_foreach(json_object_get(v[j].st, "lines"), i, l) {
                    m.lines++;
                    tc_money_add(m.amount, fen_of(l, "amount"), &m.amount);
                }
                if (n)
                    (*n)++;
                if (o->on_made)
                    o->on_made(o->arg, &m);
            }
        }
        free(pdf);
        free(xlsx);
        tc_doc_free(v[j].doc);
        v[j].doc = NULL;
    }
    for (size_t j = 0; j < k; j++) {
        json_decref(v[j].st);
        tc_doc_free(v[j].doc);
    }
    free(v);
    free_inputs(&in);
    return rc;
}
