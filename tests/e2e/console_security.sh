#!/usr/bin/env bash
# console_security.sh: the console's defences, with curl: sign-in and its cookie, the headers,
# CSRF on every POST, roles (a viewer and a contributor refused what they may not do), markup in
# names and values rendered inert, 12 idle hours ending a session (its last use moved back in the
# store), sign-out, and the lockout after 5 failed sign-ins in a minute.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/segship_lib.sh"
source "$(dirname "$0")/console_lib.sh"

setup_store 200 5
printf 'viewer password\n' >"$TAP_TMP/vpw"
printf 'contrib password\n' >"$TAP_TMP/cpw"
seg user add victor --role viewer --password-file "$TAP_TMP/vpw" >/dev/null
seg user add carla --role contributor --password-file "$TAP_TMP/cpw" >/dev/null
# markup in a profile's values and in a segment's name
printf 'CustomerId,Email,FirstName,Country\nx-1,"x1@example.com","<script>alert(1)</script>",spain\n' >"$TAP_TMP/evil.csv"
seg profiles import "$TAP_TMP/evil.csv" >/dev/null
seg segment create '<img src=x onerror=alert(1)>' --rule 'Country = "spain"' >/dev/null || BAIL_OUT "segment"
console_start

# ---- signed out
web anon GET /destinations
is "$STATUS" 303 "a page asks for a session"
is "$(header Location)" /signin "and sends you to sign in"
web anon GET /signin
like "$BODY" '<label for="username">User name</label>' "the sign-in page has User name"
like "$BODY" '<label for="password">Password</label>' "and Password"
like "$BODY" '<button type="submit">Sign in</button>' "and Sign in"
like "$(header Content-Security-Policy)" "default-src 'self'; script-src 'self'" "CSP: scripts from the console only"
like "$(header Content-Security-Policy)" "frame-ancestors 'none'" "CSP: no frames"
is "$(header X-Frame-Options)" DENY "X-Frame-Options DENY"
unlike "$BODY" '<script>[^<]' "no inline script"
web anon POST /signin --data-urlencode "username=alice" --data-urlencode "password=correct horse battery"
is "$STATUS" 403 "a sign-in without the form's token is refused"
web anon POST /signin --data-urlencode "csrf=abc" --data-urlencode "username=alice" --data-urlencode "password=correct horse battery"
is "$STATUS" 403 "and with a short one"

# ---- signing in
sign_in admin alice 'wrong password'
is "$STATUS" 401 "a wrong password is refused"
like "$BODY" "Wrong user name or password" "in one sentence"
sign_in admin alice 'correct horse battery'
is "$STATUS" 303 "alice signs in"
cookie=$(grep -i '^set-cookie: segship_session=' <<<"$HEADERS")
like "$cookie" 'HttpOnly' "the session cookie is HttpOnly"
like "$cookie" 'SameSite=Strict' "and SameSite=Strict"
unlike "$cookie" 'Secure' "and not Secure without --secure-cookies"
web admin GET /destinations
is "$STATUS" 200 "the destinations page"
for nav in "Export destinations" Segments Profiles Schedule Users "Sign out"; do
  like "$BODY" ">$nav<" "navigation: $nav"
done
token=$(grep segship_session "$TAP_TMP/admin.jar" | awk '{print $7}')
is "$(sqlite3 "$DB" "SELECT count(*) FROM console_sessions WHERE token_hash = '$token'")" 0 "the store keeps no session token in plain text"

# ---- CSRF
web admin POST /users --data-urlencode "action=add" --data-urlencode "name=mallory" --data-urlencode "role=admin" \
  --data-urlencode "password=12345678"
is "$STATUS" 403 "a POST without the CSRF token is refused"
web admin POST /users --data-urlencode "csrf=$(printf '0%.0s' {1..64})" --data-urlencode "action=add" \
  --data-urlencode "name=mallory" --data-urlencode "role=admin" --data-urlencode "password=12345678"
is "$STATUS" 403 "a POST with a wrong CSRF token is refused"
isnt "$(seg user list --json | jq -r '.users[].name' | grep -c mallory)" 1 "nothing was added"
web admin GET /users
web admin POST /users --data-urlencode "csrf=$CSRF" --data-urlencode "action=add" --data-urlencode "name=shorty" \
  --data-urlencode "role=viewer" --data-urlencode "password=short"
