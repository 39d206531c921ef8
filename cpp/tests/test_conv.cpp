// Convolution and pooling: every kernel table this CPU can run against the
// float64 references, with every array in a guarded buffer that ends against
// an inaccessible page (a SIMD tail that touches one float too many faults
// here), sizes swept across the GEMM tiles and the vector widths, and 1 vs 2
// threads compared bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "guarded_buffer.h"
#include "lamina/errors.h"
#include "lamina/kernels.h"
#include "lamina/runtime.h"
#include "test_util.h"

namespace {

using lamina::ConvGeometry;
using lamina::Isa;
using lamina::KernelTable;
using lamina::PoolGeometry;
using lamina_test::GuardedFloats;

constexpr double kUnitRoundoff = 5.9604644775390625e-08;  // 2^-24

std::string describe(const ConvGeometry& g) {
  std::ostringstream s;
  s << "batch=" << g.batch << " in=" << g.in_h << "x" << g.in_w << "x" << g.in_c
    << " out_c=" << g.out_c << " kernel=" << g.kernel_h << "x" << g.kernel_w
    << " strides=" << g.stride_h << "," << g.stride_w << " dilation=" << g.dilation_h << ","
    << g.dilation_w << " pads=" << g.pad_top << "," << g.pad_left << "," << g.pad_bottom << ","
    << g.pad_right << " groups=" << g.groups;
  return s.str();
}

std::string describe(const PoolGeometry& g) {
  std::ostringstream s;
  s << "batch=" << g.batch << " in=" << g.in_h << "x" << g.in_w << "x" << g.channels
    << " pool=" << g.pool_h << "x" << g.pool_w << " strides=" << g.stride_h << "," << g.stride_w
    << " pads=" << g.pad_top << "," << g.pad_left << "," << g.pad_bottom << "," << g.pad_right;
  return s.str();
}

// How much looser Winograd's error bound is than a dot product's (see
// WinogradSweep): the transforms' absolute row sums, 2 (B^T), 1.5 (G), 3 (A^T).
constexpr double kWinograd = 2.0 * 1.5 * 3.0;

GuardedFloats random_floats(int64_t n, std::mt19937& rng) {
  GuardedFloats b(static_cast<size_t>(n));
  b.fill_uniform(rng, -1.0, 1.0);
  return b;
}

std::vector<double> widen(const GuardedFloats& f, bool absolute = false) {
  std::vector<double> d(f.size());
  for (size_t i = 0; i < f.size(); ++i) d[i] = absolute ? std::fabs(f[i]) : f[i];
  return d;
}

// |got - ref| <= (terms + 2) * 2u * bound, bound being the same sum over
// absolute values (the classic summation error bound). With loosen > 1 the
// check is normwise: every element against the largest bound, times loosen.
::testing::AssertionResult close(const char* what, const std::string& where,
                                 const GuardedFloats& got, const std::vector<double>& ref,
                                 const std::vector<double>& bound, int64_t terms,
                                 double loosen = 1.0) {
  const double factor = 2.0 * static_cast<double>(terms + 2) * kUnitRoundoff * loosen;
  double largest = 0.0;
  for (double b : bound) largest = std::max(largest, b);
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - ref[i]);
    if (!(err <= factor * (loosen > 1.0 ? largest : bound[i]) + 1e-30)) {
      return ::testing::AssertionFailure() << what << " " << where << ": element " << i << " = "
                                           << got[i] << ", expected " << ref[i];
    }
  }
  return ::testing::AssertionSuccess();
}

