/*
 * emit.c - see emit.h.
 *
 * Batches are written under hidden staging names in the output folder
 * (".<pid>-<seq>.<type>.tcb") and renamed to "<county>.<type>.tcb" at
 * commit, after every one of them is complete; if a rename fails, the ones
 * already renamed are removed again.  The source digest is computed on a
 * thread of its own: from the bytes the reader hands over (TC_EMIT_HASH_FED,
 * without a copy through tc_emit_source_buffer), or by reading the file
 * beside the reader (the page cache serves both), so hashing costs the
 * parser nothing.  Natural keys are hashed on the caller's thread - the XML
 * reader calls from its worker, not from the parser.
 */
#include "extract/emit.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/writebehind.h"
#include "core/digest.h"
#include "core/thread_job.h"
#include "core/vec.h"
#include "core/keys.h"

#define NREC 10

struct tc_emit {
    char outdir[512];
    char source[512];
    char county[7];
    char cutover[11];
    char digest[TC_DIGEST_TEXT_MAX];
    tc_controls controls;
    char stage[NREC][700];
    tc_batch_writer *w[NREC];
    tc_keys *keys;
    tc_writebehind *srcbg;          /* TC_EMIT_HASH_FED: source bytes to srcdig */
    tc_digest *srcdig;
    tc_thread_job hash;            /* TC_EMIT_HASH_READ: the source digest */
    int hashing;
    atomic_int stop;
    int child;              /* tc_emit_fork: writers are parts of the parent's */
    tc_keys **kids;         /* the key stores to check: its own (keys), then the
                             * joined children's */
    long nkids, capkids;
};

static atomic_uint seq;

void tc_emit_batch_path(char *buf, size_t n, const char *dir, const char *county, const char *type)
{
    snprintf(buf, n, "%s/%s.%s.tcb", dir, county, type);
}

/* Feed one file into d; 0 or TC_EIO/TC_ENOMEM. */
static int hash_file(tc_emit *em, tc_digest *d, const char *path, tc_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tc_fail(e, TC_EIO, "cannot read %s: %s", path, strerror(errno));
    static const size_t CAP = 1 << 18;
    unsigned char *buf = malloc(CAP);
    size_t n = 0;
    int rc = 0;
    while (buf && !atomic_load(&em->stop) && (n = fread(buf, 1, CAP, f)) > 0)
        tc_digest_update(d, buf, n);
    if (!buf)
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    else if (ferror(f))
        rc = tc_fail(e, TC_EIO, "cannot read %s", path);
    free(buf);
    fclose(f);
    return rc;
}

static int hash_job(void *arg, tc_err *e)
{
    tc_emit *em = arg;
    /* A folder (pg_dump's directory format, a text unload) is hashed as its
     * files in byte order of their names, each as its name, a newline and
     * its bytes (core/digest.h): the same files give the same digest
     * wherever they are copied. */
    struct stat st;
    if (stat(em->source, &st) == 0 && S_ISDIR(st.st_mode))
        return tc_digest_file(TC_DIGEST_SHA256, em->source, em->digest, e);
    tc_digest *d;
    int rc = tc_digest_new(&d, TC_DIGEST_SHA256, e);
    if (rc)
        return rc;
    rc = hash_file(em, d, em->source, e);
    tc_digest_final_text(d, em->digest);
    tc_digest_free(d);
    return rc;
}

static int digest_block(void *ctx, const void *p, size_t n, tc_err *e)
{
    (void)e;
    tc_digest_update(((tc_emit *)ctx)->srcdig, p, n);
    return 0;
}

int tc_emit_source_bytes(tc_emit *em, const void *p, size_t n, tc_err *e)
{
    return em->srcbg ? tc_writebehind_write(em->srcbg, p, n, e) : 0;
}

int tc_emit_wants_source(const tc_emit *em) { return em->srcbg != NULL; }

void *tc_emit_source_buffer(tc_emit *em, size_t *cap, tc_err *e)
{
    return em->srcbg ? tc_writebehind_block(em->srcbg, cap, e) : NULL;
}

int tc_emit_source_put(tc_emit *em, size_t n, tc_err *e)
{
    return tc_writebehind_put(em->srcbg, n, e);
}

