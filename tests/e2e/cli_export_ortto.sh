#!/usr/bin/env bash
# cli_export_ortto.sh: segship export run to an Ortto destination against ortto-sim, checking
# Ortto's final state (people, fields, tags) against the segments: setup (--type ortto, regions),
# a first run, an unchanged rerun with no write, changed fields, changed emails (the same person),
# joins and leaves riding in the merges, custom fields created once, a suppressed email reported,
# a key refused mid-life, the key never in clear, windows' 429s waited out; then faults, kill -9
# and Ctrl-C resumed exactly. The exactness checks are the Autopilot suite's (segship_lib.sh, with
# SIM_TYPE=ortto).
source "$(dirname "$0")/lib.sh"
use_ortto_sim
SIM_TYPE=ortto
TAG_PREFIX="segship: "
source "$(dirname "$0")/segship_lib.sh"

sim_start --api-key "$KEY1" --api-key "$KEY2" --windows 0 --seed 3
setup_store 3000 21
seg segment create "Spain" --rule 'Country = "spain"' >/dev/null
seg segment create "Big spenders" --rule 'LifetimeValue > 300' >/dev/null

# ---- setup: type, region, one sentence for what is wrong
out=$(seg destination add bad --type ortto --region mars --api-key-file "$TAP_TMP/key1" --accept-privacy --export-user alice 2>&1); rc=$?
is "$rc" 1 "an unknown region is refused"
like "$out" "not an Ortto region; use global, eu or au" "with the regions to choose from"
out=$(seg destination add bad --region eu --api-key-file "$TAP_TMP/key1" --accept-privacy --export-user alice 2>&1); rc=$?
isnt "$rc" 0 "--region on an Autopilot destination is refused"
like "$out" "applies to Ortto destinations only" "saying it is Ortto's"
out=$(seg destination add bad --type mailchimp --api-key-file "$TAP_TMP/key1" --accept-privacy --export-user alice 2>&1); rc=$?
is "$rc" 2 "an unknown type is a usage error"
like "$out" "autopilot or ortto" "naming the types"
out=$(seg destination add bad --type ortto --api-key-file "$TAP_TMP/key1" --export-user alice 2>&1)
like "$out" "exporting to Ortto sends" "the privacy statement names Ortto"
printf 'not-the-key-0000000000000000000000\n' >"$TAP_TMP/wrong"
out=$(seg destination add bad --type ortto --api-key-file "$TAP_TMP/wrong" --api-url "$SIM_URL" --accept-privacy --export-user alice 2>&1); rc=$?
isnt "$rc" 0 "a key Ortto refuses is not saved"
like "$out" "Ortto rejected this API key" "in one sentence"
unlike "$out" "not-the-key" "without the key"
add_destination ort
json=$(seg destination show ort --json)
is "$(jq -r .type <<<"$json")" ortto "the destination is an Ortto one"
is "$(jq -r .rate_limit <<<"$json")" 0 "with the rate given"
seg destination add pro --type ortto --api-key-file "$TAP_TMP/key2" --api-url "$SIM_URL" --accept-privacy \
  --export-user alice >/dev/null
is "$(seg destination show pro --json | jq -r .rate_windows)" "200/10s,600/60s" "Ortto's default pace is the Pro plan's windows"
ok "--rate-limit takes windows" seg destination update pro --rate-limit 100/10s,300/60s
is "$(seg destination show pro --json | jq -r .rate_windows)" "100/10s,300/60s" "and keeps them"
out=$(seg destination update pro --rate-limit 100/10x 2>&1); rc=$?
is "$rc" 2 "a malformed window is a usage error"
like "$out" "is not a window" "that says which part"
seg destination remove pro >/dev/null

ok "configure the export" seg export configure ort --email Email --first-name FirstName --last-name LastName \
  --map City=city --map 'LoyaltyTier=custom:Loyalty Tier' --map Orders=custom:Orders \
  --map LifetimeValue=custom:Lifetime --segments "Spain,Big spenders" --tag-prefix "$TAG_PREFIX"
out=$(seg export configure ort --map City=Company 2>&1); rc=$?
isnt "$rc" 0 "an Autopilot field is not an Ortto one"
like "$out" "not an Ortto field segship writes" "in one sentence"
out=$(seg export configure ort --map IsSubscribed=bol::p 2>&1); rc=$?
isnt "$rc" 0 "the email permission is never mapped"
show=$(seg export show ort)
like "$show" "build an audience filtered on the tag 'segship: Spain'" "export show tells to build an audience on the tag"

