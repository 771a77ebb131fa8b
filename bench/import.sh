#!/usr/bin/env bash
# import.sh: importing 1,000,000 generated profiles (12 columns, CSV) into a new store, and
# re-importing the same file (all unchanged). Baseline in the same run: the sqlite3 shell's
# .import of the same file into an untyped table (no parsing of types, no hashing, no upsert).
# Prints Markdown table rows.
source "$(dirname "$0")/lib.sh"
build=${1:-build}
runs=${BENCH_RUNS:-3}
count=${BENCH_IMPORT_COUNT:-1000000}
seg="$build/segship"
dir=$(mktemp -d /tmp/segship-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT

"$seg" profiles generate --count "$count" --seed 1 --out "$dir/profiles.csv"
fresh_store() { rm -f "$dir/s.db" "$dir/s.db-wal" "$dir/s.db-shm"; "$seg" --db "$dir/s.db" init >/dev/null; }
fresh_sqlite() { rm -f "$dir/raw.db"*; }

BENCH_SETUP=fresh_sqlite measure "$runs" sqlite3 "$dir/raw.db" -cmd '.mode csv' ".import $dir/profiles.csv p"
base_t=$(median "${TIMES[@]}")

BENCH_SETUP=fresh_store measure "$runs" "$seg" --db "$dir/s.db" profiles import "$dir/profiles.csv"
fresh_t=$(median "${TIMES[@]}"); fresh_m=$(max "${MEMS[@]}")

BENCH_SETUP= measure "$runs" "$seg" --db "$dir/s.db" profiles import "$dir/profiles.csv"
re_t=$(median "${TIMES[@]}"); re_m=$(max "${MEMS[@]}")
updates=$("$seg" --db "$dir/s.db" profiles import "$dir/profiles.csv" --json | jq '.updated + .inserted')

echo "| Import $count profiles (12 columns, CSV), new store | $fresh_t s | $(mb "$fresh_m") MB | < 10 s, < 100 MB | sqlite3 .import: $base_t s (×$(ratio "$fresh_t" "$base_t")) |"
echo "| Re-import of the same file (all unchanged; $updates written) | $re_t s | $(mb "$re_m") MB | < 10 s, 0 updates | |"
