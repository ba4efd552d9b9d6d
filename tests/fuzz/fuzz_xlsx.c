/*
 * fuzz_xlsx.c - the workbook reader (zip container, sheet XML, shared
 * strings, the 用友 profile's mapping and cross-check) on arbitrary bytes.
 *
 * The input's first byte picks what the rest is:
 *
 *   0  the journal workbook itself (序时账_01.xlsx): the zip container;
 *   1  the journal's sheet XML, zipped (stored, CRC right) by the harness
 *      with a fixed workbook part and shared strings;
 *   2  the journal's shared strings XML, with a fixed sheet naming them;
 *   3  the balance table's sheet XML, beside a fixed journal.
 *
 * The other workbook of the folder is fixed and agrees with the fixed
 * journal, so that an input the reader accepts runs through the
 * cross-check to commit.  Properties as for fuzz_unload.c: a refusal is
 * TC_EINPUT with a message, never a crash; an acceptance commits ten
 * batches that verify.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "core/batch.h"
#include "extract/emit.h"
#include "extract/profile.h"
#include "extract/workbook.h"
#include "fuzz_util.h"

static char top[128], dir[160];

static void rm_top(void)
{
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
    if (system(cmd) != 0)
        return;
}

static void le16(FILE *f, unsigned v) { fputc(v & 255, f), fputc(v >> 8 & 255, f); }
static void le32(FILE *f, uint32_t v) { le16(f, v & 0xFFFF), le16(f, v >> 16); }

/* A zip of stored entries: names[i] holding data[i] of len[i] bytes. */
static void write_zip(const char *path, const char *const *names, const void *const *data,
                      const size_t *len, int n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    long off[8];
    uint32_t crc[8];
    for (int i = 0; i < n; i++) {
        off[i] = ftell(f);
        crc[i] = (uint32_t)crc32(0, data[i], (unsigned)len[i]);
        le32(f, 0x04034b50), le16(f, 20), le16(f, 0), le16(f, 0), le16(f, 0), le16(f, 0);
        le32(f, crc[i]), le32(f, (uint32_t)len[i]), le32(f, (uint32_t)len[i]);
        le16(f, (unsigned)strlen(names[i])), le16(f, 0);
        fputs(names[i], f);
        fwrite(data[i], 1, len[i], f);
    }
    long cd = ftell(f);
    for (int i = 0; i < n; i++) {
        le32(f, 0x02014b50), le16(f, 20), le16(f, 20), le16(f, 0), le16(f, 0), le16(f, 0);
        le16(f, 0), le32(f, crc[i]), le32(f, (uint32_t)len[i]), le32(f, (uint32_t)len[i]);
        le16(f, (unsigned)strlen(names[i])), le16(f, 0), le16(f, 0), le16(f, 0), le16(f, 0);
        le32(f, 0), le32(f, (uint32_t)off[i]);
        fputs(names[i], f);
    }
    long end = ftell(f);
    le32(f, 0x06054b50), le16(f, 0), le16(f, 0), le16(f, (unsigned)n), le16(f, (unsigned)n);
    le32(f, (uint32_t)(end - cd)), le32(f, (uint32_t)cd), le16(f, 0);
    fclose(f);
}

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""

static const char *const WB_J =
    "<workbook " NS " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships\"><sheets><sheet name=\"序时账\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
    "</workbook>";
static const char *const WB_B =
    "<workbook " NS " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships\"><sheets><sheet name=\"科目余额表\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
    "</workbook>";
static const char *const RELS =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>";
/* the journal: header in row 3, one voucher of two lines, 本月合计 */
static const char *const SST =
    "<sst " NS "><si><t>日期</t></si><si><t>凭证字号</t></si><si><t>摘要</t></si>"
    "<si><t>科目编码</t></si><si><t>借方</t></si><si><t>贷方</t></si><si><t>记-0001</t></si>"
    "<si><t>征缴收入</t></si><si><t>100201</t></si><si><t>4001</t></si>"
    "<si><t>本月合计</t></si></sst>";
