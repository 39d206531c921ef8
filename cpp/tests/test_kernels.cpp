// Element-wise kernels: activations, losses (values against the Keras
// formulas, gradients against central finite differences in float64), label
// checks, accuracy sums, dropout and the per-ISA optimizer updates.
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

namespace {

using lamina::Activation;
using lamina::Isa;
using lamina_test::GuardedBuffer;
using lamina_test::GuardedFloats;

// Restores the thread count when a test that changes it ends (or fails).
class ThreadCountScope {
 public:
  ThreadCountScope() : saved_(lamina::num_threads()) {}
  ~ThreadCountScope() { lamina::set_num_threads(saved_); }
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int saved_;
};

template <typename T>
std::vector<T> uniform(size_t n, double lo, double hi, std::mt19937& rng) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }

// ---------------------------------------------------------------------------
// CPU detection

// check_cpp.sh runs this binary under `qemu-x86_64 -cpu Haswell` with
// LAMINA_EXPECT_ISA=avx2, proving detection picks AVX2 there (so the AVX-512
// paths are really excluded from what that run exercises).
TEST(Cpu, ReportsExpectedIsa) {
  const lamina::CpuInfo info = lamina::detect_cpu();
  std::printf("[   INFO   ] cpu best=%s active=%s avx2_fma=%d avx512=%d cores=%d threads=%d\n",
              lamina::isa_name(info.best), lamina::isa_name(info.active), info.has_avx2_fma,
              info.has_avx512, info.logical_cores, lamina::num_threads());
  EXPECT_LE(static_cast<int>(info.active), static_cast<int>(info.best));
  EXPECT_EQ(lamina::active_kernels().isa, info.active);
  if (const char* want = std::getenv("LAMINA_EXPECT_ISA")) {
    EXPECT_STREQ(lamina::isa_name(info.best), want);
    EXPECT_STREQ(lamina::isa_name(lamina::active_kernels().isa), want);
  }
  // Every ISA up to the best one has a table; the ones above it refuse.
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (static_cast<int>(isa) <= static_cast<int>(info.best)) {
      EXPECT_EQ(lamina::kernels_for(isa).isa, isa);
    } else {
      EXPECT_THROW(lamina::kernels_for(isa), lamina::ValueError);
    }
  }
}

TEST(Cpu, ParseIsa) {
  EXPECT_EQ(lamina::parse_isa("scalar"), Isa::kScalar);
  EXPECT_EQ(lamina::parse_isa("avx2"), Isa::kAvx2);
  EXPECT_EQ(lamina::parse_isa("avx512"), Isa::kAvx512);
  EXPECT_THROW(lamina::parse_isa("sse4"), lamina::ValueError);
}

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

// ---------------------------------------------------------------------------
// Losses

constexpr double kEps = 1e-7;  // keras.backend.epsilon()

double clipd(double p) { return std::min(std::max(p, kEps), 1.0 - kEps); }
double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// One loss kernel: its float and float64 entry points and its formula.
struct LossCase {
  const char* name;
  bool sparse;  // y holds class indices
  bool probs;   // the input is probabilities, not logits
  std::function<double(const double*, const double*, const double*, int64_t, int64_t, double*,
                       double)>
      run64;
  std::function<double(const float*, const float*, const float*, int64_t, int64_t, float*, float)>
      run32;
  // Per-row loss from the formula Keras 3 (TensorFlow backend) uses.
  std::function<double(const double* x, const double* y, int64_t cols)> row_loss;
};

