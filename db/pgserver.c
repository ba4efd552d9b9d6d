/*
 * pgserver.c - a private PostgreSQL server: initdb, pg_ctl, a guardian.
 *
 * Folder layout (DIR is the folder given or made):
 *
 *   DIR/data/        the cluster (initdb), owned by the server account
 *   DIR/sock/        the Unix socket folder, or, when DIR is too long for a
 *                    socket path (108 bytes), a short /tmp/tcpg-XXXXXX
 *                    folder whose name is written in DIR/sockdir
 *   DIR/port         the port, as text, for attach and `tongchou db env`
 *   DIR/server.log   the server's log
 *
 * All settings are written into data/postgresql.auto.conf-like lines at the
 * end of postgresql.conf once, at initdb, so a restart by hand with pg_ctl
 * gives the same server.
 */
#include "db/pgserver.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/atomic.h"
#include "core/digest.h"
#include "core/proc.h"

#define PATH_MAXLEN 1024

struct tc_pgserver {
    char dir[PATH_MAXLEN];
    char home[PATH_MAXLEN];  /* where the server's files live: dir, or a stand-in */
    char data[PATH_MAXLEN];
    char sock[PATH_MAXLEN];
    char bindir[PATH_MAXLEN];
    char log[PATH_MAXLEN];
    char osuser[64];         /* account the server runs as ("" = ourselves) */
    uid_t uid;
    gid_t gid;
    int as_user;
    int port;
    unsigned flags;
    int own_sockdir;         /* sock is a /tmp folder of ours to remove */
    pid_t guardian;
    int guard_fd;            /* write end; closing it wakes the guardian */
    char conninfo[2 * PATH_MAXLEN];
};

static const char SUPERUSER[] = "postgres";

/* ---- small helpers ---------------------------------------------------- */

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Run a server program (initdb, pg_ctl) as the server account. */
/*
 * argv with argv[0] the program's full path: PostgreSQL's programs find
 * their siblings (initdb its postgres, pg_ctl its postgres) from their own
 * argv[0], and only a name makes them search a PATH that need not hold
 * them.  At most 32 arguments.
 */
static const char *const *full_argv(const char *const *argv, const char *path,
                                    const char **buf)
{
    int n = 0;
    buf[n++] = path;
    while (argv[n] && n < 31) {
        buf[n] = argv[n];
        n++;
    }
    buf[n] = NULL;
    return buf;
}

static int run_server_prog(tc_pgserver *s, const char *const *argv, tc_err *e)
{
    char path[PATH_MAXLEN];
    const char *buf[32];
    snprintf(path, sizeof(path), "%s/%s", s->bindir, argv[0]);
    argv = full_argv(argv, path, buf);
    static const char *const unset[] = {"PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE",
                                        "PGOPTIONS", NULL};
    tc_proc_opts o = {.uid = s->uid, .gid = s->gid, .as_user = s->as_user,
                      .unset = unset, .stdout_devnull = 1, .cwd = "/"};
    return tc_proc_run(path, argv, &o, e);
}

/* Hand a path to the server account (we are root when this is called). */
static int give(tc_pgserver *s, const char *p, tc_err *e)
{
    if (s->as_user && chown(p, s->uid, s->gid) != 0)
        return tc_fail(e, TC_EIO, "cannot hand %s to %s: %s", p, s->osuser, strerror(errno));
    return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    if (flag == FTW_DP)
        return rmdir(p) == 0 || errno == ENOENT ? 0 : -1;
    return unlink(p) == 0 || errno == ENOENT ? 0 : -1;
}

static int rmtree(const char *p)
{
    if (!file_exists(p))
        return 0;
    return nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_text(const char *path, const char *text, tc_err *e)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return tc_fail(e, TC_EIO, "cannot write %s: %s", path, strerror(errno));
    fputs(text, f);
    if (fclose(f) != 0)
        return tc_fail(e, TC_EIO, "cannot write %s: %s", path, strerror(errno));
    return 0;
}

