/*
 * audit.c - see audit.h for the trail's format and guarantees.
 *
 * This file writes the trail: one entry as canonical JSON (RFC 8785, JCS:
 * jcs.h), signed in context (kind "audit-entry" and the entry's role, so
 * that the role is part of what is signed); appending under a lock;
 * recording a command; reading its lines within the limit of one
 * (AUDIT_LINE_MAX), for each, show and verify; show and repair.  Verifying
 * is in audit_verify.c, checkpoints and proofs (signed notes) in audit_note.c;
 * audit_int.h is what they share.
 */
#include "core/perm.h"
#include "core/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/atomic.h"
#include "core/digest.h"
#include "core/jcs.h"
#include "core/merkle.h"
#include "core/audit_int.h"

int audit_oom(tc_err *e) { return tc_fail(e, TC_ENOMEM, "out of memory"); }

void audit_hex32(const uint8_t *h, char *out) { tc_hex(h, TC_MERKLE_HASH, out); }

const char *tc_audit_default_path(void)
{
    const char *p = getenv("TONGCHOU_AUDIT");
    return p && p[0] ? p : "audit.trail";
}

/* ==================================================== one entry as JSON */

int audit_canon(const json_t *o, char **out, size_t *n, tc_err *e)
{
    return tc_jcs_dump(o, out, n, e);
}

int audit_role_ok(const char *role)
{
    size_t n = role ? strlen(role) : 0;
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((role[i] >= 'a' && role[i] <= 'z') || role[i] == '-'))
            return 0;
    return 1;
}

/* 1 when j holds a real number anywhere (amounts are strings or fen). */
static int has_real(const json_t *j)
{
    if (json_is_real(j))
        return 1;
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
            if (has_real(v))
                return 1;
    }
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
            if (has_real(v))
                return 1;
    }
    return 0;
}

static int parse_object(const char *text, const char *what, json_t **out, tc_err *e)
{
    if (!text) {
        *out = json_object();
        return *out ? 0 : audit_oom(e);
    }
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j || !json_is_object(j) || has_real(j)) {
        json_decref(j);
        return tc_fail(e, TC_EUSAGE, "audit entry: %s is not a JSON object of integers and "
                       "strings%s%s", what, j ? "" : ": ", j ? "" : je.text);
    }
    *out = j;
    return 0;
}

/* Mask identity numbers in every string of j (args, names, records,
 * totals): the trail is a report like any other, and is signed masked. */
static void mask_json(json_t *j)
{
    if (json_is_string(j)) {
        char *t = strdup(json_string_value(j));
        if (t) {
            tc_mask_ids_inplace(t);
            json_string_set(j, t);
            free(t);
        }
    } else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
            mask_json(v);
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
            mask_json(v);
    }
}

static json_t *files_json(const tc_audit_file *f, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *name = json_string(f[i].file);
        mask_json(name);
        json_array_append_new(a, json_pack("{s:o, s:o}", "file", name, "digest",
                                           f[i].digest ? json_string(f[i].digest)
                                                       : json_null()));
    }
    return a;
}

/* Now as RFC 3339 UTC, or $TONGCHOU_TIME (for reproducible tests), which
 * must have the same form: YYYY-MM-DDTHH:MM:SSZ. */
