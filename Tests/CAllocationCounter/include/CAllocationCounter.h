#ifndef PPPOE_RELAY_ALLOCATION_COUNTER_H
#define PPPOE_RELAY_ALLOCATION_COUNTER_H

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made by
/// the calling thread since it started. The test binary's own definitions of those functions
/// interpose glibc's and count before passing the call on.
unsigned long pr_thread_allocation_count(void);

#endif
