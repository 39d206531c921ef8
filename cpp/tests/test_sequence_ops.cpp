// Embedding and Masking ops: the gather against the table, every bad id
// (out of range, negative, NaN) rejected before any read, the backward
// scatter against a double reference with repeated ids and its independence
// from the thread count, truncation of float ids, and Masking's select.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lamina/errors.h"
#include "lamina/ops/embedding.h"
#include "lamina/ops/masking.h"
#include "test_util.h"

namespace {

using lamina::Op;
using lamina::StepContext;

struct EmbeddingFixture {
  int64_t vocab, dim, steps;
  std::unique_ptr<Op> op;
  std::vector<float> table;

  EmbeddingFixture(int64_t v, int64_t d, int64_t t, bool mask_zero = false)
      : vocab(v), dim(d), steps(t) {
    op = lamina::make_embedding_op("emb", v, d, mask_zero);
    op->build({t});
    std::mt19937 rng(3);
    table = lamina_test::uniform<float>(static_cast<size_t>(v * d), -1, 1, rng);
    op->params()[0].value = table.data();
  }

  std::vector<float> forward(const std::vector<float>& ids, int64_t batch) {
    std::vector<float> y(static_cast<size_t>(batch * steps * dim));
    op->forward(ids.data(), y.data(), batch, StepContext{});
    return y;
  }

  std::vector<float> grad(const std::vector<float>& ids, std::vector<float> dy, int64_t batch) {
    op->backward(ids.data(), nullptr, dy.data(), nullptr, batch, StepContext{true, 1}, false);
    const float* g = op->params()[0].grad.data();
    return std::vector<float>(g, g + vocab * dim);
  }
};

TEST(EmbeddingOp, GathersRowsAndTruncatesFloatIds) {
  EmbeddingFixture f(7, 5, 4);
  const std::vector<float> ids = {0, 6, 3, 3, 2.9f, -0.5f, 1, 5};  // 2.9 -> 2, -0.5 -> 0
  const std::vector<int> expect = {0, 6, 3, 3, 2, 0, 1, 5};
  const auto y = f.forward(ids, 2);
  for (size_t r = 0; r < ids.size(); ++r) {
    for (int64_t c = 0; c < f.dim; ++c) {
      ASSERT_EQ(y[r * 5 + c], f.table[expect[r] * 5 + c]) << r << "," << c;
    }
  }
  EXPECT_EQ(f.op->output_activation(), lamina::Activation::kLinear);
  EXPECT_FALSE(f.op->computes_mask());
}

TEST(EmbeddingOp, RejectsEveryBadIdBeforeReading) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (float bad : {7.0f, 7.5f, 1e9f, -1.0f, -3.0f, nan, inf, -inf}) {
    EmbeddingFixture f(7, 3, 4);
    std::vector<float> ids = {1, 2, 3, 4, 5, 6, 0, 1};
    ids[6] = bad;  // sample 1, timestep 2
    std::vector<float> y(ids.size() * 3, -42.0f);
    try {
      f.op->forward(ids.data(), y.data(), 2, StepContext{});
      FAIL() << "no error for id " << bad;
    } catch (const lamina::ValueError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("'emb'"), std::string::npos) << msg;
      EXPECT_NE(msg.find("sample 1 of the batch, timestep 2"), std::string::npos) << msg;
      EXPECT_NE(msg.find("[0, 7)"), std::string::npos) << msg;
    }
    for (float v : y) ASSERT_EQ(v, -42.0f);  // nothing was gathered
  }
}

TEST(EmbeddingOp, NamesIdsAndMultiAxisPositions) {
  auto op = lamina::make_embedding_op("e2", 10, 2, false);
  op->build({2, 3});
  std::vector<float> table(20, 0.0f);
  op->params()[0].value = table.data();
  std::vector<float> ids(12, 1.0f), y(24);
  ids[6 + 5] = 12.25f;  // sample 1, position (1, 2)
  try {
    op->forward(ids.data(), y.data(), 2, StepContext{});
    FAIL();
  } catch (const lamina::ValueError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("id 12 (from the value 12.25) at sample 1 of the batch, position (1, 2)"),
              std::string::npos)
        << msg;
  }
}

