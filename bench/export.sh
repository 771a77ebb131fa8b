#!/usr/bin/env bash
# export.sh: exports into autopilot-sim (started here, on loopback): 100,000 new profiles with no
# rate limit, a rerun with nothing changed, a rerun with 1% changed, and a rate-limited export
# against its physical floor (calls / rate). BENCH_FULL=1 runs the real 100,000 at 5 r/s (200 s
# floor) instead of the scaled 20,000 at 25 r/s (8 s floor). Prints Markdown rows.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
build=${1:-build}
runs=${BENCH_RUNS:-3}
count=${BENCH_EXPORT_COUNT:-100000}
seg="$build/segship"
dir=$(mktemp -d /tmp/segship-bench.XXXXXX)
key=0123456789abcdef0123456789abcdef
sim_pid=
start_sim() {
  [[ -n $sim_pid ]] && { kill "$sim_pid"; wait "$sim_pid" 2>/dev/null; }
  "$build/autopilot-sim" --listen 127.0.0.1:0 --api-key "$key" "$@" >"$dir/sim.out" 2>"$dir/sim.err" &
  sim_pid=$!
  for _ in $(seq 100); do grep -q '^listening on ' "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
  url=$(sed -n 's/^listening on //p' "$dir/sim.out")
}
trap '[[ -n $sim_pid ]] && kill $sim_pid 2>/dev/null; rm -rf "$dir"' EXIT
export SEGSHIP_DB="$dir/s.db"
printf '%s\n' "$key" >"$dir/key"
printf 'benchmark password\n' >"$dir/pw"

"$seg" init >/dev/null
"$seg" profiles generate --count "$count" --seed 3 --invalid 0 --duplicate 0 --out "$dir/p.csv"
"$seg" profiles import "$dir/p.csv" >/dev/null
"$seg" segment create All --rule 'Orders >= 0' >/dev/null
"$seg" user add bench --role admin --password-file "$dir/pw" >/dev/null
n_dest=0
new_destination() { # RATE: a destination with nothing confirmed yet, against the current simulator
  n_dest=$((n_dest + 1))
  dest="d$n_dest"
  "$seg" destination add "$dest" --api-key-file "$dir/key" --api-url "$url/v1" --accept-privacy --export-user bench \
    --rate-limit "$1" >/dev/null
  "$seg" export configure "$dest" --email Email --first-name FirstName --last-name LastName \
    --map 'LifetimeValue=custom:LTV' --map 'LoyaltyTier=custom:Tier' --segments All >/dev/null
}

# ---- fresh, no rate limit
start_sim --rate 0
fresh() { curl -s -X POST "$url/__sim/reset" >/dev/null; new_destination 0; }
TIMES=() MEMS=() # the destination changes per run, so time by hand
for ((i = 0; i < runs; i++)); do
  fresh
  tf=$(mktemp)
  /usr/bin/time -o "$tf" -f '%e %M' "$seg" export run "$dest" --no-progress >/dev/null 2>&1
  read -r t m <"$tf"; rm -f "$tf"
  TIMES+=("$t") MEMS+=("$m")
done
fresh_t=$(median "${TIMES[@]}") fresh_m=$(max "${MEMS[@]}")
calls=$("$seg" export history "$dest" --json | jq '.runs[0].api_calls')

# ---- the peer: the same export with the npm client autopilot-api, into a fresh simulator account
peer_row=""
compat="$here/../tests/compat"
if command -v node >/dev/null && { [[ -d $compat/node_modules/autopilot-api ]] || (cd "$compat" && npm ci --no-audit --no-fund >/dev/null 2>&1); }; then
  curl -s -X POST "$url/__sim/reset" >/dev/null
  peer=$(cd "$compat" && SIM_URL=$url SIM_KEY=$key NODE_PATH="$compat/node_modules" \
    timeout 3600 node "$here/peer/peer_export.js" "$dir/p.csv" All 2>&1 | tail -n 1)
  if peer_t=$(jq -e .seconds <<<"$peer" 2>/dev/null); then
    peer_calls=$(jq .calls <<<"$peer")
    peer_row="autopilot-api (npm) script: $(printf '%.2f' "$peer_t") s, $peer_calls calls (segship ×$(ratio "$fresh_t" "$peer_t") time, ×$(ratio "$calls" "$peer_calls") calls)"
  else
    peer_row="autopilot-api (npm) script failed: $peer"
  fi
