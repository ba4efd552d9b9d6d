#!/usr/bin/env bash
# twice_test.sh TONGCHOU SRCDIR - inputs given twice are refused, naming
# both, and nothing is written over (issue 17):
#   - two sources of one county in one extract: the second refused (exit 3),
#     the first's batches byte for byte as they were;
#   - the same city batch twice to reconcile: exit 3, no report written.
set -u
tc=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/tongchou-twice-XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

"$tc" generate -q --xml-only -n 200 "$work/city" >/dev/null || { echo "FAIL generate"; exit 1; }
mkdir "$work/one" "$work/o" "$work/c" "$work/rec"
cp "$work/city/sources/220100.xml" "$work/copy.xml"
"$tc" extract -q -o "$work/one" "$work/city/sources/220100.xml" >/dev/null || bad "extract once"
"$tc" extract -q -o "$work/o" "$work/city/sources/220100.xml" "$work/copy.xml" >/dev/null \
  2>"$work/err"
rc=$?
[ $rc -eq 3 ] && ok || bad "extract twice: exit $rc, wanted 3"
grep -q "county 220100 was extracted from .*220100.xml already" "$work/err" && ok ||
  { bad "extract twice: message"; cat "$work/err"; }
[ "$(ls "$work/o" | wc -l)" -eq 10 ] && ok || bad "extract twice: $(ls "$work/o" | wc -l) files"
for f in "$work/one"/*.tcb; do
  cmp -s "$f" "$work/o/$(basename "$f")" || bad "extract twice: $(basename "$f") changed"
done
ok
"$tc" map -q -m "$src/mappings/changchun" -o "$work/c" "$work/one"/*.tcb >/dev/null ||
  bad "map"
"$tc" reconcile -q -m "$src/mappings/changchun" -o "$work/rec" "$work/c"/*.tcb \
  "$work/c/220100.balance.tcb" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 3 ] && ok || bad "reconcile twice: exit $rc, wanted 3"
grep -q "are both the balance batch of region 220100" "$work/err" && ok ||
  { bad "reconcile twice: message"; cat "$work/err"; }
[ -z "$(ls -A "$work/rec")" ] && ok || bad "reconcile twice wrote $(ls "$work/rec")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
