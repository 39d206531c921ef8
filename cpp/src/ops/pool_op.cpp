// Windowed and global pooling layers on the pooling kernels
// (lamina/kernels/pool.h).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "lamina/errors.h"
#include "lamina/kernels/conv.h"
#include "lamina/kernels/pool.h"
#include "lamina/ops/pooling.h"

namespace lamina {
namespace {

std::string pool_kind_name(PoolKind kind, bool one_d, bool global) {
  return std::string(global ? "Global" : "") +
         (kind == PoolKind::kMax ? "MaxPooling" : "AveragePooling") + (one_d ? "1D" : "2D");
}

void check_rank(const std::string& layer, const std::string& kind, bool one_d, const Shape& input) {
  const size_t rank = one_d ? 2 : 3;
  if (input.size() != rank) {
    throw ValueError("Input 0 of layer \"" + layer + "\" (" + kind + ") is incompatible with the " +
                     "layer: expected ndim=" + std::to_string(rank + 1) +
                     ", found ndim=" + std::to_string(input.size() + 1) +
                     ". Full shape received: " + shape_str(input));
  }
}

class PoolOp final : public Op {
 public:
  PoolOp(const std::string& name, PoolKind kind, const PoolSpec& spec)
      : Op(name), kind_(kind), spec_(spec), kind_name_(pool_kind_name(kind, spec.one_d, false)) {}

  const char* kind() const override { return kind_name_.c_str(); }

  Shape build(const Shape& input) override {
    check_rank(name_, kind_name_, spec_.one_d, input);
    PoolGeometry g;
    g.in_h = spec_.one_d ? 1 : input[0];
    g.in_w = spec_.one_d ? input[0] : input[1];
    g.channels = input.back();
    g.pool_h = spec_.pool_h;
    g.pool_w = spec_.pool_w;
    g.stride_h = spec_.stride_h;
    g.stride_w = spec_.stride_w;
    try {
      const Padding padding = parse_padding(spec_.padding);
      if (padding == Padding::kCausal) throw ValueError("padding must be \"valid\" or \"same\".");
      if (!spec_.one_d) {
        const ConvOutput h = conv_output_size(g.in_h, g.pool_h, g.stride_h, 1, padding);
        g.pad_top = h.pad_before;
        g.pad_bottom = h.pad_after;
      }
      const ConvOutput w = conv_output_size(g.in_w, g.pool_w, g.stride_w, 1, padding);
      g.pad_left = w.pad_before;
      g.pad_right = w.pad_after;
      g.validate();
    } catch (const ValueError& e) {
      throw ValueError("Layer \"" + name_ + "\" (" + kind_name_ + ") cannot take an input of " +
                       "shape " + shape_str(input) + ": " + e.what());
    }
    geom_ = g;
    return spec_.one_d ? Shape{g.out_w(), g.channels} : Shape{g.out_h(), g.out_w(), g.channels};
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) override {
    PoolGeometry g = geom_;
    g.batch = batch;
    g.relu_gate = relu_gate_;
    argmax_for_ = nullptr;
    if (kind_ == PoolKind::kMax && ctx.training && max_pool_tiled_2x2(g)) {
      // Training: record each window's maximum so backward need not read x.
      const size_t bytes = static_cast<size_t>(g.y_size());
      if (argmax_.size() < bytes) argmax_.resize(bytes);
      max_pool2d_forward_argmax_f32(active_kernels(), g, x, y, argmax_.data());
      argmax_for_ = x;
      argmax_batch_ = batch;
    } else if (kind_ == PoolKind::kMax) {
      max_pool2d_forward_f32(g, x, y);
    } else {
      avg_pool2d_forward_f32(g, x, y);
    }
  }

  bool relu_gate_supported() const override { return kind_ == PoolKind::kMax; }
  // Without pads, the windows may stop short of the last rows / cols.
  std::pair<int64_t, int64_t> input_read() const override {
    const PoolGeometry& g = geom_;
    if (g.pad_top != 0 || g.pad_left != 0 || g.pad_bottom != 0 || g.pad_right != 0) return {0, 0};
    const int64_t rows = (g.out_h() - 1) * g.stride_h + g.pool_h;
    const int64_t cols = (g.out_w() - 1) * g.stride_w + g.pool_w;
    return {rows < g.in_h ? rows : 0, cols < g.in_w ? cols : 0};
  }
  void set_relu_gate(bool on) override { relu_gate_ = on && kind_ == PoolKind::kMax; }