is "$STATUS" 400 "a password under 8 characters is refused"
like "$BODY" "at least 8 characters" "saying so"
web admin POST /users --data-urlencode "csrf=$CSRF" --data-urlencode "action=add" --data-urlencode "name=dora" \
  --data-urlencode "role=viewer" --data-urlencode "password=dora password"
is "$STATUS" 303 "with the token, an admin adds a user"
is "$(seg user list --json | jq -r '.users[] | select(.name == "dora") | .role')" viewer "dora is a viewer"

# ---- Connect sends no key over plain http to another machine (checked before any traffic)
web admin GET /destinations/new
web admin POST /destinations/new --data-urlencode "csrf=$CSRF" --data-urlencode "action=connect" \
  --data-urlencode "display_name=Elsewhere" --data-urlencode "api_key=$KEY1" --data-urlencode "api_url=http://192.0.2.1/v1"
is "$STATUS" 400 "Connect refuses plain http to another machine"
like "$BODY" "the API address" "saying which field is wrong"
unlike "$BODY" "$KEY1" "and the key is not echoed back"
is "$(seg destination list --json | jq '.destinations | length')" 0 "nothing was saved"

# ---- roles
sign_in viewer victor 'viewer password'
is "$STATUS" 303 "a viewer signs in"
web viewer GET /segments
is "$STATUS" 200 "a viewer reads the segments"
web viewer POST /segments/new --data-urlencode "csrf=$CSRF" --data-urlencode "new_name=V" --data-urlencode 'rule=Country = "spain"'
is "$STATUS" 403 "a viewer's POST is refused"
like "$BODY" "can read but not change" "with a 403 page that says why"
is "$(seg segment list --json | jq '[.segments[] | select(.name == "V")] | length')" 0 "and nothing was created"
web viewer GET /users
is "$STATUS" 403 "a viewer cannot open Users"
web viewer GET /destinations/new
is "$STATUS" 403 "nor Add destination"
sign_in contrib carla 'contrib password'
web contrib GET /segments/new
web contrib POST /segments/new --data-urlencode "csrf=$CSRF" --data-urlencode "new_name=Contributed" \
  --data-urlencode 'rule=Country = "spain"'
is "$STATUS" 303 "a contributor creates a segment"
web contrib POST /schedule --data-urlencode "csrf=$CSRF" --data-urlencode "expression=0 6 * * *"
is "$STATUS" 403 "a contributor cannot change the schedule"
web contrib POST /users --data-urlencode "csrf=$CSRF" --data-urlencode "action=remove" --data-urlencode "name=alice"
is "$STATUS" 403 "nor remove a user"

# ---- markup is inert
web admin GET /segments
like "$BODY" '&lt;img src=x onerror=alert\(1\)&gt;' "a segment named with markup shows as text"
unlike "$BODY" '<img src=x' "and no element is made of it"
web admin GET "/profile?id=x-1"
like "$BODY" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "a profile value with markup shows as text"
unlike "$BODY" '<script>alert' "and runs nothing"
web admin GET "/segment?name=$(urlencode '<img src=x onerror=alert(1)>')"
is "$STATUS" 200 "the segment's own page opens"
unlike "$BODY" '<img src=x' "and is inert too"
web admin GET "/profiles?q=$(urlencode '"><script>alert(2)</script>')"
unlike "$BODY" '<script>alert(2)' "a search echoed back is inert"

# ---- rule errors at their column
web admin GET /segments/new
web admin POST /segments/new --data-urlencode "csrf=$CSRF" --data-urlencode "new_name=Typo" --data-urlencode 'rule=Contry = "spain"'
is "$STATUS" 400 "a rule with an unknown attribute is refused"
like "$BODY" "column 1" "the error names its column"
like "$BODY" "Country" "with the suggestion"
web admin GET "/segments/preview?rule=$(urlencode 'Country = "spain"')"
like "$BODY" '^\{"count":[0-9]+\}$' "the live count answers in JSON"

# ---- editing a segment: a new rule and a new name, refreshed; the history follows it
web admin GET "/segment?name=Contributed"
web admin POST /segment --data-urlencode "csrf=$CSRF" --data-urlencode "name=Contributed" \
  --data-urlencode "new_name=Spanish buyers" --data-urlencode 'rule=Country = "spain" and Orders > 0'
