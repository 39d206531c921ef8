// The simple layer ops: bilinear upsampling against a double reference and
// TF's half-pixel rule, adjointness (backward is the transpose of forward) of
// every linear reshaping op, LayerNormalization against a double reference
// and finite differences, and thread-count independence.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "lamina/errors.h"
#include "lamina/ops/layer_norm.h"
#include "lamina/ops/noise.h"
#include "lamina/ops/reshaping.h"
#include "test_util.h"

namespace {

using lamina::Op;
using lamina::Shape;
using lamina::StepContext;

std::vector<float> run_forward(Op& op, const std::vector<float>& x, int64_t batch,
                               int64_t out_numel) {
  std::vector<float> y(static_cast<size_t>(batch * out_numel));
  op.reserve(batch);
  op.forward(x.data(), y.data(), batch, StepContext{});
  return y;
}

std::vector<float> run_backward(Op& op, const std::vector<float>& x, const std::vector<float>& y,
                                std::vector<float> dy, int64_t batch, int64_t in_numel) {
  std::vector<float> dx(static_cast<size_t>(batch * in_numel));
  op.backward(x.data(), y.data(), dy.data(), dx.data(), batch, StepContext{true, 1}, false);
  return dx;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * double(b[i]);
  return s;
}

// For a linear op F: <dy, F x> == <F^T dy, x>.
void expect_adjoint(Op& op, const Shape& in, int64_t batch) {
  std::mt19937 rng(7);
  const Shape out = op.build(in);
  const int64_t in_n = lamina::shape_numel(in), out_n = lamina::shape_numel(out);
  auto x = lamina_test::uniform<float>(static_cast<size_t>(batch * in_n), -1, 1, rng);
  auto dy = lamina_test::uniform<float>(static_cast<size_t>(batch * out_n), -1, 1, rng);
  auto y = run_forward(op, x, batch, out_n);
  auto dx = run_backward(op, x, y, dy, batch, in_n);
  EXPECT_NEAR(dot(dy, y), dot(dx, x), 1e-4 * (1.0 + std::abs(dot(dy, y)))) << op.kind();
}

// TF's resize_bilinear(half_pixel_centers=True) in double: source position
// (o + 0.5) / scale - 0.5, neighbours clamped to the edges.
double tf_bilinear(const std::vector<float>& img, int64_t h, int64_t w, int64_t c, int64_t ch,
                   int64_t oi, int64_t oj, int64_t sh, int64_t sw) {
  auto axis = [](int64_t o, int64_t n, int64_t s, int64_t* lo, int64_t* hi, double* f) {
    const double pos = (o + 0.5) / static_cast<double>(s) - 0.5;
    const double fl = std::floor(pos);
    *lo = std::max<int64_t>(0, static_cast<int64_t>(fl));
    *hi = std::min<int64_t>(n - 1, static_cast<int64_t>(std::ceil(pos)));
    *f = pos - fl;
  };
  int64_t t, b, l, r;
  double fy, fx;
  axis(oi, h, sh, &t, &b, &fy);
  axis(oj, w, sw, &l, &r, &fx);
  auto at = [&](int64_t i, int64_t j) {
    return double(img[static_cast<size_t>((i * w + j) * c + ch)]);
  };
  const double top = at(t, l) + (at(t, r) - at(t, l)) * fx;
  const double bot = at(b, l) + (at(b, r) - at(b, l)) * fx;
  return top + (bot - top) * fy;
}

TEST(UpSampling, BilinearMatchesHalfPixelReference) {
  std::mt19937 rng(1);
  const int64_t h = 3, w = 4, c = 2, sh = 2, sw = 3, batch = 2;
  auto op = lamina::make_upsampling_op("up", {2, false}, sh, sw, true);
  const Shape out = op->build({h, w, c});
  ASSERT_EQ(out, (Shape{h * sh, w * sw, c}));
  auto x = lamina_test::uniform<float>(static_cast<size_t>(batch * h * w * c), -2, 2, rng);
  auto y = run_forward(*op, x, batch, lamina::shape_numel(out));
  for (int64_t s = 0; s < batch; ++s) {
    std::vector<float> img(x.begin() + s * h * w * c, x.begin() + (s + 1) * h * w * c);
    for (int64_t i = 0; i < h * sh; ++i) {
      for (int64_t j = 0; j < w * sw; ++j) {
        for (int64_t ch = 0; ch < c; ++ch) {
          const float got = y[static_cast<size_t>(((s * h * sh + i) * w * sw + j) * c + ch)];
          EXPECT_NEAR(got, tf_bilinear(img, h, w, c, ch, i, j, sh, sw), 1e-5);
        }
      }
    }
  }
}

TEST(UpSampling, BilinearOneRowByTwo) {
  // [0, 4] upsampled by 2: half-pixel centres give 0, 1, 3, 4.
  auto op = lamina::make_upsampling_op("up", {2, false}, 1, 2, true);
  op->build({1, 2, 1});
  auto y = run_forward(*op, {0.0f, 4.0f}, 1, 4);
  EXPECT_EQ(y, (std::vector<float>{0.0f, 1.0f, 3.0f, 4.0f}));
}

TEST(UpSampling, ChannelsFirstIsTheTransposeOfChannelsLast) {
  std::mt19937 rng(2);
  const int64_t h = 3, w = 5, c = 3;
  for (bool bilinear : {false, true}) {
    auto last = lamina::make_upsampling_op("a", {2, false}, 2, 3, bilinear);
    auto first = lamina::make_upsampling_op("b", {2, true}, 2, 3, bilinear);
    last->build({h, w, c});
    first->build({c, h, w});
    auto x = lamina_test::uniform<float>(static_cast<size_t>(h * w * c), -1, 1, rng);
    std::vector<float> xt(x.size());
    for (int64_t i = 0; i < h * w; ++i) {
      for (int64_t k = 0; k < c; ++k)
        xt[static_cast<size_t>(k * h * w + i)] = x[static_cast<size_t>(i * c + k)];
    }
    const int64_t n = h * w * c * 6;
    auto y = run_forward(*last, x, 1, n);
    auto yt = run_forward(*first, xt, 1, n);
    for (int64_t i = 0; i < n / c; ++i) {
      for (int64_t k = 0; k < c; ++k) {
        EXPECT_FLOAT_EQ(y[static_cast<size_t>(i * c + k)], yt[static_cast<size_t>(k * n / c + i)]);
      }
    }
  }
}

TEST(ReshapingOps, BackwardIsTheAdjointOfForward) {
  const int64_t pad[4] = {1, 2, 0, 3};
  const int64_t crop[4] = {-1, 0, -2, -1};
  const int64_t pad1[4] = {2, 1, 0, 0};
  expect_adjoint(*lamina::make_pad_crop_op("p", "ZeroPadding2D", {2, false}, pad), {3, 4, 2}, 3);
  expect_adjoint(*lamina::make_pad_crop_op("p", "ZeroPadding2D", {2, true}, pad), {2, 3, 4}, 3);
  expect_adjoint(*lamina::make_pad_crop_op("c", "Cropping2D", {2, false}, crop), {5, 6, 2}, 2);
  expect_adjoint(*lamina::make_pad_crop_op("p", "ZeroPadding1D", {1, false}, pad1), {4, 3}, 2);
  expect_adjoint(*lamina::make_pad_crop_op("p", "ZeroPadding1D", {1, true}, pad1), {3, 4}, 2);
  for (bool bilinear : {false, true}) {
    expect_adjoint(*lamina::make_upsampling_op("u", {2, false}, 3, 2, bilinear), {3, 4, 2}, 2);
    expect_adjoint(*lamina::make_upsampling_op("u", {2, true}, 2, 4, bilinear), {2, 3, 5}, 2);
  }
  expect_adjoint(*lamina::make_upsampling_op("u", {1, false}, 3, 1, false), {4, 3}, 2);
  expect_adjoint(*lamina::make_permute_op("t", {3, 1, 2}), {2, 3, 4}, 3);
  expect_adjoint(*lamina::make_repeat_vector_op("r", 4), {5}, 3);
}

TEST(ReshapingOps, BadShapesThrowValueError) {
  auto reshape = lamina::make_reshape_op("r", {5, 2});
  EXPECT_THROW(reshape->build({4, 3}), lamina::ValueError);
  const int64_t crop[4] = {-2, -2, 0, 0};
  auto cropping = lamina::make_pad_crop_op("c", "Cropping2D", {2, false}, crop);
  EXPECT_THROW(cropping->build({4, 3, 1}), lamina::ValueError);
  auto up = lamina::make_upsampling_op("u", {2, false}, 2, 2, false);
  EXPECT_THROW(up->build({4, 3}), lamina::ValueError);
}

// LayerNormalization in double, [rows, n, inner] layout.
std::vector<double> layer_norm_reference(const std::vector<float>& x, int64_t rows, int64_t n,
                                         int64_t inner, const std::vector<float>& gamma,
                                         const std::vector<float>& beta, double eps, bool rms) {
  std::vector<double> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < inner; ++c) {
      auto at = [&](int64_t i) { return static_cast<size_t>((r * n + i) * inner + c); };
      double m = 0.0, v = 0.0;
      for (int64_t i = 0; i < n; ++i) m += x[at(i)];
      m /= static_cast<double>(n);
      for (int64_t i = 0; i < n; ++i) v += (x[at(i)] - m) * (x[at(i)] - m);
      v /= static_cast<double>(n);
      for (int64_t i = 0; i < n; ++i) {
        double out = ((rms ? double(x[at(i)]) : x[at(i)] - m)) / std::sqrt(v + eps);
        out *= gamma[static_cast<size_t>(i)];
        if (!rms) out += beta[static_cast<size_t>(i)];
        y[at(i)] = out;
      }
    }
  }
  return y;
}

