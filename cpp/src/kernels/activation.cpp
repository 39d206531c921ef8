// Element-wise activations (forward and backward), bias add and column sums:
// the drivers. The loops themselves are in activation_kernels.inc, reached
// through the kernel table for float32 (one build per ISA) and compiled here
// for the float64 reference. Each call splits the flat rows * cols range (or
// the rows, or the columns) across threads; an element's result depends only
// on its inputs, never on the chunk it lands in (column sums over many rows go
// through row blocks fixed by the shape), so results do not depend on the
// thread count.
#include "lamina/kernels/activation.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "activation_kernels.inc"
#include "kernels/partials.h"
#include "lamina/errors.h"
#include "lamina/kernels/kernel_table.h"
#include "lamina/runtime.h"

namespace lamina {
namespace {

// Elements per chunk: cheap bodies need bigger chunks to pay for a hand-off.
constexpr int64_t kCheapGrain = 65536;
constexpr int64_t kExpGrain = 8192;

// Rows per chunk so one chunk holds about this many elements.
int64_t row_grain(int64_t cols, int64_t elements) {
  return std::max<int64_t>(1, elements / std::max<int64_t>(1, cols));
}

// The kinds whose forward (or backward) body evaluates exp, erfc or tanh.
bool forward_is_costly(Activation kind) {
  switch (kind) {
    case Activation::kElu:
    case Activation::kSelu:
    case Activation::kGelu:
    case Activation::kSilu:
    case Activation::kSoftplus:
    case Activation::kSigmoid:
    case Activation::kTanh:
    case Activation::kExponential:
    case Activation::kMish:
      return true;
    default:
      return false;
  }
}

// Sigmoid, tanh and exponential differentiate from y with a multiply.
bool backward_is_costly(Activation kind) {
  return forward_is_costly(kind) && kind != Activation::kSigmoid && kind != Activation::kTanh &&
         kind != Activation::kExponential;
}

// The per-range loops for one element type: the active ISA's for float32,
// this file's own build for float64.
template <typename T>
struct RangeKernels {
  void (*forward)(const ActivationSpec&, const T*, T*, int64_t);
  void (*backward)(const ActivationSpec&, const T*, const T*, const T*, T*, int64_t);
  void (*bias_add)(T*, const T*, int64_t, int64_t);
  void (*column_sum)(const T*, int64_t, int64_t, int64_t, T*, bool);
};

RangeKernels<float> range_kernels(const float*) {
  const KernelTable& kt = active_kernels();
  return {kt.activation_forward_f32, kt.activation_backward_f32, kt.bias_add_f32,
          kt.column_sum_f32};
}

RangeKernels<double> range_kernels(const double*) {
  return {activation_forward_range<double>, activation_backward_range<double>,
          bias_add_rows<double>, column_sum_cols<double>};
}

template <typename T>
void forward_t(const ActivationSpec& spec, const T* x, T* y, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  switch (spec.kind) {
    case Activation::kLinear:
      if (x != y && n > 0) std::memcpy(y, x, sizeof(T) * static_cast<size_t>(n));
      return;
    case Activation::kSoftmax:
      softmax_forward(x, y, rows, cols);
      return;
    case Activation::kLogSoftmax:
      log_softmax_forward(x, y, rows, cols);
      return;
    default:
      break;
  }
  const auto forward = range_kernels(x).forward;
  const int64_t grain = forward_is_costly(spec.kind) ? kExpGrain : kCheapGrain;
  parallel_for(n, grain, [&](int64_t b, int64_t e) { forward(spec, x + b, y + b, e - b); });
}

template <typename T>
void backward_t(const ActivationSpec& spec, const T* x, const T* y, const T* dy, T* dx,
                int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  if (activation_backward_needs_x(spec) && x == nullptr && n > 0) {
    throw ValueError(std::string("The backward pass of activation '") + activation_name(spec.kind) +
                     "' needs its input.");
  }
  switch (spec.kind) {
    case Activation::kLinear:
      if (dx != dy && n > 0) std::memcpy(dx, dy, sizeof(T) * static_cast<size_t>(n));
      return;
    case Activation::kSoftmax:
      softmax_backward(y, dy, dx, rows, cols);
      return;
    case Activation::kLogSoftmax:
      log_softmax_backward(y, dy, dx, rows, cols);
      return;
    default:
      break;
  }
  const auto backward = range_kernels(x).backward;
  const int64_t grain = backward_is_costly(spec.kind) ? kExpGrain : kCheapGrain;
  parallel_for(n, grain, [&](int64_t b, int64_t e) {
    backward(spec, x == nullptr ? nullptr : x + b, y + b, dy + b, dx + b, e - b);
  });
}

template <typename T>
void bias_add_t(T* y, const T* bias, int64_t rows, int64_t cols) {
  const auto add = range_kernels(bias).bias_add;
  parallel_for(rows, row_grain(cols, 65536),
               [&](int64_t b, int64_t e) { add(y + b * cols, bias, e - b, cols); });
}

template <typename T>
void column_sum_t(const T* dy, int64_t rows, int64_t cols, T* out, bool accumulate) {
  const auto sum = range_kernels(dy).column_sum;
  // Tall and narrow (a convolution's bias gradient: a row per output position,
  // a few dozen columns): fixed row blocks summed in parallel, their partials
  // added in block order. Otherwise split over columns, each summed over rows
  // in order.
  const int64_t blocks =
      cols < 256 && rows * cols >= kCheapGrain ? reduction_blocks(rows, cols) : 1;
  if (blocks == 1) {
    parallel_for(cols, 256, [&](int64_t c0, int64_t c1) {
      sum(dy + c0, rows, cols, c1 - c0, out + c0, accumulate);
    });
    return;
  }
  std::vector<T> partial(static_cast<size_t>(blocks * cols));
  const int64_t per_block = (rows + blocks - 1) / blocks;
  parallel_for_each(blocks, [&](int64_t b) {
    const int64_t r0 = std::min(rows, b * per_block), r1 = std::min(rows, r0 + per_block);
    sum(dy + r0 * cols, r1 - r0, cols, cols, partial.data() + b * cols, false);
  });
  sum_partials(partial.data(), blocks, cols, out, accumulate);
}

}  // namespace

#define LAMINA_ACTIVATION_OVERLOADS(T)                                                             \
  void activation_forward(const ActivationSpec& spec, const T* x, T* y, int64_t rows,              \
                          int64_t cols) {                                                          \
    forward_t(spec, x, y, rows, cols);                                                             \
  }                                                                                                \
  void activation_backward(const ActivationSpec& spec, const T* x, const T* y, const T* dy, T* dx, \
                           int64_t rows, int64_t cols) {                                           \
    backward_t(spec, x, y, dy, dx, rows, cols);                                                    \
  }                                                                                                \
  void bias_add(T* y, const T* bias, int64_t rows, int64_t cols) {                                 \
    bias_add_t(y, bias, rows, cols);                                                               \
  }                                                                                                \
  void column_sum(const T* dy, int64_t rows, int64_t cols, T* out, bool accumulate) {              \
    column_sum_t(dy, rows, cols, out, accumulate);                                                 \
  }
LAMINA_ACTIVATION_OVERLOADS(float)
LAMINA_ACTIVATION_OVERLOADS(double)
#undef LAMINA_ACTIVATION_OVERLOADS

}  // namespace lamina
