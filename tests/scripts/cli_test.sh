#!/usr/bin/env bash
# cli_test.sh TONGCHOU - the front end: --version, --help for every command,
# exit code 2 for usage errors, messages in the one style on stderr.
set -u
tc=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_test-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out err=$tmp/err
pass=0 fail=0
check() { # check NAME EXPECTED-STATUS COMMAND...
  local name=$1 want=$2; shift 2
  "$@" >$out 2>$err
  local got=$?
  if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: exit $got, wanted $want"; cat $err; fi
}
grep_err() { # grep_err NAME PATTERN
  if grep -q -- "$2" $err; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $1: stderr lacks '$2'"; cat $err; fi
}
grep_out() {
  if grep -q -- "$2" $out; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $1: stdout lacks '$2'"; cat $out; fi
}
truly() { # truly NAME COMMAND...: the command (a test) holds
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name: $*"; fi
}

check version 0 "$tc" --version;            grep_out version '^tongchou [0-9]'
check help 0 "$tc" --help;                  grep_out help 'generate'
check no-args 2 "$tc"
check unknown 2 "$tc" frobnicate;           grep_err unknown "^tongchou: error: 'frobnicate' is not a tongchou command"
for c in generate extract map mappings reconcile diff load db keygen audit run status archive purge demo batch; do
  check "help-$c" 0 "$tc" "$c" --help;      grep_out "help-$c" "^usage: tongchou $c "
  check "help2-$c" 0 "$tc" help "$c";       grep_out "help2-$c" "^usage: tongchou $c "
done
check gen-noargs 2 "$tc" generate;          grep_err gen-noargs '^tongchou: generate: error: name one output folder'
check gen-badn 2 "$tc" generate -n x /tmp/x; grep_err gen-badn "bad --records 'x'"
check gen-few 2 "$tc" generate -n 5 /tmp/x; grep_err gen-few 'at least 100 records'
check gen-cutover 2 "$tc" generate --cutover 2021-02-30x /tmp/x; grep_err gen-cutover "bad cutover"
check run-noargs 2 "$tc" run;               grep_err run-noargs '^tongchou: run: error: name one manifest'
check run-missing 2 "$tc" run /nonexistent.ini; grep_err run-missing 'cannot read manifest /nonexistent.ini'
check status-noargs 2 "$tc" status;         grep_err status-noargs 'name one manifest'
check demo-few 2 "$tc" demo -n 5 /tmp/x;    grep_err demo-few '100 records or more'
check man 0 "$tc" help --man;               grep_out man '^.TH TONGCHOU 1'
check completion 0 "$tc" help --bash-completion; grep_out completion 'complete -o filenames -F _tongchou tongchou'

# the completion offers every command; for each, every subcommand its usage
# line names (its lowercase words) until one is given, and every long option
# its --help names, each once
cp $out "$tmp/completion.bash"
. "$tmp/completion.bash"
offered() { # offered WORD...: what completing the last word offers, one a line
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
  _tongchou; printf '%s\n' "${COMPREPLY[@]}"
}
for c in $("$tc" --help | awk '/^commands:/ {on = 1; next} on && NF == 0 {exit} on {print $1}'); do
  offered tongchou "" | grep -qx "$c" && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL completion: no command $c"; }
  "$tc" "$c" --help >$out
  verbs=$(head -1 $out | tr ' |[]' '\n\n\n\n' | grep -x '[a-z][a-z-]*' | grep -vx "tongchou\|$c")
  for v in $verbs; do
    offered tongchou "$c" "" | grep -qx "$v" && pass=$((pass + 1)) ||
      { fail=$((fail + 1)); echo "FAIL completion: $c lacks its subcommand $v"; }
  done
  if [ -n "$verbs" ]; then   # one given: no other is offered
    v=$(echo $verbs | cut -d' ' -f1)
    offered tongchou "$c" "$v" "" | grep -qx "$(echo $verbs | awk '{print $NF}')" &&
      { fail=$((fail + 1)); echo "FAIL completion: $c $v offers another subcommand"; } || pass=$((pass + 1))
  fi
  offered tongchou "$c" -- >$err
  for o in $(grep -oE '(^|[ ([])--[a-z][a-z-]+' $out | sed 's/^.*--/--/' | sort -u); do
    grep -qx -- "$o" $err && pass=$((pass + 1)) ||
      { fail=$((fail + 1)); echo "FAIL completion: $c lacks $o"; }
  done
  [ -z "$(sort $err | uniq -d)" ] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL completion: $c offers twice: $(sort $err | uniq -d | tr '\n' ' ')"; }
