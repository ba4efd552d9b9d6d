/*
 * report_xlsx.c - reconciliation.xlsx: the tables of the reconciliation as
 * a workbook, one sheet per table, for auditors who work in spreadsheets.
 * See report.h.
 *
 * Sheets, in order: 汇总 Summary (per county, the document's totals, the
 * cutover and mapping set), 问题清单 Findings, 单位欠费 Employer arrears,
 * 财政补助欠拨 Subsidy shortfall, 应付医药机构 Institution payables,
 * 银行余额调节表 Bank statements (one row per account), 未达账项
 * Outstanding items (the bank statements' items, a table of their own so a
 * filter works on it), 移交基数 Transfer basis (per county and fund),
 * 数据来源 Sources (per county, each source's digest and whether the county
 * sent control totals with it).
 * Every sheet starts with one bold header row, frozen with the key columns,
 * has its column widths set, an autofilter over its data and an A4
 * landscape print setup; the schedule and basis sheets end in a total row
 * whose cells are SUM formulas carrying their computed value.
 *
 * Amounts are numbers, not text, formatted #,##0.00 (negatives in red).
 * libxlsxwriter takes a double, so this is the one place an amount becomes
 * floating point, for display only: fen / 100.0 is a correctly rounded
 * division of two exact doubles, which gives the double nearest the exact
 * yuan value, and that prints back as the exact two-decimal figure as long
 * as it has at most 15 significant digits - the precision a spreadsheet
 * shows.  So amounts of 10^13 yuan or more (10^15 fen; no fund comes near)
 * are refused rather than shown wrong.
 *
 * The workbook is deterministic: its creation time, which libxlsxwriter
 * would otherwise take from the clock for the document properties and the
 * zip entries, is set to the cutover date.  libxlsxwriter writes to a path,
 * so the path it gets is the temporary file of core/atomic.h, which is then
 * synced and renamed into place like every other output.
 */
#include "reconcile/report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "core/atomic.h"
#include "core/money.h"
#include "core/version.h"
#include "reconcile/report_doc.h"

/* The largest amount a spreadsheet shows exactly to the fen (see above). */
#define XLSX_FEN_LIMIT INT64_C(1000000000000000)

/* ------------------------------------------------------------------ */
/* The workbook and its sheets                                        */
/* ------------------------------------------------------------------ */

enum { C_TEXT, C_AMT, C_INT };

typedef struct col {
    const char *head;   /* "中文 English" */
    double width;       /* in characters, a CJK character counting two */
    int kind;
} col;

typedef struct book {
    lxw_workbook *wb;
    lxw_format *hdr, *text, *amt, *num, *tot_text, *tot_amt, *tot_num, *label;
    lxw_error lerr;        /* the first libxlsxwriter error, LXW_NO_ERROR while none */
    const char *lerr_sheet;
    tc_fen too_big;        /* an amount beyond XLSX_FEN_LIMIT, when refused */
    int overflow;          /* a column total overflowed */
    int nomem;
} book;

typedef struct sheet {
    lxw_worksheet *ws;
    const char *name;
    const col *cols;
    int ncols;
    lxw_row_t row;         /* the next row to write */
    tc_fen sum[24];        /* per amount column, for the total row */
    int overflow;
} sheet;

static void check(book *b, sheet *s, lxw_error rc)
{
    if (rc != LXW_NO_ERROR && b->lerr == LXW_NO_ERROR) {
        b->lerr = rc;
        b->lerr_sheet = s ? s->name : "workbook";
    }
}

static int failed(const book *b)
{
    return b->lerr != LXW_NO_ERROR || b->too_big || b->overflow || b->nomem;
}

