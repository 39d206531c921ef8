#include "lamina/plan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "lamina/engine/finite.h"
#include "lamina/errors.h"

namespace lamina {
namespace {

void copy_rows(const float* src, int64_t width, const int64_t* index, int64_t rows, float* dst) {
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, width)),
               [&](int64_t b, int64_t e) {
                 for (int64_t i = b; i < e; ++i) {
                   std::memcpy(dst + i * width, src + index[i] * width,
                               sizeof(float) * static_cast<size_t>(width));
                 }
               });
}

}  // namespace

Plan::Plan(Shape input_shape) : input_shape_(std::move(input_shape)) {
  for (int64_t d : input_shape_) {
    if (d <= 0) throw ValueError("Input shape " + shape_str(input_shape_) + " must be positive.");
  }
  shapes_.push_back(input_shape_);
  act_ptr_.push_back(nullptr);
  acc_.assign(2, 0.0);
}

void Plan::add_op(std::unique_ptr<Op> op) {
  Shape out = op->build(shapes_.back());
  shapes_.push_back(out);
  ops_.push_back(std::move(op));
  for (Param* p : ops_.back()->bound_params()) param_list_.push_back(p);
  if (!ops_.back()->is_view()) {
    last_compute_ = static_cast<int64_t>(ops_.size()) - 1;
    if (first_compute_ < 0) first_compute_ = last_compute_;
  }
  acts_.emplace_back();
  act_ptr_.push_back(nullptr);
  mask_rules_.push_back(MaskRule::kDrop);
  mask_bufs_.emplace_back();
  capacity_ = 0;  // the workspace must be re-planned
}

void Plan::set_mask_rule(int64_t op_index, MaskRule rule) {
  if (op_index < 0 || op_index >= static_cast<int64_t>(ops_.size())) {
    throw ValueError("Op index " + std::to_string(op_index) + " is out of range.");
  }
  Op& op = *ops_[static_cast<size_t>(op_index)];
  if (rule == MaskRule::kNew && !op.computes_mask()) {
    throw ValueError("Layer '" + op.name() + "' (" + op.kind() + ") does not compute a mask.");
  }
  mask_rules_[static_cast<size_t>(op_index)] = rule;
  capacity_ = 0;
}

namespace {
int64_t steps_of(const Shape& s) { return shape_numel(s) / (s.empty() ? 1 : s.back()); }
}  // namespace

void Plan::plan_masks() {
  mask_source_.assign(ops_.size() + 1, -1);
  int64_t source = -1;
  for (size_t i = 0; i < ops_.size(); ++i) {
    mask_source_[i] = source;
    if (source >= 0 && steps_of(shapes_[i]) != steps_of(shapes_[static_cast<size_t>(source) + 1])) {
      throw ValueError("The mask computed by layer '" + ops_[static_cast<size_t>(source)]->name() +
                       "' has " +
                       std::to_string(steps_of(shapes_[static_cast<size_t>(source) + 1])) +
                       " steps per sample, but the input of layer '" + ops_[i]->name() +
                       "' has shape " + shape_str(shapes_[i]) + ".");
    }
    if (mask_rules_[i] == MaskRule::kNew) source = static_cast<int64_t>(i);
    if (mask_rules_[i] == MaskRule::kDrop) source = -1;
  }
  mask_source_[ops_.size()] = source;
}

// What adjacent ops tell each other (ops.h): the rows and columns a consumer
// reads, and a relu its max pool can apply in the backward pass.
void Plan::pair_neighbours() {
  for (size_t i = 0; i < ops_.size(); ++i) {
    ops_[i]->skip_relu_backward(false);
    ops_[i]->set_relu_gate(false);
    ops_[i]->set_output_read(0, 0);
  }
  for (size_t i = 1; i < ops_.size(); ++i) {
    Op& producer = *ops_[i - 1];
    Op& consumer = *ops_[i];
    // An activity regularizer adds its gradient at the producer's output,
    // which relu's gradient must still multiply: no pairing there.
    const bool regularized = i - 1 < activity_reg_.size() && activity_reg_[i - 1].active();
    if (producer.is_view() || consumer.is_view() || regularized) continue;
    const auto read = consumer.input_read();
    producer.set_output_read(read.first, read.second);
    if (consumer.relu_gate_supported() && producer.skip_relu_backward(true)) {
      consumer.set_relu_gate(true);
    }
  }
}

