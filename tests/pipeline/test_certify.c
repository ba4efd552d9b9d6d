/*
 * test_certify.c - the handover certificates after `tongchou demo` (a real
 * embedded PostgreSQL, as the demo runs it): each county the executed plan
 * moved has one, whose text (pdftotext) states every fund's transfer amount
 * as the plan does, in figures and in the capitals core/daxie writes, with
 * the CJK font embedded and the digest its statement gives; and the
 * command refuses, with exit 5 and no file, a plan changed by one fen, a
 * reconciliation the trail did not record and a plan it never executed.
 *
 * Beside them, the statements, letters and lists (documents/statements.h):
 * each county's balance sheet of each fund balances, in the PDF's text and
 * in the workbook, at the figure the reconciliation's ledger gives; the
 * 收支表's 期末滚存结余 is the reconciled net assets; every kind renders
 * (no blank page, the CJK font embedded) and prints its statement's
 * digest; a second run gives the same bytes; and a reconciliation edited
 * so that a sheet would not balance, or balances with cash not the
 * reconciled, is refused with nothing written.
 */
#include "tests/support/tctest.h"

#include <jansson.h>
#include <sys/stat.h>

#include "core/daxie.h"
#include "core/digest.h"
#include "core/jcs.h"
#include "core/money.h"
#include "documents/certificate.h"
#include "documents/statements.h"
#include "pipeline/demo.h"

static char demo[600], rec[700], plan[700], trail[700], policy[700], docs[700];
static char each[700];   /* the statements one file each (tc_stmt_opts.each), serially */

static int demo_setup(void **state)
{
    if (tctest_dir_setup(state))
        return -1;
    /* the embedded server runs as 'postgres' when we are root */
    chmod(tctest_dir, 0755);
    snprintf(demo, sizeof(demo), "%s/demo", tctest_dir);
    snprintf(rec, sizeof(rec), "%s/work/reports/reconciliation.json", demo);
    snprintf(plan, sizeof(plan), "%s/work/transfer/plan.json", demo);
    snprintf(trail, sizeof(trail), "%s/work/audit.trail", demo);
    snprintf(policy, sizeof(policy), "%s/keys/policy.ini", demo);
    snprintf(docs, sizeof(docs), "%s/work/documents", demo);
    tc_demo_opts o = {.dir = demo, .records = 300, .jobs = 2};
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_demo(&o, f, &e);
    fclose(f);
    if (rc)
        fprintf(stderr, "demo: %s (%s)\n", e.msg, e.hint);
    else if (!strstr(out, "certificates:   ") || !strstr(out, "(2 counties)"))
        rc = -1, fprintf(stderr, "demo says nothing of its certificates:\n%s", out);
    free(out);
    snprintf(each, sizeof(each), "%s/each", tctest_dir);
    tc_stmt_opts so = {.reconciliation = rec, .plan = plan, .outdir = each, .each = 1};
    if (!rc && (mkdir(each, 0700) || tc_stmt_write(&so, NULL, &e)))
        rc = -1, fprintf(stderr, "statements, each: %s\n", e.msg);
    return rc ? -1 : 0;
}

/* What a shell command prints on stdout (malloc'd), and its exit code. */
static char *run(const char *cmd, int *code)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *out = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&out, &n);
    char b[4096];
    size_t k;
    while ((k = fread(b, 1, sizeof(b), p)) > 0)
        fwrite(b, 1, k, m);
    fclose(m);
    int st = pclose(p);
    if (code)
        *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

/* 1234567.89 as the certificate prints it: 1,234,567.89. */
static const char *grouped(tc_fen v, char *buf)
{
    char plain[32];
    snprintf(plain, sizeof(plain), "%lld", (long long)(v / 100));
    size_t n = strlen(plain), o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = plain[i];
    }
    sprintf(buf + o, ".%02lld", (long long)(v % 100));
    return buf;
}

static tc_fen fen(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    tc_fen v;
    tc_err e;
    assert_non_null(s);
    assert_int_equal(tc_money_parse_yuan(s, strlen(s), &v, &e), 0);
    return v;
}

