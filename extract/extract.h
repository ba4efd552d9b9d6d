/*
 * extract.h - one source into batches: what kind it is, which reader,
 * the emitter around it.
 *
 * A source is a handover XML file (.xml, .xml.gz), a pg_dump dump (plain
 * .sql or .sql.gz, or custom format) or a live database (a postgresql://
 * URI or a libpq conninfo).  The kind is told by content, not by name:
 * gzip is unwrapped, then "PGDMP" is a custom dump, a byte-order mark or
 * '<' is XML, anything else a plain dump.  Dumps and live databases are
 * read through a profile (docs/profiles.md); the default is the shipped
 * YB2008 profile.
 *
 * Either every batch of a source appears in the output folder, or none:
 * a refused source (TC_EINPUT, exit 3) leaves nothing behind.
 */
#ifndef TC_EXTRACT_H
#define TC_EXTRACT_H

#include "core/err.h"

typedef enum { TC_SRC_XML = 1, TC_SRC_DUMP, TC_SRC_LIVE, TC_SRC_UNLOAD,
               TC_SRC_WORKBOOK } tc_source_kind;

typedef struct tc_extract_opts {
    const char *outdir;
    const char *profile;   /* path or name of a profile; NULL: yb2008 */
    /* the counties the caller extracted into outdir already, and from
     * which sources: a source of one of them is refused (TC_EINPUT), not
     * written over their batches */
    const char *const *done_counties;
    const char *const *done_sources;
    int ndone;
} tc_extract_opts;

typedef struct tc_extract_result {
    tc_source_kind kind;
    char county[7];
    long long records[10];   /* per tc_rectypes[] index */
    long long bad_check_digits;
    int segments;            /* handover XML read in this many segments at once, or 0 */
    int counted;             /* the source's own control totals were checked: a Trailer,
                              * or an unload's check files (never a workbook's: its
                              * cross-check is of the ledger against itself) */
} tc_extract_result;

/* What kind of source this is (reads its first bytes); *gzip (may be NULL)
 * says whether the file is gzip-compressed. */
int tc_extract_sniff(const char *source, tc_source_kind *kind, int *gzip, tc_err *e);

/* Resolve a profile name ("yb2008") or path to a readable file path. */
int tc_extract_profile_path(const char *name, char *buf, size_t n, tc_err *e);

int tc_extract_source(const char *source, const tc_extract_opts *o, tc_extract_result *r,
                      tc_err *e);

/*
 * Extract the n sources of one manifest county into o->outdir (o's done_*
 * lists are this call's own: a source whose county an earlier one of them
 * had is refused).  *records gets their records, county the county the
 * last one named; each_done (may be NULL) is told each source's index and
 * outcome as it ends.  Stops at the first failure.
 */
int tc_extract_sources(const char *const *sources, int n, const tc_extract_opts *o,
                       void (*each_done)(void *arg, int i, int rc), void *arg,
                       long long *records, char county[7], tc_err *e);

#endif