bool Plan::output_masked() {
  plan_masks();
  return mask_source_.back() >= 0;
}

const float* Plan::mask_at(size_t op_input) const {
  const int64_t source = mask_source_[op_input];
  return source < 0 ? nullptr : mask_bufs_[static_cast<size_t>(source)].data();
}

void Plan::prepare_masks(size_t i, int64_t rows) {
  ops_[i]->set_input_mask(mask_at(i));
  if (mask_rules_[i] == MaskRule::kNew) {
    ops_[i]->compute_mask(act_ptr_[i], mask_bufs_[i].data(), rows);
  }
}

const float* Plan::masked_weights(const float* sw, int64_t lrows, bool* masked) {
  const float* mask = mask_at(ops_.size());
  *masked = mask != nullptr;
  if (mask == nullptr) return sw;
  float* w = mask_weights_.data();
  for (int64_t r = 0; r < lrows; ++r) w[r] = sw != nullptr ? sw[r] * mask[r] : mask[r];
  return w;
}

int64_t Plan::label_numel() const {
  const Shape& out = output_shape();
  const int64_t cols = out.empty() ? 1 : out.back();
  const int64_t rows_per_sample = shape_numel(out) / cols;
  return rows_per_sample * (loss_ ? loss_->label_cols(cols) : cols);
}

void Plan::set_loss(const std::string& name, const Params& params) {
  loss_ = make_loss(name, params);
}

void Plan::add_metric(const std::string& name, const Params& params) {
  const Shape& out = output_shape();
  const int64_t cols = out.empty() ? 1 : out.back();
  MetricState ms{make_metric(name, params), param(params, "weighted", 0) != 0, acc_.size()};
  acc_.resize(acc_.size() + static_cast<size_t>(ms.metric->state_size(cols)), 0.0);
  metrics_.push_back(std::move(ms));
}

void Plan::set_optimizer(const std::string& name, const Params& params, const float* hyper,
                         int64_t hyper_len, int64_t* iterations,
                         std::vector<std::vector<float*>> slots) {
  std::unique_ptr<NativeOptimizer> opt = make_optimizer(name, params);
  if (hyper_len < opt->hyper_size()) {
    throw ValueError("Optimizer '" + name + "' needs " + std::to_string(opt->hyper_size()) +
                     " hyper-parameters, got " + std::to_string(hyper_len) + ".");
  }
  if (slots.size() != param_list_.size()) {
    throw ValueError("Optimizer state has " + std::to_string(slots.size()) +
                     " entries for a model with " + std::to_string(param_list_.size()) +
                     " weights.");
  }
  for (const auto& s : slots) {
    // An empty entry marks a frozen (non-trainable) weight.
    if (!s.empty() && static_cast<int>(s.size()) != opt->slots_per_weight()) {
      throw ValueError("Optimizer state has the wrong number of slots.");
    }
  }
  opt_ = std::move(opt);
  hyper_ = hyper;
  iterations_ = iterations;
  slots_ = std::move(slots);
}

std::vector<Param*> Plan::params() { return param_list_; }

void Plan::check_ready_for_training() const {
  if (!loss_) {
    throw ValueError("You must call `compile()` with a loss before training or evaluating.");
  }
}

void Plan::reserve(int64_t rows) {
  if (rows <= capacity_) return;
  plan_masks();
  pair_neighbours();
  int64_t widest = shape_numel(input_shape_);
  for (size_t i = 0; i < ops_.size(); ++i) {
    const int64_t numel = shape_numel(shapes_[i + 1]);
    widest = std::max(widest, numel);
    if (!ops_[i]->is_view()) acts_[i].reserve(static_cast<size_t>(rows * numel));
    if (mask_rules_[i] == MaskRule::kNew) {
      mask_bufs_[i].reserve(static_cast<size_t>(rows * steps_of(shapes_[i + 1])));
    }
    ops_[i]->reserve(rows);
  }
  mask_weights_.reserve(static_cast<size_t>(rows * steps_of(output_shape())));
  int64_t largest_param = 0;
  for (const Param* p : param_list_) largest_param = std::max(largest_param, p->size);
  gemm_reserve_scratch(static_cast<size_t>(std::max(rows * widest, largest_param)));
  grads_.resize(2);
  for (Buffer& g : grads_) g.reserve(static_cast<size_t>(rows * widest));
  const int64_t out_numel = shape_numel(output_shape());
  loss_grad_.reserve(static_cast<size_t>(rows * out_numel));
  x_gather_.reserve(static_cast<size_t>(rows * shape_numel(input_shape_)));
  y_gather_.reserve(static_cast<size_t>(rows * out_numel));
  sw_gather_.reserve(static_cast<size_t>(rows * std::max<int64_t>(1, out_numel)));
  capacity_ = rows;
}

