/*
 * gen_workbook.c - a legacy county's ledger as its finance software
 * exports it (--legacy-as yonyou,kingdee): per fund (account set, 账套) the
 * journal (序时账, 金蝶's 序时簿) and per fund and period the account
 * balance table (科目余额表), as extract/profiles/yonyou.ini and
 * kingdee.ini read them, written with libxlsxwriter from the county's
 * kj_pz, kj_pzmx, kj_km and kj_kmye before the database goes:
 *
 *   legacy/VENDOR/CODE/序时账_FUND.xlsx
 *   legacy/VENDOR/CODE/科目余额表_FUND_YYYYMM.xlsx
 *   legacy/VENDOR/CODE.ini        the county's profile
 *
 * Title rows, the header (over two rows, merged, in the balance tables),
 * 本月合计 / 本期合计 and 本年累计 rows after each month and 合计 at the
 * end, as the vendors write them.  Balances stand in the 借方 or 贷方
 * column by their direction, positive, as both vendors show them.
 *
 * The database keeps three things the vendors' standard columns do not:
 * the bank reference of a line (kj_pzmx.yhlsh), the voucher's own number
 * (kj_pz.pzh, numbered per month across the funds), and the line memo
 * apart from the voucher's (kj_pzmx.zy, empty in the example city: 摘要
 * shows the voucher's, as the journal does).  The journal carries the
 * first two in columns a real export can carry - 用友's 票号 and 外部凭证号,
 * 金蝶's 结算号 and 参考信息 - and the county's profile (a copy of the
 * shipped one) maps them, and the line memo to the empty text.
 *
 * The ledger is small (the large tables never pass here): one fund's rows
 * are read at a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xlsxwriter.h>

#include "core/atomic.h"
#include "core/money.h"
#include "generate/gen_legacy.h"

typedef struct vendor {
    const char *dir;          /* yonyou, kingdee */
    const char *journal_sheet;
    const char *head[9];      /* 日期 凭证字号 摘要 科目 科目名称 借方 贷方, ref, voucher id */
    const char *month_total;  /* 本月合计 / 本期合计 */
    const char *turnover;     /* 本期发生 / 本期发生额 */
    int kingdee;
} vendor;

static const vendor YONYOU = {"yonyou", "序时账",
                              {"日期", "凭证字号", "摘要", "科目编码", "科目名称", "借方", "贷方",
                               "票号", "外部凭证号"},
                              "本月合计", "本期发生", 0};
static const vendor KINGDEE = {"kingdee", "序时簿",
                               {"日期", "凭证字号", "摘要", "科目代码", "科目名称", "借方金额",
                                "贷方金额", "结算号", "参考信息"},
                               "本期合计", "本期发生额", 1};

/* fen from a numeric(16,2) the server printed */
static int64_t fen_of(const char *s)
{
    tc_fen f = 0;
    tc_err e;
    if (tc_money_parse_yuan(s, strlen(s), &f, &e))
        return 0;
    return f;
}

/* An amount cell: the number as the export writes it; 0 left blank. */
static void amount(lxw_worksheet *ws, int r, int c, int64_t fen, lxw_format *fmt)
{
    if (fen)
        worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, (double)fen / 100.0, fmt);
}

/* The time the workbooks say they were made: the cutover day, 18:00 UTC
 * (as the custom-format dump's), so that the same options give the same
 * bytes. */
static time_t made;

static lxw_workbook *book_open(tc_atomic **a, const char *path, const vendor *v, tc_err *e)
{
    if (tc_atomic_open(a, path, e))
        return NULL;
    /* 金蝶's exports: inline strings (libxlsxwriter's constant-memory mode) */
    lxw_workbook_options wo = {.constant_memory = v->kingdee};
    lxw_workbook *wb = workbook_new_opt(tc_atomic_temp_path(*a), &wo);
    if (!wb) {
        tc_atomic_abort(*a);
        tc_fail(e, TC_EIO, "cannot start the workbook %s", path);
        return NULL;
    }
    lxw_doc_properties props = {.created = made};
    workbook_set_properties(wb, &props);
    return wb;
}

