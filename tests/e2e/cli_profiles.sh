#!/usr/bin/env bash
# cli_profiles.sh: the profile store through the command line: init, import (CSV and JSON Lines),
# the summary and its JSON, schema, show/list/count, exit codes, and a kill -9 during a large
# import leaving the store exactly as it was.
source "$(dirname "$0")/lib.sh"
: "${SEGSHIP_BIN:=$TAP_ROOT/build/segship}"
DB="$TAP_TMP/store.db"
seg() { "$SEGSHIP_BIN" --db "$DB" "$@"; }
# A content snapshot of the store: every profile with every attribute, in id order.
snapshot() { seg profiles list --limit 0 --json | jq -c '.profiles[] | [.id, .attributes, .changed_at]' | sha256sum; }

# ---- init and exit codes
out=$(seg profiles count 2>&1); rc=$?
is "$rc" 1 "a command on a missing store fails with status 1"
like "$out" "segship init" "and says to run segship init"
ok "init creates the store" seg init
like "$(seg init)" "ready" "init again is harmless"
like "$(stat -c %a "$DB")" "^6[04]4$|^600$" "the store file exists"
"$SEGSHIP_BIN" --db "$DB" bogus >/dev/null 2>&1
is "$?" 2 "an unknown command is a usage error (2)"
seg profiles import --nope x.csv >/dev/null 2>&1
is "$?" 2 "an unknown option is a usage error (2)"
like "$(seg profiles import --help)" "usage: segship profiles import FILE" "--help prints the usage"

# ---- generate is deterministic
seg profiles generate --count 500 --seed 7 --out "$TAP_TMP/a.csv"
seg profiles generate --count 500 --seed 7 --out "$TAP_TMP/b.csv"
is "$(sha256sum <"$TAP_TMP/a.csv")" "$(sha256sum <"$TAP_TMP/b.csv")" "the same seed gives the same profiles"
is "$(wc -l <"$TAP_TMP/a.csv" | tr -d ' ')" 501 "generate writes a header and 500 rows"
like "$(cut -d, -f2 "$TAP_TMP/a.csv" | grep -c '[A-Z]')" "^[1-9][0-9]*$" "some emails are in mixed case"

# ---- import and its summary
json=$(seg profiles import "$TAP_TMP/a.csv" --json)
is "$(jq -r .inserted <<<"$json")" 500 "first import inserts every profile"
is "$(jq -r '.format' <<<"$json")" csv "format detected from the extension"
json=$(seg profiles import "$TAP_TMP/a.csv" --json)
is "$(jq -r '[.inserted,.updated,.unchanged] | join(",")' <<<"$json")" "0,0,500" "re-import: all unchanged"
seg profiles generate --count 500 --seed 7 --changed 10 --out "$TAP_TMP/c.csv"
json=$(seg profiles import "$TAP_TMP/c.csv" --json)
changed=$(diff <(sort "$TAP_TMP/a.csv") <(sort "$TAP_TMP/c.csv") | grep -c '^>')
is "$(jq -r .updated <<<"$json")" "$changed" "a snapshot with changes updates exactly the changed rows ($changed)"
is "$(seg profiles count)" 500 "count"
is "$(seg profiles count --json | jq .profiles)" 500 "count --json"
like "$(seg profiles show C00000002)" "FirstName +[^ ]+" "show prints the attributes"
is "$(seg profiles show C00000002 --json | jq -r .id)" C00000002 "show --json"
seg profiles show NOPE >/dev/null 2>&1
is "$?" 1 "show of an unknown id fails with 1"
is "$(seg profiles list --limit 3 --json | jq '.profiles | length')" 3 "list --limit"
types=$(seg schema --json | jq -r '.attributes[] | "\(.name)=\(.type)"' | tr '\n' ' ')
is "$types" "CustomerId=text Email=text FirstName=text LastName=text Country=text City=text LifetimeValue=real Orders=integer SignupDate=date LastPurchaseDate=date LoyaltyTier=text IsSubscribed=boolean " "schema infers every type"

# ---- JSON Lines, and rows rejected with line numbers
printf '%s\n' '{"CustomerId":"J1","Email":"j1@example.com","Orders":2}' 'oops' \
  '{"CustomerId":"J2","Email":"j2@example.com","Orders":3}' >"$TAP_TMP/p.jsonl"
json=$(seg profiles import "$TAP_TMP/p.jsonl" --json)
is "$(jq -r '[.format,.inserted,.rejected] | join(",")' <<<"$json")" "jsonl,2,1" "JSON Lines import with one bad line"
is "$(jq -r '.rejections[0].line' <<<"$json")" 2 "the bad line is reported by number"
text=$(seg profiles import "$TAP_TMP/p.jsonl")
like "$text" "unchanged +2" "text summary"

# ---- whole-file refusals exit 1 and change nothing
before=$(snapshot)
: >"$TAP_TMP/empty.csv"
out=$(seg profiles import "$TAP_TMP/empty.csv" 2>&1); rc=$?
is "$rc" 1 "an empty file is refused with 1"
like "$out" "is empty" "and says so"
printf 'CustomerId,Email\nX1,a@b.c\nX1,d@e.f\n' >"$TAP_TMP/dup.csv"
out=$(seg profiles import "$TAP_TMP/dup.csv" 2>&1); rc=$?
is "$rc" 1 "a duplicate id is refused with 1"
like "$out" "appears twice" "and names it"
head -c 3000 /dev/urandom >"$TAP_TMP/binary.csv"
seg profiles import "$TAP_TMP/binary.csv" >/dev/null 2>&1
is "$?" 1 "a binary file is refused with 1"
is "$(snapshot)" "$before" "refused files left the store unchanged"

