#!/usr/bin/env bash
# lib.sh: TAP helpers shared by the end-to-end tests (source it): assertions that print
# "ok N - desc" / "not ok N - desc" with "# ..." diagnostics, a temp dir per script removed on
# exit, and starting/stopping a simulator ($SIM_BIN: autopilot-sim, or ortto-sim with
# use_ortto_sim) on a free port. Needs curl and jq.
#
#   source "$(dirname "$0")/lib.sh"
#   sim_start --api-key k1 --rate 0       # sets SIM_URL, SIM_PID, SIM_ERR
#   api GET /account                      # sets STATUS and BODY (key: $SIM_KEY, default: first --api-key)
#   is "$STATUS" 200 "account answers"
#   sim_stop                              # two tests: exit status 0, no sanitizer report
#   done_testing

set -u

# Run directly (tests/run.sh runs every tests/e2e/*.sh), it is no test: a TAP skip-all plan.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  echo "1..0 # SKIP lib.sh is the helper library that the tests source"
  exit 0
fi

TAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAP_N=0
TAP_FAILED=0
TAP_PLANNED=
TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/e2e.XXXXXX")
: "${SIM_BIN:=${SEGSHIP_BUILD:-$TAP_ROOT/build}/autopilot-sim}"
: "${ORTTO_BIN:=${SEGSHIP_BUILD:-$TAP_ROOT/build}/ortto-sim}"
SIM_PID=
SIM_URL=
SIM_ERR=
SIM_KEY=${SIM_KEY:-}
SIM_COUNT=0
STATUS=
BODY=

# ---------------------------------------------------------------- TAP

# plan N: announces N tests up front (optional; done_testing prints the plan otherwise).
plan() { TAP_PLANNED=$1; echo "1..$1"; }

# diag TEXT...: each argument (which may hold several lines) as TAP comment lines on stdout.
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

tap_result() { # passed(0|1) desc
  TAP_N=$((TAP_N + 1))
  if [[ $1 == 0 ]]; then
    echo "ok $TAP_N - $2"
  else
    echo "not ok $TAP_N - $2"
    TAP_FAILED=$((TAP_FAILED + 1))
  fi
}

