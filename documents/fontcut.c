/*
 * fontcut.c - the documents' font, cut down to the characters they print.
 * Run once by the build (documents/CMakeLists.txt), never by the toolkit:
 *
 *   tc_fontcut OUTDIR    writes OUTDIR/TongchouSerifSC-Regular.otf and
 *                        OUTDIR/TongchouSerifSC-Bold.otf
 *
 * Why.  Cairo embeds in each PDF a subset of the font holding the glyphs
 * used, and to make it reads the face's whole CFF table, twice per face and
 * file.  Noto Serif CJK's table holds all 65,535 glyphs of the collection,
 * 21 MB: a quarter of a second of copying for every hundred PDFs, and most
 * of the memory a PDF costs.  The cut holds what Chinese documents of a
 * fund print: the 7,445 characters of GB 2312, ASCII and Latin-1, and the
 * general, CJK and full-width punctuation blocks, 4.8 MB in all.  A
 * character outside it (a rare character in a name, say 堃) is still
 * printed: sheet_pdf.c asks for "Tongchou Serif SC, Noto Serif CJK SC", so
 * pango takes it from the full font.
 *
 * What is kept: every glyph those characters reach through the layout
 * tables, with every layout feature (the amounts use tnum, the tabular
 * figures), the outlines and metrics unchanged.  What changes is the name:
 * "Tongchou Serif SC", so that fontconfig tells the cut from the full
 * font, as the SIL Open Font License asks of a modified version; the
 * copyright and licence names are copied.
 *
 * The source is the face fontconfig gives for Noto Serif CJK SC, regular
 * and bold (Debian's fonts-noto-cjk); without it the build stops and says
 * what to install.  The same font and harfbuzz give the same bytes, and
 * the files are written whole or not at all.
 */
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <hb-ot.h>
#include <hb-subset.h>
#include <hb.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/err.h"
#include "core/jcs.h"

#define SOURCE_FAMILY "Noto Serif CJK SC"
#define CUT_FAMILY "Tongchou Serif SC"

/* The characters kept: Unicode blocks, then GB 2312 through iconv. */
static const struct {
    unsigned from, to;
} blocks[] = {
    {0x0020, 0x007E},   /* ASCII */
    {0x00A0, 0x00FF},   /* Latin-1: · × ÷ and the rest */
    {0x2000, 0x206F},   /* general punctuation: — ‘ ’ “ ” … ‰ */
    {0x3000, 0x303F},   /* CJK symbols and punctuation: 、。《》「」【】 */
    {0xFF00, 0xFFEF},   /* full-width forms: （）：，￥ */
};

static int add_gb2312(hb_set_t *u, tc_err *e)
{
    iconv_t cd = iconv_open("UTF-32LE", "GB2312");
    if (cd == (iconv_t)-1)
        return tc_fail(e, TC_EIO, "iconv cannot convert from GB2312: %s", strerror(errno));
    for (unsigned hi = 0xA1; hi <= 0xF7; hi++)
        for (unsigned lo = 0xA1; lo <= 0xFE; lo++) {
            char in[2] = {(char)hi, (char)lo};
            unsigned char out[4];
            char *ip = in, *op = (char *)out;
            size_t il = sizeof(in), ol = sizeof(out);
            iconv(cd, NULL, NULL, NULL, NULL);
            if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && ol == 0)
                hb_set_add(u, (hb_codepoint_t)out[0] | (hb_codepoint_t)out[1] << 8 |
                                  (hb_codepoint_t)out[2] << 16 | (hb_codepoint_t)out[3] << 24);
        }
    iconv_close(cd);
    return 0;
}

/* The face fontconfig gives for the family in this weight: its file and
 * index, or a refusal naming the package. */