std::vector<LossCase> loss_cases() {
  const float eps32 = static_cast<float>(kEps);
  std::vector<LossCase> cases;
  cases.push_back(
      {"sparse_softmax_xent", true, false,
       [](const double* x, const double* y, const double* sw, int64_t r, int64_t c, double* g,
          double s) { return lamina::sparse_softmax_xent(x, y, sw, r, c, g, s); },
       [](const float* x, const float* y, const float* sw, int64_t r, int64_t c, float* g,
          float s) { return lamina::sparse_softmax_xent(x, y, sw, r, c, g, s); },
       [](const double* z, const double* y, int64_t cols) {
         double sum = 0.0;
         for (int64_t j = 0; j < cols; ++j) sum += std::exp(z[j]);
         return -std::log(std::exp(z[static_cast<int64_t>(y[0])]) / sum);
       }});
  cases.push_back({"softmax_xent", false, false,
                   [](const double* x, const double* y, const double* sw, int64_t r, int64_t c,
                      double* g, double s) { return lamina::softmax_xent(x, y, sw, r, c, g, s); },
                   [](const float* x, const float* y, const float* sw, int64_t r, int64_t c,
                      float* g, float s) { return lamina::softmax_xent(x, y, sw, r, c, g, s); },
                   [](const double* z, const double* t, int64_t cols) {
                     double sum = 0.0, loss = 0.0;
                     for (int64_t j = 0; j < cols; ++j) sum += std::exp(z[j]);
                     for (int64_t j = 0; j < cols; ++j)
                       loss -= t[j] * std::log(std::exp(z[j]) / sum);
                     return loss;
                   }});
  cases.push_back(
      {"sparse_xent_probs", true, true,
       [](const double* x, const double* y, const double* sw, int64_t r, int64_t c, double* g,
          double s) { return lamina::sparse_xent_probs(x, y, sw, r, c, g, s, kEps); },
       [eps32](const float* x, const float* y, const float* sw, int64_t r, int64_t c, float* g,
               float s) { return lamina::sparse_xent_probs(x, y, sw, r, c, g, s, eps32); },
       [](const double* p, const double* y, int64_t cols) {
         // TF: sparse softmax crossentropy on log(clip(p)).
         double sum = 0.0;
         for (int64_t j = 0; j < cols; ++j) sum += clipd(p[j]);
         return -std::log(clipd(p[static_cast<int64_t>(y[0])]) / sum);
       }});
  cases.push_back(
      {"xent_probs", false, true,
       [](const double* x, const double* y, const double* sw, int64_t r, int64_t c, double* g,
          double s) { return lamina::xent_probs(x, y, sw, r, c, g, s, kEps); },
       [eps32](const float* x, const float* y, const float* sw, int64_t r, int64_t c, float* g,
               float s) { return lamina::xent_probs(x, y, sw, r, c, g, s, eps32); },
       [](const double* p, const double* t, int64_t cols) {
         double sum = 0.0, loss = 0.0;
         for (int64_t j = 0; j < cols; ++j) sum += p[j];
         for (int64_t j = 0; j < cols; ++j) loss -= t[j] * std::log(clipd(p[j] / sum));
         return loss;
       }});
  cases.push_back({"sigmoid_bxent", false, false,
                   [](const double* x, const double* y, const double* sw, int64_t r, int64_t c,
                      double* g, double s) { return lamina::sigmoid_bxent(x, y, sw, r, c, g, s); },
                   [](const float* x, const float* y, const float* sw, int64_t r, int64_t c,
                      float* g, float s) { return lamina::sigmoid_bxent(x, y, sw, r, c, g, s); },
                   [](const double* z, const double* t, int64_t cols) {
                     double loss = 0.0;
                     for (int64_t j = 0; j < cols; ++j) {
                       loss -= t[j] * std::log(sigmoid(z[j])) +
                               (1 - t[j]) * std::log(1 - sigmoid(z[j]));
                     }
                     return loss / cols;
                   }});
  cases.push_back(
      {"bxent_probs", false, true,
       [](const double* x, const double* y, const double* sw, int64_t r, int64_t c, double* g,
          double s) { return lamina::bxent_probs(x, y, sw, r, c, g, s, kEps); },
       [eps32](const float* x, const float* y, const float* sw, int64_t r, int64_t c, float* g,
               float s) { return lamina::bxent_probs(x, y, sw, r, c, g, s, eps32); },
       [](const double* p, const double* t, int64_t cols) {
         double loss = 0.0;
         for (int64_t j = 0; j < cols; ++j) {
           const double c = clipd(p[j]);
           loss -= t[j] * std::log(c + kEps) + (1 - t[j]) * std::log(1 - c + kEps);
         }
         return loss / cols;
       }});
  cases.push_back(
      {"mean_squared_error", false, false,
       [](const double* x, const double* y, const double* sw, int64_t r, int64_t c, double* g,
          double s) { return lamina::mean_squared_error(x, y, sw, r, c, g, s); },
       [](const float* x, const float* y, const float* sw, int64_t r, int64_t c, float* g,
          float s) { return lamina::mean_squared_error(x, y, sw, r, c, g, s); },
       [](const double* p, const double* t, int64_t cols) {
         double loss = 0.0;
         for (int64_t j = 0; j < cols; ++j) loss += (p[j] - t[j]) * (p[j] - t[j]);
         return loss / cols;
       }});
  return cases;
}

