// The recurrent op: Keras 3's RNN loop (keras/src/backend/tensorflow/rnn.py
// semantics) around one of the three cells (cells.cpp).
//
// Forward: one GEMM projects every (sample, step) input at once
// (X[B*T, in] W + b); then the time loop, in which each step does one GEMM
// h_{t-1} R for all gates and the fused gate math. Samples never interact,
// so the batch is split across threads for the whole loop (one hand-off per
// batch, not per step), and every row's result is independent of the split.
//
// Masks (rnn.py): a masked step keeps the previous state and outputs the
// previous output (zeros with zero_output_for_mask); the output before the
// first step is zeros, also for a stateful layer whose state is not.
//
// Backward (BPTT): per step only dG_t R^T; after the loop one GEMM each for
// dW = X^T dG, dR = H_prev^T dG, dX = dG W^T and column sums for the bias.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cell_math.h"
#include "lamina/errors.h"
#include "lamina/ops/recurrent.h"

namespace lamina {
namespace {

using rnn::CellSpec;
using rnn::SequenceBuffers;

void copy_floats(const float* src, float* dst, int64_t n) {
  std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(n));
}

void zero_floats(float* dst, int64_t n) {
  std::memset(dst, 0, sizeof(float) * static_cast<size_t>(n));
}

bool active_rate(float rate) { return rate > 0.0f && rate < 1.0f; }

Param make_param(const std::string& name, Shape shape, bool has_grad) {
  Param p;
  p.name = name;
  p.size = shape_numel(shape);
  p.shape = std::move(shape);
  p.has_grad = has_grad;
  return p;
}

// A column block of the input-side gate gradients: where its values are.
struct InputSegment {
  int64_t col;    // first column in [0, G*U)
  int64_t width;  // columns
  const float* src;
  int64_t ld;
  int64_t mask;  // which input dropout mask applies (per-gate masks), else 0
};

class RecurrentOp final : public Op {
 public:
  RecurrentOp(const std::string& name, const RecurrentConfig& config)
      : Op(name), cfg_(config), g_(recurrent_gate_count(config.cell)), u_(config.units) {
    gu_ = g_ * u_;
    gru_ = cfg_.cell == CellKind::kGru;
    lstm_ = cfg_.cell == CellKind::kLstm;
    gru_split_ = gru_ && !cfg_.reset_after;
    mask_count_ = cfg_.per_gate_dropout ? g_ : 1;
    needs_pre_ = activation_backward_needs_x(cfg_.activation) ||
                 (cfg_.cell != CellKind::kSimpleRnn &&
                  activation_backward_needs_x(cfg_.recurrent_activation));
  }

  const char* kind() const override {
    switch (cfg_.cell) {
      case CellKind::kSimpleRnn:
        return "SimpleRNN";
      case CellKind::kLstm:
        return "LSTM";
      case CellKind::kGru:
        return "GRU";
    }
    return "RNN";
  }

  Shape build(const Shape& input) override {
    if (input.size() != 2) {
      throw ValueError("Input 0 of layer \"" + name_ +
                       "\" is incompatible with the layer: expected ndim=3, found ndim=" +
                       std::to_string(input.size() + 1) +
                       ". Full shape received: " + shape_str(input) +
                       " (a recurrent layer takes (batch, timesteps, " + "features)).");
    }
    steps_ = input[0];
    in_ = input[1];
    params_.push_back(make_param("kernel", {in_, gu_}, true));
    params_.push_back(make_param("recurrent_kernel", {u_, gu_}, true));
    if (cfg_.use_bias) {
      Shape bias = gru_ && cfg_.reset_after ? Shape{2, gu_} : Shape{gu_};
      params_.push_back(make_param("bias", bias, true));
    }
    weight_params_ = static_cast<int64_t>(params_.size());
    if (cfg_.stateful_batch > 0) {
      // Shapes with the batch: the state of each sample.
      params_.push_back(make_param("h", {cfg_.stateful_batch, u_}, false));
      if (lstm_) params_.push_back(make_param("c", {cfg_.stateful_batch, u_}, false));
    }
    for (Param& p : params_) {
      if (p.has_grad) p.grad.reserve(static_cast<size_t>(p.size));
    }
    rt_.reserve(static_cast<size_t>(gu_ * u_));
    float* zeros = zeros_.reserve(static_cast<size_t>(gu_));
    std::fill(zeros, zeros + gu_, 0.0f);
    return cfg_.return_sequences ? Shape{steps_, u_} : Shape{u_};
  }

