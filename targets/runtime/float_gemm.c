#include "qcc_float_nn.h"

#include <cblas.h>

void qcc_f32_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                  const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    if (m == 0 || n == 0) return;
    if (k == 0 || alpha == 0.0f) {
        /* BLAS leaves C untouched when K is 0 and beta is 1; scale explicitly for any beta. */
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (blasint)m,
                (blasint)n, (blasint)k, alpha, a, (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
}

void qcc_f32_gemm_batched(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                          int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc, int batch_rank,
                          const int64_t *batch_shape, const int64_t *a_strides, const int64_t *b_strides,
                          const int64_t *c_strides) {
    int64_t count = 1;
    for (int d = 0; d < batch_rank; d++) count *= batch_shape[d];
    int64_t index[QCC_MAX_RANK] = {0};
    int64_t oa = 0, ob = 0, oc = 0;
    for (int64_t i = 0; i < count; i++) {
        qcc_f32_gemm(trans_a, trans_b, m, n, k, alpha, a + oa, lda, b + ob, ldb, beta, c + oc, ldc);
        /* Advance the batch index (odometer), keeping the three offsets in step. */
        for (int d = batch_rank - 1; d >= 0; d--) {
            index[d]++;
            oa += a_strides[d];
            ob += b_strides[d];
            oc += c_strides[d];
            if (index[d] < batch_shape[d]) break;
            oa -= a_strides[d] * index[d];
            ob -= b_strides[d] * index[d];
            oc -= c_strides[d] * index[d];
            index[d] = 0;
        }
    }
}
