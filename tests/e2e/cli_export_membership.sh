#!/usr/bin/env bash
# cli_export_membership.sh: segment membership as a boolean field "In <segment>" (issue 13), checked
# against autopilot-sim's state: field mode from scratch (no list, fields exact, leavers false, in
# the bulk upserts), switches field -> both -> list -> field (each run does what the new mode needs,
# once), the removal guard on field leaves, faults, and kill -9 then resume.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

true_fields() { actual_fields | jq '[.[] | length] | add // 0'; }
lists_count() { curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq '.accounts[].lists | length'; }
lists_state() { curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq -c '[.accounts[].lists[] | {title, n: (.contacts | length)}]'; }
false_fields() {
  curl -s "$SIM_URL/__sim/state?key=$KEY1" |
    jq '[.accounts[].contacts[].custom_fields[] | select(.kind | startswith("In ")) | select(.value == false)] | length'
}

sim_start --api-key "$KEY1" --rate 0 --seed 5
setup_store 2000 41
seg segment create "Spain" --rule 'Country = "spain"' >/dev/null
seg segment create "Big spenders" --rule 'LifetimeValue > 300' >/dev/null
add_destination ap

# ---- bad input: one sentence
out=$(seg export configure ap --email Email --segments Spain --membership lists 2>&1); rc=$?
is "$rc" 2 "--membership lists is a usage error"
like "$out" "--membership is list, field or both" "and says what the choices are"

# ---- field mode from scratch: no list at all, the fields exact, in bulk upserts
ok "configure field mode" seg export configure ap --email Email --first-name FirstName \
  --map 'LoyaltyTier=custom:Loyalty Tier' --segments "Spain,Big spenders" --membership field
show=$(seg export show ap)
like "$show" "custom field 'In Big spenders' is true" "export show says how to build the smart segment"
is "$(seg export show ap --json | jq -r .membership)" field "export show --json says field"
like "$show" "'Spain': in Autopilot, create a smart segment with the condition: custom field 'In Spain' is true" \
  "one smart-segment line per segment, naming its field"
like "$show" "on leave +the field 'In <segment>' is set false" "on leave: the field is set false (--on-leave is about lists)"
unlike "$show" "removed from the list|list joins|_autopilot_list" "nothing about lists in field mode"
like "$show" "removal guard +a run removing more than 20% of a segment's fields 'In <segment>' set true" "the guard in field terms"
is "$(seg export show ap --json | jq -c '[.smart_segments[] | [.segment, .field]]')" '[["Spain","In Spain"],["Big spenders","In Big spenders"]]' \
  "export show --json gives each segment's field"
like "$(seg export show ap --json | jq -r '.smart_segments[1].hint')" "custom field 'In Big spenders' is true" "and the hint"
is "$(seg export run ap --dry-run --json | jq .lists_to_create)" 0 "a field-mode dry run has no list to create"
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the field-mode run succeeded"
contacts=$(jq .contacts_upserted <<<"$json")
calls=$(jq .api_calls <<<"$json")
(( calls <= (contacts + 99) / 100 + 1 )) && pass "memberships rode in the upserts ($calls calls for $contacts contacts)" \
  || fail "too many calls: $calls for $contacts contacts"
is "$(lists_count)" 0 "field mode creates no list"
fields_exact ap "after the first field-mode run each field is true for exactly its segment"
# the run record counts the memberships it set, as fields, not as list additions
is "$(jq .field_sets <<<"$json")" "$(true_fields)" "field_sets counts each field set true"
is "$(jq -c '[.field_clears, .list_additions, .list_removals]' <<<"$json")" "[0,0,0]" "and no field cleared, no list touched"
is "$(jq '.custom | keys | length' <<<"$(curl -s "$SIM_URL/v1/contacts/custom_fields" -H "autopilotapikey: $KEY1" |
  jq '{custom: (map({(.name): .key}) | add)}')")" 3 "Autopilot has the two membership fields and the mapped one"
