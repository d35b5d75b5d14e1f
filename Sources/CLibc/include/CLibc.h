#ifndef PPPOE_RELAY_CLIBC_H
#define PPPOE_RELAY_CLIBC_H

// The C library as the project's Swift sees it in both builds. The ordinary build also has
// Swift's Glibc module over the same headers; Embedded Swift has none, so this module is its
// only way to libc, and it adds what that module's Swift overlay used to: errno (a macro, or a
// thread-local behind one) and the variadic open, fcntl and ioctl, which Swift cannot call.
// Every helper takes and returns only integers and pointers, so the same declarations hold on
// every architecture the router build targets. Prefixed pr_libc_.

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/// The calling thread's errno.
static inline int pr_libc_errno(void) { return errno; }

/// Sets the calling thread's errno (to 0 before a call whose failure only errno tells).
static inline void pr_libc_set_errno(int value) { errno = value; }

/// open(2) with a mode (used only with O_CREAT or O_TMPFILE).
static inline int pr_libc_open(const char *path, int flags, unsigned int mode) { return open(path, flags, (mode_t)mode); }

/// openat(2) with a mode.
static inline int pr_libc_openat(int directory, const char *path, int flags, unsigned int mode) {
    return openat(directory, path, flags, (mode_t)mode);
}

/// fcntl(2) with an integer argument (or none: F_GETFL, F_GETFD ignore it).
static inline int pr_libc_fcntl(int fd, int command, int value) { return fcntl(fd, command, value); }

/// ioctl(2) with a pointer argument.
static inline int pr_libc_ioctl(int fd, unsigned long request, void *argument) { return ioctl(fd, request, argument); }

/// Socket types and flags as socket(2) takes them, as plain integers in every build: glibc's
/// headers make them an enum, which Swift imports as a struct with a rawValue; musl's are macros.
static const int pr_libc_sock_stream = SOCK_STREAM;
static const int pr_libc_sock_dgram = SOCK_DGRAM;
static const int pr_libc_sock_raw = SOCK_RAW;
static const int pr_libc_sock_nonblock = SOCK_NONBLOCK;
static const int pr_libc_sock_cloexec = SOCK_CLOEXEC;

/// The process's environment (environ, which unistd.h declares only under _GNU_SOURCE).
extern char **environ;
static inline char **pr_libc_environment(void) { return environ; }

/// Ignores `signal` (SIG_IGN is a cast of a constant to a function pointer, which Swift cannot
/// import). Returns 0, or -1 with errno set.
static inline int pr_libc_ignore_signal(int signal_number) {
    return signal(signal_number, SIG_IGN) == SIG_ERR ? -1 : 0;
}

/// Socket timeouts' option numbers: where time_t may be 32 or 64 bits (glibc on 32-bit ARM),
/// the headers choose them with an expression Swift cannot import.
static const int pr_libc_so_rcvtimeo = SO_RCVTIMEO;
static const int pr_libc_so_sndtimeo = SO_SNDTIMEO;

#endif
