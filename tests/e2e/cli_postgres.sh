#!/usr/bin/env bash
# cli_postgres.sh: a PostgreSQL source against a real server (scripts/with-postgres.sh starts one;
# tests/run.sh runs this file under it): a table of generated profiles copied into the store
# (the same profiles, and segments, as a file import of the same rows), an export into the
# simulator equal to the segments, a day of SQL UPDATE/INSERT/DELETE arriving as only those
# changes, and the failures: a password in the URI, a server that is down, a refused login, a
# statement timeout, a query that tries to write; the password never shown or stored.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

need_postgres

# ---- the source table: 3000 generated profiles, with a changed-at column
setup_store 3000 21
psql_q <<'SQL' || BAIL_OUT "creating the table failed"
CREATE TABLE people ("CustomerId" text PRIMARY KEY, "Email" text, "FirstName" text, "LastName" text, "Country" text,
  "City" varchar(80), "LifetimeValue" numeric(12,2), "Orders" integer, "SignupDate" date, "LastPurchaseDate" date,
  "LoyaltyTier" char(8), "IsSubscribed" boolean, "Notes" jsonb, updated_at timestamptz NOT NULL DEFAULT '2026-01-01');
SQL
psql_q -c "\\copy people(\"CustomerId\",\"Email\",\"FirstName\",\"LastName\",\"Country\",\"City\",\"LifetimeValue\",\"Orders\",\"SignupDate\",\"LastPurchaseDate\",\"LoyaltyTier\",\"IsSubscribed\") FROM '$TAP_TMP/profiles.csv' CSV HEADER" ||
  BAIL_OUT "loading the table failed"

# A second store fed from PostgreSQL only; the first (setup_store) imported the same rows from the file.
FILE_DB=$DB
DB="$TAP_TMP/pg.db"
seg init >/dev/null || BAIL_OUT "init failed"
printf 'correct horse battery\n' >"$TAP_TMP/pw"
seg user add alice --role admin --password-file "$TAP_TMP/pw" >/dev/null || BAIL_OUT "user add failed"

out=$(seg source add crm --postgres "$PG" --table people --id CustomerId --changed-column updated_at --replace 2>&1)
is "$?" 0 "source add --postgres --table connects and saves the source"
like "$out" "column 'Notes' \\(jsonb\\) is left out" "a column of an unheld type is left out, with one line saying which"
json=$(seg source show crm --json)
is "$(jq -r .mode <<<"$json")/$(jq -r .table <<<"$json")/$(jq -r .id_column <<<"$json")" "copy/people/CustomerId" \
  "source show: mode, table and id column"

json=$(seg refresh --json); rc=$?
is "$rc" 0 "the first refresh succeeds"
step=$(jq -r '.steps[] | select(.target == "crm") | .message' <<<"$json")
like "$step" "^all rows: 3000 read, 3000 inserted" "the first refresh copies every row: $step"
is "$(seg profiles count --json | jq .profiles)" 3000 "3000 profiles in the store"
types=$(seg schema --json | jq -c '[.attributes[] | {(.name): .type}] | add')
is "$(jq -r '[.LifetimeValue, .Orders, .SignupDate, .IsSubscribed, .City, .LoyaltyTier, .updated_at] | join(",")' <<<"$types")" \
  "real,integer,date,boolean,text,text,datetime" "attributes are typed from the columns (numeric, integer, date, boolean, varchar, char, timestamptz)"
is "$(jq 'has("Notes")' <<<"$types")" false "the jsonb column is not an attribute"

# Both stores hold the same profiles: the same segments have the same members.
for rule in 'Country = "spain"' 'LifetimeValue > 300' 'SignupDate before 2019-01-01 and IsSubscribed' \
  'City starts with "m" or LoyaltyTier in ("gold")' 'LastPurchaseDate is empty'; do
  a=$("$SEGSHIP_BIN" --db "$FILE_DB" segment preview --rule "$rule" --members 100000 --json | jq -c '.member_ids | sort')
  b=$(seg segment preview --rule "$rule" --members 100000 --json | jq -c '.member_ids | sort')
  if [[ $a == "$b" && $(jq length <<<"$a") -gt 0 ]]; then pass "same members as the file import: $rule ($(jq length <<<"$a"))"
  else fail "same members as the file import: $rule" "file: $(jq length <<<"$a"), postgres: $(jq length <<<"$b")"; fi
done

# ---- segments and an export into the simulator
sim_start --api-key "$KEY1" --rate 0 --seed 3
printf '%s\n' "$KEY1" >"$TAP_TMP/key1"
seg segment create "Spain" --rule 'Country = "spain"' >/dev/null
seg segment create "Big spenders" --rule 'LifetimeValue > 300' >/dev/null
add_destination ap
ok "configure the export" seg export configure ap --email Email --first-name FirstName --last-name LastName \
  --map City=MailingCity --segments "Spain,Big spenders"
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the first export succeeds"
is_exact ap "after the first export Autopilot holds exactly the segments" contacts

