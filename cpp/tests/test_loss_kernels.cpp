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
#include "lamina/engine/loss.h"
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
// Losses, run through the registry (the engine's entry point)

constexpr double kEps = 1e-7;  // keras.backend.epsilon()

// One registered loss with parameters, and the inputs it expects.
struct LossCase {
  const char* name;
  lamina::Params params;
  enum Kind { kValues, kPositive, kProbs, kLogits } kind;
  enum Labels { kReal, kBinary, kOneHot, kSparse } labels;
};

std::vector<LossCase> loss_cases() {
  using L = LossCase;
  return {
      {"mean_squared_error", {}, L::kValues, L::kReal},
      {"mean_absolute_error", {}, L::kValues, L::kReal},
      {"mean_absolute_percentage_error", {}, L::kValues, L::kReal},
      {"mean_squared_logarithmic_error", {}, L::kPositive, L::kReal},
      {"huber", {{"delta", 0.7}}, L::kValues, L::kReal},
      {"log_cosh", {}, L::kValues, L::kReal},
      {"poisson", {}, L::kPositive, L::kReal},
      {"kl_divergence", {}, L::kProbs, L::kOneHot},
      {"hinge", {}, L::kValues, L::kBinary},
      {"squared_hinge", {}, L::kValues, L::kBinary},
      {"categorical_hinge", {}, L::kValues, L::kOneHot},
      {"cosine_similarity", {}, L::kValues, L::kReal},
      {"binary_crossentropy", {{"label_smoothing", 0.1}}, L::kProbs, L::kBinary},
      {"binary_crossentropy", {{"from_logits", 1}}, L::kLogits, L::kBinary},
      {"binary_focal_crossentropy", {{"apply_class_balancing", 1}}, L::kProbs, L::kBinary},
      {"binary_focal_crossentropy", {{"from_logits", 1}, {"gamma", 1.5}}, L::kLogits, L::kBinary},
      {"categorical_crossentropy", {{"label_smoothing", 0.2}}, L::kProbs, L::kOneHot},
      {"categorical_crossentropy", {{"from_logits", 1}}, L::kLogits, L::kOneHot},
      {"categorical_focal_crossentropy", {}, L::kProbs, L::kOneHot},
      {"categorical_focal_crossentropy", {{"from_logits", 1}}, L::kLogits, L::kOneHot},
      {"sparse_categorical_crossentropy", {}, L::kProbs, L::kSparse},
      {"sparse_categorical_crossentropy", {{"from_logits", 1}}, L::kLogits, L::kSparse},
      {"sparse_categorical_crossentropy",
       {{"from_logits", 1}, {"ignore_class", 1}},
       L::kLogits,
       L::kSparse},
  };
}

// Inputs in float so the float and float64 paths see the same numbers, away
// from clip bounds and kinks so finite differences see the smooth part.
struct LossData {
  std::vector<float> x, y, sw;
};

LossData make_loss_data(const LossCase& lc, int64_t rows, int64_t cols, std::mt19937& rng) {
  LossData d;
  const size_t n = static_cast<size_t>(rows * cols);
  switch (lc.kind) {
    case LossCase::kValues:
    case LossCase::kLogits:
      d.x = uniform<float>(n, -3.0, 3.0, rng);
      break;
    case LossCase::kPositive:
      d.x = uniform<float>(n, 0.1, 3.0, rng);
      break;
    case LossCase::kProbs:
      d.x = uniform<float>(n, 0.05, 0.95, rng);
      break;
  }
  std::uniform_int_distribution<int64_t> label(0, cols - 1);
  if (lc.labels == LossCase::kSparse) {
    d.y.resize(static_cast<size_t>(rows));
    for (float& v : d.y) v = static_cast<float>(label(rng));
  } else if (lc.labels == LossCase::kOneHot) {
    d.y.assign(n, 0.0f);
    for (int64_t r = 0; r < rows; ++r) d.y[static_cast<size_t>(r * cols + label(rng))] = 1.0f;
  } else if (lc.labels == LossCase::kBinary) {
    std::bernoulli_distribution coin(0.5);
    d.y.resize(n);
    for (float& v : d.y) v = coin(rng) ? 1.0f : 0.0f;
  } else {
    d.y = uniform<float>(n, 0.5, 2.0, rng);
  }
  // Keep value-type inputs off the |p - t| kinks.
  if (lc.kind == LossCase::kValues && lc.labels == LossCase::kReal) {
    for (size_t i = 0; i < n; ++i) {
      if (std::fabs(d.x[i] - d.y[i]) < 0.05f) d.x[i] += 0.3f;
    }
  }
  d.sw = uniform<float>(static_cast<size_t>(rows), 0.5, 2.0, rng);
  return d;
}

template <typename T>
double run(const lamina::NativeLoss& loss, const T* x, const T* y, const T* sw, int64_t rows,
           int64_t cols, T* grad, T scale, T* row_loss = nullptr) {
  lamina::LossArgs<T> a;
  a.pred = x;
  a.y = y;
  a.weight = sw;
  a.rows = rows;
  a.cols = cols;
  a.scale = scale;
  a.grad = grad;
  a.row_loss = row_loss;
  return loss.compute_rows(a, false);
}

