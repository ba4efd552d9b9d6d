/*
 * report_html.c - reconciliation.html: the reconciliation as one
 * self-contained page for people.  See report.h.
 *
 * The page is written top to bottom straight into the atomic output file,
 * walking the checked document once per section: a header with the cutover
 * and the mapping set, a status banner and the totals that say what of the
 * money moves and what blocking findings hold (never one figure that
 * reads as "all of it moves" while counties are held), a summary per county
 * with three charts, the transfer basis per county and fund, the findings,
 * the three schedules (employer arrears with aging, subsidy shortfall,
 * institution payables), one bank reconciliation statement per account with
 * its outstanding items, and the inputs the result was made from.
 *
 * Self-contained means: inline <style> (with an A4 landscape print layout),
 * inline <svg> charts, no script, no font, image or link to anything
 * outside the file; it opens the same on an offline audit laptop as in a
 * browser on the network.  Labels are Chinese with the English beside them.
 *
 * Every string taken from the document goes through text(), which masks
 * identity numbers (tc_mask_ids_inplace, the last defence behind the engine)
 * and escapes it for HTML.  Amounts are shown from fen with thousands
 * separators, right-aligned in tabular figures, negative ones in red.  The
 * charts' geometry is integer arithmetic on fen (a 128-bit intermediate),
 * so no floating-point value ever holds an amount.  Nothing depends on the
 * clock: the same document gives the same bytes.
 */
#include "reconcile/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/money.h"
#include "core/version.h"
#include "reconcile/report_doc.h"

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

/* The page being written; an allocation failure is remembered and
 * reported once at the end instead of after every call. */
typedef struct page {
    FILE *f;
    int nomem;
} page;

static void out(page *p, const char *s)
{
    fputs(s, p->f);
}

static void outf(page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(page *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->f, fmt, ap);
    va_end(ap);
}

/* A string from the document: identity numbers masked, HTML escaped. */
static void text(page *p, const char *s)
{
    char *m = tc_rdoc_mask(s);
    if (!m) {
        p->nomem = 1;
        return;
    }
    for (const char *c = m; *c; c++) {
        switch (*c) {
        case '&': out(p, "&amp;"); break;
        case '<': out(p, "&lt;"); break;
        case '>': out(p, "&gt;"); break;
        case '"': out(p, "&quot;"); break;
        case '\'': out(p, "&#39;"); break;
        default: fputc(*c, p->f);
        }
    }
    free(m);
}

int tc_report_html_text(FILE *f, const char *s)
{
    page p = {f, 0};
    text(&p, s);
    return p.nomem ? -1 : 0;
}


/* A table cell holding an amount. */
static void td_amt(page *p, tc_fen v)
{
    char b[TC_MONEY_GROUPED_BUFSZ];
    outf(p, "<td class=\"n%s\">%s</td>", v < 0 ? " neg" : "", tc_money_format_grouped(v, b));
}

/* A table cell holding an amount from key of o, or a dash when absent. */
static void td_key(page *p, const json_t *o, const char *key)
{
    if (tc_rdoc_has(o, key))
        td_amt(p, tc_rdoc_fen(o, key));
    else
        out(p, "<td class=\"n\">—</td>");
}

/* A header cell: Chinese over English; n for a numeric column. */
static void th(page *p, const char *zh, const char *en, int n)
{
    outf(p, "<th%s>%s<br><span class=\"en\">%s</span></th>", n ? " class=\"n\"" : "", zh, en);
}

/* A table's header columns, as data. */
typedef struct hcol {
    const char *zh, *en;
    int num;
} hcol;

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The header cells of cols, then the body opens. */
static void thead(page *p, const hcol *cols, int n)
{
    for (int i = 0; i < n; i++)
        th(p, cols[i].zh, cols[i].en, cols[i].num);
    out(p, "</tr></thead>\n<tbody>\n");
}

/* A county cell: code, the name when the document gives one, and the
 * source pool when it is not the county itself (a pool merged into the
 * county's sub-ledger, or a county whose code changed). */
static void county_label(page *p, const json_t *county)
{
    out(p, "<span class=\"k\"><span class=\"mono\">");
    text(p, tc_rdoc_str(county, "county"));
    out(p, "</span>");
    if (tc_rdoc_has(county, "name")) {
        out(p, " ");
        text(p, tc_rdoc_str(county, "name"));
    }
    const char *pool = tc_rdoc_str(county, "pool");
    if (pool[0] && strcmp(pool, tc_rdoc_str(county, "county")) != 0) {
        out(p, " <span class=\"en\">原统筹区 pool</span> <span class=\"mono\">");
        text(p, pool);
        out(p, "</span>");
    }
    out(p, "</span>");
}

/* A fund: its code and short Chinese name. */
static void fund_label(page *p, const char *fund)
{
    const char *zh = tc_rdoc_fund_zh(fund);
    out(p, "<span class=\"k\"><span class=\"mono\">");
    text(p, fund[0] ? fund : "—");
    out(p, "</span>");
    if (zh)
        outf(p, " <span class=\"zh\">%s</span>", zh);
    out(p, "</span>");
}

static void status_tag(page *p, const char *status)
{
    static const char *const en[][2] = {
        {"clean", "Clean"}, {"findings", "Findings"}, {"blocked", "Blocked"}};
    const char *e = status;
    for (size_t i = 0; i < 3; i++)
        if (strcmp(en[i][0], status) == 0)
            e = en[i][1];
    outf(p, "<span class=\"tag %s\">%s %s</span>", status, tc_rdoc_status_zh(status), e);
}

/* What a county's or a source's control totals vouched for, short: a tag
 * ("—" when the document does not say). */
static void controls_tag(page *p, const char *controls)
{
    static const char *const t[][3] = {
        {"counts,sums", "clean", "有 counts, sums"}, {"counts", "clean", "有 counts"},
        {"none", "warning", "无 none"}, {"unknown", "", "未记录 unknown"}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(t[i][0], controls) == 0) {
            outf(p, "<span class=\"tag%s%s\">%s</span>", t[i][1][0] ? " " : "", t[i][1], t[i][2]);
            return;
        }
    out(p, "—");
}

static void severity_tag(page *p, const char *sev)
{
    const char *zh = tc_rdoc_severity_zh(sev);
    if (!zh) {
        out(p, "<span class=\"tag\">");
        text(p, sev[0] ? sev : "—");
        out(p, "</span>");
        return;
    }
    outf(p, "<span class=\"tag %s\">%s %s</span>", sev, zh,
         strcmp(sev, "blocking") == 0 ? "Blocking" : "Warning");
}

/* Running column sums for a table's total row, overflow-checked. */
typedef struct sums {
    tc_fen v[16];
    int overflow;
} sums;

static void sum_add(sums *s, int col, tc_fen v)
{
    if (tc_money_add(s->v[col], v, &s->v[col]))
        s->overflow = 1;
}

/* ------------------------------------------------------------------ */
/* Style                                                              */
/* ------------------------------------------------------------------ */

