// Regularizer penalties and gradients, constraint projections and the
// non-finite check, against direct computations.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "lamina/engine/finite.h"
#include "lamina/engine/weight_rules.h"
#include "lamina/errors.h"

namespace {

TEST(WeightRules, L1L2PenaltyAndGradient) {
  const std::vector<float> w{1.0f, -2.0f, 0.0f, 0.5f};
  std::vector<float> grad(4, 1.0f);
  const lamina::L1L2 r{0.1, 0.2};
  const double penalty = lamina::l1l2_penalty(r, w.data(), 4, grad.data(), 0.5);
  EXPECT_NEAR(penalty, 0.1 * 3.5 + 0.2 * 5.25, 1e-12);
  // grad += 0.5 * (0.1 * sign(w) + 0.4 * w); sign(0) = 0.
  EXPECT_FLOAT_EQ(grad[0], 1.0f + 0.5f * (0.1f + 0.4f));
  EXPECT_FLOAT_EQ(grad[1], 1.0f + 0.5f * (-0.1f - 0.8f));
  EXPECT_FLOAT_EQ(grad[2], 1.0f);
  EXPECT_FLOAT_EQ(grad[3], 1.0f + 0.5f * (0.1f + 0.2f));
}

// Column norms of a [rows, cols] matrix (the norms over axis 0).
std::vector<double> column_norms(const std::vector<float>& w, int rows, int cols) {
  std::vector<double> n(cols, 0.0);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) n[c] += double(w[r * cols + c]) * w[r * cols + c];
  }
  for (double& v : n) v = std::sqrt(v);
  return n;
}

TEST(WeightRules, MaxNormScalesOnlyLongColumns) {
  std::vector<float> w{3.0f, 0.1f, 4.0f, 0.2f};  // columns: (3, 4) norm 5; (0.1, 0.2)
  lamina::Constraint c = lamina::make_constraint("max_norm", 0.0, 2.0, 1.0, {0}, {2, 2});
  lamina::apply_constraint(c, w.data());
  const std::vector<double> n = column_norms(w, 2, 2);
  EXPECT_NEAR(n[0], 2.0, 1e-6);
  EXPECT_NEAR(w[1], 0.1f, 1e-6);
  EXPECT_NEAR(w[3], 0.2f, 1e-6);
}

TEST(WeightRules, UnitAndMinMaxNormOverOtherAxes) {
  std::vector<float> w{3.0f, 4.0f, 0.3f, 0.4f};
  lamina::Constraint unit = lamina::make_constraint("unit_norm", 0, 0, 1, {-1}, {2, 2});
  lamina::apply_constraint(unit, w.data());  // rows to norm 1
  EXPECT_NEAR(w[0], 0.6f, 1e-6);
  EXPECT_NEAR(w[3], 0.8f, 1e-5);
  std::vector<float> v{3.0f, 4.0f};
  lamina::Constraint mm = lamina::make_constraint("min_max_norm", 1.0, 2.0, 0.5, {0}, {2});
  lamina::apply_constraint(mm, v.data());  // norm 5 -> 0.5 * 2 + 0.5 * 5 = 3.5
  EXPECT_NEAR(std::sqrt(v[0] * v[0] + v[1] * v[1]), 3.5, 1e-5);
}

TEST(WeightRules, NonNegAndErrors) {
  std::vector<float> w{-1.0f, 2.0f, std::numeric_limits<float>::quiet_NaN()};
  lamina::Constraint c = lamina::make_constraint("non_neg", 0, 0, 1, {}, {3});
  lamina::apply_constraint(c, w.data());
  EXPECT_EQ(w[0], 0.0f);
  EXPECT_EQ(w[1], 2.0f);
  EXPECT_TRUE(std::isnan(w[2]));  // a NaN is not hidden
  EXPECT_THROW(lamina::make_constraint("max_norm", 0, 1, 1, {2}, {2, 2}), lamina::ValueError);
  EXPECT_THROW(lamina::make_constraint("nope", 0, 1, 1, {0}, {2}), lamina::ValueError);
}

TEST(Finite, FindsEveryKindAtEveryPosition) {
  for (int64_t n : {1, 7, 16, 33, 1000, 70000, 300001}) {
    std::vector<float> v(static_cast<size_t>(n), 1.5f);
    EXPECT_TRUE(lamina::all_finite(v.data(), n));
    for (float bad :
         {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
          -std::numeric_limits<float>::infinity()}) {
      for (int64_t pos : {int64_t{0}, n / 2, n - 1}) {
        v[static_cast<size_t>(pos)] = bad;
        EXPECT_FALSE(lamina::all_finite(v.data(), n)) << "n=" << n << " pos=" << pos;
        v[static_cast<size_t>(pos)] = 1.5f;
      }
    }
  }
  const float big = std::numeric_limits<float>::max();
  EXPECT_TRUE(lamina::all_finite(&big, 1));
  EXPECT_TRUE(lamina::all_finite(nullptr, 0));
}

}  // namespace
