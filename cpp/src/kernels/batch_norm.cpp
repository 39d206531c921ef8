// BatchNormalization's drivers (see lamina/kernels/batch_norm.h): the loops
// are in batch_norm_kernels.inc, reached through the kernel table.
#include "lamina/kernels/batch_norm.h"

#include <algorithm>

#include "kernels/partials.h"
#include "lamina/kernels/kernel_table.h"
#include "lamina/runtime.h"

namespace lamina {
namespace {

constexpr int64_t kBlockRows = 256;

// Rows per chunk of the element-wise passes: about 16K elements.
int64_t row_grain(int64_t channels) { return std::max<int64_t>(1, 16384 / channels); }

int64_t sum_blocks(int64_t rows) {
  return std::max<int64_t>(1, (rows + kBlockRows - 1) / kBlockRows);
}

}  // namespace

int64_t batch_norm_scratch_size(int64_t rows, int64_t channels) {
  return sum_blocks(rows) * 2 * channels;
}

void batch_norm_channel_sums(const float* x, const float* dy, const float* shift,
                             const float* scale, int64_t rows, int64_t channels, double* scratch,
                             double* a, double* b) {
  DenormalGuard guard;
  const auto sums = active_kernels().batch_norm_sums;
  const int64_t blocks = sum_blocks(rows), C = channels;
  // The blocks' partials of a, then those of b, each summed in block order.
  double* partial_a = scratch;
  double* partial_b = scratch + blocks * C;
  parallel_for_each(blocks, [&](int64_t blk) {
    double* pa = partial_a + blk * C;
    double* pb = partial_b + blk * C;
    std::fill(pa, pa + C, 0.0);
    std::fill(pb, pb + C, 0.0);
    const int64_t r0 = blk * kBlockRows, r1 = std::min(rows, r0 + kBlockRows);
    sums(x + r0 * C, dy == nullptr ? nullptr : dy + r0 * C, shift, scale, r1 - r0, C, pa, pb);
  });
  sum_partials(partial_a, blocks, C, a, false);
  sum_partials(partial_b, blocks, C, b, false);
}

void batch_norm_affine(const float* x, const float* mul, const float* add, int64_t rows,
                       int64_t channels, float* y) {
  DenormalGuard guard;
  const auto affine = active_kernels().batch_norm_affine;
  parallel_for(rows, row_grain(channels), [&](int64_t r0, int64_t r1) {
    affine(x + r0 * channels, mul, add, r1 - r0, channels, y + r0 * channels);
  });
}

void batch_norm_input_grad(const float* x, const float* dy, const float* mean, const float* inv_std,
                           const float* scale, const float* mean_dy, const float* mean_dy_xhat,
                           int64_t rows, int64_t channels, float* dx) {
  DenormalGuard guard;
  const auto input_grad = active_kernels().batch_norm_input_grad;
  parallel_for(rows, row_grain(channels), [&](int64_t r0, int64_t r1) {
    const int64_t at = r0 * channels;
    input_grad(x + at, dy + at, mean, inv_std, scale, mean_dy, mean_dy_xhat, r1 - r0, channels,
               dx + at);
  });
}

}  // namespace lamina
