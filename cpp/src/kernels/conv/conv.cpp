// Convolution drivers: pick a method per shape class and split the work
// across threads.
//   pointwise (1x1, stride 1, no pads, one group): the convolution is a GEMM
//     on the NHWC tensors as they are;
//   depthwise (one input channel per group): direct kernels from the kernel
//     table (a GEMM per channel would have K = kh * kw);
//   3x3 on a one-channel input: direct kernels that keep 32 output channels
//     in registers (single_channel.inc; im2col would make K = 9);
//   3x3, stride 1, one group, 16 or more channels: Winograd F(2x2, 3x3)
//     (winograd.cpp), 2.25 times fewer multiplications;
//   everything else: im2col into a per-thread block of rows that stays in
//     L2, then the register-tiled GEMM on that block, group by group.
// The kernel gradient sums over every output position of the batch in fixed
// blocks (partials.h), so the result does not depend on the thread count.
#include "lamina/kernels/conv.h"

#include <algorithm>
#include <cstring>

#include "kernels/partials.h"
#include "lamina/kernels/gemm.h"
#include "lamina/runtime.h"
#include "winograd.h"

namespace lamina {
namespace {

// im2col block: this many floats (128 KiB) per thread.
constexpr int64_t kColsBlockFloats = 32768;

thread_local Buffer t_cols;     // im2col / col2im block (per thread)
thread_local Buffer t_weights;  // transposed kernel (caller thread, read by all)
thread_local Buffer t_partial;  // kernel-gradient partials (caller thread)

bool is_depthwise(const ConvGeometry& g) { return g.in_c_per_group() == 1 && g.groups > 1; }

// A 3x3 convolution of a one-channel image (conv/single_channel.inc), on an
// ISA that has those kernels.
bool is_single_channel(const KernelTable& kt, const ConvGeometry& g) {
  return kt.single_channel_forward != nullptr && g.in_c == 1 && g.groups == 1 && g.kernel_h == 3 &&
         g.kernel_w == 3 && g.dilation_h == 1 && g.dilation_w == 1 && g.out_c % 32 == 0;
}

bool is_pointwise(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
         g.pad_top == 0 && g.pad_left == 0 && g.pad_bottom == 0 && g.pad_right == 0 &&
         g.groups == 1;
}

int64_t patch_size(const ConvGeometry& g) { return g.kernel_h * g.kernel_w * g.in_c_per_group(); }

// Rows of the im2col matrix per block: what fits kColsBlockFloats, rounded
// down to whole micro-kernel row tiles (113 rows of a 288-wide patch would
// leave a 1-row tile in every block's GEMM).
int64_t rows_per_block(const KernelTable& kt, const ConvGeometry& g) {
  const int64_t mr = kt.gemm_mr;
  return std::max<int64_t>(mr, kColsBlockFloats / patch_size(g) / mr * mr);
}

// n floats from src to dst. A one-channel 3x3 patch row is 3 floats, where a
// call to memcpy costs more than the copy (it was 11% of conv1's kernel
// gradient). Short runs are copied as two fixed-size pieces that may overlap,
// which compile to a few moves (a plain loop is turned back into a memmove
// call by the compiler); longer runs go to memcpy.
inline void copy_run(float* __restrict dst, const float* __restrict src, int64_t n) {
  if (n >= 8 && n <= 16) {
    std::memcpy(dst, src, 8 * sizeof(float));
    std::memcpy(dst + n - 8, src + n - 8, 8 * sizeof(float));
  } else if (n >= 4 && n < 8) {
    std::memcpy(dst, src, 4 * sizeof(float));
    std::memcpy(dst + n - 4, src + n - 4, 4 * sizeof(float));
  } else if (n > 0 && n < 4) {
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  } else {
    std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(n));
  }
}

// cols[r - r0, (kh, kw, c)] = x at the input position tap (kh, kw) of output
// row r reads, channel group * in_c_per_group + c; zero in the padding.
// Rows index batch * out_h * out_w; the position advances along output rows
// (a division per row cost as much as conv1's 3-float copies).
void im2col(const ConvGeometry& g, const float* x, int64_t r0, int64_t r1, int64_t group,
            float* cols) {
  const int64_t oh_n = g.out_h(), ow_n = g.out_w(), cg = g.in_c_per_group();
  const int64_t run = g.kernel_w * cg;  // one kernel row of a patch
  // One group with dilation 1: a kernel row inside the image is one run of
  // kernel_w * in_c contiguous floats.
  const bool whole_rows = g.groups == 1 && g.dilation_w == 1;
  int64_t n = r0 / (oh_n * ow_n), oh = r0 / ow_n % oh_n, ow = r0 % ow_n;
  float* dst = cols;
  for (int64_t r = r0; r < r1; ++oh, ow = 0) {
    if (oh == oh_n) oh = 0, ++n;
    const float* image = x + n * g.in_h * g.in_w * g.in_c + group * cg;
    const int64_t ow_end = std::min(ow_n, ow + (r1 - r));
    r += ow_end - ow;
    const int64_t ih0 = oh * g.stride_h - g.pad_top;
    const bool rows_inside = ih0 >= 0 && ih0 + (g.kernel_h - 1) * g.dilation_h < g.in_h;
    const int64_t kh_step = g.dilation_h * g.in_w * g.in_c;
    for (; ow < ow_end; ++ow) {
      const int64_t iw0 = ow * g.stride_w - g.pad_left;
      const bool row_inside = whole_rows && iw0 >= 0 && iw0 + g.kernel_w <= g.in_w;
      if (row_inside && rows_inside) {  // the whole patch is inside the image
        const float* src = image + (ih0 * g.in_w + iw0) * g.in_c;
        for (int64_t kh = 0; kh < g.kernel_h; ++kh, dst += run)
          copy_run(dst, src + kh * kh_step, run);
        continue;
      }
      for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
        const int64_t ih = ih0 + kh * g.dilation_h;
        if (ih < 0 || ih >= g.in_h) {
          std::memset(dst, 0, sizeof(float) * run);
          dst += run;
          continue;
        }
        const float* src_row = image + ih * g.in_w * g.in_c;
        if (row_inside) {
          copy_run(dst, src_row + iw0 * g.in_c, run);
          dst += run;
          continue;
        }
        for (int64_t kw = 0; kw < g.kernel_w; ++kw, dst += cg) {
          const int64_t iw = iw0 + kw * g.dilation_w;
          if (iw < 0 || iw >= g.in_w) {
            std::memset(dst, 0, sizeof(float) * cg);
          } else if (cg == 1) {
            *dst = src_row[iw * g.in_c];
          } else {
            std::memcpy(dst, src_row + iw * g.in_c, sizeof(float) * cg);
          }
        }
      }
    }
  }
}

