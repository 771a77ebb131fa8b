#!/usr/bin/env bash
# postgres.sh: a PostgreSQL source of 1,000,000 profiles (BENCH_PG_COUNT) with 10 segments (those of
# bench/segments.sh): a refresh in copy mode (first, then incremental with 1% of rows changed), in
# pushdown mode (first, then with the same 1% changed), and, on the same data imported from the
# file, the store's own refresh of the segments. Prints Markdown rows. Runs under
# scripts/with-postgres.sh (it starts one itself when SEGSHIP_TEST_PG_URI is unset).
if [[ -z ${SEGSHIP_TEST_PG_URI:-} ]]; then
  exec bash "$(dirname "$0")/../scripts/with-postgres.sh" bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
build=${1:-build}
runs=${BENCH_RUNS:-3}
count=${BENCH_PG_COUNT:-1000000}
seg="$(cd "$(dirname "$0")/.." && pwd)/$build/segship"
dir=$(mktemp -d /tmp/segship-bench-pg.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export SEGSHIP_NOW=2025-07-01
PG=$SEGSHIP_TEST_PG_URI
psql_q() { psql -v ON_ERROR_STOP=1 -qAt "$@"; }

"$seg" profiles generate --count "$count" --seed 2 --out "$dir/p.csv"
psql_q <<'SQL' >/dev/null
CREATE TABLE people ("CustomerId" text PRIMARY KEY, "Email" text, "FirstName" text, "LastName" text, "Country" text,
  "City" text, "LifetimeValue" numeric(12,2), "Orders" integer, "SignupDate" date, "LastPurchaseDate" date,
  "LoyaltyTier" text, "IsSubscribed" boolean, updated_at timestamptz NOT NULL DEFAULT '2025-01-01');
SQL
psql_q -c "\\copy people(\"CustomerId\",\"Email\",\"FirstName\",\"LastName\",\"Country\",\"City\",\"LifetimeValue\",\"Orders\",\"SignupDate\",\"LastPurchaseDate\",\"LoyaltyTier\",\"IsSubscribed\") FROM '$dir/p.csv' CSV HEADER"
psql_q -c "CREATE INDEX ON people (updated_at)" -c "VACUUM ANALYZE people" >/dev/null

rules=(
  'Country = "spain" and LifetimeValue > 500 and IsSubscribed'
  'Country in ("france", "germany", "italy") and Orders >= 5 and LoyaltyTier != "bronze"'
  'LastPurchaseDate within last 365 days and LifetimeValue between 100 and 2000 and IsSubscribed'
  'SignupDate before 2018-01-01 and Orders > 10 and not IsSubscribed and LoyaltyTier = "gold"'
  'City starts with "m" and Country = "spain" and Orders >= 1 and LifetimeValue > 50'
  'LoyaltyTier in ("gold", "platinum") and LifetimeValue > 1000 and Orders > 3 and IsSubscribed and Country != "united states"'
  'Email ends with "example.com" and Orders >= 2 and SignupDate after 2020-01-01'
  'LastName contains "ez" and Country in ("spain", "mexico") and LifetimeValue > 20 and IsSubscribed and Orders < 50'
  'FirstName is not empty and LastPurchaseDate is empty and SignupDate before 2016-01-01'
  '(Country = "united kingdom" or Country = "united states") and LifetimeValue > 300 and Orders between 2 and 40 and IsSubscribed and LoyaltyTier != "platinum" and City != "london"'
)

# new_store MODE: a store with the source in MODE and the 10 segments, nothing read yet.
new_store() {
  rm -f "$SEGSHIP_DB" "$SEGSHIP_DB"-wal "$SEGSHIP_DB"-shm
  "$seg" init >/dev/null
  if [[ $1 == copy ]]; then
    "$seg" source add crm --postgres "$PG" --table people --id CustomerId --changed-column updated_at --replace >/dev/null
  else
    "$seg" source add crm --postgres "$PG" --table people --id CustomerId --mode pushdown >/dev/null
  fi
  for i in "${!rules[@]}"; do "$seg" segment create "S$i" --rule "${rules[$i]}" >/dev/null; done
}
# One percent of the rows change (a rising updated_at each time).
tick=0
change() {
  tick=$((tick + 1))
  psql_q -c "UPDATE people SET \"Orders\" = \"Orders\" + 1, \"LifetimeValue\" = \"LifetimeValue\" + 600,
    updated_at = '2025-01-01'::timestamptz + interval '$tick minutes'
    WHERE \"CustomerId\" IN (SELECT \"CustomerId\" FROM people ORDER BY md5(\"CustomerId\" || '$tick') LIMIT $((count / 100)))" >/dev/null
}
members() { "$seg" segment list --json | jq '[.segments[].members] | add'; }

export SEGSHIP_DB="$dir/copy.db"
setup_copy() { new_store copy; }
BENCH_SETUP=setup_copy measure "$runs" "$seg" refresh
copy_t=$(median "${TIMES[@]}") copy_m=$(max "${MEMS[@]}")
copy_members=$(members)
BENCH_SETUP=change measure "$runs" "$seg" refresh
inc_t=$(median "${TIMES[@]}") inc_m=$(max "${MEMS[@]}")
copy_members_now=$(members) # the table as pushdown's first refresh will find it

export SEGSHIP_DB="$dir/pushdown.db"
setup_push() { new_store pushdown; }
BENCH_SETUP=setup_push measure "$runs" "$seg" refresh
push_t=$(median "${TIMES[@]}") push_m=$(max "${MEMS[@]}")
push_profiles=$("$seg" profiles count --json | jq .profiles)
push_members=$(members)
BENCH_SETUP=change measure "$runs" "$seg" refresh
pinc_t=$(median "${TIMES[@]}") pinc_m=$(max "${MEMS[@]}")
measure "$runs" "$seg" segment preview --rule "${rules[5]}"
pprev_t=$(median "${TIMES[@]}")

# The same data from the file into a store of its own: the store's own refresh of the segments.
export SEGSHIP_DB="$dir/local.db"
"$seg" init >/dev/null
"$seg" profiles import "$dir/p.csv" >/dev/null
for i in "${!rules[@]}"; do "$seg" segment create "S$i" --rule "${rules[$i]}" >/dev/null; done
forget() { sqlite3 "$SEGSHIP_DB" "DELETE FROM segment_members; DELETE FROM segment_changes;"; }
BENCH_SETUP=forget measure "$runs" "$seg" segment refresh
local_t=$(median "${TIMES[@]}") local_m=$(max "${MEMS[@]}")
local_members=$(members)

n=$count
echo "| PostgreSQL source, copy mode, first refresh: $n rows streamed in, 10 segments stored ($copy_members memberships) | $copy_t s | $(mb "$copy_m") MB | < 100 MB | store's own refresh of the same segments over the same data imported from the file: $local_t s, $(mb "$local_m") MB ($local_members memberships) |"
echo "| The same, incremental: 1% of rows changed (--changed-column): only they are read whole, and every id (--replace, for deletions) | $inc_t s | $(mb "$inc_m") MB | | ×$(ratio "$inc_t" "$copy_t") the first refresh |"
echo "| PostgreSQL source, pushdown mode, first refresh: the 10 segments run in PostgreSQL, $push_profiles members come back ($push_members memberships; copy mode over the same rows: $copy_members_now) | $push_t s | $(mb "$push_m") MB | < 100 MB | ×$(ratio "$push_t" "$copy_t") copy mode's first refresh |"
echo "| The same, 1% of rows changed (every member read again, only changes written) | $pinc_t s | $(mb "$pinc_m") MB | | ×$(ratio "$pinc_t" "$inc_t") copy mode's incremental refresh |"
echo "| Preview count of a 5-condition rule, pushdown (in PostgreSQL, $n rows) | $pprev_t s | | < 1 s | |"
