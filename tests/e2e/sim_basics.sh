#!/usr/bin/env bash
# sim_basics.sh: autopilot-sim's command line, start-up line, authentication, key isolation,
# the account call, unknown routes, and the control endpoints (state, stats, reset, faults).
source "$(dirname "$0")/lib.sh"

# ---- command line
out=$("$SIM_BIN" --help); rc=$?
is "$rc" 0 "--help exits 0"
like "$out" "--api-key KEY" "--help lists --api-key"
like "$out" "--list-field" "--help lists --list-field"

for bad in "" "--rate" "--rate abc --api-key k" "--api-key k --bogus 1" "--api-key k --fail-rate 2" \
           "--api-key k --list-field sometimes" "--api-key k --burst 0" "--api-key k --listen nowhere" \
           "--api-key k --seed -3" "--api-key 'a b'" "--api-key k stray"; do
  err=$(eval "\"$SIM_BIN\" $bad" 2>&1 >/dev/null </dev/null); rc=$?
  is "$rc" 2 "bad flags [$bad] exit 2"
  is "$(wc -l <<<"$err")" 1 "bad flags [$bad] give one line on stderr"
done

# ---- start-up
sim_start --api-key k1 --api-key k2 --rate 0
like "$SIM_URL" '^http://127\.0\.0\.1:[0-9]+$' "first stdout line gives the URL"

# ---- authentication
http GET "$SIM_URL/v1/account"
is_error 400 "Bad Request" "no key"
is "$(j .message)" "No autopilotapikey header provided." "no key: the contract's message"
http GET "$SIM_URL/v1/account" -H "autopilotapikey;"
is "$STATUS" 400 "an empty key counts as none"
SIM_KEY=nope api GET /account
is_error 401 "Unauthorized" "unknown key"
is "$(j .message)" "Provided autopilotapikey not valid." "unknown key: the contract's message"
http GET "$SIM_URL/v1/account" -H "AutopilotApiKey: k1"
is "$STATUS" 200 "header names are case-insensitive"
http GET "$SIM_URL/v1/account" -H "AUTOPILOTAPIKEY: k2"
is "$STATUS" 200 "second key accepted"

# ---- account
api GET /account
is "$STATUS" 200 "GET /account"
is "$(j '.fullName|type')" string "account has fullName"
like "$(j .email)" '@' "account has an email"
http GET "$SIM_URL/v1/account" -I
like "$(curl -s -D - -o /dev/null -H 'autopilotapikey: k1' "$SIM_URL/v1/account" | tr -d '\r')" \
  'Content-Type: application/json' "JSON content type"

# ---- key isolation
api POST /contact '{"contact":{"Email":"iso@example.com"}}'
is "$STATUS" 200 "k1 creates a contact"
api GET /contact/iso@example.com
is "$STATUS" 200 "k1 sees it"
SIM_KEY=k2 api GET /contact/iso@example.com
is "$STATUS" 404 "k2 does not see k1's contact"
SIM_KEY=k2 api POST /list '{"name":"Shared name"}'
api POST /list '{"name":"Shared name"}'
is "$STATUS" 200 "list titles are per account"

# ---- unknown routes and methods
api GET /nothing/here
is_error 404 "Not Found" "unknown /v1 path"
api GET /contacts/
is "$STATUS" 404 "an empty trailing segment is no route"
http GET "$SIM_URL/elsewhere"
is_error 404 "Not Found" "path outside /v1"
api PUT /contacts
is_error 405 "Method Not Allowed" "PUT /contacts"
allow=$(curl -s -D - -o /dev/null -X PATCH -H 'autopilotapikey: k1' "$SIM_URL/v1/contact/x" | tr -d '\r' | sed -n 's/^Allow: //p')
is "$allow" "GET, DELETE" "405 names the allowed methods"
api DELETE /contacts/custom_fields
is "$STATUS" 405 "DELETE /contacts/custom_fields is 405 (custom_fields routed first)"

