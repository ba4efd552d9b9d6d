#!/usr/bin/env bash
# bench/workbook.sh [ROWS] - finance-software workbooks against `unzip -p
# FILE xl/worksheets/sheet1.xml | wc -l` of the journal (issue 22: within
# 2x; peak RSS < 64 MiB for 10 million rows).
#
# bench/workbook_gen.c writes a 用友-style ledger of ROWS journal rows
# (default 2,000,000; each voucher's 摘要 its own shared string, so that
# sharedStrings.xml grows with the sheet) and its twelve monthly balance
# tables, as extract/profiles/yonyou.ini reads them.  The extraction (the
# journal and the balance tables, the cross-check, the batches) runs RUNS
# times (default 3), alternately with the floor, and the medians are
# compared; then its peak RSS.  BUILD names the build folder (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
. bench/lib.sh
TC_DEPS+=(time unzip)
tc_ensure_deps
build=${BUILD:-build}
tc_build "$build" Release
case $build in /*) b=$build ;; *) b=$PWD/$build ;; esac
tc=$b/cli/tongchou
runs=${RUNS:-3}
rows=${1:-2000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-workbook-XXXXXX")
chmod 0711 "$work"
trap 'rm -rf "$work"' EXIT

echo "== generating a 用友 ledger of $rows journal rows"
mkdir -m 700 "$work/220182" "$work/out"
"$b/bench/workbook_gen" "$work/220182" "$rows"
j=$work/220182/序时账_01.xlsx
ls -l "$j" | awk '{printf "   the journal: %.1f MB zipped; ", $5/1e6}'
unzip -l "$j" | awk '/sheet1.xml|sharedStrings/ {printf "%s %.1f MB  ", $4, $1/1e6} END {print ""}'
sync

printf '\n%-36s %9s %9s %7s %7s %9s\n' "workbook extract vs unzip -p|wc -l" toolkit floor ratio target "peak RSS"
z=() x=()
for i in $(seq "$runs"); do
  z+=("$(secs bash -c "unzip -p '$j' xl/worksheets/sheet1.xml | wc -l")")
  rm -f "$work/out"/*.tcb
  x+=("$(secs "$tc" extract -q --profile yonyou -o "$work/out" "$work/220182")")
done
rm -f "$work/out"/*.tcb
m=$(peak_mib "$tc" extract -q --profile yonyou -o "$work/out" "$work/220182")
zm=$(median "${z[@]}") xm=$(median "${x[@]}")
printf '%-36s %8ss %8ss %7.3f %7s %8sM\n' "yonyou ($rows rows)" "$xm" "$zm" \
  "$(awk "BEGIN{print $xm/$zm}")" "<=2" "$m"
