/* lockfile.c: flock-based exclusive locks with the holder's pid inside. */
#include "util/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int lockfile_take(const char *path, char *holder, size_t cap, seg_err *err) {
  if (cap) holder[0] = '\0';
  int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == ELOOP) {
    seg_err_set(err, SEG_EIO, "the lock file %s is a symbolic link, which segship does not follow; remove it", path);
    return -1;
  }
  if (fd < 0) {
    seg_err_set(err, SEG_EIO, "cannot open the lock file %s: %s", path, strerror(errno));
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = "";
    ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
    pid[n > 0 ? n : 0] = '\0';
    pid[strcspn(pid, "\n")] = '\0';
    close(fd);
    if (cap) snprintf(holder, cap, "%s", pid);
    seg_err_set(err, SEG_EBUSY, "%s is locked by process %s", path, pid[0] ? pid : "?");
    return -1;
  }
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
    /* the pid is only for messages: the lock holds anyway */
  }
  return fd;
}
