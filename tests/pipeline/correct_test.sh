#!/usr/bin/env bash
# correct_test.sh TONGCHOU - a county sends its ledger again (shared/spec/
# mappings.md, "A corrected export").  After the example city's handover,
# 双阳区 (220112, held back by its findings) corrects one employer's payment
# by 1.00 yuan:
#
#   - run stops (exit 3) before redoing anything of the county, and shows the
#     difference: exactly one contribution changed, paid +1.00; its batches,
#     the reports and the database are untouched;
#   - it stays stopped on every run until the correction is accepted; an
#     acceptance needs a reason, and a forged accept entry in the trail
#     accepts nothing (the trail does not verify: exit 5);
#   - accepted with a reason (a signed entry naming the new export), the
#     county is redone: its loaded batches are replaced, the database holds
#     exactly 100 fen more paid, the reconciliation 100 fen less arrears;
#   - 长春市本级 (220100), whose money has moved, corrects too: once accepted,
#     its loaded data is still not replaced (told, with why); the difference
#     becomes a correcting transfer (here an amend: the claims carried over
#     go down by 100 fen, no cash moves), approved and executed once.
set -u
tc=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tc-correct-test-XXXXXX")
chmod 755 "$tmp"   # the embedded servers run as 'postgres' when we are root
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
cleanup() {
  "$tc" db stop "$tmp/a/work/db" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

if "$tc" demo -n 600 -j 2 "$tmp/a" >"$tmp/demo.out" 2>"$tmp/demo.err"; then ok; else
  bad "demo: exit $?"; cat "$tmp/demo.err"; exit 1; fi
cd "$tmp/a" || exit 1
man=city.ini

# correct(FILE): the first contribution's paid, and the trailer's sum of
# paid with it, up by 1.00 yuan (cents in integers; the bytes are GB18030
# or UTF-8, the digits ASCII)
correct() {
  LC_ALL=C awk '
    function plus100(s, k, v, p, c) {
      v = substr(s, RSTART + k, RLENGTH - k - 1); split(v, p, ".")
      c = p[1] * 100 + p[2] + 100
      return sprintf("%d.%02d", int(c / 100), c % 100)
    }
    !done && /<Contribution / && match($0, /paid="[0-9]+\.[0-9][0-9]"/) {
      $0 = substr($0, 1, RSTART - 1) "paid=\"" plus100($0, 6) "\"" substr($0, RSTART + RLENGTH)
      done = 1
    }
    /<Sum section="Contributions" attribute="paid"/ && match($0, /value="[0-9]+\.[0-9][0-9]"/) {
      $0 = substr($0, 1, RSTART - 1) "value=\"" plus100($0, 7) "\"" substr($0, RSTART + RLENGTH)
    }
    { print }' "$1" >"$1.new" && mv "$1.new" "$1"
}
dbq() { psql -X -q -At -d tongchou -c "$1"; }
# run finds its embedded server itself, unless PG* name another: forget them
forget_db() { unset PGHOST PGPORT PGUSER PGDATABASE; }
sums() { # the batches, reports and loaded figures that a stop must leave alone
  (sha256sum work/batches/220112/*.tcb work/city/220112/*.tcb work/reports/reconciliation.json
   "$tc" db start work/db >/dev/null 2>&1
   eval "$("$tc" db env work/db)"
   dbq "SELECT count(*), sum(paid) FROM tongchou.contribution WHERE src_county = '220112'"
   "$tc" db stop work/db >/dev/null 2>&1)
}

sums >"$tmp/before"
src=city/sources/220112.xml
correct "$src"
cmp -s "$src" "$tmp/demo.out" && bad "the source was not corrected"
"$tc" run "$man" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 3 ] && ok || { bad "run over a corrected export: exit $rc, wanted 3"; tail "$tmp/err"; }
grep -q "county 220112 sent a corrected export" "$tmp/err" && ok || bad "the stop does not say why"
grep -q "accept 220112 --reason" "$tmp/err" && ok || bad "the stop does not say how to accept"
grep -q "220112 *correct *contribution  *600  *600  *0  *0  *1$" "$tmp/err" && ok ||
  { bad "the difference is not one changed contribution"; grep correct "$tmp/err"; }
grep -q "total paid .*(+1.00)" "$tmp/err" && ok || bad "the difference does not show paid +1.00"
grep -c "correct  *[a-z_]*  .* 0  *0  *0$" "$tmp/err" | grep -qx 9 && ok ||
  bad "the other nine record types do not show unchanged"
for f in diff.json diff.html; do
  [ "$(stat -c %a "work/corrections/220112/$f")" = 600 ] && ok || bad "$f is not owner-only"
done
sums >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok || { bad "the stop changed batches, reports or the database"; diff "$tmp/before" "$tmp/after"; }

# stopped until accepted; an acceptance needs a reason
"$tc" run "$man" >/dev/null 2>&1
[ $? -eq 3 ] && ok || bad "a second run went past the correction"
"$tc" run --accept 220112 "$man" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && ok || bad "--accept without --reason was taken"
"$tc" run --accept 220112 --reason "" "$man" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "needs a reason" "$tmp/err" && ok || bad "an empty reason was taken"

# the dishonest operator writes the acceptance into the trail himself
now=$(sha256sum "$src" | cut -d' ' -f1)
cp work/audit.trail "$tmp/trail"
tail -n 1 work/audit.trail | sed -e 's/"args":\[[^]]*\]/"args":["220112","--reason","forged"]/' \
  -e 's/"command":"[a-z]*"/"command":"accept"/' \
  -e "s|\"inputs\":\[[^]]*\]|\"inputs\":[{\"digest\":\"sha256:$now\",\"file\":\"$src\"}]|" \
  >>work/audit.trail
"$tc" run "$man" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 5 ] && grep -q "does not verify" "$tmp/err" && ok ||
  { bad "a forged accept entry: exit $rc, wanted 5"; tail -3 "$tmp/err"; }
cp "$tmp/trail" work/audit.trail
sums >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok || bad "the forged acceptance changed something"

# accepted, with a reason: the county is redone
reason="双阳区医保局2021-07-05重新导出：更正一笔单位缴费"
"$tc" run --keep-db --accept 220112 --reason "$reason" "$man" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && ok || { bad "the accepted run: exit $rc, wanted 1 (findings)"; tail "$tmp/err"; }
grep '"command":"accept"' work/audit.trail | grep -q "\"220112\",\"--reason\",\"$reason\"" && ok ||
  bad "the trail does not record the acceptance and its reason"
grep '"command":"accept"' work/audit.trail | grep -q "sha256:$now" && ok ||
  bad "the acceptance does not name the new export"
eval "$("$tc" db env work/db)"
read -r n0 paid0 <<<"$(sed -n '$p' "$tmp/before" | tr '|' ' ')"
read -r n1 paid1 <<<"$(dbq "SELECT count(*), sum(paid) FROM tongchou.contribution
  WHERE src_county = '220112'" | tr '|' ' ')"
[ "$n1" -eq "$n0" ] && [ "$paid1" -eq $((paid0 + 100)) ] && ok ||
  bad "loaded: $n1 records paying $paid1 fen, wanted $n0 and $((paid0 + 100))"
[ "$(dbq "SELECT count(*) FROM tongchou.replaced WHERE county = '220112'")" -eq 10 ] && ok ||
  bad "the county's ten batches were not recorded as replaced"
arrears=$(dbq "SELECT string_agg(employer_arrears::text, ',' ORDER BY loaded_at) FROM
  tongchou.recon_fund f JOIN tongchou.recon_report r USING (county, pool, report)
  WHERE county = '220112' AND fund = '310'")
a0=${arrears%%,*}
a1=${arrears##*,}
[ "$a1" -eq $((a0 - 100)) ] && ok || bad "the reconciled arrears went $a0 -> $a1, wanted 100 fen less"
"$tc" db stop work/db >/dev/null 2>&1
forget_db
"$tc" run --keep-db "$man" >/dev/null 2>&1
[ $? -eq 1 ] && ok || bad "the run after the accepted one does not go through"
eval "$("$tc" db env work/db)"

# after the money moved: accepted, and still not replaced
[ "$(dbq "SELECT count(*) FROM tongchou.transfer WHERE county = '220100'
  AND state = 'executed'")" -gt 0 ] && ok || bad "220100's money has not moved in the demo"
before=$(dbq "SELECT count(*), sum(paid) FROM tongchou.contribution WHERE src_county = '220100'")
"$tc" db stop work/db >/dev/null 2>&1
forget_db
correct city/sources/220100.xml
"$tc" run "$man" >/dev/null 2>"$tmp/err"
[ $? -eq 3 ] && grep -q "county 220100 sent a corrected export" "$tmp/err" && ok ||
  bad "the moved county's correction did not stop the run"
"$tc" run --keep-db --accept 220100 --reason "after the transfer" "$man" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && ok || { bad "the accepted run after the transfer: exit $rc, wanted 1"; tail -3 "$tmp/err"; }
grep -q "220100 *load *kept contribution: .*cannot be replaced: .* executed on the data loaded" \
  "$tmp/err" && ok || { bad "the kept batch is not told, with why"; grep load "$tmp/err"; }
eval "$("$tc" db env work/db)"
[ "$(dbq "SELECT count(*), sum(paid) FROM tongchou.contribution WHERE src_county = '220100'")" = \
  "$before" ] && ok || bad "the moved county's loaded data changed"
# the difference becomes a correcting transfer: paid +1.00 is 1.00 less
# arrears, so the claims carried over go down by 100 fen and no cash moves
plan=work/transfer/plan.json
grep -o '"kind":"[a-z-]*"' "$plan" | sort | uniq -c | tr -s ' ' | grep -q '^ 1 "kind":"amend"$' &&
  ok || { bad "the plan does not hold one amend"; cat "$plan"; }
orig=$(dbq "SELECT plan FROM tongchou.transfer WHERE county = '220100' AND fund = '310'
  AND kind = 'transfer'")
grep -q "\"corrects\":\"$orig\"" "$plan" && ok || bad "the correction does not name the transfer it corrects"
claims0=$(dbq "SELECT sum(debit - credit) FROM tongchou.posting WHERE county = '220100'
  AND pool = '220100' AND fund = '310' AND account = 'claims/220100'")
export TONGCHOU_POLICY=keys/policy.ini TONGCHOU_AUDIT=work/audit.trail
rec=work/reports/reconciliation.json
"$tc" transfer approve "$plan" -r "$rec" -k keys/checker.key --db "dbname=tongchou" 2>"$tmp/err" &&
  ok || bad "approve the correction: $(cat "$tmp/err")"
"$tc" transfer execute "$plan" -r "$rec" -m "$(sed -n 's/^mappings = //p' "$man")" \
  -k keys/checker.key --db "dbname=tongchou" >"$tmp/exec" 2>"$tmp/err" && ok ||
  bad "execute the correction: $(cat "$tmp/err")"
awk -F '\t' '$1 == "posted" && $2 == "220100" && $4 == "310" && $5 == "0.00" && $7 == "amend"' \
  "$tmp/exec" | grep -q . && ok || { bad "the amend was not posted"; cat "$tmp/exec"; }
claims1=$(dbq "SELECT sum(debit - credit) FROM tongchou.posting WHERE county = '220100'
  AND pool = '220100' AND fund = '310' AND account = 'claims/220100'")
[ "$claims1" -eq $((claims0 - 100)) ] && ok || bad "claims carried over went $claims0 -> $claims1"
"$tc" transfer execute "$plan" -r "$rec" -m "$(sed -n 's/^mappings = //p' "$man")" \
  -k keys/checker.key --db "dbname=tongchou" >"$tmp/exec" 2>/dev/null
grep -c '^posted' "$tmp/exec" | grep -qx 0 && ok || bad "the correction posted twice"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