# ---- nothing changed: nothing read, nothing written
before=$(writes)
json=$(seg refresh --json)
like "$(jq -r '.steps[] | select(.target == "crm") | .message' <<<"$json")" "^changed rows: 0 read, 0 inserted, 0 updated, 0 unchanged, 0 deleted" \
  "a refresh without changes in PostgreSQL reads no row"
seg export run ap --json >/dev/null
is "$(writes)" "$before" "and the export then writes nothing"

# ---- a day of changes, made with SQL
spanish_before=$(psql_q -c "SELECT count(*) FROM people WHERE lower(\"Country\") = 'spain'")
psql_q <<'SQL' || BAIL_OUT "the day's changes failed"
UPDATE people SET "Country" = 'Spain', updated_at = '2026-01-02 09:00+00'
  WHERE "CustomerId" IN (SELECT "CustomerId" FROM people WHERE "Country" <> 'Spain' ORDER BY "CustomerId" LIMIT 7);
UPDATE people SET "LifetimeValue" = 5000, updated_at = '2026-01-02 10:00+00'
  WHERE "CustomerId" IN (SELECT "CustomerId" FROM people WHERE "LifetimeValue" <= 300 ORDER BY "CustomerId" DESC LIMIT 5);
INSERT INTO people ("CustomerId", "Email", "FirstName", "LastName", "Country", "LifetimeValue", "Orders", updated_at)
  VALUES ('N1', 'new.one@example.com', 'New', 'One', 'Spain', 10, 1, '2026-01-02 11:00+00'),
         ('N2', 'new.two@example.com', 'New', 'Two', 'France', 900, 3, '2026-01-02 11:00+00');
DELETE FROM people WHERE "CustomerId" IN (SELECT "CustomerId" FROM people WHERE "Country" = 'Spain' AND updated_at = '2026-01-01' ORDER BY "CustomerId" LIMIT 3);
SQL
json=$(seg refresh --json)
is "$(jq -r '.steps[] | select(.target == "crm") | .message' <<<"$json")" \
  "changed rows: 14 read, 2 inserted, 12 updated, 0 unchanged, 3 deleted, 0 rejected" \
  "the day's changes arrive as only those rows: 12 updated, 2 inserted, 3 deleted"
is "$(seg profiles count --json | jq .profiles)" 2999 "2999 profiles after the day"
spanish_after=$(psql_q -c "SELECT count(*) FROM people WHERE lower(\"Country\") = 'spain'")
is "$(seg segment show Spain --json | jq .members)" "$spanish_after" "segment Spain has PostgreSQL's count ($spanish_before before, $spanish_after after)"
# The refresh ran the export too (it is scheduled): its step tells what it sent.
exp=$(jq -r '.steps[] | select(.kind == "export") | .status + ": " + .message' <<<"$json")
like "$exp" "^succeeded: run [0-9]+: " "the refresh's export succeeded: $exp"
upserted=$(sed -E 's/.*: ([0-9]+) upserted.*/\1/' <<<"$exp")
if [[ $upserted =~ ^[0-9]+$ && $upserted -ge 1 && $upserted -le 14 ]]; then pass "only changed profiles are sent ($upserted contacts upserted)"
else fail "only changed profiles are sent" "$exp"; fi
before=$(writes)
json=$(seg export run ap --json)
is "$(jq .contacts_upserted <<<"$json")/$(writes)" "0/$before" "a run after that has nothing left to send"
is_exact ap "after the day Autopilot holds exactly the segments"

# ---- failures change nothing locally, each in one sentence
count() { seg profiles count --json | jq .profiles; }
out=$(seg source add bad --postgres "postgresql://reader:hunter2@localhost/segship" --table people --id CustomerId 2>&1); rc=$?
isnt "$rc" 0 "a password inside the URI is refused"
like "$out" "holds a password.*--password-file" "it says why and what to do"
unlike "$(seg source list --json)" "hunter2" "and it is not stored"

# A role that logs in with a password, read from a file.
psql_q -c "CREATE ROLE reader LOGIN PASSWORD 'Sesame-42'; GRANT SELECT ON people TO reader" || BAIL_OUT "create role failed"
printf 'Sesame-42\n' >"$TAP_TMP/pgpw"
reader_uri="postgresql://reader@/segship?host=$PGHOST&port=$PGPORT"
ok "a source with --password-file logs in" seg source add ro --postgres "$reader_uri" --table public.people --id CustomerId \
  --password-file "$TAP_TMP/pgpw"
