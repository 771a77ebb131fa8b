#!/usr/bin/env bash
# sim_bad_input.sh: malformed and hostile requests get the right status and a JSON error body,
# never crash the simulator, and never change its state.
source "$(dirname "$0")/lib.sh"

sim_start --api-key k1 --rate 0
api POST /contact '{"contact":{"Email":"keep@example.com","FirstName":"Keep"}}'
api POST /list '{"name":"Keep"}'
control GET /state
before=$BODY

# is_bad STATUS DESC METHOD PATH BODY: one refused call with a JSON error body.
is_bad() {
  local want=$1 desc=$2
  shift 2
  api "$@"
  is "$STATUS" "$want" "$desc: $want"
  is "$(j '[(.error|type), (.message|type)]|join(",")')" "string,string" "$desc: JSON error body"
}

is_bad 400 "malformed JSON" POST /contacts '{"contacts":[{"Email":"a@example.com"}'
is_bad 400 "trailing garbage" POST /contact '{"contact":{"Email":"a@example.com"}} x'
is_bad 400 "a body that is an array" POST /contacts '[{"Email":"a@example.com"}]'
is_bad 400 "a body that is a string" POST /contact '"hello"'
is_bad 400 "a body that is a number" POST /list '42'
is_bad 400 '"contacts": "x"' POST /contacts '{"contacts":"x"}'
is_bad 400 '"contacts" missing' POST /contacts '{"contact":{"Email":"a@example.com"}}'
is_bad 400 '"contact" is an array' POST /contact '{"contact":[{"Email":"a@example.com"}]}'
is_bad 400 "a contact that is not an object" POST /contacts '{"contacts":[{"Email":"a@example.com"},"b@example.com"]}'
is_bad 400 "Email missing" POST /contacts '{"contacts":[{"FirstName":"No email"}]}'
is_bad 400 "Email not a string" POST /contacts '{"contacts":[{"Email":42}]}'
is_bad 400 "Email empty" POST /contact '{"contact":{"Email":""}}'
is_bad 400 "Email without a domain" POST /contact '{"contact":{"Email":"a@b"}}'
is_bad 400 "_NewEmail not an email" POST /contact '{"contact":{"Email":"keep@example.com","_NewEmail":"nope"}}'
is_bad 400 "standard field of the wrong type" POST /contact '{"contact":{"Email":"keep@example.com","FirstName":{"a":1}}}'
is_bad 400 "notify not a boolean" POST /contact '{"contact":{"Email":"keep@example.com","notify":"no"}}'
is_bad 400 "a NUL escape in a string" POST /contact '{"contact":{"Email":"keep@example.com","FirstName":"a\u0000b"}}'
is_bad 400 "an integer too large" POST /contact '{"contact":{"Email":"keep@example.com","custom":{"integer--N":123456789012345678901234567890}}}'
deep=$(printf '[%.0s' $(seq 3000))$(printf ']%.0s' $(seq 3000))
is_bad 400 "nesting 3000 deep" POST /contacts "{\"contacts\":$deep}"

api POST /contacts "" -H 'Content-Type: application/json'
is "$STATUS" 400 "empty body: 400"
like "$(j .message)" "empty" "empty body: says so"
api POST /contact "   "
is "$STATUS" 400 "blank body: 400"

printf '{"contact":{"Email":"u@example.com","FirstName":"\xff\xfe"}}' >"$TAP_TMP/bad-utf8.json"
api POST /contact "" --data-binary "@$TAP_TMP/bad-utf8.json"
is "$STATUS" 400 "invalid UTF-8 body: 400"
like "$(j .message)" "UTF-8" "invalid UTF-8: says so"
printf '{"contact":{"Email":"u@example.com","FirstName":"\xc0\xaf"}}' >"$TAP_TMP/overlong.json"
api POST /contact "" --data-binary "@$TAP_TMP/overlong.json"
is "$STATUS" 400 "overlong UTF-8 encoding: 400"

# ---- bodies over 10 MB
head -c 11000000 /dev/zero | tr '\0' 'a' >"$TAP_TMP/big"
api POST /contacts "" --data-binary "@$TAP_TMP/big"
is "$STATUS" 413 "11 MB body with Content-Length: 413"
is "$(j .error)" "Payload Too Large" "413 has a JSON error body"
api POST /contacts "" --data-binary "@$TAP_TMP/big" -H "Transfer-Encoding: chunked"
is "$STATUS" 413 "11 MB chunked body: 413 (read and dropped, not buffered)"
api POST /contacts "" -H "Content-Length: 99999999999" --data-binary "x"
is "$STATUS" 413 "a declared length over 10 MB is refused before reading"
jq -cn '{contact:{Email:"big@example.com",FirstName:("x"*5000000)}}' >"$TAP_TMP/5mb.json"
api POST /contact "" --data-binary "@$TAP_TMP/5mb.json"
is "$STATUS" 200 "a 5 MB body is fine"
api DELETE /contact/big@example.com

# ---- paths
is_bad 400 "malformed percent-escape" GET /contact/abc%zz
is_bad 400 "truncated percent-escape" GET /contact/abc%4
is_bad 400 "encoded NUL" GET /contact/abc%00def
is_bad 400 "encoded invalid UTF-8" GET /contact/%FF%FE
is_bad 404 "unknown route" GET /contacts/custom_fields/extra
is_bad 404 "deep unknown route" GET /a/b/c/d/e/f/g/h/i/j/k
is_bad 405 "wrong method" PATCH /contacts
is_bad 405 "wrong method on a list route" PUT "/list/x/contact/y"
is_bad 404 "contact id with an encoded space" GET "/contact/person_%20X"
api GET "/contact/$(urlencode 'keep@example.com')"
is "$STATUS" 200 "%40 in an email decodes"

# ---- not even HTTP
exec 3<>"/dev/tcp/127.0.0.1/${SIM_URL##*:}"
printf 'GARBAGE\r\n\r\n' >&3
timeout 5 cat <&3 >/dev/null
exec 3>&-
exec 3<>"/dev/tcp/127.0.0.1/${SIM_URL##*:}"
printf 'POST /v1/contacts HTTP/1.1\r\nHost: x\r\nautopilotapikey: k1\r\nContent-Length: 100\r\n\r\n{"con' >&3
exec 3>&-
api GET /account
is "$STATUS" 200 "still serving after garbage and a half-sent request"

control GET /state
is "$BODY" "$before" "no refused request changed the state"
control POST /faults 'not json'
is "$STATUS" 400 "control endpoints refuse malformed JSON too"
control GET /stats
is "$(j '.by_status["500"] // 0')" 0 "no request ended in a 500"

sim_stop
done_testing
