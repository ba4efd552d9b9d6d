/*
 * log.h - the front end's one logging module, and progress on stderr.
 *
 * Only cli/ calls this; library code reports through tc_err (err.h).
 * Every line goes to stderr as "tongchou: COMMAND: text", so stdout stays
 * free for data.  Colour only when stderr is a terminal and NO_COLOR is not
 * set (https://no-color.org).  Identity numbers are masked in every line.
 *
 * Progress follows pg_basebackup and friends: at most one update a second,
 * only when stderr is a terminal, written with '\r' over the same line, and
 * cleared by tc_progress_done().
 */
#ifndef TC_LOG_H
#define TC_LOG_H

#include <stdint.h>

#include "core/err.h"

enum { TC_LOG_QUIET = 0, TC_LOG_NORMAL = 1, TC_LOG_VERBOSE = 2 };

/* Name the program and the command being run ("map"), for the prefix. */
void tc_log_init(const char *program);
void tc_log_set_command(const char *command);
void tc_log_set_level(int level);
int tc_log_level(void);

void tc_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tc_log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational line, shown unless quiet. */
void tc_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Detail line, shown only when verbose. */
void tc_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log e as an error line and return its exit code. */
int tc_log_fail(const tc_err *e);

/* --------------------------------------------------------------- progress */

typedef struct tc_progress {
    char label[64];
    uint64_t total;     /* 0 when unknown */
    uint64_t done;
    int64_t start_ns;
    int64_t last_ns;
    int enabled;        /* stderr is a terminal and the level is not quiet */
    int shown;          /* a line is on screen and needs clearing */
} tc_progress;

/* Start counting work units (records, bytes) against total (0 = unknown). */
void tc_progress_init(tc_progress *p, const char *label, uint64_t total);
/* Record that `done` units are finished; prints at most once a second. */
void tc_progress_update(tc_progress *p, uint64_t done);
/* Clear the progress line. */
void tc_progress_done(tc_progress *p);

/* Monotonic clock in nanoseconds. */
int64_t tc_now_ns(void);

#endif
