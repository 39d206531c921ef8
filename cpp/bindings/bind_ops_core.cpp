// Factories for the op handle type and the core layer ops that take no
// weights beyond what Plan.add binds.
#include <pybind11/stl.h>

#include <string>

#include "bind_ops.h"
#include "lamina/errors.h"

namespace lamina_bind {

void register_op_handle(py::module_& ops) {
  py::class_<OpHandle>(ops, "OpHandle")
      .def_property_readonly("kind",
                             [](const OpHandle& h) {
                               return h.op ? std::string(h.op->kind()) : std::string("(used)");
                             })
      .def_property_readonly("num_params", [](const OpHandle& h) {
        return h.op ? static_cast<int64_t>(h.op->bound_params().size()) : int64_t{0};
      });
}

void register_ops_core(py::module_& ops) {
  ops.def(
      "dense",
      [](const std::string& name, int64_t in_features, int64_t units, const std::string& activation,
         bool use_bias, const lamina::Params& activation_params) {
        return handle(lamina::make_dense_op(name, in_features, units,
                                            lamina::activation_spec(activation, activation_params),
                                            use_bias));
      },
      py::arg("name"), py::arg("in_features"), py::arg("units"), py::arg("activation"),
      py::arg("use_bias"), py::arg("activation_params") = lamina::Params{},
      "Dense: weights [kernel (in_features, units), bias (units,) if use_bias].");
  ops.def(
      "activation",
      [](const std::string& name, const std::string& activation,
         const lamina::Params& activation_params) {
        return handle(lamina::make_activation_op(
            name, lamina::activation_spec(activation, activation_params)));
      },
      py::arg("name"), py::arg("activation"), py::arg("activation_params") = lamina::Params{});
  ops.def(
      "dropout",
      [](const std::string& name, float rate, uint64_t seed) {
        if (!(rate >= 0.0f && rate < 1.0f)) {
          throw lamina::ValueError("Dropout rate must be in [0, 1); received " +
                                   std::to_string(rate) + ".");
        }
        return handle(lamina::make_dropout_op(name, rate, seed));
      },
      py::arg("name"), py::arg("rate"), py::arg("seed"));
  ops.def(
      "flatten", [](const std::string& name) { return handle(lamina::make_flatten_op(name)); },
      py::arg("name"));
}

}  // namespace lamina_bind
