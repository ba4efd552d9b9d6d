#!/usr/bin/env bash
# bench/reconcile.sh [RECORDS] - reconcile throughput (shared/bench.md, issue 5).
#
# Generates one county's handover XML with RECORDS contribution records
# (default 10,000,000), extracts and maps it, and reconciles all of the
# county's city-coded batches, RUNS times (default 3): on both cores, and
# pinned to one core with taskset.  Prints contribution records per second
# against the 2 million floor and peak RSS (/usr/bin/time) against 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
. bench/lib.sh
TC_DEPS+=(time util-linux)
tc_ensure_deps
tc_build "${BUILD:-build}" Release
tc=$PWD/${BUILD:-build}/cli/tongchou
runs=${RUNS:-3}
records=${1:-10000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-reconcile-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== generating, extracting and mapping $records contribution records (county 220100)"
"$tc" generate -q --xml-only --county 220100 -n "$records" "$work/city"
mkdir -p "$work/county" "$work/mapped" "$work/out"
"$tc" extract -q -o "$work/county" "$work/city/sources/220100.xml" >/dev/null
rm -f "$work/city/sources/220100.xml"
"$tc" map -q -m mappings/changchun -o "$work/mapped" "$work/county"/*.tcb >/dev/null
rm -rf "$work/county"
n=$("$tc" batch verify "$work/mapped/220100.contribution.tcb" | awk '$1 == "count" {print $2}')
sync

run() { # run PREFIX...: median seconds and peak RSS of reconcile
  local s=() rss=0 rc
  for i in $(seq "$runs"); do
    rm -f "$work/out"/*
    set +e
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" "$tc" reconcile -q -m mappings/changchun \
      -o "$work/out" "$work/mapped"/*.tcb >/dev/null
    rc=$?
    set -e
    [ "$rc" -le 1 ] || { echo "reconcile failed ($rc)" >&2; exit 1; }
    s+=("$(tail -1 "$work/t" | cut -d' ' -f1)")
    rss=$(tail -1 "$work/t" | cut -d' ' -f2)
  done
  echo "$(median "${s[@]}") $rss"
}

read -r t2 r2 < <(run env)
read -r t1 r1 < <(run taskset -c 0)
echo
printf '%-40s %12s %12s %8s %8s\n' measure toolkit floor ratio target
for row in "both cores:$t2:$r2" "one core (taskset -c 0):$t1:$r1"; do
  IFS=: read -r label t r <<<"$row"
  rate=$(awk "BEGIN{printf \"%.0f\", $n/$t}")
  printf '%-40s %10s/s %10s/s %8.2f %8s\n' "reconcile $n rec, $label" "$rate" 2000000 \
    "$(awk "BEGIN{print $rate/2000000}")" ">=1"
  printf '%-40s %11sM %11sM %8.3f %8s\n' "  peak RSS" "$(awk "BEGIN{printf \"%.1f\", $r/1024}")" 64 \
    "$(awk "BEGIN{print $r/1024/64}")" "<1"
done
