// GEMM on float32 through the active kernel table, and a float64 reference.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lamina/kernels/activation.h"
#include "lamina/kernels/kernel_table.h"

namespace lamina {

// Work fused into the GEMM: each block of C gets C = act(C + bias) right
// after its last pass over K, while it is still in cache, so a Dense layer
// makes one pass over its output. Element-wise activations only (softmax
// needs whole rows: apply it afterwards).
struct GemmEpilogue {
  const float* bias = nullptr;                 // [N], added to every row; null: none
  const ActivationSpec* activation = nullptr;  // null: linear
};

// GEMM: C[M, N] = (accumulate ? C : 0) + op(A)[M, K] * op(B)[K, N].
// op(A) = A ([M, K], lda) or A^T (A is [K, M], lda); likewise B ([K, N] or
// [N, K]). Parallel over output blocks via parallel_for; each output element is
// summed over K in a fixed order, so results do not depend on the thread count.
// With an epilogue, C = act(that + bias); throws ValueError for softmax.
void gemm_f32(const KernelTable& kt, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
              const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
              bool accumulate, const GemmEpilogue& epilogue);
inline void gemm_f32(const KernelTable& kt, bool trans_a, bool trans_b, int64_t m, int64_t n,
                     int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                     int64_t ldc, bool accumulate) {
  gemm_f32(kt, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, GemmEpilogue{});
}
inline void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                     int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
                     bool accumulate, const GemmEpilogue& epilogue = GemmEpilogue{}) {
  gemm_f32(active_kernels(), trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate,
           epilogue);
}
// Which GEMM path runs: kAuto picks by shape (the cache-blocked, packed path
// for large problems; the direct path, reading B in place, for small ones).
// Tests and benchmarks force one path to cover both on every shape.
enum class GemmPath { kAuto, kDirect, kPacked };
void set_gemm_path(GemmPath path);
// GEMM keeps per-calling-thread scratch for transposed operands (at most
// max(m, n) * k and m * n floats). Reserving it up front lets a caller that
// knows its largest shapes run steps with no allocation at all.
void gemm_reserve_scratch(size_t floats);
// Float64 scalar reference with the same contract, for tests.
void gemm_f64_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* a,
                  int64_t lda, const double* b, int64_t ldb, double* c, int64_t ldc,
                  bool accumulate);

}  // namespace lamina
