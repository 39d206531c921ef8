// Winograd F(2x2, 3x3) drivers; see winograd.h. With G the 4x3 kernel
// transform [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1] and the tile transforms of
// winograd_tiles.inc, a 2x2 output tile is
//   y = A^T [ sum over in channels of (G g G^T) . (B^T d B) ] A,
// sixteen independent sums over the input channels: for a block of tiles they
// are 16 GEMMs [tiles, in_c] x [in_c, out_c]. The kernel gradient is the
// adjoint: dU = sum over tiles of (B^T d B)^T (A dy A^T), 16 GEMMs that
// reduce over the tiles, then dw = G^T dU G. Tiles cover only the outputs
// the next layer reads (ConvGeometry::read_h / read_w).
// A block's transformed input and products (16 * tiles * channels floats
// each) stay in L2 between the transforms and the GEMMs.
#include "winograd.h"

#include <algorithm>
#include <cstring>

#include "kernels/partials.h"
#include "lamina/kernels/gemm.h"
#include "lamina/runtime.h"

namespace lamina {
namespace {

// Below this many channels on either side the GEMMs are too short to win.
constexpr int64_t kMinChannels = 16;
// A block's transformed tiles and products: at most this many floats (384 KiB).
constexpr int64_t kBlockFloats = 98304;
constexpr int64_t kMaxBlockTiles = 128;
// The 16 planes of a block sit this many floats (a cache line) further apart
// than their size: planes a power of two apart would map the transforms' 16
// streams onto the same L1 sets.
constexpr int64_t kPlanePad = 16;

// Floats between the planes of a block of `tiles` tiles of `channels`.
int64_t plane_stride(int64_t tiles, int64_t channels) { return tiles * channels + kPlanePad; }

thread_local Buffer t_kernel;    // transformed kernel (caller thread, read by all)
thread_local Buffer t_rotated;   // rotated kernel for the input gradient (caller)
thread_local Buffer t_zeros;     // zero padding (caller thread, read by all)
thread_local Buffer t_tiles;     // a block's transformed input (per thread)
thread_local Buffer t_products;  // a block's products or dy transforms (per thread)
thread_local Buffer t_scratch;   // outputs past the edge (per thread)
thread_local Buffer t_partial;   // kernel-gradient partials (caller thread)
thread_local Buffer t_sum;       // their sum (caller thread)

const float* zeros(int64_t n) {
  float* z = t_zeros.reserve(static_cast<size_t>(n));
  std::memset(z, 0, sizeof(float) * static_cast<size_t>(n));
  return z;
}

// Tiles per block: what fits kBlockFloats, in whole micro-kernel row tiles.
int64_t block_tiles(const KernelTable& kt, const WinogradShape& s) {
  const int64_t mr = kt.gemm_mr;
  const int64_t fit = std::min(kMaxBlockTiles, kBlockFloats / (16 * (s.in_c + s.out_c)));
  return std::max(mr, fit / mr * mr);
}

// u[xi * count + p] = (G g G^T)[xi] for the `count` kernels
// g[kh][kw] = w[(3 * kh + kw) * count + p]. Halving is exact, so the only
// rounding is in the sums.
void transform_kernel(const float* w, int64_t count, float* u) {
  for (int64_t p = 0; p < count; ++p) {
    float q[4][3];  // G g
    for (int64_t kw = 0; kw < 3; ++kw) {
      const float g0 = w[kw * count + p], g1 = w[(3 + kw) * count + p];
      const float g2 = w[(6 + kw) * count + p];
      q[0][kw] = g0;
      q[1][kw] = 0.5f * (g0 + g1 + g2);
      q[2][kw] = 0.5f * (g0 - g1 + g2);
      q[3][kw] = g2;
    }
    for (int64_t a = 0; a < 4; ++a) {
      u[(4 * a + 0) * count + p] = q[a][0];
      u[(4 * a + 1) * count + p] = 0.5f * (q[a][0] + q[a][1] + q[a][2]);
      u[(4 * a + 2) * count + p] = 0.5f * (q[a][0] - q[a][1] + q[a][2]);
      u[(4 * a + 3) * count + p] = q[a][2];
    }
  }
}

// dw[(3 * kh + kw) * count + p] (+)= (G^T du G)[kh][kw], the adjoint of
// transform_kernel.
void transform_kernel_gradient(const float* du, int64_t count, float* dw, bool accumulate) {
  for (int64_t p = 0; p < count; ++p) {
    float e[3][4];  // G^T du
    for (int64_t b = 0; b < 4; ++b) {
      const float d0 = du[b * count + p], d1 = du[(4 + b) * count + p];
      const float d2 = du[(8 + b) * count + p], d3 = du[(12 + b) * count + p];
      e[0][b] = d0 + 0.5f * (d1 + d2);
      e[1][b] = 0.5f * (d1 - d2);
      e[2][b] = 0.5f * (d1 + d2) + d3;
    }
    for (int64_t kh = 0; kh < 3; ++kh) {
      const float v[3] = {e[kh][0] + 0.5f * (e[kh][1] + e[kh][2]), 0.5f * (e[kh][1] - e[kh][2]),
                          0.5f * (e[kh][1] + e[kh][2]) + e[kh][3]};
      for (int64_t kw = 0; kw < 3; ++kw) {
        float& out = dw[(3 * kh + kw) * count + p];
        out = accumulate ? out + v[kw] : v[kw];
      }
    }
  }
}

// Zeros at the outputs no tile covers (rows >= 2 * tiles_h, then columns
// >= 2 * tiles_w), which the next layer does not read.
void zero_uncovered(const WinogradShape& s, float* y) {
  const int64_t rows = std::min(s.out_h, 2 * s.tiles_h()),
                cols = std::min(s.out_w, 2 * s.tiles_w());
  if (rows == s.out_h && cols == s.out_w) return;
  const int64_t ch = s.out_c;
  parallel_for(s.batch, 1, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      float* image = y + n * s.out_h * s.out_w * ch;
      for (int64_t r = 0; r < s.out_h; ++r) {
        const int64_t from = r < rows ? cols : 0;
        std::memset(image + (r * s.out_w + from) * ch, 0,
                    sizeof(float) * static_cast<size_t>((s.out_w - from) * ch));
      }
    }
  });
}

