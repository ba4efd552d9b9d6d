/*
 * tar.c - see tar.h.
 *
 * A ustar header is one 512-byte block: the name (100 bytes) and its
 * prefix (155), numeric fields as zero-padded octal text ending in NUL,
 * the checksum (the sum of the header's bytes, its own field counted as
 * spaces) as six octal digits, NUL, space, and the magic "ustar\0" "00".
 * The member's bytes follow, padded with NULs to a whole block; two zero
 * blocks end the archive.  The writer streams each file through a 64 KiB
 * buffer and checks that it read exactly the size its header promised;
 * the reader checks every header's checksum and the padding's presence,
 * so a cut or damaged archive is found, not half-read.
 */
#include "core/tar.h"
#include "core/seal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BLOCK 512
#define MAX_SIZE 077777777777LL   /* 11 octal digits: 8 GiB - 1 */

struct tc_tar {
    FILE *f;
    long long mtime;
    unsigned char buf[65536];
};

int tc_tar_new(tc_tar **out, FILE *f, long long mtime, tc_err *e)
{
    tc_tar *t = calloc(1, sizeof(*t));
    if (!t)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    t->f = f;
    t->mtime = mtime < 0 ? 0 : mtime;
    *out = t;
    return 0;
}

void tc_tar_free(tc_tar *t) { free(t); }

/* ------------------------------------------------------------ writing */

static void octal(char *field, size_t width, long long v)
{
    /* width - 1 digits and a NUL */
    snprintf(field, width, "%0*llo", (int)(width - 1), v);
}

/* Split name into the header's prefix and name fields; -1 when it fits no way. */
static int put_name(unsigned char *h, const char *name)
{
    size_t n = strlen(name);
    if (n == 0)
        return -1;
    if (n <= 100) {
        memcpy(h, name, n);
        return 0;
    }
    /* the last '/' that leaves at most 100 bytes after it and 155 before */
    for (size_t i = n - 1; i > 0; i--) {
        if (name[i] != '/')
            continue;
        if (n - i - 1 > 100)
            break;
        if (i <= 155 && n - i - 1 > 0) {
            memcpy(h + 345, name, i);
            memcpy(h, name + i + 1, n - i - 1);
            return 0;
        }
    }
    return -1;
}

static int header(tc_tar *t, const char *name, char type, long long size, tc_err *e)
{
    unsigned char h[BLOCK];
    memset(h, 0, sizeof(h));
    if (put_name(h, name))
        return tc_fail(e, TC_EINPUT, "%s: the name is too long for a ustar archive (at most "
                       "155 bytes of folders and 100 of name)", name);
    if (size > MAX_SIZE)
        return tc_fail(e, TC_EINPUT, "%s: %lld bytes, more than a ustar member holds (8 GiB)",
                       name, size);
    octal((char *)h + 100, 8, type == '5' ? 0700 : 0600);
    octal((char *)h + 108, 8, 0);
    octal((char *)h + 116, 8, 0);
    octal((char *)h + 124, 12, size);
    octal((char *)h + 136, 12, t->mtime);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    octal((char *)h + 329, 8, 0);
    octal((char *)h + 337, 8, 0);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < BLOCK; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    if (fwrite(h, 1, BLOCK, t->f) != BLOCK)
        return tc_fail(e, TC_EIO, "cannot write the archive: %s", strerror(errno));
    return 0;
}

int tc_tar_add_dir(tc_tar *t, const char *name, tc_err *e)
{
    /* stored with its trailing '/', as POSIX tar does */
    char d[258];
    if (snprintf(d, sizeof(d), "%s/", name) >= (int)sizeof(d))
        return tc_fail(e, TC_EINPUT, "%s: the name is too long for a ustar archive", name);
    return header(t, d, '5', 0, e);
}

int tc_tar_add_file(tc_tar *t, const char *name, const char *path, tc_digest_alg alg,
                    char *digest, tc_err *e)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return tc_fail(e, tc_errno_code(errno), "cannot read %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(in), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(in);
        return tc_fail(e, TC_EINPUT, "%s is not a regular file: only files are archived", path);
    }
    int rc = header(t, name, '0', (long long)sb.st_size, e);
    tc_digest *d = NULL;
    if (!rc)
        rc = tc_digest_new(&d, alg, e);
    unsigned char *buf = t->buf;
    long long total = 0;
    size_t n;
    while (!rc && (n = fread(buf, 1, sizeof(t->buf), in)) > 0) {
        total += (long long)n;
        if (total > (long long)sb.st_size)
            break;
        tc_digest_update(d, buf, n);
        if (fwrite(buf, 1, n, t->f) != n)
            rc = tc_fail(e, TC_EIO, "cannot write the archive: %s", strerror(errno));
    }
    if (!rc && ferror(in))
        rc = tc_fail(e, TC_EIO, "cannot read %s: %s", path, strerror(errno));
    if (!rc && total != (long long)sb.st_size)
        rc = tc_fail(e, TC_EIO, "%s changed while it was archived (%lld bytes, then %lld)",
                     path, (long long)sb.st_size, total);
    fclose(in);
    if (!rc && total % BLOCK) {
        static const unsigned char zero[BLOCK];
        size_t pad = BLOCK - (size_t)(total % BLOCK);
        if (fwrite(zero, 1, pad, t->f) != pad)
            rc = tc_fail(e, TC_EIO, "cannot write the archive: %s", strerror(errno));
    }
    if (!rc && digest)
        tc_digest_final_text(d, digest);
    tc_digest_free(d);
    return rc;
}

