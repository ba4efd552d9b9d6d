/*
 * arrears.c - the employer arrears schedule in bounded memory.
 *
 * Only an employer whose record is not paid exactly holds state: one group
 * per (payer, fund) with its arrears by age and its overpayment.  Up to
 * r->arr_cap groups live in a group table.  When a county has more, it
 * switches to spilling: the groups so far, and from then on every record
 * with arrears or an overpayment, are appended (fixed-size arr_g rows) to
 * an unlinked file; at the end the file is sorted in runs of ARR_RUN rows,
 * the runs merged and equal keys summed into a second unlinked file, read
 * back in key order by whoever needs the schedule (the fund figures, the
 * JSON's first ARR_JSON_MAX rows, arrears.csv).  Memory: one run, and one
 * row per run while merging.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/ident.h"
#include "reconcile/rec_int.h"

#define ARR_RUN 32768 /* rows sorted in memory at a time (~4 MiB) */

static FILE *tmpfile_in(const char *dir, tc_err *e)
{
    char tmpl[600];
    snprintf(tmpl, sizeof(tmpl), "%s/.tc-arrears.XXXXXX", dir);
    int fd = mkostemp(tmpl, O_CLOEXEC);
    if (fd < 0) {
        tc_fail(e, TC_EIO, "cannot create an arrears spill file in %s: %s", dir, strerror(errno));
        return NULL;
    }
    unlink(tmpl);
    FILE *f = fdopen(fd, "w+b");
    if (!f) {
        close(fd);
        tc_fail(e, TC_EIO, "cannot open the arrears spill file: %s", strerror(errno));
    }
    return f;
}

static int spill_write(county *c, const arr_g *a, tc_err *e)
{
    if (fwrite(a, sizeof(*a), 1, c->arr_spill) != 1)
        return tc_fail(e, TC_EIO, "cannot write the arrears spill file (disk full?): %s",
                       strerror(errno));
    c->arr_spilled++;
    return 0;
}

static int add_to(arr_g *a, int64_t months, tc_fen due, tc_fen paid)
{
    if (due > paid) {
        int bucket = months <= 3 ? 0 : months <= 12 ? 1 : 2;
        return tc_money_add(a->arrears, due - paid, &a->arrears) ||
               tc_money_add(a->aging[bucket], due - paid, &a->aging[bucket]);
    }
    return tc_money_add(a->overpaid, paid - due, &a->overpaid);
}

int rec_arrears_add(tc_reconcile *r, county *c, const tc_value *payer, const tc_value *fund,
                    int64_t period, tc_fen due, tc_fen paid, tc_err *e)
{
    if (payer->n >= RT || fund->n >= RF)
        return tc_fail(e, TC_EINPUT, "payer or fund code too long");
    /* aged to the fund's cutover; a fund handed over at its own date is
     * owed nothing of the periods after it (they are the city's) */
    const fundcut_g *own = rec_fund_cutover(r, c, fund->s, fund->n);
    if (own && period > own->cutper)
        return 0;
    int64_t cut = own ? own->cutper : r->cutper;
    int64_t months = (cut / 100 * 12 + cut % 100) - (period / 100 * 12 + period % 100);
    if (!c->arr_spill) {
        keybuf k = {.n = 0};
        kb_text(&k, payer->s, payer->n);
        kb_text(&k, fund->s, fund->n);
        arr_g *a = gtab_find(&c->arr, k.b, k.n);
        if (!a && c->arr.n < r->arr_cap) {
            int created;
            if (!(a = gtab_get(&c->arr, k.b, k.n, &created)))
                return tc_fail(e, TC_ENOMEM, "out of memory");
            memcpy(a->payer, payer->s, payer->n);
            memcpy(a->fund, fund->s, fund->n);
        }
        if (a)
            return add_to(a, months, due, paid) ? tc_fail(e, TC_EINPUT, "arrears overflow") : 0;
        /* too many payers to hold: spill the table and go on spilling */
        if (!(c->arr_spill = tmpfile_in(r->tmpdir, e)))
            return e->code;
        for (size_t i = 0; i < c->arr.n; i++) {
            int rc = spill_write(c, gtab_at(&c->arr, i), e);
            if (rc)
                return rc;
        }
        gtab_free(&c->arr);
        gtab_init(&c->arr, sizeof(arr_g));
    }
    arr_g a;
    memset(&a, 0, sizeof(a));
    memcpy(a.payer, payer->s, payer->n);
    memcpy(a.fund, fund->s, fund->n);
    if (add_to(&a, months, due, paid))
        return tc_fail(e, TC_EINPUT, "arrears overflow");
    return spill_write(c, &a, e);
}