# ---- dry run: counts, no call
before=$(curl -s "$SIM_URL/__sim/stats" | jq .requests)
json=$(seg export run ort --dry-run --json)
is "$(curl -s "$SIM_URL/__sim/stats" | jq .requests)" "$before" "a dry run makes no call"
planned=$(jq .to_upsert <<<"$json")
like "$planned" '^[1-9][0-9]+$' "dry run: people to send"

# ---- the first run
json=$(seg export run ort --json); rc=$?
is "$rc" 0 "first run exits 0"
is "$(jq -r .status <<<"$json")" succeeded "first run succeeded"
is "$(jq .contacts_upserted <<<"$json")" "$planned" "it sent what the dry run said"
is_exact ort "after the first run Ortto's tags are exactly the segments" contacts
people=$(jq .contacts_upserted <<<"$json")
calls=$(jq .api_calls <<<"$json")
(( calls <= (people + 99) / 100 + 4 )) && pass "people and tags rode in merges of 100 ($calls calls for $people people)" \
  || fail "too many calls: $calls for $people people"
is "$(jq -r '.tags[0].hint' <<<"$json" | grep -c 'audience filtered on the tag')" 1 "the run report says how to use the tags"
state=$(curl -s "$SIM_URL/__sim/state?key=$KEY1")
is "$(jq --arg k "$KEY1" '[.accounts[$k].custom_fields[] | .name // .field.name] | sort' <<<"$state" | jq -c .)" \
  '["Lifetime","Loyalty Tier","Orders"]' "the three custom fields were created"
is "$(jq --arg k "$KEY1" '[.accounts[$k].people[] | .fields | keys[] | select(. == "bol::p")] | length' <<<"$state")" 0 \
  "no one's email permission was written"
seg profiles list --limit 0 --json | jq -c '[.profiles[] | {key: .id, value: ((.attributes.Email // "") | ascii_downcase)}] | from_entries' >"$TAP_TMP/ids.json"
printf '%s' "$state" >"$TAP_TMP/state.json"
bad=$(jq -n --slurpfile ids "$TAP_TMP/ids.json" --slurpfile s "$TAP_TMP/state.json" --arg k "$KEY1" \
  '[$s[0].accounts[$k].people[] | select($ids[0][.fields["str::ei"]] != (.fields["str::email"] | ascii_downcase))] | length')
is "$bad" 0 "every person's external id is the profile with that email"
one=$(seg profiles list --limit 0 --json | jq -c '[.profiles[] | select(.attributes.LifetimeValue != null and .attributes.City != null)][0]')
pid=$(jq -r .id <<<"$one")
held=$(jq -c --arg k "$KEY1" --arg id "$pid" '[.accounts[$k].people[] | select(.fields["str::ei"] == $id)][0].fields' <<<"$state")
if [[ $held == null ]]; then skip "that profile is in no exported segment" 3; else
  is "$(jq -r '.["geo::city"].name' <<<"$held")" "$(jq -r .attributes.City <<<"$one")" "the city is geo::city {name}"
  is "$(jq '.["int:cm:lifetime"]' <<<"$held")" "$(jq '.attributes.LifetimeValue * 1000 | round' <<<"$one")" "a decimal is held as integer x 1000"
  is "$(jq -r '.["str::first"]' <<<"$held")" "$(jq -r .attributes.FirstName <<<"$one")" "the first name is str::first"
fi

# ---- an unchanged rerun writes nothing
w0=$(writes)
json=$(seg export run ort --json)
is "$(writes)" "$w0" "a rerun with no change makes no write call"
is "$(jq .api_calls <<<"$json")" 0 "and no call at all (tags and field ids are known)"

# ---- a day of changes: fields, emails, joins and leaves
seg profiles generate --count 3000 --seed 21 --changed 30 --moved 10 --out "$TAP_TMP/day.csv"
seg profiles import "$TAP_TMP/day.csv" >/dev/null
seg segment refresh >/dev/null
n_before=$(curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq --arg k "$KEY1" '.accounts[$k].people | length')
plan=$(seg export run ort --dry-run --json)
json=$(seg export run ort --json)
is "$(jq -r .status <<<"$json")" succeeded "the day's run succeeded"
is "$(jq .contacts_upserted <<<"$json")" "$(jq .to_upsert <<<"$plan")" "changed profiles are re-sent, no more"
n_after=$(curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq --arg k "$KEY1" '.accounts[$k].people | length')
joined=$(jq .list_additions <<<"$json")
(( n_after <= n_before + joined )) && pass "a changed email updated the same person ($n_before -> $n_after people, $joined joins)" \
  || fail "changed emails made new people: $n_before -> $n_after"
