#!/usr/bin/env bash
# bench/diff.sh [RECORDS...] - diff throughput and memory.
#
# For each RECORDS (default 1000000; `bench/diff.sh 1000000 10000000` for
# both sizes the budget speaks of), generates one county's handover XML
# with RECORDS contribution records twice, at seeds 1 and 2, and extracts
# both: the second stands in for a corrected export (the same payers and
# periods, other amounts: most records changed, every type differs).  Then
# times `tongchou diff` of the two folders, and of the first against a
# copy of itself (nothing differs, so nothing is read a second time to
# list), RUNS times each (default 3), the median; and beside them the
# floor, `tongchou batch verify` of both folders' batches (reading each
# record once, no comparing).
#
# Records counted: every record of both sides, each once (for 1,000,000
# contribution records a side that is 2 x 1,067,846: the other nine types
# come with them).  The diff reads each record once to match it and, when
# the side has records to list, once more.  Prints records per second
# against the target of 1 million and peak RSS (/usr/bin/time) against
# 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
. bench/lib.sh
TC_DEPS+=(time)
tc_ensure_deps
tc_build build Release
tc=$PWD/build/cli/tongchou
runs=${RUNS:-3}
sizes=("${@:-1000000}")
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-diff-XXXXXX")
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work   # the diff's spill file goes there too

timed() { # timed COMMAND...: median seconds and the largest peak RSS (KiB)
  local s=() rss=0 r
  for i in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
    # (time puts "Command exited with non-zero status 1" first: diff's 1)
    s+=("$(tail -n 1 "$work/t" | cut -d' ' -f1)")
    r=$(tail -n 1 "$work/t" | cut -d' ' -f2)
    [ "$r" -gt "$rss" ] && rss=$r
  done
  echo "$(median "${s[@]}") $rss"
}

rows=()
for records in "${sizes[@]}"; do
  echo "== $records contribution records a side: generating and extracting two exports"
  rm -rf "$work"/v1 "$work"/v2 "$work"/copy
  for s in 1 2; do
    "$tc" generate -q --xml-only --county 220100 -s $s -n "$records" "$work/city$s"
    mkdir -p "$work/v$s"
    "$tc" extract -q -o "$work/v$s" "$work/city$s/sources/220100.xml" >/dev/null
    rm -rf "$work/city$s"
  done
  cp -r "$work/v1" "$work/copy"
  n=0
  for f in "$work"/v1/*.tcb "$work"/v2/*.tcb; do
    n=$((n + $("$tc" batch verify "$f" | awk '$1 == "count" {print $2}')))
  done
  "$tc" diff "$work/v1" "$work/v2" >"$work/summary" || [ $? -eq 1 ]
  sed -n '/^contribution /,/^  total paid/s/^/   /p' "$work/summary"
  read -r tf rf < <(timed "$tc" batch verify "$work"/v1/*.tcb "$work"/v2/*.tcb)
  read -r td rd < <(timed "$tc" diff "$work/v1" "$work/v2")
  read -r ts rs < <(timed "$tc" diff "$work/v1" "$work/copy")
  rows+=("$records:$n:$tf:$rf:$td:$rd:$ts:$rs")
  rm -rf "$work"/v1 "$work"/v2 "$work"/copy
done

echo
printf '%-42s %12s %12s %8s %8s\n' measure toolkit target ratio "met"
for row in "${rows[@]}"; do
  IFS=: read -r records n tf rf td rd ts rs <<<"$row"
  for m in "changed export:$td:$rd" "identical export:$ts:$rs"; do
    IFS=: read -r label t r <<<"$m"
    rate=$(awk "BEGIN{printf \"%.0f\", $n/$t}")
    printf '%-42s %10s/s %10s/s %8.2f %8s\n' "diff $records/side, $label ($t s)" "$rate" 1000000 \
      "$(awk "BEGIN{print $rate/1000000}")" "$(awk "BEGIN{print ($rate >= 1000000) ? \"yes\" : \"NO\"}")"
    printf '%-42s %11sM %11sM %8.3f %8s\n' "  peak RSS" "$(awk "BEGIN{printf \"%.1f\", $r/1024}")" 64 \
      "$(awk "BEGIN{print $r/1024/64}")" "$(awk "BEGIN{print ($r < 65536) ? \"yes\" : \"NO\"}")"
  done
  printf '%-42s %10s/s %12s %8.2f %8s\n' "  floor: batch verify of both ($tf s)" \
    "$(awk "BEGIN{printf \"%.0f\", $n/$tf}")" "diff/floor" "$(awk "BEGIN{print $td/$tf}")" ""
done
