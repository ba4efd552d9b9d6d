#!/usr/bin/env bash
# purge_test.sh TONGCHOU - retention (issue 23): `tongchou archive` and
# `tongchou purge` on the example city of `tongchou demo -n 600`:
#
#   - a county whose transfer is held (blocking findings) is neither
#     archived nor purged (exit 3, nothing written), and no county is
#     purged before it is archived;
#   - the archive is a ustar file tar reads, mode 0600, the same bytes
#     twice, its members byte-identical to the county's files, and one
#     signed "archive" entry lists every one of them with its digest;
#   - adversaries: a batch edited after archiving, the archive deleted or
#     altered, a file added to WORK/city/C, an "archive" line appended by
#     hand (unsigned, or signed by a key the policy does not hold): each
#     refuses the whole purge, naming why, removing nothing;
#   - --dry-run lists the files with their digests and writes nothing;
#   - purge removes exactly the county's work folders (not its sources,
#     not another county's files), records every file with its digest
#     first, and the trail still verifies, the purged files given to
#     `audit verify` too; a file removed without a purge entry is still a
#     problem; purging again has nothing to do; status says "purged";
#     archiving again after the purge is refused; the files put back from
#     the archive make `audit verify --rerun` hold again;
#   - superseded: in a second county, a file a signed step wrote and a
#     later one overwrote, put back as it was, may go; one no step recorded
#     may not.
# KEEP=1 keeps the test's folder.
set -u
tc=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tc-purge-test-XXXXXX")
chmod 755 "$tmp"   # the embedded server runs as 'postgres' when we are root
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
cleanup() {
  "$tc" db stop "$tmp/d/work/db" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
unset TONGCHOU_AUDIT TONGCHOU_KEY TONGCHOU_POLICY DATABASE_URL PGHOST PGPORT PGUSER PGDATABASE PGSERVICE

"$tc" demo -n 600 "$tmp/d" >"$tmp/demo.out" 2>"$tmp/demo.err"
rc=$?
[ $rc -eq 0 ] && ok || { bad "demo: exit $rc"; cat "$tmp/demo.err"; exit 1; }
m=$tmp/d/city.ini W=$tmp/d/work T=$tmp/d/work/audit.trail P=$tmp/d/keys/policy.ini
# a county whose money moved, and one held: from the demo's summary
C=$(awk '$1 ~ /^22[0-9][0-9][0-9][0-9]$/ && $3 ~ /^[0-9]+\.[0-9][0-9]$/ {print $1; exit}' "$tmp/demo.out")
H=$(awk '$1 ~ /^22[0-9][0-9][0-9][0-9]$/ && $3 == "held" {print $1; exit}' "$tmp/demo.out")
[ -n "$C" ] && [ -n "$H" ] && ok || { bad "no executed and held county in: $(cat "$tmp/demo.out")"; exit 1; }
lines() { wc -l <"$T"; }
files_of() { find "$W/batches/$1" "$W/city/$1" -type f 2>/dev/null | wc -l; }
nbatch=$(files_of "$C")
[ "$nbatch" -eq 20 ] && ok || bad "county $C has $nbatch work files, wanted 10 batches and 10 city batches"
src=$(sed -n "/^\[county $C\]/,/^\[/s/^source = //p" "$m")
[ -f "$tmp/d/$src" ] && ok || bad "source of $C: '$src'"

# ---------------------------------------------------- not complete, not archived
n0=$(lines)
"$tc" archive --county "$H" "$m" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] && ok || bad "archive of held $H: exit $rc, wanted 3"
grep -q "county $H: its handover is not complete: the plan .* holds it (blocking findings not waived)" "$tmp/err" &&
  ok || { bad "archive of held $H: message"; cat "$tmp/err"; }
[ ! -e "$W/archive/$H.tar" ] && [ "$(lines)" -eq "$n0" ] && ok || bad "archive of held $H wrote something"
"$tc" purge --county "$H" "$m" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] && [ "$(files_of "$H")" -eq 20 ] && [ "$(lines)" -eq "$n0" ] && ok ||
  bad "purge of held $H: exit $rc, $(files_of "$H") files left, wanted 3 and 20"
grep -q "its handover is not complete" "$tmp/err" && ok || { bad "purge of held $H: message"; cat "$tmp/err"; }
"$tc" purge --county "$C" "$m" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] && [ "$(files_of "$C")" -eq 20 ] && [ "$(lines)" -eq "$n0" ] && ok ||
  bad "purge before archive: exit $rc, $(files_of "$C") files left"
