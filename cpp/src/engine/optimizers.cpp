// The optimizer registry. Each optimizer is an UpdateRule (Keras's
// update_step: its slots and the per-weight kernel call) wrapped by
// KerasOptimizer, which does what Keras's base optimizer does around it, in
// Keras 3.15.1's order (base_optimizer.py `_backend_apply_gradients`):
//   1. gradient accumulation: on a micro-step add g to the accumulator and
//      skip to 5; on an update step use g = (g + acc) / steps, acc = 0;
//   2. clipping: clipnorm per weight, else global_clipnorm, else clipvalue;
//   3. decoupled weight decay w -= w * wd * lr (every weight);
//   4. the rule's update with t = iterations + 1 (iterations // steps when
//      accumulating);
//   5. EMA of the weights (momentum 0 while iterations == 0), and every
//      ema_overwrite_frequency steps the weights are overwritten by it.
// Norms are summed per weight in index order in double, weights in order, so
// results do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "lamina/engine/optimizer.h"
#include "lamina/errors.h"
#include "lamina/kernels/kernel_table.h"
#include "lamina/runtime.h"

namespace lamina {
namespace {

constexpr int64_t kGrain = 16384;

float fparam(const Params& p, const char* key, double fallback) {
  return static_cast<float>(param(p, key, fallback));
}

// Runs fn(begin, end) over a weight's elements on the thread pool. Only for
// element-wise work: chunks are independent.
template <typename Fn>
void for_elements(int64_t n, Fn&& fn) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) { fn(b, e); });
}

double sum_squares(const float* x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return s;
}

// Keras's update_step for one optimizer. slots: this rule's slots only.
class UpdateRule {
 public:
  virtual ~UpdateRule() = default;
  virtual int slots() const = 0;
  // Once per update step, before the weights (t = the step's iterations + 1).
  virtual void begin_step(int64_t /*t*/) {}
  virtual void update(Param& p, float* const* slots, float lr, int64_t t) const = 0;
};

// SGD. slots: [momentum] when momentum > 0, else none.
class SgdRule final : public UpdateRule {
 public:
  explicit SgdRule(const Params& p)
      : momentum_(fparam(p, "momentum", 0.0)), nesterov_(param(p, "nesterov", 0) != 0) {}
  int slots() const override { return momentum_ != 0.0f ? 1 : 0; }
  void update(Param& p, float* const* s, float lr, int64_t) const override {
    const KernelTable& kt = active_kernels();
    float* m = momentum_ != 0.0f ? s[0] : nullptr;
    for_elements(p.size, [&](int64_t b, int64_t e) {
      kt.sgd_update(p.value + b, p.grad.data() + b, m ? m + b : nullptr, e - b, lr, momentum_,
                    nesterov_);
    });
  }

 private:
  float momentum_;
  bool nesterov_;
};

// Adam / AdamW. slots: [momentum, velocity] (+ [velocity_hat] with amsgrad).
class AdamRule final : public UpdateRule {
 public:
  explicit AdamRule(const Params& p)
      : b1_(fparam(p, "beta_1", 0.9)),
        b2_(fparam(p, "beta_2", 0.999)),
        eps_(fparam(p, "epsilon", 1e-7)),
        amsgrad_(param(p, "amsgrad", 0) != 0) {}
  int slots() const override { return amsgrad_ ? 3 : 2; }
  void update(Param& p, float* const* s, float lr, int64_t t) const override {
    const KernelTable& kt = active_kernels();
    const float tf = static_cast<float>(t);
    const float alpha = lr * std::sqrt(1.0f - std::pow(b2_, tf)) / (1.0f - std::pow(b1_, tf));
    for_elements(p.size, [&](int64_t b, int64_t e) {
      if (amsgrad_) {
        kt.adam_amsgrad_update(p.value + b, p.grad.data() + b, s[0] + b, s[1] + b, s[2] + b, e - b,
                               alpha, b1_, b2_, eps_);
      } else {
        kt.adam_update(p.value + b, p.grad.data() + b, s[0] + b, s[1] + b, e - b, alpha, b1_, b2_,
                       eps_);
      }
    });
  }

 private:
  float b1_, b2_, eps_;
  bool amsgrad_;
};