static void test_certificates_state_the_plan(void **state)
{
    (void)state;
    json_t *p = json_load_file(plan, 0, NULL);
    assert_non_null(p);
    char rd[TC_DIGEST_TEXT_MAX], pd[TC_DIGEST_TEXT_MAX];
    tc_err e;
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, rec, rd, &e), 0);
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, plan, pd, &e), 0);
    const char *done[16];
    int ndone = 0, lines = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(p, "transfers"), i, t) {
        const char *county = json_string_value(json_object_get(t, "county"));
        int seen = 0;
        for (int j = 0; j < ndone; j++)
            seen |= strcmp(done[j], county) == 0;
        if (seen)
            continue;
        done[ndone++] = county;
        char cmd[1600];
        snprintf(cmd, sizeof(cmd), "pdftotext -layout %s/%s.certificate.pdf -", docs, county);
        int code;
        char *text = run(cmd, &code);
        assert_int_equal(code, 0);
        /* every line of this county: its amount, in figures and capitals */
        size_t k;
        json_t *u;
        json_array_foreach(json_object_get(p, "transfers"), k, u) {
            if (strcmp(json_string_value(json_object_get(u, "county")), county) != 0)
                continue;
            tc_fen amount = fen(u, "amount");
            char g[48], dx[TC_DAXIE_BUFSZ];
            assert_true(tc_daxie(amount, dx, sizeof(dx)) > 0);
            grouped(amount, g);
            if (!strstr(text, g) || !strstr(text, dx))
                fail_msg("%s: the certificate lacks %s or %s", county, g, dx);
            lines++;
        }
        /* the digest: its statement's, over the canonical JSON, printed in
         * the text and at the foot of the page */
        tc_cert_opts o = {.reconciliation = rec, .plan = plan, .executed = NULL};
        json_t *st;
        char d[TC_DIGEST_TEXT_MAX], again[TC_DIGEST_TEXT_MAX];
        /* the execution time as the trail records it: from the workbook
         * run below we only need it to rebuild the statement */
        char tcmd[1600];
        snprintf(tcmd, sizeof(tcmd), "grep '\"execute\"' %s | grep -o '\"time\":\"[^\"]*\"' | "
                 "head -1 | cut -d'\"' -f4 | tr -d '\\n'", trail);
        char *when = run(tcmd, &code);
        assert_true(strlen(when) == 20);
        o.executed = when;
        assert_int_equal(tc_cert_statement(&o, county, &st, d, &e), 0);
        char *jcs = NULL;
        size_t jn = 0;
        assert_int_equal(tc_jcs_dump(st, &jcs, &jn, &e), 0);
        assert_int_equal(tc_digest_buffer(TC_DIGEST_SHA256, jcs, jn, again, &e), 0);
        assert_string_equal(d, again);
        assert_string_equal(json_string_value(json_object_get(st, "plan")), pd);
        assert_string_equal(json_string_value(json_object_get(st, "reconciliation")), rd);
        assert_string_equal(json_string_value(json_object_get(st, "executed")), when);
        char want[200];
        snprintf(want, sizeof(want), "交接书摘要：%s", d);
        if (!strstr(text, want))
            fail_msg("%s: the certificate does not print its digest %s", county, d);
        snprintf(want, sizeof(want), "交接书摘要 %s", d);
        assert_non_null(strstr(text, want));
        /* the workbook states the same digest */
        snprintf(cmd, sizeof(cmd), "unzip -p %s/%s.certificate.xlsx xl/sharedStrings.xml | "
                 "grep -c '%s'", docs, county, d);
        char *wb = run(cmd, &code);
        if (code != 0)
            fail_msg("%s: the workbook does not state the digest %s", county, d);
        free(wb);
        /* the QR code holds the digest */
        snprintf(cmd, sizeof(cmd), "cd %s && pdftoppm -r 150 -png %s/%s.certificate.pdf qr-%s && "
                 "zbarimg -q --raw qr-%s-*.png 2>/dev/null", tctest_dir, docs, county, county,
                 county);
        char *qr = run(cmd, &code);
        snprintf(want, sizeof(want), "%s\n", d);
        assert_string_equal(qr, want);
        free(qr);
        free(jcs);
        free(when);
        json_decref(st);
        free(text);
        /* the font is in the file */
        snprintf(cmd, sizeof(cmd), "pdffonts %s/%s.certificate.pdf", docs, county);
        char *fonts = run(cmd, &code);
        assert_int_equal(code, 0);
        char *row = strstr(fonts, "TongchouSerifSC-Regular");
        assert_non_null(row);
        assert_non_null(strstr(row, " yes yes yes"));
        free(fonts);
        /* the workbook beside it, private */
        struct stat sb;
        snprintf(cmd, sizeof(cmd), "%s/%s.certificate.xlsx", docs, county);
        assert_int_equal(stat(cmd, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
    }
    assert_int_equal(ndone, 2);   /* 220100 and 220122 moved; the others are held */
    /* the trail records them: one documents entry (the others are the
     * parties' signatures, role party), whose digests the files have */
    const char *tc = getenv("TONGCHOU");
    char cmd[4000];
    int code;
    snprintf(cmd, sizeof(cmd), "grep '\"command\":\"documents\"' %s | grep -c "
             "'\"role\":\"recorder\"'", trail);
    char *c = run(cmd, &code);
    assert_string_equal(c, "1\n");
    free(c);
    snprintf(cmd, sizeof(cmd), "%s audit verify --trail %s --policy %s %s/220100.certificate.pdf "
             "%s/220122.certificate.xlsx 2>&1", tc, trail, policy, docs, docs);
    c = run(cmd, &code);
    if (code != 0)
        fail_msg("audit verify of the certificates: exit %d: %s", code, c);
    free(c);
    assert_true(lines >= 4);
    json_decref(p);
}

/* `tongchou documents` on the demo's files: exit 0, the same PDF bytes as
 * the demo made, one stdout line per county with the digest. */
static void test_cli_documents(void **state)
{
    (void)state;
    const char *tc = getenv("TONGCHOU");
    assert_non_null(tc);
    char cmd[4000], out[700];
    snprintf(out, sizeof(out), "%s/cli-docs", tctest_dir);
    snprintf(cmd, sizeof(cmd), "%s documents -q -r %s --plan %s --policy %s -t %s -o %s", tc,
             rec, plan, policy, trail, out);
    int code;
    char *so = run(cmd, &code);
    assert_int_equal(code, 0);
    assert_non_null(strstr(so, "220122\t"));
    assert_non_null(strstr(so, "220100\t"));
    assert_non_null(strstr(so, "\tsha256:"));
    /* a line per document: 2 certificates; 220100 (funds 310, 330, 390)
     * and 220122 (310, 390) each a balance sheet and 收支表 per fund and
     * their six county documents */
    int lines = 0;
    for (const char *q = so; (q = strchr(q, '\n')); q++)
        lines++;
    assert_int_equal(lines, 2 + 10 + 12);
    assert_non_null(strstr(so, "/220122.certificate.xlsx\tsha256:"));
    assert_non_null(strstr(so, "\tcertificate\n"));
    assert_non_null(strstr(so, "/220122.statements.pdf\t"));
    assert_non_null(strstr(so, "\tbalance.310\n"));
    assert_non_null(strstr(so, "/220100.statements.xlsx\tsha256:"));
    assert_non_null(strstr(so, "\tconfirm-employer\n"));
    free(so);
    /* the same bytes as the demo made (two processes), every file, from
     * one process: a certificate and a bundle of statements per county */
    snprintf(cmd, sizeof(cmd), "%s documents -q -j 1 -r %s --plan %s --policy %s -t %s -o %s "
             ">/dev/null && cd %s && ls | grep -c . && for f in *; do cmp $f %s/$f || exit 1; "
             "done", tc, rec, plan, policy, trail, out, docs, out);
    so = run(cmd, &code);
    assert_int_equal(code, 0);
    assert_string_equal(so, "8\n");
    free(so);
    /* --each: a file per document, the library's bytes, from three
     * processes */
    snprintf(cmd, sizeof(cmd), "%s documents -q --each -j 3 -r %s --plan %s --policy %s -t %s "
             "-o %s-each | grep -c balance.310 && cd %s && ls | grep -c . && for f in *; do "
             "cmp $f %s-each/$f || exit 1; done", tc, rec, plan, policy, trail, out, each, out);
    so = run(cmd, &code);
    assert_int_equal(code, 0);
    assert_string_equal(so, "2\n44\n");
    free(so);
    /* with a key, the run is recorded in the trail named, and the trail
     * still verifies under the policy */
    snprintf(cmd, sizeof(cmd), "cp %s %s/copy.trail && TONGCHOU_KEY=%s/keys/maker.key %s "
             "documents -q -r %s --plan %s --policy %s -t %s/copy.trail -o %s/again >/dev/null "
             "&& grep '\"command\":\"documents\"' %s/copy.trail | grep -c "
             "'\"role\":\"recorder\"'", trail, tctest_dir, demo,
             tc, rec, plan, policy, tctest_dir, tctest_dir, tctest_dir);
    so = run(cmd, &code);
    assert_int_equal(code, 0);
    assert_string_equal(so, "2\n");
    free(so);
    snprintf(cmd, sizeof(cmd), "%s transfer verify %s -r %s --policy %s -t %s/copy.trail "
             ">/dev/null 2>&1", tc, plan, rec, policy, tctest_dir);
    free(run(cmd, &code));
    assert_int_equal(code, 0);
}

/* The command on a changed input: exit 5, and the folder stays empty. */
static void refused(const char *what, const char *r, const char *p, const char *tr,
                    const char *says)
{
    const char *tc = getenv("TONGCHOU");
    char cmd[4000], out[700];
    snprintf(out, sizeof(out), "%s/refused-%s", tctest_dir, what);
    snprintf(cmd, sizeof(cmd), "%s documents -r %s --plan %s --policy %s -t %s -o %s 2>&1", tc,
             r, p, policy, tr, out);
    int code;
    char *so = run(cmd, &code);
    if (code != 5)
        fail_msg("%s: exit %d, wanted 5: %s", what, code, so);
    if (!strstr(so, says))
        fail_msg("%s: the message does not say '%s': %s", what, says, so);
    free(so);
    snprintf(cmd, sizeof(cmd), "ls %s 2>/dev/null", out);
    so = run(cmd, &code);
    assert_string_equal(so, "");
    free(so);
}

/* A copy of path with the first from replaced by to. */
static void edited(const char *path, const char *from, const char *to, const char *out)
{
    size_t n;
    char *b = (char *)tctest_slurp(path, &n);
    assert_non_null(b);
    char *at = strstr(b, from);
    assert_non_null(at);
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    fwrite(b, 1, (size_t)(at - b), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
    free(b);
}

static void test_changed_inputs_refused(void **state)
{
    (void)state;
    json_t *p = json_load_file(plan, 0, NULL);
    json_t *t0 = json_array_get(json_object_get(p, "transfers"), 0);
    tc_fen a = fen(t0, "amount");
    char from[64], to[64], b1[TC_MONEY_BUFSZ], b2[TC_MONEY_BUFSZ], path[700];
    snprintf(from, sizeof(from), "\"amount\":\"%s\"", tc_money_format(a, b1));
    snprintf(to, sizeof(to), "\"amount\":\"%s\"", tc_money_format(a + 1, b2));
    json_decref(p);

    /* one amount up by a fen: the signatures no longer hold */
    snprintf(path, sizeof(path), "%s/tampered-plan.json", tctest_dir);
    edited(plan, from, to, path);
    refused("plan", rec, path, trail, "signature");
    /* and the library's own check, without the trail: the amount is not
     * the reconciled cash */
    char out[700];
    snprintf(out, sizeof(out), "%s/lib-tampered", tctest_dir);
    mkdir(out, 0700);
    tc_cert_opts o = {.reconciliation = rec, .plan = path, .outdir = out};
    tc_err e;
    int n = -1;
    assert_int_equal(tc_cert_write(&o, &n, &e), TC_EINTEGRITY);
    assert_non_null(strstr(e.msg, "amount (the reconciled cash)"));
    assert_int_equal(n, 0);
    int code;
    snprintf(path, sizeof(path), "ls %s", out);
    char *ls = run(path, &code);
    assert_string_equal(ls, "");
    free(ls);

    /* a reconciliation the trail did not record (one figure changed) */
    snprintf(path, sizeof(path), "%s/other-reconciliation.json", tctest_dir);
    edited(rec, "\"status\"", "\"status\" ", path);
    refused("reconciliation", path, plan, trail, "reconciliation");

    /* the trail before the plan was executed */
    snprintf(path, sizeof(path), "%s/before.trail", tctest_dir);
    char cmd[2000];
    snprintf(cmd, sizeof(cmd), "sed '/\"args\":\\[\"execute\"/,$d' %s > %s", trail, path);
    free(run(cmd, &code));
    assert_int_equal(code, 0);
    refused("never-executed", rec, plan, path, "execute entry");
}

/* A waiver the plan carries is printed with its findings, signer and
 * reason (the library alone: the demo's plan waives nothing, and a plan
 * changed to carry one no longer verifies). */
static void test_waiver_printed(void **state)
{
    (void)state;
    json_t *p = json_load_file(plan, 0, NULL);
    assert_non_null(p);
    json_t *w = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s, s:s}], s:[{s:s, s:s}]}", "county",
                          "220122", "reason", "欠费已由县财政承诺补足", "findings", "county",
                          "220122", "code", "ARREARS_AGED", "fund", "310", "ref", "R-7",
                          "signatures", "role", "waiver", "key", "ed25519:0123456789abcdef");
    json_array_append_new(json_object_get(p, "waivers"), w);
    char path[700], out[700], cmd[1600];
    snprintf(path, sizeof(path), "%s/waived-plan.json", tctest_dir);
    snprintf(out, sizeof(out), "%s/waived", tctest_dir);
    assert_int_equal(json_dump_file(p, path, JSON_SORT_KEYS | JSON_COMPACT), 0);
    json_decref(p);
    mkdir(out, 0700);
    tc_cert_opts o = {.reconciliation = rec, .plan = path, .outdir = out};
    tc_err e;
    int n = 0;
    if (tc_cert_write(&o, &n, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(n, 2);
    snprintf(cmd, sizeof(cmd), "pdftotext %s/220122.certificate.pdf -", out);
    int code;
    char *text = run(cmd, &code);
    assert_int_equal(code, 0);
    assert_non_null(strstr(text, "ARREARS_AGED/310/R-7"));
    assert_non_null(strstr(text, "ed25519:0123456789abcdef"));
    assert_non_null(strstr(text, "欠费已由县财政承诺补足"));
    free(text);
    snprintf(cmd, sizeof(cmd), "pdftotext %s/220100.certificate.pdf -", out);
    text = run(cmd, &code);
    assert_non_null(strstr(text, "豁免事项：无"));
    free(text);
}

/* ------------------------------------------------------------------ */
/* The statements, letters and lists                                  */
/* ------------------------------------------------------------------ */

/* The amounts (1,234.56, -7.00) on the first line of text holding label. */
static int amounts_on(const char *text, const char *label, char out[][48], int max)
{
    const char *at = strstr(text, label);
    if (!at)
        return -1;
    const char *end = strchr(at, '\n');
    if (!end)
        end = at + strlen(at);
    int n = 0;
    for (const char *p = at; p < end && n < max;) {
        if ((*p == '-' && p[1] >= '0' && p[1] <= '9') || (*p >= '0' && *p <= '9')) {
            const char *q = p + 1;
            while (q < end && ((*q >= '0' && *q <= '9') || *q == ',' || *q == '.'))
                q++;
            if (q - p >= 4 && q[-3] == '.' && (size_t)(q - p) < 48) {
                memcpy(out[n], p, (size_t)(q - p));
                out[n++][q - p] = 0;
            }
            p = q;
        } else {
            p++;
        }
    }
    return n;
}

/* The numbers on the workbook's row whose text cell is label, as the
 * worksheet stores them ("77677317.48"). */
static int workbook_row(const char *xlsx, const char *label, char out[][48], int max)
{
    char cmd[1600];
    int code;
    snprintf(cmd, sizeof(cmd), "unzip -p %s xl/sharedStrings.xml", xlsx);
    char *ss = run(cmd, &code);
    snprintf(cmd, sizeof(cmd), "unzip -p %s xl/worksheets/sheet1.xml", xlsx);
    char *ws = run(cmd, &code);
    /* the shared string's index */
    int idx = -1, k = 0;
    for (const char *p = strstr(ss, "<si>"); p; p = strstr(p + 1, "<si>"), k++) {
        const char *e = strstr(p, "</si>");
        char want[128];
        snprintf(want, sizeof(want), ">%s<", label);
        const char *hit = strstr(p, want);
        if (hit && e && hit < e) {
            idx = k;
            break;
        }
    }
    int n = -1;
    if (idx >= 0) {
        char cell[64];
        snprintf(cell, sizeof(cell), "t=\"s\"><v>%d</v>", idx);
        const char *c = strstr(ws, cell);
        if (c) {
            const char *row = c;
            while (row > ws && strncmp(row, "<row ", 5) != 0)
                row--;
            const char *end = strstr(c, "</row>");
            n = 0;
            for (const char *p = strstr(row, "<c "); p && p < end && n < max;
                 p = strstr(p + 1, "<c ")) {
                const char *close = strchr(p, '>');
                if (!close || memchr(p, 't', (size_t)(close - p)))   /* a text cell */
                    continue;
                const char *v = strstr(p, "<v>");
                if (v && v < end)
                    sscanf(v + 3, "%47[^<]", out[n++]);
            }
        }
    }
    free(ss);
    free(ws);
    return n;
}

/* Σ of the fund's ledger lines of class cls, from the reconciliation. */
static tc_fen ledger_sum(const json_t *f, const char *cls)
{
    tc_fen s = 0;
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(f, "ledger"), i, l)
        if (strcmp(json_string_value(json_object_get(l, "class")), cls) == 0)
            s += fen(l, "balance");
    return s;
}

