/*
 * correct.c - a corrected export: found in the trail, staged with its
 * difference, accepted by a signed entry.  See correct.h.
 */
#include "pipeline/correct.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/perm.h"
#include "core/atomic.h"
#include "core/audit.h"
#include "extract/extract.h"
#include "reconcile/diff.h"
#include "transform/map.h"

#define P TC_MANIFEST_PATH

/* ------------------------------------------------------------ the trail */

typedef struct scan {
    const tc_manifest_county *c;
    const char *bdir;
    char (*now)[TC_DIGEST_TEXT_MAX];   /* the sources' digests now */
    json_t *last_extract;              /* inputs of the last extract into bdir */
    json_t *accepts;                   /* inputs of each accept entry of the county */
} scan;

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Does inputs hold every source of the county with its digest now?  (By
 * digest: the trail spells paths as they were given, from wherever run
 * was started.) */
static int names_sources_now(const scan *s, const json_t *inputs)
{
    for (int i = 0; i < s->c->nsources; i++) {
        int found = 0;
        size_t k;
        json_t *x;
        json_array_foreach(inputs, k, x) {
            const char *d = str(x, "digest");
            found |= d && strcmp(d, s->now[i]) == 0;
        }
        if (!found)
            return 0;
    }
    return 1;
}

/* Is dir the county's batch folder, as some run spelled it?  Its end,
 * ".../batches/<county>", is what every spelling shares. */
static int is_bdir(const scan *s, const char *dir)
{
    const char *tail = strrchr(s->bdir, '/');
    tail = tail ? tail + 1 : s->bdir;
    const char *up = tail > s->bdir ? tail - 1 : tail;   /* the slash before it */
    while (up > s->bdir && up[-1] != '/')
        up--;
    size_t tl = strlen(up), dl = dir ? strlen(dir) : 0;   /* "batches/<county>" */
    return dir && dl >= tl && strcmp(dir + dl - tl, up) == 0 &&
           (dl == tl || dir[dl - tl - 1] == '/');
}

static int on_entry(void *arg, const json_t *en)
{
    scan *s = arg;
    const char *cmd = str(en, "command");
    json_t *args = json_object_get(en, "args");
    if (!cmd)
        return 0;
    if (strcmp(cmd, "extract") == 0 && json_array_size(args) >= 2 &&
        is_bdir(s, json_string_value(json_array_get(args, 1)))) {
        json_decref(s->last_extract);
        s->last_extract = json_incref(json_object_get(en, "inputs"));
    } else if (strcmp(cmd, "accept") == 0 && json_string_value(json_array_get(args, 0)) &&
               strcmp(json_string_value(json_array_get(args, 0)), s->c->code) == 0) {
        json_array_append(s->accepts, json_object_get(en, "inputs"));
    }
    return 0;
}

/* The digests of c's sources into now; TC_EIO naming one that cannot be read. */
static int digests_now(const tc_manifest_county *c, tc_digest_alg alg,
                       char (*now)[TC_DIGEST_TEXT_MAX], tc_err *e)
{
    for (int i = 0; i < c->nsources; i++) {
        int rc = tc_digest_file(alg, c->sources[i], now[i], e);
        if (rc)
            return rc;
    }
    return 0;
}

int tc_correct_find(const char *trail, const tc_policy *policy, tc_digest_alg alg,
                    const tc_manifest_county *c, const char *bdir, int what, tc_correction *x,
                    tc_err *e)
{
    memset(x, 0, sizeof(*x));
    char now[TC_MANIFEST_MAX_SOURCES][TC_DIGEST_TEXT_MAX];
    scan s = {.c = c, .bdir = bdir, .now = now, .accepts = json_array()};
    int rc = tc_audit_each(trail, on_entry, &s, e);
    if (rc < 0 || !s.accepts) {
        json_decref(s.last_extract);
        json_decref(s.accepts);
        return rc < 0 ? rc : tc_fail(e, TC_ENOMEM, "out of memory");
    }
    if (!(what & TC_CORRECT_CHANGED)) {
        json_decref(s.last_extract);
        s.last_extract = NULL;
    }
    /* the sources are read only when the trail gives something to compare */
    if ((s.last_extract || json_array_size(s.accepts)) && (rc = digests_now(c, alg, now, e))) {
        json_decref(s.last_extract);
        json_decref(s.accepts);
        return rc;
    }
    int accept_seen = 0;
    size_t k;
    json_t *ai;
    json_array_foreach(s.accepts, k, ai) accept_seen |= names_sources_now(&s, ai);
    json_decref(s.accepts);
    /* what the last extraction of the county read, against what is there */
    const json_t *ins = s.last_extract;
    if (ins && json_array_size(ins) != (size_t)c->nsources) {
        x->changed = 1;
        snprintf(x->source, sizeof(x->source), "%s", c->sources[0]);
        snprintf(x->now, sizeof(x->now), "%s", now[0]);
    }
    for (int i = 0; ins && !x->changed && i < c->nsources; i++) {
        const json_t *in = json_array_get(ins, (size_t)i);
        const char *d = str(in, "digest");
        if (d && strcmp(d, now[i]) == 0)
            continue;
        x->changed = 1;
        snprintf(x->source, sizeof(x->source), "%s", c->sources[i]);
        snprintf(x->was, sizeof(x->was), "%s", d ? d : "");
        snprintf(x->now, sizeof(x->now), "%s", now[i]);
    }
    json_decref(s.last_extract);
    /* an acceptance counts only in a trail that verifies under the policy */
    if (accept_seen && policy) {
        if ((rc = tc_policy_verify_trail(trail, policy, e)))
            return rc;
        x->accepted = 1;
    }
    return 0;
}

