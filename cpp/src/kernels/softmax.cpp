// The row-wise activations: softmax and log_softmax over the cols of each
// row (the loops are in softmax_kernels.inc). Rows split across threads; each
// row is reduced in a fixed order, so results do not depend on the thread
// count.
#include <algorithm>
#include <cmath>

#include "lamina/kernels/activation.h"
#include "lamina/kernels/kernel_table.h"
#include "lamina/runtime.h"
#include "softmax_kernels.inc"

namespace lamina {
namespace {

int64_t rows_per_chunk(int64_t cols) {
  return std::max<int64_t>(1, 8192 / std::max<int64_t>(1, cols));
}

// The row kernels: the active ISA's for float32, this file's own build for
// float64.
using SoftmaxRowsF64 = void (*)(const double*, double*, int64_t, int64_t, bool);
using SoftmaxBackwardRowsF64 = void (*)(const double*, const double*, double*, int64_t, int64_t,
                                        bool);
SoftmaxRowsFn forward_rows(const float*) { return active_kernels().softmax_rows_f32; }
SoftmaxBackwardRowsFn backward_rows(const float*) {
  return active_kernels().softmax_backward_rows_f32;
}
SoftmaxRowsF64 forward_rows(const double*) { return softmax_rows<double>; }
SoftmaxBackwardRowsF64 backward_rows(const double*) { return softmax_backward_rows<double>; }

template <typename T>
void forward_t(const T* x, T* y, int64_t rows, int64_t cols, bool log) {
  if (cols == 0) return;
  const auto kernel = forward_rows(x);
  parallel_for(rows, rows_per_chunk(cols),
               [&](int64_t b, int64_t e) { kernel(x + b * cols, y + b * cols, e - b, cols, log); });
}

template <typename T>
void backward_t(const T* y, const T* dy, T* dx, int64_t rows, int64_t cols, bool log) {
  if (cols == 0) return;
  const auto kernel = backward_rows(y);
  parallel_for(rows, rows_per_chunk(cols), [&](int64_t b, int64_t e) {
    kernel(y + b * cols, dy + b * cols, dx + b * cols, e - b, cols, log);
  });
}

}  // namespace

void softmax_forward(const float* x, float* y, int64_t rows, int64_t cols) {
  forward_t(x, y, rows, cols, false);
}
void softmax_forward(const double* x, double* y, int64_t rows, int64_t cols) {
  forward_t(x, y, rows, cols, false);
}
void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  backward_t(y, dy, dx, rows, cols, false);
}
void softmax_backward(const double* y, const double* dy, double* dx, int64_t rows, int64_t cols) {
  backward_t(y, dy, dx, rows, cols, false);
}
void log_softmax_forward(const float* x, float* y, int64_t rows, int64_t cols) {
  forward_t(x, y, rows, cols, true);
}
void log_softmax_forward(const double* x, double* y, int64_t rows, int64_t cols) {
  forward_t(x, y, rows, cols, true);
}
void log_softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  backward_t(y, dy, dx, rows, cols, true);
}
void log_softmax_backward(const double* y, const double* dy, double* dx, int64_t rows,
                          int64_t cols) {
  backward_t(y, dy, dx, rows, cols, true);
}

}  // namespace lamina
