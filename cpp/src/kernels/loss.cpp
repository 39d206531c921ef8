// Loss kernels. Each returns sum_i w_i * loss_i over rows in row order (so
// the value does not depend on the thread count) and optionally the gradient
// of scale * that sum. Crossentropy on a softmax/sigmoid output is computed
// from the logits, as Keras on TensorFlow does; on plain probabilities it is
// clipped to [eps, 1 - eps] after Keras's normalisation.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "lamina/errors.h"
#include "lamina/kernels.h"

namespace lamina {
namespace {

template <typename T>
T weight(const T* sw, int64_t r) {
  return sw != nullptr ? sw[r] : T(1);
}

// log(sum_j exp(z_j)) and the row max, computed stably.
template <typename T>
double log_sum_exp(const T* z, int64_t cols, T* mx_out) {
  T mx = z[0];
  for (int64_t j = 1; j < cols; ++j) mx = std::max(mx, z[j]);
  double s = 0.0;
  for (int64_t j = 0; j < cols; ++j) s += std::exp(static_cast<double>(z[j] - mx));
  *mx_out = mx;
  return mx + std::log(s);
}

template <typename T>
T clip(T p, T eps) {
  return std::min(std::max(p, eps), T(1) - eps);
}

template <typename T>
void check_sparse_labels_t(const T* labels, int64_t rows, int64_t num_classes) {
  for (int64_t r = 0; r < rows; ++r) {
    const T v = labels[r];
    const char* problem = nullptr;
    if (std::isnan(v)) {
      problem = "is NaN";
    } else if (v != std::floor(v)) {
      problem = "is not an integer class index";
    } else if (v < T(0) || v >= static_cast<T>(num_classes)) {
      problem = "is outside the valid range";
    }
    if (problem != nullptr) {
      std::ostringstream msg;
      msg << "Received a label value of " << v << " at position " << r << ", which " << problem
          << ": labels for sparse categorical crossentropy must be integers in [0, " << num_classes
          << ") for an output of " << num_classes << " classes.";
      throw ValueError(msg.str());
    }
  }
}

template <typename T>
double sparse_softmax_xent_t(const T* logits, const T* labels, const T* sw, int64_t rows,
                             int64_t cols, T* grad, T scale) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const T* z = logits + r * cols;
    const int64_t label = static_cast<int64_t>(labels[r]);
    const T w = weight(sw, r);
    T mx = T(0);
    const double lse = log_sum_exp(z, cols, &mx);
    total += w * (lse - z[label]);
    if (grad != nullptr) {
      T* g = grad + r * cols;
      const T k = w * scale;
      for (int64_t j = 0; j < cols; ++j) {
        g[j] = static_cast<T>(std::exp(z[j] - lse)) * k;
      }
      g[label] -= k;
    }
  }
  return total;
}

template <typename T>
double softmax_xent_t(const T* logits, const T* y, const T* sw, int64_t rows, int64_t cols, T* grad,
                      T scale) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const T* z = logits + r * cols;
    const T* t = y + r * cols;
    const T w = weight(sw, r);
    T mx = T(0);
    const double lse = log_sum_exp(z, cols, &mx);
    double loss = 0.0, tsum = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      loss -= t[j] * (z[j] - lse);
      tsum += t[j];
    }
    total += w * loss;
    if (grad != nullptr) {
      T* g = grad + r * cols;
      const T k = w * scale;
      for (int64_t j = 0; j < cols; ++j) {
        g[j] = static_cast<T>(std::exp(z[j] - lse) * tsum - t[j]) * k;
      }
    }
  }
  return total;
}

template <typename T>
double sparse_xent_probs_t(const T* probs, const T* labels, const T* sw, int64_t rows, int64_t cols,
                           T* grad, T scale, T eps) {
  // Keras (TF) feeds log(clip(p)) to a softmax crossentropy, which normalises
  // the clipped probabilities: loss = -log(clip(p_l) / sum_j clip(p_j)).
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const T* p = probs + r * cols;
    const int64_t label = static_cast<int64_t>(labels[r]);
    const T w = weight(sw, r);
    double s = 0.0;
    for (int64_t j = 0; j < cols; ++j) s += clip(p[j], eps);
    total += w * (std::log(s) - std::log(static_cast<double>(clip(p[label], eps))));
    if (grad != nullptr) {
      T* g = grad + r * cols;
      const T k = w * scale;
      for (int64_t j = 0; j < cols; ++j) {
        const bool inside = p[j] > eps && p[j] < T(1) - eps;
        double d = 1.0 / s;
        if (j == label) d -= 1.0 / clip(p[j], eps);
        g[j] = inside ? static_cast<T>(d) * k : T(0);
      }
    }
  }
  return total;
}

template <typename T>
double xent_probs_t(const T* probs, const T* y, const T* sw, int64_t rows, int64_t cols, T* grad,
                    T scale, T eps) {
  // Keras (TF): q = p / sum(p), clipped to [eps, 1 - eps]; loss = -sum t log q.
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const T* p = probs + r * cols;
    const T* t = y + r * cols;
    const T w = weight(sw, r);
    double s = 0.0;
    for (int64_t j = 0; j < cols; ++j) s += p[j];
    double loss = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      loss -= t[j] * std::log(static_cast<double>(clip(static_cast<T>(p[j] / s), eps)));
    }
    total += w * loss;
    if (grad != nullptr) {
      // dL/dq_j = -t_j / q_j inside the clip range; through q = p / s:
      // dL/dp_k = (dL/dq_k - sum_j dL/dq_j q_j) / s.
      T* g = grad + r * cols;
      double dot = 0.0;
      for (int64_t j = 0; j < cols; ++j) {
        const double q = p[j] / s;
        const bool inside = q > eps && q < 1.0 - eps;
        const double dq = inside ? -t[j] / q : 0.0;
        g[j] = static_cast<T>(dq);
        dot += dq * q;
      }
      const T k = w * scale;
      for (int64_t j = 0; j < cols; ++j) g[j] = static_cast<T>((g[j] - dot) / s) * k;
    }
  }
  return total;
}

