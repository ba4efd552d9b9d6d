/*
 * run.c - see run.h.
 *
 * Counties run in child processes (fork), at most `jobs` at a time: the
 * readers keep per-process state (libxml2's error hooks), and a county
 * that crashes takes nothing else down.  Each child extracts and maps one
 * county and exits with that county's exit code; the parent waits, then
 * reconciles and loads for the whole city.  The audit trail takes its own
 * lock, so children append to it safely.
 */
#include "pipeline/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/perm.h"
#include "core/audit.h"
#include "core/batch.h"
#include "core/digest.h"
#include "core/jsonfile.h"
#include "core/money.h"
#include "core/policy.h"
#include "core/seal.h"
#include "core/sign.h"
#include "core/strlist.h"
#include "extract/extract.h"
#include "load/load.h"
#include "load/mirror.h"
#include "pipeline/correct.h"
#include "db/pgserver.h"
#include "db/schema.h"
#include "transfer/transfer.h"
#include "mappings/mapset.h"
#include "reconcile/reconcile.h"
#include "transform/map.h"

#define P TC_MANIFEST_PATH

typedef struct run {
    const tc_manifest *m;
    const tc_run_opts *o;
    tc_run_progress progress;
    void *arg;
    tc_run_result *r;
    tc_signer *signer;
    const tc_mapset *maps;      /* the mapping set, loaded once for every step */
    tc_mapset *owned_maps;      /* ... when this run loaded it */
    tc_policy *policy;          /* the city's key policy, NULL when none is named */
    tc_digest_alg alg;
    char trail[P];
    pid_t starter;              /* starting the embedded server meanwhile, or 0 */
    int starter_fd;             /* ... its error comes down this pipe */
    int starter_status;         /* ... its wait status, once reaped */
} run;

static void say(run *R, const char *county, const char *stage, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void say(run *R, const char *county, const char *stage, const char *fmt, ...)
{
    if (!R->progress)
        return;
    char what[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    R->progress(R->arg, county, stage, what);
}

/* ---------------------------------------------------------------- files */

static int mkdirs(const char *path, tc_err *e)
{
    return tc_mkdir_p(path, tc_perm_dir(), e);
}

/* A list of paths, kept sorted so every run names them in one order. */
typedef tc_strlist paths;

/* The batches in dir (rejects: only reject batches; else none of them). */
static int list_batches(const char *dir, int rejects, paths *out, tc_err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : tc_fail(e, TC_EIO, "cannot read folder %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.' || n < 5 || strcmp(de->d_name + n - 4, ".tcb") != 0)
            continue;
        int is_rej = n > 12 && strcmp(de->d_name + n - 12, ".rejects.tcb") == 0;
        if (is_rej != rejects)
            continue;
        char p[P + 300];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (tc_strlist_add(out, p, 0, NULL)) {
            closedir(d);
            return tc_fail(e, TC_ENOMEM, "out of memory");
        }
    }
    closedir(d);
    if (out->n > 1)
        tc_strlist_sort(out);
    return 0;
}

/* Remove the batches a step is about to write again, and what a killed
 * earlier attempt left half-written (hidden staging files). */
static void clear_batches(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.' && n > 5 && strcmp(de->d_name + n - 4, ".tcb") == 0) {
            char p[P + 300];
            snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
            unlink(p);
        }
    }
    if (d)
        closedir(d);
    paths a = {0}, b = {0};
    list_batches(dir, 0, &a, NULL);
    list_batches(dir, 1, &b, NULL);
    for (int i = 0; i < a.n; i++)
        unlink(a.v[i]);
    for (int i = 0; i < b.n; i++)
        unlink(b.v[i]);
    tc_strlist_free(&a);
    tc_strlist_free(&b);
}

/* ------------------------------------------------------- the audit trail */

/* The digest of a file the way the trail records it; "" when unreadable. */
static void digest_of(run *R, const char *path, char *text)
{
    tc_err e;
    if (tc_digest_file(R->alg, path, text, &e) != 0)
        text[0] = '\0';
}

/* A part handover as reconcile's options: the manifest's funds handed
 * over ("COUNTY=FUND,..." for --funds) and funds' own cutovers
 * ("COUNTY:FUND=DATE" for --cutover), each in the manifest's order. */
typedef struct handover {
    paths funds, cutovers;
} handover;

static void handover_free(handover *h)
{
    tc_strlist_free(&h->funds);
    tc_strlist_free(&h->cutovers);
}

/* Whether the entry's arguments after each opt are exactly want, in order. */
static int same_opts(const json_t *en, const char *opt, const paths *want)
{
    json_t *args = json_object_get(en, "args");
    int k = 0;
    for (size_t i = 0; i + 1 < json_array_size(args); i++) {
        const char *a = json_string_value(json_array_get(args, i));
        if (!a || strcmp(a, opt) != 0)
            continue;
        const char *v = json_string_value(json_array_get(args, ++i));
        if (k >= want->n || !v || strcmp(v, want->v[k]) != 0)
            return 0;
        k++;
    }
    return k == want->n;
}

