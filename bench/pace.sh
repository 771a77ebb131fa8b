#!/usr/bin/env bash
# pace.sh: the pacing table of issue 13: 20,000 new contacts exported at 25 r/s into autopilot-sim
# against each limiter kind (a token bucket of burst 5, strict spacing as nginx limit_req without
# burst, fixed windows of 25/1s: the same rate, so that 20,000 contacts span many windows), and into ortto-sim with Ortto's own 200/10s window (the client
# told --rate-limit 200/10s). "time" is the run's own duration less its planning (a --dry-run of
# the same export, timed just before), so that it measures the calls. Floors: at a rate,
# (calls − 1) / rate; with fixed windows of N requests per S seconds, the first starting at the
# first call, ⌊(calls − 1) / N⌋ × S (for 200/10s and 202 calls: 10 s). Medians of BENCH_RUNS runs
# (default 3), each against a fresh simulator. Prints a Markdown table.
# Usage: bench/pace.sh [BUILD]; BENCH_PACE_COUNT and BENCH_PACE_RATE change the size and rate
# (BENCH_PACE_ORTTO=0 leaves out the Ortto row), BENCH_BUSY=N runs N busy shell loops beside.
set -u
build=${1:-build}
count=${BENCH_PACE_COUNT:-20000}
rate=${BENCH_PACE_RATE:-25}
runs=${BENCH_RUNS:-3}
source "$(cd "$(dirname "$0")" && pwd)/pace_lib.sh"
pace_setup
busy "${BENCH_BUSY:-0}"

# window_floor WINDOWS CALLS: when the last of CALLS requests may leave at the earliest, each
# window N/Ss allowing N requests per window, the windows starting at the first call.
window_floor() {
  awk -v w="$1" -v n="$2" 'BEGIN {
    k = split(w, ws, ","); for (i = 1; i <= k; i++) { split(ws[i], p, "/"); L[i] = p[1]; S[i] = p[2] + 0 }
    t = 0
    for (i = 1; i <= k; i++) { f = int((n - 1) / L[i]) * S[i]; if (f > t) t = f }
    printf "%.2f", t }'
}

echo "| simulator limiter | calls | time (planning excluded) | floor | ratio | 429s | planning |"
echo "|---|---|---|---|---|---|---|"
# row LABEL SIM TYPE PATH LIMIT FLOOR_KIND SIM_FLAGS...: BENCH_RUNS exports, the medians printed.
row() {
  local label=$1 sim=$2 type=$3 path=$4 limit=$5 kind=$6
  shift 6
  local cs=() ts=() fs=() rs=() hs=() ps=() i fl
  for ((i = 0; i < runs; i++)); do
    start_sim "$sim" "$@"
    export_once "$type" "$url$path" "$limit"
    if [[ $kind == rate ]]; then
      fl=$(awk -v c="$CALLS" -v r="$rate" 'BEGIN { printf "%.2f", (c - 1) / r }')
    else
      fl=$(window_floor "$limit" "$CALLS")
    fi
    cs+=("$CALLS") ts+=("$SECS") fs+=("$fl") hs+=("$THROTTLED") ps+=("$PLAN")
    rs+=("$(awk -v t="$SECS" -v f="$fl" 'BEGIN { if (f > 0) printf "%.3f", t / f; else print "n/a" }')")
  done
  local mid=$(((runs + 1) / 2))
  echo "| $label | $(median "${cs[@]}" | sed 's/\.00$//') | $(median "${ts[@]}") s | $(median "${fs[@]}") s |" \
    "$(printf '%s\n' "${rs[@]}" | sort -g | sed -n "${mid}p") | $(median "${hs[@]}" | sed 's/\.00$//') ($(IFS=,; echo "${hs[*]}")) |" \
    "$(median "${ps[@]}") s |"
}
w=$(awk -v r="$rate" 'BEGIN { printf "%d", r }') # rate requests a 1-second window: the same rate, in windows
row "autopilot-sim $rate r/s, burst 5 (bucket)" autopilot-sim autopilot /v1 "$rate" rate --limiter bucket --rate "$rate" --burst 5
row "autopilot-sim $rate r/s, strict (burst 1)" autopilot-sim autopilot /v1 "$rate" rate --limiter strict --rate "$rate"
row "autopilot-sim $w/1s (fixed window)" autopilot-sim autopilot /v1 "$w/1s" window --limiter window --windows "$w/1s"
if [[ ${BENCH_PACE_ORTTO:-1} == 1 ]]; then
  row "ortto-sim 200/10s (fixed window, Ortto's)" ortto-sim ortto "" 200/10s window --limiter window --windows 200/10s
fi