// Forward, input gradient and kernel gradient of one geometry against the
// float64 reference. `loosen` scales the error bound for methods that round
// more than a plain dot product (Winograd).
::testing::AssertionResult check_conv(const KernelTable& kt, const ConvGeometry& g,
                                      std::mt19937& rng, double loosen = 1.0) {
  const std::string where = describe(g);
  GuardedFloats x = random_floats(g.x_size(), rng);
  GuardedFloats w = random_floats(g.w_size(), rng);
  GuardedFloats bias = random_floats(g.out_c, rng);
  GuardedFloats dy = random_floats(g.y_size(), rng);
  GuardedFloats y(static_cast<size_t>(g.y_size()));
  GuardedFloats dx(static_cast<size_t>(g.x_size()));
  GuardedFloats dw = random_floats(g.w_size(), rng);
  const bool accumulate = g.batch % 2 == 0;
  const std::vector<double> dw0 = widen(dw);

  lamina::conv2d_forward_f32(kt, g, x.data(), w.data(), bias.data(), y.data());
  lamina::conv2d_backward_data_f32(kt, g, dy.data(), w.data(), dx.data());
  lamina::conv2d_backward_weights_f32(kt, g, x.data(), dy.data(), dw.data(), accumulate);

  const auto xd = widen(x), wd = widen(w), bd = widen(bias), dyd = widen(dy);
  const auto xa = widen(x, true), wa = widen(w, true), ba = widen(bias, true),
             dya = widen(dy, true);
  std::vector<double> ref(y.size()), bound(y.size());
  lamina::conv2d_forward_f64_ref(g, xd.data(), wd.data(), bd.data(), ref.data());
  lamina::conv2d_forward_f64_ref(g, xa.data(), wa.data(), ba.data(), bound.data());
  const int64_t taps = g.kernel_h * g.kernel_w * g.in_c_per_group();
  auto r = close("forward", where, y, ref, bound, taps + 1, loosen);
  if (!r) return r;

  ref.assign(dx.size(), 0.0);
  bound.assign(dx.size(), 0.0);
  lamina::conv2d_backward_data_f64_ref(g, dyd.data(), wd.data(), ref.data());
  lamina::conv2d_backward_data_f64_ref(g, dya.data(), wa.data(), bound.data());
  r = close("backward_data", where, dx, ref, bound, g.kernel_h * g.kernel_w * g.out_c, loosen);
  if (!r) return r;

  ref = dw0;
  bound.assign(dw0.size(), 0.0);
  for (size_t i = 0; i < dw0.size(); ++i) bound[i] = std::fabs(dw0[i]);
  if (!accumulate) ref.assign(dw0.size(), 0.0), bound.assign(dw0.size(), 0.0);
  lamina::conv2d_backward_weights_f64_ref(g, xd.data(), dyd.data(), ref.data(), accumulate);
  lamina::conv2d_backward_weights_f64_ref(g, xa.data(), dya.data(), bound.data(), accumulate);
  return close("backward_weights", where, dw, ref, bound, g.batch * g.out_h() * g.out_w() + 1,
               loosen);
}

ConvGeometry base_conv() {
  ConvGeometry g;
  g.batch = 2;
  g.in_h = 6;
  g.in_w = 7;
  g.in_c = 5;
  g.out_c = 9;
  g.kernel_h = 3;
  g.kernel_w = 2;
  g.pad_top = 1;
  g.pad_left = 1;
  g.pad_bottom = 1;
  return g;
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) {
  return lamina::isa_name(info.param);
}

class ConvPoolTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    try {
      kt_ = &lamina::kernels_for(GetParam());
    } catch (const lamina::ValueError& e) {
      GTEST_SKIP() << e.what();
    }
  }
  const KernelTable& kt() const { return *kt_; }
  const KernelTable* kt_ = nullptr;
};

// Output channels across the GEMM's column tiles (16 / 32 wide) and the
// channel vectors of the direct kernels.
TEST_P(ConvPoolTest, ConvSweepOutputChannels) {
  std::mt19937 rng(1);
  for (int64_t oc = 1; oc <= 130; oc += 3) {
    ConvGeometry g = base_conv();
    g.out_c = oc;
    ASSERT_TRUE(check_conv(kt(), g, rng));
  }
}

TEST_P(ConvPoolTest, ConvSweepInputChannelsAndGroups) {
  std::mt19937 rng(2);
  for (int64_t ic = 1; ic <= 70; ic += 3) {
    for (int64_t groups : {1, 2, 3}) {
      ConvGeometry g = base_conv();
      g.in_c = ic * groups;
      g.out_c = 4 * groups;
      g.groups = groups;
      ASSERT_TRUE(check_conv(kt(), g, rng));
    }
  }
}

