#!/usr/bin/env bash
# membership.sh: a day on 100,000 members with 1% leaving and 1% joining, exported into
# autopilot-sim (started here, on loopback, no rate limit: calls are what is measured) by two
# destinations on the same segment, one with --membership list, one with --membership field.
# list mode costs about joins/100 + leaves calls (Autopilot has no bulk list removal); field mode
# at most ceil((joins + leaves) / 100) + 1. Prints Markdown rows. BENCH_MEMBERS sets the size.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
build=${1:-build}
members=${BENCH_MEMBERS:-100000}
churn=$((members / 100))
seg="$build/segship"
dir=$(mktemp -d /tmp/segship-bench.XXXXXX)
key=0123456789abcdef0123456789abcdef
sim_pid=
trap '[[ -n $sim_pid ]] && kill $sim_pid 2>/dev/null; rm -rf "$dir"' EXIT
"$build/autopilot-sim" --listen 127.0.0.1:0 --api-key "$key" --rate 0 >"$dir/sim.out" 2>"$dir/sim.err" &
sim_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$dir/sim.out")
export SEGSHIP_DB="$dir/s.db"
printf '%s\n' "$key" >"$dir/key"
printf 'benchmark password\n' >"$dir/pw"

id() { printf 'C%08d' "$1"; }
"$seg" init >/dev/null
"$seg" profiles generate --count $((members + churn)) --seed 5 --invalid 0 --duplicate 0 --out "$dir/p.csv"
"$seg" profiles import "$dir/p.csv" >/dev/null
"$seg" user add bench --role admin --password-file "$dir/pw" >/dev/null
"$seg" segment create Day --rule "CustomerId <= \"$(id "$members")\"" >/dev/null
for mode in list field; do
  "$seg" destination add "$mode" --api-key-file "$dir/key" --api-url "$url/v1" --accept-privacy --export-user bench \
    --rate-limit 0 >/dev/null
  "$seg" export configure "$mode" --email Email --segments Day --membership "$mode" --max-removal 100 >/dev/null
  "$seg" export run "$mode" --no-progress >/dev/null 2>&1 || echo "| membership: the first $mode-mode run failed | | | | |"
done
# the day: the first 1% leave, 1% new members join
"$seg" segment update Day --rule "CustomerId > \"$(id "$churn")\" and CustomerId <= \"$(id $((members + churn)))\"" >/dev/null
declare -A calls secs
for mode in list field; do
  tf=$(mktemp)
  /usr/bin/time -o "$tf" -f '%e' "$seg" export run "$mode" --no-progress >/dev/null 2>&1
  secs[$mode]=$(tail -n 1 "$tf")
  rm -f "$tf"
  calls[$mode]=$("$seg" export history "$mode" --json | jq '.runs[0].api_calls')
done
bound=$(((2 * churn + 99) / 100 + 1))
echo "| Membership: a day on $members members, $churn leaving and $churn joining, --membership list vs field (\`bash bench/membership.sh build\`) | list ${calls[list]} calls (${secs[list]} s), field ${calls[field]} calls (${secs[field]} s) | | field: at most ⌈$((2 * churn)) / 100⌉ + 1 = $bound calls | list: $((churn / 100)) + $churn = $((churn / 100 + churn)) calls expected; at Autopilot's 5 r/s list takes $(awk -v c="${calls[list]}" 'BEGIN{printf "%.0f", (c-1)/5}') s, field $(awk -v c="${calls[field]}" 'BEGIN{printf "%.1f", (c-1)/5}') s |"