done
offered tongchou help "" | grep -qx transfer && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL completion: help does not offer the commands"; }
check batch-verb 2 "$tc" batch frob x;      grep_err batch-verb "unknown verb 'frob'"
check batch-missing 3 "$tc" batch verify /nonexistent.tcb; grep_err batch-missing 'cannot open batch'
printf 'not a batch' > $tmp/x.tcb
check batch-bad 3 "$tc" batch verify $tmp/x.tcb; grep_err batch-bad 'not a tongchou batch'

# mappings check: the example set, and a broken copy of it
set_dir=$here/../../mappings/changchun
check map-ok 0 "$tc" mappings check "$set_dir";   grep_out map-ok '^digest sha256:'
grep_out map-ok '^rules fund *16$'
cp -r "$set_dir" "$tmp/set"
printf '220100,310,310,,,\r\n' >> "$tmp/set/fund.csv"
check map-bad 3 "$tc" mappings check "$tmp/set";  grep_err map-bad 'fund.csv:18: the rule for county 220100, source 310 overlaps the one at line 2'
check map-usage 2 "$tc" mappings frob x
# the city list as Excel saves it on Chinese Windows (GB18030): read, and
# said; the same list with a byte in neither encoding: refused where it is
cp -r "$set_dir" "$tmp/gbset"
iconv -f UTF-8 -t GB18030 "$set_dir/city/regions.csv" > "$tmp/gbset/city/regions.csv"
check map-gb18030 0 "$tc" mappings check "$tmp/gbset"; grep_out map-gb18030 '^encoding city/regions.csv GB18030$'
printf '220199,\xb9\xab\xff\r\n' >> "$tmp/gbset/city/regions.csv"
check map-badbyte 3 "$tc" mappings check "$tmp/gbset"
grep_err map-badbyte 'city/regions.csv:9:9: byte 0xFF is not GB18030, which the file is up to here'
grep_err map-badbyte 'save it as UTF-8'
check extract-noout 2 "$tc" extract x.xml;        grep_err extract-noout 'name the output folder with -o DIR'

