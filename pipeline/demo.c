/*
 * demo.c - see demo.h.  Every step is the real one a city would run: the
 * demo only makes the inputs (city, keys, manifest) and reads the results.
 */
#include "pipeline/demo.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/perm.h"
#include "core/atomic.h"
#include "core/jsonfile.h"
#include "core/money.h"
#include "core/policy.h"
#include "core/seal.h"
#include "core/proc.h"
#include "core/sign.h"
#include "core/version.h"
#include "generate/gen.h"
#include "load/mirror.h"
#include "db/pgserver.h"
#include "transfer/transfer.h"
#include "pipeline/certify.h"
#include "pipeline/docsign.h"
#include "pipeline/manifest.h"
#include "pipeline/run.h"
#include "pipeline/status.h"

#define P 1024

static int remove_tree(const char *path, tc_err *e)
{
    const char *argv[] = {"rm", "-rf", "--", path, NULL};
    return tc_proc_run("/bin/rm", argv, NULL, e);
}

/* DIR/city.ini from the answer key: one section per county, its source
 * as exported, the shipped profile for legacy databases. */
static int write_manifest(const char *dir, const char *cutover, int seal, tc_err *e)
{
    char key[P + 32], path[P + 16];
    snprintf(key, sizeof(key), "%s/city/answer-key.json", dir);
    snprintf(path, sizeof(path), "%s/city.ini", dir);
    json_error_t je;
    json_t *k = json_load_file(key, 0, &je);
    if (!k)
        return tc_fail(e, TC_EIO, "cannot read %s: %s", key, je.text);
    tc_atomic *a;
    int rc = tc_atomic_open(&a, path, e);
    if (rc) {
        json_decref(k);
        return rc;
    }
    FILE *f = tc_atomic_file(a);
    fprintf(f, "; The example city's handover, written by `tongchou demo`.\n"
               "; Paths are taken from this file's folder.\n\n"
               "[city]\ncode = 220100\nname = 长春市 (example)\ncutover = %s\n"
               "mappings = %s/mappings/changchun\nwork = work\n"
               "; database = postgresql://...   (none: an embedded server in work/db)\n\n"
               "[keys]\nmaker = keys/maker.key\npolicy = keys/policy.ini\n%s",
            cutover, TC_SOURCE_DIR,
            seal ? "data = keys/data.key     ; opens the batches the policy's [data] seals\n"
                 : "");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(k, "counties"), i, c) {
        json_t *src = json_object_get(c, "source");
        const char *file = json_string_value(json_object_get(src, "file"));
        const char *format = json_string_value(json_object_get(src, "format"));
        fprintf(f, "\n[county %s]\nname = %s\nsource = city/%s\n",
                json_string_value(json_object_get(c, "county")),
                json_string_value(json_object_get(c, "name")), file ? file : "?");
        if (format && strncmp(format, "handover", 8) != 0)
            fprintf(f, "profile = yb2008\n");
    }
    json_decref(k);
    return tc_atomic_commit(a, e);
}

/* The five parties of a handover certificate, and their keys' files under
 * DIR/keys/parties/: COUNTY-FILE.key for a county's, FILE.key for the
 * city's and the audit office's. */
static const struct {
    const char *name, *file;
    int county;
} PARTIES[] = {{"县医疗保障局", "healthcare", 1},
               {"县财政局", "finance", 1},
               {"市医疗保障局", "city-healthcare", 0},
               {"市财政局", "city-finance", 0},
               {"审计局", "audit-office", 0}};
#define NPARTIES (sizeof(PARTIES) / sizeof(PARTIES[0]))

static void party_key(const char *dir, size_t i, const char *county, const char *ext, char *buf,
                      size_t n)
{
    if (PARTIES[i].county)
        snprintf(buf, n, "%s/keys/parties/%s-%s.%s", dir, county, PARTIES[i].file, ext);
    else
        snprintf(buf, n, "%s/keys/parties/%s.%s", dir, PARTIES[i].file, ext);
}

/* A key pair for every party: each county's two bureaus, the city's two
 * and the audit office; into spec (parties and their .pub paths, owned by
 * the caller: *pubs, free each and it). */
