// Pooling drivers: windowed pooling runs the per-ISA direct kernels from the
// kernel table over rows (forward) or images (backward, whose windows may
// overlap and so scatter within one image); global pooling is a reduction
// over the spatial axis, vectorised over channels, parallel over the batch
// (the max gradient, which splits ties, stays here: it is rare and simple).
#include "lamina/kernels/pool.h"

#include <algorithm>
#include <cstring>

#include "lamina/errors.h"
#include "lamina/runtime.h"

namespace lamina {
namespace {

// Work items per chunk so a chunk holds about this many floats.
constexpr int64_t kChunkFloats = 16384;

thread_local Buffer t_share;  // global max gradient: dy / ties, per channel

int64_t grain_for(int64_t floats_per_item) {
  return std::max<int64_t>(1, kChunkFloats / std::max<int64_t>(1, floats_per_item));
}

}  // namespace

void max_pool2d_forward_f32(const KernelTable& kt, const PoolGeometry& g, const float* x,
                            float* y) {
  g.validate();
  parallel_for(g.batch * g.out_h(), grain_for(g.in_w * g.channels * g.pool_h),
               [&](int64_t r0, int64_t r1) { kt.max_pool_forward(g, x, y, r0, r1); });
}

bool max_pool_tiled_2x2(const PoolGeometry& g) {
  return g.pool_h == 2 && g.pool_w == 2 && g.stride_h == 2 && g.stride_w == 2 && g.pad_top == 0 &&
         g.pad_left == 0 && g.pad_bottom == 0 && g.pad_right == 0;
}

void max_pool2d_forward_argmax_f32(const KernelTable& kt, const PoolGeometry& g, const float* x,
                                   float* y, uint8_t* argmax) {
  g.validate();
  if (!max_pool_tiled_2x2(g)) {
    throw ValueError("max_pool2d_forward_argmax_f32: needs 2x2 windows at stride 2 without pads.");
  }
  parallel_for(
      g.batch * g.out_h(), grain_for(g.in_w * g.channels * g.pool_h),
      [&](int64_t r0, int64_t r1) { kt.max_pool_forward_argmax(g, x, y, argmax, r0, r1); });
}

void max_pool2d_backward_argmax_f32(const KernelTable& kt, const PoolGeometry& g,
                                    const uint8_t* argmax, const float* dy, float* dx) {
  g.validate();
  if (!max_pool_tiled_2x2(g)) {
    throw ValueError("max_pool2d_backward_argmax_f32: needs 2x2 windows at stride 2 without pads.");
  }
  DenormalGuard guard;
  parallel_for(g.batch, grain_for(g.in_h * g.in_w * g.channels), [&](int64_t n0, int64_t n1) {
    kt.max_pool_backward_argmax(g, argmax, dy, dx, n0, n1);
  });
}

void avg_pool2d_forward_f32(const KernelTable& kt, const PoolGeometry& g, const float* x,
                            float* y) {
  g.validate();
  DenormalGuard guard;
  parallel_for(g.batch * g.out_h(), grain_for(g.in_w * g.channels * g.pool_h),
               [&](int64_t r0, int64_t r1) { kt.avg_pool_forward(g, x, y, r0, r1); });
}

void max_pool2d_backward_f32(const KernelTable& kt, const PoolGeometry& g, const float* x,
                             const float* dy, float* dx) {
  g.validate();
  DenormalGuard guard;
  parallel_for(g.batch, grain_for(g.in_h * g.in_w * g.channels),
               [&](int64_t n0, int64_t n1) { kt.max_pool_backward(g, x, dy, dx, n0, n1); });
}

void avg_pool2d_backward_f32(const KernelTable& kt, const PoolGeometry& g, const float* dy,
                             float* dx) {
  g.validate();
  DenormalGuard guard;
  parallel_for(g.batch, grain_for(g.in_h * g.in_w * g.channels),
               [&](int64_t n0, int64_t n1) { kt.avg_pool_backward(g, dy, dx, n0, n1); });
}

void global_max_pool_forward_f32(int64_t batch, int64_t spatial, int64_t channels, const float* x,
                                 float* y) {
  if (batch <= 0 || spatial <= 0 || channels <= 0) return;
  const KernelTable& kt = active_kernels();
  parallel_for(batch, grain_for(spatial * channels), [&](int64_t n0, int64_t n1) {
    kt.global_max_pool_forward(spatial, channels, x, y, n0, n1);
  });
}

void global_max_pool_backward_f32(int64_t batch, int64_t spatial, int64_t channels, const float* x,
                                  const float* y, const float* dy, float* dx) {
  if (batch <= 0 || spatial <= 0 || channels <= 0) return;
  DenormalGuard guard;
  parallel_for(batch, grain_for(spatial * channels), [&](int64_t n0, int64_t n1) {
    float* share = t_share.reserve(static_cast<size_t>(channels));
    for (int64_t n = n0; n < n1; ++n) {
      const float* xs = x + n * spatial * channels;
      const float* yr = y + n * channels;
      const float* dyr = dy + n * channels;
      float* dxs = dx + n * spatial * channels;
      for (int64_t c = 0; c < channels; ++c) share[c] = 0.0f;
      for (int64_t s = 0; s < spatial; ++s) {
        for (int64_t c = 0; c < channels; ++c)
          share[c] += xs[s * channels + c] == yr[c] ? 1.0f : 0.0f;
      }
      for (int64_t c = 0; c < channels; ++c) share[c] = dyr[c] / share[c];
      for (int64_t s = 0; s < spatial; ++s) {
        for (int64_t c = 0; c < channels; ++c) {
          dxs[s * channels + c] = xs[s * channels + c] == yr[c] ? share[c] : 0.0f;
        }
      }
    }
  });
}

void global_avg_pool_forward_f32(int64_t batch, int64_t spatial, int64_t channels, const float* x,
                                 float* y) {
  if (batch <= 0 || spatial <= 0 || channels <= 0) return;
  DenormalGuard guard;
  const KernelTable& kt = active_kernels();
  parallel_for(batch, grain_for(spatial * channels), [&](int64_t n0, int64_t n1) {
    kt.global_avg_pool_forward(spatial, channels, x, y, n0, n1);
  });
}

void global_avg_pool_backward_f32(int64_t batch, int64_t spatial, int64_t channels, const float* dy,
                                  float* dx) {
  if (batch <= 0 || spatial <= 0 || channels <= 0) return;
  DenormalGuard guard;
  const KernelTable& kt = active_kernels();
  parallel_for(batch, grain_for(spatial * channels), [&](int64_t n0, int64_t n1) {
    kt.global_avg_pool_backward(spatial, channels, dy, dx, n0, n1);
  });
}

}  // namespace lamina