static const char CSS[] =
    ":root{--ink:#1b1f24;--muted:#5b6470;--rule:#d5dae1;--head:#f2f4f7;--neg:#b42318;"
    "--accent:#1f3a5f}\n"
    "*{box-sizing:border-box}\n"
    "html{font-size:13px;-webkit-text-size-adjust:100%}\n"
    "body{margin:0 auto;max-width:1280px;padding:28px 36px 48px;color:var(--ink);background:#fff;"
    "font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"PingFang SC\",\"Microsoft YaHei\","
    "\"WenQuanYi Micro Hei\",\"Helvetica Neue\",Arial,sans-serif;line-height:1.45}\n"
    "header.doc{border-bottom:3px solid var(--accent);padding-bottom:12px;margin-bottom:16px}\n"
    ".kicker{color:var(--muted);font-size:12px;letter-spacing:.04em}\n"
    "h1{font-size:24px;margin:4px 0 10px;font-weight:700;color:var(--accent)}\n"
    "h2{font-size:16px;margin:30px 0 10px;padding-bottom:4px;"
    "border-bottom:1.5px solid var(--accent);"
    "color:var(--accent);break-after:avoid}\n"
    "h3{font-size:13px;margin:18px 0 6px}\n"
    ".en{color:var(--muted);font-weight:400}\n"
    "th .en{font-size:.88em}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;"
    "font-size:12px}\n"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}\n"
    ".mono,code{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:.94em}\n"
    ".banner{margin:14px 0;padding:10px 14px;border-left:6px solid;border-radius:3px;"
    "font-size:13px}\n"
    ".banner strong{font-size:15px;margin-right:8px}\n"
    ".banner.clean{background:#ecfdf3;border-color:#067647;color:#054f31}\n"
    ".banner.findings{background:#fffaeb;border-color:#dc6803;color:#7a2e0e}\n"
    ".banner.blocked{background:#fef3f2;border-color:#b42318;color:#7a271a}\n"
    ".banner.note{background:#f2f4f7;border-color:#98a2b3;color:#344054}\n"
    ".cards{display:grid;grid-template-columns:repeat(3,1fr);gap:12px;margin:8px 0 4px}\n"
    ".card{border:1px solid var(--rule);border-top:3px solid var(--accent);padding:10px 14px}\n"
    ".card .l{font-size:12px;color:var(--muted)}\n"
    ".card .v{font-size:22px;font-weight:700;font-variant-numeric:tabular-nums;margin-top:2px}\n"
    ".card .v.neg{color:var(--neg)}\n"
    ".card .d{font-size:11px;color:var(--muted)}\n"
    "table{border-collapse:collapse;width:100%;font-size:12px;margin:4px 0 8px}\n"
    "th,td{padding:4px 7px;border-bottom:1px solid var(--rule);vertical-align:top;"
    "text-align:left}\n"
    "th{background:var(--head);font-weight:600;border-bottom:1px solid #98a2b3;line-height:1.25}\n"
    "th.n,td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.n{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:.94em}\n"
    "td.neg{color:var(--neg)}\n"
    "td.flag{background:#fef3f2;outline:1px solid #fda29b}\n"
    "tbody tr:nth-child(even) td{background:#fafbfc}\n"
    "tfoot td{font-weight:700;border-top:1.5px solid var(--ink);"
    "border-bottom:1.5px solid var(--ink)}\n"
    "td.msg{max-width:420px}\n"
    ".zh{color:var(--muted);font-size:.9em}\n"
    ".k{white-space:nowrap}\n"
    ".tag{display:inline-block;padding:0 6px;border-radius:3px;font-size:.9em;font-weight:600;"
    "white-space:nowrap;background:#eaecf0;color:#344054}\n"
    ".tag.blocking,.tag.blocked{background:#fee4e2;color:#912018}\n"
    ".tag.warning,.tag.findings{background:#fef0c7;color:#93370d}\n"
    ".tag.clean{background:#dcfae6;color:#085d3a}\n"
    ".none{color:var(--muted);font-style:italic;margin:4px 0}\n"
    ".charts{display:grid;grid-template-columns:repeat(3,1fr);gap:14px;margin-top:14px;"
    "align-items:start}\n"
    "figure{margin:0;border:1px solid var(--rule);padding:10px 12px;break-inside:avoid}\n"
    "figcaption{font-weight:600;margin-bottom:6px;font-size:12.5px}\n"
    "svg{display:block;width:100%;height:auto}\n"
    "svg text{font-size:11px;fill:var(--ink)}\n"
    "svg text.v{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:10.5px}\n"
    "svg text.lg{font-size:10.5px;fill:var(--muted)}\n"
    ".stmt{border:1px solid var(--rule);padding:8px 12px 4px;margin:10px 0 14px;"
    "break-inside:avoid}\n"
    ".stmt h3{margin:2px 0 6px}\n"
    ".stmt table.adj td:nth-child(1),.stmt table.adj td:nth-child(3){width:32%}\n"
    ".stmt table.adj tr.res td{font-weight:700;border-top:1.5px solid var(--ink)}\n"
    ".ok{color:#067647;font-weight:600}.bad{color:var(--neg);font-weight:600}\n"
    "footer{margin-top:36px;padding-top:8px;border-top:1px solid var(--rule);color:var(--muted);"
    "font-size:11px}\n"
    "@media print{\n"
    "@page{size:A4 landscape;margin:12mm}\n"
    "html{font-size:10px}\n"
    "body{max-width:none;padding:0}\n"
    "table{font-size:9.5px}\n"
    "thead{display:table-header-group}tfoot{display:table-row-group}\n"
    "tr,figure,.stmt,.card{break-inside:avoid}\n"
    "section{break-before:auto}\n"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "}\n";

const char *tc_report_css(void) { return CSS; }

/* ------------------------------------------------------------------ */
/* Charts                                                             */
/* ------------------------------------------------------------------ */

/* Geometry shared by the three charts: one row per bar, a label column,
 * the bar area, the value column right-aligned at the edge. */
enum { CW = 420, LABEL_W = 118, BAR_X = 122, BAR_W = 176, VAL_X = 416, ROW_H = 26, TOP = 22 };

/* x of v on a scale from lo to hi mapped to [BAR_X, BAR_X + BAR_W]. */
static int scale_x(tc_fen v, tc_fen lo, tc_fen hi)
{
    if (hi <= lo)
        return BAR_X;
    __int128 num = ((__int128)v - lo) * BAR_W;
    return BAR_X + (int)(num / ((__int128)hi - lo));
}

static void svg_open(page *p, int rows, const char *label)
{
    int h = TOP + (rows > 0 ? rows : 1) * ROW_H + 6;
    outf(p, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", CW, h, label);
}

static void svg_row_label(page *p, int y, const char *s, const char *s2)
{
    outf(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W, y + 15);
    text(p, s);
    if (s2 && s2[0]) {
        out(p, " ");
        text(p, s2);
    }
    out(p, "</text>");
}

/* Transfer per county: one bar each, from a zero axis that moves right when
 * a county's figure is negative; grey for a county blocking findings hold. */
static void chart_transfer(page *p, const json_t *counties, const tc_rdoc_sums *cs)
{
    size_t n = json_array_size(counties);
    tc_fen lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (cs[i].transfer < lo)
            lo = cs[i].transfer;
        if (cs[i].transfer > hi)
            hi = cs[i].transfer;
    }
    out(p, "<figure><figcaption>移交金额 <span class=\"en\">Transfer per county</span>"
           "</figcaption>");
    svg_open(p, (int)n, "transfer per county");
    int x0 = scale_x(0, lo, hi), held = 0;
    for (size_t i = 0; i < n; i++)
        held |= cs[i].blocking > 0;
    out(p, "<text class=\"lg\" x=\"122\" y=\"12\">元 yuan</text>");
    if (held)
        out(p, "<rect x=\"222\" y=\"3\" width=\"10\" height=\"10\" fill=\"#98a2b3\"/>"
               "<text class=\"lg\" x=\"235\" y=\"12\">暂缓移交 held</text>");
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(counties, i);
        int y = TOP + (int)i * ROW_H;
        int x1 = scale_x(cs[i].transfer, lo, hi);
        int x = x1 < x0 ? x1 : x0, w = x1 < x0 ? x0 - x1 : x1 - x0;
        char b[TC_MONEY_GROUPED_BUFSZ];
        svg_row_label(p, y, tc_rdoc_str(c, "county"), tc_rdoc_str(c, "name"));
        outf(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"%s\"><title>", x,
             y + 3, w > 0 ? w : 1,
             cs[i].transfer < 0 ? "#b42318" : cs[i].blocking ? "#98a2b3" : "#1f3a5f");
        text(p, tc_rdoc_str(c, "county"));
        outf(p, ": %s%s</title></rect>", tc_money_format_grouped(cs[i].transfer, b),
             cs[i].blocking ? " 暂缓移交 held" : "");
        outf(p, "<text class=\"v\" x=\"%d\" y=\"%d\" text-anchor=\"end\"%s>%s</text>", VAL_X,
             y + 15, cs[i].transfer < 0 ? " style=\"fill:#b42318\"" : "", b);
    }
    outf(p, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#98a2b3\"/>", x0, TOP - 2, x0,
         TOP + (int)(n > 0 ? n : 1) * ROW_H);
    out(p, "</svg></figure>\n");
}

