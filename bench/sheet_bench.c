/*
 * sheet_bench.c - what making documents costs (documents/sheet.h), for
 * bench/documents.sh.  Not a test.
 *
 *   sheet_bench rows ROWS DIR      one sheet, a table of ROWS rows (an
 *                                  amount and its capitals each), as
 *                                  DIR/rows.pdf and DIR/rows.xlsx
 *   sheet_bench county DOCS DIR    DOCS documents of the size one county's
 *                                  will have (a certificate and five
 *                                  statements, 20 rows each), as
 *                                  DIR/NNN.pdf and DIR/NNN.xlsx
 *
 * Prints the seconds the PDFs and the workbooks took, on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "documents/sheet.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int die(const tc_err *e)
{
    char b[2048];
    fprintf(stderr, "sheet_bench: %s\n", tc_err_format(e, b, sizeof(b)));
    return 4;
}

static int sheet(tc_doc *d, const char *title, int rows, int seed, tc_err *e)
{
    static const tc_column cols[] = {{"序号", 6, TC_ALIGN_CENTER}, {"项目", 26, TC_ALIGN_LEFT},
                                     {"金额", 18, TC_ALIGN_RIGHT},
                                     {"金额（大写）", 40, TC_ALIGN_LEFT}};
    static const tc_party parties[] = {{"单位负责人", NULL}, {"会计主管", NULL},
                                       {"复核", NULL}, {"制表", NULL}};
    tc_sheet *s;
    int rc;
    if ((rc = tc_sheet_new(&s, title, e)))
        return rc;
    tc_fen total = 0;
    rc = tc_sheet_header(s, "编制单位：长春市九台区医疗保障局", "2021年6月30日", "单位：元", e);
    if (!rc)
        rc = tc_sheet_table(s, cols, 4, e);
    for (int i = 0; i < rows && !rc; i++) {
        char no[16], item[64];
        snprintf(no, sizeof(no), "%d", i + 1);
        snprintf(item, sizeof(item), "暂付款 第%d项 定点医药机构", i + 1);
        tc_fen a = ((tc_fen)(i + seed) * 7919 * 104729 + 12345) % 1000000000;
        total += a;
        tc_cell r[] = {tc_cell_text(no), tc_cell_text(item), tc_cell_amount(a), tc_cell_daxie(a)};
        rc = tc_sheet_row(s, 0, r, 4, e);
    }
    tc_cell sum[] = {tc_cell_blank(), tc_cell_text("合计"), tc_cell_amount(total),
                     tc_cell_daxie(total)};
    if (!rc)
        rc = tc_sheet_row(s, TC_ROW_TOTAL, sum, 4, e);
    if (!rc)
        rc = tc_sheet_signatures(s, parties, 4, e);
    if (!rc)
        rc = tc_sheet_qr(s, "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                         "摘要", e);
    if (!rc)
        rc = tc_sheet_footer(s, "摘要 sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", e);
    if (rc) {
        tc_sheet_free(s);
        return rc;
    }
    return tc_doc_add(d, s, e);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "rows") && strcmp(argv[1], "county"))) {
        fprintf(stderr, "usage: sheet_bench rows ROWS DIR | county DOCS DIR\n");
        return 2;
    }
    int n = atoi(argv[2]), county = strcmp(argv[1], "county") == 0;
    tc_err e;
    tc_err_clear(&e);
    double pdf = 0, xlsx = 0;
    static const char *const titles[] = {"基金移交交接书", "资产负债表", "收支表",
                                         "银行存款余额调节表", "银行存款余额调节表",
                                         "银行存款余额调节表"};
    for (int k = 0; k < (county ? n : 1); k++) {
        tc_doc *d;
        if (tc_doc_new(&d, "bench", "2021-06-30", &e))
            return die(&e);
        for (int s = 0; s < (county ? 6 : 1); s++)
            if (sheet(d, titles[s], county ? 20 : n, k * 6 + s, &e))
                return die(&e);
        char p[4096], x[4096];
        snprintf(p, sizeof(p), "%s/%03d.pdf", argv[3], k);
        snprintf(x, sizeof(x), "%s/%03d.xlsx", argv[3], k);
        if (!county) {
            snprintf(p, sizeof(p), "%s/rows.pdf", argv[3]);
            snprintf(x, sizeof(x), "%s/rows.xlsx", argv[3]);
        }
        double t0 = now();
        if (tc_doc_write_pdf(d, p, &e))
            return die(&e);
        double t1 = now();
        if (tc_doc_write_xlsx(d, x, &e))
            return die(&e);
        pdf += t1 - t0;
        xlsx += now() - t1;
        tc_doc_free(d);
    }
    printf("pdf %.3f s, xlsx %.3f s\n", pdf, xlsx);
    return 0;
}
