// Activation functions, forward and backward, float32 and float64.
#pragma once

#include <cstdint>
#include <string>

namespace lamina {

// Activations. Rows are independent; softmax normalises over the cols of a row.
enum class Activation { kLinear = 0, kRelu, kSigmoid, kTanh, kSoftmax };

// Keras's name ("relu", ...) to the enum; throws ValueError if unknown.
Activation activation_from_name(const std::string& name);

// y[rows, cols] = act(x); in place (x == y) is allowed.
void activation_forward(Activation act, const float* x, float* y, int64_t rows, int64_t cols);
// dx = dy * act'(.) expressed through the forward output y; dx may alias dy.
void activation_backward(Activation act, const float* y, const float* dy, float* dx, int64_t rows,
                         int64_t cols);
// y[r, :] += bias for every row.
void bias_add(float* y, const float* bias, int64_t rows, int64_t cols);
// out[c] (+)= sum over rows of dy[r, c], rows summed in order.
void column_sum(const float* dy, int64_t rows, int64_t cols, float* out, bool accumulate);

// Float64 versions, the reference path for gradient checks.
void activation_forward(Activation act, const double* x, double* y, int64_t rows, int64_t cols);
void activation_backward(Activation act, const double* y, const double* dy, double* dx,
                         int64_t rows, int64_t cols);
void bias_add(double* y, const double* bias, int64_t rows, int64_t cols);
void column_sum(const double* dy, int64_t rows, int64_t cols, double* out, bool accumulate);

}  // namespace lamina
