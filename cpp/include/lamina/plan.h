// The engine: a compiled plan of ops, loss, metrics and optimizer over one
// workspace. train_step / test_step / predict each handle one whole batch in
// one call; after the workspace has grown to the largest batch seen, a step
// allocates nothing. Steps serialise on a mutex, so concurrent callers (e.g.
// predict from several Python threads) get the same results as serial ones.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lamina/engine/loss.h"
#include "lamina/engine/metric.h"
#include "lamina/engine/optimizer.h"
#include "lamina/engine/weight_rules.h"
#include "lamina/ops.h"
#include "lamina/params.h"

namespace lamina {

// One batch as the engine reads it. Rows of x are `x_row` floats apart; when
// `index` is non-null, sample i is row index[i] of x/y/sw (the caller's whole
// dataset is read in place; no per-batch copy on the Python side).
struct BatchView {
  const float* x = nullptr;
  const float* y = nullptr;   // null for predict
  const float* sw = nullptr;  // sw_width values per sample, or null
  int64_t sw_width = 1;       // 1, or one weight per loss row (temporal weights)
  const int64_t* index = nullptr;
  int64_t rows = 0;
  int64_t index_bound = 0;  // number of rows in x/y/sw when index is set
};

// What a re-run of a batch whose loss or gradient was not finite found:
// where the first NaN/Inf appeared, forward and backward (op indices, -1 for
// none).
struct NonFiniteReport {
  bool inputs_nonfinite = false;
  bool targets_nonfinite = false;
  bool sample_weights_nonfinite = false;
  bool loss_nonfinite = false;
  int64_t forward_op = -1;           // first op whose output holds NaN/Inf
  int64_t backward_op = -1;          // first op, in backward order, whose gradients do
  bool backward_in_weights = false;  // ...in its weight gradients (else its input gradient)
};

// How a mask at an op's input reaches its output (Keras's supports_masking
// and compute_mask): dropped (the default), passed on unchanged, or replaced
// by the one the op computes (Op::computes_mask).
enum class MaskRule { kDrop, kKeep, kNew };

class Plan {
 public:
  explicit Plan(Shape input_shape);

  void add_op(std::unique_ptr<Op> op);  // builds it against the current output shape
  void set_mask_rule(int64_t op_index, MaskRule rule);
  // Whether a mask reaches the output; the loss and metrics then read it as
  // per-timestep sample weights, as Keras does.
  bool output_masked();
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return shapes_.back(); }
  int64_t num_ops() const { return static_cast<int64_t>(ops_.size()); }
  Op& op(int64_t i) { return *ops_.at(static_cast<size_t>(i)); }

  // The loss, by Keras name (losses.cpp), over the last axis of the output.
  // Per sample, y has (output_numel / output_last) * label_cols values.
  void set_loss(const std::string& name, const Params& params);
  bool has_loss() const { return loss_ != nullptr; }
  int64_t label_numel() const;
  // A metric by name (metrics.cpp). params["weighted"] != 0 gives it the
  // sample weights. Its state follows the previous metrics' in accumulators().
  void add_metric(const std::string& name, const Params& params);
  int64_t num_metrics() const { return static_cast<int64_t>(metrics_.size()); }

  // The optimizer by name (optimizers.cpp). hyper: its hyper-parameters, read
  // at each step (hyper[0] = learning rate), at least hyper_size() floats.
  // slots: per param (params() order) either empty (frozen) or
  // slots_per_weight() arrays of the param's size. All views; caller owns.
  void set_optimizer(const std::string& name, const Params& params, const float* hyper,
                     int64_t hyper_len, int64_t* iterations,
                     std::vector<std::vector<float*>> slots);

  // Every param of every op, in op order (the trainable ones).
  std::vector<Param*> params();

  // One training step. With set_check_finite(true), a step whose loss or
  // gradients hold NaN/Inf returns false before the optimizer update, which
  // stays pending (diagnose() may re-run the batch on the unchanged weights;
  // apply_pending_update() then applies it). Otherwise returns true.
  bool train_step(const BatchView& batch);
  void test_step(const BatchView& batch);
  // Several batches in one call (steps_per_execution). Returns the position of
  // a batch whose update is pending (see train_step), or -1 when all ran.
  int64_t train_steps(const std::vector<BatchView>& batches);
  void test_steps(const std::vector<BatchView>& batches);
  void set_check_finite(bool on) { check_finite_ = on; }
  bool update_pending() const { return update_pending_; }
  NonFiniteReport diagnose(const BatchView& batch);
  void apply_pending_update();
  // The multiplier compile(loss_weights=...) puts on the loss and its gradient.
  void set_loss_weight(double w) { loss_weight_ = w; }
  // A weight's regularizer (its penalty joins the loss of every step while the
  // weight is trainable) and constraint (applied after each update), by
  // index in params() order; an op's activity regularizer (on its output,
  // divided by the batch size, as Keras 3 does).
  void set_weight_regularizer(int64_t param_index, const L1L2& r);
  void set_weight_constraint(int64_t param_index, Constraint c);
  void set_activity_regularizer(int64_t op_index, const L1L2& r);
  // out: [rows, output shape...]
  void predict(const BatchView& batch, float* out);