/* The length of a county's aging bar: its positive buckets, summed; a sum
 * beyond int64 (a document no fund could produce) draws as the longest. */
static tc_fen aging_total(const tc_rdoc_sums *s)
{
    tc_fen t = 0;
    for (int a = 0; a < 3; a++)
        if (s->aging[a] > 0 && tc_money_add(t, s->aging[a], &t))
            return INT64_MAX;
    return t;
}

/* Employer arrears aging per county: one stacked bar of 0-3, 4-12, 13+. */
static void chart_aging(page *p, const json_t *counties, const tc_rdoc_sums *cs)
{
    static const char *const fill[3] = {"#f4c27a", "#e07b28", "#9c2a10"};
    static const char *const leg[3] = {"0–3 月 months", "4–12", "13+"};
    size_t n = json_array_size(counties);
    tc_fen hi = 0;
    for (size_t i = 0; i < n; i++)
        if (aging_total(&cs[i]) > hi)
            hi = aging_total(&cs[i]);
    out(p, "<figure><figcaption>欠费账龄 <span class=\"en\">Employer arrears aging</span>"
           "</figcaption>");
    svg_open(p, (int)n, "employer arrears aging per county");
    for (int a = 0, lx = BAR_X; a < 3; a++) {
        outf(p, "<rect x=\"%d\" y=\"3\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                "<text class=\"lg\" x=\"%d\" y=\"12\">%s</text>", lx, fill[a], lx + 13, leg[a]);
        lx += a == 0 ? 96 : 52;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(counties, i);
        int y = TOP + (int)i * ROW_H;
        svg_row_label(p, y, tc_rdoc_str(c, "county"), tc_rdoc_str(c, "name"));
        tc_fen run = 0;
        for (int a = 0; a < 3; a++) {
            if (cs[i].aging[a] <= 0)
                continue;
            int xa = scale_x(run, 0, hi);
            tc_money_add(run, cs[i].aging[a], &run);
            int xb = scale_x(run, 0, hi);
            char b[TC_MONEY_GROUPED_BUFSZ];
            outf(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"%s\"><title>"
                    "%s: %s</title></rect>", xa, y + 3, xb - xa > 0 ? xb - xa : 1, fill[a],
                 tc_rdoc_aging_keys[a], tc_money_format_grouped(cs[i].aging[a], b));
        }
        char b[TC_MONEY_GROUPED_BUFSZ];
        outf(p, "<text class=\"v\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", VAL_X,
             y + 15, tc_money_format_grouped(aging_total(&cs[i]), b));
    }
    outf(p, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#98a2b3\"/>", BAR_X, TOP - 2,
         BAR_X, TOP + (int)(n > 0 ? n : 1) * ROW_H);
    out(p, "</svg></figure>\n");
}

/* The checks in the order of domain.md; codes the page does not know come
 * after them, in the order they first appear. */
static const char *const CHECK_ORDER[] = {
    "VOUCHER_UNBALANCED", "ROLLFORWARD_BREAK", "PERIOD_GAP", "TURNOVER_MISMATCH",
    "EQUATION_BREAK", "CONTRIB_LEDGER_MISMATCH", "DUE_MISMATCH", "RATE_MISMATCH",
    "BANK_UNRECONCILED", "PERSONAL_ACCOUNT_MISMATCH", "DUPLICATE_RECORD", "BAD_CHECK_DIGIT",
    "NEGATIVE_AMOUNT", "SPLIT_UNALLOCATED", "VOUCHER_GAP"};
#define NCHECKS (sizeof(CHECK_ORDER) / sizeof(CHECK_ORDER[0]))

typedef struct check_count {
    const char *code;
    int blocking, warnings;
} check_count;

/* Count the findings per check into *out (the caller frees it). */
static int count_checks(const json_t *counties, check_count **out, size_t *nout)
{
    size_t cap = NCHECKS + 8, n = NCHECKS, i, j;
    check_count *cc = calloc(cap, sizeof(*cc));
    if (!cc)
        return -1;
    for (i = 0; i < NCHECKS; i++)
        cc[i].code = CHECK_ORDER[i];
    json_t *c, *f;
    json_array_foreach(counties, i, c) {
        json_array_foreach(json_object_get(c, "findings"), j, f) {
            const char *code = tc_rdoc_str(f, "code");
            size_t k = 0;
            while (k < n && strcmp(cc[k].code, code) != 0)
                k++;
            if (k == n) {
                if (n == cap) {
                    check_count *g = realloc(cc, 2 * cap * sizeof(*cc));
                    if (!g) {
                        free(cc);
                        return -1;
                    }
                    cc = g;
                    cap *= 2;
                }
                cc[n++] = (check_count){code, 0, 0};
            }
            if (strcmp(tc_rdoc_str(f, "severity"), "blocking") == 0)
                cc[k].blocking++;
            else
                cc[k].warnings++;
        }
    }
    *out = cc;
    *nout = n;
    return 0;
}

/* Findings per check: a stacked bar of blocking and warning counts for
 * every check that found something. */
static void chart_findings(page *p, const json_t *counties)
{
    check_count *cc;
    size_t n;
    if (count_checks(counties, &cc, &n)) {
        p->nomem = 1;
        return;
    }
    int rows = 0, hi = 0;
    for (size_t i = 0; i < n; i++)
        if (cc[i].blocking + cc[i].warnings > 0) {
            rows++;
            if (cc[i].blocking + cc[i].warnings > hi)
                hi = cc[i].blocking + cc[i].warnings;
        }
    out(p, "<figure><figcaption>各项检查发现的问题 <span class=\"en\">Findings per check</span>"
           "</figcaption>");
    svg_open(p, rows, "findings per check");
    out(p, "<rect x=\"122\" y=\"3\" width=\"10\" height=\"10\" fill=\"#b42318\"/>"
           "<text class=\"lg\" x=\"135\" y=\"12\">阻断 blocking</text>"
           "<rect x=\"222\" y=\"3\" width=\"10\" height=\"10\" fill=\"#f0a030\"/>"
           "<text class=\"lg\" x=\"235\" y=\"12\">警告 warning</text>");
    if (rows == 0)
        outf(p, "<text x=\"%d\" y=\"%d\" class=\"lg\">无问题 No findings</text>", BAR_X, TOP + 15);
    int r = 0;
    for (size_t i = 0; i < n; i++) {
        int tot = cc[i].blocking + cc[i].warnings;
        if (tot == 0)
            continue;
        int y = TOP + r++ * ROW_H;
        const char *zh = tc_rdoc_check_zh(cc[i].code);
        outf(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"><title>", LABEL_W, y + 15);
        text(p, cc[i].code);
        out(p, "</title>");
        text(p, zh ? zh : cc[i].code);
        out(p, "</text>");
        int xb = scale_x(cc[i].blocking, 0, hi), xt = scale_x(tot, 0, hi);
        if (cc[i].blocking)
            outf(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"#b42318\"/>",
                 BAR_X, y + 3, xb - BAR_X);
        if (cc[i].warnings)
            outf(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"#f0a030\"/>", xb,
                 y + 3, xt - xb);
        outf(p, "<text class=\"v\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>", VAL_X,
             y + 15, tot);
    }
    out(p, "</svg></figure>\n");
    free(cc);
}

