/*
 * test_sheet.c - documents/sheet.h: a sheet as PDF and as workbook, read
 * back with the tools a reader has (poppler's pdftotext, pdffonts and
 * pdftoppm, zbarimg, unzip).  The tools are installed by scripts/lib/deps.sh;
 * a missing one fails the test, it does not skip it.
 *
 * The sample is a handover certificate in miniature: title, the header
 * line 编制单位 | date | 单位：元, a paragraph, a table of SAMPLE_ROWS rows
 * (amounts and their capitals) with a total, long enough for three pages,
 * the five parties' signature block, a QR code of the digest and the
 * digest as footer.  What is checked:
 *
 *   - pdftotext holds the title, the header line, every amount as printed
 *     (1,234,567.89) and every amount in capitals, and on page N of 3
 *     "第 N 页 共 3 页"; no U+FFFD;
 *   - pdffonts lists the cut of Noto Serif CJK SC (Tongchou Serif SC,
 *     documents/fontcut.c), embedded, and no Type 3 font; the cut holds
 *     GB 2312, and a character outside it comes from the full font;
 *   - pdftoppm: no page is blank; the QR code decodes (zbarimg) to the digest;
 *   - the same document gives the same PDF and workbook bytes, twice in
 *     this process and once in a new one;
 *   - the workbook holds the title and header texts, the amounts as
 *     numbers in yuan with #,##0.00, the capitals as text;
 *   - files are 0600; a refused document leaves no file;
 *   - a document of several sheets: each on a new page, pages numbered
 *     over the document, tab names made unique;
 *   - refusals: a missing font (naming the package to install), a
 *     character no font has, a row taller than a page, an amount too
 *     large for a spreadsheet, calls out of order, bad text and dates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fontconfig/fontconfig.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "documents/sheet.h"
#include "tests/support/tctest.h"

#define SAMPLE_ROWS 80
#define DIGEST "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* ------------------------------------------------------------------ */
/* The sample                                                         */
/* ------------------------------------------------------------------ */

/* Row i's amount: spread over zero, small, large and negative amounts,
 * with zeros in many places. */
static tc_fen sample_amount(int i)
{
    static const tc_fen fixed[] = {0, 8, 140950, 600714, 10700053, 100000000000,
                                   -250000, 123456789012345, 1000, 9999999999};
    if (i < (int)(sizeof(fixed) / sizeof(fixed[0])))
        return fixed[i];
    return ((tc_fen)i * 7919 * 104729 + 12345) % 1000000000;
}

