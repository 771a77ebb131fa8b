#!/usr/bin/env bash
# demo-postgres.sh: segship with profiles that live in PostgreSQL, on a private server
# (scripts/with-postgres.sh): a table of 20,000 generated profiles, a source in copy mode with
# --changed-column, a day of SQL changes read incrementally, then the same table in pushdown mode
# where only the segments' members come back. Usage: scripts/demo-postgres.sh [BUILD] (make demo-postgres)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${SEGSHIP_TEST_PG_URI:-} ]]; then exec bash "$root/scripts/with-postgres.sh" bash "$0" "$@"; fi
build=${1:-build}
[[ $build == /* ]] || build="$root/$build"
seg="$build/segship"
work=$(mktemp -d /tmp/segship-demo-pg.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
psql_q() { psql -v ON_ERROR_STOP=1 -qAt "$@"; }

step "1. A table of 20,000 profiles in PostgreSQL (PGHOST=$PGHOST, port $PGPORT)"
"$seg" profiles generate --count 20000 --seed 7 --out profiles.csv
psql_q -c 'CREATE TABLE customers ("CustomerId" text PRIMARY KEY, "Email" text, "FirstName" text, "LastName" text,
  "Country" text, "City" text, "LifetimeValue" numeric(12,2), "Orders" integer, "SignupDate" date,
  "LastPurchaseDate" date, "LoyaltyTier" text, "IsSubscribed" boolean, updated_at timestamptz NOT NULL DEFAULT now())'
psql_q -c "\\copy customers(\"CustomerId\",\"Email\",\"FirstName\",\"LastName\",\"Country\",\"City\",\"LifetimeValue\",\"Orders\",\"SignupDate\",\"LastPurchaseDate\",\"LoyaltyTier\",\"IsSubscribed\") FROM 'profiles.csv' CSV HEADER"
echo "(the URI below has no password: this demo's server trusts its local socket; elsewhere use --password-file or PGPASSWORD)"

step "2. Copy mode: every row at the first refresh, then only the changed ones"
export SEGSHIP_DB="$work/copy.db"
run "$seg" init
run "$seg" source add crm --postgres "$SEGSHIP_TEST_PG_URI" --table customers --id CustomerId \
  --changed-column updated_at --replace
run "$seg" segment create "Spain" --rule 'Country = "spain" and IsSubscribed'
run "$seg" segment create "Big spenders" --rule 'LifetimeValue > 1000'
run "$seg" refresh
run psql_q -c "UPDATE customers SET \"LifetimeValue\" = 5000, updated_at = now() WHERE \"CustomerId\" IN ('C00000001', 'C00000002')"
run psql_q -c "DELETE FROM customers WHERE \"CustomerId\" = 'C00000003'"
run "$seg" refresh
run "$seg" source show crm

step "3. Pushdown mode: the segments run in PostgreSQL; only their members come back"
export SEGSHIP_DB="$work/pushdown.db"
run "$seg" init
run "$seg" source add crm --postgres "$SEGSHIP_TEST_PG_URI" --table customers --id CustomerId --mode pushdown
run "$seg" segment create "Spain" --rule 'Country = "spain" and IsSubscribed'
run "$seg" segment create "Big spenders" --rule 'LifetimeValue > 1000'
run "$seg" segment preview --rule 'City = "MÁLAGA" or Orders > 40'
run "$seg" refresh
run "$seg" profiles count
run "$seg" segment list