static void sheet_new(book *b, sheet *s, const char *name, const col *cols, int ncols,
                      int freeze_cols)
{
    memset(s, 0, sizeof(*s));
    s->name = name;
    s->cols = cols;
    s->ncols = ncols;
    s->ws = workbook_add_worksheet(b->wb, name);
    if (!s->ws) {
        check(b, s, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    for (int c = 0; c < ncols; c++) {
        check(b, s, worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].width,
                                         NULL));
        check(b, s, worksheet_write_string(s->ws, 0, (lxw_col_t)c, cols[c].head, b->hdr));
    }
    check(b, s, worksheet_set_row(s->ws, 0, 20, NULL));
    worksheet_freeze_panes(s->ws, 1, (lxw_col_t)freeze_cols);
    worksheet_set_landscape(s->ws);
    worksheet_set_paper(s->ws, 9);   /* A4 */
    worksheet_fit_to_pages(s->ws, 1, 0);
    check(b, s, worksheet_repeat_rows(s->ws, 0, 0));
    s->row = 1;
}

/* A string from the document, identity numbers masked. */
static void put_str(book *b, sheet *s, int c, const char *str)
{
    if (!s->ws)
        return;
    char *m = tc_rdoc_mask(str);
    if (!m) {
        b->nomem = 1;
        return;
    }
    if (m[0])
        check(b, s, worksheet_write_string(s->ws, s->row, (lxw_col_t)c, m, b->text));
    free(m);
}

/* A string of this file's own (a label). */
static void put_label(book *b, sheet *s, int c, const char *str, lxw_format *f)
{
    if (s->ws)
        check(b, s, worksheet_write_string(s->ws, s->row, (lxw_col_t)c, str, f));
}

/* The double shown for an amount: exact to the fen below XLSX_FEN_LIMIT. */
static double yuan(book *b, tc_fen v)
{
    if (v >= XLSX_FEN_LIMIT || v <= -XLSX_FEN_LIMIT) {
        if (!b->too_big)
            b->too_big = v;
        return 0;
    }
    return (double)v / 100.0;
}

static void put_amt(book *b, sheet *s, int c, tc_fen v)
{
    if (!s->ws)
        return;
    check(b, s, worksheet_write_number(s->ws, s->row, (lxw_col_t)c, yuan(b, v), b->amt));
    if (tc_money_add(s->sum[c], v, &s->sum[c]))
        s->overflow = 1;
}

static void put_key(book *b, sheet *s, int c, const json_t *o, const char *key)
{
    if (tc_rdoc_has(o, key))
        put_amt(b, s, c, tc_rdoc_fen(o, key));
}

static void put_int(book *b, sheet *s, int c, long v, lxw_format *f)
{
    if (s->ws)
        check(b, s, worksheet_write_number(s->ws, s->row, (lxw_col_t)c, (double)v, f));
}

/* Column letters of a 0-based column (the sheets have fewer than 702). */
static void col_name(int c, char *out)
{
    if (c < 26) {
        out[0] = (char)('A' + c);
        out[1] = 0;
    } else {
        out[0] = (char)('A' + c / 26 - 1);
        out[1] = (char)('A' + c % 26);
        out[2] = 0;
    }
}

/* End a table: an autofilter over header and data, and, when total is set
 * and there is data, a total row of SUM formulas for the amount columns
 * with their values computed here. */
static void sheet_end(book *b, sheet *s, int total)
{
    if (!s->ws)
        return;
    lxw_row_t last = s->row - 1;
    check(b, s, worksheet_autofilter(s->ws, 0, 0, last, (lxw_col_t)(s->ncols - 1)));
    if (!total || last < 1)
        return;
    put_label(b, s, 0, "合计 Total", b->tot_text);
    for (int c = 1; c < s->ncols; c++) {
        if (s->cols[c].kind != C_AMT) {
            check(b, s, worksheet_write_blank(s->ws, s->row, (lxw_col_t)c, b->tot_text));
            continue;
        }
        char f[64], cn[4];
        col_name(c, cn);
        snprintf(f, sizeof(f), "=SUM(%s2:%s%u)", cn, cn, (unsigned)last + 1);
        check(b, s, worksheet_write_formula_num(s->ws, s->row, (lxw_col_t)c, f, b->tot_amt,
                                                yuan(b, s->sum[c])));
    }
    s->row++;
}