static int book_close(lxw_workbook *wb, tc_atomic *a, const char *path, tc_err *e)
{
    lxw_error l = workbook_close(wb);
    if (l != LXW_NO_ERROR) {
        tc_atomic_abort(a);
        return tc_fail(e, TC_EIO, "cannot write %s: %s", path, lxw_strerror(l));
    }
    return tc_atomic_commit_nodir(a, e);
}

/* The journal of fund: vouchers in number order, lines in theirs. */
static int journal(PGconn *conn, const gen_county *c, const vendor *v, const char *folder,
                   const char *fund, tc_err *e)
{
    const char *params[1] = {fund};
    PGresult *r = PQexecParams(conn,
        "SELECT p.pzh, p.rq, p.zy, m.kmdm, coalesce(k.kmmc, ''), m.jfje, m.dfje, "
        "coalesce(m.yhlsh, ''), to_char(p.rq, 'YYYYMM'), to_char(p.rq, 'YYYY.MM') "
        "FROM kj_pz p JOIN kj_pzmx m ON m.pzh = p.pzh LEFT JOIN kj_km k ON k.kmdm = m.kmdm "
        "WHERE p.xzlx = $1 ORDER BY p.pzh, m.hh", 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = tc_fail(e, TC_EDB, "cannot read the journal of fund %s: %s", fund,
                         PQerrorMessage(conn));
        PQclear(r);
        return rc;
    }
    char path[1300];
    snprintf(path, sizeof(path), "%s/序时账_%s.xlsx", folder, fund);
    tc_atomic *a;
    lxw_workbook *wb = book_open(&a, path, v, e);
    if (!wb) {
        PQclear(r);
        return e->code;
    }
    lxw_worksheet *ws = workbook_add_worksheet(wb, v->journal_sheet);
    lxw_format *df = workbook_add_format(wb);
    format_set_num_format(df, "yyyy-mm-dd");
    lxw_format *mf = workbook_add_format(wb);
    format_set_num_format(mf, "#,##0.00");
    int n = PQntuples(r), row = 0;
    char unit[256];
    snprintf(unit, sizeof(unit), "核算单位：%s医疗保障局  账套：%s  期间：%s-%s", c->name, fund,
             n ? PQgetvalue(r, 0, 9) : "", n ? PQgetvalue(r, n - 1, 9) : "");
    if (!v->kingdee) {
        worksheet_merge_range(ws, 0, 0, 0, 8, "序时账", NULL);
        worksheet_merge_range(ws, 1, 0, 1, 8, unit, NULL);
        row = 2;
    } else {
        worksheet_write_string(ws, 0, 0, "序时簿", NULL);
        row = 1;
    }
    for (int k = 0; k < 9; k++)
        worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)k, v->head[k], NULL);
    row++;
    int64_t md = 0, mc = 0, yd = 0, yc = 0;
    for (int i = 0; i < n; i++) {
        const char *pzh = PQgetvalue(r, i, 0), *rq = PQgetvalue(r, i, 1);
        int y, mo, d;
        sscanf(rq, "%d-%d-%d", &y, &mo, &d);
        if (!v->kingdee) {
            lxw_datetime dt = {y, mo, d, 0, 0, 0};
            worksheet_write_datetime(ws, (lxw_row_t)row, 0, &dt, df);
        } else {
            worksheet_write_string(ws, (lxw_row_t)row, 0, rq, NULL);   /* 金蝶: text */
        }
        /* 凭证字号: the type 记 and the number within the month */
        const char *num = strrchr(pzh, '-');
        char zh[32];
        snprintf(zh, sizeof(zh), "记-%s", num ? num + 1 : pzh);
        worksheet_write_string(ws, (lxw_row_t)row, 1, zh, NULL);
        worksheet_write_string(ws, (lxw_row_t)row, 2, PQgetvalue(r, i, 2), NULL);
        worksheet_write_string(ws, (lxw_row_t)row, 3, PQgetvalue(r, i, 3), NULL);
        worksheet_write_string(ws, (lxw_row_t)row, 4, PQgetvalue(r, i, 4), NULL);
        int64_t dr = fen_of(PQgetvalue(r, i, 5)), cr = fen_of(PQgetvalue(r, i, 6));
        amount(ws, row, 5, dr, mf);
        amount(ws, row, 6, cr, mf);
        if (*PQgetvalue(r, i, 7))
            worksheet_write_string(ws, (lxw_row_t)row, 7, PQgetvalue(r, i, 7), NULL);
        worksheet_write_string(ws, (lxw_row_t)row, 8, pzh, NULL);
        row++;
        md += dr, mc += cr, yd += dr, yc += cr;
        if (i + 1 == n || strcmp(PQgetvalue(r, i + 1, 8), PQgetvalue(r, i, 8)) != 0) {
            worksheet_write_string(ws, (lxw_row_t)row, 2, v->month_total, NULL);
            amount(ws, row, 5, md, mf), amount(ws, row, 6, mc, mf);
            row++;
            worksheet_write_string(ws, (lxw_row_t)row, 2, "本年累计", NULL);
            amount(ws, row, 5, yd, mf), amount(ws, row, 6, yc, mf);
            row++;
            md = mc = 0;
        }
    }
    worksheet_write_string(ws, (lxw_row_t)row, 2, "合计", NULL);
    amount(ws, row, 5, yd, mf), amount(ws, row, 6, yc, mf);
    PQclear(r);
    return book_close(wb, a, path, e);
}

