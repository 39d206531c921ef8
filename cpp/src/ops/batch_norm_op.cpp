// BatchNormalization (see lamina/ops/normalization.h). Statistics are summed
// in double over fixed blocks of rows, then the blocks in order, so results
// do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <vector>

#include "lamina/errors.h"
#include "lamina/ops/normalization.h"

namespace lamina {
namespace {

constexpr int64_t kBlockRows = 256;

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
    mean_.assign(static_cast<size_t>(channels_), 0.0f);
    inv_std_.assign(static_cast<size_t>(channels_), 0.0f);
    return input;
  }

  void reserve(int64_t batch) override {
    const int64_t blocks = (batch * rows_per_sample_ + kBlockRows - 1) / kBlockRows;
    partial_.resize(static_cast<size_t>(std::max<int64_t>(blocks, 1) * channels_ * 2));
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
    const float* gamma = scale_ ? params_[0].value : nullptr;
    const float* beta = center_ ? params_[scale_ ? 1 : 0].value : nullptr;
    const int64_t C = channels_;
    parallel_for(rows, std::max<int64_t>(1, 16384 / C), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const float* xr = x + r * C;
        float* yr = y + r * C;
        for (int64_t c = 0; c < C; ++c) {
          float v = (xr[c] - mean_[static_cast<size_t>(c)]) * inv_std_[static_cast<size_t>(c)];
          if (gamma != nullptr) v *= gamma[c];
          if (beta != nullptr) v += beta[c];
          yr[c] = v;
        }
      }
    });
  }

  void backward(const float* x, const float*, float* dy, float* dx, int64_t batch,
                const StepContext&, bool) override {
    const int64_t rows = batch * rows_per_sample_;
    const int64_t C = channels_;
    // sum(dy) and sum(dy * xhat) per channel, in fixed blocks.
    sums(rows, [&](int64_t r, int64_t c) {
      const double g = dy[r * C + c];
      const double xhat = (static_cast<double>(x[r * C + c]) - mean_[static_cast<size_t>(c)]) *
                          inv_std_[static_cast<size_t>(c)];
      return std::make_pair(g, g * xhat);
    });
    float* dgamma = scale_ ? params_[0].grad.data() : nullptr;
    float* dbeta = center_ ? params_[scale_ ? 1 : 0].grad.data() : nullptr;
    for (int64_t c = 0; c < C; ++c) {
      if (dgamma != nullptr) dgamma[c] = static_cast<float>(sum_b_[static_cast<size_t>(c)]);
      if (dbeta != nullptr) dbeta[c] = static_cast<float>(sum_a_[static_cast<size_t>(c)]);
    }
    if (dx == nullptr) return;
    const float* gamma = scale_ ? params_[0].value : nullptr;
    const double n = static_cast<double>(rows);
    parallel_for(rows, std::max<int64_t>(1, 16384 / C), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        for (int64_t c = 0; c < C; ++c) {
          const size_t k = static_cast<size_t>(c);
          const double scale = (gamma != nullptr ? gamma[c] : 1.0f) * inv_std_[k];
          const double g = dy[r * C + c];
          if (!used_batch_stats_) {  // the statistics are constants
            dx[r * C + c] = static_cast<float>(g * scale);
            continue;
          }
          const double xhat = (static_cast<double>(x[r * C + c]) - mean_[k]) * inv_std_[k];
          dx[r * C + c] = static_cast<float>(scale * (g - sum_a_[k] / n - xhat * sum_b_[k] / n));
        }
      }
    });
  }

 private:
  float* moving_mean() { return params_[params_.size() - 2].value; }
  float* moving_variance() { return params_[params_.size() - 1].value; }

  // Per-channel sums of the pair f(r, c) returns, into sum_a_ / sum_b_.
  template <typename F>
  void sums(int64_t rows, F&& f) {
    const int64_t C = channels_;
    const int64_t blocks = std::max<int64_t>(1, (rows + kBlockRows - 1) / kBlockRows);
    if (partial_.size() < static_cast<size_t>(blocks * C * 2)) {
      partial_.resize(static_cast<size_t>(blocks * C * 2));
    }
    parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t blk = b0; blk < b1; ++blk) {
        double* a = partial_.data() + blk * C * 2;
        double* s = a + C;
        std::fill(a, a + 2 * C, 0.0);
        const int64_t end = std::min(rows, (blk + 1) * kBlockRows);
        for (int64_t r = blk * kBlockRows; r < end; ++r) {
          for (int64_t c = 0; c < C; ++c) {
            const auto v = f(r, c);
            a[c] += v.first;
            s[c] += v.second;
          }
        }
      }
    });
    sum_a_.assign(static_cast<size_t>(C), 0.0);
    sum_b_.assign(static_cast<size_t>(C), 0.0);
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const double* a = partial_.data() + blk * C * 2;
      for (int64_t c = 0; c < C; ++c) {
        sum_a_[static_cast<size_t>(c)] += a[c];
        sum_b_[static_cast<size_t>(c)] += a[C + c];
      }
    }
  }

  void batch_moments(const float* x, int64_t rows) {
    const int64_t C = channels_;
    sums(rows, [&](int64_t r, int64_t c) {
      const double v = x[r * C + c];
      return std::make_pair(v, v * v);
    });
    batch_var_.resize(static_cast<size_t>(C));
    const double n = static_cast<double>(rows);
    for (int64_t c = 0; c < C; ++c) {
      const size_t k = static_cast<size_t>(c);
      const double mean = sum_a_[k] / n;
      // E[x^2] - mean^2 in double; clamped against rounding below zero.
      const double var = std::max(0.0, sum_b_[k] / n - mean * mean);
      mean_[k] = static_cast<float>(mean);
      batch_var_[k] = static_cast<float>(var);
      inv_std_[k] = static_cast<float>(1.0 / std::sqrt(var + epsilon_));
    }
  }

  double momentum_, epsilon_;
  bool center_, scale_, frozen_;
  int64_t channels_ = 1, rows_per_sample_ = 1;
  bool used_batch_stats_ = false;
  std::vector<float> mean_, inv_std_, batch_var_;
  std::vector<double> partial_, sum_a_, sum_b_;
};

}  // namespace

std::unique_ptr<Op> make_batch_norm_op(const std::string& name, double momentum, double epsilon,
                                       bool center, bool scale, bool frozen) {
  return std::make_unique<BatchNormOp>(name, momentum, epsilon, center, scale, frozen);
}

}  // namespace lamina
