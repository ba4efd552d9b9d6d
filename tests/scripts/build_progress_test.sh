#!/usr/bin/env bash
# build_progress_test.sh SOURCE_DIR - scripts/demo and scripts/test show the
# build's progress (scripts/lib/deps.sh, tc_build), not minutes of silence:
# make's and ninja's progress as a line at each tenth of the way when not on
# a terminal, and a real CMake build of a small project through tc_build
# ending at 100%.
set -u
src=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/build_progress_test-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
. "$src/scripts/lib/deps.sh"

got=$(printf '[  1%%] Building C object a.o\n[  5%%] Building C object b.o\nwarning: x\n[ 12%%] Linking C static library libc.a\n[ 12%%] Built target c\n[ 48%%] Building C object d.o\n[100%%] Built target tongchou\n' | tc_build_progress)
want=$(printf '   built   1%%\n   built  12%%\n   built  48%%\n   built 100%%')
[ "$got" = "$want" ] && ok || bad "make's progress: '$got', wanted '$want'"
got=$(printf '[1/8] Building C object a.o\n[2/8] Building C object b.o\n[8/8] Linking C executable t\n' | tc_build_progress)
want=$(printf '   built  12%%\n   built  25%%\n   built 100%%')
[ "$got" = "$want" ] && ok || bad "ninja's progress: '$got', wanted '$want'"

# a real build, as scripts/demo makes it
mkdir "$tmp/p"
{ echo 'cmake_minimum_required(VERSION 3.13)'; echo 'project(p C)'
  printf 'add_library(p'; for i in $(seq 1 12); do printf ' f%d.c' "$i"; done; echo ')'; } \
  >"$tmp/p/CMakeLists.txt"
for i in $(seq 1 12); do echo "int f$i(void) { return $i; }" >"$tmp/p/f$i.c"; done
out=$(cd "$tmp/p" && tc_build build Release 2>&1)
[ $? -eq 0 ] && ok || bad "tc_build: $out"
[ "$(echo "$out" | grep -c '^   built *[0-9]*%$')" -ge 3 ] && ok || bad "tc_build shows no progress: '$out'"
[ "$(echo "$out" | tail -1)" = "   built 100%" ] && ok || bad "tc_build does not end at 100%: '$out'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
