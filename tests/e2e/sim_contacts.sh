#!/usr/bin/env bash
# sim_contacts.sh: contact calls over HTTP: single and bulk upserts (matching by email, merge
# semantics, duplicates, the 100 limit), _NewEmail renames and their collisions, unsubscribed,
# typed custom fields, GET/DELETE/unsubscribe by id or email, paging, and refused calls.
source "$(dirname "$0")/lib.sh"

sim_start --api-key k1 --rate 0

# ---- single upsert
api POST /contact '{"contact":{"Email":"Ann@Example.com","FirstName":"Ann","LastName":"Lee","Company":"Acme","notify":false}}'
is "$STATUS" 200 "POST /contact"
ann=$(j .contact_id)
like "$ann" '^person_[0-9A-F-]{36}$' "returns contact_id"
api GET "/contact/$ann"
is "$STATUS" 200 "GET /contact/{id}"
is "$(j '[.contact_id,.Email,.FirstName,.LastName,.Name,.Company,.type]|join("|")')" \
  "$ann|Ann@Example.com|Ann|Lee|Ann Lee|Acme|Contact" "contact object as read"
is "$(j '[(.lists|type), .unsubscribed, .api_originated, (.custom_fields|type)]|map(tostring)|join("|")')" "array|false|true|array" \
  "lists, unsubscribed, api_originated, custom_fields"
like "$(j .created_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' "created_at is ISO-8601 with ms"
like "$(j .updated_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$' "updated_at is ISO-8601 with ms"
api GET /contact/ann%40example.com
is "$(j .contact_id)" "$ann" "GET by email, URL-encoded, any case"
api GET /contact/ANN@EXAMPLE.COM
is "$(j .contact_id)" "$ann" "GET by raw email in another case"

# ---- merge: supplied fields overwrite, others stay
sleep 0.01
api POST /contact '{"contact":{"Email":"ann@example.com","LastName":"Smith","Phone":"555","NumberOfEmployees":12}}'
is "$(j .contact_id)" "$ann" "upsert by email (case-insensitive) finds the same contact"
api GET "/contact/$ann"
is "$(j '[.Email,.FirstName,.LastName,.Name,.Company,.Phone,.NumberOfEmployees]|join("|")')" \
  "ann@example.com|Ann|Smith|Ann Smith|Acme|555|12" "merge: supplied fields overwrite, others are left alone"
isnt "$(j .updated_at)" "$(j .created_at)" "updated_at moves on a write"
api POST /contact '{"contact":{"Email":"ann@example.com","Company":null}}'
api GET "/contact/$ann"
is "$(j 'has("Company")')" false "null clears a standard field"
api POST /contact '{"contact":{"Email":"ann@example.com","firstName":"typo","owner_name":"x","_autopilot_session_id":"s"}}'
is "$STATUS" 200 "unknown fields are accepted"
api GET "/contact/$ann"
is "$(j '[.FirstName, has("firstName"), has("owner_name")]|join("|")')" "Ann|false|false" "unknown fields are ignored"
control GET /stats
is "$(j '.ignored_fields.firstName')" 1 "ignored fields are counted in /__sim/stats"

# ---- bulk upsert
api POST /contacts '{"contacts":[{"Email":"b1@example.com","FirstName":"B1"},{"Email":"b2@example.com"},{"Email":"ANN@example.com","Title":"CEO"}]}'
is "$STATUS" 200 "POST /contacts"
is "$(j '.contact_ids|length')" 3 "contact_ids for each contact"
is "$(j '.email_contact_map["ANN@example.com"]')" "$ann" "email_contact_map maps the emails as sent"
is "$(j '.email_contact_map|length')" 3 "one map entry per email"
b1=$(j '.email_contact_map["b1@example.com"]')
api GET /contact/b1@example.com
is "$(j .contact_id)" "$b1" "bulk-created contact readable"
api POST /contacts '{"contacts":[{"Email":"dup@example.com","FirstName":"One","LastName":"L"},{"Email":"dup@example.com","FirstName":"Two"}]}'
is "$(j '[(.contact_ids|length), (.email_contact_map|length)]|join(" ")')" "1 1" "duplicate emails in a batch: one contact, one map entry"
api GET /contact/dup@example.com
is "$(j '[.FirstName,.LastName]|join(" ")')" "Two L" "duplicates: applied in order, the last one wins"
api POST /contacts '{"contacts":[]}'
is "$STATUS|$(j '.contact_ids|length')" "200|0" "an empty batch is a 200 with nothing"