/* em's own key store (just opened, rc its result) is the first it checks. */
static int own_keys(tc_emit *em, int rc, tc_err *e)
{
    if (!rc)
        rc = tc_vec_room(&em->kids, em->nkids, &em->capkids, 16, sizeof(*em->kids), e);
    if (!rc)
        em->kids[em->nkids++] = em->keys;
    else {
        tc_keys_free(em->keys);
        em->keys = NULL;
    }
    return rc;
}

static void free_keys(tc_emit *em)
{
    for (long i = 0; i < em->nkids; i++)
        tc_keys_free(em->kids[i]);
    em->nkids = 0;
    em->keys = NULL;
}

int tc_emit_open(tc_emit **out, const tc_emit_opts *o, tc_err *e)
{
    if (tc_nrectypes != NREC)
        return tc_fail(e, TC_EINTERNAL, "emit.c knows %d record types, record.c %d", NREC,
                       tc_nrectypes);
    tc_emit *em = calloc(1, sizeof(*em));
    if (!em)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    snprintf(em->outdir, sizeof(em->outdir), "%s", o->outdir);
    snprintf(em->source, sizeof(em->source), "%s", o->source ? o->source : "");
    em->controls = o->controls;
    unsigned s = atomic_fetch_add(&seq, 1);
    int rc = 0;
    for (int t = 0; t < NREC && !rc; t++) {
        tc_batch_header h;
        /* the county is not known yet: a placeholder until commit */
        rc = tc_batch_header_init(&h, &tc_rectypes[t], "000000", "county", e);
        snprintf(em->stage[t], sizeof(em->stage[t]), "%s/.%ld-%u.%s.tcb", o->outdir,
                 (long)getpid(), s, tc_rectypes[t].name);
        if (!rc)
            rc = tc_batch_create(&em->w[t], em->stage[t], &h, e);
        if (!rc)
            tc_batch_defer_dir_sync(em->w[t]);   /* once, after the last rename */
    }
    if (!rc && o->check_keys)
        rc = own_keys(em, tc_keys_open(&em->keys, em->outdir, e), e);
    if (!rc && o->hash_source == TC_EMIT_HASH_FED) {
        rc = tc_digest_new(&em->srcdig, TC_DIGEST_SHA256, e);
        if (!rc)
            rc = tc_writebehind_open(&em->srcbg, 1 << 20, digest_block, em, e);
    } else if (!rc && o->hash_source) {
        tc_thread_job_start(&em->hash, hash_job, em);
        em->hashing = 1;
    }
    if (rc) {
        tc_emit_abort(em);
        return rc;
    }
    *out = em;
    return 0;
}

static int all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int tc_emit_set_county(tc_emit *em, const char *county, const char *cutover, tc_err *e)
{
    if (em->county[0])
        return tc_fail(e, TC_EINPUT, "%s names its county twice", em->source);
    if (!all_digits(county, 6))
        return tc_fail(e, TC_EINPUT, "bad county code '%s': expected 6 digits", county);
    memcpy(em->county, county, 7);
    snprintf(em->cutover, sizeof(em->cutover), "%s", cutover ? cutover : "");
    return 0;
}

void tc_emit_set_source_digest(tc_emit *em, const char *digest_text)
{
    /* computed elsewhere: what the reader fed, if anything, is not needed */
    tc_writebehind_abort(em->srcbg);
    em->srcbg = NULL;
    tc_digest_free(em->srcdig);
    em->srcdig = NULL;
    snprintf(em->digest, sizeof(em->digest), "%s", digest_text);
}

int tc_emit_record(tc_emit *em, int t, const tc_value *vals, long long where, tc_err *e)
{
    int rc = tc_batch_write(em->w[t], vals, e);
    if (!rc && em->keys)
        rc = tc_keys_add(em->keys, t, vals, where, e);
    return rc;
}

