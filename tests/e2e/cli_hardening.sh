#!/usr/bin/env bash
# cli_hardening.sh: build/segship and build/autopilot-sim are built hardened, as readelf shows:
# position-independent (PIE), full RELRO (GNU_RELRO and BIND_NOW), the stack protector, and
# fortified libc calls (*_chk; not in a sanitizer build, where the sanitizers check instead).
source "$(dirname "$0")/lib.sh"
: "${SEGSHIP_BIN:=$TAP_ROOT/build/segship}"
command -v readelf >/dev/null || BAIL_OUT "readelf (binutils) is missing"

for bin in "$SEGSHIP_BIN" "$SIM_BIN"; do
  name=$(basename "$bin")
  like "$(readelf -h "$bin")" "Type: +DYN " "$name is a position-independent executable"
  like "$(readelf -d "$bin")" "FLAGS_1\) +Flags: .*PIE" "$name is marked PIE"
  like "$(readelf -lW "$bin")" "GNU_RELRO" "$name has a RELRO segment"
  like "$(readelf -d "$bin")" "\(FLAGS\) +BIND_NOW|FLAGS_1\) +Flags: NOW" "$name binds every symbol at start (full RELRO)"
  syms=$(readelf --dyn-syms -W "$bin")
  like "$syms" "__stack_chk_fail" "$name uses the stack protector"
  if [[ $syms == *__asan_* ]]; then
    skip "$name is a sanitizer build: _FORTIFY_SOURCE is left to the sanitizers"
  else
    like "$syms" "__(memcpy|snprintf|vsnprintf|read|fprintf|printf|memmove|memset|strcpy)_chk" "$name calls fortified libc functions"
  fi
done

done_testing
