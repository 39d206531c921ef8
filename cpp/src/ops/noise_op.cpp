// GaussianNoise, GaussianDropout and SpatialDropout. In inference each is a
// copy; in training the noise of element i at step s is a pure function of
// (seed, s, i), recomputed by backward.
#include <algorithm>
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

// ln(u) for u in (0, 1]: u = m * 2^e with m in [sqrt(1/2), sqrt(2)), then
// ln(m) = 2 atanh(t), t = (m - 1) / (m + 1), |t| <= 0.172 (series to t^9:
// relative error below 1e-9). Integer selects only, so the loop vectorises.
inline float log_unit(float u) {
  uint32_t bits;
  std::memcpy(&bits, &u, sizeof(bits));
  int32_t e = static_cast<int32_t>(bits >> 23) - 127;
  uint32_t mbits = (bits & 0x007FFFFFu) | 0x3F800000u;
  const uint32_t over = mbits > 0x3FB504F3u ? 1u : 0u;  // m > sqrt(2): halve it
  mbits -= over << 23;
  e += static_cast<int32_t>(over);
  float m;
  std::memcpy(&m, &mbits, sizeof(m));
  const float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
  const float series = 1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9))));
  return static_cast<float>(e) * 0.69314718f + 2.0f * t * series;
}

// sin and cos of h in [-pi/2, pi/2] by Taylor polynomials (error < 6e-8).
inline void sincos_half(float h, float* s, float* c) {
  const float h2 = h * h;
  *s = h * (1.0f + h2 * (-1.0f / 6 +
                         h2 * (1.0f / 120 + h2 * (-1.0f / 5040 + h2 * (1.0f / 362880 +
                                                                       h2 * (-1.0f / 39916800))))));
  *c = 1.0f +
       h2 * (-0.5f +
             h2 * (1.0f / 24 +
                   h2 * (-1.0f / 720 +
                         h2 * (1.0f / 40320 + h2 * (-1.0f / 3628800 + h2 * (1.0f / 479001600))))));
}

constexpr int64_t kBlock = 512;  // pairs per block of generated uniforms

}  // namespace

void counter_normal_fill(uint64_t seed, uint64_t step, uint64_t first, int64_t n, float* out) {
  // Pairs (2p, 2p + 1) share u1, u2: z = r cos(theta), r sin(theta) with
  // r = sqrt(-2 ln(1 - u1)), theta = 2 pi u2 = 2h + pi, h = pi u2 - pi / 2.
  float u[2 * kBlock];
  float z[2 * kBlock];
  const uint64_t end = first + static_cast<uint64_t>(n);
  for (uint64_t p0 = first >> 1; 2 * p0 < end; p0 += kBlock) {
    const uint64_t p1 = std::min<uint64_t>(p0 + kBlock, (end + 1) >> 1);
    const int64_t pairs = static_cast<int64_t>(p1 - p0);
    counter_uniform_fill(seed, step, 2 * p0, 2 * pairs, u);
    for (int64_t k = 0; k < pairs; ++k) {
      const float r = std::sqrt(-2.0f * log_unit(1.0f - u[2 * k]));
      float s, c;
      sincos_half(3.14159265f * u[2 * k + 1] - 1.57079633f, &s, &c);
      z[2 * k] = r * (2.0f * s * s - 1.0f);  // cos(2h + pi) = 2 sin^2 h - 1
      z[2 * k + 1] = -2.0f * r * s * c;      // sin(2h + pi) = -2 sin h cos h
    }
    const uint64_t lo = std::max<uint64_t>(first, 2 * p0), hi = std::min<uint64_t>(end, 2 * p1);
    std::memcpy(out + (lo - first), z + (lo - 2 * p0),
                sizeof(float) * static_cast<size_t>(hi - lo));
  }
}

namespace {

constexpr int64_t kGrain = 8192;

void copy(const float* src, float* dst, int64_t n) {
  std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(n));
}

// dst = src + scale * z (additive) or src * (1 + scale * z), z the stream's
// normals for elements [0, n); each chunk generates its own range.
void apply_normal(const float* src, float* dst, int64_t n, float scale, bool multiplicative,
                  uint64_t seed, uint64_t step) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    float z[2 * kBlock];
    for (int64_t i = b; i < e; i += 2 * kBlock) {
      const int64_t len = std::min<int64_t>(2 * kBlock, e - i);
      counter_normal_fill(seed, step, static_cast<uint64_t>(i), len, z);
      const float* s = src + i;
      float* d = dst + i;
      if (multiplicative) {
        for (int64_t k = 0; k < len; ++k) d[k] = s[k] * (1.0f + scale * z[k]);
      } else {
        for (int64_t k = 0; k < len; ++k) d[k] = s[k] + scale * z[k];
      }
    }
  });
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
    apply_normal(x, y, n, stddev_, false, seed_, ctx.step);
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
    apply_normal(src, dst, n, stddev_, true, seed_, ctx.step);
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
  void reserve(int64_t batch) override { scale_.reserve(static_cast<size_t>(batch * channels_)); }
  void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) override {
    apply(x, y, batch, ctx);
  }
  void backward(const float*, const float*, float* dy, float* dx, int64_t batch,
                const StepContext& ctx, bool) override {
    if (dx != nullptr) apply(dy, dx, batch, ctx);
  }

 private:
  // One keep decision per (sample, channel), generator element s * C + c,
  // turned into a per-channel scale (0 or 1 / (1 - rate)).
  void apply(const float* src, float* dst, int64_t batch, const StepContext& ctx) {
    const int64_t n = numel_, channels = channels_, spatial = n / channels_;
    if (!ctx.training || rate_ == 0.0f) return copy(src, dst, batch * n);
    float* scale = scale_.data();
    counter_uniform_fill(seed_, ctx.step, 0, batch * channels, scale);
    const float keep = 1.0f / (1.0f - rate_), rate = rate_;
    for (int64_t i = 0; i < batch * channels; ++i) scale[i] = scale[i] >= rate ? keep : 0.0f;
    const bool cf = channels_first_;
    parallel_for(batch, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t s = b; s < e; ++s) {
                     const float* xs = src + s * n;
                     float* ys = dst + s * n;
                     const float* sc = scale + s * channels;
                     if (cf) {
                       for (int64_t c = 0; c < channels; ++c) {
                         for (int64_t k = 0; k < spatial; ++k) {
                           ys[c * spatial + k] = xs[c * spatial + k] * sc[c];
                         }
                       }
                     } else {
                       for (int64_t k = 0; k < spatial; ++k) {
                         for (int64_t c = 0; c < channels; ++c) {
                           ys[k * channels + c] = xs[k * channels + c] * sc[c];
                         }
                       }
                     }
                   }
                 });
  }

  const char* kind_;
  float rate_;
  uint64_t seed_;
  bool channels_first_;
  int64_t numel_ = 1, channels_ = 1;
  Buffer scale_;
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
