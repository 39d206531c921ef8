#include <cstring>

#include "lamina/ops.h"

namespace lamina {
namespace {

class DropoutOp final : public Op {
 public:
  DropoutOp(const std::string& name, float rate, uint64_t seed)
      : Op(name), rate_(rate), seed_(seed) {}
  const char* kind() const override { return "Dropout"; }

  Shape build(const Shape& input) override {
    numel_ = shape_numel(input);
    return input;
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) override {
    const int64_t n = batch * numel_;
    if (ctx.training && rate_ > 0.0f) {
      dropout_forward(x, y, n, rate_, seed_, ctx.step);
    } else {
      std::memcpy(y, x, sizeof(float) * static_cast<size_t>(n));
    }
  }

  void backward(const float*, const float*, float* dy, float* dx, int64_t batch,
                const StepContext& ctx, bool) override {
    if (dx == nullptr) return;
    const int64_t n = batch * numel_;
    if (ctx.training && rate_ > 0.0f) {
      dropout_backward(dy, dx, n, rate_, seed_, ctx.step);
    } else {
      std::memcpy(dx, dy, sizeof(float) * static_cast<size_t>(n));
    }
  }

 private:
  float rate_;
  uint64_t seed_;
  int64_t numel_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_dropout_op(const std::string& name, float rate, uint64_t seed) {
  return std::make_unique<DropoutOp>(name, rate, seed);
}

}  // namespace lamina
