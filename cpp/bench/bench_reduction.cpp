// Reductions and normalization on large tensors, in GB/s of the arrays each
// pass must read and write, next to a plain copy split the same way across
// lamina's threads: the memory-bandwidth reference these kernels should
// approach.
//   lamina_bench --benchmark_filter='Copy|ColumnSum|BatchNorm|Softmax' --benchmark_min_time=0.2
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bench_util.h"
#include "lamina/kernels/activation.h"
#include "lamina/kernels/batch_norm.h"
#include "lamina/runtime.h"

namespace {

using lamina_bench::random_vector;

// Arg: log2 of the element count. Reads and writes n floats.
void BM_Copy(benchmark::State& state) {
  const int64_t n = int64_t{1} << state.range(0);
  const auto x = random_vector(n, 1);
  std::vector<float> y(static_cast<size_t>(n));
  for (auto _ : state) {
    lamina::parallel_for(n, 65536, [&](int64_t b, int64_t e) {
      std::memcpy(y.data() + b, x.data() + b, sizeof(float) * static_cast<size_t>(e - b));
    });
    benchmark::ClobberMemory();
  }
  lamina_bench::report_bytes(state, 8.0 * static_cast<double>(n));
}
BENCHMARK(BM_Copy)->Arg(21)->Arg(23)->ArgName("log2n")->UseRealTime();

// Bias gradients: Args rows, cols (conv1's and conv2's at batch 128, Dense
// 512 at batch 256). Reads the matrix.
void BM_ColumnSum(benchmark::State& state) {
  const int64_t rows = state.range(0), cols = state.range(1);
  const auto dy = random_vector(rows * cols, 1);
  std::vector<float> out(static_cast<size_t>(cols));
  for (auto _ : state) {
    lamina::column_sum(dy.data(), rows, cols, out.data(), false);
    benchmark::ClobberMemory();
  }
  lamina_bench::report_bytes(state, 4.0 * static_cast<double>(rows * cols));
}
BENCHMARK(BM_ColumnSum)
    ->Args({128 * 26 * 26, 32})
    ->Args({128 * 11 * 11, 64})
    ->Args({256, 512})
    ->ArgNames({"rows", "cols"})
    ->UseRealTime();

// BatchNormalization on [128, 16, 16, 64] (8 MB). Arg pass: 0 statistics
// (reads x), 1 normalization (x in, y out), 2 gradient sums (x and dy in),
// 3 input gradient (x and dy in, dx out).
void BM_BatchNorm(benchmark::State& state) {
  const int64_t rows = 128 * 16 * 16, C = 64, n = rows * C;
  const int pass = static_cast<int>(state.range(0));
  const auto x = random_vector(n, 1), dy = random_vector(n, 2);
  const auto mean = random_vector(C, 3), inv_std = random_vector(C, 4), k = random_vector(C, 5);
  std::vector<float> out(static_cast<size_t>(n));
  std::vector<double> scratch(static_cast<size_t>(lamina::batch_norm_scratch_size(rows, C)));
  std::vector<double> a(static_cast<size_t>(C)), b(static_cast<size_t>(C));
  for (auto _ : state) {
    switch (pass) {
      case 0:
        lamina::batch_norm_channel_sums(x.data(), nullptr, x.data(), nullptr, rows, C,
                                        scratch.data(), a.data(), b.data());
        break;
      case 1:
        lamina::batch_norm_affine(x.data(), k.data(), mean.data(), rows, C, out.data());
        break;
      case 2:
        lamina::batch_norm_channel_sums(x.data(), dy.data(), mean.data(), inv_std.data(), rows, C,
                                        scratch.data(), a.data(), b.data());
        break;
      default:
        lamina::batch_norm_input_grad(x.data(), dy.data(), mean.data(), inv_std.data(), k.data(),
                                      mean.data(), k.data(), rows, C, out.data());
    }
    benchmark::ClobberMemory();
  }
  const double arrays[] = {1, 2, 2, 3};
  lamina_bench::report_bytes(state, 4.0 * static_cast<double>(n) * arrays[pass]);
}
BENCHMARK(BM_BatchNorm)->DenseRange(0, 3)->ArgName("pass")->UseRealTime();

// Softmax over rows of `cols` (20 MB in all). Arg pass: 0 forward (x in, y
// out), 1 backward (y and dy in, dx out).
void BM_Softmax(benchmark::State& state) {
  const int64_t cols = state.range(0), rows = (int64_t{5} << 20) / cols, n = rows * cols;
  const bool backward = state.range(1) != 0;
  const auto x = random_vector(n, 1), dy = random_vector(n, 2);
  std::vector<float> y(static_cast<size_t>(n)), dx(static_cast<size_t>(n));
  lamina::softmax_forward(x.data(), y.data(), rows, cols);
  for (auto _ : state) {
    if (backward) {
      lamina::softmax_backward(y.data(), dy.data(), dx.data(), rows, cols);
    } else {
      lamina::softmax_forward(x.data(), y.data(), rows, cols);
    }
    benchmark::ClobberMemory();
  }
  lamina_bench::report_bytes(state, 4.0 * static_cast<double>(n) * (backward ? 3 : 2));
}
BENCHMARK(BM_Softmax)
    ->ArgsProduct({{10, 1000, 20000}, {0, 1}})
    ->ArgNames({"cols", "bwd"})
    ->UseRealTime();

}  // namespace
