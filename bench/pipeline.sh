#!/usr/bin/env bash
# bench/pipeline.sh [RECORDS] - the whole handover end to end (shared/bench.md):
#
#   1. one county's handover XML with RECORDS contribution records (default
#      2,000,000) through `tongchou run` - extract, map, reconcile, load into
#      a fresh embedded PostgreSQL server, transfer plan - against pgloader
#      loading the equivalent TSV of the contributions alone into the same
#      table: the toolkit must be at least 10 x faster;
#   2. the same run with 10 x RECORDS (TEN=0 skips it), extrapolated to a
#      100-million-record city: under 15 minutes on 2 cores.
#
# Peak RSS of the run (the tongchou processes, not PostgreSQL) is printed
# beside.  Needs pgloader (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
. bench/lib.sh
TC_DEPS+=(time pgloader)
tc_ensure_deps
build=${BUILD:-build}
[ -n "${NO_BUILD:-}" ] || tc_build "$build" Release
case $build in /*) ;; *) build=$PWD/$build ;; esac
tc=$build/cli/tongchou
records=${1:-2000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-pipeline-XXXXXX")
chmod 755 "$work"
cleanup() {
  for d in "$work"/*/work/db "$work/pg"; do "$tc" db stop "$d" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# one county's city: sources, key, manifest; prints the run's seconds and peak RSS (MiB)
handover() { # handover NAME RECORDS
  local d=$work/$1
  mkdir -p "$d"
  "$tc" generate -q --xml-only --county 220100 -n "$2" "$d/city" >/dev/null
  "$tc" keygen -o "$d/maker" >/dev/null 2>&1
  "$tc" keygen -o "$d/checker" >/dev/null 2>&1
  # the key policy, without which run plans no transfer
  "$tc" policy make -o "$d/policy.ini" --maker "$d/maker.pub" --checker "$d/checker.pub" \
    2>/dev/null
  cat >"$d/city.ini" <<EOF
[city]
code = 220100
cutover = 2021-06-30
mappings = $PWD/mappings/changchun
work = work
[keys]
maker = maker.key
policy = policy.ini
[county 220100]
source = city/sources/220100.xml
EOF
  sync
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$d/rss" "$tc" run -q "$d/city.ini" >/dev/null 2>&1 || [ $? -eq 1 ]
  t1=$(date +%s.%N)
  echo "$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}") $(awk '{printf "%.1f", $1/1024}' "$d/rss")"
}

echo "== the handover of one county, $records contribution records, through tongchou run"
res=$(handover small "$records")
read -r run_s run_rss <<<"$res"

echo "== pgloader loading the equivalent TSV of the contributions"
batch=$work/small/work/city/220100/220100.contribution.tcb
cols=$(tc_bench_cols "$tc" "$batch")
tc_bench_tsv "$tc" "$batch" "$work/contribution.tsv" 220100
"$tc" db start "$work/pg" >/dev/null
eval "$("$tc" db env "$work/pg")"
"$tc" db init >/dev/null 2>&1
collist="county, $(echo $cols | sed 's/ /, /g')"
cat >"$work/load.pgl" <<EOF
LOAD CSV FROM '$work/contribution.tsv' ($(echo "county $cols" | sed 's/ /, /g'))
  INTO postgresql://$PGUSER@unix:$PGHOST:$PGPORT/postgres
  TARGET TABLE tongchou.contribution ($collist)
  WITH fields terminated by '\t', fields not enclosed, workers = 2, batch rows = 25000;
EOF
t0=$(date +%s.%N)
pgloader "$work/load.pgl" >"$work/pgloader.log" 2>&1 || true
t1=$(date +%s.%N)
pg_s=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")
got=$(psql -X -A -t -d postgres -c "SELECT count(*) FROM tongchou.contribution")
[ "$got" -eq "$records" ] || echo "   (pgloader loaded $got of $records rows: see its figure with care)"

echo
printf '%-58s %10s %10s %9s %8s\n' measure toolkit peer ratio target
printf '%-58s %9ss %9ss %9.1f %8s\n' "XML to loaded, reconciled database vs pgloader of the TSV" \
  "$run_s" "$pg_s" "$(awk "BEGIN{print $pg_s/$run_s}")" ">=10"
printf '%-58s %9sM %10s %9.3f %8s\n' "peak RSS, run and the initdb it waits for ($records)" "$run_rss" "64M" \
  "$(awk "BEGIN{print $run_rss/64}")" "<1"

if [ "${TEN:-1}" != 0 ]; then
  ten=$((records * 10))
  echo "== the same with $ten records"
  "$tc" db stop "$work/pg" >/dev/null 2>&1 || true
  unset PGHOST PGPORT PGUSER   # run would take them as the database to use
  rm -rf "$work/small" "$work/pg" "$work/contribution.tsv"   # room for ten times as much
  res=$(handover large "$ten")
  read -r ten_s ten_rss <<<"$res"
  per100m=$(awk "BEGIN{printf \"%.1f\", $ten_s * 100000000 / $ten / 60}")
  printf '%-58s %9ss %10s %9s %8s\n' "run of $ten records" "$ten_s" "" "" ""
  printf '%-58s %9sm %9sm %9.3f %8s\n' "100 million records, extrapolated" "$per100m" "15" \
    "$(awk "BEGIN{print $per100m/15}")" "<1"
  printf '%-58s %9sM %10s %9.3f %8s\n' "peak RSS, run and the initdb it waits for ($ten)" "$ten_rss" "64M" \
    "$(awk "BEGIN{print $ten_rss/64}")" "<1"
fi