/* Whether the entry was made with exactly the part handover h (NULL: none). */
static int same_handover(const json_t *en, const handover *h)
{
    static const handover none = {{0}, {0}};
    if (!h)
        h = &none;
    return same_opts(en, "--funds", &h->funds) && same_opts(en, "--cutover", &h->cutovers);
}

/*
 * Whether the trail records `command` with exactly these inputs (paths and
 * digests, in order), part handover (h, may be NULL) and, for map and
 * reconcile, the mapping set in use, and every output of that entry is on
 * disk with its recorded digest.  The last such entry counts.
 */
static int step_done_as(run *R, const char *command, const paths *in, const handover *h)
{
    FILE *f = fopen(R->trail, "r");
    if (!f)
        return 0;
    char(*dig)[TC_DIGEST_TEXT_MAX] = calloc((size_t)in->n + 1, sizeof(*dig));
    if (!dig) {
        fclose(f);
        return 0;
    }
    for (int i = 0; i < in->n; i++)
        digest_of(R, in->v[i], dig[i]);
    json_t *match = NULL;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        const char *cmd = json_string_value(json_object_get(j, "command"));
        json_t *ins = json_object_get(j, "inputs");
        int same = cmd && strcmp(cmd, command) == 0 && json_array_size(ins) == (size_t)in->n &&
                   same_handover(j, h);
        /* map and reconcile read the mapping set too: another set (a rule
         * fixed, pools merged) does them again */
        const char *md = json_string_value(json_object_get(j, "mappings"));
        if (same && R->maps && (strcmp(command, "map") == 0 || strcmp(command, "reconcile") == 0))
            same = md && strcmp(md, tc_mapset_digest(R->maps)) == 0;
        for (int i = 0; same && i < in->n; i++) {
            json_t *x = json_array_get(ins, (size_t)i);
            const char *file = json_string_value(json_object_get(x, "file"));
            const char *d = json_string_value(json_object_get(x, "digest"));
            same = file && d && strcmp(file, in->v[i]) == 0 && strcmp(d, dig[i]) == 0;
        }
        if (same) {
            json_decref(match);
            match = j;
        } else {
            json_decref(j);
        }
    }
    free(line);
    fclose(f);
    free(dig);
    int ok = match != NULL;
    json_t *outs = json_object_get(match, "outputs");
    for (size_t i = 0; ok && i < json_array_size(outs); i++) {
        json_t *x = json_array_get(outs, i);
        const char *file = json_string_value(json_object_get(x, "file"));
        const char *d = json_string_value(json_object_get(x, "digest"));
        char now[TC_DIGEST_TEXT_MAX];
        if (file)
            digest_of(R, file, now);
        ok = file && d && strcmp(now, d) == 0;
    }
    json_decref(match);
    return ok;
}

static int step_done(run *R, const char *command, const paths *in)
{
    return step_done_as(R, command, in, NULL);
}

static int record(run *R, int argc, char **argv, const paths *in, const paths *out,
                  const char *records, tc_err *e)
{
    tc_audit_command c = {.trail = R->trail,
                          .signer = R->signer,
                          .role = "maker",   /* run signs with the manifest's maker key */
                          .argc = argc,
                          .argv = argv,
                          .inputs = (const char *const *)in->v,
                          .ninputs = (size_t)in->n,
                          .outputs = (const char *const *)out->v,
                          .noutputs = (size_t)out->n,
                          .mappings = R->maps ? tc_mapset_digest(R->maps) : NULL,
                          .records = records};
    return tc_audit_record_command(&c, NULL, e);
}

/* The entry of `tongchou COMMAND -m MAPPINGS -o OUTDIR [--funds SPEC]...
 * [--cutover SPEC]... INPUT...`, the command line that would redo the step
 * (audit verify --rerun runs it). */
static int record_cmd(run *R, const char *command, const char *outdir, const handover *h,
                      const paths *in, const paths *out, const char *records, tc_err *e)
{
    int nf = h ? h->funds.n : 0, nc = h ? h->cutovers.n : 0;
    char **argv = calloc((size_t)(in->n + 2 * (nf + nc)) + 5, sizeof(char *));
    if (!argv)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int k = 0;
    argv[k++] = (char *)command;
    argv[k++] = "-m";
    argv[k++] = (char *)R->m->mappings;
    argv[k++] = "-o";
    argv[k++] = (char *)outdir;
    for (int i = 0; i < nf; i++) {
        argv[k++] = "--funds";
        argv[k++] = h->funds.v[i];
    }
    for (int i = 0; i < nc; i++) {
        argv[k++] = "--cutover";
        argv[k++] = h->cutovers.v[i];
    }
    for (int i = 0; i < in->n; i++)
        argv[k++] = in->v[i];
    int rc = record(R, k, argv, in, out, records, e);
    free(argv);
    return rc;
}

/* ------------------------------------------------------------ a county */

static int county_dirs(run *R, const tc_manifest_county *c, char *bdir, char *cdir)
{
    snprintf(bdir, P, "%s/batches/%s", R->m->work, c->code);
    snprintf(cdir, P, "%s/city/%s", R->m->work, c->code);
    return 0;
}

typedef struct extract_progress {
    run *R;
    const tc_manifest_county *c;
    const paths *in;
} extract_progress;

