// The three cells' step math, forward and backward, one sample row at a time
// (Keras 3's formulas: lstm.py, gru.py, simple_rnn.py). tanh and sigmoid,
// the defaults, run inline as branch-free loops the compiler vectorises
// (built with -fno-trapping-math, like the activation kernels, with the same
// exp/tanh); any other activation goes through the activation kernels.
#include <cstring>

#include "../../kernels/vec_math.h"
#include "cell_math.h"

namespace lamina {
namespace rnn {
namespace {

// y = act(x) over n floats; x may equal y.
void act_forward(const ActivationSpec& a, const float* x, float* y, int64_t n) {
  switch (a.kind) {
    case Activation::kSigmoid:
      for (int64_t j = 0; j < n; ++j) y[j] = 1.0f / (1.0f + vec_math::exp_f32(-x[j]));
      return;
    case Activation::kTanh:
      for (int64_t j = 0; j < n; ++j) y[j] = vec_math::tanh_f32(x[j]);
      return;
    case Activation::kLinear:
      if (x != y) std::memcpy(y, x, sizeof(float) * static_cast<size_t>(n));
      return;
    default:
      activation_forward(a, x, y, 1, n);
  }
}

// dx = dy * act'(x), from the output y (and the input x where the
// activation needs it; x may then not be null). dx may alias dy.
void act_backward(const ActivationSpec& a, const float* x, const float* y, const float* dy,
                  float* dx, int64_t n) {
  switch (a.kind) {
    case Activation::kSigmoid:
      for (int64_t j = 0; j < n; ++j) dx[j] = dy[j] * (y[j] * (1.0f - y[j]));
      return;
    case Activation::kTanh:
      for (int64_t j = 0; j < n; ++j) dx[j] = dy[j] * (1.0f - y[j] * y[j]);
      return;
    case Activation::kLinear:
      if (dx != dy) std::memcpy(dx, dy, sizeof(float) * static_cast<size_t>(n));
      return;
    default:
      activation_backward(a, x, y, dy, dx, 1, n);
  }
}

// One row of scratch per thread for gradients before they replace the
// gates they are computed from.
float* row_scratch(int64_t n) {
  thread_local Buffer scratch;
  return scratch.reserve(static_cast<size_t>(n));
}

void copy(const float* src, float* dst, int64_t n) {
  std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(n));
}

const float* pre_row(const SequenceBuffers& buf, int64_t row, int64_t width, int64_t col) {
  return buf.pre != nullptr ? buf.pre + row * width + col : nullptr;
}

}  // namespace

void simple_rnn_forward(const CellSpec& s, const SequenceBuffers& buf, const float* zrec, int64_t t,
                        int64_t b0, int64_t b1, float* hcand) {
  const int64_t u = s.units;
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t row = b * buf.steps + t;
    float* g = buf.gates + row * u;
    const float* zr = zrec + b * u;
    for (int64_t j = 0; j < u; ++j) g[j] += zr[j];
    if (buf.pre != nullptr) copy(g, buf.pre + row * u, u);
    act_forward(s.activation, g, g, u);
    copy(g, hcand + b * u, u);
  }
}

void simple_rnn_backward(const CellSpec& s, const SequenceBuffers& buf, const uint8_t* active,
                         const float* dcand, int64_t t, int64_t b0, int64_t b1, float* dh) {
  const int64_t u = s.units;
  for (int64_t b = b0; b < b1; ++b) {
    if (!active[b]) continue;
    const int64_t row = b * buf.steps + t;
    float* g = buf.gates + row * u;
    float* dv = row_scratch(u);
    act_backward(s.activation, pre_row(buf, row, u, 0), g, dcand + b * u, dv, u);
    copy(dv, g, u);
    std::memset(dh + b * u, 0, sizeof(float) * static_cast<size_t>(u));
  }
}

