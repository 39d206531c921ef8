// lamina._core.kernels: every kernel on its own, so tests can check it against
// numpy and finite differences and benchmarks can time it. Float64 inputs run
// the reference path where one exists.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "lamina/errors.h"
#include "lamina/kernels.h"

namespace py = pybind11;

namespace lamina_bind {
namespace {

template <typename T>
using Arr = py::array_t<T, py::array::c_style | py::array::forcecast>;

lamina::Activation parse_activation(const std::string& name) {
  if (name == "linear") return lamina::Activation::kLinear;
  if (name == "relu") return lamina::Activation::kRelu;
  if (name == "sigmoid") return lamina::Activation::kSigmoid;
  if (name == "tanh") return lamina::Activation::kTanh;
  if (name == "softmax") return lamina::Activation::kSoftmax;
  throw lamina::ValueError("Unknown activation '" + name + "'.");
}

const lamina::KernelTable& table(const std::optional<std::string>& isa) {
  return isa ? lamina::kernels_for(lamina::parse_isa(*isa)) : lamina::active_kernels();
}

// rows x cols view of an array whose last axis is cols.
template <typename T>
std::pair<int64_t, int64_t> rows_cols(const Arr<T>& a) {
  if (a.ndim() == 0) throw lamina::ValueError("Expected an array with at least one axis.");
  const int64_t cols = a.shape(a.ndim() - 1);
  return {cols == 0 ? 0 : a.size() / cols, cols};
}

template <typename T>
void def_elementwise(py::module_& k) {
  k.def("activation_forward", [](const std::string& name, Arr<T> x) {
    auto [rows, cols] = rows_cols(x);
    Arr<T> y(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
    lamina::activation_forward(parse_activation(name), x.data(), y.mutable_data(), rows, cols);
    return y;
  });
  k.def("activation_backward", [](const std::string& name, Arr<T> y, Arr<T> dy) {
    auto [rows, cols] = rows_cols(y);
    if (dy.size() != y.size()) throw lamina::ValueError("y and dy must have the same shape.");
    Arr<T> dx(std::vector<py::ssize_t>(y.shape(), y.shape() + y.ndim()));
    lamina::activation_backward(parse_activation(name), y.data(), dy.data(), dx.mutable_data(),
                                rows, cols);
    return dx;
  });
  k.def("column_sum", [](Arr<T> dy) {
    auto [rows, cols] = rows_cols(dy);
    Arr<T> out(cols);
    lamina::column_sum(dy.data(), rows, cols, out.mutable_data(), false);
    return out;
  });
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

void register_kernels(py::module_& mod) {
  py::module_ km = mod.def_submodule("kernels", "Individual kernels, for tests and benchmarks");
  // Float64 overloads first: pybind11 tries overloads in order, and forcecast
  // would otherwise turn every float64 input into the float32 path.
  def_elementwise<double>(km);
  def_elementwise<float>(km);

  km.def(
      "gemm",
      [](Arr<float> a, Arr<float> b, bool trans_a, bool trans_b, std::optional<Arr<float>> c,
         bool accumulate, std::optional<std::string> isa) {
        if (a.ndim() != 2 || b.ndim() != 2) throw lamina::ValueError("gemm needs 2-D a and b.");
        const int64_t m = trans_a ? a.shape(1) : a.shape(0);
        const int64_t k = trans_a ? a.shape(0) : a.shape(1);
        const int64_t kb = trans_b ? b.shape(1) : b.shape(0);
        const int64_t n = trans_b ? b.shape(0) : b.shape(1);
        if (k != kb) throw lamina::ValueError("gemm: inner dimensions differ.");
        Arr<float> out = c ? *c : Arr<float>({m, n});
        if (out.ndim() != 2 || out.shape(0) != m || out.shape(1) != n) {
          throw lamina::ValueError("gemm: c has the wrong shape.");
        }
        const lamina::KernelTable& kt = table(isa);
        float* cp = out.mutable_data();
        {
          py::gil_scoped_release release;
          lamina::gemm_f32(kt, trans_a, trans_b, m, n, k, a.data(), a.shape(1), b.data(),
                           b.shape(1), cp, n, accumulate);
        }
        return out;
      },
      py::arg("a"), py::arg("b"), py::arg("trans_a") = false, py::arg("trans_b") = false,
      py::arg("c") = py::none(), py::arg("accumulate") = false, py::arg("isa") = py::none());
  km.def(
      "gemm_f64_ref",
      [](Arr<double> a, Arr<double> b, bool trans_a, bool trans_b) {
        const int64_t m = trans_a ? a.shape(1) : a.shape(0);
        const int64_t k = trans_a ? a.shape(0) : a.shape(1);
        const int64_t n = trans_b ? b.shape(0) : b.shape(1);
        Arr<double> out({m, n});
        lamina::gemm_f64_ref(trans_a, trans_b, m, n, k, a.data(), a.shape(1), b.data(), b.shape(1),
                             out.mutable_data(), n, false);
        return out;
      },
      py::arg("a"), py::arg("b"), py::arg("trans_a") = false, py::arg("trans_b") = false);
  km.def(
      "adam_update",
      [](py::array_t<float, py::array::c_style> w, Arr<float> g,
         py::array_t<float, py::array::c_style> mom, py::array_t<float, py::array::c_style> vel,
         float alpha, float b1, float b2, float eps, std::optional<std::string> isa) {
        if (g.size() != w.size() || mom.size() != w.size() || vel.size() != w.size()) {
          throw lamina::ValueError("adam_update: arrays differ in size.");
        }
        table(isa).adam_update(w.mutable_data(), g.data(), mom.mutable_data(), vel.mutable_data(),
                               w.size(), alpha, b1, b2, eps);
      },
      py::arg("w"), py::arg("g"), py::arg("m"), py::arg("v"), py::arg("alpha"), py::arg("beta_1"),
      py::arg("beta_2"), py::arg("epsilon"), py::arg("isa") = py::none());
  km.def(
      "sgd_update",
      [](py::array_t<float, py::array::c_style> w, Arr<float> g,
         py::array_t<float, py::array::c_style> mom, float lr, float momentum, bool nesterov,
         std::optional<std::string> isa) {
        if (g.size() != w.size() || mom.size() != w.size()) {
          throw lamina::ValueError("sgd_update: arrays differ in size.");
        }
        table(isa).sgd_update(w.mutable_data(), g.data(), mom.mutable_data(), w.size(), lr,
                              momentum, nesterov);
      },
      py::arg("w"), py::arg("g"), py::arg("m"), py::arg("learning_rate"), py::arg("momentum"),
      py::arg("nesterov"), py::arg("isa") = py::none());
  km.def("dropout_forward", [](Arr<float> x, float rate, uint64_t seed, uint64_t step) {
    Arr<float> y(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
    lamina::dropout_forward(x.data(), y.mutable_data(), x.size(), rate, seed, step);
    return y;
  });
  km.def("dropout_backward", [](Arr<float> dy, float rate, uint64_t seed, uint64_t step) {
    Arr<float> dx(std::vector<py::ssize_t>(dy.shape(), dy.shape() + dy.ndim()));
    lamina::dropout_backward(dy.data(), dx.mutable_data(), dy.size(), rate, seed, step);
    return dx;
  });
  km.def("counter_uniform", [](uint64_t seed, uint64_t step, int64_t n) {
    Arr<float> out(n);
    for (int64_t i = 0; i < n; ++i) {
      out.mutable_data()[i] = lamina::counter_uniform(seed, step, static_cast<uint64_t>(i));
    }
    return out;
  });
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