pass() { tap_result 0 "$1"; }
fail() { tap_result 1 "$1"; [[ $# -gt 1 ]] && diag "${@:2}"; return 0; }

# ok DESC COMMAND [ARGS...]: passes when the command exits 0.
ok() {
  local desc=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$desc"; else fail "$desc" "command failed: $*" "$out"; fi
}

# is GOT EXPECTED DESC: string equality.
is() {
  if [[ "$1" == "$2" ]]; then pass "$3"; else fail "$3" "     got: '$1'" "expected: '$2'"; fi
}

# isnt GOT UNEXPECTED DESC
isnt() {
  if [[ "$1" != "$2" ]]; then pass "$3"; else fail "$3" "got '$1', expected anything else"; fi
}

# like GOT REGEX DESC: bash extended regular expression match.
like() {
  if [[ "$1" =~ $2 ]]; then pass "$3"; else fail "$3" "     got: '$1'" "expected to match: /$2/"; fi
}

# unlike GOT REGEX DESC
unlike() {
  if [[ ! "$1" =~ $2 ]]; then pass "$3"; else fail "$3" "     got: '$1'" "expected not to match: /$2/"; fi
}

# skip REASON [COUNT]: records COUNT (default 1) skipped tests.
skip() {
  local i
  for ((i = 0; i < ${2:-1}; i++)); do TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $1"; done
}

# done_testing: prints the plan if none was given, and exits non-zero when a test failed.
done_testing() {
  [[ -n $SIM_PID ]] && sim_stop
  if [[ -z $TAP_PLANNED ]]; then
    echo "1..$TAP_N"
  elif [[ $TAP_PLANNED != "$TAP_N" ]]; then
    diag "planned $TAP_PLANNED tests but ran $TAP_N"
    TAP_FAILED=$((TAP_FAILED + 1))
  fi
  [[ $TAP_FAILED -eq 0 ]] || diag "$TAP_FAILED of $TAP_N tests failed"
  exit $((TAP_FAILED > 0 ? 1 : 0))
}

# BAIL_OUT REASON: stops the script at once.
BAIL_OUT() { echo "Bail out! $*"; exit 1; }

tap_cleanup() {
  if [[ -n $SIM_PID ]] && kill -0 "$SIM_PID" 2>/dev/null; then
    kill -TERM "$SIM_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SIM_PID" 2>/dev/null
    wait "$SIM_PID" 2>/dev/null
  fi
  # background jobs a test left behind (curl clients)
  local jobs_left
  jobs_left=$(jobs -p)
  [[ -n $jobs_left ]] && kill $jobs_left 2>/dev/null
  rm -rf "$TAP_TMP"
}
trap tap_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- the simulator

# sanitizer_report FILE: prints the sanitizer report lines in FILE, if any (status 0 when found).
sanitizer_report() {
  grep -E 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$1"
}

# sim_start [FLAGS...]: starts $SIM_BIN --listen 127.0.0.1:0 FLAGS in the background and waits (20 s
# at most) for its first line. Sets SIM_URL (http://127.0.0.1:PORT), SIM_PID, SIM_ERR (its stderr
# file) and, if unset, SIM_KEY (the first --api-key). Stops a simulator this script already runs.
sim_start() {
  [[ -n $SIM_PID ]] && sim_stop
  [[ -x $SIM_BIN ]] || BAIL_OUT "SIM_BIN=$SIM_BIN is not an executable (build it with make)"
  SIM_COUNT=$((SIM_COUNT + 1))
  local out="$TAP_TMP/sim.$SIM_COUNT.out"
  SIM_ERR="$TAP_TMP/sim.$SIM_COUNT.err"
  "$SIM_BIN" --listen 127.0.0.1:0 "$@" >"$out" 2>"$SIM_ERR" &
  SIM_PID=$!
  local line="" i
  for ((i = 0; i < 200; i++)); do
    line=$(head -n 1 "$out" 2>/dev/null)
    [[ $line == "listening on "* ]] && break
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ $line != "listening on http://127.0.0.1:"* ]]; then
    diag "simulator did not start: first line '$line'" "$(cat "$SIM_ERR")"
    kill -KILL "$SIM_PID" 2>/dev/null
    SIM_PID=
    BAIL_OUT "$(basename "$SIM_BIN") did not start"
  fi
  SIM_URL=${line#listening on }
  if [[ -z $SIM_KEY ]]; then
    local prev=""
    for a in "$@"; do
      [[ $prev == --api-key ]] && { SIM_KEY=$a; break; }
      [[ $a == --api-key=* ]] && { SIM_KEY=${a#--api-key=}; break; }
      prev=$a
    done
  fi
  export SIM_URL SIM_PID SIM_KEY
}

# sim_stop: SIGTERM, waits (30 s at most), then two tests: it exited 0, and its stderr holds no
# sanitizer report.
sim_stop() {
  [[ -n $SIM_PID ]] || return 0
  local pid=$SIM_PID rc i
  SIM_PID=
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    fail "simulator stops on SIGTERM" "still running after 30 s; killed"
  fi
  wait "$pid"
  rc=$?
  is "$rc" 0 "simulator exits 0 on SIGTERM"
  local report
  if report=$(sanitizer_report "$SIM_ERR"); then
    fail "simulator stderr has no sanitizer report" "$report" "$(head -n 60 "$SIM_ERR")"
  else
    pass "simulator stderr has no sanitizer report"
  fi
}

# ---------------------------------------------------------------- HTTP

# http METHOD URL [CURL ARGS...]: sets STATUS (000 when no answer came) and BODY.
http() {
  local method=$1 url=$2
  shift 2
  STATUS=$(curl -s -o "$TAP_TMP/body" -w '%{http_code}' --max-time 30 -X "$method" "$@" "$url")
  BODY=$(cat "$TAP_TMP/body" 2>/dev/null)
  rm -f "$TAP_TMP/body"
}

# api METHOD PATH [BODY [CURL ARGS...]]: a /v1 call with the key $SIM_KEY; sets STATUS and BODY.
# PATH is used as given (encode it yourself). A BODY of "" sends none.
api() {
  local method=$1 path=$2 body=${3:-}
  shift $(($# < 3 ? $# : 3))
  local args=(-H "autopilotapikey: $SIM_KEY")
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  http "$method" "$SIM_URL/v1$path" "${args[@]}" "$@"
}

# oapi PATH [BODY [CURL ARGS...]]: an ortto-sim call, POST /v1PATH with X-Api-Key: $SIM_KEY and
# the JSON BODY (default {}); sets STATUS and BODY.
oapi() {
  local path=$1 body=${2:-'{}'}
  shift $(($# < 2 ? $# : 2))
  http POST "$SIM_URL/v1$path" -H "X-Api-Key: $SIM_KEY" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}

# use_ortto_sim: the simulator of the script is ortto-sim from now on.
use_ortto_sim() { SIM_BIN=$ORTTO_BIN; }

# key_works KEY: one authenticated read with KEY on the running simulator (either API): status 0
# when it answers 200.
key_works() {
  if [[ $SIM_BIN == *ortto-sim* ]]; then SIM_KEY=$1 oapi /person/custom-field/get '{}'
  else SIM_KEY=$1 api GET /account; fi
  [[ $STATUS == 200 ]]
}

# control METHOD PATH [BODY]: a /__sim call (no key); sets STATUS and BODY.
control() {
  local args=()
  [[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  http "$1" "$SIM_URL/__sim$2" "${args[@]}"
}

# j FILTER: runs jq -r FILTER on BODY (prints "jq-error" when BODY is not JSON).
j() { jq -r "$1" <<<"$BODY" 2>/dev/null || echo jq-error; }

# is_error STATUS REASON DESC: the last answer had STATUS and the JSON error body of that reason.
is_error() {
  is "$STATUS" "$1" "$3: status $1"
  is "$(j '.error')" "$2" "$3: error is \"$2\""
  like "$(j '.message | type')" '^string$' "$3: has a message"
}

# wait_until COMMAND [ARGS...]: runs the command every 50 ms until it exits 0 (status 0), or
# gives up after 60 s (status 1). For waiting on a condition, never for measuring time.
wait_until() {
  local i
  for ((i = 0; i < 1200; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  return 1
}

# slow_waiting: prints how many slow answers the simulator holds right now (GET /__sim/stats).
slow_waiting() { control GET /stats; j .faults.slow_waiting; }

# urlencode TEXT: percent-encodes everything but unreserved characters.
urlencode() { jq -rn --arg s "$1" '$s|@uri'; }