  // [loss_total, loss_count, metric 0's state..., metric 1's state..., ...]
  std::vector<double> accumulators();
  // The length of each metric's state in accumulators(), in add_metric order.
  std::vector<int64_t> metric_state_sizes() const;
  // The output of the last step (train, test or predict) for its `rows`
  // samples: for metrics computed in Python. Valid until the next step.
  const float* last_output() const { return act_ptr_.back(); }
  // The mask at the output for the last step ([rows, steps]), or null.
  const float* last_output_mask() const {
    return mask_source_.empty() ? nullptr : mask_at(ops_.size());
  }
  int64_t last_rows() const { return last_rows_; }
  void reset_metrics();
  uint64_t steps_run() const { return step_; }

 private:
  struct MetricState {
    std::unique_ptr<NativeMetric> metric;
    bool weighted;
    size_t offset;  // into acc_
  };
  void check_ready_for_training() const;
  void reserve(int64_t rows);
  void plan_masks();
  void pair_neighbours();
  void prepare_masks(size_t op, int64_t rows);
  const float* mask_at(size_t op_input) const;
  const float* masked_weights(const float* sw, int64_t lrows, bool* masked);
  const float* gather_inputs(const BatchView& b);
  void gather_targets(const BatchView& b, const float** y, const float** sw);
  const float* forward(const float* x, int64_t rows, bool training);
  double loss_and_grad(const float* y, const float* sw, int64_t rows, bool want_grad, bool* fused);
  void accumulate_metrics(const float* y, const float* sw, int64_t rows, double loss_sum);
  void apply_optimizer();
  bool train_step_locked(const BatchView& b);
  void test_step_locked(const BatchView& b);
  void backward(int64_t rows, bool fused, NonFiniteReport* report);
  bool gradients_finite();
  bool trainable(size_t param_index) const {
    return param_index < slots_.size() && !slots_[param_index].empty();
  }
  double activity_penalty(int64_t rows);
  double weight_penalty(bool add_gradients);
  void add_activity_gradient(size_t op, float* dy, int64_t rows);
  void apply_constraints();

  Shape input_shape_;
  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<Shape> shapes_;  // shapes_[i] = input of op i; back() = output
  std::vector<Param*> param_list_;
  int64_t first_compute_ = -1, last_compute_ = -1;  // first/last non-view op

  std::unique_ptr<NativeLoss> loss_;
  std::vector<MetricState> metrics_;
  std::vector<double> acc_;

  std::unique_ptr<NativeOptimizer> opt_;
  const float* hyper_ = nullptr;
  int64_t* iterations_ = nullptr;
  std::vector<std::vector<float*>> slots_;

  // Workspace, sized for the largest batch seen.
  int64_t capacity_ = 0;
  std::vector<Buffer> acts_;   // acts_[i] = output of op i (unused for views)
  std::vector<Buffer> grads_;  // two ping-pong activation-gradient buffers
  Buffer x_gather_, y_gather_, sw_gather_, loss_grad_;
  std::vector<const float*> act_ptr_;  // per step: input of op i, last = output
  // Masks: the rule of each op, and for each op input (last = the output) the
  // op whose mask it carries (-1: none); producers' masks in mask_bufs_.
  std::vector<MaskRule> mask_rules_;
  std::vector<int64_t> mask_source_;
  std::vector<Buffer> mask_bufs_;
  Buffer mask_weights_;

  uint64_t step_ = 0;
  int64_t last_rows_ = 0;
  double loss_weight_ = 1.0;
  std::vector<L1L2> weight_reg_;         // per param (empty: none)
  std::vector<Constraint> constraints_;  // per param (empty: none)
  std::vector<L1L2> activity_reg_;       // per op (empty: none)
  bool check_finite_ = false;
  bool update_pending_ = false;
  std::mutex mutex_;
};

}  // namespace lamina
