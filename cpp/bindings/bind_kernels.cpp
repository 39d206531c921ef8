// lamina._core.kernels: every kernel on its own, so tests can check it against
// numpy and finite differences and benchmarks can time it. This file holds
// GEMM and dropout; each kernel family binds itself in its own file.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bind_util.h"
#include "lamina/errors.h"
#include "lamina/kernels/dropout.h"
#include "lamina/kernels/gemm.h"

namespace lamina_bind {

void register_activation_kernels(py::module_& kernels);
void register_conv_kernels(py::module_& kernels);
void register_loss_kernels(py::module_& kernels);
void register_metric_kernels(py::module_& kernels);
void register_optimizer_kernels(py::module_& kernels);

void register_kernels(py::module_& mod) {
  py::module_ km = mod.def_submodule("kernels", "Individual kernels, for tests and benchmarks");
  register_activation_kernels(km);
  register_conv_kernels(km);
  register_loss_kernels(km);
  register_metric_kernels(km);
  register_optimizer_kernels(km);

  km.def(
      "gemm",
      [](Arr<float> a, Arr<float> b, bool trans_a, bool trans_b, std::optional<Arr<float>> c,
         bool accumulate, std::optional<std::string> isa, std::optional<Arr<float>> bias,
         std::optional<std::string> activation) {
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
        // Optional fused epilogue: C = activation(C + bias).
        lamina::GemmEpilogue epilogue;
        lamina::ActivationSpec spec;
        if (bias) {
          if (bias->ndim() != 1 || bias->shape(0) != n) {
            throw lamina::ValueError("gemm: bias must have shape (n,).");
          }
          epilogue.bias = bias->data();
        }
        if (activation) {
          spec = lamina::activation_spec(*activation);
          epilogue.activation = &spec;
        }
        const lamina::KernelTable& kt = table(isa);
        float* cp = out.mutable_data();
        {
          py::gil_scoped_release release;
          lamina::gemm_f32(kt, trans_a, trans_b, m, n, k, a.data(), a.shape(1), b.data(),
                           b.shape(1), cp, n, accumulate, epilogue);
        }
        return out;
      },
      py::arg("a"), py::arg("b"), py::arg("trans_a") = false, py::arg("trans_b") = false,
      py::arg("c") = py::none(), py::arg("accumulate") = false, py::arg("isa") = py::none(),
      py::arg("bias") = py::none(), py::arg("activation") = py::none());
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
}

}  // namespace lamina_bind
