// Loss kernels, float32 and float64 (the reference path for gradient checks).
//
// Every kernel reads one LossArgs: `rows` rows of `cols` predictions and their
// labels, and returns sum_r w_r * loss_r (w = 1 when `weight` is null), summed
// in row order in double so the value does not depend on the thread count.
// Optional outputs: the unweighted per-row losses, and the gradient
// d(scale * sum_r w_r loss_r)/d(pred). The formulas are Keras 3's on the
// TensorFlow backend (keras/src/losses/losses.py); comments name where the
// kernels depart from plain textbook forms to match it.
#pragma once

#include <cstdint>

namespace lamina {

template <typename T>
struct LossArgs {
  const T* pred = nullptr;    // [rows, cols]: values, probabilities or logits
  const T* y = nullptr;       // [rows, cols], or [rows] class indices (sparse)
  const T* weight = nullptr;  // [rows] or null
  int64_t rows = 0;
  int64_t cols = 0;
  T scale = T(1);         // gradient scale (the reduction's 1/denominator)
  T* row_loss = nullptr;  // [rows] out, or null
  T* grad = nullptr;      // [rows, cols] out, or null
};

// Throws ValueError naming the first label that is NaN, not an integer, < 0 or
// >= num_classes, and its position. Labels equal to `ignore_class` (when
// has_ignore_class) are skipped: they may be out of range (-1, 255, ...).
void check_sparse_labels(const float* labels, int64_t rows, int64_t num_classes,
                         bool has_ignore_class = false, double ignore_class = 0.0);
void check_sparse_labels(const double* labels, int64_t rows, int64_t num_classes,
                         bool has_ignore_class = false, double ignore_class = 0.0);

// Options of the crossentropy family. Targets are smoothed first as Keras does:
// binary t(1-ls) + ls/2; categorical t(1-ls) + ls/cols.
struct CrossentropyOptions {
  bool from_logits = false;  // pred holds logits (given by the user, or fused)
  double label_smoothing = 0.0;
  double alpha = 0.25;  // focal forms
  double gamma = 2.0;
  bool apply_class_balancing = false;  // binary focal only
  bool has_ignore_class = false;       // sparse only: rows with this label count 0
  double ignore_class = 0.0;
};

#define LAMINA_DECLARE_LOSS_KERNELS(T)                                                       \
  /* Regression: each is a mean over cols unless noted. */                                   \
  double mean_squared_error(const LossArgs<T>& a);                                           \
  double mean_absolute_error(const LossArgs<T>& a);                                          \
  double mean_absolute_percentage_error(const LossArgs<T>& a);                               \
  double mean_squared_logarithmic_error(const LossArgs<T>& a);                               \
  double huber(const LossArgs<T>& a, double delta);                                          \
  double log_cosh(const LossArgs<T>& a);                                                     \
  double poisson(const LossArgs<T>& a);                                                      \
  /* Sum over cols of clip(t) log(clip(t) / clip(p)), clip to [eps, 1]. */                   \
  double kl_divergence(const LossArgs<T>& a);                                                \
  /* Labels that are all 0/1 in the batch become -1/1 first (Keras does). */                 \
  double hinge(const LossArgs<T>& a);                                                        \
  double squared_hinge(const LossArgs<T>& a);                                                \
  double categorical_hinge(const LossArgs<T>& a);                                            \
  /* -sum(normalize(t) * normalize(p)), L2 norms floored at eps. */                          \
  double cosine_similarity(const LossArgs<T>& a);                                            \
  /* Crossentropies: from logits (stable), or on probabilities clipped to */                 \
  /* [eps, 1 - eps]. Binary forms are means over cols. */                                    \
  double binary_crossentropy(const LossArgs<T>& a, const CrossentropyOptions& o);            \
  double binary_focal_crossentropy(const LossArgs<T>& a, const CrossentropyOptions& o);      \
  double categorical_crossentropy(const LossArgs<T>& a, const CrossentropyOptions& o);       \
  double categorical_focal_crossentropy(const LossArgs<T>& a, const CrossentropyOptions& o); \
  double sparse_categorical_crossentropy(const LossArgs<T>& a, const CrossentropyOptions& o);

LAMINA_DECLARE_LOSS_KERNELS(float)
LAMINA_DECLARE_LOSS_KERNELS(double)
#undef LAMINA_DECLARE_LOSS_KERNELS

}  // namespace lamina
