/*
 * err.c - the error value and its one formatter.  See err.h.
 */
#include "core/err.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

void tc_err_clear(tc_err *e)
{
    if (e)
        memset(e, 0, sizeof(*e));
}

/*
 * Fit text into dst (n bytes) without losing its end, where the reason
 * is ("...: No such file or directory"): while it is too long, the
 * longest path in it (a word holding '/', longer than 48 bytes) keeps its
 * first 16 and last 28 bytes around "..."; failing that, the middle of the
 * text goes.
 */
static void fit(char *dst, size_t n, char *text)
{
    size_t len = strlen(text);
    while (len >= n) {
        size_t best = 0, bestn = 0, i = 0;
        while (i < len) {
            size_t w = strcspn(text + i, " '\"()");
            if (w > bestn && w > 48 && memchr(text + i, '/', w)) {
                best = i;
                bestn = w;
            }
            i += w ? w : 1;
        }
        if (!bestn)
            break;
        memmove(text + best + 16 + 3, text + best + bestn - 28, len - (best + bestn - 28) + 1);
        memcpy(text + best + 16, "...", 3);
        len = strlen(text);
    }
    if (len >= n && n > 8) {   /* no path to shorten: keep the head and the tail */
        size_t head = (n - 4) / 2, tail = n - 4 - head;
        memcpy(dst, text, head);
        memcpy(dst + head, "...", 3);
        memcpy(dst + head + 3, text + len - tail, tail);
        dst[n - 1] = '\0';
        return;
    }
    snprintf(dst, n, "%s", text);
}

static void vset(char *dst, size_t n, const char *fmt, va_list ap)
{
    char big[16384];
    vsnprintf(big, sizeof(big), fmt, ap);
    fit(dst, n, big);
}

/* A file name too long for e->file keeps its head and its tail. */
static void set_file(tc_err *e, const char *file)
{
    char big[16384];
    snprintf(big, sizeof(big), "%s", file);
    fit(e->file, sizeof(e->file), big);
}

int tc_errno_code(int err)
{
    return err == ENOENT || err == ENOTDIR || err == EISDIR || err == ELOOP ||
                   err == ENAMETOOLONG
               ? TC_EINPUT
               : TC_EIO;
}

