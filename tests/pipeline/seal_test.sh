#!/usr/bin/env bash
# seal_test.sh TONGCHOU - sealed batches end to end (issue 23):
#   - `tongchou demo --seal` runs the example city (extract, map, reconcile,
#     load, transfer) with every batch sealed for the policy's [data] holder;
#   - no identity number of the city's sources is in clear in any file under
#     its work folder (gzip-decompressed where a file decompresses), while a
#     run without sealing has them in its batches (so the search can fail);
#   - unsealed, every batch is byte for byte the one a run without sealing
#     writes, and the reports are the same bytes;
#   - batch verify and audit verify pass without the data key;
#   - a flipped bit in a sealed batch is refused (exit 5) naming it, by
#     batch verify, reconcile, load and audit verify;
#   - the county archive is sealed too, and purge reads it through the seal;
#   - the dishonest or careless: a key that is no holder, no key at all, a
#     run whose policy seals with no key to read, --raw without the [data]
#     role; AES-256-GCM where the policy says so.
set -u
tc=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tc-seal-test-XXXXXX")
chmod 755 "$tmp"   # the embedded servers run as 'postgres' when we are root
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
cleanup() {
  "$tc" db stop "$tmp/s/work/db" >/dev/null 2>&1
  "$tc" db stop "$tmp/p/work/db" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
m=$(cd "$(dirname "$0")/../.." && pwd)/mappings/changchun

"$tc" demo -n 600 --seal "$tmp/s" >"$tmp/s.out" 2>"$tmp/s.err"
rc=$?
[ $rc -eq 0 ] && ok || { bad "demo --seal: exit $rc"; cat "$tmp/s.err"; exit 1; }
grep -q "audit verify:   OK" "$tmp/s.out" && ok || bad "demo --seal: the trail does not verify"
"$tc" demo -n 600 "$tmp/p" >"$tmp/p.out" 2>"$tmp/p.err" && ok || { bad "demo"; cat "$tmp/p.err"; }
grep -q "^data = keys/data.key" "$tmp/s/city.ini" && ok || bad "the manifest names no data key"
grep -q "^cipher = sm4-ctr-hmac-sm3" "$tmp/s/keys/policy.ini" && ok || bad "the policy has no [data]"

# every batch sealed, 0600, and unsealed the same bytes as without sealing
sealed=0 same=0 n=0
mkdir -m 700 "$tmp/un"
while IFS= read -r b; do
  n=$((n + 1))
  head -c 18 "$tmp/s/work/$b" | grep -q "^tongchou-sealed/1" && sealed=$((sealed + 1))
  [ "$(stat -c %a "$tmp/s/work/$b")" = 600 ] || bad "$b: mode $(stat -c %a "$tmp/s/work/$b")"
  rm -f "$tmp/un/"*
  TONGCHOU_DATA_KEY="$tmp/s/keys/data.key" "$tc" batch -o "$tmp/un" unseal "$tmp/s/work/$b" \
    >/dev/null 2>"$tmp/err" || { bad "unseal $b"; cat "$tmp/err"; }
  cmp -s "$tmp/un/$(basename "$b")" "$tmp/p/work/$b" && same=$((same + 1))
done < <(cd "$tmp/s/work" && find batches city -name '*.tcb' | sort)
[ "$n" -ge 140 ] && ok || bad "only $n batches"
[ "$sealed" -eq "$n" ] && ok || bad "$sealed of $n batches sealed"
[ "$same" -eq "$n" ] && ok || bad "$same of $n batches unseal to the plain run's bytes"
for f in reconciliation.json findings.csv arrears.csv reconciliation.html; do
  cmp -s "$tmp/s/work/reports/$f" "$tmp/p/work/reports/$f" && ok || bad "reports/$f differs"
done

# the generator's identity numbers, nowhere in clear (the database's own
# storage aside: under work/db when not root; docs/personal-data.md)
for f in "$tmp/s/city/sources/"*; do (gzip -dc "$f" 2>/dev/null || cat "$f"); done |
  grep -aoE '[1-9][0-9]{16}[0-9X]' | sort -u >"$tmp/ids"
[ "$(wc -l <"$tmp/ids")" -gt 300 ] && ok || bad "only $(wc -l <"$tmp/ids") identity numbers found"
clear_in() { # clear_in WORK: the files holding an identity number in clear
  find "$1" -type f -not -path '*/db/*' | while IFS= read -r f; do
    (gzip -dc "$f" 2>/dev/null || cat "$f") | grep -qaF -f "$tmp/ids" && echo "$f"
  done
}
c=$(clear_in "$tmp/s/work")
[ -z "$c" ] && ok || bad "identity numbers in clear:"$'\n'"$c"
[ "$(clear_in "$tmp/p/work" | wc -l)" -ge 14 ] && ok || bad "the search finds none in the plain run"

# without the data key: batch verify checks the clear parts; audit verify holds
b=city/220113/220113.contribution.tcb
"$tc" batch verify "$tmp/s/work/$b" >"$tmp/v" 2>"$tmp/err" && ok || { bad "batch verify, no key"; cat "$tmp/err"; }
grep -q "sealed: contribution 220113 city (header and trailer whole" "$tmp/v" && ok || bad "verify: $(cat "$tmp/v")"
"$tc" batch verify "$tmp/p/work/$b" | tail -n +2 >"$tmp/vp"
tail -n +2 "$tmp/v" | cmp -s - "$tmp/vp" && ok || bad "sealed trailer figures differ from the plain batch's"
"$tc" audit verify --trail "$tmp/s/work/audit.trail" --policy "$tmp/s/keys/policy.ini" \
  "$tmp/s/work/$b" "$tmp/s/work/reports/reconciliation.json" >/dev/null 2>"$tmp/err" && ok ||
  { bad "audit verify without the data key"; cat "$tmp/err"; }
"$tc" batch show "$tmp/s/work/$b" >/dev/null 2>"$tmp/err"
[ $? -eq 3 ] && ok || bad "batch show without a key: not exit 3"
grep -q "sealed (encrypted at rest) for x25519:" "$tmp/err" && ok || bad "show: $(cat "$tmp/err")"

# a key that is not a holder
"$tc" keygen -q --alg x25519 -o "$tmp/other" >/dev/null
TONGCHOU_DATA_KEY="$tmp/other.key" "$tc" batch verify "$tmp/s/work/$b" >/dev/null 2>"$tmp/err"
[ $? -eq 3 ] && ok || bad "a stranger's key: not exit 3"
grep -q "is not one of them" "$tmp/err" && ok || bad "stranger: $(cat "$tmp/err")"
# a data key others can read is refused before anything
cp "$tmp/s/keys/data.key" "$tmp/open.key"; chmod 644 "$tmp/open.key"
TONGCHOU_DATA_KEY="$tmp/open.key" "$tc" batch verify "$tmp/s/work/$b" >/dev/null 2>"$tmp/err"
[ $? -eq 3 ] && ok || bad "an open data key: not exit 3"
grep -q "TONGCHOU_DATA_KEY: .*mode 0644" "$tmp/err" && ok || bad "open key: $(cat "$tmp/err")"

# one flipped bit, in the records or in the clear trailer
cp "$tmp/s/work/$b" "$tmp/keep.tcb"
size=$(stat -c %s "$tmp/s/work/$b")
flip() { # flip FILE OFFSET
  printf "$(printf '\\%03o' $(( $(od -An -tu1 -j "$2" -N1 "$1") ^ 1 )))" |
    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
flip "$tmp/s/work/$b" $((size / 2))
key="$tmp/s/keys/data.key"
TONGCHOU_DATA_KEY="$key" "$tc" batch verify "$tmp/s/work/$b" >/dev/null 2>"$tmp/err"
[ $? -eq 5 ] && ok || bad "tampered records, batch verify: not exit 5"
grep -q "220113.contribution.tcb: the file has been altered" "$tmp/err" && ok || bad "tampered: $(cat "$tmp/err")"
TONGCHOU_DATA_KEY="$key" "$tc" reconcile -q -m "$m" -o "$tmp/r" "$tmp/s/work/$b" >/dev/null 2>&1
[ $? -eq 5 ] && ok || bad "tampered records, reconcile: not exit 5"
[ ! -e "$tmp/r/reconciliation.json" ] && ok || bad "reconcile wrote a report from a tampered batch"
"$tc" audit verify --trail "$tmp/s/work/audit.trail" --policy "$tmp/s/keys/policy.ini" \
  "$tmp/s/work/$b" >/dev/null 2>&1
[ $? -eq 5 ] && ok || bad "tampered records, audit verify: not exit 5"
cp "$tmp/keep.tcb" "$tmp/s/work/$b"
flip "$tmp/s/work/$b" $((size - 40))   # in the trailer, in clear
TONGCHOU_DATA_KEY="$key" "$tc" batch verify "$tmp/s/work/$b" >/dev/null 2>&1
[ $? -eq 5 ] && ok || bad "tampered trailer, with the key: not exit 5"
"$tc" batch verify "$tmp/s/work/$b" >/dev/null 2>&1
[ $? -eq 5 ] && ok || bad "tampered trailer, without the key: not exit 5"
cp "$tmp/keep.tcb" "$tmp/s/work/$b"

# load: a tampered sealed batch is refused whole
# (into the server's "postgres" database, where no batch is loaded yet)
url=$("$tc" db start "$tmp/s/work/db" 2>/dev/null)
"$tc" db init --db "$url" >/dev/null 2>&1 || bad "db init"
flip "$tmp/s/work/$b" $((size / 3))
TONGCHOU_DATA_KEY="$key" "$tc" load --db "$url" "$tmp/s/work/$b" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 5 ] && ok || { bad "tampered, load: exit $rc, wanted 5"; cat "$tmp/err"; }
cp "$tmp/keep.tcb" "$tmp/s/work/$b"
TONGCHOU_DATA_KEY="$key" "$tc" load --db "$url" "$tmp/s/work/$b" >/dev/null 2>"$tmp/err" && ok ||
  { bad "load of the sealed batch"; cat "$tmp/err"; }
n=$(psql -X -A -t -d "$url" -c "SELECT count(*) FROM tongchou.contribution WHERE county = '220113'")
[ "$n" = "$(grep -m1 '^  count' "$tmp/v" | awk '{print $2}')" ] && ok || bad "loaded $n rows"
cp "$tmp/keep.tcb" "$tmp/s/work/$b"
"$tc" db stop "$tmp/s/work/db" >/dev/null 2>&1

# the county archive, sealed like the batches: no identity number in clear,
# purge reads it through the seal, and a bit flipped in it stops the purge
"$tc" archive --county 220100 "$tmp/s/city.ini" >/dev/null 2>"$tmp/err" && ok ||
  { bad "archive, sealed"; cat "$tmp/err"; }
arc="$tmp/s/work/archive/220100.tar"
head -c 17 "$arc" | grep -q "^tongchou-sealed/1" && ok || bad "the archive is not sealed"
grep -qaF -f "$tmp/ids" "$arc" && bad "identity numbers in clear in the sealed archive" || ok
TONGCHOU_DATA_KEY="$key" "$tc" batch -o "$tmp/ar" unseal "$arc" >/dev/null 2>&1 && ok || bad "unseal the archive"
tar -xOf "$tmp/ar/220100.tar" city/sources/220100.xml | cmp -s - "$tmp/s/city/sources/220100.xml" &&
  ok || bad "the unsealed archive does not give back the source"
[ "$(tar -tf "$tmp/ar/220100.tar" | grep -c '\.tcb$')" -eq 20 ] && ok || bad "the archive holds not 20 batches"
cp "$arc" "$tmp/arc.keep"
flip "$arc" $(( $(stat -c %s "$arc") / 2 ))
"$tc" purge --county 220100 "$tmp/s/city.ini" >/dev/null 2>"$tmp/err"
[ $? -eq 3 ] && ok || { bad "purge with an altered sealed archive: not exit 3"; cat "$tmp/err"; }
[ -e "$tmp/s/work/city/220100/220100.contribution.tcb" ] && ok || bad "purge removed files"
cp "$tmp/arc.keep" "$arc"
"$tc" purge --county 220100 "$tmp/s/city.ini" >/dev/null 2>"$tmp/err" && ok ||
  { bad "purge through the sealed archive"; cat "$tmp/err"; }
[ ! -e "$tmp/s/work/city/220100" ] && ok || bad "purge left work/city/220100"

# the run: a policy that seals, and no key to read with
sed -i '/^data = /d' "$tmp/s/city.ini"
rm -rf "$tmp/s/work/city"
"$tc" run -q "$tmp/s/city.ini" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && ok || bad "run without a data key: not exit 2"
grep -q "no holder's key is given to read them" "$tmp/err" && ok || bad "run: $(cat "$tmp/err")"
[ ! -e "$tmp/s/work/city" ] && ok || bad "run without a data key wrote work/city"

# --raw: only a [data] holder the policy lists
pa="$tmp/p/work/city/220100/220100.personal_account.tcb"
"$tc" batch --raw show "$pa" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && ok || bad "--raw without the data role: not exit 2"
TONGCHOU_POLICY="$tmp/s/keys/policy.ini" TONGCHOU_DATA_KEY="$tmp/other.key" \
  "$tc" batch --raw show "$pa" >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "--raw with a stranger's key: not exit 2"
TONGCHOU_POLICY="$tmp/s/keys/policy.ini" TONGCHOU_DATA_KEY="$key" \
  "$tc" batch --raw show "$pa" | grep -qaF -f "$tmp/ids" && ok || bad "--raw by the holder shows no identity number"
"$tc" batch show "$pa" | grep -qaF -f "$tmp/ids" && bad "show without --raw shows identity numbers" || ok

# AES-256-GCM where the policy says so, for two holders (X25519 and SM2)
"$tc" keygen -q --alg sm2 -o "$tmp/sm2data" >/dev/null
"$tc" policy make -o "$tmp/aes.ini" --maker "$tmp/s/keys/maker.pub" \
  --checker "$tmp/s/keys/checker.pub" --data "$tmp/s/keys/data.pub" --data "$tmp/sm2data.pub" \
  --cipher aes-256-gcm >/dev/null 2>&1 && ok || bad "policy make --cipher aes-256-gcm"
TONGCHOU_POLICY="$tmp/aes.ini" "$tc" extract -q -o "$tmp/x" "$tmp/s/city/sources/220100.xml" \
  >/dev/null 2>&1 && ok || bad "extract sealed with aes-256-gcm"
grep -aq "^cipher: aes-256-gcm" "$tmp/x/220100.contribution.tcb" && ok || bad "not aes-256-gcm"
[ "$(grep -ac '^holder: ' "$tmp/x/220100.contribution.tcb")" -eq 2 ] && ok || bad "not two holders"
for k in "$key" "$tmp/sm2data.key"; do
  TONGCHOU_DATA_KEY="$k" "$tc" batch -o "$tmp/x2" unseal "$tmp/x/220100.contribution.tcb" \
    >/dev/null 2>&1 && cmp -s "$tmp/x2/220100.contribution.tcb" "$tmp/p/work/batches/220100/220100.contribution.tcb" &&
    ok || bad "aes-256-gcm: $k does not unseal to the plain batch"
  rm -rf "$tmp/x2"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
