// Helpers shared by the loss kernel files (baseline code only, no ISA flags).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "lamina/kernels/loss.h"
#include "lamina/runtime.h"

namespace lamina {
namespace loss_detail {

constexpr double kEpsilon = 1e-7;  // keras.backend.epsilon()
// Predictions below this many elements are computed on the calling thread.
constexpr int64_t kParallelElements = 65536;

// Runs `row(p, y, g, k)` over the rows: p/y are the row's predictions and
// labels, g its gradient row (null when no gradient is wanted), k the factor
// the row's gradient carries (weight * scale). `row` returns the row's
// unweighted loss; the sum of weighted losses is returned. Rows are
// independent, so large inputs (an autoencoder's images) run them in
// parallel; the weighted losses are added in row order either way, so the
// result does not depend on the thread count.
template <typename T, typename RowFn>
double for_each_row(const LossArgs<T>& a, int64_t label_cols, RowFn row) {
  auto weighted_loss = [&](int64_t r) {
    const double w = a.weight != nullptr ? static_cast<double>(a.weight[r]) : 1.0;
    T* g = a.grad != nullptr ? a.grad + r * a.cols : nullptr;
    const double loss = row(a.pred + r * a.cols, a.y + r * label_cols, g, w * a.scale);
    if (a.row_loss != nullptr) a.row_loss[r] = static_cast<T>(loss);
    return w * loss;
  };
  double total = 0.0;
  if (a.rows * a.cols < kParallelElements) {
    for (int64_t r = 0; r < a.rows; ++r) total += weighted_loss(r);
    return total;
  }
  std::vector<double> losses(static_cast<size_t>(a.rows));
  const int64_t grain = std::max<int64_t>(1, kParallelElements / 4 / std::max<int64_t>(1, a.cols));
  parallel_for(a.rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) losses[static_cast<size_t>(r)] = weighted_loss(r);
  });
  for (double v : losses) total += v;
  return total;
}

// Clip to [lo, hi] in T, as tf.clip_by_value does in the input's dtype.
template <typename T>
T clip(T v, T lo, T hi) {
  return std::min(std::max(v, lo), hi);
}

// Whether tf.clip_by_value passes the gradient: inside the range, bounds included.
template <typename T>
bool passes_clip(T v, T lo, T hi) {
  return v >= lo && v <= hi;
}

}  // namespace loss_detail
}  // namespace lamina
