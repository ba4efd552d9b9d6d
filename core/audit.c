/*
 * audit.c - see audit.h for the trail's format and guarantees.
 *
 * Sections: canonical JSON and signing of one entry; appending under a
 * lock; recording a command; reading the trail (one pass, streaming, one
 * 32-byte leaf hash kept per entry); signed notes (checkpoints) and
 * tlog-proofs; verification, which collects every problem and reports the
 * first; show and repair.
 */
#include "core/audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/atomic.h"
#include "core/digest.h"
#include "core/merkle.h"
#include "core/proc.h"

#define FORMAT "tongchou-audit/1"
#define PROOF_HEADER "c2sp.org/tlog-proof@v1"
#define EMDASH "\xe2\x80\x94"
#define NOTE_MAX (1 << 20)       /* checkpoints and proofs are small */

static int oom(tc_err *e) { return tc_fail(e, TC_ENOMEM, "out of memory"); }

const char *tc_audit_default_path(void)
{
    const char *p = getenv("TONGCHOU_AUDIT");
    return p && p[0] ? p : "audit.trail";
}

static void hex32(const uint8_t *h, char *out) { tc_hex(h, TC_MERKLE_HASH, out); }

/* ==================================================== one entry as JSON */

static char *canon(const json_t *o)
{
    return json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
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
        return *out ? 0 : oom(e);
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

static void now_text(char *buf, size_t n)
{
    const char *t = getenv("TONGCHOU_TIME");
    if (t && t[0]) {
        snprintf(buf, n, "%s", t);
        return;
    }
    time_t s = time(NULL);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The entry's line (without newline), signed: malloc'd text. */
static int entry_line(const tc_audit_entry *en, const tc_signer *s, long long seq,
                      const char *prev, char **line, tc_err *e)
{
    json_t *rec, *tot;
    int rc = parse_object(en->records, "records", &rec, e);
    if (rc)
        return rc;
    if ((rc = parse_object(en->totals, "totals", &tot, e))) {
        json_decref(rec);
        return rc;
    }
    json_t *args = json_array();
    for (size_t i = 0; args && i < en->nargs; i++)
        json_array_append_new(args, json_string(en->args[i]));
    mask_json(args);
    mask_json(rec);
    mask_json(tot);
    char tm[64];
    now_text(tm, sizeof(tm));
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
                          "format", FORMAT, "seq", (json_int_t)seq, "time", tm, "key",
                          tc_signer_id(s), "command", en->command ? en->command : "",
                          "args", args ? args : json_array(),
                          "inputs", files_json(en->inputs, en->ninputs),
                          "outputs", files_json(en->outputs, en->noutputs),
                          "mappings", en->mappings ? json_string(en->mappings) : json_null(),
                          "records", rec, "totals", tot, "prev", prev);
    if (!o)
        return tc_fail(e, TC_EUSAGE, "audit entry: a text is not valid UTF-8");
    char *body = canon(o);
    uint8_t sig[TC_SIGN_MAX];
    size_t siglen = 0;
    if (!body) {
        json_decref(o);
        return oom(e);
    }
    rc = tc_signer_sign(s, body, strlen(body), sig, &siglen, e);
    free(body);
    if (rc) {
        json_decref(o);
        return rc;
    }
    char b64[2 * TC_SIGN_MAX];
    tc_b64_encode(sig, siglen, b64);
    json_object_set_new(o, "sig", json_string(b64));
    *line = canon(o);
    json_decref(o);
    return *line ? 0 : oom(e);
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
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int err = errno;
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot open the audit trail: %s", strerror(err));
    }
    if (!existed && tc_fsync_parent(path, e)) {
        close(fd);
        return e->code;
    }
    tc_audit *t = calloc(1, sizeof(*t));
    if (!t || !(t->path = strdup(path))) {
        free(t);
        close(fd);
        return oom(e);
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
 * the torn bytes.  size is the file size (> 0).
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
    while (start > 0) {
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
    *n = (size_t)(end - start);
    if (!(*line = malloc(*n + 1)))
        return oom(e);
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
        seq = json_integer_value(js) + 1;
        json_decref(j);
        tc_merkle_leaf(last, n, h);
        free(last);
    }
    hex32(h, prev);
    char *line;
    int rc = entry_line(en, s, seq, prev, &line, e);
    if (rc)
        return rc;
    size_t n = strlen(line);
    line[n] = '\n';     /* json_dumps left room: the NUL becomes the newline */
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

/* The built-in rule: nothing that might hold a password is kept. */
static void redact_builtin(const char *a, char *buf, size_t n)
{
    const char *scheme = strstr(a, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (strcasestr(a, "password=") || strcasestr(a, "passwd=") || (at && colon && colon < at))
        snprintf(buf, n, "[redacted]");
    else
        snprintf(buf, n, "%s", a);
}

static int is_live(const char *s)
{
    return strstr(s, "://") != NULL || strstr(s, "dbname=") != NULL;
}

int tc_audit_record_command(const tc_audit_command *c, long long *seq, tc_err *e)
{
    int rc = 0;
    size_t na = c->argc > 1 ? (size_t)c->argc - 1 : 0;
    size_t nf = c->ninputs + c->noutputs;
    char **args = calloc(na + 1, sizeof(char *));
    tc_audit_file *files = calloc(nf + 1, sizeof(*files));
    char (*dig)[TC_DIGEST_TEXT_MAX] = calloc(nf + 1, TC_DIGEST_TEXT_MAX);
    char (*names)[4096] = calloc(c->ninputs + 1, 4096);
    if (!args || !files || !dig || !names) {
        rc = oom(e);
        goto done;
    }
    tc_audit_redact_fn redact = c->redact ? c->redact : redact_builtin;
    for (size_t i = 0; i < na; i++) {
        const char *a = c->argv[i + 1];
        char buf[4096];
        if (i > 0 && secret_option(c->argv[i]))
            snprintf(buf, sizeof(buf), "[redacted]");
        else if (strncmp(a, "--password=", 11) == 0 || strncmp(a, "--passwd=", 9) == 0)
            snprintf(buf, sizeof(buf), "%.*s=[redacted]", (int)(strchr(a, '=') - a), a);
        else
            redact(a, buf, sizeof(buf));
        if (!(args[i] = strdup(buf))) {
            rc = oom(e);
            goto done;
        }
    }
    tc_digest_alg alg = c->signer && tc_signer_alg(c->signer) == TC_SIGN_SM2 ? TC_DIGEST_SM3
                                                                              : TC_DIGEST_SHA256;
    for (size_t i = 0; i < nf; i++) {
        int input = i < c->ninputs;
        const char *p = input ? c->inputs[i] : c->outputs[i - c->ninputs];
        files[i].file = p;
        if (input && is_live(p)) {
            redact(p, names[i], sizeof(names[i]));
            files[i].file = names[i];
            continue;
        }
        if ((rc = tc_digest_file(alg, p, dig[i], e)))
            goto done;
        files[i].digest = dig[i];
    }
    tc_audit_entry en = {.command = c->argc > 0 ? c->argv[0] : "",
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

/* ========================================================= signed notes */

typedef struct note_sig {
    char name[256];
    uint32_t id;
    uint8_t sig[TC_SIGN_MAX];
    size_t nsig;
} note_sig;

typedef struct checkpoint {
    char *buf;              /* the whole note */
    size_t ntext;           /* note text: buf[0..ntext), ends in newline */
    char origin[1024];
    uint64_t size;
    uint8_t root[TC_MERKLE_HASH];
    note_sig *sigs;
    size_t nsigs;
} checkpoint;

static void cp_free(checkpoint *c)
{
    free(c->buf);
    free(c->sigs);
    memset(c, 0, sizeof(*c));
}

static int read_small(const char *path, char **out, size_t *n, tc_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot open: %s", strerror(errno));
    }
    char *b = malloc(NOTE_MAX + 1);
    size_t k = b ? fread(b, 1, NOTE_MAX + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!b)
        return oom(e);
    if (bad || k > NOTE_MAX) {
        free(b);
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, bad ? TC_EIO : TC_EINPUT, bad ? "cannot read" : "larger than 1 MiB");
    }
    b[k] = '\0';
    *out = b;
    *n = k;
    return 0;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Parse a checkpoint note held in buf[0..n) (buf is taken over). */
static int cp_parse(checkpoint *c, char *buf, size_t n, const char *path, tc_err *e)
{
    memset(c, 0, sizeof(*c));
    c->buf = buf;
    const char *why = NULL;
    char *sep = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if (buf[i] == '\n' && buf[i + 1] == '\n')
            sep = buf + i;   /* the last blank line separates the signatures */
    for (size_t i = 0; i < n && !why; i++)
        if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
            why = "holds a control character";
    if (!why && !sep)
        why = "has no blank line before its signatures";
    if (!why && (n == 0 || buf[n - 1] != '\n'))
        why = "does not end in a newline";
    if (why)
        goto bad;
    c->ntext = (size_t)(sep - buf) + 1;
    /* body: origin, size, root */
    char *l1 = buf, *e1 = memchr(l1, '\n', c->ntext);
    char *l2 = e1 + 1, *e2 = l2 < buf + c->ntext ? memchr(l2, '\n', c->ntext - (size_t)(l2 - buf)) : NULL;
    char *l3 = e2 ? e2 + 1 : NULL;
    char *e3 = l3 && l3 < buf + c->ntext ? memchr(l3, '\n', c->ntext - (size_t)(l3 - buf)) : NULL;
    if (!e3) {
        why = "does not have the three lines of a checkpoint (origin, size, root)";
        goto bad;
    }
    if (e1 == l1 || (size_t)(e1 - l1) >= sizeof(c->origin)) {
        why = "has an empty or overlong origin";
        goto bad;
    }
    memcpy(c->origin, l1, (size_t)(e1 - l1));
    if (parse_u64(l2, (size_t)(e2 - l2), &c->size)) {
        why = "has a tree size that is not a decimal number";
        goto bad;
    }
    if (tc_b64_decode(l3, (size_t)(e3 - l3), c->root, sizeof(c->root)) != TC_MERKLE_HASH) {
        why = "has a root hash that is not 32 bytes of base64";
        goto bad;
    }
    /* signature lines */
    for (char *p = sep + 2; p < buf + n;) {
        char *eol = memchr(p, '\n', (size_t)(buf + n - p));
        size_t dl = strlen(EMDASH " ");
        char *sp = eol && (size_t)(eol - p) > dl ? memchr(p + dl, ' ', (size_t)(eol - p - dl))
                                                 : NULL;
        if (!sp || strncmp(p, EMDASH " ", dl) != 0 || sp == p + dl ||
            (size_t)(sp - p - dl) >= sizeof(c->sigs[0].name)) {
            why = "has a signature line not of the form '\xe2\x80\x94 NAME BASE64'";
            goto bad;
        }
        note_sig *ns = realloc(c->sigs, (c->nsigs + 1) * sizeof(*ns));
        if (!ns)
            return oom(e);
        c->sigs = ns;
        ns = &c->sigs[c->nsigs];
        memset(ns, 0, sizeof(*ns));
        memcpy(ns->name, p + dl, (size_t)(sp - p - dl));
        uint8_t raw[4 + TC_SIGN_MAX];
        long k = tc_b64_decode(sp + 1, (size_t)(eol - sp - 1), raw, sizeof(raw));
        if (k < 5) {
            /* a signature we cannot even decode is one we cannot know:
             * kept with no bytes, so it matches no key */
            k = 4;
            memset(raw, 0, 4);
        }
        ns->id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
        ns->nsig = (size_t)k - 4;
        memcpy(ns->sig, raw + 4, ns->nsig);
        c->nsigs++;
        p = eol + 1;
    }
    if (c->nsigs == 0) {
        why = "carries no signature";
        goto bad;
    }
    return 0;
bad:
    tc_err_at(e, path, 0, 0);
    tc_fail(e, TC_EINPUT, "not a signed checkpoint: it %s", why);
    return tc_err_hint(e, "give a file written by tongchou audit checkpoint");
}

static int cp_load(checkpoint *c, const char *path, tc_err *e)
{
    char *b;
    size_t n;
    int rc = read_small(path, &b, &n, e);
    if (rc)
        return rc;
    if ((rc = cp_parse(c, b, n, path, e)))
        cp_free(c);
    return rc;
}

/* One signature line for text by s, appended to the malloc'd *out. */
static int note_sign(const tc_signer *s, const char *text, size_t n, char *line, size_t cap,
                     tc_err *e)
{
    uint8_t raw[4 + TC_SIGN_MAX];
    size_t siglen;
    const char *name = tc_signer_id(s);
    uint32_t id = tc_pubkey_note_id(tc_signer_pubkey(s), name);
    raw[0] = (uint8_t)(id >> 24), raw[1] = (uint8_t)(id >> 16), raw[2] = (uint8_t)(id >> 8);
    raw[3] = (uint8_t)id;
    int rc = tc_signer_sign(s, text, n, raw + 4, &siglen, e);
    if (rc)
        return rc;
    char b64[2 * (4 + TC_SIGN_MAX)];
    tc_b64_encode(raw, 4 + siglen, b64);
    snprintf(line, cap, EMDASH " %s %s\n", name, b64);
    return 0;
}

/* ================================================= reading the trail */

typedef struct fmatch {
    const char *given;
    char recorded[4096];
    char digest[TC_DIGEST_TEXT_MAX];
    long long seq;
    int found, ambiguous;
} fmatch;

typedef struct vstate {
    const char *path;
    const tc_audit_verify_opts *o;
    tc_audit_report *r;
    int check_sigs;
    tc_mhash *leaves;
    size_t nleaves, cap;
    uint8_t prev[TC_MERKLE_HASH];
    fmatch *fm;
    json_t *reconcile;      /* the last reconcile entry, for rerun */
    long reconcile_line;
    tc_err *e;
} vstate;

static void problem(vstate *v, const char *where, long line, long long seq, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void problem(vstate *v, const char *where, long line, long long seq, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tc_mask_ids_inplace(msg);
    if (v->r->problems++ == 0) {
        v->r->first_seq = seq;
        v->r->first_line = line;
        tc_err_at(v->e, where, line, 0);
        tc_fail(v->e, TC_EINTEGRITY, "%s", msg);
    }
    if (v->o && v->o->problem) {
        tc_audit_problem p = {.line = line, .seq = seq, .where = where, .msg = msg};
        v->o->problem(v->o->arg, &p);
    }
}

static const tc_pubkey *find_key(const vstate *v, const char *id)
{
    for (size_t i = 0; v->o && i < v->o->nkeys; i++)
        if (strcmp(tc_pubkey_id(v->o->keys[i]), id) == 0)
            return v->o->keys[i];
    return NULL;
}

/* 1 when path a names the same file as b: equal, or one is a whole-component
 * suffix of the other ("out/x.tcb" and "/audit/out/x.tcb"). */
static int same_file(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na < nb) {
        const char *t = a;
        a = b, b = t;
        size_t tn = na;
        na = nb, nb = tn;
    }
    return strcmp(a + na - nb, b) == 0 && (na == nb || a[na - nb - 1] == '/');
}

static void match_files(vstate *v, json_t *arr, long long seq)
{
    size_t i;
    json_t *f;
    json_array_foreach(arr, i, f) {
        const char *name = json_string_value(json_object_get(f, "file"));
        const char *dg = json_string_value(json_object_get(f, "digest"));
        if (!name || !dg)
            continue;
        for (size_t k = 0; k < v->o->nfiles; k++) {
            fmatch *m = &v->fm[k];
            if (!same_file(m->given, name))
                continue;
            if (m->found && strcmp(m->recorded, name) != 0)
                m->ambiguous = 1;
            m->found = 1;
            snprintf(m->recorded, sizeof(m->recorded), "%s", name);
            snprintf(m->digest, sizeof(m->digest), "%s", dg);
            m->seq = seq;
        }
    }
}

static const char *str_field(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Check one complete line (n bytes, no newline) at lineno against v->prev. */
static void check_line(vstate *v, const char *line, size_t n, long lineno)
{
    json_error_t je;
    json_t *o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        problem(v, v->path, lineno, lineno, "line %ld is not an entry: %s", lineno,
                o ? "not a JSON object" : je.text);
        json_decref(o);
        return;
    }
    json_t *js = json_object_get(o, "seq");
    long long seq = json_is_integer(js) ? (long long)json_integer_value(js) : lineno;
    char *c = canon(o);
    if (!c || strlen(c) != n || memcmp(c, line, n) != 0)
        problem(v, v->path, lineno, seq, "entry %lld is not in canonical form (changed by hand?)",
                seq);
    free(c);
    const char *fmt = str_field(o, "format"), *prev = str_field(o, "prev"),
               *key = str_field(o, "key"), *sig = str_field(o, "sig");
    if (!fmt || strcmp(fmt, FORMAT) != 0 || !json_is_integer(js) || !prev || !key || !sig ||
        !str_field(o, "time") || !str_field(o, "command")) {
        problem(v, v->path, lineno, seq, "entry %lld lacks a field of " FORMAT, seq);
        json_decref(o);
        return;
    }
    if (seq != lineno)
        problem(v, v->path, lineno, seq, "entry %lld stands where entry %ld belongs (an entry "
                "was deleted, inserted or moved)", seq, lineno);
    char want[2 * TC_MERKLE_HASH + 1];
    hex32(v->prev, want);
    if (strcmp(prev, want) != 0)
        problem(v, v->path, lineno, seq, "entry %lld does not chain to the line before it "
                "(prev %.16s..., the line before hashes to %.16s...)", seq, prev, want);
    if (v->check_sigs) {
        const tc_pubkey *k = find_key(v, key);
        uint8_t raw[TC_SIGN_MAX];
        long nraw = tc_b64_decode(sig, strlen(sig), raw, sizeof(raw));
        json_t *body = json_deep_copy(o);
        json_object_del(body, "sig");
        char *b = canon(body);
        json_decref(body);
        if (!k)
            problem(v, v->path, lineno, seq, "entry %lld is signed by %s, not a trusted key "
                    "(give its public key with --pub, if it is one)", seq, key);
        else if (nraw <= 0 || !b || !tc_pubkey_verify(k, b, strlen(b), raw, (size_t)nraw))
            problem(v, v->path, lineno, seq, "entry %lld: the signature by %s does not verify "
                    "(the entry was changed after signing)", seq, key);
        free(b);
    }
    if (v->o && v->o->nfiles) {
        match_files(v, json_object_get(o, "inputs"), seq);
        match_files(v, json_object_get(o, "outputs"), seq);
    }
    if (v->o && v->o->rerun && strcmp(str_field(o, "command"), "reconcile") == 0) {
        json_decref(v->reconcile);
        v->reconcile = json_incref(o);
        v->reconcile_line = lineno;
    }
    json_decref(o);
}

/* Read every line of the trail: leaf hashes, chain, signatures. */
static int scan(vstate *v)
{
    FILE *f = fopen(v->path, "rb");
    if (!f) {
        tc_err_at(v->e, v->path, 0, 0);
        return tc_fail(v->e, TC_EIO, "cannot open the audit trail: %s", strerror(errno));
    }
    tc_merkle_root(NULL, 0, v->prev);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[n - 1] != '\n') {
            problem(v, v->path, lineno, lineno, "line %ld is torn: it has no newline (a crash "
                    "mid-append?); tongchou audit repair cuts it off", lineno);
            break;
        }
        n--;
        if (v->nleaves == v->cap) {
            size_t nc = v->cap ? 2 * v->cap : 256;
            tc_mhash *nl = realloc(v->leaves, nc * sizeof(tc_mhash));
            if (!nl) {
                free(line);
                fclose(f);
                return oom(v->e);
            }
            v->leaves = nl;
            v->cap = nc;
        }
        check_line(v, line, (size_t)n, lineno);
        tc_merkle_leaf(line, (size_t)n, v->leaves[v->nleaves]);
        memcpy(v->prev, v->leaves[v->nleaves], TC_MERKLE_HASH);
        v->nleaves++;
        v->r->entries++;
    }
    int bad = ferror(f);
    free(line);
    fclose(f);
    if (bad) {
        tc_err_at(v->e, v->path, 0, 0);
        return tc_fail(v->e, TC_EIO, "cannot read the audit trail");
    }
    return 0;
}

/* ======================================================= verification */

/* Check c's signatures and body against the trail read into v. */
static void check_checkpoint(vstate *v, const checkpoint *c, const char *where)
{
    size_t good = 0, known = 0;
    const tc_audit_verify_opts *o = v->o;
    int *signed_by = calloc(o->nkeys + 1, sizeof(int));
    for (size_t i = 0; i < c->nsigs; i++) {
        const note_sig *s = &c->sigs[i];
        for (size_t k = 0; k < o->nkeys; k++) {
            const tc_pubkey *pk = o->keys[k];
            if (strcmp(s->name, tc_pubkey_id(pk)) != 0 || tc_pubkey_note_id(pk, s->name) != s->id)
                continue;   /* unknown keys are ignored (signed-note) */
            known++;
            if (tc_pubkey_verify(pk, c->buf, c->ntext, s->sig, s->nsig)) {
                good++;
                if (signed_by)
                    signed_by[k] = 1;
            } else {
                problem(v, where, 0, 0, "checkpoint: the signature by %s does not verify (the "
                        "checkpoint was changed after signing)", s->name);
            }
        }
    }
    if (known == 0)
        problem(v, where, 0, 0, "checkpoint: no trusted key signed it (give the signers' "
                "public keys with --pub)");
    for (size_t q = 0; q < o->nrequired; q++) {
        int ok = 0;
        for (size_t k = 0; k < o->nkeys; k++)
            if (signed_by && signed_by[k] && strcmp(tc_pubkey_id(o->keys[k]), o->required[q]) == 0)
                ok = 1;
        if (!ok)
            problem(v, where, 0, 0, "checkpoint: no valid signature by %s, whose signature is "
                    "required", o->required[q]);
    }
    free(signed_by);
    if (o->origin && strcmp(o->origin, c->origin) != 0)
        problem(v, where, 0, 0, "checkpoint: origin '%s' where '%s' was expected", c->origin,
                o->origin);
    if (c->size > v->nleaves) {
        problem(v, where, (long)v->nleaves + 1, (long long)v->nleaves + 1,
                "checkpoint covers %" PRIu64 " entries but the trail holds %zu: entries %zu to "
                "%" PRIu64 " are missing (the trail was truncated)", c->size, v->nleaves,
                v->nleaves + 1, c->size);
        return;
    }
    uint8_t root[TC_MERKLE_HASH];
    tc_merkle_root(v->leaves, c->size, root);
    if (memcmp(root, c->root, TC_MERKLE_HASH) != 0)
        problem(v, where, 0, 0, "checkpoint: its root is not the root of the trail's first %"
                PRIu64 " entries", c->size);
}

static void check_proof(vstate *v, const char *path)
{
    char *b;
    size_t n;
    tc_err pe;
    tc_err_clear(&pe);
    if (read_small(path, &b, &n, &pe)) {
        problem(v, path, 0, 0, "proof: %s", pe.msg);
        return;
    }
    const char *why = NULL;
    uint64_t index = 0;
    tc_mhash hashes[TC_MERKLE_MAXPROOF];
    int nh = 0;
    char *p = b, *end = b + n;
    char *eol = memchr(p, '\n', n);
    if (!eol || (size_t)(eol - p) != strlen(PROOF_HEADER) || memcmp(p, PROOF_HEADER, eol - p)) {
        why = "does not start with " PROOF_HEADER;
        goto bad;
    }
    p = eol + 1;
    if (p < end && strncmp(p, "extra ", 6) == 0 && (eol = memchr(p, '\n', end - p)))
        p = eol + 1;
    eol = p < end ? memchr(p, '\n', end - p) : NULL;
    if (!eol || strncmp(p, "index ", 6) || parse_u64(p + 6, eol - p - 6, &index)) {
        why = "has no 'index N' line";
        goto bad;
    }
    for (p = eol + 1; p < end && *p != '\n'; p = eol + 1) {
        eol = memchr(p, '\n', end - p);
        if (!eol || nh == TC_MERKLE_MAXPROOF ||
            tc_b64_decode(p, eol - p, hashes[nh++], TC_MERKLE_HASH) != TC_MERKLE_HASH) {
            why = "has a proof line that is not a base64 SHA-256 hash";
            goto bad;
        }
    }
    if (p >= end) {
        why = "has no checkpoint after its proof";
        goto bad;
    }
    p++;
    checkpoint c;
    size_t cn = (size_t)(end - p);
    char *cb = malloc(cn + 1);
    if (!cb) {
        why = "cannot be held in memory";
        goto bad;
    }
    memcpy(cb, p, cn);
    cb[cn] = '\0';
    if (cp_parse(&c, cb, cn, path, &pe)) {
        free(b);
        cp_free(&c);
        problem(v, path, 0, 0, "proof: %s", pe.msg);
        return;
    }
    check_checkpoint(v, &c, path);
    long long seq = (long long)index + 1;
    if (index >= c.size || index >= v->nleaves)
        problem(v, path, 0, seq, "proof: entry %lld is not in the tree of %" PRIu64
                " entries", seq, c.size);
    else if (!tc_merkle_inclusion_verify(v->leaves[index], index, c.size,
                                         (const tc_mhash *)hashes, nh, c.root))
        problem(v, path, (long)seq, seq, "proof: entry %lld is not included in the checkpointed "
                "tree (the entry or the proof was changed)", seq);
    cp_free(&c);
    free(b);
    return;
bad:
    free(b);
    problem(v, path, 0, 0, "proof: not a " PROOF_HEADER " file: it %s", why);
}

/* Digest path with the algorithm `digest` names; 1 when equal, 0 when not,
 * -1 (why in fe) when it cannot be read or the algorithm is unknown. */
static int same_digest(const char *path, const char *digest, char *got, tc_err *fe)
{
    const char *colon = strchr(digest, ':');
    char name[16];
    tc_digest_alg alg;
    snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - digest) : 0, digest);
    if (!colon || tc_digest_alg_parse(name, &alg, fe) || tc_digest_file(alg, path, got, fe))
        return -1;
    return strcmp(got, digest) == 0;
}

