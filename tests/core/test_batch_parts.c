/*
 * test_batch_parts.c - records written in parts (on other threads, in the
 * XML reader's segments) and spliced into one batch read back exactly as
 * if one writer had written them, with the same count, totals and order,
 * and the same bytes every time.
 */
#include "tests/support/tctest.h"

#include <inttypes.h>
#include <pthread.h>

#include "core/batch.h"

static const tc_rectype *contrib(void) { return tc_rectype_find("contribution"); }

static void header(tc_batch_header *h)
{
    tc_err e;
    assert_int_equal(tc_batch_header_init(h, contrib(), "220113", "county", &e), 0);
    strcpy(h->cutover, "2021-06-30");
}

/* Record i: its payer repeats in runs of 12, as a ledger's do. */
static void write_one(tc_batch_writer *w, int i)
{
    tc_err e;
    char payer[32];
    snprintf(payer, sizeof(payer), "91220113MA17%06d", i / 12);
    tc_value v[8] = {
        tc_v_text(payer, strlen(payer)), tc_v_text("employer", 8), tc_v_text("310", 3),
        tc_v_int(202101 + i % 12),       tc_v_int(500000 + i),     tc_v_int(700),
        tc_v_int(35000 + i),             tc_v_int(i % 7 ? 35000 + i : -12),
    };
    assert_int_equal(tc_batch_write(w, v, &e), 0);
}

/* Records [from, to) into a part of w, on a thread of its own. */
typedef struct job {
    tc_batch_writer *w, *part;
    int from, to;
} job;

static void *write_part(void *arg)
{
    job *j = arg;
    tc_err e;
    assert_int_equal(tc_batch_create_part(&j->part, j->w, &e), 0);
    for (int i = j->from; i < j->to; i++)
        write_one(j->part, i);
    assert_int_equal(tc_batch_part_finish(j->part, &e), 0);
    return NULL;
}

/* n records: the writer's own [0, own), then parts cut at cuts[]. */
static void write_split(const char *path, int n, int own, const int *cuts, int ncuts,
                        tc_batch_summary *sum)
{
    tc_err e;
    tc_batch_header h;
    header(&h);
    tc_batch_writer *w;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    for (int i = 0; i < own; i++)
        write_one(w, i);
    job jobs[8];
    pthread_t th[8];
    for (int k = 0; k < ncuts; k++) {
        jobs[k] = (job){w, NULL, k ? cuts[k - 1] : own, k + 1 < ncuts ? cuts[k] : n};
        assert_int_equal(pthread_create(&th[k], NULL, write_part, &jobs[k]), 0);
    }
    for (int k = 0; k < ncuts; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(tc_batch_append_part(w, jobs[k].part, &e), 0);
    }
    assert_int_equal(tc_batch_commit(w, sum, &e), 0);
}

static void read_all(const char *path, int n)
{
    tc_err e;
    tc_batch_reader *r;
    assert_int_equal(tc_batch_open(&r, path, 0, &e), 0);
    const tc_value *v;
    for (int i = 0; i < n; i++) {
        assert_int_equal(tc_batch_next(r, &v, &e), 1);
        char payer[32];
        snprintf(payer, sizeof(payer), "91220113MA17%06d", i / 12);
        assert_int_equal(v[0].n, 18);
        assert_memory_equal(v[0].s, payer, 18);
        assert_int_equal(v[3].i, 202101 + i % 12);
        assert_int_equal(v[4].i, 500000 + i);
        assert_int_equal(v[7].i, i % 7 ? 35000 + i : -12);
    }
    assert_int_equal(tc_batch_next(r, &v, &e), 0);
    assert_int_equal(tc_batch_summary_of(r)->count, (uint64_t)n);
    tc_batch_close(r);
}

static void test_parts_read_as_one(void **state)
{
    (void)state;
    enum { N = 50000 };
    char one[600], split[600], again[600], bare[600];
    snprintf(one, sizeof(one), "%s/one.tcb", tctest_dir);
    snprintf(split, sizeof(split), "%s/split.tcb", tctest_dir);
    snprintf(again, sizeof(again), "%s/again.tcb", tctest_dir);
    snprintf(bare, sizeof(bare), "%s/bare.tcb", tctest_dir);
    tc_batch_summary s1, s2, s3, s4;
    write_split(one, N, N, NULL, 0, &s1);
    /* own records, then three parts, one of them empty */
    const int cuts[] = {20000, 20000, 41234};
    write_split(split, N, 7001, cuts, 4, &s2);
    write_split(again, N, 7001, cuts, 4, &s3);
    /* no records of its own: everything in parts */
    write_split(bare, N, 0, cuts, 3, &s4);

    /* due = sum(35000 + i); base = sum(500000 + i) */
    long long idx = (long long)N * (N - 1) / 2;
    for (const tc_batch_summary *s = &s1; s; s = s == &s1 ? &s2 : s == &s2 ? &s4 : NULL) {
        assert_int_equal(s->count, N);
        assert_int_equal(s->totals[4], 500000LL * N + idx);
        assert_int_equal(s->totals[6], 35000LL * N + idx);
    }
    assert_int_equal(s2.totals[7], s1.totals[7]);
    read_all(one, N);
    read_all(split, N);
    read_all(bare, N);
    /* the same parts give the same bytes */
    assert_string_equal(s2.body, s3.body);
    size_t a, b;
    unsigned char *x = tctest_slurp(split, &a), *y = tctest_slurp(again, &b);
    assert_int_equal(a, b);
    assert_memory_equal(x, y, a);
    free(x);
    free(y);
    tc_batch_header h;
    tc_batch_summary v;
    tc_err e;
    assert_int_equal(tc_batch_verify(split, &h, &v, &e), 0);
    assert_int_equal(v.count, N);
}

static void test_part_misuse(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/misuse.tcb", tctest_dir);
    tc_err e;
    tc_batch_header h;
    header(&h);
    tc_batch_writer *w, *p;
    assert_int_equal(tc_batch_create(&w, path, &h, &e), 0);
    assert_int_equal(tc_batch_create_part(&p, w, &e), 0);
    write_one(p, 0);
    /* not finished: refused, and nothing of it is taken */
    assert_int_equal(tc_batch_append_part(w, p, &e), TC_EINTERNAL);
    assert_int_equal(tc_batch_writer_summary(w)->count, 0);
    assert_int_equal(tc_batch_part_finish(p, &e), 0);
    assert_int_equal(tc_batch_part_finish(p, &e), TC_EINTERNAL);
    tc_batch_abort(p);
    tc_batch_abort(w);
    assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts_read_as_one),
        cmocka_unit_test(test_part_misuse),
    };
    return cmocka_run_group_tests(tests, tctest_dir_setup, tctest_dir_teardown);
}
