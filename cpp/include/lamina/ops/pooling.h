// Pooling layer ops (channels-last): MaxPooling1D/2D, AveragePooling1D/2D
// (strides, "valid"/"same"; "same" averages count only real elements) and
// the global max/average poolings (keepdims).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lamina/ops.h"

namespace lamina {

enum class PoolKind { kMax, kAverage };

struct PoolSpec {
  bool one_d = false;
  int64_t pool_h = 1, pool_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  std::string padding = "valid";  // "valid" | "same"
};

std::unique_ptr<Op> make_pool_op(const std::string& name, PoolKind kind, const PoolSpec& spec);
// Reduces every axis but the last; keepdims keeps them as 1s.
std::unique_ptr<Op> make_global_pool_op(const std::string& name, PoolKind kind, bool one_d,
                                        bool keepdims);

}  // namespace lamina
