// Kernel table and the kernels the engine calls. Kernels are free functions on
// pointers and sizes; all arrays are row-major float32 unless stated.
//
// ISA-specific kernels live behind KernelTable, filled once at load time
// (scalar reference -> AVX2+FMA -> AVX-512) after cpuid and the OS agree,
// capped by LAMINA_ISA=scalar|avx2|avx512.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lamina/cpu.h"

namespace lamina {

// C[mr, nr] = (accumulate ? C : 0) + A[mr, k] * B[k, nr], with mr <= table.gemm_mr
// and nr <= table.gemm_nr. A's element (i, p) is a[i * rs_a + p * cs_a]; row p of
// B starts at b + p * ldb (nr contiguous floats); row i of C at c + i * ldc.
// Never reads or writes outside those elements.
using GemmUkernelFn = void (*)(int64_t k, const float* a, int64_t rs_a, int64_t cs_a,
                               const float* b, int64_t ldb, float* c, int64_t ldc, int mr, int nr,
                               bool accumulate);

// Keras 3 Adam on n elements: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
// w -= alpha * m / (sqrt(v) + eps), alpha = lr * sqrt(1 - b2^t) / (1 - b1^t).
using AdamUpdateFn = void (*)(float* w, const float* g, float* m, float* v, int64_t n, float alpha,
                              float beta1, float beta2, float epsilon);

// Keras 3 SGD on n elements. momentum == 0: w -= lr g (m unused, may be null).
// Otherwise m = momentum m - lr g; w += m, or for Nesterov w += momentum m - lr g.
using SgdUpdateFn = void (*)(float* w, const float* g, float* m, int64_t n, float lr,
                             float momentum, bool nesterov);

struct KernelTable {
  Isa isa;
  int gemm_mr;
  int gemm_nr;
  GemmUkernelFn gemm_ukernel;
  AdamUpdateFn adam_update;
  SgdUpdateFn sgd_update;
};

// The table every op uses. Chosen at load; tests may switch it.
const KernelTable& active_kernels();
// The table for one ISA; throws ValueError if this CPU cannot run it.
const KernelTable& kernels_for(Isa isa);
// Switches the active table (tests, benchmarks). Throws if unsupported.
void set_active_isa(Isa isa);

// Per-ISA table factories (defined in the ISA files; the x86 ones exist only
// on x86 builds).
KernelTable make_scalar_kernels();
KernelTable make_avx2_kernels();
KernelTable make_avx512_kernels();

// ---------------------------------------------------------------------------
// GEMM: C[M, N] = (accumulate ? C : 0) + op(A)[M, K] * op(B)[K, N].
// op(A) = A ([M, K], lda) or A^T (A is [K, M], lda); likewise B ([K, N] or
// [N, K]). Parallel over output blocks via parallel_for; each output element is
// summed over K in a fixed order, so results do not depend on the thread count.
void gemm_f32(const KernelTable& kt, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
              const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
              bool accumulate);
inline void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                     int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
                     bool accumulate) {
  gemm_f32(active_kernels(), trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}
// GEMM keeps per-calling-thread scratch for transposed operands (at most
// max(m, n) * k and m * n floats). Reserving it up front lets a caller that
// knows its largest shapes run steps with no allocation at all.
void gemm_reserve_scratch(size_t floats);
// Float64 scalar reference with the same contract, for tests.
void gemm_f64_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* a,
                  int64_t lda, const double* b, int64_t ldb, double* c, int64_t ldc,
                  bool accumulate);

// ---------------------------------------------------------------------------
// Activations. Rows are independent; softmax normalises over the cols of a row.
enum class Activation { kLinear = 0, kRelu, kSigmoid, kTanh, kSoftmax };

// y[rows, cols] = act(x); in place (x == y) is allowed.
void activation_forward(Activation act, const float* x, float* y, int64_t rows, int64_t cols);
// dx = dy * act'(.) expressed through the forward output y; dx may alias dy.
void activation_backward(Activation act, const float* y, const float* dy, float* dx, int64_t rows,
                         int64_t cols);
// y[r, :] += bias for every row.
void bias_add(float* y, const float* bias, int64_t rows, int64_t cols);
// out[c] (+)= sum over rows of dy[r, c], rows summed in order.
void column_sum(const float* dy, int64_t rows, int64_t cols, float* out, bool accumulate);

