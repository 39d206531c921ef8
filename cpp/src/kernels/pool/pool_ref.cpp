// Float64 scalar references for the pooling kernels: the definition, loop by
// loop, single threaded.
#include <cstring>

#include "lamina/kernels/pool.h"

namespace lamina {
namespace {

// One output element's window clipped to the input: rows [h0, h1), columns
// [w0, w1).
struct Window {
  int64_t h0, h1, w0, w1;
  int64_t count() const { return (h1 - h0) * (w1 - w0); }
};

// Calls fn(y_index, at, window) for every output element; at(h, w) is the
// index of x at (h, w) in that element's image and channel.
template <typename Fn>
void for_each_window(const PoolGeometry& g, Fn fn) {
  const int64_t oh_n = g.out_h(), ow_n = g.out_w();
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t oh = 0; oh < oh_n; ++oh) {
      for (int64_t ow = 0; ow < ow_n; ++ow) {
        Window win;
        win.h0 = oh * g.stride_h - g.pad_top;
        win.w0 = ow * g.stride_w - g.pad_left;
        win.h1 = win.h0 + g.pool_h < g.in_h ? win.h0 + g.pool_h : g.in_h;
        win.w1 = win.w0 + g.pool_w < g.in_w ? win.w0 + g.pool_w : g.in_w;
        win.h0 = win.h0 > 0 ? win.h0 : 0;
        win.w0 = win.w0 > 0 ? win.w0 : 0;
        for (int64_t c = 0; c < g.channels; ++c) {
          fn(((n * oh_n + oh) * ow_n + ow) * g.channels + c,
             [&](int64_t h, int64_t w) { return ((n * g.in_h + h) * g.in_w + w) * g.channels + c; },
             win);
        }
      }
    }
  }
}

}  // namespace

void max_pool2d_forward_f64_ref(const PoolGeometry& g, const double* x, double* y) {
  g.validate();
  for_each_window(g, [&](int64_t yi, auto at, const Window& win) {
    double best = x[at(win.h0, win.w0)];
    for (int64_t h = win.h0; h < win.h1; ++h) {
      for (int64_t w = win.w0; w < win.w1; ++w) best = x[at(h, w)] > best ? x[at(h, w)] : best;
    }
    y[yi] = best;
  });
}

void max_pool2d_backward_f64_ref(const PoolGeometry& g, const double* x, const double* dy,
                                 double* dx) {
  g.validate();
  std::memset(dx, 0, sizeof(double) * g.x_size());
  for_each_window(g, [&](int64_t yi, auto at, const Window& win) {
    int64_t arg = at(win.h0, win.w0);
    for (int64_t h = win.h0; h < win.h1; ++h) {
      for (int64_t w = win.w0; w < win.w1; ++w) {
        if (x[at(h, w)] > x[arg]) arg = at(h, w);
      }
    }
    if (!g.relu_gate || x[arg] > 0.0) dx[arg] += dy[yi];
  });
}

void avg_pool2d_forward_f64_ref(const PoolGeometry& g, const double* x, double* y) {
  g.validate();
  for_each_window(g, [&](int64_t yi, auto at, const Window& win) {
    double s = 0.0;
    for (int64_t h = win.h0; h < win.h1; ++h) {
      for (int64_t w = win.w0; w < win.w1; ++w) s += x[at(h, w)];
    }
    y[yi] = s / static_cast<double>(win.count());
  });
}

void avg_pool2d_backward_f64_ref(const PoolGeometry& g, const double* dy, double* dx) {
  g.validate();
  std::memset(dx, 0, sizeof(double) * g.x_size());
  for_each_window(g, [&](int64_t yi, auto at, const Window& win) {
    const double share = dy[yi] / static_cast<double>(win.count());
    for (int64_t h = win.h0; h < win.h1; ++h) {
      for (int64_t w = win.w0; w < win.w1; ++w) dx[at(h, w)] += share;
    }
  });
}

void global_max_pool_forward_f64_ref(int64_t batch, int64_t spatial, int64_t channels,
                                     const double* x, double* y) {
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      double best = x[n * spatial * channels + c];
      for (int64_t s = 1; s < spatial; ++s) {
        const double v = x[(n * spatial + s) * channels + c];
        best = v > best ? v : best;
      }
      y[n * channels + c] = best;
    }
  }
}

void global_max_pool_backward_f64_ref(int64_t batch, int64_t spatial, int64_t channels,
                                      const double* x, const double* y, const double* dy,
                                      double* dx) {
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      int64_t ties = 0;
      for (int64_t s = 0; s < spatial; ++s)
        ties += x[(n * spatial + s) * channels + c] == y[n * channels + c];
      for (int64_t s = 0; s < spatial; ++s) {
        const int64_t i = (n * spatial + s) * channels + c;
        dx[i] =
            x[i] == y[n * channels + c] ? dy[n * channels + c] / static_cast<double>(ties) : 0.0;
      }
    }
  }
}

void global_avg_pool_forward_f64_ref(int64_t batch, int64_t spatial, int64_t channels,
                                     const double* x, double* y) {
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      double s = 0.0;
      for (int64_t p = 0; p < spatial; ++p) s += x[(n * spatial + p) * channels + c];
      y[n * channels + c] = s / static_cast<double>(spatial);
    }
  }
}

void global_avg_pool_backward_f64_ref(int64_t batch, int64_t spatial, int64_t channels,
                                      const double* dy, double* dx) {
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t p = 0; p < spatial; ++p) {
      for (int64_t c = 0; c < channels; ++c) {
        dx[(n * spatial + p) * channels + c] = dy[n * channels + c] / static_cast<double>(spatial);
      }
    }
  }
}

}  // namespace lamina
