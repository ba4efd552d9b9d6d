# bench/lib.sh - what the benchmark scripts share.
#
#   . bench/lib.sh
#   tc_bench_tsv TONGCHOU BATCH OUT COUNTY   # a contribution batch as the text
#                                            # psql \copy and pgloader read
#   tc_bench_cols TONGCHOU BATCH             # its column names, space-separated
#   secs CMD...                              # wall seconds of one run
#   median N...                              # the median of the numbers
#   peak_mib CMD...                          # peak RSS of a command, MiB ($work/rss)
#
# The identity numbers go into the text as they are (a masked one would
# make keys collide), and `batch --raw` is for a [data] holder of a key
# policy (docs/personal-data.md): the bench makes itself one, beside OUT,
# and names it to that command alone - extraction and mapping stay unsealed.

secs() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  awk "BEGIN{printf \"%.3f\", $t1 - $t0}"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
peak_mib() {
  /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }
  awk '{printf "%.1f", $1/1024}' "$work/rss"
}

# tc_bench_raw TONGCHOU DIR BATCH: `batch --raw show BATCH` as a [data] holder
tc_bench_raw() {
  local d=$2/.bench-data
  if [ ! -e "$d/policy.ini" ]; then
    mkdir -p "$d"
    "$1" keygen -q -o "$d/maker" >/dev/null && "$1" keygen -q -o "$d/checker" >/dev/null &&
      "$1" keygen -q --alg x25519 -o "$d/data" >/dev/null &&
      "$1" policy make -o "$d/policy.ini" --maker "$d/maker.pub" --checker "$d/checker.pub" \
        --data "$d/data.pub" 2>/dev/null || return 1
  fi
  TONGCHOU_POLICY=$d/policy.ini TONGCHOU_DATA_KEY=$d/data.key "$1" batch --raw show "$3"
}

tc_bench_cols() {
  { "$1" batch show "$2" || true; } | grep -v -m1 '^#' | tr '\t' ' '
}

# Amounts in fen (yuan 1234.50 -> 123450), rates in 1/10000 (0.0700 -> 700),
# periods YYYYMM (2021-06 -> 202106): the table's own types; COUNTY first.
tc_bench_tsv() {
  tc_bench_raw "$1" "$(dirname "$3")" "$2" | awk -F'\t' -v OFS='\t' -v county="$4" '
    /^# / || !hdr++ { next }
    { for (i = 1; i <= NF; i++) {
        v = $i
        if (i == 4) { sub(/-/, "", v) }
        else if (i == 5 || i == 7 || i == 8) { neg = sub(/^-/, "", v); sub(/\./, "", v)
                                               sub(/^0+/, "", v); if (v == "") v = "0"
                                               else if (neg) v = "-" v }
        else if (i == 6) { sub(/\./, "", v); sub(/^0+/, "", v); if (v == "") v = "0" }
        $i = v }
      print county, $0 }' >"$3"
}