// y = the convolution of s's input with the kernel whose transform is u
// (u[xi] is [in_c, out_c]), then bias and activation.
void convolve_tiles(const KernelTable& kt, const WinogradShape& s, const float* x, const float* u,
                    const float* bias, const ActivationSpec* activation, float* y) {
  const int64_t tiles = s.tiles(), in_c = s.in_c, out_c = s.out_c;
  // Fewer tiles per block when there are too few blocks for the threads; a
  // tile's result does not depend on its block.
  const int64_t mr = kt.gemm_mr;
  const int64_t share = (tiles + num_threads() - 1) / num_threads();
  const int64_t per_block = std::min(block_tiles(kt, s), std::max(mr, (share + mr - 1) / mr * mr));
  const int64_t blocks = (tiles + per_block - 1) / per_block;
  const bool relu = activation != nullptr && activation_is_plain_relu(*activation);
  const float* zero = zeros(in_c);
  const int64_t vs = plane_stride(per_block, in_c), ms = plane_stride(per_block, out_c);
  parallel_for_each(blocks, [&](int64_t b) {
    float* v = t_tiles.reserve(static_cast<size_t>(16 * vs));
    float* m = t_products.reserve(static_cast<size_t>(16 * ms));
    float* scratch = t_scratch.reserve(static_cast<size_t>(out_c));
    const int64_t t0 = b * per_block, t1 = std::min(tiles, t0 + per_block);
    kt.winograd_input(s, x, zero, t0, t1, v, vs);
    for (int64_t xi = 0; xi < 16; ++xi) {
      gemm_f32(kt, false, false, t1 - t0, out_c, in_c, v + xi * vs, in_c, u + xi * in_c * out_c,
               out_c, m + xi * ms, out_c, false);
    }
    kt.winograd_output(s, m, ms, t0, t1, bias, relu, scratch, y);
  });
  zero_uncovered(s, y);
  if (activation != nullptr && activation->kind != Activation::kLinear && !relu) {
    activation_forward(*activation, y, y, s.batch * s.out_h * s.out_w, out_c);
  }
}

WinogradShape forward_shape(const ConvGeometry& g) {
  WinogradShape s;
  s.batch = g.batch;
  s.in_h = g.in_h;
  s.in_w = g.in_w;
  s.in_c = g.in_c;
  s.out_h = g.out_h();
  s.out_w = g.out_w();
  s.out_c = g.out_c;
  s.pad_top = g.pad_top;
  s.pad_left = g.pad_left;
  s.cover_h = g.read_h;
  s.cover_w = g.read_w;
  return s;
}

}  // namespace

