/*
 * proc.c - fork, exec, wait; stderr captured through a pipe.
 */
#include "core/perm.h"
#include "core/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Keep the tail of what the child wrote on stderr: that is where the
 * reason of a failure is. */
static void keep_tail(char *tail, size_t cap, size_t *len, const char *p, size_t n)
{
    if (n >= cap - 1) {
        memcpy(tail, p + n - (cap - 1), cap - 1);
        *len = cap - 1;
    } else {
        if (*len + n > cap - 1) {
            size_t drop = *len + n - (cap - 1);
            memmove(tail, tail + drop, *len - drop);
            *len -= drop;
        }
        memcpy(tail + *len, p, n);
        *len += n;
    }
    tail[*len] = '\0';
}

static void child(const char *path, const char *const *argv, const tc_proc_opts *o, int errfd)
{
    if (dup2(errfd, 2) < 0)
        _exit(127);
    close(errfd);
    if (o && o->stdout_path) {
        int fd = open(o->stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, tc_perm_file());
        if (fd < 0 || dup2(fd, 1) < 0) {
            fprintf(stderr, "cannot open %s: %s\n", o->stdout_path, strerror(errno));
            _exit(127);
        }
    } else if (o && o->stdout_devnull) {
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd >= 0)
            dup2(fd, 1);
    }
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (nul >= 0)
        dup2(nul, 0);
    if (o && o->unset)
        for (const char *const *u = o->unset; *u; u++)
            unsetenv(*u);
    if (o && o->env)
        for (const char *const *v = o->env; *v; v++)
            putenv((char *)*v);
    if (o && o->as_user) {
        if (setgroups(0, NULL) != 0 || setgid(o->gid) != 0 || setuid(o->uid) != 0) {
            fprintf(stderr, "cannot switch to uid %ld: %s\n", (long)o->uid, strerror(errno));
            _exit(127);
        }
    }
    if (o && o->cwd && chdir(o->cwd) != 0) {
        fprintf(stderr, "cannot enter %s: %s\n", o->cwd, strerror(errno));
        _exit(127);
    }
    signal(SIGPIPE, SIG_DFL);
    execv(path, (char *const *)argv);
    fprintf(stderr, "cannot run %s: %s\n", path, strerror(errno));
    _exit(127);
}

int tc_proc_run(const char *path, const char *const *argv, const tc_proc_opts *o, tc_err *e)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return tc_fail(e, TC_EIO, "cannot create a pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return tc_fail(e, TC_EIO, "cannot fork to run %s: %s", argv[0], strerror(errno));
    }
    if (pid == 0) {
        close(p[0]);
        child(path, argv, o, p[1]);
    }
    close(p[1]);
    char tail[480];
    size_t len = 0;
    tail[0] = '\0';
    char buf[4096];
    for (;;) {
        ssize_t r = read(p[0], buf, sizeof(buf));
        if (r > 0)
            keep_tail(tail, sizeof(tail), &len, buf, (size_t)r);
        else if (r == 0 || errno != EINTR)
            break;
    }
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return tc_fail(e, TC_EIO, "cannot wait for %s: %s", argv[0], strerror(errno));
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    /* trim the trailing newline for the hint */
    while (len && (tail[len - 1] == '\n' || tail[len - 1] == '\r'))
        tail[--len] = '\0';
    if (WIFEXITED(st))
        tc_fail(e, TC_EIO, "%s failed (exit status %d)", argv[0], WEXITSTATUS(st));
    else
        tc_fail(e, TC_EIO, "%s was killed by signal %d", argv[0], WTERMSIG(st));
    if (e)
        tc_err_hint(e, "%s", tail);
    return TC_EIO;
}

/* ------------------------------------------------ PostgreSQL programs */

static int is_exec(const char *dir, const char *prog)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", dir, prog);
    return access(p, X_OK) == 0;
}

