// lamina_bench: GEMM, convolution, pooling and activation microbenchmarks. Prints the
// measured FMA peak first; threads come from LAMINA_NUM_THREADS (default: the
// cores this process may use), the ISA from LAMINA_ISA.
//   build/release/cpp/bench/lamina_bench --benchmark_filter=Gemm
#include <benchmark/benchmark.h>

#include <cstdio>

#include "fma_peak.h"
#include "lamina/kernels/kernel_table.h"
#include "lamina/runtime.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const int threads = lamina::num_threads();
  std::printf("isa=%s threads=%d FMA peak: %.1f GFLOP/s on 1 thread, %.1f GFLOP/s on %d\n",
              lamina::isa_name(lamina::active_kernels().isa), threads,
              lamina_bench::fma_peak_flops(1) / 1e9, lamina_bench::fma_peak_flops(threads) / 1e9,
              threads);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