const float* Plan::gather_inputs(const BatchView& b) {
  if (b.index == nullptr) return b.x;
  for (int64_t i = 0; i < b.rows; ++i) {
    if (b.index[i] < 0 || b.index[i] >= b.index_bound) {
      throw ValueError("Batch index " + std::to_string(b.index[i]) + " at position " +
                       std::to_string(i) + " is outside the data (" +
                       std::to_string(b.index_bound) + " samples).");
    }
  }
  copy_rows(b.x, shape_numel(input_shape_), b.index, b.rows, x_gather_.data());
  return x_gather_.data();
}

void Plan::gather_targets(const BatchView& b, const float** y, const float** sw) {
  const int64_t ln = label_numel();
  const Shape& out = output_shape();
  const int64_t loss_rows_per_sample = shape_numel(out) / (out.empty() ? 1 : out.back());
  *y = b.y;
  *sw = b.sw;
  if (b.index != nullptr) {
    copy_rows(b.y, ln, b.index, b.rows, y_gather_.data());
    *y = y_gather_.data();
  }
  if (b.sw == nullptr) return;
  if (b.sw_width != 1 && b.sw_width != loss_rows_per_sample) {
    throw ValueError("sample_weight has " + std::to_string(b.sw_width) +
                     " values per sample; the output has " + std::to_string(loss_rows_per_sample) +
                     " timesteps (expected 1 or " + std::to_string(loss_rows_per_sample) + ").");
  }
  if (b.sw_width == loss_rows_per_sample) {
    // Temporal weights: already one per loss row.
    if (b.index != nullptr) {
      copy_rows(b.sw, b.sw_width, b.index, b.rows, sw_gather_.data());
      *sw = sw_gather_.data();
    }
    return;
  }
  if (b.index != nullptr || loss_rows_per_sample > 1) {
    // One weight per loss row: a sample's weight applies to each of its rows.
    float* w = sw_gather_.data();
    for (int64_t i = 0; i < b.rows; ++i) {
      const float wi = b.sw[b.index != nullptr ? b.index[i] : i];
      for (int64_t r = 0; r < loss_rows_per_sample; ++r) w[i * loss_rows_per_sample + r] = wi;
    }
    *sw = w;
  }
}

const float* Plan::forward(const float* x, int64_t rows, bool training) {
  StepContext ctx{training, step_};
  last_rows_ = rows;
  act_ptr_[0] = x;
  for (size_t i = 0; i < ops_.size(); ++i) {
    prepare_masks(i, rows);
    if (ops_[i]->is_view()) {
      act_ptr_[i + 1] = act_ptr_[i];
    } else {
      ops_[i]->forward(act_ptr_[i], acts_[i].data(), rows, ctx);
      act_ptr_[i + 1] = acts_[i].data();
    }
  }
  return act_ptr_.back();
}

