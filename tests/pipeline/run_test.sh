#!/usr/bin/env bash
# run_test.sh TONGCHOU - `tongchou run` resumes: a run killed (kill -9, the
# whole process group) five times at random moments and then run to the end
# gives the same batches, the same reports and the same database totals as
# an uninterrupted run (`tongchou demo`).  Also: --dry-run after a complete
# run has nothing to do but load, status shows every county loaded, and the
# trail of the resumed run verifies.  And the embedded server, started while
# the counties extract, is stopped again when a county fails; one that
# cannot start says why.
set -u
tc=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tc-run-test-XXXXXX")
chmod 755 "$tmp"   # the embedded servers run as 'postgres' when we are root
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
cleanup() {
  "$tc" db stop "$tmp/a/work/db" >/dev/null 2>&1
  "$tc" db stop "$tmp/b/work/db" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

# the uninterrupted run
if "$tc" demo -n 1500 -j 2 "$tmp/a" >"$tmp/a.out" 2>"$tmp/a.err"; then ok; else
  bad "demo: exit $?"; cat "$tmp/a.err"; exit 1; fi
grep -q "audit verify:   OK" "$tmp/a.out" && ok || bad "demo does not say the audit verified"

# the same inputs, run and killed five times, then run to the end
mkdir -p "$tmp/b"
cp -r "$tmp/a/city" "$tmp/a/keys" "$tmp/a/city.ini" "$tmp/b/"
for i in 1 2 3 4 5; do
  setsid "$tc" run -q "$tmp/b/city.ini" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
  kill -9 -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  echo "kill $i after $(wc -l <"$tmp/b/work/audit.trail" 2>/dev/null || echo 0) trail entries"
done
"$tc" run "$tmp/b/city.ini" >"$tmp/b.out" 2>"$tmp/b.err"
rc=$?
[ "$rc" -eq 1 ] && ok || { bad "resumed run: exit $rc, wanted 1 (findings)"; cat "$tmp/b.err"; }

# same files
digests() { # digests DIR: every batch and the two byte-stable reports, by relative path
  (cd "$1/work" && find batches city -name '*.tcb' | sort | xargs sha256sum &&
    sha256sum reports/reconciliation.json reports/findings.csv)
}
digests "$tmp/a" >"$tmp/a.sums"
digests "$tmp/b" >"$tmp/b.sums"
n=$(wc -l <"$tmp/a.sums")
[ "$n" -eq 142 ] && ok || bad "the uninterrupted run has $n files, wanted 140 batches and 2 reports"
if cmp -s "$tmp/a.sums" "$tmp/b.sums"; then ok; else
  bad "the resumed run's files differ"; diff "$tmp/a.sums" "$tmp/b.sums" | head; fi

# same database: every record table's count and sums, the batch register
totals() ( # totals DIR (a subshell: the PG* it sets are for psql alone)
  "$tc" db start "$1/work/db" >/dev/null || return 1
  eval "$("$tc" db env "$1/work/db")"
  psql -X -q -At -d tongchou -c "
    SELECT 'contribution', county, count(*), sum(base), sum(due), sum(paid)
      FROM tongchou.contribution GROUP BY county UNION ALL
    SELECT 'balance', county, count(*), sum(opening), sum(debit) + sum(credit), sum(closing)
      FROM tongchou.balance GROUP BY county UNION ALL
    SELECT 'voucher_line', county, count(*), sum(debit), sum(credit), 0
      FROM tongchou.voucher_line GROUP BY county UNION ALL
    SELECT 'personal_account', county, count(*), sum(balance), 0, 0
      FROM tongchou.personal_account GROUP BY county UNION ALL
    SELECT 'batch', county, count(*), count(DISTINCT type), 0, 0
      FROM tongchou.batch WHERE state = 'complete' GROUP BY county
    ORDER BY 1, 2"
)
totals "$tmp/a" >"$tmp/a.db" || bad "cannot read the first database"
totals "$tmp/b" >"$tmp/b.db" || bad "cannot read the second database"
rows=$(wc -l <"$tmp/a.db")
[ "$rows" -eq 35 ] && ok || bad "the database totals have $rows rows, wanted 35"
grep -c '^batch|.*|10|10|' "$tmp/a.db" | grep -qx 7 && ok || bad "not every county has its 10 batches"
if cmp -s "$tmp/a.db" "$tmp/b.db"; then ok; else
  bad "the resumed run's database differs"; diff "$tmp/a.db" "$tmp/b.db" | head; fi

# nothing left to do; where everything stands; the trail holds
"$tc" run --dry-run "$tmp/b/city.ini" >"$tmp/plan" 2>&1
todo=$(grep -v 'up to date' "$tmp/plan" | grep -v '^city *load' | grep -vc '^city *plan')
[ "$todo" -eq 0 ] && ok || { bad "--dry-run after a complete run still has work"; cat "$tmp/plan"; }
"$tc" status --html "$tmp/status.html" "$tmp/b/city.ini" >"$tmp/status" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ok || { bad "status: exit $rc"; cat "$tmp/status"; }
loaded=$(awk '$1 ~ /^22[0-9][0-9][0-9][0-9]$/ && $6 == 10' "$tmp/status" | wc -l)
[ "$loaded" -eq 7 ] && ok || { bad "status shows $loaded counties loaded, wanted 7"; cat "$tmp/status"; }
grep -q "^audit: verified" "$tmp/status" && ok || bad "status does not verify the trail"
grep -q "<table>" "$tmp/status.html" && ! grep -qi "http" "$tmp/status.html" && ok ||
  bad "the status page is not one self-contained table"
"$tc" audit verify --trail "$tmp/b/work/audit.trail" --pub "$tmp/b/keys/maker.pub" >/dev/null 2>&1 &&
  ok || bad "the resumed run's trail does not verify"

# the embedded server starts while the counties extract: a run that then
# fails in a county (exit 3) stops it again, and one whose server cannot
# start says why, after the counties are done
mkdir -p "$tmp/c"
cp -r "$tmp/a/city" "$tmp/a/keys" "$tmp/a/city.ini" "$tmp/c/"
head -c 4000 "$tmp/a/city/sources/220100.xml" >"$tmp/c/city/sources/220100.xml"
"$tc" run -q "$tmp/c/city.ini" >/dev/null 2>"$tmp/c.err"
rc=$?
[ "$rc" -eq 3 ] && grep -q "220100 *failed .*220100.xml:42: the file stops after line 42" "$tmp/c.err" &&
  ok || { bad "a truncated source: exit $rc, wanted 3 and the county's error even with -q"
  cat "$tmp/c.err"; }
[ -s "$tmp/c/work/db/port" ] && ok || bad "the server was not started during the counties"
"$tc" db status "$tmp/c/work/db" >/dev/null 2>&1
[ $? -eq 4 ] && ok || bad "the server started for a run that failed is left running"
mkdir -p "$tmp/d"
cp -r "$tmp/a/city" "$tmp/a/keys" "$tmp/a/city.ini" "$tmp/d/"
mkdir -p "$tmp/d/work" && echo "not a folder" >"$tmp/d/work/db"
"$tc" run -q "$tmp/d/city.ini" >/dev/null 2>"$tmp/d.err"
rc=$?
[ "$rc" -eq 4 ] && grep -q "work/db" "$tmp/d.err" && ok ||
  { bad "a server that cannot start: exit $rc, wanted 4 naming work/db"; cat "$tmp/d.err"; }
n=$(find "$tmp/d/work/city" -name '*.tcb' | wc -l)
[ "$n" -eq 70 ] && ok || bad "the counties' work beside a server that cannot start: $n city batches, wanted 70"

# the manifest's errors name the file and line
printf '[city]\ncode = 220100\ncutover = 2021-06-31\n' >"$tmp/bad.ini"
"$tc" run "$tmp/bad.ini" 2>"$tmp/err"
[ $? -eq 3 ] && grep -q "bad.ini:3: cutover '2021-06-31' is not a date" "$tmp/err" && ok ||
  { bad "a bad manifest"; cat "$tmp/err"; }

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
