// Activation kernels: formulas, float64 finite differences, bias add, column sums.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "guarded_buffer.h"
#include "lamina/cpu.h"
#include "lamina/errors.h"
#include "lamina/kernels.h"
#include "lamina/runtime.h"
#include "test_util.h"

namespace {

using lamina::Activation;
using lamina::Isa;
using lamina_test::GuardedBuffer;
using lamina_test::GuardedFloats;
using lamina_test::ThreadCountScope;
using lamina_test::uniform;
using lamina_test::widen;

// ---------------------------------------------------------------------------
// Activations

using lamina::ActivationSpec;

ActivationSpec relu_spec(double slope, double max_value, double threshold) {
  ActivationSpec s(Activation::kRelu);
  s.negative_slope = slope;
  s.max_value = max_value;
  s.threshold = threshold;
  return s;
}

ActivationSpec with_alpha(Activation kind, double alpha) {
  ActivationSpec s(kind);
  s.alpha = alpha;
  s.negative_slope = alpha;
  return s;
}

ActivationSpec gelu_tanh() {
  ActivationSpec s(Activation::kGelu);
  s.approximate = true;
  return s;
}

const double kInf = std::numeric_limits<double>::infinity();

// Every kind, and the parameter variants Keras's signatures allow.
std::vector<ActivationSpec> all_specs() {
  return {Activation::kLinear,
          Activation::kRelu,
          relu_spec(0.1, kInf, 0.0),
          relu_spec(0.0, 6.0, 0.0),
          relu_spec(0.3, 4.0, 0.7),
          relu_spec(0.3, kInf, -0.5),
          Activation::kRelu6,
          Activation::kLeakyRelu,
          with_alpha(Activation::kLeakyRelu, 0.05),
          Activation::kElu,
          with_alpha(Activation::kElu, 0.5),
          Activation::kSelu,
          Activation::kGelu,
          gelu_tanh(),
          Activation::kSilu,
          Activation::kSoftplus,
          Activation::kSoftsign,
          Activation::kSigmoid,
          Activation::kHardSigmoid,
          Activation::kHardSilu,
          Activation::kTanh,
          Activation::kExponential,
          Activation::kMish,
          Activation::kSoftmax,
          Activation::kLogSoftmax};
}

std::string describe(const ActivationSpec& s) {
  std::ostringstream out;
  out << lamina::activation_name(s.kind) << "(slope=" << s.negative_slope << ", max=" << s.max_value
      << ", threshold=" << s.threshold << ", alpha=" << s.alpha << ", approximate=" << s.approximate
      << ")";
  return out.str();
}

const double kSeluAlpha = 1.6732632423543772848170429916717;
const double kSeluScale = 1.0507009873554804934193349852946;
const double kGeluC = 0.7978845608028654;  // sqrt(2 / pi)

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }

// The formulas, written out directly in float64 (element-wise kinds).
double act_ref(const ActivationSpec& s, double x) {
  switch (s.kind) {
    case Activation::kLinear:
      return x;
    case Activation::kRelu: {
      double pos = x > s.threshold ? x : 0.0;
      if (!std::isinf(s.max_value)) pos = std::min(std::max(pos, 0.0), s.max_value);
      return pos - s.negative_slope * std::max(s.threshold - x, 0.0);
    }
    case Activation::kRelu6:
      return std::min(std::max(x, 0.0), 6.0);
    case Activation::kLeakyRelu:
      return x > 0 ? x : s.negative_slope * x;
    case Activation::kElu:
      return x > 0 ? x : s.alpha * (std::exp(x) - 1.0);
    case Activation::kSelu:
      return kSeluScale * (x > 0 ? x : kSeluAlpha * (std::exp(x) - 1.0));
    case Activation::kGelu:
      // 1 + tanh(z) == 2 / (1 + exp(-2z)), which does not cancel for z << 0.
      if (s.approximate) return x / (1.0 + std::exp(-2.0 * kGeluC * (x + 0.044715 * x * x * x)));
      return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    case Activation::kSilu:
      return x * sigmoid(x);
    case Activation::kSoftplus:
      return softplus(x);
    case Activation::kSoftsign:
      return x / (1.0 + std::fabs(x));
    case Activation::kSigmoid:
      return sigmoid(x);
    case Activation::kHardSigmoid:
      return std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0;
    case Activation::kHardSilu:
      return x * std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0;
    case Activation::kTanh:
      return std::tanh(x);
    case Activation::kExponential:
      return std::exp(x);
    case Activation::kMish:
      return x * std::tanh(softplus(x));
    case Activation::kSoftmax:
    case Activation::kLogSoftmax:
      break;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

// d act / dx, written out (element-wise kinds), away from kinks.
double grad_ref(const ActivationSpec& s, double x) {
  switch (s.kind) {
    case Activation::kLinear:
      return 1.0;
    case Activation::kRelu: {
      const bool clipped = !std::isinf(s.max_value) && (x < 0 || x > s.max_value);
      return (x > s.threshold && !clipped ? 1.0 : 0.0) + (x < s.threshold ? s.negative_slope : 0);
    }
    case Activation::kRelu6:
      return x > 0 && x < 6 ? 1.0 : 0.0;
    case Activation::kLeakyRelu:
      return x > 0 ? 1.0 : s.negative_slope;
    case Activation::kElu:
      return x > 0 ? 1.0 : s.alpha * std::exp(x);
    case Activation::kSelu:
      return kSeluScale * (x > 0 ? 1.0 : kSeluAlpha * std::exp(x));
    case Activation::kGelu:
      if (s.approximate) {
        const double t = std::tanh(kGeluC * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * kGeluC * (1 + 3 * 0.044715 * x * x);
      }
      return 0.5 * std::erfc(-x / std::sqrt(2.0)) +
             x * std::exp(-0.5 * x * x) * 0.39894228040143267794;  // 1/sqrt(2 pi)
    case Activation::kSilu:
      return sigmoid(x) * (1 + x * (1 - sigmoid(x)));
    case Activation::kSoftplus:
      return sigmoid(x);
    case Activation::kSoftsign:
      return 1.0 / ((1.0 + std::fabs(x)) * (1.0 + std::fabs(x)));
    case Activation::kSigmoid:
      return sigmoid(x) * (1 - sigmoid(x));
    case Activation::kHardSigmoid:
      return x > -3 && x < 3 ? 1.0 / 6.0 : 0.0;
    case Activation::kHardSilu:
      return std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0 + (x > -3 && x < 3 ? x / 6.0 : 0.0);
    case Activation::kTanh:
      return 1 - std::tanh(x) * std::tanh(x);
    case Activation::kExponential:
      return std::exp(x);
    case Activation::kMish: {
      const double t = std::tanh(softplus(x));
      return t + x * (1 - t * t) * sigmoid(x);
    }
    case Activation::kSoftmax:
    case Activation::kLogSoftmax:
      break;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::vector<double> forward_ref(const ActivationSpec& s, const std::vector<double>& x, int64_t rows,
                                int64_t cols) {
  std::vector<double> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = x.data() + r * cols;
    double* yr = y.data() + r * cols;
    if (lamina::activation_is_rowwise(s.kind)) {
      const double mx = *std::max_element(xr, xr + cols);
      double sum = 0.0;
      for (int64_t j = 0; j < cols; ++j) sum += std::exp(xr[j] - mx);
      for (int64_t j = 0; j < cols; ++j) {
        yr[j] = s.kind == Activation::kSoftmax ? std::exp(xr[j] - mx) / sum
                                               : xr[j] - mx - std::log(sum);
      }
    } else {
      for (int64_t j = 0; j < cols; ++j) yr[j] = act_ref(s, xr[j]);
    }
  }
  return y;
}

std::vector<double> backward_ref(const ActivationSpec& s, const std::vector<double>& x,
                                 const std::vector<double>& dy, int64_t rows, int64_t cols) {
  const std::vector<double> y = forward_ref(s, x, rows, cols);
  std::vector<double> dx(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double dot = 0.0, sum = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      dot += dy[r * cols + j] * y[r * cols + j];
      sum += dy[r * cols + j];
    }
    for (int64_t j = 0; j < cols; ++j) {
      const size_t i = static_cast<size_t>(r * cols + j);
      if (s.kind == Activation::kSoftmax) {
        dx[i] = y[i] * (dy[i] - dot);
      } else if (s.kind == Activation::kLogSoftmax) {
        dx[i] = dy[i] - std::exp(y[i]) * sum;
      } else {
        dx[i] = dy[i] * grad_ref(s, x[i]);
      }
    }
  }
  return dx;
}

// Moves values off the points where a derivative jumps.
template <typename T>
void avoid_kinks(const ActivationSpec& s, std::vector<T>& x) {
  const double kinks[] = {0.0, 6.0, -3.0, 3.0, s.threshold, s.max_value};
  for (T& v : x) {
    for (double k : kinks) {
      if (std::fabs(static_cast<double>(v) - k) < 1e-2) v = static_cast<T>(k + 0.05);
    }
  }
}

const int64_t kActShapes[][2] = {{1, 1}, {3, 5}, {7, 33}, {2, 130}, {300, 257}};

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) {
  return lamina::isa_name(info.param);
}

// The float32 API run on one ISA's kernels: the active table is switched for
// the test and restored after it. Skipped where this CPU cannot run the ISA.
class ActivationIsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    saved_ = lamina::active_kernels().isa;
    try {
      kt_ = &lamina::kernels_for(GetParam());
    } catch (const lamina::ValueError& e) {
      GTEST_SKIP() << e.what();
    }
    lamina::set_active_isa(GetParam());
    ASSERT_EQ(lamina::active_kernels().activation_forward_f32, kt_->activation_forward_f32);
  }
  void TearDown() override { lamina::set_active_isa(saved_); }
  const lamina::KernelTable* kt_ = nullptr;
  Isa saved_ = Isa::kScalar;
};

