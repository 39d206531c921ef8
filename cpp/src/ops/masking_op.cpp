// Masking: steps whose features all equal mask_value are zeroed and masked
// for the layers after it. forward and backward recompute the per-step test
// from x (one comparison per element) rather than keep the mask.
#include <algorithm>
#include <cstring>

#include "lamina/errors.h"
#include "lamina/ops/masking.h"

namespace lamina {
namespace {

class MaskingOp final : public Op {
 public:
  MaskingOp(const std::string& name, float mask_value) : Op(name), mask_value_(mask_value) {}

  const char* kind() const override { return "Masking"; }

  Shape build(const Shape& input) override {
    if (input.empty()) {
      throw ValueError("Layer '" + name_ + "' (Masking) needs inputs with a feature axis; " +
                       "received input with shape " + shape_str(input) + ".");
    }
    features_ = input.back();
    steps_ = shape_numel(input) / features_;
    return input;
  }

  bool computes_mask() const override { return true; }

  void compute_mask(const float* x, float* mask, int64_t batch) override {
    parallel_for(batch * steps_, grain(), [&](int64_t begin, int64_t end) {
      for (int64_t s = begin; s < end; ++s) mask[s] = keeps(x + s * features_) ? 1.0f : 0.0f;
    });
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    select(x, x, y, batch);
  }

  void backward(const float* x, const float*, float* dy, float* dx, int64_t batch,
                const StepContext&, bool) override {
    if (dx != nullptr) select(x, dy, dx, batch);
  }

 private:
  int64_t grain() const { return std::max<int64_t>(1, 16384 / features_); }

  // Any feature different from mask_value (NaN differs from everything).
  bool keeps(const float* step) const {
    bool any = false;
    for (int64_t f = 0; f < features_; ++f) any = any || step[f] != mask_value_;
    return any;
  }

  // out = in at kept steps of x, 0 at masked ones.
  void select(const float* x, const float* in, float* out, int64_t batch) const {
    const size_t bytes = sizeof(float) * static_cast<size_t>(features_);
    parallel_for(batch * steps_, grain(), [&](int64_t begin, int64_t end) {
      for (int64_t s = begin; s < end; ++s) {
        if (keeps(x + s * features_)) {
          std::memcpy(out + s * features_, in + s * features_, bytes);
        } else {
          std::memset(out + s * features_, 0, bytes);
        }
      }
    });
  }

  float mask_value_;
  int64_t features_ = 1, steps_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_masking_op(const std::string& name, float mask_value) {
  return std::make_unique<MaskingOp>(name, mask_value);
}

}  // namespace lamina