/* A county's cell: its code, and "← POOL" when the source pool is another
 * (a pool merged into the county's sub-ledger, or a county renumbered). */
static void put_county(book *b, sheet *s, int c, const json_t *county)
{
    char buf[32];
    const char *code = tc_rdoc_str(county, "county"), *pool = tc_rdoc_str(county, "pool");
    if (pool[0] && strcmp(pool, code) != 0)
        snprintf(buf, sizeof(buf), "%s ← %s", code, pool);
    else
        snprintf(buf, sizeof(buf), "%s", code);
    put_str(b, s, c, buf);
}

/* "310 职工医保" for a fund code, into buf. */
static const char *fund_text(const char *fund, char *buf, size_t n)
{
    const char *zh = tc_rdoc_fund_zh(fund);
    snprintf(buf, n, "%s%s%s", fund, zh ? " " : "", zh ? zh : "");
    return buf;
}

static void put_fund(book *b, sheet *s, int c, const char *fund)
{
    char buf[128];
    put_str(b, s, c, fund_text(fund, buf, sizeof(buf)));
}

/* What control totals vouched for, in words ("" when the document does
 * not say: the cell stays empty). */
static void put_controls(book *b, sheet *s, int c, const char *controls)
{
    const char *zh = tc_rdoc_controls_zh(controls), *en = tc_rdoc_controls_en(controls);
    if (!zh || !en)
        return;
    char buf[512];
    snprintf(buf, sizeof(buf), "%s · %s", zh, en);
    put_str(b, s, c, buf);
}

/* ------------------------------------------------------------------ */
/* The sheets                                                         */
/* ------------------------------------------------------------------ */

