/*
 * retention.c - see retention.h.
 *
 * Everything here is decided from the trail, and the trail is trusted
 * only once it verifies under the city's policy: a county's handover is
 * complete when a "transfer execute" entry names a plan that, still on
 * disk with its recorded digest, moves the county and holds none of its
 * pools; the files of the archive are found by walking the county's
 * folders and reading the trail (the executed plan, the reconciliation it
 * executed from, every output of the reconcile entry that made it); a file
 * may be purged when an archive entry or a step's outputs prove it.
 *
 * Archive members are named by their path from the manifest's folder
 * (work/batches/220113/220113.contribution.tcb, city/sources/220113.xml),
 * or external/ and their absolute path for a file outside it, so
 * `tar -xf` in the manifest's folder puts every file back where run reads
 * it.  The trail's entries name the files as run names them (the work
 * folder as the manifest gives it), and so do purge's checks: run a city's
 * steps, its archive and its purge from one folder (docs/manifest.md).
 */
#include "pipeline/retention.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/audit.h"
#include "core/batch.h"
#include "core/jsonfile.h"
#include "core/perm.h"
#include "core/policy.h"
#include "core/seal.h"
#include "core/sign.h"
#include "core/strlist.h"
#include "core/tar.h"
#include "pipeline/run.h"

#define P TC_MANIFEST_PATH
#define NDIRS 4

/* The county's own work folders: what purge removes. */
static const char *const own_dirs[NDIRS] = {"batches", "city", "corrections", "reports"};

static const char *str(const json_t *j) { return json_is_string(j) ? json_string_value(j) : ""; }

/* ---------------------------------------------------------- path lists */

typedef tc_strlist paths;

/* Every regular file under dir, into files, and every folder (dir itself
 * first, then deeper ones) into dirs when not NULL.  A missing dir adds
 * nothing; anything but files and folders is refused (TC_EINPUT). */