/* A balance in the 借方 or 贷方 column by its direction: the database signs
 * it by the account's normal side (kmlb 1, 5 debit). */
static void side(lxw_worksheet *ws, int row, int col, int64_t x, int debit_normal,
                 lxw_format *mf)
{
    int64_t dr = debit_normal ? x : -x;   /* debit-positive */
    if (dr > 0)
        amount(ws, row, col, dr, mf);
    else if (dr < 0)
        amount(ws, row, col + 1, -dr, mf);
}

/* The balance tables of fund, one workbook per period. */
static int balances(PGconn *conn, const gen_county *c, const vendor *v, const char *folder,
                    const char *fund, tc_err *e)
{
    const char *params[1] = {fund};
    PGresult *r = PQexecParams(conn,
        "SELECT b.kjqj, b.kmdm, coalesce(k.kmmc, ''), b.qcye, b.jffs, b.dffs, b.qmye, "
        "coalesce(k.kmlb, '1'), "
        "sum(b.jffs) OVER (PARTITION BY b.kmdm ORDER BY b.kjqj), "
        "sum(b.dffs) OVER (PARTITION BY b.kmdm ORDER BY b.kjqj) "
        "FROM kj_kmye b LEFT JOIN kj_km k ON k.kmdm = b.kmdm WHERE b.xzlx = $1 "
        "ORDER BY b.kjqj, b.kmdm", 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = tc_fail(e, TC_EDB, "cannot read the balances of fund %s: %s", fund,
                         PQerrorMessage(conn));
        PQclear(r);
        return rc;
    }
    int n = PQntuples(r), rc = 0;
    for (int i = 0; i < n && !rc;) {
        const char *per = PQgetvalue(r, i, 0);
        char path[1300], title[256];
        snprintf(path, sizeof(path), "%s/科目余额表_%s_%s.xlsx", folder, fund, per);
        tc_atomic *a;
        lxw_workbook *wb = book_open(&a, path, v, e);
        if (!wb) {
            rc = e->code;
            break;
        }
        lxw_worksheet *ws = workbook_add_worksheet(wb, "科目余额表");
        lxw_format *mf = workbook_add_format(wb);
        format_set_num_format(mf, "#,##0.00");
        snprintf(title, sizeof(title), "%s医疗保障局  账套：%s  期间：%.4s年%.2s期", c->name, fund,
                 per, per + 4);
        int row;
        /* the header: groups over 借方 and 贷方; code and name merged down */
        const char *groups[4] = {"期初余额", v->turnover, v->kingdee ? "本年累计" : "期末余额",
                                 "期末余额"};
        int ngroups = v->kingdee ? 4 : 3;
        if (!v->kingdee) {
            worksheet_merge_range(ws, 0, 0, 0, 7, "科目余额表", NULL);
            worksheet_merge_range(ws, 1, 0, 1, 7, title, NULL);
            row = 2;
        } else {
            worksheet_write_string(ws, 0, 0, "科目余额表", NULL);
            worksheet_write_string(ws, 1, 0, title, NULL);
            worksheet_write_string(ws, 2, 0, "币别：人民币", NULL);
            row = 3;
        }
        const char *code = v->kingdee ? "科目代码" : "科目编码";
        if (!v->kingdee) {
            worksheet_merge_range(ws, (lxw_row_t)row, 0, (lxw_row_t)row + 1, 0, code, NULL);
            worksheet_merge_range(ws, (lxw_row_t)row, 1, (lxw_row_t)row + 1, 1, "科目名称", NULL);
            for (int g = 0; g < ngroups; g++)
                worksheet_merge_range(ws, (lxw_row_t)row, (lxw_col_t)(2 + 2 * g), (lxw_row_t)row,
                                      (lxw_col_t)(3 + 2 * g), groups[g], NULL);
        } else {
            /* constant memory: a row at a time, merges as the cells Excel keeps */
            worksheet_write_string(ws, (lxw_row_t)row, 0, code, NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 1, "科目名称", NULL);
            for (int g = 0; g < ngroups; g++)
                worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)(2 + 2 * g), groups[g], NULL);
        }
        for (int g = 0; g < ngroups; g++) {
            worksheet_write_string(ws, (lxw_row_t)row + 1, (lxw_col_t)(2 + 2 * g), "借方", NULL);
            worksheet_write_string(ws, (lxw_row_t)row + 1, (lxw_col_t)(3 + 2 * g), "贷方", NULL);
        }
        row += 2;
        int64_t sum[8] = {0};
        int close = 2 + 2 * (ngroups - 1);
        for (; i < n && strcmp(PQgetvalue(r, i, 0), per) == 0; i++, row++) {
            int dn = PQgetvalue(r, i, 7)[0] == '1' || PQgetvalue(r, i, 7)[0] == '5';
            int64_t qc = fen_of(PQgetvalue(r, i, 3)), jf = fen_of(PQgetvalue(r, i, 4)),
                    df = fen_of(PQgetvalue(r, i, 5)), qm = fen_of(PQgetvalue(r, i, 6));
            worksheet_write_string(ws, (lxw_row_t)row, 0, PQgetvalue(r, i, 1), NULL);
            worksheet_write_string(ws, (lxw_row_t)row, 1, PQgetvalue(r, i, 2), NULL);
            side(ws, row, 2, qc, dn, mf);
            amount(ws, row, 4, jf, mf), amount(ws, row, 5, df, mf);
            if (v->kingdee) {
                amount(ws, row, 6, fen_of(PQgetvalue(r, i, 8)), mf);
                amount(ws, row, 7, fen_of(PQgetvalue(r, i, 9)), mf);
            }
            side(ws, row, close, qm, dn, mf);
            sum[0] += dn ? qc : -qc, sum[1] += jf, sum[2] += df, sum[3] += dn ? qm : -qm;
        }
        /* 合计: the totals of the columns, balances netted debit-positive */
        worksheet_write_string(ws, (lxw_row_t)row, v->kingdee ? 0 : 1, "合计", NULL);
        if (sum[0] >= 0)
            amount(ws, row, 2, sum[0], mf);
        else
            amount(ws, row, 3, -sum[0], mf);
        amount(ws, row, 4, sum[1], mf), amount(ws, row, 5, sum[2], mf);
        if (sum[3] >= 0)
            amount(ws, row, close, sum[3], mf);
        else
            amount(ws, row, close + 1, -sum[3], mf);
        rc = book_close(wb, a, path, e);
    }
    PQclear(r);
    return rc;
}

