#!/usr/bin/env bash
# pace_margin.sh: measures the no-burst margin (issue 13): 20,000 new contacts exported into
# autopilot-sim --limiter strict at 25 r/s with the margin set by SEGSHIP_PACE_MARGIN (a
# benchmarking knob; segship's default is HTTP_PACE_NO_BURST_MARGIN in src/http/pace.h), BENCH_RUNS
# runs per margin (default 3), medians. Floor: (calls − 1) / rate, the calls counting the 429s as
# in the issue's table. Prints a Markdown table.
# Usage: bench/pace_margin.sh [BUILD]; BENCH_MARGINS (default "0 0.005 0.01 0.02 0.04 0.08"),
# BENCH_BUSY=N (N busy shell loops beside), BENCH_PACE_COUNT, BENCH_PACE_RATE.
set -u
build=${1:-build}
count=${BENCH_PACE_COUNT:-20000}
rate=${BENCH_PACE_RATE:-25}
runs=${BENCH_RUNS:-3}
margins=${BENCH_MARGINS:-0 0.005 0.01 0.02 0.04 0.08}
source "$(cd "$(dirname "$0")" && pwd)/pace_lib.sh"
pace_setup
busy "${BENCH_BUSY:-0}"
echo "| margin | time (median) | floor ((calls − 1) / rate) | ratio (median) | 429s (median; each run) | load average |"
echo "|---|---|---|---|---|---|"
for m in $margins; do
  ts=() fs=() rs=() hs=() loads=()
  for ((i = 0; i < runs; i++)); do
    start_sim autopilot-sim --limiter strict --rate "$rate"
    loads+=("$(load_now)")
    SEGSHIP_PACE_MARGIN=$m export_once autopilot "$url/v1" "$rate"
    fl=$(awk -v c="$CALLS" -v r="$rate" 'BEGIN { printf "%.2f", (c - 1) / r }')
    ts+=("$SECS") fs+=("$fl") hs+=("$THROTTLED")
    rs+=("$(awk -v t="$SECS" -v f="$fl" 'BEGIN { printf "%.3f", t / f }')")
  done
  pct=$(awk -v m="$m" 'BEGIN { printf "%g%%", m * 100 }')
  echo "| $pct | $(median "${ts[@]}") s | $(median "${fs[@]}") s | $(printf '%s\n' "${rs[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p") | $(median "${hs[@]}" | sed 's/\.00$//'); $(IFS=,; echo "${hs[*]}") | $(IFS=,; echo "${loads[*]}") |"
done
