/*
 * diff_write.c - the result of a comparison as diff.json, as a page for
 * people, and as a few lines for a terminal.  See diff.h.
 *
 * All three are written straight from the result (diff_int.h), in the
 * order it holds: types by rank, records by natural key, counties, funds
 * and findings by code.  Nothing else goes in - no time, no host, no hash
 * key - so the same inputs give the same bytes.
 *
 * Every value shown passes through show(): an identity column (payer,
 * person) is masked whole (core/ident.h), any other text has each identity
 * number in it masked (tc_mask_ids_inplace), amounts are yuan with two
 * decimals, rates four, dates and periods as written in the handover XML.
 * The JSON escapes what JSON must and writes bytes that are not UTF-8 as
 * U+FFFD; the page escapes what HTML must and takes its style from the
 * reconciliation report (tc_report_css), so it looks like it and, like it,
 * needs nothing outside the file.
 */
#include "reconcile/diff_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident.h"
#include "core/version.h"
#include "reconcile/report.h"
#include "reconcile/report_doc.h"

#define SHOW_MAX (2 * TC_BATCH_MAX_RECORD + 64)

/* ------------------------------------------------------------ values */

/* Column c of t holding v, as people read it, into buf (SHOW_MAX). */
static const char *show(const dd_type *t, int c, const tc_value *v, char *buf)
{
    int64_t i = v->i;
    switch (t->h.cols[c].type) {
    case TC_COL_TEXT:
        if (dd_ident_col(t, c))
            return tc_ident_mask(v->s, v->n, buf, SHOW_MAX);
        for (uint32_t k = 0; k < v->n; k++)
            buf[k] = v->s[k] ? v->s[k] : '?';
        buf[v->n] = 0;
        tc_mask_ids_inplace(buf);
        return buf;
    case TC_COL_AMOUNT: return tc_money_format(i, buf);
    case TC_COL_RATE: return tc_rate_format((int32_t)i, buf);
    case TC_COL_DATE:
        snprintf(buf, SHOW_MAX, "%04d-%02d-%02d", (int)(i / 10000), (int)(i / 100 % 100),
                 (int)(i % 100));
        return buf;
    case TC_COL_PERIOD:
        snprintf(buf, SHOW_MAX, "%04d-%02d", (int)(i / 100), (int)(i % 100));
        return buf;
    default:
        snprintf(buf, SHOW_MAX, "%" PRId64, i);
        return buf;
    }
}

/* A string from a document, identity numbers masked; the caller frees it. */
static char *masked(const char *s)
{
    char *m = strdup(s ? s : "");
    if (m)
        tc_mask_ids_inplace(m);
    return m;
}

static const char *yuan(tc_fen v, char *buf) { return tc_money_format(v, buf); }

/* new - old; the comparison refused what does not fit. */
static tc_fen delta(tc_fen old, tc_fen new_)
{
    tc_fen d = 0;
    tc_money_sub(new_, old, &d);
    return d;
}

/* A delta with its sign: "+12.50", "-0.01", "0.00". */
static const char *signed_yuan(tc_fen v, char *buf)
{
    char b[TC_MONEY_BUFSZ];
    snprintf(buf, TC_MONEY_BUFSZ + 2, "%s%s", v > 0 ? "+" : "", tc_money_format(v, b));
    return buf;
}

/* How many of n the listing holds (the limit; batches list at most it). */
static long listed(const tc_diff *d, long n) { return n < d->limit ? n : d->limit; }

/* Decode a listed record into vals, text in a buffer the caller frees. */
static char *decode(const dd_type *t, const dd_rec *r, tc_value *vals)
{
    char *scratch = malloc(r->n + 1);
    if (scratch)
        dd_decode(t, r, vals, scratch);
    return scratch;
}

/* ================================================================ JSON */

/* s as a JSON string: escaped, and valid UTF-8 whatever it held. */
static void jstr(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', f);
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            p++;
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            fputc(c, f);
            p++;
        } else {
            int len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                      : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
            int ok = len > 0;
            for (int k = 1; ok && k < len; k++)
                ok = (p[k] & 0xC0) == 0x80;
            if (ok && len == 3)
                ok = !(c == 0xE0 && p[1] < 0xA0) && !(c == 0xED && p[1] >= 0xA0);
            if (ok && len == 4)
                ok = !(c == 0xF0 && p[1] < 0x90) && !(c == 0xF4 && p[1] >= 0x90);
            if (ok) {
                fwrite(p, 1, (size_t)len, f);
                p += len;
            } else {
                fputs("\\ufffd", f);
                p++;
            }
        }
    }
    fputc('"', f);
}

static void jmasked(FILE *f, const char *s)
{
    char *m = masked(s);
    jstr(f, m ? m : "");
    free(m);
}

static void jamount(FILE *f, tc_fen v)
{
    char b[TC_MONEY_BUFSZ];
    jstr(f, yuan(v, b));
}