static int read_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    buf[0] = '\0';
    if (!fgets(buf, (int)n, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? 0 : -1;
}

/* The last lines of the server log, for the hint when it would not start. */
static void log_tail(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    long from = sz > (long)n - 1 ? sz - ((long)n - 1) : 0;
    fseek(f, from, SEEK_SET);
    size_t r = fread(out, 1, n - 1, f);
    out[r] = '\0';
    fclose(f);
    /* start at a line boundary */
    char *nl = from ? strchr(out, '\n') : NULL;
    if (nl)
        memmove(out, nl + 1, strlen(nl + 1) + 1);
}

/* A port no TCP listener on this machine uses.  The server itself listens
 * only on its own socket folder, so a clash could only confuse a human
 * reading `ss`, but choosing free ports keeps the numbers unambiguous. */
static int free_port(void)
{
    unsigned seed = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
    for (int tries = 0; tries < 64; tries++) {
        seed = seed * 1103515245u + 12345u;
        int port = 20000 + (int)((seed >> 8) % 40000);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return port;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (ok)
            return port;
    }
    return 54329;
}

/* Which account runs the server: ourselves, or, as root, an unprivileged
 * one (initdb and postgres refuse to run as root). */
static int pick_account(tc_pgserver *s, tc_err *e)
{
    if (geteuid() != 0)
        return 0;
    const char *name = getenv("TONGCHOU_PG_USER");
    if (!name || !name[0])
        name = "postgres";
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        tc_fail(e, TC_EIO, "running as root, and there is no account '%s' to run PostgreSQL as",
                name);
        tc_err_hint(e, "install postgresql-15 (it creates 'postgres'), or set TONGCHOU_PG_USER "
                       "to an unprivileged account");
        return TC_EIO;
    }
    if (pw->pw_uid == 0)
        return tc_fail(e, TC_EIO, "TONGCHOU_PG_USER=%s is root; PostgreSQL cannot run as root",
                       name);
    s->as_user = 1;
    s->uid = pw->pw_uid;
    s->gid = pw->pw_gid;
    snprintf(s->osuser, sizeof(s->osuser), "%s", pw->pw_name);
    return 0;
}

/* Can the server account reach path?  (A folder under /root is not.) */
static int reachable(tc_pgserver *s, const char *path, tc_err *e)
{
    if (!s->as_user)
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(s->gid) != 0 || setuid(s->uid) != 0)
            _exit(2);
        _exit(access(path, R_OK | W_OK | X_OK) == 0 ? 0 : 1);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        tc_fail(e, TC_EIO, "the PostgreSQL account '%s' cannot reach %s", s->osuser, path);
        tc_err_hint(e, "choose a folder whose parents '%s' may enter (chmod o+x), "
                       "for instance under /tmp or /var/tmp", s->osuser);
        return TC_EIO;
    }
    return 0;
}

/*
 * The server's files - cluster, socket, log - live in DIR, or, when DIR is
 * where the server's account cannot go (a folder under root's 0700 home),
 * in a stand-in folder under /var/tmp named in DIR/home.
 */
static void set_paths(tc_pgserver *s)
{
    char p[PATH_MAXLEN], line[PATH_MAXLEN];
    snprintf(p, sizeof(p), "%s/home", s->dir);
    if (read_line(p, line, sizeof(line)) == 0)
        snprintf(s->home, sizeof(s->home), "%s", line);
    else
        snprintf(s->home, sizeof(s->home), "%s", s->dir);
    snprintf(s->data, sizeof(s->data), "%s/data", s->home);
    snprintf(s->log, sizeof(s->log), "%s/server.log", s->home);
    snprintf(p, sizeof(p), "%s/sockdir", s->dir);
    if (read_line(p, line, sizeof(line)) == 0)
        snprintf(s->sock, sizeof(s->sock), "%s", line);
    else
        snprintf(s->sock, sizeof(s->sock), "%s/sock", s->home);
}

/* DIR is out of the server account's reach: make (or find) its stand-in,
 * /var/tmp/tongchou-pg-<digest of DIR's path>, and name it in DIR/home. */
static int stand_in(tc_pgserver *s, tc_err *e)
{
    char p[PATH_MAXLEN], alt[PATH_MAXLEN], hex[TC_DIGEST_TEXT_MAX];
    snprintf(p, sizeof(p), "%s/home", s->dir);
    if (file_exists(p))
        return 0;
    int rc = tc_digest_buffer(TC_DIGEST_SHA256, s->dir, strlen(s->dir), hex, e);
    if (rc)
        return rc;
    snprintf(alt, sizeof(alt), "/var/tmp/tongchou-pg-%.16s", hex + 7);
    rmtree(alt);   /* an earlier DIR of this name was removed: its stand-in goes too */
    if (mkdir(alt, 0700) != 0)
        return tc_fail(e, TC_EIO, "cannot create %s: %s", alt, strerror(errno));
    if ((rc = give(s, alt, e)))
        return rc;
    char text[PATH_MAXLEN + 2];
    snprintf(text, sizeof(text), "%s\n", alt);
    return write_text(p, text, e);
}

