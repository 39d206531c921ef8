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

// The remaining update kernels: three steps on n = 1..70 elements (every
// SIMD tail) in guarded buffers, against float64 references of Keras 3's
// update_step. `ref` updates (w, slots) in double for one element.
using RefStep = std::function<void(double g, double& w, std::vector<double>& s)>;
using KernelCall = std::function<void(float* w, const float* g, std::vector<float*>& s, int64_t n)>;

void check_kernel(const char* what, int slots, double slot_lo, double slot_hi,
                  const KernelCall& call, const RefStep& ref, double tol) {
  std::mt19937 rng(43);
  for (int64_t n = 1; n <= 70; ++n) {
    const size_t sz = static_cast<size_t>(n);
    GuardedFloats w(uniform<float>(sz, -1.0, 1.0, rng), lamina_test::Place::kEnd);
    std::vector<GuardedFloats> st;
    for (int k = 0; k < slots; ++k) {
      st.emplace_back(uniform<float>(sz, slot_lo, slot_hi, rng), lamina_test::Place::kEnd);
    }
    std::vector<double> wd = widen(w.to_vector());
    std::vector<std::vector<double>> sd;
    for (auto& s : st) sd.push_back(widen(s.to_vector()));
    for (int t = 1; t <= 3; ++t) {
      GuardedFloats g(uniform<float>(sz, -1.0, 1.0, rng), lamina_test::Place::kEnd);
      for (size_t i = 0; i < sz; ++i) {
        std::vector<double> si;
        for (auto& s : sd) si.push_back(s[i]);
        ref(g[i], wd[i], si);
        for (size_t k = 0; k < sd.size(); ++k) sd[k][i] = si[k];
      }
      std::vector<float*> ptrs;
      for (auto& s : st) ptrs.push_back(s.data());
      call(w.data(), g.data(), ptrs, n);
      for (size_t i = 0; i < sz; ++i) {
        ASSERT_NEAR(w[i], wd[i], tol * (1 + std::fabs(wd[i])))
            << what << " n=" << n << " i=" << i << " t=" << t;
        for (size_t k = 0; k < sd.size(); ++k) {
          ASSERT_NEAR(st[k][i], sd[k][i], tol * (1 + std::fabs(sd[k][i])))
              << what << " slot " << k << " n=" << n << " i=" << i;
        }
      }
    }
  }
}

TEST_P(OptimizerTest, AmsgradMatchesKerasFormula) {
  const double alpha = 0.002, b1 = 0.9, b2 = 0.999, eps = 1e-7;
  check_kernel(
      "amsgrad", 3, 1e-3, 0.1,
      [&](float* w, const float* g, std::vector<float*>& s, int64_t n) {
        kt_->adam_amsgrad_update(w, g, s[0], s[1], s[2], n, alpha, b1, b2, eps);
      },
      [&](double g, double& w, std::vector<double>& s) {
        s[0] += (g - s[0]) * (1 - b1);
        s[1] += (g * g - s[1]) * (1 - b2);
        s[2] = std::max(s[2], s[1]);
        w -= alpha * s[0] / (std::sqrt(s[2]) + eps);
      },
      2e-6);
}

TEST_P(OptimizerTest, AdamaxMatchesKerasFormula) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7, c = 1 - 0.9 * 0.9;
  check_kernel(
      "adamax", 2, 0.01, 0.5,
      [&](float* w, const float* g, std::vector<float*>& s, int64_t n) {
        kt_->adamax_update(w, g, s[0], s[1], n, lr, b1, b2, eps, c);
      },
      [&](double g, double& w, std::vector<double>& s) {
        s[0] += (g - s[0]) * (1 - b1);
        s[1] = std::max(b2 * s[1], std::fabs(g));
        w -= lr * s[0] / (c * (s[1] + eps));
      },
      2e-6);
}

TEST_P(OptimizerTest, NadamMatchesKerasFormula) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7, ms = 1.7, gs = 0.4, vs = 30.0;
  check_kernel(
      "nadam", 2, 1e-3, 0.1,
      [&](float* w, const float* g, std::vector<float*>& s, int64_t n) {
        kt_->nadam_update(w, g, s[0], s[1], n, lr, b1, b2, eps, ms, gs, vs);
      },
      [&](double g, double& w, std::vector<double>& s) {
        s[0] += (g - s[0]) * (1 - b1);
        s[1] += (g * g - s[1]) * (1 - b2);
        w -= lr * (ms * s[0] + gs * g) / (std::sqrt(s[1] * vs) + eps);
      },
      2e-6);
}