static void check_files(vstate *v)
{
    for (size_t k = 0; k < v->o->nfiles; k++) {
        fmatch *m = &v->fm[k];
        if (!m->found) {
            problem(v, m->given, 0, 0, "file is not recorded in the trail");
            continue;
        }
        if (m->ambiguous) {
            problem(v, m->given, 0, 0, "file matches more than one recorded path (give it as "
                    "recorded, e.g. %s)", m->recorded);
            continue;
        }
        char got[TC_DIGEST_TEXT_MAX];
        tc_err fe;
        tc_err_clear(&fe);
        int same = same_digest(m->given, m->digest, got, &fe);
        if (same < 0)
            problem(v, m->given, 0, m->seq, "cannot check the file against entry %lld: %s",
                    m->seq, fe.msg);
        else if (!same)
            problem(v, m->given, 0, m->seq, "file is not the one entry %lld recorded as %s "
                    "(digest %s, recorded %s)", m->seq, m->recorded, got, m->digest);
    }
}

/* ============================================== re-run a reconciliation */

static void rmtree_flat(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char p[4400];
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void rerun(vstate *v)
{
    json_t *o = v->reconcile;
    long line = v->reconcile_line;
    if (!o) {
        problem(v, v->path, 0, 0, "the trail records no reconcile to re-run");
        return;
    }
    long long seq = (long long)json_integer_value(json_object_get(o, "seq"));
    size_t i;
    json_t *x;
    int bad = 0;
    json_array_foreach(json_object_get(o, "inputs"), i, x) {
        const char *f = str_field(x, "file"), *dg = str_field(x, "digest");
        char got[TC_DIGEST_TEXT_MAX];
        tc_err fe;
        tc_err_clear(&fe);
        int same = f && dg ? same_digest(f, dg, got, &fe) : 1;
        if (same != 1) {
            bad = 1;
            problem(v, f, line, seq, same < 0 ? "cannot re-run entry %lld: %s"
                    : "cannot re-run entry %lld: the input is not the one recorded%s",
                    seq, same < 0 ? fe.msg : "");
        }
    }
    if (bad)
        return;
    const char *t = getenv("TMPDIR");
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s/tongchou-rerun-XXXXXX", t && t[0] ? t : "/tmp");
    if (!mkdtemp(tmp)) {
        problem(v, tmp, 0, seq, "cannot re-run entry %lld: no temporary folder: %s", seq,
                strerror(errno));
        return;
    }
    json_t *args = json_object_get(o, "args");
    size_t na = json_array_size(args);
    const char **argv = calloc(na + 4, sizeof(char *));
    char **owned = calloc(na + 1, sizeof(char *));
    size_t k = 0;
    if (!argv || !owned) {
        free(argv), free(owned);
        rmtree_flat(tmp);
        problem(v, v->path, line, seq, "cannot re-run entry %lld: out of memory", seq);
        return;
    }
    argv[k++] = v->o->rerun;
    argv[k++] = "reconcile";
    argv[k++] = "-q";
    for (i = 0; i < na; i++) {
        const char *a = json_string_value(json_array_get(args, i));
        if (!a)
            a = "";
        if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < na) {
            argv[k++] = a;
            argv[k++] = tmp;
            i++;
        } else if (strncmp(a, "--output=", 9) == 0 || (strncmp(a, "-o", 2) == 0 && a[2])) {
            if (asprintf(&owned[i], "%s%s", a[1] == 'o' ? "-o" : "--output=", tmp) < 0)
                owned[i] = NULL;
            argv[k++] = owned[i] ? owned[i] : "";
        } else {
            argv[k++] = a;
        }
    }
    argv[k] = NULL;
    tc_err pe;
    tc_err_clear(&pe);
    tc_proc_opts po = {.stdout_devnull = 1};
    /* exit 1 (findings) is a result like any other: judged by the reports */
    tc_proc_run(v->o->rerun, argv, &po, &pe);
    int compared = 0;
    json_array_foreach(json_object_get(o, "outputs"), i, x) {
        const char *f = str_field(x, "file"), *dg = str_field(x, "digest");
        const char *base = f ? strrchr(f, '/') : NULL;
        base = base ? base + 1 : f;
        if (!dg || !base || (strcmp(base, "reconciliation.json") && strcmp(base, "findings.csv")))
            continue;
        char p[4400], got[TC_DIGEST_TEXT_MAX];
        snprintf(p, sizeof(p), "%s/%s", tmp, base);
        tc_err fe;
        tc_err_clear(&fe);
        int same = same_digest(p, dg, got, &fe);
        compared++;
        if (same < 0)
            problem(v, f, line, seq, "re-running entry %lld wrote no %s: %s", seq, base,
                    pe.code ? pe.msg : fe.msg);
        else if (!same)
            problem(v, f, line, seq, "re-running entry %lld gives another %s (digest %s, "
                    "recorded %s)", seq, base, got, dg);
    }
    if (!compared)
        problem(v, v->path, line, seq, "entry %lld records no reconciliation.json or "
                "findings.csv to compare", seq);
    for (i = 0; i < na; i++)
        free(owned[i]);
    free(owned);
    free(argv);
    rmtree_flat(tmp);
}

