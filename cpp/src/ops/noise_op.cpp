// GaussianNoise, GaussianDropout and SpatialDropout. In inference each is a
// copy; in training the noise of element i at step s is a pure function of
// (seed, s, i), recomputed by backward.
#include <cmath>
#include <cstring>

#include "lamina/errors.h"
#include "lamina/ops/noise.h"

namespace lamina {

float counter_normal(uint64_t seed, uint64_t step, uint64_t i) {
  const uint64_t pair = i & ~uint64_t{1};
  // 1 - u is in (0, 1], so the log is finite.
  const double u1 = 1.0 - static_cast<double>(counter_uniform(seed, step, pair));
  const double u2 = static_cast<double>(counter_uniform(seed, step, pair + 1));
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 6.283185307179586 * u2;
  return static_cast<float>((i & 1) ? r * std::sin(theta) : r * std::cos(theta));
}

namespace {

constexpr int64_t kGrain = 8192;

void copy(const float* src, float* dst, int64_t n) {
  std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(n));
}

class GaussianNoiseOp final : public Op {
 public:
  GaussianNoiseOp(const std::string& name, float stddev, uint64_t seed)
      : Op(name), stddev_(stddev), seed_(seed) {}
  const char* kind() const override { return "GaussianNoise"; }
  Shape build(const Shape& input) override {
    numel_ = shape_numel(input);
    return input;
  }
  void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) override {
    const int64_t n = batch * numel_;
    if (!ctx.training || stddev_ == 0.0f) return copy(x, y, n);
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        y[i] = x[i] + stddev_ * counter_normal(seed_, ctx.step, static_cast<uint64_t>(i));
      }
    });
  }
  void backward(const float*, const float*, float* dy, float* dx, int64_t batch, const StepContext&,
                bool) override {
    if (dx != nullptr) copy(dy, dx, batch * numel_);  // additive noise: identity gradient
  }

 private:
  float stddev_;
  uint64_t seed_;
  int64_t numel_ = 1;
};

class GaussianDropoutOp final : public Op {
 public:
  GaussianDropoutOp(const std::string& name, float rate, uint64_t seed)
      : Op(name), rate_(rate), stddev_(std::sqrt(rate / (1.0f - rate))), seed_(seed) {}
  const char* kind() const override { return "GaussianDropout"; }
  Shape build(const Shape& input) override {
    numel_ = shape_numel(input);
    return input;
  }
  void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) override {
    apply(x, y, batch * numel_, ctx);
  }
  void backward(const float*, const float*, float* dy, float* dx, int64_t batch,
                const StepContext& ctx, bool) override {
    if (dx != nullptr) apply(dy, dx, batch * numel_, ctx);  // y = x * noise: dx = dy * noise
  }

 private:
  void apply(const float* src, float* dst, int64_t n, const StepContext& ctx) const {
    if (!ctx.training || rate_ == 0.0f) return copy(src, dst, n);
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const float noise =
            1.0f + stddev_ * counter_normal(seed_, ctx.step, static_cast<uint64_t>(i));
        dst[i] = src[i] * noise;
      }
    });
  }

  float rate_, stddev_;
  uint64_t seed_;
  int64_t numel_ = 1;
};

class SpatialDropoutOp final : public Op {
 public:
  SpatialDropoutOp(const std::string& name, const char* kind, float rate, uint64_t seed,
                   bool channels_first)
      : Op(name), kind_(kind), rate_(rate), seed_(seed), channels_first_(channels_first) {}
  const char* kind() const override { return kind_; }
  Shape build(const Shape& input) override {
    if (input.size() < 2) {
      throw ValueError("Layer '" + name_ + "' (" + kind_ +
                       ") expects inputs with a spatial axis; received input with shape " +
                       shape_str(input));
    }
    numel_ = shape_numel(input);
    channels_ = channels_first_ ? input.front() : input.back();
    return input;
  }
  void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) override {
    apply(x, y, batch, ctx);
  }
  void backward(const float*, const float*, float* dy, float* dx, int64_t batch,
                const StepContext& ctx, bool) override {
    if (dx != nullptr) apply(dy, dx, batch, ctx);
  }

 private:
  // One keep decision per (sample, channel): generator element s * C + c.
  void apply(const float* src, float* dst, int64_t batch, const StepContext& ctx) const {
    const int64_t n = numel_, channels = channels_, spatial = n / channels_;
    if (!ctx.training || rate_ == 0.0f) return copy(src, dst, batch * n);
    const float scale = 1.0f / (1.0f - rate_);
    const bool cf = channels_first_;
    parallel_for(
        batch, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
          for (int64_t s = b; s < e; ++s) {
            const float* xs = src + s * n;
            float* ys = dst + s * n;
            for (int64_t i = 0; i < n; ++i) {
              const int64_t c = cf ? i / spatial : i % channels;
              const float u =
                  counter_uniform(seed_, ctx.step, static_cast<uint64_t>(s * channels + c));
              ys[i] = u >= rate_ ? xs[i] * scale : 0.0f;
            }
          }
        });
  }

  const char* kind_;
  float rate_;
  uint64_t seed_;
  bool channels_first_;
  int64_t numel_ = 1, channels_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_gaussian_noise_op(const std::string& name, float stddev, uint64_t seed) {
  if (!(stddev >= 0.0f)) {
    throw ValueError("Layer '" + name + "' (GaussianNoise): stddev must be >= 0.");
  }
  return std::make_unique<GaussianNoiseOp>(name, stddev, seed);
}

std::unique_ptr<Op> make_gaussian_dropout_op(const std::string& name, float rate, uint64_t seed) {
  if (!(rate >= 0.0f && rate < 1.0f)) {
    throw ValueError("Layer '" + name + "' (GaussianDropout): rate must be in [0, 1).");
  }
  return std::make_unique<GaussianDropoutOp>(name, rate, seed);
}

std::unique_ptr<Op> make_spatial_dropout_op(const std::string& name, const char* kind, float rate,
                                            uint64_t seed, bool channels_first) {
  if (!(rate >= 0.0f && rate < 1.0f)) {
    throw ValueError("Layer '" + name + "' (" + kind + "): rate must be in [0, 1).");
  }
  return std::make_unique<SpatialDropoutOp>(name, kind, rate, seed, channels_first);
}

}  // namespace lamina