  void reserve(int64_t batch) override {
    const auto n = [](int64_t v) { return static_cast<size_t>(v); };
    const int64_t rows = batch * steps_;
    gates_.reserve(n(rows * gu_));
    if (needs_pre_) pre_.reserve(n(rows * gu_));
    hprev_.reserve(n(rows * u_));
    if (lstm_) {
      cprev_.reserve(n(rows * u_));
      cnew_.reserve(n(rows * u_));
      cact_.reserve(n(rows * u_));
    }
    if (gru_) rh_.reserve(n(rows * u_));
    if (gru_ && cfg_.reset_after) dh_in_.reserve(n(rows * u_));
    if (active_rate(cfg_.dropout)) {
      xd_.reserve(n(mask_count_ * rows * in_));
      in_mask_.reserve(n(mask_count_ * batch * in_));
      if (mask_count_ > 1) dx_tmp_.reserve(n(rows * in_));
    }
    if (active_rate(cfg_.recurrent_dropout)) {
      rec_mask_.reserve(n(mask_count_ * batch * u_));
      hd_.reserve(n(mask_count_ * batch * u_));
      h_masked_.reserve(n(rows * u_));
    }
    for (Buffer* b : {&hcur_, &ccur_, &ocur_, &hcand_, &dh_, &dc_, &dout_, &dcand_, &drh_, &tmp_,
                      &state0_h_, &state0_c_}) {
      b->reserve(n(batch * u_));
    }
    zrec_.reserve(n(batch * gu_));
    if (static_cast<int64_t>(active_.size()) < batch) active_.resize(n(batch));
  }

  void set_input_mask(const float* mask) override { mask_ = mask; }

  void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) override {
    if (cfg_.stateful_batch > 0 && batch != cfg_.stateful_batch) {
      throw ValueError(
          "Layer '" + name_ + "' is stateful, so the batch size of its input must " +
          "be the batch size of its state. Expected batch size: " +
          std::to_string(cfg_.stateful_batch) +
          " (fixed by the model's Input); received batch size: " + std::to_string(batch) + ".");
    }
    batch_ = batch;
    in_dropout_ = ctx.training && active_rate(cfg_.dropout);
    rec_dropout_ = ctx.training && active_rate(cfg_.recurrent_dropout);
    if (in_dropout_) {
      rnn::draw_dropout_masks(in_mask_.data(), mask_count_, batch * in_, cfg_.dropout, cfg_.seed,
                              ctx.step);
      for (int64_t m = 0; m < mask_count_; ++m) {
        rnn::mask_over_time(x, in_mask_.data() + m * batch * in_,
                            xd_.data() + m * batch * steps_ * in_, batch, steps_, in_);
      }
    }
    if (rec_dropout_) {
      // A stream of its own: the seed's other half.
      rnn::draw_dropout_masks(rec_mask_.data(), mask_count_, batch * u_, cfg_.recurrent_dropout,
                              cfg_.seed ^ 0x5851F42D4C957F2Dull, ctx.step);
    }
    project_inputs(x, batch);
    initial_state(batch, ctx);
    const SequenceBuffers buf = buffers();
    parallel_for(batch, 1, [&](int64_t b0, int64_t b1) { forward_rows(buf, y, b0, b1); });
    if (!cfg_.return_sequences) copy_floats(ocur_.data(), y, batch * u_);
    if (cfg_.stateful_batch > 0 && ctx.update_state) {
      copy_floats(hcur_.data(), params_[weight_params_].value, batch * u_);
      if (lstm_) copy_floats(ccur_.data(), params_[weight_params_ + 1].value, batch * u_);
    }
  }

  void backward(const float* x, const float*, float* dy, float* dx, int64_t batch,
                const StepContext&, bool) override {
    const float* r = params_[1].value;
    // R^T once, so each step's dG R^T reads contiguous rows.
    float* rt = rt_.data();
    for (int64_t k = 0; k < u_; ++k) {
      for (int64_t j = 0; j < gu_; ++j) rt[j * u_ + k] = r[k * gu_ + j];
    }
    zero_floats(dh_.data(), batch * u_);
    zero_floats(dc_.data(), batch * u_);
    zero_floats(dout_.data(), batch * u_);
    const SequenceBuffers buf = buffers();
    parallel_for(batch, 1, [&](int64_t b0, int64_t b1) { backward_rows(buf, dy, b0, b1); });
    recurrent_kernel_grad(batch);
    input_side_grads(x, dx, batch);
  }

