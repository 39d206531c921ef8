// Activations, bias add and column sums. Rows are independent, so they split
// across threads; results do not depend on the thread count.
#include "lamina/kernels/activation.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "lamina/errors.h"
#include "lamina/runtime.h"

namespace lamina {
namespace {

// Rows per chunk so one chunk holds about this many elements.
int64_t row_grain(int64_t cols, int64_t elements = 16384) {
  return std::max<int64_t>(1, elements / std::max<int64_t>(1, cols));
}

template <typename T>
void softmax_row(const T* x, T* y, int64_t cols) {
  T mx = x[0];
  for (int64_t j = 1; j < cols; ++j) mx = std::max(mx, x[j]);
  T sum = T(0);
  for (int64_t j = 0; j < cols; ++j) {
    y[j] = std::exp(x[j] - mx);
    sum += y[j];
  }
  const T inv = T(1) / sum;
  for (int64_t j = 0; j < cols; ++j) y[j] *= inv;
}

template <typename T>
void activation_forward_t(Activation act, const T* x, T* y, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  switch (act) {
    case Activation::kLinear:
      if (x != y) std::memcpy(y, x, sizeof(T) * static_cast<size_t>(n));
      return;
    case Activation::kRelu:
      parallel_for(n, 65536, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
      });
      return;
    case Activation::kSigmoid:
      parallel_for(n, 8192, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
      });
      return;
    case Activation::kTanh:
      parallel_for(n, 8192, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) y[i] = std::tanh(x[i]);
      });
      return;
    case Activation::kSoftmax:
      parallel_for(rows, row_grain(cols, 8192), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) softmax_row(x + r * cols, y + r * cols, cols);
      });
      return;
  }
}

template <typename T>
void activation_backward_t(Activation act, const T* y, const T* dy, T* dx, int64_t rows,
                           int64_t cols) {
  const int64_t n = rows * cols;
  switch (act) {
    case Activation::kLinear:
      if (dx != dy) std::memcpy(dx, dy, sizeof(T) * static_cast<size_t>(n));
      return;
    case Activation::kRelu:
      parallel_for(n, 65536, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dx[i] = y[i] > T(0) ? dy[i] : T(0);
      });
      return;
    case Activation::kSigmoid:
      parallel_for(n, 65536, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dx[i] = dy[i] * y[i] * (T(1) - y[i]);
      });
      return;
    case Activation::kTanh:
      parallel_for(n, 65536, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dx[i] = dy[i] * (T(1) - y[i] * y[i]);
      });
      return;
    case Activation::kSoftmax:
      parallel_for(rows, row_grain(cols), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          const T* yr = y + r * cols;
          const T* dyr = dy + r * cols;
          T* dxr = dx + r * cols;
          T dot = T(0);
          for (int64_t j = 0; j < cols; ++j) dot += dyr[j] * yr[j];
          for (int64_t j = 0; j < cols; ++j) dxr[j] = yr[j] * (dyr[j] - dot);
        }
      });
      return;
  }
}

template <typename T>
void bias_add_t(T* y, const T* bias, int64_t rows, int64_t cols) {
  parallel_for(rows, row_grain(cols, 65536), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      T* yr = y + r * cols;
      for (int64_t j = 0; j < cols; ++j) yr[j] += bias[j];
    }
  });
}

template <typename T>
void column_sum_t(const T* dy, int64_t rows, int64_t cols, T* out, bool accumulate) {
  // Split over columns; every column is summed over rows in order.
  parallel_for(cols, 256, [&](int64_t c0, int64_t c1) {
    if (!accumulate) std::fill(out + c0, out + c1, T(0));
    for (int64_t r = 0; r < rows; ++r) {
      const T* dr = dy + r * cols;
      for (int64_t j = c0; j < c1; ++j) out[j] += dr[j];
    }
  });
}

}  // namespace

Activation activation_from_name(const std::string& name) {
  if (name == "linear") return Activation::kLinear;
  if (name == "relu") return Activation::kRelu;
  if (name == "sigmoid") return Activation::kSigmoid;
  if (name == "tanh") return Activation::kTanh;
  if (name == "softmax") return Activation::kSoftmax;
  throw ValueError("Unknown activation '" + name + "'.");
}

#define LAMINA_ACTIVATION_OVERLOADS(T)                                                    \
  void activation_forward(Activation act, const T* x, T* y, int64_t rows, int64_t cols) { \
    activation_forward_t(act, x, y, rows, cols);                                          \
  }                                                                                       \
  void activation_backward(Activation act, const T* y, const T* dy, T* dx, int64_t rows,  \
                           int64_t cols) {                                                \
    activation_backward_t(act, y, dy, dx, rows, cols);                                    \
  }                                                                                       \
  void bias_add(T* y, const T* bias, int64_t rows, int64_t cols) {                        \
    bias_add_t(y, bias, rows, cols);                                                      \
  }                                                                                       \
  void column_sum(const T* dy, int64_t rows, int64_t cols, T* out, bool accumulate) {     \
    column_sum_t(dy, rows, cols, out, accumulate);                                        \
  }
LAMINA_ACTIVATION_OVERLOADS(float)
LAMINA_ACTIVATION_OVERLOADS(double)
#undef LAMINA_ACTIVATION_OVERLOADS

}  // namespace lamina
