#!/usr/bin/env bash
# xsd_test.sh SCHEMA FIXTURE_DIR - the handover schema against its fixtures.
#
# The schema must be well-formed XML.  Every FIXTURE_DIR/valid/*.xml must
# validate.  Every FIXTURE_DIR/invalid/*.xml must fail schema validation
# (xmllint exit status 3: not a parse error, not a schema that does not
# compile) and xmllint's stderr must contain, as a fixed string, the text
# the fixture gives in its first "<!-- expect: TEXT -->" comment.
#
# Each fixture is checked twice: as a tree (xmllint --schema) and as a
# stream (xmllint --stream --schema, the xmlTextReader validation that the
# schema's users run on large exports).  One line per fixture and mode, then
# "N passed, M failed"; exit status 1 when anything failed, 2 on bad usage.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 SCHEMA FIXTURE_DIR" >&2
    exit 2
fi
schema=$1 dir=$2
if ! command -v xmllint >/dev/null 2>&1; then
    echo "xmllint not found (apt-get install libxml2-utils)" >&2
    exit 2
fi
if [ ! -r "$schema" ] || [ ! -d "$dir/valid" ] || [ ! -d "$dir/invalid" ]; then
    echo "$0: need a readable SCHEMA and FIXTURE_DIR/valid, FIXTURE_DIR/invalid" >&2
    exit 2
fi

pass=0 fail=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
    fail=$((fail + 1)); echo "FAIL $1"
    [ -s "$err" ] && sed 's/^/     | /' "$err" | head -20
}

# The schema itself: well-formed.
if xmllint --noout "$schema" 2>"$err"; then ok "schema ${schema##*/} is well-formed"
else bad "schema ${schema##*/} is not well-formed"; fi

shopt -s nullglob
valid=("$dir"/valid/*.xml)
invalid=("$dir"/invalid/*.xml)
: >"$err"
[ ${#valid[@]} -gt 0 ] || bad "no fixtures in $dir/valid"
[ ${#invalid[@]} -gt 0 ] || bad "no fixtures in $dir/invalid"

for mode in tree stream; do
    flags=(--noout --schema "$schema")
    [ "$mode" = stream ] && flags=(--noout --stream --schema "$schema")
    for f in "${valid[@]}"; do
        name="valid/${f##*/} ($mode)"
        if xmllint "${flags[@]}" "$f" >/dev/null 2>"$err"; then ok "$name"
        else bad "$name: refused"; fi
    done
    for f in "${invalid[@]}"; do
        name="invalid/${f##*/} ($mode)"
        want=$(sed -n 's/^[[:space:]]*<!-- expect: \(.*[^ ]\) *-->.*$/\1/p' "$f" | head -n 1)
        xmllint "${flags[@]}" "$f" >/dev/null 2>"$err"
        rc=$?
        if [ -z "$want" ]; then
            bad "$name: no <!-- expect: TEXT --> comment"
        elif [ $rc -eq 0 ]; then
            bad "$name: accepted"
        elif [ $rc -ne 3 ]; then
            bad "$name: xmllint exit status $rc, wanted 3 (a validity error)"
        elif ! grep -qF -- "$want" "$err"; then
            bad "$name: message lacks '$want'"
        else
            ok "$name"
        fi
    done
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
