// Embedding: a parallel row gather forward; backward zeroes the table's
// gradient and scatter-adds dy rows into it. Threads own column ranges of
// the table, so no two threads ever add to the same float and each entry
// sums its rows in batch order: results are identical for any thread count.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "lamina/errors.h"
#include "lamina/ops/embedding.h"

namespace lamina {
namespace {

// Columns per parallel chunk of the backward scatter: a whole cache line,
// so two threads never write the same line of a row.
constexpr int64_t kColumnBlock = 16;

std::string id_text(float v) {
  char buf[64];
  if (std::isnan(v)) return "nan";
  const double t = std::trunc(static_cast<double>(v));
  if (std::isfinite(v) && std::fabs(t) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", t);
    std::string s(buf);
    if (t != static_cast<double>(v)) {
      std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
      s += " (from the value " + std::string(buf) + ")";
    }
    return s;
  }
  std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
  return buf;
}

class EmbeddingOp final : public Op {
 public:
  EmbeddingOp(const std::string& name, int64_t input_dim, int64_t output_dim, bool mask_zero)
      : Op(name), input_dim_(input_dim), output_dim_(output_dim), mask_zero_(mask_zero) {
    if (input_dim <= 0 || output_dim <= 0) {
      throw ValueError("Layer '" + name + "' (Embedding): input_dim and output_dim must be " +
                       "positive; received input_dim=" + std::to_string(input_dim) +
                       ", output_dim=" + std::to_string(output_dim) + ".");
    }
    if (input_dim > kMaxExactFloatId) {
      throw ValueError("Layer '" + name + "' (Embedding): input_dim=" + std::to_string(input_dim) +
                       " is above 2**24 = " + std::to_string(kMaxExactFloatId) +
                       "; lamina reads ids as float32, which holds integers exactly only up "
                       "to 2**24.");
    }
    Param table;
    table.name = "embeddings";
    table.shape = {input_dim, output_dim};
    table.size = input_dim * output_dim;
    params_.push_back(std::move(table));
  }

  const char* kind() const override { return "Embedding"; }

  Shape build(const Shape& input) override {
    id_shape_ = input;
    ids_per_sample_ = shape_numel(input);
    params_[0].grad.reserve(static_cast<size_t>(params_[0].size));
    Shape out = input;
    out.push_back(output_dim_);
    return out;
  }

  bool computes_mask() const override { return mask_zero_; }

  // Keras compares the input itself with 0 (before its cast to int32).
  void compute_mask(const float* x, float* mask, int64_t batch) override {
    const int64_t n = batch * ids_per_sample_;
    for (int64_t i = 0; i < n; ++i) mask[i] = x[i] != 0.0f ? 1.0f : 0.0f;
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    check_ids(x, batch);
    const float* table = params_[0].value;
    const int64_t d = output_dim_;
    parallel_for(batch * ids_per_sample_, std::max<int64_t>(1, 8192 / d),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t r = begin; r < end; ++r) {
                     const int64_t id = static_cast<int64_t>(x[r]);
                     std::memcpy(y + r * d, table + id * d, sizeof(float) * static_cast<size_t>(d));
                   }
                 });
  }

  void backward(const float* x, const float*, float* dy, float* dx, int64_t batch,
                const StepContext&, bool) override {
    // Ids have no gradient.
    if (dx != nullptr) {
      std::fill(dx, dx + batch * ids_per_sample_, 0.0f);
    }
    const int64_t d = output_dim_;
    float* grad = params_[0].grad.data();
    parallel_for(input_dim_, std::max<int64_t>(1, 16384 / d), [&](int64_t begin, int64_t end) {
      std::memset(grad + begin * d, 0, sizeof(float) * static_cast<size_t>((end - begin) * d));
    });
    // forward checked these ids; backward reads the same x.
    const int64_t rows = batch * ids_per_sample_;
    const int64_t blocks = (d + kColumnBlock - 1) / kColumnBlock;
    parallel_for(blocks, 1, [&](int64_t begin, int64_t end) {
      const int64_t c0 = begin * kColumnBlock;
      const int64_t c1 = std::min(d, end * kColumnBlock);
      for (int64_t r = 0; r < rows; ++r) {
        float* g = grad + static_cast<int64_t>(x[r]) * d;
        const float* dr = dy + r * d;
        for (int64_t c = c0; c < c1; ++c) g[c] += dr[c];
      }
    });
  }

 private:
  // Valid ids truncate into [0, input_dim): -1 < v < input_dim (NaN fails
  // both comparisons). One branch-free pass; the position is looked up only
  // when something is wrong.
  void check_ids(const float* x, int64_t batch) const {
    const int64_t n = batch * ids_per_sample_;
    const float upper = static_cast<float>(input_dim_);
    int bad = 0;
    for (int64_t i = 0; i < n; ++i) bad |= !(x[i] > -1.0f && x[i] < upper);
    if (bad == 0) return;
    for (int64_t i = 0; i < n; ++i) {
      if (!(x[i] > -1.0f && x[i] < upper)) throw_bad_id(x[i], i);
    }
  }

  [[noreturn]] void throw_bad_id(float v, int64_t flat) const {
    const int64_t sample = flat / ids_per_sample_;
    int64_t rest = flat % ids_per_sample_;
    std::string where;
    if (id_shape_.size() <= 1) {
      where = "timestep " + std::to_string(rest);
    } else {
      std::vector<int64_t> index(id_shape_.size());
      for (size_t k = id_shape_.size(); k-- > 0;) {
        index[k] = rest % id_shape_[k];
        rest /= id_shape_[k];
      }
      where = "position (";
      for (size_t k = 0; k < index.size(); ++k) {
        where += (k ? ", " : "") + std::to_string(index[k]);
      }
      where += ")";
    }
    throw ValueError("Layer '" + name_ + "' (Embedding) received id " + id_text(v) + " at sample " +
                     std::to_string(sample) + " of the batch, " + where +
                     "; ids must be integers in [0, " + std::to_string(input_dim_) +
                     ") (input_dim=" + std::to_string(input_dim_) + ").");
  }

  int64_t input_dim_, output_dim_;
  bool mask_zero_;
  Shape id_shape_;
  int64_t ids_per_sample_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_embedding_op(const std::string& name, int64_t input_dim,
                                      int64_t output_dim, bool mask_zero) {
  return std::make_unique<EmbeddingOp>(name, input_dim, output_dim, mask_zero);
}

}  // namespace lamina
