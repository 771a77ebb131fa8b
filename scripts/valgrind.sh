#!/usr/bin/env bash
# valgrind.sh: the integration tests with every segship, autopilot-sim and ortto-sim process under
# valgrind's memcheck (errors and definite or possible leaks fail the test), and the unit tests
# too. Timing-bound tests (fault injection, rate limits, the service's timing) are left to the
# sanitizer suite: valgrind slows programs tenfold.
# Usage: scripts/valgrind.sh [BUILD [FILTER]]  (FILTER: run only the tests whose name contains it)
set -u
build=${1:-build}
filter=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
wrap="$root/$build/valgrind"
logs="$wrap/logs"
rm -rf "$wrap"
mkdir -p "$logs"
for prog in segship autopilot-sim ortto-sim; do
  cat >"$wrap/$prog" <<WRAP
#!/usr/bin/env bash
exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,possible \\
  --show-leak-kinds=definite,possible --track-origins=no --log-file="$logs/$prog.%p.log" \\
  "$root/$build/$prog" "\$@"
WRAP
  chmod +x "$wrap/$prog"
done
for t in "$build"/tests/test_*; do
  [[ -x $t && $t != *.d ]] || continue
  cp "$wrap/segship" "$wrap/$(basename "$t")"
  sed -i "s|$root/$build/segship|$root/$t|" "$wrap/$(basename "$t")"
done

export SEGSHIP_BIN="$wrap/segship" SIM_BIN="$wrap/autopilot-sim" ORTTO_BIN="$wrap/ortto-sim"
passed=0 failed=0
for name in test_util test_csv test_ingest test_rule test_cron test_security test_ortto test_guards cli_profiles cli_segments \
            cli_destinations cli_export sim_basics sim_contacts sim_lists sim_bad_input ortto_sim_basics ortto_sim_merge \
            ortto_sim_reads; do
  [[ -n $filter && $name != *"$filter"* ]] && continue
  if [[ $name == test_* ]]; then cmd=("$wrap/$name"); else cmd=(bash "tests/e2e/$name.sh"); fi
  out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 1800 "${cmd[@]}" 2>&1)
  rc=$?
  p=$(grep -cE '^ok [0-9]+' <<<"$out")
  f=$(grep -cE '^not ok [0-9]+' <<<"$out")
  bad=$(grep -lE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|possibly lost: [1-9]|Invalid (read|write)|uninitialised' "$logs"/*.log 2>/dev/null | head -n 5)
  if [[ -n $bad ]]; then
    f=$((f + 1))
    echo "FAIL $name: valgrind reports:"
    for b in $bad; do sed 's/^/     /' "$b" | head -n 30; done
    mkdir -p "$logs/failed-$name" && mv "$logs"/*.log "$logs/failed-$name/"
  fi
  rm -f "$logs"/*.log
  [[ $rc -ne 0 && $f -eq 0 ]] && f=1
  passed=$((passed + p)) failed=$((failed + f))
  printf '%-5s %-22s %4d passed, %d failed\n' "$([[ $f -eq 0 ]] && echo ok || echo FAIL)" "$name" "$p" "$f"
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
