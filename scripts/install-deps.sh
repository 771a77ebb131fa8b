#!/usr/bin/env bash
# Installs the Debian packages that segship's build, tests and demo need, and only those missing.
# Idempotent: when everything is present it calls neither apt-get nor the network.
set -euo pipefail

packages=(
  gcc make pkg-config
  libsqlite3-dev libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev libsodium-dev
  libcmocka-dev libpq-dev
  postgresql-15
  jq curl sqlite3 tzdata time valgrind
)
# Node.js runs the third-party Autopilot client that checks the simulator, and the benchmark peer.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm  >/dev/null 2>&1 || packages+=(npm)
# The console's browser test drives Debian's chromium (tests/browser: playwright-core, which
# downloads no browser of its own).
packages+=(chromium)

# playwright-core for tests/browser, exactly as its lockfile pins it, when not installed yet.
browser_deps() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
  [[ -d $dir/node_modules/playwright-core ]] && return 0
  echo "installing playwright-core into tests/browser (npm ci)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund >/dev/null) ||
    echo "warning: npm ci in tests/browser failed; the browser test will install or skip" >&2
}

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  browser_deps
  exit 0
fi

echo "installing missing Debian packages: ${missing[*]}" >&2
if [[ $(id -u) -eq 0 ]]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
  echo "error: these packages are missing and this user cannot install them: ${missing[*]}; install them as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
  "${sudo[@]}" apt-get update -q >/dev/null
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
browser_deps
