// The crossentropy family (Keras 3, TensorFlow backend). From logits the
// forms are the stable ones TF uses (log-sum-exp, softplus); on probabilities
// they clip to [eps, 1 - eps] in the input's dtype exactly where Keras does,
// and the clipped entries get no gradient (tf.clip_by_value passes it only
// inside the range, bounds included).
#include <cmath>
#include <sstream>

#include "lamina/errors.h"
#include "lamina/kernels/loss.h"
#include "loss_common.h"

namespace lamina {
namespace {

using loss_detail::clip;
using loss_detail::for_each_row;
using loss_detail::kEpsilon;
using loss_detail::passes_clip;

template <typename T>
struct ClipRange {
  T lo = static_cast<T>(kEpsilon);
  T hi = static_cast<T>(1.0 - kEpsilon);
};

// softplus form of sigmoid crossentropy: max(z, 0) - z t + log1p(exp(-|z|)).
double sigmoid_xent(double z, double t) {
  return std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
}

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// d(u^gamma)/du as TF's pow gradient computes it, with 0 when gamma is 0.
double pow_grad(double u, double gamma) {
  return gamma == 0.0 ? 0.0 : gamma * std::pow(u, gamma - 1.0);
}

template <typename T>
void check_sparse_labels_t(const T* labels, int64_t rows, int64_t num_classes, bool has_ignore,
                           double ignore) {
  for (int64_t r = 0; r < rows; ++r) {
    const T v = labels[r];
    if (has_ignore && static_cast<double>(v) == ignore) continue;
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
          << ") for an output of " << num_classes << " classes";
      if (has_ignore) msg << " (or ignore_class=" << ignore << ")";
      msg << ".";
      throw ValueError(msg.str());
    }
  }
}

template <typename T>
double binary_crossentropy_t(const LossArgs<T>& a, const CrossentropyOptions& o) {
  const double inv_cols = 1.0 / static_cast<double>(a.cols);
  const double ls = o.label_smoothing;
  const ClipRange<T> cr;
  return for_each_row(a, a.cols, [&](const T* p, const T* t, T* g, double k) {
    double sum = 0.0;
    for (int64_t j = 0; j < a.cols; ++j) {
      const double s = t[j] * (1.0 - ls) + 0.5 * ls;
      double d = 0.0;
      if (o.from_logits) {
        sum += sigmoid_xent(p[j], s);
        d = sigmoid(p[j]) - s;
      } else {
        const double c = clip(p[j], cr.lo, cr.hi);
        sum -= s * std::log(c) + (1.0 - s) * std::log(1.0 - c);
        d = passes_clip(p[j], cr.lo, cr.hi) ? -s / c + (1.0 - s) / (1.0 - c) : 0.0;
      }
      if (g != nullptr) g[j] = static_cast<T>(d * k * inv_cols);
    }
    return sum * inv_cols;
  });
}

template <typename T>
double binary_focal_crossentropy_t(const LossArgs<T>& a, const CrossentropyOptions& o) {
  // Keras: bce (from logits when it has them) * (1 - p_t)^gamma, optionally
  // times alpha / (1 - alpha) by label; p_t = t q + (1 - t)(1 - q), q = sigmoid
  // of the logits or the unclipped probability.
  const double inv_cols = 1.0 / static_cast<double>(a.cols);
  const double ls = o.label_smoothing;
  const ClipRange<T> cr;
  return for_each_row(a, a.cols, [&](const T* p, const T* t, T* g, double k) {
    double sum = 0.0;
    for (int64_t j = 0; j < a.cols; ++j) {
      const double s = t[j] * (1.0 - ls) + 0.5 * ls;
      double q = 0.0, bce = 0.0, dbce_dq = 0.0;
      if (o.from_logits) {
        q = sigmoid(p[j]);
        bce = sigmoid_xent(p[j], s);
      } else {
        q = p[j];
        const double c = clip(p[j], cr.lo, cr.hi);
        bce = -(s * std::log(c) + (1.0 - s) * std::log(1.0 - c));
        dbce_dq = passes_clip(p[j], cr.lo, cr.hi) ? -s / c + (1.0 - s) / (1.0 - c) : 0.0;
      }
      const double u = 1.0 - (s * q + (1.0 - s) * (1.0 - q));
      const double focal = std::pow(u, o.gamma);
      const double balance =
          o.apply_class_balancing ? s * o.alpha + (1.0 - s) * (1.0 - o.alpha) : 1.0;
      sum += balance * focal * bce;
      if (g != nullptr) {
        // du/dq = 1 - 2s
        const double dfocal_dq = pow_grad(u, o.gamma) * (1.0 - 2.0 * s);
        double d = 0.0;
        if (o.from_logits) {
          d = focal * (q - s) + bce * dfocal_dq * q * (1.0 - q);
        } else {
          d = focal * dbce_dq + bce * dfocal_dq;
        }
        g[j] = static_cast<T>(balance * d * k * inv_cols);
      }
    }
    return sum * inv_cols;
  });
}

template <typename T>
double categorical_crossentropy_t(const LossArgs<T>& a, const CrossentropyOptions& o) {
  const int64_t cols = a.cols;
  const double ls = o.label_smoothing;
  const double smooth_add = ls / static_cast<double>(cols);
  const ClipRange<T> cr;
  auto smoothed = [&](const T* t, int64_t j) { return t[j] * (1.0 - ls) + smooth_add; };
  return for_each_row(a, cols, [&](const T* p, const T* t, T* g, double k) {
    double loss = 0.0;
    if (o.from_logits) {
      double mx = p[0];
      for (int64_t j = 1; j < cols; ++j) mx = std::max(mx, static_cast<double>(p[j]));
      double se = 0.0;
      for (int64_t j = 0; j < cols; ++j) se += std::exp(static_cast<double>(p[j]) - mx);
      const double lse = mx + std::log(se);
      double tsum = 0.0;
      for (int64_t j = 0; j < cols; ++j) {
        const double s = smoothed(t, j);
        loss -= s * (p[j] - lse);
        tsum += s;
      }
      if (g != nullptr) {
        for (int64_t j = 0; j < cols; ++j) {
          g[j] = static_cast<T>((std::exp(p[j] - lse) * tsum - smoothed(t, j)) * k);
        }
      }
      return loss;
    }
    // Keras normalises the probabilities, then clips: q = clip(p / sum(p)).
    double sp = 0.0;
    for (int64_t j = 0; j < cols; ++j) sp += p[j];
    double dot = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      const T q = static_cast<T>(p[j] / sp);
      const double c = clip(q, cr.lo, cr.hi);
      const double s = smoothed(t, j);
      loss -= s * std::log(c);
      if (g != nullptr) {
        const double dq = passes_clip(q, cr.lo, cr.hi) ? -s / c : 0.0;
        g[j] = static_cast<T>(dq);
        dot += dq * (p[j] / sp);
      }
    }
    if (g != nullptr) {
      for (int64_t j = 0; j < cols; ++j) g[j] = static_cast<T>((g[j] - dot) / sp * k);
    }
    return loss;
  });
}

