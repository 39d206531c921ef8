// SeparableConv1D/2D: a depthwise convolution (strides, padding, dilation)
// into depth_multiplier channels per input channel, then a 1x1 pointwise
// convolution to `filters`, plus bias and activation.
#include <utility>

#include "conv_geometry.h"
#include "epilogue.h"
#include "lamina/ops/conv.h"

namespace lamina {
namespace {

Param make_param(const char* name, Shape shape) {
  Param p;
  p.name = name;
  p.size = shape_numel(shape);
  p.shape = std::move(shape);
  return p;
}

class SeparableConvOp final : public Op {
 public:
  SeparableConvOp(const std::string& name, const ConvSpec& spec, int64_t filters,
                  int64_t multiplier, const ActivationSpec& act, bool use_bias)
      : Op(name),
        spec_(spec),
        filters_(filters),
        multiplier_(multiplier),
        epi_(act),
        use_bias_(use_bias) {}

  const char* kind() const override { return spec_.one_d ? "SeparableConv1D" : "SeparableConv2D"; }

  Shape build(const Shape& input) override {
    const SpatialInput in = spatial_input(name_, kind(), spec_, input);
    depthwise_ = conv_geometry(name_, kind(), spec_, in, in.c * multiplier_, in.c, input);
    pointwise_ = ConvGeometry();
    pointwise_.in_h = depthwise_.out_h();
    pointwise_.in_w = depthwise_.out_w();
    pointwise_.in_c = in.c * multiplier_;
    pointwise_.out_c = filters_;
    params_.clear();
    Shape dw{spec_.kernel_h, spec_.kernel_w, in.c, multiplier_};
    Shape pw{1, 1, in.c * multiplier_, filters_};
    if (spec_.one_d) {
      dw.erase(dw.begin());
      pw.erase(pw.begin());
    }
    params_.push_back(make_param("depthwise_kernel", dw));
    params_.push_back(make_param("pointwise_kernel", pw));
    if (use_bias_) params_.push_back(make_param("bias", {filters_}));
    for (Param& p : params_) p.grad.reserve(static_cast<size_t>(p.size));
    mid_numel_ = pointwise_.in_h * pointwise_.in_w * pointwise_.in_c;
    out_numel_ = pointwise_.in_h * pointwise_.in_w * filters_;
    return spatial_output(spec_, pointwise_.in_h, pointwise_.in_w, filters_);
  }

  void reserve(int64_t batch) override {
    epi_.reserve(batch * out_numel_);
    mid_.reserve(static_cast<size_t>(batch * mid_numel_));
    dmid_.reserve(static_cast<size_t>(batch * mid_numel_));
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    ConvGeometry d = depthwise_, p = pointwise_;
    d.batch = p.batch = batch;
    conv2d_forward_f32(d, x, params_[0].value, nullptr, mid_.data());
    float* z = epi_.linear_out(y);
    conv2d_forward_f32(p, mid_.data(), params_[1].value, use_bias_ ? params_[2].value : nullptr, z);
    epi_.forward(z, y, batch * out_numel_ / filters_, filters_);
  }

  void backward(const float* x, const float* y, float* dy, float* dx, int64_t batch,
                const StepContext&, bool dy_is_preactivation) override {
    ConvGeometry d = depthwise_, p = pointwise_;
    d.batch = p.batch = batch;
    const int64_t rows = batch * out_numel_ / filters_;
    epi_.backward(y, dy, rows, filters_, dy_is_preactivation);
    conv2d_backward_weights_f32(p, mid_.data(), dy, params_[1].grad.data(), false);
    if (use_bias_) column_sum(dy, rows, filters_, params_[2].grad.data(), false);
    conv2d_backward_data_f32(p, dy, params_[1].value, dmid_.data());
    conv2d_backward_weights_f32(d, x, dmid_.data(), params_[0].grad.data(), false);
    if (dx != nullptr) conv2d_backward_data_f32(d, dmid_.data(), params_[0].value, dx);
  }

  Activation output_activation() const override { return epi_.kind(); }
  const float* preactivation(const float*) const override { return epi_.logits(); }

 private:
  ConvSpec spec_;
  int64_t filters_, multiplier_;
  Epilogue epi_;
  bool use_bias_;
  ConvGeometry depthwise_, pointwise_;
  int64_t mid_numel_ = 0, out_numel_ = 0;
  Buffer mid_, dmid_;
};

}  // namespace

std::unique_ptr<Op> make_separable_conv_op(const std::string& name, const ConvSpec& spec,
                                           int64_t filters, int64_t depth_multiplier,
                                           const ActivationSpec& activation, bool use_bias) {
  return std::make_unique<SeparableConvOp>(name, spec, filters, depth_multiplier, activation,
                                           use_bias);
}

}  // namespace lamina