// The adjoint of im2col for rows [r0, r1): adds each column block back into
// dx at the position it was read from.
void col2im_add(const ConvGeometry& g, const float* cols, int64_t r0, int64_t r1, int64_t group,
                float* dx) {
  const int64_t oh_n = g.out_h(), ow_n = g.out_w(), cg = g.in_c_per_group();
  const int64_t row_len = patch_size(g);
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / (oh_n * ow_n), rem = r % (oh_n * ow_n);
    const int64_t oh = rem / ow_n, ow = rem % ow_n;
    float* image = dx + n * g.in_h * g.in_w * g.in_c + group * cg;
    const float* src = cols + (r - r0) * row_len;
    for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
      if (ih < 0 || ih >= g.in_h) {
        src += g.kernel_w * cg;
        continue;
      }
      for (int64_t kw = 0; kw < g.kernel_w; ++kw, src += cg) {
        const int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
        if (iw < 0 || iw >= g.in_w) continue;
        float* d = image + (ih * g.in_w + iw) * g.in_c;
        for (int64_t c = 0; c < cg; ++c) d[c] += src[c];
      }
    }
  }
}

// The kernel gradient of a direct kernel that walks whole output rows
// (depthwise, one-channel): the batch * out_h rows in fixed blocks, one
// partial each, summed in block order.
void row_kernel_backward_weights(DepthwiseBackwardWeightsFn kernel, const ConvGeometry& g,
                                 const float* x, const float* dy, float* dw, bool accumulate) {
  const int64_t rows = g.batch * g.out_h(), w_size = g.w_size();
  const int64_t blocks = reduction_blocks(rows * g.out_w(), w_size);
  float* partial = t_partial.reserve(static_cast<size_t>(blocks * w_size));
  parallel_for_each(blocks, [&](int64_t b) {
    kernel(g, x, dy, partial + b * w_size, rows * b / blocks, rows * (b + 1) / blocks);
  });
  sum_partials(partial, blocks, w_size, dw, accumulate);
}

}  // namespace

