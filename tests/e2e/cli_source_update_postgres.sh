#!/usr/bin/env bash
# cli_source_update_postgres.sh: `segship source update` on both kinds of source, against a real
# PostgreSQL (tests/run.sh runs this file under scripts/with-postgres.sh): a file source's file,
# format, --replace and --max-delete changed and used by the next refresh; a PostgreSQL source's
# timeout, max-delete, password file and incremental column changed (a new column read from every
# row once, then only what grew), a wrong address or column refused with nothing changed, what
# would make another source (table, query, id, mode) refused, options of the other kind refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

need_postgres

setup_store 200 8

# ---- a file source
head -n 101 "$TAP_TMP/profiles.csv" >"$TAP_TMP/first100.csv"
seg source add file1 --file "$TAP_TMP/profiles.csv" >/dev/null || BAIL_OUT "source add failed"
out=$(seg source update file1 2>&1); rc=$?
is "$rc" 2 "an update with nothing to change is a usage error"
like "$out" "give at least one setting to change" "saying so"
out=$(seg source update nosuch --max-delete 5 2>&1); rc=$?
is "$rc" 1 "an unknown source is refused"
like "$out" "there is no source 'nosuch'" "naming it"
out=$(seg source update file1 --statement-timeout 10s 2>&1); rc=$?
is "$rc" 2 "a PostgreSQL option on a file source is refused"
like "$out" "is a file source" "saying which kind it is"
json=$(seg source update file1 --file "$TAP_TMP/first100.csv" --replace --max-delete 100 --json); rc=$?
is "$rc" 0 "a file source's file, --replace and --max-delete change"
is "$(jq -r '[.path, .replace, .max_delete] | join(",")' <<<"$json")" "$TAP_TMP/first100.csv,true,100" "as the JSON says"
json=$(seg refresh --json)
like "$(jq -r '.steps[] | select(.target == "file1") | .message' <<<"$json")" "100 deleted" \
  "the next refresh reads the new file and deletes what it lacks"
is "$(seg profiles count --json | jq .profiles)" 100 "100 profiles left"
seg source update file1 --file "$TAP_TMP/profiles.csv" --max-delete 5 >/dev/null
json=$(seg refresh --json)
is "$(jq -r '.steps[] | select(.target == "file1") | .status' <<<"$json")" ok "the full file again: only inserts"
head -n 101 "$TAP_TMP/profiles.csv" >"$TAP_TMP/first100.csv"
seg source update file1 --file "$TAP_TMP/first100.csv" >/dev/null
json=$(seg refresh --json)
is "$(jq -r '.steps[] | select(.target == "file1") | .status' <<<"$json")" failed \
  "with --max-delete 5 changed, deleting half is refused"
is "$(seg profiles count --json | jq .profiles)" 200 "and nothing was deleted"
seg source update file1 --no-replace >/dev/null
json=$(seg refresh --json)
is "$(jq -r '.steps[] | select(.target == "file1") | .status' <<<"$json")" ok "--no-replace: the short file only upserts"
is "$(seg profiles count --json | jq .profiles)" 200 "and keeps every profile"
seg source remove file1 >/dev/null

# ---- a PostgreSQL source
psql_q <<'SQL' || BAIL_OUT "creating the table failed"
CREATE TABLE upd ("CustomerId" text PRIMARY KEY, "Email" text, "Country" text, changed_at integer NOT NULL DEFAULT 1,
  touched integer NOT NULL DEFAULT 1);
SQL
psql_q -c "INSERT INTO upd(\"CustomerId\", \"Email\", \"Country\") SELECT 'u-' || g, 'u' || g || '@example.com', 'spain' FROM generate_series(1, 50) g" ||
  BAIL_OUT "loading the table failed"
seg source add crm --postgres "$PG" --table upd --id CustomerId >/dev/null || BAIL_OUT "pg source add failed"
seg refresh >/dev/null
out=$(seg source update crm --file "$TAP_TMP/profiles.csv" 2>&1); rc=$?
is "$rc" 2 "a file option on a PostgreSQL source is refused"
like "$out" "is a PostgreSQL source" "saying which kind it is"
out=$(seg source update crm --table other 2>&1); rc=$?
is "$rc" 2 "the table cannot change"
like "$out" "remove the source and add it again" "saying what to do instead"
out=$(seg source update crm --mode pushdown 2>&1); rc=$?
is "$rc" 2 "nor the mode"
json=$(seg source update crm --statement-timeout 30s --max-delete 50 --json); rc=$?
is "$rc" 0 "the timeout and the deletion limit change"
is "$(jq -r '[.statement_timeout_ms, .max_delete] | join(",")' <<<"$json")" "30000,50" "as the JSON says"

out=$(seg source update crm --changed-column nosuch 2>&1); rc=$?
is "$rc" 1 "an incremental column the table lacks is refused"
is "$(seg source show crm --json | jq -r '.changed_column // "none"')" none "and nothing was changed"
out=$(seg source update crm --postgres "postgresql://nobody@127.0.0.1:1/none" 2>&1); rc=$?
is "$rc" 1 "an address that does not answer is refused"
is "$(seg source show crm --json | jq -r .uri)" "$PG" "and the address stays"
out=$(seg source update crm --postgres "postgresql://u:secret@127.0.0.1/db" 2>&1); rc=$?
isnt "$rc" 0 "a password in the new address is refused"
unlike "$out" "secret" "and never printed"

out=$(seg source update crm --changed-column changed_at 2>&1); rc=$?
is "$rc" 0 "an incremental column is set"
like "$out" "the next refresh reads every row again" "saying the next refresh reads every row"
json=$(seg refresh --json)
like "$(jq -r '.steps[] | select(.target == "crm") | .message' <<<"$json")" "50 read" "which it does"
psql_q -c "UPDATE upd SET \"Country\" = 'atlantis', changed_at = 2 WHERE \"CustomerId\" IN ('u-1', 'u-2')"
json=$(seg refresh --json)
like "$(jq -r '.steps[] | select(.target == "crm") | .message' <<<"$json")" "2 read" "then only the rows that grew"
is "$(seg segment preview --rule 'Country = "atlantis"' --json | jq .members)" 2 "and their changes arrived"

# a password file, then back to libpq's environment
printf '%s\n' "${PGPASSWORD:-unused}" >"$TAP_TMP/pgpass"
json=$(seg source update crm --password-file "$TAP_TMP/pgpass" --json); rc=$?
is "$rc" 0 "a password file is set (checked by connecting)"
is "$(jq -r .password_file <<<"$json")" "$TAP_TMP/pgpass" "the source reads it"
json=$(seg source update crm --no-password-file --json)
is "$(jq -r .password <<<"$json")" "from libpq's environment" "--no-password-file returns to libpq's environment"
json=$(seg source update crm --no-changed-column --json)
is "$(jq -r '.changed_column // "none"' <<<"$json")" none "--no-changed-column reads every row again"
psql_q -c "UPDATE upd SET \"Country\" = 'narnia', touched = 2 WHERE \"CustomerId\" = 'u-3'"
json=$(seg refresh --json)
like "$(jq -r '.steps[] | select(.target == "crm") | .message' <<<"$json")" "50 read" "every row is read"
is "$(seg segment preview --rule 'Country = "narnia"' --json | jq .members)" 1 "including a change the old column did not mark"

done_testing