/* A record as {"column": "value", ...}, every column, in header order. */
static void jrecord(FILE *f, const dd_type *t, const tc_value *v, char *buf)
{
    fputc('{', f);
    for (int c = 0; c < t->h.ncols; c++) {
        fputs(c ? ", " : "", f);
        jstr(f, t->h.colname[c]);
        fputs(": ", f);
        jstr(f, show(t, c, &v[c], buf));
    }
    fputc('}', f);
}

/* The natural key of a record as {"column": "value", ...}. */
static void jkey(FILE *f, const dd_type *t, const tc_value *v, char *buf)
{
    fputc('{', f);
    for (int j = 0; j < t->nkey; j++) {
        int c = t->order[j];
        fputs(j ? ", " : "", f);
        jstr(f, t->h.colname[c]);
        fputs(": ", f);
        jstr(f, show(t, c, &v[c], buf));
    }
    fputc('}', f);
}

/* A changed record: its key and each compared column that differs. */
static void jchanged(FILE *f, const dd_type *t, const tc_value *o, const tc_value *n, char *b1,
                     char *b2)
{
    fputs("{\"key\": ", f);
    jkey(f, t, n, b1);
    fputs(", \"columns\": [", f);
    int k = 0;
    for (int j = t->nkey; j < t->ncmp; j++) {
        int c = t->order[j];
        const char *so = show(t, c, &o[c], b1), *sn = show(t, c, &n[c], b2);
        int differ = t->h.cols[c].type == TC_COL_TEXT
                         ? o[c].n != n[c].n || memcmp(o[c].s, n[c].s, o[c].n) != 0
                         : o[c].i != n[c].i;
        if (!differ)
            continue;
        fputs(k++ ? ", " : "", f);
        fputs("{\"column\": ", f);
        jstr(f, t->h.colname[c]);
        fputs(", \"old\": ", f);
        jstr(f, so);
        fputs(", \"new\": ", f);
        jstr(f, sn);
        fputc('}', f);
    }
    fputs("]}", f);
}

/* A listing: one record a line. */
static int jlist(FILE *f, const dd_type *t, int l, const char *name, int last)
{
    const dd_list *ls = &t->list[l];
    char *b1 = malloc(SHOW_MAX), *b2 = malloc(SHOW_MAX);
    int rc = b1 && b2 ? 0 : -1;
    fprintf(f, "        \"%s\": [", name);
    for (long i = 0; i < ls->n && !rc; i++) {
        tc_value v[TC_MAX_COLUMNS], w[TC_MAX_COLUMNS];
        fputs(i ? ",\n          " : "\n          ", f);
        char *s1 = decode(t, ls->v[i], v), *s2 = NULL;
        if (!s1)
            rc = -1;
        else if (l != DL_CHANGED_OLD)
            jrecord(f, t, v, b1);
        else if (!(s2 = decode(t, t->list[DL_CHANGED_NEW].v[i], w)))
            rc = -1;
        else
            jchanged(f, t, v, w, b1, b2);
        free(s1);
        free(s2);
    }
    fprintf(f, "%s]%s\n", ls->n ? "\n        " : "", last ? "" : ",");
    free(b1);
    free(b2);
    return rc;
}

static void jside(FILE *f, const dd_type *t, int s)
{
    if (!t->present[s]) {
        fputs("null", f);
        return;
    }
    fputs("{\"file\": ", f);
    jmasked(f, t->file[s]);
    fprintf(f, ", \"records\": %" PRIu64 ", \"body\": ", t->count[s]);
    jstr(f, t->body[s]);
    fputc('}', f);
}

static int json_batches(const tc_diff *d, FILE *f)
{
    int rc = 0;
    fputs("  \"county\": ", f);
    jstr(f, d->county);
    fputs(",\n  \"coding\": ", f);
    jstr(f, d->coding);
    fputs(",\n  \"types\": [", f);
    for (int i = 0; i < d->ntypes && !rc; i++) {
        const dd_type *t = &d->types[i];
        fputs(i ? ",\n    {\n" : "\n    {\n", f);
        fputs("      \"type\": ", f);
        jstr(f, t->name);
        fputs(",\n      \"key\": [", f);
        for (int j = 0; j < t->nkey; j++) {
            fputs(j ? ", " : "", f);
            jstr(f, t->h.colname[t->order[j]]);
        }
        fputs("],\n      \"old\": ", f);
        jside(f, t, 0);
        fputs(",\n      \"new\": ", f);
        jside(f, t, 1);
        fprintf(f, ",\n      \"added\": %" PRIu64 ",\n      \"removed\": %" PRIu64
                   ",\n      \"changed\": %" PRIu64 ",\n",
                t->added, t->removed, t->changed);
        fprintf(f, "      \"repeated_keys\": {\"old\": %" PRIu64 ", \"new\": %" PRIu64 "},\n",
                t->repeated[0], t->repeated[1]);
        fputs("      \"totals\": [", f);
        int k = 0;
        for (int c = 0; c < t->h.ncols; c++) {
            if (t->h.cols[c].type != TC_COL_AMOUNT)
                continue;
            fputs(k++ ? ",\n        " : "\n        ", f);
            fputs("{\"column\": ", f);
            jstr(f, t->h.colname[c]);
            fputs(", \"old\": ", f);
            jamount(f, t->total[0][c]);
            fputs(", \"new\": ", f);
            jamount(f, t->total[1][c]);
            fputs(", \"delta\": ", f);
            jamount(f, delta(t->total[0][c], t->total[1][c]));
            fputc('}', f);
        }
        fputs(k ? "\n      ],\n" : "],\n", f);
        fputs("      \"listed\": {\n", f);
        rc = jlist(f, t, DL_ADDED, "added", 0);
        if (!rc)
            rc = jlist(f, t, DL_REMOVED, "removed", 0);
        if (!rc)
            rc = jlist(f, t, DL_CHANGED_OLD, "changed", 1);
        fputs("      }\n    }", f);
    }
    fputs(d->ntypes ? "\n  ]\n" : "]\n", f);
    return rc;
}

