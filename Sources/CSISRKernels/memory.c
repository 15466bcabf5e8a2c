// Process-wide allocator setting for inference (see sisr_kernels.h).
#include "sisr_kernels.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int sisr_retain_freed_memory(void) {
#if defined(__GLIBC__)
    // Serve every block from the heap (never a fresh mmap, whose pages fault in again on every
    // tensor) and never give freed memory back, so that a network's activations reuse the pages of
    // the ones before them. Costs only the peak footprint, which stays mapped. One arena for all
    // threads: a secondary arena's heaps are at most 64 MB, so a larger tensor made on a worker
    // thread (the builder renders on workers) would be mmapped and faulted in afresh every time.
    return mallopt(M_ARENA_MAX, 1) && mallopt(M_MMAP_THRESHOLD, 1 << 30) && mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
#else
    return 0;
#endif
}
