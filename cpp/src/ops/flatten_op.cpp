#include "lamina/ops.h"

namespace lamina {
namespace {

// Row-major memory is already flat: the engine aliases input and output.
class FlattenOp final : public Op {
 public:
  explicit FlattenOp(const std::string& name) : Op(name) {}
  const char* kind() const override { return "Flatten"; }
  bool is_view() const override { return true; }
  Shape build(const Shape& input) override { return {shape_numel(input)}; }
  void forward(const float*, float*, int64_t, const StepContext&) override {}
  void backward(const float*, const float*, float*, float*, int64_t, const StepContext&,
                bool) override {}
};

}  // namespace

std::unique_ptr<Op> make_flatten_op(const std::string& name) {
  return std::make_unique<FlattenOp>(name);
}

}  // namespace lamina
