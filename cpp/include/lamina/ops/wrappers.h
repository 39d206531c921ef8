// Ops that run other ops: Keras's layer wrappers. They own the wrapped ops,
// expose their params (Op::bound_params) and pass masks on to them.
#pragma once

#include <memory>
#include <string>

#include "lamina/ops.h"

namespace lamina {

// Bidirectional: the same input through a forward and a backward (reversed,
// go_backwards) recurrent op. With return_sequences the backward op's
// outputs, produced in reverse time order, are flipped back before the merge.
enum class MergeMode { kConcat, kSum, kMul, kAve };
std::unique_ptr<Op> make_bidirectional_op(const std::string& name, std::unique_ptr<Op> forward,
                                          std::unique_ptr<Op> backward, MergeMode merge,
                                          bool return_sequences);

// TimeDistributed: the inner op on every timestep, as one batch of
// batch * timesteps samples of shape input[1:].
std::unique_ptr<Op> make_time_distributed_op(const std::string& name, std::unique_ptr<Op> inner);

}  // namespace lamina
