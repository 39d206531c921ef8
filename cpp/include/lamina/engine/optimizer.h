// An optimizer as the engine applies it: state layout and one step over every
// trainable weight (src/engine/optimizers.cpp is the registry).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lamina/ops.h"
#include "lamina/params.h"

namespace lamina {

class NativeOptimizer {
 public:
  virtual ~NativeOptimizer() = default;
  // State arrays per weight, each the weight's size (Adam: m, v).
  virtual int slots_per_weight() const = 0;
  // Minimum length of the caller's hyper-parameter array (read every step,
  // so the learning rate can change between steps; hyper[0] = learning rate).
  virtual int hyper_size() const = 0;
  // One update of every weight whose slot list is non-empty (empty = frozen),
  // from the gradients in Param::grad. t = iterations + 1. The caller then
  // increments iterations.
  virtual void step(const std::vector<Param*>& params,
                    const std::vector<std::vector<float*>>& slots, const float* hyper,
                    int64_t t) const = 0;
};

// Throws ValueError for an unknown name.
std::unique_ptr<NativeOptimizer> make_optimizer(const std::string& name, const Params& params);

}  // namespace lamina