TEST_P(ActivationIsaTest, FloatForwardBackwardMatchFormulas) {
  std::mt19937 rng(11);
  for (const ActivationSpec& spec : all_specs()) {
    for (const auto& sh : kActShapes) {
      const int64_t rows = sh[0], cols = sh[1];
      const size_t n = static_cast<size_t>(rows * cols);
      std::vector<float> xv = uniform<float>(n, -6.0, 6.0, rng);
      avoid_kinks(spec, xv);
      GuardedFloats x(xv, lamina_test::Place::kEnd);
      GuardedFloats y(n), dy(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd), dx(n);
      lamina::activation_forward(spec, x.data(), y.data(), rows, cols);
      const std::vector<double> y_ref = forward_ref(spec, widen(xv), rows, cols);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(y[i], y_ref[i], 2e-6 * (1.0 + std::fabs(y_ref[i])))
            << describe(spec) << " " << rows << "x" << cols << " x=" << xv[i];
      }
      lamina::activation_backward(spec, x.data(), y.data(), dy.data(), dx.data(), rows, cols);
      const std::vector<double> dx_ref =
          backward_ref(spec, widen(xv), widen(dy.to_vector()), rows, cols);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(dx[i], dx_ref[i], 1e-5 * (1.0 + std::fabs(dx_ref[i])))
            << describe(spec) << " " << rows << "x" << cols << " x=" << xv[i];
      }
      // In place (x == y, dx == dy) gives the same bits.
      std::vector<float> inplace = xv;
      lamina::activation_forward(spec, inplace.data(), inplace.data(), rows, cols);
      EXPECT_EQ(0, std::memcmp(inplace.data(), y.data(), n * sizeof(float))) << describe(spec);
      std::vector<float> dinplace = dy.to_vector();
      lamina::activation_backward(spec, x.data(), y.data(), dinplace.data(), dinplace.data(), rows,
                                  cols);
      EXPECT_EQ(0, std::memcmp(dinplace.data(), dx.data(), n * sizeof(float))) << describe(spec);
    }
  }
}