static const char *const SHEET_J =
    "<worksheet " NS "><sheetData><row r=\"3\"><c r=\"A3\" t=\"s\"><v>0</v></c>"
    "<c r=\"B3\" t=\"s\"><v>1</v></c><c r=\"C3\" t=\"s\"><v>2</v></c>"
    "<c r=\"D3\" t=\"s\"><v>3</v></c><c r=\"F3\" t=\"s\"><v>4</v></c>"
    "<c r=\"G3\" t=\"s\"><v>5</v></c></row>"
    "<row r=\"4\"><c r=\"A4\"><v>45292</v></c><c r=\"B4\" t=\"s\"><v>6</v></c>"
    "<c r=\"C4\" t=\"s\"><v>7</v></c><c r=\"D4\" t=\"s\"><v>8</v></c><c r=\"F4\"><v>12.5</v></c>"
    "</row><row r=\"5\"><c r=\"A5\"><v>45292</v></c><c r=\"B5\" t=\"s\"><v>6</v></c>"
    "<c r=\"C5\" t=\"s\"><v>7</v></c><c r=\"D5\" t=\"s\"><v>9</v></c><c r=\"G5\"><v>12.5</v></c>"
    "</row><row r=\"6\"><c r=\"C6\" t=\"s\"><v>10</v></c><c r=\"F6\"><v>12.5</v></c></row>"
    "</sheetData></worksheet>";
#define IS(r, s) "<c r=\"" r "\" t=\"inlineStr\"><is><t>" s "</t></is></c>"
static const char *const SHEET_B =
    "<worksheet " NS "><sheetData><row r=\"3\">" IS("A3", "科目编码") IS("B3", "科目名称")
    IS("C3", "期初余额") IS("E3", "本期发生") IS("G3", "期末余额") "</row><row r=\"4\">"
    IS("C4", "借方") IS("D4", "贷方") IS("E4", "借方") IS("F4", "贷方") IS("G4", "借方")
    IS("H4", "贷方") "</row><row r=\"5\">" IS("A5", "100201") IS("B5", "x")
    "<c r=\"E5\"><v>12.5</v></c><c r=\"G5\"><v>12.5</v></c></row><row r=\"6\">" IS("A6", "4001")
    IS("B6", "y") "<c r=\"F6\"><v>12.5</v></c><c r=\"H6\"><v>12.5</v></c></row></sheetData>"
    "</worksheet>";

static void workbook(const char *name, const char *wb, const void *sheet, size_t sn,
                     const void *sst, size_t tn)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    const char *names[4] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                            "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"};
    const void *data[4] = {wb, RELS, sheet, sst};
    size_t len[4] = {strlen(wb), strlen(RELS), sn, tn};
    write_zip(path, names, data, len, 4);
}

static tc_profile *profile(void)
{
    static tc_profile *p;
    if (!p) {
        char path[300];
        snprintf(path, sizeof(path), "%s/extract/profiles/yonyou.ini", TC_SOURCE_DIR);
        tc_err e;
        if (tc_profile_load(&p, path, &e))
            abort();
    }
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!top[0]) {
        snprintf(top, sizeof(top), "/tmp/tc-fuzz-wb-%ld", (long)getpid());
        snprintf(dir, sizeof(dir), "%s/220182", top);
        mkdir(top, 0700);
        mkdir(dir, 0700);
        atexit(rm_top);
    }
    int mode = data[0] % 4;
    const uint8_t *body = data + 1;
    size_t n = size - 1;
    char path[300];
    snprintf(path, sizeof(path), "%s/序时账_01.xlsx", dir);
    if (mode == 0) {
        FILE *f = fopen(path, "wb");
        if (!f)
            abort();
        fwrite(body, 1, n, f);
        fclose(f);
    } else if (mode == 1) {
        workbook("序时账_01.xlsx", WB_J, body, n, SST, strlen(SST));
    } else if (mode == 2) {
        workbook("序时账_01.xlsx", WB_J, SHEET_J, strlen(SHEET_J), body, n);
    } else {
        workbook("序时账_01.xlsx", WB_J, SHEET_J, strlen(SHEET_J), SST, strlen(SST));
    }
    if (mode == 3)
        workbook("科目余额表_01_202401.xlsx", WB_B, body, n, "<sst " NS "/>", strlen("<sst " NS "/>"));
    else
        workbook("科目余额表_01_202401.xlsx", WB_B, SHEET_B, strlen(SHEET_B), "<sst " NS "/>",
                 strlen("<sst " NS "/>"));
    const char *out = fuzz_dir();
    tc_err e;
    tc_err_clear(&e);
    tc_emit *em;
    tc_emit_opts o = {.outdir = out, .source = dir, .check_keys = 1,
                      .hash_source = TC_EMIT_HASH_READ};
    if (tc_emit_open(&em, &o, &e))
        abort();
    tc_dump_stats st;
    int rc = tc_workbook_extract(dir, profile(), em, &st, &e);
    if (getenv("TC_FUZZ_SAY"))   /* to see what a seed does */
        fprintf(stderr, "mode %d: %s\n", mode, rc ? e.msg : "accepted");
    fuzz_finish(rc, em, &e, TC_EINPUT, TC_EINPUT);
    return 0;
}
