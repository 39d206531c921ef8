// Fixed-block partial sums; see partials.h.
#include "partials.h"

#include <algorithm>
#include <cstring>

#include "lamina/runtime.h"

namespace lamina {

namespace {

// Blocks: at least this many rows each, at most this many blocks, and partial
// sums bounded to this many elements in total.
constexpr int64_t kMinRowsPerBlock = 256;
constexpr int64_t kMaxBlocks = 32;
constexpr int64_t kMaxPartialFloats = int64_t{1} << 22;

// Each thread adds whole partials over its slice of dw, contiguous and
// vectorised.
template <typename T>
void sum_partials_t(const T* partial, int64_t blocks, int64_t size, T* dw, bool accumulate) {
  parallel_for(size, 4096, [&](int64_t i0, int64_t i1) {
    T* __restrict out = dw + i0;
    const int64_t n = i1 - i0;
    if (!accumulate) std::memcpy(out, partial + i0, sizeof(T) * static_cast<size_t>(n));
    for (int64_t b = accumulate ? 0 : 1; b < blocks; ++b) {
      const T* __restrict p = partial + b * size + i0;
      for (int64_t i = 0; i < n; ++i) out[i] += p[i];
    }
  });
}

}  // namespace

int64_t reduction_blocks(int64_t rows, int64_t partial_size) {
  int64_t blocks = std::min(kMaxBlocks, (rows + kMinRowsPerBlock - 1) / kMinRowsPerBlock);
  blocks = std::min(blocks, std::max<int64_t>(1, kMaxPartialFloats / partial_size));
  return std::max<int64_t>(1, blocks);
}

void sum_partials(const float* partial, int64_t blocks, int64_t size, float* dw, bool accumulate) {
  sum_partials_t(partial, blocks, size, dw, accumulate);
}

void sum_partials(const double* partial, int64_t blocks, int64_t size, double* dw,
                  bool accumulate) {
  sum_partials_t(partial, blocks, size, dw, accumulate);
}

}  // namespace lamina