static int server_running(tc_pgserver *s)
{
    char pid[PATH_MAXLEN];
    snprintf(pid, sizeof(pid), "%s/postmaster.pid", s->data);
    if (!file_exists(pid))
        return 0;
    const char *argv[] = {"pg_ctl", "status", "-D", s->data, NULL};
    return run_server_prog(s, argv, NULL) == 0;
}

/* Quote a conninfo value: 'value' with \ and ' escaped. */
static void cat_quoted(char *out, size_t n, const char *key, const char *v)
{
    size_t k = strlen(out);
    k += (size_t)snprintf(out + k, k < n ? n - k : 0, "%s%s='", k ? " " : "", key);
    for (; *v && k + 3 < n; v++) {
        if (*v == '\'' || *v == '\\')
            out[k++] = '\\';
        out[k++] = *v;
    }
    if (k + 1 < n)
        out[k++] = '\'';
    out[k < n ? k : n - 1] = '\0';
}

/* ---- the guardian ------------------------------------------------------ */

/*
 * A child in its own session that waits for EOF on a pipe whose only write
 * end the starting process holds (close-on-exec, so no program we start
 * inherits it).  EOF means the starter has exited or called stop: either
 * way the server goes and the folder is removed.
 */
static void guardian_main(tc_pgserver *s, int rfd)
{
    setsid();
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    int nul = open("/dev/null", O_RDWR);
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
    }
    long maxfd = sysconf(_SC_OPEN_MAX);
    for (int fd = 3; fd < (maxfd > 0 ? maxfd : 1024); fd++)
        if (fd != rfd)
            close(fd);
    char c;
    while (read(rfd, &c, 1) != 0 && (errno == EINTR || errno == EAGAIN))
        ;
    if (file_exists(s->dir)) {
        if (server_running(s)) {
            const char *argv[] = {"pg_ctl", "stop", "-D", s->data, "-m", "immediate", "-w",
                                  "-t", "60", NULL};
            run_server_prog(s, argv, NULL);
        }
        if (strcmp(s->home, s->dir) != 0)
            rmtree(s->home);
        rmtree(s->dir);
    }
    if (s->own_sockdir)
        rmtree(s->sock);
    _exit(0);
}

static int start_guardian(tc_pgserver *s, tc_err *e)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return tc_fail(e, TC_EIO, "cannot create the guardian's pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return tc_fail(e, TC_EIO, "cannot fork the server's guardian: %s", strerror(errno));
    }
    if (pid == 0) {
        close(p[1]);
        guardian_main(s, p[0]);
    }
    close(p[0]);
    s->guardian = pid;
    s->guard_fd = p[1];
    return 0;
}

/* ---- start, attach, stop ---------------------------------------------- */

