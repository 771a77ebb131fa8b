#!/usr/bin/env bash
# cli_outputs.sh: output that cannot be turned against its reader. Control characters in profile
# values, attribute names and names in messages reach the terminal escaped (\x1b, never a raw
# ESC); `export errors --csv` neutralises cells a spreadsheet would run as formulas; an API URL
# too long to keep is refused rather than cut.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"

raw_ctl() { LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$1"; } # lines holding a raw control character

sim_start --api-key "$KEY1" --rate 0
setup_store 300 5
cat >"$TAP_TMP/evil.jsonl" <<'JSON'
{"CustomerId":"E1","Email":"e1@example.com","Name":"a\u0007b\rc\u001b[2J","Orders":1,"Country":"spain"}
{"CustomerId":"E2","Email":"=HYPERLINK(\"http://x\")","Name":"ok","Orders":1,"Country":"spain","Ev\u001b[31mil":"1"}
{"CustomerId":"@SUM(1+1)","Email":"+33 1 23","Name":"ok","Orders":1,"Country":"spain"}
{"CustomerId":"-5","Email":"-x","Name":"ok","Orders":1,"Country":"spain"}
JSON
seg profiles import "$TAP_TMP/evil.jsonl" >/dev/null || BAIL_OUT "import failed"

# ---- the terminal
out=$(seg profiles show E1)
is "$(raw_ctl "$out")" 0 "profiles show prints no raw control character"
like "$out" 'a\\x07b\\x0dc\\x1b\[2J' "it shows them escaped"
out=$(seg profiles list --limit 0)
is "$(raw_ctl "$out")" 0 "profiles list prints none"
like "$out" 'Ev\\x1b\[31mil' "attribute names are escaped too"
is "$(seg profiles list --limit 0 --json | jq -r '.profiles[] | select(.id == "E1") | .attributes.Name')" $'a\ab\rc\e[2J' \
  "JSON output keeps the value as it is"
out=$(seg schema)
is "$(raw_ctl "$out")" 0 "schema prints none"
out=$(seg segment create $'Spain\e[2J' --rule 'Country = "spain"' 2>&1)
is "$(raw_ctl "$out")" 0 "an error message naming a bad name prints none"
like "$out" 'Spain\\x1b\[2J' "and shows the name escaped"
out=$(seg segment count --rule $'Name = "a\x07"' 2>&1)
is "$(raw_ctl "$out")" 0 "nor does a rule's echo"

# ---- export errors: text escaped, CSV neutralised
seg segment create Spain --rule 'Country = "spain"' >/dev/null
add_destination ap
seg export configure ap --email Email --segments Spain >/dev/null
seg export run ap >/dev/null
out=$(seg export errors ap)
is "$(raw_ctl "$out")" 0 "export errors prints no raw control character"
csv=$(seg export errors ap --csv)
like "$csv" ",\"'=HYPERLINK" "a cell starting with = gets a leading '"
like "$csv" "\"'@SUM\\(1\\+1\\)\"" "a cell starting with @ too"
like "$csv" "\"'\\+33 1 23\"" "and with +"
like "$csv" "\"'-5\"" "and with -"
bad=$(tail -n +2 <<<"$csv" | tr ',' '\n' | grep -cE '^[=+@-]')
is "$bad" 0 "no cell begins with a formula character"
is "$(seg export errors ap --json | jq -r '.errors[] | select(.customer_id == "@SUM(1+1)") | .email')" "+33 1 23" \
  "JSON keeps the values as they are"

# ---- a URL that would not fit is refused, never cut
long="$SIM_URL/v1/$(head -c 1100 /dev/zero | tr '\0' a)"
out=$(seg destination add longurl --api-key-file "$TAP_TMP/key1" --api-url "$long" --accept-privacy --export-user alice 2>&1)
rc=$?
is "$rc" 1 "an API URL longer than segship keeps is refused"
like "$out" "the API URL is [0-9]+ bytes long, more than the 1023 segship keeps; give a shorter one" "in one sentence"
is "$(seg destination list --json | jq '[.destinations[] | select(.name == "longurl")] | length')" 0 \
  "and no destination was saved"
done_testing
