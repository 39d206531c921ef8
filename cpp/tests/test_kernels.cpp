// CPU detection and dropout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "guarded_buffer.h"
#include "lamina/cpu.h"
#include "lamina/errors.h"
#include "lamina/kernels.h"
#include "lamina/runtime.h"
#include "test_util.h"

namespace {

using lamina::Activation;
using lamina::Isa;
using lamina_test::GuardedBuffer;
using lamina_test::GuardedFloats;
using lamina_test::ThreadCountScope;
using lamina_test::uniform;
using lamina_test::widen;

// ---------------------------------------------------------------------------
// CPU detection

// check_cpp.sh runs this binary under `qemu-x86_64 -cpu Haswell` with
// LAMINA_EXPECT_ISA=avx2, proving detection picks AVX2 there (so the AVX-512
// paths are really excluded from what that run exercises).
TEST(Cpu, ReportsExpectedIsa) {
  const lamina::CpuInfo info = lamina::detect_cpu();
  std::printf("[   INFO   ] cpu best=%s active=%s avx2_fma=%d avx512=%d cores=%d threads=%d\n",
              lamina::isa_name(info.best), lamina::isa_name(info.active), info.has_avx2_fma,
              info.has_avx512, info.logical_cores, lamina::num_threads());
  EXPECT_LE(static_cast<int>(info.active), static_cast<int>(info.best));
  EXPECT_EQ(lamina::active_kernels().isa, info.active);
  if (const char* want = std::getenv("LAMINA_EXPECT_ISA")) {
    EXPECT_STREQ(lamina::isa_name(info.best), want);
    EXPECT_STREQ(lamina::isa_name(lamina::active_kernels().isa), want);
  }
  // Every ISA up to the best one has a table; the ones above it refuse.
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (static_cast<int>(isa) <= static_cast<int>(info.best)) {
      EXPECT_EQ(lamina::kernels_for(isa).isa, isa);
    } else {
      EXPECT_THROW(lamina::kernels_for(isa), lamina::ValueError);
    }
  }
}

TEST(Cpu, ParseIsa) {
  EXPECT_EQ(lamina::parse_isa("scalar"), Isa::kScalar);
  EXPECT_EQ(lamina::parse_isa("avx2"), Isa::kAvx2);
  EXPECT_EQ(lamina::parse_isa("avx512"), Isa::kAvx512);
  EXPECT_THROW(lamina::parse_isa("sse4"), lamina::ValueError);
}

// ---------------------------------------------------------------------------
// Dropout

TEST(Dropout, KeepsOneMinusRateAndScales) {
  const int64_t n = 200003;  // odd, and large enough to split across threads
  std::mt19937 rng(31);
  GuardedFloats x(uniform<float>(n, 0.5, 1.5, rng), lamina_test::Place::kEnd);
  for (float rate : {0.1f, 0.3f, 0.5f, 0.8f}) {
    GuardedFloats y(n);
    lamina::dropout_forward(x.data(), y.data(), n, rate, 42, 7);
    const float scale = 1.0f / (1.0f - rate);
    int64_t kept = 0;
    double sum_x = 0.0, sum_y = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const bool keep = lamina::counter_uniform(42, 7, static_cast<uint64_t>(i)) >= rate;
      if (y[i] != 0.0f) {
        ++kept;
        ASSERT_TRUE(keep) << i;
        ASSERT_FLOAT_EQ(y[i], x[i] * scale) << i;
      } else {
        ASSERT_FALSE(keep) << i;
      }
      sum_x += x[i];
      sum_y += y[i];
    }
    const double frac = static_cast<double>(kept) / static_cast<double>(n);
    // sigma of the kept fraction is sqrt(rate (1 - rate) / n) < 0.0012.
    EXPECT_NEAR(frac, 1.0 - rate, 0.006) << "rate " << rate;
    EXPECT_NEAR(sum_y / sum_x, 1.0, 0.02) << "inverted dropout keeps the mean, rate " << rate;
  }
}