 private:
  SequenceBuffers buffers() {
    SequenceBuffers b;
    b.steps = steps_;
    b.gates = gates_.data();
    b.pre = needs_pre_ ? pre_.data() : nullptr;
    b.hprev = hprev_.data();
    if (lstm_) {
      b.cprev = cprev_.data();
      b.cnew = cnew_.data();
      b.cact = cact_.data();
    }
    if (gru_) b.rh = rh_.data();
    if (gru_ && cfg_.reset_after) b.dh_in = dh_in_.data();
    return b;
  }

  CellSpec cell_spec() const {
    CellSpec s;
    s.cell = cfg_.cell;
    s.units = u_;
    s.gates = g_;
    s.activation = cfg_.activation;
    s.recurrent_activation = cfg_.recurrent_activation;
    s.reset_after = cfg_.reset_after;
    s.input_bias = cfg_.use_bias ? params_[2].value : zeros_.data();
    s.recurrent_bias =
        gru_ && cfg_.reset_after && cfg_.use_bias ? params_[2].value + gu_ : zeros_.data();
    return s;
  }

  // gates = X W for every (sample, step) row: one GEMM, or one per gate
  // with per-gate input dropout masks. The bias joins in the step (Keras's
  // order of additions, and no extra pass over the gates).
  void project_inputs(const float* x, int64_t batch) {
    const int64_t rows = batch * steps_;
    const float* w = params_[0].value;
    if (!in_dropout_ || mask_count_ == 1) {
      gemm_f32(false, false, rows, gu_, in_, in_dropout_ ? xd_.data() : x, in_, w, gu_,
               gates_.data(), gu_, false);
      return;
    }
    for (int64_t g = 0; g < g_; ++g) {
      gemm_f32(false, false, rows, u_, in_, xd_.data() + g * rows * in_, in_, w + g * u_, gu_,
               gates_.data() + g * u_, gu_, false);
    }
  }

  void initial_state(int64_t batch, const StepContext& ctx) {
    const int64_t n = batch * u_;
    zero_floats(ocur_.data(), n);
    if (cfg_.stateful_batch == 0) {
      zero_floats(hcur_.data(), n);
      if (lstm_) zero_floats(ccur_.data(), n);
      return;
    }
    // A re-run step (update_state false) starts from the state the step
    // first started from, so it reproduces that step.
    if (ctx.update_state || !have_state0_) {
      copy_floats(params_[weight_params_].value, state0_h_.data(), n);
      if (lstm_) copy_floats(params_[weight_params_ + 1].value, state0_c_.data(), n);
      have_state0_ = true;
    }
    copy_floats(state0_h_.data(), hcur_.data(), n);
    if (lstm_) copy_floats(state0_c_.data(), ccur_.data(), n);
  }

  int64_t input_time(int64_t s) const { return cfg_.go_backwards ? steps_ - 1 - s : s; }
  bool keeps(int64_t b, int64_t t) const {
    return mask_ == nullptr || mask_[b * steps_ + t] != 0.0f;
  }
  // Which recurrent dropout mask gate g reads.
  int64_t rec_mask_index(int64_t g) const { return mask_count_ == 1 ? 0 : g; }
  const float* rec_mask(int64_t g) const {
    return rec_mask_.data() + rec_mask_index(g) * batch_ * u_;
  }