static int walk(const char *dir, paths *files, paths *dirs, tc_err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : tc_fail(e, TC_EIO, "cannot read folder %s: %s", dir,
                                             strerror(errno));
    int rc = dirs ? tc_strlist_add(dirs, dir, 1, e) : 0;
    paths here = {0};
    struct dirent *de;
    while (!rc && (de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            char p[P + 512];
            snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
            rc = tc_strlist_add(&here, p, 1, e);
        }
    closedir(d);
    if (here.n > 1)
        tc_strlist_sort(&here);
    for (int i = 0; !rc && i < here.n; i++) {
        struct stat sb;
        if (lstat(here.v[i], &sb) != 0)
            rc = tc_fail(e, TC_EIO, "cannot read %s: %s", here.v[i], strerror(errno));
        else if (S_ISDIR(sb.st_mode))
            rc = walk(here.v[i], files, dirs, e);
        else if (S_ISREG(sb.st_mode))
            rc = tc_strlist_add(files, here.v[i], 1, e);
        else
            rc = tc_fail(e, TC_EINPUT, "%s is neither a file nor a folder: retention "
                         "handles only those (move it away)", here.v[i]);
    }
    tc_strlist_free(&here);
    return rc;
}

/* The county's files under its own work folders (and those folders). */
static int own_files(const tc_manifest *m, const char *county, paths *files, paths *dirs,
                     tc_err *e)
{
    int rc = 0;
    for (int i = 0; !rc && i < NDIRS; i++) {
        char d[P + 64];
        snprintf(d, sizeof(d), "%s/%s/%s", m->work, own_dirs[i], county);
        rc = walk(d, files, dirs, e);
    }
    return rc;
}

/* The member name of path: from the manifest's folder, else external/ and
 * its absolute path.  -1 when path cannot be resolved. */
static int member_name(const tc_manifest *m, const char *path, char *out, size_t n)
{
    char mp[P], base[PATH_MAX], abs[PATH_MAX];
    snprintf(mp, sizeof(mp), "%s", m->path);
    if (!realpath(dirname(mp), base) || !realpath(path, abs))
        return -1;
    size_t bl = strlen(base);
    if (strcmp(base, "/") != 0 && strncmp(abs, base, bl) == 0 && abs[bl] == '/')
        snprintf(out, n, "%s", abs + bl + 1);
    else
        snprintf(out, n, "external%s", abs);
    return 0;
}

/* Whether the recorded path names the file at path: the same text, or the
 * same file from here. */
static int same_path(const char *recorded, const char *path)
{
    if (strcmp(recorded, path) == 0)
        return 1;
    char a[PATH_MAX], b[PATH_MAX];
    return realpath(recorded, a) && realpath(path, b) && strcmp(a, b) == 0;
}

/* -------------------------------------------------------- the context */

typedef struct ctx {
    const tc_manifest *m;
    const tc_manifest_county *c;
    char trail[P + 16];
    tc_signer *signer;
    tc_policy *policy;
    tc_digest_alg alg;
    json_t *entries;            /* every entry of the trail, in order */
    /* the handover, as the trail records it */
    long long exec_seq;         /* the execute entry */
    char plan[P], plan_digest[TC_DIGEST_TEXT_MAX];
    char recon[P], recon_digest[TC_DIGEST_TEXT_MAX];
} ctx;

static void ctx_free(ctx *x)
{
    if (x->policy)   /* its holders go with it */
        tc_batch_seal_for(TC_SEAL_SM4_CTR_HMAC_SM3, NULL, 0, NULL);
    tc_signer_free(x->signer);
    tc_policy_free(x->policy);
    json_decref(x->entries);
}

static int keep_entry(void *arg, const json_t *en)
{
    return json_array_append(arg, (json_t *)en) ? -1 : 0;
}

/* The county, the maker's key, the policy, and the trail, verified under
 * the policy and read. */
static int ctx_open(ctx *x, const tc_manifest *m, const char *county, const char *doing,
                    tc_err *e)
{
    memset(x, 0, sizeof(*x));
    x->m = m;
    if (!county || !(x->c = tc_manifest_county_find(m, county)))
        return tc_fail(e, TC_EUSAGE, "county %s is not in %s", county ? county : "(none)",
                       m->path);
    if (!m->policy[0]) {
        tc_fail(e, TC_EINPUT, "%s needs the city's key policy, to trust the trail", doing);
        return tc_err_hint(e, "name it in the manifest: [keys] policy = FILE (docs/policy.md)");
    }
    snprintf(x->trail, sizeof(x->trail), "%s/audit.trail", m->work);
    int rc = tc_signer_load(&x->signer, m->maker_key, e);
    if (!rc)
        rc = tc_policy_load(&x->policy, m->policy, e);
    /* a city that seals its batches seals its archives, and opens them
     * with a [data] holder's key */
    if (!rc)
        rc = tc_run_seal_setup(m, x->policy, e);
    if (rc)
        return rc;
    x->alg = tc_signer_alg(x->signer) == TC_SIGN_SM2 ? TC_DIGEST_SM3 : TC_DIGEST_SHA256;
    if (access(x->trail, R_OK) != 0)
        return tc_fail(e, TC_EINPUT, "county %s: no audit trail at %s: nothing of its "
                       "handover is recorded", county, x->trail);
    if ((rc = tc_policy_verify_trail(x->trail, x->policy, e))) {
        tc_err_prefix(e, "%s trusts the trail only when it verifies under the policy: ", doing);
        return rc;
    }
    if (!(x->entries = json_array()))
        return tc_fail(e, TC_ENOMEM, "out of memory");
    return tc_audit_each(x->trail, keep_entry, x->entries, e);
}

/* Whether entry j of a plan (a transfer line, or a pool left out) is the
 * county's: its sub-ledger or its pool. */
static int of_county(const json_t *j, const char *county)
{
    return strcmp(str(json_object_get(j, "county")), county) == 0 ||
           strcmp(str(json_object_get(j, "pool")), county) == 0;
}

/*
 * The county's handover is complete: the last "transfer execute" entry
 * whose plan (on disk with its recorded digest) names the county moves it
 * and holds none of its pools (a pool left out with blocking findings).
 * TC_EINPUT saying which does not hold.
 */
static int handover_complete(ctx *x, tc_err *e)
{
    const char *county = x->c->code;
    int held = 0;
    size_t i;
    json_t *en;
    json_array_foreach(x->entries, i, en) {
        json_t *args = json_object_get(en, "args"), *in = json_object_get(en, "inputs");
        if (strcmp(str(json_object_get(en, "command")), "transfer") != 0 ||
            strcmp(str(json_array_get(args, 0)), "execute") != 0 || json_array_size(in) < 2)
            continue;
        const char *plan = str(json_object_get(json_array_get(in, 0), "file"));
        const char *pd = str(json_object_get(json_array_get(in, 0), "digest"));
        if (!tc_digest_file_is(pd, plan))
            continue;   /* another plan is there now: this one cannot be read */
        json_t *doc;
        tc_err je;
        tc_json_read_file(&doc, plan, TC_JSON_FILE_MAX, 0, &je);   /* NULL: moves nothing */
        int moves = 0, holds = 0;
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(doc, "transfers"), k, t)
            moves |= of_county(t, county);
        json_array_foreach(json_object_get(doc, "excluded"), k, t)
            holds |= of_county(t, county) && !json_object_get(t, "fund") &&
                     json_array_size(json_object_get(t, "findings")) > 0;
        json_decref(doc);
        if (!moves && !holds)
            continue;
        held = holds;
        x->exec_seq = json_integer_value(json_object_get(en, "seq"));
        snprintf(x->plan, sizeof(x->plan), "%s", plan);
        snprintf(x->plan_digest, sizeof(x->plan_digest), "%s", pd);
        snprintf(x->recon, sizeof(x->recon), "%s",
                 str(json_object_get(json_array_get(in, 1), "file")));
        snprintf(x->recon_digest, sizeof(x->recon_digest), "%s",
                 str(json_object_get(json_array_get(in, 1), "digest")));
    }
    if (!x->exec_seq) {
        tc_fail(e, TC_EINPUT, "county %s: its handover is not complete: the trail %s records no "
                "executed transfer of it", county, x->trail);
        return tc_err_hint(e, "approve and execute the plan first (tongchou transfer, "
                              "docs/transfer.md)");
    }
    if (held) {
        tc_fail(e, TC_EINPUT, "county %s: its handover is not complete: the plan %s executed "
                "by entry %lld holds it (blocking findings not waived)", county, x->plan,
                x->exec_seq);
        return tc_err_hint(e, "resolve or waive its blocking findings, then plan and execute "
                              "its transfer (docs/transfer.md)");
    }
    return 0;
}

