#!/usr/bin/env bash
# sim_npm_client.sh: a real Autopilot client we did not write (the npm package autopilot-api,
# pinned in tests/compat/package.json) runs unchanged against autopilot-sim. Installs it into the
# git-ignored tests/compat/node_modules when missing; skips when the npm registry is unreachable.
source "$(dirname "$0")/lib.sh"

compat="$TAP_ROOT/tests/compat"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  skip "node or npm not installed (scripts/install-deps.sh installs them)"
  done_testing
fi
if [[ ! -d $compat/node_modules/autopilot-api ]]; then
  # npm ci installs exactly the lockfile and never rewrites it.
  if ! out=$(cd "$compat" && timeout 300 npm ci --no-audit --no-fund 2>&1); then
    if grep -qiE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network|socket hang up' <<<"$out"; then
      skip "npm registry unreachable"
      done_testing
    fi
    fail "npm ci installs autopilot-api" "$out"
    done_testing
  fi
fi
pass "autopilot-api is installed"

sim_start --api-key 0123456789abcdef0123456789abcdef --rate 0
(cd "$compat" && SIM_URL=$SIM_URL SIM_KEY=$SIM_KEY timeout 120 node client_check.js) >"$TAP_TMP/client.out" 2>&1
rc=$?
checks=0
while IFS= read -r line; do
  case $line in
    PASS\ *) pass "autopilot-api: ${line#PASS }"; checks=$((checks + 1)) ;;
    FAIL\ *) fail "autopilot-api: ${line#FAIL }"; checks=$((checks + 1)) ;;
    DIAG\ *) diag "${line#DIAG }" ;;
    *) diag "$line" ;;
  esac
done <"$TAP_TMP/client.out"
is "$rc" 0 "the client script exits 0"
((checks >= 30)) && pass "the client script ran all its checks ($checks)" || fail "the client script ran all its checks" "only $checks"

control GET /stats
is "$(j '.by_status["500"] // 0')" 0 "the client run caused no 500"
sim_stop
done_testing
