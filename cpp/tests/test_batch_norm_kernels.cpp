// BatchNormalization's kernels (lamina/kernels/batch_norm.h) on every ISA the
// machine has, against float64 references computed here, with arrays that
// end against a guard page; the sums equal for any thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "guarded_buffer.h"
#include "lamina/cpu.h"
#include "lamina/errors.h"
#include "lamina/kernels.h"
#include "lamina/kernels/batch_norm.h"
#include "lamina/runtime.h"
#include "test_util.h"

namespace {

using lamina::Isa;
using lamina_test::GuardedFloats;
using lamina_test::ThreadCountScope;
using lamina_test::uniform;

class BatchNormIsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    saved_ = lamina::active_kernels().isa;
    try {
      lamina::kernels_for(GetParam());
    } catch (const lamina::ValueError& e) {
      GTEST_SKIP() << e.what();
    }
    lamina::set_active_isa(GetParam());
  }
  void TearDown() override { lamina::set_active_isa(saved_); }
  Isa saved_ = Isa::kScalar;
};

std::string isa_name(const ::testing::TestParamInfo<Isa>& info) {
  return lamina::isa_name(info.param);
}

struct Case {
  int64_t rows, channels;
};

// Channels across the 32- and 8-wide register blocks and the one-channel
// tail; rows across the 256-row sum blocks.
std::vector<Case> cases() {
  std::vector<Case> out;
  for (int64_t c : {1, 3, 8, 13, 32, 41, 64, 70}) {
    for (int64_t r : {1, 255, 256, 257, 700}) out.push_back({r, c});
  }
  return out;
}

