// lamina._core.Plan: the compiled model. Weight and optimizer-state arrays are
// numpy arrays owned by Python; the plan reads and writes them in place and
// keeps a reference so they outlive it. Steps release the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bind_ops.h"
#include "lamina/errors.h"
#include "lamina/plan.h"

namespace py = pybind11;

namespace lamina_bind {
namespace {

using lamina::ValueError;

struct PyPlan {
  std::unique_ptr<lamina::Plan> plan;
  std::vector<py::object> keepalive;
};

// A float32, C-contiguous array, checked without copying: the plan keeps the
// pointer, so a converted temporary would silently detach it from the weights.
template <typename T>
T* exact_array(const py::array& a, const char* what, bool writable) {
  if (!py::isinstance<py::array_t<T>>(a) || !(a.flags() & py::array::c_style)) {
    throw py::type_error(std::string(what) + " must be a C-contiguous " +
                         (std::is_same<T, float>::value ? "float32" : "int64") + " array.");
  }
  if (writable && !a.writeable()) throw ValueError(std::string(what) + " must be writeable.");
  return static_cast<T*>(const_cast<void*>(a.data()));
}

void bind_param(PyPlan& p, lamina::Param& param, const py::array& a, const std::string& layer) {
  float* data = exact_array<float>(a, "A weight", true);
  if (a.size() != param.size) {
    throw ValueError("Layer '" + layer + "' weight '" + param.name + "' expects " +
                     std::to_string(param.size) + " values, got an array of " +
                     std::to_string(a.size()) + ".");
  }
  param.value = data;
  p.keepalive.push_back(a);
}

// Builds the BatchView for x (and y, sample_weight) with optional row index.
lamina::BatchView batch_view(lamina::Plan& plan, const py::array& x, const py::object& y,
                             const py::object& sw, const py::object& index, bool need_y) {
  lamina::BatchView b;
  b.x = exact_array<float>(x, "x", false);
  const int64_t in_numel = lamina::shape_numel(plan.input_shape());
  if (x.ndim() < 1 || (x.shape(0) > 0 && x.size() / x.shape(0) != in_numel)) {
    throw ValueError(
        "x has " + std::to_string(x.ndim() ? x.size() / std::max<py::ssize_t>(1, x.shape(0)) : 0) +
        " values per sample; the model expects " + std::to_string(in_numel) + ".");
  }
  const int64_t n = x.shape(0);
  b.rows = n;
  if (!index.is_none()) {
    py::array idx = index.cast<py::array>();
    b.index = exact_array<int64_t>(idx, "index", false);
    b.rows = idx.size();
    b.index_bound = n;
  }
  if (need_y) {
    py::array ya = y.cast<py::array>();
    b.y = exact_array<float>(ya, "y", false);
    if (ya.ndim() < 1 || ya.shape(0) != n || (n > 0 && ya.size() / n != plan.label_numel())) {
      throw ValueError("y has " + std::to_string(n > 0 ? ya.size() / std::max<int64_t>(1, n) : 0) +
                       " values per sample for " + std::to_string(ya.ndim() ? ya.shape(0) : 0) +
                       " samples; expected " + std::to_string(plan.label_numel()) +
                       " per sample for " + std::to_string(n) + " samples.");
    }
  }
  if (!sw.is_none()) {
    py::array swa = sw.cast<py::array>();
    b.sw = exact_array<float>(swa, "sample_weight", false);
    const lamina::Shape& out = plan.output_shape();
    const int64_t timesteps = lamina::shape_numel(out) / (out.empty() ? 1 : out.back());
    if (swa.size() == n) {
      b.sw_width = 1;
    } else if (swa.size() == n * timesteps) {
      b.sw_width = timesteps;
    } else {
      throw ValueError("sample_weight has " + std::to_string(swa.size()) + " values for " +
                       std::to_string(n) + " samples; expected one per sample" +
                       (timesteps > 1
                            ? " or one per timestep (" + std::to_string(timesteps) + " per sample)"
                            : std::string()) +
                       ".");
    }
  }
  return b;
}

// Splits one view into consecutive batches of the given sizes: row ranges of
// x/y/sw, or ranges of the row index.
std::vector<lamina::BatchView> split_batches(lamina::Plan& plan, const lamina::BatchView& all,
                                             const std::vector<int64_t>& sizes) {
  std::vector<lamina::BatchView> out;
  const int64_t in_numel = lamina::shape_numel(plan.input_shape());
  const int64_t y_numel = plan.label_numel();
  int64_t offset = 0;
  for (int64_t size : sizes) {
    if (size < 0 || offset + size > all.rows) {
      throw ValueError("Batch sizes add up to more than the " + std::to_string(all.rows) +
                       " rows given.");
    }
    lamina::BatchView b = all;
    b.rows = size;
    if (all.index != nullptr) {
      b.index = all.index + offset;
    } else {
      b.x = all.x + offset * in_numel;
      if (all.y != nullptr) b.y = all.y + offset * y_numel;
      if (all.sw != nullptr) b.sw = all.sw + offset * all.sw_width;
    }
    out.push_back(b);
    offset += size;
  }
  return out;
}

}  // namespace

void register_plan(py::module_& m) {
  py::class_<PyPlan>(m, "Plan")
      .def(py::init([](std::vector<int64_t> input_shape) {
             auto p = std::make_unique<PyPlan>();
             p->plan = std::make_unique<lamina::Plan>(std::move(input_shape));
             return p;
           }),
           py::arg("input_shape"))
      .def(
          "add",
          [](PyPlan& p, OpHandle& h, const std::vector<py::array>& weights) {
            if (!h.op) throw ValueError("This op was already added to a plan.");
            // Built first: an op's weight shapes may depend on its input shape.
            lamina::Op& op = *h.op;
            p.plan->add_op(std::move(h.op));
            std::vector<lamina::Param*> params = op.bound_params();
            if (weights.size() != params.size()) {
              throw ValueError("Layer '" + op.name() + "' (" + op.kind() + ") takes " +
                               std::to_string(params.size()) + " weights, got " +
                               std::to_string(weights.size()) + ".");
            }
            for (size_t i = 0; i < weights.size(); ++i) {
              bind_param(p, *params[i], weights[i], op.name());
            }
          },
          py::arg("op"), py::arg("weights") = std::vector<py::array>{},
          "Appends the op (built on the current output shape) and binds its weights: numpy "
          "arrays the plan reads and writes in place, in the op's params() order. On an error "
          "the plan is unusable; build a new one.")
      .def(
          "set_mask_rule",
          [](PyPlan& p, int64_t op_index, const std::string& rule) {
            lamina::MaskRule r;
            if (rule == "drop") {
              r = lamina::MaskRule::kDrop;
            } else if (rule == "keep") {
              r = lamina::MaskRule::kKeep;
            } else if (rule == "new") {
              r = lamina::MaskRule::kNew;
            } else {
              throw ValueError("Unknown mask rule '" + rule + "' (drop, keep or new).");
            }
            p.plan->set_mask_rule(op_index, r);
          },
          py::arg("op_index"), py::arg("rule"),
          "What op `op_index` does with a mask at its input: drop it (the default), keep "
          "it for the next op, or replace it with the mask it computes.")
      .def_property_readonly("output_masked", [](PyPlan& p) { return p.plan->output_masked(); })
      .def_property_readonly("output_shape", [](PyPlan& p) { return p.plan->output_shape(); })
      .def_property_readonly("label_numel", [](PyPlan& p) { return p.plan->label_numel(); })
      .def("set_loss", [](PyPlan& p, const std::string& name,
                          const lamina::Params& params) { p.plan->set_loss(name, params); })
      .def("add_metric", [](PyPlan& p, const std::string& name,
                            const lamina::Params& params) { p.plan->add_metric(name, params); })
      .def("set_optimizer",
           [](PyPlan& p, const std::string& name, const lamina::Params& params,
              const py::array& hyper, const py::array& iterations,
              const std::vector<std::vector<py::array>>& slots) {
             float* h = exact_array<float>(hyper, "Optimizer hyper-parameters", false);
             int64_t* it = exact_array<int64_t>(iterations, "iterations", true);
             std::vector<lamina::Param*> params_list = p.plan->params();
             std::vector<std::vector<float*>> ptrs;
             for (size_t i = 0; i < slots.size(); ++i) {
               std::vector<float*> row;
               for (const py::array& s : slots[i]) {
                 float* d = exact_array<float>(s, "Optimizer state", true);
                 if (i < params_list.size() && s.size() != params_list[i]->size) {
                   throw ValueError("Optimizer state does not match the weight's size.");
                 }
                 row.push_back(d);
               }
               ptrs.push_back(std::move(row));
             }
             p.plan->set_optimizer(name, params, h, hyper.size(), it, std::move(ptrs));
             // Kept alive only once the plan accepted them.
             for (const auto& row : slots) {
               for (const py::array& s : row) p.keepalive.push_back(s);
             }
             p.keepalive.push_back(hyper);
             p.keepalive.push_back(iterations);
           })
      .def(
          "train_step",
          [](PyPlan& p, const py::array& x, const py::object& y, const py::object& sw,
             const py::object& index) {
            lamina::BatchView b = batch_view(*p.plan, x, y, sw, index, true);
            py::gil_scoped_release release;
            return p.plan->train_step(b);
          },
          py::arg("x"), py::arg("y"), py::arg("sample_weight") = py::none(),
          py::arg("index") = py::none(),
          "One training step; False when the update is held back as non-finite "
          "(see set_check_finite).")
      .def(
          "train_steps",
          [](PyPlan& p, const py::array& x, const py::object& y, const py::object& sw,
             const py::object& index, const std::vector<int64_t>& sizes) {
            lamina::BatchView all = batch_view(*p.plan, x, y, sw, index, true);
            std::vector<lamina::BatchView> batches = split_batches(*p.plan, all, sizes);
            py::gil_scoped_release release;
            return p.plan->train_steps(batches);
          },
          py::arg("x"), py::arg("y"), py::arg("sample_weight"), py::arg("index"), py::arg("sizes"),
          "Consecutive batches of the given sizes in one call; returns the position of a "
          "batch whose update is pending, or -1.")
      .def(
          "test_steps",
          [](PyPlan& p, const py::array& x, const py::object& y, const py::object& sw,
             const py::object& index, const std::vector<int64_t>& sizes) {
            lamina::BatchView all = batch_view(*p.plan, x, y, sw, index, true);
            std::vector<lamina::BatchView> batches = split_batches(*p.plan, all, sizes);
            py::gil_scoped_release release;
            p.plan->test_steps(batches);
          },
          py::arg("x"), py::arg("y"), py::arg("sample_weight"), py::arg("index"), py::arg("sizes"))
      .def(
          "diagnose",
          [](PyPlan& p, const py::array& x, const py::object& y, const py::object& sw,
             const py::object& index) {
            lamina::BatchView b = batch_view(*p.plan, x, y, sw, index, true);
            lamina::NonFiniteReport r;
            {
              py::gil_scoped_release release;
              r = p.plan->diagnose(b);
            }
            py::dict d;
            d["inputs"] = r.inputs_nonfinite;
            d["targets"] = r.targets_nonfinite;
            d["sample_weights"] = r.sample_weights_nonfinite;
            d["loss"] = r.loss_nonfinite;
            d["forward_op"] = r.forward_op;
            d["backward_op"] = r.backward_op;
            d["backward_in_weights"] = r.backward_in_weights;
            return d;
          },
          py::arg("x"), py::arg("y"), py::arg("sample_weight") = py::none(),
          py::arg("index") = py::none(),
          "Re-runs a batch on the current weights, checking every op for NaN/Inf.")
      .def("apply_pending_update",
           [](PyPlan& p) {
             py::gil_scoped_release release;
             p.plan->apply_pending_update();
           })
      .def("set_check_finite", [](PyPlan& p, bool on) { p.plan->set_check_finite(on); })
      .def_property_readonly("update_pending", [](PyPlan& p) { return p.plan->update_pending(); })
      .def("set_loss_weight", [](PyPlan& p, double w) { p.plan->set_loss_weight(w); })
      .def("op_name", [](PyPlan& p, int64_t i) { return p.plan->op(i).name(); })
      .def_property_readonly("num_ops", [](PyPlan& p) { return p.plan->num_ops(); })
      .def_property_readonly(
          "num_params", [](PyPlan& p) { return static_cast<int64_t>(p.plan->params().size()); })
      .def(
          "set_weight_regularizer",
          [](PyPlan& p, int64_t index, double l1, double l2) {
            p.plan->set_weight_regularizer(index, lamina::L1L2{l1, l2});
          },
          py::arg("index"), py::arg("l1"), py::arg("l2"))
      .def(
          "set_weight_constraint",
          [](PyPlan& p, int64_t index, const std::string& name, double min_value, double max_value,
             double rate, const std::vector<int64_t>& axes) {
            std::vector<lamina::Param*> params = p.plan->params();
            if (index < 0 || index >= static_cast<int64_t>(params.size())) {
              throw ValueError("Weight index " + std::to_string(index) + " is out of range.");
            }
            p.plan->set_weight_constraint(
                index, lamina::make_constraint(name, min_value, max_value, rate, axes,
                                               params[static_cast<size_t>(index)]->shape));
          },
          py::arg("index"), py::arg("name"), py::arg("min_value"), py::arg("max_value"),
          py::arg("rate"), py::arg("axes"))
      .def(
          "set_activity_regularizer",
          [](PyPlan& p, int64_t op_index, double l1, double l2) {
            p.plan->set_activity_regularizer(op_index, lamina::L1L2{l1, l2});
          },
          py::arg("op_index"), py::arg("l1"), py::arg("l2"))
      .def(
          "test_step",
          [](PyPlan& p, const py::array& x, const py::object& y, const py::object& sw,
             const py::object& index) {
            lamina::BatchView b = batch_view(*p.plan, x, y, sw, index, true);
            py::gil_scoped_release release;
            p.plan->test_step(b);
          },
          py::arg("x"), py::arg("y"), py::arg("sample_weight") = py::none(),
          py::arg("index") = py::none())
      .def(
          "predict",
          [](PyPlan& p, const py::array& x, const py::array& out, const py::object& index) {
            lamina::BatchView b = batch_view(*p.plan, x, py::none(), py::none(), index, false);
            float* o = exact_array<float>(out, "out", true);
            if (out.size() != b.rows * lamina::shape_numel(p.plan->output_shape())) {
              throw ValueError("predict: out has the wrong size.");
            }
            py::gil_scoped_release release;
            p.plan->predict(b, o);
          },
          py::arg("x"), py::arg("out"), py::arg("index") = py::none())
      .def("accumulators", [](PyPlan& p) { return p.plan->accumulators(); })
      .def("reset_metrics", [](PyPlan& p) { p.plan->reset_metrics(); })
      .def("metric_state_sizes", [](PyPlan& p) { return p.plan->metric_state_sizes(); })
      .def("last_output",
           [](PyPlan& p) {
             // A copy of the last step's output, [rows, output shape...].
             std::vector<py::ssize_t> shape{p.plan->last_rows()};
             for (int64_t d : p.plan->output_shape()) shape.push_back(d);
             py::array_t<float> out(shape);
             if (p.plan->last_rows() > 0) {
               std::copy(p.plan->last_output(), p.plan->last_output() + out.size(),
                         out.mutable_data());
             }
             return out;
           })
      .def("last_output_mask",
           [](PyPlan& p) -> py::object {
             // A copy of the last step's output mask, [rows, output shape[:-1]...],
             // or None when no mask reaches the output.
             const float* mask = p.plan->last_output_mask();
             if (mask == nullptr) return py::none();
             std::vector<py::ssize_t> shape{p.plan->last_rows()};
             const lamina::Shape& out_shape = p.plan->output_shape();
             for (size_t i = 0; i + 1 < out_shape.size(); ++i) shape.push_back(out_shape[i]);
             py::array_t<float> out(shape);
             std::copy(mask, mask + out.size(), out.mutable_data());
             return std::move(out);
           })
      .def("gradients",
           [](PyPlan& p) {
             // Copies of the last step's weight gradients, in weight order.
             py::list out;
             for (lamina::Param* param : p.plan->params()) {
               py::array_t<float> g(
                   std::vector<py::ssize_t>(param->shape.begin(), param->shape.end()));
               if (param->has_grad) {
                 std::copy(param->grad.data(), param->grad.data() + param->size, g.mutable_data());
               } else {  // state such as moving statistics: no gradient
                 std::fill(g.mutable_data(), g.mutable_data() + param->size, 0.0f);
               }
               out.append(g);
             }
             return out;
           })
      .def_property_readonly("steps_run", [](PyPlan& p) { return p.plan->steps_run(); });
}

}  // namespace lamina_bind
