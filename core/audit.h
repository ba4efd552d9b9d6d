/*
 * audit.h - the signed, hash-chained, Merkle-checkpointed audit trail.
 *
 * Every command that reads inputs or changes state appends one entry to a
 * trail file (default ./audit.trail, or $TONGCHOU_AUDIT): one line per
 * entry, each the RFC 8785 (JCS, jcs.h) text of a JSON object: names
 * sorted by UTF-16 code units, no blanks, no floats:
 *
 *   {"args":[...],"command":"extract","format":"tongchou-audit/2",
 *    "inputs":[{"digest":"sha256:...","file":"..."}],"key":"ed25519:...",
 *    "mappings":null,"outputs":[...],"prev":"<hex>","records":{...},
 *    "role":"recorder","seq":1,"sig":"<base64>",
 *    "time":"2026-11-24T10:00:00Z","totals":{...}}
 *
 *   seq   1, 2, 3 ... with no gap;
 *   role  the capacity the signer acted in: "maker", "checker", "waiver",
 *         "witness", "party" (the roles of the city's policy, policy.h),
 *         or "recorder" when no policy role applies;
 *   prev  hex of the RFC 6962 leaf hash of the previous line's bytes (the
 *         first entry: hex of SHA-256(""), the empty tree's root);
 *   sig   base64 of the signature by the key named in "key", made in
 *         context (sign.h, tc_signer_sign_as) as kind "audit-entry" and the
 *         entry's role, over the JCS text of the object without "sig":
 *
 *           "tongchou-signature/1\naudit-entry\nmaker\n" {"args":...}
 *
 *         so an entry whose role is relabelled no longer verifies.
 *
 * Entries of format tongchou-audit/1 (jansson's sorted output, no role)
 * are refused: nothing is released, so there is no conversion.
 *
 * Identity numbers in args, file names, records and totals are masked
 * (tc_mask_ids_inplace) before the entry is signed: the trail is a report.
 *
 * The entries (each line's bytes without its newline) are the leaves of an
 * RFC 6962 Merkle tree (merkle.h).  A checkpoint (c2sp.org/tlog-checkpoint,
 * a signed note: origin, tree size, base64 root, then one signature line per
 * key) commits to the first N entries; an inclusion proof
 * (c2sp.org/tlog-proof@v1) shows one entry is among them.  Verification
 * needs only public keys: every signature, the chain, the checkpoint, the
 * proofs and, given the files, their digests.  It collects every problem
 * before deciding, and names the first bad entry (seq and line).
 *
 * Checkpoints cannot fork.  Every checkpoint tc_audit_checkpoint signs is
 * kept in the trail's store, TRAIL.checkpoints/, and a new one is signed
 * only when an RFC 6962 consistency proof from the last one kept for its
 * origin verifies against the trail: a trail rewritten under an old
 * checkpoint gets no new one.  A witness (tc_audit_cosign) keeps, per
 * origin, the last checkpoint it cosigned, and cosigns only a consistent
 * extension of it (c2sp.org/tlog-witness).  tc_audit_verify, given several
 * checkpoints, proves them consistent with each other.
 *
 * Appending takes an exclusive flock on the trail, reads its last line for
 * the next seq and prev, writes the new line with one write(2) on an
 * O_APPEND descriptor, fsyncs, and unlocks; a failed write is cut off again
 * under the lock.  A crash mid-write can still leave a torn last line (no
 * newline): appending then refuses, verify reports it, and only
 * tc_audit_repair (`tongchou audit repair`) removes it, keeping its bytes in
 * TRAIL.torn.  docs/audit.md describes the formats and the threat model.
 */
#ifndef TC_AUDIT_H
#define TC_AUDIT_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "core/err.h"
#include "core/policy.h"
#include "core/sign.h"

typedef struct tc_audit tc_audit;

/* A file an entry read or wrote, and its digest text ("sha256:..."); a
 * digest of NULL records a source that is not a file (a live database). */
