// Accuracy metrics: per-row scores summed over rows in order. argmax takes
// the first maximal index, as numpy and TensorFlow do.
#include "lamina/kernels.h"

namespace lamina {
namespace {

int64_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j) {
    if (v[j] > v[best]) best = j;
  }
  return best;
}

float weight(const float* sw, int64_t r) { return sw != nullptr ? sw[r] : 1.0f; }

}  // namespace

double sparse_categorical_accuracy_sum(const float* pred, const float* labels, const float* sw,
                                       int64_t rows, int64_t cols) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const bool hit = static_cast<float>(argmax(pred + r * cols, cols)) == labels[r];
    total += hit ? weight(sw, r) : 0.0f;
  }
  return total;
}

double categorical_accuracy_sum(const float* pred, const float* y, const float* sw, int64_t rows,
                                int64_t cols) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const bool hit = argmax(pred + r * cols, cols) == argmax(y + r * cols, cols);
    total += hit ? weight(sw, r) : 0.0f;
  }
  return total;
}

double binary_accuracy_sum(const float* pred, const float* y, const float* sw, int64_t rows,
                           int64_t cols, float threshold) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t hits = 0;
    for (int64_t j = 0; j < cols; ++j) {
      const float predicted = pred[r * cols + j] > threshold ? 1.0f : 0.0f;
      hits += predicted == y[r * cols + j] ? 1 : 0;
    }
    total += weight(sw, r) * static_cast<double>(hits) / static_cast<double>(cols);
  }
  return total;
}

}  // namespace lamina