// Output rows (batch * out_h * out_w) across the GEMM's row tiles and the
// im2col blocks.
TEST_P(ConvPoolTest, ConvSweepSpatial) {
  std::mt19937 rng(3);
  for (int64_t w = 2; w <= 40; w += 3) {
    ConvGeometry g = base_conv();
    g.in_w = w;
    g.stride_w = w % 2 + 1;
    g.pad_right = w % 3 == 0 ? -1 : 1;
    if (g.out_w() < 1) continue;
    ASSERT_TRUE(check_conv(kt(), g, rng));
  }
}

TEST_P(ConvPoolTest, DepthwiseSweep) {
  std::mt19937 rng(4);
  for (int64_t c = 1; c <= 70; c += 3) {
    for (int64_t mult : {1, 3}) {
      ConvGeometry g = base_conv();
      g.in_c = c;
      g.groups = c;
      g.out_c = c * mult;
      g.stride_h = 2;
      g.dilation_w = 2;
      g.pad_right = 1;
      ASSERT_TRUE(check_conv(kt(), g, rng));
    }
  }
  // More taps than the one-multiplier kernels list (9 x 8 > 64): the general
  // loops; and a 3 x 3, stride 1 layer with 64+ channels, the common case.
  for (const auto& [kh, kw, in_hw, c] :
       {std::array<int64_t, 4>{9, 8, 11, 5}, std::array<int64_t, 4>{3, 3, 9, 70}}) {
    ConvGeometry g = base_conv();
    g.kernel_h = kh;
    g.kernel_w = kw;
    g.in_h = g.in_w = in_hw;
    g.in_c = g.groups = g.out_c = c;
    g.pad_right = 1;
    ASSERT_TRUE(check_conv(kt(), g, rng)) << kh << "x" << kw;
  }
}

TEST_P(ConvPoolTest, ConvRandomShapes) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int64_t> small(1, 4), size(1, 12), chans(1, 12);
  int checked = 0;
  for (int t = 0; t < 400 && checked < 60; ++t) {
    ConvGeometry g;
    g.batch = small(rng);
    g.in_h = size(rng);
    g.in_w = size(rng);
    g.groups = small(rng);
    g.in_c = chans(rng) * g.groups;
    g.out_c = chans(rng) * g.groups;
    g.kernel_h = small(rng);
    g.kernel_w = small(rng);
    g.stride_h = small(rng);
    g.stride_w = small(rng);
    g.dilation_h = small(rng) % 3 + 1;
    g.dilation_w = small(rng) % 3 + 1;
    g.pad_top = small(rng) - 1;
    g.pad_left = small(rng) - 1;
    g.pad_bottom = small(rng) - 2;
    g.pad_right = small(rng) - 2;
    if (g.out_h() < 1 || g.out_w() < 1) continue;
    ++checked;
    ASSERT_TRUE(check_conv(kt(), g, rng)) << "random case " << t;
  }
}

// Many rows: several im2col blocks and kernel-gradient partials.
TEST_P(ConvPoolTest, ConvManyRows) {
  std::mt19937 rng(6);
  ConvGeometry g;
  g.batch = 9;
  g.in_h = 15;
  g.in_w = 13;
  g.in_c = 7;
  g.out_c = 33;
  g.kernel_h = 3;
  g.kernel_w = 3;
  ASSERT_TRUE(check_conv(kt(), g, rng));
  g.kernel_h = g.kernel_w = 1;  // pointwise: the plain GEMM path
  ASSERT_TRUE(check_conv(kt(), g, rng));
}

// A 3x3 convolution of a one-channel image (direct kernels on AVX-512):
// positions inside the input and at every padded edge, strides 1 and 2,
// several 32-channel blocks.
TEST_P(ConvPoolTest, SingleChannelSweep) {
  std::mt19937 rng(10);
  for (int64_t size = 1; size <= 12; ++size) {
    for (int64_t pad = 0; pad <= 1; ++pad) {
      ConvGeometry g;
      g.batch = size % 3 + 1;
      g.in_h = size;
      g.in_w = size + 3;
      g.in_c = 1;
      g.out_c = 32 * (size % 3 + 1);
      g.kernel_h = g.kernel_w = 3;
      g.stride_h = g.stride_w = size % 2 + 1;
      g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = pad;
      if (g.out_h() < 1 || g.out_w() < 1) continue;
      ASSERT_TRUE(check_conv(kt(), g, rng));
    }
  }
}

