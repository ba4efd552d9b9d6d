#!/usr/bin/env bash
# readme_audit_test.sh TONGCHOU SRCDIR - the README's auditor examples run
# as written.
#
# Runs `tongchou demo` into demo/ of a fresh folder (as scripts/demo does
# from the repository), then every command line of the README's block
# under "How an auditor verifies a handover offline", word for word, with
# `tongchou` meaning the program under test; each must exit 0.  Then the
# checks must fail where an auditor relies on them: the trail with one
# entry changed.  Then the command examples of docs/documents.md
# ("Signing"), docs/transfer.md and docs/policy.md, as written.
set -u
tc=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/tongchou-readme-XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export tc   # run_lines' shells define tongchou() over it

"$tc" demo -n 300 demo >demo.out 2>&1 || { echo "FAIL demo"; tail -20 demo.out; exit 1; }

# the block: from the heading to the end of its first ```sh fence
awk '/^## How an auditor verifies a handover offline/ {on = 1; next}
     on && /^```sh/ {inside = 1; next}
     inside && /^```/ {exit}
     inside' "$src/README.md" | sed 's/[[:space:]]*#.*$//' | grep '^tongchou ' >lines
n=$(wc -l <lines)
[ "$n" -ge 5 ] || { echo "FAIL: only $n command lines found in the README's auditor block"; exit 1; }
pass=0 fail=0
# Run each line of FILE as written, `tongchou` being the program under test.
run_lines() {
  local line
  while IFS= read -r line; do
    if bash -c "tongchou() { \"\$tc\" \"\$@\"; }; $line" >out 2>err; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "FAIL (exit $?): $line"
      cat err
    fi
  done <"$1"
}
run_lines lines

# what they guard: one changed byte of an entry fails verification (5)
trail=demo/work/audit.trail
cp "$trail" saved.trail
sed -i '3s/"seq":3/"seq":3 /' "$trail"
"$tc" audit verify --trail "$trail" --policy demo/keys/policy.ini >/dev/null 2>err
rc=$?
cp saved.trail "$trail"
if [ $rc -eq 5 ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: an edited entry: exit $rc, wanted 5"; cat err; fi

# The examples of docs/transfer.md ("Verify, offline") and docs/policy.md
# ("Which policy is in force"), as written, in a folder laid out with the
# names they use: the demo's files under those names.
mkdir docs && cd docs || exit 1
ln -s ../demo/work/transfer/plan.json plan.json
ln -s ../demo/work/reports rec
ln -s ../demo/keys keys
cp ../demo/work/audit.trail audit.trail
cp ../demo/keys/policy.ini CURRENT.ini
cp ../demo/keys/checker.key checker.key
chmod 600 checker.key
"$tc" policy make -o NEW.ini --maker keys/maker.pub --checker keys/checker.pub \
  --waiver keys/auditor.pub --witness keys/witness.pub --require waive=2 2>/dev/null
export TONGCHOU_AUDIT=audit.trail
# docs/documents.md ("Signing"): its sh block, on the demo's trail without
# its last entry (county 220122's 审计局 has not signed), each line with the
# exit its comment gives
ln -s ../demo/work/documents documents
head -n -1 ../demo/work/audit.trail >audit.trail
awk '/^## Signing/ {on = 1} on && /^```sh/ {inside = 1; next} inside && /^```/ {exit}
     inside' "$src/docs/documents.md" >doclines
[ "$(grep -c '^tongchou ' doclines)" -ge 5 ] ||
  { echo "FAIL: docs/documents.md's signing examples were not found"; fail=$((fail + 1)); }
while IFS= read -r line; do
  want=0
  if [[ $line =~ \#[[:space:]]*exit[[:space:]]+([0-9]+) ]]; then want=${BASH_REMATCH[1]}; fi
  bash -c "tongchou() { \"\$tc\" \"\$@\"; }; $line" >out 2>err
  got=$?
  if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL (exit $got, wanted $want): $line"; cat err; fi
done <doclines
for doc in transfer policy; do
  grep -E '^ *tongchou (transfer verify|policy adopt) ' "$src/docs/$doc.md" | sed 's/^ *//'
done >lines
[ "$(wc -l <lines)" -eq 2 ] || { echo "FAIL: the docs' examples were not found"; fail=$((fail + 1)); }
run_lines lines
# the adoption is in the trail: the first use's entry and the change's
grep -c '"command":"policy"' audit.trail | grep -qx 2 && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: the trail does not hold two policy entries"; }
cd ..

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