/* ------------------------------------------------------------------ */
/* Sections                                                           */
/* ------------------------------------------------------------------ */

static void head(page *p, const json_t *doc)
{
    out(p, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>基金移交对账报告 Reconciliation report ");
    text(p, tc_rdoc_str(doc, "cutover"));
    outf(p, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", CSS);
    out(p, "<header class=\"doc\">\n<div class=\"kicker\">基本医疗保险基金市级统筹 · "
           "Basic medical insurance funds, handover to city-level pooling</div>\n"
           "<h1>基金移交对账报告 <span class=\"en\">Reconciliation report</span></h1>\n"
           "<dl class=\"meta\">\n<dt>移交基准日 Cutover date</dt><dd>");
    text(p, tc_rdoc_str(doc, "cutover"));
    outf(p, "</dd>\n<dt>统筹区 Counties</dt><dd>%zu</dd>\n",
         json_array_size(json_object_get(doc, "counties")));
    if (tc_rdoc_has(doc, "mappings")) {
        out(p, "<dt>映射集 Mapping set</dt><dd><code>");
        text(p, tc_rdoc_str(doc, "mappings"));
        out(p, "</code></dd>\n");
    }
    out(p, "<dt>格式 Format</dt><dd><code>");
    text(p, tc_rdoc_str(doc, "format"));
    out(p, "</code></dd>\n</dl>\n</header>\n");
}

/* The status, and what of the money moves: never one figure that reads as
 * "all of it moves" while counties are held. */
static void banner(page *p, const json_t *doc, const tc_rdoc_sums *cs, size_t n,
                   const tc_rdoc_moves *mv)
{
    const char *st = tc_rdoc_str(doc, "status");
    int blocking = 0, warnings = 0;
    for (size_t i = 0; i < n; i++)
        blocking += cs[i].blocking, warnings += cs[i].warnings;
    outf(p, "<div class=\"banner %s\"><strong>", st);
    if (strcmp(st, "clean") == 0)
        out(p, "通过 Clean</strong>所有检查均已通过 Every check holds. ");
    else if (strcmp(st, "findings") == 0)
        out(p, "有待处理问题 Findings</strong>");
    else
        out(p, "阻断 Blocked</strong>");
    if (strcmp(st, "clean") != 0)
        outf(p, "阻断问题 %d 项 blocking, 警告 %d 项 warnings. ", blocking, warnings);
    char b1[TC_MONEY_GROUPED_BUFSZ], b2[TC_MONEY_GROUPED_BUFSZ];
    if (mv->nheld)
        outf(p, "%zu 个统筹区中 %d 个有阻断问题，其资金 %s 元暂缓移交，须整改或经授权人员签署豁免"
                "后方可移交；其余 %d 个可移交 %s 元 · %d of %zu counties are held by blocking "
                "findings with %s yuan, which moves only once they are fixed or an authorised "
                "person signs a waiver; the other %d can move %s yuan.",
             n, mv->nheld, tc_money_format_grouped(mv->held, b1), mv->nready, tc_money_format_grouped(mv->ready, b2), mv->nheld, n,
             b1, mv->nready, b2);
    else
        outf(p, "%zu 个统筹区均无阻断问题，可移交 %s 元 · No county is held: %s yuan can move.",
             n, tc_money_format_grouped(mv->ready, b1), b1);
    if (mv->kept)
        outf(p, " 部分移交保留在原统筹区的基金 %s 元不移交 · %s yuan of funds a part handover "
                "keeps does not move.", tc_money_format_grouped(mv->kept, b1), b1);
    out(p, "</div>\n");
}

/* The counties whose control totals are c ("none", "unknown"): how many,
 * and (show 1) their labels, or (show 2) their codes, one after the other. */
static int counties_with(page *p, const json_t *doc, const char *c, int show)
{
    size_t i;
    json_t *x;
    int n = 0;
    json_array_foreach(json_object_get(doc, "counties"), i, x)
        if (strcmp(tc_rdoc_county_controls(x), c) == 0) {
            if (show == 1) {
                out(p, n ? "、" : "");
                county_label(p, x);
            } else if (show == 2) {
                const char *code = tc_rdoc_str(x, "county"), *pool = tc_rdoc_str(x, "pool");
                out(p, n ? ", <span class=\"mono\">" : "<span class=\"mono\">");
                text(p, code);
                out(p, "</span>");
                if (pool[0] && strcmp(pool, code) != 0) {
                    out(p, " (pool <span class=\"mono\">");
                    text(p, pool);
                    out(p, "</span>)");
                }
            }
            n++;
        }
    return n;
}

/* Which counties' data came without control totals from the county (a
 * dump or a live database): said once at the top, not only in a column,
 * since rows deleted from such a source show only in the cross-checks. */
static void controls_note(page *p, const json_t *doc)
{
    int none = counties_with(p, doc, "none", 0), unknown = counties_with(p, doc, "unknown", 0);
    if (!none && !unknown)
        return;
    out(p, "<div class=\"banner note\" id=\"controls\"><strong>无县级控制合计 No control totals"
           "</strong>");
    if (none) {
        counties_with(p, doc, "none", 1);
        out(p, " 的数据来自数据库转储或在线数据库，没有县级导出的控制合计（条数、金额合计）：删去或丢失"
               "的记录只能由旧系统账务的交叉核对（凭证号连续、科目发生额与凭证、余额滚动、缴费与账务）"
               "发现 · ");
        counties_with(p, doc, "none", 2);
        out(p, " came without control totals from the county (a database dump or a live "
               "database): only cross-checks of the legacy schema (voucher numbering, turnover "
               "against the voucher lines, roll-forward, contributions against the ledger) can "
               "show rows lost from them.");
    }
    if (unknown) {
        out(p, none ? " " : "");
        counties_with(p, doc, "unknown", 1);
        out(p, " 的批次未记录其来源是否有控制合计（早于第 5 版批次格式）· ");
        counties_with(p, doc, "unknown", 2);
        out(p, ": the batches do not record whether their source had control totals (older "
               "than batch format 5).");
    }
    out(p, "</div>\n");
}

static void card(page *p, const char *id, const char *zh, const char *en, tc_fen v,
                 const char *what)
{
    char b[TC_MONEY_GROUPED_BUFSZ];
    outf(p, "<div class=\"card\"><div class=\"l\">%s <span class=\"en\">%s</span> · 元 yuan"
            "</div><div class=\"v%s\" id=\"total-%s\">%s</div><div class=\"d\">%s</div>"
            "</div>\n", zh, en, v < 0 ? " neg" : "", id, tc_money_format_grouped(v, b), what);
}

/* The totals: first what moves and what is held, then the whole transfer
 * basis they add up to, then the claims and debts carried over. */
static void totals_cards(page *p, const json_t *doc, size_t n, const tc_rdoc_moves *mv)
{
    const json_t *t = json_object_get(doc, "totals");
    char d[512];
    out(p, "<section id=\"totals\">\n<h2>合计 <span class=\"en\">Totals</span></h2>\n"
           "<div class=\"cards\">\n");
    snprintf(d, sizeof(d), "无阻断问题的 %d 个统筹区，上划市财政专户 · %d of %zu counties, with no "
             "blocking finding, to the city special fiscal account", mv->nready, mv->nready, n);
    card(p, "ready", "可移交", "Ready to move", mv->ready, d);
    snprintf(d, sizeof(d), "有阻断问题的 %d 个统筹区，整改或经授权豁免后方可移交 · %d of %zu "
             "counties, held by blocking findings until fixed or waived", mv->nheld, mv->nheld, n);
    card(p, "held", "暂缓移交", "Held", mv->held, d);
    card(p, "transfer", "移交基数合计", "Transfer basis, all counties",
         tc_rdoc_fen(t, "transfer"),
         mv->kept ? "= 可移交 + 暂缓移交 + 部分移交保留 · ready + held + kept"
                  : "= 可移交 + 暂缓移交 · ready + held");
    if (mv->kept)
        card(p, "kept", "部分移交保留", "Kept", mv->kept,
             "部分移交中保留在原统筹区、不移交的基金 · funds a part handover keeps");
    card(p, "claims", "债权", "Claims", tc_rdoc_fen(t, "claims"),
         "单位欠费 + 财政补助欠拨 employer arrears + subsidy shortfall");
    card(p, "debts", "债务", "Debts", tc_rdoc_fen(t, "debts"),
         "应付定点医药机构 institution payables");
    out(p, "</div>\n</section>\n");
}

static void summary(page *p, const json_t *doc, const tc_rdoc_sums *cs)
{
    const json_t *counties = json_object_get(doc, "counties");
    size_t i;
    json_t *c;
    sums s = {{0}, 0};
    out(p, "<section id=\"summary\">\n<h2>汇总 <span class=\"en\">Summary per county</span></h2>\n"
           "<table>\n<thead><tr>");
    static const hcol H[] = {
        {"统筹区", "County", 0},   {"状态", "Status", 0},   {"现金", "Cash", 1},
        {"累计结余", "Net assets", 1}, {"个人账户", "Personal accounts", 1},
        {"债权", "Claims", 1},     {"债务", "Debts", 1},    {"移交金额", "Transfer", 1},
        {"阻断", "Blocking", 1},   {"警告", "Warnings", 1},
        {"县级控制合计", "Control totals from the county", 0},
    };
    thead(p, H, NCOLS(H));
    int blocking = 0, warnings = 0;
    json_array_foreach(counties, i, c) {
        const tc_rdoc_sums *x = &cs[i];
        out(p, "<tr><td>");
        county_label(p, c);
        out(p, "</td><td>");
        status_tag(p, tc_rdoc_county_status(x));
        out(p, "</td>");
        const tc_fen v[6] = {x->cash, x->net_assets, x->personal, x->claims, x->debts,
                             x->transfer};
        for (int k = 0; k < 6; k++) {
            td_amt(p, v[k]);
            sum_add(&s, k, v[k]);
        }
        outf(p, "<td class=\"n\">%d</td><td class=\"n\">%d</td><td>", x->blocking,
             x->warnings);
        controls_tag(p, tc_rdoc_county_controls(c));
        out(p, "</td></tr>\n");
        blocking += x->blocking, warnings += x->warnings;
    }
    out(p, "</tbody>\n<tfoot><tr><td>合计 Total</td><td>");
    status_tag(p, tc_rdoc_str(doc, "status"));
    out(p, "</td>");
    /* The document's own totals where it has them; the column sums for the
     * rest (which the document does not total). */
    const json_t *t = json_object_get(doc, "totals");
    td_amt(p, s.v[0]);
    td_amt(p, s.v[1]);
    td_amt(p, s.v[2]);
    td_amt(p, tc_rdoc_fen(t, "claims"));
    td_amt(p, tc_rdoc_fen(t, "debts"));
    td_amt(p, tc_rdoc_fen(t, "transfer"));
    outf(p, "<td class=\"n\">%d</td><td class=\"n\">%d</td><td></td></tr></tfoot>\n</table>\n",
         blocking, warnings);
    out(p, "<div class=\"charts\">\n");
    chart_transfer(p, counties, cs);
    chart_aging(p, counties, cs);
    chart_findings(p, counties);
    out(p, "</div>\n</section>\n");
}

/* A column of the per-fund tables: a key of the fund, a bucket of its
 * arrears_aging, or "claims", which the page adds up itself. */
typedef struct fund_col {
    const char *key, *zh, *en;
} fund_col;

static tc_fen fund_value(const json_t *f, const char *key, int *overflow)
{
    for (int a = 0; a < 3; a++)
        if (strcmp(key, tc_rdoc_aging_keys[a]) == 0)
            return tc_rdoc_fen(json_object_get(f, "arrears_aging"), key);
    if (strcmp(key, "claims") == 0 && !tc_rdoc_has(f, "claims")) {   /* a split's share has it */
        tc_fen v;
        if (tc_money_add(tc_rdoc_fen(f, "employer_arrears"), tc_rdoc_fen(f, "subsidy_shortfall"),
                         &v)) {
            *overflow = 1;
            return 0;
        }
        return v;
    }
    return tc_rdoc_fen(f, key);
}

/* One row per county (of units: the document's counties or its merged
 * sub-ledgers) and fund with the given columns and a total row; the net
 * assets are flagged where they differ from the fund balance. */
static int fund_table(page *p, const json_t *units, const fund_col *cols, int ncols)
{
    sums s = {{0}, 0};
    size_t i, j;
    json_t *c, *f;
    out(p, "<table>\n<thead><tr>");
    th(p, "统筹区", "County", 0);
    th(p, "基金", "Fund", 0);
    for (int k = 0; k < ncols; k++)
        th(p, cols[k].zh, cols[k].en, 1);
    out(p, "</tr></thead>\n<tbody>\n");
    json_array_foreach(units, i, c) {
        json_array_foreach(json_object_get(c, "funds"), j, f) {
            out(p, "<tr><td>");
            county_label(p, c);
            out(p, "</td><td>");
            fund_label(p, tc_rdoc_str(f, "fund"));
            if (tc_rdoc_has(f, "cutover")) { /* handed over at its own date */
                out(p, " <span class=\"tag\">截至 ");
                text(p, tc_rdoc_str(f, "cutover"));
                out(p, "</span>");
            }
            if (json_is_false(json_object_get(f, "handed_over")))   /* a part handover keeps it */
                out(p, " <span class=\"tag\">不移交 kept</span>");
            out(p, "</td>");
            for (int k = 0; k < ncols; k++) {
                tc_fen v = fund_value(f, cols[k].key, &s.overflow);
                sum_add(&s, k, v);
                if (strcmp(cols[k].key, "net_assets") == 0 &&
                    v != tc_rdoc_fen(f, "fund_balance")) {
                    char b[TC_MONEY_GROUPED_BUFSZ];
                    outf(p, "<td class=\"n flag%s\">%s</td>", v < 0 ? " neg" : "", tc_money_format_grouped(v, b));
                } else {
                    td_amt(p, v);
                }
            }
            out(p, "</tr>\n");
        }
    }
    out(p, "</tbody>\n<tfoot><tr><td colspan=\"2\">合计 Total</td>");
    for (int k = 0; k < ncols; k++)
        td_amt(p, s.v[k]);
    out(p, "</tr></tfoot>\n</table>\n");
    return s.overflow;
}

/* Whether a fund of a county is handed over at its own cutover. */
static int any_own_cutover(const json_t *doc)
{
    size_t i, j;
    json_t *c, *f;
    json_array_foreach(json_object_get(doc, "counties"), i, c)
        json_array_foreach(json_object_get(c, "funds"), j, f)
            if (tc_rdoc_has(f, "cutover"))
                return 1;
    return 0;
}

/* The transfer basis, and apart from it the claims and debts that travel
 * alongside the money (domain.md: they are not inside it). */
static int basis(page *p, const json_t *doc)
{
    static const fund_col money_cols[] = {
        {"cash", "现金", "Cash"}, {"ledger_receivables", "暂付款", "Receivables"},
        {"ledger_payables", "暂收款", "Payables"}, {"net_assets", "累计结余", "Net assets"},
        {"fund_balance", "基金余额", "Fund balance"},
        {"personal_accounts", "个人账户", "Personal accounts"},
        {"transfer", "移交金额", "Transfer"}};
    static const fund_col carried_cols[] = {
        {"employer_arrears", "单位欠费", "Employer arrears"},
        {"0-3", "0–3个月", "0–3 months"}, {"4-12", "4–12个月", "4–12 months"},
        {"13+", "13个月以上", "13+ months"}, {"overpaid", "多缴", "Overpaid"},
        {"subsidy_shortfall", "财政补助欠拨", "Subsidy shortfall"},
        {"claims", "债权合计", "Claims"},
        {"institution_payables", "应付医药机构 (债务)", "Institution payables (debts)"}};
    out(p, "<section id=\"basis\">\n<h2>移交基数 <span class=\"en\">Transfer basis per county "
           "and fund</span></h2>\n<p class=\"en\">累计结余 = 现金 + 暂付款 − 暂收款 · Net assets "
           "= cash + receivables − payables; 移交金额 = 现金 Transfer = cash. A highlighted net "
           "assets figure differs from the fund balance.</p>\n");
    if (any_own_cutover(doc)) {
        out(p, "<p class=\"en\">“截至”日期：该基金按自己的移交基准日取数（部分移交） · A fund "
               "marked with a date hands over at its own cutover, earlier than ");
        text(p, tc_rdoc_str(doc, "cutover"));
        out(p, " (a part handover): its balances, claims and debts are taken at that date.</p>\n");
    }
    int overflow = fund_table(p, json_object_get(doc, "counties"), money_cols, 7);
    out(p, "</section>\n<section id=\"carried\">\n<h2>债权债务 <span class=\"en\">Claims and "
           "debts carried over</span></h2>\n<p class=\"en\">随资金一并移交，不计入移交金额 · They "
           "travel alongside the money, not inside it: 债权 = 单位欠费 + 财政补助欠拨 Claims = "
           "employer arrears + subsidy shortfall.</p>\n");
    overflow |= fund_table(p, json_object_get(doc, "counties"), carried_cols, 8);
    out(p, "</section>\n");
    const json_t *regions = json_object_get(doc, "regions");
    if (json_array_size(regions)) {
        /* the second level: a sub-ledger that merges pools, their sums */
        out(p, "<section id=\"merged\">\n<h2>合并子账 <span class=\"en\">Merged city "
               "sub-ledgers</span></h2>\n<p class=\"en\">每个原统筹区单独核对、单独移交，子账为其合计 · "
               "Each source pool is checked and transferred on its own; a sub-ledger's figures "
               "are the sums of its pools':");
        size_t i, j;
        json_t *g, *pool;
        json_array_foreach(regions, i, g) {
            out(p, i ? "; " : " ");
            text(p, tc_rdoc_str(g, "county"));
            out(p, " = ");
            json_array_foreach(json_object_get(g, "pools"), j, pool) {
                out(p, j ? " + " : "");
                text(p, json_string_value(pool));
            }
        }
        out(p, ".</p>\n");
        overflow |= fund_table(p, regions, money_cols, 7);
        out(p, "</section>\n");
    }
    /* a split pool: what each of its sub-ledgers gets */
    static const fund_col split_cols[] = {
        {"cash", "移交资金", "Cash"}, {"receivables", "暂付款等债权", "Receivables"},
        {"payables", "暂收款等债务", "Payables"}, {"claims", "债权", "Claims"},
        {"debts", "债务", "Debts"}};
    size_t i;
    json_t *c;
    int any = 0;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        const json_t *split = json_object_get(c, "split");
        if (!json_array_size(split))
            continue;
        if (!any++)
            out(p, "<section id=\"split\">\n<h2>分立子账 <span class=\"en\">Split pools</span>"
                   "</h2>\n<p class=\"en\">原统筹区整体核对、一次移交；明细按记录规则归属，资金及"
                   "债权债务按分配表划入各子账 · A split pool is checked whole and moves once: its "
                   "records go where their rule says, its money, claims and debts as "
                   "allocation.csv divides them.</p>\n");
        out(p, "<h3>");
        county_label(p, c);
        out(p, "</h3>\n");
        overflow |= fund_table(p, split, split_cols, 5);
    }
    if (any)
        out(p, "</section>\n");
    return overflow;
}

static void finding_row(page *p, const json_t *c, const json_t *f, int *no)
{
    const char *code = tc_rdoc_str(f, "code"), *zh = tc_rdoc_check_zh(code);
    outf(p, "<tr><td class=\"n\">%d</td><td>", ++*no);
    county_label(p, c);
    out(p, "</td><td>");
    severity_tag(p, tc_rdoc_str(f, "severity"));
    out(p, "</td><td>");
    if (zh)
        outf(p, "%s<br>", zh);
    out(p, "<span class=\"mono\">");
    text(p, code);
    out(p, "</span></td><td>");
    fund_label(p, tc_rdoc_str(f, "fund"));
    out(p, "</td><td class=\"mono\">");
    text(p, tc_rdoc_has(f, "ref") ? tc_rdoc_str(f, "ref") : "—");
    out(p, "</td>");
    td_key(p, f, "amount");
    /* the Chinese message first, for the auditors; the English under it */
    out(p, "<td class=\"msg\">");
    if (tc_rdoc_has(f, "message_zh") && tc_rdoc_str(f, "message_zh")[0]) {
        text(p, tc_rdoc_str(f, "message_zh"));
        out(p, "<br><span class=\"en\">");
        text(p, tc_rdoc_str(f, "message"));
        out(p, "</span>");
    } else {
        text(p, tc_rdoc_str(f, "message"));
    }
    out(p, "</td></tr>\n");
}

static void findings(page *p, const json_t *doc)
{
    const json_t *counties = json_object_get(doc, "counties");
    size_t i, j;
    json_t *c, *f;
    int no = 0;
    out(p, "<section id=\"findings\">\n<h2>问题清单 <span class=\"en\">Findings</span></h2>\n");
    size_t total = 0;
    json_array_foreach(counties, i, c)
        total += json_array_size(json_object_get(c, "findings"));
    if (total == 0) {
        out(p, "<p class=\"none\">无问题 No findings.</p>\n</section>\n");
        return;
    }
    out(p, "<table>\n<thead><tr>");
    static const hcol H[] = {
        {"序号", "No.", 1},   {"统筹区", "County", 0},  {"级别", "Severity", 0},
        {"检查", "Check", 0}, {"基金", "Fund", 0},      {"凭据", "Reference", 0},
        {"金额", "Amount", 1}, {"说明", "Message", 0},
    };
    thead(p, H, NCOLS(H));
    /* Blocking findings first: they decide whether a county may move. */
    for (int pass = 0; pass < 2; pass++)
        json_array_foreach(counties, i, c)
            json_array_foreach(json_object_get(c, "findings"), j, f)
                if ((strcmp(tc_rdoc_str(f, "severity"), "blocking") == 0) == (pass == 0))
                    finding_row(p, c, f, &no);
    out(p, "</tbody>\n</table>\n</section>\n");
}

/* Start a schedule section; 0 when no county has a row for it. */
static int schedule_open(page *p, const json_t *doc, const char *key, const char *id,
                         const char *zh, const char *en)
{
    size_t i, rows = 0;
    json_t *c;
    json_array_foreach(json_object_get(doc, "counties"), i, c)
        rows += json_array_size(tc_rdoc_arr(json_object_get(c, "schedules"), key));
    outf(p, "<section id=\"%s\">\n<h2>%s <span class=\"en\">%s</span></h2>\n", id, zh, en);
    if (rows == 0) {
        out(p, "<p class=\"none\">无 None.</p>\n</section>\n");
        return 0;
    }
    out(p, "<table>\n<thead><tr>");
    th(p, "统筹区", "County", 0);
    return 1;
}

static void schedule_close(page *p, const sums *s, int lead, int ncols)
{
    outf(p, "</tbody>\n<tfoot><tr><td colspan=\"%d\">合计 Total</td>", lead);
    for (int k = 0; k < ncols; k++)
        td_amt(p, s->v[k]);
    out(p, "</tr></tfoot>\n</table>\n</section>\n");
}

/* The three schedules, one table each: their text columns, then amounts
 * summed into a total row. */
typedef enum { COL_MONO, COL_TEXT, COL_FUND, COL_LEVEL } col_kind;

typedef struct sched_col {
    const char *key, *zh, *en;
    col_kind kind;
} sched_col;

typedef struct schedule_def {
    const char *key, *id, *zh, *en;
    sched_col text[3];
    int ntext;
    sched_col amount[5];
    int namount;
} schedule_def;

static const schedule_def SCHEDULES[] = {
    {"employer_arrears", "arrears", "单位欠费及账龄", "Employer arrears with aging",
     {{"payer", "缴费单位", "Payer", COL_MONO}, {"fund", "基金", "Fund", COL_FUND}}, 2,
     {{"arrears", "欠费", "Arrears", 0}, {"0-3", "0–3个月", "0–3 months", 0},
      {"4-12", "4–12个月", "4–12 months", 0}, {"13+", "13个月以上", "13+ months", 0},
      {"overpaid", "多缴", "Overpaid", 0}}, 5},
    {"subsidy_shortfall", "subsidy", "财政补助欠拨", "Subsidy shortfall",
     {{"level", "级次", "Level", COL_LEVEL}, {"fund", "基金", "Fund", COL_FUND},
      {"year", "年度", "Year", COL_TEXT}}, 3,
     {{"due", "应拨", "Due", 0}, {"received", "已拨", "Received", 0},
      {"shortfall", "欠拨", "Shortfall", 0}}, 3},
    {"institution_payables", "payables", "应付医药机构", "Institution payables",
     {{"institution", "机构编码", "Institution", COL_MONO}, {"name", "机构名称", "Name", COL_TEXT},
      {"fund", "基金", "Fund", COL_FUND}}, 3,
     {{"settled", "已结算", "Settled", 0}, {"paid", "已支付", "Paid", 0},
      {"payable", "应付", "Payable", 0}}, 3},
};

static void sched_cell(page *p, const json_t *r, const sched_col *col)
{
    const char *v = tc_rdoc_str(r, col->key);
    switch (col->kind) {
    case COL_MONO:
        out(p, "<td class=\"mono\">");
        text(p, v);
        break;
    case COL_TEXT:
        out(p, "<td>");
        text(p, tc_rdoc_has(r, col->key) ? v : "—");
        break;
    case COL_FUND:
        out(p, "<td>");
        fund_label(p, v);
        break;
    case COL_LEVEL: {
        const char *zh = tc_rdoc_level_zh(v);
        out(p, "<td>");
        if (zh)
            outf(p, "%s ", zh);
        text(p, v);
        break;
    }
    }
    out(p, "</td>");
}

static int schedule(page *p, const json_t *doc, const schedule_def *d)
{
    if (!schedule_open(p, doc, d->key, d->id, d->zh, d->en))
        return 0;
    for (int k = 0; k < d->ntext; k++)
        th(p, d->text[k].zh, d->text[k].en, 0);
    for (int k = 0; k < d->namount; k++)
        th(p, d->amount[k].zh, d->amount[k].en, 1);
    out(p, "</tr></thead>\n<tbody>\n");
    sums s = {{0}, 0};
    size_t i, j;
    json_t *c, *r;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(tc_rdoc_arr(json_object_get(c, "schedules"), d->key), j, r) {
            out(p, "<tr><td>");
            county_label(p, c);
            out(p, "</td>");
            for (int k = 0; k < d->ntext; k++)
                sched_cell(p, r, &d->text[k]);
            for (int k = 0; k < d->namount; k++) {
                tc_fen v = tc_rdoc_fen(r, d->amount[k].key);
                td_amt(p, v);
                sum_add(&s, k, v);
            }
            out(p, "</tr>\n");
        }
    }
    schedule_close(p, &s, 1 + d->ntext, d->namount);
    return s.overflow;
}

