// lamina._core.kernels: optimizer update kernels, per ISA. Each call updates
// w and its state arrays in place (float32, C-contiguous, all of w's size).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "bind_util.h"
#include "lamina/errors.h"
#include "lamina/kernels/kernel_table.h"

namespace lamina_bind {
namespace {

using Mut = py::array_t<float, py::array::c_style>;
using OptMut = std::optional<Mut>;

void check_sizes(const char* kernel, const Mut& w, std::initializer_list<py::ssize_t> sizes) {
  for (py::ssize_t s : sizes) {
    if (s != w.size()) throw lamina::ValueError(std::string(kernel) + ": arrays differ in size.");
  }
}

float* ptr(OptMut& a) { return a ? a->mutable_data() : nullptr; }
py::ssize_t size_or(const OptMut& a, py::ssize_t fallback) { return a ? a->size() : fallback; }

}  // namespace

void register_optimizer_kernels(py::module_& km) {
  const auto isa_arg = py::arg("isa") = py::none();
  km.def(
      "adam_update",
      [](Mut w, Arr<float> g, Mut m, Mut v, float alpha, float b1, float b2, float eps,
         std::optional<std::string> isa) {
        check_sizes("adam_update", w, {g.size(), m.size(), v.size()});
        table(isa).adam_update(w.mutable_data(), g.data(), m.mutable_data(), v.mutable_data(),
                               w.size(), alpha, b1, b2, eps);
      },
      py::arg("w"), py::arg("g"), py::arg("m"), py::arg("v"), py::arg("alpha"), py::arg("beta_1"),
      py::arg("beta_2"), py::arg("epsilon"), isa_arg);
  km.def(
      "adam_amsgrad_update",
      [](Mut w, Arr<float> g, Mut m, Mut v, Mut v_hat, float alpha, float b1, float b2, float eps,
         std::optional<std::string> isa) {
        check_sizes("adam_amsgrad_update", w, {g.size(), m.size(), v.size(), v_hat.size()});
        table(isa).adam_amsgrad_update(w.mutable_data(), g.data(), m.mutable_data(),
                                       v.mutable_data(), v_hat.mutable_data(), w.size(), alpha, b1,
                                       b2, eps);
      },
      py::arg("w"), py::arg("g"), py::arg("m"), py::arg("v"), py::arg("v_hat"), py::arg("alpha"),
      py::arg("beta_1"), py::arg("beta_2"), py::arg("epsilon"), isa_arg);
  km.def(
      "sgd_update",
      [](Mut w, Arr<float> g, Mut m, float lr, float momentum, bool nesterov,
         std::optional<std::string> isa) {
        check_sizes("sgd_update", w, {g.size(), m.size()});
        table(isa).sgd_update(w.mutable_data(), g.data(), m.mutable_data(), w.size(), lr, momentum,
                              nesterov);
      },
      py::arg("w"), py::arg("g"), py::arg("m"), py::arg("learning_rate"), py::arg("momentum"),
      py::arg("nesterov"), isa_arg);
  km.def(
      "adamax_update",
      [](Mut w, Arr<float> g, Mut m, Mut u, float lr, float b1, float b2, float eps,
         float bias_correction, std::optional<std::string> isa) {
        check_sizes("adamax_update", w, {g.size(), m.size(), u.size()});
        table(isa).adamax_update(w.mutable_data(), g.data(), m.mutable_data(), u.mutable_data(),
                                 w.size(), lr, b1, b2, eps, bias_correction);
      },
      py::arg("w"), py::arg("g"), py::arg("m"), py::arg("u"), py::arg("learning_rate"),
      py::arg("beta_1"), py::arg("beta_2"), py::arg("epsilon"), py::arg("bias_correction"),
      isa_arg);
  km.def(
      "nadam_update",
      [](Mut w, Arr<float> g, Mut m, Mut v, float lr, float b1, float b2, float eps, float m_scale,
         float g_scale, float v_scale, std::optional<std::string> isa) {
        check_sizes("nadam_update", w, {g.size(), m.size(), v.size()});
        table(isa).nadam_update(w.mutable_data(), g.data(), m.mutable_data(), v.mutable_data(),
                                w.size(), lr, b1, b2, eps, m_scale, g_scale, v_scale);
      },
      py::arg("w"), py::arg("g"), py::arg("m"), py::arg("v"), py::arg("learning_rate"),
      py::arg("beta_1"), py::arg("beta_2"), py::arg("epsilon"), py::arg("m_scale"),
      py::arg("g_scale"), py::arg("v_scale"), isa_arg);
  km.def(
      "rmsprop_update",
      [](Mut w, Arr<float> g, Mut v, OptMut mom, OptMut avg, float lr, float rho, float momentum,
         float eps, std::optional<std::string> isa) {
        check_sizes("rmsprop_update", w,
                    {g.size(), v.size(), size_or(mom, w.size()), size_or(avg, w.size())});
        table(isa).rmsprop_update(w.mutable_data(), g.data(), v.mutable_data(), ptr(mom), ptr(avg),
                                  w.size(), lr, rho, momentum, eps);
      },
      py::arg("w"), py::arg("g"), py::arg("v"), py::arg("momentum_slot"),
      py::arg("average_gradient"), py::arg("learning_rate"), py::arg("rho"), py::arg("momentum"),
      py::arg("epsilon"), isa_arg);
  km.def(
      "adagrad_update",
      [](Mut w, Arr<float> g, Mut acc, float lr, float eps, std::optional<std::string> isa) {
        check_sizes("adagrad_update", w, {g.size(), acc.size()});
        table(isa).adagrad_update(w.mutable_data(), g.data(), acc.mutable_data(), w.size(), lr,
                                  eps);
      },
      py::arg("w"), py::arg("g"), py::arg("accumulator"), py::arg("learning_rate"),
      py::arg("epsilon"), isa_arg);
  km.def(
      "adadelta_update",
      [](Mut w, Arr<float> g, Mut ag, Mut ad, float lr, float rho, float eps,
         std::optional<std::string> isa) {
        check_sizes("adadelta_update", w, {g.size(), ag.size(), ad.size()});
        table(isa).adadelta_update(w.mutable_data(), g.data(), ag.mutable_data(), ad.mutable_data(),
                                   w.size(), lr, rho, eps);
      },
      py::arg("w"), py::arg("g"), py::arg("accumulated_grad"), py::arg("accumulated_delta_var"),
      py::arg("learning_rate"), py::arg("rho"), py::arg("epsilon"), isa_arg);
  km.def(
      "ftrl_update",
      [](Mut w, Arr<float> g, Mut acc, Mut lin, float lr, float lr_power, float l1, float l2,
         float l2_shrinkage, std::optional<std::string> isa) {
        check_sizes("ftrl_update", w, {g.size(), acc.size(), lin.size()});
        table(isa).ftrl_update(w.mutable_data(), g.data(), acc.mutable_data(), lin.mutable_data(),
                               w.size(), lr, lr_power, l1, l2, l2_shrinkage);
      },
      py::arg("w"), py::arg("g"), py::arg("accumulator"), py::arg("linear"),
      py::arg("learning_rate"), py::arg("learning_rate_power"), py::arg("l1"), py::arg("l2"),
      py::arg("l2_shrinkage"), isa_arg);
  km.def(
      "lion_update",
      [](Mut w, Arr<float> g, Mut m, float lr, float b1, float b2, std::optional<std::string> isa) {
        check_sizes("lion_update", w, {g.size(), m.size()});
        table(isa).lion_update(w.mutable_data(), g.data(), m.mutable_data(), w.size(), lr, b1, b2);
      },
      py::arg("w"), py::arg("g"), py::arg("m"), py::arg("learning_rate"), py::arg("beta_1"),
      py::arg("beta_2"), isa_arg);
}

}  // namespace lamina_bind