/* ============================================================ archive */

typedef struct member {
    char *path;
    char name[P + 16];
} member;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const member *)a)->name, ((const member *)b)->name);
}

static void say(const tc_archive_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const tc_archive_opts *o, const char *fmt, ...)
{
    if (!o->say)
        return;
    char b[1500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    o->say(o->arg, b);
}

/* The files the archive holds, into files; the live sources into live. */
static int archive_files(ctx *x, const tc_archive_opts *o, paths *files, paths *live,
                         tc_err *e)
{
    const tc_manifest_county *c = x->c;
    int rc = 0;
    for (int k = 0; !rc && k < c->nsources; k++) {
        if (tc_is_conninfo(c->sources[k])) {
            char shown[P];
            tc_redact_secrets(c->sources[k], shown, sizeof(shown));
            say(o, "county %s: its source %s is a live database: it cannot be archived (the "
                "archive entry records it, without a digest)", c->code, shown);
            rc = tc_strlist_add(live, c->sources[k], 1, e);
            continue;
        }
        struct stat sb;
        if (stat(c->sources[k], &sb) != 0)
            return tc_fail(e, TC_EINPUT, "county %s: its source %s is not there to archive: %s",
                           c->code, c->sources[k], strerror(errno));
        if (!S_ISREG(sb.st_mode))
            return tc_fail(e, TC_EINPUT, "county %s: its source %s is not a file: only files "
                           "are archived", c->code, c->sources[k]);
        rc = tc_strlist_add(files, c->sources[k], 1, e);
    }
    /* its batches and city batches must be there: after a purge there is
     * nothing to archive, and an archive of less must not replace one */
    for (int i = 0; !rc && i < 2; i++) {
        char d[P + 64];
        paths some = {0};
        snprintf(d, sizeof(d), "%s/%s/%s", x->m->work, own_dirs[i], c->code);
        rc = walk(d, &some, NULL, e);
        int none = some.n == 0;
        tc_strlist_free(&some);
        if (!rc && none) {
            tc_fail(e, TC_EINPUT, "county %s: %s holds no file: nothing to archive (purged "
                    "already?)", c->code, d);
            return tc_err_hint(e, "tongchou status shows whether it was purged; its archive "
                                  "is kept under %s/archive", x->m->work);
        }
    }
    if (!rc)
        rc = own_files(x->m, c->code, files, NULL, e);
    /* the executed plan, the reconciliation it executed from, and every
     * output of the reconcile entry that made that reconciliation */
    if (!rc && !tc_digest_file_is(x->recon_digest, x->recon))
        return tc_fail(e, TC_EINPUT, "the reconciliation %s is no longer the one the transfer "
                       "executed from (entry %lld, %s)", x->recon, x->exec_seq, x->recon_digest);
    if (!rc)
        rc = tc_strlist_add(files, x->plan, 1, e);
    if (!rc)
        rc = tc_strlist_add(files, x->recon, 1, e);
    size_t i;
    json_t *en;
    json_t *outputs = NULL;
    json_array_foreach(x->entries, i, en) {
        if (strcmp(str(json_object_get(en, "command")), "reconcile") != 0)
            continue;
        size_t k;
        json_t *f;
        json_array_foreach(json_object_get(en, "outputs"), k, f)
            if (strcmp(str(json_object_get(f, "file")), x->recon) == 0 &&
                strcmp(str(json_object_get(f, "digest")), x->recon_digest) == 0)
                outputs = json_object_get(en, "outputs");
    }
    json_array_foreach(outputs, i, en) {
        const char *f = str(json_object_get(en, "file"));
        if (!rc && access(f, R_OK) == 0)
            rc = tc_strlist_add(files, f, 1, e);
        else if (!rc)
            say(o, "%s, a report of the reconciliation, is not there: not archived", f);
    }
    return rc;
}

/* The cutover date's midnight, UTC: every member's mtime. */
static long long cutover_time(const tc_manifest *m)
{
    struct tm tm = {0};
    if (sscanf(m->cutover, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm);
}

/* Write the members, sorted by name, each folder once before its first
 * member, onto f (the atomic file's stream); *nfiles counts the files. */
static int write_tar(ctx *x, member *mem, int n, FILE *f, int *nfiles, tc_err *e)
{
    tc_tar *t;
    int rc = tc_tar_new(&t, f, cutover_time(x->m), e);
    if (rc)
        return rc;
    paths made = {0};
    for (int i = 0; !rc && i < n; i++) {
        char d[P + 16];
        snprintf(d, sizeof(d), "%s", mem[i].name);
        for (char *s = strchr(d, '/'); !rc && s; s = strchr(s + 1, '/')) {
            *s = '\0';
            if (!tc_strlist_has(&made, d) && !(rc = tc_strlist_add(&made, d, 1, e)))
                rc = tc_tar_add_dir(t, d, e);
            *s = '/';
        }
        if (!rc)
            rc = tc_tar_add_file(t, mem[i].name, mem[i].path, x->alg, NULL, e);
        if (!rc)
            (*nfiles)++;
    }
    tc_strlist_free(&made);
    if (rc) {
        tc_tar_free(t);
        return rc;
    }
    return tc_tar_finish(t, e);
}

/* Refuse an output inside the folders purge removes (before any folder
 * is made for it: the nearest folder above it that exists decides). */
static int out_allowed(const tc_manifest *m, const char *county, const char *out, tc_err *e)
{
    char od[P + 64], real[PATH_MAX], dir[P + 64], rd[PATH_MAX];
    snprintf(od, sizeof(od), "%s", out);
    char *up = dirname(od);
    while (!realpath(up, real)) {
        if (strcmp(up, ".") == 0 || strcmp(up, "/") == 0)
            return 0;
        up = dirname(up);
    }
    for (int i = 0; i < NDIRS; i++) {
        snprintf(dir, sizeof(dir), "%s/%s/%s", m->work, own_dirs[i], county);
        size_t n;
        if (realpath(dir, rd) && strncmp(real, rd, n = strlen(rd)) == 0 &&
            (real[n] == '/' || real[n] == '\0'))
            return tc_fail(e, TC_EUSAGE, "the archive %s would be inside %s, which purge "
                           "removes", out, dir);
    }
    return 0;
}

int tc_archive(const tc_manifest *m, const tc_archive_opts *o, tc_archive_result *r, tc_err *e)
{
    memset(r, 0, sizeof(*r));
    ctx x;
    int rc = ctx_open(&x, m, o->county, "archive", e);
    if (!rc)
        rc = handover_complete(&x, e);
    if (rc) {
        ctx_free(&x);
        return rc;
    }
    const char *county = x.c->code;
    if (o->out)
        snprintf(r->path, sizeof(r->path), "%s", o->out);
    else
        snprintf(r->path, sizeof(r->path), "%s/archive/%s.tar", m->work, county);
    paths files = {0}, live = {0};
    member *mem = NULL;
    tc_atomic *a = NULL;
    rc = archive_files(&x, o, &files, &live, e);
    if (!rc && !(mem = calloc((size_t)files.n + 1, sizeof(*mem))))
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    for (int i = 0; !rc && i < files.n; i++) {
        mem[i].path = files.v[i];
        if (member_name(m, files.v[i], mem[i].name, sizeof(mem[i].name)))
            rc = tc_fail(e, TC_EIO, "cannot resolve %s: %s", files.v[i], strerror(errno));
        for (int k = 0; !rc && k < i; k++)
            if (strcmp(mem[k].name, mem[i].name) == 0)
                rc = tc_fail(e, TC_EINPUT, "%s and %s are one file", mem[k].path, mem[i].path);
    }
    if (rc)
        goto out;
    qsort(mem, (size_t)files.n, sizeof(*mem), by_name);
    char dir[P + 64];
    snprintf(dir, sizeof(dir), "%s", r->path);
    if ((rc = out_allowed(m, county, r->path, e)) ||
        (rc = tc_mkdir_p(dirname(dir), tc_perm_dir(), e)) || (rc = tc_atomic_open(&a, r->path, e)))
        goto out;
    if (tc_batch_sealing()) {
        const tc_seal_holder *const *h;
        size_t nh = tc_policy_holders(x.policy, &h);
        tc_seal_stream *ss = NULL;
        rc = tc_seal_stream_write(&ss, tc_atomic_file(a), tc_policy_cipher(x.policy), h, nh, e);
        if (!rc) {
            rc = write_tar(&x, mem, files.n, tc_seal_stream_file(ss), &r->files, e);
            tc_err se;
            tc_err_clear(&se);
            int src = rc ? (tc_seal_stream_close(ss, &se), rc) : tc_seal_stream_close(ss, e);
            rc = rc ? rc : src;
        }
    } else
        rc = write_tar(&x, mem, files.n, tc_atomic_file(a), &r->files, e);
    if (rc)
        goto out;
    /* an archive already there with other bytes stays: it may be the one
     * an earlier entry recorded, and the only copy of purged files */
    char old[TC_DIGEST_TEXT_MAX];
    tc_err de;
    if ((rc = tc_digest_file(x.alg, tc_atomic_temp_path(a), r->digest, e)))
        goto out;
    if (tc_digest_file(x.alg, r->path, old, &de) == 0 && strcmp(old, r->digest) != 0) {
        rc = tc_fail(e, TC_EINPUT, "%s is there already and holds another archive (%s; this "
                     "one would be %s)", r->path, old, r->digest);
        tc_err_hint(e, "keep it: it may be the only copy of purged files; name another "
                       "with -o FILE");
        goto out;
    }
    struct stat sb;
    if (stat(tc_atomic_temp_path(a), &sb) == 0)
        r->bytes = (long long)sb.st_size;
    rc = tc_atomic_commit(a, e);
    a = NULL;
    if (rc)
        goto out;
    /* the entry: every file archived, the live sources (no digest), the archive */
    const char **in = calloc((size_t)(files.n + live.n) + 1, sizeof(char *));
    if (!in) {
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
        goto out;
    }
    int nin = 0;
    for (int i = 0; i < files.n; i++)
        in[nin++] = mem[i].path;
    for (int i = 0; i < live.n; i++)
        in[nin++] = live.v[i];
    r->live = live.n;
    char rec[160];
    snprintf(rec, sizeof(rec), "{\"county\":\"%s\",\"files\":%d,\"not_archived\":%d}", county,
             r->files, r->live);
    char *argv[] = {"archive", "--county", (char *)county, "-o", r->path, (char *)m->path};
    const char *outs[] = {r->path};
    tc_audit_command cmd = {.trail = x.trail, .signer = x.signer, .role = "maker",
                            .argc = 6, .argv = argv, .inputs = in, .ninputs = (size_t)nin,
                            .outputs = outs, .noutputs = 1, .records = rec};
    rc = tc_policy_in_force(x.policy, x.trail, x.signer, e);
    if (!rc)
        rc = tc_audit_record_command(&cmd, NULL, e);
    free(in);
out:
    tc_atomic_abort(a);
    free(mem);
    tc_strlist_free(&files);
    tc_strlist_free(&live);
    ctx_free(&x);
    return rc;
}

/* ============================================================== purge */

/* An archive, as it is now: its digest, and its members' digests. */
typedef struct arch {
    char path[P];
    char digest[TC_DIGEST_TEXT_MAX];
    int readable;
    json_t *members;            /* name -> digest */
} arch;

typedef struct archs {
    arch *v;
    int n;
} archs;

static int on_member(void *arg, const char *name, char type, long long size, const char *d)
{
    (void)size;
    if (type == '0')
        json_object_set_new(arg, name, json_string(d));
    return 0;
}

/* The archive at path, read once (digested with the recorded digest's
 * algorithm). */
static arch *arch_get(archs *l, const char *path, const char *recorded)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, path) == 0)
            return &l->v[i];
    arch *v = realloc(l->v, (size_t)(l->n + 1) * sizeof(arch));
    if (!v)
        return NULL;
    l->v = v;
    arch *a = &l->v[l->n++];
    memset(a, 0, sizeof(*a));
    snprintf(a->path, sizeof(a->path), "%s", path);
    a->members = json_object();
    tc_digest_alg alg = strncmp(recorded, "sm3:", 4) == 0 ? TC_DIGEST_SM3 : TC_DIGEST_SHA256;
    tc_err e;
    a->readable = tc_digest_file(alg, path, a->digest, &e) == 0 &&
                  tc_tar_each(path, tc_batch_data_key(), alg, on_member, a->members, &e) == 0;
    return a;
}