struct LayerNormCase {
  int64_t rows, n, inner;
  bool rms;
};

TEST(LayerNorm, ForwardMatchesReferenceAndBackwardMatchesFiniteDifferences) {
  std::mt19937 rng(3);
  for (const LayerNormCase& k : {LayerNormCase{4, 7, 1, false}, LayerNormCase{3, 5, 3, false},
                                 LayerNormCase{2, 6, 1, true}, LayerNormCase{2, 4, 2, true}}) {
    const size_t size = static_cast<size_t>(k.rows * k.n * k.inner);
    auto x = lamina_test::uniform<float>(size, -2, 3, rng);
    auto gamma = lamina_test::uniform<float>(static_cast<size_t>(k.n), 0.5, 1.5, rng);
    auto beta = lamina_test::uniform<float>(static_cast<size_t>(k.n), -1, 1, rng);
    auto w = lamina_test::uniform<float>(size, -1, 1, rng);  // loss = sum(w * y)
    const double eps = 1e-3;
    const float* b = k.rms ? nullptr : beta.data();
    std::vector<float> y(size), mean(size), rstd(size), dx(size), terms(size);
    lamina::layer_norm_forward(x.data(), y.data(), k.rows, k.n, k.inner, gamma.data(), b, eps,
                               k.rms, mean.data(), rstd.data());
    auto ref = layer_norm_reference(x, k.rows, k.n, k.inner, gamma, beta, eps, k.rms);
    for (size_t i = 0; i < size; ++i) EXPECT_NEAR(y[i], ref[i], 1e-5 * (1 + std::abs(ref[i])));
    lamina::layer_norm_backward(x.data(), w.data(), dx.data(), k.rows, k.n, k.inner, gamma.data(),
                                k.rms, mean.data(), rstd.data(), terms.data());
    auto loss = [&](const std::vector<float>& xs, const std::vector<float>& g) {
      auto out = layer_norm_reference(xs, k.rows, k.n, k.inner, g, beta, eps, k.rms);
      double s = 0.0;
      for (size_t i = 0; i < size; ++i) s += w[i] * out[i];
      return s;
    };
    const double h = 1e-3;
    for (size_t i = 0; i < size; ++i) {
      auto xp = x, xm = x;
      xp[i] += static_cast<float>(h);
      xm[i] -= static_cast<float>(h);
      const double numeric = (loss(xp, gamma) - loss(xm, gamma)) / (double(xp[i]) - double(xm[i]));
      EXPECT_NEAR(dx[i], numeric, 2e-3 * (1 + std::abs(numeric))) << "dx[" << i << "]";
    }
    for (int64_t j = 0; j < k.n; ++j) {  // dgamma = sum of terms over rows and inner
      double analytic = 0.0;
      for (int64_t r = 0; r < k.rows; ++r) {
        for (int64_t c = 0; c < k.inner; ++c)
          analytic += terms[static_cast<size_t>((r * k.n + j) * k.inner + c)];
      }
      auto gp = gamma, gm = gamma;
      gp[static_cast<size_t>(j)] += static_cast<float>(h);
      gm[static_cast<size_t>(j)] -= static_cast<float>(h);
      const double numeric = (loss(x, gp) - loss(x, gm)) / (double(gp[static_cast<size_t>(j)]) -
                                                            double(gm[static_cast<size_t>(j)]));
      EXPECT_NEAR(analytic, numeric, 2e-3 * (1 + std::abs(numeric))) << "dgamma[" << j << "]";
    }
  }
}