is_exact ort "after a day of changes the tags are exact"
seg segment update "Big spenders" --rule 'LifetimeValue > 150' >/dev/null
seg segment update "Spain" --rule 'Country = "spain" and Orders > 2' >/dev/null
json=$(seg export run ort --json)
adds=$(jq .list_additions <<<"$json") rems=$(jq .list_removals <<<"$json") calls=$(jq .api_calls <<<"$json")
like "$adds" '^[1-9][0-9]*$' "people who joined were tagged"
like "$rems" '^[1-9][0-9]*$' "people who left were untagged"
(( calls <= (adds + rems + 99) / 100 + 2 )) && pass "joins and leaves rode in the merges ($calls calls for $adds joins, $rems leaves)" \
  || fail "too many calls: $calls for $adds joins and $rems leaves"
is_exact ort "after joins and leaves the tags are exact"
left=$(curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq --arg k "$KEY1" '[.accounts[$k].people[] | select((.tags // []) | length == 0)] | length')
like "$left" '^[1-9][0-9]*$' "people who left every segment stay in Ortto, with no tag"

# ---- the removal guard holds a run that would untag most of a tag, with no call at all
n_big=$(seg segment show "Big spenders" --json | jq .members)
if (( n_big < 100 )); then skip "the segment 'Big spenders' has fewer than 100 members ($n_big)" 6; else
  seg segment update "Big spenders" --rule 'LifetimeValue > 100000000' >/dev/null
  r0=$(curl -s "$SIM_URL/__sim/stats" | jq .requests)
  out=$(seg export run ort 2>&1); rc=$?
  is "$rc" 1 "a run untagging every member of a tag of $n_big exits 1"
  like "$out" "run [0-9]+ of 'ort': held" "its status is held"
  like "$out" "would remove [0-9]+ of the [0-9]+ confirmed members of the tag 'segship: Big spenders' \(100%\)" \
    "the message names the tag, with its prefix"
  is "$(curl -s "$SIM_URL/__sim/stats" | jq .requests)" "$r0" "a held Ortto run makes no call at all"
  json=$(seg export run ort --allow-large-removal --json)
  is "$(jq -r .status <<<"$json")" succeeded "--allow-large-removal lets it untag them"
  is_exact ort "after the allowed removal the tags are exact"
  seg segment update "Big spenders" --rule 'LifetimeValue > 150' >/dev/null
  seg export run ort >/dev/null
fi

# ---- a suppressed email is a rejected record, with Ortto's reason
email=$(seg segment show Spain --members 1 --json | jq -r '.member_ids[0]' | xargs -I{} "$SEGSHIP_BIN" --db "$DB" profiles show {} --json | jq -r '.attributes.Email')
control POST /suppress "{\"email\": \"$email\"}"
json=$(seg export run ort --full --json); rc=$?
is "$rc" 3 "a run with a suppressed email is partial"
is "$(jq .rejected <<<"$json")" 1 "one record rejected"
errs=$(seg export errors ort --json)
is "$(jq -r --arg e "$(tr 'A-Z' 'a-z' <<<"$email")" '[.errors[] | select(.email == $e)][0].reason' <<<"$errs")" \
  "Ortto: suppressed: Email is suppressed" "export errors gives Ortto's reason"

# ---- a key refused at run time (a run with something to send: one with nothing makes no call)
control POST /keys "{\"revoke\": \"$KEY1\"}"
out=$(seg export run ort --full 2>&1); rc=$?
is "$rc" 1 "a refused key fails the run"
like "$out" "Ortto rejected the API key" "and says to reconnect"
control POST /keys "{\"restore\": \"$KEY1\"}"
control POST /keys "{\"expire\": \"$KEY1\"}"
out=$(seg export run ort --full 2>&1); rc=$?
is "$rc" 1 "an expired account (403) fails the run"
like "$out" "Ortto rejected the API key" "with the same sentence"
control POST /keys "{\"restore\": \"$KEY1\"}"

# ---- the key never appears in clear: not in the store, its WAL, the run's output or its log
out=$(seg export run ort --full --json 2>"$TAP_TMP/run.err")
printf '%s' "$out" >"$TAP_TMP/run.out"
sqlite3 "$DB" "PRAGMA wal_checkpoint" >/dev/null
found=0
for f in "$DB" "$DB"-wal "$TAP_TMP/run.out" "$TAP_TMP/run.err"; do
  [[ -f $f ]] || continue
  if grep -aq "$KEY1" "$f"; then found=1; diag "the key found in $f"; fi
done
is "$found" 0 "no API key in clear in the store, its WAL, the output or the log"
sim_stop

