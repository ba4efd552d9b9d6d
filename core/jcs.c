/*
 * jcs.c - RFC 8785 (JCS) text of a jansson value; see jcs.h.
 *
 * Written by hand rather than through json_dumps: jansson sorts names by
 * their UTF-8 bytes and writes control characters as upper-case \u001F,
 * neither of which is JCS, and an independent verifier must rebuild the
 * signed bytes exactly.  One recursive walk appends to a growing buffer;
 * each object's names are checked as UTF-8, then sorted by UTF-16 code
 * units (RFC 8785 section 3.2.3) with a comparison that turns UTF-8 into
 * UTF-16 units on the fly.  The path of the value being written is kept as
 * a JSON pointer, so a refusal names the place ("/totals/paid").
 */
#include "core/jcs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JCS_DEPTH 512

typedef struct jbuf {
    char *p;
    size_t n, cap;
    int oom;
    char path[512];         /* JSON pointer of the value being written */
    tc_err *e;
} jbuf;

static void put(jbuf *b, const void *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (b->n + n + 1 > nc)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void putc1(jbuf *b, char c) { put(b, &c, 1); }

size_t tc_utf8_decode(const void *p, size_t n, uint32_t *cp)
{
    const unsigned char *s = p;
    unsigned c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

static int utf8_valid(const char *s, size_t n)
{
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        size_t k = tc_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

/* ---------------------------------------------- names in UTF-16 order */

typedef struct u16it {
    const unsigned char *p, *end;
    uint32_t low;           /* the low surrogate still to give, or 0 */
} u16it;

/* The next UTF-16 code unit of valid UTF-8 text; -1 at its end. */
static long u16_next(u16it *it)
{
    if (it->low) {
        long u = it->low;
        it->low = 0;
        return u;
    }
    if (it->p >= it->end)
        return -1;
    uint32_t cp = 0;
    size_t k = tc_utf8_decode(it->p, (size_t)(it->end - it->p), &cp);
    it->p += k ? k : 1;
    if (cp < 0x10000)
        return (long)cp;
    cp -= 0x10000;
    it->low = 0xdc00 | (cp & 0x3ff);
    return (long)(0xd800 | (cp >> 10));
}

typedef struct member {
    const char *name;
    size_t len;
    json_t *value;
} member;

static int by_utf16(const void *a, const void *b)
{
    const member *x = a, *y = b;
    u16it i = {(const unsigned char *)x->name, (const unsigned char *)x->name + x->len, 0};
    u16it j = {(const unsigned char *)y->name, (const unsigned char *)y->name + y->len, 0};
    for (;;) {
        long u = u16_next(&i), v = u16_next(&j);
        if (u != v)
            return u < v ? -1 : 1;     /* -1 (the end) sorts first */
        if (u < 0)
            return 0;
    }
}

/* --------------------------------------------------------------- writing */

static int refuse(jbuf *b, const char *what)
{
    tc_fail(b->e, TC_EUSAGE, "cannot sign as canonical JSON (RFC 8785): %s at %s", what,
            b->path[0] ? b->path : "the top");
    return tc_err_hint(b->e, "amounts and counts are signed as strings or integer fen");
}

static void put_string(jbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    putc1(b, '"');
    size_t run = 0;     /* bytes copied as they are, not yet put */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        switch (c) {
        case '\b': esc = "\\b"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\f': esc = "\\f"; break;
        case '\r': esc = "\\r"; break;
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        default:
            if (c < 0x20) {
                u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0';
                u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = '\0';
                esc = u;
            }
        }
        if (!esc) {
            run++;
            continue;
        }
        put(b, s + i - run, run);
        run = 0;
        put(b, esc, strlen(esc));
    }
    put(b, s + n - run, run);
    putc1(b, '"');
}

/* Append "/name" (RFC 6901 escaped, cut when long) to the path; returns
 * the old length, to restore. */
static size_t path_push(jbuf *b, const char *name, size_t n)
{
    size_t old = strlen(b->path), k = old;
    if (k + 1 < sizeof(b->path))
        b->path[k++] = '/';
    for (size_t i = 0; i < n && k + 3 < sizeof(b->path); i++) {
        if (name[i] == '~' || name[i] == '/') {
            b->path[k++] = '~';
            b->path[k++] = name[i] == '~' ? '0' : '1';
        } else if ((unsigned char)name[i] < 0x20) {
            b->path[k++] = '?';
        } else {
            b->path[k++] = name[i];
        }
    }
    b->path[k] = '\0';
    return old;
}

static int put_value(jbuf *b, const json_t *v, int depth);

static int put_object(jbuf *b, const json_t *v, int depth)
{
    size_t n = json_object_size(v), k = 0;
    member *m = calloc(n + 1, sizeof(*m));
    if (!m) {
        b->oom = 1;
        return 0;
    }
    const char *name;
    size_t len;
    json_t *x;
    json_object_keylen_foreach((json_t *)v, name, len, x) {
        m[k].name = name, m[k].len = len, m[k].value = x;
        if (!utf8_valid(name, len)) {
            path_push(b, name, len);
            free(m);
            return refuse(b, "a member name that is not valid UTF-8");
        }
        k++;
    }
    qsort(m, k, sizeof(*m), by_utf16);
    putc1(b, '{');
    for (size_t i = 0; i < k; i++) {
        if (i)
            putc1(b, ',');
        put_string(b, m[i].name, m[i].len);
        putc1(b, ':');
        size_t old = path_push(b, m[i].name, m[i].len);
        int rc = put_value(b, m[i].value, depth + 1);
        if (rc) {
            free(m);
            return rc;
        }
        b->path[old] = '\0';
    }
    putc1(b, '}');
    free(m);
    return 0;
}

static int put_value(jbuf *b, const json_t *v, int depth)
{
    if (depth > JCS_DEPTH)
        return refuse(b, "nesting deeper than 512");
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return put_object(b, v, depth);
    case JSON_ARRAY: {
        putc1(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            char idx[24];
            int il = snprintf(idx, sizeof(idx), "%zu", i);
            if (i)
                putc1(b, ',');
            size_t old = path_push(b, idx, (size_t)il);
            int rc = put_value(b, json_array_get(v, i), depth + 1);
            if (rc)
                return rc;
            b->path[old] = '\0';
        }
        putc1(b, ']');
        return 0;
    }
    case JSON_STRING: {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (!utf8_valid(s, n))
            return refuse(b, "a string that is not valid UTF-8");
        put_string(b, s, n);
        return 0;
    }
    case JSON_INTEGER: {
        json_int_t i = json_integer_value(v);
        if (i > TC_JCS_INT_MAX || i < -TC_JCS_INT_MAX) {
            char what[128];
            snprintf(what, sizeof(what), "the integer %" JSON_INTEGER_FORMAT ", beyond "
                     "+-(2^53 - 1), which a JCS verifier cannot hold exactly", i);
            return refuse(b, what);
        }
        char t[32];
        int k = snprintf(t, sizeof(t), "%" JSON_INTEGER_FORMAT, i);
        put(b, t, (size_t)k);
        return 0;
    }
    case JSON_REAL: {
        char what[96];
        snprintf(what, sizeof(what), "a real number (%.17g): tongchou signs no floating point",
                 json_real_value(v));
        return refuse(b, what);
    }
    case JSON_TRUE:
        put(b, "true", 4);
        return 0;
    case JSON_FALSE:
        put(b, "false", 5);
        return 0;
    case JSON_NULL:
        put(b, "null", 4);
        return 0;
    }
    return refuse(b, "a value of no JSON type");
}

int tc_jcs_dump(const json_t *v, char **out, size_t *n, tc_err *e)
{
    *out = NULL;
    if (n)
        *n = 0;
    if (!v)
        return tc_fail(e, TC_EUSAGE, "cannot sign as canonical JSON (RFC 8785): no value");
    jbuf b = {.e = e};
    put(&b, "", 0);     /* an empty text is still a NUL-terminated one */
    int rc = put_value(&b, v, 0);
    if (!rc && b.oom)
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    if (rc) {
        free(b.p);
        return rc;
    }
    *out = b.p;
    if (n)
        *n = b.n;
    return 0;
}