[ "$(grep -c ": no archive entry of the trail lists it$" "$tmp/err")" -eq 20 ] && ok ||
  { bad "purge before archive: not every file named"; cat "$tmp/err"; }
grep -q "county $C: 20 of its 20 work files are neither archived nor superseded" "$tmp/err" && ok ||
  { bad "purge before archive: summary"; cat "$tmp/err"; }
"$tc" purge --county 229999 "$m" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok || bad "purge of a county not in the manifest: exit $rc, wanted 2"

# ---------------------------------------------------------------- the archive
n0=$(lines)
"$tc" archive --county "$C" -o "$W/city/$C/in/x.tar" "$m" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "would be inside $W/city/$C, which purge removes" "$tmp/err" &&
  [ ! -e "$W/city/$C/in" ] && [ "$(lines)" -eq "$n0" ] && ok || { bad "archive into the county's folder: exit $rc"; cat "$tmp/err"; }
mkdir "$tmp/saved"
(cd "$tmp/d" && find "work/batches/$C" "work/city/$C" -type f | sort) >"$tmp/members"
(cd "$tmp/d" && cp --parents $(cat "$tmp/members") "$src" "$tmp/saved/")
"$tc" archive --county "$C" "$m" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] && ok || { bad "archive $C: exit $rc"; cat "$tmp/err"; }
A=$W/archive/$C.tar
ad="sha256:$(sha256sum "$A" | cut -d' ' -f1)"
[ "$(cat "$tmp/out")" = "$A $ad" ] && ok || bad "archive stdout: '$(cat "$tmp/out")', wanted '$A $ad'"
[ "$(stat -c %a "$A")" = 600 ] && ok || bad "archive mode $(stat -c %a "$A")"
[ "$(lines)" -eq $((n0 + 1)) ] && ok || bad "archive appended $(($(lines) - n0)) entries"
# sources 1, batches 20, the plan, reconciliation.json and its 4 sibling reports
tail -1 "$T" >"$tmp/entry"
python3 - "$tmp/entry" "$C" "$A" "$ad" <<'EOF' && ok || bad "the archive entry"
import json, sys
e = json.loads(open(sys.argv[1]).read())
assert e["command"] == "archive" and e["role"] == "maker", e["command"]
assert e["records"] == {"county": sys.argv[2], "files": 27, "not_archived": 0}, e["records"]
assert len(e["inputs"]) == 27 and all(i["digest"].startswith("sha256:") for i in e["inputs"])
assert e["outputs"] == [{"file": sys.argv[3], "digest": sys.argv[4]}], e["outputs"]
EOF
tar -tf "$A" >"$tmp/list" 2>"$tmp/err" && ok || { bad "tar -tf"; cat "$tmp/err"; }
[ "$(grep -vc '/$' "$tmp/list")" -eq 27 ] && ok || bad "tar lists $(grep -vc '/$' "$tmp/list") files, wanted 27"
for f in $(cat "$tmp/members") "$src" work/transfer/plan.json work/reports/reconciliation.json; do
  grep -qx "$f" "$tmp/list" || bad "the archive does not list $f"
done
same=0
while read -r f; do
  tar -xOf "$A" "$f" | cmp -s - "$tmp/d/$f" && same=$((same + 1)) || bad "member $f differs"
done <"$tmp/members"
[ $same -eq 20 ] && ok || bad "$same of 20 members byte-identical"
tar -tvf "$A" | awk '{print $1, $2}' | LC_ALL=C sort -u >"$tmp/modes"
[ "$(cat "$tmp/modes")" = "$(printf -- '-rw------- 0/0\ndrwx------ 0/0')" ] && ok ||
  bad "member modes and owners: $(cat "$tmp/modes")"
# the same files, the same bytes
"$tc" archive -q --county "$C" -o "$tmp/again.tar" "$m" >/dev/null 2>"$tmp/err" && ok || { bad "archive again"; cat "$tmp/err"; }
cmp -s "$A" "$tmp/again.tar" && ok || bad "archiving twice gave different bytes"
rm -f "$tmp/again.tar"   # its entry proves nothing now

