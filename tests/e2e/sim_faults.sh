#!/usr/bin/env bash
# sim_faults.sh: fault injection: 500s that apply nothing, slow answers that apply and do not
# block other connections, dropped connections that apply, and --seed repeatability.
source "$(dirname "$0")/lib.sh"

contacts_in_state() { control GET "/state?key=k1"; j '[.accounts.k1.contacts[].Email]|sort|join(",")'; }

# ---- fail
sim_start --api-key k1 --rate 0 --fail-rate 1
api POST /contacts '{"contacts":[{"Email":"f1@example.com"},{"Email":"f2@example.com"}]}'
is_error 500 "Internal Server Error" "fail-rate 1: 500 with a JSON body"
is "$(contacts_in_state)" "" "a failed write applies nothing"
api GET /account
is "$STATUS" 500 "reads fail too"
SIM_KEY= api GET /account
is "$STATUS" 400 "faults never hide an auth error (no key)"
SIM_KEY=bad api GET /account
is "$STATUS" 401 "faults never hide an auth error (bad key)"
control GET /stats
is "$STATUS" 200 "control endpoints are never faulted"
is "$(j .faults.fail)" 2 "stats count the failures"
control POST /faults '{"fail_rate":0}'
api POST /contacts '{"contacts":[{"Email":"f1@example.com"}]}'
is "$STATUS" 200 "faults switched off at run time"

# ---- drop
control POST /faults '{"drop_rate":1}'
api POST /contacts '{"contacts":[{"Email":"d1@example.com"},{"Email":"d2@example.com"}]}'
is "$STATUS" 000 "drop-rate 1: no answer at all"
curl -s -o /dev/null -H "autopilotapikey: k1" "$SIM_URL/v1/account"
is "$?" 52 "curl sees an empty reply (connection closed)"
is "$(contacts_in_state)" "d1@example.com,d2@example.com,f1@example.com" "a dropped write was applied"
control GET /stats
is "$(j .faults.drop)" 2 "stats count the drops"
control POST /faults '{"drop_rate":0}'

# ---- slow, on the manual clock: the parked answers go out when the clock reaches their time
sim_start --api-key k1 --rate 0 --clock manual
control POST /faults '{"slow_rate":1,"slow_ms":800}'
curl -s -o /dev/null -w '%{http_code}' -H "autopilotapikey: k1" -H 'Content-Type: application/json' \
  --data-binary '{"contact":{"Email":"s1@example.com"}}' "$SIM_URL/v1/contact" >"$TAP_TMP/slow.s1.code" &
slow_pid=$!
waiting_is() { [[ $(slow_waiting) == "$1" ]]; }
wait_until waiting_is 1
is "$(slow_waiting)" 1 "the slow answer waits (and a control call answers meanwhile)"
like "$(contacts_in_state)" "s1@example.com" "a slow write is applied before its answer"
control POST /clock '{"advance_ms":799}'
is "$(slow_waiting)" 1 "799 ms later it still waits"
control POST /clock '{"advance_ms":1}'
wait "$slow_pid"
is "$(cat "$TAP_TMP/slow.s1.code")" 200 "at slow_ms it is answered, 200"
is "$(slow_waiting)" 0 "and nothing waits any more"

pids=()
for i in 1 2 3 4 5 6; do
  curl -s -o /dev/null -w '%{http_code}\n' -H "autopilotapikey: k1" -H 'Content-Type: application/json' \
    --data-binary "{\"contact\":{\"Email\":\"p$i@example.com\"}}" "$SIM_URL/v1/contact" >"$TAP_TMP/slow.$i.code" &
  pids+=($!)
done
wait_until waiting_is 6
is "$(slow_waiting)" 6 "6 slow answers in parallel wait side by side"
control POST /clock '{"advance_ms":800}'
wait "${pids[@]}"
is "$(cat "$TAP_TMP"/slow.[1-6].code | sort | uniq -c | tr -s ' ')" " 6 200" "one delay answers all six, 200 each"
control GET /stats
is "$(j .faults.slow)" 7 "stats count the slow answers"

# on the real clock, a slow answer never comes before slow_ms (a lower bound only: a loaded
# machine may take longer)
sim_start --api-key k1 --rate 0 --slow-rate 1 --slow-ms 300
t0=$(date +%s%N)
api GET /account
t1=$(date +%s%N)
is "$STATUS" 200 "real clock: the slow answer comes"
ms=$(((t1 - t0) / 1000000))
((ms >= 300)) && pass "not before slow_ms ($ms ms)" || fail "not before slow_ms" "$ms ms"

# ---- the order of the checks: a rate-limited request is refused, not faulted
sim_start --api-key k1 --rate 0.001 --burst 1 --fail-rate 1
api GET /account
is "$STATUS" 500 "the admitted request fails"
api GET /account
is "$STATUS" 429 "the refused one gets 429, not a fault"

# ---- seed repeatability
sequence() { # N: statuses of N mixed requests, one line
  local i out=""
  for ((i = 0; i < $1; i++)); do
    if ((i % 3 == 0)); then api POST /contact "{\"contact\":{\"Email\":\"seq$i@example.com\"}}"
    else api GET /account; fi
    out+="$STATUS "
  done
  echo "$out"
}
flags=(--api-key k1 --rate 0 --fail-rate 0.25 --drop-rate 0.15 --slow-rate 0.15 --slow-ms 20)
sim_start "${flags[@]}" --seed 42
a=$(sequence 40)
diag "seed 42: $a"
like "$a" "500" "the sequence has failures"
like "$a" "000" "the sequence has drops"
like "$a" "200" "the sequence has successes"
control GET /state
state_a=$(j '[.accounts.k1.contacts[]|"\(.contact_id) \(.Email)"]|join(",")')
control POST /reset
b=$(sequence 40)
is "$b" "$a" "after a reset, the same requests give the same statuses"
sim_start "${flags[@]}" --seed 42
c=$(sequence 40)
is "$c" "$a" "a new simulator with the same seed gives the same statuses"
control GET /state
is "$(j '[.accounts.k1.contacts[]|"\(.contact_id) \(.Email)"]|join(",")')" "$state_a" "and the same contacts with the same ids"
sim_start "${flags[@]}" --seed 43
d=$(sequence 40)
isnt "$d" "$a" "another seed gives another sequence"
control POST /faults '{"seed":42}'
control POST /reset
e=$(sequence 40)
is "$e" "$a" "seed set at run time, then reset: the seed-42 sequence again"

sim_stop
done_testing
