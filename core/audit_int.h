/*
 * audit_int.h - what the audit trail's files share (not a public header).
 * Each uses only those above it, so there are no cycles between them:
 *
 *   audit.c         writes the trail, and its canonical JSON (RFC 8785, jcs.h);
 *                   reads its lines (within AUDIT_LINE_MAX) for every reader
 *   audit_read.c    parses checkpoints strictly, reads the small files they
 *                   are, checks their signatures and that one tree extends
 *                   another (RFC 6962 consistency)
 *   audit_verify.c  reads the trail's chain, and verifies it
 *   audit_note.c    makes checkpoints (keeping each in the trail's store),
 *                   cosigns them (under the witness rule), writes proofs
 */
#ifndef TC_AUDIT_INT_H
#define TC_AUDIT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/audit.h"
#include "core/digest.h"
#include "core/merkle.h"
#include "core/sign.h"

#define AUDIT_FORMAT "tongchou-audit/2"
#define AUDIT_FORMAT_OLD "tongchou-audit/1"   /* refused: no conversion (unreleased) */
#define AUDIT_KIND "audit-entry"               /* the signature's kind (sign.h) */
#define AUDIT_ROLE_DEFAULT "recorder"          /* an entry's role when none is given */
#define AUDIT_STORE_SUFFIX ".checkpoints"      /* TRAIL.checkpoints/: every checkpoint made */
#define AUDIT_PROOF_HEADER "c2sp.org/tlog-proof@v1"
#define AUDIT_EMDASH "\xe2\x80\x94"
/* Limits on what the trail's files may hold (docs/audit.md, "Limits"):
 * each is what tongchou writes with room to spare, so that a file someone
 * else made cannot make a reader hold more than this much. */
#define AUDIT_NOTE_MAX (1 << 20)     /* bytes of a checkpoint or proof file */
#define AUDIT_LINE_MAX (1 << 20)     /* bytes of one trail line, without its newline */
#define AUDIT_NOTE_MAX_SIGS 100      /* signature lines on one checkpoint */

int audit_oom(tc_err *e);
/* Lowercase hex of a 32-byte hash (65 bytes). */
void audit_hex32(const uint8_t *h, char *out);
/* The JCS text (RFC 8785, jcs.h) of o into a malloc'd *out, *n its length
 * (may be NULL); TC_EUSAGE for a real or a too large integer. */
int audit_canon(const json_t *o, char **out, size_t *n, tc_err *e);
/* 1 when role is a role word: [a-z-], 1 to 32 bytes (sign.h). */
int audit_role_ok(const char *role);
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
/* Base64 of a 32-byte hash (45 bytes), for messages: checkpoints show roots so. */
void audit_b64_32(const uint8_t *h, char *out);
/* A checkpoint's origin as a file name part: 16 hex of SHA-256(origin) (17 bytes). */
void audit_origin_id(const char *origin, char *out);

/*
 * The signatures on c by the keys given (key name and note key id both
 * matching, as c2sp.org/signed-note says; others are ignored): the count
 * of those that verify; *failed (may be NULL) receives the name of the
 * first known key whose signature does not, or NULL.
 */
size_t audit_cp_good_sigs(const checkpoint *c, const tc_pubkey *const *keys, size_t n,
                          const char **failed);

/*
 * 1 when the tree of size m with root `old` is a prefix of the tree of the
 * n leaves given: an RFC 6962 section 2.1.2 consistency proof from m to n
 * is computed from the leaves and verified against both roots.  `have`
 * (32 bytes) receives the root of the first m leaves (the empty tree's
 * when m > n), to name in a message.  m = 0 needs the empty tree's root.
 */
int audit_extends(const tc_mhash *leaves, uint64_t n, uint64_t m, const uint8_t *old,
                  uint8_t *have);

/* -------------------------------------------------- reading the trail */

/*
 * One line of the trail f into *line (grown as needed, to AUDIT_LINE_MAX
 * + 2 bytes at most, for the caller to free): its length with its
 * newline, 0 at the end of the file; AUDIT_LINE_LONG when it is longer
 * than AUDIT_LINE_MAX bytes without its newline (the rest of it is not
 * read), AUDIT_LINE_OOM when out of memory.  Every reader of the trail's
 * lines (verify, each, show) reads them so: getline would hold a line of
 * any length a trail's maker chose.
 */
#define AUDIT_LINE_LONG (-1)
#define AUDIT_LINE_OOM (-2)
ssize_t audit_read_line(FILE *f, char **line, size_t *cap);

typedef struct fmatch {
    const char *given;
    char recorded[4096];
    char digest[TC_DIGEST_TEXT_MAX];
    long long seq;
    int found, ambiguous;
    long long purged;       /* the last entry naming it is a purge, this one */
} fmatch;

/* A checkpoint verify has seen (given, or inside a proof), to prove the
 * checkpoints consistent with each other. */
typedef struct cpseen {
    const char *where;
    uint64_t size;
    uint8_t root[TC_MERKLE_HASH];
} cpseen;

typedef struct vstate {
    const char *path;
    const tc_audit_verify_opts *o;
    tc_audit_report *r;
    int check_sigs;
    const tc_pubkey **keys;     /* o->keys and the policy's: trusted */
    size_t nkeys;
    cpseen *cps;
    size_t ncps;
    tc_mhash *leaves;
    size_t nleaves, cap;
    uint8_t prev[TC_MERKLE_HASH];
    fmatch *fm;
    json_t *reconcile;      /* the last reconcile entry, for rerun */
    json_t *purged;         /* file -> seq of the purge entry that removed it */
    long reconcile_line;
    tc_err *e;
} vstate;

/* Read the trail's chain (seq, prev; no signatures) into v: its leaf
 * hashes, which the caller frees (v->leaves).  TC_EINTEGRITY if broken. */
int audit_read_chain(vstate *v, tc_audit_report *r, const char *path, tc_err *e);

#endif
