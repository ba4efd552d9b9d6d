/*
 * extract.c - see extract.h.
 */
#include "extract/extract.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "core/perm.h"
#include "extract/dump.h"
#include "extract/emit.h"
#include "extract/live.h"
#include "extract/profile.h"
#include "extract/unload.h"
#include "extract/workbook.h"
#include "extract/xml.h"

int tc_extract_sniff(const char *source, tc_source_kind *kind, int *gzip, tc_err *e)
{
    if (gzip)
        *gzip = 0;
    if (tc_is_conninfo(source)) {
        *kind = TC_SRC_LIVE;
        return 0;
    }
    struct stat st;
    if (stat(source, &st) != 0) {
        tc_fail(e, tc_errno_code(errno), "cannot open %s: %s", source, strerror(errno));
        tc_err_hint(e, "name an export that is there (the manifest's source, or a path "
                       "relative to the current folder)");
        return e ? e->code : TC_EINPUT;
    }
    if (S_ISDIR(st.st_mode)) {
        /* pg_dump's directory format: a folder holding toc.dat */
        char toc[4200];
        snprintf(toc, sizeof(toc), "%s/toc.dat", source);
        if (access(toc, F_OK) == 0) {
            *kind = TC_SRC_DUMP;
            return 0;
        }
        tc_fail(e, TC_EINPUT, "%s is a folder without toc.dat: extract reads one export per "
                "source", source);
        tc_err_hint(e, "name the export itself: a handover XML file (.xml, .xml.gz), a pg_dump "
                       "dump (plain, gzip, custom or tar format), or a directory-format dump "
                       "(the folder holding toc.dat); a folder of text unloads is read with "
                       "a profile that says how they are written (--profile, [unload] in "
                       "docs/profiles.md)");
        return TC_EINPUT;
    }
    gzFile f = gzopen(source, "rb");
    if (!f) {
        tc_fail(e, TC_EIO, "cannot open %s: %s", source, strerror(errno));
        return e ? e->code : TC_EIO;
    }
    unsigned char b[64];
    int n = gzread(f, b, sizeof(b));
    if (gzip)
        *gzip = n >= 0 && !gzdirect(f);
    gzclose(f);
    if (n < 0)
        return tc_fail(e, TC_EINPUT, "%s: the gzip data is damaged", source);
    int i = 0;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        *kind = TC_SRC_XML;
        return 0;
    }
    if (n >= 5 && memcmp(b, "PGDMP", 5) == 0) {
        *kind = TC_SRC_DUMP;
        return 0;
    }
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
        i++;
    if (i < n && b[i] == '<') {
        *kind = TC_SRC_XML;
        return 0;
    }
    if (n == 0)
        return tc_fail(e, TC_EINPUT, "%s is empty", source);
    *kind = TC_SRC_DUMP;
    return 0;
}

int tc_extract_profile_path(const char *name, char *buf, size_t n, tc_err *e)
{
    if (!name)
        name = "yb2008";
    if (strchr(name, '/') || strstr(name, ".ini")) {
        snprintf(buf, n, "%s", name);
        if (access(buf, R_OK) != 0)
            return tc_fail(e, TC_EUSAGE, "cannot read profile %s: %s", name, strerror(errno));
        return 0;
    }
    const char *dirs[3] = {getenv("TONGCHOU_PROFILES"), TC_PROFILE_DIR, TC_PROFILE_INSTALL_DIR};
    for (int i = 0; i < 3; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        snprintf(buf, n, "%s/%s.ini", dirs[i], name);
        if (access(buf, R_OK) == 0)
            return 0;
    }
    tc_fail(e, TC_EUSAGE, "no profile named '%s'", name);
    tc_err_hint(e, "give a profile file with --profile FILE, or one of the names in %s",
                TC_PROFILE_DIR);
    return TC_EUSAGE;
}