else
  peer_row="autopilot-api (npm) script: not run (npm registry unreachable)"
fi
curl -s -X POST "$url/__sim/reset" >/dev/null

# ---- rerun, nothing changed (the last destination; the reset above emptied the simulator, so
# first bring it back to what segship confirmed)
"$seg" export run "$dest" --full --no-progress >/dev/null 2>&1
w0=$(curl -s "$url/__sim/stats" | jq '[.by_route | to_entries[] | select(.key | test("^(POST|DELETE)")) | .value] | add // 0')
measure "$runs" "$seg" export run "$dest" --no-progress
re_t=$(median "${TIMES[@]}") re_m=$(max "${MEMS[@]}")
w1=$(curl -s "$url/__sim/stats" | jq '[.by_route | to_entries[] | select(.key | test("^(POST|DELETE)")) | .value] | add // 0')
re_calls=$("$seg" export history "$dest" --json | jq '.runs[0].api_calls')

# ---- 1% changed
"$seg" profiles generate --count "$count" --seed 3 --invalid 0 --duplicate 0 --changed 1 --out "$dir/p1.csv"
"$seg" profiles import "$dir/p1.csv" >/dev/null
"$seg" segment refresh >/dev/null
tf=$(mktemp)
/usr/bin/time -o "$tf" -f '%e %M' "$seg" export run "$dest" --no-progress >/dev/null 2>&1
read -r ch_t ch_m <"$tf"; rm -f "$tf"
ch=$("$seg" export history "$dest" --json | jq -c '.runs[0] | {api_calls, contacts_upserted}')

# ---- rate limited, against the floor
if [[ ${BENCH_FULL:-0} == 1 ]]; then rl_count=$count rate=5; else rl_count=20000 rate=25; fi
"$seg" segment create Limited --rule "CustomerId <= \"C$(printf '%08d' "$rl_count")\"" >/dev/null
start_sim --rate "$rate" --burst "$rate"
new_destination "$rate"
"$seg" export configure "$dest" --segments Limited >/dev/null
tf=$(mktemp)
/usr/bin/time -o "$tf" -f '%e %M' "$seg" export run "$dest" --no-progress >/dev/null 2>&1
read -r rl_t rl_m <"$tf"; rm -f "$tf"
rl=$("$seg" export history "$dest" --json | jq -c '.runs[0] | {api_calls, throttled, status}')
rl_calls=$(jq .api_calls <<<"$rl")
floor=$(awk -v c="$rl_calls" -v r="$rate" 'BEGIN { printf "%.1f", c / r }')

echo "| Export of $count new profiles into one list, no rate limit ($calls calls), simulator included | $fresh_t s | $(mb "$fresh_m") MB | < 3 s, < 64 MB | $peer_row |"
echo "| Rerun with nothing changed ($re_calls call, $((w1 - w0)) writes over $runs runs) | $re_t s | $(mb "$re_m") MB | < 1 s, no write | |"
echo "| Rerun with 1% of profiles changed ($(jq .contacts_upserted <<<"$ch") contacts, $(jq .api_calls <<<"$ch") calls) | $ch_t s | $(mb "$ch_m") MB | 10 bulk calls | |"
peer_floor=$(awk -v n="$rl_count" -v r="$rate" 'BEGIN { printf "%.0f", (int((n + 99) / 100) + n + 2) / r }')
echo "| Export of $rl_count new profiles at $rate r/s ($rl_calls calls, $(jq .throttled <<<"$rl") throttled) | $rl_t s | $(mb "$rl_m") MB | within 5% of the floor | floor $floor s (×$(ratio "$rl_t" "$floor")); the npm script's floor at this rate (one lists.add per contact): $peer_floor s |"
full_floor=$(awk -v n="$count" 'BEGIN { printf "%.0f", int((n + 99) / 100) / 5 }')
peer_full=$(awk -v n="$count" 'BEGIN { printf "%.1f", (int((n + 99) / 100) + n) / 5 / 3600 }')
echo "| $count profiles at Autopilot's 5 r/s: computed floors | | | | segship: $full_floor s (bulk calls carry the list); the npm script: $peer_full h; Microsoft's connector documents \"a few hours\" |"