static void summary(book *b, const json_t *doc)
{
    static const col cols[] = {
        {"统筹区 County", 14, C_TEXT}, {"名称 Name", 14, C_TEXT}, {"状态 Status", 12, C_TEXT},
        {"现金 Cash", 18, C_AMT}, {"累计结余 Net assets", 20, C_AMT},
        {"个人账户 Personal accounts", 22, C_AMT}, {"债权 Claims", 18, C_AMT},
        {"债务 Debts", 18, C_AMT}, {"移交金额 Transfer", 20, C_AMT},
        {"阻断 Blocking", 13, C_INT}, {"警告 Warnings", 13, C_INT},
        {"县级控制合计 Control totals from the county", 44, C_TEXT}};
    sheet s;
    sheet_new(b, &s, "汇总 Summary", cols, 12, 2);
    size_t i;
    json_t *c;
    int blocking = 0, warnings = 0;
    tc_err e;
    const json_t *counties = json_object_get(doc, "counties");
    size_t n = json_array_size(counties);
    tc_rdoc_sums *all = calloc(n ? n : 1, sizeof(*all));
    if (!all) {
        b->nomem = 1;
        return;
    }
    json_array_foreach(counties, i, c) {
        tc_rdoc_sums x;
        if (tc_rdoc_county_sums(c, &x, &e)) {
            s.overflow = 1;
            break;
        }
        all[i] = x;
        put_county(b, &s, 0, c);
        put_str(b, &s, 1, tc_rdoc_str(c, "name"));
        put_str(b, &s, 2, tc_rdoc_county_status(&x));
        put_amt(b, &s, 3, x.cash);
        put_amt(b, &s, 4, x.net_assets);
        put_amt(b, &s, 5, x.personal);
        put_amt(b, &s, 6, x.claims);
        put_amt(b, &s, 7, x.debts);
        put_amt(b, &s, 8, x.transfer);
        put_int(b, &s, 9, x.blocking, b->num);
        put_int(b, &s, 10, x.warnings, b->num);
        put_controls(b, &s, 11, tc_rdoc_county_controls(c));
        blocking += x.blocking, warnings += x.warnings;
        s.row++;
    }
    sheet_end(b, &s, 0);
    tc_rdoc_moves mv;
    if (!s.overflow && tc_rdoc_moves_of(all, n, &mv, &e))
        s.overflow = 1;
    free(all);
    if (!s.ws || s.overflow) {
        b->overflow |= s.overflow;
        return;
    }
    /* The total row: the document's own totals, as the figures of record. */
    const json_t *t = json_object_get(doc, "totals");
    put_label(b, &s, 0, "合计 Total", b->tot_text);
    check(b, &s, worksheet_write_blank(s.ws, s.row, 1, b->tot_text));
    put_label(b, &s, 2, tc_rdoc_str(doc, "status"), b->tot_text);
    const tc_fen v[6] = {s.sum[3], s.sum[4], s.sum[5], tc_rdoc_fen(t, "claims"),
                         tc_rdoc_fen(t, "debts"), tc_rdoc_fen(t, "transfer")};
    for (int k = 0; k < 6; k++)
        check(b, &s, worksheet_write_number(s.ws, s.row, (lxw_col_t)(3 + k), yuan(b, v[k]),
                                            b->tot_amt));
    put_int(b, &s, 9, blocking, b->tot_num);
    put_int(b, &s, 10, warnings, b->tot_num);
    s.row++;
    /* ...of which moves, and is held: the total is not what moves */
    const struct { const char *label; tc_fen v; int show; } part[3] = {
        {"其中：可移交（无阻断问题的统筹区） Of which ready to move (no blocking finding)",
         mv.ready, 1},
        {"其中：暂缓移交（有阻断问题，整改或豁免后移交） Of which held by blocking findings",
         mv.held, 1},
        {"其中：部分移交保留 Of which kept by a part handover", mv.kept, mv.kept != 0}};
    for (int k = 0; k < 3; k++) {
        if (!part[k].show)
            continue;
        put_label(b, &s, 0, part[k].label, b->label);
        check(b, &s, worksheet_write_number(s.ws, s.row, 8, yuan(b, part[k].v), b->amt));
        s.row++;
    }
    s.row++;
    static const char *const info[][2] = {
        {"移交基准日 Cutover date", "cutover"}, {"状态 Status", "status"},
        {"映射集 Mapping set", "mappings"}, {"格式 Format", "format"}};
    for (int k = 0; k < 4; k++) {
        put_label(b, &s, 0, info[k][0], b->label);
        put_str(b, &s, 2, tc_rdoc_str(doc, info[k][1]));
        s.row++;
    }
    put_label(b, &s, 0, "身份证号已脱敏 Identity numbers are masked", b->text);
    b->overflow |= s.overflow;
}

static void findings(book *b, const json_t *doc)
{
    static const col cols[] = {
        {"统筹区 County", 14, C_TEXT}, {"级别 Severity", 14, C_TEXT},
        {"检查 Check", 28, C_TEXT}, {"检查名称 Check name", 18, C_TEXT},
        {"基金 Fund", 14, C_TEXT}, {"凭据 Reference", 28, C_TEXT},
        {"金额 Amount", 16, C_AMT}, {"说明 Message", 80, C_TEXT},
        {"中文说明 Message in Chinese", 60, C_TEXT}};
    sheet s;
    sheet_new(b, &s, "问题清单 Findings", cols, 9, 1);
    size_t i, j;
    json_t *c, *f;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(json_object_get(c, "findings"), j, f) {
            const char *code = tc_rdoc_str(f, "code"), *zh = tc_rdoc_check_zh(code);
            put_county(b, &s, 0, c);
            put_str(b, &s, 1, tc_rdoc_str(f, "severity"));
            put_str(b, &s, 2, code);
            if (zh)
                put_label(b, &s, 3, zh, b->text);
            put_fund(b, &s, 4, tc_rdoc_str(f, "fund"));
            put_str(b, &s, 5, tc_rdoc_str(f, "ref"));
            put_key(b, &s, 6, f, "amount");
            put_str(b, &s, 7, tc_rdoc_str(f, "message"));
            if (tc_rdoc_has(f, "message_zh"))
                put_str(b, &s, 8, tc_rdoc_str(f, "message_zh"));
            s.row++;
        }
    }
    sheet_end(b, &s, 0);
}

