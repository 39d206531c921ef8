// What Keras attaches to a weight beyond its value: a regularizer (l1/l2,
// whose penalty joins the loss and whose gradient joins the weight's) and a
// constraint (a projection applied after each optimizer update). Also the
// activity regularizer of a layer's output.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lamina/ops.h"

namespace lamina {

struct L1L2 {
  double l1 = 0.0, l2 = 0.0;
  bool active() const { return l1 != 0.0 || l2 != 0.0; }
};

// l1 * sum|w| + l2 * sum w^2 (in double). When grad is non-null, adds
// scale * (l1 * sign(w) + 2 * l2 * w) to it.
double l1l2_penalty(const L1L2& r, const float* w, int64_t n, float* grad, double scale);

enum class ConstraintKind { kNone = 0, kMaxNorm, kNonNeg, kUnitNorm, kMinMaxNorm };

// A constraint prepared for one weight: the norm groups are computed once,
// so applying it after each step allocates nothing.
struct Constraint {
  ConstraintKind kind = ConstraintKind::kNone;
  double min_value = 0.0, max_value = 0.0, rate = 1.0;
  std::vector<int64_t> group;  // per element: its norm group (the kept axes' flat index)
  std::vector<double> group_sq;
  std::vector<float> group_factor;
};

// Keras's name ("max_norm", "non_neg", "unit_norm", "min_max_norm") with its
// parameters; throws ValueError for an unknown name or an axis out of range.
Constraint make_constraint(const std::string& name, double min_value, double max_value, double rate,
                           const std::vector<int64_t>& axes, const Shape& shape);

// Projects w (the weight it was made for) in place, as Keras's constraint
// classes do, with Keras's epsilon (1e-7) in the norm denominators.
void apply_constraint(Constraint& c, float* w);

}  // namespace lamina
