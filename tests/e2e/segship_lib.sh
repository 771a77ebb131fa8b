#!/usr/bin/env bash
# segship_lib.sh: helpers for end-to-end tests of segship against autopilot-sim or ortto-sim
# (source after lib.sh; SIM_TYPE=ortto for Ortto): a store in the test's temp dir, a destination
# set up against the running simulator, and the check that the destination's state (through
# /__sim/state) equals the segments exactly: Autopilot's lists, or Ortto's tags (TAG_PREFIX).
: "${SEGSHIP_BIN:=$TAP_ROOT/build/segship}"
DB="$TAP_TMP/store.db"
export SEGSHIP_BACKOFF_MS=${SEGSHIP_BACKOFF_MS:-20} # retries in tests: fast, still exponential with jitter
seg() { "$SEGSHIP_BIN" --db "$DB" "$@"; }

KEY1=0123456789abcdef0123456789abcdef
KEY2=fedcba9876543210fedcba9876543210

# setup_store COUNT [SEED]: a new store with COUNT generated profiles, an admin "alice".
setup_store() {
  rm -f "$DB" "$DB"-wal "$DB"-shm "$DB".key "$DB".export-*.lock
  seg init >/dev/null || BAIL_OUT "segship init failed"
  seg profiles generate --count "$1" --seed "${2:-11}" --out "$TAP_TMP/profiles.csv"
  seg profiles import "$TAP_TMP/profiles.csv" >/dev/null || BAIL_OUT "import failed"
  printf 'correct horse battery\n' >"$TAP_TMP/pw"
  seg user add alice --role admin --password-file "$TAP_TMP/pw" >/dev/null || BAIL_OUT "user add failed"
  printf '%s\n' "$KEY1" >"$TAP_TMP/key1"
  printf '%s\n' "$KEY2" >"$TAP_TMP/key2"
}

# add_destination NAME [extra flags]: connects NAME to the running simulator with KEY1, no rate
# limit (an Ortto destination when SIM_TYPE=ortto).
add_destination() {
  local name=$1
  shift
  if [[ ${SIM_TYPE:-autopilot} == ortto ]]; then
    seg destination add "$name" --type ortto --api-key-file "$TAP_TMP/key1" --api-url "$SIM_URL" --accept-privacy \
      --export-user alice --rate-limit 0 "$@" >/dev/null || BAIL_OUT "destination add failed"
    return
  fi
  seg destination add "$name" --api-key-file "$TAP_TMP/key1" --api-url "$SIM_URL/v1" --accept-privacy \
    --export-user alice --rate-limit 0 "$@" >/dev/null || BAIL_OUT "destination add failed"
}

