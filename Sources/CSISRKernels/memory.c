// Process-wide allocator setting for inference (see sisr_kernels.h).
#include "sisr_kernels.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int sisr_retain_freed_memory(void) {
#if defined(__GLIBC__)
    // Serve every block from the heap (never a fresh mmap, whose pages fault in again on every
    // tensor) and never give freed memory back, so that a network's activations reuse the pages of
    // the ones before them. Costs only the peak footprint, which stays mapped.
    return mallopt(M_MMAP_THRESHOLD, 1 << 30) && mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
#else
    return 0;
#endif
}
