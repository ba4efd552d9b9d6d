#!/usr/bin/env bash
# legacy_test.sh TONGCHOU - a manifest whose 榆树 (220182) is its COPY unload
# (generate --legacy-as unload; `source` the folder, `profile` the county
# profile written beside it) runs the whole pipeline to the same
# reconciliation as the demo's, whose 榆树 is its pg_dump: the county's
# funds, bank reconciliations, findings and schedules, figure for figure,
# and the city's totals.  The reports differ only where they must: the
# county's source (the folder's digest) and its controls (counts: its check
# files were read; none for a dump), and the digests of its batches.
set -u
tc=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tc-legacy-test-XXXXXX")
chmod 755 "$tmp"   # the embedded servers run as 'postgres' when we are root
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
cleanup() {
  "$tc" db stop "$tmp/a/work/db" >/dev/null 2>&1
  "$tc" db stop "$tmp/b/work/db" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

# the dump: the demo's city and run
if "$tc" demo -n 300 -j 2 "$tmp/a" >"$tmp/a.out" 2>"$tmp/a.err"; then ok; else
  bad "demo: exit $?"; cat "$tmp/a.err"; exit 1; fi

# the same city with its unloads: the sources are the demo's, byte for byte
mkdir -m 700 "$tmp/b"
"$tc" generate -q -n 300 --legacy-as unload "$tmp/b/city" || { bad "generate --legacy-as"; exit 1; }
if (cd "$tmp/a/city" && sha256sum sources/* answer-key.json) >"$tmp/a.src" &&
   (cd "$tmp/b/city" && sha256sum sources/* answer-key.json) >"$tmp/b.src" &&
   cmp -s "$tmp/a.src" "$tmp/b.src"; then ok; else
  bad "--legacy-as changed the sources or the key"; diff "$tmp/a.src" "$tmp/b.src"; fi
cp -r "$tmp/a/keys" "$tmp/b/"
# 榆树's source: the unload folder, through the county profile beside it
awk '/^\[county 220182\]/ { c = 1 } /^\[county 220183\]/ { c = 0 }
     c && /^source/  { print "source = city/legacy/unload/220182"; next }
     c && /^profile/ { print "profile = city/legacy/unload/220182.ini"; next } { print }' \
  "$tmp/a/city.ini" >"$tmp/b/city.ini"
grep -q '^source = city/legacy/unload/220182$' "$tmp/b/city.ini" && ok || bad "manifest not edited"

"$tc" run -q "$tmp/b/city.ini" >"$tmp/b.out" 2>"$tmp/b.err"
rc=$?
[ "$rc" -eq 1 ] && ok || { bad "run: exit $rc, wanted 1 (findings)"; cat "$tmp/b.err"; }

# the reconciliation: the same but for 220182's source, its controls and the batch digests
python3 - "$tmp/a/work/reports/reconciliation.json" "$tmp/b/work/reports/reconciliation.json" \
  "$tmp/b/city/legacy/unload/220182" "$tc" <<'PY' && ok || bad "reconciliation differs"
import json, subprocess, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
folder, tc = sys.argv[3], sys.argv[4]
def county(d, c):
    return [x for x in d["counties"] if x["county"] == c][0]
ya, yb = county(a, "220182"), county(b, "220182")
# the dump came without control totals; the unload's check files were read
assert [s["controls"] for s in ya["sources"]] == ["none"], ya["sources"]
assert [s["controls"] for s in yb["sources"]] == ["counts"], yb["sources"]
assert ya["sources"][0]["source"] != yb["sources"][0]["source"]
for k in ("funds", "bank", "findings", "schedules", "name", "pool"):
    assert ya[k] == yb[k], k
# real figures, not only equality: 榆树's two injected findings and its transfer
codes = sorted(f["code"] for f in yb["findings"])
assert codes == ["CONTRIB_LEDGER_MISMATCH", "DUPLICATE_RECORD"], codes
fa = sum(int(f["transfer"].replace(".", "")) for f in ya["funds"])
fb = sum(int(f["transfer"].replace(".", "")) for f in yb["funds"])
assert fa == fb and fa > 0, (fa, fb)
print("220182 transfer (fen):", fb, "findings:", codes)
for c in a["counties"]:
    if c["county"] != "220182":
        assert c == county(b, c["county"]), c["county"]
assert a["totals"] == b["totals"] and a["status"] == b["status"]
for k in ("format", "cutover", "mappings"):
    assert a[k] == b[k], k
# the inputs: the same batch files, differing digests only for 220182's
ia = {i["file"]: i["digest"] for i in a["inputs"]}
ib = {i["file"]: i["digest"] for i in b["inputs"]}
assert ia.keys() == ib.keys()
for f in ia:
    assert (ia[f] == ib[f]) != f.startswith("220182."), f
PY
# findings.csv: the same rows
if cmp -s "$tmp/a/work/reports/findings.csv" "$tmp/b/work/reports/findings.csv"; then ok; else
  bad "findings.csv differs"; diff "$tmp/a/work/reports/findings.csv" "$tmp/b/work/reports/findings.csv" | head; fi
# the answer key's figures for 榆树 hold for the unload's reconciliation
python3 - "$tmp/b/city/answer-key.json" "$tmp/b/work/reports/reconciliation.json" <<'PY' && ok || bad "not the answer key's figures"
import json, sys
k, r = (json.load(open(p)) for p in sys.argv[1:3])
kc = [c for c in k["counties"] if c["county"] == "220182"][0]
rc = [c for c in r["counties"] if c["county"] == "220182"][0]
kf = {f["fund"]: f for f in kc["funds"]}
for f in rc["funds"]:
    for col in ("transfer", "net_assets", "fund_balance"):
        if col in kf[f["fund"]] and col in f:
            assert f[col] == kf[f["fund"]][col], (f["fund"], col, f[col], kf[f["fund"]][col])
assert sorted(x["code"] for x in rc["findings"]) == sorted(x["code"] for x in kc["findings"])
PY

echo "legacy_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