/* One 余额调节表: the ledger side and the bank side, each adjusted by its
 * outstanding items, and whether the two adjusted balances agree. */
static int statement(page *p, const json_t *c, const json_t *b)
{
    tc_fen ledger = tc_rdoc_fen(b, "ledger"), stmt = tc_rdoc_fen(b, "statement");
    tc_fen rnb = tc_rdoc_fen(b, "received_not_booked"), pnb = tc_rdoc_fen(b, "paid_not_booked");
    tc_fen bnr = tc_rdoc_fen(b, "booked_not_received"), bnp = tc_rdoc_fen(b, "booked_not_paid");
    tc_fen left, right, diff;
    if (tc_money_add(ledger, rnb, &left) || tc_money_sub(left, pnb, &left) ||
        tc_money_add(stmt, bnr, &right) || tc_money_sub(right, bnp, &right) ||
        tc_money_sub(left, right, &diff))
        return 1;
    char b1[TC_MONEY_GROUPED_BUFSZ], b2[TC_MONEY_GROUPED_BUFSZ];
    out(p, "<div class=\"stmt\">\n<h3>");
    county_label(p, c);
    out(p, " · 账户 Account <span class=\"mono\">");
    text(p, tc_rdoc_str(b, "account"));
    out(p, "</span>");
    if (tc_rdoc_has(b, "fund")) {
        out(p, " · 基金 Fund ");
        fund_label(p, tc_rdoc_str(b, "fund"));
    }
    if (tc_rdoc_has(b, "role")) {
        const char *role = tc_rdoc_str(b, "role"), *zh = tc_rdoc_role_zh(role);
        out(p, " · ");
        if (zh)
            outf(p, "%s ", zh);
        text(p, role);
    }
    out(p, "</h3>\n<table class=\"adj\">\n<thead><tr>");
    static const hcol SIDES[] = {
        {"单位账面", "Ledger side", 0}, {"金额", "Amount", 1},
        {"银行对账单", "Bank side", 0}, {"金额", "Amount", 1},
    };
    thead(p, SIDES, NCOLS(SIDES));
    out(p, "<tr><td>银行存款日记账余额 <span class=\"en\">Ledger "
           "balance</span></td>");
    td_amt(p, ledger);
    out(p, "<td>银行对账单余额 <span class=\"en\">Statement balance</span></td>");
    td_amt(p, stmt);
    out(p, "</tr>\n<tr><td>加：银行已收、账上未收 <span class=\"en\">Add: received by bank, not "
           "booked</span></td>");
    td_amt(p, rnb);
    out(p, "<td>加：账上已收、银行未收 <span class=\"en\">Add: booked, not yet received</span>"
           "</td>");
    td_amt(p, bnr);
    out(p, "</tr>\n<tr><td>减：银行已付、账上未付 <span class=\"en\">Less: paid by bank, not "
           "booked</span></td>");
    td_amt(p, pnb);
    out(p, "<td>减：账上已付、银行未付 <span class=\"en\">Less: booked, not yet paid</span>"
           "</td>");
    td_amt(p, bnp);
    out(p, "</tr>\n<tr class=\"res\"><td>调节后余额 <span class=\"en\">Adjusted balance</span>"
           "</td>");
    td_amt(p, left);
    out(p, "<td>调节后余额 <span class=\"en\">Adjusted balance</span></td>");
    td_amt(p, right);
    out(p, "</tr>\n</tbody>\n</table>\n<p>");
    if (diff == 0)
        out(p, "<span class=\"ok\">已调平 Reconciled</span>");
    else
        outf(p, "<span class=\"bad\">未调平 Unreconciled: 差额 difference %s</span>",
             tc_money_format_grouped(diff, b1));
    tc_fen adj = tc_rdoc_fen(b, "adjusted");
    if (adj != left)
        outf(p, " · <span class=\"bad\">报告的调节后余额 reported adjusted balance %s</span>",
             tc_money_format_grouped(adj, b2));
    out(p, "</p>\n");
    json_t *items = tc_rdoc_arr(b, "items");
    if (json_array_size(items) == 0) {
        out(p, "<p class=\"none\">无未达账项 No outstanding items.</p>\n</div>\n");
        return 0;
    }
    out(p, "<table>\n<thead><tr>");
    static const hcol ITEMS[] = {
        {"未达账项", "Outstanding item", 0}, {"日期", "Date", 0},
        {"凭据", "Reference", 0},            {"金额", "Amount", 1},
    };
    thead(p, ITEMS, NCOLS(ITEMS));
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *kind = tc_rdoc_str(it, "kind");
        outf(p, "<tr><td>%s <span class=\"en\">%s</span></td><td>", tc_rdoc_kind_zh(kind),
             tc_rdoc_kind_en(kind));
        text(p, tc_rdoc_has(it, "date") ? tc_rdoc_str(it, "date") : "—");
        out(p, "</td><td class=\"mono\">");
        text(p, tc_rdoc_has(it, "ref") ? tc_rdoc_str(it, "ref") : "—");
        out(p, "</td>");
        td_amt(p, tc_rdoc_fen(it, "amount"));
        out(p, "</tr>\n");
    }
    out(p, "</tbody>\n</table>\n</div>\n");
    return 0;
}

