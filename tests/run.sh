#!/usr/bin/env bash
# Runs every test of segship built in BUILD (default build): the cmocka unit tests and the
# end-to-end scripts, all speaking TAP. Prints one line per file and ends with "N passed, N failed".
# Usage: tests/run.sh [BUILD] [FILTER]   (FILTER: run only files whose name contains it)
set -u
build=${1:-build}
filter=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export SEGSHIP_BIN="$root/$build/segship" SIM_BIN="$root/$build/autopilot-sim" SEGSHIP_BUILD="$root/$build"
export CMOCKA_MESSAGE_OUTPUT=TAP
logdir="$root/$build/test-logs"
mkdir -p "$logdir"

# Sanitizer reports of any process a test starts (segship, the simulator) land in files, checked
# after each test file: a report fails the file even when every assertion passed.
sandir="$root/$build/sanitizer-reports"
mkdir -p "$sandir"
rm -f "$sandir"/*
if [[ -n ${ASAN_OPTIONS+x} || -n ${UBSAN_OPTIONS+x} ]]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$sandir/asan"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$sandir/ubsan"
fi

passed=0 failed=0 failed_files=()
run_one() { # name, command...
  local name=$1; shift
  # Tests of the PostgreSQL source run against a private server of their own (scripts/with-postgres.sh)
  # unless one is given (SEGSHIP_TEST_PG_URI).
  if [[ $name == *postgres* && -z ${SEGSHIP_TEST_PG_URI:-} ]]; then set -- bash "$root/scripts/with-postgres.sh" "$@"; fi
  local log="$logdir/$name.log" t0 t1 p f rc
  t0=$(date +%s)
  timeout --kill-after=10 900 "$@" >"$log" 2>&1
  rc=$?
  t1=$(date +%s)
  p=$(grep -cE '^ok [0-9]+' "$log")
  f=$(grep -cE '^not ok [0-9]+' "$log")
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; echo "not ok - $name exited with status $rc" >>"$log"; fi
  if compgen -G "$sandir/*" >/dev/null; then
    f=$((f + 1))
    { echo "not ok - sanitizer reports while running $name:"; head -n 40 "$sandir"/* | sed 's/^/# /'; } >>"$log"
    mkdir -p "$logdir/sanitizer-$name" && mv "$sandir"/* "$logdir/sanitizer-$name/"
  fi
  passed=$((passed + p)); failed=$((failed + f))
  if [[ $f -gt 0 ]]; then
    failed_files+=("$name")
    printf 'FAIL %-28s %4d passed, %d failed (%ds)\n' "$name" "$p" "$f" $((t1 - t0))
    grep -E '^not ok|^#' "$log" | grep -vE '^# (ok|skip)' | head -n 40 | sed 's/^/     /'
    # sanitizer reports and crashes
    grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | head -n 10 | sed 's/^/     /'
  else
    printf 'ok   %-28s %4d passed (%ds)\n' "$name" "$p" $((t1 - t0))
  fi
}

for t in "$build"/tests/test_*; do
  [[ -x $t ]] || continue
  name=$(basename "$t")
  [[ -z $filter || $name == *"$filter"* ]] || continue
  run_one "$name" "$t"
done
for t in "$build"/tests/replay_*; do
  [[ -x $t ]] || continue
  name=$(basename "$t")
  [[ -z $filter || $name == *"$filter"* ]] || continue
  run_one "$name" "$t" "fuzz/corpus/${name#replay_}"
done
for t in tests/e2e/*.sh; do
  case $(basename "$t") in lib.sh | *_lib.sh) continue ;; esac # helpers, not tests
  [[ -f $t ]] || continue
  name=$(basename "$t" .sh)
  [[ -z $filter || $name == *"$filter"* ]] || continue
  run_one "$name" bash "$t"
done

echo "$passed $failed" >"$build/test-summary"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