// Winograd F(2x2, 3x3): 3x3, stride 1, one group, 16+ channels. Output sizes
// odd and even (tiles cut by the edge), every pad Keras can produce and a
// negative bottom/right pad (a transposed convolution's output_padding),
// channels across the vector widths, several tile blocks and gradient
// partials. Winograd's error is bounded normwise, not element by element (a
// kernel-gradient tap that sees only padding is a cancellation of nonzero
// products, not an exact zero); each value passes through transforms whose
// rows add up to 2 (B^T), 1.5 (G) and 3 (A^T) values in absolute terms per
// axis, so the bound is loosened by their product. A wrong tap or tile is off
// by far more.
TEST_P(ConvPoolTest, WinogradSweep) {
  std::mt19937 rng(8);
  for (int64_t size = 1; size <= 9; ++size) {
    for (int64_t pad = 0; pad <= 2; ++pad) {
      ConvGeometry g;
      g.batch = size % 3 + 1;
      g.in_h = size;
      g.in_w = size + 2;
      g.in_c = 16 + size % 4;
      g.out_c = 16 + 7 * (size % 3);
      g.kernel_h = g.kernel_w = 3;
      g.pad_top = g.pad_left = pad;
      g.pad_bottom = pad == 2 ? -1 : pad;
      g.pad_right = pad;
      if (g.out_h() < 1 || g.out_w() < 1) continue;
      ASSERT_TRUE(check_conv(kt(), g, rng, kWinograd));
    }
  }
  ConvGeometry big;  // the MNIST convnet's second convolution, a smaller batch
  big.batch = 5;
  big.in_h = big.in_w = 13;
  big.in_c = 32;
  big.out_c = 64;
  big.kernel_h = big.kernel_w = 3;
  ASSERT_TRUE(check_conv(kt(), big, rng, kWinograd));
  big.batch = 40;  // more tiles than one gradient block
  big.in_c = 40;
  big.out_c = 17;
  big.pad_top = big.pad_left = big.pad_bottom = big.pad_right = 1;
  ASSERT_TRUE(check_conv(kt(), big, rng, kWinograd));
}

// Under a 2x2 max pool the next layer reads 10 of 11 rows and columns
// (ConvGeometry::read_h / read_w): the forward pass gives the same bits there
// and zeros elsewhere, and the kernel gradient of a dy that is zero elsewhere
// (as the pool's gradient is) matches the reference.
TEST_P(ConvPoolTest, ReadRegionSkipsOnlyUnreadOutputs) {
  std::mt19937 rng(9);
  for (int64_t size : {13, 12}) {
    ConvGeometry g;
    g.batch = 3;
    g.in_h = size;
    g.in_w = size + 1;
    g.in_c = 16;
    g.out_c = 24;
    g.kernel_h = g.kernel_w = 3;
    GuardedFloats x = random_floats(g.x_size(), rng), w = random_floats(g.w_size(), rng);
    GuardedFloats bias = random_floats(g.out_c, rng), dy = random_floats(g.y_size(), rng);
    GuardedFloats full(static_cast<size_t>(g.y_size())), part(static_cast<size_t>(g.y_size()));
    lamina::conv2d_forward_f32(kt(), g, x.data(), w.data(), bias.data(), full.data());
    ConvGeometry r = g;
    r.read_h = g.out_h() - 1;
    r.read_w = g.out_w() - 1;
    lamina::conv2d_forward_f32(kt(), r, x.data(), w.data(), bias.data(), part.data());
    for (int64_t i = 0; i < g.y_size(); ++i) {
      const int64_t pos = i / g.out_c, oh = pos / g.out_w() % g.out_h(), ow = pos % g.out_w();
      const bool read = oh < r.read_h && ow < r.read_w;
      if (read) {
        ASSERT_EQ(full[i], part[i]) << describe(g) << " element " << i;
      } else if (oh >= (r.read_h + 1) / 2 * 2 || ow >= (r.read_w + 1) / 2 * 2) {
        ASSERT_EQ(0.0f, part[i]) << describe(g) << " element " << i;  // no tile covers it
      }
      if (!read) dy[i] = 0.0f;
    }
    GuardedFloats dw(static_cast<size_t>(g.w_size()));
    lamina::conv2d_backward_weights_f32(kt(), r, x.data(), dy.data(), dw.data(), false);
    std::vector<double> ref(dw.size()), bound(dw.size());
    const auto xd = widen(x), dyd = widen(dy), xa = widen(x, true), dya = widen(dy, true);
    lamina::conv2d_backward_weights_f64_ref(g, xd.data(), dyd.data(), ref.data(), false);
    lamina::conv2d_backward_weights_f64_ref(g, xa.data(), dya.data(), bound.data(), false);
    ASSERT_TRUE(close("backward_weights", describe(r), dw, ref, bound,
                      g.batch * g.out_h() * g.out_w(), kWinograd));
  }
  ConvGeometry bad;
  bad.read_h = 2;  // a 1x1 output
  EXPECT_THROW(bad.validate(), lamina::ValueError);
}

