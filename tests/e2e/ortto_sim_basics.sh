#!/usr/bin/env bash
# ortto_sim_basics.sh: ortto-sim's command line and start-up line, authentication in Ortto's shape,
# unknown endpoints (404) and wrong methods (405), bad bodies (malformed JSON, not an object, not
# UTF-8, over 2 MB), the ban after 15 bad requests in 15 s (on the manual clock), and the control
# endpoints (state, stats, reset, faults, keys, suppress).
source "$(dirname "$0")/lib.sh"
use_ortto_sim

# is_ortto_error STATUS DESC: the last answer had STATUS and Ortto's error body for it.
is_ortto_error() {
  is "$STATUS" "$1" "$2: status $1"
  is "$(j '[(.request_id|test("^[0-9a-f-]{36}$")), .code, (.error|type)]|map(tostring)|join(" ")')" \
    "true $1 string" "$2: Ortto's error shape {request_id, code, error}"
}

# ---- command line
out=$("$SIM_BIN" --help); rc=$?
is "$rc" 0 "--help exits 0"
like "$out" "--windows LIST" "--help lists --windows"
like "$out" "/__sim/suppress" "--help lists /__sim/suppress"
unlike "$out" "--list-field" "--help has no Autopilot-only setting"
for bad in "" "--api-key k --windows 10" "--api-key k --windows 10/0s" "--api-key k --windows 5/10x" \
           "--api-key k --windows 1/1s,1/1s,1/1s,1/1s,1/1s" "--api-key k --list-field always" \
           "--api-key k --limiter fast" "--api-key k --clock later"; do
  err=$(eval "\"$SIM_BIN\" $bad" 2>&1 >/dev/null </dev/null); rc=$?
  is "$rc" 2 "bad flags [$bad] exit 2"
  is "$(wc -l <<<"$err")" 1 "bad flags [$bad]: one line on stderr"
done

sim_start --api-key k1 --api-key k2 --windows 0 --clock manual
like "$SIM_URL" '^http://127\.0\.0\.1:[0-9]+$' "first stdout line gives the URL"

# ---- authentication
http POST "$SIM_URL/v1/person/custom-field/get" -H 'Content-Type: application/json' --data-binary '{}'
is_ortto_error 401 "no key"
SIM_KEY=nope oapi /person/custom-field/get
is_ortto_error 401 "unknown key"
http POST "$SIM_URL/v1/person/custom-field/get" -H 'x-api-key: k2' --data-binary '{}'
is "$STATUS" 200 "header name is case-insensitive; second key works"
oapi /person/custom-field/get
is "$BODY" '{"fields":[]}' "custom-field/get of a new account"

# ---- routes
oapi /person/nope
is_ortto_error 404 "unknown endpoint"
is "$(j .error)" "Unknown endpoint or method" "404 says Unknown endpoint or method"
http POST "$SIM_URL/elsewhere" -H "X-Api-Key: k1"
is_ortto_error 404 "a path outside /v1"
headers=$(curl -s -D - -o "$TAP_TMP/405" -X GET -H "X-Api-Key: k1" "$SIM_URL/v1/person/merge" | tr -d '\r')
like "$headers" '^HTTP/1.1 405' "GET on a POST endpoint: 405"
like "$headers" $'\nAllow: POST' "with an Allow header"
BODY=$(cat "$TAP_TMP/405"); STATUS=405
is_ortto_error 405 "wrong method"

