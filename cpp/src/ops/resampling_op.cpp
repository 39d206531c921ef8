// Zero padding, cropping and upsampling of 1-D and 2-D spatial inputs.
//
// Every layout is seen as [outer, H, W, inner]: channels_last [H, W, C] is
// outer = 1, inner = C; channels_first [C, H, W] is outer = C, inner = 1; a
// rank-1 input has H = 1 and its one spatial axis as W. So one loop serves
// the four layouts, and rows of W * inner floats stay contiguous.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "lamina/errors.h"
#include "lamina/ops/reshaping.h"

namespace lamina {
namespace {

struct Geometry {
  int64_t outer = 1, h = 1, w = 1, inner = 1;
  int64_t numel() const { return outer * h * w * inner; }
};

// Reads the per-sample input shape into the canonical view; throws
// ValueError naming the layer if its rank is not the expected one.
Geometry read_geometry(const std::string& layer, const char* kind, SpatialLayout layout,
                       const Shape& input) {
  const size_t want = static_cast<size_t>(layout.rank) + 1;
  if (input.size() != want) {
    throw ValueError("Input 0 of layer \"" + layer + "\" (" + kind +
                     ") is incompatible with the layer: expected ndim=" + std::to_string(want + 1) +
                     ", found ndim=" + std::to_string(input.size() + 1) +
                     ". Full shape received: " + shape_str(input));
  }
  Geometry g;
  const size_t s0 = layout.channels_first ? 1 : 0;  // first spatial axis
  const int64_t channels = layout.channels_first ? input[0] : input.back();
  if (layout.channels_first) {
    g.outer = channels;
  } else {
    g.inner = channels;
  }
  if (layout.rank == 2) {
    g.h = input[s0];
    g.w = input[s0 + 1];
  } else {
    g.w = input[s0];
  }
  return g;
}

Shape make_shape(SpatialLayout layout, const Geometry& g) {
  const int64_t c = layout.channels_first ? g.outer : g.inner;
  Shape spatial = layout.rank == 2 ? Shape{g.h, g.w} : Shape{g.w};
  Shape out;
  if (layout.channels_first) out.push_back(c);
  out.insert(out.end(), spatial.begin(), spatial.end());
  if (!layout.channels_first) out.push_back(c);
  return out;
}

// dst(i, j) = src(i - off_h, j - off_w), or 0 outside src: zero padding
// forward and cropping backward (positive offsets); cropping forward and
// padding backward (negative offsets).
void shift_copy(const float* src, const Geometry& sg, float* dst, const Geometry& dg, int64_t off_h,
                int64_t off_w, int64_t batch) {
  const int64_t inner = dg.inner;
  const int64_t j0 = std::max<int64_t>(0, off_w);            // first dst col from src
  const int64_t j1 = std::min<int64_t>(dg.w, sg.w + off_w);  // one past the last
  const int64_t rows = batch * dg.outer * dg.h;
  const int64_t row_len = dg.w * inner;
  parallel_for(
      rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, row_len)), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          const int64_t i = r % dg.h;
          const int64_t plane = r / dg.h;  // sample * outer + o
          float* d = dst + r * row_len;
          const int64_t si = i - off_h;
          if (si < 0 || si >= sg.h || j1 <= j0) {
            std::memset(d, 0, sizeof(float) * static_cast<size_t>(row_len));
            continue;
          }
          const float* s = src + ((plane * sg.h + si) * sg.w + (j0 - off_w)) * inner;
          std::memset(d, 0, sizeof(float) * static_cast<size_t>(j0 * inner));
          std::memcpy(d + j0 * inner, s, sizeof(float) * static_cast<size_t>((j1 - j0) * inner));
          std::memset(d + j1 * inner, 0, sizeof(float) * static_cast<size_t>((dg.w - j1) * inner));
        }
      });
}

class PadCropOp final : public Op {
 public:
  PadCropOp(const std::string& name, const char* kind, SpatialLayout layout, const int64_t pad[4])
      : Op(name), kind_(kind), layout_(layout) {
    // Rank 1: the one spatial axis is W.
    if (layout.rank == 1) {
      top_ = bottom_ = 0;
      left_ = pad[0];
      right_ = pad[1];
    } else {
      top_ = pad[0];
      bottom_ = pad[1];
      left_ = pad[2];
      right_ = pad[3];
    }
  }
  const char* kind() const override { return kind_; }