key=$(curl -s "$SIM_URL/v1/contacts/custom_fields" -H "autopilotapikey: $KEY1" | jq -r '.[] | select(.name == "In Big spenders") | .key')
is "$key" "boolean--In--Big--spenders" "a segment name with a space is encoded with --"

# ---- joins and leaves: leavers are set false, in bulk
seg segment update "Spain" --rule 'Country = "spain" and Orders > 2' >/dev/null
seg segment update "Big spenders" --rule 'LifetimeValue > 250' >/dev/null
seg segment refresh >/dev/null 2>&1
plan=$(seg export run ap --dry-run --json)
plan_text=$(seg export run ap --dry-run)
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the run with joins and leaves succeeded"
(( $(jq .api_calls <<<"$json") <= 6 )) && pass "joins and leaves in a few bulk calls ($(jq .api_calls <<<"$json"))" \
  || fail "joins and leaves took $(jq .api_calls <<<"$json") calls"
fields_exact ap "after joins and leaves the fields are exact"
(( $(false_fields) > 0 )) && pass "leavers hold the field false ($(false_fields))" || fail "no field was set false"
like "$(jq .field_sets <<<"$plan")" '^[1-9][0-9]*$' "the dry run counts the fields to set true"
like "$(jq .field_clears <<<"$plan")" '^[1-9][0-9]*$' "and those to set false"
is "$(jq -c '[.field_sets, .field_clears]' <<<"$json")" "$(jq -c '[.field_sets, .field_clears]' <<<"$plan")" \
  "the run set and cleared what the dry run said"
is "$(jq -c '[.list_additions, .list_removals]' <<<"$json")" "[0,0]" "field-mode joins and leaves are not list changes"
hist=$(seg export history ap --json --limit 1)
is "$(jq -c '.runs[0] | [.field_sets, .field_clears]' <<<"$hist")" "$(jq -c '[.field_sets, .field_clears]' <<<"$json")" \
  "export history --json keeps them"
text=$(seg export history ap --limit 1)
like "$text" "FIELD\+ +FIELD-" "export history shows them in columns"
like "$(tail -n 1 <<<"$text")" " $(jq .field_sets <<<"$json") +$(jq .field_clears <<<"$json") +0 " "with the run's figures"
like "$plan_text" "fields 'In <segment>' +$(jq .field_sets <<<"$plan") to set true, $(jq .field_clears <<<"$plan") to set false" \
  "the text dry run names them"
like "$plan_text" "field 'In Spain': \+$(jq '.segments[0].fields_to_set' <<<"$plan") to set true, -$(jq '.segments[0].fields_to_clear' <<<"$plan") to set false" \
  "per segment, as its field"
unlike "$plan_text" "list 'Spain'" "a field-mode dry run shows no list"
is "$(jq '[.segments[].fields_to_set] | add' <<<"$plan")" "$(jq .field_sets <<<"$plan")" "the segments' fields to set add up"
w0=$(writes)
seg export run ap >/dev/null
is "$(writes)" "$w0" "a rerun with nothing changed writes nothing"

# ---- the guard counts field leaves as removals
seg segment update "Spain" --rule 'Country = "spain" and Orders > 9' >/dev/null
json=$(seg export run ap --json); rc=$?
is "$rc" 1 "a run turning most fields false is held (exit 1)"
is "$(jq -r .status <<<"$json")" held "recorded as held"
gone=$(seg export run ap --dry-run --json | jq '.segments[] | select(.segment == "Spain") | .to_remove')
like "$(jq -r .message <<<"$json")" "^this run would set the field 'In Spain' false on $gone of the [0-9]+ contacts where it is true \([0-9]+%\), more than the limit of 20%; nothing was sent" \
  "the message names the field that would be cleared, and on how many"
unlike "$(jq -r .message <<<"$json")" "list" "and no list, in field mode"
seg segment update "Spain" --rule 'Country = "spain" and Orders > 2' >/dev/null
w0=$(writes)
seg export run ap >/dev/null
is "$(writes)" "$w0" "with the rule back nothing is left to write"

