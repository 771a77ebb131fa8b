#!/usr/bin/env bash
# cli_security.sh: where the API key may travel (https or loopback only; plain http to another
# machine only with --allow-insecure-http, warned at every run; a new host asks for the key
# again), the store and key files (0600, refused when others may read them, never through a
# symbolic link, the key file owned by its user), and no core dump of a running service.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

sim_start --api-key "$KEY1" --api-key "$KEY2" --rate 0
PORT=${SIM_URL##*:}
setup_store 200 7
seg segment create Spain --rule 'Country = "Spain"' >/dev/null
seg segment refresh >/dev/null
count_dest() { seg destination list --json | jq '.destinations | length'; }
calls() { curl -s "$SIM_URL/__sim/stats" | jq '[.by_route[]] | add // 0'; }
dadd() { seg destination add "$@" --api-key-file "$TAP_TMP/key1" --accept-privacy --export-user alice --rate-limit 0 --timeout 5; }

# ---- 1. https, or plain http on this machine only
before=$(calls)
out=$(dadd far --api-url "http://0.0.0.0:$PORT/v1" 2>&1); rc=$?
is "$rc" 1 "a plain http:// URL to another machine is refused"
like "$out" "plain http:// to another machine.*use https://.*--allow-insecure-http" "in one sentence saying what to do"
is "$(count_dest)" 0 "nothing was saved"
is "$(calls)" "$before" "and no connection was made (the simulator saw no request)"
out=$(dadd far --api-url "ftp://example.com/v1" 2>&1); rc=$?
is "$rc" 1 "a URL that is not http(s) is refused"
like "$out" "must be an https:// URL" "saying it must be https"
n=0
for url in "http://127.0.0.1:$PORT/v1" "http://localhost:$PORT/v1"; do
  name=lo$((++n))
  ok "plain http to loopback is accepted ($url)" dadd "$name" --api-url "$url"
done
out=$(dadd far --api-url "http://0.0.0.0:$PORT/v1" --allow-insecure-http 2>&1); rc=$?
is "$rc" 0 "--allow-insecure-http accepts it"
is "$(seg destination show far --json | jq -r .allow_insecure_http)" true "and the destination records it"
seg export configure far --email Email --segments Spain >/dev/null
out=$(seg export run far 2>&1); rc=$?
is "$rc" 0 "an export over accepted plain http runs"
like "$out" "warn +destination.insecure_http .*far.*plain http" "and warns"
out=$(seg export run far 2>&1)
like "$out" "destination.insecure_http" "at every run"
# a store written before this check (or edited by hand): the run refuses before any connection
sqlite3 "$DB" "UPDATE destinations SET allow_insecure_http = 0 WHERE name = 'far'"
before=$(calls)
out=$(seg export run far 2>&1); rc=$?
is "$rc" 1 "a stored plain-http URL that was never accepted is refused at run time"
like "$out" "has the API URL http://0.0.0.0:$PORT/v1, not https:// to another machine, so nothing was sent" "with the reason"
is "$(calls)" "$before" "and no request was made"

# ---- 2. a new host asks for the key again
out=$(seg destination update lo1 --api-url "http://localhost:$PORT/v1" 2>&1); rc=$?
is "$rc" 2 "moving to another host without the key is refused"
like "$out" "another host .*must not receive the stored key.*--api-key-file" "saying to give the key again"
is "$(seg destination show lo1 --json | jq -r .api_url)" "http://127.0.0.1:$PORT/v1" "the URL is unchanged"
out=$(seg destination update lo1 --api-url "http://0.0.0.0:$PORT/v1" --api-key-file "$TAP_TMP/key2" 2>&1); rc=$?
is "$rc" 1 "update refuses plain http to another machine too"
like "$out" "plain http:// to another machine" "with the same sentence"
seg export configure lo2 --email Email --segments Spain >/dev/null
ok "with the key again it moves" seg destination update lo1 --api-url "http://localhost:$PORT/v1" --api-key-file "$TAP_TMP/key2"
show=$(seg destination show lo1 --json)
is "$(jq -r .api_url <<<"$show")" "http://localhost:$PORT/v1" "to the new URL"
is "$(jq -r .api_key <<<"$show")" "••••3210" "with the key given, not the stored one"
ok "the same host with another path keeps the stored key" seg destination update lo1 --api-url "http://localhost:$PORT/v1/"
out=$(seg destination update lo1 --api-key-file "$TAP_TMP/key1" 2>&1); rc=$?
is "$rc" 2 "a key without a new URL goes to rotate-key"

# ---- 3. files: 0600, refused when others may read them, the key file its user's
mode() { stat -c %a "$1"; }
is "$(mode "$DB")" 600 "the store is created 0600"
is "$(mode "$DB.key")" 600 "the master key is 0600"
umask 022
"$SEGSHIP_BIN" --db "$TAP_TMP/u.db" init >/dev/null
is "$(mode "$TAP_TMP/u.db")" 600 "whatever the caller's umask"
"$SEGSHIP_BIN" profiles generate --count 3 --out "$TAP_TMP/gen.csv"
is "$(mode "$TAP_TMP/gen.csv")" 600 "and so is an --out file (umask 077)"
chmod 644 "$DB"
out=$(seg segment list 2>&1); rc=$?
is "$rc" 1 "a store readable by others is refused"
is "$out" "segship: the store file $DB can be read or written by other users (mode 644); run: chmod 600 $DB" "in one sentence saying how to fix it"
chmod 600 "$DB"
ok "chmod 600 fixes it" seg segment list
chown 65534 "$DB.key"
out=$(seg export run lo2 2>&1); rc=$?
is "$rc" 1 "a master key file that belongs to another user is refused"
like "$out" "belongs to another user .*chown" "saying whose it must be"
chown "$(id -u)" "$DB.key"

# ---- 4. no symbolic links
ln -s "$DB" "$TAP_TMP/link.db"
out=$("$SEGSHIP_BIN" --db "$TAP_TMP/link.db" segment list 2>&1); rc=$?
is "$rc" 1 "a store reached through a symbolic link is refused"
like "$out" "is a symbolic link, which segship does not follow" "in one sentence"
mv "$DB.key" "$TAP_TMP/real.key"
ln -s "$TAP_TMP/real.key" "$DB.key"
out=$(seg export run lo2 2>&1); rc=$?
is "$rc" 1 "a master key file that is a symbolic link is refused"
like "$out" "master key file .* is a symbolic link" "saying so"
rm "$DB.key" && mv "$TAP_TMP/real.key" "$DB.key"
ln -s "$TAP_TMP/key1" "$TAP_TMP/keylink"
out=$(seg destination rotate-key lo2 --api-key-file "$TAP_TMP/keylink" 2>&1); rc=$?
is "$rc" 1 "an API key file that is a symbolic link is refused"
like "$out" "API key file .* is a symbolic link" "saying so"
echo precious >"$TAP_TMP/precious"
ln -s "$TAP_TMP/precious" "$TAP_TMP/out.csv"
out=$(seg profiles generate --count 3 --out "$TAP_TMP/out.csv" 2>&1); rc=$?
is "$rc" 1 "--out through a symbolic link is refused"
is "$(cat "$TAP_TMP/precious")" precious "and the file it points at is untouched"
ln -s "$TAP_TMP/precious" "$DB.export-$(sqlite3 "$DB" "SELECT destination_id FROM destinations WHERE name = 'lo2'").lock"
out=$(seg export run lo2 2>&1); rc=$?
is "$rc" 1 "a lock file that is a symbolic link is refused"
like "$out" "lock file .* is a symbolic link" "saying so"
is "$(cat "$TAP_TMP/precious")" precious "and the file it points at is untouched"

# ---- 8. notifications: the URL https or loopback; a command that hangs is killed, the service goes on
out=$(seg serve --listen 127.0.0.1:0 --notify-url http://0.0.0.0:9/hook 2>&1); rc=$?
is "$rc" 1 "a plain http --notify-url to another machine is refused"
like "$out" "--notify-url http://0.0.0.0:9/hook is plain http:// to another machine; use https://" "in one sentence"
printf '#!/bin/sh\nsleep 100000\n' >"$TAP_TMP/hang.sh"
chmod +x "$TAP_TMP/hang.sh"
seg schedule set "@every 1s" >/dev/null
control POST /keys "{\"revoke\": \"$KEY1\"}"
"$SEGSHIP_BIN" --db "$DB" serve --listen 127.0.0.1:0 --notify-command "$TAP_TMP/hang.sh" --notify-timeout 1 \
  2>"$TAP_TMP/notify.log" &
NOTIFY_SERVE=$!
for _ in $(seq 1200); do (( $(grep -c notify.command.killed "$TAP_TMP/notify.log") >= 2 )) && break; sleep 0.1; done
kills=$(grep -c notify.command.killed "$TAP_TMP/notify.log")
(( kills >= 2 )) && pass "a notify command that never ends is killed, and the service goes on to the next ($kills kills)" ||
  fail "the service stalled on the notify command" "$(tail -n 20 "$TAP_TMP/notify.log")"
like "$(grep -m1 notify.command.killed "$TAP_TMP/notify.log")" "did not finish within 1000 ms; it was killed with its process group" "the kill is logged"
pgid=$(grep -m1 -o 'killed with its process group (pid [0-9]*' "$TAP_TMP/notify.log" | grep -o '[0-9]*$')
left=$(ps -e -o pid=,pgid=,stat=,args= | awk -v g="$pgid" '$2 == g && $3 !~ /^Z/') # zombies wait for init to reap them
is "$left" "" "nothing of its process group $pgid is left (the sleep it started included)"
kill -TERM "$NOTIFY_SERVE"
wait "$NOTIFY_SERVE"
is "$?" 0 "the service stops cleanly"
control POST /keys "{\"restore\": \"$KEY1\"}"

# ---- 3 and 5. a running service: its store's -wal and -shm are 0600; no core dump, not dumpable
# Not dumpable shows as /proc/PID/mem owned by root instead of the process's user; so the service
# runs as another user (nobody) when this test runs as root.
as_user=()
svc_dir=$TAP_TMP/svc
mkdir -p "$svc_dir"
if [[ $(id -u) == 0 ]]; then
  chmod 711 "$TAP_TMP" && chown 65534:65534 "$svc_dir"
  as_user=(setpriv --reuid 65534 --regid 65534 --clear-groups)
fi
"${as_user[@]}" "$SEGSHIP_BIN" --db "$svc_dir/s.db" init >/dev/null
ulimit -S -c "$(ulimit -H -c)" # allow core files, as far as this shell may: segship itself must refuse them
"${as_user[@]}" "$SEGSHIP_BIN" --db "$svc_dir/s.db" serve --listen 127.0.0.1:0 2>"$TAP_TMP/svc.log" &
SVC_PID=$!
for _ in $(seq 200); do grep -q 'port=[0-9]' "$TAP_TMP/svc.log" && break; sleep 0.1; done
like "$(cat "$TAP_TMP/svc.log")" "service.started" "the service started"
is "$(mode "$svc_dir/s.db-wal")" 600 "the store's -wal is 0600"
is "$(mode "$svc_dir/s.db-shm")" 600 "the store's -shm is 0600"
is "$(awk '/^Max core file size/ {print $5}' "/proc/$SVC_PID/limits")" 0 "the service's core file limit is 0 (its shell's: $(ulimit -c))"
isnt "$(ps -o uid= -p "$SVC_PID" | tr -d " ")" 0 "(the service runs as a user other than root)"
is "$(stat -c %u "/proc/$SVC_PID/mem")" 0 "the service is not dumpable: its /proc/PID/mem belongs to root"
kill -TERM "$SVC_PID"
wait "$SVC_PID"
is "$?" 0 "the service stops cleanly"

done_testing