  // zrec[b0:b1] = h R over the gate columns whose recurrent input is the
  // (dropped) state; returns the state the GRU h gate reads.
  const float* project_state(int64_t b0, int64_t b1) {
    const int64_t n = b1 - b0;
    const float* r = params_[1].value;
    const float* h = hcur_.data();
    float* z = zrec_.data() + b0 * gu_;
    const int64_t cols = gru_split_ ? 2 * u_ : gu_;
    if (!rec_dropout_) {
      gemm_f32(false, false, n, cols, u_, h + b0 * u_, u_, r, gu_, z, gu_, false);
      return h;
    }
    for (int64_t m = 0; m < mask_count_; ++m) {
      const float* mask = rec_mask_.data() + m * batch_ * u_;
      float* hd = hd_.data() + m * batch_ * u_;
      for (int64_t i = b0 * u_; i < b1 * u_; ++i) hd[i] = h[i] * mask[i];
    }
    if (mask_count_ == 1) {
      gemm_f32(false, false, n, cols, u_, hd_.data() + b0 * u_, u_, r, gu_, z, gu_, false);
      return hd_.data();
    }
    for (int64_t g = 0; g < g_; ++g) {
      if (gru_split_ && g == 2) continue;
      gemm_f32(false, false, n, u_, u_, hd_.data() + g * batch_ * u_ + b0 * u_, u_, r + g * u_, gu_,
               z + g * u_, gu_, false);
    }
    return hd_.data() + (gru_ ? 2 : 0) * batch_ * u_;
  }

  void forward_rows(const SequenceBuffers& buf, float* y, int64_t b0, int64_t b1) {
    const CellSpec spec = cell_spec();
    const rnn::CellKernels& kernels = rnn::cell_kernels();
    const int64_t u = u_;
    float* hcur = hcur_.data();
    float* ccur = ccur_.data();
    float* ocur = ocur_.data();
    float* hcand = hcand_.data();
    for (int64_t s = 0; s < steps_; ++s) {
      const int64_t t = input_time(s);
      for (int64_t b = b0; b < b1; ++b) {
        copy_floats(hcur + b * u, buf.hprev + (b * steps_ + t) * u, u);
        if (lstm_) copy_floats(ccur + b * u, buf.cprev + (b * steps_ + t) * u, u);
      }
      const float* hd_h = project_state(b0, b1);
      const float* zrec = zrec_.data();
      switch (cfg_.cell) {
        case CellKind::kSimpleRnn:
          kernels.simple_rnn_forward(spec, buf, zrec, t, b0, b1, hcand);
          break;
        case CellKind::kLstm:
          kernels.lstm_forward(spec, buf, zrec, t, b0, b1, hcand);
          break;
        case CellKind::kGru:
          kernels.gru_forward_gates(spec, buf, zrec, hd_h, t, b0, b1);
          if (gru_split_) {
            // The h gate reads r * h: its product waits for r.
            gemm_f32(false, false, b1 - b0, u, u, buf.rh + (b0 * steps_ + t) * u, steps_ * u,
                     params_[1].value + 2 * u, gu_, zrec_.data() + b0 * gu_ + 2 * u, gu_, false);
          }
          kernels.gru_forward_candidate(spec, buf, zrec, t, b0, b1, hcand);
          break;
      }
      for (int64_t b = b0; b < b1; ++b) {
        if (keeps(b, t)) {
          copy_floats(hcand + b * u, hcur + b * u, u);
          copy_floats(hcand + b * u, ocur + b * u, u);
          if (lstm_) copy_floats(buf.cnew + (b * steps_ + t) * u, ccur + b * u, u);
        } else if (cfg_.zero_output_for_mask) {
          zero_floats(ocur + b * u, u);
        }
        if (cfg_.return_sequences) copy_floats(ocur + b * u, y + (b * steps_ + s) * u, u);
      }
    }
  }