# ---- Ortto's windows push back: the 429's try-in-seconds is honoured, nothing is lost. The windows
# run on the simulator's manual clock, which stands still until the first 429 (four calls in flight
# against 3 a window: the fourth is refused however fast the machine is), then moves on.
sim_start --api-key "$KEY1" --clock manual --windows 3/1s --seed 9
setup_store 1500 7
seg segment create Spain --rule 'Country = "spain"' >/dev/null
seg segment create Loyal --rule 'Orders >= 3' >/dev/null
TAG_PREFIX=""
add_destination ort
seg export configure ort --email Email --segments Spain,Loyal >/dev/null
seg export run ort --json --in-flight 4 >"$TAP_TMP/windows.json" &
pid=$!
wait_until throttled_seen || BAIL_OUT "no 429 within 60 s though the simulator's clock stood still"
clock_drive 250
wait "$pid"
clock_stop
json=$(cat "$TAP_TMP/windows.json")
is "$(jq -r .status <<<"$json")" succeeded "against 3 requests a second, unpaced, the run succeeds"
(( $(jq .throttled <<<"$json") > 0 )) && pass "Ortto's 429s came and were waited out ($(jq .throttled <<<"$json"))" \
  || fail "no 429 seen with four requests in flight against 3/1s"
is_exact ort "after the 429s the tags are exact" contacts
sim_stop

# ---- faults and the window limiter: nothing lost, nothing doubled
sim_start --api-key "$KEY1" --windows 40/1s --fail-rate 0.10 --slow-rate 0.05 --slow-ms 300 --drop-rate 0.02 --seed 42
setup_store 4000 31
seg segment create Spain --rule 'Country = "spain"' >/dev/null
seg segment create Loyal --rule 'Orders >= 10' >/dev/null
TAG_PREFIX=""
add_destination ort
seg export configure ort --email Email --first-name FirstName --segments Spain,Loyal >/dev/null
status=none retries=0
for i in 1 2 3 4 5; do
  json=$(seg export run ort --json --in-flight 8)
  status=$(jq -r .status <<<"$json")
  retries=$((retries + $(jq .retries <<<"$json")))
  [[ $status == succeeded ]] && break
done
is "$status" succeeded "under faults the export completes (run $i)"
(( retries > 0 )) && pass "failed calls were retried ($retries)" || fail "no retry happened"
is_exact ort "under faults the final state is exact" contacts
control POST /faults '{"fail_rate": 0, "slow_rate": 0, "drop_rate": 0}'
w0=$(writes)
seg export run ort >/dev/null
is "$(writes)" "$w0" "and a rerun has nothing left to write"

# ---- kill -9 at random points, then a run to the end
seg profiles generate --count 4000 --seed 31 --changed 20 --moved 1 --out "$TAP_TMP/k.csv"
seg profiles import "$TAP_TMP/k.csv" >/dev/null
seg segment update Loyal --rule 'Orders >= 6' >/dev/null
seg destination update ort --rate-limit 1 >/dev/null
# Each kill lands while a run is in progress (its start recorded, a first merge made), never after
# a time; every run that died of the kill, and only those, is marked interrupted.
killed=0
for after in 1 1 1; do
  read -r last _ < <(newest_run ort)
  "$SEGSHIP_BIN" --db "$DB" export run ort --no-progress >/dev/null 2>&1 &
  pid=$!
  wait_until run_running_after ort "$last" || BAIL_OUT "the run did not start in 60 s"
  w0=$(writes)
  wait_writes $((w0 + after)) || BAIL_OUT "the run made no progress in 60 s"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  (($? == 137)) && killed=$((killed + 1))
done
((killed > 0)) && pass "runs were killed mid-flight ($killed of 3)" || fail "no run was killed mid-flight"
# Ctrl-C: the merges in flight finish and are recorded, the run ends cancelled (at 1 request a
# second, a --full run of 40 merges is still going after its first merges)
read -r last _ < <(newest_run ort)
"$SEGSHIP_BIN" --db "$DB" export run ort --full --json >"$TAP_TMP/cancel.json" 2>/dev/null &
pid=$!
wait_until run_running_after ort "$last" || BAIL_OUT "the run did not start in 60 s"
w0=$(writes)
wait_writes $((w0 + 1)) || BAIL_OUT "the run made no progress in 60 s"
kill -INT "$pid"
wait "$pid"
is "$?" 1 "Ctrl-C ends the run with status 1"
is "$(jq -r .status "$TAP_TMP/cancel.json")" cancelled "recorded as cancelled"
seg destination update ort --rate-limit 0 >/dev/null
json=$(seg export run ort --json)
is "$(jq -r .status <<<"$json")" succeeded "the next run completes"
hist=$(seg export history ort --json)
is "$(jq '[.runs[] | select(.status == "interrupted")] | length' <<<"$hist")" "$killed" "the killed runs are marked interrupted"
is_exact ort "after the kills the final state is exact"
w0=$(writes)
seg export run ort >/dev/null
is "$(writes)" "$w0" "and nothing is sent twice after"

sim_stop
done_testing
