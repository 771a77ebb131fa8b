#!/usr/bin/env bash
# sim_ratelimit.sh: the token bucket per key: exact burst admission, the 429 body and headers,
# continuous refill, --rate 0, per-key buckets, changes at run time, control endpoints exempt.
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

sim_start --api-key k1 --api-key k2 --rate 20 --burst 20
t0=$(date +%s%N)
codes=$(burst 100 /v1/account)
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
diag "100 requests fired in ${ms} ms"
# A token comes back every 50 ms: a burst that fits in 50 ms must get exactly 20. A slower one (a
# loaded machine, valgrind) may get the tokens that came back meanwhile, and not one more.
refill=$((ms * 20 / 1000))
accepted=$(count 200 "$codes")
if ((refill == 0)); then
  is "$accepted" 20 "rate 20 burst 20: a burst of 100 gets exactly 20 accepted"
else
  ((accepted >= 20 && accepted <= 20 + refill)) && pass "rate 20 burst 20: 20 accepted, plus at most the $refill tokens of ${ms} ms ($accepted)" \
    || fail "rate 20 burst 20: 20 accepted plus at most $refill" "got $accepted"
fi
is "$(count 429 "$codes")" $((100 - accepted)) "and all the others refused with 429"

api GET /account
is "$STATUS" 429 "the bucket is empty right after"
is "$BODY" '{"error":"Too Many Requests","message":"You have exceeded your request rate of 20 r/s."}' "429 body names the configured rate"
headers=$(curl -s -D - -o /dev/null -H "autopilotapikey: k1" "$SIM_URL/v1/account" | tr -d '\r')
hdr_ok=0  # a token may have come back since the burst (50 ms): count what this request got
[[ $headers == "HTTP/1.1 200"* ]] && hdr_ok=1
unlike "$headers" $'(^|\n)[Rr]etry-[Aa]fter:' "no Retry-After header (the real service sends none)"
unlike "$headers" $'(^|\n)[Xx]-[Rr]ate' "no rate-limit headers"

SIM_KEY=k2 api GET /account
is "$STATUS" 200 "each key has its own bucket"
control GET /stats
is "$(j '.by_status["200"]')" $((accepted + 1 + hdr_ok)) "stats count the admitted"
is "$(j '.by_status["429"]')" $((100 - accepted + 2 - hdr_ok)) "and the refused"
for i in $(seq 30); do control GET /state >/dev/null; done
is "$STATUS" 200 "control endpoints are never rate limited"

# refill is continuous: 20/s gives a token every 50 ms
burst 40 /v1/account >/dev/null
sleep 0.3
codes=$(burst 10 /v1/account)
got=$(count 200 "$codes")
((got >= 5 && got <= 8)) && pass "after 0.3 s about 6 tokens came back ($got)" || fail "after 0.3 s about 6 tokens came back" "got $got"
sleep 1.1
codes=$(burst 40 /v1/account)
is "$(count 200 "$codes")" 20 "a full second refills to the burst, never above it"

# the bucket with a slow rate: exact whatever the timing
control POST /faults '{"rate":0.01,"burst":7}'
codes=$(burst 30 /v1/account)
is "$(count 200 "$codes")" 7 "rate 0.01 burst 7: exactly 7 of 30 (changes refill the buckets)"
api GET /account
is "$(j .message)" "You have exceeded your request rate of 0.01 r/s." "the message follows the rate"

# writes are limited like reads, and a refused write applies nothing
api POST /contact '{"contact":{"Email":"limited@example.com"}}'
is "$STATUS" 429 "a write over the limit is refused"
control GET /state
is "$(j '.accounts.k1.contacts|length')" 0 "and applies nothing"

# --rate 0: unlimited
control POST /faults '{"rate":0}'
codes=$(burst 100 /v1/account)
is "$(count 200 "$codes")" 100 "rate 0: all 100 accepted"

sim_start --api-key k1
codes=$(burst 12 /v1/account)
is "$(count 200 "$codes")" 5 "default: rate 5, burst 5"
api GET /account
is "$(j .message)" "You have exceeded your request rate of 5 r/s." "default 429 message"

sim_stop
done_testing
