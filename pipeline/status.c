/*
 * status.c - see status.h.
 *
 * The trails are the record of what ran, wherever it ran: an "extract"
 * entry's outputs are the batches of the counties it read (each named
 * <county>.<type>.tcb, the county as it exported, which the mapping set's
 * region.csv may send to another row of the manifest), its "records" the
 * records of each (by county code, or "county" and "records" as run
 * writes them); a "map" entry's inputs are the batches it mapped, its
 * "records" the rejects of each county; a "reconcile" entry's outputs name
 * its reconciliation.json, a transfer plan or approval its plan.  Paths
 * are recorded as given where the step ran: each is looked for as it
 * stands, beside the trail, beside the manifest, and under WORK.  The
 * reports and plans found are read oldest first, so each county shows the
 * last that names it; the database then says what is loaded and executed.
 */
#include "pipeline/status.h"

#include <dirent.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/policy.h"
#include "core/audit.h"
#include "core/jsonfile.h"
#include "core/sign.h"
#include "core/version.h"
#include "db/db.h"
#include "db/pgserver.h"
#include "mappings/mapset.h"
#include "pipeline/docsign.h"
#include "reconcile/report.h"

#define P TC_MANIFEST_PATH

static const char *str(json_t *j) { return json_is_string(j) ? json_string_value(j) : ""; }

/* Append a copy of s to the list (*v, *n); nothing when out of memory. */
static void strs_push(char ***v, int *n, const char *s)
{
    char **q = realloc(*v, (size_t)(*n + 1) * sizeof(char *));
    if (!q)
        return;
    *v = q;
    if ((q[*n] = strdup(s)))
        (*n)++;
}

