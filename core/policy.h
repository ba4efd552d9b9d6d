/*
 * policy.h - the city's key policy: whose key may sign what.
 *
 * Controls that take their keys from the command line are controls the
 * operator chooses: a maker who makes a second key and names it the
 * checker approves his own plan.  So every command that acts (approve,
 * execute, waive, cosign) verifies signatures against one file the city
 * keeps, the policy, never against keys a command line names.
 * docs/policy.md is the format:
 *
 *   [policy]
 *   format = tongchou-policy/1
 *   city   = 220100
 *   origin = changchun handover      ; the trail's checkpoints name it
 *
 *   [maker]                          ; one section per role
 *   key = MCowBQYDK2VwAyEA...        ; the public key itself, one line
 *   [checker]
 *   key = ...
 *   [waiver]                         ; who may waive blocking findings
 *   [party 县财政局]                  ; a party that signs the certificates:
 *   220122 = MCowBQYDK2VwAyEA...     ;   the key of one county's party,
 *   key = MCowBQYDK2VwAyEA...        ;   or a key for every county
 *   [witness]                        ; who cosigns checkpoints
 *
 *   [data]                           ; optional: who may open sealed files
 *   cipher = sm4-ctr-hmac-sm3        ; or aes-256-gcm (core/seal.h)
 *   key = MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0D...   ; SM2 or X25519 public keys
 *
 *   [require]                        ; distinct signatures per act
 *   approve    = 1                   ; checkers on a plan (besides its maker)
 *   waive      = 1                   ; waiver authorities on a waiver
 *   checkpoint = 1                   ; witnesses on a checkpoint
 *   document   = 1                   ; signatures of each party on a certificate
 *
 * The keys are in the file, not named by path, so that the policy's
 * digest pins them: the trail records the digest of the policy in force
 * (its "policy" entries), and an auditor holding the file holds the keys.
 * One key holds one role; a key listed twice, in one role or two, is
 * refused.  A role with no key leaves its acts impossible, not open.
 */
#ifndef TC_POLICY_H
#define TC_POLICY_H

#include <stddef.h>

#include "core/digest.h"
#include "core/err.h"
#include "core/seal.h"
#include "core/sign.h"

#define TC_POLICY_FORMAT "tongchou-policy/1"
/* Keys a policy may list in all: 64 a role, 1024 for the parties (two
 * county parties of 500 counties, and the city's). */
#define TC_POLICY_MAX_KEYS (4 * 64 + 1024)
#define TC_POLICY_MAX_PARTIES 16
#define TC_PARTY_NAME_MAX 64     /* bytes of UTF-8 */

typedef enum {
    TC_ROLE_MAKER,
    TC_ROLE_CHECKER,
    TC_ROLE_WAIVER,
    TC_ROLE_PARTY,
    TC_ROLE_WITNESS,
    TC_NROLES
} tc_role;

/* The acts whose signature counts the policy sets. */
typedef enum {
    TC_ACT_APPROVE,
    TC_ACT_WAIVE,
    TC_ACT_CHECKPOINT,
    TC_ACT_DOCUMENT,
    TC_NACTS
} tc_act;

typedef struct tc_policy tc_policy;

/* "maker", "checker", "waiver", "party", "witness". */
const char *tc_role_name(tc_role r);
/* The role named s; -1 when none. */
int tc_role_parse(const char *s);
/* "approve", "waive", "checkpoint", "document". */
const char *tc_act_name(tc_act a);

/*
 * Load and check the policy at path.  TC_EINPUT naming the line: a
 * section or name it does not know, a key that is not a public key, a key
 * listed twice, a count that is not 1..9, no [policy] format line, or no
 * maker or no checker (a policy without them cannot move anything);
 * TC_EIO when it cannot be read.  Every [require] count defaults to 1.
 */
int tc_policy_load(tc_policy **out, const char *path, tc_err *e);
void tc_policy_free(tc_policy *p);

const char *tc_policy_path(const tc_policy *p);
/* "sha256:..." of the file's bytes. */
const char *tc_policy_digest(const tc_policy *p);
/* The [policy] values ("" when not set). */
const char *tc_policy_city(const tc_policy *p);
const char *tc_policy_origin(const tc_policy *p);

/* The key with id keyid and (when role is not NULL) its role; NULL when
 * the policy does not list it. */
const tc_pubkey *tc_policy_key(const tc_policy *p, const char *keyid, tc_role *role);
/* The keys of role r, owned by p; their number. */
size_t tc_policy_keys(const tc_policy *p, tc_role r, const tc_pubkey *const **keys);
/* Every key of every role into out (at most cap); their number. */
size_t tc_policy_all_keys(const tc_policy *p, const tc_pubkey **out, size_t cap);
/*
 * The parties that sign the handover certificates ([party NAME] sections),
 * in the file's order: their number, and the name of the i-th (NULL past
 * the last).  Every one of them must sign a county's certificate for it to
 * be complete (pipeline/docsign.h).
 */