void conv2d_forward_f32(const KernelTable& kt, const ConvGeometry& g, const float* x,
                        const float* w, const float* bias, float* y,
                        const ActivationSpec* activation) {
  g.validate();
  DenormalGuard guard;
  const int64_t oh_n = g.out_h(), ow_n = g.out_w();
  const int64_t rows = g.batch * oh_n * ow_n;
  if (is_depthwise(g)) {
    const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, ow_n * g.out_c));
    parallel_for(g.batch * oh_n, grain, [&](int64_t r0, int64_t r1) {
      kt.depthwise_forward(g, x, w, bias, y, r0, r1);
      if (activation != nullptr) {
        float* block = y + r0 * ow_n * g.out_c;
        activation_forward(*activation, block, block, (r1 - r0) * ow_n, g.out_c);
      }
    });
    return;
  }
  if (is_single_channel(kt, g)) {
    const bool relu = activation != nullptr && activation_is_plain_relu(*activation);
    const bool other = activation != nullptr && activation->kind != Activation::kLinear && !relu;
    const int64_t grain = std::max<int64_t>(1, 4096 / (ow_n * g.out_c));
    parallel_for(g.batch * oh_n, grain, [&](int64_t r0, int64_t r1) {
      kt.single_channel_forward(g, x, w, bias, y, r0, r1, relu);
      if (other) {
        float* block = y + r0 * ow_n * g.out_c;
        activation_forward(*activation, block, block, (r1 - r0) * ow_n, g.out_c);
      }
    });
    return;
  }
  if (is_pointwise(g)) {
    gemm_f32(kt, false, false, rows, g.out_c, g.in_c, x, g.in_c, w, g.out_c, y, g.out_c, false,
             GemmEpilogue{bias, activation});
    return;
  }
  if (winograd_applies(g)) {
    winograd_forward_f32(kt, g, x, w, bias, y, activation);
    return;
  }
  const int64_t block = rows_per_block(kt, g);
  const int64_t blocks = (rows + block - 1) / block;
  const int64_t k = patch_size(g), cog = g.out_c_per_group();
  parallel_for_each(blocks, [&](int64_t b) {
    float* cols = t_cols.reserve(static_cast<size_t>(block * k));
    const int64_t r0 = b * block, r1 = std::min(rows, r0 + block);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      im2col(g, x, r0, r1, grp, cols);
      const GemmEpilogue epilogue{bias != nullptr ? bias + grp * cog : nullptr, activation};
      gemm_f32(kt, false, false, r1 - r0, cog, k, cols, k, w + grp * cog, g.out_c,
               y + r0 * g.out_c + grp * cog, g.out_c, false, epilogue);
    }
  });
}