# ---- control: state
control GET /state
is "$STATUS" 200 "GET /__sim/state"
is "$(j '.accounts|keys|join(",")')" "k1,k2" "state has both accounts"
is "$(j '.accounts.k1.contacts[0].Email')" "iso@example.com" "state holds k1's contact"
is "$(j '.accounts.k1.contacts[0].lists|type')" array "state contacts carry lists"
is "$(j '.accounts.k2.lists[0].title')" "Shared name" "state holds k2's list"
is "$(j '.accounts.k2.lists[0].contacts|type')" array "state lists carry contact ids"
control GET "/state?key=k2"
is "$(j '.accounts|keys|join(",")')" "k2" "?key= returns that account only"
control GET "/state?key=zzz"
is "$STATUS" 404 "?key= of an unknown key is 404"

# ---- control: stats
control GET /stats
is "$STATUS" 200 "GET /__sim/stats"
is "$(j '.requests')" 18 "stats count every /v1 request, refused ones included"
is "$(j '.by_status["401"]')" 1 "stats by status"
is "$(j '.by_route["GET /v1/contact/{id}"]')" 2 "stats by route template"
is "$(j '.by_route["PUT /v1/contacts"]')" 1 "405s are counted on their template"
is "$(j '.by_route["GET /v1/(unmatched)"]')" 2 "unmatched paths are counted"

# ---- control: faults
control GET /faults
is "$BODY" '{"limiter":"bucket","rate":0,"burst":5,"windows":"200/10s,600/60s","fail_rate":0,"slow_rate":0,"slow_ms":1000,"drop_rate":0,"seed":1,"list_field":"always"}' \
  "GET /__sim/faults shows every setting"
control POST /faults '{"fail_rate":0.25,"list_field":"create-only"}'
is "$STATUS" 200 "POST /__sim/faults"
is "$(j '[.fail_rate,.list_field,.rate]|join(" ")')" "0.25 create-only 0" "a subset changes only those settings"
control POST /faults '{"fail_rate":2}'
is_error 400 "Bad Request" "out-of-range setting"
control POST /faults '{"fail_rate":0,"bogus":1}'
is_error 400 "Bad Request" "unknown setting"
control GET /faults
is "$(j .fail_rate)" 0.25 "a refused change changes nothing"
control POST /faults '[1]'
is "$STATUS" 400 "settings must be an object"
control POST /faults '{"fail_rate":0,"list_field":"always"}'
control DELETE /faults
is "$STATUS" 405 "DELETE /__sim/faults is 405"
control GET /nothing
is "$STATUS" 404 "unknown control endpoint"

# ---- control: reset
control POST /reset
is "$STATUS" 200 "POST /__sim/reset"
control GET /state
is "$(j '[.accounts[].contacts[]]|length')" 0 "reset empties contacts"
is "$(j '[.accounts[].lists[]]|length')" 0 "reset empties lists"
control GET /stats
is "$(j .requests)" 0 "reset empties stats"
api GET /account
is "$STATUS" 200 "keys survive a reset"
control GET /faults
is "$(j .rate)" 0 "settings survive a reset"

# ---- ids come from the seed: same seed, same ids
api POST /contact '{"contact":{"Email":"seeded@example.com"}}'
first=$(j .contact_id)
like "$first" '^person_[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$' "contact ids are person_ + upper-case UUID"
control POST /reset
api POST /contact '{"contact":{"Email":"seeded@example.com"}}'
is "$(j .contact_id)" "$first" "after a reset the same requests get the same ids"

# ---- a key revoked in Autopilot answers 401; its data stays; restore undoes it
control POST /keys "{\"revoke\": \"$SIM_KEY\"}"
is "$STATUS" 200 "a key can be revoked"
api GET /account
is_error 401 "Unauthorized" "a revoked key"
control POST /keys "{\"restore\": \"$SIM_KEY\"}"
api GET /contact/seeded@example.com
is "$STATUS" 200 "a restored key finds its data again"
control POST /keys '{"revoke": "no-such-key"}'
is "$STATUS" 404 "revoking an unknown key is a 404"
control POST /keys '{"nope": 1}'
is "$STATUS" 400 "a malformed keys request is a 400"

sim_stop
done_testing
