/* url.c: parsing the authority of http(s) URLs and the plain-http rule (loopback only). */
#include "util/url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Splits the URL's authority: host (brackets of an IPv6 literal removed) and port text. */
static bool split(const char *url, char *host, size_t hcap, char *port, size_t pcap, bool *https) {
  const char *p;
  if (strncasecmp(url, "https://", 8) == 0) {
    *https = true;
    p = url + 8;
  } else if (strncasecmp(url, "http://", 7) == 0) {
    *https = false;
    p = url + 7;
  } else {
    return false;
  }
  size_t alen = strcspn(p, "/?#");
  const char *at = memchr(p, '@', alen); /* userinfo: never part of the host */
  while (at) {
    alen -= (size_t)(at + 1 - p);
    p = at + 1;
    at = memchr(p, '@', alen);
  }
  const char *h = p, *hend, *colon = NULL;
  if (alen && *p == '[') {
    const char *close = memchr(p, ']', alen);
    if (!close) return false;
    h = p + 1;
    hend = close;
    if ((size_t)(close + 1 - p) < alen) {
      if (close[1] != ':') return false;
      colon = close + 1;
    }
  } else {
    colon = memchr(p, ':', alen);
    hend = colon ? colon : p + alen;
  }
  size_t hl = (size_t)(hend - h);
  if (hl == 0 || hl >= hcap) return false;
  for (size_t i = 0; i < hl; i++) host[i] = (char)tolower((unsigned char)h[i]);
  host[hl] = '\0';
  size_t pl = colon ? (size_t)(p + alen - colon - 1) : 0;
  if (pl >= pcap) return false;
  if (colon) memcpy(port, colon + 1, pl);
  port[pl] = '\0';
  for (size_t i = 0; i < pl; i++)
    if (!isdigit((unsigned char)port[i])) return false;
  return true;
}

bool url_host_port(const char *url, char *out, size_t cap) {
  char host[256], port[16];
  bool https;
  if (!split(url, host, sizeof host, port, sizeof port, &https)) return false;
  const char *pt = port[0] ? port : https ? "443" : "80";
  int n = strchr(host, ':') ? snprintf(out, cap, "[%s]:%s", host, pt) : snprintf(out, cap, "%s:%s", host, pt);
  return n > 0 && (size_t)n < cap;
}

bool url_is_loopback(const char *url) {
  char host[256], port[16];
  bool https;
  if (!split(url, host, sizeof host, port, sizeof port, &https)) return false;
  if (strcmp(host, "localhost") == 0) return true;
  struct in_addr a4;
  if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  struct in6_addr a6;
  if (inet_pton(AF_INET6, host, &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
  return false;
}

seg_code url_check_transport(const char *url, const char *what, const char *flag, bool allow_insecure, bool *insecure,
                             seg_err *err) {
  if (insecure) *insecure = false;
  char hp[300];
  if (!url_host_port(url, hp, sizeof hp))
    return seg_err_set(err, SEG_EINVAL, "%s must be an https:// URL with a host name, not '%s'", what, url);
  if (strncasecmp(url, "https://", 8) == 0 || url_is_loopback(url)) return SEG_OK;
  if (allow_insecure) {
    if (insecure) *insecure = true;
    return SEG_OK;
  }
  if (flag)
    return seg_err_set(err, SEG_EINVAL,
                       "%s %s is plain http:// to another machine, which would send the API key unencrypted; use "
                       "https:// (or give %s to accept that risk)",
                       what, url, flag);
  return seg_err_set(err, SEG_EINVAL,
                     "%s %s is plain http:// to another machine; use https:// (plain http is only for this machine: "
                     "127.0.0.1, ::1 or localhost)",
                     what, url);
}
