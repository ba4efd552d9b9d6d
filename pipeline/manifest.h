/*
 * manifest.h - a city's handover described in one INI file.
 *
 * `tongchou run MANIFEST` drives the whole pipeline from it.  The format
 * (docs/manifest.md has the full story):
 *
 *   [city]
 *   code      = 220100              ; the city's region code
 *   name      = 长春市
 *   cutover   = 2021-06-30          ; the handover's cutover date
 *   mappings  = mappings/changchun  ; the mapping set
 *   work      = work                ; every output goes under it
 *   database  = postgresql://...    ; optional: none starts an embedded server
 *
 *   [keys]
 *   maker     = keys/maker.key      ; signs the audit entries and the plan
 *   policy    = keys/policy.ini     ; the city's key policy (docs/policy.md):
 *                                   ; without it no transfer is planned
 *   data      = keys/data.key       ; a [data] holder's key: the policy's [data]
 *                                   ; seals the batches, and run reads them with it
 *
 *   [security]
 *   group     = yibao-team          ; optional: files 0640, folders 0750, given to
 *                                   ; this group (core/perm.h); else owner-only
 *
 *   [county 220113]
 *   name      = 九台区
 *   source    = sources/220113.xml.gz   ; repeatable: several sources
 *   profile   = yb2008                  ; legacy databases only
 *   funds     = 310, 330                ; a part handover: the funds it hands over
 *   cutover.330 = 2021-03-31            ; ... and a fund's own, earlier cutover
 *
 * Relative paths are taken from the manifest's folder.  Unknown sections
 * and keys, a missing required key, a bad code or date, a county named
 * twice, a fund's cutover after the city's or for a fund the county does
 * not hand over are refused (TC_EINPUT) with the file and line.
 */
#ifndef TC_MANIFEST_H
#define TC_MANIFEST_H

#include "core/err.h"

#define TC_MANIFEST_PATH 1024
#define TC_MANIFEST_MAX_SOURCES 16
#define TC_MANIFEST_MAX_CUTOVERS 16

/* A fund a county hands over at its own cutover (cutover.FUND = DATE). */
typedef struct tc_manifest_cutover {
    char fund[16];
    char date[11];                    /* YYYY-MM-DD, not after the city's */
    int line;
} tc_manifest_cutover;

typedef struct tc_manifest_county {
    char code[7];
    char name[128];
    char sources[TC_MANIFEST_MAX_SOURCES][TC_MANIFEST_PATH];
    int nsources;
    char profile[TC_MANIFEST_PATH];   /* "" for the default */
    char funds[256];                  /* a part handover: "310,330", the city funds it
                                       * hands over; "" for all */
    tc_manifest_cutover cutovers[TC_MANIFEST_MAX_CUTOVERS];   /* in the file's order */
    int ncutovers;
    int line;                         /* of its section header */
} tc_manifest_county;

typedef struct tc_manifest {
    char path[TC_MANIFEST_PATH];
    char city[7];
    char name[128];
    char cutover[11];
    char mappings[TC_MANIFEST_PATH];
    char work[TC_MANIFEST_PATH];
    char database[TC_MANIFEST_PATH];   /* "" when not named */
    char maker_key[TC_MANIFEST_PATH];
    char policy[TC_MANIFEST_PATH];        /* the key policy, "" when not named */
    char data_key[TC_MANIFEST_PATH];      /* [keys] data: opens sealed batches, "" when none */
    char group[64];                       /* [security] group, "" for owner-only */
    tc_manifest_county *counties;
    int ncounties;
} tc_manifest;

/* Read and check the manifest at path.  *out is freed with
 * tc_manifest_free(). */
int tc_manifest_load(tc_manifest **out, const char *path, tc_err *e);
void tc_manifest_free(tc_manifest *m);

/* Whether a county's source is a file (not a live database) that is not
 * there: what `status` shows as "missing". */
int tc_manifest_source_missing(const char *source);

/* The county with code, or NULL. */
const tc_manifest_county *tc_manifest_county_find(const tc_manifest *m, const char *code);

#endif
