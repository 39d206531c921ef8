// The activation after a convolution's linear output, forward and backward,
// shared by the convolution ops (Dense fuses its own with its GEMM). The
// pre-activation is kept only when the backward or a fused crossentropy
// loss needs it, as in Dense.
#pragma once

#include <cmath>
#include <cstdint>

#include "lamina/kernels.h"
#include "lamina/runtime.h"

namespace lamina {

class Epilogue {
 public:
  explicit Epilogue(const ActivationSpec& act) : act_(act) {}

  bool keeps_logits() const {
    return act_.kind == Activation::kSoftmax || act_.kind == Activation::kSigmoid ||
           activation_backward_needs_x(act_);
  }
  void reserve(int64_t elements) {
    if (keeps_logits()) logits_.reserve(static_cast<size_t>(elements));
  }
  // The activation a linear kernel may apply itself as it writes the output
  // (when the pre-activation is not kept), or null.
  const ActivationSpec* fusable() const { return keeps_logits() ? nullptr : &act_; }
  // Where the linear op writes: the output itself unless the logits are kept.
  float* linear_out(float* y) { return keeps_logits() ? logits_.data() : y; }

  void forward(const float* z, float* y, int64_t rows, int64_t cols) const {
    activation_forward(act_, z, y, rows, cols);
  }
  // Turns dy (gradient at the output) into the gradient at the linear output,
  // in place; nothing to do when the loss already gave it there.
  void backward(const float* y, float* dy, int64_t rows, int64_t cols,
                bool dy_is_preactivation) const {
    if (dy_is_preactivation || skip_backward_) return;
    activation_backward(act_, keeps_logits() ? logits_.data() : nullptr, y, dy, dy, rows, cols);
  }

  // Op::skip_relu_backward for the op this epilogue ends.
  bool skip_relu_backward(bool skip) {
    const bool plain_relu = act_.kind == Activation::kRelu && act_.negative_slope == 0.0 &&
                            act_.threshold == 0.0 && std::isinf(act_.max_value);
    skip_backward_ = skip && plain_relu;
    return plain_relu;
  }

  Activation kind() const { return act_.kind; }
  const float* logits() const { return keeps_logits() ? logits_.data() : nullptr; }

 private:
  ActivationSpec act_;
  Buffer logits_;
  bool skip_backward_ = false;
};

}  // namespace lamina
