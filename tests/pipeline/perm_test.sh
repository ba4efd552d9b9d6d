#!/usr/bin/env bash
# perm_test.sh TONGCHOU - personal data is its owner's alone (issue 23):
#   - after `tongchou demo` and after `tongchou run`, under a umask of 022,
#     no file or folder the toolkit wrote lets group or others in: every
#     path under the demo's folder is walked and its mode checked;
#   - with [security] group = G in the manifest, files are 0640 and folders
#     0750, given to G, and nothing lets others in;
#   - `tongchou --group G` and $TONGCHOU_GROUP do the same for one command;
#     a group that does not exist, or that we are not in, is refused (exit 2)
#     before anything is written;
#   - a source or an output folder that others can read gets a warning
#     naming it.
set -u
tc=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tc-perm-test-XXXXXX")
chmod 755 "$tmp"   # the embedded servers run as 'postgres' when we are root
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
cleanup() {
  "$tc" db stop "$tmp/d/work/db" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
umask 022
group=$(id -gn)

# open PATH... - the paths under the folders named whose mode lets group or
# others read, write or enter; exit 0 when there are none
open_paths() { find "$@" -perm /077 -printf '%m %p\n' | sed 's/^/  /'; }

"$tc" demo -n 600 "$tmp/d" >"$tmp/demo.out" 2>"$tmp/demo.err"
rc=$?
[ $rc -eq 0 ] && ok || { bad "demo: exit $rc"; cat "$tmp/demo.err"; exit 1; }
n=$(find "$tmp/d" | wc -l)
[ "$n" -gt 150 ] && ok || bad "demo wrote only $n paths"
o=$(open_paths "$tmp/d")
[ -z "$o" ] && ok || bad "after demo, these let group or others in:"$'\n'"$o"
# the files that hold identity numbers are among those walked
for f in work/batches/220100/220100.account.tcb work/batches/220100/220100.contribution.tcb \
         work/city/220100/220100.contribution.tcb work/reports/reconciliation.json \
         work/audit.trail city/sources/220100.xml; do
  [ "$(stat -c %a "$tmp/d/$f" 2>/dev/null)" = 600 ] && ok ||
    bad "$f: mode $(stat -c %a "$tmp/d/$f" 2>&1), wanted 600"
done
for d in "" work work/batches work/batches/220100 work/reports keys; do
  [ "$(stat -c %a "$tmp/d/$d")" = 700 ] && ok || bad "folder $d: mode $(stat -c %a "$tmp/d/$d")"
done
grep -q "can be read by" "$tmp/demo.err" && bad "demo warned: $(grep 'can be read' "$tmp/demo.err")" || ok

# run, from nothing: the work folder made again
"$tc" db stop "$tmp/d/work/db" >/dev/null 2>&1
rm -rf "$tmp/d/work"
"$tc" run -q "$tmp/d/city.ini" >/dev/null 2>"$tmp/run.err"
rc=$?
[ $rc -le 1 ] && ok || { bad "run: exit $rc"; cat "$tmp/run.err"; }
o=$(open_paths "$tmp/d/work")
[ -z "$o" ] && ok || bad "after run, these let group or others in:"$'\n'"$o"
[ "$(find "$tmp/d/work" -type f | wc -l)" -gt 80 ] && ok || bad "run wrote few files"

# shared with a group: 0640 and 0750, given to it, never to others
"$tc" db stop "$tmp/d/work/db" >/dev/null 2>&1
rm -rf "$tmp/d/work"
printf '\n[security]\ngroup = %s\n' "$group" >>"$tmp/d/city.ini"
"$tc" run -q "$tmp/d/city.ini" >/dev/null 2>"$tmp/run.err"
rc=$?
[ $rc -le 1 ] && ok || { bad "run, shared: exit $rc"; cat "$tmp/run.err"; }
o=$(find "$tmp/d/work" -perm /007 -printf '%m %p\n')
[ -z "$o" ] && ok || bad "shared run: these let others in:"$'\n'"$o"
for f in work/batches/220100/220100.contribution.tcb work/reports/reconciliation.json \
         work/audit.trail; do
  [ "$(stat -c '%a %G' "$tmp/d/$f")" = "640 $group" ] && ok ||
    bad "shared: $f is $(stat -c '%a %G' "$tmp/d/$f"), wanted 640 $group"
done
[ "$(stat -c %a "$tmp/d/work/batches/220100")" = 750 ] && ok ||
  bad "shared: folder mode $(stat -c %a "$tmp/d/work/batches/220100"), wanted 750"
# a group the manifest names that is not there: refused, nothing written
"$tc" db stop "$tmp/d/work/db" >/dev/null 2>&1
rm -rf "$tmp/d/work"
sed -i 's/^group = .*/group = no-such-group-tc/' "$tmp/d/city.ini"
"$tc" run -q "$tmp/d/city.ini" >/dev/null 2>"$tmp/run.err"
rc=$?
[ $rc -eq 2 ] && ok || bad "run, unknown group: exit $rc, wanted 2"
grep -q "no group 'no-such-group-tc'" "$tmp/run.err" && ok || { bad "unknown group: message"; cat "$tmp/run.err"; }
[ ! -e "$tmp/d/work" ] && ok || bad "run, unknown group, wrote $tmp/d/work"

# one command: --group and $TONGCHOU_GROUP
src="$tmp/d/city/sources/220100.xml"
"$tc" --group "$group" extract -q -o "$tmp/x1" "$src" >/dev/null 2>"$tmp/x.err" && ok ||
  { bad "extract --group"; cat "$tmp/x.err"; }
[ "$(stat -c '%a %G' "$tmp/x1/220100.contribution.tcb")" = "640 $group" ] && ok ||
  bad "extract --group: $(stat -c '%a %G' "$tmp/x1/220100.contribution.tcb")"
[ "$(stat -c %a "$tmp/x1")" = 750 ] && ok || bad "extract --group: folder $(stat -c %a "$tmp/x1")"
TONGCHOU_GROUP="$group" "$tc" extract -q -o "$tmp/x2" "$src" >/dev/null 2>&1 && ok || bad "TONGCHOU_GROUP"
[ "$(stat -c '%a' "$tmp/x2/220100.account.tcb")" = 640 ] && ok || bad "TONGCHOU_GROUP: mode"
TONGCHOU_GROUP=no-such-group-tc "$tc" extract -q -o "$tmp/x3" "$src" >/dev/null 2>"$tmp/x.err"
rc=$?
[ $rc -eq 2 ] && ok || bad "unknown TONGCHOU_GROUP: exit $rc"
[ ! -e "$tmp/x3" ] && ok || bad "unknown TONGCHOU_GROUP wrote $tmp/x3"
"$tc" --group 2>"$tmp/x.err"
[ $? -eq 2 ] && ok || bad "--group without a name"
# the default stays owner-only, whatever the umask
"$tc" extract -q -o "$tmp/x4" "$src" >/dev/null 2>&1
[ "$(stat -c %a "$tmp/x4/220100.personal_account.tcb")" = 600 ] && ok || bad "default mode"

# warnings: a source others can read, an output folder others can enter
cp "$src" "$tmp/open.xml"
chmod 644 "$tmp/open.xml"
mkdir -m 755 "$tmp/x5"
"$tc" extract -o "$tmp/x5" "$tmp/open.xml" >/dev/null 2>"$tmp/x.err" && ok || bad "extract open source"
grep -q "the source $tmp/open.xml can be read by every account on this machine (mode 0644)" \
  "$tmp/x.err" && ok || { bad "no warning for the source"; cat "$tmp/x.err"; }
grep -q "the output folder $tmp/x5 can be read by every account on this machine (mode 0755).*chmod go-rwx $tmp/x5" \
  "$tmp/x.err" && ok || { bad "no warning for the output folder"; cat "$tmp/x.err"; }
chmod 640 "$tmp/open.xml"
"$tc" extract -o "$tmp/x6" "$tmp/open.xml" >/dev/null 2>"$tmp/x.err"
grep -q "the source $tmp/open.xml can be read by its group (mode 0640)" "$tmp/x.err" && ok ||
  { bad "no warning for a group-readable source"; cat "$tmp/x.err"; }
# ... but not when the group is the one shared with
"$tc" --group "$group" extract -o "$tmp/x7" "$tmp/open.xml" >/dev/null 2>"$tmp/x.err"
grep -q "can be read" "$tmp/x.err" && bad "warned of the shared group: $(cat "$tmp/x.err")" || ok

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