// Data far from zero (mean 300, spread 1): the statistics must not cancel.
TEST_P(BatchNormIsaTest, StatisticsAndGradientSumsMatchFloat64) {
  std::mt19937 rng(21);
  for (const Case& k : cases()) {
    const int64_t R = k.rows, C = k.channels;
    const size_t n = static_cast<size_t>(R * C);
    std::vector<float> xv = uniform<float>(n, -1.0, 1.0, rng);
    for (float& v : xv) v += 300.0f;
    GuardedFloats x(xv, lamina_test::Place::kEnd);
    GuardedFloats dy(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
    std::vector<double> scratch(static_cast<size_t>(lamina::batch_norm_scratch_size(R, C)));
    std::vector<double> a(static_cast<size_t>(C)), b(static_cast<size_t>(C));
    const std::vector<float> shift(x.begin(), x.begin() + C);  // the first row
    lamina::batch_norm_channel_sums(x.data(), nullptr, shift.data(), nullptr, R, C, scratch.data(),
                                    a.data(), b.data());
    std::vector<float> mean(static_cast<size_t>(C)), inv_std(static_cast<size_t>(C));
    for (int64_t c = 0; c < C; ++c) {
      double m = 0.0, v = 0.0;
      for (int64_t r = 0; r < R; ++r) m += x[r * C + c];
      m /= static_cast<double>(R);
      for (int64_t r = 0; r < R; ++r) v += (x[r * C + c] - m) * (x[r * C + c] - m);
      v /= static_cast<double>(R);
      const size_t i = static_cast<size_t>(c);
      const double got_mean = shift[i] + a[i] / static_cast<double>(R);
      const double got_var = b[i] / static_cast<double>(R) -
                             (a[i] / static_cast<double>(R)) * (a[i] / static_cast<double>(R));
      ASSERT_NEAR(got_mean, m, 1e-6) << "rows=" << R << " channels=" << C;
      ASSERT_NEAR(got_var, v, 1e-5 * (v + 1e-3)) << "rows=" << R << " channels=" << C;
      mean[i] = static_cast<float>(m);
      inv_std[i] = static_cast<float>(1.0 / std::sqrt(v + 1e-3));
    }
    lamina::batch_norm_channel_sums(x.data(), dy.data(), mean.data(), inv_std.data(), R, C,
                                    scratch.data(), a.data(), b.data());
    for (int64_t c = 0; c < C; ++c) {
      double sa = 0.0, sb = 0.0;
      for (int64_t r = 0; r < R; ++r) {
        const double g = dy[r * C + c];
        sa += g;
        sb += g * (x[r * C + c] - static_cast<double>(mean[static_cast<size_t>(c)])) *
              inv_std[static_cast<size_t>(c)];
      }
      const double tol = 1e-6 * static_cast<double>(R);
      ASSERT_NEAR(a[static_cast<size_t>(c)], sa, tol) << "rows=" << R << " channels=" << C;
      ASSERT_NEAR(b[static_cast<size_t>(c)], sb, tol) << "rows=" << R << " channels=" << C;
    }
  }
}

TEST_P(BatchNormIsaTest, AffineAndInputGradientMatchFloat64) {
  std::mt19937 rng(22);
  for (const Case& k : cases()) {
    const int64_t R = k.rows, C = k.channels;
    const size_t n = static_cast<size_t>(R * C), nc = static_cast<size_t>(C);
    GuardedFloats x(uniform<float>(n, -3.0, 3.0, rng), lamina_test::Place::kEnd);
    GuardedFloats dy(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
    const std::vector<float> mul = uniform<float>(nc, 0.5, 2.0, rng);
    const std::vector<float> add = uniform<float>(nc, -1.0, 1.0, rng);
    const std::vector<float> mean = uniform<float>(nc, -0.5, 0.5, rng);
    const std::vector<float> inv_std = uniform<float>(nc, 0.5, 2.0, rng);
    const std::vector<float> mean_dy = uniform<float>(nc, -0.1, 0.1, rng);
    const std::vector<float> mean_dy_xhat = uniform<float>(nc, -0.1, 0.1, rng);
    GuardedFloats y(n, lamina_test::Place::kEnd), dx(n, lamina_test::Place::kEnd);
    lamina::batch_norm_affine(x.data(), mul.data(), add.data(), R, C, y.data());
    for (size_t i = 0; i < n; ++i) {
      const size_t c = i % nc;
      ASSERT_NEAR(y[i], static_cast<double>(x[i]) * mul[c] + add[c], 2e-6);
    }
    for (bool batch_stats : {true, false}) {
      lamina::batch_norm_input_grad(x.data(), dy.data(), mean.data(), inv_std.data(), mul.data(),
                                    batch_stats ? mean_dy.data() : nullptr, mean_dy_xhat.data(), R,
                                    C, dx.data());
      for (size_t i = 0; i < n; ++i) {
        const size_t c = i % nc;
        const double xhat = (static_cast<double>(x[i]) - mean[c]) * inv_std[c];
        const double want = batch_stats ? mul[c] * (dy[i] - mean_dy[c] - xhat * mean_dy_xhat[c])
                                        : static_cast<double>(dy[i]) * mul[c];
        ASSERT_NEAR(dx[i], want, 4e-6) << "rows=" << R << " channels=" << C;
      }
    }
  }
}

TEST_P(BatchNormIsaTest, SumsDoNotDependOnThreadCount) {
  ThreadCountScope scope;
  std::mt19937 rng(23);
  const int64_t R = 5000, C = 45;
  const size_t n = static_cast<size_t>(R * C);
  const std::vector<float> x = uniform<float>(n, -2.0, 5.0, rng);
  const std::vector<float> dy = uniform<float>(n, -1.0, 1.0, rng);
  const std::vector<float> mean = uniform<float>(static_cast<size_t>(C), 0.0, 2.0, rng);
  const std::vector<float> inv_std = uniform<float>(static_cast<size_t>(C), 0.5, 1.0, rng);
  std::vector<double> scratch(static_cast<size_t>(lamina::batch_norm_scratch_size(R, C)));
  auto run = [&](int threads, const float* g) {
    lamina::set_num_threads(threads);
    std::vector<double> ab(static_cast<size_t>(2 * C));
    lamina::batch_norm_channel_sums(x.data(), g, mean.data(), inv_std.data(), R, C, scratch.data(),
                                    ab.data(), ab.data() + C);
    return ab;
  };
  for (const float* g : {static_cast<const float*>(nullptr), dy.data()}) {
    const std::vector<double> one = run(1, g);
    for (int threads : {2, 3}) {
      const std::vector<double> many = run(threads, g);
      EXPECT_EQ(0, std::memcmp(one.data(), many.data(), one.size() * sizeof(double)))
          << "threads=" << threads;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, BatchNormIsaTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512), isa_name);

}  // namespace