static const json_t *rec_fund_of(const json_t *r, const char *county, const char *fund)
{
    size_t i, j;
    json_t *c, *f;
    json_array_foreach(json_object_get(r, "counties"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "county")), county) != 0)
            continue;
        json_array_foreach(json_object_get(c, "funds"), j, f)
            if (strcmp(json_string_value(json_object_get(f, "fund")), fund) == 0)
                return f;
    }
    return NULL;
}

/* A workbook's number as a spreadsheet shows it - its 15 significant
 * digits ("76856989.70999999" is 76856989.71) - in fen. */
static tc_fen cell_fen(const char *v)
{
    char b[64];
    snprintf(b, sizeof(b), "%.15g", strtod(v, NULL));
    tc_fen f;
    tc_err e;
    if (tc_money_parse_yuan(b, strlen(b), &f, &e))
        fail_msg("the workbook's number %s (%s) is not an amount: %s", v, b, e.msg);
    return f;
}

/* Every county and fund the plan moves: the balance sheet balances at the
 * reconciliation's figure, in the PDF and in the workbook; the 收支表 ends
 * at the net assets. */
static void test_balance_sheets_balance(void **state)
{
    (void)state;
    json_t *p = json_load_file(plan, 0, NULL), *r = json_load_file(rec, 0, NULL);
    assert_non_null(p);
    assert_non_null(r);
    size_t i;
    json_t *t;
    int sheets = 0;
    json_array_foreach(json_object_get(p, "transfers"), i, t) {
        const char *county = json_string_value(json_object_get(t, "county"));
        const char *fund = json_string_value(json_object_get(t, "fund"));
        const json_t *f = rec_fund_of(r, county, fund);
        assert_non_null(f);
        tc_fen assets = ledger_sum(f, "asset"), liab = ledger_sum(f, "liability");
        tc_fen net = fen(f, "net_assets");
        /* the reconciliation's own figures hold together */
        assert_int_equal(assets, liab + net);
        assert_int_equal(net, ledger_sum(f, "fund") + ledger_sum(f, "income") -
                                  ledger_sum(f, "expense"));
        char g[48], cmd[1600], am[8][48];
        int code;
        grouped(assets, g);
        snprintf(cmd, sizeof(cmd), "pdftotext -layout %s/%s.balance.%s.pdf -", each, county, fund);
        char *text = run(cmd, &code);
        assert_int_equal(code, 0);
        assert_int_equal(amounts_on(text, "资产合计", am, 8), 2);
        if (strcmp(am[0], g) != 0 || strcmp(am[1], g) != 0)
            fail_msg("%s fund %s: 资产合计 %s, 负债和基金合计 %s, the reconciliation %s", county,
                     fund, am[0], am[1], g);
        grouped(net, g);
        assert_int_equal(amounts_on(text, "基金结余合计", am, 8), 1);
        assert_string_equal(am[0], g);
        free(text);
        /* the workbook: the same row, as numbers */
        snprintf(cmd, sizeof(cmd), "%s/%s.balance.%s.xlsx", each, county, fund);
        assert_int_equal(workbook_row(cmd, "资产合计", am, 8), 2);
        assert_int_equal(cell_fen(am[0]), assets);
        assert_int_equal(cell_fen(am[1]), assets);
        /* the 收支表 ends at the net assets */
        snprintf(cmd, sizeof(cmd), "pdftotext -layout %s/%s.income.%s.pdf -", each, county, fund);
        text = run(cmd, &code);
        assert_int_equal(code, 0);
        assert_int_equal(amounts_on(text, "期末滚存结余", am, 8), 1);
        grouped(net, g);
        assert_string_equal(am[0], g);
        free(text);
        snprintf(cmd, sizeof(cmd), "%s/%s.income.%s.xlsx", each, county, fund);
        assert_int_equal(workbook_row(cmd, "五、期末滚存结余", am, 8), 1);
        assert_int_equal(cell_fen(am[0]), net);
        sheets++;
    }
    assert_int_equal(sheets, 5);   /* 220100: 310, 330, 390; 220122: 310, 390 */
    json_decref(p);
    json_decref(r);
}