/* A figure as {"county", "fund" | "account", "figure", "old", "new", "delta"}. */
static void jfigure(FILE *f, const dd_figure *x)
{
    fputc('{', f);
    if (x->county) {
        fputs("\"county\": ", f);
        jstr(f, x->county);
        fputs(", ", f);
    }
    if (x->fund || x->account) {
        fputs(x->fund ? "\"fund\": " : "\"account\": ", f);
        jmasked(f, x->fund ? x->fund : x->account);
        fputs(", ", f);
    }
    fputs("\"figure\": ", f);
    jstr(f, x->figure);
    for (int s = 0; s < 2; s++) {
        fputs(s ? ", \"new\": " : ", \"old\": ", f);
        if (x->has[s])
            jamount(f, x->v[s]);
        else
            fputs("null", f);
    }
    fputs(", \"delta\": ", f);
    jamount(f, delta(x->v[0], x->v[1]));
    fputc('}', f);
}

static void jfinding(FILE *f, const dd_finding *x)
{
    static const char *const keys[] = {"county", "code", "fund", "ref", "severity"};
    const char *vals[] = {x->county, x->code, x->fund, x->ref, x->severity};
    fputc('{', f);
    for (int i = 0; i < 5; i++) {
        fprintf(f, "%s\"%s\": ", i ? ", " : "", keys[i]);
        jmasked(f, vals[i]);
    }
    fputs(", \"amount\": ", f);
    if (x->has_amount)
        jamount(f, x->amount);
    else
        fputs("null", f);
    fputs(", \"message\": ", f);
    jmasked(f, x->message);
    fputc('}', f);
}

static void json_recon(const tc_diff *d, FILE *f)
{
    fputs("  \"document\": [", f);
    for (int i = 0; i < d->nfields; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        fputs("{\"field\": ", f);
        jstr(f, d->fields[i].field);
        fputs(", \"old\": ", f);
        jmasked(f, d->fields[i].v[0]);
        fputs(", \"new\": ", f);
        jmasked(f, d->fields[i].v[1]);
        fputc('}', f);
    }
    fputs(d->nfields ? "\n  ],\n" : "],\n", f);
    fputs("  \"counties\": [", f);
    for (long i = 0; i < d->ncounties; i++) {
        const dd_county *c = &d->counties[i];
        fputs(i ? ",\n    " : "\n    ", f);
        fputs("{\"county\": ", f);
        jstr(f, c->county);
        fputs(", \"name\": ", f);
        jmasked(f, c->name);
        for (int s = 0; s < 2; s++) {
            fputs(s ? ", \"new\": " : ", \"old\": ", f);
            if (c->status[s])
                jstr(f, c->status[s]);
            else
                fputs("null", f);
        }
        fputs(", \"blocked\": {", f);
        for (int s = 0; s < 2; s++)
            fprintf(f, "%s\"%s\": %s", s ? ", " : "", s ? "new" : "old",
                    !c->status[s] ? "null" : strcmp(c->status[s], "blocked") == 0 ? "true"
                                                                                 : "false");
        fputs("}}", f);
    }
    fputs(d->ncounties ? "\n  ],\n" : "],\n", f);
    fputs("  \"figures\": [", f);
    for (long i = 0; i < d->nfigures; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        jfigure(f, &d->figures[i]);
    }
    fputs(d->nfigures ? "\n  ],\n" : "],\n", f);
    fprintf(f, "  \"findings\": {\n    \"added\": %ld,\n    \"removed\": %ld,\n"
               "    \"changed\": %ld,\n    \"listed\": {\n",
            d->nfnd[DF_ADDED], d->nfnd[DF_REMOVED], d->nfnd[DF_CHANGED]);
    static const char *const names[3] = {"added", "removed", "changed"};
    for (int k = 0; k < 3; k++) {
        long n = listed(d, d->nfnd[k]);
        fprintf(f, "      \"%s\": [", names[k]);
        for (long i = 0; i < n; i++) {
            fputs(i ? ",\n        " : "\n        ", f);
            if (k != DF_CHANGED) {
                jfinding(f, &d->fnd[k][i]);
                continue;
            }
            fputs("{\"old\": ", f);
            jfinding(f, &d->fnd[k][2 * i]);
            fputs(", \"new\": ", f);
            jfinding(f, &d->fnd[k][2 * i + 1]);
            fputc('}', f);
        }
        fprintf(f, "%s]%s\n", n ? "\n      " : "", k < 2 ? "," : "");
    }
    fputs("    }\n  }\n", f);
}