// Adamax. slots: [momentum, norm].
class AdamaxRule final : public UpdateRule {
 public:
  explicit AdamaxRule(const Params& p)
      : b1_(fparam(p, "beta_1", 0.9)),
        b2_(fparam(p, "beta_2", 0.999)),
        eps_(fparam(p, "epsilon", 1e-7)) {}
  int slots() const override { return 2; }
  void update(Param& p, float* const* s, float lr, int64_t t) const override {
    const KernelTable& kt = active_kernels();
    const float correction = 1.0f - std::pow(b1_, static_cast<float>(t));
    for_elements(p.size, [&](int64_t b, int64_t e) {
      kt.adamax_update(p.value + b, p.grad.data() + b, s[0] + b, s[1] + b, e - b, lr, b1_, b2_,
                       eps_, correction);
    });
  }

 private:
  float b1_, b2_, eps_;
};

// Nadam. slots: [momentum, velocity]. Keras keeps the product of the momentum
// schedule u_1 ... u_t in a variable updated once per step; here it is cached
// and recomputed from t when the counter jumps (a reset or a reload).
class NadamRule final : public UpdateRule {
 public:
  explicit NadamRule(const Params& p)
      : b1_(fparam(p, "beta_1", 0.9)),
        b2_(fparam(p, "beta_2", 0.999)),
        eps_(fparam(p, "epsilon", 1e-7)) {}
  int slots() const override { return 2; }
  void begin_step(int64_t t) override {
    if (t != cached_t_ + 1) {
      u_product_ = 1.0f;
      for (int64_t s = 1; s < t; ++s) u_product_ = u_product_ * b1_ * (1.0f - 0.5f * decay(s));
    }
    u_product_ = u_product_ * b1_ * (1.0f - 0.5f * decay(t));
    cached_t_ = t;
  }
  void update(Param& p, float* const* s, float lr, int64_t t) const override {
    const KernelTable& kt = active_kernels();
    const float u_t = b1_ * (1.0f - 0.5f * decay(t));
    const float u_next = b1_ * (1.0f - 0.5f * decay(t + 1));
    const float u_product_next = u_product_ * u_next;
    const float m_scale = u_next / (1.0f - u_product_next);
    const float g_scale = (1.0f - u_t) / (1.0f - u_product_);
    const float v_scale = 1.0f / (1.0f - std::pow(b2_, static_cast<float>(t)));
    for_elements(p.size, [&](int64_t b, int64_t e) {
      kt.nadam_update(p.value + b, p.grad.data() + b, s[0] + b, s[1] + b, e - b, lr, b1_, b2_, eps_,
                      m_scale, g_scale, v_scale);
    });
  }

 private:
  static float decay(int64_t t) { return std::pow(0.96f, static_cast<float>(t)); }
  float b1_, b2_, eps_;
  int64_t cached_t_ = 0;
  float u_product_ = 1.0f;
};

// RMSprop. slots: [velocity] (+ [momentum] if momentum > 0)
// (+ [average_gradient] if centered).
class RmspropRule final : public UpdateRule {
 public:
  explicit RmspropRule(const Params& p)
      : rho_(fparam(p, "rho", 0.9)),
        momentum_(fparam(p, "momentum", 0.0)),
        eps_(fparam(p, "epsilon", 1e-7)),
        centered_(param(p, "centered", 0) != 0) {}
  int slots() const override { return 1 + (momentum_ > 0.0f ? 1 : 0) + (centered_ ? 1 : 0); }
  void update(Param& p, float* const* s, float lr, int64_t) const override {
    const KernelTable& kt = active_kernels();
    float* mom = momentum_ > 0.0f ? s[1] : nullptr;
    float* avg = centered_ ? s[momentum_ > 0.0f ? 2 : 1] : nullptr;
    for_elements(p.size, [&](int64_t b, int64_t e) {
      kt.rmsprop_update(p.value + b, p.grad.data() + b, s[0] + b, mom ? mom + b : nullptr,
                        avg ? avg + b : nullptr, e - b, lr, rho_, momentum_, eps_);
    });
  }

 private:
  float rho_, momentum_, eps_;
  bool centered_;
};

// Adagrad. slots: [accumulator] (starts at initial_accumulator_value).
class AdagradRule final : public UpdateRule {
 public:
  explicit AdagradRule(const Params& p) : eps_(fparam(p, "epsilon", 1e-7)) {}
  int slots() const override { return 1; }
  void update(Param& p, float* const* s, float lr, int64_t) const override {
    const KernelTable& kt = active_kernels();
    for_elements(p.size, [&](int64_t b, int64_t e) {
      kt.adagrad_update(p.value + b, p.grad.data() + b, s[0] + b, e - b, lr, eps_);
    });
  }

 private:
  float eps_;
};

