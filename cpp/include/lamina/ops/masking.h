// Masking: a timestep whose features all equal mask_value is masked.
#pragma once

#include <memory>
#include <string>

#include "lamina/ops.h"

namespace lamina {

// x, y: [batch, steps..., features]. y = x at steps where any feature differs
// from mask_value, 0 elsewhere; the op computes that mask (one entry per step).
std::unique_ptr<Op> make_masking_op(const std::string& name, float mask_value);

}  // namespace lamina