/* A page of a PGM with no dark pixel is blank. */
static int pgm_blank(const char *path)
{
    size_t n;
    unsigned char *b = tctest_slurp(path, &n);
    assert_non_null(b);
    int w, h, max, off = 0;
    assert_int_equal(sscanf((char *)b, "P5 %d %d %d%n", &w, &h, &max, &off), 3);
    off++;   /* the one whitespace after max */
    int dark = 0;
    for (size_t i = (size_t)off; i < n && !dark; i++)
        dark = b[i] < 128;
    free(b);
    return !dark;
}

/* Every kind renders: no blank page, the CJK font embedded, the digest of
 * its statement at the foot; the workbook beside it, private. */
static void test_every_kind_renders(void **state)
{
    (void)state;
    static const struct {
        const char *kind, *fund, *title;
    } k[] = {{"balance", "310", "资产负债表"},
             {"income", "390", "收支表"},
             {"bank", NULL, "银行存款余额调节表"},
             {"confirm-bank", NULL, "银行询证函"},
             {"confirm-institution", NULL, "定点医药机构询证函"},
             {"confirm-employer", NULL, "欠费单位询证函"},
             {"arrears", NULL, "用人单位欠缴基金明细表"},
             {"subsidy", NULL, "财政补助欠拨明细表"}};
    const char *counties[2] = {"220100", "220122"};
    for (int c = 0; c < 2; c++)
        for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
            char base[800], cmd[2400], want[200], d[TC_DIGEST_TEXT_MAX];
            snprintf(base, sizeof(base), "%s/%s.%s%s%s", each, counties[c], k[i].kind,
                     k[i].fund ? "." : "", k[i].fund ? k[i].fund : "");
            tc_stmt_opts o = {.reconciliation = rec, .plan = plan};
            json_t *st = NULL;
            tc_err e;
            if (tc_stmt_statement(&o, counties[c], k[i].kind, k[i].fund, &st, d, &e))
                fail_msg("%s: %s", base, e.msg);
            assert_non_null(st);
            /* the statement names the inputs */
            char rd[TC_DIGEST_TEXT_MAX];
            assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, rec, rd, &e), 0);
            assert_string_equal(json_string_value(json_object_get(st, "reconciliation")), rd);
            size_t nsheets = json_array_size(json_object_get(st, "sheets"));
            json_decref(st);
            int code;
            snprintf(cmd, sizeof(cmd), "pdftotext %s.pdf -", base);
            char *text = run(cmd, &code);
            assert_int_equal(code, 0);
            snprintf(want, sizeof(want), "%s摘要 %s", k[i].title, d);
            if (!strstr(text, want))
                fail_msg("%s.pdf does not print %s", base, want);
            assert_non_null(strstr(text, "单位负责人"));
            assert_non_null(strstr(text, "制表"));
            assert_non_null(strstr(text, "单位：元"));
            free(text);
            snprintf(cmd, sizeof(cmd), "pdffonts %s.pdf", base);
            char *fonts = run(cmd, &code);
            char *row = strstr(fonts, "TongchouSerifSC-Regular");
            if (!row || !strstr(row, " yes yes yes"))
                fail_msg("%s.pdf: the CJK font is not embedded:\n%s", base, fonts);
            free(fonts);
            /* every page has ink, and there is at least one per sheet */
            snprintf(cmd, sizeof(cmd), "rm -rf %s/px && mkdir %s/px && pdftoppm -gray -r 20 "
                     "%s.pdf %s/px/p && ls %s/px", tctest_dir, tctest_dir, base, tctest_dir,
                     tctest_dir);
            char *ls = run(cmd, &code);
            assert_int_equal(code, 0);
            size_t pages = 0;
            for (char *l = strtok(ls, "\n"); l; l = strtok(NULL, "\n"), pages++) {
                char pg[1200];
                snprintf(pg, sizeof(pg), "%s/px/%s", tctest_dir, l);
                if (pgm_blank(pg))
                    fail_msg("%s.pdf: page %s is blank", base, l);
            }
            free(ls);
            assert_true(pages >= nsheets);
            struct stat sb;
            snprintf(cmd, sizeof(cmd), "%s.xlsx", base);
            assert_int_equal(stat(cmd, &sb), 0);
            assert_int_equal(sb.st_mode & 0777, 0600);
        }
}

