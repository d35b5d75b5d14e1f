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

#if defined(__x86_64__) && defined(__GLIBC__)
/// Double's rounding (`rounded()`, `.up`, `.down`) compiles to calls of round, ceil and floor on
/// x86_64 without SSE4.1 (OpenWrt's and Debian's baseline), and glibc keeps those in libm: a
/// second library loaded and mapped (about 400 KiB of the relay's resident memory) for three
/// functions. These take their place, so the linker drops libm (--as-needed). Exact for every
/// double: beyond 2^52 every value is already integral, and below it the conversion through a
/// 64-bit integer truncates exactly; the sign of a zero result is the argument's, as in C.
/// (aarch64 and armv7 have rounding instructions; musl has libm inside libc.)
static double pr_rounding_truncated(double x) {
    return __builtin_copysign((double)(long long)x, x);
}

static int pr_rounding_integral(double x) {
    return !(__builtin_fabs(x) < 4503599627370496.0);  // 2^52; also NaN and the infinities
}

double floor(double x) {
    if (pr_rounding_integral(x)) return x;
    double t = pr_rounding_truncated(x);
    return t > x ? t - 1.0 : t;
}

double ceil(double x) {
    if (pr_rounding_integral(x)) return x;
    double t = pr_rounding_truncated(x);
    return t < x ? __builtin_copysign(t + 1.0, x) : t;
}

double round(double x) {
    if (pr_rounding_integral(x)) return x;
    double t = pr_rounding_truncated(x);
    if (__builtin_fabs(x - t) >= 0.5) t += __builtin_copysign(1.0, x);
    return t;
}
#endif

#if UINTPTR_MAX == UINT64_MAX
/// The compiler treats swift_bridgeObjectRetain as returning its argument unchanged (LLVM's
/// `returned`), and on aarch64, where argument and result share x0, uses the result in its
/// place. The Embedded runtime of Swift 6.3 returns the object with its tag bits masked off
/// instead, so a small string retained that way loses its discriminator and is later read as a
/// pointer: the aarch64 relay crashed logging the first session's AC-Name. These definitions
/// replace the runtime's weak ones at link time: the same retain, of the same plain object, and
/// the argument returned as it came. (Fixed upstream after 6.3; 32-bit targets never masked.)
extern void *swift_retain_n(void *object, uint32_t count);

void *swift_bridgeObjectRetain_n(void *object, uint32_t count) {
    const uintptr_t bits = (uintptr_t)object;
    const uintptr_t immortal = (uintptr_t)1 << 63;  // immortal and tagged values: nothing to count
    const uintptr_t plain_object_mask = 0x8ffffffffffffff8u;  // the runtime's own mask
    if ((bits & immortal) == 0 && (bits & plain_object_mask) != 0) {
        (void)swift_retain_n((void *)(bits & plain_object_mask), count);
    }
    return object;
}

void *swift_bridgeObjectRetain(void *object) {
    return swift_bridgeObjectRetain_n(object, 1);
}
#endif
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
