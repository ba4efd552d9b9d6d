/*
 * audit_int.h - what the audit trail's files share (not a public header).
 * Each uses only those above it, so there are no cycles between them:
 *
 *   audit.c         writes the trail, and its canonical JSON
 *   audit_read.c    parses checkpoints, and reads the small files they are
 *   audit_verify.c  reads the trail's chain, and verifies it
 *   audit_note.c    makes checkpoints, cosigns them, writes proofs
 */
#ifndef TC_AUDIT_INT_H
#define TC_AUDIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/audit.h"
#include "core/digest.h"
#include "core/merkle.h"
#include "core/sign.h"

#define AUDIT_FORMAT "tongchou-audit/1"
#define AUDIT_PROOF_HEADER "c2sp.org/tlog-proof@v1"
#define AUDIT_EMDASH "\xe2\x80\x94"
#define AUDIT_NOTE_MAX (1 << 20)     /* checkpoints and proofs are small */

int audit_oom(tc_err *e);
/* Lowercase hex of a 32-byte hash (65 bytes). */
void audit_hex32(const uint8_t *h, char *out);
/* Canonical JSON text (sorted keys, compact), malloc'd; NULL when out of memory. */
char *audit_canon(const json_t *o);
/* The string member k of object o, or NULL. */
const char *audit_str(json_t *o, const char *k);

/* ------------------------------------------------------- signed notes */

typedef struct note_sig {
    char name[256];
    uint32_t id;
    uint8_t sig[TC_SIGN_MAX];
    size_t nsig;
} note_sig;

typedef struct checkpoint {
    char *buf;              /* the whole note */
    size_t ntext;           /* note text: buf[0..ntext), ends in newline */
    char origin[1024];
    uint64_t size;
    uint8_t root[TC_MERKLE_HASH];
    note_sig *sigs;
    size_t nsigs;
} checkpoint;

void audit_cp_free(checkpoint *c);
/* Parse a checkpoint note held in buf[0..n) (buf is taken over, also on
 * failure: audit_cp_free frees it).  TC_EINPUT when it is not one. */
int audit_cp_parse(checkpoint *c, char *buf, size_t n, const char *path, tc_err *e);
int audit_cp_load(checkpoint *c, const char *path, tc_err *e);
/* Read a file of at most AUDIT_NOTE_MAX bytes, NUL-terminated. */
int audit_read_small(const char *path, char **out, size_t *n, tc_err *e);
/* A decimal without leading zeros; -1 when s[0..n) is not one. */
int audit_parse_u64(const char *s, size_t n, uint64_t *out);

/* -------------------------------------------------- reading the trail */

typedef struct fmatch {
    const char *given;
    char recorded[4096];
    char digest[TC_DIGEST_TEXT_MAX];
    long long seq;
    int found, ambiguous;
} fmatch;

typedef struct vstate {
    const char *path;
    const tc_audit_verify_opts *o;
    tc_audit_report *r;
    int check_sigs;
    tc_mhash *leaves;
    size_t nleaves, cap;
    uint8_t prev[TC_MERKLE_HASH];
    fmatch *fm;
    json_t *reconcile;      /* the last reconcile entry, for rerun */
    long reconcile_line;
    tc_err *e;
} vstate;

/* Read the trail's chain (seq, prev; no signatures) into v: its leaf
 * hashes, which the caller frees (v->leaves).  TC_EINTEGRITY if broken. */
int audit_read_chain(vstate *v, tc_audit_report *r, const char *path, tc_err *e);

#endif
