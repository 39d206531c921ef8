// Metric accumulation kernels. Every kernel adds one batch to a metric's
// state (a run of doubles) and is shared by the engine's compiled metrics and
// the standalone `update_state` of lamina.metrics.
//
// Common layout: pred is [rows, cols] row-major (the model's output with all
// leading axes folded into rows); y holds y_cols values per row, where y_cols
// is cols (dense targets) or 1 (a class label, or one value broadcast over the
// row); sw is one weight per row, or null for weight 1.
#pragma once

#include <cstdint>

namespace lamina {

// Metrics that are Keras's MeanMetricWrapper of a per-sample function: the
// function's value per row, reduced over the last axis as Keras reduces it.
enum class MeanMetricKind : int {
  kAccuracy,                       // mean over cols of (y == pred)
  kBinaryAccuracy,                 // mean over cols of ((pred > threshold) == y)
  kCategoricalAccuracy,            // argmax(y) == argmax(pred)
  kSparseCategoricalAccuracy,      // y == argmax(pred)
  kTopKCategoricalAccuracy,        // argmax(y) among the top k of pred
  kSparseTopKCategoricalAccuracy,  // y among the top k of pred
  kMeanSquaredError,               // mean (y - pred)^2
  kMeanAbsoluteError,              // mean |y - pred|
  kMeanAbsolutePercentageError,    // 100 mean |(y - pred) / max(|y|, eps)|
  kMeanSquaredLogarithmicError,    // mean (log1p(max(pred, eps)) - log1p(max(y, eps)))^2
  kLogCosh,                        // mean log(cosh(pred - y))
  kHinge,                          // mean max(1 - y pred, 0); {0,1} labels -> {-1,1}
  kSquaredHinge,                   // mean max(1 - y pred, 0)^2
  kCategoricalHinge,               // max(max((1-y) pred) - sum(y pred) + 1, 0)
  kKLDivergence,                   // sum y log(y / pred), both clipped to [eps, 1]
  kPoisson,                        // mean pred - y log(pred + eps)
  kCosineSimilarity,               // sum of the l2-normalised rows' product
  kBinaryCrossentropy,             // mean over cols, label smoothing towards 0.5
  kCategoricalCrossentropy,        // label smoothing towards 1/cols
  kSparseCategoricalCrossentropy,  // y is the class label
};

struct MeanMetricOptions {
  float threshold = 0.5f;         // kBinaryAccuracy
  int64_t k = 5;                  // top-k accuracies
  bool from_logits = false;       // crossentropies
  float label_smoothing = 0.0f;   // binary / categorical crossentropy
  bool has_ignore_class = false;  // sparse crossentropy: rows with this label
  int64_t ignore_class = 0;       //   add nothing, not even to the count
};

struct MeanSums {
  double total = 0.0;  // sum of w_r * value_r
  double count = 0.0;  // sum of w_r
};

// Sums one batch of per-row metric values, in row order.
MeanSums mean_metric_sums(MeanMetricKind kind, const MeanMetricOptions& opt, const float* pred,
                          const float* y, int64_t y_cols, const float* sw, int64_t rows,
                          int64_t cols);

// Confusion counts at thresholds (Keras's update_confusion_matrix_variables).
// A prediction is positive at threshold t when pred > t; a label is positive
// when y != 0. state: four blocks tp, fp, tn, fn of [num_thresholds, labels]
// where labels = confusion_labels(opt, cols).
struct ConfusionOptions {
  const float* thresholds = nullptr;  // num_thresholds values, ascending
  int64_t num_thresholds = 0;
  // Thresholds i/(n-1): Keras buckets ceil(pred*(n-1))-1 instead of comparing
  // (pred clipped to [0, 1]); with_epsilon: the ends are -eps and 1+eps.
  bool evenly_spaced = false;
  bool with_epsilon = false;
  int64_t top_k = 0;         // > 0: predictions outside the row's top k become -1e10
  int64_t class_id = -1;     // >= 0: only this column counts
  bool multi_label = false;  // one set of counts per column
  bool from_logits = false;  // sigmoid first
};
int64_t confusion_labels(const ConfusionOptions& opt, int64_t cols);
void confusion_update(const ConfusionOptions& opt, double* state, const float* pred, const float* y,
                      int64_t y_cols, const float* sw, int64_t rows, int64_t cols);

// Confusion matrix of class ids for IoU metrics: state [num_classes,
// num_classes], row = true class, column = predicted class. Sparse sides read
// class ids (truncated towards zero) -- then every element of pred (and y) is
// one sample; dense sides take the argmax over the row. Pairs outside
// [0, num_classes), or with the true class ignore_class, add nothing.
struct IouOptions {
  int64_t num_classes = 0;
  bool sparse_y_true = true;
  bool sparse_y_pred = true;
  bool has_ignore_class = false;
  int64_t ignore_class = 0;
};
void iou_update(const IouOptions& opt, double* state, const float* pred, const float* y,
                int64_t y_cols, const float* sw, int64_t rows, int64_t cols);

// R2Score: state [sum_y, sum_y2, residual, count] per column (4 x cols, all
// weighted), then the number of values seen.
void r2_update(double* state, const float* pred, const float* y, int64_t y_cols, const float* sw,
               int64_t rows, int64_t cols);

// FBetaScore: state [tp, fp, fn, weighted label sum] per column (4 x cols).
// The prediction is pred > threshold, or, when has_threshold is false, the
// row's maxima (pred >= row max and |pred| > 1e-9).
void fbeta_update(double* state, bool has_threshold, float threshold, const float* pred,
                  const float* y, int64_t y_cols, const float* sw, int64_t rows, int64_t cols);

// Earlier entry points, kept for their callers: weighted sums of per-row hits.
double sparse_categorical_accuracy_sum(const float* pred, const float* labels, const float* sw,
                                       int64_t rows, int64_t cols);
double categorical_accuracy_sum(const float* pred, const float* y, const float* sw, int64_t rows,
                                int64_t cols);
double binary_accuracy_sum(const float* pred, const float* y, const float* sw, int64_t rows,
                           int64_t cols, float threshold);

}  // namespace lamina