static int make_party_keys(const char *dir, tc_policy_spec *spec, tc_policy_party_spec **ps,
                           char ***pubs, tc_err *e)
{
    char path[P + 32], id[TC_KEYID_MAX];
    snprintf(path, sizeof(path), "%s/city/answer-key.json", dir);
    json_error_t je;
    json_t *k = json_load_file(path, 0, &je);
    if (!k)
        return tc_fail(e, TC_EIO, "cannot read %s: %s", path, je.text);
    size_t nc = json_array_size(json_object_get(k, "counties")), n = 0;
    *ps = calloc(NPARTIES * (nc + 1), sizeof(**ps));
    *pubs = calloc(NPARTIES * (nc + 1) + 1, sizeof(char *));
    snprintf(path, sizeof(path), "%s/keys/parties", dir);
    int rc = !*ps || !*pubs ? tc_fail(e, TC_ENOMEM, "out of memory")
                            : tc_mkdir_p(path, 0700, e);
    for (size_t i = 0; !rc && i < NPARTIES; i++) {
        for (size_t c = 0; !rc && c < (PARTIES[i].county ? nc : 1); c++) {
            const char *county = PARTIES[i].county
                ? json_string_value(json_object_get(json_array_get(json_object_get(k, "counties"),
                                                                   c), "county"))
                : NULL;
            char base[P + 64], pub[P + 64];
            party_key(dir, i, county ? county : "", "key", base, sizeof(base));
            base[strlen(base) - 4] = '\0';
            party_key(dir, i, county ? county : "", "pub", pub, sizeof(pub));
            if ((rc = tc_sign_keygen(TC_SIGN_ED25519, base, id, e)))
                break;
            if (!((*pubs)[n] = strdup(pub))) {
                rc = tc_fail(e, TC_ENOMEM, "out of memory");
                break;
            }
            /* county is the answer key's string: copied, k is freed below */
            (*ps)[n] = (tc_policy_party_spec){PARTIES[i].name,
                                              county ? strdup(county) : NULL, (*pubs)[n]};
            n++;
        }
    }
    json_decref(k);
    spec->parties = *ps;
    spec->nparties = n;
    return rc;
}

static int make_keys(const char *dir, int seal, tc_err *e)
{
    char kdir[P + 8], name[P + 32], id[TC_KEYID_MAX];
    snprintf(kdir, sizeof(kdir), "%s/keys", dir);
    int rc = tc_mkdir_p(kdir, 0700, e);   /* private keys: never shared */
    if (rc)
        return rc;
    /* the maker and the checker of the city's pooling office, the audit
     * office that may waive blocking findings, and a witness that cosigns
     * checkpoints: four people, four keys, one role each */
    static const char *const who[] = {"maker", "checker", "auditor", "witness"};
    char pub[4][P + 40];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "%s/%s", kdir, who[i]);
        rc = tc_sign_keygen(TC_SIGN_ED25519, name, id, e);
        if (rc)
            return rc;
        snprintf(pub[i], sizeof(pub[i]), "%s.pub", name);
    }
    const char *makers[] = {pub[0], NULL}, *checkers[] = {pub[1], NULL};
    const char *waivers[] = {pub[2], NULL}, *witnesses[] = {pub[3], NULL};
    tc_policy_spec spec = {.city = "220100", .origin = "changchun handover (example)"};
    spec.pubs[TC_ROLE_MAKER] = makers;
    spec.pubs[TC_ROLE_CHECKER] = checkers;
    spec.pubs[TC_ROLE_WAIVER] = waivers;
    spec.pubs[TC_ROLE_WITNESS] = witnesses;
    /* --seal: the data holder, for whom every batch is sealed */
    char dpub[P + 40];
    const char *data[] = {dpub, NULL};
    if (seal) {
        snprintf(name, sizeof(name), "%s/data", kdir);
        if ((rc = tc_seal_keygen("x25519", name, id, e)))
            return rc;
        snprintf(dpub, sizeof(dpub), "%s.pub", name);
        spec.data = data;
    }
    /* the parties that sign the handover certificates, each with its own key */
    tc_policy_party_spec *ps = NULL;
    char **ppubs = NULL;
    if (!(rc = make_party_keys(dir, &spec, &ps, &ppubs, e))) {
        snprintf(name, sizeof(name), "%s/policy.ini", kdir);
        rc = tc_policy_make(&spec, name, e);
    }
    for (size_t i = 0; ps && i < spec.nparties; i++)
        free((char *)ps[i].county);
    for (size_t i = 0; ppubs && ppubs[i]; i++)
        free(ppubs[i]);
    free(ppubs);
    free(ps);
    return rc;
}

