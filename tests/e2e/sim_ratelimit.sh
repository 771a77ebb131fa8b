#!/usr/bin/env bash
# sim_ratelimit.sh: the token bucket per key, driven by the manual clock (--clock manual) so that
# every count is exact however slow the machine: burst admission, the 429 body and headers,
# continuous refill, --rate 0, per-key buckets, changes at run time, control endpoints exempt, and
# the clock endpoint itself.
source "$(dirname "$0")/lib.sh"

# burst N PATH [KEY]: fires N requests at once (curl --parallel, one connection each) and prints
# their statuses, one per line.
burst() {
  local n=$1 path=$2 key=${3:-$SIM_KEY} i
  : >"$TAP_TMP/burst.cfg"
  for ((i = 0; i < n; i++)); do
    printf 'url = "%s"\noutput = "/dev/null"\n' "$SIM_URL$path" >>"$TAP_TMP/burst.cfg"
  done
  curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max "$n" -H "autopilotapikey: $key" \
    -w '%{http_code}\n' -K "$TAP_TMP/burst.cfg"
}
count() { grep -c "^$1\$" <<<"$2"; }

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
