// Convolution and pooling geometry: output sizes, Keras's padding rules and
// argument validation (all thrown before any kernel runs).
#include <algorithm>
#include <cctype>
#include <string>

#include "lamina/errors.h"
#include "lamina/kernels/conv.h"
#include "lamina/kernels/pool.h"

namespace lamina {
namespace {

// Windows that fit along one axis of `in` padded by before + after.
int64_t windows(int64_t in, int64_t before, int64_t after, int64_t extent, int64_t stride) {
  const int64_t span = in + before + after - extent;
  if (span < 0 || stride <= 0) return 0;
  return span / stride + 1;
}

int64_t effective(int64_t kernel, int64_t dilation) { return dilation * (kernel - 1) + 1; }

void require_positive(int64_t value, const char* what, const char* name) {
  if (value < 1) {
    throw ValueError(std::string(what) + ": " + name + " must be >= 1. Received: " + name + "=" +
                     std::to_string(value));
  }
}

}  // namespace

int64_t ConvGeometry::out_h() const {
  return windows(in_h, pad_top, pad_bottom, effective(kernel_h, dilation_h), stride_h);
}

int64_t ConvGeometry::out_w() const {
  return windows(in_w, pad_left, pad_right, effective(kernel_w, dilation_w), stride_w);
}

void ConvGeometry::validate() const {
  const char* what = "conv2d";
  require_positive(batch, what, "batch");
  require_positive(in_h, what, "in_h");
  require_positive(in_w, what, "in_w");
  require_positive(in_c, what, "in_c");
  require_positive(out_c, what, "out_c");
  require_positive(kernel_h, what, "kernel_h");
  require_positive(kernel_w, what, "kernel_w");
  require_positive(stride_h, what, "stride_h");
  require_positive(stride_w, what, "stride_w");
  require_positive(dilation_h, what, "dilation_h");
  require_positive(dilation_w, what, "dilation_w");
  require_positive(groups, what, "groups");
  if (pad_top < 0 || pad_left < 0) {
    throw ValueError("conv2d: pad_top and pad_left must be >= 0. Received: pad_top=" +
                     std::to_string(pad_top) + ", pad_left=" + std::to_string(pad_left));
  }
  if (in_c % groups != 0 || out_c % groups != 0) {
    throw ValueError("conv2d: in_c and out_c must be divisible by groups. Received: in_c=" +
                     std::to_string(in_c) + ", out_c=" + std::to_string(out_c) +
                     ", groups=" + std::to_string(groups));
  }
  if (out_h() < 1 || out_w() < 1) {
    throw ValueError("conv2d: the kernel does not fit in the padded input (input " +
                     std::to_string(in_h) + "x" + std::to_string(in_w) + ", kernel " +
                     std::to_string(kernel_h) + "x" + std::to_string(kernel_w) +
                     "): the output would be empty.");
  }
  if (read_h < 0 || read_h > out_h() || read_w < 0 || read_w > out_w()) {
    throw ValueError("conv2d: read_h and read_w must be in [0, out_h] and [0, out_w]. Received: " +
                     std::to_string(read_h) + ", " + std::to_string(read_w) + " for a " +
                     std::to_string(out_h()) + "x" + std::to_string(out_w()) + " output");
  }
}

int64_t PoolGeometry::out_h() const { return windows(in_h, pad_top, pad_bottom, pool_h, stride_h); }

int64_t PoolGeometry::out_w() const { return windows(in_w, pad_left, pad_right, pool_w, stride_w); }

void PoolGeometry::validate() const {
  const char* what = "pool2d";
  require_positive(batch, what, "batch");
  require_positive(in_h, what, "in_h");
  require_positive(in_w, what, "in_w");
  require_positive(channels, what, "channels");
  require_positive(pool_h, what, "pool_h");
  require_positive(pool_w, what, "pool_w");
  require_positive(stride_h, what, "stride_h");
  require_positive(stride_w, what, "stride_w");
  const int64_t pads[4] = {pad_top, pad_bottom, pad_left, pad_right};
  for (int i = 0; i < 4; ++i) {
    const int64_t window = i < 2 ? pool_h : pool_w;
    if (pads[i] < 0 || pads[i] >= window) {
      throw ValueError(
          "pool2d: each pad must be in [0, pool size) so every window holds an "
          "element. Received: pads (top, bottom, left, right)=(" +
          std::to_string(pad_top) + ", " + std::to_string(pad_bottom) + ", " +
          std::to_string(pad_left) + ", " + std::to_string(pad_right) + "), pool_size=(" +
          std::to_string(pool_h) + ", " + std::to_string(pool_w) + ")");
    }
  }
  if (out_h() < 1 || out_w() < 1) {
    throw ValueError("pool2d: the window does not fit in the padded input (input " +
                     std::to_string(in_h) + "x" + std::to_string(in_w) + ", pool " +
                     std::to_string(pool_h) + "x" + std::to_string(pool_w) +
                     "): the output would be empty.");
  }
}

Padding parse_padding(const std::string& name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "valid") return Padding::kValid;
  if (lower == "same") return Padding::kSame;
  if (lower == "causal") return Padding::kCausal;
  throw ValueError("padding must be one of 'valid', 'same', 'causal'. Received: padding=" + name);
}