static void on_source(void *arg, int i, int rc)
{
    extract_progress *p = arg;
    say(p->R, p->c->code, "extract", "%d%%: %s", (i + 1) * 100 / p->in->n,
        rc ? "failed" : p->in->v[i]);
}

/* A corrected export not yet accepted: staged with its difference, the
 * operator told, and the county stopped (TC_EINPUT). */
static int stop_at_correction(run *R, const tc_manifest_county *c, const tc_correction *x,
                              tc_err *e)
{
    char dir[P + 40], cdir[P], bdir[P], *summary = NULL;
    county_dirs(R, c, bdir, cdir);
    snprintf(dir, sizeof(dir), "%s/corrections/%s", R->m->work, c->code);
    if (R->o->dry_run) {
        say(R, c->code, "extract", "to do: %s changed since it was extracted (a corrected "
            "export): its difference, then a stop until it is accepted", x->source);
        return 0;
    }
    say(R, c->code, "correct", "%s changed since it was extracted: extracting and mapping it "
        "aside to show the difference", x->source);
    int rc = tc_correct_stage(c, R->maps, R->alg, cdir, dir, &summary, e);
    if (rc)
        return rc;
    for (char *l = summary, *nl; l && *l; l = nl) {
        nl = strchr(l, '\n');
        if (nl)
            *nl++ = '\0';
        say(R, c->code, "correct", "%s", l);
        if (!nl)
            break;
    }
    free(summary);
    tc_fail(e, TC_EINPUT, "county %s sent a corrected export (%s, now %s): nothing of it is "
            "redone until the correction is accepted; its difference is in %s/diff.html",
            c->code, x->source, x->now, dir);
    return tc_err_hint(e, "check the difference with the county, then accept it: tongchou run "
                          "--accept %s --reason TEXT %s", c->code, R->m->path);
}

static int step_extract(run *R, const tc_manifest_county *c, const char *bdir, tc_err *e)
{
    paths in = {0}, out = {0};
    for (int i = 0; i < c->nsources; i++)
        if (tc_strlist_add(&in, c->sources[i], 0, NULL))
            return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = 0;
    if (step_done(R, "extract", &in)) {
        say(R, c->code, "extract", "up to date (skipped)");
        R->r->steps_skipped++;
        goto done;
    }
    tc_correction x;
    if ((rc = tc_correct_find(R->trail, R->policy, R->alg, c, bdir, TC_CORRECT_CHANGED, &x, e)))
        goto done;
    if (x.changed && !x.accepted) {
        rc = stop_at_correction(R, c, &x, e);
        goto done;
    }
    if (R->o->dry_run) {
        say(R, c->code, "extract", "to do: %d source(s) into %s", in.n, bdir);
        goto done;
    }
    say(R, c->code, "extract", "0%%: reading %d source(s)", in.n);
    if ((rc = mkdirs(bdir, e)))
        goto done;
    clear_batches(bdir);
    long long records = 0;
    char exported[7] = "";
    tc_extract_opts eo = {.outdir = bdir, .profile = c->profile[0] ? c->profile : NULL};
    extract_progress ep = {R, c, &in};
    rc = tc_extract_sources((const char *const *)in.v, in.n, &eo, on_source, &ep, &records,
                            exported, e);
    if (!rc && (rc = list_batches(bdir, 0, &out, e)) == 0) {
        char *argv[4 + TC_MANIFEST_MAX_SOURCES] = {"extract", "-o", (char *)bdir};
        for (int i = 0; i < in.n; i++)
            argv[3 + i] = in.v[i];
        char rec[128];
        snprintf(rec, sizeof(rec), "{\"county\":\"%s\",\"records\":%lld}", exported, records);
        rc = record(R, 3 + in.n, argv, &in, &out, rec, e);
    }
    if (!rc) {
        R->r->steps_done++;
        say(R, c->code, "extract", "100%%: %lld records, %d batches (county %s)", records, out.n,
            exported);
    }
done:
    tc_strlist_free(&in);
    tc_strlist_free(&out);
    return rc;
}

static void on_group(void *arg, const tc_map_group *g)
{
    long long *rej = arg;
    *rej += g->rejected;
}

static int step_map(run *R, const tc_manifest_county *c, const char *bdir, const char *cdir,
                    tc_err *e)
{
    paths in = {0}, out = {0};
    int rc = list_batches(bdir, 0, &in, e);
    if (rc)
        return rc;
    if (R->o->dry_run && !in.n) {
        say(R, c->code, "map", "to do: the county's batches into %s", cdir);
        goto done;
    }
    if (step_done(R, "map", &in)) {
        say(R, c->code, "map", "up to date (skipped)");
        R->r->steps_skipped++;
        goto done;
    }
    if (R->o->dry_run) {
        say(R, c->code, "map", "to do: %d batches into %s", in.n, cdir);
        goto done;
    }
    say(R, c->code, "map", "0%%: %d batches", in.n);
    if ((rc = mkdirs(cdir, e)))
        goto done;
    clear_batches(cdir);
    long long rejected = 0, rej2 = 0;
    rc = tc_map_run(R->maps, (const char *const *)in.v, in.n, cdir, on_group, &rej2, &rejected, e);
    if (!rc)
        rc = list_batches(cdir, 0, &out, e);
    if (!rc)
        rc = list_batches(cdir, 1, &out, e);
    if (!rc) {
        char rec[96];
        snprintf(rec, sizeof(rec), "{\"rejected\":%lld}", rejected);
        rc = record_cmd(R, "map", cdir, NULL, &in, &out, rec, e);
    }
    if (!rc) {
        R->r->steps_done++;
        say(R, c->code, "map", "100%%: %d city batches%s", out.n,
            rejected ? ", with rejects: see the .rejects.tcb files" : "");
        if (rejected)
            rc = 1;   /* done, with something to look at */
    }
done:
    tc_strlist_free(&in);
    tc_strlist_free(&out);
    return rc;
}

