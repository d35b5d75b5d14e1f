// Compares the router build's own floor, ceil and round (Sources/CLibc/CLibc.c, x86_64 glibc)
// with libm's, bit for bit, on the values where rounding goes wrong (halves, the largest
// non-integral doubles, signed zeros, NaN and the infinities) and two million more drawn at
// random. Built by RouterBuildTests with CLibc.c compiled under
// -DPR_EMBEDDED_SWIFT -Dfloor=pr_floor -Dceil=pr_ceil -Dround=pr_round. Exit status 0 when
// every result is the same.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

double pr_floor(double), pr_ceil(double), pr_round(double);

static int same(double a, double b) { return memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b); }

int main(void) {
    const double special[] = {0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.0, -3.0,
        0.49999999999999994, -0.49999999999999994, 0.9999999999999999, -0.9999999999999999,
        4503599627370495.5, -4503599627370495.5, 4503599627370496.0, 9007199254740993.0,
        1e300, -1e300, 1e-300, -1e-300, INFINITY, -INFINITY, NAN};
    const long specials = sizeof special / sizeof special[0];
    uint64_t state = 88172645463325252u;
    long differ = 0, total = 0;
    for (long i = 0; i < specials + 2000000; i++) {
        double x;
        if (i < specials) {
            x = special[i];
        } else {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            if (i % 2) memcpy(&x, &state, sizeof x);  // any bit pattern
            else x = (double)(int64_t)(state >> 11) / (double)(1ull << (state % 40)) * ((state & 1) ? -1 : 1);
        }
        total++;
        if (!same(pr_floor(x), floor(x)) || !same(pr_ceil(x), ceil(x)) || !same(pr_round(x), round(x))) {
            if (differ++ < 5) printf("%a: %a %a %a, libm %a %a %a\n", x, pr_floor(x), pr_ceil(x), pr_round(x), floor(x), ceil(x), round(x));
        }
    }
    printf("%ld of %ld differ\n", differ, total);
    return differ != 0;
}
