// Optimizer update kernels on every ISA against the Keras 3 formulas.
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
// Optimizer updates, per ISA, against Keras 3's formulas in float64.

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) {
  return lamina::isa_name(info.param);
}

class OptimizerTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    try {
      kt_ = &lamina::kernels_for(GetParam());
    } catch (const lamina::ValueError& e) {
      GTEST_SKIP() << e.what();
    }
  }
  const lamina::KernelTable* kt_ = nullptr;
};

TEST_P(OptimizerTest, AdamMatchesKerasFormula) {
  std::mt19937 rng(41);
  const double lr = 0.003, b1 = 0.9, b2 = 0.999, eps = 1e-7;
  for (int64_t n = 1; n <= 70; ++n) {
    const size_t sz = static_cast<size_t>(n);
    GuardedFloats w(uniform<float>(sz, -1.0, 1.0, rng), lamina_test::Place::kEnd);
    GuardedFloats m(uniform<float>(sz, -0.1, 0.1, rng), lamina_test::Place::kEnd);
    GuardedFloats v(uniform<float>(sz, 1e-3, 0.1, rng), lamina_test::Place::kEnd);
    std::vector<double> wd = widen(w.to_vector()), md = widen(m.to_vector()),
                        vd = widen(v.to_vector());
    for (int t = 1; t <= 3; ++t) {
      GuardedFloats g(uniform<float>(sz, -1.0, 1.0, rng), lamina_test::Place::kEnd);
      const double alpha = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
      for (size_t i = 0; i < sz; ++i) {
        md[i] += (g[i] - md[i]) * (1 - b1);
        vd[i] += (static_cast<double>(g[i]) * g[i] - vd[i]) * (1 - b2);
        wd[i] -= alpha * md[i] / (std::sqrt(vd[i]) + eps);
      }
      kt_->adam_update(w.data(), g.data(), m.data(), v.data(), n, static_cast<float>(alpha),
                       static_cast<float>(b1), static_cast<float>(b2), static_cast<float>(eps));
      for (size_t i = 0; i < sz; ++i) {
        ASSERT_NEAR(m[i], md[i], 1e-6 * (1 + std::fabs(md[i]))) << "n=" << n << " i=" << i;
        ASSERT_NEAR(v[i], vd[i], 1e-6 * (1 + std::fabs(vd[i]))) << "n=" << n << " i=" << i;
        ASSERT_NEAR(w[i], wd[i], 2e-6) << "n=" << n << " i=" << i << " t=" << t;
      }
    }
  }
}

TEST_P(OptimizerTest, SgdMatchesKerasFormula) {
  std::mt19937 rng(42);
  const double lr = 0.05;
  for (int mode = 0; mode < 3; ++mode) {  // plain, momentum, Nesterov
    const double mu = mode == 0 ? 0.0 : 0.9;
    const bool nesterov = mode == 2;
    for (int64_t n = 1; n <= 70; ++n) {
      const size_t sz = static_cast<size_t>(n);
      GuardedFloats w(uniform<float>(sz, -1.0, 1.0, rng), lamina_test::Place::kEnd);
      GuardedFloats m(uniform<float>(sz, -0.1, 0.1, rng), lamina_test::Place::kEnd);
      std::vector<double> wd = widen(w.to_vector()), md = widen(m.to_vector());
      for (int t = 1; t <= 3; ++t) {
        GuardedFloats g(uniform<float>(sz, -1.0, 1.0, rng), lamina_test::Place::kEnd);
        for (size_t i = 0; i < sz; ++i) {
          if (mode == 0) {
            wd[i] -= lr * g[i];
            continue;
          }
          md[i] = mu * md[i] - lr * g[i];
          wd[i] += nesterov ? mu * md[i] - lr * g[i] : md[i];
        }
        // Without momentum the slot is unused and may be null.
        kt_->sgd_update(w.data(), g.data(), mode == 0 ? nullptr : m.data(), n,
                        static_cast<float>(lr), static_cast<float>(mu), nesterov);
        for (size_t i = 0; i < sz; ++i) {
          ASSERT_NEAR(w[i], wd[i], 1e-6) << "mode=" << mode << " n=" << n << " i=" << i;
          ASSERT_NEAR(m[i], md[i], 1e-6) << "mode=" << mode << " n=" << n << " i=" << i;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, OptimizerTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
