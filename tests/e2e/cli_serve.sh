#!/usr/bin/env bash
# cli_serve.sh: sources, `segship refresh`, and `segship serve`: a service on "@every 3s" running
# two refreshes into autopilot-sim (only the changes the second time), /healthz and /metrics
# checked against the run history, the lock, a port in use, SIGHUP, notifications of a failed
# run, JSON logs without secrets, and SIGTERM during an export (exits in time, the next resumes).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

sim_start --api-key "$KEY1" --rate 0
setup_store 2000 61
seg segment create Spain --rule 'Country = "spain"' >/dev/null
add_destination ap
seg export configure ap --email Email --first-name FirstName --segments Spain >/dev/null
seg profiles generate --count 2000 --seed 61 --out "$TAP_TMP/feed.csv"
ok "add a source" seg source add warehouse --file "$TAP_TMP/feed.csv" --replace
is "$(seg source list --json | jq -r '.sources[0].path')" "$TAP_TMP/feed.csv" "the source keeps an absolute path"

# ---- a manual refresh, and a failing step that does not stop the others
ok "add a source that goes missing" seg source add gone --file "$TAP_TMP/nope.csv"
json=$(seg refresh --json); rc=$?
is "$rc" 1 "a refresh with a failed step exits 1"
is "$(jq -r '[.steps[] | "\(.kind):\(.target):\(.status)"] | join(" ")' <<<"$json")" \
  "import:gone:failed import:warehouse:ok segments:all:ok export:ap:succeeded" "the missing file failed; the rest ran"
like "$(jq -r '.steps[0].message' <<<"$json")" "cannot open" "with the cause"
seg source remove gone >/dev/null
is_exact ap "the refresh exported the segment"

# ---- schedule
out=$(seg schedule set "61 * * * *" 2>&1); rc=$?
is "$rc" 1 "an invalid cron expression is refused"
like "$out" "minute field '61' is out of range 0-59" "naming the field"
out=$(seg schedule set "0 6 * * *" --tz Europe/Madird 2>&1)
like "$out" "unknown time zone 'Europe/Madird'" "an unknown time zone is refused"
ok "set a schedule" seg schedule set "0 6 * * 1-5" --tz Europe/Madrid
is "$(seg schedule show --json | jq '.next | length')" 5 "show prints the next five runs"
ok "run every 3 seconds" seg schedule set "@every 3s"

# ---- the service
start_serve() { # extra flags...; sets SERVE_PID, SERVE_PORT, SERVE_LOG
  SERVE_LOG="$TAP_TMP/serve.$RANDOM.log"
  "$SEGSHIP_BIN" --db "$DB" serve --listen 127.0.0.1:0 "$@" 2>"$SERVE_LOG" &
  SERVE_PID=$!
  SERVE_PORT=
  for _ in $(seq 600); do # 60 s at most
    SERVE_PORT=$(grep -o 'port=[0-9]*' "$SERVE_LOG" 2>/dev/null | head -n1 | cut -d= -f2)
    [[ -n $SERVE_PORT ]] && break
    sleep 0.1
  done
}
wait_runs() { # N: waits (60 s at most) until destination ap has N runs
  for _ in $(seq 600); do
    [[ $(seg export history ap --json 2>/dev/null | jq '.runs | length') -ge $1 ]] && return 0
    sleep 0.1
  done
  return 1
}
printf '#!/bin/sh\ncat > "%s"\n' "$TAP_TMP/notified.json" >"$TAP_TMP/notify.sh"
chmod +x "$TAP_TMP/notify.sh"
runs0=$(seg export history ap --json | jq '.runs | length')
start_serve --log-format json --notify-command "$TAP_TMP/notify.sh"
like "$SERVE_PORT" '^[0-9]+$' "serve listens and logs its port"
is "$(curl -s "http://127.0.0.1:$SERVE_PORT/healthz" | jq -r .status)" ok "/healthz answers"
wait_runs $((runs0 + 1)) && pass "the schedule ran a refresh" || fail "no scheduled refresh"
# a later snapshot lands in the source: a refresh that starts after it sends only the changes
seg profiles generate --count 2000 --seed 61 --moved 5 --out "$TAP_TMP/feed.next"
mv "$TAP_TMP/feed.next" "$TAP_TMP/feed.csv"
runs_mv=$(seg export history ap --limit 1000 --json | jq '.runs | length')
wait_runs $((runs_mv + 2)) && pass "more refreshes ran" || fail "the service stopped refreshing"
hist=$(seg export history ap --limit 1000 --json)
# every run of the service together: the first refresh had exported everything already
sent=$(jq --argjson n "$runs0" '[.runs[] | .contacts_upserted] | .[0:length - $n] | add' <<<"$hist")
(( sent > 0 && sent < 400 )) && pass "later refreshes sent only the changes ($sent contacts)" || fail "sent $sent"
is_exact ap "the service keeps Autopilot exact"

