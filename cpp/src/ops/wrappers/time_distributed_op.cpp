// TimeDistributed: row-major [batch, T, ...] is [batch * T, ...], so the
// inner op runs once on the merged batch; nothing is copied.
#include <utility>

#include "lamina/errors.h"
#include "lamina/ops/wrappers.h"

namespace lamina {
namespace {

class TimeDistributedOp final : public Op {
 public:
  TimeDistributedOp(const std::string& name, std::unique_ptr<Op> inner)
      : Op(name), inner_(std::move(inner)) {}

  const char* kind() const override { return "TimeDistributed"; }

  Shape build(const Shape& input) override {
    if (input.size() < 2) {
      throw ValueError("Layer '" + name_ +
                       "' (TimeDistributed) expects inputs of at least rank 3, (batch, timesteps, "
                       "...); received input with shape (None" +
                       (input.empty() ? std::string() : ", " + std::to_string(input[0])) + ").");
    }
    steps_ = input[0];
    Shape inner_out = inner_->build(Shape(input.begin() + 1, input.end()));
    Shape out{steps_};
    out.insert(out.end(), inner_out.begin(), inner_out.end());
    return out;
  }

  void reserve(int64_t batch) override { inner_->reserve(batch * steps_); }
  bool is_view() const override { return inner_->is_view(); }
  std::vector<Param*> bound_params() override { return inner_->bound_params(); }

  void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) override {
    inner_->forward(x, y, batch * steps_, ctx);
  }

  void backward(const float* x, const float* y, float* dy, float* dx, int64_t batch,
                const StepContext& ctx, bool dy_is_preactivation) override {
    inner_->backward(x, y, dy, dx, batch * steps_, ctx, dy_is_preactivation);
  }

  // The loss may read the inner op's logits (TimeDistributed(Dense(softmax))).
  Activation output_activation() const override { return inner_->output_activation(); }
  const float* preactivation(const float* x) const override { return inner_->preactivation(x); }

 private:
  std::unique_ptr<Op> inner_;
  int64_t steps_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_time_distributed_op(const std::string& name, std::unique_ptr<Op> inner) {
  return std::make_unique<TimeDistributedOp>(name, std::move(inner));
}

}  // namespace lamina