/* ------------------------------------------------------ sort and merge */

static int cmp_arr(const void *a, const void *b)
{
    const arr_g *x = a, *y = b;
    int k = strcmp(x->payer, y->payer);
    return k ? k : strcmp(x->fund, y->fund);
}

static int cmp_arr_p(const void *a, const void *b)
{
    return cmp_arr(*(const void *const *)a, *(const void *const *)b);
}

static int sum_into(arr_g *to, const arr_g *a)
{
    return tc_money_add(to->arrears, a->arrears, &to->arrears) ||
           tc_money_add(to->aging[0], a->aging[0], &to->aging[0]) ||
           tc_money_add(to->aging[1], a->aging[1], &to->aging[1]) ||
           tc_money_add(to->aging[2], a->aging[2], &to->aging[2]) ||
           tc_money_add(to->overpaid, a->overpaid, &to->overpaid);
}

/* Emit rows in key order into out, summing equal keys. */
typedef struct emitter {
    FILE *out;
    arr_g cur;
    int have;
    long long n;
} emitter;

static int emit(emitter *m, const arr_g *a, tc_err *e)
{
    if (m->have && cmp_arr(&m->cur, a) == 0)
        return sum_into(&m->cur, a) ? tc_fail(e, TC_EINPUT, "arrears overflow") : 0;
    if (m->have) {
        if (fwrite(&m->cur, sizeof(arr_g), 1, m->out) != 1)
            return tc_fail(e, TC_EIO, "cannot write an arrears spill file: %s", strerror(errno));
        m->n++;
    }
    m->cur = *a;
    m->have = 1;
    return 0;
}

static int emit_end(emitter *m, tc_err *e)
{
    if (m->have) {
        if (fwrite(&m->cur, sizeof(arr_g), 1, m->out) != 1)
            return tc_fail(e, TC_EIO, "cannot write an arrears spill file: %s", strerror(errno));
        m->n++;
        m->have = 0;
    }
    return fflush(m->out) ? tc_fail(e, TC_EIO, "cannot write an arrears spill file") : 0;
}

int rec_arrears_finish(tc_reconcile *r, county *c, tc_err *e)
{
    if (!c->arr_spill)
        return 0;
    int rc = 0;
    FILE **runs = NULL;
    size_t nruns = 0;
    arr_g *buf = malloc(ARR_RUN * sizeof(arr_g));
    if (!buf)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    if (fflush(c->arr_spill) || fseek(c->arr_spill, 0, SEEK_SET))
        rc = tc_fail(e, TC_EIO, "cannot read the arrears spill file");
    /* runs: sorted, equal keys summed */
    while (!rc) {
        size_t n = fread(buf, sizeof(arr_g), ARR_RUN, c->arr_spill);
        if (!n)
            break;
        qsort(buf, n, sizeof(arr_g), cmp_arr);
        FILE **q = realloc(runs, (nruns + 1) * sizeof(FILE *));
        if (!q) {
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
            break;
        }
        runs = q;
        if (!(runs[nruns] = tmpfile_in(r->tmpdir, e))) {
            rc = e->code;
            break;
        }
        emitter m;
        memset(&m, 0, sizeof(m));
        m.out = runs[nruns++];
        for (size_t i = 0; i < n && !rc; i++)
            rc = emit(&m, &buf[i], e);
        if (!rc)
            rc = emit_end(&m, e);
        if (!rc && fseek(m.out, 0, SEEK_SET))
            rc = tc_fail(e, TC_EIO, "cannot read an arrears spill file");
    }
    free(buf);
    fclose(c->arr_spill);
    c->arr_spill = NULL;
    /* merge the runs into the sorted file */
    arr_g *head = rc ? NULL : calloc(nruns ? nruns : 1, sizeof(arr_g));
    char *live = rc ? NULL : calloc(nruns ? nruns : 1, 1);
    if (!rc && (!head || !live))
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    if (!rc && !(c->arr_sorted = tmpfile_in(r->tmpdir, e)))
        rc = e->code;
    for (size_t i = 0; !rc && i < nruns; i++)
        live[i] = fread(&head[i], sizeof(arr_g), 1, runs[i]) == 1;
    emitter m;
    memset(&m, 0, sizeof(m));
    m.out = c->arr_sorted;
    while (!rc) {
        size_t best = nruns;
        for (size_t i = 0; i < nruns; i++)
            if (live[i] && (best == nruns || cmp_arr(&head[i], &head[best]) < 0))
                best = i;
        if (best == nruns)
            break;
        rc = emit(&m, &head[best], e);
        live[best] = fread(&head[best], sizeof(arr_g), 1, runs[best]) == 1;
    }
    if (!rc)
        rc = emit_end(&m, e);
    c->narr_sorted = m.n;
    for (size_t i = 0; i < nruns; i++)
        if (runs[i])
            fclose(runs[i]);
    free(runs);
    free(head);
    free(live);
    return rc;
}

