// The per-step math of the three cells (cells.cpp), shared by the recurrent
// op's time loop (recurrent_op.cpp). Internal to the recurrent op.
//
// Layout: every per-step record lives in a batch-major buffer with one row
// per (sample b, input time t), row index b * T + t, so the input projection
// and the weight gradients after the loop are single GEMMs over all rows.
// Per-step state (the current h, c and output) lives in [batch, units]
// scratch. A step works on a range of samples [b0, b1): samples never
// interact, so threads split the batch for the whole loop.
#pragma once

#include <cstdint>

#include "lamina/kernels.h"
#include "lamina/ops/recurrent.h"

namespace lamina {
namespace rnn {

struct CellSpec {
  CellKind cell;
  int64_t units;  // U
  int64_t gates;  // G
  ActivationSpec activation;
  ActivationSpec recurrent_activation;
  bool reset_after;
  // Biases added in the step (zeros without use_bias): the input bias [G*U],
  // and the GRU's recurrent bias [3U] (zeros unless reset_after). Keras's
  // order of additions: LSTM (xW + hR) + b, GRU (xW + b_in) + (hR + b_rec),
  // SimpleRNN (xW + b) + hR.
  const float* input_bias;
  const float* recurrent_bias;
};

// Where one batch's records are. Row strides: gates and pre G*U, the rest U.
struct SequenceBuffers {
  int64_t steps = 0;       // T
  float* gates = nullptr;  // forward: in the input projection (+ input bias), out the
                           // activated gates; backward: overwritten with the gradients
                           // of the gate pre-activations on the recurrent side
  float* pre = nullptr;    // gate pre-activations, kept only when an activation's
                           // backward reads them (null otherwise)
  float* hprev = nullptr;  // h before the step
  float* cprev = nullptr;  // LSTM: c before the step
  float* cnew = nullptr;   // LSTM: the candidate c
  float* cact = nullptr;   // LSTM: activation(candidate c)
  float* rh = nullptr;     // GRU: reset_after: the recurrent h-gate term h R_h + b_rh;
                           // else r * (dropped) h, the h-gate's recurrent input
  float* dh_in = nullptr;  // GRU with reset_after, backward: the h gate's
                           // pre-activation gradient (input side)
};

// The step functions of the cells (cell_math.inc, compiled per ISA).
//
// Forward of samples [b0, b1) at input time t. zrec: the recurrent
// projection of the step, [batch, G*U] (GRU without reset_after: z and r
// columns only until gru_forward_candidate). Candidate outputs go to hcand
// [batch, U] (LSTM's candidate c to buf.cnew).
//
// GRU forward runs in two phases: gates z and r (and, with reset_after, the
// h-gate's recurrent term; without, r * hd_h into buf.rh for the second
// product), then the candidate from zrec's h columns (reset_after = false:
// filled by the caller between the phases with (r * hd_h) R_h). hd_h: the
// state the h gate reads (dropped with recurrent dropout), [batch, U].
//
// Backward of samples [b0, b1) at input time t, for the samples with
// active[b] set (the others are left alone). dcand: dL/d(candidate h),
// [batch, U]. Writes the gate pre-activation gradients into buf.gates' rows
// and the state gradient that bypasses the recurrent kernel into dh
// ([batch, U], overwritten for active samples); LSTM updates dc in place.
// scratch: [batch, G*U] floats the rows may use.
//
// GRU backward: with reset_after everything; without, the z and h gates (dh
// gets dcand * z) and then, once the caller has drh = dL/d(r * hd_h) =
// (h-gate gradient) R_h^T ([batch, U]), gru_backward_reset does the r gate
// (its gradient drh * h_prev * rmask_h) and adds drh * r * rmask_h to dh
// (rmask_h: the h gate's recurrent dropout mask [batch, U], or null).
struct CellKernels {
  void (*simple_rnn_forward)(const CellSpec& s, const SequenceBuffers& buf, const float* zrec,
                             int64_t t, int64_t b0, int64_t b1, float* hcand);
  void (*lstm_forward)(const CellSpec& s, const SequenceBuffers& buf, const float* zrec, int64_t t,
                       int64_t b0, int64_t b1, float* hcand);
  void (*gru_forward_gates)(const CellSpec& s, const SequenceBuffers& buf, const float* zrec,
                            const float* hd_h, int64_t t, int64_t b0, int64_t b1);
  void (*gru_forward_candidate)(const CellSpec& s, const SequenceBuffers& buf, const float* zrec,
                                int64_t t, int64_t b0, int64_t b1, float* hcand);
  void (*simple_rnn_backward)(const CellSpec& s, const SequenceBuffers& buf, const uint8_t* active,
                              const float* dcand, int64_t t, int64_t b0, int64_t b1, float* dh,
                              float* scratch);
  void (*lstm_backward)(const CellSpec& s, const SequenceBuffers& buf, const uint8_t* active,
                        const float* dcand, int64_t t, int64_t b0, int64_t b1, float* dh, float* dc,
                        float* scratch);
  void (*gru_backward)(const CellSpec& s, const SequenceBuffers& buf, const uint8_t* active,
                       const float* dcand, int64_t t, int64_t b0, int64_t b1, float* dh,
                       float* scratch);
  void (*gru_backward_reset)(const CellSpec& s, const SequenceBuffers& buf, const uint8_t* active,
                             const float* drh, const float* rmask_h, int64_t t, int64_t b0,
                             int64_t b1, float* dh, float* scratch);
};

// The build for the active kernel table's ISA (LAMINA_ISA caps it too).
const CellKernels& cell_kernels();
CellKernels cell_kernels_baseline();
CellKernels cell_kernels_avx2();    // x86 builds only
CellKernels cell_kernels_avx512();  // x86 builds only

// Dropout masks (dropout_masks.cpp): `count` masks of n values each into
// out, 0 or 1 / (1 - rate), from the counter generator keyed by (seed, step),
// so a re-run step draws the same masks whatever the thread count.
void draw_dropout_masks(float* out, int64_t count, int64_t n, float rate, uint64_t seed,
                        uint64_t step);
// out[b, t, :] = x[b, t, :] * mask[b, :] for x [batch, steps, width] (one
// mask row per sample, the same at every step). out may alias x.
void mask_over_time(const float* x, const float* mask, float* out, int64_t batch, int64_t steps,
                    int64_t width);
// out[b, t, :] += x[b, t, :] * mask[b, :].
void add_masked_over_time(const float* x, const float* mask, float* out, int64_t batch,
                          int64_t steps, int64_t width);

}  // namespace rnn
}  // namespace lamina
