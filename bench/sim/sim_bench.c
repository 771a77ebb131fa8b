/* sim_bench.c: load generator for autopilot-sim: bulk upserts of 100 new contacts per call (each
 * with _autopilot_list, as an export sends them) over keep-alive connections with libcurl multi,
 * and the contacts per second the simulator sustained. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_BATCH 100
#define BENCH_MAX_CONNECTIONS 64

typedef struct bench_slot {
  CURL *easy;
  char *body; /* owned; rebuilt for each request */
  size_t cap;
  long batch; /* index of the batch in flight, -1 when idle */
} bench_slot;

typedef struct bench {
  const char *url; /* ".../v1/contacts" */
  const char *list_id;
  long batches, next_batch, done, failed;
  unsigned run; /* tells apart the emails of several runs on one simulator */
  struct curl_slist *headers;
} bench;

static double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t bench_discard(char *data, size_t size, size_t n, void *user) { return size * n; }

/* Writes the JSON body of batch b into the slot: 100 contacts with unique emails. */
static void bench_fill(const bench *bn, bench_slot *s, long b) {
  size_t need = 256 + BENCH_BATCH * (160 + strlen(bn->list_id));
  if (s->cap < need) {
    s->body = realloc(s->body, need);
    if (!s->body) abort();
    s->cap = need;
  }
  char *p = s->body;
  p += sprintf(p, "{\"contacts\":[");
  for (int i = 0; i < BENCH_BATCH; i++) {
    long n = b * BENCH_BATCH + i;
    p += sprintf(p, "%s{\"Email\":\"bench%u-%ld@example.com\",\"FirstName\":\"First%ld\",\"LastName\":\"Last%ld\","
                 "\"_autopilot_list\":\"%s\"}", i ? "," : "", bn->run, n, n, n, bn->list_id);
  }
  sprintf(p, "]}");
}

static void bench_start(bench *bn, CURLM *multi, bench_slot *s) {
  if (bn->next_batch >= bn->batches) {
    s->batch = -1;
    return;
  }
  s->batch = bn->next_batch++;
  bench_fill(bn, s, s->batch);
  curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
  curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(s->body));
  curl_multi_add_handle(multi, s->easy);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: sim-bench URL KEY LIST_ID CONTACTS [CONNECTIONS [RUN]]\n"
                    "  posts CONTACTS new contacts to URL/v1/contacts, 100 per call, and prints contacts/s\n");
    return 2;
  }
  bench bn = {0};
  char url[512], header[512];
  snprintf(url, sizeof url, "%s/v1/contacts", argv[1]);
  snprintf(header, sizeof header, "autopilotapikey: %s", argv[2]);
  bn.url = url;
  bn.list_id = argv[3];
  bn.batches = (atol(argv[4]) + BENCH_BATCH - 1) / BENCH_BATCH;
  int conns = argc > 5 ? atoi(argv[5]) : 8;
  if (conns < 1) conns = 1;
  if (conns > BENCH_MAX_CONNECTIONS) conns = BENCH_MAX_CONNECTIONS;
  bn.run = argc > 6 ? (unsigned)atoi(argv[6]) : 0;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  bn.headers = curl_slist_append(NULL, header);
  bn.headers = curl_slist_append(bn.headers, "Content-Type: application/json");
  bn.headers = curl_slist_append(bn.headers, "Expect:");
  CURLM *multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)conns);
  bench_slot slots[BENCH_MAX_CONNECTIONS] = {{0}};

  double t0 = bench_now();
  for (int i = 0; i < conns; i++) {
    CURL *e = curl_easy_init();
    slots[i].easy = e;
    curl_easy_setopt(e, CURLOPT_URL, bn.url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, bn.headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, bench_discard);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &slots[i]);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    bench_start(&bn, multi, &slots[i]);
  }
  int running = 1;
  while (running) {
    curl_multi_perform(multi, &running);
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(multi, &left))) {
      if (msg->msg != CURLMSG_DONE) continue;
      bench_slot *s;
      long code = 0;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
      curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
      if (msg->data.result != CURLE_OK || code != 200) {
        if (bn.failed++ < 5) fprintf(stderr, "sim-bench: batch %ld: %s, HTTP %ld\n", s->batch,
                                     curl_easy_strerror(msg->data.result), code);
      }
      bn.done++;
      curl_multi_remove_handle(multi, msg->easy_handle);
      bench_start(&bn, multi, s);
      running = 1;
    }
    if (running) curl_multi_poll(multi, NULL, 0, 100, NULL);
  }
  double secs = bench_now() - t0;
  long contacts = bn.done * BENCH_BATCH;
  printf("contacts=%ld requests=%ld failed=%ld seconds=%.3f contacts_per_s=%.0f\n", contacts, bn.done, bn.failed,
         secs, (double)contacts / secs);
  for (int i = 0; i < conns; i++) {
    curl_easy_cleanup(slots[i].easy);
    free(slots[i].body);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(bn.headers);
  curl_global_cleanup();
  return bn.failed ? 1 : 0;
}