int rec_arrears_each(const county *c, int (*fn)(void *arg, const arr_g *a), void *arg,
                     tc_err *e)
{
    int rc = 0;
    if (c->arr_sorted) {
        arr_g a;
        if (fseek(c->arr_sorted, 0, SEEK_SET))
            return tc_fail(e, TC_EIO, "cannot read the arrears spill file");
        while (!rc && fread(&a, sizeof(a), 1, c->arr_sorted) == 1)
            rc = fn(arg, &a);
        return rc;
    }
    void **v = gtab_sorted_by(&c->arr, cmp_arr_p);
    if (c->arr.n && !v)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->arr.n && !rc; i++)
        rc = fn(arg, v[i]);
    free(v);
    return rc;
}

long long rec_arrears_count(const county *c)
{
    return c->arr_sorted ? c->narr_sorted : (long long)c->arr.n;
}

/* ---------------------------------------------------------- arrears.csv */

typedef struct csvctx {
    FILE *f;
    const char *county, *pool;
} csvctx;

static int csv_row(void *arg, const arr_g *a)
{
    csvctx *x = arg;
    char p[RT + 8], b[5][TC_MONEY_BUFSZ];
    if (tc_ident_looks_like_id(a->payer, strlen(a->payer)))
        tc_ident_mask(a->payer, strlen(a->payer), p, sizeof(p));
    else
        snprintf(p, sizeof(p), "%s", a->payer);
    fprintf(x->f, "%s,%s,", x->county, x->pool);
    /* codes hold no comma or quote in practice; quote anyway when they do */
    int q = strpbrk(p, ",\"\r\n") != NULL;
    if (q) {
        fputc('"', x->f);
        for (const char *s = p; *s; s++) {
            if (*s == '"')
                fputc('"', x->f);
            fputc(*s, x->f);
        }
        fputc('"', x->f);
    } else {
        fputs(p, x->f);
    }
    fprintf(x->f, ",%s,%s,%s,%s,%s,%s\r\n", a->fund, tc_money_format(a->arrears, b[0]),
            tc_money_format(a->aging[0], b[1]), tc_money_format(a->aging[1], b[2]),
            tc_money_format(a->aging[2], b[3]), tc_money_format(a->overpaid, b[4]));
    return 0;
}

int tc_reconcile_write_arrears(const tc_reconcile *r, const char *path, tc_err *e)
{
    tc_atomic *a;
    int rc = tc_atomic_open(&a, path, e);
    if (rc)
        return rc;
    FILE *f = tc_atomic_file(a);
    fputs("\xEF\xBB\xBF" "county,pool,payer,fund,arrears,0-3,4-12,13+,overpaid\r\n", f);
    county **cs = malloc(((size_t)r->nc + 1) * sizeof(county *));
    if (!cs) {
        tc_atomic_abort(a);
        return tc_fail(e, TC_ENOMEM, "out of memory");
    }
    memcpy(cs, r->c, (size_t)r->nc * sizeof(county *));
    qsort(cs, (size_t)r->nc, sizeof(county *), rec_cmp_county);
    for (int i = 0; i < r->nc && !rc; i++) {
        csvctx x = {f, cs[i]->code, cs[i]->pool};
        rc = rec_arrears_each(cs[i], csv_row, &x, e);
    }
    free(cs);
    if (rc) {
        tc_atomic_abort(a);
        return rc;
    }
    return tc_atomic_commit(a, e);
}
