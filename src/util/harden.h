/* harden.h: what segship does to its own process at start so that no file or core dump leaks. */
#ifndef SEGSHIP_UTIL_HARDEN_H
#define SEGSHIP_UTIL_HARDEN_H

/* umask 077 (every file segship creates is its user's alone), no core file (RLIMIT_CORE 0) and
 * not dumpable (PR_SET_DUMPABLE 0: no core, no ptrace or /proc/PID/mem by other processes of the
 * same user), so that no API key or master key in memory can land on disk or be read. Returns 0,
 * or -1 when the kernel refused a step (errno set). */
int harden_process(void);

#endif