int tc_audit_verify(const char *path, const tc_audit_verify_opts *o, tc_audit_report *r,
                    tc_err *e)
{
    static const tc_audit_verify_opts none;
    if (!o)
        o = &none;
    memset(r, 0, sizeof(*r));
    vstate v = {.path = path, .o = o, .r = r, .check_sigs = 1, .e = e};
    v.fm = calloc(o->nfiles + 1, sizeof(fmatch));
    if (!v.fm)
        return oom(e);
    for (size_t k = 0; k < o->nfiles; k++)
        v.fm[k].given = o->files[k];
    int rc = scan(&v);
    if (!rc && o->checkpoint) {
        checkpoint c;
        tc_err ce;
        tc_err_clear(&ce);
        if (cp_load(&c, o->checkpoint, &ce)) {
            problem(&v, o->checkpoint, 0, 0, "%s", ce.msg);
        } else {
            r->checkpoint_size = (long long)c.size;
            check_checkpoint(&v, &c, o->checkpoint);
            cp_free(&c);
        }
    }
    for (size_t i = 0; !rc && i < o->nproofs; i++)
        check_proof(&v, o->proofs[i]);
    if (!rc)
        check_files(&v);
    if (!rc && o->rerun)
        rerun(&v);
    json_decref(v.reconcile);
    free(v.leaves);
    free(v.fm);
    if (rc)
        return rc;
    if (r->problems) {
        if (r->problems > 1)
            snprintf(e->msg + strlen(e->msg), sizeof(e->msg) - strlen(e->msg),
                     " (and %lld more problems)", r->problems - 1);
        if (r->first_seq)
            tc_err_hint(e, "the first bad entry is entry %lld, line %ld of %s", r->first_seq,
                        r->first_line, path);
        return TC_EINTEGRITY;
    }
    return 0;
}

