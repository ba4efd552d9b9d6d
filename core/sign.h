/*
 * sign.h - signing keys: Ed25519 and SM2 (with SM3), through OpenSSL 3 EVP.
 *
 * A key pair is two PEM files: NAME.key, the private key as PKCS#8, mode
 * 0600, and NAME.pub, the SubjectPublicKeyInfo.  Every signer refuses a
 * private key file that its group or others may read, so a key copied
 * carelessly does not sign anything until someone decides it is still
 * private (`chmod 600`).
 *
 * The key id names a key in the audit trail and in messages:
 *
 *   "ed25519:" or "sm2:" + lowercase hex of the first 8 bytes of
 *   SHA-256(DER SubjectPublicKeyInfo)
 *
 * e.g. "ed25519:3f1c0b9a2e77d410".  It is also the key's name in signed
 * notes (checkpoints, c2sp.org/signed-note): it holds no space and no '+'.
 *
 * Signatures:
 *   Ed25519  RFC 8032 over the message itself (no pre-hash), 64 bytes;
 *   SM2      GM/T 0003 with SM3 (GB/T 32905), the distinguishing ID set
 *            explicitly to "1234567812345678" (GM/T 0009; OpenSSL 3.0's
 *            default is the empty ID, so it is never left to the default),
 *            DER-encoded (SEQUENCE of r and s), up to 72 bytes.
 * `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678`
 * checks an SM2 signature made here (tests/core/test_sign.c does).
 *
 * Signed-note key ids (the 4 bytes before each note signature):
 *   Ed25519  SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4], as
 *            c2sp.org/signed-note specifies;
 *   SM2      no type byte is registered, so the note's "unassigned" type 0xff
 *            is used, followed, as the spec recommends, by a longer
 *            identifier: SHA-256(name || 0x0A || 0xff || "tongchou/sm2-sm3"
 *            || DER SubjectPublicKeyInfo)[:4].
 */
#ifndef TC_SIGN_H
#define TC_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef enum { TC_SIGN_ED25519 = 0, TC_SIGN_SM2 = 1 } tc_sign_alg;

#define TC_SIGN_MAX 80          /* longest signature, bytes (SM2 DER: 72) */
#define TC_KEYID_MAX 32         /* "ed25519:" + 16 hex + NUL */
#define TC_SM2_ID "1234567812345678"

typedef struct tc_signer tc_signer;  /* a private key, able to sign */
typedef struct tc_pubkey tc_pubkey;  /* a public key, able to verify */

/* "ed25519" or "sm2". */
const char *tc_sign_alg_name(tc_sign_alg alg);
/* Parse "ed25519" / "sm2"; TC_EUSAGE otherwise. */
int tc_sign_alg_parse(const char *name, tc_sign_alg *out, tc_err *e);

/*
 * Make a key pair: NAME.key (PKCS#8 PEM, mode 0600) and NAME.pub (PEM),
 * each written whole or not at all.  keyid (TC_KEYID_MAX) receives the key
 * id.  Refuses (TC_EINPUT) to overwrite an existing NAME.key.
 */
int tc_sign_keygen(tc_sign_alg alg, const char *name, char *keyid, tc_err *e);

/*
 * Load a private key.  TC_EINPUT when the file's mode lets group or others
 * read or write it (hint: chmod 600), when it is not a PEM private key, or
 * when the key is neither Ed25519 nor SM2; TC_EIO when it cannot be read.
 */
int tc_signer_load(tc_signer **out, const char *path, tc_err *e);
void tc_signer_free(tc_signer *s);
const char *tc_signer_id(const tc_signer *s);
tc_sign_alg tc_signer_alg(const tc_signer *s);
/* The public half (owned by s). */
const tc_pubkey *tc_signer_pubkey(const tc_signer *s);

/* Sign msg; sig (TC_SIGN_MAX bytes) and *siglen receive the signature. */
int tc_signer_sign(const tc_signer *s, const void *msg, size_t n, uint8_t *sig,
                   size_t *siglen, tc_err *e);

/*
 * Signatures that say what they sign.  Every tongchou signature (audit
 * entries, plans, approvals, waivers, documents) covers
 *
 *   "tongchou-signature/1" LF KIND LF ROLE LF BODY
 *
 * where KIND names the thing signed ("audit-entry", "transfer-plan",
 * "waiver", ...), ROLE the capacity of the signer ("maker", "checker",
 * "waiver", "recorder", ...) and BODY its canonical bytes.  A signature
 * made as one kind or role is therefore no signature as any other: a
 * maker's signature relabelled "checker" does not verify.  KIND and ROLE
 * are short lowercase words ([a-z-], at most 32 bytes): anything else is
 * TC_EUSAGE, and never verifies.  (Checkpoints are c2sp signed notes and
 * keep that format's own binding of key name and origin.)
 */
#define TC_SIGN_CONTEXT "tongchou-signature/1"
int tc_signer_sign_as(const tc_signer *s, const char *kind, const char *role, const void *body,
                      size_t n, uint8_t *sig, size_t *siglen, tc_err *e);
/* 1 when sig is k's signature over body made as kind and role, else 0. */
int tc_pubkey_verify_as(const tc_pubkey *k, const char *kind, const char *role,
                        const void *body, size_t n, const uint8_t *sig, size_t siglen);

/*
 * Load a public key: a PEM SubjectPublicKeyInfo.  A private key file is
 * refused (TC_EINPUT, hint: give NAME.pub, the public half): a command
 * that verifies has no business holding a private key, and a private key
 * passed where a public one belongs is usually a slip that exposes it.
 */
int tc_pubkey_load(tc_pubkey **out, const char *path, tc_err *e);
void tc_pubkey_free(tc_pubkey *k);
/* A public key written as one line: the base64 of its DER
 * SubjectPublicKeyInfo (the body of its PEM file, joined).  where names
 * the place in messages ("policy.ini:7").  tc_pubkey_text writes it
 * (cap >= 100 is enough for both algorithms); its length, 0 if cap is short. */
int tc_pubkey_from_text(tc_pubkey **out, const char *b64, const char *where, tc_err *e);
size_t tc_pubkey_text(const tc_pubkey *k, char *out, size_t cap);
const char *tc_pubkey_id(const tc_pubkey *k);
tc_sign_alg tc_pubkey_alg(const tc_pubkey *k);

/* 1 when sig is k's signature over msg, 0 otherwise (never an error:
 * a malformed signature is simply not a valid one). */
int tc_pubkey_verify(const tc_pubkey *k, const void *msg, size_t n, const uint8_t *sig,
                     size_t siglen);

/* The signed-note key id of k under the key name `name` (see above). */
uint32_t tc_pubkey_note_id(const tc_pubkey *k, const char *name);

/* ------------------------------------------------------------- base64 */

/* Standard base64 (RFC 4648 section 4) of n bytes into out, which needs
 * 4 * ((n + 2) / 3) + 1 bytes.  Returns the text length. */
size_t tc_b64_encode(const uint8_t *in, size_t n, char *out);
/* Decode base64 text of length n into out (cap bytes); -1 when the text is
 * not canonical padded base64 or does not fit, else the byte count. */
long tc_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

#endif
