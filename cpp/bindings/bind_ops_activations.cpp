// Factories for activation layers with weights (PReLU). ReLU, LeakyReLU, ELU
// and Softmax layers go through Plan.add_activation (one implementation of
// each function).
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bind_ops.h"
#include "lamina/ops/activations.h"

namespace lamina_bind {

void register_ops_activations(py::module_& ops) {
  ops.def(
      "prelu",
      [](const std::string& name, const std::vector<int64_t>& alpha_shape,
         const std::vector<int64_t>& alpha_index) {
        return handle(lamina::make_prelu_op(name, alpha_shape, alpha_index));
      },
      py::arg("name"), py::arg("alpha_shape"), py::arg("alpha_index"),
      "PReLU; alpha_index[e]: the alpha entry of per-sample element e.");
}

}  // namespace lamina_bind
