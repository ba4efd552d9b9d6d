/*
 * seal.h - encryption at rest of files that hold personal data (batches
 * carry resident identity numbers), for one or more holders.
 *
 * A sealed file is a clear header, the ciphertext of a byte stream of any
 * length (written and read in constant memory), an authentication tag, and
 * a clear tail - bytes the writer appends unencrypted but authenticated, so
 * that a batch's trailer with its control totals can be read without the
 * key.  The file is written to a seekable stream; the header's two lengths
 * are patched when the stream ends.
 *
 * Format "tongchou-sealed/1".  The header is text, readable with `head`:
 *
 *   tongchou-sealed/1
 *   cipher: sm4-ctr-hmac-sm3
 *   iv: 5f0c...(32 hex digits; 24 for aes-256-gcm)
 *   holder: sm2:3f1c0b9a2e77d410 MIGbAiEA...(base64 of the wrapped key)
 *   holder: x25519:9ab0c1d2e3f40516 q83v...(base64 ephemeral key).6Ju4...(base64 wrapped key)
 *   length: 00000000000001048576
 *   tail: 00000000000000000071
 *   (an empty line)
 *
 * then `length` bytes of ciphertext, the tag (32 bytes for sm4-ctr-hmac-sm3,
 * 48 for aes-256-gcm), then `tail` bytes of clear tail, and nothing else:
 * the file is exactly header + length + tag + tail bytes long.  Lines end
 * in LF; the fields come in this order; 1 to 16 holder lines; `length` and
 * `tail` are 20 decimal digits, written as zeros first and patched at the
 * end.  The header is at most 16 KiB, the tail at most 64 KiB.
 *
 * "header0" below is the header as first written: both lengths all zeros.
 * "lengths" is the ciphertext length then the tail length, each an 8-byte
 * big-endian integer.
 *
 * Ciphers.  A fresh random data key per file (RAND_priv_bytes), a fresh
 * random IV.
 *
 *   sm4-ctr-hmac-sm3 (the default) - data key 48 bytes: SM4 key (16) ||
 *     MAC key (32).  Ciphertext = SM4-CTR (GB/T 32907, the 16-byte IV as
 *     the initial counter block, incremented as a 128-bit big-endian
 *     number: OpenSSL's "SM4-CTR", `openssl enc -sm4-ctr`).  Encrypt then
 *     MAC: tag = HMAC-SM3(MAC key, header0 || ciphertext || tail ||
 *     lengths), 32 bytes.
 *
 *   aes-256-gcm - data key 64 bytes: AES key (32) || MAC key (32).
 *     GCM with the 12-byte IV, AAD = header0, gives the ciphertext and a
 *     16-byte GCM tag G.  GCM takes no AAD after the data, and the tail is
 *     only known at the end, so the tail is authenticated by a second MAC
 *     that also covers G: H = HMAC-SHA256(MAC key, header0 || G || tail ||
 *     lengths).  tag = G || H, 48 bytes.  (Debian's OpenSSL 3.0 has no
 *     SM4-GCM; this cipher is for holders outside the GM/T rules.)
 *
 * Holders.  The data key is wrapped for each holder's public key, and the
 * holder line is labelled with that key's id: "sm2:" or "x25519:" + hex of
 * the first 8 bytes of SHA-256(DER SubjectPublicKeyInfo), the rule of
 * sign.h.
 *
 *   SM2 - SM2 public-key encryption (GM/T 0003.4) of the data key with SM3,
 *     the DER form C1 C3 C2 of OpenSSL (`openssl pkeyutl -encrypt`).
 *
 *   X25519 - an ephemeral X25519 key pair per holder; shared secret Z =
 *     X25519(ephemeral private, holder public); wrapping key =
 *     HKDF-SHA256(IKM Z, salt ephemeral public || holder public (32 raw
 *     bytes each), info "tongchou-seal/1"), 32 bytes; wrapped key =
 *     AES-256-GCM(wrapping key, IV 12 zero bytes, AAD the holder's key id,
 *     data key) || its 16-byte tag.  The zero IV is safe: each wrapping key
 *     encrypts exactly one message.  The line holds the ephemeral public key
 *     (raw, 32 bytes) and the wrapped key, base64, joined by '.'.
 *
 * What it protects.  Without a holder's private key the content stays
 * secret; a holder's key opens the data key and then checks everything: a
 * change to any byte of the header (header0 and the lengths are both under
 * the tag), the ciphertext, the tag or the tail is refused (TC_EINTEGRITY),
 * and a wrapped key moved to another holder's label does not open.  Sealing
 * says nothing about who sealed: anyone with the holders' public keys can
 * make a sealed file.  Who made a file is what the audit trail records,
 * with a SHA-256 of the whole sealed file; without a key that digest is
 * also the only check of the clear parts (the holder ids and the tail).
 *
 * Reading streams: plaintext is handed out before the tag is checked at the
 * end of the ciphertext.  Only the end (tc_unsealer_read giving 0 bytes and
 * 0) says the whole was authentic; a caller must not act on, or commit,
 * what it read until then.
 *
 * Key files are those of sign.h: NAME.key (PKCS#8 PEM, mode 0600) and
 * NAME.pub (PEM SubjectPublicKeyInfo); an SM2 key made by tc_sign_keygen
 * also seals, but a key of its own for each use is better practice.
 */