/* The county's profile: the shipped one, copied, with the columns the
 * journal adds mapped (an include cannot redefine a [workbook TABLE]). */
static int profile(const gen_county *c, const vendor *v, const char *cutover, const char *base,
                   tc_err *e)
{
    char text[8192];
    const char *acc = v->kingdee ? "kmdm" : "kmbm";
    int n;
    if (!v->kingdee)
        n = snprintf(text, sizeof(text),
            "; %s.ini - %s's ledger (%s) in 用友 workbooks, %s/: the shipped yonyou.ini\n"
            "; copied, with what this county's journal adds: 票号 (the line's bank\n"
            "; reference) and 外部凭证号 (the voucher's number in the ledger, numbered\n"
            "; per month across the account sets); 摘要 is the voucher's, the lines\n"
            "; have no memo of their own; and the cutover.\n"
            "[profile]\nname = %s 用友 U8 workbooks\n\n"
            "[county]\ntable = workbook\ncode = county\ncutover = cutover date\n\n"
            "[workbook]\ncounty = folder\ncutover = %s\ndates = YYYY-MM-DD, YYYY/MM/DD\n\n"
            "[workbook journal]\nfile = 序时账_{fund}*.xlsx\nsheet = 序时账\nheader = 3\n"
            "subtotal = zy: 合计, 本月合计, 本年累计, 本期合计\n"
            "rq = 日期\npzh = 凭证字号\nzy = 摘要\nkmbm = 科目编码\njf = 借方\ndf = 贷方\n"
            "ph = 票号             ; added: the line's bank reference\n"
            "wbpz = 外部凭证号     ; added: the voucher's number in the ledger\n"
            "xz = {file:fund}\npz = {wbpz}\nhh = {seq pz}\nblank = zy, ph\n\n"
            "[workbook balance]\nfile = 科目余额表_{fund}_{period}.xlsx\nsheet = 科目余额表\n"
            "header = 3-4\nsubtotal = kmmc: 合计\nkmbm = 科目编码\nkmmc = 科目名称\n"
            "qcj = 期初余额/借方\nqcd = 期初余额/贷方\njf = 本期发生/借方\ndf = 本期发生/贷方\n"
            "qmj = 期末余额/借方\nqmd = 期末余额/贷方\nxz = {file:fund}\nqj = {file:period}\n"
            "qc = {qcj-qcd}\nqm = {qmj-qmd}\ncredit = kmbm: 2, 3, 4\n\n",
            c->code, c->name, c->code, c->code, c->name, cutover);
    else
        n = snprintf(text, sizeof(text),
            "; %s.ini - %s's ledger (%s) in 金蝶 workbooks, %s/: the shipped kingdee.ini\n"
            "; copied, with what this county's journal adds: 结算号 (the line's bank\n"
            "; reference) and 参考信息 (the voucher's number in the ledger, numbered\n"
            "; per month across the account sets); 摘要 is the voucher's, the lines\n"
            "; have no memo of their own; and the cutover.\n"
            "[profile]\nname = %s 金蝶 K/3 workbooks\n\n"
            "[county]\ntable = workbook\ncode = county\ncutover = cutover date\n\n"
            "[workbook]\ncounty = folder\ncutover = %s\ndates = YYYY-MM-DD, YYYY/M/D, YYYY年M月D日\n\n"
            "[workbook journal]\nfile = 序时账_{fund}*.xlsx\nsheet = 序时簿\nheader = 2\n"
            "subtotal = zy: 合计, 本期合计, 本年累计, 本月合计\n"
            "rq = 日期\npzh = 凭证字号\nzy = 摘要\nkmdm = 科目代码\njf = 借方金额\ndf = 贷方金额\n"
            "ph = 结算号           ; added: the line's bank reference\n"
            "wbpz = 参考信息       ; added: the voucher's number in the ledger\n"
            "xz = {file:fund}\npz = {wbpz}\nhh = {seq pz}\nblank = zy, ph\n\n"
            "[workbook balance]\nfile = 科目余额表_{fund}_{period}.xlsx\nsheet = 科目余额表\n"
            "header = 4-5\nsubtotal = kmdm: 合计\nkmdm = 科目代码\nkmmc = 科目名称\n"
            "qcj = 期初余额/借方\nqcd = 期初余额/贷方\njf = 本期发生额/借方\ndf = 本期发生额/贷方\n"
            "qmj = 期末余额/借方\nqmd = 期末余额/贷方\nxz = {file:fund}\nqj = {file:period}\n"
            "qc = {qcj-qcd}\nqm = {qmj-qmd}\ncredit = kmdm: 2, 3, 4\n\n",
            c->code, c->name, c->code, c->code, c->name, cutover);
    n += snprintf(text + n, sizeof(text) - (size_t)n,
        "[voucher_line]\ntable = journal\nvoucher = pz\ndate = rq date\nfund = xz\n"
        "voucher_memo = zy\nline = hh int\naccount = %s\ndebit = jf yuan\ncredit = df yuan\n"
        "bank_ref = ph\nmemo = ''\n\n"
        "[balance]\ntable = balance\nfund = xz\naccount = %s\nperiod = qj yyyymm\n"
        "opening = qc yuan\ndebit = jf yuan\ncredit = df yuan\nclosing = qm yuan\n", acc, acc);
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s.ini", base, c->code);
    return gen_write_text(path, text, (size_t)n, e);
}

