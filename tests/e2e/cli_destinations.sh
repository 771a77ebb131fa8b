#!/usr/bin/env bash
# cli_destinations.sh: the seed's set-up flow against autopilot-sim: users, connect, consent, the
# export user, the key kept secret (never in the store file, an output or a log), the master key,
# export configuration checks, remove and rotate-key.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

sim_start --api-key "$KEY1" --api-key "$KEY2" --rate 0
setup_store 300 5
seg segment create Spain --rule 'Country = "Spain"' >/dev/null
OUT="$TAP_TMP/all-output.txt" # every output of every command, to search for the key at the end
run() { "$SEGSHIP_BIN" --db "$DB" "$@" >>"$OUT" 2>&1; }
add() {
  local out rc
  out=$("$SEGSHIP_BIN" --db "$DB" destination add "$@" --api-url "$SIM_URL/v1" --rate-limit 0 2>&1)
  rc=$?
  printf '%s\n' "$out" | tee -a "$OUT"
  return $rc
}
count_dest() { seg destination list --json | jq '.destinations | length'; }

# ---- users
printf 'short\n' >"$TAP_TMP/short"
out=$(seg user add bob --role viewer --password-file "$TAP_TMP/short" 2>&1); rc=$?
is "$rc" 1 "a password under 8 characters is refused"
ok "a viewer" seg user add bob --role viewer --password-file "$TAP_TMP/pw"
out=$(seg user add carol --role boss 2>&1); rc=$?
is "$rc" 1 "an unknown role is refused"
is "$(seg user list --json | jq -r '[.users[] | "\(.name):\(.role):\(.password)"] | join(" ")')" "alice:admin:true bob:viewer:true" "user list"
hash=$(sqlite3 "$DB" "SELECT password_hash FROM users WHERE name = 'alice'")
like "$hash" '^\$argon2id\$' "passwords are stored as Argon2id hashes"

