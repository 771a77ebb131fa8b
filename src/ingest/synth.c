/* synth.c: synthetic profiles: names with accents and other scripts, some bad, duplicated and
 * mixed-case emails, plausible purchases. Each profile draws from its own seeded stream, so a
 * "changed" snapshot differs from the original only where it is meant to. */
#include "ingest/synth.h"

#include <math.h>
#include <string.h>

#include "util/clock.h"

static const char *const first_names[] = {
    "María", "José", "Lucía", "Hugo", "Zoë", "Łukasz", "Søren", "Chloé", "Mateo", "Ana", "Björn", "Inés",
    "Noah", "Emma", "Oliver", "Amélie", "Jürgen", "Aoife", "Siobhán", "Ömer", "Ελένη", "Дмитрий", "美咲", "Wei",
    "Olivia", "Liam", "Sofía", "Mía", "Lars", "Camille", "François", "Giulia", "João", "Nuno", "Fatima", "Aarav"};
static const char *const last_names[] = {
    "García", "Fernández", "López", "Martínez", "Müller", "Schmidt", "Dubois", "Lefèvre", "Rossi", "Bianchi",
    "Silva", "Santos", "Smith", "Jones", "O'Brien", "Kowalski", "Nowak", "Jensen", "Øster", "Novák", "Yılmaz",
    "Παπαδόπουλος", "Иванов", "佐藤", "Chen", "Wang", "Brown", "Taylor", "Dupont", "van der Berg", "Sánchez", "Núñez"};
static const char *const domains[] = {"example.com", "mail.example.org", "correo.example.es", "example.net",
                                      "shop.example.co.uk", "example.de"};
