/*
 * policy.c - the city's key policy, read strictly.  See policy.h and
 * docs/policy.md.
 *
 * The file is small INI read line by line here rather than through a
 * general INI library: every line must be a comment, a blank, a section
 * this format knows or one of its names, so a misspelt role ("[checkers]")
 * is an error at its line, not a role silently left empty.
 */
#include "core/policy.h"

#include "core/atomic.h"
#include "core/jcs.h"
#include "core/seal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#define MAXKEYS 64
#define MAXPARTYKEYS (TC_POLICY_MAX_KEYS - (TC_NROLES - 1) * MAXKEYS)

static const char *const ROLES[TC_NROLES] = {"maker", "checker", "waiver", "party", "witness"};
static const char *const ACTS[TC_NACTS] = {"approve", "waive", "checkpoint", "document"};

struct tc_policy {
    char path[1024];
    char digest[TC_DIGEST_TEXT_MAX];
    char format[64], city[16], origin[256];
    tc_pubkey **keys[TC_NROLES];    /* MAXKEYS each; the party role MAXPARTYKEYS */
    size_t nkeys[TC_NROLES];
    /* [party NAME]: the parties that sign a certificate, and per party key
     * (parallel to keys[TC_ROLE_PARTY]) its party and county ("" any) */
    char parties[TC_POLICY_MAX_PARTIES][TC_PARTY_NAME_MAX + 1];
    size_t nparties;
    int party_line;                 /* the line of the last bare [party] */
    int party_line_named;           /* the line of the last [party NAME] */
    int kparty[MAXPARTYKEYS];
    char kcounty[MAXPARTYKEYS][7];
    int required[TC_NACTS];
    /* [data]: who may open sealed files, and the cipher they are sealed with */
    tc_seal_holder *holders[TC_SEAL_MAX_HOLDERS];
    size_t nholders;
    tc_seal_cipher cipher;
    int cipher_line;
};

const char *tc_role_name(tc_role r) { return r < TC_NROLES ? ROLES[r] : "?"; }
const char *tc_act_name(tc_act a) { return a < TC_NACTS ? ACTS[a] : "?"; }

int tc_role_parse(const char *s)
{
    for (int i = 0; i < TC_NROLES; i++)
        if (strcmp(ROLES[i], s) == 0)
            return i;
    return -1;
}

static int act_parse(const char *s)
{
    for (int i = 0; i < TC_NACTS; i++)
        if (strcmp(ACTS[i], s) == 0)
            return i;
    return -1;
}

/* Trim blanks at both ends, in place. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int bad_line(tc_err *e, const char *path, int line, const char *fmt, const char *what)
{
    tc_err_at(e, path, line, 0);
    tc_fail(e, TC_EINPUT, fmt, what);
    return tc_err_hint(e, "see docs/policy.md for the policy's format");
}

/* One "key = ..." line of role r (for the party role: of the last party
 * named, for county, "" for every county). */
static int add_key(tc_policy *p, int r, const char *value, const char *county, int line,
                   tc_err *e)
{
    char where[1100];
    snprintf(where, sizeof(where), "%s:%d", p->path, line);
    size_t cap = r == TC_ROLE_PARTY ? MAXPARTYKEYS : MAXKEYS;
    if (p->nkeys[r] == cap)
        return bad_line(e, p->path, line, r == TC_ROLE_PARTY ? "more than 1024 keys in role %s"
                        : "more than 64 keys in role %s", ROLES[r]);
    tc_pubkey *k;
    int rc = tc_pubkey_from_text(&k, value, where, e);
    if (rc)
        return rc;
    tc_role had;
    if (tc_policy_key(p, tc_pubkey_id(k), &had)) {
        char msg[200];
        snprintf(msg, sizeof(msg), "key %s is listed twice (already a %s's key): one key holds "
                 "one role", tc_pubkey_id(k), ROLES[had]);
        tc_pubkey_free(k);
        return bad_line(e, p->path, line, "%s", msg);
    }
    if (r == TC_ROLE_PARTY) {
        p->kparty[p->nkeys[r]] = (int)p->nparties - 1;
        snprintf(p->kcounty[p->nkeys[r]], 7, "%s", county);
    }
    p->keys[r][p->nkeys[r]++] = k;
    return 0;
}

/* A party's name, as [party NAME] gives it: UTF-8 of 1 to 64 bytes, no
 * blank, control character or character the file's syntax uses. */