/* A note for people: something status cannot see, and why. */
static void note(tc_status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(tc_status *st, const char *fmt, ...)
{
    char b[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    for (int i = 0; i < st->nnotes; i++)
        if (strcmp(st->notes[i], b) == 0)
            return;
    strs_push(&st->notes, &st->nnotes, b);
}

static tc_status_row *row_of(tc_status *st, const char *county)
{
    for (int i = 0; i < st->n; i++)
        if (strcmp(st->rows[i].county, county) == 0)
            return &st->rows[i];
    return NULL;
}

/* The manifest's row of a pool of county: the manifest names a pool merged
 * into another county's sub-ledger by the pool's own code, and a county
 * that is its region's only pool by the region's code (220184 for pool
 * 220381). */
static tc_status_row *row_of_pool(tc_status *st, const char *county, const char *pool)
{
    tc_status_row *r = pool && pool[0] ? row_of(st, pool) : NULL;
    return r ? r : row_of(st, county);
}

/* The row of a code a batch is named by: a row's own, or that of a pool
 * the mapping set sends to a row's region. */
static tc_status_row *row_of_code(tc_status *st, const tc_mapset *maps, const char *code)
{
    tc_status_row *r = row_of(st, code);
    for (int i = 0; !r && maps && i < st->n; i++) {
        char pools[32][7];
        int n = tc_mapset_region_pools(maps, st->rows[i].county, pools, 32);
        for (int k = 0; k < n && k < 32; k++)
            if (strcmp(pools[k], code) == 0)
                r = &st->rows[i];
    }
    return r;
}

/* The county code a batch's file name starts with ("220113.contribution.tcb"). */
static int code_of(const char *path, char code[7])
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    for (int i = 0; i < 6; i++)
        if (b[i] < '0' || b[i] > '9')
            return 0;
    if (b[6] != '.')
        return 0;
    memcpy(code, b, 6);
    code[6] = '\0';
    return 1;
}

/* ------------------------------------------------- files the trail names */

typedef struct named {
    char **v;
    int n;
} named;

static void named_free(named *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* Add path, once (by where it resolves to). */
static void named_add(named *l, const char *path)
{
    char real[PATH_MAX], other[PATH_MAX];
    if (!realpath(path, real))
        return;
    for (int i = 0; i < l->n; i++)
        if (realpath(l->v[i], other) && strcmp(other, real) == 0)
            return;
    strs_push(&l->v, &l->n, path);
}

static int by_mtime(const void *a, const void *b)
{
    struct stat sa, sb;
    const char *pa = *(char *const *)a, *pb = *(char *const *)b;
    if (stat(pa, &sa) != 0 || stat(pb, &sb) != 0)
        return strcmp(pa, pb);
    if (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec)
        return sa.st_mtim.tv_sec < sb.st_mtim.tv_sec ? -1 : 1;
    if (sa.st_mtim.tv_nsec != sb.st_mtim.tv_nsec)
        return sa.st_mtim.tv_nsec < sb.st_mtim.tv_nsec ? -1 : 1;
    return strcmp(pa, pb);
}

/*
 * Where a path an entry recorded is from here: as it stands, beside the
 * trail, beside the manifest, or under WORK (a path through a folder named
 * as WORK is, as run records them: demo/work/reports/... is WORK/reports/...).
 * 0 when found, into out.
 */
static int locate(const tc_manifest *m, const char *trail, const char *rec, char *out, size_t n)
{
    struct stat sb;
    snprintf(out, n, "%s", rec);
    if (stat(out, &sb) == 0)
        return 0;
    char t[P], mp[P], w[P];
    snprintf(t, sizeof(t), "%s", trail);
    snprintf(mp, sizeof(mp), "%s", m->path);
    snprintf(w, sizeof(w), "%s", m->work);
    const char *bases[] = {dirname(t), dirname(mp)};
    for (int i = 0; i < 2 && rec[0] != '/'; i++) {
        snprintf(out, n, "%s/%s", bases[i], rec);
        if (stat(out, &sb) == 0)
            return 0;
    }
    const char *wb = basename(w);
    size_t wl = strlen(wb);
    for (const char *p = rec; (p = strstr(p, wb)); p++)
        if ((p == rec || p[-1] == '/') && p[wl] == '/') {
            snprintf(out, n, "%s%s", m->work, p + wl);
            if (stat(out, &sb) == 0)
                return 0;
        }
    return -1;
}

/* ------------------------------------------------------------- the trail */

/* The count an entry's "records" gives code: "county" and "records" as run
 * writes them, else the member named by the code; -2 when neither. */
static long long count_of(json_t *records, const char *code, const char *total, int only)
{
    json_t *c = json_object_get(records, "county");
    if (json_is_string(c))
        return strcmp(json_string_value(c), code) == 0
                   ? json_integer_value(json_object_get(records, total))
                   : TC_STATUS_UNCOUNTED;
    json_t *v = json_object_get(records, code);
    if (json_is_integer(v))
        return json_integer_value(v);
    /* an entry of one county made before counts were kept per county */
    v = json_object_get(records, total);
    return only && json_is_integer(v) ? json_integer_value(v) : TC_STATUS_UNCOUNTED;
}

/* Apply one extract or map entry: files (its outputs or inputs) name the
 * counties, records their counts; the newest entry of a county counts. */
static void from_entry(tc_status *st, const tc_mapset *maps, json_t *j, int map)
{
    const char *time = str(json_object_get(j, "time"));
    json_t *files = json_object_get(j, map ? "inputs" : "outputs");
    char codes[64][7];
    int nc = 0;
    for (size_t i = 0; i < json_array_size(files); i++) {
        char code[7];
        int seen = 0;
        if (!code_of(str(json_object_get(json_array_get(files, i), "file")), code))
            continue;
        for (int k = 0; k < nc; k++)
            seen |= strcmp(codes[k], code) == 0;
        if (!seen && nc < 64)
            memcpy(codes[nc++], code, 7);
    }
    json_t *rec = json_object_get(j, "records");
    long long sum[64];
    tc_status_row *rows[64];
    int nr = 0;
    for (int k = 0; k < nc; k++) {
        tc_status_row *r = row_of_code(st, maps, codes[k]);
        if (!r)
            continue;
        long long v = count_of(rec, codes[k], map ? "rejected" : "records", nc == 1);
        int at = 0;
        while (at < nr && rows[at] != r)
            at++;
        if (at == nr) {
            rows[nr] = r;
            sum[nr++] = v;
        } else if (sum[at] >= 0) {
            sum[at] = v < 0 ? v : sum[at] + v;
        }
    }
    for (int k = 0; k < nr; k++) {
        if (strcmp(time, rows[k]->seen[map]) < 0)
            continue;
        snprintf(rows[k]->seen[map], sizeof(rows[k]->seen[map]), "%s", time);
        snprintf(rows[k]->kept, sizeof(rows[k]->kept), "-");   /* its files made again */
        if (map)
            rows[k]->rejects = sum[k];
        else
            rows[k]->extracted = sum[k];
    }
}

static void from_trail(tc_status *st, const tc_manifest *m, const tc_mapset *maps,
                       const char *trail, named *reports, named *plans)
{
    FILE *f = fopen(trail, "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        const char *cmd = str(json_object_get(j, "command"));
        const char *verb = str(json_array_get(json_object_get(j, "args"), 0));
        int rep = strcmp(cmd, "reconcile") == 0;
        if (strcmp(cmd, "extract") == 0 || strcmp(cmd, "map") == 0)
            from_entry(st, maps, j, cmd[0] == 'm');
        /* retention: the last archive or purge entry of a county */
        if (strcmp(cmd, "archive") == 0 || strcmp(cmd, "purge") == 0) {
            tc_status_row *r = row_of(st, str(json_object_get(json_object_get(j, "records"),
                                                              "county")));
            if (r)
                snprintf(r->kept, sizeof(r->kept), "%s", cmd[0] == 'a' ? "archived" : "purged");
        }
        if (rep || (strcmp(cmd, "transfer") == 0 &&
                    (strcmp(verb, "plan") == 0 || strcmp(verb, "approve") == 0))) {
            json_t *outs = json_object_get(j, "outputs");
            for (size_t i = 0; i < json_array_size(outs); i++) {
                const char *file = str(json_object_get(json_array_get(outs, i), "file"));
                const char *b = strrchr(file, '/');
                if (rep && strcmp(b ? b + 1 : file, "reconciliation.json") != 0)
                    continue;
                char p[P + 300];
                if (locate(m, trail, file, p, sizeof(p)) == 0)
                    named_add(rep ? reports : plans, p);
                else
                    note(st, "%s names %s %s, which is not to be found from here (run status "
                         "from the folder the steps ran in)", trail,
                         rep ? "the reconciliation" : "the transfer plan", file);
            }
        }
        json_decref(j);
    }
    free(line);
    fclose(f);
}

static void from_report(tc_status *st, const char *path)
{
    json_t *doc;
    tc_err e;
    if (tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, 0, &e))
        note(st, "cannot read the reconciliation %s: %s", path, e.msg);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        tc_status_row *r = row_of_pool(st, str(json_object_get(c, "county")),
                                       str(json_object_get(c, "pool")));
        if (!r)
            continue;
        r->blocking = r->warnings = 0;
        size_t k;
        json_t *f;
        json_array_foreach(json_object_get(c, "findings"), k, f) {
            const char *sev = json_string_value(json_object_get(f, "severity"));
            if (sev && strcmp(sev, "blocking") == 0)
                r->blocking++;
            else
                r->warnings++;
        }
    }
    json_decref(doc);
}