/* The rows of one schedule of every county: key names the schedule,
 * lead the text keys after the county, amt the amount keys. */
static void schedule(book *b, const json_t *doc, const char *name, const col *cols, int ncols,
                     const char *key, const char *const *lead, int nlead,
                     const char *const *amt, int namt)
{
    sheet s;
    sheet_new(b, &s, name, cols, ncols, 2);
    size_t i, j;
    json_t *c, *r;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(tc_rdoc_arr(json_object_get(c, "schedules"), key), j, r) {
            put_county(b, &s, 0, c);
            for (int k = 0; k < nlead; k++) {
                if (strcmp(lead[k], "fund") == 0)
                    put_fund(b, &s, 1 + k, tc_rdoc_str(r, "fund"));
                else
                    put_str(b, &s, 1 + k, tc_rdoc_str(r, lead[k]));
            }
            for (int k = 0; k < namt; k++)
                put_amt(b, &s, 1 + nlead + k, tc_rdoc_fen(r, amt[k]));
            s.row++;
        }
    }
    sheet_end(b, &s, 1);
    b->overflow |= s.overflow;
}

static void schedules(book *b, const json_t *doc)
{
    static const col arrears_cols[] = {
        {"统筹区 County", 14, C_TEXT}, {"缴费单位 Payer", 24, C_TEXT}, {"基金 Fund", 14, C_TEXT},
        {"欠费 Arrears", 16, C_AMT}, {"0-3个月 0-3 months", 18, C_AMT},
        {"4-12个月 4-12 months", 18, C_AMT}, {"13个月以上 13+ months", 20, C_AMT},
        {"多缴 Overpaid", 16, C_AMT}};
    static const char *const arrears_lead[] = {"payer", "fund"};
    static const char *const arrears_amt[] = {"arrears", "0-3", "4-12", "13+", "overpaid"};
    schedule(b, doc, "单位欠费 Employer arrears", arrears_cols, 8, "employer_arrears",
             arrears_lead, 2, arrears_amt, 5);

    static const col subsidy_cols[] = {
        {"统筹区 County", 14, C_TEXT}, {"级次 Level", 12, C_TEXT}, {"基金 Fund", 14, C_TEXT},
        {"年度 Year", 10, C_TEXT}, {"应拨 Due", 18, C_AMT}, {"已拨 Received", 18, C_AMT},
        {"欠拨 Shortfall", 18, C_AMT}};
    static const char *const subsidy_lead[] = {"level", "fund", "year"};
    static const char *const subsidy_amt[] = {"due", "received", "shortfall"};
    schedule(b, doc, "财政补助欠拨 Subsidy shortfall", subsidy_cols, 7, "subsidy_shortfall",
             subsidy_lead, 3, subsidy_amt, 3);

    static const col payable_cols[] = {
        {"统筹区 County", 14, C_TEXT}, {"机构编码 Institution", 20, C_TEXT},
        {"机构名称 Name", 28, C_TEXT}, {"基金 Fund", 14, C_TEXT},
        {"已结算 Settled", 18, C_AMT}, {"已支付 Paid", 18, C_AMT}, {"应付 Payable", 18, C_AMT}};
    static const char *const payable_lead[] = {"institution", "name", "fund"};
    static const char *const payable_amt[] = {"settled", "paid", "payable"};
    schedule(b, doc, "应付医药机构 Institution payables", payable_cols, 7,
             "institution_payables", payable_lead, 3, payable_amt, 3);
}

