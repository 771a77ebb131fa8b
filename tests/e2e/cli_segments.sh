#!/usr/bin/env bash
# cli_segments.sh: segments through the command line: create, list, show with the trend, update,
# preview, composition and cycles, deletion refused while used, membership history across
# refreshes after profiles change, are added and are deleted, and a segment broken by a schema
# change reported while the others refresh.
source "$(dirname "$0")/lib.sh"
: "${SEGSHIP_BIN:=$TAP_ROOT/build/segship}"
DB="$TAP_TMP/store.db"
seg() { "$SEGSHIP_BIN" --db "$DB" "$@"; }

seg init >/dev/null
cat >"$TAP_TMP/p1.csv" <<'CSV'
CustomerId,Email,Country,City,LifetimeValue,Orders,SignupDate,IsSubscribed,Tier
1,a@x.com,Spain,Málaga,900.5,12,2020-01-10,true,gold
2,b@x.com,spain,Madrid,120,2,2023-05-01,false,silver
3,c@x.com,France,Lyon,50,1,2021-07-15,true,bronze
4,d@x.com,Germany,Köln,700,8,2019-03-03,true,gold
5,e@x.com,,,,0,2024-02-02,false,
CSV
seg profiles import "$TAP_TMP/p1.csv" >/dev/null

ids() { seg segment show "$1" --members 100 --json | jq -r '.member_ids | join(",")'; }

ok "create a segment" seg segment create "Spain" --rule 'Country = "spain"' --description "customers in Spain"
is "$(ids Spain)" "1,2" "text comparison is case-insensitive"
out=$(seg segment create VIP --rule 'LifetimeValue > 500 and IsSubscribed' --json)
is "$(jq .members <<<"$out")" 2 "create reports the member count"
ok "composition" seg segment create "VIP in Spain" --rule 'in segment "VIP" and in segment "Spain"'
is "$(ids "VIP in Spain")" "1" "intersect through 'in segment'"
ok "except" seg segment create "Not Spain" --rule 'not in segment "Spain"'
is "$(ids "Not Spain")" "3,4,5" "except includes profiles without a Country"
out=$(seg segment create Bad --rule 'Contry = "Spain"' 2>&1); rc=$?
is "$rc" 1 "an unknown attribute is refused"
like "$out" "did you mean 'Country'" "with the nearest name"
out=$(seg segment create Bad --rule 'LifetimeValue = "abc"' 2>&1)
like "$out" "LifetimeValue is a number" "a type error says which types met"
out=$(seg segment create Bad --rule '(Country = "Spain"' 2>&1); rc=$?
is "$rc" 1 "unbalanced parentheses are refused"
out=$(seg segment create Spain --rule 'Orders > 1' 2>&1); rc=$?
is "$rc" 1 "a duplicate name is refused"
out=$(seg segment update Spain --rule 'in segment "VIP in Spain"' 2>&1); rc=$?
is "$rc" 1 "a cycle of segments is refused"
like "$out" "Spain" "naming the segments"
is "$(seg segment list --json | jq '.segments | length')" 4 "refused segments were not saved"
is "$(seg segment preview --rule 'Orders >= 2' --json | jq .members)" 3 "preview counts without saving"

# ---- deletion is refused while another segment uses it
out=$(seg segment delete VIP 2>&1); rc=$?
is "$rc" 1 "a segment another uses cannot be deleted"
like "$out" "used by segment 'VIP in Spain'" "naming the user"

# ---- history across refreshes: changes, additions, deletions
cat >"$TAP_TMP/p2.csv" <<'CSV'
CustomerId,Email,Country,City,LifetimeValue,Orders,SignupDate,IsSubscribed,Tier
1,a@x.com,Spain,Málaga,900.5,12,2020-01-10,true,gold
3,c@x.com,Spain,Sevilla,50,1,2021-07-15,true,bronze
4,d@x.com,Germany,Köln,700,8,2019-03-03,true,gold
5,e@x.com,,,,0,2024-02-02,false,
6,f@x.com,SPAIN,Cádiz,10,1,2024-06-01,true,bronze
CSV
seg profiles import "$TAP_TMP/p2.csv" --replace >/dev/null # 2 deleted, 3 moved to Spain, 6 new
out=$(seg segment refresh --json)
is "$(jq -r '.segments[] | select(.name == "Spain") | "\(.members) +\(.joined) -\(.left)"' <<<"$out")" "3 +2 -1" "refresh records who joined and left"
is "$(ids Spain)" "1,3,6" "the membership follows the profiles"
show=$(seg segment show Spain --json)
is "$(jq '.history | length' <<<"$show")" 2 "show has the trend of the refreshes"
is "$(jq -r '[.history[].members] | join(",")' <<<"$show")" "3,2" "newest first"
like "$(seg segment show Spain)" "recent refreshes" "the text form shows the trend"

# ---- a schema change breaks a segment: reported, the others refresh
ok "a segment on Tier" seg segment create Gold --rule 'Tier = "gold"'
seg schema drop Tier 2>/dev/null
out=$(seg segment refresh --json); rc=$?
is "$rc" 1 "a refresh with a broken segment exits 1"
is "$(jq -r '.segments[] | select(.name == "Gold") | .status' <<<"$out")" broken "the broken segment is reported"
like "$(jq -r '.segments[] | select(.name == "Gold") | .error' <<<"$out")" "Tier" "naming what is missing"
is "$(jq '[.segments[] | select(.status == "refreshed")] | length' <<<"$out")" 4 "the others were refreshed"
is "$(seg segment list --json | jq -r '.segments[] | select(.name == "Gold") | .status')" broken "list shows it broken"
ok "fix the rule" seg segment update Gold --rule 'LifetimeValue > 800'
is "$(seg segment list --json | jq -r '.segments[] | select(.name == "Gold") | .status')" ok "and it is sound again"

# ---- widening a type re-checks rules
ok "a numeric segment" seg segment create Busy --rule 'Orders > 5'
printf 'CustomerId,Orders\n7,many\n' >"$TAP_TMP/p3.csv"
out=$(seg profiles import "$TAP_TMP/p3.csv" 2>&1)
like "$out" "no longer fit" "an import that widens a type warns about the segments it breaks"
is "$(seg segment list --json | jq -r '.segments[] | select(.name == "Busy") | .status')" broken "and marks them broken"

# ---- injection attempts are inert
ok "quotes and SQL in values" seg segment create Inject --rule "City = \"x'; DROP TABLE profiles; --\" or City contains \"/*\""
is "$(seg profiles count)" 6 "profiles are still there"
is "$(ids Inject)" "" "and the rule matched nothing"

ok "delete a segment" seg segment delete Inject
seg segment show Inject >/dev/null 2>&1
is "$?" 1 "it is gone"

done_testing
