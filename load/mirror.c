/*
 * mirror.c - see mirror.h.
 *
 * One pass over the trail: line k is entry seq k (audit.c keeps seq without
 * gaps); lines the table already holds are compared with the row, the rest
 * inserted with their seq, time, key, prev, RFC 6962 leaf hash and
 * signature.  The scope's rows are locked first (an advisory lock), so two
 * mirrors of the same trail do not race.
 */
#include "load/mirror.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/merkle.h"
#include "db/db.h"

static int mirror_line(PGconn *c, const char *scope, const char *line, long long have,
                       long long lineno, int *added, tc_err *e)
{
    json_t *j = json_loads(line, 0, NULL);
    long long seq = json_integer_value(json_object_get(j, "seq"));
    const char *time = json_string_value(json_object_get(j, "time"));
    const char *cmd = json_string_value(json_object_get(j, "command"));
    const char *key = json_string_value(json_object_get(j, "key"));
    const char *prev = json_string_value(json_object_get(j, "prev"));
    const char *sig = json_string_value(json_object_get(j, "sig"));
    int rc = 0;
    if (!j || seq != lineno || !time || !cmd || !key || !prev || !sig) {
        rc = tc_fail(e, TC_EINTEGRITY, "line %lld of the trail is not entry %lld", lineno,
                     lineno);
        tc_err_hint(e, "run 'tongchou audit verify' on the trail");
        json_decref(j);
        return rc;
    }
    uint8_t leaf[TC_MERKLE_HASH];
    char hash[2 * TC_MERKLE_HASH + 1], seqs[32];
    tc_merkle_leaf(line, strlen(line), leaf);
    tc_hex(leaf, TC_MERKLE_HASH, hash);
    snprintf(seqs, sizeof(seqs), "%lld", seq);
    PGresult *r = NULL;
    if (seq <= have) {
        const char *p[3] = {scope, seqs, line};
        rc = tc_db_query(c, "SELECT entry = $3 FROM tongchou.audit_entry "
                            "WHERE county = $1 AND seq = $2", 3, p, &r, "reading the mirror", e);
        if (!rc && (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), "t") != 0))
            rc = tc_fail(e, TC_EINTEGRITY, "the database's copy of audit entry %lld differs "
                         "from the trail", seq);
    } else {
        const char *p[8] = {scope, seqs, time, cmd, key, prev, line, hash};
        const char *p2[9] = {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], sig};
        rc = tc_db_query(c, "INSERT INTO tongchou.audit_entry "
                            "(county, seq, at, command, key_id, prev, entry, hash, signature) "
                            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                         9, p2, &r, "mirroring the audit trail", e);
        if (!rc)
            (*added)++;
    }
    PQclear(r);
    json_decref(j);
    return rc;
}

int tc_audit_mirror(const char *db, const char *path, const char *scope, int *added, tc_err *e)
{
    int n = 0;
    if (added)
        *added = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return tc_fail(e, TC_EIO, "cannot read the audit trail %s", path);
    PGconn *c;
    int rc = tc_db_connect(&c, db, e);
    if (rc) {
        fclose(f);
        return rc;
    }
    PGresult *r = NULL;
    const char *p[1] = {scope};
    rc = tc_db_exec(c, "BEGIN", "mirroring the audit trail", e);
    if (!rc)
        rc = tc_db_query(c, "SELECT pg_advisory_xact_lock(1952673, $1::int)", 1, p, &r,
                         "locking the mirror", e);
    PQclear(r);
    r = NULL;
    if (!rc)
        rc = tc_db_query(c, "SELECT coalesce(max(seq), 0) FROM tongchou.audit_entry "
                            "WHERE county = $1", 1, p, &r, "reading the mirror", e);
    long long have = rc ? 0 : atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long long lineno = 0;
    while (!rc && (len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] != '\n')
            break;   /* a torn last line is not an entry yet */
        line[len - 1] = '\0';
        rc = mirror_line(c, scope, line, have, ++lineno, &n, e);
    }
    if (!rc && lineno < have)
        rc = tc_fail(e, TC_EINTEGRITY, "the database holds %lld audit entries of %s, the trail "
                     "%s only %lld", have, scope, path, lineno);
    free(line);
    fclose(f);
    if (!rc)
        rc = tc_db_exec(c, "COMMIT", "mirroring the audit trail", e);
    else
        PQclear(PQexec(c, "ROLLBACK"));
    PQfinish(c);
    if (!rc && added)
        *added = n;
    return rc;
}