static void archs_free(archs *l)
{
    for (int i = 0; i < l->n; i++)
        json_decref(l->v[i].members);
    free(l->v);
}

/*
 * Why the file at path, with digest d now, may go, into why: 2 archived,
 * 1 superseded; or why not, returning 0.
 */
static int proven(ctx *x, archs *al, const char *path, const char *d, char *why, size_t n)
{
    const tc_manifest *m = x->m;
    char name[P + 16];
    if (member_name(m, path, name, sizeof(name)))
        name[0] = '\0';
    snprintf(why, n, "no archive entry of the trail lists it");
    /* archived: the newest archive entry that proves it */
    for (size_t i = json_array_size(x->entries); i-- > 0;) {
        json_t *en = json_array_get(x->entries, i);
        if (strcmp(str(json_object_get(en, "command")), "archive") != 0)
            continue;
        long long seq = json_integer_value(json_object_get(en, "seq"));
        json_t *out = json_array_get(json_object_get(en, "outputs"), 0);
        const char *ap = str(json_object_get(out, "file")), *ad = str(json_object_get(out, "digest"));
        size_t k;
        json_t *f;
        const char *listed = NULL;
        json_array_foreach(json_object_get(en, "inputs"), k, f)
            if (same_path(str(json_object_get(f, "file")), path))
                listed = str(json_object_get(f, "digest"));
        if (!listed)
            continue;
        if (strcmp(listed, d) != 0) {
            snprintf(why, n, "changed since it was archived (entry %lld recorded %s, it is now "
                     "%s)", seq, listed, d);
            continue;
        }
        arch *a = arch_get(al, ap, ad);
        if (!a) {
            snprintf(why, n, "out of memory");
            return 0;
        }
        if (!a->digest[0]) {
            snprintf(why, n, "its archive %s (entry %lld) is not there", ap, seq);
            continue;
        }
        if (strcmp(a->digest, ad) != 0) {
            snprintf(why, n, "its archive %s is no longer the one entry %lld recorded (%s, "
                     "now %s)", ap, seq, ad, a->digest);
            continue;
        }
        const char *md = str(json_object_get(a->members, name));
        if (!a->readable || strcmp(md, d) != 0) {
            snprintf(why, n, "its archive %s (entry %lld) does not hold these bytes as %s", ap,
                     seq, name);
            continue;
        }
        snprintf(why, n, "archived in %s (entry %lld)", ap, seq);
        return 2;
    }
    /* superseded: these bytes were a step's output under this name, and a
     * later step wrote other bytes there */
    long long had = 0, after = 0;
    size_t i;
    json_t *en;
    json_array_foreach(x->entries, i, en) {
        long long seq = json_integer_value(json_object_get(en, "seq"));
        size_t k;
        json_t *f;
        json_array_foreach(json_object_get(en, "outputs"), k, f) {
            if (!same_path(str(json_object_get(f, "file")), path))
                continue;
            if (strcmp(str(json_object_get(f, "digest")), d) == 0)
                had = seq, after = 0;
            else if (had)
                after = seq;
        }
    }
    if (had && after) {
        snprintf(why, n, "superseded (written by entry %lld, replaced by entry %lld)", had, after);
        return 1;
    }
    return 0;
}