  Shape build(const Shape& input) override {
    in_ = read_geometry(name_, kind_, layout_, input);
    out_ = in_;
    out_.h = in_.h + top_ + bottom_;
    out_.w = in_.w + left_ + right_;
    if (out_.h <= 0 || out_.w <= 0) {
      throw ValueError("Layer '" + name_ + "' (" + kind_ + ") crops more than the input " +
                       shape_str(input) + " holds; the output would have no elements.");
    }
    return make_shape(layout_, out_);
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    shift_copy(x, in_, y, out_, top_, left_, batch);
  }

  void backward(const float*, const float*, float* dy, float* dx, int64_t batch, const StepContext&,
                bool) override {
    if (dx != nullptr) shift_copy(dy, out_, dx, in_, -top_, -left_, batch);
  }

 private:
  const char* kind_;
  SpatialLayout layout_;
  int64_t top_ = 0, bottom_ = 0, left_ = 0, right_ = 0;
  Geometry in_, out_;
};

// TF's half-pixel bilinear sampling along one axis: output index o reads
// input lo[o] and hi[o] with weight frac[o] on hi.
struct AxisWeights {
  std::vector<int64_t> lo, hi;
  std::vector<float> frac;
};

AxisWeights bilinear_axis(int64_t in, int64_t out) {
  AxisWeights a;
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (int64_t o = 0; o < out; ++o) {
    const float pos = (static_cast<float>(o) + 0.5f) * scale - 0.5f;
    const float fl = std::floor(pos);
    a.lo.push_back(std::max<int64_t>(static_cast<int64_t>(fl), 0));
    a.hi.push_back(std::min<int64_t>(static_cast<int64_t>(std::ceil(pos)), in - 1));
    a.frac.push_back(pos - fl);
  }
  return a;
}

class UpSamplingOp final : public Op {
 public:
  UpSamplingOp(const std::string& name, SpatialLayout layout, int64_t size_h, int64_t size_w,
               bool bilinear)
      : Op(name),
        layout_(layout),
        sh_(layout.rank == 1 ? 1 : size_h),
        sw_(layout.rank == 1 ? size_h : size_w),
        bilinear_(bilinear) {}
  const char* kind() const override { return layout_.rank == 1 ? "UpSampling1D" : "UpSampling2D"; }

  Shape build(const Shape& input) override {
    in_ = read_geometry(name_, kind(), layout_, input);
    out_ = in_;
    out_.h = in_.h * sh_;
    out_.w = in_.w * sw_;
    if (bilinear_) {
      ah_ = bilinear_axis(in_.h, out_.h);
      aw_ = bilinear_axis(in_.w, out_.w);
    }
    return make_shape(layout_, out_);
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    if (bilinear_) {
      forward_bilinear(x, y, batch);
    } else {
      forward_nearest(x, y, batch);
    }
  }

  void backward(const float*, const float*, float* dy, float* dx, int64_t batch, const StepContext&,
                bool) override {
    if (dx == nullptr) return;
    if (bilinear_) {
      backward_bilinear(dy, dx, batch);
    } else {
      backward_nearest(dy, dx, batch);
    }
  }

 private:
  int64_t grain(int64_t row_len) const {
    return std::max<int64_t>(1, 8192 / std::max<int64_t>(1, row_len));
  }

