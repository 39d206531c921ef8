// lamina._core.kernels: metric accumulation kernels. `metric_update` runs the
// engine's own NativeMetric (by name and params) on one numpy batch, so a
// standalone metric and a compiled one share every line of their math.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>

#include "bind_util.h"
#include "lamina/engine/metric.h"
#include "lamina/errors.h"
#include "lamina/kernels/metric.h"
#include "lamina/params.h"

namespace lamina_bind {

namespace {

void update_metric(const std::string& name, const lamina::Params& params,
                   py::array_t<double, py::array::c_style> state, Arr<float> pred, Arr<float> y,
                   std::optional<Arr<float>> sw) {
  if (pred.ndim() != 2) throw lamina::ValueError("pred must be [rows, cols].");
  const int64_t rows = pred.shape(0), cols = pred.shape(1);
  std::unique_ptr<lamina::NativeMetric> metric = lamina::make_metric(name, params);
  if (state.ndim() != 1 || state.shape(0) != metric->state_size(cols)) {
    throw lamina::ValueError("Metric '" + name + "' needs a state of " +
                             std::to_string(metric->state_size(cols)) + " doubles.");
  }
  if (!state.writeable()) throw lamina::ValueError("The metric state must be writable.");
  int64_t y_cols = cols;
  if (rows > 0) {
    y_cols = y.size() / rows;
    if (y.size() != rows * y_cols || (y_cols != cols && y_cols != 1)) {
      throw lamina::ValueError("y needs " + std::to_string(cols) + " or 1 values per row of " +
                               std::to_string(rows) + "; got " + std::to_string(y.size()) +
                               " values.");
    }
  }
  const float* w = nullptr;
  if (sw) {
    if (sw->size() != rows) throw lamina::ValueError("sample_weight needs one value per row.");
    w = sw->data();
  }
  double* s = state.mutable_data();
  py::gil_scoped_release release;
  metric->update(s, pred.data(), y.data(), y_cols, w, rows, cols);
}

}  // namespace

void register_metric_kernels(py::module_& kernels) {
  py::module_& km = kernels;
  km.def(
      "metric_state_size",
      [](const std::string& name, const lamina::Params& params, int64_t cols) {
        return lamina::make_metric(name, params)->state_size(cols);
      },
      py::arg("name"), py::arg("params"), py::arg("cols"));
  km.def("metric_update", &update_metric, py::arg("name"), py::arg("params"), py::arg("state"),
         py::arg("pred"), py::arg("y"), py::arg("sample_weight") = py::none());
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
