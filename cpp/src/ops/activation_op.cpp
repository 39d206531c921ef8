// Activation layer: y = act(x); its input is the pre-activation the backward
// and a fused crossentropy loss read.
#include "lamina/ops.h"

namespace lamina {
namespace {

class ActivationOp final : public Op {
 public:
  ActivationOp(const std::string& name, const ActivationSpec& act) : Op(name), act_(act) {}
  const char* kind() const override { return "Activation"; }

  Shape build(const Shape& input) override {
    cols_ = input.empty() ? 1 : input.back();
    numel_ = shape_numel(input);
    return input;
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    activation_forward(act_, x, y, batch * numel_ / cols_, cols_);
  }

  void backward(const float* x, const float* y, float* dy, float* dx, int64_t batch,
                const StepContext&, bool dy_is_preactivation) override {
    if (dx == nullptr) return;
    const ActivationSpec act = dy_is_preactivation ? ActivationSpec() : act_;
    activation_backward(act, x, y, dy, dx, batch * numel_ / cols_, cols_);
  }

  Activation output_activation() const override { return act_.kind; }
  const float* preactivation(const float* x) const override { return x; }

 private:
  ActivationSpec act_;
  int64_t cols_ = 1, numel_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_activation_op(const std::string& name, const ActivationSpec& act) {
  return std::make_unique<ActivationOp>(name, act);
}

}  // namespace lamina