  void forward_nearest(const float* x, float* y, int64_t batch) const {
    const int64_t inner = in_.inner, row_len = out_.w * inner;
    parallel_for(batch * out_.outer * out_.h, grain(row_len), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t plane = r / out_.h, i = r % out_.h;
        const float* s = x + (plane * in_.h + i / sh_) * in_.w * inner;
        float* d = y + r * row_len;
        for (int64_t j = 0; j < in_.w; ++j) {
          for (int64_t k = 0; k < sw_; ++k) {
            std::memcpy(d + (j * sw_ + k) * inner, s + j * inner,
                        sizeof(float) * static_cast<size_t>(inner));
          }
        }
      }
    });
  }

  // Each dx element sums its sh x sw block of dy, in a fixed order.
  void backward_nearest(const float* dy, float* dx, int64_t batch) const {
    const int64_t inner = in_.inner, out_row = out_.w * inner, in_row = in_.w * inner;
    parallel_for(batch * in_.outer * in_.h, grain(in_row * sh_ * sw_), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t plane = r / in_.h, i = r % in_.h;
        float* d = dx + r * in_row;
        std::memset(d, 0, sizeof(float) * static_cast<size_t>(in_row));
        for (int64_t a = 0; a < sh_; ++a) {
          const float* g = dy + (plane * out_.h + i * sh_ + a) * out_row;
          for (int64_t j = 0; j < in_.w; ++j) {
            for (int64_t k = 0; k < sw_; ++k) {
              const float* gs = g + (j * sw_ + k) * inner;
              float* ds = d + j * inner;
              for (int64_t c = 0; c < inner; ++c) ds[c] += gs[c];
            }
          }
        }
      }
    });
  }

  // As TF computes it: top = tl + (tr - tl) * xf; bottom likewise;
  // out = top + (bottom - top) * yf.
  void forward_bilinear(const float* x, float* y, int64_t batch) const {
    const int64_t inner = in_.inner, row_len = out_.w * inner, in_row = in_.w * inner;
    parallel_for(batch * out_.outer * out_.h, grain(row_len), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t plane = r / out_.h, i = r % out_.h;
        const float* top = x + (plane * in_.h + ah_.lo[i]) * in_row;
        const float* bot = x + (plane * in_.h + ah_.hi[i]) * in_row;
        const float yf = ah_.frac[i];
        float* d = y + r * row_len;
        for (int64_t j = 0; j < out_.w; ++j) {
          const int64_t l = aw_.lo[j] * inner, rr = aw_.hi[j] * inner;
          const float xf = aw_.frac[j];
          for (int64_t c = 0; c < inner; ++c) {
            const float t = top[l + c] + (top[rr + c] - top[l + c]) * xf;
            const float bo = bot[l + c] + (bot[rr + c] - bot[l + c]) * xf;
            d[j * inner + c] = t + (bo - t) * yf;
          }
        }
      }
    });
  }

  // Scatter of dy into its four source pixels; one task per (sample, outer)
  // plane, so no two tasks write the same dx element.
  void backward_bilinear(const float* dy, float* dx, int64_t batch) const {
    const int64_t inner = in_.inner, row_len = out_.w * inner, in_row = in_.w * inner;
    const int64_t in_plane = in_.h * in_row, out_plane = out_.h * row_len;
    parallel_for(batch * in_.outer, grain(out_plane), [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        float* d = dx + p * in_plane;
        std::memset(d, 0, sizeof(float) * static_cast<size_t>(in_plane));
        for (int64_t i = 0; i < out_.h; ++i) {
          float* top = d + ah_.lo[i] * in_row;
          float* bot = d + ah_.hi[i] * in_row;
          const float yf = ah_.frac[i];
          const float* g = dy + p * out_plane + i * row_len;
          for (int64_t j = 0; j < out_.w; ++j) {
            const int64_t l = aw_.lo[j] * inner, rr = aw_.hi[j] * inner;
            const float xf = aw_.frac[j];
            for (int64_t c = 0; c < inner; ++c) {
              const float v = g[j * inner + c];
              const float vt = v * (1.0f - yf), vb = v * yf;
              top[l + c] += vt * (1.0f - xf);
              top[rr + c] += vt * xf;
              bot[l + c] += vb * (1.0f - xf);
              bot[rr + c] += vb * xf;
            }
          }
        }
      }
    });
  }

  SpatialLayout layout_;
  int64_t sh_, sw_;
  bool bilinear_;
  Geometry in_, out_;
  AxisWeights ah_, aw_;
};

}  // namespace

std::unique_ptr<Op> make_pad_crop_op(const std::string& name, const char* kind,
                                     SpatialLayout layout, const int64_t pad[4]) {
  return std::make_unique<PadCropOp>(name, kind, layout, pad);
}

std::unique_ptr<Op> make_upsampling_op(const std::string& name, SpatialLayout layout,
                                       int64_t size_h, int64_t size_w, bool bilinear) {
  if (size_h <= 0 || size_w <= 0) {
    throw ValueError("Layer '" + name + "': upsampling sizes must be positive.");
  }
  return std::make_unique<UpSamplingOp>(name, layout, size_h, size_w, bilinear);
}

}  // namespace lamina
