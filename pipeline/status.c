/*
 * status.c - see status.h.
 *
 * The trail is the record of what ran: the last "extract" entry whose
 * output folder is WORK/batches/<county> says how many records that
 * county gave, the last "map" entry into WORK/city/<county> how many were
 * rejected.  The report says the findings; the database the batches
 * loaded; the plans under WORK/transfer and their state.
 */
#include "pipeline/status.h"

#include <dirent.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic.h"
#include "core/policy.h"
#include "core/audit.h"
#include "core/sign.h"
#include "core/version.h"
#include "db/db.h"
#include "db/pgserver.h"
#include "reconcile/report.h"

static const char *str(json_t *j) { return json_is_string(j) ? json_string_value(j) : ""; }

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

/* The value after "-o" in an entry's args. */
static const char *outdir_of(json_t *entry)
{
    json_t *args = json_object_get(entry, "args");
    for (size_t i = 0; i + 1 < json_array_size(args); i++)
        if (strcmp(str(json_array_get(args, i)), "-o") == 0)
            return json_string_value(json_array_get(args, i + 1));
    return NULL;
}

static void from_trail(tc_status *st, const char *trail)
{
    FILE *f = fopen(trail, "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        const char *cmd = json_string_value(json_object_get(j, "command"));
        const char *dir = outdir_of(j);
        json_t *rec = json_object_get(j, "records");
        for (int i = 0; cmd && dir && i < st->n; i++) {
            /* paths are recorded as given, relative to where run was: match
             * the end, WORK's own part */
            char want[64];
            int extract = strcmp(cmd, "extract") == 0, map = strcmp(cmd, "map") == 0;
            snprintf(want, sizeof(want), "/%s/%s", extract ? "batches" : "city",
                     st->rows[i].county);
            size_t dl = strlen(dir), wl = strlen(want);
            if ((!extract && !map) || dl < wl || strcmp(dir + dl - wl, want) != 0)
                continue;
            if (extract)
                st->rows[i].extracted = json_integer_value(json_object_get(rec, "records"));
            else
                st->rows[i].rejects = json_integer_value(json_object_get(rec, "rejected"));
        }
        json_decref(j);
    }
    free(line);
    fclose(f);
}

