#!/usr/bin/env bash
# bench/documents.sh [ROWS] [COUNTIES] - what the printed documents cost.
#
# Builds sheet_bench (release) and runs it under /usr/bin/time twice: one
# document with a table of ROWS rows (default 2000), as PDF and workbook;
# and COUNTIES documents (default 100) the size of one county's - a
# certificate and five statements of 20 rows each, about six pages.  For
# each: wall and CPU seconds, pages, and peak RSS.  The target (issue 19):
# the documents of a city of 100 counties in under 10 s, memory flat.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
TC_DEPS+=(time)
tc_ensure_deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target sheet_bench >/dev/null
rows=${1:-2000}
counties=${2:-100}
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-documents-XXXXXX")
trap 'rm -rf "$work"' EXIT

run() { # run LABEL ARGS...: one timed run of sheet_bench ARGS... into $work
  local label=$1 e u m pages=0 f
  shift
  rm -f "$work"/*.pdf "$work"/*.xlsx
  /usr/bin/time -f '%e %U %M' -o "$work/t" build/bench/sheet_bench "$@" "$work" >"$work/out"
  read -r e u m <"$work/t"
  for f in "$work"/*.pdf; do
    pages=$((pages + $(pdfinfo "$f" | awk '/^Pages:/ {print $2}')))
  done
  printf '%-34s %5d pages  wall %6.2f s  cpu %6.2f s  peak RSS %6.1f MiB  (%s)\n' \
    "$label" "$pages" "$e" "$u" "$(awk "BEGIN{print $m/1024}")" "$(cat "$work/out")"
}
run "one sheet of $rows rows" rows "$rows"
run "$counties counties, 6 sheets each" county "$counties"