/* One county in a child process: its exit status is the exit code. */
static int county_job(run *R, const tc_manifest_county *c)
{
    char bdir[P], cdir[P];
    county_dirs(R, c, bdir, cdir);
    tc_err e;
    tc_err_clear(&e);
    int rc = step_extract(R, c, bdir, &e);
    if (!rc)
        rc = step_map(R, c, bdir, cdir, &e);
    if (rc < 0) {
        char b[2048];
        say(R, c->code, "failed", "%s", tc_err_format(&e, b, sizeof(b)));
        return tc_exit_code(rc);
    }
    return rc == 1 ? TC_EXIT_FINDINGS : 0;
}

/* ------------------------------------------------------------- the city */

static void wrote(void *arg, const char *path)
{
    paths *out = arg;
    tc_strlist_add(out, path, 0, NULL);
}

static int city_batches(run *R, paths *out, tc_err *e)
{
    for (int i = 0; i < R->m->ncounties; i++) {
        const tc_manifest_county *c = &R->m->counties[i];
        if (R->o->county && strcmp(R->o->county, c->code) != 0)
            continue;
        char bdir[P], cdir[P];
        county_dirs(R, c, bdir, cdir);
        int rc = list_batches(cdir, 0, out, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* The part handovers the manifest names, as reconcile's options. */
static int manifest_handover(const tc_manifest *m, handover *h, tc_err *e)
{
    memset(h, 0, sizeof(*h));
    for (int i = 0; i < m->ncounties; i++) {
        const tc_manifest_county *c = &m->counties[i];
        char spec[300];
        if (c->funds[0]) {
            snprintf(spec, sizeof(spec), "%s=%s", c->code, c->funds);
            if (tc_strlist_add(&h->funds, spec, 0, NULL))
                goto oom;
        }
        for (int k = 0; k < c->ncutovers; k++) {
            snprintf(spec, sizeof(spec), "%s:%s=%s", c->code, c->cutovers[k].fund,
                     c->cutovers[k].date);
            if (tc_strlist_add(&h->cutovers, spec, 0, NULL))
                goto oom;
        }
    }
    return 0;
oom:
    handover_free(h);
    return tc_fail(e, TC_ENOMEM, "out of memory");
}

static int step_reconcile(run *R, const paths *in, tc_err *e)
{
    const char *who = R->o->county ? R->o->county : "city";
    if (R->o->county)
        snprintf(R->r->reports, sizeof(R->r->reports), "%s/reports/%s", R->m->work, R->o->county);
    else
        snprintf(R->r->reports, sizeof(R->r->reports), "%s/reports", R->m->work);
    handover h;
    int rc = manifest_handover(R->m, &h, e);
    if (rc)
        return rc;
    if (step_done_as(R, "reconcile", in, &h)) {
        handover_free(&h);
        say(R, who, "reconcile", "up to date (skipped)");
        R->r->steps_skipped++;
        /* the findings stand as recorded: read the status back */
        char p[P + 40];
        snprintf(p, sizeof(p), "%s/reconciliation.json", R->r->reports);
        json_t *j;
        tc_err je;
        tc_json_read_file(&j, p, TC_JSON_FILE_MAX, 0, &je);   /* NULL: not findings */
        const char *st = json_string_value(json_object_get(j, "status"));
        R->r->findings = st && strcmp(st, "clean") != 0;
        json_decref(j);
        return 0;
    }
    if (R->o->dry_run) {
        say(R, who, "reconcile", "to do: %d city batches into %s", in->n, R->r->reports);
        handover_free(&h);
        return 0;
    }
    rc = mkdirs(R->r->reports, e);
    if (rc) {
        handover_free(&h);
        return rc;
    }
    say(R, who, "reconcile", "0%%: %d city batches", in->n);
    paths out = {0};
    int status = 0;
    tc_reconcile_opts o = {(const char *const *)h.funds.v, h.funds.n,
                           (const char *const *)h.cutovers.v, h.cutovers.n};
    rc = tc_reconcile_run(R->maps, (const char *const *)in->v, in->n, &o, R->r->reports, wrote,
                          &out, &status, e);
    if (!rc) {
        if (out.n > 1)
            tc_strlist_sort(&out);
        rc = record_cmd(R, "reconcile", R->r->reports, &h, in, &out, NULL, e);
    }
    handover_free(&h);
    if (!rc) {
        R->r->steps_done++;
        R->r->findings |= status != 0;
        say(R, who, "reconcile", "100%%: %s", status ? "findings: see the report" : "clean");
    }
    tc_strlist_free(&out);
    return rc;
}

/* The database the run names (--db, the manifest, DATABASE_URL, libpq's
 * PG* variables: "" for those), or NULL for the embedded server. */
static const char *named_db(const run *R)
{
    const char *db = R->o->db && R->o->db[0] ? R->o->db
                     : R->m->database[0]    ? R->m->database
                                            : getenv("DATABASE_URL");
    if ((!db || !db[0]) && (getenv("PGHOST") || getenv("PGDATABASE") || getenv("PGSERVICE")))
        db = "";   /* libpq's own defaults: PG* */
    return db;
}

/*
 * The embedded server takes seconds to start the first time (initdb), and
 * the counties' extraction does not need it: a child process starts it
 * while they run, and open_db() finds it running.  The child only starts
 * the server and creates the database, then exits, leaving the server to
 * open_db() as `tongchou db start` would; its error, if any, comes back
 * whole through a pipe.  run_counties() may reap it among the counties.
 */
static void start_db_early(run *R)
{
    int fd[2];
    if (R->o->dry_run || named_db(R) || pipe2(fd, O_CLOEXEC) != 0)
        return;   /* open_db() starts it, or says why it cannot */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        char dir[P];
        snprintf(dir, sizeof(dir), "%s/db", R->m->work);
        tc_err e;
        tc_err_clear(&e);
        tc_pgserver *srv;
        int rc = tc_pgserver_start(&srv, dir, 0, &e);
        if (!rc) {
            tc_err ce;
            tc_pgserver_createdb(srv, "tongchou", "UTF8", &ce);   /* there already, on a re-run */
            tc_pgserver_detach(srv);
        }
        ssize_t w = write(fd[1], &e, sizeof(e));
        _exit(rc && w == (ssize_t)sizeof(e) ? 1 : rc ? 2 : 0);
    }
    close(fd[1]);
    if (pid < 0) {
        close(fd[0]);
        return;
    }
    R->starter = pid;
    R->starter_fd = fd[0];
    R->starter_status = -1;
}

/* Wait for the starter, if any: 0, or its error in e. */
static int join_db_early(run *R, tc_err *e)
{
    if (!R->starter)
        return 0;
    int st = R->starter_status;
    while (st == -1 && waitpid(R->starter, &st, 0) < 0 && errno == EINTR)
        ;
    tc_err ce;
    ssize_t got = read(R->starter_fd, &ce, sizeof(ce));
    close(R->starter_fd);
    R->starter = 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 1 && got == (ssize_t)sizeof(ce)) {
        *e = ce;
        return e->code;
    }
    return tc_fail(e, TC_EIO, "the process starting the embedded server in %s/db failed "
                   "(wait status %d)", R->m->work, st);
}

/* The database: named, or the embedded server under WORK/db. */
static int open_db(run *R, tc_pgserver **srv, char *conninfo, size_t n, tc_err *e)
{
    const char *db = named_db(R);
    if (db) {
        snprintf(conninfo, n, "%s", db);
        tc_redact_secrets(db, R->r->db, sizeof(R->r->db));
        return 0;
    }
    char dir[P];
    snprintf(dir, sizeof(dir), "%s/db", R->m->work);
    if (R->o->dry_run) {
        say(R, "city", "database", "to do: start the embedded server in %s", dir);
        return 1;
    }
    int rc = join_db_early(R, e);
    if (!rc)
        rc = tc_pgserver_start(srv, dir, 0, e);
    if (rc)
        return rc;
    tc_err ce;
    tc_pgserver_createdb(*srv, "tongchou", "UTF8", &ce);   /* there already, on a re-run */
    snprintf(conninfo, n, "%s", tc_pgserver_conninfo(*srv, "tongchou"));
    snprintf(R->r->db, sizeof(R->r->db), "%s", conninfo);
    snprintf(R->r->db_dir, sizeof(R->r->db_dir), "%s", dir);
    snprintf(R->r->socket_dir, sizeof(R->r->socket_dir), "%s", tc_pgserver_socket_dir(*srv));
    R->r->port = tc_pgserver_port(*srv);
    R->r->embedded = 1;
    say(R, "city", "database", "embedded PostgreSQL in %s (socket %s, port %d)", dir,
        R->r->socket_dir, R->r->port);
    return 0;
}

/* Load paths (replacing what differs when replace: the batches of a
 * county whose corrected export was accepted) and record the entry, the
 * command line that would do it again; st adds up. */
/* What load did with a corrected county's batch: kept, its money having
 * moved, is told. */
static void on_loaded(void *arg, const tc_load_result *res)
{
    run *R = arg;
    if (res->outcome == TC_LOAD_KEPT) {
        char b[1024];
        say(R, res->county, "load", "kept %s: %s", res->type, tc_err_format(&res->err, b,
                                                                          sizeof(b)));
    }
}

static int load_recorded(run *R, const paths *all, int replace, const char *db,
                         tc_load_stats *st, tc_err *e)
{
    tc_load_opts lo = {.db = db, .replace = replace, .on_result = on_loaded, .arg = R};
    tc_load_stats s = {0};
    int rc = tc_load_run(&lo, (const char *const *)all->v, all->n, &s, e);
    st->loaded += s.loaded;
    st->replaced += s.replaced;
    st->skipped += s.skipped;
    st->failed += s.failed;
    st->kept += s.kept;
    if (rc)
        return rc;
    char rec[160];
    snprintf(rec, sizeof(rec), "{\"loaded\":%d,\"replaced\":%d,\"skipped\":%d,\"failed\":%d}",
             s.loaded, s.replaced, s.skipped, s.failed);
    paths none = {0};
    char **argv = calloc((size_t)all->n + 2, sizeof(char *));
    if (!argv)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int k = 0;
    argv[k++] = "load";
    if (replace)
        argv[k++] = "--replace";
    for (int i = 0; i < all->n; i++)
        argv[k++] = all->v[i];
    rc = record(R, k, argv, all, &none, rec, e);
    free(argv);
    return rc;
}

static int step_load(run *R, const paths *in, const char *db, tc_err *e)
{
    const char *who = R->o->county ? R->o->county : "city";
    int from = 0, to = 0;
    int rc = tc_schema_install(db, 1, &from, &to, e);
    if (rc)
        return rc;
    /* the batches of counties whose corrected export was accepted replace
     * what is loaded; then the others, and the reconciliation's results */
    paths corrected = {0}, all = {0};
    for (int i = 0; i < R->m->ncounties && !rc; i++) {
        const tc_manifest_county *c = &R->m->counties[i];
        char bdir[P], cdir[P];
        county_dirs(R, c, bdir, cdir);
        tc_correction x;
        if ((rc = tc_correct_find(R->trail, R->policy, R->alg, c, bdir, 0, &x, e)))
            break;
        size_t cl = strlen(cdir);
        for (int k = 0; k < in->n; k++)
            if (strncmp(in->v[k], cdir, cl) == 0 && in->v[k][cl] == '/')
                tc_strlist_add(x.accepted ? &corrected : &all, in->v[k], 0, NULL);
    }
    char report[P + 40];
    snprintf(report, sizeof(report), "%s/reconciliation.json", R->r->reports);
    if (access(report, R_OK) == 0)
        tc_strlist_add(&all, report, 0, NULL);
    say(R, who, "load", "0%%: %d batches", in->n);
    tc_load_stats st = {0};
    if (!rc && corrected.n)
        rc = load_recorded(R, &corrected, TC_LOAD_REPLACE_UNMOVED, db, &st, e);
    if (!rc)
        rc = load_recorded(R, &all, 0, db, &st, e);
    if (!rc) {
        R->r->steps_done++;
        say(R, who, "load", "100%%: %d loaded, %d replaced (corrected exports), %d already "
            "there", st.loaded, st.replaced, st.skipped);
    if (!rc && st.kept)
        say(R, who, "load", "%d batches of corrected exports kept as loaded: their money has "
            "moved, so the plan corrects the transfer instead (top-up or refund)", st.kept);
    }
    tc_strlist_free(&corrected);
    tc_strlist_free(&all);
    return rc;
}

/* Each pool or fund the plan leaves out, named with why, under its pool. */
static void on_left_out(void *arg, const tc_transfer_left_out *x)
{
    char b[1024];
    say(arg, x->pool, "plan", "left out, %s", tc_transfer_left_out_text(x, b, sizeof(b)));
}

/*
 * The transfer plan, signed by the maker: WORK/transfer/plan.json.  A plan
 * made from this very reconciliation is kept as it is - it may carry the
 * checker's approval by now; another reconciliation means a new plan.
 */
static int step_plan(run *R, const char *db, tc_err *e)
{
    char dir[P + 16], plan[P + 32], report[P + 40], digest[TC_DIGEST_TEXT_MAX];
    snprintf(dir, sizeof(dir), "%s/transfer", R->m->work);
    snprintf(plan, sizeof(plan), "%s/plan.json", dir);
    snprintf(report, sizeof(report), "%s/reconciliation.json", R->r->reports);
    if (!R->policy) {
        say(R, "city", "plan", "not made: the manifest names no key policy ([keys] policy, "
            "docs/policy.md), and no transfer moves without one");
        return 0;
    }
    snprintf(R->r->plan, sizeof(R->r->plan), "%s", plan);
    int rc = tc_digest_file(TC_DIGEST_SHA256, report, digest, e);
    if (rc)
        return rc;
    json_t *old;
    tc_err je;
    tc_json_read_file(&old, plan, TC_JSON_FILE_MAX, 0, &je);   /* NULL: made again */
    const char *made_from = json_string_value(json_object_get(old, "reconciliation"));
    int current = made_from && strcmp(made_from, digest) == 0;
    json_decref(old);
    if (current) {
        say(R, "city", "plan", "up to date (skipped): %s", plan);
        R->r->steps_skipped++;
        return 0;
    }
    if ((rc = mkdirs(dir, e)))
        return rc;
    char *argv[] = {"transfer", "plan", "-r", report, "-k", (char *)R->m->maker_key, "-o", plan,
                    "--policy", (char *)R->m->policy};
    tc_transfer_plan_opts po = {.db = db,
                                .reconciliation = report,
                                .key = R->m->maker_key,
                                .policy = R->policy,
                                .out = plan,
                                .audit = {.trail = R->trail, .argc = 10, .argv = argv},
                                .on_left_out = on_left_out,
                                .arg = R};
    tc_transfer_plan_summary s = {0};
    if ((rc = tc_transfer_plan(&po, &s, e)))
        return rc;
    R->r->steps_done++;
    char b[TC_MONEY_BUFSZ];
    say(R, "city", "plan", "100%%: %d transfers (%d of them correcting earlier ones), %s yuan; "
        "%d pools left out (blocking findings not waived), %d funds moved already, %d kept "
        "by a part handover", s.transfers, s.corrections, tc_money_format(s.total, b),
        s.excluded, s.already, s.kept);
    return 0;
}

/* ------------------------------------------------------------------ run */

/* --accept C --reason TEXT: the operator's signed acceptance of the
 * corrected export an earlier run staged, before anything runs. */
static int accept_correction(run *R, tc_err *e)
{
    const tc_manifest_county *c = tc_manifest_county_find(R->m, R->o->accept);
    if (!c)
        return tc_fail(e, TC_EUSAGE, "county %s is not in %s", R->o->accept, R->m->path);
    if (!R->policy) {
        tc_fail(e, TC_EUSAGE, "accepting a corrected export needs the city's key policy");
        return tc_err_hint(e, "name it in the manifest: [keys] policy = FILE (docs/manifest.md)");
    }
    if (R->o->dry_run) {
        say(R, c->code, "correct", "to do: accept the corrected export, for: %s", R->o->reason);
        return 0;
    }
    char dir[P + 40];
    snprintf(dir, sizeof(dir), "%s/corrections/%s", R->m->work, c->code);
    int rc = tc_correct_accept(R->trail, R->signer, "maker", c, R->alg, dir, R->o->reason, e);
    if (!rc)
        say(R, c->code, "correct", "corrected export accepted (%s): the county is redone",
            R->o->reason);
    return rc;
}

static int run_counties(run *R, int *worst)
{
    int jobs = R->o->jobs > 0 ? R->o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1 || R->o->dry_run)
        jobs = 1;
    int running = 0;
    fflush(NULL);
    for (int i = 0; i <= R->m->ncounties; i++) {
        while (running && (running >= jobs || i == R->m->ncounties)) {
            int st;
            pid_t w = wait(&st);
            if (w < 0)
                break;
            if (w == R->starter) {   /* the embedded server's starter, not a county */
                R->starter_status = st;
                continue;
            }
            running--;
            int code = WIFEXITED(st) ? WEXITSTATUS(st) : TC_EXIT_IO;
            if (code > *worst)
                *worst = code;
        }
        if (i == R->m->ncounties)
            break;
        const tc_manifest_county *c = &R->m->counties[i];
        if (R->o->county && strcmp(R->o->county, c->code) != 0)
            continue;
        if (R->o->dry_run) {
            int code = county_job(R, c);
            if (code > *worst)
                *worst = code;
            continue;
        }
        pid_t pid = fork();
        if (pid < 0)
            return TC_EXIT_IO;
        if (pid == 0) {
            int code = county_job(R, c);
            fflush(NULL);
            _exit(code);
        }
        running++;
    }
    return 0;
}

