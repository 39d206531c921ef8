// The per-ISA kernel table, filled once at load time (scalar reference ->
// AVX2+FMA -> AVX-512) after cpuid and the OS agree, capped by
// LAMINA_ISA=scalar|avx2|avx512. Only ISA-specific kernels live here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lamina/cpu.h"

namespace lamina {

// C[mr, nr] = (accumulate ? C : 0) + A[mr, k] * B[k, nr], with mr <= table.gemm_mr_max
// and nr <= table.gemm_nr. A's element (i, p) is a[i * rs_a + p * cs_a]; row p of
// B starts at b + p * ldb (nr contiguous floats); row i of C at c + i * ldc.
// Never reads or writes outside those elements.
using GemmUkernelFn = void (*)(int64_t k, const float* a, int64_t rs_a, int64_t cs_a,
                               const float* b, int64_t ldb, float* c, int64_t ldc, int mr, int nr,
                               bool accumulate);

// One row times a matrix, for M = 1 (batch-1 predict): c[0, nc) =
// (accumulate ? c : 0) + sum over p < k of a[p * inc_a] * b[p * ldb + j],
// streaming B's rows front to back. Each element's sum has the exact
// operations and order of the micro-kernel with k <= one depth pass, so a
// row's result does not depend on the batch it came in. May be null (the
// driver then uses the micro-kernel).
using GemvFn = void (*)(int64_t k, const float* a, int64_t inc_a, const float* b, int64_t ldb,
                        float* c, int64_t nc, bool accumulate);

// Packing for the cache-blocked GEMM path (gemm.cpp). pack_a: rows [0, rows)
// x depth [0, kc) of op(A), whose (0, 0) is at a (A^T when trans_a), as
// out[p * gemm_mr + r]; rows <= gemm_mr, slots r >= rows are left as they are.
// pack_b: columns [0, cols) x depth [0, kc) of op(B), whose (0, 0) is at b,
// as one panel out[p * gemm_nr + q], zero-padded to gemm_nr columns. Both may
// be null (the driver then packs with scalar loops).
using GemmPackAFn = void (*)(bool trans_a, const float* a, int64_t lda, int64_t rows, int64_t kc,
                             float* out);
using GemmPackBFn = void (*)(bool trans_b, const float* b, int64_t ldb, int64_t cols, int64_t kc,
                             float* out);

struct ConvGeometry;  // lamina/kernels/conv.h
struct PoolGeometry;  // lamina/kernels/pool.h

// Direct convolution and pooling kernels on a range of rows; the drivers
// (src/kernels/conv, src/kernels/pool) validate shapes and split the rows
// across threads. "Output rows" are the batch * out_h rows of y.
// Windowed pooling forward on output rows [r0, r1).
using PoolForwardFn = void (*)(const PoolGeometry& g, const float* x, float* y, int64_t r0,
                               int64_t r1);
// Pooling backward on images [n0, n1): their part of dx is overwritten.
using MaxPoolBackwardFn = void (*)(const PoolGeometry& g, const float* x, const float* dy,
                                   float* dx, int64_t n0, int64_t n1);
using AvgPoolBackwardFn = void (*)(const PoolGeometry& g, const float* dy, float* dx, int64_t n0,
                                   int64_t n1);
// Max pooling over 2x2 windows at stride 2 without pads (pool.h,
// max_pool_tiled_2x2): forward on output rows [r0, r1) that also records
// which window element each output took (see max_pool2d_forward_argmax_f32),
// and the backward of images [n0, n1) from those records alone.
using MaxPoolForwardArgmaxFn = void (*)(const PoolGeometry& g, const float* x, float* y,
                                        uint8_t* argmax, int64_t r0, int64_t r1);
using MaxPoolBackwardArgmaxFn = void (*)(const PoolGeometry& g, const uint8_t* argmax,
                                         const float* dy, float* dx, int64_t n0, int64_t n1);
// Depthwise convolution (one input channel per group, g.in_c == g.groups):
// forward on output rows [r0, r1) (bias may be null);
using DepthwiseForwardFn = void (*)(const ConvGeometry& g, const float* x, const float* w,
                                    const float* bias, float* y, int64_t r0, int64_t r1);
// input gradient of images [n0, n1) (overwritten);
using DepthwiseBackwardDataFn = void (*)(const ConvGeometry& g, const float* dy, const float* w,
                                         float* dx, int64_t n0, int64_t n1);
// kernel gradient summed over output rows [r0, r1) only, into dw (overwritten).
using DepthwiseBackwardWeightsFn = void (*)(const ConvGeometry& g, const float* x, const float* dy,
                                            float* dw, int64_t r0, int64_t r1);
// 3x3 convolution of a one-channel input (g.in_c == 1, out_c a multiple of
// 32; conv/single_channel.inc; null where im2col measured faster): forward on output rows [r0, r1),
// bias optional, then max(., 0) if relu; kernel gradient summed over output rows [r0, r1) into dw
// (overwritten).
using SingleChannelForwardFn = void (*)(const ConvGeometry& g, const float* x, const float* w,
                                        const float* bias, float* y, int64_t r0, int64_t r1,
                                        bool relu);
using SingleChannelBackwardWeightsFn = DepthwiseBackwardWeightsFn;

// Global pooling of images [n0, n1) of x [batch, spatial, channels] into
// y [batch, channels], and the average's gradient.
using GlobalPoolFn = void (*)(int64_t spatial, int64_t channels, const float* x, float* y,
                              int64_t n0, int64_t n1);

// Optimizer update kernels: Keras 3's update_step for one weight of n
// elements, updating w and its state slots in place. g is the gradient after
// clipping. Scalars derived from the step count (bias corrections) are
// computed once per step by the caller (src/engine/optimizers.cpp).

// Adam: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
// w -= alpha * m / (sqrt(v) + eps), alpha = lr * sqrt(1 - b2^t) / (1 - b1^t).
using AdamUpdateFn = void (*)(float* w, const float* g, float* m, float* v, int64_t n, float alpha,
                              float beta1, float beta2, float epsilon);
// Adam with amsgrad: as above, then v_hat = max(v_hat, v) and the step
// divides by sqrt(v_hat) + eps.
using AdamAmsgradUpdateFn = void (*)(float* w, const float* g, float* m, float* v, float* v_hat,
                                     int64_t n, float alpha, float beta1, float beta2,
                                     float epsilon);
// SGD. momentum == 0: w -= lr g (m unused, may be null). Otherwise
// m = momentum m - lr g; w += m, or for Nesterov w += momentum m - lr g.
using SgdUpdateFn = void (*)(float* w, const float* g, float* m, int64_t n, float lr,
                             float momentum, bool nesterov);
// Adamax: m += (g - m)(1 - b1); u = max(b2 u, |g|);
// w -= lr m / (bias_correction (u + eps)), bias_correction = 1 - b1^t.
using AdamaxUpdateFn = void (*)(float* w, const float* g, float* m, float* u, int64_t n, float lr,
                                float beta1, float beta2, float epsilon, float bias_correction);
// Nadam: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
// m_hat = m_scale m + g_scale g; v_hat = v v_scale;
// w -= lr m_hat / (sqrt(v_hat) + eps), with m_scale = u_{t+1} / (1 - prod u_{..t+1}),
// g_scale = (1 - u_t) / (1 - prod u_{..t}), v_scale = 1 / (1 - b2^t).
using NadamUpdateFn = void (*)(float* w, const float* g, float* m, float* v, int64_t n, float lr,
                               float beta1, float beta2, float epsilon, float m_scale,
                               float g_scale, float v_scale);
// RMSprop: v = rho v + (1 - rho) g^2; centered (avg non-null):
// avg = rho avg + (1 - rho) g, d = v - avg^2 + eps, else d = v + eps;
// inc = lr g / sqrt(d); with momentum (mom non-null) mom = momentum mom + inc,
// w -= mom, else w -= inc.
using RmspropUpdateFn = void (*)(float* w, const float* g, float* v, float* mom, float* avg,
                                 int64_t n, float lr, float rho, float momentum, float epsilon);
// Adagrad: acc += g^2; w -= lr g / sqrt(acc + eps).
using AdagradUpdateFn = void (*)(float* w, const float* g, float* acc, int64_t n, float lr,
                                 float epsilon);
// Adadelta: ag = rho ag + (1 - rho) g^2; d = -sqrt(ad + eps) g / sqrt(ag + eps);
// ad = rho ad + (1 - rho) d^2; w += lr d.
using AdadeltaUpdateFn = void (*)(float* w, const float* g, float* acc_grad, float* acc_delta,
                                  int64_t n, float lr, float rho, float epsilon);
// Ftrl (l2 already includes beta / (2 lr)); p = -lr_power:
// a' = acc + g^2; lin += g + 2 l2s w - (a'^p - acc^p) / lr w;
// w = (clip(lin, -l1, l1) - lin) / (a'^p / lr + 2 l2); acc = a'.
using FtrlUpdateFn = void (*)(float* w, const float* g, float* acc, float* lin, int64_t n, float lr,
                              float lr_power, float l1, float l2, float l2_shrinkage);
// Lion: w -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g.
using LionUpdateFn = void (*)(float* w, const float* g, float* m, int64_t n, float lr, float beta1,
                              float beta2);

// Generic per-step helpers shared by every optimizer.
// x *= s (gradient clipping by norm).
using ScaleFn = void (*)(float* x, int64_t n, float s);
// x = clip(x, -limit, limit) (clipvalue).
using ClipFn = void (*)(float* x, int64_t n, float limit);
// Decoupled weight decay: w -= w * wd * lr.
using DecayFn = void (*)(float* w, int64_t n, float wd, float lr);
// EMA of the weights: avg = momentum avg + (1 - momentum) w.
using EmaFn = void (*)(float* avg, const float* w, int64_t n, float momentum);
// Gradient accumulation. add: acc += g. average: g = (g + acc) / steps; acc = 0.
using AccumulateFn = void (*)(float* acc, const float* g, int64_t n);
using AverageAccumulatedFn = void (*)(float* g, float* acc, int64_t n, float steps);
// Inverted dropout on one chunk whose counters base + j (j < len) share the
// key (see dropout.cpp): d = s * scale where the element's 24-bit uniform is
// at least threshold, else 0. d may be s.
using DropoutChunkFn = void (*)(const float* s, float* d, int64_t len, uint32_t key_lo,
                                uint32_t key_hi, uint32_t base, uint32_t threshold, float scale);

struct ActivationSpec;  // lamina/kernels/activation.h

// Element-wise float32 activations on one contiguous range (the driver in
// src/kernels/activation.cpp splits rows * cols across threads and does
// linear, softmax and log_softmax itself). Forward: y[i] = act(x[i]) for
// i < n, y may be x. Backward: dx[i] = dy[i] * act'(x[i]), from x or y (x
// may be null where activation_backward_needs_x is false), dx may be dy.
// Winograd F(2x2, 3x3) tile transforms on tiles [t0, t1) (conv/winograd.cpp
// drives them). Each tile's 16 values per channel go to
// out[xi * xi_stride + (t - t0) * channels + c], xi = 4 * row + col.
//   input: B^T d B of the tile's 4x4 input patch d (in_c channels; `zeros`
//     holds in_c zeros and stands in for positions outside the input);
//   output: y at the tile's 2x2 outputs = A^T m A + bias (bias may be null),
//     then max(., 0) if relu, from m laid out as above (out_c channels);
//     `scratch` (out_c floats) takes the outputs past the edge;
//   gradient: A g A^T of the tile's 2x2 block g of dy (out_c channels; zeros
//     past the edge), the operand of the kernel gradient.
struct WinogradShape;  // lamina/kernels/conv.h
using WinogradInputFn = void (*)(const WinogradShape& s, const float* x, const float* zeros,
                                 int64_t t0, int64_t t1, float* out, int64_t xi_stride);
using WinogradOutputFn = void (*)(const WinogradShape& s, const float* m, int64_t xi_stride,
                                  int64_t t0, int64_t t1, const float* bias, bool relu,
                                  float* scratch, float* y);
using WinogradGradFn = void (*)(const WinogradShape& s, const float* dy, const float* zeros,
                                int64_t t0, int64_t t1, float* out, int64_t xi_stride);
using ActivationForwardFn = void (*)(const ActivationSpec& spec, const float* x, float* y,
                                     int64_t n);
using ActivationBackwardFn = void (*)(const ActivationSpec& spec, const float* x, const float* y,
                                      const float* dy, float* dx, int64_t n);
// y[r, :] += bias for r < rows; y: [rows, cols].
using BiasAddFn = void (*)(float* y, const float* bias, int64_t rows, int64_t cols);
// out[j] (+)= sum over r < rows of dy[r * ld + j] for j < cols, rows in order.
using ColumnSumFn = void (*)(const float* dy, int64_t rows, int64_t ld, int64_t cols, float* out,
                             bool accumulate);
// softmax (log: log_softmax) over the cols of each of `rows` rows, and its
// input gradient from y and dy (softmax_kernels.inc).
using SoftmaxRowsFn = void (*)(const float* x, float* y, int64_t rows, int64_t cols, bool log);
using SoftmaxBackwardRowsFn = void (*)(const float* y, const float* dy, float* dx, int64_t rows,
                                       int64_t cols, bool log);
// BatchNormalization's loops on rows of [rows, channels] (formulas in
// lamina/kernels/batch_norm.h): sums adds each channel's sums over the rows
// into a and b; affine is y = x mul + add per channel.
using BatchNormSumsFn = void (*)(const float* x, const float* dy, const float* shift,
                                 const float* scale, int64_t rows, int64_t channels, double* a,
                                 double* b);
using ChannelAffineFn = void (*)(const float* x, const float* mul, const float* add, int64_t rows,
                                 int64_t channels, float* y);
using BatchNormInputGradFn = void (*)(const float* x, const float* dy, const float* mean,
                                      const float* inv_std, const float* scale,
                                      const float* mean_dy, const float* mean_dy_xhat, int64_t rows,
                                      int64_t channels, float* dx);

struct KernelTable {
  Isa isa;
  int gemm_mr;
  // The most rows the micro-kernel takes in one call (>= gemm_mr; 0 means
  // gemm_mr): the direct path gives a short remainder to the last tile.
  int gemm_mr_max;
  int gemm_nr;
  GemmUkernelFn gemm_ukernel;
  GemvFn gemv;              // may be null
  GemmPackAFn gemm_pack_a;  // may be null
  GemmPackBFn gemm_pack_b;  // may be null
  PoolForwardFn max_pool_forward;
  PoolForwardFn avg_pool_forward;
  MaxPoolBackwardFn max_pool_backward;
  AvgPoolBackwardFn avg_pool_backward;
  MaxPoolForwardArgmaxFn max_pool_forward_argmax;
  MaxPoolBackwardArgmaxFn max_pool_backward_argmax;
  DepthwiseForwardFn depthwise_forward;
  DepthwiseBackwardDataFn depthwise_backward_data;
  DepthwiseBackwardWeightsFn depthwise_backward_weights;
  SingleChannelForwardFn single_channel_forward;
  SingleChannelBackwardWeightsFn single_channel_backward_weights;
  WinogradInputFn winograd_input;
  WinogradOutputFn winograd_output;
  WinogradGradFn winograd_grad;
  GlobalPoolFn global_max_pool_forward;
  GlobalPoolFn global_avg_pool_forward;
  GlobalPoolFn global_avg_pool_backward;  // (spatial, channels, dy, dx, n0, n1)
  AdamUpdateFn adam_update;
  AdamAmsgradUpdateFn adam_amsgrad_update;
  SgdUpdateFn sgd_update;
  AdamaxUpdateFn adamax_update;
  NadamUpdateFn nadam_update;
  RmspropUpdateFn rmsprop_update;
  AdagradUpdateFn adagrad_update;
  AdadeltaUpdateFn adadelta_update;
  FtrlUpdateFn ftrl_update;
  LionUpdateFn lion_update;
  ScaleFn scale;
  ClipFn clip;
  DecayFn weight_decay;
  EmaFn ema_update;
  AccumulateFn accumulate;
  AverageAccumulatedFn average_accumulated;
  DropoutChunkFn dropout_chunk;
  ActivationForwardFn activation_forward_f32;
  ActivationBackwardFn activation_backward_f32;
  BiasAddFn bias_add_f32;
  ColumnSumFn column_sum_f32;
  SoftmaxRowsFn softmax_rows_f32;
  SoftmaxBackwardRowsFn softmax_backward_rows_f32;
  BatchNormSumsFn batch_norm_sums;
  ChannelAffineFn batch_norm_affine;
  BatchNormInputGradFn batch_norm_input_grad;
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

}  // namespace lamina