// The thread count never changes a bit of any result.
TEST_P(ConvPoolTest, ConvThreadCountDoesNotChangeResults) {
  lamina_test::ThreadCountScope scope;
  std::mt19937 rng(7);
  for (int variant = 0; variant < 5; ++variant) {
    ConvGeometry g;
    g.batch = 8;
    g.in_h = 14;
    g.in_w = 12;
    g.in_c = variant == 1 ? 6 : variant == 3 ? 24 : variant == 4 ? 1 : 8;  // 3: Winograd
    g.groups = variant == 1 ? 6 : 1;
    g.out_c = variant == 1 ? 12 : variant == 4 ? 32 : 24;  // 4: one input channel
    g.kernel_h = variant == 2 ? 1 : 3;
    g.kernel_w = variant == 2 ? 1 : 3;
    GuardedFloats x = random_floats(g.x_size(), rng), w = random_floats(g.w_size(), rng);
    GuardedFloats dy = random_floats(g.y_size(), rng);
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2}) {
      lamina::set_num_threads(threads);
      GuardedFloats y(static_cast<size_t>(g.y_size())), dx(static_cast<size_t>(g.x_size()));
      GuardedFloats dw(static_cast<size_t>(g.w_size()));
      lamina::conv2d_forward_f32(kt(), g, x.data(), w.data(), nullptr, y.data());
      lamina::conv2d_backward_data_f32(kt(), g, dy.data(), w.data(), dx.data());
      lamina::conv2d_backward_weights_f32(kt(), g, x.data(), dy.data(), dw.data(), false);
      std::vector<float> all = y.to_vector();
      all.insert(all.end(), dx.begin(), dx.end());
      all.insert(all.end(), dw.begin(), dw.end());
      results.push_back(all);
    }
    EXPECT_EQ(0, std::memcmp(results[0].data(), results[1].data(), results[0].size() * 4))
        << describe(g);
  }
}

