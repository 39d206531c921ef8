// lamina._core: the thin pybind11 layer over the static core. Each area
// registers itself; validation and the Pythonic surface live in Python.
#include <pybind11/pybind11.h>

#include "bind_ops.h"
#include "lamina/errors.h"

namespace py = pybind11;

namespace lamina_bind {
void register_config(py::module_& m);
void register_kernels(py::module_& m);
void register_plan(py::module_& m);
}  // namespace lamina_bind

PYBIND11_MODULE(_core, m) {
  m.doc() = "lamina's native compute core";
  py::register_exception<lamina::ValueError>(m, "CoreValueError", PyExc_ValueError);
  lamina_bind::register_config(m);
  lamina_bind::register_kernels(m);
  py::module_ ops = m.def_submodule("ops", "Layer ops for Plan.add, one factory per op kind.");
  lamina_bind::register_op_handle(ops);
  lamina_bind::register_ops_core(ops);
  lamina_bind::register_ops_conv(ops);
  lamina_bind::register_ops_reshaping(ops);
  lamina_bind::register_ops_activations(ops);
  lamina_bind::register_ops_layer_norm(ops);
  lamina_bind::register_ops_preprocessing(ops);
  lamina_bind::register_ops_noise(ops);
  lamina_bind::register_ops_wrappers(ops);
  lamina_bind::register_ops_sequence(ops);
  lamina_bind::register_ops_recurrent(ops);
  lamina_bind::register_plan(m);
}