# ---- /metrics agree with the history
# The service goes on running refreshes: read the history between two scrapes that agree, so no
# run can have finished between the scrape and the read (bounded: 60 tries).
export_lines() { grep '^segship_export_' <<<"$1" | grep -v timestamp; }
for _ in $(seq 60); do
  metrics=$(curl -s "http://127.0.0.1:$SERVE_PORT/metrics")
  hist=$(seg export history ap --limit 1000 --json)
  again=$(curl -s "http://127.0.0.1:$SERVE_PORT/metrics")
  [[ "$(export_lines "$metrics")" == "$(export_lines "$again")" ]] && break
done
m_ok=$(grep '^segship_export_runs_total{destination="ap",status="succeeded"}' <<<"$metrics" | awk '{print $2}')
is "$m_ok" "$(jq '[.runs[] | select(.status == "succeeded")] | length' <<<"$hist")" "/metrics counts runs by status as the history does"
m_sent=$(grep '^segship_export_contacts_sent_total{destination="ap"}' <<<"$metrics" | awk '{print $2}')
is "$m_sent" "$(jq '[.runs[].contacts_upserted] | add' <<<"$hist")" "contacts sent agree"
m_calls=$(grep '^segship_export_api_calls_total{destination="ap"}' <<<"$metrics" | awk '{print $2}')
is "$m_calls" "$(jq '[.runs[].api_calls] | add' <<<"$hist")" "API calls agree"
like "$metrics" 'segship_export_last_success_timestamp_seconds\{destination="ap"\} [0-9]+' "last success time per export"
like "$metrics" 'segship_export_throttled_total' "429s are exported"

# ---- one service per store; a port in use
out=$("$SEGSHIP_BIN" --db "$DB" serve --listen 127.0.0.1:0 2>&1); rc=$?
is "$rc" 1 "a second service on the same store is refused"
like "$out" "another segship serve \\(process $SERVE_PID\\)" "naming the process that holds it"
SEGSHIP_DB="$TAP_TMP/other.db" "$SEGSHIP_BIN" init >/dev/null
out=$(SEGSHIP_DB="$TAP_TMP/other.db" "$SEGSHIP_BIN" serve --listen "127.0.0.1:$SERVE_PORT" 2>&1); rc=$?
is "$rc" 1 "a port in use is refused"
like "$out" "cannot listen on 127.0.0.1:$SERVE_PORT" "and says so"

# ---- a failed run is notified; SIGHUP reloads
control POST /keys "{\"revoke\": \"$KEY1\"}"
for _ in $(seq 600); do [[ -s $TAP_TMP/notified.json ]] && break; sleep 0.1; done
is "$(jq -r .status "$TAP_TMP/notified.json" 2>/dev/null)" failed "a failed run is sent to the notify command as JSON"
like "$(jq -r .message "$TAP_TMP/notified.json")" "rejected the API key" "with its reason"
control POST /keys "{\"restore\": \"$KEY1\"}"
seg schedule set "0 6 * * *" >/dev/null
kill -HUP "$SERVE_PID"
for _ in $(seq 600); do grep -q service.reloaded "$SERVE_LOG" && break; sleep 0.1; done
like "$(cat "$SERVE_LOG")" "service.reloaded" "SIGHUP reloads the schedule"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
is "$?" 0 "SIGTERM stops the service cleanly"
bad=$(grep -cv '^{.*}$' "$SERVE_LOG")
is "$bad" 0 "--log-format json writes one JSON object a line"
jq -e . "$SERVE_LOG" >/dev/null && pass "and every line parses" || fail "a log line is not JSON"
grep -qF "$KEY1" "$SERVE_LOG" && fail "the key is in the log" || pass "no key in the log"

# ---- SIGTERM during an export: out within 10 s, the next run resumes exactly
control POST /reset
setup_store 4000 71
seg segment create Everyone --rule 'Orders >= 0' >/dev/null
seg destination add ap --api-key-file "$TAP_TMP/key1" --api-url "$SIM_URL/v1" --accept-privacy --export-user alice \
  --rate-limit 8 >/dev/null
seg export configure ap --email Email --segments Everyone >/dev/null
seg schedule set "@every 1s" >/dev/null
w0=$(writes)
start_serve
# SIGTERM once the export has made a few calls (not after a time: on a loaded machine the service
# may not even have started by then); the rate limit keeps it far from done.
wait_writes $((w0 + 3)) || BAIL_OUT "the scheduled export made no progress in 60 s"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
rc=$?
is "$rc" 0 "SIGTERM during an export exits cleanly"
hist=$(seg export history ap --json)
is "$(jq -r '.runs[0].status' <<<"$hist")" cancelled "the run is recorded as cancelled"
(( $(jq '.runs[0].contacts_upserted' <<<"$hist") < 3900 )) && pass "it stopped without finishing the export" ||
  fail "it finished the export before stopping"
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the next run resumes"
(( $(jq .contacts_upserted <<<"$json") < 3900 )) && pass "from where the service stopped" || fail "it started over"
is_exact ap "and ends exact" contacts

done_testing
