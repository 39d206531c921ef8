// Non-finite checks for the engine: a NaN or Inf in a loss, a gradient or an
// activation is noticed before the optimizer applies it.
#pragma once

#include <cstdint>

namespace lamina {

// True when none of the n floats is NaN or +-Inf. Parallel over large arrays;
// reads the bit patterns, so it is exact whatever the FP environment.
bool all_finite(const float* p, int64_t n);

}  // namespace lamina
