// lamina._core.kernels: activation kernels (float64 input runs the reference
// path), for tests against Keras, numpy and finite differences. An activation
// is named as Keras names it, with its numeric parameters in a dict.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bind_util.h"
#include "lamina/errors.h"
#include "lamina/kernels/activation.h"
#include "lamina/params.h"

namespace lamina_bind {
namespace {

template <typename T>
Arr<T> like(const Arr<T>& a) {
  return Arr<T>(std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim()));
}

template <typename T>
void def_activation_kernels(py::module_& k) {
  k.def(
      "activation_forward",
      [](const std::string& name, Arr<T> x, const lamina::Params& params) {
        const lamina::ActivationSpec spec = lamina::activation_spec(name, params);
        auto [rows, cols] = rows_cols(x);
        Arr<T> y = like(x);
        {
          py::gil_scoped_release release;
          lamina::activation_forward(spec, x.data(), y.mutable_data(), rows, cols);
        }
        return y;
      },
      py::arg("name"), py::arg("x"), py::arg("params") = lamina::Params{});
  k.def(
      "activation_backward",
      [](const std::string& name, Arr<T> x, Arr<T> y, Arr<T> dy, const lamina::Params& params) {
        const lamina::ActivationSpec spec = lamina::activation_spec(name, params);
        auto [rows, cols] = rows_cols(y);
        if (dy.size() != y.size() || x.size() != y.size()) {
          throw lamina::ValueError("x, y and dy must have the same shape.");
        }
        Arr<T> dx = like(y);
        {
          py::gil_scoped_release release;
          lamina::activation_backward(spec, x.data(), y.data(), dy.data(), dx.mutable_data(), rows,
                                      cols);
        }
        return dx;
      },
      py::arg("name"), py::arg("x"), py::arg("y"), py::arg("dy"),
      py::arg("params") = lamina::Params{});
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
  kernels.def(
      "activation_backward_needs_x",
      [](const std::string& name, const lamina::Params& params) {
        return lamina::activation_backward_needs_x(lamina::activation_spec(name, params));
      },
      py::arg("name"), py::arg("params") = lamina::Params{});
}

}  // namespace lamina_bind
