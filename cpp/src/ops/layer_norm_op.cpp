// LayerNormalization forward/backward. Statistics are accumulated in double
// (one pass for the mean, one for the variance) so a float32 result does not
// depend on the order of a long sum -- the forward's in lane_reduce.h's fixed
// order (a single running sum was a chain of dependent adds; the backward's
// two sums share one pass, which split in two lane sums ran slower); each
// vector is one task, and the gamma/beta gradients are column sums over rows
// in a fixed order, so results do not depend on the thread count.
#include <cmath>
#include <cstring>

#include "kernels/lane_reduce.h"
#include "lamina/errors.h"
#include "lamina/ops/layer_norm.h"

namespace lamina {

void layer_norm_forward(const float* x, float* y, int64_t rows, int64_t n, int64_t inner,
                        const float* gamma, const float* beta, double epsilon, bool rms,
                        float* mean, float* rstd) {
  const int64_t vectors = rows * inner;
  parallel_for(
      vectors, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
        for (int64_t v = b; v < e; ++v) {
          const int64_t base = (v / inner) * n * inner + v % inner;
          const float* xv = x + base;
          float* yv = y + base;
          const double sum = lane_sum<double>(n, [&](int64_t i) { return double(xv[i * inner]); });
          const double m = sum / static_cast<double>(n);
          const double sq = lane_sum<double>(n, [&](int64_t i) {
            const double d = xv[i * inner] - m;
            return d * d;
          });
          const double r = 1.0 / std::sqrt(sq / static_cast<double>(n) + epsilon);
          mean[v] = static_cast<float>(m);
          rstd[v] = static_cast<float>(r);
          const float mf = rms ? 0.0f : static_cast<float>(m);
          const float rf = static_cast<float>(r);
          for (int64_t i = 0; i < n; ++i) {
            float out = (xv[i * inner] - mf) * rf;
            if (gamma != nullptr) out *= gamma[i];
            if (beta != nullptr) out += beta[i];
            yv[i * inner] = out;
          }
        }
      });
}

void layer_norm_backward(const float* x, const float* dy, float* dx, int64_t rows, int64_t n,
                         int64_t inner, const float* gamma, bool rms, const float* mean,
                         const float* rstd, float* dgamma_terms) {
  const int64_t vectors = rows * inner;
  const double inv_n = 1.0 / static_cast<double>(n);
  parallel_for(
      vectors, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
        for (int64_t v = b; v < e; ++v) {
          const int64_t base = (v / inner) * n * inner + v % inner;
          const float* xv = x + base;
          const float* gv = dy + base;
          const double m = mean[v], r = rstd[v];
          if (dgamma_terms != nullptr) {
            float* t = dgamma_terms + base;
            const float mf = rms ? 0.0f : mean[v];
            for (int64_t i = 0; i < n; ++i) {
              t[i * inner] = gv[i * inner] * (xv[i * inner] - mf) * rstd[v];
            }
          }
          if (dx == nullptr) continue;
          float* dv = dx + base;
          // u = dy * gamma; sums of u and u * (x - m) (or u * x for rms).
          double su = 0.0, sux = 0.0;
          for (int64_t i = 0; i < n; ++i) {
            const double u =
                gamma != nullptr ? double(gv[i * inner]) * gamma[i] : double(gv[i * inner]);
            su += u;
            sux += u * (rms ? double(xv[i * inner]) : double(xv[i * inner]) - m);
          }
          for (int64_t i = 0; i < n; ++i) {
            const double u =
                gamma != nullptr ? double(gv[i * inner]) * gamma[i] : double(gv[i * inner]);
            const double xc = double(xv[i * inner]) - m;
            double d;
            if (rms) {
              // y = x r g with r = (var + eps)^-1/2 and var centred on m.
              d = r * u - r * r * r * xc * inv_n * sux;
            } else {
              d = r * (u - su * inv_n - xc * r * r * sux * inv_n);
            }
            dv[i * inner] = static_cast<float>(d);
          }
        }
      });
}