/* A county's statements in one PDF: every document of it a part, in the
 * order and with the pages of its own file, numbered within the part and
 * footed with its digest; the workbook a sheet per sheet of them all. */
static void test_bundle(void **state)
{
    (void)state;
    static const char *const kinds[] = {"balance.310", "balance.330", "balance.390",
                                        "income.310", "income.330", "income.390", "bank",
                                        "confirm-bank", "confirm-institution",
                                        "confirm-employer", "arrears", "subsidy"};
    char cmd[2400];
    int code, pages = 0, sheets = 0;
    snprintf(cmd, sizeof(cmd), "pdftotext %s/220100.statements.pdf -", docs);
    char *text = run(cmd, &code);
    assert_int_equal(code, 0);
    char *w = text;   /* pdftotext keeps the spaces of some pages, not of others */
    for (const char *r = text; *r; r++)
        if (*r != ' ')
            *w++ = *r;
    *w = 0;
    const char *at = text;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        snprintf(cmd, sizeof(cmd), "pdfinfo %s/220100.%s.pdf | awk '/^Pages:/ {print $2}'", each,
                 kinds[i]);
        char *n = run(cmd, &code);
        assert_int_equal(code, 0);
        int m = atoi(n);
        free(n);
        assert_true(m >= 1);
        pages += m;
        /* its pages 第 1 页 共 M 页 .. 第 M 页 共 M 页, after the part before */
        for (int k = 1; k <= m; k++) {
            char want[64];
            snprintf(want, sizeof(want), "第%d页共%d页", k, m);
            const char *hit = strstr(at, want);
            if (!hit)
                fail_msg("220100.statements.pdf: %s: no '%s' after the part before", kinds[i],
                         want);
            at = hit + strlen(want);
        }
        /* its footer: the digest of its own file */
        snprintf(cmd, sizeof(cmd), "pdftotext %s/220100.%s.pdf - | grep -o 'sha256:[0-9a-f]*' "
                 "| head -1", each, kinds[i]);
        char *d = run(cmd, &code);
        assert_int_equal(code, 0);
        assert_true(strlen(d) > 70);
        d[strlen(d) - 1] = 0;
        assert_non_null(strstr(text, d));
        free(d);
        snprintf(cmd, sizeof(cmd), "unzip -l %s/220100.%s.xlsx | grep -c 'xl/worksheets/sheet'",
                 each, kinds[i]);
        char *ws = run(cmd, &code);
        sheets += atoi(ws);
        free(ws);
    }
    free(text);
    snprintf(cmd, sizeof(cmd), "pdfinfo %s/220100.statements.pdf | awk '/^Pages:/ {print $2}'",
             docs);
    char *n = run(cmd, &code);
    assert_int_equal(atoi(n), pages);
    free(n);
    snprintf(cmd, sizeof(cmd), "unzip -l %s/220100.statements.xlsx | grep -c "
             "'xl/worksheets/sheet'", docs);
    n = run(cmd, &code);
    assert_int_equal(atoi(n), sheets);
    assert_true(sheets >= 12);
    free(n);
}

