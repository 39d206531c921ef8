// Activation functions (Keras 3's catalogue), forward and backward, float32
// and float64. The one implementation Dense, the Activation layer and the
// recurrent layers share.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "lamina/params.h"

namespace lamina {

// Which function. Element-wise except softmax and log_softmax, which
// normalise over the cols of each row.
enum class Activation {
  kLinear = 0,
  kRelu,
  kSigmoid,
  kTanh,
  kSoftmax,
  kRelu6,
  kLeakyRelu,
  kElu,
  kSelu,
  kGelu,
  kSilu,
  kSoftplus,
  kSoftsign,
  kHardSigmoid,
  kHardSilu,
  kExponential,
  kLogSoftmax,
  kMish,
};

// An activation and its numeric parameters (Keras's defaults unless set).
// Implicit from a kind so callers that need no parameters can pass the enum.
struct ActivationSpec {
  Activation kind = Activation::kLinear;
  // relu: y = min(x > threshold ? x : 0, max_value) - negative_slope * max(threshold - x, 0)
  // (the min(.., max_value) also floors at 0, as Keras's clip does).
  // leaky_relu: y = x > 0 ? x : negative_slope * x.
  double negative_slope = 0.0;
  double max_value = std::numeric_limits<double>::infinity();  // infinity: no clip
  double threshold = 0.0;
  double alpha = 1.0;        // elu: alpha * expm1(x) for x <= 0
  bool approximate = false;  // gelu: tanh approximation

  ActivationSpec() = default;
  ActivationSpec(Activation k);  // NOLINT(google-explicit-constructor): kind with Keras defaults
};

// Keras's name ("relu", "swish", ...) plus parameters to a spec. Parameter
// names are Keras's (negative_slope, max_value, threshold, alpha,
// approximate as 0/1). Throws ValueError for an unknown name or a parameter
// the activation does not take.
ActivationSpec activation_spec(const std::string& name, const Params& params = {});
// Keras's name to the kind alone (the spec with Keras's defaults).
Activation activation_from_name(const std::string& name);
// Keras's canonical name of a kind ("silu" for swish).
const char* activation_name(Activation kind);

// True if activation_backward reads the pre-activation x (otherwise it needs
// only the output y and x may be null).
bool activation_backward_needs_x(const ActivationSpec& spec);
// True for relu with Keras's defaults (no slope, threshold or cap), the case
// kernels fuse inline.
bool activation_is_plain_relu(const ActivationSpec& spec);
// True for softmax/log_softmax, which couple the cols of a row.
bool activation_is_rowwise(Activation kind);

// y[rows, cols] = act(x); in place (x == y) is allowed.
void activation_forward(const ActivationSpec& spec, const float* x, float* y, int64_t rows,
                        int64_t cols);
// dx = dy * act'(x), from the pre-activation x (may be null when
// activation_backward_needs_x is false) and the forward output y. dx may
// alias dy; x and y are never written.
void activation_backward(const ActivationSpec& spec, const float* x, const float* y,
                         const float* dy, float* dx, int64_t rows, int64_t cols);
// y[r, :] += bias for every row.
void bias_add(float* y, const float* bias, int64_t rows, int64_t cols);
// out[c] (+)= sum over rows of dy[r, c], rows summed in order.
void column_sum(const float* dy, int64_t rows, int64_t cols, float* out, bool accumulate);

// Float64 versions, the reference path for gradient checks.
void activation_forward(const ActivationSpec& spec, const double* x, double* y, int64_t rows,
                        int64_t cols);
void activation_backward(const ActivationSpec& spec, const double* x, const double* y,
                         const double* dy, double* dx, int64_t rows, int64_t cols);
void bias_add(double* y, const double* bias, int64_t rows, int64_t cols);
void column_sum(const double* dy, int64_t rows, int64_t cols, double* out, bool accumulate);

// Row-wise members (softmax.cpp); activation_forward/backward dispatch to
// these. x, y, dy, dx: [rows, cols]; dx may alias dy.
void softmax_forward(const float* x, float* y, int64_t rows, int64_t cols);
void softmax_forward(const double* x, double* y, int64_t rows, int64_t cols);
void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols);
void softmax_backward(const double* y, const double* dy, double* dx, int64_t rows, int64_t cols);
void log_softmax_forward(const float* x, float* y, int64_t rows, int64_t cols);
void log_softmax_forward(const double* x, double* y, int64_t rows, int64_t cols);
void log_softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols);
void log_softmax_backward(const double* y, const double* dy, double* dx, int64_t rows,
                          int64_t cols);

}  // namespace lamina
