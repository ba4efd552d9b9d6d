#!/usr/bin/env bash
# cli_diff.sh TONGCHOU MAPPINGS - `tongchou diff` from the shell, on two
# exports of one county (the example city's generator at two seeds stands
# in for a corrected export): exit 0 for the same data, 1 when it differs,
# 2 for usage errors, 3 for bad input, 4 for a path that is not there, 5
# for a batch with one byte flipped; the files whole, mode 0600, the JSON
# on stdout the same as in the file, left as they were by a failed run;
# no identity number unmasked anywhere.
set -u
tc=$1 set=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_diff-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
pass=0 fail=0
check() { # check NAME EXPECTED-STATUS COMMAND...
  local name=$1 want=$2; shift 2
  "$@" >out 2>err
  local got=$?
  if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: exit $got, wanted $want"; cat err; fi
}
expect() { # expect NAME CONDITION...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name"; fi
}
mode() { stat -c %a "$1"; }
# no identity number unmasked: 17 digits and a check character, alone
all_masked() { ! grep -Eq '(^|[^0-9A-Za-z])[0-9]{17}[0-9Xx]([^0-9A-Za-z]|$)' "$@"; }

for s in 1 2; do
  "$tc" generate -q --xml-only --county 220113 -n 300 -s $s "src$s" || { echo "generate failed"; exit 1; }
  mkdir "v$s" "m$s" "r$s"
  "$tc" extract -q -o "v$s" "src$s"/sources/* >/dev/null || { echo "extract failed"; exit 1; }
  "$tc" map -q -m "$set" -o "m$s" "v$s"/*.tcb >/dev/null
  "$tc" reconcile -q -m "$set" -o "r$s" $(ls "m$s"/*.tcb | grep -v '\.rejects\.tcb$') >/dev/null
done
"$tc" generate -q --xml-only --county 220182 -n 300 other && mkdir w &&
  "$tc" extract -q -o w other/sources/* >/dev/null || { echo "other county failed"; exit 1; }

# the same, and different
check same 0 "$tc" diff v1 v1
expect "says identical" grep -qx identical out
check differ 1 "$tc" diff v1 v2
expect "says they differ" grep -qx "they differ" out
expect "a row per type" grep -q '^contribution  *300  *300 ' out
check city-coded 1 "$tc" diff m1 m2
check one-batch 1 "$tc" diff v1/220113.contribution.tcb v2/220113.contribution.tcb
check recon-folders 1 "$tc" diff r1 r2
expect "recon summary" grep -q '^findings: ' out
check recon-same 0 "$tc" diff r1/reconciliation.json r1/reconciliation.json

# the files: whole, 0600, the JSON the same as on stdout
mkdir out1
check files 1 "$tc" diff -o out1 --json v1 v2
expect "json on stdout" cmp -s out out1/diff.json
expect "stderr says where" grep -q "wrote out1/diff.json and out1/diff.html" err
expect "two files" [ "$(ls -A out1 | wc -l)" -eq 2 ]
expect "json 0600" [ "$(mode out1/diff.json)" = 600 ]
expect "html 0600" [ "$(mode out1/diff.html)" = 600 ]
expect "json whole" jq -e '.format == "tongchou-diff/1" and .changed == true' out1/diff.json >/dev/null
expect "html whole" [ "$(tail -n 1 out1/diff.html)" = "</html>" ]
expect "counts agree" [ "$(jq '[.types[] | .added + .removed + .changed] | add > 0' out1/diff.json)" = true ]
expect "some masked" grep -q '[0-9]\{6\}\*\*\*\*\*\*\*\*' out1/diff.json
expect "none unmasked (json)" all_masked out1/diff.json
expect "none unmasked (page)" all_masked out1/diff.html
"$tc" diff v1 v2 >summary.txt
expect "none unmasked (summary)" all_masked summary.txt
check limit 1 "$tc" diff --json --limit 3 v1 v2
expect "limit 3" [ "$(jq '[.types[].listed[] | length] | max' out)" -eq 3 ]

# usage
check no-args 2 "$tc" diff
check one-arg 2 "$tc" diff v1
expect "usage line" grep -q '^usage: tongchou diff ' err
check bad-limit 2 "$tc" diff --limit x v1 v2
expect "says bad limit" grep -q "bad --limit 'x'" err
check negative-limit 2 "$tc" diff --limit -1 v1 v2
check made-outdir 1 "$tc" diff -o made/here/ v1 v2
expect "makes the folder, mode 0700" test "$(stat -c %a made made/here)" = "700
700"
expect "writes into it" grep -q "wrote made/here/diff.json and made/here/diff.html" err
check unknown-option 2 "$tc" diff --frob v1 v2
check mixed 2 "$tc" diff v1 r1/reconciliation.json
expect "says mixed" grep -q "^tongchou: diff: error: v1 is batches, r1/reconciliation.json is a reconciliation" err
check help 0 "$tc" diff --help
expect "help" grep -q '^usage: tongchou diff ' out

# bad input: another county; not a reconciliation
check two-counties 3 "$tc" diff v1 w
expect "names both" grep -q "w/220182\.account\.tcb: the account batch is of county 220182 (county coding), but the old side's v1/220113\.account\.tcb is of county 220113" err
printf '{"format": "tongchou-reconciliation/1"}\n' >not.json
check not-recon 3 "$tc" diff r1/reconciliation.json not.json
expect "says why" grep -q "not.json: reconciliation document: top level: missing key 'cutover'" err

# a path that is not there
check missing 3 "$tc" diff v1 nowhere
expect "says cannot read" grep -q "nowhere: cannot read" err

# one byte flipped: exit 5, and the files of the run before stay as they were
cp -r v2 v2bad
f=v2bad/220113.contribution.tcb
b=$(od -An -tu1 -j 100 -N 1 "$f" | tr -d ' ')
printf "\\x$(printf %02x $((b ^ 1)))" | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
cp out1/diff.json before.json
cp out1/diff.html before.html
check flipped 5 "$tc" diff -o out1 v1 v2bad
expect "names the batch" grep -q "v2bad/220113.contribution.tcb" err
expect "json kept" cmp -s before.json out1/diff.json
expect "html kept" cmp -s before.html out1/diff.html
expect "nothing else" [ "$(ls -A out1 | wc -l)" -eq 2 ]

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
