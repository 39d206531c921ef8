// Metric accumulation kernels.
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
// Mean metrics, confusion counts, IoU, R2, F-beta

lamina::MeanSums mean_sums(lamina::MeanMetricKind kind, const float* pred, const float* y,
                           int64_t y_cols, const float* sw, int64_t rows, int64_t cols,
                           lamina::MeanMetricOptions opt = {}) {
  return lamina::mean_metric_sums(kind, opt, pred, y, y_cols, sw, rows, cols);
}

TEST(MeanMetric, RegressionClosedForms) {
  const float pred[] = {1.0f, 1.0f, 1.0f, 1.0f};
  const float y[] = {1.0f, 2.0f, 3.0f, 4.0f};
  const float sw[] = {1.0f, 3.0f};
  using K = lamina::MeanMetricKind;
  auto mse = mean_sums(K::kMeanSquaredError, pred, y, 2, sw, 2, 2);
  EXPECT_DOUBLE_EQ(mse.total, 0.5 * 1 + 6.5 * 3);
  EXPECT_DOUBLE_EQ(mse.count, 4.0);
  EXPECT_DOUBLE_EQ(mean_sums(K::kMeanAbsoluteError, pred, y, 2, nullptr, 2, 2).total, 0.5 + 2.5);
  // A single target per row is broadcast across the row.
  const float y_one[] = {2.0f, 0.0f};
  EXPECT_DOUBLE_EQ(mean_sums(K::kMeanSquaredError, pred, y_one, 1, nullptr, 2, 2).total, 2.0);
}

TEST(MeanMetric, TopKCountsTiesAsTensorFlow) {
  // Row: target class 2 ties with class 0 at the boundary of the top 1.
  const float pred[] = {0.4f, 0.2f, 0.4f};
  const float label[] = {2.0f};
  lamina::MeanMetricOptions opt;
  opt.k = 1;
  EXPECT_DOUBLE_EQ(mean_sums(lamina::MeanMetricKind::kSparseTopKCategoricalAccuracy, pred, label, 1,
                             nullptr, 1, 3, opt)
                       .total,
                   1.0);
}

TEST(MeanMetric, CrossentropiesMatchTheirFormulas) {
  const float logits[] = {0.5f, -1.0f, 2.0f};
  const float label[] = {2.0f};
  lamina::MeanMetricOptions opt;
  opt.from_logits = true;
  const double lse = std::log(std::exp(0.5) + std::exp(-1.0) + std::exp(2.0));
  EXPECT_NEAR(mean_sums(lamina::MeanMetricKind::kSparseCategoricalCrossentropy, logits, label, 1,
                        nullptr, 1, 3, opt)
                  .total,
              lse - 2.0, 1e-12);
  const float p[] = {0.9f};
  const float t[] = {1.0f};
  EXPECT_NEAR(mean_sums(lamina::MeanMetricKind::kBinaryCrossentropy, p, t, 1, nullptr, 1, 1).total,
              -std::log(static_cast<double>(0.9f)), 1e-12);
  // ignore_class rows add nothing; unweighted they still count (as Keras).
  opt.has_ignore_class = true;
  opt.ignore_class = 2;
  auto ignored = mean_sums(lamina::MeanMetricKind::kSparseCategoricalCrossentropy, logits, label, 1,
                           nullptr, 1, 3, opt);
  EXPECT_DOUBLE_EQ(ignored.total, 0.0);
  EXPECT_DOUBLE_EQ(ignored.count, 1.0);
}

TEST(Confusion, ThresholdsAndBuckets) {
  const float pred[] = {0.9f, 0.5f, 0.4f};
  const float y[] = {1.0f, 0.0f, 1.0f};
  const float thresholds[] = {0.3f, 0.7f};
  lamina::ConfusionOptions opt;
  opt.thresholds = thresholds;
  opt.num_thresholds = 2;
  std::vector<double> state(8, 0.0);
  lamina::confusion_update(opt, state.data(), pred, y, 1, nullptr, 3, 1);
  // tp, fp, tn, fn at 0.3 then 0.7.
  EXPECT_EQ(state, (std::vector<double>{2, 1, 1, 0, 0, 1, 0, 1}));
  // Evenly spaced {-eps, 0.5, 1+eps}: the same counts by buckets.
  const float even[] = {-1e-7f, 0.5f, 1.0f + 1e-7f};
  opt.thresholds = even;
  opt.num_thresholds = 3;
  opt.evenly_spaced = true;
  opt.with_epsilon = true;
  std::vector<double> bucketed(12, 0.0), compared(12, 0.0);
  lamina::confusion_update(opt, bucketed.data(), pred, y, 1, nullptr, 3, 1);
  opt.evenly_spaced = false;
  lamina::confusion_update(opt, compared.data(), pred, y, 1, nullptr, 3, 1);
  EXPECT_EQ(bucketed, compared);
}

TEST(Iou, ConfusionMatrixOfIds) {
  const float pred[] = {0, 1, 0, 1, 7};
  const float y[] = {0, 0, 1, 1, 1};
  lamina::IouOptions opt;
  opt.num_classes = 2;
  std::vector<double> cm(4, 0.0);
  lamina::iou_update(opt, cm.data(), pred, y, 5, nullptr, 1, 5);
  EXPECT_EQ(cm, (std::vector<double>{1, 1, 1, 1}));  // class 7 is out of range
}

TEST(R2AndFBeta, Sums) {
  const float pred[] = {1.0f, 2.0f};
  const float y[] = {1.5f, 2.5f};
  std::vector<double> r2(5, 0.0);
  lamina::r2_update(r2.data(), pred, y, 1, nullptr, 2, 1);
  EXPECT_EQ(r2, (std::vector<double>{4.0, 8.5, 0.5, 2.0, 2.0}));
  const float scores[] = {0.2f, 0.7f, 0.1f, 0.6f, 0.3f, 0.1f};
  const float onehot[] = {0, 1, 0, 0, 1, 0};
  std::vector<double> f(12, 0.0);
  lamina::fbeta_update(f.data(), false, 0.0f, scores, onehot, 3, nullptr, 2, 3);
  EXPECT_EQ(f, (std::vector<double>{0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 2, 0}));
}

}  // namespace