static int now_text(char *buf, size_t n, tc_err *e)
{
    const char *t = getenv("TONGCHOU_TIME");
    if (t && t[0]) {
        static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
        int ok = strlen(t) == strlen(shape);
        for (size_t i = 0; ok && shape[i]; i++)
            ok = shape[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : t[i] == shape[i];
        if (!ok) {
            tc_fail(e, TC_EUSAGE, "TONGCHOU_TIME '%s' is not an RFC 3339 UTC time", t);
            return tc_err_hint(e, "write it as 2026-11-24T10:00:00Z, or unset it");
        }
        snprintf(buf, n, "%s", t);
        return 0;
    }
    time_t s = time(NULL);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return 0;
}

/* The entry's line (without newline), signed: malloc'd text. */
static int entry_line(const tc_audit_entry *en, const tc_signer *s, long long seq,
                      const char *prev, char **line, tc_err *e)
{
    const char *role = en->role ? en->role : AUDIT_ROLE_DEFAULT;
    if (!audit_role_ok(role)) {
        tc_fail(e, TC_EUSAGE, "audit entry: role '%s' is not a role word", role);
        return tc_err_hint(e, "a role is lowercase letters and '-', at most 32: maker, checker, "
                              "waiver, witness, party, or recorder");
    }
    json_t *rec, *tot;
    int rc = parse_object(en->records, "records", &rec, e);
    if (rc)
        return rc;
    if ((rc = parse_object(en->totals, "totals", &tot, e))) {
        json_decref(rec);
        return rc;
    }
    json_t *args = json_array();
    for (size_t i = 0; args && i < en->nargs; i++) {
        json_t *a = json_string(en->args[i]);
        if (!a) {
            /* never dropped silently: the record would not be what ran */
            json_decref(args), json_decref(rec), json_decref(tot);
            tc_fail(e, TC_EINPUT, "audit entry: argument %zu is not valid UTF-8", i + 1);
            return tc_err_hint(e, "name files and values in UTF-8");
        }
        json_array_append_new(args, a);
    }
    mask_json(args);
    mask_json(rec);
    mask_json(tot);
    char tm[64];
    if ((rc = now_text(tm, sizeof(tm), e))) {
        json_decref(args), json_decref(rec), json_decref(tot);
        return rc;
    }
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
                          "format", AUDIT_FORMAT, "seq", (json_int_t)seq, "time", tm, "key",
                          tc_signer_id(s), "role", role,
                          "command", en->command ? en->command : "",
                          "args", args ? args : json_array(),
                          "inputs", files_json(en->inputs, en->ninputs),
                          "outputs", files_json(en->outputs, en->noutputs),
                          "mappings", en->mappings ? json_string(en->mappings) : json_null(),
                          "records", rec, "totals", tot, "prev", prev);
    if (!o)
        return tc_fail(e, TC_EUSAGE, "audit entry: a text is not valid UTF-8");
    char *body;
    size_t nbody;
    uint8_t sig[TC_SIGN_MAX];
    size_t siglen = 0;
    if ((rc = audit_canon(o, &body, &nbody, e))) {
        json_decref(o);
        tc_err_prefix(e, "audit entry: ");
        return rc;
    }
    rc = tc_signer_sign_as(s, AUDIT_KIND, role, body, nbody, sig, &siglen, e);
    free(body);
    if (rc) {
        json_decref(o);
        return rc;
    }
    char b64[2 * TC_SIGN_MAX];
    tc_b64_encode(sig, siglen, b64);
    json_object_set_new(o, "sig", json_string(b64));
    rc = audit_canon(o, line, NULL, e);
    json_decref(o);
    return rc;
}

const char *audit_str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* ============================================================ appending */

struct tc_audit {
    int fd;
    char *path;
    char *last;             /* the line last appended, for the database mirror */
    long long last_seq;
};

int tc_audit_open(tc_audit **out, const char *path, tc_err *e)
{
    int existed = access(path, F_OK) == 0;
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, tc_perm_file());
    if (fd < 0) {
        int err = errno;
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot open the audit trail: %s", strerror(err));
    }
    if (existed)
        tc_perm_check(path, "the audit trail");
    if (!existed && (tc_perm_fd(fd, tc_perm_file(), path, e) || tc_fsync_parent(path, e))) {
        close(fd);
        return e->code;
    }
    tc_audit *t = calloc(1, sizeof(*t));
    if (!t || !(t->path = strdup(path))) {
        free(t);
        close(fd);
        return audit_oom(e);
    }
    t->fd = fd;
    *out = t;
    return 0;
}

void tc_audit_close(tc_audit *t)
{
    if (!t)
        return;
    close(t->fd);
    free(t->path);
    free(t->last);
    free(t);
}

