/*
 * cmd_db.c - `tongchou db start [--port N] DIR`, `db stop|status|env DIR`:
 * the private server; `tongchou db init|upgrade [--db DB]`: the city
 * database's schema.
 *
 * The same server `run` embeds and the tests use, for a human or a shell
 * script (scripts/lib/pg.sh) to start by hand.  start prints the libpq
 * connection string on stdout; env prints shell assignments for psql.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/log.h"
#include "db/pgserver.h"
#include "db/schema.h"

/* Single-quote a value for a POSIX shell. */
static void shell_quote(const char *s)
{
    putchar('\'');
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*s);
    }
    putchar('\'');
}

const tc_command tc_cmd_db = {
    "db", cmd_db, "start [--port N] DIR | stop|status|env DIR | init|upgrade [--db DB]",
    "a private PostgreSQL server in a folder; the city database's schema",
    "  init         create schema tongchou, its tables and roles (idempotent)\n"
    "  upgrade      apply the schema steps the database lacks\n"
    "  --db DB      libpq conninfo or URI (else DATABASE_URL, else PG*)\n"
    "  start DIR    create (initdb) and start a server in DIR, Unix socket only,\n"
    "               and print its connection string on stdout\n"
    "  --port N     start's port (default: one chosen free); a stopped server\n"
    "               in DIR moves to it\n"
    "  stop DIR     stop the server running in DIR\n"
    "  status DIR   say whether a server runs in DIR (exit 0) or not (exit 4)\n"
    "  env DIR      print PGHOST, PGPORT and PGUSER as shell assignments\n"
    "\n"
    "  --fast       fsync=off and friends: for tests and throwaway data only\n",
    "start stop status env init upgrade"};

int cmd_db(int argc, char **argv)
{
    if (tc_cli_wants_help(&tc_cmd_db, argc, argv))
        return 0;
    static const struct option opts[] = {
        {"fast", no_argument, NULL, 'f'}, {"db", required_argument, NULL, 'd'},
        {"port", required_argument, NULL, 'p'}, {0, 0, 0, 0}};
    unsigned flags = 0;
    const char *db = NULL;
    int c, port = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (c == 'f') {
            flags |= TC_PGSERVER_FAST;
        } else if (c == 'd') {
            db = optarg;
        } else if (c == 'p') {
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 65535)
                return tc_cli_usage_error(&tc_cmd_db, "bad --port '%s': give a port number, "
                                          "1 to 65535", optarg);
            port = (int)v;
        } else {
            return tc_cli_usage_error(&tc_cmd_db, "unknown option");
        }
    }
    tc_err e;
    tc_err_clear(&e);
    if (argc - optind == 1 && (!strcmp(argv[optind], "init") || !strcmp(argv[optind], "upgrade"))) {
        int from, to;
        if (tc_schema_install(db, argv[optind][0] == 'i', &from, &to, &e))
            return tc_log_fail(&e);
        tc_log_info("schema tongchou at version %d (was %d)", to, from);
        return 0;
    }
    if (argc - optind != 2)
        return tc_cli_usage_error(&tc_cmd_db, "expected init, upgrade, or an action (start, stop, "
                                              "status, env) and a folder");
    const char *act = argv[optind], *dir = argv[optind + 1];
    tc_pgserver *s = NULL;
    int rc;

    if (port && strcmp(act, "start") != 0)
        return tc_cli_usage_error(&tc_cmd_db, "--port goes with start only");
    if (strcmp(act, "start") == 0) {
        if ((rc = tc_pgserver_start_on(&s, dir, flags, port, &e)))
            return tc_log_fail(&e);
        tc_log_info("PostgreSQL runs in %s (socket %s, port %d)", tc_pgserver_dir(s),
                    tc_pgserver_socket_dir(s), tc_pgserver_port(s));
        printf("%s\n", tc_pgserver_conninfo(s, NULL));
        tc_pgserver_detach(s);
        return 0;
    }
    if (strcmp(act, "stop") == 0) {
        if ((rc = tc_pgserver_attach(&s, dir, &e)))
            return tc_log_fail(&e);
        if ((rc = tc_pgserver_stop(s, &e)))
            return tc_log_fail(&e);
        tc_log_info("stopped the server in %s", dir);
        return 0;
    }
    if (strcmp(act, "status") == 0 || strcmp(act, "env") == 0) {
        if ((rc = tc_pgserver_attach(&s, dir, &e))) {
            if (strcmp(act, "status") == 0)
                printf("stopped\n");
            return tc_log_fail(&e);
        }
        if (strcmp(act, "status") == 0) {
            printf("running %s\n", tc_pgserver_conninfo(s, NULL));
        } else {
            fputs("PGHOST=", stdout);
            shell_quote(tc_pgserver_socket_dir(s));
            printf("; PGPORT=%d; PGUSER=%s; export PGHOST PGPORT PGUSER\n", tc_pgserver_port(s),
                   tc_pgserver_user(s));
        }
        tc_pgserver_detach(s);
        return 0;
    }
    return tc_cli_usage_error(&tc_cmd_db, "unknown action '%s' (start, stop, status, env)", act);
}
