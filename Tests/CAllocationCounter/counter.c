// Counts heap allocations per thread for the "the hot path allocates nothing" test. Defining
// malloc and friends in the test executable interposes glibc's for the whole process (the
// executable is first in symbol lookup); each wrapper counts, then calls glibc's own.
//
// Under AddressSanitizer, which owns malloc, interposing it would crash ASan's own start-up and
// hide every heap error; there the count comes from ASan's allocation hook instead.
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include "CAllocationCounter.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PR_UNDER_ASAN 1
#endif
#endif

static __thread unsigned long allocations;

unsigned long pr_thread_allocation_count(void) { return allocations; }

#ifdef PR_UNDER_ASAN
// ASan calls this (a weak symbol in its runtime) after every allocation it makes.
void __sanitizer_malloc_hook(const volatile void *pointer, size_t size) {
    (void)pointer;
    (void)size;
    allocations++;
}
#else
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

void *malloc(size_t size) { allocations++; return __libc_malloc(size); }
void *calloc(size_t count, size_t size) { allocations++; return __libc_calloc(count, size); }
void *realloc(void *pointer, size_t size) { allocations++; return __libc_realloc(pointer, size); }
void *memalign(size_t alignment, size_t size) { allocations++; return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { allocations++; return __libc_memalign(alignment, size); }
void free(void *pointer) { __libc_free(pointer); }

int posix_memalign(void **result, size_t alignment, size_t size) {
    allocations++;
    void *pointer = __libc_memalign(alignment, size);
    if (!pointer) return ENOMEM;
    *result = pointer;
    return 0;
}
#endif