TEST(Loss, GradientsMatchFiniteDifferencesAndFloatMatchesDouble) {
  std::mt19937 rng(22);
  for (const LossCase& lc : loss_cases()) {
    const auto loss = lamina::make_loss(lc.name, lc.params);
    for (int64_t cols : {2, 3, 7}) {
      for (bool weighted : {false, true}) {
        const int64_t rows = 4;
        const LossData d = make_loss_data(lc, rows, cols, rng);
        std::vector<double> x = widen(d.x);
        const std::vector<double> y = widen(d.y), sw = widen(d.sw);
        const double* swp = weighted ? sw.data() : nullptr;
        const double scale = 0.37;
        std::vector<double> grad(x.size()), rows_out(static_cast<size_t>(rows));
        const double total =
            run(*loss, x.data(), y.data(), swp, rows, cols, grad.data(), scale, rows_out.data());
        double weighted_sum = 0.0;
        for (int64_t r = 0; r < rows; ++r) {
          weighted_sum += (weighted ? sw[static_cast<size_t>(r)] : 1.0) * rows_out[r];
        }
        EXPECT_NEAR(total, weighted_sum, 1e-12 * (1.0 + std::fabs(total))) << lc.name;
        const double h = 1e-6;
        for (size_t i = 0; i < x.size(); ++i) {
          const double x0 = x[i];
          x[i] = x0 + h;
          const double up = run<double>(*loss, x.data(), y.data(), swp, rows, cols, nullptr, 1.0);
          x[i] = x0 - h;
          const double down = run<double>(*loss, x.data(), y.data(), swp, rows, cols, nullptr, 1.0);
          x[i] = x0;
          const double fd = scale * (up - down) / (2 * h);
          EXPECT_NEAR(grad[i], fd, 1e-7 + 1e-5 * std::fabs(fd))
              << lc.name << " cols=" << cols << " weighted=" << weighted << " element " << i;
        }
        // The float path (guarded buffers catch overruns) agrees with float64.
        GuardedFloats xf(d.x, lamina_test::Place::kEnd), yf(d.y, lamina_test::Place::kEnd);
        GuardedFloats swf(d.sw, lamina_test::Place::kEnd), gf(d.x.size());
        const double total32 = run(*loss, xf.data(), yf.data(), weighted ? swf.data() : nullptr,
                                   rows, cols, gf.data(), static_cast<float>(scale));
        EXPECT_NEAR(total32, total, 1e-5 * (1.0 + std::fabs(total))) << lc.name;
        for (size_t i = 0; i < x.size(); ++i) {
          EXPECT_NEAR(gf[i], grad[i], 1e-4 * (1.0 + std::fabs(grad[i])))
              << lc.name << " float grad at " << i;
        }
      }
    }
  }
}