static void bank(book *b, const json_t *doc)
{
    static const col cols[] = {
        {"统筹区 County", 14, C_TEXT}, {"账户 Account", 26, C_TEXT}, {"基金 Fund", 14, C_TEXT},
        {"用途 Role", 10, C_TEXT}, {"账面余额 Ledger", 18, C_AMT},
        {"银行已收账上未收 Received not booked", 22, C_AMT},
        {"银行已付账上未付 Paid not booked", 22, C_AMT},
        {"调节后余额 Adjusted", 18, C_AMT}, {"对账单余额 Statement", 18, C_AMT},
        {"账上已收银行未收 Booked not received", 22, C_AMT},
        {"账上已付银行未付 Booked not paid", 22, C_AMT},
        {"差额 Difference", 16, C_AMT}};
    static const char *const keys[] = {"ledger", "received_not_booked", "paid_not_booked",
                                       "adjusted", "statement", "booked_not_received",
                                       "booked_not_paid"};
    sheet s;
    sheet_new(b, &s, "银行余额调节表 Bank statements", cols, 12, 2);
    size_t i, j;
    json_t *c, *r;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(json_object_get(c, "bank"), j, r) {
            put_county(b, &s, 0, c);
            put_str(b, &s, 1, tc_rdoc_str(r, "account"));
            if (tc_rdoc_has(r, "fund"))
                put_fund(b, &s, 2, tc_rdoc_str(r, "fund"));
            put_str(b, &s, 3, tc_rdoc_str(r, "role"));
            for (int k = 0; k < 7; k++)
                put_amt(b, &s, 4 + k, tc_rdoc_fen(r, keys[k]));
            /* The two adjusted balances' difference: zero when reconciled. */
            tc_fen l, rr, d;
            if (tc_money_add(tc_rdoc_fen(r, "ledger"), tc_rdoc_fen(r, "received_not_booked"), &l) ||
                tc_money_sub(l, tc_rdoc_fen(r, "paid_not_booked"), &l) ||
                tc_money_add(tc_rdoc_fen(r, "statement"), tc_rdoc_fen(r, "booked_not_received"),
                             &rr) ||
                tc_money_sub(rr, tc_rdoc_fen(r, "booked_not_paid"), &rr) ||
                tc_money_sub(l, rr, &d))
                s.overflow = 1;
            else
                put_amt(b, &s, 11, d);
            s.row++;
        }
    }
    sheet_end(b, &s, 0);
    b->overflow |= s.overflow;
}

static void items(book *b, const json_t *doc)
{
    static const col cols[] = {
        {"统筹区 County", 14, C_TEXT}, {"账户 Account", 26, C_TEXT},
        {"类型 Kind", 22, C_TEXT}, {"未达账项 Outstanding item", 40, C_TEXT},
        {"日期 Date", 12, C_TEXT}, {"凭据 Reference", 22, C_TEXT}, {"金额 Amount", 16, C_AMT}};
    sheet s;
    sheet_new(b, &s, "未达账项 Outstanding items", cols, 7, 2);
    size_t i, j, k;
    json_t *c, *r, *it;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(json_object_get(c, "bank"), j, r) {
            json_array_foreach(tc_rdoc_arr(r, "items"), k, it) {
                const char *kind = tc_rdoc_str(it, "kind");
                char name[160];
                snprintf(name, sizeof(name), "%s %s", tc_rdoc_kind_zh(kind),
                         tc_rdoc_kind_en(kind));
                put_county(b, &s, 0, c);
                put_str(b, &s, 1, tc_rdoc_str(r, "account"));
                put_str(b, &s, 2, kind);
                put_label(b, &s, 3, name, b->text);
                put_str(b, &s, 4, tc_rdoc_str(it, "date"));
                put_str(b, &s, 5, tc_rdoc_str(it, "ref"));
                put_amt(b, &s, 6, tc_rdoc_fen(it, "amount"));
                s.row++;
            }
        }
    }
    sheet_end(b, &s, 0);
}