static void from_db(const tc_manifest *m, const char *db, tc_status *st)
{
    tc_pgserver *srv = NULL;
    int started = 0;
    tc_err e;
    char conn[TC_MANIFEST_PATH];
    const char *named = db && db[0] ? db : m->database[0] ? m->database : getenv("DATABASE_URL");
    /* libpq's own defaults, PG*, as run takes them */
    int pg = getenv("PGHOST") || getenv("PGDATABASE") || getenv("PGSERVICE");
    if ((named && named[0]) || pg) {
        snprintf(conn, sizeof(conn), "%s", named ? named : "");
    } else {
        char dir[TC_MANIFEST_PATH + 8];
        struct stat sb;
        snprintf(dir, sizeof(dir), "%s/db", m->work);
        if (stat(dir, &sb) != 0) {
            snprintf(st->db_note, sizeof(st->db_note), "no database yet");
            note(st, "no database named (--db, the manifest's, DATABASE_URL or PG*) and none "
                 "under %s/db: batches loaded and transfers executed are not shown", m->work);
            return;
        }
        if (tc_pgserver_attach(&srv, dir, &e) != 0) {
            if (tc_pgserver_start(&srv, dir, 0, &e) != 0) {
                snprintf(st->db_note, sizeof(st->db_note), "the embedded database would not start");
                note(st, "the embedded database in %s would not start: batches loaded and "
                     "transfers executed are not shown", dir);
                return;
            }
            started = 1;
        }
        snprintf(conn, sizeof(conn), "%s", tc_pgserver_conninfo(srv, "tongchou"));
    }
    PGconn *c;
    if (tc_db_connect(&c, conn, &e) == 0) {
        /* per pool, whatever sub-ledgers a split sent its batches to */
        PGresult *res = PQexec(c, "SELECT min(county), count(*), pool FROM tongchou.batch "
                                  "WHERE state = 'complete' GROUP BY pool");
        if (PQresultStatus(res) == PGRES_TUPLES_OK) {
            st->db_reachable = 1;
            for (int i = 0; i < PQntuples(res); i++) {
                tc_status_row *r = row_of_pool(st, PQgetvalue(res, i, 0), PQgetvalue(res, i, 2));
                if (r)
                    r->loaded = atoi(PQgetvalue(res, i, 1));
            }
            for (int i = 0; i < st->n; i++)
                if (st->rows[i].loaded < 0)
                    st->rows[i].loaded = 0;
            PGresult *t = PQexec(c, "SELECT county, pool FROM tongchou.transfer "
                                    "WHERE state = 'executed' GROUP BY county, pool");
            for (int i = 0; PQresultStatus(t) == PGRES_TUPLES_OK && i < PQntuples(t); i++) {
                tc_status_row *r = row_of_pool(st, PQgetvalue(t, i, 0), PQgetvalue(t, i, 1));
                if (r)
                    snprintf(r->transfer, sizeof(r->transfer), "executed");
            }
            PQclear(t);
        } else {
            snprintf(st->db_note, sizeof(st->db_note), "the database has no tongchou schema yet");
        }
        PQclear(res);
        PQfinish(c);
    } else {
        snprintf(st->db_note, sizeof(st->db_note), "cannot connect: %.200s", e.msg);
    }
    if (!st->db_reachable)
        note(st, "the database could not be asked (%s): batches loaded and transfers executed "
             "are not shown", st->db_note);
    /* leave a server that was running as it was; stop one started here */
    if (srv && started)
        tc_pgserver_stop(srv, &e);
    else if (srv)
        tc_pgserver_detach(srv);
}

