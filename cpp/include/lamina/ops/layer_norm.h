// LayerNormalization: per sample, normalises over a contiguous block of axes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lamina/ops.h"

namespace lamina {

struct LayerNormSpec {
  int64_t axis_begin = 0;  // first normalised per-sample axis (0-based, no batch dim)
  Shape norm_shape;        // sizes of the normalised axes (gamma/beta's shape)
  double epsilon = 1e-3;
  bool center = true;        // beta [norm_shape]
  bool scale = true;         // gamma [norm_shape]
  bool rms_scaling = false;  // Keras's deprecated mode: y = x * rsqrt(var + eps) * gamma
};

// Params: gamma (if scale or rms_scaling) then beta (if center and not
// rms_scaling), as Keras orders them. The input is seen as [outer, N, inner]
// with N = prod(norm_shape); y = (x - mean) * rsqrt(var + eps) * gamma + beta
// with mean and (biased) var over N.
std::unique_ptr<Op> make_layer_norm_op(const std::string& name, const LayerNormSpec& spec);

// The kernels the op runs (exposed for tests). x, y, dy, dx: [rows, n, inner]
// viewed as rows * inner vectors of n values spaced `inner` apart; gamma,
// beta: [n] or null. mean/rstd: [rows * inner] written by forward.
void layer_norm_forward(const float* x, float* y, int64_t rows, int64_t n, int64_t inner,
                        const float* gamma, const float* beta, double epsilon, bool rms,
                        float* mean, float* rstd);
// dx (may be null) from dy; dgamma_terms / dbeta_terms (may be null): per
// element dy * xhat and dy, for the caller to sum over rows and inner.
void layer_norm_backward(const float* x, const float* dy, float* dx, int64_t rows, int64_t n,
                         int64_t inner, const float* gamma, bool rms, const float* mean,
                         const float* rstd, float* dgamma_terms);

}  // namespace lamina
