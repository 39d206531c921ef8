// The loss registry: each Keras loss the engine can train with, by the name
// the Python side passes (`Loss.native`), with its numeric parameters.
#include <cmath>
#include <memory>
#include <string>

#include "lamina/engine/loss.h"
#include "lamina/errors.h"
#include "lamina/kernels/loss.h"

namespace lamina {

NativeLoss::NativeLoss(const Params& params) {
  const double code = param(params, "reduction", 0);
  if (code != 0 && code != 1 && code != 2 && code != 3) {
    throw ValueError("Unknown loss reduction code " + std::to_string(code) + ".");
  }
  reduction_ = static_cast<Reduction>(static_cast<int>(code));
}

LossScale NativeLoss::reduction_scale(const float* sw, const float* y, int64_t rows, int64_t cols,
                                      const float* mask) const {
  if (reduction_ == Reduction::kSum) return {1.0, 1.0};
  // "none": Keras differentiates the sum; its loss tracker averages the
  // per-row values, counted or not.
  if (reduction_ == Reduction::kNone) return {1.0, rows > 0 ? 1.0 / rows : 0.0};
  const int64_t label_width = label_cols(cols);
  double denominator = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    if (!row_counts(y + r * label_width) || (mask != nullptr && mask[r] == 0.0f)) continue;
    // Keras folds a mask into the weights; "mean_with_sample_weight" divides
    // by their sum (the row count without weights), "sum_over_batch_size" by
    // the number of unmasked rows.
    const bool weighted = reduction_ == Reduction::kMeanWithSampleWeight && sw != nullptr;
    denominator += weighted ? static_cast<double>(sw[r]) : 1.0;
  }
  const double inv = denominator != 0.0 ? 1.0 / denominator : 0.0;
  return {inv, inv};
}

double NativeLoss::compute(const float* out, const float* logits, const float* y, const float* sw,
                           int64_t rows, int64_t cols, float* grad, float scale) const {
  LossArgs<float> a;
  a.pred = logits != nullptr ? logits : out;
  a.y = y;
  a.weight = sw;
  a.rows = rows;
  a.cols = cols;
  a.scale = scale;
  a.grad = grad;
  return compute_rows(a, logits != nullptr);
}

namespace {

// Dispatches both dtypes to the derived class's `run<T>(args, pred_is_logits)`.
template <class Derived>
class LossImpl : public NativeLoss {
 public:
  using NativeLoss::NativeLoss;
  double compute_rows(const LossArgs<float>& a, bool pred_is_logits) const override {
    return static_cast<const Derived&>(*this).run(a, pred_is_logits);
  }
  double compute_rows(const LossArgs<double>& a, bool pred_is_logits) const override {
    return static_cast<const Derived&>(*this).run(a, pred_is_logits);
  }
};

// Losses on values (no logits, no options but the kernel's own).
#define LAMINA_PLAIN_LOSS(Class, kernel)           \
  class Class final : public LossImpl<Class> {     \
   public:                                         \
    using LossImpl::LossImpl;                      \
    template <typename T>                          \
    double run(const LossArgs<T>& a, bool) const { \
      return kernel(a);                            \
    }                                              \
  };
LAMINA_PLAIN_LOSS(MeanSquaredError, mean_squared_error)
LAMINA_PLAIN_LOSS(MeanAbsoluteError, mean_absolute_error)
LAMINA_PLAIN_LOSS(MeanAbsolutePercentageError, mean_absolute_percentage_error)
LAMINA_PLAIN_LOSS(MeanSquaredLogarithmicError, mean_squared_logarithmic_error)
LAMINA_PLAIN_LOSS(LogCosh, log_cosh)
LAMINA_PLAIN_LOSS(Poisson, poisson)
LAMINA_PLAIN_LOSS(KLDivergence, kl_divergence)
LAMINA_PLAIN_LOSS(Hinge, hinge)
LAMINA_PLAIN_LOSS(SquaredHinge, squared_hinge)
LAMINA_PLAIN_LOSS(CategoricalHinge, categorical_hinge)
LAMINA_PLAIN_LOSS(CosineSimilarity, cosine_similarity)
#undef LAMINA_PLAIN_LOSS

class Huber final : public LossImpl<Huber> {
 public:
  explicit Huber(const Params& p) : LossImpl(p), delta_(param(p, "delta", 1.0)) {}
  template <typename T>
  double run(const LossArgs<T>& a, bool) const {
    return huber(a, delta_);
  }

 private:
  double delta_;
};

CrossentropyOptions crossentropy_options(const Params& p) {
  CrossentropyOptions o;
  o.from_logits = param(p, "from_logits", 0) != 0;
  o.label_smoothing = param(p, "label_smoothing", 0.0);
  o.alpha = param(p, "alpha", 0.25);
  o.gamma = param(p, "gamma", 2.0);
  o.apply_class_balancing = param(p, "apply_class_balancing", 0) != 0;
  o.has_ignore_class = p.count("ignore_class") != 0;
  o.ignore_class = param(p, "ignore_class", 0.0);
  return o;
}

// A crossentropy kernel bound to its options. `Fuse` is the activation whose
// logits it reads; `fuse_with_logits` says whether it still does so when
// from_logits=True (Keras's cached logits win over from_logits for the plain
// crossentropies, not for the focal forms, which apply the activation again).
template <class Derived>
class CrossentropyLoss : public LossImpl<Derived> {
 public:
  explicit CrossentropyLoss(const Params& p) : LossImpl<Derived>(p), o_(crossentropy_options(p)) {}
  template <typename T>
  double run(const LossArgs<T>& a, bool pred_is_logits) const {
    CrossentropyOptions o = o_;
    o.from_logits = o_.from_logits || pred_is_logits;
    return Derived::kernel(a, o);
  }