/*
 * The policy's [data] holders seal every batch the run writes, and the run
 * reads them back with the manifest's [keys] data (or $TONGCHOU_DATA_KEY,
 * which the front end has loaded already).  A policy that seals with no
 * key to open is refused before any work: the run could not read its own
 * batches.
 */
int tc_run_seal_setup(const tc_manifest *m, const tc_policy *p, tc_err *e)
{
    const tc_seal_holder *const *h;
    size_t n = tc_policy_holders(p, &h);
    if (!n)
        return 0;
    if (m->data_key[0]) {
        /* kept for the process's life: what runs after (demo's transfer)
         * reads the batches too */
        static tc_seal_key *kept;
        tc_seal_key *k;
        int rc = tc_seal_key_load(&k, m->data_key, e);
        if (rc)
            return rc;
        tc_seal_key_free(kept);
        tc_batch_open_with(kept = k);
    }
    const tc_seal_key *k = tc_batch_data_key();
    if (!k) {
        tc_err_at(e, m->path, 0, 0);
        tc_fail(e, TC_EUSAGE, "the key policy seals the batches for its [data] holders, and no "
                "holder's key is given to read them");
        return tc_err_hint(e, "name one in the manifest, [keys] data = FILE, or set "
                              "TONGCHOU_DATA_KEY (docs/personal-data.md)");
    }
    if (!tc_policy_holder(p, tc_seal_key_id(k))) {
        tc_err_at(e, m->path, 0, 0);
        tc_fail(e, TC_EUSAGE, "the data key %s is not one of the policy's [data] holders",
                tc_seal_key_id(k));
        return tc_err_hint(e, "name the key of a holder %s lists", tc_policy_path(p));
    }
    return tc_batch_seal_for(tc_policy_cipher(p), h, n, e);
}

