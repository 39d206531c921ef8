// The recurrent op (SimpleRNN, LSTM, GRU): backward against float32 central
// differences of forward (masks, go_backwards, dropout, stateful), the same
// bits for every thread count, and its shape and batch errors. The values
// themselves are checked against a float64 reference and Keras in Python
// (tests/test_layers_rnn.py); here the sanitizers and the emulated older CPU
// see the loop.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lamina/errors.h"
#include "lamina/ops/recurrent.h"
#include "test_util.h"

namespace {

using lamina::CellKind;
using lamina::Op;
using lamina::RecurrentConfig;
using lamina::StepContext;

constexpr int64_t kBatch = 5, kSteps = 4, kIn = 3, kUnits = 6;

struct Case {
  RecurrentConfig config;
  bool masked;
};

// Weights and state for one op, kept alive while the op points at them.
struct Bound {
  std::unique_ptr<Op> op;
  std::vector<std::vector<float>> weights;
};

Bound make(const RecurrentConfig& c, std::mt19937& rng) {
  Bound b;
  b.op = lamina::make_recurrent_op("rnn", c);
  b.op->build({kSteps, kIn});
  for (lamina::Param& p : b.op->params()) {
    b.weights.push_back(p.has_grad ? lamina_test::uniform<float>(p.size, -0.6, 0.6, rng)
                                   : lamina_test::uniform<float>(p.size, -0.5, 0.5, rng));
    p.value = b.weights.back().data();
  }
  b.op->reserve(kBatch);
  return b;
}

int64_t out_numel(const RecurrentConfig& c) {
  return c.return_sequences ? kSteps * kUnits : kUnits;
}

std::vector<float> mask_values() {
  std::vector<float> m(kBatch * kSteps, 1.0f);
  m[1 * kSteps + 3] = 0.0f;  // trailing padding
  m[2 * kSteps + 0] = 0.0f;  // leading padding
  m[2 * kSteps + 2] = 0.0f;
  for (int64_t t = 0; t < kSteps; ++t) m[4 * kSteps + t] = 0.0f;  // all masked
  return m;
}

double loss(Op& op, const std::vector<float>& x, const std::vector<float>& dy,
            const StepContext& ctx, int64_t n) {
  std::vector<float> y(static_cast<size_t>(kBatch * n));
  op.forward(x.data(), y.data(), kBatch, ctx);
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y[i]) * dy[i];
  return s;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (CellKind cell : {CellKind::kSimpleRnn, CellKind::kLstm, CellKind::kGru}) {
    for (int variant = 0; variant < 4; ++variant) {
      RecurrentConfig c;
      c.cell = cell;
      c.units = kUnits;
      c.return_sequences = variant % 2 == 1;
      c.go_backwards = variant >= 2;
      c.zero_output_for_mask = variant == 3;
      c.reset_after = variant != 1;
      if (variant == 2) {
        c.dropout = 0.3f;
        c.recurrent_dropout = 0.25f;
        c.per_gate_dropout = cell != CellKind::kSimpleRnn;
        c.seed = 7;
      }
      if (variant == 1) c.stateful_batch = kBatch;
      out.push_back({c, variant != 0});
    }
  }
  return out;
}

TEST(RecurrentOp, BackwardMatchesCentralDifferences) {
  for (const Case& k : cases()) {
    SCOPED_TRACE("cell " + std::to_string(static_cast<int>(k.config.cell)) + " seq " +
                 std::to_string(k.config.return_sequences) + " back " +
                 std::to_string(k.config.go_backwards) + " drop " +
                 std::to_string(k.config.dropout));
    std::mt19937 rng(3);
    Bound b = make(k.config, rng);
    const int64_t n = out_numel(k.config);
    std::vector<float> x = lamina_test::uniform<float>(kBatch * kSteps * kIn, -1, 1, rng);
    std::vector<float> dy = lamina_test::uniform<float>(kBatch * n, -1, 1, rng);
    const std::vector<float> mask = mask_values();
    b.op->set_input_mask(k.masked ? mask.data() : nullptr);
    // A re-run step: the dropout masks repeat and the state stays put.
    const StepContext ctx{true, 5, false};
    std::vector<float> y(static_cast<size_t>(kBatch * n));
    b.op->forward(x.data(), y.data(), kBatch, ctx);
    std::vector<float> dx(x.size());
    std::vector<float> scratch = dy;
    b.op->backward(x.data(), y.data(), scratch.data(), dx.data(), kBatch, ctx, false);
    // Input gradient and the kernel's gradient, a few entries each.
    const std::vector<std::pair<float*, const float*>> checks = {
        {x.data(), dx.data()}, {b.weights[0].data(), b.op->params()[0].grad.data()}};
    const size_t sizes[] = {x.size(), b.weights[0].size()};
    for (size_t which = 0; which < checks.size(); ++which) {
      for (size_t i = 1; i < sizes[which]; i += sizes[which] / 5) {
        float* v = checks[which].first + i;
        const float saved = *v;
        *v = saved + 1e-2f;
        const double up = loss(*b.op, x, dy, ctx, n);
        *v = saved - 1e-2f;
        const double down = loss(*b.op, x, dy, ctx, n);
        *v = saved;
        const double numeric = (up - down) / 2e-2;
        EXPECT_NEAR(checks[which].second[i], numeric, 3e-3 + 2e-2 * std::fabs(numeric))
            << "param " << which << " entry " << i;
      }
    }
  }
}

TEST(RecurrentOp, ResultsDoNotDependOnThreadCount) {
  lamina_test::ThreadCountScope keep;
  for (const Case& k : cases()) {
    std::vector<std::vector<float>> runs;
    for (int threads : {1, 2, 3}) {
      lamina::set_num_threads(threads);
      std::mt19937 rng(4);
      Bound b = make(k.config, rng);
      const int64_t n = out_numel(k.config);
      std::vector<float> x = lamina_test::uniform<float>(kBatch * kSteps * kIn, -1, 1, rng);
      std::vector<float> dy = lamina_test::uniform<float>(kBatch * n, -1, 1, rng);
      const std::vector<float> mask = mask_values();
      b.op->set_input_mask(k.masked ? mask.data() : nullptr);
      const StepContext ctx{true, 2, true};
      std::vector<float> y(static_cast<size_t>(kBatch * n)), dx(x.size());
      b.op->forward(x.data(), y.data(), kBatch, ctx);
      b.op->backward(x.data(), y.data(), dy.data(), dx.data(), kBatch, ctx, false);
      std::vector<float> all = y;
      all.insert(all.end(), dx.begin(), dx.end());
      for (lamina::Param& p : b.op->params()) {
        const float* v = p.has_grad ? p.grad.data() : p.value;  // state written back
        all.insert(all.end(), v, v + p.size);
      }
      runs.push_back(all);
    }
    EXPECT_EQ(runs[0], runs[1]);
    EXPECT_EQ(runs[0], runs[2]);
  }
}

TEST(RecurrentOp, BadInputsThrowValueError) {
  RecurrentConfig c;
  c.units = 3;
  auto op = lamina::make_recurrent_op("lstm", c);
  EXPECT_THROW(op->build({5}), lamina::ValueError);
  c.units = 0;
  EXPECT_THROW(lamina::make_recurrent_op("lstm", c), lamina::ValueError);
  c.units = 2;
  c.stateful_batch = 4;
  std::mt19937 rng(1);
  Bound b = make(c, rng);
  std::vector<float> x(3 * kSteps * kIn), y(3 * kUnits);
  EXPECT_THROW(b.op->forward(x.data(), y.data(), 3, StepContext{}), lamina::ValueError);
}

}  // namespace
