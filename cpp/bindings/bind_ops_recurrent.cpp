// Factory for the recurrent layer ops (SimpleRNN, LSTM, GRU).
#include <pybind11/stl.h>

#include <string>

#include "bind_ops.h"
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
}

}  // namespace lamina_bind