// ---------------------------------------------------------------------------
// Losses. Each returns sum_i w_i * loss_i over the rows (w = 1 when sw is
// null) and, when grad is non-null, writes d(sum_i w_i loss_i * scale)/d(input).
// Labels for the sparse forms are float class indices, validated first.

// Throws ValueError naming the first label that is NaN, not an integer, < 0 or
// >= num_classes, and its row.
void check_sparse_labels(const float* labels, int64_t rows, int64_t num_classes);

// Softmax cross-entropy computed from logits (stable log-sum-exp).
double sparse_softmax_xent(const float* logits, const float* labels, const float* sw, int64_t rows,
                           int64_t cols, float* grad, float scale);
double softmax_xent(const float* logits, const float* y, const float* sw, int64_t rows,
                    int64_t cols, float* grad, float scale);
// Cross-entropy on probabilities, clipped to [eps, 1 - eps] as Keras does.
double sparse_xent_probs(const float* probs, const float* labels, const float* sw, int64_t rows,
                         int64_t cols, float* grad, float scale, float eps);
double xent_probs(const float* probs, const float* y, const float* sw, int64_t rows, int64_t cols,
                  float* grad, float scale, float eps);
// Binary cross-entropy, mean over cols per row: from logits, or on clipped probs.
double sigmoid_bxent(const float* logits, const float* y, const float* sw, int64_t rows,
                     int64_t cols, float* grad, float scale);
double bxent_probs(const float* probs, const float* y, const float* sw, int64_t rows, int64_t cols,
                   float* grad, float scale, float eps);
// Mean squared error, mean over cols per row.
double mean_squared_error(const float* pred, const float* y, const float* sw, int64_t rows,
                          int64_t cols, float* grad, float scale);

// Float64 versions of the above, the reference path for gradient checks.
void activation_forward(Activation act, const double* x, double* y, int64_t rows, int64_t cols);
void activation_backward(Activation act, const double* y, const double* dy, double* dx,
                         int64_t rows, int64_t cols);
void bias_add(double* y, const double* bias, int64_t rows, int64_t cols);
void column_sum(const double* dy, int64_t rows, int64_t cols, double* out, bool accumulate);
void check_sparse_labels(const double* labels, int64_t rows, int64_t num_classes);
double sparse_softmax_xent(const double* logits, const double* labels, const double* sw,
                           int64_t rows, int64_t cols, double* grad, double scale);
double softmax_xent(const double* logits, const double* y, const double* sw, int64_t rows,
                    int64_t cols, double* grad, double scale);
double sparse_xent_probs(const double* probs, const double* labels, const double* sw, int64_t rows,
                         int64_t cols, double* grad, double scale, double eps);
double xent_probs(const double* probs, const double* y, const double* sw, int64_t rows,
                  int64_t cols, double* grad, double scale, double eps);
double sigmoid_bxent(const double* logits, const double* y, const double* sw, int64_t rows,
                     int64_t cols, double* grad, double scale);
double bxent_probs(const double* probs, const double* y, const double* sw, int64_t rows,
                   int64_t cols, double* grad, double scale, double eps);
double mean_squared_error(const double* pred, const double* y, const double* sw, int64_t rows,
                          int64_t cols, double* grad, double scale);

// ---------------------------------------------------------------------------
// Metrics: per-row scores summed over rows (weighted when sw is non-null);
// the caller divides by the count. Rows of `cols` predictions.
double sparse_categorical_accuracy_sum(const float* pred, const float* labels, const float* sw,
                                       int64_t rows, int64_t cols);
double categorical_accuracy_sum(const float* pred, const float* y, const float* sw, int64_t rows,
                                int64_t cols);
// Mean over cols of (pred > threshold) == y, per row.
double binary_accuracy_sum(const float* pred, const float* y, const float* sw, int64_t rows,
                           int64_t cols, float threshold);

// ---------------------------------------------------------------------------
// Dropout (inverted): keep element i with probability 1 - rate and scale it by
// 1 / (1 - rate). The keep decision is a pure function of (seed, step, i)
// -- a counter-based generator -- so backward recomputes it instead of storing
// a mask, and the result does not depend on the thread count.
void dropout_forward(const float* x, float* y, int64_t n, float rate, uint64_t seed, uint64_t step);
void dropout_backward(const float* dy, float* dx, int64_t n, float rate, uint64_t seed,
                      uint64_t step);
// Uniform [0, 1) from the same generator (exposed for tests).
float counter_uniform(uint64_t seed, uint64_t step, uint64_t i);

}  // namespace lamina