/* The county whose certificate a plan line belongs to.  A county whose one
 * pool has a code of its own (公主岭市 220184, pool 220381) keeps its
 * county's certificate; a pool merged with another into one sub-ledger
 * gets its own, naming the sub-ledger.  The demo's inputs, relabelled
 * (the library's checks against the trail are pipeline/certify.c's). */
static void relabel(const char *what, const char *county, const char *pool, const char *to)
{
    char r2[700], p2[700], out[700], rd[TC_DIGEST_TEXT_MAX];
    snprintf(r2, sizeof(r2), "%s/%s-rec.json", tctest_dir, what);
    snprintf(p2, sizeof(p2), "%s/%s-plan.json", tctest_dir, what);
    snprintf(out, sizeof(out), "%s/%s-out", tctest_dir, what);
    json_t *r = json_load_file(rec, 0, NULL), *p = json_load_file(plan, 0, NULL);
    size_t i;
    json_t *x;
    int hits = 0;
    json_array_foreach(json_object_get(r, "counties"), i, x)
        if (strcmp(json_string_value(json_object_get(x, "county")), county) == 0) {
            json_object_set_new(x, "county", json_string(to));
            json_object_set_new(x, "pool", json_string(pool));
            hits++;
        }
    json_array_foreach(json_object_get(p, "transfers"), i, x)
        if (strcmp(json_string_value(json_object_get(x, "county")), county) == 0) {
            json_object_set_new(x, "county", json_string(to));
            json_object_set_new(x, "pool", json_string(pool));
            hits++;
        }
    assert_true(hits >= 2);
    assert_int_equal(json_dump_file(r, r2, JSON_COMPACT), 0);
    tc_err e;
    tc_err_clear(&e);
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, r2, rd, &e), 0);
    json_object_set_new(p, "reconciliation", json_string(rd));
    assert_int_equal(json_dump_file(p, p2, JSON_COMPACT), 0);
    json_decref(r);
    json_decref(p);
    mkdir(out, 0700);
    tc_cert_opts o = {.reconciliation = r2, .plan = p2, .outdir = out, .jobs = 2};
    int n = 0;
    if (tc_cert_write(&o, &n, &e))
        fail_msg("%s: %s", what, e.msg);
}