int tc_emit_fork(tc_emit *em, tc_emit **out, tc_err *e)
{
    tc_emit *c = calloc(1, sizeof(*c));
    if (!c)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    c->child = 1;
    memcpy(c->outdir, em->outdir, sizeof(c->outdir));
    memcpy(c->source, em->source, sizeof(c->source));
    int rc = 0;
    for (int t = 0; t < NREC && !rc; t++)
        rc = tc_batch_create_part(&c->w[t], em->w[t], e);
    if (!rc && em->keys)
        rc = own_keys(c, tc_keys_open_shared(&c->keys, em->keys, e), e);
    if (rc) {
        tc_emit_abort(c);
        return rc;
    }
    *out = c;
    return 0;
}

int tc_emit_child_finish(tc_emit *c, tc_err *e)
{
    int rc = 0;
    for (int t = 0; t < NREC && !rc; t++)
        rc = tc_batch_part_finish(c->w[t], e);
    if (!rc && c->keys)
        rc = tc_keys_seal(c->keys, e);
    return rc;
}

int tc_emit_join(tc_emit *em, tc_emit *c, long lines_before, tc_err *e)
{
    int rc = 0;
    if (c->county[0])
        rc = tc_emit_set_county(em, c->county, c->cutover, e);
    for (int t = 0; t < NREC && !rc; t++) {
        rc = tc_batch_append_part(em->w[t], c->w[t], e);
        c->w[t] = NULL;   /* taken, or freed by the refusal */
    }
    if (!rc && c->keys) {
        rc = tc_vec_room(&em->kids, em->nkids, &em->capkids, 16, sizeof(*em->kids), e);
        if (!rc) {
            tc_keys_set_line_offset(c->keys, lines_before);
            em->kids[em->nkids++] = c->keys;
            c->keys = NULL;
            c->nkids = 0;
        }
    }
    tc_emit_abort(c);
    return rc;
}

const tc_batch_summary *tc_emit_tally(const tc_emit *em, int t)
{
    return tc_batch_writer_summary(em->w[t]);
}

static int join_hash(tc_emit *em, tc_err *e)
{
    if (em->srcbg) {
        int rc = tc_writebehind_close(em->srcbg, e);
        em->srcbg = NULL;
        if (!rc)
            tc_digest_final_text(em->srcdig, em->digest);
        return rc;
    }
    if (!em->hashing)
        return 0;
    em->hashing = 0;
    return tc_thread_job_join(&em->hash, e);
}

/* The XML element a record type comes from, for messages. */
static const char *element_of(int t)
{
    static const char *const el[NREC] = {"Account", "BankAccount", "Balance", "Line",
                                         "Contribution", "Subsidy", "Payable", "BankStatement",
                                         "Entry", "PersonalAccount"};
    return el[t];
}

/* Batch t: its header completed, written and made to appear (under its
 * staging name); the writer is gone either way. */
static int commit_one(tc_emit *em, int t, tc_err *e)
{
    tc_batch_header h = *tc_batch_writer_header(em->w[t]);
    memcpy(h.county, em->county, 7);
    snprintf(h.cutover, sizeof(h.cutover), "%s", em->cutover);
    snprintf(h.source, sizeof(h.source), "%s", em->digest);
    h.controls = em->controls;
    if (h.controls == TC_CONTROLS_COUNTS_SUMS) {   /* no amount, no sum */
        int amounts = 0;
        for (int i = 0; i < h.ncols; i++)
            amounts |= h.cols[i].type == TC_COL_AMOUNT;
        if (!amounts)
            h.controls = TC_CONTROLS_COUNTS;
    }
    int rc = tc_batch_set_header(em->w[t], &h, e);
    if (!rc) {
        rc = tc_batch_commit(em->w[t], NULL, e);
        em->w[t] = NULL;
    }
    return rc;
}

/* The natural keys of em (and its joined children) checked: 1 a duplicate
 * (in *dup), 0 none, < 0 an error; the stores are freed either way. */
typedef struct keycheck {
    tc_emit *em;
    tc_keys_dup dup;
} keycheck;

static int check_keys(void *arg, tc_err *e)
{
    keycheck *kc = arg;
    tc_emit *em = kc->em;
    int found = tc_keys_check_all(em->kids, (int)em->nkids, &kc->dup, e);
    /* done with them: closing their spill file (tens of MiB in the page
     * cache) happens here, beside the batches being written */
    free_keys(em);
    return found;
}