# ---- the 100 limit
batch() { # N PREFIX
  jq -cn --argjson n "$1" --arg p "$2" '{contacts: [range($n) | {Email: "\($p)\(.)@example.com", FirstName: "F\(.)"}]}'
}
api POST /contacts "$(batch 100 hundred)"
is "$STATUS|$(j '.contact_ids|length')" "200|100" "100 contacts in one call"
api POST /contacts "$(batch 101 toomany)"
is_error 400 "Bad Request" "101 contacts"
is "$(j .message)" "Too many contacts: at most 100 per request." "101 contacts: the contract's message"
api GET /contact/toomany0@example.com
is "$STATUS" 404 "a refused bulk call applies nothing"

# ---- a refused batch applies nothing
api POST /contacts '{"contacts":[{"Email":"fresh@example.com"},{"Email":"b1@example.com","FirstName":"Changed"},{"Email":"not-an-email"}]}'
is_error 400 "Bad Request" "an invalid email refuses the batch"
like "$(j .message)" '^contacts\[2\]' "the message names the bad contact"
api GET /contact/fresh@example.com
is "$STATUS" 404 "refused batch: no contact created"
api GET /contact/b1@example.com
is "$(j .FirstName)" "B1" "refused batch: no contact changed"

# ---- _NewEmail
api POST /contact '{"contact":{"Email":"b1@example.com","_NewEmail":"b1.new@example.com","LastName":"Moved"}}'
is "$STATUS|$(j .contact_id)" "200|$b1" "_NewEmail keeps the contact id"
api GET /contact/b1@example.com
is "$STATUS" 404 "the old email is gone"
api GET /contact/b1.new@example.com
is "$(j '[.contact_id,.Email,.FirstName,.LastName]|join("|")')" "$b1|b1.new@example.com|B1|Moved" "the new email finds it, fields merged"
api POST /contact '{"contact":{"Email":"b1@example.com","_NewEmail":"b1.new@example.com"}}'
is "$(j .contact_id)" "$b1" "a retried rename updates the moved contact (no duplicate)"
api POST /contacts '{"contacts":[{"Email":"b1.new@example.com","_NewEmail":"b2@example.com"}]}'
is_error 409 "Conflict" "_NewEmail onto another contact's email"
api GET /contact/b1.new@example.com
is "$(j .contact_id)" "$b1" "a refused rename changes nothing"
api POST /contacts '{"contacts":[{"Email":"b2@example.com","_NewEmail":"b2.x@example.com"},{"Email":"b1.new@example.com","_NewEmail":"b2@example.com"}]}'
is "$STATUS" 200 "a batch may free an email and reuse it"
is "$(j '.email_contact_map["b2@example.com"]')" "$b1" "the map gives the contact that holds the email now"
api POST /contact '{"contact":{"Email":"ghost@example.com","_NewEmail":"ghost.new@example.com"}}'
ghost=$(j .contact_id)
api GET /contact/ghost.new@example.com
is "$(j .contact_id)" "$ghost" "rename of an unknown email creates the contact at the new email"

# ---- unsubscribed
api POST /contact '{"contact":{"Email":"b1@example.com","unsubscribed":true}}'
api GET /contact/b1@example.com
is "$(j .unsubscribed)" true "unsubscribed: true"
api POST /contact '{"contact":{"Email":"b1@example.com","unsubscribed":false}}'
api GET /contact/b1@example.com
is "$(j .unsubscribed)" false "unsubscribed: false re-subscribes"
api POST /contact '{"contact":{"Email":"b1@example.com","unsubscribed":"yes"}}'
is "$STATUS" 400 "unsubscribed must be a boolean"
api POST "/contact/$b1/unsubscribe"
is "$STATUS" 200 "POST /contact/{id}/unsubscribe"
api GET "/contact/$b1"
is "$(j .unsubscribed)" true "unsubscribe endpoint unsubscribes"
api POST /contact/nobody@example.com/unsubscribe
is_error 404 "Not Found" "unsubscribe of an unknown contact"