static int init_cluster(tc_pgserver *s, tc_err *e)
{
    int rc;
    /* socket folder: DIR/sock, or a short one when DIR is long */
    if (strlen(s->home) + strlen("/sock/.s.PGSQL.65535") >= 100) {
        char tmpl[] = "/tmp/tcpg-XXXXXX";
        if (!mkdtemp(tmpl))
            return tc_fail(e, TC_EIO, "cannot create a socket folder in /tmp: %s",
                           strerror(errno));
        char p[PATH_MAXLEN];
        snprintf(p, sizeof(p), "%s/sockdir", s->dir);
        snprintf(s->sock, sizeof(s->sock), "%s", tmpl);
        if ((rc = write_text(p, tmpl, e)))
            return rc;
        s->own_sockdir = 1;
    } else if (mkdir(s->sock, 0700) != 0 && errno != EEXIST) {
        return tc_fail(e, TC_EIO, "cannot create %s: %s", s->sock, strerror(errno));
    }
    if ((rc = give(s, s->sock, e)))
        return rc;

    /* The cluster is made in DATA.new and renamed to DATA once configured,
     * so a process killed half way leaves no cluster that looks whole (one
     * without our socket and port would start, and nobody could reach it);
     * the next start removes the half-made one and begins again. */
    char final[PATH_MAXLEN];
    snprintf(final, sizeof(final), "%s", s->data);
    snprintf(s->data, sizeof(s->data), "%s.new", final);
    rmtree(s->data);
    const char *argv[] = {"initdb", "-D", s->data, "-U", SUPERUSER, "-E", "UTF8",
                          "--no-locale", "--auth-local=trust", "--auth-host=reject",
                          (s->flags & TC_PGSERVER_FAST) ? "--no-sync" : NULL, NULL};
    if ((rc = run_server_prog(s, argv, e))) {
        tc_err_prefix(e, "initdb in %s: ", s->data);
        snprintf(s->data, sizeof(s->data), "%s", final);
        return rc;
    }
    /* a postgresql.conf string doubles its single quotes */
    char sockq[2 * PATH_MAXLEN];
    size_t k = 0;
    for (const char *p = s->sock; *p && k + 2 < sizeof(sockq); p++) {
        if (*p == '\'')
            sockq[k++] = '\'';
        sockq[k++] = *p;
    }
    sockq[k] = '\0';
    char conf[PATH_MAXLEN], text[3 * PATH_MAXLEN + 512];
    snprintf(conf, sizeof(conf), "%s/postgresql.conf", s->data);
    int n = snprintf(text, sizeof(text),
                     "\n# written by tongchou: a private server on a Unix socket only\n"
                     "listen_addresses = ''\n"
                     "unix_socket_directories = '%s'\n"
                     "port = %d\n"
                     "max_connections = 40\n"
                     "shared_buffers = 32MB\n"
                     "logging_collector = off\n",
                     sockq, s->port);
    if (s->flags & TC_PGSERVER_FAST)
        snprintf(text + n, sizeof(text) - (size_t)n,
                 "# FAST: tests and throwaway databases only - a crash loses data\n"
                 "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
    FILE *f = fopen(conf, "a");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        snprintf(s->data, sizeof(s->data), "%s", final);
        return tc_fail(e, TC_EIO, "cannot write %s: %s", conf, strerror(errno));
    }
    if (rename(s->data, final) != 0) {
        rc = tc_fail(e, TC_EIO, "cannot rename %s to %s: %s", s->data, final, strerror(errno));
        snprintf(s->data, sizeof(s->data), "%s", final);
        return rc;
    }
    snprintf(s->data, sizeof(s->data), "%s", final);
    return tc_fsync_parent(final, e);
}

static int start_server(tc_pgserver *s, tc_err *e)
{
    const char *argv[] = {"pg_ctl", "start", "-D", s->data, "-l", s->log, "-w", "-t", "120",
                          "-s", NULL};
    int rc = run_server_prog(s, argv, e);
    if (rc) {
        char tail[400];
        log_tail(s->log, tail, sizeof(tail));
        tc_fail(e, TC_EIO, "the PostgreSQL server in %s would not start", s->dir);
        tc_err_hint(e, "%s", tail[0] ? tail : "see the server log");
    }
    return rc;
}

static void init_handle(tc_pgserver *s)
{
    memset(s, 0, sizeof(*s));
    s->guard_fd = -1;
    s->guardian = -1;
}

/* A stopped cluster moved to another port: the setting appended to
 * postgresql.conf (the last one counts) and the port file rewritten. */
static int move_port(tc_pgserver *s, int port, tc_err *e)
{
    char conf[PATH_MAXLEN + 32], line[64];
    snprintf(conf, sizeof(conf), "%s/postgresql.conf", s->data);
    FILE *f = fopen(conf, "a");
    if (!f || fprintf(f, "port = %d   # tongchou db start --port\n", port) < 0 ||
        fclose(f) != 0)
        return tc_fail(e, TC_EIO, "cannot write %s: %s", conf, strerror(errno));
    s->port = port;
    snprintf(conf, sizeof(conf), "%s/port", s->dir);
    snprintf(line, sizeof(line), "%d\n", port);
    return write_text(conf, line, e);
}

int tc_pgserver_start(tc_pgserver **out, const char *dir, unsigned flags, tc_err *e)
{
    return tc_pgserver_start_on(out, dir, flags, 0, e);
}

