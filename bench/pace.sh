#!/usr/bin/env bash
# pace.sh: the pacing table of issue 13: 20,000 new contacts exported into autopilot-sim at 25 r/s
# against each limiter kind (a token bucket of burst 5, strict spacing as nginx limit_req without
# burst, fixed windows of 250/10s), against the floor (calls - 1) / rate. "time" is the run's own
# duration less its planning (a --dry-run of the same export, timed just before), so that it
# measures the calls. Prints a Markdown table.
# Usage: bench/pace.sh [BUILD] ; BENCH_PACE_COUNT and BENCH_PACE_RATE change the size and rate.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
build=${1:-build}
count=${BENCH_PACE_COUNT:-20000}
rate=${BENCH_PACE_RATE:-25}
seg="$build/segship"
dir=$(mktemp -d /tmp/segship-bench.XXXXXX)
key=0123456789abcdef0123456789abcdef
sim_pid=
start_sim() {
  [[ -n $sim_pid ]] && { kill "$sim_pid"; wait "$sim_pid" 2>/dev/null; }
  "$build/autopilot-sim" --listen 127.0.0.1:0 --api-key "$key" "$@" >"$dir/sim.out" 2>"$dir/sim.err" &
  sim_pid=$!
  for _ in $(seq 200); do grep -q '^listening on ' "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
  url=$(sed -n 's/^listening on //p' "$dir/sim.out")
}
trap '[[ -n $sim_pid ]] && kill $sim_pid 2>/dev/null; rm -rf "$dir"' EXIT
export SEGSHIP_DB="$dir/s.db"
printf '%s\n' "$key" >"$dir/key"
"$seg" init >/dev/null
"$seg" profiles generate --count "$count" --seed 3 --invalid 0 --duplicate 0 --out "$dir/p.csv"
"$seg" profiles import "$dir/p.csv" >/dev/null
"$seg" segment create All --rule 'Orders >= 0' >/dev/null
printf 'benchmark password\n' >"$dir/pw"
"$seg" user add bench --role admin --password-file "$dir/pw" >/dev/null
n=0
echo "| simulator limiter | calls | time (planning excluded) | floor ((calls − 1) / rate) | ratio | 429s | planning |"
echo "|---|---|---|---|---|---|---|"
row() { # LABEL CLIENT_LIMIT SIM_FLAGS...
  local label=$1 limit=$2
  shift 2
  n=$((n + 1))
  start_sim "$@"
  "$seg" destination add "d$n" --api-key-file "$dir/key" --api-url "$url/v1" --accept-privacy --export-user bench \
    --rate-limit "$limit" >/dev/null
  "$seg" export configure "d$n" --email Email --first-name FirstName --segments All >/dev/null
  local json dry
  dry=$( { /usr/bin/time -f %e "$seg" export run "d$n" --dry-run --json >/dev/null; } 2>&1 | tail -n 1)
  json=$("$seg" export run "d$n" --no-progress --json 2>/dev/null)
  echo "$json" >"$dir/run$n.json"
  local calls secs thr
  calls=$(jq .api_calls <<<"$json")
  thr=$(jq .throttled <<<"$json")
  secs=$(awk -v d="$(jq .duration_s <<<"$json")" -v p="$dry" 'BEGIN { printf "%.2f", d - p }')
  local floor
  floor=$(awk -v c="$calls" -v r="$rate" 'BEGIN { printf "%.2f", (c - 1) / r }')
  echo "| $label | $calls | $(printf '%.2f' "$secs") s | $floor s | $(awk -v t="$secs" -v f="$floor" 'BEGIN { printf "%.3f", t / f }') | $thr | $dry s |"
}
row "$rate r/s, burst 5 (bucket)" "$rate" --limiter bucket --rate "$rate" --burst 5
row "$rate r/s, strict (burst 1)" "$rate" --limiter strict --rate "$rate"
w=$(awk -v r="$rate" 'BEGIN { printf "%d", r * 10 }')
row "$w/10s (fixed window)" "$w/10s" --limiter window --windows "$w/10s"
