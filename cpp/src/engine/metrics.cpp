// The metric registry: each metric the engine accumulates, by name. State
// {total, count}: the result is total / count, as Keras's MeanMetricWrapper.
#include <memory>
#include <string>

#include "lamina/engine/metric.h"
#include "lamina/errors.h"
#include "lamina/kernels/metric.h"

namespace lamina {
namespace {

double weight_sum(const float* sw, int64_t rows) {
  if (sw == nullptr) return static_cast<double>(rows);
  double s = 0.0;
  for (int64_t r = 0; r < rows; ++r) s += sw[r];
  return s;
}

class SparseCategoricalAccuracy final : public NativeMetric {
 public:
  void update(double* state, const float* out, const float* y, int64_t, const float* sw,
              int64_t rows, int64_t cols) const override {
    state[0] += sparse_categorical_accuracy_sum(out, y, sw, rows, cols);
    state[1] += weight_sum(sw, rows);
  }
};

class CategoricalAccuracy final : public NativeMetric {
 public:
  void update(double* state, const float* out, const float* y, int64_t, const float* sw,
              int64_t rows, int64_t cols) const override {
    state[0] += categorical_accuracy_sum(out, y, sw, rows, cols);
    state[1] += weight_sum(sw, rows);
  }
};

class BinaryAccuracy final : public NativeMetric {
 public:
  explicit BinaryAccuracy(const Params& p)
      : threshold_(static_cast<float>(param(p, "threshold", 0.5))) {}
  void update(double* state, const float* out, const float* y, int64_t, const float* sw,
              int64_t rows, int64_t cols) const override {
    state[0] += binary_accuracy_sum(out, y, sw, rows, cols, threshold_);
    state[1] += weight_sum(sw, rows);
  }

 private:
  float threshold_;
};

}  // namespace

std::unique_ptr<NativeMetric> make_metric(const std::string& name, const Params& params) {
  if (name == "sparse_categorical_accuracy") return std::make_unique<SparseCategoricalAccuracy>();
  if (name == "categorical_accuracy") return std::make_unique<CategoricalAccuracy>();
  if (name == "binary_accuracy") return std::make_unique<BinaryAccuracy>(params);
  throw ValueError("The native core has no metric '" + name + "'.");
}

}  // namespace lamina
