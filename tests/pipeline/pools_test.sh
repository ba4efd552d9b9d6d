#!/usr/bin/env bash
# pools_test.sh TONGCHOU - pools that merge and a part handover
# (shared/spec/mappings.md, "Pools that merge, split or hand over in part").  The example city is run twice:
# as generated, where 农安县 (220122) is a sub-ledger of its own, and with
# region.csv folding 220122 into 长春市本级's sub-ledger 220100 (as 通州
# folded into Nantong's 市区 pool).  In the merged run:
#
#   - each pool keeps city batches of its own (220100.POOL.TYPE.tcb), and the
#     database every record of both, under the pool they came from;
#   - each pool's records, amount columns, reconciled figures, findings and
#     transfers are identical, to the fen, to the run where it stands alone;
#   - the reconciliation adds the sub-ledger's level (regions), the sums;
#   - the transfer has one line per pool and fund, and the city sub-ledger
#     220100 rises by exactly the two pools' cash;
#   - status shows both pools loaded and transferred;
#   - the documents give each pool a certificate of its own lines, which
#     its own county's parties sign and the other's cannot;
#   - the same run's manifest hands over only 长春市本级's funds 310 and 390:
#     its fund 330 is reconciled (the same figures) and never transferred;
#   - and gives 农安县's fund 390 its own cutover, 2021-03-31 (the export is
#     cut at 2021-06-30): that fund is reconciled, planned and transferred at
#     March's closing, the run records the date, and changing it reconciles
#     again;
#   - and splits 双阳区 (220112) into itself and a new district 220190
#     (split.csv: one employer's contributions, two institutions' payables
#     and every personal account go to 220190; allocation.csv gives 220190 a
#     third of each cash, receivable and payable account and of the claims
#     and debts).  The pool is reconciled once, whole: its records, amount
#     columns, figures and findings are those of the run where it stands
#     alone; its city batches are divided by the rule, conserving every
#     record and fen; its transfer (its two blocking findings waived) moves
#     its cash once and posts each sub-ledger exactly its share.  An
#     allocation a fen short is a blocking SPLIT_UNALLOCATED that not even a
#     waiver gets past, and a reconciliation edited to move a share is
#     refused.
set -u
tc=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tc-pools-test-XXXXXX")
chmod 755 "$tmp"   # the embedded servers run as 'postgres' when we are root
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
cleanup() {
  "$tc" db stop "$tmp/a/work/db" >/dev/null 2>&1
  "$tc" db stop "$tmp/b/work/db" >/dev/null 2>&1
  "$tc" db stop "$tmp/c/work/db" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

# the city as generated: every pool its own sub-ledger
if "$tc" demo -n 600 -j 2 "$tmp/a" >"$tmp/a.out" 2>"$tmp/a.err"; then ok; else
  bad "demo: exit $?"; cat "$tmp/a.err"; exit 1; fi

# the same sources, 220122 merged into 220100
mkdir -p "$tmp/b"
cp -r "$tmp/a/city" "$tmp/a/keys" "$tmp/a/city.ini" "$tmp/b/"
cp -r "$(sed -n 's/^mappings = //p' "$tmp/a/city.ini")" "$tmp/b/maps"
sed -i 's/^\*,220122,220122,,,/*,220122,220100,,,/' "$tmp/b/maps/region.csv"
sed -i 's#^mappings = .*#mappings = maps#' "$tmp/b/city.ini"
# and a part handover: 长春市本级 hands over its funds 310 and 390 and keeps 330
sed -i '/^\[county 220100\]/a funds = 310, 390' "$tmp/b/city.ini"
# and 农安县 (220122, a pool of 220100 here) hands its fund 390 over at
# the end of March
sed -i '/^\[county 220122\]/a cutover.390 = 2021-03-31' "$tmp/b/city.ini"
grep -A1 '^\[county 220100\]' "$tmp/b/city.ini" | grep -q '^funds = 310, 390$' && ok ||
  bad "the manifest was not edited"
grep -A1 '^\[county 220122\]' "$tmp/b/city.ini" | grep -q '^cutover.390 = 2021-03-31$' && ok ||
  bad "the manifest was not given 220122's cutover"
grep -q '^\*,220122,220100,' "$tmp/b/maps/region.csv" && ok || bad "region.csv was not edited"

# and the split of 220112: the rule on the records, and the allocation of
# what they cannot divide, made from the standalone run's figures
"$tc" db start "$tmp/a/work/db" >/dev/null 2>&1 || bad "cannot start the first database"
eval "$("$tc" db env "$tmp/a/work/db")"
export PGDATABASE=tongchou
payer=$(psql -X -q -At -c "SELECT min(payer) FROM tongchou.contribution WHERE src_county =
  '220112' AND kind = 'employer'")
printf '220190,双阳新区\n' >>"$tmp/b/maps/city/regions.csv"
cat >"$tmp/b/maps/split.csv" <<EOF
county,column,source,target
220112,payer,$payer,220190
220112,payer,*,220112
220112,institution,SY0007,220190
220112,institution,SY0018,220190
220112,institution,*,220112
220112,person,*,220190
EOF
yuan() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
{ psql -X -q -At -F, -c "SELECT b.fund, b.account, sum(closing) FROM tongchou.balance b
    WHERE src_county = '220112' AND account IN ('1001', '1002', '1003', '1004', '1101', '2001',
    '2101') AND b.period = (SELECT max(period) FROM tongchou.balance c WHERE c.src_county =
    b.src_county AND c.fund = b.fund AND c.account = b.account AND c.period <= 202106)
    GROUP BY 1, 2 ORDER BY 1, 2"
  psql -X -q -At -F, -c "SELECT fund, 'claims', employer_arrears + subsidy_shortfall FROM
    tongchou.recon_fund WHERE pool = '220112' UNION ALL SELECT fund, 'debts',
    institution_payables FROM tongchou.recon_fund WHERE pool = '220112' ORDER BY 1, 2"; } |
  { echo "county,fund,account,target,amount"
    while IFS=, read -r fund acc fen; do
      echo "220112,$fund,$acc,220112,$(yuan $((fen - fen / 3)))"
      echo "220112,$fund,$acc,220190,$(yuan $((fen / 3)))"
    done; } >"$tmp/b/maps/allocation.csv"
"$tc" db stop "$tmp/a/work/db" >/dev/null 2>&1
unset PGHOST PGPORT PGUSER PGDATABASE   # the run starts its own
[ -n "$payer" ] && [ "$(grep -c ',220190,' "$tmp/b/maps/allocation.csv")" -eq 14 ] && ok ||
  bad "the split's rule or allocation was not made: payer '$payer'"
"$tc" mappings check "$tmp/b/maps" >/dev/null 2>"$tmp/err" && ok ||
  bad "the split's mapping set is refused: $(cat "$tmp/err")"
"$tc" run --keep-db "$tmp/b/city.ini" >"$tmp/b.out" 2>"$tmp/b.err"
rc=$?
[ "$rc" -eq 1 ] && ok || { bad "merged run: exit $rc, wanted 1 (findings)"; tail "$tmp/b.err"; exit 1; }

# the split: the ledger stays in 220112, the records go where their rule says
ls "$tmp/b/work/city/220112" | sort | tr '\n' ' ' >"$tmp/split.ls"
want="220112.220112.account.tcb 220112.220112.balance.tcb 220112.220112.bank_account.tcb \
220112.220112.bank_entry.tcb 220112.220112.bank_statement.tcb 220112.220112.contribution.tcb \
220112.220112.payable.tcb 220112.220112.personal_account.tcb 220112.220112.subsidy.tcb \
220112.220112.voucher_line.tcb 220190.220112.contribution.tcb 220190.220112.payable.tcb \
220190.220112.personal_account.tcb "
[ "$(cat "$tmp/split.ls")" = "$want" ] && ok || bad "the split's city batches are $(cat "$tmp/split.ls")"
count() { echo $(($("$tc" batch show "$1" 2>/dev/null | grep -c -v '^#') - 1)); }  # less the column line
for t in contribution payable personal_account; do
  n1=$(count "$tmp/b/work/city/220112/220112.220112.$t.tcb")
  n2=$(count "$tmp/b/work/city/220112/220190.220112.$t.tcb")
  n=$(count "$tmp/a/work/city/220112/220112.$t.tcb")
  [ $((n1 + n2)) -eq "$n" ] && [ "$n2" -gt 0 ] && ok ||
    bad "split $t: $n1 + $n2 records, the standalone batch has $n (220190 must get some)"
done
[ "$(count "$tmp/b/work/city/220112/220112.220112.personal_account.tcb")" -eq 0 ] && ok ||
  bad "a personal account stayed in 220112 although every one goes to 220190"

# a batch per pool, none under the bare region name
for pool in 220100 220122; do
  n=$(ls "$tmp/b/work/city/$pool" | grep -c "^220100\.$pool\.[a-z_]*\.tcb$")
  [ "$n" -eq 10 ] && ok || bad "pool $pool has $n city batches of its own, wanted 10"
  ls "$tmp/b/work/city/$pool" | grep -q '^220100\.[a-z_]*\.tcb$' &&
    bad "pool $pool wrote under the bare name 220100.TYPE.tcb" || ok
done
"$tc" batch show "$tmp/b/work/city/220122/220100.220122.contribution.tcb" 2>/dev/null |
  grep -q '^# pool 220122$' && ok || bad "the merged pool's batch does not name its pool"

# the reconciliation: two units under 220100, and the sub-ledger's sums
rec=$tmp/b/work/reports/reconciliation.json
grep -q '"regions"' "$rec" && ok || bad "the reconciliation has no merged sub-ledger level"
grep -A3 '"pools"' "$rec" | tr -d ' \n' | grep -q '"pools":\["220100","220122"\]' && ok ||
  bad "the merged sub-ledger does not list its two pools"
grep -q 'id="merged"' "$tmp/b/work/reports/reconciliation.html" && ok ||
  bad "the report page has no merged sub-ledger section"

# the merged run's transfer: approved and executed like any other
export TONGCHOU_POLICY=$tmp/b/keys/policy.ini TONGCHOU_AUDIT=$tmp/b/work/audit.trail
plan=$tmp/b/work/transfer/plan.json
eval "$("$tc" db env "$tmp/b/work/db")"
export PGDATABASE=tongchou
"$tc" transfer approve "$plan" -r "$rec" -k "$tmp/b/keys/checker.key" 2>"$tmp/err" && ok ||
  bad "approve: $(cat "$tmp/err")"
"$tc" transfer execute "$plan" -r "$rec" -m "$tmp/b/maps" -k "$tmp/b/keys/checker.key" \
  >"$tmp/exec" 2>"$tmp/err" && ok || bad "execute: $(cat "$tmp/err")"
lines=$(awk -F '\t' '$1 == "posted" && $2 == "220100"' "$tmp/exec" | cut -f3,4 | tr '\t' / |
  sort | tr '\n' ' ')
[ "$lines" = "220100/310 220100/390 220122/310 220122/390 " ] && ok ||
  bad "sub-ledger 220100's transfer lines are '$lines', wanted one per pool and fund, 330 kept"
grep -q '"fund":"330","pool":"220100","reason":"not handed over' "$plan" && ok ||
  bad "the plan does not say 220100's fund 330 is kept"
# the documents of the merged sub-ledger: a certificate per source pool,
# each stating its own pool's lines only, and signed by its own county's
# parties - 长春市本级's bureau cannot sign for 农安县's money
cp "$tmp/b/work/audit.trail" "$tmp/docs.trail"
TONGCHOU_KEY=$tmp/b/keys/maker.key "$tc" documents -q -j 2 -r "$rec" --plan "$plan" \
  -t "$tmp/docs.trail" -o "$tmp/b/docs" >"$tmp/docs.out" 2>"$tmp/err" && ok ||
  bad "documents of the merged sub-ledger: $(cat "$tmp/err")"
[ "$(awk -F '\t' '$5 == "certificate" {print $1}' "$tmp/docs.out" | tr '\n' ' ')" = \
  "220100 220122 " ] && ok || bad "not a certificate per pool: $(cat "$tmp/docs.out")"
g() { python3 -c 'import sys, decimal; print("{:,.2f}".format(decimal.Decimal(sys.argv[1])))' "$1"; }
for pool in 220100 220122; do
  other=$([ "$pool" = 220100 ] && echo 220122 || echo 220100)
  txt=$(pdftotext -layout "$tmp/b/docs/$pool.certificate.pdf" -)
  for a in $(grep -o '{"amount":"[^{}]*}' "$plan" | grep "\"pool\":\"$pool\"" |
             sed 's/.*"amount":"\([0-9.]*\)".*/\1/'); do
    grep -qF "$(g "$a")" <<<"$txt" && ok || bad "$pool's certificate does not state its $a"
  done
  for a in $(grep -o '{"amount":"[^{}]*}' "$plan" | grep "\"pool\":\"$other\"" |
             sed 's/.*"amount":"\([0-9.]*\)".*/\1/'); do
    grep -qF "$(g "$a")" <<<"$txt" && bad "$pool's certificate states $other's $a" || ok
  done
done
grep -q '统筹区 220122（并入长春市本级）' <(pdftotext "$tmp/b/docs/220122.certificate.pdf" -) &&
  grep -q '记入市级统筹分账 220100' <(pdftotext "$tmp/b/docs/220122.certificate.pdf" - | tr -d '\n') &&
  ok || bad "220122's certificate does not say it is merged into 220100's sub-ledger"
"$tc" documents sign "$tmp/b/docs/220122.certificate.pdf" --as 县医疗保障局 \
  -k "$tmp/b/keys/parties/220100-healthcare.key" --trail "$tmp/docs.trail" >/dev/null 2>"$tmp/err"
[ $? -eq 5 ] && ok || bad "220100's bureau signed 220122's certificate: $(cat "$tmp/err")"
"$tc" documents sign "$tmp/b/docs/220122.certificate.pdf" --as 县医疗保障局 \
  -k "$tmp/b/keys/parties/220122-healthcare.key" --trail "$tmp/docs.trail" >/dev/null \
  2>"$tmp/err" && ok || bad "220122's bureau cannot sign its certificate: $(cat "$tmp/err")"
grep -B2 -A2 '"handed_over": false' "$rec" | grep -q '"fund": "330"' && ok ||
  bad "the reconciliation does not mark 330 as kept"
# what the reconciliation says is ready to move is what the plan (made
# before any waiver) moves, to the fen; 330 is kept, the blocked pools held
python3 - "$rec" "$plan" >"$tmp/ready.txt" 2>&1 <<'EOF' && ok || bad "ready, held, kept: $(cat "$tmp/ready.txt")"
import json, sys
from decimal import Decimal as D
d, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t = {k: D(v) for k, v in d["totals"].items()}
moved = sum((D(x["amount"]) for x in p["transfers"]), D(0))
kept = sum((D(f["cash"]) for c in d["counties"] for f in c["funds"]
            if f.get("handed_over") is False), D(0))
held = sum((D(f["cash"]) for c in d["counties"] for f in c["funds"]
            if f.get("handed_over") is not False
            and any(x["severity"] == "blocking" for x in c["findings"])), D(0))
assert t["transfer_ready"] == moved, (t["transfer_ready"], moved)
assert t["transfer_kept"] == kept > 0, (t["transfer_kept"], kept)
assert t["transfer_held"] == held > 0, (t["transfer_held"], held)
assert t["transfer_ready"] + t["transfer_held"] + t["transfer_kept"] == t["transfer"]
EOF
grep -q 'id="total-kept"' "$tmp/b/work/reports/reconciliation.html" && ok ||
  bad "the report page does not show the kept fund's cash apart"

# the split pool in the reconciliation: one unit, whole, its sub-ledgers'
# records and shares beside it, and no SPLIT_UNALLOCATED
python3 - "$rec" >"$tmp/split.txt" <<'EOF' || bad "cannot read the split from the reconciliation"
import json, sys
d = json.load(open(sys.argv[1]))
u = [c for c in d["counties"] if c["pool"] == "220112"]
print(len(u), u[0]["county"], " ".join(f["code"] for f in u[0]["findings"]))
for s in u[0]["split"]:
    print(s["county"], s["records"], " ".join(f["fund"] + ":" + f["cash"] for f in s["funds"]))
EOF
sed -n 1p "$tmp/split.txt" | grep -qx '1 220112 DUE_MISMATCH PERIOD_GAP ROLLFORWARD_BREAK' && ok ||
  bad "the split pool is not one unit with its own three findings: $(sed -n 1p "$tmp/split.txt")"
[ "$(awk 'NR > 1 {n += $2} END {print NR - 1, n}' "$tmp/split.txt")" = \
  "2 $(($(count "$tmp/b/work/city/220112/220112.220112.contribution.tcb") + \
        $(count "$tmp/b/work/city/220112/220190.220112.contribution.tcb") + \
        $(count "$tmp/b/work/city/220112/220112.220112.payable.tcb") + \
        $(count "$tmp/b/work/city/220112/220190.220112.payable.tcb") + \
        $(count "$tmp/b/work/city/220112/220190.220112.personal_account.tcb") + \
        $(for t in account balance bank_account bank_entry bank_statement subsidy voucher_line; do
            count "$tmp/b/work/city/220112/220112.220112.$t.tcb"; done | paste -sd+ | bc)))" ] &&
  ok || bad "the split's sub-ledgers do not hold every record of the pool: $(cat "$tmp/split.txt")"

grep -q 'id="split"' "$tmp/b/work/reports/reconciliation.html" && ok ||
  bad "the report page has no split pool section"

# its transfer: the two blocking findings waived, planned, approved and
# executed; the pool's cash leaves once and each sub-ledger gets its share
"$tc" transfer waive -r "$rec" --county 220112 --finding PERIOD_GAP/310/1101/2021-03 \
  --finding ROLLFORWARD_BREAK/310/1101/2021-03 --reason "the March typo is known" \
  -k "$tmp/b/keys/auditor.key" -o "$tmp/b/220112.waiver" 2>"$tmp/err" && ok ||
  bad "waive: $(cat "$tmp/err")"
plan2=$tmp/b/work/transfer/plan2.json
"$tc" transfer plan -r "$rec" -k "$tmp/b/keys/maker.key" -o "$plan2" \
  --waiver "$tmp/b/220112.waiver" 2>"$tmp/err" && ok || bad "plan with the waiver: $(cat "$tmp/err")"
"$tc" transfer approve "$plan2" -r "$rec" -k "$tmp/b/keys/checker.key" 2>"$tmp/err" && ok ||
  bad "approve the split's plan: $(cat "$tmp/err")"
# a plan edited to move a share between sub-ledgers is refused, nothing moves
sed 's/"county":"220190"/"county":"220191"/' "$plan2" >"$tmp/b/forged.json"
cmp -s "$plan2" "$tmp/b/forged.json" && bad "the plan has no share of 220190 to edit" || ok
"$tc" transfer execute "$tmp/b/forged.json" -r "$rec" -m "$tmp/b/maps" \
  -k "$tmp/b/keys/checker.key" >/dev/null 2>"$tmp/err"
[ $? -eq 5 ] && ok || bad "an edited split in the plan was not refused with exit 5: $(cat "$tmp/err")"
"$tc" transfer execute "$plan2" -r "$rec" -m "$tmp/b/maps" -k "$tmp/b/keys/checker.key" \
  >"$tmp/exec2" 2>"$tmp/err" && ok || bad "execute the split's plan: $(cat "$tmp/err")"
awk -F '\t' '$1 == "posted" && $3 == "220112"' "$tmp/exec2" | cut -f4 | paste -sd' ' |
  grep -qx '310 390' && ok || bad "the split pool's funds were not posted: $(cat "$tmp/exec2")"
shares=$(psql -X -q -At -c "SELECT fund, split_part(account, '/', 2), sum(debit - credit)
  FROM tongchou.posting WHERE pool = '220112' AND ledger = 'city' AND account LIKE '1003/%'
  GROUP BY 1, 2 ORDER BY 1, 2" | tr '\n' ' ')
want=$(awk -F, '$3 ~ /^100[1-4]$/ {split($5, y, "."); s[$2 "|" $4] += y[1] * 100 + y[2]}
  END {for (k in s) printf "%s|%.0f\n", k, s[k]}' "$tmp/b/maps/allocation.csv" | sort | tr '\n' ' ')
[ -n "$want" ] && [ "$shares" = "$want" ] && ok ||
  bad "the sub-ledgers' fiscal sub-accounts rose by '$shares', the allocation gives '$want'"
cashaccs={$(tr -d '\r' <"$tmp/b/maps/city/accounts.csv" | awk -F, '$4 == "cash" {print $1}' | paste -sd,)}
left=$(psql -X -q -At -c "SELECT sum(credit - debit) FROM tongchou.posting WHERE pool = '220112'
  AND ledger = 'county' AND account = ANY('$cashaccs'::text[])")
rcash=$(psql -X -q -At -c "SELECT sum(cash) FROM tongchou.recon_fund WHERE pool = '220112'")
moved=$(psql -X -q -At -c "SELECT count(*) || ':' || sum(amount) FROM tongchou.transfer
  WHERE pool = '220112'")
[ "$left" = "$rcash" ] && [ "$moved" = "2:$rcash" ] && ok ||
  bad "the split pool's cash: $left fen left its county ledger, $moved moved, reconciled $rcash"
for sub in 220112 220190; do
  c=$(psql -X -q -At -c "SELECT sum(debit - credit) FROM tongchou.posting WHERE pool = '220112'
    AND account = 'claims/$sub'")
  w=$(awk -F, -v s=$sub '$3 == "claims" && $4 == s {split($5, y, "."); n += y[1] * 100 + y[2]}
    END {printf "%.0f", n}' "$tmp/b/maps/allocation.csv")
  [ "$c" = "$w" ] && ok || bad "sub-ledger $sub carries claims of $c fen, the allocation gives $w"
done
# the records went to the sub-ledger their rule names, in the database too
subs=$(psql -X -q -At -c "SELECT county || ':' || count(*) FROM tongchou.personal_account
  WHERE src_county = '220112' GROUP BY county" | tr '\n' ' ')
[ "$subs" = "220190:$(count "$tmp/a/work/city/220112/220112.personal_account.tcb") " ] && ok ||
  bad "the split's personal accounts are loaded as '$subs'"

# 220122's fund 390, handed over at 2021-03-31: the reconcile entry names
# the date after the scope; the reconciliation, the plan and the postings
# are March's
entry=$(grep '"command":"reconcile"' "$tmp/b/work/audit.trail" | tail -1)
echo "$entry" | grep -q '"--funds","220100=310,390","--cutover","220122:390=2021-03-31"' && ok ||
  bad "the reconcile entry does not record the fund's cutover after the scope"
grep -c '"cutover": "2021-03-31"' "$rec" | grep -qx 1 && ok ||
  bad "the reconciliation does not mark exactly one fund with its own cutover"
line=$(grep -o '{"amount":"[^{}]*}' "$plan" | grep '"fund":"390"' | grep '"pool":"220122"')
echo "$line" | grep -q '"cutover":"2021-03-31"' && ok ||
  bad "the plan line of 220122/390 does not carry its cutover: $line"
[ "$(grep -o '{"amount":"[^{}]*}' "$plan" | grep -c '"cutover"')" -eq 1 ] && ok ||
  bad "another plan line than 220122/390 carries a cutover"
amount=$(echo "$line" | sed 's/^{"amount":"\([-0-9.]*\)".*/\1/' | tr -d .)
rcash=$(psql -X -q -At -c "SELECT cash FROM tongchou.recon_fund WHERE pool = '220122'
  AND fund = '390'")
[ -n "$amount" ] && [ "$amount" = "$rcash" ] && ok ||
  bad "220122/390: the plan moves $amount fen, the reconciliation's cash is $rcash fen"
cashaccs={$(tr -d '\r' <"$tmp/b/maps/city/accounts.csv" | awk -F, '$4 == "cash" {print $1}' | paste -sd,)}
[ "$cashaccs" != "{}" ] && ok || bad "the city chart names no cash account"
closing_at() { # the closing of 220122/390's cash accounts at month $1
  psql -X -q -At -c "SELECT sum(closing) FROM tongchou.balance b WHERE src_county = '220122'
    AND fund = '390' AND account = ANY('$cashaccs'::text[]) AND period = (SELECT max(period)
    FROM tongchou.balance c WHERE c.src_county = b.src_county AND c.fund = b.fund
    AND c.account = b.account AND c.period <= $1)"
}
march=$(closing_at 202103) june=$(closing_at 202106)
posted=$(psql -X -q -At -c "SELECT sum(credit - debit) FROM tongchou.posting WHERE
  pool = '220122' AND fund = '390' AND ledger = 'county' AND account = ANY('$cashaccs'::text[])")
[ -n "$march" ] && [ "$march" != "$june" ] && ok ||
  bad "220122/390's cash closes at $march fen in March, $june in June: not told apart"
[ "$posted" = "$march" ] && [ "$rcash" = "$march" ] && ok ||
  bad "220122/390: $posted fen posted out of its cash accounts, March's closing is $march"
# the run records the date: unchanged it is up to date, changed it reconciles again
"$tc" run --dry-run "$tmp/b/city.ini" >"$tmp/dry" 2>&1
grep -q 'reconcile *up to date' "$tmp/dry" && ok ||
  { bad "the unchanged run reconciles again"; cat "$tmp/dry"; }
sed 's/^cutover.390 = 2021-03-31$/cutover.390 = 2021-04-30/' "$tmp/b/city.ini" >"$tmp/b/city2.ini"
"$tc" run --dry-run "$tmp/b/city2.ini" >"$tmp/dry" 2>&1
grep -q 'reconcile *to do' "$tmp/dry" && ok ||
  { bad "a changed fund cutover does not reconcile again"; cat "$tmp/dry"; }
# and an auditor re-running the recorded reconcile gets the same reports
"$tc" audit verify --trail "$tmp/b/work/audit.trail" --policy "$TONGCHOU_POLICY" --rerun \
  >"$tmp/verify" 2>&1 && ok || { bad "audit verify --rerun"; cat "$tmp/verify"; }

# What the database holds per pool: records and amount columns, reconciled
# figures and findings, transfers.  Region codes are left out: they are what
# the merge changes.
per_pool() {
  psql -X -q -At -v ON_ERROR_STOP=1 -c "
    SELECT 'contribution', src_county, count(*), sum(base), sum(due), sum(paid)
      FROM tongchou.contribution GROUP BY 2 UNION ALL
    SELECT 'balance', src_county, count(*), sum(opening), sum(debit) + sum(credit), sum(closing)
      FROM tongchou.balance GROUP BY 2 UNION ALL
    SELECT 'voucher_line', src_county, count(*), sum(debit), sum(credit), 0
      FROM tongchou.voucher_line GROUP BY 2 UNION ALL
    SELECT 'subsidy', src_county, count(*), sum(due), sum(received), 0
      FROM tongchou.subsidy GROUP BY 2 UNION ALL
    SELECT 'payable', src_county, count(*), sum(settled), sum(paid), 0
      FROM tongchou.payable GROUP BY 2 UNION ALL
    SELECT 'bank_entry', src_county, count(*), sum(amount), 0, 0
      FROM tongchou.bank_entry GROUP BY 2 UNION ALL
    SELECT 'bank_statement', src_county, count(*), sum(opening), sum(closing), 0
      FROM tongchou.bank_statement GROUP BY 2 UNION ALL
    SELECT 'personal_account', src_county, count(*), sum(balance), 0, 0
      FROM tongchou.personal_account GROUP BY 2 UNION ALL
    SELECT 'account', src_county, count(*), 0, 0, 0 FROM tongchou.account GROUP BY 2 UNION ALL
    SELECT 'bank_account', src_county, count(*), 0, 0, 0
      FROM tongchou.bank_account GROUP BY 2 UNION ALL
    SELECT 'batches', pool, count(*), sum(records), 0, 0
      FROM tongchou.batch WHERE state = 'complete' GROUP BY 2
    ORDER BY 1, 2" &&
  psql -X -q -At -v ON_ERROR_STOP=1 -c "
    SELECT pool, fund, cash, ledger_receivables, ledger_payables, net_assets, fund_balance,
      employer_arrears, arrears_0_3, arrears_4_12, arrears_13, overpaid, subsidy_shortfall,
      institution_payables, personal_accounts, transfer
      FROM tongchou.recon_fund ORDER BY 1, 2" &&
  psql -X -q -At -v ON_ERROR_STOP=1 -c "
    SELECT pool, code, severity, fund, ref, amount FROM tongchou.recon_finding
      ORDER BY 1, 2, 4, 5, 6" &&
  psql -X -q -At -v ON_ERROR_STOP=1 -c "
    SELECT pool, fund, amount, state FROM tongchou.transfer ORDER BY 1, 2"
}
per_pool >"$tmp/b.pools" || bad "cannot read the merged run's database"
# the sub-ledger: its city fiscal sub-account (1003/220100: the example chart
# has no city_fiscal account, so the fiscal bank account's) rose by exactly the
# two pools' cash
cash=$(psql -X -q -At -c "SELECT sum(cash) FROM tongchou.recon_fund WHERE county = '220100'
  AND NOT (pool = '220100' AND fund = '330')")
pools=$(psql -X -q -At -c "SELECT count(DISTINCT pool) FROM tongchou.recon_fund
  WHERE county = '220100'")
[ "$pools" -eq 2 ] && ok || bad "sub-ledger 220100 has $pools pools in the database, wanted 2"
# the part handover as the database holds it
scope=$(psql -X -q -At -c "SELECT pool || '/' || fund || ':' || handed_over || ':' ||
  coalesce(cutover::text, '-') FROM tongchou.recon_fund WHERE NOT handed_over
  OR cutover IS NOT NULL ORDER BY 1" | tr '\n' ' ')
[ "$scope" = "220100/330:false:- 220122/390:true:2021-03-31 " ] && ok ||
  bad "the database holds the part handover as '$scope'"
moved=$(psql -X -q -At -c "SELECT sum(amount) FROM tongchou.transfer WHERE county = '220100'
  AND state = 'executed'")
[ -n "$cash" ] && [ "$moved" = "$cash" ] && ok ||
  bad "sub-ledger 220100: moved $moved fen, its pools' cash is $cash fen"
fiscal=$(psql -X -q -At -c "SELECT sum(debit - credit) FROM tongchou.posting
  WHERE county = '220100' AND ledger = 'city' AND account = '1003/220100'")
[ "$fiscal" = "$cash" ] && ok || bad "sub-ledger 220100's fiscal sub-account rose by $fiscal fen, wanted $cash"
"$tc" status "$tmp/b/city.ini" >"$tmp/status" 2>&1
for pool in 220100 220122; do
  awk -v p=$pool '$1 == p && $6 == 10 && $7 == "executed"' "$tmp/status" | grep -q . && ok ||
    { bad "status: pool $pool not shown loaded and transferred"; cat "$tmp/status"; }
done
awk '$1 == 220112 && $6 == 13 && $7 == "executed"' "$tmp/status" | grep -q . && ok ||
  { bad "status: the split pool 220112 not shown with its 13 batches, transferred"; cat "$tmp/status"; }
"$tc" db stop "$tmp/b/work/db" >/dev/null 2>&1

# the run where each pool stands alone
"$tc" db start "$tmp/a/work/db" >/dev/null 2>&1 || bad "cannot start the first database"
eval "$("$tc" db env "$tmp/a/work/db")"
per_pool >"$tmp/a.pools" || bad "cannot read the standalone run's database"
n=$(grep -c '220100\|220122' "$tmp/a.pools")
[ "$n" -ge 30 ] && ok || bad "only $n per-pool rows to compare"
# (the part handover's differences: 220100's fund 330 stays behind, and
# 220122's fund 390 is reconciled and transferred at March's figures, so
# its recon_fund and transfer rows are left out of the comparison: they
# are what its own cutover rightly changes)
grep -c '^220100|330|[0-9]*|executed$' "$tmp/a.pools" | grep -qx 1 && ok ||
  bad "the standalone run did not transfer 220100's fund 330"
grep -q '^220100|330|[0-9]*|executed$' "$tmp/b.pools" && bad "the kept fund 330 was transferred" || ok
[ "$(grep -c '^220122|390|' "$tmp/a.pools")" -eq 2 ] &&
  [ "$(grep -c '^220122|390|' "$tmp/b.pools")" -eq 2 ] && ok ||
  bad "220122/390 has not one reconciled row and one transfer in each run"
cmp -s <(grep '^220122|390|' "$tmp/a.pools") <(grep '^220122|390|' "$tmp/b.pools") &&
  bad "220122/390's figures are June's although it hands over in March" || ok
grep '220100\|220122' "$tmp/a.pools" | grep -v '^220100|330|[0-9]*|executed$' |
  grep -v '^220122|390|' >"$tmp/a.two"
grep '220100\|220122' "$tmp/b.pools" | grep -v '^220122|390|' >"$tmp/b.two"
if cmp -s "$tmp/a.two" "$tmp/b.two"; then ok; else
  bad "a pool's figures differ once merged"; diff "$tmp/a.two" "$tmp/b.two" | head -20; fi
# and the other pools are untouched by the merge; the split pool's records,
# amounts, figures and findings are those of the run where it stands alone
# (its batches are 13, not 10, holding the same records; and it moved,
# waived, where the standalone run held it)
grep -v '220100\|220122' "$tmp/a.pools" | grep -v '^batches|220112|' >"$tmp/a.rest"
grep -v '220100\|220122' "$tmp/b.pools" | grep -v '^batches|220112|' |
  grep -v '^220112|[0-9]*|[0-9]*|executed$' >"$tmp/b.rest"
if cmp -s "$tmp/a.rest" "$tmp/b.rest"; then ok; else
  bad "the merge or the split changed a pool's figures"; diff "$tmp/a.rest" "$tmp/b.rest" | head; fi
[ "$(grep '^batches|220112|' "$tmp/a.pools" | cut -d'|' -f3,4 | sed 's/^10|/13|/')" = \
  "$(grep '^batches|220112|' "$tmp/b.pools" | cut -d'|' -f3,4)" ] && ok ||
  bad "the split pool's batches do not hold the standalone records: $(grep '^batches|220112|' "$tmp/a.pools" "$tmp/b.pools")"

"$tc" db stop "$tmp/a/work/db" >/dev/null 2>&1
unset PGHOST PGPORT PGUSER PGDATABASE   # the run starts its own

# The dishonest allocation: 220190's share of fund 310's 财政专户 a fen
# short, so the lines no longer add up to the pool.  Reconcile finds it
# (blocking, the fen named), and even a waiver of every blocking finding
# of the pool does not move that fund: plan leaves it out, saying why.
mkdir -p "$tmp/c"
cp -r "$tmp/b/city" "$tmp/b/keys" "$tmp/b/city.ini" "$tmp/b/maps" "$tmp/c/"
awk -F, -v OFS=, '$2 == "310" && $3 == "1003" && $4 == "220190" {
  split($5, y, "."); f = y[1] * 100 + y[2] - 1; $5 = sprintf("%d.%02d", f / 100, f % 100) } 1' \
  "$tmp/b/maps/allocation.csv" >"$tmp/c/maps/allocation.csv"
[ "$(diff "$tmp/b/maps/allocation.csv" "$tmp/c/maps/allocation.csv" | grep -c '^>')" -eq 1 ] &&
  ok || bad "the allocation was not edited in one line"
"$tc" run --keep-db "$tmp/c/city.ini" >"$tmp/c.out" 2>"$tmp/c.err"
[ $? -eq 1 ] && ok || { bad "the run with a short allocation: not exit 1"; tail -3 "$tmp/c.err"; }
crec=$tmp/c/work/reports/reconciliation.json
f=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s/%s/%s/%s/%s" % (f["code"], f["fund"], f["ref"], f["amount"], f["severity"])
  for c in d["counties"] if c["pool"] == "220112" for f in c["findings"]
  if f["code"] == "SPLIT_UNALLOCATED"))' "$crec")
[ "$f" = "SPLIT_UNALLOCATED/310/310/1003/0.01/blocking" ] && ok ||
  bad "a fen short in the allocation gives the findings '$f'"
# ... and says so in Chinese, as every finding does
f=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(f["message_zh"] for c in d["counties"] for f in c["findings"]
  if f["code"] == "SPLIT_UNALLOCATED"))' "$crec")
case $f in
  "原统筹区 220112 基金 310 1003 分立资金未分配完："*) ok ;;
  *) bad "the short allocation's Chinese message is '$f'" ;;
esac
eval "$("$tc" db env "$tmp/c/work/db")"
export PGDATABASE=tongchou TONGCHOU_AUDIT=$tmp/c/work/audit.trail
"$tc" transfer waive -r "$crec" --county 220112 --finding PERIOD_GAP/310/1101/2021-03 \
  --finding ROLLFORWARD_BREAK/310/1101/2021-03 --finding SPLIT_UNALLOCATED/310/310/1003 \
  --reason "waived anyway" -k "$tmp/c/keys/auditor.key" -o "$tmp/c/all.waiver" 2>"$tmp/err" &&
  ok || bad "waive every finding: $(cat "$tmp/err")"
"$tc" transfer plan -r "$crec" -k "$tmp/c/keys/maker.key" -o "$tmp/c/plan.json" \
  --waiver "$tmp/c/all.waiver" 2>"$tmp/err" && ok || bad "plan: $(cat "$tmp/err")"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(t["fund"] for t in d["transfers"] if t["pool"] == "220112"), "|",
  " ".join(x["fund"] + ":" + x["reason"][:40] for x in d["excluded"] if x["pool"] == "220112"))
' "$tmp/c/plan.json" >"$tmp/c.plan"
grep -qx '390 | 310:county 220112 fund 310: the shares of it' "$tmp/c.plan" && ok ||
  bad "a waived short allocation: the plan says '$(cat "$tmp/c.plan")'"
# and a reconciliation edited to move a share between the sub-ledgers is no
# reconcile's output: nothing is planned from it
export TONGCHOU_AUDIT=$tmp/b/work/audit.trail
"$tc" db start "$tmp/b/work/db" >/dev/null 2>&1
eval "$("$tc" db env "$tmp/b/work/db")"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["counties"]:
    for s in c.get("split", []):
        for f in s["funds"]:
            if f["fund"] == "310":
                y = int(f["cash"].replace(".", "")) + (100000 if s["county"] == "220190" else -100000)
                f["cash"] = "%d.%02d" % (y // 100, y % 100)
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False, indent=2)' "$rec" "$tmp/b/edited.json"
"$tc" transfer plan -r "$tmp/b/edited.json" -k "$tmp/b/keys/maker.key" -o "$tmp/b/plan3.json" \
  >/dev/null 2>"$tmp/err"
[ $? -eq 5 ] && [ ! -e "$tmp/b/plan3.json" ] && ok ||
  bad "a plan from an edited split was not refused with exit 5: $(cat "$tmp/err")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