TEST(Activation, DoubleForwardBackwardMatchFormulas) {
  std::mt19937 rng(12);
  for (const ActivationSpec& spec : all_specs()) {
    for (const auto& sh : kActShapes) {
      const int64_t rows = sh[0], cols = sh[1];
      const size_t n = static_cast<size_t>(rows * cols);
      std::vector<double> xv = uniform<double>(n, -6.0, 6.0, rng);
      avoid_kinks(spec, xv);
      GuardedBuffer<double> x(xv, lamina_test::Place::kEnd);
      GuardedBuffer<double> y(n), dx(n);
      GuardedBuffer<double> dy(uniform<double>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
      lamina::activation_forward(spec, x.data(), y.data(), rows, cols);
      const std::vector<double> y_ref = forward_ref(spec, xv, rows, cols);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(y[i], y_ref[i], 1e-13 * (1.0 + std::fabs(y_ref[i]))) << describe(spec);
      }
      lamina::activation_backward(spec, x.data(), y.data(), dy.data(), dx.data(), rows, cols);
      const std::vector<double> dx_ref = backward_ref(spec, xv, dy.to_vector(), rows, cols);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(dx[i], dx_ref[i], 1e-12 * (1.0 + std::fabs(dx_ref[i]))) << describe(spec);
      }
    }
  }
}

// The float64 backward is the gradient of sum(dy * forward(x)).
TEST(Activation, DoubleBackwardMatchesFiniteDifferences) {
  std::mt19937 rng(13);
  const int64_t rows = 3, cols = 6;
  const size_t n = rows * cols;
  for (const ActivationSpec& spec : all_specs()) {
    std::vector<double> x = uniform<double>(n, -4.0, 4.0, rng);
    avoid_kinks(spec, x);
    const std::vector<double> dy = uniform<double>(n, -1.0, 1.0, rng);
    std::vector<double> y(n), dx(n), yp(n), ym(n);
    lamina::activation_forward(spec, x.data(), y.data(), rows, cols);
    lamina::activation_backward(spec, x.data(), y.data(), dy.data(), dx.data(), rows, cols);
    const double h = 1e-6;
    for (size_t i = 0; i < n; ++i) {
      std::vector<double> xp = x, xm = x;
      xp[i] += h;
      xm[i] -= h;
      lamina::activation_forward(spec, xp.data(), yp.data(), rows, cols);
      lamina::activation_forward(spec, xm.data(), ym.data(), rows, cols);
      double fd = 0.0;
      for (size_t j = 0; j < n; ++j) fd += dy[j] * (yp[j] - ym[j]) / (2 * h);
      EXPECT_NEAR(dx[i], fd, 1e-7 * (1.0 + std::fabs(fd))) << describe(spec) << " x=" << x[i];
    }
  }
}

// Large |x|: saturation without NaN, overflow to inf only where exp overflows.
TEST_P(ActivationIsaTest, LargeInputsStayFinite) {
  const float xs[] = {-1e4f, -1000.0f, -120.0f, -89.0f, -30.0f, 30.0f, 80.0f, 1000.0f};
  const int64_t n = sizeof(xs) / sizeof(xs[0]);
  for (const ActivationSpec& spec : all_specs()) {
    std::vector<float> y(n), dy(n, 1.0f), dx(n);
    lamina::activation_forward(spec, xs, y.data(), 1, n);
    lamina::activation_backward(spec, xs, y.data(), dy.data(), dx.data(), 1, n);
    for (int64_t i = 0; i < n; ++i) {
      const bool may_overflow = spec.kind == Activation::kExponential && xs[i] > 88.0f;
      EXPECT_FALSE(std::isnan(y[i])) << describe(spec) << " x=" << xs[i];
      EXPECT_TRUE(may_overflow || std::isfinite(y[i])) << describe(spec) << " x=" << xs[i];
      EXPECT_TRUE(may_overflow || std::isfinite(dx[i])) << describe(spec) << " x=" << xs[i];
    }
  }
}

// The vectorised float32 exp behind sigmoid/silu/softmax/...: within 2 ulp
// of exp rounded from float64 wherever the result is a normal float.
TEST_P(ActivationIsaTest, ExponentialWithinTwoUlp) {
  const int64_t n = 1 << 20;
  std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[i] = -87.3f + (88.7f + 87.3f) * static_cast<float>(i) / n;
  lamina::activation_forward(Activation::kExponential, x.data(), y.data(), 1, n);
  int64_t worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float want = static_cast<float>(std::exp(static_cast<double>(x[i])));
    int32_t a, b;
    std::memcpy(&a, &y[i], sizeof a);
    std::memcpy(&b, &want, sizeof b);
    worst = std::max<int64_t>(worst, std::abs(static_cast<int64_t>(a) - b));
  }
  EXPECT_LE(worst, 2);
  const float edge[] = {-INFINITY, -200.0f, 89.0f, INFINITY, NAN};
  float out[5];
  lamina::activation_forward(Activation::kExponential, edge, out, 1, 5);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_TRUE(std::isinf(out[2]) && std::isinf(out[3]));
  EXPECT_TRUE(std::isnan(out[4]));
}

