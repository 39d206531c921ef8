// Factories for the preprocessing ops that run inside a model.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bind_ops.h"
#include "lamina/ops/preprocessing.h"

namespace lamina_bind {

void register_ops_preprocessing(py::module_& ops) {
  ops.def(
      "rescaling",
      [](const std::string& name, const std::vector<float>& scale,
         const std::vector<float>& offset) {
        return handle(lamina::make_rescaling_op(name, scale, offset));
      },
      py::arg("name"), py::arg("scale"), py::arg("offset"));
  ops.def(
      "normalization",
      [](const std::string& name, const std::vector<int64_t>& stat_shape,
         const std::vector<int64_t>& stat_index, bool invert) {
        return handle(lamina::make_normalization_op(name, stat_shape, stat_index, invert));
      },
      py::arg("name"), py::arg("stat_shape"), py::arg("stat_index"), py::arg("invert"),
      "Weights: mean, variance (never trained).");
}

}  // namespace lamina_bind