# ---- custom fields
api POST /contact '{"contact":{"Email":"c@example.com","custom":{"string--Loyalty--Tier":"gold","integer--Orders":12,"float--Lifetime--Value":"99.5","boolean--VIP":"true","date--Last--Purchase":"2024-02-29"}}}'
is "$STATUS" 200 "typed custom fields"
api GET /contact/c@example.com
is "$(j '.custom_fields[0]|tojson')" '{"kind":"Loyalty Tier","value":"gold","fieldType":"string","deleted":false}' "custom field read back"
is "$(j '[.custom_fields[]|"\(.kind)=\(.value|tojson):\(.fieldType)"]|join(",")')" \
  'Loyalty Tier="gold":string,Orders=12:integer,Lifetime Value=99.5:float,VIP=true:boolean,Last Purchase="2024-02-29":date' \
  "values normalised to their types"
api POST /contact '{"contact":{"Email":"c@example.com","custom":{"integer--Orders":13}}}'
api GET /contact/c@example.com
is "$(j '[.custom_fields[]|.value|tostring]|join(",")')" "gold,13,99.5,true,2024-02-29" "custom merge: one field changed, the others kept"
api GET /contacts/custom_fields
is "$STATUS" 200 "GET /contacts/custom_fields"
is "$(j 'type')" array "custom_fields is a bare array"
is "$(j '.[0]|tojson')" '{"name":"Loyalty Tier","fieldType":"string","key":"string--Loyalty--Tier"}' "custom field listing"
is "$(j 'length')" 5 "every field created once"
for bad in '"integer--Orders":"abc"' '"integer--Orders":1.5' '"float--Lifetime--Value":"x"' '"boolean--VIP":"maybe"' \
           '"date--Last--Purchase":"2023-02-29"' '"string--Loyalty--Tier":5' '"text--Foo":"x"' '"Foo":"x"' \
           '"integer--Loyalty--Tier":3' '"string--":"x"'; do
  api POST /contact "{\"contact\":{\"Email\":\"c@example.com\",\"custom\":{$bad}}}"
  is "$STATUS|$(j .error)" "400|Bad Request" "custom {$bad} refused"
done
api POST /contact '{"contact":{"Email":"c@example.com","custom":"x"}}'
is "$STATUS" 400 "custom must be an object"
api GET /contacts/custom_fields
is "$(j 'length')" 5 "refused custom fields create no field"
api POST /contact '{"contact":{"Email":"c@example.com","custom":{"integer--Orders":null}}}'
api GET /contact/c@example.com
is "$(j '[.custom_fields[].kind]|index("Orders")')" null "null clears a custom value"

# ---- delete
api DELETE "/contact/$ghost"
is "$STATUS" 204 "DELETE /contact/{id}"
api GET "/contact/$ghost"
is_error 404 "Not Found" "deleted contact is gone"
is "$(j .message)" "Contact could not be found." "the contract's 404 message"
api DELETE /contact/c%40example.com
is "$STATUS" 204 "DELETE by email"
api DELETE /contact/c@example.com
is "$STATUS" 404 "DELETE of an unknown contact"
api GET "/contact/person_WITH%20SPACE"
is_error 404 "Not Found" "an id with an encoded space is just an unknown id"

# ---- paging
control POST /reset
for p in 0 1; do api POST /contacts "$(batch 100 "page$p-")" >/dev/null; done
api POST /contacts "$(batch 50 page2-)"
api GET /contacts
is "$STATUS" 200 "GET /contacts"
is "$(j '[(.contacts|length), .total_contacts]|join(" ")')" "100 250" "first page: 100 of 250"
bm=$(j .bookmark)
is "$bm" "$(j '.contacts[-1].contact_id')" "bookmark is the id of the page's last contact"
seen=$(j '[.contacts[].contact_id]|join("\n")')
api GET "/contacts/$bm"
is "$(j '.contacts|length')" 100 "second page: 100"
seen+=$'\n'$(j '[.contacts[].contact_id]|join("\n")')
bm=$(j .bookmark)
api DELETE "/contact/$bm"
api GET "/contacts/$bm"
is "$(j '[(.contacts|length), .total_contacts, has("bookmark")]|join(" ")')" "50 249 false" \
  "last page: no bookmark (and paging goes on after a deleted bookmark contact)"
seen+=$'\n'$(j '[.contacts[].contact_id]|join("\n")')
is "$(sort -u <<<"$seen" | wc -l)" 250 "pages cover every contact once"
api GET /contacts
is "$(j '[.contacts[0].Email, .contacts[99].Email]|join(" ")')" "page0-0@example.com page0-99@example.com" \
  "pages come in creation order"
api GET /contacts/person_00000000-0000-4000-8000-000000000000
is_error 404 "Not Found" "a bookmark no contact ever had"

sim_stop
done_testing
