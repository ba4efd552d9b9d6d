/*
 * xlsx.c - see xlsx.h.
 *
 * The container.  The end of central directory record (and, when a count
 * or an offset overflows 16 or 32 bits, the zip64 one) gives the central
 * directory, which lists every entry with its method, sizes, CRC-32 and
 * the offset of its local header; the local header gives where its data
 * starts.  Only the central directory is trusted for sizes (an entry
 * written with a data descriptor has zeros in its local header).  Stored
 * entries are copied, deflated ones inflated with inflateInit2(-15); any
 * other method, encryption, a CRC or size that differs at the end of an
 * entry, a local header that is not one, or data running past the end of
 * the file is refused.  No libzip: the container is small and this is
 * the whole of what a workbook needs.
 *
 * Shared strings.  Excel keeps each distinct text once, in
 * xl/sharedStrings.xml, and cells name it by index.  A journal's 摘要 are
 * nearly all distinct, so that part can be as large as the sheet itself:
 * holding it in memory would make memory grow with rows.  Resolving only
 * the strings the mapped columns use does not help either, since the
 * mapped columns include the 摘要.  So the part is read once, when the
 * workbook is opened, and spilled to two unlinked temporary files: the
 * strings' bytes one after another, and an index of 8-byte offsets (string
 * i runs from offset[i] to offset[i+1]).  A cell's string costs two
 * pread()s, served from the page cache; memory holds neither file.  Cells
 * in columns the caller does not want are not looked up at all.
 *
 * The sheet.  Its XML is pushed through libxml2's SAX2 parser from the
 * inflate stream (the small parts, workbook.xml and its relationships,
 * go through xmlReaderForIO): <row r> and <c r t> elements with their <v>
 * (or <is><t> for inline strings, <t> runs outside phonetic <rPh>), one
 * row's cells gathered, handed to the caller and forgotten.  Memory holds
 * one row.
 */
#include "extract/xlsx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/xmlreader.h>
#include <zlib.h>

#include "core/readahead.h"

#define ZBUF (1 << 16)
#define MAX_ENTRIES 65536
#define MAX_SHEETS 256
#define MAX_CELL (1L << 20)     /* bytes of one cell's text (Excel's limit is 32,767 chars) */
#define MAX_ROW (64L << 20)     /* bytes of one row's text */
#define NCOLS 16384             /* Excel's columns, A to XFD */

typedef struct zent {
    char *name;
    unsigned method, flags;
    uint64_t csize, usize, off;
    uint32_t crc;
} zent;

typedef struct sheet_ref {
    char *name, *rid, *target;
} sheet_ref;

struct tc_xlsx {
    FILE *f;
    uint64_t size;
    const char *label;
    char path[1024];
    zent *z;
    int nz;
    sheet_ref sh[MAX_SHEETS];
    int nsh;
    int date1904;
    /* shared strings, spilled (see the top) */
    FILE *sst_data, *sst_idx;
    long long nsst;
    struct sblk *cache;        /* blocks of the two spill files, for lookups */
    unsigned long tick;
    const unsigned char *want;
};

/* A block of a spill file, kept for the next lookups: a journal names its
 * 摘要 in about the order they were added, so a few blocks serve nearly
 * every lookup without a system call. */
#define SBLK (1 << 16)
#define SNBLK 16
typedef struct sblk {
    int file;                  /* 0: index, 1: strings; -1: empty */
    long long no;
    size_t n;
    unsigned long used;
    char b[SBLK];
} sblk;

/* ------------------------------------------------------------ container */

static uint16_t u16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t u64(const unsigned char *p) { return u32(p) | (uint64_t)u32(p + 4) << 32; }

/* Where a refusal is: the workbook, and the sheet and cell or row when
 * known (ref NULL: the workbook alone). */
static void locate(tc_err *e, const char *label, const char *sheet, const char *ref)
{
    if (!e)
        return;
    if (ref)
        snprintf(e->file, sizeof(e->file), "%s: %s!%s", label, sheet, ref);
    else
        snprintf(e->file, sizeof(e->file), "%s", label);
    e->line = e->column = 0;
}

static int zfail(tc_xlsx *x, tc_err *e, const char *what)
{
    tc_fail(e, TC_EINPUT, "%s", what);
    locate(e, x->label, NULL, NULL);
    return tc_err_hint(e, "the workbook is damaged or cut short: export it again from the "
                          "finance software (or copy it again), and check it opens in Excel");
}

static int read_at(tc_xlsx *x, uint64_t off, void *buf, size_t n)
{
    if (off > x->size || n > x->size - off)
        return -1;
    if (fseeko(x->f, (off_t)off, SEEK_SET) != 0 || fread(buf, 1, n, x->f) != n)
        return -1;
    return 0;
}

