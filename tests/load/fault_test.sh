#!/usr/bin/env bash
# fault_test.sh TONGCHOU SRCDIR - `tongchou load` killed with SIGKILL at 20
# random moments during a multi-batch load, and the server restarted once
# mid-load; after each, running the same load again (and --retry-failed
# after the restart) leaves every batch in the database exactly once, with
# count(*) and every amount column's sum equal to the batch trailers.
#
# The example city (XML only, 20000 contributions per county) is extracted
# and mapped into 70 city batches.  Each kill uses a fresh database, so
# every kill lands in a load that still has batches to do: a random moment
# between 0 and the time one clean load takes.  The figures the database
# must hold are read from the trailers (`tongchou batch show`) once.
set -u
tc=$1
src=$2
. "$src/scripts/lib/pg.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/tongchou-fault-XXXXXX")
chmod 755 "$work"
cleanup() { tc_pg_stop; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -z "${TC_FAULT_KEEP:-}" ] || head -3 "$work/want" "$work/got" "$work/cols"; exit 1; }

tc_pg_start "$tc" "$work/pg" || fail "cannot start a private server"
trap cleanup EXIT

"$tc" generate -q --xml-only -n 20000 "$work/city" >/dev/null || fail generate
mkdir "$work/county" "$work/batches"
"$tc" extract -q -o "$work/county" "$work/city/sources/"* >/dev/null || fail extract
"$tc" map -q -m "$src/mappings/changchun" -o "$work/batches" "$work/county/"*.tcb >/dev/null ||
  fail map
