#ifndef QCC_KERNELS_H
#define QCC_KERNELS_H
#endif
