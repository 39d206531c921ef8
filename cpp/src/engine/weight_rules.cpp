#include "lamina/engine/weight_rules.h"

#include <algorithm>
#include <cmath>

#include "lamina/errors.h"

namespace lamina {
namespace {

constexpr double kEpsilon = 1e-7;  // Keras's backend.epsilon()

// Maps each element of `shape` to its group: the flat index over the axes
// that are not reduced (the "keepdims" position of its norm).
std::vector<int64_t> group_of_elements(const Shape& shape, const std::vector<int64_t>& axes,
                                       int64_t* num_groups) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  for (int64_t a : axes) reduced[static_cast<size_t>(a)] = true;
  std::vector<int64_t> group_stride(static_cast<size_t>(rank), 0);
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    if (!reduced[static_cast<size_t>(d)]) {
      group_stride[static_cast<size_t>(d)] = stride;
      stride *= shape[static_cast<size_t>(d)];
    }
  }
  *num_groups = stride;
  const int64_t n = shape_numel(shape);
  std::vector<int64_t> group(static_cast<size_t>(n));
  std::vector<int64_t> coord(static_cast<size_t>(rank), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t g = 0;
    for (int64_t d = 0; d < rank; ++d) {
      g += coord[static_cast<size_t>(d)] * group_stride[static_cast<size_t>(d)];
    }
    group[static_cast<size_t>(i)] = g;
    for (int64_t d = rank - 1; d >= 0; --d) {  // odometer over the shape
      if (++coord[static_cast<size_t>(d)] < shape[static_cast<size_t>(d)]) break;
      coord[static_cast<size_t>(d)] = 0;
    }
  }
  return group;
}

}  // namespace

double l1l2_penalty(const L1L2& r, const float* w, int64_t n, float* grad, double scale) {
  double abs_sum = 0.0, sq_sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = w[i];
    abs_sum += std::fabs(v);
    sq_sum += v * v;
  }
  if (grad != nullptr) {
    const float a = static_cast<float>(r.l1 * scale);
    const float b = static_cast<float>(2.0 * r.l2 * scale);
    for (int64_t i = 0; i < n; ++i) {
      const float v = w[i];
      const float sign = v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f);
      grad[i] += a * sign + b * v;
    }
  }
  return r.l1 * abs_sum + r.l2 * sq_sum;
}

Constraint make_constraint(const std::string& name, double min_value, double max_value, double rate,
                           const std::vector<int64_t>& axes, const Shape& shape) {
  Constraint c;
  if (name == "max_norm") {
    c.kind = ConstraintKind::kMaxNorm;
  } else if (name == "non_neg") {
    c.kind = ConstraintKind::kNonNeg;
  } else if (name == "unit_norm") {
    c.kind = ConstraintKind::kUnitNorm;
  } else if (name == "min_max_norm") {
    c.kind = ConstraintKind::kMinMaxNorm;
  } else {
    throw ValueError("Unknown constraint '" + name + "'.");
  }
  c.min_value = min_value;
  c.max_value = max_value;
  c.rate = rate;
  const int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> reduced;
  for (int64_t a : axes) {
    const int64_t axis = a < 0 ? a + rank : a;
    if (axis < 0 || axis >= rank) {
      throw ValueError("Constraint '" + name + "': axis " + std::to_string(a) +
                       " is out of range for a weight of shape " + shape_str(shape) + ".");
    }
    reduced.push_back(axis);
  }
  int64_t groups = 0;
  c.group = group_of_elements(shape, reduced, &groups);
  c.group_sq.assign(static_cast<size_t>(groups), 0.0);
  c.group_factor.assign(static_cast<size_t>(groups), 1.0f);
  return c;
}

void apply_constraint(Constraint& c, float* w) {
  const int64_t n = static_cast<int64_t>(c.group.size());
  if (c.kind == ConstraintKind::kNone) return;
  if (c.kind == ConstraintKind::kNonNeg) {
    for (int64_t i = 0; i < n; ++i) w[i] = w[i] < 0.0f ? 0.0f : w[i];  // NaN stays NaN
    return;
  }
  const std::vector<int64_t>& group = c.group;
  std::vector<double>& sq = c.group_sq;
  std::vector<float>& factor = c.group_factor;
  std::fill(sq.begin(), sq.end(), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const double v = w[i];
    sq[static_cast<size_t>(group[static_cast<size_t>(i)])] += v * v;
  }
  const int64_t groups = static_cast<int64_t>(sq.size());
  for (int64_t g = 0; g < groups; ++g) {
    const double norm = std::sqrt(sq[static_cast<size_t>(g)]);
    double desired = norm;
    switch (c.kind) {
      case ConstraintKind::kMaxNorm:
        desired = std::min(std::max(norm, 0.0), c.max_value);
        break;
      case ConstraintKind::kUnitNorm:
        desired = 1.0;
        break;
      case ConstraintKind::kMinMaxNorm:
        desired =
            c.rate * std::min(std::max(norm, c.min_value), c.max_value) + (1.0 - c.rate) * norm;
        break;
      default:
        break;
    }
    factor[static_cast<size_t>(g)] = static_cast<float>(desired / (kEpsilon + norm));
  }
  for (int64_t i = 0; i < n; ++i)
    w[i] *= factor[static_cast<size_t>(group[static_cast<size_t>(i)])];
}

}  // namespace lamina
