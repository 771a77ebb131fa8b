#!/usr/bin/env bash
# bench/sim/run.sh: how many contacts per second autopilot-sim takes through bulk upserts (100 new
# contacts per call, each with _autopilot_list, --rate 0), the median of 5 runs on a fresh
# simulator each. Prints one Markdown table row for BENCHMARKS.md on stdout; progress on stderr.
# Usage: bench/sim/run.sh [BUILD_DIR]   (env: CONTACTS=300000 CONNECTIONS=4 RUNS=5)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
contacts=${CONTACTS:-300000}
connections=${CONNECTIONS:-4}
runs=${RUNS:-5}

make --no-print-directory BUILD="$build" "$build/autopilot-sim" "$build/sim-bench" >&2
tmp=$(mktemp -d)
sim_pid=
cleanup() {
  [[ -n $sim_pid ]] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

load=$(cut -d ' ' -f 1 /proc/loadavg) # other work on the machine skews the figure: say how busy it was
rates=()
for ((run = 1; run <= runs; run++)); do
  "$build/autopilot-sim" --listen 127.0.0.1:0 --api-key bench --rate 0 >"$tmp/sim.out" 2>"$tmp/sim.err" &
  sim_pid=$!
  for _ in $(seq 100); do grep -q '^listening on ' "$tmp/sim.out" 2>/dev/null && break; sleep 0.05; done
  url=$(sed -n 's/^listening on //p' "$tmp/sim.out")
  [[ -n $url ]] || { echo "autopilot-sim did not start: $(cat "$tmp/sim.err")" >&2; exit 1; }
  list=$(curl -sf -H 'autopilotapikey: bench' -H 'Content-Type: application/json' -d '{"name":"Bench"}' \
    "$url/v1/list" | jq -r .list_id)
  line=$("$build/sim-bench" "$url" bench "$list" "$contacts" "$connections" "$run")
  echo "run $run: $line" >&2
  rate=$(sed -n 's/.*contacts_per_s=\([0-9]*\).*/\1/p' <<<"$line")
  [[ $line == *"failed=0 "* && -n $rate ]] || { echo "run $run failed" >&2; exit 1; }
  rates+=("$rate")
  kill -TERM "$sim_pid"
  wait "$sim_pid" || { echo "autopilot-sim did not exit cleanly" >&2; exit 1; }
  sim_pid=
done

sorted=($(printf '%s\n' "${rates[@]}" | sort -n))
median=${sorted[$((runs / 2))]}
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
group() { LC_ALL=C printf "%'d" "$1" 2>/dev/null | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
printf '| autopilot-sim: bulk upserts of new contacts, 100 per call with _autopilot_list, --rate 0, %s connections | %s contacts/s (median of %s; min %s, max %s; %s contacts per run) | %s cores, %s, %s, load %s at start | `bench/sim/run.sh %s` |\n' \
  "$connections" "$(group "$median")" "$runs" "$(group "${sorted[0]}")" "$(group "${sorted[$((runs - 1))]}")" \
  "$(group "$contacts")" "$(nproc)" "$cpu" "$mem" "$load" "$build"
