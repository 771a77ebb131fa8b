#!/usr/bin/env bash
# demo.sh: segship's main job end to end on the embedded default store, in build/demo:
# generate realistic profiles, import them, and show what the store holds.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
seg="$root/$build/segship"
work="$root/$build/demo"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
export SEGSHIP_DB="$work/segship.db"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "1. Create the store"
run "$seg" init

step "2. Generate 10,000 realistic profiles (some emails invalid, duplicated or in mixed case)"
run "$seg" profiles generate --count 10000 --seed 2024 --out profiles.csv
head -n 4 profiles.csv

step "3. Import them (types are inferred)"
run "$seg" profiles import profiles.csv
run "$seg" schema

step "4. A later snapshot: 3% bought again; import only changes what changed"
run "$seg" profiles generate --count 10000 --seed 2024 --changed 3 --out profiles-later.csv
run "$seg" profiles import profiles-later.csv

step "5. Look at a profile"
run "$seg" profiles show C00000042
run "$seg" profiles count

printf '\nThe demo store is %s\n' "$SEGSHIP_DB"
