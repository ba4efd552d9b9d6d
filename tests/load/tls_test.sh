#!/usr/bin/env bash
# tls_test.sh TONGCHOU SRCDIR - the connection options reach libpq as
# given: a private server is made to listen on 127.0.0.1 with TLS only
# (hostssl), with a server certificate for "localhost" signed by a test CA;
# then `db init` and `load` with sslmode=verify-full and that CA succeed
# over TLS, the same with another CA is refused (exit 4) with libpq's
# reason, and the password in --db shows in no message.
set -u
tc=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/tongchou-tls-XXXXXX")
chmod 755 "$work"
pg=$work/pg
cleanup() { "$tc" db stop "$pg" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 0; }

"$tc" db start --fast "$pg" >/dev/null 2>&1 || fail "cannot start a private server"
eval "$("$tc" db env "$pg")"

# A CA, a server certificate for localhost / 127.0.0.1, and a stranger CA.
cd "$work"
ossl() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1"; }
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=tongchou-test-ca -keyout ca.key -out ca.pem
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=stranger -keyout other.key -out other.pem
ossl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
ossl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile san.ext -out server.crt
cp server.crt server.key "$pg/data/"
chmod 600 "$pg/data/server.key"
[ "$(id -u)" -ne 0 ] || chown "$(stat -c %U "$pg/data")" "$pg/data/server.crt" "$pg/data/server.key"
psql -X -q -d postgres -c "ALTER SYSTEM SET listen_addresses = '127.0.0.1'" \
  -c "ALTER SYSTEM SET ssl = on" >/dev/null || fail "configuring TLS"
hba=$(psql -X -A -t -d postgres -c "SHOW hba_file")
# first, before initdb's "host ... reject" lines: the first match wins
sed -i '1i hostssl all all 127.0.0.1/32 trust' "$hba" || fail "editing $hba"
"$tc" db stop "$pg" >/dev/null 2>&1 && "$tc" db start --fast "$pg" >/dev/null 2>&1 ||
  fail "restarting the server with TLS"

db="host=localhost hostaddr=127.0.0.1 port=$PGPORT user=postgres dbname=postgres"
db="$db password=s3kr1t sslmode=verify-full"
"$tc" db init --db "$db sslrootcert=$work/ca.pem" >out 2>err || { cat err; fail "db init over TLS"; }
ssl=$(psql -X -A -t -d "$db sslrootcert=$work/ca.pem" \
  -c "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
[ "$ssl" = t ] || fail "the connection is not TLS"

# One city batch loads over it.
"$tc" generate -q --xml-only -n 100 city >/dev/null || fail generate
mkdir county city-coded
"$tc" extract -q -o county city/sources/220100.xml >/dev/null || fail extract
"$tc" map -q -m "$src/mappings/changchun" -o city-coded county/220100.subsidy.tcb >/dev/null ||
  fail map
"$tc" load --db "$db sslrootcert=$work/ca.pem" city-coded/220100.subsidy.tcb >out 2>err ||
  { cat err; fail "load over TLS"; }
grep -q '^loaded	220100	subsidy	' out || fail "load over TLS: not loaded"

# Another CA: refused by libpq, exit 4, the password nowhere.
"$tc" load --db "$db sslrootcert=$work/other.pem" city-coded/220100.subsidy.tcb >out 2>err
rc=$?
[ "$rc" -eq 4 ] || { cat err; fail "a stranger CA: exit $rc, wanted 4"; }
grep -q 'cannot connect to the database: .*certificate' err || { cat err; fail "no certificate message"; }
if grep -q s3kr1t out err; then fail "the password shows"; fi
sed "s/^/  /" err
echo "PASS: verify-full over TLS loads, a stranger CA is refused, no password shown"