# ---- consent, connect, export user
out=$(add ap --api-key-file "$TAP_TMP/key1" --export-user alice); rc=$?
is "$rc" 1 "without --accept-privacy the destination is refused"
like "$out" "outside this system's control" "and the command says what leaves the system"
is "$(count_dest)" 0 "nothing was saved"
printf 'ffffffffffffffffffffffffffffffff\n' >"$TAP_TMP/badkey"
out=$(add ap --api-key-file "$TAP_TMP/badkey" --accept-privacy --export-user alice); rc=$?
is "$rc" 1 "a key Autopilot does not know is refused"
like "$out" "Autopilot rejected this API key" "with Autopilot's verdict"
is "$(count_dest)" 0 "nothing was saved"
out=$("$SEGSHIP_BIN" --db "$DB" destination add ap --api-key-file "$TAP_TMP/key1" --accept-privacy --export-user alice \
  --api-url http://127.0.0.1:9/v1 --timeout 3 2>&1); rc=$?
is "$rc" 1 "an unreachable API is refused"
like "$out" "cannot reach Autopilot" "with the cause"
is "$(count_dest)" 0 "nothing was saved"
out=$(add ap --api-key-file "$TAP_TMP/key1" --accept-privacy --export-user bob); rc=$?
is "$rc" 1 "a viewer cannot be the export user"
like "$out" "must be an admin" "and says why"
out=$(add ap --api-key-file "$TAP_TMP/key1" --accept-privacy --export-user nobody); rc=$?
is "$rc" 1 "an unknown export user is refused"
: >"$TAP_TMP/empty"
out=$(add ap --api-key-file "$TAP_TMP/empty" --accept-privacy --export-user alice); rc=$?
is "$rc" 1 "an empty key file is refused"
like "$out" "is empty" "and says so"
out=$("$SEGSHIP_BIN" --db "$DB" destination add ap --api-key "$KEY1" 2>&1); rc=$?
is "$rc" 2 "there is no way to give the key on the command line"
out=$(printf '%s\n' "$KEY1" | add ap --api-key-file - --accept-privacy --export-user alice); rc=$?
is "$rc" 0 "a key on standard input with a trailing newline connects"
is "$(count_dest)" 1 "and the destination is saved"
export AP_KEY2=$KEY2
out=$(add ap2 --api-key-env AP_KEY2 --accept-privacy --export-user alice); rc=$?
is "$rc" 0 "a key from an environment variable connects"
out=$(add ap --api-key-file "$TAP_TMP/key1" --accept-privacy --export-user alice); rc=$?
is "$rc" 1 "a duplicate name is refused"
show=$(seg destination show ap --json)
is "$(jq -r .api_key <<<"$show")" "••••cdef" "the key is shown masked"
is "$(jq -r .consent.by <<<"$show")" alice "the consent records who"
like "$(jq -r .consent.at <<<"$show")" '^20[0-9]{2}-' "and when"
run destination show ap
run destination list
run destination list --json

# ---- configuration checks
out=$(seg export configure ap --email Emial --segments Spain 2>&1); rc=$?
is "$rc" 1 "an unknown attribute is refused"
like "$out" "did you mean 'Email'" "with the nearest name"
out=$(seg export configure ap --email Orders --segments Spain 2>&1)
like "$out" "is integer, not text" "the email attribute must be text"
out=$(seg export configure ap --email Email --segments Spian 2>&1)
like "$out" "there is no segment 'Spian'; did you mean 'Spain'" "an unknown segment is refused with a suggestion"
out=$(seg export configure ap --email Email --map City=Citty --segments Spain 2>&1)
like "$out" "not an Autopilot standard field" "a mapping to an unknown field is refused"
out=$(seg export configure ap --email Email --map Nope=Phone --segments Spain 2>&1)
like "$out" "no attribute 'Nope'" "a mapping from an unknown attribute is refused"
out=$(seg export configure ap --email Email 2>&1); rc=$?
is "$rc" 2 "segments are required"
ok "a valid configuration is saved" seg export configure ap --email Email --first-name FirstName --map City=MailingCity \
  --map 'LifetimeValue=custom:Lifetime Value' --segments Spain --schedule off
conf=$(seg export show ap --json)
is "$(jq -r '[.fields[] | "\(.attribute)>\(.field)"] | join(",")' <<<"$conf")" "Email>Email,FirstName>FirstName,City>MailingCity,LifetimeValue>Lifetime Value" "export show lists the mapping"
is "$(jq -r '.fields[3].custom_type' <<<"$conf")" float "a custom field's type follows the attribute's"
is "$(jq -r '[.schedule, .on_leave, .list_membership] | join(",")' <<<"$conf")" "false,remove,bulk" "and the options"
is "$(jq -r .api_key <<<"$conf")" "••••cdef" "and the key masked"
out=$(seg segment delete Spain 2>&1); rc=$?
is "$rc" 1 "a segment an export uses cannot be deleted"
like "$out" "exported by destination 'ap'" "naming the export"
run export run ap --json
run export show ap

# ---- the export user is enforced at run time
seg user update alice --role contributor >/dev/null
out=$(seg export run ap 2>&1); rc=$?
is "$rc" 1 "a run refuses when the export user is no longer an admin"
like "$out" "no longer an admin" "and says so"
seg user update alice --role admin >/dev/null
out=$(seg user remove alice 2>&1)
like "$out" "export user of 'ap', 'ap2'" "removing the export user warns"
out=$(seg export run ap 2>&1); rc=$?
is "$rc" 1 "a run refuses when the export user is gone"
like "$out" "no longer exists" "and says so"
seg user add alice --role admin >/dev/null

# ---- update settings
ok "update the rate and the profile limit" seg destination update ap --rate-limit 2.5 --max-profiles 5000
is "$(seg destination show ap --json | jq -c '[.rate_limit, .max_profiles]')" "[2.5,5000]" "the new settings are shown"
out=$(seg destination update ap --export-user bob 2>&1); rc=$?
is "$rc" 1 "a viewer cannot become the export user"
out=$(seg destination update ap --api-url http://127.0.0.1:9/v1 --api-key-file "$TAP_TMP/key1" --timeout 3 2>&1); rc=$?
is "$rc" 1 "a new API URL that does not answer is refused"
is "$(seg destination show ap --json | jq -r .api_url)" "$SIM_URL/v1" "and the old URL stays"
seg destination update ap --rate-limit 0 >/dev/null

# ---- rotate the key
out=$(seg destination rotate-key ap --api-key-file "$TAP_TMP/badkey" 2>&1); rc=$?
is "$rc" 1 "a bad new key is refused"
is "$(seg destination show ap --json | jq -r .api_key)" "••••cdef" "and the old key stays"
ok "a good new key replaces it" seg destination rotate-key ap --api-key-file "$TAP_TMP/key2"
is "$(seg destination show ap --json | jq -r .api_key)" "••••3210" "the new key, masked"
run export run ap
is "$(seg export history ap --json | jq -r '.runs[0].status')" succeeded "exports run with the new key"

# ---- the master key
mv "$DB.key" "$TAP_TMP/master.key"
out=$(seg export run ap 2>&1); rc=$?
is "$rc" 1 "without the master key file a run refuses"
like "$out" "master key file .* is missing" "and says what is missing"
out=$(seg init 2>&1); rc=$?
is "$rc" 1 "init never makes a new master key over existing secrets"
[[ ! -e "$DB.key" ]] && pass "no key file was created" || fail "a key file was created"
head -c 10 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DB.key"; chmod 600 "$DB.key"
out=$(seg export run ap 2>&1)
like "$out" "not a segship master key" "a master key file of the wrong size is refused"
seg init --db /dev/null >/dev/null 2>&1
SEGSHIP_DB="$TAP_TMP/other.db" "$SEGSHIP_BIN" init >/dev/null
cp "$TAP_TMP/other.db.key" "$DB.key"
out=$(seg export run ap 2>&1)
like "$out" "not the master key of this store" "another store's master key is refused"
cp "$TAP_TMP/master.key" "$DB.key"; chmod 644 "$DB.key"
out=$(seg export run ap 2>&1)
like "$out" "readable by other users" "a master key readable by others is refused"
chmod 600 "$DB.key"
is "$(stat -c %a "$TAP_TMP/other.db.key")" 600 "init creates the master key with mode 0600"

# ---- remove: the key is deleted at once, the history stays
ok "remove the destination" seg destination remove ap
is "$(seg destination list --json | jq '[.destinations[].name] | join(",")' -r)" "ap2" "it is gone from the list"
is "$(seg destination list --all --json | jq -r '.destinations[] | select(.name == "ap") | .status')" removed "list --all shows it removed"
is "$(sqlite3 "$DB" "SELECT count(*) FROM destinations WHERE name = 'ap' AND api_key_box IS NOT NULL")" 0 "its encrypted key is deleted"
is "$(sqlite3 "$DB" "SELECT count(*) FROM export_configs c JOIN destinations d USING(destination_id) WHERE d.name = 'ap'")" 0 "its configuration is deleted"
hist=$(seg export history ap --json)
like "$(jq '.runs | length' <<<"$hist")" '^[1-9]' "its run history stays"
is "$(jq -r '.runs[0].destination_removed' <<<"$hist")" true "marked as belonging to a removed destination"
out=$(seg export run ap 2>&1); rc=$?
is "$rc" 1 "its exports stop"
ok "the segment can be deleted now" seg segment delete Spain

# ---- the key never appears in clear: not in the store, the WAL, any output or log
sqlite3 "$DB" "PRAGMA wal_checkpoint" >/dev/null
found=0
for f in "$DB" "$DB"-wal "$OUT" "$TAP_TMP"/*.db "$SIM_ERR"; do
  [[ -f $f ]] || continue
  for k in "$KEY1" "$KEY2"; do
    if grep -aq "$k" "$f"; then found=1; diag "$k found in $f"; fi
  done
done
is "$found" 0 "no API key in clear in the store, its WAL, the outputs or the logs"

done_testing