/* The plans under WORK/transfer, with those the trails name. */
static void list_plans(const tc_manifest *m, named *plans)
{
    char dir[P + 16];
    snprintf(dir, sizeof(dir), "%s/transfer", m->work);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || de->d_name[0] == '.' || strcmp(de->d_name + n - 5, ".json") != 0)
            continue;
        char p[P + 300];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        named_add(plans, p);
    }
    if (d)
        closedir(d);
}

/* The state a plan gives the counties it names: planned or approved; held
 * when blocking findings not waived leave a pool out, "left out" for any
 * other reason (nothing loaded).  Executed is the database's word. */
static void from_plan(tc_status *st, const char *path)
{
    json_t *plan;
    tc_err e;
    if (tc_json_read_file(&plan, path, TC_JSON_FILE_MAX, 0, &e))
        note(st, "cannot read the transfer plan %s: %s", path, e.msg);
    const char *state = json_array_size(json_object_get(plan, "signatures")) >= 2
                            ? "approved" : "planned";
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(plan, "transfers"), i, t) {
        tc_status_row *r = row_of_pool(st, str(json_object_get(t, "county")),
                                       str(json_object_get(t, "pool")));
        if (r)
            snprintf(r->transfer, sizeof(r->transfer), "%s", state);
    }
    json_array_foreach(json_object_get(plan, "excluded"), i, t) {
        tc_status_row *r = row_of_pool(st, str(json_object_get(t, "county")),
                                       str(json_object_get(t, "pool")));
        if (!r || json_object_get(t, "fund"))   /* one fund of a pool: the others move */
            continue;
        snprintf(r->transfer, sizeof(r->transfer), "%s",
                 json_array_size(json_object_get(t, "findings")) ? "held" : "left out");
    }
    json_decref(plan);
}

/* The last certificate of each county the trail records, and which of
 * the policy's parties have signed it. */
