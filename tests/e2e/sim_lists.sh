#!/usr/bin/env bash
# sim_lists.sh: list calls over HTTP (create, 409, membership by id or email, paging), the
# _autopilot_list field in both --list-field modes, opaque list ids (spaces, encoded), and the
# rest of the contract: smart segments, triggers, REST hooks.
source "$(dirname "$0")/lib.sh"

sim_start --api-key k1 --rate 0

# ---- lists
api GET /lists
is "$STATUS|$BODY" '200|{"lists":[]}' "GET /lists on a new account"
api POST /list '{"name":"High value"}'
is "$STATUS" 200 "POST /list"
vip=$(j .list_id)
like "$vip" '^contactlist_[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$' "list ids are contactlist_ + upper-case UUID"
api POST /list '{"name":"High value"}'
is_error 409 "Conflict" "duplicate list title"
is "$(j .message)" "A list with this name already exists." "409 message of the contract"
api POST /list '{"name":"high value"}'
is "$STATUS" 200 "titles are compared exactly (case matters)"
for bad in '{}' '{"name":""}' '{"name":3}' '{"title":"x"}'; do
  api POST /list "$bad"
  is "$STATUS" 400 "POST /list $bad refused"
done
api GET /lists
is "$(j '[.lists[].title]|join(",")')" "High value,high value" "GET /lists in creation order"
is "$(j '.lists[0]|keys|join(",")')" "list_id,title" "list objects: list_id and title"

# ---- _autopilot_list (default: always)
api POST /contact '{"contact":{"Email":"old@example.com"}}'
old=$(j .contact_id)
api POST /contacts "{\"contacts\":[{\"Email\":\"new@example.com\",\"_autopilot_list\":\"$vip\"},{\"Email\":\"old@example.com\",\"_autopilot_list\":\"$vip\"}]}"
is "$STATUS" 200 "bulk upsert with _autopilot_list"
new=$(j '.email_contact_map["new@example.com"]')
api GET "/list/$vip/contact/$new"
is "$STATUS" 200 "a created contact joins the list"
api GET "/list/$vip/contact/$old"
is "$STATUS" 200 "an existing contact joins the list too (--list-field always)"
api GET "/contact/$old"
is "$(j '.lists|join(",")')" "$vip" "the contact object lists its lists"
api POST /contacts '{"contacts":[{"Email":"x@example.com","_autopilot_list":"contactlist_NOPE"}]}'
is_error 400 "Bad Request" "an unknown _autopilot_list refuses the call"
api GET /contact/x@example.com
is "$STATUS" 404 "and applies nothing"
api POST /contacts '{"contacts":[{"Email":"x@example.com","_autopilot_list":7}]}'
is "$STATUS" 400 "_autopilot_list must be a string"

# ---- membership calls
api GET "/list/$vip/contact/nobody@example.com"
is_error 404 "Not Found" "membership of an unknown contact"
api POST /contact '{"contact":{"Email":"solo@example.com"}}'
solo=$(j .contact_id)
api GET "/list/$vip/contact/$solo"
is_error 404 "Not Found" "not a member"
api POST "/list/$vip/contact/solo%40example.com"
is "$STATUS" 200 "POST /list/{id}/contact/{email}"
api POST "/list/$vip/contact/$solo"
is "$STATUS" 200 "adding twice is fine"
api GET "/list/$vip/contact/SOLO@example.com"
is "$STATUS" 200 "member, found by email in any case"
api GET "/list/$vip/contacts"
is "$(j '[(.contacts|length), .total_contacts, has("bookmark")]|map(tostring)|join(" ")')" "3 3 false" "GET /list/{id}/contacts"
api DELETE "/list/$vip/contact/$solo"
is "$STATUS" 200 "DELETE /list/{id}/contact/{id}"
api GET "/list/$vip/contact/$solo"
is "$STATUS" 404 "removed from the list"
api DELETE "/list/$vip/contact/$solo"
is "$STATUS" 200 "removing a non-member is a no-op 200"
api GET "/contact/$solo"
is "$STATUS|$(j '.lists|length')" "200|0" "removing from a list keeps the contact"
api POST "/list/contactlist_NOPE/contact/$solo"
is_error 404 "Not Found" "unknown list"
is "$(j .message)" "List could not be found." "unknown list message"
api GET /list/contactlist_NOPE/contacts
is "$STATUS" 404 "contacts of an unknown list"
api DELETE "/contact/$new"
api GET "/list/$vip/contacts"
is "$(j .total_contacts)" 1 "deleting a contact removes it from its lists"
control GET /state
is "$(j ".accounts.k1.lists[0].contacts|join(\",\")")" "$old" "state: list members by id"

# ---- list paging
api POST /list '{"name":"Big"}'
big=$(j .list_id)
for p in 0 1; do
  api POST /contacts "$(jq -cn --arg l "$big" --arg p "$p" '{contacts:[range(100)|{Email:"big\($p)-\(.)@example.com",_autopilot_list:$l}]}')"