// Largest distance in ulps between a float32 kernel's output and the float64
// formula rounded to float32, over normal-float results.
int64_t worst_ulps(const ActivationSpec& spec, const std::vector<float>& x) {
  std::vector<float> y(x.size());
  lamina::activation_forward(spec, x.data(), y.data(), 1, static_cast<int64_t>(x.size()));
  int64_t worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const float want = static_cast<float>(act_ref(spec, static_cast<double>(x[i])));
    if (!(std::fabs(want) >= std::numeric_limits<float>::min())) continue;
    int32_t a, b;
    std::memcpy(&a, &y[i], sizeof a);
    std::memcpy(&b, &want, sizeof b);
    worst = std::max<int64_t>(worst, std::abs(static_cast<int64_t>(a) - b));
  }
  return worst;
}

// tanh, softplus and elu/selu run on lamina's vectorised tanh/log1p/expm1
// in float32: a few ulp, including the relative accuracy near zero.
TEST_P(ActivationIsaTest, VectorisedMathWithinFewUlp) {
  std::vector<float> x;
  for (int i = -400000; i <= 400000; ++i) x.push_back(static_cast<float>(i) * 5e-5f);  // +-20
  for (int i = -300; i <= 300; ++i) x.push_back(std::ldexp(1.0f, i / 10));  // tiny to large
  for (int i = -300; i <= 300; ++i) x.push_back(-std::ldexp(1.0f, i / 10));
  EXPECT_LE(worst_ulps(Activation::kTanh, x), 4);
  EXPECT_LE(worst_ulps(Activation::kSoftplus, x), 3);
  EXPECT_LE(worst_ulps(Activation::kElu, x), 4);
  EXPECT_LE(worst_ulps(Activation::kSelu, x), 4);
  EXPECT_LE(worst_ulps(Activation::kSigmoid, x), 4);
  // gelu's erfc: 1e-6 relative, plus the float32 rounding of x / sqrt(2)
  // (relative 6e-8) that erfc's slope amplifies by x^2 (TensorFlow's float32
  // gelu has the same). Below 1e-30 results may be flushed to zero.
  for (const ActivationSpec& spec : {ActivationSpec(Activation::kGelu), gelu_tanh()}) {
    std::vector<float> y(x.size());
    lamina::activation_forward(spec, x.data(), y.data(), 1, static_cast<int64_t>(x.size()));
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = act_ref(spec, static_cast<double>(x[i]));
      const double rel = 1e-6 + 1.2e-7 * static_cast<double>(x[i]) * x[i];
      ASSERT_NEAR(y[i], want, rel * std::fabs(want) + 1e-30) << describe(spec) << " x=" << x[i];
    }
  }
}

TEST_P(ActivationIsaTest, ResultsDoNotDependOnThreadCount) {
  ThreadCountScope scope;
  std::mt19937 rng(15);
  const int64_t rows = 257, cols = 1031;  // several chunks for every grain
  const size_t n = static_cast<size_t>(rows * cols);
  const std::vector<float> x = uniform<float>(n, -5.0, 5.0, rng);
  const std::vector<float> dy = uniform<float>(n, -1.0, 1.0, rng);
  for (const ActivationSpec& spec : all_specs()) {
    std::vector<float> y1(n), dx1(n);
    lamina::set_num_threads(1);
    lamina::activation_forward(spec, x.data(), y1.data(), rows, cols);
    lamina::activation_backward(spec, x.data(), y1.data(), dy.data(), dx1.data(), rows, cols);
    for (int threads : {2, 3}) {
      std::vector<float> y2(n), dx2(n);
      lamina::set_num_threads(threads);
      lamina::activation_forward(spec, x.data(), y2.data(), rows, cols);
      lamina::activation_backward(spec, x.data(), y2.data(), dy.data(), dx2.data(), rows, cols);
      EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), n * sizeof(float)))
          << describe(spec) << " threads=" << threads;
      EXPECT_EQ(0, std::memcmp(dx1.data(), dx2.data(), n * sizeof(float)))
          << describe(spec) << " threads=" << threads;
    }
  }
}

