// Layer ops: the math of one layer, forward and backward, built from kernels.
// Python holds a layer's Keras surface; an Op holds only what it computes.
//
// Activations flow as [batch, per-sample shape...] row-major float32.
// Parameters are views of memory owned by the caller (numpy arrays on the
// Python side), so both halves see the same weights with no copy per step.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lamina/kernels.h"
#include "lamina/runtime.h"

namespace lamina {

using Shape = std::vector<int64_t>;  // per-sample shape (no batch dim)
int64_t shape_numel(const Shape& shape);
std::string shape_str(const Shape& shape);  // "(None, 20)"

// A trainable tensor: value is a view (not owned), grad is op-owned.
struct Param {
  std::string name;
  Shape shape;
  int64_t size = 0;
  float* value = nullptr;  // bound by the caller before the first step
  Buffer grad;
  // False for state the op updates itself in forward (BatchNormalization's
  // moving statistics): no gradient is written for it.
  bool has_grad = true;
};

struct StepContext {
  bool training = false;
  uint64_t step = 0;  // counter for the dropout generator
  // False when a step is re-run (the NaN diagnosis): ops must not update
  // their state (BatchNormalization's moving statistics) a second time.
  bool update_state = true;
};

class Op {
 public:
  explicit Op(std::string name) : name_(std::move(name)) {}
  virtual ~Op() = default;
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;

  const std::string& name() const { return name_; }
  virtual const char* kind() const = 0;

  // Validates the per-sample input shape; returns the output shape. Throws
  // ValueError naming the layer and both shapes on mismatch.
  virtual Shape build(const Shape& input) = 0;
  // Grows any per-batch scratch to hold `batch` samples. Never shrinks.
  virtual void reserve(int64_t batch) {}

  // y = f(x) for `batch` samples.
  virtual void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) = 0;
  // Writes parameter gradients (overwriting) and, if dx is non-null, dL/dx.
  // When dy_is_preactivation is set, dy is the gradient with respect to the
  // input of the op's output activation (a loss fused with softmax/sigmoid).
  // dy is scratch the op may overwrite.
  virtual void backward(const float* x, const float* y, float* dy, float* dx, int64_t batch,
                        const StepContext& ctx, bool dy_is_preactivation) = 0;

  // Ops whose output is their input's memory (Flatten) are skipped by the
  // engine, which aliases the buffers instead.
  virtual bool is_view() const { return false; }
  // The activation applied last, and the tensor it was applied to (the
  // logits), so a crossentropy loss can be computed from logits.
  virtual Activation output_activation() const { return Activation::kLinear; }
  virtual const float* preactivation(const float* x) const { return nullptr; }

  // Masks (Keras's `_keras_mask`): one float per timestep of a sequence,
  // [batch, steps] with steps = the per-sample numel over the last axis;
  // 1 keeps a step, 0 masks it. The plan decides which op sees which mask.
  //
  // An op that starts a mask (Embedding with mask_zero, Masking) computes it
  // from its input before its forward runs.
  virtual bool computes_mask() const { return false; }
  virtual void compute_mask(const float* x, float* mask, int64_t batch) {}
  // The mask of this op's input for the current step, or null; set before
  // forward and valid through backward. Ops that ignore masks ignore it.
  virtual void set_input_mask(const float* mask) {}

  // A plain relu followed by max pooling: the pool routes each window's
  // gradient to its maximum only, so it can apply relu's gradient as well
  // (nothing where that maximum is not positive) and the op before it skips
  // its own pass over the gradient. The plan pairs the two.
  //
  // Producer: whether its output is a plain relu it applies itself; if so,
  // `skip` turns its relu backward off (or back on).
  virtual bool skip_relu_backward(bool skip) { return false; }
  // Consumer: whether it can gate its input gradient that way; `on` sets it.
  virtual bool relu_gate_supported() const { return false; }
  virtual void set_relu_gate(bool on) {}

  // A consumer that reads only the top-left rows x cols of its [h, w, c]
  // input (a pool without pads whose windows stop short of the edge: 10 of
  // 11 under a 2x2 max pool) says so, and the plan tells the producer, which
  // may then leave zeros there instead of computing them. The consumer's
  // gradient is zero there, so the producer's backward may skip them too.
  // Consumer: the rows and cols it reads (0: all).
  virtual std::pair<int64_t, int64_t> input_read() const { return {0, 0}; }
  // Producer: the rows and cols of its output the next op reads (0: all).
  virtual void set_output_read(int64_t rows, int64_t cols) {}

  std::vector<Param>& params() { return params_; }
  // Every param the plan binds and trains for this op in binding order: its
  // own, or for an op that wraps others (Bidirectional, TimeDistributed)
  // theirs.
  virtual std::vector<Param*> bound_params() {
    std::vector<Param*> out;
    for (Param& p : params_) out.push_back(&p);
    return out;
  }

 protected:
  std::string name_;
  std::vector<Param> params_;
};

// kernel [in, units], bias [units]; applied to the last axis of the input.
std::unique_ptr<Op> make_dense_op(const std::string& name, int64_t in_features, int64_t units,
                                  const ActivationSpec& activation, bool use_bias);
std::unique_ptr<Op> make_activation_op(const std::string& name, const ActivationSpec& activation);
std::unique_ptr<Op> make_dropout_op(const std::string& name, float rate, uint64_t seed);
std::unique_ptr<Op> make_flatten_op(const std::string& name);

}  // namespace lamina
