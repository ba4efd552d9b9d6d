/*
 * log.c - see log.h.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *g_program = "tongchou";
static char g_command[64];
static int g_level = TC_LOG_NORMAL;

void tc_log_init(const char *program)
{
    if (program)
        g_program = program;
}

void tc_log_set_command(const char *command)
{
    snprintf(g_command, sizeof(g_command), "%s", command ? command : "");
}

void tc_log_set_level(int level) { g_level = level; }
int tc_log_level(void) { return g_level; }

static int use_colour(void)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(STDERR_FILENO) && !(nc && nc[0]);
}

static void emit(const char *tag, const char *colour, const char *fmt, va_list ap)
{
    char text[4096];
    vsnprintf(text, sizeof(text), fmt, ap);
    tc_mask_ids_inplace(text);
    int c = colour && use_colour();
    /* one write per line: processes sharing stderr (`run`'s counties) do
     * not interleave their lines */
    char line[4800];
    int n = snprintf(line, sizeof(line), "%s: %s%s%s%s%s%s%s\n", g_program, g_command,
                     g_command[0] ? ": " : "", tag && c ? colour : "", tag ? tag : "",
                     tag && c ? "\033[0m" : "", tag ? ": " : "", text);
    if (n > (int)sizeof(line) - 1) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    fwrite(line, 1, (size_t)n, stderr);
}

void tc_log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("error", "\033[1;31m", fmt, ap);
    va_end(ap);
}

void tc_log_warning(const char *fmt, ...)
{
    if (g_level < TC_LOG_NORMAL)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit("warning", "\033[1;33m", fmt, ap);
    va_end(ap);
}

void tc_log_info(const char *fmt, ...)
{
    if (g_level < TC_LOG_NORMAL)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(NULL, NULL, fmt, ap);
    va_end(ap);
}

void tc_log_debug(const char *fmt, ...)
{
    if (g_level < TC_LOG_VERBOSE)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit("debug", NULL, fmt, ap);
    va_end(ap);
}

int tc_log_fail(const tc_err *e)
{
    char buf[2048];
    tc_log_error("%s", tc_err_format(e, buf, sizeof(buf)));
    return tc_exit_code(e->code);
}

/* --------------------------------------------------------------- progress */

int64_t tc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void tc_progress_init(tc_progress *p, const char *label, uint64_t total)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->label, sizeof(p->label), "%s", label);
    p->total = total;
    p->start_ns = p->last_ns = tc_now_ns();
    p->enabled = isatty(STDERR_FILENO) && g_level >= TC_LOG_NORMAL;
}

void tc_progress_update(tc_progress *p, uint64_t done)
{
    p->done = done;
    if (!p->enabled)
        return;
    int64_t now = tc_now_ns();
    if (now - p->last_ns < 1000000000)
        return;
    p->last_ns = now;
    uint64_t secs = (uint64_t)((now - p->start_ns) / 1000000000);
    uint64_t rate = secs ? done / secs : done;
    if (p->total)
        fprintf(stderr, "\r%s: %s: %llu/%llu (%llu%%), %llu/s   ", g_program, p->label,
                (unsigned long long)done, (unsigned long long)p->total,
                (unsigned long long)(done * 100 / p->total), (unsigned long long)rate);
    else
        fprintf(stderr, "\r%s: %s: %llu, %llu/s   ", g_program, p->label,
                (unsigned long long)done, (unsigned long long)rate);
    p->shown = 1;
}

void tc_progress_done(tc_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r\033[K");
    p->shown = 0;
}
