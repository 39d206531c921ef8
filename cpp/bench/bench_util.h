// Helpers shared by the benchmark files.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "fma_peak.h"
#include "lamina/runtime.h"

namespace lamina_bench {

inline std::vector<float> random_vector(int64_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// GFLOP/s and % of the measured FMA peak for `flops` per iteration.
inline void report_flops(benchmark::State& state, double flops) {
  const double total = flops * static_cast<double>(state.iterations());
  state.counters["GFLOP/s"] = benchmark::Counter(total / 1e9, benchmark::Counter::kIsRate);
  const double peak = fma_peak_flops(lamina::num_threads());
  state.counters["%peak"] = benchmark::Counter(100.0 * total / peak, benchmark::Counter::kIsRate);
  state.counters["threads"] = lamina::num_threads();
}

// GB/s for memory-bound kernels moving `bytes` per iteration.
inline void report_bytes(benchmark::State& state, double bytes) {
  state.counters["GB/s"] = benchmark::Counter(bytes * static_cast<double>(state.iterations()) / 1e9,
                                              benchmark::Counter::kIsRate);
  state.counters["threads"] = lamina::num_threads();
}

}  // namespace lamina_bench
