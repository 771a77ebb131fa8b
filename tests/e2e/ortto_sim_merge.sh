#!/usr/bin/env bash
# ortto_sim_merge.sh: POST /v1/person/merge as ortto-sim implements it: per-person statuses, the
# three merge strategies, null clearing, merge_by str::ei + str::email with find_strategy,
# skip_non_existing, tags and unset_tags, suppressed emails, 1..100 people, field ids and value
# types, and the 400 "No valid contacts provided" with its details.
source "$(dirname "$0")/lib.sh"
use_ortto_sim

# The manual clock moves 2 s after each merge: this script sends many bad requests on purpose, and
# 15 of them within 15 s would ban it (ortto_sim_basics tests the ban).
sim_start --api-key k1 --windows 0 --clock manual
merge() {
  oapi /person/merge "$1"
  local status=$STATUS body=$BODY
  control POST /clock '{"advance_ms":2000}'
  STATUS=$status BODY=$body
}
people_count() { control GET "/state?key=k1"; j '.accounts.k1.people|length'; }
pj() { control GET "/state?key=k1"; jq -rc "$1" <<<"$BODY"; }

# ---- create, then merge (strategy 2, the default)
merge '{"people":[{"fields":{"str::email":"ana@example.com","str::first":"Ana","str::last":"Ruiz"}},
                  {"fields":{"str::email":"ben@example.com","str::first":"Ben"}}],"merge_by":["str::email"]}'
is "$STATUS" 200 "merge answers 200"
is "$(j '[.people[].status]|join(",")')" "created,created" "two new people: created, created"
like "$(j '.people[0].person_id')" '^[0-9a-f]{24}$' "person_id is 24 hex digits"
ana=$(j '.people[0].person_id')
merge '{"people":[{"fields":{"str::email":"ANA@example.com","str::last":"Soto","str::postal":"28001"}}]}'
is "$(j '.people[0]|[.person_id,.status]|join(" ")')" "$ana merged" "the same email, any case: merged into the same person"
is "$(pj '.accounts.k1.people[0].fields|[.["str::first"],.["str::last"],.["str::postal"]]|join(",")')" "Ana,Soto,28001" \
  "strategy 2: sent fields overwrite, others are kept"
merge '{"people":[{"fields":{"str::email":"ana@example.com","str::last":null}}],"merge_strategy":2}'
is "$(pj '.accounts.k1.people[0].fields|has("str::last")')" false "strategy 2: null clears a field"
is "$(people_count)" 2 "no one was added"

# ---- strategy 1: append only; strategy 3: ignore
merge '{"people":[{"fields":{"str::email":"ana@example.com","str::first":"Anna","str::last":"Lopez"}}],"merge_strategy":1}'
is "$(j '.people[0].status')" merged "strategy 1 merges"
is "$(pj '.accounts.k1.people[0].fields|[.["str::first"],.["str::last"]]|join(",")')" "Ana,Lopez" \
  "strategy 1: an empty field is filled, a set one is left"
merge '{"people":[{"fields":{"str::email":"ana@example.com","str::first":null}}],"merge_strategy":1}'
is "$(pj '.accounts.k1.people[0].fields["str::first"]')" "Ana" "strategy 1: null clears nothing"
merge '{"people":[{"fields":{"str::email":"ana@example.com","str::first":"Zed"},"tags":["t3"]},
                  {"fields":{"str::email":"cat@example.com","str::first":"Cat"}}],"merge_strategy":3}'
is "$(j '[.people[].status]|join(",")')" "merged,created" "strategy 3: existing merged (untouched), new created"
is "$(pj '.accounts.k1.people[0]|[.fields["str::first"], (.tags|length)]|map(tostring)|join(",")')" "Ana,0" \
  "strategy 3: an existing person is untouched, tags included"
merge '{"people":[{"fields":{"str::email":"x@example.com"}}],"merge_strategy":4}'
is "$STATUS" 400 "merge_strategy 4 is refused"

