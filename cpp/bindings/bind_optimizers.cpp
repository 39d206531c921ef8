// lamina._core.kernels: optimizer update kernels, per ISA.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bind_util.h"
#include "lamina/errors.h"
#include "lamina/kernels/kernel_table.h"

namespace lamina_bind {

void register_optimizer_kernels(py::module_& kernels) {
  py::module_& km = kernels;
  km.def(
      "adam_update",
      [](py::array_t<float, py::array::c_style> w, Arr<float> g,
         py::array_t<float, py::array::c_style> mom, py::array_t<float, py::array::c_style> vel,
         float alpha, float b1, float b2, float eps, std::optional<std::string> isa) {
        if (g.size() != w.size() || mom.size() != w.size() || vel.size() != w.size()) {
          throw lamina::ValueError("adam_update: arrays differ in size.");
        }
        table(isa).adam_update(w.mutable_data(), g.data(), mom.mutable_data(), vel.mutable_data(),
                               w.size(), alpha, b1, b2, eps);
      },
      py::arg("w"), py::arg("g"), py::arg("m"), py::arg("v"), py::arg("alpha"), py::arg("beta_1"),
      py::arg("beta_2"), py::arg("epsilon"), py::arg("isa") = py::none());
  km.def(
      "sgd_update",
      [](py::array_t<float, py::array::c_style> w, Arr<float> g,
         py::array_t<float, py::array::c_style> mom, float lr, float momentum, bool nesterov,
         std::optional<std::string> isa) {
        if (g.size() != w.size() || mom.size() != w.size()) {
          throw lamina::ValueError("sgd_update: arrays differ in size.");
        }
        table(isa).sgd_update(w.mutable_data(), g.data(), mom.mutable_data(), w.size(), lr,
                              momentum, nesterov);
      },
      py::arg("w"), py::arg("g"), py::arg("m"), py::arg("learning_rate"), py::arg("momentum"),
      py::arg("nesterov"), py::arg("isa") = py::none());
}

}  // namespace lamina_bind