static void basis(book *b, const json_t *doc)
{
    static const col cols[] = {
        {"统筹区 County", 14, C_TEXT}, {"基金 Fund", 14, C_TEXT},
        {"现金 Cash", 18, C_AMT}, {"暂付款 Receivables", 18, C_AMT},
        {"暂收款 Payables", 18, C_AMT}, {"累计结余 Net assets", 20, C_AMT},
        {"基金余额 Fund balance", 20, C_AMT}, {"单位欠费 Employer arrears", 22, C_AMT},
        {"欠费0-3个月 Arrears 0-3", 20, C_AMT}, {"欠费4-12个月 Arrears 4-12", 22, C_AMT},
        {"欠费13个月以上 Arrears 13+", 24, C_AMT}, {"多缴 Overpaid", 16, C_AMT},
        {"财政补助欠拨 Subsidy shortfall", 24, C_AMT},
        {"应付医药机构 Institution payables", 26, C_AMT},
        {"个人账户 Personal accounts", 22, C_AMT}, {"移交金额 Transfer", 20, C_AMT}};
    static const char *const before[] = {"cash", "ledger_receivables", "ledger_payables",
                                         "net_assets", "fund_balance", "employer_arrears"};
    static const char *const after[] = {"overpaid", "subsidy_shortfall", "institution_payables",
                                        "personal_accounts", "transfer"};
    sheet s;
    sheet_new(b, &s, "移交基数 Transfer basis", cols, 16, 2);
    size_t i, j;
    json_t *c, *f;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(json_object_get(c, "funds"), j, f) {
            const json_t *ag = json_object_get(f, "arrears_aging");
            put_county(b, &s, 0, c);
            if (tc_rdoc_has(f, "cutover")) { /* handed over at its own date */
                char fb[128], buf[160];
                snprintf(buf, sizeof(buf), "%s 截至 %s",
                         fund_text(tc_rdoc_str(f, "fund"), fb, sizeof(fb)),
                         tc_rdoc_str(f, "cutover"));
                put_str(b, &s, 1, buf);
            } else {
                put_fund(b, &s, 1, tc_rdoc_str(f, "fund"));
            }
            for (int k = 0; k < 6; k++)
                put_amt(b, &s, 2 + k, tc_rdoc_fen(f, before[k]));
            for (int k = 0; k < 3; k++)
                put_amt(b, &s, 8 + k, tc_rdoc_fen(ag, tc_rdoc_aging_keys[k]));
            for (int k = 0; k < 5; k++)
                put_amt(b, &s, 11 + k, tc_rdoc_fen(f, after[k]));
            s.row++;
        }
    }
    sheet_end(b, &s, 1);
    b->overflow |= s.overflow;
}

/* ------------------------------------------------------------------ */
/* The workbook                                                       */
/* ------------------------------------------------------------------ */

static void formats(book *b)
{
    static const char AMT[] = "#,##0.00;[Red]-#,##0.00";
    b->hdr = workbook_add_format(b->wb);
    format_set_bold(b->hdr);
    format_set_bg_color(b->hdr, 0xE4E8EE);
    format_set_bottom(b->hdr, LXW_BORDER_THIN);
    format_set_align(b->hdr, LXW_ALIGN_VERTICAL_CENTER);
    b->text = workbook_add_format(b->wb);
    b->label = workbook_add_format(b->wb);
    format_set_bold(b->label);
    b->amt = workbook_add_format(b->wb);
    format_set_num_format(b->amt, AMT);
    b->num = workbook_add_format(b->wb);
    format_set_num_format(b->num, "0");
    b->tot_text = workbook_add_format(b->wb);
    format_set_bold(b->tot_text);
    format_set_top(b->tot_text, LXW_BORDER_THIN);
    b->tot_amt = workbook_add_format(b->wb);
    format_set_bold(b->tot_amt);
    format_set_top(b->tot_amt, LXW_BORDER_THIN);
    format_set_num_format(b->tot_amt, AMT);
    b->tot_num = workbook_add_format(b->wb);
    format_set_bold(b->tot_num);
    format_set_top(b->tot_num, LXW_BORDER_THIN);
    format_set_num_format(b->tot_num, "0");
    if (!b->hdr || !b->text || !b->label || !b->amt || !b->num || !b->tot_text ||
        !b->tot_amt || !b->tot_num)
        b->nomem = 1;
}