// Inputs for one case, generated in float so the float and float64 kernels see
// the same numbers. Probabilities stay in [0.05, 0.95], far from the clip
// bounds, so the finite differences see the smooth part of the loss.
struct LossData {
  std::vector<float> x, y, sw;
};

LossData make_loss_data(const LossCase& lc, int64_t rows, int64_t cols, std::mt19937& rng) {
  LossData d;
  const size_t n = static_cast<size_t>(rows * cols);
  d.x = lc.probs ? uniform<float>(n, 0.05, 0.95, rng) : uniform<float>(n, -3.0, 3.0, rng);
  if (lc.sparse) {
    std::uniform_int_distribution<int64_t> label(0, cols - 1);
    d.y.resize(static_cast<size_t>(rows));
    for (float& v : d.y) v = static_cast<float>(label(rng));
  } else {
    // Soft, unnormalised targets: the kernels must not assume one-hot rows.
    d.y = uniform<float>(n, 0.0, 1.0, rng);
  }
  d.sw = uniform<float>(static_cast<size_t>(rows), 0.5, 2.0, rng);
  return d;
}

TEST(Loss, ValuesMatchFormulas) {
  std::mt19937 rng(21);
  for (const LossCase& lc : loss_cases()) {
    for (int64_t cols : {1, 2, 5, 17}) {
      if (lc.sparse && cols < 2) continue;
      const int64_t rows = 6;
      const LossData d = make_loss_data(lc, rows, cols, rng);
      const std::vector<double> x = widen(d.x), y = widen(d.y), sw = widen(d.sw);
      const int64_t label_cols = lc.sparse ? 1 : cols;
      double want = 0.0, want_weighted = 0.0;
      for (int64_t r = 0; r < rows; ++r) {
        const double l = lc.row_loss(x.data() + r * cols, y.data() + r * label_cols, cols);
        want += l;
        want_weighted += sw[static_cast<size_t>(r)] * l;
      }
      const double tol = 1e-12 * (1.0 + std::fabs(want_weighted) + std::fabs(want));
      EXPECT_NEAR(lc.run64(x.data(), y.data(), nullptr, rows, cols, nullptr, 1.0), want, tol)
          << lc.name << " cols=" << cols;
      EXPECT_NEAR(lc.run64(x.data(), y.data(), sw.data(), rows, cols, nullptr, 1.0), want_weighted,
                  tol)
          << lc.name << " cols=" << cols;
      // The float kernels accumulate in double: close to the float64 value.
      GuardedFloats xf(d.x, lamina_test::Place::kEnd), yf(d.y, lamina_test::Place::kEnd);
      GuardedFloats swf(d.sw, lamina_test::Place::kEnd), gf(d.x.size());
      EXPECT_NEAR(lc.run32(xf.data(), yf.data(), swf.data(), rows, cols, gf.data(), 1.0f),
                  want_weighted, 1e-5 * (1.0 + std::fabs(want_weighted)))
          << lc.name << " cols=" << cols;
    }
  }
}

TEST(Loss, GradientsMatchFiniteDifferences) {
  std::mt19937 rng(22);
  for (const LossCase& lc : loss_cases()) {
    for (int64_t cols : {1, 3, 7}) {
      if (lc.sparse && cols < 2) continue;
      for (bool weighted : {false, true}) {
        const int64_t rows = 4;
        const LossData d = make_loss_data(lc, rows, cols, rng);
        std::vector<double> x = widen(d.x);
        const std::vector<double> y = widen(d.y), sw = widen(d.sw);
        const double* swp = weighted ? sw.data() : nullptr;
        const double scale = 0.37;
        std::vector<double> grad(x.size());
        lc.run64(x.data(), y.data(), swp, rows, cols, grad.data(), scale);
        const double h = 1e-6;
        for (size_t i = 0; i < x.size(); ++i) {
          const double x0 = x[i];
          x[i] = x0 + h;
          const double up = lc.run64(x.data(), y.data(), swp, rows, cols, nullptr, scale);
          x[i] = x0 - h;
          const double down = lc.run64(x.data(), y.data(), swp, rows, cols, nullptr, scale);
          x[i] = x0;
          const double fd = scale * (up - down) / (2 * h);
          EXPECT_NEAR(grad[i], fd, 1e-7 + 1e-6 * std::fabs(fd))
              << lc.name << " cols=" << cols << " weighted=" << weighted << " element " << i;
        }
        // The float gradient agrees with the float64 one.
        GuardedFloats xf(d.x, lamina_test::Place::kEnd), yf(d.y, lamina_test::Place::kEnd);
        GuardedFloats swf(d.sw, lamina_test::Place::kEnd), gf(d.x.size());
        lc.run32(xf.data(), yf.data(), weighted ? swf.data() : nullptr, rows, cols, gf.data(),
                 static_cast<float>(scale));
        for (size_t i = 0; i < x.size(); ++i) {
          EXPECT_NEAR(gf[i], grad[i], 1e-5 * (1.0 + std::fabs(grad[i])))
              << lc.name << " float grad at " << i;
        }
      }
    }
  }
}

