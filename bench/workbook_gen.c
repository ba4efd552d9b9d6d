/*
 * workbook_gen.c - a 用友-style ledger of N journal rows as .xlsx, for
 * bench/workbook.sh: DIR/序时账_01.xlsx (and, past a million rows, for a
 * sheet holds at most 1,048,576, the parts 序时账_01_02.xlsx, _03, ...)
 * and DIR/科目余额表_01_2024MM.xlsx for the twelve months, as
 * extract/profiles/yonyou.ini reads them.
 *
 *   workbook_gen DIR ROWS
 *
 * Written as a stream (libxlsxwriter would hold every shared string and,
 * out of constant-memory mode, every cell): the zip entries deflated with
 * zlib as they are made, their local headers patched with the CRC and
 * sizes afterwards (zip64 fields when an entry passes 4 GiB).  Every
 * voucher has its own 摘要, in shared strings, so that sharedStrings.xml
 * grows with the sheet as in a real journal.  Amounts are integers of fen
 * printed as yuan; no float.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

typedef struct zw {
    FILE *f;
    struct { char name[64]; uint64_t off, csize, usize; uint32_t crc; } e[16];
    int n;
    z_stream zs;
    unsigned char out[1 << 16];
    char buf[1 << 16];
    size_t blen;
} zw;

static void le(FILE *f, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        fputc((int)(v >> (8 * i) & 255), f);
}

static void zflush(zw *z, int finish)
{
    z->zs.next_in = (unsigned char *)z->buf;
    z->zs.avail_in = (unsigned)z->blen;
    z->e[z->n].crc = (uint32_t)crc32(z->e[z->n].crc, (unsigned char *)z->buf, (unsigned)z->blen);
    z->e[z->n].usize += z->blen;
    int r;
    do {
        z->zs.next_out = z->out;
        z->zs.avail_out = sizeof(z->out);
        r = deflate(&z->zs, finish ? Z_FINISH : Z_NO_FLUSH);
        size_t k = sizeof(z->out) - z->zs.avail_out;
        fwrite(z->out, 1, k, z->f);
        z->e[z->n].csize += k;
    } while (z->zs.avail_out == 0 || (finish && r != Z_STREAM_END));
    z->blen = 0;
}

static void zput(zw *z, const char *s, size_t n)
{
    if (z->blen + n > sizeof(z->buf))
        zflush(z, 0);
    memcpy(z->buf + z->blen, s, n);
    z->blen += n;
}

static void zprintf(zw *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void zprintf(zw *z, const char *fmt, ...)
{
    char b[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    zput(z, b, (size_t)k);
}

/* Local header with zip64 extra: sizes patched at the end. */
static void zbegin(zw *z, const char *name)
{
    snprintf(z->e[z->n].name, 64, "%s", name);
    z->e[z->n].off = (uint64_t)ftello(z->f);
    z->e[z->n].crc = (uint32_t)crc32(0, NULL, 0);
    z->e[z->n].csize = z->e[z->n].usize = 0;
    le(z->f, 0x04034b50, 4), le(z->f, 45, 2), le(z->f, 0, 2), le(z->f, 8, 2), le(z->f, 0, 4);
    le(z->f, 0, 4), le(z->f, 0xFFFFFFFF, 4), le(z->f, 0xFFFFFFFF, 4);
    le(z->f, strlen(name), 2), le(z->f, 20, 2);
    fputs(name, z->f);
    le(z->f, 1, 2), le(z->f, 16, 2), le(z->f, 0, 8), le(z->f, 0, 8);
    memset(&z->zs, 0, sizeof(z->zs));
    deflateInit2(&z->zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}

static void zend(zw *z)
{
    zflush(z, 1);
    deflateEnd(&z->zs);
    off_t here = ftello(z->f);
    fseeko(z->f, (off_t)z->e[z->n].off + 14, SEEK_SET);
    le(z->f, z->e[z->n].crc, 4);
    fseeko(z->f, (off_t)z->e[z->n].off + 30 + strlen(z->e[z->n].name) + 4, SEEK_SET);
    le(z->f, z->e[z->n].usize, 8), le(z->f, z->e[z->n].csize, 8);
    fseeko(z->f, here, SEEK_SET);
    z->n++;
}

static void zclose(zw *z)
{
    uint64_t cd = (uint64_t)ftello(z->f);
    for (int i = 0; i < z->n; i++) {
        le(z->f, 0x02014b50, 4), le(z->f, 45, 2), le(z->f, 45, 2), le(z->f, 0, 2);
        le(z->f, 8, 2), le(z->f, 0, 4), le(z->f, z->e[i].crc, 4);
        le(z->f, 0xFFFFFFFF, 4), le(z->f, 0xFFFFFFFF, 4), le(z->f, strlen(z->e[i].name), 2);
        le(z->f, 28, 2), le(z->f, 0, 2), le(z->f, 0, 2), le(z->f, 0, 2), le(z->f, 0, 4);
        le(z->f, 0xFFFFFFFF, 4);
        fputs(z->e[i].name, z->f);
        le(z->f, 1, 2), le(z->f, 24, 2), le(z->f, z->e[i].usize, 8), le(z->f, z->e[i].csize, 8);
        le(z->f, z->e[i].off, 8);
    }
    uint64_t end = (uint64_t)ftello(z->f);
    le(z->f, 0x06064b50, 4), le(z->f, 44, 8), le(z->f, 45, 2), le(z->f, 45, 2), le(z->f, 0, 4);
    le(z->f, 0, 4), le(z->f, (uint64_t)z->n, 8), le(z->f, (uint64_t)z->n, 8);
    le(z->f, end - cd, 8), le(z->f, cd, 8);
    le(z->f, 0x07064b50, 4), le(z->f, 0, 4), le(z->f, end, 8), le(z->f, 1, 4);
    le(z->f, 0x06054b50, 4), le(z->f, 0, 2), le(z->f, 0, 2), le(z->f, 0xFFFF, 2);
    le(z->f, 0xFFFF, 2), le(z->f, 0xFFFFFFFF, 4), le(z->f, 0xFFFFFFFF, 4), le(z->f, 0, 2);
    fclose(z->f);
}

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""

static void common(zw *z, const char *sheet)
{
    zbegin(z, "xl/workbook.xml");
    zprintf(z, "<workbook " NS " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/"
            "2006/relationships\"><sheets><sheet name=\"%s\" sheetId=\"1\" r:id=\"rId1\"/>"
            "</sheets></workbook>", sheet);
    zend(z);
    zbegin(z, "xl/_rels/workbook.xml.rels");
    zprintf(z, "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
            "relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/"
            "officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
            "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
            "2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>");
    zend(z);
}

static const char *yuan(int64_t f, char *b)
{
    snprintf(b, 32, "%s%lld.%02lld", f < 0 ? "-" : "", (long long)(f < 0 ? -f : f) / 100,
             (long long)(f < 0 ? -f : f) % 100);
    return b;
}

static int64_t amount(long v) { return 1000 + (v * 7919) % 900000; }

int main(int argc, char **argv)
{
    if (argc != 3)
        return fprintf(stderr, "usage: workbook_gen DIR ROWS\n"), 2;
    long rows = atol(argv[2]), vouchers = rows / 2;
    char path[4096], a[32];
    int64_t turn[13] = {0};
    /* the journal, in parts of at most a million rows */
    zw *z = calloc(1, sizeof(*z));
    long per_month = (vouchers + 11) / 12, per_part = 500000;
    for (long part = 0; part * per_part < vouchers || part == 0; part++) {
        long v0 = part * per_part, v1 = v0 + per_part < vouchers ? v0 + per_part : vouchers;
        memset(z, 0, sizeof(*z));
        if (part)
            snprintf(path, sizeof(path), "%s/序时账_01_%02ld.xlsx", argv[1], part + 1);
        else
            snprintf(path, sizeof(path), "%s/序时账_01.xlsx", argv[1]);
        if (!(z->f = fopen(path, "wb")))
            return perror(path), 1;
        common(z, "序时账");
        zbegin(z, "xl/sharedStrings.xml");   /* 0-5 the header, 6 本月合计, 7.. one 摘要 a voucher */
        zprintf(z, "<sst " NS "><si><t>日期</t></si><si><t>凭证字号</t></si><si><t>摘要</t></si>"
                "<si><t>科目编码</t></si><si><t>借方</t></si><si><t>贷方</t></si>"
                "<si><t>本月合计</t></si>");
        for (long v = v0; v < v1; v++)
            zprintf(z, "<si><t>收到第%ld笔城乡居民医疗保险征缴收入，转入收入户</t></si>", v + 1);
        zprintf(z, "</sst>");
        zend(z);
        zbegin(z, "xl/worksheets/sheet1.xml");
        zprintf(z, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet "
                NS "><sheetData><row r=\"3\"><c r=\"A3\" t=\"s\"><v>0</v></c><c r=\"B3\" "
                "t=\"s\"><v>1</v></c><c r=\"C3\" t=\"s\"><v>2</v></c><c r=\"D3\" t=\"s\">"
                "<v>3</v></c><c r=\"F3\" t=\"s\"><v>4</v></c><c r=\"G3\" t=\"s\"><v>5</v></c>"
                "</row>");
        long r = 4;
        int month = 0;
        for (long v = v0; v < v1; v++) {
            int m = (int)(v / per_month) + 1;
            if (m != month && month) {   /* 本月合计 */
                zprintf(z, "<row r=\"%ld\"><c r=\"C%ld\" t=\"s\"><v>6</v></c><c r=\"F%ld\">"
                        "<v>%s</v></c></row>", r, r, r, yuan(turn[month], a));
                r++;
            }
            month = m;
            /* a serial date within month m of 2024 */
            static const int start[13] = {0, 45292, 45323, 45352, 45383, 45413, 45444, 45474,
                                          45505, 45536, 45566, 45597, 45627};
            long serial = start[m] + v % 28;
            long no = v - (m - 1) * per_month + 1;
            for (int l = 0; l < 2; l++, r++)
                zprintf(z, "<row r=\"%ld\"><c r=\"A%ld\" s=\"1\"><v>%ld</v></c><c r=\"B%ld\" "
                        "t=\"inlineStr\"><is><t>记-%05ld</t></is></c><c r=\"C%ld\" t=\"s\">"
                        "<v>%ld</v></c><c r=\"D%ld\"><v>%s</v></c><c r=\"%c%ld\"><v>%s</v></c>"
                        "</row>", r, r, serial, r, no, r, v - v0 + 7, r, l ? "4001" : "100201",
                        l ? 'G' : 'F', r, yuan(amount(v), a));
            turn[m] += amount(v);
        }
        zprintf(z, "</sheetData></worksheet>");
        zend(z);
        zclose(z);
    }
    /* the balance tables */
    int64_t bank = 0, income = 0;
    for (int m = 1; m <= 12; m++) {
        memset(z, 0, sizeof(*z));
        snprintf(path, sizeof(path), "%s/科目余额表_01_2024%02d.xlsx", argv[1], m);
        if (!(z->f = fopen(path, "wb")))
            return perror(path), 1;
        common(z, "科目余额表");
        zbegin(z, "xl/sharedStrings.xml");
        zprintf(z, "<sst " NS "/>");
        zend(z);
        zbegin(z, "xl/worksheets/sheet1.xml");
        zprintf(z, "<worksheet " NS "><sheetData><row r=\"3\">");
        const char *h3[] = {"A3", "科目编码", "B3", "科目名称", "C3", "期初余额", "E3", "本期发生",
                            "G3", "期末余额"};
        for (int i = 0; i < 10; i += 2)
            zprintf(z, "<c r=\"%s\" t=\"inlineStr\"><is><t>%s</t></is></c>", h3[i], h3[i + 1]);
        zprintf(z, "</row><row r=\"4\">");
        for (int c = 0; c < 6; c++)
            zprintf(z, "<c r=\"%c4\" t=\"inlineStr\"><is><t>%s</t></is></c>", 'C' + c,
                    c % 2 ? "贷方" : "借方");
        zprintf(z, "</row>");
        char b1[32], b2[32];
        zprintf(z, "<row r=\"5\"><c r=\"A5\" t=\"inlineStr\"><is><t>100201</t></is></c><c r=\"C5\">"
                "<v>%s</v></c><c r=\"E5\"><v>%s</v></c><c r=\"G5\"><v>%s</v></c></row>",
                yuan(bank, a), yuan(turn[m], b1), yuan(bank + turn[m], b2));
        zprintf(z, "<row r=\"6\"><c r=\"A6\" t=\"inlineStr\"><is><t>4001</t></is></c><c r=\"D6\">"
                "<v>%s</v></c><c r=\"F6\"><v>%s</v></c><c r=\"H6\"><v>%s</v></c></row>",
                yuan(income, a), yuan(turn[m], b1), yuan(income + turn[m], b2));
        zprintf(z, "</sheetData></worksheet>");
        zend(z);
        zclose(z);
        bank += turn[m];
        income += turn[m];
    }
    free(z);
    return 0;
}
