#!/usr/bin/env bash
# bench/extract.sh [RECORDS] - extraction against its floors (shared/bench.md).
#
#   1. handover XML: `tongchou extract` vs the bare libxml2 SAX2 push parse
#      (bench/sax_floor.c) of the same file, run alternately, median of
#      RUNS (default 3) each; target ratio <= 1.25, on every shape the
#      generator makes (`generate --order`, docs/example-city.md):
#        payer   each payer's records together, in runs (UTF-8);
#        period  sorted by period: no payer repeats within a run (UTF-8);
#        mixed   by period, payers scrambled: employers' credit codes and
#                persons' identity numbers interleaved (UTF-8);
#        gb18030 county 220381's GB18030, gzipped, sorted by period;
#   2. peak RSS of extraction for 1 million and 10 million contribution
#      records (one county's XML); target < 64 MiB, and flat;
#   3. a plain GBK dump (.sql.gz): `tongchou extract` vs `zcat | wc -l`;
#      target ratio <= 1.5;
#   4. (printed after 1) the XML extraction with its batches sealed, SM4 and
#      AES-256-GCM, vs the plain one; target ratio <= 1.10.
#
# RECORDS is the size of the XML of part 1 (default 2,000,000, as in
# shared/bench.md).  BUILD names the build folder (default build).  Needs
# about 3 GB of scratch space under $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
. bench/lib.sh
TC_DEPS+=(time)
tc_ensure_deps
build=${BUILD:-build}
tc_build "$build" Release
case $build in /*) ;; *) build=$PWD/$build ;; esac
tc=$build/cli/tongchou
floor=$build/bench/sax_floor
runs=${RUNS:-3}
records=${1:-2000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/tc-bench-extract-XXXXXX")
trap 'rm -rf "$work"' EXIT


# xml_ratio LABEL FILE: one row, the extraction of FILE against its floor
xml_ratio() {
  local label=$1 file=$2 f=() x=() fm xm mb
  mb=$(du -m "$file" | cut -f1)
  "$floor" "$file" >/dev/null; "$tc" extract -q -o "$work/out" "$file" >/dev/null   # warm-up
  for i in $(seq "$runs"); do
    f+=("$(secs "$floor" "$file")")
    rm -f "$work/out"/*.tcb
    sync
    x+=("$(secs "$tc" extract -q -o "$work/out" "$file")")
    sync
  done
  rm -f "$work/out"/*.tcb
  fm=$(median "${f[@]}") xm=$(median "${x[@]}")
  printf '%-44s %9ss %9ss %8.3f %8s   runs %s / %s\n' "XML $label vs SAX2 ($records rec, ${mb} MB)" \
    "$xm" "$fm" "$(awk "BEGIN{print $xm/$fm}")" "<=1.25" "${x[*]}" "${f[*]}"
}

mkdir -p "$work/out"
echo
printf '%-44s %10s %10s %8s %8s\n' measure toolkit floor ratio target
for shape in payer period mixed gb18030; do
  case $shape in
    gb18030) county=220381 order=period file=220381.xml.gz ;;
    *) county=220100 order=$shape file=220100.xml ;;
  esac
  rm -rf "$work/big"
  "$tc" generate -q --xml-only --county "$county" --order "$order" -n "$records" "$work/big"
  # write the fresh file back to disk first: reading pages still under
  # writeback slowed the floor's runs (and only them) by half
  sync
  xml_ratio "$shape" "$work/big/sources/$file"
  if [ "$shape" = payer ]; then
    mv "$work/big/sources/$file" "$work/payer.xml"
  fi
done
rm -rf "$work/big"
xml=$work/payer.xml

# sealing (docs/personal-data.md): the same extraction with every batch
# sealed for one X25519 holder, SM4-CTR + HMAC-SM3 and AES-256-GCM, against
# the plain extraction (issue 23: at most 10 % more)
"$tc" keygen -q -o "$work/m" >/dev/null && "$tc" keygen -q -o "$work/c" >/dev/null &&
  "$tc" keygen -q --alg x25519 -o "$work/d" >/dev/null
for c in sm4-ctr-hmac-sm3 aes-256-gcm; do
  "$tc" policy make -o "$work/$c.ini" --maker "$work/m.pub" --checker "$work/c.pub" \
    --data "$work/d.pub" --cipher "$c" 2>/dev/null
done
p=() s4=() ag=()
for i in $(seq "$runs"); do
  rm -f "$work/out"/*.tcb; p+=("$(secs "$tc" extract -q -o "$work/out" "$xml")")
  rm -f "$work/out"/*.tcb
  s4+=("$(TONGCHOU_POLICY=$work/sm4-ctr-hmac-sm3.ini secs "$tc" extract -q -o "$work/out" "$xml")")
  rm -f "$work/out"/*.tcb
  ag+=("$(TONGCHOU_POLICY=$work/aes-256-gcm.ini secs "$tc" extract -q -o "$work/out" "$xml")")
done
pm=$(median "${p[@]}")
for c in sm4-ctr-hmac-sm3 aes-256-gcm; do
  if [ "$c" = aes-256-gcm ]; then cm=$(median "${ag[@]}"); else cm=$(median "${s4[@]}"); fi
  printf '%-44s %9ss %9ss %8.3f %8s\n' "XML extract sealed ($c) vs plain" "$cm" "$pm" \
    "$(awk "BEGIN{print $cm/$pm}")" "<=1.10"
done

for n in 1000000 10000000; do
  rm -rf "$work/rss-city" "$work/out"/*.tcb
  "$tc" generate -q --xml-only --county 220100 -n "$n" "$work/rss-city"
  m=$(peak_mib "$tc" extract -q -o "$work/out" "$work/rss-city/sources/220100.xml")
  printf '%-44s %9sM %10s %8.3f %8s\n' "peak RSS, XML extract of $n records" "$m" "64M" \
    "$(awk "BEGIN{print $m/64}")" "<1"
  rm -rf "$work/rss-city"
done

rm -f "$work/out"/*.tcb
"$tc" generate -q --county 220182 -n "$records" "$work/dump"
dump=$work/dump/sources/220182.sql.gz
sync
z=() d=()
for i in $(seq "$runs"); do
  z+=("$(secs bash -c "zcat '$dump' | wc -l")")
  rm -f "$work/out"/*.tcb
  d+=("$(secs "$tc" extract -q -o "$work/out" "$dump")")
done
zm=$(median "${z[@]}") dm=$(median "${d[@]}")
printf '%-44s %9ss %9ss %8.3f %8s\n' "dump extract vs zcat|wc -l ($records rec)" "$dm" "$zm" \
  "$(awk "BEGIN{print $dm/$zm}")" "<=1.5"