ConvOutput conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                            Padding padding) {
  const char* what = "conv_output_size";
  require_positive(in, what, "input length");
  require_positive(kernel, what, "kernel_size");
  require_positive(stride, what, "strides");
  require_positive(dilation, what, "dilation_rate");
  const int64_t eff = effective(kernel, dilation);
  ConvOutput out{0, 0, 0};
  switch (padding) {
    case Padding::kValid:
      out.size = in >= eff ? (in - eff) / stride + 1 : 0;
      break;
    case Padding::kSame: {
      out.size = (in + stride - 1) / stride;
      const int64_t total = std::max<int64_t>((out.size - 1) * stride + eff - in, 0);
      out.pad_before = total / 2;
      out.pad_after = total - out.pad_before;
      break;
    }
    case Padding::kCausal:
      out.size = (in + stride - 1) / stride;
      out.pad_before = eff - 1;
      break;
  }
  if (out.size < 1) {
    throw ValueError("The kernel (effective size " + std::to_string(eff) +
                     ") does not fit in an input of length " + std::to_string(in) +
                     " with padding='valid': the output would be empty.");
  }
  return out;
}

ConvOutput conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                      Padding padding, int64_t output_padding) {
  const char* what = "conv_transpose_output_size";
  require_positive(in, what, "input length");
  require_positive(kernel, what, "kernel_size");
  require_positive(stride, what, "strides");
  require_positive(dilation, what, "dilation_rate");
  if (padding == Padding::kCausal) {
    throw ValueError("Conv2DTranspose does not support padding='causal'.");
  }
  if (output_padding >= stride) {
    throw ValueError("output_padding must be smaller than the stride. Received: output_padding=" +
                     std::to_string(output_padding) + ", strides=" + std::to_string(stride));
  }
  const int64_t eff = effective(kernel, dilation);
  // Keras's compute_conv_transpose_output_shape.
  int64_t size;
  int64_t pad_before;
  if (output_padding < 0) {
    size =
        padding == Padding::kValid ? in * stride + std::max<int64_t>(eff - stride, 0) : in * stride;
  } else {
    const int64_t pad = padding == Padding::kSame ? eff / 2 : 0;
    size = (in - 1) * stride + eff - 2 * pad + output_padding;
  }
  // The forward convolution from `size` back to `in`: TensorFlow's
  // conv2d_transpose uses that convolution's own padding rule, i.e. "valid"
  // pads nothing and "same" pads max((in-1)*stride + eff - size, 0) split
  // with the smaller half first.
  if (padding == Padding::kValid) {
    pad_before = 0;
  } else {
    pad_before = std::max<int64_t>((in - 1) * stride + eff - size, 0) / 2;
  }
  if (size < 1) {
    throw ValueError("Conv2DTranspose: the output length would be " + std::to_string(size) + ".");
  }
  // pad_after makes the forward convolution's output exactly `in` long.
  const int64_t pad_after = (in - 1) * stride + eff - size - pad_before;
  return ConvOutput{size, pad_before, pad_after};
}

}  // namespace lamina