# ---- field -> both: the lists are made and filled once, the fields stay
ok "switch to both" seg export configure ap --membership both
show=$(seg export show ap)
like "$show" "one Autopilot list and one boolean field 'In <segment>' each" "export show in both mode: a list and a field"
like "$show" "custom field 'In Spain' is true" "with the smart-segment line"
like "$show" "on leave +removed from the list, and the field 'In <segment>' set false" "on leave: both"
like "$show" "list joins +bulk" "and how list joins are sent"
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the first run in both mode succeeded"
like "$(jq .list_additions <<<"$json")" '^[1-9][0-9]*$' "the lists filled are list additions"
is "$(jq .field_sets <<<"$json")" 0 "the fields already true are not set again"
is_exact ap "in both mode the lists are exact"
fields_exact ap "in both mode the fields are exact"
w0=$(writes)
seg export run ap >/dev/null
is "$(writes)" "$w0" "the switch happened once: the next run writes nothing"
# the guard in both mode names the list and the field
seg segment update "Spain" --rule 'Country = "spain" and Orders > 9' >/dev/null
plan=$(seg export run ap --dry-run --json)
is "$(jq .would_hold <<<"$plan")" true "in both mode the guard would hold it too"
gone=$(jq '.segments[] | select(.segment == "Spain") | .to_remove' <<<"$plan")
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" held "held in both mode"
like "$(jq -r .message <<<"$json")" "^this run would remove $gone of the [0-9]+ confirmed members of the segment 'Spain' \($(jq .list_removals <<<"$plan") from its list, $(jq .field_clears <<<"$plan") with the field 'In Spain' set false\) \([0-9]+%\)" \
  "the both-mode message names the list and the field, with their counts"
is "$(writes)" "$w0" "a held run writes nothing"
seg segment update "Spain" --rule 'Country = "spain" and Orders > 2' >/dev/null

# ---- both -> list: every field set false once, the lists kept
ok "switch to list" seg export configure ap --membership list
show=$(seg export show ap)
unlike "$show" "smart segment|In <segment>" "export show in list mode: no field"
is "$(seg export show ap --json | jq 'has("smart_segments")')" false "nor in --json"
n_true=$(true_fields)
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the first run in list mode succeeded"
is "$(actual_fields)" "{}" "in list mode no membership field is left true"
is "$(jq -c '[.field_clears, .field_sets]' <<<"$json")" "[$n_true,0]" "field_clears counts the $n_true fields the switch set false"
is_exact ap "in list mode the lists are exact"
w0=$(writes)
seg export run ap >/dev/null
is "$(writes)" "$w0" "the clearing happened once"

# ---- list -> field: the fields set for every member; the lists left as they were
lists_before=$(lists_state)
ok "switch back to field" seg export configure ap --membership field
seg segment update "Big spenders" --rule 'LifetimeValue > 280' >/dev/null
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the first run back in field mode succeeded"
fields_exact ap "back in field mode the fields are exact"
is "$(lists_state)" "$lists_before" "field mode leaves the lists as they were"
sim_stop

# ---- faults: nothing lost, nothing doubled
sim_start --api-key "$KEY1" --rate 0 --fail-rate 0.10 --drop-rate 0.02 --seed 43
setup_store 3000 43
seg segment create "Spain" --rule 'Country = "spain"' >/dev/null
seg segment create "Big spenders" --rule 'LifetimeValue > 300' >/dev/null
add_destination ap
seg export configure ap --email Email --segments "Spain,Big spenders" --membership both >/dev/null
status=none retries=0
for i in 1 2 3 4 5 6; do
  json=$(seg export run ap --json --in-flight 4)
  status=$(jq -r .status <<<"$json")
  retries=$((retries + $(jq .retries <<<"$json")))
  [[ $status == succeeded ]] && break