// Probabilities at 0 or 1 are clipped: the loss stays finite and the clipped
// entries get no gradient (clip's gradient is zero outside its range).
TEST(Loss, ClippedProbabilitiesStayFinite) {
  const double p[] = {0.0, 0.6, 0.4, 1.0, 0.0, 0.0};  // two rows of three
  const double labels[] = {0, 1};
  const double onehot[] = {1, 0, 0, 0, 1, 0};
  double g[6];
  const double sparse = lamina::sparse_xent_probs(p, labels, nullptr, 2, 3, g, 1.0, kEps);
  EXPECT_TRUE(std::isfinite(sparse));
  EXPECT_NEAR(sparse, -std::log(kEps / (kEps + 0.6 + 0.4)) - std::log(kEps / (1 - kEps + 2 * kEps)),
              1e-9);
  EXPECT_EQ(g[0], 0.0);
  EXPECT_EQ(g[3], 0.0);
  EXPECT_EQ(g[4], 0.0);
  // Every target sits on a clipped q (0 or 1 before clipping): -log(eps) per
  // row, and no gradient at all.
  const double dense = lamina::xent_probs(p, onehot, nullptr, 2, 3, g, 1.0, kEps);
  EXPECT_NEAR(dense, -2 * std::log(kEps), 1e-9);
  for (double gi : g) EXPECT_EQ(gi, 0.0);
  const double binary = lamina::bxent_probs(p, onehot, nullptr, 2, 3, g, 1.0, kEps);
  EXPECT_TRUE(std::isfinite(binary));
  EXPECT_EQ(g[0], 0.0);
  EXPECT_EQ(g[3], 0.0);
  EXPECT_EQ(g[5], 0.0);
  const float pf[] = {0.0f, 1.0f};
  const float yf[] = {1.0f, 0.0f};
  float gf[2];
  EXPECT_TRUE(std::isfinite(lamina::bxent_probs(pf, yf, nullptr, 1, 2, gf, 1.0f, 1e-7f)));
}

// Extreme logits must not overflow the log-sum-exp.
TEST(Loss, LargeLogitsAreStable) {
  const float z[] = {1000.0f, -1000.0f, 0.0f};
  const float label[] = {0.0f};
  float g[3];
  EXPECT_NEAR(lamina::sparse_softmax_xent(z, label, nullptr, 1, 3, g, 1.0f), 0.0, 1e-6);
  EXPECT_NEAR(g[0], 0.0f, 1e-6f);
  const float t[] = {0.0f, 1.0f, 0.0f};
  EXPECT_NEAR(lamina::softmax_xent(z, t, nullptr, 1, 3, g, 1.0f), 2000.0, 1e-3);
  EXPECT_NEAR(g[1], -1.0f, 1e-6f);
  const float zb[] = {500.0f, -500.0f};
  const float tb[] = {1.0f, 0.0f};
  EXPECT_NEAR(lamina::sigmoid_bxent(zb, tb, nullptr, 1, 2, g, 1.0f), 0.0, 1e-6);
}

// ---------------------------------------------------------------------------
// Sparse label checks

// True when `token` occurs in `text` as a whole number or word: not inside a
// longer one ("2" does not match "12" or "2.5"; a sentence's full stop is fine).
bool contains_token(const std::string& text, const std::string& token) {
  auto part_of_number = [&](size_t i) {
    return std::isalnum(static_cast<unsigned char>(text[i])) != 0 || text[i] == '-';
  };
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + 1)) {
    const size_t end = at + token.size();
    const bool left_ok = at == 0 || (!part_of_number(at - 1) && text[at - 1] != '.');
    bool right_ok = end == text.size() || !part_of_number(end);
    if (right_ok && end < text.size() && text[end] == '.') {
      right_ok = end + 1 == text.size() || !std::isdigit(static_cast<unsigned char>(text[end + 1]));
    }
    if (left_ok && right_ok) return true;
  }
  return false;
}

