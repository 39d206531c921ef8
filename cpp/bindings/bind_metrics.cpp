// lamina._core.kernels: metric accumulation kernels.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bind_util.h"
#include "lamina/errors.h"
#include "lamina/kernels/metric.h"

namespace lamina_bind {

void register_metric_kernels(py::module_& kernels) {
  py::module_& km = kernels;
  km.def(
      "accuracy_sum",
      [](const std::string& name, Arr<float> pred, Arr<float> y, std::optional<Arr<float>> sw,
         float threshold) {
        auto [rows, cols] = rows_cols(pred);
        const float* w = sw ? sw->data() : nullptr;
        if (name == "sparse_categorical") {
          if (y.size() != rows) throw lamina::ValueError("Labels need one per row.");
          return lamina::sparse_categorical_accuracy_sum(pred.data(), y.data(), w, rows, cols);
        }
        if (y.size() != rows * cols) throw lamina::ValueError("Targets differ in size.");
        if (name == "categorical") {
          return lamina::categorical_accuracy_sum(pred.data(), y.data(), w, rows, cols);
        }
        if (name == "binary") {
          return lamina::binary_accuracy_sum(pred.data(), y.data(), w, rows, cols, threshold);
        }
        throw lamina::ValueError("Unknown accuracy '" + name + "'.");
      },
      py::arg("name"), py::arg("pred"), py::arg("y"), py::arg("sample_weight") = py::none(),
      py::arg("threshold") = 0.5f);
}

}  // namespace lamina_bind