int tc_proc_pg_bindir(char *buf, size_t n, tc_err *e)
{
    const char *env = getenv("TONGCHOU_PG_BINDIR");
    if (env && env[0]) {
        if (!is_exec(env, "initdb"))
            return tc_fail(e, TC_EIO, "TONGCHOU_PG_BINDIR=%s holds no initdb", env);
        snprintf(buf, n, "%s", env);
        return 0;
    }
    /* Debian keeps the server binaries in /usr/lib/postgresql/N/bin. */
    int best = -1;
    DIR *d = opendir("/usr/lib/postgresql");
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            char *end;
            long v = strtol(de->d_name, &end, 10);
            char cand[1024];
            snprintf(cand, sizeof(cand), "/usr/lib/postgresql/%s/bin", de->d_name);
            if (*end == '\0' && end != de->d_name && v > best && is_exec(cand, "initdb"))
                best = (int)v;
        }
        closedir(d);
    }
    if (best >= 0) {
        snprintf(buf, n, "/usr/lib/postgresql/%d/bin", best);
        return 0;
    }
    FILE *f = popen("pg_config --bindir 2>/dev/null", "r");
    if (f) {
        char line[1024] = "";
        if (fgets(line, sizeof(line), f))
            line[strcspn(line, "\n")] = '\0';
        pclose(f);
        if (line[0] && is_exec(line, "initdb")) {
            snprintf(buf, n, "%s", line);
            return 0;
        }
    }
    tc_fail(e, TC_EIO, "cannot find the PostgreSQL server programs (initdb, pg_ctl)");
    tc_err_hint(e, "install the Debian package postgresql-15, or set TONGCHOU_PG_BINDIR");
    return TC_EIO;
}

/* ------------------------------------------------------------------ */
/* Fan-out                                                            */
/* ------------------------------------------------------------------ */

/* What a child reports through its pipe: the index it failed at, and the
 * error (the same program on both ends, so the struct goes as it is). */
typedef struct fan_report {
    size_t i;
    tc_err e;
} fan_report;

int tc_proc_fanout(size_t n, int jobs, int (*fn)(size_t i, void *arg, tc_err *e), void *arg,
                   tc_err *e)
{
    if (jobs <= 1 || n <= 1) {
        for (size_t i = 0; i < n; i++) {
            int rc = fn(i, arg, e);
            if (rc)
                return rc;
        }
        return 0;
    }
    if ((size_t)jobs > n)
        jobs = (int)n;
    pid_t pid[jobs];
    int fd[jobs];
    int started = 0, rc = 0;
    fflush(NULL);   /* no buffered output written twice */
    for (; started < jobs; started++) {
        int p[2];
        if (pipe(p) != 0) {
            rc = tc_fail(e, TC_EIO, "cannot make a pipe: %s", strerror(errno));
            break;
        }
        pid_t c = fork();
        if (c < 0) {
            close(p[0]);
            close(p[1]);
            rc = tc_fail(e, TC_EIO, "cannot start a process: %s", strerror(errno));
            break;
        }
        if (c == 0) {
            close(p[0]);
            for (int k = 0; k < started; k++)
                close(fd[k]);
            fan_report r = {0};
            for (size_t i = (size_t)started; i < n; i += (size_t)jobs) {
                if (fn(i, arg, &r.e)) {
                    r.i = i;
                    ssize_t w = write(p[1], &r, sizeof(r));
                    _exit(w == (ssize_t)sizeof(r) ? 1 : 2);
                }
            }
            _exit(0);
        }
        close(p[1]);
        pid[started] = c;
        fd[started] = p[0];
    }
    /* every child started is waited for, also when starting one failed */
    size_t worst = n;
    for (int k = 0; k < started; k++) {
        fan_report r;
        size_t got = 0;
        while (got < sizeof(r)) {
            ssize_t m = read(fd[k], (char *)&r + got, sizeof(r) - got);
            if (m < 0 && errno == EINTR)
                continue;
            if (m <= 0)
                break;
            got += (size_t)m;
        }
        close(fd[k]);
        int st = 0;
        while (waitpid(pid[k], &st, 0) < 0 && errno == EINTR)
            ;
        if (rc && worst == n)
            continue;   /* starting failed: that is the error to report */
        if (got == sizeof(r) && r.i < worst) {
            worst = r.i;
            *e = r.e;
            rc = r.e.code ? r.e.code : TC_EIO;
        } else if (got != sizeof(r) && !(WIFEXITED(st) && WEXITSTATUS(st) == 0) && worst == n &&
                   !rc) {
            rc = WIFSIGNALED(st)
                     ? tc_fail(e, TC_EIO, "a process writing files was killed by signal %d",
                               WTERMSIG(st))
                     : tc_fail(e, TC_EIO, "a process writing files failed (exit %d) "
                                          "without saying why", WEXITSTATUS(st));
        }
    }
    return rc;
}