int tc_diff_write_json(const tc_diff *d, FILE *f, tc_err *e)
{
    fputs("{\n  \"format\": \"tongchou-diff/1\",\n", f);
    fprintf(f, "  \"kind\": \"%s\",\n  \"old\": ",
            d->kind == DD_BATCHES ? "batches" : "reconciliations");
    jmasked(f, d->path[0]);
    fputs(",\n  \"new\": ", f);
    jmasked(f, d->path[1]);
    fprintf(f, ",\n  \"limit\": %ld,\n  \"changed\": %s,\n", d->limit,
            tc_diff_changed(d) ? "true" : "false");
    int rc = 0;
    if (d->kind == DD_BATCHES)
        rc = json_batches(d, f);
    else
        json_recon(d, f);
    fputs("}\n", f);
    if (rc)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (ferror(f))
        return tc_fail(e, TC_EIO, "cannot write the difference");
    return 0;
}

/* ================================================================ page */

static void h(FILE *f, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
}

static void hmasked(FILE *f, const char *s)
{
    char *m = masked(s);
    h(f, m ? m : "");
    free(m);
}

static void td_amt(FILE *f, tc_fen v, int flag)
{
    char b[TC_MONEY_GROUPED_BUFSZ];
    fprintf(f, "<td class=\"n%s%s\">%s</td>", v < 0 ? " neg" : "", flag ? " flag" : "",
            tc_money_format_grouped(v, b));
}

static void td_delta(FILE *f, tc_fen v)
{
    char b[TC_MONEY_GROUPED_BUFSZ];
    fprintf(f, "<td class=\"n%s\">%s%s</td>", v < 0 ? " neg" : "", v > 0 ? "+" : "",
            tc_money_format_grouped(v, b));
}

static void td_count(FILE *f, uint64_t n)
{
    fprintf(f, "<td class=\"n\">%" PRIu64 "</td>", n);
}

static void th(FILE *f, const char *zh, const char *en, int num)
{
    fprintf(f, "<th%s>%s<br><span class=\"en\">%s</span></th>", num ? " class=\"n\"" : "", zh,
            en);
}

static void page_head(const tc_diff *d, FILE *f)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>数据差异 Differences</title>\n<style>\n", f);
    fputs(tc_report_css(), f);
    fputs("</style>\n</head>\n<body>\n<header class=\"doc\">\n<div class=\"kicker\">"
          "基本医疗保险基金市级统筹 · Basic medical insurance funds, handover to city-level "
          "pooling</div>\n<h1>", f);
    if (d->kind == DD_BATCHES)
        fputs("更正数据差异 <span class=\"en\">What changed between two exports</span>", f);
    else
        fputs("对账结果差异 <span class=\"en\">What changed between two reconciliations</span>",
              f);
    fputs("</h1>\n<dl class=\"meta\">\n", f);
    if (d->kind == DD_BATCHES) {
        fputs("<dt>统筹区 County</dt><dd class=\"mono\">", f);
        h(f, d->county);
        fputs("</dd>\n<dt>编码 Coding</dt><dd>", f);
        h(f, d->coding);
        fputs("</dd>\n", f);
    }
    fputs("<dt>原数据 Old</dt><dd><code>", f);
    hmasked(f, d->path[0]);
    fputs("</code></dd>\n<dt>新数据 New</dt><dd><code>", f);
    hmasked(f, d->path[1]);
    fprintf(f, "</code></dd>\n<dt>逐条列出上限 Listed per category</dt><dd>%ld</dd>\n"
               "</dl>\n</header>\n", d->limit);
    int changed = tc_diff_changed(d);
    fprintf(f, "<div class=\"banner %s\"><strong>%s</strong>%s</div>\n",
            changed ? "findings" : "clean", changed ? "有差异 Different" : "相同 Identical",
            changed ? "下列记录与数字有变动。 The records and figures below changed."
                    : "两份数据内容相同。 Both hold the same records and figures.");
}

static void page_foot(FILE *f)
{
    fputs("<footer>由 tongchou " TC_VERSION " 生成 · Made by tongchou " TC_VERSION
          ". 身份证号已脱敏 Identity numbers are masked.</footer>\n</body>\n</html>\n", f);
}

/* The "first n of m" note under a listing that does not hold every record. */
static void more_note(FILE *f, long n, uint64_t m)
{
    if ((uint64_t)n < m)
        fprintf(f, "<p class=\"none\">列出前 %ld 条,共 %" PRIu64 " 条 · the first %ld of %" PRIu64
                   " (diff.json lists the same; raise --limit for more)</p>\n", n, m, n, m);
}