void conv2d_backward_data_f32(const KernelTable& kt, const ConvGeometry& g, const float* dy,
                              const float* w, float* dx) {
  g.validate();
  DenormalGuard guard;
  const int64_t oh_n = g.out_h(), ow_n = g.out_w();
  if (is_depthwise(g)) {
    parallel_for(g.batch, 1,
                 [&](int64_t n0, int64_t n1) { kt.depthwise_backward_data(g, dy, w, dx, n0, n1); });
    return;
  }
  if (is_pointwise(g)) {
    // dx[rows, in_c] = dy[rows, out_c] * w[in_c, out_c]^T
    gemm_f32(kt, false, true, g.batch * oh_n * ow_n, g.in_c, g.out_c, dy, g.out_c, w, g.out_c, dx,
             g.in_c, false);
    return;
  }
  if (winograd_applies(g)) {
    winograd_backward_data_f32(kt, g, dy, w, dx);
    return;
  }
  // wt[grp][o, p] = w[p, grp * cog + o]: each group's kernel transposed once,
  // so every block's GEMM reads contiguous rows.
  const int64_t k = patch_size(g), cog = g.out_c_per_group();
  float* wt = t_weights.reserve(static_cast<size_t>(g.out_c * k));
  for (int64_t grp = 0; grp < g.groups; ++grp) {
    float* dst = wt + grp * cog * k;
    for (int64_t p = 0; p < k; ++p) {
      for (int64_t o = 0; o < cog; ++o) dst[o * k + p] = w[p * g.out_c + grp * cog + o];
    }
  }
  const int64_t per_image = oh_n * ow_n;
  const int64_t block = rows_per_block(kt, g);
  const int64_t image_size = g.in_h * g.in_w * g.in_c;
  // Tasks are runs of whole images: col2im scatters within an image, so
  // images are the unit that never shares an output element with another
  // task. Within a run the GEMM blocks span image boundaries (an image's
  // 121 rows would otherwise end in a 1-row tile). Each dx element still
  // receives its terms in row order, so blocking does not change results.
  parallel_for(g.batch, 1, [&](int64_t n0, int64_t n1) {
    const int64_t end = n1 * per_image;
    float* cols = t_cols.reserve(static_cast<size_t>(std::min(block, end - n0 * per_image) * k));
    std::memset(dx + n0 * image_size, 0, sizeof(float) * image_size * (n1 - n0));
    for (int64_t r0 = n0 * per_image; r0 < end; r0 += block) {
      const int64_t r1 = std::min(end, r0 + block);
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        gemm_f32(kt, false, false, r1 - r0, k, cog, dy + r0 * g.out_c + grp * cog, g.out_c,
                 wt + grp * cog * k, k, cols, k, false);
        col2im_add(g, cols, r0, r1, grp, dx);
      }
    }
  });
}

void conv2d_backward_weights_f32(const KernelTable& kt, const ConvGeometry& g, const float* x,
                                 const float* dy, float* dw, bool accumulate) {
  g.validate();
  DenormalGuard guard;
  const int64_t oh_n = g.out_h(), ow_n = g.out_w();
  const int64_t w_size = g.w_size();
  if (is_depthwise(g)) {
    row_kernel_backward_weights(kt.depthwise_backward_weights, g, x, dy, dw, accumulate);
    return;
  }
  if (winograd_applies(g)) {
    winograd_backward_weights_f32(kt, g, x, dy, dw, accumulate);
    return;
  }
  if (is_single_channel(kt, g)) {
    row_kernel_backward_weights(kt.single_channel_backward_weights, g, x, dy, dw, accumulate);
    return;
  }
  const int64_t rows = g.batch * oh_n * ow_n;
  const int64_t blocks = reduction_blocks(rows, w_size);
  const int64_t k = patch_size(g), cog = g.out_c_per_group();
  const int64_t sub = rows_per_block(kt, g);
  const bool pointwise = is_pointwise(g);
  // With one block the partial is dw itself (and the GEMM may use every
  // thread); otherwise each block writes its own partial.
  float* partial =
      blocks == 1 && !accumulate ? dw : t_partial.reserve(static_cast<size_t>(blocks * w_size));
  parallel_for_each(blocks, [&](int64_t b) {
    const int64_t lo = rows * b / blocks, hi = rows * (b + 1) / blocks;
    float* out = partial + b * w_size;
    if (pointwise) {
      // out[in_c, out_c] = x[lo:hi]^T dy[lo:hi]
      gemm_f32(kt, true, false, g.in_c, g.out_c, hi - lo, x + lo * g.in_c, g.in_c,
               dy + lo * g.out_c, g.out_c, out, g.out_c, false);
      return;
    }
    float* cols = t_cols.reserve(static_cast<size_t>(sub * k));
    for (int64_t r0 = lo; r0 < hi; r0 += sub) {
      const int64_t r1 = std::min(hi, r0 + sub);
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        im2col(g, x, r0, r1, grp, cols);
        // out[:, group] (+)= cols^T dy[r0:r1, group]
        gemm_f32(kt, true, false, k, cog, r1 - r0, cols, k, dy + r0 * g.out_c + grp * cog, g.out_c,
                 out + grp * cog, g.out_c, r0 > lo);
      }
    }
  });
  if (partial != dw) sum_partials(partial, blocks, w_size, dw, accumulate);
}

}  // namespace lamina
