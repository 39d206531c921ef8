// The metric registry: each metric the engine accumulates, by name, made
// from its numeric params (see python/lamina/metrics for what each family
// passes). Mean metrics keep {total, count}; the counting families keep the
// state their kernel documents (kernels/metric.h).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lamina/engine/metric.h"
#include "lamina/errors.h"
#include "lamina/kernels/metric.h"

namespace lamina {
namespace {

int64_t int_param(const Params& p, const std::string& key, int64_t fallback) {
  return static_cast<int64_t>(param(p, key, static_cast<double>(fallback)));
}

bool flag(const Params& p, const std::string& key) { return param(p, key, 0.0) != 0.0; }

const std::map<std::string, MeanMetricKind>& mean_kinds() {
  static const std::map<std::string, MeanMetricKind> kinds = {
      {"accuracy", MeanMetricKind::kAccuracy},
      {"binary_accuracy", MeanMetricKind::kBinaryAccuracy},
      {"categorical_accuracy", MeanMetricKind::kCategoricalAccuracy},
      {"sparse_categorical_accuracy", MeanMetricKind::kSparseCategoricalAccuracy},
      {"top_k_categorical_accuracy", MeanMetricKind::kTopKCategoricalAccuracy},
      {"sparse_top_k_categorical_accuracy", MeanMetricKind::kSparseTopKCategoricalAccuracy},
      {"mean_squared_error", MeanMetricKind::kMeanSquaredError},
      {"mean_absolute_error", MeanMetricKind::kMeanAbsoluteError},
      {"mean_absolute_percentage_error", MeanMetricKind::kMeanAbsolutePercentageError},
      {"mean_squared_logarithmic_error", MeanMetricKind::kMeanSquaredLogarithmicError},
      {"log_cosh", MeanMetricKind::kLogCosh},
      {"hinge", MeanMetricKind::kHinge},
      {"squared_hinge", MeanMetricKind::kSquaredHinge},
      {"categorical_hinge", MeanMetricKind::kCategoricalHinge},
      {"kl_divergence", MeanMetricKind::kKLDivergence},
      {"poisson", MeanMetricKind::kPoisson},
      {"cosine_similarity", MeanMetricKind::kCosineSimilarity},
      {"binary_crossentropy", MeanMetricKind::kBinaryCrossentropy},
      {"categorical_crossentropy", MeanMetricKind::kCategoricalCrossentropy},
      {"sparse_categorical_crossentropy", MeanMetricKind::kSparseCategoricalCrossentropy},
  };
  return kinds;
}

// Keras's MeanMetricWrapper: state {sum of w * value, sum of w}.
class MeanMetric final : public NativeMetric {
 public:
  MeanMetric(MeanMetricKind kind, const Params& p) : kind_(kind) {
    opt_.threshold = static_cast<float>(param(p, "threshold", 0.5));
    opt_.k = int_param(p, "k", 5);
    opt_.from_logits = flag(p, "from_logits");
    opt_.label_smoothing = static_cast<float>(param(p, "label_smoothing", 0.0));
    opt_.has_ignore_class = p.count("ignore_class") != 0;
    opt_.ignore_class = int_param(p, "ignore_class", 0);
  }
  void update(double* state, const float* out, const float* y, int64_t y_cols, const float* sw,
              int64_t rows, int64_t cols) const override {
    const MeanSums s = mean_metric_sums(kind_, opt_, out, y, y_cols, sw, rows, cols);
    state[0] += s.total;
    state[1] += s.count;
  }

