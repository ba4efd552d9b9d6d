#!/usr/bin/env bash
# cli_reconcile.sh TONGCHOU MAPPINGS - `tongchou reconcile` from the shell:
# the paths of the five reports on stdout, exit 1 with findings and 0 for
# a clean county, 2 for usage errors, 3 for a county-coded or reject batch, 5 for a
# batch cut short (and then no report at all); a fund's own cutover
# (--cutover), and its refusals.
set -u
tc=$1 set=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_reconcile-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # check NAME EXPECTED-STATUS COMMAND...
  local name=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: exit $got, wanted $want"; cat "$tmp/err"; fi
}
expect() { # expect NAME CONDITION...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name"; fi
}

"$tc" generate -q --xml-only --unmapped -n 200 "$tmp/city" >/dev/null || { echo "generate failed"; exit 1; }
mkdir -p "$tmp/county" "$tmp/mapped" "$tmp/all" "$tmp/clean" "$tmp/bad"
for s in "$tmp"/city/sources/*; do "$tc" extract -q -o "$tmp/county" "$s" >/dev/null; done
"$tc" map -q -m "$set" -o "$tmp/mapped" "$tmp"/county/*.tcb >/dev/null

check rejects 3 "$tc" reconcile -m "$set" -o "$tmp/bad" "$tmp"/mapped/*.tcb
expect "says reject batch" grep -q "reject batch of map" "$tmp/err"
mapped=$(ls "$tmp"/mapped/*.tcb | grep -v '\.rejects\.tcb$')
check all 1 "$tc" reconcile -m "$set" -o "$tmp/all" $mapped
expect "five paths" [ "$(wc -l <"$tmp/out")" -eq 5 ]
expect "json path" grep -qx "$tmp/all/reconciliation.json" "$tmp/out"
expect "blocked" grep -q '"status": "blocked"' "$tmp/all/reconciliation.json"
check clean 0 "$tc" reconcile -q -m "$set" -o "$tmp/clean" "$tmp"/mapped/220100.*.tcb
expect "clean status" grep -q '"status": "clean"' "$tmp/clean/reconciliation.json"
expect "csv header only" [ "$(wc -l <"$tmp/clean/findings.csv")" -eq 1 ]
check no-output 2 "$tc" reconcile -m "$set" "$tmp"/mapped/220100.balance.tcb
check county-coded 3 "$tc" reconcile -m "$set" -o "$tmp/bad" "$tmp"/county/220100.balance.tcb
expect "says map first" grep -q "map it first" "$tmp/err"
# a fund handed over at its own cutover: its entry says so, malformed or
# late dates are refused before anything is written
mkdir -p "$tmp/own" "$tmp/late"
check own-cutover 0 "$tc" reconcile -q -m "$set" -o "$tmp/own" --cutover 220100:330=2021-03-31 \
  "$tmp"/mapped/220100.*.tcb
expect "fund says its cutover" grep -A1 '"fund": "330"' "$tmp/own/reconciliation.json" |
  grep -q '"cutover": "2021-03-31"'
expect "one fund only" [ "$(grep -c '"cutover"' "$tmp/own/reconciliation.json")" -eq 2 ]
check cutover-malformed 2 "$tc" reconcile -m "$set" -o "$tmp/late" --cutover 220100=2021-03-31 \
  "$tmp"/mapped/220100.*.tcb
check cutover-late 3 "$tc" reconcile -m "$set" -o "$tmp/late" --cutover 220100:330=2021-07-31 \
  "$tmp"/mapped/220100.*.tcb
expect "says after the batches' cutover" grep -q "after the batches' cutover 2021-06-30" "$tmp/err"
expect "nothing written when late" [ -z "$(ls -A "$tmp/late")" ]
check map-refuses-cutover 2 "$tc" map -m "$set" -o "$tmp/late" --cutover 220100:330=2021-03-31 \
  "$tmp"/county/220100.balance.tcb
head -c 300 "$tmp/mapped/220100.balance.tcb" >"$tmp/cut.tcb"
check truncated 5 "$tc" reconcile -m "$set" -o "$tmp/bad" "$tmp/cut.tcb"
expect "nothing written" [ -z "$(ls -A "$tmp/bad")" ]

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