static void test_certificate_per_pool(void **state)
{
    (void)state;
    int code;
    char cmd[1600];
    /* 220122's one pool coded 220199: still 220122's certificate */
    relabel("ownpool", "220122", "220199", "220122");
    snprintf(cmd, sizeof(cmd), "ls %s/ownpool-out | tr '\\n' ' '", tctest_dir);
    char *ls = run(cmd, &code);
    assert_string_equal(ls, "220100.certificate.pdf 220100.certificate.xlsx "
                            "220122.certificate.pdf 220122.certificate.xlsx ");
    free(ls);
    /* 220122 merged into 220100's sub-ledger: a certificate each, 220122's
     * naming the sub-ledger, and its lines only */
    relabel("merged", "220122", "220122", "220100");
    snprintf(cmd, sizeof(cmd), "ls %s/merged-out | tr '\\n' ' '", tctest_dir);
    ls = run(cmd, &code);
    assert_string_equal(ls, "220100.certificate.pdf 220100.certificate.xlsx "
                            "220122.certificate.pdf 220122.certificate.xlsx ");
    free(ls);
    char r2[700], p2[700], d[TC_DIGEST_TEXT_MAX];
    snprintf(r2, sizeof(r2), "%s/merged-rec.json", tctest_dir);
    snprintf(p2, sizeof(p2), "%s/merged-plan.json", tctest_dir);
    tc_cert_opts o = {.reconciliation = r2, .plan = p2};
    json_t *st = NULL, *own = NULL;
    tc_err e;
    assert_int_equal(tc_cert_statement(&o, "220122", &st, d, &e), 0);
    assert_string_equal(json_string_value(json_object_get(st, "subledger")), "220100");
    assert_int_equal(json_array_size(json_object_get(st, "lines")), 2);   /* 310, 390 */
    assert_int_equal(tc_cert_statement(&o, "220100", &own, d, &e), 0);
    assert_null(json_object_get(own, "subledger"));
    assert_int_equal(json_array_size(json_object_get(own, "lines")), 3);  /* 310, 330, 390 */
    json_decref(st);
    json_decref(own);
}

