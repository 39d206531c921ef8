// Ops handed from Python to a Plan: each binding file for a family of layer
// ops registers factories in the `lamina._core.ops` submodule that return an
// OpHandle; `Plan.add(handle, weights)` binds the weights (numpy arrays, in
// the op's params() order) and appends the op.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "lamina/ops.h"

namespace lamina_bind {

namespace py = pybind11;

struct OpHandle {
  std::unique_ptr<lamina::Op> op;
};

template <typename OpPtr>
OpHandle handle(OpPtr op) {
  return OpHandle{std::move(op)};
}

// One registration function per family (bind_ops_*.cpp).
void register_op_handle(py::module_& ops);
void register_ops_core(py::module_& ops);
void register_ops_conv(py::module_& ops);
void register_ops_reshaping(py::module_& ops);
void register_ops_activations(py::module_& ops);
void register_ops_layer_norm(py::module_& ops);
void register_ops_preprocessing(py::module_& ops);
void register_ops_noise(py::module_& ops);
void register_ops_wrappers(py::module_& ops);
void register_ops_sequence(py::module_& ops);
void register_ops_recurrent(py::module_& ops);

}  // namespace lamina_bind