// Windowed pooling: forward and backward of both kinds against the reference.
::testing::AssertionResult check_pool(const KernelTable& kt, const PoolGeometry& g,
                                      std::mt19937& rng) {
  const std::string where = describe(g);
  GuardedFloats x = random_floats(g.x_size(), rng);
  GuardedFloats dy = random_floats(g.y_size(), rng);
  GuardedFloats y(static_cast<size_t>(g.y_size())), dx(static_cast<size_t>(g.x_size()));
  const auto xd = widen(x), dyd = widen(dy), dya = widen(dy, true);
  std::vector<double> ref(y.size()), bound(y.size());
  const int64_t window = g.pool_h * g.pool_w;

  lamina::max_pool2d_forward_f32(kt, g, x.data(), y.data());
  lamina::max_pool2d_forward_f64_ref(g, xd.data(), ref.data());
  for (size_t i = 0; i < y.size(); ++i) {
    if (static_cast<double>(y[i]) != ref[i]) {
      return ::testing::AssertionFailure() << "max forward " << where << " element " << i;
    }
  }
  lamina::max_pool2d_backward_f32(kt, g, x.data(), dy.data(), dx.data());
  ref.assign(dx.size(), 0.0);
  bound.assign(dx.size(), 0.0);
  lamina::max_pool2d_backward_f64_ref(g, xd.data(), dyd.data(), ref.data());
  lamina::max_pool2d_backward_f64_ref(g, xd.data(), dya.data(), bound.data());
  auto r = close("max backward", where, dx, ref, bound, window);
  if (!r) return r;

  ref.assign(y.size(), 0.0);
  bound.assign(y.size(), 0.0);
  lamina::avg_pool2d_forward_f32(kt, g, x.data(), y.data());
  const auto xa = widen(x, true);
  lamina::avg_pool2d_forward_f64_ref(g, xd.data(), ref.data());
  lamina::avg_pool2d_forward_f64_ref(g, xa.data(), bound.data());
  r = close("avg forward", where, y, ref, bound, window + 1);
  if (!r) return r;
  lamina::avg_pool2d_backward_f32(kt, g, dy.data(), dx.data());
  ref.assign(dx.size(), 0.0);
  bound.assign(dx.size(), 0.0);
  lamina::avg_pool2d_backward_f64_ref(g, dyd.data(), ref.data());
  lamina::avg_pool2d_backward_f64_ref(g, dya.data(), bound.data());
  return close("avg backward", where, dx, ref, bound, window + 1);
}

PoolGeometry base_pool() {
  PoolGeometry g;
  g.batch = 2;
  g.in_h = 7;
  g.in_w = 8;
  g.channels = 5;
  g.pool_h = 3;
  g.pool_w = 2;
  g.stride_h = 2;
  g.stride_w = 2;
  g.pad_top = 1;
  g.pad_bottom = 1;
  return g;
}

TEST_P(ConvPoolTest, PoolSweepChannels) {
  std::mt19937 rng(8);
  for (int64_t c = 1; c <= 300; c += c < 70 ? 1 : 37) {
    PoolGeometry g = base_pool();
    g.channels = c;
    ASSERT_TRUE(check_pool(kt(), g, rng));
    // MaxPooling2D(2)'s own path, with a ragged last row and column.
    PoolGeometry two = base_pool();
    two.channels = c;
    two.pool_h = two.pool_w = two.stride_h = two.stride_w = 2;
    two.pad_top = two.pad_bottom = 0;
    two.in_h = 7;
    two.in_w = 9;
    ASSERT_TRUE(check_pool(kt(), two, rng));
  }
}

// Ties (zeros after a relu): every kernel routes a window's gradient to its
// first maximum.
TEST_P(ConvPoolTest, MaxPoolTiesGoToTheFirstMaximum) {
  for (int64_t pool : {2, 3}) {
    PoolGeometry g;
    g.batch = 2;
    g.in_h = g.in_w = 6;
    g.channels = 19;
    g.pool_h = g.pool_w = g.stride_h = g.stride_w = pool;
    GuardedFloats x(static_cast<size_t>(g.x_size())), dy(static_cast<size_t>(g.y_size()));
    x.fill(0.0f);
    dy.fill(1.0f);
    GuardedFloats dx(static_cast<size_t>(g.x_size()));
    lamina::max_pool2d_backward_f32(kt(), g, x.data(), dy.data(), dx.data());
    std::vector<double> xd(x.size(), 0.0), dyd(dy.size(), 1.0), ref(dx.size());
    lamina::max_pool2d_backward_f64_ref(g, xd.data(), dyd.data(), ref.data());
    for (size_t i = 0; i < dx.size(); ++i) ASSERT_EQ(static_cast<double>(dx[i]), ref[i]) << i;
  }
}

