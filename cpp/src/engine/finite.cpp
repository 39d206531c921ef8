#include "lamina/engine/finite.h"

#include <atomic>
#include <cstring>

#include "lamina/runtime.h"

namespace lamina {
namespace {

// Counts floats whose exponent bits are all ones (NaN, +-Inf). An integer
// reduction, so the compiler vectorises it without reassociating floats; on
// x86 the clones give AVX-512/AVX2 bodies chosen once at load by the CPU.
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
uint32_t
count_nonfinite_chunk(const float* p, int64_t n) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, p + i, sizeof bits);
    bad += (bits & 0x7f800000u) == 0x7f800000u ? 1u : 0u;
  }
  return bad;
}

}  // namespace

bool all_finite(const float* p, int64_t n) {
  if (n <= 0) return true;
  constexpr int64_t kGrain = 1 << 16;
  if (n <= kGrain) return count_nonfinite_chunk(p, n) == 0;
  std::atomic<uint32_t> bad{0};
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    const uint32_t c = count_nonfinite_chunk(p + b, e - b);
    if (c != 0) bad.fetch_add(c, std::memory_order_relaxed);
  });
  return bad.load() == 0;
}

}  // namespace lamina
