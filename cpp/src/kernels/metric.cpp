// Mean-of-values metrics: one value per row, summed in row order in double.
// Each value follows the Keras 3 function of the same name (TensorFlow
// backend): clipping bounds are float32 like Keras's, argmax takes the first
// maximal index, and top-k counts ties as in (tf.math.in_top_k).
#include "lamina/kernels/metric.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace lamina {
namespace {

constexpr float kEps = 1e-7f;  // Keras's backend.epsilon()

int64_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j) {
    if (v[j] > v[best]) best = j;
  }
  return best;
}

// in_top_k: the target is in the top k when fewer than k predictions are
// strictly larger (ties at the boundary all count); a non-finite target or a
// label outside [0, cols) never is.
bool in_top_k(const float* p, int64_t cols, int64_t target, int64_t k) {
  if (target < 0 || target >= cols || !std::isfinite(p[target])) return false;
  int64_t larger = 0;
  for (int64_t j = 0; j < cols; ++j) larger += p[j] > p[target] ? 1 : 0;
  return larger < k;
}

double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }

// Reads y broadcast over the row when it holds one value per row.
struct RowTargets {
  const float* y;
  int64_t y_cols;
  float operator[](int64_t j) const { return y_cols == 1 ? y[0] : y[j]; }
};

double log_sum_exp(const double* z, int64_t n) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < n; ++j) m = std::max(m, z[j]);
  if (!std::isfinite(m)) return m;
  double s = 0.0;
  for (int64_t j = 0; j < n; ++j) s += std::exp(z[j] - m);
  return m + std::log(s);
}

struct RowContext {
  MeanMetricKind kind;
  const MeanMetricOptions& opt;
  int64_t cols;
  bool hinge_binary;  // hinge: every label of the batch is 0 or 1
};

double mean_over_cols(const RowContext& c, const float* p, RowTargets y) {
  double s = 0.0;
  const int64_t n = c.cols;
  switch (c.kind) {
    case MeanMetricKind::kAccuracy:
      for (int64_t j = 0; j < n; ++j) s += y[j] == p[j] ? 1.0 : 0.0;
      break;
    case MeanMetricKind::kBinaryAccuracy:
      for (int64_t j = 0; j < n; ++j) {
        s += ((p[j] > c.opt.threshold ? 1.0f : 0.0f) == y[j]) ? 1.0 : 0.0;
      }
      break;
    case MeanMetricKind::kMeanSquaredError:
      for (int64_t j = 0; j < n; ++j) {
        const double d = static_cast<double>(y[j]) - p[j];
        s += d * d;
      }
      break;
    case MeanMetricKind::kMeanAbsoluteError:
      for (int64_t j = 0; j < n; ++j) s += std::fabs(static_cast<double>(y[j]) - p[j]);
      break;
    case MeanMetricKind::kMeanAbsolutePercentageError:
      for (int64_t j = 0; j < n; ++j) {
        const double d = static_cast<double>(y[j]) - p[j];
        s += std::fabs(d / std::max(std::fabs(y[j]), kEps));
      }
      s *= 100.0;
      break;
    case MeanMetricKind::kMeanSquaredLogarithmicError:
      for (int64_t j = 0; j < n; ++j) {
        const double d = std::log(static_cast<double>(std::max(p[j], kEps)) + 1.0) -
                         std::log(static_cast<double>(std::max(y[j], kEps)) + 1.0);
        s += d * d;
      }
      break;
    case MeanMetricKind::kLogCosh:
      for (int64_t j = 0; j < n; ++j) {
        const double x = static_cast<double>(p[j]) - y[j];
        s += x + softplus(-2.0 * x) - std::log(2.0);
      }
      break;
    case MeanMetricKind::kHinge:
    case MeanMetricKind::kSquaredHinge:
      for (int64_t j = 0; j < n; ++j) {
        const double t = c.hinge_binary ? 2.0 * y[j] - 1.0 : static_cast<double>(y[j]);
        const double h = std::max(1.0 - t * p[j], 0.0);
        s += c.kind == MeanMetricKind::kHinge ? h : h * h;
      }
      break;
    case MeanMetricKind::kPoisson:
      for (int64_t j = 0; j < n; ++j) {
        s += p[j] - static_cast<double>(y[j]) * std::log(static_cast<double>(p[j]) + kEps);
      }
      break;
    case MeanMetricKind::kBinaryCrossentropy: {
      const double ls = c.opt.label_smoothing;
      for (int64_t j = 0; j < n; ++j) {
        const double t = y[j] * (1.0 - ls) + 0.5 * ls;
        if (c.opt.from_logits) {
          const double z = p[j];
          s += std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
        } else {
          const double q = std::clamp(p[j], kEps, 1.0f - kEps);
          s -= t * std::log(q) + (1.0 - t) * std::log(1.0 - q);
        }
      }
      break;
    }
    default:
      break;
  }
  return s / static_cast<double>(n);
}

