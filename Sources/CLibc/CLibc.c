// Most of CLibc is inline in its header. What is here must be a real symbol.
#include "CLibc.h"

#if !defined(__GLIBC__)
#include <sys/random.h>

/// Embedded Swift's runtime seeds its hashing with arc4random_buf, which glibc has and musl does
/// not: the same from the kernel's generator. getrandom blocks only before the kernel's pool is
/// first ready, early in boot; an interrupted or short read is resumed.
void arc4random_buf(void *buffer, size_t length) {
    unsigned char *bytes = buffer;
    while (length > 0) {
        ssize_t got = getrandom(bytes, length, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            abort();
        }
        bytes += got;
        length -= (size_t)got;
    }
}
#endif