/* A listing of whole records (added, removed). */
static int page_records(FILE *f, const dd_type *t, int l, const char *zh, const char *en,
                        uint64_t total, char *buf)
{
    const dd_list *ls = &t->list[l];
    if (!total)
        return 0;
    fprintf(f, "<h3>%s <span class=\"en\">%s</span> (%" PRIu64 ")</h3>\n", zh, en, total);
    if (!ls->n) {
        fputs("<p class=\"none\">未逐条列出 · not listed (--limit 0)</p>\n", f);
        return 0;
    }
    fputs("<table>\n<thead><tr>", f);
    for (int c = 0; c < t->h.ncols; c++) {
        int num = t->h.cols[c].type == TC_COL_AMOUNT || t->h.cols[c].type == TC_COL_INT;
        fprintf(f, "<th%s>", num ? " class=\"n\"" : "");
        h(f, t->h.colname[c]);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (long i = 0; i < ls->n; i++) {
        tc_value v[TC_MAX_COLUMNS];
        char *s = decode(t, ls->v[i], v);
        if (!s)
            return -1;
        fputs("<tr>", f);
        for (int c = 0; c < t->h.ncols; c++) {
            if (t->h.cols[c].type == TC_COL_AMOUNT) {
                td_amt(f, v[c].i, 0);
                continue;
            }
            fprintf(f, "<td%s>", t->h.cols[c].type == TC_COL_INT ? " class=\"n\"" : "");
            h(f, show(t, c, &v[c], buf));
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
        free(s);
    }
    fputs("</tbody>\n</table>\n", f);
    more_note(f, ls->n, total);
    return 0;
}

/* The changed records: the key, then each column that moved, old and new. */
static int page_changed(FILE *f, const dd_type *t, char *b1, char *b2)
{
    const dd_list *lo = &t->list[DL_CHANGED_OLD], *ln = &t->list[DL_CHANGED_NEW];
    if (!t->changed)
        return 0;
    fprintf(f, "<h3>变更 <span class=\"en\">Changed</span> (%" PRIu64 ")</h3>\n", t->changed);
    if (!lo->n) {
        fputs("<p class=\"none\">未逐条列出 · not listed (--limit 0)</p>\n", f);
        return 0;
    }
    fputs("<table>\n<thead><tr>", f);
    for (int j = 0; j < t->nkey; j++) {
        fputs("<th>", f);
        h(f, t->h.colname[t->order[j]]);
        fputs("</th>", f);
    }
    th(f, "字段", "Column", 0);
    th(f, "原值", "Old", 1);
    th(f, "新值", "New", 1);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (long i = 0; i < lo->n; i++) {
        tc_value o[TC_MAX_COLUMNS], n[TC_MAX_COLUMNS];
        char *s1 = decode(t, lo->v[i], o), *s2 = s1 ? decode(t, ln->v[i], n) : NULL;
        if (!s2) {
            free(s1);
            return -1;
        }
        for (int j = t->nkey; j < t->ncmp; j++) {
            int c = t->order[j];
            int differ = t->h.cols[c].type == TC_COL_TEXT
                             ? o[c].n != n[c].n || memcmp(o[c].s, n[c].s, o[c].n) != 0
                             : o[c].i != n[c].i;
            if (!differ)
                continue;
            fputs("<tr>", f);
            for (int k = 0; k < t->nkey; k++) {
                fputs("<td class=\"mono\">", f);
                h(f, show(t, t->order[k], &n[t->order[k]], b1));
                fputs("</td>", f);
            }
            fputs("<td>", f);
            h(f, t->h.colname[c]);
            fputs("</td>", f);
            if (t->h.cols[c].type == TC_COL_AMOUNT) {
                td_amt(f, o[c].i, 0);
                td_amt(f, n[c].i, 1);
            } else {
                fputs("<td class=\"n\">", f);
                h(f, show(t, c, &o[c], b1));
                fputs("</td><td class=\"n flag\">", f);
                h(f, show(t, c, &n[c], b2));
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
        free(s1);
        free(s2);
    }
    fputs("</tbody>\n</table>\n", f);
    more_note(f, lo->n, t->changed);
    return 0;
}

/* The control totals of every amount column: old, new, the change. */
static void page_totals(FILE *f, const dd_type *t)
{
    fputs("<h3>控制合计 <span class=\"en\">Control totals</span></h3>\n<table>\n<thead><tr>", f);
    th(f, "金额列", "Amount column", 0);
    th(f, "原合计", "Old total", 1);
    th(f, "新合计", "New total", 1);
    th(f, "变动", "Change", 1);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (int c = 0; c < t->h.ncols; c++) {
        if (t->h.cols[c].type != TC_COL_AMOUNT)
            continue;
        int mv = t->total[0][c] != t->total[1][c];
        fputs("<tr><td>", f);
        h(f, t->h.colname[c]);
        fputs("</td>", f);
        td_amt(f, t->total[0][c], 0);
        td_amt(f, t->total[1][c], mv);
        td_delta(f, delta(t->total[0][c], t->total[1][c]));
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static int page_batches(const tc_diff *d, FILE *f)
{
    fputs("<section id=\"types\">\n<h2>各类记录 <span class=\"en\">Record types</span></h2>\n"
          "<table>\n<thead><tr>", f);
    th(f, "类型", "Type", 0);
    th(f, "原记录数", "Old records", 1);
    th(f, "新记录数", "New records", 1);
    th(f, "新增", "Added", 1);
    th(f, "删除", "Removed", 1);
    th(f, "变更", "Changed", 1);
    th(f, "键重复", "Repeated keys old / new", 1);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (int i = 0; i < d->ntypes; i++) {
        const dd_type *t = &d->types[i];
        fputs("<tr><td class=\"mono\">", f);
        h(f, t->name);
        fputs("</td>", f);
        for (int s = 0; s < 2; s++) {
            if (t->present[s])
                td_count(f, t->count[s]);
            else
                fputs("<td class=\"n\">—</td>", f);
        }
        td_count(f, t->added);
        td_count(f, t->removed);
        td_count(f, t->changed);
        fprintf(f, "<td class=\"n\">%" PRIu64 " / %" PRIu64 "</td></tr>\n", t->repeated[0],
                t->repeated[1]);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
    char *b1 = malloc(SHOW_MAX), *b2 = malloc(SHOW_MAX);
    int rc = b1 && b2 ? 0 : -1;
    for (int i = 0; i < d->ntypes && !rc; i++) {
        const dd_type *t = &d->types[i];
        int moves = 0;
        for (int c = 0; c < t->h.ncols; c++)
            moves |= t->total[0][c] != t->total[1][c];
        if (!t->added && !t->removed && !t->changed && !moves)
            continue;
        fputs("<section>\n<h2 class=\"mono\">", f);
        h(f, t->name);
        fputs("</h2>\n<p>", f);
        for (int s = 0; s < 2; s++) {
            fputs(s ? "<br>新 New: " : "原 Old: ", f);
            if (t->present[s]) {
                fputs("<code>", f);
                hmasked(f, t->file[s]);
                fputs("</code>", f);
            } else {
                fputs("—", f);
            }
        }
        fputs("<br>自然键 Natural key: ", f);
        for (int j = 0; j < t->nkey; j++) {
            fputs(j ? ", " : "", f);
            h(f, t->h.colname[t->order[j]]);
        }
        fputs("</p>\n", f);
        int namounts = 0;
        for (int c = 0; c < t->h.ncols; c++)
            namounts += t->h.cols[c].type == TC_COL_AMOUNT;
        if (namounts)
            page_totals(f, t);
        rc = page_records(f, t, DL_ADDED, "新增", "Added", t->added, b1);
        if (!rc)
            rc = page_records(f, t, DL_REMOVED, "删除", "Removed", t->removed, b1);
        if (!rc)
            rc = page_changed(f, t, b1, b2);
        fputs("</section>\n", f);
    }
    free(b1);
    free(b2);
    return rc;
}

static void finding_cells(FILE *f, const dd_finding *x)
{
    const char *cells[] = {x->county, x->code, x->fund, x->ref, x->severity};
    for (int i = 0; i < 5; i++) {
        fputs(i == 3 ? "<td class=\"mono\">" : "<td>", f);
        hmasked(f, cells[i]);
        fputs("</td>", f);
    }
    if (x->has_amount)
        td_amt(f, x->amount, 0);
    else
        fputs("<td class=\"n\">—</td>", f);
    fputs("<td class=\"msg\">", f);
    hmasked(f, x->message);
    fputs("</td>", f);
}

static void finding_head(FILE *f, const char *zh, const char *en, long n)
{
    fprintf(f, "<h3>%s <span class=\"en\">%s</span> (%ld)</h3>\n<table>\n<thead><tr>", zh, en,
            n);
    th(f, "统筹区", "County", 0);
    th(f, "问题", "Code", 0);
    th(f, "险种", "Fund", 0);
    th(f, "位置", "Ref", 0);
    th(f, "级别", "Severity", 0);
    th(f, "金额", "Amount", 1);
    th(f, "说明", "Message", 0);
    fputs("</tr></thead>\n<tbody>\n", f);
}

static void page_recon(const tc_diff *d, FILE *f)
{
    if (d->nfields) {
        fputs("<section>\n<h2>文件 <span class=\"en\">The document</span></h2>\n<table>\n"
              "<thead><tr>", f);
        th(f, "项目", "Field", 0);
        th(f, "原值", "Old", 0);
        th(f, "新值", "New", 0);
        fputs("</tr></thead>\n<tbody>\n", f);
        for (int i = 0; i < d->nfields; i++) {
            fputs("<tr><td>", f);
            h(f, d->fields[i].field);
            for (int s = 0; s < 2; s++) {
                fputs("</td><td class=\"mono\">", f);
                hmasked(f, d->fields[i].v[s]);
            }
            fputs("</td></tr>\n", f);
        }
        fputs("</tbody>\n</table>\n</section>\n", f);
    }
    fputs("<section>\n<h2>统筹区状态 <span class=\"en\">Counties</span></h2>\n", f);
    if (!d->ncounties) {
        fputs("<p class=\"none\">无统筹区增减或状态变化 · no county added, removed or changed "
              "status</p>\n", f);
    } else {
        fputs("<table>\n<thead><tr>", f);
        th(f, "统筹区", "County", 0);
        th(f, "原状态", "Old status", 0);
        th(f, "新状态", "New status", 0);
        fputs("</tr></thead>\n<tbody>\n", f);
        for (long i = 0; i < d->ncounties; i++) {
            const dd_county *c = &d->counties[i];
            fputs("<tr><td><span class=\"mono\">", f);
            h(f, c->county);
            fputs("</span> ", f);
            hmasked(f, c->name);
            fputs("</td>", f);
            for (int s = 0; s < 2; s++) {
                const char *st = c->status[s];
                if (!st)
                    fprintf(f, "<td>%s</td>", s ? "已移除 removed" : "新增 added");
                else
                    fprintf(f, "<td><span class=\"tag %s\">%s %s</span></td>", st,
                            tc_rdoc_status_zh(st) ? tc_rdoc_status_zh(st) : "", st);
            }
            fputs("</tr>\n", f);
        }
        fputs("</tbody>\n</table>\n", f);
    }
    fputs("</section>\n<section>\n<h2>变动的数字 <span class=\"en\">Figures that move</span>"
          "</h2>\n", f);
    if (!d->nfigures) {
        fputs("<p class=\"none\">无 · none</p>\n", f);
    } else {
        fputs("<table>\n<thead><tr>", f);
        th(f, "统筹区", "County", 0);
        th(f, "险种 / 账户", "Fund / account", 0);
        th(f, "项目", "Figure", 0);
        th(f, "原值", "Old", 1);
        th(f, "新值", "New", 1);
        th(f, "变动", "Change", 1);
        fputs("</tr></thead>\n<tbody>\n", f);
        for (long i = 0; i < d->nfigures; i++) {
            const dd_figure *x = &d->figures[i];
            fputs("<tr><td class=\"mono\">", f);
            h(f, x->county ? x->county : "全市 city");
            fputs("</td><td class=\"mono\">", f);
            hmasked(f, x->fund ? x->fund : x->account ? x->account : "");
            if (x->fund && tc_rdoc_fund_zh(x->fund))
                fprintf(f, " <span class=\"zh\">%s</span>", tc_rdoc_fund_zh(x->fund));
            fputs("</td><td>", f);
            h(f, x->figure);
            fputs("</td>", f);
            for (int s = 0; s < 2; s++) {
                if (x->has[s])
                    td_amt(f, x->v[s], 0);
                else
                    fputs("<td class=\"n\">—</td>", f);
            }
            td_delta(f, delta(x->v[0], x->v[1]));
            fputs("</tr>\n", f);
        }
        fputs("</tbody>\n</table>\n", f);
    }
    fputs("</section>\n<section>\n<h2>问题 <span class=\"en\">Findings</span></h2>\n", f);
    static const char *const zh[3] = {"新增", "消除", "变更"}, *const en[3] = {"Added", "Gone",
                                                                          "Changed"};
    for (int k = 0; k < 3; k++) {
        long n = listed(d, d->nfnd[k]);
        if (!d->nfnd[k])
            continue;
        finding_head(f, zh[k], en[k], d->nfnd[k]);
        for (long i = 0; i < n; i++) {
            if (k != DF_CHANGED) {
                fputs("<tr>", f);
                finding_cells(f, &d->fnd[k][i]);
                fputs("</tr>\n", f);
                continue;
            }
            fputs("<tr><td colspan=\"7\" class=\"zh\">原 old</td></tr>\n<tr>", f);
            finding_cells(f, &d->fnd[k][2 * i]);
            fputs("</tr>\n<tr><td colspan=\"7\" class=\"zh\">新 new</td></tr>\n<tr>", f);
            finding_cells(f, &d->fnd[k][2 * i + 1]);
            fputs("</tr>\n", f);
        }
        fputs("</tbody>\n</table>\n", f);
        more_note(f, n, (uint64_t)d->nfnd[k]);
    }
    if (!d->nfnd[0] && !d->nfnd[1] && !d->nfnd[2])
        fputs("<p class=\"none\">无 · none</p>\n", f);
    fputs("</section>\n", f);
}

int tc_diff_write_page(const tc_diff *d, FILE *f, tc_err *e)
{
    page_head(d, f);
    int rc = 0;
    if (d->kind == DD_BATCHES)
        rc = page_batches(d, f);
    else
        page_recon(d, f);
    page_foot(f);
    if (rc)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (ferror(f))
        return tc_fail(e, TC_EIO, "cannot write the page");
    return 0;
}

/* ============================================================== summary */

#define SUMMARY_ROWS 10   /* figures and findings a terminal is shown */

static void summary_batches(const tc_diff *d, FILE *f)
{
    int differ = 0;
    for (int i = 0; i < d->ntypes; i++) {
        const dd_type *t = &d->types[i];
        differ += t->added || t->removed || t->changed || t->present[0] != t->present[1];
    }
    fprintf(f, "county %s (%s coding): %d of %d record types differ\n", d->county, d->coding,
            differ, d->ntypes);
    fprintf(f, "%-24s %12s %12s %10s %10s %10s\n", "type", "old", "new", "added", "removed",
            "changed");
    for (int i = 0; i < d->ntypes; i++) {
        const dd_type *t = &d->types[i];
        char o[24] = "-", n[24] = "-";
        if (t->present[0])
            snprintf(o, sizeof(o), "%" PRIu64, t->count[0]);
        if (t->present[1])
            snprintf(n, sizeof(n), "%" PRIu64, t->count[1]);
        fprintf(f, "%-24s %12s %12s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n", t->name, o, n,
                t->added, t->removed, t->changed);
        for (int c = 0; c < t->h.ncols; c++) {
            if (t->h.cols[c].type != TC_COL_AMOUNT || t->total[0][c] == t->total[1][c])
                continue;
            char a[TC_MONEY_BUFSZ], b[TC_MONEY_BUFSZ], dl[TC_MONEY_BUFSZ + 2];
            fprintf(f, "  total %-16s %s -> %s (%s)\n", t->h.colname[c], yuan(t->total[0][c], a),
                    yuan(t->total[1][c], b), signed_yuan(delta(t->total[0][c], t->total[1][c]), dl));
        }
    }
}

static void summary_finding(FILE *f, char sign, const dd_finding *x)
{
    char a[TC_MONEY_BUFSZ] = "";
    char *ref = masked(x->ref);
    fprintf(f, "  %c %s %s %s %s %s %s\n", sign, x->county, x->code, x->fund[0] ? x->fund : "-",
            ref && ref[0] ? ref : "-", x->severity, x->has_amount ? yuan(x->amount, a) : "");
    free(ref);
}

static void summary_recon(const tc_diff *d, FILE *f)
{
    for (int i = 0; i < d->nfields; i++) {
        char *o = masked(d->fields[i].v[0]), *n = masked(d->fields[i].v[1]);
        fprintf(f, "%s: %s -> %s\n", d->fields[i].field, o ? o : "", n ? n : "");
        free(o);
        free(n);
    }
    for (long i = 0; i < d->ncounties; i++) {
        const dd_county *c = &d->counties[i];
        fprintf(f, "county %s: %s -> %s\n", c->county, c->status[0] ? c->status[0] : "(none)",
                c->status[1] ? c->status[1] : "(none)");
    }
    fprintf(f, "figures that move: %ld\n", d->nfigures);
    for (long i = 0; i < d->nfigures && i < SUMMARY_ROWS; i++) {
        const dd_figure *x = &d->figures[i];
        char a[TC_MONEY_BUFSZ], b[TC_MONEY_BUFSZ], dl[TC_MONEY_BUFSZ + 2];
        char *where = masked(x->fund ? x->fund : x->account ? x->account : "");
        fprintf(f, "  %s %s %s: %s -> %s (%s)\n", x->county ? x->county : "city",
                where && where[0] ? where : "-", x->figure, x->has[0] ? yuan(x->v[0], a) : "-",
                x->has[1] ? yuan(x->v[1], b) : "-", signed_yuan(delta(x->v[0], x->v[1]), dl));
        free(where);
    }
    if (d->nfigures > SUMMARY_ROWS)
        fprintf(f, "  ... and %ld more\n", d->nfigures - SUMMARY_ROWS);
    fprintf(f, "findings: %ld added, %ld removed, %ld changed\n", d->nfnd[DF_ADDED],
            d->nfnd[DF_REMOVED], d->nfnd[DF_CHANGED]);
    for (long i = 0; i < d->nfnd[DF_ADDED] && i < SUMMARY_ROWS; i++)
        summary_finding(f, '+', &d->fnd[DF_ADDED][i]);
    for (long i = 0; i < d->nfnd[DF_REMOVED] && i < SUMMARY_ROWS; i++)
        summary_finding(f, '-', &d->fnd[DF_REMOVED][i]);
    for (long i = 0; i < d->nfnd[DF_CHANGED] && i < SUMMARY_ROWS; i++)
        summary_finding(f, '~', &d->fnd[DF_CHANGED][2 * i + 1]);
}

void tc_diff_summary(const tc_diff *d, FILE *f)
{
    if (d->kind == DD_BATCHES)
        summary_batches(d, f);
    else
        summary_recon(d, f);
    fprintf(f, "%s\n", tc_diff_changed(d) ? "they differ" : "identical");
}
