#!/usr/bin/env bash
# sim_ratelimit.sh: the token bucket per key, driven by the manual clock (--clock manual) so that
# every count is exact however slow the machine: burst admission, the 429 body and headers,
# continuous refill, --rate 0, per-key buckets, changes at run time, control endpoints exempt, the
# clock endpoint itself, and the other limiters (--limiter strict, window).
source "$(dirname "$0")/lib.sh"

# ---- the clock endpoint
sim_start --api-key k1 --rate 0
control GET /clock
is "$(j .clock)" real "without --clock manual the clock is real"
control POST /clock '{"advance_ms":10}'
is_error 409 Conflict "a real clock cannot be moved"
like "$(j .message)" "--clock manual" "and the message says how to get a manual one"

sim_start --api-key k1 --api-key k2 --rate 20 --burst 20 --clock manual
control GET /clock
is "$BODY" '{"clock":"manual","clock_ms":0}' "the manual clock starts at 0"
control POST /clock '{"advance_ms":0}'
is "$BODY" '{"clock":"manual","clock_ms":0}' "advancing by 0 is allowed"
for bad in '{"advance_ms":-1}' '{"advance_ms":1.5}' '{"advance_ms":"5"}' '{}' '{"advance_ms":1,"x":2}' '[1]' 'nope'; do
  control POST /clock "$bad"
  is "$STATUS" 400 "clock refuses $bad"
done
control GET /clock
is "$(j .clock_ms)" 0 "and a refused advance moves nothing"

# ---- exact burst admission: time stands still while the burst runs
codes=$(burst 100 /v1/account)
is "$(count 200 "$codes")" 20 "rate 20 burst 20: a burst of 100 gets exactly 20 accepted"
is "$(count 429 "$codes")" 80 "and all the others refused with 429"
api GET /account
is "$STATUS" 429 "the bucket is empty right after"
is "$BODY" '{"error":"Too Many Requests","message":"You have exceeded your request rate of 20 r/s."}' "429 body names the configured rate"
headers=$(curl -s -D - -o /dev/null -H "autopilotapikey: k1" "$SIM_URL/v1/account" | tr -d '\r')
like "$headers" '^HTTP/1.1 429' "still refused: no time has passed"
unlike "$headers" $'(^|\n)[Rr]etry-[Aa]fter:' "no Retry-After header (the real service sends none)"
unlike "$headers" $'(^|\n)[Xx]-[Rr]ate' "no rate-limit headers"

SIM_KEY=k2 api GET /account
is "$STATUS" 200 "each key has its own bucket"
control GET /stats
is "$(j '.by_status["200"]')" 21 "stats count the admitted"
is "$(j '.by_status["429"]')" 82 "and the refused"
for i in $(seq 30); do control GET /state >/dev/null; done
is "$STATUS" 200 "control endpoints are never rate limited"

# ---- refill is continuous: 20/s gives a token every 50 ms of the clock
control POST /clock '{"advance_ms":49}'
is "$BODY" '{"clock":"manual","clock_ms":49}' "the clock answers its new value"
api GET /account
is "$STATUS" 429 "49 ms: no whole token yet"
control POST /clock '{"advance_ms":1}'
api GET /account
is "$STATUS" 200 "50 ms: one token"
api GET /account
is "$STATUS" 429 "and only one"
control POST /clock '{"advance_ms":300}'
codes=$(burst 10 /v1/account)
is "$(count 200 "$codes")" 6 "300 ms give exactly 6 tokens"
control POST /clock '{"advance_ms":10000}'
is "$(j .clock_ms)" 10350 "the clock adds up"
codes=$(burst 40 /v1/account)
is "$(count 200 "$codes")" 20 "10 s refill to the burst, never above it"

# ---- a slow rate
control POST /faults '{"rate":0.01,"burst":7}'
codes=$(burst 30 /v1/account)
is "$(count 200 "$codes")" 7 "rate 0.01 burst 7: exactly 7 of 30 (changes refill the buckets)"
api GET /account
is "$(j .message)" "You have exceeded your request rate of 0.01 r/s." "the message follows the rate"
control POST /clock '{"advance_ms":99999}'
api GET /account
is "$STATUS" 429 "rate 0.01: 99.999 s is not yet a token"
control POST /clock '{"advance_ms":1}'
api GET /account
is "$STATUS" 200 "100 s is"