/*
 * Read the trail's last line (without its newline) into a malloc'd *line.
 * *torn is set when the file does not end in a newline; then *line holds
 * the torn bytes.  size is the file size (> 0).  A last line longer than
 * AUDIT_LINE_MAX is not read (TC_EINTEGRITY): no entry is that long.
 */
static int last_line(int fd, off_t size, const char *path, char **line, size_t *n, int *torn,
                     tc_err *e)
{
    char c;
    if (pread(fd, &c, 1, size - 1) != 1)
        goto io;
    *torn = c != '\n';
    off_t end = *torn ? size : size - 1, start = end;
    char buf[4096];
    while (start > 0 && end - start <= AUDIT_LINE_MAX) {
        off_t from = start > (off_t)sizeof(buf) ? start - (off_t)sizeof(buf) : 0;
        ssize_t got = pread(fd, buf, (size_t)(start - from), from);
        if (got != start - from)
            goto io;
        char *nl = memrchr(buf, '\n', (size_t)got);
        if (nl) {
            start = from + (nl - buf) + 1;
            break;
        }
        start = from;
    }
    if (end - start > AUDIT_LINE_MAX) {
        tc_err_at(e, path, 0, 0);
        tc_fail(e, TC_EINTEGRITY, "the audit trail's last line is longer than %d bytes, the "
                "limit of a trail line (docs/audit.md, Limits): not an entry, nothing appended",
                AUDIT_LINE_MAX);
        return tc_err_hint(e, "check it with tongchou audit verify");
    }
    *n = (size_t)(end - start);
    if (!(*line = malloc(*n + 1)))
        return audit_oom(e);
    if (pread(fd, *line, *n, start) != (ssize_t)*n) {
        free(*line);
        goto io;
    }
    (*line)[*n] = '\0';
    return 0;
io:
    tc_err_at(e, path, 0, 0);
    return tc_fail(e, TC_EIO, "cannot read the audit trail: %s", strerror(errno));
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int append_locked(tc_audit *t, const tc_audit_entry *en, const tc_signer *s,
                         long long *seqp, tc_err *e)
{
    struct stat st;
    if (fstat(t->fd, &st) != 0) {
        tc_err_at(e, t->path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot stat the audit trail: %s", strerror(errno));
    }
    long long seq = 1;
    uint8_t h[TC_MERKLE_HASH];
    char prev[2 * TC_MERKLE_HASH + 1];
    tc_merkle_root(NULL, 0, h);
    if (st.st_size > 0) {
        char *last;
        size_t n;
        int torn, rc = last_line(t->fd, st.st_size, t->path, &last, &n, &torn, e);
        if (rc)
            return rc;
        json_t *j = torn ? NULL : json_loadb(last, n, 0, NULL);
        json_t *js = json_object_get(j, "seq");
        if (torn || !json_is_integer(js) || json_integer_value(js) < 1) {
            free(last);
            json_decref(j);
            tc_err_at(e, t->path, 0, 0);
            tc_fail(e, TC_EINTEGRITY, "the audit trail's last line is %s, nothing appended",
                    torn ? "torn (no newline: a crash mid-append?)" : "not an entry");
            return tc_err_hint(e, torn ? "check it with tongchou audit verify, then cut the "
                                         "torn line off with tongchou audit repair"
                                       : "check it with tongchou audit verify");
        }
        const char *fmt = json_string_value(json_object_get(j, "format"));
        if (!fmt || strcmp(fmt, AUDIT_FORMAT) != 0) {
            free(last);
            tc_err_at(e, t->path, 0, 0);
            tc_fail(e, TC_EINPUT, "the audit trail's last entry is in format %s, written by an "
                    "older tongchou; the project is unreleased, so there is no conversion, and "
                    "nothing was appended", fmt ? fmt : "(none)");
            json_decref(j);
            return tc_err_hint(e, "start a new trail: move %s away, or name another with "
                               "TONGCHOU_AUDIT", t->path);
        }
        seq = json_integer_value(js) + 1;
        json_decref(j);
        tc_merkle_leaf(last, n, h);
        free(last);
    }
    audit_hex32(h, prev);
    char *line;
    int rc = entry_line(en, s, seq, prev, &line, e);
    if (rc)
        return rc;
    size_t n = strlen(line);
    if (n > AUDIT_LINE_MAX) {
        free(line);
        tc_err_at(e, t->path, 0, 0);
        return tc_fail(e, TC_EUSAGE, "the entry would be %zu bytes, more than the %d a trail "
                       "line may hold (docs/audit.md, Limits); nothing was appended", n,
                       AUDIT_LINE_MAX);
    }
    line[n] = '\n';     /* the JCS text left room: its NUL becomes the newline */
    if (write_all(t->fd, line, n + 1) != 0 || fsync(t->fd) != 0) {
        int err = errno;
        /* cut a partial line off again, so the trail stays whole */
        if (ftruncate(t->fd, st.st_size) == 0)
            (void)fsync(t->fd);
        free(line);
        tc_err_at(e, t->path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot append to the audit trail: %s", strerror(err));
    }
    line[n] = '\0';
    free(t->last);
    t->last = line;
    t->last_seq = seq;
    if (seqp)
        *seqp = seq;
    return 0;
}

const char *tc_audit_last(const tc_audit *t, long long *seq)
{
    if (seq)
        *seq = t->last ? t->last_seq : 0;
    return t->last;
}

int tc_audit_append(tc_audit *t, const tc_audit_entry *en, const tc_signer *s, long long *seq,
                    tc_err *e)
{
    if (flock(t->fd, LOCK_EX) != 0) {
        tc_err_at(e, t->path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot lock the audit trail: %s", strerror(errno));
    }
    int rc = append_locked(t, en, s, seq, e);
    flock(t->fd, LOCK_UN);
    return rc;
}

/* ================================================== recording a command */

static int secret_option(const char *a)
{
    return strcmp(a, "--password") == 0 || strcmp(a, "--passwd") == 0 ||
           strcmp(a, "--secret") == 0;
}

int tc_audit_record_command(const tc_audit_command *c, long long *seq, tc_err *e)
{
    if (!c->signer)
        return tc_fail(e, TC_EUSAGE, "an audit entry needs a signing key");
    int rc = 0;
    size_t na = c->argc > 1 ? (size_t)c->argc - 1 : 0;
    size_t nf = c->ninputs + c->noutputs;
    char **args = calloc(na + 1, sizeof(char *));
    tc_audit_file *files = calloc(nf + 1, sizeof(*files));
    char (*dig)[TC_DIGEST_TEXT_MAX] = calloc(nf + 1, TC_DIGEST_TEXT_MAX);
    char (*names)[4096] = calloc(c->ninputs + 1, 4096);
    if (!args || !files || !dig || !names) {
        rc = audit_oom(e);
        goto done;
    }
    for (size_t i = 0; i < na; i++) {
        const char *a = c->argv[i + 1];
        char buf[4096];
        if (i > 0 && secret_option(c->argv[i]))
            snprintf(buf, sizeof(buf), "[redacted]");
        else if (strncmp(a, "--password=", 11) == 0 || strncmp(a, "--passwd=", 9) == 0)
            snprintf(buf, sizeof(buf), "%.*s=[redacted]", (int)(strchr(a, '=') - a), a);
        else
            tc_redact_secrets(a, buf, sizeof(buf));
        if (!(args[i] = strdup(buf))) {
            rc = audit_oom(e);
            goto done;
        }
    }
    tc_digest_alg alg = c->signer && tc_signer_alg(c->signer) == TC_SIGN_SM2 ? TC_DIGEST_SM3
                                                                              : TC_DIGEST_SHA256;
    for (size_t i = 0; i < nf; i++) {
        int input = i < c->ninputs;
        const char *p = input ? c->inputs[i] : c->outputs[i - c->ninputs];
        files[i].file = p;
        if (input && tc_is_conninfo(p)) {
            tc_redact_secrets(p, names[i], sizeof(names[i]));
            files[i].file = names[i];
            continue;
        }
        if ((rc = tc_digest_file(alg, p, dig[i], e)))
            goto done;
        files[i].digest = dig[i];
    }
    tc_audit_entry en = {.command = c->argc > 0 ? c->argv[0] : "", .role = c->role,
                         .args = (const char *const *)args, .nargs = na,
                         .inputs = files, .ninputs = c->ninputs,
                         .outputs = files + c->ninputs, .noutputs = c->noutputs,
                         .mappings = c->mappings, .records = c->records, .totals = c->totals};
    tc_audit *t;
    if ((rc = tc_audit_open(&t, c->trail ? c->trail : tc_audit_default_path(), e)))
        goto done;
    rc = tc_audit_append(t, &en, c->signer, seq, e);
    tc_audit_close(t);
done:
    for (size_t i = 0; args && i < na; i++)
        free(args[i]);
    free(args);
    free(files);
    free(dig);
    free(names);
    return rc;
}

/* ======================================================== reading lines */

ssize_t audit_read_line(FILE *f, char **line, size_t *cap)
{
    size_t n = 0;
    int c;
    while ((c = getc_unlocked(f)) != EOF) {
        if (n + 2 > *cap) {
            if (*cap >= AUDIT_LINE_MAX + 2)
                return AUDIT_LINE_LONG;
            size_t nc = *cap ? 2 * *cap : 4096;
            if (nc > AUDIT_LINE_MAX + 2)
                nc = AUDIT_LINE_MAX + 2;
            char *nl = realloc(*line, nc);
            if (!nl)
                return AUDIT_LINE_OOM;
            *line = nl;
            *cap = nc;
        }
        (*line)[n++] = (char)c;
        if (c == '\n')
            break;
    }
    /* a torn last line one byte past the limit is as long as a longer one */
    if (n > AUDIT_LINE_MAX && (*line)[n - 1] != '\n')
        return AUDIT_LINE_LONG;
    return (ssize_t)n;
}

/* The refusal of line lineno of the trail at path, past AUDIT_LINE_MAX,
 * by a reader that does not verify (each, show). */
static int line_too_long(const char *path, long lineno, tc_err *e)
{
    tc_err_at(e, path, lineno, 0);
    tc_fail(e, TC_EINPUT, "line %ld is longer than %d bytes, the limit of a trail line "
            "(docs/audit.md, Limits): not an entry tongchou writes", lineno, AUDIT_LINE_MAX);
    return tc_err_hint(e, "check the trail with tongchou audit verify");
}

/* =================================================== each, show, repair */

static void show_files(FILE *f, const char *label, json_t *arr)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        char line[8192];
        const char *dg = audit_str(x, "digest");
        snprintf(line, sizeof(line), "    %-8s %s  %s\n", label, audit_str(x, "file"),
                 dg ? dg : "(not a file)");
        tc_mask_ids_inplace(line);
        fputs(line, f);
    }
}

int tc_audit_each(const char *path, int (*fn)(void *arg, const json_t *entry), void *arg,
                  tc_err *e)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        if (errno == ENOENT)
            return 0;
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot open the audit trail: %s",
                       strerror(errno));
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = 0;
    long lineno = 0;
    int rc = 0;
    while (!rc && (n = audit_read_line(in, &line, &cap)) > 0) {
        lineno++;
        json_t *o = json_loadb(line, (size_t)n, 0, NULL);
        if (json_is_object(o))
            rc = fn(arg, o);
        json_decref(o);
    }
    if (!rc && n == AUDIT_LINE_OOM)
        rc = audit_oom(e);
    else if (!rc && n == AUDIT_LINE_LONG)
        rc = line_too_long(path, lineno + 1, e);
    else if (!rc && ferror(in)) {
        tc_err_at(e, path, 0, 0);
        rc = tc_fail(e, TC_EIO, "cannot read the audit trail");
    }
    free(line);
    fclose(in);
    return rc;
}