/* The last purge entry of the county, or 0. */
static long long last_purge(const ctx *x)
{
    long long seq = 0;
    size_t i;
    json_t *en;
    json_array_foreach(x->entries, i, en)
        if (strcmp(str(json_object_get(en, "command")), "purge") == 0 &&
            strcmp(str(json_object_get(json_object_get(en, "records"), "county")), x->c->code) == 0)
            seq = json_integer_value(json_object_get(en, "seq"));
    return seq;
}

/* Remove the files, then the folders left empty (deepest first), syncing
 * each folder an entry left, so the removals are durable. */
static int remove_all(const paths *files, const paths *dirs, int *folders, tc_err *e)
{
    int rc = 0;
    tc_err fe;
    for (int i = 0; i < files->n; i++) {
        if (unlink(files->v[i]) != 0 && errno != ENOENT && !rc)
            rc = tc_fail(e, TC_EIO, "cannot remove %s: %s", files->v[i], strerror(errno));
        /* files are listed folder by folder: sync a folder after its last */
        char a[P + 512], b[P + 512];
        snprintf(a, sizeof(a), "%s", files->v[i]);
        snprintf(b, sizeof(b), "%s", i + 1 < files->n ? files->v[i + 1] : "");
        if (strcmp(dirname(a), i + 1 < files->n ? dirname(b) : "") != 0 &&
            tc_fsync_parent(files->v[i], &fe) != 0 && !rc)
            rc = tc_fail(e, TC_EIO, "%s", fe.msg);
    }
    /* dirs lists each folder before those inside it: backwards, the
     * deepest go first */
    for (int i = dirs->n; !rc && i-- > 0;) {
        if (rmdir(dirs->v[i]) == 0)
            (*folders)++;
        else if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT)
            rc = tc_fail(e, TC_EIO, "cannot remove the folder %s: %s", dirs->v[i],
                         strerror(errno));
        if (!rc && tc_fsync_parent(dirs->v[i], &fe) != 0)
            rc = tc_fail(e, TC_EIO, "%s", fe.msg);
    }
    return rc;
}