batches=("$work/batches/"*.tcb)
[ ${#batches[@]} -eq 70 ] || fail "expected 70 city batches, got ${#batches[@]}"

# What the database must hold, from the trailers: per county and type the
# count, then each amount total in fen in header order ("want"); and the
# amount columns of each batch ("cols").
for b in "${batches[@]}"; do
  "$tc" batch show "$b" | awk -v OFS='\t' -v cols="$work/cols" '
    /^# type /   { t = $3 } /^# county / { c = $3 }
    /^# count /  { line = c OFS t OFS $3; names = "" }
    /^# total /  { v = $4; neg = sub(/^-/, "", v); sub(/\./, "", v); sub(/^0+/, "", v)
                   if (v == "") v = "0"; else if (neg) v = "-" v
                   line = line OFS v; names = names " " $3 }
    END          { print line; print c OFS t OFS names >> cols }'
done | sort >"$work/want" || fail "reading trailers"

# The same figures from the database.
held() { # held DB
  while IFS=$'\t' read -r county type names; do
    sel="count(*)"
    for col in $names; do sel="$sel, coalesce(sum(\"$col\"), 0)"; done
    echo "SELECT '$county', '$type', $sel FROM tongchou.$type WHERE county = '$county';"
  done <"$work/cols" | psql -X -q -A -t -F $'\t' -d "$1" | sort
}

check_db() { # check_db DB WHAT
  held "$1" >"$work/got" || fail "$2: cannot read the database"
  diff "$work/want" "$work/got" >"$work/diff" || { cat "$work/diff"; fail "$2: database differs from the trailers"; }
  n=$(psql -X -A -t -d "$1" -c "SELECT count(*) FROM tongchou.batch WHERE state = 'complete'")
  [ "$n" -eq 70 ] || fail "$2: the register holds $n complete batches, not 70"
  "$tc" load -q --verify --db "dbname=$1" >/dev/null || fail "$2: load --verify"
}

newdb() { # newdb NAME
  psql -X -q -d postgres -c "CREATE DATABASE $1" >/dev/null || fail "createdb $1"
  "$tc" db init --db "dbname=$1" >/dev/null 2>&1 || fail "db init $1"
}

# A clean load, timed, to know where the kills can land.
newdb timing
t0=$(date +%s%N)
"$tc" load -q --db dbname=timing "${batches[@]}" >/dev/null || fail "timed load"
t1=$(date +%s%N)
# Another, recorded in an audit trail with every batch as an input.
newdb clean
"$tc" keygen -o "$work/key" >/dev/null 2>&1 || fail keygen
TONGCHOU_KEY=$work/key.key TONGCHOU_AUDIT=$work/trail \
  "$tc" load -q --db dbname=clean "${batches[@]}" >/dev/null || fail "clean load"
"$tc" audit verify --trail "$work/trail" --pub "$work/key.pub" "${batches[@]}" >/dev/null 2>&1 ||
  fail "the clean load's audit entry does not verify"
"$tc" audit show --trail "$work/trail" | grep -q '"loaded":70' || fail "no audit entry of 70 loaded"
span=$(( (t1 - t0) / 1000000 ))
[ "$span" -gt 0 ] || span=1
check_db clean "clean load"
echo "clean load of 70 batches: ${span} ms"

# The front end: a second run skips all and says so; a county-coded batch
# is refused (exit 3) and listed by --status (exit 1); usage errors exit 2.
"$tc" load --db dbname=clean "${batches[@]}" >"$work/out" 2>"$work/err" || fail "second load"
[ "$(grep -c '^skipped	' "$work/out")" -eq 70 ] || fail "second load: not 70 skipped"
grep -q 'already loaded (sha256:[0-9a-f]*), skipped' "$work/err" || fail "second load: no 'skipped' message"
"$tc" load -q --db dbname=clean "$work/county/220100.subsidy.tcb" >/dev/null 2>&1
[ $? -eq 3 ] || fail "a county-coded batch: wanted exit 3"
"$tc" load --status --db dbname=clean >"$work/out" 2>/dev/null
[ $? -eq 1 ] || fail "load --status with an open failure: wanted exit 1"
grep -q "^$work/county/220100.subsidy.tcb	220100	subsidy	1	" "$work/out" || fail "--status lacks the failure"
"$tc" load >/dev/null 2>&1
[ $? -eq 2 ] || fail "load without batches: wanted exit 2"

RANDOM=${TC_FAULT_SEED:-42}
killed_mid=0
for i in $(seq 1 20); do
  db=kill$i
  newdb "$db"
  at=$(( RANDOM % span ))
  "$tc" load -q --db "dbname=$db" "${batches[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk "BEGIN { print $at / 1000 }")"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  # the killed loader's backend may still be finishing a COMMIT it was sent
  for _ in $(seq 100); do
    [ "$(psql -X -A -t -d postgres -c "SELECT count(*) FROM pg_stat_activity
           WHERE datname = '$db' AND pid <> pg_backend_pid()")" -eq 0 ] && break
    sleep 0.05
  done
  before=$(psql -X -A -t -d "$db" -c "SELECT count(*) FROM tongchou.batch")
  # a kill after the end teaches that loads are quicker now than timed
  if [ "$before" -lt 70 ]; then killed_mid=$((killed_mid + 1)); else span=$((span * 2 / 3 + 1)); fi
  "$tc" load -q --db "dbname=$db" "${batches[@]}" >"$work/out" 2>"$work/err" ||
    { cat "$work/err"; fail "kill $i: the re-run failed"; }
  skipped=$(grep -c '^skipped' "$work/out")
  [ "$skipped" -eq "$before" ] || fail "kill $i: $before batches were complete, $skipped skipped"
  check_db "$db" "kill $i at ${at} ms"
  echo "kill $i at ${at} ms: $before batches had committed; re-run loaded $((70 - before))"
done
[ "$killed_mid" -ge 12 ] || fail "only $killed_mid of 20 kills landed during a load"
# The server saw loaders vanish inside their transactions (mid-COPY or
# before the commit), not only between batches.
intx=$(grep -c 'unexpected EOF on client connection with an open transaction' "$TC_PG_DIR/server.log")
echo "kills inside a transaction: $intx"
[ "$intx" -ge 4 ] || fail "only $intx kills landed inside a transaction"

# The server restarted while a load runs (a third of the way in; earlier
# if the load had already finished).
restarted=
for frac in 3 6 12; do
  db=restart$frac
  newdb "$db"
  at=$(( span / frac ))
  "$tc" load -q --db "dbname=$db" "${batches[@]}" >/dev/null 2>"$work/err" &
  pid=$!
  sleep "$(awk "BEGIN { print $at / 1000 }")"
  "$tc" db stop "$TC_PG_DIR" >/dev/null 2>&1 || fail "stopping the server"
  "$tc" db start --fast "$TC_PG_DIR" >/dev/null 2>&1 || fail "starting the server again"
  eval "$("$tc" db env "$TC_PG_DIR")"
  wait "$pid"
  rc=$?
  [ "$rc" -eq 0 ] && continue
  [ "$rc" -eq 4 ] || { cat "$work/err"; fail "load during a restart exited $rc, wanted 4"; }
  restarted=$db
  break
done
[ -n "$restarted" ] || fail "every load finished before the restart"
db=$restarted
grep -q 'shut down or restarted\|lost the connection' "$work/err" ||
  { cat "$work/err"; fail "no message naming the restart"; }
"$tc" load -q --db "dbname=$db" --retry-failed >/dev/null 2>&1
"$tc" load -q --db "dbname=$db" "${batches[@]}" >/dev/null || fail "re-run after the restart"
check_db "$db" "server restart"
"$tc" load --status --db "dbname=$db" >/dev/null || fail "failures left open after the restart"
echo "server restart: recovered, every batch once"
echo "PASS: 20 kills ($killed_mid mid-load) and a restart, every batch exactly once"