TEST_P(OptimizerTest, RmspropMatchesKerasFormulaInEveryMode) {
  const double lr = 0.01, rho = 0.9, mu = 0.5, eps = 1e-7;
  for (int mode = 0; mode < 4; ++mode) {
    const bool momentum = (mode & 1) != 0, centered = (mode & 2) != 0;
    check_kernel(
        "rmsprop", 3, 0.02, 0.1,
        [&](float* w, const float* g, std::vector<float*>& s, int64_t n) {
          kt_->rmsprop_update(w, g, s[0], momentum ? s[1] : nullptr, centered ? s[2] : nullptr, n,
                              lr, rho, momentum ? mu : 0.0, eps);
        },
        [&](double g, double& w, std::vector<double>& s) {
          s[0] = rho * s[0] + (1 - rho) * g * g;
          double d = s[0] + eps;
          if (centered) {
            s[2] = rho * s[2] + (1 - rho) * g;
            d = s[0] - s[2] * s[2] + eps;
          }
          const double inc = lr * g / std::sqrt(d);
          if (momentum) {
            s[1] = mu * s[1] + inc;
            w -= s[1];
          } else {
            w -= inc;
          }
        },
        2e-5);
  }
}

TEST_P(OptimizerTest, AdagradAdadeltaFtrlLionMatchKerasFormulas) {
  const double lr = 0.05, eps = 1e-7, rho = 0.95;
  check_kernel(
      "adagrad", 1, 0.1, 0.5,
      [&](float* w, const float* g, std::vector<float*>& s, int64_t n) {
        kt_->adagrad_update(w, g, s[0], n, lr, eps);
      },
      [&](double g, double& w, std::vector<double>& s) {
        s[0] += g * g;
        w -= lr * g / std::sqrt(s[0] + eps);
      },
      2e-6);
  check_kernel(
      "adadelta", 2, 0.0, 0.1,
      [&](float* w, const float* g, std::vector<float*>& s, int64_t n) {
        kt_->adadelta_update(w, g, s[0], s[1], n, 1.0, rho, eps);
      },
      [&](double g, double& w, std::vector<double>& s) {
        s[0] = rho * s[0] + (1 - rho) * g * g;
        const double d = -std::sqrt(s[1] + eps) * g / std::sqrt(s[0] + eps);
        s[1] = rho * s[1] + (1 - rho) * d * d;
        w += d;
      },
      2e-5);
  for (double power : {-0.5, -0.7}) {
    const double l1 = 0.01, l2 = 0.02, shrink = 0.03;
    check_kernel(
        "ftrl", 2, 0.1, 0.2,
        [&](float* w, const float* g, std::vector<float*>& s, int64_t n) {
          kt_->ftrl_update(w, g, s[0], s[1], n, lr, power, l1, l2, shrink);
        },
        [&](double g, double& w, std::vector<double>& s) {
          const double na = s[0] + g * g;
          s[1] += g + 2 * shrink * w - (std::pow(na, -power) - std::pow(s[0], -power)) / lr * w;
          const double q = std::pow(na, -power) / lr + 2 * l2;
          w = (std::clamp(s[1], -l1, l1) - s[1]) / q;
          s[0] = na;
        },
        2e-5);
  }
  check_kernel(
      "lion", 1, -0.1, 0.1,
      [&](float* w, const float* g, std::vector<float*>& s, int64_t n) {
        kt_->lion_update(w, g, s[0], n, lr, 0.9, 0.99);
      },
      [&](double g, double& w, std::vector<double>& s) {
        const double c = 0.9 * s[0] + 0.1 * g;
        w -= lr * (c > 0 ? 1 : (c < 0 ? -1 : 0));
        s[0] = 0.99 * s[0] + 0.01 * g;
      },
      2e-6);
}

TEST_P(OptimizerTest, GenericHelpersMatchFormulas) {
  const double wd = 0.1, lr = 0.5;
  check_kernel(
      "weight_decay", 0, 0, 0,
      [&](float* w, const float*, std::vector<float*>&, int64_t n) {
        kt_->weight_decay(w, n, wd, lr);
      },
      [&](double, double& w, std::vector<double>&) { w -= w * wd * lr; }, 1e-6);
  check_kernel(
      "clip", 0, 0, 0,
      [&](float* w, const float*, std::vector<float*>&, int64_t n) { kt_->clip(w, n, 0.3f); },
      [&](double, double& w, std::vector<double>&) { w = std::clamp(w, -0.3, 0.3); }, 1e-7);
  check_kernel(
      "ema", 1, -1.0, 1.0,
      [&](float* w, const float*, std::vector<float*>& s, int64_t n) {
        kt_->ema_update(s[0], w, n, 0.9f);
      },
      [&](double, double& w, std::vector<double>& s) { s[0] = 0.9 * s[0] + 0.1 * w; }, 1e-6);
  check_kernel(
      "accumulate", 1, -1.0, 1.0,
      [&](float*, const float* g, std::vector<float*>& s, int64_t n) {
        kt_->accumulate(s[0], g, n);
      },
      [&](double g, double&, std::vector<double>& s) { s[0] += g; }, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(AllIsas, OptimizerTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
