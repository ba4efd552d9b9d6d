/*
 * correct.h - a county that sends its ledger again (shared/spec/mappings.md,
 * "A corrected export").
 *
 * run extracts each county from the manifest's sources.  When the trail
 * shows that the county's folder was extracted before from other bytes,
 * the export was corrected, and nothing of the county is redone until an
 * operator has seen the difference and accepted it:
 *
 *   tc_correct_find()     the county's last extraction read other bytes:
 *                         their digests, and whether a signed "accept"
 *                         entry names exactly the sources at hand
 *   tc_correct_stage()    the new export extracted and mapped aside, into
 *                         WORK/corrections/<county>/{batches,city}/, and
 *                         its difference from the city batches in use
 *                         written there (diff.json, diff.html), with the
 *                         digests of the sources it was made from (sources)
 *   tc_correct_accept()   the operator's entry "accept": the county, the
 *                         reason, the sources and the difference shown, in
 *                         the trail, signed
 *
 * Once accepted, run extracts, maps, reconciles and loads the county again,
 * its loaded batches replaced (load refuses that once the county's money
 * has moved: after the transfer a correction is a correcting transfer).
 * Acceptances are read only from a trail that verifies under the city's
 * key policy, so a forged or edited entry accepts nothing.
 */
#ifndef TC_CORRECT_H
#define TC_CORRECT_H

#include "core/digest.h"
#include "core/err.h"
#include "core/policy.h"
#include "core/sign.h"
#include "mappings/mapset.h"
#include "pipeline/manifest.h"

typedef struct tc_correction {
    int changed;            /* extracted before from other bytes */
    int accepted;           /* an accept entry names the sources at hand */
    char was[TC_DIGEST_TEXT_MAX];   /* the first source digest that differs: what it was */
    char now[TC_DIGEST_TEXT_MAX];   /* ... and what it is */
    char source[TC_MANIFEST_PATH];  /* ... its file */
} tc_correction;

#define TC_CORRECT_CHANGED 1   /* tc_correct_find: whether the export changed too */

/*
 * What the trail at `trail` says of county c, whose batches run writes
 * into bdir: whether an accept entry names c's sources as they are now
 * (hashed with alg, the trail's, and only when the trail has something to
 * compare them with), and with TC_CORRECT_CHANGED in `what` whether the
 * last extraction read other bytes.  An acceptance counts only when the
 * trail verifies under the policy (TC_EINTEGRITY when it does not);
 * without a policy none counts.
 */
int tc_correct_find(const char *trail, const tc_policy *policy, tc_digest_alg alg,
                    const tc_manifest_county *c, const char *bdir, int what, tc_correction *x,
                    tc_err *e);

/*
 * The new export of c, aside in dir (WORK/corrections/<county>): extracted
 * into dir/batches, mapped with maps into dir/city, compared with the
 * city batches in cdir (the ones in use) into dir/diff.json and
 * dir/diff.html, and the sources' digests into dir/sources.  *summary
 * (malloc'd, may be NULL) gets a few lines for the operator.  Whatever dir
 * held is replaced.
 */
int tc_correct_stage(const tc_manifest_county *c, const tc_mapset *maps, tc_digest_alg alg,
                     const char *cdir, const char *dir, char **summary, tc_err *e);

/*
 * The operator's acceptance of county's staged correction in dir, for the
 * reason given, signed by s into the trail: refused (TC_EUSAGE) with no
 * reason or nothing staged, and (TC_EINPUT) when the sources changed again
 * since the difference was made - it is that difference being accepted.
 */
int tc_correct_accept(const char *trail, const tc_signer *s, const char *role,
                      const tc_manifest_county *c, tc_digest_alg alg, const char *dir,
                      const char *reason, tc_err *e);

#endif