/* fen as the documents print it, written independently of the library. */
static char *fmt_amount(tc_fen v, char *buf)
{
    char digits[32];
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    snprintf(digits, sizeof(digits), "%llu", a / 100);
    size_t n = strlen(digits), o = 0;
    if (v < 0)
        buf[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    snprintf(buf + o, 8, ".%02llu", a % 100);
    return buf;
}

static void ok(int rc, const tc_err *e)
{
    if (rc) {
        char b[2048];
        fail_msg("%s", tc_err_format(e, b, sizeof(b)));
    }
}

static const tc_column cols[] = {
    {"序号", 6, TC_ALIGN_CENTER},
    {"项目", 26, TC_ALIGN_LEFT},
    {"金额", 18, TC_ALIGN_RIGHT},
    {"金额（大写）", 40, TC_ALIGN_LEFT},
};

static tc_sheet *sample_sheet(const char *title, int rows)
{
    tc_err e;
    tc_err_clear(&e);
    tc_sheet *s;
    ok(tc_sheet_new(&s, title, &e), &e);
    ok(tc_sheet_header(s, "编制单位：长春市九台区医疗保障局", "2021年6月30日", "单位：元", &e), &e);
    ok(tc_sheet_paragraph(s, "根据《长春市基本医疗保险市级统筹实施方案》，九台区医疗保障局将截至"
                          "2021年6月30日的基本医疗保险基金及相关债权债务移交长春市医疗保障局，"
                          "双方核对无误，特立此交接书。", &e), &e);
    ok(tc_sheet_table(s, cols, 4, &e), &e);
    tc_fen total = 0;
    for (int i = 0; i < rows; i++) {
        char no[16], item[64];
        snprintf(no, sizeof(no), "%d", i + 1);
        snprintf(item, sizeof(item), "暂付款 第%d项 定点医药机构", i + 1);
        tc_fen a = sample_amount(i);
        total += a;
        tc_cell row[] = {tc_cell_text(no), tc_cell_text(item), tc_cell_amount(a),
                         tc_cell_daxie(a)};
        ok(tc_sheet_row(s, 0, row, 4, &e), &e);
    }
    tc_cell sum[] = {tc_cell_blank(), tc_cell_text("合计"), tc_cell_amount(total),
                     tc_cell_daxie(total)};
    ok(tc_sheet_row(s, TC_ROW_TOTAL, sum, 4, &e), &e);
    static const tc_party parties[] = {
        {"移交方", "九台区医疗保障局"}, {"移交方", "九台区财政局"},
        {"接收方", "长春市医疗保障局"}, {"接收方", "长春市财政局"},
        {"监交方", "长春市审计局"}};
    ok(tc_sheet_signatures(s, parties, 5, &e), &e);
    ok(tc_sheet_qr(s, DIGEST, "本交接书摘要，可扫码与审计轨迹核对：", &e), &e);
    ok(tc_sheet_footer(s, "摘要 " DIGEST, &e), &e);
    return s;
}

static tc_doc *sample_doc(void)
{
    tc_err e;
    tc_err_clear(&e);
    tc_doc *d;
    ok(tc_doc_new(&d, "基金移交交接书 220113", "2021-06-30", &e), &e);
    ok(tc_doc_add(d, sample_sheet("基金移交交接书", SAMPLE_ROWS), &e), &e);
    return d;
}

static char *path_in(const char *name)
{
    char *p = malloc(1024);
    snprintf(p, 1024, "%s/%s", tctest_dir, name);
    return p;
}

/* ------------------------------------------------------------------ */
/* Running the tools                                                  */
/* ------------------------------------------------------------------ */

/* The stdout of a shell command made printf-style; it must exit 0. */
static char *out_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *out_of(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p)
        fail_msg("cannot run %s", cmd);
    size_t cap = 1 << 16, n = 0, k;
    char *b = malloc(cap);
    while ((k = fread(b + n, 1, cap - n - 1, p)) > 0) {
        n += k;
        if (cap - n < 4096)
            b = realloc(b, cap *= 2);
    }
    b[n] = 0;
    int st = pclose(p);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("%s: exit %d (is poppler-utils / zbar-tools / unzip installed? "
                 "scripts/lib/deps.sh installs them)", cmd, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return b;
}

/* s without ASCII white space: pdftotext breaks a wrapped cell's text
 * where the page does, and sets spaces of its own between runs. */
static char *squeeze(const char *s)
{
    char *o = malloc(strlen(s) + 1), *q = o;
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r' && *s != '\f')
            *q++ = *s;
    *q = 0;
    return o;
}

/* Whether tok stands in s with no digit, comma or point right before or after. */
static int has_token(const char *s, const char *tok)
{
    size_t n = strlen(tok);
    for (const char *p = strstr(s, tok); p; p = strstr(p + 1, tok)) {
        char before = p > s ? p[-1] : ' ', after = p[n];
        if (!strchr("0123456789,.-", before) && !strchr("0123456789,.", after))
            return 1;
    }
    return 0;
}

static int pages_of(const char *pdf)
{
    char *info = out_of("pdfinfo '%s'", pdf);
    const char *p = strstr(info, "\nPages:");
    int n = p ? atoi(p + 7) : -1;
    free(info);
    return n;
}

/* The dark pixels (below half grey) of page n rendered at 50 dpi. */
static long dark_pixels(const char *pdf, int n)
{
    char *prefix = path_in("page");
    free(out_of("pdftoppm -r 50 -gray -f %d -l %d -singlefile '%s' '%s'", n, n, pdf, prefix));
    char pgm[1100];
    snprintf(pgm, sizeof(pgm), "%s.pgm", prefix);
    size_t len;
    unsigned char *b = tctest_slurp(pgm, &len);
    assert_non_null(b);
    /* P5, width, height, maxval, each after white space; then the bytes. */
    assert_memory_equal(b, "P5", 2);
    size_t i = 2;
    long v[3];
    for (int k = 0; k < 3; k++) {
        while (i < len && (b[i] == ' ' || b[i] == '\n' || b[i] == '#')) {
            if (b[i] == '#')
                while (i < len && b[i] != '\n')
                    i++;
            else
                i++;
        }
        v[k] = strtol((char *)b + i, NULL, 10);
        while (i < len && b[i] >= '0' && b[i] <= '9')
            i++;
    }
    i++;   /* the one white space after maxval */
    assert_int_equal(v[2], 255);
    assert_int_equal(len - i, (size_t)(v[0] * v[1]));
    /* A4 at 50 dpi, rounded up */
    assert_int_equal(v[0], 414);
    assert_int_equal(v[1], 585);
    long dark = 0;
    for (; i < len; i++)
        dark += b[i] < 128;
    free(b);
    unlink(pgm);
    free(prefix);
    return dark;
}

/* ------------------------------------------------------------------ */
/* The sample as PDF and workbook, made once                          */
/* ------------------------------------------------------------------ */

static char *sample_pdf, *sample_xlsx;

static int setup(void **state)
{
    if (tctest_dir_setup(state))
        return -1;
    tc_doc *d = sample_doc();
    tc_err e;
    tc_err_clear(&e);
    sample_pdf = path_in("sample.pdf");
    sample_xlsx = path_in("sample.xlsx");
    int rc = tc_doc_write_pdf(d, sample_pdf, &e) || tc_doc_write_xlsx(d, sample_xlsx, &e);
    if (rc)
        fprintf(stderr, "rendering the sample: %s\n", e.msg);
    tc_doc_free(d);
    return rc ? -1 : 0;
}

static int teardown(void **state)
{
    free(sample_pdf);
    free(sample_xlsx);
    return tctest_dir_teardown(state);
}

/* ------------------------------------------------------------------ */
/* The PDF                                                            */
/* ------------------------------------------------------------------ */

static void test_pdf_text(void **state)
{
    (void)state;
    assert_int_equal(pages_of(sample_pdf), 3);
    char *raw = out_of("pdftotext -enc UTF-8 '%s' -", sample_pdf);
    char *text = squeeze(raw);
    assert_null(strstr(raw, "\xef\xbf\xbd"));   /* U+FFFD: a glyph with no text */
    assert_non_null(strstr(text, "基金移交交接书"));
    assert_non_null(strstr(text, "编制单位：长春市九台区医疗保障局"));
    assert_non_null(strstr(text, "2021年6月30日"));
    assert_non_null(strstr(text, "单位：元"));
    assert_non_null(strstr(text, "特立此交接书。"));
    tc_fen total = 0;
    for (int i = 0; i < SAMPLE_ROWS; i++) {
        char a[40];
        total += sample_amount(i);
        if (!has_token(raw, fmt_amount(sample_amount(i), a)))
            fail_msg("row %d: amount %s not in the PDF's text", i + 1, a);
    }
    char a[40];
    assert_true(has_token(raw, fmt_amount(total, a)));
    /* the capitals, as the spec's examples write them */
    static const char *const words[] = {
        "人民币零元整", "人民币捌分", "人民币壹仟肆佰零玖元伍角整", "人民币陆仟零柒元壹角肆分",
        "人民币壹拾万柒仟元零伍角叁分", "人民币壹拾亿元整", "人民币负贰仟伍佰元整",
        "人民币壹万贰仟叁佰肆拾伍亿陆仟柒佰捌拾玖万零壹佰贰拾叁元肆角伍分"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (!strstr(text, words[i]))
            fail_msg("'%s' not in the PDF's text", words[i]);
    for (const char *r = "移交方\0接收方\0监交方\0签字：\0日期：\0（盖章）\0九台区财政局\0"; *r;
         r += strlen(r) + 1)
        if (!strstr(text, r))
            fail_msg("'%s' not in the PDF's text", r);
    assert_non_null(strstr(text, "本交接书摘要"));
    free(text);
    free(raw);
    /* page N of 3 says so, and repeats the column headings and the footer */
    for (int n = 1; n <= 3; n++) {
        raw = out_of("pdftotext -enc UTF-8 -f %d -l %d '%s' -", n, n, sample_pdf);
        text = squeeze(raw);
        char want[64];
        snprintf(want, sizeof(want), "第%d页共3页", n);
        if (!strstr(text, want))
            fail_msg("page %d has no '%s'", n, want);
        assert_non_null(strstr(text, "金额（大写）"));
        assert_non_null(strstr(text, DIGEST));
        free(text);
        free(raw);
    }
}

/* The fonts pdffonts lists in pdf: every one embedded and none Type 3;
 * how many are the cut (Tongchou Serif SC) and how many the full Noto
 * Serif CJK SC, behind it. */
static void fonts_of(const char *pdf, int *cut, int *full)
{
    char *out = out_of("pdffonts '%s'", pdf);
    int fonts = 0;
    *cut = *full = 0;
    /* name type... encoding emb sub uni object gen: emb is the fifth from the end */
    char *save, *line = strtok_r(out, "\n", &save);
    for (int no = 0; line; line = strtok_r(NULL, "\n", &save), no++) {
        if (no < 2)
            continue;   /* the heading and its rule */
        char *tok[32];
        int n = 0;
        char *s2, *t = strtok_r(line, " ", &s2);
        for (; t && n < 32; t = strtok_r(NULL, " ", &s2))
            tok[n++] = t;
        assert_true(n >= 7);
        fonts++;
        if (strcmp(tok[n - 5], "yes") != 0)
            fail_msg("%s: font %s is not embedded", pdf, tok[0]);
        for (int k = 1; k < n - 5; k++)
            if (strcmp(tok[k], "3") == 0 && strcmp(tok[k - 1], "Type") == 0)
                fail_msg("%s: font %s is a Type 3 font (a glyph drawn in place of a font's)",
                         pdf, tok[0]);
        if (strstr(tok[0], "+TongchouSerifSC-"))
            ++*cut;
        else if (strstr(tok[0], "+NotoSerifCJKsc-"))
            ++*full;
        else
            fail_msg("%s: font %s is neither the cut nor Noto Serif CJK SC", pdf, tok[0]);
    }
    assert_true(fonts >= 1);
    free(out);
}

static void test_pdf_fonts(void **state)
{
    (void)state;
    int cut, full;
    fonts_of(sample_pdf, &cut, &full);
    assert_int_equal(cut, 2);    /* regular and bold, GB 2312 holds every character */
    assert_int_equal(full, 0);
}

/* The cut (documents/fontcut.c) as fontconfig reads it: its own family in
 * both weights, every character of GB 2312 and the punctuation the
 * documents print, and not the rarer characters, which a document still
 * prints from the full font behind it. */
static void test_font_cut(void **state)
{
    (void)state;
    static const char *const file[2] = {"TongchouSerifSC-Regular.otf",
                                        "TongchouSerifSC-Bold.otf"};
    for (int w = 0; w < 2; w++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", TC_FONT_DIR, file[w]);
        int count = 0;
        FcPattern *pat = FcFreeTypeQuery((const FcChar8 *)path, 0, NULL, &count);
        assert_non_null(pat);
        FcChar8 *fam;
        int weight;
        FcCharSet *cs;
        assert_int_equal(FcPatternGetString(pat, FC_FAMILY, 0, &fam), FcResultMatch);
        assert_string_equal((const char *)fam, "Tongchou Serif SC");
        assert_int_equal(FcPatternGetInteger(pat, FC_WEIGHT, 0, &weight), FcResultMatch);
        assert_int_equal(weight, w ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
        assert_int_equal(FcPatternGetCharSet(pat, FC_CHARSET, 0, &cs), FcResultMatch);
        iconv_t cd = iconv_open("UTF-32LE", "GB2312");
        assert_true(cd != (iconv_t)-1);
        int gb = 0;
        for (unsigned hi = 0xA1; hi <= 0xF7; hi++)
            for (unsigned lo = 0xA1; lo <= 0xFE; lo++) {
                char in[2] = {(char)hi, (char)lo}, *ip = in;
                uint32_t u;
                char *op = (char *)&u;
                size_t il = 2, ol = 4;
                iconv(cd, NULL, NULL, NULL, NULL);
                if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || ol)
                    continue;
                gb++;
                if (!FcCharSetHasChar(cs, u))
                    fail_msg("%s lacks U+%04X (GB 2312 %02X%02X)", file[w], (unsigned)u, hi, lo);
            }
        iconv_close(cd);
        assert_int_equal(gb, 7445);   /* 6,763 hanzi and 682 other characters */
        static const uint32_t kept[] = {'A', '0', 0xFFE5 /* ￥ */, 0x3001 /* 、 */,
                                        0x2014 /* — */, 0xFF08 /* （ */};
        for (size_t k = 0; k < sizeof(kept) / sizeof(kept[0]); k++)
            assert_true(FcCharSetHasChar(cs, kept[k]));
        assert_false(FcCharSetHasChar(cs, 0x5803));   /* 堃, in GBK but not GB 2312 */
        assert_true(FcCharSetCount(cs) < 8000);
        FcPatternDestroy(pat);
    }
}

/* A character outside the cut is printed from the full font: 王堃 and 喆
 * in a name.  pdffonts shows both families; pdftotext reads the name. */
static void test_pdf_font_fallback(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    tc_doc *d;
    tc_sheet *s;
    ok(tc_doc_new(&d, "询证函", "2021-06-30", &e), &e);
    ok(tc_sheet_new(&s, "询证函", &e), &e);
    ok(tc_sheet_paragraph(s, "致：王堃、李喆（经办人）", &e), &e);
    ok(tc_doc_add(d, s, &e), &e);
    char *p = path_in("fallback.pdf");
    ok(tc_doc_write_pdf(d, p, &e), &e);
    int cut, full;
    fonts_of(p, &cut, &full);
    assert_int_equal(cut, 2);    /* the title is bold, the paragraph regular */
    assert_int_equal(full, 1);   /* 堃 and 喆, regular */
    char *text = out_of("pdftotext '%s' -", p);
    assert_non_null(strstr(text, "致：王堃、李喆（经办人）"));
    free(text);
    tc_doc_free(d);
    free(p);
}

static void test_pdf_pages_not_blank(void **state)
{
    (void)state;
    for (int n = 1; n <= 3; n++) {
        long dark = dark_pixels(sample_pdf, n);
        if (dark < 2000)
            fail_msg("page %d has only %ld dark pixels at 50 dpi", n, dark);
    }
}

static void test_pdf_qr(void **state)
{
    (void)state;
    char *prefix = path_in("qr");
    free(out_of("pdftoppm -r 150 -png -f 3 -l 3 -singlefile '%s' '%s'", sample_pdf, prefix));
    /* (zbarimg complains on stderr that there is no D-Bus; its exit says what counts) */
    char *got = out_of("zbarimg --raw -q '%s.png' 2>/dev/null", prefix);
    assert_string_equal(got, DIGEST "\n");
    free(got);
    free(prefix);
}

static void test_pdf_form(void **state)
{
    (void)state;
    char *info = out_of("pdfinfo '%s'", sample_pdf);
    char *text = squeeze(info);
    assert_non_null(strstr(text, "Pagesize:595.28x841.89pts(A4)"));
    assert_non_null(strstr(text, "Title:基金移交交接书220113"));
    assert_non_null(strstr(text, "Creator:tongchou"));
    assert_non_null(strstr(text, "CreationDate:WedJun3000:00:002021UTC"));
    assert_non_null(strstr(text, "ModDate:WedJun3000:00:002021UTC"));
    free(text);
    free(info);
    struct stat st;
    assert_int_equal(stat(sample_pdf, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(sample_xlsx, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

/* ------------------------------------------------------------------ */
/* The same bytes                                                     */
/* ------------------------------------------------------------------ */

static void assert_same_file(const char *a, const char *b)
{
    size_t na, nb;
    unsigned char *x = tctest_slurp(a, &na), *y = tctest_slurp(b, &nb);
    assert_non_null(x);
    assert_non_null(y);
    if (na != nb || memcmp(x, y, na) != 0)
        fail_msg("%s (%zu bytes) and %s (%zu bytes) differ", a, na, b, nb);
    free(x);
    free(y);
}

static void test_same_bytes(void **state)
{
    (void)state;
    tc_doc *d = sample_doc();
    tc_err e;
    tc_err_clear(&e);
    char *pdf = path_in("again.pdf"), *xlsx = path_in("again.xlsx");
    ok(tc_doc_write_pdf(d, pdf, &e), &e);
    ok(tc_doc_write_xlsx(d, xlsx, &e), &e);
    tc_doc_free(d);
    assert_same_file(sample_pdf, pdf);
    assert_same_file(sample_xlsx, xlsx);
    /* and from a process of its own, with its own font caches; a second
     * later, so that a clock would show */
    sleep(1);
    char *cpdf = path_in("child.pdf"), *cxlsx = path_in("child.xlsx");
    assert_int_equal(tctest_run("TC_SHEET_CHILD='%s/child' /proc/%d/exe", tctest_dir, (int)getpid()),
                     0);
    assert_same_file(sample_pdf, cpdf);
    assert_same_file(sample_xlsx, cxlsx);
    free(pdf);
    free(xlsx);
    free(cpdf);
    free(cxlsx);
}

/* ------------------------------------------------------------------ */
/* The workbook                                                       */
/* ------------------------------------------------------------------ */

static void test_xlsx(void **state)
{
    (void)state;
    char *wb = out_of("unzip -p '%s' xl/workbook.xml", sample_xlsx);
    assert_non_null(strstr(wb, "name=\"基金移交交接书\""));
    free(wb);
    char *ss = out_of("unzip -p '%s' xl/sharedStrings.xml", sample_xlsx);
    for (const char *s = "基金移交交接书\0编制单位：长春市九台区医疗保障局\0"
                         "2021年6月30日\0单位：元\0金额（大写）\0人民币壹仟肆佰零玖元伍角整\0"
                         "人民币陆仟零柒元壹角肆分\0合计\0" DIGEST "\0";
         *s; s += strlen(s) + 1)
        if (!strstr(ss, s))
            fail_msg("'%s' not among the workbook's strings", s);
    free(ss);
    char *s1 = out_of("unzip -p '%s' xl/worksheets/sheet1.xml", sample_xlsx);
    /* The amounts of column C, in order, are numbers in yuan: the double
     * nearest each (libxlsxwriter writes 16 digits, so 99,999,999.99 is
     * stored as 99999999.98999999), which a spreadsheet shows with its 15
     * digits as the exact figure. */
    int n = 0;
    tc_fen total = 0;
    for (const char *c = strstr(s1, "<c r=\"C"); c; c = strstr(c + 1, "<c r=\"C")) {
        const char *end = strstr(c, "</c>"), *v = strstr(c, "<v>");
        if (!end || !v || v > end || strstr(c, " t=\"s\"") < end)
            continue;   /* a heading or a text, not a number */
        double y = strtod(v + 3, NULL);
        tc_fen want = n < SAMPLE_ROWS ? sample_amount(n) : total;
        if (n < SAMPLE_ROWS)
            total += want;
        char shown[64], exact[40], *o = exact;
        snprintf(shown, sizeof(shown), "%.15G", y);
        fmt_amount(want, exact);
        char plain[40], *q = plain;   /* the exact figure without commas and trailing zeros */
        for (; *o; o++)
            if (*o != ',')
                *q++ = *o;
        *q = 0;
        if (strchr(plain, '.')) {
            while (q[-1] == '0')
                *--q = 0;
            if (q[-1] == '.')
                *--q = 0;
        }
        if (strcmp(shown, plain) != 0)
            fail_msg("amount %d: the workbook holds %.17g, shown as %s, for %s", n + 1, y,
                     shown, exact);
        n++;
    }
    assert_int_equal(n, SAMPLE_ROWS + 1);
    assert_non_null(strstr(s1, "<oddFooter>&amp;C第 &amp;P 页 共 &amp;N 页</oddFooter>"));
    assert_non_null(strstr(s1, "paperSize=\"9\""));
    free(s1);
    char *st = out_of("unzip -p '%s' xl/styles.xml", sample_xlsx);
    assert_non_null(strstr(st, "formatCode=\"#,##0.00\""));
    free(st);
    char *core = out_of("unzip -p '%s' docProps/core.xml", sample_xlsx);
    assert_non_null(strstr(core, "2021-06-30T00:00:00Z"));
    free(core);
}

/* ------------------------------------------------------------------ */
/* A document of several sheets                                       */
/* ------------------------------------------------------------------ */

static void test_doc_of_sheets(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    tc_doc *d;
    ok(tc_doc_new(&d, "220113 移交文书", "2021-06-30", &e), &e);
    ok(tc_doc_add(d, sample_sheet("基金移交交接书", 3), &e), &e);
    for (int k = 0; k < 2; k++) {
        tc_sheet *s;
        ok(tc_sheet_new(&s, "资产负债表", &e), &e);
        ok(tc_sheet_header(s, "编制单位：九台区医疗保障局", "2021年6月30日", "单位：元", &e), &e);
        static const tc_column bs[] = {{"资产", 20, TC_ALIGN_LEFT}, {"期末数", 16, TC_ALIGN_RIGHT}};
        ok(tc_sheet_table(s, bs, 2, &e), &e);
        tc_cell r[] = {tc_cell_text("库存现金"), tc_cell_amount(12345)};
        ok(tc_sheet_row(s, 0, r, 2, &e), &e);
        static const tc_party four[] = {
            {"单位负责人", NULL}, {"会计主管", NULL}, {"复核", NULL}, {"制表", NULL}};
        ok(tc_sheet_signatures(s, four, 4, &e), &e);
        ok(tc_doc_add(d, s, &e), &e);
    }
    char *pdf = path_in("doc.pdf"), *xlsx = path_in("doc.xlsx");
    ok(tc_doc_write_pdf(d, pdf, &e), &e);
    ok(tc_doc_write_xlsx(d, xlsx, &e), &e);
    tc_doc_free(d);
    assert_int_equal(pages_of(pdf), 3);
    for (int n = 1; n <= 3; n++) {
        char *raw = out_of("pdftotext -enc UTF-8 -f %d -l %d '%s' -", n, n, pdf);
        char *text = squeeze(raw), want[64];
        snprintf(want, sizeof(want), "第%d页共3页", n);
        assert_non_null(strstr(text, want));
        /* each sheet on a page of its own */
        assert_true(!strstr(text, "基金移交交接书") == (n != 1));
        assert_true(!strstr(text, "资产负债表") == (n == 1));
        assert_true(!strstr(text, "单位负责人") == (n == 1));
        free(text);
        free(raw);
    }
    char *wb = out_of("unzip -p '%s' xl/workbook.xml", xlsx);
    assert_non_null(strstr(wb, "name=\"基金移交交接书\""));
    assert_non_null(strstr(wb, "name=\"资产负债表\""));
    assert_non_null(strstr(wb, "name=\"资产负债表(2)\""));
    free(wb);
    free(pdf);
    free(xlsx);
}

/* ------------------------------------------------------------------ */
/* Refusals                                                           */
/* ------------------------------------------------------------------ */

static void test_builder_refusals(void **state)
{
    (void)state;
    tc_err e;
    tc_err_clear(&e);
    tc_sheet *s;
    assert_int_equal(tc_sheet_new(&s, "", &e), TC_EINPUT);
    assert_int_equal(tc_sheet_new(&s, "bad \xff title", &e), TC_EINPUT);
    assert_non_null(strstr(e.msg, "byte 5 is not printable text"));
    ok(tc_sheet_new(&s, "资产负债表", &e), &e);
    tc_cell r[] = {tc_cell_text("库存现金"), tc_cell_amount(1)};
    assert_int_equal(tc_sheet_row(s, 0, r, 2, &e), TC_EINTERNAL);
    assert_string_equal(e.msg, "sheet '资产负债表': a row where no table was started last");
    ok(tc_sheet_table(s, cols, 4, &e), &e);
    assert_int_equal(tc_sheet_row(s, 0, r, 2, &e), TC_EINTERNAL);
    assert_string_equal(e.msg, "sheet '资产负债表': row 1 has 2 cells for 4 columns");
    tc_cell bad[] = {tc_cell_text("a\x01"), tc_cell_blank(), tc_cell_blank(), tc_cell_blank()};
    assert_int_equal(tc_sheet_row(s, 0, bad, 4, &e), TC_EINPUT);
    assert_string_equal(e.msg, "sheet '资产负债表': row 1, 序号: byte 2 is not printable text "
                               "(malformed UTF-8 or a control character)");
    assert_int_equal(tc_sheet_header(s, NULL, NULL, NULL, &e), TC_EINTERNAL);
    assert_int_equal(tc_sheet_set_tab(s, "a/b", &e), TC_EINPUT);
    assert_int_equal(tc_sheet_set_tab(s, "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二",
                                      &e), TC_EINPUT);
    assert_int_equal(tc_sheet_qr(s, "", NULL, &e), TC_EINPUT);
    tc_party none[] = {{"", NULL}};
    assert_int_equal(tc_sheet_signatures(s, none, 1, &e), TC_EINTERNAL);
    tc_column zero[] = {{"x", 0, TC_ALIGN_LEFT}};
    assert_int_equal(tc_sheet_table(s, zero, 1, &e), TC_EINTERNAL);
    tc_sheet_free(s);

    tc_doc *d;
    assert_int_equal(tc_doc_new(&d, "t", "2021-02-29", &e), TC_EINPUT);
    assert_string_equal(e.msg, "document 't': bad date '2021-02-29' (YYYY-MM-DD, from 1970)");
    assert_int_equal(tc_doc_new(&d, "t", "2021-6-30", &e), TC_EINPUT);
    ok(tc_doc_new(&d, "t", "2024-02-29", &e), &e);
    char *p = path_in("empty.pdf");
    assert_int_equal(tc_doc_write_pdf(d, p, &e), TC_EINPUT);
    tc_doc_free(d);
    assert_int_equal(access(p, F_OK), -1);
    free(p);
}

/* A one-sheet document with a table row of text t; the PDF at name must
 * be refused with code, and leave nothing behind. */
static void refused_pdf(const char *name, const char *t, tc_fen amount, int code,
                        const char *msg)
{
    tc_err e;
    tc_err_clear(&e);
    tc_doc *d;
    tc_sheet *s;
    ok(tc_doc_new(&d, "t", "2021-06-30", &e), &e);
    ok(tc_sheet_new(&s, "资产负债表", &e), &e);
    ok(tc_sheet_table(s, cols, 4, &e), &e);
    tc_cell r[] = {tc_cell_blank(), tc_cell_text(t), tc_cell_amount(amount), tc_cell_blank()};
    ok(tc_sheet_row(s, 0, r, 4, &e), &e);
    ok(tc_doc_add(d, s, &e), &e);
    char *p = path_in(name);
    int before = tctest_count_files(tctest_dir);
    int rc = strstr(name, ".pdf") ? tc_doc_write_pdf(d, p, &e) : tc_doc_write_xlsx(d, p, &e);
    assert_int_equal(rc, code);
    if (!strstr(e.msg, msg))
        fail_msg("'%s' does not say '%s'", e.msg, msg);
    if (code) /* no file, no temporary */
        assert_int_equal(tctest_count_files(tctest_dir), before);
    tc_doc_free(d);
    free(p);
}

static void test_refused(void **state)
{
    (void)state;
    /* U+10FFFD: a character of a private use plane no installed font has */
    refused_pdf("tofu.pdf", "库存\xf4\x8f\xbf\xbd现金", 0, TC_EINPUT,
                "holds a character that no installed font has");
    char tall[40000] = "";
    for (int i = 0; i < 1500; i++)
        strcat(tall, "很长的说明文字");
    refused_pdf("tall.pdf", tall, 0, TC_EINPUT, "table 1, row 1 is ");
    refused_pdf("big.xlsx", "x", INT64_C(1000000000000000), TC_EINPUT,
                "amount 10,000,000,000,000.00 is too large for a spreadsheet");
    /* what a spreadsheet cannot show, paper can */
    refused_pdf("big.pdf", "x", INT64_C(1000000000000000), TC_OK, "");
}

/* Without the font: refused, naming the package to install.  In a process
 * of its own, whose fontconfig knows no font at all. */
static void test_no_font(void **state)
{
    (void)state;
    char *conf = path_in("fonts.conf"), *err = path_in("nofont.err");
    char body[2048];
    snprintf(body, sizeof(body),
             "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n"
             "<fontconfig><dir>%s/nofonts</dir><cachedir>%s/fccache</cachedir></fontconfig>\n",
             tctest_dir, tctest_dir);
    assert_int_equal(tctest_spit(conf, body, strlen(body)), 0);
    int rc = tctest_run("FONTCONFIG_FILE='%s' TC_SHEET_CHILD='%s/nofont' /proc/%d/exe 2>'%s'",
                        conf, tctest_dir, (int)getpid(), err);
    assert_int_equal(rc, TC_EXIT_IO);
    size_t n;
    char *msg = (char *)tctest_slurp(err, &n);
    assert_non_null(msg);
    if (!strstr(msg, "cannot find the font Noto Serif CJK SC") ||
        !strstr(msg, "(install the Debian package fonts-noto-cjk"))
        fail_msg("the message was: %s", msg);
    char *left = path_in("nofont.pdf");
    assert_int_equal(access(left, F_OK), -1);
    free(left);
    free(msg);
    free(conf);
    free(err);
}

/* In a child (TC_SHEET_CHILD=PREFIX): the sample as PREFIX.pdf and
 * PREFIX.xlsx, or the error on stderr and its exit code. */
static int child(const char *prefix)
{
    tc_doc *d = sample_doc();
    tc_err e;
    tc_err_clear(&e);
    char pdf[1024], xlsx[1024];
    snprintf(pdf, sizeof(pdf), "%s.pdf", prefix);
    snprintf(xlsx, sizeof(xlsx), "%s.xlsx", prefix);
    int rc = tc_doc_write_pdf(d, pdf, &e);
    if (!rc)
        rc = tc_doc_write_xlsx(d, xlsx, &e);
    tc_doc_free(d);
    if (rc) {
        char b[2048];
        fprintf(stderr, "tongchou: %s\n", tc_err_format(&e, b, sizeof(b)));
    }
    return tc_exit_code(rc);
}

int main(void)
{
    const char *c = getenv("TC_SHEET_CHILD");
    if (c && c[0])
        return child(c);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdf_text),
        cmocka_unit_test(test_pdf_fonts),
        cmocka_unit_test(test_font_cut),
        cmocka_unit_test(test_pdf_font_fallback),
        cmocka_unit_test(test_pdf_pages_not_blank),
        cmocka_unit_test(test_pdf_qr),
        cmocka_unit_test(test_pdf_form),
        cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_xlsx),
        cmocka_unit_test(test_doc_of_sheets),
        cmocka_unit_test(test_builder_refusals),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_no_font),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
