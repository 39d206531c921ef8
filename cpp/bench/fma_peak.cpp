// The FMA peak for a thread count: the probe for the active ISA run on that
// many threads at once, best of three (the machine may be shared).
#include "fma_peak.h"

#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "lamina/kernels/kernel_table.h"

namespace lamina_bench {

double fma_probe_avx512();  // fma_probe.cpp (built with ISA flags)
double fma_probe_avx2();

namespace {

// Scalar: the compiler keeps the 12 chains in registers; -ffp-contract is
// off, so this is a multiply and an add, i.e. the same 2 FLOPs.
double fma_probe_scalar() {
  float a[12];
  for (int i = 0; i < 12; ++i) a[i] = 0.1f * static_cast<float>(i);
  const auto t0 = std::chrono::steady_clock::now();
  constexpr long kIters = 20000000;
  for (long it = 0; it < kIters; ++it) {
    for (float& v : a) v = v * 0.999999f + 1e-7f;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  volatile float sink = a[0] + a[11];
  (void)sink;
  return 12.0 * 2.0 * static_cast<double>(kIters) / s;
}

double one_thread_peak(lamina::Isa isa) {
#if defined(LAMINA_X86)
  if (isa == lamina::Isa::kAvx512) return fma_probe_avx512();
  if (isa == lamina::Isa::kAvx2) return fma_probe_avx2();
#endif
  return fma_probe_scalar();
}

}  // namespace

double fma_peak_flops(int threads) {
  static std::mutex mutex;
  static std::map<int, double> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(threads);
  if (it != cache.end()) return it->second;
  const lamina::Isa isa = lamina::active_kernels().isa;
  double best = 0.0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<double> rates(static_cast<size_t>(threads));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&rates, isa, t] { rates[static_cast<size_t>(t)] = one_thread_peak(isa); });
    }
    for (auto& th : pool) th.join();
    double total = 0.0;
    for (double r : rates) total += r;
    best = total > best ? total : best;
  }
  cache[threads] = best;
  return best;
}

}  // namespace lamina_bench