double row_value(const RowContext& c, const float* p, RowTargets y, double* scratch) {
  const int64_t n = c.cols;
  switch (c.kind) {
    case MeanMetricKind::kCategoricalAccuracy:
      return argmax(y.y, y.y_cols) == argmax(p, n) ? 1.0 : 0.0;
    case MeanMetricKind::kSparseCategoricalAccuracy:
      return static_cast<float>(argmax(p, n)) == y[0] ? 1.0 : 0.0;
    case MeanMetricKind::kTopKCategoricalAccuracy:
      return in_top_k(p, n, argmax(y.y, y.y_cols), c.opt.k) ? 1.0 : 0.0;
    case MeanMetricKind::kSparseTopKCategoricalAccuracy:
      // Keras casts the label to int32 (truncation).
      return in_top_k(p, n, static_cast<int64_t>(y[0]), c.opt.k) ? 1.0 : 0.0;
    case MeanMetricKind::kCategoricalHinge: {
      double pos = 0.0, neg = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < n; ++j) {
        pos += static_cast<double>(y[j]) * p[j];
        neg = std::max(neg, (1.0 - y[j]) * p[j]);
      }
      return std::max(neg - pos + 1.0, 0.0);
    }
    case MeanMetricKind::kKLDivergence: {
      double s = 0.0;
      for (int64_t j = 0; j < n; ++j) {
        const double t = std::clamp(y[j], kEps, 1.0f);
        const double q = std::clamp(p[j], kEps, 1.0f);
        s += t * std::log(t / q);
      }
      return s;
    }
    case MeanMetricKind::kCosineSimilarity: {
      double yy = 0.0, pp = 0.0, yp = 0.0;
      for (int64_t j = 0; j < n; ++j) {
        yy += static_cast<double>(y[j]) * y[j];
        pp += static_cast<double>(p[j]) * p[j];
        yp += static_cast<double>(y[j]) * p[j];
      }
      // l2_normalize: x / sqrt(max(sum x^2, 1e-12)).
      return yp / std::sqrt(std::max(yy, 1e-12)) / std::sqrt(std::max(pp, 1e-12));
    }
    case MeanMetricKind::kCategoricalCrossentropy: {
      const double ls = c.opt.label_smoothing;
      const double off = ls / static_cast<double>(n);
      double s = 0.0;
      if (c.opt.from_logits) {
        for (int64_t j = 0; j < n; ++j) scratch[j] = p[j];
        const double lse = log_sum_exp(scratch, n);
        for (int64_t j = 0; j < n; ++j) s += (y[j] * (1.0 - ls) + off) * (lse - scratch[j]);
        return s;
      }
      // Probabilities are renormalised over the row, then clipped.
      float total = 0.0f;
      for (int64_t j = 0; j < n; ++j) total += p[j];
      for (int64_t j = 0; j < n; ++j) {
        const double q = std::clamp(p[j] / total, kEps, 1.0f - kEps);
        s -= (y[j] * (1.0 - ls) + off) * std::log(q);
      }
      return s;
    }
    case MeanMetricKind::kSparseCategoricalCrossentropy: {
      const int64_t label = static_cast<int64_t>(y[0]);
      if (label < 0 || label >= n) return std::numeric_limits<double>::quiet_NaN();
      // On probabilities Keras takes log(clip(p)) as logits.
      for (int64_t j = 0; j < n; ++j) {
        scratch[j] = c.opt.from_logits ? static_cast<double>(p[j])
                                       : std::log(std::clamp(p[j], kEps, 1.0f - kEps));
      }
      return log_sum_exp(scratch, n) - scratch[label];
    }
    default:
      return mean_over_cols(c, p, y);
  }
}

bool all_binary(const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (y[i] != 0.0f && y[i] != 1.0f) return false;
  }
  return true;
}

}  // namespace

MeanSums mean_metric_sums(MeanMetricKind kind, const MeanMetricOptions& opt, const float* pred,
                          const float* y, int64_t y_cols, const float* sw, int64_t rows,
                          int64_t cols) {
  MeanSums sums;
  if (rows <= 0 || cols <= 0) return sums;
  const bool hinge = kind == MeanMetricKind::kHinge || kind == MeanMetricKind::kSquaredHinge;
  const RowContext ctx{kind, opt, cols, hinge && all_binary(y, rows * y_cols)};
  // Row scratch for the log-softmax of the crossentropies; small rows (the
  // usual case) stay on the stack so a step allocates nothing.
  constexpr int64_t kStackCols = 256;
  double stack_scratch[kStackCols];
  std::unique_ptr<double[]> heap_scratch;
  double* scratch = stack_scratch;
  if (cols > kStackCols) {
    heap_scratch = std::make_unique<double[]>(static_cast<size_t>(cols));
    scratch = heap_scratch.get();
  }
  for (int64_t r = 0; r < rows; ++r) {
    const RowTargets target{y + r * y_cols, y_cols};
    if (opt.has_ignore_class && kind == MeanMetricKind::kSparseCategoricalCrossentropy &&
        target[0] == static_cast<float>(opt.ignore_class)) {
      // Keras masks the value to 0; the mask reaches the count only through
      // sample weights, so unweighted rows still count.
      if (sw == nullptr) sums.count += 1.0;
      continue;
    }
    const double w = sw != nullptr ? static_cast<double>(sw[r]) : 1.0;
    sums.total += w * row_value(ctx, pred + r * cols, target, scratch);
    sums.count += w;
  }
  return sums;
}

double sparse_categorical_accuracy_sum(const float* pred, const float* labels, const float* sw,
                                       int64_t rows, int64_t cols) {
  return mean_metric_sums(MeanMetricKind::kSparseCategoricalAccuracy, {}, pred, labels, 1, sw, rows,
                          cols)
      .total;
}

double categorical_accuracy_sum(const float* pred, const float* y, const float* sw, int64_t rows,
                                int64_t cols) {
  return mean_metric_sums(MeanMetricKind::kCategoricalAccuracy, {}, pred, y, cols, sw, rows, cols)
      .total;
}

double binary_accuracy_sum(const float* pred, const float* y, const float* sw, int64_t rows,
                           int64_t cols, float threshold) {
  MeanMetricOptions opt;
  opt.threshold = threshold;
  return mean_metric_sums(MeanMetricKind::kBinaryAccuracy, opt, pred, y, cols, sw, rows, cols)
      .total;
}

}  // namespace lamina
