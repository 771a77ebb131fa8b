/* lockfile.h: an exclusive lock on a file (flock), released by the kernel when the process ends,
 * however it ends; the holder's process id is written in it for messages. */
#ifndef SEGSHIP_UTIL_LOCKFILE_H
#define SEGSHIP_UTIL_LOCKFILE_H

#include <stddef.h>

#include "util/error.h"

/* Takes the lock at path (creating the file, mode 0600; a symbolic link is refused). Returns its descriptor (close it to
 * release), or -1: SEG_EBUSY with the holder's pid in holder (cap bytes, "" when unknown), or
 * SEG_EIO with a sentence in err. */
int lockfile_take(const char *path, char *holder, size_t cap, seg_err *err);

#endif
