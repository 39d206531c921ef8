// A loss as the engine runs it. One class per Keras loss, made by name from
// its parameters (src/engine/losses.cpp is the registry).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lamina/kernels/activation.h"
#include "lamina/params.h"

namespace lamina {

class NativeLoss {
 public:
  virtual ~NativeLoss() = default;
  // Label values per output row: 1 for sparse class indices, else cols.
  virtual int64_t label_cols(int64_t cols) const { return cols; }
  // The output activation whose logits this loss would rather read (softmax
  // for crossentropy, sigmoid for binary crossentropy), or kLinear for none.
  // Keras on TensorFlow does the same: no clipping, exact gradients.
  virtual Activation fusable_activation() const { return Activation::kLinear; }
  // What the summed loss is divided by (Keras's reduction): the number of
  // rows for "sum_over_batch_size", 1 for "sum", the weight sum for
  // "mean_with_sample_weight". The gradient is scaled to match.
  virtual double denominator(const float* sw, int64_t rows) const {
    return static_cast<double>(rows);
  }
  // Throws ValueError naming the first bad label and its row.
  virtual void check_labels(const float* y, int64_t rows, int64_t cols) const {}
  // Returns sum_i w_i * loss_i over `rows` rows of `cols` (w = 1 when sw is
  // null). If `logits` is non-null it holds the pre-activation of the output
  // (of fusable_activation()), and the loss is computed from it. If `grad`
  // is non-null, writes d(scale * sum)/d(input): with respect to the logits
  // when they were given, else to `out`.
  virtual double compute(const float* out, const float* logits, const float* y, const float* sw,
                         int64_t rows, int64_t cols, float* grad, float scale) const = 0;
};

// Throws ValueError for an unknown name.
std::unique_ptr<NativeLoss> make_loss(const std::string& name, const Params& params);

}  // namespace lamina