int tc_tar_finish(tc_tar *t, tc_err *e)
{
    static const unsigned char zero[2 * BLOCK];
    int rc = 0;
    if (fwrite(zero, 1, sizeof(zero), t->f) != sizeof(zero) || fflush(t->f) != 0)
        rc = tc_fail(e, TC_EIO, "cannot write the archive: %s", strerror(errno));
    free(t);
    return rc;
}

/* ------------------------------------------------------------ reading */

/* An octal field (spaces and NULs around it allowed, as tar writes them);
 * -1 when it is not one. */
static long long parse_octal(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    long long v = 0;
    int digits = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++, digits++)
        v = v * 8 + (p[i] - '0');
    for (; i < n; i++)
        if (p[i] != ' ' && p[i] != '\0')
            return -1;
    return digits ? v : -1;
}

int tc_tar_each(const char *path, const tc_seal_key *key, tc_digest_alg alg,
                int (*fn)(void *arg, const char *name, char type, long long size,
                          const char *digest),
                void *arg, tc_err *e)
{
    FILE *raw = fopen(path, "rb"), *f = raw;
    if (!raw)
        return tc_fail(e, tc_errno_code(errno), "cannot read the archive %s: %s", path,
                       strerror(errno));
    /* a sealed archive is read through the seal, with a holder's key */
    unsigned char magic[sizeof(TC_SEAL_MAGIC) - 1];
    size_t mn = fread(magic, 1, sizeof(magic), raw);
    rewind(raw);
    tc_seal_stream *ss = NULL;
    int rc = 0;
    if (tc_seal_is_sealed(magic, mn)) {
        if (!key) {
            fclose(raw);
            tc_err_at(e, path, 0, 0);
            tc_fail(e, TC_EINPUT, "the archive is sealed, and no data key was given to open it");
            return tc_err_hint(e, "name a [data] holder's key: TONGCHOU_DATA_KEY, or the "
                                  "manifest's [keys] data");
        }
        if ((rc = tc_seal_stream_read(&ss, raw, path, key, e))) {
            fclose(raw);
            return rc;
        }
        f = tc_seal_stream_file(ss);
    }
    tc_digest *d = NULL;
    rc = tc_digest_new(&d, alg, e);
    unsigned char h[BLOCK];
    enum { BUF = 65536 };
    unsigned char *buf = malloc(BUF);
    if (!rc && !buf)
        rc = tc_fail(e, TC_ENOMEM, "out of memory");
    long long at = 0;
    int zeros = 0;
    while (!rc) {
        size_t got = fread(h, 1, BLOCK, f);
        if (got == 0 && zeros == 1)   /* one zero block, then the end: tolerated */
            break;
        if (got != BLOCK) {
            rc = tc_fail(e, ferror(f) ? TC_EIO : TC_EINTEGRITY, "the archive %s is cut short "
                         "at byte %lld", path, at + (long long)got);
            break;
        }
        int empty = 1;
        for (int i = 0; i < BLOCK && empty; i++)
            empty = h[i] == 0;
        if (empty) {
            at += BLOCK;
            if (++zeros == 2)
                break;
            continue;
        }
        if (zeros) {
            rc = tc_fail(e, TC_EINTEGRITY, "the archive %s has a member after a zero block "
                         "(byte %lld)", path, at);
            break;
        }
        long long want = parse_octal(h + 148, 8);
        long long sum = 0;
        for (int i = 0; i < BLOCK; i++)
            sum += i >= 148 && i < 156 ? ' ' : h[i];
        long long size = parse_octal(h + 124, 12);
        if (want != sum || memcmp(h + 257, "ustar", 5) != 0 || size < 0) {
            rc = tc_fail(e, TC_EINTEGRITY, "the archive %s is damaged: the header at byte %lld "
                         "is not a ustar header (checksum, magic or size)", path, at);
            break;
        }
        char name[256 + 2] = "";
        if (h[345])
            snprintf(name, sizeof(name), "%.155s/", (const char *)h + 345);
        snprintf(name + strlen(name), sizeof(name) - strlen(name), "%.100s", (const char *)h);
        char type = h[156] ? (char)h[156] : '0';
        at += BLOCK;
        tc_digest_reset(d);
        long long left = size;
        while (left > 0) {
            size_t chunk = left < BUF ? (size_t)left : BUF;
            size_t n = fread(buf, 1, chunk, f);
            if (n == 0)
                break;
            tc_digest_update(d, buf, n);
            left -= (long long)n;
            at += (long long)n;
        }
        size_t pad = size % BLOCK ? BLOCK - (size_t)(size % BLOCK) : 0;
        if (left > 0 || fread(buf, 1, pad, f) != pad) {
            rc = tc_fail(e, ferror(f) ? TC_EIO : TC_EINTEGRITY, "the archive %s is cut short "
                         "in member %s", path, name);
            break;
        }
        at += (long long)pad;
        char text[TC_DIGEST_TEXT_MAX];
        tc_digest_final_text(d, text);
        rc = fn(arg, name, type, size, text);
    }
    if (ss) {
        /* to the end, where the seal's tag is checked; its failure is the
         * one to report, whatever reading the members made of it */
        while (!rc && buf && fread(buf, 1, BUF, f) > 0)
            ;
        tc_err se;
        tc_err_clear(&se);
        int src = tc_seal_stream_close(ss, &se);
        if (src) {
            *e = se;
            rc = src;
        }
    }
    free(buf);
    tc_digest_free(d);
    fclose(raw);
    return rc;
}
