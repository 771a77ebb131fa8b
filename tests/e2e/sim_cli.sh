#!/usr/bin/env bash
# sim_cli.sh: the simulators' guards on their command line (the shared core, run for both
# autopilot-sim and ortto-sim): a --listen address other than loopback is refused unless
# --allow-remote; keys come from --api-key-file as well as --api-key.
source "$(dirname "$0")/lib.sh"

for SIM_BIN in "$SIM_BIN" "$ORTTO_BIN"; do
name=$(basename "$SIM_BIN")
diag "---- $name"

# run_sim FLAGS...: runs the simulator expecting it to refuse its flags; sets RC and ERR.
run_sim() { ERR=$("$SIM_BIN" "$@" 2>&1 >/dev/null </dev/null); RC=$?; }

# ---- --listen: loopback only, unless --allow-remote
for addr in 0.0.0.0:0 '[::]:0' 192.0.2.1:0; do
  run_sim --api-key k1 --listen "$addr"
  is "$RC" 2 "--listen $addr is refused (exit 2)"
  like "$ERR" "is not a loopback address.*--allow-remote" "--listen $addr: the sentence says what to do"
  is "$(wc -l <<<"$ERR")" 1 "--listen $addr: one line"
done
# 192.0.2.1 is a documentation address no machine has: with --allow-remote the guard lets it
# through and the bind itself fails (exit 1), so nothing ever listens beyond loopback here.
run_sim --api-key k1 --listen 192.0.2.1:0 --allow-remote
is "$RC" 1 "--allow-remote lets a remote address through to the bind"
unlike "$ERR" "loopback" "and the loopback guard says nothing"

# loopback addresses in all their spellings start
start_direct() { # FLAGS...: starts the simulator, prints its first line, stops it
  # A file of its own for each start: called in $(...), a counter would not outlive the call, and
  # a reused file could still hold the previous start's line when the new one has not yet
  # truncated it (the redirection happens in the child, after the fork).
  local out
  out=$(mktemp "$TAP_TMP/direct.XXXXXX")
  "$SIM_BIN" "$@" >"$out" 2>"$out.err" &
  local pid=$!
  wait_until grep -q '^listening on ' "$out"
  head -n 1 "$out"
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
}
like "$(start_direct --api-key k1 --listen 127.0.0.1:0)" '^listening on http://127\.0\.0\.1:[0-9]+$' "127.0.0.1 is loopback"
like "$(start_direct --api-key k1 --listen 127.3.4.5:0)" '^listening on http://127\.3\.4\.5:[0-9]+$' "all of 127.0.0.0/8 is loopback"
like "$(start_direct --api-key k1 --listen localhost:0)" '^listening on http://(127\.0\.0\.1|\[::1\]):[0-9]+$' "localhost is loopback"
if ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
  like "$(start_direct --api-key k1 --listen '[::1]:0')" '^listening on http://\[::1\]:[0-9]+$' "::1 is loopback"
else
  skip "no IPv6 loopback on this machine"
fi

# ---- --api-key-file
printf 'fk1\n\n   \nfk2\r\n' >"$TAP_TMP/keys"
chmod 600 "$TAP_TMP/keys"
sim_start --api-key-file "$TAP_TMP/keys" --api-key k3 --rate 0
for k in fk1 fk2 k3; do
  ok "$name: key $k works (file keys, CRLF dropped, and --api-key together)" key_works "$k"
done
key_works fk3
is "$STATUS" 401 "$name: a key in neither place is refused"
control GET /state
is "$(j '.accounts|keys|join(",")')" "fk1,fk2,k3" "one account per key, blank lines ignored"
sim_stop

printf 'good1\nsecret with spaces\n' >"$TAP_TMP/badkeys"
run_sim --api-key-file "$TAP_TMP/badkeys"
is "$RC" 2 "a file with a bad line is refused (exit 2)"
like "$ERR" "line 2 is not a key" "the sentence names the line"
unlike "$ERR" "secret|good1" "and never prints a key"
printf '\n  \n' >"$TAP_TMP/nokeys"
run_sim --api-key-file "$TAP_TMP/nokeys"
is "$RC" 2 "a file with no key is refused"
like "$ERR" "holds no key" "and says so"
run_sim --api-key-file "$TAP_TMP/missing"
is "$RC" 2 "a missing file is refused"
like "$ERR" "cannot read --api-key-file .*missing: No such file" "and says why"
run_sim
like "$ERR" "--api-key KEY or --api-key-file FILE is required" "no key at all: both ways are named"
SIM_KEY=
done

done_testing