// Adadelta. slots: [accumulated_grad, accumulated_delta_var].
class AdadeltaRule final : public UpdateRule {
 public:
  explicit AdadeltaRule(const Params& p)
      : rho_(fparam(p, "rho", 0.95)), eps_(fparam(p, "epsilon", 1e-7)) {}
  int slots() const override { return 2; }
  void update(Param& p, float* const* s, float lr, int64_t) const override {
    const KernelTable& kt = active_kernels();
    for_elements(p.size, [&](int64_t b, int64_t e) {
      kt.adadelta_update(p.value + b, p.grad.data() + b, s[0] + b, s[1] + b, e - b, lr, rho_, eps_);
    });
  }

 private:
  float rho_, eps_;
};

// Ftrl. slots: [accumulator (starts at initial_accumulator_value), linear].
class FtrlRule final : public UpdateRule {
 public:
  explicit FtrlRule(const Params& p)
      : lr_power_(fparam(p, "learning_rate_power", -0.5)),
        l1_(fparam(p, "l1_regularization_strength", 0.0)),
        l2_(fparam(p, "l2_regularization_strength", 0.0)),
        l2_shrinkage_(fparam(p, "l2_shrinkage_regularization_strength", 0.0)),
        beta_(fparam(p, "beta", 0.0)) {}
  int slots() const override { return 2; }
  void update(Param& p, float* const* s, float lr, int64_t) const override {
    const KernelTable& kt = active_kernels();
    const float l2 = l2_ + beta_ / (2.0f * lr);
    for_elements(p.size, [&](int64_t b, int64_t e) {
      kt.ftrl_update(p.value + b, p.grad.data() + b, s[0] + b, s[1] + b, e - b, lr, lr_power_, l1_,
                     l2, l2_shrinkage_);
    });
  }

 private:
  float lr_power_, l1_, l2_, l2_shrinkage_, beta_;
};

// Lion. slots: [momentum].
class LionRule final : public UpdateRule {
 public:
  explicit LionRule(const Params& p)
      : b1_(fparam(p, "beta_1", 0.9)), b2_(fparam(p, "beta_2", 0.99)) {}
  int slots() const override { return 1; }
  void update(Param& p, float* const* s, float lr, int64_t) const override {
    const KernelTable& kt = active_kernels();
    for_elements(p.size, [&](int64_t b, int64_t e) {
      kt.lion_update(p.value + b, p.grad.data() + b, s[0] + b, e - b, lr, b1_, b2_);
    });
  }

 private:
  float b1_, b2_;
};

// Adafactor. slots: [r, c, v], each the weight's size so the engine's layout
// stays uniform. For a weight of rank >= 2 seen as [batch, rows, cols], r
// holds the first batch*rows floats (Keras's shape[:-1]) and c the first
// batch*cols (shape[:-2] + shape[-1:]); for rank < 2 r and c are unused.
// Reductions (row/column means, RMS) need the whole weight, so this rule runs
// on one thread in index order.
class AdafactorRule final : public UpdateRule {
 public:
  explicit AdafactorRule(const Params& p)
      : beta_2_decay_(fparam(p, "beta_2_decay", -0.8)),
        eps1_(fparam(p, "epsilon_1", 1e-30)),
        eps2_(fparam(p, "epsilon_2", 1e-3)),
        clip_threshold_(fparam(p, "clip_threshold", 1.0)) {}
  int slots() const override { return 3; }
  void update(Param& p, float* const* s, float lr, int64_t t) const override {
    const int64_t n = p.size;
    if (n == 0) return;
    float* w = p.value;
    const float* g = p.grad.data();
    float* r = s[0];
    float* c = s[1];
    float* v = s[2];
    const float step = static_cast<float>(t);
    const float rho_t = std::min(lr, 1.0f / std::sqrt(step));
    const float w_rms = static_cast<float>(std::sqrt(sum_squares(w, n) / static_cast<double>(n)));
    const float alpha_t = std::max(eps2_, w_rms) * rho_t;
    const float beta_2_t = 1.0f - std::pow(step, beta_2_decay_);
    const float keep = 1.0f - beta_2_t;
    if (p.shape.size() >= 2) {
      const int64_t cols = p.shape.back();
      const int64_t rows = p.shape[p.shape.size() - 2];
      const int64_t batch = cols * rows == 0 ? 0 : n / (cols * rows);
      for (int64_t bi = 0; bi < batch; ++bi) {
        const float* gb = g + bi * rows * cols;
        float* rb = r + bi * rows;
        float* cb = c + bi * cols;
        float* vb = v + bi * rows * cols;
        for (int64_t i = 0; i < rows; ++i) {
          double row_sum = 0.0;
          for (int64_t j = 0; j < cols; ++j) {
            row_sum += static_cast<double>(gb[i * cols + j] * gb[i * cols + j] + eps1_);
          }
          rb[i] = beta_2_t * rb[i] + keep * static_cast<float>(row_sum / static_cast<double>(cols));
        }
        for (int64_t j = 0; j < cols; ++j) {
          double col_sum = 0.0;
          for (int64_t i = 0; i < rows; ++i) {
            col_sum += static_cast<double>(gb[i * cols + j] * gb[i * cols + j] + eps1_);
          }
          cb[j] = beta_2_t * cb[j] + keep * static_cast<float>(col_sum / static_cast<double>(rows));
        }
        double r_sum = 0.0;
        for (int64_t i = 0; i < rows; ++i) r_sum += rb[i];
        const float r_mean = static_cast<float>(r_sum / static_cast<double>(rows));
        for (int64_t i = 0; i < rows; ++i) {
          const float ri = rb[i] / r_mean;
          for (int64_t j = 0; j < cols; ++j) vb[i * cols + j] = ri * cb[j];
        }
      }
    } else {
      for (int64_t i = 0; i < n; ++i) v[i] = beta_2_t * v[i] + keep * (g[i] * g[i] + eps1_);
    }
    double u_sq = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double u = static_cast<double>(g[i] / std::sqrt(v[i]));
      u_sq += u * u;
    }
    const float u_rms = static_cast<float>(std::sqrt(u_sq / static_cast<double>(n)));
    const float denom = std::max(1.0f, u_rms / clip_threshold_);
    for (int64_t i = 0; i < n; ++i) w[i] -= alpha_t * ((g[i] / std::sqrt(v[i])) / denom);
  }

 private:
  float beta_2_decay_, eps1_, eps2_, clip_threshold_;
};

