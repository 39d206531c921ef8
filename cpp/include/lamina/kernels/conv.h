// 2-D convolution on channels-last (NHWC) tensors, as Keras lays them out:
// forward, gradient with respect to the input (which is also the transposed
// convolution) and gradient with respect to the kernel, on float32 through the
// active kernel table, plus float64 scalar references with the same contract
// for tests and gradient checks.
//
// Conv1D is the H = 1 case (kernel_h = 1, pad_top = pad_bottom = 0); its
// "causal" padding is an explicit left pad of dilation * (kernel - 1).
// Padding is always explicit (top, left, bottom, right): conv_output_size and
// conv_transpose_output_size turn Keras's "valid" / "same" / "causal" into
// sizes and pads.
//
// Layouts (row-major, contiguous):
//   x  [batch, in_h, in_w, in_c]
//   w  [kernel_h, kernel_w, in_c / groups, out_c]   (Keras Conv2D kernel)
//   y  [batch, out_h, out_w, out_c]
// Output channel o belongs to group o / (out_c / groups) and sees input
// channels [g * in_c / groups, (g + 1) * in_c / groups). DepthwiseConv2D with
// depth multiplier m is groups = in_c, out_c = in_c * m: its Keras kernel
// [kh, kw, in_c, m] has exactly this memory layout (o = c * m + j).
//
// Results do not depend on the thread count: every output element, including
// the kernel gradient (a sum over the whole batch), is summed in an order fixed
// by the shapes alone.
#pragma once

#include <cstdint>
#include <string>

#include "lamina/kernels/activation.h"
#include "lamina/kernels/kernel_table.h"

namespace lamina {

struct ConvGeometry {
  int64_t batch = 1;
  int64_t in_h = 1, in_w = 1, in_c = 1;
  int64_t out_c = 1;  // filters, over all groups
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  // Zeros added before/after each spatial axis. pad_bottom / pad_right may be
  // negative (the last input rows/columns are then never read), which is how a
  // transposed convolution with output_padding is expressed.
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t groups = 1;
  // The output rows / columns the next layer reads, from the top-left (0:
  // all), e.g. 10 of 11 under a 2x2 max pool. The forward pass may write
  // zeros instead of the convolution at the others, and the kernel gradient
  // may skip them: dy must be zero there (the pool's gradient is).
  int64_t read_h = 0, read_w = 0;

  int64_t out_h() const;
  int64_t out_w() const;
  int64_t in_c_per_group() const { return in_c / groups; }
  int64_t out_c_per_group() const { return out_c / groups; }
  // Elements of x, w and y.
  int64_t x_size() const { return batch * in_h * in_w * in_c; }
  int64_t w_size() const { return kernel_h * kernel_w * in_c_per_group() * out_c; }
  int64_t y_size() const { return batch * out_h() * out_w() * out_c; }
  // Throws ValueError naming the offending field: non-positive sizes, strides
  // or dilations, channels not divisible by groups, negative pad_top/left, or
  // an empty output.
  void validate() const;
};

// A stride-1, undilated 3x3 convolution of one group as Winograd F(2x2, 3x3)
// computes it: each 2x2 tile of the output comes from a 4x4 patch of the input
// whose top-left is (2 * tile_row - pad_top, 2 * tile_col - pad_left).
// Positions outside the input read as zeros and outputs past out_h / out_w are
// not written, so the same shape serves the forward pass (x -> y) and the
// input gradient (dy -> dx with the kernel rotated and pads 2 - pad). Tiles
// are numbered image by image, row by row.
struct WinogradShape {
  int64_t batch = 1;
  int64_t in_h = 1, in_w = 1, in_c = 1;
  int64_t out_h = 1, out_w = 1, out_c = 1;
  int64_t pad_top = 0, pad_left = 0;
  // The output rows / columns the tiles cover from the top-left (0: all).
  int64_t cover_h = 0, cover_w = 0;
  int64_t tiles_h() const { return ((cover_h > 0 ? cover_h : out_h) + 1) / 2; }
  int64_t tiles_w() const { return ((cover_w > 0 ? cover_w : out_w) + 1) / 2; }
  int64_t tiles() const { return batch * tiles_h() * tiles_w(); }
};

enum class Padding { kValid, kSame, kCausal };
// "valid" | "same" | "causal" (any case); throws ValueError otherwise.
Padding parse_padding(const std::string& name);

struct ConvOutput {
  int64_t size;        // output length along the axis
  int64_t pad_before;  // zeros before the input (top / left)
  int64_t pad_after;   // zeros after it (bottom / right); may be negative
};

// Keras's output length and pads for a convolution (or pooling window) of
// `kernel` taps along one axis:
//   valid:  size = floor((in - eff) / stride) + 1, no pads;
//   same:   size = ceil(in / stride), total pad max((size-1)*stride + eff - in, 0),
//           pad_before = total / 2 (the extra zero goes after, as TensorFlow);
//   causal: size = ceil(in / stride), pad_before = eff - 1, pad_after = 0
//           (Conv1D only).
// eff = dilation * (kernel - 1) + 1. Throws ValueError if size < 1.
ConvOutput conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                            Padding padding);