/* ================================================ checkpoints, proofs */

/* Read the trail's chain (no signatures) into v; TC_EINTEGRITY if broken. */
static int read_chain(vstate *v, tc_audit_report *r, const char *path, tc_err *e)
{
    static const tc_audit_verify_opts none;
    memset(r, 0, sizeof(*r));
    memset(v, 0, sizeof(*v));
    v->path = path, v->o = &none, v->r = r, v->e = e;
    int rc = scan(v);
    if (!rc && r->problems) {
        tc_err_hint(e, "run tongchou audit verify to see every problem");
        rc = TC_EINTEGRITY;
    }
    if (rc)
        free(v->leaves);
    return rc;
}

int tc_audit_checkpoint(const char *path, const char *origin, const tc_signer *const *signers,
                        size_t n, const char *out, tc_err *e)
{
    if (!origin || !origin[0] || strchr(origin, '\n') || n == 0)
        return tc_fail(e, TC_EUSAGE, "a checkpoint needs a one-line origin and a signing key");
    vstate v;
    tc_audit_report r;
    int rc = read_chain(&v, &r, path, e);
    if (rc)
        return rc;
    uint8_t root[TC_MERKLE_HASH];
    tc_merkle_root(v.leaves, v.nleaves, root);
    free(v.leaves);
    char b64[64], text[1200];
    tc_b64_encode(root, sizeof(root), b64);
    int tn = snprintf(text, sizeof(text), "%s\n%zu\n%s\n", origin, v.nleaves, b64);
    if (tn >= (int)sizeof(text))
        return tc_fail(e, TC_EUSAGE, "the checkpoint origin is too long");
    tc_atomic *a;
    if ((rc = tc_atomic_open(&a, out, e)))
        return rc;
    fprintf(tc_atomic_file(a), "%s\n", text);
    for (size_t i = 0; i < n; i++) {
        char line[512];
        if ((rc = note_sign(signers[i], text, (size_t)tn, line, sizeof(line), e))) {
            tc_atomic_abort(a);
            return rc;
        }
        fputs(line, tc_atomic_file(a));
    }
    return tc_atomic_commit(a, e);
}