// Why the thread count cannot matter: a range's kernel gives every element
// the bits the whole array's call gives it, wherever the range starts and
// however short it is (SIMD body or tail, any alignment).
TEST_P(ActivationIsaTest, SubrangesGiveTheSameBits) {
  std::mt19937 rng(16);
  const int64_t n = 203;
  std::vector<float> x = uniform<float>(static_cast<size_t>(n), -8.0, 8.0, rng);
  const std::vector<float> dy = uniform<float>(static_cast<size_t>(n), -1.0, 1.0, rng);
  for (const ActivationSpec& spec : all_specs()) {
    if (lamina::activation_is_rowwise(spec.kind) || spec.kind == Activation::kLinear) continue;
    std::vector<float> y(x.size()), dx(x.size());
    kt_->activation_forward_f32(spec, x.data(), y.data(), n);
    kt_->activation_backward_f32(spec, x.data(), y.data(), dy.data(), dx.data(), n);
    for (int64_t begin = 0; begin < 40; begin += 3) {
      for (int64_t len : {1, 2, 7, 15, 16, 17, 31, 33, 64, 100, 160}) {
        GuardedFloats ys(static_cast<size_t>(len)), dxs(static_cast<size_t>(len));
        kt_->activation_forward_f32(spec, x.data() + begin, ys.data(), len);
        kt_->activation_backward_f32(spec, x.data() + begin, y.data() + begin, dy.data() + begin,
                                     dxs.data(), len);
        ASSERT_EQ(0, std::memcmp(ys.data(), y.data() + begin, sizeof(float) * len))
            << describe(spec) << " begin=" << begin << " len=" << len;
        ASSERT_EQ(0, std::memcmp(dxs.data(), dx.data() + begin, sizeof(float) * len))
            << describe(spec) << " begin=" << begin << " len=" << len;
      }
    }
  }
}

// Every length 1..130 (each SIMD width's body and tails), arrays ending
// against a guard page and, in a second pass, starting right after one:
// within tolerance of the float64 formulas, nothing touched outside.
TEST_P(ActivationIsaTest, SizesOneTo130MatchFormulasInsideTheirArrays) {
  std::mt19937 rng(17);
  for (const ActivationSpec& spec : all_specs()) {
    for (int64_t n = 1; n <= 130; ++n) {
      const size_t sz = static_cast<size_t>(n);
      std::vector<float> xv = uniform<float>(sz, -6.0, 6.0, rng);
      avoid_kinks(spec, xv);
      const std::vector<float> dyv = uniform<float>(sz, -1.0, 1.0, rng);
      const std::vector<double> y_ref = forward_ref(spec, widen(xv), 1, n);
      const std::vector<double> dx_ref = backward_ref(spec, widen(xv), widen(dyv), 1, n);
      for (lamina_test::Place place : {lamina_test::Place::kEnd, lamina_test::Place::kStart}) {
        GuardedFloats x(xv, place), dy(dyv, place), y(sz, place), dx(sz, place);
        lamina::activation_forward(spec, x.data(), y.data(), 1, n);
        lamina::activation_backward(spec, x.data(), y.data(), dy.data(), dx.data(), 1, n);
        for (size_t i = 0; i < sz; ++i) {
          ASSERT_NEAR(y[i], y_ref[i], 2e-6 * (1.0 + std::fabs(y_ref[i])))
              << describe(spec) << " n=" << n << " x=" << xv[i];
          ASSERT_NEAR(dx[i], dx_ref[i], 1e-5 * (1.0 + std::fabs(dx_ref[i])))
              << describe(spec) << " n=" << n << " x=" << xv[i];
        }
      }
    }
  }
}

