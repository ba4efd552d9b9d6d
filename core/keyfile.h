/*
 * keyfile.h - the key files every module reads and writes the same way.
 *
 * Shared by sign.c (signing keys) and seal.c (sealing keys), so that a
 * private key open to group or others, or the wrong half of a key pair, is
 * refused with the same message and the same advice wherever it is given.
 * Not a public interface: use sign.h or seal.h.
 */
#ifndef TC_KEYFILE_H
#define TC_KEYFILE_H

#include <stdio.h>

#include <openssl/evp.h>

#include "core/err.h"

/*
 * Read a PEM key file.  private says which half is wanted; `use` names
 * what the key is for, in messages ("signing", "unsealing").  TC_EINPUT
 * for the other half of a key pair, for a private key whose mode lets
 * group or others read or write it (hint: chmod 600), and for a file that
 * is no PEM key; TC_EIO when it cannot be opened.  The caller frees *out.
 */
int tc_keyfile_read(EVP_PKEY **out, const char *path, int private, const char *use, tc_err *e);

/* A public key from one line of base64 DER SubjectPublicKeyInfo (as the
 * key policy lists keys); where names the place in messages.  TC_EINPUT
 * when it is not one.  The caller frees *out. */
int tc_keyfile_from_text(EVP_PKEY **out, const char *b64, const char *where, tc_err *e);

/* Write pk's private (PKCS#8 PEM, mode 0600) or public (PEM
 * SubjectPublicKeyInfo, tc_perm_file()) half to path, whole or not at all. */
int tc_keyfile_write(const char *path, EVP_PKEY *pk, int private, tc_err *e);

#endif
