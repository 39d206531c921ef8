// Rescaling and Normalization: per-element affine maps whose coefficients
// come from constants (Rescaling) or from non-trainable weights
// (Normalization's mean and variance, recomputed into a scale/shift each
// step because adapt() or set_weights() may change them between steps).
#include <algorithm>
#include <cmath>

#include "lamina/errors.h"
#include "lamina/ops/preprocessing.h"

namespace lamina {
namespace {

// y = x * a + b over rows of `period` values (a, b: one per column), or with
// one (a, b) pair when period is 1. Rows keep the inner loop contiguous so it
// vectorises.
void affine(const float* x, float* y, int64_t n, const float* a, const float* b, int64_t period) {
  if (period == 1) {
    const float a0 = a[0], b0 = b[0];
    parallel_for(n, 16384, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) y[i] = x[i] * a0 + b0;
    });
    return;
  }
  parallel_for(n / period, std::max<int64_t>(1, 16384 / period), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * period;
      float* yr = y + r * period;
      for (int64_t k = 0; k < period; ++k) yr[k] = xr[k] * a[k] + b[k];
    }
  });
}

void scale_only(const float* dy, float* dx, int64_t n, const float* a, int64_t period) {
  if (period == 1) {
    const float a0 = a[0];
    parallel_for(n, 16384, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) dx[i] = dy[i] * a0;
    });
    return;
  }
  parallel_for(n / period, std::max<int64_t>(1, 16384 / period), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      for (int64_t k = 0; k < period; ++k) dx[r * period + k] = dy[r * period + k] * a[k];
    }
  });
}

class RescalingOp final : public Op {
 public:
  RescalingOp(const std::string& name, std::vector<float> scale, std::vector<float> offset)
      : Op(name), scale_(std::move(scale)), offset_(std::move(offset)) {}
  const char* kind() const override { return "Rescaling"; }

  Shape build(const Shape& input) override {
    const int64_t last = input.empty() ? 1 : input.back();
    const size_t width = std::max(scale_.size(), offset_.size());
    if ((scale_.size() != 1 && static_cast<int64_t>(scale_.size()) != last) ||
        (offset_.size() != 1 && static_cast<int64_t>(offset_.size()) != last)) {
      throw ValueError("Layer '" + name_ + "' (Rescaling): scale and offset must be scalars or " +
                       "have one value per entry of the last axis; the input is " +
                       shape_str(input) + ".");
    }
    period_ = width == 1 ? 1 : last;
    a_.assign(static_cast<size_t>(period_), 0.0f);
    b_.assign(static_cast<size_t>(period_), 0.0f);
    for (int64_t k = 0; k < period_; ++k) {
      a_[static_cast<size_t>(k)] = scale_[scale_.size() == 1 ? 0 : static_cast<size_t>(k)];
      b_[static_cast<size_t>(k)] = offset_[offset_.size() == 1 ? 0 : static_cast<size_t>(k)];
    }
    numel_ = shape_numel(input);
    return input;
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    affine(x, y, batch * numel_, a_.data(), b_.data(), period_);
  }

  void backward(const float*, const float*, float* dy, float* dx, int64_t batch, const StepContext&,
                bool) override {
    if (dx != nullptr) scale_only(dy, dx, batch * numel_, a_.data(), period_);
  }

 private:
  std::vector<float> scale_, offset_, a_, b_;
  int64_t period_ = 1, numel_ = 1;
};

class NormalizationOp final : public Op {
 public:
  NormalizationOp(const std::string& name, const Shape& stat_shape, std::vector<int64_t> index,
                  bool invert)
      : Op(name), index_(std::move(index)), invert_(invert) {
    for (const char* n : {"mean", "variance"}) {
      Param p;
      p.name = n;
      p.shape = stat_shape;
      p.size = shape_numel(stat_shape);
      p.has_grad = false;
      params_.push_back(std::move(p));
    }
    for (int64_t k : index_) {
      if (k < 0 || k >= params_[0].size) {
        throw ValueError("Layer '" + name + "' (Normalization): statistic index out of range.");
      }
    }
  }
  const char* kind() const override { return "Normalization"; }

  Shape build(const Shape& input) override {
    numel_ = shape_numel(input);
    if (numel_ != static_cast<int64_t>(index_.size())) {
      throw ValueError("Layer '" + name_ + "' (Normalization) was built for " +
                       std::to_string(index_.size()) +
                       " values per sample but received input with shape " + shape_str(input));
    }
    // Never written (has_grad = false) but readable by Plan.gradients().
    for (Param& p : params_) {
      float* g = p.grad.reserve(static_cast<size_t>(p.size));
      std::fill(g, g + p.size, 0.0f);
    }
    mean_.assign(static_cast<size_t>(numel_), 0.0f);
    sd_.assign(static_cast<size_t>(numel_), 1.0f);
    return input;
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    refresh();
    const float* m = mean_.data();
    const float* sd = sd_.data();
    const int64_t n = numel_;
    const bool invert = invert_;
    // As Keras computes it, (x - mean) / sd, not x * (1 / sd) - mean / sd.
    parallel_for(batch, std::max<int64_t>(1, 16384 / n), [&](int64_t lo, int64_t hi) {
      for (int64_t s = lo; s < hi; ++s) {
        const float* xs = x + s * n;
        float* ys = y + s * n;
        if (invert) {
          for (int64_t k = 0; k < n; ++k) ys[k] = m[k] + xs[k] * sd[k];
        } else {
          for (int64_t k = 0; k < n; ++k) ys[k] = (xs[k] - m[k]) / sd[k];
        }
      }
    });
  }

  void backward(const float*, const float*, float* dy, float* dx, int64_t batch, const StepContext&,
                bool) override {
    if (dx == nullptr) return;
    const float* sd = sd_.data();
    const int64_t n = numel_;
    const bool invert = invert_;
    parallel_for(batch, std::max<int64_t>(1, 16384 / n), [&](int64_t lo, int64_t hi) {
      for (int64_t s = lo; s < hi; ++s) {
        const float* g = dy + s * n;
        float* d = dx + s * n;
        if (invert) {
          for (int64_t k = 0; k < n; ++k) d[k] = g[k] * sd[k];
        } else {
          for (int64_t k = 0; k < n; ++k) d[k] = g[k] / sd[k];
        }
      }
    });
  }

 private:
  // Per-element mean and divisor from the current weights (Keras: the
  // divisor is max(sqrt(variance), epsilon) with epsilon 1e-7).
  void refresh() {
    const float* mean = params_[0].value;
    const float* var = params_[1].value;
    for (int64_t e = 0; e < numel_; ++e) {
      const int64_t k = index_[static_cast<size_t>(e)];
      mean_[static_cast<size_t>(e)] = mean[k];
      sd_[static_cast<size_t>(e)] = std::max(std::sqrt(var[k]), 1e-7f);
    }
  }

  std::vector<int64_t> index_;
  bool invert_;
  int64_t numel_ = 1;
  std::vector<float> mean_, sd_;
};

}  // namespace

std::unique_ptr<Op> make_rescaling_op(const std::string& name, const std::vector<float>& scale,
                                      const std::vector<float>& offset) {
  if (scale.empty() || offset.empty()) {
    throw ValueError("Layer '" + name + "' (Rescaling): scale and offset must not be empty.");
  }
  return std::make_unique<RescalingOp>(name, scale, offset);
}

std::unique_ptr<Op> make_normalization_op(const std::string& name, const Shape& stat_shape,
                                          const std::vector<int64_t>& stat_index, bool invert) {
  return std::make_unique<NormalizationOp>(name, stat_shape, stat_index, invert);
}

}  // namespace lamina
