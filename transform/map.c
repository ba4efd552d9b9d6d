/*
 * map.c - see map.h.
 *
 * Each group (county, record type) is a merge of at most two streams of
 * county-coded records ordered by their number in the county batch: the
 * original batch alone, or a reject batch and the earlier city output
 * taken back to county codes through its lineage.  Each record is mapped
 * and written to the city batch or to the rejects; both are committed only
 * after every input was read to its verified end and the group conserves
 * its records and amounts.
 */
#include "transform/map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/batch.h"
#include "core/record.h"

enum { K_COUNTY = 1, K_REJECT, K_CITY };

typedef struct cursor {
    tc_batch_reader *r;
    int kind;
    int nc;                        /* columns of the county record */
    int rec_col;                   /* src_record (rejects, city), or -1 */
    int src[TC_MAX_COLUMNS];       /* city: src_<name> column of county column i, or -1 */
    long long pos;
    int have;                      /* a record is loaded */
    long long recno;
    tc_value v[TC_MAX_COLUMNS];
    char buf[TC_BATCH_MAX_RECORD + 64];
} cursor;

static int cursor_open(cursor *c, const char *path, int kind, const tc_batch_header *county_h,
                       tc_err *e)
{
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->rec_col = -1;
    int rc = tc_batch_open(&c->r, path, 0, e);
    if (rc)
        return rc;
    const tc_batch_header *h = tc_batch_header_of(c->r);
    c->nc = county_h->ncols;
    for (int i = 0; i < c->nc; i++) {
        c->src[i] = -1;
        if (i >= h->ncols || strcmp(h->colname[i], county_h->colname[i]) != 0 ||
            h->cols[i].type != county_h->cols[i].type) {
            tc_batch_close(c->r);
            c->r = NULL;
            return tc_fail(e, TC_EINPUT, "%s: its columns are not those of a %s batch", path,
                           county_h->type);
        }
    }
    if (kind != K_COUNTY)
        c->rec_col = tc_batch_header_col(h, "src_record");
    if (kind == K_CITY) {
        tc_mapcol mc[4];
        int n = tc_mapset_columns(county_h, mc);
        for (int i = 0; i < n; i++) {
            char name[40];
            snprintf(name, sizeof(name), "src_%s", county_h->colname[mc[i].col]);
            c->src[mc[i].col] = tc_batch_header_col(h, name);
        }
    }
    if (kind != K_COUNTY && c->rec_col < 0) {
        tc_batch_close(c->r);
        c->r = NULL;
        return tc_fail(e, TC_EINPUT, "%s has no src_record column", path);
    }
    return 0;
}

/* Load the next record; 1, 0 at the verified end, <0. */
static int cursor_next(cursor *c, tc_err *e)
{
    const tc_value *v;
    int k = tc_batch_next(c->r, &v, e);
    c->have = k == 1;
    if (k != 1)
        return k;
    char *p = c->buf;
    for (int i = 0; i < c->nc; i++) {
        const tc_value *s = c->src[i] >= 0 ? &v[c->src[i]] : &v[i];
        c->v[i] = *s;
        if (s->n) {
            memcpy(p, s->s, s->n);
            c->v[i].s = p;
            p += s->n;
        } else if (c->v[i].s) {
            c->v[i].s = "";
        }
    }
    c->recno = c->kind == K_COUNTY ? ++c->pos : v[c->rec_col].i;
    return 1;
}

static void cursor_close(cursor *c)
{
    tc_batch_close(c->r);
    c->r = NULL;
}

/* ------------------------------------------------------------------ groups */

typedef struct group {
    char county[7];
    char type[32];
    char county_path[1024];   /* the original batch, or "" */
    char reject_path[1024];   /* a reject batch, or "" */
    char source[TC_DIGEST_TEXT_MAX], reject_source[TC_DIGEST_TEXT_MAX];
    tc_controls controls, reject_controls;   /* what the source's control totals vouched for */
    char cutover[11];
} group;

