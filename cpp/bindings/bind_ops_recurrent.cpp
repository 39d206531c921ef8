// Factory for the recurrent layer ops (SimpleRNN, LSTM, GRU).
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bind_ops.h"
#include "bind_util.h"
#include "lamina/errors.h"
#include "lamina/kernels/activation.h"
#include "lamina/ops/recurrent.h"

namespace lamina_bind {
namespace {

lamina::CellKind cell_kind(const std::string& cell) {
  if (cell == "simple_rnn") return lamina::CellKind::kSimpleRnn;
  if (cell == "lstm") return lamina::CellKind::kLstm;
  if (cell == "gru") return lamina::CellKind::kGru;
  throw lamina::ValueError("Unknown recurrent cell '" + cell +
                           "' (expected 'simple_rnn', 'lstm' or 'gru').");
}

bool valid_rate(float r) { return r >= 0.0f && r <= 1.0f; }

// Runs one op on its own: build, bind, reserve, mask, forward and (given
// dy) backward. Lets tests feed an op a mask or read its input gradient
// without a model around it.
py::tuple run_standalone(OpHandle& h, const std::vector<int64_t>& input_shape, Arr<float> x,
                         std::vector<py::array_t<float, py::array::c_style>> weights,
                         const py::object& mask, const py::object& dy, bool training, uint64_t step,
                         bool update_state) {
  if (!h.op) throw lamina::ValueError("This op was already used.");
  std::unique_ptr<lamina::Op> op = std::move(h.op);
  const lamina::Shape out_shape = op->build(input_shape);
  std::vector<lamina::Param>& params = op->params();
  if (weights.size() != params.size()) {
    throw lamina::ValueError("The op takes " + std::to_string(params.size()) + " weights, got " +
                             std::to_string(weights.size()) + ".");
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (weights[i].size() != params[i].size) {
      throw lamina::ValueError("Weight " + std::to_string(i) + " has the wrong size.");
    }
    params[i].value = weights[i].mutable_data();
  }
  const int64_t in_numel = lamina::shape_numel(input_shape);
  const int64_t batch = in_numel == 0 ? 0 : x.size() / in_numel;
  if (batch * in_numel != x.size()) throw lamina::ValueError("x does not match input_shape.");
  std::vector<float> mask_values;
  if (!mask.is_none()) {
    Arr<float> m = mask.cast<Arr<float>>();
    mask_values.assign(m.data(), m.data() + m.size());
  }
  op->reserve(batch);
  op->set_input_mask(mask_values.empty() ? nullptr : mask_values.data());
  std::vector<py::ssize_t> y_shape{batch};
  y_shape.insert(y_shape.end(), out_shape.begin(), out_shape.end());
  py::array_t<float> y(y_shape);
  lamina::StepContext ctx;
  ctx.training = training;
  ctx.step = step;
  ctx.update_state = update_state;
  op->forward(x.data(), y.mutable_data(), batch, ctx);
  if (dy.is_none()) return py::make_tuple(y, py::none(), py::none());
  Arr<float> dy_arr = dy.cast<Arr<float>>();
  if (dy_arr.size() != y.size()) throw lamina::ValueError("dy does not match the output.");
  std::vector<float> dy_copy(dy_arr.data(), dy_arr.data() + dy_arr.size());  // op may overwrite
  py::array_t<float> dx(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
  op->backward(x.data(), y.data(), dy_copy.data(), dx.mutable_data(), batch, ctx, false);
  py::list grads;
  for (lamina::Param& p : params) {
    if (!p.has_grad) continue;
    py::array_t<float> g(std::vector<py::ssize_t>(p.shape.begin(), p.shape.end()));
    std::copy(p.grad.data(), p.grad.data() + p.size, g.mutable_data());
    grads.append(g);
  }
  return py::make_tuple(y, dx, grads);
}

}  // namespace

void register_ops_recurrent(py::module_& ops) {
  ops.def(
      "recurrent",
      [](const std::string& name, const std::string& cell, int64_t units,
         const std::string& activation, const lamina::Params& activation_params,
         const std::string& recurrent_activation, const lamina::Params& recurrent_activation_params,
         bool use_bias, bool reset_after, bool return_sequences, bool go_backwards,
         bool zero_output_for_mask, float dropout, float recurrent_dropout, bool per_gate_dropout,
         uint64_t seed, int64_t stateful_batch) {
        if (!valid_rate(dropout) || !valid_rate(recurrent_dropout)) {
          throw lamina::ValueError("Layer '" + name + "': dropout rates must be in [0, 1].");
        }
        if (stateful_batch < 0) {
          throw lamina::ValueError("Layer '" + name + "': stateful_batch must be >= 0.");
        }
        lamina::RecurrentConfig c;
        c.cell = cell_kind(cell);
        c.units = units;
        c.activation = lamina::activation_spec(activation, activation_params);
        c.recurrent_activation =
            lamina::activation_spec(recurrent_activation, recurrent_activation_params);
        c.use_bias = use_bias;
        c.reset_after = reset_after;
        c.return_sequences = return_sequences;
        c.go_backwards = go_backwards;
        c.zero_output_for_mask = zero_output_for_mask;
        c.dropout = dropout;
        c.recurrent_dropout = recurrent_dropout;
        c.per_gate_dropout = per_gate_dropout;
        c.seed = seed;
        c.stateful_batch = stateful_batch;
        return handle(lamina::make_recurrent_op(name, c));
      },
      py::arg("name"), py::arg("cell"), py::arg("units"), py::arg("activation") = "tanh",
      py::arg("activation_params") = lamina::Params{}, py::arg("recurrent_activation") = "sigmoid",
      py::arg("recurrent_activation_params") = lamina::Params{}, py::arg("use_bias") = true,
      py::arg("reset_after") = true, py::arg("return_sequences") = false,
      py::arg("go_backwards") = false, py::arg("zero_output_for_mask") = false,
      py::arg("dropout") = 0.0f, py::arg("recurrent_dropout") = 0.0f,
      py::arg("per_gate_dropout") = false, py::arg("seed") = 0, py::arg("stateful_batch") = 0,
      "A SimpleRNN/LSTM/GRU op (cell 'simple_rnn', 'lstm' or 'gru'). Weights for Plan.add: "
      "kernel, recurrent_kernel, bias (if use_bias), then with stateful_batch > 0 the state "
      "h (and c for LSTM), [stateful_batch, units] each.");
  ops.def("run_standalone", &run_standalone, py::arg("op"), py::arg("input_shape"), py::arg("x"),
          py::arg("weights"), py::arg("mask") = py::none(), py::arg("dy") = py::none(),
          py::arg("training") = false, py::arg("step") = 0, py::arg("update_state") = true,
          "Test path: runs a fresh op alone on x [batch, *input_shape] with its weights "
          "(float32 arrays, written in place for state), an optional [batch, steps] mask and, "
          "with dy, its backward. Returns (y, dx, weight gradients) (dx, grads None without "
          "dy). The op is used up.");
}

}  // namespace lamina_bind