static void from_report(tc_status *st)
{
    char p[TC_MANIFEST_PATH + 40];
    snprintf(p, sizeof(p), "%s/reconciliation.json", st->reports);
    json_t *doc = json_load_file(p, 0, NULL);
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
    if (named && named[0]) {
        snprintf(conn, sizeof(conn), "%s", named);
    } else {
        char dir[TC_MANIFEST_PATH + 8];
        struct stat sb;
        snprintf(dir, sizeof(dir), "%s/db", m->work);
        if (stat(dir, &sb) != 0) {
            snprintf(st->db_note, sizeof(st->db_note), "no database yet");
            return;
        }
        if (tc_pgserver_attach(&srv, dir, &e) != 0) {
            if (tc_pgserver_start(&srv, dir, 0, &e) != 0) {
                snprintf(st->db_note, sizeof(st->db_note), "the embedded database would not start");
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
    /* leave a server that was running as it was; stop one started here */
    if (srv && started)
        tc_pgserver_stop(srv, &e);
    else if (srv)
        tc_pgserver_detach(srv);
}

/* The latest state a plan under WORK/transfer gives each county. */
static void from_plans(const tc_manifest *m, tc_status *st)
{
    char dir[TC_MANIFEST_PATH + 16];
    snprintf(dir, sizeof(dir), "%s/transfer", m->work);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
            continue;
        char p[TC_MANIFEST_PATH + 300];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        json_t *plan = json_load_file(p, 0, NULL);
        /* executed is the database's word (from_db) */
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
        json_decref(plan);
    }
    if (d)
        closedir(d);
}

static void from_audit(const tc_manifest *m, tc_status *st, const char *trail)
{
    struct stat sb;
    if (stat(trail, &sb) != 0) {
        st->audit_ok = -1;
        snprintf(st->audit_note, sizeof(st->audit_note), "no trail yet");
        return;
    }
    tc_err e;
    tc_signer *s;
    if (tc_signer_load(&s, m->maker_key, &e) != 0) {
        st->audit_ok = 0;
        snprintf(st->audit_note, sizeof(st->audit_note), "cannot read the maker's key: %.300s",
                 e.msg);
        return;
    }
    /* the trail's signers: every key of the policy, or the maker alone */
    const tc_pubkey *k[TC_NROLES * 64 + 1] = {tc_signer_pubkey(s)};
    size_t nk = 1;
    tc_policy *pol = NULL;
    if (m->policy[0] && tc_policy_load(&pol, m->policy, &e) == 0)
        nk += tc_policy_all_keys(pol, k + 1, sizeof(k) / sizeof(k[0]) - 1);
    tc_audit_verify_opts o = {.keys = k, .nkeys = nk};
    tc_audit_report rep = {0};
    int rc = tc_audit_verify(trail, &o, &rep, &e);
    tc_policy_free(pol);
    st->audit_entries = rep.entries;
    st->audit_ok = rc == 0;
    snprintf(st->audit_note, sizeof(st->audit_note), "%s",
             rc == 0 ? "every signature and link holds" : e.msg);
    tc_signer_free(s);
}

int tc_status_collect(const tc_manifest *m, const char *db, tc_status *st, tc_err *e)
{
    memset(st, 0, sizeof(*st));
    st->rows = calloc((size_t)m->ncounties, sizeof(*st->rows));
    if (!st->rows)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    st->n = m->ncounties;
    for (int i = 0; i < st->n; i++) {
        tc_status_row *r = &st->rows[i];
        memcpy(r->county, m->counties[i].code, 7);
        snprintf(r->name, sizeof(r->name), "%s", m->counties[i].name);
        r->extracted = r->rejects = -1;
        r->blocking = r->warnings = r->loaded = -1;
        snprintf(r->transfer, sizeof(r->transfer), "-");
    }
    char trail[TC_MANIFEST_PATH + 16];
    snprintf(trail, sizeof(trail), "%s/audit.trail", m->work);
    snprintf(st->reports, sizeof(st->reports), "%s/reports", m->work);
    from_trail(st, trail);
    from_report(st);
    from_plans(m, st);
    from_db(m, db, st);
    from_audit(m, st, trail);
    return 0;
}

void tc_status_free(tc_status *st)
{
    free(st->rows);
    st->rows = NULL;
}

/* -1 as "-", else the number. */
static const char *num(long long v, char *buf)
{
    if (v < 0)
        return "-";
    snprintf(buf, 32, "%lld", v);
    return buf;
}

void tc_status_print(const tc_status *st, FILE *f)
{
    fprintf(f, "%-7s %10s %8s %9s %9s %7s %-9s\n", "county", "extracted", "rejects", "blocking",
            "warnings", "loaded", "transfer");
    for (int i = 0; i < st->n; i++) {
        const tc_status_row *r = &st->rows[i];
        char a[32], b[32], c[32], d[32], g[32];
        fprintf(f, "%-7s %10s %8s %9s %9s %7s %-9s\n", r->county, num(r->extracted, a),
                num(r->rejects, b), num(r->blocking, c), num(r->warnings, d), num(r->loaded, g),
                r->transfer);
    }
    if (!st->db_reachable && st->db_note[0])
        fprintf(f, "database: %s\n", st->db_note);
    fprintf(f, "audit: %s%lld entries: %s\n",
            st->audit_ok == 1 ? "verified, " : st->audit_ok == 0 ? "NOT VERIFIED, " : "",
            st->audit_entries, st->audit_note);
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
          "h1{font-size:1.4em}table{border-collapse:collapse;margin:1em 0}\n"
          "th,td{border:1px solid #bbb;padding:.35em .7em}th{background:#eef2f6;text-align:left}\n"
          "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
          ".bad{color:#b00020;font-weight:bold}.ok{color:#1b6e20}\n"
          "@media print{body{margin:0}}\n</style></head><body>\n<h1>", f);
    tc_report_html_text(f, m->name[0] ? m->name : m->city);
    fprintf(f, " 移交进度 Handover status</h1>\n<p>移交基准日 Cutover %s &middot; tongchou %s</p>\n",
            m->cutover, TC_VERSION);
    fputs("<table><tr><th>统筹区 County</th><th>名称 Name</th><th>已抽取 Extracted</th>"
          "<th>拒收 Rejects</th><th>阻断问题 Blocking</th><th>警告 Warnings</th>"
          "<th>已入库批次 Loaded</th><th>划转 Transfer</th></tr>\n", f);
    for (int i = 0; i < st->n; i++) {
        const tc_status_row *r = &st->rows[i];
        char a[32], b[32], c[32], d[32], g[32];
        fprintf(f, "<tr><td>%s</td><td>", r->county);
        tc_report_html_text(f, r->name);
        fprintf(f, "</td><td class=n>%s</td><td class=\"n%s\">%s</td><td class=\"n%s\">%s</td>"
                   "<td class=n>%s</td><td class=n>%s</td><td>%s</td></tr>\n",
                num(r->extracted, a), r->rejects > 0 ? " bad" : "", num(r->rejects, b),
                r->blocking > 0 ? " bad" : "", num(r->blocking, c), num(r->warnings, d),
                num(r->loaded, g), r->transfer);
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
    fputs("</body></html>\n", f);
    return tc_atomic_commit(a, e);
}
