// Helpers shared by the binding files (bindings only; no core logic here).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <utility>

#include "lamina/errors.h"
#include "lamina/kernels/kernel_table.h"

namespace lamina_bind {

namespace py = pybind11;

template <typename T>
using Arr = py::array_t<T, py::array::c_style | py::array::forcecast>;

inline const lamina::KernelTable& table(const std::optional<std::string>& isa) {
  return isa ? lamina::kernels_for(lamina::parse_isa(*isa)) : lamina::active_kernels();
}

// rows x cols view of an array whose last axis is cols.
template <typename T>
std::pair<int64_t, int64_t> rows_cols(const Arr<T>& a) {
  if (a.ndim() == 0) throw lamina::ValueError("Expected an array with at least one axis.");
  const int64_t cols = a.shape(a.ndim() - 1);
  return {cols == 0 ? 0 : a.size() / cols, cols};
}

}  // namespace lamina_bind
