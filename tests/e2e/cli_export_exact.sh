#!/usr/bin/env bash
# cli_export_exact.sh: exactness against every limiter kind, faults included, in every membership
# mode (issue 13): for each of autopilot-sim's limiters (a bucket with a burst, strict spacing,
# fixed windows) a store exports to three destinations, one per mode (list, field, both), each on
# its own account; a first run that certainly meets 429s, a day of changes (edits, email changes,
# joins, leaves, deletions), a run killed with SIGKILL while it certainly is mid-flight, the runs
# that resume it; then Autopilot's state equals the segments member by member and the run records
# add up. Then Ortto's tags, the same way, against its window limiter. Every limiter runs on the
# simulator's manual clock, so what is refused does not depend on the machine's speed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

MODES=(list field both)
declare -A KEYS=([list]=$KEY1 [field]=$KEY2 [both]=00112233445566778899aabbccddeeff)
FAULTS=(--fail-rate 0.08 --drop-rate 0.03)
WINDOWS=1/50ms,10/1s # a short and a long window, as Ortto's plans; each clock step lets one request through
COUNT=600
# The three destinations export the same segments of one store: what they should hold is computed
# once per state of the store (the file is removed whenever the store changes).
EXPECTED_CACHE=$TAP_TMP/expected.cache

# day SEED: a day of changes in the store: purchases (fields change, people join), moved emails,
# profiles deleted at the source (one in 40), and a rule that a few members no longer match.
day() {
  seg profiles generate --count "$COUNT" --seed "$1" --changed 30 --moved 5 --out "$TAP_TMP/day.csv"
  { head -n 1 "$TAP_TMP/day.csv"; tail -n +2 "$TAP_TMP/day.csv" | awk 'NR % 40 != 7'; } >"$TAP_TMP/day-less.csv"
  seg profiles import "$TAP_TMP/day-less.csv" --replace >/dev/null || BAIL_OUT "the day's import failed"
  seg segment update Spain --rule 'Country = "spain" and Orders != 7' >/dev/null
  seg segment refresh >/dev/null
  rm -f "$EXPECTED_CACHE"
}

sim_429s() { curl -s "$SIM_URL/__sim/stats" | jq '.by_status["429"] // 0'; }
more_429s_than() { (($(sim_429s) > $1)); }
advance() {
  curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary "{\"advance_ms\": $1}" "$SIM_URL/__sim/clock"
}
lists_count() { curl -s "$SIM_URL/__sim/state?key=$1" | jq --arg k "$1" '.accounts[$k].lists | length'; }

# first_run DEST: the first run of DEST with the limiter's clock standing still until the run has
# been refused (a certain 429: the run needs more calls than the limiter lets through at one
# instant), then moved on; then runs until one succeeds (faults may leave records to the next).
# Sets STATUS_SEEN (the last run's status) and FIRST_THROTTLED (the first run's 429s).
first_run() {
  local t0 pid i json
  clock_stop
  t0=$(sim_429s)
  seg export run "$1" --json --in-flight 4 >"$TAP_TMP/first.json" 2>/dev/null &
  pid=$!
  wait_until more_429s_than "$t0" || BAIL_OUT "$1: no 429 within 60 s though the simulator's clock stood still"
  clock_drive 100
  wait "$pid"
  json=$(cat "$TAP_TMP/first.json")
  FIRST_THROTTLED=$(jq .throttled <<<"$json")
  STATUS_SEEN=$(jq -r .status <<<"$json")
  for ((i = 0; i < 5; i++)); do
    [[ $STATUS_SEEN == succeeded ]] && break
    STATUS_SEEN=$(seg export run "$1" --json --in-flight 4 2>/dev/null | jq -r .status)
  done
  clock_stop
}

# killed_run DEST STEP_MS [FLAGS...]: a run of DEST with the limiter's clock standing still, moved on by
# STEP_MS at a time, each time only once the run has been refused again (it is waiting on the
# limiter); once a write has landed and the run is refused again, SIGKILL: the run cannot have
# finished, it still had a request to make. Sets KILLED (1 when the kill ended the run).
killed_run() {
  local last w0 pid t i
  KILLED=0
  clock_stop
  read -r last _ < <(newest_run "$1")
  w0=$(writes)
  "$SEGSHIP_BIN" --db "$DB" export run "$1" --no-progress --in-flight 4 "${@:3}" >/dev/null 2>&1 &
  pid=$!
  wait_until run_running_after "$1" "$last" || BAIL_OUT "$1: the run did not start in 60 s ($(newest_run "$1"))"
  for ((i = 0; i < 100; i++)); do
    t=$(sim_429s)
    wait_until more_429s_than "$t" || break # refused after the last step: it waits on the limiter
    if (($(writes) > w0)); then
      kill -KILL "$pid" 2>/dev/null
      break
    fi
    advance "$2"
  done
  wait "$pid" 2>/dev/null
  (($? == 137)) && KILLED=1
}

