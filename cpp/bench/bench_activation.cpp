// Element-wise float32 activations on large flat tensors, in GB/s of the
// arrays each pass must read and write (forward: x in, y out; backward: the
// input it reads, dy in, dx out). Memory bound when the body is cheap enough.
//   lamina_bench --benchmark_filter=Activation --benchmark_min_time=0.2
#include <cstdint>
#include <vector>

#include "bench_util.h"
#include "lamina/kernels/activation.h"

namespace {

using lamina::Activation;
using lamina_bench::random_vector;

// Args: kind (0 relu, 1 sigmoid, 2 tanh, 3 gelu), log2 of the element
// count, pass (0 forward, 1 backward).
void BM_Activation(benchmark::State& state) {
  const Activation kinds[] = {Activation::kRelu, Activation::kSigmoid, Activation::kTanh,
                              Activation::kGelu};
  const lamina::ActivationSpec spec(kinds[state.range(0)]);
  const int64_t n = int64_t{1} << state.range(1);
  const bool backward = state.range(2) != 0;
  const auto x = random_vector(n, 1), dy = random_vector(n, 2);
  std::vector<float> y(static_cast<size_t>(n)), dx(static_cast<size_t>(n));
  lamina::activation_forward(spec, x.data(), y.data(), 1, n);
  for (auto _ : state) {
    if (backward) {
      lamina::activation_backward(spec, x.data(), y.data(), dy.data(), dx.data(), 1, n);
    } else {
      lamina::activation_forward(spec, x.data(), y.data(), 1, n);
    }
    benchmark::ClobberMemory();
  }
  // relu, sigmoid and tanh differentiate from y alone, gelu from x: either
  // way one input array besides dy.
  lamina_bench::report_bytes(state, 4.0 * static_cast<double>(n) * (backward ? 3 : 2));
}

BENCHMARK(BM_Activation)
    ->ArgsProduct({{0, 1, 2, 3}, {20, 24}, {0, 1}})
    ->ArgNames({"kind", "log2n", "bwd"})
    ->UseRealTime();

}  // namespace