/*
 * An XML export cut short (a copy that stopped, a download that broke, or
 * a file cut before it was compressed) ends before its </Handover>:
 * libxml2 would report whatever the cut left ("Extra content", a missing
 * attribute).  The last 4 KiB of the document must hold the closing tag
 * (a comment may follow it); else the refusal says what happened.
 *
 * A plain file is checked before it is parsed: its ends cost two short
 * reads.  A .xml.gz is only checked once its parse has failed: its end is
 * known only when all of it was unpacked, which a whole file should not
 * pay for twice.
 */
typedef struct xml_ends {
    char head[4097], tail[4097];   /* the first and the last 4 KiB, as read */
    size_t hn, tn;
} xml_ends;

/* 1 when the ends close the document: the tail holds </Handover>, or (a
 * whole document under another root, which the parser names) its last
 * closing tag closes the element the head opens with. */
static int ends_close(xml_ends *x)
{
    x->head[x->hn] = '\0';
    x->tail[x->tn] = '\0';
    for (size_t i = 0; i < x->tn; i++)   /* NUL bytes must not end the search */
        if (!x->tail[i])
            x->tail[i] = ' ';
    if (strstr(x->tail, "</Handover>"))
        return 1;
    const char *open = x->head, *lt = strrchr(x->tail, '<');
    while ((open = strchr(open, '<')) && (open[1] == '?' || open[1] == '!'))
        open++;
    if (lt && lt[1] == '/' && open) {
        size_t k = strcspn(lt + 2, "> \t\r\n");
        const char *end = lt + 2 + k;
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (*end == '>' && strspn(end + 1, " \t\r\n") == strlen(end + 1) &&
            strncmp(open + 1, lt + 2, k) == 0 && strchr(" \t\r\n>/", open[1 + k]))
            return 1;
    }
    return 0;
}

static int xml_whole(const char *source, tc_err *e)
{
    FILE *f = fopen(source, "rb");
    if (!f)
        return tc_fail(e, TC_EIO, "cannot open %s: %s", source, strerror(errno));
    xml_ends x;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    long from = size > 4096 ? size - 4096 : 0;
    x.tn = size >= 0 && fseek(f, from, SEEK_SET) == 0 ? fread(x.tail, 1, 4096, f) : 0;
    x.hn = fseek(f, 0, SEEK_SET) == 0 ? fread(x.head, 1, 4096, f) : 0;
    fclose(f);
    if (ends_close(&x))
        return 0;
    long lines = 0;
    int last = '\n';
    f = fopen(source, "rb");
    for (int c; f && (c = getc(f)) != EOF; last = c)
        lines += c == '\n';
    if (f)
        fclose(f);
    lines += last != '\n';
    tc_fail(e, TC_EINPUT, "the file stops after line %ld (%ld bytes), before its </Handover>: "
            "it was cut short", lines, size);
    tc_err_at(e, source, lines, 0);
    return tc_err_hint(e, "copy the whole export again, or ask the county for it (compare its "
                          "size with the county's)");
}

/* The same for a .xml.gz whose parse failed: its XML unpacked to the end.
 * 0 when the document is whole (its own refusal stands) or the gzip data
 * itself is cut or damaged (which the reader has said already). */
static int xml_gz_whole(const char *source, tc_err *e)
{
    gzFile f = gzopen(source, "rb");
    if (!f)
        return 0;
    xml_ends x = {.hn = 0, .tn = 0};
    char *buf = malloc(4096 + 65536);
    long lines = 0;
    long long size = 0;
    int last = '\n', n = 0;
    while (buf && (n = gzread(f, buf + 4096, 65536)) > 0) {
        if (x.hn < 4096) {
            size_t k = (size_t)n < 4096 - x.hn ? (size_t)n : 4096 - x.hn;
            memcpy(x.head + x.hn, buf + 4096, k);
            x.hn += k;
        }
        for (int i = 0; i < n; i++)
            lines += buf[4096 + i] == '\n';
        last = (unsigned char)buf[4096 + n - 1];
        size += n;
        /* the tail: the last 4 KiB of what was there and what came */
        memcpy(buf + 4096 - x.tn, x.tail, x.tn);
        size_t have = x.tn + (size_t)n;
        x.tn = have < 4096 ? have : 4096;
        memcpy(x.tail, buf + 4096 + n - x.tn, x.tn);
    }
    int zerr = Z_OK;
    if (n < 0 || !buf)
        zerr = Z_ERRNO;
    else
        gzerror(f, &zerr);
    gzclose(f);
    free(buf);
    if (zerr != Z_OK || ends_close(&x))
        return 0;
    lines += last != '\n';
    tc_err_clear(e);
    tc_fail(e, TC_EINPUT, "the file stops after line %ld (%lld bytes unpacked), before its "
            "</Handover>: it was cut short before it was compressed", lines, size);
    tc_err_at(e, source, lines, 0);
    return tc_err_hint(e, "the gzip data is whole, the XML in it is not: ask the county for the "
                          "whole export (compare its size with the county's)");
}