int tc_pgserver_start_on(tc_pgserver **out, const char *dir, unsigned flags, int port,
                         tc_err *e)
{
    *out = NULL;
    if (port < 0 || port > 65535)
        return tc_fail(e, TC_EUSAGE, "port %d is not a TCP port number (1 to 65535)", port);
    tc_pgserver *s = malloc(sizeof(*s));
    if (!s)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    init_handle(s);
    s->flags = flags;
    int rc = 0, made = 0;
    if ((rc = tc_proc_pg_bindir(s->bindir, sizeof(s->bindir), e)) || (rc = pick_account(s, e)))
        goto fail;
    if (dir) {
        if (strlen(dir) >= 900) {
            rc = tc_fail(e, TC_EUSAGE, "server folder path too long: %s", dir);
            goto fail;
        }
        if (mkdir(dir, 0700) == 0)
            made = 1;
        else if (errno != EEXIST) {
            rc = tc_fail(e, TC_EIO, "cannot create %s: %s", dir, strerror(errno));
            goto fail;
        }
        if (!realpath(dir, s->dir)) {
            rc = tc_fail(e, TC_EIO, "cannot resolve %s: %s", dir, strerror(errno));
            goto fail;
        }
    } else {
        const char *t = getenv("TMPDIR");
        snprintf(s->dir, sizeof(s->dir), "%s/tongchou-pg-XXXXXX", t && t[0] ? t : "/tmp");
        if (!mkdtemp(s->dir)) {
            rc = tc_fail(e, TC_EIO, "cannot create %s: %s", s->dir, strerror(errno));
            goto fail;
        }
        made = 1;
    }
    if ((rc = give(s, s->dir, e)))
        goto fail;
    if (s->as_user && reachable(s, s->dir, NULL) != 0 && (rc = stand_in(s, e)))
        goto fail;
    set_paths(s);
    if ((rc = reachable(s, s->home, e)))
        goto fail;

    char portfile[PATH_MAXLEN], line[64];
    snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
    int have_cluster = file_exists(s->data);
    if (have_cluster) {
        if (read_line(portfile, line, sizeof(line)) != 0 || (s->port = atoi(line)) <= 0) {
            rc = tc_fail(e, TC_EIO, "%s holds a cluster but no port file", s->dir);
            goto fail;
        }
        s->own_sockdir = strncmp(s->sock, "/tmp/tcpg-", 10) == 0;
        if (s->own_sockdir && !file_exists(s->sock)) {   /* /tmp was cleaned */
            if (mkdir(s->sock, 0700) != 0 || (rc = give(s, s->sock, e))) {
                rc = rc ? rc : tc_fail(e, TC_EIO, "cannot create %s: %s", s->sock, strerror(errno));
                goto fail;
            }
        }
        if (server_running(s)) {
            if (port && port != s->port) {
                rc = tc_fail(e, TC_EUSAGE, "the server in %s runs on port %d already, not %d",
                             s->dir, s->port, port);
                tc_err_hint(e, "stop it first: tongchou db stop %s", dir);
                goto fail;
            }
            goto started;
        }
        if (port && port != s->port && (rc = move_port(s, port, e)))
            goto fail;
    } else {
        s->port = port ? port : free_port();
        snprintf(line, sizeof(line), "%d\n", s->port);
        if ((rc = write_text(portfile, line, e)) || (rc = init_cluster(s, e)))
            goto fail;
    }
    if ((flags & TC_PGSERVER_EPHEMERAL) && (rc = start_guardian(s, e)))
        goto fail;
    if ((rc = start_server(s, e)))
        goto fail;
started:
    *out = s;
    return 0;
fail:
    if (s->guard_fd >= 0) {
        close(s->guard_fd);
        waitpid(s->guardian, NULL, 0);
    } else if (made && (flags & TC_PGSERVER_EPHEMERAL)) {
        rmtree(s->dir);
        if (s->own_sockdir)
            rmtree(s->sock);
    }
    free(s);
    return rc;
}

int tc_pgserver_attach(tc_pgserver **out, const char *dir, tc_err *e)
{
    *out = NULL;
    tc_pgserver *s = malloc(sizeof(*s));
    if (!s)
        return tc_fail(e, TC_ENOMEM, "out of memory");
    init_handle(s);
    int rc;
    if ((rc = tc_proc_pg_bindir(s->bindir, sizeof(s->bindir), e)) || (rc = pick_account(s, e))) {
        free(s);
        return rc;
    }
    if (!realpath(dir, s->dir)) {
        free(s);
        return tc_fail(e, TC_EIO, "no server folder %s: %s", dir, strerror(errno));
    }
    set_paths(s);
    char portfile[PATH_MAXLEN], line[64];
    snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
    if (read_line(portfile, line, sizeof(line)) != 0 || (s->port = atoi(line)) <= 0 ||
        !server_running(s)) {
        free(s);
        tc_fail(e, TC_EIO, "no PostgreSQL server of ours is running in %s", dir);
        tc_err_hint(e, "start one with: tongchou db start %s", dir);
        return TC_EIO;
    }
    s->own_sockdir = strncmp(s->sock, "/tmp/tcpg-", 10) == 0;
    *out = s;
    return 0;
}

