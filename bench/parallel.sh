#!/usr/bin/env bash
# parallel.sh: 4 destinations (4 accounts of autopilot-sim, started here on loopback, each limited
# to 10 r/s) x 20,000 new contacts, exported by one `segship refresh` (--parallel default: all at
# once). The target is 1.15 x one destination's floor ((calls - 1) / rate), not four. Prints a
# Markdown row. BENCH_PARALLEL_COUNT sets the contacts, BENCH_PARALLEL_RATE the rate.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
build=${1:-build}
count=${BENCH_PARALLEL_COUNT:-20000}
rate=${BENCH_PARALLEL_RATE:-10}
seg="$build/segship"
dir=$(mktemp -d /tmp/segship-bench.XXXXXX)
sim_pid=
trap '[[ -n $sim_pid ]] && kill $sim_pid 2>/dev/null; rm -rf "$dir"' EXIT
keys=(0123456789abcdef0123456789abcdef 1123456789abcdef0123456789abcdef 2123456789abcdef0123456789abcdef
  3123456789abcdef0123456789abcdef)
args=()
for k in "${keys[@]}"; do args+=(--api-key "$k"); done
# the simulator's limiter is per key: each account has its own 10 r/s
"$build/autopilot-sim" --listen 127.0.0.1:0 "${args[@]}" --rate "$rate" --burst "$rate" >"$dir/sim.out" 2>"$dir/sim.err" &
sim_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$dir/sim.out")
export SEGSHIP_DB="$dir/s.db"
printf 'benchmark password\n' >"$dir/pw"
"$seg" init >/dev/null
"$seg" profiles generate --count "$count" --seed 7 --invalid 0 --duplicate 0 --out "$dir/p.csv"
"$seg" profiles import "$dir/p.csv" >/dev/null
"$seg" user add bench --role admin --password-file "$dir/pw" >/dev/null
"$seg" segment create All --rule 'Orders >= 0' >/dev/null
for i in 0 1 2 3; do
  printf '%s\n' "${keys[$i]}" >"$dir/key$i"
  "$seg" destination add "d$i" --api-key-file "$dir/key$i" --api-url "$url/v1" --accept-privacy --export-user bench \
    --rate-limit "$rate" >/dev/null
  "$seg" export configure "d$i" --email Email --first-name FirstName --segments All >/dev/null
done
tf=$(mktemp)
/usr/bin/time -o "$tf" -f '%e' "$seg" refresh --json >"$dir/r.json" 2>/dev/null
t=$(tail -n 1 "$tf")
rm -f "$tf"
status=$(jq -r .status "$dir/r.json")
calls=0
for i in 0 1 2 3; do
  c=$("$seg" export history "d$i" --json | jq '.runs[0].api_calls')
  ((c > calls)) && calls=$c
done
floor=$(awk -v c="$calls" -v r="$rate" 'BEGIN { printf "%.1f", (c - 1) / r }')
echo "| Refresh of 4 destinations x $count new contacts at $rate r/s each, exported at the same time (refresh $status; at most $calls calls per destination; \`bash bench/parallel.sh build\`) | $t s | | ≤ 1.15 × one destination's floor | floor $floor s (×$(ratio "$t" "$floor")); one after the other: $(awk -v f="$floor" 'BEGIN{printf "%.0f", 4 * f}') s |"