typedef struct tc_audit_file {
    const char *file;
    const char *digest;
} tc_audit_file;

/* What one entry says.  The trail adds seq, time, key, prev and sig. */
typedef struct tc_audit_entry {
    const char *command;                    /* "extract", "map", ... */
    const char *role;                       /* the signer's capacity ("maker", ...,
                                               [a-z-] up to 32); NULL: "recorder" */
    const char *const *args;                /* the command's arguments, */
    size_t nargs;                           /* already free of passwords */
    const tc_audit_file *inputs;
    size_t ninputs;
    const tc_audit_file *outputs;
    size_t noutputs;
    const char *mappings;                   /* mapping set digest, or NULL */
    const char *records;                    /* JSON object text, or NULL ({}) */
    const char *totals;                     /* JSON object text, or NULL ({}) */
} tc_audit_entry;

/* The trail path when none is named: $TONGCHOU_AUDIT, else "audit.trail". */
const char *tc_audit_default_path(void);

/* Open (creating, mode 0644) the trail at path for appending. */
int tc_audit_open(tc_audit **out, const char *path, tc_err *e);
void tc_audit_close(tc_audit *t);

/*
 * Append one entry signed by s; *seq (may be NULL) receives its number.
 * The time is $TONGCHOU_TIME when set (RFC 3339, for reproducible tests),
 * else now, UTC.  TC_EINTEGRITY when the last line is torn or not an entry
 * (nothing written; hint: tongchou audit repair / verify); TC_EINPUT when
 * it is an entry of an older format (tongchou-audit/1: no conversion);
 * TC_EUSAGE when records or totals are not JSON objects of integers and
 * strings, hold an integer beyond +-(2^53 - 1), or the role is not a role
 * word; TC_EIO when the line cannot be written (the file is left as it was).
 */
int tc_audit_append(tc_audit *t, const tc_audit_entry *en, const tc_signer *s, long long *seq,
                    tc_err *e);

/*
 * The line (canonical JSON, no newline) that t last appended, and its seq:
 * what the database mirror stores.  Owned by t, valid until the next
 * append or close; NULL before the first append.
 */
const char *tc_audit_last(const tc_audit *t, long long *seq);

/* ------------------------------------------------ one call per command */

typedef struct tc_audit_command {
    const char *trail;                      /* NULL: tc_audit_default_path() */
    const tc_signer *signer;
    const char *role;                       /* the signer's capacity; NULL: "recorder" */
    int argc;                               /* argv[0] is the command name */
    char *const *argv;
    const char *const *inputs;              /* paths, digested here */
    size_t ninputs;
    const char *const *outputs;
    size_t noutputs;
    const char *mappings;                   /* digest text, or NULL */
    const char *records;                    /* JSON object text, or NULL */
    const char *totals;                     /* JSON object text, or NULL */
} tc_audit_command;

/*
 * Append the entry of one command run.  Every entry of the trail - a
 * command's on its own (cli/trail.c), each step of `tongchou run`, each
 * transfer document - is written here, so that all follow one rule:
 * argv with passwords removed (the value after --password/--passwd/--secret
 * becomes "[redacted]", "--password=..." too; every other argument goes
 * through tc_redact_secrets), the digest of each input and output file (SM3
 * when the signer is SM2, else SHA-256; an input naming a database,
 * tc_is_conninfo, is recorded as shown by tc_redact_secrets, without a
 * digest).
 */
int tc_audit_record_command(const tc_audit_command *c, long long *seq, tc_err *e);

/* ------------------------------------------------------ verification */

typedef struct tc_audit_problem {
    long line;              /* trail line, 0 when not about a line */
    long long seq;          /* entry concerned, 0 when none */
    const char *where;      /* trail, checkpoint, proof or file path */
    const char *msg;
} tc_audit_problem;

