#!/usr/bin/env bash
# layering.sh SRCDIR BUILDDIR - the layers of docs/architecture.md hold.
#
#   1. Includes: a file of a folder includes project headers only from the
#      folders its layer may use (the table below, which is the one in
#      docs/architecture.md).
#   2. No cycles between files: within each library, and among the front
#      end's files, no two object files use each other's symbols, directly
#      or round a loop (file_cycles.awk, on the symbols nm lists).
#   3. No library links what it does not use: the binaries that link only
#      the file readers, the engine or core name no libpq, and those that
#      do not parse XML name no libxml2 (readelf's NEEDED entries).
#
# Prints each violation; exit 1 when there is any.
set -uo pipefail
src=$1
build=$2
here=$(cd "$(dirname "$0")" && pwd)
bad=0
say() { echo "layering: $*"; bad=1; }

# -- 1. includes ---------------------------------------------------------
declare -A may=(
  [core]="core"
  [db]="core db"
  [mappings]="core mappings"
  [extract]="core db extract"
  [transform]="core mappings transform"
  [reconcile]="core mappings reconcile"
  [documents]="core documents"
  [load]="core db load"
  [transfer]="core db mappings transfer"
  [generate]="core db generate"
  [operations]="core mappings operations"
  [pipeline]="core db mappings extract transform reconcile documents load transfer generate operations pipeline"
  [cli]="core db mappings extract transform reconcile documents load transfer generate operations pipeline cli"
)
# The readers of files (tc_extract_files, tc_load_files) must not reach the database.
files_readers="emit.c emit.h xml.c xml.h profile.c profile.h profile_int.h dump.c dump.h dump_int.h"
load_readers="recon_read.c recon_read.h"
checked=0
for dir in "${!may[@]}"; do
  for f in "$src/$dir"/*.c "$src/$dir"/*.h; do
    [ -e "$f" ] || continue
    allowed=" ${may[$dir]} "
    case " $files_readers " in
      *" $(basename "$f") "*) [ "$dir" = extract ] && allowed=" core extract " ;;
    esac
    case " $load_readers " in
      *" $(basename "$f") "*) [ "$dir" = load ] && allowed=" core load " ;;
    esac
    while IFS=: read -r line inc; do
      top=${inc%%/*}
      case "$allowed" in
        *" $top "*) ;;
        *) say "$dir/$(basename "$f"):$line includes \"$inc\": $dir may use only${allowed% }" ;;
      esac
      checked=$((checked + 1))
    done < <(grep -no '^#include "[a-z_]*/[a-z_0-9]*\.h"' "$f" | sed 's/#include "\(.*\)"/\1/')
  done
done
[ "$checked" -gt 100 ] || say "only $checked includes seen under $src: wrong folder?"

# -- 2. cycles between files ----------------------------------------------
# The symbol lister that can read these objects: link-time-optimized ones
# need gcc-nm (GCC) or llvm-nm (clang).
symbols() {
  local t out
  for t in nm gcc-nm llvm-nm llvm-nm-14; do
    command -v "$t" >/dev/null 2>&1 || continue
    out=$("$t" -A -g "$@" 2>/dev/null) || continue
    if grep -q ' T ' <<<"$out"; then
      printf '%s\n' "$out"
      return 0
    fi
  done
  return 1
}
libs=0
for a in $(find "$build" -name 'libtc_*.a' | sort); do
  libs=$((libs + 1))
  if ! syms=$(symbols "$a"); then
    say "$a: no tool here lists its symbols (install binutils or llvm)"
    continue
  fi
  cyc=$(awk -f "$here/file_cycles.awk" <<<"$syms")
  [ -z "$cyc" ] || say "$(basename "$a"): files that use each other: $cyc"
done
[ "$libs" -ge 10 ] || say "only $libs libraries found under $build: not built?"
cli_objs=("$build"/cli/CMakeFiles/tongchou.dir/*.o)
if syms=$(symbols "${cli_objs[@]}"); then
  cyc=$(awk -f "$here/file_cycles.awk" <<<"$syms")
  [ -z "$cyc" ] || say "cli: files that use each other: $cyc"
else
  say "cli: no objects under $build/cli"
fi

# -- 3. what each binary links ----------------------------------------------
needs() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
refuse() {   # refuse BINARY LIBRARY-PATTERN WHY
  local bin=$build/$1
  if [ ! -x "$bin" ]; then
    say "$1: not built"
  elif needs "$bin" | grep -q "$2"; then
    say "$1 links $2 ($3)"
  fi
}
for t in amount batch xml dump loadrecon budget; do
  refuse tests/fuzz/fuzz_regress_$t libpq "a fuzz target reads files only"
done
for t in amount batch loadrecon budget; do
  refuse tests/fuzz/fuzz_regress_$t libxml2 "it parses no XML"
done
refuse tests/extract/extract_emit libpq "the file readers need no database client"
refuse tests/load/load_recon_read libpq "the file readers need no database client"
for t in operations/operations_cycle operations/operations_month \
         reconcile/reconcile_checks reconcile/reconcile_report core/core_keys \
         core/core_audit core/core_batch documents/documents_sheet; do
  refuse "tests/$t" libpq "it talks to no database"
  refuse "tests/$t" libxml2 "it parses no XML"
done

if [ $bad -eq 0 ]; then
  echo "layering: $checked includes, $libs libraries and the front end: every rule holds"
fi
exit $bad