namespace {

class LayerNormOp final : public Op {
 public:
  LayerNormOp(const std::string& name, const LayerNormSpec& spec) : Op(name), spec_(spec) {
    n_ = shape_numel(spec.norm_shape);
    if (spec.scale || spec.rms_scaling) add_param("gamma");
    if (spec.center && !spec.rms_scaling) add_param("beta");
    has_gamma_ = spec.scale || spec.rms_scaling;
    has_beta_ = spec.center && !spec.rms_scaling;
  }
  const char* kind() const override { return "LayerNormalization"; }

  Shape build(const Shape& input) override {
    const size_t a0 = static_cast<size_t>(spec_.axis_begin);
    const size_t a1 = a0 + spec_.norm_shape.size();
    bool ok = a1 <= input.size();
    for (size_t k = a0; ok && k < a1; ++k) ok = input[k] == spec_.norm_shape[k - a0];
    if (!ok) {
      throw ValueError("Layer '" + name_ + "' (LayerNormalization) was built for normalised axes " +
                       shape_str(spec_.norm_shape) + " but received input with shape " +
                       shape_str(input));
    }
    outer_ = 1;
    for (size_t k = 0; k < a0; ++k) outer_ *= input[k];
    inner_ = 1;
    for (size_t k = a1; k < input.size(); ++k) inner_ *= input[k];
    for (Param& p : params_) p.grad.reserve(static_cast<size_t>(p.size));
    return input;
  }

  void reserve(int64_t batch) override {
    const size_t vectors = static_cast<size_t>(batch * outer_ * inner_);
    mean_.reserve(vectors);
    rstd_.reserve(vectors);
    if (!params_.empty()) {
      terms_.reserve(static_cast<size_t>(batch * outer_ * n_ * inner_));
      colsum_.reserve(static_cast<size_t>(n_ * inner_));
    }
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    layer_norm_forward(x, y, batch * outer_, n_, inner_, gamma(), beta(), spec_.epsilon,
                       spec_.rms_scaling, mean_.data(), rstd_.data());
  }

  void backward(const float* x, const float*, float* dy, float* dx, int64_t batch,
                const StepContext&, bool) override {
    const int64_t rows = batch * outer_;
    layer_norm_backward(x, dy, dx, rows, n_, inner_, gamma(), spec_.rms_scaling, mean_.data(),
                        rstd_.data(), has_gamma_ ? terms_.data() : nullptr);
    size_t k = 0;
    if (has_gamma_) reduce_to(terms_.data(), rows, params_[k++].grad.data());
    if (has_beta_) reduce_to(dy, rows, params_[k].grad.data());
  }

 private:
  void add_param(const char* name) {
    Param p;
    p.name = name;
    p.shape = spec_.norm_shape;
    p.size = n_;
    params_.push_back(std::move(p));
  }
  const float* gamma() const { return has_gamma_ ? params_[0].value : nullptr; }
  const float* beta() const { return has_beta_ ? params_[has_gamma_ ? 1 : 0].value : nullptr; }

  // out[i] = sum over rows and inner of t[row, i, inner], in a fixed order.
  void reduce_to(const float* t, int64_t rows, float* out) {
    if (inner_ == 1) {
      column_sum(t, rows, n_, out, false);
      return;
    }
    column_sum(t, rows, n_ * inner_, colsum_.data(), false);
    const float* c = colsum_.data();
    for (int64_t i = 0; i < n_; ++i) {
      float s = 0.0f;
      for (int64_t j = 0; j < inner_; ++j) s += c[i * inner_ + j];
      out[i] = s;
    }
  }

  LayerNormSpec spec_;
  int64_t n_ = 1, outer_ = 1, inner_ = 1;
  bool has_gamma_ = true, has_beta_ = true;
  Buffer mean_, rstd_, terms_, colsum_;
};

}  // namespace

std::unique_ptr<Op> make_layer_norm_op(const std::string& name, const LayerNormSpec& spec) {
  return std::make_unique<LayerNormOp>(name, spec);
}

}  // namespace lamina
