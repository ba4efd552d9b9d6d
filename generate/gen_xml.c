/*
 * gen_xml.c - a sink that writes handover XML (shared/spec/handover-xml.md)
 * as a county vendor would: UTF-8 or GB18030, with or without a byte-order
 * mark, plain or gzipped, amounts with two decimals or as few as needed.
 *
 * Records arrive in section order; the sink opens and closes the section
 * elements, groups voucher lines under their Voucher and statement entries
 * under their BankStatement, and keeps the Trailer's counts and sums.
 * Output goes through an atomic file, so a failed run leaves nothing.
 */
#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/gzip.h"
#include "core/money.h"
#include "generate/gen_int.h"

enum { S_NONE = -1 };
enum { BUF_CAP = 1 << 16 };

/* Section of each record type, and the section names in order. */
static const int section_of[RT_N] = {0, 1, 2, 3, 4, 5, 6, 7, 7, 8};
static const char *const section_names[9] = {
    "Accounts", "BankAccounts", "Balances", "Vouchers", "Contributions",
    "Subsidies", "Payables", "BankStatements", "PersonalAccounts"};
static const char *const element_names[RT_N] = {
    "Account", "BankAccount", "Balance", "Line", "Contribution",
    "Subsidy", "Payable", "BankStatement", "Entry", "PersonalAccount"};

typedef struct xml_sink {
    gen_sink base;
    const gen_county *c;
    tc_atomic *out;
    tc_gzip *gz;
    iconv_t cd;
    int section;
    char voucher[40];      /* voucher being written, "" when none */
    int in_statement;
    /* Trailer */
    uint64_t records[9], sub[9]; /* sub: lines or entries */
    int64_t sums[9][4];
    char buf[BUF_CAP];
    size_t len;
    int err;
    tc_err *e;
} xml_sink;

/* ------------------------------------------------------------- low level */

static int flush(xml_sink *x)
{
    if (x->err || x->len == 0)
        return x->err;
    if (x->gz)
        x->err = tc_gzip_write(x->gz, x->buf, x->len, x->e);
    else if (fwrite(x->buf, 1, x->len, tc_atomic_file(x->out)) != x->len)
        x->err = tc_fail(x->e, TC_EIO, "cannot write: %s", strerror(errno));
    x->len = 0;
    return x->err;
}

static void raw(xml_sink *x, const char *s, size_t n)
{
    while (n && !x->err) {
        size_t k = BUF_CAP - x->len < n ? BUF_CAP - x->len : n;
        memcpy(x->buf + x->len, s, k);
        x->len += k;
        s += k;
        n -= k;
        if (x->len == BUF_CAP)
            flush(x);
    }
}

static void str(xml_sink *x, const char *s) { raw(x, s, strlen(s)); }

/* Text in the file's encoding, escaped for an attribute value. */
static void text(xml_sink *x, const char *s, size_t n)
{
    char conv[1024];
    int ascii = 1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            ascii = 0;
    if (!ascii && x->c->gb18030) {
        char *in = (char *)s, *o = conv;
        size_t il = n, ol = sizeof(conv);
        iconv(x->cd, NULL, NULL, NULL, NULL);
        if (iconv(x->cd, &in, &il, &o, &ol) == (size_t)-1) {
            x->err = tc_fail(x->e, TC_EINTERNAL, "cannot write '%.*s' in GB18030", (int)n, s);
            return;
        }
        s = conv;
        n = (size_t)(o - conv);
    }
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        default: break;
        }
        if (rep) {
            raw(x, s + start, i - start);
            str(x, rep);
            start = i + 1;
        }
    }
    raw(x, s + start, n - start);
}

static void attr(xml_sink *x, const char *name, const char *s, size_t n)
{
    str(x, " ");
    str(x, name);
    str(x, "=\"");
    text(x, s, n);
    str(x, "\"");
}

static void attr_s(xml_sink *x, const char *name, const char *s) { attr(x, name, s, strlen(s)); }

static void attr_v(xml_sink *x, const char *name, const tc_value *v)
{
    attr(x, name, v->s, v->n);
}

static void attr_amount(xml_sink *x, const char *name, int64_t fen)
{
    char b[TC_MONEY_BUFSZ];
    attr_s(x, name, gen_yuan(fen, x->c->minimal, b));
}