static int classify(const char *path, group **gs, int *ng, tc_err *e)
{
    tc_batch_reader *r;
    int rc = tc_batch_open(&r, path, 0, e);
    if (rc)
        return rc;
    tc_batch_header h = *tc_batch_header_of(r);
    tc_batch_close(r);
    if (strcmp(h.coding, "county") != 0) {
        tc_fail(e, TC_EUSAGE, "%s is coded for the city already", path);
        tc_err_hint(e, "map county-coded batches (from extract) or reject batches");
        return TC_EUSAGE;
    }
    if (!tc_rectype_find(h.type))
        return tc_fail(e, TC_EINPUT, "%s: unknown record type %s", path, h.type);
    int is_reject = tc_batch_header_col(&h, "reject_dimension") >= 0;
    group *g = NULL;
    for (int i = 0; i < *ng; i++)
        if (strcmp((*gs)[i].county, h.county) == 0 && strcmp((*gs)[i].type, h.type) == 0)
            g = &(*gs)[i];
    if (!g) {
        group *n = realloc(*gs, (size_t)(*ng + 1) * sizeof(group));
        if (!n)
            return tc_fail(e, TC_ENOMEM, "out of memory");
        *gs = n;
        g = &n[(*ng)++];
        memset(g, 0, sizeof(*g));
        memcpy(g->county, h.county, 7);
        snprintf(g->type, sizeof(g->type), "%s", h.type);
    }
    char *slot = is_reject ? g->reject_path : g->county_path;
    if (slot[0])
        return tc_fail(e, TC_EUSAGE, "%s and %s are both %s batches of county %s %s", slot, path,
                       is_reject ? "reject" : "county", h.county, h.type);
    snprintf(slot, sizeof(g->county_path), "%s", path);
    snprintf(is_reject ? g->reject_source : g->source, sizeof(g->source), "%s", h.source);
    *(is_reject ? &g->reject_controls : &g->controls) = h.controls;
    if (!g->cutover[0] || !is_reject)
        snprintf(g->cutover, sizeof(g->cutover), "%s", h.cutover);
    return 0;
}

static int sum_add(int64_t *t, int64_t v, tc_err *e)
{
    if (__builtin_add_overflow(*t, v, t))
        return tc_fail(e, TC_EINPUT, "a control total overflows");
    return 0;
}

/* The group's cutover date, YYYYMMDD, 0 when its batches name none. */
static int64_t cutover_of(const group *g)
{
    int64_t cutover = 0;
    if (g->cutover[0])
        tc_date_parse(g->cutover, strlen(g->cutover), &cutover);
    return cutover;
}

/* The region code group g maps to into out (7 bytes), "" when none. */
static void region_of(const tc_mapset *m, const group *g, char out[7])
{
    int64_t cutover = cutover_of(g);
    size_t rn;
    const char *region = tc_mapset_lookup(m, TC_DIM_REGION, g->county, g->county, 6,
                                          cutover ? cutover : 99991231, &rn);
    out[0] = '\0';
    if (region && rn == 6)
        snprintf(out, 7, "%.6s", region);
}

/*
 * Where group g's city records go: DIR/REGION.TYPE.tcb when REGION has one
 * source pool, DIR/REGION.POOL.TYPE.tcb when region.csv merges several into
 * it or split.csv splits the pool (each pool keeps a batch of its own, so
 * none is written over another).
 */
static void city_path_of(const tc_mapset *m, const char *outdir, const char *region,
                         const group *g, char *out, size_t cap)
{
    if (tc_mapset_region_pools(m, region, NULL, 0) > 1 ||
        tc_mapset_split_targets(m, g->county, NULL, 0) > 0)
        snprintf(out, cap, "%s/%s.%s.%s.tcb", outdir, region, g->county, g->type);
    else
        snprintf(out, cap, "%s/%s.%s.tcb", outdir, region, g->type);
}

/*
 * The sub-ledgers group g's records go to, into regions (and their city
 * batches into paths): the region region.csv names, or, for a record type
 * split.csv splits the pool by, each sub-ledger of the split.  Returns how
 * many (0: the county has no region rule); *col gets the split column of
 * the county record, or -1.
 */
static int outputs_of(const tc_mapset *m, const group *g, const tc_batch_header *hc,
                      const char *outdir, char regions[][7], char paths[][1024], int *col)
{
    int n = 1;
    *col = tc_mapset_split_column(m, g->county, hc);
    if (*col >= 0)
        n = tc_mapset_split_targets(m, g->county, regions, TC_SPLIT_MAX);
    else
        region_of(m, g, regions[0]);
    if (!regions[0][0])
        return 0;
    for (int i = 0; i < n; i++)
        city_path_of(m, outdir, regions[i], g, paths[i], 1024);
    return n;
}

