// Regression, hinge and similarity losses (Keras 3, TensorFlow backend).
// Values are accumulated in double; gradients follow TensorFlow's choices at
// kinks (tf.maximum/minimum pass the gradient to the first argument on ties,
// tf.abs has gradient sign(x), 0 at 0).
#include <cmath>
#include <vector>

#include "lamina/kernels/loss.h"
#include "loss_common.h"

namespace lamina {
namespace {

using loss_detail::for_each_row;
using loss_detail::kEpsilon;

double sign(double v) { return v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0); }

// A loss that is a mean over cols of f(p, t): `fn(p, t, &dfdp)` returns f and
// sets its derivative.
template <typename T, typename Fn>
double elementwise_mean(const LossArgs<T>& a, Fn fn) {
  const double inv_cols = 1.0 / static_cast<double>(a.cols);
  return for_each_row(a, a.cols, [&](const T* p, const T* t, T* g, double k) {
    double sum = 0.0;
    for (int64_t j = 0; j < a.cols; ++j) {
      double d = 0.0;
      sum += fn(static_cast<double>(p[j]), static_cast<double>(t[j]), &d);
      if (g != nullptr) g[j] = static_cast<T>(d * k * inv_cols);
    }
    return sum * inv_cols;
  });
}

template <typename T>
double mse_t(const LossArgs<T>& a) {
  return elementwise_mean(a, [](double p, double t, double* d) {
    *d = 2.0 * (p - t);
    return (p - t) * (p - t);
  });
}

template <typename T>
double mae_t(const LossArgs<T>& a) {
  return elementwise_mean(a, [](double p, double t, double* d) {
    *d = sign(p - t);
    return std::fabs(p - t);
  });
}

template <typename T>
double mape_t(const LossArgs<T>& a) {
  // 100 * |(t - p) / max(|t|, eps)|
  return elementwise_mean(a, [](double p, double t, double* d) {
    const double denom = std::max(std::fabs(t), kEpsilon);
    *d = 100.0 * sign(p - t) / denom;
    return 100.0 * std::fabs((t - p) / denom);
  });
}

template <typename T>
double msle_t(const LossArgs<T>& a) {
  // (log(max(p, eps) + 1) - log(max(t, eps) + 1))^2
  return elementwise_mean(a, [](double p, double t, double* d) {
    const double lp = std::log(std::max(p, kEpsilon) + 1.0);
    const double lt = std::log(std::max(t, kEpsilon) + 1.0);
    *d = p >= kEpsilon ? 2.0 * (lp - lt) / (p + 1.0) : 0.0;
    return (lp - lt) * (lp - lt);
  });
}

template <typename T>
double huber_t(const LossArgs<T>& a, double delta) {
  return elementwise_mean(a, [delta](double p, double t, double* d) {
    const double e = p - t;
    const double ae = std::fabs(e);
    if (ae <= delta) {
      *d = e;
      return 0.5 * e * e;
    }
    *d = delta * sign(e);
    return delta * ae - 0.5 * delta * delta;
  });
}

template <typename T>
double log_cosh_t(const LossArgs<T>& a) {
  // x + softplus(-2x) - log(2), stable for large |x|; derivative tanh(x).
  return elementwise_mean(a, [](double p, double t, double* d) {
    const double x = p - t;
    *d = std::tanh(x);
    const double softplus = std::max(-2.0 * x, 0.0) + std::log1p(std::exp(-std::fabs(2.0 * x)));
    return x + softplus - std::log(2.0);
  });
}

template <typename T>
double poisson_t(const LossArgs<T>& a) {
  return elementwise_mean(a, [](double p, double t, double* d) {
    *d = 1.0 - t / (p + kEpsilon);
    return p - t * std::log(p + kEpsilon);
  });
}

template <typename T>
double kl_divergence_t(const LossArgs<T>& a) {
  const T lo = static_cast<T>(kEpsilon);
  return for_each_row(a, a.cols, [&](const T* p, const T* t, T* g, double k) {
    double sum = 0.0;
    for (int64_t j = 0; j < a.cols; ++j) {
      const double tc = loss_detail::clip(t[j], lo, T(1));
      const double pc = loss_detail::clip(p[j], lo, T(1));
      sum += tc * std::log(tc / pc);
      if (g != nullptr) {
        g[j] = loss_detail::passes_clip(p[j], lo, T(1)) ? static_cast<T>(-tc / pc * k) : T(0);
      }
    }
    return sum;
  });
}

// Keras converts labels to -1/1 when every label in the batch is 0 or 1.
template <typename T>
bool labels_are_binary(const LossArgs<T>& a) {
  const int64_t n = a.rows * a.cols;
  for (int64_t i = 0; i < n; ++i) {
    if (a.y[i] != T(0) && a.y[i] != T(1)) return false;
  }
  return true;
}

template <typename T>
double hinge_t(const LossArgs<T>& a, bool squared) {
  const bool convert = labels_are_binary(a);
  return elementwise_mean(a, [convert, squared](double p, double t, double* d) {
    const double s = convert ? 2.0 * t - 1.0 : t;
    const double m = 1.0 - s * p;
    if (m < 0.0) {
      *d = 0.0;
      return 0.0;
    }
    *d = squared ? -2.0 * s * m : -s;
    return squared ? m * m : m;
  });
}

template <typename T>
double categorical_hinge_t(const LossArgs<T>& a) {
  // max(max_j (1 - t_j) p_j - sum_j t_j p_j + 1, 0); tf.reduce_max splits
  // its gradient evenly between tied maxima.
  return for_each_row(a, a.cols, [&](const T* p, const T* t, T* g, double k) {
    double pos = 0.0, neg = -INFINITY;
    for (int64_t j = 0; j < a.cols; ++j) {
      pos += static_cast<double>(t[j]) * p[j];
      neg = std::max(neg, static_cast<double>((T(1) - t[j]) * p[j]));
    }
    const double m = neg - pos + 1.0;
    if (g != nullptr) {
      int64_t ties = 0;
      for (int64_t j = 0; j < a.cols; ++j) ties += static_cast<double>((T(1) - t[j]) * p[j]) == neg;
      for (int64_t j = 0; j < a.cols; ++j) {
        double d = 0.0;
        if (m >= 0.0) {
          d = -static_cast<double>(t[j]);
          if (static_cast<double>((T(1) - t[j]) * p[j]) == neg) {
            d += (1.0 - t[j]) / static_cast<double>(ties);
          }
        }
        g[j] = static_cast<T>(d * k);
      }
    }
    return std::max(m, 0.0);
  });
}

template <typename T>
double cosine_similarity_t(const LossArgs<T>& a) {
  // normalize(x) = x * min(rsqrt(sum x^2), 1 / eps)
  const double max_inv = 1.0 / kEpsilon;
  return for_each_row(a, a.cols, [&](const T* p, const T* t, T* g, double k) {
    double pp = 0.0, tt = 0.0, tp = 0.0;
    for (int64_t j = 0; j < a.cols; ++j) {
      pp += static_cast<double>(p[j]) * p[j];
      tt += static_cast<double>(t[j]) * t[j];
      tp += static_cast<double>(t[j]) * p[j];
    }
    const double inv_p_raw = 1.0 / std::sqrt(pp);
    const bool p_clamped = !(inv_p_raw <= max_inv);  // tf.minimum: ties keep rsqrt
    const double inv_p = p_clamped ? max_inv : inv_p_raw;
    const double inv_t = std::min(1.0 / std::sqrt(tt), max_inv);
    const double cos = tp * inv_p * inv_t;
    if (g != nullptr) {
      // d(-tn . p inv_p)/dp = -inv_t (t - cos_pn p inv_p) inv_p when unclamped,
      // with cos_pn = (tn . pn); clamped, inv_p is a constant.
      for (int64_t j = 0; j < a.cols; ++j) {
        double d = -static_cast<double>(t[j]) * inv_t * inv_p;
        if (!p_clamped) d += cos * p[j] * inv_p * inv_p;
        g[j] = static_cast<T>(d * k);
      }
    }
    return -cos;
  });
}

}  // namespace