template <typename T>
void expect_label_error(T bad, const std::string& value_text) {
  const T labels[] = {0, 2, bad, 7};  // position 3 is also bad: the first one is named
  try {
    lamina::check_sparse_labels(labels, 4, 3);
    ADD_FAILURE() << "no error for label " << value_text;
  } catch (const lamina::ValueError& e) {
    std::string msg = e.what();
    for (char& ch : msg) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_TRUE(contains_token(msg, value_text)) << "value " << value_text << " not named: " << msg;
    EXPECT_TRUE(contains_token(msg, "2")) << "position not named: " << msg;
    EXPECT_FALSE(contains_token(msg, "7")) << "named a later label: " << msg;
  }
}

TEST(SparseLabels, RejectsInvalidLabelsNamingValueAndPosition) {
  expect_label_error<float>(std::numeric_limits<float>::quiet_NaN(), "nan");
  expect_label_error<float>(1.5f, "1.5");
  expect_label_error<float>(-1.0f, "-1");
  expect_label_error<float>(3.0f, "3");
  expect_label_error<double>(std::numeric_limits<double>::quiet_NaN(), "nan");
  expect_label_error<double>(1.5, "1.5");
  expect_label_error<double>(-1.0, "-1");
  expect_label_error<double>(3.0, "3");
}

TEST(SparseLabels, AcceptsValidLabels) {
  const float f[] = {0, 1, 2, 2, 0};
  const double d[] = {2, 1, 0};
  EXPECT_NO_THROW(lamina::check_sparse_labels(f, 5, 3));
  EXPECT_NO_THROW(lamina::check_sparse_labels(d, 3, 3));
  EXPECT_NO_THROW(lamina::check_sparse_labels(f, 0, 3));
}

// ---------------------------------------------------------------------------
// Accuracy sums

TEST(Accuracy, SparseCategorical) {
  // Row 2 ties between classes 0 and 1: argmax takes the first.
  const float pred[] = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f, 0.4f, 0.4f, 0.2f, 0.0f, 0.1f, 0.9f};
  const float labels[] = {1, 2, 0, 2};
  const float sw[] = {0.5f, 3.0f, 2.0f, 0.25f};
  EXPECT_DOUBLE_EQ(lamina::sparse_categorical_accuracy_sum(pred, labels, nullptr, 4, 3), 3.0);
  EXPECT_DOUBLE_EQ(lamina::sparse_categorical_accuracy_sum(pred, labels, sw, 4, 3), 2.75);
  const float tie_second[] = {1};
  EXPECT_DOUBLE_EQ(lamina::sparse_categorical_accuracy_sum(pred + 6, tie_second, nullptr, 1, 3),
                   0.0);
}

TEST(Accuracy, Categorical) {
  const float pred[] = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f, 0.2f, 0.3f, 0.5f};
  const float y[] = {0, 1, 0, 0, 0, 1, 0, 0, 1};
  const float sw[] = {2.0f, 5.0f, 0.5f};
  EXPECT_DOUBLE_EQ(lamina::categorical_accuracy_sum(pred, y, nullptr, 3, 3), 2.0);
  EXPECT_DOUBLE_EQ(lamina::categorical_accuracy_sum(pred, y, sw, 3, 3), 2.5);
}