template <typename T>
double categorical_focal_crossentropy_t(const LossArgs<T>& a, const CrossentropyOptions& o) {
  // Keras: q = softmax(z) or p; o = clip(q / sum(q));
  // loss = sum_j alpha (1 - o_j)^gamma (-s_j log o_j). Never from cached logits.
  // The per-class terms are recomputed in each pass so nothing is allocated.
  const int64_t cols = a.cols;
  const double ls = o.label_smoothing;
  const double smooth_add = ls / static_cast<double>(cols);
  const ClipRange<T> cr;
  return for_each_row(a, cols, [&](const T* p, const T* t, T* g, double k) {
    double lse = 0.0;
    if (o.from_logits) {
      double mx = p[0];
      for (int64_t j = 1; j < cols; ++j) mx = std::max(mx, static_cast<double>(p[j]));
      double se = 0.0;
      for (int64_t j = 0; j < cols; ++j) se += std::exp(static_cast<double>(p[j]) - mx);
      lse = mx + std::log(se);
    }
    auto q_of = [&](int64_t j) {
      return o.from_logits ? std::exp(static_cast<double>(p[j]) - lse) : static_cast<double>(p[j]);
    };
    double sq = 0.0;
    for (int64_t j = 0; j < cols; ++j) sq += q_of(j);
    // Loss term of class j, and its derivative with respect to o_j.
    auto term = [&](int64_t j, double* d_do) {
      const T oj = static_cast<T>(q_of(j) / sq);
      const double c = clip(oj, cr.lo, cr.hi);
      const double s = t[j] * (1.0 - ls) + smooth_add;
      const double ce = -s * std::log(c);
      const double focal = std::pow(1.0 - c, o.gamma);
      *d_do = passes_clip(oj, cr.lo, cr.hi)
                  ? o.alpha * (-pow_grad(1.0 - c, o.gamma) * ce + focal * (-s / c))
                  : 0.0;
      return o.alpha * focal * ce;
    };
    double loss = 0.0, dot = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      double d = 0.0;
      loss += term(j, &d);
      dot += d * (q_of(j) / sq);
    }
    if (g == nullptr) return loss;
    // Through o = q / sum(q): dq_j = (d_j - dot) / sum(q); then (from logits)
    // through the softmax: dz_j = q_j (dq_j - sum_i dq_i q_i).
    auto dq_of = [&](int64_t j) {
      double d = 0.0;
      term(j, &d);
      return (d - dot) / sq;
    };
    double qdot = 0.0;
    if (o.from_logits) {
      for (int64_t j = 0; j < cols; ++j) qdot += dq_of(j) * q_of(j);
    }
    for (int64_t j = 0; j < cols; ++j) {
      const double d = o.from_logits ? q_of(j) * (dq_of(j) - qdot) : dq_of(j);
      g[j] = static_cast<T>(d * k);
    }
    return loss;
  });
}

