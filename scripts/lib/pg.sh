# pg.sh - a private PostgreSQL server for shell scripts and script tests.
#
#   . scripts/lib/pg.sh
#   tc_pg_start TONGCHOU [DIR]   # starts it, sets PGHOST PGPORT PGUSER,
#                                # stops and removes it when the shell exits
#
# It is the server of `tongchou db` (db/pgserver.c): initdb + pg_ctl in a
# folder, Unix socket only, run as 'postgres' when we are root, fsync off
# (test data only).  DIR defaults to a new folder under $TMPDIR.

tc_pg_start() {
  local tc=$1 dir=${2:-}
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/tongchou-pgsh-XXXXXX")
    chmod 755 "$dir"
    dir=$dir/pg
  fi
  TC_PG_DIR=$dir
  TC_PG_TONGCHOU=$tc
  "$tc" db start --fast "$dir" >/dev/null || return 1
  trap tc_pg_stop EXIT
  eval "$("$tc" db env "$dir")"
}

tc_pg_stop() {
  [ -n "${TC_PG_DIR:-}" ] || return 0
  "$TC_PG_TONGCHOU" db stop "$TC_PG_DIR" >/dev/null 2>&1 || true
  rm -rf "$(dirname "$TC_PG_DIR")"
  TC_PG_DIR=
}