double Plan::loss_and_grad(const float* y, const float* sw, int64_t rows, bool want_grad,
                           bool* fused) {
  const Shape& out_shape = output_shape();
  const int64_t cols = out_shape.empty() ? 1 : out_shape.back();
  const int64_t lrows = rows * (shape_numel(out_shape) / cols);
  // The loss reads logits when the last op that computes something (views
  // after it do not change memory) ends in the activation the loss fuses with.
  const float* logits = nullptr;
  const Activation fusable = loss_->fusable_activation();
  bool output_regularized = false;
  for (size_t i = static_cast<size_t>(std::max<int64_t>(last_compute_, 0));
       i < activity_reg_.size(); ++i) {
    output_regularized = output_regularized || activity_reg_[i].active();
  }
  // An activity regularizer on the output needs the gradient there, not at
  // the logits.
  if (fusable != Activation::kLinear && last_compute_ >= 0 && !output_regularized) {
    const Op& last = *ops_[static_cast<size_t>(last_compute_)];
    if (last.output_activation() == fusable) {
      logits = last.preactivation(act_ptr_[static_cast<size_t>(last_compute_)]);
    }
  }
  *fused = logits != nullptr;
  loss_->check_labels(y, lrows, cols);
  // A mask at the output weights each timestep (Keras's apply_mask): masked
  // steps count for nothing, and "sum_over_batch_size" averages over the rest.
  bool masked = false;
  sw = masked_weights(sw, lrows, &masked);
  const LossScale reduce =
      loss_->reduction_scale(sw, y, lrows, cols, masked ? mask_at(ops_.size()) : nullptr);
  const double total = loss_->compute(act_ptr_.back(), logits, y, sw, lrows, cols,
                                      want_grad ? loss_grad_.data() : nullptr,
                                      static_cast<float>(reduce.grad * loss_weight_));
  return total * reduce.value * loss_weight_;
}

void Plan::accumulate_metrics(const float* y, const float* sw, int64_t rows, double loss) {
  acc_[0] += loss * static_cast<double>(rows);
  acc_[1] += static_cast<double>(rows);
  const Shape& out_shape = output_shape();
  const int64_t cols = out_shape.empty() ? 1 : out_shape.back();
  const int64_t lrows = rows * (shape_numel(out_shape) / cols);
  const int64_t y_cols = loss_->label_cols(cols);
  // Metrics read the mask as weights too, weighted ones times the sample weights.
  bool masked = false;
  const float* weighted_sw = masked_weights(sw, lrows, &masked);
  const float* unweighted_sw = mask_at(ops_.size());
  for (const MetricState& ms : metrics_) {
    ms.metric->update(acc_.data() + ms.offset, act_ptr_.back(), y, y_cols,
                      ms.weighted ? weighted_sw : unweighted_sw, lrows, cols);
  }
}

void Plan::apply_optimizer() {
  opt_->step(param_list_, slots_, hyper_, *iterations_ + 1);
  ++*iterations_;
  apply_constraints();  // Keras: after applying the gradients
}

void Plan::backward(int64_t rows, bool fused, NonFiniteReport* report) {
  if (first_compute_ < 0) return;  // only views (Flatten, Reshape): nothing to differentiate
  StepContext ctx{true, step_};
  float* dy = loss_grad_.data();
  size_t next = 0;
  for (int64_t i = static_cast<int64_t>(ops_.size()) - 1; i >= first_compute_; --i) {
    Op& op = *ops_[static_cast<size_t>(i)];
    // dy is the gradient at op i's output (views pass it through unchanged).
    add_activity_gradient(static_cast<size_t>(i), dy, rows);
    if (op.is_view()) continue;
    // The first op's input gradient is never needed.
    float* dx = i == first_compute_ ? nullptr : grads_[next].data();
    op.backward(act_ptr_[static_cast<size_t>(i)], act_ptr_[static_cast<size_t>(i) + 1], dy, dx,
                rows, ctx, fused && i == last_compute_);
    if (report != nullptr && report->backward_op < 0) {
      for (const Param* p : op.bound_params()) {
        if (p->has_grad && !all_finite(p->grad.data(), p->size)) {
          report->backward_op = i;
          report->backward_in_weights = true;
          break;
        }
      }
      if (report->backward_op < 0 && dx != nullptr &&
          !all_finite(dx, rows * shape_numel(shapes_[static_cast<size_t>(i)]))) {
        report->backward_op = i;
      }
    }
    dy = dx;
    next ^= 1;
  }
}

void Plan::set_weight_regularizer(int64_t param_index, const L1L2& r) {
  if (param_index < 0 || param_index >= static_cast<int64_t>(param_list_.size())) {
    throw ValueError("Weight index " + std::to_string(param_index) + " is out of range.");
  }
  weight_reg_.resize(param_list_.size());
  weight_reg_[static_cast<size_t>(param_index)] = r;
}

