/* harden.c: umask, core limit and dumpable flag, set once at the start of segship. */
#include "util/harden.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

int harden_process(void) {
  umask(077);
  struct rlimit none = {0, 0};
  int rc = setrlimit(RLIMIT_CORE, &none);
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) rc = -1;
  return rc;
}
