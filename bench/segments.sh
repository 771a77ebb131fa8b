#!/usr/bin/env bash
# segments.sh: refreshing 10 segments of 3 to 6 conditions each over 1,000,000 profiles (the first
# refresh stores every membership; a second one finds nothing changed), and a preview count.
# Baseline in the same run: the sqlite3 shell counting the same conditions with plain SQL over the
# same file (its collation is ASCII-only NOCASE; segship's is Unicode). Prints Markdown rows.
source "$(dirname "$0")/lib.sh"
build=${1:-build}
runs=${BENCH_RUNS:-3}
count=${BENCH_SEGMENT_COUNT:-1000000}
seg="$build/segship"
dir=$(mktemp -d /tmp/segship-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export SEGSHIP_DB="$dir/s.db" SEGSHIP_NOW=2025-07-01

"$seg" init >/dev/null
"$seg" profiles generate --count "$count" --seed 2 --out "$dir/p.csv"
"$seg" profiles import "$dir/p.csv" >/dev/null
rm -f "$dir/p.csv"

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
for i in "${!rules[@]}"; do "$seg" segment create "S$i" --rule "${rules[$i]}" >/dev/null; done
# the first refresh happened at create; these are refreshes that find the memberships as stored
measure "$runs" "$seg" segment refresh
re_t=$(median "${TIMES[@]}"); re_m=$(max "${MEMS[@]}")
# a first refresh: forget the memberships (by renaming the rules' segments anew)
first() { sqlite3 "$SEGSHIP_DB" "DELETE FROM segment_members; DELETE FROM segment_changes;" ; }
BENCH_SETUP=first measure "$runs" "$seg" segment refresh
first_t=$(median "${TIMES[@]}"); first_m=$(max "${MEMS[@]}")
members=$("$seg" segment list --json | jq '[.segments[].members] | add')
measure "$runs" "$seg" segment preview --rule "${rules[5]}"
prev_t=$(median "${TIMES[@]}")

# baseline: the same counts in plain SQL through the sqlite3 shell
cols=$(sqlite3 "$SEGSHIP_DB" "SELECT group_concat(name || '=' || col, ' ') FROM attributes")
col() { for kv in $cols; do [[ ${kv%%=*} == "$1" ]] && echo "${kv#*=}"; done; }
C=$(col Country) L=$(col LifetimeValue) S=$(col IsSubscribed) O=$(col Orders) T=$(col LoyaltyTier)
sql="SELECT count(*) FROM profiles WHERE $C = 'spain' COLLATE NOCASE AND $L > 500 AND $S = 1;"
sql="$sql SELECT count(*) FROM profiles WHERE $C COLLATE NOCASE IN ('france','germany','italy') AND $O >= 5 AND $T != 'bronze' COLLATE NOCASE;"
sql="$sql SELECT count(*) FROM profiles WHERE $T COLLATE NOCASE IN ('gold','platinum') AND $L > 1000 AND $O > 3 AND $S = 1 AND $C != 'united states' COLLATE NOCASE;"
measure "$runs" sqlite3 "$SEGSHIP_DB" "$sql"
base3=$(median "${TIMES[@]}")
base_one=$(awk -v t="$base3" 'BEGIN { printf "%.2f", t / 3 }')

echo "| Refresh of 10 segments (3 to 6 conditions) over $count profiles, memberships unchanged | $re_t s | $(mb "$re_m") MB | < 5 s | |"
echo "| The same refresh storing every membership anew ($members in all) | $first_t s | $(mb "$first_m") MB | < 5 s | |"
echo "| Preview count of a 5-condition rule over $count profiles | $prev_t s | | < 1 s | sqlite3 shell, plain SQL, one count: $base_one s (×$(ratio "$prev_t" "$base_one")) |"