# expected_state DEST: what Autopilot should hold for DEST's export, from segship's own store:
# {"contacts": [emails], "lists": {"title": [emails]}} with emails normalised, invalid ones
# left out and duplicates once. With EXPECTED_CACHE set to a file name, the answer is kept there and
# read back while the file exists (several destinations with the same segments and an unchanged
# store: remove the file when the store changes).
expected_state() {
  if [[ -n ${EXPECTED_CACHE:-} && -s $EXPECTED_CACHE ]]; then
    cat "$EXPECTED_CACHE"
    return
  fi
  if [[ -n ${EXPECTED_CACHE:-} ]]; then
    local cache=$EXPECTED_CACHE
    EXPECTED_CACHE= expected_state "$1" >"$cache.new" && mv "$cache.new" "$cache" && cat "$cache"
    return
  fi
  local dest=$1 segs s
  segs=$(seg export show "$dest" --json | jq -r '.segments[] | if type == "object" then .segment else . end')
  seg profiles list --limit 0 --json |
    jq -c '[.profiles[] | {key: .id, value: ((.attributes.Email // "") | ascii_downcase | gsub("^\\s+|\\s+$"; ""))}] | from_entries' \
      >"$TAP_TMP/expected.profiles"
  : >"$TAP_TMP/expected.members"
  while IFS= read -r s; do
    [[ -z $s ]] && continue
    seg segment show "$s" --members 10000000 --json | jq -c --arg s "$s" '{($s): .member_ids}' >>"$TAP_TMP/expected.members"
  done <<<"$segs"
  jq -c -n --slurpfile p "$TAP_TMP/expected.profiles" --slurpfile m "$TAP_TMP/expected.members" '
    ($p[0]) as $emails |
    ([$m[] | to_entries[] | {key: .key, value: ([.value[] | $emails[.] | select(test("^[^@ ]+@[^@ ]+\\.[a-z]{2,}$"))] | unique)}]
      | from_entries) as $lists |
    {contacts: ([$lists[]] | add // [] | unique), lists: $lists}'
}

# actual_state KEY: what the simulator holds for account KEY, in the same shape (for Ortto: each
# person's str::email, and each tag, less TAG_PREFIX, as a list).
actual_state() {
  if [[ ${SIM_TYPE:-autopilot} == ortto ]]; then
    curl -s "$SIM_URL/__sim/state?key=$1" | jq -c --arg k "$1" --arg p "${TAG_PREFIX:-}" '.accounts[$k] as $a |
      {contacts: ([$a.people[] | .fields["str::email"] // empty | ascii_downcase] | sort),
       lists: ([$a.people[] | (.fields["str::email"] // "" | ascii_downcase) as $e | .tags[]? |
                select(startswith($p)) | {tag: .[($p | length):], email: $e}]
               | group_by(.tag) | map({key: .[0].tag, value: ([.[].email] | sort)}) | from_entries)}'
    return
  fi
  curl -s "$SIM_URL/__sim/state?key=$1" | jq -c --arg k "$1" '.accounts[$k] as $a |
    ([$a.contacts[] | {key: .contact_id, value: (.Email | ascii_downcase)}] | from_entries) as $ids |
    {contacts: ([$a.contacts[].Email | ascii_downcase] | sort),
     lists: ([$a.lists[] | {key: .title, value: ([.contacts[] | $ids[.]] | sort)}] | from_entries)}'
}

# is_exact DEST DESC [contacts]: every list of DEST's export holds exactly its segment's members
# (normalised, valid emails), no email is held twice, and every member is a contact; with
# "contacts", Autopilot holds no other contact either (true until someone leaves every segment).
# The account checked is EXACT_KEY's (default KEY1).
is_exact() {
  local want got
  want=$(expected_state "$1")
  got=$(actual_state "${EXACT_KEY:-$KEY1}")
  local diff
  printf '%s' "$want" >"$TAP_TMP/want.json"
  printf '%s' "$got" >"$TAP_TMP/got.json"
  diff=$(jq -n --slurpfile W "$TAP_TMP/want.json" --slurpfile G "$TAP_TMP/got.json" --arg strict "${3:-}" '
    $W[0] as $w | $G[0] as $g |
    {missing_contacts: ($w.contacts - $g.contacts | length),
     extra_contacts: (if $strict == "contacts" then ($g.contacts - $w.contacts | length) else 0 end),
     lists: [($w.lists + $g.lists | keys[]) as $k | {list: $k, missing: (($w.lists[$k] // []) - ($g.lists[$k] // []) | length),
                                   extra: (($g.lists[$k] // []) - ($w.lists[$k] // []) | length)}
             | select(.missing > 0 or .extra > 0)]}')
  if [[ $(jq '.missing_contacts + .extra_contacts + (.lists | length)' <<<"$diff") == 0 ]]; then
    pass "$2"
  else
    fail "$2" "$diff"
  fi
  local dups
  dups=$(jq '[.contacts | group_by(.)[] | select(length > 1)] | length' <<<"$got")
  is "$dups" 0 "$2: no contact twice"
}

# actual_fields [KEY]: {"segment": [emails whose field "In segment" is true]} in autopilot-sim's
# account KEY (default EXACT_KEY, else KEY1).
actual_fields() {
  local k=${1:-${EXACT_KEY:-$KEY1}}
  curl -s "$SIM_URL/__sim/state?key=$k" | jq -c --arg k "$k" '[.accounts[$k].contacts[] | (.Email | ascii_downcase) as $e |
    .custom_fields[] | select(.kind | startswith("In ")) | select(.value == true) | {seg: .kind[3:], email: $e}]
    | group_by(.seg) | map({key: .[0].seg, value: ([.[].email] | sort)}) | from_entries'
}

# fields_exact DEST DESC: in field and both modes, each segment's field "In <segment>" is true for
# exactly its members (normalised, valid emails), in EXACT_KEY's account (default KEY1).
fields_exact() {
  local want got
  want=$(expected_state "$1" | jq -c '.lists | with_entries(select(.value | length > 0))')
  got=$(actual_fields)
  if [[ $(jq -n --argjson w "$want" --argjson g "$got" '$w == $g') == true ]]; then
    pass "$2"
  else
    printf '%s' "$want" >"$TAP_TMP/fw.json"
    printf '%s' "$got" >"$TAP_TMP/fg.json"
    fail "$2" "$(jq -n -c --slurpfile W "$TAP_TMP/fw.json" --slurpfile G "$TAP_TMP/fg.json" '$W[0] as $w | $G[0] as $g |
      [($w + $g | keys[]) as $k | {seg: $k, missing: (($w[$k] // []) - ($g[$k] // []) | length),
       extra: (($g[$k] // []) - ($w[$k] // []) | length)}]')"
  fi
}

# writes DESC: the number of write calls the simulator received so far.
writes() {
  local re='^(POST|DELETE) /v1'
  [[ ${SIM_TYPE:-autopilot} == ortto ]] && re='^(POST|PUT|DELETE) /v1/(person/merge|person/custom-field/create|person/archive|person/delete)'
  curl -s "$SIM_URL/__sim/stats" | jq --arg re "$re" '[.by_route | to_entries[] | select(.key | test($re)) | .value] | add // 0'
}

# wait_writes N: waits until the simulator has received at least N write calls (60 s at most, so
# a loaded machine only makes it slower; status 1 after that). Tests wait for progress this way
# rather than sleeping for a time they hope is long enough.
wait_writes() {
  local i
  for ((i = 0; i < 600; i++)); do
    (($(writes) >= $1)) && return 0
    sleep 0.1
  done
  return 1
}


# clock_drive STEP_MS: in the background, moves the simulator's manual clock (--clock manual) on by
# STEP_MS again and again, with a short pause between, until clock_stop or the simulator stops;
# sets CLOCK_PID. A run against a manual-clock limiter then progresses at whatever pace the machine
# allows, and what the limiter refuses does not depend on that pace.
clock_drive() {
  (while curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary "{\"advance_ms\": $1}" \
    "$SIM_URL/__sim/clock"; do sleep 0.02; done) &
  CLOCK_PID=$!
}
clock_stop() {
  [[ -n ${CLOCK_PID:-} ]] && { kill "$CLOCK_PID" 2>/dev/null; wait "$CLOCK_PID" 2>/dev/null; }
  CLOCK_PID=
}

# throttled_seen: status 0 once the simulator has answered at least one 429.
throttled_seen() { (($(curl -s "$SIM_URL/__sim/stats" | jq '.by_status["429"] // 0') > 0)); }

# newest_run DEST: "ID STATUS" of DEST's newest export run ("0 none" when it has none).
newest_run() {
  seg export history "$1" --json --limit 1 | jq -r '"\(.runs[0].run_id // 0) \(.runs[0].status // "none")"'
}
# run_running_after DEST ID: status 0 when DEST's newest run is newer than run ID and is running
# (the run has its record: a kill from now on interrupts a run, never lands before it).
run_running_after() {
  local id st
  read -r id st < <(newest_run "$1")
  ((id > $2)) && [[ $st == running ]]
}

# need_postgres: skips the whole script (TAP "1..0 # SKIP") without a PostgreSQL server, else sets
# PG to its URI. psql_q runs psql quietly, unaligned, stopping at the first error.
need_postgres() {
  if [[ -z ${SEGSHIP_TEST_PG_URI:-} ]]; then
    echo "1..0 # SKIP no PostgreSQL server: run it under scripts/with-postgres.sh (tests/run.sh does)"
    exit 0
  fi
  PG=$SEGSHIP_TEST_PG_URI
}
psql_q() { psql -v ON_ERROR_STOP=1 -qAt "$@"; }