int tc_fail(tc_err *e, int code, const char *fmt, ...)
{
    if (!e)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vset(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    e->code = code;
    return code;
}

void tc_err_at(tc_err *e, const char *file, long line, long column)
{
    if (!e)
        return;
    if (file)
        set_file(e, file);
    e->line = line;
    e->column = column;
}

void tc_err_record(tc_err *e, const char *file, long long record)
{
    if (!e)
        return;
    if (file)
        set_file(e, file);
    e->record = record;
}

int tc_err_hint(tc_err *e, const char *fmt, ...)
{
    if (!e)
        return TC_EINTERNAL;
    va_list ap;
    va_start(ap, fmt);
    vset(e->hint, sizeof(e->hint), fmt, ap);
    va_end(ap);
    return e->code;
}

void tc_err_prefix(tc_err *e, const char *fmt, ...)
{
    if (!e)
        return;
    char both[16384];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(both, sizeof(both) - sizeof(e->msg), fmt, ap);
    va_end(ap);
    size_t off = k < 0 ? 0 : (size_t)k < sizeof(both) - sizeof(e->msg) ? (size_t)k
                                                                        : sizeof(both) - sizeof(e->msg) - 1;
    snprintf(both + off, sizeof(e->msg), "%s", e->msg);
    fit(e->msg, sizeof(e->msg), both);
}

char *tc_err_format(const tc_err *e, char *buf, size_t n)
{
    size_t off = 0;
#define PUT(...)                                                          \
    do {                                                                  \
        int k_ = snprintf(off < n ? buf + off : NULL, off < n ? n - off : 0, __VA_ARGS__); \
        if (k_ > 0)                                                       \
            off += (size_t)k_;                                            \
    } while (0)
    if (n == 0)
        return buf;
    buf[0] = '\0';
    if (e->file[0]) {
        if (e->line > 0 && e->column > 0)
            PUT("%s:%ld:%ld: ", e->file, e->line, e->column);
        else if (e->line > 0)
            PUT("%s:%ld: ", e->file, e->line);
        else if (e->record > 0)
            PUT("%s: record %lld: ", e->file, e->record);
        else
            PUT("%s: ", e->file);
    } else if (e->record > 0) {
        PUT("record %lld: ", e->record);
    }
    PUT("%s", e->msg[0] ? e->msg : tc_code_name(e->code));
    if (e->hint[0])
        PUT(" (%s)", e->hint);
#undef PUT
    tc_mask_ids_inplace(buf);
    return buf;
}

int tc_exit_code(int code)
{
    switch (code) {
    case TC_OK: return TC_EXIT_OK;
    case TC_EUSAGE: return TC_EXIT_USAGE;
    case TC_EINPUT: return TC_EXIT_INPUT;
    case TC_EINTEGRITY: return TC_EXIT_INTEGRITY;
    case TC_EIO:
    case TC_EDB:
    case TC_ENOMEM:
    case TC_EINTERNAL:
    default: return TC_EXIT_IO;
    }
}

const char *tc_code_name(int code)
{
    switch (code) {
    case TC_OK: return "ok";
    case TC_EUSAGE: return "usage error";
    case TC_EINPUT: return "bad input";
    case TC_EIO: return "i/o failure";
    case TC_EDB: return "database failure";
    case TC_EINTEGRITY: return "integrity failure";
    case TC_ENOMEM: return "out of memory";
    case TC_EINTERNAL: return "internal error";
    default: return "unknown error";
    }
}

void tc_mask_ids_inplace(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + 18 <= n; i++) {
        if (i > 0 && isalnum((unsigned char)s[i - 1]))
            continue;
        size_t k = 0;
        while (k < 17 && isdigit((unsigned char)s[i + k]))
            k++;
        if (k < 17)
            continue;
        char last = s[i + 17];
        if (!isdigit((unsigned char)last) && last != 'X' && last != 'x')
            continue;
        if (i + 18 < n && isalnum((unsigned char)s[i + 18]))
            continue;
        memset(s + i + 6, '*', 8);
        i += 17;
    }
}

/* ------------------------------------------------------ connection strings */

int tc_is_conninfo(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0 ||
           strstr(s, "dbname=") != NULL;
}

/* The length of "password=" or "passwd=" at p (any case), else 0. */
static size_t secret_key_at(const char *p)
{
    if (strncasecmp(p, "password=", 9) == 0)
        return 9;
    if (strncasecmp(p, "passwd=", 7) == 0)
        return 7;
    return 0;
}

void tc_redact_secrets(const char *s, char *buf, size_t n)
{
    if (n == 0)
        return;
    size_t k = 0;
    const char *scheme = strstr(s, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    for (const char *p = s; *p && k + 1 < n; p++) {
        /* scheme://user:secret@host: drop ":secret" */
        if (at && p > scheme + 2 && p < at && *p == ':') {
            p = at - 1;
            continue;
        }
        /* password=secret (conninfo) or password=secret& (URI query) */
        size_t key = (p == s || !isalnum((unsigned char)p[-1])) ? secret_key_at(p) : 0;
        if (key) {
            const char *v = p + key;
            if (*v == '\'') {
                v++;
                while (*v && *v != '\'')
                    v += (*v == '\\' && v[1]) ? 2 : 1;
                if (*v)
                    v++;
            } else {
                while (*v && *v != ' ' && *v != '&')
                    v++;
            }
            k += (size_t)snprintf(buf + k, n - k, "%.*s***", (int)key, p);
            if (k >= n)
                k = n - 1;
            p = v - 1;
            continue;
        }
        buf[k++] = *p;
    }
    buf[k] = '\0';
}