static int bank(page *p, const json_t *doc)
{
    size_t i, j, n = 0;
    json_t *c, *b;
    out(p, "<section id=\"bank\">\n<h2>银行余额调节表 <span class=\"en\">Bank reconciliation "
           "statements</span></h2>\n<p class=\"en\">单位账面余额 + 银行已收未记 − 银行已付未记 = "
           "调节后余额 = 对账单余额 + 已记银行未收 − 已记银行未付 · Ledger + received not booked − "
           "paid not booked = adjusted = statement + booked not received − booked not paid.</p>\n");
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(json_object_get(c, "bank"), j, b) {
            if (statement(p, c, b))
                return 1;
            n++;
        }
    }
    if (n == 0)
        out(p, "<p class=\"none\">无 None.</p>\n");
    out(p, "</section>\n");
    return 0;
}

/* Each county's sources, by digest, with what their control totals
 * vouched for, in words (documents before "sources": no section). */
static void sources(page *p, const json_t *doc)
{
    size_t i, j;
    json_t *c, *x;
    int any = 0;
    json_array_foreach(json_object_get(doc, "counties"), i, c)
        any |= tc_rdoc_has(c, "sources");
    if (!any)
        return;
    out(p, "<section id=\"sources\">\n<h2>数据来源 <span class=\"en\">Sources</span></h2>\n"
           "<p class=\"en\">移交 XML 的尾部控制合计在提取时已逐项核对；数据库转储和在线数据库没有"
           "控制合计 · A handover XML's Trailer (record counts, amount sums) was checked at "
           "extraction; a database dump or a live database carries none.</p>\n<table>\n"
           "<thead><tr>");
    static const hcol H[] = {{"统筹区", "County", 0}, {"来源摘要", "Source digest", 0},
                             {"县级控制合计", "Control totals from the county", 0}};
    thead(p, H, NCOLS(H));
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        json_array_foreach(tc_rdoc_arr(c, "sources"), j, x) {
            const char *w = tc_rdoc_str(x, "controls");
            out(p, "<tr><td>");
            county_label(p, c);
            out(p, "</td><td class=\"mono\">");
            text(p, tc_rdoc_str(x, "source")[0] ? tc_rdoc_str(x, "source") : "—");
            out(p, "</td><td>");
            controls_tag(p, w);
            outf(p, " %s<br><span class=\"en\">%s</span></td></tr>\n", tc_rdoc_controls_zh(w),
                 tc_rdoc_controls_en(w));
        }
    }
    out(p, "</tbody>\n</table>\n</section>\n");
}

