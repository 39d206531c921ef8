// Conv2DTranspose (and its 1-D case): the input gradient of the convolution
// that maps the layer's output back to its input, plus bias and activation.
#include <utility>

#include "conv_geometry.h"
#include "epilogue.h"
#include "lamina/ops/conv.h"

namespace lamina {
namespace {

class ConvTransposeOp final : public Op {
 public:
  ConvTransposeOp(const std::string& name, const ConvSpec& spec, int64_t filters,
                  int64_t output_padding_h, int64_t output_padding_w, const ActivationSpec& act,
                  bool use_bias)
      : Op(name),
        spec_(spec),
        filters_(filters),
        output_padding_h_(output_padding_h),
        output_padding_w_(output_padding_w),
        epi_(act),
        use_bias_(use_bias) {}

  const char* kind() const override { return spec_.one_d ? "Conv1DTranspose" : "Conv2DTranspose"; }

  Shape build(const Shape& input) override {
    const SpatialInput in = spatial_input(name_, kind(), spec_, input);
    // g: the forward convolution from this layer's output [oh, ow, filters]
    // to its input [h, w, in]; this layer computes g's input gradient.
    ConvGeometry g;
    g.in_c = filters_;
    g.out_c = in.c;
    g.kernel_h = spec_.kernel_h;
    g.kernel_w = spec_.kernel_w;
    g.stride_h = spec_.stride_h;
    g.stride_w = spec_.stride_w;
    g.dilation_h = spec_.dilation_h;
    g.dilation_w = spec_.dilation_w;
    try {
      const Padding padding = parse_padding(spec_.padding);
      if (!spec_.one_d) {
        const ConvOutput h = conv_transpose_output_size(
            in.h, spec_.kernel_h, spec_.stride_h, spec_.dilation_h, padding, output_padding_h_);
        g.in_h = h.size;
        g.pad_top = h.pad_before;
        g.pad_bottom = h.pad_after;
      }
      const ConvOutput w = conv_transpose_output_size(in.w, spec_.kernel_w, spec_.stride_w,
                                                      spec_.dilation_w, padding, output_padding_w_);
      g.in_w = w.size;
      g.pad_left = w.pad_before;
      g.pad_right = w.pad_after;
      g.validate();
      if (g.out_h() != in.h || g.out_w() != in.w) {
        throw ValueError("the transposed geometry does not map back to the input.");
      }
    } catch (const ValueError& e) {
      throw ValueError("Layer \"" + name_ + "\" (" + kind() + ") cannot take an input of shape " +
                       shape_str(input) + ": " + e.what());
    }
    geom_ = g;
    params_.clear();
    Shape kernel{spec_.kernel_h, spec_.kernel_w, filters_, in.c};  // Keras: [kh, kw, filters, in]
    if (spec_.one_d) kernel.erase(kernel.begin());
    Param k;
    k.name = "kernel";
    k.size = shape_numel(kernel);
    k.shape = kernel;
    params_.push_back(std::move(k));
    if (use_bias_) {
      Param b;
      b.name = "bias";
      b.shape = {filters_};
      b.size = filters_;
      params_.push_back(std::move(b));
    }
    for (Param& p : params_) p.grad.reserve(static_cast<size_t>(p.size));
    out_numel_ = g.in_h * g.in_w * filters_;
    return spatial_output(spec_, g.in_h, g.in_w, filters_);
  }

  void reserve(int64_t batch) override { epi_.reserve(batch * out_numel_); }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    ConvGeometry g = geom_;
    g.batch = batch;
    float* z = epi_.linear_out(y);
    conv2d_transpose_f32(active_kernels(), g, x, params_[0].value, z);
    const int64_t rows = batch * out_numel_ / filters_;
    if (use_bias_) bias_add(z, params_[1].value, rows, filters_);
    epi_.forward(z, y, rows, filters_);
  }

  void backward(const float* x, const float* y, float* dy, float* dx, int64_t batch,
                const StepContext&, bool dy_is_preactivation) override {
    ConvGeometry g = geom_;
    g.batch = batch;
    const int64_t rows = batch * out_numel_ / filters_;
    epi_.backward(y, dy, rows, filters_, dy_is_preactivation);
    // dy has the shape of g's input, x the shape of g's output.
    conv2d_backward_weights_f32(g, dy, x, params_[0].grad.data(), false);
    if (use_bias_) column_sum(dy, rows, filters_, params_[1].grad.data(), false);
    if (dx != nullptr) conv2d_forward_f32(g, dy, params_[0].value, nullptr, dx);
  }

  Activation output_activation() const override { return epi_.kind(); }
  const float* preactivation(const float*) const override { return epi_.logits(); }

 private:
  ConvSpec spec_;
  int64_t filters_, output_padding_h_, output_padding_w_;
  Epilogue epi_;
  bool use_bias_;
  ConvGeometry geom_;
  int64_t out_numel_ = 0;
};

}  // namespace

std::unique_ptr<Op> make_conv_transpose_op(const std::string& name, const ConvSpec& spec,
                                           int64_t filters, int64_t output_padding_h,
                                           int64_t output_padding_w,
                                           const ActivationSpec& activation, bool use_bias) {
  return std::make_unique<ConvTransposeOp>(name, spec, filters, output_padding_h, output_padding_w,
                                           activation, use_bias);
}

}  // namespace lamina
