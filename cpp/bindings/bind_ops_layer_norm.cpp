// Factory for the LayerNormalization op.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bind_ops.h"
#include "lamina/ops/layer_norm.h"

namespace lamina_bind {

void register_ops_layer_norm(py::module_& ops) {
  ops.def(
      "layer_normalization",
      [](const std::string& name, int64_t axis_begin, const std::vector<int64_t>& norm_shape,
         double epsilon, bool center, bool scale, bool rms_scaling) {
        lamina::LayerNormSpec spec;
        spec.axis_begin = axis_begin;
        spec.norm_shape = norm_shape;
        spec.epsilon = epsilon;
        spec.center = center;
        spec.scale = scale;
        spec.rms_scaling = rms_scaling;
        return handle(lamina::make_layer_norm_op(name, spec));
      },
      py::arg("name"), py::arg("axis_begin"), py::arg("norm_shape"), py::arg("epsilon"),
      py::arg("center"), py::arg("scale"), py::arg("rms_scaling") = false,
      "Normalises per-sample axes [axis_begin, axis_begin + len(norm_shape)).");
}

}  // namespace lamina_bind