# output folders are made as `mkdir -p` would, new ones mode 0700, and named
# without the trailing slash they were given: out/x.tcb, never out//x.tcb,
# on stdout and in the audit trail; a command refused makes no folder
check gen-parents 0 "$tc" generate -q -n 100 --xml-only --county 220113 "$tmp/g/h/"
truly gen-parents-made test -s "$tmp/g/h/sources/220113.xml.gz"
check keygen 0 "$tc" keygen -o "$tmp/k"
export TONGCHOU_KEY=$tmp/k.key TONGCHOU_AUDIT=$tmp/o.trail
check extract-mkdir 0 "$tc" extract -o "$tmp/o/a/b/" "$tmp/g/h/sources/220113.xml.gz"
grep_out extract-mkdir "^$tmp/o/a/b/220113.contribution.tcb$"
truly extract-mode-0700 test "$(stat -c %a "$tmp/o" "$tmp/o/a" "$tmp/o/a/b" | sort -u)" = 700
check map-mkdir 0 "$tc" map -m "$set_dir" -o "$tmp/o/city//" "$tmp"/o/a/b/*.tcb
grep_out map-mkdir "^$tmp/o/city/220113.contribution.tcb$"
check reconcile-mkdir 1 "$tc" reconcile -m "$set_dir" -o "$tmp/o/rec/x/" "$tmp"/o/city/*.tcb
grep_out reconcile-mkdir "^$tmp/o/rec/x/reconciliation.json$"
check diff-mkdir 0 "$tc" diff -o "$tmp/o/diff/" "$tmp/o/a/b" "$tmp/o/a/b"
grep_err diff-mkdir "wrote $tmp/o/diff/diff.json"
# the paths only: a signature's base64 may hold // by chance
truly no-double-slash-out test -z "$(grep -ohE "$tmp[^\" ]*" $out $err "$tmp/o.trail" | grep '//')"
mkdir "$tmp/there"
check extract-there 0 "$tc" extract -o "$tmp/there/" "$tmp/g/h/sources/220113.xml.gz"
truly extract-there-no-double-slash test -z "$(grep -ohE "$tmp[^\" ]*" $out $err "$tmp/o.trail" | grep '//')"
truly trail-args-trimmed grep -q "\"-o\",\"$tmp/o/city\"" "$tmp/o.trail"
check extract-badkey 4 env TONGCHOU_KEY="$tmp/nokey" "$tc" extract -o "$tmp/never/x" "$tmp/g/h/sources/220113.xml.gz"
truly extract-badkey-nothing test ! -e "$tmp/never"
check extract-in-the-way 3 "$tc" extract -o "$tmp/g/h/sources/220113.xml.gz/x" "$tmp/g/h/sources/220113.xml.gz"
grep_err extract-in-the-way "cannot create folder $tmp/g/h/sources/220113.xml.gz: a file of that name is in the way"
unset TONGCHOU_KEY TONGCHOU_AUDIT

# run --dry-run writes nothing, not even the work folder, whether it has
# work to show or refuses a source that is not there
cat >"$tmp/city.ini" <<EOF
[city]
code = 220100
cutover = 2021-06-30
mappings = $set_dir
work = work/
[keys]
maker = k.key
[county 220113]
source = g/h/sources/220113.xml.gz
EOF
check dry-run 0 "$tc" run --dry-run "$tmp/city.ini"
truly dry-run-writes-nothing test ! -e "$tmp/work"
grep_out dry-run "^220113 *extract *to do: 1 source(s) into $tmp/work/batches/220113$"
printf '[county 220112]\nsource = g/h/sources/220112.xml.gz\n' >>"$tmp/city.ini"
check dry-run-missing 3 "$tc" run --dry-run "$tmp/city.ini"
grep_err dry-run-missing "county 220112: cannot read its source $tmp/g/h/sources/220112.xml.gz"
truly dry-run-missing-writes-nothing test ! -e "$tmp/work"

# the private server through `tongchou db` and scripts/lib/pg.sh
check db-status-none 4 "$tc" db status "$tmp/nodb"; grep_out db-status-none '^stopped'
check db-badverb 2 "$tc" db frob "$tmp/nodb";        grep_err db-badverb "unknown action 'frob'"
check db-badport 2 "$tc" db start --port 70000 "$tmp/nodb"; grep_err db-badport "bad --port '70000'"
check db-port-start-only 2 "$tc" db status --port 5432 "$tmp/nodb"; grep_err db-port-start-only "--port goes with start only"
. "$here/../../scripts/lib/pg.sh"
if tc_pg_start "$tc"; then
  trap 'tc_pg_stop; rm -rf "$tmp"' EXIT   # pg.sh's trap took the place of ours
  pass=$((pass + 1))
  check db-psql 0 psql -X -A -t -c "SELECT 40 + 2"; grep_out db-psql '^42$'
  check db-status 0 "$tc" db status "$TC_PG_DIR";   grep_out db-status '^running host='
  check db-start-again 0 "$tc" db start "$TC_PG_DIR"
  check db-env 0 "$tc" db env "$TC_PG_DIR";          grep_out db-env "^PGHOST='.*'; PGPORT=$PGPORT; PGUSER=postgres"
  check db-stop 0 "$tc" db stop "$TC_PG_DIR"
  check db-status-stopped 4 "$tc" db status "$TC_PG_DIR"
  # --port: a stopped server moves to it, a running one on another is refused
  p=$((PGPORT < 60000 ? PGPORT + 1 : 20000))
  check db-port 0 "$tc" db start --fast --port $p "$TC_PG_DIR"; grep_out db-port "port='$p'"
  check db-port-running 2 "$tc" db start --port $PGPORT "$TC_PG_DIR"
  grep_err db-port-running "runs on port $p already, not $PGPORT (stop it first: tongchou db stop"
  check db-port-env 0 "$tc" db env "$TC_PG_DIR";     grep_out db-port-env "PGPORT=$p;"
  check db-port-psql 0 env PGPORT=$p psql -X -A -t -c "SELECT 40 + 2"; grep_out db-port-psql '^42$'
  check db-port-stop 0 "$tc" db stop "$TC_PG_DIR"
  # ... and a new one is made on it
  d=$(mktemp -d "${TMPDIR:-/tmp}/cli_test-pg-XXXXXX") && chmod 755 "$d"
  check db-port-new 0 "$tc" db start --fast --port $((p + 1)) "$d/pg"; grep_out db-port-new "port='$((p + 1))'"
  check db-port-new-env 0 "$tc" db env "$d/pg";     grep_out db-port-new-env "PGPORT=$((p + 1));"
  check db-port-new-stop 0 "$tc" db stop "$d/pg"
  rm -rf "$d"
  tc_pg_stop
else
  fail=$((fail + 1)); echo "FAIL tc_pg_start"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
