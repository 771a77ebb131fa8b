/* test_security.c: issue 11's key hygiene: the logger's redaction list (unbounded, forgotten
 * when done), redaction before a cut, API text redacted before it is described or stored, the
 * client forgetting its key, the URL rule, and the key file read without following links. */
#include <fcntl.h>
#include <sys/stat.h>

#include "helpers.h"
#include "autopilot/api.h"
#include "autopilot/api.h"
#include "http/client.h"
#include "destination/destination.h"
#include "store/destinations.h"
#include "store/exports.h"
#include "util/log.h"
#include "util/url.h"

#define KEY "0123456789abcdef0123456789abcdef"

static void test_redaction_list_is_unbounded(void **state) {
  char secret[100][40];
  for (int i = 0; i < 100; i++) {
    snprintf(secret[i], sizeof secret[i], "s3cr3t-%03d-%08x", i, (unsigned)(i * 2654435761u));
    log_add_secret(secret[i]);
  }
  assert_int_equal(log_secret_count(), 100);
  char line[256];
  snprintf(line, sizeof line, "first=%s last=%s", secret[0], secret[99]);
  log_redact(line, sizeof line);
  assert_string_equal(line, "first=[redacted] last=[redacted]");
  log_forget_secrets();
  assert_int_equal(log_secret_count(), 0);
}

static void test_a_secret_is_forgotten_when_its_last_user_is_done(void **state) {
  log_add_secret(KEY);
  log_add_secret(KEY); /* two users: a run and its client, say */
  assert_int_equal(log_secret_count(), 1);
  log_forget_secret(KEY);
  char line[64] = "k=" KEY;
  log_redact(line, sizeof line);
  assert_string_equal(line, "k=[redacted]");
  log_forget_secret(KEY);
  assert_int_equal(log_secret_count(), 0);
  char again[64] = "k=" KEY;
  log_redact(again, sizeof again);
  assert_string_equal(again, "k=" KEY);
}

/* Captures what log_event writes to stderr. */
static char *capture_log(const char *prefix_char, size_t prefix_len, const char *tail) {
  const char *path = test_path("stderr.log");
  fflush(stderr);
  int saved = dup(STDERR_FILENO);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(saved >= 0 && fd >= 0);
  dup2(fd, STDERR_FILENO);
  close(fd);
  char *msg = malloc(prefix_len + strlen(tail) + 1);
  memset(msg, prefix_char[0], prefix_len);
  strcpy(msg + prefix_len, tail);
  log_event(LOG_WARN, "test.cut", "%s", msg);
  free(msg);
  fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *out = calloc(1, 8192);
  size_t n = fread(out, 1, 8191, f);
  out[n] = '\0';
  fclose(f);
  return out;
}

static void test_log_lines_are_redacted_before_they_are_cut(void **state) {
  log_add_secret(KEY);
  /* The key straddles the cut at LOG_DETAIL_MAX bytes: its first half must not be left behind. */
  char *out = capture_log("a", LOG_DETAIL_MAX - 6, KEY " end");
  assert_non_null(strstr(out, "test.cut"));
  assert_null(strstr(out, "012345"));
  assert_true(strlen(out) < LOG_DETAIL_MAX + 100);
  free(out);
  /* A short line: the key is replaced by the mark. */
  out = capture_log("b", 10, " key=" KEY " end");
  assert_non_null(strstr(out, "key=[redacted] end"));
  free(out);
  log_forget_secrets();
}

static http_request *answer(long status, const char *message) {
  http_request *r = http_request_new(HTTP_GET, "/account", NULL);
  assert_non_null(r);
  r->status = status;
  char *body = malloc(strlen(message) + 64);
  sprintf(body, "{\"error\":\"Bad\",\"message\":\"%s\"}", message);
  r->response = body;
  r->response_len = strlen(body);
  r->attempts = 1;
  return r;
}

static void test_api_messages_are_redacted_before_they_are_cut(void **state) {
  log_add_secret(KEY);
  char why[300];
  http_request *r = answer(400, "the key " KEY " is not valid here");
  ap_describe_failure(r, why, sizeof why);
  assert_string_equal(why, "Autopilot answered 400: the key [redacted] is not valid here");
  http_request_free(r);
  /* A long message whose key crosses the excerpt's cut (200 characters). */
  char msg[400];
  memset(msg, 'x', 195);
  snprintf(msg + 195, sizeof msg - 195, "%s", KEY);
  r = answer(400, msg);
  ap_describe_failure(r, why, sizeof why);
  assert_null(strstr(why, "01234"));
  assert_non_null(strstr(why, "xxxx[reda"));
  http_request_free(r);
  log_forget_secrets();
}

static void test_client_forgets_its_key_when_freed(void **state) {
  log_forget_secrets();
  http_config cfg = {.base_url = "http://127.0.0.1:9/v1", .api_key = KEY, .in_flight = 1};
  http_client *c;
  seg_err err;
  assert_int_equal(http_client_new(&cfg, &c, &err), SEG_OK);
  assert_int_equal(log_secret_count(), 1);
  char line[64] = KEY;
  log_redact(line, sizeof line);
  assert_string_equal(line, "[redacted]");
  http_client_free(c);
  assert_int_equal(log_secret_count(), 0);
}

static int collect_reason(const char *customer_id, const char *email, const char *kind, const char *reason, void *ctx) {
  snprintf(ctx, 512, "%s", reason);
  return 0;
}

