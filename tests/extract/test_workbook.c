/*
 * test_workbook.c - finance-software workbooks (issue 22): 用友 and 金蝶
 * journal and balance-table exports, made here with libxlsxwriter.
 *
 * A small ledger (fund 01, January and February 2024, vouchers of two
 * lines each posting to the bank account 100201 and the income account
 * 4001) is written as the shipped profiles expect it: a merged title,
 * the header (over two rows with merged cells in the balance table),
 * 本月合计 / 本年累计 / 合计 subtotal rows, blank separator rows, dates as
 * serial numbers and as text, account codes as numbers and as text, in
 * shared strings (用友) and in inline strings (金蝶, libxlsxwriter's
 * constant-memory mode).  Each extracts to exactly the records it holds,
 * with the fen totals computed here; and the same ledger written as a
 * PostgreSQL COPY text unload gives byte-identical batch records.
 *
 * Bad input is refused with exit code 3 (TC_EINPUT) and the cell named:
 * a header that lacks a column, an empty account, an amount with three
 * decimals, a date that is none, a balance table that disagrees with the
 * journal, a workbook cut short, a deflate stream damaged, cells out of
 * order (a workbook zipped by hand here), an .xls.
 *
 * Balances are signed by the account's normal side, as every source signs
 * them ([workbook TABLE] credit): income 4001's credit balance is
 * positive, the bank's debit balance too.
 *
 * A balance table with a direction column (方向: 借 / 贷 / 平 beside one
 * amount, yonyou-direction.ini's {dir D A}) gives the same totals as the
 * 借方 / 贷方 layout; a direction that is none, or 平 with an amount, is
 * refused naming the cell.
 */
#include "tests/support/tctest.h"

#include <sys/stat.h>
#include <xlsxwriter.h>

#include "core/batch.h"
#include "core/money.h"
#include "extract/emit.h"
#include "extract/extract.h"
#include "extract/profile.h"
#include "extract/workbook.h"
#include "tests/support/batchcmp.h"

static const char *const TYPES[] = {"account", "bank_account", "balance", "voucher_line",
                                    "contribution", "subsidy", "payable", "bank_statement",
                                    "bank_entry", "personal_account"};

#define NV 12          /* vouchers a month */
#define YONYOU 0
#define KINGDEE 1
#define YONYOU_DIR 2   /* the 用友 ledger, balances with a direction column (profile() only) */

/* The ledger: voucher v of month m moves amount(m, v) from income to the bank. */
static tc_fen amount(int m, int v) { return (tc_fen)(m * 100000 + v * 1234 + (v % 3) * 5); }

/* Opening balances of January, fen, debit-positive. */
static const tc_fen OPEN_BANK = 5000000, OPEN_INCOME = -300000;

typedef struct opts {
    int vendor;
    const char *bad_amount;    /* written (as a number) instead of one debit, or NULL */
    const char *bad_date;      /* text instead of one date, or NULL */
    int empty_account;         /* leave one account cell empty */
    const char *debit_header;  /* instead of 借方 / 借方金额 */
    tc_fen balance_delta;      /* added to one 本期借方 of 202401 */
    int direction;             /* 用友 balances as 方向 and 金额 (yonyou-direction.ini), with
                                * a fourth account, 1001, balanced (平) */
    const char *bad_direction; /* instead of 4001's 期初余额 方向 of 202401 */
    double ping_amount;        /* 1001's 期初余额 金额 of 202401 (its 方向 平) */
} opts;

static char *yuan(tc_fen f, char *buf) { return tc_money_format(f, buf); }

static double dbl(tc_fen f) { return (double)f / 100.0; }   /* what the export writes */

