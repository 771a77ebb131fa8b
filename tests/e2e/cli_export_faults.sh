#!/usr/bin/env bash
# cli_export_faults.sh: nothing lost, nothing doubled: exports under injected failures (500s, slow
# answers, dropped connections) and the rate limit pushing back; a run killed with SIGKILL at
# random points five times; Ctrl-C; and both list-membership modes against both readings of
# _autopilot_list (the simulator's --list-field always and create-only).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

# ---- faults: 10% fail, 5% slow, 2% dropped, and the rate limit pushing back. The limiter runs on
# the simulator's manual clock, which stands still until the first 429 has been answered (a bucket
# of 2 and 8 calls in flight: the third call is refused however fast or slow the machine is); then
# it is moved on in the background so the runs can finish (slow answers wait on it too).
sim_start --api-key "$KEY1" --clock manual --rate 5 --burst 2 --fail-rate 0.10 --slow-rate 0.05 --slow-ms 300 \
  --drop-rate 0.02 --seed 42
setup_store 4000 31
seg segment create Spain --rule 'Country = "spain"' >/dev/null
seg segment create Loyal --rule 'Orders >= 10' >/dev/null
seg destination add ap --api-key-file "$TAP_TMP/key1" --api-url "$SIM_URL/v1" --accept-privacy --export-user alice \
  --rate-limit 100 >/dev/null
seg export configure ap --email Email --first-name FirstName --segments Spain,Loyal >/dev/null
status=none throttled=0 retries=0
for i in 1 2 3 4 5; do
  seg export run ap --json --in-flight 8 >"$TAP_TMP/faults.json" &
  pid=$!
  if ((i == 1)); then
    wait_until throttled_seen || BAIL_OUT "no 429 within 60 s though the simulator's clock stood still"
    clock_drive 100
  fi
  wait "$pid"
  json=$(cat "$TAP_TMP/faults.json")
  status=$(jq -r .status <<<"$json")
  throttled=$((throttled + $(jq .throttled <<<"$json")))
  retries=$((retries + $(jq .retries <<<"$json")))
  [[ $status == succeeded ]] && break
done
clock_stop
is "$status" succeeded "under faults the export completes (run $i)"
(( retries > 0 )) && pass "failed calls were retried ($retries)" || fail "no retry happened"
(( throttled > 0 )) && pass "the rate limit pushed back and was honoured ($throttled 429s)" || fail "no 429 seen"
is_exact ap "under faults the final state is exact" contacts
control POST /faults '{"fail_rate": 0, "slow_rate": 0, "drop_rate": 0}'
w0=$(writes)
seg export run ap >/dev/null
is "$(writes)" "$w0" "and a rerun has nothing left to write"

# ---- SIGKILL at random points, five times, then a run to the end
sim_stop
sim_start --api-key "$KEY1" --rate 30 --burst 5 --seed 5
setup_store 12000 41
seg segment create Spain --rule 'Country = "spain"' >/dev/null
seg segment create Loyal --rule 'Orders >= 5' >/dev/null
seg destination add ap --api-key-file "$TAP_TMP/key1" --api-url "$SIM_URL/v1" --accept-privacy --export-user alice \
  --rate-limit 12 >/dev/null
seg export configure ap --email Email --segments Spain,Loyal >/dev/null
# Each kill lands while a run is in progress: once the run has recorded its start, and after it
# has made a given number of write calls (never after a time, which on a loaded machine may pass
# before the run has even started, or after it has finished). What is checked is what happened:
# every run that died of the kill, and only those, is marked interrupted.
killed=0
for after in 2 9 4 12 6; do
  read -r last _ < <(newest_run ap)
  "$SEGSHIP_BIN" --db "$DB" export run ap --no-progress >/dev/null 2>&1 &
  pid=$!
  wait_until run_running_after ap "$last" || BAIL_OUT "the run did not start in 60 s"
  w0=$(writes)
  wait_writes $((w0 + after)) || BAIL_OUT "the run made no progress in 60 s"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  (($? == 137)) && killed=$((killed + 1))
done
((killed > 0)) && pass "runs were killed mid-flight ($killed of 5)" || fail "no run was killed mid-flight"
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the next run completes"
hist=$(seg export history ap --json)
is "$(jq '[.runs[] | select(.status == "interrupted")] | length' <<<"$hist")" "$killed" "the killed runs are marked interrupted"
is_exact ap "after five kills the final state is exact" contacts

# ---- Ctrl-C: the batches in flight finish, the run is cancelled, the next resumes
seg profiles generate --count 12000 --seed 41 --changed 40 --out "$TAP_TMP/changed.csv"
seg profiles import "$TAP_TMP/changed.csv" >/dev/null
seg segment refresh >/dev/null
read -r last _ < <(newest_run ap)
"$SEGSHIP_BIN" --db "$DB" export run ap --full --json >"$TAP_TMP/cancel.json" 2>/dev/null & # a long run
pid=$!
wait_until run_running_after ap "$last" || BAIL_OUT "the run did not start in 60 s"
w0=$(writes)
wait_writes $((w0 + 3)) || BAIL_OUT "the run made no progress in 60 s"
kill -INT "$pid"
wait "$pid"
rc=$?
is "$rc" 1 "Ctrl-C ends the run with status 1"
is "$(jq -r .status "$TAP_TMP/cancel.json")" cancelled "recorded as cancelled"
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the next run resumes and completes"
is_exact ap "after a cancel the final state is exact"

# ---- list membership modes against both readings of _autopilot_list
for field in always create-only; do
  for mode in bulk per-contact; do
    sim_stop
    sim_start --api-key "$KEY1" --rate 0 --list-field "$field"
    setup_store 1500 51
    seg segment create Spain --rule 'Country = "spain"' >/dev/null
    seg segment create Loyal --rule 'Orders >= 10' >/dev/null
    add_destination ap
    seg export configure ap --email Email --segments Spain,Loyal --list-membership "$mode" >/dev/null
    seg export run ap >/dev/null
    # people join lists as existing contacts
    seg segment update Loyal --rule 'Orders >= 4' >/dev/null
    seg segment update Spain --rule 'Country = "spain" or Country = "france"' >/dev/null
    json=$(seg export run ap --json)
    is "$(jq -r .status <<<"$json")" succeeded "$mode membership, list field $field: the run succeeded"
    is_exact ap "$mode membership, list field $field: existing contacts joined their lists"
  done
done

done_testing