/* Load a checkpoint and check its root against the trail's chain. */
static int cp_against_trail(const char *path, const char *cpath, checkpoint *c, vstate *v,
                            tc_err *e)
{
    tc_audit_report r;
    int rc = cp_load(c, cpath, e);
    if (rc)
        return rc;
    if ((rc = read_chain(v, &r, path, e))) {
        cp_free(c);
        return rc;
    }
    uint8_t root[TC_MERKLE_HASH];
    if (c->size <= v->nleaves)
        tc_merkle_root(v->leaves, c->size, root);
    if (c->size > v->nleaves || memcmp(root, c->root, TC_MERKLE_HASH) != 0) {
        free(v->leaves);
        cp_free(c);
        tc_err_at(e, cpath, 0, 0);
        tc_fail(e, TC_EINTEGRITY, "checkpoint does not match the trail %s", path);
        return tc_err_hint(e, "run tongchou audit verify --checkpoint %s", cpath);
    }
    return 0;
}

int tc_audit_cosign(const char *path, const char *cpath, const tc_signer *s, tc_err *e)
{
    checkpoint c;
    vstate v;
    int rc = cp_against_trail(path, cpath, &c, &v, e);
    if (rc)
        return rc;
    free(v.leaves);
    for (size_t i = 0; i < c.nsigs; i++)
        if (strcmp(c.sigs[i].name, tc_signer_id(s)) == 0) {
            cp_free(&c);
            return 0;   /* already signed by this key: nothing to add */
        }
    char line[512];
    tc_atomic *a = NULL;
    if (!(rc = note_sign(s, c.buf, c.ntext, line, sizeof(line), e)) &&
        !(rc = tc_atomic_open(&a, cpath, e))) {
        fputs(c.buf, tc_atomic_file(a));
        fputs(line, tc_atomic_file(a));
        rc = tc_atomic_commit(a, e);
    }
    cp_free(&c);
    return rc;
}

