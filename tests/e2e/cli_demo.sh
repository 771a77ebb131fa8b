#!/usr/bin/env bash
# cli_demo.sh: `make demo` (scripts/demo.sh) passes, and no pipeline in it ends in a reader that
# stops early: it runs once more with a `head` first on PATH that refuses to read a pipe, since
# `segship ... | head` under pipefail dies of SIGPIPE (141) whenever head exits first.
source "$(dirname "$0")/lib.sh"
build=$(cd "$(dirname "${SEGSHIP_BIN:-$TAP_ROOT/build/segship}")" && pwd)

SEGSHIP_DEMO_DIR="$TAP_TMP/demo1" bash "$TAP_ROOT/scripts/demo.sh" "$build" >"$TAP_TMP/demo1.log" 2>&1
rc=$?
is "$rc" 0 "the demo exits 0"
[[ $rc == 0 ]] || diag "$(tail -n 20 "$TAP_TMP/demo1.log")"
like "$(cat "$TAP_TMP/demo1.log")" "C0000[0-9]+ .*invalid" "it shows the first export errors"
like "$(cat "$TAP_TMP/demo1.log")" "Nothing changed" "it runs to its last step"

# A head that fails (and says so) when its input is a pipe rather than a file.
mkdir -p "$TAP_TMP/shim"
cat >"$TAP_TMP/shim/head" <<'SHIM'
#!/usr/bin/env bash
for a in "$@"; do [[ $a != -* && -e $a ]] && exec /usr/bin/head "$@"; done
if [[ -p /dev/stdin ]]; then echo "demo-pipe-into-head: head $*" >>"$DEMO_SHIM_LOG"; exit 0; fi
exec /usr/bin/head "$@"
SHIM
chmod +x "$TAP_TMP/shim/head"
export DEMO_SHIM_LOG="$TAP_TMP/shim.log"
: >"$DEMO_SHIM_LOG"
PATH="$TAP_TMP/shim:$PATH" SEGSHIP_DEMO_DIR="$TAP_TMP/demo2" \
  bash "$TAP_ROOT/scripts/demo.sh" "$build" >"$TAP_TMP/demo2.log" 2>&1
rc=$?
is "$(cat "$DEMO_SHIM_LOG")" "" "no pipeline of the demo is cut by head"
is "$rc" 0 "the demo exits 0 with a head that reads no pipe"
done_testing