static void attr_date(xml_sink *x, const char *name, int64_t d)
{
    char b[16];
    snprintf(b, sizeof(b), "%04d-%02d-%02d", (int)(d / 10000), (int)(d / 100 % 100), (int)(d % 100));
    attr_s(x, name, b);
}

static void attr_period(xml_sink *x, const char *name, int64_t p)
{
    char b[16];
    snprintf(b, sizeof(b), "%04d-%02d", (int)(p / 100), (int)(p % 100));
    attr_s(x, name, b);
}

/* ------------------------------------------------------------ structure */

static void close_groups(xml_sink *x)
{
    if (x->voucher[0]) {
        str(x, "    </Voucher>\n");
        x->voucher[0] = '\0';
    }
    if (x->in_statement) {
        str(x, "    </BankStatement>\n");
        x->in_statement = 0;
    }
}

static void enter_section(xml_sink *x, int sec)
{
    if (sec == x->section)
        return;
    close_groups(x);
    if (x->section != S_NONE) {
        str(x, "  </");
        str(x, section_names[x->section]);
        str(x, ">\n");
    }
    str(x, "  <");
    str(x, section_names[sec]);
    str(x, ">\n");
    x->section = sec;
}

static int xml_record(gen_sink *s, int rt, const tc_value *v, tc_err *e)
{
    xml_sink *x = (xml_sink *)s;
    x->e = e;
    int sec = section_of[rt];
    enter_section(x, sec);
    int64_t *sum = x->sums[sec];
    switch (rt) {
    case RT_VOUCHER_LINE:
        if (!x->voucher[0] || strncmp(x->voucher, v[0].s, v[0].n) != 0 ||
            x->voucher[v[0].n] != '\0') {
            close_groups(x);
            snprintf(x->voucher, sizeof(x->voucher), "%.*s", (int)v[0].n, v[0].s);
            str(x, "    <Voucher");
            attr_v(x, "no", &v[0]);
            attr_date(x, "date", v[1].i);
            attr_v(x, "fund", &v[2]);
            if (v[3].n)
                attr_v(x, "memo", &v[3]);
            str(x, ">\n");
            x->records[sec]++;
        }
        str(x, "      <Line");
        attr_v(x, "account", &v[5]);
        if (v[6].i)
            attr_amount(x, "debit", v[6].i);
        if (v[7].i)
            attr_amount(x, "credit", v[7].i);
        if (v[8].n)
            attr_v(x, "bankRef", &v[8]);
        if (v[9].n)
            attr_v(x, "memo", &v[9]);
        str(x, "/>\n");
        x->sub[sec]++;
        sum[0] += v[6].i;
        sum[1] += v[7].i;
        break;
    case RT_BANK_STATEMENT:
        close_groups(x);
        str(x, "    <BankStatement");
        attr_v(x, "account", &v[0]);
        attr_date(x, "from", v[1].i);
        attr_date(x, "to", v[2].i);
        attr_amount(x, "opening", v[3].i);
        attr_amount(x, "closing", v[4].i);
        str(x, ">\n");
        x->in_statement = 1;
        x->records[sec]++;
        sum[0] += v[3].i;
        sum[1] += v[4].i;
        break;
    case RT_BANK_ENTRY:
        str(x, "      <Entry");
        attr_date(x, "date", v[1].i);
        attr_v(x, "ref", &v[2]);
        attr_amount(x, "amount", v[3].i);
        str(x, "/>\n");
        x->sub[sec]++;
        sum[2] += v[3].i;
        break;
    default: {
        /* Flat records: attribute per column, in the table's order. */
        const tc_rectype *t = &tc_rectypes[rt];
        str(x, "    <");
        str(x, element_names[rt]);
        int k = 0;
        for (int i = 0; i < t->ncols; i++) {
            const char *name = t->cols[i].name;
            switch (t->cols[i].type) {
            case TC_COL_TEXT:
                if (v[i].n || strcmp(name, "name") != 0)
                    attr_v(x, name, &v[i]);
                break;
            case TC_COL_AMOUNT:
                attr_amount(x, name, v[i].i);
                sum[k++] += v[i].i;
                break;
            case TC_COL_RATE: {
                char b[16];
                attr_s(x, name, gen_rate_text((int32_t)v[i].i, 1, b));
                break;
            }
            case TC_COL_PERIOD:
                attr_period(x, name, v[i].i);
                break;
            case TC_COL_DATE:
                attr_date(x, name, v[i].i);
                break;
            case TC_COL_INT: {
                char b[24];
                snprintf(b, sizeof(b), "%" PRId64, v[i].i);
                attr_s(x, name, b);
                break;
            }
            }
        }
        str(x, "/>\n");
        x->records[sec]++;
    }
    }
    return x->err;
}