bool winograd_applies(const ConvGeometry& g) {
  return g.kernel_h == 3 && g.kernel_w == 3 && g.stride_h == 1 && g.stride_w == 1 &&
         g.dilation_h == 1 && g.dilation_w == 1 && g.groups == 1 && g.pad_top <= 2 &&
         g.pad_left <= 2 && g.in_c >= kMinChannels && g.out_c >= kMinChannels;
}

void winograd_forward_f32(const KernelTable& kt, const ConvGeometry& g, const float* x,
                          const float* w, const float* bias, float* y,
                          const ActivationSpec* activation) {
  float* u = t_kernel.reserve(static_cast<size_t>(16 * g.in_c * g.out_c));
  transform_kernel(w, g.in_c * g.out_c, u);
  convolve_tiles(kt, forward_shape(g), x, u, bias, activation, y);
}

// dx is the convolution of dy with the kernel rotated by 180 degrees and its
// channel axes swapped, padded by 2 - pad on the top and left.
void winograd_backward_data_f32(const KernelTable& kt, const ConvGeometry& g, const float* dy,
                                const float* w, float* dx) {
  const int64_t in_c = g.in_c, out_c = g.out_c, pair = in_c * out_c;
  float* rotated = t_rotated.reserve(static_cast<size_t>(9 * pair));
  for (int64_t tap = 0; tap < 9; ++tap) {
    const float* src = w + (8 - tap) * pair;  // [in_c, out_c]
    float* dst = rotated + tap * pair;        // [out_c, in_c]
    for (int64_t i = 0; i < in_c; ++i) {
      for (int64_t o = 0; o < out_c; ++o) dst[o * in_c + i] = src[i * out_c + o];
    }
  }
  float* u = t_kernel.reserve(static_cast<size_t>(16 * pair));
  transform_kernel(rotated, pair, u);
  WinogradShape s;
  s.batch = g.batch;
  s.in_h = g.out_h();
  s.in_w = g.out_w();
  s.in_c = out_c;
  s.out_h = g.in_h;
  s.out_w = g.in_w;
  s.out_c = in_c;
  s.pad_top = 2 - g.pad_top;
  s.pad_left = 2 - g.pad_left;
  convolve_tiles(kt, s, dy, u, nullptr, nullptr, dx);
}

void winograd_backward_weights_f32(const KernelTable& kt, const ConvGeometry& g, const float* x,
                                   const float* dy, float* dw, bool accumulate) {
  const WinogradShape s = forward_shape(g);
  const int64_t tiles = s.tiles(), in_c = s.in_c, out_c = s.out_c;
  const int64_t size = 16 * in_c * out_c;
  // Blocks and the tiles per GEMM are fixed by the shapes alone: each dU
  // element is summed over the tiles in the same order on any thread count.
  const int64_t blocks = reduction_blocks(tiles, size);
  const int64_t per_gemm = block_tiles(kt, s);
  float* partial = t_partial.reserve(static_cast<size_t>(blocks * size));
  const float* zero = zeros(std::max(in_c, out_c));
  const int64_t vs = plane_stride(per_gemm, in_c), ds = plane_stride(per_gemm, out_c);
  parallel_for_each(blocks, [&](int64_t b) {
    float* v = t_tiles.reserve(static_cast<size_t>(16 * vs));
    float* d = t_products.reserve(static_cast<size_t>(16 * ds));
    const int64_t lo = tiles * b / blocks, hi = tiles * (b + 1) / blocks;
    float* du = partial + b * size;
    for (int64_t t0 = lo; t0 < hi; t0 += per_gemm) {
      const int64_t t1 = std::min(hi, t0 + per_gemm);
      kt.winograd_input(s, x, zero, t0, t1, v, vs);
      kt.winograd_grad(s, dy, zero, t0, t1, d, ds);
      for (int64_t xi = 0; xi < 16; ++xi) {
        // du[xi] (+)= v[xi]^T d[xi]
        gemm_f32(kt, true, false, in_c, out_c, t1 - t0, v + xi * vs, in_c, d + xi * ds, out_c,
                 du + xi * in_c * out_c, out_c, t0 > lo);
      }
    }
  });
  const float* du = partial;
  if (blocks > 1) {
    float* sum = t_sum.reserve(static_cast<size_t>(size));
    sum_partials(partial, blocks, size, sum, false);
    du = sum;
  }
  transform_kernel_gradient(du, in_c * out_c, dw, accumulate);
}

}  // namespace lamina
