/* html.c: writing HTML: escaping (every value a page shows goes through h_esc), numbers and
 * times, the page frame with its navigation, notices. */
#include <stdio.h>
#include <string.h>

#include "console/console_internal.h"
#include "util/clock.h"

void h_escn(buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
      case '&': buf_puts(b, "&amp;"); break;
      case '<': buf_puts(b, "&lt;"); break;
      case '>': buf_puts(b, "&gt;"); break;
      case '"': buf_puts(b, "&quot;"); break;
      case '\'': buf_puts(b, "&#39;"); break;
      default: buf_putc(b, s[i]);
    }
  }
}

void h_esc(buf *b, const char *s) {
  if (s) h_escn(b, s, strlen(s));
}

void h_url(buf *b, const char *s) {
  static const char d[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
      buf_putc(b, (char)*p);
    else {
      buf_putc(b, '%');
      buf_putc(b, d[*p >> 4]);
      buf_putc(b, d[*p & 15]);
    }
  }
}

void h_num(buf *b, int64_t v) {
  char digits[32], out[48];
  int n = snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v)), k = 0;
  if (v < 0) out[k++] = '-';
  for (int i = 0; i < n; i++) {
    out[k++] = digits[i];
    if ((n - i - 1) % 3 == 0 && i != n - 1) out[k++] = ',';
  }
  out[k] = '\0';
  buf_puts(b, out);
}

void h_time(buf *b, int64_t ms) {
  if (ms <= 0) {
    buf_puts(b, "never");
    return;
  }
  char t[25];
  clock_format_datetime(ms / 1000, t);
  t[10] = ' ';
  t[16] = '\0';
  buf_printf(b, "<time datetime=\"%s:00Z\">%s UTC</time>", t, t);
}

void h_csrf(buf *b, const creq *r) {
  buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
  h_esc(b, r->csrf);
  buf_puts(b, "\">");
}

void h_notice(buf *b, const char *kind, const char *text) {
  buf_printf(b, "<p class=\"notice %s\" role=\"%s\">", kind, strcmp(kind, "error") == 0 ? "alert" : "status");
  h_esc(b, text);
  buf_puts(b, "</p>\n");
}

void page_begin(creq *r, cresp *w, const char *title) {
  buf *b = &w->body;
  buf_puts(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
  h_esc(b, title);
  buf_puts(b, " · segship</title>\n<link rel=\"stylesheet\" href=\"/static/console.css\">\n"
              "<script src=\"/static/console.js\" defer></script>\n</head>\n<body>\n"
              "<a class=\"skip\" href=\"#main\">Skip to content</a>\n<header>\n<span class=\"brand\">segship</span>\n");
  if (r->signed_in) {
    static const char *const nav[][2] = {{"/destinations", "Export destinations"}, {"/segments", "Segments"},
                                         {"/profiles", "Profiles"},         {"/schedule", "Schedule"},
                                         {"/users", "Users"}};
    buf_puts(b, "<nav aria-label=\"Main\">\n<ul>\n");
    for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
      size_t l = strlen(nav[i][0]);
      bool here = strncmp(r->url, nav[i][0], l - 1) == 0;
      buf_printf(b, "<li><a href=\"%s\"%s>%s</a></li>\n", nav[i][0], here ? " aria-current=\"page\"" : "", nav[i][1]);
    }
    buf_puts(b, "<li><form method=\"post\" action=\"/signout\" class=\"inline\">");
    h_csrf(b, r);
    buf_puts(b, "<button type=\"submit\" class=\"link\">Sign out</button></form></li>\n</ul>\n</nav>\n"
                "<span class=\"who\">");
    h_esc(b, r->user.name);
    buf_puts(b, " (");
    h_esc(b, r->user.role);
    buf_puts(b, ")</span>\n");
  }
  buf_puts(b, "</header>\n<main id=\"main\">\n<h1>");
  h_esc(b, title);
  buf_puts(b, "</h1>\n");
}

void page_end(cresp *w) { buf_puts(&w->body, "</main>\n</body>\n</html>\n"); }
