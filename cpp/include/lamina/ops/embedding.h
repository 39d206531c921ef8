// Embedding: rows of a [input_dim, output_dim] table picked by integer ids.
//
// Ids arrive as float32 in the plan's input (the model's x); an id is its
// value truncated toward zero, as Keras casts to int32. Every id of a batch
// is checked before any row is read: one outside [0, input_dim), or NaN,
// throws ValueError naming the layer, the id and its position.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lamina/ops.h"

namespace lamina {

// Ids above this cannot all be told apart in float32 (2**24).
constexpr int64_t kMaxExactFloatId = int64_t{1} << 24;

// x: [batch, per-sample id shape...]; y: [batch, per-sample id shape..., output_dim].
// Param "embeddings" [input_dim, output_dim]. With mask_zero the op computes
// a mask (id value 0 masked) with one entry per id.
std::unique_ptr<Op> make_embedding_op(const std::string& name, int64_t input_dim,
                                      int64_t output_dim, bool mask_zero);

}  // namespace lamina