std::unique_ptr<UpdateRule> make_rule(const std::string& name, const Params& p) {
  if (name == "sgd") return std::make_unique<SgdRule>(p);
  if (name == "adam" || name == "adamw") return std::make_unique<AdamRule>(p);
  if (name == "adamax") return std::make_unique<AdamaxRule>(p);
  if (name == "nadam") return std::make_unique<NadamRule>(p);
  if (name == "rmsprop") return std::make_unique<RmspropRule>(p);
  if (name == "adagrad") return std::make_unique<AdagradRule>(p);
  if (name == "adadelta") return std::make_unique<AdadeltaRule>(p);
  if (name == "ftrl") return std::make_unique<FtrlRule>(p);
  if (name == "lion") return std::make_unique<LionRule>(p);
  if (name == "adafactor") return std::make_unique<AdafactorRule>(p);
  throw ValueError("The native core has no optimizer '" + name + "'.");
}

class KerasOptimizer final : public NativeOptimizer {
 public:
  KerasOptimizer(std::unique_ptr<UpdateRule> rule, const Params& p)
      : rule_(std::move(rule)),
        clipnorm_(fparam(p, "clipnorm", 0.0)),
        global_clipnorm_(fparam(p, "global_clipnorm", 0.0)),
        clipvalue_(fparam(p, "clipvalue", 0.0)),
        has_weight_decay_(p.count("weight_decay") != 0),
        weight_decay_(fparam(p, "weight_decay", 0.0)),
        use_ema_(param(p, "use_ema", 0) != 0),
        ema_momentum_(fparam(p, "ema_momentum", 0.99)),
        ema_overwrite_frequency_(static_cast<int64_t>(param(p, "ema_overwrite_frequency", 0))),
        accumulation_steps_(static_cast<int64_t>(param(p, "gradient_accumulation_steps", 0))) {
    if (accumulation_steps_ == 1 || accumulation_steps_ < 0) {
      throw ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: " +
                       std::to_string(accumulation_steps_));
    }
  }

  // At least one: an empty slot list marks a frozen weight, so a stateless
  // rule (SGD without momentum) gets one unused array.
  int slots_per_weight() const override {
    return std::max(1, rule_->slots() + (accumulating() ? 1 : 0) + (use_ema_ ? 1 : 0));
  }
  int hyper_size() const override { return 1; }

  void step(const std::vector<Param*>& params, const std::vector<std::vector<float*>>& slots,
            const float* hyper, int64_t t) override {
    const KernelTable& kt = active_kernels();
    const float lr = hyper[0];
    const int64_t raw_iterations = t - 1;
    int64_t iterations = raw_iterations;
    const int rule_slots = rule_->slots();
    bool update = true;
    if (accumulating()) {
      iterations = raw_iterations / accumulation_steps_;
      update = (raw_iterations + 1) % accumulation_steps_ == 0;
      const float steps = static_cast<float>(accumulation_steps_);
      for_trainable(params, slots, [&](Param& p, const std::vector<float*>& s) {
        float* acc = s[static_cast<size_t>(rule_slots)];
        float* g = p.grad.data();
        for_elements(p.size, [&](int64_t b, int64_t e) {
          if (update) {
            kt.average_accumulated(g + b, acc + b, e - b, steps);
          } else {
            kt.accumulate(acc + b, g + b, e - b);
          }
        });
      });
    }
    if (update) {
      clip_gradients(params, slots);
      if (has_weight_decay_) {
        for_trainable(params, slots, [&](Param& p, const std::vector<float*>&) {
          for_elements(p.size, [&](int64_t b, int64_t e) {
            kt.weight_decay(p.value + b, e - b, weight_decay_, lr);
          });
        });
      }
      rule_->begin_step(iterations + 1);
      for_trainable(params, slots, [&](Param& p, const std::vector<float*>& s) {
        rule_->update(p, s.data(), lr, iterations + 1);
      });
    }
    if (use_ema_) {
      const float momentum = iterations != 0 ? ema_momentum_ : 0.0f;
      const bool overwrite =
          ema_overwrite_frequency_ > 0 && (iterations + 1) % ema_overwrite_frequency_ == 0;
      const size_t avg_index = static_cast<size_t>(slots_per_weight() - 1);
      for_trainable(params, slots, [&](Param& p, const std::vector<float*>& s) {
        float* avg = s[avg_index];
        for_elements(p.size, [&](int64_t b, int64_t e) {
          kt.ema_update(avg + b, p.value + b, e - b, momentum);
          if (overwrite) std::copy(avg + b, avg + e, p.value + b);
        });
      });
    }
  }

 private:
  bool accumulating() const { return accumulation_steps_ >= 2; }

  template <typename Fn>
  static void for_trainable(const std::vector<Param*>& params,
                            const std::vector<std::vector<float*>>& slots, Fn&& fn) {
    for (size_t k = 0; k < params.size(); ++k) {
      if (!slots[k].empty()) fn(*params[k], slots[k]);
    }
  }

  // Keras's _clip_gradients: clipnorm (tf.clip_by_norm per weight:
  // g * c / max(norm, c)), else global_clipnorm (g * c * min(1/norm, 1/c),
  // NaN for a non-finite norm), else clipvalue.
  void clip_gradients(const std::vector<Param*>& params,
                      const std::vector<std::vector<float*>>& slots) const {
    const KernelTable& kt = active_kernels();
    if (clipnorm_ > 0.0f) {
      for_trainable(params, slots, [&](Param& p, const std::vector<float*>&) {
        const float norm = static_cast<float>(std::sqrt(sum_squares(p.grad.data(), p.size)));
        const float s = clipnorm_ / std::max(norm, clipnorm_);
        if (s != 1.0f) kt.scale(p.grad.data(), p.size, s);
      });
    } else if (global_clipnorm_ > 0.0f) {
      double total = 0.0;
      for_trainable(params, slots, [&](Param& p, const std::vector<float*>&) {
        total += sum_squares(p.grad.data(), p.size);
      });
      const float norm = static_cast<float>(std::sqrt(total));
      float s = global_clipnorm_ * std::min(1.0f / norm, 1.0f / global_clipnorm_);
      s += norm - norm;  // NaN when the norm is not finite, as in Keras
      if (s != 1.0f) {
        for_trainable(params, slots, [&](Param& p, const std::vector<float*>&) {
          for_elements(p.size,
                       [&](int64_t b, int64_t e) { kt.scale(p.grad.data() + b, e - b, s); });
        });
      }
    } else if (clipvalue_ > 0.0f) {
      for_trainable(params, slots, [&](Param& p, const std::vector<float*>&) {
        for_elements(p.size,
                     [&](int64_t b, int64_t e) { kt.clip(p.grad.data() + b, e - b, clipvalue_); });
      });
    }
  }

  std::unique_ptr<UpdateRule> rule_;
  float clipnorm_, global_clipnorm_, clipvalue_;
  bool has_weight_decay_;
  float weight_decay_;
  bool use_ema_;
  float ema_momentum_;
  int64_t ema_overwrite_frequency_;
  int64_t accumulation_steps_;
};

}  // namespace

std::unique_ptr<NativeOptimizer> make_optimizer(const std::string& name, const Params& params) {
  return std::make_unique<KerasOptimizer>(make_rule(name, params), params);
}

}  // namespace lamina