void Plan::set_weight_constraint(int64_t param_index, Constraint c) {
  if (param_index < 0 || param_index >= static_cast<int64_t>(param_list_.size())) {
    throw ValueError("Weight index " + std::to_string(param_index) + " is out of range.");
  }
  if (static_cast<int64_t>(c.group.size()) != param_list_[static_cast<size_t>(param_index)]->size) {
    throw ValueError("Constraint was prepared for a weight of another size.");
  }
  constraints_.resize(param_list_.size());
  constraints_[static_cast<size_t>(param_index)] = std::move(c);
}

void Plan::set_activity_regularizer(int64_t op_index, const L1L2& r) {
  if (op_index < 0 || op_index >= static_cast<int64_t>(ops_.size())) {
    throw ValueError("Op index " + std::to_string(op_index) + " is out of range.");
  }
  activity_reg_.resize(ops_.size());
  activity_reg_[static_cast<size_t>(op_index)] = r;
  capacity_ = 0;  // relu/pool pairing depends on it
}

double Plan::activity_penalty(int64_t rows) {
  double total = 0.0;
  for (size_t i = 0; i < activity_reg_.size(); ++i) {
    if (!activity_reg_[i].active()) continue;
    const int64_t n = rows * shape_numel(shapes_[i + 1]);
    total += l1l2_penalty(activity_reg_[i], act_ptr_[i + 1], n, nullptr, 0.0) /
             static_cast<double>(rows);
  }
  return total;
}

void Plan::add_activity_gradient(size_t op, float* dy, int64_t rows) {
  if (op >= activity_reg_.size() || !activity_reg_[op].active() || dy == nullptr) return;
  const int64_t n = rows * shape_numel(shapes_[op + 1]);
  l1l2_penalty(activity_reg_[op], act_ptr_[op + 1], n, dy, 1.0 / static_cast<double>(rows));
}

double Plan::weight_penalty(bool add_gradients) {
  double total = 0.0;
  for (size_t k = 0; k < weight_reg_.size(); ++k) {
    if (!weight_reg_[k].active() || !trainable(k)) continue;  // Keras: trainable weights only
    Param& p = *param_list_[k];
    total +=
        l1l2_penalty(weight_reg_[k], p.value, p.size, add_gradients ? p.grad.data() : nullptr, 1.0);
  }
  return total;
}

void Plan::apply_constraints() {
  for (size_t k = 0; k < constraints_.size(); ++k) {
    if (constraints_[k].kind == ConstraintKind::kNone || !trainable(k)) continue;
    apply_constraint(constraints_[k], param_list_[k]->value);
  }
}

bool Plan::gradients_finite() {
  for (size_t k = 0; k < param_list_.size(); ++k) {
    if (trainable(k) && !all_finite(param_list_[k]->grad.data(), param_list_[k]->size)) {
      return false;
    }
  }
  return true;
}

bool Plan::train_step_locked(const BatchView& b) {
  check_ready_for_training();
  if (!opt_) {
    throw ValueError("You must call `compile()` with an optimizer before training.");
  }
  if (update_pending_) {
    // A caller that never resolved the last pending update (an exception
    // between the steps): apply it, as an unchecked step would have.
    update_pending_ = false;
    apply_optimizer();
  }
  if (b.rows <= 0) return true;
  reserve(b.rows);
  const float* x = gather_inputs(b);
  const float *y = nullptr, *sw = nullptr;
  gather_targets(b, &y, &sw);
  ++step_;
  forward(x, b.rows, true);
  bool fused = false;
  double loss = loss_and_grad(y, sw, b.rows, true, &fused) + activity_penalty(b.rows);
  backward(b.rows, fused, nullptr);
  loss += weight_penalty(true);
  accumulate_metrics(y, sw, b.rows, loss);
  if (check_finite_ && !(std::isfinite(loss) && gradients_finite())) {
    update_pending_ = true;
    return false;
  }
  apply_optimizer();
  return true;
}

bool Plan::train_step(const BatchView& b) {
  std::lock_guard<std::mutex> lock(mutex_);
  DenormalGuard fp;
  return train_step_locked(b);
}

int64_t Plan::train_steps(const std::vector<BatchView>& batches) {
  std::lock_guard<std::mutex> lock(mutex_);
  DenormalGuard fp;
  for (size_t i = 0; i < batches.size(); ++i) {
    if (!train_step_locked(batches[i])) return static_cast<int64_t>(i);
  }
  return -1;
}

