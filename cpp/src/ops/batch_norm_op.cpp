// BatchNormalization (see lamina/ops/normalization.h): the statistics, the
// moving averages and the per-channel factors; the per-element work is in
// lamina/kernels/batch_norm.h (sums over fixed blocks of rows, float32 within
// a block and float64 across, so results do not depend on the thread count).
#include <algorithm>
#include <cmath>
#include <vector>

#include "lamina/errors.h"
#include "lamina/kernels/batch_norm.h"
#include "lamina/ops/normalization.h"

namespace lamina {
namespace {

Param channel_param(const char* name, int64_t channels, bool has_grad) {
  Param p;
  p.name = name;
  p.shape = {channels};
  p.size = channels;
  p.has_grad = has_grad;
  return p;
}

class BatchNormOp final : public Op {
 public:
  BatchNormOp(const std::string& name, double momentum, double epsilon, bool center, bool scale,
              bool frozen)
      : Op(name),
        momentum_(momentum),
        epsilon_(epsilon),
        center_(center),
        scale_(scale),
        frozen_(frozen) {}

  const char* kind() const override { return "BatchNormalization"; }

  Shape build(const Shape& input) override {
    if (input.empty()) {
      throw ValueError("Layer \"" + name_ +
                       "\" (BatchNormalization) needs an input with a "
                       "feature axis; received shape " +
                       shape_str(input) + ".");
    }
    channels_ = input.back();
    rows_per_sample_ = shape_numel(input) / channels_;
    params_.clear();
    if (scale_) params_.push_back(channel_param("gamma", channels_, true));
    if (center_) params_.push_back(channel_param("beta", channels_, true));
    params_.push_back(channel_param("moving_mean", channels_, false));
    params_.push_back(channel_param("moving_variance", channels_, false));
    for (Param& p : params_) {
      if (p.has_grad) p.grad.reserve(static_cast<size_t>(p.size));
    }
    const size_t C = static_cast<size_t>(channels_);
    for (auto* v :
         {&mean_, &inv_std_, &batch_var_, &shift_, &mul_, &add_, &mean_dy_, &mean_dy_xhat_}) {
      v->assign(C, 0.0f);
    }
    sum_a_.assign(C, 0.0);
    sum_b_.assign(C, 0.0);
    return input;
  }

  void reserve(int64_t batch) override {
    partial_.resize(
        static_cast<size_t>(batch_norm_scratch_size(batch * rows_per_sample_, channels_)));
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) override {
    const int64_t rows = batch * rows_per_sample_;
    used_batch_stats_ = ctx.training && !frozen_;
    if (used_batch_stats_) {
      batch_moments(x, rows);
      if (ctx.update_state) {
        float* mm = moving_mean();
        float* mv = moving_variance();
        const float m = static_cast<float>(momentum_);
        for (int64_t c = 0; c < channels_; ++c) {
          mm[c] = mm[c] * m + mean_[static_cast<size_t>(c)] * (1.0f - m);
          mv[c] = mv[c] * m + batch_var_[static_cast<size_t>(c)] * (1.0f - m);
        }
      }
    } else {
      const float* mm = moving_mean();
      const float* mv = moving_variance();
      for (int64_t c = 0; c < channels_; ++c) {
        mean_[static_cast<size_t>(c)] = mm[c];
        inv_std_[static_cast<size_t>(c)] =
            static_cast<float>(1.0 / std::sqrt(static_cast<double>(mv[c]) + epsilon_));
      }
    }
    // tf.nn.batch_normalization's form: y = x * (gamma / std) + (beta - mean * gamma / std).
    const float* gamma = scale_ ? params_[0].value : nullptr;
    const float* beta = center_ ? params_[scale_ ? 1 : 0].value : nullptr;
    for (size_t c = 0; c < mean_.size(); ++c) {
      mul_[c] = gamma != nullptr ? inv_std_[c] * gamma[c] : inv_std_[c];
      add_[c] = (beta != nullptr ? beta[c] : 0.0f) - mean_[c] * mul_[c];
    }
    batch_norm_affine(x, mul_.data(), add_.data(), rows, channels_, y);
  }

