#!/usr/bin/env bash
# cli_manpage.sh: the committed manual page segship(1) is the one the commands' --help generate
# (so every command and flag is in it), and it renders without roff warnings.
source "$(dirname "$0")/lib.sh"
: "${SEGSHIP_BUILD:=$TAP_ROOT/build}"
bash "$TAP_ROOT/scripts/manpage.sh" "$SEGSHIP_BUILD" >"$TAP_TMP/segship.1"
if diff -u "$TAP_ROOT/docs/segship.1" "$TAP_TMP/segship.1" >"$TAP_TMP/diff"; then
  pass "docs/segship.1 is up to date with the commands' --help"
else
  fail "docs/segship.1 is stale: run scripts/manpage.sh build > docs/segship.1" "$(head -n 30 "$TAP_TMP/diff")"
fi
if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww "$TAP_ROOT/docs/segship.1" 2>&1 >/dev/null)
  is "$warnings" "" "it renders without warnings"
else
  skip "groff is not installed"
fi
for c in init "profiles import" "segment create" "destination add" "export run" serve; do
  grep -qF ".SS segship ${c// /\\-}" "$TAP_ROOT/docs/segship.1" 2>/dev/null || grep -qF ".SS segship $c" "$TAP_ROOT/docs/segship.1"
  is "$?" 0 "it documents segship $c"
done
done_testing
