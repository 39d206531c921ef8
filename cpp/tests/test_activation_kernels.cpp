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

double act_ref(Activation act, double x) {
  switch (act) {
    case Activation::kLinear:
      return x;
    case Activation::kRelu:
      return x > 0 ? x : 0.0;
    case Activation::kSigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case Activation::kTanh:
      return std::tanh(x);
    case Activation::kSoftmax:
      break;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::vector<double> forward_ref(Activation act, const std::vector<double>& x, int64_t rows,
                                int64_t cols) {
  std::vector<double> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = x.data() + r * cols;
    double* yr = y.data() + r * cols;
    if (act == Activation::kSoftmax) {
      const double mx = *std::max_element(xr, xr + cols);
      double sum = 0.0;
      for (int64_t j = 0; j < cols; ++j) sum += std::exp(xr[j] - mx);
      for (int64_t j = 0; j < cols; ++j) yr[j] = std::exp(xr[j] - mx) / sum;
    } else {
      for (int64_t j = 0; j < cols; ++j) yr[j] = act_ref(act, xr[j]);
    }
  }
  return y;
}

// dx from the forward output y, written out per activation.
std::vector<double> backward_ref(Activation act, const std::vector<double>& y,
                                 const std::vector<double>& dy, int64_t rows, int64_t cols) {
  std::vector<double> dx(y.size());
  for (int64_t r = 0; r < rows; ++r) {
    double dot = 0.0;
    for (int64_t j = 0; j < cols; ++j) dot += dy[r * cols + j] * y[r * cols + j];
    for (int64_t j = 0; j < cols; ++j) {
      const size_t i = static_cast<size_t>(r * cols + j);
      switch (act) {
        case Activation::kLinear:
          dx[i] = dy[i];
          break;
        case Activation::kRelu:
          dx[i] = y[i] > 0 ? dy[i] : 0.0;
          break;
        case Activation::kSigmoid:
          dx[i] = dy[i] * y[i] * (1.0 - y[i]);
          break;
        case Activation::kTanh:
          dx[i] = dy[i] * (1.0 - y[i] * y[i]);
          break;
        case Activation::kSoftmax:
          dx[i] = y[i] * (dy[i] - dot);
          break;
      }
    }
  }
  return dx;
}

const Activation kActivations[] = {Activation::kLinear, Activation::kRelu, Activation::kSigmoid,
                                   Activation::kTanh, Activation::kSoftmax};
const int64_t kActShapes[][2] = {{1, 1}, {3, 5}, {7, 33}, {2, 130}, {300, 257}};

TEST(Activation, FloatForwardBackwardMatchFormulas) {
  std::mt19937 rng(11);
  for (Activation act : kActivations) {
    for (const auto& s : kActShapes) {
      const int64_t rows = s[0], cols = s[1];
      const size_t n = static_cast<size_t>(rows * cols);
      GuardedFloats x(uniform<float>(n, -4.0, 4.0, rng), lamina_test::Place::kEnd);
      GuardedFloats y(n), dy(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd), dx(n);
      lamina::activation_forward(act, x.data(), y.data(), rows, cols);
      const std::vector<double> y_ref = forward_ref(act, widen(x.to_vector()), rows, cols);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(y[i], y_ref[i], 1e-6 * (1.0 + std::fabs(y_ref[i])))
            << "act " << static_cast<int>(act) << " " << rows << "x" << cols << " at " << i;
      }
      lamina::activation_backward(act, y.data(), dy.data(), dx.data(), rows, cols);
      const std::vector<double> dx_ref =
          backward_ref(act, widen(y.to_vector()), widen(dy.to_vector()), rows, cols);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(dx[i], dx_ref[i], 1e-6 * (1.0 + std::fabs(dx_ref[i])))
            << "act " << static_cast<int>(act) << " " << rows << "x" << cols << " at " << i;
      }
      // In place (x == y, dx == dy) gives the same bits.
      std::vector<float> inplace = x.to_vector();
      lamina::activation_forward(act, inplace.data(), inplace.data(), rows, cols);
      EXPECT_EQ(0, std::memcmp(inplace.data(), y.data(), n * sizeof(float)));
      std::vector<float> dinplace = dy.to_vector();
      lamina::activation_backward(act, y.data(), dinplace.data(), dinplace.data(), rows, cols);
      EXPECT_EQ(0, std::memcmp(dinplace.data(), dx.data(), n * sizeof(float)));
    }
  }
}

TEST(Activation, DoubleForwardBackwardMatchFormulas) {
  std::mt19937 rng(12);
  for (Activation act : kActivations) {
    for (const auto& s : kActShapes) {
      const int64_t rows = s[0], cols = s[1];
      const size_t n = static_cast<size_t>(rows * cols);
      GuardedBuffer<double> x(uniform<double>(n, -4.0, 4.0, rng), lamina_test::Place::kEnd);
      GuardedBuffer<double> y(n), dx(n);
      GuardedBuffer<double> dy(uniform<double>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
      lamina::activation_forward(act, x.data(), y.data(), rows, cols);
      const std::vector<double> y_ref = forward_ref(act, x.to_vector(), rows, cols);
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(y[i], y_ref[i], 1e-14) << i;
      lamina::activation_backward(act, y.data(), dy.data(), dx.data(), rows, cols);
      const std::vector<double> dx_ref =
          backward_ref(act, y.to_vector(), dy.to_vector(), rows, cols);
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(dx[i], dx_ref[i], 1e-14) << i;
    }
  }
}

// The float64 backward is the gradient of sum(dy * forward(x)).
TEST(Activation, DoubleBackwardMatchesFiniteDifferences) {
  std::mt19937 rng(13);
  const int64_t rows = 3, cols = 6;
  const size_t n = rows * cols;
  for (Activation act : kActivations) {
    std::vector<double> x = uniform<double>(n, -3.0, 3.0, rng);
    for (double& v : x) {
      if (std::fabs(v) < 0.05) v += 0.1;  // keep relu away from its kink
    }
    const std::vector<double> dy = uniform<double>(n, -1.0, 1.0, rng);
    std::vector<double> y(n), dx(n), yp(n), ym(n);
    lamina::activation_forward(act, x.data(), y.data(), rows, cols);
    lamina::activation_backward(act, y.data(), dy.data(), dx.data(), rows, cols);
    const double h = 1e-6;
    for (size_t i = 0; i < n; ++i) {
      std::vector<double> xp = x, xm = x;
      xp[i] += h;
      xm[i] -= h;
      lamina::activation_forward(act, xp.data(), yp.data(), rows, cols);
      lamina::activation_forward(act, xm.data(), ym.data(), rows, cols);
      double fd = 0.0;
      for (size_t j = 0; j < n; ++j) fd += dy[j] * (yp[j] - ym[j]) / (2 * h);
      EXPECT_NEAR(dx[i], fd, 1e-8) << "act " << static_cast<int>(act) << " at " << i;
    }
  }
}

TEST(Activation, BiasAddAndColumnSum) {
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

}  // namespace