/* ------------------------------------------------------------ the stage */

/* Remove the files in dir (not its folders); the folder itself stays. */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || strcmp(de->d_name, "..") == 0))
            continue;
        char p[P + 300];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && !S_ISDIR(st.st_mode))
            unlink(p);
    }
    if (d)
        closedir(d);
}

static int mkdir_one(const char *p, tc_err *e)
{
    return tc_mkdir_p(p, tc_perm_dir(), e);
}

/* The county batches of dir (not its rejects), sorted; *n of them. */
static int county_batches(const char *dir, char ***out, int *n, tc_err *e)
{
    struct dirent **names;
    int k = scandir(dir, &names, NULL, alphasort);
    *out = NULL;
    *n = 0;
    if (k < 0)
        return tc_fail(e, TC_EIO, "cannot read folder %s: %s", dir, strerror(errno));
    char **v = calloc((size_t)k + 1, sizeof(char *));
    int rc = v ? 0 : tc_fail(e, TC_ENOMEM, "out of memory");
    for (int i = 0; i < k; i++) {
        const char *nm = names[i]->d_name;
        size_t l = strlen(nm);
        if (!rc && nm[0] != '.' && l > 4 && strcmp(nm + l - 4, ".tcb") == 0 &&
            !(l > 12 && strcmp(nm + l - 12, ".rejects.tcb") == 0)) {
            size_t sz = strlen(dir) + l + 2;
            if (!(v[*n] = malloc(sz)))
                rc = tc_fail(e, TC_ENOMEM, "out of memory");
            else
                snprintf(v[(*n)++], sz, "%s/%s", dir, nm);
        }
        free(names[i]);
    }
    free(names);
    *out = v;
    return rc;
}

