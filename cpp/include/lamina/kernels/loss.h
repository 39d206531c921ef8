// Loss kernels, float32 and float64.
#pragma once

#include <cstdint>

namespace lamina {

// Losses. Each returns sum_i w_i * loss_i over the rows (w = 1 when sw is
// null) and, when grad is non-null, writes d(sum_i w_i loss_i * scale)/d(input).
// Labels for the sparse forms are float class indices, validated first.

// Throws ValueError naming the first label that is NaN, not an integer, < 0 or
// >= num_classes, and its row.
void check_sparse_labels(const float* labels, int64_t rows, int64_t num_classes);

// Softmax cross-entropy computed from logits (stable log-sum-exp).
double sparse_softmax_xent(const float* logits, const float* labels, const float* sw, int64_t rows,
                           int64_t cols, float* grad, float scale);
double softmax_xent(const float* logits, const float* y, const float* sw, int64_t rows,
                    int64_t cols, float* grad, float scale);
// Cross-entropy on probabilities, clipped to [eps, 1 - eps] as Keras does.
double sparse_xent_probs(const float* probs, const float* labels, const float* sw, int64_t rows,
                         int64_t cols, float* grad, float scale, float eps);
double xent_probs(const float* probs, const float* y, const float* sw, int64_t rows, int64_t cols,
                  float* grad, float scale, float eps);
// Binary cross-entropy, mean over cols per row: from logits, or on clipped probs.
double sigmoid_bxent(const float* logits, const float* y, const float* sw, int64_t rows,
                     int64_t cols, float* grad, float scale);
double bxent_probs(const float* probs, const float* y, const float* sw, int64_t rows, int64_t cols,
                   float* grad, float scale, float eps);
// Mean squared error, mean over cols per row.
double mean_squared_error(const float* pred, const float* y, const float* sw, int64_t rows,
                          int64_t cols, float* grad, float scale);

// Float64 versions, the reference path for gradient checks.
void check_sparse_labels(const double* labels, int64_t rows, int64_t num_classes);
double sparse_softmax_xent(const double* logits, const double* labels, const double* sw,
                           int64_t rows, int64_t cols, double* grad, double scale);
double softmax_xent(const double* logits, const double* y, const double* sw, int64_t rows,
                    int64_t cols, double* grad, double scale);
double sparse_xent_probs(const double* probs, const double* labels, const double* sw, int64_t rows,
                         int64_t cols, double* grad, double scale, double eps);
double xent_probs(const double* probs, const double* y, const double* sw, int64_t rows,
                  int64_t cols, double* grad, double scale, double eps);
double sigmoid_bxent(const double* logits, const double* y, const double* sw, int64_t rows,
                     int64_t cols, double* grad, double scale);
double bxent_probs(const double* probs, const double* y, const double* sw, int64_t rows,
                   int64_t cols, double* grad, double scale, double eps);
double mean_squared_error(const double* pred, const double* y, const double* sw, int64_t rows,
                          int64_t cols, double* grad, double scale);

}  // namespace lamina