#ifndef TC_SEAL_H
#define TC_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

#define TC_SEAL_MAGIC "tongchou-sealed/1\n"
#define TC_SEAL_MAX_HOLDERS 16
#define TC_SEAL_MAX_HEADER 16384
#define TC_SEAL_MAX_TAIL 65536
#define TC_SEAL_KEYID_MAX 32    /* "x25519:" + 16 hex + NUL fits */

typedef enum { TC_SEAL_SM4_CTR_HMAC_SM3 = 0, TC_SEAL_AES_256_GCM = 1 } tc_seal_cipher;

/* "sm4-ctr-hmac-sm3" or "aes-256-gcm". */
const char *tc_seal_cipher_name(tc_seal_cipher c);
/* The reverse; TC_EUSAGE for any other name. */
int tc_seal_cipher_parse(const char *s, tc_seal_cipher *out, tc_err *e);

/* ---------------------------------------------------------------- keys */

typedef struct tc_seal_holder tc_seal_holder;   /* a holder's public key */
typedef struct tc_seal_key tc_seal_key;         /* a holder's private key */

/* A holder from one line of base64 DER SubjectPublicKeyInfo (as in the key
 * policy); where names the place for messages ("policy.ini:7").
 * TC_EINPUT when it is not an SM2 or X25519 public key. */
int tc_seal_holder_from_text(tc_seal_holder **out, const char *b64_spki, const char *where,
                             tc_err *e);
/* A holder from a PEM public key file (NAME.pub); a private key file is
 * refused, as tc_pubkey_load refuses it. */
int tc_seal_holder_load(tc_seal_holder **out, const char *pem_path, tc_err *e);
const char *tc_seal_holder_id(const tc_seal_holder *h);
/* The holder's key as one line of base64 DER SubjectPublicKeyInfo, as the
 * key policy lists it (cap >= 200 is enough); its length, 0 if cap is short. */
size_t tc_seal_holder_text(const tc_seal_holder *h, char *out, size_t cap);
void tc_seal_holder_free(tc_seal_holder *h);

/* A private key (NAME.key), SM2 or X25519.  TC_EINPUT, as tc_signer_load,
 * when group or others may read or write it (hint: chmod 600), when it is a
 * public key file, or not a key of either kind; TC_EIO when unreadable. */
int tc_seal_key_load(tc_seal_key **out, const char *path, tc_err *e);
const char *tc_seal_key_id(const tc_seal_key *k);
void tc_seal_key_free(tc_seal_key *k);

/* Make a key pair "sm2" or "x25519" (else TC_EUSAGE): NAME.key (mode 0600)
 * and NAME.pub, each whole or not at all; keyid (TC_SEAL_KEYID_MAX bytes)
 * receives its id.  Refuses (TC_EINPUT) to overwrite NAME.key. */
int tc_seal_keygen(const char *alg, const char *name, char *keyid, tc_err *e);

/* 1 when the n bytes at first_bytes begin with the magic line (a file's
 * first 18 bytes are enough), else 0. */
int tc_seal_is_sealed(const void *first_bytes, size_t n);

/* -------------------------------------------------------------- writing */

typedef struct tc_sealer tc_sealer;

/*
 * Start a sealed stream at f's position (f must be open for writing and
 * seekable: the end patches the header).  1 to 16 holders, no two the same
 * key (else TC_EUSAGE).  Writes the header.
 */
