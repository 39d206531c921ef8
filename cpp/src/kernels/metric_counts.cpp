// Counting metrics: confusion counts at thresholds, the class confusion
// matrix of the IoU metrics, and the per-column sums of R2Score and
// FBetaScore. Rows are visited in order, so sums never depend on threads.
#include <algorithm>
#include <cmath>

#include "lamina/kernels/metric.h"

namespace lamina {
namespace {

constexpr float kNegInf = -1e10f;  // Keras's NEG_INF for predictions outside the top k

// tf.math.top_k keeps the k largest, the lower index first among equals.
bool in_row_top_k(const float* p, int64_t cols, int64_t j, int64_t k) {
  int64_t ahead = 0;
  for (int64_t i = 0; i < cols; ++i) {
    ahead += (p[i] > p[j] || (p[i] == p[j] && i < j)) ? 1 : 0;
  }
  return ahead < k;
}

int64_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j) {
    if (v[j] > v[best]) best = j;
  }
  return best;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

int64_t confusion_labels(const ConfusionOptions& opt, int64_t cols) {
  return opt.multi_label && opt.class_id < 0 ? cols : 1;
}

void confusion_update(const ConfusionOptions& opt, double* state, const float* pred, const float* y,
                      int64_t y_cols, const float* sw, int64_t rows, int64_t cols) {
  const int64_t nt = opt.num_thresholds;
  const int64_t labels = confusion_labels(opt, cols);
  const int64_t block = nt * labels;
  double* tp = state;
  double* fp = state + block;
  double* tn = state + 2 * block;
  double* fn = state + 3 * block;
  const int64_t first = opt.class_id >= 0 ? opt.class_id : 0;
  const int64_t last = opt.class_id >= 0 ? std::min(opt.class_id + 1, cols) : cols;
  for (int64_t r = 0; r < rows; ++r) {
    const float* p_row = pred + r * cols;
    const double w = sw != nullptr ? static_cast<double>(sw[r]) : 1.0;
    for (int64_t j = first; j < last; ++j) {
      float p = opt.from_logits ? sigmoid(p_row[j]) : p_row[j];
      if (opt.top_k > 0 && !in_row_top_k(p_row, cols, j, opt.top_k)) p = kNegInf;
      const bool label = (y_cols == 1 ? y[r] : y[r * y_cols + j]) != 0.0f;
      const int64_t l = labels == 1 ? 0 : j;
      // Evenly spaced thresholds: positive at thresholds [0, bucket] (Keras's
      // bucketing, which can differ from comparing at a float boundary).
      int64_t bucket = -1;
      if (opt.evenly_spaced) {
        const float clipped = std::isnan(p) ? 0.0f : std::clamp(p, 0.0f, 1.0f);
        bucket = static_cast<int64_t>(std::ceil(clipped * static_cast<float>(nt - 1))) - 1;
        if (opt.with_epsilon) bucket = std::max<int64_t>(bucket, 0);
      }
      for (int64_t i = 0; i < nt; ++i) {
        const bool positive = opt.evenly_spaced ? i <= bucket : p > opt.thresholds[i];
        double* cell = positive ? (label ? tp : fp) : (label ? fn : tn);
        cell[i * labels + l] += w;
      }
    }
  }
}

void iou_update(const IouOptions& opt, double* state, const float* pred, const float* y,
                int64_t y_cols, const float* sw, int64_t rows, int64_t cols) {
  const int64_t nc = opt.num_classes;
  // Samples per row: every element when both sides are sparse ids.
  const bool elementwise = opt.sparse_y_pred && opt.sparse_y_true;
  const int64_t per_row = elementwise ? cols : 1;
  for (int64_t r = 0; r < rows; ++r) {
    const double w = sw != nullptr ? static_cast<double>(sw[r]) : 1.0;
    for (int64_t s = 0; s < per_row; ++s) {
      int64_t truth = 0, guess = 0;
      if (opt.sparse_y_true) {
        truth = static_cast<int64_t>(y_cols == 1 ? y[r] : y[r * y_cols + s]);
      } else {
        truth = argmax(y + r * y_cols, y_cols);
      }
      if (opt.sparse_y_pred) {
        guess = static_cast<int64_t>(pred[r * cols + s]);
      } else {
        guess = argmax(pred + r * cols, cols);
      }
      if (truth < 0 || truth >= nc || guess < 0 || guess >= nc) continue;
      if (opt.has_ignore_class && truth == opt.ignore_class) continue;
      state[truth * nc + guess] += w;
    }
  }
}

void r2_update(double* state, const float* pred, const float* y, int64_t y_cols, const float* sw,
               int64_t rows, int64_t cols) {
  double* sum = state;
  double* sum_sq = state + cols;
  double* residual = state + 2 * cols;
  double* count = state + 3 * cols;
  for (int64_t r = 0; r < rows; ++r) {
    const double w = sw != nullptr ? static_cast<double>(sw[r]) : 1.0;
    for (int64_t j = 0; j < cols; ++j) {
      const double t = y_cols == 1 ? y[r] : y[r * y_cols + j];
      const double d = t - pred[r * cols + j];
      sum[j] += w * t;
      sum_sq[j] += w * t * t;
      residual[j] += w * d * d;
      count[j] += w;
    }
  }
  state[4 * cols] += static_cast<double>(rows * cols);
}

void fbeta_update(double* state, bool has_threshold, float threshold, const float* pred,
                  const float* y, int64_t y_cols, const float* sw, int64_t rows, int64_t cols) {
  double* tp = state;
  double* fp = state + cols;
  double* fn = state + 2 * cols;
  double* label_weight = state + 3 * cols;
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = pred + r * cols;
    const double w = sw != nullptr ? static_cast<double>(sw[r]) : 1.0;
    const float row_max = p[argmax(p, cols)];
    for (int64_t j = 0; j < cols; ++j) {
      const bool predicted =
          has_threshold ? p[j] > threshold : (p[j] >= row_max && std::fabs(p[j]) > 1e-9f);
      const double t = y_cols == 1 ? y[r] : y[r * y_cols + j];
      const double q = predicted ? 1.0 : 0.0;
      tp[j] += w * q * t;
      fp[j] += w * q * (1.0 - t);
      fn[j] += w * (1.0 - q) * t;
      label_weight[j] += w * t;
    }
  }
}

}  // namespace lamina
