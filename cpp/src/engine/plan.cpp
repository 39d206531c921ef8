#include "lamina/plan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "lamina/errors.h"

namespace lamina {
namespace {

constexpr float kEpsilon = 1e-7f;  // keras.backend.epsilon()

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
  for (Param& p : ops_.back()->params()) param_list_.push_back(&p);
  if (!ops_.back()->is_view()) {
    last_compute_ = static_cast<int64_t>(ops_.size()) - 1;
    if (first_compute_ < 0) first_compute_ = last_compute_;
  }
  acts_.emplace_back();
  act_ptr_.push_back(nullptr);
  capacity_ = 0;  // the workspace must be re-planned
}

int64_t Plan::label_numel() const {
  const Shape& out = output_shape();
  const int64_t numel = shape_numel(out);
  if (loss_ == LossKind::kSparseCategoricalCrossentropy)
    return numel / (out.empty() ? 1 : out.back());
  return numel;
}

void Plan::set_loss(LossKind kind, bool from_logits) {
  loss_ = kind;
  from_logits_ = from_logits;
}

void Plan::add_metric(MetricKind kind, float threshold, bool weighted) {
  metrics_.push_back({kind, threshold, weighted});
  acc_.push_back(0.0);
  acc_.push_back(0.0);
}

void Plan::set_optimizer(OptimizerKind kind, const float* hyper, int64_t* iterations,
                         std::vector<std::vector<float*>> slots) {
  const size_t want = kind == OptimizerKind::kAdam ? 2 : kind == OptimizerKind::kSgd ? 1 : 0;
  std::vector<Param*> ps = params();
  if (slots.size() != ps.size()) {
    throw ValueError("Optimizer state has " + std::to_string(slots.size()) +
                     " entries for a model with " + std::to_string(ps.size()) + " weights.");
  }
  for (const auto& s : slots) {
    // An empty entry marks a frozen (non-trainable) weight.
    if (!s.empty() && s.size() != want) {
      throw ValueError("Optimizer state has the wrong number of slots.");
    }
  }
  opt_ = kind;
  hyper_ = hyper;
  iterations_ = iterations;
  slots_ = std::move(slots);
}

std::vector<Param*> Plan::params() { return param_list_; }

void Plan::check_ready_for_training() const {
  if (loss_ == LossKind::kNone) {
    throw ValueError("You must call `compile()` with a loss before training or evaluating.");
  }
}

void Plan::reserve(int64_t rows) {
  if (rows <= capacity_) return;
  int64_t widest = shape_numel(input_shape_);
  for (size_t i = 0; i < ops_.size(); ++i) {
    const int64_t numel = shape_numel(shapes_[i + 1]);
    widest = std::max(widest, numel);
    if (!ops_[i]->is_view()) acts_[i].reserve(static_cast<size_t>(rows * numel));
    ops_[i]->reserve(rows);
  }
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
  if (b.sw != nullptr && (b.index != nullptr || loss_rows_per_sample > 1)) {
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
  act_ptr_[0] = x;
  for (size_t i = 0; i < ops_.size(); ++i) {
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
  *fused = false;
  const Shape& out_shape = output_shape();
  const int64_t cols = out_shape.empty() ? 1 : out_shape.back();
  const int64_t lrows = rows * (shape_numel(out_shape) / cols);
  const float* out = act_ptr_.back();
  float* grad = want_grad ? loss_grad_.data() : nullptr;
  const float scale = 1.0f / static_cast<float>(lrows);

  // The last op that computes something decides whether the loss can read
  // logits; views after it do not change memory.
  auto logits_of = [&](Activation act) -> const float* {
    if (last_compute_ < 0) return nullptr;
    const Op& last = *ops_[static_cast<size_t>(last_compute_)];
    if (last.output_activation() != act) return nullptr;
    return last.preactivation(act_ptr_[static_cast<size_t>(last_compute_)]);
  };
  const float* logits = nullptr;

  double total = 0.0;
  switch (loss_) {
    case LossKind::kSparseCategoricalCrossentropy:
      check_sparse_labels(y, lrows, cols);
      if (from_logits_) {
        total = sparse_softmax_xent(out, y, sw, lrows, cols, grad, scale);
      } else if ((logits = logits_of(Activation::kSoftmax)) != nullptr) {
        total = sparse_softmax_xent(logits, y, sw, lrows, cols, grad, scale);
        *fused = true;
      } else {
        total = sparse_xent_probs(out, y, sw, lrows, cols, grad, scale, kEpsilon);
      }
      break;
    case LossKind::kCategoricalCrossentropy:
      if (from_logits_) {
        total = softmax_xent(out, y, sw, lrows, cols, grad, scale);
      } else if ((logits = logits_of(Activation::kSoftmax)) != nullptr) {
        total = softmax_xent(logits, y, sw, lrows, cols, grad, scale);
        *fused = true;
      } else {
        total = xent_probs(out, y, sw, lrows, cols, grad, scale, kEpsilon);
      }
      break;
    case LossKind::kBinaryCrossentropy:
      if (from_logits_) {
        total = sigmoid_bxent(out, y, sw, lrows, cols, grad, scale);
      } else if ((logits = logits_of(Activation::kSigmoid)) != nullptr) {
        total = sigmoid_bxent(logits, y, sw, lrows, cols, grad, scale);
        *fused = true;
      } else {
        total = bxent_probs(out, y, sw, lrows, cols, grad, scale, kEpsilon);
      }
      break;
    case LossKind::kMeanSquaredError:
      total = mean_squared_error(out, y, sw, lrows, cols, grad, scale);
      break;
    case LossKind::kNone:
      break;
  }
  return total / static_cast<double>(lrows);
}

void Plan::accumulate_metrics(const float* y, const float* sw, int64_t rows, double loss) {
  acc_[0] += loss * static_cast<double>(rows);
  acc_[1] += static_cast<double>(rows);
  const Shape& out_shape = output_shape();
  const int64_t cols = out_shape.empty() ? 1 : out_shape.back();
  const int64_t lrows = rows * (shape_numel(out_shape) / cols);
  const float* out = act_ptr_.back();
  for (size_t m = 0; m < metrics_.size(); ++m) {
    const MetricState& ms = metrics_[m];
    const float* w = ms.weighted ? sw : nullptr;
    double total = 0.0;
    switch (ms.kind) {
      case MetricKind::kSparseCategoricalAccuracy:
        total = sparse_categorical_accuracy_sum(out, y, w, lrows, cols);
        break;
      case MetricKind::kCategoricalAccuracy:
        total = categorical_accuracy_sum(out, y, w, lrows, cols);
        break;
      case MetricKind::kBinaryAccuracy:
        total = binary_accuracy_sum(out, y, w, lrows, cols, ms.threshold);
        break;
    }
    double count = static_cast<double>(lrows);
    if (w != nullptr) {
      count = 0.0;
      for (int64_t r = 0; r < lrows; ++r) count += w[r];
    }
    acc_[2 + 2 * m] += total;
    acc_[3 + 2 * m] += count;
  }
}

void Plan::apply_optimizer() {
  const KernelTable& kt = active_kernels();
  const std::vector<Param*>& ps = param_list_;
  if (opt_ == OptimizerKind::kAdam) {
    const float lr = hyper_[0], b1 = hyper_[1], b2 = hyper_[2], eps = hyper_[3];
    const float t = static_cast<float>(*iterations_ + 1);
    const float alpha = lr * std::sqrt(1.0f - std::pow(b2, t)) / (1.0f - std::pow(b1, t));
    for (size_t k = 0; k < ps.size(); ++k) {
      if (slots_[k].empty()) continue;
      float* w = ps[k]->value;
      const float* g = ps[k]->grad.data();
      float* m = slots_[k][0];
      float* v = slots_[k][1];
      parallel_for(ps[k]->size, 16384, [&](int64_t b, int64_t e) {
        kt.adam_update(w + b, g + b, m + b, v + b, e - b, alpha, b1, b2, eps);
      });
    }
  } else if (opt_ == OptimizerKind::kSgd) {
    const float lr = hyper_[0], momentum = hyper_[1];
    const bool nesterov = hyper_[2] != 0.0f;
    for (size_t k = 0; k < ps.size(); ++k) {
      if (slots_[k].empty()) continue;
      float* w = ps[k]->value;
      const float* g = ps[k]->grad.data();
      float* m = slots_[k][0];
      parallel_for(ps[k]->size, 16384, [&](int64_t b, int64_t e) {
        kt.sgd_update(w + b, g + b, m + b, e - b, lr, momentum, nesterov);
      });
    }
  }
  ++*iterations_;
}

void Plan::train_step(const BatchView& b) {
  std::lock_guard<std::mutex> lock(mutex_);
  DenormalGuard fp;
  check_ready_for_training();
  if (opt_ == OptimizerKind::kNone) {
    throw ValueError("You must call `compile()` with an optimizer before training.");
  }
  if (b.rows <= 0) return;
  reserve(b.rows);
  const float* x = gather_inputs(b);
  const float *y = nullptr, *sw = nullptr;
  gather_targets(b, &y, &sw);
  ++step_;
  forward(x, b.rows, true);
  bool fused = false;
  const double loss = loss_and_grad(y, sw, b.rows, true, &fused);
  accumulate_metrics(y, sw, b.rows, loss);

  StepContext ctx{true, step_};
  float* dy = loss_grad_.data();
  size_t next = 0;
  for (int64_t i = last_compute_; i >= first_compute_; --i) {
    Op& op = *ops_[static_cast<size_t>(i)];
    if (op.is_view()) continue;
    // The first op's input gradient is never needed.
    float* dx = i == first_compute_ ? nullptr : grads_[next].data();
    op.backward(act_ptr_[static_cast<size_t>(i)], act_ptr_[static_cast<size_t>(i) + 1], dy, dx,
                b.rows, ctx, fused && i == last_compute_);
    dy = dx;
    next ^= 1;
  }
  apply_optimizer();
}

void Plan::test_step(const BatchView& b) {
  std::lock_guard<std::mutex> lock(mutex_);
  DenormalGuard fp;
  check_ready_for_training();
  if (b.rows <= 0) return;
  reserve(b.rows);
  const float* x = gather_inputs(b);
  const float *y = nullptr, *sw = nullptr;
  gather_targets(b, &y, &sw);
  forward(x, b.rows, false);
  bool fused = false;
  const double loss = loss_and_grad(y, sw, b.rows, false, &fused);
  accumulate_metrics(y, sw, b.rows, loss);
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

void Plan::reset_metrics() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::fill(acc_.begin(), acc_.end(), 0.0);
}

}  // namespace lamina