int tc_pgserver_stop(tc_pgserver *s, tc_err *e)
{
    if (!s)
        return 0;
    int rc = 0;
    if (server_running(s)) {
        const char *argv[] = {"pg_ctl", "stop", "-D", s->data, "-m", "fast", "-w", "-t", "120",
                              "-s", NULL};
        rc = run_server_prog(s, argv, e);
        if (rc)
            tc_err_prefix(e, "stopping the server in %s: ", s->dir);
    }
    if (s->flags & TC_PGSERVER_EPHEMERAL) {
        if (!rc) {
            if (strcmp(s->home, s->dir) != 0)
                rmtree(s->home);
            rmtree(s->dir);
            if (s->own_sockdir)
                rmtree(s->sock);
        }
        if (s->guard_fd >= 0) {
            close(s->guard_fd);   /* the guardian finishes whatever is left */
            waitpid(s->guardian, NULL, 0);
        }
    }
    free(s);
    return rc;
}

void tc_pgserver_detach(tc_pgserver *s)
{
    if (!s)
        return;
    if (s->guard_fd >= 0)
        close(s->guard_fd);   /* an ephemeral server cannot outlive us */
    free(s);
}

const char *tc_pgserver_conninfo(tc_pgserver *s, const char *dbname)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", s->port);
    s->conninfo[0] = '\0';
    cat_quoted(s->conninfo, sizeof(s->conninfo), "host", s->sock);
    cat_quoted(s->conninfo, sizeof(s->conninfo), "port", port);
    cat_quoted(s->conninfo, sizeof(s->conninfo), "user", SUPERUSER);
    cat_quoted(s->conninfo, sizeof(s->conninfo), "dbname", dbname ? dbname : "postgres");
    return s->conninfo;
}

const char *tc_pgserver_socket_dir(const tc_pgserver *s) { return s->sock; }
int tc_pgserver_port(const tc_pgserver *s) { return s->port; }
const char *tc_pgserver_user(const tc_pgserver *s) { (void)s; return SUPERUSER; }
const char *tc_pgserver_dir(const tc_pgserver *s) { return s->dir; }
const char *tc_pgserver_bindir(const tc_pgserver *s) { return s->bindir; }

int tc_pgserver_createdb(tc_pgserver *s, const char *name, const char *encoding, tc_err *e)
{
    PGconn *c = PQconnectdb(tc_pgserver_conninfo(s, NULL));
    if (PQstatus(c) != CONNECTION_OK) {
        tc_fail(e, TC_EDB, "cannot connect to the server in %s: %s", s->dir, PQerrorMessage(c));
        PQfinish(c);
        return TC_EDB;
    }
    char *id = PQescapeIdentifier(c, name, strlen(name));
    char *enc = encoding ? PQescapeLiteral(c, encoding, strlen(encoding)) : NULL;
    char sql[1024];
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE template0%s%s", id ? id : "\"\"",
             enc ? " ENCODING " : "", enc ? enc : "");
    PQfreemem(id);
    PQfreemem(enc);
    PGresult *r = PQexec(c, sql);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = tc_fail(e, TC_EDB, "cannot create database %s: %s", name, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return rc;
}

int tc_pgserver_run(tc_pgserver *s, const char *const *argv, const char *out_path, tc_err *e)
{
    char path[PATH_MAXLEN], host[PATH_MAXLEN + 8], port[32], user[64];
    const char *buf[32];
    snprintf(path, sizeof(path), "%s/%s", s->bindir, argv[0]);
    argv = full_argv(argv, path, buf);
    snprintf(host, sizeof(host), "PGHOST=%s", s->sock);
    snprintf(port, sizeof(port), "PGPORT=%d", s->port);
    snprintf(user, sizeof(user), "PGUSER=%s", SUPERUSER);
    const char *env[] = {host, port, user, NULL};
    static const char *const unset[] = {"PGPASSWORD", "PGDATABASE", "PGSERVICE", "PGOPTIONS",
                                        "PGHOSTADDR", NULL};
    tc_proc_opts o = {.env = env, .unset = unset, .stdout_path = out_path};
    return tc_proc_run(path, argv, &o, e);
}
