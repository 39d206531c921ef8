// Layer ops that move values without arithmetic on them: Reshape, Identity,
// Permute, RepeatVector, zero padding / cropping and upsampling.
// Per-sample shapes exclude the batch dim; memory is row-major.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lamina/ops.h"

namespace lamina {

// Reshape to `target` (no -1: Python resolves it). A view of its input.
// build throws ValueError naming the layer and both shapes if sizes differ.
std::unique_ptr<Op> make_reshape_op(const std::string& name, const Shape& target);
// y = x, a view (Identity, ActivityRegularization).
std::unique_ptr<Op> make_identity_op(const std::string& name, const char* kind);
// Permutes the per-sample axes: output axis i is input axis dims[i] - 1
// (Keras's 1-based `dims`, a permutation of 1..rank).
std::unique_ptr<Op> make_permute_op(const std::string& name, const std::vector<int64_t>& dims);
// x: [features] -> y: [n, features].
std::unique_ptr<Op> make_repeat_vector_op(const std::string& name, int64_t n);

// Where the channels are in a spatial input: [H, W, C] (channels_last) or
// [C, H, W] (channels_first); rank 1 inputs are [L, C] / [C, L].
struct SpatialLayout {
  int rank = 2;  // 1 or 2 spatial axes
  bool channels_first = false;
};

// Zero padding (positive amounts) or cropping (negative amounts) of the
// spatial axes: pad[0], pad[1] before/after the first spatial axis, pad[2],
// pad[3] before/after the second (ignored for rank 1).
std::unique_ptr<Op> make_pad_crop_op(const std::string& name, const char* kind,
                                     SpatialLayout layout, const int64_t pad[4]);

// Upsampling by integer factors (size_w ignored for rank 1). Nearest repeats
// values; bilinear follows TF's resize (half-pixel centres, no antialias).
std::unique_ptr<Op> make_upsampling_op(const std::string& name, SpatialLayout layout,
                                       int64_t size_h, int64_t size_w, bool bilinear);

}  // namespace lamina
