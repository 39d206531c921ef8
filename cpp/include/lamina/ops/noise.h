// Noise layers, active only in training (identity in inference). Their random
// numbers come from the dropout kernel's counter-based generator keyed by
// (seed, step, element), so backward recomputes the noise instead of storing
// it and results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lamina/ops.h"

namespace lamina {

// A standard normal draw for element i (Box-Muller over the generator's
// uniforms 2*(i/2) and 2*(i/2)+1: cosine branch for even i, sine for odd),
// computed with libm in double: the reference for counter_normal_fill.
float counter_normal(uint64_t seed, uint64_t step, uint64_t i);
// The same draws for elements first .. first + n - 1 into out[0 .. n), with
// branch-free polynomial log/sin/cos that vectorise (|error| < 1e-5).
void counter_normal_fill(uint64_t seed, uint64_t step, uint64_t first, int64_t n, float* out);

// GaussianNoise: y = x + stddev * N(0, 1).
std::unique_ptr<Op> make_gaussian_noise_op(const std::string& name, float stddev, uint64_t seed);
// GaussianDropout: y = x * (1 + sqrt(rate / (1 - rate)) * N(0, 1)).
std::unique_ptr<Op> make_gaussian_dropout_op(const std::string& name, float rate, uint64_t seed);
// SpatialDropout1D/2D: drops whole channels per sample (kept ones scaled by
// 1 / (1 - rate)); channels are the last per-sample axis, or the first with
// channels_first.
std::unique_ptr<Op> make_spatial_dropout_op(const std::string& name, const char* kind, float rate,
                                            uint64_t seed, bool channels_first);

}  // namespace lamina
