/*
 * cmd_batch.c - `tongchou batch show|verify BATCH...`: look inside batches.
 *
 * show prints the header as "# key value" lines, the records as
 * tab-separated text (amounts in yuan, identity numbers masked unless
 * --raw), and the trailer; verify reads each batch to its end and reports
 * count, totals and body digest.  Both stop with exit 5 at the first batch
 * that is not whole.
 *
 * Sealed batches (docs/personal-data.md) open with $TONGCHOU_DATA_KEY; without
 * it, verify checks what an auditor who must not see personal data can: the
 * seal's structure, the header and the trailer in its clear tail.  --raw
 * shows identity numbers in clear, so it needs a [data] holder's key that the
 * key policy ($TONGCHOU_POLICY) lists, sealed batch or not.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/atomic.h"
#include "core/batch.h"
#include "core/ident.h"
#include "core/log.h"
#include "core/money.h"
#include "core/policy.h"
#include "core/seal.h"

static void print_value(const tc_column *c, const tc_value *v, int raw)
{
    char b[TC_MONEY_BUFSZ + 32];
    switch (c->type) {
    case TC_COL_TEXT:
        if (!raw && tc_ident_looks_like_id(v->s, v->n))
            fputs(tc_ident_mask(v->s, v->n, b, sizeof(b)), stdout);
        else
            fwrite(v->s, 1, v->n, stdout);
        break;
    case TC_COL_AMOUNT:
        fputs(tc_money_format(v->i, b), stdout);
        break;
    case TC_COL_RATE:
        fputs(tc_rate_format((int32_t)v->i, b), stdout);
        break;
    case TC_COL_DATE:
        printf("%04d-%02d-%02d", (int)(v->i / 10000), (int)(v->i / 100 % 100), (int)(v->i % 100));
        break;
    case TC_COL_PERIOD:
        printf("%04d-%02d", (int)(v->i / 100), (int)(v->i % 100));
        break;
    case TC_COL_INT:
        printf("%" PRId64, v->i);
        break;
    }
}

static void print_summary(const tc_batch_header *h, const tc_batch_summary *s, const char *pfx)
{
    char b[TC_MONEY_BUFSZ];
    printf("%scount %" PRIu64 "\n", pfx, s->count);
    for (int i = 0; i < h->ncols; i++)
        if (h->cols[i].type == TC_COL_AMOUNT)
            printf("%stotal %s %s\n", pfx, h->colname[i], tc_money_format(s->totals[i], b));
    printf("%sbody %s\n", pfx, s->body);
}

static int show(const char *path, int raw, tc_err *e)
{
    tc_batch_reader *r;
    int rc = tc_batch_open(&r, path, 0, e);
    if (rc)
        return rc;
    const tc_batch_header *h = tc_batch_header_of(r);
    printf("# type %s\n# county %s\n# pool %s\n# coding %s\n# cutover %s\n# source %s\n"
           "# controls %s\n# mappings %s\n", h->type, h->county, h->pool[0] ? h->pool : "-",
           h->coding, h->cutover[0] ? h->cutover : "-", h->source[0] ? h->source : "-",
           tc_controls_name(h->controls), h->mappings[0] ? h->mappings : "-");
    for (int i = 0; i < h->ncols; i++)
        printf("%s%s", i ? "\t" : "", h->colname[i]);
    putchar('\n');
    const tc_value *v;
    while ((rc = tc_batch_next(r, &v, e)) == 1) {
        for (int i = 0; i < h->ncols; i++) {
            if (i)
                putchar('\t');
            print_value(&h->cols[i], &v[i], raw);
        }
        putchar('\n');
    }
    if (rc == 0)
        print_summary(h, tc_batch_summary_of(r), "# ");
    tc_batch_close(r);
    return rc;
}

/* --raw is for the policy's [data] holders only. */
static int raw_allowed(tc_err *e)
{
    const tc_seal_key *k = tc_batch_data_key();
    const char *pp = getenv("TONGCHOU_POLICY");
    if (!k || !pp || !pp[0]) {
        tc_fail(e, TC_EUSAGE, "--raw shows identity numbers in clear, for the key policy's "
                "[data] holders only");
        return tc_err_hint(e, "set TONGCHOU_DATA_KEY to your [data] key and TONGCHOU_POLICY to "
                              "the city's key policy; without --raw they are masked");
    }
    tc_policy *p;
    int rc = tc_policy_load(&p, pp, e);
    if (rc)
        return rc;
    if (!tc_policy_holder(p, tc_seal_key_id(k))) {
        tc_fail(e, TC_EUSAGE, "--raw: the data key %s is not one of the [data] holders of %s",
                tc_seal_key_id(k), pp);
        rc = tc_err_hint(e, "only a holder the city's key policy names may see identity "
                            "numbers in clear");
    }
    tc_policy_free(p);
    return rc;
}

