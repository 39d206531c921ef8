// Helpers shared by the loss kernel files (baseline code only, no ISA flags).
#pragma once

#include <algorithm>
#include <cstdint>

#include "lamina/kernels/loss.h"

namespace lamina {
namespace loss_detail {

constexpr double kEpsilon = 1e-7;  // keras.backend.epsilon()

// Runs `row(p, y, g, k)` over the rows in order: p/y are the row's predictions
// and labels, g its gradient row (null when no gradient is wanted), k the
// factor the row's gradient carries (weight * scale). `row` returns the row's
// unweighted loss; the sum of weighted losses is returned.
template <typename T, typename RowFn>
double for_each_row(const LossArgs<T>& a, int64_t label_cols, RowFn row) {
  double total = 0.0;
  for (int64_t r = 0; r < a.rows; ++r) {
    const double w = a.weight != nullptr ? static_cast<double>(a.weight[r]) : 1.0;
    T* g = a.grad != nullptr ? a.grad + r * a.cols : nullptr;
    const double loss = row(a.pred + r * a.cols, a.y + r * label_cols, g, w * a.scale);
    if (a.row_loss != nullptr) a.row_loss[r] = static_cast<T>(loss);
    total += w * loss;
  }
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