void lstm_forward(const CellSpec& s, const SequenceBuffers& buf, const float* zrec, int64_t t,
                  int64_t b0, int64_t b1, float* hcand) {
  const int64_t u = s.units, gu = 4 * u;
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t row = b * buf.steps + t;
    float* g = buf.gates + row * gu;
    const float* zr = zrec + b * gu;
    for (int64_t j = 0; j < gu; ++j) g[j] += zr[j];
    if (buf.pre != nullptr) copy(g, buf.pre + row * gu, gu);
    act_forward(s.recurrent_activation, g, g, 2 * u);  // i, f
    act_forward(s.activation, g + 2 * u, g + 2 * u, u);
    act_forward(s.recurrent_activation, g + 3 * u, g + 3 * u, u);  // o
    const float* gi = g;
    const float* gf = g + u;
    const float* gc = g + 2 * u;
    const float* go = g + 3 * u;
    const float* cp = buf.cprev + row * u;
    float* cn = buf.cnew + row * u;
    float* ca = buf.cact + row * u;
    for (int64_t j = 0; j < u; ++j) cn[j] = gf[j] * cp[j] + gi[j] * gc[j];
    act_forward(s.activation, cn, ca, u);
    float* h = hcand + b * u;
    for (int64_t j = 0; j < u; ++j) h[j] = go[j] * ca[j];
  }
}

void lstm_backward(const CellSpec& s, const SequenceBuffers& buf, const uint8_t* active,
                   const float* dcand, int64_t t, int64_t b0, int64_t b1, float* dh, float* dc) {
  const int64_t u = s.units, gu = 4 * u;
  for (int64_t b = b0; b < b1; ++b) {
    if (!active[b]) continue;
    const int64_t row = b * buf.steps + t;
    float* g = buf.gates + row * gu;
    const float* gi = g;
    const float* gf = g + u;
    const float* gc = g + 2 * u;
    const float* go = g + 3 * u;
    const float* cp = buf.cprev + row * u;
    const float* cn = buf.cnew + row * u;
    const float* ca = buf.cact + row * u;
    const float* dhc = dcand + b * u;
    float* dcb = dc + b * u;
    float* dv = row_scratch(gu);
    // dL/dc through h = o * act(c), in dv's c block for now.
    float* dcv = dv + 2 * u;
    for (int64_t j = 0; j < u; ++j) dcv[j] = dhc[j] * go[j];
    act_backward(s.activation, cn, ca, dcv, dcv, u);
    for (int64_t j = 0; j < u; ++j) {
      const float dct = dcb[j] + dcv[j];
      dv[j] = dct * gc[j];             // d i
      dv[u + j] = dct * cp[j];         // d f
      dv[3 * u + j] = dhc[j] * ca[j];  // d o
      dcv[j] = dct * gi[j];            // d (candidate)
      dcb[j] = dct * gf[j];            // to c_prev
    }
    const float* pre = pre_row(buf, row, gu, 0);
    act_backward(s.recurrent_activation, pre, g, dv, dv, 2 * u);
    act_backward(s.activation, pre != nullptr ? pre + 2 * u : nullptr, gc, dcv, dcv, u);
    act_backward(s.recurrent_activation, pre != nullptr ? pre + 3 * u : nullptr, go, dv + 3 * u,
                 dv + 3 * u, u);
    copy(dv, g, gu);
    std::memset(dh + b * u, 0, sizeof(float) * static_cast<size_t>(u));
  }
}

void gru_forward_gates(const CellSpec& s, const SequenceBuffers& buf, const float* zrec,
                       const float* hd_h, int64_t t, int64_t b0, int64_t b1) {
  const int64_t u = s.units, gu = 3 * u;
  const float* rb = s.recurrent_bias;
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t row = b * buf.steps + t;
    float* g = buf.gates + row * gu;
    const float* zr = zrec + b * gu;
    float* rh = buf.rh + row * u;
    if (rb != nullptr) {
      for (int64_t j = 0; j < 2 * u; ++j) g[j] += zr[j] + rb[j];
    } else {
      for (int64_t j = 0; j < 2 * u; ++j) g[j] += zr[j];
    }
    if (buf.pre != nullptr) copy(g, buf.pre + row * gu, 2 * u);
    act_forward(s.recurrent_activation, g, g, 2 * u);
    if (s.reset_after) {
      if (rb != nullptr) {
        for (int64_t j = 0; j < u; ++j) rh[j] = zr[2 * u + j] + rb[2 * u + j];
      } else {
        copy(zr + 2 * u, rh, u);
      }
    } else {
      const float* r = g + u;
      const float* hd = hd_h + b * u;
      for (int64_t j = 0; j < u; ++j) rh[j] = r[j] * hd[j];
    }
  }
}