/* ------------------------------------------------------------ the transfer */

typedef struct posted {
    char county[16][7];
    tc_fen amount[16];
    int n;
    char docs[P + 16];              /* the certificates' folder */
    int certificates;
    int statements;                 /* statements, letters and lists beside them */
    char made[16][7];               /* the counties of the certificates, */
    char pdf[16][P + 40];           /* their PDFs */
    int complete;                   /* certificates every party signed */
    int signatures;                 /* entries the parties signed */
} posted;

static void on_stmt(void *arg, const tc_stmt_made *m)
{
    (void)m;
    ((posted *)arg)->statements++;
}

static void on_certificate(void *arg, const tc_cert_made *m)
{
    posted *p = arg;
    int k = 0;
    while (k < 16 && p->made[k][0])
        k++;
    if (k < 16) {
        snprintf(p->made[k], 7, "%s", m->county);
        snprintf(p->pdf[k], sizeof(p->pdf[k]), "%s", m->pdf);
    }
}

/* Every party signs every certificate with its own key, as each would at
 * its own desk with `tongchou documents sign`. */
static int sign_certificates(const tc_demo_opts *o, const tc_manifest *m, const tc_policy *pol,
                             const char *trail, posted *p, tc_err *e)
{
    int rc = 0;
    for (int k = 0; !rc && k < 16 && p->made[k][0]; k++) {
        tc_docsign_cert after = {0};
        for (size_t i = 0; !rc && i < NPARTIES; i++) {
            char key[P + 64];
            party_key(o->dir, i, p->made[k], "key", key, sizeof(key));
            tc_signer *s = NULL;
            if ((rc = tc_signer_load(&s, key, e)))
                break;
            char *argv[] = {"documents", "sign", p->pdf[k], "--as", (char *)PARTIES[i].name,
                            "-k", key, "-t", (char *)trail, "--policy", (char *)m->policy};
            tc_docsign_opts so = {.what = p->pdf[k], .party = PARTIES[i].name, .trail = trail,
                                  .policy = pol, .signer = s, .argc = 11, .argv = argv};
            if (!(rc = tc_docsign_sign(&so, &after, NULL, e)))
                p->signatures++;
            tc_signer_free(s);
        }
        p->complete += !rc && after.complete;
    }
    return rc;
}

static void on_transfer(void *arg, const tc_transfer_result *t)
{
    posted *p = arg;
    int i = 0;
    while (i < p->n && strcmp(p->county[i], t->county) != 0)
        i++;
    if (i == p->n && p->n < 16)
        snprintf(p->county[p->n++], 7, "%s", t->county);
    if (i < 16)
        tc_money_add(p->amount[i], t->amount, &p->amount[i]);
}

/* The checker approves the maker's plan; the plan is executed. */
static int transfer(const tc_demo_opts *o, const tc_manifest *m, const tc_mapset *maps,
                    const tc_run_result *r, posted *p, tc_err *e)
{
    char checker[P + 32], report[P + 40], trail[P + 16];
    snprintf(checker, sizeof(checker), "%s/keys/checker.key", o->dir);
    snprintf(report, sizeof(report), "%s/reconciliation.json", r->reports);
    snprintf(trail, sizeof(trail), "%s/audit.trail", m->work);
    tc_policy *pol;
    int rc = tc_policy_load(&pol, m->policy, e);
    if (rc)
        return rc;
    char *aargv[] = {"transfer", "approve", (char *)r->plan, "-r", report, "-k", checker,
                     "--policy", (char *)m->policy};
    tc_transfer_approve_opts ao = {.db = r->db_conninfo, .plan = r->plan,
                                   .reconciliation = report, .key = checker, .policy = pol,
                                   .audit = {.trail = trail, .argc = 9, .argv = aargv}};
    if ((rc = tc_transfer_approve(&ao, NULL, e))) {
        tc_policy_free(pol);
        return rc;
    }
    char *xargv[] = {"transfer", "execute", (char *)r->plan, "-r", report, "-m",
                     (char *)m->mappings, "-k", (char *)m->maker_key, "--policy",
                     (char *)m->policy};
    tc_transfer_exec_opts x = {.db = r->db_conninfo,
                               .plan = r->plan,
                               .reconciliation = report,
                               .mappings = maps,
                               .policy = pol,
                               .key = m->maker_key,
                               .audit = {.trail = trail, .argc = 11, .argv = xargv},
                               .on_result = on_transfer,
                               .arg = p};
    tc_transfer_exec_summary s = {0};
    rc = tc_transfer_execute(&x, &s, e);
    /* the handover certificates of the counties whose money moved, bound
     * to the trail the transfer was recorded in */
    if (!rc) {
        snprintf(p->docs, sizeof(p->docs), "%s/documents", m->work);
        char *dargv[] = {"documents", "-r", report, "--plan", (char *)r->plan, "-t", trail,
                         "--policy", (char *)m->policy, "-o", p->docs};
        tc_signer *maker = NULL;
        if (!(rc = tc_signer_load(&maker, m->maker_key, e))) {
            tc_certify_opts co = {.reconciliation = report, .plan = r->plan, .trail = trail,
                                  .policy = pol, .outdir = p->docs, .signer = maker,
                                  .argc = 11, .argv = dargv, .on_made = on_certificate,
                                  .on_stmt = on_stmt, .arg = p,
                                  .jobs = o->jobs > 0 ? o->jobs
                                                      : (int)sysconf(_SC_NPROCESSORS_ONLN)};
            rc = tc_certify(&co, &p->certificates, e);
        }
        tc_signer_free(maker);
        if (!rc)
            rc = sign_certificates(o, m, pol, trail, p, e);
    }
    tc_policy_free(pol);
    return rc;
}