// Large predictions (rows computed in parallel): the total, the row losses
// and the gradient are the same bits for any thread count, and the total is
// the weighted row losses added in row order.
TEST(Loss, LargeInputsDoNotDependOnThreadCount) {
  lamina_test::ThreadCountScope scope;
  std::mt19937 rng(31);
  for (const LossCase& lc : loss_cases()) {
    const auto loss = lamina::make_loss(lc.name, lc.params);
    const int64_t rows = 97, cols = 1031;  // 100K elements, several chunks
    const LossData d = make_loss_data(lc, rows, cols, rng);
    const size_t n = d.x.size();
    std::vector<float> grad1(n), rows1(static_cast<size_t>(rows));
    lamina::set_num_threads(1);
    const double total1 = run(*loss, d.x.data(), d.y.data(), d.sw.data(), rows, cols, grad1.data(),
                              0.5f, rows1.data());
    double in_order = 0.0;
    for (int64_t r = 0; r < rows; ++r) {
      in_order += static_cast<double>(d.sw[static_cast<size_t>(r)]) * rows1[r];
    }
    EXPECT_NEAR(total1, in_order, 1e-6 * (1.0 + std::fabs(total1))) << lc.name;
    for (int threads : {2, 3}) {
      lamina::set_num_threads(threads);
      std::vector<float> grad(n), rows_out(static_cast<size_t>(rows));
      const double total = run(*loss, d.x.data(), d.y.data(), d.sw.data(), rows, cols, grad.data(),
                               0.5f, rows_out.data());
      EXPECT_EQ(total, total1) << lc.name << " threads=" << threads;
      EXPECT_EQ(0, std::memcmp(grad.data(), grad1.data(), n * sizeof(float))) << lc.name;
      EXPECT_EQ(0, std::memcmp(rows_out.data(), rows1.data(), rows1.size() * sizeof(float)))
          << lc.name;
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
  const auto sparse = lamina::make_loss("sparse_categorical_crossentropy", {});
  const double s = run<double>(*sparse, p, labels, nullptr, 2, 3, g, 1.0);
  EXPECT_NEAR(s, -std::log(kEps / (kEps + 0.6 + 0.4)) - std::log(kEps / (1 - kEps + 2 * kEps)),
              1e-9);
  EXPECT_EQ(g[0], 0.0);
  EXPECT_EQ(g[3], 0.0);
  EXPECT_EQ(g[4], 0.0);
  const auto dense = lamina::make_loss("categorical_crossentropy", {});
  EXPECT_NEAR(run<double>(*dense, p, onehot, nullptr, 2, 3, g, 1.0), -2 * std::log(kEps), 1e-9);
  for (double gi : g) EXPECT_EQ(gi, 0.0);
  for (const char* name : {"binary_crossentropy", "binary_focal_crossentropy",
                           "categorical_focal_crossentropy", "kl_divergence"}) {
    const auto loss = lamina::make_loss(name, {});
    EXPECT_TRUE(std::isfinite(run<double>(*loss, p, onehot, nullptr, 2, 3, g, 1.0))) << name;
    for (double gi : g) EXPECT_TRUE(std::isfinite(gi)) << name;
  }
}

// Extreme logits must not overflow.
TEST(Loss, LargeLogitsAreStable) {
  const float z[] = {1000.0f, -1000.0f, 0.0f};
  const float label[] = {0.0f};
  float g[3];
  const auto sparse = lamina::make_loss("sparse_categorical_crossentropy", {{"from_logits", 1}});
  EXPECT_NEAR(run<float>(*sparse, z, label, nullptr, 1, 3, g, 1.0f), 0.0, 1e-6);
  const float t[] = {0.0f, 1.0f, 0.0f};
  const auto dense = lamina::make_loss("categorical_crossentropy", {{"from_logits", 1}});
  EXPECT_NEAR(run<float>(*dense, z, t, nullptr, 1, 3, g, 1.0f), 2000.0, 1e-3);
  EXPECT_NEAR(g[1], -1.0f, 1e-6f);
  const auto focal = lamina::make_loss("categorical_focal_crossentropy", {{"from_logits", 1}});
  EXPECT_TRUE(std::isfinite(run<float>(*focal, z, t, nullptr, 1, 3, g, 1.0f)));
  const float zb[] = {500.0f, -500.0f};
  const float tb[] = {1.0f, 0.0f};
  const auto binary = lamina::make_loss("binary_crossentropy", {{"from_logits", 1}});
  EXPECT_NEAR(run<float>(*binary, zb, tb, nullptr, 1, 2, g, 1.0f), 0.0, 1e-6);
}

// Keras's reductions: the denominators, masks and "none"'s split.
TEST(Loss, ReductionScales) {
  const float y[] = {0, 5, 1, 5};
  const float sw[] = {1, 2, 3, 4};
  auto scale = [&](double reduction, const float* w) {
    return lamina::make_loss("sparse_categorical_crossentropy",
                             {{"ignore_class", 5}, {"reduction", reduction}})
        ->reduction_scale(w, y, 4, 3);
  };
  EXPECT_DOUBLE_EQ(scale(0, sw).grad, 0.5);   // two rows count
  EXPECT_DOUBLE_EQ(scale(1, sw).grad, 1.0);   // sum
  EXPECT_DOUBLE_EQ(scale(2, sw).grad, 0.25);  // weights of counted rows: 1 + 3
  EXPECT_DOUBLE_EQ(scale(2, nullptr).grad, 0.5);
  EXPECT_DOUBLE_EQ(scale(3, sw).grad, 1.0);    // none: gradient of the sum ...
  EXPECT_DOUBLE_EQ(scale(3, sw).value, 0.25);  // ... reported as the mean
  const float all_ignored[] = {5, 5, 5, 5};
  EXPECT_DOUBLE_EQ(lamina::make_loss("sparse_categorical_crossentropy", {{"ignore_class", 5}})
                       ->reduction_scale(nullptr, all_ignored, 4, 3)
                       .grad,
                   0.0);
  EXPECT_THROW(lamina::make_loss("mean_squared_error", {{"reduction", 7}}), lamina::ValueError);
  EXPECT_THROW(lamina::make_loss("no_such_loss", {}), lamina::ValueError);
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

TEST(SparseLabels, IgnoreClassMayBeOutOfRange) {
  const float f[] = {0, 255, 2, -1};
  EXPECT_NO_THROW(lamina::check_sparse_labels(f, 3, 3, true, 255.0));
  EXPECT_THROW(lamina::check_sparse_labels(f, 4, 3, true, 255.0), lamina::ValueError);
}

TEST(SparseLabels, AcceptsValidLabels) {
  const float f[] = {0, 1, 2, 2, 0};
  const double d[] = {2, 1, 0};
  EXPECT_NO_THROW(lamina::check_sparse_labels(f, 5, 3));
  EXPECT_NO_THROW(lamina::check_sparse_labels(d, 3, 3));
  EXPECT_NO_THROW(lamina::check_sparse_labels(f, 0, 3));
}

}  // namespace