#define LAMINA_DEFINE_REGRESSION_LOSSES(T)                                          \
  double mean_squared_error(const LossArgs<T>& a) { return mse_t(a); }              \
  double mean_absolute_error(const LossArgs<T>& a) { return mae_t(a); }             \
  double mean_absolute_percentage_error(const LossArgs<T>& a) { return mape_t(a); } \
  double mean_squared_logarithmic_error(const LossArgs<T>& a) { return msle_t(a); } \
  double huber(const LossArgs<T>& a, double delta) { return huber_t(a, delta); }    \
  double log_cosh(const LossArgs<T>& a) { return log_cosh_t(a); }                   \
  double poisson(const LossArgs<T>& a) { return poisson_t(a); }                     \
  double kl_divergence(const LossArgs<T>& a) { return kl_divergence_t(a); }         \
  double hinge(const LossArgs<T>& a) { return hinge_t(a, false); }                  \
  double squared_hinge(const LossArgs<T>& a) { return hinge_t(a, true); }           \
  double categorical_hinge(const LossArgs<T>& a) { return categorical_hinge_t(a); } \
  double cosine_similarity(const LossArgs<T>& a) { return cosine_similarity_t(a); }
LAMINA_DEFINE_REGRESSION_LOSSES(float)
LAMINA_DEFINE_REGRESSION_LOSSES(double)
#undef LAMINA_DEFINE_REGRESSION_LOSSES

}  // namespace lamina