static void test_api_text_is_redacted_before_it_is_stored(void **state) {
  char path[512];
  snprintf(path, sizeof path, "%s/redact.db", test_tmpdir());
  store *s;
  seg_err err;
  assert_int_equal(store_open(path, STORE_OPEN_CREATE, &s, &err), SEG_OK);
  assert_int_equal(store_user_add(s, "alice", "admin", NULL, &err), SEG_OK);
  store_destination d = {.rate_limit = 0, .max_profiles = 10};
  snprintf(d.name, sizeof d.name, "ap");
  snprintf(d.display_name, sizeof d.display_name, "ap");
  snprintf(d.api_url, sizeof d.api_url, "https://api.example.com/v1");
  snprintf(d.export_user, sizeof d.export_user, "alice");
  assert_int_equal(store_destination_add(s, &d, "terms", "tester", &err), SEG_OK);
  int64_t run_id;
  int interrupted;
  assert_int_equal(store_export_run_start(s, d.id, "alice", false, &run_id, &interrupted, &err), SEG_OK);

  log_add_secret(KEY);
  store_export_writer *w;
  assert_int_equal(store_export_writer_new(s, d.id, run_id, &w, &err), SEG_OK);
  assert_int_equal(store_export_error_add(w, "c1", "a@example.com", "rejected", "Autopilot said: bad key " KEY, &err),
                   SEG_OK);
  store_export_writer_free(w);
  store_export_run r = {.run_id = run_id};
  snprintf(r.status, sizeof r.status, "failed");
  snprintf(r.message, sizeof r.message, "Autopilot answered 401: key " KEY " revoked");
  assert_int_equal(store_export_run_save(s, &r, &err), SEG_OK);
  log_forget_secrets();

  char reason[512] = "";
  assert_int_equal(store_export_errors_each(s, run_id, collect_reason, reason, &err), SEG_OK);
  assert_string_equal(reason, "Autopilot said: bad key [redacted]");
  store_export_run got;
  assert_int_equal(store_export_run_get(s, run_id, &got, &err), SEG_OK);
  assert_string_equal(got.message, "Autopilot answered 401: key [redacted] revoked");
  store_close(s);
}

static void test_url_rule(void **state) {
  assert_true(url_is_loopback("http://127.0.0.1:8080/v1"));
  assert_true(url_is_loopback("http://127.4.5.6/v1"));
  assert_true(url_is_loopback("http://LOCALHOST:1/"));
  assert_true(url_is_loopback("http://[::1]:9/v1"));
  assert_true(url_is_loopback("http://user@127.0.0.1/"));
  assert_false(url_is_loopback("http://128.0.0.1/"));
  assert_false(url_is_loopback("http://127.0.0.1.evil.example/"));
  assert_false(url_is_loopback("http://localhost.evil.example/"));
  assert_false(url_is_loopback("http://127.0.0.1@evil.example/"));
  assert_false(url_is_loopback("http://0.0.0.0:80/"));
  assert_false(url_is_loopback("http://[::2]/"));
  seg_err err;
  bool insecure;
  assert_int_equal(url_check_transport("https://api2.autopilothq.com/v1", "the API URL", "--allow-insecure-http", false,
                                       &insecure, &err),
                   SEG_OK);
  assert_false(insecure);
  assert_int_equal(url_check_transport("http://api.example.com/v1", "the API URL", "--allow-insecure-http", false,
                                       &insecure, &err),
                   SEG_EINVAL);
  assert_non_null(strstr(err.msg, "--allow-insecure-http"));
  assert_int_equal(url_check_transport("http://api.example.com/v1", "the API URL", "--allow-insecure-http", true,
                                       &insecure, &err),
                   SEG_OK);
  assert_true(insecure);
  assert_int_equal(url_check_transport("file:///etc/passwd", "the API URL", NULL, true, &insecure, &err), SEG_EINVAL);
  char hp[300];
  assert_true(url_host_port("https://API.example.com/v1", hp, sizeof hp));
  assert_string_equal(hp, "api.example.com:443");
  assert_true(url_host_port("http://[::1]:8080/v1", hp, sizeof hp));
  assert_string_equal(hp, "[::1]:8080");
  assert_false(url_host_port("http:///v1", hp, sizeof hp));
}

static void test_key_file_first_line_only_no_links(void **state) {
  const char *file = test_write_file("key.txt", KEY "\nsecond line\n", -1);
  char real[512];
  snprintf(real, sizeof real, "%s", file);
  char *key;
  seg_err err;
  assert_int_equal(dest_read_key(real, NULL, &key, &err), SEG_OK);
  assert_string_equal(key, KEY);
  secret_plain_free(key);
  char link[512];
  snprintf(link, sizeof link, "%s/key.link", test_tmpdir());
  assert_int_equal(symlink(real, link), 0);
  assert_int_equal(dest_read_key(link, NULL, &key, &err), SEG_EINVAL);
  assert_null(key);
  assert_non_null(strstr(err.msg, "symbolic link"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_redaction_list_is_unbounded),
      cmocka_unit_test(test_a_secret_is_forgotten_when_its_last_user_is_done),
      cmocka_unit_test(test_log_lines_are_redacted_before_they_are_cut),
      cmocka_unit_test(test_api_messages_are_redacted_before_they_are_cut),
      cmocka_unit_test(test_client_forgets_its_key_when_freed),
      cmocka_unit_test(test_api_text_is_redacted_before_it_is_stored),
      cmocka_unit_test(test_url_rule),
      cmocka_unit_test(test_key_file_first_line_only_no_links),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