int tc_audit_prove(const char *path, const char *cpath, long long seq, const char *out,
                   tc_err *e)
{
    checkpoint c;
    vstate v;
    int rc = cp_against_trail(path, cpath, &c, &v, e);
    if (rc)
        return rc;
    if (seq < 1 || (uint64_t)seq > c.size) {
        free(v.leaves);
        cp_free(&c);
        tc_fail(e, TC_EUSAGE, "entry %lld is not in the checkpoint, which covers entries 1 to %"
                PRIu64, seq, c.size);
        return tc_err_hint(e, "make a newer checkpoint with tongchou audit checkpoint");
    }
    tc_mhash proof[TC_MERKLE_MAXPROOF];
    int np = tc_merkle_inclusion_proof(v.leaves, c.size, (uint64_t)seq - 1, proof);
    free(v.leaves);
    tc_atomic *a;
    if ((rc = tc_atomic_open(&a, out, e))) {
        cp_free(&c);
        return rc;
    }
    FILE *f = tc_atomic_file(a);
    fprintf(f, PROOF_HEADER "\nindex %lld\n", seq - 1);
    for (int i = 0; i < np; i++) {
        char b64[64];
        tc_b64_encode(proof[i], TC_MERKLE_HASH, b64);
        fprintf(f, "%s\n", b64);
    }
    fputc('\n', f);
    fputs(c.buf, f);
    cp_free(&c);
    return tc_atomic_commit(a, e);
}