TEST_P(ConvPoolTest, PoolRandomShapes) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int64_t> small(1, 4), size(1, 12), chans(1, 40);
  int checked = 0;
  for (int t = 0; t < 400 && checked < 80; ++t) {
    PoolGeometry g;
    g.batch = small(rng);
    g.in_h = size(rng);
    g.in_w = size(rng);
    g.channels = chans(rng);
    g.pool_h = small(rng);
    g.pool_w = small(rng);
    g.stride_h = small(rng);
    g.stride_w = small(rng);
    g.pad_top = small(rng) % g.pool_h;
    g.pad_left = small(rng) % g.pool_w;
    g.pad_bottom = small(rng) % g.pool_h;
    g.pad_right = small(rng) % g.pool_w;
    if (g.out_h() < 1 || g.out_w() < 1) continue;
    ++checked;
    ASSERT_TRUE(check_pool(kt(), g, rng)) << "random case " << t;
  }
}

TEST_P(ConvPoolTest, PoolThreadCountDoesNotChangeResults) {
  lamina_test::ThreadCountScope scope;
  std::mt19937 rng(10);
  PoolGeometry g = base_pool();
  g.batch = 16;
  g.in_h = g.in_w = 26;
  g.channels = 32;
  GuardedFloats x = random_floats(g.x_size(), rng), dy = random_floats(g.y_size(), rng);
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2}) {
    lamina::set_num_threads(threads);
    GuardedFloats y(static_cast<size_t>(g.y_size())), dx(static_cast<size_t>(g.x_size()));
    std::vector<float> all;
    lamina::max_pool2d_forward_f32(kt(), g, x.data(), y.data());
    all.insert(all.end(), y.begin(), y.end());
    lamina::avg_pool2d_forward_f32(kt(), g, x.data(), y.data());
    all.insert(all.end(), y.begin(), y.end());
    lamina::max_pool2d_backward_f32(kt(), g, x.data(), dy.data(), dx.data());
    all.insert(all.end(), dx.begin(), dx.end());
    lamina::avg_pool2d_backward_f32(kt(), g, dy.data(), dx.data());
    all.insert(all.end(), dx.begin(), dx.end());
    results.push_back(all);
  }
  EXPECT_EQ(0, std::memcmp(results[0].data(), results[1].data(), results[0].size() * 4));
}

// MaxPooling2D(2) in training records each window's first maximum; its
// forward and its backward from those records equal the plain kernels bit
// for bit -- ties, zeros after a relu, negatives, NaN, ragged edges, the relu
// gate on and off.
TEST_P(ConvPoolTest, MaxPoolArgmaxPathMatchesThePlainKernels) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> pick(0, 5);
  for (int64_t c : {1, 3, 16, 17, 32, 33, 64, 70}) {
    for (bool gate : {false, true}) {
      PoolGeometry g;
      g.batch = 3;
      g.in_h = 7;
      g.in_w = 9;
      g.channels = c;
      g.pool_h = g.pool_w = g.stride_h = g.stride_w = 2;
      g.relu_gate = gate;
      ASSERT_TRUE(lamina::max_pool_tiled_2x2(g));
      GuardedFloats x = random_floats(g.x_size(), rng), dy = random_floats(g.y_size(), rng);
      for (size_t i = 0; i < x.size(); ++i) {
        const int kind = pick(rng);  // ties at 0 and 1, negatives, a NaN now and then
        if (kind == 0) x[i] = 0.0f;
        if (kind == 1) x[i] = 1.0f;
        if (kind == 2) x[i] = -std::fabs(x[i]);
        if (kind == 3 && i % 97 == 0) x[i] = std::numeric_limits<float>::quiet_NaN();
      }
      GuardedFloats y(static_cast<size_t>(g.y_size())), y2(static_cast<size_t>(g.y_size()));
      GuardedFloats dx(static_cast<size_t>(g.x_size())), dx2(static_cast<size_t>(g.x_size()));
      std::vector<uint8_t> argmax(static_cast<size_t>(g.y_size()));
      lamina::max_pool2d_forward_f32(kt(), g, x.data(), y.data());
      lamina::max_pool2d_forward_argmax_f32(kt(), g, x.data(), y2.data(), argmax.data());
      ASSERT_EQ(0, std::memcmp(y.data(), y2.data(), y.size() * 4)) << describe(g);
      lamina::max_pool2d_backward_f32(kt(), g, x.data(), dy.data(), dx.data());
      dx2.fill(-12345.0f);  // every element must be written
      lamina::max_pool2d_backward_argmax_f32(kt(), g, argmax.data(), dy.data(), dx2.data());
      ASSERT_EQ(0, std::memcmp(dx.data(), dx2.data(), dx.size() * 4)) << describe(g);
    }
  }
  PoolGeometry padded = base_pool();
  EXPECT_FALSE(lamina::max_pool_tiled_2x2(padded));
}

