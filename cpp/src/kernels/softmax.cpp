// The row-wise activations: softmax and log_softmax over the cols of each
// row. Rows split across threads; each row is reduced in a fixed order, so
// results do not depend on the thread count.
#include <algorithm>
#include <cmath>

#include "lamina/kernels/activation.h"
#include "lamina/runtime.h"
#include "vec_math.h"

namespace lamina {
namespace {

using vec_math::exp_t;

int64_t rows_per_chunk(int64_t cols) {
  return std::max<int64_t>(1, 8192 / std::max<int64_t>(1, cols));
}

template <typename T>
T row_max(const T* x, int64_t cols) {
  T mx = x[0];
  for (int64_t j = 1; j < cols; ++j) mx = x[j] > mx ? x[j] : mx;
  return mx;
}

template <typename T>
void softmax_forward_t(const T* x, T* y, int64_t rows, int64_t cols) {
  if (cols == 0) return;
  parallel_for(rows, rows_per_chunk(cols), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const T* xr = x + r * cols;
      T* yr = y + r * cols;
      const T mx = row_max(xr, cols);
      for (int64_t j = 0; j < cols; ++j) yr[j] = exp_t(xr[j] - mx);
      T sum = T(0);
      for (int64_t j = 0; j < cols; ++j) sum += yr[j];
      const T inv = T(1) / sum;
      for (int64_t j = 0; j < cols; ++j) yr[j] *= inv;
    }
  });
}

// dx = y * (dy - <dy, y>).
template <typename T>
void softmax_backward_t(const T* y, const T* dy, T* dx, int64_t rows, int64_t cols) {
  parallel_for(rows, rows_per_chunk(cols), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const T* yr = y + r * cols;
      const T* dyr = dy + r * cols;
      T* dxr = dx + r * cols;
      T dot = T(0);
      for (int64_t j = 0; j < cols; ++j) dot += dyr[j] * yr[j];
      for (int64_t j = 0; j < cols; ++j) dxr[j] = yr[j] * (dyr[j] - dot);
    }
  });
}

// y = x - max - log(sum(exp(x - max))).
template <typename T>
void log_softmax_forward_t(const T* x, T* y, int64_t rows, int64_t cols) {
  if (cols == 0) return;
  parallel_for(rows, rows_per_chunk(cols), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const T* xr = x + r * cols;
      T* yr = y + r * cols;
      const T mx = row_max(xr, cols);
      T sum = T(0);
      for (int64_t j = 0; j < cols; ++j) {
        yr[j] = xr[j] - mx;
        sum += exp_t(yr[j]);
      }
      const T log_sum = std::log(sum);
      for (int64_t j = 0; j < cols; ++j) yr[j] -= log_sum;
    }
  });
}

// dx = dy - softmax * sum(dy), softmax = exp(y).
template <typename T>
void log_softmax_backward_t(const T* y, const T* dy, T* dx, int64_t rows, int64_t cols) {
  parallel_for(rows, rows_per_chunk(cols), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const T* yr = y + r * cols;
      const T* dyr = dy + r * cols;
      T* dxr = dx + r * cols;
      T sum = T(0);
      for (int64_t j = 0; j < cols; ++j) sum += dyr[j];
      for (int64_t j = 0; j < cols; ++j) dxr[j] = dyr[j] - exp_t(yr[j]) * sum;
    }
  });
}

}  // namespace

void softmax_forward(const float* x, float* y, int64_t rows, int64_t cols) {
  softmax_forward_t(x, y, rows, cols);
}
void softmax_forward(const double* x, double* y, int64_t rows, int64_t cols) {
  softmax_forward_t(x, y, rows, cols);
}
void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  softmax_backward_t(y, dy, dx, rows, cols);
}
void softmax_backward(const double* y, const double* dy, double* dx, int64_t rows, int64_t cols) {
  softmax_backward_t(y, dy, dx, rows, cols);
}
void log_softmax_forward(const float* x, float* y, int64_t rows, int64_t cols) {
  log_softmax_forward_t(x, y, rows, cols);
}
void log_softmax_forward(const double* x, double* y, int64_t rows, int64_t cols) {
  log_softmax_forward_t(x, y, rows, cols);
}
void log_softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  log_softmax_backward_t(y, dy, dx, rows, cols);
}
void log_softmax_backward(const double* y, const double* dy, double* dx, int64_t rows,
                          int64_t cols) {
  log_softmax_backward_t(y, dy, dx, rows, cols);
}

}  // namespace lamina
