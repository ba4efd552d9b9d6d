# bench/lib.sh - what the benchmark scripts share.
#
#   . bench/lib.sh
#   tc_bench_tsv TONGCHOU BATCH OUT COUNTY   # a contribution batch as the text
#                                            # psql \copy and pgloader read
#   tc_bench_cols TONGCHOU BATCH             # its column names, space-separated

tc_bench_cols() {
  { "$1" batch --raw show "$2" || true; } | grep -v -m1 '^#' | tr '\t' ' '
}

# Amounts in fen (yuan 1234.50 -> 123450), rates in 1/10000 (0.0700 -> 700),
# periods YYYYMM (2021-06 -> 202106): the table's own types; COUNTY first.
tc_bench_tsv() {
  "$1" batch --raw show "$2" | awk -F'\t' -v OFS='\t' -v county="$4" '
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
