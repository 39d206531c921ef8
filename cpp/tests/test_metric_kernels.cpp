// Metric accumulation kernels.
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
// Accuracy sums

TEST(Accuracy, SparseCategorical) {
  // Row 2 ties between classes 0 and 1: argmax takes the first.
  const float pred[] = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f, 0.4f, 0.4f, 0.2f, 0.0f, 0.1f, 0.9f};
  const float labels[] = {1, 2, 0, 2};
  const float sw[] = {0.5f, 3.0f, 2.0f, 0.25f};
  EXPECT_DOUBLE_EQ(lamina::sparse_categorical_accuracy_sum(pred, labels, nullptr, 4, 3), 3.0);
  EXPECT_DOUBLE_EQ(lamina::sparse_categorical_accuracy_sum(pred, labels, sw, 4, 3), 2.75);
  const float tie_second[] = {1};
  EXPECT_DOUBLE_EQ(lamina::sparse_categorical_accuracy_sum(pred + 6, tie_second, nullptr, 1, 3),
                   0.0);
}

TEST(Accuracy, Categorical) {
  const float pred[] = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f, 0.2f, 0.3f, 0.5f};
  const float y[] = {0, 1, 0, 0, 0, 1, 0, 0, 1};
  const float sw[] = {2.0f, 5.0f, 0.5f};
  EXPECT_DOUBLE_EQ(lamina::categorical_accuracy_sum(pred, y, nullptr, 3, 3), 2.0);
  EXPECT_DOUBLE_EQ(lamina::categorical_accuracy_sum(pred, y, sw, 3, 3), 2.5);
}

TEST(Accuracy, Binary) {
  const float pred[] = {0.9f, 0.2f, 0.6f, 0.4f, 0.5f, 0.51f};
  const float y[] = {1, 0, 0, 0, 1, 1};
  const float sw[] = {1.0f, 4.0f};
  // Row 0: 2 of 3 right; row 1: 0.4 -> 0 right, 0.5 -> 0 (not > 0.5) wrong, 0.51 right.
  EXPECT_DOUBLE_EQ(lamina::binary_accuracy_sum(pred, y, nullptr, 2, 3, 0.5f), 4.0 / 3.0);
  EXPECT_DOUBLE_EQ(lamina::binary_accuracy_sum(pred, y, sw, 2, 3, 0.5f), 2.0 / 3.0 + 4 * 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(lamina::binary_accuracy_sum(pred, y, nullptr, 2, 3, 0.55f), 1.0);
}

}  // namespace