TEST(LayerNorm, OpResultsDoNotDependOnThreadCount) {
  lamina_test::ThreadCountScope scope;
  std::mt19937 rng(4);
  const int64_t batch = 64, t = 33, c = 40;
  auto x = lamina_test::uniform<float>(static_cast<size_t>(batch * t * c), -1, 1, rng);
  auto dy = lamina_test::uniform<float>(x.size(), -1, 1, rng);
  std::vector<float> gamma(static_cast<size_t>(t), 1.5f), beta(static_cast<size_t>(t), 0.25f);
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 3}) {
    lamina::set_num_threads(threads);
    lamina::LayerNormSpec spec;
    spec.axis_begin = 0;  // normalise over t, per channel: inner = c
    spec.norm_shape = {t};
    auto op = lamina::make_layer_norm_op("ln", spec);
    op->params()[0].value = gamma.data();
    op->params()[1].value = beta.data();
    op->build({t, c});
    auto y = run_forward(*op, x, batch, t * c);
    auto dx = run_backward(*op, x, y, dy, batch, t * c);
    std::vector<float> all = y;
    all.insert(all.end(), dx.begin(), dx.end());
    for (auto& p : op->params()) all.insert(all.end(), p.grad.data(), p.grad.data() + p.size);
    results.push_back(all);
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
}