  void backward(const float* x, const float*, float* dy, float* dx, int64_t batch,
                const StepContext&, bool) override {
    const int64_t rows = batch * rows_per_sample_;
    const int64_t C = channels_;
    // sum(dy) and sum(dy * xhat) per channel.
    sums(x, dy, mean_.data(), inv_std_.data(), rows);
    float* dgamma = scale_ ? params_[0].grad.data() : nullptr;
    float* dbeta = center_ ? params_[scale_ ? 1 : 0].grad.data() : nullptr;
    for (int64_t c = 0; c < C; ++c) {
      if (dgamma != nullptr) dgamma[c] = static_cast<float>(sum_b_[static_cast<size_t>(c)]);
      if (dbeta != nullptr) dbeta[c] = static_cast<float>(sum_a_[static_cast<size_t>(c)]);
    }
    if (dx == nullptr) return;
    const float* gamma = scale_ ? params_[0].value : nullptr;
    const double n = static_cast<double>(rows);
    for (int64_t c = 0; c < C; ++c) {
      const size_t k = static_cast<size_t>(c);
      mul_[k] = gamma != nullptr ? gamma[c] * inv_std_[k] : inv_std_[k];
      mean_dy_[k] = static_cast<float>(sum_a_[k] / n);
      mean_dy_xhat_[k] = static_cast<float>(sum_b_[k] / n);
    }
    batch_norm_input_grad(x, dy, mean_.data(), inv_std_.data(), mul_.data(),
                          used_batch_stats_ ? mean_dy_.data() : nullptr, mean_dy_xhat_.data(), rows,
                          C, dx);
  }

 private:
  float* moving_mean() { return params_[params_.size() - 2].value; }
  float* moving_variance() { return params_[params_.size() - 1].value; }

  // Per-channel sums into sum_a_ / sum_b_ (see batch_norm_channel_sums).
  void sums(const float* x, const float* dy, const float* shift, const float* scale, int64_t rows) {
    const size_t scratch = static_cast<size_t>(batch_norm_scratch_size(rows, channels_));
    if (partial_.size() < scratch) partial_.resize(scratch);
    batch_norm_channel_sums(x, dy, shift, scale, rows, channels_, partial_.data(), sum_a_.data(),
                            sum_b_.data());
  }

  // Mean and variance over the rows, from sums of x minus its first row:
  // shifted by a value near the mean, E[d^2] - E[d]^2 does not cancel.
  void batch_moments(const float* x, int64_t rows) {
    const int64_t C = channels_;
    if (rows > 0) std::copy(x, x + C, shift_.begin());  // an empty batch has no first row
    sums(x, nullptr, shift_.data(), nullptr, rows);
    const double n = static_cast<double>(rows);
    for (int64_t c = 0; c < C; ++c) {
      const size_t k = static_cast<size_t>(c);
      const double mean_d = sum_a_[k] / n;
      const double var = std::max(0.0, sum_b_[k] / n - mean_d * mean_d);  // rounding below 0
      mean_[k] = static_cast<float>(shift_[k] + mean_d);
      batch_var_[k] = static_cast<float>(var);
      inv_std_[k] = static_cast<float>(1.0 / std::sqrt(var + epsilon_));
    }
  }

  double momentum_, epsilon_;
  bool center_, scale_, frozen_;
  int64_t channels_ = 1, rows_per_sample_ = 1;
  bool used_batch_stats_ = false;
  // Per channel: the statistics in use, the first row (the sums' shift),
  // the affine factors (also gamma / std in the backward) and dy's means.
  std::vector<float> mean_, inv_std_, batch_var_, shift_, mul_, add_, mean_dy_, mean_dy_xhat_;
  std::vector<double> partial_, sum_a_, sum_b_;
};

}  // namespace

std::unique_ptr<Op> make_batch_norm_op(const std::string& name, double momentum, double epsilon,
                                       bool center, bool scale, bool frozen) {
  return std::make_unique<BatchNormOp>(name, momentum, epsilon, center, scale, frozen);
}

}  // namespace lamina
