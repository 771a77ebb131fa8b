/* test_pace.c: the client's pacer driven by an injected clock (a number this test advances),
 * never the wall clock: rate, windows, 429 pauses, recovery, and the --rate-limit parser. */
#include "helpers.h"

#include "http/pace.h"

/* Sends as many requests as the pacer allows from t0 to t1, stepping the clock by the wait the
 * pacer names (the way the client's loop does); returns how many were sent. */
static int send_until(http_pace *p, double *now, double t1) {
  int sent = 0;
  while (*now < t1) {
    double w = http_pace_take(p, *now);
    if (w == 0) {
      sent++;
      continue;
    }
    *now += w;
  }
  return sent;
}

static void test_rate_spaces_requests(void **state) {
  http_pace p;
  http_pace_init(&p, 5, 1, 0);
  assert_true(http_pace_take(&p, 0) == 0);         /* the bucket starts full (burst 1) */
  double w = http_pace_take(&p, 0);
  assert_true(w > 199.0 && w <= 200.0);            /* then one every 200 ms at 5 r/s */
  assert_true(http_pace_take(&p, 100) > 0);
  assert_true(http_pace_take(&p, 200) == 0);
  double now = 200;
  int n = send_until(&p, &now, 10200);
  assert_int_equal(n, 49);                         /* 400, 600, ... 10000 ms: 5 r/s */
  http_pace_free(&p);
}

static void test_unlimited(void **state) {
  http_pace p;
  http_pace_init(&p, 0, 1, 0);
  for (int i = 0; i < 1000; i++) assert_true(http_pace_take(&p, 0) == 0);
  http_pace_free(&p);
}

static void test_windows_hold_both_limits(void **state) {
  http_pace p;
  http_pace_init(&p, 0, 1, 0);
  assert_int_equal(http_pace_set_windows(&p, "200/10s,600/60s"), 0);
  double now = 0;
  /* 200 at once, then nothing until the first of them leaves the 10 s window */
  for (int i = 0; i < 200; i++) assert_true(http_pace_take(&p, now) == 0);
  double w = http_pace_take(&p, now);
  assert_true(w == 10000);
  assert_true(http_pace_take(&p, 9999) > 0);
  assert_true(http_pace_take(&p, 10000) == 0);
  /* over a whole minute, the 60 s window rules: 600, never more */
  http_pace_free(&p);
  http_pace_init(&p, 0, 1, 0);
  assert_int_equal(http_pace_set_windows(&p, "200/10s,600/60s"), 0);
  now = 0;
  assert_int_equal(send_until(&p, &now, 60000), 600);
  /* and in any 10 s span no more than 200: check the next minute at 1 ms resolution */
  http_pace_free(&p);
  http_pace_init(&p, 0, 1, 0);
  assert_int_equal(http_pace_set_windows(&p, "200/10s"), 0);
  static double times[2000];
  int n = 0;
  for (double t = 0; t < 35000 && n < 2000; t += 1)
    while (n < 2000 && http_pace_take(&p, t) == 0) times[n++] = t;
  assert_int_equal(n, 800);                        /* windows at 0, 10, 20 and 30 s */
  for (int i = 200; i < n; i++) assert_true(times[i] - times[i - 200] >= 10000);
  http_pace_free(&p);
}

static void test_untake_gives_back(void **state) {
  http_pace p;
  http_pace_init(&p, 0, 1, 0);
  assert_int_equal(http_pace_set_windows(&p, "2/10s"), 0);
  assert_true(http_pace_take(&p, 0) == 0);
  assert_true(http_pace_take(&p, 0) == 0);
  http_pace_untake(&p, 0);
  assert_true(http_pace_take(&p, 1) == 0);
  assert_true(http_pace_take(&p, 2) > 0);
  http_pace_free(&p);
}

static void test_throttle_pauses_and_recovers(void **state) {
  http_pace p;
  http_pace_init(&p, 10, 1, 0);
  assert_true(http_pace_take(&p, 0) == 0);
  http_pace_throttled(&p, 50, 0);                  /* no hint: a second */
  assert_true(http_pace_take(&p, 1049) > 0);
  assert_true(p.current < 10);                      /* slower after the 429 */
  double now = 1050;
  while (http_pace_take(&p, now) > 0) now += 1;
  assert_true(now >= 1050);
  http_pace_throttled(&p, now, 10000);             /* Ortto's try-in-seconds: 10 */
  assert_true(http_pace_take(&p, now + 9999) > 0);
  for (int i = 0; i < 200; i++) http_pace_ok(&p);
  assert_true(p.current == 10);                     /* back to the configured rate */
  /* the pause also holds a pacer with windows only */
  http_pace q;
  http_pace_init(&q, 0, 1, 0);
  assert_int_equal(http_pace_set_windows(&q, "200/10s"), 0);
  http_pace_throttled(&q, 0, 3000);
  assert_true(http_pace_take(&q, 2999) == 1);
  assert_true(http_pace_take(&q, 3000) == 0);
  http_pace_free(&q);
  http_pace_free(&p);
}

static void test_parse_limit(void **state) {
  double rate;
  char win[128], why[200];
  assert_int_equal(http_pace_parse_limit("5", &rate, win, sizeof win, why, sizeof why), 0);
  assert_true(rate == 5);
  assert_string_equal(win, "");
  assert_int_equal(http_pace_parse_limit("0", &rate, win, sizeof win, why, sizeof why), 0);
  assert_true(rate == 0);
  assert_int_equal(http_pace_parse_limit("200/10s,600/60s", &rate, win, sizeof win, why, sizeof why), 0);
  assert_true(rate == 0);
  assert_string_equal(win, "200/10s,600/60s");
  assert_int_equal(http_pace_parse_limit("100/1m", &rate, win, sizeof win, why, sizeof why), 0);
  assert_string_equal(win, "100/60s");
  const char *bad[] = {"", "fast", "-1", "200/", "/10s", "200/10x", "0/10s", "200/10s,", "1/1s,1/2s,1/3s,1/4s,1/5s"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    why[0] = '\0';
    assert_int_equal(http_pace_parse_limit(bad[i], &rate, win, sizeof win, why, sizeof why), -1);
    assert_true(strstr(why, "--rate-limit") != NULL);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rate_spaces_requests), cmocka_unit_test(test_unlimited),
      cmocka_unit_test(test_windows_hold_both_limits), cmocka_unit_test(test_untake_gives_back),
      cmocka_unit_test(test_throttle_pauses_and_recovers), cmocka_unit_test(test_parse_limit),
  };
  return cmocka_run_group_tests_name("pace", tests, NULL, NULL);
}
