#!/usr/bin/env bash
# cli_export.sh: segship export run against autopilot-sim, checking Autopilot's final state
# against the segments: a first run, a rerun with no change (no write), changed fields, changed
# emails, joins and leaves, a person in two segments, invalid and duplicate emails, a deleted
# list, the profile limit, and a key refused mid-life.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

sim_start --api-key "$KEY1" --api-key "$KEY2" --rate 0 --seed 3
setup_store 3000 21
seg segment create "Spain" --rule 'Country = "spain"' >/dev/null
seg segment create "Big spenders" --rule 'LifetimeValue > 300' >/dev/null
add_destination ap
ok "configure the export" seg export configure ap --email Email --first-name FirstName --last-name LastName \
  --map City=MailingCity --map 'LoyaltyTier=custom:Loyalty Tier' --map Orders=custom:Orders \
  --segments "Spain,Big spenders"

# ---- dry run: counts, and no call at all
before=$(curl -s "$SIM_URL/__sim/stats" | jq .requests)
json=$(seg export run ap --dry-run --json)
is "$(curl -s "$SIM_URL/__sim/stats" | jq .requests)" "$before" "a dry run makes no call"
is "$(jq .lists_to_create <<<"$json")" 2 "dry run: two lists to create"
planned=$(jq .to_upsert <<<"$json")
like "$planned" '^[1-9][0-9]+$' "dry run: contacts to create"

# ---- the first run
json=$(seg export run ap --json); rc=$?
is "$rc" 0 "first run exits 0"
is "$(jq -r .status <<<"$json")" succeeded "first run succeeded"
is "$(jq .contacts_upserted <<<"$json")" "$planned" "it upserted what the dry run said"
for k in run_id destination status profiles contacts_upserted list_additions list_removals unchanged invalid rejected api_calls duration_s; do
  [[ $(jq "has(\"$k\")" <<<"$json") == true ]] || fail "run JSON has $k"
done
pass "the run JSON has every documented key"
invalid=$(jq .invalid <<<"$json")
like "$invalid" '^[1-9][0-9]*$' "invalid and duplicate emails were skipped"
is_exact ap "after the first run Autopilot holds exactly the segments" contacts
calls=$(jq .api_calls <<<"$json")
contacts=$(jq .contacts_upserted <<<"$json")
additions=$(jq .list_additions <<<"$json")
like "$calls" '^[0-9]+$' "api calls counted"
(( calls <= (additions + 99) / 100 + 6 )) && pass "list membership rode in the bulk upserts ($calls calls for $additions memberships)" \
  || fail "too many calls: $calls for $additions memberships"
errs=$(seg export errors ap --json)
is "$(jq '[.errors[] | select(.kind == "invalid")] | length > 0' <<<"$errs")" true "export errors lists the invalid emails"
is "$(jq -r '[.errors[] | select(.kind == "duplicate")][0].reason // "none"' <<<"$errs" | grep -c 'shares the email')" 1 "and the duplicates, with the profile exported for both"
csv=$(seg export errors ap --csv | head -n 1)
is "$csv" "customer_id,email,kind,reason" "export errors --csv"
sample=$(curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq -c '[.accounts[].contacts[] | select(.custom_fields | length > 0)][0] | [.custom_fields[].fieldType] | sort')
like "$sample" 'integer' "custom fields are typed (integer for an integer attribute)"
unsub=$(curl -s "$SIM_URL/__sim/stats" >/dev/null; curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq '[.accounts[].contacts[] | select(.unsubscribed == true)] | length')
is "$unsub" 0 "no one was unsubscribed"

# ---- a rerun with nothing changed writes nothing
w0=$(writes)
json=$(seg export run ap --json)
is "$(writes)" "$w0" "a rerun with no change makes no write call"
is "$(jq .api_calls <<<"$json")" 1 "only one read (the lists)"
is "$(jq .unchanged <<<"$json")" "$contacts" "every contact unchanged"