/* ------------------------------------------------------------ the summary */

static const char *str(json_t *j) { return json_is_string(j) ? json_string_value(j) : "?"; }

static void summary(FILE *out, const tc_run_result *r, const tc_status *st, const posted *p,
                    const char *dir)
{
    char path[P + 64];
    snprintf(path, sizeof(path), "%s/reconciliation.json", r->reports);
    json_t *doc;
    tc_err je;
    tc_json_read_file(&doc, path, TC_JSON_FILE_MAX, 0, &je);   /* NULL: an empty table */
    fprintf(out, "\n%-8s %18s %18s %9s %9s  %s\n", "county", "cash (yuan)", "moved (yuan)",
            "blocking", "warnings", "name");
    tc_fen moved_total = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "counties"), i, c) {
        const char *code = str(json_object_get(c, "county"));
        tc_fen sum = 0;
        size_t k;
        json_t *fund;
        json_array_foreach(json_object_get(c, "funds"), k, fund) {
            const char *t = str(json_object_get(fund, "transfer"));
            tc_fen v;
            tc_err e;
            if (tc_money_parse_yuan(t, strlen(t), &v, &e) == 0)
                tc_money_add(sum, v, &sum);
        }
        const tc_status_row *row = NULL;
        for (int j = 0; j < st->n; j++)
            if (strcmp(st->rows[j].county, code) == 0)
                row = &st->rows[j];
        char moved[TC_MONEY_BUFSZ + 32] = "held *";
        for (int j = 0; j < p->n; j++)
            if (strcmp(p->county[j], code) == 0) {
                tc_money_format(p->amount[j], moved);
                tc_money_add(moved_total, p->amount[j], &moved_total);
            }
        char b[TC_MONEY_BUFSZ];
        fprintf(out, "%-8s %18s %18s %9d %9d  %s\n", code, tc_money_format(sum, b), moved,
                row ? row->blocking : 0, row ? row->warnings : 0, row ? row->name : "");
    }
    json_t *tot = json_object_get(doc, "totals");
    char b[TC_MONEY_BUFSZ];
    fprintf(out, "%-8s %18s %18s\n", "total", str(json_object_get(tot, "transfer")),
            tc_money_format(moved_total, b));
    fprintf(out, "* held: blocking findings, not waived (see the report)\n"
                 "claims carried over %s yuan, debts %s yuan; reconciliation %s\n",
            str(json_object_get(tot, "claims")), str(json_object_get(tot, "debts")),
            str(json_object_get(doc, "status")));
    json_decref(doc);
    fprintf(out, "\nreport (HTML):  %s/reconciliation.html\n", r->reports);
    fprintf(out, "workbook:       %s/reconciliation.xlsx\n", r->reports);
    fprintf(out, "findings:       %s/findings.csv\n", r->reports);
    fprintf(out, "status page:    %s/status.html\n", dir);
    fprintf(out, "transfer plan:  %s (made, approved, executed)\n", r->plan);
    fprintf(out, "certificates:   %s/COUNTY.certificate.pdf and .xlsx (%d counties)\n",
            p->docs, p->certificates);
    fprintf(out, "statements:     %s/COUNTY.statements.pdf and .xlsx (%d documents: balance "
            "sheets, 收支表, bank reconciliations, confirmation letters, arrears and subsidy "
            "lists)\n", p->docs, p->statements);
    fprintf(out, "signed:         %d of %d certificates complete, signed by all %d parties "
                 "(%d entries; tongchou audit verify --certificate FILE)\n",
            p->complete, p->certificates, (int)NPARTIES, p->signatures);
    fprintf(out, "manifest:       %s/city.ini  (tongchou run / status %s/city.ini)\n", dir, dir);
    fprintf(out, "audit trail:    %s/work/audit.trail\n", dir);
    fprintf(out, "audit verify:   %s (%lld entries: %s)\n",
            st->audit_ok == 1 ? "OK" : "FAILED", st->audit_entries, st->audit_note);
}

