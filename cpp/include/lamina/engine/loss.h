// A loss as the engine runs it. One class per Keras loss, made by name from
// its parameters (src/engine/losses.cpp is the registry).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lamina/kernels/activation.h"
#include "lamina/kernels/loss.h"
#include "lamina/params.h"

namespace lamina {

// Keras's `reduction` argument ("mean" is "sum_over_batch_size"; "none" and
// None are kNone). The Python side passes the code as params["reduction"].
enum class Reduction { kSumOverBatchSize = 0, kSum = 1, kMeanWithSampleWeight = 2, kNone = 3 };

// Multipliers of the weighted loss sum: `grad` scales the gradient, `value`
// gives the step's reported loss. They differ only for "none": Keras then
// differentiates the sum but its loss tracker reports the mean.
struct LossScale {
  double grad = 1.0;
  double value = 1.0;
};

class NativeLoss {
 public:
  explicit NativeLoss(const Params& params);
  virtual ~NativeLoss() = default;
  // Label values per output row: 1 for sparse class indices, else cols.
  virtual int64_t label_cols(int64_t cols) const { return cols; }
  // The output activation whose logits this loss reads when the model ends in
  // it (softmax for crossentropy, sigmoid for binary crossentropy), or
  // kLinear for none. Keras on TensorFlow does the same (its cached
  // `_keras_logits`), even when from_logits=True: no clipping, exact gradients.
  virtual Activation fusable_activation() const { return Activation::kLinear; }
  // Whether label row `y_row` takes part in the loss (ignore_class masks rows).
  virtual bool row_counts(const float* y_row) const { return true; }
  // Throws ValueError naming the first bad label and its row.
  virtual void check_labels(const float* y, int64_t rows, int64_t cols) const {}

  // Keras's reduction over `rows` rows (sw: one weight per row, or null):
  // divide by the number of counted rows ("sum_over_batch_size"), by their
  // weight sum ("mean_with_sample_weight"), or not at all; 0 when nothing
  // counts (divide_no_nan).
  // mask (optional, one value per row): rows it zeroes are not counted.
  LossScale reduction_scale(const float* sw, const float* y, int64_t rows, int64_t cols,
                            const float* mask = nullptr) const;
  Reduction reduction() const { return reduction_; }

  // Returns sum_r w_r * loss_r over `rows` rows of `cols` (w = 1 when sw is
  // null). If `logits` is non-null it holds the pre-activation of the output
  // (of fusable_activation()), and the loss is computed from it. If `grad`
  // is non-null, writes d(scale * sum)/d(input): with respect to the logits
  // when they were given, else to `out`.
  double compute(const float* out, const float* logits, const float* y, const float* sw,
                 int64_t rows, int64_t cols, float* grad, float scale) const;

  // The same on explicit arguments, float32 or float64 (the reference path):
  // `a.pred` holds logits when `pred_is_logits`, else the output. Also fills
  // a.row_loss (unweighted; 0 for rows that do not count) when non-null.
  virtual double compute_rows(const LossArgs<float>& a, bool pred_is_logits) const = 0;
  virtual double compute_rows(const LossArgs<double>& a, bool pred_is_logits) const = 0;

 private:
  Reduction reduction_;
};

// Throws ValueError for an unknown name or reduction code.
std::unique_ptr<NativeLoss> make_loss(const std::string& name, const Params& params);

}  // namespace lamina
