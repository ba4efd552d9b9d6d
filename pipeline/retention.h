/*
 * retention.h - keeping what a county's handover made, then letting its
 * work files go (docs/retention.md).
 *
 *   tc_archive()  once the county's transfer has executed (the trail says
 *                 so: a "transfer execute" entry whose plan, as recorded,
 *                 moves the county and holds none of its pools), every file
 *                 its handover consumed and produced - its sources, its
 *                 county and city batches and rejects, its corrections and
 *                 own reports, the city's reports and the executed plan -
 *                 into one ustar file (core/tar.h), WORK/archive/C.tar,
 *                 deterministic, written whole or not at all; then one
 *                 signed "archive" entry naming every file (with its
 *                 digest) as input and the archive as output.
 *
 *   tc_purge()    removes the county's own work folders (WORK/batches/C,
 *                 WORK/city/C, WORK/corrections/C, WORK/reports/C), after
 *                 checking, file by file, that the trail shows each one
 *                 archived (an archive entry lists it with the digest it
 *                 has now, the archive is still the recorded one, and its
 *                 member holds those very bytes) or superseded (the trail
 *                 recorded these bytes as a step's output, and a later
 *                 step wrote other bytes under that name); one unproven
 *                 file refuses the whole purge.  Then one signed "purge"
 *                 entry naming every removed file with its digest (inputs),
 *                 so the trail still proves what they were; then the files
 *                 go, and the folders left empty, each parent fsynced.
 *                 Sources are never removed: they are the county's.
 *
 * Both trust the trail only once it verifies under the city's key policy
 * (tc_policy_verify_trail), so a hand-written or foreign-signed entry
 * archives nothing and lets nothing be purged.  Both sign with the
 * manifest's maker key, as run does.
 */
#ifndef TC_RETENTION_H
#define TC_RETENTION_H

#include "core/digest.h"
#include "core/err.h"
#include "pipeline/manifest.h"

/* Something for people (stderr): a live source not archived, ... */
typedef void (*tc_retention_say)(void *arg, const char *what);

typedef struct tc_archive_opts {
    const char *county;
    const char *out;            /* NULL: WORK/archive/<county>.tar */
    tc_retention_say say;       /* may be NULL */
    void *arg;
} tc_archive_opts;

typedef struct tc_archive_result {
    char path[TC_MANIFEST_PATH + 64];
    char digest[TC_DIGEST_TEXT_MAX];
    int files;                  /* members that are files */
    int live;                   /* live database sources: recorded, not archived */
    long long bytes;            /* the archive's size */
} tc_archive_result;

/*
 * Archive county o->county of m.  TC_EUSAGE: not a county of m, or the
 * output inside the folders purge removes; TC_EINPUT (nothing written):
 * no key policy, the handover not complete (no executed transfer of the
 * county in the trail, or blocking findings held), its work files not
 * there (purged already), a file that is not a regular file, an output
 * that exists holding another archive; TC_EINTEGRITY: the trail does not
 * verify under the policy; TC_EIO.
 */
int tc_archive(const tc_manifest *m, const tc_archive_opts *o, tc_archive_result *r,
               tc_err *e);

typedef struct tc_purge_opts {
    const char *county;
    int dry_run;                /* check and list, write nothing */
    /* each file that goes (or would), with its digest and why it may */
    void (*each)(void *arg, const char *path, const char *digest, const char *why);
    /* each file that may not go, and why (all are reported before refusing) */
    void (*refused)(void *arg, const char *path, const char *why);
    void *arg;
} tc_purge_opts;

typedef struct tc_purge_result {
    int files;                  /* removed (or, dry, to remove) */
    int archived, superseded;   /* ... proven so */
    int folders;                /* folders removed */
    long long already;          /* nothing to do: the entry that purged it, or 0 */
} tc_purge_result;

/*
 * Purge county o->county of m (above).  Nothing to remove: 0 with
 * r->files 0.  TC_EINPUT (nothing removed, nothing written): the handover
 * not complete, a file neither archived nor superseded (each reported to
 * o->refused, e naming the first), a folder entry that is not a regular
 * file; TC_EINTEGRITY: the trail does not verify under the policy; TC_EIO
 * when a file cannot be removed once the entry is written (the entry
 * stands: purge again removes the rest).
 */
int tc_purge(const tc_manifest *m, const tc_purge_opts *o, tc_purge_result *r, tc_err *e);

#endif
