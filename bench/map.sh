#!/usr/bin/env bash
# bench/map.sh [RECORDS] - map throughput (shared/bench.md, issue 4).
#
# Generates one county's handover XML with RECORDS contribution records
# (default 10,000,000), extracts it, and maps the contribution batch with
# the example mapping set, RUNS times (default 3): on both cores, and
# pinned to one core with taskset.  Prints records per second against the
# 2 million floor and peak RSS against 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
. bench/lib.sh
TC_DEPS+=(time util-linux)
tc_ensure_deps
tc_build build Release
tc=$PWD/build/cli/tongchou
runs=${RUNS:-3}
records=${1:-10000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-map-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== generating and extracting $records contribution records (county 220100)"
"$tc" generate -q --xml-only --county 220100 -n "$records" "$work/city"
mkdir -p "$work/county" "$work/city-coded"
"$tc" extract -q -o "$work/county" "$work/city/sources/220100.xml" >/dev/null
rm -f "$work/city/sources/220100.xml"
batch=$work/county/220100.contribution.tcb
n=$("$tc" batch verify "$batch" | awk '$1 == "count" {print $2}')

run() { # run LABEL PREFIX...: median seconds and peak RSS of map
  local s=() rss=0
  for i in $(seq "$runs"); do
    rm -f "$work/city-coded"/*
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" "$tc" map -q -m mappings/changchun \
      -o "$work/city-coded" "$batch" >/dev/null
    s+=("$(cut -d' ' -f1 "$work/t")")
    rss=$(cut -d' ' -f2 "$work/t")
  done
  echo "$(median "${s[@]}") $rss"
}

read -r t2 r2 < <(run env)
read -r t1 r1 < <(run taskset -c 0)
echo
printf '%-34s %12s %12s %8s %8s\n' measure toolkit floor ratio target
for row in "both cores:$t2:$r2" "one core (taskset -c 0):$t1:$r1"; do
  IFS=: read -r label t r <<<"$row"
  rate=$(awk "BEGIN{printf \"%.0f\", $n/$t}")
  printf '%-34s %10s/s %10s/s %8.2f %8s\n' "map $n rec, $label" "$rate" 2000000 \
    "$(awk "BEGIN{print $rate/2000000}")" ">=1"
  printf '%-34s %11sM %11sM %8.3f %8s\n' "  peak RSS" "$(awk "BEGIN{printf \"%.1f\", $r/1024}")" 64 \
    "$(awk "BEGIN{print $r/1024/64}")" "<1"
done
