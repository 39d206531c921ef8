// Bidirectional: runs a forward and a backward recurrent op on the same
// input and merges their outputs (Keras's Bidirectional.call). The backward
// op reads the sequence in reverse; with return_sequences its outputs come
// in processing order and are flipped back in time before the merge, and
// the gradient flowing to it is flipped the same way.
#include <algorithm>
#include <cstring>
#include <utility>

#include "lamina/errors.h"
#include "lamina/ops/wrappers.h"

namespace lamina {
namespace {

class BidirectionalOp final : public Op {
 public:
  BidirectionalOp(const std::string& name, std::unique_ptr<Op> forward,
                  std::unique_ptr<Op> backward, MergeMode merge, bool return_sequences)
      : Op(name),
        fwd_(std::move(forward)),
        bwd_(std::move(backward)),
        merge_(merge),
        return_sequences_(return_sequences) {}

  const char* kind() const override { return "Bidirectional"; }

  Shape build(const Shape& input) override {
    const Shape f = fwd_->build(input);
    const Shape b = bwd_->build(input);
    if (f.empty() || b.empty() || f.size() != b.size() ||
        !std::equal(f.begin(), f.end() - 1, b.begin()) ||
        (merge_ != MergeMode::kConcat && f.back() != b.back())) {
      throw ValueError("Layer '" + name_ + "' (Bidirectional): the forward and backward layers' " +
                       "outputs " + shape_str(f) + " and " + shape_str(b) + " cannot be merged.");
    }
    f_units_ = f.back();
    b_units_ = b.back();
    rows_per_sample_ = shape_numel(f) / f_units_;  // timesteps, or 1
    Shape out = f;
    if (merge_ == MergeMode::kConcat) out.back() = f_units_ + b_units_;
    in_numel_ = shape_numel(input);
    return out;
  }

  void reserve(int64_t batch) override {
    fwd_->reserve(batch);
    bwd_->reserve(batch);
    const auto rows = static_cast<size_t>(batch * rows_per_sample_);
    yf_.reserve(rows * static_cast<size_t>(f_units_));
    yb_.reserve(rows * static_cast<size_t>(b_units_));
    dyf_.reserve(rows * static_cast<size_t>(f_units_));
    dyb_.reserve(rows * static_cast<size_t>(b_units_));
    dx_b_.reserve(static_cast<size_t>(batch * in_numel_));
  }

  std::vector<Param*> bound_params() override {
    std::vector<Param*> out = fwd_->bound_params();
    std::vector<Param*> b = bwd_->bound_params();
    out.insert(out.end(), b.begin(), b.end());
    return out;
  }

  void set_input_mask(const float* mask) override {
    fwd_->set_input_mask(mask);
    bwd_->set_input_mask(mask);
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext& ctx) override {
    fwd_->forward(x, yf_.data(), batch, ctx);
    bwd_->forward(x, yb_.data(), batch, ctx);
    const int64_t t_count = rows_per_sample_;
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t t = 0; t < t_count; ++t) {
        const float* f = yf_.data() + (n * t_count + t) * f_units_;
        const float* b = yb_.data() + (n * t_count + backward_step(t)) * b_units_;
        float* out = y + (n * t_count + t) * out_units();
        merge_row(f, b, out);
      }
    }
  }

  void backward(const float* x, const float*, float* dy, float* dx, int64_t batch,
                const StepContext& ctx, bool) override {
    const int64_t t_count = rows_per_sample_;
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t t = 0; t < t_count; ++t) {
        const int64_t tb = backward_step(t);
        split_row(dy + (n * t_count + t) * out_units(), yf_.data() + (n * t_count + t) * f_units_,
                  yb_.data() + (n * t_count + tb) * b_units_,
                  dyf_.data() + (n * t_count + t) * f_units_,
                  dyb_.data() + (n * t_count + tb) * b_units_);
      }
    }
    fwd_->backward(x, yf_.data(), dyf_.data(), dx, batch, ctx, false);
    bwd_->backward(x, yb_.data(), dyb_.data(), dx != nullptr ? dx_b_.data() : nullptr, batch, ctx,
                   false);
    if (dx != nullptr) {
      const int64_t n = batch * in_numel_;
      const float* db = dx_b_.data();
      for (int64_t i = 0; i < n; ++i) dx[i] += db[i];
    }
  }

 private:
  int64_t out_units() const {
    return merge_ == MergeMode::kConcat ? f_units_ + b_units_ : f_units_;
  }
  // Output step t of the merged sequence reads the backward op's output
  // for the same input step, which it produced at position T-1-t.
  int64_t backward_step(int64_t t) const {
    return return_sequences_ ? rows_per_sample_ - 1 - t : t;
  }

  void merge_row(const float* f, const float* b, float* out) const {
    switch (merge_) {
      case MergeMode::kConcat:
        std::memcpy(out, f, sizeof(float) * static_cast<size_t>(f_units_));
        std::memcpy(out + f_units_, b, sizeof(float) * static_cast<size_t>(b_units_));
        break;
      case MergeMode::kSum:
        for (int64_t u = 0; u < f_units_; ++u) out[u] = f[u] + b[u];
        break;
      case MergeMode::kMul:
        for (int64_t u = 0; u < f_units_; ++u) out[u] = f[u] * b[u];
        break;
      case MergeMode::kAve:
        for (int64_t u = 0; u < f_units_; ++u) out[u] = (f[u] + b[u]) / 2.0f;
        break;
    }
  }

  void split_row(const float* dy, const float* f, const float* b, float* df, float* db) const {
    switch (merge_) {
      case MergeMode::kConcat:
        std::memcpy(df, dy, sizeof(float) * static_cast<size_t>(f_units_));
        std::memcpy(db, dy + f_units_, sizeof(float) * static_cast<size_t>(b_units_));
        break;
      case MergeMode::kSum:
        std::memcpy(df, dy, sizeof(float) * static_cast<size_t>(f_units_));
        std::memcpy(db, dy, sizeof(float) * static_cast<size_t>(f_units_));
        break;
      case MergeMode::kMul:
        for (int64_t u = 0; u < f_units_; ++u) {
          df[u] = dy[u] * b[u];
          db[u] = dy[u] * f[u];
        }
        break;
      case MergeMode::kAve:
        for (int64_t u = 0; u < f_units_; ++u) df[u] = db[u] = dy[u] / 2.0f;
        break;
    }
  }

  std::unique_ptr<Op> fwd_, bwd_;
  MergeMode merge_;
  bool return_sequences_;
  int64_t f_units_ = 0, b_units_ = 0, rows_per_sample_ = 1, in_numel_ = 0;
  Buffer yf_, yb_, dyf_, dyb_, dx_b_;
};

}  // namespace

std::unique_ptr<Op> make_bidirectional_op(const std::string& name, std::unique_ptr<Op> forward,
                                          std::unique_ptr<Op> backward, MergeMode merge,
                                          bool return_sequences) {
  return std::make_unique<BidirectionalOp>(name, std::move(forward), std::move(backward), merge,
                                           return_sequences);
}

}  // namespace lamina
