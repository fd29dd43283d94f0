/* Basic definitions shared by every qcc kernel. */
#ifndef QCC_BASE_H
#define QCC_BASE_H

#include <stddef.h>
#include <stdint.h>

/* The largest tensor rank the kernels accept. */
#define QCC_MAX_RANK 8

/* Sets the number of threads the float GEMM may use (host only). */
void qcc_set_threads(int threads);

#endif