NonFiniteReport Plan::diagnose(const BatchView& b) {
  std::lock_guard<std::mutex> lock(mutex_);
  DenormalGuard fp;
  check_ready_for_training();
  NonFiniteReport report;
  if (b.rows <= 0) return report;
  reserve(b.rows);
  const float* x = gather_inputs(b);
  const float *y = nullptr, *sw = nullptr;
  gather_targets(b, &y, &sw);
  report.inputs_nonfinite = !all_finite(x, b.rows * shape_numel(input_shape_));
  report.targets_nonfinite = !all_finite(y, b.rows * label_numel());
  if (sw != nullptr) {
    // After gather_targets there is one weight per loss row.
    const Shape& out = output_shape();
    report.sample_weights_nonfinite =
        !all_finite(sw, b.rows * (shape_numel(out) / (out.empty() ? 1 : out.back())));
  }
  // The same step again (step_ unchanged, so dropout draws the same masks),
  // with every op's output checked, then the backward pass checked op by op.
  StepContext ctx{true, step_, false};
  act_ptr_[0] = x;
  last_rows_ = b.rows;
  for (size_t i = 0; i < ops_.size(); ++i) {
    prepare_masks(i, b.rows);
    if (ops_[i]->is_view()) {
      act_ptr_[i + 1] = act_ptr_[i];
      continue;
    }
    ops_[i]->forward(act_ptr_[i], acts_[i].data(), b.rows, ctx);
    act_ptr_[i + 1] = acts_[i].data();
    if (report.forward_op < 0 &&
        !all_finite(act_ptr_[i + 1], b.rows * shape_numel(shapes_[i + 1]))) {
      report.forward_op = static_cast<int64_t>(i);
    }
  }
  bool fused = false;
  const double loss = loss_and_grad(y, sw, b.rows, true, &fused) + activity_penalty(b.rows);
  report.loss_nonfinite = !std::isfinite(loss);
  backward(b.rows, fused, &report);
  report.loss_nonfinite = !std::isfinite(loss + weight_penalty(true));
  return report;
}

void Plan::apply_pending_update() {
  std::lock_guard<std::mutex> lock(mutex_);
  DenormalGuard fp;
  if (!update_pending_) return;
  update_pending_ = false;
  apply_optimizer();
}

void Plan::test_step_locked(const BatchView& b) {
  check_ready_for_training();
  if (b.rows <= 0) return;
  reserve(b.rows);
  const float* x = gather_inputs(b);
  const float *y = nullptr, *sw = nullptr;
  gather_targets(b, &y, &sw);
  forward(x, b.rows, false);
  bool fused = false;
  const double loss = loss_and_grad(y, sw, b.rows, false, &fused) + activity_penalty(b.rows) +
                      weight_penalty(false);
  accumulate_metrics(y, sw, b.rows, loss);
}

void Plan::test_step(const BatchView& b) {
  std::lock_guard<std::mutex> lock(mutex_);
  DenormalGuard fp;
  test_step_locked(b);
}

void Plan::test_steps(const std::vector<BatchView>& batches) {
  std::lock_guard<std::mutex> lock(mutex_);
  DenormalGuard fp;
  for (const BatchView& b : batches) test_step_locked(b);
}

void Plan::predict(const BatchView& b, float* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  DenormalGuard fp;
  if (b.rows <= 0) return;
  reserve(b.rows);
  const float* x = gather_inputs(b);
  const float* y = forward(x, b.rows, false);
  std::memcpy(out, y, sizeof(float) * static_cast<size_t>(b.rows * shape_numel(output_shape())));
}

std::vector<double> Plan::accumulators() {
  std::lock_guard<std::mutex> lock(mutex_);
  return acc_;
}

std::vector<int64_t> Plan::metric_state_sizes() const {
  const Shape& out = output_shape();
  const int64_t cols = out.empty() ? 1 : out.back();
  std::vector<int64_t> sizes;
  for (const MetricState& ms : metrics_) sizes.push_back(ms.metric->state_size(cols));
  return sizes;
}

void Plan::reset_metrics() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::fill(acc_.begin(), acc_.end(), 0.0);
}

}  // namespace lamina
