// GEMM at square sizes and at the shapes Dense and Conv layers use.
#include <cstdint>

#include "bench_util.h"
#include "lamina/kernels/gemm.h"

namespace {

using lamina_bench::random_vector;

// Args: m, n, k, trans_a, trans_b, path (0 auto, 1 direct, 2 packed).
void BM_Gemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const bool ta = state.range(3) != 0, tb = state.range(4) != 0;
  const int64_t path = state.range(5);
  lamina::set_gemm_path(path == 1   ? lamina::GemmPath::kDirect
                        : path == 2 ? lamina::GemmPath::kPacked
                                    : lamina::GemmPath::kAuto);
  const auto a = random_vector(m * k, 1), b = random_vector(k * n, 2);
  std::vector<float> c(static_cast<size_t>(m * n));
  for (auto _ : state) {
    lamina::gemm_f32(ta, tb, m, n, k, a.data(), ta ? m : k, b.data(), tb ? k : n, c.data(), n,
                     false);
    benchmark::DoNotOptimize(c.data());
  }
  lamina::set_gemm_path(lamina::GemmPath::kAuto);
  lamina_bench::report_flops(state, 2.0 * static_cast<double>(m) * n * k);
}

void square_sizes(benchmark::internal::Benchmark* b) {
  for (int64_t s : {64, 128, 256, 512, 1024, 2048}) b->Args({s, s, s, 0, 0, 0});
}

// The benchmark MLP (784-512-256-10) at batch 32 and 256: forward x W,
// kernel gradient x^T dy and input gradient dy W^T; and the MNIST convnet's
// second convolution as im2col GEMMs (rows = 128 * 11 * 11, K = 288).
void layer_shapes(benchmark::internal::Benchmark* b) {
  for (int64_t batch : {32, 256}) {
    b->Args({batch, 512, 784, 0, 0, 0});
    b->Args({784, 512, batch, 1, 0, 0});
    b->Args({batch, 784, 512, 0, 1, 0});
    b->Args({batch, 256, 512, 0, 0, 0});
  }
  b->Args({1, 512, 784, 0, 0, 0});
  b->Args({15488, 64, 288, 0, 0, 0});
  b->Args({288, 64, 15488, 1, 0, 0});
  b->Args({15488, 288, 64, 0, 1, 0});
}

BENCHMARK(BM_Gemm)
    ->Apply(square_sizes)
    ->ArgNames({"m", "n", "k", "ta", "tb", "path"})
    ->UseRealTime();
BENCHMARK(BM_Gemm)
    ->Apply(layer_shapes)
    ->ArgNames({"m", "n", "k", "ta", "tb", "path"})
    ->UseRealTime();

// Both paths forced, to see where the automatic choice should switch.
void path_shapes(benchmark::internal::Benchmark* b) {
  const int64_t shapes[][5] = {{784, 512, 32, 1, 0},  {256, 512, 784, 0, 0},
                               {784, 512, 256, 1, 0}, {256, 784, 512, 0, 1},
                               {128, 512, 784, 0, 0}, {1024, 1024, 1024, 0, 0}};
  for (const auto& s : shapes) {
    for (int64_t path : {1, 2}) b->Args({s[0], s[1], s[2], s[3], s[4], path});
  }
}
BENCHMARK(BM_Gemm)
    ->Apply(path_shapes)
    ->ArgNames({"m", "n", "k", "ta", "tb", "path"})
    ->UseRealTime();

}  // namespace