# ---- kill -9 during a large import: the store equals the store before
seg profiles generate --count 400000 --seed 9 --changed 50 --out "$TAP_TMP/big.csv"
before=$(snapshot)
# The kill lands once the import has read a third of the file (its read offset, from /proc), the
# process stopped first so that it cannot reach the end meanwhile: mid-import on any machine.
size=$(stat -c %s "$TAP_TMP/big.csv")
"$SEGSHIP_BIN" --db "$DB" profiles import "$TAP_TMP/big.csv" >/dev/null 2>&1 & # the process itself, not a subshell
pid=$!
killed=0 pos=0
for ((i = 0; i < 1200; i++)); do
  kill -STOP "$pid" 2>/dev/null || break
  pos=0
  for fd in /proc/$pid/fd/*; do
    [[ $(readlink "$fd") == "$TAP_TMP/big.csv" ]] && pos=$(awk '/^pos:/ {print $2}' "/proc/$pid/fdinfo/${fd##*/}")
  done
  if ((pos >= size / 3 && pos < size)); then kill -KILL "$pid"; killed=1; break; fi
  kill -CONT "$pid"
  ((pos >= size)) && break
  sleep 0.05
done
wait "$pid" 2>/dev/null
is "$killed" 1 "the import was killed while running (read offset $pos of $size)"
is "$(snapshot)" "$before" "after kill -9 mid-import the store equals the store before"
json=$(seg profiles import "$TAP_TMP/c.csv" --json)
is "$(jq -r .unchanged <<<"$json")" 500 "the store works after the kill"

# ---- --replace, and its guard against a truncated file
seg profiles generate --count 300 --seed 7 --changed 10 --out "$TAP_TMP/d.csv"
before=$(snapshot)
out=$(seg profiles import "$TAP_TMP/d.csv" --replace 2>&1); rc=$?
is "$rc" 1 "--replace deleting 40% of the store is refused (default limit 20%)"
like "$out" "would delete 202 of the 502 stored profiles \(41%\), more than the limit of 20%; nothing was changed" \
  "saying how many of how many"
like "$out" "--max-delete 41" "and which --max-delete would allow it"
is "$(snapshot)" "$before" "the refused --replace left the store unchanged"
out=$(seg profiles import "$TAP_TMP/d.csv" --replace --max-delete 40 2>&1); rc=$?
is "$rc" 1 "--max-delete 40 still refuses 41%"
is "$(snapshot)" "$before" "and changes nothing"
out=$(seg profiles import "$TAP_TMP/d.csv" --replace --max-delete 101 2>&1); rc=$?
is "$rc" 2 "--max-delete above 100 is a usage error"
like "$out" "--max-delete takes a percentage, a whole number from 0 to 100, not '101'" "naming the bad value"
json=$(seg profiles import "$TAP_TMP/d.csv" --replace --max-delete 41 --json)
is "$(jq -r .deleted <<<"$json")" 202 "--replace --max-delete 41 deletes the profiles the file does not name"
is "$(seg profiles count)" 300 "and the store holds exactly the file"
head -n 61 "$TAP_TMP/d.csv" >"$TAP_TMP/half.csv" # the header and 60 of the 300 rows: a truncated file
before=$(snapshot)
out=$(seg profiles import "$TAP_TMP/half.csv" --replace 2>&1); rc=$?
is "$rc" 1 "a truncated file with --replace is refused"
like "$out" "would delete 240 of the 300 stored profiles \(80%\)" "240 of 300"
is "$(snapshot)" "$before" "and the store is unchanged"
json=$(seg profiles import "$TAP_TMP/half.csv" --replace --max-delete 100 --json)
is "$(jq -r .deleted <<<"$json")" 240 "--max-delete 100 turns the check off"
json=$(seg profiles import "$TAP_TMP/d.csv" --replace --max-delete 0 --json)
is "$(jq -r '[.inserted, .deleted] | join(",")' <<<"$json")" "240,0" "--max-delete 0 allows imports that delete nothing"

# ---- a --replace source run by segship refresh has the same guard
ok "a --replace source with the default limit" seg source add feed --file "$TAP_TMP/half.csv" --replace
is "$(seg source list --json | jq -r '.sources[0].max_delete')" 20 "its limit is 20%"
before=$(snapshot)
json=$(seg refresh --json); rc=$?
is "$rc" 1 "a refresh whose source would delete 80% fails"
is "$(jq -r '.steps[0].status' <<<"$json")" failed "its import step failed"
like "$(jq -r '.steps[0].message' <<<"$json")" "source 'feed': --replace would delete 240 of the 300 stored profiles" \
  "saying how many it would delete"
is "$(snapshot)" "$before" "and the store is unchanged"
seg source remove feed >/dev/null
ok "a source added with --max-delete 100" seg source add feed --file "$TAP_TMP/half.csv" --replace --max-delete 100
json=$(seg refresh --json)
is "$(jq -r '.steps[0].status' <<<"$json")" ok "then the refresh imports it"
is "$(seg profiles count)" 60 "and deletes the profiles it lacks"

done_testing