template <typename T>
double sigmoid_bxent_t(const T* logits, const T* y, const T* sw, int64_t rows, int64_t cols,
                       T* grad, T scale) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const T* z = logits + r * cols;
    const T* t = y + r * cols;
    const T w = weight(sw, r);
    double loss = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      const double zj = z[j];
      loss += std::max(zj, 0.0) - zj * t[j] + std::log1p(std::exp(-std::fabs(zj)));
    }
    total += w * loss / cols;
    if (grad != nullptr) {
      T* g = grad + r * cols;
      const T k = w * scale / static_cast<T>(cols);
      for (int64_t j = 0; j < cols; ++j) {
        const T sig = T(1) / (T(1) + std::exp(-z[j]));
        g[j] = (sig - t[j]) * k;
      }
    }
  }
  return total;
}

template <typename T>
double bxent_probs_t(const T* probs, const T* y, const T* sw, int64_t rows, int64_t cols, T* grad,
                     T scale, T eps) {
  // Keras (TF): p clipped to [eps, 1 - eps]; -(t log(p + eps) + (1 - t) log(1 - p + eps)).
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const T* p = probs + r * cols;
    const T* t = y + r * cols;
    const T w = weight(sw, r);
    double loss = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      const double c = clip(p[j], eps);
      loss -= t[j] * std::log(c + eps) + (1.0 - t[j]) * std::log(1.0 - c + eps);
    }
    total += w * loss / cols;
    if (grad != nullptr) {
      T* g = grad + r * cols;
      const double k = static_cast<double>(w) * scale / cols;
      for (int64_t j = 0; j < cols; ++j) {
        const bool inside = p[j] > eps && p[j] < T(1) - eps;
        const double c = clip(p[j], eps);
        const double d = -(t[j] / (c + eps)) + (1.0 - t[j]) / (1.0 - c + eps);
        g[j] = inside ? static_cast<T>(d * k) : T(0);
      }
    }
  }
  return total;
}

template <typename T>
double mean_squared_error_t(const T* pred, const T* y, const T* sw, int64_t rows, int64_t cols,
                            T* grad, T scale) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const T* p = pred + r * cols;
    const T* t = y + r * cols;
    const T w = weight(sw, r);
    double loss = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      const double d = static_cast<double>(p[j]) - t[j];
      loss += d * d;
    }
    total += w * loss / cols;
    if (grad != nullptr) {
      T* g = grad + r * cols;
      const T k = T(2) * w * scale / static_cast<T>(cols);
      for (int64_t j = 0; j < cols; ++j) g[j] = (p[j] - t[j]) * k;
    }
  }
  return total;
}

}  // namespace

#define LAMINA_LOSS_OVERLOADS(T)                                                                   \
  void check_sparse_labels(const T* labels, int64_t rows, int64_t num_classes) {                   \
    check_sparse_labels_t(labels, rows, num_classes);                                              \
  }                                                                                                \
  double sparse_softmax_xent(const T* logits, const T* labels, const T* sw, int64_t rows,          \
                             int64_t cols, T* grad, T scale) {                                     \
    return sparse_softmax_xent_t(logits, labels, sw, rows, cols, grad, scale);                     \
  }                                                                                                \
  double softmax_xent(const T* logits, const T* y, const T* sw, int64_t rows, int64_t cols,        \
                      T* grad, T scale) {                                                          \
    return softmax_xent_t(logits, y, sw, rows, cols, grad, scale);                                 \
  }                                                                                                \
  double sparse_xent_probs(const T* probs, const T* labels, const T* sw, int64_t rows,             \
                           int64_t cols, T* grad, T scale, T eps) {                                \
    return sparse_xent_probs_t(probs, labels, sw, rows, cols, grad, scale, eps);                   \
  }                                                                                                \
  double xent_probs(const T* probs, const T* y, const T* sw, int64_t rows, int64_t cols, T* grad,  \
                    T scale, T eps) {                                                              \
    return xent_probs_t(probs, y, sw, rows, cols, grad, scale, eps);                               \
  }                                                                                                \
  double sigmoid_bxent(const T* logits, const T* y, const T* sw, int64_t rows, int64_t cols,       \
                       T* grad, T scale) {                                                         \
    return sigmoid_bxent_t(logits, y, sw, rows, cols, grad, scale);                                \
  }                                                                                                \
  double bxent_probs(const T* probs, const T* y, const T* sw, int64_t rows, int64_t cols, T* grad, \
                     T scale, T eps) {                                                             \
    return bxent_probs_t(probs, y, sw, rows, cols, grad, scale, eps);                              \
  }                                                                                                \
  double mean_squared_error(const T* pred, const T* y, const T* sw, int64_t rows, int64_t cols,    \
                            T* grad, T scale) {                                                    \
    return mean_squared_error_t(pred, y, sw, rows, cols, grad, scale);                             \
  }
LAMINA_LOSS_OVERLOADS(float)
LAMINA_LOSS_OVERLOADS(double)
#undef LAMINA_LOSS_OVERLOADS

}  // namespace lamina