static const struct {
  const char *country;
  const char *cities[4];
  int weight;
} countries[] = {
    {"Spain", {"Madrid", "Barcelona", "Sevilla", "Málaga"}, 22},
    {"France", {"Paris", "Lyon", "Marseille", "Besançon"}, 14},
    {"Germany", {"Berlin", "München", "Köln", "Hamburg"}, 14},
    {"United Kingdom", {"London", "Manchester", "Leeds", "Bristol"}, 12},
    {"United States", {"New York", "Austin", "Seattle", "Chicago"}, 14},
    {"Italy", {"Roma", "Milano", "Torino", "Napoli"}, 8},
    {"Portugal", {"Lisboa", "Porto", "Braga", "Coimbra"}, 6},
    {"Netherlands", {"Amsterdam", "Rotterdam", "Utrecht", "Den Haag"}, 4},
    {"Mexico", {"Ciudad de México", "Guadalajara", "Monterrey", "Puebla"}, 4},
    {"Brazil", {"São Paulo", "Rio de Janeiro", "Curitiba", "Recife"}, 2},
};
static const char *const tiers[] = {"bronze", "silver", "gold", "platinum"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

void synth_defaults(synth_options *o) {
  memset(o, 0, sizeof *o);
  o->count = 1000;
  o->seed = 42;
  o->invalid_pct = 1.0;
  o->duplicate_pct = 0.5;
  o->mixed_case_pct = 10.0;
}

/* splitmix64: a small, well-distributed generator; one stream per profile and purpose. */
typedef struct rng {
  uint64_t s;
} rng;
static uint64_t next(rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static rng stream(uint64_t seed, int64_t index, uint64_t purpose) {
  rng r = {seed * 0x2545F4914F6CDD1DULL ^ ((uint64_t)index * 0x9E3779B97F4A7C15ULL) ^ (purpose << 56)};
  next(&r);
  return r;
}
static double unit(rng *r) { return (double)(next(r) >> 11) / 9007199254740992.0; }
static uint64_t below(rng *r, uint64_t n) { return next(r) % n; }

static void csv_field(FILE *out, const char *s, bool last) {
  bool quote = strpbrk(s, ",\"\r\n") != NULL;
  if (quote) {
    fputc('"', out);
    for (; *s; s++) {
      if (*s == '"') fputc('"', out);
      fputc(*s, out);
    }
    fputc('"', out);
  } else {
    fputs(s, out);
  }
  fputc(last ? '\n' : ',', out);
}

static void json_str(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', out);
    fputc(*s, out);
  }
  fputc('"', out);
}

/* The ASCII letter for a two-byte UTF-8 Latin letter with a diacritic (U+00C0..U+017F), or 0. */
static char fold_latin(unsigned char b0, unsigned char b1) {
  static const char latin1[] = "aaaaaaaceeeeiiiidnooooo_ouuuuyts" /* U+00C0..U+00DF */
                               "aaaaaaaceeeeiiiidnooooo_ouuuuyty"; /* U+00E0..U+00FF */
  unsigned cp = ((b0 & 0x1Fu) << 6) | (b1 & 0x3Fu);
  if (cp >= 0xC0 && cp <= 0xFF) return latin1[cp - 0xC0] == '_' ? 0 : latin1[cp - 0xC0];
  if (cp == 0x141 || cp == 0x142) return 'l';
  if (cp >= 0x100 && cp <= 0x17F) { /* Latin Extended-A: pairs of one base letter */
    static const char ext[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiijjjjkkklllllllllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
    size_t k = cp - 0x100;
    return k < sizeof ext - 1 ? ext[k] : 0;
  }
  return 0;
}

/* The ASCII local part of an email built from a name: accented Latin letters folded to their
 * base letter, other scripts dropped (a name with nothing left becomes "customer"). */
static void local_part(const char *first, const char *last, int64_t index, char *out, size_t cap) {
  char tmp[64];
  size_t n = 0;
  const char *parts[2] = {first, last};
  for (int p = 0; p < 2; p++) {
    for (const unsigned char *c = (const unsigned char *)parts[p]; *c && n + 2 < sizeof tmp; c++) {
      if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')) {
        tmp[n++] = (char)(*c | 0x20);
      } else if (*c >= 0xC2 && *c <= 0xC5 && c[1]) {
        char f = fold_latin(c[0], c[1]);
        if (f) tmp[n++] = f;
        c++;
      }
    }
    if (p == 0 && n > 0) tmp[n++] = '.';
  }
  while (n && tmp[n - 1] == '.') n--;
  tmp[n] = '\0';
  if (n == 0 || tmp[0] == '.') snprintf(tmp, sizeof tmp, "customer");
  snprintf(out, cap, "%s%lld", tmp, (long long)index);
}

int synth_write(FILE *out, const synth_options *o) {
  static const char *const cols[] = {"CustomerId", "Email",        "FirstName",        "LastName",
                                     "Country",    "City",         "LifetimeValue",    "Orders",
                                     "SignupDate", "LastPurchaseDate", "LoyaltyTier", "IsSubscribed"};
  int total_weight = 0;
  for (size_t i = 0; i < N(countries); i++) total_weight += countries[i].weight;
  if (!o->jsonl)
    for (size_t i = 0; i < N(cols); i++) csv_field(out, cols[i], i + 1 == N(cols));

  const int64_t signup_from = clock_days_from_civil(2015, 1, 1), signup_to = clock_days_from_civil(2024, 12, 31);
  const int64_t purchase_to = clock_days_from_civil(2025, 6, 30);
  for (int64_t i = 0; i < o->count; i++) {
    rng r = stream(o->seed, i, 1);
    char id[24], email[160], ltv[32], orders[16], signup[11], last[11] = "", local[96];
    snprintf(id, sizeof id, "C%08lld", (long long)(i + 1));
    const char *first = first_names[below(&r, N(first_names))];
    const char *lastname = last_names[below(&r, N(last_names))];
    int pick = (int)below(&r, (uint64_t)total_weight), ci = 0;
    while (pick >= countries[ci].weight) pick -= countries[ci++].weight;
    const char *country = countries[ci].country;
    const char *city = countries[ci].cities[below(&r, 4)];
    const char *domain = domains[below(&r, N(domains))];
    const char *tier = tiers[below(&r, N(tiers))];
    bool subscribed = unit(&r) < 0.85;
    int64_t signup_day = signup_from + (int64_t)below(&r, (uint64_t)(signup_to - signup_from));
    clock_format_date(signup_day, signup);
    double value = exp(3.0 + 2.2 * unit(&r) + 1.2 * unit(&r)) - 20.0;
    int n_orders = (int)(unit(&r) * unit(&r) * 60.0);
    int64_t last_day = signup_day + (int64_t)below(&r, (uint64_t)(purchase_to - signup_day));

    /* A later snapshot: some customers bought again. */
    rng ch = stream(o->seed, i, 2);
    if (unit(&ch) * 100.0 < o->changed_pct) {
      n_orders += 1 + (int)below(&ch, 3);
      value += 25.0 + 200.0 * unit(&ch);
      last_day = purchase_to + 1 + (int64_t)below(&ch, 60);
    }
    if (value < 0) value = 0;
    if (n_orders == 0) value = 0;
    snprintf(ltv, sizeof ltv, "%.2f", value);
    snprintf(orders, sizeof orders, "%d", n_orders);
    if (n_orders > 0) clock_format_date(last_day, last);

    /* The email: usually clean; some mixed case, some shared with an earlier customer, some bad. */
    rng em = stream(o->seed, i, 3);
    double roll = unit(&em) * 100.0;
    int64_t email_index = i;
    if (roll < o->duplicate_pct && i > 0) email_index = (int64_t)below(&em, (uint64_t)i);
    rng er = stream(o->seed, email_index, 1);
    const char *ef = first_names[below(&er, N(first_names))];
    const char *el = last_names[below(&er, N(last_names))];
    below(&er, (uint64_t)total_weight);
    below(&er, 4);
    const char *edomain = domains[below(&er, N(domains))];
    local_part(ef, el, email_index + 1, local, sizeof local);
    rng mv = stream(o->seed, i, 4);
    if (unit(&mv) * 100.0 < o->moved_pct) snprintf(local + strlen(local), sizeof local - strlen(local), ".new");
    snprintf(email, sizeof email, "%s@%s", local, email_index == i ? domain : edomain);
    double bad = unit(&em) * 100.0;
    if (bad < o->invalid_pct / 2) {
      email[0] = '\0';
    } else if (bad < o->invalid_pct) {
      char *at = strchr(email, '@');
      if (at) *at = '.'; /* no @: not an email */
    } else if (unit(&em) * 100.0 < o->mixed_case_pct) {
      size_t len = strlen(email);
      for (size_t k = 0; k < len; k += 3) /* every third letter upper-cased */
        email[k] = (char)(email[k] >= 'a' && email[k] <= 'z' ? email[k] - 32 : email[k]);
      if (unit(&em) < 0.3) { /* and a stray space, as copied from a form */
        memmove(email + 1, email, strlen(email) + 1);
        email[0] = ' ';
      }
    }

    if (o->jsonl) {
      fprintf(out, "{\"CustomerId\":\"%s\",\"Email\":", id);
      json_str(out, email);
      fputs(",\"FirstName\":", out);
      json_str(out, first);
      fputs(",\"LastName\":", out);
      json_str(out, lastname);
      fputs(",\"Country\":", out);
      json_str(out, country);
      fputs(",\"City\":", out);
      json_str(out, city);
      fprintf(out, ",\"LifetimeValue\":%s,\"Orders\":%s,\"SignupDate\":\"%s\",\"LastPurchaseDate\":%s%s%s,"
                   "\"LoyaltyTier\":\"%s\",\"IsSubscribed\":%s}\n",
              ltv, orders, signup, last[0] ? "\"" : "", last[0] ? last : "null", last[0] ? "\"" : "", tier,
              subscribed ? "true" : "false");
    } else {
      const char *row[] = {id,   email, first, lastname, country,    city,
                           ltv,  orders, signup, last,   tier,       subscribed ? "true" : "false"};
      for (size_t k = 0; k < N(row); k++) csv_field(out, row[k], k + 1 == N(row));
    }
    if (ferror(out)) return -1;
  }
  return fflush(out) == 0 ? 0 : -1;
}
