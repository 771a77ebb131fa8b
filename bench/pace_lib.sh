#!/usr/bin/env bash
# pace_lib.sh: what bench/pace.sh and bench/pace_margin.sh share: a store of N new profiles, a
# simulator per run (fresh limiter), one timed export per run, busy loops beside on request.
# Source it after setting build, count; it sets seg, dir, key.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
seg="$build/segship"
dir=$(mktemp -d /tmp/segship-bench.XXXXXX)
key=0123456789abcdef0123456789abcdef
sim_pid=
busy_pids=()
pace_cleanup() {
  [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null
  local p
  for p in "${busy_pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$dir"
}
trap pace_cleanup EXIT

# busy N: N shell loops spinning beside the benchmark (the load of item 4 of issue 13), stopped at exit.
busy() {
  local i
  for ((i = 0; i < $1; i++)); do
    (while :; do :; done) &
    busy_pids+=($!)
  done
}

# start_sim BINARY FLAGS...: a fresh simulator on a free loopback port; sets url.
start_sim() {
  local bin=$1
  shift
  if [[ -n $sim_pid ]]; then kill "$sim_pid"; wait "$sim_pid" 2>/dev/null; fi
  rm -f "$dir/sim.out"
  "$build/$bin" --listen 127.0.0.1:0 --api-key "$key" "$@" >"$dir/sim.out" 2>"$dir/sim.err" &
  sim_pid=$!
  for _ in $(seq 400); do grep -q '^listening on ' "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
  url=$(sed -n 's/^listening on //p' "$dir/sim.out")
  [[ -n $url ]] || { echo "$bin did not start: $(cat "$dir/sim.err")" >&2; exit 1; }
}

# The store: COUNT new profiles, one segment of them all.
pace_setup() {
  export SEGSHIP_DB="$dir/s.db"
  printf '%s\n' "$key" >"$dir/key"
  "$seg" init >/dev/null
  "$seg" profiles generate --count "$count" --seed 3 --invalid 0 --duplicate 0 --out "$dir/p.csv"
  "$seg" profiles import "$dir/p.csv" >/dev/null
  "$seg" segment create All --rule 'Orders >= 0' >/dev/null
  printf 'benchmark password\n' >"$dir/pw"
  "$seg" user add bench --role admin --password-file "$dir/pw" >/dev/null
}

# export_once TYPE URL LIMIT: a new destination (all COUNT contacts are new to it) exported once;
# sets CALLS, THROTTLED, SECS (the run's duration less its planning) and PLAN (a --dry-run of the
# same export, timed just before).
n_dest=0
export_once() {
  local type=$1 api=$2 limit=$3 json
  n_dest=$((n_dest + 1))
  "$seg" destination add "d$n_dest" --type "$type" --api-key-file "$dir/key" --api-url "$api" --accept-privacy \
    --export-user bench --rate-limit "$limit" >/dev/null || exit 1
  "$seg" export configure "d$n_dest" --email Email --first-name FirstName --segments All >/dev/null || exit 1
  PLAN=$( { /usr/bin/time -f %e "$seg" export run "d$n_dest" --dry-run --json >/dev/null; } 2>&1 | tail -n 1)
  json=$("$seg" export run "d$n_dest" --no-progress --json 2>"$dir/run.err")
  CALLS=$(jq .api_calls <<<"$json")
  THROTTLED=$(jq .throttled <<<"$json")
  [[ $CALLS =~ ^[0-9]+$ ]] || { echo "the export failed: $(cat "$dir/run.err")" >&2; exit 1; }
  SECS=$(awk -v d="$(jq .duration_s <<<"$json")" -v p="$PLAN" 'BEGIN { printf "%.2f", d - p }')
}

# load_now: the 1-minute load average.
load_now() { cut -d' ' -f1 /proc/loadavg; }
