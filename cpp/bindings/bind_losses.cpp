// lamina._core.kernels: loss kernels and label checks (float64 input runs the
// reference path), for tests against numpy and finite differences.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bind_util.h"
#include "lamina/errors.h"
#include "lamina/kernels/loss.h"

namespace lamina_bind {
namespace {

template <typename T>
void def_loss_kernels(py::module_& k) {
  k.def("check_sparse_labels", [](Arr<T> labels, int64_t num_classes) {
    lamina::check_sparse_labels(labels.data(), labels.size(), num_classes);
  });
  // (total, grad) of sum_i w_i loss_i; grad is d total / d pred (scale 1).
  k.def(
      "loss",
      [](const std::string& name, Arr<T> pred, Arr<T> y, std::optional<Arr<T>> sw) {
        auto [rows, cols] = rows_cols(pred);
        const bool sparse = name.rfind("sparse_", 0) == 0;
        if (y.size() != (sparse ? rows : rows * cols)) {
          throw lamina::ValueError("Labels have the wrong size for the predictions.");
        }
        if (sw && sw->size() != rows) throw lamina::ValueError("sample_weight needs one per row.");
        const T* w = sw ? sw->data() : nullptr;
        Arr<T> grad(std::vector<py::ssize_t>(pred.shape(), pred.shape() + pred.ndim()));
        T* g = grad.mutable_data();
        const T eps = static_cast<T>(1e-7);
        double total = 0.0;
        if (sparse) lamina::check_sparse_labels(y.data(), rows, cols);
        if (name == "sparse_softmax_xent") {
          total = lamina::sparse_softmax_xent(pred.data(), y.data(), w, rows, cols, g, T(1));
        } else if (name == "softmax_xent") {
          total = lamina::softmax_xent(pred.data(), y.data(), w, rows, cols, g, T(1));
        } else if (name == "sparse_xent_probs") {
          total = lamina::sparse_xent_probs(pred.data(), y.data(), w, rows, cols, g, T(1), eps);
        } else if (name == "xent_probs") {
          total = lamina::xent_probs(pred.data(), y.data(), w, rows, cols, g, T(1), eps);
        } else if (name == "sigmoid_bxent") {
          total = lamina::sigmoid_bxent(pred.data(), y.data(), w, rows, cols, g, T(1));
        } else if (name == "bxent_probs") {
          total = lamina::bxent_probs(pred.data(), y.data(), w, rows, cols, g, T(1), eps);
        } else if (name == "mse") {
          total = lamina::mean_squared_error(pred.data(), y.data(), w, rows, cols, g, T(1));
        } else {
          throw lamina::ValueError("Unknown loss kernel '" + name + "'.");
        }
        return py::make_tuple(total, grad);
      },
      py::arg("name"), py::arg("pred"), py::arg("y"), py::arg("sample_weight") = py::none());
}

}  // namespace

void register_loss_kernels(py::module_& kernels) {
  def_loss_kernels<double>(kernels);
  def_loss_kernels<float>(kernels);
}

}  // namespace lamina_bind
