#!/usr/bin/env bash
# cli_guards.sh: the export's removal guard against autopilot-sim. A truncated source empties the
# segments; the next run is held (status held, exit 1, no call at all, the way on in the message),
# a dry run says it would be, the service notifies it and /metrics counts it; then
# --allow-large-removal makes the removals and Autopilot equals the segments again.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

# delete_calls: the removal calls the simulator received so far.
delete_calls() {
  curl -s "$SIM_URL/__sim/stats" | jq '[.by_route | to_entries[] | select(.key | startswith("DELETE ")) | .value] | add // 0'
}
requests() { curl -s "$SIM_URL/__sim/stats" | jq .requests; }

sim_start --api-key "$KEY1" --rate 0 --seed 7
setup_store 1500 91
seg segment create Everyone --rule 'Orders >= 0' >/dev/null
seg segment create Spain --rule 'Country = "spain"' >/dev/null
add_destination ap
seg export configure ap --email Email --segments Everyone,Spain >/dev/null
is "$(seg export show ap --json | jq .max_removal)" 20 "the removal guard defaults to 20%"
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the first run fills the lists"
members=$(curl -s "$SIM_URL/__sim/state?key=$KEY1" | jq --arg k "$KEY1" '.accounts[$k].lists[] | select(.title == "Everyone") | .contacts | length')
like "$members" '^1[0-9]{3}$' "the list Everyone holds over a thousand people ($members)"

# ---- the source file is truncated: two thirds of the people leave every segment
head -n 501 "$TAP_TMP/profiles.csv" >"$TAP_TMP/truncated.csv"
seg profiles import "$TAP_TMP/truncated.csv" --replace --max-delete 100 >/dev/null
seg segment refresh >/dev/null

json=$(seg export run ap --dry-run --json)
is "$(jq -r .would_hold <<<"$json")" true "a dry run says the run would be held"
like "$(jq -r .hold_message <<<"$json")" "would remove [0-9]+ of the [0-9]+ confirmed members of the list '(Everyone|Spain)'" \
  "naming the list and the counts"
out=$(seg export run ap --dry-run)
like "$out" "the run would be held: this run would remove" "the text dry run says so too"

r0=$(requests)
d0=$(delete_calls)
out=$(seg export run ap 2>&1); rc=$?
is "$rc" 1 "a run removing most of a list exits 1"
like "$out" "run [0-9]+ of 'ap': held" "its status is held"
like "$out" "would remove [0-9]+ of the [0-9]+ confirmed members of the list '(Everyone|Spain)' \\([0-9]+%\\), more than the limit of 20%; nothing was sent" \
  "the message says how many of how many"
like "$out" "segship export run ap --allow-large-removal" "and how to go on once"
like "$out" "segship export configure ap --max-removal [0-9]+" "or for good"
is "$(requests)" "$r0" "a held run makes no call at all"
is "$(delete_calls)" "$d0" "in particular no removal (DELETE) call"
hist=$(seg export history ap --json)
is "$(jq -r '.runs[0].status' <<<"$hist")" held "the history records the run as held"
like "$(jq -r '.runs[0].message' <<<"$hist")" "--allow-large-removal" "with the way on"
like "$(seg export history ap)" " held " "the text history shows held"
is "$(seg export run ap --json 2>/dev/null | jq -r .status)" held "--json reports the status held"
is "$(requests)" "$r0" "still no call"

# ---- the service notifies a held run, and /metrics counts it
printf '#!/bin/sh\ncat > "%s"\n' "$TAP_TMP/notified.json" >"$TAP_TMP/notify.sh"
chmod +x "$TAP_TMP/notify.sh"
seg schedule set "@every 1s" >/dev/null
"$SEGSHIP_BIN" --db "$DB" serve --listen 127.0.0.1:0 --notify-command "$TAP_TMP/notify.sh" 2>"$TAP_TMP/serve.log" &
serve_pid=$!
for _ in $(seq 600); do [[ -s $TAP_TMP/notified.json ]] && break; sleep 0.1; done # 60 s at most
is "$(jq -r .status "$TAP_TMP/notified.json" 2>/dev/null)" held "the service sends a held run to the notify command"
like "$(jq -r .message "$TAP_TMP/notified.json" 2>/dev/null)" "--allow-large-removal" "with the way on"
port=$(grep -o 'port=[0-9]*' "$TAP_TMP/serve.log" | head -n1 | cut -d= -f2)
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
like "$(grep '^segship_export_runs_total{destination="ap",status="held"}' <<<"$metrics")" ' [1-9][0-9]*$' \
  "/metrics counts held runs"
kill -TERM "$serve_pid"
wait "$serve_pid"
seg schedule set "0 6 * * *" >/dev/null
is "$(requests)" "$r0" "the service's held runs made no call either"

# ---- --allow-large-removal, once
json=$(seg export run ap --allow-large-removal --json); rc=$?
is "$rc" 0 "--allow-large-removal lets the run go"
is "$(jq -r .status <<<"$json")" succeeded "it succeeds"
(( $(delete_calls) > d0 )) && pass "the removal calls were made" || fail "no DELETE call"
is_exact ap "Autopilot's lists equal the segments again"
json=$(seg export run ap --json)
is "$(jq -r .status <<<"$json")" succeeded "the next run has nothing to hold"

# ---- export configure --max-removal
out=$(seg export configure ap --max-removal 120 2>&1); rc=$?
is "$rc" 2 "--max-removal above 100 is a usage error"
like "$out" "--max-removal takes a percentage" "saying what it takes"
seg profiles import "$TAP_TMP/profiles.csv" >/dev/null # everyone back
seg segment refresh >/dev/null
seg export run ap >/dev/null
head -n 201 "$TAP_TMP/profiles.csv" >"$TAP_TMP/truncated.csv"
seg profiles import "$TAP_TMP/truncated.csv" --replace --max-delete 100 >/dev/null
seg segment refresh >/dev/null
is "$(seg export run ap --json 2>/dev/null | jq -r .status)" held "a large removal is held again"
ok "raise the limit" seg export configure ap --max-removal 100
like "$(seg export show ap)" "removal guard  off" "export show tells the guard is off"
is "$(seg export run ap --json | jq -r .status)" succeeded "with --max-removal 100 the run goes"
is_exact ap "and Autopilot equals the segments"

# ---- a small list may change a lot: under 100 members nothing is held
seg export configure ap --max-removal 20 >/dev/null
head -n 61 "$TAP_TMP/truncated.csv" >"$TAP_TMP/small.csv"
seg profiles import "$TAP_TMP/small.csv" --replace --max-delete 100 >/dev/null
seg segment create Few --rule 'Orders >= 0' >/dev/null
seg export configure ap --segments Few >/dev/null
is "$(seg export run ap --json | jq -r .status)" succeeded "a list of 60"
head -n 11 "$TAP_TMP/truncated.csv" >"$TAP_TMP/tiny.csv"
seg profiles import "$TAP_TMP/tiny.csv" --replace --max-delete 100 >/dev/null
seg segment refresh >/dev/null
is "$(seg export run ap --json | jq -r .status)" succeeded "a list of fewer than 100 members is never held"
done_testing