done
is "$status" succeeded "under faults the both-mode export completes (run $i)"
(( retries > 0 )) && pass "failed calls were retried ($retries)" || fail "no retry happened"
is_exact ap "under faults the lists are exact"
fields_exact ap "under faults the fields are exact"
seg export configure ap --membership field >/dev/null
seg segment update "Spain" --rule 'Country = "spain" and Orders > 2' >/dev/null
for i in 1 2 3 4 5 6; do
  status=$(seg export run ap --json | jq -r .status)
  [[ $status == succeeded ]] && break
done
is "$status" succeeded "under faults the field-mode run with leaves completes"
fields_exact ap "under faults the field leaves are exact"
control POST /faults '{"fail_rate": 0, "slow_rate": 0, "drop_rate": 0}' >/dev/null
w0=$(writes)
seg export run ap >/dev/null
is "$(writes)" "$w0" "and a rerun has nothing left to write"

# ---- kill -9 mid-run, then a run to the end
seg profiles generate --count 3000 --seed 43 --changed 300 --moved 40 --out "$TAP_TMP/k.csv"
seg profiles import "$TAP_TMP/k.csv" >/dev/null
seg segment update "Big spenders" --rule 'LifetimeValue > 200' >/dev/null
seg destination update ap --rate-limit 2 >/dev/null
killed=0
for step in 1 2; do
  w0=$(writes)
  "$SEGSHIP_BIN" --db "$DB" export run ap --no-progress >/dev/null 2>&1 &
  pid=$!
  wait_writes $((w0 + step)) || true
  kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
  wait "$pid" 2>/dev/null
done
(( killed >= 1 )) && pass "runs were killed mid-flight ($killed)" || fail "no run was killed"
seg destination update ap --rate-limit 0 >/dev/null
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the next run completes"
fields_exact ap "after kill -9 the fields are exact"
w0=$(writes)
seg export run ap >/dev/null
is "$(writes)" "$w0" "and nothing is sent twice after"

# ---- /metrics sums the field counts of the run records
seg schedule set "0 3 1 1 *" >/dev/null # the service runs nothing during the test
"$SEGSHIP_BIN" --db "$DB" serve --listen 127.0.0.1:0 2>"$TAP_TMP/serve.log" &
serve_pid=$!
port=
for _ in $(seq 600); do
  port=$(grep -o 'port=[0-9]*' "$TAP_TMP/serve.log" | head -n1 | cut -d= -f2)
  [[ -n $port ]] && break
  sleep 0.1
done
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
hist=$(seg export history ap --json --limit 1000)
is "$(grep '^segship_export_field_sets_total{destination="ap"}' <<<"$metrics" | awk '{print $2}')" \
  "$(jq '[.runs[].field_sets] | add' <<<"$hist")" "/metrics: field sets, the sum of the runs'"
is "$(grep '^segship_export_field_clears_total{destination="ap"}' <<<"$metrics" | awk '{print $2}')" \
  "$(jq '[.runs[].field_clears] | add' <<<"$hist")" "/metrics: field clears, the sum of the runs'"
# the console's run history shows them too
jar="$TAP_TMP/console.jar"
base="http://127.0.0.1:$port"
csrf=$(curl -s -c "$jar" -b "$jar" "$base/signin" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n1 | sed 's/.*value="//; s/"$//')
curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "username=alice" \
  --data-urlencode "password=correct horse battery" "$base/signin"
page=$(curl -s -c "$jar" -b "$jar" "$base/destination?name=ap")
like "$page" '<th class="n">Fields set</th><th class="n">Fields cleared</th>' "the console's run history has field columns"
last=$(jq -c '.runs[0] | [.field_sets, .field_clears] | map(tostring | explode | reverse | implode | [scan(".{1,3}")] | join(",") | explode | reverse | implode)' <<<"$hist")
row=$(grep 'run?id=' <<<"$page" | head -n1 | sed 's/<[^>]*>/|/g; s/||*/|/g')
like "$row" "\\|$(jq -r '.[0]' <<<"$last")\\|$(jq -r '.[1]' <<<"$last")\\|" "with the last run's fields set and cleared ($last)"
kill -TERM "$serve_pid"
wait "$serve_pid"

sim_stop
done_testing