typedef struct committer {
    tc_emit *em;
    int t;
} committer;

static int commit_job(void *arg, tc_err *e)
{
    committer *c = arg;
    return commit_one(c->em, c->t, e);
}

int tc_emit_commit(tc_emit *em, tc_err *e)
{
    int rc = join_hash(em, e);
    if (!rc && !em->county[0])
        rc = tc_fail(e, TC_EINPUT, "%s does not say which county it is", em->source);
    /* The natural keys are checked while the batches are written (under
     * their staging names; a duplicate removes them again). */
    keycheck kc = {em, {0}};
    tc_thread_job keys;
    int checking = !rc && em->keys;
    if (checking)
        tc_thread_job_start(&keys, check_keys, &kc);
    /* The batches are written out: the biggest on a thread of its own
     * (copying its compressed bytes, hashing them, waiting for fsync), the
     * others here meanwhile. */
    int big = 0;
    for (int t = 1; t < NREC; t++)
        if (tc_batch_written(em->w[t]) > tc_batch_written(em->w[big]))
            big = t;
    committer bc = {em, big};
    tc_thread_job bigjob;
    int apart = !rc && tc_batch_written(em->w[big]) >= (1u << 16);
    if (apart)
        tc_thread_job_start(&bigjob, commit_job, &bc);
    for (int t = 0; t < NREC && !rc; t++)
        if (!(apart && t == big))
            rc = commit_one(em, t, e);
    if (apart) {
        tc_err be;
        int brc = tc_thread_job_join(&bigjob, &be);
        if (!rc && brc) {
            *e = be;
            rc = brc;
        }
    }
    tc_err ke;
    int found = checking ? tc_thread_job_join(&keys, &ke) : 0;
    if (found < 0 && !rc) {
        *e = ke;
        rc = found;
    } else if (found > 0) {
        /* a duplicate is the refusal, whatever else went wrong */
        const tc_rectype *rt = &tc_rectypes[kc.dup.type];
        int cols[5];
        int nk = tc_rectype_key(rt, cols);
        char names[200] = "";
        for (int i = 0; i < nk; i++)
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                     i ? ", " : "", rt->cols[cols[i]].name);
        rc = tc_fail(e, TC_EINPUT,
                     "duplicate natural key: the %s records at lines %lld and %lld have "
                     "the same (%s)",
                     element_of(kc.dup.type), kc.dup.first, kc.dup.second, names);
        tc_err_at(e, em->source, kc.dup.second, 0);
        tc_err_hint(e, "a record's natural key must be unique in the file; ask the "
                       "county's vendor for a corrected export");
    }
    int renamed = 0;
    char final[NREC][700];
    for (int t = 0; t < NREC && !rc; t++) {
        tc_emit_batch_path(final[t], sizeof(final[t]), em->outdir, em->county,
                           tc_rectypes[t].name);
        if (rename(em->stage[t], final[t]) != 0)
            rc = tc_fail(e, TC_EIO, "cannot rename %s to %s: %s", em->stage[t], final[t],
                         strerror(errno));
        else
            renamed = t + 1;
    }
    if (!rc)
        rc = tc_fsync_parent(final[0], e);
    if (rc)
        for (int t = 0; t < renamed; t++)
            unlink(final[t]);
    else
        memset(em->stage, 0, sizeof(em->stage));
    tc_emit_abort(em);
    return rc;
}

const char *tc_emit_county(const tc_emit *em) { return em->county; }

int tc_emit_commit_county(tc_emit *em, char county[7], tc_err *e)
{
    memcpy(county, em->county, 7);
    int rc = tc_emit_commit(em, e);
    if (rc)
        county[0] = '\0';
    return rc;
}

void tc_emit_abort(tc_emit *em)
{
    if (!em)
        return;
    atomic_store(&em->stop, 1);
    join_hash(em, NULL);
    for (int t = 0; t < NREC; t++) {
        tc_batch_abort(em->w[t]);
        if (em->stage[t][0])
            unlink(em->stage[t]);
    }
    tc_writebehind_abort(em->srcbg);
    tc_digest_free(em->srcdig);
    free_keys(em);
    free(em->kids);
    free(em);
}