static void from_certificates(const tc_manifest *m, tc_status *st, const char *trail)
{
    tc_err e;
    tc_policy *pol = NULL;
    tc_docsign_trail *t = NULL;
    tc_docsign_cert *v = NULL;
    size_t n = 0;
    if (tc_docsign_read(&t, trail, &e) != 0 || tc_docsign_count(t) == 0) {
        tc_docsign_free(t);
        return;
    }
    if (!m->policy[0] || tc_policy_load(&pol, m->policy, &e) != 0)
        note(st, "the policy (%s) cannot be read: which parties signed the certificates is "
             "not shown", m->policy[0] ? m->policy : "the manifest names none");
    else if (tc_docsign_latest(t, pol, &v, &n, &e) != 0)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        tc_status_row *r = row_of(st, v[i].county);
        if (!r)
            continue;
        snprintf(r->signatures, sizeof(r->signatures), "%d/%d", v[i].signed_parties,
                 v[i].nparties);
        snprintf(r->certificate, sizeof(r->certificate), "%s", v[i].digest);
        tc_docsign_missing(&v[i], r->lacks, sizeof(r->lacks));
        if (v[i].complete)
            r->lacks[0] = '\0';
    }
    free(v);
    tc_docsign_free(t);
    tc_policy_free(pol);
}

/* Verify one trail with the maker's key and the policy's; add to st. */
static void from_audit(const tc_manifest *m, tc_status *st, const char *trail)
{
    tc_err e;
    tc_signer *s;
    char msg[600];
    int ok = 0;
    long long entries = 0;
    if (tc_signer_load(&s, m->maker_key, &e) != 0) {
        snprintf(msg, sizeof(msg), "cannot read the maker's key: %.300s", e.msg);
    } else {
        /* the trail's signers: every key of the policy, or the maker alone */
        const tc_pubkey *k[TC_POLICY_MAX_KEYS + 1] = {tc_signer_pubkey(s)};
        size_t nk = 1;
        tc_policy *pol = NULL;
        if (m->policy[0] && tc_policy_load(&pol, m->policy, &e) == 0)
            nk += tc_policy_all_keys(pol, k + 1, sizeof(k) / sizeof(k[0]) - 1);
        tc_audit_verify_opts o = {.keys = k, .nkeys = nk};
        tc_audit_report rep = {0};
        ok = tc_audit_verify(trail, &o, &rep, &e) == 0;
        tc_policy_free(pol);
        entries = rep.entries;
        snprintf(msg, sizeof(msg), "%.500s", ok ? "every signature and link holds" : e.msg);
        tc_signer_free(s);
    }
    st->audit_entries += entries;
    if (st->audit_ok != 0)
        st->audit_ok = ok;
    size_t n = strlen(st->audit_note);
    if (st->ntrails == 1 || !ok)   /* one trail: its word; two: each one's that fails */
        snprintf(st->audit_note + n, sizeof(st->audit_note) - n, "%s%s%s%s", n ? "; " : "",
                 st->ntrails > 1 ? trail : "", st->ntrails > 1 ? ": " : "", msg);
}

