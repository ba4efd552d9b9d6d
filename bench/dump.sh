#!/usr/bin/env bash
# bench/dump.sh [RECORDS] - dump extraction in each of pg_dump's formats
# against `zcat | wc -l` of the plain gzip dump (shared/bench.md: within
# 1.5x, peak RSS < 64 MiB).
#
# The example county's YB2008 database (RECORDS contribution records,
# default 2,000,000) is restored from its generated plain dump into a
# private server and dumped again by the real pg_dump as plain gzip,
# custom, tar and directory; each is extracted RUNS times (default 3),
# alternately with the floor, and the medians compared.  Custom, tar and
# directory dumps are read through pg_restore (docs/profiles.md, "Sources").
# BUILD names the build folder (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
. bench/lib.sh
TC_DEPS+=(time)
tc_ensure_deps
build=${BUILD:-build}
tc_build "$build" Release
case $build in /*) tc=$build/cli/tongchou ;; *) tc=$PWD/$build/cli/tongchou ;; esac
runs=${RUNS:-3}
records=${1:-2000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-dump-XXXXXX")
chmod 0711 "$work"
cleanup() { "$tc" db stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT


echo "== generating ($records contribution records, county 220182)"
"$tc" generate -q --county 220182 -n "$records" "$work/city"
"$tc" db start --fast "$work/pg" >/dev/null
eval "$("$tc" db env "$work/pg")"
export PGHOST PGPORT PGUSER
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
echo "== restoring into a private server, dumping in each format"
psql -X -q -d postgres -c "CREATE DATABASE yb" >/dev/null
zcat "$work/city/sources/220182.sql.gz" |
  psql -X -q -v ON_ERROR_STOP=1 -d yb >/dev/null
d=$work/dumps
mkdir -p "$d" && chmod 0777 "$d"
"$bindir/pg_dump" --no-owner --compress=6 -f "$d/yb.sql.gz" yb
"$bindir/pg_dump" --no-owner -Fc -f "$d/yb.custom" yb
"$bindir/pg_dump" --no-owner -Ft -f "$d/yb.tar" yb
"$bindir/pg_dump" --no-owner -Fd -f "$d/yb.dir" yb
chmod -R go-rwx "$d"
sync
mkdir -p "$work/out"

printf '\n%-36s %9s %9s %7s %7s %9s\n' "dump extract vs zcat|wc -l" toolkit floor ratio target "peak RSS"
for f in yb.sql.gz yb.custom yb.tar yb.dir; do
  z=() x=()
  for i in $(seq "$runs"); do
    z+=("$(secs bash -c "zcat '$d/yb.sql.gz' | wc -l")")
    rm -f "$work/out"/*.tcb
    x+=("$(secs "$tc" extract -q -o "$work/out" "$d/$f")")
  done
  rm -f "$work/out"/*.tcb
  m=$(peak_mib "$tc" extract -q -o "$work/out" "$d/$f")
  zm=$(median "${z[@]}") xm=$(median "${x[@]}")
  printf '%-36s %8ss %8ss %7.3f %7s %8sM\n' "$f ($records rec)" "$xm" "$zm" \
    "$(awk "BEGIN{print $xm/$zm}")" "<=1.5" "$m"
done