int tc_audit_show(const char *path, FILE *f, tc_err *e)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot open the audit trail: %s",
                       strerror(errno));
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    while ((n = audit_read_line(in, &line, &cap)) > 0) {
        lineno++;
        json_t *o = json_loadb(line, (size_t)n, 0, NULL);
        if (!json_is_object(o)) {
            fprintf(f, "line %ld: not an entry%s\n", lineno,
                    line[n - 1] != '\n' ? " (torn)" : "");
            json_decref(o);
            continue;
        }
        char head[8192];
        const char *role = audit_str(o, "role");
        size_t k = (size_t)snprintf(head, sizeof(head), "#%lld  %s  %s as %s  %s",
                                    (long long)json_integer_value(json_object_get(o, "seq")),
                                    audit_str(o, "time") ? audit_str(o, "time") : "?",
                                    audit_str(o, "key") ? audit_str(o, "key") : "?",
                                    role ? role : "?",
                                    audit_str(o, "command") ? audit_str(o, "command") : "?");
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(o, "args"), i, a)
            if (k < sizeof(head))
                k += (size_t)snprintf(head + k, sizeof(head) - k, " %s", json_string_value(a));
        tc_mask_ids_inplace(head);
        fprintf(f, "%s\n", head);
        show_files(f, "in", json_object_get(o, "inputs"));
        show_files(f, "out", json_object_get(o, "outputs"));
        if (audit_str(o, "mappings"))
            fprintf(f, "    %-8s %s\n", "mappings", audit_str(o, "mappings"));
        const char *kw[] = {"records", "totals"};
        for (int j = 0; j < 2; j++) {
            json_t *x = json_object_get(o, kw[j]);
            if (json_object_size(x) == 0)
                continue;
            char *t = NULL;
            tc_err je;
            if (audit_canon(x, &t, NULL, &je) == 0) {
                tc_mask_ids_inplace(t);
                fprintf(f, "    %-8s %s\n", kw[j], t);
            }
            free(t);
        }
        json_decref(o);
    }
    free(line);
    int bad = ferror(in);
    fclose(in);
    if (n == AUDIT_LINE_OOM)
        return audit_oom(e);
    if (n == AUDIT_LINE_LONG) {
        fprintf(f, "line %ld: longer than %d bytes, not shown; the rest of the trail is not "
                "read\n", lineno + 1, AUDIT_LINE_MAX);
        return line_too_long(path, lineno + 1, e);
    }
    if (bad || ferror(f)) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot show the audit trail");
    }
    return 0;
}