int gen_legacy_workbooks(PGconn *conn, const gen_county *c, const char *dir, int which,
                         tc_err *e)
{
    const vendor *v = which == TC_GEN_LEGACY_KINGDEE ? &KINGDEE : &YONYOU;
    char base[1100], folder[1200];
    snprintf(base, sizeof(base), "%s/legacy/%s", dir, v->dir);
    snprintf(folder, sizeof(folder), "%s/%s", base, c->code);
    int rc = gen_legacy_folder(folder, e);
    if (rc)
        return rc;
    PGresult *r = PQexec(conn, "SELECT DISTINCT xzlx FROM kj_kmye UNION "
                               "SELECT DISTINCT xzlx FROM kj_pz ORDER BY 1");
    PGresult *w = PQexec(conn, "SELECT jzrq FROM xt_dw");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQresultStatus(w) != PGRES_TUPLES_OK ||
        PQntuples(w) != 1)
        rc = tc_fail(e, TC_EDB, "cannot read the funds of %s: %s", c->code, PQerrorMessage(conn));
    if (!rc) {
        struct tm tm = {0};
        sscanf(PQgetvalue(w, 0, 0), "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        tm.tm_hour = 18;
        made = timegm(&tm);
    }
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        rc = journal(conn, c, v, folder, PQgetvalue(r, i, 0), e);
        if (!rc)
            rc = balances(conn, c, v, folder, PQgetvalue(r, i, 0), e);
    }
    char mark[1300];
    snprintf(mark, sizeof(mark), "%s/.", folder);
    if (!rc)
        rc = tc_fsync_parent(mark, e);
    if (!rc)
        rc = profile(c, v, PQgetvalue(w, 0, 0), base, e);
    if (!rc) {
        snprintf(mark, sizeof(mark), "%s/%s.ini", base, c->code);
        rc = tc_fsync_parent(mark, e);
    }
    PQclear(r);
    PQclear(w);
    return rc;
}