static int party_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > TC_PARTY_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = tc_utf8_decode(s + i, n - i, &cp);
        if (!k || cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x3000 ||
            (cp < 0x80 && strchr("[]=;#\"", (int)cp) != NULL))
            return 0;
        i += k;
    }
    return 1;
}

/* "[party NAME]": a party of the certificates; the key lines after it are
 * its keys. */
static int add_party(tc_policy *p, const char *name, int line, tc_err *e)
{
    if (!party_name_ok(name))
        return bad_line(e, p->path, line, "'%s' is not a party's name (1 to 64 bytes of UTF-8, "
                        "no blank, no [ ] = ; # \")", name);
    for (size_t i = 0; i < p->nparties; i++)
        if (strcmp(p->parties[i], name) == 0)
            return bad_line(e, p->path, line, "the party %s is named twice", name);
    if (p->nparties == TC_POLICY_MAX_PARTIES)
        return bad_line(e, p->path, line, "more than %s parties", "16");
    snprintf(p->parties[p->nparties++], TC_PARTY_NAME_MAX + 1, "%s", name);
    return 0;
}

/* One "key = ..." line of [data]: a holder's SM2 or X25519 key. */
static int add_holder(tc_policy *p, const char *value, int line, tc_err *e)
{
    char where[1100];
    snprintf(where, sizeof(where), "%s:%d", p->path, line);
    if (p->nholders == TC_SEAL_MAX_HOLDERS)
        return bad_line(e, p->path, line, "more than %s keys in [data]", "16");
    tc_seal_holder *h;
    int rc = tc_seal_holder_from_text(&h, value, where, e);
    if (rc)
        return rc;
    const char *id = tc_seal_holder_id(h);
    tc_role had;
    char msg[200];
    msg[0] = '\0';
    if (tc_policy_key(p, id, &had))
        snprintf(msg, sizeof(msg), "key %s is listed twice (already a %s's key): one key "
                 "holds one role", id, ROLES[had]);
    else if (tc_policy_holder(p, id))
        snprintf(msg, sizeof(msg), "key %s is listed twice in [data]", id);
    if (msg[0]) {
        tc_seal_holder_free(h);
        return bad_line(e, p->path, line, "%s", msg);
    }
    p->holders[p->nholders++] = h;
    return 0;
}