int tc_audit_repair(const char *path, long long *cut, tc_err *e)
{
    *cut = 0;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot open the audit trail: %s",
                       strerror(errno));
    }
    int rc = 0;
    struct stat st;
    char *tail = NULL;
    size_t n = 0;
    int torn = 0;
    if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
        tc_err_at(e, path, 0, 0);
        rc = tc_fail(e, TC_EIO, "cannot lock the audit trail: %s", strerror(errno));
        goto done;
    }
    if (st.st_size == 0 || (rc = last_line(fd, st.st_size, path, &tail, &n, &torn, e)) || !torn)
        goto done;
    char saved[4200];
    snprintf(saved, sizeof(saved), "%s.torn", path);
    if (access(saved, F_OK) == 0) {
        tc_err_at(e, saved, 0, 0);
        rc = tc_fail(e, TC_EINPUT, "an earlier torn line is kept here, nothing cut");
        tc_err_hint(e, "move it away first");
        goto done;
    }
    tc_atomic *a;
    if ((rc = tc_atomic_open(&a, saved, e)))
        goto done;
    fwrite(tail, 1, n, tc_atomic_file(a));
    if ((rc = tc_atomic_commit(a, e)))
        goto done;
    if (ftruncate(fd, st.st_size - (off_t)n) != 0 || fsync(fd) != 0) {
        tc_err_at(e, path, 0, 0);
        rc = tc_fail(e, TC_EIO, "cannot cut the torn line off: %s", strerror(errno));
        goto done;
    }
    *cut = (long long)n;
done:
    free(tail);
    close(fd);   /* releases the lock */
    return rc;
}