TEST(Accuracy, Binary) {
  const float pred[] = {0.9f, 0.2f, 0.6f, 0.4f, 0.5f, 0.51f};
  const float y[] = {1, 0, 0, 0, 1, 1};
  const float sw[] = {1.0f, 4.0f};
  // Row 0: 2 of 3 right; row 1: 0.4 -> 0 right, 0.5 -> 0 (not > 0.5) wrong, 0.51 right.
  EXPECT_DOUBLE_EQ(lamina::binary_accuracy_sum(pred, y, nullptr, 2, 3, 0.5f), 4.0 / 3.0);
  EXPECT_DOUBLE_EQ(lamina::binary_accuracy_sum(pred, y, sw, 2, 3, 0.5f), 2.0 / 3.0 + 4 * 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(lamina::binary_accuracy_sum(pred, y, nullptr, 2, 3, 0.55f), 1.0);
}

// ---------------------------------------------------------------------------
// Dropout

TEST(Dropout, KeepsOneMinusRateAndScales) {
  const int64_t n = 200003;  // odd, and large enough to split across threads
  std::mt19937 rng(31);
  GuardedFloats x(uniform<float>(n, 0.5, 1.5, rng), lamina_test::Place::kEnd);
  for (float rate : {0.1f, 0.3f, 0.5f, 0.8f}) {
    GuardedFloats y(n);
    lamina::dropout_forward(x.data(), y.data(), n, rate, 42, 7);
    const float scale = 1.0f / (1.0f - rate);
    int64_t kept = 0;
    double sum_x = 0.0, sum_y = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const bool keep = lamina::counter_uniform(42, 7, static_cast<uint64_t>(i)) >= rate;
      if (y[i] != 0.0f) {
        ++kept;
        ASSERT_TRUE(keep) << i;
        ASSERT_FLOAT_EQ(y[i], x[i] * scale) << i;
      } else {
        ASSERT_FALSE(keep) << i;
      }
      sum_x += x[i];
      sum_y += y[i];
    }
    const double frac = static_cast<double>(kept) / static_cast<double>(n);
    // sigma of the kept fraction is sqrt(rate (1 - rate) / n) < 0.0012.
    EXPECT_NEAR(frac, 1.0 - rate, 0.006) << "rate " << rate;
    EXPECT_NEAR(sum_y / sum_x, 1.0, 0.02) << "inverted dropout keeps the mean, rate " << rate;
  }
}

TEST(Dropout, BackwardUsesTheForwardMask) {
  const int64_t n = 70001;
  std::mt19937 rng(32);
  GuardedFloats x(uniform<float>(n, 0.5, 1.5, rng), lamina_test::Place::kEnd);
  GuardedFloats dy(uniform<float>(n, 0.5, 1.5, rng), lamina_test::Place::kEnd);
  GuardedFloats y(n), dx(n), y_other_step(n);
  const float rate = 0.4f, scale = 1.0f / (1.0f - rate);
  lamina::dropout_forward(x.data(), y.data(), n, rate, 9, 3);
  lamina::dropout_backward(dy.data(), dx.data(), n, rate, 9, 3);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(y[i] != 0.0f, dx[i] != 0.0f) << i;
    if (dx[i] != 0.0f) {
      ASSERT_FLOAT_EQ(dx[i], dy[i] * scale);
    }
  }
  // Another step draws another mask: agreement near rate^2 + (1-rate)^2 = 0.52.
  lamina::dropout_forward(x.data(), y_other_step.data(), n, rate, 9, 4);
  int64_t same = 0;
  for (int64_t i = 0; i < n; ++i) same += (y[i] != 0.0f) == (y_other_step[i] != 0.0f) ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(same) / n, 0.52, 0.02);
}

TEST(Dropout, ZeroRateIsIdentity) {
  const float x[] = {1.0f, -2.0f, 3.5f};
  float y[3];
  lamina::dropout_forward(x, y, 3, 0.0f, 1, 1);
  EXPECT_EQ(0, std::memcmp(x, y, sizeof(x)));
}

TEST(Dropout, SameResultsForOneAndTwoThreads) {
  ThreadCountScope restore;
  const int64_t n = 300007;
  std::mt19937 rng(33);
  GuardedFloats x(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
  std::vector<std::vector<float>> fwd, bwd;
  for (int threads : {1, 2}) {
    lamina::set_num_threads(threads);
    GuardedFloats y(n), dx(n);
    lamina::dropout_forward(x.data(), y.data(), n, 0.25f, 1234, 99);
    lamina::dropout_backward(x.data(), dx.data(), n, 0.25f, 1234, 99);
    fwd.push_back(y.to_vector());
    bwd.push_back(dx.to_vector());
  }
  EXPECT_EQ(0, std::memcmp(fwd[0].data(), fwd[1].data(), n * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(bwd[0].data(), bwd[1].data(), n * sizeof(float)));
}

TEST(Dropout, CounterUniformIsInUnitInterval) {
  double sum = 0.0;
  for (uint64_t i = 0; i < 10000; ++i) {
    const float u = lamina::counter_uniform(5, 6, i);
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
  EXPECT_EQ(lamina::counter_uniform(5, 6, 17), lamina::counter_uniform(5, 6, 17));
  EXPECT_NE(lamina::counter_uniform(5, 6, 17), lamina::counter_uniform(5, 7, 17));
}

// ---------------------------------------------------------------------------
// Optimizer updates, per ISA, against Keras 3's formulas in float64.

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) {
  return lamina::isa_name(info.param);
}

class OptimizerTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    try {
      kt_ = &lamina::kernels_for(GetParam());
    } catch (const lamina::ValueError& e) {
      GTEST_SKIP() << e.what();
    }
  }
  const lamina::KernelTable* kt_ = nullptr;
};

