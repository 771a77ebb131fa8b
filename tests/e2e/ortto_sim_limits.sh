#!/usr/bin/env bash
# ortto_sim_limits.sh: ortto-sim's rate limits on the manual clock (exact whatever the machine's
# speed): fixed windows per key with Ortto's 429 body and try-in-seconds, the Pro default,
# --windows 0, changes at run time, --limiter bucket and strict; and its faults in Ortto's shape.
source "$(dirname "$0")/lib.sh"
use_ortto_sim
read_path=/v1/person/custom-field/get

# ---- two windows: 3 per 10 s and 5 per 60 s
sim_start --api-key k1 --api-key k2 --windows 3/10s,5/60s --clock manual
codes=$(burst 10 $read_path)
is "$(count 200 "$codes")" 3 "3/10s: 3 of a burst of 10 admitted"
is "$(count 429 "$codes")" 7 "the others refused with 429"
oapi /person/custom-field/get
is "$BODY" '{"error":{"code":"rate-limit","message":"rate limit","try-in-seconds":10}}' "Ortto's 429 body: try in 10 s"
headers=$(curl -s -D - -o /dev/null -X POST -H "X-Api-Key: k1" -d '{}' "$SIM_URL$read_path" | tr -d '\r')
unlike "$headers" $'(^|\n)[Rr]etry-[Aa]fter:' "no Retry-After header"
SIM_KEY=k2 oapi /person/custom-field/get
is "$STATUS" 200 "each key has its own windows"
control POST /clock '{"advance_ms":9999}'
oapi /person/custom-field/get
is "$(j '.error["try-in-seconds"]')" 1 "9.999 s later: try in 1 s (rounded up)"
control POST /clock '{"advance_ms":1}'
codes=$(burst 10 $read_path)
is "$(count 200 "$codes")" 2 "a new 10 s window: 2 more, then 5/60s is full"
oapi /person/custom-field/get
is "$(j '.error["try-in-seconds"]')" 50 "the 60 s window is the one to wait for: 50 s"
control POST /clock '{"advance_ms":49000}'
oapi /person/custom-field/get
is "$STATUS" 429 "59 s: still full"
control POST /clock '{"advance_ms":1000}'
codes=$(burst 10 $read_path)
is "$(count 200 "$codes")" 3 "60 s: both windows roll over"
control GET /stats
is "$(j '.by_status["429"]')" 27 "every 429 is counted (7+1+1+1+8+1+1+7)"
oapi /person/custom-field/get
is "$STATUS" 429 "rate-limited requests never ban (they are not bad requests)"

# a refused write applies nothing
oapi /person/merge '{"people":[{"fields":{"str::email":"late@example.com"}}]}'
is "$STATUS" 429 "a merge over the limit is refused"
control GET "/state?key=k1"
is "$(j '.accounts.k1.people|length')" 0 "and applies nothing"

# ---- changes at run time, the default, no limit
control POST /faults '{"windows":"0"}'
codes=$(burst 60 $read_path)
is "$(count 200 "$codes")" 60 "windows 0: no limit"
control POST /faults '{"windows":"2/1s"}'
codes=$(burst 5 $read_path)
is "$(count 200 "$codes")" 2 "windows changed at run time start afresh"
control POST /reset
codes=$(burst 5 $read_path)
is "$(count 200 "$codes")" 2 "a reset empties the windows"

sim_start --api-key k1 --clock manual
control GET /faults
is "$(j '[.limiter,.windows]|join(" ")')" "window 200/10s,600/60s" "default: Ortto's Pro plan"
codes=$(burst 210 $read_path)
is "$(count 200 "$codes")" 200 "200 of 210 in one 10 s window"
for t in 1 2; do
  control POST /clock '{"advance_ms":10000}'
  codes=$(burst 210 $read_path)
done
is "$(count 200 "$codes")" 200 "200 again in each new window"
control POST /clock '{"advance_ms":10000}'
codes=$(burst 10 $read_path)
is "$(count 200 "$codes")" 0 "600 in 60 s: the fourth window gets none"
oapi /person/custom-field/get
is "$(j '.error["try-in-seconds"]')" 30 "until the minute rolls over: 30 s"

# ---- the token bucket on ortto-sim
sim_start --api-key k1 --clock manual --limiter bucket --rate 2 --burst 3
codes=$(burst 10 $read_path)
is "$(count 200 "$codes")" 3 "--limiter bucket: the burst"
oapi /person/custom-field/get
is "$BODY" '{"error":{"code":"rate-limit","message":"rate limit","try-in-seconds":1}}' "the same 429 body"
control POST /clock '{"advance_ms":500}'
oapi /person/custom-field/get
is "$STATUS" 200 "2 r/s: a token every 500 ms"

# ---- strict spacing on ortto-sim
sim_start --api-key k1 --clock manual --limiter strict --rate 10
codes=$(burst 10 $read_path)
is "$(count 200 "$codes")" 1 "--limiter strict 10 r/s: 1 of a burst"
control POST /clock '{"advance_ms":99}'
oapi /person/custom-field/get
is "$BODY" '{"error":{"code":"rate-limit","message":"rate limit","try-in-seconds":1}}' "99 ms: refused with Ortto's body"
control POST /clock '{"advance_ms":1}'
oapi /person/custom-field/get
is "$STATUS" 200 "100 ms: admitted"

# ---- faults, in Ortto's shape
sim_start --api-key k1 --windows 0 --fail-rate 1
oapi /person/merge '{"people":[{"fields":{"str::email":"f@example.com"}}]}'
is "$STATUS" 500 "fail-rate 1: 500"
is "$(j '[.code, (.error|test("nothing was applied"))]|map(tostring)|join(" ")')" "500 true" "in Ortto's error shape"
control GET /state
is "$(j '.accounts.k1.people|length')" 0 "a failed merge applies nothing"
SIM_KEY=bad oapi /person/custom-field/get
is "$STATUS" 401 "faults never hide an auth error"
control POST /faults '{"fail_rate":0,"drop_rate":1}'
oapi /person/merge '{"people":[{"fields":{"str::email":"d@example.com"}}]}'
is "$STATUS" 000 "drop-rate 1: no answer"
control GET /state
is "$(j '.accounts.k1.people[0].fields["str::email"]')" "d@example.com" "a dropped merge was applied"

sim_stop
done_testing
