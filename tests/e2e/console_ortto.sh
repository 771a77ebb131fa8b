#!/usr/bin/env bash
# console_ortto.sh: adding an Ortto destination in the console, with curl against ortto-sim: the
# type and the region offered on Add destination, an unknown region refused with the regions to
# choose from and nothing saved, Connect naming the Ortto account, Save storing an Ortto
# destination whose key is not echoed, and an Autopilot destination unaffected by the region.
source "$(dirname "$0")/lib.sh"
use_ortto_sim
SIM_TYPE=ortto
source "$(dirname "$0")/segship_lib.sh"
source "$(dirname "$0")/console_lib.sh"

sim_start --api-key "$KEY1" --windows 0 --seed 3
setup_store 50 5
console_start
sign_in admin alice 'correct horse battery'
is "$STATUS" 303 "an admin signs in"

web admin GET /destinations/new
like "$BODY" 'name="type" value="ortto"' "Add destination offers Ortto as a type"
like "$BODY" '<select id="region" name="region"' "and a region"
for r in global eu au; do like "$BODY" "<option value=\"$r\"" "region $r is offered"; done

# an unknown region, with the service's own address: refused before any connection
web admin POST /destinations/new --data-urlencode "csrf=$CSRF" --data-urlencode "action=connect" \
  --data-urlencode "type=ortto" --data-urlencode "region=mars" --data-urlencode "display_name=Mars" \
  --data-urlencode "api_key=$KEY1" --data-urlencode "api_url="
is "$STATUS" 400 "an unknown region is refused"
like "$BODY" "Choose the account&#39;s region: global, eu or au|Choose the account's region: global, eu or au" \
  "with the regions to choose from"
unlike "$BODY" "$KEY1" "and the key is not echoed back"
is "$(seg destination list --json | jq '.destinations | length')" 0 "nothing was saved"

# Connect and Save an Ortto destination at the simulator's address (the address wins over the region)
web admin POST /destinations/new --data-urlencode "csrf=$CSRF" --data-urlencode "action=connect" \
  --data-urlencode "type=ortto" --data-urlencode "region=eu" --data-urlencode "display_name=Ortto EU" \
  --data-urlencode "api_key=$KEY1" --data-urlencode "api_url=$SIM_URL"
is "$STATUS" 200 "Connect reaches the Ortto account"
like "$BODY" "Connected: the key opens the Ortto account" "and says it is Ortto's"
like "$BODY" '<option value="eu" selected>' "the chosen region is kept on the form"
unlike "$BODY" "$KEY1" "the key is not echoed back"
web admin POST /destinations/new --data-urlencode "csrf=$CSRF" --data-urlencode "action=save" \
  --data-urlencode "type=ortto" --data-urlencode "region=eu" --data-urlencode "display_name=Ortto EU" \
  --data-urlencode "api_key=" --data-urlencode "api_url=$SIM_URL" --data-urlencode "agree=1" \
  --data-urlencode "export_user=alice"
is "$STATUS" 303 "Save stores the destination"
json=$(seg destination show "Ortto EU" --json)
is "$(jq -r .type <<<"$json")" ortto "it is an Ortto destination"
is "$(jq -r .api_url <<<"$json")" "$SIM_URL" "at the address given"
unlike "$json" "$KEY1" "its key is not shown"
isnt "$(sqlite3 "$DB" 'SELECT count(*) FROM destinations' 2>/dev/null)" "" "the store holds it"
unlike "$(sqlite3 "$DB" .dump 2>/dev/null)" "$KEY1" "and never the key in clear"

# the destination's mapping: the further mappings' text is the whole list, so emptying it clears it
seg segment create Spain --rule 'Country = "spain"' >/dev/null
web admin GET "/destination?name=Ortto%20EU"
is "$STATUS" 200 "the destination's page opens"
web admin POST /destination/save --data-urlencode "csrf=$CSRF" --data-urlencode "name=Ortto EU" \
  --data-urlencode "email=Email" --data-urlencode "first_name=FirstName" --data-urlencode "last_name=" \
  --data-urlencode "segment=Spain" --data-urlencode $'fields=City=city\nLoyaltyTier=custom:Tier'
is "$STATUS" 303 "Save stores the mapping"
json=$(seg export show "Ortto EU" --json)
like "$json" '"City"' "City is mapped"
like "$json" '"Tier"' "and LoyaltyTier to the custom field Tier"
web admin POST /destination/save --data-urlencode "csrf=$CSRF" --data-urlencode "name=Ortto EU" \
  --data-urlencode "email=Email" --data-urlencode "first_name=FirstName" --data-urlencode "last_name=" \
  --data-urlencode "segment=Spain" --data-urlencode "fields="
is "$STATUS" 303 "Save with the further mappings emptied"
json=$(seg export show "Ortto EU" --json)
unlike "$json" '"City"' "clears City's mapping"
unlike "$json" '"Tier"' "and Tier's"
like "$json" '"FirstName"' "and keeps the first name"

done_testing
