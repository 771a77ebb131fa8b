#!/usr/bin/env bash
# console_lib.sh: helpers for the console's tests (source after lib.sh and segship_lib.sh): a
# `segship serve` on a free port (stopped on exit), and a curl "browser" per user with its own
# cookie jar that signs in and reads the CSRF token of the last page.
CONSOLE_PID=
CONSOLE_URL=
CONSOLE_LOG=

# console_start [FLAGS...]: serve --listen 127.0.0.1:0 FLAGS; waits (20 s at most) for its port.
console_start() {
  CONSOLE_LOG="$TAP_TMP/serve.$RANDOM.log"
  "$SEGSHIP_BIN" --db "$DB" serve --listen 127.0.0.1:0 "$@" 2>"$CONSOLE_LOG" &
  CONSOLE_PID=$!
  local port=
  for _ in $(seq 200); do
    port=$(grep -o 'port=[0-9]*' "$CONSOLE_LOG" 2>/dev/null | head -n1 | cut -d= -f2)
    [[ -n $port ]] && break
    kill -0 "$CONSOLE_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $port ]] || BAIL_OUT "segship serve did not start: $(cat "$CONSOLE_LOG")"
  CONSOLE_URL="http://127.0.0.1:$port"
}

# console_stop: SIGTERM, and waits for the exit (30 s at most).
console_stop() {
  [[ -n $CONSOLE_PID ]] || return 0
  kill -TERM "$CONSOLE_PID" 2>/dev/null
  for _ in $(seq 300); do kill -0 "$CONSOLE_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$CONSOLE_PID" 2>/dev/null
  wait "$CONSOLE_PID" 2>/dev/null
  CONSOLE_PID=
}
trap 'console_stop; tap_cleanup' EXIT

# web JAR METHOD PATH [curl args...]: one request with the cookie jar JAR ($TAP_TMP/JAR.jar).
# Sets STATUS, BODY, HEADERS; CSRF becomes the token of the page's forms, if it has one.
web() {
  local jar="$TAP_TMP/$1.jar" method=$2 path=$3
  shift 3
  local out
  out=$(curl -s -D "$TAP_TMP/headers" -o "$TAP_TMP/body" -w '%{http_code}' -b "$jar" -c "$jar" -X "$method" \
    "$CONSOLE_URL$path" "$@")
  STATUS=$out
  BODY=$(cat "$TAP_TMP/body")
  HEADERS=$(tr -d '\r' <"$TAP_TMP/headers")
  local t
  t=$(grep -o 'name="csrf" value="[0-9a-f]*"' <<<"$BODY" | head -n1 | sed 's/.*value="//; s/"$//')
  [[ -n $t ]] && CSRF=$t
  return 0
}

# sign_in JAR USER PASSWORD: the sign-in page, then its form. STATUS 303 on success.
sign_in() {
  web "$1" GET /signin
  web "$1" POST /signin --data-urlencode "csrf=$CSRF" --data-urlencode "username=$2" --data-urlencode "password=$3"
}

# header NAME: the value of a response header of the last request.
header() { grep -i "^$1:" <<<"$HEADERS" | head -n1 | cut -d' ' -f2-; }