# ------------------------------------------------------------------ adversaries
n1=$(lines)
refused() {   # refused WHAT CODE PATTERN - purge refuses, names why, removes nothing
  "$tc" purge --county "$C" "$m" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  [ $rc -eq "$2" ] && ok || bad "$1: exit $rc, wanted $2"
  grep -q -- "$3" "$tmp/err" && ok || { bad "$1: no '$3' in:"; cat "$tmp/err"; }
  [ "$(files_of "$C")" -eq 20 ] && [ ! -s "$tmp/out" ] && ok || bad "$1: removed something"
}
b=work/batches/$C/$C.contribution.tcb
printf 'x' >>"$tmp/d/$b"
refused "a batch edited after archiving" 3 "$W/batches/$C/$C.contribution.tcb: changed since it was archived"
[ "$(lines)" -eq "$n1" ] && ok || bad "the refused purge wrote to the trail"
cp "$tmp/saved/$b" "$tmp/d/$b"
mv "$A" "$tmp/moved.tar"
refused "the archive deleted" 3 "its archive $A (entry [0-9]*) is not there"
cp "$tmp/moved.tar" "$A"
printf 'X' | dd of="$A" bs=1 seek=5000 conv=notrunc 2>/dev/null
refused "the archive altered" 3 "its archive $A is no longer the one entry [0-9]* recorded"
cp "$tmp/moved.tar" "$A"
cp "$tmp/d/work/city/$C/$C.account.tcb" "$W/city/$C/$C.extra.tcb"
"$tc" purge --county "$C" "$m" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] && grep -q "$W/city/$C/$C.extra.tcb: no archive entry of the trail lists it" "$tmp/err" &&
  [ "$(find "$W/city/$C" -type f | wc -l)" -eq 11 ] && ok ||
  { bad "a file added after archiving: exit $rc"; cat "$tmp/err"; }
rm "$W/city/$C/$C.extra.tcb"
# a forged archive entry: the edited batch's digest, appended by hand
cp "$T" "$tmp/trail.good"
printf 'y' >>"$tmp/d/$b"
"$tc" keygen -o "$tmp/rogue" >"$tmp/rogue.id" 2>/dev/null || bad "keygen rogue"
forge() {   # forge sign|nosign: append the archive entry, re-aimed at the edited batch
  python3 - "$T" "$tmp/d/$b" "$1" "$tmp/rogue.key" "$(cat "$tmp/rogue.id")" <<'EOF'
import base64, hashlib, json, re, subprocess, sys, tempfile
trail, batch, how, key, keyid = sys.argv[1:]
lines = open(trail, "rb").read().split(b"\n")[:-1]
arch = [l for l in lines if b'"command":"archive"' in l][0].decode()
e = json.loads(arch)
new = "sha256:" + hashlib.sha256(open(batch, "rb").read()).hexdigest()
old = [i["digest"] for i in e["inputs"] if i["file"].endswith(batch.split("/work/")[1])][0]
line = arch.replace(old, new)
line = re.sub(r'"seq":\d+', '"seq":%d' % (len(lines) + 1), line)
line = re.sub(r'"prev":"[0-9a-f]+"', '"prev":"%s"' % hashlib.sha256(b"\0" + lines[-1]).hexdigest(), line)
if how == "sign":
    line = re.sub(r'"key":"[^"]+"', '"key":"%s"' % keyid, line)
    body = re.sub(r'"sig":"[^"]*",', "", line)
    msg = b"tongchou-signature/1\naudit-entry\nmaker\n" + body.encode()
    with tempfile.NamedTemporaryFile() as f:
        f.write(msg); f.flush()
        sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", f.name],
                             check=True, capture_output=True).stdout
    line = re.sub(r'"sig":"[^"]*"', '"sig":"%s"' % base64.b64encode(sig).decode(), line)
open(trail, "ab").write(line.encode() + b"\n")
EOF
}
for how in nosign sign; do
  cp "$tmp/trail.good" "$T"
  forge $how || bad "forging ($how)"
  "$tc" audit verify --trail "$T" --policy "$P" >/dev/null 2>"$tmp/err"; rc=$?
  [ $rc -eq 5 ] && ok || bad "audit verify of a forged ($how) archive entry: exit $rc, wanted 5"
  if [ $how = sign ]; then
    grep -q "signed by $(cat "$tmp/rogue.id"), a key the policy .* does not list" "$tmp/err" && ok ||
      { bad "verify does not name the foreign key"; cat "$tmp/err"; }
  else
    grep -q "the signature by .* does not verify" "$tmp/err" && ok || { bad "verify: unsigned"; cat "$tmp/err"; }
  fi
  refused "a forged ($how) archive entry" 5 "purge trusts the trail only when it verifies under the policy"
