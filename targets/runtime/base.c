#include "qcc_base.h"

#include <cblas.h>

void qcc_set_threads(int threads) {
    static int current = -1;
    if (threads != current) {
        openblas_set_num_threads(threads < 1 ? 1 : threads);
        current = threads;
    }
}