# ---- bad bodies
oapi /person/merge '{"people": ['
is_ortto_error 400 "malformed JSON"
like "$(j .error)" "not valid JSON" "and says so"
oapi /person/merge '[1,2]'
is_ortto_error 400 "a body that is not an object"
http POST "$SIM_URL/v1/person/merge" -H "X-Api-Key: k1" --data-binary $'{"people":"\xff"}'
is_ortto_error 400 "a body that is not UTF-8"
oapi /person/merge '{"people":[{"fields":{"str::email":"a@example.com"}}],"people":[]}'
is_ortto_error 400 "a duplicate key"
head -c $((2 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$TAP_TMP/big"
http POST "$SIM_URL/v1/person/merge" -H "X-Api-Key: k1" -H 'Content-Type: application/json' --data-binary @"$TAP_TMP/big"
is_ortto_error 400 "a body over 2 MB"
like "$(j .error)" "larger than 2 MB" "and says the limit"
{ printf '{"people":[{"fields":{"str::email":"big@example.com"}}],"pad":"'; head -c $((2 * 1024 * 1024 - 80)) /dev/zero | tr '\0' 'x'; printf '"}'; } >"$TAP_TMP/fits"
http POST "$SIM_URL/v1/person/merge" -H "X-Api-Key: k1" -H 'Content-Type: application/json' --data-binary @"$TAP_TMP/fits"
is "$STATUS" 200 "a body just under 2 MB is taken (unknown keys ignored)"
http POST "$SIM_URL/v1/person/merge" -H "X-Api-Key: k1" -H 'Transfer-Encoding: chunked' --data-binary @"$TAP_TMP/big"
is "$STATUS" 400 "a chunked body over 2 MB: 400 too"
oapi /person/custom-field/get ''
is "$STATUS" 200 "an empty body counts as {}"

# ---- control endpoints
control GET /faults
is "$BODY" '{"limiter":"window","rate":5,"burst":5,"windows":"0","fail_rate":0,"slow_rate":0,"slow_ms":1000,"drop_rate":0,"seed":1}' \
  "GET /__sim/faults: ortto-sim's settings"
control POST /faults '{"list_field":"always"}'
is "$STATUS" 400 "an Autopilot-only setting is unknown here"
control POST /faults '{"windows":"200/10s,600/60s"}'
is "$(j .windows)" "200/10s,600/60s" "windows set at run time"
control POST /faults '{"windows":"7"}'
is "$STATUS" 400 "a malformed window is refused"
control POST /keys '{"revoke":"k2"}'
key_works k2
is_ortto_error 401 "a revoked key"
control POST /keys '{"restore":"k2"}'
ok "a restored key works" key_works k2
control GET /state
is "$(j '.accounts|keys|join(",")')" "k1,k2" "state has one account per key"
is "$(j '.accounts.k1|keys|join(",")')" "custom_fields,people,tags" "an account is people, custom_fields, tags"
is "$(j '.accounts.k1.people[0].fields["str::email"]')" "big@example.com" "state shows the people"
control GET "/state?key=k2"
is "$(j '.accounts|keys|join(",")')" "k2" "state of one key"
control GET /stats
is "$(j '.by_route["POST /v1/person/merge"]')" 7 "stats count by route"
is "$(j '.by_status["401"]')" 3 "stats count by status"
control POST /suppress '{"email":"nope"}'
is "$STATUS" 400 "suppress needs an email"
control POST /suppress '{"email":"x@example.com","key":"zz"}'
is "$STATUS" 404 "suppress with an unknown key"
control GET /suppress
is "$STATUS" 405 "suppress is POST only"
control POST /reset
control GET /state
is "$(j '[.accounts[].people|length]|add')" 0 "reset empties the accounts"

# ---- the ban: 15 bad requests within 15 s ban the caller for 15 s (the manual clock)
control POST /reset
for i in $(seq 14); do oapi /person/merge '{}'; done
is "$STATUS" 400 "14 bad requests: each a 400"
control POST /clock '{"advance_ms":14999}'
oapi /person/custom-field/get
is "$STATUS" 200 "good requests are not counted"
SIM_KEY=bad oapi /person/custom-field/get
is "$STATUS" 401 "the 15th bad request (a bad key) is answered"
oapi /person/custom-field/get
is "$STATUS" 429 "then every request is refused, a good key too"
is "$BODY" '{"error":{"code":"rate-limit","message":"rate limit","try-in-seconds":15}}' "with Ortto's 429 body: 15 s"
control POST /clock '{"advance_ms":14001}'
oapi /person/custom-field/get
is "$(j '.error["try-in-seconds"]')" 1 "the wait counts down (rounded up to a second)"
control POST /clock '{"advance_ms":999}'
oapi /person/custom-field/get
is "$STATUS" 200 "after 15 s the ban is over"
for i in $(seq 14); do oapi /person/merge '{}'; done
control POST /clock '{"advance_ms":15000}'
oapi /person/merge '{}'
oapi /person/custom-field/get
is "$STATUS" 200 "15 bad requests spread over more than 15 s ban nothing"

sim_stop
done_testing
