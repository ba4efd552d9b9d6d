#!/usr/bin/env bash
# keys_test.sh TONGCHOU SRCDIR - keys are checked before any work, and a
# key of the wrong kind gets the right advice (issue 16, items 7 and 10):
#
#   - TONGCHOU_KEY naming a private key others may read: extract, map and
#     reconcile refuse with exit 3 and leave their output folder empty;
#   - a .pub where a private key belongs: "this is a public key", not chmod;
#   - a private key where a public one belongs (--pub): refused, exit 3;
#   - transfer waive --finding A B: B is not dropped, exit 2;
#   - transfer trusts no --pub key: exit 2.
set -u
tc=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/tongchou-keys-XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
expect() { # expect NAME STATUS PATTERN COMMAND... (stderr must hold PATTERN)
  local name=$1 want=$2 pat=$3; shift 3
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then bad "$name: exit $got, wanted $want"; cat "$work/err"; return; fi
  if [ -n "$pat" ] && ! grep -q -- "$pat" "$work/err"; then
    bad "$name: stderr lacks '$pat'"; cat "$work/err"; return
  fi
  ok
}
empty() { # empty NAME DIR
  if [ -z "$(ls -A "$2")" ]; then ok; else bad "$1: $2 holds $(ls "$2" | wc -l) files"; fi
}

map=$src/mappings/changchun
"$tc" generate -q --xml-only -n 200 "$work/city" >/dev/null || { echo "FAIL generate"; exit 1; }
mkdir "$work/county" "$work/city1" "$work/rec"
"$tc" extract -q -o "$work/county" "$work/city/sources/"* >/dev/null || { echo "FAIL extract"; exit 1; }
"$tc" keygen -o "$work/open" >/dev/null 2>&1
"$tc" keygen -o "$work/maker" >/dev/null 2>&1
"$tc" keygen -o "$work/checker" >/dev/null 2>&1
chmod 644 "$work/open.key"

# 7: a refused key refuses before the work, and nothing is written
mkdir "$work/o1" "$work/o2" "$work/o3"
export TONGCHOU_AUDIT=$work/audit.trail
expect extract-openkey 3 "open to group or others" \
  env TONGCHOU_KEY="$work/open.key" "$tc" extract -q -o "$work/o1" "$work/city/sources/220100.xml"
empty extract-openkey "$work/o1"
expect map-openkey 3 "open to group or others" \
  env TONGCHOU_KEY="$work/open.key" "$tc" map -q -m "$map" -o "$work/o2" "$work/county/"*.tcb
empty map-openkey "$work/o2"
"$tc" map -q -m "$map" -o "$work/city1" "$work/county/"*.tcb >/dev/null
expect reconcile-openkey 3 "open to group or others" \
  env TONGCHOU_KEY="$work/open.key" "$tc" reconcile -q -m "$map" -o "$work/o3" "$work/city1/"*.tcb
empty reconcile-openkey "$work/o3"
[ ! -e "$work/audit.trail" ] && ok || bad "a refused key wrote the trail"
# ... a .pub given as the signing key: the right advice
expect extract-pubkey 3 "this is a public key" \
  env TONGCHOU_KEY="$work/maker.pub" "$tc" extract -q -o "$work/o1" "$work/city/sources/220100.xml"
if grep -q "chmod" "$work/err"; then bad "extract-pubkey: advises chmod"; else ok; fi
empty extract-pubkey "$work/o1"

# 10: a private key where a public one belongs
printf 'x\n' >"$work/t.trail"
expect verify-privkey 3 "this is a private key" \
  "$tc" audit verify --trail "$work/t.trail" --pub "$work/maker.key"
"$tc" policy make -o "$work/policy.ini" --maker "$work/maker.pub" \
  --checker "$work/checker.pub" 2>/dev/null && ok || bad "policy make"
expect policy-privkey 3 "this is a private key" \
  "$tc" policy make -o "$work/p2.ini" --maker "$work/maker.key" --checker "$work/checker.pub"
[ ! -e "$work/p2.ini" ] && ok || bad "policy-privkey wrote a policy"
expect policy-tworoles 3 "one key holds one role" \
  "$tc" policy make -o "$work/p3.ini" --maker "$work/maker.pub" --checker "$work/maker.pub"
export TONGCHOU_POLICY=$work/policy.ini
expect approve-pubkey 3 "this is a public key" \
  "$tc" transfer approve "$work/plan.json" -r "$work/rec/reconciliation.json" -k "$work/checker.pub"
expect waive-two-findings 2 "one word too many" \
  "$tc" transfer waive -r "$work/rec/reconciliation.json" --county 220113 \
  --finding VOUCHER_UNBALANCED/310/a EQUATION_BREAK/310/b --reason r -k "$work/maker.key" \
  -o "$work/w.waiver"
[ ! -e "$work/w.waiver" ] && ok || bad "waive-two-findings wrote a waiver"
expect execute-pub 2 "takes its keys from the city's policy" \
  "$tc" transfer execute "$work/plan.json" -r x -m "$map" -k "$work/maker.key" \
  --pub "$work/checker.pub"
expect policy-show 0 "" "$tc" policy show "$work/policy.ini"
grep -q "^maker	ed25519:" "$work/out" && grep -q "^checker	ed25519:" "$work/out" && ok ||
  bad "policy show lists no maker and checker"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
