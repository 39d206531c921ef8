// Metric accumulation kernels.
#pragma once

#include <cstdint>

namespace lamina {

// Metrics: per-row scores summed over rows (weighted when sw is non-null);
// the caller divides by the count. Rows of `cols` predictions.
double sparse_categorical_accuracy_sum(const float* pred, const float* labels, const float* sw,
                                       int64_t rows, int64_t cols);
double categorical_accuracy_sum(const float* pred, const float* y, const float* sw, int64_t rows,
                                int64_t cols);
// Mean over cols of (pred > threshold) == y, per row.
double binary_accuracy_sum(const float* pred, const float* y, const float* sw, int64_t rows,
                           int64_t cols, float threshold);

}  // namespace lamina
