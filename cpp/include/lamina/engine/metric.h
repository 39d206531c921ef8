// A metric as the engine accumulates it. Its state is a run of doubles in the
// plan's accumulator vector; Python turns the state into the result. One
// class per metric family, made by name (src/engine/metrics.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lamina/params.h"

namespace lamina {

class NativeMetric {
 public:
  virtual ~NativeMetric() = default;
  // Doubles of state for an output of `cols` columns (e.g. {total, count}).
  virtual int64_t state_size(int64_t cols) const { return 2; }
  // Adds one batch: `rows` rows of `cols` predictions; y holds `y_cols`
  // values per row (1 for sparse labels); sw one weight per row or null.
  virtual void update(double* state, const float* out, const float* y, int64_t y_cols,
                      const float* sw, int64_t rows, int64_t cols) const = 0;
};

// Throws ValueError for an unknown name.
std::unique_ptr<NativeMetric> make_metric(const std::string& name, const Params& params);

}  // namespace lamina