int tc_demo(const tc_demo_opts *o, FILE *out, tc_err *e)
{
    char city[P + 8], path[P + 16];
    int made = tc_mkdir_p(o->dir, tc_perm_dir(), e);   /* and the folders above it, as mkdir -p */
    if (made)
        return made;
    static const char *const fresh[] = {"city", "keys", "work"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", o->dir, fresh[i]);
        int rc = remove_tree(path, e);
        if (rc)
            return rc;
    }

    fprintf(out, "== generating the example city (%llu contribution records per county)\n",
            (unsigned long long)o->records);
    fflush(out);
    snprintf(city, sizeof(city), "%s/city", o->dir);
    tc_gen_options g;
    tc_gen_defaults(&g);
    g.dir = city;
    g.records = o->records;
    int rc = tc_gen_city(&g, e);
    if (!rc)
        rc = make_keys(o->dir, o->seal, e);
    if (!rc)
        rc = write_manifest(o->dir, g.cutover, o->seal, e);
    if (rc)
        return rc;

    fprintf(out, "== running the handover: %s/city.ini\n", o->dir);
    fflush(out);
    snprintf(path, sizeof(path), "%s/city.ini", o->dir);
    tc_manifest *m;
    if ((rc = tc_manifest_load(&m, path, e)))
        return rc;
    /* the mapping set, loaded once for the run and the transfer */
    tc_mapset *maps = NULL;
    tc_run_result r;
    if (!(rc = tc_mapset_load(&maps, m->mappings, e))) {
        tc_run_opts ro = {.jobs = o->jobs, .keep_db = 1, .maps = maps};
        rc = tc_run(m, &ro, NULL, NULL, &r, e);
    }

    posted p = {0};
    if (!rc) {
        fprintf(out, "== the transfer: planned by the maker, approved by the checker, executed; "
                     "the handover certificates and statements\n");
        fflush(out);
        rc = transfer(o, m, maps, &r, &p, e);
    }
    tc_mapset_free(maps);
    if (!rc) {
        /* the transfer's entries join the database's copy of the trail */
        char trail[P + 16];
        snprintf(trail, sizeof(trail), "%s/audit.trail", m->work);
        rc = tc_audit_mirror(r.db_conninfo, trail, m->city, NULL, e);
    }
    tc_status st = {0};
    if (!rc)
        rc = tc_status_collect(m, NULL, NULL, &st, e);
    if (!rc) {
        snprintf(path, sizeof(path), "%s/status.html", o->dir);
        rc = tc_status_html(m, &st, path, e);
    }
    /* the embedded server: stopped unless asked to keep it */
    tc_pgserver *srv;
    tc_err se;
    char dbdir[P + 16];
    snprintf(dbdir, sizeof(dbdir), "%s/db", m->work);
    if (tc_pgserver_attach(&srv, dbdir, &se) == 0) {
        if (o->keep_db)
            tc_pgserver_detach(srv);
        else
            tc_pgserver_stop(srv, &se);
    }
    if (!rc) {
        summary(out, &r, &st, &p, o->dir);
        if (o->keep_db && r.embedded)
            fprintf(out, "database:       psql -h %s -p %d -U postgres tongchou\n", r.socket_dir,
                    r.port);
        if (st.audit_ok != 1)
            rc = tc_fail(e, TC_EINTEGRITY, "the audit trail does not verify: %s", st.audit_note);
    }
    tc_status_free(&st);
    tc_manifest_free(m);
    return rc;
}