done
cp "$tmp/trail.good" "$T"
cp "$tmp/saved/$b" "$tmp/d/$b"
"$tc" audit verify --trail "$T" --policy "$P" >/dev/null 2>&1 && ok || bad "the trail, restored, does not verify"

# ------------------------------------------------------------------ dry run
"$tc" purge --dry-run --county "$C" "$m" >"$tmp/dry" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <"$tmp/dry")" -eq 20 ] && ok || { bad "dry run: exit $rc, $(wc -l <"$tmp/dry") lines"; cat "$tmp/err"; }
bad_lines=0
while read -r f d; do
  [ "$d" = "sha256:$(sha256sum "$f" | cut -d' ' -f1)" ] || bad_lines=$((bad_lines + 1))
done <"$tmp/dry"
[ $bad_lines -eq 0 ] && ok || bad "dry run: $bad_lines lines whose digest is not the file's"
[ "$(files_of "$C")" -eq 20 ] && [ "$(lines)" -eq "$n1" ] && ok || bad "the dry run wrote something"

# ------------------------------------------------------------------ the purge
"$tc" purge --county "$C" "$m" >"$tmp/purged" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] && ok || { bad "purge: exit $rc"; cat "$tmp/err"; }
cmp -s "$tmp/dry" "$tmp/purged" && ok || bad "purge listed other files than its dry run"
[ ! -e "$W/batches/$C" ] && [ ! -e "$W/city/$C" ] && ok || bad "the county's folders are still there"
[ -f "$tmp/d/$src" ] && [ -f "$A" ] && [ -f "$W/transfer/plan.json" ] && [ -f "$W/reports/reconciliation.json" ] &&
  ok || bad "purge removed a source, the archive, the plan or the city's reports"
[ "$(files_of "$H")" -eq 20 ] && ok || bad "purge touched county $H"
[ "$(lines)" -eq $((n1 + 1)) ] && ok || bad "purge appended $(($(lines) - n1)) entries"
tail -1 "$T" >"$tmp/entry"
python3 - "$tmp/entry" "$C" "$tmp/purged" <<'EOF' && ok || bad "the purge entry"
import json, sys
e = json.loads(open(sys.argv[1]).read())
assert e["command"] == "purge" and e["outputs"] == [], e["command"]
assert e["records"] == {"archived": 20, "county": sys.argv[2], "files": 20, "superseded": 0}, e["records"]
listed = sorted("%s %s" % (i["file"], i["digest"]) for i in e["inputs"])
assert listed == sorted(open(sys.argv[3]).read().split("\n")[:-1]), listed[:2]
EOF
# the archive gives back the very bytes that were removed
mkdir "$tmp/x"
tar -xf "$A" -C "$tmp/x" && ok || bad "tar -xf"
same=0
for f in $(cat "$tmp/members") "$src"; do
  cmp -s "$tmp/saved/$f" "$tmp/x/$f" && same=$((same + 1)) || bad "extracted $f differs from the removed file"
done
[ $same -eq 21 ] && ok || bad "$same of 21 removed files and source given back byte for byte"
# the trail still proves what they were
"$tc" audit verify --trail "$T" --policy "$P" >/dev/null 2>"$tmp/err" && ok || { bad "audit verify after purge"; cat "$tmp/err"; }
"$tc" audit verify --trail "$T" --policy "$P" "$W/city/$C/$C.contribution.tcb" "$W/batches/$C/$C.account.tcb" \
  "$W/reports/reconciliation.json" >/dev/null 2>"$tmp/err" && ok || { bad "audit verify of purged files"; cat "$tmp/err"; }
grep -q "2 of the files given are gone as a purge entry of the trail says" "$tmp/err" && ok ||
  { bad "audit verify does not say the files were purged"; cat "$tmp/err"; }
# ... but a file removed without a purge entry is still a problem
o=$W/city/$H/$H.contribution.tcb
mv "$o" "$tmp/o.tcb"
"$tc" audit verify --trail "$T" --policy "$P" "$o" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 5 ] && grep -q "cannot check the file against entry" "$tmp/err" && ok ||
  { bad "a file removed by hand: exit $rc"; cat "$tmp/err"; }
mv "$tmp/o.tcb" "$o"
# again: nothing to do
"$tc" purge --county "$C" "$m" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/out" ] && [ "$(lines)" -eq $((n1 + 1)) ] && ok || bad "purge again: exit $rc"
grep -q "county $C: nothing to purge: its work files went with entry $((n1 + 1))" "$tmp/err" && ok ||
  { bad "purge again: message"; cat "$tmp/err"; }
