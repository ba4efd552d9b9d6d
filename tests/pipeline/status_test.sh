#!/usr/bin/env bash
# status_test.sh TONGCHOU SOURCE_DIR - `tongchou status` after a pipeline
# run by hand (extract, map, reconcile, load, transfer plan, approve,
# execute; not `tongchou run`):
#
#   - with nothing to read (no trail named, no database) it says so on
#     stderr and on the page, rather than show blanks as if nothing ran;
#   - with the trail the commands appended to (TONGCHOU_AUDIT or --trail)
#     and the database (PG*), each county shows its records extracted (the
#     answer key's), its rejects, its findings (the answer key's), its 10
#     batches loaded, and its transfer: approved, or held for the pools the
#     plan left out with blocking findings; executed once executed;
#   - a source the manifest names and that is not there shows "missing";
#   - transfer plan names each pool it leaves out and why, approve says
#     what it approved.
# KEEP=1 keeps the test's folder to look at.
set -u
tc=$1 src=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tc-status-test-XXXXXX")
chmod 755 "$tmp"   # the server runs as 'postgres' when we are root
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
cleanup() { "$tc" db stop "$tmp/pg" >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp" || exit 1
unset TONGCHOU_AUDIT TONGCHOU_KEY TONGCHOU_POLICY DATABASE_URL PGHOST PGPORT PGUSER PGDATABASE PGSERVICE

# the example city as handover XML, two keys and the policy, a manifest
"$tc" generate -q -n 200 --xml-only city >/dev/null || { bad "generate"; exit 1; }
mkdir -m 700 keys
for k in maker checker; do "$tc" keygen -o keys/$k >/dev/null 2>&1 || bad "keygen $k"; done
"$tc" policy make -o keys/policy.ini --maker keys/maker.pub --checker keys/checker.pub \
  >/dev/null 2>&1 || bad "policy make"
python3 - "$src" >city.ini <<'EOF'
import json, sys
k = json.load(open("city/answer-key.json"))
print("[city]\ncode = 220100\ncutover = %s\nmappings = %s/mappings/changchun\nwork = work\n"
      "[keys]\nmaker = keys/maker.key\npolicy = keys/policy.ini" % (k["cutover"], sys.argv[1]))
for c in k["counties"]:
    print("[county %s]\nname = %s\nsource = city/%s" % (c["county"], c["name"], c["source"]["file"]))
# a county whose export has not come in
print("[county 220199]\nname = 未到\nsource = city/sources/220199.xml.gz")
EOF
python3 - >expected <<'EOF'
import json
k = json.load(open("city/answer-key.json"))
for c in k["counties"]:
    recs = sum(t["count"] for t in c["source"]["records"].values())
    blocking = sum(f["severity"] == "blocking" for f in c["findings"])
    print(c["county"], recs, blocking, len(c["findings"]) - blocking)
EOF
[ "$(wc -l <expected)" -eq 7 ] && ok || { bad "the answer key has not 7 counties"; cat expected; }

# nothing to read yet: status says what it cannot see, on stderr and the page
"$tc" status --html blind.html city.ini >status.out 2>err
rc=$?
[ "$rc" -eq 0 ] && ok || { bad "blind status: exit $rc"; cat err; }
grep -q "^tongchou: status: warning: no audit trail (work/audit.trail)" err && ok ||
  { bad "blind status does not say it has no trail"; cat err; }
grep -q "warning: no database named (--db, the manifest's, DATABASE_URL or PG\*)" err && ok ||
  { bad "blind status does not say it has no database"; cat err; }
grep -q "warning: county 220199: its source city/sources/220199.xml.gz does not exist" err &&
  ok || { bad "blind status does not name the missing source"; cat err; }
grep -q "What this page cannot see" blind.html && grep -q "<li>no audit trail" blind.html && ok ||
  bad "the blind status page does not say what it cannot see"
awk '$1 == 220199 && $2 == "missing"' status.out | grep -q . && ok ||
  { bad "the county without its export is not shown missing"; cat status.out; }

# the pipeline by hand, recorded in one trail, on a private server
export TONGCHOU_KEY=keys/maker.key TONGCHOU_AUDIT=hand.trail
map=$src/mappings/changchun
"$tc" extract -o out/ city/sources/* >/dev/null 2>err || { bad "extract"; cat err; }
"$tc" map -m "$map" -o mapped/ out/*.tcb >/dev/null 2>err || { bad "map"; cat err; }
"$tc" reconcile -m "$map" -o rec/ mapped/*.tcb >/dev/null 2>err
[ $? -eq 1 ] && ok || { bad "reconcile: no findings"; cat err; }
"$tc" db start --fast pg >/dev/null 2>err || { bad "db start"; cat err; exit 1; }
eval "$("$tc" db env pg)"
"$tc" db init >/dev/null 2>&1 || bad "db init"
"$tc" load -q mapped/*.tcb rec/reconciliation.json >/dev/null 2>err || { bad "load"; cat err; }
"$tc" transfer plan -r rec/reconciliation.json -k keys/maker.key -o plan.json \
  --policy keys/policy.ini >/dev/null 2>plan.err || { bad "transfer plan"; cat plan.err; }
# each pool left out named, with its reason and findings, one line each
left=$(grep -c "^tongchou: transfer: left out: pool 22[0-9]*\( (sub-ledger 22[0-9]*)\)\?, every fund: blocking findings not waived: [A-Z_]*/" plan.err)
[ "$left" -eq 5 ] && ok || { bad "plan names $left pools left out, wanted 5"; cat plan.err; }
grep -q "^tongchou: transfer: left out: pool 220381 (sub-ledger 220184), every fund" plan.err && ok ||
  { bad "plan does not name the merged pool 220381 with its sub-ledger"; cat plan.err; }
"$tc" transfer approve plan.json -r rec/reconciliation.json -k keys/checker.key \
  --policy keys/policy.ini >/dev/null 2>approve.err || { bad "transfer approve"; cat approve.err; }
grep -q "^tongchou: transfer: plan.json: approved by ed25519:[0-9a-f]* (1 of the 1 checkers the policy needs): 5 transfers (0 correcting earlier ones), [0-9]*\.[0-9][0-9] yuan; ready to execute$" approve.err &&
  ok || { bad "approve does not say what it approved"; cat approve.err; }
unset TONGCHOU_KEY TONGCHOU_AUDIT

# status reads the trail named and the database: every county as it stands
check_rows() { # check_rows FILE WANT-TRANSFER-OF-UNBLOCKED
  local f=$1 want=$2 c recs blocking warnings row
  while read -r c recs blocking warnings; do
    row=$(awk -v c="$c" '$1 == c' "$f")
    local t=$want
    [ "$blocking" -gt 0 ] && t=held
    set -- $row
    # kept: "-", neither archived nor purged (tests/pipeline/purge_test.sh has those);
    # signed: "-", no certificate made (tests/pipeline/test_docsign.c has those)
    if [ "$#" -eq 9 ] && [ "$2" = "$recs" ] && [ "$3" = 0 ] && [ "$4" = "$blocking" ] &&
       [ "$5" = "$warnings" ] && [ "$6" = 10 ] && [ "$7" = "$t" ] && [ "$8" = - ] &&
       [ "$9" = - ]; then ok; else
      bad "status of $c: '$row', wanted $recs records, 0 rejects, $blocking blocking, $warnings warnings, 10 loaded, $t, kept -, signed -"
    fi
  done <expected
}
TONGCHOU_AUDIT=hand.trail "$tc" status --html seen.html city.ini >status.out 2>err
rc=$?
[ "$rc" -eq 0 ] && ok || { bad "status: exit $rc"; cat err; }
check_rows status.out approved
grep -q "^audit: verified, [0-9]* entries: every signature and link holds (hand.trail)$" status.out &&
  ok || { bad "status does not verify the hand-run trail"; cat status.out; }
grep -q "no audit trail\|no database" err && { bad "status still says it is blind"; cat err; } || ok
grep -q '<td class=bad>held</td>' seen.html && ok || bad "the status page does not show held"
# --trail names the same trail
"$tc" status --trail hand.trail city.ini >status2.out 2>/dev/null
cmp -s status.out status2.out && ok ||
  { bad "--trail shows another status than TONGCHOU_AUDIT"; diff status.out status2.out; }
# a trail named that is not there is said
"$tc" status --trail nowhere.trail city.ini >/dev/null 2>err
grep -q "warning: no trail at nowhere.trail" err && ok || { bad "a missing --trail is not said"; cat err; }

# executed: the database's word
TONGCHOU_AUDIT=hand.trail "$tc" transfer execute plan.json -r rec/reconciliation.json -m "$map" \
  -k keys/maker.key --policy keys/policy.ini >/dev/null 2>err || { bad "execute"; cat err; }
"$tc" status --trail hand.trail city.ini >status.out 2>err
check_rows status.out executed

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
