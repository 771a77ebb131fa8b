#!/usr/bin/env bash
# cli_postgres_pushdown.sh: a PostgreSQL source in mode pushdown against a real server (tests/run.sh
# runs this file under scripts/with-postgres.sh): the segments run in PostgreSQL and only their
# members come back, with only the columns the rules and the export read; the memberships equal
# those of the same table copied (mode copy) into another store; previews count in PostgreSQL;
# an export into the simulator equals the segments; a day of SQL changes sends only the changes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

need_postgres

setup_store 3000 33 # the generated profiles (and the admin) in $DB, from the file
psql_q <<'SQL' || BAIL_OUT "creating the table failed"
CREATE TABLE people ("CustomerId" text PRIMARY KEY, "Email" text, "FirstName" text, "LastName" text, "Country" text,
  "City" text, "LifetimeValue" numeric(12,2), "Orders" integer, "SignupDate" date, "LastPurchaseDate" date,
  "LoyaltyTier" text, "IsSubscribed" boolean);
SQL
psql_q -c "\\copy people FROM '$TAP_TMP/profiles.csv' CSV HEADER" || BAIL_OUT "loading the table failed"

# The reference: the same table copied whole into a store of its own.
COPY_DB="$TAP_TMP/copy.db"
"$SEGSHIP_BIN" --db "$COPY_DB" init >/dev/null
"$SEGSHIP_BIN" --db "$COPY_DB" source add crm --postgres "$PG" --table people --id CustomerId --replace >/dev/null 2>&1 ||
  BAIL_OUT "copy source failed"

DB="$TAP_TMP/pushdown.db"
seg init >/dev/null || BAIL_OUT "init failed"
seg user add alice --role admin --password-file "$TAP_TMP/pw" >/dev/null || BAIL_OUT "user add failed"
ok "source add --mode pushdown" seg source add crm --postgres "$PG" --table people --id CustomerId --mode pushdown
out=$(seg source add x --postgres "$PG" --table people --id CustomerId --mode pushdown --changed-column Orders 2>&1)
like "$out" "--changed-column is for --mode copy" "pushdown refuses --changed-column, saying why"
is "$(seg profiles count --json | jq .profiles)" 0 "nothing is copied when the source is added"
is "$(seg schema --json | jq -r '[.attributes[] | select(.name == "LifetimeValue" or .name == "SignupDate") | .type] | join(",")')" \
  "real,date" "its columns are attributes already, typed, so segments can be written"

rules=('Country = "spain"' 'LifetimeValue > 300' 'SignupDate before 2019-01-01 and IsSubscribed'
  'LastPurchaseDate within last 2 years' 'in segment "Spain" and not in segment "Big spenders"')
names=("Spain" "Big spenders" "Old subscribers" "Recent buyers" "Spain only")
for i in "${!rules[@]}"; do
  seg segment create "${names[$i]}" --rule "${rules[$i]}" >/dev/null || BAIL_OUT "segment create failed"
  "$SEGSHIP_BIN" --db "$COPY_DB" segment create "${names[$i]}" --rule "${rules[$i]}" >/dev/null || BAIL_OUT "segment create failed"
done

"$SEGSHIP_BIN" --db "$COPY_DB" refresh >/dev/null

# Previews count in PostgreSQL, before anything was copied.
is "$(seg segment preview --rule 'Orders > 5' --json | jq .members)" \
  "$(psql_q -c 'SELECT count(*) FROM people WHERE "Orders" > 5')" "a preview counts in PostgreSQL: Orders > 5"
is "$(seg segment preview --rule 'City = "MÁLAGA"' --json | jq .members)" \
  "$(psql_q -c "SELECT count(*) FROM people WHERE \"City\" = 'Málaga'")" "a preview folds non-ASCII case like the store: City = \"MÁLAGA\""
is "$(seg segment preview --rule 'in segment "Spain only"' --members 5 --json | jq -c .member_ids)" \
  "$("$SEGSHIP_BIN" --db "$COPY_DB" segment preview --rule 'in segment "Spain only"' --members 5 --json | jq -c .member_ids)" \
  "a preview lists the same first members as the copied store"

sim_start --api-key "$KEY1" --rate 0 --seed 5
add_destination ap
ok "configure the export" seg export configure ap --email Email --first-name FirstName --map LoyaltyTier=custom:Tier \
  --segments "Spain,Big spenders,Spain only"

json=$(seg refresh --json); rc=$?
is "$rc" 0 "the first refresh succeeds"
# The members by PostgreSQL's own SQL (the union of the segments).
MEMBER="(lower(\"Country\") = 'spain' OR \"LifetimeValue\" > 300 OR (\"SignupDate\" < '2019-01-01' AND \"IsSubscribed\")
  OR \"LastPurchaseDate\" BETWEEN (current_date - interval '2 years')::date AND current_date)"