/* A reconciliation whose ledger was edited - each account named in acc
 * by the fen in by - with a plan made to point at it (the trail's check
 * would refuse both; this is the library's own): refused with says, and
 * nothing written. */
static void stmt_refused(const char *what, const char *const *acc, const tc_fen *by, int nacc,
                         const char *says)
{
    char r2[700], p2[700], out[700], cmd[2000], rd[TC_DIGEST_TEXT_MAX], b[TC_MONEY_BUFSZ];
    snprintf(r2, sizeof(r2), "%s/%s-rec.json", tctest_dir, what);
    snprintf(p2, sizeof(p2), "%s/%s-plan.json", tctest_dir, what);
    snprintf(out, sizeof(out), "%s/%s-out", tctest_dir, what);
    json_t *r = json_load_file(rec, 0, NULL);
    const json_t *f = rec_fund_of(r, "220122", "310");
    size_t i;
    json_t *l;
    int hit = 0;
    json_array_foreach(json_object_get(f, "ledger"), i, l)
        for (int k = 0; k < nacc; k++)
            if (strcmp(json_string_value(json_object_get(l, "account")), acc[k]) == 0) {
                json_object_set_new(l, "balance",
                                    json_string(tc_money_format(fen(l, "balance") + by[k], b)));
                hit++;
            }
    assert_int_equal(hit, nacc);
    assert_int_equal(json_dump_file(r, r2, JSON_INDENT(2) | JSON_PRESERVE_ORDER), 0);
    json_decref(r);
    tc_err e;
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, r2, rd, &e), 0);
    json_t *p = json_load_file(plan, 0, NULL);
    json_object_set_new(p, "reconciliation", json_string(rd));
    assert_int_equal(json_dump_file(p, p2, JSON_COMPACT), 0);
    json_decref(p);
    mkdir(out, 0700);
    tc_stmt_opts o = {.reconciliation = r2, .plan = p2, .outdir = out};
    int n = -1;
    assert_int_equal(tc_stmt_write(&o, &n, &e), TC_EINTEGRITY);
    if (!strstr(e.msg, says))
        fail_msg("%s: the message does not say '%s': %s", what, says, e.msg);
    assert_int_equal(n, 0);
    int code;
    snprintf(cmd, sizeof(cmd), "ls %s", out);
    char *ls = run(cmd, &code);
    assert_string_equal(ls, "");
    free(ls);
}

static void test_statements_refuse_edited_ledger(void **state)
{
    (void)state;
    /* one fen more in 220122's 收入户存款 of fund 310: the assets no longer
     * equal the liabilities and the fund */
    const char *bank[] = {"1002"};
    const tc_fen up[] = {1, 1};
    stmt_refused("unbalanced", bank, up, 1, "does not balance");
    /* a fen more cash on hand and a fen more 暂收款: it balances, but its
     * cash is not the reconciled cash */
    const char *both[] = {"1001", "2001"};
    stmt_refused("cash", both, up, 2, "the cash is");

    /* a reconciliation without the ledger (an older tongchou's): bad
     * input, reconcile again */
    char r2[700], p2[700], rd[TC_DIGEST_TEXT_MAX];
    snprintf(r2, sizeof(r2), "%s/old-rec.json", tctest_dir);
    snprintf(p2, sizeof(p2), "%s/old-plan.json", tctest_dir);
    json_t *r = json_load_file(rec, 0, NULL);
    json_object_del((json_t *)rec_fund_of(r, "220100", "330"), "ledger");
    assert_int_equal(json_dump_file(r, r2, JSON_INDENT(2) | JSON_PRESERVE_ORDER), 0);
    json_decref(r);
    tc_err e;
    assert_int_equal(tc_digest_file(TC_DIGEST_SHA256, r2, rd, &e), 0);
    json_t *p = json_load_file(plan, 0, NULL);
    json_object_set_new(p, "reconciliation", json_string(rd));
    assert_int_equal(json_dump_file(p, p2, JSON_COMPACT), 0);
    json_decref(p);
    tc_stmt_opts o = {.reconciliation = r2, .plan = p2, .outdir = tctest_dir};
    int n = -1;
    assert_int_equal(tc_stmt_check(&o, &n, &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "fund 330: no ledger"));
    assert_non_null(strstr(e.hint, "reconcile again"));
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(test_certificates_state_the_plan),
                                   cmocka_unit_test(test_cli_documents),
                                   cmocka_unit_test(test_changed_inputs_refused),
                                   cmocka_unit_test(test_waiver_printed),
                                   cmocka_unit_test(test_balance_sheets_balance),
                                   cmocka_unit_test(test_every_kind_renders),
                                   cmocka_unit_test(test_bundle),
                                   cmocka_unit_test(test_certificate_per_pool),
                                   cmocka_unit_test(test_statements_refuse_edited_ledger)};
    return cmocka_run_group_tests(t, demo_setup, tctest_dir_teardown);
}
