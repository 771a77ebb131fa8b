#!/usr/bin/env bash
# lib.sh: helpers for the benchmarks: timing a command several times (wall seconds and peak
# memory through GNU time), medians, and the machine's description.
set -u

# measure N CMD...: runs CMD N times; sets TIMES (wall seconds, one per run) and MEMS (peak KB).
# A setup function named in $BENCH_SETUP, if set, runs before each run and is not timed.
measure() {
  local n=$1 i out
  shift
  TIMES=() MEMS=()
  for ((i = 0; i < n; i++)); do
    [[ -n ${BENCH_SETUP:-} ]] && $BENCH_SETUP
    local tf
    tf=$(mktemp)
    /usr/bin/time -o "$tf" -f '%e %M' "$@" >/dev/null 2>&1
    out=$(tail -n 1 "$tf")
    rm -f "$tf"
    TIMES+=("${out% *}")
    MEMS+=("${out#* }")
  done
}

# median VALUES...: the median (the mean of the middle two for an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) printf "%.2f", a[(NR+1)/2]; else printf "%.2f", (a[NR/2]+a[NR/2+1])/2}'
}

# max VALUES...
max() { printf '%s\n' "$@" | sort -g | tail -n 1; }

# ratio A B: A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# mb KB: kilobytes as megabytes with one decimal.
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

machine() {
  local cpu
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
  echo "$(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), $(gcc --version | head -n1)"
}