TEST(Noise, BulkNormalsMatchTheLibmReference) {
  // Any start (odd ones split a Box-Muller pair) and lengths across blocks.
  for (uint64_t first : {uint64_t{0}, uint64_t{1}, uint64_t{1023}, uint64_t{5000}}) {
    for (int64_t n : {int64_t{1}, int64_t{2}, int64_t{1025}, int64_t{3000}}) {
      std::vector<float> z(static_cast<size_t>(n));
      lamina::counter_normal_fill(42, 7, first, n, z.data());
      for (int64_t i = 0; i < n; ++i) {
        const float ref = lamina::counter_normal(42, 7, first + static_cast<uint64_t>(i));
        ASSERT_NEAR(z[static_cast<size_t>(i)], ref, 1e-5f) << "element " << first + i;
      }
    }
  }
}

TEST(Noise, NormalMomentsAndTails) {
  const int64_t n = 1 << 20;
  std::vector<float> z(static_cast<size_t>(n));
  lamina::counter_normal_fill(3, 1, 0, n, z.data());
  double s1 = 0, s2 = 0, s4 = 0;
  int64_t beyond3 = 0;
  for (float v : z) {
    s1 += v;
    s2 += double(v) * v;
    s4 += double(v) * v * v * v;
    beyond3 += std::abs(v) > 3.0f;
  }
  EXPECT_NEAR(s1 / n, 0.0, 5.0 / std::sqrt(double(n)));
  EXPECT_NEAR(s2 / n, 1.0, 0.005);
  EXPECT_NEAR(s4 / n, 3.0, 0.05);  // Gaussian kurtosis
  EXPECT_NEAR(double(beyond3) / n, 0.0027, 0.0004);
}

}  // namespace