static void inputs(page *p, const json_t *doc)
{
    json_t *in = tc_rdoc_arr(doc, "inputs");
    if (json_array_size(in) == 0)
        return;
    out(p, "<section id=\"inputs\">\n<h2>输入文件 <span class=\"en\">Inputs</span></h2>\n"
           "<table>\n<thead><tr>");
    static const hcol H[] = {{"文件", "File", 0}, {"摘要", "Digest", 0}};
    thead(p, H, NCOLS(H));
    size_t i;
    json_t *f;
    json_array_foreach(in, i, f) {
        out(p, "<tr><td class=\"mono\">");
        text(p, tc_rdoc_str(f, "file"));
        out(p, "</td><td class=\"mono\">");
        text(p, tc_rdoc_str(f, "digest"));
        out(p, "</td></tr>\n");
    }
    out(p, "</tbody>\n</table>\n</section>\n");
}

/* ------------------------------------------------------------------ */
/* The page                                                           */
/* ------------------------------------------------------------------ */

static int render(page *p, const json_t *doc, const tc_rdoc_sums *cs, size_t n,
                  const tc_rdoc_moves *mv, tc_err *e)
{
    head(p, doc);
    banner(p, doc, cs, n, mv);
    controls_note(p, doc);
    totals_cards(p, doc, n, mv);
    summary(p, doc, cs);
    int overflow = basis(p, doc);
    findings(p, doc);
    for (size_t k = 0; k < sizeof(SCHEDULES) / sizeof(SCHEDULES[0]); k++)
        overflow |= schedule(p, doc, &SCHEDULES[k]);
    overflow |= bank(p, doc);
    sources(p, doc);
    inputs(p, doc);
    out(p, "<footer>由 tongchou " TC_VERSION " 根据 reconciliation.json 生成 · Made by tongchou "
           TC_VERSION " from reconciliation.json. 身份证号已脱敏 Identity numbers are masked."
           "</footer>\n</body>\n</html>\n");
    if (overflow)
        return tc_fail(e, TC_EINPUT, "reconciliation document: a column total overflows");
    if (p->nomem)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    return 0;
}

int tc_report_html(const json_t *doc, const char *path, tc_err *e)
{
    int rc = tc_rdoc_check(doc, e);
    if (rc)
        return rc;
    const json_t *counties = json_object_get(doc, "counties");
    size_t n = json_array_size(counties);
    tc_rdoc_sums *cs = calloc(n ? n : 1, sizeof(*cs));
    if (!cs)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if ((rc = tc_rdoc_county_sums(json_array_get(counties, i), &cs[i], e))) {
            free(cs);
            return rc;
        }
    tc_rdoc_moves mv;
    if ((rc = tc_rdoc_moves_of(cs, n, &mv, e))) {
        free(cs);
        return rc;
    }
    tc_atomic *a;
    if ((rc = tc_atomic_open(&a, path, e))) {
        free(cs);
        return rc;
    }
    page p = {tc_atomic_file(a), 0};
    rc = render(&p, doc, cs, n, &mv, e);
    free(cs);
    if (rc) {
        tc_atomic_abort(a);
        return rc;
    }
    return tc_atomic_commit(a, e);
}