static void journal(const char *path, const opts *o)
{
    lxw_workbook_options wo = {.constant_memory = o->vendor == KINGDEE};
    lxw_workbook *wb = workbook_new_opt(path, &wo);
    assert_non_null(wb);
    lxw_worksheet *ws = workbook_add_worksheet(wb, o->vendor == YONYOU ? "序时账" : "序时簿");
    lxw_format *df = workbook_add_format(wb);
    format_set_num_format(df, "yyyy-mm-dd");
    int r = 0;
    if (o->vendor == YONYOU) {
        worksheet_merge_range(ws, 0, 0, 0, 6, "序时账", NULL);
        worksheet_merge_range(ws, 1, 0, 1, 6, "核算单位：榆树市医疗保障局  期间：2024.01-2024.02",
                              NULL);
        r = 2;
    } else {
        worksheet_write_string(ws, 0, 0, "序时簿", NULL);
        r = 1;
    }
    const char *head[7] = {"日期", "凭证字号", "摘要", o->vendor == YONYOU ? "科目编码" : "科目代码",
                           "科目名称", o->vendor == YONYOU ? "借方" : "借方金额",
                           o->vendor == YONYOU ? "贷方" : "贷方金额"};
    if (o->debit_header)
        head[5] = o->debit_header;
    for (int c = 0; c < 7; c++)
        worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, head[c], NULL);
    r++;
    tc_fen year = 0;
    for (int m = 1; m <= 2; m++) {
        tc_fen month = 0;
        for (int v = 1; v <= NV; v++) {
            char pzh[32], zy[64], date[32];
            snprintf(pzh, sizeof(pzh), "记-%04d", v);
            snprintf(zy, sizeof(zy), "收到%d月第%d笔征缴收入", m, v);
            for (int l = 0; l < 2; l++, r++) {
                int day = (v % 28) + 1;
                if (m == 1 && o->vendor == YONYOU) {   /* a date cell: a serial number */
                    lxw_datetime dt = {2024, 1, day, 0, 0, 0};
                    worksheet_write_datetime(ws, (lxw_row_t)r, 0, &dt, df);
                } else {
                    if (o->vendor == YONYOU)
                        snprintf(date, sizeof(date), "2024/%02d/%02d", m, day);
                    else if (m == 1)
                        snprintf(date, sizeof(date), "2024/%d/%d", m, day);
                    else
                        snprintf(date, sizeof(date), "2024年%d月%d日", m, day);
                    if (o->bad_date && m == 2 && v == 3 && l == 1)
                        snprintf(date, sizeof(date), "%s", o->bad_date);
                    worksheet_write_string(ws, (lxw_row_t)r, 0, date, NULL);
                }
                worksheet_write_string(ws, (lxw_row_t)r, 1, pzh, NULL);
                worksheet_write_string(ws, (lxw_row_t)r, 2, zy, NULL);
                if (o->empty_account && m == 1 && v == 2 && l == 0) {
                    /* the account left out */
                } else if (l == 0) {
                    worksheet_write_string(ws, (lxw_row_t)r, 3, "100201", NULL);
                } else {
                    worksheet_write_number(ws, (lxw_row_t)r, 3, 4001, NULL);   /* a number */
                }
                worksheet_write_string(ws, (lxw_row_t)r, 4, l == 0 ? "银行存款-收入户" : "征缴收入",
                                       NULL);
                if (l == 0 && o->bad_amount && m == 1 && v == 5)
                    worksheet_write_number(ws, (lxw_row_t)r, 5, atof(o->bad_amount), NULL);
                else
                    worksheet_write_number(ws, (lxw_row_t)r, l == 0 ? 5 : 6, dbl(amount(m, v)),
                                           NULL);
            }
            month += amount(m, v);
        }
        year += month;
        /* the subtotal rows, then a blank row */
        worksheet_write_string(ws, (lxw_row_t)r, 2,
                               o->vendor == YONYOU ? "本月合计" : "本期合计", NULL);
        worksheet_write_number(ws, (lxw_row_t)r, 5, dbl(month), NULL);
        worksheet_write_number(ws, (lxw_row_t)r++, 6, dbl(month), NULL);
        worksheet_write_string(ws, (lxw_row_t)r, 2, "本年累计", NULL);
        worksheet_write_number(ws, (lxw_row_t)r, 5, dbl(year), NULL);
        worksheet_write_number(ws, (lxw_row_t)r++, 6, dbl(year), NULL);
        r++;
    }
    worksheet_write_string(ws, (lxw_row_t)r, 2, "合计", NULL);
    worksheet_write_number(ws, (lxw_row_t)r, 5, dbl(year), NULL);
    worksheet_write_number(ws, (lxw_row_t)r, 6, dbl(year), NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

/* Balances of month m: account, opening, debit, credit (fen, debit-positive). */
typedef struct bal { const char *code, *name; tc_fen open, d, c; } bal;

static int balances(int m, bal b[3])
{
    tc_fen turn[3] = {0, 0, 0};
    for (int mm = 1; mm <= m; mm++) {
        tc_fen t = 0;
        for (int v = 1; v <= NV; v++)
            t += amount(mm, v);
        turn[mm] = t;
    }
    tc_fen before = 0;
    for (int mm = 1; mm < m; mm++)
        before += turn[mm];
    b[0] = (bal){"1002", "银行存款", OPEN_BANK + before, turn[m], 0};
    b[1] = (bal){"100201", "银行存款-收入户", OPEN_BANK + before, turn[m], 0};
    b[2] = (bal){"4001", "征缴收入", OPEN_INCOME - before, 0, turn[m]};
    return 3;
}

/* A balance as the batch holds it: signed by its account's normal side,
 * so the debit-positive x of a liability, fund or income account (codes 2,
 * 3, 4: the shipped profiles' credit) negated. */
static tc_fen normal(const bal *b, tc_fen x)
{
    return strchr("234", b->code[0]) ? -x : x;
}

static void balance_table(const char *path, int m, const opts *o)
{
    lxw_workbook_options wo = {.constant_memory = o->vendor == KINGDEE};
    lxw_workbook *wb = workbook_new_opt(path, &wo);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "科目余额表");
    int h = o->vendor == YONYOU ? 2 : 3;   /* the header's first row, 0-based */
    int ncol = o->vendor == YONYOU ? 8 : 10;
    worksheet_merge_range(ws, 0, 0, 0, (lxw_col_t)(ncol - 1), "科目余额表", NULL);
    char per[64];
    snprintf(per, sizeof(per), "期间：2024年%d期", m);
    worksheet_write_string(ws, 1, 0, per, NULL);
    if (o->vendor == KINGDEE)
        worksheet_write_string(ws, 2, 0, "公司：榆树市医疗保障局", NULL);
    const char *code = o->vendor == YONYOU ? "科目编码" : "科目代码";
    worksheet_merge_range(ws, (lxw_row_t)h, 0, (lxw_row_t)h + 1, 0, code, NULL);
    worksheet_merge_range(ws, (lxw_row_t)h, 1, (lxw_row_t)h + 1, 1, "科目名称", NULL);
    const char *groups[4] = {"期初余额", o->vendor == YONYOU ? "本期发生" : "本期发生额",
                             o->vendor == YONYOU ? "期末余额" : "本年累计", "期末余额"};
    int ng = o->vendor == YONYOU ? 3 : 4;
    for (int g = 0; g < ng; g++)   /* row by row: constant-memory mode writes rows once */
        worksheet_merge_range(ws, (lxw_row_t)h, (lxw_col_t)(2 + 2 * g), (lxw_row_t)h,
                              (lxw_col_t)(3 + 2 * g), groups[g], NULL);
    for (int g = 0; g < ng; g++) {
        int dir = o->direction && g != 1;   /* 期初余额, 期末余额: 方向 and 金额 */
        worksheet_write_string(ws, (lxw_row_t)h + 1, (lxw_col_t)(2 + 2 * g), dir ? "方向" : "借方",
                               NULL);
        worksheet_write_string(ws, (lxw_row_t)h + 1, (lxw_col_t)(3 + 2 * g), dir ? "金额" : "贷方",
                               NULL);
    }
    bal b[4];
    int n = balances(m, b);
    if (o->direction)
        b[n++] = (bal){"1001", "库存现金", 0, 0, 0};
    int r = h + 2;
    tc_fen td = 0, tc = 0;
    for (int i = 0; i < n; i++, r++) {
        tc_fen d = b[i].d + (m == 1 && i == 1 ? o->balance_delta : 0);
        tc_fen close = b[i].open + b[i].d - b[i].c;
        worksheet_write_string(ws, (lxw_row_t)r, 0, b[i].code, NULL);
        worksheet_write_string(ws, (lxw_row_t)r, 1, b[i].name, NULL);
        if (o->direction) {   /* 方向 and 金额: the amount as the ledger shows it, unsigned */
            tc_fen v[2] = {b[i].open, close};
            for (int k = 0; k < 2; k++) {
                const char *fx = v[k] > 0 ? "借" : v[k] < 0 ? "贷" : "平";
                double je = dbl(v[k] < 0 ? -v[k] : v[k]);
                if (k == 0 && m == 1 && i == 2 && o->bad_direction)
                    fx = o->bad_direction;
                if (k == 0 && m == 1 && i == 3)
                    je = o->ping_amount;
                worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)(k ? 6 : 2), fx, NULL);
                worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)(k ? 7 : 3), je, NULL);
            }
            if (d)
                worksheet_write_number(ws, (lxw_row_t)r, 4, dbl(d), NULL);
            if (b[i].c)
                worksheet_write_number(ws, (lxw_row_t)r, 5, dbl(b[i].c), NULL);
            if (i && i < 3)
                td += b[i].d, tc += b[i].c;
            continue;
        }
        if (b[i].open >= 0)
            worksheet_write_number(ws, (lxw_row_t)r, 2, dbl(b[i].open), NULL);
        else
            worksheet_write_number(ws, (lxw_row_t)r, 3, dbl(-b[i].open), NULL);
        if (d)
            worksheet_write_number(ws, (lxw_row_t)r, 4, dbl(d), NULL);
        if (b[i].c)
            worksheet_write_number(ws, (lxw_row_t)r, 5, dbl(b[i].c), NULL);
        int cc = o->vendor == YONYOU ? 6 : 8;
        if (o->vendor == KINGDEE) {   /* 本年累计: not read */
            worksheet_write_number(ws, (lxw_row_t)r, 6, 1.0, NULL);
            worksheet_write_number(ws, (lxw_row_t)r, 7, 2.0, NULL);
        }
        worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)(close >= 0 ? cc : cc + 1),
                               dbl(close >= 0 ? close : -close), NULL);
        if (i)
            td += b[i].d, tc += b[i].c;
    }
    r++;   /* a blank row, then the total */
    if (o->vendor == YONYOU)
        worksheet_write_string(ws, (lxw_row_t)r, 1, "合计", NULL);
    else
        worksheet_write_string(ws, (lxw_row_t)r, 0, "合计", NULL);
    worksheet_write_number(ws, (lxw_row_t)r, 4, dbl(td), NULL);
    worksheet_write_number(ws, (lxw_row_t)r, 5, dbl(tc), NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

/* A county folder (work/220182) holding the ledger. */
static char *ledger(const char *work, const opts *o)
{
    static char dir[1024];
    snprintf(dir, sizeof(dir), "%s/220182", work);
    mkdir(dir, 0700);
    char p[1200];
    snprintf(p, sizeof(p), "%s/序时账_01.xlsx", dir);
    journal(p, o);
    for (int m = 1; m <= 2; m++) {
        snprintf(p, sizeof(p), "%s/科目余额表_01_20240%d.xlsx", dir, m);
        balance_table(p, m, o);
    }
    return dir;
}

static char *profile(int vendor, char *buf, size_t n)
{
    snprintf(buf, n, "%s/extract/profiles/%s.ini", TC_TEST_SOURCE_DIR,
             vendor == YONYOU ? "yonyou" : vendor == YONYOU_DIR ? "yonyou-direction" : "kingdee");
    return buf;
}

static int extract(const char *src, const char *prof, const char *out, tc_extract_result *r,
                   tc_err *e)
{
    mkdir(out, 0700);
    tc_extract_opts o = {.outdir = out, .profile = prof};
    tc_err_clear(e);
    return tc_extract_source(src, &o, r, e);
}

static void summary(const char *out, const char *type, tc_batch_header *h, tc_batch_summary *s)
{
    char p[1300];
    tc_emit_batch_path(p, sizeof(p), out, "220182", type);
    tc_err e;
    if (tc_batch_verify(p, h, s, &e))
        fail_msg("%s: %s", type, e.msg);
}

static int col(const tc_batch_header *h, const char *name)
{
    for (int i = 0; i < h->ncols; i++)
        if (strcmp(h->cols[i].name, name) == 0)
            return i;
    fail_msg("no column %s", name);
    return -1;
}

/* ------------------------------------------------------------ the good */

static void good(void **state, int vendor)
{
    const char *work = *state;
    opts o = {.vendor = vendor};
    char *dir = ledger(work, &o), prof[1024], out[1200];
    snprintf(out, sizeof(out), "%s/out%d", work, vendor);
    tc_extract_result r;
    tc_err e;
    if (extract(dir, profile(vendor, prof, sizeof(prof)), out, &r, &e)) {
        char b[2048];
        fail_msg("%s", tc_err_format(&e, b, sizeof(b)));
    }
    assert_int_equal(r.kind, TC_SRC_WORKBOOK);
    assert_string_equal(r.county, "220182");
    assert_int_equal(r.counted, 0);
    /* exactly the records: 2 lines x NV vouchers x 2 months; 3 accounts x 2 periods */
    for (int t = 0; t < 10; t++)
        assert_int_equal(r.records[t], t == 3 ? 2 * NV * 2 : t == 2 ? 6 : 0);
    tc_batch_header h;
    tc_batch_summary s;
    summary(out, "voucher_line", &h, &s);
    assert_int_equal(h.controls, TC_CONTROLS_NONE);
    tc_fen turn = 0;
    for (int m = 1; m <= 2; m++)
        for (int v = 1; v <= NV; v++)
            turn += amount(m, v);
    assert_int_equal(s.totals[col(&h, "debit")], turn);
    assert_int_equal(s.totals[col(&h, "credit")], turn);
    summary(out, "balance", &h, &s);
    bal b[3];
    tc_fen open = 0, d = 0, c = 0, close = 0;
    for (int m = 1; m <= 2; m++) {
        balances(m, b);
        for (int i = 0; i < 3; i++)
            open += normal(&b[i], b[i].open), d += b[i].d, c += b[i].c,
                close += normal(&b[i], b[i].open + b[i].d - b[i].c);
    }
    /* 4001 income is credit-normal: its opening reads +3,000.00 and more */
    assert_int_equal(normal(&b[2], OPEN_INCOME), 300000);
    assert_int_equal(s.totals[col(&h, "opening")], open);
    assert_int_equal(s.totals[col(&h, "debit")], d);
    assert_int_equal(s.totals[col(&h, "credit")], c);
    assert_int_equal(s.totals[col(&h, "closing")], close);
}

static void test_yonyou(void **state) { good(state, YONYOU); }
static void test_kingdee(void **state) { good(state, KINGDEE); }

static void put(const char *dir, const char *name, const char *text)
{
    char p[1200];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    assert_int_equal(tctest_spit(p, text, strlen(text)), 0);
}

/* The same ledger as a PostgreSQL COPY text unload of the YB2008 tables:
 * the records must be the workbook's, byte for byte. */
static void test_same_as_unload(void **state)
{
    const char *work = *state;
    opts o = {.vendor = YONYOU};
    char *dir = ledger(work, &o), prof[1024], out[1200], unl[1200], uout[1200], up[1200];
    snprintf(out, sizeof(out), "%s/outw", work);
    snprintf(unl, sizeof(unl), "%s/unl", work);
    snprintf(uout, sizeof(uout), "%s/outu", work);
    mkdir(unl, 0700);
    tc_extract_result r;
    tc_err e;
    char b[2048];
    if (extract(dir, profile(YONYOU, prof, sizeof(prof)), out, &r, &e))
        fail_msg("%s", tc_err_format(&e, b, sizeof(b)));
    /* the unload */
    size_t cap = 1 << 16;
    char *pz = calloc(1, cap), *mx = calloc(1, cap), *ye = calloc(1, cap);
    size_t npz = 0, nmx = 0, nye = 0;
    char a1[TC_MONEY_BUFSZ], a2[TC_MONEY_BUFSZ], a3[TC_MONEY_BUFSZ], a4[TC_MONEY_BUFSZ];
    for (int m = 1; m <= 2; m++)
        for (int v = 1; v <= NV; v++) {
            char id[64];
            snprintf(id, sizeof(id), "01-20240%d-记-%04d", m, v);
            npz += (size_t)snprintf(pz + npz, cap - npz, "%s\t2024-%02d-%02d\t01\t收到%d月第%d笔征缴收入\n",
                                    id, m, (v % 28) + 1, m, v);
            nmx += (size_t)snprintf(mx + nmx, cap - nmx,
                                    "%s\t1\t100201\t%s\t0.00\t\t收到%d月第%d笔征缴收入\n"
                                    "%s\t2\t4001\t0.00\t%s\t\t收到%d月第%d笔征缴收入\n",
                                    id, yuan(amount(m, v), a1), m, v, id, yuan(amount(m, v), a2),
                                    m, v);
        }
    for (int m = 1; m <= 2; m++) {
        bal bb[3];
        balances(m, bb);
        for (int i = 0; i < 3; i++)
            nye += (size_t)snprintf(ye + nye, cap - nye, "01\t%s\t20240%d\t%s\t%s\t%s\t%s\n",
                                    bb[i].code, m, yuan(normal(&bb[i], bb[i].open), a1),
                                    yuan(bb[i].d, a2), yuan(bb[i].c, a3),
                                    yuan(normal(&bb[i], bb[i].open + bb[i].d - bb[i].c), a4));
    }
    put(unl, "xt_dw.txt", "220182\t榆树\t\\N\n");
    put(unl, "kj_pz.txt", pz);
    put(unl, "kj_pzmx.txt", mx);
    put(unl, "kj_kmye.txt", ye);
    const char *empty[] = {"kj_km", "zj_jfmx", "cz_bz", "yy_jsqf", "yh_zh", "yh_dzd", "gr_zh"};
    for (int i = 0; i < 7; i++) {
        char n[64];
        snprintf(n, sizeof(n), "%s.txt", empty[i]);
        put(unl, n, "");
    }
    free(pz), free(mx), free(ye);
    snprintf(up, sizeof(up), "%s/copy.ini", work);
    char text[1400];
    snprintf(text, sizeof(text), "[profile]\ninclude = %s/extract/profiles/yb2008-copy-text.ini\n"
             "[unload]\ncheck = none\n", TC_TEST_SOURCE_DIR);
    assert_int_equal(tctest_spit(up, text, strlen(text)), 0);
    if (extract(unl, up, uout, &r, &e))
        fail_msg("%s", tc_err_format(&e, b, sizeof(b)));
    for (int t = 0; t < 10; t++) {
        tc_controls ca, cb;
        tctest_same_batch(out, uout, "220182", TYPES[t], &ca, &cb);
        assert_int_equal(ca, cb);
    }
}

/* ------------------------------------------------------------- the bad */

/* Extraction of dir refused with TC_EINPUT, its message holding each of want. */
static void refused(const char *work, const char *dir, int vendor, const char *const *want)
{
    char prof[1024], out[1200], b[2048];
    snprintf(out, sizeof(out), "%s/bad", work);
    tc_extract_result r;
    tc_err e;
    int rc = extract(dir, profile(vendor, prof, sizeof(prof)), out, &r, &e);
    tc_err_format(&e, b, sizeof(b));
    if (rc != TC_EINPUT)
        fail_msg("expected a refusal (exit 3), got %d: %s", rc, b);
    assert_int_equal(tc_exit_code(rc), 3);
    for (; *want; want++)
        if (!strstr(b, *want))
            fail_msg("'%s' is not in: %s", *want, b);
    assert_int_equal(tctest_count_files(out), 0);   /* nothing of the source left */
}

/* Row r (1-based) of the journal of the yonyou layout holding voucher v
 * of month m, line l (0 or 1). */
static int jrow(int m, int v, int l) { return 3 + (m - 1) * (2 * NV + 3) + (v - 1) * 2 + l + 1; }

static void test_bad_cells(void **state)
{
    const char *work = *state;
    char cell[64];
    {
        opts o = {.vendor = YONYOU, .debit_header = "借方金额"};
        refused(work, ledger(work, &o), YONYOU,
                (const char *[]){"序时账!row 3", "no column is headed '借方'", "借方金额", NULL});
    }
    {
        opts o = {.vendor = YONYOU, .empty_account = 1};
        snprintf(cell, sizeof(cell), "序时账!D%d", jrow(1, 2, 0));
        refused(work, ledger(work, &o), YONYOU,
                (const char *[]){cell, "column kmbm is empty", NULL});
    }
    {
        opts o = {.vendor = YONYOU, .bad_amount = "12.345"};
        snprintf(cell, sizeof(cell), "序时账_01.xlsx: 序时账!F%d", jrow(1, 5, 0));
        refused(work, ledger(work, &o), YONYOU,
                (const char *[]){cell, "amount 12.345 has three decimals", "never rounded",
                                 NULL});
    }
    {
        opts o = {.vendor = YONYOU, .bad_date = "2024/02/30"};
        snprintf(cell, sizeof(cell), "序时账!A%d", jrow(2, 3, 1));
        refused(work, ledger(work, &o), YONYOU,
                (const char *[]){cell, "'2024/02/30' is not a date", NULL});
    }
    {
        opts o = {.vendor = KINGDEE, .bad_date = "5 Feb 2024"};
        snprintf(cell, sizeof(cell), "序时簿!A%d", jrow(2, 3, 1) - 1);
        refused(work, ledger(work, &o), KINGDEE,
                (const char *[]){cell, "'5 Feb 2024' is not a date", NULL});
    }
    {
        opts o = {.vendor = YONYOU, .balance_delta = 1};
        bal b[3];
        balances(1, b);
        char j[TC_MONEY_BUFSZ], t[TC_MONEY_BUFSZ], msg[300];
        snprintf(msg, sizeof(msg), "the journal's debit turnover is %s yuan, the balance "
                 "table's 本期借方 %s", yuan(b[1].d, j), yuan(b[1].d + 1, t));
        refused(work, ledger(work, &o), YONYOU,
                (const char *[]){"cross-check: fund 01 account 100201 period 202401", msg,
                                 "科目余额表_01_202401.xlsx: 科目余额表!row 6", NULL});
    }
}

/* The central directory entry's local offset of name in the zip at p. */
static long entry_data(const unsigned char *z, size_t n, const char *name)
{
    size_t k = strlen(name);
    for (size_t i = 0; i + 30 + k < n; i++)
        if (memcmp(z + i, "PK\3\4", 4) == 0 && (size_t)(z[i + 26] | z[i + 27] << 8) == k &&
            memcmp(z + i + 30, name, k) == 0)
            return (long)(i + 30 + k + (size_t)(z[i + 28] | z[i + 29] << 8));
    return -1;
}

static void test_bad_container(void **state)
{
    const char *work = *state;
    opts o = {.vendor = YONYOU};
    char *dir = ledger(work, &o), p[1200];
    snprintf(p, sizeof(p), "%s/序时账_01.xlsx", dir);
    size_t n;
    unsigned char *z = tctest_slurp(p, &n);
    /* cut short: half the file */
    assert_int_equal(tctest_spit(p, z, n / 2), 0);
    refused(work, dir, YONYOU,
            (const char *[]){"序时账_01.xlsx", "no end of central directory", "cut short", NULL});
    /* a damaged deflate stream in the sheet */
    long d = entry_data(z, n, "xl/worksheets/sheet1.xml");
    assert_true(d > 0);
    unsigned char *bad = malloc(n);
    memcpy(bad, z, n);
    for (int i = 0; i < 64; i++)
        bad[d + 200 + i] ^= 0x5A;
    assert_int_equal(tctest_spit(p, bad, n), 0);
    refused(work, dir, YONYOU, (const char *[]){"序时账_01.xlsx", "xl/worksheets/sheet1.xml",
                                                 "damaged", NULL});
    /* an Excel 97-2003 file */
    memcpy(bad, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    memset(bad + n - 200, 0, 200);
    assert_int_equal(tctest_spit(p, bad, n), 0);
    refused(work, dir, YONYOU, (const char *[]){".xls", "save it as .xlsx", NULL});
    assert_int_equal(tctest_spit(p, z, n), 0);
    free(bad);
    free(z);
}

/* ------------------------------------------------- a workbook by hand */

static void le16(FILE *f, unsigned v) { fputc(v & 255, f), fputc(v >> 8 & 255, f); }
static void le32(FILE *f, uint32_t v) { le16(f, v & 0xFFFF), le16(f, v >> 16); }

/* A zip of stored entries. */
static void write_zip(const char *path, const char *const *names, const char *const *data, int n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    long off[16];
    for (int i = 0; i < n; i++) {
        off[i] = ftell(f);
        uint32_t crc = (uint32_t)crc32(0, (const unsigned char *)data[i], (unsigned)strlen(data[i]));
        le32(f, 0x04034b50), le16(f, 20), le16(f, 0), le16(f, 0), le16(f, 0), le16(f, 0);
        le32(f, crc), le32(f, (uint32_t)strlen(data[i])), le32(f, (uint32_t)strlen(data[i]));
        le16(f, (unsigned)strlen(names[i])), le16(f, 0);
        fputs(names[i], f), fputs(data[i], f);
    }
    long cd = ftell(f);
    for (int i = 0; i < n; i++) {
        uint32_t crc = (uint32_t)crc32(0, (const unsigned char *)data[i], (unsigned)strlen(data[i]));
        le32(f, 0x02014b50), le16(f, 20), le16(f, 20), le16(f, 0), le16(f, 0), le16(f, 0);
        le16(f, 0), le32(f, crc), le32(f, (uint32_t)strlen(data[i]));
        le32(f, (uint32_t)strlen(data[i])), le16(f, (unsigned)strlen(names[i])), le16(f, 0);
        le16(f, 0), le16(f, 0), le16(f, 0), le32(f, 0), le32(f, (uint32_t)off[i]);
        fputs(names[i], f);
    }
    long end = ftell(f);
    le32(f, 0x06054b50), le16(f, 0), le16(f, 0), le16(f, (unsigned)n), le16(f, (unsigned)n);
    le32(f, (uint32_t)(end - cd)), le32(f, (uint32_t)cd), le16(f, 0);
    fclose(f);
}

static const char *const PARTS[] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                    "xl/worksheets/sheet1.xml"};
static const char *const WB =
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"序时账\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char *const RELS =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>";

static void test_cells_out_of_order(void **state)
{
    const char *work = *state;
    opts o = {.vendor = YONYOU};
    char *dir = ledger(work, &o), p[1200];
    snprintf(p, sizeof(p), "%s/序时账_01.xlsx", dir);
    /* the header, one good row in inline strings, then F5 before C5 */
    const char *sheet =
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<sheetData><row r=\"3\">"
        "<c r=\"A3\" t=\"inlineStr\"><is><t>日期</t></is></c>"
        "<c r=\"B3\" t=\"inlineStr\"><is><t>凭证字号</t></is></c>"
        "<c r=\"C3\" t=\"inlineStr\"><is><t>摘要</t></is></c>"
        "<c r=\"D3\" t=\"inlineStr\"><is><t>科目编码</t></is></c>"
        "<c r=\"F3\" t=\"inlineStr\"><is><t>借方</t></is></c>"
        "<c r=\"G3\" t=\"inlineStr\"><is><t>贷方</t></is></c></row>"
        "<row r=\"4\"><c r=\"A4\"><v>45292</v></c><c r=\"B4\" t=\"inlineStr\"><is><t>记-1</t>"
        "</is></c><c r=\"D4\"><v>100201</v></c><c r=\"F4\"><v>1.5</v></c></row>"
        "<row r=\"5\"><c r=\"A5\"><v>45292</v></c><c r=\"F5\"><v>1</v></c>"
        "<c r=\"C5\" t=\"inlineStr\"><is><t>x</t></is></c></row>"
        "</sheetData></worksheet>";
    const char *data[] = {WB, RELS, sheet};
    write_zip(p, PARTS, data, 3);
    refused(work, dir, YONYOU, (const char *[]){"序时账_01.xlsx: 序时账!C5", "the cells go back",
                                                 NULL});
    /* rows going back */
    const char *rows =
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<sheetData><row r=\"7\"><c r=\"H7\" s=\"1\"/></row>"
        "<row r=\"6\"><c r=\"A6\"><v>1</v></c></row></sheetData></worksheet>";
    const char *data2[] = {WB, RELS, rows};
    write_zip(p, PARTS, data2, 3);
    refused(work, dir, YONYOU, (const char *[]){"序时账!row 6", "the rows go back", NULL});
}

/* A balance table with a direction column (yonyou-direction.ini): 借 gives
 * the amount, 贷 its negative, 平 0; other text, or 平 with an amount, is
 * refused naming the cell. */
static void test_direction(void **state)
{
    const char *work = *state;
    opts o = {.vendor = YONYOU, .direction = 1};
    char *dir = ledger(work, &o), prof[1024], out[1200], b[2048];
    snprintf(out, sizeof(out), "%s/outd", work);
    tc_extract_result r;
    tc_err e;
    if (extract(dir, profile(YONYOU_DIR, prof, sizeof(prof)), out, &r, &e))
        fail_msg("%s", tc_err_format(&e, b, sizeof(b)));
    assert_int_equal(r.records[2], 8);   /* 4 accounts x 2 periods */
    tc_batch_header h;
    tc_batch_summary s;
    summary(out, "balance", &h, &s);
    bal bb[3];
    tc_fen open = 0, d = 0, c = 0, close = 0;
    for (int m = 1; m <= 2; m++) {
        balances(m, bb);
        for (int i = 0; i < 3; i++)
            open += normal(&bb[i], bb[i].open), d += bb[i].d, c += bb[i].c,
                close += normal(&bb[i], bb[i].open + bb[i].d - bb[i].c);
    }
    /* 4001 opens in credit (贷), its normal side: +3,000.00 is in the sum */
    assert_true(OPEN_INCOME < 0);
    assert_int_equal(s.totals[col(&h, "opening")], open);
    assert_int_equal(s.totals[col(&h, "debit")], d);
    assert_int_equal(s.totals[col(&h, "credit")], c);
    assert_int_equal(s.totals[col(&h, "closing")], close);
    /* the totals the 借方 / 贷方 layout of the same ledger gives */
    tc_batch_header h2;
    tc_batch_summary s2;
    opts o2 = {.vendor = YONYOU};
    char out2[1200];
    snprintf(out2, sizeof(out2), "%s/outd2", work);
    dir = ledger(work, &o2);
    if (extract(dir, profile(YONYOU, prof, sizeof(prof)), out2, &r, &e))
        fail_msg("%s", tc_err_format(&e, b, sizeof(b)));
    summary(out2, "balance", &h2, &s2);
    assert_int_equal(s2.totals[col(&h2, "opening")], open);
    assert_int_equal(s2.totals[col(&h2, "closing")], close);

    /* a direction that is none: 4001's opening 方向 of 202401, row 7 column C */
    opts bad = {.vendor = YONYOU, .direction = 1, .bad_direction = "借方"};
    refused(work, ledger(work, &bad), YONYOU_DIR,
            (const char *[]){"科目余额表_01_202401.xlsx: 科目余额表!C7", "column qc",
                             "the direction '借方' (column qcfx) is none of 借, 贷, 平", NULL});
    bad.bad_direction = "";
    refused(work, ledger(work, &bad), YONYOU_DIR,
            (const char *[]){"科目余额表_01_202401.xlsx: 科目余额表!C7", "column qcfx is empty",
                             NULL});
    /* 平 with an amount: 1001's opening 金额 of 202401, row 8 column D */
    opts ping = {.vendor = YONYOU, .direction = 1, .ping_amount = 12.34};
    refused(work, ledger(work, &ping), YONYOU_DIR,
            (const char *[]){"科目余额表_01_202401.xlsx: 科目余额表!D8",
                             "the direction is 平 (balanced), and column qcje holds 12.34 yuan, "
                             "not 0", NULL});
}

/* Numbers as Excel writes them in <v>, read as exact yuan. */
static void test_amounts(void **state)
{
    (void)state;
    static const char *const ok[][2] = {
        {"1234.5", "1234.50"}, {"1234.56", "1234.56"}, {"0.05", "0.05"}, {"-0.5", "-0.50"},
        {"100", "100.00"}, {"1E3", "1000.00"}, {"1.5E-1", "0.15"}, {"0", "0"},
        /* binary64 artefacts of arithmetic: more than 15 significant digits */
        {"1234.5600000000001", "1234.56"}, {"0.30000000000000004", "0.30"},
        {"99.989999999999995", "99.99"}, {"-12.340000000000002", "-12.34"},
    };
    static const char *const bad[] = {"12.345", "1234.5649999999999", "0.001", "1E-3", "abc",
                                      "1.2.3", "", "-", "1e", "1234567890123456", "12.3456"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char out[40];
        tc_err e;
        if (tc_workbook_yuan(ok[i][0], strlen(ok[i][0]), out, &e))
            fail_msg("%s refused: %s", ok[i][0], e.msg);
        assert_string_equal(out, ok[i][1]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char out[40];
        tc_err e;
        tc_err_clear(&e);
        if (tc_workbook_yuan(bad[i], strlen(bad[i]), out, &e) != TC_EINPUT)
            fail_msg("%s read as %s", bad[i], out);
    }
}

/* The profile's [workbook] sections: each mistake refused with its line. */
static int load(const char *work, const char *text, tc_err *e)
{
    char p[1200];
    snprintf(p, sizeof(p), "%s/p.ini", work);
    char full[4096];
    snprintf(full, sizeof(full),
             "[county]\ntable = workbook\ncode = county\n[workbook]\n%s\n"
             "[balance]\ntable = b\nfund = '01'\naccount = a\nperiod = p yyyymm\n"
             "opening = o yuan\ndebit = d yuan\ncredit = c yuan\nclosing = o yuan\n", text);
    assert_int_equal(tctest_spit(p, full, strlen(full)), 0);
    tc_profile *prof = NULL;
    tc_err_clear(e);
    int rc = tc_profile_load(&prof, p, e);
    tc_profile_free(prof);
    return rc;
}

static void test_profile(void **state)
{
    const char *work = *state;
    tc_err e;
    const char *good = "[workbook b]\nfile = x.xlsx\nheader = 1\na = A\np = $C\no = {a}\nd = D\n"
                       "c = E\n";
    if (load(work, good, &e))
        fail_msg("%s", e.msg);
    static const char *const bad[][2] = {
        {"colour = blue\n", "unknown key 'colour' in [workbook]"},
        {"county = 2201\n", "bad county '2201'"},
        {"dates = DD.MM.YY\n", "bad date format"},
        {"[workbook b]\nfile = x.xlsx\nheader = 0\n", "bad header '0'"},
        {"[workbook b]\nfile = x.xlsx\nheader = 2-9\n", "bad header '2-9'"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\na = $AAAA\n", "bad column letter"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\na = {zz}\n", "{zz} names no column"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\na = A\na = B\n", "defines column a twice"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\nblank = q\n", "blank names column 'q'"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\na = A\n", "reads column p, which [workbook b]"},
        {"[workbook c]\nfile = x.xlsx\nheader = 1\n", "no [workbook b] section"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\na = A\np = B\no = C\nd = D\nc = E\n"
         "subtotal = zz: 合计\n", "subtotal names column zz"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\nf = F\nj = G\na = {dir f}\n",
         "{dir DIRECTION AMOUNT} names two columns"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\nf = F\nj = G\na = {dir f zz}\n",
         "{dir f zz} names a column not defined above"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\na = A\np = B\no = C\nd = D\nc = E\n"
         "credit = a 2, 3\n", "bad credit 'a 2, 3'"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\na = A\np = B\no = C\nd = D\nc = E\n"
         "credit = a: 2,,3\n", "bad credit prefixes"},
        {"[workbook b]\nfile = x.xlsx\nheader = 1\na = A\np = B\no = C\nd = D\nc = E\n"
         "credit = zz: 2\n", "credit names column zz, which is not"},
        /* the account column must be read before a template signs by it */
        {"[workbook b]\nfile = x.xlsx\nheader = 1\na = A\np = B\no = {a}\nd = D\nc = E\n"
         "credit = d: 2\n", "credit names column d, which is not"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (load(work, bad[i][0], &e) != TC_EINPUT || !strstr(e.msg, bad[i][1]))
            fail_msg("'%s': wanted '%s', got '%s'", bad[i][0], bad[i][1], e.msg);
        assert_true(e.line > 0);
    }
    /* the shipped profiles load */
    char prof[1024];
    tc_profile *p = NULL;
    for (int v = 0; v < 3; v++) {
        if (tc_profile_load(&p, profile(v, prof, sizeof(prof)), &e))
            fail_msg("%s: %s", prof, e.msg);
        assert_true(tc_workbook_profile(p));
        tc_profile_free(p);
    }
}

static int setup(void **state)
{
    *state = tctest_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    tctest_rmtree(*state);
    free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_amounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yonyou, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kingdee, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_as_unload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_cells, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_container, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cells_out_of_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_direction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
