// Float64 scalar references for the convolution kernels: the definition,
// loop by loop, single threaded. Tests and gradient checks compare against
// these.
#include <cstring>

#include "lamina/kernels/conv.h"

namespace lamina {
namespace {

// Calls fn(n, oh, ow, kh, kw, ih, iw) for every tap that reads a real input
// element (padding contributes nothing).
template <typename Fn>
void for_each_tap(const ConvGeometry& g, Fn fn) {
  const int64_t oh_n = g.out_h(), ow_n = g.out_w();
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t oh = 0; oh < oh_n; ++oh) {
      for (int64_t ow = 0; ow < ow_n; ++ow) {
        for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
          const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
          if (ih < 0 || ih >= g.in_h) continue;
          for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
            const int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
            if (iw < 0 || iw >= g.in_w) continue;
            fn(n, oh, ow, kh, kw, ih, iw);
          }
        }
      }
    }
  }
}

// Calls fn(x_index, w_index, y_index) for every multiply of the convolution.
template <typename Fn>
void for_each_product(const ConvGeometry& g, Fn fn) {
  const int64_t oh_n = g.out_h(), ow_n = g.out_w();
  const int64_t cig = g.in_c_per_group(), cog = g.out_c_per_group();
  for_each_tap(
      g, [&](int64_t n, int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
        const int64_t x_base = ((n * g.in_h + ih) * g.in_w + iw) * g.in_c;
        const int64_t y_base = ((n * oh_n + oh) * ow_n + ow) * g.out_c;
        const int64_t w_base = (kh * g.kernel_w + kw) * cig * g.out_c;
        for (int64_t o = 0; o < g.out_c; ++o) {
          const int64_t grp = o / cog;
          for (int64_t c = 0; c < cig; ++c) {
            fn(x_base + grp * cig + c, w_base + c * g.out_c + o, y_base + o);
          }
        }
      });
}

}  // namespace

void conv2d_forward_f64_ref(const ConvGeometry& g, const double* x, const double* w,
                            const double* bias, double* y) {
  g.validate();
  const int64_t rows = g.y_size() / g.out_c;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < g.out_c; ++o) y[r * g.out_c + o] = bias ? bias[o] : 0.0;
  }
  for_each_product(g, [&](int64_t xi, int64_t wi, int64_t yi) { y[yi] += x[xi] * w[wi]; });
}

void conv2d_backward_data_f64_ref(const ConvGeometry& g, const double* dy, const double* w,
                                  double* dx) {
  g.validate();
  std::memset(dx, 0, sizeof(double) * g.x_size());
  for_each_product(g, [&](int64_t xi, int64_t wi, int64_t yi) { dx[xi] += dy[yi] * w[wi]; });
}

void conv2d_backward_weights_f64_ref(const ConvGeometry& g, const double* x, const double* dy,
                                     double* dw, bool accumulate) {
  g.validate();
  if (!accumulate) std::memset(dw, 0, sizeof(double) * g.w_size());
  for_each_product(g, [&](int64_t xi, int64_t wi, int64_t yi) { dw[wi] += x[xi] * dy[yi]; });
}

}  // namespace lamina
