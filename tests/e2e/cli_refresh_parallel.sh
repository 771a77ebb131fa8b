#!/usr/bin/env bash
# cli_refresh_parallel.sh: `segship refresh --parallel N` runs the exports of different
# destinations at the same time (one thread and one store connection each): three destinations,
# one with a key revoked in Autopilot; the two good ones end exact, the bad one failed in the
# refresh record, the others unharmed, exit 1; the runs overlapped.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"
KEY3=00112233445566778899aabbccddeeff

# exact_for DEST KEY DESC: the account KEY holds exactly DEST's segments in its lists.
exact_for() {
  local want got
  want=$(expected_state "$1" | jq -c .lists)
  got=$(actual_state "$2" | jq -c .lists)
  if [[ $(jq -n --argjson w "$want" --argjson g "$got" '$w == $g') == true ]]; then pass "$3"; else fail "$3"; fi
}

sim_start --api-key "$KEY1" --api-key "$KEY2" --api-key "$KEY3" --rate 0 --seed 9
setup_store 2000 17
printf '%s\n' "$KEY3" >"$TAP_TMP/key3"
seg segment create "Spain" --rule 'Country = "spain"' >/dev/null
seg segment create "Loyal" --rule 'Orders >= 5' >/dev/null
i=0
for k in key1 key2 key3; do
  i=$((i + 1))
  seg destination add "d$i" --api-key-file "$TAP_TMP/$k" --api-url "$SIM_URL/v1" --accept-privacy \
    --export-user alice --rate-limit 5 >/dev/null || BAIL_OUT "destination add failed"
  seg export configure "d$i" --email Email --segments "Spain,Loyal" >/dev/null || BAIL_OUT "configure failed"
done
control POST /keys "{\"revoke\": \"$KEY3\"}" >/dev/null

out=$(seg refresh --parallel 0 2>&1); rc=$?
is "$rc" 2 "--parallel 0 is a usage error"
like "$out" "--parallel is a number of destinations from 1 to 8" "with one sentence"

json=$(seg refresh --parallel 3 --json); rc=$?
is "$rc" 1 "a refresh with one failed export exits 1"
is "$(jq -r .status <<<"$json")" failed "the refresh is recorded as failed"
is "$(jq -r '[.steps[] | select(.kind == "export")] | map(.target + ":" + .status) | join(",")' <<<"$json")" \
  "d1:succeeded,d2:succeeded,d3:failed" "each export's result is in the record, in order"
like "$(jq -r '.steps[] | select(.target == "d3") | .message' <<<"$json")" "rejected the API key" "the failed one says why"
exact_for d1 "$KEY1" "the first good destination is exact"
exact_for d2 "$KEY2" "the second good destination is exact"
# the two good runs overlapped: each started before the other finished
h1=$(seg export history d1 --json | jq -c '.runs[0]')
h2=$(seg export history d2 --json | jq -c '.runs[0]')
overlap=$(jq -n --argjson a "$h1" --argjson b "$h2" '$a.started_at < $b.finished_at and $b.started_at < $a.finished_at')
is "$overlap" true "the two exports ran at the same time"

# --parallel 1: one after the other, same outcome; nothing left to send
control POST /keys "{\"restore\": \"$KEY3\"}" >/dev/null
w0=$(writes)
json=$(seg refresh --parallel 1 --json); rc=$?
is "$rc" 0 "with the key restored the refresh succeeds"
exact_for d3 "$KEY3" "the third destination caught up"
w1=$(writes)
seg refresh --json >/dev/null
is "$(writes)" "$w1" "a refresh with nothing changed writes nothing"

sim_stop
done_testing