# status: purged
"$tc" status "$m" >"$tmp/status" 2>/dev/null
[ "$(awk -v c="$C" '$1 == c {print $8}' "$tmp/status")" = purged ] &&
  [ "$(awk -v c="$H" '$1 == c {print $8}' "$tmp/status")" = - ] && ok || { bad "status kept column"; cat "$tmp/status"; }
# archiving after the purge would keep less: refused, the archive kept
"$tc" archive --county "$C" "$m" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] && grep -q "nothing to archive" "$tmp/err" && [ "sha256:$(sha256sum "$A" | cut -d' ' -f1)" = "$ad" ] &&
  ok || { bad "archive after purge: exit $rc"; cat "$tmp/err"; }
# re-running the reconciliation needs the files: named, then put back from the archive
"$tc" audit verify --trail "$T" --policy "$P" --rerun >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 5 ] && grep -q "the input was purged by entry $((n1 + 1))" "$tmp/err" && ok ||
  { bad "--rerun after purge: exit $rc"; cat "$tmp/err"; }
(cd "$tmp/d" && tar -xf "$A" "work/batches/$C" "work/city/$C") && ok || bad "tar -xf in the manifest's folder"
"$tc" audit verify --trail "$T" --policy "$P" --rerun >/dev/null 2>"$tmp/err" && ok ||
  { bad "--rerun with the files put back"; cat "$tmp/err"; }

# ------------------------------------------------------------------ superseded
# In the other county whose money moved: archived, then a step run by hand
# (signed, TONGCHOU_KEY) writes X.tcb into its folder, a later one other
# bytes under the same name, and the first bytes are put back: that file
# is superseded - the trail recorded those bytes and their replacement -
# while a file whose bytes no step recorded still refuses the purge.
C2=$(awk '$1 ~ /^22[0-9][0-9][0-9][0-9]$/ && $3 ~ /^[0-9]+\.[0-9][0-9]$/ {print $1}' "$tmp/demo.out" | sed -n 2p)
[ -n "$C2" ] && [ "$C2" != "$C" ] && ok || bad "no second executed county"
"$tc" archive -q --county "$C2" "$m" >/dev/null 2>&1 && ok || bad "archive $C2"
"$tc" generate -q --xml-only -n 300 --county "$C" "$tmp/one" >/dev/null 2>&1 &&
  "$tc" generate -q --xml-only -n 300 --county "$C" --correct "$C=123.45" "$tmp/two" >/dev/null 2>&1 &&
  ok || bad "generate two exports of $C"
x=$(cd "$tmp/one/sources" && ls)
(export TONGCHOU_KEY=$tmp/d/keys/maker.key TONGCHOU_AUDIT=$T
 "$tc" extract -q -o "$W/batches/$C2" "$tmp/one/sources/$x" && cp "$W/batches/$C2/$C.balance.tcb" "$tmp/first.tcb" &&
 "$tc" extract -q -o "$W/batches/$C2" "$tmp/two/sources/$x") >/dev/null 2>"$tmp/err" && ok || { bad "extract by hand"; cat "$tmp/err"; }
cmp -s "$tmp/first.tcb" "$W/batches/$C2/$C.balance.tcb" && bad "the corrected export wrote the same balance batch" || ok
"$tc" purge --dry-run --county "$C2" "$m" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] && [ "$(grep -c ": no archive entry of the trail lists it$" "$tmp/err")" -eq 10 ] && ok ||
  { bad "$C2 with 10 unproven batches: exit $rc"; cat "$tmp/err"; }
find "$W/batches/$C2" -name "$C.*" -delete
cp "$tmp/first.tcb" "$W/batches/$C2/$C.balance.tcb"
"$tc" purge --county "$C2" "$m" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 21 ] && [ ! -e "$W/batches/$C2" ] && ok ||
  { bad "purge of $C2 with a superseded file: exit $rc"; cat "$tmp/err"; }
grep -q "county $C2: 21 files removed (20 archived, 1 superseded)" "$tmp/err" && ok || { bad "superseded count"; cat "$tmp/err"; }
tail -1 "$T" | grep -q '"records":{"archived":20,"county":"'"$C2"'","files":21,"superseded":1}' && ok ||
  bad "the purge entry of $C2: $(tail -1 "$T" | grep -o '"records":{[^}]*}')"
"$tc" audit verify --trail "$T" --policy "$P" >/dev/null 2>"$tmp/err" && ok || { bad "audit verify at the end"; cat "$tmp/err"; }

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