static int map_group(const tc_mapset *m, const group *g, const char *outdir, tc_map_group *res,
                     tc_err *e)
{
    const tc_rectype *rt = tc_rectype_find(g->type);
    tc_batch_header hc;   /* the county record's own columns */
    int rc = tc_batch_header_init(&hc, rt, g->county, "county", e);
    if (rc)
        return rc;
    memset(res, 0, sizeof(*res));
    memcpy(res->county, g->county, 7);
    snprintf(res->type, sizeof(res->type), "%s", g->type);
    int64_t cutover = cutover_of(g);
    char rg[TC_SPLIT_MAX][7] = {{0}};
    int scol;   /* the split's column, or -1 */
    int nout = outputs_of(m, g, &hc, outdir, rg, res->out_path, &scol);
    const char *region = nout ? rg[0] : NULL;
    for (int i = 0; i < nout; i++)
        memcpy(res->out_region[i], rg[i], 7);
    if (region)
        memcpy(res->region, region, 6);

    /* the streams: the county batch, or its rejects and each city batch */
    cursor *cs = calloc(1 + TC_SPLIT_MAX, sizeof(cursor));
    if (!cs)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int ncs = 0;
    if (g->county_path[0]) {
        if (g->reject_path[0] && strcmp(g->source, g->reject_source) != 0)
            rc = tc_fail(e, TC_EINPUT, "%s holds the rejects of another extraction than %s "
                         "(source digests differ)", g->reject_path, g->county_path);
        if (!rc && !(rc = cursor_open(&cs[0], g->county_path, K_COUNTY, &hc, e)))
            ncs = 1;
    } else {
        if (!region) {
            free(cs);
            return tc_fail(e, TC_EINPUT, "county %s still has no region rule: its rejects "
                           "cannot rejoin", g->county);
        }
        struct stat st;
        int found = 0;
        for (int i = 0; i < nout; i++)
            found += stat(res->out_path[i], &st) == 0;
        if (!found) {
            free(cs);
            tc_fail(e, TC_EUSAGE, "%s: the rejects rejoin the city batch %s, which is not there",
                    g->reject_path, res->out_path[0]);
            tc_err_hint(e, "map the original batch %s.%s.tcb instead, or give -o the folder of "
                        "the earlier map", g->county, g->type);
            return TC_EUSAGE;
        }
        if (!(rc = cursor_open(&cs[0], g->reject_path, K_REJECT, &hc, e)))
            ncs = 1;
        for (int i = 0; i < nout && !rc; i++)   /* a split's sub-ledgers merge by record */
            if (stat(res->out_path[i], &st) == 0 &&
                !(rc = cursor_open(&cs[ncs], res->out_path[i], K_CITY, &hc, e)))
                ncs++;
    }

    /* the outputs */
    tc_batch_header ho = hc, hr = hc;
    tc_mapcol mc[4];
    int nm = tc_mapset_columns(&hc, mc);
    if (!rc && region) {
        memcpy(ho.county, res->region, 7);
        memcpy(ho.pool, g->county, 7);
        snprintf(ho.coding, sizeof(ho.coding), "city");
        rc = tc_batch_header_add_column(&ho, "src_county", TC_COL_TEXT, e);
        if (!rc)
            rc = tc_batch_header_add_column(&ho, "src_record", TC_COL_INT, e);
        for (int i = 0; i < nm && !rc; i++) {
            char name[40];
            snprintf(name, sizeof(name), "src_%s", hc.colname[mc[i].col]);
            rc = tc_batch_header_add_column(&ho, name, TC_COL_TEXT, e);
        }
    }
    if (!rc) {
        rc = tc_batch_header_add_column(&hr, "src_record", TC_COL_INT, e);
        if (!rc)
            rc = tc_batch_header_add_column(&hr, "reject_dimension", TC_COL_TEXT, e);
        if (!rc)
            rc = tc_batch_header_add_column(&hr, "reject_code", TC_COL_TEXT, e);
        if (!rc)
            rc = tc_batch_header_add_column(&hr, "reject_date", TC_COL_DATE, e);
    }
    const char *src = g->county_path[0] ? g->source : g->reject_source;
    snprintf(ho.cutover, sizeof(ho.cutover), "%s", g->cutover);
    snprintf(hr.cutover, sizeof(hr.cutover), "%s", g->cutover);
    snprintf(ho.source, sizeof(ho.source), "%s", src);
    snprintf(hr.source, sizeof(hr.source), "%s", src);
    /* the source's word on its control totals travels with its records */
    ho.controls = hr.controls = g->county_path[0] ? g->controls : g->reject_controls;
    snprintf(ho.mappings, sizeof(ho.mappings), "%s", tc_mapset_digest(m));
    snprintf(hr.mappings, sizeof(hr.mappings), "%s", tc_mapset_digest(m));
    char rej_path[1024];
    snprintf(rej_path, sizeof(rej_path), "%s/%s.%s.rejects.tcb", outdir, g->county, g->type);
    tc_batch_writer *wo[TC_SPLIT_MAX] = {NULL}, *wr = NULL;
    for (int i = 0; i < nout && !rc; i++) {
        memcpy(ho.county, rg[i], 7);
        rc = tc_batch_create(&wo[i], res->out_path[i], &ho, e);
    }
    if (!rc)
        rc = tc_batch_create(&wr, rej_path, &hr, e);
    const char *scol_name = scol >= 0 ? hc.colname[scol] : NULL;

    /* the merge; each mapped column remembers its last answer and the dates
     * it holds for, so a run of the same code costs a comparison */
    struct memo {
        char code[64];
        size_t n, tn;
        const char *target;
        int64_t from, to;
    } memo[4];
    memset(memo, 0, sizeof(memo));
    for (int i = 0; i < 4; i++)
        memo[i].from = 1, memo[i].to = 0;
    int64_t in_tot[TC_MAX_COLUMNS] = {0};
    long long in = 0, last = 0;
    for (int i = 0; i < ncs && !rc; i++) {
        int k = cursor_next(&cs[i], e);
        if (k < 0)
            rc = k;
    }
    while (!rc) {
        cursor *c = NULL;
        for (int i = 0; i < ncs; i++)
            if (cs[i].have && (!c || cs[i].recno < c->recno))
                c = &cs[i];
        if (!c)
            break;
        if (c->recno <= last) {
            rc = tc_fail(e, TC_EINTEGRITY, "county %s %s: record %lld comes twice or out of "
                         "order in the inputs", g->county, g->type, c->recno);
            break;
        }
        last = c->recno;
        in++;
        for (int i = 0; i < hc.ncols && !rc; i++)
            if (hc.cols[i].type == TC_COL_AMOUNT)
                rc = sum_add(&in_tot[i], c->v[i].i, e);
        int64_t date = tc_record_map_date(&hc, c->v, cutover);
        tc_value out[TC_MAX_COLUMNS];
        memcpy(out, c->v, (size_t)hc.ncols * sizeof(tc_value));
        int bad = -1, to = 0;
        const char *bad_dim = tc_dim_name(TC_DIM_REGION);
        const tc_value *bad_code = NULL;
        tc_value county_code = tc_v_text(g->county, 6);
        if (!region) {
            bad_code = &county_code;
            bad = 0;
        }
        for (int i = 0; i < nm && bad < 0; i++) {
            const tc_value *v = &c->v[mc[i].col];
            struct memo *mm = &memo[i];
            size_t tn;
            const char *t;
            if (v->n == mm->n && date >= mm->from && date <= mm->to &&
                memcmp(v->s, mm->code, v->n) == 0) {
                t = mm->target;
                tn = mm->tn;
            } else {
                int64_t f, to;
                t = tc_mapset_lookup_range(m, mc[i].dim, g->county, v->s, v->n, date, &tn, &f, &to);
                if (t && v->n <= sizeof(mm->code)) {
                    memcpy(mm->code, v->s, v->n);
                    mm->n = v->n;
                    mm->target = t;
                    mm->tn = tn;
                    mm->from = f;
                    mm->to = to;
                }
            }
            if (!t) {
                bad = i;
                bad_dim = tc_dim_name(mc[i].dim);
                bad_code = v;
            } else {
                out[mc[i].col] = tc_v_text(t, tn);
            }
        }
        if (bad < 0 && scol >= 0) {
            /* a split: the sub-ledger the record's own (county) code names */
            const tc_value *v = &c->v[scol];
            const char *t = tc_mapset_split_target(m, g->county, scol_name, v->s, v->n);
            while (t && to < nout && strcmp(rg[to], t) != 0)
                to++;
            if (!t || to == nout) {
                bad = 0;
                bad_dim = "split";
                bad_code = v;
            }
        }
        if (bad < 0) {
            int k = hc.ncols;
            out[k++] = county_code;
            out[k++] = tc_v_int(c->recno);
            for (int i = 0; i < nm; i++)
                out[k++] = c->v[mc[i].col];
            rc = tc_batch_write(wo[to], out, e);
        } else {
            tc_value rj[TC_MAX_COLUMNS];
            memcpy(rj, c->v, (size_t)hc.ncols * sizeof(tc_value));
            int k = hc.ncols;
            const char *dn = bad_dim;
            rj[k++] = tc_v_int(c->recno);
            rj[k++] = tc_v_text(dn, strlen(dn));
            rj[k++] = *bad_code;
            rj[k++] = tc_v_int(date);
            rc = tc_batch_write(wr, rj, e);
        }
        if (!rc) {
            int k = cursor_next(c, e);
            if (k < 0)
                rc = k;
        }
    }
    /* a reject batch given with its original is checked, not used */
    if (!rc && g->county_path[0] && g->reject_path[0]) {
        cursor chk;
        if (!(rc = cursor_open(&chk, g->reject_path, K_REJECT, &hc, e))) {
            int k;
            while ((k = cursor_next(&chk, e)) == 1)
                if (chk.recno > in) {
                    rc = tc_fail(e, TC_EINPUT, "%s: record %lld is not in %s", g->reject_path,
                                 chk.recno, g->county_path);
                    break;
                }
            if (!rc && k < 0)
                rc = k;
            cursor_close(&chk);
        }
    }
    /* conservation */
    long long out_n = 0;
    for (int i = 0; i < nout; i++)
        out_n += (long long)tc_batch_writer_summary(wo[i])->count;
    long long rej_n = (long long)(wr ? tc_batch_writer_summary(wr)->count : 0);
    if (!rc && in != out_n + rej_n)
        rc = tc_fail(e, TC_EINTEGRITY, "county %s %s: %lld records in, %lld out and %lld "
                     "rejected", g->county, g->type, in, out_n, rej_n);
    for (int i = 0; i < hc.ncols && !rc; i++) {
        if (hc.cols[i].type != TC_COL_AMOUNT)
            continue;
        int64_t o = 0, r = tc_batch_writer_summary(wr)->totals[i], both;
        int over = 0;
        for (int k = 0; k < nout; k++)
            over |= __builtin_add_overflow(o, tc_batch_writer_summary(wo[k])->totals[i], &o);
        if (over || __builtin_add_overflow(o, r, &both) || both != in_tot[i])
            rc = tc_fail(e, TC_EINTEGRITY, "county %s %s column %s: %lld fen in, %lld out and "
                         "%lld rejected", g->county, g->type, hc.colname[i],
                         (long long)in_tot[i], (long long)o, (long long)r);
    }
    for (int i = 0; i < ncs; i++)
        cursor_close(&cs[i]);
    free(cs);
    for (int i = 0; i < nout && !rc; i++) {
        res->outs[i] = (long long)tc_batch_writer_summary(wo[i])->count;
        rc = tc_batch_commit(wo[i], NULL, e);
        wo[i] = NULL;
    }
    if (!rc)
        res->nout = nout;
    if (!rc && rej_n) {
        rc = tc_batch_commit(wr, NULL, e);
        wr = NULL;
        snprintf(res->reject_path, sizeof(res->reject_path), "%s", rej_path);
    } else if (!rc) {
        unlink(rej_path);   /* none now: an earlier run's rejects are stale */
    }
    for (int i = 0; i < nout; i++)
        tc_batch_abort(wo[i]);
    tc_batch_abort(wr);
    res->in = in;
    res->out = out_n;
    res->rejected = rej_n;
    return rc;
}

