#!/usr/bin/env bash
# doc_examples_test.sh TONGCHOU SRCDIR DOC... - every command line of the
# documents' ```sh blocks runs as written.
#
# For each DOC (a path under SRCDIR), in a fresh folder of its own where
# `mappings` is the repository's, the lines of its ```sh blocks run one
# after the other, each with `tongchou` meaning the program under test.
# A line must exit 0, or N when its comment says "exit N" ("# exit 1:
# they differ").  A document with fewer than 5 such lines fails: its
# examples were not found.
set -u
tc=$1 src=$2
shift 2
export tc
pass=0 fail=0
for doc in "$@"; do
  work=$(mktemp -d "${TMPDIR:-/tmp}/tongchou-docs-XXXXXX")
  ln -s "$src/mappings" "$work/mappings"
  ln -s "$src/docs" "$work/docs"
  awk '/^```sh/ {on = 1; next} on && /^```/ {on = 0; next} on && NF && !/^ *#/' \
    "$src/$doc" >"$work/.lines"
  n=$(wc -l <"$work/.lines")
  if [ "$n" -lt 5 ]; then
    fail=$((fail + 1)); echo "FAIL $doc: only $n command lines found"
  fi
  while IFS= read -r line; do
    want=0
    if [[ $line =~ \#[[:space:]]*exit[[:space:]]+([0-9]+) ]]; then want=${BASH_REMATCH[1]}; fi
    (cd "$work" && bash -c "tongchou() { \"\$tc\" \"\$@\"; }; $line" >"$work/.out" 2>"$work/.err")
    got=$?
    if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else
      fail=$((fail + 1)); echo "FAIL $doc: exit $got, wanted $want: $line"; cat "$work/.err"; fi
  done <"$work/.lines"
  rm -rf "$work"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
