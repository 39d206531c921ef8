// PReLU: y = x for x > 0, alpha * x for x < 0 (and 0 at 0, as Keras's
// relu(x) - alpha * relu(-x) gives). alpha is broadcast through a per-sample
// index map built by the caller.
#include <algorithm>
#include <cstring>

#include "lamina/errors.h"
#include "lamina/ops/activations.h"

namespace lamina {
namespace {

// min(v, 0) from the sign bit: no compare-and-branch, which GCC emits for
// std::min/max here and which mispredicts on inputs of random sign.
inline float negative_part(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  bits &= static_cast<uint32_t>(static_cast<int32_t>(bits) >> 31);
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

class PReluOp final : public Op {
 public:
  PReluOp(const std::string& name, const Shape& alpha_shape, std::vector<int64_t> index)
      : Op(name), index_(std::move(index)) {
    Param alpha;
    alpha.name = "alpha";
    alpha.shape = alpha_shape;
    alpha.size = shape_numel(alpha_shape);
    params_.push_back(std::move(alpha));
    for (int64_t k : index_) {
      if (k < 0 || k >= params_[0].size) {
        throw ValueError("Layer '" + name + "' (PReLU): alpha index out of range.");
      }
    }
  }
  const char* kind() const override { return "PReLU"; }

  Shape build(const Shape& input) override {
    numel_ = shape_numel(input);
    if (numel_ != static_cast<int64_t>(index_.size())) {
      throw ValueError("Layer '" + name_ + "' (PReLU) was built for " +
                       std::to_string(index_.size()) +
                       " values per sample but received input with shape " + shape_str(input));
    }
    params_[0].grad.reserve(static_cast<size_t>(params_[0].size));
    per_element_.reserve(static_cast<size_t>(numel_));
    return input;
  }

  void reserve(int64_t batch) override { terms_.reserve(static_cast<size_t>(batch * numel_)); }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    const float* alpha = params_[0].value;
    const int64_t* idx = index_.data();
    const int64_t n = numel_;
    parallel_for(batch, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
      for (int64_t s = b; s < e; ++s) {
        const float* xs = x + s * n;
        float* ys = y + s * n;
        for (int64_t j = 0; j < n; ++j) {
          // Keras's relu(x) - alpha * relu(-x), branch-free (random signs
          // would mispredict a branch half the time).
          const float neg = negative_part(xs[j]);
          ys[j] = (xs[j] - neg) + alpha[idx[j]] * neg;
        }
      }
    });
  }

  void backward(const float* x, const float*, float* dy, float* dx, int64_t batch,
                const StepContext&, bool) override {
    const float* alpha = params_[0].value;
    const int64_t* idx = index_.data();
    const int64_t n = numel_;
    float* terms = terms_.data();
    parallel_for(batch, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
      for (int64_t s = b; s < e; ++s) {
        for (int64_t j = s * n; j < (s + 1) * n; ++j) {
          const float v = x[j], g = dy[j];
          terms[j] = g * (v - std::max(v, 0.0f));
          if (dx != nullptr) {
            // Slope 1 for v > 0, alpha for v < 0, 0 at 0 (as Keras's relu
            // gradients give), from comparison masks rather than branches.
            const float slope =
                static_cast<float>(v > 0.0f) + alpha[idx[j - s * n]] * static_cast<float>(v < 0.0f);
            dx[j] = g * slope;
          }
        }
      }
    });
    // dalpha: sum over the batch (column sums in order), then over the
    // elements sharing each alpha entry, in element order.
    column_sum(terms, batch, n, per_element_.data(), false);
    float* grad = params_[0].grad.data();
    std::fill(grad, grad + params_[0].size, 0.0f);
    const float* pe = per_element_.data();
    for (int64_t i = 0; i < n; ++i) grad[idx[i]] += pe[i];
  }

 private:
  std::vector<int64_t> index_;
  int64_t numel_ = 0;
  Buffer terms_, per_element_;
};

}  // namespace

std::unique_ptr<Op> make_prelu_op(const std::string& name, const Shape& alpha_shape,
                                  const std::vector<int64_t>& alpha_index) {
  return std::make_unique<PReluOp>(name, alpha_shape, alpha_index);
}

}  // namespace lamina