 protected:
  CrossentropyOptions o_;
};

class BinaryCrossentropy final : public CrossentropyLoss<BinaryCrossentropy> {
 public:
  using CrossentropyLoss::CrossentropyLoss;
  Activation fusable_activation() const override { return Activation::kSigmoid; }
  template <typename T>
  static double kernel(const LossArgs<T>& a, const CrossentropyOptions& o) {
    return binary_crossentropy(a, o);
  }
};

class BinaryFocalCrossentropy final : public CrossentropyLoss<BinaryFocalCrossentropy> {
 public:
  using CrossentropyLoss::CrossentropyLoss;
  // With from_logits=True Keras applies sigmoid again to the output.
  Activation fusable_activation() const override {
    return o_.from_logits ? Activation::kLinear : Activation::kSigmoid;
  }
  template <typename T>
  static double kernel(const LossArgs<T>& a, const CrossentropyOptions& o) {
    return binary_focal_crossentropy(a, o);
  }
};

class CategoricalCrossentropy final : public CrossentropyLoss<CategoricalCrossentropy> {
 public:
  using CrossentropyLoss::CrossentropyLoss;
  Activation fusable_activation() const override { return Activation::kSoftmax; }
  template <typename T>
  static double kernel(const LossArgs<T>& a, const CrossentropyOptions& o) {
    return categorical_crossentropy(a, o);
  }
};

// Keras never reads cached logits here: it takes the log of the clipped,
// normalised probabilities itself.
class CategoricalFocalCrossentropy final : public CrossentropyLoss<CategoricalFocalCrossentropy> {
 public:
  using CrossentropyLoss::CrossentropyLoss;
  template <typename T>
  static double kernel(const LossArgs<T>& a, const CrossentropyOptions& o) {
    return categorical_focal_crossentropy(a, o);
  }
};

class SparseCategoricalCrossentropy final : public CrossentropyLoss<SparseCategoricalCrossentropy> {
 public:
  using CrossentropyLoss::CrossentropyLoss;
  int64_t label_cols(int64_t) const override { return 1; }
  // With ignore_class Keras masks the probabilities first (ops.where), which
  // drops the cached logits: it clips as for any probabilities.
  Activation fusable_activation() const override {
    return o_.has_ignore_class ? Activation::kLinear : Activation::kSoftmax;
  }
  bool row_counts(const float* y_row) const override {
    return !o_.has_ignore_class || static_cast<double>(y_row[0]) != o_.ignore_class;
  }
  void check_labels(const float* y, int64_t rows, int64_t cols) const override {
    check_sparse_labels(y, rows, cols, o_.has_ignore_class, o_.ignore_class);
  }
  template <typename T>
  static double kernel(const LossArgs<T>& a, const CrossentropyOptions& o) {
    return sparse_categorical_crossentropy(a, o);
  }
};

template <class L>
std::unique_ptr<NativeLoss> make(const Params& p) {
  return std::make_unique<L>(p);
}

}  // namespace

std::unique_ptr<NativeLoss> make_loss(const std::string& name, const Params& params) {
  using Factory = std::unique_ptr<NativeLoss> (*)(const Params&);
  static const struct {
    const char* name;
    Factory make;
  } kRegistry[] = {
      {"mean_squared_error", make<MeanSquaredError>},
      {"mean_absolute_error", make<MeanAbsoluteError>},
      {"mean_absolute_percentage_error", make<MeanAbsolutePercentageError>},
      {"mean_squared_logarithmic_error", make<MeanSquaredLogarithmicError>},
      {"huber", make<Huber>},
      {"log_cosh", make<LogCosh>},
      {"poisson", make<Poisson>},
      {"kl_divergence", make<KLDivergence>},
      {"hinge", make<Hinge>},
      {"squared_hinge", make<SquaredHinge>},
      {"categorical_hinge", make<CategoricalHinge>},
      {"cosine_similarity", make<CosineSimilarity>},
      {"binary_crossentropy", make<BinaryCrossentropy>},
      {"binary_focal_crossentropy", make<BinaryFocalCrossentropy>},
      {"categorical_crossentropy", make<CategoricalCrossentropy>},
      {"categorical_focal_crossentropy", make<CategoricalFocalCrossentropy>},
      {"sparse_categorical_crossentropy", make<SparseCategoricalCrossentropy>},
  };
  for (const auto& entry : kRegistry) {
    if (name == entry.name) return entry.make(params);
  }
  throw ValueError("The native core has no loss '" + name + "'.");
}

}  // namespace lamina
