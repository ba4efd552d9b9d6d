/*
 * docsign.h - the parties' signatures of the handover certificates
 * (`tongchou documents sign`, `tongchou audit verify --certificate`, the
 * certificates column of `tongchou status`; docs/documents.md "Signing").
 *
 * A certificate (documents/certificate.h) is known by its digest, of what
 * it states, which its PDF and its workbook share.  The `documents` entry
 * of the trail that made it records, besides the files as outputs, each
 * certificate it wrote in its totals:
 *
 *   "totals": {"certificates": [{"county": "220122", "digest": "sha256:...",
 *              "files": ["DIR/220122.certificate.pdf", "DIR/...xlsx"]}, ...]}
 *
 * Each party the city's policy names ([party NAME], core/policy.h) signs
 * the digest with its own key: an entry of the trail, role "party",
 *
 *   "command": "documents", "args": ["sign", ...],
 *   "totals": {"certificate": "sha256:...", "county": "220122", "party": "县财政局"}
 *
 * signed as every entry is (kind audit-entry, role party), so a party label
 * or a county edited afterwards breaks the entry's signature.  A signature
 * counts for a certificate when its entry names the certificate's digest
 * and county, and its key is one the policy lists for that party and for
 * that county (or for every county); a certificate is complete when every
 * party the policy names has [require] document such signatures, by
 * distinct keys.  Everything here reads the trail and the policy alone.
 */
#ifndef TC_DOCSIGN_H
#define TC_DOCSIGN_H

#include "core/digest.h"
#include "core/err.h"
#include "core/policy.h"
#include "core/sign.h"

#define TC_DOCSIGN_MAX_SIGS 9   /* [require] document is at most 9 */

/* One party's signatures of one certificate. */
typedef struct tc_docsign_party {
    const char *name;               /* as the policy names it (owned by the policy) */
    int have, need;                 /* distinct valid signatures; [require] document */
    int keys;                       /* keys the policy gives it for the county */
    long long seq[TC_DOCSIGN_MAX_SIGS];     /* the entries that count */
    char key[TC_DOCSIGN_MAX_SIGS][TC_KEYID_MAX];
    char time[TC_DOCSIGN_MAX_SIGS][32];
} tc_docsign_party;

/* A certificate the trail records, and its signatures under a policy. */
typedef struct tc_docsign_cert {
    char county[7];
    char digest[TC_DIGEST_TEXT_MAX];
    long long seq;                  /* the last documents entry recording it */
    char file[1024];                /* the file given, matched by its bytes ("" by digest) */
    tc_docsign_party parties[TC_POLICY_MAX_PARTIES];
    int nparties;                   /* the policy's parties, in its order */
    int signed_parties;             /* of them, how many have all they need */
    int complete;                   /* every party, and the policy names at least one */
} tc_docsign_cert;

/* What a trail says of the certificates: read once, asked many times. */
typedef struct tc_docsign_trail tc_docsign_trail;

/* A party signature entry that does not count, and why (for verify). */
typedef void (*tc_docsign_problem_fn)(void *arg, long long seq, const char *msg);

/*
 * Read the documents entries and party signature entries of the trail at
 * path (NULL: tc_audit_default_path()).  Nothing is verified here: the
 * caller verifies the trail (tc_audit_verify, tc_policy_verify_trail)
 * before trusting what it says.  TC_EIO when it cannot be read, TC_EINPUT
 * for an overlong line (tc_audit_each).
 */
int tc_docsign_read(tc_docsign_trail **out, const char *path, tc_err *e);
void tc_docsign_free(tc_docsign_trail *t);
/* How many certificates the trail records (a county's made again counts
 * again when its digest changed). */
size_t tc_docsign_count(const tc_docsign_trail *t);

/*
 * The certificate what names - its digest ("sha256:<hex>"), or a PDF or
 * workbook, matched by the digest of its bytes against the files documents
 * entries recorded (wherever the copy now lies) - with its signatures under
 * p into *c.  Each party signature entry naming the certificate that does
 * not count (a key the policy does not list for that party or county, a
 * county other than the certificate's) is passed to problem (may be NULL)
 * and *bad (may be NULL) counts them.  TC_EINTEGRITY when no documents
 * entry recorded the digest or the file's bytes (a changed PDF);
 * TC_EIO/TC_EINPUT when the file cannot be read.
 */
int tc_docsign_find(const tc_docsign_trail *t, const tc_policy *p, const char *what,
                    tc_docsign_cert *c, tc_docsign_problem_fn problem, void *arg, int *bad,
                    tc_err *e);

/*
 * The certificates of the trail, the last recorded for each county, in
 * the order of their counties' first certificate; *n of them into a new
 * array *out (free()), each with its signatures under p.
 */
int tc_docsign_latest(const tc_docsign_trail *t, const tc_policy *p, tc_docsign_cert **out,
                      size_t *n, tc_err *e);

/* "县医疗保障局, 审计局": the parties of c that still lack signatures, into buf. */
const char *tc_docsign_missing(const tc_docsign_cert *c, char *buf, size_t n);

typedef struct tc_docsign_opts {
    const char *what;               /* a certificate's PDF, workbook or digest */
    const char *party;              /* the party signing, as the policy names it */
    const char *trail;              /* NULL: tc_audit_default_path() */
    const tc_policy *policy;        /* the city's, which must be in force */
    const tc_signer *signer;        /* the party's own key */
    int argc;                       /* the entry's command: argv[0] "documents" */
    char *const *argv;
} tc_docsign_opts;

/*
 * Sign a certificate as o->party: append the party signature entry, after
 * checking, in this order, that the signer's key is one the policy lists
 * for that party (not another party's, not another role's: "relabelling"
 * one's key as another party is refused here), the policy is the one in
 * force (tc_policy_in_force) and the trail verifies under it, a documents
 * entry recorded the certificate, the key may sign for the certificate's
 * county, and neither this key nor, once it has all [require] document
 * signatures, this party has signed it already.  Every refusal is
 * TC_EINTEGRITY with nothing appended.  *after (may be NULL) receives the
 * certificate's state with the new signature, *seq (may be NULL) the
 * entry's number.
 */
int tc_docsign_sign(const tc_docsign_opts *o, tc_docsign_cert *after, long long *seq,
                    tc_err *e);

#endif