  void backward_rows(const SequenceBuffers& buf, const float* dy, int64_t b0, int64_t b1) {
    const CellSpec spec = cell_spec();
    const rnn::CellKernels& kernels = rnn::cell_kernels();
    float* scratch = zrec_.data();  // free in backward: [batch, G*U]
    const int64_t u = u_;
    float* dh = dh_.data();
    float* dc = dc_.data();
    float* dout = dout_.data();
    float* dcand = dcand_.data();
    uint8_t* active = active_.data();
    const int64_t n = b1 - b0;
    const int64_t lda = steps_ * gu_;
    for (int64_t s = steps_ - 1; s >= 0; --s) {
      const int64_t t = input_time(s);
      for (int64_t b = b0; b < b1; ++b) {
        // dL/d(output of step s): from the layer's output, plus what a
        // later masked step passed back to it.
        float* go = dout + b * u;
        const float* d = nullptr;
        if (cfg_.return_sequences) {
          d = dy + (b * steps_ + s) * u;
        } else if (s == steps_ - 1) {
          d = dy + b * u;
        }
        if (d != nullptr) {
          for (int64_t j = 0; j < u; ++j) go[j] += d[j];
        }
        const int64_t row = b * steps_ + t;
        if (keeps(b, t)) {
          active[b] = 1;
          float* dcb = dcand + b * u;
          const float* dhb = dh + b * u;
          for (int64_t j = 0; j < u; ++j) dcb[j] = go[j] + dhb[j];
          zero_floats(go, u);
        } else {
          // The state passes through unchanged; the previous output gets
          // this output's gradient unless the output was zeros.
          active[b] = 0;
          if (cfg_.zero_output_for_mask) zero_floats(go, u);
          zero_floats(buf.gates + row * gu_, gu_);
          if (buf.dh_in != nullptr) zero_floats(buf.dh_in + row * u, u);
        }
      }
      switch (cfg_.cell) {
        case CellKind::kSimpleRnn:
          kernels.simple_rnn_backward(spec, buf, active, dcand, t, b0, b1, dh, scratch);
          break;
        case CellKind::kLstm:
          kernels.lstm_backward(spec, buf, active, dcand, t, b0, b1, dh, dc, scratch);
          break;
        case CellKind::kGru:
          kernels.gru_backward(spec, buf, active, dcand, t, b0, b1, dh, scratch);
          if (gru_split_) {
            float* drh = drh_.data();
            gemm_f32(false, false, n, u, u, buf.gates + (b0 * steps_ + t) * gu_ + 2 * u, lda,
                     rt_.data() + 2 * u * u, u, drh + b0 * u, u, false);
            kernels.gru_backward_reset(spec, buf, active, drh, rec_dropout_ ? rec_mask(2) : nullptr,
                                       t, b0, b1, dh, scratch);
          }
          break;
      }
      // dh += dG R^T over the gates whose recurrent input is the state.
      const float* dg = buf.gates + (b0 * steps_ + t) * gu_;
      const int64_t cols = gru_split_ ? 2 * u : gu_;
      if (!rec_dropout_) {
        gemm_f32(false, false, n, u, cols, dg, lda, rt_.data(), u, dh + b0 * u, u, true);
        continue;
      }
      const int64_t groups = mask_count_ == 1 ? 1 : (gru_split_ ? 2 : g_);
      for (int64_t g = 0; g < groups; ++g) {
        const int64_t k = mask_count_ == 1 ? cols : u;
        float* tmp = tmp_.data() + b0 * u;
        gemm_f32(false, false, n, u, k, dg + g * u, lda, rt_.data() + g * u * u, u, tmp, u, false);
        const float* m = rec_mask(g) + b0 * u;
        float* dhr = dh + b0 * u;
        for (int64_t i = 0; i < n * u; ++i) dhr[i] += tmp[i] * m[i];
      }
    }
  }

  // dR = H_prev^T dG (the dropped state per gate with recurrent dropout;
  // r * h for the GRU h gate without reset_after), and the GRU's recurrent
  // bias.
  void recurrent_kernel_grad(int64_t batch) {
    const int64_t rows = batch * steps_;
    float* dr = params_[1].grad.data();
    const float* dg = gates_.data();
    const int64_t cols = gru_split_ ? 2 * u_ : gu_;
    if (!rec_dropout_) {
      gemm_f32(true, false, u_, cols, rows, hprev_.data(), u_, dg, gu_, dr, gu_, false);
    } else {
      const int64_t groups = mask_count_ == 1 ? 1 : (gru_split_ ? 2 : g_);
      for (int64_t g = 0; g < groups; ++g) {
        rnn::mask_over_time(hprev_.data(), rec_mask(g), h_masked_.data(), batch, steps_, u_);
        const int64_t width = mask_count_ == 1 ? cols : u_;
        gemm_f32(true, false, u_, width, rows, h_masked_.data(), u_, dg + g * u_, gu_, dr + g * u_,
                 gu_, false);
      }
    }
    if (gru_split_) {
      gemm_f32(true, false, u_, u_, rows, rh_.data(), u_, dg + 2 * u_, gu_, dr + 2 * u_, gu_,
               false);
    }
    if (gru_ && cfg_.reset_after && cfg_.use_bias) {
      float* db = params_[2].grad.data();
      // Row 1, the recurrent bias: z and r as the input side, h through r.
      column_sum(dg, rows, gu_, db + gu_, false);
      copy_floats(db + gu_, db, 2 * u_);
      column_sum(dh_in_.data(), rows, u_, db + 2 * u_, false);
    }
  }