TEST(Dropout, BackwardUsesTheForwardMask) {
  const int64_t n = 70001;
  std::mt19937 rng(32);
  GuardedFloats x(uniform<float>(n, 0.5, 1.5, rng), lamina_test::Place::kEnd);
  GuardedFloats dy(uniform<float>(n, 0.5, 1.5, rng), lamina_test::Place::kEnd);
  GuardedFloats y(n), dx(n), y_other_step(n);
  const float rate = 0.4f, scale = 1.0f / (1.0f - rate);
  lamina::dropout_forward(x.data(), y.data(), n, rate, 9, 3);
  lamina::dropout_backward(dy.data(), dx.data(), n, rate, 9, 3);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(y[i] != 0.0f, dx[i] != 0.0f) << i;
    if (dx[i] != 0.0f) {
      ASSERT_FLOAT_EQ(dx[i], dy[i] * scale);
    }
  }
  // Another step draws another mask: agreement near rate^2 + (1-rate)^2 = 0.52.
  lamina::dropout_forward(x.data(), y_other_step.data(), n, rate, 9, 4);
  int64_t same = 0;
  for (int64_t i = 0; i < n; ++i) same += (y[i] != 0.0f) == (y_other_step[i] != 0.0f) ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(same) / n, 0.52, 0.02);
}

// Every ISA's dropout kernel gives the scalar kernel's bits, for every length
// across the vector widths (tails end against a guard page) and in place.
TEST(Dropout, EveryIsaMatchesTheScalarKernel) {
  const lamina::KernelTable& scalar = lamina::kernels_for(Isa::kScalar);
  std::mt19937 rng(34);
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    const lamina::KernelTable* kt = nullptr;
    try {
      kt = &lamina::kernels_for(isa);
    } catch (const lamina::ValueError&) {
      continue;  // this CPU lacks the ISA
    }
    for (int64_t n = 1; n <= 130; ++n) {
      GuardedFloats x(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
      GuardedFloats want(n), got(n), in_place(x.to_vector(), lamina_test::Place::kEnd);
      const uint32_t base = static_cast<uint32_t>(rng()), threshold = 1u << 23;
      scalar.dropout_chunk(x.data(), want.data(), n, 0x1234567u, 0x89abcdefu, base, threshold,
                           2.0f);
      kt->dropout_chunk(x.data(), got.data(), n, 0x1234567u, 0x89abcdefu, base, threshold, 2.0f);
      kt->dropout_chunk(in_place.data(), in_place.data(), n, 0x1234567u, 0x89abcdefu, base,
                        threshold, 2.0f);
      ASSERT_EQ(0, std::memcmp(want.data(), got.data(), sizeof(float) * n)) << n;
      ASSERT_EQ(0, std::memcmp(want.data(), in_place.data(), sizeof(float) * n)) << n;
    }
  }
}

TEST(Dropout, ZeroRateIsIdentity) {
  const float x[] = {1.0f, -2.0f, 3.5f};
  float y[3];
  lamina::dropout_forward(x, y, 3, 0.0f, 1, 1);
  EXPECT_EQ(0, std::memcmp(x, y, sizeof(x)));
}

TEST(Dropout, SameResultsForOneAndTwoThreads) {
  ThreadCountScope restore;
  const int64_t n = 300007;
  std::mt19937 rng(33);
  GuardedFloats x(uniform<float>(n, -1.0, 1.0, rng), lamina_test::Place::kEnd);
  std::vector<std::vector<float>> fwd, bwd;
  for (int threads : {1, 2}) {
    lamina::set_num_threads(threads);
    GuardedFloats y(n), dx(n);
    lamina::dropout_forward(x.data(), y.data(), n, 0.25f, 1234, 99);
    lamina::dropout_backward(x.data(), dx.data(), n, 0.25f, 1234, 99);
    fwd.push_back(y.to_vector());
    bwd.push_back(dx.to_vector());
  }
  EXPECT_EQ(0, std::memcmp(fwd[0].data(), fwd[1].data(), n * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(bwd[0].data(), bwd[1].data(), n * sizeof(float)));
}

TEST(Dropout, CounterUniformIsInUnitInterval) {
  double sum = 0.0;
  for (uint64_t i = 0; i < 10000; ++i) {
    const float u = lamina::counter_uniform(5, 6, i);
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
  EXPECT_EQ(lamina::counter_uniform(5, 6, 17), lamina::counter_uniform(5, 6, 17));
  EXPECT_NE(lamina::counter_uniform(5, 6, 17), lamina::counter_uniform(5, 7, 17));
}

}  // namespace