// Keras's Conv2DTranspose output length along one axis for an input of length
// `in`, and the pads of the forward convolution that maps that output back to
// `in` (the transposed convolution is that convolution's input gradient).
// output_padding < 0 means None. Throws ValueError for "causal", or for
// output_padding >= stride.
ConvOutput conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                      Padding padding, int64_t output_padding);

// y = act(conv(x, w) (+ bias[out_c] when bias is non-null)), act linear
// when activation is null. y is overwritten. The bias and activation run on
// each block while it is in cache (not softmax).
void conv2d_forward_f32(const KernelTable& kt, const ConvGeometry& g, const float* x,
                        const float* w, const float* bias, float* y,
                        const ActivationSpec* activation = nullptr);
// dx = dL/dx given dy = dL/dy [batch, out_h, out_w, out_c]; dx is overwritten.
void conv2d_backward_data_f32(const KernelTable& kt, const ConvGeometry& g, const float* dy,
                              const float* w, float* dx);
// dw (+)= dL/dw given x and dy (accumulate adds into dw, for gradient
// accumulation).
void conv2d_backward_weights_f32(const KernelTable& kt, const ConvGeometry& g, const float* x,
                                 const float* dy, float* dw, bool accumulate);

// The transposed convolution (Keras Conv2DTranspose) is the input gradient of
// the convolution `g` describes: its input has the shape of g's output
// [batch, out_h, out_w, out_c], its result the shape of g's input
// [batch, in_h, in_w, in_c], and its Keras kernel [kh, kw, filters, in] is w
// with in_c = filters and out_c = the transposed layer's input channels.
// Its gradients are conv2d_forward_f32 (input) and
// conv2d_backward_weights_f32(x = its output gradient, dy = its input).
inline void conv2d_transpose_f32(const KernelTable& kt, const ConvGeometry& g, const float* x,
                                 const float* w, float* y) {
  conv2d_backward_data_f32(kt, g, x, w, y);
}

inline void conv2d_forward_f32(const ConvGeometry& g, const float* x, const float* w,
                               const float* bias, float* y,
                               const ActivationSpec* activation = nullptr) {
  conv2d_forward_f32(active_kernels(), g, x, w, bias, y, activation);
}
inline void conv2d_backward_data_f32(const ConvGeometry& g, const float* dy, const float* w,
                                     float* dx) {
  conv2d_backward_data_f32(active_kernels(), g, dy, w, dx);
}
inline void conv2d_backward_weights_f32(const ConvGeometry& g, const float* x, const float* dy,
                                        float* dw, bool accumulate) {
  conv2d_backward_weights_f32(active_kernels(), g, x, dy, dw, accumulate);
}

// Float64 scalar references: direct loops over the definition, single
// threaded, same contracts as the float32 kernels.
void conv2d_forward_f64_ref(const ConvGeometry& g, const double* x, const double* w,
                            const double* bias, double* y);
void conv2d_backward_data_f64_ref(const ConvGeometry& g, const double* dy, const double* w,
                                  double* dx);
void conv2d_backward_weights_f64_ref(const ConvGeometry& g, const double* x, const double* dy,
                                     double* dw, bool accumulate);

}  // namespace lamina