static int source_face(int bold, char *file, size_t n, int *index, tc_err *e)
{
    FcPattern *pat = FcNameParse((const FcChar8 *)SOURCE_FAMILY);
    if (!pat)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    FcPatternAddInteger(pat, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult r;
    FcPattern *m = FcFontMatch(NULL, pat, &r);
    FcPatternDestroy(pat);
    FcChar8 *fam = NULL, *path = NULL;
    int weight = 0, rc = 0;
    if (!m || FcPatternGetString(m, FC_FAMILY, 0, &fam) != FcResultMatch ||
        strcmp((const char *)fam, SOURCE_FAMILY) != 0 ||
        FcPatternGetString(m, FC_FILE, 0, &path) != FcResultMatch ||
        FcPatternGetInteger(m, FC_INDEX, 0, index) != FcResultMatch ||
        FcPatternGetInteger(m, FC_WEIGHT, 0, &weight) != FcResultMatch ||
        (bold && weight < FC_WEIGHT_BOLD)) {
        rc = tc_fail(e, TC_EIO, "cannot find the font %s%s (fontconfig offers %s)", SOURCE_FAMILY,
                     bold ? " Bold" : "", fam ? (const char *)fam : "no font at all");
        tc_err_hint(e, "install the Debian package fonts-noto-cjk (scripts/lib/deps.sh)");
    } else if (snprintf(file, n, "%s", (const char *)path) >= (int)n) {
        rc = tc_fail(e, TC_EIO, "the font's path is too long: %s", (const char *)path);
    }
    if (m)
        FcPatternDestroy(m);
    return rc;
}

/* A 'name' table (format 0, Windows Unicode, English) with the cut's names
 * and the source's copyright and licence. */
static hb_blob_t *name_table(hb_face_t *src, const char *style, const char *ps)
{
    enum { NREC = 8 };
    char copyright[2048] = "", licence[4096] = "", url[512] = "", full[128];
    unsigned n;
    hb_language_t en = hb_language_from_string("en", -1);
    n = sizeof(copyright);
    hb_ot_name_get_utf8(src, HB_OT_NAME_ID_COPYRIGHT, en, &n, copyright);
    n = sizeof(licence);
    hb_ot_name_get_utf8(src, HB_OT_NAME_ID_LICENSE, en, &n, licence);
    n = sizeof(url);
    hb_ot_name_get_utf8(src, HB_OT_NAME_ID_LICENSE_URL, en, &n, url);
    snprintf(full, sizeof(full), "%s %s", CUT_FAMILY, style);
    const struct {
        unsigned id;
        const char *s;
    } rec[NREC] = {
        {HB_OT_NAME_ID_COPYRIGHT, copyright}, {HB_OT_NAME_ID_FONT_FAMILY, CUT_FAMILY},
        {HB_OT_NAME_ID_FONT_SUBFAMILY, style}, {HB_OT_NAME_ID_UNIQUE_ID, ps},
        {HB_OT_NAME_ID_FULL_NAME, full},      {HB_OT_NAME_ID_POSTSCRIPT_NAME, ps},
        {HB_OT_NAME_ID_LICENSE, licence},     {HB_OT_NAME_ID_LICENSE_URL, url},
    };
    size_t head = 6 + 12 * NREC, cap = head, len = 0;
    for (int i = 0; i < NREC; i++)
        cap += 4 * strlen(rec[i].s);   /* UTF-16 takes at most 4 bytes per UTF-8 byte */
    unsigned char *t = calloc(1, cap);
    if (!t)
        return NULL;
#define PUT16(p, v) ((p)[0] = (unsigned char)((v) >> 8), (p)[1] = (unsigned char)(v))
    PUT16(t, 0);
    PUT16(t + 2, NREC);
    PUT16(t + 4, head);
    for (int i = 0; i < NREC; i++) {
        size_t start = len;
        const char *s = rec[i].s;
        size_t left = strlen(s), k;
        uint32_t c;
        for (; left && (k = tc_utf8_decode(s, left, &c)) > 0; s += k, left -= k) {
            /* UTF-8 (from harfbuzz, so well formed) to UTF-16BE */
            if (c >= 0x10000) {
                c -= 0x10000;
                PUT16(t + head + len, 0xD800 + (c >> 10));
                PUT16(t + head + len + 2, 0xDC00 + (c & 0x3FF));
                len += 4;
            } else {
                PUT16(t + head + len, c);
                len += 2;
            }
        }
        unsigned char *r = t + 6 + 12 * i;
        PUT16(r, 3);        /* Windows */
        PUT16(r + 2, 1);    /* Unicode BMP */
        PUT16(r + 4, 0x409);
        PUT16(r + 6, rec[i].id);
        PUT16(r + 8, len - start);
        PUT16(r + 10, start);
    }
#undef PUT16
    return hb_blob_create((const char *)t, (unsigned)(head + len), HB_MEMORY_MODE_WRITABLE, t,
                          free);
}

/* Cut one weight into OUTDIR/PS.otf. */
static int cut(const char *outdir, int bold, tc_err *e)
{
    const char *style = bold ? "Bold" : "Regular";
    char src[4096], ps[64], out[4200];
    int index, rc = source_face(bold, src, sizeof(src), &index, e);
    if (rc)
        return rc;
    snprintf(ps, sizeof(ps), "TongchouSerifSC-%s", style);
    snprintf(out, sizeof(out), "%s/%s.otf", outdir, ps);

    hb_blob_t *blob = hb_blob_create_from_file_or_fail(src);
    if (!blob)
        return tc_fail(e, TC_EIO, "cannot read the font %s", src);
    hb_face_t *face = hb_face_create(blob, (unsigned)index);
    hb_blob_destroy(blob);
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in) {
        hb_face_destroy(face);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    hb_set_t *u = hb_subset_input_unicode_set(in);
    for (size_t k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++)
        hb_set_add_range(u, blocks[k].from, blocks[k].to);
    rc = add_gb2312(u, e);
    hb_set_t *features = hb_subset_input_set(in, HB_SUBSET_SETS_LAYOUT_FEATURE_TAG);
    hb_set_clear(features);
    hb_set_invert(features);   /* every feature */
    hb_face_t *sub = rc ? NULL : hb_subset_or_fail(face, in);
    hb_subset_input_destroy(in);
    if (!rc && !sub)
        rc = tc_fail(e, TC_EIO, "harfbuzz cannot cut the font %s (face %d)", src, index);

    /* The cut's tables, its 'name' replaced. */
    hb_face_t *built = NULL;
    if (!rc) {
        hb_blob_t *sb = hb_face_reference_blob(sub);
        hb_face_t *cutf = hb_face_create(sb, 0);
        hb_blob_destroy(sb);
        hb_tag_t tags[64];
        unsigned nt = 64;
        hb_face_get_table_tags(cutf, 0, &nt, tags);
        built = hb_face_builder_create();
        for (unsigned i = 0; i < nt && !rc; i++) {
            hb_blob_t *t = tags[i] == HB_TAG('n', 'a', 'm', 'e') ? name_table(face, style, ps)
                                                                 : hb_face_reference_table(cutf, tags[i]);
            if (!t || !hb_face_builder_add_table(built, tags[i], t))
                rc = tc_fail(e, TC_ENOMEM, "out of memory");
            hb_blob_destroy(t);
        }
        hb_face_destroy(cutf);
        if (!rc && nt == 0)
            rc = tc_fail(e, TC_EIO, "harfbuzz cut the font %s to nothing", src);
    }
    if (!rc) {
        hb_blob_t *ob = hb_face_reference_blob(built);
        unsigned len;
        const char *bytes = hb_blob_get_data(ob, &len);
        tc_atomic *a;
        rc = tc_atomic_open_mode(&a, out, 0644, e);
        if (!rc) {
            if (fwrite(bytes, 1, len, tc_atomic_file(a)) != len) {
                tc_atomic_abort(a);
                rc = tc_fail(e, TC_EIO, "cannot write %s: %s", out, strerror(errno));
            } else {
                rc = tc_atomic_commit(a, e);
            }
        }
        hb_blob_destroy(ob);
        if (!rc)
            printf("%s: %u bytes, cut from %s face %d\n", out, len, src, index);
    }
    hb_face_destroy(built);
    hb_face_destroy(sub);
    hb_face_destroy(face);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tc_fontcut OUTDIR\n");
        return TC_EXIT_USAGE;
    }
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_mkdir_p(argv[1], 0755, &e);
    for (int bold = 0; bold <= 1 && !rc; bold++)
        rc = cut(argv[1], bold, &e);
    FcFini();
    if (rc) {
        char msg[2048];
        fprintf(stderr, "tc_fontcut: %s\n", tc_err_format(&e, msg, sizeof(msg)));
        return tc_exit_code(rc);
    }
    return 0;
}
