// BatchNormalization over the last axis (channels-last). In training it
// normalises with the batch's mean and (biased) variance and moves the
// moving statistics toward them, as Keras 3 does:
//   moving = moving * momentum + batch * (1 - momentum);
// in inference, and always when `frozen` (the layer or model is not
// trainable, Keras 3's rule), it uses the moving statistics.
// Weights, in Keras's order: gamma (if scale), beta (if center),
// moving_mean, moving_variance (the last two are state, with no gradient).
#pragma once

#include <memory>
#include <string>

#include "lamina/ops.h"

namespace lamina {

std::unique_ptr<Op> make_batch_norm_op(const std::string& name, double momentum, double epsilon,
                                       bool center, bool scale, bool frozen);

}  // namespace lamina