/* The cutover date at midnight UTC, as the workbook's creation time. */
static time_t cutover_time(const json_t *doc)
{
    const char *s = tc_rdoc_str(doc, "cutover");   /* YYYY-MM-DD, checked */
    struct tm tm = {0};
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = atoi(s + 5) - 1;
    tm.tm_mday = atoi(s + 8);
    time_t t = timegm(&tm);
    return t > 0 ? t : 1;   /* 0 would mean "now" to libxlsxwriter */
}

static void sources(book *b, const json_t *doc)
{
    static const col cols[] = {
        {"统筹区 County", 14, C_TEXT}, {"名称 Name", 14, C_TEXT},
        {"来源摘要 Source digest", 74, C_TEXT}, {"控制合计 Controls", 14, C_TEXT},
        {"县级控制合计 Control totals from the county", 60, C_TEXT}};
    sheet s;
    sheet_new(b, &s, "数据来源 Sources", cols, 5, 2);
    size_t i, j;
    json_t *c, *x;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(tc_rdoc_arr(c, "sources"), j, x) {
            put_county(b, &s, 0, c);
            put_str(b, &s, 1, tc_rdoc_str(c, "name"));
            put_str(b, &s, 2, tc_rdoc_str(x, "source"));
            put_str(b, &s, 3, tc_rdoc_str(x, "controls"));
            put_controls(b, &s, 4, tc_rdoc_str(x, "controls"));
            s.row++;
        }
    }
    sheet_end(b, &s, 0);
    b->overflow |= s.overflow;
}

static int build(book *b, const json_t *doc, tc_err *e)
{
    lxw_doc_properties props = {
        .title = "基金移交对账报告 Reconciliation report",
        .subject = (char *)tc_rdoc_str(doc, "cutover"),
        .author = "tongchou " TC_VERSION,
        .comments = "Rendered from reconciliation.json; identity numbers are masked",
        .created = cutover_time(doc)};
    check(b, NULL, workbook_set_properties(b->wb, &props));
    formats(b);
    if (!failed(b)) {
        summary(b, doc);
        findings(b, doc);
        schedules(b, doc);
        bank(b, doc);
        items(b, doc);
        basis(b, doc);
        sources(b, doc);
    }
    if (b->overflow)
        return tc_fail(e, TC_EINPUT, "reconciliation document: a column total overflows");
    if (b->too_big) {
        char m[TC_MONEY_BUFSZ];
        tc_fail(e, TC_EINPUT, "reconciliation document: amount %s is too large for a "
                "spreadsheet to show to the fen", tc_money_format(b->too_big, m));
        return tc_err_hint(e, "a workbook shows amounts below 10000000000000.00 yuan exactly");
    }
    if (b->nomem)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (b->lerr != LXW_NO_ERROR)
        return tc_fail(e, TC_EIO, "cannot build the workbook: sheet '%s': %s", b->lerr_sheet,
                       lxw_strerror(b->lerr));
    return 0;
}

int tc_report_xlsx(const json_t *doc, const char *path, tc_err *e)
{
    int rc = tc_rdoc_check(doc, e);
    if (rc)
        return rc;
    /* The county sums overflow-checked once, before anything is written. */
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        tc_rdoc_sums x;
        if ((rc = tc_rdoc_county_sums(c, &x, e)))
            return rc;
    }
    tc_atomic *a;
    if ((rc = tc_atomic_open(&a, path, e)))
        return rc;
    book b = {0};
    b.lerr = LXW_NO_ERROR;
    b.wb = workbook_new(tc_atomic_temp_path(a));
    if (!b.wb) {
        tc_atomic_abort(a);
        return tc_fail(e, TC_EIO, "cannot start the workbook %s", path);
    }
    rc = build(&b, doc, e);
    /* workbook_close() writes the file, and frees the workbook either way. */
    lxw_error lrc = workbook_close(b.wb);
    if (rc == 0 && lrc != LXW_NO_ERROR)
        rc = tc_fail(e, TC_EIO, "cannot write %s: %s", path, lxw_strerror(lrc));
    if (rc) {
        tc_atomic_abort(a);
        return rc;
    }
    return tc_atomic_commit(a, e);
}