  // dW, the input bias and dX from the input-side gate gradients.
  void input_side_grads(const float* x, float* dx, int64_t batch) {
    const int64_t rows = batch * steps_;
    std::vector<InputSegment> segments;
    const bool per_gate = in_dropout_ && mask_count_ > 1;
    const float* dg = gates_.data();
    for (int64_t g = 0; g < g_; ++g) {
      // The GRU with reset_after keeps its h gate's input-side gradient apart.
      const bool own = gru_ && cfg_.reset_after && g == 2;
      const float* src = own ? dh_in_.data() : dg + g * u_;
      const int64_t ld = own ? u_ : gu_;
      if (!per_gate && !own && !segments.empty() &&
          segments.back().src + segments.back().width == src && segments.back().ld == ld) {
        segments.back().width += u_;
      } else {
        segments.push_back({g * u_, u_, src, ld, per_gate ? g : 0});
      }
    }
    if (cfg_.use_bias && !(gru_ && cfg_.reset_after)) {
      column_sum(dg, rows, gu_, params_[2].grad.data(), false);
    }
    float* dw = params_[0].grad.data();
    const float* w = params_[0].value;
    for (const InputSegment& seg : segments) {
      const float* xs = in_dropout_ ? xd_.data() + seg.mask * rows * in_ : x;
      gemm_f32(true, false, in_, seg.width, rows, xs, in_, seg.src, seg.ld, dw + seg.col, gu_,
               false);
    }
    if (dx == nullptr) return;
    if (!per_gate) {
      bool first = true;
      for (const InputSegment& seg : segments) {
        gemm_f32(false, true, rows, in_, seg.width, seg.src, seg.ld, w + seg.col, gu_, dx, in_,
                 !first);
        first = false;
      }
      if (in_dropout_) rnn::mask_over_time(dx, in_mask_.data(), dx, batch, steps_, in_);
      return;
    }
    zero_floats(dx, rows * in_);
    for (const InputSegment& seg : segments) {
      gemm_f32(false, true, rows, in_, seg.width, seg.src, seg.ld, w + seg.col, gu_, dx_tmp_.data(),
               in_, false);
      rnn::add_masked_over_time(dx_tmp_.data(), in_mask_.data() + seg.mask * batch * in_, dx, batch,
                                steps_, in_);
    }
  }

  RecurrentConfig cfg_;
  int64_t g_, u_, gu_ = 0;
  bool gru_ = false, lstm_ = false, gru_split_ = false, needs_pre_ = false;
  int64_t mask_count_ = 1;
  int64_t steps_ = 0, in_ = 0, weight_params_ = 0;
  int64_t batch_ = 0;
  bool in_dropout_ = false, rec_dropout_ = false;
  bool have_state0_ = false;
  const float* mask_ = nullptr;
  Buffer gates_, pre_, hprev_, cprev_, cnew_, cact_, rh_, dh_in_;
  Buffer xd_, in_mask_, rec_mask_, hd_, h_masked_, dx_tmp_;
  Buffer hcur_, ccur_, ocur_, hcand_, zrec_, state0_h_, state0_c_;
  Buffer dh_, dc_, dout_, dcand_, drh_, tmp_, rt_;
  Buffer zeros_;  // the biases without use_bias
  std::vector<uint8_t> active_;
};

}  // namespace

int64_t recurrent_gate_count(CellKind cell) {
  switch (cell) {
    case CellKind::kSimpleRnn:
      return 1;
    case CellKind::kLstm:
      return 4;
    case CellKind::kGru:
      return 3;
  }
  return 1;
}

std::unique_ptr<Op> make_recurrent_op(const std::string& name, const RecurrentConfig& config) {
  if (config.units <= 0) {
    throw ValueError("Received an invalid value for argument `units` of layer '" + name +
                     "', expected a positive integer, got " + std::to_string(config.units) + ".");
  }
  for (const ActivationSpec* a : {&config.activation, &config.recurrent_activation}) {
    if (activation_is_rowwise(a->kind)) {
      throw ValueError("Layer '" + name + "': " + activation_name(a->kind) +
                       " is not supported as a recurrent layer's activation by lamina.");
    }
  }
  return std::make_unique<RecurrentOp>(name, config);
}

}  // namespace lamina