TEST(Activation, SpecsFromKerasNames) {
  EXPECT_EQ(lamina::activation_spec("swish").kind, Activation::kSilu);
  EXPECT_EQ(lamina::activation_spec("hard_swish").kind, Activation::kHardSilu);
  EXPECT_STREQ(lamina::activation_name(Activation::kSilu), "silu");
  EXPECT_DOUBLE_EQ(lamina::activation_spec("leaky_relu").negative_slope, 0.2);
  EXPECT_DOUBLE_EQ(ActivationSpec(Activation::kLeakyRelu).negative_slope, 0.2);
  EXPECT_TRUE(std::isinf(lamina::activation_spec("relu").max_value));
  const ActivationSpec r =
      lamina::activation_spec("relu", {{"negative_slope", 0.1}, {"max_value", 2.0}});
  EXPECT_DOUBLE_EQ(r.negative_slope, 0.1);
  EXPECT_DOUBLE_EQ(r.max_value, 2.0);
  EXPECT_TRUE(lamina::activation_spec("gelu", {{"approximate", 1.0}}).approximate);
  EXPECT_DOUBLE_EQ(lamina::activation_spec("elu", {{"alpha", 0.5}}).alpha, 0.5);
  EXPECT_THROW(lamina::activation_spec("nope"), lamina::ValueError);
  EXPECT_THROW(lamina::activation_spec("tanh", {{"alpha", 1.0}}), lamina::ValueError);
  EXPECT_FALSE(lamina::activation_backward_needs_x(Activation::kRelu));
  EXPECT_TRUE(lamina::activation_backward_needs_x(relu_spec(0.1, kInf, 0.0)));
  EXPECT_TRUE(lamina::activation_backward_needs_x(Activation::kGelu));
  EXPECT_FALSE(lamina::activation_backward_needs_x(Activation::kSoftmax));
  // A backward that needs x refuses a null x instead of reading it.
  float y = 0.5f, dy = 1.0f, dx = 0.0f;
  EXPECT_THROW(lamina::activation_backward(Activation::kSilu, static_cast<const float*>(nullptr),
                                           &y, &dy, &dx, 1, 1),
               lamina::ValueError);
}

TEST_P(ActivationIsaTest, BiasAddAndColumnSum) {
  std::mt19937 rng(14);
  for (const auto& s : kActShapes) {
    const int64_t rows = s[0], cols = s[1] + 600;  // wide enough to split columns
    const size_t n = static_cast<size_t>(rows * cols);
    GuardedFloats y(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
    GuardedFloats bias(uniform<float>(static_cast<size_t>(cols), -1.0, 1.0, rng),
                       lamina_test::Place::kEnd);
    const std::vector<float> y0 = y.to_vector();
    lamina::bias_add(y.data(), bias.data(), rows, cols);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < cols; ++j) {
        ASSERT_EQ(y[r * cols + j], y0[r * cols + j] + bias[j]);
      }
    }
    GuardedFloats sums(static_cast<size_t>(cols));
    sums.fill(std::numeric_limits<float>::quiet_NaN());  // overwritten without accumulate
    lamina::column_sum(y.data(), rows, cols, sums.data(), false);
    std::vector<float> again(sums.begin(), sums.end());
    lamina::column_sum(y.data(), rows, cols, again.data(), true);
    for (int64_t j = 0; j < cols; ++j) {
      double want = 0.0;
      for (int64_t r = 0; r < rows; ++r) want += y[r * cols + j];
      ASSERT_NEAR(sums[j], want, 1e-5 * (1.0 + rows)) << j;
      ASSERT_NEAR(again[j], 2.0 * sums[j], 1e-5 * (1.0 + rows)) << j;
    }
    std::vector<double> yd = widen(y.to_vector()), sd(static_cast<size_t>(cols), 1.0);
    lamina::column_sum(yd.data(), rows, cols, sd.data(), true);
    lamina::bias_add(yd.data(), sd.data(), 1, cols);
    for (int64_t j = 0; j < cols; ++j) {
      double want = 1.0;
      for (int64_t r = 0; r < rows; ++r) want += y[r * cols + j];
      ASSERT_NEAR(sd[j], want, 1e-12) << j;
      ASSERT_NEAR(yd[j], static_cast<double>(y[j]) + want, 1e-12) << j;
    }
  }
}

