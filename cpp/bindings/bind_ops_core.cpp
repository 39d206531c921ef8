// Factories for the op handle type and the core layer ops that take no
// weights beyond what Plan.add binds.
#include <pybind11/stl.h>

#include <string>

#include "bind_ops.h"

namespace lamina_bind {

void register_op_handle(py::module_& ops) {
  py::class_<OpHandle>(ops, "OpHandle")
      .def_property_readonly("kind",
                             [](const OpHandle& h) {
                               return h.op ? std::string(h.op->kind()) : std::string("(used)");
                             })
      .def_property_readonly("num_params", [](const OpHandle& h) {
        return h.op ? static_cast<int64_t>(h.op->params().size()) : int64_t{0};
      });
}

void register_ops_core(py::module_& ops) {
  ops.def(
      "flatten", [](const std::string& name) { return handle(lamina::make_flatten_op(name)); },
      py::arg("name"));
}

}  // namespace lamina_bind