# resume DEST: runs (the clock moving) until one succeeds; sets STATUS_SEEN.
resume() {
  local i
  clock_drive 100
  STATUS_SEEN=none
  for ((i = 0; i < 6; i++)); do
    STATUS_SEEN=$(seg export run "$1" --json --in-flight 4 2>/dev/null | jq -r .status)
    [[ $STATUS_SEEN == succeeded ]] && break
  done
}

# records_add_up DEST MODE DESC: the run records of DEST are consistent with the destination's
# state: every rejected record is in `export errors` (rejected or failed), the list additions less
# the removals over all runs are the memberships the lists hold, and the fields set true less those
# set false are the fields true (nothing counted twice, a kill's lost answers included).
records_add_up() {
  local hist runs id n want got
  hist=$(seg export history "$1" --json --limit 1000)
  runs=$(jq -r '.runs[] | "\(.run_id) \(.rejected)"' <<<"$hist")
  local unexplained=0
  while read -r id n; do
    [[ -z $id ]] && continue
    got=$(seg export errors "$1" --run "$id" --json | jq '[.errors[] | select(.kind == "rejected" or .kind == "failed")] | length')
    ((got == n)) || { unexplained=1; diag "run $id: $n rejected, $got in export errors"; }
  done <<<"$runs"
  is "$unexplained" 0 "$3: every rejected record is explained in export errors"
  if [[ $2 == ortto ]]; then
    want=$(jq '[.runs[] | .list_additions - .list_removals] | add' <<<"$hist")
    got=$(curl -s "$SIM_URL/__sim/state?key=$EXACT_KEY" | jq --arg k "$EXACT_KEY" --arg p "$TAG_PREFIX" \
      '[.accounts[$k].people[].tags[]? | select(startswith($p))] | length')
    is "$want" "$got" "$3: the runs' tag additions less removals are the tags people hold"
  elif [[ $2 != field ]]; then
    want=$(jq '[.runs[] | .list_additions - .list_removals] | add' <<<"$hist")
    got=$(curl -s "$SIM_URL/__sim/state?key=$EXACT_KEY" | jq --arg k "$EXACT_KEY" '[.accounts[$k].lists[].contacts | length] | add // 0')
    is "$want" "$got" "$3: the runs' list additions less removals are the lists' memberships"
  fi
  if [[ $2 == field || $2 == both ]]; then
    want=$(jq '[.runs[] | .field_sets - .field_clears] | add' <<<"$hist")
    got=$(actual_fields | jq '[.[] | length] | add // 0')
    is "$want" "$got" "$3: the runs' fields set less fields cleared are the fields true"
  fi
}

# check_mode DEST MODE DESC: the destination's state equals the segments, for the mode.
check_mode() {
  EXACT_KEY=${KEYS[$2]}
  case $2 in
    list)
      is_exact "$1" "$3: the lists hold exactly the segments"
      is "$(actual_fields)" "{}" "$3: no membership field is true" ;;
    field)
      fields_exact "$1" "$3: the fields are true for exactly the segments"
      is "$(lists_count "$EXACT_KEY")" 0 "$3: no list was created" ;;
    both)
      is_exact "$1" "$3: the lists hold exactly the segments"
      fields_exact "$1" "$3: the fields are true for exactly the segments" ;;
  esac
}