typedef struct tc_audit_verify_opts {
    const tc_pubkey *const *keys;           /* trusted public keys */
    size_t nkeys;
    const tc_policy *policy;                /* the city's policy, or NULL (below) */
    const char *const *checkpoints;         /* checkpoint files, proved consistent */
    size_t ncheckpoints;                    /* with the trail and each other */
    const char *const *required;            /* key ids that must sign each */
    size_t nrequired;
    const char *origin;                     /* the origin it must name, or NULL */
    const char *const *proofs;              /* tlog-proof files */
    size_t nproofs;
    const char *const *files;               /* files to check against the trail */
    size_t nfiles;
    const char *rerun;                      /* the tongchou program: re-run the
                                               last recorded reconcile, or NULL */
    void (*problem)(void *arg, const tc_audit_problem *p);  /* each problem, or NULL */
    void *arg;
} tc_audit_verify_opts;

typedef struct tc_audit_report {
    long long entries;      /* complete lines read */
    long long problems;
    long long first_seq;    /* first bad entry's seq (0: none, or not an entry) */
    long first_line;        /* its line */
    long long checkpoint_size;  /* entries the largest checkpoint covers, when given */
    long long forks;        /* pairs of checkpoints (and proofs' checkpoints) that
                               are not consistent with each other */
    long long purged;       /* files given that are gone, as a purge entry says */
} tc_audit_report;

/*
 * Verify the trail at path and whatever o names.  0 when everything holds;
 * TC_EINTEGRITY when anything does not, e naming the first problem and the
 * count of the others; TC_EIO / TC_EINPUT when a file cannot be read or a
 * checkpoint or proof is not in its format.  Entries signed by a key not in
 * o->keys are problems, and so is an entry of format tongchou-audit/1
 * ("written by an older tongchou"); each entry's signature is verified in
 * its context (kind "audit-entry", the entry's role).  Checkpoint
 * signatures by unknown keys are ignored, as c2sp.org/signed-note says, but
 * at least one known key must have signed each.  Truncating the trail is
 * only visible against a checkpoint.
 *
 * Two checkpoints of one size with different roots are a fork, a problem
 * naming both roots; of different sizes, the smaller must be a prefix of
 * the larger (an RFC 6962 consistency proof, computed from the trail, must
 * verify), else it is a fork too.  The checkpoints inside the proofs take
 * part.  Each checkpoint must also match the trail.
 *
 * A file given that is not there is no problem when the last entry naming
 * it is a "purge" entry (docs/retention.md): that entry recorded what it
 * was before it was removed; r->purged counts them.  A file removed
 * without one is a problem, as any file that cannot be read.
 *
 * With o->policy, its keys are trusted as well, and each entry's key must
 * be listed in it and hold the entry's role (any role, for "recorder"; a
 * role the policy does not know is a problem); each checkpoint needs the
 * policy's count of witness signatures (tc_policy_required, "checkpoint").
 *
 * With o->rerun, the last entry whose command is "reconcile" is run again:
 * its inputs must still have their recorded digests (one a purge entry
 * removed is named as such: put it back from its archive to re-run); the program is run as
 * `PROGRAM reconcile -q ARGS` with the recorded arguments, the output
 * folder (-o/--output) replaced by a new temporary folder; the
 * reconciliation.json and findings.csv it writes must have the recorded
 * digests, byte for byte (the HTML page and the workbook carry a generation
 * time and are not compared).  Relative paths are taken from the current
 * folder, as they were recorded.
 */
int tc_audit_verify(const char *path, const tc_audit_verify_opts *o, tc_audit_report *r,
                    tc_err *e);

/* ------------------------------------------------ checkpoints, proofs */