# ---- writes are limited like reads, and a refused write applies nothing
api POST /contact '{"contact":{"Email":"limited@example.com"}}'
is "$STATUS" 429 "a write over the limit is refused"
control GET /state
is "$(j '.accounts.k1.contacts|length')" 0 "and applies nothing"

# ---- a reset refills the buckets and keeps the clock (time never goes back)
control POST /reset
control GET /clock
is "$(j .clock_ms)" 110350 "reset keeps the clock"
codes=$(burst 10 /v1/account)
is "$(count 200 "$codes")" 7 "reset refills the buckets"

# ---- --rate 0: unlimited
control POST /faults '{"rate":0}'
codes=$(burst 100 /v1/account)
is "$(count 200 "$codes")" 100 "rate 0: all 100 accepted"

# ---- --limiter strict: nginx limit_req without burst, at millisecond precision
sim_start --api-key k1 --api-key k2 --clock manual --limiter strict --rate 5
control GET /faults
is "$(j '[.limiter,.rate]|map(tostring)|join(" ")')" "strict 5" "the settings show the strict limiter"
codes=$(burst 10 /v1/account)
is "$(count 200 "$codes")" 1 "strict 5 r/s: a burst of 10 gets exactly 1"
is "$(count 429 "$codes")" 9 "and 9 refusals"
api GET /account
is "$BODY" '{"error":"Too Many Requests","message":"You have exceeded your request rate of 5 r/s."}' "the same 429 body"
control POST /clock '{"advance_ms":199}'
api GET /account
is "$STATUS" 429 "199 ms after the last admitted: refused"
control POST /clock '{"advance_ms":1}'
api GET /account
is "$STATUS" 200 "200 ms (1000/rate): admitted"
control POST /clock '{"advance_ms":150}'
api GET /account
is "$STATUS" 429 "150 ms later: refused"
control POST /clock '{"advance_ms":50}'
api GET /account
is "$STATUS" 200 "a refusal does not restart the wait: 200 ms after the admitted one"
control POST /clock '{"advance_ms":5000}'
codes=$(burst 5 /v1/account)
is "$(count 200 "$codes")" 1 "no credit for idle time: still 1 at a time"
SIM_KEY=k2 api GET /account
is "$STATUS" 200 "each key is spaced on its own"
control POST /faults '{"rate":3}'
api GET /account
is "$STATUS" 200 "a change of rate starts afresh"
control POST /clock '{"advance_ms":333}'
api GET /account
is "$STATUS" 429 "rate 3: 333 ms is short of 1000/3 ms"
control POST /clock '{"advance_ms":1}'
api GET /account
is "$STATUS" 200 "334 ms is enough (whole milliseconds, as nginx)"
control POST /faults '{"rate":0}'
codes=$(burst 20 /v1/account)
is "$(count 200 "$codes")" 20 "strict with rate 0: no limit"
control POST /faults '{"limiter":"sometimes"}'
is "$STATUS" 400 "an unknown limiter is refused"

# ---- --limiter window on autopilot-sim
sim_start --api-key k1 --clock manual --limiter window --windows 4/1s
codes=$(burst 10 /v1/account)
is "$(count 200 "$codes")" 4 "window 4/1s: 4 of 10"
api GET /account
is "$(j .message)" "You have exceeded your request limit of 4/1s." "the 429 message names the windows"

sim_start --api-key k1 --clock manual
codes=$(burst 12 /v1/account)
is "$(count 200 "$codes")" 5 "default: rate 5, burst 5"
api GET /account
is "$(j .message)" "You have exceeded your request rate of 5 r/s." "default 429 message"
control POST /clock '{"advance_ms":200}'
api GET /account
is "$STATUS" 200 "default rate: a token every 200 ms"

sim_stop
done_testing