size_t tc_policy_parties(const tc_policy *p);
const char *tc_policy_party(const tc_policy *p, size_t i);
/* The party the key keyid signs for (NULL when it is no party's key), and
 * in *county (may be NULL) the county whose certificates it signs, "" for
 * every county's. */
const char *tc_policy_key_party(const tc_policy *p, const char *keyid, const char **county);
/* The keys of party that may sign county's certificate (those of every
 * county and county's own), up to cap of them into out (may be NULL);
 * their number. */
size_t tc_policy_party_keys(const tc_policy *p, const char *party, const char *county,
                            const tc_pubkey **out, size_t cap);
/* Distinct signatures act a needs. */
int tc_policy_required(const tc_policy *p, tc_act a);

/*
 * [data]: the holders every batch is sealed for (none: batches are written
 * in clear), their number; the cipher (sm4-ctr-hmac-sm3 unless the policy
 * says aes-256-gcm); the holder with key id keyid, or NULL.  Holding a
 * [data] key is also what `batch show --raw` asks for.
 */
size_t tc_policy_holders(const tc_policy *p, const tc_seal_holder *const **holders);
tc_seal_cipher tc_policy_cipher(const tc_policy *p);
const tc_seal_holder *tc_policy_holder(const tc_policy *p, const char *keyid);

/*
 * 0 when the key keyid holds role r; else TC_EINTEGRITY with a message
 * saying who the key is ("not in the policy", "a maker's key, not a
 * checker's") and what was being done (doing, e.g. "approving the plan").
 */
int tc_policy_expect(const tc_policy *p, const char *keyid, tc_role r, const char *doing,
                     tc_err *e);

/*
 * The policy in force (policy_trail.c): the one the audit trail at trail
 * (NULL: tc_audit_default_path()) last adopted.  When the trail has
 * adopted none, p is adopted now: a "policy" entry signed by s, which p
 * must list.  TC_EINTEGRITY when the trail adopted another policy, or s is
 * not in p.  Every command that acts calls it before acting.
 */
int tc_policy_in_force(const tc_policy *p, const char *trail, const tc_signer *s, tc_err *e);

/*
 * Adopt next in place of current, which must be the policy in force; s
 * must be a checker of current.  Appends the "policy" entry naming both.
 */
int tc_policy_adopt(const tc_policy *current, const tc_policy *next, const char *trail,
                    const tc_signer *s, tc_err *e);

/*
 * Every policy the trail ever adopted but have (the one the caller holds,
 * or NULL), loaded from the copies kept beside it (TRAIL.policies/),
 * oldest first; *n of them.  TC_EINTEGRITY when a copy is missing or not
 * the policy adopted.  The caller frees each with tc_policy_free and the
 * array with free.
 */
int tc_policy_history(const char *trail, const tc_policy *have, tc_policy ***out, size_t *n,
                      tc_err *e);

/*
 * Verify the audit trail at path under p and every policy it adopted
 * before p (tc_policy_history: an entry signed while its key was in force
 * stays valid after the key left): every signature by one of their keys,
 * the chain unbroken, and with no earlier policy each key in the role its
 * entry names.  TC_EINTEGRITY saying what fails; TC_EIO when unreadable.
 */
int tc_policy_verify_trail(const char *trail, const tc_policy *p, tc_err *e);

/* A party's key for tc_policy_make: [party NAME], COUNTY = (or key =) PUB. */
typedef struct tc_policy_party_spec {
    const char *name;
    const char *county;                   /* NULL or "": every county */
    const char *pub;                      /* the .pub file */
} tc_policy_party_spec;

/* What tc_policy_make writes: per role, the paths of the .pub files. */
typedef struct tc_policy_spec {
    const char *city, *origin;
    const char *const *pubs[TC_NROLES];   /* NULL-terminated lists, or NULL; the
                                             party role's keys go in parties */
    const tc_policy_party_spec *parties;
    size_t nparties;
    int required[TC_NACTS];               /* 0: 1 */
    const char *const *data;              /* [data] holders' .pub files, or NULL */
    tc_seal_cipher cipher;
} tc_policy_spec;

/* Write a policy file (whole or not at all) holding the keys the spec
 * names, each loaded and checked; TC_EINPUT as tc_policy_load would. */
int tc_policy_make(const tc_policy_spec *spec, const char *out, tc_err *e);

#endif