members=$(psql_q -c "SELECT count(*) FROM people WHERE $MEMBER")
step=$(jq -r '.steps[] | select(.target == "crm") | .message' <<<"$json")
like "$step" "^segment members: $members read, $members inserted" "only the segments' $members members come back: $step"
is "$(seg profiles count --json | jq .profiles)" "$members" "the store holds the members only"
for n in "${names[@]}"; do
  a=$(seg segment show "$n" --members 100000 --json | jq -c '.member_ids | sort')
  b=$("$SEGSHIP_BIN" --db "$COPY_DB" segment show "$n" --members 100000 --json | jq -c '.member_ids | sort')
  if [[ $a == "$b" && $(jq length <<<"$a") -gt 0 ]]; then pass "segment $n: the same $(jq length <<<"$a") members as in copy mode"
  else fail "segment $n: the same members as in copy mode" "pushdown $(jq length <<<"$a"), copy $(jq length <<<"$b")"; fi
done
some=$(seg segment show Spain --members 1 --json | jq -r '.member_ids[0]')
shown=$(seg profiles show "$some" --json)
is "$(jq -r '.attributes | has("Email") and has("FirstName") and has("LoyaltyTier") and has("Country")' <<<"$shown")" true \
  "a member has the columns the rules and the export read"
is "$(jq -r '[.attributes.City, .attributes.LastName, .attributes.Orders] | map(select(. != null)) | length' <<<"$shown")" 0 \
  "and not the columns nothing reads (City, LastName, Orders)"
exp=$(jq -r '.steps[] | select(.kind == "export") | .status' <<<"$json")
is "$exp" succeeded "the refresh's export succeeded"
is_exact ap "Autopilot holds exactly the segments" contacts

# A day of changes made with SQL.
psql_q <<SQL || BAIL_OUT "the day's changes failed"
DELETE FROM people WHERE "CustomerId" IN (SELECT "CustomerId" FROM people WHERE "Country" = 'Spain' ORDER BY "CustomerId" DESC LIMIT 2);
UPDATE people SET "Country" = 'Spain' WHERE "CustomerId" IN (SELECT "CustomerId" FROM people WHERE NOT $MEMBER ORDER BY "CustomerId" LIMIT 4);
UPDATE people SET "Orders" = "Orders" + 1 WHERE "CustomerId" IN (SELECT "CustomerId" FROM people ORDER BY "CustomerId" LIMIT 50);
INSERT INTO people ("CustomerId", "Email", "FirstName", "Country", "LifetimeValue") VALUES ('N1', 'n1@example.com', 'Ana', 'Spain', 5);
SQL
before=$(writes)
json=$(seg refresh --json)
step=$(jq -r '.steps[] | select(.target == "crm") | .message' <<<"$json")
like "$step" " 5 inserted, 0 updated, [0-9]+ unchanged, 2 deleted" \
  "new members arrive, Orders changes are not even read, the deleted leave: $step"
exp=$(jq -r '.steps[] | select(.kind == "export") | .message' <<<"$json")
like "$exp" ": 5 upserted, " "the export sends only the 5 new members: $exp"
is_exact ap "after the day Autopilot holds exactly the segments"
"$SEGSHIP_BIN" --db "$COPY_DB" refresh >/dev/null
a=$(seg segment show Spain --members 100000 --json | jq -c '.member_ids | sort')
b=$("$SEGSHIP_BIN" --db "$COPY_DB" segment show Spain --members 100000 --json | jq -c '.member_ids | sort')
if [[ $a == "$b" ]]; then pass "after the day segment Spain still equals copy mode's"
else fail "after the day segment Spain still equals copy mode's" "pushdown $(jq length <<<"$a"), copy $(jq length <<<"$b")"; fi

# A segment PostgreSQL cannot evaluate stops the source's step, which then changes nothing.
n0=$(seg profiles count --json | jq .profiles)
seg segment create "Broken later" --rule 'Orders > 100' >/dev/null
psql_q -c 'ALTER TABLE people RENAME COLUMN "Orders" TO "OrderCount"'
json=$(seg refresh --json)
is "$(jq -r '.steps[] | select(.target == "crm") | .status' <<<"$json")" failed "a rule over a column gone from PostgreSQL fails the source's step"
like "$(jq -r '.steps[] | select(.target == "crm") | .message' <<<"$json")" "^segment 'Broken later' cannot be evaluated in PostgreSQL source 'crm' \\(unknown attribute 'Orders'.*nothing changed$" \
  "in one sentence naming the segment"
is "$(seg profiles count --json | jq .profiles)" "$n0" "and nothing changed locally"

done_testing