# ---- Autopilot: each limiter kind, each membership mode, faults on
for limiter in bucket strict window; do
  case $limiter in
    bucket) lflags=(--limiter bucket --rate 20 --burst 2) step=50 ;;         # 50 ms: one token
    strict) lflags=(--limiter strict --rate 20) step=50 ;;                  # 50 ms: one request
    window) lflags=(--limiter window --windows "$WINDOWS") step=100 ;; # one request (at most)
  esac
  sim_start --api-key "$KEY1" --api-key "$KEY2" --api-key "${KEYS[both]}" --clock manual "${lflags[@]}" "${FAULTS[@]}" \
    --seed 61
  setup_store "$COUNT" 61
  rm -f "$EXPECTED_CACHE"
  seg segment create Spain --rule 'Country = "spain"' >/dev/null
  seg segment create "Big spenders" --rule 'LifetimeValue > 250' >/dev/null
  for mode in "${MODES[@]}"; do
    printf '%s\n' "${KEYS[$mode]}" >"$TAP_TMP/key_$mode"
    seg destination add "ap_$mode" --api-key-file "$TAP_TMP/key_$mode" --api-url "$SIM_URL/v1" --accept-privacy \
      --export-user alice --rate-limit 10 >/dev/null || BAIL_OUT "destination add failed"
    seg export configure "ap_$mode" --email Email --first-name FirstName --map 'LoyaltyTier=custom:Loyalty Tier' \
      --segments "Spain,Big spenders" --membership "$mode" >/dev/null || BAIL_OUT "export configure failed"
  done

  for mode in "${MODES[@]}"; do
    first_run "ap_$mode"
    is "$STATUS_SEEN" succeeded "$limiter/$mode: the first export completes"
    ((FIRST_THROTTLED > 0)) && pass "$limiter/$mode: the limiter refused the first run ($FIRST_THROTTLED 429s), honoured" \
      || fail "$limiter/$mode: no 429 counted by the first run"
  done
  clock_drive 100
  for mode in "${MODES[@]}"; do check_mode "ap_$mode" "$mode" "$limiter/$mode: after the first run"; done
  clock_stop

  day 61
  for mode in "${MODES[@]}"; do
    plan=$(seg export run "ap_$mode" --dry-run --json)
    is "$(jq .would_hold <<<"$plan")" false "$limiter/$mode: the day's run is not held"
    # moved emails (one call) and other changes (another): the run cannot end in one clock step
    is "$(jq '.renames > 0 and .to_upsert > .renames' <<<"$plan")" true "$limiter/$mode: the day's run has two writes or more"
    killed_run "ap_$mode" "$step"
    is "$KILLED" 1 "$limiter/$mode: a run was killed while it waited on the limiter, mid-flight"
    resume "ap_$mode"
    is "$STATUS_SEEN" succeeded "$limiter/$mode: the runs after the kill complete"
    hist=$(seg export history "ap_$mode" --json --limit 1000)
    is "$(jq '[.runs[] | select(.status == "interrupted")] | length' <<<"$hist")" 1 \
      "$limiter/$mode: the killed run, and only it, is marked interrupted"
    check_mode "ap_$mode" "$mode" "$limiter/$mode: after the day, the kill and the resume"
    records_add_up "ap_$mode" "$mode" "$limiter/$mode"
    plan=$(seg export run "ap_$mode" --dry-run --json)
    is "$(jq -c '[.to_upsert, .renames, ([.segments[] | .to_add + .to_remove] | add), .field_sets, .field_clears]' <<<"$plan")" \
      "[0,0,0,0,0]" \
      "$limiter/$mode: the plan has nothing left to do"
    w0=$(writes)
    seg export run "ap_$mode" >/dev/null
    is "$(writes)" "$w0" "$limiter/$mode: a rerun, faults still on, writes nothing"
    clock_stop
  done
  sim_stop
done

# ---- Ortto: tags against its window limiter, faults on
use_ortto_sim
SIM_TYPE=ortto
TAG_PREFIX="seg: "
EXACT_KEY=$KEY1
sim_start --api-key "$KEY1" --clock manual --limiter window --windows "$WINDOWS" "${FAULTS[@]}" --seed 62
setup_store "$COUNT" 62
rm -f "$EXPECTED_CACHE"
seg segment create Spain --rule 'Country = "spain"' >/dev/null
seg segment create "Big spenders" --rule 'LifetimeValue > 250' >/dev/null
seg destination add ort --type ortto --api-key-file "$TAP_TMP/key1" --api-url "$SIM_URL" --accept-privacy \
  --export-user alice --rate-limit 10/1s >/dev/null || BAIL_OUT "destination add failed"
seg export configure ort --email Email --first-name FirstName --map 'LoyaltyTier=custom:Loyalty Tier' \
  --segments "Spain,Big spenders" --tag-prefix "$TAG_PREFIX" >/dev/null || BAIL_OUT "export configure failed"
first_run ort
is "$STATUS_SEEN" succeeded "ortto/window: the first export completes"
((FIRST_THROTTLED > 0)) && pass "ortto/window: the windows refused the first run ($FIRST_THROTTLED 429s), waited out" \
  || fail "ortto/window: no 429 counted by the first run"
clock_drive 100
is_exact ort "ortto/window: after the first run the tags are exactly the segments" contacts
clock_stop
day 62
seg segment update "Big spenders" --rule 'LifetimeValue > 150' >/dev/null # more join
rm -f "$EXPECTED_CACHE"
plan=$(seg export run ort --dry-run --json)
is "$(jq .would_hold <<<"$plan")" false "ortto/window: the day's run is not held"
# merges of 100: two or more, so the run cannot end in one clock step
is "$(jq '.to_upsert > 100' <<<"$plan")" true "ortto/window: the day's run has two merges or more"
killed_run ort 100
is "$KILLED" 1 "ortto/window: a run was killed while it waited on the windows, mid-flight"
resume ort
is "$STATUS_SEEN" succeeded "ortto/window: the runs after the kill complete"
is "$(seg export history ort --json --limit 1000 | jq '[.runs[] | select(.status == "interrupted")] | length')" 1 \
  "ortto/window: the killed run, and only it, is marked interrupted"
is_exact ort "ortto/window: after the day, the kill and the resume the tags are exactly the segments"
records_add_up ort ortto "ortto/window"
w0=$(writes)
seg export run ort >/dev/null
is "$(writes)" "$w0" "ortto/window: a rerun, faults still on, writes nothing"
clock_stop
sim_stop

done_testing