TEST(EmbeddingOp, RefusesVocabulariesFloatIdsCannotAddress) {
  EXPECT_THROW(lamina::make_embedding_op("big", lamina::kMaxExactFloatId + 1, 2, false),
               lamina::ValueError);
  EXPECT_NO_THROW(lamina::make_embedding_op("ok", lamina::kMaxExactFloatId, 1, false));
  EXPECT_THROW(lamina::make_embedding_op("zero", 0, 2, false), lamina::ValueError);
}

TEST(EmbeddingOp, BackwardScatterAddsRepeatedIdsLikeADoubleReference) {
  const int64_t vocab = 13, dim = 37, steps = 9, batch = 11;  // dim: a partial column block
  EmbeddingFixture f(vocab, dim, steps);
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> pick(0, 4);  // few ids: many repeats
  std::vector<float> ids(static_cast<size_t>(batch * steps));
  for (float& v : ids) v = static_cast<float>(pick(rng));
  const auto dy = lamina_test::uniform<float>(ids.size() * dim, -1, 1, rng);
  // Stale values in the gradient buffer must not leak into the result.
  std::fill(f.op->params()[0].grad.data(), f.op->params()[0].grad.data() + vocab * dim, 9.0f);
  const auto g = f.grad(ids, dy, batch);
  std::vector<double> ref(static_cast<size_t>(vocab * dim), 0.0);
  for (size_t r = 0; r < ids.size(); ++r) {
    for (int64_t c = 0; c < dim; ++c)
      ref[static_cast<int64_t>(ids[r]) * dim + c] += dy[r * dim + c];
  }
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(g[i], ref[i], 1e-5) << i;
}

TEST(EmbeddingOp, BackwardIsIdenticalForAnyThreadCount) {
  lamina_test::ThreadCountScope keep;
  const int64_t vocab = 50, dim = 96, steps = 40, batch = 16;
  std::mt19937 rng(8);
  std::uniform_int_distribution<int> pick(0, 9);
  std::vector<float> ids(static_cast<size_t>(batch * steps));
  for (float& v : ids) v = static_cast<float>(pick(rng));
  const auto dy = lamina_test::uniform<float>(ids.size() * dim, -1, 1, rng);
  std::vector<std::vector<float>> grads;
  for (int threads : {1, 2, 3, 5}) {
    lamina::set_num_threads(threads);
    EmbeddingFixture f(vocab, dim, steps);
    grads.push_back(f.grad(ids, dy, batch));
  }
  for (size_t k = 1; k < grads.size(); ++k) ASSERT_EQ(grads[k], grads[0]) << k;
}

TEST(EmbeddingOp, MaskZeroMasksZeroValuedIds) {
  EmbeddingFixture f(5, 2, 3, /*mask_zero=*/true);
  EXPECT_TRUE(f.op->computes_mask());
  const std::vector<float> ids = {1, 0, 4, 0.5f, 0, 0};  // 0.5 reads id 0 but is not 0 (Keras)
  std::vector<float> mask(6, -1.0f);
  f.op->compute_mask(ids.data(), mask.data(), 2);
  EXPECT_EQ(mask, (std::vector<float>{1, 0, 1, 1, 0, 0}));
}

TEST(MaskingOp, ZeroesMasksAndGatesTheGradient) {
  auto op = lamina::make_masking_op("m", -1.0f);
  ASSERT_EQ(op->build({3, 2}), (lamina::Shape{3, 2}));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Steps: (-1,-1) masked, (-1, 2) kept, (nan,-1) kept, (0,0) kept, (-1,-1) masked, (5,6) kept.
  const std::vector<float> x = {-1, -1, -1, 2, nan, -1, 0, 0, -1, -1, 5, 6};
  std::vector<float> mask(6), y(12), dx(12);
  op->compute_mask(x.data(), mask.data(), 2);
  EXPECT_EQ(mask, (std::vector<float>{0, 1, 1, 1, 0, 1}));
  op->forward(x.data(), y.data(), 2, StepContext{});
  for (int s = 0; s < 6; ++s) {
    for (int f = 0; f < 2; ++f) {
      const float want = mask[s] != 0.0f ? x[s * 2 + f] : 0.0f;
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(y[s * 2 + f]));
      } else {
        EXPECT_EQ(y[s * 2 + f], want) << s;
      }
    }
  }
  std::vector<float> dy(12);
  for (int i = 0; i < 12; ++i) dy[i] = static_cast<float>(i + 1);
  op->backward(x.data(), y.data(), dy.data(), dx.data(), 2, StepContext{true, 1}, false);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(dx[i], mask[i / 2] * dy[i]) << i;
}

}  // namespace
