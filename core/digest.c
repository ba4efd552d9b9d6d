/*
 * digest.c - see digest.h.  A thin layer over EVP_MD_CTX; the digest
 * implementations are OpenSSL 3's default provider.
 */
#include "core/digest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

struct tc_digest {
    EVP_MD_CTX *ctx;
    const EVP_MD *md;
    tc_digest_alg alg;
};

const char *tc_digest_name(tc_digest_alg alg)
{
    return alg == TC_DIGEST_SM3 ? "sm3" : "sha256";
}

int tc_digest_alg_parse(const char *name, tc_digest_alg *out, tc_err *e)
{
    if (strcmp(name, "sha256") == 0)
        *out = TC_DIGEST_SHA256;
    else if (strcmp(name, "sm3") == 0)
        *out = TC_DIGEST_SM3;
    else
        return tc_fail(e, TC_EUSAGE, "unknown digest algorithm '%s' (use sha256 or sm3)", name);
    return 0;
}

int tc_digest_file_is(const char *text, const char *path)
{
    char name[8], now[TC_DIGEST_TEXT_MAX];
    const char *colon = text ? strchr(text, ':') : NULL;
    tc_digest_alg alg;
    tc_err e;
    if (!colon || colon - text >= (long)sizeof(name))
        return 0;
    snprintf(name, sizeof(name), "%.*s", (int)(colon - text), text);
    return tc_digest_alg_parse(name, &alg, &e) == 0 && tc_digest_file(alg, path, now, &e) == 0 &&
           strcmp(now, text) == 0;
}

int tc_digest_new(tc_digest **out, tc_digest_alg alg, tc_err *e)
{
    tc_digest *d = calloc(1, sizeof(*d));
    if (!d)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    d->alg = alg;
    d->md = alg == TC_DIGEST_SM3 ? EVP_sm3() : EVP_sha256();
    d->ctx = EVP_MD_CTX_new();
    if (!d->md || !d->ctx || EVP_DigestInit_ex(d->ctx, d->md, NULL) != 1) {
        EVP_MD_CTX_free(d->ctx);
        free(d);
        return tc_fail(e, TC_EINTERNAL, "cannot start a %s digest: OpenSSL lacks it",
                       tc_digest_name(alg));
    }
    *out = d;
    return 0;
}

void tc_digest_update(tc_digest *d, const void *data, size_t n)
{
    if (n)
        EVP_DigestUpdate(d->ctx, data, n);
}

size_t tc_digest_final(tc_digest *d, uint8_t *out)
{
    unsigned int len = 0;
    EVP_DigestFinal_ex(d->ctx, out, &len);
    return len;
}

void tc_hex(const uint8_t *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void tc_digest_final_text(tc_digest *d, char *text)
{
    uint8_t raw[TC_DIGEST_MAX];
    size_t n = tc_digest_final(d, raw);
    size_t k = strlen(tc_digest_name(d->alg));
    memcpy(text, tc_digest_name(d->alg), k);
    text[k] = ':';
    tc_hex(raw, n, text + k + 1);
}

void tc_digest_reset(tc_digest *d)
{
    EVP_DigestInit_ex(d->ctx, d->md, NULL);
}

void tc_digest_free(tc_digest *d)
{
    if (!d)
        return;
    EVP_MD_CTX_free(d->ctx);
    free(d);
}

int tc_digest_buffer(tc_digest_alg alg, const void *data, size_t n, char *text, tc_err *e)
{
    tc_digest *d;
    int rc = tc_digest_new(&d, alg, e);
    if (rc)
        return rc;
    tc_digest_update(d, data, n);
    tc_digest_final_text(d, text);
    tc_digest_free(d);
    return 0;
}

/* Add fd's bytes to d. */
static int digest_fd(tc_digest *d, int fd, const char *path, tc_err *e);

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder (a directory-format dump, a text unload): its regular files in
 * byte order of their names, dot-files left out, each as its name, a
 * newline and its bytes: the source digest extract/emit.c records for a
 * folder. */
static int digest_folder(tc_digest *d, const char *path, tc_err *e)
{
    DIR *D = opendir(path);
    if (!D)
        return tc_fail(e, TC_EIO, "cannot read %s: %s", path, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *de; !rc && (de = readdir(D));) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof(*names));
            if (!p) {
                rc = tc_fail(e, TC_ENOMEM, "out of memory");
                break;
            }
            names = p;
        }
        if (!(names[n] = strdup(de->d_name)))
            rc = tc_fail(e, TC_ENOMEM, "out of memory");
        else
            n++;
    }
    closedir(D);
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n && !rc; i++) {
        char p[4200];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", path, names[i]);
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            rc = tc_fail(e, TC_EIO, "cannot open %s: %s", p, strerror(errno));
            break;
        }
        tc_digest_update(d, names[i], strlen(names[i]));
        tc_digest_update(d, "\n", 1);
        rc = digest_fd(d, fd, p, e);
        close(fd);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int tc_digest_file(tc_digest_alg alg, const char *path, char *text, tc_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tc_fail(e, TC_EIO, "cannot open %s: %s", path, strerror(errno));
    tc_digest *d;
    int rc = tc_digest_new(&d, alg, e);
    if (rc) {
        close(fd);
        return rc;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = digest_folder(d, path, e);
        if (!rc)
            tc_digest_final_text(d, text);
    } else if (!(rc = digest_fd(d, fd, path, e))) {
        tc_digest_final_text(d, text);
    }
    tc_digest_free(d);
    close(fd);
    return rc;
}

static int digest_fd(tc_digest *d, int fd, const char *path, tc_err *e)
{
    int rc = 0;
    enum { BUFSZ = 1 << 17 };
    char *buf = malloc(BUFSZ);
    if (!buf) {
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        ssize_t k = read(fd, buf, BUFSZ);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = tc_fail(e, TC_EIO, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (k == 0)
            break;
        tc_digest_update(d, buf, (size_t)k);
    }
out:
    free(buf);
    return rc;
}
