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

#include "lamina/ops.h"

namespace lamina {

enum class LossKind {
  kNone = 0,
  kSparseCategoricalCrossentropy,
  kCategoricalCrossentropy,
  kBinaryCrossentropy,
  kMeanSquaredError,
};

enum class MetricKind {
  kSparseCategoricalAccuracy = 0,
  kCategoricalAccuracy,
  kBinaryAccuracy,
};

enum class OptimizerKind { kNone = 0, kSgd, kAdam };

// One batch as the engine reads it. Rows of x are `x_row` floats apart; when
// `index` is non-null, sample i is row index[i] of x/y/sw (the caller's whole
// dataset is read in place; no per-batch copy on the Python side).
struct BatchView {
  const float* x = nullptr;
  const float* y = nullptr;   // null for predict
  const float* sw = nullptr;  // per sample, or null
  const int64_t* index = nullptr;
  int64_t rows = 0;
  int64_t index_bound = 0;  // number of rows in x/y/sw when index is set
};

class Plan {
 public:
  explicit Plan(Shape input_shape);

  void add_op(std::unique_ptr<Op> op);  // builds it against the current output shape
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return shapes_.back(); }
  int64_t num_ops() const { return static_cast<int64_t>(ops_.size()); }
  Op& op(int64_t i) { return *ops_.at(static_cast<size_t>(i)); }

  // Loss over the last axis of the output. Per sample, y has
  // output_numel / output_last floats for sparse labels, else output_numel.
  void set_loss(LossKind kind, bool from_logits);
  LossKind loss_kind() const { return loss_; }
  int64_t label_numel() const;
  void add_metric(MetricKind kind, float threshold, bool weighted);
  int64_t num_metrics() const { return static_cast<int64_t>(metrics_.size()); }

  // hyper: SGD {lr, momentum, nesterov}, Adam {lr, beta_1, beta_2, epsilon};
  // read at each step so the learning rate can be changed between steps.
  // slots: per trainable param (in params() order), 1 (SGD momentum) or 2
  // (Adam m, v) arrays of the param's size. All views; caller owns them.
  void set_optimizer(OptimizerKind kind, const float* hyper, int64_t* iterations,
                     std::vector<std::vector<float*>> slots);

  // Every param of every op, in op order (the trainable ones).
  std::vector<Param*> params();

  void train_step(const BatchView& batch);
  void test_step(const BatchView& batch);
  // out: [rows, output shape...]
  void predict(const BatchView& batch, float* out);

  // [loss_total, loss_count, metric0_total, metric0_count, ...]
  std::vector<double> accumulators();
  void reset_metrics();
  uint64_t steps_run() const { return step_; }

 private:
  struct MetricState {
    MetricKind kind;
    float threshold;
    bool weighted;
  };
  void check_ready_for_training() const;
  void reserve(int64_t rows);
  const float* gather_inputs(const BatchView& b);
  void gather_targets(const BatchView& b, const float** y, const float** sw);
  const float* forward(const float* x, int64_t rows, bool training);
  double loss_and_grad(const float* y, const float* sw, int64_t rows, bool want_grad, bool* fused);
  void accumulate_metrics(const float* y, const float* sw, int64_t rows, double loss_sum);
  void apply_optimizer();

  Shape input_shape_;
  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<Shape> shapes_;  // shapes_[i] = input of op i; back() = output
  std::vector<Param*> param_list_;
  int64_t first_compute_ = -1, last_compute_ = -1;  // first/last non-view op

  LossKind loss_ = LossKind::kNone;
  bool from_logits_ = false;
  std::vector<MetricState> metrics_;
  std::vector<double> acc_;

  OptimizerKind opt_ = OptimizerKind::kNone;
  const float* hyper_ = nullptr;
  int64_t* iterations_ = nullptr;
  std::vector<std::vector<float*>> slots_;

  // Workspace, sized for the largest batch seen.
  int64_t capacity_ = 0;
  std::vector<Buffer> acts_;   // acts_[i] = output of op i (unused for views)
  std::vector<Buffer> grads_;  // two ping-pong activation-gradient buffers
  Buffer x_gather_, y_gather_, sw_gather_, loss_grad_;
  std::vector<const float*> act_ptr_;  // per step: input of op i, last = output

  uint64_t step_ = 0;
  std::mutex mutex_;
};

}  // namespace lamina
