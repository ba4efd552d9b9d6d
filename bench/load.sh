#!/usr/bin/env bash
# bench/load.sh [RECORDS] - tongchou load against psql \copy (shared/bench.md,
# issue 6: at most 1.15 x).
#
# Generates one county (220100) with RECORDS contribution records (default
# 2,000,000), extracts and maps it into one city-coded batch, and writes the
# same records as the tab-separated text psql \copy reads (amounts in fen,
# rates in 1/10000, periods YYYYMM: the table's own types), with county as
# the first column.  Then, on one private PostgreSQL server (durable
# settings, not --fast), into the same table (tongchou.contribution, from
# `tongchou db init`), RUNS times each (default 3), alternately, after a
# TRUNCATE and a CHECKPOINT:
#
#   psql \copy of the text                       the floor
#   psql \copy of the same rows in COPY's binary  what binary COPY saves the
#   format (for reference)                       server, as tongchou sends it
#   tongchou load of the batch                   read, decompress, verify the
#                                                batch, COPY (binary), count
#                                                and sum in the database,
#                                                register, commit
#
# with the table's primary key and without it.  Prints medians, ratios and
# peak RSS; pgloader on the same text for reference when it is installed.
# BUILD (default build) names the build folder to use; NO_BUILD=1 uses it as
# it stands.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
. bench/lib.sh
TC_DEPS+=(time)
tc_ensure_deps
build=${BUILD:-build}
[ -n "${NO_BUILD:-}" ] || tc_build "$build" Release
case $build in /*) ;; *) build=$PWD/$build ;; esac
tc=$build/cli/tongchou
runs=${RUNS:-3}
records=${1:-2000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-load-XXXXXX")
chmod 755 "$work"
cleanup() { "$tc" db stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

echo "== generating, extracting and mapping $records contribution records (county 220100)"
"$tc" generate -q --xml-only --county 220100 -n "$records" "$work/city"
mkdir -p "$work/county" "$work/city-coded"
"$tc" extract -q -o "$work/county" "$work/city/sources/220100.xml" >/dev/null
rm -f "$work/city/sources/220100.xml"
"$tc" map -q -m mappings/changchun -o "$work/city-coded" "$work/county/220100.contribution.tcb" \
  >/dev/null
batch=$work/city-coded/220100.contribution.tcb
rm -f "$work/county/"*

echo "== writing the equivalent text"
cols=$(tc_bench_cols "$tc" "$batch")
tc_bench_tsv "$tc" "$batch" "$work/contribution.tsv" 220100
n=$(wc -l <"$work/contribution.tsv")
echo "   $n records: batch $(du -m "$batch" | cut -f1) MB, text $(du -m "$work/contribution.tsv" | cut -f1) MB"
collist="county, $(echo $cols | sed 's/ /, /g')"

echo "== starting a private PostgreSQL server"
"$tc" db start "$work/pg" >/dev/null
eval "$("$tc" db env "$work/pg")"
"$tc" db init >/dev/null 2>&1
sql() { psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "$1" >/dev/null; }

fresh() {
  sql "TRUNCATE tongchou.contribution; DELETE FROM tongchou.batch_total;
       DELETE FROM tongchou.replaced; DELETE FROM tongchou.batch; CHECKPOINT"
}
measure() { # measure LABEL: RUNS alternating runs of the three
  rm -f "$work/psql.times" "$work/bin.times" "$work/tc.times"
  for i in $(seq "$runs"); do
    fresh
    (cd "$work" && /usr/bin/time -f '%e %M' -o "$work/t" psql -X -q -v ON_ERROR_STOP=1 \
      -d postgres -c "\\copy tongchou.contribution ($collist) FROM 'contribution.tsv'" >/dev/null)
    cat "$work/t" >>"$work/psql.times"
    [ -f "$work/contribution.bin" ] || (cd "$work" && psql -X -q -v ON_ERROR_STOP=1 -d postgres \
      -c "\\copy tongchou.contribution ($collist) TO 'contribution.bin' (FORMAT binary)")
    fresh
    (cd "$work" && /usr/bin/time -f '%e %M' -o "$work/t" psql -X -q -v ON_ERROR_STOP=1 \
      -d postgres -c "\\copy tongchou.contribution ($collist) FROM 'contribution.bin' (FORMAT binary)" \
      >/dev/null)
    cat "$work/t" >>"$work/bin.times"
    fresh
    /usr/bin/time -f '%e %M' -o "$work/t" "$tc" load -q "$batch" >/dev/null
    cat "$work/t" >>"$work/tc.times"
    got=$(psql -X -A -t -d postgres -c "SELECT count(*) FROM tongchou.contribution")
    [ "$got" -eq "$n" ] || { echo "tongchou load left $got records, not $n" >&2; exit 1; }
  done
  local p b t r
  p=$(median $(cut -d' ' -f1 "$work/psql.times"))
  b=$(median $(cut -d' ' -f1 "$work/bin.times"))
  t=$(median $(cut -d' ' -f1 "$work/tc.times"))
  r=$(sort -n -k2 "$work/tc.times" | tail -1 | cut -d' ' -f2)
  printf '%-22s %10s %12s %10s %8.3f %8s %10.1f\n' "$1" "${p}s" "${b}s" "${t}s" \
    "$(awk "BEGIN{print $t/$p}")" "<=1.15" "$(awk "BEGIN{print $r/1024}")"
}

echo "== timing ($runs runs each, medians)"
printf '%-22s %10s %12s %10s %8s %8s %10s\n' "table" "psql \\copy" "(as binary)" "tongchou" \
  "ratio" "target" "RSS MiB"
measure "with primary key"
sql "ALTER TABLE tongchou.contribution DROP CONSTRAINT contribution_pkey"
measure "without primary key"
sql "ALTER TABLE tongchou.contribution ADD PRIMARY KEY (county, src_county, src_record)"

if command -v pgloader >/dev/null; then
  fresh
  cat >"$work/load.pgl" <<EOF
LOAD CSV FROM '$work/contribution.tsv' ($(echo "county $cols" | sed 's/ /, /g'))
  INTO postgresql://$PGUSER@unix:$PGHOST:$PGPORT/postgres
  TARGET TABLE tongchou.contribution ($collist)
  WITH fields terminated by '\t', fields not enclosed, workers = 2, batch rows = 25000;
EOF
  /usr/bin/time -f '%e %M' -o "$work/t" pgloader "$work/load.pgl" >/dev/null 2>&1 || true
  got=$(psql -X -A -t -d postgres -c "SELECT count(*) FROM tongchou.contribution")
  echo "pgloader (reference, with primary key): $(cut -d' ' -f1 "$work/t")s, $got records"
else
  echo "pgloader: not installed (apt-get install pgloader), no reference figure"
fi