 private:
  MeanMetricKind kind_;
  MeanMetricOptions opt_;
};

// Confusion counts: params num_thresholds, threshold_<i>, evenly_spaced,
// with_epsilon, top_k, class_id, multi_label, from_logits.
class ConfusionMetric final : public NativeMetric {
 public:
  explicit ConfusionMetric(const Params& p) {
    const int64_t n = int_param(p, "num_thresholds", 0);
    if (n <= 0) throw ValueError("A confusion metric needs num_thresholds > 0.");
    for (int64_t i = 0; i < n; ++i) {
      const std::string key = "threshold_" + std::to_string(i);
      if (p.count(key) == 0) throw ValueError("Confusion metric params lack '" + key + "'.");
      thresholds_.push_back(static_cast<float>(p.at(key)));
    }
    opt_.num_thresholds = n;
    opt_.evenly_spaced = flag(p, "evenly_spaced");
    opt_.with_epsilon = flag(p, "with_epsilon");
    opt_.top_k = int_param(p, "top_k", 0);
    opt_.class_id = int_param(p, "class_id", -1);
    opt_.multi_label = flag(p, "multi_label");
    opt_.from_logits = flag(p, "from_logits");
  }
  int64_t state_size(int64_t cols) const override {
    return 4 * opt_.num_thresholds * confusion_labels(opt_, cols);
  }
  void update(double* state, const float* out, const float* y, int64_t y_cols, const float* sw,
              int64_t rows, int64_t cols) const override {
    ConfusionOptions opt = opt_;
    opt.thresholds = thresholds_.data();
    confusion_update(opt, state, out, y, y_cols, sw, rows, cols);
  }

 private:
  std::vector<float> thresholds_;
  ConfusionOptions opt_;
};

// IoU: params num_classes, sparse_y_true, sparse_y_pred, ignore_class.
class IouMetric final : public NativeMetric {
 public:
  explicit IouMetric(const Params& p) {
    opt_.num_classes = int_param(p, "num_classes", 0);
    if (opt_.num_classes <= 0) throw ValueError("An IoU metric needs num_classes > 0.");
    opt_.sparse_y_true = flag(p, "sparse_y_true");
    opt_.sparse_y_pred = flag(p, "sparse_y_pred");
    opt_.has_ignore_class = p.count("ignore_class") != 0;
    opt_.ignore_class = int_param(p, "ignore_class", 0);
  }
  int64_t state_size(int64_t) const override { return opt_.num_classes * opt_.num_classes; }
  void update(double* state, const float* out, const float* y, int64_t y_cols, const float* sw,
              int64_t rows, int64_t cols) const override {
    iou_update(opt_, state, out, y, y_cols, sw, rows, cols);
  }

 private:
  IouOptions opt_;
};

class R2Metric final : public NativeMetric {
 public:
  int64_t state_size(int64_t cols) const override { return 4 * cols + 1; }
  void update(double* state, const float* out, const float* y, int64_t y_cols, const float* sw,
              int64_t rows, int64_t cols) const override {
    r2_update(state, out, y, y_cols, sw, rows, cols);
  }
};

// F-beta counts: params threshold (absent: the row maxima are predicted).
class FBetaMetric final : public NativeMetric {
 public:
  explicit FBetaMetric(const Params& p)
      : has_threshold_(p.count("threshold") != 0),
        threshold_(static_cast<float>(param(p, "threshold", 0.0))) {}
  int64_t state_size(int64_t cols) const override { return 4 * cols; }
  void update(double* state, const float* out, const float* y, int64_t y_cols, const float* sw,
              int64_t rows, int64_t cols) const override {
    fbeta_update(state, has_threshold_, threshold_, out, y, y_cols, sw, rows, cols);
  }

 private:
  bool has_threshold_;
  float threshold_;
};

}  // namespace

std::unique_ptr<NativeMetric> make_metric(const std::string& name, const Params& params) {
  const auto& kinds = mean_kinds();
  auto it = kinds.find(name);
  if (it != kinds.end()) return std::make_unique<MeanMetric>(it->second, params);
  if (name == "confusion") return std::make_unique<ConfusionMetric>(params);
  if (name == "iou") return std::make_unique<IouMetric>(params);
  if (name == "r2") return std::make_unique<R2Metric>();
  if (name == "fbeta") return std::make_unique<FBetaMetric>(params);
  throw ValueError("The native core has no metric '" + name + "'.");
}

}  // namespace lamina
