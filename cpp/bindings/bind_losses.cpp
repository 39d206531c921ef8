// lamina._core.kernels: every registered loss run on its own, through the same
// NativeLoss the engine trains with (float64 input runs the reference path),
// for standalone loss calls, tests against Keras and finite differences.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bind_util.h"
#include "lamina/engine/loss.h"
#include "lamina/errors.h"
#include "lamina/kernels/loss.h"

namespace lamina_bind {
namespace {

template <typename T>
void def_loss_kernels(py::module_& k) {
  k.def(
      "check_sparse_labels",
      [](Arr<T> labels, int64_t num_classes, std::optional<double> ignore_class) {
        lamina::check_sparse_labels(labels.data(), labels.size(), num_classes,
                                    ignore_class.has_value(), ignore_class.value_or(0.0));
      },
      py::arg("labels"), py::arg("num_classes"), py::arg("ignore_class") = py::none());
  // (total, row_loss, grad): total = sum_r w_r loss_r, row_loss the unweighted
  // per-row losses, grad = d total / d pred. `logits=True` says pred holds the
  // logits of the loss's fusable activation (the engine's fused path).
  k.def(
      "loss",
      [](const std::string& name, Arr<T> pred, Arr<T> y, std::optional<Arr<T>> sw,
         const lamina::Params& params, bool logits) {
        auto loss = lamina::make_loss(name, params);
        auto [rows, cols] = rows_cols(pred);
        const int64_t label_cols = loss->label_cols(cols);
        if (y.size() != rows * label_cols) {
          throw lamina::ValueError("Loss '" + name + "': labels have " + std::to_string(y.size()) +
                                   " values for " + std::to_string(rows) + " rows of " +
                                   std::to_string(cols) + " predictions (expected " +
                                   std::to_string(rows * label_cols) + ").");
        }
        if (sw && sw->size() != rows) {
          throw lamina::ValueError("Loss '" + name + "': sample_weight needs one value per row.");
        }
        if (label_cols == 1 && cols > 0) {
          // Sparse labels: validated as the engine does (in float32).
          std::vector<float> labels(y.data(), y.data() + y.size());
          loss->check_labels(labels.data(), rows, cols);
        }
        Arr<T> grad(std::vector<py::ssize_t>(pred.shape(), pred.shape() + pred.ndim()));
        Arr<T> row_loss(std::vector<py::ssize_t>{static_cast<py::ssize_t>(rows)});
        lamina::LossArgs<T> a;
        a.pred = pred.data();
        a.y = y.data();
        a.weight = sw ? sw->data() : nullptr;
        a.rows = rows;
        a.cols = cols;
        a.scale = T(1);
        a.row_loss = row_loss.mutable_data();
        a.grad = grad.mutable_data();
        const double total = loss->compute_rows(a, logits);
        return py::make_tuple(total, row_loss, grad);
      },
      py::arg("name"), py::arg("pred"), py::arg("y"), py::arg("sample_weight") = py::none(),
      py::arg("params") = lamina::Params{}, py::arg("logits") = false);
}

}  // namespace

void register_loss_kernels(py::module_& kernels) {
  def_loss_kernels<double>(kernels);
  def_loss_kernels<float>(kernels);
  // The engine's reduction of a weighted loss sum: (grad scale, value scale).
  kernels.def(
      "loss_reduction_scale",
      [](const std::string& name, const lamina::Params& params, std::optional<Arr<float>> sw,
         Arr<float> y, int64_t rows, int64_t cols) {
        auto loss = lamina::make_loss(name, params);
        if (rows < 0 || y.size() != rows * loss->label_cols(cols) || (sw && sw->size() != rows)) {
          throw lamina::ValueError("loss_reduction_scale: labels or weights do not fit rows.");
        }
        const lamina::LossScale s =
            loss->reduction_scale(sw ? sw->data() : nullptr, y.data(), rows, cols);
        return py::make_tuple(s.grad, s.value);
      },
      py::arg("name"), py::arg("params"), py::arg("sample_weight"), py::arg("y"), py::arg("rows"),
      py::arg("cols"));
}

}  // namespace lamina_bind
