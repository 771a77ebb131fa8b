#!/usr/bin/env bash
# ortto_sim_reads.sh: ortto-sim's custom fields (create with kebab-case ids per type, duplicates
# refused, get), person/get paging by limit, offset and cursor, get-by-ids, tags/get and
# audiences/get.
source "$(dirname "$0")/lib.sh"
use_ortto_sim

sim_start --api-key k1 --api-key k2 --windows 0 --clock manual
# bad requests on purpose: keep 15 of them from falling within 15 s (the ban)
call() {
  oapi "$@"
  local status=$STATUS body=$BODY
  control POST /clock '{"advance_ms":2000}'
  STATUS=$status BODY=$body
}

# ---- custom fields
call /person/custom-field/create '{"name":"Loyalty Tier","type":"text"}'
is "$BODY" '{"name":"Loyalty Tier","field_id":"str:cm:loyalty-tier","display_type":"text"}' "create: the id is the name in kebab case"
# TYPE EXPECTED_ID: the name "F<n>  TYPE!" gives "<prefix>:cm:f<n>-<type in kebab case>"
types=(large_text txt:cm:f1-large-text integer int:cm:f2-integer decimal int:cm:f3-decimal currency int:cm:f4-currency
       boolean bol:cm:f5-boolean phone phn:cm:f6-phone date dtz:cm:f7-date time tme:cm:f8-time
       single_select str:cm:f9-single-select multi_select str:cm:f10-multi-select)
for ((i = 0; i < ${#types[@]}; i += 2)); do
  t=${types[i]} want=${types[i + 1]}
  call /person/custom-field/create "{\"name\":\"F$((i / 2 + 1))  $t!\",\"type\":\"$t\"}"
  is "$(j .field_id) $(j .display_type)" "$want $t" "type $t: $want"
done
call /person/custom-field/create '{"name":"  Ünïcode & Co. 2  ","type":"text"}'
is "$(j .field_id)" "str:cm:n-code-co-2" "kebab case keeps ASCII letters and digits, one dash per gap"
call /person/custom-field/create '{"name":"loyalty-TIER","type":"integer"}'
is "$STATUS $(j .error)" "400 A custom field with this name already exists." "a duplicate name (by its kebab form) is refused"
for bad in '{"name":"","type":"text"}' '{"name":"!!!","type":"text"}' '{"name":"X","type":"blob"}' '{"type":"text"}' '{"name":5,"type":"text"}'; do
  call /person/custom-field/create "$bad"
  is "$STATUS" 400 "create refuses $bad"
done
call /person/custom-field/get '{}'
is "$(j '.fields|length')" 12 "custom-field/get lists them all"
is "$(j '.fields[0]|tojson')" '{"field":{"id":"str:cm:loyalty-tier","name":"Loyalty Tier","display_type":"text"}}' \
  "in Ortto's shape, in creation order"
SIM_KEY=k2 call /person/custom-field/get '{}'
is "$BODY" '{"fields":[]}' "each key is its own account"
call /person/merge '{"people":[{"fields":{"str::email":"f@example.com","str:cm:loyalty-tier":"gold","int:cm:f2-integer":1500}}]}'
is "$(j '.people[0].status')" created "a created field is usable in a merge"
control GET /state
is "$(j '.accounts.k1.custom_fields|length')" 12 "the state lists the custom fields"
for n in $(seq 13 100); do oapi /person/custom-field/create "{\"name\":\"Extra $n\",\"type\":\"text\"}"; done
is "$STATUS" 200 "up to 100 custom fields"
call /person/custom-field/create '{"name":"One Too Many","type":"text"}'
is "$STATUS" 400 "the 101st is refused"

# ---- person/get paging
control POST /reset
call /person/merge "$(jq -nc '{people:[range(100)|{fields:{"str::email":"p\(.)@example.com","str::first":"P\(.)"},tags:(if . % 2 == 0 then ["even"] else [] end)}]}')"
call /person/merge "$(jq -nc '{people:[range(100;120)|{fields:{"str::email":"p\(.)@example.com","str::first":"P\(.)"}}]}')"
call /person/get '{}'
is "$(j '[(.contacts|length), .meta.total_contacts, .offset, .next_offset, .has_more]|map(tostring)|join(" ")')" "50 120 0 50 true" \
  "default limit 50"
is "$(j '.contacts[0]|[.fields["str::email"], (.tags|join(","))]|join(" ")')" "p0@example.com even" "people in creation order, with fields and tags"
seen=""
cursor=""
pages=0
while :; do
  call /person/get "{\"limit\":33,\"cursor_id\":\"$cursor\",\"fields\":[\"str::email\"]}"
  seen+=$(j '[.contacts[].fields["str::email"]]|join(",")'),
  pages=$((pages + 1))
  [[ $(j .has_more) == true ]] || break
  cursor=$(j .cursor_id)
  ((pages < 10)) || break
done
is "$pages" 4 "cursor paging: 120 people in pages of 33"
is "$(tr ',' '\n' <<<"$seen" | grep -c .)" 120 "every person once"
is "$(tr ',' '\n' <<<"$seen" | grep . | sort -u | wc -l)" 120 "no one twice"
call /person/get '{"limit":5,"offset":118,"fields":["str::first","tags"]}'
is "$(j '[.contacts[]|.fields|tojson]|join(" ")')" '{"str::first":"P118","tags":[]} {"str::first":"P119","tags":[]}' \
  "offset and limit; fields picks the fields (and tags)"
is "$(j '[.has_more, .cursor_id]|map(tostring)|join(" ")')" "false " "the last page has no cursor"
call /person/get '{"offset":500}'
is "$(j '[(.contacts|length), .has_more]|map(tostring)|join(" ")')" "0 false" "an offset past the end: an empty page"
for bad in '{"limit":0}' '{"limit":501}' '{"limit":"5"}' '{"offset":-1}' '{"cursor_id":"nope"}' '{"cursor_id":"cfff"}' \
           '{"fields":"str::email"}' '{"filter":{"$str::is":{"field_id":"str::email","value":"x"}}}'; do
  call /person/get "$bad"
  is "$STATUS" 400 "person/get refuses $bad"
done
call /person/get '{"limit":500,"filter":{}}'
is "$(j '.contacts|length')" 120 "limit 500 and an empty filter"

# ---- get-by-ids
call /person/get '{"limit":2}'
id0=$(j '.contacts[0].id'); id1=$(j '.contacts[1].id')
call /person/get-by-ids "{\"contact_ids\":[\"$id1\",\"000000000000000000000000\",\"$id0\",\"$id1\"],\"fields\":[\"str::email\"]}"
is "$(j '.contacts|type')" object "get-by-ids: an object keyed by id"
is "$(j '.contacts|keys|length')" 2 "unknown ids left out, repeats once"
is "$(jq -r --arg id "$id0" '.contacts[$id]|[.id, .fields["str::email"]]|join(" ")' <<<"$BODY")" \
  "$id0 p0@example.com" "each keyed by its id"
for bad in '{}' '{"contact_ids":[]}' '{"contact_ids":[1]}' '{"contact_ids":"x"}'; do
  call /person/get-by-ids "$bad"
  is "$STATUS" 400 "get-by-ids refuses $bad"
done

# ---- tags/get and audiences/get
call /tags/get '{}'
is "$BODY" '[{"id":1,"name":"even","count":50}]' "tags/get: a bare array with counts"
call /tags/get '{"q":5}'
is "$STATUS" 400 "q must be a string"
call /audiences/get '{}'
is "$BODY" '[]' "audiences/get: a bare array (none: audiences are made in Ortto's UI)"

sim_stop
done_testing