INSTANTIATE_TEST_SUITE_P(AllIsas, ConvPoolTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512), isa_param_name);

// Global pooling: channels across the forward kernels' 64- and 16-wide
// register blocks and their one-channel tail, on every ISA.
TEST_P(ConvPoolTest, GlobalPoolMatchesReference) {
  std::mt19937 rng(11);
  std::vector<int64_t> channels;
  for (int64_t c = 1; c <= 70; c += 3) channels.push_back(c);
  for (int64_t c : {80, 95, 128, 131, 145}) channels.push_back(c);
  for (int64_t c : channels) {
    for (int64_t s : {1, 5, 49}) {
      const int64_t b = 3;
      GuardedFloats x = random_floats(b * s * c, rng), dy = random_floats(b * c, rng);
      if (c % 2 == 0) x[0] = x[static_cast<size_t>(c * (s - 1))];  // a tie
      GuardedFloats y(static_cast<size_t>(b * c)), dx(static_cast<size_t>(b * s * c));
      const auto xd = widen(x), dyd = widen(dy);
      std::vector<double> ref(y.size()), dref(dx.size());
      kt().global_max_pool_forward(s, c, x.data(), y.data(), 0, b);
      lamina::global_max_pool_forward_f64_ref(b, s, c, xd.data(), ref.data());
      for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(static_cast<double>(y[i]), ref[i]);
      lamina::global_max_pool_backward_f32(b, s, c, x.data(), y.data(), dy.data(), dx.data());
      lamina::global_max_pool_backward_f64_ref(b, s, c, xd.data(), ref.data(), dyd.data(),
                                               dref.data());
      for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dref[i], 1e-6);
      kt().global_avg_pool_forward(s, c, x.data(), y.data(), 0, b);
      lamina::global_avg_pool_forward_f64_ref(b, s, c, xd.data(), ref.data());
      for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref[i], 1e-6 * (s + 1));
      kt().global_avg_pool_backward(s, c, dy.data(), dx.data(), 0, b);
      lamina::global_avg_pool_backward_f64_ref(b, s, c, dyd.data(), dref.data());
      for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dref[i], 1e-6);
    }
  }
}

TEST(ConvGeometry, KerasPaddingRules) {
  using lamina::Padding;
  auto same = lamina::conv_output_size(27, 2, 2, 1, Padding::kSame);
  EXPECT_EQ(same.size, 14);
  EXPECT_EQ(same.pad_before, 0);
  EXPECT_EQ(same.pad_after, 1);
  auto causal = lamina::conv_output_size(10, 3, 1, 2, Padding::kCausal);
  EXPECT_EQ(causal.size, 10);
  EXPECT_EQ(causal.pad_before, 4);
  auto t = lamina::conv_transpose_output_size(5, 3, 2, 1, Padding::kValid, -1);
  EXPECT_EQ(t.size, 11);
  EXPECT_EQ(t.pad_before, 0);
  EXPECT_EQ(t.pad_after, 0);
  EXPECT_THROW(lamina::conv_output_size(2, 3, 1, 1, Padding::kValid), lamina::ValueError);
  ConvGeometry g = base_conv();
  g.groups = 2;
  EXPECT_THROW(g.validate(), lamina::ValueError);
  PoolGeometry p = base_pool();
  p.pad_top = 3;
  EXPECT_THROW(p.validate(), lamina::ValueError);
}

}  // namespace