# ---- merge_by str::ei then str::email: a changed email updates the same person
control POST /reset
body='{"people":[{"fields":{"str::ei":"p1","str::email":"dan@example.com","str::first":"Dan"}}],"merge_by":["str::ei","str::email"]}'
merge "$body"
dan=$(j '.people[0].person_id')
is "$(j '.people[0].status')" created "ei + email: created"
merge '{"people":[{"fields":{"str::ei":"p1","str::email":"daniel@example.com"}}],"merge_by":["str::ei","str::email"]}'
is "$(j '.people[0]|[.person_id,.status]|join(" ")')" "$dan merged" "a new email with the same ei: the same person"
is "$(pj '[.accounts.k1.people[].fields["str::email"]]|join(",")')" "daniel@example.com" "the email changed, no one added"
merge '{"people":[{"fields":{"str::ei":"p2","str::email":"daniel@example.com"}}],"merge_by":["str::ei","str::email"]}'
is "$(j '.people[0]|[.person_id,.status]|join(" ")')" "$dan merged" "find_strategy 0: an unknown ei, then the email finds him"
is "$(pj '.accounts.k1.people[0].fields["str::ei"]')" "p2" "and strategy 2 overwrites his ei"
merge '{"people":[{"fields":{"str::ei":"p9","str::email":"daniel@example.com"}}],"merge_by":["str::ei","str::email"],"find_strategy":1}'
is "$(j '[.people[0].status,.people[0].error]|join(" ")')" "invalid Another person already has this str::email." \
  "find_strategy 1: the email is not tried when the ei was sent; a second daniel would clash"
merge '{"people":[{"fields":{"str::email":"daniel@example.com","str::first":"Danny"}}],"merge_by":["str::ei","str::email"],"find_strategy":1}'
is "$(j '.people[0]|[.person_id,.status]|join(" ")')" "$dan merged" "find_strategy 1: no ei sent, the email finds him"
merge '{"people":[{"fields":{"str::ei":"p2","str::email":"other@example.com"}}],"merge_by":["str::ei","str::email"],"find_strategy":2}'
is "$(j '.people[0].status')" invalid "find_strategy 2: ei matches but email does not: not him, and his ei cannot be reused"
merge '{"people":[{"fields":{"str::ei":"p2","str::email":"daniel@example.com"}}],"merge_by":["str::ei","str::email"],"find_strategy":2}'
is "$(j '.people[0]|[.person_id,.status]|join(" ")')" "$dan merged" "find_strategy 2: both match"
merge '{"people":[{"fields":{"str::email":"x@example.com"}}],"merge_by":["str::email"],"find_strategy":1}'
is "$STATUS" 400 "find_strategy 1 with one merge_by field is refused"
for bad in '["str::first"]' '[]' '["str::ei","str::ei"]' '"str::email"' '["str::ei","str::email","str::ei"]'; do
  merge "{\"people\":[{\"fields\":{\"str::email\":\"x@example.com\"}}],\"merge_by\":$bad}"
  is "$STATUS" 400 "merge_by $bad is refused"
done

# ---- skip_non_existing
merge '{"people":[{"fields":{"str::email":"daniel@example.com","str::last":"Diaz"}},{"fields":{"str::email":"new@example.com"}}],"skip_non_existing":true}'
is "$(j '[.people[].status]|join(",")')" "merged,skipped" "skip_non_existing: the existing one merged, the new one skipped"
is "$(people_count)" 1 "and nobody created"

# ---- tags
control POST /reset
merge '{"people":[{"fields":{"str::email":"a@example.com"},"tags":["segship: Spain","segship: VIP"]},
                  {"fields":{"str::email":"b@example.com"},"tags":["segship: Spain"]}]}'
is "$(pj '[.accounts.k1.people[].tags|join("+")]|join(",")')" "segship: Spain+segship: VIP,segship: Spain" "tags are added"
is "$(pj '.accounts.k1.tags|join(",")')" "segship: Spain,segship: VIP" "and created on first use"
merge '{"people":[{"fields":{"str::email":"a@example.com"},"unset_tags":["segship: Spain","never-seen"],"tags":["segship: Lapsed"]},
                  {"fields":{"str::email":"b@example.com"},"unset_tags":["segship: VIP"]}]}'
is "$(pj '[.accounts.k1.people[].tags|join("+")]|join(",")')" "segship: VIP+segship: Lapsed,segship: Spain" \
  "joins and leaves in one call; removing an absent tag does nothing"
oapi /tags/get '{}'
is "$(j 'map("\(.id):\(.name):\(.count)")|join(",")')" "1:segship: Spain:1,2:segship: VIP:1,3:segship: Lapsed:1" \
  "tags/get: a bare array with ids and counts"
oapi /tags/get '{"q":"vip"}'
is "$(j 'map(.name)|join(",")')" "segship: VIP" "tags/get q filters by name, any case"
merge '{"people":[{"fields":{"str::email":"a@example.com"},"tags":["x"],"unset_tags":["x"]}]}'
is "$STATUS" 400 "a tag in both tags and unset_tags: the person is invalid (and alone, a 400)"
like "$(j '.details[0].error')" "both tags and unset_tags" "the detail says why"
merge '{"people":[{"fields":{"str::email":"a@example.com"},"tags":"x"}]}'
is "$STATUS" 400 "tags must be an array"

