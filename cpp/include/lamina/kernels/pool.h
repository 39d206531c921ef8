// Max and average pooling on channels-last (NHWC) tensors, windowed and
// global, forward and backward, on float32 through the active kernel table,
// plus float64 scalar references with the same contracts.
//
// Pooling1D is the H = 1 case (pool_h = stride_h = 1, no vertical pads).
// Pads are explicit; conv_output_size (conv.h) with dilation 1 gives Keras's
// "valid" / "same" sizes and pads. Padded positions never win a max and are
// not counted by an average (Keras/TensorFlow "same" average pooling divides
// by the number of real elements in each window).
//
// Layouts (row-major, contiguous):
//   x [batch, in_h, in_w, channels]   y [batch, out_h, out_w, channels]
// Global pooling reduces [batch, spatial, channels] to [batch, channels].
//
// Results do not depend on the thread count.
#pragma once

#include <cstdint>

#include "lamina/kernels/kernel_table.h"

namespace lamina {

struct PoolGeometry {
  int64_t batch = 1;
  int64_t in_h = 1, in_w = 1, channels = 1;
  int64_t pool_h = 1, pool_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  // Each pad must be smaller than the window along its axis, so every window
  // holds at least one real element.
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  // Max-pool backward only: x is a relu's output, and a window whose maximum
  // is not positive passes no gradient (relu's own gradient, applied here so
  // the layer before skips a pass over the gradient).
  bool relu_gate = false;

  int64_t out_h() const;
  int64_t out_w() const;
  int64_t x_size() const { return batch * in_h * in_w * channels; }
  int64_t y_size() const { return batch * out_h() * out_w() * channels; }
  // Throws ValueError naming the offending field.
  void validate() const;
};

// y = max over each window.
void max_pool2d_forward_f32(const KernelTable& kt, const PoolGeometry& g, const float* x, float* y);
// dx = dL/dx (overwritten). Each window's gradient goes to the first element
// (in row-major window order) holding the window's maximum, as TensorFlow,
// JAX and PyTorch do; overlapping windows add up.
void max_pool2d_backward_f32(const KernelTable& kt, const PoolGeometry& g, const float* x,
                             const float* dy, float* dx);
// 2x2 windows at stride 2 without pads: MaxPooling2D(2)'s geometry, which
// has its own kernels.
bool max_pool_tiled_2x2(const PoolGeometry& g);
// Training's fast path for that geometry: the forward also records
// per output element which window element holds its first maximum (0..3,
// row-major; 255 where g.relu_gate and the maximum is not positive), and the
// backward reads those bytes instead of x -- a quarter of a byte per input
// element instead of four. Results equal max_pool2d_forward_f32 and
// max_pool2d_backward_f32 bit for bit. argmax holds y_size() bytes.
void max_pool2d_forward_argmax_f32(const KernelTable& kt, const PoolGeometry& g, const float* x,
                                   float* y, uint8_t* argmax);
void max_pool2d_backward_argmax_f32(const KernelTable& kt, const PoolGeometry& g,
                                    const uint8_t* argmax, const float* dy, float* dx);
// y = mean over the real (non-pad) elements of each window.
void avg_pool2d_forward_f32(const KernelTable& kt, const PoolGeometry& g, const float* x, float* y);
// dx = dL/dx (overwritten).
void avg_pool2d_backward_f32(const KernelTable& kt, const PoolGeometry& g, const float* dy,
                             float* dx);

// Global pooling over `spatial` positions: x [batch, spatial, channels],
// y [batch, channels].
void global_max_pool_forward_f32(int64_t batch, int64_t spatial, int64_t channels, const float* x,
                                 float* y);
// dx (overwritten) gets dy split evenly among the positions equal to the max
// (TensorFlow's and JAX's gradient of reduce_max). y is the forward result.
void global_max_pool_backward_f32(int64_t batch, int64_t spatial, int64_t channels, const float* x,
                                  const float* y, const float* dy, float* dx);
void global_avg_pool_forward_f32(int64_t batch, int64_t spatial, int64_t channels, const float* x,
                                 float* y);
void global_avg_pool_backward_f32(int64_t batch, int64_t spatial, int64_t channels, const float* dy,
                                  float* dx);

inline void max_pool2d_forward_f32(const PoolGeometry& g, const float* x, float* y) {
  max_pool2d_forward_f32(active_kernels(), g, x, y);
}
inline void max_pool2d_backward_f32(const PoolGeometry& g, const float* x, const float* dy,
                                    float* dx) {
  max_pool2d_backward_f32(active_kernels(), g, x, dy, dx);
}
inline void avg_pool2d_forward_f32(const PoolGeometry& g, const float* x, float* y) {
  avg_pool2d_forward_f32(active_kernels(), g, x, y);
}
inline void avg_pool2d_backward_f32(const PoolGeometry& g, const float* dy, float* dx) {
  avg_pool2d_backward_f32(active_kernels(), g, dy, dx);
}

// Float64 scalar references.
void max_pool2d_forward_f64_ref(const PoolGeometry& g, const double* x, double* y);
void max_pool2d_backward_f64_ref(const PoolGeometry& g, const double* x, const double* dy,
                                 double* dx);
void avg_pool2d_forward_f64_ref(const PoolGeometry& g, const double* x, double* y);
void avg_pool2d_backward_f64_ref(const PoolGeometry& g, const double* dy, double* dx);
void global_max_pool_forward_f64_ref(int64_t batch, int64_t spatial, int64_t channels,
                                     const double* x, double* y);
void global_max_pool_backward_f64_ref(int64_t batch, int64_t spatial, int64_t channels,
                                      const double* x, const double* y, const double* dy,
                                      double* dx);
void global_avg_pool_forward_f64_ref(int64_t batch, int64_t spatial, int64_t channels,
                                     const double* x, double* y);
void global_avg_pool_backward_f64_ref(int64_t batch, int64_t spatial, int64_t channels,
                                      const double* dy, double* dx);

}  // namespace lamina