int tc_purge(const tc_manifest *m, const tc_purge_opts *o, tc_purge_result *r, tc_err *e)
{
    memset(r, 0, sizeof(*r));
    ctx x;
    int rc = ctx_open(&x, m, o->county, "purge", e);
    if (!rc)
        rc = handover_complete(&x, e);
    paths files = {0}, dirs = {0};
    char (*dig)[TC_DIGEST_TEXT_MAX] = NULL;
    if (!rc)
        rc = own_files(m, x.c->code, &files, &dirs, e);
    if (rc)
        goto out;
    if (files.n == 0) {
        r->already = last_purge(&x);
        goto out;
    }
    if (!(dig = calloc((size_t)files.n, sizeof(*dig)))) {
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
        goto out;
    }
    /* every file proven, or none goes: each refusal reported */
    archs al = {0};
    int refused = 0;
    char why[P + 400], first[P + 600] = "";
    for (int i = 0; i < files.n; i++) {
        if ((rc = tc_digest_file(x.alg, files.v[i], dig[i], e)))
            break;
        int p = proven(&x, &al, files.v[i], dig[i], why, sizeof(why));
        if (!p) {
            if (!refused++)
                snprintf(first, sizeof(first), "%s: %s", files.v[i], why);
            if (o->refused)
                o->refused(o->arg, files.v[i], why);
            continue;
        }
        r->archived += p == 2;
        r->superseded += p == 1;
        if (o->each && o->dry_run)
            o->each(o->arg, files.v[i], dig[i], why);
    }
    archs_free(&al);
    if (!rc && refused) {
        rc = tc_fail(e, TC_EINPUT, "county %s: %d of its %d work files %s neither archived nor "
                     "superseded, so nothing is purged; %s", x.c->code, refused, files.n,
                     refused == 1 ? "is" : "are", first);
        tc_err_hint(e, "archive the county again (tongchou archive), or put the file back as "
                       "it was archived");
    }
    if (rc)
        goto out;
    r->files = files.n;
    if (o->dry_run)
        goto out;
    /* the entry first: the trail proves what the files were before they go */
    char rec[200];
    snprintf(rec, sizeof(rec), "{\"archived\":%d,\"county\":\"%s\",\"files\":%d,"
             "\"superseded\":%d}", r->archived, x.c->code, files.n, r->superseded);
    char *argv[] = {"purge", "--county", (char *)x.c->code, (char *)m->path};
    tc_audit_command cmd = {.trail = x.trail, .signer = x.signer, .role = "maker",
                            .argc = 4, .argv = argv,
                            .inputs = (const char *const *)files.v,
                            .ninputs = (size_t)files.n, .records = rec};
    rc = tc_policy_in_force(x.policy, x.trail, x.signer, e);
    if (!rc)
        rc = tc_audit_record_command(&cmd, NULL, e);
    if (!rc && o->each)
        for (int i = 0; i < files.n; i++)
            o->each(o->arg, files.v[i], dig[i], "removed");
    if (!rc)
        rc = remove_all(&files, &dirs, &r->folders, e);
out:
    free(dig);
    tc_strlist_free(&files);
    tc_strlist_free(&dirs);
    ctx_free(&x);
    return rc;
}
