// An optimizer as the engine applies it: state layout and one step over every
// trainable weight (src/engine/optimizers.cpp is the registry).
//
// Contract with the caller (Plan, and Python's Optimizer._attach):
// - hyper[0] is the learning rate of this step (Python writes it before each
//   step: a constant, a schedule's value at `iterations`, or tf.keras 2.x's
//   time decay). Every other hyper-parameter is fixed when the optimizer is
//   made, from `params` (Keras's defaults when absent).
// - Per trainable weight, slots_per_weight() arrays of the weight's size, in
//   this order: the rule's own slots (documented per optimizer in
//   optimizers.cpp), then the gradient accumulator if
//   gradient_accumulation_steps >= 2, then the EMA average if use_ema.
// - t = iterations + 1, where iterations counts every call (micro-steps too,
//   when gradients are accumulated). The caller then increments iterations.
//
// Generic params (Keras's base optimizer): clipnorm, clipvalue,
// global_clipnorm (0 or absent = off), weight_decay (absent = off),
// use_ema, ema_momentum, ema_overwrite_frequency, gradient_accumulation_steps.
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
  // State arrays per weight, each the weight's size.
  virtual int slots_per_weight() const = 0;
  // Minimum length of the caller's hyper-parameter array (hyper[0] = learning rate).
  virtual int hyper_size() const = 0;
  // One call per training step over every weight whose slot list is non-empty
  // (empty = frozen), from the gradients in Param::grad (which it may modify:
  // clipping, accumulation). Not const: some optimizers cache per-step
  // products (Nadam's momentum schedule).
  virtual void step(const std::vector<Param*>& params,
                    const std::vector<std::vector<float*>>& slots, const float* hyper,
                    int64_t t) = 0;
};

// Throws ValueError for an unknown name.
std::unique_ptr<NativeOptimizer> make_optimizer(const std::string& name, const Params& params);

}  // namespace lamina