static int read_directory(tc_xlsx *x, tc_err *e)
{
    size_t tail = x->size < 65557 ? (size_t)x->size : 65557;
    unsigned char *t = malloc(tail + 1);
    if (!t)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (read_at(x, x->size - tail, t, tail)) {
        free(t);
        return zfail(x, e, "cannot read the end of the file");
    }
    long eo = -1;
    for (long i = (long)tail - 22; i >= 0; i--)
        if (u32(t + i) == 0x06054b50) {
            eo = i;
            break;
        }
    if (eo < 0) {
        int ole = tail >= 8 && memcmp(t, "\xD0\xCF\x11\xE0", 4) == 0;
        free(t);
        if (x->size >= 8) {
            unsigned char h[4];
            if (read_at(x, 0, h, 4) == 0 && memcmp(h, "\xD0\xCF\x11\xE0", 4) == 0)
                ole = 1;
        }
        if (ole) {
            tc_fail(e, TC_EINPUT, "an Excel 97-2003 workbook (.xls), not .xlsx");
            locate(e, x->label, NULL, NULL);
            return tc_err_hint(e, "open it in Excel or WPS and save it as .xlsx (Excel "
                                  "Workbook), or export .xlsx from the finance software");
        }
        return zfail(x, e, "no end of central directory: not a zip file, or cut short");
    }
    uint64_t eocd = x->size - tail + (uint64_t)eo;
    uint64_t n = u16(t + eo + 10), cdsize = u32(t + eo + 12), cdoff = u32(t + eo + 16);
    if ((n == 0xFFFF || cdsize == 0xFFFFFFFF || cdoff == 0xFFFFFFFF) && eo >= 20 &&
        u32(t + eo - 20) == 0x07064b50) {
        unsigned char z[56];
        uint64_t zo = u64(t + eo - 20 + 8);
        if (read_at(x, zo, z, 56) || u32(z) != 0x06064b50) {
            free(t);
            return zfail(x, e, "the zip64 end of central directory is damaged");
        }
        n = u64(z + 32), cdsize = u64(z + 40), cdoff = u64(z + 48);
        eocd = zo;
    }
    free(t);
    if (cdoff > eocd || cdsize > eocd - cdoff || n > MAX_ENTRIES || cdsize > (64u << 20))
        return zfail(x, e, "the central directory is damaged or cut short");
    unsigned char *cd = malloc(cdsize + 1);
    x->z = calloc(n ? n : 1, sizeof(*x->z));
    if (!cd || !x->z) {
        free(cd);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    if (read_at(x, cdoff, cd, cdsize)) {
        free(cd);
        return zfail(x, e, "cannot read the central directory");
    }
    size_t p = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (p + 46 > cdsize || u32(cd + p) != 0x02014b50) {
            free(cd);
            return zfail(x, e, "the central directory is damaged");
        }
        zent *z = &x->z[x->nz];
        unsigned nl = u16(cd + p + 28), xl = u16(cd + p + 30), cl = u16(cd + p + 32);
        if (p + 46 + nl + xl + cl > cdsize) {
            free(cd);
            return zfail(x, e, "the central directory is damaged");
        }
        z->flags = u16(cd + p + 8);
        z->method = u16(cd + p + 10);
        z->crc = u32(cd + p + 16);
        z->csize = u32(cd + p + 20);
        z->usize = u32(cd + p + 24);
        z->off = u32(cd + p + 42);
        /* zip64: the fields that overflowed, in this order */
        const unsigned char *ex = cd + p + 46 + nl;
        for (unsigned k = 0; k + 4 <= xl;) {
            unsigned id = u16(ex + k), len = u16(ex + k + 2);
            if (k + 4 + len > xl)
                break;
            if (id == 1) {
                unsigned q = k + 4;
                if (z->usize == 0xFFFFFFFF && q + 8 <= k + 4 + len)
                    z->usize = u64(ex + q), q += 8;
                if (z->csize == 0xFFFFFFFF && q + 8 <= k + 4 + len)
                    z->csize = u64(ex + q), q += 8;
                if (z->off == 0xFFFFFFFF && q + 8 <= k + 4 + len)
                    z->off = u64(ex + q);
            }
            k += 4 + len;
        }
        if (!(z->name = malloc(nl + 1))) {
            free(cd);
            return tc_fail(e, TC_ENOMEM, "out of memory");
        }
        memcpy(z->name, cd + p + 46, nl);
        z->name[nl] = '\0';
        x->nz++;
        p += 46 + nl + xl + cl;
    }
    free(cd);
    return 0;
}

static const zent *find_entry(tc_xlsx *x, const char *name)
{
    if (name[0] == '/')
        name++;
    for (int i = 0; i < x->nz; i++)
        if (strcmp(x->z[i].name, name) == 0)
            return &x->z[i];
    return NULL;
}

/* One entry's bytes, as a stream. */
typedef struct zstream {
    tc_xlsx *x;
    const zent *z;
    tc_err *e;
    int failed;
    z_stream zs;
    int inflating;
    uint64_t pos, left;      /* file offset of the next compressed byte, bytes left */
    uint64_t out;            /* bytes given out */
    uint32_t crc;
    int done;
    unsigned char in[ZBUF];
} zstream;

static int zs_fail(zstream *s, const char *what)
{
    if (!s->failed) {
        char m[400];
        snprintf(m, sizeof(m), "entry %.200s: %s", s->z->name, what);
        zfail(s->x, s->e, m);
    }
    s->failed = 1;
    return -1;
}

static int zs_open(zstream *s, tc_xlsx *x, const zent *z, tc_err *e)
{
    memset(s, 0, sizeof(*s) - sizeof(s->in));
    s->x = x;
    s->z = z;
    s->e = e;
    s->crc = (uint32_t)crc32(0, NULL, 0);
    unsigned char h[30];
    if (z->flags & 1)
        return zs_fail(s, "it is encrypted (a workbook with a password to open it)");
    if (z->method != 0 && z->method != 8)
        return zs_fail(s, "compressed by a method other than store or deflate");
    if (read_at(x, z->off, h, 30) || u32(h) != 0x04034b50)
        return zs_fail(s, "its local header is missing or damaged (the file is cut short?)");
    s->pos = z->off + 30 + u16(h + 26) + u16(h + 28);
    s->left = z->csize;
    if (s->pos > x->size || s->left > x->size - s->pos)
        return zs_fail(s, "its data runs past the end of the file: cut short");
    if (z->method == 8) {
        if (inflateInit2(&s->zs, -15) != Z_OK)
            return zs_fail(s, "zlib cannot start");
        s->inflating = 1;
    }
    return 0;
}

static void zs_close(zstream *s)
{
    if (s->inflating)
        inflateEnd(&s->zs);
    s->inflating = 0;
}

