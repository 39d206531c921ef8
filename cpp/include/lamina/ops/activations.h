// Activation layers with weights. (ReLU, LeakyReLU, ELU and Softmax layers are
// make_activation_op with an ActivationSpec: one implementation per function.)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lamina/ops.h"

namespace lamina {

// PReLU: y = x for x > 0, alpha * x otherwise. alpha has `alpha_shape`
// (Keras's: the per-sample shape with shared axes set to 1); alpha_index[e]
// is the alpha entry that per-sample element e uses (its size is the
// per-sample element count, checked at build).
std::unique_ptr<Op> make_prelu_op(const std::string& name, const Shape& alpha_shape,
                                  const std::vector<int64_t>& alpha_index);

}  // namespace lamina