template <typename T>
double sparse_categorical_crossentropy_t(const LossArgs<T>& a, const CrossentropyOptions& o) {
  const int64_t cols = a.cols;
  const ClipRange<T> cr;
  return for_each_row(a, 1, [&](const T* p, const T* y, T* g, double k) {
    if (o.has_ignore_class && static_cast<double>(y[0]) == o.ignore_class) {
      if (g != nullptr) {
        for (int64_t j = 0; j < cols; ++j) g[j] = T(0);
      }
      return 0.0;
    }
    const int64_t label = static_cast<int64_t>(y[0]);
    if (o.from_logits) {
      double mx = p[0];
      for (int64_t j = 1; j < cols; ++j) mx = std::max(mx, static_cast<double>(p[j]));
      double se = 0.0;
      for (int64_t j = 0; j < cols; ++j) se += std::exp(static_cast<double>(p[j]) - mx);
      const double lse = mx + std::log(se);
      if (g != nullptr) {
        for (int64_t j = 0; j < cols; ++j) {
          g[j] = static_cast<T>((std::exp(p[j] - lse) - (j == label ? 1.0 : 0.0)) * k);
        }
      }
      return lse - p[label];
    }
    // TF feeds log(clip(p)) to a softmax crossentropy, which normalises the
    // clipped probabilities: loss = log(sum_j clip(p_j)) - log(clip(p_l)).
    double s = 0.0;
    for (int64_t j = 0; j < cols; ++j) s += clip(p[j], cr.lo, cr.hi);
    const double cl = clip(p[label], cr.lo, cr.hi);
    if (g != nullptr) {
      for (int64_t j = 0; j < cols; ++j) {
        double d = 1.0 / s;
        if (j == label) d -= 1.0 / cl;
        g[j] = passes_clip(p[j], cr.lo, cr.hi) ? static_cast<T>(d * k) : T(0);
      }
    }
    return std::log(s) - std::log(cl);
  });
}

}  // namespace

#define LAMINA_DEFINE_CROSSENTROPY_LOSSES(T)                                                   \
  void check_sparse_labels(const T* labels, int64_t rows, int64_t num_classes,                 \
                           bool has_ignore_class, double ignore_class) {                       \
    check_sparse_labels_t(labels, rows, num_classes, has_ignore_class, ignore_class);          \
  }                                                                                            \
  double binary_crossentropy(const LossArgs<T>& a, const CrossentropyOptions& o) {             \
    return binary_crossentropy_t(a, o);                                                        \
  }                                                                                            \
  double binary_focal_crossentropy(const LossArgs<T>& a, const CrossentropyOptions& o) {       \
    return binary_focal_crossentropy_t(a, o);                                                  \
  }                                                                                            \
  double categorical_crossentropy(const LossArgs<T>& a, const CrossentropyOptions& o) {        \
    return categorical_crossentropy_t(a, o);                                                   \
  }                                                                                            \
  double categorical_focal_crossentropy(const LossArgs<T>& a, const CrossentropyOptions& o) {  \
    return categorical_focal_crossentropy_t(a, o);                                             \
  }                                                                                            \
  double sparse_categorical_crossentropy(const LossArgs<T>& a, const CrossentropyOptions& o) { \
    return sparse_categorical_crossentropy_t(a, o);                                            \
  }
LAMINA_DEFINE_CROSSENTROPY_LOSSES(float)
LAMINA_DEFINE_CROSSENTROPY_LOSSES(double)
#undef LAMINA_DEFINE_CROSSENTROPY_LOSSES

}  // namespace lamina