// bias_add and column_sum at every width 1..130, against guard pages.
TEST_P(ActivationIsaTest, BiasAddAndColumnSumEveryWidth) {
  std::mt19937 rng(18);
  const int64_t rows = 5;
  for (int64_t cols = 1; cols <= 130; ++cols) {
    const size_t n = static_cast<size_t>(rows * cols);
    GuardedFloats y(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
    GuardedFloats bias(uniform<float>(static_cast<size_t>(cols), -1.0, 1.0, rng),
                       lamina_test::Place::kEnd);
    const std::vector<float> y0 = y.to_vector();
    lamina::bias_add(y.data(), bias.data(), rows, cols);
    GuardedFloats sums(static_cast<size_t>(cols));
    lamina::column_sum(y.data(), rows, cols, sums.data(), false);
    for (int64_t j = 0; j < cols; ++j) {
      float want = 0.0f;
      for (int64_t r = 0; r < rows; ++r) {
        const float v = y0[r * cols + j] + bias[j];
        ASSERT_EQ(y[r * cols + j], v) << "cols=" << cols;
        want += v;  // in row order, as column_sum sums
      }
      ASSERT_EQ(sums[j], want) << "cols=" << cols << " j=" << j;
    }
  }
}

// Softmax rows are computed alone: short rows take their exps in one flat
// pass over all rows, long rows reduce in fixed-order partials, and either way
// a row's bits equal those of the same row softmaxed on its own.
TEST_P(ActivationIsaTest, SoftmaxRowsDoNotDependOnTheirNeighbours) {
  std::mt19937 rng(20);
  for (const int64_t cols : {1, 10, 31, 32, 40, 257}) {
    const int64_t rows = 37;
    const size_t n = static_cast<size_t>(rows * cols);
    GuardedFloats x(uniform<float>(n, -8.0, 8.0, rng), lamina_test::Place::kEnd);
    GuardedFloats y(n, lamina_test::Place::kEnd),
        dy(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
    GuardedFloats dx(n, lamina_test::Place::kEnd);
    for (bool log : {false, true}) {
      const ActivationSpec spec(log ? Activation::kLogSoftmax : Activation::kSoftmax);
      lamina::activation_forward(spec, x.data(), y.data(), rows, cols);
      lamina::activation_backward(spec, x.data(), y.data(), dy.data(), dx.data(), rows, cols);
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<float> yr(static_cast<size_t>(cols)), dxr(static_cast<size_t>(cols));
        lamina::activation_forward(spec, x.data() + r * cols, yr.data(), 1, cols);
        lamina::activation_backward(spec, x.data() + r * cols, yr.data(), dy.data() + r * cols,
                                    dxr.data(), 1, cols);
        ASSERT_EQ(0, std::memcmp(yr.data(), y.data() + r * cols, sizeof(float) * cols))
            << "cols=" << cols << " row " << r << " log=" << log;
        ASSERT_EQ(0, std::memcmp(dxr.data(), dx.data() + r * cols, sizeof(float) * cols))
            << "cols=" << cols << " row " << r << " log=" << log;
      }
    }
  }
}

// A tall, narrow dy (a convolution's bias gradient) is summed in row blocks
// fixed by the shape: close to the float64 sum, equal for any thread count,
// accumulating onto what out held.
TEST_P(ActivationIsaTest, ColumnSumOfTallInput) {
  ThreadCountScope scope;
  std::mt19937 rng(19);
  for (const int64_t cols : {1, 17, 32, 64, 100, 255}) {
    const int64_t rows = 70000 / cols + 301;  // several blocks, a short last one
    const size_t n = static_cast<size_t>(rows * cols);
    GuardedFloats dy(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
    std::vector<float> sums(static_cast<size_t>(cols), 2.0f);
    lamina::set_num_threads(1);
    lamina::column_sum(dy.data(), rows, cols, sums.data(), true);
    for (int64_t j = 0; j < cols; ++j) {
      double want = 2.0;
      for (int64_t r = 0; r < rows; ++r) want += dy[r * cols + j];
      ASSERT_NEAR(sums[j], want, 1e-6 * static_cast<double>(rows)) << "cols=" << cols;
    }
    for (int threads : {2, 3}) {
      lamina::set_num_threads(threads);
      std::vector<float> again(static_cast<size_t>(cols), 2.0f);
      lamina::column_sum(dy.data(), rows, cols, again.data(), true);
      EXPECT_EQ(0, std::memcmp(sums.data(), again.data(), sums.size() * sizeof(float)))
          << "cols=" << cols << " threads=" << threads;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, ActivationIsaTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
