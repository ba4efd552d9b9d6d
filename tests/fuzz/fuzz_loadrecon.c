/*
 * fuzz_loadrecon.c - reconciliation.json as `load` reads it
 * (load/recon_read.h: parsed and checked whole, before the database) on
 * arbitrary bytes.  The target links tc_load_files and core, no libpq.
 * Properties:
 *
 *   - no crash, no leak, no hang; a refusal is TC_EINPUT (or TC_ENOMEM)
 *     with a message, located at the file - but for transfers that do not
 *     add up to the stated total, a control total wrong, TC_EINTEGRITY as
 *     `load` has always said (exit 5);
 *   - what is accepted holds what the database part relies on and the
 *     reader promises: every county and pool six digits, the pair listed
 *     once; every fund once in its county; severities blocking or warning,
 *     and each county's status what its findings say; every cutover a
 *     date; each county's transfer the sum of its funds', the report's the
 *     sum of the counties', and the total the document states (parsed
 *     again here) equal to it;
 *   - the accepted figures are what the money module's writer gives back:
 *     each formatted as yuan parses to the same fen.
 *
 * No round trip through a writer: reconcile writes the format, from
 * batches, not from these rows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/money.h"
#include "core/record.h"
#include "load/recon_read.h"
#include "fuzz_util.h"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "accepted, but %s\n", what);
        abort();
    }
}

static int six_digits(const char *s)
{
    return s && strlen(s) == 6 && strspn(s, "0123456789") == 6;
}

static int date(const char *s)
{
    int64_t d;
    return s && tc_date_parse(s, strlen(s), &d) == 0;
}

static void same_fen(tc_fen v)
{
    char b[TC_MONEY_BUFSZ];
    tc_fen back;
    tc_err e;
    tc_money_format(v, b);
    check(tc_money_parse_yuan(b, strlen(b), &back, &e) == 0 && back == v,
          "a figure does not read back as written");
}

static void invariants(const tc_load_recon *r)
{
    check(r->mappings && date(r->cutover), "mappings or cutover are wrong");
    tc_fen all = 0;
    for (size_t i = 0; i < r->ncounties; i++) {
        const tc_load_recon_county *c = &r->counties[i];
        check(six_digits(c->county) && six_digits(c->pool), "a county or pool code is wrong");
        for (size_t j = 0; j < i; j++)
            check(strcmp(c->county, r->counties[j].county) != 0 ||
                      strcmp(c->pool, r->counties[j].pool) != 0,
                  "a county and pool are listed twice");
        tc_fen sum = 0;
        for (size_t k = 0; k < c->nfunds; k++) {
            const tc_load_recon_fund *f = &c->funds[k];
            check(f->fund && (!f->cutover || date(f->cutover)), "a fund is wrong");
            for (size_t j = 0; j < k; j++)
                check(strcmp(f->fund, c->funds[j].fund) != 0, "a fund is listed twice");
            for (int x = 0; x < TC_LOAD_RECON_FIGURES; x++)
                same_fen(f->figure[x]);
            check(tc_money_add(sum, f->figure[TC_LOAD_RECON_TRANSFER], &sum) == 0,
                  "the funds' transfers overflow");
        }
        check(sum == c->transfer, "a county's transfer is not its funds' sum");
        int blocking = 0;
        for (size_t k = 0; k < c->nfindings; k++) {
            const tc_load_recon_finding *f = &c->findings[k];
            check(f->code && f->fund && f->ref && f->message, "a finding lacks a field");
            check(strcmp(f->severity, "blocking") == 0 || strcmp(f->severity, "warning") == 0,
                  "a severity is neither blocking nor warning");
            blocking |= strcmp(f->severity, "blocking") == 0;
            same_fen(f->amount);
        }
        const char *st = blocking ? "blocked" : c->nfindings ? "findings" : "clean";
        check(strcmp(c->status, st) == 0, "a county's status is not what its findings say");
        check(tc_money_add(all, c->transfer, &all) == 0, "the counties' transfers overflow");
    }
    check(all == r->transfer, "the report's transfer is not the counties' sum");
}

/* The document parsed on its own: as many counties, and a total, when
 * it states one, equal to the counties' sum. */
static void stated_total(const tc_load_recon *r, const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    check(doc != NULL, "jansson does not parse it");
    check(json_array_size(json_object_get(doc, "counties")) == r->ncounties,
          "counties are missing");
    json_t *tot = json_object_get(doc, "totals");
    check(json_is_object(tot) == r->has_total, "the total is not seen");
    if (r->has_total) {
        const char *s = json_string_value(json_object_get(tot, "transfer"));
        tc_fen t;
        tc_err e;
        check(s && tc_money_parse_yuan(s, strlen(s), &t, &e) == 0 && t == r->transfer,
              "the stated total is not the counties' sum");
    }
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input(data, size, "reconciliation.json");
    tc_load_recon *r = NULL;
    tc_err e;
    tc_err_clear(&e);
    int rc = tc_load_recon_read(&r, path, &e);
    if (rc) {
        /* TC_EINTEGRITY is the stated total's alone: a control total */
        int total = rc == TC_EINTEGRITY && strstr(e.msg, "the report's total says");
        if ((rc != TC_EINPUT && rc != TC_ENOMEM && !total) || !e.msg[0] ||
            strcmp(e.file, path) != 0 || r) {
            fprintf(stderr, "refused with rc %d, file '%s': %s\n", rc, e.file, e.msg);
            abort();
        }
    } else {
        invariants(r);
        stated_total(r, data, size);
        /* an accepted report is one by its first byte too, as load tells them */
        check(tc_load_is_report(path), "load would take it for a batch");
    }
    tc_load_recon_free(r);
    unlink(path);
    return 0;
}
