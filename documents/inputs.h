/*
 * inputs.h - what every document of a handover is made from: the executed
 * transfer plan and the reconciliation it names, read once and checked to
 * belong together (the plan's "reconciliation" digest is the file's), and
 * the small readings the documents share.  Internal to tc_documents: the
 * certificate (certificate.c) and the statements, letters and lists
 * (statements.c) both start here, so the rule lives in one place.  The
 * trail's word on the two files is the caller's (pipeline/certify.h).
 */
#ifndef TC_DOC_INPUTS_H
#define TC_DOC_INPUTS_H

#include <jansson.h>
#include <stddef.h>

#include "core/digest.h"
#include "core/err.h"
#include "core/money.h"

#define TC_PLAN_FORMAT "tongchou-transfer-plan/2"

typedef struct tc_docin {
    json_t *plan, *rec;
    char plan_digest[TC_DIGEST_TEXT_MAX];   /* SHA-256 of the plan file's bytes */
    const char *rec_digest;                 /* the plan's, checked to be the file's */
} tc_docin;

/* Read and check the pair: TC_EINPUT when a file is not a plan or a
 * reconciliation, TC_EINTEGRITY when the plan names another
 * reconciliation.  Free with tc_docin_free() whatever it returns. */
int tc_docin_read(tc_docin *in, const char *reconciliation, const char *plan, tc_err *e);
void tc_docin_free(tc_docin *in);

/* o[k] as a string, NULL when it is not one. */
const char *tc_docin_str(const json_t *o, const char *k);

/* An object's pool, its county when it names none. */
const char *tc_docin_pool(const json_t *o);

/* The reconciliation's county entry for (county, pool), and its fund. */
const json_t *tc_docin_county(const json_t *rec, const char *county, const char *pool);
const json_t *tc_docin_fund(const json_t *county, const char *fund);

/* The yuan string o[k] as fen (strict grammar); a missing key is zero when
 * optional.  TC_EINPUT naming where and k otherwise. */
int tc_docin_yuan(const json_t *o, const char *k, int optional, const char *where, tc_fen *out,
                  tc_err *e);

/* o[k] = v as a yuan string with two decimals ("75381511.76"). */
void tc_docin_put_yuan(json_t *o, const char *k, tc_fen v);

/* A yuan string the statement holds (written by tc_docin_put_yuan) as fen. */
tc_fen tc_docin_fen(const json_t *o, const char *k);

/* 2021-06-30 as 2021年6月30日, into b (n bytes). */
const char *tc_docin_cn_date(const char *d, char *b, size_t n);

/* "sha256:<hex>" of the RFC 8785 canonical JSON of st, into digest. */
int tc_docin_digest(const json_t *st, char *digest, tc_err *e);

#endif