/* The trails to read: WORK's, and the hand-run steps' when it is another. */
static void find_trails(const tc_manifest *m, const char *trail, tc_status *st)
{
    struct stat a, b;
    snprintf(st->trails[0], sizeof(st->trails[0]), "%s/audit.trail", m->work);
    int have = stat(st->trails[0], &a) == 0;
    st->ntrails = have;
    if (trail && trail[0]) {
        if (stat(trail, &b) != 0)
            note(st, "no trail at %s: what was run by hand and recorded there is not shown",
                 trail);
        else if (!have || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
            snprintf(st->trails[st->ntrails++], sizeof(st->trails[0]), "%s", trail);
    }
    st->audit_ok = 1;   /* until one does not hold */
    if (!st->ntrails) {
        st->audit_ok = -1;
        snprintf(st->audit_note, sizeof(st->audit_note), "no trail yet");
        note(st, "no audit trail (%s%s%s): what was extracted, mapped, reconciled and planned "
             "is not shown; steps run by hand are recorded only with TONGCHOU_KEY set, in "
             "TONGCHOU_AUDIT", st->trails[0], trail && trail[0] ? " or " : "",
             trail && trail[0] ? trail : "");
    }
}

int tc_status_collect(const tc_manifest *m, const char *db, const char *trail, tc_status *st,
                      tc_err *e)
{
    memset(st, 0, sizeof(*st));
    st->rows = calloc((size_t)m->ncounties, sizeof(*st->rows));
    if (!st->rows)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    st->n = m->ncounties;
    for (int i = 0; i < st->n; i++) {
        tc_status_row *r = &st->rows[i];
        const tc_manifest_county *c = &m->counties[i];
        memcpy(r->county, c->code, 7);
        snprintf(r->name, sizeof(r->name), "%s", c->name);
        r->extracted = r->rejects = -1;
        r->blocking = r->warnings = r->loaded = -1;
        snprintf(r->transfer, sizeof(r->transfer), "-");
        snprintf(r->kept, sizeof(r->kept), "-");
        snprintf(r->signatures, sizeof(r->signatures), "-");
        for (int k = 0; k < c->nsources; k++)
            if (tc_manifest_source_missing(c->sources[k])) {
                r->missing++;
                note(st, "county %s: its source %s does not exist", c->code, c->sources[k]);
            }
    }
    snprintf(st->reports, sizeof(st->reports), "%s/reports", m->work);
    find_trails(m, trail, st);
    /* the mapping set tells a pool named by another code than its row's */
    tc_mapset *maps = NULL;
    tc_err me;
    if (tc_mapset_load(&maps, m->mappings, &me) != 0)
        note(st, "the mapping set cannot be read (%s): a pool exported under another code "
             "than its county's is not matched", me.msg);
    named reports = {0}, plans = {0};
    char p[P + 40];
    snprintf(p, sizeof(p), "%s/reconciliation.json", st->reports);
    named_add(&reports, p);
    list_plans(m, &plans);
    for (int i = 0; i < st->ntrails; i++)
        from_trail(st, m, maps, st->trails[i], &reports, &plans);
    tc_mapset_free(maps);
    /* oldest first: each county shows the last report and plan naming it */
    if (reports.n)   /* qsort's array may not be NULL, even when empty */
        qsort(reports.v, (size_t)reports.n, sizeof(char *), by_mtime);
    if (plans.n)
        qsort(plans.v, (size_t)plans.n, sizeof(char *), by_mtime);
    for (int i = 0; i < reports.n; i++)
        from_report(st, reports.v[i]);
    for (int i = 0; i < plans.n; i++)
        from_plan(st, plans.v[i]);
    named_free(&reports);
    named_free(&plans);
    for (int i = 0; i < st->n; i++)
        if (st->rows[i].extracted == TC_STATUS_UNCOUNTED ||
            st->rows[i].rejects == TC_STATUS_UNCOUNTED)
            note(st, "county %s: an entry of the trail records no count (made by an older "
                 "tongchou, or over several counties): shown as ?", st->rows[i].county);
    from_db(m, db, st);
    for (int i = 0; i < st->ntrails; i++)
        from_certificates(m, st, st->trails[i]);
    for (int i = 0; i < st->ntrails; i++)
        from_audit(m, st, st->trails[i]);
    return 0;
}

void tc_status_free(tc_status *st)
{
    free(st->rows);
    st->rows = NULL;
    for (int i = 0; i < st->nnotes; i++)
        free(st->notes[i]);
    free(st->notes);
    st->notes = NULL;
    st->nnotes = 0;
}

/* -1 as "-", -2 as "?", else the number. */
static const char *num(long long v, char *buf)
{
    if (v == TC_STATUS_UNCOUNTED)
        return "?";
    if (v < 0)
        return "-";
    snprintf(buf, 32, "%lld", v);
    return buf;
}

/* The extracted column: the count, or "missing" when a source is not
 * there and nothing was extracted. */
static const char *extracted(const tc_status_row *r, char *buf)
{
    return r->extracted == -1 && r->missing ? "missing" : num(r->extracted, buf);
}

void tc_status_print(const tc_status *st, FILE *f)
{
    fprintf(f, "%-7s %10s %8s %9s %9s %7s %-9s %-8s %s\n", "county", "extracted", "rejects",
            "blocking", "warnings", "loaded", "transfer", "kept", "signed");
    for (int i = 0; i < st->n; i++) {
        const tc_status_row *r = &st->rows[i];
        char a[32], b[32], c[32], d[32], g[32];
        fprintf(f, "%-7s %10s %8s %9s %9s %7s %-9s %-8s %s\n", r->county, extracted(r, a),
                num(r->rejects, b), num(r->blocking, c), num(r->warnings, d), num(r->loaded, g),
                r->transfer, r->kept, r->signatures);
    }
    /* the certificates that still lack signatures, and whose */
    for (int i = 0; i < st->n; i++)
        if (st->rows[i].lacks[0])
            fprintf(f, "certificate %s %s: lacks %s\n", st->rows[i].county,
                    st->rows[i].certificate, st->rows[i].lacks);
    if (!st->db_reachable && st->db_note[0])
        fprintf(f, "database: %s\n", st->db_note);
    fprintf(f, "audit: %s%lld entries: %s",
            st->audit_ok == 1 ? "verified, " : st->audit_ok == 0 ? "NOT VERIFIED, " : "",
            st->audit_entries, st->audit_note);
    for (int i = 0; i < st->ntrails; i++)
        fprintf(f, "%s%s", i ? ", " : " (", st->trails[i]);
    fputs(st->ntrails ? ")\n" : "\n", f);
}

int tc_status_html(const tc_manifest *m, const tc_status *st, const char *path, tc_err *e)
{
    tc_atomic *a;
    int rc = tc_atomic_open(&a, path, e);
    if (rc)
        return rc;
    FILE *f = tc_atomic_file(a);
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n<title>", f);
    tc_report_html_text(f, m->name[0] ? m->name : m->city);
    fputs(" 移交进度 Handover status</title>\n<style>\n"
          "body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;margin:2em;"
          "color:#222}\n"
          "h1{font-size:1.4em}h2{font-size:1.1em}table{border-collapse:collapse;margin:1em 0}\n"
          "th,td{border:1px solid #bbb;padding:.35em .7em}th{background:#eef2f6;text-align:left}\n"
          "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
          ".bad{color:#b00020;font-weight:bold}.ok{color:#1b6e20}\n"
          "@media print{body{margin:0}}\n</style></head><body>\n<h1>", f);
    tc_report_html_text(f, m->name[0] ? m->name : m->city);
    fprintf(f, " 移交进度 Handover status</h1>\n<p>移交基准日 Cutover %s &middot; tongchou %s</p>\n",
            m->cutover, TC_VERSION);
    fputs("<table><tr><th>统筹区 County</th><th>名称 Name</th><th>已抽取 Extracted</th>"
          "<th>拒收 Rejects</th><th>阻断问题 Blocking</th><th>警告 Warnings</th>"
          "<th>已入库批次 Loaded</th><th>划转 Transfer</th><th>留存 Kept</th>"
          "<th>交接书签署 Signed</th></tr>\n", f);
    for (int i = 0; i < st->n; i++) {
        const tc_status_row *r = &st->rows[i];
        char a[32], b[32], c[32], d[32], g[32];
        fprintf(f, "<tr><td>%s</td><td>", r->county);
        tc_report_html_text(f, r->name);
        fprintf(f, "</td><td class=n>%s</td><td class=\"n%s\">%s</td><td class=\"n%s\">%s</td>"
                   "<td class=n>%s</td><td class=n>%s</td><td%s>%s</td><td>%s</td>",
                extracted(r, a), r->rejects > 0 ? " bad" : "", num(r->rejects, b),
                r->blocking > 0 ? " bad" : "", num(r->blocking, c), num(r->warnings, d),
                num(r->loaded, g), strcmp(r->transfer, "held") == 0 ? " class=bad" : "",
                r->transfer, r->kept);
        fprintf(f, "<td%s>%s", r->lacks[0] ? " class=bad" : "", r->signatures);
        if (r->lacks[0]) {
            fputs(" &middot; 未签 lacks ", f);
            tc_report_html_text(f, r->lacks);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<p>审计轨迹 Audit trail: <span class=", f);
    fputs(st->audit_ok == 1 ? "ok>" : "bad>", f);
    fprintf(f, "%lld 条 entries, ", st->audit_entries);
    tc_report_html_text(f, st->audit_note);
    fputs("</span></p>\n", f);
    if (!st->db_reachable && st->db_note[0]) {
        fputs("<p>数据库 Database: ", f);
        tc_report_html_text(f, st->db_note);
        fputs("</p>\n", f);
    }
    if (st->nnotes) {
        fputs("<h2>未能查看 What this page cannot see</h2>\n<ul class=notes>\n", f);
        for (int i = 0; i < st->nnotes; i++) {
            fputs("<li>", f);
            tc_report_html_text(f, st->notes[i]);
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
    fputs("</body></html>\n", f);
    return tc_atomic_commit(a, e);
}