static int cmp_group(const void *a, const void *b)
{
    const group *x = a, *y = b;
    int c = strcmp(x->county, y->county);
    return c ? c : strcmp(x->type, y->type);
}

/* The source pool of the city batch at path into out ("" when it cannot
 * be read: the map that follows then says what is wrong with it). */
static void pool_of_batch(const char *path, char out[7])
{
    tc_batch_reader *r;
    tc_err e;
    out[0] = '\0';
    if (tc_batch_open(&r, path, 0, &e))
        return;
    snprintf(out, 7, "%s", tc_batch_pool(tc_batch_header_of(r)));
    tc_batch_close(r);
}

/* Whether a and b name one existing file. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/*
 * Never one source written over another's: two groups whose city batch
 * would have one name (a region that region.csv gives one source, reached
 * by two pools through rules for other dates), or a city batch already in
 * the output folder that is another pool's, are refused before anything
 * is written, naming both sides.  A merge that region.csv declares (several
 * sources for one region) writes a batch per pool and never collides.  Nor
 * is a county batch given as input ever written over.
 */
static int no_collision(const tc_mapset *m, const group *gs, int ng, const char *outdir,
                        tc_err *e)
{
    typedef struct gout {
        char path[1024];
        int g;
    } gout;
    gout *paths = calloc((size_t)ng * TC_SPLIT_MAX + 1, sizeof(*paths));
    if (!paths)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    int rc = 0, np = 0;
    for (int i = 0; i < ng && !rc; i++) {
        char ri[TC_SPLIT_MAX][7] = {{0}}, pi[TC_SPLIT_MAX][1024];
        const tc_rectype *rt = tc_rectype_find(gs[i].type);
        tc_batch_header hc;
        int col;
        if ((rc = tc_batch_header_init(&hc, rt, gs[i].county, "county", e)))
            break;
        int n = outputs_of(m, &gs[i], &hc, outdir, ri, pi, &col);
        /* never over an input: a city batch or rejects named as a county
         * batch given (-o the extract folder, a region coded as its county) */
        char rej[1100];
        snprintf(rej, sizeof(rej), "%s/%s.%s.rejects.tcb", outdir, gs[i].county, gs[i].type);
        for (int o = 0; o <= n && !rc; o++) {
            const char *w = o < n ? pi[o] : rej;
            for (int j = 0; j < ng && !rc; j++)
                if (gs[j].county_path[0] && same_file(w, gs[j].county_path)) {
                    tc_fail(e, TC_EINPUT, "map would write %s over its input, the county batch "
                            "%s", w, gs[j].county_path);
                    rc = tc_err_hint(e, "give -o a folder of its own for the city batches");
                }
        }
        for (int o = 0; o < n && !rc; o++) {
            for (int j = 0; j < np && !rc; j++) {
                const group *gj = &gs[paths[j].g];
                if (strcmp(pi[o], paths[j].path) != 0 || strcmp(gs[i].county, gj->county) == 0)
                    continue;
                tc_fail(e, TC_EINPUT, "county %s (%s) and county %s (%s) both map to region %s: "
                        "their %s records would be written to one %s, one over the other",
                        gj->county, gj->county_path[0] ? gj->county_path : gj->reject_path,
                        gs[i].county, gs[i].county_path[0] ? gs[i].county_path : gs[i].reject_path,
                        ri[o], gs[i].type, pi[o]);
                rc = tc_err_hint(e, "to merge pools into one sub-ledger, give each of them a "
                                    "rule for region %s in region.csv", ri[o]);
            }
            snprintf(paths[np].path, sizeof(paths[np].path), "%s", pi[o]);
            paths[np++].g = i;
            if (rc || !gs[i].county_path[0])
                continue;   /* rejects rejoin their own county's city batch */
            char had[7];
            struct stat st;
            if (stat(pi[o], &st) != 0)
                continue;
            pool_of_batch(pi[o], had);
            if (had[0] && strcmp(had, gs[i].county) != 0) {
                tc_err_at(e, pi[o], 0, 0);
                tc_fail(e, TC_EINPUT, "holds pool %s's %s records; county %s's (%s) would be "
                        "written over them", had, gs[i].type, gs[i].county, gs[i].county_path);
                rc = tc_err_hint(e, "map each pool into a folder, or under a region, of its own");
            }
        }
    }
    free(paths);
    return rc;
}

int tc_map_run(const tc_mapset *m, const char *const *inputs, int n, const char *outdir,
               tc_map_report on_group, void *arg, long long *rejected, tc_err *e)
{
    group *gs = NULL;
    int ng = 0, rc = 0;
    for (int i = 0; i < n && !rc; i++)
        rc = classify(inputs[i], &gs, &ng, e);
    if (!rc && ng)
        qsort(gs, (size_t)ng, sizeof(group), cmp_group);
    if (!rc)
        rc = no_collision(m, gs, ng, outdir, e);
    long long rej = 0;
    for (int i = 0; i < ng && !rc; i++) {
        tc_map_group res;
        rc = map_group(m, &gs[i], outdir, &res, e);
        if (!rc) {
            rej += res.rejected;
            if (on_group)
                on_group(arg, &res);
        }
    }
    free(gs);
    if (rejected)
        *rejected = rej;
    return rc;
}