/* ========================================================= show, repair */

static void show_files(FILE *f, const char *label, json_t *arr)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        char line[8192];
        const char *dg = str_field(x, "digest");
        snprintf(line, sizeof(line), "    %-8s %s  %s\n", label, str_field(x, "file"),
                 dg ? dg : "(not a file)");
        tc_mask_ids_inplace(line);
        fputs(line, f);
    }
}

int tc_audit_show(const char *path, FILE *f, tc_err *e)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot open the audit trail: %s", strerror(errno));
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    while ((n = getline(&line, &cap, in)) > 0) {
        lineno++;
        json_t *o = json_loadb(line, (size_t)n, 0, NULL);
        if (!json_is_object(o)) {
            fprintf(f, "line %ld: not an entry%s\n", lineno,
                    line[n - 1] != '\n' ? " (torn)" : "");
            json_decref(o);
            continue;
        }
        char head[8192];
        size_t k = (size_t)snprintf(head, sizeof(head), "#%lld  %s  %s  %s",
                                    (long long)json_integer_value(json_object_get(o, "seq")),
                                    str_field(o, "time") ? str_field(o, "time") : "?",
                                    str_field(o, "key") ? str_field(o, "key") : "?",
                                    str_field(o, "command") ? str_field(o, "command") : "?");
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(o, "args"), i, a)
            if (k < sizeof(head))
                k += (size_t)snprintf(head + k, sizeof(head) - k, " %s", json_string_value(a));
        tc_mask_ids_inplace(head);
        fprintf(f, "%s\n", head);
        show_files(f, "in", json_object_get(o, "inputs"));
        show_files(f, "out", json_object_get(o, "outputs"));
        if (str_field(o, "mappings"))
            fprintf(f, "    %-8s %s\n", "mappings", str_field(o, "mappings"));
        const char *kw[] = {"records", "totals"};
        for (int j = 0; j < 2; j++) {
            json_t *x = json_object_get(o, kw[j]);
            if (json_object_size(x) == 0)
                continue;
            char *t = canon(x);
            if (t) {
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
        return tc_fail(e, TC_EIO, "cannot open the audit trail: %s", strerror(errno));
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
