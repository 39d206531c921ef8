// Conv1D / Conv2D / DepthwiseConv2D: y = act(conv(x, kernel) + bias), NHWC,
// on the convolution kernels (lamina/kernels/conv.h).
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

class ConvOp final : public Op {
 public:
  ConvOp(const std::string& name, const ConvSpec& spec, int64_t filters, int64_t groups,
         const ActivationSpec& act, bool use_bias)
      : Op(name), spec_(spec), filters_(filters), groups_(groups), epi_(act), use_bias_(use_bias) {}

  const char* kind() const override {
    if (groups_ == 0) return "DepthwiseConv2D";
    return spec_.one_d ? "Conv1D" : "Conv2D";
  }

  Shape build(const Shape& input) override {
    const SpatialInput in = spatial_input(name_, kind(), spec_, input);
    // Depthwise: one group per input channel, `filters_` outputs each.
    const int64_t groups = groups_ == 0 ? in.c : groups_;
    const int64_t out_c = groups_ == 0 ? in.c * filters_ : filters_;
    if (in.c % groups != 0) {
      throw ValueError("Layer \"" + name_ + "\" (" + kind() +
                       "): the number of input channels must be evenly divisible by the number "
                       "of groups. Received groups=" +
                       std::to_string(groups) + ", but the input has " + std::to_string(in.c) +
                       " channels (full input shape is " + shape_str(input) + ").");
    }
    geom_ = conv_geometry(name_, kind(), spec_, in, out_c, groups, input);
    params_.clear();
    // Keras's layouts: [kh, kw, in/groups, filters], depthwise [kh, kw, in, multiplier]
    // (the same memory as [kh, kw, 1, in * multiplier]); 1-D drops kh.
    Shape kernel{spec_.kernel_h, spec_.kernel_w, groups_ == 0 ? in.c : in.c / groups, filters_};
    if (spec_.one_d) kernel.erase(kernel.begin());
    params_.push_back(make_param("kernel", kernel));
    if (use_bias_) params_.push_back(make_param("bias", {out_c}));
    for (Param& p : params_) p.grad.reserve(static_cast<size_t>(p.size));
    out_numel_ = geom_.out_h() * geom_.out_w() * out_c;
    return spatial_output(spec_, geom_.out_h(), geom_.out_w(), out_c);
  }

  void reserve(int64_t batch) override { epi_.reserve(batch * out_numel_); }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    ConvGeometry g = read_geometry(batch);
    float* z = epi_.linear_out(y);
    const ActivationSpec* fused = epi_.fusable();
    conv2d_forward_f32(g, x, params_[0].value, use_bias_ ? params_[1].value : nullptr, z, fused);
    if (fused == nullptr) epi_.forward(z, y, batch * out_numel_ / g.out_c, g.out_c);
  }

  void backward(const float* x, const float* y, float* dy, float* dx, int64_t batch,
                const StepContext&, bool dy_is_preactivation) override {
    const ConvGeometry g = read_geometry(batch);
    const int64_t rows = batch * out_numel_ / g.out_c;
    epi_.backward(y, dy, rows, g.out_c, dy_is_preactivation);
    conv2d_backward_weights_f32(g, x, dy, params_[0].grad.data(), false);
    if (use_bias_) column_sum(dy, rows, g.out_c, params_[1].grad.data(), false);
    if (dx != nullptr) conv2d_backward_data_f32(g, dy, params_[0].value, dx);
  }

  bool skip_relu_backward(bool skip) override { return epi_.skip_relu_backward(skip); }
  void set_output_read(int64_t rows, int64_t cols) override {
    // A 1-D convolution's rows are its one row; the pool reports columns.
    read_h_ = spec_.one_d ? 0 : rows;
    read_w_ = cols;
  }
  Activation output_activation() const override { return epi_.kind(); }
  const float* preactivation(const float*) const override { return epi_.logits(); }

 private:
  ConvSpec spec_;
  int64_t filters_, groups_;
  Epilogue epi_;
  bool use_bias_;
  ConvGeometry geom_;
  int64_t out_numel_ = 0;
  int64_t read_h_ = 0, read_w_ = 0;  // what the next op reads (0: all)

  ConvGeometry read_geometry(int64_t batch) const {
    ConvGeometry g = geom_;
    g.batch = batch;
    g.read_h = read_h_;
    g.read_w = read_w_;
    return g;
  }
};

}  // namespace

std::unique_ptr<Op> make_conv_op(const std::string& name, const ConvSpec& spec, int64_t filters,
                                 int64_t groups, const ActivationSpec& activation, bool use_bias) {
  return std::make_unique<ConvOp>(name, spec, filters, groups, activation, use_bias);
}

}  // namespace lamina