shown=$(seg source show ro --json)
is "$(jq -r .password <<<"$shown")" "from --password-file" "source show says where the password comes from"
unlike "$shown$(seg source list --json)" "Sesame" "source show and list never show the password"
if grep -q "Sesame" "$DB" "$DB-wal" 2>/dev/null; then fail "the password is not in the store"; else pass "the password is not in the store"; fi
json=$(seg refresh --json)
is "$(jq -r '.steps[] | select(.target == "ro") | .status' <<<"$json")" ok "a refresh reads it with the password"
seg source remove ro >/dev/null

printf 'wrong\n' >"$TAP_TMP/pgpw"
n0=$(count)
out=$(seg source add ro2 --postgres "$reader_uri" --table people --id CustomerId --password-file "$TAP_TMP/pgpw" 2>&1); rc=$?
isnt "$rc" 0 "a refused login fails the add"
like "$out" "^segship: cannot connect to PostgreSQL source 'ro2' \\(.*password authentication failed" "with one sentence saying so: $out"
unlike "$out" "wrong" "the password is not in the message"

# The source goes down after it was added: its step fails and nothing changes.
printf 'Sesame-42\n' >"$TAP_TMP/pgpw"
seg source add ro3 --postgres "$reader_uri" --table people --id CustomerId --password-file "$TAP_TMP/pgpw" >/dev/null
printf 'wrong\n' >"$TAP_TMP/pgpw"
json=$(seg refresh --json); rc=$?
is "$rc" 1 "a refresh with a refused login exits 1"
like "$(jq -r '.steps[] | select(.target == "ro3") | .message' <<<"$json")" "password authentication failed" "its step says the login was refused"
is "$(jq -r '.steps[] | select(.target == "crm") | .status' <<<"$json")" ok "the other source's step still runs"
is "$(count)" "$n0" "nothing changed locally"
seg source remove ro3 >/dev/null

free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
out=$(seg source add down --postgres "postgresql://segship@127.0.0.1:$free_port/segship" --table people --id CustomerId 2>&1); rc=$?
isnt "$rc" 0 "a server that is down fails the add"
like "$out" "^segship: cannot connect to PostgreSQL source 'down' \\(.*\\); check that the server runs" "in one sentence: $out"

ok "a source whose query sleeps" seg source add slow --postgres "$PG" --query 'SELECT * FROM people WHERE pg_sleep(1) IS NOT NULL' \
  --id CustomerId --statement-timeout 100ms
json=$(seg refresh --json)
like "$(jq -r '.steps[] | select(.target == "slow") | .message' <<<"$json")" "statement timeout.*raise --statement-timeout" \
  "the statement timeout stops it, in one sentence"
is "$(count)" "$n0" "nothing changed locally"
seg source remove slow >/dev/null

# segship never writes: a query that would is stopped by the read-only transaction.
psql_q <<'SQL'
CREATE TABLE audit(n int);
CREATE FUNCTION touch() RETURNS int LANGUAGE sql AS 'INSERT INTO audit VALUES (1) RETURNING 1';
SQL
ok "a source whose query calls a function that writes" seg source add writer --postgres "$PG" \
  --query 'SELECT p.*, touch() AS t FROM people p' --id CustomerId
json=$(seg refresh --json)
like "$(jq -r '.steps[] | select(.target == "writer") | .message' <<<"$json")" "read-only transaction" "the write is refused by the read-only transaction"
is "$(psql_q -c 'SELECT count(*) FROM audit')" 0 "and nothing was written to the source"
is "$(count)" "$n0" "nothing changed locally"
seg source remove writer >/dev/null

# Column names keep their case; a wrong one is named.
out=$(seg source add lower --postgres "$PG" --table people --id customerid 2>&1)
like "$out" "has no column 'customerid' for --id" "an id column is matched with its case, and a wrong one named"

# The mass-deletion guard of the import path: a table that lost 40% of its rows is not followed.
n0=$(count)
psql_q -c "DELETE FROM people WHERE \"CustomerId\" IN (SELECT \"CustomerId\" FROM people ORDER BY \"CustomerId\" LIMIT 1200)"
json=$(seg refresh --json)
is "$(jq -r '.steps[] | select(.target == "crm") | .status' <<<"$json")" failed "a refresh that would delete 40% of the profiles fails"
like "$(jq -r '.steps[] | select(.target == "crm") | .message' <<<"$json")" "max-delete" "saying how to allow it (--max-delete)"
is "$(count)" "$n0" "and deletes nothing"
ok "a source that may delete half" seg source add crm2 --postgres "$PG" --table people --id CustomerId --replace --max-delete 50
is "$(seg source show crm2 --json | jq .max_delete)" 50 "source show tells its --max-delete"

done_testing