done
api POST /contacts "$(jq -cn --arg l "$big" '{contacts:[range(30)|{Email:"big2-\(.)@example.com",_autopilot_list:$l}]}')"
api GET "/list/$big/contacts"
is "$(j '[(.contacts|length), .total_contacts]|join(" ")')" "100 230" "list page 1"
is "$(j '.contacts[0].Email')" "big0-0@example.com" "list pages in the order contacts joined"
bm=$(j .bookmark)
api DELETE "/list/$big/contact/$bm"
api GET "/list/$big/contacts/$bm"
is "$STATUS|$(j '.contacts[0].Email')" "200|big1-0@example.com" "paging goes on after the bookmark contact left the list"
bm=$(j .bookmark)
api DELETE "/contact/$bm"
api GET "/list/$big/contacts/$bm"
is "$(j '[(.contacts|length), .total_contacts, has("bookmark")]|map(tostring)|join(" ")')" "30 228 false" \
  "... and after it was deleted; page 3 is the last"
tail_id=$(j '.contacts[-1].contact_id')
api POST "/list/$big/contact/big0-99@example.com"
api GET "/list/$big/contacts/$tail_id"
is "$(j '[.contacts[].Email]|join(",")')" "big0-99@example.com" "a contact that re-joins goes to the end"
api GET "/list/$big/contacts/$old"
is_error 404 "Not Found" "a bookmark that was never on the list"

# ---- opaque list ids: spaces and odd characters, as some real accounts have
control POST /lists '{"key":"k1","title":"Legacy","list_id":"contactlist_with space/and slash"}'
is "$STATUS" 200 "control endpoint seeds a list with a chosen id"
enc=$(urlencode "contactlist_with space/and slash")
api POST "/list/$enc/contact/$old"
is "$STATUS" 200 "URL-encoded list id with a space and a slash"
api GET "/list/$enc/contacts"
is "$(j '.contacts[0].contact_id')" "$old" "the list answers under its encoded id"
api GET "/contact/$old"
is "$(j '.lists|index("contactlist_with space/and slash") != null')" true "the contact lists the odd id"
api POST /contacts "$(jq -cn '{contacts:[{Email:"odd@example.com",_autopilot_list:"contactlist_with space/and slash"}]}')"
is "$STATUS" 200 "_autopilot_list with the odd id"
api GET "/list/contactlist_with%20space/contacts"
is "$STATUS" 404 "a prefix of the id is another (unknown) list"

# ---- --list-field create-only
sim_start --api-key k1 --rate 0 --list-field create-only
api POST /list '{"name":"L"}'
l=$(j .list_id)
api POST /contact '{"contact":{"Email":"exists@example.com"}}'
ex=$(j .contact_id)
api POST /contacts "{\"contacts\":[{\"Email\":\"exists@example.com\",\"_autopilot_list\":\"$l\"},{\"Email\":\"born@example.com\",\"_autopilot_list\":\"$l\"}]}"
born=$(j '.email_contact_map["born@example.com"]')
api GET "/list/$l/contact/$born"
is "$STATUS" 200 "create-only: a created contact joins the list"
api GET "/list/$l/contact/$ex"
is "$STATUS" 404 "create-only: an existing contact does not"
control POST /faults '{"list_field":"always"}'
api POST /contacts "{\"contacts\":[{\"Email\":\"exists@example.com\",\"_autopilot_list\":\"$l\"}]}"
api GET "/list/$l/contact/$ex"
is "$STATUS" 200 "switched to always at run time: the existing contact joins"

# ---- smart segments, triggers, hooks
api GET /smart_segments
is "$STATUS|$BODY" '200|{"segments":[]}' "GET /smart_segments"
api GET /smart_segments/seg_1/contacts
is "$STATUS" 404 "contacts of an unknown smart segment"
api GET /triggers
is "$STATUS|$(j '.triggers[0].trigger_id')" "200|0001" "GET /triggers"
api POST "/trigger/0001/contact/exists@example.com"
is "$STATUS" 200 "POST /trigger/{id}/contact/{email}"
api POST "/trigger/0002/contact/exists@example.com"
is "$STATUS" 404 "unknown trigger"
api POST "/trigger/0001/contact/nobody@example.com"
is "$STATUS" 404 "trigger for an unknown contact"
api GET /hooks
is "$BODY" '{"hooks":[]}' "GET /hooks"
api POST /hook '{"event":"contact_added","target_url":"http://127.0.0.1:9/hook"}'
is "$STATUS" 201 "POST /hook is 201"
hook=$(j .hook_id)
is "$(j .id)" "$hook" "POST /hook returns id and hook_id"
like "$hook" '^hook_[0-9A-F-]{36}$' "hook ids are hook_ + UUID"
api POST /hook '{"event":"contact_exploded","target_url":"http://127.0.0.1:9/"}'
is "$STATUS" 400 "unknown hook event"
api POST /hook '{"event":"contact_added","target_url":"ftp://x"}'
is "$STATUS" 400 "hook target must be http(s)"
api POST /hook '{"event":"contact_updated","target_url":"https://example.com/h"}'
api GET /hooks
is "$(j '[.hooks[].event]|join(",")')" "contact_added,contact_updated" "hooks listed"
api DELETE "/hook/$hook"
is "$STATUS" 200 "DELETE /hook/{id}"
api DELETE "/hook/$hook"
is "$STATUS" 404 "DELETE of an unknown hook"
api DELETE /hooks
is "$STATUS" 200 "DELETE /hooks"
api GET /hooks
is "$BODY" '{"hooks":[]}' "all hooks gone"

sim_stop
done_testing
