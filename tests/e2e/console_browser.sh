#!/usr/bin/env bash
# console_browser.sh: the seed's flow in a real browser against autopilot-sim: Debian's chromium
# driven by the npm package playwright-core (tests/browser, pinned; nothing downloaded at run
# time). Signs in, adds a destination (a wrong key first), connects, maps, picks segments, saves,
# exports, follows the progress, reads the history and an error, finds a profile, then checks that
# Autopilot holds exactly the segments, and removes the destination. Screenshots go to
# docs/console/ when SEGSHIP_SCREENSHOTS=1 (else to the test's temp dir).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"
source "$(dirname "$0")/console_lib.sh"

browser="$TAP_ROOT/tests/browser"
if ! command -v node >/dev/null || [[ ! -x /usr/bin/chromium ]]; then
  skip "node or /usr/bin/chromium is not installed (scripts/install-deps.sh installs them)"
  done_testing
fi
if [[ ! -d $browser/node_modules/playwright-core ]]; then
  if ! out=$(cd "$browser" && timeout 300 npm ci --no-audit --no-fund 2>&1); then
    if grep -qiE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network|socket hang up' <<<"$out"; then
      skip "the npm registry is unreachable and playwright-core is not installed"
      done_testing
    fi
    BAIL_OUT "npm ci in tests/browser failed: $out"
  fi
fi

sim_start --api-key "$KEY1" --rate 0
setup_store 2000 15
seg profiles generate --count 2000 --seed 15 --invalid 3 --out "$TAP_TMP/profiles.csv"
seg profiles import "$TAP_TMP/profiles.csv" >/dev/null
seg segment create Spain --rule 'Country = "spain"' >/dev/null
seg segment create Subscribers --rule 'IsSubscribed and Orders > 5' >/dev/null
console_start

shots="$TAP_TMP/shots"
[[ ${SEGSHIP_SCREENSHOTS:-} == 1 ]] && shots="$TAP_ROOT/docs/console"
mkdir -p "$shots"
run_phase() { # flow|remove
  (cd "$browser" && CONSOLE_URL=$CONSOLE_URL SIM_URL=$SIM_URL GOOD_KEY=$KEY1 SEGSHIP_BIN=$SEGSHIP_BIN DB=$DB SHOTS=$shots DEBUG_HTML=${DEBUG_HTML:-} \
    timeout 600 node console_flow.mjs "$1") >"$TAP_TMP/browser.out" 2>&1
  local rc=$? checks=0 line
  while IFS= read -r line; do
    case $line in
      PASS\ *) pass "browser: ${line#PASS }"; checks=$((checks + 1)) ;;
      FAIL\ *) fail "browser: ${line#FAIL }"; checks=$((checks + 1)) ;;
      DIAG\ *) diag "${line#DIAG }" ;;
      *) diag "$line" ;;
    esac
  done <"$TAP_TMP/browser.out"
  is "$rc" 0 "the browser's $1 ends without a failure"
  ((checks > 0)) || fail "the browser ran its checks"
}

run_phase flow
is "$(seg export show "Autopilot EU" --json | jq -c .segments)" '["Spain","Subscribers"]' "the browser configured the export"
is_exact "Autopilot EU" "Autopilot holds exactly the segments exported from the browser"
unlike "$(cat "$CONSOLE_LOG")" "$KEY1" "the API key is in no log line"
is "$(sqlite3 "$DB" .dump | grep -c "$KEY1")" 0 "nor in the store in plain text"
run_phase remove
is "$(seg export history "Autopilot EU" --json 2>/dev/null | jq '.runs | length')" 1 "the run history stays after removal"
console_stop
done_testing