int tc_run(const tc_manifest *m, const tc_run_opts *o, tc_run_progress progress, void *arg,
           tc_run_result *r, tc_err *e)
{
    memset(r, 0, sizeof(*r));
    if (o->county && !tc_manifest_county_find(m, o->county))
        return tc_fail(e, TC_EUSAGE, "county %s is not in %s", o->county, m->path);
    /* every source there before any work (a live database is tried later) */
    for (int i = 0; i < m->ncounties; i++) {
        const tc_manifest_county *c = &m->counties[i];
        if (o->county && strcmp(c->code, o->county) != 0)
            continue;
        for (int k = 0; k < c->nsources; k++) {
            struct stat st;
            if (tc_is_conninfo(c->sources[k]) || stat(c->sources[k], &st) == 0)
                continue;
            tc_fail(e, tc_errno_code(errno), "county %s: cannot read its source %s: %s", c->code,
                    c->sources[k], strerror(errno));
            tc_err_at(e, m->path, c->line, 0);
            return tc_err_hint(e, "name the export the county sent in its [county %s] section "
                                  "(a path from the manifest's folder)", c->code);
        }
    }
    /* who may read what the run writes: the manifest's [security] group,
     * else what the command line chose (owner-only by default) */
    if (m->group[0] && tc_perm_share(m->group, e)) {
        tc_err_at(e, m->path, 0, 0);
        return e->code;
    }
    run R = {.m = m, .o = o, .progress = progress, .arg = arg, .r = r};
    snprintf(R.trail, sizeof(R.trail), "%s/audit.trail", m->work);
    /* --dry-run writes nothing, not even the work folder */
    int rc = o->dry_run ? 0 : mkdirs(m->work, e);
    if (!rc && !o->dry_run)
        tc_perm_check(m->work, "the work folder");
    if (!rc)
        rc = tc_signer_load(&R.signer, m->maker_key, e);
    if (!rc) {
        R.alg = tc_signer_alg(R.signer) == TC_SIGN_SM2 ? TC_DIGEST_SM3 : TC_DIGEST_SHA256;
        if (m->policy[0])
            rc = tc_policy_load(&R.policy, m->policy, e);
        if (!rc && R.policy)
            rc = tc_run_seal_setup(m, R.policy, e);
        if (rc)
            ;
        else if (o->maps)
            R.maps = o->maps;
        else
            rc = tc_mapset_load(&R.owned_maps, m->mappings, e), R.maps = R.owned_maps;
    }
    if (!rc && o->accept)
        rc = accept_correction(&R, e);
    if (rc)
        goto out;

    int worst = 0;
    start_db_early(&R);
    run_counties(&R, &worst);
    if (worst >= TC_EXIT_USAGE) {
        rc = tc_fail(e, worst == TC_EXIT_INTEGRITY ? TC_EINTEGRITY
                        : worst == TC_EXIT_INPUT   ? TC_EINPUT
                                                   : TC_EIO,
                     "a county step failed (its message is above); fix it and run again: "
                     "what is done is kept");
        goto out;
    }
    r->findings |= worst == TC_EXIT_FINDINGS;

    paths in = {0};
    if ((rc = city_batches(&R, &in, e)) == 0 && (in.n || !o->dry_run))
        rc = step_reconcile(&R, &in, e);
    if (!rc && !o->dry_run) {
        tc_pgserver *srv = NULL;
        char db[P];
        rc = open_db(&R, &srv, db, sizeof(db), e);
        if (!rc)
            rc = step_load(&R, &in, db, e);
        if (!rc && !o->county)
            rc = step_plan(&R, db, e);
        int mirrored = 0;
        if (!rc)
            rc = tc_audit_mirror(db, R.trail, m->city, &mirrored, e);
        if (!rc)
            say(&R, "city", "audit", "%d new entries mirrored into tongchou.audit_entry",
                mirrored);
        if (!rc)
            snprintf(r->db_conninfo, sizeof(r->db_conninfo), "%s", db);
        if (srv) {
            tc_err se;
            if (o->keep_db)
                tc_pgserver_detach(srv);
            else
                tc_pgserver_stop(srv, &se);
        }
    } else if (!rc) {
        say(&R, o->county ? o->county : "city", "load", "to do: %d city batches", in.n);
        if (!o->county)
            say(&R, "city", "plan", "to do unless %s/transfer/plan.json was made from this "
                "reconciliation", m->work);
    }
    tc_strlist_free(&in);
out:
    if (R.starter) {   /* the run stopped before it needed the server */
        tc_err se;
        tc_pgserver *srv;
        char dir[P];
        snprintf(dir, sizeof(dir), "%s/db", m->work);
        if (join_db_early(&R, &se) == 0 && !o->keep_db &&
            tc_pgserver_attach(&srv, dir, &se) == 0)
            tc_pgserver_stop(srv, &se);
    }
    tc_mapset_free(R.owned_maps);
    if (R.policy)   /* its holders go with it */
        tc_batch_seal_for(TC_SEAL_SM4_CTR_HMAC_SM3, NULL, 0, e);
    tc_policy_free(R.policy);
    tc_signer_free(R.signer);
    return rc;
}
