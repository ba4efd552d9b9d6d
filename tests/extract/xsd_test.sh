#!/usr/bin/env bash
# xsd_test.sh SCHEMA FIXTURE_DIR - the handover schema against its fixtures.
#
# Every FIXTURE_DIR/valid/*.xml must validate; every FIXTURE_DIR/invalid/*.xml
# must fail, and xmllint's message must contain the text its first line
# names in a comment: <!-- expect: TEXT -->.  Both with and without
# --stream (xmlTextReader validation is what scripts and users run).
set -u
schema=$1 dir=$2
pass=0 fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if xmllint --noout "$schema" 2>"$out"; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL schema is not well-formed"; cat "$out"; fi
for mode in "" --stream; do
  for f in "$dir"/valid/*.xml; do
    if xmllint --noout $mode --schema "$schema" "$f" >"$out" 2>&1; then
      pass=$((pass + 1)); echo "ok   valid/${f##*/} $mode"
    else
      fail=$((fail + 1)); echo "FAIL valid/${f##*/} $mode:"; cat "$out"
    fi
  done
  for f in "$dir"/invalid/*.xml; do
    want=$(sed -n 's/^<!-- expect: \(.*\) -->$/\1/p' "$f" | head -1)
    if xmllint --noout $mode --schema "$schema" "$f" >"$out" 2>&1; then
      fail=$((fail + 1)); echo "FAIL invalid/${f##*/} $mode: accepted"
    elif [ -z "$want" ] || ! grep -q -- "$want" "$out"; then
      fail=$((fail + 1)); echo "FAIL invalid/${f##*/} $mode: message lacks '$want':"; cat "$out"
    else
      pass=$((pass + 1)); echo "ok   invalid/${f##*/} $mode"
    fi
  done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
