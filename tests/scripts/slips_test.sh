#!/usr/bin/env bash
# slips_test.sh TONGCHOU SRCDIR - the bad-input catalogue of the front end
# (issue 18, "Every slip caught"): the slips an operator makes and the odd
# inputs a county sends, on every command, each with the exit code the
# README's table gives and the words its message must hold.  A slip never
# gives a wrong figure, a misleading reason or the wrong exit code, and a
# refusal writes nothing.
#
# Each case is one line:
#   slip NAME EXIT 'WORDS' COMMAND...
# WORDS is a fixed string stderr must hold ('' when only the exit counts).
# The example city (tongchou generate) and its keys, batches and
# reconciliation are made once; a private PostgreSQL server serves the
# database cases.
set -u
tc=$1 src=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tc-slips-XXXXXX")
chmod 755 "$tmp"   # the embedded server runs as 'postgres' when we are root
cleanup() {
  "$tc" db stop "$tmp/db" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0 n=0
slip() { # slip NAME EXIT WORDS COMMAND...
  local name=$1 want=$2 words=$3
  shift 3
  n=$((n + 1))
  (cd "$tmp" && "$@") >"$tmp/.out" 2>"$tmp/.err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    fail=$((fail + 1)); echo "FAIL $name: exit $got, wanted $want"; head -3 "$tmp/.err"
  elif [ -n "$words" ] && ! grep -qF -- "$words" "$tmp/.err"; then
    fail=$((fail + 1)); echo "FAIL $name: stderr lacks '$words'"; head -3 "$tmp/.err"
  else
    pass=$((pass + 1))
  fi
}
# a refusal writes nothing: the folder is as empty as before
empty() { # empty NAME DIR
  if [ -z "$(ls -A "$2" 2>/dev/null)" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $1: $2 holds $(ls -A "$2" | head -3 | tr '\n' ' ')"; fi
}
T=$tc
cd "$tmp" || exit 1

# ---------------------------------------------------------------- fixtures
"$T" generate -q --xml-only -n 200 city >/dev/null 2>&1 || { echo "FAIL generate"; exit 1; }
cp -r "$src/mappings/changchun" maps
for k in maker checker auditor finance100 finance112 audit-office; do
  "$T" keygen -o $k >/dev/null 2>&1
done
# the parties of the certificates: two counties' finance bureaus, the audit office
"$T" policy make -o policy.ini --maker maker.pub --checker checker.pub \
  --waiver auditor.pub --party 县财政局:220100=finance100.pub \
  --party 县财政局:220112=finance112.pub --party 审计局=audit-office.pub \
  >/dev/null 2>&1 || { echo "FAIL policy"; exit 1; }
mkdir ext cty rec out
export TONGCHOU_POLICY=$tmp/policy.ini TONGCHOU_AUDIT=$tmp/audit.trail
"$T" extract -q -o ext city/sources/220100.xml city/sources/220112.xml >/dev/null 2>&1
"$T" map -q -m maps -o cty ext/*.tcb >/dev/null 2>&1
TONGCHOU_KEY=maker.key "$T" reconcile -q -m maps -o rec cty/*.tcb >/dev/null 2>&1
[ -f rec/reconciliation.json ] || { echo "FAIL the fixtures: no reconciliation"; exit 1; }
x=city/sources/220100.xml
head -n 200 $x >cut-line.xml                 # cut at a line break
head -c 20000 $x >cut-tag.xml                # cut inside a tag
gzip -n -c cut-line.xml >cut-line.xml.gz     # the gzip data whole, the XML in it cut
gzip -n -c cut-tag.xml >cut-tag.xml.gz
: >empty.xml
printf '\x00\x01garbage\xff\xfe' >garbage.bin
head -c 300 city/sources/220113.xml.gz >cut.xml.gz
printf 'not gzip at all' | gzip -c | head -c 12 >tiny.gz
sed 's/<Handover /<!DOCTYPE x>\n<Handover /' $x >doctype.xml
# amounts the format refuses: three decimals, a plus sign, full-width digits
sed '0,/paid="\([0-9]*\)\.\([0-9]*\)"/s//paid="\1.\21"/' $x >amount3.xml
sed '0,/paid="\([0-9]\)/s//paid="+\1/' $x >amountplus.xml
sed '0,/paid="\([0-9]\)/s//paid="１/' $x >amountwide.xml
sed '0,/<Count section="Contributions" records="\([0-9]*\)"/s//<Count section="Contributions" records="9\1"/' $x >count.xml
sed 's/<Handover /<Export /; s#</Handover>#</Export>#' $x >root.xml
mkdir srcdir
cp ext/220100.balance.tcb damaged.tcb
printf 'x' | dd of=damaged.tcb bs=1 seek=200 conv=notrunc 2>/dev/null
head -c 150 ext/220100.balance.tcb >cut.tcb
printf 'hello\n' >notbatch.tcb
echo '{"format": "nope"}' >notrecon.json
echo 'not json {' >broken.json
cp maker.key readable.key && chmod 640 readable.key
cp -r maps maps-dup && printf '220100,310,310,,,\r\n' >>maps-dup/fund.csv
cp -r maps maps-hdr && sed -i '1s/.*/county,src,target,valid_from,valid_to,note/' maps-hdr/fund.csv
cp -r maps maps-target && sed -i 's/^220113,05,310,,,/220113,05,777,,,/' maps-target/fund.csv
cp -r maps maps-split && printf 'county,column,source,target\r\n220100,region,x,220122\r\n' >maps-split/split.csv
cp -r maps maps-alloc && printf 'county,fund,account,target,amount\r\n220113,310,1003,220113,1.00\r\n' >maps-alloc/allocation.csv
cp -r maps maps-gb && iconv -f UTF-8 -t GB18030 maps/city/regions.csv >maps-gb/city/regions.csv
cp -r maps maps-latin1 && printf '220199,Caf\xe9\xff\r\n' >>maps-latin1/city/regions.csv
cp -r maps maps-other && sed -i '1s/$/ /' maps-other/kind.csv 2>/dev/null && printf '\r\n' >>maps-other/kind.csv
python3 - rec/reconciliation.json edited.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["counties"][0]["funds"][0]
y = int(f["cash"].replace(".", "")) + 100
f["cash"] = f["transfer"] = "%d.%02d" % (y // 100, y % 100)
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False, indent=2)
EOF
# one employer contribution paid -7551.19, the Trailer's sum made to agree
python3 - $x negative.xml <<'EOF'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'(<Contribution [^>]*kind="employer"[^>]*paid=")([0-9.]+)"', t)
old = int(m.group(2).replace(".", ""))
t = t[:m.start(2)] + "-7551.19" + t[m.end(2):]
s = re.search(r'(<Sum section="Contributions" attribute="paid" value=")([0-9.]+)"', t)
v = int(s.group(2).replace(".", "")) - old - 755119
t = t[:s.start(2)] + "%d.%02d" % (v // 100, v % 100) + t[s.end(2):]
open(sys.argv[2], "w", encoding="utf-8").write(t)
EOF
mkdir neg-ext neg-cty neg-rec
# 榆树 (220182) as its legacy YB2008 database dumped plain (pg_dump, gzip;
# the generator starts a PostgreSQL of its own), and the same dump with ten
# rows deleted: the voucher lines 141 to 150 of kj_pzmx, five whole
# debit/credit pairs of a March voucher, so every voucher still balances
"$T" generate -q --county 220182 -n 200 dumpcity >/dev/null 2>&1 || echo "FAIL generate the dump"
zcat dumpcity/sources/220182.sql.gz | awk '/^COPY public\.kj_pzmx /{b=1; n=0; print; next}
  b && /^\\\.$/ {b=0} b {n++; if (n > 140 && n <= 150) next} {print}' | gzip -n >ten-rows.sql.gz
mkdir ten-ext ten-cty ten-rec
long=$(printf 'd%.0s' $(seq 1 200))/$(printf 'e%.0s' $(seq 1 200))/$(printf 'f%.0s' $(seq 1 200))/$(printf 'g%.0s' $(seq 1 200))
cat >bad-key.ini <<EOF
[city]
code = 220100
cutover = 2021-06-30
mappings = maps
work = work
colour = blue
[keys]
maker = maker.key
policy = policy.ini
EOF
cat >no-source.ini <<EOF
[city]
code = 220100
cutover = 2021-06-30
mappings = maps
work = work
[keys]
maker = maker.key
policy = policy.ini
[county 220100]
source = city/sources/nowhere.xml
EOF
cat >bad-county.ini <<EOF
[city]
code = 220100
cutover = 2021-06-30
mappings = maps
work = work
[keys]
maker = maker.key
policy = policy.ini
[county 2201]
source = $x
EOF
cat >no-maps.ini <<EOF
[city]
code = 220100
cutover = 2021-06-30
mappings = no-such-maps
work = work
[keys]
maker = maker.key
policy = policy.ini
[county 220100]
source = $x
EOF

# ----------------------------------------------------------------- extract
slip extract-no-out 2 'name the output folder with -o DIR' $T extract $x
slip extract-no-source 2 '' $T extract -o out
slip extract-missing 3 'cannot open nowhere.xml: No such file or directory' $T extract -o out nowhere.xml
slip extract-folder 3 'srcdir is a folder without toc.dat: extract reads one export per source' $T extract -o out srcdir
slip extract-empty 3 'is empty' $T extract -o out empty.xml
slip extract-cut-line 3 'stops after line 200' $T extract -o out cut-line.xml
slip extract-cut-tag 3 'before its </Handover>: it was cut short' $T extract -o out cut-tag.xml
slip extract-cut-line-gz 3 'stops after line 200 (24023 bytes unpacked), before its </Handover>: it was cut short before it was compressed' $T extract -o out cut-line.xml.gz
slip extract-cut-tag-gz 3 'before its </Handover>: it was cut short before it was compressed' $T extract -o out cut-tag.xml.gz
slip extract-garbage 3 '' $T extract -o out garbage.bin
slip extract-cut-gzip 3 'the gzip data is cut short' $T extract -o out cut.xml.gz
slip extract-doctype 3 'DOCTYPE' $T extract -o out doctype.xml
slip extract-3-decimals 3 'amount' $T extract -o out amount3.xml
slip extract-plus 3 'amount' $T extract -o out amountplus.xml
slip extract-full-width 3 'amount' $T extract -o out amountwide.xml
slip extract-count 3 'Trailer Count of Contributions' $T extract -o out count.xml
slip extract-root 3 'Export' $T extract -o out root.xml
slip extract-twice 2 'are one source, named twice' $T extract -o out $x $x
slip extract-profile 2 "no profile named 'nosuch'" $T extract --profile nosuch -o out garbage.bin
slip extract-pub-key 3 'this is a public key' env TONGCHOU_KEY=maker.pub $T extract -o out $x
slip extract-readable-key 3 'readable' env TONGCHOU_KEY=readable.key $T extract -o out $x
slip extract-long-path 3 'No such file or directory' $T extract -o out "/$long/$long/x.xml"
slip extract-negative 0 '' $T extract -o neg-ext negative.xml
slip map-negative 0 '' $T map -m maps -o neg-cty neg-ext/220100.contribution.tcb neg-ext/220100.balance.tcb
slip rec-negative 1 '' $T reconcile -m maps -o neg-rec neg-cty/220100.contribution.tcb neg-cty/220100.balance.tcb
if grep -q 'NEGATIVE_AMOUNT,blocking,.*,-7551.19,' neg-rec/findings.csv; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL rec-negative: no blocking NEGATIVE_AMOUNT of -7551.19"; fi
# Ten rows deleted from a plain dump (issue 18, item 11): a dump has no
# control totals, so it extracts and maps cleanly, saying so; reconcile's
# cross-check of the balance table's turnover against the voucher lines
# finds the loss, and its reports say the source came without control
# totals while the handover XML beside it came with them.
slip dump-ten-rows 0 'ten-rows.sql.gz: a dump carries no control totals: rows lost from it show only in' $T extract -o ten-ext ten-rows.sql.gz
[ "$(zcat dumpcity/sources/220182.sql.gz | wc -l)" -eq $(($(zcat ten-rows.sql.gz | wc -l) + 10)) ] &&
  pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL dump-ten-rows: not ten rows fewer"; }
slip dump-ten-rows-map 0 '' $T map -m maps -o ten-cty ten-ext/*.tcb
slip dump-ten-rows-rec 1 'findings need attention' $T reconcile -m maps -o ten-rec cty/220100.*.tcb ten-cty/*.tcb
# 220182's findings, all of them: the two the generator put in its ledger
# (CONTRIB_LEDGER_MISMATCH, DUPLICATE_RECORD) and the deleted lines' trace
cat >ten-want.csv <<'EOF'
220182,220182,390,BANK_UNRECONCILED,blocking,2201821158872792,-1190385.82
220182,220182,310,CONTRIB_LEDGER_MISMATCH,blocking,2021-01..2021-06,3500.00
220182,220182,310,DUPLICATE_RECORD,blocking,contribution 91220182MA00000070/1/01/2019-07,24340.08
220182,220182,390,TURNOVER_MISMATCH,blocking,1004/2021-03/credit,1190385.82
220182,220182,390,TURNOVER_MISMATCH,blocking,5001/2021-03/debit,1190385.82
EOF
if grep '^220182,' ten-rec/findings.csv | cut -d, -f1-7 | diff - ten-want.csv >/dev/null; then
  pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL dump-ten-rows-rec: findings"
  grep '^220182,' ten-rec/findings.csv | cut -d, -f1-7; fi
# the reports: 220182 without control totals, 220100 (handover XML) with
if python3 - ten-rec/reconciliation.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
got = {c["county"]: [s["controls"] for s in c["sources"]] for c in d["counties"]}
sys.exit(got != {"220100": ["counts,sums"], "220182": ["none"]})
EOF
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL dump-ten-rows-rec: sources in the JSON"; fi
if grep -q '榆树市</span> 的数据来自数据库转储或在线数据库，没有县级导出的控制合计' ten-rec/reconciliation.html &&
   grep -q '<span class="mono">220182</span> came without control totals from the county' ten-rec/reconciliation.html &&
   [ "$(grep -o 'tag warning">无 none<' ten-rec/reconciliation.html | wc -l)" -eq 2 ]; then
  pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL dump-ten-rows-rec: the page does not say it"; fi
slip extract-bad-option 2 '' $T extract --frobnicate -o out $x
slip extract-out-file 3 'a file of that name is in the way' $T extract -o policy.ini $x
slip extract-out-made 0 '' $T extract -o made/deep/ $x
if [ "$(stat -c %a made/deep)" = 700 ] && grep -q '^made/deep/220100.account.tcb$' .out &&
   ! grep -q '//' .out; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL extract-out-made: $(stat -c %a made/deep) $(head -1 .out)"; fi
empty extract-wrote-nothing out

# Text unloads (issue 22): 榆树's dump cut into one PostgreSQL COPY text file
# per table (its COPY blocks are just that, in GBK), each with its check
# file, read through yb2008-copy-text with encoding GB18030.  Then one slip
# each: a field too many, an amount with three decimals, a date that is
# none, bytes that are not GB18030, a check file that disagrees, one
# missing.  Each refusal names the file, the line and column (or the byte
# offset) and writes nothing.
mkdir unl
zcat dumpcity/sources/220182.sql.gz | awk '/^COPY public\./ {t=substr($2, 8); f="unl/" t ".txt"; printf "" >f; n=0; next}
  t && /^\\\.$/ {print n >("unl/" t ".txt.chk"); close(f); t=""; next} t {print >f; n++}'
cat >unl.ini <<EOF2
[profile]
include = $src/extract/profiles/yb2008-copy-text.ini
[unload]
encoding = GB18030
EOF2
chmod -R go-rwx unl
mkdir unl-ext unl-out
slip unload-ok 0 'every file' $T extract --profile unl.ini -o unl-ext unl
# signed into the trail: a folder's digest is its files' (as the batches' source)
slip unload-signed 0 '' env TONGCHOU_KEY=maker.key $T extract -q --profile unl.ini -o unl-signed unl
slip unload-as-dump 2 'describes text unloads' $T extract --profile unl.ini -o unl-out dumpcity/sources/220182.sql.gz
unl() { # unl NAME: a copy of the unload to damage
  rm -rf "unl-$1" && cp -r unl "unl-$1"
}
unl fields && sed -i '2s/$/\tx/' unl-fields/gr_zh.txt
slip unload-field-count 3 'gr_zh.txt:2:4: 4 fields where the profile names 3 columns for table gr_zh' $T extract --profile unl.ini -o unl-out unl-fields
unl amount3 && sed -i '3s/\t\([0-9-]*\.[0-9][0-9]\)$/\t\11/' unl-amount3/gr_zh.txt
slip unload-3-decimals 3 'gr_zh.txt:3: table gr_zh row 3 column ye: bad amount' $T extract --profile unl.ini -o unl-out unl-amount3
unl date && sed -i '1s/\t\(20[0-9][0-9]-[0-9][0-9]\)-[0-9][0-9]\t/\t\1-32\t/' unl-date/yh_dzd.txt
slip unload-bad-date 3 "yh_dzd.txt:1: table yh_dzd row 1 column rq: bad date '20" $T extract --profile unl.ini -o unl-out unl-date
unl gb && printf '104\t\x81\x20\x81\x20\t1\n' >>unl-gb/kj_km.txt && echo $(($(cat unl-gb/kj_km.txt.chk) + 1)) >unl-gb/kj_km.txt.chk
slip unload-gb18030 3 "kj_km.txt:$(($(cat unl/kj_km.txt.chk) + 1)):2: byte offset $(($(stat -c %s unl/kj_km.txt) + 4)) (81 20 81 20): not valid GB18030" $T extract --profile unl.ini -o unl-out unl-gb
unl chk && echo 7 >unl-chk/kj_pzmx.txt.chk
slip unload-check-count 3 "kj_pzmx.txt.chk gives 7 rows, the file holds $(cat unl/kj_pzmx.txt.chk)" $T extract --profile unl.ini -o unl-out unl-chk
unl nochk && rm unl-nochk/yh_zh.txt.chk
slip unload-check-missing 3 'yh_zh.txt.chk is missing' $T extract --profile unl.ini -o unl-out unl-nochk
empty unload-writes-nothing unl-out
# Finance-software workbooks (issue 22): the 用友 ledger of
# docs/examples/workbooks (a journal and twelve monthly balance tables),
# read through the shipped yonyou profile.  Then one slip each: a workbook
# cut short, an .xls, a month's balance table missing (the cross-check), a
# folder not named by a county code, the other vendor's profile, the
# profile given a dump.  Each refusal names the file (and the sheet, cell
# or account) and writes nothing.
mkdir -p wb wb-ext wb-out
cp -r "$src/docs/examples/workbooks/220182" wb/ && chmod -R go-rwx wb
slip workbook-ok 0 "the journal's turnover agreed with the balance table's" $T extract --profile yonyou -o wb-ext wb/220182
slip workbook-as-dump 2 'describes finance-software workbooks' $T extract --profile yonyou -o wb-out dumpcity/sources/220182.sql.gz
wbc() { # wbc NAME: a copy of the ledger to damage, in NAME/220182
  rm -rf "wb-$1" && mkdir "wb-$1" && cp -r wb/220182 "wb-$1/"
}
wbc cut && head -c 1500 wb/220182/序时账_01.xlsx >wb-cut/220182/序时账_01.xlsx
slip workbook-cut 3 '序时账_01.xlsx: no end of central directory: not a zip file, or cut short' $T extract --profile yonyou -o wb-out wb-cut/220182
wbc xls && printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' >wb-xls/220182/序时账_01.xlsx
slip workbook-xls 3 '序时账_01.xlsx: an Excel 97-2003 workbook (.xls), not .xlsx' $T extract --profile yonyou -o wb-out wb-xls/220182
wbc month && rm wb-month/220182/科目余额表_01_202412.xlsx
slip workbook-cross-check 3 'cross-check: fund 01 account 100201 period 202412: the journal has 2 lines' $T extract --profile yonyou -o wb-out wb-month/220182
rm -rf wb-name && cp -r wb/220182 wb-name
slip workbook-folder-name 3 'the folder wb-name is not named by a county code' $T extract --profile yonyou -o wb-out wb-name
slip workbook-other-vendor 3 '序时账_01.xlsx: the workbook has no sheet named 序时簿' $T extract --profile kingdee -o wb-out wb/220182
empty workbook-writes-nothing wb-out
# ---------------------------------------------------------------- mappings
slip mappings-no-args 2 '' $T mappings
slip mappings-verb 2 '' $T mappings frob maps
slip mappings-missing 3 'is not a mapping-set folder' $T mappings check nowhere
slip mappings-overlap 3 'overlaps the one at line 2' $T mappings check maps-dup
slip mappings-header 3 'the header row is' $T mappings check maps-hdr
slip mappings-target 3 'target 777 of source 05 is not in city/funds.csv' $T mappings check maps-target
slip mappings-split-column 3 "column 'region' is not one a split follows" $T mappings check maps-split
slip mappings-alloc-pool 3 'pool 220113 is not split' $T mappings check maps-alloc
slip mappings-gb18030 0 '' $T mappings check maps-gb
if grep -q 'GB18030' "$tmp/.out" && "$T" mappings check maps-gb 2>/dev/null | grep -q '^digest'; then
  pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL mappings-gb18030: not read as GB18030"; fi
slip mappings-neither 3 'GB18030' $T mappings check maps-latin1
slip mappings-not-batch 3 'not a tongchou batch' $T mappings check maps notbatch.tcb
slip mappings-city-batch 2 'coded for the city already' $T mappings check maps cty/220100.contribution.tcb

# --------------------------------------------------------------------- map
slip map-no-maps 2 '' $T map -o out ext/220100.balance.tcb
slip map-no-out 2 '' $T map -m maps ext/220100.balance.tcb
slip map-maps-missing 3 'is not a mapping-set folder' $T map -m nowhere -o out ext/220100.balance.tcb
slip map-not-batch 3 'not a tongchou batch' $T map -m maps -o out notbatch.tcb
slip map-damaged 5 'not a whole batch' $T map -m maps -o out damaged.tcb
slip map-cut 5 'not a whole batch' $T map -m maps -o out cut.tcb
slip map-city-batch 2 'coded for the city already' $T map -m maps -o out cty/220100.balance.tcb
slip map-over-input 3 'over its input' $T map -m maps -o ext ext/220100.balance.tcb
slip map-twice 2 'are both county batches' $T map -m maps -o out ext/220100.balance.tcb ext/220100.balance.tcb
slip map-broken-set 3 'overlaps' $T map -m maps-dup -o out ext/220100.balance.tcb
slip map-batch-missing 3 'No such file or directory' $T map -m maps -o out nowhere.tcb
slip map-pub-key 3 'this is a public key' env TONGCHOU_KEY=maker.pub $T map -m maps -o out ext/220100.balance.tcb
empty map-wrote-nothing out

# --------------------------------------------------------------- reconcile
slip rec-no-maps 2 '' $T reconcile -o out cty/220100.balance.tcb
slip rec-no-out 2 '' $T reconcile -m maps cty/220100.balance.tcb
slip rec-no-batches 2 '' $T reconcile -m maps -o out
slip rec-county-batch 3 '' $T reconcile -m maps -o out ext/220100.balance.tcb
slip rec-twice 3 'would be counted twice' $T reconcile -m maps -o out cty/220100.balance.tcb cty/220100.balance.tcb
slip rec-other-set 3 'mapped with another mapping set' $T reconcile -m maps-other -o out cty/220100.balance.tcb
slip rec-funds 2 'is not COUNTY=FUND' $T reconcile -m maps -o out --funds 220100 cty/220100.balance.tcb
slip rec-cutover 2 'is not COUNTY:FUND=YYYY-MM-DD' $T reconcile -m maps -o out --cutover 220100:310=2021-02-30 cty/220100.balance.tcb
slip rec-cutover-later 3 '' $T reconcile -m maps -o out --cutover 220100:310=2021-12-31 cty/220100.balance.tcb
slip rec-not-batch 3 'not a tongchou batch' $T reconcile -m maps -o out notbatch.tcb
slip rec-damaged 5 'not a whole batch' $T reconcile -m maps -o out damaged.tcb
slip rec-pub-key 3 'this is a public key' env TONGCHOU_KEY=maker.pub $T reconcile -m maps -o out cty/220100.balance.tcb
empty rec-wrote-nothing out

# --------------------------------------------------------------- db, load
slip db-no-verb 2 '' $T db
slip db-port 2 "bad --port 'x'" $T db start --port x newdb
slip db-verb 2 "unknown action 'frob'" $T db frob db
slip db-status-none 4 '' $T db status nowhere-db
slip db-env-none 4 'no server folder nowhere-db' $T db env nowhere-db
slip db-init-unreachable 4 'cannot connect' $T db init --db "host=$tmp/nosock port=1 dbname=x"
if "$T" db start db >/dev/null 2>&1; then
  pass=$((pass + 1))
  eval "$("$T" db env db)"
  export PGDATABASE=postgres
  slip load-no-schema 3 'the database holds no tongchou schema' $T load --db dbname=postgres cty/220100.balance.tcb
  slip db-upgrade-no-schema 3 'no tongchou schema to upgrade' $T db upgrade --db dbname=postgres
  psql -X -q -c 'CREATE DATABASE tongchou' >/dev/null
  slip db-init 0 '' $T db init --db dbname=tongchou
  slip load-not-batch 3 'not a tongchou batch' $T load --db dbname=tongchou notbatch.tcb
  slip load-damaged 5 'not a whole batch' $T load --db dbname=tongchou damaged.tcb
  slip load-county-batch 3 '' $T load --db dbname=tongchou ext/220100.balance.tcb
  slip load-missing 3 'No such file or directory' $T load --db dbname=tongchou nowhere.tcb
  slip load-no-args 2 '' $T load --db dbname=tongchou
  slip load-bad-recon 3 '' $T load --db dbname=tongchou notrecon.json
  slip load-broken-json 3 '' $T load --db dbname=tongchou broken.json
  slip load-edited-recon 5 '' env TONGCHOU_KEY=maker.key $T load --db dbname=tongchou edited.json
  slip load-wrong-db 4 'cannot connect' $T load --db "dbname=nosuchdb" cty/220100.balance.tcb
  slip load-ok 0 '' $T load --db dbname=tongchou cty/*.tcb rec/reconciliation.json
  slip load-again 0 '' $T load --db dbname=tongchou cty/*.tcb

  # ------------------------------------------------------------- transfer
  R=rec/reconciliation.json
  slip plan-no-key 2 '' $T transfer plan -r $R -o out/plan.json --db dbname=tongchou
  slip plan-pub-key 3 'this is a public key' $T transfer plan -r $R -k maker.pub -o out/plan.json --db dbname=tongchou
  slip plan-readable-key 3 'readable' $T transfer plan -r $R -k readable.key -o out/plan.json --db dbname=tongchou
  slip plan-pub-flag 2 '' $T transfer plan -r $R -k maker.key --pub maker.pub -o out/plan.json --db dbname=tongchou
  slip plan-no-recon 3 'nowhere.json' $T transfer plan -r nowhere.json -k maker.key -o out/plan.json --db dbname=tongchou
  slip plan-broken-recon 3 '' $T transfer plan -r broken.json -k maker.key -o out/plan.json --db dbname=tongchou
  slip plan-edited-recon 5 'is not one a reconcile entry' $T transfer plan -r edited.json -k maker.key -o out/plan.json --db dbname=tongchou
  slip plan-checker-key 5 '' $T transfer plan -r $R -k checker.key -o out/plan.json --db dbname=tongchou
  slip plan-no-policy 2 '' env -u TONGCHOU_POLICY $T transfer plan -r $R -k maker.key -o out/plan.json --db dbname=tongchou
  empty plan-wrote-nothing out
  slip waive-unknown 3 '' $T transfer waive -r $R --county 220100 --finding NOSUCH/310/x --reason r -k auditor.key -o out/w.json
  slip waive-twice 2 'named twice' $T transfer waive -r $R --county 220112 --finding PERIOD_GAP/310/1101/2021-03 --finding PERIOD_GAP/310/1101/2021-03 --reason r -k auditor.key -o out/w.json
  slip waive-no-reason 2 '' $T transfer waive -r $R --county 220100 --finding A/310/x -k auditor.key -o out/w.json
  slip waive-maker-key 5 '' $T transfer waive -r $R --county 220100 --finding A/310/x --reason r -k maker.key -o out/w.json
  empty waive-wrote-nothing out
  slip approve-no-plan 2 '' $T transfer approve -r $R -k checker.key --db dbname=tongchou
  slip approve-missing 3 'nowhere.json' $T transfer approve nowhere.json -r $R -k checker.key --db dbname=tongchou
  slip approve-broken 3 '' $T transfer approve broken.json -r $R -k checker.key --db dbname=tongchou
  slip plan-ok 0 '' $T transfer plan -r $R -k maker.key -o plan.json --db dbname=tongchou
  slip approve-maker 5 '' $T transfer approve plan.json -r $R -k maker.key --db dbname=tongchou
  sed 's/"amount":"\([0-9]\)/"amount":"9\1/' plan.json >flipped.json
  slip approve-flipped 5 'does not verify' $T transfer approve flipped.json -r $R -k checker.key --db dbname=tongchou
  slip execute-unapproved 5 'not approved' $T transfer execute plan.json -r $R -m maps -k checker.key --db dbname=tongchou
  slip execute-no-maps 2 '' $T transfer execute plan.json -r $R -k checker.key --db dbname=tongchou
  slip verify-flipped 5 '' $T transfer verify flipped.json -r $R
  # ---------------------------------------------------------- documents
  slip documents-no-output 2 'output folder' $T documents -r $R --plan plan.json
  slip documents-word 2 'one word too many' $T documents -r $R --plan plan.json -o out/docs extra
  slip documents-no-policy 2 'policy' env -u TONGCHOU_POLICY $T documents -r $R --plan plan.json -o out/docs
  slip documents-missing 3 'nowhere.json' $T documents -r $R --plan nowhere.json -o out/docs
  slip documents-flipped 5 'does not verify' $T documents -r $R --plan flipped.json -o out/docs
  slip documents-edited-recon 5 '' $T documents -r edited.json --plan plan.json -o out/docs
  slip documents-unapproved 5 '' $T documents -r $R --plan plan.json -o out/docs
  empty documents-wrote-nothing out/docs
  # ----------------------------------------------------- documents sign
  # the plan approved and executed, its certificate made and recorded
  slip approve-ok 0 '' $T transfer approve plan.json -r $R -k checker.key --db dbname=tongchou
  slip execute-ok 0 '' $T transfer execute plan.json -r $R -m maps -k maker.key --db dbname=tongchou
  slip documents-ok 0 '' env TONGCHOU_KEY=maker.key $T documents -r $R --plan plan.json -o docs
  C=docs/220100.certificate.pdf
  cp $C changed.pdf && printf 'Q' | dd of=changed.pdf bs=1 seek=3000 conv=notrunc 2>/dev/null
  cp audit-office.key readable-party.key && chmod 640 readable-party.key
  entries=$(wc -l <audit.trail)
  slip sign-no-party 2 'the party (--as)' $T documents sign $C -k audit-office.key
  slip sign-no-cert 2 'name one certificate' $T documents sign --as 审计局 -k audit-office.key
  slip sign-readable-key 3 'readable' $T documents sign $C --as 审计局 -k readable-party.key
  slip sign-missing-cert 3 'nowhere.pdf' $T documents sign nowhere.pdf --as 审计局 -k audit-office.key
  slip sign-checker-key 5 "is a checker's key in the policy, not a party's" $T documents sign $C --as 审计局 -k checker.key
  slip sign-waiver-key 5 "is a waiver's key in the policy, not a party's" $T documents sign $C --as 审计局 -k auditor.key
  slip sign-relabelled 5 "is 县财政局's key in the policy, not 审计局's" $T documents sign $C --as 审计局 -k finance100.key
  slip sign-unknown-party 5 'names no party 省医保局' $T documents sign $C --as 省医保局 -k audit-office.key
  slip sign-other-county 5 "signs for county 220112's 县财政局" $T documents sign $C --as 县财政局 -k finance112.key
  slip sign-unrecorded 5 'no documents entry of the audit trail recorded it' $T documents sign sha256:0000000000000000000000000000000000000000000000000000000000000000 --as 审计局 -k audit-office.key
  slip sign-changed 5 'not a certificate a documents entry' $T documents sign changed.pdf --as 审计局 -k audit-office.key
  if [ "$(wc -l <audit.trail)" -eq "$entries" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL a refused signature appended to the trail"; fi
  slip sign-ok 0 '' $T documents sign $C --as 审计局 -k audit-office.key
  slip sign-twice 5 'has signed certificate' $T documents sign docs/220100.certificate.xlsx --as 审计局 -k audit-office.key
  slip verify-cert-incomplete 1 'missing: 县财政局' $T audit verify --policy policy.ini --certificate $C
  slip verify-cert-changed 5 'not a certificate a documents entry' $T audit verify --policy policy.ini --certificate changed.pdf
  slip verify-cert-no-policy 2 'needs the city' $T audit verify --pub maker.pub --certificate $C
  slip sign-county-ok 0 '' $T documents sign $C --as 县财政局 -k finance100.key
  slip verify-cert-complete 0 '' $T audit verify --policy policy.ini --certificate $C
  slip transfer-verb 2 '' $T transfer frob
else
  fail=$((fail + 1)); echo "FAIL db start"
fi

# ------------------------------------------------------------------- audit
cp audit.trail trail-copy
sed '2s/"command":"[a-z]*"/"command":"forged"/' audit.trail >trail-edited
sed '2d' audit.trail >trail-dropped
head -c -20 audit.trail >trail-cut
slip audit-no-verb 2 '' $T audit
slip audit-verb 2 '' $T audit frob
slip audit-missing 3 'No such file or directory' $T audit verify --trail nowhere.trail --policy policy.ini
slip audit-no-keys 2 'needs the trusted public keys' $T audit verify --trail trail-copy
slip audit-edited 5 '' $T audit verify --trail trail-edited --policy policy.ini
slip audit-dropped 5 '' $T audit verify --trail trail-dropped --policy policy.ini
slip audit-cut 5 '' $T audit verify --trail trail-cut --policy policy.ini
slip audit-policy-missing 3 'nowhere.ini' $T audit verify --trail trail-copy --policy nowhere.ini
slip audit-ok 0 '' $T audit verify --trail trail-copy --policy policy.ini
slip audit-show-missing 3 'No such file or directory' $T audit show --trail nowhere.trail
slip audit-checkpoint-pub 3 'this is a public key' $T audit checkpoint --trail trail-copy -k maker.pub -o out/cp
slip audit-prove-no-cp 3 'nowhere.cp' $T audit prove 1 --trail trail-copy --checkpoint nowhere.cp -o out/p

# --------------------------------------------------------------- run, status
slip run-no-manifest 2 'name one manifest' $T run
slip run-manifest-missing 2 'cannot read manifest' $T run nowhere.ini
slip run-unknown-key 3 'colour' $T run --dry-run bad-key.ini
slip run-no-source 3 'cannot read its source city/sources/nowhere.xml' $T run --dry-run no-source.ini
slip run-bad-county 3 '2201' $T run --dry-run bad-county.ini
slip run-no-maps 3 'no-such-maps' $T run --dry-run no-maps.ini
slip run-dry-nothing 3 '' $T run --dry-run no-source.ini
if [ ! -e work ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL run --dry-run made work/"; fi
slip run-accept-no-reason 2 'reason' $T run --accept 220100 no-source.ini
slip run-jobs 2 "bad --jobs 'x'" $T run --jobs x no-source.ini
slip status-no-manifest 2 '' $T status
slip status-missing 2 'cannot read manifest' $T status nowhere.ini
slip status-bad-key 3 'colour' $T status bad-key.ini

# ------------------------------------------------------ archive, purge
slip archive-no-county 2 'name the county with --county C' $T archive no-source.ini
slip archive-unknown-county 2 'county 229999 is not in no-source.ini' $T archive --county 229999 no-source.ini
slip archive-no-trail 3 'no audit trail at work/audit.trail' $T archive --county 220100 no-source.ini
slip purge-no-manifest 2 'name one manifest' $T purge --county 220100
slip purge-no-trail 3 'no audit trail at work/audit.trail' $T purge --dry-run --county 220100 no-source.ini
if [ ! -e work ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL archive or purge made work/"; fi

# ------------------------------------------------ keygen, policy, batch, diff
slip keygen-no-out 2 '' $T keygen
slip keygen-alg 2 '' $T keygen --alg rsa -o out/k
slip keygen-exists 3 '' $T keygen -o maker
slip policy-no-checker 2 'would list no checker' $T policy make -o out/p.ini --maker maker.pub
slip policy-key-as-pub 3 '' $T policy make -o out/p.ini --maker maker.key --checker checker.pub
slip policy-show-missing 3 'nowhere.ini' $T policy show nowhere.ini
slip policy-party-no-name 2 'NAME=PUB' $T policy make -o out/p.ini --maker maker.pub --checker checker.pub --party auditor.pub
slip policy-party-county 2 'NAME:COUNTY=PUB' $T policy make -o out/p.ini --maker maker.pub --checker checker.pub --party 县财政局:2201=auditor.pub
slip batch-not-batch 3 'not a tongchou batch' $T batch verify notbatch.tcb
slip batch-damaged 5 'not a whole batch' $T batch verify damaged.tcb
slip batch-cut 5 'not a whole batch' $T batch verify cut.tcb
slip batch-verb 2 "unknown verb 'frob'" $T batch frob x
slip diff-one 2 '' $T diff cty
slip diff-missing 3 'No such file or directory' $T diff cty nowhere
slip diff-not-batches 3 '' $T diff srcdir cty
slip diff-counties 3 '' $T diff ext cty
slip unknown-command 2 "'frobnicate' is not a tongchou command" $T frobnicate
empty nothing-written out

echo "$n cases: $pass passed, $fail failed"
[ "$n" -ge 120 ] || { echo "FAIL the catalogue holds $n cases, fewer than 120"; fail=$((fail + 1)); }
[ "$fail" -eq 0 ]