static int parse(tc_policy *p, FILE *f, tc_err *e)
{
    char buf[2047 + 2];   /* a line of 2047 bytes, its newline, the NUL */
    int line = 0, section = -1; /* -1 none, 0..TC_NROLES-1 a role, 100 policy, 101 require,
                                 * 102 data */
    while (fgets(buf, sizeof(buf), f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f))
            return bad_line(e, p->path, line, "%s", "line longer than 2047 bytes");
        char *s = buf;
        if (line == 1 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
            (unsigned char)s[2] == 0xbf)
            s += 3;
        char *c = strpbrk(s, ";#");
        if (c)
            *c = '\0';
        s = trim(s);
        if (!*s)
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end || end[1])
                return bad_line(e, p->path, line, "%s", "a section line is [NAME]");
            *end = '\0';
            char *name = trim(s + 1);
            if (strcmp(name, "policy") == 0)
                section = 100;
            else if (strcmp(name, "require") == 0)
                section = 101;
            else if (strcmp(name, "data") == 0)
                section = 102;
            else if (strncmp(name, "party", 5) == 0 && isspace((unsigned char)name[5])) {
                int rc = add_party(p, trim(name + 5), line, e);
                if (rc)
                    return rc;
                section = TC_ROLE_PARTY;
                p->party_line_named = line;
            } else if ((section = tc_role_parse(name)) < 0)
                return bad_line(e, p->path, line, "unknown section [%s] (roles: maker, checker, "
                                "waiver, [party NAME], witness; and [policy], [require], "
                                "[data])", name);
            else if (section == TC_ROLE_PARTY)
                p->party_line = line;   /* bare: only the name-less header of old files */
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq)
            return bad_line(e, p->path, line, "%s", "expected NAME = VALUE");
        *eq = '\0';
        char *name = trim(s), *value = trim(eq + 1);
        if (section < 0)
            return bad_line(e, p->path, line, "'%s' before any section", name);
        if (section == TC_ROLE_PARTY) {
            /* key = KEY (every county's certificates), or COUNTY = KEY */
            int county = strlen(name) == 6 && strspn(name, "0123456789") == 6;
            if (p->party_line > p->party_line_named)
                return bad_line(e, p->path, line, "%s", "a party's keys go under its name: "
                                "[party 县财政局], not [party]");
            if (strcmp(name, "key") != 0 && !county)
                return bad_line(e, p->path, line, "a party's lines are 'key = ...' or "
                                "'COUNTY = ...' (a county code of 6 digits), not '%s'", name);
            int rc = add_key(p, section, value, county ? name : "", line, e);
            if (rc)
                return rc;
        } else if (section < TC_NROLES) {
            if (strcmp(name, "key") != 0)
                return bad_line(e, p->path, line, "a role's lines are 'key = ...', not '%s'",
                                name);
            int rc = add_key(p, section, value, "", line, e);
            if (rc)
                return rc;
        } else if (section == 102) {
            int rc;
            if (strcmp(name, "key") == 0)
                rc = add_holder(p, value, line, e);
            else if (strcmp(name, "cipher") == 0) {
                if ((rc = tc_seal_cipher_parse(value, &p->cipher, e)))
                    tc_err_at(e, p->path, line, 0);
                p->cipher_line = line;
            } else
                rc = bad_line(e, p->path, line, "[data] lines are 'key = ...' and 'cipher = "
                              "...', not '%s'", name);
            if (rc)
                return rc;
        } else if (section == 100) {
            char *dst = strcmp(name, "format") == 0 ? p->format
                        : strcmp(name, "city") == 0 ? p->city
                        : strcmp(name, "origin") == 0 ? p->origin : NULL;
            size_t cap = dst == p->format ? sizeof(p->format)
                         : dst == p->city ? sizeof(p->city) : sizeof(p->origin);
            if (!dst)
                return bad_line(e, p->path, line, "unknown name '%s' in [policy] (format, city, "
                                "origin)", name);
            if (strlen(value) >= cap)
                return bad_line(e, p->path, line, "the value of '%s' is too long", name);
            snprintf(dst, cap, "%s", value);
        } else {
            int a = act_parse(name);
            if (a < 0)
                return bad_line(e, p->path, line, "unknown act '%s' in [require] (approve, "
                                "waive, checkpoint, document)", name);
            if (strlen(value) != 1 || value[0] < '1' || value[0] > '9')
                return bad_line(e, p->path, line, "'%s' must be a count from 1 to 9", value);
            p->required[a] = value[0] - '0';
        }
    }
    if (ferror(f)) {
        tc_err_at(e, p->path, 0, 0);
        return tc_fail(e, TC_EIO, "cannot read the policy");
    }
    if (strcmp(p->format, TC_POLICY_FORMAT) != 0) {
        tc_err_at(e, p->path, 0, 0);
        tc_fail(e, TC_EINPUT, "not a %s file (its [policy] section says format = %s)",
                TC_POLICY_FORMAT, p->format[0] ? p->format : "nothing");
        return tc_err_hint(e, "see docs/policy.md for the policy's format");
    }
    if (p->cipher_line && !p->nholders) {
        tc_err_at(e, p->path, p->cipher_line, 0);
        tc_fail(e, TC_EINPUT, "[data] names a cipher but no key to seal for");
        return tc_err_hint(e, "add the data holders' public keys (key = ...), or remove the "
                              "cipher line to leave files unsealed");
    }
    for (int r = TC_ROLE_MAKER; r <= TC_ROLE_CHECKER; r++)
        if (p->nkeys[r] == 0) {
            tc_err_at(e, p->path, 0, 0);
            tc_fail(e, TC_EINPUT, "the policy lists no %s's key", ROLES[r]);
            return tc_err_hint(e, "a policy needs at least one maker and one checker");
        }
    return 0;
}

