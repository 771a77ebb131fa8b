#!/usr/bin/env bash
# export_ortto.sh: exports into ortto-sim (started here, on loopback) at request windows, against
# the windows' floor: new profiles (the scaled 20,000 at 20/1s,60/6s, Ortto's Pro windows ten
# times faster; BENCH_FULL=1: the real 100,000 at 200/10s,600/60s), then a day with 1% changed,
# 1% joining and 1% leaving (at most ceil(3% / 100) + 2 calls), then an unchanged rerun (no
# write). Prints Markdown rows.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
build=${1:-build}
seg="$build/segship"
dir=$(mktemp -d /tmp/segship-bench.XXXXXX)
key=0123456789abcdef0123456789abcdef
if [[ ${BENCH_FULL:-0} == 1 ]]; then count=100000 windows=200/10s,600/60s; else count=20000 windows=20/1s,60/6s; fi
"$build/ortto-sim" --listen 127.0.0.1:0 --api-key "$key" --windows "$windows" >"$dir/sim.out" 2>"$dir/sim.err" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q '^listening on ' "$dir/sim.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$dir/sim.out")
export SEGSHIP_DB="$dir/s.db"
printf '%s\n' "$key" >"$dir/key"
printf 'benchmark password\n' >"$dir/pw"
"$seg" init >/dev/null
"$seg" profiles generate --count "$count" --seed 3 --invalid 0 --duplicate 0 --out "$dir/p.csv"
"$seg" profiles import "$dir/p.csv" >/dev/null
one=$((count / 100))
id() { printf '"C%08d"' "$1"; }
"$seg" segment create Members --rule "CustomerId > $(id "$one")" >/dev/null
"$seg" user add bench --role admin --password-file "$dir/pw" >/dev/null
"$seg" destination add o --type ortto --api-key-file "$dir/key" --api-url "$url" --accept-privacy --export-user bench \
  --rate-limit "$windows" >/dev/null
"$seg" export configure o --email Email --first-name FirstName --last-name LastName --map Orders=custom:Orders \
  --map 'LifetimeValue=custom:LTV' --segments Members >/dev/null

# floor WINDOWS CALLS: when the last of CALLS requests may leave, each window (N/Ss) allowing at
# most N requests in any S seconds, the first at 0.
floor() {
  awk -v w="$1" -v n="$2" 'BEGIN {
    k = split(w, ws, ","); for (i = 1; i <= k; i++) { split(ws[i], p, "/"); L[i] = p[1]; S[i] = p[2] + 0 }
    t = 0
    for (c = 0; c < n; c++) {
      for (;;) { ok = 1
        for (i = 1; i <= k; i++) { if (c >= L[i] && sent[c - L[i]] + S[i] > t) { t = sent[c - L[i]] + S[i]; ok = 0 } }
        if (ok) break }
      sent[c] = t }
    printf "%.1f", t }'
}

tf=$(mktemp)
/usr/bin/time -o "$tf" -f '%e %M' "$seg" export run o --no-progress >/dev/null 2>&1
read -r t m <"$tf"; rm -f "$tf"
r=$("$seg" export history o --json | jq -c '.runs[0] | {api_calls, throttled, contacts_upserted, status}')
calls=$(jq .api_calls <<<"$r")
fl=$(floor "$windows" "$calls")
echo "| Ortto: export of $(jq .contacts_upserted <<<"$r") new people at $windows ($calls calls, $(jq .throttled <<<"$r") throttled) | $t s | $(mb "$m") MB | within 5% of the floor, no 429 | floor $fl s (×$(ratio "$t" "$fl")) |"

# a day: 1% changed, 1% joining, 1% leaving, in one run
"$seg" profiles generate --count "$count" --seed 3 --invalid 0 --duplicate 0 --changed 1 --out "$dir/d.csv"
"$seg" profiles import "$dir/d.csv" >/dev/null
"$seg" segment update Members --rule "CustomerId <= $(id "$one") or CustomerId > $(id $((2 * one)))" >/dev/null
"$seg" export run o --no-progress >/dev/null 2>&1
day=$("$seg" export history o --json | jq -c '.runs[0] | {api_calls, contacts_upserted, list_additions, list_removals}')
recs=$(( $(jq '.contacts_upserted + .list_removals' <<<"$day") ))
echo "| Ortto: a day on $count, 1% changed, 1% joining, 1% leaving ($(jq .contacts_upserted <<<"$day") people sent, $(jq .list_additions <<<"$day") joined, $(jq .list_removals <<<"$day") left) | $(jq .api_calls <<<"$day") calls | | at most ⌈3% / 100⌉ + 2 | ⌈$recs / 100⌉ + 2 = $(( (recs + 99) / 100 + 2 )) |"

w0=$(curl -s "$url/__sim/stats" | jq '[.by_route | to_entries[] | select(.key | test("person/merge|custom-field/create")) | .value] | add // 0')
"$seg" export run o --no-progress >/dev/null 2>&1
w1=$(curl -s "$url/__sim/stats" | jq '[.by_route | to_entries[] | select(.key | test("person/merge|custom-field/create")) | .value] | add // 0')
echo "| Ortto: unchanged rerun | $("$seg" export history o --json | jq '.runs[0].api_calls') calls, $((w1 - w0)) writes | | no write | |"
