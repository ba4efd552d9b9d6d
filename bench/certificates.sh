#!/usr/bin/env bash
# bench/certificates.sh [COUNTIES] - what the handover documents cost.
#
# Runs `tongchou demo` (300 records a county) and times `tongchou
# documents` on its files (two counties moved: the trail's check, two
# certificates and their 22 statements, letters and lists).  Then makes a
# city of COUNTIES counties (default 100) by copying the moved counties'
# plan lines and reconciliation entries under new codes, and times every
# document alone (cert_bench: the trail's check does not grow with the
# documents; it says how the time splits between the certificates and the
# rest).  Wall and CPU seconds, peak RSS, pages.
# BUILD names the release build folder (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
TC_DEPS+=(time)
tc_ensure_deps
build=${BUILD:-build}   # the release build folder
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target tongchou cert_bench >/dev/null
counties=${1:-100}
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-cert-XXXXXX")
chmod 755 "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
case $build in /*) ;; *) build=$PWD/$build ;; esac
tc=$build/cli/tongchou
(cd "$work" && "$tc" demo -n 300 -j 2 demo >/dev/null 2>&1)
d=$work/demo
report() { # LABEL: the last /usr/bin/time line
  read -r e u m <"$work/t"
  printf '%-40s wall %6.2f s  cpu %6.2f s  peak RSS %6.1f MiB\n' "$1" "$e" "$u" \
    "$(awk "BEGIN{print $m/1024}")"
}
/usr/bin/time -f '%e %U %M' -o "$work/t" "$tc" documents -q -r "$d/work/reports/reconciliation.json" \
  --plan "$d/work/transfer/plan.json" --policy "$d/keys/policy.ini" -t "$d/work/audit.trail" \
  -o "$work/two" >/dev/null
report "tongchou documents, the demo (2 counties, 24 documents)"
python3 - "$d/work/reports/reconciliation.json" "$d/work/transfer/plan.json" "$counties" \
  "$work" <<'PY'
import hashlib, json, sys
rec_path, plan_path, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rec, plan = json.load(open(rec_path)), json.load(open(plan_path))
moved = sorted({t["county"] for t in plan["transfers"]})
by = {c["county"]: c for c in rec["counties"]}
counties, lines = [], []
for k in range(n):
    src = moved[k % len(moved)]
    code = "%06d" % (300000 + k)
    c = dict(by[src]); c["county"] = code; c["pool"] = code
    counties.append(c)
    for t in plan["transfers"]:
        if t["county"] == src:
            t = dict(t); t["county"] = code; t.pop("pool", None); lines.append(t)
rec["counties"] = counties
open(out + "/rec.json", "w").write(json.dumps(rec, ensure_ascii=False))
plan["transfers"] = lines
plan["reconciliation"] = "sha256:" + hashlib.sha256(open(out + "/rec.json", "rb").read()).hexdigest()
open(out + "/plan.json", "w").write(json.dumps(plan, ensure_ascii=False))
PY
mkdir -p "$work/many"
/usr/bin/time -f '%e %U %M' -o "$work/t" "$build"/bench/cert_bench "$work/rec.json" \
  "$work/plan.json" "$work/many" "$(nproc)" >/dev/null 2>"$work/split"
report "$counties counties, every document (cert_bench)"
cat "$work/split"
printf '%d documents, %d pages\n' "$(ls "$work/many"/*.pdf | wc -l)" \
  "$(for f in "$work/many"/*.pdf; do pdfinfo "$f" | awk '/^Pages/{print $2}'; done |
     awk '{s+=$1} END{print s}')"