/* Up to cap bytes into buf: how many, 0 at the end, -1 on failure. */
static int zs_read(zstream *s, char *buf, int cap)
{
    if (s->failed)
        return -1;
    if (s->done)
        return 0;
    size_t got = 0;
    if (s->z->method == 0) {
        size_t k = s->left < (uint64_t)cap ? (size_t)s->left : (size_t)cap;
        if (k && read_at(s->x, s->pos, buf, k))
            return zs_fail(s, "cannot read its data");
        s->pos += k, s->left -= k, got = k;
        if (!s->left)
            s->done = 1;
    } else {
        s->zs.next_out = (unsigned char *)buf;
        s->zs.avail_out = (unsigned)cap;
        while (s->zs.avail_out == (unsigned)cap) {
            if (!s->zs.avail_in && s->left) {
                size_t k = s->left < ZBUF ? (size_t)s->left : ZBUF;
                if (read_at(s->x, s->pos, s->in, k))
                    return zs_fail(s, "cannot read its data");
                s->pos += k, s->left -= k;
                s->zs.next_in = s->in;
                s->zs.avail_in = (unsigned)k;
            }
            int r = inflate(&s->zs, Z_NO_FLUSH);
            if (r == Z_STREAM_END) {
                s->done = 1;
                break;
            }
            if (r == Z_DATA_ERROR || r == Z_NEED_DICT || r == Z_MEM_ERROR)
                return zs_fail(s, "its deflate data is damaged");
            if (r == Z_BUF_ERROR && !s->zs.avail_in && !s->left)
                return zs_fail(s, "its deflate data stops before its end: cut short");
        }
        got = (size_t)cap - s->zs.avail_out;
    }
    s->crc = (uint32_t)crc32(s->crc, (const unsigned char *)buf, (unsigned)got);
    s->out += got;
    if (s->done) {
        if (s->out != s->z->usize)
            return zs_fail(s, "it unpacks to a size other than the directory gives");
        if (s->crc != s->z->crc)
            return zs_fail(s, "its CRC-32 differs from the directory's: the data is damaged");
    }
    return (int)got;
}

/* ------------------------------------------------------------ XML parts */

typedef struct xpart {
    zstream zs;
    tc_readahead *bg;          /* inflating on a second thread */
    xmlTextReaderPtr r;
    char err[400];
    long err_line;
} xpart;

static int zs_block(void *ctx, char *buf, int cap) { return zs_read(ctx, buf, cap); }

static int xp_read(void *ctx, char *buf, int len)
{
    xpart *p = ctx;
    int r = tc_readahead_read(p->bg, buf, len);
    return r < 0 ? -1 : r;
}

/* Keep libxml2's first error (its message trimmed, its line) in out, for
 * the refusal: both readers' structured error handlers. */
static void keep_xml_error(const xmlError *err, char *out, size_t cap, long *line)
{
    if (!err || err->level < XML_ERR_ERROR || out[0])
        return;
    snprintf(out, cap, "%s", err->message ? err->message : "malformed XML");
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
        out[--n] = '\0';
    *line = err->line;
}

static void xp_error(void *ctx, xmlErrorPtr err)
{
    xpart *p = ctx;
    keep_xml_error(err, p->err, sizeof(p->err), &p->err_line);
}

