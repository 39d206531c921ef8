// Convolution layer ops (channels-last): Conv1D/Conv2D (with groups, so
// DepthwiseConv2D too), Conv2DTranspose and SeparableConv1D/2D, each with its
// bias and activation. Conv1D-style inputs [length, channels] are the H = 1
// case of the 2-D kernels (lamina/kernels/conv.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lamina/ops.h"

namespace lamina {

// The spatial hyper-parameters of a convolution layer along (h, w); for a
// 1-D layer h is 1 and `one_d` says the input is [length, channels].
struct ConvSpec {
  bool one_d = false;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  std::string padding = "valid";  // "valid" | "same" | "causal" (1-D only)
};

// Conv1D / Conv2D / DepthwiseConv2D: kernel [kh, kw, in/groups, filters]
// (Conv1D: [k, in/groups, filters]); bias [filters] when use_bias.
// Depthwise: groups = in channels, filters = in * depth_multiplier.
// groups == 0 means "as many as the input has channels" (depthwise), with
// filters then the depth multiplier.
std::unique_ptr<Op> make_conv_op(const std::string& name, const ConvSpec& spec, int64_t filters,
                                 int64_t groups, const ActivationSpec& activation, bool use_bias);

// Conv2DTranspose: kernel [kh, kw, filters, in]; output_padding < 0 is None.
std::unique_ptr<Op> make_conv_transpose_op(const std::string& name, const ConvSpec& spec,
                                           int64_t filters, int64_t output_padding_h,
                                           int64_t output_padding_w,
                                           const ActivationSpec& activation, bool use_bias);

// SeparableConv1D/2D: depthwise [kh, kw, in, m], pointwise [1, 1, in*m, filters]
// (1-D: [k, in, m] and [1, in*m, filters]), bias [filters].
std::unique_ptr<Op> make_separable_conv_op(const std::string& name, const ConvSpec& spec,
                                           int64_t filters, int64_t depth_multiplier,
                                           const ActivationSpec& activation, bool use_bias);

}  // namespace lamina
