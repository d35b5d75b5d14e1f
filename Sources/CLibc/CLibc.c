// Most of CLibc is inline in its header. What is here must be a real symbol.
#include "CLibc.h"

#if defined(PR_EMBEDDED_SWIFT)
/// What Embedded Swift's `Double(String)` calls to parse a number, which only the full Swift
/// runtime defines (so this exists only in the Embedded build, which scripts/build-router
/// compiles with PR_EMBEDDED_SWIFT): strtod, in the C locale, which relayctl never leaves.
/// Returns the end of what was read (the start, when nothing was); the caller accepts a number
/// only if that is the string's end.
const char *_swift_stdlib_strtod_clocale(const char *text, double *result) {
    char *end = NULL;
    *result = strtod(text, &end);
    return end;
}
#endif

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
