// lamina._core.kernels: activation kernels (float64 input runs the reference
// path), for tests against numpy and finite differences.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bind_util.h"
#include "lamina/errors.h"
#include "lamina/kernels/activation.h"

namespace lamina_bind {
namespace {

template <typename T>
void def_activation_kernels(py::module_& k) {
  k.def("activation_forward", [](const std::string& name, Arr<T> x) {
    auto [rows, cols] = rows_cols(x);
    Arr<T> y(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
    lamina::activation_forward(lamina::activation_from_name(name), x.data(), y.mutable_data(), rows,
                               cols);
    return y;
  });
  k.def("activation_backward", [](const std::string& name, Arr<T> y, Arr<T> dy) {
    auto [rows, cols] = rows_cols(y);
    if (dy.size() != y.size()) throw lamina::ValueError("y and dy must have the same shape.");
    Arr<T> dx(std::vector<py::ssize_t>(y.shape(), y.shape() + y.ndim()));
    lamina::activation_backward(lamina::activation_from_name(name), y.data(), dy.data(),
                                dx.mutable_data(), rows, cols);
    return dx;
  });
  k.def("column_sum", [](Arr<T> dy) {
    auto [rows, cols] = rows_cols(dy);
    Arr<T> out(cols);
    lamina::column_sum(dy.data(), rows, cols, out.mutable_data(), false);
    return out;
  });
}

}  // namespace

void register_activation_kernels(py::module_& kernels) {
  // Float64 first: exact dtypes win in pybind11's first overload pass.
  def_activation_kernels<double>(kernels);
  def_activation_kernels<float>(kernels);
}

}  // namespace lamina_bind