is "$STATUS" 303 "a segment is edited"
is "$(seg segment show 'Spanish buyers' --json | jq -r .rule)" 'Country = "spain" and Orders > 0' "with its new name and rule"
web admin GET "/segment?name=$(urlencode 'Spanish buyers')"
like "$BODY" "Membership history" "its page shows the membership history"
like "$BODY" '<th class="n">Joined</th>' "with who joined and who left per refresh"

# ---- users: change a role, reset a password (ending the user's sessions), remove
web admin GET /users
web admin POST /users --data-urlencode "csrf=$CSRF" --data-urlencode "action=role" --data-urlencode "name=dora" \
  --data-urlencode "role=contributor"
is "$(seg user list --json | jq -r '.users[] | select(.name == "dora") | .role')" contributor "an admin changes a role"
sign_in dorajar dora 'dora password'
web admin GET /users # the admin's own page and token again
web admin POST /users --data-urlencode "csrf=$CSRF" --data-urlencode "action=password" --data-urlencode "name=dora" \
  --data-urlencode "password=short"
is "$STATUS" 400 "a short password is refused"
web admin POST /users --data-urlencode "csrf=$CSRF" --data-urlencode "action=password" --data-urlencode "name=dora" \
  --data-urlencode "password=dora new password"
is "$STATUS" 303 "an admin resets a password"
web dorajar GET /segments
is "$STATUS" 303 "which ends that user's sessions"
web admin POST /users --data-urlencode "csrf=$CSRF" --data-urlencode "action=remove" --data-urlencode "name=alice"
is "$STATUS" 400 "an admin cannot remove themself"
printf 'temp password\n' >"$TAP_TMP/tpw"
seg user add temp --role viewer --password-file "$TAP_TMP/tpw" >/dev/null
sign_in tempjar temp 'temp password'
web admin GET /users
web admin POST /users --data-urlencode "csrf=$CSRF" --data-urlencode "action=remove" --data-urlencode "name=temp"
is "$STATUS" 303 "an admin removes a user"
web tempjar GET /segments
is "$STATUS" 303 "whose session ends with them"

# ---- idle sessions end after 12 hours
sqlite3 "$DB" "UPDATE console_sessions SET last_seen = last_seen - 11*3600*1000 WHERE user = 'victor'"
web viewer GET /destinations
is "$STATUS" 200 "11 idle hours: still signed in"
sqlite3 "$DB" "UPDATE console_sessions SET last_seen = last_seen - 13*3600*1000 WHERE user = 'victor'"
web viewer GET /destinations
is "$STATUS" 303 "13 idle hours: the session has ended"
is "$(header Location)" "/signin?expired=1" "and you are sent to sign in"
web viewer GET /signin?expired=1
like "$BODY" "Your session expired" "which says why"
is "$(sqlite3 "$DB" "SELECT count(*) FROM console_sessions WHERE user = 'victor'")" 0 "the ended session is gone from the store"

# ---- sign out
web contrib GET /segments
web contrib POST /signout --data-urlencode "csrf=$CSRF"
is "$STATUS" 303 "sign out"
web contrib GET /segments
is "$STATUS" 303 "afterwards the session no longer opens pages"

# ---- the lockout: 5 failures in a minute lock the user (and the address) for a minute
console_stop
console_start # the failures counted so far are forgotten (they live in the serve process)
codes=
for i in 1 2 3 4 5; do sign_in bad dora "wrong $i"; codes="$codes $STATUS"; done
is "$codes" " 401 401 401 401 401" "five wrong passwords are refused"
sign_in bad dora 'dora password'
is "$STATUS" 429 "then even the right password is refused"
like "$BODY" "locked for a minute" "saying for how long"
sign_in other victor 'viewer password'
is "$STATUS" 429 "the address is locked too"
like "$(cat "$CONSOLE_LOG")" "console.signin.failed" "failed sign-ins are logged"
unlike "$(cat "$CONSOLE_LOG")" "wrong [0-9]" "without the passwords tried"
console_stop

# ---- --secure-cookies
console_start --secure-cookies
sign_in admin2 alice 'correct horse battery'
like "$(grep -i '^set-cookie: segship_session=' <<<"$HEADERS")" 'Secure' "--secure-cookies marks the cookie Secure"
console_stop
done_testing
