// Inverted dropout with a counter-based generator: the keep decision for
// element i is a hash of (seed, step, i). Backward recomputes it, so no mask
// is stored, and any split across threads gives the same result.
#include "lamina/kernels.h"
#include "lamina/runtime.h"

namespace lamina {
namespace {

uint64_t mix64(uint64_t z) {  // splitmix64 finaliser
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t stream_key(uint64_t seed, uint64_t step) { return mix64(seed ^ mix64(step)); }

float uniform_from(uint64_t key, uint64_t i) {
  return static_cast<float>(mix64(key + i) >> 40) * (1.0f / 16777216.0f);
}

void apply(const float* src, float* dst, int64_t n, float rate, uint64_t seed, uint64_t step) {
  const uint64_t key = stream_key(seed, step);
  const float scale = 1.0f / (1.0f - rate);
  parallel_for(n, 32768, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      dst[i] = uniform_from(key, static_cast<uint64_t>(i)) >= rate ? src[i] * scale : 0.0f;
    }
  });
}

}  // namespace

float counter_uniform(uint64_t seed, uint64_t step, uint64_t i) {
  return uniform_from(stream_key(seed, step), i);
}

void dropout_forward(const float* x, float* y, int64_t n, float rate, uint64_t seed,
                     uint64_t step) {
  apply(x, y, n, rate, seed, step);
}

void dropout_backward(const float* dy, float* dx, int64_t n, float rate, uint64_t seed,
                      uint64_t step) {
  apply(dy, dx, n, rate, seed, step);
}

}  // namespace lamina
