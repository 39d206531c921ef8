// Preprocessing layers that run inside a model: Rescaling and Normalization.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lamina/ops.h"

namespace lamina {

// y = x * scale + offset; scale and offset hold one value (a scalar) or one
// per entry of the last axis.
std::unique_ptr<Op> make_rescaling_op(const std::string& name, const std::vector<float>& scale,
                                      const std::vector<float>& offset);

// Keras's Normalization: y = (x - mean) / max(sqrt(variance), 1e-7), or with
// invert y = mean + x * max(sqrt(variance), 1e-7). Params mean and variance
// (shape `stat_shape`, has_grad = false: never trained, set by adapt or the
// constructor) are read at every step; stat_index[e] is the statistic that
// per-sample element e uses.
std::unique_ptr<Op> make_normalization_op(const std::string& name, const Shape& stat_shape,
                                          const std::vector<int64_t>& stat_index, bool invert);

}  // namespace lamina
