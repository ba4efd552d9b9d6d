#!/usr/bin/env bash
# bench/unload.sh [RECORDS] - text unloads against `zcat | wc -l` of the
# same files (shared/bench.md: within 1.5x, peak RSS < 64 MiB).
#
# The example county's YB2008 database (RECORDS contribution records,
# default 2,000,000) is restored from its generated plain dump into a
# private server and unloaded by PostgreSQL's COPY, each table's file
# gzipped with its check file beside it, twice: in GB18030 with '|' (COPY
# text, read through yb2008-copy-text with encoding = GB18030) and as CSV
# (yb2008-copy-csv).  Each unload is extracted RUNS times (default 3),
# alternately with the floor - `zcat` of its files piped to `wc -l` - and
# the medians compared.  BUILD names the build folder (default build).
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
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-unload-XXXXXX")
chmod 0711 "$work"
cleanup() { "$tc" db stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

echo "== generating ($records contribution records, county 220182)"
"$tc" generate -q --county 220182 -n "$records" "$work/city"
"$tc" db start --fast "$work/pg" >/dev/null
eval "$("$tc" db env "$work/pg")"
export PGHOST PGPORT PGUSER
echo "== restoring into a private server, unloading with COPY"
psql -X -q -d postgres -c "CREATE DATABASE yb" >/dev/null
zcat "$work/city/sources/220182.sql.gz" | psql -X -q -v ON_ERROR_STOP=1 -d yb >/dev/null
tables="xt_dw kj_km kj_kmye kj_pz kj_pzmx zj_jfmx cz_bz yy_jsqf yh_zh yh_dzd gr_zh"
unload() { # unload DIR EXT COPY-OPTIONS
  mkdir -p "$1"
  for t in $tables; do
    psql -X -q -d yb -c "COPY $t TO STDOUT $3" | gzip -6 >"$1/$t.$2.gz"
    psql -X -qAt -d yb -c "SELECT count(*) FROM $t" >"$1/$t.$2.chk"
  done
  chmod -R go-rwx "$1"
}
unload "$work/gb" txt "(ENCODING 'GB18030', DELIMITER '|')"
unload "$work/csv" csv "(FORMAT csv)"
cat >"$work/gb.ini" <<EOI
[profile]
include = $PWD/extract/profiles/yb2008-copy-text.ini
[unload]
encoding = GB18030
delimiter = |
EOI
sync
mkdir -p "$work/out"

printf '\n%-36s %9s %9s %7s %7s %9s\n' "unload extract vs zcat|wc -l" toolkit floor ratio target "peak RSS"
for v in "gb:$work/gb.ini" "csv:yb2008-copy-csv"; do
  d=$work/${v%%:*} p=${v#*:}
  z=() x=()
  for i in $(seq "$runs"); do
    z+=("$(secs bash -c "zcat '$d'/*.gz | wc -l")")
    rm -f "$work/out"/*.tcb
    x+=("$(secs "$tc" extract -q --profile "$p" -o "$work/out" "$d")")
  done
  rm -f "$work/out"/*.tcb
  m=$(peak_mib "$tc" extract -q --profile "$p" -o "$work/out" "$d")
  zm=$(median "${z[@]}") xm=$(median "${x[@]}")
  printf '%-36s %8ss %8ss %7.3f %7s %8sM\n' "${v%%:*} ($records rec)" "$xm" "$zm" \
    "$(awk "BEGIN{print $xm/$zm}")" "<=1.5" "$m"
done
