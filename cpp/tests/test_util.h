// Helpers shared by the kernel tests.
#pragma once

#include <cstddef>
#include <random>
#include <vector>

#include "lamina/runtime.h"

namespace lamina_test {

// Restores the thread count when a test that changes it ends (or fails).
class ThreadCountScope {
 public:
  ThreadCountScope() : saved_(lamina::num_threads()) {}
  ~ThreadCountScope() { lamina::set_num_threads(saved_); }
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int saved_;
};

template <typename T>
std::vector<T> uniform(size_t n, double lo, double hi, std::mt19937& rng) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

inline std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace lamina_test
