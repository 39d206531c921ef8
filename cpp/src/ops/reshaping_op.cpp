// Reshape, Identity, Permute and RepeatVector: values move, none change.
#include <cstring>
#include <numeric>

#include "lamina/errors.h"
#include "lamina/ops/reshaping.h"

namespace lamina {
namespace {

// Row-major memory already has every shape of the same size: the engine
// aliases input and output.
class ReshapeOp final : public Op {
 public:
  ReshapeOp(const std::string& name, Shape target) : Op(name), target_(std::move(target)) {}
  const char* kind() const override { return "Reshape"; }
  bool is_view() const override { return true; }
  Shape build(const Shape& input) override {
    if (shape_numel(input) != shape_numel(target_)) {
      throw ValueError("Layer '" + name_ +
                       "' (Reshape): the total size of the tensor must be unchanged. Received: "
                       "input_shape=" +
                       shape_str(input) + ", target_shape=" + shape_str(target_));
    }
    return target_;
  }
  void forward(const float*, float*, int64_t, const StepContext&) override {}
  void backward(const float*, const float*, float*, float*, int64_t, const StepContext&,
                bool) override {}

 private:
  Shape target_;
};

class IdentityOp final : public Op {
 public:
  IdentityOp(const std::string& name, const char* kind) : Op(name), kind_(kind) {}
  const char* kind() const override { return kind_; }
  bool is_view() const override { return true; }
  Shape build(const Shape& input) override { return input; }
  void forward(const float*, float*, int64_t, const StepContext&) override {}
  void backward(const float*, const float*, float*, float*, int64_t, const StepContext&,
                bool) override {}

 private:
  const char* kind_;
};

// A gather through an index map built once: output element o of a sample is
// input element map_[o]; backward scatters through the same map (a
// permutation, so each dx element is written once).
class PermuteOp final : public Op {
 public:
  PermuteOp(const std::string& name, std::vector<int64_t> dims)
      : Op(name), dims_(std::move(dims)) {}
  const char* kind() const override { return "Permute"; }

  Shape build(const Shape& input) override {
    const size_t rank = input.size();
    if (dims_.size() != rank) {
      throw ValueError("Layer '" + name_ + "' (Permute): dims has " + std::to_string(dims_.size()) +
                       " entries but the input " + shape_str(input) + " has " +
                       std::to_string(rank) + " axes per sample.");
    }
    std::vector<int64_t> in_stride(rank, 1);
    for (size_t k = rank; k-- > 1;) in_stride[k - 1] = in_stride[k] * input[k];
    Shape out(rank);
    std::vector<int64_t> stride(rank);  // input stride of each output axis
    for (size_t i = 0; i < rank; ++i) {
      const int64_t a = dims_[i] - 1;
      if (a < 0 || a >= static_cast<int64_t>(rank)) {
        throw ValueError("Layer '" + name_ + "' (Permute): dims must be a permutation of 1.." +
                         std::to_string(rank) + ".");
      }
      out[i] = input[static_cast<size_t>(a)];
      stride[i] = in_stride[static_cast<size_t>(a)];
    }
    numel_ = shape_numel(input);
    map_.assign(static_cast<size_t>(numel_), 0);
    std::vector<int64_t> idx(rank, 0);
    for (int64_t o = 0; o < numel_; ++o) {
      int64_t off = 0;
      for (size_t i = 0; i < rank; ++i) off += idx[i] * stride[i];
      map_[static_cast<size_t>(o)] = off;
      for (size_t i = rank; i-- > 0;) {  // odometer over the output index
        if (++idx[i] < out[i]) break;
        idx[i] = 0;
      }
    }
    return out;
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    const int64_t n = numel_;
    const int64_t* map = map_.data();
    parallel_for(batch, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t s = b; s < e; ++s) {
                     const float* xs = x + s * n;
                     float* ys = y + s * n;
                     for (int64_t o = 0; o < n; ++o) ys[o] = xs[map[o]];
                   }
                 });
  }

  void backward(const float*, const float*, float* dy, float* dx, int64_t batch, const StepContext&,
                bool) override {
    if (dx == nullptr) return;
    const int64_t n = numel_;
    const int64_t* map = map_.data();
    parallel_for(batch, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t s = b; s < e; ++s) {
                     const float* g = dy + s * n;
                     float* d = dx + s * n;
                     for (int64_t o = 0; o < n; ++o) d[map[o]] = g[o];
                   }
                 });
  }

 private:
  std::vector<int64_t> dims_;
  std::vector<int64_t> map_;
  int64_t numel_ = 0;
};

class RepeatVectorOp final : public Op {
 public:
  RepeatVectorOp(const std::string& name, int64_t n) : Op(name), n_(n) {}
  const char* kind() const override { return "RepeatVector"; }

  Shape build(const Shape& input) override {
    if (input.size() != 1) {
      throw ValueError("Input 0 of layer \"" + name_ +
                       "\" is incompatible with the layer: expected ndim=2, found ndim=" +
                       std::to_string(input.size() + 1) +
                       ". Full shape received: " + shape_str(input));
    }
    features_ = input[0];
    return {n_, features_};
  }

  void forward(const float* x, float* y, int64_t batch, const StepContext&) override {
    const int64_t f = features_, n = n_;
    parallel_for(batch, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n * f)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t s = b; s < e; ++s) {
                     for (int64_t r = 0; r < n; ++r) {
                       std::memcpy(y + (s * n + r) * f, x + s * f,
                                   sizeof(float) * static_cast<size_t>(f));
                     }
                   }
                 });
  }

  void backward(const float*, const float*, float* dy, float* dx, int64_t batch, const StepContext&,
                bool) override {
    if (dx == nullptr) return;
    const int64_t f = features_, n = n_;
    parallel_for(batch, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n * f)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t s = b; s < e; ++s) {
                     float* d = dx + s * f;
                     std::memcpy(d, dy + s * n * f, sizeof(float) * static_cast<size_t>(f));
                     for (int64_t r = 1; r < n; ++r) {
                       const float* g = dy + (s * n + r) * f;
                       for (int64_t j = 0; j < f; ++j) d[j] += g[j];
                     }
                   }
                 });
  }

 private:
  int64_t n_;
  int64_t features_ = 0;
};

}  // namespace

std::unique_ptr<Op> make_reshape_op(const std::string& name, const Shape& target) {
  return std::make_unique<ReshapeOp>(name, target);
}

std::unique_ptr<Op> make_identity_op(const std::string& name, const char* kind) {
  return std::make_unique<IdentityOp>(name, kind);
}

std::unique_ptr<Op> make_permute_op(const std::string& name, const std::vector<int64_t>& dims) {
  return std::make_unique<PermuteOp>(name, dims);
}

std::unique_ptr<Op> make_repeat_vector_op(const std::string& name, int64_t n) {
  return std::make_unique<RepeatVectorOp>(name, n);
}

}  // namespace lamina