int tc_sealer_begin(tc_sealer **out, FILE *f, tc_seal_cipher c,
                    const tc_seal_holder *const *holders, size_t nholders, tc_err *e);
/* Plaintext in, ciphertext out to f (encrypted in 64 KiB chunks). */
int tc_sealer_write(tc_sealer *s, const void *p, size_t n, tc_err *e);
/* Finish: the tag and the clear tail (at most TC_SEAL_MAX_TAIL bytes; ntail
 * may be 0), then the header's lengths.  Leaves f positioned at the end of
 * the sealed stream, flushed, not closed.  Frees s, success or not. */
int tc_sealer_end(tc_sealer *s, const void *tail, size_t ntail, tc_err *e);
/* Give up (the caller discards what was written).  NULL is a no-op. */
void tc_sealer_abort(tc_sealer *s);

/* -------------------------------------------------------------- reading */

typedef struct tc_unsealer tc_unsealer;

/*
 * Read the header of the sealed file f (seekable, positioned at the start
 * of the sealed stream); what names it in messages.  Not the magic:
 * TC_EINPUT ("not a sealed file"); a header that does not parse, or
 * lengths that do not add up to the file's size: TC_EINTEGRITY.
 *
 * key may be NULL: then only the clear parts are there (the tail, the
 * holder ids, the cipher, the ciphertext length) and reading plaintext is
 * TC_EUSAGE.  A key that is not among the holders: TC_EINPUT ("this file is
 * sealed for <ids>; the key <id> is not one of them").  A wrapped key that
 * does not open with the holder's key: TC_EINTEGRITY.
 */
int tc_unsealer_begin(tc_unsealer **out, FILE *f, const char *what, const tc_seal_key *key,
                      tc_err *e);
/*
 * Up to cap bytes of plaintext into buf; *got receives the count.  At the
 * end of the ciphertext the tag is checked, and *got = 0 with 0 returned
 * only when it matches; otherwise TC_EINTEGRITY ("WHAT has been altered:
 * its authentication tag does not match"), and every later call fails too.
 */
int tc_unsealer_read(tc_unsealer *u, void *buf, size_t cap, size_t *got, tc_err *e);
/* The clear tail (owned by u), there from begin on, key or no key.  Before
 * the end of reading (or without a key) it is unauthenticated. */
int tc_unsealer_tail(tc_unsealer *u, const unsigned char **tail, size_t *n, tc_err *e);
/* The ciphertext length, which is the plaintext length. */
uint64_t tc_unsealer_length(const tc_unsealer *u);
tc_seal_cipher tc_unsealer_cipher(const tc_unsealer *u);
/* The holder key ids in header order (owned by u); returns their count. */
size_t tc_unsealer_holders(const tc_unsealer *u, const char *const **ids);
void tc_unsealer_free(tc_unsealer *u);

/* -------------------------------------------------------------- streams */

/*
 * The same through stdio, for a writer or reader that takes a FILE (the
 * county archive's tar): tc_seal_stream_write seals what is written to
 * tc_seal_stream_file() onto f (no tail); tc_seal_stream_read gives the
 * plaintext of the sealed file f.  tc_seal_stream_close ends it: for a
 * writer it writes the tag and patches the header; for a reader it reports
 * the first failure (a tag that did not match is TC_EINTEGRITY, as
 * tc_unsealer_read).  A reader must read to the end (EOF) before closing
 * for the tag to have been checked.  Frees s; NULL is a no-op.
 */
typedef struct tc_seal_stream tc_seal_stream;
int tc_seal_stream_write(tc_seal_stream **out, FILE *f, tc_seal_cipher c,
                         const tc_seal_holder *const *holders, size_t nholders, tc_err *e);
int tc_seal_stream_read(tc_seal_stream **out, FILE *f, const char *what, const tc_seal_key *key,
                        tc_err *e);
FILE *tc_seal_stream_file(tc_seal_stream *s);
int tc_seal_stream_close(tc_seal_stream *s, tc_err *e);

/* The plaintext of the sealed file at path into out (mode 0600, whole or
 * not at all: only once the tag matched); its tail is not written.  For
 * sealed archives; a sealed batch unseals with tc_batch_unseal. */
int tc_seal_unseal_file(const char *path, const char *out, const tc_seal_key *key, tc_err *e);

#endif
