// BatchNormalization's per-element work on x [rows, channels] (channels
// innermost): per-channel sums for the batch statistics and the gradients,
// the normalization, the input gradient. Sums run in float32 within fixed
// blocks of rows and in float64 across them, the blocks added in order, so
// results do not depend on the thread count.
#pragma once

#include <cstdint>

namespace lamina {

// Doubles of scratch batch_norm_channel_sums needs for `rows` rows.
int64_t batch_norm_scratch_size(int64_t rows, int64_t channels);

// Per-channel sums over the rows, into a and b (channels doubles each).
// Statistics (dy == nullptr; scale unused): a = sum d, b = sum d^2 with
// d = x - shift, a shift close to the channel's values (the first row's)
// so that the variance b/n - (a/n)^2 does not cancel. Gradient:
// a = sum dy, b = sum dy xhat with xhat = (x - shift) scale (shift = the
// mean, scale = 1 / std).
void batch_norm_channel_sums(const float* x, const float* dy, const float* shift,
                             const float* scale, int64_t rows, int64_t channels, double* scratch,
                             double* a, double* b);

// y = x mul + add per channel, in float32 (tf.nn.batch_normalization's form:
// mul = gamma / std, add = beta - mean mul).
void batch_norm_affine(const float* x, const float* mul, const float* add, int64_t rows,
                       int64_t channels, float* y);

// dx = scale (dy - mean_dy - xhat mean_dy_xhat), xhat = (x - mean) inv_std,
// in float32, per channel scale (gamma / std), mean_dy, mean_dy_xhat; with
// mean_dy == nullptr (statistics that are constants, as in inference mode)
// dx = dy scale.
void batch_norm_input_grad(const float* x, const float* dy, const float* mean, const float* inv_std,
                           const float* scale, const float* mean_dy, const float* mean_dy_xhat,
                           int64_t rows, int64_t channels, float* dx);

}  // namespace lamina
