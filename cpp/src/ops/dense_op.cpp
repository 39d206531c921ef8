// Dense: y = act(x W + b) over the last axis. The pre-activation z = x W + b
// is kept only when needed: when the activation's backward reads z (gelu,
// silu, elu, ...), and for softmax/sigmoid outputs, whose logits a
// crossentropy loss reads. relu, tanh, sigmoid and softmax gradients are
// expressed through the output y.
#include <cstring>

#include "lamina/errors.h"
#include "lamina/ops.h"

namespace lamina {
namespace {

class DenseOp final : public Op {
 public:
  DenseOp(const std::string& name, int64_t in, int64_t units, const ActivationSpec& act,
          bool use_bias)
      : Op(name), in_(in), units_(units), act_(act), use_bias_(use_bias) {
    Param kernel;
    kernel.name = "kernel";
    kernel.shape = {in, units};
    kernel.size = in * units;
    params_.push_back(std::move(kernel));
    if (use_bias) {
      Param bias;
      bias.name = "bias";
      bias.shape = {units};
      bias.size = units;
      params_.push_back(std::move(bias));
    }
  }

  const char* kind() const override { return "Dense"; }

  Shape build(const Shape& input) override {
    if (input.empty() || input.back() != in_) {
      throw ValueError("Input 0 of layer \"" + name_ +
                       "\" is incompatible with the layer: expected axis -1 of input shape "
                       "to have value " +
                       std::to_string(in_) + ", but received input with shape " + shape_str(input));
    }
    Shape out = input;
    out.back() = units_;
    rows_per_sample_ = shape_numel(input) / in_;
    for (Param& p : params_) p.grad.reserve(static_cast<size_t>(p.size));
    return out;
  }

  void reserve(int64_t batch) override {
    if (keeps_logits()) logits_.reserve(static_cast<size_t>(batch * rows_per_sample_ * units_));
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    const int64_t rows = batch * rows_per_sample_;
    float* z = keeps_logits() ? logits_.data() : y;
    // The bias, and an activation whose input need not be kept, run inside
    // the GEMM on each block while it is in cache.
    GemmEpilogue epilogue;
    epilogue.bias = use_bias_ ? params_[1].value : nullptr;
    epilogue.activation = keeps_logits() ? nullptr : &act_;
    gemm_f32(false, false, rows, units_, in_, x, in_, params_[0].value, units_, z, units_, false,
             epilogue);
    if (keeps_logits()) activation_forward(act_, z, y, rows, units_);
  }

  void backward(const float* x, const float* y, float* dy, float* dx, int64_t batch,
                const StepContext&, bool dy_is_preactivation) override {
    const int64_t rows = batch * rows_per_sample_;
    if (!dy_is_preactivation) {
      const float* z = keeps_logits() ? logits_.data() : nullptr;
      activation_backward(act_, z, y, dy, dy, rows, units_);
    }
    gemm_f32(true, false, in_, units_, rows, x, in_, dy, units_, params_[0].grad.data(), units_,
             false);
    if (use_bias_) column_sum(dy, rows, units_, params_[1].grad.data(), false);
    if (dx != nullptr) {
      gemm_f32(false, true, rows, in_, units_, dy, units_, params_[0].value, units_, dx, in_,
               false);
    }
  }

  Activation output_activation() const override { return act_.kind; }
  const float* preactivation(const float*) const override {
    return keeps_logits() ? logits_.data() : nullptr;
  }

 private:
  bool keeps_logits() const {
    return act_.kind == Activation::kSoftmax || act_.kind == Activation::kSigmoid ||
           activation_backward_needs_x(act_);
  }

  int64_t in_, units_;
  ActivationSpec act_;
  bool use_bias_;
  int64_t rows_per_sample_ = 1;
  Buffer logits_;
};

}  // namespace

std::unique_ptr<Op> make_dense_op(const std::string& name, int64_t in_features, int64_t units,
                                  const ActivationSpec& act, bool use_bias) {
  return std::make_unique<DenseOp>(name, in_features, units, act, use_bias);
}

}  // namespace lamina
