// Recurrent layers (SimpleRNN, LSTM, GRU) with Keras 3's semantics: the whole
// time loop of a batch runs inside one op.
//
// Input x: [batch, timesteps, features] row-major. Output: [batch, units]
// (the last output) or, with return_sequences, [batch, timesteps, units] in
// processing order (reversed input time with go_backwards, as Keras).
//
// Params, in order (Keras 3's weight layouts, gates concatenated on the last
// axis):
//   kernel            [features, G * units]
//   recurrent_kernel  [units, G * units]
//   bias              [G * units], or [2, 3 * units] for GRU with reset_after
//                     (row 0 the input bias, row 1 the recurrent bias); only
//                     with use_bias
//   h, c (stateful)   [batch, units] each (c for LSTM only), has_grad = false:
//                     forward starts from them and writes the final state back
// with G = 1 (SimpleRNN), 4 (LSTM gates i, f, c, o) or 3 (GRU gates z, r, h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lamina/ops.h"

namespace lamina {

enum class CellKind { kSimpleRnn, kLstm, kGru };

struct RecurrentConfig {
  CellKind cell = CellKind::kLstm;
  int64_t units = 1;
  ActivationSpec activation = Activation::kTanh;
  ActivationSpec recurrent_activation = Activation::kSigmoid;  // LSTM and GRU gates
  bool use_bias = true;
  bool reset_after = true;  // GRU only
  bool return_sequences = false;
  bool go_backwards = false;
  // Masked steps output zeros instead of the previous output (Keras sets it
  // inside Bidirectional with return_sequences).
  bool zero_output_for_mask = false;
  // Keras's DropoutRNNCell, in training only and only for 0 < rate < 1: one
  // mask per sample for the inputs and one for the state, fixed over time,
  // scaled by 1 / (1 - rate). per_gate_dropout (Keras's implementation=1,
  // forced by recurrent_dropout for LSTM/GRU) draws one mask per gate.
  float dropout = 0.0f;
  float recurrent_dropout = 0.0f;
  bool per_gate_dropout = false;
  uint64_t seed = 0;
  // > 0: stateful with this batch size (fixed by the model's Input).
  int64_t stateful_batch = 0;
};

// Gates per cell: 1, 4 or 3.
int64_t recurrent_gate_count(CellKind cell);

std::unique_ptr<Op> make_recurrent_op(const std::string& name, const RecurrentConfig& config);

}  // namespace lamina