  void backward(const float* x, const float*, float* dy, float* dx, int64_t batch,
                const StepContext&, bool) override {
    if (dx == nullptr) return;
    PoolGeometry g = geom_;
    g.batch = batch;
    g.relu_gate = relu_gate_;
    if (kind_ == PoolKind::kMax && argmax_for_ == x && argmax_batch_ == batch) {
      max_pool2d_backward_argmax_f32(active_kernels(), g, argmax_.data(), dy, dx);
    } else if (kind_ == PoolKind::kMax) {
      max_pool2d_backward_f32(g, x, dy, dx);
    } else {
      avg_pool2d_backward_f32(g, dy, dx);
    }
  }

 private:
  PoolKind kind_;
  PoolSpec spec_;
  std::string kind_name_;
  PoolGeometry geom_;
  bool relu_gate_ = false;
  // The last training forward's window records, valid for that input.
  std::vector<uint8_t> argmax_;
  const float* argmax_for_ = nullptr;
  int64_t argmax_batch_ = 0;
};

class GlobalPoolOp final : public Op {
 public:
  GlobalPoolOp(const std::string& name, PoolKind kind, bool one_d, bool keepdims)
      : Op(name),
        kind_(kind),
        one_d_(one_d),
        keepdims_(keepdims),
        kind_name_(pool_kind_name(kind, one_d, true)) {}

  const char* kind() const override { return kind_name_.c_str(); }

  Shape build(const Shape& input) override {
    check_rank(name_, kind_name_, one_d_, input);
    channels_ = input.back();
    spatial_ = shape_numel(input) / channels_;
    if (!keepdims_) return {channels_};
    return one_d_ ? Shape{1, channels_} : Shape{1, 1, channels_};
  }

  void set_input_mask(const float* mask) override { mask_ = mask; }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    if (masked()) {
      masked_mean_forward(x, y, batch);
    } else if (kind_ == PoolKind::kMax) {
      global_max_pool_forward_f32(batch, spatial_, channels_, x, y);
    } else {
      global_avg_pool_forward_f32(batch, spatial_, channels_, x, y);
    }
  }

  void backward(const float* x, const float* y, float* dy, float* dx, int64_t batch,
                const StepContext&, bool) override {
    if (dx == nullptr) return;
    if (masked()) {
      masked_mean_backward(dy, dx, batch);
    } else if (kind_ == PoolKind::kMax) {
      global_max_pool_backward_f32(batch, spatial_, channels_, x, y, dy, dx);
    } else {
      global_avg_pool_backward_f32(batch, spatial_, channels_, dy, dx);
    }
  }

 private:
  // Keras's GlobalAveragePooling1D reads a mask: the mean over unmasked
  // steps. A sequence with every step masked averages to 0 (Keras: 0/0).
  bool masked() const { return mask_ != nullptr && kind_ == PoolKind::kAverage && one_d_; }

  float inverse_count(const float* m) const {
    float count = 0.0f;
    for (int64_t t = 0; t < spatial_; ++t) count += m[t] != 0.0f ? 1.0f : 0.0f;
    return count > 0.0f ? 1.0f / count : 0.0f;
  }

  void masked_mean_forward(const float* x, float* y, int64_t batch) const {
    for (int64_t b = 0; b < batch; ++b) {
      const float* m = mask_ + b * spatial_;
      float* yb = y + b * channels_;
      std::fill(yb, yb + channels_, 0.0f);
      for (int64_t t = 0; t < spatial_; ++t) {
        if (m[t] == 0.0f) continue;
        const float* xt = x + (b * spatial_ + t) * channels_;
        for (int64_t c = 0; c < channels_; ++c) yb[c] += xt[c];
      }
      const float inv = inverse_count(m);
      for (int64_t c = 0; c < channels_; ++c) yb[c] *= inv;
    }
  }

  void masked_mean_backward(const float* dy, float* dx, int64_t batch) const {
    for (int64_t b = 0; b < batch; ++b) {
      const float* m = mask_ + b * spatial_;
      const float inv = inverse_count(m);
      for (int64_t t = 0; t < spatial_; ++t) {
        float* dxt = dx + (b * spatial_ + t) * channels_;
        const float scale = m[t] != 0.0f ? inv : 0.0f;
        for (int64_t c = 0; c < channels_; ++c) dxt[c] = dy[b * channels_ + c] * scale;
      }
    }
  }

  PoolKind kind_;
  bool one_d_, keepdims_;
  std::string kind_name_;
  int64_t channels_ = 1, spatial_ = 1;
  const float* mask_ = nullptr;
};

}  // namespace

std::unique_ptr<Op> make_pool_op(const std::string& name, PoolKind kind, const PoolSpec& spec) {
  return std::make_unique<PoolOp>(name, kind, spec);
}

std::unique_ptr<Op> make_global_pool_op(const std::string& name, PoolKind kind, bool one_d,
                                        bool keepdims) {
  return std::make_unique<GlobalPoolOp>(name, kind, one_d, keepdims);
}

}  // namespace lamina