/*
 * Write a checkpoint of the whole trail to out (whole or not at all),
 * signed by each of the n signers, and keep it in the trail's store,
 * PATH.checkpoints/ (created when missing), as SIZE-ORIGINID.checkpoint:
 * SIZE the tree size in 20 digits, so that the names sort by size,
 * ORIGINID 16 hex of SHA-256 of the origin.  A checkpoint already kept for
 * the same origin and size gains the new signatures.  Before signing, the
 * last checkpoint kept for the origin (the largest size) must be a prefix
 * of the trail: its size at most the trail's, and an RFC 6962 consistency
 * proof from it to the trail's tree, computed and verified here.  Else
 * TC_EINTEGRITY naming both sizes and roots (the trail was cut or
 * rewritten under a checkpoint already given out), and nothing is written.
 * The trail's chain (seq, prev) must hold; entry signatures are not
 * checked here (verify does that).  The origin must be one line of valid
 * UTF-8 without control characters (TC_EUSAGE).
 */
int tc_audit_checkpoint(const char *path, const char *origin, const tc_signer *const *signers,
                        size_t n, const char *out, tc_err *e);

/* The store of PATH's checkpoints: PATH.checkpoints, into buf (n bytes). */
void tc_audit_store_path(const char *path, char *buf, size_t n);

typedef struct tc_audit_cosign_opts {
    const char *state;                      /* the witness's folder (required) */
    const tc_pubkey *const *keys;           /* the log's keys: one must have signed */
    size_t nkeys;
    const tc_policy *policy;                /* or NULL: see tc_audit_cosign */
} tc_audit_cosign_opts;

/*
 * As a witness (c2sp.org/tlog-witness), add s's signature to the checkpoint
 * at cpath, rewriting it whole.  The witness's state folder o->state
 * (created, mode 0700, when missing) keeps per origin the last checkpoint
 * it cosigned, ORIGINID.checkpoint; under a lock on the folder:
 *
 *   - the checkpoint must parse strictly, and, when keys are given (o->keys
 *     or the policy's), carry a valid signature by one and no failing one;
 *   - its root must be the root of the trail's first SIZE entries;
 *   - against the last cosigned one: a smaller size is refused, the same
 *     size with another root is a fork (both roots named), a larger size
 *     needs an RFC 6962 consistency proof, computed from the trail, that
 *     verifies from the old root to the new;
 *   - the state is written (whole or not at all) before the checkpoint, so
 *     no cosignature is ever out that the state does not hold.
 *
 * With o->policy, s must hold the "witness" role, the checkpoint's origin
 * must be the policy's (when it names one), and the policy's keys are the
 * trusted ones.  TC_EINTEGRITY for every refusal above, nothing written;
 * TC_EINPUT when the checkpoint is not one.  A checkpoint s already signed
 * is checked all the same and left as it is.
 */
int tc_audit_cosign(const char *path, const char *cpath, const tc_signer *s,
                    const tc_audit_cosign_opts *o, tc_err *e);

/* Write the inclusion proof of entry seq (1-based) in the tree the
 * checkpoint commits to, in the c2sp.org/tlog-proof@v1 form, to out. */
int tc_audit_prove(const char *path, const char *checkpoint, long long seq, const char *out,
                   tc_err *e);

/*
 * Call fn with each entry of the trail at path, in order: every line that
 * is a JSON object, as it stands (nothing is verified: that is
 * tc_audit_verify's).  fn returns 0 to go on, anything else to stop, and
 * that is returned.  A trail that does not exist has no entries (0);
 * TC_EIO when it cannot be read; TC_EINPUT, at its line, for a line longer
 * than a trail line may be (1 MiB, docs/audit.md "Limits"), which is not
 * read, nor anything after it.
 */
int tc_audit_each(const char *path, int (*fn)(void *arg, const json_t *entry), void *arg,
                  tc_err *e);

/* Print the trail readably to f, identity numbers masked.  Not a check;
 * but a line longer than the limit stops it, as in tc_audit_each. */
int tc_audit_show(const char *path, FILE *f, tc_err *e);

/*
 * Cut a torn last line (bytes after the last newline) off the trail, after
 * saving them in PATH.torn; *cut receives their count (0: nothing torn).
 */
int tc_audit_repair(const char *path, long long *cut, tc_err *e);

#endif