static int xp_open(xpart *p, tc_xlsx *x, const zent *z, tc_err *e)
{
    memset(p, 0, sizeof(*p));
    if (zs_open(&p->zs, x, z, e))
        return TC_EINPUT;
    if (!(p->bg = tc_readahead_open(1 << 18, zs_block, &p->zs))) {
        zs_close(&p->zs);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    p->r = xmlReaderForIO(xp_read, NULL, p, z->name, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
    if (!p->r) {
        tc_readahead_close(p->bg);
        zs_close(&p->zs);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    xmlTextReaderSetStructuredErrorHandler(p->r, xp_error, p);
    return 0;
}

/* After xmlTextReaderRead gave -1: the refusal. */
static int xp_fail(xpart *p, tc_err *e)
{
    if (p->zs.failed)
        return TC_EINPUT;
    tc_fail(e, TC_EINPUT, "entry %s: malformed XML at its line %ld: %s", p->zs.z->name, p->err_line, p->err[0] ? p->err : "malformed XML");
    locate(e, p->zs.x->label, NULL, NULL);
    return tc_err_hint(e, "the workbook is damaged: export it again from the finance software");
}

/* Read the rest of the part, so that its CRC and size are checked. */
static int xp_finish(xpart *p, tc_err *e)
{
    int r;
    while ((r = xmlTextReaderRead(p->r)) == 1)
        ;
    return r < 0 ? xp_fail(p, e) : 0;
}

static void xp_close(xpart *p)
{
    if (p->r)
        xmlFreeTextReader(p->r);
    p->r = NULL;
    if (p->bg)
        tc_readahead_close(p->bg);
    p->bg = NULL;
    zs_close(&p->zs);
}

/* ------------------------------------------------- XML parts, pushed */

/*
 * The large parts (the sheet, the shared strings) go through libxml2's
 * SAX2 push parser rather than the reader: the reader builds and frees a
 * node per element and text, which cost more than the parse itself.  The
 * inflate stream (on the read-ahead thread) is fed to xmlParseChunk; the
 * callbacks keep a small state machine.  A callback that refuses sets rc
 * and stops the parser.  The handler's user data must begin with an sxp.
 */
typedef struct sxp {
    xmlParserCtxtPtr ctxt;
    int rc;                    /* a callback's refusal */
    char err[400];
    long err_line;
} sxp;

static void sx_error(void *ctx, xmlErrorPtr err)
{
    sxp *p = ctx;
    keep_xml_error(err, p->err, sizeof(p->err), &p->err_line);
}

/* libxml2 reports encoding trouble through its generic error function, not
 * the structured one: keep the first message for the refusal, print none
 * (as extract/xml.c does). */
static _Thread_local char sx_generic[300];

static void sx_on_generic(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    if (sx_generic[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sx_generic, sizeof(sx_generic), fmt, ap);
    va_end(ap);
    sx_generic[strcspn(sx_generic, "\n")] = '\0';
}

/* Stop the parse with the refusal rc (e already says it). */
static void sx_stop(sxp *p, int rc)
{
    if (!p->rc)
        p->rc = rc;
    xmlStopParser(p->ctxt);
}

/* Interned in the parser's dictionary, so that names compare as pointers. */
static const xmlChar *sx_name(sxp *p, const char *s)
{
    return xmlDictLookup(p->ctxt->dict, (const xmlChar *)s, -1);
}

/* Parse entry z with handler h; user begins with an sxp.  intern() is
 * called once the parser exists, to intern the names the callbacks compare. */
static int sx_run(tc_xlsx *x, const zent *z, xmlSAXHandler *h, sxp *user,
                  void (*intern)(sxp *), tc_err *e)
{
    /* the stream's refusals go to zerr: the read-ahead thread may make one
     * while a callback refuses here */
    zstream zs;
    tc_err zerr;
    tc_err_clear(&zerr);
    if (zs_open(&zs, x, z, &zerr)) {
        *e = zerr;
        return TC_EINPUT;
    }
    tc_readahead *bg = tc_readahead_open(1 << 18, zs_block, &zs);
    enum { CHUNK = 1 << 16 };
    char *buf = malloc(CHUNK);
    if (!bg || !buf) {
        free(buf);
        if (bg)
            tc_readahead_close(bg);
        zs_close(&zs);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    h->initialized = XML_SAX2_MAGIC;
    h->serror = sx_error;
    sx_generic[0] = '\0';
    xmlSetGenericErrorFunc(NULL, sx_on_generic);
    int rc = 0, n = tc_readahead_read(bg, buf, CHUNK), perr = 0;
    int first = n < 0 ? 0 : n < 4 ? n : 4;   /* 4 bytes tell the encoding */
    if (n >= 0) {
        user->ctxt = xmlCreatePushParserCtxt(h, user, buf, first, z->name);
        if (!user->ctxt)
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
        else {
            xmlCtxtUseOptions(user->ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);
            if (intern)
                intern(user);
        }
    }
    int off = first;
    while (!rc && n >= 0 && !user->rc) {
        if (n - off > 0 || n == 0)
            perr = xmlParseChunk(user->ctxt, buf + off, n - off, n == 0);
        if (user->rc || perr || n == 0)
            break;
        off = 0;
        n = tc_readahead_read(bg, buf, CHUNK);
    }
    tc_readahead_close(bg);   /* the worker stopped: zs and zerr are ours */
    if (!rc)
        rc = user->rc;
    if (!rc && (n < 0 || zs.failed)) {
        *e = zerr;   /* zs_fail said why */
        rc = TC_EINPUT;
    }
    if (!rc && (perr || (user->ctxt && !user->ctxt->wellFormed))) {
        tc_fail(e, TC_EINPUT, "entry %s: malformed XML at its line %ld: %s", z->name,
                user->err_line, user->err[0] ? user->err : sx_generic[0] ? sx_generic
                                                                         : "malformed XML");
        locate(e, x->label, NULL, NULL);
        rc = tc_err_hint(e, "the workbook is damaged: export it again from the finance software");
    }
    if (user->ctxt) {
        if (user->ctxt->myDoc)
            xmlFreeDoc(user->ctxt->myDoc);
        xmlFreeParserCtxt(user->ctxt);
        user->ctxt = NULL;
    }
    zs_close(&zs);
    free(buf);
    return rc;
}

static const char *name_of(xmlTextReaderPtr r)
{
    const xmlChar *n = xmlTextReaderConstLocalName(r);
    return n ? (const char *)n : "";
}

static char *attr(xmlTextReaderPtr r, const char *name)
{
    return (char *)xmlTextReaderGetAttribute(r, (const xmlChar *)name);
}

/* xl/workbook.xml: the sheets in order, and the date system. */
static int read_workbook(tc_xlsx *x, tc_err *e)
{
    const zent *z = find_entry(x, "xl/workbook.xml");
    if (!z) {
        tc_fail(e, TC_EINPUT, "no xl/workbook.xml: a zip file, but not an .xlsx workbook");
        locate(e, x->label, NULL, NULL);
        return tc_err_hint(e, "export the journal or balance table as .xlsx (Excel 2007 or "
                              "later) from the finance software");
    }
    xpart p;
    int rc = xp_open(&p, x, z, e), r;
    while (!rc && (r = xmlTextReaderRead(p.r)) == 1) {
        if (xmlTextReaderNodeType(p.r) != XML_READER_TYPE_ELEMENT)
            continue;
        const char *n = name_of(p.r);
        if (strcmp(n, "workbookPr") == 0) {
            char *d = attr(p.r, "date1904");
            x->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
            xmlFree(d);
        } else if (strcmp(n, "sheet") == 0 && x->nsh < MAX_SHEETS) {
            sheet_ref *s = &x->sh[x->nsh];
            s->name = attr(p.r, "name");
            s->rid = (char *)xmlTextReaderGetAttributeNs(
                p.r, (const xmlChar *)"id",
                (const xmlChar *)"http://schemas.openxmlformats.org/officeDocument/2006/"
                                 "relationships");
            x->nsh++;
            if (!s->name || !s->rid)
                rc = zfail(x, e, "xl/workbook.xml names a sheet without its name or id");
        }
    }
    if (!rc && r < 0)
        rc = xp_fail(&p, e);
    if (!rc)
        rc = xp_finish(&p, e);
    xp_close(&p);
    return rc;
}

/* A relationship target relative to xl/ into "xl/..." */
static char *part_name(const char *target)
{
    char *s = malloc(strlen(target) + 4);
    if (!s)
        return NULL;
    if (target[0] == '/')
        strcpy(s, target + 1);
    else
        sprintf(s, "xl/%s", target);
    return s;
}

/* xl/_rels/workbook.xml.rels: each sheet's part, and the shared strings'. */
static int read_rels(tc_xlsx *x, char **sst, tc_err *e)
{
    *sst = NULL;
    const zent *z = find_entry(x, "xl/_rels/workbook.xml.rels");
    if (!z)
        return zfail(x, e, "no xl/_rels/workbook.xml.rels: not an .xlsx workbook");
    xpart p;
    int rc = xp_open(&p, x, z, e), r;
    while (!rc && (r = xmlTextReaderRead(p.r)) == 1) {
        if (xmlTextReaderNodeType(p.r) != XML_READER_TYPE_ELEMENT ||
            strcmp(name_of(p.r), "Relationship") != 0)
            continue;
        char *id = attr(p.r, "Id"), *type = attr(p.r, "Type"), *target = attr(p.r, "Target");
        if (id && type && target) {
            size_t tl = strlen(type);
            if (tl >= 14 && strcmp(type + tl - 14, "/sharedStrings") == 0 && !*sst)
                *sst = part_name(target);
            for (int i = 0; i < x->nsh; i++)
                if (strcmp(x->sh[i].rid, id) == 0 && !x->sh[i].target)
                    x->sh[i].target = part_name(target);
        }
        xmlFree(id), xmlFree(type), xmlFree(target);
    }
    if (!rc && r < 0)
        rc = xp_fail(&p, e);
    if (!rc)
        rc = xp_finish(&p, e);
    xp_close(&p);
    return rc;
}

/* xl/sharedStrings.xml into the two spill files: <si> elements, the text
 * of their <t> runs outside phonetic <rPh>. */
typedef struct sstst {
    sxp p;
    tc_xlsx *x;
    tc_err *e;
    const xmlChar *N_SI, *N_T, *N_RPH;
    int in_si, in_t, rph;
    uint64_t off, start;
} sstst;

static void sst_intern(sxp *p)
{
    sstst *s = (sstst *)p;
    s->N_SI = sx_name(p, "si");
    s->N_T = sx_name(p, "t");
    s->N_RPH = sx_name(p, "rPh");
}

static void sst_start(void *ctx, const xmlChar *n, const xmlChar *prefix, const xmlChar *uri,
                      int nns, const xmlChar **ns, int na, int nd, const xmlChar **at)
{
    sstst *s = ctx;
    (void)prefix, (void)uri, (void)nns, (void)ns, (void)na, (void)nd, (void)at;
    if (s->p.rc)
        return;
    if (n == s->N_SI)
        s->in_si = 1, s->start = s->off;
    else if (n == s->N_RPH)
        s->rph++;
    else if (n == s->N_T)
        s->in_t = 1;
}

static void sst_end(void *ctx, const xmlChar *n, const xmlChar *prefix, const xmlChar *uri)
{
    sstst *s = ctx;
    (void)prefix, (void)uri;
    if (s->p.rc)
        return;
    if (n == s->N_T) {
        s->in_t = 0;
    } else if (n == s->N_RPH) {
        s->rph--;
    } else if (n == s->N_SI) {
        s->in_si = 0;
        if (fwrite(&s->start, 8, 1, s->x->sst_idx) != 1)
            sx_stop(&s->p, tc_fail(s->e, TC_EIO, "cannot write a temporary file: %s",
                                   strerror(errno)));
        s->x->nsst++;
    }
}

static void sst_chars(void *ctx, const xmlChar *v, int len)
{
    sstst *s = ctx;
    if (s->p.rc || !s->in_si || !s->in_t || s->rph)
        return;
    size_t k = (size_t)len;
    if (s->off - s->start + k > (uint64_t)MAX_CELL) {
        tc_fail(s->e, TC_EINPUT, "shared string %lld is longer than %ld bytes", s->x->nsst,
                MAX_CELL);
        locate(s->e, s->x->label, NULL, NULL);
        sx_stop(&s->p, tc_err_hint(s->e, "a cell holds at most 32,767 characters in Excel: "
                                         "the workbook is not one Excel wrote"));
        return;
    }
    if (k && fwrite(v, 1, k, s->x->sst_data) != k) {
        sx_stop(&s->p, tc_fail(s->e, TC_EIO, "cannot write a temporary file: %s",
                               strerror(errno)));
        return;
    }
    s->off += k;
}

static int read_sst(tc_xlsx *x, const char *name, tc_err *e)
{
    const zent *z = find_entry(x, name);
    if (!z)
        return zfail(x, e, "the shared strings part its relationships name is missing");
    if (!(x->sst_data = tmpfile()) || !(x->sst_idx = tmpfile()))
        return tc_fail(e, TC_EIO, "cannot make a temporary file: %s", strerror(errno));
    sstst s;
    memset(&s, 0, sizeof(s));
    s.x = x, s.e = e;
    xmlSAXHandler h;
    memset(&h, 0, sizeof(h));
    h.startElementNs = sst_start;
    h.endElementNs = sst_end;
    h.characters = sst_chars;
    h.cdataBlock = sst_chars;
    h.ignorableWhitespace = sst_chars;
    int rc = sx_run(x, z, &h, &s.p, sst_intern, e);
    if (!rc && (fwrite(&s.off, 8, 1, x->sst_idx) != 1 || fflush(x->sst_idx) ||
                fflush(x->sst_data)))
        rc = tc_fail(e, TC_EIO, "cannot write a temporary file: %s", strerror(errno));
    return rc;
}

int tc_xlsx_open(tc_xlsx **out, const char *path, const char *label, tc_err *e)
{
    *out = NULL;
    tc_xlsx *x = calloc(1, sizeof(*x));
    if (!x)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    snprintf(x->path, sizeof(x->path), "%s", path);
    x->label = label;
    struct stat sb;
    if (!(x->f = fopen(path, "rb")) || fstat(fileno(x->f), &sb) != 0) {
        int err = errno;
        tc_xlsx_close(x);
        return tc_fail(e, tc_errno_code(err), "cannot open %s: %s", path, strerror(err));
    }
    x->size = (uint64_t)sb.st_size;
    char *sst = NULL;
    int rc = read_directory(x, e);
    if (!rc)
        rc = read_workbook(x, e);
    if (!rc)
        rc = read_rels(x, &sst, e);
    if (!rc && sst)
        rc = read_sst(x, sst, e);
    free(sst);
    if (rc) {
        tc_xlsx_close(x);
        return rc;
    }
    *out = x;
    return 0;
}

void tc_xlsx_close(tc_xlsx *x)
{
    if (!x)
        return;
    if (x->f)
        fclose(x->f);
    if (x->sst_data)
        fclose(x->sst_data);
    if (x->sst_idx)
        fclose(x->sst_idx);
    for (int i = 0; i < x->nz; i++)
        free(x->z[i].name);
    free(x->z);
    free(x->cache);
    for (int i = 0; i < x->nsh; i++) {
        xmlFree(x->sh[i].name);
        xmlFree(x->sh[i].rid);
        free(x->sh[i].target);
    }
    free(x);
}

int tc_xlsx_date1904(const tc_xlsx *x) { return x->date1904; }

void tc_xlsx_want(tc_xlsx *x, const unsigned char *want) { x->want = want; }

void tc_xlsx_ref(char *buf, size_t n, int col, long row)
{
    char l[4];
    int k = 0;
    for (int c = col + 1; c > 0; c = (c - 1) / 26)
        l[k++] = (char)('A' + (c - 1) % 26);
    char s[4];
    for (int i = 0; i < k; i++)
        s[i] = l[k - 1 - i];
    s[k] = '\0';
    snprintf(buf, n, "%s%ld", s, row);
}

/* ---------------------------------------------------------------- sheet */

typedef struct rowbuf {
    char *text;
    size_t len, cap;
    struct { int col, kind; size_t off, n; } *c;
    int n, cap_c;
    tc_xlsx_cell *out;
} rowbuf;

static int rb_text(rowbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t)
            return -1;
        b->text = t, b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
    return 0;
}

/* "F203" into col and row; 0, or -1 when it is no cell reference. */
static int parse_ref(const char *s, int *col, long *row)
{
    int c = 0, k = 0;
    while (s[k] >= 'A' && s[k] <= 'Z' && k < 3)
        c = c * 26 + (s[k++] - 'A' + 1);
    if (!k || c > NCOLS || s[k] < '1' || s[k] > '9')
        return -1;
    long r = 0;
    int d = 0;
    for (; s[k] >= '0' && s[k] <= '9' && d < 8; k++, d++)
        r = r * 10 + (s[k] - '0');
    if (s[k] || r > 1048576)
        return -1;
    *col = c - 1;
    *row = r;
    return 0;
}

/* n bytes at off of spill file `file` (0 index, 1 strings) into dst. */
static int cread(tc_xlsx *x, int file, uint64_t off, char *dst, size_t n)
{
    if (!x->cache) {
        if (!(x->cache = malloc(SNBLK * sizeof(sblk))))
            return -1;
        for (int i = 0; i < SNBLK; i++)   /* used too: garbage there kept blocks forever */
            x->cache[i].file = -1, x->cache[i].used = 0;
    }
    while (n) {
        long long no = (long long)(off / SBLK);
        sblk *b = NULL, *lru = &x->cache[0];
        for (int i = 0; i < SNBLK && !b; i++) {
            if (x->cache[i].file == file && x->cache[i].no == no)
                b = &x->cache[i];
            else if (x->cache[i].used < lru->used)
                lru = &x->cache[i];
        }
        if (!b) {
            b = lru;
            ssize_t k = pread(fileno(file ? x->sst_data : x->sst_idx), b->b, SBLK,
                              (off_t)no * SBLK);
            if (k < 0)
                return -1;
            b->file = file, b->no = no, b->n = (size_t)k;
        }
        b->used = ++x->tick;
        size_t in = (size_t)(off % SBLK), k = n < SBLK - in ? n : SBLK - in;
        if (in + k > b->n)
            return -1;
        memcpy(dst, b->b + in, k);
        dst += k, off += k, n -= k;
    }
    return 0;
}

/* Shared string v (its index, n bytes) onto the row's text. */
static int sst_get(tc_xlsx *x, rowbuf *b, const char *v, size_t vn, const char *sheet, int col,
                   long row, tc_err *e)
{
    long long i = 0;
    size_t k = 0;
    for (; k < vn && k < 18 && v[k] >= '0' && v[k] <= '9'; k++)
        i = i * 10 + (v[k] - '0');
    int bad = !vn || k != vn || i >= x->nsst;
    char idx[24];
    if (bad) {   /* not plain digits: as strtoll reads it */
        size_t c = vn < 23 ? vn : 23;
        memcpy(idx, v, c);
        idx[c] = '\0';
        char *end;
        errno = 0;
        i = strtoll(idx, &end, 10);
        bad = !idx[0] || *end || errno || i < 0 || i >= x->nsst;
    }
    if (bad) {
        char ref[16];
        tc_xlsx_ref(ref, sizeof(ref), col, row);
        tc_fail(e, TC_EINPUT, "names shared string '%.20s', and the workbook has %lld", idx,
                x->nsst);
        locate(e, x->label, sheet, ref);
        return tc_err_hint(e, "the workbook is damaged: export it again from the finance "
                              "software");
    }
    uint64_t o[2];
    if (cread(x, 0, (uint64_t)i * 8, (char *)o, 16) || o[1] < o[0] ||
        o[1] - o[0] > (uint64_t)MAX_CELL)
        return tc_fail(e, TC_EIO, "cannot read a temporary file: %s", strerror(errno));
    size_t n = (size_t)(o[1] - o[0]);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        b->text = t, b->cap = cap;
    }
    if (n && cread(x, 1, o[0], b->text + b->len, n))
        return tc_fail(e, TC_EIO, "cannot read a temporary file: %s", strerror(errno));
    b->len += n;
    b->text[b->len] = '\0';
    return 0;
}

/* The sheet's SAX state: the row being gathered and the cell being read. */
typedef struct shst {
    sxp p;
    tc_xlsx *x;
    const sheet_ref *s;
    tc_xlsx_row_fn fn;
    void *arg;
    tc_err *e;
    rowbuf b;
    const xmlChar *N_SHEETDATA, *N_ROW, *N_C, *N_V, *N_IS, *N_RPH, *N_T, *N_R;
    int in_data, in_c, in_v, in_is, in_t, rph;
    long row, last_row;
    int col, kind, want, had, shared;
    int wcol;                  /* the cell being read, for messages */
    long wrow;
    size_t vstart;
} shst;

static void sh_intern(sxp *p)
{
    shst *S = (shst *)p;
    S->N_SHEETDATA = sx_name(p, "sheetData");
    S->N_ROW = sx_name(p, "row");
    S->N_C = sx_name(p, "c");
    S->N_V = sx_name(p, "v");
    S->N_IS = sx_name(p, "is");
    S->N_RPH = sx_name(p, "rPh");
    S->N_T = sx_name(p, "t");
    S->N_R = sx_name(p, "r");
}

/* An attribute's value, NUL-terminated and cut to n - 1 bytes, into out. */
static char *acopy(char *out, size_t n, const xmlChar *v, const xmlChar *end)
{
    size_t k = (size_t)(end - v);
    if (k >= n)
        k = n - 1;
    memcpy(out, v, k);
    out[k] = '\0';
    return out;
}

static void sh_row(shst *S, const xmlChar *rv, const xmlChar *re)
{
    long nr = S->last_row + 1;
    int bad = 0;
    if (rv) {
        size_t k = (size_t)(re - rv), i = 0;
        long v = 0;
        for (; i < k && i < 8 && rv[i] >= '0' && rv[i] <= '9'; i++)
            v = v * 10 + (rv[i] - '0');
        if (k && i == k) {
            nr = v;
            bad = nr < 1 || nr > 1048576;
        } else {   /* as strtol reads it */
            char *rr = strndup((const char *)rv, k), *end;
            if (!rr) {
                sx_stop(&S->p, tc_fail(S->e, TC_ENOMEM, "out of memory"));
                return;
            }
            nr = strtol(rr, &end, 10);
            bad = !rr[0] || *end || nr < 1 || nr > 1048576;
            free(rr);
        }
    }
    if (bad || nr <= S->last_row) {
        char ref[32];
        snprintf(ref, sizeof(ref), "row %ld", nr);
        if (bad && nr > 1048576)
            tc_fail(S->e, TC_EINPUT, "beyond Excel's last row, 1,048,576");
        else
            tc_fail(S->e, TC_EINPUT, "%s", bad ? "a row number that is not one"
                                              : "the rows go back (it comes after a "
                                                "later row)");
        locate(S->e, S->x->label, S->s->name, ref);
        sx_stop(&S->p, tc_err_hint(S->e, "the sheet's rows must be in order, as Excel writes "
                                         "them: save the workbook again in Excel"));
        return;
    }
    S->row = S->last_row = nr;
    S->b.n = 0, S->b.len = 0, S->col = -1;
}

static void sh_cell(shst *S, int na, const xmlChar **at)
{
    char rbuf[24], tbuf[12];
    char *rr = NULL, *t = NULL;
    for (int i = 0; i < na; i++) {   /* r and t, the last of each */
        const xmlChar *an = at[5 * i];
        if (an == S->N_R)
            rr = acopy(rbuf, sizeof(rbuf), at[5 * i + 3], at[5 * i + 4]);
        else if (an == S->N_T)
            t = acopy(tbuf, sizeof(tbuf), at[5 * i + 3], at[5 * i + 4]);
    }
    int c = S->col + 1;
    long cr = S->row;
    int bad = rr && parse_ref(rr, &c, &cr);
    S->wcol = c, S->wrow = cr;
    if (bad || cr != S->row || c <= S->col) {
        tc_fail(S->e, TC_EINPUT, "%s", bad ? "not a cell reference"
                      : cr != S->row ? "the cell is in another row than its <row>"
                                     : "the cells go back (it comes after a cell right of it)");
        locate(S->e, S->x->label, S->s->name, rr ? rr : "?");
        sx_stop(&S->p, tc_err_hint(S->e, "the sheet's cells must be in order, as Excel writes "
                                         "them: save the workbook again in Excel"));
        return;
    }
    S->col = c;
    S->in_c = 1;
    S->want = !S->x->want || S->x->want[c];
    S->shared = t && strcmp(t, "s") == 0;
    S->kind = !t ? TC_XC_NUM
              : S->shared || strcmp(t, "str") == 0 || strcmp(t, "inlineStr") == 0 ||
                      strcmp(t, "d") == 0
                  ? TC_XC_TEXT
              : strcmp(t, "b") == 0 ? TC_XC_BOOL
              : strcmp(t, "e") == 0 ? TC_XC_ERROR
                                    : TC_XC_NUM;
    S->vstart = S->b.len;
    S->had = 0;
}

static void sh_start(void *ctx, const xmlChar *n, const xmlChar *prefix, const xmlChar *uri,
                     int nns, const xmlChar **ns, int na, int nd, const xmlChar **at)
{
    shst *S = ctx;
    (void)prefix, (void)uri, (void)nns, (void)ns, (void)nd;
    if (S->p.rc)
        return;
    if (n == S->N_C) {
        if (S->in_data)
            sh_cell(S, na, at);
    } else if (n == S->N_V) {
        if (S->in_data && S->in_c)
            S->in_v = 1;
    } else if (n == S->N_ROW) {
        if (!S->in_data)
            return;
        const xmlChar *rv = NULL, *re = NULL;
        for (int i = 0; i < na; i++)
            if (at[5 * i] == S->N_R)
                rv = at[5 * i + 3], re = at[5 * i + 4];
        sh_row(S, rv, re);
    } else if (n == S->N_SHEETDATA) {
        S->in_data = 1;
    } else if (!S->in_data) {
        return;
    } else if (n == S->N_IS) {
        if (S->in_c)
            S->in_is = 1;
    } else if (n == S->N_RPH) {
        if (S->in_is)
            S->rph++;
    } else if (n == S->N_T) {
        if (S->in_is)
            S->in_t = 1;
    }
}

/* The cell ends: its value onto the row. */
static void sh_cell_end(shst *S)
{
    rowbuf *b = &S->b;
    S->in_c = 0;
    if (!S->had)
        return;   /* no value: an empty cell */
    if (S->want && S->shared) {
        size_t vn = b->len - S->vstart;
        char idx[24];
        memcpy(idx, b->text + S->vstart, vn < 23 ? vn : 23);
        b->len = S->vstart;
        int rc = sst_get(S->x, b, idx, vn < 23 ? vn : 23, S->s->name, S->wcol, S->wrow, S->e);
        if (rc) {
            sx_stop(&S->p, rc);
            return;
        }
        if (b->len == S->vstart)   /* an empty shared string: an empty cell */
            return;
    }
    if (b->n == b->cap_c) {
        int cap = b->cap_c ? b->cap_c * 2 : 64;
        void *q = realloc(b->c, (size_t)cap * sizeof(*b->c));
        if (q)
            b->c = q;
        void *o = realloc(b->out, (size_t)cap * sizeof(*b->out));
        if (o)
            b->out = o;
        if (!q || !o) {
            sx_stop(&S->p, tc_fail(S->e, TC_ENOMEM, "out of memory"));
            return;
        }
        b->cap_c = cap;
    }
    b->c[b->n].col = S->col;
    b->c[b->n].kind = S->kind;
    b->c[b->n].off = S->vstart;
    b->c[b->n].n = b->len - S->vstart;
    b->n++;
    if (rb_text(b, "", 1))   /* a NUL between values */
        sx_stop(&S->p, tc_fail(S->e, TC_ENOMEM, "out of memory"));
}

static void sh_end(void *ctx, const xmlChar *n, const xmlChar *prefix, const xmlChar *uri)
{
    shst *S = ctx;
    (void)prefix, (void)uri;
    if (S->p.rc)
        return;
    if (n == S->N_SHEETDATA) {
        S->in_data = 0;
    } else if (!S->in_data) {
        return;
    } else if (n == S->N_V) {
        S->in_v = 0;
    } else if (n == S->N_C) {
        sh_cell_end(S);
    } else if (n == S->N_ROW) {
        rowbuf *b = &S->b;
        if (!b->n)
            return;
        for (int i = 0; i < b->n; i++) {
            b->out[i].col = b->c[i].col;
            b->out[i].kind = b->c[i].kind;
            b->out[i].s = b->text + b->c[i].off;
            b->out[i].n = b->c[i].n;
        }
        int rc = S->fn(S->arg, S->row, b->out, b->n, S->e);
        b->n = 0;
        if (rc)
            sx_stop(&S->p, rc);
    } else if (n == S->N_IS) {
        S->in_is = 0;
    } else if (n == S->N_T) {
        S->in_t = 0;
    } else if (n == S->N_RPH) {
        if (S->rph > 0)
            S->rph--;
    }
}

static void sh_chars(void *ctx, const xmlChar *v, int len)
{
    shst *S = ctx;
    if (S->p.rc || !S->in_c || !(S->in_v || (S->in_t && !S->rph)))
        return;
    size_t k = (size_t)len;
    rowbuf *b = &S->b;
    if (b->len - S->vstart + k > (size_t)MAX_CELL || b->len + k > (size_t)MAX_ROW) {
        char ref[16];
        tc_xlsx_ref(ref, sizeof(ref), S->wcol, S->wrow);
        tc_fail(S->e, TC_EINPUT, "the cell holds more than %ld bytes", MAX_CELL);
        locate(S->e, S->x->label, S->s->name, ref);
        sx_stop(&S->p, tc_err_hint(S->e, "a cell holds at most 32,767 characters in Excel: "
                                         "the workbook is not one Excel wrote"));
        return;
    }
    if (S->want && rb_text(b, (const char *)v, k)) {
        sx_stop(&S->p, tc_fail(S->e, TC_ENOMEM, "out of memory"));
        return;
    }
    S->had |= k > 0;
}

int tc_xlsx_read(tc_xlsx *x, const char *sheet, char *name, size_t nn, tc_xlsx_row_fn fn,
                 void *arg, tc_err *e)
{
    const sheet_ref *s = NULL;
    for (int i = 0; i < x->nsh && !s; i++)
        if (!sheet || !sheet[0] || strcmp(x->sh[i].name, sheet) == 0)
            s = &x->sh[i];
    if (!s) {
        char list[600] = "";
        size_t k = 0;
        for (int i = 0; i < x->nsh && k + 80 < sizeof(list); i++)
            k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%.60s", i ? ", " : "",
                                  x->sh[i].name);
        tc_fail(e, TC_EINPUT, "the workbook has no sheet named %s", sheet);
        locate(e, x->label, NULL, NULL);
        return tc_err_hint(e, "its sheets are: %s; name one in the profile (sheet = ...)",
                           x->nsh ? list : "none");
    }
    snprintf(name, nn, "%s", s->name);
    const zent *z = s->target ? find_entry(x, s->target) : NULL;
    if (!z)
        return zfail(x, e, "the sheet's part is missing from the container");
    shst *S = calloc(1, sizeof(*S));
    if (!S)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    S->x = x, S->s = s, S->fn = fn, S->arg = arg, S->e = e;
    S->col = -1;
    xmlSAXHandler h;
    memset(&h, 0, sizeof(h));
    h.startElementNs = sh_start;
    h.endElementNs = sh_end;
    h.characters = sh_chars;
    h.cdataBlock = sh_chars;
    h.ignorableWhitespace = sh_chars;
    int rc = sx_run(x, z, &h, &S->p, sh_intern, e);
    free(S->b.text);
    free(S->b.c);
    free(S->b.out);
    free(S);
    return rc;
}
