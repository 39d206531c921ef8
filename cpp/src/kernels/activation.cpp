// Element-wise activations (forward and backward), bias add and column sums.
// Formulas follow Keras 3 on TensorFlow. Each kernel is one flat loop over
// rows * cols split across threads; the loop bodies are branch-free so the
// compiler vectorises them (this file is built with -fno-trapping-math, which
// lets it if-convert the clamps; results are unchanged). Results do not depend
// on the thread count.
#include "lamina/kernels/activation.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "lamina/errors.h"
#include "lamina/runtime.h"
#include "vec_math.h"

namespace lamina {
namespace {

using vec_math::erfc_t;
using vec_math::exp_t;
using vec_math::expm1_t;
using vec_math::log1p_unit_t;
using vec_math::tanh_t;

// Elements per chunk: cheap bodies need bigger chunks to pay for a hand-off.
constexpr int64_t kCheapGrain = 65536;
constexpr int64_t kExpGrain = 8192;

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSqrtHalf = 0.70710678118654752440;    // 1/sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2 pi)
constexpr double kGeluTanhScale = 0.7978845608028654;   // sqrt(2/pi)
constexpr double kGeluTanhCubic = 0.044715;

// Rows per chunk so one chunk holds about this many elements.
int64_t row_grain(int64_t cols, int64_t elements) {
  return std::max<int64_t>(1, elements / std::max<int64_t>(1, cols));
}

// y[i] = f(x[i]) over n elements. Each chunk works on its own copy of f, so
// the compiler knows stores to y cannot change f's captured parameters (it
// would otherwise reload them per element and not vectorise).
template <typename T, typename F>
void map(const T* x, T* y, int64_t n, int64_t grain, F f) {
  parallel_for(n, grain, [&](int64_t b, int64_t e) {
    const F local = f;
    for (int64_t i = b; i < e; ++i) y[i] = local(x[i]);
  });
}

// dx[i] = dy[i] * g(s[i]), s being x or y.
template <typename T, typename G>
void map_grad(const T* s, const T* dy, T* dx, int64_t n, int64_t grain, G g) {
  parallel_for(n, grain, [&](int64_t b, int64_t e) {
    const G local = g;
    for (int64_t i = b; i < e; ++i) dx[i] = dy[i] * local(s[i]);
  });
}

template <typename T>
T sigmoid_t(T x) {
  return T(1) / (T(1) + exp_t(-x));
}

// tanh(softplus(x)) = n / (n + 2) with n = e^x (e^x + 2), exact algebra that
// keeps full relative accuracy for negative x; above 20 it is 1 in float64.
template <typename T>
T tanh_softplus(T x) {
  const T u = exp_t(std::min(x, T(20)));
  const T n = u * (u + T(2));
  return x > T(20) ? T(1) : n / (n + T(2));
}

// Keras's relu with parameters: where(x > threshold, x, 0), clipped to
// [0, max_value] when max_value is set, minus negative_slope * relu(threshold - x).
template <typename T>
struct ReluParams {
  T slope, max_value, threshold;
  bool clip;
  explicit ReluParams(const ActivationSpec& s)
      : slope(T(s.negative_slope)),
        max_value(T(s.max_value)),
        threshold(T(s.threshold)),
        clip(!std::isinf(s.max_value)) {}
};

bool is_plain_relu(const ActivationSpec& s) {
  return s.negative_slope == 0.0 && s.threshold == 0.0 && std::isinf(s.max_value);
}

template <typename T>
void relu_forward(const ActivationSpec& spec, const T* x, T* y, int64_t n) {
  if (is_plain_relu(spec)) {
    // NaN passes through, as in TensorFlow: relu must not hide a NaN.
    map(x, y, n, kCheapGrain, [](T v) { return v < T(0) ? T(0) : v; });
    return;
  }
  const ReluParams<T> p(spec);
  if (p.clip) {
    map(x, y, n, kCheapGrain, [p](T v) {
      T pos = v > p.threshold ? v : T(0);
      pos = pos < T(0) ? T(0) : pos;
      pos = pos > p.max_value ? p.max_value : pos;
      const T neg = p.threshold - v > T(0) ? p.threshold - v : T(0);
      return pos - p.slope * neg;
    });
  } else {
    map(x, y, n, kCheapGrain, [p](T v) {
      const T pos = v > p.threshold ? v : T(0);
      const T neg = p.threshold - v > T(0) ? p.threshold - v : T(0);
      return pos - p.slope * neg;
    });
  }
}

template <typename T>
void relu_backward(const ActivationSpec& spec, const T* x, const T* y, const T* dy, T* dx,
                   int64_t n) {
  if (is_plain_relu(spec)) {  // y > 0 exactly where x > 0
    map_grad(y, dy, dx, n, kCheapGrain, [](T v) { return v > T(0) ? T(1) : T(0); });
    return;
  }
  const ReluParams<T> p(spec);
  map_grad(x, dy, dx, n, kCheapGrain, [p](T v) {
    const bool clipped = p.clip && (v < T(0) || v > p.max_value);
    const T pos = v > p.threshold && !clipped ? T(1) : T(0);
    return pos + (v < p.threshold ? p.slope : T(0));
  });
}

template <typename T>
void forward_t(const ActivationSpec& spec, const T* x, T* y, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  switch (spec.kind) {
    case Activation::kLinear:
      if (x != y && n > 0) std::memcpy(y, x, sizeof(T) * static_cast<size_t>(n));
      return;
    case Activation::kRelu:
      relu_forward(spec, x, y, n);
      return;
    case Activation::kRelu6:
      map(x, y, n, kCheapGrain, [](T v) {
        const T r = v > T(0) ? v : T(0);
        return r > T(6) ? T(6) : r;
      });
      return;
    case Activation::kLeakyRelu: {
      const T a = T(spec.negative_slope);
      map(x, y, n, kCheapGrain, [a](T v) { return v > T(0) ? v : a * v; });
      return;
    }
    case Activation::kElu: {
      const T a = T(spec.alpha);
      map(x, y, n, kExpGrain, [a](T v) { return v > T(0) ? v : a * expm1_t(v); });
      return;
    }
    case Activation::kSelu:
      map(x, y, n, kExpGrain,
          [](T v) { return T(kSeluScale) * (v > T(0) ? v : T(kSeluAlpha) * expm1_t(v)); });
      return;
    case Activation::kGelu:
      if (spec.approximate) {
        // 0.5 x (1 + tanh(z)) == x * sigmoid(2 z), without tanh's cancellation.
        map(x, y, n, kExpGrain, [](T v) {
          const T z = T(kGeluTanhScale) * (v + T(kGeluTanhCubic) * v * v * v);
          return v * sigmoid_t(T(2) * z);
        });
      } else {
        map(x, y, n, kExpGrain, [](T v) { return T(0.5) * v * erfc_t(-v * T(kSqrtHalf)); });
      }
      return;
    case Activation::kSilu:
      map(x, y, n, kExpGrain, [](T v) { return v * sigmoid_t(v); });
      return;
    case Activation::kSoftplus:
      map(x, y, n, kExpGrain,
          [](T v) { return (v > T(0) ? v : T(0)) + log1p_unit_t(exp_t(-std::fabs(v))); });
      return;
    case Activation::kSoftsign:
      map(x, y, n, kCheapGrain, [](T v) { return v / (T(1) + std::fabs(v)); });
      return;
    case Activation::kSigmoid:
      map(x, y, n, kExpGrain, [](T v) { return sigmoid_t(v); });
      return;
    case Activation::kHardSigmoid:
      // relu6(x + 3) / 6, rounded as Keras rounds it.
      map(x, y, n, kCheapGrain, [](T v) {
        T r = v + T(3);
        r = r > T(0) ? r : T(0);
        return (r > T(6) ? T(6) : r) / T(6);
      });
      return;
    case Activation::kHardSilu:
      map(x, y, n, kCheapGrain, [](T v) {
        T r = v + T(3);
        r = r > T(0) ? r : T(0);
        return v * ((r > T(6) ? T(6) : r) / T(6));
      });
      return;
    case Activation::kTanh:
      map(x, y, n, kExpGrain, [](T v) { return tanh_t(v); });
      return;
    case Activation::kExponential:
      map(x, y, n, kExpGrain, [](T v) { return exp_t(v); });
      return;
    case Activation::kMish:
      map(x, y, n, kExpGrain, [](T v) { return v * tanh_softplus(v); });
      return;
    case Activation::kSoftmax:
      softmax_forward(x, y, rows, cols);
      return;
    case Activation::kLogSoftmax:
      log_softmax_forward(x, y, rows, cols);
      return;
  }
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
    case Activation::kRelu:
      relu_backward(spec, x, y, dy, dx, n);
      return;
    case Activation::kRelu6:  // 0 < y < 6 exactly where 0 < x < 6
      map_grad(y, dy, dx, n, kCheapGrain, [](T v) { return v > T(0) && v < T(6) ? T(1) : T(0); });
      return;
    case Activation::kLeakyRelu: {
      const T a = T(spec.negative_slope);
      map_grad(x, dy, dx, n, kCheapGrain, [a](T v) { return v > T(0) ? T(1) : a; });
      return;
    }
    case Activation::kElu: {
      const T a = T(spec.alpha);
      map_grad(x, dy, dx, n, kExpGrain,
               [a](T v) { return v > T(0) ? T(1) : a * exp_t(std::min(v, T(0))); });
      return;
    }
    case Activation::kSelu:
      map_grad(x, dy, dx, n, kExpGrain, [](T v) {
        return T(kSeluScale) * (v > T(0) ? T(1) : T(kSeluAlpha) * exp_t(std::min(v, T(0))));
      });
      return;
    case Activation::kGelu:
      if (spec.approximate) {
        // d/dx [x s(2z)] = s + x * 2 s (1 - s) z', s = sigmoid(2z).
        map_grad(x, dy, dx, n, kExpGrain, [](T v) {
          const T z = T(kGeluTanhScale) * (v + T(kGeluTanhCubic) * v * v * v);
          const T dz = T(kGeluTanhScale) * (T(1) + T(3 * kGeluTanhCubic) * v * v);
          const T s = sigmoid_t(T(2) * z);
          return s + v * T(2) * s * (T(1) - s) * dz;
        });
      } else {
        // Phi(x) + x phi(x).
        map_grad(x, dy, dx, n, kExpGrain, [](T v) {
          return T(0.5) * erfc_t(-v * T(kSqrtHalf)) + v * T(kInvSqrt2Pi) * exp_t(T(-0.5) * v * v);
        });
      }
      return;
    case Activation::kSilu:
      map_grad(x, dy, dx, n, kExpGrain, [](T v) {
        const T s = sigmoid_t(v);
        return s * (T(1) + v * (T(1) - s));
      });
      return;
    case Activation::kSoftplus:
      map_grad(x, dy, dx, n, kExpGrain, [](T v) { return sigmoid_t(v); });
      return;
    case Activation::kSoftsign:
      map_grad(x, dy, dx, n, kCheapGrain, [](T v) {
        const T d = T(1) + std::fabs(v);
        return T(1) / (d * d);
      });
      return;
    case Activation::kSigmoid:
      map_grad(y, dy, dx, n, kCheapGrain, [](T v) { return v * (T(1) - v); });
      return;
    case Activation::kHardSigmoid:
      map_grad(x, dy, dx, n, kCheapGrain, [](T v) {
        const T r = v + T(3);
        return r > T(0) && r < T(6) ? T(1) / T(6) : T(0);
      });
      return;
    case Activation::kHardSilu:
      map_grad(x, dy, dx, n, kCheapGrain, [](T v) {
        T r = v + T(3);
        const T inside = r > T(0) && r < T(6) ? T(1) / T(6) : T(0);
        r = r > T(0) ? r : T(0);
        return (r > T(6) ? T(6) : r) / T(6) + v * inside;
      });
      return;
    case Activation::kTanh:
      map_grad(y, dy, dx, n, kCheapGrain, [](T v) { return T(1) - v * v; });
      return;
    case Activation::kExponential:
      map_grad(y, dy, dx, n, kCheapGrain, [](T v) { return v; });
      return;
    case Activation::kMish:
      // tanh(sp) + x (1 - tanh(sp)^2) sigmoid(x), sp = softplus(x).
      map_grad(x, dy, dx, n, kExpGrain, [](T v) {
        const T t = tanh_softplus(v);
        return t + v * (T(1) - t * t) * sigmoid_t(v);
      });
      return;
    case Activation::kSoftmax:
      softmax_backward(y, dy, dx, rows, cols);
      return;
    case Activation::kLogSoftmax:
      log_softmax_backward(y, dy, dx, rows, cols);
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
