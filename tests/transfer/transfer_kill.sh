#!/usr/bin/env bash
# transfer_kill.sh TONGCHOU SRCDIR - `tongchou transfer execute` killed with
# SIGKILL at 20 random moments; after each, running the same execute again
# leaves every transfer posted exactly once, with the postings of a clean
# run (byte for byte, as psql prints them) and the invariants of domain.md:
# county cash accounts credited by the reconciled cash, the city
# sub-account debited by it, Σ out = Σ in.  Right after each kill the
# database holds all of the plan or none of it (one transaction).
#
# The example city (XML only, 20000 contributions per county) is extracted,
# mapped, reconciled and loaded once into a template database; each trial
# gets a copy (CREATE DATABASE ... TEMPLATE), so every kill lands on a plan
# not yet executed.  The front end's usage and refusal exit codes are
# checked on the way.  Then the same for a correcting transfer (补划) of a
# county whose corrected export came after its money moved.
set -u
tc=$1
src=$2
. "$src/scripts/lib/pg.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/tongchou-xferkill-XXXXXX")
chmod 755 "$work"
cleanup() { tc_pg_stop; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

tc_pg_start "$tc" "$work/pg" || fail "cannot start a private server"
trap cleanup EXIT
export TONGCHOU_AUDIT=$work/audit.trail
map=$src/mappings/changchun

"$tc" generate -q --xml-only -n 20000 "$work/city" >/dev/null || fail generate
mkdir "$work/county" "$work/batches" "$work/rec"
"$tc" extract -q -o "$work/county" "$work/city/sources/"* >/dev/null || fail extract
"$tc" map -q -m "$map" -o "$work/batches" "$work/county/"*.tcb >/dev/null || fail map
for k in maker checker ops; do "$tc" keygen -o "$work/$k" >/dev/null 2>&1 || fail "keygen $k"; done
# the city's policy: ops is a second checker (it executes); the maker
# records the reconciliation in the trail, as run does
"$tc" policy make -o "$work/policy.ini" --maker "$work/maker.pub" --checker "$work/checker.pub" \
  --checker "$work/ops.pub" 2>/dev/null || fail "policy make"
export TONGCHOU_POLICY=$work/policy.ini
TONGCHOU_KEY=$work/maker.key "$tc" reconcile -q -m "$map" -o "$work/rec" \
  "$work/batches/"*.tcb >/dev/null 2>&1
[ $? -le 1 ] || fail reconcile
rec=$work/rec/reconciliation.json

psql -X -q -d postgres -c "CREATE DATABASE base" >/dev/null || fail "createdb base"
"$tc" db init --db dbname=base >/dev/null 2>&1 || fail "db init"
"$tc" load -q --db dbname=base "$work/batches/"*.tcb "$rec" >/dev/null || fail load

plan=$work/plan.json
"$tc" transfer plan -q --db dbname=base -r "$rec" -k "$work/maker.key" -o "$plan" ||
  fail "transfer plan"
# refusals through the front end: usage 2; unapproved 5; the maker approving 5
"$tc" transfer plan -r "$rec" >/dev/null 2>&1
[ $? -eq 2 ] || fail "plan without key and output: wanted exit 2"
ex=(-q -r "$rec" -m "$map" -k "$work/ops.key")
"$tc" transfer execute "$plan" "${ex[@]}" --db dbname=base >/dev/null 2>&1
[ $? -eq 5 ] || fail "execute of an unapproved plan: wanted exit 5"
"$tc" transfer approve -q "$plan" -r "$rec" -k "$work/maker.key" --db dbname=base 2>/dev/null
[ $? -eq 5 ] || fail "approval by the maker's key: wanted exit 5"
"$tc" transfer execute "$plan" "${ex[@]}" --pub "$work/checker.pub" --db dbname=base 2>/dev/null
[ $? -eq 2 ] || fail "execute trusting a --pub key: wanted exit 2"
"$tc" transfer approve -q "$plan" -r "$rec" -k "$work/checker.key" --db dbname=base ||
  fail "transfer approve"
psql -X -q -d postgres -c "ALTER DATABASE base WITH ALLOW_CONNECTIONS false" >/dev/null

# What a clean execution posts.
postings() { # postings DB
  psql -X -q -A -t -F $'\t' -d "$1" -c "SELECT t.county, t.fund, t.plan, t.amount, t.state,
      p.line, p.ledger, p.account, p.debit, p.credit FROM tongchou.transfer t
      JOIN tongchou.posting p USING (county, plan, fund) ORDER BY 1, 2, 3, 6"
}
invariants() { # invariants DB -> "transfers out in cashleft"
  psql -X -q -A -t -F ' ' -d "$1" -c "
    WITH cash AS (SELECT sum(credit - debit) v FROM tongchou.posting WHERE ledger = 'county'
                  AND account IN ('1001', '1002', '1003', '1004')),
         city AS (SELECT sum(debit - credit) v FROM tongchou.posting WHERE ledger = 'city'
                  AND account = '1003/' || county),
         bal AS (SELECT sum(closing) v FROM tongchou.balance b JOIN tongchou.transfer t
                  USING (county, fund) WHERE b.account IN ('1001', '1002', '1003', '1004')
                  AND b.period = (SELECT max(period) FROM tongchou.balance x WHERE
                  x.county = b.county AND x.fund = b.fund AND x.account = b.account))
    SELECT (SELECT count(*) FROM tongchou.transfer), (SELECT v FROM cash),
           (SELECT v FROM city), (SELECT v FROM bal) - (SELECT v FROM cash)"
}
newdb() { psql -X -q -d postgres -c "CREATE DATABASE $1 TEMPLATE base" >/dev/null || fail "createdb $1"; }

newdb clean
t0=$(date +%s%N)
"$tc" transfer execute "$plan" "${ex[@]}" --db dbname=clean >"$work/out" || fail "clean execute"
t1=$(date +%s%N)
span=$(( (t1 - t0) / 1000000 ))
[ "$span" -gt 0 ] || span=1
n=$(grep -c '^posted' "$work/out")
[ "$n" -ge 5 ] || fail "the clean execute posted $n transfers"
postings clean >"$work/want"
read -r cnt out in left <<<"$(invariants clean)"
[ "$cnt" -eq "$n" ] && [ "$out" -eq "$in" ] && [ "$left" -eq 0 ] ||
  fail "clean run: transfers $cnt, out $out, in $in, cash left $left"
# the reconciled cash, summed over the plan, is what left the counties
want_total=$(grep '^posted' "$work/out" | awk -F '\t' '{ split($5, y, "."); s += y[1] * 100 + (substr($5, 1, 1) == "-" ? -1 : 1) * y[2] } END { printf "%.0f\n", s }')
[ "$want_total" -eq "$out" ] || fail "posted $out fen, the plan's amounts sum to $want_total"
echo "clean execute: $n transfers, $out fen, ${span} ms"

# The last transfer the executor inserts: on even trials another session
# inserts that row first and holds it uncommitted, so the executor, having
# posted the others, waits inside its transaction - and is killed there.
read -r lc lid lf la lp <<<"$(psql -X -q -A -t -F ' ' -d clean -c "SELECT county, plan, fund, amount,
  pool FROM tongchou.transfer ORDER BY county DESC, pool DESC, fund DESC LIMIT 1")"
hold() { # hold DB 'COLUMNS VALUES ...': another session inserts that transfer row and
  # keeps it uncommitted (60 s at most), so an executor inserting it waits; $blocker
  psql -X -q -d "$1" -c "BEGIN; INSERT INTO tongchou.transfer $2; SELECT pg_sleep(60)" \
    >/dev/null 2>&1 &
  blocker=$!
  for _ in $(seq 100); do
    [ "$(psql -X -A -t -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE
           datname = '$1' AND query LIKE '%pg_sleep(60)%' AND state = 'active'")" -eq 1 ] && break
    sleep 0.05
  done
}
release() { # release DB: the holding session ends, its row rolled back
  psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE
    datname = '$1' AND query LIKE '%pg_sleep(60)%'" >/dev/null
  wait "$blocker" 2>/dev/null
}
waiting() { # waiting DB: the executor's backend waits on a lock inside its INSERT
  psql -X -A -t -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$1'
    AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO tongchou.transfer%'"
}

RANDOM=${TC_FAULT_SEED:-42}
mid=0
inside=0
for i in $(seq 1 20); do
  db=kill$i
  newdb "$db"
  at=$(( RANDOM % span ))
  if [ $((i % 2)) -eq 0 ]; then
    hold "$db" "(county, plan, fund, amount, state, prepared_by, pool) VALUES ('$lc', '$lid',
      '$lf', $la, 'planned', 'blocker', '$lp')"
  fi
  "$tc" transfer execute "$plan" "${ex[@]}" --db "dbname=$db" >/dev/null 2>&1 &
  pid=$!
  if [ $((i % 2)) -eq 0 ]; then
    for _ in $(seq 200); do [ "$(waiting "$db")" -eq 1 ] && break; sleep 0.05; done
    [ "$(waiting "$db")" -eq 1 ] || fail "kill $i: the executor never reached the last transfer"
    inside=$((inside + 1))
    at="the last transfer + $((at / 4))"
    sleep "$(awk "BEGIN { print ${at##* } / 1000 }")"
  else
    sleep "$(awk "BEGIN { print $at / 1000 }")"
  fi
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ $((i % 2)) -eq 0 ]; then
    release "$db"
  fi
  # the killed executor's backend may still be finishing a COMMIT it was sent
  for _ in $(seq 100); do
    [ "$(psql -X -A -t -d postgres -c "SELECT count(*) FROM pg_stat_activity
           WHERE datname = '$db' AND pid <> pg_backend_pid()")" -eq 0 ] && break
    sleep 0.05
  done
  before=$(psql -X -A -t -d "$db" -c "SELECT count(*) FROM tongchou.transfer")
  [ "$before" -eq 0 ] || [ "$before" -eq "$n" ] || fail "kill $i: $before of $n transfers committed"
  [ "$before" -eq 0 ] && mid=$((mid + 1))
  "$tc" transfer execute "$plan" "${ex[@]}" --db "dbname=$db" >"$work/out" 2>"$work/err" ||
    { cat "$work/err"; fail "kill $i: the re-run failed"; }
  already=$(grep -c '^already' "$work/out")
  [ "$already" -eq "$before" ] || fail "kill $i: $before transfers were done, $already said so"
  postings "$db" >"$work/got"
  diff "$work/want" "$work/got" >/dev/null || fail "kill $i: the postings differ from a clean run"
  read -r cnt out2 in2 left <<<"$(invariants "$db")"
  [ "$cnt" -eq "$n" ] && [ "$out2" -eq "$out" ] && [ "$in2" -eq "$out" ] && [ "$left" -eq 0 ] ||
    fail "kill $i: transfers $cnt, out $out2, in $in2, cash left $left"
  # and once more: nothing
  "$tc" transfer execute "$plan" "${ex[@]}" --db "dbname=$db" >"$work/out" 2>/dev/null ||
    fail "kill $i: the third run failed"
  [ "$(grep -c '^already' "$work/out")" -eq "$n" ] || fail "kill $i: the third run posted"
  echo "kill $i at ${at} ms: $before transfers had committed; every one is there once"
  psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
done
# Two processes at once: each exits 0, between them every transfer is
# posted once, the other says already.
newdb twice
"$tc" transfer execute "$plan" "${ex[@]}" --db dbname=twice >"$work/o1" 2>"$work/e1" &
p1=$!
"$tc" transfer execute "$plan" "${ex[@]}" --db dbname=twice >"$work/o2" 2>"$work/e2" &
p2=$!
wait "$p1" || { cat "$work/e1"; fail "concurrent execute 1"; }
wait "$p2" || { cat "$work/e2"; fail "concurrent execute 2"; }
[ "$(cat "$work/o1" "$work/o2" | grep -c '^posted')" -eq "$n" ] &&
  [ "$(cat "$work/o1" "$work/o2" | grep -c '^already')" -eq "$n" ] ||
  fail "two executes at once: $(cat "$work/o1" "$work/o2" | cut -f1 | sort | uniq -c | tr '\n' ' ')"
postings twice >"$work/got"
diff "$work/want" "$work/got" >/dev/null || fail "two executes at once: postings differ"
echo "two executes at once: $n transfers posted once"

[ "$mid" -ge 10 ] || fail "only $mid of 20 kills landed before the commit"
echo "ok: 20 kills, $mid before the commit, $inside of them inside the transaction"

# A correcting transfer (补划), killed the same way.  长春市本级 sends its
# ledger again with 123.45 yuan more interest booked at cutover; after its
# money moved, the new reconciliation's plan tops the pool up by exactly
# that, once, whatever moment the executor dies at.
"$tc" generate -q --xml-only -n 20000 --correct 220100=123.45 "$work/city2" >/dev/null ||
  fail "generate the corrected export"
mkdir "$work/county2" "$work/batches2" "$work/rec2"
"$tc" extract -q -o "$work/county2" "$work/city2/sources/220100.xml" >/dev/null || fail extract2
"$tc" map -q -m "$map" -o "$work/batches2" "$work/county2/"*.tcb >/dev/null || fail map2
others=$(ls "$work/batches/"*.tcb | grep -v '/220100\.[a-z_]*\.tcb$')
TONGCHOU_KEY=$work/maker.key "$tc" reconcile -q -m "$map" -o "$work/rec2" \
  "$work/batches2/"*.tcb $others >/dev/null 2>&1
[ $? -le 1 ] || fail reconcile2
rec2=$work/rec2/reconciliation.json
psql -X -q -d postgres -c "CREATE DATABASE base2 TEMPLATE clean" >/dev/null || fail "createdb base2"
"$tc" load -q --db dbname=base2 "$rec2" >/dev/null || fail "load the corrected reconciliation"
plan2=$work/plan2.json
"$tc" transfer plan -q --db dbname=base2 -r "$rec2" -k "$work/maker.key" -o "$plan2" ||
  fail "plan the correction"
"$tc" transfer approve -q "$plan2" -r "$rec2" -k "$work/checker.key" --db dbname=base2 ||
  fail "approve the correction"
psql -X -q -d postgres -c "ALTER DATABASE base2 WITH ALLOW_CONNECTIONS false" >/dev/null
ex2=(-q -r "$rec2" -m "$map" -k "$work/ops.key")
psql -X -q -d postgres -c "CREATE DATABASE clean2 TEMPLATE base2" >/dev/null || fail "createdb clean2"
t0=$(date +%s%N)
"$tc" transfer execute "$plan2" "${ex2[@]}" --db dbname=clean2 >"$work/out" || fail "clean correction"
t1=$(date +%s%N)
span=$(( (t1 - t0) / 1000000 ))
[ "$span" -gt 0 ] || span=1
awk -F '\t' '$1 == "posted"' "$work/out" | cut -f2,4,5,7 >"$work/lines"
[ "$(cat "$work/lines")" = "$(printf '220100\t310\t123.45\ttop-up')" ] ||
  fail "the correction is not one top-up of 123.45 on 220100 310: $(cat "$work/lines")"
postings clean2 >"$work/want2"
fiscal() { # fiscal DB: what the city sub-account of 220100's fund 310 holds
  psql -X -q -A -t -d "$1" -c "SELECT sum(debit - credit) FROM tongchou.posting WHERE
    county = '220100' AND fund = '310' AND ledger = 'city' AND account = '1003/220100'"
}
want_fiscal=$(fiscal clean2)
before_fiscal=$(fiscal clean)
[ "$want_fiscal" -eq $((before_fiscal + 12345)) ] ||
  fail "the sub-account went $before_fiscal -> $want_fiscal, wanted 12345 fen more"
# the top-up's row, for the trials that hold it (as above: the executor then
# waits inside its transaction, its postings computed, and is killed there)
read -r tc_ tid_ tf_ ta_ tp_ tk_ to_ <<<"$(psql -X -q -A -t -F ' ' -d clean2 -c "SELECT county,
  plan, fund, amount, pool, kind, corrects FROM tongchou.transfer WHERE kind <> 'transfer'")"
[ "$tk_" = top-up ] || fail "the clean correction's row is not a top-up"
corr_inside=0
for i in $(seq 1 10); do
  db=corr$i
  psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE base2" >/dev/null || fail "createdb $db"
  if [ $((i % 2)) -eq 0 ]; then
    hold "$db" "(county, plan, fund, amount, state, prepared_by, pool, kind, corrects) VALUES
      ('$tc_', '$tid_', '$tf_', $ta_, 'planned', 'blocker', '$tp_', '$tk_', '$to_')"
  fi
  "$tc" transfer execute "$plan2" "${ex2[@]}" --db "dbname=$db" >/dev/null 2>&1 &
  pid=$!
  if [ $((i % 2)) -eq 0 ]; then
    for _ in $(seq 200); do [ "$(waiting "$db")" -eq 1 ] && break; sleep 0.05; done
    [ "$(waiting "$db")" -eq 1 ] || fail "correction kill $i: the executor never reached its INSERT"
    corr_inside=$((corr_inside + 1))
  else
    sleep "$(awk "BEGIN { print $(( RANDOM % (span + 20) )) / 1000 }")"
  fi
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ $((i % 2)) -eq 0 ]; then
    release "$db"
  fi
  for _ in $(seq 100); do
    [ "$(psql -X -A -t -d postgres -c "SELECT count(*) FROM pg_stat_activity
           WHERE datname = '$db' AND pid <> pg_backend_pid()")" -eq 0 ] && break
    sleep 0.05
  done
  done_before=$(psql -X -A -t -d "$db" -c "SELECT count(*) FROM tongchou.transfer
    WHERE kind = 'top-up'")
  "$tc" transfer execute "$plan2" "${ex2[@]}" --db "dbname=$db" >"$work/out" 2>"$work/err" ||
    { cat "$work/err"; fail "correction kill $i: the re-run failed"; }
  [ "$(grep -c '^already' "$work/out")" -eq "$done_before" ] ||
    fail "correction kill $i: $done_before top-ups were done, the re-run says otherwise"
  postings "$db" >"$work/got"
  diff "$work/want2" "$work/got" >/dev/null || fail "correction kill $i: the postings differ"
  [ "$(fiscal "$db")" -eq "$want_fiscal" ] || fail "correction kill $i: the sub-account is off"
  "$tc" transfer execute "$plan2" "${ex2[@]}" --db "dbname=$db" >"$work/out" 2>/dev/null ||
    fail "correction kill $i: the third run failed"
  grep -q '^posted' "$work/out" && fail "correction kill $i: the third run posted"
  echo "correction kill $i: $done_before had committed; the top-up is there once"
  psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
done
[ "$corr_inside" -eq 5 ] || fail "only $corr_inside correction kills landed inside the transaction"
echo "ok: 10 kills of a correcting transfer, $corr_inside inside its transaction, each posted once"
