// Loss kernels: values against formulas, gradients against finite differences, label checks.
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

}  // namespace