static void free_list(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Whether dir holds a batch. */
static int has_batches(const char *dir)
{
    char **v;
    int n;
    tc_err ignored;
    if (county_batches(dir, &v, &n, &ignored))
        return 0;
    free_list(v, n);
    return n > 0;
}

int tc_correct_stage(const tc_manifest_county *c, const tc_mapset *maps, tc_digest_alg alg,
                     const char *cdir, const char *dir, char **summary, tc_err *e)
{
    char bdir[P + 16], ndir[P + 16], path[P + 16];
    char now[TC_MANIFEST_MAX_SOURCES][TC_DIGEST_TEXT_MAX];
    if (summary)
        *summary = NULL;
    snprintf(bdir, sizeof(bdir), "%s/batches", dir);
    snprintf(ndir, sizeof(ndir), "%s/city", dir);
    snprintf(path, sizeof(path), "%s", dir);   /* WORK/corrections first */
    char *slash = strrchr(path, '/');
    if (slash)
        *slash = '\0';
    int rc = slash ? mkdir_one(path, e) : 0;
    if (!rc)
        rc = mkdir_one(dir, e);
    if (!rc)
        rc = mkdir_one(bdir, e);
    if (!rc)
        rc = mkdir_one(ndir, e);
    if (rc)
        return rc;
    empty_dir(dir);
    empty_dir(bdir);
    empty_dir(ndir);
    if ((rc = digests_now(c, alg, now, e)))
        return rc;

    /* the new export, extracted and mapped as run would */
    long long records;
    char county[7];
    tc_extract_opts eo = {.outdir = bdir, .profile = c->profile[0] ? c->profile : NULL};
    const char *src[TC_MANIFEST_MAX_SOURCES];
    for (int i = 0; i < c->nsources; i++)
        src[i] = c->sources[i];
    rc = tc_extract_sources(src, c->nsources, &eo, NULL, NULL, &records, county, e);
    char **in = NULL;
    int nin = 0;
    long long rejected = 0;
    if (!rc)
        rc = county_batches(bdir, &in, &nin, e);
    if (!rc)
        rc = tc_map_run(maps, (const char *const *)in, nin, ndir, NULL, NULL, &rejected, e);
    free_list(in, nin);
    if (rc)
        return rc;

    /* its difference from the city batches in use */
    tc_diff *d = NULL;
    char *text = NULL;
    size_t tn = 0;
    FILE *mf = open_memstream(&text, &tn);
    if (!mf)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (has_batches(cdir)) {
        const char *o[] = {cdir}, *n[] = {ndir};
        rc = tc_diff_batches(&d, o, 1, n, 1, NULL, e);
        if (!rc)
            rc = tc_diff_write(d, dir, e);
        if (!rc)
            tc_diff_summary(d, mf);
        tc_diff_free(d);
    } else {
        fprintf(mf, "no city batches of county %s in use to compare with\n", c->code);
    }
    fclose(mf);
    if (rc) {
        free(text);
        return rc;
    }

    /* the sources the difference was made from: what an acceptance names */
    tc_atomic *a;
    snprintf(path, sizeof(path), "%s/sources", dir);
    if ((rc = tc_atomic_open(&a, path, e))) {
        free(text);
        return rc;
    }
    for (int i = 0; i < c->nsources; i++)
        fprintf(tc_atomic_file(a), "%s %s\n", now[i], c->sources[i]);
    rc = tc_atomic_commit(a, e);
    if (!rc && summary)
        *summary = text;
    else
        free(text);
    return rc;
}

/* ------------------------------------------------------------ acceptance */

int tc_correct_accept(const char *trail, const tc_signer *s, const char *role,
                      const tc_manifest_county *c, tc_digest_alg alg, const char *dir,
                      const char *reason, tc_err *e)
{
    if (!reason || !reason[0]) {
        tc_fail(e, TC_EUSAGE, "accepting county %s's correction needs a reason", c->code);
        return tc_err_hint(e, "say why with --reason TEXT (who sent it, what it corrects)");
    }
    char path[P + 16], want[TC_MANIFEST_MAX_SOURCES * (TC_MANIFEST_PATH + 80)] = "";
    char now[TC_MANIFEST_MAX_SOURCES][TC_DIGEST_TEXT_MAX];
    snprintf(path, sizeof(path), "%s/sources", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        tc_fail(e, TC_EUSAGE, "county %s has no corrected export waiting (%s is not there)",
                c->code, path);
        return tc_err_hint(e, "tongchou run shows a corrected export's difference first; "
                              "accept what it showed");
    }
    size_t got = fread(want, 1, sizeof(want) - 1, f);
    fclose(f);
    want[got] = '\0';
    int rc = digests_now(c, alg, now, e);
    if (rc)
        return rc;
    char have[sizeof(want)] = "";
    for (int i = 0; i < c->nsources; i++)
        snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s %s\n", now[i],
                 c->sources[i]);
    if (strcmp(have, want) != 0) {
        tc_fail(e, TC_EINPUT, "county %s's export changed again since its difference was "
                "made (%s)", c->code, path);
        return tc_err_hint(e, "run again to see the difference of the export as it is now, "
                              "then accept that");
    }
    const char *in[TC_MANIFEST_MAX_SOURCES + 2];
    int nin = 0;
    for (int i = 0; i < c->nsources; i++)
        in[nin++] = c->sources[i];
    char dj[P + 16], dh[P + 16];
    snprintf(dj, sizeof(dj), "%s/diff.json", dir);
    snprintf(dh, sizeof(dh), "%s/diff.html", dir);
    if (access(dj, R_OK) == 0) {
        in[nin++] = dj;
        in[nin++] = dh;
    }
    json_t *rec = json_pack("{s:s, s:s}", "county", c->code, "reason", reason);
    char *rtext = rec ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(rec);
    if (!rtext)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    char *argv[] = {"accept", (char *)c->code, "--reason", (char *)reason};
    tc_audit_command cmd = {.trail = trail, .signer = s, .role = role, .argc = 4,
                            .argv = argv, .inputs = in, .ninputs = (size_t)nin,
                            .records = rtext};
    rc = tc_audit_record_command(&cmd, NULL, e);
    free(rtext);
    return rc;
}