/* The Trailer: one Count per non-empty section, one Sum per amount. */
static void trailer(xml_sink *x)
{
    static const char *const sums[9][4] = {
        {0}, {0}, {"opening", "debit", "credit", "closing"}, {"debit", "credit"},
        {"base", "due", "paid"}, {"due", "received"}, {"settled", "paid"},
        {"opening", "closing", "amount"}, {"balance"}};
    char b[64];
    str(x, "  <Trailer>\n");
    for (int s = 0; s < 9; s++) {
        if (!x->records[s])
            continue;
        str(x, "    <Count");
        attr_s(x, "section", section_names[s]);
        snprintf(b, sizeof(b), "%" PRIu64, x->records[s]);
        attr_s(x, "records", b);
        if (s == 3 || s == 7) {
            snprintf(b, sizeof(b), "%" PRIu64, x->sub[s]);
            attr_s(x, s == 3 ? "lines" : "entries", b);
        }
        str(x, "/>\n");
        for (int k = 0; k < 4 && sums[s][k]; k++) {
            str(x, "    <Sum");
            attr_s(x, "section", section_names[s]);
            attr_s(x, "attribute", sums[s][k]);
            char m[TC_MONEY_BUFSZ];
            attr_s(x, "value", gen_yuan(x->sums[s][k], x->c->minimal, m));
            str(x, "/>\n");
        }
    }
    str(x, "  </Trailer>\n</Handover>\n");
}

static void xml_free(xml_sink *x)
{
    if (x->cd != (iconv_t)-1)
        iconv_close(x->cd);
    free(x);
}

static int xml_commit(gen_sink *s, tc_err *e)
{
    xml_sink *x = (xml_sink *)s;
    x->e = e;
    if (x->section != S_NONE) {
        close_groups(x);
        str(x, "  </");
        str(x, section_names[x->section]);
        str(x, ">\n");
    }
    trailer(x);
    int rc = flush(x);
    if (!rc && x->gz) {
        rc = tc_gzip_close(x->gz, e);
        x->gz = NULL;
    }
    if (!rc) {
        rc = tc_atomic_commit(x->out, e);
        x->out = NULL;
    }
    tc_gzip_free(x->gz);
    tc_atomic_abort(x->out);
    xml_free(x);
    return rc;
}

static void xml_abort(gen_sink *s)
{
    xml_sink *x = (xml_sink *)s;
    tc_gzip_free(x->gz);
    tc_atomic_abort(x->out);
    xml_free(x);
}

int gen_xml_sink(gen_sink **out, const gen_county *c, const char *path, const char *cutover,
                 tc_err *e)
{
    xml_sink *x = calloc(1, sizeof(*x));
    if (!x)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    x->base.record = xml_record;
    x->base.commit = xml_commit;
    x->base.abort = xml_abort;
    x->c = c;
    x->section = S_NONE;
    x->e = e;
    x->cd = c->gb18030 ? iconv_open("GB18030", "UTF-8") : (iconv_t)-1;
    if (c->gb18030 && x->cd == (iconv_t)-1) {
        free(x);
        return tc_fail(e, TC_EINTERNAL, "iconv cannot convert UTF-8 to GB18030");
    }
    int rc = tc_atomic_open(&x->out, path, e);
    if (!rc && c->gz)
        rc = tc_gzip_open(&x->gz, 6, tc_gzip_sink_file, tc_atomic_file(x->out), e);
    if (rc) {
        xml_abort(&x->base);
        return rc;
    }
    if (c->bom)
        str(x, "\xef\xbb\xbf");
    str(x, "<?xml version=\"1.0\" encoding=\"");
    str(x, c->gb18030 ? "GB18030" : "UTF-8");
    str(x, "\"?>\n<Handover xmlns=\"urn:tongchou:handover:1\" version=\"1\">\n  <Header");
    attr_s(x, "county", c->code);
    attr_s(x, "countyName", c->name);
    attr_s(x, "cutover", cutover);
    attr_s(x, "system", c->system);
    char when[40];
    snprintf(when, sizeof(when), "%sT18:00:00+08:00", cutover);
    attr_s(x, "exportedAt", when);
    str(x, "/>\n");
    *out = &x->base;
    return x->err;
}