# ---- changed fields: only those go
seg profiles generate --count 3000 --seed 21 --changed 10 --out "$TAP_TMP/changed.csv"
seg profiles import "$TAP_TMP/changed.csv" >/dev/null
seg segment refresh >/dev/null
plan=$(seg export run ap --dry-run --json)
json=$(seg export run ap --json)
is "$(jq .contacts_upserted <<<"$json")" "$(jq .to_upsert <<<"$plan")" "changed profiles are re-sent, no more"
(( $(jq .contacts_upserted <<<"$json") < contacts / 2 )) && pass "only a fraction was re-sent" || fail "too much re-sent"
is_exact ap "after changed fields the lists are exact"
one=$(seg profiles list --limit 0 --json | jq -r '[.profiles[] | select((.attributes.Email // "") | test("^[a-z.]+[0-9]+@"))][5] | "\(.attributes.Email)|\(.attributes.Orders)"')
email=${one%%|*} orders=${one##*|}
held=$(curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq --arg e "$email" '[.accounts[].contacts[] | select(.Email == $e) | .custom_fields[] | select(.kind == "Orders") | .value][0]')
if [[ $held == null ]]; then skip "that profile is in no exported segment"; else is "$held" "$orders" "Autopilot holds the new value of a changed field"; fi

# ---- changed emails move the contact (no second one)
seg profiles generate --count 3000 --seed 21 --changed 10 --moved 5 --out "$TAP_TMP/moved.csv"
seg profiles import "$TAP_TMP/moved.csv" >/dev/null
seg segment refresh >/dev/null
n_before=$(curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq '.accounts[].contacts | length')
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the run with moved emails succeeded"
n_after=$(curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq '.accounts[].contacts | length')
is "$n_after" "$n_before" "moved emails changed contacts in place: no new contact"
is_exact ap "after moved emails the lists are exact"

# ---- joins and leaves (a person in two segments included)
seg segment update "Big spenders" --rule 'LifetimeValue > 150' >/dev/null
seg segment update "Spain" --rule 'Country = "spain" and Orders > 2' >/dev/null
json=$(seg export run ap --json)
like "$(jq .list_additions <<<"$json")" '^[1-9][0-9]*$' "people who joined were added"
like "$(jq .list_removals <<<"$json")" '^[1-9][0-9]*$' "people who left were removed"
is_exact ap "after joins and leaves the lists are exact"
both=$(curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq '[.accounts[].contacts[] | select(.lists | length == 2)] | length')
like "$both" '^[1-9][0-9]*$' "some contacts are in both lists"
left=$(curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq '[.accounts[].contacts[] | select(.lists | length == 0)] | length')
like "$left" '^[1-9][0-9]*$' "people who left every segment stay in Autopilot (never deleted), in no list"

# ---- a deleted list is recreated and refilled: the simulator forgets everything
control POST /reset
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "after Autopilot lost its lists the run succeeded"
is_exact ap "the lists were recreated and refilled"

# ---- history
hist=$(seg export history ap --json)
like "$(jq '.runs | length' <<<"$hist")" '^[6-9]$' "history lists the runs"
is "$(jq -r '.runs[0].status' <<<"$hist")" succeeded "newest first"

# ---- the profile limit
seg destination add small --api-key-file "$TAP_TMP/key1" --api-url "$SIM_URL/v1" --accept-privacy \
  --export-user alice --rate-limit 0 --max-profiles 10 >/dev/null
out=$(seg export configure small --email Email --segments Spain 2>&1)
like "$out" "over this destination's limit of 10" "configure warns when the segments exceed the limit"
out=$(seg export run small 2>&1); rc=$?
is "$rc" 1 "a run over the limit is refused"
like "$out" "distinct profiles, over its limit of 10" "with the count and the limit"

# ---- a key refused at run time (deleted in Autopilot after the destination was set up)
control POST /keys "{\"revoke\": \"$KEY1\"}"
is "$STATUS" 200 "the simulator revokes the key"
out=$(seg export run ap 2>&1); rc=$?
is "$rc" 1 "a refused key fails the run"
like "$out" "Autopilot rejected the API key" "and says to reconnect"
is "$(seg export history ap --json | jq -r '.runs[0].status')" failed "the run is recorded as failed"
control POST /keys "{\"restore\": \"$KEY1\"}"
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "with the key restored the next run succeeds"

done_testing