TEST_P(OptimizerTest, AdamMatchesKerasFormula) {
  std::mt19937 rng(41);
  const double lr = 0.003, b1 = 0.9, b2 = 0.999, eps = 1e-7;
  for (int64_t n = 1; n <= 70; ++n) {
    const size_t sz = static_cast<size_t>(n);
    GuardedFloats w(uniform<float>(sz, -1.0, 1.0, rng), lamina_test::Place::kEnd);
    GuardedFloats m(uniform<float>(sz, -0.1, 0.1, rng), lamina_test::Place::kEnd);
    GuardedFloats v(uniform<float>(sz, 1e-3, 0.1, rng), lamina_test::Place::kEnd);
    std::vector<double> wd = widen(w.to_vector()), md = widen(m.to_vector()),
                        vd = widen(v.to_vector());
    for (int t = 1; t <= 3; ++t) {
      GuardedFloats g(uniform<float>(sz, -1.0, 1.0, rng), lamina_test::Place::kEnd);
      const double alpha = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
      for (size_t i = 0; i < sz; ++i) {
        md[i] += (g[i] - md[i]) * (1 - b1);
        vd[i] += (static_cast<double>(g[i]) * g[i] - vd[i]) * (1 - b2);
        wd[i] -= alpha * md[i] / (std::sqrt(vd[i]) + eps);
      }
      kt_->adam_update(w.data(), g.data(), m.data(), v.data(), n, static_cast<float>(alpha),
                       static_cast<float>(b1), static_cast<float>(b2), static_cast<float>(eps));
      for (size_t i = 0; i < sz; ++i) {
        ASSERT_NEAR(m[i], md[i], 1e-6 * (1 + std::fabs(md[i]))) << "n=" << n << " i=" << i;
        ASSERT_NEAR(v[i], vd[i], 1e-6 * (1 + std::fabs(vd[i]))) << "n=" << n << " i=" << i;
        ASSERT_NEAR(w[i], wd[i], 2e-6) << "n=" << n << " i=" << i << " t=" << t;
      }
    }
  }
}

TEST_P(OptimizerTest, SgdMatchesKerasFormula) {
  std::mt19937 rng(42);
  const double lr = 0.05;
  for (int mode = 0; mode < 3; ++mode) {  // plain, momentum, Nesterov
    const double mu = mode == 0 ? 0.0 : 0.9;
    const bool nesterov = mode == 2;
    for (int64_t n = 1; n <= 70; ++n) {
      const size_t sz = static_cast<size_t>(n);
      GuardedFloats w(uniform<float>(sz, -1.0, 1.0, rng), lamina_test::Place::kEnd);
      GuardedFloats m(uniform<float>(sz, -0.1, 0.1, rng), lamina_test::Place::kEnd);
      std::vector<double> wd = widen(w.to_vector()), md = widen(m.to_vector());
      for (int t = 1; t <= 3; ++t) {
        GuardedFloats g(uniform<float>(sz, -1.0, 1.0, rng), lamina_test::Place::kEnd);
        for (size_t i = 0; i < sz; ++i) {
          if (mode == 0) {
            wd[i] -= lr * g[i];
            continue;
          }
          md[i] = mu * md[i] - lr * g[i];
          wd[i] += nesterov ? mu * md[i] - lr * g[i] : md[i];
        }
        // Without momentum the slot is unused and may be null.
        kt_->sgd_update(w.data(), g.data(), mode == 0 ? nullptr : m.data(), n,
                        static_cast<float>(lr), static_cast<float>(mu), nesterov);
        for (size_t i = 0; i < sz; ++i) {
          ASSERT_NEAR(w[i], wd[i], 1e-6) << "mode=" << mode << " n=" << n << " i=" << i;
          ASSERT_NEAR(m[i], md[i], 1e-6) << "mode=" << mode << " n=" << n << " i=" << i;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, OptimizerTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
