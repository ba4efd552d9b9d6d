#!/usr/bin/env bash
# bench/workbook.sh [ROWS] - finance-software workbooks against `unzip -p
# FILE xl/worksheets/sheet1.xml | wc -l` of the journal's files (issue 22: within
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
# the journal: one file a million rows (a sheet holds 1,048,576)
ls -l "$work/220182"/序时账_* | awk '{z += $5; n++} END {printf "   the journal: %d files, %.1f MB zipped; ", n, z/1e6}'
for f in "$work/220182"/序时账_*; do unzip -l "$f"; done |
  awk '/sheet1.xml/ {s += $1} /sharedStrings/ {t += $1} END {printf "sheets %.1f MB, shared strings %.1f MB\n", s/1e6, t/1e6}'
sync

printf '\n%-36s %9s %9s %7s %7s %9s\n' "workbook extract vs unzip -p|wc -l" toolkit floor ratio target "peak RSS"
z=() x=()
for i in $(seq "$runs"); do
  z+=("$(secs bash -c "for f in '$work/220182'/序时账_*; do unzip -p \"\$f\" xl/worksheets/sheet1.xml; done | wc -l")")
  rm -f "$work/out"/*.tcb
  x+=("$(secs "$tc" extract -q --profile yonyou -o "$work/out" "$work/220182")")
done
rm -f "$work/out"/*.tcb
m=$(peak_mib "$tc" extract -q --profile yonyou -o "$work/out" "$work/220182")
zm=$(median "${z[@]}") xm=$(median "${x[@]}")
printf '%-36s %8ss %8ss %7.3f %7s %8sM\n' "yonyou ($rows rows)" "$xm" "$zm" \
  "$(awk "BEGIN{print $xm/$zm}")" "<=2" "$m"
echo "   runs: toolkit ${x[*]}; floor ${z[*]}"
