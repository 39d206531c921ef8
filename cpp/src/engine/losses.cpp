// The loss registry: each Keras loss the engine can train with, by name.
#include <memory>
#include <string>

#include "lamina/engine/loss.h"
#include "lamina/errors.h"
#include "lamina/kernels/loss.h"

namespace lamina {
namespace {

constexpr float kEpsilon = 1e-7f;  // keras.backend.epsilon()

class SparseCategoricalCrossentropy final : public NativeLoss {
 public:
  explicit SparseCategoricalCrossentropy(const Params& p)
      : from_logits_(param(p, "from_logits", 0) != 0) {}
  int64_t label_cols(int64_t) const override { return 1; }
  Activation fusable_activation() const override {
    return from_logits_ ? Activation::kLinear : Activation::kSoftmax;
  }
  void check_labels(const float* y, int64_t rows, int64_t cols) const override {
    check_sparse_labels(y, rows, cols);
  }
  double compute(const float* out, const float* logits, const float* y, const float* sw,
                 int64_t rows, int64_t cols, float* grad, float scale) const override {
    if (from_logits_ || logits != nullptr) {
      return sparse_softmax_xent(logits != nullptr ? logits : out, y, sw, rows, cols, grad, scale);
    }
    return sparse_xent_probs(out, y, sw, rows, cols, grad, scale, kEpsilon);
  }

 private:
  bool from_logits_;
};

class CategoricalCrossentropy final : public NativeLoss {
 public:
  explicit CategoricalCrossentropy(const Params& p)
      : from_logits_(param(p, "from_logits", 0) != 0) {}
  Activation fusable_activation() const override {
    return from_logits_ ? Activation::kLinear : Activation::kSoftmax;
  }
  double compute(const float* out, const float* logits, const float* y, const float* sw,
                 int64_t rows, int64_t cols, float* grad, float scale) const override {
    if (from_logits_ || logits != nullptr) {
      return softmax_xent(logits != nullptr ? logits : out, y, sw, rows, cols, grad, scale);
    }
    return xent_probs(out, y, sw, rows, cols, grad, scale, kEpsilon);
  }

 private:
  bool from_logits_;
};

class BinaryCrossentropy final : public NativeLoss {
 public:
  explicit BinaryCrossentropy(const Params& p) : from_logits_(param(p, "from_logits", 0) != 0) {}
  Activation fusable_activation() const override {
    return from_logits_ ? Activation::kLinear : Activation::kSigmoid;
  }
  double compute(const float* out, const float* logits, const float* y, const float* sw,
                 int64_t rows, int64_t cols, float* grad, float scale) const override {
    if (from_logits_ || logits != nullptr) {
      return sigmoid_bxent(logits != nullptr ? logits : out, y, sw, rows, cols, grad, scale);
    }
    return bxent_probs(out, y, sw, rows, cols, grad, scale, kEpsilon);
  }

 private:
  bool from_logits_;
};

class MeanSquaredError final : public NativeLoss {
 public:
  explicit MeanSquaredError(const Params&) {}
  double compute(const float* out, const float*, const float* y, const float* sw, int64_t rows,
                 int64_t cols, float* grad, float scale) const override {
    return mean_squared_error(out, y, sw, rows, cols, grad, scale);
  }
};

}  // namespace

std::unique_ptr<NativeLoss> make_loss(const std::string& name, const Params& params) {
  if (name == "sparse_categorical_crossentropy") {
    return std::make_unique<SparseCategoricalCrossentropy>(params);
  }
  if (name == "categorical_crossentropy") return std::make_unique<CategoricalCrossentropy>(params);
  if (name == "binary_crossentropy") return std::make_unique<BinaryCrossentropy>(params);
  if (name == "mean_squared_error") return std::make_unique<MeanSquaredError>(params);
  throw ValueError("The native core has no loss '" + name + "'.");
}

}  // namespace lamina