# ---- suppressed emails
control POST /suppress '{"email":"B@example.com"}'
is "$BODY" '{"suppressed":"B@example.com"}' "POST /__sim/suppress"
merge '{"people":[{"fields":{"str::email":"b@example.com","str::first":"Bea"}},{"fields":{"str::email":"c@example.com"}}]}'
is "$(j '.people[0]|[.status,.error]|join(",")')" "suppressed,Email is suppressed" "a suppressed email: status suppressed"
is "$(j '.people[1].status')" created "the others go on"
is "$(pj '.accounts.k1.people[1].fields|has("str::first")')" false "nothing about the suppressed person changed"

# ---- how many people
merge '{"people":[]}'
is "$STATUS" 400 "0 people: 400"
like "$(j .error)" "1 to 100" "the message gives the range"
many=$(jq -nc '{people:[range(100)|{fields:{"str::email":"m\(.)@example.com"}}]}')
merge "$many"
is "$(j '[.people[]|select(.status=="created")]|length')" 100 "100 people in one call"
many=$(jq -nc '{people:[range(101)|{fields:{"str::email":"n\(.)@example.com"}}]}')
merge "$many"
is "$STATUS" 400 "101 people: 400"
merge '{"merge_by":["str::email"]}'
is "$STATUS" 400 "no people at all: 400"

# ---- field ids and value types
oapi /person/custom-field/create '{"name":"Orders","type":"integer"}'
merge '{"people":[{"fields":{"str::email":"t@example.com"}}]}'
s255=$(printf 'x%.0s' $(seq 255))
ok_values=(
  '"str::first":"'"$s255"'"' '"int:cm:orders":7' '"int:cm:orders":-3' '"bol::gdpr":true' '"geo::city":{"name":"Madrid"}'
  '"dtz::b":{"year":1992,"month":2,"day":29}' '"dtz::b":{"year":1990,"month":1,"day":31,"timezone":"Europe/Madrid"}'
  '"phn::phone":{"c":"34","n":"600123456"}' '"phn::phone":{"n":"600123456"}' '"str::first":"Łukasz ñ 日本"' '"geo::country":null'
)
for v in "${ok_values[@]}"; do
  merge '{"people":[{"fields":{"str::email":"t@example.com",'"$v"'}}]}'
  is "$STATUS $(j '.people[0].status')" "200 merged" "accepted: ${v:0:60}"
done
bad_values=(
  '"str::first":"'"${s255}y"'"' '"str::first":5' '"int:cm:orders":7.5' '"int:cm:orders":"7"' '"bol::gdpr":"yes"'
  '"geo::city":"Madrid"' '"geo::city":{"name":""}' '"dtz::b":{"year":1990,"month":2,"day":29}' '"dtz::b":"1990-01-01"'
  '"phn::phone":"600123456"' '"phn::phone":{"n":"60x"}' '"str::nope":"x"' '"str:cm:missing":"x"' '"nocolon":"x"'
  '"str:zz:x":"x"'
)
for v in "${bad_values[@]}"; do
  merge '{"people":[{"fields":{"str::email":"t@example.com",'"$v"'}}]}'
  is "$STATUS" 400 "refused: ${v:0:60}"
done
merge '{"people":[{"fields":{"str::email":"not-an-email"}}]}'
is "$(j .details[0].error)" 'Field "str::email" must be an email address.' "an email that is not one"
merge '{"people":[{"fields":{"str::first":"NoId"}}]}'
is "$(j .details[0].error)" "A person needs str::email or str::ei." "neither str::email nor str::ei"
merge '{"people":[{"fields":{"str::ei":"only-ei"}}],"merge_by":["str::email"]}'
is "$(j .details[0].error)" "A person needs a value for one of the merge_by fields." "no value for the merge_by field"

# ---- a mixed batch, and one with no valid person
merge '{"people":[{"fields":{"str::email":"ok1@example.com"}},{"fields":{"str::email":"ok2@example.com","int:cm:orders":"x"}},"nope"]}'
is "$STATUS" 200 "a mixed batch answers 200"
is "$(j '[.people[].status]|join(",")')" "created,invalid,invalid" "one entry per person, in order"
like "$(j '.people[1].error')" "int:cm:orders" "the invalid entry names the field"
merge '{"people":[{"fields":{"str::email":"bad"}},{"fields":{}}]}'
is "$STATUS" 400 "no valid person: 400"
is "$(j .error)" "No valid contacts provided (2 people, none valid)" "the 400's error"
is "$(j '[.details[]|.status]|join(",")')" "invalid,invalid" "details: one per person"
is "$(j '.code')" 400 "in Ortto's error shape"
before=$(people_count)
merge '{"people":[{"fields":{"str::email":"bad"}}]}'
is "$(people_count)" "$before" "a refused call applies nothing"

sim_stop
done_testing
