// Dropout and its counter-based generator.
#pragma once

#include <cstdint>

namespace lamina {

// Dropout (inverted): keep element i with probability 1 - rate and scale it by
// 1 / (1 - rate). The keep decision is a pure function of (seed, step, i)
// -- a counter-based generator -- so backward recomputes it instead of storing
// a mask, and the result does not depend on the thread count.
void dropout_forward(const float* x, float* y, int64_t n, float rate, uint64_t seed, uint64_t step);
void dropout_backward(const float* dy, float* dx, int64_t n, float rate, uint64_t seed,
                      uint64_t step);
// Uniform [0, 1) from the same generator (exposed for tests).
float counter_uniform(uint64_t seed, uint64_t step, uint64_t i);
// counter_uniform for elements first .. first + n - 1 into out[0 .. n), with
// the stream key computed once (the noise layers' bulk path).
void counter_uniform_fill(uint64_t seed, uint64_t step, uint64_t first, int64_t n, float* out);

}  // namespace lamina
