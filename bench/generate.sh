#!/usr/bin/env bash
# bench/generate.sh [RECORDS_TOTAL...] - peak memory and time of the example
# city generator, against the 64 MiB budget of shared/bench.md.
#
# For each total (default 1,000,000 and 10,000,000 contribution records
# across the seven counties) it runs `tongchou generate` twice - XML only,
# and with the two YB2008 counties through a throwaway PostgreSQL and
# pg_dump - under /usr/bin/time -v, and prints one row per run.  Peak RSS is
# the generator's own (the server and pg_dump are other processes).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
tc_ensure_deps
command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
tc_build build Release
tc=$PWD/build/cli/tongchou
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
totals=("$@")
[ ${#totals[@]} -gt 0 ] || totals=(1000000 10000000)

printf '%-12s %-9s %12s %10s %12s %14s %10s\n' records mode per_county seconds "peak_RSS_MiB" "RSS/64MiB" "MB_written"
for total in "${totals[@]}"; do
  per=$(( (total + 6) / 7 ))
  for mode in xml-only full; do
    flag=; [ "$mode" = xml-only ] && flag=--xml-only
    rm -rf "$work/city"
    /usr/bin/time -v "$tc" generate -q $flag -n "$per" "$work/city" >/dev/null 2>"$work/time.txt"
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt" \
           | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    mb=$(du -sm "$work/city" | cut -f1)
    printf '%-12s %-9s %12s %10s %12.1f %14.3f %10s\n' "$total" "$mode" "$per" "$secs" \
      "$(awk "BEGIN{print $kb/1024}")" "$(awk "BEGIN{print $kb/1024/64}")" "$mb"
  done
done
