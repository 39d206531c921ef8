// The optimizer registry: each optimizer's state layout and step, with the
// element-wise update math in the per-ISA kernel table.
#include <array>
#include <cmath>
#include <memory>
#include <string>

#include "lamina/engine/optimizer.h"
#include "lamina/errors.h"
#include "lamina/kernels/kernel_table.h"
#include "lamina/runtime.h"

namespace lamina {
namespace {

constexpr int64_t kGrain = 16384;

// hyper: {learning_rate, beta_1, beta_2, epsilon}
class Adam final : public NativeOptimizer {
 public:
  int slots_per_weight() const override { return 2; }
  int hyper_size() const override { return 4; }
  void step(const std::vector<Param*>& params, const std::vector<std::vector<float*>>& slots,
            const float* hyper, int64_t t) const override {
    const KernelTable& kt = active_kernels();
    const float lr = hyper[0], b1 = hyper[1], b2 = hyper[2], eps = hyper[3];
    const float tf = static_cast<float>(t);
    const float alpha = lr * std::sqrt(1.0f - std::pow(b2, tf)) / (1.0f - std::pow(b1, tf));
    for (size_t k = 0; k < params.size(); ++k) {
      if (slots[k].empty()) continue;
      float* w = params[k]->value;
      const float* g = params[k]->grad.data();
      float* m = slots[k][0];
      float* v = slots[k][1];
      parallel_for(params[k]->size, kGrain, [&](int64_t b, int64_t e) {
        kt.adam_update(w + b, g + b, m + b, v + b, e - b, alpha, b1, b2, eps);
      });
    }
  }
};

// hyper: {learning_rate, momentum, nesterov (0 or 1)}
class Sgd final : public NativeOptimizer {
 public:
  int slots_per_weight() const override { return 1; }
  int hyper_size() const override { return 3; }
  void step(const std::vector<Param*>& params, const std::vector<std::vector<float*>>& slots,
            const float* hyper, int64_t) const override {
    const KernelTable& kt = active_kernels();
    const float lr = hyper[0], momentum = hyper[1];
    const bool nesterov = hyper[2] != 0.0f;
    for (size_t k = 0; k < params.size(); ++k) {
      if (slots[k].empty()) continue;
      float* w = params[k]->value;
      const float* g = params[k]->grad.data();
      float* m = slots[k][0];
      parallel_for(params[k]->size, kGrain, [&](int64_t b, int64_t e) {
        kt.sgd_update(w + b, g + b, m + b, e - b, lr, momentum, nesterov);
      });
    }
  }
};

}  // namespace

std::unique_ptr<NativeOptimizer> make_optimizer(const std::string& name, const Params&) {
  if (name == "adam") return std::make_unique<Adam>();
  if (name == "sgd") return std::make_unique<Sgd>();
  throw ValueError("The native core has no optimizer '" + name + "'.");
}

}  // namespace lamina
