// Inverted dropout with a counter-based generator: the keep decision for
// element i is a hash of (seed, step, i) (counter_hash.h). Backward recomputes it, so no mask
// is stored, and any split across threads gives the same result.
#include <algorithm>
#include <cmath>

#include "counter_hash.h"
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

// The key for element i: the stream key, with i's high 32 bits folded in
// (tensors of 2^32 elements and more are not expected, but stay distinct).
inline uint32_t key_hi(uint64_t key, uint64_t i) {
  return static_cast<uint32_t>(key >> 32) ^ static_cast<uint32_t>(i >> 32);
}

float uniform_from(uint64_t key, uint64_t i) {
  const uint32_t h =
      counter_hash32(static_cast<uint32_t>(key), key_hi(key, i), static_cast<uint32_t>(i));
  return static_cast<float>(h >> 8) * (1.0f / 16777216.0f);
}

void apply(const float* src, float* dst, int64_t n, float rate, uint64_t seed, uint64_t step) {
  const uint64_t key = stream_key(seed, step);
  const float scale = 1.0f / (1.0f - rate);
  // keep <=> uniform >= rate, compared on the 24-bit integer.
  const uint32_t threshold =
      static_cast<uint32_t>(std::ceil(static_cast<double>(rate) * 16777216.0));
  const uint32_t lo = static_cast<uint32_t>(key);
  // Chunks of at most 2^16 elements never straddle a multiple of 2^32, so
  // within one the high half of the counter is constant and the kernel runs
  // on 32-bit lanes only (vectorised per ISA).
  const KernelTable& kt = active_kernels();
  parallel_for(n, 32768, [&](int64_t b, int64_t e) {
    for (int64_t c = b, end = b; c < e; c = end) {
      end = std::min<int64_t>(e, c + 65536 - (c & 65535));  // the next multiple of 2^16
      const uint32_t hi = key_hi(key, static_cast<uint64_t>(c));
      const uint32_t base = static_cast<uint32_t>(c);
      kt.dropout_chunk(src + c, dst + c, end - c, lo, hi, base, threshold, scale);
    }
  });
}

}  // namespace

float counter_uniform(uint64_t seed, uint64_t step, uint64_t i) {
  return uniform_from(stream_key(seed, step), i);
}

void counter_uniform_fill(uint64_t seed, uint64_t step, uint64_t first, int64_t n, float* out) {
  const uint64_t key = stream_key(seed, step);
  for (int64_t i = 0; i < n; ++i) out[i] = uniform_from(key, first + static_cast<uint64_t>(i));
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