static int unseal(const char *outdir, int n, char **paths)
{
    if (!outdir)
        return tc_cli_usage_error(&tc_cmd_batch, "unseal writes to a folder: name it with -o DIR");
    int code = tc_cli_make_outdir(outdir);
    if (code)
        return code;
    tc_err e;
    for (int i = 0; i < n; i++) {
        tc_err_clear(&e);
        const char *base = strrchr(paths[i], '/');
        char out[4096];
        snprintf(out, sizeof(out), "%s/%s", outdir, base ? base + 1 : paths[i]);
        char *a = realpath(paths[i], NULL), *b = realpath(outdir, NULL);
        int same = a && b && strncmp(a, b, strlen(b)) == 0 && a[strlen(b)] == '/' &&
                   !strchr(a + strlen(b) + 1, '/');
        free(a);
        free(b);
        if (same) {
            tc_err_at(&e, paths[i], 0, 0);
            tc_fail(&e, TC_EUSAGE, "unsealing it into %s would write over it", outdir);
            tc_err_hint(&e, "name another folder with -o DIR");
            return tc_log_fail(&e);
        }
        /* a sealed batch unseals to the batch itself; another sealed file
         * (a county archive) to its plaintext */
        char d[TC_DIGEST_TEXT_MAX];
        tc_err de;
        tc_err_clear(&de);
        int rc = tc_batch_is_sealed(paths[i]) && tc_batch_digest(paths[i], d, &de) != 0
                     ? tc_seal_unseal_file(paths[i], out, tc_batch_data_key(), &e)
                     : tc_batch_unseal(paths[i], out, &e);
        if (rc)
            return tc_log_fail(&e);
        printf("%s\n", out);
    }
    return 0;
}

const tc_command tc_cmd_batch = {
    "batch", cmd_batch, "[--raw] show|verify BATCH... | -o DIR unseal BATCH...",
    "look inside batch files",
    "  show BATCH     print the header, the records as tab-separated text and\n"
    "                 the trailer (identity numbers masked unless --raw)\n"
    "  verify BATCH   read every batch to the end and check its trailer:\n"
    "                 count, control totals, digest; exit 5 on any mismatch\n"
    "\n"
    "A sealed batch opens with TONGCHOU_DATA_KEY, a [data] holder's key; without\n"
    "one, verify checks its seal, header and trailer but not its records.\n"
    "--raw needs a [data] key that TONGCHOU_POLICY lists (docs/personal-data.md).\n"
    "  unseal BATCH   write each sealed batch, unsealed, to DIR (-o): the bytes a\n"
    "                 run without sealing writes; a sealed county archive gives\n"
    "                 its tar; needs TONGCHOU_DATA_KEY\n",
    "show verify unseal"};

int cmd_batch(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_batch, argc, argv))
        return 0;
    static const struct option opts[] = {{"raw", no_argument, NULL, 'r'},
                                         {"output", required_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    int raw = 0, c;
    char *outdir = NULL;
    while ((c = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
        if (c == 'o')
            tc_path_trim(optarg), outdir = optarg;
        else if (c == 'r')
            raw = 1;
        else
            return tc_cli_usage_error(&tc_cmd_batch, "unknown option");
    }
    if (argc - optind < 2)
        return tc_cli_usage_error(&tc_cmd_batch, "say show or verify, and name at least one batch");
    const char *verb = argv[optind];
    int is_show = strcmp(verb, "show") == 0;
    if (strcmp(verb, "unseal") == 0)
        return unseal(outdir, argc - optind - 1, argv + optind + 1);
    if (!is_show && strcmp(verb, "verify") != 0)
        return tc_cli_usage_error(&tc_cmd_batch, "unknown verb '%s'", verb);
    tc_err e;
    tc_err_clear(&e);
    if (raw && is_show && raw_allowed(&e))
        return tc_log_fail(&e);
    for (int i = optind + 1; i < argc; i++) {
        tc_err_clear(&e);
        int rc;
        if (is_show) {
            rc = show(argv[i], raw, &e);
        } else if (!tc_batch_data_key() && tc_batch_is_sealed(argv[i])) {
            tc_batch_header h;
            tc_batch_summary s;
            rc = tc_batch_verify_clear(argv[i], &h, &s, &e);
            if (!rc) {
                printf("%s: sealed: %s %s %s (header and trailer whole; the records need a "
                       "data key)\n", argv[i], h.type, h.county, h.coding);
                print_summary(&h, &s, "  ");
            }
        } else {
            tc_batch_header h;
            tc_batch_summary s;
            rc = tc_batch_verify(argv[i], &h, &s, &e);
            if (!rc) {
                printf("%s: whole: %s %s %s\n", argv[i], h.type, h.county, h.coding);
                print_summary(&h, &s, "  ");
            }
        }
        if (rc)
            return tc_log_fail(&e);
    }
    return 0;
}