int tc_extract_source(const char *source, const tc_extract_opts *o, tc_extract_result *r,
                      tc_err *e)
{
    memset(r, 0, sizeof(*r));
    int gz;
    tc_profile *prof = NULL;
    char path[1024];
    int rc = tc_extract_sniff(source, &r->kind, &gz, e);
    struct stat sb;
    if (rc == TC_EINPUT && e && stat(source, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        /* a folder without toc.dat: an unload or workbooks, if the profile says so */
        tc_err keep = *e;
        if (tc_extract_profile_path(o->profile, path, sizeof(path), e) == 0 &&
            tc_profile_load(&prof, path, e) == 0 &&
            (tc_unload_profile(prof) || tc_workbook_profile(prof))) {
            tc_err_clear(e);
            r->kind = tc_unload_profile(prof) ? TC_SRC_UNLOAD : TC_SRC_WORKBOOK;
            rc = 0;
        } else {
            tc_profile_free(prof);
            prof = NULL;
            *e = keep;
        }
    }
    if (!rc && r->kind == TC_SRC_XML && !gz)
        rc = xml_whole(source, e);
    if (rc)
        return rc;
    if (r->kind != TC_SRC_LIVE)   /* it names every insured person of the county */
        tc_perm_check(source, "the source");
    if (r->kind != TC_SRC_XML && !prof) {
        if ((rc = tc_extract_profile_path(o->profile, path, sizeof(path), e)) ||
            (rc = tc_profile_load(&prof, path, e)))
            return rc;
        if (tc_unload_profile(prof) || tc_workbook_profile(prof)) {
            int wb = tc_workbook_profile(prof);
            tc_profile_free(prof);
            tc_fail(e, TC_EUSAGE, "profile %s describes %s, and %s is a %s", path,
                    wb ? "finance-software workbooks" : "text unloads", source,
                    r->kind == TC_SRC_LIVE ? "database" : "dump");
            return tc_err_hint(e, "%s", wb ? "a workbook profile reads the folder holding the "
                                             "journal and balance-table workbooks (.xlsx)"
                                           : "an unload profile reads the folder of the unload "
                                             "files; give a dump or database the profile "
                                             "without [unload] (the one it includes)");
        }
    }
    tc_emit *em;
    char shown[1024];
    tc_redact_secrets(source, shown, sizeof(shown));
    /* a plain XML file is hashed from the bytes its reader reads; others
     * (gzip, dumps) by a thread reading the file beside the reader */
    int hash = r->kind == TC_SRC_LIVE ? 0 : TC_EMIT_HASH_READ;
    if (r->kind == TC_SRC_XML && !gz)
        hash = TC_EMIT_HASH_FED;
    tc_emit_opts eo = {.outdir = o->outdir,
                       .source = r->kind == TC_SRC_LIVE ? shown : source,
                       /* a workbook's voucher numbers and balance rows are typed by
                        * hand in places: duplicates are refused as in handover XML */
                       .check_keys = r->kind == TC_SRC_XML || r->kind == TC_SRC_WORKBOOK,
                       .hash_source = hash,
                       /* a handover XML's Trailer is checked before commit;
                        * a dump or a database has none to check */
                       .controls = r->kind == TC_SRC_XML ? TC_CONTROLS_COUNTS_SUMS
                                   : r->kind == TC_SRC_UNLOAD && tc_unload_has_checks(prof)
                                       ? TC_CONTROLS_COUNTS   /* check files: row counts */
                                       : TC_CONTROLS_NONE};
    r->counted = eo.controls != TC_CONTROLS_NONE;
    if ((rc = tc_emit_open(&em, &eo, e))) {
        tc_profile_free(prof);
        return rc;
    }
    if (r->kind == TC_SRC_XML) {
        tc_xml_stats st;
        memset(&st, 0, sizeof(st));
        rc = tc_xml_extract(source, em, &st, e);
        if (rc == TC_EINPUT && gz && xml_gz_whole(source, e))
            rc = e->code;
        r->bad_check_digits = st.bad_id_check + st.bad_uscc_check;
        r->segments = st.segments;
    } else if (r->kind == TC_SRC_UNLOAD) {
        tc_dump_stats st;
        rc = tc_unload_extract(source, prof, em, &st, e);
    } else if (r->kind == TC_SRC_WORKBOOK) {
        /* controls none: the journal is cross-checked against the balance
         * table, but both are the ledger's own figures, not totals the
         * county computed apart from the records (docs/profiles.md) */
        tc_dump_stats st;
        rc = tc_workbook_extract(source, prof, em, &st, e);
    } else if (r->kind == TC_SRC_DUMP) {
        tc_dump_stats st;
        memset(&st, 0, sizeof(st));
        rc = tc_dump_extract(source, prof, em, &st, e);
    } else {
        tc_dump_stats st;
        memset(&st, 0, sizeof(st));
        rc = tc_live_extract(source, prof, em, &st, e);
    }
    for (int t = 0; t < 10 && !rc; t++)
        r->records[t] = (long long)tc_emit_tally(em, t)->count;
    for (int i = 0; i < o->ndone && !rc; i++)
        if (strcmp(o->done_counties[i], tc_emit_county(em)) == 0) {
            tc_redact_secrets(o->done_sources[i], shown, sizeof(shown));
            rc = tc_fail(e, TC_EINPUT, "county %s was extracted from %s already: a second "
                         "source of one county would write over its batches", tc_emit_county(em),
                         shown);
            tc_err_hint(e, "give each county one source; pools that merge keep their own codes "
                           "and sources, and region.csv sends them to one sub-ledger");
        }
    if (!rc) {
        /* the county, for the caller: read back from the emitter's batch names later */
        rc = tc_emit_commit_county(em, r->county, e);
    } else {
        tc_emit_abort(em);
    }
    tc_profile_free(prof);
    if (rc && e && !e->file[0] && r->kind != TC_SRC_LIVE)
        snprintf(e->file, sizeof(e->file), "%s", source);
    return rc;
}

int tc_extract_sources(const char *const *sources, int n, const tc_extract_opts *o,
                       void (*each_done)(void *arg, int i, int rc), void *arg,
                       long long *records, char county[7], tc_err *e)
{
    char done[64][7];
    const char *done_c[64], *done_s[64];
    int rc = 0;
    *records = 0;
    county[0] = '\0';
    if (n > 64)
        return tc_fail(e, TC_EUSAGE, "at most 64 sources at once");
    for (int i = 0; i < n && !rc; i++) {
        tc_extract_opts eo = *o;
        eo.done_counties = done_c;
        eo.done_sources = done_s;
        eo.ndone = i;
        tc_extract_result er;
        rc = tc_extract_source(sources[i], &eo, &er, e);
        if (!rc) {
            memcpy(done[i], er.county, 7);
            done_c[i] = done[i];
            done_s[i] = sources[i];
            memcpy(county, er.county, 7);
            for (int t = 0; t < 10; t++)
                *records += er.records[t];
        }
        if (each_done)
            each_done(arg, i, rc);
    }
    return rc;
}
