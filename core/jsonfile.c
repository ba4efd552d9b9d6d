/*
 * jsonfile.c - see jsonfile.h.
 *
 * The file is fed to jansson through json_load_callback, which counts the
 * bytes: fstat refuses a regular file that is too large before a byte is
 * parsed, and the count stops whatever fstat could not see (a FIFO, a
 * file that grows meanwhile) one byte past the limit.  A document that
 * is whole within the limit but followed by more bytes is refused too:
 * jansson takes the stop for the end of the file, so the count, not the
 * parse, decides.
 */
#include "core/jsonfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define NOT_JSON "not JSON: "

typedef struct feed {
    FILE *f;
    size_t n, max;
    int over;       /* a byte past max was read */
    int err;        /* errno of a failed read, or 0 */
} feed;

static size_t next_bytes(void *buf, size_t len, void *arg)
{
    feed *s = arg;
    size_t room = s->max - s->n + 1;   /* the one byte past max tells it is too large */
    size_t got = fread(buf, 1, len < room ? len : room, s->f);
    s->n += got;
    if (s->n > s->max) {
        s->over = 1;
        return (size_t)-1;
    }
    if (got == 0 && ferror(s->f)) {
        s->err = errno ? errno : EIO;
        return (size_t)-1;
    }
    return got;
}

static int too_large(const char *path, long long size, size_t max, tc_err *e)
{
    char mib[32] = "";
    if (max % ((size_t)1 << 20) == 0)
        snprintf(mib, sizeof(mib), " (%zu MiB)", max >> 20);
    tc_err_at(e, path, 0, 0);
    if (size >= 0)
        tc_fail(e, TC_EINPUT, "the file is %lld bytes, more than the %zu bytes%s a JSON "
                "document may hold (docs/architecture.md, Limits)", size, max, mib);
    else
        tc_fail(e, TC_EINPUT, "the file holds more than the %zu bytes%s a JSON document may "
                "hold (docs/architecture.md, Limits)", max, mib);
    return tc_err_hint(e, "a document tongchou writes for a whole city is far smaller: check "
                          "that this is the file tongchou wrote, not another or a damaged copy");
}

int tc_json_read_file(json_t **out, const char *path, size_t max, size_t flags, tc_err *e)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(errno), "cannot read the file: %s", strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (unsigned long long)st.st_size > max) {
        fclose(f);
        return too_large(path, (long long)st.st_size, max, e);
    }
    feed s = {.f = f, .max = max};
    json_error_t je;
    json_t *doc = json_load_callback(next_bytes, &s, flags, &je);
    fclose(f);
    if (s.over || s.err) {
        json_decref(doc);
        if (s.over)
            return too_large(path, -1, max, e);
        tc_err_at(e, path, 0, 0);
        return tc_fail(e, tc_errno_code(s.err), "cannot read the file: %s", strerror(s.err));
    }
    if (!doc) {
        tc_err_at(e, path, je.line > 0 ? je.line : 0, je.column > 0 ? je.column : 0);
        if (json_error_code(&je) == json_error_out_of_memory)
            return tc_fail(e, TC_ENOMEM, "out of memory reading the JSON document");
        return tc_fail(e, TC_EINPUT, NOT_JSON "%s", je.text);
    }
    *out = doc;
    return 0;
}

int tc_json_not_json(const tc_err *e)
{
    return e->code == TC_EINPUT && strncmp(e->msg, NOT_JSON, strlen(NOT_JSON)) == 0;
}