void gru_forward_candidate(const CellSpec& s, const SequenceBuffers& buf, const float* zrec,
                           int64_t t, int64_t b0, int64_t b1, float* hcand) {
  const int64_t u = s.units, gu = 3 * u;
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t row = b * buf.steps + t;
    float* g = buf.gates + row * gu;
    float* gh = g + 2 * u;
    if (s.reset_after) {
      const float* r = g + u;
      const float* rh = buf.rh + row * u;
      for (int64_t j = 0; j < u; ++j) gh[j] += r[j] * rh[j];
    } else {
      const float* zh = zrec + b * gu + 2 * u;
      for (int64_t j = 0; j < u; ++j) gh[j] += zh[j];
    }
    if (buf.pre != nullptr) copy(gh, buf.pre + row * gu + 2 * u, u);
    act_forward(s.activation, gh, gh, u);
    const float* z = g;
    const float* hp = buf.hprev + row * u;
    float* h = hcand + b * u;
    for (int64_t j = 0; j < u; ++j) h[j] = z[j] * hp[j] + (1.0f - z[j]) * gh[j];
  }
}

void gru_backward(const CellSpec& s, const SequenceBuffers& buf, const uint8_t* active,
                  const float* dcand, int64_t t, int64_t b0, int64_t b1, float* dh) {
  const int64_t u = s.units, gu = 3 * u;
  for (int64_t b = b0; b < b1; ++b) {
    if (!active[b]) continue;
    const int64_t row = b * buf.steps + t;
    float* g = buf.gates + row * gu;
    const float* z = g;
    const float* r = g + u;
    const float* hh = g + 2 * u;
    const float* hp = buf.hprev + row * u;
    const float* dhc = dcand + b * u;
    float* dhb = dh + b * u;
    float* dv = row_scratch(gu);
    for (int64_t j = 0; j < u; ++j) {
      dv[j] = dhc[j] * (hp[j] - hh[j]);        // d z
      dv[2 * u + j] = dhc[j] * (1.0f - z[j]);  // d hh
      dhb[j] = dhc[j] * z[j];
    }
    const float* pre = pre_row(buf, row, gu, 0);
    act_backward(s.activation, pre != nullptr ? pre + 2 * u : nullptr, hh, dv + 2 * u, dv + 2 * u,
                 u);
    act_backward(s.recurrent_activation, pre, z, dv, dv, u);
    const float* dph = dv + 2 * u;
    if (s.reset_after) {
      const float* rh = buf.rh + row * u;
      for (int64_t j = 0; j < u; ++j) dv[u + j] = dph[j] * rh[j];  // d r
      act_backward(s.recurrent_activation, pre != nullptr ? pre + u : nullptr, r, dv + u, dv + u,
                   u);
      copy(dph, buf.dh_in + row * u, u);
      // The recurrent side of the h gate sees r * (h R_h + b_rh).
      float* gh = g + 2 * u;
      for (int64_t j = 0; j < u; ++j) gh[j] = dph[j] * r[j];
      copy(dv, g, 2 * u);
    } else {
      copy(dv, g, u);  // z; r waits for gru_backward_reset
      copy(dph, g + 2 * u, u);
    }
  }
}

void gru_backward_reset(const CellSpec& s, const SequenceBuffers& buf, const uint8_t* active,
                        const float* drh, const float* rmask_h, int64_t t, int64_t b0, int64_t b1,
                        float* dh) {
  const int64_t u = s.units, gu = 3 * u;
  for (int64_t b = b0; b < b1; ++b) {
    if (!active[b]) continue;
    const int64_t row = b * buf.steps + t;
    float* r = buf.gates + row * gu + u;
    const float* hp = buf.hprev + row * u;
    const float* d = drh + b * u;
    float* dhb = dh + b * u;
    float* dv = row_scratch(u);
    if (rmask_h != nullptr) {
      const float* m = rmask_h + b * u;
      for (int64_t j = 0; j < u; ++j) {
        dv[j] = d[j] * hp[j] * m[j];
        dhb[j] += d[j] * r[j] * m[j];
      }
    } else {
      for (int64_t j = 0; j < u; ++j) {
        dv[j] = d[j] * hp[j];
        dhb[j] += d[j] * r[j];
      }
    }
    const float* pre = pre_row(buf, row, gu, u);
    act_backward(s.recurrent_activation, pre, r, dv, dv, u);
    copy(dv, r, u);
  }
}

}  // namespace rnn
}  // namespace lamina