int tc_policy_load(tc_policy **out, const char *path, tc_err *e)
{
    *out = NULL;
    tc_policy *p = calloc(1, sizeof(*p));
    if (!p)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    snprintf(p->path, sizeof(p->path), "%s", path);
    for (int a = 0; a < TC_NACTS; a++)
        p->required[a] = 1;
    for (int r = 0; r < TC_NROLES; r++)
        if (!(p->keys[r] = calloc(r == TC_ROLE_PARTY ? MAXPARTYKEYS : MAXKEYS,
                                  sizeof(tc_pubkey *)))) {
            tc_policy_free(p);
            return tc_fail(e, TC_ENOMEM, "out of memory");
        }
    FILE *f = fopen(path, "r");
    if (!f) {
        int err = errno;
        tc_policy_free(p);
        tc_err_at(e, path, 0, 0);
        tc_fail(e, tc_errno_code(err), "cannot read the policy: %s", strerror(err));
        return tc_err_hint(e, "name the city's key policy with --policy or TONGCHOU_POLICY "
                              "(docs/policy.md)");
    }
    int rc = parse(p, f, e);
    fclose(f);
    if (!rc)
        rc = tc_digest_file(TC_DIGEST_SHA256, path, p->digest, e);
    if (rc) {
        tc_policy_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void tc_policy_free(tc_policy *p)
{
    if (!p)
        return;
    for (int r = 0; r < TC_NROLES; r++) {
        for (size_t i = 0; i < p->nkeys[r]; i++)
            tc_pubkey_free(p->keys[r][i]);
        free(p->keys[r]);
    }
    for (size_t i = 0; i < p->nholders; i++)
        tc_seal_holder_free(p->holders[i]);
    free(p);
}

const char *tc_policy_path(const tc_policy *p) { return p->path; }
const char *tc_policy_digest(const tc_policy *p) { return p->digest; }
const char *tc_policy_city(const tc_policy *p) { return p->city; }
const char *tc_policy_origin(const tc_policy *p) { return p->origin; }
int tc_policy_required(const tc_policy *p, tc_act a) { return a < TC_NACTS ? p->required[a] : 1; }

size_t tc_policy_holders(const tc_policy *p, const tc_seal_holder *const **holders)
{
    *holders = (const tc_seal_holder *const *)p->holders;
    return p->nholders;
}

tc_seal_cipher tc_policy_cipher(const tc_policy *p) { return p->cipher; }

const tc_seal_holder *tc_policy_holder(const tc_policy *p, const char *keyid)
{
    for (size_t i = 0; i < p->nholders; i++)
        if (strcmp(tc_seal_holder_id(p->holders[i]), keyid) == 0)
            return p->holders[i];
    return NULL;
}

const tc_pubkey *tc_policy_key(const tc_policy *p, const char *keyid, tc_role *role)
{
    for (int r = 0; r < TC_NROLES; r++)
        for (size_t i = 0; i < p->nkeys[r]; i++)
            if (strcmp(tc_pubkey_id(p->keys[r][i]), keyid) == 0) {
                if (role)
                    *role = (tc_role)r;
                return p->keys[r][i];
            }
    return NULL;
}

size_t tc_policy_keys(const tc_policy *p, tc_role r, const tc_pubkey *const **keys)
{
    *keys = (const tc_pubkey *const *)p->keys[r];
    return p->nkeys[r];
}

size_t tc_policy_all_keys(const tc_policy *p, const tc_pubkey **out, size_t cap)
{
    size_t n = 0;
    for (int r = 0; r < TC_NROLES; r++)
        for (size_t i = 0; i < p->nkeys[r] && n < cap; i++)
            out[n++] = p->keys[r][i];
    return n;
}

size_t tc_policy_parties(const tc_policy *p) { return p->nparties; }

const char *tc_policy_party(const tc_policy *p, size_t i)
{
    return i < p->nparties ? p->parties[i] : NULL;
}

const char *tc_policy_key_party(const tc_policy *p, const char *keyid, const char **county)
{
    for (size_t i = 0; i < p->nkeys[TC_ROLE_PARTY]; i++)
        if (strcmp(tc_pubkey_id(p->keys[TC_ROLE_PARTY][i]), keyid) == 0) {
            if (county)
                *county = p->kcounty[i];
            return p->parties[p->kparty[i]];
        }
    return NULL;
}

size_t tc_policy_party_keys(const tc_policy *p, const char *party, const char *county,
                            const tc_pubkey **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nkeys[TC_ROLE_PARTY]; i++) {
        const char *kc = p->kcounty[i];
        if (strcmp(p->parties[p->kparty[i]], party) != 0 ||
            (kc[0] && county && strcmp(kc, county) != 0))
            continue;
        if (n < cap && out)
            out[n] = p->keys[TC_ROLE_PARTY][i];
        n++;
    }
    return n;
}

int tc_policy_expect(const tc_policy *p, const char *keyid, tc_role r, const char *doing,
                     tc_err *e)
{
    tc_role has;
    if (!tc_policy_key(p, keyid, &has)) {
        tc_fail(e, TC_EINTEGRITY, "%s: key %s is not in the policy (%s)", doing, keyid,
                tc_policy_path(p));
        return tc_err_hint(e, "only keys the city's policy lists as %s may do this",
                           ROLES[r]);
    }
    if (has != r) {
        tc_fail(e, TC_EINTEGRITY, "%s: key %s is a %s's key in the policy, not a %s's", doing,
                keyid, ROLES[has], ROLES[r]);
        return tc_err_hint(e, "one key holds one role; use the %s's own key", ROLES[r]);
    }
    return 0;
}

/* ------------------------------------------------------------- writing */

int tc_policy_make(const tc_policy_spec *spec, const char *out, tc_err *e)
{
    /* what the loader would refuse, refused before anything is written */
    if (spec->pubs[TC_ROLE_PARTY] && spec->pubs[TC_ROLE_PARTY][0]) {
        tc_fail(e, TC_EUSAGE, "a party's key needs the party's name");
        return tc_err_hint(e, "give --party NAME=PUB, or --party NAME:COUNTY=PUB for the key "
                              "of one county's party (docs/policy.md)");
    }
    for (int r = TC_ROLE_MAKER; r <= TC_ROLE_CHECKER; r++)
        if (!spec->pubs[r] || !spec->pubs[r][0]) {
            tc_fail(e, TC_EUSAGE, "the policy would list no %s's key", ROLES[r]);
            return tc_err_hint(e, "a policy needs at least one maker and one checker: give "
                                  "--maker PUB and --checker PUB");
        }
    tc_atomic *a;
    int rc = tc_atomic_open(&a, out, e);
    if (rc)
        return rc;
    FILE *f = tc_atomic_file(a);
    fprintf(f, "; The city's key policy: whose key may sign what (docs/policy.md).\n"
               "; The keys are in this file: its digest, which the audit trail records,\n"
               "; pins them.  One key holds one role.\n\n"
               "[policy]\nformat = %s\ncity   = %s\norigin = %s\n", TC_POLICY_FORMAT,
            spec->city ? spec->city : "", spec->origin ? spec->origin : "");
    for (int r = 0; r < TC_NROLES && !rc; r++) {
        if (r == TC_ROLE_PARTY)   /* named, below */
            continue;
        fprintf(f, "\n[%s]\n", ROLES[r]);
        for (const char *const *p = spec->pubs[r]; p && *p && !rc; p++) {
            tc_pubkey *k;
            char line[200];
            if ((rc = tc_pubkey_load(&k, *p, e)))
                break;
            tc_pubkey_text(k, line, sizeof(line));
            fprintf(f, "key = %s   ; %s\n", line, tc_pubkey_id(k));
            tc_pubkey_free(k);
        }
    }
    /* the parties, each under its name, in the order first named */
    for (size_t i = 0; i < spec->nparties && !rc; i++) {
        int first = 1;
        for (size_t j = 0; j < i; j++)
            first &= strcmp(spec->parties[j].name, spec->parties[i].name) != 0;
        if (!first)
            continue;
        fprintf(f, "\n[party %s]\n", spec->parties[i].name);
        for (size_t j = i; j < spec->nparties && !rc; j++) {
            const tc_policy_party_spec *q = &spec->parties[j];
            if (strcmp(q->name, spec->parties[i].name) != 0)
                continue;
            tc_pubkey *k;
            char line[200];
            if ((rc = tc_pubkey_load(&k, q->pub, e)))
                break;
            tc_pubkey_text(k, line, sizeof(line));
            fprintf(f, "%-6s = %s   ; %s\n", q->county && q->county[0] ? q->county : "key", line,
                    tc_pubkey_id(k));
            tc_pubkey_free(k);
        }
    }
    if (!rc && spec->data && spec->data[0]) {
        fprintf(f, "\n[data]   ; who may open sealed batches (docs/personal-data.md)\n"
                   "cipher = %s\n", tc_seal_cipher_name(spec->cipher));
        for (const char *const *d = spec->data; *d && !rc; d++) {
            tc_seal_holder *h;
            char line[200];
            if ((rc = tc_seal_holder_load(&h, *d, e)))
                break;
            tc_seal_holder_text(h, line, sizeof(line));
            fprintf(f, "key = %s   ; %s\n", line, tc_seal_holder_id(h));
            tc_seal_holder_free(h);
        }
    }
    fprintf(f, "\n[require]\n");
    for (int i = 0; i < TC_NACTS; i++)
        fprintf(f, "%-10s = %d\n", ACTS[i], spec->required[i] > 0 ? spec->required[i] : 1);
    if (rc) {
        tc_atomic_abort(a);
        return rc;
    }
    if ((rc = tc_atomic_commit(a, e)))
        return rc;
    /* read back: what was written must load */
    tc_policy *p;
    if ((rc = tc_policy_load(&p, out, e)))
        return rc;
    tc_policy_free(p);
    return 0;
}
