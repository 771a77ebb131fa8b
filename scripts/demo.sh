#!/usr/bin/env bash
# demo.sh: segship's main job end to end on the embedded default store, in build/demo: start
# autopilot-sim, generate and import profiles, create segments, connect a destination, configure,
# export, show the result in Autopilot's terms, change some profiles, export again (only the
# changes go); then the same segments to ortto-sim (a local Ortto) as tags; and stop.
set -euo pipefail
# No pipeline below may end in a reader that stops early (head, grep -q, ...): tests/e2e/cli_demo.sh
# runs this script with a head that refuses to read a pipe.
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
[[ $build == /* ]] || build="$root/$build"
seg="$build/segship"
sim="$build/autopilot-sim"
work=${SEGSHIP_DEMO_DIR:-$build/demo} # the tests run the demo in their own folder
rm -rf "$work"
mkdir -p "$work"
cd "$work"
export SEGSHIP_DB="$work/segship.db"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

key=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n') # a fresh 32-hex key for this demo account
step "0. Start autopilot-sim, a local Autopilot (its own process, on a free port)"
"$sim" --listen 127.0.0.1:0 --api-key "$key" --rate 0 >sim.out 2>sim.err &
sim_pid=$!
trap 'kill -TERM $sim_pid 2>/dev/null; wait $sim_pid 2>/dev/null' EXIT
# Waits for the simulator's first line, however loaded the machine is (up to 60 s).
for _ in $(seq 600); do grep -q '^listening on ' sim.out 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' sim.out)
[[ -n $url ]] || { echo "demo: autopilot-sim did not start within 60 s (see $work/sim.err)" >&2; exit 1; }
echo "autopilot-sim listens on $url"

step "1. Create the store (and the master key that encrypts API keys)"
run "$seg" init

step "2. Import 20,000 realistic profiles (some emails invalid, duplicated or in mixed case)"
run "$seg" profiles generate --count 20000 --seed 2024 --out profiles.csv
run "$seg" profiles import profiles.csv
run "$seg" schema

step "3. Segments"
run "$seg" segment create "High value Spain" --rule 'Country = "spain" and LifetimeValue > 300 and IsSubscribed'
run "$seg" segment create "Lapsed buyers" --rule 'Orders >= 3 and LastPurchaseDate before 2023-01-01'
run "$seg" segment list

step "4. Connect Autopilot: an admin, the API key from a file (never on the command line), consent"
printf 'demo password 123\n' >admin.pw
run "$seg" user add admin --role admin --password-file admin.pw
printf '%s\n' "$key" >autopilot.key
run "$seg" destination add autopilot --api-key-file autopilot.key --api-url "$url/v1" --accept-privacy \
  --export-user admin --rate-limit 0
run "$seg" destination show autopilot

step "5. Data matching and segments (saved, not run)"
run "$seg" export configure autopilot --email Email --first-name FirstName --last-name LastName \
  --map City=MailingCity --map 'LoyaltyTier=custom:Loyalty Tier' --map LifetimeValue=custom:LTV \
  --segments "High value Spain,Lapsed buyers"
run "$seg" export run autopilot --dry-run

step "6. Export"
run "$seg" export run autopilot || true
# Into a file first, then cut: `segship ... | head` under pipefail dies of SIGPIPE (exit 141)
# whenever head exits before segship has written its last line.
printf '$ %s export errors autopilot | head -n 6\n' "$seg"
"$seg" export errors autopilot >errors.txt
head -n 6 errors.txt

step "7. What Autopilot now holds (from the simulator's state)"
curl -s "$url/__sim/state" | jq -r '.accounts[] |
  "contacts: \(.contacts | length)",
  (.lists[] | "list \"\(.title)\" (\(.list_id)): \(.contacts | length) members"),
  "a contact: \(.contacts[0] | {Email, FirstName, LastName, MailingCity, lists, custom_fields} | tojson)"'

step "8. A later snapshot: 5% bought again, 1% changed email; import, refresh the segments, export again"
run "$seg" profiles generate --count 20000 --seed 2024 --changed 5 --moved 1 --out profiles-later.csv
run "$seg" profiles import profiles-later.csv
run "$seg" segment refresh
run "$seg" export run autopilot || true
run "$seg" export history autopilot

step "9. Nothing changed: a rerun writes nothing"
run "$seg" export run autopilot || true

step "10. The same segments to Ortto, Autopilot's successor (ortto-sim, a local Ortto): each segment is a tag"
"$build/ortto-sim" --listen 127.0.0.1:0 --api-key "$key" --windows 0 >ortto.out 2>ortto.err &
ortto_pid=$!
trap 'kill -TERM $sim_pid $ortto_pid 2>/dev/null; wait $sim_pid $ortto_pid 2>/dev/null' EXIT
for _ in $(seq 600); do grep -q '^listening on ' ortto.out 2>/dev/null && break; sleep 0.1; done # 60 s at most
ourl=$(sed -n 's/^listening on //p' ortto.out)
[[ -n $ourl ]] || { echo "demo: ortto-sim did not start within 60 s (see $work/ortto.err)" >&2; exit 1; }
echo "ortto-sim listens on $ourl"
run "$seg" destination add ortto --type ortto --api-key-file autopilot.key --api-url "$ourl" --accept-privacy \
  --export-user admin --rate-limit 0
run "$seg" export configure ortto --email Email --first-name FirstName --last-name LastName \
  --map City=city --map 'LoyaltyTier=custom:Loyalty Tier' --map LifetimeValue=custom:LTV \
  --segments "High value Spain,Lapsed buyers" --tag-prefix "segship: "
run "$seg" export run ortto || true
curl -s "$ourl/__sim/state" | jq -r '.accounts[] |
  "people: \(.people | length)",
  ([.people[].tags[]?] | group_by(.) | .[] | "tag \"\(.[0])\": \(length) people"),
  "a person: \(.people[0] | {fields, tags} | tojson)"'
run "$seg" export run ortto || true

printf '\nThe demo store is %s; the simulators stop now.\n' "$SEGSHIP_DB"
